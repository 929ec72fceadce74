/*
 * prose.c - does a query read like a natural-language topic? (see prose.h)
 */
#include "prose.h"

#include <stdint.h>
#include <string.h>

#include "quire/analysis.h"

static bool is_space_cp(uint32_t cp)
{
    return cp <= 0x20 || cp == 0x7F || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

static bool is_operator(const char *w, size_t n)
{
    if ((n == 3 && (memcmp(w, "AND", 3) == 0 || memcmp(w, "NOT", 3) == 0)) ||
        (n == 2 && memcmp(w, "OR", 2) == 0))
        return true;
    size_t i = 0;
    if (n > 0 && w[0] == 'O')
        i = 1;
    if (n - i < 4 || memcmp(w + i, "NEAR", 4) != 0)
        return false;
    i += 4;
    if (i == n)
        return true;
    if (w[i] != '/' || i + 1 == n)
        return false;
    for (i++; i < n; i++)
        if (w[i] < '0' || w[i] > '9')
            return false;
    return true;
}

static bool is_sentence_mark(char c)
{
    return c == '.' || c == ',' || c == ';' || c == ':' || c == '?' || c == '!';
}

bool query_looks_like_prose(const char *text, size_t len, size_t *op_offset)
{
    const uint8_t *t = (const uint8_t *)text;
    size_t at = 0, first_op = SIZE_MAX;
    uint32_t words = 0, capitals = 0;
    bool in_quote = false, punctuated = false;
    while (at < len) {
        size_t next = at;
        uint32_t cp = quire_utf8_next(t, len, &next);
        if (quire_is_quote_char(cp)) {
            in_quote = !in_quote;
            at = next;
            continue;
        }
        if (is_space_cp(cp) || cp == '(' || cp == ')') {
            at = next;
            continue;
        }
        /* a word: up to white space, a quote or a parenthesis */
        const size_t start = at;
        bool has_char = false, has_upper = false, has_lower = false;
        size_t end = at;
        while (end < len) {
            size_t after = end;
            cp = quire_utf8_next(t, len, &after);
            if (is_space_cp(cp) || quire_is_quote_char(cp) || cp == '(' || cp == ')')
                break;
            has_char |= quire_is_word_char(cp);
            has_upper |= cp >= 'A' && cp <= 'Z';
            has_lower |= cp >= 'a' && cp <= 'z';
            end = after;
        }
        at = end;
        if (in_quote)
            continue;
        size_t after_word = end;
        const bool ends_clause = is_sentence_mark(text[end - 1]) &&
                                 (end == len || is_space_cp(quire_utf8_next(t, len, &after_word)));
        if (is_operator(text + start, end - start)) {
            if (first_op == SIZE_MAX)
                first_op = start;
            continue;
        }
        if (!has_char)
            continue;
        words++;
        capitals += has_upper && !has_lower;
        punctuated |= ends_clause;
    }
    const bool prose = first_op != SIZE_MAX && words >= PROSE_MIN_WORDS &&
                       (punctuated || 3 * capitals >= 2 * words);
    if (prose && op_offset != NULL)
        *op_offset = first_op;
    return prose;
}
