/*
 * test_bitpack.c - bit packing: round trips for every width and count, exact sizes, no
 * reads past the given bytes, short input refused; measuring a patched group without
 * unpacking it (quire_pfor_skip) measures every group unpacking accepts.
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

/* ---- patched groups ---- */

/* Mostly small values with a few outliers of any size, as positions and doc gaps are. */
static void gen_outliers(uint64_t *seed, uint32_t *in, size_t count)
{
    unsigned small = (unsigned)(rng_next(seed) % 12), odds = 1 + (unsigned)(rng_next(seed) % 16);
    for (size_t i = 0; i < count; i++) {
        uint64_t r = rng_next(seed);
        if (r % odds == 0)
            in[i] = (uint32_t)(rng_next(seed) >> (rng_next(seed) % 64 / 2 + 32));
        else
            in[i] = (uint32_t)(r >> 40) & ((1u << small) - 1);
    }
}

Test(bitpack, patched_groups_decode_what_they_encode_and_never_beat_plain_by_less)
{
    uint64_t seed = 7;
    uint32_t in[QUIRE_BITPACK_MAX], out[QUIRE_BITPACK_MAX];
    for (int round = 0; round < 40; round++) {
        for (size_t count = 1; count <= QUIRE_BITPACK_MAX; count++) {
            gen_outliers(&seed, in, count);
            if (round == 0)
                in[0] = UINT32_MAX;
            uint8_t *buf = malloc(quire_pfor_max_len(count));
            size_t len = quire_pfor_pack(buf, in, count);
            cr_assert_leq(len, 1 + quire_bitpack_len(count, quire_bitpack_bits(in, count)));
            cr_assert_eq(buf[0] & QUIRE_PFOR_SPARE, 0);
            uint8_t *exact = malloc(len); /* ASan sees any read past the group */
            memcpy(exact, buf, len);
            size_t used = 0;
            memset(out, 0xAB, sizeof out);
            cr_assert_eq(quire_pfor_unpack(out, count, exact, len, &used), QUIRE_OK);
            cr_assert_eq(used, len);
            cr_assert_arr_eq(out, in, count * sizeof *in, "count %zu", count);
            size_t skipped = 0; /* measuring a group without unpacking it */
            cr_assert_eq(quire_pfor_skip(count, exact, len, &skipped), QUIRE_OK);
            cr_assert_eq(skipped, len, "count %zu: skip measures %zu of %zu", count, skipped, len);
            for (size_t cut = 0; cut < len; cut++) {
                cr_assert_eq(quire_pfor_unpack(out, count, exact, cut, &used), QUIRE_ECORRUPT,
                             "count %zu cut at %zu of %zu", count, cut, len);
                cr_assert_eq(quire_pfor_skip(count, exact, cut, &used), QUIRE_ECORRUPT,
                             "skip: count %zu cut at %zu of %zu", count, cut, len);
            }
            free(exact);
            free(buf);
        }
    }
}

Test(bitpack, patched_group_matches_the_format_example)
{
    /* FORMAT.md "Patched groups": 3, 1, 300, 2 -> w = 2, one exception */
    uint32_t in[4] = {3, 1, 300, 2}, out[4];
    uint8_t buf[32];
    const uint8_t want[5] = {0x82, 0x01, 0x87, 0x02, 0x4B};
    cr_assert_eq(quire_pfor_pack(buf, in, 4), 5);
    cr_assert_arr_eq(buf, want, 5);
    size_t used;
    cr_assert_eq(quire_pfor_unpack(out, 4, want, 5, &used), QUIRE_OK);
    cr_assert_arr_eq(out, in, sizeof in);
}

Test(bitpack, patched_groups_choose_the_smallest_width)
{
    /* 127 zeros and one huge value: width 0 and a single exception (2 + 1 + 5 bytes) */
    uint32_t in[QUIRE_BITPACK_MAX] = {0};
    in[77] = UINT32_MAX;
    uint8_t buf[1 + 4 * QUIRE_BITPACK_MAX];
    cr_assert_eq(quire_pfor_pack(buf, in, QUIRE_BITPACK_MAX), 8);
    cr_expect_eq(buf[0], QUIRE_PFOR_EXCEPTIONS);
    /* all equal: no exceptions, plain width */
    for (int i = 0; i < QUIRE_BITPACK_MAX; i++)
        in[i] = 5;
    cr_assert_eq(quire_pfor_pack(buf, in, QUIRE_BITPACK_MAX), 1 + 48);
    cr_expect_eq(buf[0], 3);
}

Test(bitpack, patched_groups_refuse_malformed_exceptions)
{
    uint32_t out[4];
    size_t used;
    const uint8_t ok[] = {0x82, 0x01, 0x87, 0x02, 0x4B};
    cr_assert_eq(quire_pfor_unpack(out, 4, ok, sizeof ok, &used), QUIRE_OK);
    const uint8_t zero_count[] = {0x82, 0x00, 0x87};
    const uint8_t count_above_n[] = {0x82, 0x05, 0x87, 0, 1, 1, 1, 2, 1, 3, 1, 3, 1};
    const uint8_t index_out_of_range[] = {0x82, 0x01, 0x87, 0x04, 0x4B};
    const uint8_t index_not_ascending[] = {0x82, 0x02, 0x87, 0x02, 0x01, 0x02, 0x01};
    const uint8_t high_zero[] = {0x82, 0x01, 0x87, 0x02, 0x00};
    const uint8_t high_overflows[] = {0x82, 0x01, 0x87, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
    const uint8_t width_33[] = {33, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t exceptions_at_32[] = {0xA0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                        0, 0, 0, 0x00, 0x01};
    struct {
        const uint8_t *p;
        size_t len;
    } bad[] = {{zero_count, sizeof zero_count},
               {count_above_n, sizeof count_above_n},
               {index_out_of_range, sizeof index_out_of_range},
               {index_not_ascending, sizeof index_not_ascending},
               {high_zero, sizeof high_zero},
               {high_overflows, sizeof high_overflows},
               {width_33, sizeof width_33},
               {exceptions_at_32, sizeof exceptions_at_32}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++)
        cr_expect_eq(quire_pfor_unpack(out, 4, bad[k].p, bad[k].len, &used), QUIRE_ECORRUPT,
                     "case %zu", k);
    cr_expect_eq(quire_pfor_unpack(out, 0, ok, sizeof ok, &used), QUIRE_ECORRUPT);
}

Test(bitpack, skipping_a_patched_group_measures_every_group_unpacking_accepts)
{
    /* random bytes, mostly not a valid group: every group unpack accepts, skip accepts
     * and measures the same; what skip refuses (a group cut short), unpack refuses too.
     * Skip reads only the extent of the exceptions, so it may accept bad values that
     * unpack refuses: the one use of those values is unpacking them. It never reads past
     * `len` (ASan: the bytes are copied into a buffer of exactly len). */
    uint64_t seed = 11;
    uint8_t buf[700];
    uint32_t out[QUIRE_BITPACK_MAX];
    uint32_t accepted = 0, refused = 0;
    for (int round = 0; round < 200000; round++) {
        const size_t count = 1 + (rng_next(&seed) % QUIRE_BITPACK_MAX);
        const size_t len = (rng_next(&seed) % sizeof buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rng_next(&seed);
        if (len > 0 && (rng_next(&seed) % 2)) /* plausible heads: a width, maybe exceptions */
            buf[0] = (uint8_t)((rng_next(&seed) % 34) | ((rng_next(&seed) % 2) ? 0x80u : 0u));
        if (len > 1 && (buf[0] & 0x80u))
            buf[1] = (uint8_t)(1 + (rng_next(&seed) % 4));
        size_t a = 0, b = 0;
        const int ru = quire_pfor_unpack(out, count, buf, len, &a);
        uint8_t *exact = malloc(len ? len : 1);
        memcpy(exact, buf, len);
        const int rs = quire_pfor_skip(count, exact, len, &b);
        free(exact);
        if (ru == QUIRE_OK) {
            cr_assert_eq(rs, QUIRE_OK, "round %d: unpack accepts, skip %d", round, rs);
            cr_assert_eq(a, b, "round %d", round);
            accepted++;
        } else if (rs != QUIRE_OK) {
            refused++;
        }
    }
    cr_expect_gt(accepted, 1000, "only %u valid groups drawn", accepted);
    cr_expect_gt(refused, 1000, "only %u groups refused by both", refused);
}
