/*
 * topk.h - the k best (score, doc id) pairs seen so far, in a binary min-heap whose root
 * is the worst kept hit. Order: higher score first; on an exact tie, the lower external id
 * (its bytes compared as unsigned, a prefix first), so the ranking depends on the
 * documents alone: not on the order they are offered in, not on segment order, merges or
 * how the documents are split into shards. A heap without an id lookup (topk_set_ids) ranks
 * ties by the lower doc id instead.
 *
 * External ids are looked up only when two entries tie exactly, and once per entry: most
 * pushes compare scores alone.
 *
 * After topk_order_by_date(), the order is by date (oldest or newest first; documents
 * without a date last), then as above (--sort date, -date).
 */
#ifndef QUERY_TOPK_H
#define QUERY_TOPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/bytes.h"
#include "quire/status.h"

typedef struct topk_entry {
    double score;
    uint64_t doc_id;   /* global */
    const uint8_t *id; /* external id once looked up (borrowed), else NULL */
    size_t id_len;     /* bytes */
    int32_t date;      /* days since the epoch, QUIRE_NO_DATE if none (date orders only) */
} topk_entry;

/* The external id of `doc_id` (a view that outlives the heap). QUIRE_OK or an error. */
typedef int (*topk_id_fn)(void *ctx, uint64_t doc_id, quire_bytes *out);

typedef struct topk {
    topk_entry *heap; /* heap[0] is the worst kept entry */
    uint32_t count;   /* entries kept */
    uint32_t cap;     /* k */
    int by_date;      /* 0: by score; 1: oldest first; -1: newest first */
    topk_id_fn id_of; /* NULL: ties by doc id */
    void *id_ctx;
    int err; /* the first error of id_of (the tie then falls back to doc ids) */
} topk;

/* k may be 0 (count matches only). QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int topk_init(topk *t, uint32_t k);
void topk_free(topk *t);
/* Break ties by external id, found by `id_of`. */
void topk_set_ids(topk *t, topk_id_fn id_of, void *ctx);
/* Whether `a` ranks before `b`: by score, then by external id when both are known, then by
 * doc id. */
bool topk_better(const topk_entry *a, const topk_entry *b);
/* Whether `a` ranks before `b` in the order of a heap with by_date `by_date` (0, 1, -1):
 * topk_better after the dates (for a merge of several heaps' sorted entries). */
bool topk_before(int by_date, const topk_entry *a, const topk_entry *b);
/* Order by date instead (before any push): direction 1 oldest first, -1 newest first. */
void topk_order_by_date(topk *t, int direction);
/* Order of two external ids on a tie: < 0 when `a` ranks first. */
int topk_compare_ids(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len);
/* Offer a hit; kept if fewer than k are kept or it beats the worst. */
void topk_push(topk *t, double score, uint64_t doc_id);
/* The same with the document's date (for a date order). */
void topk_push_dated(topk *t, double score, uint64_t doc_id, int32_t date);
/* The score a new hit must exceed to be sure of entering (reach, if its external id is
 * lower than the worst's): -infinity until k hits are kept. What pruning compares bounds
 * with (only in score order). */
double topk_threshold(const topk *t);
/* Sort the kept entries into rank order (best first) in t->heap; t is no longer a heap.
 * Ties met while sorting look their ids up. QUIRE_OK, or the id lookup's first error. */
QUIRE_MUST_CHECK int topk_sort(topk *t);
/* Look up the id of every kept entry (a merge of several heaps compares them all).
 * QUIRE_OK, or the id lookup's first error. */
QUIRE_MUST_CHECK int topk_resolve_all(topk *t);
/* In entries sorted by score (after a rescoring changed their scores), look up the id of
 * each that ties with a neighbour, so that sorting them again orders the ties by id.
 * QUIRE_OK, or the id lookup's first error. */
QUIRE_MUST_CHECK int topk_resolve_ties(topk *t);

#endif
