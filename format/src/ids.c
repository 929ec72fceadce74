/*
 * ids.c - id index files (FORMAT.md "Id index (.ids)"); see ids.h.
 *
 *   header (24: "QUIR" "IDS " version flags owner=segment id) | blocks of QUIRE_IDS_BLOCK
 *   entries (hash le64, doc le32), each followed by the CRC-32 of its entries | index
 *   region: the first hash of each block, le64 | footer (40, count = entries).
 */
#include "quire/ids.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "framing.h"
#include "quire/bytes.h"
#include "quire/fileio.h"

#define IDS_KIND  "IDS "
#define ENTRY_LEN 12

struct quire_ids {
    quire_map map;
    frame_footer f;
    uint32_t count, blocks;
    const uint8_t *index; /* blocks x le64 */
};

uint64_t quire_id_hash(const void *id, size_t len)
{
    const uint8_t *p = id;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h ? h : 1;
}

static uint64_t block_offset(uint32_t b)
{
    return FRAME_HEADER_LEN + (uint64_t)b * (QUIRE_IDS_BLOCK * ENTRY_LEN + 4);
}

static uint32_t block_entries(const quire_ids *ids, uint32_t b)
{
    uint32_t left = ids->count - b * QUIRE_IDS_BLOCK;
    return left < QUIRE_IDS_BLOCK ? left : QUIRE_IDS_BLOCK;
}

static const char *name_of(const quire_ids *ids)
{
    return ids->map.path;
}

int quire_ids_open(quire_ids **out, const char *dir, uint64_t seg_id, uint32_t doc_count)
{
    *out = NULL;
    quire_ids *ids = quire_calloc(1, sizeof *ids);
    if (!ids)
        return quire_oom();
    char path[4200];
    snprintf(path, sizeof path, "%s/seg-%08" PRIx64 ".ids", dir, seg_id);
    int rc = quire_map_open(&ids->map, path);
    if (rc == QUIRE_OK)
        rc = frame_check(ids->map.bytes, IDS_KIND, seg_id, path, &ids->f);
    if (rc == QUIRE_OK) {
        ids->count = doc_count;
        ids->blocks = (doc_count + QUIRE_IDS_BLOCK - 1) / QUIRE_IDS_BLOCK;
        uint64_t data_end = block_offset(ids->blocks);
        if (doc_count % QUIRE_IDS_BLOCK)
            data_end -= (uint64_t)(QUIRE_IDS_BLOCK - doc_count % QUIRE_IDS_BLOCK) * ENTRY_LEN;
        if (ids->f.count != doc_count)
            rc = quire_corrupt("%s: %llu entries, the segment has %u documents", path,
                               (unsigned long long)ids->f.count, doc_count);
        else if (ids->f.index_off != data_end || ids->f.index_len != (uint64_t)ids->blocks * 8)
            rc = quire_corrupt("%s: blocks and index do not fit %u entries", path, doc_count);
        else
            ids->index = ids->map.bytes.ptr + ids->f.index_off;
    }
    if (rc != QUIRE_OK) {
        quire_ids_close(ids);
        return rc;
    }
    *out = ids;
    return QUIRE_OK;
}

void quire_ids_close(quire_ids *ids)
{
    if (!ids)
        return;
    quire_map_close(&ids->map);
    quire_free(ids);
}

/* Block b's entries, after checking its CRC. */
static int load_block(const quire_ids *ids, uint32_t b, const uint8_t **entries, uint32_t *n)
{
    *n = block_entries(ids, b);
    *entries = ids->map.bytes.ptr + block_offset(b);
    uint32_t want = quire_load_le32(*entries + (size_t)*n * ENTRY_LEN);
    if (quire_crc32(0, *entries, (size_t)*n * ENTRY_LEN) != want)
        return quire_corrupt("%s: block %u: checksum mismatch", name_of(ids), b);
    if (quire_load_le64(*entries) != quire_load_le64(ids->index + (size_t)b * 8))
        return quire_corrupt("%s: block %u: first hash differs from the index", name_of(ids), b);
    return QUIRE_OK;
}

int quire_ids_find(const quire_ids *ids, uint64_t hash, quire_ids_fn fn, void *ctx)
{
    /* the first block whose first hash is >= hash; equal hashes may start one before */
    uint32_t lo = 0, hi = ids->blocks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (quire_load_le64(ids->index + (size_t)mid * 8) < hash)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (uint32_t b = lo > 0 ? lo - 1 : 0; b < ids->blocks; b++) {
        const uint8_t *e;
        uint32_t n;
        int rc = load_block(ids, b, &e, &n);
        if (rc != QUIRE_OK)
            return rc;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t h = quire_load_le64(e + (size_t)i * ENTRY_LEN);
            if (h > hash)
                return QUIRE_OK;
            if (h != hash)
                continue;
            uint32_t doc = quire_load_le32(e + (size_t)i * ENTRY_LEN + 8);
            if (doc >= ids->count)
                return quire_corrupt("%s: doc %u of %u", name_of(ids), doc, ids->count);
            fn(ctx, doc);
        }
    }
    return QUIRE_OK;
}

int quire_ids_verify(const quire_ids *ids, const quire_segment *seg, quire_report_fn report,
                     void *ctx)
{
    char line[600];
    int problems = 0;
    if (frame_check_body(ids->map.bytes, &ids->f, name_of(ids)) != QUIRE_OK) {
        report(ctx, quire_errmsg());
        problems++;
    }
    uint8_t *seen = quire_calloc((size_t)ids->count / 8 + 1, 1);
    if (!seen)
        return quire_oom();
    uint64_t prev_h = 0;
    uint32_t prev_d = 0;
    bool first = true;
    int rc = QUIRE_OK;
    for (uint32_t b = 0; b < ids->blocks && rc == QUIRE_OK; b++) {
        const uint8_t *e;
        uint32_t n;
        if (load_block(ids, b, &e, &n) != QUIRE_OK) {
            report(ctx, quire_errmsg());
            problems++;
            continue;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint64_t h = quire_load_le64(e + (size_t)i * ENTRY_LEN);
            uint32_t d = quire_load_le32(e + (size_t)i * ENTRY_LEN + 8);
            const char *bad = NULL;
            if (!first && (h < prev_h || (h == prev_h && d <= prev_d)))
                bad = "entries out of order";
            else if (d >= ids->count)
                bad = "doc id out of range";
            else if ((seen[d / 8] >> (d % 8)) & 1)
                bad = "a document listed twice";
            if (!bad) {
                seen[d / 8] |= (uint8_t)(1u << (d % 8));
                quire_doc_info info;
                rc = quire_segment_doc_info(seg, d, &info);
                if (rc == QUIRE_ENOMEM)
                    break;
                if (rc != QUIRE_OK) {
                    rc = QUIRE_OK; /* .dmd's own problem, reported by its verify */
                } else if (quire_id_hash(info.external_id.ptr, info.external_id.len) != h) {
                    bad = "hash differs from the document's id";
                }
            }
            if (bad) {
                snprintf(line, sizeof line, "%s: block %u entry %u (doc %u): %s", name_of(ids), b,
                         i, d, bad);
                report(ctx, line);
                problems++;
            }
            prev_h = h;
            prev_d = d;
            first = false;
        }
    }
    quire_free(seen);
    if (rc != QUIRE_OK)
        return rc;
    return problems ? QUIRE_ECORRUPT : QUIRE_OK;
}

static int cmp_pair(const void *a, const void *b)
{
    uint64_t x = quire_load_le64(a), y = quire_load_le64(b);
    if (x != y)
        return x < y ? -1 : 1;
    uint32_t u = quire_load_le32((const uint8_t *)a + 8),
             v = quire_load_le32((const uint8_t *)b + 8);
    return u < v ? -1 : u > v;
}

int quire_ids_write(const char *dir, uint64_t seg_id, uint8_t *pairs, uint32_t n)
{
    if (n > 1)
        qsort(pairs, n, ENTRY_LEN, cmp_pair);
    char path[4200];
    snprintf(path, sizeof path, "%s/seg-%08" PRIx64 ".ids", dir, seg_id);
    unlink(path); /* a leftover of an interrupted run that had the same id */
    quire_sink s;
    int rc = quire_sink_open(&s, path);
    if (rc != QUIRE_OK)
        return rc;
    frame_write_header(&s, IDS_KIND, seg_id);
    quire_buf index = QUIRE_BUF_INIT;
    for (uint32_t b = 0; b * (uint64_t)QUIRE_IDS_BLOCK < n; b++) {
        uint32_t k =
            n - b * QUIRE_IDS_BLOCK < QUIRE_IDS_BLOCK ? n - b * QUIRE_IDS_BLOCK : QUIRE_IDS_BLOCK;
        const uint8_t *e = pairs + (size_t)b * QUIRE_IDS_BLOCK * ENTRY_LEN;
        quire_buf_put(&index, e, 8);
        quire_sink_write(&s, e, (size_t)k * ENTRY_LEN);
        quire_sink_put_le32(&s, quire_crc32(0, e, (size_t)k * ENTRY_LEN));
    }
    if (index.err) {
        quire_sink_abort(&s);
        quire_buf_free(&index);
        return quire_oom();
    }
    frame_footer f = {s.offset, index.len, quire_crc32(0, index.data, index.len), 0, n};
    if (index.len)
        quire_sink_write(&s, index.data, index.len);
    frame_write_footer(&s, &f);
    quire_buf_free(&index);
    rc = quire_sink_finish(&s);
    if (rc != QUIRE_OK)
        unlink(path);
    return rc;
}
