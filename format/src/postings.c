/*
 * postings.c - the postings codec: writer (streams a term's blocks, positions chunks and
 * skip data into two sinks) and cursor (reads them back from mapped bytes). The dictionary
 * entry (quire_postings_meta) says where a term lives; this file owns everything between
 * doc_off and doc_off + doc_len in .doc and pos_off .. pos_off + pos_len in .pos.
 * FORMAT.md section "Postings (.doc) and positions (.pos)" is normative:
 *
 *   meta      := df, cf-df, doc_off, doc_len, pos_len, [pos_off if pos_len > 0]  (varints)
 *   .doc term := single                                  if df == 1
 *              | block(one)                              if 2 <= df <= 128
 *              | block{n} skip                           if df > 128, n = ceil(df/128)
 *   single    := doc_id:varint len_code:u8 crc32                  (tf is cf)
 *   block     := pgroup(doc gaps) [pgroup(tf-1) unless the gaps' spare bit says all tf
 *                are 1] [len_code:u8 in the one-block form] crc32
 *   gap       := doc - prev - 1, prev = last doc of the previous block, or -1
 *   skip      := entry{n} impacts(term, <= 8) skip_len:le32 crc32
 *   entry     := last_doc_delta doc_block_len [pos_chunk_len] (varints) impacts(<= 4)
 *   impacts   := count:varint tf:varint code:u8 (dtf-1:varint code:u8){count-1}
 *   len_code  := the doc length as a one-byte floor float (len_encode); impacts are over
 *                (tf, len_code), so the reported doc_len is len_decode(code) <= the true one
 *   .pos term := chunk{n}; chunk := pgroup{ceil(total/128)} crc32
 *               values: per posting, first position then gaps to the previous one
 *               (a term of df <= 128 has one chunk and no crc32 in .pos: the crc32 of
 *               its single / block covers the block's bytes and then the chunk's)
 *   pgroup    := a patched group of bitpack.h (width chosen per group, exceptions patched)
 *
 * The writer holds one block (plus the positions of its docs) and the term's encoded skip
 * entries. A full block is only written when the next posting arrives, because a term of
 * exactly 128 postings uses the one-block form with the impacts inline.
 */
#include "quire/postings.h"

#include <stdlib.h>
#include <string.h>

#include "quire/array.h"
#include "quire/bitpack.h"

#define BLOCK         QUIRE_BLOCK_DOCS
#define CRC_LEN       4
#define BLOCK_IMPACTS 4 /* pairs per block of a multi-block term; the term keeps 8 */
/* The shortest block: a gap group's head byte (all tf 1, width 0) and the crc. */
#define MIN_BLOCK_LEN (1 + CRC_LEN)

/* ---- doc lengths in impacts: a one-byte floor float ----
 *
 * Exact below 32; above, the leading bit, 4 more bits, and the exponent: code =
 * ((e - 3) << 4) | next 4 bits, e = index of the leading bit (>= 5). Codes are monotone
 * in the length and len_decode(len_encode(x)) <= x, so (tf, decoded length) still bounds
 * BM25 from above for any k1, b and average length: a shorter length only scores higher.
 * The relative error is below 1/16. Lengths >= 507904 (= len_decode(255)) all get 255. */
static uint8_t len_encode(uint32_t x)
{
    if (x < 32)
        return (uint8_t)x;
    unsigned e = 31u - (unsigned)__builtin_clz(x);
    unsigned code = ((e - 3) << 4) | ((x >> (e - 4)) & 15u);
    return code > 255 ? 255 : (uint8_t)code;
}

static uint32_t len_decode(uint8_t code)
{
    if (code < 32)
        return code;
    return (16u | (code & 15u)) << ((code >> 4) - 1);
}

/* ---- impacts: the Pareto frontier of (tf high, doc_len low) ---- */

/* Reduce `v` in place to its frontier, tf and doc_len both strictly ascending: the pairs
 * that no other pair beats on both (higher or equal tf and shorter or equal doc_len), one
 * of each duplicate. Pair i is kept when its tf is the largest of its doc_len and larger
 * than every tf of a shorter doc_len. The writer calls this with len_codes (<= 255),
 * so a table by doc_len replaces a sort; a few pairs are compared directly. */
static uint32_t frontier(quire_impact *v, uint32_t n)
{
    if (n <= 16) {
        quire_impact out[16];
        uint32_t kept = 0;
        for (uint32_t i = 0; i < n; i++) {
            bool beaten = false; /* by another pair, or by an equal one before it */
            for (uint32_t j = 0; j < n && !beaten; j++)
                beaten = j != i && v[j].tf >= v[i].tf && v[j].doc_len <= v[i].doc_len &&
                         (v[j].tf > v[i].tf || v[j].doc_len < v[i].doc_len || j < i);
            if (beaten)
                continue;
            uint32_t k = kept++; /* insert by doc_len, ascending (tf follows) */
            for (; k > 0 && out[k - 1].doc_len > v[i].doc_len; k--)
                out[k] = out[k - 1];
            out[k] = v[i];
        }
        memcpy(v, out, kept * sizeof *v);
        return kept;
    }
    uint32_t best[256], lo = 255, hi = 0;
    memset(best, 0, sizeof best);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = v[i].doc_len;
        if (c > 255)
            c = 255; /* not reached: the writer's doc_len are codes */
        if (v[i].tf > best[c])
            best[c] = v[i].tf;
        lo = c < lo ? c : lo;
        hi = c > hi ? c : hi;
    }
    uint32_t kept = 0, top = 0;
    for (uint32_t c = lo; c <= hi; c++)
        if (best[c] > top) {
            top = best[c];
            v[kept].tf = top;
            v[kept].doc_len = c;
            kept++;
        }
    return kept;
}

/* Cap a frontier at `cap` pairs: merge runs of neighbours into (max tf, min doc_len),
 * which scores at least as high as each of them for any BM25 parameters. Runs are of even
 * size; the result stays strictly ascending in both. */
static uint32_t cap_frontier(quire_impact *out, const quire_impact *v, uint32_t n, uint32_t cap)
{
    if (n <= cap) {
        memcpy(out, v, n * sizeof *v);
        return n;
    }
    for (uint32_t g = 0; g < cap; g++) {
        uint32_t from = (uint32_t)((uint64_t)g * n / cap);
        uint32_t to = (uint32_t)((uint64_t)(g + 1) * n / cap) - 1;
        out[g].tf = v[to].tf;
        out[g].doc_len = v[from].doc_len;
    }
    return cap;
}

/* `v` holds (tf, len_code) pairs, both strictly ascending. */
static void put_impacts(quire_buf *b, const quire_impact *v, uint32_t n)
{
    quire_buf_put_varint(b, n);
    for (uint32_t i = 0; i < n; i++) {
        quire_buf_put_varint(b, i == 0 ? v[0].tf : v[i].tf - v[i - 1].tf - 1);
        quire_buf_put_byte(b, (uint8_t)v[i].doc_len);
    }
}

/* Read at most `max` pairs; out[i].doc_len is the decoded (floored) length. */
static int get_impacts(quire_impact *out, uint32_t *count, const uint8_t **p, const uint8_t *end,
                       uint32_t max)
{
    uint32_t n;
    if (quire_varint_get32(&n, p, end) != QUIRE_OK || n == 0 || n > max)
        return QUIRE_ECORRUPT;
    uint64_t tf = 0;
    int code = -1;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a;
        if (quire_varint_get(&a, p, end) != QUIRE_OK || *p == end || **p <= code || a > UINT32_MAX)
            return QUIRE_ECORRUPT;
        code = *(*p)++;
        tf += i == 0 ? a : a + 1;
        if (tf == 0 || tf > UINT32_MAX)
            return QUIRE_ECORRUPT;
        out[i].tf = (uint32_t)tf;
        out[i].doc_len = len_decode((uint8_t)code);
    }
    *count = n;
    return QUIRE_OK;
}

/* ---- meta ---- */

void quire_postings_meta_encode(quire_buf *out, const quire_postings_meta *m)
{
    quire_buf_put_varint(out, m->df);
    quire_buf_put_varint(out, m->cf - m->df);
    quire_buf_put_varint(out, m->doc_off);
    quire_buf_put_varint(out, m->doc_len);
    quire_buf_put_varint(out, m->pos_len);
    if (m->pos_len > 0)
        quire_buf_put_varint(out, m->pos_off);
}

int quire_postings_meta_decode(quire_postings_meta *m, const uint8_t **p, const uint8_t *end)
{
    uint64_t extra;
    const uint8_t *q = *p;
    if (quire_varint_get32(&m->df, &q, end) != QUIRE_OK ||
        quire_varint_get(&extra, &q, end) != QUIRE_OK ||
        quire_varint_get(&m->doc_off, &q, end) != QUIRE_OK ||
        quire_varint_get(&m->doc_len, &q, end) != QUIRE_OK ||
        quire_varint_get(&m->pos_len, &q, end) != QUIRE_OK)
        return quire_corrupt("postings meta: truncated or overlong varint");
    m->pos_off = 0;
    m->is_inline = false;
    m->inline_doc = m->inline_pos = NULL;
    if (m->pos_len > 0 && quire_varint_get(&m->pos_off, &q, end) != QUIRE_OK)
        return quire_corrupt("postings meta: truncated or overlong varint");
    if (m->df == 0 || m->df == UINT32_MAX || extra > UINT64_MAX - m->df)
        return quire_corrupt("postings meta: df %u, cf-df %llu out of range", m->df,
                             (unsigned long long)extra);
    m->cf = m->df + extra;
    if (m->doc_len == 0 || m->doc_off > UINT64_MAX - m->doc_len ||
        m->pos_off > UINT64_MAX - m->pos_len)
        return quire_corrupt("postings meta: byte range out of range");
    *p = q;
    return QUIRE_OK;
}

void quire_postings_meta_encode_inline(quire_buf *out, const quire_postings_meta *m)
{
    quire_buf_put_varint(out, m->df);
    quire_buf_put_varint(out, m->cf - m->df);
    quire_buf_put_varint(out, m->doc_len);
    quire_buf_put_varint(out, m->pos_len);
    quire_buf_put(out, m->inline_doc, (size_t)m->doc_len);
    if (m->pos_len > 0)
        quire_buf_put(out, m->inline_pos, (size_t)m->pos_len);
}

int quire_postings_meta_decode_inline(quire_postings_meta *m, const uint8_t **p,
                                      const uint8_t *end)
{
    uint64_t extra;
    const uint8_t *q = *p;
    if (quire_varint_get32(&m->df, &q, end) != QUIRE_OK ||
        quire_varint_get(&extra, &q, end) != QUIRE_OK ||
        quire_varint_get(&m->doc_len, &q, end) != QUIRE_OK ||
        quire_varint_get(&m->pos_len, &q, end) != QUIRE_OK)
        return quire_corrupt("inline postings: truncated or overlong varint");
    if (m->df == 0 || m->df > BLOCK || extra > UINT32_MAX)
        return quire_corrupt("inline postings: df %u, cf-df %llu out of range", m->df,
                             (unsigned long long)extra);
    if (m->doc_len == 0 || m->doc_len > (uint64_t)(end - q) ||
        m->pos_len > (uint64_t)(end - q) - m->doc_len)
        return quire_corrupt("inline postings: %llu + %llu bytes in a %zu-byte entry",
                             (unsigned long long)m->doc_len, (unsigned long long)m->pos_len,
                             (size_t)(end - q));
    m->cf = m->df + extra;
    m->is_inline = true;
    m->doc_off = m->pos_off = 0;
    m->inline_doc = q;
    q += m->doc_len;
    m->inline_pos = m->pos_len ? q : NULL;
    q += m->pos_len;
    *p = q;
    return QUIRE_OK;
}

/* ---- writer ---- */

struct quire_postings_writer {
    quire_sink *doc_out, *pos_out;
    int err; /* sticky */
    bool in_term, with_positions;
    uint32_t count;                   /* postings in the pending block */
    uint32_t docs[BLOCK], tfs[BLOCK]; /* pending block */
    uint32_t doc_lens[BLOCK];         /* tokens, for impacts */
    uint32_t *pos;                    /* pending position values (first, gaps...) */
    size_t pos_count, pos_cap;        /* values, capacity in values */
    /* term state */
    uint32_t df, blocks; /* postings so far, blocks written */
    uint64_t cf;
    int64_t last_doc;              /* last doc added, -1 before the first */
    uint32_t prev_block_last;      /* last doc of the last written block */
    uint64_t doc_start, pos_start; /* sink offsets at begin */
    quire_buf skip;                /* encoded skip entries */
    quire_buf scratch;             /* one block being encoded */
    quire_buf chunk;               /* its positions chunk being encoded */
    quire_impact *term_front;      /* uncapped frontier over written blocks */
    uint32_t term_front_count, term_front_cap;
    uint32_t inline_max; /* format 3: a one-block term of at most this many bytes is inline */
    bool inlined;        /* the term just ended is inline: its bytes are in scratch, chunk */
};

void quire_postings_writer_set_inline(quire_postings_writer *w, uint32_t max_bytes)
{
    w->inline_max = max_bytes;
}

int quire_postings_writer_new(quire_postings_writer **out, quire_sink *doc_out, quire_sink *pos_out)
{
    quire_postings_writer *w = quire_calloc(1, sizeof *w);
    if (!w)
        return quire_error(QUIRE_ENOMEM, "postings writer: out of memory");
    w->doc_out = doc_out;
    w->pos_out = pos_out;
    w->skip = (quire_buf)QUIRE_BUF_INIT;
    w->scratch = (quire_buf)QUIRE_BUF_INIT;
    w->chunk = (quire_buf)QUIRE_BUF_INIT;
    *out = w;
    return QUIRE_OK;
}

void quire_postings_writer_free(quire_postings_writer *w)
{
    if (!w)
        return;
    quire_free(w->pos);
    quire_buf_free(&w->skip);
    quire_buf_free(&w->scratch);
    quire_buf_free(&w->chunk);
    quire_free(w->term_front);
    quire_free(w);
}

void quire_postings_begin(quire_postings_writer *w, bool with_positions)
{
    w->in_term = true;
    w->with_positions = with_positions && w->pos_out != NULL;
    w->count = 0;
    w->pos_count = 0;
    w->df = 0;
    w->blocks = 0;
    w->cf = 0;
    w->last_doc = -1;
    w->prev_block_last = 0;
    w->doc_start = w->doc_out->offset;
    w->pos_start = w->pos_out ? w->pos_out->offset : 0;
    w->skip.len = 0;
    w->term_front_count = 0;
    w->inlined = false;
}

/* Room for tf more positions: add_posting()'s slow path, out of line (QUIRE_ARRAY_SLOW):
 * QUIRE_ARRAY_RESERVE_N() there cost an instruction a posting (callgrind). */
static QUIRE_ARRAY_SLOW int grow_pos(quire_postings_writer *w, uint32_t tf)
{
    return quire_array_grow_n(&w->pos, sizeof *w->pos, &w->pos_cap, sizeof w->pos_cap,
                              w->pos_count + tf, 1024);
}

static int writer_fail(quire_postings_writer *w, int rc)
{
    if (!w->err)
        w->err = rc;
    return w->err;
}

/* Fold a block's frontier `v` into a term's uncapped frontier (*front, *count of *cap). */
static int merge_front(quire_impact **front, uint32_t *count, uint32_t *cap,
                       const quire_impact *v, uint32_t n)
{
    uint32_t need = *count + n;
    if (QUIRE_ARRAY_RESERVE_N(*front, need, *cap, 64) != QUIRE_OK)
        return quire_error(QUIRE_ENOMEM, "postings writer: out of memory");
    memcpy(*front + *count, v, n * sizeof *v);
    *count = frontier(*front, need);
    return QUIRE_OK;
}

static int merge_term_front(quire_postings_writer *w, const quire_impact *v, uint32_t n)
{
    return merge_front(&w->term_front, &w->term_front_count, &w->term_front_cap, v, n);
}

/* A block that is not its term's only one, encoded: its .doc bytes with their crc into
 * `doc`, its positions chunk with its crc into `chunk` (if `positions`), its skip entry
 * appended to `skip`, and its uncapped frontier into front[] (*front_count pairs). `block`
 * is its number in the term, prev_last the last doc of the block before it. */
static void encode_full_block(const uint32_t *docs, const uint32_t *tfs, const uint32_t *lens,
                              uint32_t n, const uint32_t *pos, size_t pos_count, bool positions,
                              uint32_t block, uint32_t prev_last, quire_buf *doc,
                              quire_buf *chunk, quire_buf *skip, quire_impact *front,
                              uint32_t *front_count)
{
    quire_impact capped[BLOCK_IMPACTS];
    for (uint32_t i = 0; i < n; i++) {
        front[i].tf = tfs[i];
        front[i].doc_len = len_encode(lens[i]); /* ties after rounding collapse */
    }
    *front_count = frontier(front, n);
    uint32_t capped_count = cap_frontier(capped, front, *front_count, BLOCK_IMPACTS);
    uint32_t gaps[BLOCK], tfm1[BLOCK], tf_or = 0;
    uint32_t prev = block == 0 ? UINT32_MAX : prev_last; /* -1 wraps */
    for (uint32_t i = 0; i < n; i++) {
        gaps[i] = docs[i] - prev - 1;
        prev = docs[i];
        tfm1[i] = tfs[i] - 1;
        tf_or |= tfm1[i];
    }
    doc->len = 0;
    if (quire_buf_reserve(doc, 2 * quire_pfor_max_len(n) + 4)) {
        uint8_t *head = doc->data;
        doc->len += quire_pfor_pack(doc->data, gaps, n);
        if (tf_or == 0)
            *head |= QUIRE_PFOR_SPARE; /* every tf is 1: no tf group */
        else
            doc->len += quire_pfor_pack(doc->data + doc->len, tfm1, n);
        quire_buf_put_le32(doc, quire_crc32(0, doc->data, doc->len));
    }
    chunk->len = 0;
    if (positions) {
        for (size_t at = 0; at < pos_count; at += QUIRE_BITPACK_MAX) {
            size_t k = pos_count - at < QUIRE_BITPACK_MAX ? pos_count - at : QUIRE_BITPACK_MAX;
            if (!quire_buf_reserve(chunk, quire_pfor_max_len(k)))
                return;
            chunk->len += quire_pfor_pack(chunk->data + chunk->len, pos + at, k);
        }
        quire_buf_put_le32(chunk, quire_crc32(0, chunk->data, chunk->len));
    }
    quire_buf_put_varint(skip, docs[n - 1] - (block == 0 ? 0 : prev_last));
    quire_buf_put_varint(skip, doc->len);
    if (positions)
        quire_buf_put_varint(skip, chunk->len);
    put_impacts(skip, capped, capped_count);
}

static int sink_err(quire_sink *s)
{
    return s ? s->err : QUIRE_OK;
}

/* Encode the positions chunk of the pending block into w->chunk; its own crc only when
 * `with_crc` (a term of one block has one crc over its block and its chunk). */
static void encode_chunk(quire_postings_writer *w, bool with_crc)
{
    quire_buf *b = &w->chunk;
    b->len = 0;
    for (size_t at = 0; at < w->pos_count; at += QUIRE_BITPACK_MAX) {
        size_t n = w->pos_count - at < QUIRE_BITPACK_MAX ? w->pos_count - at : QUIRE_BITPACK_MAX;
        if (!quire_buf_reserve(b, quire_pfor_max_len(n)))
            return;
        b->len += quire_pfor_pack(b->data + b->len, w->pos + at, n);
    }
    if (with_crc)
        quire_buf_put_le32(b, quire_crc32(0, b->data, b->len));
}

/* Write the pending block. `only` is true for the one block of a term of <= 128 postings. */
static int flush_block(quire_postings_writer *w, bool only)
{
    uint32_t n = w->count;
    quire_buf *b = &w->scratch;
    quire_impact front[BLOCK];
    if (!only) {
        uint32_t front_count;
        encode_full_block(w->docs, w->tfs, w->doc_lens, n, w->pos, w->pos_count,
                          w->with_positions, w->blocks, w->prev_block_last, b, &w->chunk,
                          &w->skip, front, &front_count);
        if (b->err || w->chunk.err || w->skip.err)
            return writer_fail(w, quire_error(QUIRE_ENOMEM, "postings writer: out of memory"));
        quire_sink_write(w->doc_out, b->data, b->len);
        if (w->with_positions)
            quire_sink_write(w->pos_out, w->chunk.data, w->chunk.len);
        int rc = sink_err(w->doc_out);
        if (rc == QUIRE_OK && w->with_positions)
            rc = sink_err(w->pos_out);
        if (rc == QUIRE_OK)
            rc = merge_term_front(w, front, front_count);
        if (rc != QUIRE_OK)
            return writer_fail(w, rc);
        w->prev_block_last = w->docs[n - 1];
        w->blocks++;
        w->count = 0;
        w->pos_count = 0;
        return QUIRE_OK;
    }
    for (uint32_t i = 0; i < n; i++) {
        front[i].tf = w->tfs[i];
        front[i].doc_len = len_encode(w->doc_lens[i]); /* ties after rounding collapse */
    }
    (void)frontier(front, n); /* front[0] holds the shortest length */

    b->len = 0;
    if (n == 1) {
        quire_buf_put_varint(b, w->docs[0]);
        quire_buf_put_byte(b, (uint8_t)front[0].doc_len);
    } else {
        uint32_t gaps[BLOCK], tfm1[BLOCK], tf_or = 0;
        uint32_t prev = UINT32_MAX; /* -1 wraps */
        for (uint32_t i = 0; i < n; i++) {
            gaps[i] = w->docs[i] - prev - 1;
            prev = w->docs[i];
            tfm1[i] = w->tfs[i] - 1;
            tf_or |= tfm1[i];
        }
        if (quire_buf_reserve(b, 2 * quire_pfor_max_len(n) + 1)) {
            uint8_t *head = b->data + b->len;
            b->len += quire_pfor_pack(b->data + b->len, gaps, n);
            if (tf_or == 0)
                *head |= QUIRE_PFOR_SPARE; /* every tf is 1: no tf group */
            else
                b->len += quire_pfor_pack(b->data + b->len, tfm1, n);
            /* the one-block form's impact: (max tf, shortest length); max tf is the tfs' */
            b->data[b->len++] = (uint8_t)front[0].doc_len;
        }
    }
    if (w->with_positions)
        encode_chunk(w, false);
    if (b->err || w->chunk.err)
        return writer_fail(w, quire_error(QUIRE_ENOMEM, "postings writer: out of memory"));
    if (b->len + (w->with_positions ? w->chunk.len : 0) <= w->inline_max) {
        /* inline (format 3): the bytes stay in scratch and chunk, without a crc, for the
         * dictionary entry, whose block's crc covers them */
        w->inlined = true;
    } else {
        uint32_t crc = quire_crc32(0, b->data, b->len);
        if (w->with_positions) /* w->pos_count >= 1: the chunk is never empty */
            crc = quire_crc32(crc, w->chunk.data, w->chunk.len);
        quire_buf_put_le32(b, crc);
        if (b->err)
            return writer_fail(w, quire_error(QUIRE_ENOMEM, "postings writer: out of memory"));
        quire_sink_write(w->doc_out, b->data, b->len);
        if (w->with_positions)
            quire_sink_write(w->pos_out, w->chunk.data, w->chunk.len);
        int rc = sink_err(w->doc_out);
        if (rc == QUIRE_OK && w->with_positions)
            rc = sink_err(w->pos_out);
        if (rc != QUIRE_OK)
            return writer_fail(w, rc);
    }
    w->prev_block_last = w->docs[n - 1];
    w->blocks++;
    w->count = 0;
    w->pos_count = 0;
    return QUIRE_OK;
}

/* ---- pre-encoded blocks ---- */

void quire_postings_blocks_init(quire_postings_blocks *b, bool with_positions)
{
    memset(b, 0, sizeof *b);
    b->doc = (quire_buf)QUIRE_BUF_INIT;
    b->pos = (quire_buf)QUIRE_BUF_INIT;
    b->skip = (quire_buf)QUIRE_BUF_INIT;
    b->with_positions = with_positions;
}

void quire_postings_blocks_free(quire_postings_blocks *b)
{
    quire_buf_free(&b->doc);
    quire_buf_free(&b->pos);
    quire_buf_free(&b->skip);
    quire_free(b->front);
    memset(b, 0, sizeof *b);
}

size_t quire_postings_blocks_bytes(const quire_postings_blocks *b)
{
    return b->doc.cap + b->pos.cap + b->skip.cap + (size_t)b->front_cap * sizeof(quire_impact);
}

int quire_postings_blocks_add(quire_postings_blocks *b, const uint32_t *docs, const uint32_t *tfs,
                              const uint32_t *doc_lens, const uint32_t *gaps, size_t gap_count)
{
    uint64_t cf = 0;
    for (uint32_t i = 0; i < BLOCK; i++) {
        if (tfs[i] == 0 || doc_lens[i] < tfs[i] || docs[i] == QUIRE_DOC_END ||
            (i > 0 ? docs[i] <= docs[i - 1] : b->blocks > 0 && docs[0] <= b->last_doc))
            return quire_error(QUIRE_EINVAL, "postings blocks: posting %u out of order", i);
        cf += tfs[i];
    }
    if (b->with_positions) {
        uint64_t sum = 0;
        for (size_t i = 0, k = 0, end = 0; i < BLOCK; i++) {
            sum = 0;
            for (end += tfs[i]; k < end && k < gap_count; k++)
                sum += gaps[k];
            if (sum > UINT32_MAX)
                return quire_error(QUIRE_EINVAL, "postings blocks: positions overflow");
        }
        if (gap_count != cf)
            return quire_error(QUIRE_EINVAL, "postings blocks: %zu positions for cf %llu",
                               gap_count, (unsigned long long)cf);
    }
    quire_buf doc = QUIRE_BUF_INIT, chunk = QUIRE_BUF_INIT;
    quire_impact front[BLOCK];
    uint32_t front_count;
    encode_full_block(docs, tfs, doc_lens, BLOCK, gaps, gap_count, b->with_positions, b->blocks,
                      b->last_doc, &doc, &chunk, &b->skip, front, &front_count);
    quire_buf_put(&b->doc, doc.data, doc.len);
    if (b->with_positions)
        quire_buf_put(&b->pos, chunk.data, chunk.len);
    int rc = doc.err || chunk.err || b->doc.err || b->pos.err || b->skip.err
                 ? quire_error(QUIRE_ENOMEM, "postings blocks: out of memory")
                 : merge_front(&b->front, &b->front_count, &b->front_cap, front, front_count);
    quire_buf_free(&doc);
    quire_buf_free(&chunk);
    if (rc != QUIRE_OK)
        return rc;
    b->blocks++;
    b->last_doc = docs[BLOCK - 1];
    b->df += BLOCK;
    b->cf += cf;
    return QUIRE_OK;
}

int quire_postings_add_blocks(quire_postings_writer *w, const quire_postings_blocks *b)
{
    if (w->err)
        return w->err;
    if (!w->in_term || w->df != 0 || b->with_positions != w->with_positions)
        return quire_error(QUIRE_EINVAL, "postings writer: blocks not right after begin");
    if (b->blocks == 0)
        return QUIRE_OK;
    quire_sink_write(w->doc_out, b->doc.data, b->doc.len);
    if (w->with_positions)
        quire_sink_write(w->pos_out, b->pos.data, b->pos.len);
    int rc = sink_err(w->doc_out);
    if (rc == QUIRE_OK && w->with_positions)
        rc = sink_err(w->pos_out);
    if (rc != QUIRE_OK)
        return writer_fail(w, rc);
    quire_buf_put(&w->skip, b->skip.data, b->skip.len);
    if (w->skip.err)
        return writer_fail(w, quire_error(QUIRE_ENOMEM, "postings writer: out of memory"));
    rc = merge_term_front(w, b->front, b->front_count);
    if (rc != QUIRE_OK)
        return writer_fail(w, rc);
    w->blocks = b->blocks;
    w->prev_block_last = b->last_doc;
    w->last_doc = b->last_doc;
    w->df = b->df;
    w->cf = b->cf;
    return QUIRE_OK;
}

static int add_posting(quire_postings_writer *w, uint32_t doc_id, uint32_t tf,
                       const uint32_t *positions, bool gaps, uint32_t doc_len);

int quire_postings_add(quire_postings_writer *w, uint32_t doc_id, uint32_t tf,
                       const uint32_t *positions, uint32_t doc_len)
{
    return add_posting(w, doc_id, tf, positions, false, doc_len);
}

int quire_postings_add_gaps(quire_postings_writer *w, uint32_t doc_id, uint32_t tf,
                            const uint32_t *gaps, uint32_t doc_len)
{
    return add_posting(w, doc_id, tf, gaps, true, doc_len);
}

static int add_posting(quire_postings_writer *w, uint32_t doc_id, uint32_t tf,
                       const uint32_t *positions, bool gaps, uint32_t doc_len)
{
    if (w->err)
        return w->err;
    if (!w->in_term)
        return quire_error(QUIRE_EINVAL, "postings writer: add outside a term");
    if ((int64_t)doc_id <= w->last_doc || doc_id == QUIRE_DOC_END)
        return quire_error(QUIRE_EINVAL, "postings writer: doc id %u not ascending", doc_id);
    if (tf == 0 || doc_len < tf || w->df == UINT32_MAX - 1)
        return quire_error(QUIRE_EINVAL, "postings writer: doc %u: tf %u, doc_len %u", doc_id, tf,
                           doc_len);
    if (w->with_positions) {
        if (!positions)
            return quire_error(QUIRE_EINVAL, "postings writer: doc %u: no positions", doc_id);
        if (!gaps) { /* gaps are checked as they are copied, below */
            for (uint32_t i = 1; i < tf; i++)
                if (positions[i] < positions[i - 1])
                    return quire_error(QUIRE_EINVAL,
                                       "postings writer: doc %u: positions not "
                                       "ascending",
                                       doc_id);
        }
    }
    if (w->count == BLOCK) {
        int rc = flush_block(w, false);
        if (rc != QUIRE_OK)
            return rc;
    }
    if (w->with_positions) {
        if (w->pos_count + tf > w->pos_cap && grow_pos(w, tf) != QUIRE_OK)
            return writer_fail(w, quire_error(QUIRE_ENOMEM, "postings writer: out of memory"));
        uint32_t *dst = w->pos + w->pos_count;
        if (gaps) {
            uint64_t sum = 0;
            for (uint32_t i = 0; i < tf; i++) {
                dst[i] = positions[i];
                sum += positions[i];
            }
            if (sum > UINT32_MAX) /* nothing is kept: pos_count has not moved */
                return quire_error(QUIRE_EINVAL, "postings writer: doc %u: positions overflow",
                                   doc_id);
        } else {
            dst[0] = positions[0];
            for (uint32_t i = 1; i < tf; i++)
                dst[i] = positions[i] - positions[i - 1];
        }
        w->pos_count += tf;
    }
    w->docs[w->count] = doc_id;
    w->tfs[w->count] = tf;
    w->doc_lens[w->count] = doc_len;
    w->count++;
    w->df++;
    w->cf += tf;
    w->last_doc = doc_id;
    return QUIRE_OK;
}

int quire_postings_end(quire_postings_writer *w, quire_postings_meta *meta)
{
    if (w->err)
        return w->err;
    if (!w->in_term || w->df == 0)
        return quire_error(QUIRE_EINVAL, "postings writer: term without postings");
    w->in_term = false;
    bool only = w->blocks == 0;
    int rc = flush_block(w, only);
    if (rc != QUIRE_OK)
        return rc;
    if (!only) {
        quire_impact capped[QUIRE_MAX_IMPACTS];
        uint32_t n = cap_frontier(capped, w->term_front, w->term_front_count, QUIRE_MAX_IMPACTS);
        put_impacts(&w->skip, capped, n);
        uint32_t skip_len = (uint32_t)w->skip.len;
        if (w->skip.len > UINT32_MAX)
            return writer_fail(w, quire_error(QUIRE_EINVAL, "postings writer: skip too long"));
        quire_buf_put_le32(&w->skip, skip_len);
        quire_buf_put_le32(&w->skip, quire_crc32(0, w->skip.data, w->skip.len));
        if (w->skip.err)
            return writer_fail(w, quire_error(QUIRE_ENOMEM, "postings writer: out of memory"));
        quire_sink_write(w->doc_out, w->skip.data, w->skip.len);
        rc = sink_err(w->doc_out);
        if (rc != QUIRE_OK)
            return writer_fail(w, rc);
    }
    meta->df = w->df;
    meta->cf = w->cf;
    meta->is_inline = w->inlined;
    meta->inline_doc = meta->inline_pos = NULL;
    if (w->inlined) {
        meta->doc_off = meta->pos_off = 0;
        meta->doc_len = w->scratch.len;
        meta->inline_doc = w->scratch.data;
        meta->pos_len = w->with_positions ? w->chunk.len : 0;
        meta->inline_pos = w->with_positions ? w->chunk.data : NULL;
        return QUIRE_OK;
    }
    meta->doc_off = w->doc_start;
    meta->doc_len = w->doc_out->offset - w->doc_start;
    meta->pos_off = w->with_positions ? w->pos_start : 0;
    meta->pos_len = w->with_positions ? w->pos_out->offset - w->pos_start : 0;
    return QUIRE_OK;
}

/* ---- cursor ---- */

#define SMALL_GROUPS 16 /* groups of a positions chunk tracked without an allocation */

struct quire_postings_cursor_state {
    uint32_t block_count;
    uint32_t block;    /* decoded block, UINT32_MAX before the first */
    uint32_t shallow;  /* block the block_* fields describe */
    uint32_t i, count; /* current index in the decoded block, its postings */
    bool started;
    bool has_positions;
    uint8_t crc_len; /* CRC_LEN, or 0 for inline postings (the dictionary's crc covers them) */
    uint32_t docs[BLOCK], tfs[BLOCK];
    /* skip data (multi-block terms); a one-block term uses index 0 of small arrays */
    uint32_t *last_doc; /* per block */
    uint64_t *doc_at;   /* block_count + 1 offsets into doc_file */
    uint64_t *pos_at;   /* block_count + 1 offsets into pos_file */
    uint32_t *imp_at;   /* block_count + 1 indexes into impacts */
    quire_impact *impacts;
    /* A block's impacts are decoded the first time it is shown (show_block): opening a
     * term only skims its skip data, so a common word's hundreds of blocks cost their
     * offsets, not their impacts, until a query reaches them. */
    uint32_t *imp_src;        /* per block: its impact list's first byte in skip data */
    uint8_t *imp_done;        /* per block: decoded into impacts */
    const uint8_t *skip_data; /* the term's skip entries ... */
    const uint8_t *skip_end;  /* ... and their end (term impacts included) */
    quire_impact term_imp[QUIRE_MAX_IMPACTS];
    uint32_t one_last_doc;
    uint64_t one_doc_at[2], one_pos_at[2];
    uint32_t one_imp_at[2];
    /* positions cache: the chunk of block pos_block, checked and opened; its groups (of
     * QUIRE_BITPACK_MAX values) found by skipping, in order, as far as a posting asks
     * (group_off[0..groups_found] known), and only the groups holding an asked posting's
     * values unpacked into pos; each posting's deltas summed the first time its
     * positions are asked for */
    uint32_t pos_block; /* chunk opened, UINT32_MAX if none */
    uint32_t *pos;
    size_t pos_cap;
    uint64_t pos_start[BLOCK + 1];      /* index of each posting's first position */
    const uint8_t *pos_chunk, *pos_end; /* the chunk's groups */
    size_t *group_off;                  /* per group: its first byte in the chunk */
    uint8_t *group_done;                /* per group: unpacked into pos */
    size_t groups_cap;                  /* of the two; the small ones below, or allocated */
    size_t small_off[SMALL_GROUPS + 1];
    uint8_t small_done[SMALL_GROUPS + 1];
    uint64_t groups_found; /* groups whose offset is known, less the one after */
    uint8_t pos_summed[BLOCK];
};

typedef struct quire_postings_cursor_state cstate;

static uint32_t block_size(const quire_postings_cursor *c, uint32_t b)
{
    return b + 1 < c->st->block_count ? BLOCK : c->df - b * BLOCK;
}

#if defined(__GNUC__)
#define IMPACTS_COLD __attribute__((noinline, cold))
#define UNLIKELY(x)  __builtin_expect(!!(x), 0)
#else
#define IMPACTS_COLD
#define UNLIKELY(x) (x)
#endif

/* Decode block b's impacts from the skip data (the skim at open found them and their
 * count). Out of line: show_block() is on every advance's path, this once per block. */
static IMPACTS_COLD int decode_impacts(quire_postings_cursor *c, uint32_t b)
{
    cstate *s = c->st;
    const uint8_t *p = s->skip_data + s->imp_src[b];
    uint32_t count;
    if (get_impacts(s->impacts + s->imp_at[b], &count, &p, s->skip_end, BLOCK_IMPACTS) != QUIRE_OK ||
        count != s->imp_at[b + 1] - s->imp_at[b])
        return quire_corrupt("%s: skip entry %u: bad impacts", c->doc_name, b);
    s->imp_done[b] = 1;
    return QUIRE_OK;
}

/* Make block b (block_count: past the end) the one the block_* fields describe. */
static inline int show_block(quire_postings_cursor *c, uint32_t b)
{
    cstate *s = c->st;
    s->shallow = b;
    if (UNLIKELY(b >= s->block_count)) {
        c->block_last_doc = QUIRE_DOC_END;
        c->block_impacts = NULL;
        c->block_impact_count = 0;
        return QUIRE_OK;
    }
    if (UNLIKELY(s->imp_done != NULL && !s->imp_done[b])) {
        const int rc = decode_impacts(c, b);
        if (rc != QUIRE_OK)
            return rc;
    }
    c->block_last_doc = s->last_doc[b];
    c->block_impacts = s->impacts + s->imp_at[b];
    c->block_impact_count = s->imp_at[b + 1] - s->imp_at[b];
    return QUIRE_OK;
}

/* The crc of a block's `len` bytes at `p`; a term of one block has a single crc that also
 * covers its positions chunk (its whole pos range, checked inside pos_file at open). */
static uint32_t block_crc(const quire_postings_cursor *c, const uint8_t *p, size_t len)
{
    uint32_t crc = quire_crc32(0, p, len);
    if (c->st->block_count == 1 && c->st->has_positions)
        crc = quire_crc32(crc, c->pos_file.ptr + c->meta.pos_off, (size_t)c->meta.pos_len);
    return crc;
}

/* The damage may be in either file when the crc covers both: name both. */
static int crc_mismatch(const quire_postings_cursor *c, uint32_t b)
{
    if (c->st->block_count == 1 && c->st->has_positions)
        return quire_corrupt("%s, %s: block %u and its positions: CRC mismatch", c->doc_name,
                             c->pos_name, b);
    return quire_corrupt("%s: block %u: CRC mismatch", c->doc_name, b);
}

/* Decode doc block `b` into docs/tfs. */
static int decode_block(quire_postings_cursor *c, uint32_t b)
{
    cstate *s = c->st;
    uint32_t n = block_size(c, b);
    const uint8_t *p = c->doc_file.ptr + s->doc_at[b];
    size_t len = (size_t)(s->doc_at[b + 1] - s->doc_at[b]);
    if (len < (size_t)(MIN_BLOCK_LEN - CRC_LEN) + s->crc_len)
        return quire_corrupt("%s: block %u: %zu bytes", c->doc_name, b, len);
    const uint8_t *end = p + len - s->crc_len;
    if (s->crc_len && block_crc(c, p, len - CRC_LEN) != quire_load_le32(end))
        return crc_mismatch(c, b);
    /* docs and tfs are overwritten from here: no block is decoded until the end */
    s->block = UINT32_MAX;
    s->count = 0;
    bool tfs_one = (p[0] & QUIRE_PFOR_SPARE) != 0;
    size_t used;
    uint32_t gaps[BLOCK];
    if (quire_pfor_unpack(gaps, n, p, (size_t)(end - p), &used) != QUIRE_OK)
        return quire_corrupt("%s: block %u: bad doc gaps", c->doc_name, b);
    p += used;
    uint32_t max_tf = 1;
    if (tfs_one) {
        for (uint32_t i = 0; i < n; i++)
            s->tfs[i] = 1;
    } else if (p == end || (p[0] & QUIRE_PFOR_SPARE) ||
               quire_pfor_unpack(s->tfs, n, p, (size_t)(end - p), &used) != QUIRE_OK) {
        return quire_corrupt("%s: block %u: bad tfs", c->doc_name, b);
    } else {
        p += used;
        /* stored as tf - 1: the largest first (overflow), then all plus one (loops without
         * an exit, which the compiler vectorises) */
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; i++)
            m = s->tfs[i] > m ? s->tfs[i] : m;
        if (m == UINT32_MAX)
            return quire_corrupt("%s: block %u: tf overflow", c->doc_name, b);
        for (uint32_t i = 0; i < n; i++)
            s->tfs[i]++;
        max_tf = m + 1;
    }
    uint8_t len_code = 0;
    if (s->block_count == 1) {
        if (p == end)
            return quire_corrupt("%s: block %u: no impact", c->doc_name, b);
        len_code = *p++;
    }
    if (p != end)
        return quire_corrupt("%s: block %u: %zu stray bytes", c->doc_name, b, (size_t)(end - p));
    /* doc ids: the gaps summed (in 64 bits: a damaged gap cannot wrap), then the last one
     * checked against the skip data's */
    uint64_t d = b == 0 ? 0 : (uint64_t)s->last_doc[b - 1] + 1;
    for (uint32_t i = 0; i < n; i++) {
        d += gaps[i];
        s->docs[i] = (uint32_t)d;
        d++;
    }
    const uint64_t last = d - 1;
    uint64_t limit = s->block_count == 1 ? QUIRE_DOC_END - 1 : s->last_doc[b];
    if (last > limit || (s->block_count > 1 && last != limit))
        return quire_corrupt("%s: block %u: last doc %llu, expected %llu", c->doc_name, b,
                             (unsigned long long)last, (unsigned long long)limit);
    if (s->block_count == 1) {
        s->last_doc[0] = s->docs[n - 1];
        s->impacts[0].tf = max_tf;
        s->impacts[0].doc_len = len_decode(len_code);
        s->imp_at[1] = 1;
    }
    s->block = b;
    s->count = n;
    return QUIRE_OK;
}

static int open_single(quire_postings_cursor *c)
{
    cstate *s = c->st;
    const uint8_t *p = c->doc_file.ptr + c->meta.doc_off;
    size_t len = (size_t)c->meta.doc_len;
    if (len < (size_t)s->crc_len + 2)
        return quire_corrupt("%s: %zu bytes for one posting", c->doc_name, len);
    const uint8_t *end = p + len - s->crc_len;
    if (s->crc_len && block_crc(c, p, len - CRC_LEN) != quire_load_le32(end))
        return crc_mismatch(c, 0);
    uint32_t doc;
    if (quire_varint_get32(&doc, &p, end) != QUIRE_OK || end - p != 1 || doc == QUIRE_DOC_END ||
        c->meta.cf > UINT32_MAX)
        return quire_corrupt("%s: bad single posting", c->doc_name);
    uint32_t dl = len_decode(*p);
    s->docs[0] = doc;
    s->tfs[0] = (uint32_t)c->meta.cf;
    s->last_doc[0] = doc;
    s->impacts[0].tf = (uint32_t)c->meta.cf;
    s->impacts[0].doc_len = dl;
    s->imp_at[1] = 1;
    s->block = 0;
    s->count = 1;
    return QUIRE_OK;
}

/* Step over an impact list of 1..max entries (get_impacts' layout: a count, then per
 * entry a varint and a length code) without decoding it; *count gets its entries. */
static int skim_impacts(uint32_t *count, const uint8_t **p, const uint8_t *end, uint32_t max)
{
    uint32_t n;
    if (quire_varint_get32(&n, p, end) != QUIRE_OK || n == 0 || n > max)
        return QUIRE_ECORRUPT;
    const uint8_t *q = *p;
    for (uint32_t i = 0; i < n; i++) {
        while (q < end && (*q & 0x80))
            q++;
        if (end - q < 2) /* the varint's last byte and the code */
            return QUIRE_ECORRUPT;
        q += 2;
    }
    *p = q;
    *count = n;
    return QUIRE_OK;
}

static int open_skip(quire_postings_cursor *c)
{
    cstate *s = c->st;
    uint32_t n = s->block_count;
    const uint8_t *start = c->doc_file.ptr + c->meta.doc_off;
    size_t len = (size_t)c->meta.doc_len;
    if (len < 8)
        return quire_corrupt("%s: %zu bytes for %u blocks", c->doc_name, len, n);
    const uint8_t *crc_at = start + len - CRC_LEN;
    uint32_t skip_len = quire_load_le32(crc_at - 4);
    if (skip_len > len - 8 || skip_len < n)
        return quire_corrupt("%s: skip length %u of %zu bytes", c->doc_name, skip_len, len);
    const uint8_t *p = crc_at - 4 - skip_len, *end = crc_at - 4;
    if (quire_crc32(0, p, skip_len + 4) != quire_load_le32(crc_at))
        return quire_corrupt("%s: skip data: CRC mismatch", c->doc_name);
    uint64_t blocks_len = (uint64_t)(p - start);
    uint64_t last = 0, doc_at = c->meta.doc_off, pos_at = c->meta.pos_off;
    s->doc_at[0] = doc_at;
    s->pos_at[0] = pos_at;
    s->imp_at[0] = 0;
    s->skip_data = p;
    s->skip_end = end;
    for (uint32_t b = 0; b < n; b++) {
        uint64_t delta, dlen, plen = 0;
        uint32_t count;
        if (quire_varint_get(&delta, &p, end) != QUIRE_OK ||
            quire_varint_get(&dlen, &p, end) != QUIRE_OK ||
            (s->has_positions && quire_varint_get(&plen, &p, end) != QUIRE_OK))
            return quire_corrupt("%s: skip entry %u: truncated or out of range", c->doc_name, b);
        s->imp_src[b] = (uint32_t)(p - s->skip_data);
        if (skim_impacts(&count, &p, end, BLOCK_IMPACTS) != QUIRE_OK)
            return quire_corrupt("%s: skip entry %u: truncated or out of range", c->doc_name, b);
        /* the block's docs lie in (previous last doc, last doc], or [0, last doc] */
        uint64_t need = block_size(c, b) - (b == 0 ? 1u : 0u);
        if (delta < need || delta > UINT32_MAX || dlen < MIN_BLOCK_LEN || dlen > len ||
            plen > c->meta.pos_len)
            return quire_corrupt("%s: skip entry %u: out of range", c->doc_name, b);
        last += delta;
        if (last >= QUIRE_DOC_END)
            return quire_corrupt("%s: skip entry %u: doc id overflow", c->doc_name, b);
        s->last_doc[b] = (uint32_t)last;
        doc_at += dlen;
        pos_at += plen;
        s->doc_at[b + 1] = doc_at;
        s->pos_at[b + 1] = pos_at;
        s->imp_at[b + 1] = s->imp_at[b] + count;
    }
    if (doc_at - c->meta.doc_off != blocks_len)
        return quire_corrupt("%s: blocks take %llu bytes, skip data says %llu", c->doc_name,
                             (unsigned long long)blocks_len,
                             (unsigned long long)(doc_at - c->meta.doc_off));
    if (s->has_positions && pos_at - c->meta.pos_off != c->meta.pos_len)
        return quire_corrupt("%s: position chunks do not add up to %llu bytes", c->doc_name,
                             (unsigned long long)c->meta.pos_len);
    uint32_t count;
    if (get_impacts(s->term_imp, &count, &p, end, QUIRE_MAX_IMPACTS) != QUIRE_OK || p != end)
        return quire_corrupt("%s: bad term impacts", c->doc_name);
    c->term_impact_count = count;
    return QUIRE_OK;
}

int quire_postings_open(quire_postings_cursor *c, quire_bytes doc_file, quire_bytes pos_file,
                        const quire_postings_meta *meta)
{
    return quire_postings_open_named(c, doc_file, pos_file, meta, "postings (.doc)",
                                     "positions (.pos)");
}

int quire_postings_open_named(quire_postings_cursor *c, quire_bytes doc_file, quire_bytes pos_file,
                              const quire_postings_meta *meta, const char *doc_name,
                              const char *pos_name)
{
    memset(c, 0, sizeof *c);
    c->doc_name = doc_name;
    c->pos_name = pos_name;
    c->doc_file = doc_file;
    c->pos_file = pos_file;
    c->meta = *meta;
    if (meta->is_inline) { /* the bytes are the dictionary entry's */
        if (meta->df > BLOCK || !meta->inline_doc || (meta->pos_len && !meta->inline_pos))
            return quire_corrupt("%s: inline postings of %u documents", c->doc_name, meta->df);
        c->doc_file = quire_bytes_of(meta->inline_doc, (size_t)meta->doc_len);
        c->pos_file = quire_bytes_of(meta->inline_pos, (size_t)meta->pos_len);
        c->meta.doc_off = c->meta.pos_off = 0;
        doc_file = c->doc_file;
        pos_file = c->pos_file;
    }
    c->df = meta->df;
    c->doc = 0;
    if (meta->df == 0 || meta->df == UINT32_MAX || meta->cf < meta->df || meta->doc_len == 0 ||
        meta->doc_off > doc_file.len || meta->doc_len > doc_file.len - meta->doc_off ||
        meta->pos_off > pos_file.len || meta->pos_len > pos_file.len - meta->pos_off)
        return quire_corrupt("%s: term at %llu+%llu, positions at %llu+%llu outside the files",
                             c->doc_name, (unsigned long long)meta->doc_off,
                             (unsigned long long)meta->doc_len, (unsigned long long)meta->pos_off,
                             (unsigned long long)meta->pos_len);
    /* in 64 bits: a df near 2^32 wrapped to 0 blocks, and the skip data was written past
     * the cursor's state (found by fuzz_postings) */
    uint32_t n = (uint32_t)(((uint64_t)meta->df + BLOCK - 1) / BLOCK);
    if (n > 1 && n > meta->doc_len / MIN_BLOCK_LEN)
        return quire_corrupt("%s: %u blocks in %llu bytes", c->doc_name, n,
                             (unsigned long long)meta->doc_len);
    size_t extra = 0;
    if (n > 1)
        extra = (size_t)n * (sizeof(uint32_t) * 3 + sizeof(uint64_t) * 2 +
                             sizeof(quire_impact) * BLOCK_IMPACTS + 1) +
                2 * sizeof(uint64_t) + sizeof(uint32_t);
    cstate *s = quire_malloc(sizeof *s + extra);
    if (!s)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", c->doc_name);
    memset(s, 0, sizeof *s);
    c->st = s;
    s->block_count = n;
    s->block = UINT32_MAX;
    s->pos_block = UINT32_MAX;
    s->has_positions = meta->pos_len > 0;
    s->crc_len = meta->is_inline ? 0 : CRC_LEN;
    int rc;
    if (n == 1) {
        s->last_doc = &s->one_last_doc;
        s->doc_at = s->one_doc_at;
        s->pos_at = s->one_pos_at;
        s->imp_at = s->one_imp_at;
        s->impacts = s->term_imp;
        s->doc_at[0] = meta->doc_off;
        s->doc_at[1] = meta->doc_off + meta->doc_len;
        s->pos_at[0] = meta->pos_off;
        s->pos_at[1] = meta->pos_off + meta->pos_len;
        rc = meta->df == 1 ? open_single(c) : decode_block(c, 0);
        c->term_impact_count = s->imp_at[1];
        s->block = 0;
        s->i = 0;
    } else {
        /* uint64 arrays first: the block after the struct is 8-aligned */
        uint8_t *mem = (uint8_t *)(s + 1);
        s->doc_at = (uint64_t *)(void *)mem;
        s->pos_at = s->doc_at + n + 1;
        s->impacts = (quire_impact *)(void *)(s->pos_at + n + 1);
        s->last_doc = (uint32_t *)(void *)(s->impacts + (size_t)n * BLOCK_IMPACTS);
        s->imp_at = s->last_doc + n;
        s->imp_src = s->imp_at + n + 1;
        s->imp_done = (uint8_t *)(s->imp_src + n);
        memset(s->imp_done, 0, n);
        rc = open_skip(c);
    }
    if (rc == QUIRE_OK)
        rc = show_block(c, 0);
    if (rc != QUIRE_OK) {
        quire_postings_close(c);
        return rc;
    }
    c->term_impacts = s->term_imp;
    return QUIRE_OK;
}

void quire_postings_close(quire_postings_cursor *c)
{
    if (c->st) {
        quire_free(c->st->pos);
        if (c->st->group_off != c->st->small_off) {
            quire_free(c->st->group_off);
            quire_free(c->st->group_done);
        }
        quire_free(c->st);
        c->st = NULL;
    }
}

static void set_end(quire_postings_cursor *c)
{
    c->doc = QUIRE_DOC_END;
    c->tf = 0;
    c->st->count = 0; /* keeps next()'s fast path off */
    c->st->pos_block = UINT32_MAX;
    c->st->block = UINT32_MAX;
    (void)show_block(c, c->st->block_count); /* past the end: nothing to decode */
}

/* Decode block b and show it; the caller sets i. */
static int enter_block(quire_postings_cursor *c, uint32_t b)
{
    if (c->st->block != b) {
        int rc = decode_block(c, b);
        if (rc != QUIRE_OK)
            return rc;
    } else if (c->st->shallow == b) {
        return QUIRE_OK; /* decoded and shown: an advance inside the block */
    }
    return show_block(c, b);
}

static int next_slow(quire_postings_cursor *c);

int quire_postings_next(quire_postings_cursor *c)
{
    cstate *s = c->st;
    uint32_t i = s->i + 1;
    if (i < s->count && s->started) { /* the inner loop of every query: keep it short */
        s->i = i;
        c->doc = s->docs[i];
        c->tf = s->tfs[i];
        return QUIRE_OK;
    }
    return next_slow(c);
}

/* Starting, crossing into the next block, or at the end. */
static int next_slow(quire_postings_cursor *c)
{
    cstate *s = c->st;
    if (c->doc == QUIRE_DOC_END && s->started)
        return QUIRE_OK;
    if (!s->started) {
        s->started = true;
        s->i = 0;
        if (s->block_count > 1 || s->block != 0) {
            int rc = enter_block(c, 0);
            if (rc != QUIRE_OK)
                return rc;
        }
    } else if (++s->i == s->count) {
        uint32_t b = s->block + 1;
        if (b >= s->block_count) {
            set_end(c);
            return QUIRE_OK;
        }
        int rc = enter_block(c, b);
        if (rc != QUIRE_OK)
            return rc;
        s->i = 0;
    }
    c->doc = s->docs[s->i];
    c->tf = s->tfs[s->i];
    return QUIRE_OK;
}

/* First block at or after `from` whose last doc is >= target (block_count if none). */
static uint32_t find_block(const cstate *s, uint32_t from, uint32_t target)
{
    uint32_t lo = from, hi = s->block_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->last_doc[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int quire_postings_advance(quire_postings_cursor *c, uint32_t target)
{
    cstate *s = c->st;
    if (s->started && c->doc >= target)
        return QUIRE_OK;
    uint32_t from = s->block == UINT32_MAX ? 0 : s->block;
    uint32_t b = from;
    if (s->last_doc[from] < target)
        b = find_block(s, from + 1, target);
    s->started = true;
    if (b >= s->block_count) {
        set_end(c);
        return QUIRE_OK;
    }
    uint32_t i = 0;
    if (b == s->block) {
        i = s->i;
    }
    int rc = enter_block(c, b);
    if (rc != QUIRE_OK)
        return rc;
    while (s->docs[i] < target) /* the block's last doc is >= target */
        i++;
    s->i = i;
    c->doc = s->docs[i];
    c->tf = s->tfs[i];
    return QUIRE_OK;
}

int quire_postings_shallow_advance(quire_postings_cursor *c, uint32_t target)
{
    cstate *s = c->st;
    uint32_t from = s->shallow;
    if (s->block != UINT32_MAX && s->block > from)
        from = s->block;
    if (from < s->block_count && s->last_doc[from] < target)
        from = find_block(s, from + 1, target);
    return show_block(c, from);
}

/* Open the current block's positions chunk: check its size and CRC, size the buffers.
 * Its groups are found and unpacked by unpack_range() as postings ask for them. */
static int open_chunk(quire_postings_cursor *c)
{
    cstate *s = c->st;
    uint32_t b = s->block;
    uint64_t total = 0;
    s->pos_start[0] = 0;
    for (uint32_t i = 0; i < s->count; i++) {
        total += s->tfs[i];
        s->pos_start[i + 1] = total;
    }
    const uint8_t *p = c->pos_file.ptr + s->pos_at[b];
    size_t len = (size_t)(s->pos_at[b + 1] - s->pos_at[b]);
    /* the one chunk of a one-block term has no crc: its block's covered it at open */
    size_t crc_len = s->block_count == 1 ? 0 : CRC_LEN;
    /* a group of 128 values takes at least its head byte */
    if (len < crc_len || total > c->meta.cf || total > (uint64_t)(len - crc_len) * 128)
        return quire_corrupt("%s: block %u: %llu positions in %zu bytes", c->pos_name, b,
                             (unsigned long long)total, len);
    const uint8_t *end = p + len - crc_len;
    if (crc_len && quire_crc32(0, p, len - CRC_LEN) != quire_load_le32(end))
        return quire_corrupt("%s: block %u: CRC mismatch", c->pos_name, b);
    s->pos_block = UINT32_MAX;
    if (total > s->pos_cap) {
        size_t cap = s->pos_cap ? s->pos_cap : 1024;
        while (cap < total)
            cap *= 2;
        quire_free(s->pos);
        s->pos_cap = 0;
        s->pos = quire_malloc(cap * sizeof *s->pos);
        if (!s->pos)
            return quire_error(QUIRE_ENOMEM, "%s: out of memory", c->pos_name);
        s->pos_cap = cap;
    }
    const uint64_t groups = (total + QUIRE_BITPACK_MAX - 1) / QUIRE_BITPACK_MAX;
    if (s->groups_cap == 0) { /* most chunks: no allocation */
        s->group_off = s->small_off;
        s->group_done = s->small_done;
        s->groups_cap = SMALL_GROUPS + 1;
    }
    if (groups + 1 > s->groups_cap) {
        size_t cap = s->groups_cap * 2;
        while (cap < groups + 1)
            cap *= 2;
        if (s->group_off != s->small_off) {
            quire_free(s->group_off);
            quire_free(s->group_done);
        }
        s->group_off = NULL;
        s->group_done = NULL;
        s->groups_cap = 0;
        size_t *off = quire_malloc(cap * sizeof *off);
        uint8_t *done = quire_malloc(cap);
        if (!off || !done) {
            quire_free(off);
            quire_free(done);
            return quire_error(QUIRE_ENOMEM, "%s: out of memory", c->pos_name);
        }
        s->group_off = off;
        s->group_done = done;
        s->groups_cap = cap;
    }
    memset(s->group_done, 0, (size_t)groups);
    s->group_off[0] = 0;
    s->groups_found = 0;
    s->pos_chunk = p;
    s->pos_end = end;
    memset(s->pos_summed, 0, sizeof s->pos_summed);
    s->pos_block = b;
    if (total == 0 && p != end)
        return quire_corrupt("%s: block %u: %zu stray bytes", c->pos_name, b, (size_t)(end - p));
    return QUIRE_OK;
}

/* Values of group g of the open chunk. */
static size_t group_values(const cstate *s, uint64_t g)
{
    const uint64_t total = s->pos_start[s->count], first = g * QUIRE_BITPACK_MAX;
    return total - first < QUIRE_BITPACK_MAX ? (size_t)(total - first) : QUIRE_BITPACK_MAX;
}

static int bad_group(quire_postings_cursor *c)
{
    c->st->pos_block = UINT32_MAX;
    return quire_corrupt("%s: block %u: bad group", c->pos_name, c->st->block);
}

/* Make the values [from, upto) of the open chunk available in pos: the groups before them
 * are skipped (their lengths read, not their values) and only the groups holding them are
 * unpacked, so a posting late in a block of a frequent word costs its own groups, not
 * every value before it. Once the last group is found, the chunk must be used up exactly. */
static int unpack_range(quire_postings_cursor *c, uint64_t from, uint64_t upto)
{
    cstate *s = c->st;
    if (from >= upto)
        return QUIRE_OK;
    const uint64_t g0 = from / QUIRE_BITPACK_MAX, g1 = (upto - 1) / QUIRE_BITPACK_MAX;
    if (g0 == g1 && g0 < s->groups_found && s->group_done[g0])
        return QUIRE_OK; /* the common case: a posting in a group already unpacked */
    const uint64_t groups = (s->pos_start[s->count] + QUIRE_BITPACK_MAX - 1) / QUIRE_BITPACK_MAX;
    const size_t chunk_len = (size_t)(s->pos_end - s->pos_chunk);
    while (s->groups_found <= g1) { /* find where groups_found + 1 starts */
        const uint64_t g = s->groups_found;
        const size_t at = s->group_off[g];
        size_t used;
        /* a group wanted is unpacked right away (which measures it too), one before
         * them only measured */
        const int rc =
            at == chunk_len || (s->pos_chunk[at] & QUIRE_PFOR_SPARE) ? QUIRE_ECORRUPT
            : g >= g0
                ? quire_pfor_unpack(s->pos + g * QUIRE_BITPACK_MAX, group_values(s, g),
                                    s->pos_chunk + at, chunk_len - at, &used)
                : quire_pfor_skip(group_values(s, g), s->pos_chunk + at, chunk_len - at, &used);
        if (rc != QUIRE_OK)
            return bad_group(c);
        s->group_done[g] = g >= g0;
        s->group_off[g + 1] = at + used;
        s->groups_found++;
        if (s->groups_found == groups && at + used != chunk_len) {
            s->pos_block = UINT32_MAX;
            return quire_corrupt("%s: block %u: %zu stray bytes", c->pos_name, s->block,
                                 chunk_len - (at + used));
        }
    }
    for (uint64_t g = g0; g <= g1; g++) {
        if (s->group_done[g])
            continue;
        const size_t at = s->group_off[g];
        size_t used;
        if (quire_pfor_unpack(s->pos + g * QUIRE_BITPACK_MAX, group_values(s, g), s->pos_chunk + at,
                              chunk_len - at, &used) != QUIRE_OK ||
            at + used != s->group_off[g + 1])
            return bad_group(c);
        s->group_done[g] = 1;
    }
    return QUIRE_OK;
}

int quire_postings_positions(quire_postings_cursor *c, const uint32_t **positions, uint32_t *count)
{
    cstate *s = c->st;
    if (!s->has_positions)
        return quire_error(QUIRE_EINVAL, "%s: term has no positions", c->pos_name);
    if (!s->started || c->doc == QUIRE_DOC_END)
        return quire_error(QUIRE_EINVAL, "%s: cursor not on a posting", c->pos_name);
    int rc;
    if (s->pos_block != s->block && (rc = open_chunk(c)) != QUIRE_OK)
        return rc;
    const uint32_t i = s->i;
    if ((rc = unpack_range(c, s->pos_start[i], s->pos_start[i + 1])) != QUIRE_OK)
        return rc;
    uint32_t *v = s->pos + s->pos_start[i];
    if (!s->pos_summed[i]) {
        /* the first position as is, then each the previous plus its delta */
        uint64_t sum = 0;
        for (uint32_t k = 0; k < s->tfs[i]; k++) {
            sum += v[k];
            v[k] = (uint32_t)sum;
        }
        if (sum > UINT32_MAX) {
            s->pos_block = UINT32_MAX;
            return quire_corrupt("%s: block %u: position overflow", c->pos_name, s->block);
        }
        s->pos_summed[i] = 1;
    }
    *positions = v;
    *count = s->tfs[i];
    return QUIRE_OK;
}
