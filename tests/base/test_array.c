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
    cr_expect_eq(rc, QUIRE_ENOMEM);
    cr_expect_str_eq(quire_errmsg(), "out of memory");
    cr_expect_eq(items, before);
    cr_expect_eq(cap, 8);
    for (int i = 0; i < 8; i++)
        cr_expect_eq(items[i], i);
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
