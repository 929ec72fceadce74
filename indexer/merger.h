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

#include "quire/segment.h"
#include "quire/status.h"

/* Merge `inputs` (open segments, in doc order) into a new segment `out_id` in `dir`. */
QUIRE_MUST_CHECK int merger_run(const char *dir, const quire_segment *const *inputs,
                                uint32_t input_count, uint64_t out_id, quire_segment_stats *stats);

#endif
