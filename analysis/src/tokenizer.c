/*
 * tokenizer.c - UTF-8 text -> tokens {form, stem, pos, byte_start, byte_end}, following
 * the rules of analysis/RULES.md (numbered as there). Case folding and diacritic folding
 * are done here, one code point at a time as the token is scanned, from the generated
 * fold entries; stemming goes through the analyzer's cache (stemmer.c).
 *
 * The scan never allocates. A token of ASCII letters and digits ended by a character
 * that cannot join it to more (RULES.md "The ASCII fast path") is cut by scan_ascii, a
 * table lookup a byte; any other token goes through scan_token, the general path, where
 * ASCII letters and digits take a shorter loop and everything else is decoded strictly and
 * classified by the generated tables. The fast path only decides when the general path
 * would give the same token; the differential tests in tests/analysis check it.
 */
#include "quire/analysis.h"

#include <string.h>

#include "analysis_internal.h"
#include "unicode_tables.h"

/* The two strings a token builds: prefold (case folded) and form (case folded, then
 * diacritics folded unless kept). Each is cut independently: once a piece does not fit,
 * its cap shrinks to its length so that it stays a prefix of the word. */
typedef struct term_builder {
    char *pf;
    size_t pf_len; /* bytes */
    size_t pf_cap; /* bytes; QUIRE_MAX_TERM_BYTES until cut */
    char *fm;
    size_t fm_len; /* bytes */
    size_t fm_cap; /* bytes; QUIRE_MAX_TERM_BYTES until cut */
    bool keep_diacritics;
    bool cut; /* something did not fit in prefold or form */
} term_builder;

static inline void put_byte(term_builder *tb, char c)
{
    if (tb->pf_len < tb->pf_cap)
        tb->pf[tb->pf_len++] = c;
    else
        tb->cut = true;
    if (tb->fm_len < tb->fm_cap)
        tb->fm[tb->fm_len++] = c;
    else
        tb->cut = true;
}

static void put_piece(term_builder *tb, const char *pf, size_t pf_len, const char *fm,
                      size_t fm_len)
{
    if (tb->pf_len + pf_len <= tb->pf_cap) {
        memcpy(tb->pf + tb->pf_len, pf, pf_len);
        tb->pf_len += pf_len;
    } else {
        tb->pf_cap = tb->pf_len;
        tb->cut = true;
    }
    if (tb->fm_len + fm_len <= tb->fm_cap) {
        memcpy(tb->fm + tb->fm_len, fm, fm_len);
        tb->fm_len += fm_len;
    } else {
        tb->fm_cap = tb->fm_len;
        tb->cut = true;
    }
}

/* Append the non-ASCII word character `cp`, written as src[0..n) in the text. */
static void put_char(term_builder *tb, uint32_t cp, const uint8_t *src, size_t n)
{
    const quire_uc_fold *f = quire_uc_fold_of(cp);
    if (!f) {
        put_piece(tb, (const char *)src, n, (const char *)src, n);
        return;
    }
    const char *c = (const char *)quire_uc_fold_pool + f->case_off;
    if (tb->keep_diacritics)
        put_piece(tb, c, f->case_len, c, f->case_len);
    else
        put_piece(tb, c, f->case_len, (const char *)quire_uc_fold_pool + f->full_off, f->full_len);
}

/* Class of the character at t[at], or QUIRE_CL_OTHER at the end or on invalid UTF-8. */
static int class_at(const uint8_t *t, size_t len, size_t at)
{
    if (at >= len)
        return QUIRE_CL_OTHER;
    if (t[at] < 0x80)
        return quire_uc_class_low[t[at]];
    uint32_t cp;
    if (quire_utf8_decode(t, len, at, &cp) == 0)
        return QUIRE_CL_OTHER;
    return quire_uc_class(cp);
}

static bool is_letter_class(int cls)
{
    return cls == QUIRE_CL_LETTER || cls == QUIRE_CL_LOWER;
}

/* Rule 3: an apostrophe joins when it stands between two letters or a letter and a
 * digit. `last` is the class of the base character before it, `next` the offset after. */
static bool apostrophe_joins(const uint8_t *t, size_t len, size_t next, int last)
{
    if (last != QUIRE_CL_LETTER && last != QUIRE_CL_DIGIT)
        return false;
    const int cls = class_at(t, len, next);
    return is_letter_class(cls) || (cls == QUIRE_CL_DIGIT && last == QUIRE_CL_LETTER);
}

static size_t skip_blanks(const uint8_t *t, size_t len, size_t at)
{
    while (at < len && (t[at] == ' ' || t[at] == '\t'))
        at++;
    return at;
}

/* Rule 4's exception: after a letter and a hyphen ending at `at`, spaces or tabs, a line
 * break (\n or \r\n), spaces or tabs and a lowercase letter join the halves. Returns the
 * offset of that letter, or 0 if the hyphen is not a line-break hyphenation. */
static size_t dehyphenate(const uint8_t *t, size_t len, size_t at)
{
    at = skip_blanks(t, len, at);
    if (at + 1 < len && t[at] == '\r' && t[at + 1] == '\n')
        at += 2;
    else if (at < len && t[at] == '\n')
        at++;
    else
        return 0;
    at = skip_blanks(t, len, at);
    return class_at(t, len, at) == QUIRE_CL_LOWER ? at : 0;
}

/* Scan one token starting at the word character t[start]; return its byte_end. */
static size_t scan_token(const uint8_t *t, size_t len, size_t start, term_builder *tb)
{
    size_t p = start;
    size_t end = start;
    int last = QUIRE_CL_OTHER; /* class of the last base character: LETTER, DIGIT, IDEO */
    while (p < len) {
        uint8_t b = t[p];
        if (b < 0x80) {
            int cls = quire_uc_class_low[b];
            if (cls == QUIRE_CL_LETTER || cls == QUIRE_CL_LOWER || cls == QUIRE_CL_DIGIT) {
                if (last == QUIRE_CL_IDEO)
                    break;
                /* Fast path: a run of ASCII letters and digits. */
                for (;;) {
                    put_byte(tb, (char)(cls == QUIRE_CL_LETTER ? (b | 0x20) : b));
                    last = cls == QUIRE_CL_DIGIT ? QUIRE_CL_DIGIT : QUIRE_CL_LETTER;
                    if (++p >= len || (b = t[p]) >= 0x80)
                        break;
                    cls = quire_uc_class_low[b];
                    if (cls != QUIRE_CL_LETTER && cls != QUIRE_CL_LOWER && cls != QUIRE_CL_DIGIT)
                        break;
                }
                end = p;
                continue;
            }
            if (cls == QUIRE_CL_APOS) {
                if (!apostrophe_joins(t, len, p + 1, last))
                    break;
                put_byte(tb, '\'');
                p++;
                continue;
            }
            if ((b == '.' || b == ',') && last == QUIRE_CL_DIGIT &&
                class_at(t, len, p + 1) == QUIRE_CL_DIGIT) { /* rule 5 */
                put_byte(tb, (char)b);
                p++;
                continue;
            }
            if (b == '-' && last == QUIRE_CL_LETTER) {
                const size_t q = dehyphenate(t, len, p + 1);
                if (q) {
                    p = q;
                    continue;
                }
            }
            break;
        }
        uint32_t cp;
        const size_t n = quire_utf8_decode(t, len, p, &cp);
        if (n == 0)
            break;
        const int cls = quire_uc_class(cp);
        if (cls == QUIRE_CL_LETTER || cls == QUIRE_CL_LOWER || cls == QUIRE_CL_DIGIT) {
            if (last == QUIRE_CL_IDEO)
                break;
            put_char(tb, cp, t + p, n);
            last = cls == QUIRE_CL_DIGIT ? QUIRE_CL_DIGIT : QUIRE_CL_LETTER;
            p += n;
            end = p;
        } else if (cls == QUIRE_CL_IDEO) { /* rule 6: one token each, with its marks */
            if (end != start)
                break;
            put_char(tb, cp, t + p, n);
            last = QUIRE_CL_IDEO;
            p += n;
            end = p;
        } else if (cls == QUIRE_CL_MARK) {
            put_char(tb, cp, t + p, n);
            p += n;
            end = p;
        } else if (cls == QUIRE_CL_IGNORABLE) { /* rule 2: removed, does not split */
            if (cp == 0x00AD && last == QUIRE_CL_LETTER) {
                const size_t q = dehyphenate(t, len, p + n);
                if (q) {
                    p = q;
                    continue;
                }
            }
            p += n;
        } else if (cls == QUIRE_CL_APOS) {
            if (!apostrophe_joins(t, len, p + n, last))
                break;
            put_byte(tb, '\'');
            p += n;
        } else if (cls == QUIRE_CL_DASH && cp == 0x2010 && last == QUIRE_CL_LETTER) {
            const size_t q = dehyphenate(t, len, p + n);
            if (!q)
                break;
            p = q;
        } else {
            break;
        }
    }
    return end;
}

void analysis_ascii_table(uint8_t table[256])
{
    memset(table, 0, 256);
    for (unsigned b = 0; b < 128; b++) {
        const int cls = quire_uc_class_low[b];
        /* as scan_token's ASCII loop folds them */
        if (cls == QUIRE_CL_LETTER)
            table[b] = (uint8_t)(b | 0x20);
        else if (cls == QUIRE_CL_LOWER || cls == QUIRE_CL_DIGIT)
            table[b] = (uint8_t)b;
        else
            table[b] = 0;
    }
}

/* The ASCII fast path: from the word character t[start], a run of ASCII letters and digits
 * folded into form[]. Returns the token's byte_end, or 0 when the general path must cut the
 * token: the run's first byte is not ASCII, the run is longer than QUIRE_MAX_TERM_BYTES (it
 * would be cut), or the byte after it could make the token go on (rules 2-5: a byte of a
 * non-ASCII character, an apostrophe, a mark or ignorable, `.` or `,` between a digit and
 * what may be a digit, a hyphen after a letter before a blank or a line break). */
static size_t scan_ascii(const uint8_t *ascii_form, const uint8_t *t, size_t len, size_t start,
                         char *form, size_t *form_len)
{
    const size_t lim = len - start > QUIRE_MAX_TERM_BYTES ? start + QUIRE_MAX_TERM_BYTES : len;
    size_t p = start;
    uint8_t c;
    while (p < lim && (c = ascii_form[t[p]]) != 0)
        form[p++ - start] = (char)c;
    const size_t n = p - start;
    if (n == 0)
        return 0;
    if (p < len) {
        const uint8_t b = t[p];
        if (b >= 0x80 || ascii_form[b] != 0) /* non-ASCII, or a run too long to keep */
            return 0;
        const int cls = quire_uc_class_low[b];
        if (cls == QUIRE_CL_APOS || cls == QUIRE_CL_MARK || cls == QUIRE_CL_IGNORABLE)
            return 0;
        const bool digit = quire_uc_class_low[t[p - 1]] == QUIRE_CL_DIGIT;
        if ((b == '.' || b == ',') && digit && p + 1 < len &&
            (t[p + 1] >= 0x80 || quire_uc_class_low[t[p + 1]] == QUIRE_CL_DIGIT))
            return 0;
        if (b == '-' && !digit && p + 1 < len &&
            (t[p + 1] == ' ' || t[p + 1] == '\t' || t[p + 1] == '\r' || t[p + 1] == '\n'))
            return 0;
    }
    *form_len = n;
    return p;
}

void quire_tokens_begin(quire_token_iter *it, quire_analyzer *an, const char *text, size_t len,
                        uint32_t first_pos, bool want_stem)
{
    it->an = an;
    it->text = (const uint8_t *)text;
    it->len = text ? len : 0;
    it->at = 0;
    it->next_pos = first_pos;
    it->want_stem = want_stem;
    it->invalid_count = 0;
    it->truncated_count = 0;
    it->general_only = false;
    it->fast_count = 0;
    it->form[0] = '\0';
    it->prefold[0] = '\0';
}

/* Skip separators from `at`: return the offset of the next word character, or len.
 * Invalid sequences are counted here, and only here, so each is counted once. */
static size_t skip_separators(quire_token_iter *it, size_t at)
{
    const uint8_t *t = it->text;
    const size_t len = it->len;
    while (at < len) {
        const uint8_t b = t[at];
        if (b < 0x80) {
            if (quire_uc_is_word_class(quire_uc_class_low[b]))
                return at;
            at++;
            continue;
        }
        uint32_t cp;
        const size_t n = quire_utf8_decode(t, len, at, &cp);
        if (n == 0) {
            it->invalid_count++;
            at = quire_utf8_skip_invalid(t, len, at);
            continue;
        }
        if (quire_uc_is_word_class(quire_uc_class(cp)))
            return at;
        at += n;
    }
    return len;
}

bool quire_tokens_next(quire_token_iter *it, quire_token *tok)
{
    for (;;) {
        const size_t start = skip_separators(it, it->at);
        if (start >= it->len) {
            it->at = it->len;
            return false;
        }
        size_t end = 0, fm_len = 0;
        bool truncated = false;
        if (!it->general_only)
            end = scan_ascii(it->an->ascii_form, it->text, it->len, start, it->form, &fm_len);
        if (end != 0) {
            it->fast_count++;
        } else {
            term_builder tb = {it->prefold,
                               0,
                               QUIRE_MAX_TERM_BYTES,
                               it->form,
                               0,
                               QUIRE_MAX_TERM_BYTES,
                               it->an->keep_diacritics,
                               false};
            end = scan_token(it->text, it->len, start, &tb);
            fm_len = tb.fm_len;
            truncated = tb.cut;
        }
        it->at = end;
        if (fm_len == 0) /* rule 1: e.g. a lone combining mark, folded away */
            continue;
        it->form[fm_len] = '\0';
        tok->form = it->form;
        tok->form_len = fm_len;
        tok->stem = NULL;
        tok->stem_len = 0;
        if (it->want_stem) {
            const char *stem;
            size_t stem_len;
            bool stem_cut;
            /* The stem is a function of the form (RULES.md rule 7), so that a form always
             * belongs to one stem: "abbé" and "abbe" share the form "abbe", and so must
             * share its stem. The prefold buffer is free now: it holds the stem, which so
             * lives as long as the form (until the next call on this iterator). */
            analysis_stem(it->an, it->form, fm_len, &stem, &stem_len, &stem_cut);
            memcpy(it->prefold, stem, stem_len);
            it->prefold[stem_len] = '\0';
            tok->stem = it->prefold;
            tok->stem_len = stem_len;
            truncated = truncated || stem_cut;
        }
        if (truncated)
            it->truncated_count++;
        tok->pos = it->next_pos++;
        tok->byte_start = start;
        tok->byte_end = end;
        return true;
    }
}
