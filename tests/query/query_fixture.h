/*
 * query_fixture.h - builds small indexes for the query tests through the library (the
 * analyzer, the segment writer and the manifest), the way the indexer lays them out:
 * title tokens at positions 0..T-1, text tokens from T+1, doc_len = both; forms with
 * positions; stems with the forms they came from, aliased when there is one form.
 * Also the naive BM25 the tests compare quire-query's scores with, computed from the raw
 * documents with the same analyzer.
 */
#ifndef QUERY_FIXTURE_H
#define QUERY_FIXTURE_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/analysis.h"
#include "quire/date.h"
#include "quire/index.h"
#include "quire/manifest.h"
#include "quire/segment.h"

#define FIXTURE_UNUSED __attribute__((unused))
#define FX_MAX_TOKENS  4096

typedef struct fx_doc {
    const char *id;
    const char *title;
    const char *text;
} fx_doc;

/* One analysed document: its tokens' forms and stems, in position order. */
typedef struct fx_tokens {
    uint32_t count;     /* tokens */
    uint32_t title_len; /* tokens in the title */
    char *form[FX_MAX_TOKENS];
    char *stem[FX_MAX_TOKENS];
    uint32_t pos[FX_MAX_TOKENS];
} fx_tokens;

FIXTURE_UNUSED static char *fx_strdup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    cr_assert(p != NULL);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

FIXTURE_UNUSED static quire_analyzer *fx_analyzer(void)
{
    quire_analyzer *an = NULL;
    const quire_analyzer_opts opts = {"english", false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
    return an;
}

FIXTURE_UNUSED static void fx_analyse_part(fx_tokens *t, quire_analyzer *an, const char *text,
                                           uint32_t first)
{
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, strlen(text), first, true);
    while (quire_tokens_next(&it, &tok)) {
        cr_assert(t->count < FX_MAX_TOKENS);
        t->form[t->count] = fx_strdup(tok.form, tok.form_len);
        t->stem[t->count] = fx_strdup(tok.stem, tok.stem_len);
        t->pos[t->count] = tok.pos;
        t->count++;
    }
}

FIXTURE_UNUSED static fx_tokens *fx_analyse(quire_analyzer *an, const fx_doc *d)
{
    fx_tokens *t = calloc(1, sizeof *t);
    cr_assert(t != NULL);
    fx_analyse_part(t, an, d->title ? d->title : "", 0);
    t->title_len = t->count;
    fx_analyse_part(t, an, d->text ? d->text : "", t->title_len + 1);
    return t;
}

FIXTURE_UNUSED static void fx_tokens_free(fx_tokens *t)
{
    for (uint32_t i = 0; i < t->count; i++) {
        free(t->form[i]);
        free(t->stem[i]);
    }
    free(t);
}

FIXTURE_UNUSED static int fx_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted distinct strings from a list (pointers borrowed). Returns the count. */
FIXTURE_UNUSED static uint32_t fx_distinct(char **out, char *const *in, uint32_t n)
{
    memcpy(out, in, n * sizeof *out);
    qsort(out, n, sizeof *out, fx_cmp_str);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (k == 0 || strcmp(out[k - 1], out[i]) != 0)
            out[k++] = out[i];
    return k;
}

/* Write segment `id` of `dir` holding docs[0..count). *stats gets its statistics. */
FIXTURE_UNUSED static void fx_write_segment(const char *dir, uint64_t id, const fx_doc *docs,
                                            uint32_t count, quire_segment_stats *stats)
{
    quire_analyzer *an = fx_analyzer();
    fx_tokens **toks = calloc(count ? count : 1, sizeof *toks);
    uint32_t total = 0;
    for (uint32_t d = 0; d < count; d++) {
        toks[d] = fx_analyse(an, &docs[d]);
        total += toks[d]->count;
    }
    char **all_forms = malloc((total + 1) * sizeof *all_forms);
    char **all_stems = malloc((total + 1) * sizeof *all_stems);
    char **forms = malloc((total + 1) * sizeof *forms);
    char **stems = malloc((total + 1) * sizeof *stems);
    uint32_t *positions = malloc((FX_MAX_TOKENS + 1) * sizeof *positions);
    uint32_t n = 0;
    for (uint32_t d = 0; d < count; d++)
        for (uint32_t i = 0; i < toks[d]->count; i++) {
            all_forms[n] = toks[d]->form[i];
            all_stems[n] = toks[d]->stem[i];
            n++;
        }
    const uint32_t form_count = fx_distinct(forms, all_forms, n);
    const uint32_t stem_count = fx_distinct(stems, all_stems, n);

    quire_segment_writer *w = NULL;
    cr_assert_eq(quire_segment_writer_new(&w, dir, id), QUIRE_OK, "%s", quire_errmsg());
    for (uint32_t d = 0; d < count; d++) {
        quire_doc_info info;
        memset(&info, 0, sizeof info);
        info.external_id = quire_bytes_of(docs[d].id, strlen(docs[d].id));
        info.title = quire_bytes_of(docs[d].title ? docs[d].title : "",
                                    docs[d].title ? strlen(docs[d].title) : 0);
        info.origin = quire_bytes_of("test", 4);
        info.date = QUIRE_NO_DATE;
        info.doc_len = toks[d]->count;
        info.title_len = toks[d]->title_len;
        const char *text = docs[d].text ? docs[d].text : "";
        cr_assert_eq(quire_segment_writer_add_doc(w, &info, quire_bytes_of(text, strlen(text))),
                     QUIRE_OK, "%s", quire_errmsg());
    }
    for (uint32_t f = 0; f < form_count; f++) {
        cr_assert_eq(quire_segment_writer_begin_form(w, quire_bytes_of(forms[f], strlen(forms[f]))),
                     QUIRE_OK, "%s", quire_errmsg());
        for (uint32_t d = 0; d < count; d++) {
            uint32_t tf = 0;
            for (uint32_t i = 0; i < toks[d]->count; i++)
                if (strcmp(toks[d]->form[i], forms[f]) == 0)
                    positions[tf++] = toks[d]->pos[i];
            if (tf > 0)
                cr_assert_eq(quire_segment_writer_add_posting(w, d, tf, positions, toks[d]->count),
                             QUIRE_OK, "%s", quire_errmsg());
        }
        cr_assert_eq(quire_segment_writer_end_term(w), QUIRE_OK, "%s", quire_errmsg());
    }
    /* Pair terms (FORMAT.md "Pair terms", version 4) in odd-numbered segments, so that the
     * query tests run over segments with pairs, without, and indexes that mix them: every
     * two tokens at adjacent positions whose forms are both common words. */
    if (id % 2 == 1) {
        uint32_t nw = 0;
        const char *const *cw = quire_analyzer_common_words(an, &nw);
        quire_buf set = QUIRE_BUF_INIT;
        quire_pair_set_encode(&set, cw, nw);
        cr_assert_eq(quire_segment_writer_add_pair_set(w, quire_bytes_of(set.data, set.len)),
                     QUIRE_OK, "%s", quire_errmsg());
        quire_buf_free(&set);
        char **all_pairs = malloc((total + 1) * sizeof *all_pairs);
        char **pairs = malloc((total + 1) * sizeof *pairs);
        uint32_t np = 0;
        for (uint32_t d = 0; d < count; d++)
            for (uint32_t i = 1; i < toks[d]->count; i++) {
                const char *a = toks[d]->form[i - 1], *b = toks[d]->form[i];
                if (toks[d]->pos[i] != toks[d]->pos[i - 1] + 1 ||
                    !quire_analyzer_is_stopword(an, a, strlen(a)) ||
                    !quire_analyzer_is_stopword(an, b, strlen(b)))
                    continue;
                all_pairs[np] = malloc(strlen(a) + strlen(b) + 2);
                sprintf(all_pairs[np], "%s %s", a, b);
                np++;
            }
        const uint32_t pair_count = fx_distinct(pairs, all_pairs, np);
        for (uint32_t p = 0; p < pair_count; p++) {
            cr_assert_eq(
                quire_segment_writer_begin_pair(w, quire_bytes_of(pairs[p], strlen(pairs[p]))),
                QUIRE_OK, "%s", quire_errmsg());
            for (uint32_t d = 0; d < count; d++) {
                uint32_t tf = 0;
                for (uint32_t i = 1; i < toks[d]->count; i++) {
                    const size_t la = strlen(toks[d]->form[i - 1]);
                    if (toks[d]->pos[i] == toks[d]->pos[i - 1] + 1 &&
                        strncmp(pairs[p], toks[d]->form[i - 1], la) == 0 && pairs[p][la] == ' ' &&
                        strcmp(pairs[p] + la + 1, toks[d]->form[i]) == 0)
                        positions[tf++] = toks[d]->pos[i - 1];
                }
                if (tf > 0)
                    cr_assert_eq(
                        quire_segment_writer_add_posting(w, d, tf, positions, toks[d]->count),
                        QUIRE_OK, "%s", quire_errmsg());
            }
            cr_assert_eq(quire_segment_writer_end_term(w), QUIRE_OK, "%s", quire_errmsg());
        }
        for (uint32_t p = 0; p < np; p++)
            free(all_pairs[p]);
        free(all_pairs);
        free(pairs);
    }
    for (uint32_t s = 0; s < stem_count; s++) {
        /* the forms this stem was made from */
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++)
            if (strcmp(all_stems[i], stems[s]) == 0)
                forms[k++] = all_forms[i];
        char **sf = malloc((k + 1) * sizeof *sf);
        const uint32_t sf_count = fx_distinct(sf, forms, k);
        const quire_bytes stem = quire_bytes_of(stems[s], strlen(stems[s]));
        if (sf_count == 1) {
            cr_assert_eq(
                quire_segment_writer_add_alias_stem(w, stem, quire_bytes_of(sf[0], strlen(sf[0]))),
                QUIRE_OK, "%s", quire_errmsg());
        } else {
            quire_bytes *fb = malloc(sf_count * sizeof *fb);
            for (uint32_t i = 0; i < sf_count; i++)
                fb[i] = quire_bytes_of(sf[i], strlen(sf[i]));
            cr_assert_eq(quire_segment_writer_begin_stem(w, stem, fb, sf_count), QUIRE_OK, "%s",
                         quire_errmsg());
            for (uint32_t d = 0; d < count; d++) {
                uint32_t tf = 0;
                for (uint32_t i = 0; i < toks[d]->count; i++)
                    tf += strcmp(toks[d]->stem[i], stems[s]) == 0;
                if (tf > 0)
                    cr_assert_eq(quire_segment_writer_add_posting(w, d, tf, NULL, toks[d]->count),
                                 QUIRE_OK, "%s", quire_errmsg());
            }
            cr_assert_eq(quire_segment_writer_end_term(w), QUIRE_OK, "%s", quire_errmsg());
            free(fb);
        }
        free(sf);
    }
    cr_assert_eq(quire_segment_writer_finish(w, stats), QUIRE_OK, "%s", quire_errmsg());

    for (uint32_t d = 0; d < count; d++)
        fx_tokens_free(toks[d]);
    free(toks);
    free(all_forms);
    free(all_stems);
    free(forms);
    free(stems);
    free(positions);
    quire_analyzer_free(an);
}

/* Build an index in a new temporary directory from docs, cut into segments of
 * seg_sizes[0], seg_sizes[1], ... documents (seg_count of them; 0 = one segment). The
 * manifest records `analyzer_id`, or the english analyzer's own id when NULL. Returns the
 * directory (malloc'd). */
FIXTURE_UNUSED static char *fx_build_index(const fx_doc *docs, uint32_t count,
                                           const uint32_t *seg_sizes, uint32_t seg_count,
                                           const char *analyzer_id)
{
    char tmpl[] = "/tmp/quire-query-test-XXXXXX";
    cr_assert(mkdtemp(tmpl) != NULL);
    char *dir = fx_strdup(tmpl, strlen(tmpl));

    quire_lock *lock = NULL;
    cr_assert_eq(quire_lock_acquire(&lock, dir), QUIRE_OK, "%s", quire_errmsg());

    const uint32_t one = count;
    if (seg_count == 0) {
        seg_sizes = &one;
        seg_count = 1;
    }
    quire_manifest m;
    memset(&m, 0, sizeof m);
    m.generation = 1;
    m.next_segment_id = seg_count + 1;
    quire_analyzer *an = fx_analyzer();
    m.analyzer_id = fx_strdup(analyzer_id ? analyzer_id : quire_analyzer_id(an),
                              strlen(analyzer_id ? analyzer_id : quire_analyzer_id(an)));
    quire_analyzer_free(an);
    m.language = fx_strdup("english", 7);
    m.keep_diacritics = false;
    m.segment_count = seg_count;
    m.segments = calloc(seg_count, sizeof *m.segments);
    uint32_t first = 0;
    for (uint32_t s = 0; s < seg_count; s++) {
        cr_assert(first + seg_sizes[s] <= count);
        quire_segment_stats st;
        fx_write_segment(dir, s + 1, docs + first, seg_sizes[s], &st);
        m.segments[s].id = s + 1;
        m.segments[s].doc_count = st.doc_count;
        m.segments[s].total_tokens = st.total_tokens;
        first += seg_sizes[s];
    }
    cr_assert_eq(first, count, "segment sizes must add up to the documents");
    cr_assert_eq(quire_manifest_commit(dir, &m), QUIRE_OK, "%s", quire_errmsg());
    quire_lock_release(lock);
    free(m.analyzer_id);
    free(m.language);
    free(m.segments);
    return dir;
}

FIXTURE_UNUSED static void fx_remove_index(char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        char path[4096];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

/* ---- naive BM25 over the raw documents ---- */

typedef struct fx_hit {
    uint64_t doc;
    double score;
} fx_hit;

FIXTURE_UNUSED static int fx_cmp_hit(const void *pa, const void *pb)
{
    const fx_hit *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->doc < b->doc ? -1 : a->doc > b->doc;
}

/* Rank docs for `query` (words analysed like the documents; distinct stems) with BM25
 * k1, b, by the textbook formula, one document and one term at a time. With `any`, a stem
 * all of whose forms in the query are stopwords is left out, unless every one is (as
 * quire-query --any does). Fills hits (room for count) best first and returns how many
 * match. */
FIXTURE_UNUSED static uint32_t fx_naive_bm25(fx_hit *hits, const fx_doc *docs, uint32_t count,
                                             const char *query, bool any, double k1, double b)
{
    quire_analyzer *an = fx_analyzer();
    const fx_doc qdoc = {"q", "", query};
    fx_tokens *q = fx_analyse(an, &qdoc);
    char **qstems = malloc((q->count + 1) * sizeof *qstems);
    uint32_t qn = fx_distinct(qstems, q->stem, q->count);
    if (any) {
        uint32_t kept = 0;
        for (uint32_t t = 0; t < qn; t++) {
            bool content = false;
            for (uint32_t i = 0; i < q->count; i++)
                content |= strcmp(q->stem[i], qstems[t]) == 0 &&
                           !quire_analyzer_is_stopword(an, q->form[i], strlen(q->form[i]));
            if (content)
                qstems[kept++] = qstems[t];
        }
        if (kept > 0)
            qn = kept;
    }

    fx_tokens **toks = calloc(count ? count : 1, sizeof *toks);
    double total = 0;
    for (uint32_t d = 0; d < count; d++) {
        toks[d] = fx_analyse(an, &docs[d]);
        total += toks[d]->count;
    }
    const double avgdl = count ? total / count : 1.0;
    uint32_t *tf = calloc((size_t)(qn ? qn : 1) * (count ? count : 1), sizeof *tf);
    uint32_t *df = calloc(qn ? qn : 1, sizeof *df);
    for (uint32_t t = 0; t < qn; t++)
        for (uint32_t d = 0; d < count; d++) {
            for (uint32_t i = 0; i < toks[d]->count; i++)
                tf[t * count + d] += strcmp(toks[d]->stem[i], qstems[t]) == 0;
            df[t] += tf[t * count + d] > 0;
        }
    uint32_t matched = 0;
    for (uint32_t d = 0; d < count; d++) {
        double score = 0;
        uint32_t present = 0;
        for (uint32_t t = 0; t < qn; t++) {
            const double f = tf[t * count + d];
            if (f == 0)
                continue;
            present++;
            const double idf = log(1.0 + (count - df[t] + 0.5) / (df[t] + 0.5));
            const double dl = toks[d]->count;
            score += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * dl / avgdl));
        }
        if (qn > 0 && (any ? present > 0 : present == qn)) {
            hits[matched].doc = d;
            hits[matched].score = score;
            matched++;
        }
    }
    free(tf);
    free(df);
    qsort(hits, matched, sizeof *hits, fx_cmp_hit);
    for (uint32_t d = 0; d < count; d++)
        fx_tokens_free(toks[d]);
    free(toks);
    free(qstems);
    fx_tokens_free(q);
    quire_analyzer_free(an);
    return matched;
}

#endif
