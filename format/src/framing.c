/*
 * framing.c - headers and footers of quire's files; see framing.h and FORMAT.md "Files".
 */
#include "framing.h"

#include <string.h>

#include "quire/segment.h"

static const uint8_t frame_magic[4] = {'Q', 'U', 'I', 'R'};
static const uint8_t footer_magic[4] = {'Q', 'E', 'N', 'D'};

void frame_write_header(quire_sink *s, const char kind[4], uint64_t owner_id)
{
    uint8_t h[FRAME_HEADER_LEN];
    memcpy(h, frame_magic, 4);
    memcpy(h + 4, kind, 4);
    quire_store_le32(h + 8, QUIRE_FORMAT_VERSION);
    quire_store_le32(h + 12, 0);
    quire_store_le64(h + 16, owner_id);
    quire_sink_write(s, h, sizeof h);
}

void frame_write_footer(quire_sink *s, const frame_footer *f)
{
    uint8_t t[FRAME_FOOTER_LEN];
    quire_store_le64(t, f->index_off);
    quire_store_le64(t + 8, f->index_len);
    quire_store_le32(t + 16, f->index_crc);
    quire_store_le32(t + 20, s->crc); /* everything written before the footer */
    quire_store_le64(t + 24, f->count);
    memcpy(t + 32, footer_magic, 4);
    quire_store_le32(t + 36, quire_crc32(0, t, 36));
    quire_sink_write(s, t, sizeof t);
}

int frame_check(quire_bytes file, const char kind[4], uint64_t owner_id, const char *name,
                frame_footer *f)
{
    const uint8_t *p = file.ptr;
    if (file.len < FRAME_HEADER_LEN + FRAME_FOOTER_LEN)
        return quire_corrupt("%s: file is truncated (%zu bytes)", name, file.len);
    if (memcmp(p, frame_magic, 4) != 0)
        return quire_corrupt("%s: not a quire file (bad magic)", name);
    if (memcmp(p + 4, kind, 4) != 0)
        return quire_corrupt("%s: wrong file kind '%.4s', expected '%.4s'", name,
                             (const char *)p + 4, kind);
    uint32_t version = quire_load_le32(p + 8);
    if (version < QUIRE_FORMAT_MIN_VERSION || version > QUIRE_FORMAT_VERSION)
        return quire_error(QUIRE_EVERSION,
                           "%s: format version %u, this build reads versions %u to %u", name,
                           version, QUIRE_FORMAT_MIN_VERSION, QUIRE_FORMAT_VERSION);
    if (quire_load_le32(p + 12) != 0)
        return quire_corrupt("%s: unknown header flags 0x%08x", name, quire_load_le32(p + 12));
    if (quire_load_le64(p + 16) != owner_id)
        return quire_corrupt("%s: belongs to segment %llu, not %llu", name,
                             (unsigned long long)quire_load_le64(p + 16),
                             (unsigned long long)owner_id);
    const uint8_t *t = p + file.len - FRAME_FOOTER_LEN;
    if (memcmp(t + 32, footer_magic, 4) != 0 || quire_load_le32(t + 36) != quire_crc32(0, t, 36))
        return quire_corrupt("%s: footer is damaged or the file is truncated", name);
    f->index_off = quire_load_le64(t);
    f->index_len = quire_load_le64(t + 8);
    f->index_crc = quire_load_le32(t + 16);
    f->body_crc = quire_load_le32(t + 20);
    f->count = quire_load_le64(t + 24);
    uint64_t body_end = file.len - FRAME_FOOTER_LEN;
    if (f->index_off < FRAME_HEADER_LEN || f->index_off > body_end ||
        f->index_len > body_end - f->index_off)
        return quire_corrupt("%s: index region outside the file", name);
    if (quire_crc32(0, p + f->index_off, f->index_len) != f->index_crc)
        return quire_corrupt("%s: index region checksum mismatch", name);
    return QUIRE_OK;
}

int frame_check_body(quire_bytes file, const frame_footer *f, const char *name)
{
    if (quire_crc32(0, file.ptr, file.len - FRAME_FOOTER_LEN) != f->body_crc)
        return quire_corrupt("%s: checksum mismatch (file damaged)", name);
    return QUIRE_OK;
}
