/*
 * test_sort.c - --offset and --sort date|-date (search_options offset, sort) against the
 * exhaustive ranking: over CACM (no dates) and 3,000 Reuters-21578 articles (dated), in two
 * segments with deletions, hundreds of random queries (words, ranked ORs, phrases, AND
 * groups) must give, for a page (k, offset), exactly ranks offset+1..offset+k of the whole
 * ranking, pruned (MaxScore) or not; and in a date order exactly the matches sorted by date
 * (oldest or newest first), then by score, then by doc id, with the undated last, their
 * count exact.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle_corpus.h"
#include "quire/date.h"
#include "test_util.h"
#include "corpus_fixture.h"

static search_result run(searcher *s, const char *q, bool any, uint32_t k, uint32_t offset,
                         search_sort sort, bool exhaustive)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.match_any = any;
    o.top_k = k;
    o.offset = offset;
    o.sort = sort;
    o.exhaustive = exhaustive;
    search_result r;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    return r;
}

static search_sort order;

/* The date order of the oracle: search_hit by date (undated last), score, external id. */
static int cmp_dated(const void *pa, const void *pb)
{
    const search_hit *a = pa, *b = pb;
    if (a->date != b->date) {
        if (a->date == QUIRE_NO_DATE || b->date == QUIRE_NO_DATE)
            return a->date == QUIRE_NO_DATE ? 1 : -1;
        const int c = a->date < b->date ? -1 : 1;
        return order == SEARCH_SORT_DATE ? c : -c;
    }
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    /* an exact tie: the lower external id (bytes as unsigned, a prefix first), topk.h */
    const size_t n = a->external_id_len < b->external_id_len ? a->external_id_len
                                                             : b->external_id_len;
    const int c = memcmp(a->external_id, b->external_id, n);
    if (c != 0)
        return c;
    if (a->external_id_len != b->external_id_len)
        return a->external_id_len < b->external_id_len ? -1 : 1;
    return (a->doc_id > b->doc_id) - (a->doc_id < b->doc_id);
}

/* got must be want's hits [from, from + got.hit_count), doc ids and scores. */
static void expect_page(const search_result *got, const search_hit *want, uint32_t want_count,
                        uint32_t from, uint32_t k, const char *what, const char *q)
{
    const uint32_t n = want_count > from ? (want_count - from < k ? want_count - from : k) : 0;
    cr_expect_eq(got->hit_count, n, "%s %s: %u hits, want %u", what, q, (unsigned)got->hit_count,
                 (unsigned)n);
    for (uint32_t i = 0; i < got->hit_count && i < n; i++)
        if (got->hits[i].doc_id != want[from + i].doc_id ||
            got->hits[i].score != want[from + i].score) {
            cr_expect_fail("%s %s: rank %u is doc %llu, want %llu", what, q,
                           (unsigned)(from + i + 1), (unsigned long long)got->hits[i].doc_id,
                           (unsigned long long)want[from + i].doc_id);
            break;
        }
}

Test(sort, pages_and_date_orders_agree_with_the_whole_ranking, .timeout = 600)
{
    char *dir = two_segment_index();
    char idx[4200];
    snprintf(idx, sizeof idx, "%s/idx", dir);
    corpus c;
    load_corpus(&c, idx);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    static const uint32_t ks[] = {1, 3, 10, 25};
    uint32_t done = 0, dated_and_undated = 0, deep_pages = 0;
    char q[4096];
    while (done < 250) {
        q[0] = '\0';
        const uint32_t shape = rnd(3);
        bool ok = true;
        const uint32_t n = shape == 0 ? 1 : 2 + rnd(4);
        for (uint32_t i = 0; i < n && ok; i++) {
            if (i > 0)
                strcat(q, shape == 2 ? " OR " : " ");
            ok = add_word(q, sizeof q, &c);
        }
        if (!ok)
            continue;
        const bool any = shape == 1;
        /* the whole ranking, by relevance */
        search_result all = run(s, q, any, (uint32_t)c.count, 0, SEARCH_SORT_RELEVANCE, true);
        const uint32_t k = ks[rnd(4)];
        const uint32_t offset = rnd(3) == 0 ? 0 : rnd(all.hit_count + 5);
        deep_pages += offset > 0 && offset < all.hit_count;
        /* a page, pruned and not */
        for (int exhaustive = 0; exhaustive < 2; exhaustive++) {
            search_result page = run(s, q, any, k, offset, SEARCH_SORT_RELEVANCE, exhaustive);
            expect_page(&page, all.hits, all.hit_count, offset, k,
                        exhaustive ? "exhaustive page" : "pruned page", q);
            cr_expect_leq(page.match_count, all.match_count);
            if (page.match_count_exact)
                cr_expect_eq(page.match_count, all.match_count, "%s", q);
            search_result_free(&page);
        }
        /* date orders: the oracle sorts the whole ranking */
        bool dated = false, undated = false;
        for (uint32_t i = 0; i < all.hit_count; i++) {
            dated |= all.hits[i].date != QUIRE_NO_DATE;
            undated |= all.hits[i].date == QUIRE_NO_DATE;
        }
        dated_and_undated += dated && undated;
        for (order = SEARCH_SORT_DATE; order <= SEARCH_SORT_DATE_DESC; order++) {
            qsort(all.hits, all.hit_count, sizeof *all.hits, cmp_dated);
            search_result page = run(s, q, any, k, offset, order, false);
            expect_page(&page, all.hits, all.hit_count, offset, k,
                        order == SEARCH_SORT_DATE ? "date" : "-date", q);
            cr_expect(page.match_count_exact, "%s: a date order counts every match", q);
            cr_expect_eq(page.match_count, all.match_count, "%s", q);
            for (uint32_t i = 0; i < page.hit_count; i++)
                cr_expect_eq(page.hits[i].date, all.hits[offset + i].date);
            search_result_free(&page);
        }
        search_result_free(&all);
        done++;
    }
    cr_expect_gt(dated_and_undated, 50, "queries matching both dated and undated documents");
    cr_expect_gt(deep_pages, 50);

    search_close(s);
    free_corpus(&c);
    remove_tmp(dir);
}
