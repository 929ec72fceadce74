/*
 * rerank.c - proximity and title weight for the first pass's best documents (rerank.h).
 */
#include "rerank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "phrase.h"

bool rerank_wanted(const rerank_options *o)
{
    return o->proximity || o->title_weight != 1.0;
}

/* One scoring word of the query: its positions are matched as a one-word stemmed phrase
 * (every form of its stem), which is what its postings hold. */
typedef struct rr_word {
    query_node phrase;
    query_word word;
    double weight; /* of its clause: scorer weight * (1 + repeats) * boost */
    double scale;  /* boost: its proximity score is multiplied by it (not by repeats) */
    double idf;
    uint32_t term;
} rr_word;

typedef struct rr_words {
    rr_word *items;
    uint32_t count;
    uint32_t cap;
} rr_words;

static int collect_words(rr_words *w, arena *a, const plan *p, const query_node *n)
{
    if (n->kind == QUERY_NOT || n->kind == QUERY_DATE || n->kind == QUERY_PHRASE)
        return QUIRE_OK;
    if (n->kind != QUERY_TERM) {
        for (uint32_t i = 0; i < n->child_count; i++) {
            const int rc = collect_words(w, a, p, n->children[i]);
            if (rc != QUIRE_OK)
                return rc;
        }
        return QUIRE_OK;
    }
    for (uint32_t i = 0; i < w->count; i++)
        if (w->items[i].term == n->term)
            return QUIRE_OK; /* one TERM node per stem, and it scores once */
    if (w->count == w->cap) {
        const uint32_t cap = w->cap ? w->cap * 2 : 16;
        rr_word *items = arena_alloc(a, (size_t)cap * sizeof *items);
        if (items == NULL)
            return quire_oom();
        if (w->count > 0)
            memcpy(items, w->items, (size_t)w->count * sizeof *items);
        w->items = items;
        w->cap = cap;
    }
    rr_word *x = &w->items[w->count++];
    memset(x, 0, sizeof *x);
    x->word.text = n->stem;
    x->word.len = n->stem_len;
    x->phrase.kind = QUERY_PHRASE;
    x->phrase.words = &x->word;
    x->phrase.word_count = 1;
    x->phrase.is_stemmed = true;
    x->phrase.field = QUERY_FIELD_ANY;
    const plan_term *pt = &p->terms[n->term];
    x->scale = n->boost;
    x->weight = pt->weight * (1.0 + n->repeats) * n->boost;
    x->idf = scorer_idf(&p->scorer, pt->df);
    x->term = n->term;
    return QUIRE_OK;
}

/* words[] moved into the arena after collect_words grew it: the phrase nodes must point
 * at their own word. */
static void fix_words(rr_words *w)
{
    for (uint32_t i = 0; i < w->count; i++)
        w->items[i].phrase.words = &w->items[i].word;
}

typedef struct rr_entry {
    uint64_t doc_id;
    uint32_t at; /* index in top->heap */
} rr_entry;

static int cmp_entry(const void *pa, const void *pb)
{
    const rr_entry *a = pa, *b = pb;
    return (a->doc_id > b->doc_id) - (a->doc_id < b->doc_id);
}

static int cmp_rank(const void *pa, const void *pb)
{
    const topk_entry *a = pa, *b = pb;
    return topk_better(a, b) ? -1 : topk_better(b, a) ? 1 : 0;
}

typedef struct rr_occ {
    uint32_t pos;
    uint32_t word; /* index in rr_words */
} rr_occ;

static int cmp_occ(const void *pa, const void *pb)
{
    const rr_occ *a = pa, *b = pb;
    if (a->pos != b->pos)
        return (a->pos > b->pos) - (a->pos < b->pos);
    return (a->word > b->word) - (a->word < b->word);
}

/* BM25's tf part with a real tf (the title weight makes it one). */
static double term_part(double weight, double tf, double norm)
{
    return tf > 0 ? weight * tf / (tf + norm) : 0.0;
}

/* The change in document `doc`'s score, given each word's spans there. */
static double doc_delta(const plan *p, const rr_words *w, phrase_span *const *spans,
                        const uint32_t *counts, uint32_t title_len, uint32_t doc_len,
                        const rerank_options *o, rr_occ *occ, double *acc)
{
    const double norm = scorer_norm(&p->scorer, doc_len);
    double delta = 0.0;
    if (o->title_weight != 1.0) {
        /* BM25F: the title's tokens count w times in the length too, and in the mean */
        const scorer *sc = &p->scorer;
        const double wt = o->title_weight;
        const double dl_w = wt * title_len + (double)(doc_len - title_len);
        const double avg_w = sc->avgdl + (wt - 1.0) * o->avg_title_len;
        const double norm_w = sc->k1 * (1.0 - sc->b + sc->b * dl_w / (avg_w > 0 ? avg_w : 1.0));
        for (uint32_t i = 0; i < w->count; i++) {
            uint32_t in_title = 0;
            for (uint32_t k = 0; k < counts[i]; k++)
                in_title += spans[i][k].start < title_len;
            const double tf = counts[i];
            const double tf_w = wt * in_title + (tf - in_title);
            delta += term_part(w->items[i].weight, tf_w, norm_w) -
                     term_part(w->items[i].weight, tf, norm);
        }
    }
    if (o->proximity) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < w->count; i++) {
            for (uint32_t k = 0; k < counts[i]; k++)
                occ[n++] = (rr_occ){spans[i][k].start, i};
            acc[i] = 0.0;
        }
        if (n > 1)
            qsort(occ, n, sizeof *occ, cmp_occ);
        for (uint32_t k = 1; k < n; k++) {
            const rr_occ *x = &occ[k - 1], *y = &occ[k];
            if (x->word == y->word || y->pos == x->pos)
                continue;
            const double d = (double)(y->pos - x->pos);
            acc[x->word] += w->items[y->word].idf / (d * d);
            acc[y->word] += w->items[x->word].idf / (d * d);
        }
        const double k1 = p->scorer.k1;
        for (uint32_t i = 0; i < w->count; i++)
            if (acc[i] > 0.0)
                delta += w->items[i].scale * fmin(1.0, w->items[i].idf) * acc[i] * (k1 + 1.0) /
                         (acc[i] + norm);
    }
    return delta;
}

int rerank_top(topk *top, arena *a, const plan *p, const query_node *root, const rerank_options *o)
{
    if (!rerank_wanted(o) || top->count == 0)
        return QUIRE_OK;
    rr_words w = {NULL, 0, 0};
    int rc = collect_words(&w, a, p, root);
    if (rc != QUIRE_OK || w.count == 0)
        return rc;
    fix_words(&w);
    rr_entry *order = arena_alloc(a, (size_t)top->count * sizeof *order);
    phrase_doc_matcher **m = arena_alloc(a, (size_t)w.count * sizeof *m);
    phrase_span **spans = arena_alloc(a, (size_t)w.count * sizeof *spans);
    uint32_t *counts = arena_alloc(a, (size_t)w.count * sizeof *counts);
    double *acc = arena_alloc(a, (size_t)w.count * sizeof *acc);
    if (order == NULL || m == NULL || spans == NULL || counts == NULL || acc == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < top->count; i++)
        order[i] = (rr_entry){top->heap[i].doc_id, i};
    qsort(order, top->count, sizeof *order, cmp_entry);

    rr_occ *occ = NULL;
    size_t occ_cap = 0;
    uint32_t seg = 0;
    for (uint32_t i = 0; i < top->count && rc == QUIRE_OK;) {
        /* the segment of order[i]: the last whose base is <= its doc id */
        while (seg + 1 < p->segment_count &&
               quire_index_doc_base(p->ix, seg + 1) <= order[i].doc_id)
            seg++;
        const quire_segment *s = quire_index_segment(p->ix, seg);
        const uint64_t base = quire_index_doc_base(p->ix, seg);
        const uint64_t end = base + quire_segment_get_stats(s)->doc_count;
        uint32_t opened = 0;
        for (; opened < w.count && rc == QUIRE_OK; opened++)
            rc = phrase_matcher_open(&m[opened], a, s, &w.items[opened].phrase);
        for (; i < top->count && order[i].doc_id < end && rc == QUIRE_OK; i++) {
            const uint32_t doc = (uint32_t)(order[i].doc_id - base);
            size_t total = 0;
            for (uint32_t k = 0; k < w.count; k++)
                spans[k] = NULL;
            for (uint32_t k = 0; k < w.count && rc == QUIRE_OK; k++) {
                rc = phrase_matcher_spans(m[k], doc, &spans[k], &counts[k]);
                if (rc != QUIRE_OK)
                    counts[k] = 0;
                total += counts[k];
            }
            if (rc == QUIRE_OK && total > occ_cap) {
                rr_occ *g = quire_realloc(occ, total * sizeof *g);
                if (g == NULL)
                    rc = quire_oom();
                else {
                    occ = g;
                    occ_cap = total;
                }
            }
            if (rc == QUIRE_OK)
                top->heap[order[i].at].score +=
                    doc_delta(p, &w, spans, counts, quire_segment_title_len(s, doc),
                              quire_segment_doc_len(s, doc), o, occ, acc);
            for (uint32_t k = 0; k < w.count; k++)
                quire_free(spans[k]);
        }
        for (uint32_t k = 0; k < opened; k++)
            phrase_matcher_close(m[k]);
    }
    quire_free(occ);
    /* Ties among the new scores go by external id, as in the heap (topk.h): the ids of
     * entries that tie are looked up, then they are sorted again. */
    if (rc == QUIRE_OK)
        qsort(top->heap, top->count, sizeof *top->heap, cmp_rank);
    if (rc == QUIRE_OK)
        rc = topk_resolve_ties(top);
    if (rc == QUIRE_OK)
        qsort(top->heap, top->count, sizeof *top->heap, cmp_rank);
    return rc;
}
