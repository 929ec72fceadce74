/*
 * quire/writer.h - changing an index: a writer holds the index's lock, gathers added,
 * replaced and deleted documents into a transaction, and commits it atomically (or
 * aborts it). See quire/quire.h for an overview and an example.
 *
 * Transactions: nothing a writer does is visible to readers until quire_writer_commit()
 * returns QUIRE_OK; then a reader opened (or reopened) sees all of it, and readers opened
 * before see none of it. A failed commit, quire_writer_abort(), quire_writer_close()
 * with changes pending, or a crash or kill of the process at any moment leaves the index
 * at its last commit (the files of an unfinished commit are removed by the next writer).
 *
 * Order: the changes of one transaction apply in the order they were made, and the newest
 * wins: adding a document whose id is in the index, or was added earlier in the
 * transaction, replaces it; deleting an id removes it from the index and drops the
 * documents with that id added earlier in the transaction; a document added after the
 * delete is kept.
 *
 * Memory: a transaction's documents wait for the commit in memory up to an eighth of the
 * writer's memory budget, then in an unlinked temporary file in the index directory, so
 * a transaction can be larger than memory. The commit indexes them with the budget and
 * threads of the options, by the same code and with the same results as quire-index(1)
 * indexing files.
 *
 * Threads: a writer is for one thread at a time (calls on one writer must not overlap).
 * Readers and searchers in other threads and processes go on during a commit.
 * One writer per index at a time, across processes and within one: quire_writer_open()
 * on an index whose lock is held fails with QUIRE_ELOCKED.
 */
#ifndef QUIRE_WRITER_H
#define QUIRE_WRITER_H

#include "quire/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct quire_writer quire_writer;

/* A warning (a document whose invalid UTF-8 was replaced, a delete of an id the index
 * does not hold, a merge put off for lack of disk space): one line, valid during the call
 * only. Called during quire_writer_commit(), possibly from one of the threads it starts,
 * never twice at once. */
typedef void (*quire_warn_fn)(void *ctx, const char *message);

/* Progress of a commit reading its documents: documents indexed so far, input bytes of
 * quire_writer_add_files()'s files read so far and their total where known (0 for
 * standard input, and before the first file is opened), seconds since the commit began;
 * `final` on the last call (after a successful read of everything). Valid during the
 * call only. */
typedef struct quire_progress {
    uint64_t docs;
    uint64_t bytes_read;
    uint64_t bytes_total;
    double seconds;
    bool final;
} quire_progress;

/* Called during quire_writer_commit() in the committing thread, every few thousand
 * documents (about a batch of the memory budget) and once at the end. */
typedef void (*quire_progress_fn)(void *ctx, const quire_progress *p);

/* What a commit did not do, for a machine-readable report: an input or a document of the
 * files skipped (QUIRE_SKIP_INPUT: `what` its file, `line` its line or 0 for the file as a
 * whole, `reason` why), or a deleted id the index does not hold (QUIRE_SKIP_DELETE_MISSING:
 * `what` the id, line 0, reason ""). Called besides the warning, from the committing thread,
 * never twice at once; the strings are valid during the call only. */
typedef enum quire_skip_kind { QUIRE_SKIP_INPUT = 0, QUIRE_SKIP_DELETE_MISSING = 1 } quire_skip_kind;
typedef void (*quire_skip_fn)(void *ctx, quire_skip_kind kind, const char *what, uint64_t line,
                              const char *reason);

/* How a writer indexes. Versioned (see quire_search_options): set `version` to
 * QUIRE_WRITER_OPTIONS_VERSION (QUIRE_WRITER_OPTIONS_INIT does); a version-1 struct ends
 * at warn_ctx, and behaves as version 2 with the later fields 0 but allow_empty true. */
typedef struct quire_writer_options {
    unsigned int version; /* QUIRE_WRITER_OPTIONS_VERSION */
    const char *language; /* Snowball stemmer of a new index; NULL: "english", or the
                           * index's own. An existing index keeps its language: another
                           * one is QUIRE_EMISMATCH */
    int keep_diacritics;  /* -1: the index's setting (a new index folds é to e); 0 fold;
                           * 1 keep. Another setting than an existing index's: QUIRE_EMISMATCH */
    size_t memory;        /* indexing memory budget in bytes, >= 1 MiB (0: 1 GiB) */
    int threads;          /* analysis threads, 1..64 (0: the number of cores); the index
                           * is the same whatever the number */
    int store_level;      /* zstd level 1..9 of the stored text, 0 none (-1: 3) */
    quire_warn_fn warn;   /* may be NULL: warnings are only counted */
    void *warn_ctx;       /* passed to warn */
    /* version 2 */
    quire_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    quire_skip_fn skip; /* may be NULL */
    void *skip_ctx;
    bool dry_run;     /* the writer takes no lock and writes nothing, not even the index
                       * directory: a commit reads the transaction and counts what it would
                       * add, replace and delete (quire_commit_info), then ends it */
    bool allow_empty; /* a commit whose files (quire_writer_add_files) had bytes, or lost
                       * something, but gave no document succeeds; without it such a
                       * commit fails with QUIRE_EINVAL and commits nothing (a nightly job
                       * must not take "nothing indexed" for success) */
    const char *memory_name; /* how warnings name the memory budget (a program's option,
                              * "--memory"); NULL: "the memory budget". Borrowed until
                              * quire_writer_close() */
} quire_writer_options;

#define QUIRE_WRITER_OPTIONS_VERSION 2
#define QUIRE_WRITER_OPTIONS_INIT                                                                  \
    {                                                                                              \
        QUIRE_WRITER_OPTIONS_VERSION, NULL, -1, 0, 0, -1, NULL, NULL, NULL, NULL, NULL, NULL,      \
            false, false, NULL                                                                     \
    }

/* Check `opts` (may be NULL) as quire_writer_open() does, touching nothing on disk: a
 * program can refuse a bad option, then a missing input (quire_files_check()), before
 * quire_writer_open() creates the index directory. Thread-safe.
 * @return QUIRE_OK; QUIRE_EINVAL for an unknown language (the message lists the known
 *   ones), a bad value or an unknown options version. */
QUIRE_API QUIRE_MUST_CHECK int quire_writer_options_check(const quire_writer_options *opts);

/* The Snowball languages this build can stem, as a NULL-terminated array of names
 * ("english", ...); static storage, thread-safe. */
QUIRE_API const char *const *quire_languages(void);

/* Open a writer on the index in directory `dir`, creating the directory (and its parents)
 * if needed; a new index has no commit until the first quire_writer_commit(). Takes the
 * index's writer lock, held until quire_writer_close(). With opts->dry_run it does
 * neither: a missing directory is a new index, and other writers go on. `opts` may be NULL (the
 * defaults). *out is owned by the caller (quire_writer_close()); NULL on failure.
 * @return QUIRE_OK; QUIRE_ELOCKED if another writer (in this process or another) holds
 *   the lock (the message names its pid); QUIRE_EINVAL for an unknown language (the
 *   message lists the known ones) or a bad option; QUIRE_EMISMATCH if the index has
 *   another language or diacritics setting than asked for; QUIRE_ECORRUPT, QUIRE_EVERSION
 *   for a damaged index or one of a format this build does not write; QUIRE_EIO,
 *   QUIRE_ENOMEM. */
QUIRE_API QUIRE_MUST_CHECK int quire_writer_open(quire_writer **out, const char *dir,
                                                 const quire_writer_options *opts);

/* Give up what is pending, as quire_writer_abort() does (commit first to keep it), then
 * release the lock and free the writer. Accepts NULL. */
QUIRE_API void quire_writer_close(quire_writer *w);

/* A document to add. Versioned (see quire_search_options): set `version` to
 * QUIRE_DOCUMENT_VERSION (QUIRE_DOCUMENT_INIT does). Strings are borrowed for the call
 * only: the writer copies what it keeps. */
typedef struct quire_document {
    unsigned int version; /* QUIRE_DOCUMENT_VERSION */
    const char *id;       /* the document's id, required: not empty, no NUL byte */
    size_t id_len;        /* bytes */
    const char *title;    /* may be NULL (no title); searched as the title: field */
    size_t title_len;     /* bytes */
    const char *date;     /* "YYYY-MM-DD" (NUL-terminated), or NULL: no date */
    const char *text;     /* UTF-8 (invalid sequences are replaced by U+FFFD and warned
                           * about); may be NULL with text_len 0 */
    size_t text_len;      /* bytes */
    const char *origin;   /* where it came from (a path, a URL), NUL-terminated, stored
                           * with the document and named in warnings; NULL or "":
                           * "(api)" */
    uint64_t line;        /* line of `origin` it came from, for warnings; 0: none */
} quire_document;

#define QUIRE_DOCUMENT_VERSION 1
#define QUIRE_DOCUMENT_INIT                                                                        \
    {                                                                                              \
        QUIRE_DOCUMENT_VERSION, NULL, 0, NULL, 0, NULL, NULL, 0, NULL, 0                           \
    }

/* Add `doc` to the transaction; it replaces any document with the same id (see "Order"
 * above) when the transaction commits.
 * @return QUIRE_OK; QUIRE_EINVAL for an empty id or one with a NUL byte, a date that is
 *   not a real YYYY-MM-DD, a NULL string with a non-zero length or an unknown document
 *   version (the transaction is unchanged and goes on); QUIRE_ELIMIT for a title and text
 *   together larger than a sixth of the memory budget (a document is analysed whole, in
 *   about 5 bytes of memory per byte of text; likewise unchanged); QUIRE_ENOMEM (likewise
 *   unchanged); QUIRE_EIO or QUIRE_ENOMEM while moving the transaction to its temporary
 *   file: the transaction is then broken, every later call on it returns this error until
 *   it ends (commit returns it and commits nothing, or abort). */
QUIRE_API QUIRE_MUST_CHECK int quire_writer_add(quire_writer *w, const quire_document *doc);

/* How quire_writer_add_files() reads its inputs. Versioned (see quire_search_options):
 * set `version` to QUIRE_FILES_OPTIONS_VERSION (QUIRE_FILES_OPTIONS_INIT does). */
typedef struct quire_files_options {
    unsigned int version; /* QUIRE_FILES_OPTIONS_VERSION */
    int encoding;         /* how the bytes are read: QUIRE_ENCODING_AUTO (UTF-8, but a
                           * document that is not and reads as cp1252 is read as cp1252,
                           * with a warning), _UTF8, _LATIN1 or _CP1252 */
    bool allow_missing;   /* a path that does not exist is skipped (with a warning at the
                           * commit) instead of refused by the call */
    bool stop_on_error;   /* a bad item (an unreadable file, a broken JSON line, a cut gzip
                           * stream) fails the commit; else it is skipped with a warning */
} quire_files_options;

enum { QUIRE_ENCODING_AUTO = 0, QUIRE_ENCODING_UTF8, QUIRE_ENCODING_LATIN1, QUIRE_ENCODING_CP1252 };

#define QUIRE_FILES_OPTIONS_VERSION 1
#define QUIRE_FILES_OPTIONS_INIT                                                                   \
    {                                                                                              \
        QUIRE_FILES_OPTIONS_VERSION, QUIRE_ENCODING_AUTO, false, false                             \
    }

/* Add the documents of `paths[0..count)` to the transaction, as quire-index(1) reads its
 * INPUTs (README "Inputs"): a file, a folder (recursively, entries sorted by name), JSON
 * Lines, TREC SGML, a .gz of any of these, each document with its id, title, date and
 * where its text lies in the file. The paths are copied; the files are read when the
 * transaction commits (a file changed in between is read as it is then), by the same code
 * as quire-index, so the index is the same. Their documents take the call's place in the
 * transaction's order (see "Order" above): they replace what was added before the call
 * and are replaced, or deleted, by what comes after. A document larger than a sixth of
 * the memory budget is skipped with a warning. `opts` may be NULL (the defaults).
 * @return QUIRE_OK; QUIRE_ENOTFOUND for a path that does not exist (unless allow_missing:
 *   the transaction is unchanged and goes on); QUIRE_EINVAL for no paths, a NULL or empty
 *   path, or bad options (likewise unchanged); QUIRE_ENOMEM (the transaction is broken,
 *   as for quire_writer_add()). At the commit, with stop_on_error, a bad item fails it
 *   with QUIRE_EINVAL or QUIRE_EIO naming the file and line (nothing committed). */
QUIRE_API QUIRE_MUST_CHECK int quire_writer_add_files(quire_writer *w, const char *const *paths,
                                                      size_t count,
                                                      const quire_files_options *opts);

/* Check `paths[0..count)` as quire_writer_add_files() does, without a writer: every path
 * exists ("-", standard input, always does) unless opts->allow_missing. `opts` may be
 * NULL. Thread-safe; reads only the file system's entries.
 * @return QUIRE_OK; QUIRE_ENOTFOUND naming the first missing path ("input PATH: no such
 *   file or directory"); QUIRE_EINVAL for no paths, a NULL or empty one, bad options. */
QUIRE_API QUIRE_MUST_CHECK int quire_files_check(const char *const *paths, size_t count,
                                                 const quire_files_options *opts);

/* One document read by quire_files_read(): `doc`'s strings are valid during the call
 * only (its id, title and text are not NUL-terminated; date is "YYYY-MM-DD" or NULL;
 * origin the file it came from; line its line, or 0). Return 0 to go on, anything else to
 * stop the reading (quire_files_read() then returns that value). */
typedef int (*quire_document_fn)(void *ctx, const quire_document *doc);

/* Read the documents of `paths[0..count)` exactly as quire_writer_add_files() reads them at
 * a commit (same formats, fields, encodings, skips and size limit for a writer with the
 * default memory budget), and hand each to `each`, in order, in the calling thread:
 * quire-index --export-jsonl is this. Warnings (a skipped item, a re-read encoding) go
 * to `warn` (may be NULL); *skipped (may be NULL) gets the number of inputs and documents
 * skipped. `opts` may be NULL. Thread-safe (one call per thread at a time per ctx).
 * @return QUIRE_OK; the value `each` stopped with; QUIRE_ENOTFOUND, QUIRE_EINVAL as
 *   quire_files_check(); with opts->stop_on_error, QUIRE_EINVAL or QUIRE_EIO for the first
 *   bad item (naming the file and line); QUIRE_ENOMEM. */
QUIRE_API QUIRE_MUST_CHECK int quire_files_read(const char *const *paths, size_t count,
                                                const quire_files_options *opts,
                                                quire_document_fn each, void *ctx,
                                                quire_warn_fn warn, void *warn_ctx,
                                                uint64_t *skipped);

/* Delete the document with id `id` (`id_len` bytes) when the transaction commits (see
 * "Order" above). An id the index does not hold is no error: it is counted in
 * quire_commit_info.deletes_missing and warned about at the commit.
 * @return QUIRE_OK; QUIRE_EINVAL for an empty id or one with a NUL byte (transaction
 *   unchanged); QUIRE_ENOMEM (the transaction is broken, as for quire_writer_add()). */
QUIRE_API QUIRE_MUST_CHECK int quire_writer_delete(quire_writer *w, const char *id, size_t id_len);

/* What a commit did. Versioned (see quire_search_options): set `version` to
 * QUIRE_COMMIT_INFO_VERSION before the call; the library fills the fields of that version
 * (a version-1 struct ends at segments). */
typedef struct quire_commit_info {
    unsigned int version;     /* QUIRE_COMMIT_INFO_VERSION */
    uint64_t generation;      /* the index's generation after the call (the last one if
                               * there was nothing to commit, or a dry run; 0: none) */
    uint64_t docs_added;      /* documents added (replacements included); a dry run:
                               * that would be */
    uint64_t docs_replaced;   /* ... of them replacing a document of the same id */
    uint64_t docs_deleted;    /* documents of the index removed by quire_writer_delete() */
    uint64_t deletes_missing; /* deleted ids the index did not hold */
    uint64_t tokens;          /* tokens of the added documents */
    uint64_t invalid_utf8;    /* invalid UTF-8 sequences replaced in them */
    uint32_t merges;          /* merges of committed segments (merge policy or optimize) */
    uint32_t segments;        /* segments of the index after the commit */
    /* version 2 */
    bool committed;            /* a new generation was committed (false: nothing changed,
                                * or a dry run) */
    uint64_t docs_skipped;     /* inputs and documents of the files skipped (unreadable,
                                * bad lines, binary, cut gzip streams, too large) */
    uint64_t warnings;         /* warnings given */
    uint64_t input_bytes;      /* bytes of the files read */
    uint64_t text_bytes;       /* bytes of title and text analysed */
    uint32_t segments_flushed; /* segments written before the commit's own final merge */
    uint64_t stem_calls;       /* calls of the stemmer, and those its cache answered */
    uint64_t stem_hits;
    double seconds;            /* the commit's wall time */
} quire_commit_info;

#define QUIRE_COMMIT_INFO_VERSION 2
#define QUIRE_COMMIT_INFO_INIT                                                                     \
    {                                                                                              \
        QUIRE_COMMIT_INFO_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, 0, 0, 0, 0, 0, 0, 0, 0        \
    }

/* Index the transaction's documents, apply its deletes, let the merge policy merge
 * segments, and commit it all as the index's next generation (durably: fsynced before
 * this returns). With nothing pending on an existing index, nothing is written. The
 * transaction ends either way and the writer (still holding the lock) is ready for the
 * next one. `info` (may be NULL) is filled on QUIRE_OK.
 * @return QUIRE_OK; QUIRE_EIO (disk full, ...), QUIRE_ENOMEM, QUIRE_ECORRUPT (a damaged
 *   segment met while merging): nothing was committed, the index keeps its last commit;
 *   the error of a broken transaction (see quire_writer_add()); QUIRE_EINVAL for an
 *   unknown `info` version (checked first: nothing done, the transaction stays). */
QUIRE_API QUIRE_MUST_CHECK int quire_writer_commit(quire_writer *w, quire_commit_info *info);

/* quire_writer_commit(), and merge the whole index into one segment without deleted
 * documents in the same commit (searches get faster; it needs free disk space about the
 * size of the index, and rewrites all of it). Returns as quire_writer_commit(). */
QUIRE_API QUIRE_MUST_CHECK int quire_writer_optimize(quire_writer *w, quire_commit_info *info);

/* Give up the transaction: its documents and deletes are dropped, the index keeps its
 * last commit, the writer (still holding the lock) is ready for the next one. */
QUIRE_API void quire_writer_abort(quire_writer *w);

#ifdef __cplusplus
}
#endif

#endif
