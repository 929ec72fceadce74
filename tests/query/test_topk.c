/*
 * test_topk.c - the bounded heap: keeps the k best, ranks ties by doc id, any input order.
 */
#include "topk.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

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
        topk_sort(&h);
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
    topk_sort(&h);
    cr_expect_eq(h.heap[0].doc_id, 2);
    cr_expect_eq(h.heap[1].doc_id, 0);
    topk_free(&h);
}
