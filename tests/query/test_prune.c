/*
 * test_prune.c - MaxScore (query/prune.c) against exhaustive evaluation: hundreds of
 * random ranked-OR queries (words common and rare, drawn from the documents' own tokens,
 * some with phrases and AND groups as clauses) over a real corpus of two segments
 * (CACM, then 3,000 Reuters-21578 articles, indexed in two runs, then 401 CACM
 * documents deleted, which pruning must skip like exhaustive evaluation) must return the same
 * top k, doc ids and scores bit for bit, with k from 1 to 100; the pruned match count
 * must be a lower bound, exact whenever it says so, and pruning must really skip (the
 * test fails if it never does). Some queries OR a date filter (score 0) with a word, so that
 * hundreds of documents tie at score 0 and the tie-break by external id decides the top k.
 *
 * The same for phrases and NEAR groups, which are matched lazily and whose floors let
 * them pass over documents without reading positions (cursor_set_floor): one phrase of
 * 2-4 words (stopwords often), a quote of 5-10, a NEAR of words or phrases, and ORs and
 * ANDs of them with words and NOTs; for a one-phrase query the occurrence count must be
 * exact whenever it is given.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle_corpus.h"
#include "test_util.h"
#include "corpus_fixture.h"

static search_result run(searcher *s, const char *q, bool any, uint32_t k, bool exhaustive)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.match_any = any;
    o.top_k = k;
    o.exhaustive = exhaustive;
    search_result r;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    return r;
}

/* Append "w1 w2" as they stand in a random document. */
static bool add_phrase(char *q, size_t cap, const corpus *c)
{
    const odoc *d = &c->docs[rnd(c->count)];
    if (d->count[1] < 2)
        return false;
    const uint32_t t = rnd(d->count[1] - 1);
    for (uint32_t i = t; i < t + 2; i++)
        if (!plain_word(d->field[1] + d->start[1][i], d->end[1][i] - d->start[1][i]))
            return false;
    snprintf(q + strlen(q), cap - strlen(q), "\"%.*s %.*s\"", (int)(d->end[1][t] - d->start[1][t]),
             d->field[1] + d->start[1][t], (int)(d->end[1][t + 1] - d->start[1][t + 1]),
             d->field[1] + d->start[1][t + 1]);
    return true;
}

/* Append n consecutive words of a random document's text, as `open` w1 ... wn `close`
 * (a phrase: open and close are quotes; else joined by `join`). */
static bool add_run(char *q, size_t cap, const corpus *c, uint32_t n, const char *open,
                    const char *join, const char *close)
{
    const odoc *d = &c->docs[rnd(c->count)];
    if (d->count[1] < n)
        return false;
    const uint32_t t = rnd(d->count[1] - n + 1);
    for (uint32_t i = t; i < t + n; i++)
        if (!plain_word(d->field[1] + d->start[1][i], d->end[1][i] - d->start[1][i]))
            return false;
    snprintf(q + strlen(q), cap - strlen(q), "%s", open);
    for (uint32_t i = t; i < t + n; i++)
        snprintf(q + strlen(q), cap - strlen(q), "%s%.*s", i > t ? join : "",
                 (int)(d->end[1][i] - d->start[1][i]), d->field[1] + d->start[1][i]);
    snprintf(q + strlen(q), cap - strlen(q), "%s", close);
    return true;
}

static void compare(searcher *s, const char *q, bool any, uint32_t k, uint32_t *pruned)
{
    search_result full = run(s, q, any, k, true);
    search_result fast = run(s, q, any, k, false);
    cr_expect(full.match_count_exact, "%s", q);
    cr_expect_eq(fast.hit_count, full.hit_count, "%s (k %u): %u hits, exhaustive %u", q,
                 (unsigned)k, (unsigned)fast.hit_count, (unsigned)full.hit_count);
    for (uint32_t i = 0; i < fast.hit_count && i < full.hit_count; i++) {
        if (fast.hits[i].doc_id != full.hits[i].doc_id ||
            fast.hits[i].score != full.hits[i].score) {
            cr_expect_fail("%s (k %u): rank %u is doc %llu %.17g, exhaustive doc %llu %.17g", q,
                           (unsigned)k, (unsigned)i + 1, (unsigned long long)fast.hits[i].doc_id,
                           fast.hits[i].score, (unsigned long long)full.hits[i].doc_id,
                           full.hits[i].score);
            break;
        }
    }
    cr_expect_leq(fast.match_count, full.match_count, "%s", q);
    if (fast.match_count_exact)
        cr_expect_eq(fast.match_count, full.match_count, "%s: count says exact", q);
    else
        (*pruned)++;
    cr_expect(!fast.has_occurrences || fast.match_count_exact, "%s", q);
    if (fast.has_occurrences)
        cr_expect_eq(fast.occurrence_count, full.occurrence_count, "%s: occurrences", q);
    search_result_free(&full);
    search_result_free(&fast);
}

Test(prune, maxscore_returns_the_exhaustive_top_k, .timeout = 600)
{
    char *dir = two_segment_index();
    char idx[4200];
    snprintf(idx, sizeof idx, "%s/idx", dir);
    corpus c;
    load_corpus(&c, idx);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    static const uint32_t ks[] = {1, 3, 10, 100};
    uint32_t done = 0, pruned = 0;
    char q[4096];
    while (done < 400) {
        q[0] = '\0';
        const uint32_t shape = rnd(5);
        bool ok = true;
        if (shape == 0) { /* one word */
            ok = add_word(q, sizeof q, &c);
        } else if (shape == 1) { /* 2..8 words, ranked OR by juxtaposition (--any) */
            const uint32_t n = 2 + rnd(7);
            for (uint32_t i = 0; i < n && ok; i++) {
                if (i > 0)
                    strcat(q, " ");
                ok = add_word(q, sizeof q, &c);
            }
        } else if (shape == 2) { /* words and phrases joined by OR */
            const uint32_t n = 2 + rnd(4);
            for (uint32_t i = 0; i < n && ok; i++) {
                if (i > 0)
                    strcat(q, " OR ");
                ok = rnd(3) == 0 ? add_phrase(q, sizeof q, &c) : add_word(q, sizeof q, &c);
            }
        } else if (shape == 4) {
            /* a date filter scores 0: hundreds of documents tie at 0, and those that enter
             * the top k are the lowest external ids, wherever pruning stands */
            strcat(q, "date:1987-03-01..1987-03-10 OR ");
            ok = add_word(q, sizeof q, &c);
        } else { /* an AND group as one clause of an OR */
            strcat(q, "(");
            ok = add_word(q, sizeof q, &c);
            strcat(q, " AND ");
            ok = ok && add_word(q, sizeof q, &c);
            strcat(q, ") OR ");
            ok = ok && add_word(q, sizeof q, &c);
            strcat(q, " OR ");
            ok = ok && add_word(q, sizeof q, &c);
        }
        if (!ok)
            continue;
        compare(s, q, shape == 1, ks[rnd(4)], &pruned);
        done++;
    }
    cr_expect_gt(pruned, done / 4, "pruning skipped documents in only %u of %u queries",
                 (unsigned)pruned, (unsigned)done);

    search_close(s);
    free_corpus(&c);
    remove_tmp(dir);
}

/* A random phrase clause: a phrase of 2-4 words, a quote of 5-10, or a NEAR of two words
 * or phrases (stemmed words, exact phrases), ordered or not. */
static bool add_phrase_clause(char *q, size_t cap, const corpus *c)
{
    const uint32_t kind = rnd(4);
    if (kind == 0)
        return add_run(q, cap, c, 2 + rnd(3), "\"", " ", "\"");
    if (kind == 1)
        return add_run(q, cap, c, 5 + rnd(6), "\"", " ", "\"");
    bool ok = rnd(2) ? add_word(q, cap, c) : add_run(q, cap, c, 2, "\"", " ", "\"");
    snprintf(q + strlen(q), cap - strlen(q), " %sNEAR/%u ", rnd(3) == 0 ? "O" : "",
             (unsigned)rnd(8));
    return ok && (rnd(2) ? add_word(q, cap, c) : add_run(q, cap, c, 2, "\"", " ", "\""));
}

Test(prune, lazy_phrases_return_the_exhaustive_top_k, .timeout = 600)
{
    char *dir = two_segment_index();
    char idx[4200];
    snprintf(idx, sizeof idx, "%s/idx", dir);
    corpus c;
    load_corpus(&c, idx);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    static const uint32_t ks[] = {1, 3, 10, 100};
    uint32_t done = 0, pruned = 0, single_pruned = 0;
    char q[8192];
    while (done < 800) {
        q[0] = '\0';
        const uint32_t shape = rnd(5);
        bool ok = true, any = false;
        if (shape <= 1) { /* one phrase clause alone */
            ok = add_phrase_clause(q, sizeof q, &c);
        } else if (shape == 2) { /* phrase clauses and words, ranked OR */
            const uint32_t n = 2 + rnd(4);
            for (uint32_t i = 0; i < n && ok; i++) {
                if (i > 0)
                    strcat(q, " OR ");
                ok = rnd(2) ? add_phrase_clause(q, sizeof q, &c) : add_word(q, sizeof q, &c);
            }
        } else if (shape == 3) { /* (phrase AND word) OR ..., (phrase -word) OR ... */
            const bool not = rnd(3) == 0;
            strcat(q, "(");
            ok = add_phrase_clause(q, sizeof q, &c);
            strcat(q, not ? " -" : " AND ");
            ok = ok && add_word(q, sizeof q, &c);
            strcat(q, ") OR ");
            if (rnd(2))
                ok = ok && add_phrase_clause(q, sizeof q, &c);
            else /* a common word: the group above then holds most of the score */
                strcat(q, rnd(2) ? "the" : "of");
        } else { /* --any: +phrase word -word phrase */
            any = true;
            strcat(q, "+");
            ok = add_run(q, sizeof q, &c, 2, "\"", " ", "\"");
            strcat(q, " ");
            ok = ok && add_word(q, sizeof q, &c);
            strcat(q, " -");
            ok = ok && add_word(q, sizeof q, &c);
            strcat(q, " ");
            ok = ok && add_phrase_clause(q, sizeof q, &c);
        }
        if (!ok)
            continue;
        const uint32_t was = pruned;
        compare(s, q, any, ks[rnd(4)], &pruned);
        single_pruned += shape <= 1 && pruned > was;
        done++;
    }
    cr_expect_gt(pruned, done / 8, "pruning skipped documents in only %u of %u queries",
                 (unsigned)pruned, (unsigned)done);
    cr_expect_gt(single_pruned, 30, "one-phrase queries skipped documents %u times",
                 (unsigned)single_pruned);

    search_close(s);
    free_corpus(&c);
    remove_tmp(dir);
}
