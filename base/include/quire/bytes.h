/*
 * bytes.h - byte views, little-endian loads and stores, LEB128 varints, growable buffers
 * and checksums. Integers on disk are always little-endian and are read and written byte
 * by byte through these helpers: never by casting bytes to a wider type, never by
 * fwrite-ing a struct.
 */
#ifndef QUIRE_BYTES_H
#define QUIRE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/status.h"

/* A borrowed view of bytes. Who owns them is said where a view is handed out. */
typedef struct quire_bytes {
    const uint8_t *ptr;
    size_t len;
} quire_bytes;

static inline quire_bytes quire_bytes_of(const void *p, size_t len)
{
    quire_bytes b = {(const uint8_t *)p, len};
    return b;
}

static inline uint16_t quire_load_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t quire_load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t quire_load_le64(const uint8_t *p)
{
    return (uint64_t)quire_load_le32(p) | ((uint64_t)quire_load_le32(p + 4) << 32);
}

static inline void quire_store_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void quire_store_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void quire_store_le64(uint8_t *p, uint64_t v)
{
    quire_store_le32(p, (uint32_t)v);
    quire_store_le32(p + 4, (uint32_t)(v >> 32));
}

#define QUIRE_VARINT_MAX 10 /* bytes a uint64_t LEB128 varint can take */

/* Write `v` as an unsigned LEB128 varint (7 bits a byte, low first, high bit = more).
 * Returns the number of bytes written (1..10). `out` must have QUIRE_VARINT_MAX bytes. */
static inline size_t quire_varint_put(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Read a varint at *p, not reading at or past `end`. Advances *p. Returns QUIRE_OK, or
 * QUIRE_ECORRUPT if the varint runs past `end` or is longer than 10 bytes / overflows. */
QUIRE_MUST_CHECK static inline int quire_varint_get(uint64_t *out, const uint8_t **p,
                                                    const uint8_t *end)
{
    const uint8_t *q = *p;
    if (q < end && *q < 0x80) { /* fast path: one byte (most lengths and gaps) */
        *out = *q;
        *p = q + 1;
        return QUIRE_OK;
    }
    uint64_t v = 0;
    unsigned shift = 0;
    while (q < end) {
        uint8_t b = *q++;
        if (shift == 63 && b > 1)
            return QUIRE_ECORRUPT;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            *p = q;
            return QUIRE_OK;
        }
        shift += 7;
        if (shift > 63)
            return QUIRE_ECORRUPT;
    }
    return QUIRE_ECORRUPT;
}

/* Same, for values that must fit 32 bits. */
QUIRE_MUST_CHECK static inline int quire_varint_get32(uint32_t *out, const uint8_t **p,
                                                      const uint8_t *end)
{
    if (*p < end && **p < 0x80) { /* fast path: one byte */
        *out = **p;
        (*p)++;
        return QUIRE_OK;
    }
    uint64_t v;
    int rc = quire_varint_get(&v, p, end);
    if (rc != QUIRE_OK || v > UINT32_MAX)
        return QUIRE_ECORRUPT;
    *out = (uint32_t)v;
    return QUIRE_OK;
}

/* A growable byte buffer with a sticky error: after a failed allocation every append is
 * a no-op and `err` stays QUIRE_ENOMEM, so a writer checks once at the end. */
typedef struct quire_buf {
    uint8_t *data;
    size_t len; /* bytes used */
    size_t cap; /* bytes allocated */
    int err;    /* QUIRE_OK or the first error */
} quire_buf;

#define QUIRE_BUF_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0, QUIRE_OK                                                                       \
    }

void quire_buf_free(quire_buf *b);
/* quire_buf_reserve()'s slow path: grow the buffer (or set err). */
bool quire_buf_grow(quire_buf *b, size_t extra);
/* Make room for `extra` more bytes; false (and err set) if that fails. The test of the
 * common case is inline (the call was 1.3% of an indexing run under callgrind). */
static inline bool quire_buf_reserve(quire_buf *b, size_t extra)
{
    if (__builtin_expect(b->err == 0 && b->cap - b->len >= extra, 1))
        return true;
    return quire_buf_grow(b, extra);
}
void quire_buf_put(quire_buf *b, const void *p, size_t n);
static inline void quire_buf_put_byte(quire_buf *b, uint8_t v)
{
    if (quire_buf_reserve(b, 1))
        b->data[b->len++] = v;
}
void quire_buf_put_le32(quire_buf *b, uint32_t v);
void quire_buf_put_le64(quire_buf *b, uint64_t v);
static inline void quire_buf_put_varint(quire_buf *b, uint64_t v)
{
    if (quire_buf_reserve(b, QUIRE_VARINT_MAX))
        b->len += quire_varint_put(b->data + b->len, v);
}
/* Put a varint length then the bytes. */
void quire_buf_put_str(quire_buf *b, const void *p, size_t n);

/* CRC-32 (the zlib / ISO-HDLC polynomial: equal to zlib's crc32(), with PCLMULQDQ where the
 * CPU has it; base/src/crc32.c). Pass 0 as `crc` to start; chain calls to continue. */
uint32_t quire_crc32(uint32_t crc, const void *p, size_t n);

#endif
