/*
 * deletes.h - which documents of a segment are deleted, as of one commit (FORMAT.md
 * "Deletions"). Segments are immutable, so a deletion is recorded beside the segment in a
 * file seg-<id>.del-<gen> written by commit <gen> and named by that commit's manifest
 * (deletes_gen). A later commit that deletes more writes a new file with every deletion so
 * far: a manifest names at most one deletion file per segment, and an older file stays as
 * long as an older kept manifest names it.
 */
#ifndef QUIRE_DELETES_H
#define QUIRE_DELETES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/status.h"

typedef struct quire_deletes {
    uint32_t doc_count;     /* documents of the segment */
    uint32_t deleted_count; /* bits set */
    uint8_t *bits;          /* ceil(doc_count / 8) bytes: bit d%8 of byte d/8 = doc d deleted */
} quire_deletes;

/* An empty set over doc_count documents. */
QUIRE_MUST_CHECK int quire_deletes_init(quire_deletes *d, uint32_t doc_count);
QUIRE_MUST_CHECK int quire_deletes_copy(quire_deletes *dst, const quire_deletes *src);
void quire_deletes_free(quire_deletes *d);

static inline bool quire_deletes_has(const quire_deletes *d, uint32_t doc)
{
    return d->bits != NULL && doc < d->doc_count && (d->bits[doc >> 3] >> (doc & 7)) & 1;
}

/* Mark doc deleted; true if it was live. doc must be < doc_count. */
bool quire_deletes_set(quire_deletes *d, uint32_t doc);

/* The file name (not the path) of segment seg_id's deletions of generation gen. */
void quire_deletes_name(char *out, size_t cap, uint64_t seg_id, uint64_t gen);
/* Parse such a name: true with *seg_id and *gen if it is one. */
bool quire_deletes_parse_name(const char *name, uint64_t *seg_id, uint64_t *gen);

/* Read and check seg-<seg_id>.del-<gen> in dir: frame, CRCs, generation, doc_count,
 * unused bits zero, count equal to the bits set. QUIRE_ECORRUPT naming the file. */
QUIRE_MUST_CHECK int quire_deletes_read(quire_deletes *d, const char *dir, uint64_t seg_id,
                                        uint64_t gen, uint32_t doc_count);
/* Write it (replacing a leftover of the same name from an interrupted run) and fsync it.
 * Invisible until a manifest names it. On failure the file is removed. */
QUIRE_MUST_CHECK int quire_deletes_write(const char *dir, uint64_t seg_id, uint64_t gen,
                                         const quire_deletes *d);

#endif
