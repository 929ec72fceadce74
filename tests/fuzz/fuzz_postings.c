/*
 * fuzz_postings.c - the postings and positions decoders on arbitrary bytes.
 * Input: a postings meta as the dictionary stores it (varints: df cf doc_off doc_len
 * pos_off pos_len), a le32 n, then n bytes of .doc and the rest as .pos; or, after a first
 * byte 0xFF, inline postings as format 3's dictionary stores them (varints df cf-df
 * doc_len pos_len, then those bytes), read with empty files. A cursor walks
 * every posting with its positions; a second one jumps (advance, shallow_advance) to
 * targets taken from the .pos bytes. Checks: doc ids strictly ascend and never reach past
 * QUIRE_DOC_END, tf >= 1, a posting has tf positions, never descending; a cursor gives at most
 * df postings; impacts are within the lists' sizes.
 */
#include <string.h>

#include "fuzz_common.h"
#include "quire/postings.h"

static void walk(const quire_bytes doc, const quire_bytes pos, const quire_postings_meta *m)
{
    quire_postings_cursor c;
    if (quire_postings_open(&c, doc, pos, m) != QUIRE_OK) {
        quire_postings_close(&c);
        return;
    }
    FZ_CHECK(c.term_impact_count <= QUIRE_MAX_IMPACTS);
    uint32_t n = 0, last = 0;
    while (quire_postings_next(&c) == QUIRE_OK && c.doc != QUIRE_DOC_END) {
        FZ_CHECK(n == 0 || c.doc > last);
        FZ_CHECK(c.tf >= 1);
        FZ_CHECK(c.block_impact_count <= QUIRE_MAX_IMPACTS);
        FZ_CHECK(c.doc <= c.block_last_doc);
        last = c.doc;
        n++;
        FZ_CHECK(n <= m->df);
        const uint32_t *p;
        uint32_t count;
        int rc = quire_postings_positions(&c, &p, &count);
        if (rc == QUIRE_OK) {
            FZ_CHECK(count == c.tf);
            for (uint32_t i = 1; i < count; i++)
                FZ_CHECK(p[i] >= p[i - 1]); /* the format allows equal positions */
        } else if (rc != QUIRE_EINVAL) {
            break;
        }
    }
    quire_postings_close(&c);
}

static void jump(const quire_bytes doc, const quire_bytes pos, const quire_postings_meta *m,
                 const uint8_t *targets, size_t nt)
{
    quire_postings_cursor c;
    if (quire_postings_open(&c, doc, pos, m) != QUIRE_OK) {
        quire_postings_close(&c);
        return;
    }
    uint32_t at = 0;
    for (size_t i = 0; i + 2 <= nt && i < 64; i += 2) {
        uint32_t target = at + (uint32_t)targets[i] * (targets[i + 1] & 0x7f) + 1;
        int rc;
        if (targets[i + 1] & 0x80) {
            rc = quire_postings_shallow_advance(&c, target);
            if (rc != QUIRE_OK)
                break;
            FZ_CHECK(c.block_impact_count <= QUIRE_MAX_IMPACTS);
            continue;
        }
        rc = quire_postings_advance(&c, target);
        if (rc != QUIRE_OK || c.doc == QUIRE_DOC_END)
            break;
        FZ_CHECK(c.doc >= target);
        at = c.doc;
    }
    quire_postings_close(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    quire_postings_meta m;
    if (size > 0 && data[0] == 0xFF) { /* inline */
        uint8_t *v = malloc(size); /* a copy, so that ASan sees reads past the entry */
        memcpy(v, data + 1, size - 1);
        const uint8_t *q = v;
        if (quire_postings_meta_decode_inline(&m, &q, v + size - 1) == QUIRE_OK) {
            quire_bytes none = quire_bytes_of(NULL, 0);
            walk(none, none, &m);
            jump(none, none, &m, q, (size_t)(v + size - 1 - q));
        }
        free(v);
        quire_error_clear();
        return 0;
    }
    if (quire_postings_meta_decode(&m, &p, end) != QUIRE_OK || end - p < 4)
        return 0;
    size_t n = quire_load_le32(p);
    p += 4;
    if (n > (size_t)(end - p))
        n = (size_t)(end - p);
    /* copies, so that ASan sees reads past either file */
    uint8_t *doc = malloc(n ? n : 1), *pos = malloc((size_t)(end - p - n) + 1);
    memcpy(doc, p, n);
    memcpy(pos, p + n, (size_t)(end - p - n));
    quire_bytes dv = quire_bytes_of(doc, n), pv = quire_bytes_of(pos, (size_t)(end - p - n));
    walk(dv, pv, &m);
    jump(dv, pv, &m, pos, pv.len);
    free(doc);
    free(pos);
    quire_error_clear();
    return 0;
}
