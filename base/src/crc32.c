/*
 * crc32.c - quire_crc32(): the CRC-32 of zlib (ISO-HDLC polynomial, reflected), computed
 * with carry-less multiplication (PCLMULQDQ) where the CPU has it, by zlib's crc32()
 * otherwise and for the last bytes. Every file and block of an index carries one, and
 * readers check it at every read, so it is on the hot path of queries: zlib 1.2.13 spends
 * about 3.9 instructions a byte, the folding loop about 0.45 (callgrind, 4 MB).
 *
 * The method is the one of Gopal et al., "Fast CRC Computation for Generic Polynomials
 * Using PCLMULQDQ Instruction" (Intel, 2009): four 128-bit lanes are folded forward over
 * the input 64 bytes at a time (multiplying by x^(512+-32) mod P), folded into one lane,
 * reduced to 64 and then 32 bits, and the last step is a Barrett reduction. The constants
 * below are those powers of x modulo P, bit-reflected. tests/base/test_crc32.c checks the
 * result against zlib's on random lengths, alignments and starting values.
 */
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "quire/bytes.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define QUIRE_HAVE_CLMUL 1
#include <immintrin.h>

#define K1 0x154442bd4ull /* x^(4*128+32) mod P */
#define K2 0x1c6e41596ull /* x^(4*128-32) mod P */
#define K3 0x1751997d0ull /* x^(128+32) mod P */
#define K4 0x0ccaa009eull /* x^(128-32) mod P */
#define K5 0x163cd6124ull /* x^64 mod P */
#define KP 0x1db710641ull /* P itself */
#define MU 0x1f7011641ull /* floor(x^64 / P) */

#define CLMUL_TARGET __attribute__((target("pclmul,sse4.1")))

CLMUL_TARGET static inline __m128i load(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* x * k, its low half by k's low half and its high half by k's high half, added. */
CLMUL_TARGET static inline __m128i fold(__m128i x, __m128i k)
{
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/* The CRC of p[0..len) without zlib's inversions; len >= 64, a multiple of 16. */
CLMUL_TARGET static uint32_t crc_fold(uint32_t crc, const uint8_t *p, size_t len)
{
    __m128i x1 = _mm_xor_si128(load(p), _mm_cvtsi32_si128((int)crc));
    __m128i x2 = load(p + 16), x3 = load(p + 32), x4 = load(p + 48);
    p += 64;
    len -= 64;
    const __m128i k12 = _mm_set_epi64x((long long)K2, (long long)K1);
    for (; len >= 64; p += 64, len -= 64) {
        x1 = _mm_xor_si128(fold(x1, k12), load(p));
        x2 = _mm_xor_si128(fold(x2, k12), load(p + 16));
        x3 = _mm_xor_si128(fold(x3, k12), load(p + 32));
        x4 = _mm_xor_si128(fold(x4, k12), load(p + 48));
    }
    const __m128i k34 = _mm_set_epi64x((long long)K4, (long long)K3);
    x1 = _mm_xor_si128(fold(x1, k34), x2);
    x1 = _mm_xor_si128(fold(x1, k34), x3);
    x1 = _mm_xor_si128(fold(x1, k34), x4);
    for (; len >= 16; p += 16, len -= 16)
        x1 = _mm_xor_si128(fold(x1, k34), load(p));
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    /* 128 -> 64 bits */
    x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k34, 0x10), _mm_srli_si128(x1, 8));
    /* 64 -> 32 bits */
    __m128i t = _mm_srli_si128(x1, 4);
    x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), _mm_set_epi64x(0, (long long)K5), 0x00);
    x1 = _mm_xor_si128(x1, t);
    /* Barrett reduction */
    const __m128i pmu = _mm_set_epi64x((long long)MU, (long long)KP);
    t = x1;
    x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), pmu, 0x10);
    x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), pmu, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x1, t), 1);
}

static int have_clmul(void)
{
    static int known = -1; /* benign race: every thread computes the same value */
    if (known < 0)
        known = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
    return known;
}
#endif

uint32_t quire_crc32(uint32_t crc, const void *p, size_t n)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* The fuzz build (QUIRE_FUZZ) writes and expects every CRC-32 as 0, so that mutated
     * files reach the decoders behind the checksums: a hostile file can carry right CRCs. */
    (void)crc, (void)p, (void)n;
    return 0;
#endif
    const uint8_t *q = p;
#ifdef QUIRE_HAVE_CLMUL
    if (n >= 64 && have_clmul()) {
        const size_t bulk = n & ~(size_t)15;
        crc = ~crc_fold(~crc, q, bulk);
        q += bulk;
        n -= bulk;
    }
#endif
    /* zlib's crc32 takes a uInt length: feed huge buffers in pieces. */
    while (n > 0) {
        const uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, q, chunk);
        q += chunk;
        n -= chunk;
    }
    return crc;
}
