/*
 * deletes.c - deletion files (FORMAT.md "Deletions"); see deletes.h.
 *
 *   header (24: "QUIR" "DEL " version flags owner=segment id) | index region:
 *   generation u64 | doc_count u32 | bitmap ceil(doc_count/8) | footer (40, count =
 *   documents deleted).
 */
#include "quire/deletes.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "framing.h"
#include "quire/bytes.h"
#include "quire/fileio.h"
#include "quire/segment.h"

#define DEL_KIND "DEL "

static size_t bitmap_len(uint32_t doc_count)
{
    return ((size_t)doc_count + 7) / 8;
}

int quire_deletes_init(quire_deletes *d, uint32_t doc_count)
{
    memset(d, 0, sizeof *d);
    d->doc_count = doc_count;
    d->bits = quire_calloc(bitmap_len(doc_count) + 1, 1);
    if (!d->bits)
        return quire_oom();
    return QUIRE_OK;
}

int quire_deletes_copy(quire_deletes *dst, const quire_deletes *src)
{
    int rc = quire_deletes_init(dst, src->doc_count);
    if (rc == QUIRE_OK && src->bits) {
        memcpy(dst->bits, src->bits, bitmap_len(src->doc_count));
        dst->deleted_count = src->deleted_count;
    }
    return rc;
}

void quire_deletes_free(quire_deletes *d)
{
    if (!d)
        return;
    quire_free(d->bits);
    memset(d, 0, sizeof *d);
}

bool quire_deletes_set(quire_deletes *d, uint32_t doc)
{
    uint8_t m = (uint8_t)(1u << (doc & 7));
    if (d->bits[doc >> 3] & m)
        return false;
    d->bits[doc >> 3] |= m;
    d->deleted_count++;
    return true;
}

void quire_deletes_name(char *out, size_t cap, uint64_t seg_id, uint64_t gen)
{
    snprintf(out, cap, "seg-%08" PRIx64 ".del-%016" PRIx64, seg_id, gen);
}

static bool parse_hex(const char *s, size_t len, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int x = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
        if (x < 0)
            return false;
        *v = *v * 16 + (uint64_t)x;
    }
    return true;
}

bool quire_deletes_parse_name(const char *name, uint64_t *seg_id, uint64_t *gen)
{
    if (strncmp(name, "seg-", 4) != 0)
        return false;
    const char *dot = strchr(name + 4, '.');
    if (!dot)
        return false;
    size_t digits = (size_t)(dot - (name + 4));
    if (digits < 8 || digits > 16 || !parse_hex(name + 4, digits, seg_id))
        return false;
    if (strncmp(dot, ".del-", 5) != 0 || strlen(dot + 5) != 16)
        return false;
    return parse_hex(dot + 5, 16, gen) && *gen > 0;
}

static void deletes_path(char *out, size_t cap, const char *dir, uint64_t seg_id, uint64_t gen)
{
    char name[64];
    quire_deletes_name(name, sizeof name, seg_id, gen);
    snprintf(out, cap, "%s/%s", dir, name);
}

int quire_deletes_read(quire_deletes *d, const char *dir, uint64_t seg_id, uint64_t gen,
                       uint32_t doc_count)
{
    memset(d, 0, sizeof *d);
    char path[4200];
    deletes_path(path, sizeof path, dir, seg_id, gen);
    quire_buf b = QUIRE_BUF_INIT;
    int rc = quire_read_file(&b, path);
    if (rc != QUIRE_OK) {
        quire_buf_free(&b);
        if (rc == QUIRE_ENOMEM)
            return rc;
        return quire_corrupt("%s: deletion file named by the manifest cannot be read (%s)", path,
                             quire_errmsg());
    }
    frame_footer f;
    quire_bytes file = quire_bytes_of(b.data, b.len);
    rc = frame_check(file, DEL_KIND, seg_id, path, &f);
    size_t blen = bitmap_len(doc_count);
    if (rc == QUIRE_OK && quire_load_le32(b.data + 8) < 2)
        rc = quire_corrupt("%s: a deletion file of format version 1 (version 1 had none)", path);
    if (rc == QUIRE_OK)
        rc = frame_check_body(file, &f, path);
    if (rc == QUIRE_OK && (f.index_off != FRAME_HEADER_LEN || f.index_len != 12 + blen))
        rc = quire_corrupt("%s: %llu bytes of deletions, expected %zu for %u documents", path,
                           (unsigned long long)f.index_len, 12 + blen, doc_count);
    const uint8_t *p = b.data + FRAME_HEADER_LEN;
    if (rc == QUIRE_OK && quire_load_le64(p) != gen)
        rc = quire_corrupt("%s: written by generation %llu, not %llu", path,
                           (unsigned long long)quire_load_le64(p), (unsigned long long)gen);
    if (rc == QUIRE_OK && quire_load_le32(p + 8) != doc_count)
        rc = quire_corrupt("%s: for %u documents, the segment has %u", path, quire_load_le32(p + 8),
                           doc_count);
    if (rc == QUIRE_OK)
        rc = quire_deletes_init(d, doc_count);
    if (rc == QUIRE_OK) {
        memcpy(d->bits, p + 12, blen);
        uint64_t set = 0;
        for (size_t i = 0; i < blen; i++)
            set += (uint64_t)__builtin_popcount(d->bits[i]);
        if (doc_count % 8 && (d->bits[blen - 1] >> (doc_count % 8)))
            rc = quire_corrupt("%s: bits set past the last document", path);
        else if (set != f.count)
            rc = quire_corrupt("%s: %llu documents marked, the footer says %llu", path,
                               (unsigned long long)set, (unsigned long long)f.count);
        d->deleted_count = (uint32_t)set;
    }
    quire_buf_free(&b);
    if (rc != QUIRE_OK)
        quire_deletes_free(d);
    return rc;
}

int quire_deletes_write(const char *dir, uint64_t seg_id, uint64_t gen, const quire_deletes *d)
{
    char path[4200];
    deletes_path(path, sizeof path, dir, seg_id, gen);
    unlink(path); /* a leftover of an interrupted commit of this very generation */
    quire_sink s;
    int rc = quire_sink_open(&s, path);
    if (rc != QUIRE_OK)
        return rc;
    frame_write_header(&s, DEL_KIND, seg_id);
    size_t blen = bitmap_len(d->doc_count);
    uint8_t head[12];
    quire_store_le64(head, gen);
    quire_store_le32(head + 8, d->doc_count);
    uint32_t icrc = quire_crc32(0, head, sizeof head);
    icrc = quire_crc32(icrc, d->bits, blen);
    quire_sink_write(&s, head, sizeof head);
    quire_sink_write(&s, d->bits, blen);
    frame_footer f = {FRAME_HEADER_LEN, 12 + blen, icrc, 0, d->deleted_count};
    frame_write_footer(&s, &f);
    rc = quire_sink_finish(&s);
    if (rc != QUIRE_OK)
        unlink(path);
    return rc;
}
