/*
 * peer_common.h - what the peer indexers (xapian_index.cc, fts5_index.c) share with each
 * other: a JSON Lines reader for the corpora of ../shared/corpora (gzip or plain; id,
 * title, text) and the same run harness as bench_index (a forked child per run, wait4()
 * rusage for CPU time and peak RSS, median of N runs after an untimed warm-up, Markdown
 * output), so that the figures line up with quire's.
 */
#ifndef QUIRE_BENCH_PEER_COMMON_H
#define QUIRE_BENCH_PEER_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One document: decoded UTF-8 strings (not NUL-terminated past their length; each is
 * followed by a NUL for convenience). */
typedef struct peer_doc {
    const char *id, *title, *text;
    size_t id_len, title_len, text_len;
} peer_doc;

typedef int (*peer_doc_fn)(void *ctx, const peer_doc *d);

/* Calls fn for every line of path that parses; returns 0, or -1 (message on stderr) if the
 * file cannot be read or fn fails. *skipped counts the lines that did not parse. */
int peer_read_jsonl(const char *path, peer_doc_fn fn, void *ctx, uint64_t *skipped);

/* A peer's figures for one run, filled in by its index function. */
typedef struct peer_result {
    uint64_t docs, skipped;
    uint64_t text_bytes; /* title + text bytes indexed (decoded), as quire counts them */
    /* Size of the index without the stored text, where the peer can tell (else 0), and a
     * note on what was counted. */
    uint64_t index_no_text_bytes;
    char no_text_note[160];
} peer_result;

/* Index inputs into the empty directory dir. Returns 0 or -1 (message on stderr). */
typedef int (*peer_index_fn)(const char *dir, const char *const *inputs, size_t ninputs,
                             const char *const *opts, size_t nopts, peer_result *out);

/* The harness: parses [--runs N] [--warmup full|read|none] [--tmp DIR] [--keep DIR]
 * [--opt X]... CORPUS..., runs fn as bench_index runs indexer_run, prints the tables with
 * the given title. Returns the process exit status. */
int peer_main(int argc, char **argv, const char *name, const char *config, peer_index_fn fn);

#ifdef __cplusplus
}
#endif

#endif
