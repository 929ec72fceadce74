/*
 * cursor.c - TERM, AND and OR cursors (see cursor.h for the contract they keep).
 */
#include "cursor.h"

#include <math.h>
#include <string.h>

#include "quire/date.h"

static int term_sync(cursor *c, int rc)
{
    c->doc = c->postings.doc;
    return rc;
}

int cursor_new_term(cursor **out, arena *a, const scorer *s, const quire_segment *seg,
                    const quire_term *t, uint32_t term, double weight)
{
    cursor *c = arena_alloc(a, sizeof *c);
    if (c == NULL)
        return quire_oom();
    c->kind = CURSOR_TERM;
    c->term = term;
    c->weight = weight;
    c->cost = t->postings.df;
    int rc = quire_segment_postings(seg, t, &c->postings);
    if (rc != QUIRE_OK)
        return rc;
    c->is_open = true;
    *out = c; /* from here the caller's cursor_close() releases it */
    c->max_score =
        scorer_impact_bound(s, weight, c->postings.term_impacts, c->postings.term_impact_count);
    return term_sync(c, quire_postings_next(&c->postings));
}

/* Move every child of an AND to the same doc >= target: each child in `order` (rarest
 * first) is advanced to the target, and one that lands beyond it raises the target and
 * starts the round again. Ends when all agree or one is exhausted. */
static int and_align(cursor *c, uint32_t target)
{
again:
    for (uint32_t i = 0; i < c->child_count; i++) {
        cursor *ch = c->order[i];
        if (ch->doc < target) {
            const int rc = cursor_advance(ch, target);
            if (rc != QUIRE_OK)
                return rc;
        }
        if (ch->doc == QUIRE_DOC_END) {
            c->doc = QUIRE_DOC_END;
            return QUIRE_OK;
        }
        if (ch->doc > target) {
            target = ch->doc;
            goto again;
        }
    }
    c->doc = target;
    return QUIRE_OK;
}

static void or_update(cursor *c)
{
    uint32_t doc = QUIRE_DOC_END;
    for (uint32_t i = 0; i < c->child_count; i++)
        if (c->children[i]->doc < doc)
            doc = c->children[i]->doc;
    c->doc = doc;
}

static cursor *new_inner(arena *a, cursor_kind kind, cursor *const *children, uint32_t count)
{
    cursor *c = arena_alloc(a, sizeof *c);
    cursor **kids = arena_alloc(a, count * sizeof(cursor *));
    cursor **order = arena_alloc(a, count * sizeof(cursor *));
    if (c == NULL || kids == NULL || order == NULL)
        return NULL;
    memcpy(kids, children, count * sizeof(cursor *));
    memcpy(order, children, count * sizeof(cursor *));
    c->kind = kind;
    c->children = kids;
    c->order = order;
    c->child_count = count;
    return c;
}

int cursor_new_and(cursor **out, arena *a, cursor *const *children, uint32_t count)
{
    cursor *c = new_inner(a, CURSOR_AND, children, count);
    if (c == NULL)
        return quire_oom();
    /* Insertion sort by cost, stable so equal costs keep query order: query sizes are
     * small and the order must be deterministic. */
    for (uint32_t i = 1; i < count; i++) {
        cursor *x = c->order[i];
        uint32_t j = i;
        for (; j > 0 && c->order[j - 1]->cost > x->cost; j--)
            c->order[j] = c->order[j - 1];
        c->order[j] = x;
    }
    c->cost = c->order[0]->cost;
    for (uint32_t i = 0; i < count; i++)
        c->max_score += children[i]->max_score;
    *out = c;
    return and_align(c, 0);
}

int cursor_new_or(cursor **out, arena *a, cursor *const *children, uint32_t count)
{
    cursor *c = new_inner(a, CURSOR_OR, children, count);
    if (c == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < count; i++) {
        c->cost += children[i]->cost;
        c->max_score += children[i]->max_score;
    }
    or_update(c);
    *out = c;
    return QUIRE_OK;
}

/* The first entry at or after list_at whose doc is >= target (binary search: lists are
 * read in one direction, so the part before list_at never needs looking at). */
static void list_seek(cursor *c, uint32_t target)
{
    uint32_t lo = c->list_at, hi = c->list_count;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (c->list_docs[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    c->list_at = lo;
    c->doc = lo < c->list_count ? c->list_docs[lo] : QUIRE_DOC_END;
}

static void date_seek(cursor *c, uint32_t target)
{
    for (uint32_t d = target; d < c->doc_count; d++) {
        const int32_t day = c->dates[d];
        if (day != QUIRE_NO_DATE && day >= c->date_from && day <= c->date_to) {
            c->doc = d;
            return;
        }
    }
    c->doc = QUIRE_DOC_END;
}

static void all_seek(cursor *c, uint32_t target)
{
    c->doc = target < c->doc_count ? target : QUIRE_DOC_END;
}

/* ANDNOT: move children[0] on until children[1] is not on its doc. */
static int andnot_settle(cursor *c)
{
    cursor *req = c->children[0], *excl = c->children[1];
    for (;;) {
        const uint32_t d = req->doc;
        if (d == QUIRE_DOC_END)
            break;
        int rc = cursor_advance(excl, d);
        if (rc != QUIRE_OK)
            return rc;
        if (excl->doc != d)
            break;
        rc = cursor_next(req);
        if (rc != QUIRE_OK)
            return rc;
    }
    c->doc = req->doc;
    return QUIRE_OK;
}

/* OPT: follow children[0], bringing children[1] up to it. */
static int opt_settle(cursor *c)
{
    c->doc = c->children[0]->doc;
    if (c->doc == QUIRE_DOC_END)
        return QUIRE_OK;
    return cursor_advance(c->children[1], c->doc);
}

static cursor *new_leaf(arena *a, cursor_kind kind)
{
    cursor *c = arena_alloc(a, sizeof *c);
    if (c != NULL)
        c->kind = kind;
    return c;
}

int cursor_new_list(cursor **out, arena *a, const uint32_t *docs, const uint32_t *freqs,
                    uint32_t count, double weight)
{
    cursor *c = new_leaf(a, CURSOR_LIST);
    if (c == NULL)
        return quire_oom();
    c->list_docs = docs;
    c->list_freqs = freqs;
    c->list_count = count;
    c->weight = weight;
    c->cost = count;
    c->max_score = weight; /* tf / (tf + norm) < 1 */
    list_seek(c, 0);
    *out = c;
    return QUIRE_OK;
}

static int phrase_sync(cursor *c, uint32_t target)
{
    return phrase_cursor_next(c->phrase, target, &c->doc, &c->freq);
}

int cursor_new_phrase(cursor **out, arena *a, const scorer *s, const quire_segment *seg,
                      const query_node *node, double weight)
{
    *out = NULL;
    phrase_cursor *pc = NULL;
    int rc = phrase_cursor_open(&pc, a, seg, node);
    if (rc != QUIRE_OK || pc == NULL)
        return rc;
    cursor *c = new_leaf(a, CURSOR_PHRASE);
    if (c == NULL) {
        phrase_cursor_close(pc);
        return quire_oom();
    }
    c->phrase = pc;
    c->weight = weight;
    c->scorer = s;
    c->cost = phrase_cursor_cost(pc);
    /* A phrase occurs at most as often as each of its words, in the same document: the
     * bound of its rarest single-form word's impacts holds for it too. */
    c->max_score = weight; /* tf / (tf + norm) < 1 */
    if (node->near_split == 0)
        for (uint32_t i = 0; i < node->word_count; i++) {
            const quire_impact *imp;
            uint32_t n;
            phrase_cursor_word_impacts(pc, i, &imp, &n);
            if (n > 0) {
                const double b = scorer_impact_bound(s, weight, imp, n);
                if (b < c->max_score)
                    c->max_score = b;
            }
        }
    *out = c; /* from here the caller's cursor_close() releases it */
    return phrase_sync(c, 0);
}

int cursor_new_all(cursor **out, arena *a, uint32_t doc_count)
{
    cursor *c = new_leaf(a, CURSOR_ALL);
    if (c == NULL)
        return quire_oom();
    c->doc_count = doc_count;
    c->cost = doc_count;
    all_seek(c, 0);
    *out = c;
    return QUIRE_OK;
}

int cursor_new_date(cursor **out, arena *a, const int32_t *dates, uint32_t doc_count, int32_t from,
                    int32_t to)
{
    cursor *c = new_leaf(a, CURSOR_DATE);
    if (c == NULL)
        return quire_oom();
    c->dates = dates;
    c->doc_count = doc_count;
    c->date_from = from;
    c->date_to = to;
    c->cost = doc_count; /* unknown; never cheaper to lead with than a posting list */
    date_seek(c, 0);
    *out = c;
    return QUIRE_OK;
}

int cursor_new_andnot(cursor **out, arena *a, cursor *req, cursor *excl)
{
    cursor *const pair[2] = {req, excl};
    cursor *c = new_inner(a, CURSOR_ANDNOT, pair, 2);
    if (c == NULL)
        return quire_oom();
    c->cost = req->cost;
    c->max_score = req->max_score;
    *out = c;
    return andnot_settle(c);
}

int cursor_new_opt(cursor **out, arena *a, cursor *req, cursor *opt)
{
    cursor *const pair[2] = {req, opt};
    cursor *c = new_inner(a, CURSOR_OPT, pair, 2);
    if (c == NULL)
        return quire_oom();
    c->cost = req->cost;
    c->max_score = req->max_score + opt->max_score;
    *out = c;
    return opt_settle(c);
}

int cursor_next(cursor *c)
{
    if (c->doc == QUIRE_DOC_END)
        return QUIRE_OK;
    switch (c->kind) {
    case CURSOR_TERM:
        return term_sync(c, quire_postings_next(&c->postings));
    case CURSOR_AND:
        return cursor_advance(c, c->doc + 1);
    case CURSOR_OR:
        /* A linear scan of the children: fine for a handful of words; prefix expansion
         * into many terms will want a heap ordered by doc here. */
        for (uint32_t i = 0; i < c->child_count; i++) {
            cursor *ch = c->children[i];
            if (ch->doc == c->doc) {
                const int rc = cursor_next(ch);
                if (rc != QUIRE_OK)
                    return rc;
            }
        }
        or_update(c);
        return QUIRE_OK;
    case CURSOR_LIST:
        c->list_at++;
        c->doc = c->list_at < c->list_count ? c->list_docs[c->list_at] : QUIRE_DOC_END;
        return QUIRE_OK;
    case CURSOR_PHRASE:
        return phrase_sync(c, c->doc + 1);
    case CURSOR_ALL:
        all_seek(c, c->doc + 1);
        return QUIRE_OK;
    case CURSOR_DATE:
        date_seek(c, c->doc + 1);
        return QUIRE_OK;
    case CURSOR_ANDNOT:
    case CURSOR_OPT: {
        const int rc = cursor_next(c->children[0]);
        if (rc != QUIRE_OK)
            return rc;
        return c->kind == CURSOR_ANDNOT ? andnot_settle(c) : opt_settle(c);
    }
    }
    return quire_error(QUIRE_EINVAL, "query: unknown cursor kind %d", (int)c->kind);
}

int cursor_advance(cursor *c, uint32_t target)
{
    if (c->doc >= target)
        return QUIRE_OK;
    if (target == QUIRE_DOC_END) {
        /* Past the last possible doc id: nothing to read. The leaves stay where they are,
         * which no one looks at again once the parent is exhausted. */
        c->doc = QUIRE_DOC_END;
        return QUIRE_OK;
    }
    switch (c->kind) {
    case CURSOR_TERM:
        return term_sync(c, quire_postings_advance(&c->postings, target));
    case CURSOR_AND:
        return and_align(c, target);
    case CURSOR_OR:
        for (uint32_t i = 0; i < c->child_count; i++) {
            const int rc = cursor_advance(c->children[i], target);
            if (rc != QUIRE_OK)
                return rc;
        }
        or_update(c);
        return QUIRE_OK;
    case CURSOR_LIST:
        list_seek(c, target);
        return QUIRE_OK;
    case CURSOR_PHRASE:
        return phrase_sync(c, target);
    case CURSOR_ALL:
        all_seek(c, target);
        return QUIRE_OK;
    case CURSOR_DATE:
        date_seek(c, target);
        return QUIRE_OK;
    case CURSOR_ANDNOT:
    case CURSOR_OPT: {
        const int rc = cursor_advance(c->children[0], target);
        if (rc != QUIRE_OK)
            return rc;
        return c->kind == CURSOR_ANDNOT ? andnot_settle(c) : opt_settle(c);
    }
    }
    return quire_error(QUIRE_EINVAL, "query: unknown cursor kind %d", (int)c->kind);
}

double cursor_score(const cursor *c, double norm)
{
    double sum = 0.0;
    switch (c->kind) {
    case CURSOR_TERM:
        return scorer_term(c->weight, c->postings.tf, norm);
    case CURSOR_AND:
        for (uint32_t i = 0; i < c->child_count; i++)
            sum += cursor_score(c->children[i], norm);
        return sum;
    case CURSOR_OR:
        for (uint32_t i = 0; i < c->child_count; i++)
            if (c->children[i]->doc == c->doc)
                sum += cursor_score(c->children[i], norm);
        return sum;
    case CURSOR_LIST:
        return scorer_term(c->weight, c->list_freqs[c->list_at], norm) *
               (c->list_scale != NULL ? c->list_scale[c->list_at] : 1.0);
    case CURSOR_PHRASE:
        return scorer_term(c->weight, c->freq, norm);
    case CURSOR_ALL:
    case CURSOR_DATE:
        return 0.0;
    case CURSOR_ANDNOT:
        return cursor_score(c->children[0], norm);
    case CURSOR_OPT:
        sum = cursor_score(c->children[0], norm);
        if (c->children[1]->doc == c->doc)
            sum += cursor_score(c->children[1], norm);
        return sum;
    }
    return sum;
}

/* A PHRASE leaf's floor as a bound on occurrences: weight * tf / (tf + norm) <= floor
 * exactly when tf <= floor * norm / (weight - floor), and norm is linear in doc_len. */
static void phrase_floor(cursor *c, double floor)
{
    if (!(floor > 0.0))
        return; /* every score is > 0: nothing to skip */
    const scorer *s = c->scorer;
    if (floor >= c->weight) { /* no tf reaches it */
        phrase_cursor_set_floor(c->phrase, INFINITY, 0.0);
        return;
    }
    const double r = floor / (c->weight - floor);
    phrase_cursor_set_floor(c->phrase, r * s->k1 * (1.0 - s->b), r * s->k1 * s->b / s->avgdl);
}

/* What the other children of c can add at most, when child i is on a document. */
static double others_max(const cursor *c, uint32_t i)
{
    double sum = 0.0;
    for (uint32_t k = 0; k < c->child_count; k++)
        if (k != i)
            sum += c->children[k]->max_score;
    return sum;
}

void cursor_set_floor(cursor *c, double floor)
{
    switch (c->kind) {
    case CURSOR_PHRASE:
        phrase_floor(c, floor);
        return;
    case CURSOR_AND:
    case CURSOR_OR:
    case CURSOR_OPT:
        /* A child missing a document, or scoring it lower, loses at most its own part: the
         * document could only have mattered if that part beat the floor less the rest. */
        for (uint32_t i = 0; i < c->child_count; i++)
            cursor_set_floor(c->children[i], floor - others_max(c, i));
        return;
    case CURSOR_ANDNOT:
        /* children[1] excludes: it must see every match, so it gets no floor */
        cursor_set_floor(c->children[0], floor);
        return;
    case CURSOR_TERM:
    case CURSOR_LIST:
    case CURSOR_ALL:
    case CURSOR_DATE:
        return;
    }
}

bool cursor_has_skipped(const cursor *c)
{
    if (c->kind == CURSOR_PHRASE)
        return phrase_cursor_skipped(c->phrase) > 0;
    for (uint32_t i = 0; i < c->child_count; i++)
        if (cursor_has_skipped(c->children[i]))
            return true;
    return false;
}

void cursor_close(cursor *c)
{
    if (c == NULL)
        return;
    if (c->kind == CURSOR_TERM) {
        if (c->is_open)
            quire_postings_close(&c->postings);
        c->is_open = false;
        return;
    }
    if (c->kind == CURSOR_PHRASE) {
        phrase_cursor_close(c->phrase);
        c->phrase = NULL;
        return;
    }
    for (uint32_t i = 0; i < c->child_count; i++)
        cursor_close(c->children[i]);
}
