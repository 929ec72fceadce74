/*
 * test_phrase.c - phrases, fields and dates end to end on indexes written by the
 * quire-index program ($QUIRE_BINARY_DIR/quire-index, set by ctest):
 *   - the examples of issue #3 on the sample articles of tests/data;
 *   - the phrase oracle: hundreds of phrases of 2..8 words cut from the stored text of a
 *     real corpus (CACM and the first Reuters-21578 articles), pasted back with
 *     punctuation, line breaks and curly quotes between and around the words, must match
 *     exactly the documents, and as many occurrences, as a brute-force scan of the stored
 *     text finds (every document re-tokenized with the analyzer, title and text apart);
 *     the same for title: phrases and ~stemmed phrases, phrases with two words swapped
 *     (mostly in no document), and for date ranges.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle_corpus.h"
#include "quire/analysis.h"
#include "quire/date.h"
#include "quire/index.h"
#include "test_util.h"
#include "sample_hits.h"
#include "corpus_fixture.h"

/* ---- the sample articles ---- */

Test(phrase, finds_the_examples_of_the_sample_corpus)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char *dir = make_tmp();
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s'/tests/data/00?_*.txt", src);
    char *idx = index_inputs(dir, inputs);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    /* 002 says "waiting for you, dear Mr. President" */
    expect_sample(s, "\"We are expecting you, dear Mr Chairman\"", "000 003");
    expect_sample(s, "\xe2\x80\x9cWe are expecting you, dear Mr Chairman\xe2\x80\x9d", "000 003");
    expect_sample(s, "\"dear Mr President\"", "002");
    expect_sample(s, "\xe2\x80\x9cno limits\xe2\x80\x9d", "001 003"); /* “…” */
    expect_sample(s, "\xe2\x80\x9eno limits\xe2\x80\x9c", "001 003"); /* „…“ */
    expect_sample(s, "\xc2\xabno limits\xc2\xbb", "001 003");         /* «…» */
    expect_sample(s, "\"No  Limits\"", "001 003");
    expect_sample(s, "\"objective and fair\"", "000 002");
    expect_sample(s, "expect visit", "000 001 003");
    expect_sample(s, "Uzbekistan", "003 004");
    expect_sample(s, "Uzbekistan -\"no limits\"", "004");
    expect_sample(s, "Uzbekistan NOT \"no limits\"", "004");
    expect_sample(s, "\"objective and fair\" OR \xe2\x80\x9cno limits\xe2\x80\x9d",
                  "000 001 002 003");
    expect_sample(s, "(\"objective and fair\" OR \"no limits\") -Uzbekistan", "000 001 002");
    /* a phrase never crosses from the title into the text, and title: stays in it */
    expect_sample(s, "title:Uzbekistan", "");
    expect_sample(s, "title:\"Putin acknowledges\"", "004");
    expect_sample(s, "title:acknowledged", "004");
    /* dates: 002 is dated 2022-12-31, 003 2022-12-30, the others have none */
    expect_sample(s, "date:2022-12-30", "003");
    expect_sample(s, "date:..2022-12-30", "003");
    expect_sample(s, "date:2022-12-31..", "002");
    expect_sample(s, "date:0001-01-01..9999-12-31", "002 003");
    expect_sample(s, "putin date:2022-12-01..2022-12-31", "002 003");
    expect_sample(s, "putin -date:2022-12-01..2022-12-31", "000 001 004");

    /* a single phrase reports its occurrences, exactly */
    search_result r = query(s, "\"no limits\"", 0);
    cr_expect(r.has_occurrences);
    cr_expect_eq(r.match_count, 2);
    cr_expect_geq(r.occurrence_count, 2);
    search_result_free(&r);
    r = query(s, "Uzbekistan", 0);
    cr_expect(!r.has_occurrences);
    search_result_free(&r);

    search_close(s);
    free(idx);
    remove_tmp(dir);
}

/* ---- the oracle: the brute-force corpus (oracle_corpus.h) ---- */

/* Occurrences of seq[0..n) in consecutive tokens of one field of `d` (fields: mask of
 * 1 = title, 2 = text); `stems` compares stems instead of forms. */
static uint32_t brute_count(const odoc *d, const uint32_t *seq, uint32_t n, int fields, bool stems)
{
    uint32_t occ = 0;
    for (int f = 0; f < 2; f++) {
        if (!(fields & (1 << f)) || d->count[f] < n)
            continue;
        const uint32_t *ids = stems ? d->stem[f] : d->form[f];
        for (uint32_t p = 0; p + n <= d->count[f]; p++) {
            uint32_t i = 0;
            while (i < n && ids[p + i] == seq[i])
                i++;
            occ += i == n;
        }
    }
    return occ;
}

static int cmp_u64(const void *pa, const void *pb)
{
    const uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* Run `q` and compare its matches (all of them) and occurrences with the scan; `cut`: the
 * phrase was cut from the text, so the scan must find it. */
static void check_query_of(searcher *s, const corpus *c, const char *q, const uint32_t *seq,
                           uint32_t n, int fields, bool stems, bool cut)
{
    uint64_t *want = malloc((c->count + 1) * sizeof *want);
    uint32_t want_count = 0;
    uint64_t want_occ = 0;
    for (uint32_t i = 0; i < c->count; i++) {
        const uint32_t occ = brute_count(&c->docs[i], seq, n, fields, stems);
        if (occ > 0) {
            want[want_count++] = c->docs[i].doc_id;
            want_occ += occ;
        }
    }
    if (cut)
        cr_assert_gt(want_count, 0, "%s: the scan misses the phrase it was cut from", q);
    search_result r = query(s, q, c->count);
    cr_expect_eq(r.match_count, want_count, "%s: %llu matches, scan finds %u", q,
                 (unsigned long long)r.match_count, (unsigned)want_count);
    if (want_count > 0) {
        cr_expect(r.has_occurrences, "%s", q);
        cr_expect_eq(r.occurrence_count, want_occ, "%s: %llu occurrences, scan finds %llu", q,
                     (unsigned long long)r.occurrence_count, (unsigned long long)want_occ);
    }
    uint64_t *got = malloc((r.hit_count + 1) * sizeof *got);
    for (uint32_t i = 0; i < r.hit_count; i++)
        got[i] = r.hits[i].doc_id;
    qsort(got, r.hit_count, sizeof *got, cmp_u64);
    cr_expect_eq(r.hit_count, want_count, "%s", q);
    for (uint32_t i = 0; i < r.hit_count && i < want_count; i++)
        if (got[i] != want[i]) {
            cr_expect_eq(got[i], want[i], "%s: hit %u is doc %llu, scan says %llu", q, (unsigned)i,
                         (unsigned long long)got[i], (unsigned long long)want[i]);
            break;
        }
    free(got);
    free(want);
    search_result_free(&r);
}

static void check_query(searcher *s, const corpus *c, const char *q, const uint32_t *seq,
                        uint32_t n, int fields, bool stems)
{
    check_query_of(s, c, q, seq, n, fields, stems, true);
}

static const char *const separators[] = {" ",  ", ", " ; ", "\n",  " \xe2\x80\x94 ", ". ",
                                         "  ", " (", ") ",  " - ", "!\n\n",          "\t: "};
static const char *const quote_pairs[][2] = {
    {"\"", "\""},
    {"\xe2\x80\x9c", "\xe2\x80\x9d"}, /* “ ” */
    {"\xe2\x80\x9e", "\xe2\x80\x9c"}, /* „ “ */
    {"\xc2\xab", "\xc2\xbb"},         /* « » */
};

Test(phrase, agrees_with_a_brute_force_scan_of_the_stored_text, .timeout = 600)
{
    char *dir = make_tmp();
    char *idx = cacm_reuters_index(dir, 3000);
    corpus c;
    load_corpus(&c, idx);
    cr_assert_gt(c.count, 6000);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    const uint32_t phrases = 300;
    uint32_t done = 0, title_done = 0, stem_done = 0, swapped_done = 0, swapped_found = 0;
    char q[8192];
    while (done < phrases) {
        const odoc *d = &c.docs[rnd(c.count)];
        const int f = d->count[0] >= 2 && (rnd(3) == 0 || d->count[1] < 2) ? 0 : 1;
        if (d->count[f] < 2)
            continue;
        uint32_t n = 2 + rnd(7);
        if (n > d->count[f])
            n = d->count[f];
        const uint32_t start = rnd(d->count[f] - n + 1);
        const char *const *qp = quote_pairs[rnd(4)];
        /* the words as stored, with punctuation and line breaks between them */
        char body[6144] = "";
        for (uint32_t i = 0; i < n; i++) {
            if (i > 0)
                strncat(body, separators[rnd(sizeof separators / sizeof separators[0])],
                        sizeof body - strlen(body) - 1);
            const size_t b = d->start[f][start + i], e = d->end[f][start + i];
            strncat(body, d->field[f] + b, e - b < sizeof body - strlen(body) - 1 ? e - b : 0);
        }
        snprintf(q, sizeof q, "%s%s%s", qp[0], body, qp[1]);
        check_query(s, &c, q, d->form[f] + start, n, 3, false);
        if (f == 0) {
            snprintf(q, sizeof q, "title:%s%s%s", qp[0], body, qp[1]);
            check_query(s, &c, q, d->form[f] + start, n, 1, false);
            title_done++;
        }
        if (done % 3 == 0) {
            snprintf(q, sizeof q, "~%s%s%s", qp[0], body, qp[1]);
            check_query(s, &c, q, d->stem[f] + start, n, 3, true);
            stem_done++;
        }
        /* the same words with two swapped: a phrase the text mostly lacks, though its
         * words stand together in the document (a quote misremembered), which a
         * matcher reading its rarest words first must reject at every stage */
        const uint32_t *form = d->form[f] + start;
        const uint32_t i = rnd(n), j = rnd(n);
        if (n >= 3 && form[i] != form[j]) {
            uint32_t seq[16];
            char swapped[6144] = "";
            for (uint32_t k = 0; k < n; k++) {
                const uint32_t from = k == i ? j : k == j ? i : k;
                seq[k] = form[from];
                const size_t b = d->start[f][start + from], e = d->end[f][start + from];
                if (k > 0)
                    strncat(swapped, " ", sizeof swapped - strlen(swapped) - 1);
                strncat(swapped, d->field[f] + b,
                        e - b < sizeof swapped - strlen(swapped) - 1 ? e - b : 0);
            }
            snprintf(q, sizeof q, "\"%s\"", swapped);
            const uint64_t was = swapped_found;
            for (uint32_t k = 0; k < c.count && swapped_found == was; k++)
                swapped_found += brute_count(&c.docs[k], seq, n, 3, false) > 0;
            check_query_of(s, &c, q, seq, n, 3, false, false);
            swapped_done++;
        }
        done++;
    }
    cr_expect_gt(title_done, 20);
    cr_expect_gt(stem_done, 50);
    cr_expect_gt(swapped_done, 100);
    cr_expect_lt(swapped_found, swapped_done / 2, "swapped phrases found in %u of %u",
                 (unsigned)swapped_found, (unsigned)swapped_done);

    /* date ranges over the Reuters dates (CACM has none) */
    int32_t lo, hi;
    cr_assert(quire_date_parse("1987-02-20", 10, &lo) && quire_date_parse("1987-04-30", 10, &hi));
    for (int i = 0; i < 40; i++) {
        int32_t a = lo + (int32_t)rnd((uint32_t)(hi - lo)), b = a + (int32_t)rnd(20);
        const int open = (int)rnd(3); /* 0: both ends, 1: open start, 2: open end */
        char da[11], db[11];
        quire_date_format(a, da);
        quire_date_format(b, db);
        snprintf(q, sizeof q, "date:%s..%s", open == 1 ? "" : da, open == 2 ? "" : db);
        uint32_t want = 0;
        for (uint32_t k = 0; k < c.count; k++) {
            const int32_t day = c.docs[k].date;
            want += day != QUIRE_NO_DATE && (open == 1 || day >= a) && (open == 2 || day <= b);
        }
        search_result r = query(s, q, 0);
        cr_expect_eq(r.match_count, want, "%s: %llu matches, scan finds %u", q,
                     (unsigned long long)r.match_count, (unsigned)want);
        search_result_free(&r);
    }

    search_close(s);
    free_corpus(&c);
    free(idx);
    remove_tmp(dir);
}
