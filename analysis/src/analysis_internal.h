/*
 * analysis_internal.h - what the files of analysis/ share and nobody else sees: the
 * analyzer struct, the strict UTF-8 decoder and the fold helpers.
 */
#ifndef QUIRE_ANALYSIS_INTERNAL_H
#define QUIRE_ANALYSIS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/analysis.h"

struct sb_stemmer;

/* One slot of the stem cache (open addressing, linear probing). key_len == 0: empty. */
typedef struct stem_slot {
    uint32_t hash;     /* low 32 bits of the key's hash */
    uint32_t off;      /* byte offset of key then stem in the cache arena */
    uint16_t key_len;  /* bytes of the prefold word */
    uint16_t stem_len; /* bytes of its final stem (diacritics folded unless kept) */
} stem_slot;

struct quire_analyzer {
    struct sb_stemmer *stemmer;
    const char *language; /* libstemmer's own name string (static storage) */
    char *id;             /* "quire-analysis/2 <language> fold-diacritics" */
    bool keep_diacritics;

    stem_slot *slots;  /* stem cache table, slot_cap entries */
    size_t slot_cap;   /* a power of two */
    size_t slot_count; /* slots in use */
    char *arena;       /* keys and stems, back to back */
    size_t arena_len;  /* bytes used */
    size_t arena_cap;  /* bytes allocated */
    bool cache_closed; /* a limit or an allocation failure stopped insertion */
    size_t cache_max;  /* bytes the table and the arena may take together */
    uint64_t stem_calls;
    uint64_t stem_hits;

    char stem_out[QUIRE_MAX_TERM_BYTES + 8]; /* quire_analyzer_stem's result */
    /* The tokenizer's ASCII fast path: per byte, its form byte if it is an ASCII word
     * character (made from the class table exactly as the general path folds it), else 0
     * (every byte >= 0x80 included). */
    uint8_t ascii_form[256];
};

/* Append the UTF-8 bytes of `src` with diacritics folded (the "full" fold of each code
 * point) to out[*out_len], stopping at `cap` bytes on a character boundary. Returns false
 * if something had to be left out. `src` must be valid UTF-8. */
bool analysis_fold_diacritics(char *out, size_t *out_len, size_t cap, const char *src,
                              size_t src_len);

/* Stem `prefold` (len bytes, len > 0, valid UTF-8) through the cache. Sets *stem to bytes
 * owned by `an` that stay valid until its next stemming call. *truncated is set when the
 * stem was cut to QUIRE_MAX_TERM_BYTES. */
void analysis_stem(quire_analyzer *an, const char *prefold, size_t len, const char **stem,
                   size_t *stem_len, bool *truncated);

/* Fill the ASCII fast path's table (tokenizer.c). */
void analysis_ascii_table(uint8_t table[256]);

#endif
