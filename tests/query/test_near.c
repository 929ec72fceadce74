/*
 * test_near.c - NEAR/n, ONEAR/n and prefix* end to end on indexes written by the
 * quire-index program ($QUIRE_BINARY_DIR/quire-index, set by ctest):
 *   - hand-checked NEAR/ONEAR matches on the sample articles of tests/data, and a prefix
 *     checked against an OR of the forms a scan of the forms dictionary lists;
 *   - the NEAR oracle: pairs of operands (words by stem, phrases by form or by stem) cut
 *     from the stored text of a real corpus (CACM and the first Reuters-21578 articles),
 *     at random distances and with a random n, must match exactly the documents, and as
 *     many pairs, as a brute-force scan of the re-tokenized stored text finds;
 *   - the ellipsis oracle: quotes of 2..4 parts ("a … b ... c") cut from the stored text
 *     with gaps around QUERY_ELLIPSIS_GAP match exactly the documents, and as many chains
 *     (occurrences of the last part completing one), as a brute-force scan finds;
 *   - the prefix oracle: random prefixes of real forms match the documents holding any
 *     form that starts with them (a scan of every form of the corpus), or fail with
 *     QUIRE_ELIMIT beyond QUERY_MAX_PREFIX_TERMS forms; the cap on a synthetic corpus.
 */
#include "query.h"

#include "parser.h"

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

/* ---- the oracle: the brute-force corpus (oracle_corpus.h) ---- */

static int cmp_u64(const void *pa, const void *pb)
{
    const uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* The status of `q` (its results dropped); the message in msg. */
static int query_status(searcher *s, const char *q, char *msg, size_t cap)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.top_k = 10;
    search_result r;
    const int rc = search_query(&r, s, &o);
    snprintf(msg, cap, "%s", rc == QUIRE_OK ? "" : quire_errmsg());
    if (rc == QUIRE_OK)
        search_result_free(&r);
    return rc;
}

/* The occurrences (for NEAR: pairs) a single-clause query reports. */
static uint64_t occurrences(searcher *s, const char *q)
{
    search_result r = query(s, q, 0);
    cr_expect(r.has_occurrences, "%s", q);
    const uint64_t n = r.occurrence_count;
    search_result_free(&r);
    return n;
}

Test(near, finds_the_hand_checked_pairs_of_the_sample_corpus)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char *dir = make_tmp();
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s'/tests/data/00?_*.txt", src);
    char *idx = index_inputs(dir, inputs);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    /* "Putin and Xi" (000, 001, 004: "Putin thanks Xi"), "Putin told Xi" (002): one word
     * between; never adjacent */
    expect_sample(s, "putin NEAR/0 xi", "");
    expect_sample(s, "putin NEAR/1 xi", "000 001 002 004");
    expect_sample(s, "putin ONEAR/1 xi", "000 001 002 004");
    expect_sample(s, "putin NEAR/3 xi", "000 001 002 004");
    /* 002: "Speaking to Xi via video conference, Putin": three words between, Xi first */
    expect_sample(s, "xi ONEAR/3 putin", "002");
    expect_sample(s, "xi ONEAR/2 putin", "");
    expect_sample(s, "xi NEAR/3 putin", "000 001 002 004");
    /* 003: "Putin said on Friday he was expecting Chinese President Xi": eight between */
    expect_sample(s, "putin NEAR/8 xi", "000 001 002 003 004");
    expect_sample(s, "putin NEAR xi", "000 001 002 003 004"); /* NEAR alone is NEAR/10 */
    /* phrases: exact forms; 000 has "Vladimir Putin and Xi Jinping" */
    expect_sample(s, "\"Vladimir Putin\" ONEAR/1 \"Xi Jinping\"", "000");
    expect_sample(s, "\"Xi Jinping\" ONEAR/1 \"Vladimir Putin\"", "");
    expect_sample(s, "\"Xi Jinping\" NEAR/1 \"Vladimir Putin\"", "000");
    expect_sample(s, "\"state visit\" NEAR/10 moscow", "000 002 003");
    /* words by stem: "expecting" (003: "We are expecting you") */
    expect_sample(s, "expect ONEAR/0 you", "000 003");
    expect_sample(s, "\"expect\" ONEAR/0 you", ""); /* the exact form "expect" is absent */
    /* never across the title and the text: 000's title (its lede) ends "Xi Jinping.", its
     * text, which keeps the lede, opens "China has vowed"; 004's title ends "friction",
     * its text opens with the same headline, "Putin acknowledges" */
    expect_sample(s, "\"Jinping China\"", "");
    expect_sample(s, "jinping ONEAR/0 china", "");
    expect_sample(s, "\"friction Putin acknowledges\"", "");
    expect_sample(s, "friction ONEAR/0 putin", "");
    /* ... but within the text, from the lede or the headline on: 000 "Xi Jinping.\n
     * President Xi", 004 "friction\n\n  • The Russians" */
    expect_sample(s, "\"Xi Jinping President\"", "000");
    expect_sample(s, "jinping ONEAR/0 president", "000");
    expect_sample(s, "friction ONEAR/1 russians", "004");
    expect_sample(s, "friction NEAR/1000 russians", "004");
    /* with the rest of the language */
    expect_sample(s, "putin NEAR/3 xi -uzbekistan", "000 001 002");
    expect_sample(s, "xi ONEAR/3 putin OR \"no limits\"", "001 002 003");

    /* pairs are counted: in 001 "Putin and Xi" in the title and three times in the text */
    cr_expect_eq(occurrences(s, "putin ONEAR/1 xi"), occurrences(s, "~\"putin and xi\"") +
                                                         occurrences(s, "~\"putin thanks xi\"") +
                                                         occurrences(s, "~\"putin told xi\""));
    /* ONEAR/0 of two words is their stemmed phrase */
    cr_expect_eq(occurrences(s, "vladimir ONEAR/0 putin"), occurrences(s, "~\"vladimir putin\""));
    cr_expect_gt(occurrences(s, "vladimir ONEAR/0 putin"), 3);

    /* expect* is the OR of every form of the dictionary starting with "expect" */
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    char ors[4096] = "";
    uint32_t forms = 0;
    for (uint32_t sg = 0; sg < quire_index_segment_count(ix); sg++) {
        quire_segment_term_iter it;
        quire_bytes k;
        quire_term t;
        cr_assert_eq(quire_segment_terms_seek(&it, quire_index_segment(ix, sg), QUIRE_TERM_FORM,
                                              quire_bytes_of("", 0)),
                     QUIRE_OK);
        while (quire_segment_terms_next(&it, &k, &t) == QUIRE_OK) {
            if (k.len < 6 || memcmp(k.ptr, "expect", 6) != 0)
                continue;
            char one[128];
            snprintf(one, sizeof one, "%s\"%.*s\"", forms ? " OR " : "", (int)k.len,
                     (const char *)k.ptr);
            strncat(ors, one, sizeof ors - strlen(ors) - 1);
            forms++;
        }
    }
    quire_index_close(ix);
    cr_expect_geq(forms, 2, "expect, expecting...: %s", ors);
    char want[64];
    sample_hits(want, sizeof want, s, ors);
    expect_sample(s, "expect*", want);
    expect_sample(s, "expect*", "000 001 003 004");
    expect_sample(s, "Uzbek*", "003 004");
    expect_sample(s, "title:putin*", "000 001 002 003 004"); /* every title names him */

    /* a quote with an ellipsis: each part exact, in order, at most 32 words between; 003
     * (and 000) say "We are expecting you, dear Mr Chairman, dear friend, we are expecting
     * you next spring"; 002 says "We are waiting for you, dear Mr. President ... We are
     * waiting for you next spring" */
    expect_sample(s, "\"We are expecting you \xe2\x80\xa6 we are expecting you next spring\"",
                  "000 003");
    expect_sample(s, "\"We are expecting you ... next spring\"", "000 003");
    expect_sample(s, "\"We are waiting for you ... next spring\"", "002");
    expect_sample(s, "\"We are expecting you ... Mr. President\"", "");
    expect_sample(s, "\"next spring ... we are expecting you\"", ""); /* in order only */
    expect_sample(s, "\"dear Mr Chairman ... dear friend ... state visit\"", "000 003");
    expect_sample(s, "~\"we are expected you ... next springs\"", "000 003");
    expect_sample(s, "~\"we expect you ... next spring\"", ""); /* "are" left out */
    /* in the title alone: 000, 002 and 003 name both in theirs, 001 only in its text */
    expect_sample(s, "title:\"Vladimir Putin ... Xi Jinping\"", "000 002 003");
    expect_sample(s, "\"Vladimir Putin ... Xi Jinping\"", "000 001 002 003 004");
    /* once per occurrence of the last part that ends a chain: 000 and 003 have one each */
    cr_expect_eq(occurrences(s, "\"We are expecting you ... next spring\""), 2);
    expect_sample(s, "zzzz*", "");

    search_close(s);
    free(idx);
    remove_tmp(dir);
}

Test(near, a_prefix_of_too_many_forms_is_refused)
{
    char *dir = make_tmp();
    char path[4200];
    snprintf(path, sizeof path, "%s/many.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fprintf(f, "Many words\n\n");
    /* zq + three letters: 1100 distinct forms; zqa + two letters: 26 * 26 = 676 */
    for (uint32_t i = 0; i < 1100; i++)
        fprintf(f, "zq%c%c%c%s", 'a' + i / 676, 'a' + i / 26 % 26, 'a' + i % 26,
                i % 20 == 19 ? "\n" : " ");
    fclose(f);
    char inputs[4300];
    snprintf(inputs, sizeof inputs, "'%s'", path);
    char *idx = index_inputs(dir, inputs);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    char msg[512];
    cr_expect_eq(query_status(s, "zq*", msg, sizeof msg), QUIRE_ELIMIT, "%s", msg);
    cr_expect(strstr(msg, "prefix 'zq*' matches more than 1024 words; make it longer") != NULL,
              "%s", msg);
    cr_expect_eq(query_status(s, "many OR zq*", msg, sizeof msg), QUIRE_ELIMIT, "%s", msg);
    cr_expect_eq(query_status(s, "zqa*", msg, sizeof msg), QUIRE_OK, "%s", msg);
    cr_expect_eq(occurrences(s, "zqa*"), 676);
    cr_expect_eq(occurrences(s, "zqb*"), 424);
    cr_expect_eq(occurrences(s, "title:man*"), 1);
    search_close(s);
    free(idx);
    remove_tmp(dir);
}

/* ---- the NEAR oracle ---- */

typedef struct operand {
    const uint32_t *seq; /* interned stems or forms */
    uint32_t len;
    bool stems;
} operand;

/* Starts of `op` in field f of d, into out (room for d->count[f]). */
static uint32_t brute_starts(const odoc *d, int f, const operand *op, uint32_t *out)
{
    const uint32_t *ids = op->stems ? d->stem[f] : d->form[f];
    uint32_t n = 0;
    for (uint32_t p = 0; p + op->len <= d->count[f]; p++) {
        uint32_t i = 0;
        while (i < op->len && ids[p + i] == op->seq[i])
            i++;
        if (i == op->len)
            out[n++] = p;
    }
    return n;
}

/* NEAR pairs in d, by definition: same field, no overlap, at most `dist` words between
 * the end of the earlier and the start of the later; `ordered`: a first. */
static uint64_t brute_pairs(const odoc *d, const operand *a, const operand *b, uint32_t dist,
                            bool ordered, uint32_t *sa, uint32_t *sb)
{
    uint64_t pairs = 0;
    for (int f = 0; f < 2; f++) {
        const uint32_t na = brute_starts(d, f, a, sa), nb = brute_starts(d, f, b, sb);
        for (uint32_t i = 0; i < na; i++)
            for (uint32_t j = 0; j < nb; j++) {
                const int64_t x = sa[i], y = sb[j];
                if (y >= x + a->len && y - (x + a->len) <= dist)
                    pairs++;
                else if (!ordered && x >= y + b->len && x - (y + b->len) <= dist)
                    pairs++;
            }
    }
    return pairs;
}

/* The query text of an operand cut at d->field[f] tokens [start, start + len): kind 0 a
 * bare word (ASCII lower-cased, so that no word reads as an operator), 1 "forms", 2
 * ~"stems". */
static void operand_text(char *out, size_t cap, const odoc *d, int f, uint32_t start, uint32_t len,
                         int kind)
{
    out[0] = '\0';
    if (kind == 1)
        strncat(out, "\"", cap - strlen(out) - 1);
    if (kind == 2)
        strncat(out, "~\"", cap - strlen(out) - 1);
    for (uint32_t i = 0; i < len; i++) {
        if (i > 0)
            strncat(out, " ", cap - strlen(out) - 1);
        const size_t b = d->start[f][start + i], e = d->end[f][start + i];
        const size_t at = strlen(out);
        strncat(out, d->field[f] + b, e - b < cap - at - 1 ? e - b : 0);
        if (kind == 0)
            for (char *c = out + at; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
    }
    if (kind != 0)
        strncat(out, "\"", cap - strlen(out) - 1);
}

/* Whether the token bytes could be read as query syntax when bare. */
static bool plain_token(const odoc *d, int f, uint32_t t)
{
    for (size_t i = d->start[f][t]; i < d->end[f][t]; i++) {
        const char c = d->field[f][i];
        if (c == '*' || c == ':' || c == '(' || c == ')' || c == '"' || c == '~' || c == '-' ||
            c == '+' || (unsigned char)c >= 0x80)
            return false;
    }
    return true;
}

static void check_near(searcher *s, const corpus *c, const char *q, const operand *a,
                       const operand *b, uint32_t dist, bool ordered)
{
    uint32_t cap = 1;
    for (uint32_t i = 0; i < c->count; i++)
        for (int f = 0; f < 2; f++)
            if (c->docs[i].count[f] + 1 > cap)
                cap = c->docs[i].count[f] + 1;
    uint32_t *sa = malloc(cap * sizeof *sa), *sb = malloc(cap * sizeof *sb);
    uint64_t *want = malloc((c->count + 1) * sizeof *want);
    uint32_t want_count = 0;
    uint64_t want_pairs = 0;
    for (uint32_t i = 0; i < c->count; i++) {
        const uint64_t pairs = brute_pairs(&c->docs[i], a, b, dist, ordered, sa, sb);
        if (pairs > 0) {
            want[want_count++] = c->docs[i].doc_id;
            want_pairs += pairs;
        }
    }
    search_result r = query(s, q, c->count);
    cr_expect_eq(r.match_count, want_count, "%s: %llu matches, scan finds %u", q,
                 (unsigned long long)r.match_count, (unsigned)want_count);
    cr_expect(r.has_occurrences, "%s", q);
    cr_expect_eq(r.occurrence_count, want_pairs, "%s: %llu pairs, scan finds %llu", q,
                 (unsigned long long)r.occurrence_count, (unsigned long long)want_pairs);
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
    free(sa);
    free(sb);
    search_result_free(&r);
}

/* Chains of the parts parts[0..k) in d (parser.h part_count), by definition: in one field,
 * each part starting after the one before ends, at most `gap` words after; the count is
 * of the last part's occurrences that end one. */
static uint64_t brute_chains(const odoc *d, const operand *parts, uint32_t k, uint32_t gap,
                             uint32_t *prev, uint32_t *cur)
{
    uint64_t chains = 0;
    for (int f = 0; f < 2; f++) {
        uint32_t np = brute_starts(d, f, &parts[0], prev);
        for (uint32_t i = 1; i < k && np > 0; i++) {
            const uint32_t nc = brute_starts(d, f, &parts[i], cur);
            uint32_t kept = 0;
            for (uint32_t j = 0; j < nc; j++) {
                bool ok = false;
                for (uint32_t r = 0; r < np && !ok; r++)
                    ok = cur[j] >= prev[r] + parts[i - 1].len &&
                         cur[j] - (prev[r] + parts[i - 1].len) <= gap;
                if (ok)
                    cur[kept++] = cur[j];
            }
            memcpy(prev, cur, kept * sizeof *cur);
            np = kept;
        }
        chains += np;
    }
    return chains;
}

static void check_chain(searcher *s, const corpus *c, const char *q, const operand *parts,
                        uint32_t k)
{
    uint32_t cap = 1;
    for (uint32_t i = 0; i < c->count; i++)
        for (int f = 0; f < 2; f++)
            if (c->docs[i].count[f] + 1 > cap)
                cap = c->docs[i].count[f] + 1;
    uint32_t *prev = malloc(cap * sizeof *prev), *cur = malloc(cap * sizeof *cur);
    uint64_t *want = malloc((c->count + 1) * sizeof *want);
    uint32_t want_count = 0;
    uint64_t want_chains = 0;
    for (uint32_t i = 0; i < c->count; i++) {
        const uint64_t n = brute_chains(&c->docs[i], parts, k, QUERY_ELLIPSIS_GAP, prev, cur);
        if (n > 0) {
            want[want_count++] = c->docs[i].doc_id;
            want_chains += n;
        }
    }
    search_result r = query(s, q, c->count);
    cr_expect_eq(r.match_count, want_count, "%s: %llu matches, scan finds %u", q,
                 (unsigned long long)r.match_count, (unsigned)want_count);
    cr_expect(r.has_occurrences, "%s", q);
    cr_expect_eq(r.occurrence_count, want_chains, "%s: %llu chains, scan finds %llu", q,
                 (unsigned long long)r.occurrence_count, (unsigned long long)want_chains);
    uint64_t *got = malloc((r.hit_count + 1) * sizeof *got);
    for (uint32_t i = 0; i < r.hit_count; i++)
        got[i] = r.hits[i].doc_id;
    qsort(got, r.hit_count, sizeof *got, cmp_u64);
    for (uint32_t i = 0; i < r.hit_count && i < want_count; i++)
        if (got[i] != want[i]) {
            cr_expect_eq(got[i], want[i], "%s: hit %u is doc %llu, scan says %llu", q, (unsigned)i,
                         (unsigned long long)got[i], (unsigned long long)want[i]);
            break;
        }
    free(got);
    free(want);
    free(prev);
    free(cur);
    search_result_free(&r);
}

/* Forms (by interned id) starting with `prefix`, over the whole corpus. */
static void check_prefix(searcher *s, const corpus *c, const char *prefix, uint32_t *prefix_ok,
                         uint32_t *prefix_limited)
{
    const size_t plen = strlen(prefix);
    bool *hit = calloc(c->forms.count + 1, sizeof *hit);
    uint32_t forms = 0;
    for (uint32_t i = 0; i < c->forms.cap; i++)
        if (c->forms.keys[i] != NULL && strncmp(c->forms.keys[i], prefix, plen) == 0) {
            hit[c->forms.ids[i]] = true;
            forms++;
        }
    cr_assert_gt(forms, 0, "%s: the scan misses the form it was cut from", prefix);
    char q[256];
    snprintf(q, sizeof q, "%s*", prefix);
    if (forms > QUERY_MAX_PREFIX_TERMS) {
        char msg[512];
        cr_expect_eq(query_status(s, q, msg, sizeof msg), QUIRE_ELIMIT, "%s: %u forms", q,
                     (unsigned)forms);
        cr_expect(strstr(msg, "make it longer") != NULL, "%s", msg);
        (*prefix_limited)++;
        free(hit);
        return;
    }
    uint32_t want = 0;
    uint64_t want_occ = 0;
    uint64_t *want_ids = malloc((c->count + 1) * sizeof *want_ids);
    for (uint32_t i = 0; i < c->count; i++) {
        uint32_t occ = 0;
        for (int f = 0; f < 2; f++)
            for (uint32_t t = 0; t < c->docs[i].count[f]; t++)
                occ += hit[c->docs[i].form[f][t]];
        if (occ > 0) {
            want_ids[want++] = c->docs[i].doc_id;
            want_occ += occ;
        }
    }
    search_result r = query(s, q, c->count);
    cr_expect_eq(r.match_count, want, "%s: %llu matches, scan finds %u (%u forms)", q,
                 (unsigned long long)r.match_count, (unsigned)want, (unsigned)forms);
    cr_expect_eq(r.occurrence_count, want_occ, "%s: %llu occurrences, scan finds %llu", q,
                 (unsigned long long)r.occurrence_count, (unsigned long long)want_occ);
    uint64_t *got = malloc((r.hit_count + 1) * sizeof *got);
    for (uint32_t i = 0; i < r.hit_count; i++)
        got[i] = r.hits[i].doc_id;
    qsort(got, r.hit_count, sizeof *got, cmp_u64);
    for (uint32_t i = 0; i < r.hit_count && i < want; i++)
        if (got[i] != want_ids[i]) {
            cr_expect_eq(got[i], want_ids[i], "%s: hit %u differs", q, (unsigned)i);
            break;
        }
    (*prefix_ok)++;
    free(got);
    free(want_ids);
    free(hit);
    search_result_free(&r);
}

Test(near, agrees_with_a_brute_force_scan_of_the_stored_text, .timeout = 600)
{
    char *dir = make_tmp();
    char *idx = cacm_reuters_index(dir, 2000);
    corpus c;
    load_corpus(&c, idx);
    cr_assert_gt(c.count, 5000);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    uint32_t done = 0, ordered_done = 0, title_done = 0, phrase_done = 0, long_done = 0;
    char q[2 * 4096 + 64], ta[4096], tb[4096];
    while (done < 150) {
        const odoc *d = &c.docs[rnd(c.count)];
        const int f = d->count[0] >= 3 && (rnd(4) == 0 || d->count[1] < 3) ? 0 : 1;
        if (d->count[f] < 3)
            continue;
        const int kind_a = (int)rnd(3), kind_b = (int)rnd(3);
        const uint32_t la = kind_a == 0 ? 1 : 1 + rnd(3), lb = kind_b == 0 ? 1 : 1 + rnd(3);
        /* mostly short gaps; one in six past 32 words, where the pair count takes its
         * other path (phrase.c: count_pairs_window up to 32, count_pairs_sweeps beyond) */
        const uint32_t gap = rnd(6) == 0 ? 30 + rnd(20) : rnd(12);
        if (la + gap + lb > d->count[f])
            continue;
        const uint32_t pa = rnd(d->count[f] - (la + gap + lb) + 1), pb = pa + la + gap;
        if ((kind_a == 0 && !plain_token(d, f, pa)) || (kind_b == 0 && !plain_token(d, f, pb)))
            continue;
        operand a = {kind_a == 1 ? d->form[f] + pa : d->stem[f] + pa, la, kind_a != 1};
        operand b = {kind_b == 1 ? d->form[f] + pb : d->stem[f] + pb, lb, kind_b != 1};
        operand_text(ta, sizeof ta, d, f, pa, la, kind_a);
        operand_text(tb, sizeof tb, d, f, pb, lb, kind_b);
        /* n around the gap: sometimes too small, so that some pairs fail */
        const uint32_t dist = rnd(4) == 0 ? rnd(gap + 1) : gap + rnd(6);
        const bool ordered = rnd(3) == 0;
        const bool swap = !ordered && rnd(2) == 0; /* NEAR is unordered: b first too */
        snprintf(q, sizeof q, "%s %s/%u %s", swap ? tb : ta, ordered ? "ONEAR" : "NEAR",
                 (unsigned)dist, swap ? ta : tb);
        check_near(s, &c, q, swap ? &b : &a, swap ? &a : &b, dist, ordered);
        if (ordered) { /* and the other way round */
            snprintf(q, sizeof q, "%s ONEAR/%u %s", tb, (unsigned)dist, ta);
            check_near(s, &c, q, &b, &a, dist, true);
            ordered_done++;
        }
        title_done += f == 0;
        phrase_done += la > 1 || lb > 1;
        long_done += dist > 32;
        done++;
    }
    cr_expect_gt(long_done, 5);
    cr_expect_gt(ordered_done, 20);
    cr_expect_gt(title_done, 10);
    cr_expect_gt(phrase_done, 50);

    /* quotes with an ellipsis: 2..4 parts of 1..3 words, gaps of 0..40 words between
     * them (beyond 32 the cut document no longer matches, others may), exact or ~stems */
    static const char *const dots[] = {" \xe2\x80\xa6 ", "...", " ... ", "\xe2\x80\xa6", " .... "};
    uint32_t chains_done = 0, long_gaps = 0;
    while (chains_done < 120) {
        const odoc *d = &c.docs[rnd(c.count)];
        const int f = d->count[0] >= 4 && (rnd(5) == 0 || d->count[1] < 4) ? 0 : 1;
        const uint32_t k = 2 + rnd(3);
        const bool stems = rnd(4) == 0;
        operand parts[4];
        uint32_t at = rnd(d->count[f] / 2 + 1), len[4], gaps[4] = {0};
        bool fits = true;
        for (uint32_t i = 0; i < k && fits; i++) {
            if (i > 0) {
                gaps[i] = rnd(5) == 0 ? 28 + rnd(13) : rnd(12);
                at += gaps[i];
            }
            len[i] = 1 + rnd(3);
            fits = at + len[i] <= d->count[f];
            if (fits)
                parts[i] = (operand){stems ? d->stem[f] + at : d->form[f] + at, len[i], stems};
            if (fits)
                at += len[i];
        }
        if (!fits)
            continue;
        char body[4096] = "";
        strncat(body, stems ? "~\"" : "\"", sizeof body - 1);
        for (uint32_t i = 0, from = (uint32_t)(parts[0].seq - (stems ? d->stem[f] : d->form[f]));
             i < k; i++) {
            if (i > 0) {
                strncat(body, dots[rnd(5)], sizeof body - strlen(body) - 1);
                from = (uint32_t)(parts[i].seq - (stems ? d->stem[f] : d->form[f]));
            }
            for (uint32_t w = 0; w < len[i]; w++) {
                if (w > 0)
                    strncat(body, " ", sizeof body - strlen(body) - 1);
                const size_t b = d->start[f][from + w], e = d->end[f][from + w];
                /* a token holding dots or a quote would read as syntax: skip the case */
                if (memchr(d->field[f] + b, '.', e - b) || memchr(d->field[f] + b, '"', e - b))
                    fits = false;
                strncat(body, d->field[f] + b, e - b < sizeof body - strlen(body) - 1 ? e - b : 0);
            }
        }
        if (!fits || has_quote(body + 1))
            continue;
        strncat(body, "\"", sizeof body - strlen(body) - 1);
        for (uint32_t i = 1; i < k; i++)
            long_gaps += gaps[i] > QUERY_ELLIPSIS_GAP;
        check_chain(s, &c, body, parts, k);
        chains_done++;
    }
    cr_expect_gt(long_gaps, 5);

    /* prefixes of real forms, 2 characters and more */
    uint32_t prefix_ok = 0, prefix_limited = 0, tries = 0;
    while (prefix_ok + prefix_limited < 60 && tries++ < 100000) {
        const odoc *d = &c.docs[rnd(c.count)];
        const int f = rnd(3) == 0 ? 0 : 1;
        if (d->count[f] == 0)
            continue;
        const uint32_t t = rnd(d->count[f]);
        const char *key = NULL;
        for (uint32_t i = 0; i < c.forms.cap && key == NULL; i++)
            if (c.forms.keys[i] != NULL && c.forms.ids[i] == d->form[f][t])
                key = c.forms.keys[i];
        cr_assert(key != NULL);
        size_t len = 0;
        while (key[len] &&
               ((key[len] >= 'a' && key[len] <= 'z') || (key[len] >= '0' && key[len] <= '9')))
            len++;
        if (key[len] != '\0' || len < 2)
            continue;
        char prefix[64];
        const size_t plen = 2 + rnd((uint32_t)(len < 40 ? len : 40) - 1);
        snprintf(prefix, sizeof prefix, "%.*s", (int)plen, key);
        check_prefix(s, &c, prefix, &prefix_ok, &prefix_limited);
    }
    cr_expect_gt(prefix_ok, 30);

    search_close(s);
    free_corpus(&c);
    free(idx);
    remove_tmp(dir);
}
