/*
 * test_rerank.c - the options beyond BM25 (rerank.h: title weight, proximity; feedback.h:
 * RM3) against naive implementations written here from the raw documents, on a random
 * corpus (Zipf-distributed words, titles of 0-4 words) in one segment and in three, and
 * random bag-of-words queries with stopwords and repeated words. The corpus is smaller
 * than RERANK_DEPTH, so every match is rescored and the whole ranking must agree.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_fixture.h"

#define DOCS    60
#define VOCAB   120
#define QUERIES 30
#define K1      1.2
#define B       0.75

static const char *const stop_words[] = {"the", "of", "and", "in", "to", "is"};
#define STOPS (sizeof stop_words / sizeof stop_words[0])

static uint64_t rng = 20261201;
static uint32_t next_rand(uint32_t n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)((rng >> 33) % n);
}

/* A word: a stopword one time in five, else content word i with p ~ 1/(i+1). */
static void pick_word(char *out, size_t cap)
{
    if (next_rand(5) == 0) {
        snprintf(out, cap, "%s", stop_words[next_rand(STOPS)]);
        return;
    }
    static double cdf[VOCAB];
    if (cdf[VOCAB - 1] == 0) {
        double sum = 0;
        for (int i = 0; i < VOCAB; i++)
            cdf[i] = (sum += 1.0 / (i + 1));
        for (int i = 0; i < VOCAB; i++)
            cdf[i] /= sum;
    }
    const double u = next_rand(1000000) / 1e6;
    int i = 0;
    while (i < VOCAB - 1 && cdf[i] < u)
        i++;
    snprintf(out, cap, "k%dx", i); /* letters and digits: its own stem */
}

static char *words(uint32_t n)
{
    char *s = calloc(1, (size_t)n * 12 + 1);
    cr_assert(s != NULL);
    for (uint32_t i = 0; i < n; i++) {
        char w[16];
        pick_word(w, sizeof w);
        if (i > 0)
            strcat(s, " ");
        strcat(s, w);
    }
    return s;
}

static fx_doc docs[DOCS];
static char ids[DOCS][8];
static char *queries[QUERIES];

static void make_corpus(void)
{
    rng = 20261201;
    for (uint32_t d = 0; d < DOCS; d++) {
        snprintf(ids[d], sizeof ids[d], "d%u", d);
        docs[d].id = ids[d];
        docs[d].title = words(next_rand(5));
        docs[d].text = words(5 + next_rand(40));
    }
    for (uint32_t q = 0; q < QUERIES; q++) {
        char *s = words(1 + next_rand(5));
        if (q % 4 == 0) { /* a word given twice */
            char *t = malloc(2 * strlen(s) + 2);
            sprintf(t, "%s %s", s, s);
            free(s);
            s = t;
        }
        queries[q] = s;
    }
}

static void free_corpus(void)
{
    for (uint32_t d = 0; d < DOCS; d++) {
        free((char *)docs[d].title);
        free((char *)docs[d].text);
    }
    for (uint32_t q = 0; q < QUERIES; q++)
        free(queries[q]);
}

/* ---- the naive model ---- */

typedef struct naive {
    fx_tokens *tok[DOCS];
    double avgdl, avg_title;
    quire_analyzer *an;
} naive;

static void naive_init(naive *n)
{
    n->an = fx_analyzer();
    double total = 0, titles = 0;
    for (uint32_t d = 0; d < DOCS; d++) {
        n->tok[d] = fx_analyse(n->an, &docs[d]);
        total += n->tok[d]->count;
        titles += n->tok[d]->title_len;
    }
    n->avgdl = total / DOCS;
    n->avg_title = titles / DOCS;
}

static void naive_free(naive *n)
{
    for (uint32_t d = 0; d < DOCS; d++)
        fx_tokens_free(n->tok[d]);
    quire_analyzer_free(n->an);
}

/* A weighted bag of stems, in the order quire numbers them. */
typedef struct bag {
    char *stem[64];
    double weight[64]; /* (1 + repeats) * boost */
    double boost[64];
    uint32_t count;
} bag;

static uint32_t tf_of(const fx_tokens *t, const char *stem, uint32_t *in_title)
{
    uint32_t tf = 0, tt = 0;
    for (uint32_t i = 0; i < t->count; i++)
        if (strcmp(t->stem[i], stem) == 0) {
            tf++;
            tt += i < t->title_len;
        }
    if (in_title != NULL)
        *in_title = tt;
    return tf;
}

static uint32_t df_of(const naive *n, const char *stem)
{
    uint32_t df = 0;
    for (uint32_t d = 0; d < DOCS; d++)
        df += tf_of(n->tok[d], stem, NULL) > 0;
    return df;
}

static double idf_of(const naive *n, const char *stem)
{
    const double d = df_of(n, stem);
    return log(1.0 + (DOCS - d + 0.5) / (d + 0.5));
}

/* The query's bag as quire --any reads it: stems in first-mention order, counted, the
 * stopwords left out unless nothing else is left. */
static void query_bag(bag *q, const naive *n, const char *text)
{
    const fx_doc qd = {"q", "", text};
    fx_tokens *t = fx_analyse(n->an, &qd);
    memset(q, 0, sizeof *q);
    for (int pass = 0; pass < 2 && q->count == 0; pass++)
        for (uint32_t i = 0; i < t->count; i++) {
            if (pass == 0 && quire_analyzer_is_stopword(n->an, t->form[i], strlen(t->form[i])))
                continue;
            uint32_t k = 0;
            while (k < q->count && strcmp(q->stem[k], t->stem[i]) != 0)
                k++;
            if (k == q->count) {
                q->stem[q->count] = strdup(t->stem[i]);
                q->boost[q->count] = 1.0;
                q->weight[q->count++] = 0.0;
            }
            q->weight[k] += 1.0;
        }
    fx_tokens_free(t);
}

static void bag_free(bag *q)
{
    for (uint32_t i = 0; i < q->count; i++)
        free(q->stem[i]);
    q->count = 0;
}

typedef struct opts {
    double title_weight;
    bool proximity;
} opts;

/* Score of every document for the bag (0 and not matched when it has none of it). */
static uint32_t naive_rank(fx_hit *hits, const naive *n, const bag *q, const opts *o)
{
    uint32_t matched = 0;
    for (uint32_t d = 0; d < DOCS; d++) {
        const fx_tokens *t = n->tok[d];
        const double dl = t->count;
        const double norm = K1 * (1 - B + B * dl / n->avgdl);
        const double w = o->title_weight;
        const double dl_w = w * t->title_len + (dl - t->title_len);
        const double norm_w = K1 * (1 - B + B * dl_w / (n->avgdl + (w - 1) * n->avg_title));
        double score = 0;
        bool any = false;
        for (uint32_t k = 0; k < q->count; k++) {
            uint32_t in_title;
            const double tf = tf_of(t, q->stem[k], &in_title);
            if (tf == 0)
                continue;
            any = true;
            const double weight = idf_of(n, q->stem[k]) * (K1 + 1) * q->weight[k];
            const double tf_w = w * in_title + (tf - in_title);
            score += w == 1.0 ? weight * tf / (tf + norm) : weight * tf_w / (tf_w + norm_w);
        }
        if (any && o->proximity) {
            double acc[64] = {0};
            int last = -1;
            uint32_t last_pos = 0;
            for (uint32_t i = 0; i < t->count; i++) { /* tokens are in position order */
                int k = -1;
                for (uint32_t j = 0; j < q->count; j++)
                    if (strcmp(t->stem[i], q->stem[j]) == 0)
                        k = (int)j;
                if (k < 0)
                    continue;
                if (last >= 0 && last != k) {
                    const double dist = (double)(t->pos[i] - last_pos);
                    acc[last] += idf_of(n, q->stem[k]) / (dist * dist);
                    acc[k] += idf_of(n, q->stem[last]) / (dist * dist);
                }
                last = k;
                last_pos = t->pos[i];
            }
            for (uint32_t k = 0; k < q->count; k++)
                if (acc[k] > 0)
                    score += q->boost[k] * fmin(1.0, idf_of(n, q->stem[k])) * acc[k] * (K1 + 1) /
                             (acc[k] + norm);
        }
        if (any) {
            hits[matched].doc = d;
            hits[matched].score = score;
            matched++;
        }
    }
    qsort(hits, matched, sizeof *hits, fx_cmp_hit);
    return matched;
}

/* ---- RM3, the naive way ---- */

typedef struct fv {
    char *stem[4096];
    double w[4096];
    uint32_t count;
} fv;

static void fv_add(fv *v, const char *stem, double w)
{
    for (uint32_t i = 0; i < v->count; i++)
        if (strcmp(v->stem[i], stem) == 0) {
            v->w[i] += w;
            return;
        }
    cr_assert_lt(v->count, 4096);
    v->stem[v->count] = strdup(stem);
    v->w[v->count++] = w;
}

static int cmp_fv_at(const fv *v, uint32_t a, uint32_t b)
{
    if (v->w[a] != v->w[b])
        return v->w[a] > v->w[b] ? -1 : 1;
    return strcmp(v->stem[a], v->stem[b]);
}

/* Keep the n heaviest (ties: the smaller stem), normalised to sum 1. */
static void fv_keep(fv *v, uint32_t n)
{
    for (uint32_t i = 0; i < v->count; i++) /* selection sort: small */
        for (uint32_t j = i + 1; j < v->count; j++)
            if (cmp_fv_at(v, j, i) < 0) {
                char *s = v->stem[i];
                double w = v->w[i];
                v->stem[i] = v->stem[j];
                v->w[i] = v->w[j];
                v->stem[j] = s;
                v->w[j] = w;
            }
    while (v->count > n)
        free(v->stem[--v->count]);
    double sum = 0;
    for (uint32_t i = 0; i < v->count; i++)
        sum += v->w[i];
    for (uint32_t i = 0; i < v->count; i++)
        v->w[i] /= sum;
}

static void fv_free(fv *v)
{
    for (uint32_t i = 0; i < v->count; i++)
        free(v->stem[i]);
    v->count = 0;
}

/* The expanded bag: 10 documents, 10 terms, the query weighing 0.5 (Anserini's). */
static void naive_rm3(bag *out, const naive *n, const bag *q)
{
    fx_hit *first = calloc(DOCS, sizeof *first);
    const opts plain = {1.0, false};
    const uint32_t m = naive_rank(first, n, q, &plain);
    fv *rm = calloc(1, sizeof *rm);
    for (uint32_t r = 0; r < m && r < 10; r++) {
        const fx_tokens *t = n->tok[first[r].doc];
        fv *dv = calloc(1, sizeof *dv);
        for (uint32_t i = 0; i < t->count; i++) {
            const size_t len = strlen(t->stem[i]);
            if (len < 2 || len > 20 || strchr(t->stem[i], '\'') != NULL)
                continue;
            if (df_of(n, t->stem[i]) > 0.1 * DOCS)
                continue;
            fv_add(dv, t->stem[i], 1.0);
        }
        fv_keep(dv, 10);
        for (uint32_t i = 0; i < dv->count; i++)
            fv_add(rm, dv->stem[i], dv->w[i] * first[r].score);
        fv_free(dv);
        free(dv);
    }
    fv_keep(rm, 10);
    fv *mix = calloc(1, sizeof *mix);
    double qsum = 0;
    for (uint32_t k = 0; k < q->count; k++)
        qsum += q->weight[k];
    for (uint32_t k = 0; k < q->count; k++)
        fv_add(mix, q->stem[k], (q->weight[k] / qsum) * (rm->count > 0 ? 0.5 : 1.0));
    for (uint32_t i = 0; i < rm->count; i++)
        fv_add(mix, rm->stem[i], rm->w[i] * 0.5);
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < mix->count; i++) {
        cr_assert_lt(out->count, 64);
        out->stem[out->count] = strdup(mix->stem[i]);
        out->boost[out->count] = mix->w[i];
        out->weight[out->count++] = mix->w[i];
    }
    fv_free(rm);
    fv_free(mix);
    free(rm);
    free(mix);
    free(first);
}

/* ---- quire against the naive model ---- */

static void expect_same(const char *dir, const char *query, const fx_hit *want, uint32_t want_count,
                        const search_options *base, const char *what)
{
    search_options o = *base;
    o.query = query;
    o.query_len = strlen(query);
    o.match_any = true;
    o.top_k = DOCS;
    search_result r;
    cr_assert_eq(search_run(&r, dir, &o), QUIRE_OK, "%s '%s': %s", what, query, quire_errmsg());
    cr_expect_eq(r.hit_count, want_count, "%s '%s': %u hits, want %u", what, query, r.hit_count,
                 want_count);
    for (uint32_t i = 0; i < r.hit_count && i < want_count; i++) {
        const double tol = 1e-9 * fmax(1.0, fabs(want[i].score));
        cr_expect(fabs(r.hits[i].score - want[i].score) <= tol,
                  "%s '%s' rank %u: score %.12f, naive %.12f", what, query, i + 1, r.hits[i].score,
                  want[i].score);
        const uint64_t doc = r.hits[i].doc_id;
        for (uint32_t j = 0; j < want_count; j++)
            if (want[j].doc == doc)
                cr_expect(fabs(want[j].score - r.hits[i].score) <= tol,
                          "%s '%s': %s scores %.12f, naive %.12f", what, query, docs[doc].id,
                          r.hits[i].score, want[j].score);
    }
    /* the best 5 alone: the same documents (the second stage's depth does not depend on k) */
    o.top_k = 5;
    search_result r5;
    cr_assert_eq(search_run(&r5, dir, &o), QUIRE_OK, "%s", quire_errmsg());
    for (uint32_t i = 0; i < r5.hit_count && i < r.hit_count; i++)
        cr_expect_eq(r5.hits[i].doc_id, r.hits[i].doc_id, "%s '%s': -k 5 rank %u differs", what,
                     query, i + 1);
    search_result_free(&r5);
    search_result_free(&r);
}

static void check_all(const search_options *o, const opts *no, bool rm3, const char *what)
{
    make_corpus();
    naive n;
    naive_init(&n);
    static const uint32_t three[] = {20, 15, 25};
    char *one = fx_build_index(docs, DOCS, NULL, 0, NULL);
    char *split = fx_build_index(docs, DOCS, three, 3, NULL);
    fx_hit *want = calloc(DOCS, sizeof *want);
    uint32_t expanded = 0;
    for (uint32_t i = 0; i < QUERIES; i++) {
        bag q, e;
        query_bag(&q, &n, queries[i]);
        const bag *use = &q;
        if (rm3) {
            naive_rm3(&e, &n, &q);
            expanded += e.count > q.count;
            use = &e;
        }
        const uint32_t m = naive_rank(want, &n, use, no);
        expect_same(one, queries[i], want, m, o, what);
        expect_same(split, queries[i], want, m, o, what);
        if (rm3)
            bag_free(&e);
        bag_free(&q);
    }
    if (rm3)
        cr_expect_gt(expanded, QUERIES / 2, "RM3 added words to only %u of %u queries", expanded,
                     QUERIES);
    free(want);
    fx_remove_index(one);
    fx_remove_index(split);
    naive_free(&n);
    free_corpus();
}

Test(rerank, the_naive_model_is_bm25_without_options)
{
    search_options o;
    search_options_init(&o);
    const opts no = {1.0, false};
    check_all(&o, &no, false, "bm25");
}

Test(rerank, title_weight_is_bm25f_on_the_tf_and_the_length)
{
    static const double weights[] = {2.0, 3.0, 0.5};
    for (size_t i = 0; i < sizeof weights / sizeof weights[0]; i++) {
        search_options o;
        search_options_init(&o);
        o.title_weight = weights[i];
        const opts no = {weights[i], false};
        check_all(&o, &no, false, "title weight");
    }
}

Test(rerank, proximity_adds_buttchers_score)
{
    search_options o;
    search_options_init(&o);
    o.proximity = true;
    const opts no = {1.0, true};
    check_all(&o, &no, false, "proximity");
    o.title_weight = 2.0;
    const opts both = {2.0, true};
    check_all(&o, &both, false, "proximity and title weight");
}

Test(rerank, rm3_expands_as_anserini_does)
{
    search_options o;
    search_options_init(&o);
    o.rm3 = true;
    const opts no = {1.0, false};
    check_all(&o, &no, true, "rm3");
}

Test(rerank, rm3_refuses_a_query_with_structure)
{
    make_corpus();
    char *dir = fx_build_index(docs, DOCS, NULL, 0, NULL);
    static const char *const bad[] = {"\"k0x k1x\"", "+k0x k1x",  "k0x AND k1x",
                                      "k0x -k1x",    "title:k0x", "k0x*"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        search_options o;
        search_options_init(&o);
        o.rm3 = true;
        o.match_any = true;
        o.query = bad[i];
        o.query_len = strlen(bad[i]);
        search_result r;
        cr_expect_eq(search_run(&r, dir, &o), QUIRE_EINVAL, "'%s' was expanded", bad[i]);
        cr_expect(strstr(quire_errmsg(), "RM3 expands a ranked OR of words") != NULL, "'%s': %s",
                  bad[i], quire_errmsg());
    }
    /* plain words of the same text: expanded */
    search_options o;
    search_options_init(&o);
    o.rm3 = true;
    o.match_any = true;
    o.plain = true;
    o.query = "\"k0x k1x\" +k2x";
    o.query_len = strlen(o.query);
    search_result r;
    cr_expect_eq(search_run(&r, dir, &o), QUIRE_OK, "%s", quire_errmsg());
    search_result_free(&r);
    fx_remove_index(dir);
    free_corpus();
}

Test(rerank, bad_option_values_are_refused)
{
    make_corpus();
    char *dir = fx_build_index(docs, DOCS, NULL, 0, NULL);
    search_options o;
    search_options_init(&o);
    o.query = "k0x";
    o.query_len = 3;
    search_result r;
    o.title_weight = 0.0;
    cr_expect_eq(search_run(&r, dir, &o), QUIRE_EINVAL);
    o.title_weight = NAN;
    cr_expect_eq(search_run(&r, dir, &o), QUIRE_EINVAL);
    o.title_weight = 1.0;
    o.rm3 = true;
    o.rm3_weight = 1.5;
    cr_expect_eq(search_run(&r, dir, &o), QUIRE_EINVAL);
    o.rm3_weight = 0.5;
    o.rm3_docs = 0;
    cr_expect_eq(search_run(&r, dir, &o), QUIRE_EINVAL);
    fx_remove_index(dir);
    free_corpus();
}
