/*
 * topk.c - bounded min-heap of hits.
 */
#include "topk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quire/date.h"

int topk_init(topk *t, uint32_t k)
{
    memset(t, 0, sizeof *t);
    t->cap = k;
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

void topk_set_ids(topk *t, topk_id_fn id_of, void *ctx)
{
    t->id_of = id_of;
    t->id_ctx = ctx;
}

int topk_compare_ids(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    const int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0)
        return c;
    return (a_len > b_len) - (a_len < b_len);
}

bool topk_better(const topk_entry *a, const topk_entry *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    if (a->id != NULL && b->id != NULL) {
        const int c = topk_compare_ids(a->id, a->id_len, b->id, b->id_len);
        if (c != 0)
            return c < 0;
    }
    return a->doc_id < b->doc_id;
}

static void resolve(topk *t, topk_entry *e)
{
    if (e->id != NULL || t->id_of == NULL || t->err != QUIRE_OK)
        return;
    quire_bytes id;
    const int rc = t->id_of(t->id_ctx, e->doc_id, &id);
    if (rc != QUIRE_OK) {
        t->err = rc;
        return;
    }
    /* An empty id still needs a non-NULL pointer to count as known. */
    e->id = id.len > 0 ? id.ptr : (const uint8_t *)"";
    e->id_len = id.len;
}

/* topk_better, looking the ids up on an exact tie. */
static bool better(topk *t, topk_entry *a, topk_entry *b)
{
    if (a->score == b->score) {
        resolve(t, a);
        resolve(t, b);
    }
    return topk_better(a, b);
}

void topk_order_by_date(topk *t, int direction)
{
    t->by_date = direction < 0 ? -1 : 1;
}

/* Whether the dates alone order `a` and `b` (by_date != 0 and they differ); *before: a first. */
static bool dates_decide(int by_date, const topk_entry *a, const topk_entry *b, bool *before)
{
    if (by_date == 0 || a->date == b->date)
        return false;
    if (a->date == QUIRE_NO_DATE || b->date == QUIRE_NO_DATE)
        *before = b->date == QUIRE_NO_DATE; /* undated last, either way */
    else
        *before = by_date > 0 ? a->date < b->date : a->date > b->date;
    return true;
}

bool topk_before(int by_date, const topk_entry *a, const topk_entry *b)
{
    bool before;
    return dates_decide(by_date, a, b, &before) ? before : topk_better(a, b);
}

/* Whether `a` ranks before `b` in t's order. */
static bool ranks_before(topk *t, topk_entry *a, topk_entry *b)
{
    bool before;
    return dates_decide(t->by_date, a, b, &before) ? before : better(t, a, b);
}

static void sift_down(topk *t, uint32_t n, uint32_t i)
{
    topk_entry *h = t->heap;
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
    topk_entry e = {score, doc_id, NULL, 0, date};
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
    sift_down(t, t->count, 0);
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

int topk_resolve_all(topk *t)
{
    for (uint32_t i = 0; i < t->count; i++)
        resolve(t, &t->heap[i]);
    return t->err;
}

int topk_resolve_ties(topk *t)
{
    for (uint32_t i = 1; i < t->count; i++)
        if (t->heap[i].score == t->heap[i - 1].score) {
            resolve(t, &t->heap[i - 1]);
            resolve(t, &t->heap[i]);
        }
    return t->err;
}

int topk_sort(topk *t)
{
    /* Heapsort in place: repeatedly move the worst to the end of the shrinking heap, which
     * leaves the array best first. */
    for (uint32_t n = t->count; n > 1; n--) {
        const topk_entry worst = t->heap[0];
        t->heap[0] = t->heap[n - 1];
        t->heap[n - 1] = worst;
        sift_down(t, n - 1, 0);
    }
    return t->err;
}
