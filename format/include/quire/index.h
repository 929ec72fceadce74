/*
 * index.h - a reader's snapshot of an index: the newest good manifest and its segments,
 * opened together. A snapshot never changes: a commit made after it was opened is seen by
 * the next open. Documents get global doc ids: segment i's local doc d is
 * quire_index_doc_base(ix, i) + d, so doc ids follow the order documents were added.
 */
#ifndef QUIRE_INDEX_H
#define QUIRE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "quire/deletes.h"
#include "quire/manifest.h"
#include "quire/segment.h"
#include "quire/status.h"

typedef struct quire_index quire_index;

/* Open the index in `dir`. QUIRE_ENOTFOUND if there is no index there. If the newest
 * manifest was damaged and an older one was used, *fell_back (may be NULL) is set and
 * quire_errmsg() names the damaged file. */
QUIRE_MUST_CHECK int quire_index_open(quire_index **out, const char *dir, bool *fell_back);
void quire_index_close(quire_index *ix);

const quire_manifest *quire_index_manifest(const quire_index *ix);
uint32_t quire_index_segment_count(const quire_index *ix);
const quire_segment *quire_index_segment(const quire_index *ix, uint32_t i);
uint64_t quire_index_doc_base(const quire_index *ix, uint32_t i);
/* Live documents and their tokens (collection statistics for BM25). */
uint64_t quire_index_doc_count(const quire_index *ix);
uint64_t quire_index_total_tokens(const quire_index *ix);
/* Whether a segment's document is deleted (its segment's deletion file, FORMAT.md
 * "Deletions", loaded and checked against the manifest at open). */
bool quire_index_is_deleted(const quire_index *ix, uint32_t seg, uint32_t doc);
/* The segment's deletions; NULL if it has none. */
const quire_deletes *quire_index_deletes(const quire_index *ix, uint32_t seg);
/* The number of live documents holding term `t` (looked up in segment seg): the
 * dictionary's df minus the deleted documents among its postings, found by seeking the
 * postings to each deleted document (or by reading them all when that is cheaper), so
 * ranking statistics are exact as soon as a deletion commits, not only after a merge. */
QUIRE_MUST_CHECK int quire_index_live_df(const quire_index *ix, uint32_t seg, const quire_term *t,
                                         uint64_t *df);

#endif
