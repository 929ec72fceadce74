/*
 * alloc.c - the one allocation hook of quire's libraries. Tests fail the n-th allocation
 * (and all after it) with quire_alloc_fail_at(n) to check that every path returns
 * QUIRE_ENOMEM cleanly and leaks nothing.
 */
#include <assert.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quire/array.h"
#include "quire/status.h"

static atomic_long alloc_count;   /* allocations since the last quire_alloc_fail_at() */
static atomic_long alloc_fail_at; /* 0 = never fail */

static int should_fail(void)
{
    long n = atomic_fetch_add(&alloc_count, 1) + 1;
    long at = atomic_load(&alloc_fail_at);
    return at > 0 && n >= at;
}

long quire_alloc_fail_at(long n)
{
    long done = atomic_exchange(&alloc_count, 0);
    atomic_store(&alloc_fail_at, n);
    return done;
}

void *quire_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n ? n : 1);
}

void *quire_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *quire_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void quire_free(void *p)
{
    free(p);
}

char *quire_strndup(const char *s, size_t n)
{
    char *d = quire_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

int quire_array_grow(void *items_ptr, size_t item_size, void *cap_ptr, size_t cap_size,
                     size_t first)
{
    return quire_array_grow_n(items_ptr, item_size, cap_ptr, cap_size, 0, first);
}

int quire_array_grow_n(void *items_ptr, size_t item_size, void *cap_ptr, size_t cap_size,
                       size_t need, size_t first)
{
    assert(cap_size == sizeof(uint32_t) || cap_size == sizeof(size_t));
    size_t cap = 0, max = SIZE_MAX;
    if (cap_size == sizeof(uint32_t)) {
        uint32_t c;
        memcpy(&c, cap_ptr, sizeof c);
        cap = c;
        max = UINT32_MAX;
    } else {
        memcpy(&cap, cap_ptr, sizeof cap);
    }
    size_t n = cap ? cap * 2 : first;
    if (n < cap)
        return quire_error(QUIRE_ENOMEM, "out of memory");
    while (n < need) {
        if (n == 0)
            n = 1;
        else if (n > SIZE_MAX / 2)
            return quire_error(QUIRE_ENOMEM, "out of memory");
        else
            n *= 2;
    }
    if (n > max || item_size == 0 || n > SIZE_MAX / item_size)
        return quire_error(QUIRE_ENOMEM, "out of memory");
    void *items;
    memcpy(&items, items_ptr, sizeof items);
    void *grown = quire_realloc(items, n * item_size);
    if (grown == NULL)
        return quire_error(QUIRE_ENOMEM, "out of memory");
    memcpy(items_ptr, &grown, sizeof grown);
    if (cap_size == sizeof(uint32_t)) {
        const uint32_t c = (uint32_t)n;
        memcpy(cap_ptr, &c, sizeof c);
    } else {
        memcpy(cap_ptr, &n, sizeof n);
    }
    return QUIRE_OK;
}
