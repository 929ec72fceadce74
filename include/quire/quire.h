/*
 * quire/quire.h - libquire, the full-text search engine behind quire-index(1) and
 * quire-query(1): the one header a program includes.
 *
 *   quire_writer    takes an index's lock; adds (from memory or from files), replaces
 *                   and deletes documents by id in transactions committed atomically;
 *                   optimizes                                         (quire/writer.h)
 *   quire_reader    an index opened read-only on one commit; shared by all threads,
 *                   reference counted, reopened on a newer commit on request
 *   quire_searcher  one thread's searcher on a reader: runs queries
 *   quire_results   a query's hits (id, title, date, score), match count (exact or a
 *                   lower bound), passages with byte offsets and highlights
 *                                                                        (quire/search.h)
 *   shard sets      quire_shards_index(): a shard set written by one process or an MPI
 *                   job                                                 (quire/shards.h)
 *   errors          QUIRE_OK or a negative QUIRE_E* code; quire_errmsg() (quire/common.h)
 *   versions        QUIRE_VERSION_*, quire_version()                    (quire/version.h)
 *
 * Conventions (libgit2's and LMDB's): a fallible function returns an int status and gives
 * its object through its first argument, `out`, which it sets to NULL on failure; every
 * declaration says who owns what it returns and until when, and which threads may call
 * it; `_free` and `_close` functions accept NULL. Strings are (pointer, length in bytes)
 * where they may hold any byte, NUL-terminated where they are names. The on-disk format
 * is quire-format(5).
 *
 * A whole program (examples/hello.c; build it with
 * `cc hello.c $(pkg-config --cflags --libs quire)`):
 *
 *     quire_writer *w;
 *     if (quire_writer_open(&w, "idx", NULL) != QUIRE_OK) fail();
 *     quire_document d = QUIRE_DOCUMENT_INIT;
 *     d.id = "a"; d.id_len = 1; d.text = "Hello, world."; d.text_len = 13;
 *     if (quire_writer_add(w, &d) != QUIRE_OK || quire_writer_commit(w, NULL) != QUIRE_OK)
 *         fail();
 *     quire_writer_close(w);
 *
 *     quire_reader *r;  quire_searcher *s;  quire_results *res;
 *     if (quire_reader_open(&r, "idx") != QUIRE_OK || quire_searcher_new(&s, r) != QUIRE_OK)
 *         fail();
 *     quire_reader_close(r);                   // the searcher keeps its own reference
 *     if (quire_search(&res, s, "hello", 5, NULL) != QUIRE_OK) fail();
 *     for (size_t i = 0; i < quire_results_hit_count(res); i++)
 *         printf("%s\n", quire_hit_id(quire_results_hit(res, i), NULL));
 *     quire_results_free(res);
 *     quire_searcher_free(s);
 *
 * where fail() prints quire_errmsg().
 */
#ifndef QUIRE_QUIRE_H
#define QUIRE_QUIRE_H

#include "quire/common.h"
#include "quire/search.h"
#include "quire/shards.h"
#include "quire/version.h"
#include "quire/writer.h"

#endif
