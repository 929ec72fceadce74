/*
 * segment_layout.h - constants shared by the segment writer and reader (FORMAT.md
 * "Segment files").
 */
#ifndef QUIRE_SEGMENT_LAYOUT_H
#define QUIRE_SEGMENT_LAYOUT_H

#include <stdint.h>
#include <stdio.h>

#define DMD_GROUP_DOCS     64 /* doc records per CRC-checked group in .dmd */
#define TER_STATS_LEN      64 /* .ter's index region: counts + where the dictionary index is */
#define STO_INDEX_ENTRY    16 /* per block: stream offset u64, file offset u64 */
#define STO_BLOCK_OVERHEAD 12 /* ulen u32, clen u32, ..., crc u32 */

/* First byte of a dictionary value; the inline kinds are format 3's. */
enum {
    TERM_VALUE_FORM = 0,
    TERM_VALUE_STEM = 1,
    TERM_VALUE_ALIAS = 2,
    TERM_VALUE_FORM_INLINE = 3,
    TERM_VALUE_STEM_INLINE = 4
};

static const char kind_tags[6][4] = {{'T', 'E', 'R', ' '}, {'D', 'O', 'C', ' '},
                                     {'P', 'O', 'S', ' '}, {'L', 'E', 'N', ' '},
                                     {'D', 'M', 'D', ' '}, {'S', 'T', 'O', ' '}};

static inline void segment_file_path(char *out, size_t cap, const char *dir, uint64_t id,
                                     const char *ext)
{
    snprintf(out, cap, "%s/seg-%08llx.%s", dir, (unsigned long long)id, ext);
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
