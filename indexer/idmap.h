/*
 * idmap.h - external id -> documents, for replacing and deleting by id.
 *
 * An index's ids live in each segment's .dmd. A writer that must find ids (a run that
 * adds to an existing index, --delete) reads the ids of every live document once at the
 * start into this hash table of (64-bit hash, segment, doc): 16 bytes a document, no
 * copy of the ids; a hit is confirmed by reading the id back from .dmd. One id may map to
 * several documents (indexes written before replacement existed may hold duplicates):
 * a lookup yields them all.
 *
 * The run's own documents are tracked the same way with segment = IDMAP_RUN and doc = the
 * run's ordinal, the id bytes copied (they are gone from the batches by the time of a
 * later duplicate).
 */
#ifndef QUIRE_IDMAP_H
#define QUIRE_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/index.h"
#include "quire/status.h"

#define IDMAP_RUN UINT32_MAX

typedef struct idmap idmap;

QUIRE_MUST_CHECK int idmap_new(idmap **out);
void idmap_free(idmap *m);

/* Add every live document of the index (NULL: nothing). */
QUIRE_MUST_CHECK int idmap_add_index(idmap *m, const quire_index *ix);

/* Find the documents with this id. Calls fn for each (seg, doc); IDMAP_RUN entries are
 * the run's. Returns QUIRE_OK or an error from reading .dmd. */
typedef void (*idmap_hit_fn)(void *ctx, uint32_t seg, uint32_t doc);
QUIRE_MUST_CHECK int idmap_find(const idmap *m, const char *id, size_t len, idmap_hit_fn fn,
                                void *ctx);

/* Record a run document: the id now names run ordinal `ordinal`, replacing any earlier
 * run document with it (whose ordinal goes to *previous, UINT32_MAX if none). */
QUIRE_MUST_CHECK int idmap_put_run(idmap *m, const char *id, size_t len, uint32_t ordinal,
                                   uint32_t *previous);

#endif
