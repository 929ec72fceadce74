/*
 * segment_layout.h - constants shared by the segment writer and reader (FORMAT.md
 * "Segment files").
 */
#ifndef QUIRE_SEGMENT_LAYOUT_H
#define QUIRE_SEGMENT_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "quire/bytes.h"
#include "quire/segment.h"

#define DMD_GROUP_DOCS     64 /* doc records per CRC-checked group in .dmd */
/* first version whose .dmd records say where a text lies in its source file (src_line,
 * src_column, src_offset); the same version gave them a text map (QUIRE_TEXT_MAP_VERSION) */
#define DMD_SOURCE_VERSION 3
#define TER_STATS_LEN      64 /* .ter's index region: counts + where the dictionary index is */
#define STO_INDEX_ENTRY    16 /* per block: stream offset u64, file offset u64 */
#define STO_BLOCK_OVERHEAD 12 /* ulen u32, clen u32, ..., crc u32 */
/* a block's first le32: its uncompressed length, and from format 4 its codec in the top byte */
#define STO_ULEN_MASK 0x00FFFFFFu

/* First byte of a dictionary value; the inline kinds are format 3's. */
enum {
    TERM_VALUE_FORM = 0,
    TERM_VALUE_STEM = 1,
    TERM_VALUE_ALIAS = 2,
    TERM_VALUE_FORM_INLINE = 3,
    TERM_VALUE_STEM_INLINE = 4,
    TERM_VALUE_PAIR_SET = 5 /* format 4: the key 0xFE alone, the segment's pair set */
};

/* Whether `set` is a well-formed pair set (FORMAT.md "Pair terms"); segment_writer.c. */
bool segment_pair_set_is_valid(quire_bytes set);

static const char kind_tags[6][4] = {{'T', 'E', 'R', ' '}, {'D', 'O', 'C', ' '},
                                     {'P', 'O', 'S', ' '}, {'L', 'E', 'N', ' '},
                                     {'D', 'M', 'D', ' '}, {'S', 'T', 'O', ' '}};

static inline void segment_file_path(char *out, size_t cap, const char *dir, uint64_t id,
                                     const char *ext)
{
    snprintf(out, cap, "%s/seg-%08llx.%s", dir, (unsigned long long)id, ext);
}

/* Where a .dmd group's CRC starts: 0 before version 3; from version 3 the CRC of the
 * file's version (le32), so that a group is only read under the record layout it was
 * written with (a damaged version field cannot make a version-3 group parse as 2). */
static inline uint32_t dmd_crc_seed(uint32_t version)
{
    if (version < QUIRE_TEXT_MAP_VERSION)
        return 0;
    const uint8_t v[4] = {(uint8_t)version, (uint8_t)(version >> 8), (uint8_t)(version >> 16),
                          (uint8_t)(version >> 24)};
    return quire_crc32(0, v, sizeof v);
}

/* zigzag-coded date + 1, 0 = no date */
static inline uint64_t date_encode(int32_t date)
{
    if (date == INT32_MIN)
        return 0;
    return (uint64_t)(((uint32_t)date << 1) ^ (uint32_t)(date >> 31)) + 1;
}

static inline int32_t date_decode(uint64_t v)
{
    if (v == 0)
        return INT32_MIN;
    uint32_t z = (uint32_t)(v - 1);
    return (int32_t)((z >> 1) ^ (0u - (z & 1)));
}

#endif
