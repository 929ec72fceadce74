/*
 * test_json.c - the JSON Lines record parser: decoding, skipping, limits and the errors it
 * reports for broken lines.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static const char *const keys[] = {"id", "title", "date", "text"};

/* Parse `text` (copied, since parsing decodes in place) into v[4]; returns the status. */
static int parse(const char *text, json_value v[4], json_error *err, char **copy)
{
    *copy = strdup(text);
    cr_assert_not_null(*copy);
    return json_parse_object(v, keys, 4, *copy, strlen(text), err);
}

static void expect_string(const json_value *v, const char *want, size_t want_len)
{
    cr_expect_eq(v->type, JSON_STRING);
    cr_expect_eq(v->len, want_len, "length %zu, want %zu", v->len, want_len);
    if (v->len == want_len)
        cr_expect(memcmp(v->ptr, want, want_len) == 0, "got \"%.*s\"", (int)v->len, v->ptr);
}

/* Expect `text` to be rejected with `what` at byte `offset`. */
static void expect_error(const char *text, const char *what, size_t offset)
{
    json_value v[4];
    json_error err = {NULL, 0};
    char *copy;
    cr_expect_eq(parse(text, v, &err, &copy), QUIRE_EINVAL, "accepted: %s", text);
    cr_expect_str_eq(err.what ? err.what : "(none)", what, "for %s", text);
    cr_expect_eq(err.offset, offset, "offset %zu, want %zu for %s", err.offset, offset, text);
    free(copy);
}

Test(json, gives_the_named_members)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(
        parse("{\"id\": \"a1\", \"title\": \"T\", \"date\": \"2020-01-02\", \"text\": \"x y\"}", v,
              &err, &copy),
        QUIRE_OK);
    expect_string(&v[0], "a1", 2);
    expect_string(&v[1], "T", 1);
    expect_string(&v[2], "2020-01-02", 10);
    expect_string(&v[3], "x y", 3);
    free(copy);
}

Test(json, marks_missing_members_absent)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(parse("  {}  \r", v, &err, &copy), QUIRE_OK);
    for (int i = 0; i < 4; i++)
        cr_expect_eq(v[i].type, JSON_ABSENT);
    free(copy);
}

Test(json, decodes_simple_escapes)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(parse("{\"text\": \"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"}", v, &err, &copy),
                 QUIRE_OK);
    expect_string(&v[3], "a\"b\\c/d\be\ff\ng\rh\ti", 17);
    free(copy);
}

Test(json, decodes_unicode_escapes_to_utf8)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(parse("{\"text\": \"\\u0041\\u00e9\\u20AC\\u0000z\"}", v, &err, &copy), QUIRE_OK);
    expect_string(&v[3], "A\xc3\xa9\xe2\x82\xac\0z", 8);
    free(copy);
}

Test(json, joins_surrogate_pairs)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(parse("{\"text\": \"<\\ud83d\\ude00>\\uD834\\uDD1E\"}", v, &err, &copy), QUIRE_OK);
    expect_string(&v[3], "<\xf0\x9f\x98\x80>\xf0\x9d\x84\x9e", 10);
    free(copy);
}

Test(json, replaces_lone_surrogates)
{
    json_value v[4];
    json_error err;
    char *copy;
    /* high alone, low alone, high then a non-surrogate escape, high at the end */
    cr_assert_eq(parse("{\"text\": \"\\ud800a\\udc00b\\ud800\\u0041\\udbff\"}", v, &err, &copy),
                 QUIRE_OK);
    expect_string(&v[3],
                  "\xef\xbf\xbd"
                  "a"
                  "\xef\xbf\xbd"
                  "b"
                  "\xef\xbf\xbd"
                  "A"
                  "\xef\xbf\xbd",
                  15);
    free(copy);
    /* two high surrogates in a row: both replaced */
    cr_assert_eq(parse("{\"text\": \"\\ud800\\ud800\"}", v, &err, &copy), QUIRE_OK);
    expect_string(&v[3], "\xef\xbf\xbd\xef\xbf\xbd", 6);
    free(copy);
}

Test(json, decodes_escaped_keys)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(parse("{\"\\u0069d\": \"x\"}", v, &err, &copy), QUIRE_OK);
    expect_string(&v[0], "x", 1);
    free(copy);
}

Test(json, keeps_numbers_as_written)
{
    static const char *const numbers[] = {"0", "42", "-7", "3.25", "1e9", "-0.5E-3", "12E+2"};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "{\"id\": %s}", numbers[i]);
        json_value v[4];
        json_error err;
        char *copy;
        cr_expect_eq(parse(line, v, &err, &copy), QUIRE_OK, "%s", line);
        cr_expect_eq(v[0].type, JSON_NUMBER);
        cr_expect_eq(v[0].len, strlen(numbers[i]));
        cr_expect(memcmp(v[0].ptr, numbers[i], v[0].len) == 0);
        free(copy);
    }
}

Test(json, rejects_malformed_numbers)
{
    expect_error("{\"id\": 01}", "bad number", 7);
    expect_error("{\"id\": 1.}", "bad number", 7);
    expect_error("{\"id\": -}", "bad number", 7);
    expect_error("{\"id\": .5}", "expected a value", 7);
    expect_error("{\"id\": 1e}", "bad number", 7);
    expect_error("{\"id\": +1}", "expected a value", 7);
    expect_error("{\"id\": 12abc}", "expected ',' or '}'", 9);
}

Test(json, reports_other_types)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(parse("{\"id\": null, \"title\": true, \"date\": [1], \"text\": {\"a\": 1}}", v,
                       &err, &copy),
                 QUIRE_OK);
    cr_expect_eq(v[0].type, JSON_NULL);
    cr_expect_eq(v[1].type, JSON_BOOL);
    cr_expect_eq(v[2].type, JSON_ARRAY);
    cr_expect_eq(v[3].type, JSON_OBJECT);
    free(copy);
}

Test(json, skips_unknown_members_of_every_type)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(parse("{\"a\": {\"b\": [1, 2.5, -3e2, \"s\\\"}\", {\"id\": \"inner\"}, [], {}]},"
                       " \"c\": false, \"d\": null, \"e\": \"\\ud83d\\ude00\", \"id\": \"outer\","
                       " \"f\": [[[[true]]]]}",
                       v, &err, &copy),
                 QUIRE_OK);
    expect_string(&v[0], "outer", 5);
    cr_expect_eq(v[3].type, JSON_ABSENT);
    free(copy);
}

/* A record whose member "x" nests `depth` - 1 arrays (the record is depth 1). */
static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 32);
    cr_assert_not_null(s);
    char *p = s + sprintf(s, "{\"x\": ");
    for (int i = 1; i < depth; i++)
        *p++ = '[';
    for (int i = 1; i < depth; i++)
        *p++ = ']';
    strcpy(p, "}");
    return s;
}

Test(json, limits_nesting_depth)
{
    json_value v[4];
    json_error err;
    char *ok = nested(JSON_MAX_DEPTH), *deep = nested(JSON_MAX_DEPTH + 1);
    cr_expect_eq(json_parse_object(v, keys, 4, ok, strlen(ok), &err), QUIRE_OK);
    cr_expect_eq(json_parse_object(v, keys, 4, deep, strlen(deep), &err), QUIRE_EINVAL);
    cr_expect_str_eq(err.what, "nesting too deep");
    cr_expect_eq(err.offset, 6 + JSON_MAX_DEPTH - 1);
    free(ok);
    free(deep);
    /* far deeper than the limit: refused without exhausting the stack */
    char *very = nested(1000000);
    cr_expect_eq(json_parse_object(v, keys, 4, very, strlen(very), &err), QUIRE_EINVAL);
    cr_expect_str_eq(err.what, "nesting too deep");
    free(very);
}

Test(json, last_duplicate_key_wins)
{
    json_value v[4];
    json_error err;
    char *copy;
    cr_assert_eq(parse("{\"id\": \"first\", \"text\": \"t\", \"id\": \"second\"}", v, &err, &copy),
                 QUIRE_OK);
    expect_string(&v[0], "second", 6);
    free(copy);
    cr_assert_eq(parse("{\"id\": \"a\", \"id\": 7}", v, &err, &copy), QUIRE_OK);
    cr_expect_eq(v[0].type, JSON_NUMBER);
    free(copy);
}

Test(json, decodes_a_very_long_string)
{
    const size_t n = 16u << 20; /* 16 MiB of text, one escape every 1000 bytes */
    char *line = malloc(n + n / 500 + 64);
    char *want = malloc(n);
    cr_assert(line && want);
    size_t len = (size_t)sprintf(line, "{\"text\": \""), w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 1000 == 999) {
            line[len++] = '\\';
            line[len++] = 'n';
            want[w++] = '\n';
        } else {
            line[len++] = (char)('a' + i % 26);
            want[w++] = (char)('a' + i % 26);
        }
    }
    len += (size_t)sprintf(line + len, "\", \"id\": \"big\"}");
    json_value v[4];
    json_error err;
    cr_assert_eq(json_parse_object(v, keys, 4, line, len, &err), QUIRE_OK);
    cr_expect_eq(v[3].len, n);
    cr_expect(v[3].len == n && memcmp(v[3].ptr, want, n) == 0);
    expect_string(&v[0], "big", 3);
    free(line);
    free(want);
}

Test(json, rejects_broken_lines)
{
    expect_error("", "not a JSON object", 0);
    expect_error("   ", "not a JSON object", 3);
    expect_error("[1, 2]", "not a JSON object", 0);
    expect_error("\"id\"", "not a JSON object", 0);
    expect_error("{\"id\": \"a1}", "unterminated string", 7);
    expect_error("{\"id\": \"a1\"", "expected ',' or '}'", 11);
    expect_error("{\"id\": \"a1\"} x", "trailing characters after the object", 13);
    expect_error("{\"id\": \"a1\"}{}", "trailing characters after the object", 12);
    expect_error("{id: 1}", "expected a string key", 1);
    expect_error("{\"id\" 1}", "expected ':'", 6);
    expect_error("{\"id\": 1,}", "expected a string key", 9);
    expect_error("{\"id\": }", "expected a value", 7);
    expect_error("{\"id\": tru}", "expected a value", 7);
    expect_error("{\"id\": nul}", "expected a value", 7);
    expect_error("{\"x\": [1 2]}", "expected ',' or ']'", 9);
    expect_error("{\"id\": \"a\\x\"}", "bad escape in string", 9);
    expect_error("{\"id\": \"\\u12G4\"}", "bad \\u escape", 8);
    expect_error("{\"id\": \"\\u12\"}", "bad \\u escape", 8);
    expect_error("{\"id\": \"a\tb\"}", "control character in string", 9);
    expect_error("{\"id\": \"a\\", "unterminated string", 7);
}

/* Strings are scanned eight bytes at a time: a quote, a backslash or a control character
 * at any offset of the window (and UTF-8 bytes beside them) is still seen. */
Test(json, sees_every_stop_byte_at_every_offset)
{
    for (size_t len = 0; len < 40; len++)
        for (size_t at = 0; at <= len; at++) {
            char text[128], want[64];
            size_t n = 0, w = 0;
            n += (size_t)snprintf(text + n, sizeof text - n, "{\"text\": \"");
            for (size_t i = 0; i < len; i++) {
                if (i == at) { /* an escape here */
                    memcpy(text + n, "\\n", 2);
                    n += 2;
                    want[w++] = '\n';
                } else {
                    char c = i % 5 == 4 ? '\xc3' : (char)('a' + i % 26);
                    text[n++] = c;
                    want[w++] = c;
                    if (c == '\xc3') {
                        text[n++] = '\xa9';
                        want[w++] = '\xa9';
                    }
                }
            }
            n += (size_t)snprintf(text + n, sizeof text - n, "\"}");
            json_value v[4];
            json_error err;
            char *copy;
            cr_assert_eq(parse(text, v, &err, &copy), QUIRE_OK, "%s", text);
            expect_string(&v[3], want, w);
            free(copy);
            /* and a raw control character there instead is refused where it stands */
            size_t off = 10;
            for (size_t i = 0; i < at; i++)
                off += i % 5 == 4 ? 2 : 1;
            char bad[128];
            memcpy(bad, text, n + 1);
            bad[off] = '\x01';
            bad[off + 1] = 'x'; /* the escape's second byte */
            expect_error(bad, "control character in string", off);
        }
}
