/*
 * reader.h - bounds-checked little-endian reading of a message in memory (a record one
 * process sent another: a shard set's replies, a fuzzy word's expansion). A read past the
 * end sets `bad`, moves to the end and yields 0 (or NULL), so a caller reads a whole
 * record and checks `bad` once; a short record is a bug, not data.
 */
#ifndef QUIRE_READER_H
#define QUIRE_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "quire/bytes.h"

typedef struct quire_reader {
    const uint8_t *p, *end;
    bool bad;
} quire_reader;

static inline uint64_t quire_reader_get64(quire_reader *r)
{
    if (r->end - r->p < 8) {
        r->bad = true;
        r->p = r->end;
        return 0;
    }
    const uint64_t v = quire_load_le64(r->p);
    r->p += 8;
    return v;
}

static inline uint32_t quire_reader_get32(quire_reader *r)
{
    if (r->end - r->p < 4) {
        r->bad = true;
        r->p = r->end;
        return 0;
    }
    const uint32_t v = quire_load_le32(r->p);
    r->p += 4;
    return v;
}

/* The next n bytes (a view into the message), NULL past the end. */
static inline const uint8_t *quire_reader_bytes(quire_reader *r, uint64_t n)
{
    if ((uint64_t)(r->end - r->p) < n) {
        r->bad = true;
        r->p = r->end;
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}

#endif
