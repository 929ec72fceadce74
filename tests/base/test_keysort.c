/*
 * test_keysort.c - quire_keysort (base/src/keysort.c), the sort of every segment's terms
 * and reversed forms: on random keys (lengths 0 to 20, few distinct bytes so that prefixes
 * are shared, 0 bytes included, duplicates) its order must be memcmp's over the shorter
 * length and then the lengths, the order the term dictionary requires, and every entry
 * must come out once with its index.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quire/keysort.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static int bytewise(const quire_keysort_entry *a, const quire_keysort_entry *b)
{
    const uint32_t n = a->len < b->len ? a->len : b->len;
    const int c = n > 0 ? memcmp(a->key, b->key, n) : 0;
    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

Test(keysort, orders_random_keys_bytewise)
{
    enum { MAX_N = 5000, MAX_LEN = 20 };
    uint8_t *bytes = malloc((size_t)MAX_N * MAX_LEN);
    quire_keysort_entry *e = malloc(2 * MAX_N * sizeof *e);
    uint8_t *seen = malloc(MAX_N);
    cr_assert(bytes && e && seen);
    for (int round = 0; round < 200; round++) {
        const size_t n = rnd() % MAX_N;
        const uint32_t alphabet = 1 + rnd() % 4; /* bytes 0..alphabet-1, or spread out */
        const bool spread = rnd() % 2;
        for (size_t i = 0; i < n; i++) {
            uint8_t *k = bytes + i * MAX_LEN;
            const uint32_t len = rnd() % (MAX_LEN + 1);
            for (uint32_t j = 0; j < len; j++)
                k[j] = spread ? (uint8_t)rnd() : (uint8_t)(rnd() % alphabet) * 0x7F;
            e[i] = (quire_keysort_entry){quire_keysort_prefix(k, len), k, len, (uint32_t)i};
        }
        quire_keysort(e, e + n, n);
        memset(seen, 0, n);
        for (size_t i = 0; i < n; i++) {
            cr_assert_lt(e[i].index, n);
            cr_assert_not(seen[e[i].index], "round %d: entry %u twice", round,
                          (unsigned)e[i].index);
            seen[e[i].index] = 1;
            cr_assert_eq(e[i].key, bytes + (size_t)e[i].index * MAX_LEN);
            if (i > 0)
                cr_assert_leq(bytewise(&e[i - 1], &e[i]), 0,
                              "round %d: keys %zu and %zu out of order (lengths %u, %u)", round,
                              i - 1, i, (unsigned)e[i - 1].len, (unsigned)e[i].len);
        }
    }
    free(bytes);
    free(e);
    free(seen);
}
