/*
 * idmap.h - external id -> documents, for replacing and deleting by id.
 *
 * Each segment has an id index (.ids: sorted id hashes with their doc ids, FORMAT.md "Id
 * index"): a lookup is a binary search in each segment's, confirmed by reading the id back
 * from .dmd, so finding the night's ids costs in proportion to the night's documents (times
 * the number of segments), not to the index. Segments without one (format version 1) have
 * the ids of their live documents read from .dmd once, at the start, into a hash table of
 * (64-bit hash, segment, doc): 16 bytes a document. One id may map to several documents
 * (indexes written before replacement existed may hold duplicates): a lookup yields all.
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

/* Look up the live documents of the index in `dir` (NULL: none): open each segment's id
 * index, or read the ids of a segment without one. */
QUIRE_MUST_CHECK int idmap_add_index(idmap *m, const quire_index *ix, const char *dir);
/* Documents whose ids were read from .dmd because their segment has no id index. */
uint64_t idmap_scanned(const idmap *m);

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
