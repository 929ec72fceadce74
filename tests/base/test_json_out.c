/*
 * test_json_out.c - quire/json_out.h, the one JSON writer of the programs and the server:
 * what it escapes with and without QUIRE_JSON_ESCAPE_MARKUP, invalid UTF-8 read as the
 * engine reads it, and a round trip of random bytes through the strict JSON Lines parser
 * of quire-index (indexer/json.c): what comes back is the input made valid UTF-8.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "quire/json_out.h"
#include "quire/utf8.h"

static char *take(quire_json *j)
{
    size_t len = 1;
    char *s = quire_json_take(j, &len);
    cr_assert(s != NULL);
    cr_assert_eq(strlen(s), len);
    return s;
}

Test(json_out, escapes_quotes_backslashes_and_controls_only_by_default)
{
    quire_json j = QUIRE_JSON_INIT(0);
    const char in[] = "<b>\"a\\b\" & 'c'\n\t\x01\x7f\xe2\x80\xa8";
    quire_json_string(&j, in, sizeof in - 1);
    char *s = take(&j);
    cr_expect_str_eq(s, "\"<b>\\\"a\\\\b\\\" & 'c'\\u000a\\u0009\\u0001\\u007f\xe2\x80\xa8\"");
    free(s);
}

Test(json_out, escapes_markup_when_asked)
{
    quire_json j = QUIRE_JSON_INIT(QUIRE_JSON_ESCAPE_MARKUP);
    const char in[] = "<b>&\xe2\x80\xa8\xe2\x80\xa9";
    quire_json_string(&j, in, sizeof in - 1);
    char *s = take(&j);
    cr_expect_str_eq(s, "\"\\u003cb\\u003e\\u0026\\u2028\\u2029\"");
    free(s);
}

Test(json_out, a_nul_byte_is_escaped_and_an_invalid_run_is_one_replacement)
{
    quire_json j = QUIRE_JSON_INIT(0);
    const char in[] = "a\0b \xff\xfe c \xc3 \xef\xbf\xbd \xed\xa0\x80";
    quire_json_string(&j, in, sizeof in - 1);
    char *s = take(&j);
    /* \xff\xfe is one invalid run; \xc3 alone is one; a literal U+FFFD is kept; the
     * encoded surrogate \xed\xa0\x80 is one run (no byte of it starts a character). */
    cr_expect_str_eq(s, "\"a\\u0000b \xef\xbf\xbd c \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\"");
    free(s);
}

Test(json_out, printf_longer_than_its_small_buffer_is_whole)
{
    quire_json j = QUIRE_JSON_INIT(0);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    quire_json_printf(&j, "[%d,\"%s\"]", 42, big);
    char *s = take(&j);
    cr_expect_eq(strlen(s), sizeof big - 1 + 7);
    cr_expect(strncmp(s, "[42,\"xxx", 8) == 0);
    free(s);
}

Test(json_out, take_of_nothing_is_an_empty_string)
{
    quire_json j = QUIRE_JSON_INIT(0);
    char *s = take(&j);
    cr_expect_str_eq(s, "");
    free(s);
}

Test(json_out, flush_writes_and_empties_the_writer)
{
    quire_json j = QUIRE_JSON_INIT(0);
    FILE *f = tmpfile();
    cr_assert(f != NULL);
    quire_json_lit(&j, "{\"a\":");
    quire_json_string(&j, "b", 1);
    quire_json_lit(&j, "}\n");
    cr_assert_eq(quire_json_flush(&j, f), QUIRE_OK);
    size_t len;
    (void)quire_json_data(&j, &len);
    cr_expect_eq(len, 0);
    quire_json_lit(&j, "[]\n");
    cr_assert_eq(quire_json_flush(&j, f), QUIRE_OK);
    rewind(f);
    char line[64];
    cr_assert(fgets(line, sizeof line, f) != NULL);
    cr_expect_str_eq(line, "{\"a\":\"b\"}\n");
    cr_assert(fgets(line, sizeof line, f) != NULL);
    cr_expect_str_eq(line, "[]\n");
    fclose(f);
    quire_json_free(&j);
}

/* Random bytes biased towards what breaks writers: ASCII punctuation, controls, UTF-8
 * leads and continuation bytes. */
static size_t random_text(char *out, size_t cap, unsigned *seed)
{
    static const char pick[] =
        "\"\\<>&\n\x01\x7f\x80\xbf\xc3\xa9\xe2\x80\x9c\xf0\x9f\xed\xa0\xff az";
    const size_t n = (size_t)rand_r(seed) % cap;
    for (size_t i = 0; i < n; i++)
        out[i] = (rand_r(seed) & 1) ? pick[(size_t)rand_r(seed) % (sizeof pick - 1)]
                                    : (char)(rand_r(seed) & 0xFF);
    return n;
}

Test(json_out, random_bytes_round_trip_through_the_strict_parser)
{
    unsigned seed = 20261207;
    char in[200];
    for (int round = 0; round < 3000; round++) {
        const size_t n = random_text(in, sizeof in, &seed);
        quire_json j = QUIRE_JSON_INIT(round & 1 ? QUIRE_JSON_ESCAPE_MARKUP : 0);
        quire_json_lit(&j, "{\"s\":");
        quire_json_string(&j, in, n);
        quire_json_lit(&j, "}");
        size_t len;
        char *line = quire_json_take(&j, &len);
        cr_assert(line != NULL);

        const char *keys[] = {"s"};
        json_value v[1];
        json_error err;
        cr_assert_eq(json_parse_object(v, keys, 1, line, len, &err), QUIRE_OK,
                     "round %d: %s at %zu", round, err.what, err.offset);
        cr_assert_eq(v[0].type, JSON_STRING);

        quire_buf valid = QUIRE_BUF_INIT;
        const size_t replaced = quire_utf8_sanitize(&valid, in, n);
        const char *want = replaced ? (const char *)valid.data : in;
        const size_t want_len = replaced ? valid.len : n;
        cr_assert_eq(v[0].len, want_len, "round %d: length %zu, want %zu", round, v[0].len,
                     want_len);
        cr_assert(memcmp(v[0].ptr, want, want_len) == 0, "round %d: bytes differ", round);
        quire_buf_free(&valid);
        free(line);
    }
}
