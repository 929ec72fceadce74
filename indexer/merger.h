/*
 * merger.h - k-way merge of segments into one. Documents keep their order (segment by
 * segment), so doc ids in the output are the inputs' doc ids shifted by the sizes of the
 * segments before; terms are merged in key order; stored text is copied block by block
 * without recompression. Memory is one postings cursor per input plus the output writer's
 * buffers, whatever the sizes.
 */
#ifndef QUIRE_MERGER_H
#define QUIRE_MERGER_H

#include <stdint.h>

#include "quire/deletes.h"
#include "quire/segment.h"
#include "quire/status.h"

/* Merge `inputs` (open segments, in doc order) into a new segment `out_id` in `dir`.
 * `dels` (NULL, or one entry per input, NULL where the input has none) marks documents
 * left out: their postings, metadata and text are dropped, later documents move up, and
 * terms only they held disappear (from stems' form lists too). Stored text of an input
 * without deletions is copied block by block; that of an input with deletions is inflated
 * document by document and compressed again at zlib level `zlib_level`. QUIRE_ENOTFOUND if
 * nothing is left alive (no segment is written then). */
QUIRE_MUST_CHECK int merger_run(const char *dir, const quire_segment *const *inputs,
                                const quire_deletes *const *dels, uint32_t input_count,
                                uint64_t out_id, int zlib_level, quire_segment_stats *stats);

#endif
