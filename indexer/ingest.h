/*
 * ingest.h - the documents of an indexing run, wherever they come from, as one stream:
 * the inputs (files, folders, JSON Lines, TREC, gzip, standard input; read by source.h),
 * or a caller's own stream (libquire's writer, a shard set's exchange of documents).
 *
 * It owns what every reader of inputs must do alike: an input path that does not exist
 * fails before anything is read, locked or created (unless allow_missing); documents past
 * the size limit are skipped with a warning; warnings, skips and input bytes are counted.
 * quire-index's indexing (indexer.c) and its --export-jsonl (main.c) both read through
 * it, so the exported documents are the ones an index gets. It leaves the reading of
 * each format to source.c and what is done with the documents to its caller.
 *
 * Threads: one ingest is for one thread at a time; its callbacks run in that thread.
 */
#ifndef QUIRE_INGEST_H
#define QUIRE_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/status.h"
#include "source.h"

typedef struct ingest_opts {
    const char *const *inputs; /* paths or "-" (borrowed until ingest_close) */
    size_t input_count;
    /* Instead of inputs (input_count 0): each document from `feed` (QUIRE_OK with *doc
     * filled, its strings valid until the next call, origin NUL-terminated; 1 at the end;
     * or a negative code, returned as is). */
    source_feed_fn feed;
    void *feed_ctx;
    bool allow_missing; /* a missing input is skipped with a warning, not an error */
    bool stop_on_error; /* the first bad item ends the stream (source.h) */
    source_encoding encoding;
    size_t max_doc_bytes;    /* larger documents are skipped with a warning; 0 = 1 GiB */
    const char *max_doc_why; /* appended to that warning; may be NULL */
    source_warn_fn warn;     /* may be NULL; called for every warning of the inputs */
    void *warn_ctx;
    source_skip_fn skip; /* may be NULL; called for what is lost (source.h) */
    void *skip_ctx;
} ingest_opts;

typedef struct ingest ingest;

/* Every input of `inputs` exists ("-" always does), or allow_missing.
 * @return QUIRE_OK, or QUIRE_ENOTFOUND naming the first missing input. */
QUIRE_MUST_CHECK int ingest_check_inputs(const char *const *inputs, size_t input_count,
                                         bool allow_missing);

/* Open the stream of `opts`. Call ingest_check_inputs() first (before locking or creating
 * anything): a path missing now is met while reading, warned about and skipped. *out is
 * the caller's (ingest_close()); NULL on failure.
 * @return QUIRE_OK; QUIRE_EINVAL for both inputs and a feed; QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int ingest_open(ingest **out, const ingest_opts *opts);
/* Accepts NULL. */
void ingest_close(ingest *in);

/* The next document, every field set (those a feed leaves alone are 0): QUIRE_OK (its
 * strings valid until the next call), 1 at the end, or a negative code (stop_on_error,
 * out of memory, a feed's error). */
QUIRE_MUST_CHECK int ingest_next(ingest *in, source_doc *doc);

/* Input bytes consumed, and their total where known (0 for standard input and feeds);
 * warnings given and items skipped so far (0 for feeds: they count their own). */
uint64_t ingest_bytes_read(const ingest *in);
uint64_t ingest_bytes_total(const ingest *in);
uint64_t ingest_skipped_count(const ingest *in);

#endif
