/*
 * bitpack.h - fixed-width bit packing of up to QUIRE_BITPACK_MAX uint32 values, the
 * integer codec under postings and positions. FORMAT-codecs.md section "Bit packing" is
 * normative: value i occupies bits [i*w, (i+1)*w) of a little-endian bit stream (bit 0 of
 * byte 0 first), so n values of width w take ceil(n*w/8) bytes; the unused high bits of
 * the last byte are zero. Width 0 takes no bytes and decodes to zeros.
 */
#ifndef QUIRE_BITPACK_H
#define QUIRE_BITPACK_H

#include <stddef.h>
#include <stdint.h>

#include "quire/status.h"

#define QUIRE_BITPACK_MAX 128 /* values per call */

/* Bytes that `count` values of width `bits` take. */
static inline size_t quire_bitpack_len(size_t count, unsigned bits)
{
    return (count * bits + 7) / 8;
}

/* The smallest width that holds every value of `in` (0 when all are zero). */
unsigned quire_bitpack_bits(const uint32_t *in, size_t count);

/* Pack `count` (<= QUIRE_BITPACK_MAX) values, each < 2^bits, with width `bits` (0..32).
 * `out` must have quire_bitpack_len(count, bits) bytes. Returns the bytes written. */
size_t quire_bitpack_pack(uint8_t *out, const uint32_t *in, size_t count, unsigned bits);

/* Unpack `count` (<= QUIRE_BITPACK_MAX) values of width `bits` from `in`, reading no more
 * than `avail` bytes. Sets *used to the bytes consumed (quire_bitpack_len(count, bits)).
 * Returns QUIRE_OK, or QUIRE_ECORRUPT if `bits` > 32 or `avail` is too short (no message
 * is set: the caller names the file). */
QUIRE_MUST_CHECK int quire_bitpack_unpack(uint32_t *out, size_t count, unsigned bits,
                                          const uint8_t *in, size_t avail, size_t *used);

#endif
