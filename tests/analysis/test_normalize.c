/*
 * test_normalize.c - case folding, diacritic folding (and keeping), character classes,
 * quire_utf8_next and quire_utf8_sanitize.
 */
#include "quire/analysis.h"

#include <string.h>

#include <criterion/criterion.h>

typedef struct fold_case {
    const char *text;
    const char *form;
    const char *stem; /* NULL: not checked */
} fold_case;

static void expect_folds(bool keep_diacritics, const fold_case *cases, size_t n)
{
    quire_analyzer *an = NULL;
    const quire_analyzer_opts opts = {NULL, keep_diacritics, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK);
    for (size_t i = 0; i < n; i++) {
        quire_token_iter it;
        quire_token tok;
        quire_tokens_begin(&it, an, cases[i].text, strlen(cases[i].text), 0, true);
        cr_assert(quire_tokens_next(&it, &tok), "\"%s\" gives a token", cases[i].text);
        cr_expect_str_eq(tok.form, cases[i].form, "form of \"%s\"", cases[i].text);
        cr_expect_eq(tok.byte_start, 0, "\"%s\"", cases[i].text);
        cr_expect_eq(tok.byte_end, strlen(cases[i].text), "\"%s\"", cases[i].text);
        if (cases[i].stem)
            cr_expect_str_eq(tok.stem, cases[i].stem, "stem of \"%s\"", cases[i].text);
        cr_expect(!quire_tokens_next(&it, &tok), "\"%s\" is one token", cases[i].text);
    }
    quire_analyzer_free(an);
}

Test(normalize, folds_case_and_diacritics_by_default)
{
    static const fold_case cases[] = {
        {"Caf\xc3\xa9", "cafe", "cafe"},       /* Café */
        {"na\xc3\xafve", "naive", NULL},       /* naïve */
        {"Z\xc3\xbcrich", "zurich", "zurich"}, /* Zürich */
        {"\xc5\x81\xc3\xb3"
         "d\xc5\xba",
         "lodz", "lodz"}, /* Łódź */
        {"\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1",
         "\xce\xb5\xce\xbb\xce\xbb\xce\xb1"
         "\xce\xb4\xce\xb1",
         NULL}, /* Ελλάδα */
        {"\xd0\x81\xd0\xbb\xd0\xba\xd0\xb0", "\xd0\xb5\xd0\xbb\xd0\xba\xd0\xb0", NULL}, /* Ёлка */
        {"\xd0\x97\xd0\xb5\xd0\xbb\xd0\xb5\xd0\xbd\xd1\x81\xd0\xba\xd0\xb8\xd0\xb9",
         "\xd0\xb7\xd0\xb5\xd0\xbb\xd0\xb5\xd0\xbd\xd1\x81\xd0\xba\xd0\xb8\xd0\xb8",
         NULL}, /* Зеленский -> зеленскии (й folds to и) */
        {"\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x83", NULL}, /* ΟΔΟΣ */
        {"\xcf\x82", "\xcf\x83", NULL}, /* final sigma -> sigma */
        {"Stra\xc3\x9f"
         "e",
         "strasse", NULL},                                     /* Straße */
        {"\xef\xbc\xa1\xef\xbd\x82\xef\xbc\x93", "ab3", NULL}, /* fullwidth Ａｂ３ */
        {"\xef\xac\x81nd", "find", "find"},                    /* ﬁnd */
        {"cafe\xcc\x81", "cafe", NULL},                        /* decomposed é */
        {"\xc3\x98"
         "resund",
         "oresund", NULL}, /* Øresund */
        {"\xc3\xa6"
         "ther",
         "aether", NULL},                       /* æther */
        {"man\xc5\x93uvre", "manoeuvre", NULL}, /* manœuvre */
        {"\xc3\xbe"
         "orn",
         "thorn", NULL}, /* þorn */
        {"\xc4\x91"
         "ak",
         "dak", NULL}, /* đak */
        {"\xc4\xa7"
         "add",
         "hadd", NULL}, /* ħadd */
        {"D\xc4\xb1"
         "yarbak\xc4\xb1r",
         "diyarbakir", NULL},                     /* Dıyarbakır */
        {"\xc4\xb0stanbul", "istanbul", NULL},    /* İstanbul */
        {"\xe1\xba\xa0\xe1\xbb\x87", "ae", NULL}, /* Ạệ (Vietnamese) */
        {"ABC", "abc", "abc"},
    };
    expect_folds(false, cases, sizeof cases / sizeof cases[0]);
}

Test(normalize, keep_diacritics_folds_case_only)
{
    static const fold_case cases[] = {
        {"Caf\xc3\xa9", "caf\xc3\xa9", "caf\xc3\xa9"},
        {"\xc5\x81\xc3\xb3"
         "d\xc5\xba",
         "\xc5\x82\xc3\xb3"
         "d\xc5\xba",
         NULL},
        {"\xd0\x81\xd0\xbb\xd0\xba\xd0\xb0", "\xd1\x91\xd0\xbb\xd0\xba\xd0\xb0", NULL},
        {"\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1",
         "\xce\xb5\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1", NULL},
        {"Stra\xc3\x9f"
         "e",
         "strasse", NULL},
        {"\xef\xbc\xa1\xef\xbd\x82", "ab", NULL},
        {"cafe\xcc\x81", "cafe\xcc\x81", NULL}, /* no composition: see RULES.md */
    };
    expect_folds(true, cases, sizeof cases / sizeof cases[0]);
}

Test(normalize, analyzer_id_names_language_and_folding)
{
    quire_analyzer *an = NULL;
    cr_assert_eq(quire_analyzer_new(&an, NULL), QUIRE_OK);
    cr_expect_str_eq(quire_analyzer_id(an), "quire-analysis/2 english fold-diacritics");
    cr_expect_str_eq(quire_analyzer_language(an), "english");
    quire_analyzer_free(an);
    const quire_analyzer_opts opts = {"french", true, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK);
    cr_expect_str_eq(quire_analyzer_id(an), "quire-analysis/2 french keep-diacritics");
    quire_analyzer_free(an);
    quire_analyzer_free(NULL);
}

Test(normalize, character_classes)
{
    static const uint32_t words[] = {'a',    'Z',    '0',   0xE9,  0x301,  0x416,  0x3B1,
                                     0x6771, 0x3042, 0x5D0, 0x661, 0xFF21, 0x1D400};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        cr_expect(quire_is_word_char(words[i]), "U+%04X is a word char", words[i]);
    static const uint32_t others[] = {' ',     '-',    '\'',   '.',    '$',
                                      0xA0,    0xAD,   0x200B, 0x2019, 0x2014,
                                      0x1F642, 0x2764, 0xFFFD, 0x02BC, 0xD800};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        cr_expect(!quire_is_word_char(others[i]), "U+%04X is not a word char", others[i]);
    static const uint32_t ends[] = {'.', '!', '?', 0x2026, 0x3002, 0xFF01, 0xFF1F, 0xFF0E};
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
        cr_expect(quire_is_sentence_end(ends[i]), "U+%04X ends a sentence", ends[i]);
    cr_expect(!quire_is_sentence_end(','));
    cr_expect(!quire_is_sentence_end('a'));
}

Test(normalize, utf8_next_decodes_and_replaces_invalid_runs)
{
    const uint8_t text[] = "a\xc3\xa9\xe6\x9d\xb1\xf0\x9f\x99\x82\xff\xfe"
                           "b\xe2\x82";
    const size_t len = sizeof text - 1;
    static const uint32_t want[] = {'a', 0xE9, 0x6771, 0x1F642, 0xFFFD, 'b', 0xFFFD};
    size_t at = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_assert_lt(at, len);
        cr_expect_eq(quire_utf8_next(text, len, &at), want[i], "code point %zu", i);
    }
    cr_expect_eq(at, len);
    cr_expect_eq(quire_utf8_next(text, len, &at), 0xFFFD, "past the end");
    cr_expect_eq(at, len);
}

Test(normalize, sanitize_leaves_valid_text_alone)
{
    quire_buf out = QUIRE_BUF_INIT;
    const char valid[] = "caf\xc3\xa9 \xe6\x9d\xb1 a\0b plain ascii text longer than eight";
    cr_expect_eq(quire_utf8_sanitize(&out, valid, sizeof valid - 1), 0);
    cr_expect_eq(out.len, 0);
    cr_expect_null(out.data, "no copy when valid");
    quire_buf_free(&out);
}

Test(normalize, sanitize_replaces_each_invalid_sequence)
{
    quire_buf out = QUIRE_BUF_INIT;
    const char bad[] = "ab\xff\xfe"
                       "cd\xc3(\xe2\x82";
    cr_expect_eq(quire_utf8_sanitize(&out, bad, sizeof bad - 1), 3);
    cr_assert_eq(out.err, QUIRE_OK);
    const char want[] = "ab\xef\xbf\xbd"
                        "cd\xef\xbf\xbd(\xef\xbf\xbd";
    cr_assert_eq(out.len, sizeof want - 1);
    cr_expect(memcmp(out.data, want, out.len) == 0);
    quire_buf_free(&out);
}
