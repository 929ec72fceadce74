/*
 * test_nightly.c - nightly updates (#4) through indexer_run(): the nightly scenario (day 1
 * indexed, then days 2..11 each adding new documents, changing some, deleting some by id,
 * one id twice in a day's input) where after every day a fixed query set (words, AND, OR,
 * NOT, phrases, NEAR, prefixes, counts) gives exactly the matches, counts, occurrence
 * counts and scores of a fresh index of that day's documents, the index verifies and the
 * merge policy keeps the segments few; replacement within a run; --delete of an unknown
 * id; --dry-run writes nothing and counts right; --optimize leaves one segment without
 * deletions and without the terms only deleted documents held; a merge refused for want
 * of disk space (--optimize: an error, the last commit intact; the policy: a warning, the
 * run commits without merging).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "indexer.h"
#include "query.h"
#include "quire/index.h"
#include "quire/manifest.h"
#include "quire/segment.h"
#include "tmp_root.h"

static void setup_tmp(void)
{
    tmp_setup_named("quire-test-nightly");
}

static uint64_t warnings_seen;
static char last_warning[1024];

static void collect_warning(void *ctx, const char *msg)
{
    (void)ctx;
    warnings_seen++;
    snprintf(last_warning, sizeof last_warning, "%s", msg);
}

typedef struct run_args {
    const char *dir;
    const char *inputs[2];
    size_t input_count;
    const char *const *deletes;
    size_t delete_count;
    bool dry_run, optimize;
} run_args;

static int index_run(const run_args *a, indexer_summary *sum)
{
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = a->dir;
    o.inputs = a->inputs;
    o.input_count = a->input_count;
    o.keep_diacritics = -1;
    o.memory = (size_t)64 << 20;
    o.threads = 1;
    o.zlib_level = -1;
    o.delete_ids = a->deletes;
    o.delete_count = a->delete_count;
    o.dry_run = a->dry_run;
    o.optimize = a->optimize;
    o.warn = collect_warning;
    warnings_seen = 0;
    last_warning[0] = '\0';
    indexer_summary local;
    return indexer_run(&o, sum ? sum : &local);
}

static void report_problem(void *ctx, const char *line)
{
    (void)ctx;
    cr_log_error("verify: %s", line);
}

static void expect_valid(const char *dir)
{
    cr_expect_eq(indexer_verify(dir, report_problem, NULL), QUIRE_OK, "%s: %s", dir,
                 quire_errmsg());
}

static index_stats stats_of(const char *dir)
{
    index_stats s;
    cr_assert_eq(indexer_stats(dir, &s), QUIRE_OK, "%s", quire_errmsg());
    return s;
}

/* ---------------------------------------------------------------- documents */

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (uint32_t)((z ^ (z >> 31)) % n);
}

static const char *const vocab[] = {
    "river",    "rivers", "bank",    "banks",    "banking",  "oil",    "price",   "prices",
    "grain",    "wheat",  "market",  "markets",  "trade",    "trader", "traders", "rate",
    "rates",    "cut",    "cuts",    "report",   "reported", "the",    "of",      "and",
    "a",        "in",     "to",      "north",    "south",    "storm",  "storms",  "ship",
    "shipping", "port",   "harbour", "coffee",   "cocoa",    "sugar",  "gold",    "silver",
    "copper",   "mine",   "mines",   "strike",   "strikes",  "union",  "vote",    "votes",
    "court",    "ruling", "appeal",  "minister", "ministry", "budget", "deficit", "growth",
    "slow",     "fast",   "record",  "high",     "low",      "week",   "month",   "year",
};
#define VOCAB (sizeof vocab / sizeof *vocab)

/* A document's text: 5 to 40 words, skewed to the first words of the vocabulary. */
static char *make_text(void)
{
    size_t cap = 1024, len = 0;
    char *t = malloc(cap);
    uint32_t n = 5 + rnd(36);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t w = rnd(VOCAB);
        if (rnd(3) == 0)
            w = rnd(12);
        len += (size_t)snprintf(t + len, cap - len, "%s%s", i ? " " : "", vocab[w]);
    }
    return t;
}

#define MAX_DOCS 2000

typedef struct corpus {
    char *text[MAX_DOCS]; /* by id number; NULL: absent */
    uint32_t next_id;
} corpus;

static void write_doc(FILE *f, uint32_t id, const char *text)
{
    fprintf(f, "{\"id\": \"doc%u\", \"title\": \"title %u\", \"text\": \"%s\"}\n", id, id % 7,
            text);
}

/* The whole corpus as one input, in id order. */
static void write_corpus(const corpus *c, const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (uint32_t i = 0; i < c->next_id; i++)
        if (c->text[i])
            write_doc(f, i, c->text[i]);
    cr_assert_eq(fclose(f), 0);
}

static const char *const queries[] = {
    "river",
    "bank",
    "oil prices",
    "grain OR wheat",
    "market -trade",
    "NOT the",
    "\"the bank\"",
    "\"oil prices\"",
    "\"of the\"",
    "~\"rate cut\"",
    "storm NEAR/3 ship",
    "river ONEAR/2 bank",
    "trad*",
    "min*",
    "title:\"title 3\" gold",
    "coffee cocoa sugar gold",
};
#define QUERIES (sizeof queries / sizeof *queries)

static int cmp_hit(const void *a, const void *b)
{
    const search_hit *x = a, *y = b;
    return strcmp(x->external_id, y->external_id);
}

/* Both indexes answer every query alike: the same documents, counts and scores. */
static void expect_same_answers(const char *got_dir, const char *want_dir, int day)
{
    for (size_t q = 0; q < QUERIES; q++) {
        for (int any = 0; any < 2; any++) {
            search_options o;
            search_options_init(&o);
            o.query = queries[q];
            o.query_len = strlen(queries[q]);
            o.match_any = any;
            o.top_k = MAX_DOCS;
            o.exhaustive = true;
            search_result got, want;
            cr_assert_eq(search_run(&got, got_dir, &o), QUIRE_OK, "%s", quire_errmsg());
            cr_assert_eq(search_run(&want, want_dir, &o), QUIRE_OK, "%s", quire_errmsg());
            cr_expect_eq(got.match_count, want.match_count, "day %d, query %s: %llu vs %llu", day,
                         queries[q], (unsigned long long)got.match_count,
                         (unsigned long long)want.match_count);
            cr_expect_eq(got.occurrence_count, want.occurrence_count, "day %d, query %s", day,
                         queries[q]);
            cr_assert_eq(got.hit_count, want.hit_count, "day %d, query %s", day, queries[q]);
            if (got.hit_count > 0) {
                qsort(got.hits, got.hit_count, sizeof *got.hits, cmp_hit);
                qsort(want.hits, want.hit_count, sizeof *want.hits, cmp_hit);
            }
            for (uint32_t i = 0; i < got.hit_count; i++) {
                cr_expect_str_eq(got.hits[i].external_id, want.hits[i].external_id,
                                 "day %d, query %s", day, queries[q]);
                cr_expect(fabs(got.hits[i].score - want.hits[i].score) <=
                              1e-12 * fabs(want.hits[i].score),
                          "day %d, query %s, %s: score %.17g vs %.17g", day, queries[q],
                          got.hits[i].external_id, got.hits[i].score, want.hits[i].score);
            }
            search_result_free(&got);
            search_result_free(&want);
            /* the pruned top 10 (MaxScore skips documents, deleted ones must stay out):
             * the same scores, whatever order ties of equal score come in */
            o.exhaustive = false;
            o.top_k = 10;
            cr_assert_eq(search_run(&got, got_dir, &o), QUIRE_OK, "%s", quire_errmsg());
            cr_assert_eq(search_run(&want, want_dir, &o), QUIRE_OK, "%s", quire_errmsg());
            cr_assert_eq(got.hit_count, want.hit_count, "day %d, query %s", day, queries[q]);
            for (uint32_t i = 0; i < got.hit_count; i++)
                cr_expect(fabs(got.hits[i].score - want.hits[i].score) <=
                              1e-12 * fabs(want.hits[i].score),
                          "day %d, query %s, top 10 hit %u: score %.17g vs %.17g", day, queries[q],
                          i, got.hits[i].score, want.hits[i].score);
            search_result_free(&got);
            search_result_free(&want);
        }
    }
}

Test(nightly, every_day_answers_as_a_fresh_index_of_that_days_documents, .init = setup_tmp,
     .fini = teardown_tmp, .timeout = 600)
{
    rng_state = 4;
    static corpus c;
    memset(&c, 0, sizeof c);
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp_path("idx"));
    for (uint32_t i = 0; i < 300; i++)
        c.text[c.next_id++] = make_text();
    char *day1 = strdup(tmp_path("day1.jsonl"));
    write_corpus(&c, day1);
    run_args a = {.dir = dir, .inputs = {day1}, .input_count = 1};
    cr_assert_eq(index_run(&a, NULL), QUIRE_OK, "%s", quire_errmsg());
    uint32_t most_segments = 0;
    uint64_t deleted_seen = 0;
    for (int day = 2; day <= 11; day++) {
        char name[64];
        snprintf(name, sizeof name, "day%d.jsonl", day);
        char *path = strdup(tmp_path(name));
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        uint32_t changed = 0, added = 0, twice = 0;
        /* changed documents (some changed twice within the day: the second wins) */
        for (int k = 0; k < 25; k++) {
            uint32_t id = rnd(c.next_id);
            if (!c.text[id])
                continue;
            free(c.text[id]);
            c.text[id] = make_text();
            write_doc(f, id, c.text[id]);
            changed++;
            if (k % 10 == 0) {
                free(c.text[id]);
                c.text[id] = make_text();
                write_doc(f, id, c.text[id]);
                twice++;
            }
        }
        /* new documents */
        for (int k = 0; k < 30 + day * 3; k++) {
            c.text[c.next_id] = make_text();
            write_doc(f, c.next_id, c.text[c.next_id]);
            c.next_id++;
            added++;
        }
        cr_assert_eq(fclose(f), 0);
        /* deleted documents: ones the day's input does not bring back (a deletion applies
         * before the input, so an id deleted and sent the same day would stay, new) */
        char *del_ids[20];
        size_t ndel = 0;
        for (int k = 0; k < 60 && ndel < 20; k++) {
            uint32_t id = rnd(c.next_id - added);
            if (!c.text[id])
                continue;
            FILE *in = fopen(path, "r");
            char line[4096], needle[48];
            snprintf(needle, sizeof needle, "\"id\": \"doc%u\"", id);
            bool brought_back = false;
            while (fgets(line, sizeof line, in))
                brought_back |= strstr(line, needle) != NULL;
            fclose(in);
            if (brought_back)
                continue;
            free(c.text[id]);
            c.text[id] = NULL;
            deleted_seen++;
            char buf[32];
            snprintf(buf, sizeof buf, "doc%u", id);
            del_ids[ndel++] = strdup(buf);
        }
        run_args d = {.dir = dir,
                      .inputs = {path},
                      .input_count = 1,
                      .deletes = (const char *const *)del_ids,
                      .delete_count = ndel};
        indexer_summary sum;
        cr_assert_eq(index_run(&d, &sum), QUIRE_OK, "day %d: %s", day, quire_errmsg());
        cr_expect_eq(sum.docs_added, changed + twice + added, "day %d", day);
        cr_expect_eq(sum.docs_replaced, changed + twice, "day %d: %llu vs %u", day,
                     (unsigned long long)sum.docs_replaced, changed + twice);
        cr_expect_eq(sum.docs_deleted, ndel, "day %d", day);
        expect_valid(dir);

        snprintf(name, sizeof name, "fresh%d", day);
        char *fresh = strdup(tmp_path(name));
        snprintf(name, sizeof name, "all%d.jsonl", day);
        char *all = strdup(tmp_path(name));
        write_corpus(&c, all);
        run_args fa = {.dir = fresh, .inputs = {all}, .input_count = 1};
        cr_assert_eq(index_run(&fa, NULL), QUIRE_OK, "%s", quire_errmsg());
        index_stats got = stats_of(dir), want = stats_of(fresh);
        cr_expect_eq(got.docs, want.docs, "day %d", day);
        cr_expect_eq(got.total_tokens, want.total_tokens, "day %d", day);
        if (got.segment_count > most_segments)
            most_segments = got.segment_count;
        expect_same_answers(dir, fresh, day);
        rm_tree(fresh);
        for (size_t j = 0; j < ndel; j++)
            free(del_ids[j]);
        free(fresh);
        free(all);
        free(path);
    }
    cr_expect(deleted_seen > 50, "the scenario deleted %llu", (unsigned long long)deleted_seen);
    /* 11 runs, each adding a segment: the policy merged them (8 of a level at most 7) */
    cr_expect(most_segments <= 8, "%u segments", most_segments);
    cr_expect(most_segments >= 2, "%u segments", most_segments);

    /* --optimize: one segment, nothing deleted, same answers */
    run_args o = {.dir = dir, .optimize = true};
    cr_assert_eq(index_run(&o, NULL), QUIRE_OK, "%s", quire_errmsg());
    index_stats s = stats_of(dir);
    cr_expect_eq(s.segment_count, 1);
    cr_expect_eq(s.deleted_docs, 0);
    expect_valid(dir);
    char *all = strdup(tmp_path("final.jsonl"));
    char *fresh = strdup(tmp_path("fresh-final"));
    write_corpus(&c, all);
    run_args fa = {.dir = fresh, .inputs = {all}, .input_count = 1};
    cr_assert_eq(index_run(&fa, NULL), QUIRE_OK, "%s", quire_errmsg());
    expect_same_answers(dir, fresh, 99);
    for (uint32_t i = 0; i < c.next_id; i++)
        free(c.text[i]);
    free(all);
    free(fresh);
    free(day1);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static uint64_t count_of(const char *dir, const char *query)
{
    search_options o;
    search_options_init(&o);
    o.query = query;
    o.query_len = strlen(query);
    o.top_k = 0;
    search_result r;
    cr_assert_eq(search_run(&r, dir, &o), QUIRE_OK, "%s", quire_errmsg());
    uint64_t n = r.match_count;
    search_result_free(&r);
    return n;
}

/* the names of the files in dir, sorted, one string */
static char *list_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    cr_assert(n >= 0);
    size_t cap = 16, len = 0;
    char *out = calloc(1, cap);
    for (int i = 0; i < n; i++) {
        size_t l = strlen(names[i]->d_name);
        while (len + l + 2 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + len, names[i]->d_name, l);
        len += l;
        out[len++] = ' ';
        out[len] = '\0';
        free(names[i]);
    }
    free(names);
    return out;
}

Test(nightly, replace_delete_and_dry_run, .init = setup_tmp, .fini = teardown_tmp)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp_path("idx"));
    char *one = strdup(tmp_path("one.jsonl")), *two = strdup(tmp_path("two.jsonl"));
    write_text(one, "{\"id\": \"a\", \"text\": \"apple banana\"}\n"
                    "{\"id\": \"b\", \"text\": \"banana cherry\"}\n"
                    "{\"id\": \"a\", \"text\": \"apple damson\"}\n"
                    "{\"id\": \"c\", \"text\": \"elder fig\"}\n");
    run_args a = {.dir = dir, .inputs = {one}, .input_count = 1};
    indexer_summary sum;
    cr_assert_eq(index_run(&a, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(sum.docs_added, 4);
    cr_expect_eq(sum.docs_replaced, 1, "a twice in one run: the second replaces the first");
    cr_expect_eq(stats_of(dir).docs, 3);
    cr_expect_eq(count_of(dir, "banana"), 1, "only b: the first a is gone");
    cr_expect_eq(count_of(dir, "damson"), 1);
    expect_valid(dir);

    write_text(two, "{\"id\": \"b\", \"text\": \"grape\"}\n{\"id\": \"z\", \"text\": \"grape\"}\n");
    const char *dels[] = {"c", "nosuch"};
    char *before = list_dir(dir);
    run_args dry = {.dir = dir,
                    .inputs = {two},
                    .input_count = 1,
                    .deletes = dels,
                    .delete_count = 2,
                    .dry_run = true};
    cr_assert_eq(index_run(&dry, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(sum.docs_added, 2);
    cr_expect_eq(sum.docs_replaced, 1);
    cr_expect_eq(sum.docs_deleted, 1);
    cr_expect_eq(sum.delete_missing, 1);
    char *after = list_dir(dir);
    cr_expect_str_eq(after, before, "a dry run writes nothing");
    free(after);

    run_args d = {
        .dir = dir, .inputs = {two}, .input_count = 1, .deletes = dels, .delete_count = 2};
    cr_assert_eq(index_run(&d, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(sum.docs_deleted, 1);
    cr_expect_eq(sum.delete_missing, 1);
    cr_expect_not_null(strstr(last_warning, "nosuch"), "%s", last_warning);
    cr_expect_eq(stats_of(dir).docs, 3, "a, b (new), z");
    cr_expect_eq(count_of(dir, "banana OR cherry OR elder"), 0);
    cr_expect_eq(count_of(dir, "grape"), 2);
    cr_expect_eq(count_of(dir, "NOT grape"), 1);
    expect_valid(dir);

    /* a deletion alone is a commit; deleting everything leaves an empty index */
    const char *rest[] = {"a", "b", "z"};
    run_args all = {.dir = dir, .deletes = rest, .delete_count = 3};
    uint64_t gen = stats_of(dir).generation;
    cr_assert_eq(index_run(&all, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(stats_of(dir).generation, gen + 1);
    cr_expect_eq(stats_of(dir).docs, 0);
    cr_expect_eq(stats_of(dir).segment_count, 0);
    expect_valid(dir);
    free(before);
    free(one);
    free(two);
}

Test(nightly, optimize_drops_deleted_documents_and_their_terms, .init = setup_tmp,
     .fini = teardown_tmp)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp_path("idx"));
    char *one = strdup(tmp_path("one.jsonl")), *two = strdup(tmp_path("two.jsonl"));
    write_text(one, "{\"id\": \"a\", \"text\": \"common uniqueword alpha\"}\n"
                    "{\"id\": \"b\", \"text\": \"common beta\"}\n"
                    "{\"id\": \"c\", \"text\": \"common gamma\"}\n");
    write_text(two, "{\"id\": \"d\", \"text\": \"common delta\"}\n");
    run_args a = {.dir = dir, .inputs = {one}, .input_count = 1};
    cr_assert_eq(index_run(&a, NULL), QUIRE_OK, "%s", quire_errmsg());
    const char *dels[] = {"a"};
    run_args d = {
        .dir = dir, .inputs = {two}, .input_count = 1, .deletes = dels, .delete_count = 1};
    cr_assert_eq(index_run(&d, NULL), QUIRE_OK, "%s", quire_errmsg());
    index_stats s = stats_of(dir);
    cr_expect_eq(s.segment_count, 2);
    cr_expect_eq(s.deleted_docs, 1);
    cr_expect_eq(count_of(dir, "uniqueword"), 0);

    /* refused for want of space: an error, the last commit as it was */
    setenv("QUIRE_TEST_FREE_BYTES", "1000", 1);
    run_args o = {.dir = dir, .optimize = true};
    char *before = list_dir(dir);
    cr_expect_neq(index_run(&o, NULL), QUIRE_OK);
    cr_expect_not_null(strstr(quire_errmsg(), "free disk space"), "%s", quire_errmsg());
    char *after = list_dir(dir);
    cr_expect_str_eq(after, before);
    cr_expect_eq(stats_of(dir).generation, s.generation);
    unsetenv("QUIRE_TEST_FREE_BYTES");

    cr_assert_eq(index_run(&o, NULL), QUIRE_OK, "%s", quire_errmsg());
    s = stats_of(dir);
    cr_expect_eq(s.segment_count, 1);
    cr_expect_eq(s.deleted_docs, 0);
    cr_expect_eq(s.docs, 3);
    cr_expect_eq(count_of(dir, "common"), 3);
    expect_valid(dir);
    quire_index *ix;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK);
    quire_term t;
    const quire_segment *seg = quire_index_segment(ix, 0);
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_FORM, quire_bytes_of("uniqueword", 10), &t),
                 QUIRE_ENOTFOUND, "a term only a deleted document held is gone");
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_STEM, quire_bytes_of("alpha", 5), &t),
                 QUIRE_ENOTFOUND);
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_FORM, quire_bytes_of("delta", 5), &t),
                 QUIRE_OK);
    quire_doc_info info;
    cr_assert_eq(quire_segment_doc_info(seg, 0, &info), QUIRE_OK);
    cr_expect_eq(info.external_id.len, 1);
    cr_expect_eq(info.external_id.ptr[0], 'b', "doc 0 is b: a is gone");
    quire_buf text = QUIRE_BUF_INIT;
    cr_assert_eq(quire_segment_doc_text(seg, 2, &text), QUIRE_OK);
    cr_expect_eq(text.len, strlen("common delta"));
    cr_expect_eq(memcmp(text.data, "common delta", text.len), 0);
    quire_buf_free(&text);
    quire_index_close(ix);
    free(before);
    free(after);
    free(one);
    free(two);
}

Test(nightly, the_policy_waits_for_disk_space_and_commits_anyway, .init = setup_tmp,
     .fini = teardown_tmp)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp_path("idx"));
    char *in = strdup(tmp_path("in.jsonl"));
    for (int i = 0; i < 7; i++) {
        char line[128];
        snprintf(line, sizeof line, "{\"id\": \"r%d\", \"text\": \"run %d words\"}\n", i, i);
        write_text(in, line);
        run_args a = {.dir = dir, .inputs = {in}, .input_count = 1};
        cr_assert_eq(index_run(&a, NULL), QUIRE_OK, "%s", quire_errmsg());
    }
    cr_expect_eq(stats_of(dir).segment_count, 7);
    setenv("QUIRE_TEST_FREE_BYTES", "1000", 1);
    run_args a = {.dir = dir, .inputs = {in}, .input_count = 1};
    write_text(in, "{\"id\": \"r8\", \"text\": \"run 8 words\"}\n");
    indexer_summary sum;
    cr_assert_eq(index_run(&a, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(sum.merges, 0);
    cr_expect_not_null(strstr(last_warning, "free disk space"), "%s", last_warning);
    cr_expect_eq(stats_of(dir).segment_count, 8);
    unsetenv("QUIRE_TEST_FREE_BYTES");
    write_text(in, "{\"id\": \"r9\", \"text\": \"run 9 words\"}\n");
    cr_assert_eq(index_run(&a, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(sum.merges, 1);
    cr_expect_eq(stats_of(dir).segment_count, 2, "8 merged into one, and the 9th");
    cr_expect_eq(stats_of(dir).docs, 9);
    cr_expect_eq(count_of(dir, "words"), 9);
    expect_valid(dir);
    free(in);
}

Test(nightly, segments_without_an_id_index_are_looked_up_in_dmd, .init = setup_tmp,
     .fini = teardown_tmp)
{
    /* segments of format version 1 have no .ids: their ids are read from .dmd instead */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tmp_path("idx"));
    char *one = strdup(tmp_path("one.jsonl")), *two = strdup(tmp_path("two.jsonl"));
    write_text(one, "{\"id\": \"a\", \"text\": \"apple\"}\n{\"id\": \"b\", \"text\": \"banana\"}\n"
                    "{\"id\": \"c\", \"text\": \"cherry\"}\n");
    run_args a = {.dir = dir, .inputs = {one}, .input_count = 1};
    cr_assert_eq(index_run(&a, NULL), QUIRE_OK, "%s", quire_errmsg());
    char ids_path[600];
    snprintf(ids_path, sizeof ids_path, "%s/seg-00000001.ids", dir);
    cr_assert_eq(unlink(ids_path), 0, "the writer wrote %s", ids_path);
    write_text(two, "{\"id\": \"b\", \"text\": \"blueberry\"}\n");
    const char *dels[] = {"c"};
    run_args d = {
        .dir = dir, .inputs = {two}, .input_count = 1, .deletes = dels, .delete_count = 1};
    indexer_summary sum;
    cr_assert_eq(index_run(&d, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(sum.docs_replaced, 1);
    cr_expect_eq(sum.docs_deleted, 1);
    cr_expect_eq(stats_of(dir).docs, 2);
    cr_expect_eq(count_of(dir, "banana OR cherry"), 0);
    cr_expect_eq(count_of(dir, "blueberry OR apple"), 2);
    expect_valid(dir);
    free(one);
    free(two);
}
