/*
 * test_approx.c - approximate quotes ("..."~, query/approx.h) end to end on indexes
 * written by the quire-index program:
 *   - the examples of issue #11 on the sample articles of tests/data;
 *   - the oracle: hundreds of quotes of 2..14 words cut from the stored text of the first
 *     3000 Reuters-21578 articles, perturbed (words substituted by other words of the
 *     corpus, dropped, inserted, re-spelled, re-cased, re-punctuated), must match exactly
 *     the documents, with the same closeness, that a brute-force scan finds: every
 *     document re-tokenized from its stored text, every window of every field scored by
 *     the alignment's dynamic programme over its tokens, words classified by comparing
 *     strings (form, stem, distance to every distinct form of the corpus), weights from
 *     the scan's own document frequencies;
 *   - bad input and bounded work: a one-word quote, a closeness out of range, a quote
 *     longer than the limit, a quote of 64 times the same word against a document of
 *     that word repeated.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approx.h"
#include "fuzzy.h"
#include "oracle_corpus.h"
#include "quire/analysis.h"
#include "test_util.h"
#include "corpus_fixture.h"
#include "sample_hits.h"

/* The article numbers (000..004) of the hits in rank order, space-separated. */
static void ranked_hits(char *out, size_t cap, searcher *s, const char *q)
{
    search_result r = query(s, q, 100);
    out[0] = '\0';
    for (uint32_t i = 0; i < r.hit_count; i++) {
        const char *base = strrchr(r.hits[i].external_id, '/');
        base = base ? base + 1 : r.hits[i].external_id;
        char num[8];
        snprintf(num, sizeof num, "%s%.3s", i ? " " : "", base);
        strncat(out, num, cap - strlen(out) - 1);
    }
    search_result_free(&r);
}

static searcher *open_sample(char **dir_out, char **idx_out)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char *dir = make_tmp();
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s'/tests/data/00?_*.txt", src);
    char *idx = index_inputs(dir, inputs);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    *dir_out = dir;
    *idx_out = idx;
    return s;
}

Test(approx, finds_the_renderings_of_the_sample_corpus)
{
    char *dir, *idx;
    searcher *s = open_sample(&dir, &idx);
    char got[256];
    /* 002: "We are waiting for you, dear Mr. President"; 000 and 003: "We are expecting
     * you, dear Mr Chairman" */
    ranked_hits(got, sizeof got, s, "\"We are waiting for you, dear Mr Chairman\"");
    cr_expect_str_eq(got, "", "the exact quote finds nothing");
    ranked_hits(got, sizeof got, s, "\"We are waiting for you, dear Mr Chairman\"~");
    cr_expect_str_eq(got, "002 000 003");
    ranked_hits(got, sizeof got, s, "\"We are expecting you, dear Mr Chairman\"~");
    cr_expect_str_eq(got, "000 003 002", "the exact renderings first");
    search_result r = query(s, "\"We are expecting you, dear Mr Chairman\"~", 10);
    cr_assert_eq(r.hit_count, 3);
    cr_expect_float_eq(r.hits[0].score, 1.0, 1e-12);
    cr_expect_float_eq(r.hits[1].score, 1.0, 1e-12);
    cr_expect_lt(r.hits[2].score, 1.0);
    search_result_free(&r);

    /* the exact quote stays exact; with ~ the renderings with words between the names */
    ranked_hits(got, sizeof got, s, "\"Vladimir Putin and Xi Jinping\"");
    cr_expect_str_eq(got, "000");
    ranked_hits(got, sizeof got, s, "\"Vladimir Putin and Xi Jinping\"~");
    cr_expect_str_eq(got, "000 001", "001: Vladimir Putin and Chinese President Xi Jinping");
    /* a lower threshold takes in "Xi Jinping" alone (2 of 5 words as heavy) */
    ranked_hits(got, sizeof got, s, "\"Vladimir Putin and Xi Jinping\"~0.4");
    cr_expect_str_eq(got, "000 001 002 003 004");

    /* names match their variants: 001 spells Zelenskyy, 002 Zelenskiy */
    ranked_hits(got, sizeof got, s, "\"president Volodymyr Zelensky\"~");
    cr_expect(strstr(got, "001") != NULL && strstr(got, "002") != NULL, "%s", got);
    search_close(s);
    free(idx);
    remove_tmp(dir);
}

static int query_error(searcher *s, const char *q, const char *want)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    search_result r;
    const int rc = search_query(&r, s, &o);
    cr_expect_neq(rc, QUIRE_OK, "%s should fail", q);
    if (rc == QUIRE_OK)
        search_result_free(&r);
    else
        cr_expect(strstr(quire_errmsg(), want) != NULL, "%s: '%s' lacks '%s'", q, quire_errmsg(),
                  want);
    return rc;
}

Test(approx, bad_input_gets_a_clear_message_and_work_stays_bounded)
{
    char *dir, *idx;
    searcher *s = open_sample(&dir, &idx);
    query_error(s, "\"Putin\"~", "at least 2 words");
    query_error(s, "\"Putin Xi\"~5", "not a number of words");
    query_error(s, "\"Putin Xi\"~0", "above 0 and at most 1");
    query_error(s, "\"Putin Xi\"~1.2", "above 0 and at most 1");
    query_error(s, "~\"Putin Xi\"~", "matches stems already");
    query_error(s, "\"Putin Xi\"~ NEAR/3 china", "NEAR");
    query_error(s, "\"Putin Xi~7\"~", "must be 0, 1 or 2");
    query_error(s, "\"Putin Xi~\"", "needs an approximate quote");
    query_error(s, "zelensky~3", "must be 0, 1 or 2");
    query_error(s, "~ putin", "~ must follow");
    query_error(s, "zel*~", "prefix");
    /* a 1,000-word quote is refused at once, not searched */
    char *q = malloc(1000 * 8 + 8);
    strcpy(q, "\"");
    for (int i = 0; i < 1000; i++)
        strcat(q, i % 2 ? "putin " : "and ");
    strcat(q, "\"~");
    cr_expect_eq(query_error(s, q, "more than 64 words"), QUIRE_ELIMIT);
    /* 64 words, every one the same common word: bounded by the window bound */
    strcpy(q, "\"");
    for (int i = 0; i < 64; i++)
        strcat(q, "the ");
    strcat(q, "\"~");
    search_result r = query(s, q, 10);
    cr_expect_eq(r.match_count, 0, "64 times 'the' is nowhere");
    search_result_free(&r);
    free(q);
    search_close(s);
    free(idx);
    remove_tmp(dir);
}

/* ---- the oracle ---- */

typedef struct oracle {
    corpus c;
    char **form_name; /* by form id */
    uint32_t *form_cps_n;
    uint32_t **form_cps;
    uint64_t *stem_df;                /* documents holding each stem id */
    uint64_t *exact, *stem, *variant; /* per form / stem id: bit i = quote word i */
} oracle;

/* A form's id in the corpus, or UINT32_MAX (no insertion). */
static uint32_t lookup_id(const intern *t, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    for (uint32_t i = (uint32_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->keys[i] == NULL)
            return UINT32_MAX;
        if (strlen(t->keys[i]) == len && memcmp(t->keys[i], s, len) == 0)
            return t->ids[i];
    }
}

static void oracle_init(oracle *o, const char *idx)
{
    load_corpus(&o->c, idx);
    const uint32_t nf = o->c.forms.count, ns = o->c.stems.count;
    o->form_name = calloc(nf, sizeof *o->form_name);
    o->form_cps = calloc(nf, sizeof *o->form_cps);
    o->form_cps_n = calloc(nf, sizeof *o->form_cps_n);
    for (uint32_t i = 0; i < o->c.forms.cap; i++)
        if (o->c.forms.keys[i] != NULL)
            o->form_name[o->c.forms.ids[i]] = o->c.forms.keys[i];
    for (uint32_t f = 0; f < nf; f++) {
        o->form_cps[f] = malloc(FUZZY_MAX_CHARS * sizeof(uint32_t));
        o->form_cps_n[f] = fuzzy_decode(o->form_cps[f], o->form_name[f], strlen(o->form_name[f]));
    }
    o->stem_df = calloc(ns, sizeof *o->stem_df);
    uint32_t *seen = calloc(ns, sizeof *seen);
    for (uint32_t d = 0; d < o->c.count; d++)
        for (int f = 0; f < 2; f++)
            for (uint32_t k = 0; k < o->c.docs[d].count[f]; k++) {
                const uint32_t st = o->c.docs[d].stem[f][k];
                if (seen[st] != d + 1) {
                    seen[st] = d + 1;
                    o->stem_df[st]++;
                }
            }
    free(seen);
    o->exact = calloc(nf, sizeof *o->exact);
    o->variant = calloc(nf, sizeof *o->variant);
    o->stem = calloc(ns, sizeof *o->stem);
}

static void oracle_free(oracle *o)
{
    for (uint32_t f = 0; f < o->c.forms.count; f++)
        free(o->form_cps[f]);
    free(o->form_cps);
    free(o->form_cps_n);
    free(o->form_name);
    free(o->stem_df);
    free(o->exact);
    free(o->variant);
    free(o->stem);
    free_corpus(&o->c);
}

typedef struct qword {
    char form[QUIRE_MAX_TERM_BYTES + 8];
    char stem[QUIRE_MAX_TERM_BYTES + 8];
    bool capital; /* typed with a capital: a name, which matches its variants */
    double weight;
} qword;

static uint32_t words_with_variants; /* quote words with a variant in the corpus */

/* The brute-force closeness of every document for the quote words q[0..m) (forms and
 * stems as the analyzer gives them); returns false when a word has more variants than
 * the engine searches (the scan would not know which it keeps). */
static bool oracle_score(oracle *o, qword *q, uint32_t m, bool title_only, double *closeness)
{
    const uint32_t nf = o->c.forms.count;
    const double n_docs = (double)o->c.count;
    double total = 0;
    uint32_t *touched_f = malloc(((size_t)m * (FUZZY_MAX_FORMS + 2) + 1) * sizeof *touched_f);
    uint32_t *touched_s = malloc(((size_t)m + 1) * sizeof *touched_s);
    uint32_t nt_f = 0, nt_s = 0;
    bool ok = true;
    for (uint32_t i = 0; i < m; i++) {
        const uint32_t fid = lookup_id(&o->c.forms, q[i].form, strlen(q[i].form));
        const uint32_t sid = lookup_id(&o->c.stems, q[i].stem, strlen(q[i].stem));
        double df = sid == UINT32_MAX ? 0 : (double)o->stem_df[sid];
        if (df < 1)
            df = 1;
        q[i].weight = 1.0 + log(1.0 + (n_docs - df + 0.5) / (df + 0.5));
        total += q[i].weight;
        if (fid != UINT32_MAX) {
            o->exact[fid] |= 1ull << i;
            touched_f[nt_f++] = fid;
        }
        if (sid != UINT32_MAX) {
            o->stem[sid] |= 1ull << i;
            touched_s[nt_s++] = sid;
        }
        uint32_t cps[FUZZY_MAX_CHARS];
        const uint32_t nc = fuzzy_decode(cps, q[i].form, strlen(q[i].form));
        if (!q[i].capital || nc < APPROX_VARIANT_CHARS)
            continue;
        const uint32_t max = APPROX_NAME_DISTANCE;
        uint32_t variants = 0;
        for (uint32_t f = 0; f < nf; f++)
            if (fuzzy_distance(o->form_cps[f], o->form_cps_n[f], cps, nc, max) <= max) {
                if (++variants > FUZZY_MAX_FORMS) {
                    ok = false;
                    break;
                }
                o->variant[f] |= 1ull << i;
                touched_f[nt_f++] = f;
            }
        words_with_variants += variants > 1;
    }
    const uint32_t L = m + m / 2 + 2;
    const double c = 0.25 * total / m;
    double *prev = malloc((m + 1) * sizeof *prev), *cur = malloc((m + 1) * sizeof *cur);
    double *gain = malloc((size_t)(L + 1) * (m + 1) * sizeof *gain);
    for (uint32_t d = 0; d < o->c.count && ok; d++) {
        double best = -1e300;
        const odoc *od = &o->c.docs[d];
        for (int f = 0; f < (title_only ? 1 : 2); f++) {
            const uint32_t n = od->count[f];
            for (uint32_t a = 0; a < n; a++) {
                /* A window starting on a token that is none of the quote's words scores
                 * at most the window without that token (it is inserted or substituted):
                 * skip it, the shorter one is scored too. */
                const uint64_t any =
                    o->exact[od->form[f][a]] | o->variant[od->form[f][a]] | o->stem[od->stem[f][a]];
                if (any == 0)
                    continue;
                const uint32_t len = n - a < L ? n - a : L;
                for (uint32_t i = 0; i <= m; i++)
                    prev[i] = 0;
                for (uint32_t j = 1; j <= len; j++) {
                    const uint32_t t = a + j - 1;
                    const uint64_t ex = o->exact[od->form[f][t]], st = o->stem[od->stem[f][t]],
                                   va = o->variant[od->form[f][t]];
                    cur[0] = prev[0] - c;
                    for (uint32_t i = 1; i <= m; i++) {
                        const uint64_t bit = 1ull << (i - 1);
                        const double g = q[i - 1].weight * ((ex & bit)   ? 1.0
                                                            : (st & bit) ? 0.9
                                                            : (va & bit) ? 0.8
                                                                         : 0.0);
                        double v = cur[i - 1];
                        if (prev[i] - c > v)
                            v = prev[i] - c;
                        if (prev[i - 1] + g > v)
                            v = prev[i - 1] + g;
                        cur[i] = v;
                    }
                    if (cur[m] > best)
                        best = cur[m];
                    double *tmp = prev;
                    prev = cur;
                    cur = tmp;
                }
            }
        }
        closeness[d] = best / total;
    }
    for (uint32_t k = 0; k < nt_f; k++)
        o->exact[touched_f[k]] = o->variant[touched_f[k]] = 0;
    for (uint32_t k = 0; k < nt_s; k++)
        o->stem[touched_s[k]] = 0;
    free(touched_f);
    free(touched_s);
    free(prev);
    free(cur);
    free(gain);
    return ok;
}

static const char *const separators[] = {" ", " ", " ", ", ", " - ", "; ", " (", ") ", ": ", "\n"};

Test(approx, agrees_with_a_brute_force_scan_of_every_window, .timeout = 900)
{
    char *dir = make_tmp();
    char *idx = corpus_head_index(dir, "reuters21578", 3000);
    oracle o;
    oracle_init(&o, idx);
    cr_assert_gt(o.c.count, 2900);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    quire_analyzer *an = NULL;
    const quire_analyzer_opts opts = {"english", false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK);

    static const double thresholds[] = {0.6, 0.6, 0.4, 0.5, 0.75, 0.9};
    double *want = malloc(o.c.count * sizeof *want);
    uint32_t done = 0, skipped = 0, docs_compared = 0, above = 0, exact_ones = 0;
    uint32_t perturbed = 0;
    char body[8192], q[9000];
    while (done < 300) {
        const odoc *d = &o.c.docs[rnd(o.c.count)];
        const bool title = d->count[0] >= 3 && rnd(6) == 0;
        const int f = title ? 0 : 1;
        if (d->count[f] < 3)
            continue;
        uint32_t n = 2 + rnd(title ? 4 : 13);
        if (n > d->count[f])
            n = d->count[f];
        const uint32_t start = rnd(d->count[f] - n + 1);
        /* the quote's words (forms), then perturbed */
        char words[40][QUIRE_MAX_TERM_BYTES + 8];
        uint32_t nw = 0;
        for (uint32_t i = 0; i < n; i++)
            snprintf(words[nw++], sizeof words[0], "%s", o.form_name[d->form[f][start + i]]);
        /* some words capitalised: names, which match their variants */
        for (uint32_t i = 0; i < nw; i++)
            if (rnd(3) == 0 && words[i][0] >= 'a' && words[i][0] <= 'z')
                words[i][0] = (char)(words[i][0] - 'a' + 'A');
        const uint32_t edits = rnd(4);
        perturbed += edits > 0;
        for (uint32_t e = 0; e < edits; e++) {
            const uint32_t op = rnd(5), at = rnd(nw);
            const odoc *other = &o.c.docs[rnd(o.c.count)];
            const char *random_word =
                other->count[1] > 0 ? o.form_name[other->form[1][rnd(other->count[1])]] : "zz";
            if (op == 0) { /* substituted */
                snprintf(words[at], sizeof words[0], "%s", random_word);
            } else if (op == 1 && nw > 2) { /* dropped */
                memmove(words[at], words[at + 1], (nw - at - 1) * sizeof words[0]);
                nw--;
            } else if (op == 2 && nw < 40) { /* inserted */
                memmove(words[at + 1], words[at], (nw - at) * sizeof words[0]);
                snprintf(words[at], sizeof words[0], "%s", random_word);
                nw++;
            } else if (op == 3) { /* re-spelled: a letter doubled, or y for i */
                char *w = words[at];
                const size_t len = strlen(w);
                char *y = strchr(w, 'i');
                if (y != NULL && rnd(2) == 0) {
                    *y = 'y';
                } else if (len > 0 && len + 1 < sizeof words[0]) {
                    const size_t k = rnd((uint32_t)len);
                    memmove(w + k + 1, w + k, len - k + 1);
                }
            } else { /* re-cased */
                if (words[at][0] >= 'a' && words[at][0] <= 'z')
                    words[at][0] = (char)(words[at][0] - 'a' + 'A');
            }
        }
        body[0] = '\0';
        for (uint32_t i = 0; i < nw; i++) {
            if (i > 0)
                strncat(body, separators[rnd(sizeof separators / sizeof separators[0])],
                        sizeof body - strlen(body) - 1);
            strncat(body, words[i], sizeof body - strlen(body) - 1);
        }
        /* the words as the parser will see them: a quote, tokenised with stems */
        qword qw[64];
        uint32_t m = 0;
        quire_token_iter it;
        quire_token tok;
        quire_tokens_begin(&it, an, body, strlen(body), 0, true);
        while (m < 64 && quire_tokens_next(&it, &tok)) {
            snprintf(qw[m].form, sizeof qw[m].form, "%s", tok.form);
            snprintf(qw[m].stem, sizeof qw[m].stem, "%s", tok.stem);
            qw[m].capital = body[tok.byte_start] >= 'A' && body[tok.byte_start] <= 'Z';
            m++;
        }
        if (m < 2 || strpbrk(body, "\"~*") != NULL || has_quote(body))
            continue;
        const double tau = thresholds[rnd(sizeof thresholds / sizeof thresholds[0])];
        if (!oracle_score(&o, qw, m, title, want)) {
            skipped++;
            continue;
        }
        snprintf(q, sizeof q, "%s\"%s\"~%g", title ? "title:" : "", body, tau);
        search_result r = query(s, q, o.c.count);
        /* every hit is at or above the threshold in the scan, with the same closeness */
        uint32_t got_above = 0;
        for (uint32_t h = 0; h < r.hit_count; h++) {
            const uint64_t id = r.hits[h].doc_id;
            cr_assert_lt(id, o.c.count);
            cr_assert_eq(o.c.docs[id].doc_id, id);
            cr_expect_geq(want[id], tau - 1e-7, "%s: hit doc %llu scans at %.9f", q,
                          (unsigned long long)id, want[id]);
            cr_expect_float_eq(r.hits[h].score, want[id], 1e-9, "%s: doc %llu: %.12f, scan %.12f",
                               q, (unsigned long long)id, r.hits[h].score, want[id]);
            got_above++;
            exact_ones += r.hits[h].score == 1.0;
        }
        /* every document the scan puts above the threshold is a hit */
        uint32_t scan_above = 0, near = 0;
        for (uint32_t k = 0; k < o.c.count; k++) {
            if (want[k] >= tau + 1e-7)
                scan_above++;
            else if (want[k] >= tau - 1e-7)
                near++;
        }
        cr_expect(got_above >= scan_above && got_above <= scan_above + near,
                  "%s: %u hits, the scan %u (+%u at the threshold)", q, got_above, scan_above,
                  near);
        cr_expect_eq(r.match_count, r.hit_count);
        above += got_above;
        docs_compared += o.c.count;
        search_result_free(&r);
        done++;
    }
    cr_log_info("%u quotes (%u perturbed), %u skipped (a word past the variant cap); %u hits, "
                "%u of them exact; %u names with variants",
                done, perturbed, skipped, above, exact_ones, words_with_variants);
    cr_expect_gt(words_with_variants, 50, "variants are exercised");
    cr_expect_lt(skipped, done / 10);
    cr_expect_gt(above, done, "the quotes find their sources and more");
    free(want);
    quire_analyzer_free(an);
    search_close(s);
    oracle_free(&o);
    free(idx);
    remove_tmp(dir);
}
