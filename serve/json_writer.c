/*
 * json_writer.c - json_writer.h.
 */
#include "json_writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_free(json_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

static bool reserve(json_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (d == NULL) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void json_raw(json_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void json_lit(json_buf *b, const char *s)
{
    json_raw(b, s, strlen(s));
}

void json_printf(json_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        json_raw(b, small, (size_t)n);
        return;
    }
    if (!reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    (void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void json_string(json_buf *b, const char *s, size_t n)
{
    /* Worst case 6 bytes out per byte in (\u00XX); reserve for runs, not per byte. */
    if (!reserve(b, n * 6 + 2))
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        const size_t at = i;
        const uint32_t cp = backend_utf8_next(s, n, &i);
        if (cp == '"' || cp == '\\') {
            *o++ = '\\';
            *o++ = (char)cp;
        } else if (cp < 0x20 || cp == 0x7F || cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 ||
                   cp == 0x2029) {
            o += sprintf(o, "\\u%04x", (unsigned)cp);
        } else if (cp == 0xFFFD && !(i - at == 3 && memcmp(s + at, "\xEF\xBF\xBD", 3) == 0)) {
            memcpy(o, "\xEF\xBF\xBD", 3); /* an invalid byte sequence */
            o += 3;
        } else {
            memcpy(o, s + at, i - at); /* valid UTF-8: as it is */
            o += i - at;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

void json_spans(json_buf *b, const backend_span *h, uint32_t n)
{
    json_raw(b, "[", 1);
    for (uint32_t i = 0; i < n; i++)
        json_printf(b, "%s[%zu,%zu]", i ? "," : "", h[i].start, h[i].end);
    json_raw(b, "]", 1);
}

void json_date(json_buf *b, int32_t date)
{
    if (date == BACKEND_NO_DATE) {
        json_lit(b, "null");
        return;
    }
    char day[11];
    backend_format_date(date, day);
    json_printf(b, "\"%s\"", day);
}

char *json_take(json_buf *b, size_t *len)
{
    if (b->failed) {
        json_free(b);
        return NULL;
    }
    if (b->data == NULL)
        json_raw(b, "", 0);
    char *d = b->data;
    *len = b->len;
    memset(b, 0, sizeof *b);
    return d;
}
