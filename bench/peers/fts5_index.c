/*
 * fts5_index.c - peer: SQLite FTS5 indexes the same JSON Lines as quire (title + text,
 * tokenize 'porter unicode61', positions kept: detail=full, the text stored in the
 * table's content), in one process and one transaction, then 'optimize' (merge to one
 * b-tree, as quire merges to one segment). Same harness and output as bench_index.
 *
 *   fts5_index [--runs N] [--warmup full|read|none] [--tmp DIR] [--keep DIR]
 *              [--opt contentless] CORPUS...
 *
 * The size without stored text is the database's pages less those of the content table,
 * from the dbstat virtual table (where SQLite was built with it); --opt contentless builds
 * a content='' table instead (nothing stored, the id kept as the rowid only).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "peer_common.h"

typedef struct ctx {
    sqlite3 *db;
    sqlite3_stmt *ins;
    peer_result *out;
    int contentless;
} ctx;

static int add_doc(void *p, const peer_doc *d)
{
    ctx *c = p;
    sqlite3_stmt *s = c->ins;
    int rc;
    if (c->contentless) {
        rc = sqlite3_bind_text(s, 1, d->title, (int)d->title_len, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(s, 2, d->text, (int)d->text_len, SQLITE_STATIC);
    } else {
        rc = sqlite3_bind_text(s, 1, d->id, (int)d->id_len, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(s, 2, d->title, (int)d->title_len, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(s, 3, d->text, (int)d->text_len, SQLITE_STATIC);
    }
    if (rc == SQLITE_OK && sqlite3_step(s) != SQLITE_DONE)
        rc = SQLITE_ERROR;
    sqlite3_reset(s);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "fts5_index: insert: %s\n", sqlite3_errmsg(c->db));
        return -1;
    }
    c->out->docs++;
    c->out->text_bytes += d->title_len + d->text_len;
    return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "fts5_index: %s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

static int run(const char *dir, const char *const *inputs, size_t ninputs,
               const char *const *opts, size_t nopts, peer_result *out)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.out = out;
    for (size_t i = 0; i < nopts; i++) {
        if (strcmp(opts[i], "contentless") == 0) {
            c.contentless = 1;
        } else {
            fprintf(stderr, "fts5_index: unknown --opt %s\n", opts[i]);
            return -1;
        }
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/fts5.db", dir);
    if (sqlite3_open(path, &c.db) != SQLITE_OK) {
        fprintf(stderr, "fts5_index: open %s: %s\n", path, sqlite3_errmsg(c.db));
        return -1;
    }
    const char *create =
        c.contentless ? "CREATE VIRTUAL TABLE docs USING fts5(title, text, content='', "
                        "tokenize='porter unicode61')"
                      : "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, "
                        "tokenize='porter unicode61')";
    const char *insert = c.contentless ? "INSERT INTO docs(title, text) VALUES (?, ?)"
                                       : "INSERT INTO docs(id, title, text) VALUES (?, ?, ?)";
    if (exec(c.db, create) || exec(c.db, "BEGIN"))
        return -1;
    if (sqlite3_prepare_v2(c.db, insert, -1, &c.ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5_index: prepare: %s\n", sqlite3_errmsg(c.db));
        return -1;
    }
    for (size_t i = 0; i < ninputs; i++)
        if (peer_read_jsonl(inputs[i], add_doc, &c, &out->skipped) != 0)
            return -1;
    sqlite3_finalize(c.ins);
    if (exec(c.db, "INSERT INTO docs(docs) VALUES('optimize')") || exec(c.db, "COMMIT"))
        return -1;

    /* Size without the stored text: every page less the content table's. */
    sqlite3_stmt *q;
    if (!c.contentless &&
        sqlite3_prepare_v2(c.db,
                           "SELECT (SELECT SUM(pgsize) FROM dbstat), "
                           "(SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'docs_content%')",
                           -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            sqlite3_int64 all = sqlite3_column_int64(q, 0), content = sqlite3_column_int64(q, 1);
            out->index_no_text_bytes = (uint64_t)(all - content);
            snprintf(out->no_text_note, sizeof out->no_text_note,
                     "all pages less docs_content (dbstat); content table %.2f MB",
                     (double)content / (1024.0 * 1024.0));
        }
        sqlite3_finalize(q);
    } else if (c.contentless) {
        snprintf(out->no_text_note, sizeof out->no_text_note,
                 "contentless table: the whole file (see 'index in all')");
    } else {
        snprintf(out->no_text_note, sizeof out->no_text_note,
                 "not measured (SQLite without dbstat)");
    }
    if (sqlite3_close(c.db) != SQLITE_OK) {
        fprintf(stderr, "fts5_index: close: %s\n", sqlite3_errmsg(c.db));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    char config[128];
    snprintf(config, sizeof config, "SQLite %s FTS5 porter unicode61, detail=full",
             sqlite3_libversion());
    return peer_main(argc, argv, "fts5_index", config, run);
}
