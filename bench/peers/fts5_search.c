/*
 * fts5_search.c - peer: run each 'qid<TAB>query' line of QUERIES against the FTS5 table
 * that fts5_index --keep DIR built (DIR/fts5.db: docs(id UNINDEXED, title, text), tokenize
 * 'porter unicode61'), ranked by FTS5's bm25() (k1 = 1.2, b = 0.75, both columns weight 1):
 *
 *   SELECT id, bm25(docs) FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2
 *
 * The query is FTS5 query syntax as written in the file (bench/queries/ and
 * run_relevance.sh write the FTS5 form of each query: "w1" OR "w2", "a phrase",
 * NEAR("a" "b", 3), pre*). Prints a TREC run (score = -bm25, larger is better) and, with
 * --timings, 'qid<TAB>microseconds' per query: binding, stepping through the rows and
 * printing them (see search_common.h). --and is refused: write AND in the query.
 * --snippets adds snippet(docs, 2, '[', ']', '...', 40) (the text column, 40 tokens).
 */
#include <sqlite3.h>
#include <stdio.h>

#include "search_common.h"

int main(int argc, char **argv)
{
    search_args a;
    if (search_parse_args(&a, argc, argv, "fts5_search") != 0)
        return 2;
    if (a.and_default) {
        fprintf(stderr, "fts5_search: --and: write AND in the FTS5 query instead\n");
        return 2;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/fts5.db", a.index);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5_search: %s: %s\n", path, sqlite3_errmsg(db));
        return 2;
    }
    sqlite3_stmt *st;
    const char *sql = a.snippets ? "SELECT id, bm25(docs), snippet(docs, 2, '[', ']', '...', 40) "
                                   "FROM docs WHERE docs MATCH ?1 ORDER BY rank LIMIT ?2"
                                 : "SELECT id, bm25(docs) FROM docs WHERE docs MATCH ?1 "
                                   "ORDER BY rank LIMIT ?2";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5_search: %s: %s\n", path, sqlite3_errmsg(db));
        return 2;
    }
    FILE *in = fopen(a.queries, "r");
    if (in == NULL) {
        perror(a.queries);
        return 2;
    }
    FILE *tf = NULL;
    if (a.timings != NULL && (tf = fopen(a.timings, "w")) == NULL) {
        perror(a.timings);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    int status = 0;
    unsigned long no = 0;
    while (getline(&line, &cap, in) >= 0) {
        no++;
        char *qid, *query;
        const int sr = search_split_line(line, &qid, &query);
        if (sr == 1)
            continue;
        if (sr < 0) {
            fprintf(stderr, "fts5_search: %s:%lu: no tab\n", a.queries, no);
            status = 2;
            continue;
        }
        const double t0 = search_now_us();
        sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, (int)a.k);
        int rc;
        unsigned rank = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            printf("%s Q0 %s %u %.4f %s", qid, (const char *)sqlite3_column_text(st, 0), ++rank,
                   -sqlite3_column_double(st, 1), a.tag);
            if (a.snippets) {
                putchar('\t');
                search_print_clean((const char *)sqlite3_column_text(st, 2));
            }
            putchar('\n');
        }
        if (rc != SQLITE_DONE) {
            fprintf(stderr, "fts5_search: %s:%lu: query %s: %s\n", a.queries, no, qid,
                    sqlite3_errmsg(db));
            status = 2;
        }
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (tf != NULL && rc == SQLITE_DONE)
            fprintf(tf, "%s\t%.1f\n", qid, search_now_us() - t0);
    }
    free(line);
    fclose(in);
    if (tf != NULL && fclose(tf) != 0) {
        perror(a.timings);
        status = 2;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return status;
}
