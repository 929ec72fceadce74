/*
 * fuzz_stored_text.c - the stored-text reader (.sto) fed an arbitrary file: the template
 * segment's other five files with the input as its .sto, opened and read whole (every
 * document's text, every stored-text block, verify).
 */
#include "fuzz_common.h"
#include "quire/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int linked;
    const char *dir = fz_scratch_dir();
    uint64_t id = fz_template_segment();
    if (!linked) {
        fz_link_template_segment(dir, QUIRE_SEG_STO);
        linked = 1;
    }
    char path[512];
    fz_segment_path(path, sizeof path, dir, id, quire_segment_file_ext[QUIRE_SEG_STO]);
    fz_write_file(path, data, size);
    quire_segment *seg = NULL;
    if (quire_segment_open(&seg, dir, id) == QUIRE_OK) {
        fz_walk_segment(seg, 1000);
        quire_segment_close(seg);
    }
    quire_error_clear();
    return 0;
}
