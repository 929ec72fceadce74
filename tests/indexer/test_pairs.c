/*
 * test_pairs.c - pair terms (format version 4, FORMAT.md "Pair terms") over real data: the
 * first Reuters-21578 records indexed with pairs, without them (QUIRE_NO_PAIRS=1), and
 * mixed (a run without pairs, then runs with them, merged by the policy and by
 * --optimize). Every pair term's postings are exactly the adjacent occurrences of its two
 * words' forms, every such adjacency has its pair term; and every phrase answer (hits,
 * scores, exact counts, passages and their highlights, explain's clauses) on random phrases
 * full of common words, quotes, title: phrases, NEAR, approximate quotes, prefixes and
 * fuzzy words is the same on every index; so are those of the committed version-3 golden
 * index updated with pairs (version-3 and version-4 segments together) and then merged.
 * Skipped when the corpus is not there.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "indexer.h"
#include "query.h"
#include "quire/analysis.h"
#include "quire/index.h"
#include "quire/postings.h"
#include "quire/segment.h"

#define MIB  ((size_t)1 << 20)
#define DOCS 4000

static char tmp_root[256];

static void setup_tmp(void)
{
    snprintf(tmp_root, sizeof tmp_root, "/tmp/quire-test-pairs-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp_root), "mkdtemp: %s", strerror(errno));
}

static void teardown_tmp(void)
{
    if (tmp_root[0]) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
        cr_expect_eq(system(cmd), 0);
    }
    tmp_root[0] = '\0';
}

static char *tmp_path(const char *name)
{
    static char paths[16][512];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 512, "%s/%s", tmp_root, name);
    return p;
}

static const char *corpus_path(void)
{
    static char path[1024];
    const char *shared = getenv("QUIRE_SHARED");
    snprintf(path, sizeof path, "%s/corpora/reuters21578/corpus.jsonl.gz",
             shared ? shared : "/work/shared");
    return path;
}

/* Copy records [first, first + count) of the corpus to `out`. */
static void write_slice(const char *out, size_t first, size_t count)
{
    const char *corpus = corpus_path();
    if (access(corpus, R_OK) != 0)
        cr_skip_test("%s not readable: real-data test skipped", corpus);
    gzFile in = gzopen(corpus, "rb");
    cr_assert_not_null(in);
    FILE *f = fopen(out, "w");
    cr_assert_not_null(f);
    static char buf[1 << 20];
    size_t line = 0, written = 0;
    while (written < count && gzgets(in, buf, sizeof buf) != NULL) {
        if (line++ < first)
            continue;
        fputs(buf, f);
        written++;
    }
    gzclose(in);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(written, count);
}

/* Documents whose title ends and whose text starts with common words, and texts that
 * repeat them: a pair never spans the title and the text, and overlapping ones all count. */
static void append_edges(const char *out)
{
    static const char *const docs[] = {
        "{\"id\": \"edge-1\", \"title\": \"Talks in the\", \"text\": \"the of the the in "
        "the. It is to be or not to be, that is the the question of the\"}\n",
        "{\"id\": \"edge-2\", \"title\": \"Of the\", \"text\": \"of the of the of the of\"}\n",
        "{\"id\": \"edge-3\", \"title\": \"to be\", \"text\": \"be to be to. be-to\"}\n",
        "{\"id\": \"edge-4\", \"title\": \"\", \"text\": \"in the\"}\n",
    };
    FILE *f = fopen(out, "a");
    cr_assert_not_null(f);
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
        fputs(docs[i], f);
    cr_assert_eq(fclose(f), 0);
}

static void run_index_deleting(const char *dir, const char *const *inputs, size_t n,
                               size_t memory, bool pairs, bool optimize,
                               const char *const *deletes, size_t delete_count)
{
    if (pairs)
        unsetenv("QUIRE_NO_PAIRS");
    else
        setenv("QUIRE_NO_PAIRS", "1", 1);
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = dir;
    o.inputs = inputs;
    o.input_count = n;
    o.keep_diacritics = -1;
    o.memory = memory;
    o.threads = 1;
    o.zlib_level = -1;
    o.optimize = optimize;
    o.delete_ids = deletes;
    o.delete_count = delete_count;
    indexer_summary sum;
    int rc = indexer_run(&o, &sum);
    unsetenv("QUIRE_NO_PAIRS");
    cr_assert_eq(rc, QUIRE_OK, "%s: %s", dir, quire_errmsg());
}

static void run_index(const char *dir, const char *input, size_t memory, bool pairs, bool optimize)
{
    const char *inputs[1] = {input};
    run_index_deleting(dir, input ? inputs : NULL, input ? 1 : 0, memory, pairs, optimize, NULL,
                       0);
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

/* How many of the index's segments hold pairs. */
static uint32_t segments_with_pairs(const char *dir, uint32_t *segments)
{
    quire_index *ix = NULL;
    bool fell_back;
    cr_assert_eq(quire_index_open(&ix, dir, &fell_back), QUIRE_OK, "%s", quire_errmsg());
    uint32_t n = 0;
    *segments = quire_index_segment_count(ix);
    for (uint32_t s = 0; s < *segments; s++)
        n += quire_segment_has_pairs(quire_index_segment(ix, s));
    quire_index_close(ix);
    return n;
}

TestSuite(pairs, .init = setup_tmp, .fini = teardown_tmp, .timeout = 900);

/* ------------------------------------------------------------ the pair terms themselves */

typedef struct occ {
    uint32_t doc, tf;
    uint32_t *pos;
} occ;

/* The postings (docs, tfs, positions) of a looked-up term, all of them. */
static uint32_t read_postings(const quire_segment *seg, const quire_term *t, occ **out)
{
    quire_postings_cursor c;
    cr_assert_eq(quire_segment_postings(seg, t, &c), QUIRE_OK, "%s", quire_errmsg());
    uint32_t n = 0, cap = 16;
    occ *o = malloc(cap * sizeof *o);
    for (;;) {
        cr_assert_eq(quire_postings_next(&c), QUIRE_OK, "%s", quire_errmsg());
        if (c.doc == QUIRE_DOC_END)
            break;
        const uint32_t *pos;
        uint32_t count;
        cr_assert_eq(quire_postings_positions(&c, &pos, &count), QUIRE_OK);
        cr_assert_eq(count, c.tf);
        if (n == cap)
            o = realloc(o, (cap *= 2) * sizeof *o);
        o[n].doc = c.doc;
        o[n].tf = c.tf;
        o[n].pos = malloc((count + 1) * sizeof *o[n].pos);
        memcpy(o[n].pos, pos, count * sizeof *pos);
        n++;
    }
    quire_postings_close(&c);
    *out = o;
    return n;
}

static void free_occ(occ *o, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(o[i].pos);
    free(o);
}

/* The adjacent occurrences (a at p, b at p + 1) from the forms' postings. */
static uint32_t adjacent(const occ *a, uint32_t na, const occ *b, uint32_t nb, occ **out)
{
    occ *o = malloc((na + 1) * sizeof *o);
    uint32_t n = 0;
    for (uint32_t i = 0, j = 0; i < na; i++) {
        while (j < nb && b[j].doc < a[i].doc)
            j++;
        if (j == nb || b[j].doc != a[i].doc)
            continue;
        uint32_t *pos = malloc((a[i].tf + 1) * sizeof *pos), k = 0;
        for (uint32_t x = 0, y = 0; x < a[i].tf; x++) {
            while (y < b[j].tf && b[j].pos[y] < a[i].pos[x] + 1)
                y++;
            if (y < b[j].tf && b[j].pos[y] == a[i].pos[x] + 1)
                pos[k++] = a[i].pos[x];
        }
        if (k == 0) {
            free(pos);
            continue;
        }
        o[n++] = (occ){a[i].doc, k, pos};
    }
    *out = o;
    return n;
}

Test(pairs, every_pair_term_is_exactly_the_adjacent_occurrences_of_its_words)
{
    char *input = strdup(tmp_path("reuters.jsonl"));
    write_slice(input, 0, DOCS);
    append_edges(input);
    const char *dir = tmp_path("pairs");
    /* 4 MiB flushes several segments, which the merge policy merges: the pairs checked
     * come through the merger too */
    run_index(dir, input, 4 * MIB, true, false);
    expect_valid(dir);
    quire_analyzer *an = NULL;
    const quire_analyzer_opts ao = {"english", false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &ao), QUIRE_OK);
    uint32_t nw = 0;
    const char *const *words = quire_analyzer_common_words(an, &nw);
    cr_assert_eq(nw, 33);

    quire_index *ix = NULL;
    bool fell_back;
    cr_assert_eq(quire_index_open(&ix, dir, &fell_back), QUIRE_OK, "%s", quire_errmsg());
    uint64_t pairs_seen = 0, checked = 0;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        const quire_segment *seg = quire_index_segment(ix, s);
        cr_assert(quire_segment_has_pairs(seg));
        /* the pair set is the analyzer's common words */
        quire_buf set = QUIRE_BUF_INIT;
        quire_pair_set_encode(&set, words, nw);
        const quire_bytes got = quire_segment_pair_set(seg);
        cr_assert(got.len == set.len && memcmp(got.ptr, set.data, set.len) == 0);
        quire_buf_free(&set);
        cr_expect(quire_segment_is_pair_word(seg, quire_bytes_of("the", 3)));
        cr_expect(!quire_segment_is_pair_word(seg, quire_bytes_of("oil", 3)));
        cr_expect(!quire_segment_is_pair_word(seg, quire_bytes_of("th", 2)));
        /* every pair the iteration yields is one of the 33 x 33 below */
        quire_segment_term_iter it;
        quire_bytes key;
        quire_term t;
        uint64_t listed = 0;
        int rc = quire_segment_terms_seek(&it, seg, QUIRE_TERM_PAIR, quire_bytes_of("", 0));
        while (rc == QUIRE_OK && (rc = quire_segment_terms_next(&it, &key, &t)) == QUIRE_OK) {
            cr_expect_eq(t.kind, QUIRE_TERM_PAIR);
            listed++;
        }
        cr_assert_eq(rc, QUIRE_ENOTFOUND);
        /* forms never include a pair (nor the pair set) */
        rc = quire_segment_terms_seek(&it, seg, QUIRE_TERM_FORM, quire_bytes_of("", 0));
        while (rc == QUIRE_OK && (rc = quire_segment_terms_next(&it, &key, &t)) == QUIRE_OK)
            cr_assert(key.ptr[0] < QUIRE_PAIR_PREFIX && memchr(key.ptr, ' ', key.len) == NULL,
                      "form '%.*s'", (int)key.len, key.ptr);
        cr_assert_eq(rc, QUIRE_ENOTFOUND);
        uint64_t present = 0;
        for (uint32_t i = 0; i < nw; i++) {
            quire_term ta;
            occ *a = NULL;
            uint32_t na = 0;
            if (quire_segment_lookup(seg, QUIRE_TERM_FORM,
                                     quire_bytes_of(words[i], strlen(words[i])), &ta) == QUIRE_OK)
                na = read_postings(seg, &ta, &a);
            for (uint32_t j = 0; j < nw; j++) {
                quire_term tb;
                occ *b = NULL, *want = NULL, *got_occ = NULL;
                uint32_t nb = 0, nwant = 0, ngot = 0;
                if (na > 0 && quire_segment_lookup(seg, QUIRE_TERM_FORM,
                                                   quire_bytes_of(words[j], strlen(words[j])),
                                                   &tb) == QUIRE_OK)
                    nb = read_postings(seg, &tb, &b);
                nwant = adjacent(a, na, b, nb, &want);
                char pk[32];
                snprintf(pk, sizeof pk, "%s %s", words[i], words[j]);
                quire_term tp;
                rc =
                    quire_segment_lookup(seg, QUIRE_TERM_PAIR, quire_bytes_of(pk, strlen(pk)), &tp);
                cr_assert(rc == QUIRE_OK || rc == QUIRE_ENOTFOUND, "%s", quire_errmsg());
                if (rc == QUIRE_OK) {
                    present++;
                    cr_expect_eq(tp.kind, QUIRE_TERM_PAIR);
                    ngot = read_postings(seg, &tp, &got_occ);
                }
                cr_assert_eq(ngot, nwant, "segment %u pair '%s': %u docs, adjacency %u", s, pk,
                             ngot, nwant);
                for (uint32_t d = 0; d < ngot; d++) {
                    cr_assert_eq(got_occ[d].doc, want[d].doc, "'%s'", pk);
                    cr_assert_eq(got_occ[d].tf, want[d].tf, "'%s' doc %u", pk, want[d].doc);
                    cr_assert_arr_eq(got_occ[d].pos, want[d].pos, want[d].tf * sizeof *want[d].pos,
                                     "'%s' doc %u", pk, want[d].doc);
                }
                checked++;
                free_occ(b, nb);
                free_occ(want, nwant);
                free_occ(got_occ, ngot);
            }
            free_occ(a, na);
        }
        cr_expect_eq(present, listed, "segment %u: %llu pairs listed, %llu found", s,
                     (unsigned long long)listed, (unsigned long long)present);
        pairs_seen += present;
    }
    cr_expect_gt(pairs_seen, 100, "pairs in all: %llu", (unsigned long long)pairs_seen);
    cr_expect_eq(checked, (uint64_t)quire_index_segment_count(ix) * nw * nw);
    quire_index_close(ix);
    quire_analyzer_free(an);
    free(input);
}

/* ------------------------------------------------------------ answers with and without */

/* xorshift64*: deterministic random numbers */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return (uint32_t)((rnd_state * 2685821657736338717ull) >> 33) % n;
}

#define MAX_QUERIES 420

/* Random queries: runs of 2-4 tokens of the corpus's texts that start on or hold common
 * words (so that most match, most through pairs), random strings of common words, and
 * those as quotes, title: phrases, NEAR operands, approximate quotes and in boolean
 * queries, plus prefixes and fuzzy words over common words. */
static uint32_t make_queries(char **out, const char *input, quire_analyzer *an)
{
    uint32_t nw = 0;
    const char *const *words = quire_analyzer_common_words(an, &nw);
    /* texts: the "text" values of the slice's lines, roughly (the analyzer ignores JSON) */
    FILE *f = fopen(input, "r");
    cr_assert_not_null(f);
    static char line[1 << 20];
    char *toks[64][8];
    uint32_t runs = 0;
    uint32_t lines = 0;
    while (runs < 64 && fgets(line, sizeof line, f) != NULL) {
        if (lines++ % 50 != 7)
            continue;
        const char *text = strstr(line, "\"text\"");
        if (text == NULL)
            continue;
        quire_token_iter it;
        quire_token t;
        quire_tokens_begin(&it, an, text + 6, strlen(text + 6), 0, false);
        char *seq[4096];
        uint32_t n = 0;
        while (n < 4096 && quire_tokens_next(&it, &t))
            seq[n++] = strndup(t.form, t.form_len);
        for (uint32_t k = 0; k + 4 < n && runs < 64; k++) {
            if (!quire_analyzer_is_stopword(an, seq[k], strlen(seq[k])) || rnd(4) != 0)
                continue;
            for (uint32_t w = 0; w < 4; w++)
                toks[runs][w] = strdup(seq[k + w]);
            runs++;
            k += 20;
        }
        for (uint32_t k = 0; k < n; k++)
            free(seq[k]);
    }
    fclose(f);
    cr_assert_gt(runs, 20);
    uint32_t q = 0;
    char buf[512];
    for (uint32_t r = 0; r < runs && q + 6 < MAX_QUERIES - 40; r++) {
        const uint32_t len = 2 + rnd(3);
        size_t at = 0;
        for (uint32_t w = 0; w < len; w++)
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", w ? " " : "", toks[r][w]);
        char one[600];
        snprintf(one, sizeof one, "\"%s\"", buf);
        out[q++] = strdup(one);
        snprintf(one, sizeof one, "title:\"%s\"", buf);
        out[q++] = strdup(one);
        snprintf(one, sizeof one, "\"%s\" NEAR/4 \"%s %s\"", buf, words[rnd(nw)], words[rnd(nw)]);
        out[q++] = strdup(one);
        snprintf(one, sizeof one, "\"%s\"~", buf);
        out[q++] = strdup(one);
        snprintf(one, sizeof one, "\"%s\" said", buf);
        out[q++] = strdup(one);
        snprintf(one, sizeof one, "\"%s\" OR \"%s %s\"", buf, words[rnd(nw)], words[rnd(nw)]);
        out[q++] = strdup(one);
    }
    for (uint32_t r = 0; r < runs; r++)
        for (uint32_t w = 0; w < 4; w++)
            free(toks[r][w]);
    while (q + 3 < MAX_QUERIES - 40) {
        const uint32_t len = 2 + rnd(4);
        size_t at = 0;
        for (uint32_t w = 0; w < len; w++)
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s%s", w ? " " : "", words[rnd(nw)]);
        char one[600];
        snprintf(one, sizeof one, "\"%s\"", buf);
        out[q++] = strdup(one);
        if (rnd(8) == 0) {
            snprintf(one, sizeof one, "%.2s*", words[rnd(nw)]);
            out[q++] = strdup(one);
            snprintf(one, sizeof one, "%s~", words[rnd(nw)]);
            out[q++] = strdup(one);
        }
    }
    static const char *const edges[] = {
        "\"of the\"",         "\"one of the\"",   "\"in the the of\"", "\"the the\"",
        "\"in the the\"",     "title:\"in the\"", "title:\"of the\"",  "\"of the of\"",
        "\"to be to\"",       "\"be to be\"",     "title:\"to be\"",   "\"question of the\"",
        "\"the of the the\"", "\"is the the\"",
    };
    for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++)
        out[q++] = strdup(edges[e]);
    out[q++] = strdup("\"of the\"");
    out[q++] = strdup("\"one of the\"");
    out[q++] = strdup("\"in the\" NEAR/2 \"of the\"");
    return q;
}

static void expect_same_answers(const char *dir_a, const char *dir_b, char **queries, uint32_t n)
{
    uint32_t matched = 0;
    for (uint32_t q = 0; q < n; q++) {
        for (int mode = 0; mode < 2; mode++) {
            search_options o;
            search_options_init(&o);
            o.query = queries[q];
            o.query_len = strlen(queries[q]);
            o.top_k = 10;
            o.exhaustive = mode == 0; /* exact counts; then pruning, whose counts are bounds */
            o.passages = 1;
            o.explain = q % 3 == 0;
            search_result ra = SEARCH_RESULT_INIT, rb = SEARCH_RESULT_INIT;
            int rc = search_run(&ra, dir_a, &o);
            cr_assert_eq(rc, QUIRE_OK, "%s: '%s': %s", dir_a, queries[q], quire_errmsg());
            rc = search_run(&rb, dir_b, &o);
            cr_assert_eq(rc, QUIRE_OK, "%s: '%s': %s", dir_b, queries[q], quire_errmsg());
            if (mode == 0)
                cr_expect_eq(ra.match_count, rb.match_count, "'%s': %llu vs %llu matches",
                             queries[q], (unsigned long long)ra.match_count,
                             (unsigned long long)rb.match_count);
            matched += mode == 0 && ra.hit_count > 0;
            cr_assert_eq(ra.hit_count, rb.hit_count, "'%s'", queries[q]);
            for (uint32_t i = 0; i < ra.hit_count; i++) {
                const search_hit *a = &ra.hits[i], *b = &rb.hits[i];
                cr_expect_str_eq(a->external_id, b->external_id, "'%s' hit %u", queries[q], i);
                cr_expect(a->score == b->score, "'%s' hit %u: %.17g vs %.17g", queries[q], i,
                          a->score, b->score);
                cr_assert_eq(a->passage_count, b->passage_count, "'%s' hit %u", queries[q], i);
                for (uint32_t p = 0; p < a->passage_count; p++) {
                    const search_passage *pa = &a->passages[p], *pb = &b->passages[p];
                    cr_expect_eq(pa->start, pb->start, "'%s' hit %u", queries[q], i);
                    cr_expect_eq(pa->end, pb->end, "'%s' hit %u", queries[q], i);
                    cr_assert_eq(pa->highlight_count, pb->highlight_count, "'%s' hit %u",
                                 queries[q], i);
                    for (uint32_t h = 0; h < pa->highlight_count; h++) {
                        cr_expect_eq(pa->highlights[h].start, pb->highlights[h].start);
                        cr_expect_eq(pa->highlights[h].end, pb->highlights[h].end);
                    }
                }
                cr_assert_eq(a->title_highlight_count, b->title_highlight_count, "'%s' hit %u",
                             queries[q], i);
                for (uint32_t h = 0; h < a->title_highlight_count; h++)
                    cr_expect_eq(a->title_highlights[h].start, b->title_highlights[h].start);
                if (o.explain && a->clause_scores && b->clause_scores)
                    cr_expect(a->clause_scores[0] == b->clause_scores[0], "'%s' hit %u", queries[q],
                              i);
            }
            search_result_free(&ra);
            search_result_free(&rb);
        }
    }
    cr_expect_gt(matched, n / 2, "only %u of %u queries matched", matched, n);
}

Test(pairs, phrase_answers_are_the_same_with_without_and_with_mixed_pairs)
{
    char *all = strdup(tmp_path("all.jsonl")), *first = strdup(tmp_path("first.jsonl")),
         *second = strdup(tmp_path("second.jsonl"));
    write_slice(all, 0, DOCS);
    write_slice(first, 0, DOCS / 2);
    write_slice(second, DOCS / 2, DOCS / 2);
    append_edges(all);
    append_edges(second);
    char *with = strdup(tmp_path("with")), *without = strdup(tmp_path("without")),
         *mixed = strdup(tmp_path("mixed")), *merged = strdup(tmp_path("merged"));
    run_index(with, all, 256 * MIB, true, false);
    run_index(without, all, 256 * MIB, false, false);
    /* mixed: a segment without pairs, then segments with them, merged among themselves */
    run_index(mixed, first, 256 * MIB, false, false);
    run_index(mixed, second, 4 * MIB, true, false);
    /* merged: the same, then all merged into one segment (which cannot hold pairs) */
    run_index(merged, first, 256 * MIB, false, false);
    run_index(merged, second, 4 * MIB, true, false);
    run_index(merged, NULL, 256 * MIB, true, true);
    uint32_t segs;
    cr_expect_eq(segments_with_pairs(with, &segs), segs);
    cr_expect_eq(segments_with_pairs(without, &segs), 0);
    const uint32_t mixed_pairs = segments_with_pairs(mixed, &segs);
    cr_expect(mixed_pairs > 0 && mixed_pairs < segs, "mixed: %u of %u segments with pairs",
              mixed_pairs, segs);
    cr_expect_eq(segments_with_pairs(merged, &segs), 0);
    cr_expect_eq(segs, 1);
    expect_valid(with);
    expect_valid(without);
    expect_valid(mixed);
    expect_valid(merged);

    quire_analyzer *an = NULL;
    const quire_analyzer_opts ao = {"english", false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &ao), QUIRE_OK);
    char *queries[MAX_QUERIES];
    const uint32_t n = make_queries(queries, all, an);
    expect_same_answers(with, without, queries, n);
    expect_same_answers(mixed, without, queries, n);
    expect_same_answers(merged, without, queries, n);
    for (uint32_t q = 0; q < n; q++)
        free(queries[q]);
    quire_analyzer_free(an);
    free(all);
    free(first);
    free(second);
    free(with);
    free(without);
    free(mixed);
    free(merged);
}

/* The committed version-3 golden index (tests/golden/v3: no pairs, a deletion file)
 * updated by today's writer with pairs, so that version-3 and version-4 segments with
 * pairs answer together, against the same documents indexed without pairs. */
Test(pairs, a_version_3_index_updated_with_pairs_answers_as_without)
{
    const char *src = getenv("QUIRE_SOURCE_DIR");
    if (src == NULL)
        cr_skip_test("QUIRE_SOURCE_DIR not set");
    char *more = strdup(tmp_path("more.jsonl"));
    write_slice(more, 0, 1500);
    append_edges(more);
    char golden[600], articles[600], part1[600], part2[600], cmd[1400];
    snprintf(golden, sizeof golden, "%s/tests/golden/v3", src);
    snprintf(articles, sizeof articles, "%s/tests/golden/articles.jsonl", src);
    snprintf(part1, sizeof part1, "%s/tests/golden/part1.jsonl", src);
    snprintf(part2, sizeof part2, "%s/tests/golden/part2.jsonl", src);
    char *mixed = strdup(tmp_path("mixed")), *ref = strdup(tmp_path("ref"));
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", golden, mixed);
    cr_assert_eq(system(cmd), 0);
    /* the golden's two runs (tests/golden/make_index.sh), without pairs */
    const char *const run1[] = {articles, part1}, *const run2[] = {part2};
    const char *const deletes[] = {"g007", "g150"};
    run_index_deleting(ref, run1, 2, 256 * MIB, false, false, NULL, 0);
    run_index_deleting(ref, run2, 1, 256 * MIB, false, false, deletes, 2);
    /* then the same update of both: with pairs on the golden, without on the reference */
    run_index(mixed, more, 256 * MIB, true, false);
    run_index(ref, more, 256 * MIB, false, false);
    uint32_t segs;
    const uint32_t with = segments_with_pairs(mixed, &segs);
    cr_expect(with > 0 && with < segs, "%u of %u segments with pairs", with, segs);
    cr_expect_eq(segments_with_pairs(ref, &segs), 0);
    expect_valid(mixed);
    expect_valid(ref);
    quire_analyzer *an = NULL;
    const quire_analyzer_opts ao = {"english", false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &ao), QUIRE_OK);
    char *queries[MAX_QUERIES];
    uint32_t n = make_queries(queries, more, an);
    static const char *const golden_phrases[] = {"\"objective and fair\"", "\"alpha beta\"",
                                                 "\"of the\" alpha", "\"in the\" OR beta"};
    for (size_t g = 0; g < sizeof golden_phrases / sizeof golden_phrases[0] && n < MAX_QUERIES;
         g++)
        queries[n++] = strdup(golden_phrases[g]);
    expect_same_answers(mixed, ref, queries, n);
    /* and once merged into one segment (which then holds no pairs) */
    run_index(mixed, NULL, 256 * MIB, true, true);
    cr_expect_eq(segments_with_pairs(mixed, &segs), 0);
    expect_valid(mixed);
    expect_same_answers(mixed, ref, queries, n);
    for (uint32_t q = 0; q < n; q++)
        free(queries[q]);
    quire_analyzer_free(an);
    free(more);
    free(mixed);
    free(ref);
}
