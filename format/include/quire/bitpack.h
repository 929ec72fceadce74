/*
 * bitpack.h - fixed-width bit packing of up to QUIRE_BITPACK_MAX uint32 values, and the
 * patched groups built on it: the integer codecs under postings and positions. FORMAT.md
 * section "Bit packing" is normative: value i occupies bits [i*w, (i+1)*w) of a
 * little-endian bit stream (bit 0 of byte 0 first), so n values of width w take
 * ceil(n*w/8) bytes; the unused high bits of the last byte are zero. Width 0 takes no
 * bytes and decodes to zeros. A patched group packs the low w bits of every value and
 * lists the few values >= 2^w as exceptions, w chosen per group to take the fewest bytes.
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

/* ---- patched groups (FORMAT.md, "Patched groups") ---- */

#define QUIRE_PFOR_EXCEPTIONS 0x80u /* head bit: exceptions follow */
#define QUIRE_PFOR_SPARE 0x40u      /* head bit left to the caller (0 unless it says) */
#define QUIRE_PFOR_WIDTH 0x3fu      /* head bits: the width, 0..32 */

/* The most bytes a patched group of `count` values can take (it never takes more than the
 * plain packing at the largest width, plus its head byte). */
static inline size_t quire_pfor_max_len(size_t count)
{
    return 1 + 4 * count;
}

/* Write `count` (1..QUIRE_BITPACK_MAX) values as a patched group into `out` (which has
 * quire_pfor_max_len(count) bytes), choosing the width that takes the fewest bytes (the
 * largest such width on a tie). The head's spare bit is 0. Returns the bytes written. */
size_t quire_pfor_pack(uint8_t *out, const uint32_t *in, size_t count);

/* Read a patched group of `count` (1..QUIRE_BITPACK_MAX) values from `in`, reading no more
 * than `avail` bytes; sets *used to the bytes consumed. The head's spare bit is ignored
 * (the caller reads in[0] & QUIRE_PFOR_SPARE). Returns QUIRE_OK, or QUIRE_ECORRUPT (no
 * message set) for a truncated group, a width > 32, an exception count of 0 or > count,
 * exception indexes not ascending or >= count, or a high part of 0 or that overflows. */
QUIRE_MUST_CHECK int quire_pfor_unpack(uint32_t *out, size_t count, const uint8_t *in,
                                       size_t avail, size_t *used);

/* The bytes (*used) of the patched group of `count` values at `in`, found without
 * unpacking it: its head, exception count and packed length are checked as
 * quire_pfor_unpack() checks them, and the exceptions measured (each an index byte and
 * a varint of at most 5 bytes) but not checked: a group that unpack accepts, skip
 * accepts with the same length, and one cut short both refuse; bad exception values are
 * refused when the group is unpacked. QUIRE_OK or QUIRE_ECORRUPT (no message set). */
QUIRE_MUST_CHECK int quire_pfor_skip(size_t count, const uint8_t *in, size_t avail,
                                     size_t *used);

#endif
