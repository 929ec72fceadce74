/*
 * test_docs.c - what quire-serve needs from the query library beyond search_query():
 * searchers sharing one snapshot (search_open_index), one searcher per thread; a document
 * fetched by its external id with every match of a query highlighted (search_get_marked_doc),
 * including replaced, deleted and unknown ids and segments without an id index; the
 * per-query deadline.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quire/date.h"
#include "quire/index.h"
#include "test_util.h"

/* tests/data indexed under the ids the README shows (tests/data/NNN_....txt). */
static char *index_sample(const char *dir)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    const char *bin = env_or_skip("QUIRE_BINARY_DIR");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/quire-index' --quiet '%s/idx' tests/data/0*.txt", src,
             bin, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char *idx = malloc(strlen(dir) + 5);
    cr_assert(idx != NULL);
    sprintf(idx, "%s/idx", dir);
    return idx;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL, "%s", path);
    cr_assert(fputs(text, f) >= 0);
    cr_assert_eq(fclose(f), 0);
}

static void options_for(search_options *o, const char *query)
{
    search_options_init(o);
    o->query = query;
    o->query_len = strlen(query);
}

/* The folded text of bytes [start, end) of s: lower-case ASCII, other bytes kept. */
static void lower_span(char *out, size_t cap, const char *s, size_t start, size_t end)
{
    size_t n = 0;
    for (size_t i = start; i < end && n + 1 < cap; i++)
        out[n++] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
    out[n] = '\0';
}

Test(search_marked_doc, returns_the_stored_document_and_what_search_says_of_it)
{
    char *dir = make_tmp();
    char *idx = index_sample(dir);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    search_options o;
    options_for(&o, "uzbekistan");
    search_result r;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s", quire_errmsg());
    cr_assert(r.hit_count >= 2);
    for (uint32_t i = 0; i < r.hit_count; i++) {
        const search_hit *h = &r.hits[i];
        search_marked_doc d;
        cr_assert_eq(search_get_marked_doc(&d, s, h->external_id, h->external_id_len, NULL),
                     QUIRE_OK, "%s", quire_errmsg());
        cr_expect_str_eq(d.external_id, h->external_id);
        cr_expect_str_eq(d.title, h->title);
        cr_expect_eq(d.date, h->date);
        cr_expect_eq(d.doc_id, h->doc_id);
        cr_expect_eq(d.highlight_count, 0, "no query, no highlights");
        /* The text is the file's, as indexed: the first line's date removed (README). */
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", env_or_skip("QUIRE_SOURCE_DIR"), h->external_id);
        FILE *f = fopen(path, "rb");
        cr_assert(f != NULL, "%s", path);
        static char file[1 << 16];
        const size_t n = fread(file, 1, sizeof file - 1, f);
        fclose(f);
        file[n] = '\0';
        cr_expect(d.text_len > n / 2 && d.text_len <= n, "%zu of %zu bytes", d.text_len, n);
        cr_expect(strstr(file, d.text + d.text_len / 2) != NULL, "the text's second half is the "
                                                                 "file's end");
        cr_expect(strlen(d.text) == d.text_len);
        search_marked_doc_free(&d);
    }
    search_result_free(&r);
    search_close(s);
    free(idx);
    remove_tmp(dir);
}

/* For a phrase the occurrence count is exact (README "Ranking and counts"); the document
 * view marks every one of them, and nothing else. */
Test(search_marked_doc, highlights_every_occurrence_of_a_phrase)
{
    char *dir = make_tmp();
    char *idx = index_sample(dir);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    static const char *const phrases[] = {"\"no limits\"", "\"Xi Jinping\"", "\"putin\"",
                                          "\"the\""};
    for (size_t q = 0; q < sizeof phrases / sizeof phrases[0]; q++) {
        search_options o;
        options_for(&o, phrases[q]);
        o.top_k = 100;
        search_result r;
        cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s", quire_errmsg());
        cr_assert(r.has_occurrences && r.hit_count > 0, "%s", phrases[q]);
        uint64_t marked = 0;
        char want[64];
        lower_span(want, sizeof want, phrases[q], 1, strlen(phrases[q]) - 1);
        for (uint32_t i = 0; i < r.hit_count; i++) {
            search_marked_doc d;
            cr_assert_eq(
                search_get_marked_doc(&d, s, r.hits[i].external_id, r.hits[i].external_id_len, &o),
                QUIRE_OK, "%s", quire_errmsg());
            marked += d.highlight_count + d.title_highlight_count;
            for (uint32_t k = 0; k < d.highlight_count; k++) {
                const search_highlight *h = &d.highlights[k];
                cr_assert(h->start < h->end && h->end <= d.text_len);
                if (k > 0)
                    cr_expect(d.highlights[k - 1].end <= h->start, "ascending, disjoint");
                char got[64];
                lower_span(got, sizeof got, d.text, h->start, h->end);
                cr_expect_str_eq(got, want, "%s in %s at %zu", phrases[q], d.external_id, h->start);
            }
            search_marked_doc_free(&d);
        }
        cr_expect_eq(marked, r.occurrence_count, "%s: %llu marked, %llu occurrences", phrases[q],
                     (unsigned long long)marked, (unsigned long long)r.occurrence_count);
        search_result_free(&r);
    }
    search_close(s);
    free(idx);
    remove_tmp(dir);
}

Test(search_marked_doc, a_document_that_does_not_match_has_no_highlights)
{
    char *dir = make_tmp();
    char *idx = index_sample(dir);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    search_options o;
    options_for(&o, "zzzunknownword");
    search_marked_doc d;
    const char *id = "tests/data/000_9f4ac158bb6fb716.txt";
    cr_assert_eq(search_get_marked_doc(&d, s, id, strlen(id), &o), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(d.highlight_count, 0);
    cr_expect(d.text_len > 100);
    search_marked_doc_free(&d);
    search_close(s);
    free(idx);
    remove_tmp(dir);
}

Test(search_marked_doc, refuses_unknown_ids_and_malformed_queries)
{
    char *dir = make_tmp();
    char *idx = index_sample(dir);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
    search_marked_doc d;
    cr_expect_eq(search_get_marked_doc(&d, s, "nosuch", 6, NULL), QUIRE_ENOTFOUND);
    cr_expect_eq(search_get_marked_doc(&d, s, "tests/data/000_9f4ac158bb6fb716.tx", 34, NULL),
                 QUIRE_ENOTFOUND, "a prefix of an id is no id");
    cr_expect_eq(search_get_marked_doc(&d, s, "", 0, NULL), QUIRE_ENOTFOUND);
    search_options o;
    options_for(&o, "putin (xi");
    const char *id = "tests/data/000_9f4ac158bb6fb716.txt";
    cr_expect_eq(search_get_marked_doc(&d, s, id, strlen(id), &o), QUIRE_EINVAL);
    cr_expect_eq(search_error_offset(s), 6, "the caret goes under the '('");
    cr_expect_eq(d.text, NULL, "nothing handed out on failure");
    search_close(s);
    free(idx);
    remove_tmp(dir);
}

static void index_jsonl(const char *idx, const char *dir, const char *name, const char *lines,
                        const char *extra)
{
    char path[4200], cmd[9000];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, lines);
    snprintf(cmd, sizeof cmd, "'%s/quire-index' --quiet %s '%s' '%s' >/dev/null 2>&1",
             env_or_skip("QUIRE_BINARY_DIR"), extra, idx, path);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void expect_text(searcher *s, const char *id, const char *want)
{
    search_marked_doc d;
    const int rc = search_get_marked_doc(&d, s, id, strlen(id), NULL);
    if (want == NULL) {
        cr_expect_eq(rc, QUIRE_ENOTFOUND, "%s is gone", id);
        return;
    }
    cr_assert_eq(rc, QUIRE_OK, "%s: %s", id, quire_errmsg());
    cr_expect_str_eq(d.text, want, "%s", id);
    search_marked_doc_free(&d);
}

/* Replaced and deleted documents across segments; a segment without an id index (format
 * version 1 wrote none) is scanned instead, with the same answers. */
Test(search_marked_doc, finds_the_live_version_of_a_replaced_document)
{
    char *dir = make_tmp();
    char idx[4200];
    snprintf(idx, sizeof idx, "%s/idx", dir);
    index_jsonl(idx, dir, "a.jsonl",
                "{\"id\":\"a\",\"text\":\"first version of a\"}\n"
                "{\"id\":\"b\",\"text\":\"document b\"}\n"
                "{\"id\":\"c\",\"text\":\"document c\"}\n",
                "");
    index_jsonl(idx, dir, "b.jsonl",
                "{\"id\":\"a\",\"text\":\"second version of a\"}\n"
                "{\"id\":\"d\",\"text\":\"document d\"}\n",
                "--delete c");
    for (int pass = 0; pass < 2; pass++) {
        searcher *s = NULL;
        cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());
        expect_text(s, "a", "second version of a");
        expect_text(s, "b", "document b");
        expect_text(s, "c", NULL);
        expect_text(s, "d", "document d");
        expect_text(s, "e", NULL);
        search_close(s);
        char cmd[4300];
        snprintf(cmd, sizeof cmd, "rm -f '%s'/*.ids", idx);
        cr_assert_eq(system(cmd), 0);
    }
    remove_tmp(dir);
}

typedef struct worker {
    quire_index *ix;
    const char *dir;
    const char *query;
    char ids[1024]; /* the hits' ids and scores, for comparison */
    int rc;
} worker;

static void describe(char *out, size_t cap, const search_result *r)
{
    size_t n = (size_t)snprintf(out, cap, "%llu:", (unsigned long long)r->match_count);
    for (uint32_t i = 0; i < r->hit_count && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, " %s=%.6f/%u", r->hits[i].external_id,
                              r->hits[i].score, r->hits[i].passage_count);
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    searcher *s = NULL;
    w->rc = search_open_index(&s, w->ix, w->dir);
    for (int i = 0; i < 50 && w->rc == QUIRE_OK; i++) {
        search_options o;
        options_for(&o, w->query);
        o.passages = 2;
        search_result r;
        w->rc = search_query(&r, s, &o);
        if (w->rc == QUIRE_OK) {
            char now[1024];
            describe(now, sizeof now, &r);
            if (i == 0)
                strcpy(w->ids, now);
            else if (strcmp(now, w->ids) != 0)
                w->rc = QUIRE_ECORRUPT; /* another answer to the same query */
            search_result_free(&r);
        }
    }
    search_close(s);
    return NULL;
}

/* Eight threads, eight searchers, one snapshot: each answers as a searcher of its own. */
Test(search_shared, threads_share_one_snapshot)
{
    char *dir = make_tmp();
    char *idx = index_sample(dir);
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    static const char *const queries[] = {"putin xi",        "\"no limits\"", "uzbek*",
                                          "putin NEAR/3 xi", "visit OR gas",  "russia -china",
                                          "title:putin",     "expect visit"};
    worker w[8];
    pthread_t t[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (worker){ix, idx, queries[i], "", QUIRE_OK};
        cr_assert_eq(pthread_create(&t[i], NULL, run_worker, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        cr_assert_eq(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 8; i++) {
        cr_expect_eq(w[i].rc, QUIRE_OK, "%s: %d", queries[i], w[i].rc);
        searcher *alone = NULL;
        cr_assert_eq(search_open(&alone, idx), QUIRE_OK);
        search_options o;
        options_for(&o, queries[i]);
        o.passages = 2;
        search_result r;
        cr_assert_eq(search_query(&r, alone, &o), QUIRE_OK);
        char want[1024];
        describe(want, sizeof want, &r);
        cr_expect_str_eq(w[i].ids, want, "%s", queries[i]);
        search_result_free(&r);
        search_close(alone);
    }
    quire_index_close(ix);
    free(idx);
    remove_tmp(dir);
}

/* A snapshot is one commit: a searcher on it answers the same after a new commit, and
 * reports the generation it reads; a new snapshot sees the new commit. */
Test(search_shared, a_snapshot_keeps_its_commit)
{
    char *dir = make_tmp();
    char idx[4200];
    snprintf(idx, sizeof idx, "%s/idx", dir);
    index_jsonl(idx, dir, "a.jsonl", "{\"id\":\"a\",\"text\":\"walrus one\"}\n", "");
    quire_index *old = NULL;
    cr_assert_eq(quire_index_open(&old, idx, NULL), QUIRE_OK);
    searcher *s = NULL;
    cr_assert_eq(search_open_index(&s, old, idx), QUIRE_OK, "%s", quire_errmsg());
    const uint64_t gen = search_generation(s);
    cr_expect(gen >= 1);
    index_jsonl(idx, dir, "b.jsonl", "{\"id\":\"b\",\"text\":\"walrus two\"}\n", "");
    search_options o;
    options_for(&o, "walrus");
    search_result r;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK);
    cr_expect_eq(r.match_count, 1, "the old commit: one walrus");
    search_result_free(&r);
    expect_text(s, "b", NULL);
    searcher *fresh = NULL;
    cr_assert_eq(search_open(&fresh, idx), QUIRE_OK);
    cr_expect_eq(search_generation(fresh), gen + 1);
    cr_assert_eq(search_query(&r, fresh, &o), QUIRE_OK);
    cr_expect_eq(r.match_count, 2);
    search_result_free(&r);
    expect_text(fresh, "b", "walrus two");
    search_close(fresh);
    search_close(s);
    quire_index_close(old);
    remove_tmp(dir);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

Test(search_shared, a_query_past_its_deadline_stops)
{
    char *dir = make_tmp();
    char *idx = index_sample(dir);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK);
    search_options o;
    options_for(&o, "putin");
    o.passages = 1;
    o.deadline_ns = now_ns() - 1;
    search_result r;
    cr_expect_eq(search_query(&r, s, &o), QUIRE_ELIMIT);
    cr_expect(strstr(quire_errmsg(), "time limit") != NULL, "%s", quire_errmsg());
    cr_expect_eq(r.hit_count, 0);
    o.deadline_ns = now_ns() + 60ull * 1000000000u;
    cr_expect_eq(search_query(&r, s, &o), QUIRE_OK, "a deadline a minute away");
    cr_expect(r.hit_count > 0);
    search_result_free(&r);
    search_close(s);
    free(idx);
    remove_tmp(dir);
}
