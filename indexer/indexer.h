/*
 * indexer.h - one indexing run: read the inputs, analyse and invert them in bounded memory,
 * write new segments, merge them, and commit a new manifest on top of the index's last
 * commit. Nothing is visible until the commit; an error or a kill leaves the last commit as
 * it was (the files of the interrupted run are removed by the next run).
 */
#ifndef QUIRE_INDEXER_H
#define QUIRE_INDEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/segment.h"
#include "quire/status.h"
#include "source.h"

typedef struct indexer_progress {
    uint64_t docs;
    uint64_t bytes_read;  /* input bytes consumed */
    uint64_t bytes_total; /* 0 if unknown (stdin) */
    double seconds;
    bool final; /* the last call */
} indexer_progress;

struct source_doc; /* source.h */

typedef void (*indexer_progress_fn)(void *ctx, const indexer_progress *p);
typedef void (*indexer_warn_fn)(void *ctx, const char *message);
/* What a run did not do, for a machine-readable summary: an input or a document skipped
 * (`what` its file, `line` its line or 0 for the file as a whole, `reason` why), or a
 * delete id found nowhere (`what` the id, line 0). Called besides the warning. */
typedef enum indexer_skip_kind { INDEXER_SKIPPED, INDEXER_DELETE_NOT_FOUND } indexer_skip_kind;
typedef void (*indexer_skip_fn)(void *ctx, indexer_skip_kind kind, const char *what, uint64_t line,
                                const char *reason);
/* The next document of a caller's own stream (libquire's writer, lib/writer.c): QUIRE_OK
 * with *doc filled (its strings valid until the next call; origin NUL-terminated), 1 at
 * the end, or a negative code, which ends the run without committing. */
typedef int (*indexer_doc_fn)(void *ctx, source_doc *doc);

typedef struct indexer_opts {
    const char *index_dir;
    const char *const *inputs;
    size_t input_count;
    const char *language; /* NULL: the index's language, or english for a new index */
    int keep_diacritics;  /* -1: the index's setting (default fold), 0 fold, 1 keep */
    size_t memory;        /* budget in bytes for all buffers (0 = 1 GiB) */
    int threads;          /* analysis threads (0 = the number of cores) */
    bool stop_on_error;   /* a bad input ends the run without committing */
    /* Without these, an input path that does not exist fails the run before anything is
     * read, and so does a run that adds no document although its inputs had bytes or
     * something was skipped (QUIRE_ENOTFOUND, QUIRE_EINVAL; nothing committed). */
    bool allow_missing;   /* a missing input is skipped with a warning instead */
    bool allow_empty;     /* such a run commits (deletions, merges) instead */
    int encoding;         /* a source_encoding (source.h): 0 = auto */
    int zlib_level;       /* stored text (0..9; -1 = 1, fastest) */
    /* Nightly updates (#4). A document whose id is already in the index replaces it (the
     * newest wins, also within one run). delete_ids are removed before the inputs are
     * added. */
    const char *const *delete_ids;
    size_t delete_count;
    bool dry_run;  /* only count what would be added, replaced and deleted; write nothing */
    bool optimize; /* merge the whole index into one segment without deleted documents */
    /* Shard sets (#16): documents from `feed` instead of `inputs` (source.h), and
     * `before_commit`, called when everything is written and only the manifest's rename
     * is left: an error from it abandons the run as any error does (nothing committed). */
    int (*feed)(void *ctx, struct source_doc *doc);
    void *feed_ctx;
    int (*before_commit)(void *ctx);
    void *before_commit_ctx;
    indexer_progress_fn progress;
    void *progress_ctx;
    indexer_warn_fn warn;
    void *warn_ctx;
    indexer_skip_fn on_skip; /* may be NULL */
    void *skip_ctx;
    /* Documents from memory (libquire's writer): read from `docs` instead of `inputs`
     * (input_count must be 0; a dry run counts them). Checked like the inputs' documents but
     * for max_doc_bytes, which the caller enforces (indexer_max_doc_bytes()). */
    indexer_doc_fn docs;
    void *docs_ctx;
    bool lock_held; /* the caller holds the index's writer lock (quire_lock_acquire) */
    /* What lies behind `docs` when the caller reads files itself (libquire's writer,
     * quire_writer_add_files): the number of input paths, for the allow_empty check and
     * its message (0: none, no check), and the bytes read and total and the items skipped
     * so far, for progress and the summary (may be NULL: all 0). */
    size_t docs_input_count;
    void (*docs_counts)(void *ctx, uint64_t *bytes_read, uint64_t *bytes_total,
                        uint64_t *skipped);
} indexer_opts;

typedef struct indexer_summary {
    uint64_t docs_added;
    uint64_t docs_skipped; /* inputs and documents the source skipped: missing or unreadable
                            * files, bad lines, binary files, cut gzip streams... */
    uint64_t warnings;
    uint64_t invalid_utf8; /* invalid sequences replaced, over all documents */
    uint64_t text_bytes;   /* bytes of title + text analysed */
    uint64_t input_bytes;  /* bytes read from the inputs */
    uint64_t tokens;
    uint32_t segments_flushed; /* segments written before the final merge */
    uint64_t docs_replaced;    /* added documents whose id was in the index or earlier in
                                * the run (counted in docs_added too) */
    uint64_t docs_deleted;     /* by delete_ids */
    uint64_t delete_missing;   /* delete_ids found nowhere */
    uint32_t merges;           /* merges of committed segments (policy or optimize) */
    uint32_t segments;         /* segments of the index after the run (as generation) */
    uint64_t generation;       /* the index's generation after the run: the new commit, or
                                * the last one when nothing changed (0: no index) */
    bool committed;            /* the run committed a new generation */
    uint64_t stem_calls, stem_hits;
    double seconds;
} indexer_summary;

QUIRE_MUST_CHECK int indexer_run(const indexer_opts *opts, indexer_summary *summary);

/* The largest document (title and text, in bytes) a run with `opts` reads; a source
 * skips larger ones with a warning. */
size_t indexer_max_doc_bytes(const indexer_opts *opts);

/* Statistics of an existing index: its segments' stats added up. */
typedef struct index_stats {
    uint64_t generation;
    uint32_t segment_count;
    uint64_t docs;
    uint64_t deleted_docs;
    uint64_t total_tokens;
    uint64_t forms, stems, postings; /* summed over segments */
    uint64_t text_bytes;
    uint64_t file_bytes[QUIRE_SEG_FILE_COUNT];
    char language[64];
    char analyzer_id[128];
} index_stats;

QUIRE_MUST_CHECK int indexer_stats(const char *dir, index_stats *out);

/* Check every file of the index (see quire_segment_verify). Each problem is reported as a
 * line; QUIRE_ECORRUPT if any. */
typedef void (*indexer_report_fn)(void *ctx, const char *line);
QUIRE_MUST_CHECK int indexer_verify(const char *dir, indexer_report_fn report, void *ctx);

#endif
