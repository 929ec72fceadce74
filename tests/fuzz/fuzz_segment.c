/*
 * fuzz_segment.c - the segment reader fed arbitrary files.
 * Input: six le32 lengths, then the six files of a segment one after the other (.ter .doc
 * .pos .len .dmd .sto; a length past the end takes what is left). They are written into a
 * scratch folder as segment 1, opened, and read whole (fz_walk_segment), verify included.
 */
#include <string.h>

#include "fuzz_common.h"
#include "quire/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 * QUIRE_SEG_FILE_COUNT)
        return 0;
    const char *dir = fz_scratch_dir();
    const uint8_t *p = data + 4 * QUIRE_SEG_FILE_COUNT, *end = data + size;
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++) {
        size_t n = quire_load_le32(data + 4 * i);
        if (n > (size_t)(end - p))
            n = (size_t)(end - p);
        char path[512];
        fz_segment_path(path, sizeof path, dir, 1, quire_segment_file_ext[i]);
        fz_write_file(path, p, n);
        p += n;
    }
    quire_segment *seg = NULL;
    if (quire_segment_open(&seg, dir, 1) == QUIRE_OK) {
        fz_walk_segment(seg, 1000);
        quire_segment_close(seg);
    }
    quire_error_clear();
    return 0;
}
