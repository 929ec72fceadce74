/*
 * sample_hits.h - what the suites that query the five sample articles (tests/data) share:
 * a search that must succeed, and the sorted article numbers (000..004) of every match,
 * checked against the exact match count. Static functions: include it once per test
 * file, after query.h and test_util.h.
 */
#ifndef QUIRE_TEST_QUERY_SAMPLE_HITS_H
#define QUIRE_TEST_QUERY_SAMPLE_HITS_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "test_util.h"

/* The top k hits of q on s, with the default options; the search must succeed. */
TEST_UTIL_UNUSED static search_result query(searcher *s, const char *q, uint32_t k)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.top_k = k;
    search_result r;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    return r;
}

/* The article numbers (000..004) of every match, sorted, space-separated. */
TEST_UTIL_UNUSED static void sample_hits(char *out, size_t cap, searcher *s, const char *q)
{
    search_result r = query(s, q, 100);
    char nums[5][4];
    uint32_t n = 0;
    for (uint32_t i = 0; i < r.hit_count && n < 5; i++) {
        const char *base = strrchr(r.hits[i].external_id, '/');
        base = base ? base + 1 : r.hits[i].external_id;
        snprintf(nums[n++], sizeof nums[0], "%.3s", base);
    }
    qsort(nums, n, sizeof nums[0], (int (*)(const void *, const void *))strcmp);
    out[0] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0)
            strncat(out, " ", cap - strlen(out) - 1);
        strncat(out, nums[i], cap - strlen(out) - 1);
    }
    cr_expect_eq(r.match_count, n, "%s: match_count %llu, hits %u", q,
                 (unsigned long long)r.match_count, (unsigned)n);
    search_result_free(&r);
}

TEST_UTIL_UNUSED static void expect_sample(searcher *s, const char *q, const char *want)
{
    char got[64];
    sample_hits(got, sizeof got, s, q);
    cr_expect_str_eq(got, want, "query %s", q);
}

#endif
