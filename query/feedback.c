/*
 * feedback.c - RM3 pseudo-relevance feedback (feedback.h).
 */
#include "feedback.h"

#include <stdlib.h>
#include <string.h>

#include "quire/bytes.h"

bool feedback_applies(const query_node *root)
{
    if (root->kind == QUERY_TERM)
        return true;
    if (root->kind != QUERY_OR)
        return false;
    for (uint32_t i = 0; i < root->child_count; i++)
        if (root->children[i]->kind != QUERY_TERM)
            return false;
    return true;
}

/* A stem with its weight; `form` is one form it was seen as (for highlights). */
typedef struct fb_term {
    const char *stem;
    size_t stem_len;
    const char *form;
    size_t form_len;
    double weight;
    size_t seq; /* its place in the list it was added to: equal stems merge in this order */
} fb_term;

static int cmp_stem_only(const fb_term *a, const fb_term *b)
{
    const size_t n = a->stem_len < b->stem_len ? a->stem_len : b->stem_len;
    const int c = memcmp(a->stem, b->stem, n);
    return c != 0 ? c : (a->stem_len > b->stem_len) - (a->stem_len < b->stem_len);
}

/* By stem, then by seq: qsort is not stable, and the weights of a stem must be summed in
 * one order (the documents' rank order) for equal weights to stay equal. */
static int cmp_stem(const void *pa, const void *pb)
{
    const fb_term *a = pa, *b = pb;
    const int c = cmp_stem_only(a, b);
    return c != 0 ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* Heaviest first; ties by stem. */
static int cmp_weight(const void *pa, const void *pb)
{
    const fb_term *a = pa, *b = pb;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    return cmp_stem(pa, pb);
}

/* A growable array of terms in the arena. */
typedef struct fb_list {
    fb_term *items;
    size_t count;
    size_t cap;
} fb_list;

static int list_add(fb_list *l, arena *a, const fb_term *t)
{
    if (l->count == l->cap) {
        const size_t cap = l->cap ? l->cap * 2 : 256;
        fb_term *items = arena_alloc(a, cap * sizeof *items);
        if (items == NULL)
            return quire_oom();
        if (l->count > 0)
            memcpy(items, l->items, l->count * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count] = *t;
    l->items[l->count].seq = l->count;
    l->count++;
    return QUIRE_OK;
}

/* Sort by stem and merge equal stems, summing their weights. */
static void merge_equal(fb_list *l)
{
    if (l->count == 0)
        return;
    qsort(l->items, l->count, sizeof *l->items, cmp_stem);
    size_t k = 0;
    for (size_t i = 1; i < l->count; i++) {
        if (cmp_stem_only(&l->items[k], &l->items[i]) == 0)
            l->items[k].weight += l->items[i].weight;
        else
            l->items[++k] = l->items[i];
    }
    l->count = k + 1;
}

/* Keep the `n` heaviest, normalised to sum 1 (nothing if they weigh 0). */
static void keep_heaviest(fb_list *l, size_t n)
{
    if (l->count == 0)
        return;
    qsort(l->items, l->count, sizeof *l->items, cmp_weight);
    if (l->count > n)
        l->count = n;
    double sum = 0.0;
    for (size_t i = 0; i < l->count; i++)
        sum += l->items[i].weight;
    if (!(sum > 0.0)) {
        l->count = 0;
        return;
    }
    for (size_t i = 0; i < l->count; i++)
        l->items[i].weight /= sum;
}

/* 2 to 20 characters, every one a letter or a digit (no apostrophe). */
static bool stem_is_candidate(const char *s, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        if (!quire_is_word_char(quire_utf8_next((const uint8_t *)s, len, &i)))
            return false;
        chars++;
    }
    return chars >= 2 && chars <= 20;
}

/* Tokens of `text` into l, each with weight 1 (their tf once merged). */
static int add_tokens(fb_list *l, arena *a, quire_analyzer *an, const char *text, size_t len)
{
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, len, 0, true);
    while (quire_tokens_next(&it, &tok)) {
        if (!stem_is_candidate(tok.stem, tok.stem_len))
            continue;
        fb_term t = {arena_strndup(a, tok.stem, tok.stem_len), tok.stem_len,
                     arena_strndup(a, tok.form, tok.form_len), tok.form_len, 1.0, 0};
        if (t.stem == NULL || t.form == NULL)
            return quire_oom();
        const int rc = list_add(l, a, &t);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* Live documents holding `stem`, summed over the segments. */
static int stem_df(const plan *p, const char *stem, size_t len, uint64_t *df)
{
    *df = 0;
    for (uint32_t s = 0; s < p->segment_count; s++) {
        quire_term t;
        int rc = quire_segment_lookup(quire_index_segment(p->ix, s), QUIRE_TERM_STEM,
                                      quire_bytes_of(stem, len), &t);
        if (rc == QUIRE_ENOTFOUND)
            continue;
        if (rc != QUIRE_OK)
            return rc;
        uint64_t live;
        rc = quire_index_live_df(p->ix, s, &t, &live);
        if (rc != QUIRE_OK)
            return rc;
        *df += live;
    }
    return QUIRE_OK;
}

/* The feedback vector of one document: its candidate stems with their tf, those in too
 * many documents dropped, cut to the o->terms of highest tf and normalised. */
static int doc_vector(fb_list *out, arena *a, const plan *p, quire_analyzer *an, uint64_t doc_id,
                      const feedback_options *o, quire_buf *text)
{
    uint32_t seg = 0;
    while (seg + 1 < p->segment_count && quire_index_doc_base(p->ix, seg + 1) <= doc_id)
        seg++;
    const quire_segment *s = quire_index_segment(p->ix, seg);
    const uint32_t doc = (uint32_t)(doc_id - quire_index_doc_base(p->ix, seg));
    quire_doc_info info;
    int rc = quire_segment_doc_info(s, doc, &info);
    if (rc != QUIRE_OK)
        return rc;
    fb_list all = {NULL, 0, 0};
    rc = add_tokens(&all, a, an, (const char *)info.title.ptr, info.title.len);
    text->len = 0;
    if (rc == QUIRE_OK)
        rc = quire_segment_doc_text(s, doc, text);
    if (rc == QUIRE_OK && text->err)
        rc = quire_oom();
    if (rc == QUIRE_OK)
        rc = add_tokens(&all, a, an, (const char *)text->data, text->len);
    if (rc != QUIRE_OK)
        return rc;
    merge_equal(&all);
    const double n = (double)quire_index_doc_count(p->ix);
    for (size_t i = 0; i < all.count && rc == QUIRE_OK; i++) {
        uint64_t df;
        rc = stem_df(p, all.items[i].stem, all.items[i].stem_len, &df);
        if (rc == QUIRE_OK && (double)df <= FEEDBACK_MAX_DF_SHARE * n)
            rc = list_add(out, a, &all.items[i]);
    }
    if (rc == QUIRE_OK)
        keep_heaviest(out, o->terms);
    return rc;
}

/* Add every TERM leaf of `n` (a TERM or an OR of them) to l, weighted by its count. */
static int query_vector(fb_list *l, arena *a, const query_node *n)
{
    if (n->kind == QUERY_OR) {
        for (uint32_t i = 0; i < n->child_count; i++) {
            const int rc = query_vector(l, a, n->children[i]);
            if (rc != QUIRE_OK)
                return rc;
        }
        return QUIRE_OK;
    }
    const fb_term t = {n->stem, n->stem_len, n->form, n->form_len, 1.0 + n->repeats, 0};
    return list_add(l, a, &t);
}

int feedback_rm3(query_ast *out, arena *a, const plan *p, quire_analyzer *an, const query_ast *ast,
                 const topk *top, const feedback_options *o)
{
    memset(out, 0, sizeof *out);
    out->error_offset = SIZE_MAX;
    fb_list q = {NULL, 0, 0}, rm = {NULL, 0, 0};
    int rc = query_vector(&q, a, ast->root);
    if (rc != QUIRE_OK)
        return rc;
    merge_equal(&q);
    keep_heaviest(&q, q.count);
    quire_buf text = QUIRE_BUF_INIT;
    const uint32_t docs = top->count < o->docs ? top->count : o->docs;
    for (uint32_t d = 0; d < docs && rc == QUIRE_OK; d++) {
        fb_list v = {NULL, 0, 0};
        rc = doc_vector(&v, a, p, an, top->heap[d].doc_id, o, &text);
        for (size_t i = 0; i < v.count && rc == QUIRE_OK; i++) {
            fb_term t = v.items[i];
            t.weight *= top->heap[d].score;
            rc = list_add(&rm, a, &t);
        }
    }
    quire_buf_free(&text);
    if (rc != QUIRE_OK)
        return rc;
    merge_equal(&rm);
    keep_heaviest(&rm, o->terms);
    /* the mix: the query's share to its words, the rest to the model */
    fb_list mix = {NULL, 0, 0};
    for (size_t i = 0; i < q.count && rc == QUIRE_OK; i++) {
        fb_term t = q.items[i];
        t.weight *= rm.count > 0 ? o->query_weight : 1.0;
        rc = list_add(&mix, a, &t);
    }
    for (size_t i = 0; i < rm.count && rc == QUIRE_OK; i++) {
        fb_term t = rm.items[i];
        t.weight *= 1.0 - o->query_weight;
        rc = list_add(&mix, a, &t);
    }
    if (rc != QUIRE_OK)
        return rc;
    merge_equal(&mix); /* a query word the model has too: one clause, the weights summed */
    uint32_t n = 0;
    query_node **kids = arena_alloc(a, (mix.count + 1) * sizeof *kids);
    if (kids == NULL)
        return quire_oom();
    for (size_t i = 0; i < mix.count; i++) {
        if (!(mix.items[i].weight > 0.0))
            continue;
        query_node *t = arena_alloc(a, sizeof *t);
        if (t == NULL)
            return quire_oom();
        t->kind = QUERY_TERM;
        t->offset = 0;
        t->stem = mix.items[i].stem;
        t->stem_len = mix.items[i].stem_len;
        t->form = mix.items[i].form;
        t->form_len = mix.items[i].form_len;
        t->term = n;
        t->boost = mix.items[i].weight;
        kids[n++] = t;
    }
    if (n == 1) {
        out->root = kids[0];
    } else {
        query_node * or = arena_alloc(a, sizeof * or);
        if (or == NULL)
            return quire_oom();
        or->kind = QUERY_OR;
        or->children = kids;
        or->child_count = n;
        out->root = or ;
    }
    out->term_count = n;
    return QUIRE_OK;
}
