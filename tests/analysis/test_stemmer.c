/*
 * test_stemmer.c - Snowball glue: word -> stem tables, languages, the stem cache and its
 * counters, and allocation failure in quire_analyzer_new.
 */
#include "quire/analysis.h"

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

static quire_analyzer *new_analyzer(const char *language)
{
    quire_analyzer *an = NULL;
    const quire_analyzer_opts opts = {language, false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
    return an;
}

/* The stem of the one token in `text`. */
static void expect_stem(quire_analyzer *an, const char *text, const char *stem)
{
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, strlen(text), 0, true);
    cr_assert(quire_tokens_next(&it, &tok), "\"%s\"", text);
    cr_expect_str_eq(tok.stem, stem, "stem of \"%s\"", text);
    cr_expect_eq(tok.stem_len, strlen(stem), "\"%s\"", text);
    cr_expect(!quire_tokens_next(&it, &tok), "\"%s\" is one token", text);
}

Test(stemmer, english_stems)
{
    static const char *const table[][2] = {
        {"running", "run"},
        {"expecting", "expect"},
        {"Russia\xe2\x80\x99s", "russia"},
        {"visits", "visit"},
        {"visited", "visit"},
        {"cats", "cat"},
        {"generously", "generous"},
        {"don\xe2\x80\x99t", "don't"},
        {"1,000", "1,000"},
        {"Caf\xc3\xa9s", "cafe"},
        {"the", "the"},
    };
    quire_analyzer *an = new_analyzer(NULL);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        expect_stem(an, table[i][0], table[i][1]);
    quire_analyzer_free(an);
}

Test(stemmer, other_languages_stem_with_their_own_rules)
{
    quire_analyzer *an = new_analyzer("russian");
    /* Snowball Russian: "книги" -> "книг"; the stem is diacritic-folded like forms. */
    expect_stem(an, "\xd0\x9a\xd0\xbd\xd0\xb8\xd0\xb3\xd0\xb8", "\xd0\xba\xd0\xbd\xd0\xb8\xd0\xb3");
    quire_analyzer_free(an);
    an = new_analyzer("french");
    expect_stem(an, "chevaux", "cheval");
    quire_analyzer_free(an);
}

Test(stemmer, stem_function_matches_the_token_stem)
{
    quire_analyzer *an = new_analyzer(NULL);
    const char *stem = NULL;
    size_t stem_len = 0;
    cr_assert_eq(quire_analyzer_stem(an, "running", 7, &stem, &stem_len), QUIRE_OK);
    cr_expect_str_eq(stem, "run");
    cr_expect_eq(stem_len, 3);
    /* The prefold word keeps its accents; the stem comes out folded. */
    cr_assert_eq(quire_analyzer_stem(an, "caf\xc3\xa9s", 6, &stem, &stem_len), QUIRE_OK);
    cr_expect_str_eq(stem, "cafe");
    cr_assert_eq(quire_analyzer_stem(an, "", 0, &stem, &stem_len), QUIRE_OK);
    cr_expect_eq(stem_len, 0);
    quire_analyzer_free(an);
}

Test(stemmer, unknown_language_is_einval)
{
    quire_analyzer *an = (quire_analyzer *)&an; /* must be reset to NULL */
    const quire_analyzer_opts opts = {"klingon", false, 0};
    cr_expect_eq(quire_analyzer_new(&an, &opts), QUIRE_EINVAL);
    cr_expect_null(an);
    cr_expect(strstr(quire_errmsg(), "klingon") != NULL, "%s", quire_errmsg());
    cr_expect(strstr(quire_errmsg(), "english") != NULL, "message lists known languages");
}

Test(stemmer, languages_lists_english)
{
    bool found = false;
    for (const char **l = quire_analyzer_languages(); *l; l++)
        found = found || strcmp(*l, "english") == 0;
    cr_expect(found);
}

Test(stemmer, cache_counts_calls_and_hits)
{
    quire_analyzer *an = new_analyzer(NULL);
    const char text[] = "run run Run running RUN runs";
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, sizeof text - 1, 0, true);
    const char *const stems[] = {"run", "run", "run", "run", "run", "run"};
    size_t i = 0;
    while (quire_tokens_next(&it, &tok))
        cr_expect_str_eq(tok.stem, stems[i++]);
    cr_expect_eq(i, 6);
    uint64_t calls = 0, hits = 0;
    quire_analyzer_stem_stats(an, &calls, &hits);
    cr_expect_eq(calls, 6);
    cr_expect_eq(hits, 3, "run x4 (3 hits), running, runs: %llu", (unsigned long long)hits);
    /* Without stems the stemmer is not called. */
    quire_tokens_begin(&it, an, text, sizeof text - 1, 0, false);
    while (quire_tokens_next(&it, &tok))
        ;
    quire_analyzer_stem_stats(an, &calls, &hits);
    cr_expect_eq(calls, 6);
    quire_analyzer_free(an);
}

/* Write word number n (base 26, prefixed so Snowball leaves it alone) into buf. */
static size_t word_of(char *buf, uint32_t n)
{
    size_t len = 0;
    buf[len++] = 'q';
    do {
        buf[len++] = (char)('a' + n % 26);
        n /= 26;
    } while (n);
    buf[len] = '\0';
    return len;
}

Test(stemmer, cache_is_bounded_and_keeps_what_it_holds, .timeout = 120)
{
    /* More distinct words than the cache holds (1 Mi entries): the first words stay
     * cached, words past the bound are stemmed uncached. */
    quire_analyzer *an = new_analyzer(NULL);
    char word[16];
    const char *stem;
    size_t stem_len;
    const uint32_t total = (1u << 20) + 1000;
    for (uint32_t n = 0; n < total; n++) {
        const size_t len = word_of(word, n);
        cr_assert_eq(quire_analyzer_stem(an, word, len, &stem, &stem_len), QUIRE_OK);
    }
    uint64_t calls, hits, calls2, hits2;
    quire_analyzer_stem_stats(an, &calls, &hits);
    cr_expect_eq(calls, total);
    cr_expect_eq(hits, 0);
    size_t len = word_of(word, 5);
    cr_assert_eq(quire_analyzer_stem(an, word, len, &stem, &stem_len), QUIRE_OK);
    cr_expect_str_eq(stem, word);
    len = word_of(word, total - 1);
    cr_assert_eq(quire_analyzer_stem(an, word, len, &stem, &stem_len), QUIRE_OK);
    quire_analyzer_stem_stats(an, &calls2, &hits2);
    cr_expect_eq(calls2, total + 2);
    cr_expect_eq(hits2, 1, "early word hit, late word missed");
    quire_analyzer_free(an);
}

Test(stemmer, cache_stays_within_its_byte_budget)
{
    /* With stem_cache_bytes = 1 MiB the cache must stop well before 100,000 words of
     * about 5 bytes (12-byte slots at half load plus keys and stems need ~3.4 MiB), and
     * must keep stemming the same after it stops; the default budget holds them all. */
    const size_t budgets[2] = {1u << 20, 0};
    const uint32_t words = 100000;
    uint64_t hits_by_budget[2];
    for (int b = 0; b < 2; b++) {
        quire_analyzer *an = NULL;
        const quire_analyzer_opts opts = {"english", false, budgets[b]};
        cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
        char word[16];
        const char *stem;
        size_t stem_len;
        static char first[100000][24]; /* each word's stem in the first pass */
        for (int pass = 0; pass < 2; pass++)
            for (uint32_t n = 0; n < words; n++) {
                const size_t len = word_of(word, n);
                cr_assert_eq(quire_analyzer_stem(an, word, len, &stem, &stem_len), QUIRE_OK);
                cr_assert_lt(stem_len, sizeof first[n]);
                if (pass == 0)
                    memcpy(first[n], stem, stem_len + 1);
                else
                    cr_assert_str_eq(stem, first[n], "cached and fresh stems agree");
            }
        uint64_t calls;
        quire_analyzer_stem_stats(an, &calls, &hits_by_budget[b]);
        cr_expect_eq(calls, 2 * (uint64_t)words);
        quire_analyzer_free(an);
    }
    cr_expect_lt(hits_by_budget[0], words / 2, "1 MiB cache held %llu of %u words",
                 (unsigned long long)hits_by_budget[0], words);
    cr_expect_gt(hits_by_budget[0], 0, "the small cache still caches what fits");
    cr_expect_eq(hits_by_budget[1], words, "the default cache holds them all");
}

Test(stemmer, new_fails_cleanly_on_every_allocation)
{
    int rc = QUIRE_ENOMEM;
    long n;
    for (n = 1; n < 100; n++) {
        quire_analyzer *an = NULL;
        quire_alloc_fail_at(n);
        rc = quire_analyzer_new(&an, NULL);
        quire_alloc_fail_at(0);
        if (rc == QUIRE_OK) {
            cr_expect_not_null(an);
            quire_analyzer_free(an);
            break;
        }
        cr_expect_eq(rc, QUIRE_ENOMEM, "failing allocation %ld", n);
        cr_expect_null(an);
    }
    cr_expect_eq(rc, QUIRE_OK);
    cr_expect_gt(n, 1, "quire_analyzer_new allocates through quire_malloc");
}

/* Stems of all tokens of text, joined by spaces, into out. */
static size_t join_stems(quire_analyzer *an, const char *text, size_t len, char *out, size_t cap)
{
    quire_token_iter it;
    quire_token tok;
    size_t n = 0;
    quire_tokens_begin(&it, an, text, len, 0, true);
    while (quire_tokens_next(&it, &tok)) {
        cr_assert_lt(n + tok.stem_len + 1, cap);
        memcpy(out + n, tok.stem, tok.stem_len);
        n += tok.stem_len;
        out[n++] = ' ';
    }
    return n;
}

Test(stemmer, cache_allocation_failure_still_stems)
{
    static char text[200000], want[200000], got[200000];
    size_t len = 0;
    for (uint32_t n = 0; n < 20000 && len + 16 < sizeof text; n++) {
        len += word_of(text + len, n);
        memcpy(text + len, "ing ", 4);
        len += 4;
    }
    quire_analyzer *ref = new_analyzer(NULL);
    const size_t want_len = join_stems(ref, text, len, want, sizeof want);
    quire_analyzer_free(ref);

    quire_analyzer *an = new_analyzer(NULL);
    quire_alloc_fail_at(1); /* the cache can no longer grow */
    const size_t got_len = join_stems(an, text, len, got, sizeof got);
    quire_alloc_fail_at(0);
    cr_expect_eq(got_len, want_len);
    cr_expect(memcmp(got, want, want_len) == 0);
    uint64_t calls, hits;
    quire_analyzer_stem_stats(an, &calls, &hits);
    cr_expect_eq(calls, 20000);
    quire_analyzer_free(an);
}
