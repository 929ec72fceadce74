/*
 * test_tokenizer.c - the tokenizer rules of analysis/RULES.md, one table per rule:
 * input -> expected tokens (form, pos, byte_start, byte_end), plus invalid UTF-8,
 * truncation and a seeded random-bytes fuzz loop.
 */
#include "quire/analysis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

typedef struct want {
    const char *form;
    size_t byte_start;
    size_t byte_end;
} want;

#define WANT_END                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

static quire_analyzer *new_analyzer(bool keep_diacritics)
{
    quire_analyzer *an = NULL;
    quire_analyzer_opts opts = {"english", keep_diacritics, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
    return an;
}

/* Tokens of `text` (len bytes) must be exactly `w` (ended by WANT_END), at positions
 * 0, 1, 2, ... */
static void expect_tokens_n(const char *text, size_t len, const want *w)
{
    quire_analyzer *an = new_analyzer(false);
    quire_token_iter it;
    quire_token tok;
    size_t i = 0;
    quire_tokens_begin(&it, an, text, len, 0, true);
    while (quire_tokens_next(&it, &tok)) {
        cr_assert(w[i].form != NULL, "text \"%s\": extra token \"%s\"", text, tok.form);
        cr_expect_str_eq(tok.form, w[i].form, "text \"%s\", token %zu", text, i);
        cr_expect_eq(tok.form_len, strlen(w[i].form), "text \"%s\", token %zu", text, i);
        cr_expect_eq(tok.pos, (uint32_t)i, "text \"%s\", token %zu", text, i);
        cr_expect_eq(tok.byte_start, w[i].byte_start, "text \"%s\", token %zu start %zu", text, i,
                     tok.byte_start);
        cr_expect_eq(tok.byte_end, w[i].byte_end, "text \"%s\", token %zu end %zu", text, i,
                     tok.byte_end);
        i++;
    }
    cr_expect(w[i].form == NULL, "text \"%s\": missing token \"%s\"", text, w[i].form);
    quire_analyzer_free(an);
}

static void expect_tokens(const char *text, const want *w)
{
    expect_tokens_n(text, strlen(text), w);
}

/* Forms only, joined by spaces: for the tables where offsets are checked elsewhere. */
static void expect_forms(const char *text, const char *forms)
{
    quire_analyzer *an = new_analyzer(false);
    quire_token_iter it;
    quire_token tok;
    char got[1024];
    size_t n = 0;
    got[0] = '\0';
    quire_tokens_begin(&it, an, text, strlen(text), 0, false);
    while (quire_tokens_next(&it, &tok)) {
        cr_assert(n + tok.form_len + 2 < sizeof got);
        if (n)
            got[n++] = ' ';
        memcpy(got + n, tok.form, tok.form_len);
        n += tok.form_len;
        got[n] = '\0';
    }
    cr_expect_str_eq(got, forms, "text \"%s\"", text);
    quire_analyzer_free(an);
}

Test(tokenizer, keeps_every_word_no_stopwords)
{
    const want w[] = {{"to", 0, 2},   {"be", 3, 5},   {"or", 6, 8}, {"not", 9, 12},
                      {"to", 13, 15}, {"be", 16, 18}, WANT_END};
    expect_tokens("to be or not to be", w);
}

Test(tokenizer, punctuation_symbols_and_emoji_separate_and_are_not_indexed)
{
    const want w[] = {{"i", 0, 1}, {"ny", 6, 8}, {"ok", 14, 16}, WANT_END};
    expect_tokens("I \xe2\x9d\xa4 NY \xf0\x9f\x99\x82!ok?", w);
    expect_forms("a+b=c; (d) [e] {f} #g @h x&y 5%", "a b c d e f g h x y 5");
    expect_forms("", "");
    expect_forms(" \t\n ... !!! ", "");
}

Test(tokenizer, every_apostrophe_is_one_apostrophe)
{
    static const char *const apostrophes[] = {
        "'", "\xe2\x80\x99", "\xe2\x80\x98", "\xca\xbc", "\xe2\x80\xb2", "\xef\xbc\x87", "`"};
    for (size_t i = 0; i < sizeof apostrophes / sizeof apostrophes[0]; i++) {
        char text[32];
        const size_t alen = strlen(apostrophes[i]);
        (void)snprintf(text, sizeof text, "don%st", apostrophes[i]);
        const want w[] = {{"don't", 0, 3 + alen + 1}, WANT_END};
        expect_tokens(text, w);
    }
}

Test(tokenizer, apostrophe_between_letters_joins)
{
    const want russia[] = {{"russia's", 0, 10}, WANT_END};
    expect_tokens("Russia\xe2\x80\x99s", russia);
    const want oneill[] = {{"o'neill", 0, 9}, WANT_END};
    expect_tokens("O\xe2\x80\x99Neill", oneill);
    expect_forms("rock'n'roll the 1990's b'2", "rock'n'roll the 1990's b'2");
}

Test(tokenizer, leading_and_trailing_apostrophes_are_dropped)
{
    const want w[] = {{"students", 0, 8}, {"tis", 15, 18}, {"90s", 20, 23}, WANT_END};
    expect_tokens("students\xe2\x80\x99 \xe2\x80\x98tis '90s", w);
    expect_forms("don''t 12'34 'quoted'", "don t 12 34 quoted");
}

Test(tokenizer, every_dash_splits_at_consecutive_positions)
{
    static const char *const dashes[] = {"-",
                                         "\xe2\x80\x90",
                                         "\xe2\x80\x91",
                                         "\xe2\x80\x92",
                                         "\xe2\x80\x93",
                                         "\xe2\x80\x94",
                                         "\xe2\x80\x95",
                                         "\xe2\x88\x92",
                                         "\xef\xb9\x98",
                                         "\xef\xb9\xa3",
                                         "\xef\xbc\x8d"};
    for (size_t i = 0; i < sizeof dashes / sizeof dashes[0]; i++) {
        char text[32];
        const size_t dlen = strlen(dashes[i]);
        (void)snprintf(text, sizeof text, "Russian%sChinese", dashes[i]);
        const want w[] = {{"russian", 0, 7}, {"chinese", 7 + dlen, 14 + dlen}, WANT_END};
        expect_tokens(text, w);
    }
}

Test(tokenizer, hyphenated_words_and_numbers_split)
{
    const want s300[] = {{"s", 0, 1}, {"300", 2, 5}, WANT_END};
    expect_tokens("S-300", s300);
    const want date[] = {{"2022", 0, 4}, {"12", 5, 7}, {"31", 8, 10}, WANT_END};
    expect_tokens("2022-12-31", date);
    const want shahed[] = {{"shahed", 0, 6}, {"131", 7, 10}, {"136", 11, 14}, WANT_END};
    expect_tokens("Shahed-131/136", shahed);
}

Test(tokenizer, line_broken_hyphenation_joins_into_one_token)
{
    const want important[] = {{"important", 0, 11}, {"news", 12, 16}, WANT_END};
    expect_tokens("impor-\ntant news", important);
    const want crlf[] = {{"important", 2, 18}, WANT_END};
    expect_tokens("  impor- \t\r\n  tant", crlf);
    /* U+2010 HYPHEN and U+00AD SOFT HYPHEN at a line end hyphenate as well. */
    const want unicode_hyphen[] = {{"important", 0, 13}, WANT_END};
    expect_tokens("impor\xe2\x80\x90\ntant", unicode_hyphen);
    const want soft[] = {{"important", 0, 12}, WANT_END};
    expect_tokens("impor\xc2\xad\ntant", soft);
}

Test(tokenizer, hyphen_before_line_break_splits_unless_lowercase_letter_follows)
{
    const want capital[] = {{"russian", 0, 7}, {"chinese", 9, 16}, WANT_END};
    expect_tokens("Russian-\nChinese", capital);
    const want digit[] = {{"covid", 0, 5}, {"19", 7, 9}, WANT_END};
    expect_tokens("covid-\n19", digit);
    const want blank_line[] = {{"impor", 0, 5}, {"tant", 8, 12}, WANT_END};
    expect_tokens("impor-\n\ntant", blank_line);
    const want no_break[] = {{"impor", 0, 5}, {"tant", 7, 11}, WANT_END};
    expect_tokens("impor- tant", no_break);
    const want after_digit[] = {{"300", 0, 3}, {"km", 5, 7}, WANT_END};
    expect_tokens("300-\nkm", after_digit);
}

Test(tokenizer, digit_separators_between_digits_stay_in_the_number)
{
    const want thousand[] = {{"1,000", 0, 5}, WANT_END};
    expect_tokens("1,000", thousand);
    const want dollars[] = {{"172.406", 1, 8}, WANT_END};
    expect_tokens("$172.406", dollars);
    const want trailing[] = {{"3.5", 0, 3}, {"and", 5, 8}, WANT_END};
    expect_tokens("3.5, and", trailing);
    expect_forms("172.406 3.5 1.2.3 5,93 U.S. a.b 1. .5 1,a",
                 "172.406 3.5 1.2.3 5,93 u s a b 1 5 1 a");
}

Test(tokenizer, letters_and_digits_together_form_one_token)
{
    expect_forms("COVID19 mp3 3D 2nd", "covid19 mp3 3d 2nd");
}

Test(tokenizer, every_unicode_space_separates)
{
    static const char *const spaces[] = {" ",
                                         "\t",
                                         "\n",
                                         "\r",
                                         "\v",
                                         "\f",
                                         "\xc2\xa0",
                                         "\xc2\x85",
                                         "\xe1\x9a\x80",
                                         "\xe2\x80\x80",
                                         "\xe2\x80\x81",
                                         "\xe2\x80\x82",
                                         "\xe2\x80\x83",
                                         "\xe2\x80\x84",
                                         "\xe2\x80\x85",
                                         "\xe2\x80\x86",
                                         "\xe2\x80\x87",
                                         "\xe2\x80\x88",
                                         "\xe2\x80\x89",
                                         "\xe2\x80\x8a",
                                         "\xe2\x80\x8b",
                                         "\xe2\x80\xa8",
                                         "\xe2\x80\xa9",
                                         "\xe2\x80\xaf",
                                         "\xe2\x81\x9f",
                                         "\xe3\x80\x80"};
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++) {
        char text[32];
        const size_t slen = strlen(spaces[i]);
        (void)snprintf(text, sizeof text, "ab%scd", spaces[i]);
        const want w[] = {{"ab", 0, 2}, {"cd", 2 + slen, 4 + slen}, WANT_END};
        expect_tokens(text, w);
    }
}

Test(tokenizer, ignorable_characters_are_removed_without_splitting)
{
    const want soft[] = {{"cooperate", 0, 11}, WANT_END};
    expect_tokens("co\xc2\xad"
                  "operate",
                  soft);
    static const char *const ignorables[] = {"\xc2\xad", "\xe2\x80\x8c", "\xe2\x80\x8d",
                                             "\xe2\x81\xa0", "\xef\xbb\xbf"};
    for (size_t i = 0; i < sizeof ignorables / sizeof ignorables[0]; i++) {
        char text[32];
        const size_t ilen = strlen(ignorables[i]);
        (void)snprintf(text, sizeof text, "%sab%scd%s x", ignorables[i], ignorables[i],
                       ignorables[i]);
        /* Leading and trailing ignorables lie outside the token's bytes. */
        const want w[] = {
            {"abcd", ilen, 2 * ilen + 4}, {"x", 3 * ilen + 5, 3 * ilen + 6}, WANT_END};
        expect_tokens(text, w);
    }
}

Test(tokenizer, quotes_separate_and_are_quote_chars)
{
    expect_forms("\xe2\x80\x9cHello\xe2\x80\x9d \xe2\x80\x9eWelt\xe2\x80\x9c \xc2\xab"
                 "bonjour"
                 "\xc2\xbb \"plain\"",
                 "hello welt bonjour plain");
    static const uint32_t quotes[] = {0x22, 0x201C, 0x201D, 0x201E, 0x201F, 0xAB, 0xBB};
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++) {
        cr_expect(quire_is_quote_char(quotes[i]), "U+%04X", quotes[i]);
        cr_expect(!quire_is_word_char(quotes[i]), "U+%04X", quotes[i]);
    }
    cr_expect(!quire_is_quote_char('a'));
    cr_expect(!quire_is_quote_char(0x2019)); /* an apostrophe, not a quote */
}

Test(tokenizer, han_and_kana_are_one_token_each)
{
    const want w[] = {
        {"\xe6\x9d\xb1", 0, 3},   {"\xe4\xba\xac", 3, 6},   {"abc", 6, 9}, {"\xe5\xa4\xa7", 9, 12},
        {"\xe3\x81\x82", 13, 16}, {"\xe3\x82\xa2", 16, 19}, WANT_END};
    /* 東京abc大 あア */
    expect_tokens("\xe6\x9d\xb1\xe4\xba\xac"
                  "abc\xe5\xa4\xa7 \xe3\x81\x82\xe3\x82\xa2",
                  w);
    /* か + combining voiced mark stays one token */
    const want ga[] = {{"\xe3\x81\x8b\xe3\x82\x99", 0, 6}, {"x", 7, 8}, WANT_END};
    expect_tokens("\xe3\x81\x8b\xe3\x82\x99 x", ga);
}

Test(tokenizer, token_of_only_diacritics_is_dropped_without_a_position)
{
    const want w[] = {{"abc", 6, 9}, {"e", 10, 13}, WANT_END};
    expect_tokens(" \xcc\x81\xcc\x88 abc e\xcc\x81", w);
}

Test(tokenizer, positions_start_at_first_pos_and_stems_are_optional)
{
    quire_analyzer *an = new_analyzer(false);
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, "one two", 7, 100, false);
    cr_assert(quire_tokens_next(&it, &tok));
    cr_expect_eq(tok.pos, 100);
    cr_expect_null(tok.stem);
    cr_assert(quire_tokens_next(&it, &tok));
    cr_expect_eq(tok.pos, 101);
    cr_expect(!quire_tokens_next(&it, &tok));
    cr_expect(!quire_tokens_next(&it, &tok), "the end stays the end");
    quire_tokens_begin(&it, an, NULL, 0, 0, true);
    cr_expect(!quire_tokens_next(&it, &tok));
    quire_analyzer_free(an);
}

Test(tokenizer, offsets_refer_to_the_original_text)
{
    /* Folding changes lengths (ẞ -> ss, Ｆ -> f); offsets do not. */
    const want w[] = {{"strasse", 0, 8}, {"ffi", 9, 18}, {"naive", 19, 25}, WANT_END};
    expect_tokens("STRA\xe1\xba\x9e"
                  "E \xef\xbc\xa6\xef\xbc\xa6\xef\xbc\xa9 na\xc3\xafve",
                  w);
}

Test(tokenizer, invalid_utf8_reads_as_a_separator_and_is_counted)
{
    static const struct {
        const char *text;
        size_t len;
        const char *forms;
        size_t invalid;
    } cases[] = {
        {"ab\xff"
         "cd",
         5, "ab cd", 1},
        {"ab\xff\xfe\xc0\x80"
         "cd",
         8, "ab cd", 1}, /* one maximal run */
        {"ab\xff x \xfe"
         "cd",
         9, "ab x cd", 2},
        {"a\xe2\x82", 3, "a", 1}, /* truncated at the end */
        {"\xc3", 1, "", 1},
        {"\xc0\xaf"
         "x",
         3, "x", 1}, /* overlong '/' */
        {"a\xed\xa0\x80"
         "b",
         5, "a b", 1}, /* surrogate */
        {"a\xf4\x90\x80\x80"
         "b",
         6, "a b", 1},                     /* above U+10FFFF */
        {"caf\xc3\xa9\x80", 6, "cafe", 1}, /* stray continuation */
        {"a\xef\xbf\xbd"
         "b",
         5, "a b", 0},         /* a real U+FFFD is not invalid */
        {"a\0b", 3, "a b", 0}, /* NUL is valid, a separator */
    };
    quire_analyzer *an = new_analyzer(false);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        quire_token_iter it;
        quire_token tok;
        char got[64];
        size_t n = 0;
        got[0] = '\0';
        quire_tokens_begin(&it, an, cases[i].text, cases[i].len, 0, true);
        while (quire_tokens_next(&it, &tok)) {
            cr_assert(tok.byte_end <= cases[i].len);
            if (n)
                got[n++] = ' ';
            memcpy(got + n, tok.form, tok.form_len);
            n += tok.form_len;
            got[n] = '\0';
        }
        cr_expect_str_eq(got, cases[i].forms, "case %zu", i);
        cr_expect_eq(it.invalid_count, cases[i].invalid, "case %zu: %zu invalid", i,
                     it.invalid_count);
    }
    quire_analyzer_free(an);
}

Test(tokenizer, long_word_is_truncated_at_a_character_boundary)
{
    char *text = malloc(20000);
    cr_assert(text);
    memset(text, 'a', 10000);
    memcpy(text + 10000, " next", 6);
    quire_analyzer *an = new_analyzer(false);
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, strlen(text), 0, true);
    cr_assert(quire_tokens_next(&it, &tok));
    cr_expect_eq(tok.form_len, QUIRE_MAX_TERM_BYTES);
    cr_expect_eq(strlen(tok.form), QUIRE_MAX_TERM_BYTES);
    cr_expect_leq(tok.stem_len, QUIRE_MAX_TERM_BYTES);
    cr_expect_eq(tok.byte_start, 0);
    cr_expect_eq(tok.byte_end, 10000);
    cr_assert(quire_tokens_next(&it, &tok));
    cr_expect_str_eq(tok.form, "next");
    cr_expect_eq(tok.pos, 1);
    cr_expect_eq(it.truncated_count, 1);

    /* 5000 x ж (2 bytes): cut to 128 bytes = 64 letters; 3-byte Thai: cut to 126. */
    for (size_t i = 0; i < 5000; i++)
        memcpy(text + 2 * i, "\xd0\xb6", 2);
    quire_tokens_begin(&it, an, text, 10000, 0, true);
    cr_assert(quire_tokens_next(&it, &tok));
    cr_expect_eq(tok.form_len, 128);
    cr_expect_eq(it.truncated_count, 1);
    for (size_t i = 0; i < 3000; i++)
        memcpy(text + 3 * i, "\xe0\xb8\x81", 3);
    quire_tokens_begin(&it, an, text, 9000, 0, false);
    cr_assert(quire_tokens_next(&it, &tok));
    cr_expect_eq(tok.form_len, 126);
    cr_expect_eq(tok.byte_end, 9000);
    /* Folding shrinks é to e: the form keeps 128 bytes; the stem is the form's stem. */
    for (size_t i = 0; i < 5000; i++)
        memcpy(text + 2 * i, "\xc3\xa9", 2);
    quire_tokens_begin(&it, an, text, 10000, 0, true);
    cr_assert(quire_tokens_next(&it, &tok));
    cr_expect_eq(tok.form_len, 128);
    cr_expect_eq(tok.form[0], 'e');
    char form[QUIRE_MAX_TERM_BYTES + 1], stem[QUIRE_MAX_TERM_BYTES + 1];
    memcpy(form, tok.form, tok.form_len + 1);
    memcpy(stem, tok.stem, tok.stem_len + 1);
    const char *direct;
    size_t direct_len;
    cr_assert_eq(quire_analyzer_stem(an, form, strlen(form), &direct, &direct_len), QUIRE_OK);
    cr_expect_str_eq(stem, direct, "a token's stem is its form's stem");
    cr_expect_leq(strlen(stem), 128);
    cr_expect_eq(it.truncated_count, 1);
    quire_analyzer_free(an);
    free(text);
}

Test(tokenizer, a_form_has_one_stem_whatever_its_accents)
{
    /* "Abbé" and "abbe" fold to the one form "abbe": they must get the same stem, or the
     * index would give one form two stems. */
    quire_analyzer *an = new_analyzer(false);
    const char *words[] = {"Abbé", "abbe", "ABBÉ", "Zürich", "zurich"};
    char stems[5][QUIRE_MAX_TERM_BYTES + 1];
    for (int i = 0; i < 5; i++) {
        quire_token_iter it;
        quire_token tok;
        quire_tokens_begin(&it, an, words[i], strlen(words[i]), 0, true);
        cr_assert(quire_tokens_next(&it, &tok));
        memcpy(stems[i], tok.stem, tok.stem_len + 1);
    }
    cr_expect_str_eq(stems[0], stems[1]);
    cr_expect_str_eq(stems[0], stems[2]);
    cr_expect_str_eq(stems[3], stems[4]);
    quire_analyzer_free(an);
}

/* xorshift64*: the fuzz loop's seeded generator. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

Test(tokenizer, random_bytes_never_break_the_invariants)
{
    /* Bytes drawn mostly from pieces that matter: ASCII, UTF-8 lead and continuation
     * bytes, apostrophes, hyphens, newlines, digits and separators. */
    static const char *const pieces[] = {"a",
                                         "Z",
                                         "7",
                                         " ",
                                         "-",
                                         "\n",
                                         "\r\n",
                                         "'",
                                         ".",
                                         ",",
                                         "\xe2\x80\x99",
                                         "\xc2\xad",
                                         "\xc3\xa9",
                                         "\xcc\x81",
                                         "\xe6\x9d\xb1",
                                         "\xf0\x9f\x99\x82",
                                         "\xe2\x80\x90",
                                         "\xc3",
                                         "\xe2\x82",
                                         "\x80",
                                         "\xff",
                                         "\xf4\x90",
                                         "\xed\xa0\x80",
                                         "\xef\xbb\xbf"};
    const size_t piece_count = sizeof pieces / sizeof pieces[0];
    quire_analyzer *an = new_analyzer(false);
    uint8_t buf[600];
    for (uint64_t seed = 1; seed <= 3000; seed++) {
        uint64_t s = seed * 0x9E3779B97F4A7C15ull;
        const size_t want_len = next_random(&s) % 400;
        size_t len = 0;
        while (len < want_len) {
            const uint64_t r = next_random(&s);
            if (r % 4 == 0) {
                buf[len++] = (uint8_t)(r >> 8);
            } else {
                const char *p = pieces[(r >> 8) % piece_count];
                const size_t plen = strlen(p);
                memcpy(buf + len, p, plen);
                len += plen;
            }
        }
        /* A copy of exactly len bytes, so ASan sees any read past the end. */
        char *text = malloc(len ? len : 1);
        cr_assert(text);
        memcpy(text, buf, len);
        quire_token_iter it;
        quire_token tok;
        quire_tokens_begin(&it, an, text, len, 7, (seed & 1) != 0);
        size_t prev_end = 0;
        uint32_t pos = 7;
        while (quire_tokens_next(&it, &tok)) {
            cr_assert(tok.byte_start < tok.byte_end, "seed %llu", (unsigned long long)seed);
            cr_assert(tok.byte_start >= prev_end, "seed %llu", (unsigned long long)seed);
            cr_assert(tok.byte_end <= len, "seed %llu", (unsigned long long)seed);
            cr_assert_eq(tok.pos, pos++, "seed %llu", (unsigned long long)seed);
            cr_assert(tok.form_len > 0 && tok.form_len <= QUIRE_MAX_TERM_BYTES);
            cr_assert_eq(strlen(tok.form), tok.form_len);
            quire_buf clean = QUIRE_BUF_INIT;
            cr_assert_eq(quire_utf8_sanitize(&clean, tok.form, tok.form_len), 0,
                         "form is valid UTF-8, seed %llu", (unsigned long long)seed);
            if (tok.stem) {
                cr_assert(tok.stem_len <= QUIRE_MAX_TERM_BYTES);
                cr_assert_eq(strlen(tok.stem), tok.stem_len);
            }
            prev_end = tok.byte_end;
        }
        quire_buf clean = QUIRE_BUF_INIT;
        cr_assert_eq(quire_utf8_sanitize(&clean, text, len), it.invalid_count,
                     "tokenizer and sanitizer count alike, seed %llu", (unsigned long long)seed);
        quire_buf_free(&clean);
        free(text);
    }
    quire_analyzer_free(an);
}
