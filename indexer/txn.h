/*
 * txn.h - the writer's transaction on one index directory: the writer lock, the last
 * commit it starts from, the removal of what an interrupted run left, the segment ids it
 * hands out, and the end: commit (a new manifest by rename, then the files no kept
 * generation needs are removed) or abort (the files it made are removed).
 *
 * It knows nothing of documents or of which segments to merge: the run (indexer.c) fills
 * it, the merge policy (merge_policy.h) rewrites its segments. A transaction is for one
 * thread; one per index at a time (the lock, across processes).
 */
#ifndef QUIRE_TXN_H
#define QUIRE_TXN_H

#include <stdbool.h>
#include <stdint.h>

#include "quire/manifest.h"
#include "quire/status.h"

typedef enum txn_mode {
    TXN_LOCK,      /* take the index's writer lock (created with the directory if needed) */
    TXN_LOCK_HELD, /* the caller holds it (libquire's writer, from open to close) */
    TXN_READ_ONLY, /* a dry run: no lock, nothing is written, removed or committed */
} txn_mode;

typedef struct txn {
    const char *dir; /* the index directory (borrowed) */
    txn_mode mode;
    quire_lock *lock;         /* held by this transaction (TXN_LOCK), else NULL */
    quire_manifest base;      /* the last commit (generation 0 if none) */
    bool have_base;           /* there is a last commit */
    uint64_t next_segment_id; /* the next id to hand out */
    uint64_t *created;        /* segments made by the transaction and listed by the commit
                               * to be: removed by txn_abort() */
    uint32_t created_count, created_cap;
} txn;

/* Begin a transaction on `dir` in `mode`: take the lock (TXN_LOCK) and read the last
 * commit. *t is set up even on failure, so txn_end() always follows.
 * @return QUIRE_OK; QUIRE_ELOCKED; the manifest's error (QUIRE_ECORRUPT, QUIRE_EVERSION,
 *   QUIRE_EIO, QUIRE_ENOMEM); no commit yet is no error (have_base false). */
QUIRE_MUST_CHECK int txn_begin(txn *t, const char *dir, txn_mode mode);

/* Remove what an interrupted run left: files neither the last commit nor the one before
 * it needs (a reader may still be on that one). Segment ids the one before handed out are
 * not handed out again. Best effort: a file left is removed by the next transaction. */
void txn_cleanup(txn *t);

/* A new segment id. */
uint64_t txn_segment_id(txn *t);

/* Segment `id`, made by this transaction, is the commit's to list: txn_abort() removes it.
 * @return QUIRE_OK or QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int txn_created(txn *t, uint64_t id);

/* The generation the commit will have (above any manifest in the directory, damaged or
 * not), for the files written with it (deletions).
 * @return QUIRE_OK or QUIRE_EIO. */
QUIRE_MUST_CHECK int txn_next_generation(const txn *t, uint64_t *gen);

/* Commit `next` (its generation from txn_next_generation(), its next_segment_id this
 * transaction's), durably; then the files neither it nor the last commit needs are
 * removed. The created segments are the commit's from now on.
 * @return QUIRE_OK, or the commit's error (nothing committed; txn_abort() follows). */
QUIRE_MUST_CHECK int txn_commit(txn *t, const quire_manifest *next);

/* Remove the created segments that no commit lists. */
void txn_abort(txn *t);

/* Free the transaction and release its lock. Aborts nothing by itself. */
void txn_end(txn *t);

#endif
