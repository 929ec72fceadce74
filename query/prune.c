/*
 * prune.c - MaxScore over the clauses of a ranked OR (see prune.h).
 */
#include "prune.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "quire/index.h"

bool prune_applies(const cursor *root)
{
    return root->kind == CURSOR_OR || root->kind == CURSOR_TERM || root->kind == CURSOR_LIST ||
           root->kind == CURSOR_PHRASE;
}

/* The value a bound must exceed for its document to be worth scoring: the threshold less
 * a relative slack for rounding (bounds are summed in another order than scores). A
 * document that only ties the threshold can still enter (its external id may rank before
 * the worst kept one's, topk.h), so a threshold of 0, where no relative slack is left, is
 * passed by a bound of 0 too. */
static double beatable(double threshold)
{
    return threshold == 0.0 ? -DBL_MIN : threshold - 1e-9 * fabs(threshold);
}

/* Each clause's floor (cursor_set_floor): the limit less what the other clauses can add. */
static void set_floors(cursor *const *ord, uint32_t n, const double *upto, double limit)
{
    for (uint32_t i = 0; i < n; i++)
        cursor_set_floor(ord[i], limit - (upto[n - 1] - ord[i]->max_score));
}

int prune_segment(const plan *p, cursor *root, uint32_t seg, topk *top, uint64_t *match_count,
                  uint64_t *occurrences, bool *count_exact)
{
    const quire_segment *segment = quire_index_segment(p->ix, seg);
    const uint32_t doc_count = quire_segment_get_stats(segment)->doc_count;
    const uint64_t base = quire_index_doc_base(p->ix, seg);
    cursor *single = root;
    cursor *const *kids = root->kind == CURSOR_OR ? root->children : &single;
    const uint32_t n = root->kind == CURSOR_OR ? root->child_count : 1;

    /* Clauses by ascending bound (stable: ties keep query order), and prefix sums. */
    cursor **ord = quire_malloc((size_t)n * sizeof *ord);
    double *upto = quire_malloc((size_t)n * sizeof *upto);
    if (ord == NULL || upto == NULL) {
        quire_free(ord);
        quire_free(upto);
        return quire_oom();
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i;
        for (; j > 0 && ord[j - 1]->max_score > kids[i]->max_score; j--)
            ord[j] = ord[j - 1];
        ord[j] = kids[i];
    }
    double sum = 0.0;
    for (uint32_t i = 0; i < n; i++)
        upto[i] = sum += ord[i]->max_score;

    int rc = QUIRE_OK;
    double limit = beatable(topk_threshold(top));
    uint32_t ess = 0; /* ord[ess..n) are essential */
    while (ess < n && upto[ess] <= limit)
        ess++;
    set_floors(ord, n, upto, limit);
    for (;;) {
        if (ess > 0)
            *count_exact = false;
        uint32_t d = QUIRE_DOC_END;
        for (uint32_t i = ess; i < n; i++)
            if (ord[i]->doc < d)
                d = ord[i]->doc;
        if (d == QUIRE_DOC_END)
            break;
        if (d >= doc_count) {
            rc = quire_corrupt("segment %llu: posting for doc %u of %u",
                               (unsigned long long)quire_segment_id(segment), (unsigned)d,
                               (unsigned)doc_count);
            break;
        }
        if (!quire_index_is_deleted(p->ix, seg, d)) {
            (*match_count)++;
            if (root->kind == CURSOR_PHRASE)
                *occurrences += root->freq; /* a one-clause query: root is ord[0], on d */
            const double norm = scorer_norm(&p->scorer, quire_segment_doc_len(segment, d));
            double bound = ess > 0 ? upto[ess - 1] : 0.0;
            for (uint32_t i = ess; i < n; i++)
                if (ord[i]->doc == d)
                    bound += cursor_score(ord[i], norm);
            /* Tighten with the non-essential clauses, the strongest first. */
            for (uint32_t i = ess; i-- > 0 && bound > limit;) {
                if (ord[i]->doc < d && (rc = cursor_advance(ord[i], d)) != QUIRE_OK)
                    goto done;
                bound -= ord[i]->max_score;
                if (ord[i]->doc == d)
                    bound += cursor_score(ord[i], norm);
            }
            if (bound > limit) {
                root->doc = d; /* every clause holding d is on it: score as exhaustively */
                topk_push(top, cursor_score(root, norm), base + d);
                const double was_limit = limit;
                limit = beatable(topk_threshold(top));
                if (limit != was_limit)
                    set_floors(ord, n, upto, limit);
            }
        }
        const uint32_t was = ess;
        while (ess < n && upto[ess] <= limit)
            ess++;
        for (uint32_t i = was; i < n; i++)
            if (ord[i]->doc == d && (rc = cursor_next(ord[i])) != QUIRE_OK)
                goto done;
    }
    if (ess > 0 || cursor_has_skipped(root))
        *count_exact = false;
done:
    quire_free(ord);
    quire_free(upto);
    return rc;
}
