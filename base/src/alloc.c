/*
 * alloc.c - the one allocation hook of quire's libraries. Tests fail the n-th allocation
 * (and all after it) with quire_alloc_fail_at(n) to check that every path returns
 * QUIRE_ENOMEM cleanly and leaks nothing.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

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
