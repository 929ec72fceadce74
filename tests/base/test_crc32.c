/*
 * test_crc32.c - quire_crc32 (base/src/crc32.c, carry-less multiplication where the CPU has
 * it) must equal zlib's crc32() on every length, alignment and starting value, also when a
 * buffer is fed in pieces: every checksum in every index depends on it.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "quire/bytes.h"

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

Test(crc32, equals_zlib_on_random_buffers)
{
    enum { N = 1 << 17 };
    uint8_t *b = malloc(N + 64);
    cr_assert(b != NULL);
    for (size_t i = 0; i < N + 64; i++)
        b[i] = (uint8_t)rnd();
    for (int t = 0; t < 20000; t++) {
        const size_t off = rnd() % 64;
        /* mostly short (every length around the 16- and 64-byte steps), some long */
        const size_t n = t < 15000 ? rnd() % 400 : rnd() % N;
        const uint32_t init = t % 3 ? rnd() : 0;
        const uint32_t want = (uint32_t)crc32(init, b + off, (uInt)n);
        cr_assert_eq(quire_crc32(init, b + off, n), want, "length %zu offset %zu", n, off);
    }
    free(b);
}

Test(crc32, chains_like_zlib)
{
    uint8_t b[5000];
    for (size_t i = 0; i < sizeof b; i++)
        b[i] = (uint8_t)(i * 131 + 7);
    const uint32_t whole = (uint32_t)crc32(0, b, sizeof b);
    for (size_t cut = 0; cut <= sizeof b; cut += 37)
        cr_assert_eq(quire_crc32(quire_crc32(0, b, cut), b + cut, sizeof b - cut), whole, "cut %zu",
                     cut);
    /* known value: the CRC-32 check string */
    cr_expect_eq(quire_crc32(0, "123456789", 9), 0xCBF43926u);
    uint8_t zeros[256] = {0};
    cr_expect_eq(quire_crc32(0, zeros, sizeof zeros), (uint32_t)crc32(0, zeros, sizeof zeros));
}
