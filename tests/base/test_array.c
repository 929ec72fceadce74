/*
 * test_array.c - QUIRE_ARRAY_RESERVE / quire_array_grow (base/src/alloc.c), the one
 * doubling of the indexer's growable arrays: first size, doubling, contents kept, both
 * capacity types, and a failed allocation that leaves the array as it was.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "quire/array.h"

Test(array, grows_from_first_then_doubles_keeping_the_items)
{
    uint64_t *items = NULL;
    uint32_t count = 0, cap = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        cr_assert_eq(QUIRE_ARRAY_RESERVE(items, count, cap, 16), QUIRE_OK);
        cr_assert_lt(count, cap);
        items[count++] = (uint64_t)i * 7;
        if (i == 0)
            cr_expect_eq(cap, 16);
    }
    cr_expect_eq(cap, 1024, "16 doubled six times");
    for (uint32_t i = 0; i < count; i++)
        cr_assert_eq(items[i], (uint64_t)i * 7);
    quire_free(items);
}

Test(array, a_size_t_capacity_works_alike)
{
    char **names = NULL;
    size_t count = 0, cap = 0;
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(QUIRE_ARRAY_RESERVE(names, count, cap, 4), QUIRE_OK);
        names[count++] = (char *)"x";
    }
    cr_expect_eq(cap, 128);
    quire_free(names);
}

/* A growth refused for want of memory: QUIRE_ENOMEM with the helper's message, and the
 * array of 8 items (0..7) as it was, unmoved, its capacity still 8. */
static void expect_refused(int rc, const int *items, const int *before, uint32_t cap)
{
    cr_expect_eq(rc, QUIRE_ENOMEM);
    cr_expect_str_eq(quire_errmsg(), "out of memory");
    cr_expect_eq(items, before);
    cr_expect_eq(cap, 8);
    for (int i = 0; i < 8; i++)
        cr_expect_eq(items[i], i);
}

Test(array, a_failed_allocation_leaves_the_array_as_it_was)
{
    int *items = NULL;
    uint32_t count = 0, cap = 0;
    while (count < 8) {
        cr_assert_eq(QUIRE_ARRAY_RESERVE(items, count, cap, 8), QUIRE_OK);
        items[count] = (int)count;
        count++;
    }
    int *const before = items;
    quire_alloc_fail_at(1);
    const int rc = QUIRE_ARRAY_RESERVE(items, count, cap, 8);
    quire_alloc_fail_at(0);
    expect_refused(rc, items, before, cap);
    quire_free(items);
}

Test(array, a_uint32_capacity_never_wraps)
{
    uint8_t one = 0;
    uint8_t *items = &one; /* not reallocated: the size is refused first */
    uint32_t cap = UINT32_MAX / 2 + 1;
    cr_expect_eq(quire_array_grow(&items, 1, &cap, sizeof cap, 16), QUIRE_ENOMEM);
    cr_expect_eq(cap, UINT32_MAX / 2 + 1);
    cr_expect_eq(items, &one);
}

Test(array, reserve_n_grows_once_to_the_first_doubling_that_holds_need)
{
    uint32_t *items = NULL;
    uint32_t cap = 0;
    quire_alloc_fail_at(0);
    cr_assert_eq(QUIRE_ARRAY_RESERVE_N(items, 100, cap, 16), QUIRE_OK);
    cr_expect_eq(cap, 128, "16, 32, 64, 128: the first to hold 100");
    cr_expect_eq(quire_alloc_fail_at(0), 1, "one allocation, not four");
    for (uint32_t i = 0; i < 100; i++)
        items[i] = i;
    /* room already: nothing is allocated */
    cr_assert_eq(QUIRE_ARRAY_RESERVE_N(items, 128, cap, 16), QUIRE_OK);
    cr_expect_eq(cap, 128);
    cr_expect_eq(quire_alloc_fail_at(0), 0);
    /* one more than the capacity: one doubling, as QUIRE_ARRAY_RESERVE */
    cr_assert_eq(QUIRE_ARRAY_RESERVE_N(items, 129, cap, 16), QUIRE_OK);
    cr_expect_eq(cap, 256);
    /* far beyond it: still one allocation */
    cr_assert_eq(QUIRE_ARRAY_RESERVE_N(items, 5000, cap, 16), QUIRE_OK);
    cr_expect_eq(cap, 8192);
    cr_expect_eq(quire_alloc_fail_at(0), 2);
    for (uint32_t i = 0; i < 100; i++)
        cr_assert_eq(items[i], i);
    items[4999] = 1; /* within the allocation (ASan) */
    quire_free(items);
}

Test(array, reserve_n_makes_an_index_exist_with_a_size_t_capacity)
{
    uint16_t *items = NULL;
    size_t cap = 0;
    const uint32_t w = 4096; /* index 4096: 4097 items, past a first size of 4096 */
    cr_assert_eq(QUIRE_ARRAY_RESERVE_N(items, (size_t)w + 1, cap, 4096), QUIRE_OK);
    cr_expect_eq(cap, 8192);
    items[w] = 7;
    cr_expect_eq(items[w], 7);
    quire_free(items);
}

Test(array, reserve_n_a_failed_allocation_leaves_the_array_as_it_was)
{
    int *items = NULL;
    uint32_t cap = 0;
    cr_assert_eq(QUIRE_ARRAY_RESERVE_N(items, 8, cap, 8), QUIRE_OK);
    for (int i = 0; i < 8; i++)
        items[i] = i;
    int *const before = items;
    quire_alloc_fail_at(1);
    const int rc = QUIRE_ARRAY_RESERVE_N(items, 1000, cap, 8);
    quire_alloc_fail_at(0);
    expect_refused(rc, items, before, cap);
    quire_free(items);
}

Test(array, reserve_n_refuses_more_than_a_uint32_capacity_can_count)
{
    uint8_t one = 0;
    uint8_t *items = &one; /* not reallocated: the size is refused first */
    uint32_t cap = 16;
    volatile size_t too_many = (size_t)UINT32_MAX + 1; /* not a constant: no type-limits warning */
    const size_t need = too_many;
    cr_expect_eq(QUIRE_ARRAY_RESERVE_N(items, need, cap, 16), QUIRE_ENOMEM);
    cr_expect_eq(cap, 16);
    cr_expect_eq(items, &one);
    size_t big = 16;
    cr_expect_eq(quire_array_grow_n(&items, 1, &big, sizeof big, SIZE_MAX, 16), QUIRE_ENOMEM);
    cr_expect_eq(big, 16);
    cr_expect_eq(items, &one);
}
