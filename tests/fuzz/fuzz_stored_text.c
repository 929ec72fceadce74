/*
 * fuzz_stored_text.c - the stored-text reader (.sto) fed an arbitrary file: the template
 * segment's other five files with the input as its .sto, opened, and every document's
 * text and every stored-text block read (and, when the first byte is odd and the file's
 * check passes, the whole segment with its verify). A document's text must have the
 * length its metadata gives.
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
        /* what reads .sto: every document's text, the blocks, the file check; the rest of
         * the segment is the template's (fuzz_segment walks all of it) */
        const quire_segment_stats *st = quire_segment_get_stats(seg);
        quire_buf text = QUIRE_BUF_INIT;
        for (uint32_t d = 0; d < st->doc_count; d++) {
            quire_doc_info info;
            if (quire_segment_doc_info(seg, d, &info) != QUIRE_OK)
                continue;
            text.len = 0;
            if (quire_segment_doc_text(seg, d, &text) == QUIRE_OK)
                FZ_CHECK(text.len == info.text_len);
        }
        quire_buf_free(&text);
        uint64_t blocks = quire_segment_store_block_count(seg);
        for (uint64_t b = 0; b < blocks && b < 1000; b++) {
            quire_bytes blk;
            if (quire_segment_store_block(seg, b, &blk) != QUIRE_OK)
                break;
        }
        if (quire_segment_check_file(seg, QUIRE_SEG_STO) == QUIRE_OK && size > 0 && (data[0] & 1))
            fz_walk_segment(seg, 1000); /* now and then, the verify too */
        quire_segment_close(seg);
    }
    quire_error_clear();
    return 0;
}
