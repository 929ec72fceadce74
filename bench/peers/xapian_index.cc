/*
 * xapian_index.cc - peer: Xapian (glass backend) indexes the same JSON Lines as quire:
 * title + text through a TermGenerator with the english (Snowball) stemmer and its default
 * strategy STEM_SOME (unstemmed terms with positions, Z-prefixed stems without), the
 * title and text kept as the document data, the id as a "Q" term (add_document: a new
 * database, the ids are unique already); one process, one
 * commit at the end (Xapian flushes every XAPIAN_FLUSH_THRESHOLD documents, default
 * 10000). Same harness and output as bench_index.
 *
 *   xapian_index [--runs N] [--warmup full|read|none] [--tmp DIR] [--keep DIR]
 *                [--opt nostore] [--opt idvalue] CORPUS...
 *
 * --opt idvalue also keeps the id in value slot 0, where xapian_search reads it back.
 *
 * The size without stored text is every file less docdata.glass (the document data).
 */
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include <xapian.h>

#include "peer_common.h"

namespace {

struct ctx {
    Xapian::WritableDatabase *db;
    Xapian::TermGenerator *tg;
    peer_result *out;
    bool store;
    bool idvalue;
};

int add_doc(void *p, const peer_doc *d)
{
    ctx *c = static_cast<ctx *>(p);
    try {
        Xapian::Document doc;
        c->tg->set_document(doc);
        c->tg->index_text(std::string(d->title, d->title_len));
        c->tg->increase_termpos();
        c->tg->index_text(std::string(d->text, d->text_len));
        if (c->store) {
            std::string data(d->title, d->title_len);
            data += '\n';
            data.append(d->text, d->text_len);
            doc.set_data(data);
        }
        std::string idterm = "Q";
        idterm.append(d->id, d->id_len);
        doc.add_boolean_term(idterm);
        if (c->idvalue)
            doc.add_value(0, std::string(d->id, d->id_len));
        c->db->add_document(doc); /* a new database: the ids are unique already */
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian_index: %s\n", e.get_description().c_str());
        return -1;
    }
    c->out->docs++;
    c->out->text_bytes += d->title_len + d->text_len;
    return 0;
}

int run(const char *dir, const char *const *inputs, size_t ninputs, const char *const *opts,
        size_t nopts, peer_result *out)
{
    bool store = true, idvalue = false;
    for (size_t i = 0; i < nopts; i++) {
        if (std::strcmp(opts[i], "nostore") == 0) {
            store = false;
        } else if (std::strcmp(opts[i], "idvalue") == 0) {
            idvalue = true;
        } else {
            std::fprintf(stderr, "xapian_index: unknown --opt %s\n", opts[i]);
            return -1;
        }
    }
    try {
        std::string path = std::string(dir) + "/xapian";
        Xapian::WritableDatabase db(path, Xapian::DB_CREATE_OR_OVERWRITE);
        Xapian::TermGenerator tg;
        tg.set_stemmer(Xapian::Stem("english"));
        ctx c = {&db, &tg, out, store, idvalue};
        for (size_t i = 0; i < ninputs; i++)
            if (peer_read_jsonl(inputs[i], add_doc, &c, &out->skipped) != 0)
                return -1;
        db.commit();
        db.close();
        struct stat st;
        std::string dd = path + "/docdata.glass";
        uint64_t docdata = stat(dd.c_str(), &st) == 0 ? (uint64_t)st.st_size : 0;
        uint64_t all = 0;
        for (const char *f :
             {"postlist.glass", "position.glass", "termlist.glass", "docdata.glass", "iamglass"}) {
            std::string fp = path + "/" + f;
            if (stat(fp.c_str(), &st) == 0)
                all += (uint64_t)st.st_size;
        }
        out->index_no_text_bytes = all - docdata;
        std::snprintf(out->no_text_note, sizeof out->no_text_note,
                      "postlist + position + termlist + iamglass (docdata.glass %.2f MB left "
                      "out; termlist is Xapian's forward index, needed for updates)",
                      (double)docdata / (1024.0 * 1024.0));
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "xapian_index: %s\n", e.get_description().c_str());
        return -1;
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    std::string config = std::string("Xapian ") + Xapian::version_string() +
                         " glass, english stemmer STEM_SOME, positions";
    return peer_main(argc, argv, "xapian_index", config.c_str(), run);
}
