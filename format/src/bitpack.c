/*
 * bitpack.c - fixed-width bit packing and patched groups (FORMAT.md, "Bit packing").
 *
 *   packed(n, w) := ceil(n*w/8) bytes; value i = bits [i*w, (i+1)*w) little-endian
 *   pgroup(n)    := head:u8 [e:u8 if head & 0x80] packed(n, head & 0x3f)
 *                   (index:u8 high:varint){e}        value[index] += high << w
 *
 * Unpacking is the inner loop of every postings read. It keeps a 64-bit accumulator
 * refilled 32 bits at a time while 4 bytes remain, byte by byte at the tail, so it never
 * reads past the packed bytes. A full block (128 values) goes through a copy specialised
 * for its width (unpack_full_w), where every shift is a constant.
 */
#include "quire/bitpack.h"

#include <string.h>

#include "quire/bytes.h"

unsigned quire_bitpack_bits(const uint32_t *in, size_t count)
{
    uint32_t acc = 0;
    for (size_t i = 0; i < count; i++)
        acc |= in[i];
    return acc ? 32u - (unsigned)__builtin_clz(acc) : 0u;
}

size_t quire_bitpack_pack(uint8_t *out, const uint32_t *in, size_t count, unsigned bits)
{
    if (bits == 0)
        return 0;
    const uint64_t mask = (UINT64_C(1) << bits) - 1;
    uint64_t acc = 0;
    unsigned have = 0; /* bits pending in acc, < 32 between values */
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        acc |= ((uint64_t)in[i] & mask) << have;
        have += bits;
        if (have >= 32) {
            quire_store_le32(out + n, (uint32_t)acc);
            n += 4;
            acc >>= 32;
            have -= 32;
        }
    }
    for (; have > 0; have = have > 8 ? have - 8 : 0) {
        out[n++] = (uint8_t)acc;
        acc >>= 8;
    }
    return n;
}

/* `len` is exactly quire_bitpack_len(count, bits): the byte loop at the tail cannot run
 * dry, and no load crosses in + len. */
static inline __attribute__((always_inline)) void unpack_run(uint32_t *out, size_t count,
                                                             unsigned bits, const uint8_t *in,
                                                             size_t len)
{
    const uint8_t *end = in + len;
    const uint64_t mask = (UINT64_C(1) << bits) - 1;
    uint64_t acc = 0;
    unsigned have = 0; /* valid low bits of acc; always < 32 before a refill */
    for (size_t i = 0; i < count; i++) {
        if (have < bits) {
            if (end - in >= 4) {
                acc |= (uint64_t)quire_load_le32(in) << have;
                in += 4;
                have += 32;
            } else {
                while (have < bits) {
                    acc |= (uint64_t)*in++ << have;
                    have += 8;
                }
            }
        }
        out[i] = (uint32_t)(acc & mask);
        acc >>= bits;
        have -= bits;
    }
}

/* A full block of width w is exactly 4*w 32-bit words, and each run of 32 values exactly
 * w words: unrolling a run with a constant width makes every refill decision a compile-time
 * constant, so the loop becomes straight-line shifts and masks. */
static inline __attribute__((always_inline)) void unpack_full_w(uint32_t *out,
                                                                const uint8_t *in,
                                                                const unsigned bits)
{
    const uint64_t mask = (UINT64_C(1) << bits) - 1;
    for (unsigned g = 0; g < QUIRE_BITPACK_MAX / 32; g++) {
        uint64_t acc = 0;
        unsigned have = 0;
#pragma GCC unroll 32
        for (unsigned j = 0; j < 32; j++) {
            if (have < bits) {
                acc |= (uint64_t)quire_load_le32(in) << have;
                in += 4;
                have += 32;
            }
            out[j] = (uint32_t)(acc & mask);
            acc >>= bits;
            have -= bits;
        }
        out += 32;
    }
}

#define FULL_CASE(w)                                                                      \
    case w:                                                                               \
        unpack_full_w(out, in, w);                                                        \
        break;

static void unpack_full(uint32_t *out, unsigned bits, const uint8_t *in)
{
    switch (bits) {
        FULL_CASE(1)
        FULL_CASE(2)
        FULL_CASE(3)
        FULL_CASE(4)
        FULL_CASE(5)
        FULL_CASE(6)
        FULL_CASE(7)
        FULL_CASE(8)
        FULL_CASE(9)
        FULL_CASE(10)
        FULL_CASE(11)
        FULL_CASE(12)
        FULL_CASE(13)
        FULL_CASE(14)
        FULL_CASE(15)
        FULL_CASE(16)
        FULL_CASE(17)
        FULL_CASE(18)
        FULL_CASE(19)
        FULL_CASE(20)
        FULL_CASE(21)
        FULL_CASE(22)
        FULL_CASE(23)
        FULL_CASE(24)
        FULL_CASE(25)
        FULL_CASE(26)
        FULL_CASE(27)
        FULL_CASE(28)
        FULL_CASE(29)
        FULL_CASE(30)
        FULL_CASE(31)
    default: /* 32 */
        for (size_t i = 0; i < QUIRE_BITPACK_MAX; i++)
            out[i] = quire_load_le32(in + 4 * i);
        break;
    }
}

int quire_bitpack_unpack(uint32_t *out, size_t count, unsigned bits, const uint8_t *in,
                         size_t avail, size_t *used)
{
    if (bits > 32 || count > QUIRE_BITPACK_MAX)
        return QUIRE_ECORRUPT;
    size_t len = quire_bitpack_len(count, bits);
    if (len > avail)
        return QUIRE_ECORRUPT;
    *used = len;
    if (bits == 0)
        memset(out, 0, count * sizeof *out);
    else if (count == QUIRE_BITPACK_MAX)
        unpack_full(out, bits, in);
    else
        unpack_run(out, count, bits, in, len);
    return QUIRE_OK;
}

/* ---- patched groups ---- */

/* Values of bit length in (w, top]: the exceptions at width w. */
static size_t above_count(const size_t *hist, unsigned w, unsigned top)
{
    size_t n = 0;
    for (unsigned len = w + 1; len <= top; len++)
        n += hist[len];
    return n;
}

size_t quire_pfor_pack(uint8_t *out, const uint32_t *in, size_t count)
{
    /* cost(w) from a histogram of bit lengths, over the lengths present only. The head byte
     * is common to every w; w = top has no exceptions (and no count byte). Going down from
     * top, the exceptions only grow: once their bytes alone (the count byte, and at least
     * an index and a high byte each) reach the best cost, no smaller w can win. */
    size_t hist[33] = {0};
    uint64_t present = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < count; i++) {
        unsigned len = in[i] ? 32u - (unsigned)__builtin_clz(in[i]) : 0u;
        hist[len]++;
        present |= UINT64_C(1) << len;
        acc |= in[i];
    }
    unsigned top = acc ? 32u - (unsigned)__builtin_clz(acc) : 0u;
    unsigned best_w = top;
    size_t best = quire_bitpack_len(count, top);
    size_t above = 0; /* values longer than w */
    for (unsigned w = top; w-- > 0;) {
        above += hist[w + 1];
        if (1 + 2 * above >= best)
            break;
        size_t cost = 1 + quire_bitpack_len(count, w); /* + the exception count */
        for (uint64_t m = present >> (w + 1); m; m &= m - 1) {
            unsigned len = w + 1 + (unsigned)__builtin_ctzll(m);
            cost += hist[len] * (1 + (len - w + 6) / 7); /* index + varint of high bits */
        }
        if (cost < best) {
            best = cost;
            best_w = w;
        }
    }
    size_t n = 0;
    size_t exc = best_w < top ? above_count(hist, best_w, top) : 0;
    out[n++] = (uint8_t)(best_w | (exc ? QUIRE_PFOR_EXCEPTIONS : 0u));
    if (exc)
        out[n++] = (uint8_t)exc;
    n += quire_bitpack_pack(out + n, in, count, best_w);
    if (exc)
        for (size_t i = 0; i < count; i++) {
            uint32_t high = in[i] >> best_w; /* best_w < top <= 32 */
            if (high) {
                out[n++] = (uint8_t)i;
                n += quire_varint_put(out + n, high);
            }
        }
    return n;
}

int quire_pfor_unpack(uint32_t *out, size_t count, const uint8_t *in, size_t avail,
                      size_t *used)
{
    if (avail < 1 || count == 0)
        return QUIRE_ECORRUPT;
    const uint8_t *p = in, *end = in + avail;
    unsigned head = *p++;
    unsigned w = head & QUIRE_PFOR_WIDTH;
    unsigned exc = 0;
    if (head & QUIRE_PFOR_EXCEPTIONS) {
        if (p == end)
            return QUIRE_ECORRUPT;
        exc = *p++;
        /* an exception needs a value >= 2^w: none at w = 32 */
        if (exc == 0 || exc > count || w >= 32)
            return QUIRE_ECORRUPT;
    }
    size_t len;
    if (quire_bitpack_unpack(out, count, w, p, (size_t)(end - p), &len) != QUIRE_OK)
        return QUIRE_ECORRUPT;
    p += len;
    int last = -1;
    for (unsigned k = 0; k < exc; k++) {
        uint32_t high;
        if (p == end || (int)*p <= last || *p >= count)
            return QUIRE_ECORRUPT;
        last = *p++;
        if (quire_varint_get32(&high, &p, end) != QUIRE_OK || high == 0 ||
            high > (UINT32_MAX >> w))
            return QUIRE_ECORRUPT;
        out[last] |= high << w;
    }
    *used = (size_t)(p - in);
    return QUIRE_OK;
}

int quire_pfor_skip(size_t count, const uint8_t *in, size_t avail, size_t *used)
{
    if (avail < 1 || count == 0 || count > QUIRE_BITPACK_MAX)
        return QUIRE_ECORRUPT;
    const uint8_t *p = in, *end = in + avail;
    unsigned head = *p++;
    unsigned w = head & QUIRE_PFOR_WIDTH;
    unsigned exc = 0;
    if (head & QUIRE_PFOR_EXCEPTIONS) {
        if (p == end)
            return QUIRE_ECORRUPT;
        exc = *p++;
        if (exc == 0 || exc > count || w >= 32)
            return QUIRE_ECORRUPT;
    }
    if (w > 32)
        return QUIRE_ECORRUPT;
    size_t len = quire_bitpack_len(count, w);
    if (len > (size_t)(end - p))
        return QUIRE_ECORRUPT;
    p += len;
    /* Each exception is an index byte and a varint. Only their extent is read: what
     * unpacking checks of their values (ascending indexes, high parts in range) is
     * checked when the group is unpacked, the one use of those values. */
    for (unsigned k = 0; k < exc; k++) {
        if (end - p < 2)
            return QUIRE_ECORRUPT;
        p++; /* the index */
        unsigned n = 0;
        while (p[n] & 0x80)
            if (++n == 5 || n == (size_t)(end - p))
                return QUIRE_ECORRUPT;
        p += n + 1;
    }
    *used = (size_t)(p - in);
    return QUIRE_OK;
}
