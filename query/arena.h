/*
 * arena.h - the per-query arena: the AST, the plan and the cursor trees of one query are
 * allocated here and freed together when the query ends, so no node needs its own free
 * and an error path frees everything with one call.
 */
#ifndef QUERY_ARENA_H
#define QUERY_ARENA_H

#include <stddef.h>

#include "quire/status.h"

typedef struct arena_chunk arena_chunk;

typedef struct arena {
    arena_chunk *chunks; /* newest first */
    size_t used;         /* bytes used in the newest chunk */
    size_t cap;          /* bytes in the newest chunk */
} arena;

#define ARENA_INIT                                                                                 \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Zeroed memory aligned for any type, owned by the arena; NULL on allocation failure
 * (through quire_malloc, so fault-injection tests reach it). */
void *arena_alloc(arena *a, size_t size);
/* A NUL-terminated copy of `len` bytes. */
char *arena_strndup(arena *a, const char *s, size_t len);
/* Free every allocation. Leaves the arena empty and reusable. */
void arena_free(arena *a);

#endif
