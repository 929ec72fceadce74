/*
 * json.c - strict JSON object parsing for JSON Lines records (see json.h). Grammar as in
 * RFC 8259: no comments, no trailing commas, no raw control characters in strings, numbers
 * without leading zeros. Decoding is in place: every escape is at least as long as what it
 * decodes to (\n 2 -> 1, \uXXXX 6 -> at most 3, a surrogate pair 12 -> 4), so the write
 * position never passes the read position.
 */
#include "json.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Bytes that end a run of plain string content: the control characters JSON forbids
 * unescaped, '"' and '\\'. A table keeps the hot loop to one load and one test per byte. */
// clang-format off
static const uint8_t string_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 - 0x0f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 - 0x1f */
    [0x22] = 1,                                     /* '"' */
    [0x5c] = 1,                                     /* '\\' */
};
// clang-format on

typedef struct parser {
    unsigned char *p;     /* next byte to read */
    unsigned char *end;   /* end of the line */
    unsigned char *start; /* start of the line, for offsets */
    json_error *err;
} parser;

static int fail(parser *ps, const unsigned char *at, const char *what)
{
    ps->err->what = what;
    ps->err->offset = (size_t)(at - ps->start);
    return QUIRE_EINVAL;
}

static void skip_blanks(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n'))
        ps->p++;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Read the 4 hex digits of a \u escape at p; -1 if they are not there. */
static long read_hex4(const unsigned char *p, const unsigned char *end)
{
    if (end - p < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static unsigned char *put_utf8(unsigned char *w, uint32_t cp)
{
    if (cp < 0x80) {
        *w++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *w++ = (unsigned char)(0xc0 | (cp >> 6));
        *w++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *w++ = (unsigned char)(0xe0 | (cp >> 12));
        *w++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        *w++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else {
        *w++ = (unsigned char)(0xf0 | (cp >> 18));
        *w++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        *w++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        *w++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
    return w;
}

#define REPLACEMENT_CHAR 0xfffd

/* Decode the string whose opening quote is at ps->p, in place. */
static int parse_string(parser *ps, const char **out, size_t *out_len)
{
    unsigned char *const first = ps->p + 1;
    unsigned char *p = first;
    unsigned char *w = NULL; /* write position once an escape was seen */
    for (;;) {
        unsigned char *run = p;
        /* eight bytes at a time while none of them is a control character, '"' or '\\'
         * (the zero-byte test of each against 0x22 and 0x5c, and a less-than-0x20 test),
         * then the table for the byte that stops the run */
        while (ps->end - p >= 8) {
            uint64_t v, q, b;
            memcpy(&v, p, 8);
            q = v ^ UINT64_C(0x2222222222222222);
            b = v ^ UINT64_C(0x5c5c5c5c5c5c5c5c);
            const uint64_t ones = UINT64_C(0x0101010101010101),
                           highs = UINT64_C(0x8080808080808080);
            if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((v - 0x20 * ones) & ~v)) & highs)
                break;
            p += 8;
        }
        while (p < ps->end && !string_stop[*p])
            p++;
        if (w) {
            memmove(w, run, (size_t)(p - run));
            w += p - run;
        }
        if (p == ps->end)
            return fail(ps, ps->p, "unterminated string");
        if (*p == '"') {
            *out = (const char *)first;
            *out_len = (size_t)((w ? w : p) - first);
            ps->p = p + 1;
            return QUIRE_OK;
        }
        if (*p != '\\')
            return fail(ps, p, "control character in string");
        if (!w)
            w = p;
        const unsigned char *esc = p++;
        if (p == ps->end)
            return fail(ps, ps->p, "unterminated string");
        switch (*p++) {
        case '"':
            *w++ = '"';
            break;
        case '\\':
            *w++ = '\\';
            break;
        case '/':
            *w++ = '/';
            break;
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'u': {
            long cp = read_hex4(p, ps->end);
            if (cp < 0)
                return fail(ps, esc, "bad \\u escape");
            p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                /* A high surrogate pairs only with a \u low surrogate right after it;
                 * otherwise it is replaced and what follows is decoded on its own. */
                long lo = -1;
                if (ps->end - p >= 6 && p[0] == '\\' && p[1] == 'u')
                    lo = read_hex4(p + 2, ps->end);
                if (lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                } else {
                    cp = REPLACEMENT_CHAR;
                }
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                cp = REPLACEMENT_CHAR;
            }
            w = put_utf8(w, (uint32_t)cp);
            break;
        }
        default:
            return fail(ps, esc, "bad escape in string");
        }
    }
}

static bool is_digit(const parser *ps, const unsigned char *p)
{
    return p < ps->end && *p >= '0' && *p <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(parser *ps)
{
    unsigned char *p = ps->p;
    if (p < ps->end && *p == '-')
        p++;
    if (p < ps->end && *p == '0') {
        p++;
    } else if (is_digit(ps, p)) {
        while (is_digit(ps, p))
            p++;
    } else {
        return fail(ps, ps->p, "bad number");
    }
    if (p < ps->end && *p == '.') {
        p++;
        if (!is_digit(ps, p))
            return fail(ps, ps->p, "bad number");
        while (is_digit(ps, p))
            p++;
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < ps->end && (*p == '+' || *p == '-'))
            p++;
        if (!is_digit(ps, p))
            return fail(ps, ps->p, "bad number");
        while (is_digit(ps, p))
            p++;
    }
    if (is_digit(ps, p)) /* "01": a leading zero followed by more digits */
        return fail(ps, ps->p, "bad number");
    ps->p = p;
    return QUIRE_OK;
}

static bool take_word(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static int parse_value(parser *ps, json_value *v, int depth);

/* An object or array; ps->p is at its opening bracket, `depth` counts it. Members of an
 * object whose key is one of `keys` land in `values` (the record's top level only). */
static int parse_container(parser *ps, int depth, const char *const *keys, json_value *values,
                           size_t key_count)
{
    if (depth > JSON_MAX_DEPTH)
        return fail(ps, ps->p, "nesting too deep");
    const bool is_object = *ps->p == '{';
    const unsigned char close = is_object ? '}' : ']';
    ps->p++;
    skip_blanks(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return QUIRE_OK;
    }
    for (;;) {
        json_value scratch, *v = &scratch;
        int rc;
        if (is_object) {
            if (ps->p == ps->end || *ps->p != '"')
                return fail(ps, ps->p, "expected a string key");
            const char *key;
            size_t key_len;
            rc = parse_string(ps, &key, &key_len);
            if (rc != QUIRE_OK)
                return rc;
            skip_blanks(ps);
            if (ps->p == ps->end || *ps->p != ':')
                return fail(ps, ps->p, "expected ':'");
            ps->p++;
            skip_blanks(ps);
            for (size_t i = 0; i < key_count; i++)
                if (strlen(keys[i]) == key_len && memcmp(keys[i], key, key_len) == 0)
                    v = &values[i];
        }
        rc = parse_value(ps, v, depth);
        if (rc != QUIRE_OK)
            return rc;
        skip_blanks(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_blanks(ps);
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return QUIRE_OK;
        }
        return fail(ps, ps->p, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

/* One value at ps->p, inside a container at `depth`. */
static int parse_value(parser *ps, json_value *v, int depth)
{
    v->ptr = NULL;
    v->len = 0;
    if (ps->p == ps->end)
        return fail(ps, ps->p, "expected a value");
    unsigned char *const at = ps->p;
    int rc;
    switch (*at) {
    case '"':
        v->type = JSON_STRING;
        return parse_string(ps, &v->ptr, &v->len);
    case '{':
    case '[':
        v->type = *at == '{' ? JSON_OBJECT : JSON_ARRAY;
        return parse_container(ps, depth + 1, NULL, NULL, 0);
    case 't':
    case 'f':
        v->type = JSON_BOOL;
        if (take_word(ps, "true") || take_word(ps, "false"))
            return QUIRE_OK;
        return fail(ps, at, "expected a value");
    case 'n':
        v->type = JSON_NULL;
        if (take_word(ps, "null"))
            return QUIRE_OK;
        return fail(ps, at, "expected a value");
    default:
        if (*at != '-' && (*at < '0' || *at > '9'))
            return fail(ps, at, "expected a value");
        rc = parse_number(ps);
        if (rc != QUIRE_OK)
            return rc;
        v->type = JSON_NUMBER;
        v->ptr = (const char *)at;
        v->len = (size_t)(ps->p - at);
        return QUIRE_OK;
    }
}

int json_parse_object(json_value *values, const char *const *keys, size_t key_count, char *line,
                      size_t len, json_error *err)
{
    parser ps = {(unsigned char *)line, (unsigned char *)line + len, (unsigned char *)line, err};
    for (size_t i = 0; i < key_count; i++)
        values[i] = (json_value){JSON_ABSENT, NULL, 0};
    skip_blanks(&ps);
    if (ps.p == ps.end || *ps.p != '{')
        return fail(&ps, ps.p, "not a JSON object");
    int rc = parse_container(&ps, 1, keys, values, key_count);
    if (rc != QUIRE_OK)
        return rc;
    skip_blanks(&ps);
    if (ps.p != ps.end)
        return fail(&ps, ps.p, "trailing characters after the object");
    return QUIRE_OK;
}
