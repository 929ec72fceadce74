/*
 * revdict.h - a segment's reversed form dictionary (seg-<id>.rvd, FORMAT.md "Reversed
 * forms (.rvd)", version 4): internal to format/ (the segment writer writes it, the
 * segment reader opens it, quire_segment_verify checks it); queries reach it through
 * quire_segment_revdict() (quire/segment.h).
 */
#ifndef QUIRE_REVDICT_H
#define QUIRE_REVDICT_H

#include <stdint.h>

#include "framing.h"
#include "quire/bytes.h"
#include "quire/fileio.h"
#include "quire/segment.h"
#include "quire/termdict.h"

#define RVD_KIND      "RVD "
#define RVD_INDEX_LEN 16 /* the footer's index region: dict_index_off le64, dict_index_len le64 */

typedef struct revdict {
    quire_map map;
    frame_footer f;
    quire_termdict *dict;
    char *name; /* the path, for messages */
} revdict;

/* Write seg-<id>.rvd from the segment's forms: `forms` holds form_count (varint length,
 * bytes) records in ascending order. A segment one of whose forms is not valid UTF-8 gets
 * no file (queries then walk the forms themselves). QUIRE_OK or an I/O error. */
QUIRE_MUST_CHECK int revdict_write(const char *dir, uint64_t id, const quire_buf *forms,
                                   uint64_t form_count);

/* Open seg-<id>.rvd: *out = NULL (and QUIRE_OK) when the segment has none; a file that is
 * there but damaged, or whose count is not form_count, is QUIRE_ECORRUPT naming it. */
QUIRE_MUST_CHECK int revdict_open(revdict **out, const char *dir, uint64_t id,
                                  uint64_t form_count);
void revdict_close(revdict *r);

/* --verify: the body CRC, every block, keys ascending and valid UTF-8, and each key's
 * reversal a form of the segment (with the count, every form exactly once). Each problem
 * is a line to report; returns the number of problems, or -1 out of memory. */
int64_t revdict_verify(const revdict *r, const quire_segment *seg, quire_report_fn report,
                       void *ctx);

#endif
