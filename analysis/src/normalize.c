/*
 * normalize.c - character classes and diacritic folding over the generated tables
 * (unicode_tables.c). Case folding happens in the tokenizer, one code point at a time,
 * from the same fold entries; this file owns the public class predicates and the
 * diacritic fold that stems go through.
 */
#include "quire/analysis.h"

#include <string.h>

#include "analysis_internal.h"
#include "unicode_tables.h"

bool quire_is_word_char(uint32_t cp)
{
    return quire_uc_is_word_class(quire_uc_class(cp));
}

bool quire_is_quote_char(uint32_t cp)
{
    return quire_uc_class(cp) == QUIRE_CL_QUOTE;
}

bool quire_is_sentence_end(uint32_t cp)
{
    return quire_uc_class(cp) == QUIRE_CL_SENT_END;
}

bool analysis_fold_diacritics(char *out, size_t *out_len, size_t cap, const char *src,
                              size_t src_len)
{
    const uint8_t *s = (const uint8_t *)src;
    size_t n = *out_len;
    size_t at = 0;
    while (at < src_len) {
        if (s[at] < 0x80) {
            if (n >= cap)
                goto full;
            out[n++] = (char)s[at++];
            continue;
        }
        uint32_t cp;
        size_t clen = quire_utf8_decode(s, src_len, at, &cp);
        if (clen == 0) /* not reached for valid input; keep the byte rather than loop */
            clen = 1;
        const char *piece = src + at;
        size_t piece_len = clen;
        const quire_uc_fold *f = quire_uc_fold_of(cp);
        if (f) {
            piece = (const char *)quire_uc_fold_pool + f->full_off;
            piece_len = f->full_len;
        }
        if (n + piece_len > cap)
            goto full;
        memcpy(out + n, piece, piece_len);
        n += piece_len;
        at += clen;
    }
    *out_len = n;
    return true;
full:
    *out_len = n;
    return false;
}
