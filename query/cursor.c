/*
 * cursor.c - TERM, AND and OR cursors (see cursor.h for the contract they keep).
 */
#include "cursor.h"

#include <string.h>

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
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
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
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
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
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
    for (uint32_t i = 0; i < count; i++) {
        c->cost += children[i]->cost;
        c->max_score += children[i]->max_score;
    }
    or_update(c);
    *out = c;
    return QUIRE_OK;
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
    }
    return sum;
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
    for (uint32_t i = 0; i < c->child_count; i++)
        cursor_close(c->children[i]);
}
