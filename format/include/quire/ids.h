/*
 * ids.h - a segment's id index (FORMAT.md "Id index (.ids)"): every document's external id
 * hash with its doc id, sorted, so that a writer finds the documents of an id (to replace
 * or delete them) with a binary search per segment instead of reading every .dmd record.
 * The segment writer writes it beside the six segment files; a segment without one (written
 * by format version 1) is looked up by reading its ids from .dmd.
 */
#ifndef QUIRE_IDS_H
#define QUIRE_IDS_H

#include <stddef.h>
#include <stdint.h>

#include "quire/segment.h"
#include "quire/status.h"

#define QUIRE_IDS_BLOCK 256 /* entries a block */

/* The id hash of FORMAT.md: FNV-1a 64 of the bytes, then a murmur3 finaliser; never 0. */
uint64_t quire_id_hash(const void *id, size_t len);

typedef struct quire_ids quire_ids;

/* Open seg-<seg_id>.ids in dir and check its frame, index CRC and entry count.
 * QUIRE_ENOTFOUND if the segment has none; QUIRE_ECORRUPT naming the file. */
QUIRE_MUST_CHECK int quire_ids_open(quire_ids **out, const char *dir, uint64_t seg_id,
                                    uint32_t doc_count);
void quire_ids_close(quire_ids *ids);

/* Call fn for each document whose id hash is `hash` (checking the CRC of each block read).
 * The caller confirms the id itself (hashes may collide). */
typedef void (*quire_ids_fn)(void *ctx, uint32_t doc);
QUIRE_MUST_CHECK int quire_ids_find(const quire_ids *ids, uint64_t hash, quire_ids_fn fn,
                                    void *ctx);

/* --verify: whole-file CRC, every block's CRC, entries strictly ascending by (hash, doc),
 * every document exactly once with the hash of its id in .dmd. Problems go to report. */
QUIRE_MUST_CHECK int quire_ids_verify(const quire_ids *ids, const quire_segment *seg,
                                      quire_report_fn report, void *ctx);

/* Write the id index of a segment of n documents from n (hash, doc) pairs (sorted here).
 * `pairs` holds 12 bytes a document: hash le64, doc le32, in any order. */
QUIRE_MUST_CHECK int quire_ids_write(const char *dir, uint64_t seg_id, uint8_t *pairs, uint32_t n);

#endif
