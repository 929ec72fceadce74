/*
 * test_topk.c - the bounded heap: keeps the k best, ranks ties by external id (by doc id
 * without an id lookup), any input order.
 */
#include "topk.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_entry(const void *a, const void *b)
{
    return topk_better(a, b) ? -1 : topk_better(b, a) ? 1 : 0;
}

Test(topk, keeps_the_k_best_in_rank_order)
{
    enum { N = 1000 };
    topk_entry all[N];
    uint32_t seed = 12345;
    for (uint32_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        all[i].score = (double)((seed >> 16) % 50); /* many ties */
        all[i].doc_id = i;
    }
    /* offer in a shuffled order */
    topk_entry shuffled[N];
    for (uint32_t i = 0; i < N; i++)
        shuffled[i] = all[i];
    for (uint32_t i = N - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        const uint32_t j = (seed >> 8) % (i + 1);
        const topk_entry t = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = t;
    }
    qsort(all, N, sizeof all[0], cmp_entry);
    const uint32_t ks[] = {0, 1, 2, 7, 100, N, N + 5};
    for (size_t t = 0; t < sizeof ks / sizeof ks[0]; t++) {
        topk h;
        cr_assert_eq(topk_init(&h, ks[t]), QUIRE_OK);
        for (uint32_t i = 0; i < N; i++)
            topk_push(&h, shuffled[i].score, shuffled[i].doc_id);
        cr_assert_eq(topk_sort(&h), QUIRE_OK);
        const uint32_t want = ks[t] < N ? ks[t] : N;
        cr_assert_eq(h.count, want);
        for (uint32_t i = 0; i < want; i++) {
            cr_expect_eq(h.heap[i].doc_id, all[i].doc_id, "k=%u rank %u", ks[t], i);
            cr_expect_eq(h.heap[i].score, all[i].score);
        }
        topk_free(&h);
    }
}

Test(topk, threshold_is_the_worst_kept_score_once_full)
{
    topk h;
    cr_assert_eq(topk_init(&h, 2), QUIRE_OK);
    cr_expect(isinf(topk_threshold(&h)) && topk_threshold(&h) < 0);
    topk_push(&h, 3.0, 1);
    cr_expect(isinf(topk_threshold(&h)) && topk_threshold(&h) < 0);
    topk_push(&h, 5.0, 2);
    cr_expect_eq(topk_threshold(&h), 3.0);
    topk_push(&h, 4.0, 3);
    cr_expect_eq(topk_threshold(&h), 4.0);
    topk_push(&h, 4.0, 0); /* ties the worst with a lower doc id: enters */
    cr_expect_eq(topk_threshold(&h), 4.0);
    cr_assert_eq(topk_sort(&h), QUIRE_OK);
    cr_expect_eq(h.heap[0].doc_id, 2);
    cr_expect_eq(h.heap[1].doc_id, 0);
    topk_free(&h);
}

/* Ids of doc i: a permutation of names, so that id order is not doc order; "b" is a
 * prefix of "ba" and must rank before it. */
static const char *const tie_ids[] = {"d", "ba", "c", "b", "a\xff", "a", "e", "bb"};
#define TIE_COUNT (sizeof tie_ids / sizeof tie_ids[0])

static int tie_id_of(void *ctx, uint64_t doc_id, quire_bytes *out)
{
    int *calls = ctx;
    (*calls)++;
    if (doc_id >= TIE_COUNT)
        return quire_error(QUIRE_EINVAL, "no doc %llu", (unsigned long long)doc_id);
    *out = quire_bytes_of(tie_ids[doc_id], strlen(tie_ids[doc_id]));
    return QUIRE_OK;
}

Test(topk, exact_ties_rank_by_external_id_whatever_the_doc_ids)
{
    /* doc 0..7 all tie at 1.0, doc 8 scores more and needs no id */
    static const char *const want[] = {"a", "a\xff", "b", "ba", "bb", "c", "d", "e"};
    for (uint32_t k = 1; k <= TIE_COUNT; k++)
        for (uint32_t rot = 0; rot < TIE_COUNT; rot++) {
            topk h;
            int calls = 0;
            cr_assert_eq(topk_init(&h, k), QUIRE_OK);
            topk_set_ids(&h, tie_id_of, &calls);
            for (uint32_t i = 0; i < TIE_COUNT; i++)
                topk_push(&h, 1.0, (i + rot) % TIE_COUNT);
            cr_assert_eq(topk_sort(&h), QUIRE_OK);
            cr_assert_eq(h.count, k);
            for (uint32_t i = 0; i < k; i++)
                cr_expect_str_eq((const char *)h.heap[i].id, want[i], "k=%u rot=%u rank %u", k, rot,
                                 i);
            topk_free(&h);
        }
}

Test(topk, ids_are_looked_up_only_on_ties)
{
    topk h;
    int calls = 0;
    cr_assert_eq(topk_init(&h, 3), QUIRE_OK);
    topk_set_ids(&h, tie_id_of, &calls);
    for (uint32_t i = 0; i < 100; i++)
        topk_push(&h, (double)i, 1000 + i); /* distinct scores: no lookup while pushing */
    cr_expect_eq(calls, 0);
    topk_free(&h);
    cr_assert_eq(topk_init(&h, 2), QUIRE_OK);
    topk_set_ids(&h, tie_id_of, &calls);
    topk_push(&h, 2.0, 0);
    topk_push(&h, 1.0, 1);
    topk_push(&h, 1.0, 3); /* ties the worst: "b" beats "ba" */
    cr_expect_eq(calls, 2);
    cr_assert_eq(topk_sort(&h), QUIRE_OK);
    cr_expect_eq(h.heap[0].doc_id, 0);
    cr_expect_eq(h.heap[1].doc_id, 3);
    topk_free(&h);
}

Test(topk, a_failed_id_lookup_is_reported_by_sort)
{
    topk h;
    int calls = 0;
    cr_assert_eq(topk_init(&h, 2), QUIRE_OK);
    topk_set_ids(&h, tie_id_of, &calls);
    topk_push(&h, 1.0, 0);
    topk_push(&h, 1.0, 99);
    cr_expect_eq(topk_sort(&h), QUIRE_EINVAL);
    topk_free(&h);
}
