/*
 * framing.h - the frame every quire file has (FORMAT.md "Files"): a 24-byte header
 *   magic "QUIR" | kind (4 ASCII bytes) | version u32 | flags u32 | owner id u64
 * and, for segment files, a 40-byte footer
 *   index_off u64 | index_len u64 | index_crc u32 | body_crc u32 | count u64 |
 *   "QEND" | footer_crc u32 (CRC-32 of the footer's first 36 bytes)
 * where body_crc covers every byte before the footer and index_crc the index region.
 */
#ifndef QUIRE_FRAMING_H
#define QUIRE_FRAMING_H

#include <stdint.h>

#include "quire/bytes.h"
#include "quire/fileio.h"

#define FRAME_HEADER_LEN 24
#define FRAME_FOOTER_LEN 40

typedef struct frame_footer {
    uint64_t index_off;
    uint64_t index_len;
    uint32_t index_crc;
    uint32_t body_crc;
    uint64_t count;
} frame_footer;

void frame_write_header(quire_sink *s, const char kind[4], uint64_t owner_id);
/* Write the footer; index_crc must be computed by the caller over the index region. */
void frame_write_footer(quire_sink *s, const frame_footer *f);

/* Check header (magic, kind, version, owner id) and footer (magic, CRC, offsets inside the
 * file, index CRC). `name` names the file in messages. */
QUIRE_MUST_CHECK int frame_check(quire_bytes file, const char kind[4], uint64_t owner_id,
                                 const char *name, frame_footer *f);
/* Check body_crc (verify only: reads the whole file). */
QUIRE_MUST_CHECK int frame_check_body(quire_bytes file, const frame_footer *f, const char *name);

#endif
