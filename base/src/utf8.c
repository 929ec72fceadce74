/*
 * utf8.c - quire/utf8.h: strict UTF-8 decoding. An invalid
 * sequence is a maximal run of bytes none of which starts a valid character; it reads as
 * one U+FFFD everywhere (tokenizer, sanitizer, quire_utf8_next), so counts agree.
 */
#include "quire/utf8.h"

#include <string.h>

size_t quire_utf8_decode(const uint8_t *text, size_t len, size_t at, uint32_t *cp)
{
    const uint8_t b0 = text[at];
    const size_t left = len - at;
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 < 0xC2) /* continuation byte, or an overlong 2-byte lead */
        return 0;
    if (b0 < 0xE0) {
        if (left < 2 || (text[at + 1] & 0xC0) != 0x80)
            return 0;
        *cp = ((uint32_t)(b0 & 0x1F) << 6) | (text[at + 1] & 0x3F);
        return 2;
    }
    if (b0 < 0xF0) {
        if (left < 3 || (text[at + 1] & 0xC0) != 0x80 || (text[at + 2] & 0xC0) != 0x80)
            return 0;
        const uint32_t c = ((uint32_t)(b0 & 0x0F) << 12) | ((uint32_t)(text[at + 1] & 0x3F) << 6) |
                           (text[at + 2] & 0x3F);
        if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        *cp = c;
        return 3;
    }
    if (b0 < 0xF5) {
        if (left < 4 || (text[at + 1] & 0xC0) != 0x80 || (text[at + 2] & 0xC0) != 0x80 ||
            (text[at + 3] & 0xC0) != 0x80)
            return 0;
        const uint32_t c = ((uint32_t)(b0 & 0x07) << 18) | ((uint32_t)(text[at + 1] & 0x3F) << 12) |
                           ((uint32_t)(text[at + 2] & 0x3F) << 6) | (text[at + 3] & 0x3F);
        if (c < 0x10000 || c > 0x10FFFF)
            return 0;
        *cp = c;
        return 4;
    }
    return 0;
}

size_t quire_utf8_skip_invalid(const uint8_t *text, size_t len, size_t at)
{
    uint32_t cp;
    at++;
    while (at < len && quire_utf8_decode(text, len, at, &cp) == 0)
        at++;
    return at;
}

uint32_t quire_utf8_next(const uint8_t *text, size_t len, size_t *at)
{
    uint32_t cp;
    if (*at >= len) {
        *at = len;
        return 0xFFFD;
    }
    const size_t n = quire_utf8_decode(text, len, *at, &cp);
    if (n == 0) {
        *at = quire_utf8_skip_invalid(text, len, *at);
        return 0xFFFD;
    }
    *at += n;
    return cp;
}

/* Offset of the first byte that does not start a valid character, or len. ASCII is
 * checked 8 bytes at a time. */
static size_t find_invalid(const uint8_t *text, size_t len, size_t at)
{
    while (at < len) {
        if (len - at >= 8) {
            uint64_t w;
            memcpy(&w, text + at, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                at += 8;
                continue;
            }
        }
        uint32_t cp;
        const size_t n = quire_utf8_decode(text, len, at, &cp);
        if (n == 0)
            return at;
        at += n;
    }
    return len;
}

size_t quire_utf8_sanitize(quire_buf *out, const char *text, size_t len)
{
    static const uint8_t replacement[3] = {0xEF, 0xBF, 0xBD};
    const uint8_t *t = (const uint8_t *)text;
    size_t bad = find_invalid(t, len, 0);
    if (bad == len)
        return 0;
    size_t count = 0;
    size_t at = 0;
    out->len = 0;
    if (!quire_buf_reserve(out, len + len / 2 + 3))
        return 0;
    while (bad < len) {
        quire_buf_put(out, t + at, bad - at);
        quire_buf_put(out, replacement, sizeof replacement);
        count++;
        at = quire_utf8_skip_invalid(t, len, bad);
        bad = find_invalid(t, len, at);
    }
    quire_buf_put(out, t + at, len - at);
    return count;
}
