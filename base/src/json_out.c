/*
 * json_out.c - quire/json_out.h.
 */
#include "quire/json_out.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quire/utf8.h"

void quire_json_free(quire_json *j)
{
    quire_buf_free(&j->buf);
}

void quire_json_raw(quire_json *j, const char *s, size_t n)
{
    quire_buf_put(&j->buf, s, n);
}

void quire_json_lit(quire_json *j, const char *s)
{
    quire_buf_put(&j->buf, s, strlen(s));
}

void quire_json_printf(quire_json *j, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        j->buf.err = QUIRE_ENOMEM; /* only an encoding error; treated as a failed write */
        return;
    }
    if ((size_t)n < sizeof small) {
        quire_buf_put(&j->buf, small, (size_t)n);
        return;
    }
    if (!quire_buf_reserve(&j->buf, (size_t)n + 1))
        return;
    va_start(ap, fmt);
    (void)vsnprintf((char *)j->buf.data + j->buf.len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    j->buf.len += (size_t)n;
}

static bool escaped(uint32_t cp, unsigned flags)
{
    if (cp < 0x20 || cp == 0x7F)
        return true;
    return (flags & QUIRE_JSON_ESCAPE_MARKUP) &&
           (cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 || cp == 0x2029);
}

void quire_json_string(quire_json *j, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *t = (const uint8_t *)s;
    /* Worst case 6 bytes out per byte in (\u00XX): reserve once, not per byte. */
    if (n > (SIZE_MAX - 2) / 6 || !quire_buf_reserve(&j->buf, n * 6 + 2)) {
        j->buf.err = QUIRE_ENOMEM;
        return;
    }
    uint8_t *o = j->buf.data + j->buf.len;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        if (t[i] >= 0x20 && t[i] < 0x7F && t[i] != '"' && t[i] != '\\' &&
            !((j->flags & QUIRE_JSON_ESCAPE_MARKUP) &&
              (t[i] == '<' || t[i] == '>' || t[i] == '&'))) {
            *o++ = t[i++]; /* the common case: printable ASCII */
            continue;
        }
        const size_t at = i;
        uint32_t cp;
        const size_t len = t[i] < 0x80 ? (cp = t[i], 1) : quire_utf8_decode(t, n, i, &cp);
        if (len == 0) {
            i = quire_utf8_skip_invalid(t, n, i);
            memcpy(o, "\xEF\xBF\xBD", 3); /* an invalid sequence: one U+FFFD */
            o += 3;
            continue;
        }
        i += len;
        if (cp == '"' || cp == '\\') {
            *o++ = '\\';
            *o++ = (uint8_t)cp;
        } else if (escaped(cp, j->flags)) {
            *o++ = '\\';
            *o++ = 'u';
            *o++ = (uint8_t)hex[(cp >> 12) & 15];
            *o++ = (uint8_t)hex[(cp >> 8) & 15];
            *o++ = (uint8_t)hex[(cp >> 4) & 15];
            *o++ = (uint8_t)hex[cp & 15];
        } else {
            memcpy(o, t + at, len); /* valid UTF-8: as it is */
            o += len;
        }
    }
    *o++ = '"';
    j->buf.len = (size_t)(o - j->buf.data);
}

int quire_json_flush(quire_json *j, FILE *f)
{
    int rc = j->buf.err;
    if (rc == QUIRE_OK && j->buf.len && fwrite(j->buf.data, 1, j->buf.len, f) != j->buf.len)
        rc = QUIRE_EIO;
    j->buf.len = 0;
    j->buf.err = QUIRE_OK;
    return rc;
}

char *quire_json_take(quire_json *j, size_t *len)
{
    *len = 0;
    if (j->buf.err == QUIRE_OK)
        quire_buf_put_byte(&j->buf, 0);
    if (j->buf.err != QUIRE_OK) {
        quire_buf_free(&j->buf);
        return NULL;
    }
    char *d = (char *)j->buf.data;
    *len = j->buf.len - 1;
    memset(&j->buf, 0, sizeof j->buf);
    return d;
}
