/*
 * plan.c - term lookups, global statistics, and cursor trees per segment.
 */
#include "plan.h"

#include <string.h>

static void collect_terms(plan *p, const query_node *node)
{
    if (node->kind == QUERY_TERM) {
        p->terms[node->term].node = node;
        return;
    }
    for (uint32_t i = 0; i < node->child_count; i++)
        collect_terms(p, node->children[i]);
}

int plan_build(plan *p, arena *a, const quire_index *ix, const query_node *root,
               uint32_t term_count, double k1, double b)
{
    memset(p, 0, sizeof *p);
    if (term_count == 0)
        return quire_error(QUIRE_EINVAL, "empty query");
    p->ix = ix;
    p->root = root;
    p->term_count = term_count;
    p->segment_count = quire_index_segment_count(ix);
    scorer_init(&p->scorer, k1, b, quire_index_doc_count(ix), quire_index_total_tokens(ix));
    p->terms = arena_alloc(a, (size_t)term_count * sizeof *p->terms);
    if (p->terms == NULL)
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
    collect_terms(p, root);

    const size_t nseg = p->segment_count > 0 ? p->segment_count : 1;
    for (uint32_t t = 0; t < term_count; t++) {
        plan_term *pt = &p->terms[t];
        pt->in_seg = arena_alloc(a, nseg * sizeof *pt->in_seg);
        pt->is_in_seg = arena_alloc(a, nseg * sizeof *pt->is_in_seg);
        if (pt->in_seg == NULL || pt->is_in_seg == NULL)
            return quire_error(QUIRE_ENOMEM, "query: out of memory");
        const quire_bytes key = quire_bytes_of(pt->node->stem, pt->node->stem_len);
        for (uint32_t s = 0; s < p->segment_count; s++) {
            const int rc = quire_segment_lookup(quire_index_segment(ix, s), QUIRE_TERM_STEM, key,
                                                &pt->in_seg[s]);
            if (rc == QUIRE_ENOTFOUND)
                continue;
            if (rc != QUIRE_OK)
                return rc;
            pt->is_in_seg[s] = true;
            pt->df += pt->in_seg[s].postings.df;
        }
        pt->weight = scorer_weight(&p->scorer, pt->df);
    }
    return QUIRE_OK;
}

int plan_cursor(cursor **out, arena *a, const plan *p, const query_node *node, uint32_t seg)
{
    *out = NULL;
    if (node->kind == QUERY_TERM) {
        const plan_term *pt = &p->terms[node->term];
        if (!pt->is_in_seg[seg])
            return QUIRE_OK;
        const int rc = cursor_new_term(out, a, &p->scorer, quire_index_segment(p->ix, seg),
                                       &pt->in_seg[seg], node->term, pt->weight);
        if (rc != QUIRE_OK) {
            cursor_close(*out);
            *out = NULL;
        }
        return rc;
    }

    cursor **kids = arena_alloc(a, (size_t)node->child_count * sizeof(cursor *));
    if (kids == NULL)
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
    uint32_t count = 0;
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < node->child_count; i++) {
        cursor *child = NULL;
        rc = plan_cursor(&child, a, p, node->children[i], seg);
        if (child != NULL)
            kids[count++] = child;
        if (rc != QUIRE_OK)
            goto done;
        if (child == NULL && node->kind == QUERY_AND)
            goto done; /* this segment cannot match */
        /* An exhausted child of an AND also ends the AND (it was built on its first
         * match, so it has none here). */
        if (child != NULL && child->doc == QUIRE_DOC_END && node->kind == QUERY_AND)
            goto done;
    }
    if (count == 0)
        goto done;
    if (count == 1) {
        /* A one-child AND or OR is its child: same matches, same score. */
        *out = kids[0];
        return QUIRE_OK;
    }
    rc = node->kind == QUERY_AND ? cursor_new_and(out, a, kids, count)
                                 : cursor_new_or(out, a, kids, count);
    if (rc == QUIRE_OK)
        return rc;
    *out = NULL;
done:
    /* Nothing returned: close what was built. */
    for (uint32_t i = 0; i < count; i++)
        cursor_close(kids[i]);
    return rc;
}
