/*
 * test_golden.c - indexes written by earlier format versions stay readable. The folder
 * tests/golden/v2 is an index written by format version 2 (and tests/golden/v3 one written
 * by version 3, read by the same checks through test_golden_v3.c) (tests/golden/README.md:
 * two runs of tests/golden/make_index.sh over two sample articles and the 300
 * generated documents of make_corpus.py, with one replacement and two deletions), committed
 * as bytes and never rewritten. This suite opens it with today's readers and checks:
 *   - that its files really are version 2 (the header's version field), and verify;
 *   - every document's id, title, date and stored text against the generator's formulas
 *     (the same formulas in C below) and the sample files;
 *   - match and occurrence counts of words, phrases, fields, dates and prefixes, each
 *     derived by hand from the formulas (the derivation is in the comment beside it);
 *   - ranked results, scores, counts and passages equal to those of a fresh index built
 *     from the same inputs by today's quire-index, for a set of queries of every class.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quire/date.h"
#include "quire/index.h"
#include "quire/segment.h"

/* The golden index this build of the suite reads: tests/golden/v<GOLDEN_VERSION>.
 * test_golden_v3.c includes this file with GOLDEN_VERSION 3; compiled alone it is 2. */
#ifndef GOLDEN_VERSION
#define GOLDEN_VERSION 2
#endif
#define GOLDEN_STR_(x) #x
#define GOLDEN_STR(x) GOLDEN_STR_(x)
#define GOLDEN_NAME "v" GOLDEN_STR(GOLDEN_VERSION)

static const char *env_or_skip(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL)
        cr_skip_test("%s is not set (run through ctest)", name);
    return v;
}

static char *golden_dir(void)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char *p = malloc(strlen(src) + 64);
    cr_assert(p != NULL);
    sprintf(p, "%s/tests/golden/" GOLDEN_NAME, src);
    return p;
}

/* A copy of the golden index in a new temporary folder (readers write nothing, but a test
 * should not risk the committed bytes). Returns the folder; the index is in <it>/v<GOLDEN_VERSION>. */
static char *copy_golden(void)
{
    char tmpl[] = "/tmp/quire-golden-XXXXXX";
    cr_assert(mkdtemp(tmpl) != NULL);
    char *g = golden_dir();
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s/" GOLDEN_NAME "'", g, tmpl);
    cr_assert_eq(system(cmd), 0);
    free(g);
    return strdup(tmpl);
}

static void remove_dir(char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

static char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert(p != NULL);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "cannot open %s", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    cr_assert(n >= 0);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    cr_assert(b != NULL);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n;
    return b;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && strchr(" \t\r\n", (*s)[0]) != NULL) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && strchr(" \t\r\n", (*s)[*n - 1]) != NULL)
        (*n)--;
}

/* ---- the generator's formulas (make_corpus.py), in C ---- */

static void doc_text(uint32_t i, char *out, size_t cap)
{
    size_t n = 0;
#define PUT(...) (n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__))
    for (uint32_t k = 0; k < i % 5 + 1; k++)
        PUT("%salpha", n ? " " : "");
    if (i % 2 == 0)
        PUT(" beta");
    if (i % 3 == 0)
        PUT(" gamma");
    if (i % 7 == 0)
        PUT(" delta");
    PUT(" w%u", i % 17);
    if (i % 10 == 0)
        PUT(" alpha beta");
    if (i % 25 == 0)
        PUT(" Russia\xe2\x80\x99s stance");
    if (i == 123)
        for (uint32_t k = 0; k < 300; k++)
            PUT(" pos%u", k % 3);
    PUT(".");
#undef PUT
    cr_assert(n < cap);
}

static void doc_title(uint32_t i, char *out, size_t cap)
{
    snprintf(out, cap, "Golden document %u%s", i, i % 50 == 0 ? " Caf\xc3\xa9" : "");
}

/* ---- the files are of version GOLDEN_VERSION ---- */

Test(golden, files_are_of_their_version)
{
    char *g = golden_dir();
    static const char *const names[] = {
        "seg-00000001.ter", "seg-00000001.doc", "seg-00000001.pos",
        "seg-00000001.len", "seg-00000001.dmd", "seg-00000001.sto",
        "seg-00000001.ids", "seg-00000002.ter", "seg-00000002.doc",
        "seg-00000002.pos", "seg-00000002.len", "seg-00000002.dmd",
        "seg-00000002.sto", "seg-00000002.ids", "seg-00000001.del-0000000000000002"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *p = join(g, names[i]);
        size_t len;
        char *b = read_file(p, &len);
        cr_assert(len >= 64, "%s", names[i]);
        cr_expect(memcmp(b, "QUIR", 4) == 0, "%s: magic", names[i]);
        cr_expect_eq(quire_load_le32((const uint8_t *)b + 8), (uint32_t)GOLDEN_VERSION, "%s: version", names[i]);
        free(b);
        free(p);
    }
    char *p = join(g, "manifest-0000000000000002");
    size_t len;
    char *b = read_file(p, &len);
    cr_expect(memcmp(b, "QUIRMAN ", 8) == 0);
    cr_expect_eq(quire_load_le32((const uint8_t *)b + 8), (uint32_t)GOLDEN_VERSION, "manifest version");
    free(b);
    free(p);
    free(g);
}

/* ---- open, verify, statistics ---- */

static void report_line(void *ctx, const char *line)
{
    (void)ctx;
    cr_log_error("verify: %s", line);
}

Test(golden, opens_and_verifies)
{
    char *tmp = copy_golden();
    char *dir = join(tmp, GOLDEN_NAME);
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_segment_count(ix), 2);
    /* segment 1: the two articles and g000..g199; segment 2: g200..g299 and the new g010 */
    cr_expect_eq(quire_segment_get_stats(quire_index_segment(ix, 0))->doc_count, 202);
    cr_expect_eq(quire_segment_get_stats(quire_index_segment(ix, 1))->doc_count, 101);
    /* 303 documents, 3 deleted: g007, g150 and the old g010 */
    cr_expect_eq(quire_index_doc_count(ix), 300);
    for (uint32_t s = 0; s < 2; s++)
        cr_expect_eq(quire_segment_verify(quire_index_segment(ix, s), report_line, NULL), QUIRE_OK,
                     "segment %u does not verify", s);
    quire_index_close(ix);
    free(dir);
    remove_dir(tmp);
}

/* ---- every document's metadata and stored text ---- */

static void expect_doc(const quire_segment *seg, uint32_t d, const char *id, const char *title,
                       int32_t date, const char *text, size_t text_len)
{
    quire_doc_info info;
    cr_assert_eq(quire_segment_doc_info(seg, d, &info), QUIRE_OK, "%s", quire_errmsg());
    cr_expect(info.external_id.len == strlen(id) &&
                  memcmp(info.external_id.ptr, id, info.external_id.len) == 0,
              "doc %u: id %.*s, want %s", d, (int)info.external_id.len, info.external_id.ptr, id);
    cr_expect(info.title.len == strlen(title) && memcmp(info.title.ptr, title, info.title.len) == 0,
              "doc %s: title %.*s, want %s", id, (int)info.title.len, info.title.ptr, title);
    cr_expect_eq(info.date, date, "doc %s: date", id);
    quire_buf b = QUIRE_BUF_INIT;
    cr_assert_eq(quire_segment_doc_text(seg, d, &b), QUIRE_OK, "%s", quire_errmsg());
    cr_expect(b.len == text_len && memcmp(b.data, text, text_len) == 0,
              "doc %s: stored text differs (%zu bytes, want %zu)", id, b.len, text_len);
    quire_buf_free(&b);
}

Test(golden, documents_and_stored_text)
{
    char *tmp = copy_golden();
    char *dir = join(tmp, GOLDEN_NAME);
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    const quire_segment *s1 = quire_index_segment(ix, 0), *s2 = quire_index_segment(ix, 1);
    int32_t day0;
    cr_assert(quire_date_parse("2020-01-01", 10, &day0));

    /* The articles: 000's short first line is its title, the rest its text; 003's first
     * line is " date 2022-12-30 " and a line too long for a title, so it has none. Texts
     * are trimmed of blanks. */
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/tests/data/000_9f4ac158bb6fb716.txt", src);
    char *f0 = read_file(path, &len);
    char *nl = strchr(f0, '\n');
    cr_assert(nl != NULL);
    *nl = '\0';
    const char *t0 = nl + 1;
    size_t n0 = len - (size_t)(t0 - f0);
    trim(&t0, &n0);
    expect_doc(s1, 0, "000_9f4ac158bb6fb716.txt", f0, QUIRE_NO_DATE, t0, n0);
    free(f0);
    snprintf(path, sizeof path, "%s/tests/data/003_b377222dc834d2b2.txt", src);
    char *f3 = read_file(path, &len);
    cr_assert(strncmp(f3, " date 2022-12-30 ", 17) == 0);
    int32_t d3;
    cr_assert(quire_date_parse("2022-12-30", 10, &d3));
    const char *t3 = f3 + 17;
    size_t n3 = len - 17;
    trim(&t3, &n3);
    expect_doc(s1, 1, "003_b377222dc834d2b2.txt", "", d3, t3, n3);
    free(f3);

    char text[4096], title[64], id[16];
    for (uint32_t i = 0; i < 300; i++) {
        doc_text(i, text, sizeof text);
        doc_title(i, title, sizeof title);
        snprintf(id, sizeof id, "g%03u", i);
        const quire_segment *seg = i < 200 ? s1 : s2;
        uint32_t d = i < 200 ? i + 2 : i - 200;
        expect_doc(seg, d, id, title, day0 + (int32_t)i, text, strlen(text));
        /* deleted: g007, g150, and g010 of segment 1 (replaced) */
        bool deleted = i == 7 || i == 150 || i == 10;
        cr_expect_eq(quire_index_is_deleted(ix, i < 200 ? 0 : 1, d), deleted, "%s deleted", id);
    }
    int32_t d10;
    cr_assert(quire_date_parse("2021-06-01", 10, &d10));
    const char *t10 = "replaced text alpha omega";
    expect_doc(s2, 100, "g010", "Golden document 10 again", d10, t10, strlen(t10));
    cr_expect(!quire_index_is_deleted(ix, 1, 100));
    quire_index_close(ix);
    free(dir);
    remove_dir(tmp);
}

/* ---- counts derived from the formulas ---- */

static void expect_count(searcher *s, const char *q, uint64_t docs, int64_t occurrences)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.top_k = 0;
    search_result r = SEARCH_RESULT_INIT;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    cr_expect_eq(r.match_count, docs, "%s: %llu documents, want %llu", q,
                 (unsigned long long)r.match_count, (unsigned long long)docs);
    cr_expect(r.match_count_exact, "%s", q);
    if (occurrences >= 0) {
        cr_expect(r.has_occurrences, "%s", q);
        cr_expect_eq(r.occurrence_count, (uint64_t)occurrences, "%s: %llu occurrences, want %lld",
                     q, (unsigned long long)r.occurrence_count, (long long)occurrences);
    }
    search_result_free(&r);
}

Test(golden, counts)
{
    char *tmp = copy_golden();
    char *dir = join(tmp, GOLDEN_NAME);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, dir), QUIRE_OK, "%s", quire_errmsg());
    /* Live generated documents: i = 0..299 but 7 and 150 (298), the old 10 replaced by
     * the new one ("replaced text alpha omega"). The articles hold none of the made-up
     * words. */
    expect_count(s, "alpha", 298, -1); /* every one */
    expect_count(s, "beta", 148, -1);  /* even i: 150, less 150, and 10 (its new text) */
    expect_count(s, "gamma", 99, -1);  /* i % 3 == 0: 100, less 150 */
    expect_count(s, "delta", 42, -1);  /* i % 7 == 0: 43 (0..294), less 7 */
    expect_count(s, "w3", 18, -1);     /* i % 17 == 3: 3, 20, ..., 292 */
    expect_count(s, "omega", 1, -1);   /* the new 10 */
    expect_count(s, "alpha beta", 148, -1);
    expect_count(s, "alpha OR omega", 298, -1);
    expect_count(s, "beta -gamma", 99, -1); /* i % 6 in {2, 4}: 100, less 10 (150 % 6 == 0) */
    /* "alpha beta" adjacent: once in each even i (the last alpha, then beta), once more
     * where i % 10 == 0 (30 of them, less 10 and 150: 28) */
    expect_count(s, "\"alpha beta\"", 148, 148 + 28);
    expect_count(s, "\"beta alpha\"", 0, 0);
    /* i % 25 == 0: 0, 25, ..., 275 (12), less 150 */
    expect_count(s, "\"russia's stance\"", 11, 11);
    expect_count(s, "title:cafe", 5, -1); /* i % 50 == 0: 6, less 150 */
    expect_count(s, "title:\"golden document\"", 298, 298);
    expect_count(s, "\"pos0 pos1 pos2\"", 1, 100); /* doc 123: pos0 pos1 pos2 ... x 100 */
    expect_count(s, "\"pos2 pos0\"", 1, 99);
    expect_count(s, "pos1*", 1, -1); /* pos1 only (pos* holds the articles' "possible") */
    expect_count(s, "alpha date:2020-01-01..2020-01-10", 9, -1); /* i = 0..9, less 7 */
    /* "stance" follows "russia's", which follows "beta" or "w<n>": never near alpha */
    expect_count(s, "alpha NEAR/0 stance", 0, -1);
    /* w0: i % 17 == 0; beta before it with at most gamma and delta between when i is
     * even: i % 34 == 0, 0..272, 9 documents (odd i have beta only if i % 10 == 0) */
    expect_count(s, "w0 NEAR/2 beta", 9, -1);
    search_close(s);
    free(dir);
    remove_dir(tmp);
}

static void expect_count_in(const char *dir, const char *q, uint64_t docs)
{
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, dir), QUIRE_OK, "%s", quire_errmsg());
    expect_count(s, q, docs, -1);
    search_close(s);
}

/* ---- the same answers as a fresh index of the same inputs ---- */

static void build_fresh(const char *tmp)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    const char *bin = env_or_skip("QUIRE_BINARY_DIR");
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "bash '%s/tests/golden/make_index.sh' '%s/quire-index' '%s/fresh'", src, bin,
             tmp);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static search_result ask(searcher *s, const char *q, bool any, uint32_t passages)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.match_any = any;
    o.top_k = 20;
    o.passages = passages;
    search_result r = SEARCH_RESULT_INIT;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    return r;
}

static void expect_same(const search_result *a, const search_result *b, const char *q)
{
    cr_expect_eq(a->match_count, b->match_count, "%s: match count", q);
    cr_expect_eq(a->occurrence_count, b->occurrence_count, "%s: occurrences", q);
    cr_assert_eq(a->hit_count, b->hit_count, "%s: hits", q);
    for (uint32_t i = 0; i < a->hit_count; i++) {
        const search_hit *x = &a->hits[i], *y = &b->hits[i];
        cr_expect_str_eq(x->external_id, y->external_id, "%s: hit %u", q, i);
        cr_expect(fabs(x->score - y->score) <= 1e-12 * fabs(y->score), "%s: hit %u: %.17g, %.17g",
                  q, i, x->score, y->score);
        cr_expect_str_eq(x->title, y->title, "%s: hit %u", q, i);
        cr_assert_eq(x->passage_count, y->passage_count, "%s: hit %u", q, i);
        for (uint32_t k = 0; k < x->passage_count; k++) {
            cr_expect_str_eq(x->passages[k].text, y->passages[k].text, "%s: hit %u", q, i);
            cr_assert_eq(x->passages[k].highlight_count, y->passages[k].highlight_count);
            for (uint32_t h = 0; h < x->passages[k].highlight_count; h++)
                cr_expect(x->passages[k].highlights[h].start ==
                              y->passages[k].highlights[h].start &&
                          x->passages[k].highlights[h].end == y->passages[k].highlights[h].end);
        }
    }
}

static const char *const queries[] = {"putin",
                                      "putin xi",
                                      "china OR russia",
                                      "\"no limits\"",
                                      "\"objective and fair\"",
                                      "expect visit",
                                      "~\"state visit\"",
                                      "putin NEAR/3 xi",
                                      "xi ONEAR/3 putin",
                                      "uzbek*",
                                      "alpha",
                                      "alpha beta gamma",
                                      "alpha OR delta OR omega",
                                      "\"alpha beta\"",
                                      "\"pos0 pos1\"",
                                      "pos1 NEAR/1 pos2",
                                      "title:cafe",
                                      "alpha -beta",
                                      "w5 OR w6 OR w7",
                                      "russia's",
                                      "alpha date:2020-03-01..2020-06-30",
                                      "title:golden alpha",
                                      "stance",
                                      "omega OR putin",
                                      "extra words"};

/* Every query of `queries`, AND and OR, top 20 with 2 passages: the same on both. */
static void expect_same_answers(const char *old_dir, const char *new_dir)
{
    searcher *old_s = NULL, *new_s = NULL;
    cr_assert_eq(search_open(&old_s, old_dir), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(search_open(&new_s, new_dir), QUIRE_OK, "%s", quire_errmsg());
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        for (int any = 0; any < 2; any++) {
            search_result a = ask(old_s, queries[i], any, 2);
            search_result b = ask(new_s, queries[i], any, 2);
            expect_same(&a, &b, queries[i]);
            search_result_free(&a);
            search_result_free(&b);
        }
    search_close(old_s);
    search_close(new_s);

    /* and the same statistics */
    quire_index *a = NULL, *b = NULL;
    cr_assert_eq(quire_index_open(&a, old_dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_open(&b, new_dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_segment_count(a), quire_index_segment_count(b));
    for (uint32_t s = 0; s < quire_index_segment_count(a); s++) {
        const quire_segment_stats *x = quire_segment_get_stats(quire_index_segment(a, s));
        const quire_segment_stats *y = quire_segment_get_stats(quire_index_segment(b, s));
        cr_expect_eq(x->doc_count, y->doc_count);
        cr_expect_eq(x->total_tokens, y->total_tokens);
        cr_expect_eq(x->form_count, y->form_count);
        cr_expect_eq(x->stem_count, y->stem_count);
        cr_expect_eq(x->posting_count, y->posting_count);
        cr_expect_eq(x->text_bytes, y->text_bytes);
    }
    cr_expect_eq(quire_index_doc_count(a), quire_index_doc_count(b));
    cr_expect_eq(quire_index_total_tokens(a), quire_index_total_tokens(b));
    quire_index_close(a);
    quire_index_close(b);
}

Test(golden, same_answers_as_a_fresh_index)
{
    char *tmp = copy_golden();
    build_fresh(tmp);
    char *old_dir = join(tmp, GOLDEN_NAME), *new_dir = join(tmp, "fresh");
    expect_same_answers(old_dir, new_dir);
    free(old_dir);
    free(new_dir);
    remove_dir(tmp);
}

/* Today's writer on a version-2 index: a run that adds documents (new segments beside the
 * old ones, which stay as they are), then --optimize (the old segments merged into a new
 * one). Done to the golden index and to a fresh one alike, the answers stay the same. */
Test(golden, update_and_optimize)
{
    char *tmp = copy_golden();
    build_fresh(tmp);
    const char *bin = env_or_skip("QUIRE_BINARY_DIR");
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "printf '%%s\\n' '{\"id\": \"x1\", \"text\": \"extra words alpha\"}' "
             "'{\"id\": \"g020\", \"text\": \"extra words beta\"}' >'%s/more.jsonl'",
             tmp);
    cr_assert_eq(system(cmd), 0);
    static const char *const dirs[] = {GOLDEN_NAME, "fresh"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "'%s/quire-index' --quiet --delete g033 '%s/%s' '%s/more.jsonl'",
                 bin, tmp, dirs[i], tmp);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
    }
    char *old_dir = join(tmp, GOLDEN_NAME), *new_dir = join(tmp, "fresh");
    expect_same_answers(old_dir, new_dir);
    expect_count_in(old_dir, "alpha", 298 - 1 + 1 - 1); /* g033 deleted, x1 added, g020 replaced */
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "'%s/quire-index' --quiet --optimize '%s/%s'", bin, tmp, dirs[i]);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
        snprintf(cmd, sizeof cmd, "'%s/quire-index' --verify '%s/%s' >/dev/null", bin, tmp,
                 dirs[i]);
        cr_assert_eq(system(cmd), 0, "%s", cmd);
    }
    expect_same_answers(old_dir, new_dir);
    expect_count_in(old_dir, "alpha", 297);
    free(old_dir);
    free(new_dir);
    remove_dir(tmp);
}
