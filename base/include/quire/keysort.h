/*
 * keysort.h - sorting byte-string keys in bytewise order (memcmp, then the shorter first),
 * the one sort of the segment writers' terms (indexer/inverter.c) and reversed forms
 * (format/src/revdict.c): an LSD radix sort of each key's first 8 bytes, then the runs of
 * keys that share them by comparison. Most words are shorter than 8 bytes, so most keys
 * are placed without reading their bytes again.
 */
#ifndef QUIRE_KEYSORT_H
#define QUIRE_KEYSORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct quire_keysort_entry {
    uint64_t prefix;    /* quire_keysort_prefix() of the key */
    const uint8_t *key; /* borrowed */
    uint32_t len;
    uint32_t index; /* the caller's: carried along */
} quire_keysort_entry;

/* The first 8 bytes of key[0..len) as a big-endian number, zero-padded. */
static inline uint64_t quire_keysort_prefix(const uint8_t *key, size_t len)
{
    uint64_t p = 0;
    for (size_t k = 0; k < 8; k++)
        p = (p << 8) | (k < len ? key[k] : 0u);
    return p;
}

/* Sort e[0..n) by key: bytewise, a key before the longer keys it begins (as memcmp over
 * the shorter length, then the lengths). Keys may hold any bytes, 0 included; equal keys
 * keep no particular order. `tmp` has room for n entries; e holds the result. */
void quire_keysort(quire_keysort_entry *e, quire_keysort_entry *tmp, size_t n);

#endif
