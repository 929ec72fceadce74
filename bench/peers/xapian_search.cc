/*
 * xapian_search.cc - peer: run each 'qid<TAB>query' line of QUERIES against the database
 * that xapian_index --keep DIR --opt idvalue built (DIR/xapian; the id in value slot 0),
 * with Xapian's QueryParser (english stemmer, STEM_SOME as the TermGenerator indexed,
 * flags FLAG_DEFAULT | FLAG_WILDCARD: phrases "...", AND OR NOT, +/-, NEAR/n, prefix*;
 * default operator OR, or AND with --and) and Enquire's default weighting, BM25
 * (k1 = 1, b = 0.5, Xapian's defaults). Prints a TREC run of the top k and, with
 * --timings, 'qid<TAB>microseconds' per query: parsing, get_mset, reading each hit's id
 * and printing it (see search_common.h). --snippets adds MSet::snippet() of each hit's
 * document data (title and text, as xapian_index stores them), 240 bytes.
 */
#include <cstdio>
#include <string>

#include <xapian.h>

#include "search_common.h"

int main(int argc, char **argv)
{
    search_args a;
    if (search_parse_args(&a, argc, argv, "xapian_search") != 0)
        return 2;
    FILE *in = std::fopen(a.queries, "r");
    if (in == nullptr) {
        std::perror(a.queries);
        return 2;
    }
    FILE *tf = nullptr;
    if (a.timings != nullptr && (tf = std::fopen(a.timings, "w")) == nullptr) {
        std::perror(a.timings);
        return 2;
    }
    int status = 0;
    try {
        Xapian::Database db(std::string(a.index) + "/xapian");
        Xapian::Enquire enquire(db);
        enquire.set_weighting_scheme(Xapian::BM25Weight());
        Xapian::QueryParser qp;
        qp.set_database(db); /* for wildcard expansion */
        qp.set_stemmer(Xapian::Stem("english"));
        qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
        qp.set_default_op(a.and_default ? Xapian::Query::OP_AND : Xapian::Query::OP_OR);
        const unsigned flags =
            Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD;
        char *line = nullptr;
        size_t cap = 0;
        unsigned long no = 0;
        while (getline(&line, &cap, in) >= 0) {
            no++;
            char *qid, *query;
            const int sr = search_split_line(line, &qid, &query);
            if (sr == 1)
                continue;
            if (sr < 0) {
                std::fprintf(stderr, "xapian_search: %s:%lu: no tab\n", a.queries, no);
                status = 2;
                continue;
            }
            const double t0 = search_now_us();
            try {
                enquire.set_query(qp.parse_query(query, flags));
                Xapian::MSet m = enquire.get_mset(0, a.k);
                unsigned rank = 0;
                for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) {
                    Xapian::Document doc = it.get_document();
                    std::printf("%s Q0 %s %u %.4f %s", qid, doc.get_value(0).c_str(), ++rank,
                                it.get_weight(), a.tag);
                    if (a.snippets) {
                        std::putchar('\t');
                        search_print_clean(m.snippet(doc.get_data(), 240).c_str());
                    }
                    std::putchar('\n');
                }
            } catch (const Xapian::QueryParserError &e) {
                std::fprintf(stderr, "xapian_search: %s:%lu: query %s: %s\n", a.queries, no, qid,
                             e.get_description().c_str());
                status = 2;
                continue;
            }
            if (tf != nullptr)
                std::fprintf(tf, "%s\t%.1f\n", qid, search_now_us() - t0);
        }
        free(line);
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian_search: %s: %s\n", a.index, e.get_description().c_str());
        return 2;
    }
    std::fclose(in);
    if (tf != nullptr && std::fclose(tf) != 0) {
        std::perror(a.timings);
        status = 2;
    }
    return status;
}
