/*
 * topk.h - the k best (score, doc id) pairs seen so far, in a binary min-heap whose root
 * is the worst kept hit. Order: higher score first, then lower global doc id, so the
 * result does not depend on the order documents are offered in. Or, after
 * topk_order_by_date(), by date (oldest or newest first; documents without a date last),
 * then by score, then by doc id (--sort date, -date).
 */
#ifndef QUERY_TOPK_H
#define QUERY_TOPK_H

#include <stdbool.h>
#include <stdint.h>

#include "quire/status.h"

typedef struct topk_entry {
    double score;
    uint64_t doc_id; /* global */
    int32_t date;    /* days since the epoch, QUIRE_NO_DATE if none (date orders only) */
} topk_entry;

typedef struct topk {
    topk_entry *heap; /* heap[0] is the worst kept entry */
    uint32_t count;   /* entries kept */
    uint32_t cap;     /* k */
    int by_date;      /* 0: by score; 1: oldest first; -1: newest first */
} topk;

/* k may be 0 (count matches only). QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int topk_init(topk *t, uint32_t k);
void topk_free(topk *t);
/* Whether `a` ranks before `b`. */
bool topk_better(const topk_entry *a, const topk_entry *b);
/* Order by date instead (before any push): direction 1 oldest first, -1 newest first. */
void topk_order_by_date(topk *t, int direction);
/* Offer a hit; kept if fewer than k are kept or it beats the worst. */
void topk_push(topk *t, double score, uint64_t doc_id);
/* The same with the document's date (for a date order). */
void topk_push_dated(topk *t, double score, uint64_t doc_id, int32_t date);
/* The score a new hit must exceed to be sure of entering (reach, if its doc id is lower
 * than the worst's): -infinity until k hits are kept. What pruning compares bounds with
 * (only in score order). */
double topk_threshold(const topk *t);
/* Sort the kept entries into rank order (best first) in t->heap; t is no longer a heap. */
void topk_sort(topk *t);

#endif
