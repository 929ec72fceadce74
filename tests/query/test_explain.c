/*
 * test_explain.c - what quire-query says about a query (query/explain.h), and fuzzy words
 * end to end:
 *   - on the sample articles: Zelensky~ finds all five, Zelensky three and notes the other
 *     spellings with their documents, a lower-case word gets no notes, a quote without
 *     exact matches falls back to its close renderings, --explain's clauses and forms;
 *   - on the first 3000 Reuters-21578 articles, 300 random queries (words, phrases,
 *     approximate quotes, OR, NOT, NEAR, prefixes, fuzzy words; AND and --any): each hit's
 *     clause parts add up to its score, and a clause under NOT never adds anything.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle_corpus.h"
#include "test_util.h"
#include "corpus_fixture.h"

static search_result run(searcher *s, const char *q, uint32_t k, bool explain, bool notes)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.top_k = k;
    o.explain = explain;
    o.notes = notes;
    o.fallback = true;
    o.passages = 1;
    search_result r;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    return r;
}

static const search_form *find_form(const search_form *f, uint32_t n, const char *form)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(f[i].form, form) == 0)
            return &f[i];
    return NULL;
}

Test(explain, fuzzy_words_notes_and_fallback_on_the_sample)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char *dir = make_tmp();
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s'/tests/data/00?_*.txt", src);
    char *idx = index_inputs(dir, inputs);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    static const char *const spellings[] = {"Zelensky~", "Zelenskiy~", "Zelenskyy~", "zelensky~1"};
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        search_result r = run(s, spellings[i], 10, false, true);
        cr_expect_eq(r.match_count, 5, "%s: %llu", spellings[i], (unsigned long long)r.match_count);
        search_result_free(&r);
    }

    /* the bare name: three articles, and a note on the two other spellings */
    search_result r = run(s, "Zelensky", 10, false, true);
    cr_expect_eq(r.match_count, 3);
    cr_assert_eq(r.note_count, 1);
    cr_expect_str_eq(r.notes[0].word, "zelensky");
    const search_form *yy = find_form(r.notes[0].variants, r.notes[0].variant_count, "zelenskyy");
    const search_form *iy = find_form(r.notes[0].variants, r.notes[0].variant_count, "zelenskiy");
    cr_expect(yy != NULL && yy->docs == 1, "zelenskyy in 001");
    cr_expect(iy != NULL && iy->docs == 1, "zelenskiy in 002");
    cr_expect_null(find_form(r.notes[0].variants, r.notes[0].variant_count, "zelensky's"),
                   "a form of the word's own stem is no variant");
    search_result_free(&r);
    r = run(s, "zelensky", 10, false, true);
    cr_expect_eq(r.note_count, 0, "a word typed in lower case is no name");
    search_result_free(&r);
    r = run(s, "Zelensky", 10, false, false);
    cr_expect_eq(r.note_count, 0, "notes off");
    search_result_free(&r);

    /* no exact match: the close renderings, marked as such */
    r = run(s, "\"We are waiting for you, dear Mr Chairman\"", 10, false, true);
    cr_expect(r.fell_back);
    cr_expect_eq(r.match_count, 3);
    cr_assert_eq(r.quote_count, 1);
    cr_expect_eq(r.quotes[0].exact_docs, 0);
    cr_expect_eq(r.quotes[0].close_docs, 3);
    /* 002's rendering, word by word: "waiting for you, dear Mr. President" */
    cr_assert_gt(r.hit_count, 0);
    cr_assert_gt(r.hits[0].rendering_count, 0);
    const search_rendering *x = &r.hits[0].renderings[0];
    cr_expect_eq(x->missing_count, 0, "President stands for Chairman");
    cr_expect_eq(x->tokens[x->token_count - 1].kind, SEARCH_WORD_SUBSTITUTED);
    cr_expect_eq(x->tokens[x->token_count - 1].word, 7);
    search_result_free(&r);
    search_options o;
    search_options_init(&o);
    o.query = "\"We are waiting for you, dear Mr Chairman\"";
    o.query_len = strlen(o.query);
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK);
    cr_expect_eq(r.match_count, 0, "no fallback unless asked");
    cr_expect(!r.fell_back);
    search_result_free(&r);

    /* --explain */
    r = run(s, "putin (xi OR \"no limits\") zelensky~ -kherson", 10, true, false);
    cr_assert_not_null(r.explain);
    cr_expect_str_eq(r.explain->parsed,
                     "AND(AND(putin, OR(xi, \"no limits\"), zelensky~), NOT(kherson))");
    cr_assert_eq(r.explain->clause_count, 5);
    const search_clause *c = r.explain->clauses;
    cr_expect_str_eq(c[0].kind, "word");
    cr_expect_str_eq(c[0].stem, "putin");
    cr_expect_str_eq(c[2].kind, "phrase");
    cr_expect_eq(c[2].df, 2);
    cr_expect_str_eq(c[3].kind, "fuzzy word");
    cr_expect_eq(c[3].distance, 2);
    cr_expect_not_null(find_form(c[3].forms, c[3].form_count, "zelenskiy"));
    cr_expect(c[4].negated);
    for (uint32_t i = 0; i < r.hit_count; i++) {
        double sum = 0;
        for (uint32_t k = 0; k < r.explain->clause_count; k++)
            sum += r.hits[i].clause_scores[k];
        cr_expect_float_eq(sum, r.hits[i].score, 1e-9 * (1 + r.hits[i].score));
        cr_expect_eq(r.hits[i].clause_scores[4], 0.0);
    }
    search_result_free(&r);
    search_close(s);
    free(idx);
    remove_tmp(dir);
}

Test(explain, clause_parts_add_up_to_the_score, .timeout = 600)
{
    char *dir = make_tmp();
    char *idx = corpus_head_index(dir, "reuters21578", 3000);
    corpus c;
    load_corpus(&c, idx);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    /* words of the corpus fit to be typed as plain words */
    char **words = malloc(c.forms.count * sizeof *words);
    uint32_t nw = 0;
    for (uint32_t i = 0; i < c.forms.cap; i++) {
        const char *k = c.forms.keys[i];
        if (k != NULL && strlen(k) >= 3 && plain_word(k, strlen(k)) && strchr(k, '.') == NULL &&
            strchr(k, ',') == NULL && strchr(k, '\'') == NULL)
            words[nw++] = c.forms.keys[i];
    }
    cr_assert_gt(nw, 1000);
    uint32_t hits = 0, queries = 0;
    char q[2048];
    while (queries < 300) {
        /* 2-4 clauses, each a word, a fuzzy word, a phrase of a document, a prefix or a
         * NEAR, joined by AND (implied), OR or NOT */
        q[0] = '\0';
        const uint32_t n = 2 + rnd(3);
        for (uint32_t i = 0; i < n; i++) {
            static const char *const joins[] = {" ", " ", " OR ", " -"};
            if (i > 0)
                strcat(q, joins[rnd(4)]);
            const char *w = words[rnd(nw)];
            char part[512];
            switch (rnd(6)) {
            case 0:
                snprintf(part, sizeof part, "%s~", w);
                break;
            case 1: {
                const odoc *d = &c.docs[rnd(c.count)];
                if (d->count[1] < 3) {
                    snprintf(part, sizeof part, "%s", w);
                    break;
                }
                const uint32_t at = rnd(d->count[1] - 2);
                const int len = (int)(d->end[1][at + 1] - d->start[1][at]);
                char inner[400];
                snprintf(inner, sizeof inner, "%.*s", len < 300 ? len : 300,
                         d->field[1] + d->start[1][at]);
                if (strpbrk(inner, "\"~*().") != NULL || has_quote(inner))
                    snprintf(part, sizeof part, "%s", w);
                else /* exact, or approximate (a clause scaled by its closeness) */
                    snprintf(part, sizeof part, "\"%s\"%s", inner, rnd(3) == 0 ? "~" : "");
                break;
            }
            case 2:
                snprintf(part, sizeof part, "%.4s*", w);
                break;
            case 3:
                snprintf(part, sizeof part, "%s NEAR/5 %s", w, words[rnd(nw)]);
                break;
            default:
                snprintf(part, sizeof part, "%s", w);
            }
            strncat(q, part, sizeof q - strlen(q) - 1);
        }
        search_options o;
        search_options_init(&o);
        o.query = q;
        o.query_len = strlen(q);
        o.top_k = 20;
        o.explain = true;
        o.match_any = rnd(2) == 0;
        search_result r;
        const int rc = search_query(&r, s, &o);
        if (rc == QUIRE_ELIMIT || rc == QUIRE_EINVAL)
            continue; /* a prefix or fuzzy word past its limit, a NOT alone... */
        cr_assert_eq(rc, QUIRE_OK, "%s: %s", q, quire_errmsg());
        cr_assert_not_null(r.explain);
        for (uint32_t h = 0; h < r.hit_count; h++) {
            double sum = 0;
            for (uint32_t k = 0; k < r.explain->clause_count; k++) {
                sum += r.hits[h].clause_scores[k];
                if (r.explain->clauses[k].negated)
                    cr_expect_eq(r.hits[h].clause_scores[k], 0.0, "%s: a NOT clause adds", q);
            }
            cr_expect_float_eq(sum, r.hits[h].score, 1e-9 * (1 + r.hits[h].score),
                               "%s: hit %u: parts %.12f, score %.12f", q, (unsigned)h, sum,
                               r.hits[h].score);
        }
        hits += r.hit_count;
        search_result_free(&r);
        queries++;
    }
    cr_expect_gt(hits, 500);
    free(words);
    search_close(s);
    free_corpus(&c);
    free(idx);
    remove_tmp(dir);
}

/* Every allocation of an approximate quote, a fuzzy word, notes and --explain with passages
 * failing in turn: QUIRE_ENOMEM and nothing else (ASan: nothing leaked). */
Test(explain, failed_allocations_return_enomem)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char *dir = make_tmp();
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s'/tests/data/00?_*.txt", src);
    char *idx = index_inputs(dir, inputs);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    static const char *const queries[] = {
        "\"We are waiting for you, dear Mr Chairman\"",
        "Zelensky~ Putin \"Vladimir Putin and Xi Jinping\"~ -kherson",
    };
    for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
        long n = 1;
        for (;; n++) {
            search_options o;
            search_options_init(&o);
            o.query = queries[qi];
            o.query_len = strlen(o.query);
            o.explain = o.notes = o.fallback = true;
            o.passages = 2;
            search_result r;
            (void)quire_alloc_fail_at(n);
            const int rc = search_query(&r, s, &o);
            (void)quire_alloc_fail_at(0);
            if (rc == QUIRE_OK) {
                search_result_free(&r);
                break;
            }
            cr_assert_eq(rc, QUIRE_ENOMEM, "%s: allocation %ld: %d %s", queries[qi], n, rc,
                         quire_errmsg());
        }
        cr_expect_gt(n, 50, "%s: %ld allocations", queries[qi], n);
    }
    search_close(s);
    free(idx);
    remove_tmp(dir);
}
