/*
 * merge_policy.h - which segments a commit merges, and the merging of them: the policy
 * keeps an index at a few segments per size level (MERGE_FLOOR), rewrites a segment more
 * than half deleted, or with optimize merges everything into one segment without deleted
 * documents; a run's own flushed segments are merged into one first. Every merge checks
 * the disk has room for its output.
 *
 * It works on the commit being built (centry), for the run (indexer.c), inside its
 * transaction (txn.h), which hands out the segment ids and removes the outputs if the
 * commit fails. It does not write the manifest.
 */
#ifndef QUIRE_MERGE_POLICY_H
#define QUIRE_MERGE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "indexer.h"
#include "quire/deletes.h"
#include "quire/manifest.h"
#include "quire/segment.h"
#include "txn.h"

/* A merge maps its inputs, and the pages it touches between two drops grow with the number
 * of inputs (every input's streams, and the kernel maps 64 KiB around each fault): merging
 * at most this many at once keeps that bounded, at the cost of one more pass over the data
 * per level. It is also the merge policy's fan-in. */
#define MERGE_FANIN 8
/* Merge policy: a segment's level is 0 below MERGE_FLOOR live tokens and one more for each
 * factor of 8 above it (1 up to 8 x MERGE_FLOOR, 2 up to 64 x ...); when MERGE_FANIN segments share
 * a level they are merged into one of the next level, and a segment more than half deleted is
 * rewritten without its deleted documents. So at most MERGE_FANIN - 1 segments per level: about 7 *
 * log8(index/1M tokens) + 7 segments, and every token is rewritten about once per level it climbs.
 */
#define MERGE_FLOOR ((uint64_t)1 << 20)

/* One segment of the commit being built. */
typedef struct centry {
    quire_manifest_segment ms; /* as it will be committed (deletions filled at the end) */
    quire_segment *seg;        /* open */
    bool own_seg;              /* seg opened here (else borrowed from the index the
                                * run started from) */
    quire_deletes del;         /* its deletions (bits NULL: none) */
    bool del_changed;          /* a new deletion file must be written */
    bool uncommitted;          /* made by this run: removed when merged away */
} centry;

/* Close e's segment if it opened it and free its deletions; e is zeroed. */
void centry_free(centry *e);

/* What the merges of one commit need and count. */
typedef struct merge_ctx {
    txn *t;               /* the commit's transaction: segment ids, created segments */
    int zlib_level;       /* of the stored text the merges compress again (-1: 1) */
    bool optimize;        /* merge the whole index into one segment without deletions */
    indexer_warn_fn warn; /* may be NULL: a merge put off for lack of disk space */
    void *warn_ctx;
    indexer_summary *sum; /* merges and warnings are counted in it */
    bool space_refused;   /* the last merge was refused for lack of disk space */
} merge_ctx;

/* Merge the run's segments segs[0..*count) into one, *out_id, with its stats in *st; the
 * inputs are removed as they are merged, and segs[0..*count) always lists exactly the
 * run's segments on disk (also after a failure, so that they can all be removed).
 * @return QUIRE_OK; QUIRE_EIO (also: not enough free disk), QUIRE_ENOMEM, QUIRE_ECORRUPT. */
QUIRE_MUST_CHECK int merge_run_segments(merge_ctx *m, uint64_t *segs, uint32_t *count,
                                        uint64_t *out_id, quire_segment_stats *st);

/* Apply the merge policy (or optimize) to the commit's segments es[0..*count), in place:
 * merged entries leave the list, their output (listed with txn_created()) takes the first
 * one's place. A policy merge refused for lack of disk space is put off with a warning;
 * an optimize is not.
 * @return QUIRE_OK; QUIRE_EIO, QUIRE_ENOMEM, QUIRE_ECORRUPT. */
QUIRE_MUST_CHECK int merge_apply_policy(merge_ctx *m, centry *es, uint32_t *count);

#endif
