/*
 * test_bitpack.c - bit packing: round trips for every width and count, exact sizes, no
 * reads past the given bytes, short input refused.
 */
#include "quire/bitpack.h"

#include <criterion/criterion.h>
#include <string.h>

#include "quire/status.h"

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

Test(bitpack, decodes_what_it_encodes_for_every_width_and_count)
{
    uint64_t seed = 42;
    uint32_t in[QUIRE_BITPACK_MAX], out[QUIRE_BITPACK_MAX];
    for (unsigned bits = 0; bits <= 32; bits++) {
        uint64_t mask = (UINT64_C(1) << bits) - 1;
        for (size_t count = 1; count <= QUIRE_BITPACK_MAX; count++) {
            for (size_t i = 0; i < count; i++)
                in[i] = (uint32_t)(rng_next(&seed) & mask);
            if (bits > 0)
                in[rng_next(&seed) % count] = (uint32_t)mask; /* force the full width */
            cr_assert_eq(quire_bitpack_bits(in, count), bits);
            size_t len = quire_bitpack_len(count, bits);
            /* exact-size heap buffer: ASan catches any byte read or written past it */
            uint8_t *buf = malloc(len ? len : 1);
            cr_assert_eq(quire_bitpack_pack(buf, in, count, bits), len);
            size_t used = 99;
            memset(out, 0xAB, sizeof out);
            cr_assert_eq(quire_bitpack_unpack(out, count, bits, buf, len, &used), QUIRE_OK);
            cr_assert_eq(used, len);
            cr_assert_arr_eq(out, in, count * sizeof *in, "width %u count %zu", bits, count);
            if (len > 0) {
                cr_assert_eq(quire_bitpack_unpack(out, count, bits, buf, len - 1, &used),
                             QUIRE_ECORRUPT);
            }
            free(buf);
        }
    }
}

Test(bitpack, leaves_unused_high_bits_zero)
{
    uint32_t in[3] = {7, 7, 7};
    uint8_t buf[2];
    cr_assert_eq(quire_bitpack_pack(buf, in, 3, 3), 2);
    cr_expect_eq(buf[0], 0xFF);
    cr_expect_eq(buf[1], 0x01);
}

Test(bitpack, refuses_widths_above_32)
{
    uint32_t out[4];
    uint8_t buf[64] = {0};
    size_t used;
    cr_expect_eq(quire_bitpack_unpack(out, 4, 33, buf, sizeof buf, &used), QUIRE_ECORRUPT);
    cr_expect_eq(quire_bitpack_unpack(out, 4, 255, buf, sizeof buf, &used), QUIRE_ECORRUPT);
}

Test(bitpack, width_zero_takes_no_bytes)
{
    uint32_t in[QUIRE_BITPACK_MAX] = {0}, out[QUIRE_BITPACK_MAX];
    memset(out, 1, sizeof out);
    size_t used = 7;
    cr_assert_eq(quire_bitpack_unpack(out, QUIRE_BITPACK_MAX, 0, NULL, 0, &used), QUIRE_OK);
    cr_expect_eq(used, 0);
    cr_expect_arr_eq(out, in, sizeof in);
}
