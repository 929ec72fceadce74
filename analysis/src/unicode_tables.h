/*
 * unicode_tables.h - the generated Unicode tables of the analyzer (unicode_tables.c, made
 * by tools/gen_unicode.py from Python's unicodedata) and the inline lookups over them.
 * Private to analysis/.
 */
#ifndef QUIRE_UNICODE_TABLES_H
#define QUIRE_UNICODE_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* Character classes; tools/gen_unicode.py uses the same numbers. The first five are word
 * characters (rule 1 of analysis/RULES.md); the rest separate words, except IGNORABLE. */
enum {
    QUIRE_CL_OTHER = 0,     /* punctuation, symbols, emoji, controls, unassigned */
    QUIRE_CL_LETTER = 1,    /* L* other than Ll, and not ideographs */
    QUIRE_CL_LOWER = 2,     /* Ll: lowercase letters (dehyphenation needs them) */
    QUIRE_CL_DIGIT = 3,     /* N* */
    QUIRE_CL_MARK = 4,      /* M*: attach to the word they follow */
    QUIRE_CL_IDEO = 5,      /* Han ideographs, Hiragana, Katakana: one token each */
    QUIRE_CL_SPACE = 6,     /* White_Space, plus U+200B */
    QUIRE_CL_IGNORABLE = 7, /* U+00AD, U+200C, U+200D, U+2060, U+FEFF: removed */
    QUIRE_CL_APOS = 8,      /* ' ` ‘ ’ ʼ ′ ＇ */
    QUIRE_CL_DASH = 9,      /* - ‐ ‑ ‒ – — ― − ﹘ ﹣ － ⸺ ⸻ */
    QUIRE_CL_QUOTE = 10,    /* " « » “ ” „ ‟ ‹ › ⹂ 〝 〞 〟 ＂ */
    QUIRE_CL_SENT_END = 11, /* . ! ? … ‼ ⁇ ⁈ ⁉ 。 ． ！ ？ ｡ ؟ ۔ । ॥ */
};

/* One code point's folds: bytes [case_off, case_off + case_len) of quire_uc_fold_pool are
 * its case fold, [full_off, full_off + full_len) its case fold without diacritics. */
typedef struct quire_uc_fold {
    uint32_t cp;
    uint16_t case_off;
    uint16_t full_off;
    uint8_t case_len; /* bytes */
    uint8_t full_len; /* bytes; 0 for a dropped diacritic mark */
} quire_uc_fold;

extern const char quire_uc_version[];
extern const uint8_t quire_uc_class_low[0x800];
extern const uint32_t quire_uc_class_runs[];
extern const size_t quire_uc_class_run_count;
extern const uint8_t quire_uc_fold_pool[];
extern const quire_uc_fold quire_uc_folds[];
extern const size_t quire_uc_fold_count;

static inline int quire_uc_class(uint32_t cp)
{
    if (cp < 0x800)
        return quire_uc_class_low[cp];
    /* Last run starting at or before cp; run 0 starts at 0. */
    size_t lo = 0, hi = quire_uc_class_run_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if ((quire_uc_class_runs[mid] >> 8) <= cp)
            lo = mid;
        else
            hi = mid;
    }
    return (int)(quire_uc_class_runs[lo] & 0xff);
}

static inline int quire_uc_is_word_class(int cls)
{
    return cls >= QUIRE_CL_LETTER && cls <= QUIRE_CL_IDEO;
}

/* The fold entry of `cp`, or NULL when both its folds are the code point itself. */
static inline const quire_uc_fold *quire_uc_fold_of(uint32_t cp)
{
    size_t lo = 0, hi = quire_uc_fold_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (quire_uc_folds[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < quire_uc_fold_count && quire_uc_folds[lo].cp == cp)
        return &quire_uc_folds[lo];
    return NULL;
}

#endif
