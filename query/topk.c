/*
 * topk.c - bounded min-heap of hits.
 */
#include "topk.h"

#include <math.h>
#include <stdlib.h>

#include "quire/date.h"

int topk_init(topk *t, uint32_t k)
{
    t->count = 0;
    t->cap = k;
    t->heap = NULL;
    t->by_date = 0;
    if (k > 0) {
        t->heap = quire_calloc(k, sizeof *t->heap);
        if (t->heap == NULL)
            return quire_error(QUIRE_ENOMEM, "top-k: out of memory for %u hits", (unsigned)k);
    }
    return QUIRE_OK;
}

void topk_free(topk *t)
{
    quire_free(t->heap);
    t->heap = NULL;
    t->count = 0;
    t->cap = 0;
}

bool topk_better(const topk_entry *a, const topk_entry *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    return a->doc_id < b->doc_id;
}

void topk_order_by_date(topk *t, int direction)
{
    t->by_date = direction < 0 ? -1 : 1;
}

/* Whether `a` ranks before `b` in t's order. */
static bool ranks_before(const topk *t, const topk_entry *a, const topk_entry *b)
{
    if (t->by_date != 0 && a->date != b->date) {
        if (a->date == QUIRE_NO_DATE || b->date == QUIRE_NO_DATE)
            return b->date == QUIRE_NO_DATE; /* undated last, either way */
        return t->by_date > 0 ? a->date < b->date : a->date > b->date;
    }
    return topk_better(a, b);
}

static void sift_down(const topk *t, topk_entry *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t worst = i;
        const uint32_t l = 2 * i + 1, r = 2 * i + 2;
        if (l < n && ranks_before(t, &h[worst], &h[l]))
            worst = l;
        if (r < n && ranks_before(t, &h[worst], &h[r]))
            worst = r;
        if (worst == i)
            return;
        const topk_entry tmp = h[i];
        h[i] = h[worst];
        h[worst] = tmp;
        i = worst;
    }
}

void topk_push_dated(topk *t, double score, uint64_t doc_id, int32_t date)
{
    const topk_entry e = {score, doc_id, date};
    if (t->count < t->cap) {
        uint32_t i = t->count++;
        while (i > 0) {
            const uint32_t parent = (i - 1) / 2;
            if (!ranks_before(t, &t->heap[parent], &e))
                break;
            t->heap[i] = t->heap[parent];
            i = parent;
        }
        t->heap[i] = e;
        return;
    }
    if (t->cap == 0 || !ranks_before(t, &e, &t->heap[0]))
        return;
    t->heap[0] = e;
    sift_down(t, t->heap, t->count, 0);
}

void topk_push(topk *t, double score, uint64_t doc_id)
{
    topk_push_dated(t, score, doc_id, QUIRE_NO_DATE);
}

double topk_threshold(const topk *t)
{
    if (t->cap == 0)
        return INFINITY;
    return t->count < t->cap ? -INFINITY : t->heap[0].score;
}

void topk_sort(topk *t)
{
    /* Heapsort in place: repeatedly move the worst to the end of the shrinking heap, which
     * leaves the array best first. */
    for (uint32_t n = t->count; n > 1; n--) {
        const topk_entry worst = t->heap[0];
        t->heap[0] = t->heap[n - 1];
        t->heap[n - 1] = worst;
        sift_down(t, t->heap, n - 1, 0);
    }
}
