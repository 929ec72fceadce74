/*
 * test_fastpath.c - the tokenizer's ASCII fast path (RULES.md "The ASCII fast path") gives
 * exactly the tokens of the general path: every field of every token (form, stem, pos,
 * byte_start, byte_end) and the iterator's counts of invalid sequences and cut words, on
 * random text built from the pieces where the rules decide something (apostrophes, dots
 * and commas between digits, hyphens before line breaks, soft hyphens, marks, non-ASCII
 * letters, invalid bytes, words longer than QUIRE_MAX_TERM_BYTES) and on real text (the
 * sample articles, the golden corpus, Reuters-21578 when ../shared has it), with folded
 * and kept diacritics. Each run also checks that the fast path cut most of the tokens, so
 * a fast path that gave up on everything would fail.
 */
#include "quire/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <criterion/criterion.h>

static quire_analyzer *new_analyzer(bool keep_diacritics)
{
    quire_analyzer *an = NULL;
    quire_analyzer_opts opts = {"english", keep_diacritics, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
    return an;
}

/* Tokenize `text` both ways and compare; returns the tokens and how many were fast. */
static size_t compare_paths(quire_analyzer *an, const char *text, size_t len, bool stems,
                            size_t *fast)
{
    quire_token_iter a, b;
    quire_token x, y;
    quire_tokens_begin(&a, an, text, len, 7, stems);
    quire_tokens_begin(&b, an, text, len, 7, stems);
    b.general_only = true;
    size_t n = 0;
    for (;;) {
        bool ha = quire_tokens_next(&a, &x);
        char form[QUIRE_MAX_TERM_BYTES + 1], stem[QUIRE_MAX_TERM_BYTES + 1];
        if (ha) { /* x's strings live in a's buffers: keep copies before b moves */
            memcpy(form, x.form, x.form_len + 1);
            if (stems)
                memcpy(stem, x.stem, x.stem_len + 1);
        }
        bool hb = quire_tokens_next(&b, &y);
        cr_assert_eq(ha, hb, "token %zu: one path ended before the other", n);
        if (!ha)
            break;
        cr_assert(x.form_len == y.form_len && memcmp(form, y.form, x.form_len) == 0,
                  "token %zu at %zu: form '%s' fast, '%s' general", n, y.byte_start, form, y.form);
        if (stems)
            cr_assert(x.stem_len == y.stem_len && memcmp(stem, y.stem, x.stem_len) == 0,
                      "token %zu: stem '%s' fast, '%s' general", n, stem, y.stem);
        cr_assert_eq(x.pos, y.pos, "token %zu: pos", n);
        cr_assert_eq(x.byte_start, y.byte_start, "token %zu ('%s'): byte_start", n, form);
        cr_assert_eq(x.byte_end, y.byte_end, "token %zu ('%s'): byte_end %zu fast, %zu general", n,
                     form, x.byte_end, y.byte_end);
        n++;
    }
    cr_assert_eq(a.invalid_count, b.invalid_count);
    cr_assert_eq(a.truncated_count, b.truncated_count);
    cr_assert_eq(b.fast_count, 0);
    *fast += a.fast_count;
    return n;
}

/* The pieces random text is made of: where the rules look twice. */
static const char *const pieces[] = {
    "a",
    "Z",
    "q",
    "x",
    "7",
    "0",
    "42",
    "word",
    "Word",
    "WORD",
    "covid19",
    "2nd",
    " ",
    " ",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "  ",
    "-",
    "-",
    "--",
    "- \n",
    "-\n",
    "-\r\n",
    "-\t\n  ",
    "\xe2\x80\x90",
    "\xe2\x80\x94",
    ".",
    ",",
    ".5",
    ",000",
    "3.",
    "'",
    "'",
    "`",
    "\xe2\x80\x99",
    "\xe2\x80\x98",
    "\xca\xbc",
    "\xe2\x80\xb2",
    "\xef\xbc\x87",
    "\xc2\xad",
    "\xc2\xad\n",
    "\xe2\x80\x8b",
    "\xe2\x80\x8d",
    "\xcc\x81",
    "\xc3\xa9",
    "\xc3\x89",
    "\xc3\x9f",
    "\xef\xac\x81",
    "\xc4\xb0",
    "\xd0\x81",
    "\xe6\x9d\xb1",
    "\xef\xbc\xa1",
    "\xd9\xa3",
    "\xff",
    "\xc3",
    "\xe2\x82",
    "\x00",
    "!",
    "?",
    "\"",
    "(",
    ")",
    "/",
    "&",
    "+",
    "=",
    "#",
    "@",
    "_",
    "~",
    ";",
    ":",
    "\xe2\x80\x9c",
};
#define PIECES (sizeof pieces / sizeof pieces[0])

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t random_text(char *out, size_t cap, uint64_t *seed)
{
    size_t n = 0;
    size_t count = 1 + rng(seed) % 40;
    for (size_t i = 0; i < count; i++) {
        const char *p;
        size_t k;
        char longword[300];
        if (rng(seed) % 50 == 0) { /* a word around the length limit */
            k = 120 + rng(seed) % 20;
            for (size_t j = 0; j < k; j++)
                longword[j] = (char)(j % 7 == 6 ? '0' + j % 10 : 'a' + j % 26);
            p = longword;
        } else {
            size_t which = rng(seed) % PIECES;
            p = pieces[which];
            k = p[0] == '\0' ? 1 : strlen(p); /* "\x00" is one byte */
        }
        if (n + k > cap)
            break;
        memcpy(out + n, p, k);
        n += k;
    }
    return n;
}

Test(fastpath, same_tokens_as_the_general_path_on_random_text)
{
    for (int keep = 0; keep < 2; keep++) {
        quire_analyzer *an = new_analyzer(keep);
        uint64_t seed = 0x9E3779B97F4A7C15ull + (uint64_t)keep;
        size_t tokens = 0, fast = 0;
        char text[8192];
        for (int i = 0; i < 20000; i++) {
            size_t n = random_text(text, sizeof text, &seed);
            tokens += compare_paths(an, text, n, i % 2 == 0, &fast);
        }
        cr_expect_gt(fast, tokens / 4, "fast path cut %zu of %zu tokens", fast, tokens);
        cr_expect_lt(fast, tokens, "the general path never ran");
        quire_analyzer_free(an);
    }
}

Test(fastpath, every_ascii_byte_after_a_word)
{
    quire_analyzer *an = new_analyzer(false);
    size_t fast = 0;
    for (unsigned b = 0; b < 256; b++)
        for (unsigned c = 0; c < 256; c += 3) {
            static const char *const words[] = {"ab", "a1", "12", "Ab"};
            for (int w = 0; w < 4; w++) {
                char text[8];
                size_t n = strlen(words[w]);
                memcpy(text, words[w], n);
                text[n++] = (char)b;
                text[n++] = (char)c;
                text[n++] = 'x';
                (void)compare_paths(an, text, n, true, &fast);
            }
        }
    cr_expect_gt(fast, 0);
    quire_analyzer_free(an);
}

static char *read_all(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    cr_assert(b != NULL);
    for (;;) {
        if (cap - n < 65536) {
            cap *= 2;
            b = realloc(b, cap);
            cr_assert(b != NULL);
        }
        int got = gzread(f, b + n, 65536);
        cr_assert(got >= 0);
        if (got == 0)
            break;
        n += (size_t)got;
    }
    gzclose(f);
    *len = n;
    return b;
}

static void compare_file(const char *path, bool required)
{
    size_t len;
    char *text = read_all(path, &len);
    if (!text) {
        cr_assert(!required, "cannot read %s", path);
        return;
    }
    for (int keep = 0; keep < 2; keep++) {
        quire_analyzer *an = new_analyzer(keep);
        size_t fast = 0;
        size_t tokens = compare_paths(an, text, len, true, &fast);
        cr_expect_gt(tokens, 100, "%s", path);
        cr_expect_gt(fast, tokens / 2, "%s: fast path cut %zu of %zu tokens", path, fast, tokens);
        quire_analyzer_free(an);
    }
    free(text);
}

Test(fastpath, same_tokens_as_the_general_path_on_real_text)
{
    const char *src = getenv("QUIRE_SOURCE_DIR");
    if (!src)
        cr_skip_test("QUIRE_SOURCE_DIR is not set (run through ctest)");
    static const char *const files[] = {
        "tests/data/000_9f4ac158bb6fb716.txt", "tests/data/001_886f29eb415a0045.txt",
        "tests/data/002_bbff4ad5db431cf0.txt", "tests/data/003_b377222dc834d2b2.txt",
        "tests/data/004_6da4784a313262bc.txt", "tests/golden/part1.jsonl"};
    char path[4096];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", src, files[i]);
        compare_file(path, true);
    }
    /* The whole of Reuters-21578 as it comes (JSON Lines: escapes and all), if present. */
    const char *shared = getenv("QUIRE_SHARED");
    if (shared) {
        snprintf(path, sizeof path, "%s/corpora/reuters21578/corpus.jsonl.gz", shared);
        compare_file(path, false);
    }
}
