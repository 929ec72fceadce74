/*
 * arena.c - bump allocation in chunks that double in size, freed all at once.
 */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

struct arena_chunk {
    arena_chunk *next;
    alignas(max_align_t) unsigned char data[];
};

#define ARENA_FIRST_CHUNK 4096 /* bytes; a bag-of-words query fits in one */

void *arena_alloc(arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + align - 1) & ~(align - 1);
    if (a->chunks == NULL || a->cap - a->used < size) {
        size_t cap = a->cap ? a->cap * 2 : ARENA_FIRST_CHUNK;
        while (cap < size)
            cap *= 2;
        arena_chunk *c = quire_malloc(sizeof *c + cap);
        if (c == NULL)
            return NULL;
        c->next = a->chunks;
        a->chunks = c;
        a->cap = cap;
        a->used = 0;
    }
    void *p = a->chunks->data + a->used;
    a->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void arena_free(arena *a)
{
    arena_chunk *c = a->chunks;
    while (c != NULL) {
        arena_chunk *next = c->next;
        quire_free(c);
        c = next;
    }
    a->chunks = NULL;
    a->used = 0;
    a->cap = 0;
}
