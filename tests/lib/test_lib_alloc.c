/*
 * test_lib_alloc.c - libquire's own code (lib/) on every allocation failing in turn
 * (STYLE.md 7, SQLite's fts5fault tests): a writer's transaction and commit, then a
 * reader, a searcher and a query with passages, with the N-th allocation and all after it
 * failing, for N = 1, 2, ... until the whole runs. Each run returns QUIRE_ENOMEM cleanly
 * (ASan's leak check, in the sanitizer build, sees nothing left), and the index is at its
 * last commit or the new one, never between. Links lib/'s objects with the internals, for
 * quire_alloc_fail_at().
 */
#include <quire/quire.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quire/status.h"

static const char *const base_docs[][2] = {
    {"a", "The first document speaks of tea and coffee."},
    {"b", "The second one is about water, and a little tea."},
    {"c", "A third: mountains, rivers and the sea."}};

static int add(quire_writer *w, const char *id, const char *text)
{
    quire_document d = QUIRE_DOCUMENT_INIT;
    d.id = id;
    d.id_len = strlen(id);
    d.title = "Title";
    d.title_len = 5;
    d.date = "2024-02-29";
    d.text = text;
    d.text_len = strlen(text);
    return quire_writer_add(w, &d);
}

static quire_writer_options one_thread(void)
{
    quire_writer_options o = QUIRE_WRITER_OPTIONS_INIT;
    o.threads = 1;
    return o;
}

static void build_base(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    quire_writer *w = NULL;
    const quire_writer_options o = one_thread();
    cr_assert_eq(quire_writer_open(&w, dir, &o), QUIRE_OK, "%s", quire_errmsg());
    for (int i = 0; i < 3; i++)
        cr_assert_eq(add(w, base_docs[i][0], base_docs[i][1]), QUIRE_OK);
    cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_writer_close(w);
}

/* The changes (d and e added, b replaced, c deleted), then a query with passages. */
static int scenario(const char *dir, uint64_t *hits)
{
    quire_writer *w = NULL;
    const quire_writer_options o = one_thread();
    int rc = quire_writer_open(&w, dir, &o);
    if (rc == QUIRE_OK)
        rc = add(w, "d", "Tea gardens on the hills, tea in the cups.");
    if (rc == QUIRE_OK)
        rc = add(w, "b", "The second one now speaks of tea only.");
    if (rc == QUIRE_OK)
        rc = quire_writer_delete(w, "c", 1);
    if (rc == QUIRE_OK)
        rc = add(w, "e", "And a fifth about tea, \"green tea\" above all.");
    if (rc == QUIRE_OK)
        rc = quire_writer_commit(w, NULL);
    quire_writer_close(w);
    quire_reader *r = NULL;
    quire_searcher *s = NULL;
    quire_results *res = NULL;
    if (rc == QUIRE_OK)
        rc = quire_reader_open(&r, dir);
    if (rc == QUIRE_OK)
        rc = quire_searcher_new(&s, r);
    quire_search_options so = QUIRE_SEARCH_OPTIONS_INIT;
    so.passages = 2;
    if (rc == QUIRE_OK)
        rc = quire_search(&res, s, "tea OR \"green tea\"", 18, &so);
    if (rc == QUIRE_OK)
        *hits = quire_results_hit_count(res);
    quire_results_free(res);
    quire_searcher_free(s);
    quire_reader_close(r);
    return rc;
}

static uint64_t live_docs(const char *dir)
{
    quire_reader *r = NULL;
    cr_assert_eq(quire_reader_open(&r, dir), QUIRE_OK, "%s", quire_errmsg());
    uint64_t v = 0;
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_DOCS, &v), QUIRE_OK);
    quire_reader_close(r);
    cr_assert_eq(quire_verify(dir, NULL, NULL), QUIRE_OK, "%s", quire_errmsg());
    return v;
}

Test(lib_alloc, every_failing_allocation_returns_enomem_and_keeps_a_commit)
{
    char dir[] = "/tmp/quire-lib-alloc-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    build_base(dir);
    uint64_t hits = 0;
    cr_assert_eq(scenario(dir, &hits), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(hits, 4); /* a, b, d, e */
    cr_assert_eq(live_docs(dir), 4);
    long n = 1;
    for (; n < 100000; n++) {
        build_base(dir);
        quire_alloc_fail_at(n);
        const int rc = scenario(dir, &hits);
        const long used = quire_alloc_fail_at(0);
        if (rc == QUIRE_OK && used < n)
            break; /* it needed fewer than n allocations: every one has failed once */
        if (rc != QUIRE_OK)
            cr_assert_eq(rc, QUIRE_ENOMEM, "N = %ld: %d %s", n, rc, quire_errmsg());
        const uint64_t docs = live_docs(dir);
        cr_assert(docs == 3 || docs == 4, "N = %ld: %llu documents", n, (unsigned long long)docs);
    }
    cr_expect_gt(n, 50, "the scenario allocates more than that");
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

/* Files added to the transaction (read through the ingest library at the commit) and a
 * delete: f and g added, a deleted. */
static int files_scenario(const char *dir, const char *path)
{
    quire_writer *w = NULL;
    const quire_writer_options o = one_thread();
    int rc = quire_writer_open(&w, dir, &o);
    const char *paths[] = {path};
    if (rc == QUIRE_OK)
        rc = quire_writer_add_files(w, paths, 1, NULL);
    if (rc == QUIRE_OK)
        rc = quire_writer_delete(w, "a", 1);
    if (rc == QUIRE_OK)
        rc = quire_writer_commit(w, NULL);
    quire_writer_close(w);
    return rc;
}

Test(lib_alloc, files_every_failing_allocation_returns_enomem_and_keeps_a_commit)
{
    char dir[] = "/tmp/quire-lib-alloc-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[300];
    snprintf(path, sizeof path, "%s.jsonl", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("{\"id\":\"f\",\"title\":\"Eff\",\"text\":\"Tea from a file.\"}\n"
          "{\"id\":\"g\",\"date\":\"2020-02-02\",\"text\":\"More tea, \\\"green tea\\\".\"}\n",
          f);
    cr_assert_eq(fclose(f), 0);
    build_base(dir);
    cr_assert_eq(files_scenario(dir, path), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(live_docs(dir), 4); /* b, c, f, g */
    long n = 1;
    for (; n < 100000; n++) {
        build_base(dir);
        quire_alloc_fail_at(n);
        const int rc = files_scenario(dir, path);
        const long used = quire_alloc_fail_at(0);
        if (rc == QUIRE_OK && used < n)
            break;
        if (rc != QUIRE_OK)
            cr_assert_eq(rc, QUIRE_ENOMEM, "N = %ld: %d %s", n, rc, quire_errmsg());
        const uint64_t docs = live_docs(dir);
        cr_assert(docs == 3 || docs == 4, "N = %ld: %llu documents", n, (unsigned long long)docs);
    }
    cr_expect_gt(n, 20, "the scenario allocates more than that");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, path);
    cr_expect_eq(system(cmd), 0);
}
