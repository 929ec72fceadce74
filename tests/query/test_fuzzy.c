/*
 * test_fuzzy.c - spelling variants (query/fuzzy.h):
 *   - the distance on hand-checked pairs: edits, transpositions, the transliteration
 *     equivalences, saturation above the maximum;
 *   - the walk over a real dictionary (the first 3000 Reuters-21578 articles) against a
 *     brute-force scan that computes the distance to every form of the segment, for
 *     hundreds of words (forms of the dictionary, the same re-spelled at random, random
 *     strings) at distances 0, 1 and 2: the same forms at the same distances, and far
 *     fewer keys read than the dictionary holds;
 *   - the expansion over the index: distinct forms, live document counts, closest first,
 *     the cap reported, and the refusal past FUZZY_MAX_SCAN.
 */
#include "fuzzy.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/index.h"
#include "test_util.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static uint32_t dist(const char *a, const char *b, uint32_t max)
{
    uint32_t ca[FUZZY_MAX_CHARS], cb[FUZZY_MAX_CHARS];
    const uint32_t na = fuzzy_decode(ca, a, strlen(a)), nb = fuzzy_decode(cb, b, strlen(b));
    return fuzzy_distance(ca, na, cb, nb, max);
}

Test(fuzzy, distance_counts_edits_and_treats_transliterations_as_equal)
{
    static const struct {
        const char *a, *b;
        uint32_t d;
    } pairs[] = {
        {"zelensky", "zelensky", 0},
        {"zelensky", "zelenskyy", 0}, /* a repeat */
        {"zelensky", "zelenskiy", 0},
        {"zelenskiy", "zelenskyy", 0}, /* y = i, repeats */
        {"zelensky", "zelenski", 0},
        {"qaddafi", "kadafi", 0}, /* q = k, repeat */
        {"gaddafi", "qaddafi", 1},
        {"gadhafi", "gaddafi", 1},
        {"mohammed", "mohamed", 0},
        {"mohammed", "muhammad", 2},
        {"philip", "filip", 0},
        {"kharkiv", "harkiv", 0}, /* ph = f, kh = h */
        {"filip", "philip", 0},
        {"harkiv", "kharkiv", 0},
        {"abcd", "abdc", 1},
        {"abcd", "acbd", 1}, /* transpositions */
        {"ca", "abc", 3},    /* optimal string alignment: no edit of a transposed pair */
        {"kitten", "sitting", 3},
        {"", "abc", 3},
        {"abc", "", 3},
        {"visit", "visits", 1},
        {"chairman", "chairmen", 1},
        {"recognised", "recognized", 1},
        {"\xc3\xa9t\xc3\xa9", "ete", 2}, /* code points, not bytes: é vs e */
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        cr_expect_eq(dist(pairs[i].a, pairs[i].b, 5), pairs[i].d, "%s / %s: %u, want %u",
                     pairs[i].a, pairs[i].b, dist(pairs[i].a, pairs[i].b, 5), pairs[i].d);
        /* saturated: anything above max reads max + 1 */
        const uint32_t want = pairs[i].d > 1 ? 2 : pairs[i].d;
        cr_expect_eq(dist(pairs[i].a, pairs[i].b, 1), want, "%s / %s at max 1", pairs[i].a,
                     pairs[i].b);
    }
}

Test(fuzzy, default_distance_follows_the_word_length)
{
    cr_expect_eq(fuzzy_default_distance(1), -1);
    cr_expect_eq(fuzzy_default_distance(2), -1);
    cr_expect_eq(fuzzy_default_distance(3), 1);
    cr_expect_eq(fuzzy_default_distance(5), 1);
    cr_expect_eq(fuzzy_default_distance(6), 2);
    cr_expect_eq(fuzzy_default_distance(20), 2);
}

/* ---- the walk against a scan of the whole dictionary ---- */

typedef struct hit_list {
    char **forms;
    uint32_t *dists;
    uint32_t count, cap;
} hit_list;

static void push_hit(hit_list *l, const uint8_t *k, size_t n, uint32_t d)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->forms = realloc(l->forms, l->cap * sizeof *l->forms);
        l->dists = realloc(l->dists, l->cap * sizeof *l->dists);
    }
    l->forms[l->count] = strndup((const char *)k, n);
    l->dists[l->count++] = d;
}

static void clear_hits(hit_list *l)
{
    for (uint32_t i = 0; i < l->count; i++)
        free(l->forms[i]);
    l->count = 0;
}

static void free_hits(hit_list *l)
{
    clear_hits(l);
    free(l->forms);
    free(l->dists);
}

static int visit_push(void *ctx, quire_bytes key, uint32_t d)
{
    push_hit(ctx, key.ptr, key.len, d);
    return QUIRE_OK;
}

/* Every form of the segment, decoded once: the brute-force side. */
typedef struct dict {
    uint32_t **cps;
    uint32_t *n;
    char **forms;
    uint32_t count;
} dict;

static void load_dict(dict *d, const quire_segment *seg)
{
    memset(d, 0, sizeof *d);
    uint32_t cap = 1024;
    d->cps = malloc(cap * sizeof *d->cps);
    d->n = malloc(cap * sizeof *d->n);
    d->forms = malloc(cap * sizeof *d->forms);
    quire_segment_term_iter it;
    quire_bytes k;
    quire_term t;
    cr_assert_eq(quire_segment_terms_seek(&it, seg, QUIRE_TERM_FORM, quire_bytes_of("", 0)),
                 QUIRE_OK);
    int rc;
    while ((rc = quire_segment_terms_next(&it, &k, &t)) == QUIRE_OK) {
        if (d->count == cap) {
            cap *= 2;
            d->cps = realloc(d->cps, cap * sizeof *d->cps);
            d->n = realloc(d->n, cap * sizeof *d->n);
            d->forms = realloc(d->forms, cap * sizeof *d->forms);
        }
        d->forms[d->count] = strndup((const char *)k.ptr, k.len);
        d->cps[d->count] = malloc(FUZZY_MAX_CHARS * sizeof(uint32_t));
        d->n[d->count] = fuzzy_decode(d->cps[d->count], (const char *)k.ptr, k.len);
        d->count++;
    }
    cr_assert_eq(rc, QUIRE_ENOTFOUND);
}

static void free_dict(dict *d)
{
    for (uint32_t i = 0; i < d->count; i++) {
        free(d->cps[i]);
        free(d->forms[i]);
    }
    free(d->cps);
    free(d->n);
    free(d->forms);
}

/* A word re-spelled: 1..3 random edits (substitute, insert, delete, swap, double). */
static uint32_t respell(uint32_t *w, uint32_t n)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz'";
    const uint32_t edits = 1 + rnd(3);
    for (uint32_t e = 0; e < edits; e++) {
        const uint32_t op = rnd(5), at = n > 0 ? rnd(n) : 0;
        if (op == 0 && n > 0) {
            w[at] = (uint8_t)letters[rnd(sizeof letters - 1)];
        } else if (op == 1 && n + 1 < FUZZY_MAX_CHARS) {
            memmove(w + at + 1, w + at, (n - at) * sizeof *w);
            w[at] = (uint8_t)letters[rnd(sizeof letters - 1)];
            n++;
        } else if (op == 2 && n > 1) {
            memmove(w + at, w + at + 1, (n - at - 1) * sizeof *w);
            n--;
        } else if (op == 3 && at + 1 < n) {
            const uint32_t t = w[at];
            w[at] = w[at + 1];
            w[at + 1] = t;
        } else if (op == 4 && n > 0 && n + 1 < FUZZY_MAX_CHARS) {
            memmove(w + at + 1, w + at, (n - at) * sizeof *w);
            n++;
        }
    }
    return n;
}

static char *encode(const uint32_t *w, uint32_t n)
{
    char *s = malloc(4 * (size_t)n + 1);
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t c = w[i];
        if (c < 0x80) {
            s[at++] = (char)c;
        } else if (c < 0x800) {
            s[at++] = (char)(0xC0 | (c >> 6));
            s[at++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            s[at++] = (char)(0xE0 | (c >> 12));
            s[at++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[at++] = (char)(0x80 | (c & 0x3F));
        } else {
            s[at++] = (char)(0xF0 | (c >> 18));
            s[at++] = (char)(0x80 | ((c >> 12) & 0x3F));
            s[at++] = (char)(0x80 | ((c >> 6) & 0x3F));
            s[at++] = (char)(0x80 | (c & 0x3F));
        }
    }
    s[at] = '\0';
    return s;
}

/* w[0..n) walked within max both ways, split and plain, into `split` and `plain` (cleared
 * first): the same forms at the same distances are expected. Adds the keys each read to
 * *split_keys and *plain_keys; whether the two differ. */
static bool split_differs(const quire_segment *seg, const uint32_t *w, uint32_t n, uint32_t max,
                          hit_list *split, hit_list *plain, uint64_t *split_keys,
                          uint64_t *plain_keys)
{
    fuzzy_walk_stats ss = {0, 0}, ps = {0, 0};
    clear_hits(split);
    clear_hits(plain);
    cr_assert_eq(fuzzy_segment_walk(seg, w, n, max, visit_push, split, &ss), QUIRE_OK, "%s",
                 quire_errmsg());
    cr_assert_eq(fuzzy_segment_walk_plain(seg, w, n, max, visit_push, plain, &ps), QUIRE_OK, "%s",
                 quire_errmsg());
    char *word = encode(w, n);
    bool differ = split->count != plain->count;
    cr_expect_eq(split->count, plain->count, "'%s'~%u: split %u forms, plain %u", word,
                 (unsigned)max, (unsigned)split->count, (unsigned)plain->count);
    for (uint32_t i = 0; i < split->count && i < plain->count; i++) {
        differ |=
            strcmp(split->forms[i], plain->forms[i]) != 0 || split->dists[i] != plain->dists[i];
        cr_expect_str_eq(split->forms[i], plain->forms[i], "'%s'~%u: form %u", word, (unsigned)max,
                         (unsigned)i);
        cr_expect_eq(split->dists[i], plain->dists[i], "'%s'~%u: %s", word, (unsigned)max,
                     plain->forms[i]);
    }
    free(word);
    *split_keys += ss.keys;
    *plain_keys += ps.keys;
    return differ;
}

static char *reuters_index(char **dir_out, uint32_t docs)
{
    const char *shared = env_or_skip("QUIRE_SHARED");
    char reuters[1024];
    snprintf(reuters, sizeof reuters, "%s/corpora/reuters21578/corpus.jsonl.gz", shared);
    if (access(reuters, R_OK) != 0)
        cr_skip_test("%s not found", reuters);
    char *dir = make_tmp();
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "zcat '%s' | head -n %u > '%s/reuters.jsonl'", reuters,
             (unsigned)docs, dir);
    cr_assert_eq(system(cmd), 0);
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s/reuters.jsonl'", dir);
    *dir_out = dir;
    return index_inputs(dir, inputs);
}

Test(fuzzy, walk_finds_what_a_scan_of_the_dictionary_finds, .timeout = 900)
{
    char *dir;
    char *idx = reuters_index(&dir, 3000);
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_segment_count(ix), 1);
    const quire_segment *seg = quire_index_segment(ix, 0);
    dict d;
    load_dict(&d, seg);
    cr_assert_gt(d.count, 10000);

    cr_assert_not_null(quire_segment_revdict(seg), "a version-4 segment has its .rvd");
    hit_list walked = {0}, scanned = {0}, plain = {0};
    uint64_t keys_read = 0, walks = 0, matches = 0, long_keys = 0, long_walks = 0;
    for (uint32_t q = 0; q < 600; q++) {
        uint32_t w[FUZZY_MAX_CHARS];
        uint32_t n;
        const uint32_t kind = q % 3;
        if (kind == 2) { /* a random string of 1..12 letters */
            n = 1 + rnd(12);
            for (uint32_t i = 0; i < n; i++)
                w[i] = 'a' + rnd(26);
        } else {
            const uint32_t f = rnd(d.count);
            n = d.n[f];
            memcpy(w, d.cps[f], n * sizeof *w);
            if (kind == 1)
                n = respell(w, n);
        }
        const uint32_t max = q % 7 == 0 ? 0 : q % 2 == 0 ? 1 : 2;
        fuzzy_walk_stats st = {0, 0};
        clear_hits(&walked);
        cr_assert_eq(fuzzy_segment_walk(seg, w, n, max, visit_push, &walked, &st), QUIRE_OK, "%s",
                     quire_errmsg());
        clear_hits(&scanned);
        for (uint32_t i = 0; i < d.count; i++) {
            const uint32_t di = fuzzy_distance(d.cps[i], d.n[i], w, n, max);
            if (di <= max)
                push_hit(&scanned, (const uint8_t *)d.forms[i], strlen(d.forms[i]), di);
        }
        char *word = encode(w, n);
        /* the plain walk (segments without .rvd) against the same scan */
        clear_hits(&plain);
        cr_assert_eq(fuzzy_segment_walk_plain(seg, w, n, max, visit_push, &plain, NULL), QUIRE_OK,
                     "%s", quire_errmsg());
        cr_expect_eq(plain.count, scanned.count, "'%s'~%u: plain walk %u forms, scan %u", word,
                     (unsigned)max, (unsigned)plain.count, (unsigned)scanned.count);
        for (uint32_t i = 0; i < plain.count && i < scanned.count; i++) {
            cr_expect_str_eq(plain.forms[i], scanned.forms[i], "'%s'~%u: plain form %u", word,
                             (unsigned)max, (unsigned)i);
            cr_expect_eq(plain.dists[i], scanned.dists[i], "'%s'~%u: plain %s", word,
                         (unsigned)max, scanned.forms[i]);
        }
        cr_expect_eq(walked.count, scanned.count, "'%s'~%u: walk %u forms, scan %u", word,
                     (unsigned)max, (unsigned)walked.count, (unsigned)scanned.count);
        for (uint32_t i = 0; i < walked.count && i < scanned.count; i++) {
            cr_expect_str_eq(walked.forms[i], scanned.forms[i], "'%s'~%u: form %u", word,
                             (unsigned)max, (unsigned)i);
            cr_expect_eq(walked.dists[i], scanned.dists[i], "'%s'~%u: %s", word, (unsigned)max,
                         scanned.forms[i]);
        }
        keys_read += st.keys;
        walks++;
        matches += scanned.count;
        if (n >= 6 && max <= 2) {
            long_keys += st.keys;
            long_walks++;
        }
        free(word);
    }
    /* Not a scan: words of 6+ characters (distance 2 mostly) read part of the dictionary
     * (bench/run_fuzzy_bench.sh reports the share on the Wikipedia sample's). */
    cr_expect_lt(long_keys / (long_walks ? long_walks : 1), d.count / 2,
                 "%llu keys read per walk of a long word, of %u",
                 (unsigned long long)(long_keys / (long_walks ? long_walks : 1)),
                 (unsigned)d.count);
    cr_log_info("%llu walks: %llu keys read per walk (%llu for 6+ characters) of %u; %llu matches",
                (unsigned long long)walks, (unsigned long long)(keys_read / walks),
                (unsigned long long)(long_keys / (long_walks ? long_walks : 1)), (unsigned)d.count,
                (unsigned long long)matches);
    free_hits(&walked);
    free_hits(&scanned);
    free_hits(&plain);
    free_dict(&d);
    quire_index_close(ix);
    free(idx);
    remove_tmp(dir);
}

/* The split walk (forwards over the .ter, backwards over the .rvd) gives visit what the
 * plain walk gives it, form for form, distance for distance, in the same order, on the
 * whole Reuters-21578 dictionary: dictionary forms re-spelled, random words (doubled
 * letters and the transliteration letters made common), at distances 1 and 2. */
Test(fuzzy, split_walk_gives_what_the_plain_walk_gives, .timeout = 900)
{
    char *dir;
    char *idx = reuters_index(&dir, 30000);
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_segment_count(ix), 1);
    const quire_segment *seg = quire_index_segment(ix, 0);
    cr_assert_not_null(quire_segment_revdict(seg));
    dict d;
    load_dict(&d, seg);
    cr_assert_gt(d.count, 40000);
    hit_list split = {0}, plain = {0};
    uint64_t split_keys = 0, plain_keys = 0, matches = 0;
    static const char pool[] = "aabcdeeffhhiiklllmnoopphqrssttuyyk";
    for (uint32_t q = 0; q < 1500; q++) {
        uint32_t w[FUZZY_MAX_CHARS];
        uint32_t n;
        if (q % 4 == 3) {
            n = 4 + rnd(9);
            for (uint32_t i = 0; i < n; i++)
                w[i] = i > 0 && rnd(4) == 0 ? w[i - 1] : (uint8_t)pool[rnd(sizeof pool - 1)];
        } else {
            const uint32_t f = rnd(d.count);
            n = d.n[f];
            memcpy(w, d.cps[f], n * sizeof *w);
            if (q % 4 != 0)
                n = respell(w, n);
        }
        (void)split_differs(seg, w, n, 1 + q % 2, &split, &plain, &split_keys, &plain_keys);
        matches += plain.count;
    }
    cr_log_info("1500 words: keys read %llu split, %llu plain; %llu matches",
                (unsigned long long)split_keys, (unsigned long long)plain_keys,
                (unsigned long long)matches);
    free_hits(&split);
    free_hits(&plain);
    free_dict(&d);
    quire_index_close(ix);
    free(idx);
    remove_tmp(dir);
}

/* The split against the plain walk on a dictionary made to break it: words over a few
 * letters that repeat, swap and form digraphs (p, h, k, q, y, i, f, m, n). A backward walk
 * must never find a key farther than the forward distance; a repeat beside a swap did
 * (forwards "py" + "y" is a swap and a free repeat; backwards the repeat's free letter is
 * the other y, and the swap then paid for it), and the split walk missed npyyhm for
 * miphmm~2 until the backward rows let the run's first letter go free in every pattern. */
Test(fuzzy, split_walk_holds_on_repeats_swaps_and_digraphs, .timeout = 900)
{
    char *dir = make_tmp();
    char path[4096];
    snprintf(path, sizeof path, "%s/words.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    static const char alphabet[] = "pnkhhaqyfiemm";
    static const char *const known[] = {"npyyhm",  "pymmeihh", "ippnnih",
                                        "ymmhkqq", "npphh",    "npphhh"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        fprintf(f, "%s ", known[i]);
    for (uint32_t i = 0; i < 30000; i++) {
        const uint32_t n = 3 + rnd(7);
        for (uint32_t j = 0; j < n; j++)
            fputc(alphabet[rnd(sizeof alphabet - 1)], f);
        fputc(i % 12 == 11 ? '\n' : ' ', f);
    }
    cr_assert_eq(fclose(f), 0);
    char inputs[4200];
    snprintf(inputs, sizeof inputs, "'%s'", path);
    char *idx = index_inputs(dir, inputs);
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    const quire_segment *seg = quire_index_segment(ix, 0);
    cr_assert_not_null(quire_segment_revdict(seg));
    hit_list split = {0}, plain = {0};
    static const char *const words[] = {"miphmm", "emyeyh", "pieiih", "mihhqq", "pnkhhh"};
    uint64_t differ = 0, matches = 0, split_keys = 0, plain_keys = 0;
    for (uint32_t q = 0; q < 1200; q++) {
        uint32_t w[16], n;
        if (q < 2 * (sizeof words / sizeof words[0])) {
            n = fuzzy_decode(w, words[q / 2], strlen(words[q / 2]));
        } else {
            n = 4 + rnd(6);
            for (uint32_t j = 0; j < n; j++)
                w[j] = (uint8_t)alphabet[rnd(sizeof alphabet - 1)];
        }
        differ += split_differs(seg, w, n, 1 + q % 2, &split, &plain, &split_keys, &plain_keys);
        matches += plain.count;
    }
    cr_assert_eq(differ, 0);
    cr_assert_gt(matches, 10000, "the words must reach the dictionary: %llu matches",
                 (unsigned long long)matches);
    free_hits(&split);
    free_hits(&plain);
    quire_index_close(ix);
    free(idx);
    remove_tmp(dir);
}

Test(fuzzy, expansion_keeps_the_closest_and_reports_the_rest, .timeout = 900)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char *dir = make_tmp();
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s'/tests/data/00?_*.txt", src);
    char *idx = index_inputs(dir, inputs);
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    arena a = ARENA_INIT;
    fuzzy_expansion e;
    cr_assert_eq(fuzzy_expand(&e, &a, ix, "zelensky", 8, 2, FUZZY_MAX_FORMS), QUIRE_OK, "%s",
                 quire_errmsg());
    /* zelensky (3 articles), zelenskyy (1: 001 twice), zelenskiy (1), at distance 0 */
    cr_assert_geq(e.count, 3);
    cr_expect_str_eq(e.forms[0].form, "zelensky");
    cr_expect_eq(e.forms[0].df, 3);
    cr_expect_eq(e.forms[0].distance, 0);
    bool yy = false, iy = false;
    for (uint32_t i = 0; i < e.count; i++) {
        if (strcmp(e.forms[i].form, "zelenskyy") == 0)
            yy = e.forms[i].distance == 0 && e.forms[i].df == 1;
        if (strcmp(e.forms[i].form, "zelenskiy") == 0)
            iy = e.forms[i].distance == 0 && e.forms[i].df == 1;
        if (i > 0)
            cr_expect(e.forms[i - 1].distance < e.forms[i].distance ||
                          (e.forms[i - 1].distance == e.forms[i].distance &&
                           e.forms[i - 1].df >= e.forms[i].df),
                      "closest first at %u", (unsigned)i);
    }
    cr_expect(yy && iy, "zelenskyy and zelenskiy at distance 0, one document each");

    /* a cap below the matches: the closest kept, all counted */
    cr_assert_eq(fuzzy_expand(&e, &a, ix, "zelensky", 8, 2, 2), QUIRE_OK);
    cr_expect_eq(e.count, 2);
    cr_expect_geq(e.matched, 3);
    cr_expect_str_eq(e.forms[0].form, "zelensky");

    /* nothing near */
    cr_assert_eq(fuzzy_expand(&e, &a, ix, "qqqqqqxx", 8, 1, FUZZY_MAX_FORMS), QUIRE_OK);
    cr_expect_eq(e.matched, 0);
    arena_free(&a);
    quire_index_close(ix);
    free(idx);
    remove_tmp(dir);
}

Test(fuzzy, a_word_near_too_many_forms_is_refused, .timeout = 900)
{
    /* one document of every three-letter word from aaa to jzz: 6,760 forms, 1,135 of them
     * within 2 edits of "bbb" (those with a b) */
    char *dir = make_tmp();
    char path[4200];
    snprintf(path, sizeof path, "%s/words.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    for (char x = 'a'; x <= 'j'; x++)
        for (char y = 'a'; y <= 'z'; y++)
            for (char z = 'a'; z <= 'z'; z++)
                fprintf(f, "%c%c%c ", x, y, z);
    fclose(f);
    char inputs[4300];
    snprintf(inputs, sizeof inputs, "'%s'", path);
    char *idx = index_inputs(dir, inputs);
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    arena a = ARENA_INIT;
    fuzzy_expansion e;
    int rc = fuzzy_expand(&e, &a, ix, "bbb", 3, 2, FUZZY_MAX_FORMS);
    cr_expect_eq(rc, QUIRE_ELIMIT, "%s (%u matched)", quire_errmsg(), (unsigned)e.matched);
    cr_expect(strstr(quire_errmsg(), "'bbb~2'") != NULL, "%s", quire_errmsg());
    /* bbbbbb~ (a repeated letter counts once: it is bbb, at distance 0) without a distance:
     * 2 for its 6 characters, past the limit, so searched within 1 */
    query_node node;
    query_word w;
    memset(&node, 0, sizeof node);
    memset(&w, 0, sizeof w);
    w.text = w.stem = "bbbbbb";
    w.len = w.stem_len = 6;
    node.kind = QUERY_PHRASE;
    node.words = &w;
    node.word_count = 1;
    node.is_fuzzy = true;
    node.fuzzy_distance = -1;
    cr_assert_eq(fuzzy_resolve(&node, &a, ix), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(node.expansion->distance, 1);
    cr_expect_eq(node.expansion->lowered_from, 2);
    node.fuzzy_distance = 2; /* bbbbbb~2 is refused */
    cr_expect_eq(fuzzy_resolve(&node, &a, ix), QUIRE_ELIMIT);
    /* at distance 1 it is fine: bbb, one letter changed, and the repeats (aaa, bcc: a letter
     * repeated counts once), more than the cap, which is reported */
    rc = fuzzy_expand(&e, &a, ix, "bbb", 3, 1, 10);
    cr_expect_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(e.count, 10);
    cr_expect_gt(e.matched, 60);
    cr_expect_str_eq(e.forms[0].form, "bbb");
    arena_free(&a);
    quire_index_close(ix);
    free(idx);
    remove_tmp(dir);
}
