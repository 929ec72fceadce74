/*
 * segment_writer.c - writes one segment's six files (FORMAT.md "Segment files").
 *
 * Documents come first, in doc-id order: their lengths stream to .len, their metadata to
 * .dmd in CRC-checked groups, their text to .sto in compressed blocks. Terms follow in
 * dictionary key order: postings stream to .doc/.pos through the postings writer, and the
 * entry (kind + postings meta + forms) goes to the dictionary in .ter. Every file is
 * written front to back; indexes and footers come last; finish fsyncs them all. Until a
 * manifest names the segment, its files are invisible garbage that cleanup removes.
 */
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* ZDICT_trainFromBuffer_fastCover() is in zstd's "static linking only" section, and
 * exported by the shared libzstd (stable since zstd 1.3.6). */
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include "framing.h"
#include "quire/ids.h"
#include "quire/segment.h"
#include "revdict.h"
#include "segment_layout.h"

const char *const quire_segment_file_ext[QUIRE_SEG_FILE_COUNT] = {"ter", "doc", "pos",
                                                                  "len", "dmd", "sto"};

struct quire_segment_writer {
    char *dir;
    uint64_t id;
    quire_sink sink[QUIRE_SEG_FILE_COUNT];
    int err; /* sticky */
    quire_postings_writer *postings;
    quire_termdict_writer *dict;
    /* documents */
    uint32_t doc_count;
    uint64_t total_tokens;
    uint64_t text_total;      /* bytes of text promised by the docs added */
    uint64_t store_total;     /* bytes of text covered by blocks written */
    bool own_store;           /* add_doc mode: the writer compresses */
    bool meta_mode;           /* add_doc_meta mode */
    quire_buf pending_text;   /* add_doc mode: text not yet in a block */
    quire_store_encoder *enc; /* add_doc mode: made at the first block */
    quire_buf block;          /* scratch for one encoded block */
    quire_buf group;          /* .dmd records of the current group */
    quire_buf last_origin;    /* origin of the group's previous record */
    uint64_t group_text_off;
    quire_buf dmd_index; /* u64 per group */
    quire_buf id_pairs;  /* .ids: hash le64, doc le32 per document */
    quire_buf forms;     /* .rvd: every form (varint length, bytes), in order */
    quire_buf sto_index; /* STO_INDEX_ENTRY per block */
    uint64_t sto_blocks;
    quire_buf sto_dict; /* the .sto's zstd dictionary (format 4), empty if none */
    bool sto_dict_set;
    /* terms */
    quire_buf key;   /* current term's dictionary key */
    quire_buf value; /* current term's dictionary value */
    int term_kind;   /* TERM_VALUE_* of the term begun, -1 if none */
    uint64_t form_count, stem_count, posting_count;
    uint64_t pair_count; /* pair terms written (version 4) */
    bool has_pair_set;   /* the pair set entry is written: pairs may follow */
    bool in_pair;        /* the term begun is a pair */
    bool stems_begun;    /* a stem is written: no pair may follow */
};

static int fail(quire_segment_writer *w, int rc)
{
    if (!w->err)
        w->err = rc;
    return w->err;
}

int quire_segment_writer_new(quire_segment_writer **out, const char *dir, uint64_t id)
{
    *out = NULL;
    quire_segment_writer *w = quire_calloc(1, sizeof *w);
    if (!w)
        return quire_oom();
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++)
        w->sink[i].fd = -1;
    w->id = id;
    w->term_kind = -1;
    w->dir = quire_strndup(dir, strlen(dir));
    if (!w->dir) {
        quire_free(w);
        return quire_oom();
    }
    int rc = QUIRE_OK;
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT && rc == QUIRE_OK; i++) {
        char path[4096];
        segment_file_path(path, sizeof path, dir, id, quire_segment_file_ext[i]);
        rc = quire_sink_open(&w->sink[i], path);
        if (rc == QUIRE_OK)
            frame_write_header(&w->sink[i], kind_tags[i], id);
    }
    if (rc == QUIRE_OK)
        rc = quire_postings_writer_new(&w->postings, &w->sink[QUIRE_SEG_DOC],
                                       &w->sink[QUIRE_SEG_POS]);
    if (rc == QUIRE_OK)
        quire_postings_writer_set_inline(w->postings, QUIRE_INLINE_MAX);
    if (rc == QUIRE_OK)
        rc = quire_termdict_writer_new(&w->dict, &w->sink[QUIRE_SEG_TER]);
    if (rc != QUIRE_OK) {
        quire_segment_writer_abort(w);
        return rc;
    }
    *out = w;
    return QUIRE_OK;
}

void quire_segment_writer_abort(quire_segment_writer *w)
{
    if (!w)
        return;
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++)
        quire_sink_abort(&w->sink[i]);
    quire_postings_writer_free(w->postings);
    quire_termdict_writer_free(w->dict);
    quire_buf_free(&w->pending_text);
    quire_store_encoder_free(w->enc);
    quire_buf_free(&w->block);
    quire_buf_free(&w->group);
    quire_buf_free(&w->last_origin);
    quire_buf_free(&w->dmd_index);
    quire_buf_free(&w->id_pairs);
    quire_buf_free(&w->forms);
    quire_buf_free(&w->sto_index);
    quire_buf_free(&w->sto_dict);
    quire_buf_free(&w->key);
    quire_buf_free(&w->value);
    quire_free(w->dir);
    quire_free(w);
}

/* ---- stored text ---- */

struct quire_store_encoder {
    struct libdeflate_compressor *c; /* DEFLATE blocks, or */
    ZSTD_CCtx *zc;                   /* zstd blocks with the dictionary zd */
    ZSTD_CDict *zd;
};

int quire_store_encoder_new(quire_store_encoder **out, int level)
{
    *out = NULL;
    if (level < 0 || level > 12)
        return quire_error(QUIRE_EINVAL, "stored-text level %d (0 to 12)", level);
    quire_store_encoder *e = quire_calloc(1, sizeof *e);
    if (!e)
        return quire_oom();
    e->c = libdeflate_alloc_compressor(level);
    if (!e->c) {
        quire_free(e);
        return quire_error(QUIRE_ENOMEM, "libdeflate: out of memory for a compressor");
    }
    *out = e;
    return QUIRE_OK;
}

int quire_store_encoder_new_dict(quire_store_encoder **out, int level, quire_bytes dict)
{
    if (dict.len == 0 || level == 0)
        return quire_store_encoder_new(out, level);
    *out = NULL;
    if (level < 1 || level > 19)
        return quire_error(QUIRE_EINVAL, "stored-text level %d (1 to 19 with a dictionary)", level);
    quire_store_encoder *e = quire_calloc(1, sizeof *e);
    if (!e)
        return quire_oom();
    e->zc = ZSTD_createCCtx();
    e->zd = ZSTD_createCDict(dict.ptr, dict.len, level);
    /* the frame says neither the dictionary's id (the file has one dictionary) nor the
     * content size (the block's ulen does): 6 bytes a block fewer */
    if (!e->zc || !e->zd || ZSTD_isError(ZSTD_CCtx_refCDict(e->zc, e->zd)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_dictIDFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_contentSizeFlag, 0)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(e->zc, ZSTD_c_checksumFlag, 0))) {
        quire_store_encoder_free(e);
        return quire_error(QUIRE_ENOMEM, "zstd: cannot set up a compressor with the dictionary");
    }
    *out = e;
    return QUIRE_OK;
}

void quire_store_encoder_free(quire_store_encoder *e)
{
    if (!e)
        return;
    if (e->c)
        libdeflate_free_compressor(e->c);
    ZSTD_freeCCtx(e->zc);
    ZSTD_freeCDict(e->zd);
    quire_free(e);
}

int quire_store_encoder_encode(quire_store_encoder *e, quire_buf *out, const uint8_t *text,
                               size_t len)
{
    if (len > QUIRE_STORE_BLOCK_MAX)
        return quire_error(QUIRE_EINVAL, "stored-text block of %zu bytes (the most is %d)", len,
                           QUIRE_STORE_BLOCK_MAX);
    size_t bound = e->zc ? ZSTD_compressBound(len) : libdeflate_deflate_compress_bound(e->c, len);
    size_t start = out->len;
    if (!quire_buf_reserve(out, 8 + bound + 4))
        return quire_oom();
    uint8_t *head = out->data + start;
    size_t clen;
    uint32_t codec = QUIRE_STORE_DEFLATE;
    if (e->zc) {
        clen = ZSTD_compress2(e->zc, head + 8, bound, text, len);
        if (ZSTD_isError(clen))
            return quire_error(QUIRE_EIO, "zstd: a block of %zu bytes: %s", len,
                               ZSTD_getErrorName(clen));
        codec = QUIRE_STORE_ZSTD;
    } else {
        /* Raw DEFLATE (RFC 1951, what zlib's windowBits -15 reads): the block's own CRC-32
         * replaces a zlib or gzip wrapper's check. */
        clen = libdeflate_deflate_compress(e->c, text, len, head + 8, bound);
        if (clen == 0)
            return quire_error(QUIRE_EIO, "libdeflate: a block of %zu bytes did not fit its bound",
                               len);
    }
    quire_store_le32(head, (uint32_t)len | codec << 24);
    quire_store_le32(head + 4, (uint32_t)clen);
    quire_store_le32(head + 8 + clen, quire_crc32(0, head, 8 + clen));
    out->len = start + 8 + clen + 4;
    return QUIRE_OK;
}

int quire_store_block_codec(quire_bytes encoded)
{
    return encoded.len < 4 ? -1 : (int)(quire_load_le32(encoded.ptr) >> 24);
}

int quire_store_dict_train(quire_buf *out, const uint8_t *text, size_t len)
{
    out->len = 0;
    if (len > QUIRE_STORE_DICT_SAMPLE)
        len = QUIRE_STORE_DICT_SAMPLE;
    /* samples: the text cut as the blocks are; a dictionary pays for itself only over
     * enough blocks (below 64 of them, none is trained) */
    size_t count = len / QUIRE_STORE_BLOCK;
    if (count < 64)
        return QUIRE_OK;
    size_t *sizes = quire_calloc(count, sizeof *sizes);
    if (!sizes || !quire_buf_reserve(out, QUIRE_STORE_DICT_MAX)) {
        quire_free(sizes);
        return quire_oom();
    }
    for (size_t i = 0; i < count; i++)
        sizes[i] = QUIRE_STORE_BLOCK;
    size_t cap = count * QUIRE_STORE_BLOCK / 16 < QUIRE_STORE_DICT_MAX
                     ? count * QUIRE_STORE_BLOCK / 16
                     : QUIRE_STORE_DICT_MAX;
    /* fastCover with the parameters ZDICT_trainFromBuffer()'s search settles on for both
     * corpora (k 50, d 8, f 20, accel 1) but without the search, which trains four times
     * on three quarters of the samples: on Reuters-21578 489M instructions -> 115M (7% of
     * a whole one-thread indexing run), and the stored text 0.03% smaller (0.5% on the
     * Wikipedia sample), all the samples being trained on. */
    ZDICT_fastCover_params_t p;
    memset(&p, 0, sizeof p);
    p.k = 50;
    p.d = 8;
    p.f = 20;
    p.accel = 1;
    p.nbThreads = 1;
    p.zParams.compressionLevel = 3; /* the default store level; the tables are its */
    size_t n = ZDICT_trainFromBuffer_fastCover(out->data, cap, text, sizes, (unsigned)count, p);
    quire_free(sizes);
    out->len = ZDICT_isError(n) ? 0 : n; /* nothing learnt: no dictionary */
    return QUIRE_OK;
}

int quire_segment_writer_set_store_dict(quire_segment_writer *w, quire_bytes dict)
{
    if (w->err)
        return w->err;
    if (w->sto_dict_set || w->sto_blocks > 0)
        return fail(w, quire_error(QUIRE_EINVAL, "stored-text dictionary set after blocks"));
    if (dict.len > QUIRE_STORE_DICT_MAX)
        return fail(w, quire_error(QUIRE_EINVAL, "stored-text dictionary of %zu bytes", dict.len));
    w->sto_dict_set = true;
    w->sto_dict.len = 0;
    quire_buf_put(&w->sto_dict, dict.ptr, dict.len);
    return w->sto_dict.err ? fail(w, quire_oom()) : QUIRE_OK;
}

int quire_store_block_encode(quire_buf *out, const uint8_t *text, size_t len, int level)
{
    quire_store_encoder *e;
    int rc = quire_store_encoder_new(&e, level);
    if (rc != QUIRE_OK)
        return rc;
    rc = quire_store_encoder_encode(e, out, text, len);
    quire_store_encoder_free(e);
    return rc;
}

int quire_segment_writer_add_store_block(quire_segment_writer *w, quire_bytes encoded)
{
    if (w->err)
        return w->err;
    if (encoded.len < STO_BLOCK_OVERHEAD)
        return fail(w, quire_error(QUIRE_EINVAL, "stored-text block too short"));
    uint32_t ulen = quire_load_le32(encoded.ptr) & STO_ULEN_MASK;
    uint32_t clen = quire_load_le32(encoded.ptr + 4);
    int codec = quire_store_block_codec(encoded);
    if ((uint64_t)clen + STO_BLOCK_OVERHEAD != encoded.len)
        return fail(w, quire_error(QUIRE_EINVAL, "stored-text block lengths disagree"));
    if (codec != QUIRE_STORE_DEFLATE && (codec != QUIRE_STORE_ZSTD || w->sto_dict.len == 0))
        return fail(w, quire_error(QUIRE_EINVAL,
                                   "stored-text block of codec %d without its "
                                   "dictionary",
                                   codec));
    uint8_t entry[STO_INDEX_ENTRY];
    quire_store_le64(entry, w->store_total);
    quire_store_le64(entry + 8, w->sink[QUIRE_SEG_STO].offset);
    quire_buf_put(&w->sto_index, entry, sizeof entry);
    quire_sink_write(&w->sink[QUIRE_SEG_STO], encoded.ptr, encoded.len);
    w->store_total += ulen;
    w->sto_blocks++;
    if (w->sto_index.err)
        return fail(w, quire_oom());
    return w->sink[QUIRE_SEG_STO].err ? fail(w, w->sink[QUIRE_SEG_STO].err) : QUIRE_OK;
}

/* add_doc mode: cut pending text into blocks of QUIRE_STORE_BLOCK (all of it if `all`). */
static int flush_pending_text(quire_segment_writer *w, bool all)
{
    size_t done = 0;
    while (w->pending_text.len - done >= QUIRE_STORE_BLOCK || (all && w->pending_text.len > done)) {
        size_t n = w->pending_text.len - done;
        if (n > QUIRE_STORE_BLOCK)
            n = QUIRE_STORE_BLOCK;
        w->block.len = 0;
        int rc = w->enc ? QUIRE_OK : quire_store_encoder_new(&w->enc, 6);
        if (rc == QUIRE_OK)
            rc = quire_store_encoder_encode(w->enc, &w->block, w->pending_text.data + done, n);
        if (rc != QUIRE_OK)
            return fail(w, rc);
        rc = quire_segment_writer_add_store_block(w, quire_bytes_of(w->block.data, w->block.len));
        if (rc != QUIRE_OK)
            return rc;
        done += n;
    }
    if (done == 0)
        return QUIRE_OK; /* data may still be NULL: nothing has been added */
    memmove(w->pending_text.data, w->pending_text.data + done, w->pending_text.len - done);
    w->pending_text.len -= done;
    return QUIRE_OK;
}

/* ---- documents ---- */

static void flush_group(quire_segment_writer *w)
{
    if (w->group.len == 0)
        return;
    quire_sink *s = &w->sink[QUIRE_SEG_DMD];
    quire_buf_put_le64(&w->dmd_index, s->offset);
    /* group: varint text_off of its first doc, varint byte length, records, crc; the crc
     * starts with the file's version (from DMD_SOURCE_VERSION on), which decides how the
     * records read, so that a damaged version byte cannot make them read otherwise */
    uint8_t head[2 * QUIRE_VARINT_MAX];
    size_t hl = quire_varint_put(head, w->group_text_off);
    hl += quire_varint_put(head + hl, w->group.len);
    uint32_t crc = quire_crc32(quire_crc32(dmd_crc_seed(QUIRE_FORMAT_VERSION), head, hl),
                               w->group.data, w->group.len);
    quire_sink_write(s, head, hl);
    quire_sink_write(s, w->group.data, w->group.len);
    quire_sink_put_le32(s, crc);
    w->group.len = 0;
}

/* Record a document: its lengths in .len, its record in the current .dmd group. */
static int add_meta(quire_segment_writer *w, const quire_doc_info *info)
{
    if (w->doc_count == UINT32_MAX - 1)
        return fail(w, quire_error(QUIRE_ELIMIT, "too many documents in one segment"));
    if (info->title_len > info->doc_len)
        return fail(w, quire_error(QUIRE_EINVAL, "title longer than the document"));
    if (w->doc_count % DMD_GROUP_DOCS == 0) {
        flush_group(w);
        w->group_text_off = w->text_total;
        w->last_origin.len = 0;
    }
    if (info->origin.len == 0)
        return fail(w, quire_error(QUIRE_EINVAL, "document without an origin"));
    quire_buf *g = &w->group;
    quire_buf_put_str(g, info->external_id.ptr, info->external_id.len);
    quire_buf_put_str(g, info->title.ptr, info->title.len);
    /* An origin equal to the previous record's in the group is stored empty. */
    bool same = w->last_origin.len == info->origin.len &&
                memcmp(w->last_origin.data, info->origin.ptr, info->origin.len) == 0;
    quire_buf_put_str(g, info->origin.ptr, same ? 0 : info->origin.len);
    if (!same) {
        w->last_origin.len = 0;
        quire_buf_put(&w->last_origin, info->origin.ptr, info->origin.len);
    }
    quire_buf_put_varint(g, date_encode(info->date));
    quire_buf_put_varint(g, info->text_len);
    /* version 3: the text map, checked here so that no writer stores a wrong one */
    uint32_t map_count;
    if (quire_text_map_decode(info, NULL, 0, &map_count) != QUIRE_OK)
        return fail(w, quire_error(QUIRE_EINVAL, "document %u: bad text map", w->doc_count));
    quire_buf_put_str(g, info->text_map.ptr, info->text_map.len);
    /* QUIRE_FORMAT_VERSION >= DMD_SOURCE_VERSION */
    quire_buf_put_varint(g, info->src_line);
    quire_buf_put_varint(g, info->src_column);
    quire_buf_put_varint(g, info->src_offset_plus1);
    uint8_t pair[12];
    quire_store_le64(pair, quire_id_hash(info->external_id.ptr, info->external_id.len));
    quire_store_le32(pair + 8, w->doc_count);
    quire_buf_put(&w->id_pairs, pair, sizeof pair);
    if (g->err || w->dmd_index.err || w->last_origin.err || w->id_pairs.err)
        return fail(w, quire_oom());
    uint8_t lens[8];
    quire_store_le32(lens, info->doc_len);
    quire_store_le32(lens + 4, info->title_len);
    quire_sink_write(&w->sink[QUIRE_SEG_LEN], lens, sizeof lens);
    w->text_total += info->text_len;
    w->total_tokens += info->doc_len;
    w->doc_count++;
    return QUIRE_OK;
}

int quire_segment_writer_add_doc_meta(quire_segment_writer *w, const quire_doc_info *info)
{
    if (w->err)
        return w->err;
    if (w->own_store)
        return fail(w, quire_error(QUIRE_EINVAL, "add_doc_meta mixed with add_doc"));
    w->meta_mode = true;
    return add_meta(w, info);
}

int quire_segment_writer_add_doc(quire_segment_writer *w, const quire_doc_info *info,
                                 quire_bytes text)
{
    if (w->err)
        return w->err;
    if (w->meta_mode)
        return fail(w, quire_error(QUIRE_EINVAL, "add_doc mixed with add_doc_meta"));
    quire_doc_info copy = *info;
    copy.text_len = text.len;
    w->own_store = true;
    int rc = add_meta(w, &copy);
    if (rc != QUIRE_OK)
        return rc;
    quire_buf_put(&w->pending_text, text.ptr, text.len);
    if (w->pending_text.err)
        return fail(w, quire_oom());
    return flush_pending_text(w, false);
}

/* ---- terms ---- */

static int begin_term(quire_segment_writer *w, int kind, const uint8_t *key, size_t key_len,
                      bool stem)
{
    if (w->err)
        return w->err;
    if (w->term_kind != -1)
        return fail(w, quire_error(QUIRE_EINVAL, "term begun before the last one ended"));
    w->key.len = 0;
    w->in_pair = false;
    if (stem) {
        quire_buf_put_byte(&w->key, QUIRE_STEM_PREFIX);
        w->stems_begun = true;
    }
    quire_buf_put(&w->key, key, key_len);
    w->value.len = 0;
    quire_buf_put_byte(&w->value, (uint8_t)kind);
    if (w->key.err || w->value.err)
        return fail(w, quire_oom());
    w->term_kind = kind;
    return QUIRE_OK;
}

int quire_segment_writer_begin_form(quire_segment_writer *w, quire_bytes form)
{
    if (form.len == 0 || form.ptr[0] >= QUIRE_PAIR_PREFIX || w->has_pair_set)
        return fail(w, quire_error(QUIRE_EINVAL, "bad form key"));
    int rc = begin_term(w, TERM_VALUE_FORM, form.ptr, form.len, false);
    if (rc == QUIRE_OK)
        quire_postings_begin(w->postings, true);
    return rc;
}

void quire_pair_set_encode(quire_buf *out, const char *const *words, uint32_t count)
{
    quire_buf_put_varint(out, count);
    for (uint32_t i = 0; i < count; i++)
        quire_buf_put_str(out, words[i], strlen(words[i]));
}

/* Whether `set` is a well-formed pair set: count >= 1, then count words, each 1 to 255
 * bytes, none holding the separator or starting with a prefix byte, strictly ascending. */
bool segment_pair_set_is_valid(quire_bytes set)
{
    const uint8_t *p = set.ptr, *end = set.ptr + set.len;
    uint64_t n;
    if (quire_varint_get(&n, &p, end) != QUIRE_OK || n == 0 || n > set.len)
        return false;
    quire_bytes prev = {NULL, 0};
    for (uint64_t i = 0; i < n; i++) {
        uint64_t len;
        if (quire_varint_get(&len, &p, end) != QUIRE_OK || len == 0 || len > 255 ||
            len > (uint64_t)(end - p) || p[0] >= QUIRE_PAIR_PREFIX ||
            memchr(p, QUIRE_PAIR_SEPARATOR, (size_t)len) != NULL)
            return false;
        if (i > 0) {
            size_t m = prev.len < len ? prev.len : (size_t)len;
            int c = memcmp(prev.ptr, p, m);
            if (c > 0 || (c == 0 && prev.len >= len))
                return false;
        }
        prev = quire_bytes_of(p, (size_t)len);
        p += len;
    }
    return p == end;
}

int quire_segment_writer_add_pair_set(quire_segment_writer *w, quire_bytes encoded)
{
    if (w->err)
        return w->err;
    if (w->has_pair_set || w->stems_begun || w->term_kind != -1 ||
        !segment_pair_set_is_valid(encoded))
        return fail(w, quire_error(QUIRE_EINVAL, "pair set out of place or malformed"));
    const uint8_t key = QUIRE_PAIR_PREFIX;
    w->value.len = 0;
    quire_buf_put_byte(&w->value, TERM_VALUE_PAIR_SET);
    quire_buf_put(&w->value, encoded.ptr, encoded.len);
    if (w->value.err)
        return fail(w, quire_oom());
    int rc = quire_termdict_add(w->dict, quire_bytes_of(&key, 1),
                                quire_bytes_of(w->value.data, w->value.len));
    if (rc != QUIRE_OK)
        return fail(w, rc);
    w->has_pair_set = true;
    return QUIRE_OK;
}

int quire_segment_writer_begin_pair(quire_segment_writer *w, quire_bytes pair)
{
    const uint8_t *sep = pair.len > 2 ? memchr(pair.ptr, QUIRE_PAIR_SEPARATOR, pair.len) : NULL;
    if (!w->has_pair_set || w->stems_begun || sep == NULL || sep == pair.ptr ||
        sep == pair.ptr + pair.len - 1 || pair.ptr[0] >= QUIRE_PAIR_PREFIX)
        return fail(w, quire_error(QUIRE_EINVAL, "bad pair key"));
    uint8_t prefix = QUIRE_PAIR_PREFIX;
    int rc = begin_term(w, TERM_VALUE_FORM, &prefix, 1, false);
    if (rc != QUIRE_OK)
        return rc;
    quire_buf_put(&w->key, pair.ptr, pair.len);
    if (w->key.err)
        return fail(w, quire_oom());
    w->in_pair = true;
    quire_postings_begin(w->postings, true);
    return QUIRE_OK;
}

int quire_segment_writer_begin_stem(quire_segment_writer *w, quire_bytes stem,
                                    const quire_bytes *forms, uint32_t form_count)
{
    if (form_count < 2)
        return fail(w, quire_error(QUIRE_EINVAL, "a stem with one form is an alias"));
    int rc = begin_term(w, TERM_VALUE_STEM, stem.ptr, stem.len, true);
    if (rc != QUIRE_OK)
        return rc;
    /* value: kind, forms (count + strings), then the postings meta at end_term */
    quire_buf_put_varint(&w->value, form_count);
    for (uint32_t i = 0; i < form_count; i++)
        quire_buf_put_str(&w->value, forms[i].ptr, forms[i].len);
    if (w->value.err)
        return fail(w, quire_oom());
    quire_postings_begin(w->postings, false);
    return QUIRE_OK;
}

int quire_segment_writer_add_posting(quire_segment_writer *w, uint32_t doc, uint32_t tf,
                                     const uint32_t *positions, uint32_t doc_len)
{
    if (w->err)
        return w->err;
    if (doc >= w->doc_count)
        return fail(w, quire_error(QUIRE_EINVAL, "posting for doc %u of %u", doc, w->doc_count));
    int rc = quire_postings_add(w->postings, doc, tf, positions, doc_len);
    if (rc != QUIRE_OK)
        return fail(w, rc);
    w->posting_count += !w->in_pair;
    return QUIRE_OK;
}

int quire_segment_writer_add_blocks(quire_segment_writer *w, const quire_postings_blocks *blocks)
{
    if (w->err)
        return w->err;
    if (blocks->blocks && blocks->last_doc >= w->doc_count)
        return fail(w, quire_error(QUIRE_EINVAL, "posting for doc %u of %u", blocks->last_doc,
                                   w->doc_count));
    int rc = quire_postings_add_blocks(w->postings, blocks);
    if (rc != QUIRE_OK)
        return fail(w, rc);
    w->posting_count += w->in_pair ? 0 : blocks->df;
    return QUIRE_OK;
}

int quire_segment_writer_add_posting_gaps(quire_segment_writer *w, uint32_t doc, uint32_t tf,
                                          const uint32_t *gaps, uint32_t doc_len)
{
    if (w->err)
        return w->err;
    if (doc >= w->doc_count)
        return fail(w, quire_error(QUIRE_EINVAL, "posting for doc %u of %u", doc, w->doc_count));
    int rc = quire_postings_add_gaps(w->postings, doc, tf, gaps, doc_len);
    if (rc != QUIRE_OK)
        return fail(w, rc);
    w->posting_count += !w->in_pair;
    return QUIRE_OK;
}

int quire_segment_writer_end_term(quire_segment_writer *w)
{
    if (w->err)
        return w->err;
    if (w->term_kind != TERM_VALUE_FORM && w->term_kind != TERM_VALUE_STEM)
        return fail(w, quire_error(QUIRE_EINVAL, "end_term without a term"));
    quire_postings_meta meta;
    int rc = quire_postings_end(w->postings, &meta);
    if (rc != QUIRE_OK)
        return fail(w, rc);
    if (meta.is_inline) {
        w->value.data[0] =
            w->term_kind == TERM_VALUE_FORM ? TERM_VALUE_FORM_INLINE : TERM_VALUE_STEM_INLINE;
        quire_postings_meta_encode_inline(&w->value, &meta);
    } else {
        quire_postings_meta_encode(&w->value, &meta);
    }
    if (w->value.err)
        return fail(w, quire_oom());
    rc = quire_termdict_add(w->dict, quire_bytes_of(w->key.data, w->key.len),
                            quire_bytes_of(w->value.data, w->value.len));
    if (rc != QUIRE_OK)
        return fail(w, rc);
    if (w->in_pair)
        w->pair_count++;
    else if (w->term_kind == TERM_VALUE_FORM) {
        w->form_count++;
        quire_buf_put_str(&w->forms, w->key.data, w->key.len); /* for .rvd */
    } else
        w->stem_count++;
    w->term_kind = -1;
    w->in_pair = false;
    return QUIRE_OK;
}

int quire_segment_writer_add_alias_stem(quire_segment_writer *w, quire_bytes stem, quire_bytes form)
{
    int rc = begin_term(w, TERM_VALUE_ALIAS, stem.ptr, stem.len, true);
    if (rc != QUIRE_OK)
        return rc;
    bool same = form.len == stem.len && memcmp(form.ptr, stem.ptr, stem.len) == 0;
    quire_buf_put_str(&w->value, form.ptr, same ? 0 : form.len);
    if (w->value.err)
        return fail(w, quire_oom());
    rc = quire_termdict_add(w->dict, quire_bytes_of(w->key.data, w->key.len),
                            quire_bytes_of(w->value.data, w->value.len));
    if (rc != QUIRE_OK)
        return fail(w, rc);
    w->stem_count++;
    w->term_kind = -1;
    return QUIRE_OK;
}

/* ---- finish ---- */

static void finish_plain(quire_sink *s, uint64_t count)
{
    frame_footer f = {s->offset, 0, quire_crc32(0, NULL, 0), 0, count};
    frame_write_footer(s, &f);
}

static void finish_with_index(quire_sink *s, const quire_buf *index, uint64_t count)
{
    frame_footer f = {s->offset, index->len, quire_crc32(0, index->data, index->len), 0, count};
    quire_sink_write(s, index->data, index->len);
    frame_write_footer(s, &f);
}

int quire_segment_writer_finish(quire_segment_writer *w, quire_segment_stats *stats)
{
    int rc = w->err;
    if (rc == QUIRE_OK && w->term_kind != -1)
        rc = quire_error(QUIRE_EINVAL, "segment finished inside a term");
    if (rc == QUIRE_OK && w->own_store)
        rc = flush_pending_text(w, true);
    if (rc == QUIRE_OK && w->store_total != w->text_total)
        rc = quire_error(QUIRE_EINVAL, "stored text covers %llu bytes, documents %llu",
                         (unsigned long long)w->store_total, (unsigned long long)w->text_total);
    memset(stats, 0, sizeof *stats);
    if (rc == QUIRE_OK) {
        flush_group(w);
        if (w->dmd_index.err || w->sto_index.err)
            rc = quire_oom();
    }
    if (rc == QUIRE_OK) {
        uint64_t dict_terms = 0, idx_off = 0, idx_len = 0;
        rc = quire_termdict_finish(w->dict, &dict_terms);
        if (rc == QUIRE_OK) {
            quire_termdict_writer_index(w->dict, &idx_off, &idx_len);
            quire_sink *t = &w->sink[QUIRE_SEG_TER];
            if (idx_off + idx_len != t->offset)
                rc = quire_error(QUIRE_EINVAL, "dictionary index is not at the end");
            /* The footer's index region is the stats block; it records where the
             * dictionary's sparse index is (which carries its own CRC). */
            uint8_t st[TER_STATS_LEN];
            quire_store_le64(st, w->doc_count);
            quire_store_le64(st + 8, w->total_tokens);
            quire_store_le64(st + 16, w->form_count);
            quire_store_le64(st + 24, w->stem_count);
            quire_store_le64(st + 32, w->posting_count);
            quire_store_le64(st + 40, w->text_total);
            quire_store_le64(st + 48, idx_off);
            quire_store_le64(st + 56, idx_len);
            frame_footer f = {t->offset, TER_STATS_LEN, quire_crc32(0, st, sizeof st), 0,
                              dict_terms};
            quire_sink_write(t, st, sizeof st);
            frame_write_footer(t, &f);
        }
    }
    if (rc == QUIRE_OK) {
        finish_plain(&w->sink[QUIRE_SEG_DOC], w->form_count + w->stem_count + w->pair_count);
        finish_plain(&w->sink[QUIRE_SEG_POS], w->form_count + w->pair_count);
        finish_plain(&w->sink[QUIRE_SEG_LEN], w->doc_count);
        finish_with_index(&w->sink[QUIRE_SEG_DMD], &w->dmd_index, w->doc_count);
        /* .sto (format 4): the block index, then the dictionary and its length */
        quire_buf_put(&w->sto_index, w->sto_dict.data, w->sto_dict.len);
        quire_buf_put_le32(&w->sto_index, (uint32_t)w->sto_dict.len);
        if (w->sto_index.err)
            rc = quire_oom();
        finish_with_index(&w->sink[QUIRE_SEG_STO], &w->sto_index, w->sto_blocks);
        stats->doc_count = w->doc_count;
        stats->total_tokens = w->total_tokens;
        stats->form_count = w->form_count;
        stats->stem_count = w->stem_count;
        stats->posting_count = w->posting_count;
        stats->text_bytes = w->text_total;
        for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++) {
            stats->file_bytes[i] = w->sink[i].offset;
            int frc = quire_sink_finish(&w->sink[i]);
            if (frc != QUIRE_OK && rc == QUIRE_OK)
                rc = frc;
        }
    }
    if (rc == QUIRE_OK)
        rc = quire_ids_write(w->dir, w->id, w->id_pairs.data, w->doc_count);
    if (rc == QUIRE_OK && w->forms.err)
        rc = quire_oom();
    if (rc == QUIRE_OK)
        rc = revdict_write(w->dir, w->id, &w->forms, w->form_count);
    if (rc != QUIRE_OK) {
        char path[4096];
        for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++) {
            quire_sink_abort(&w->sink[i]);
            segment_file_path(path, sizeof path, w->dir, w->id, quire_segment_file_ext[i]);
            unlink(path);
        }
        segment_file_path(path, sizeof path, w->dir, w->id, "ids");
        unlink(path);
        segment_file_path(path, sizeof path, w->dir, w->id, "rvd");
        unlink(path);
    }
    w->err = rc;
    quire_segment_writer_abort(w); /* frees; sinks are closed already */
    return rc;
}

void quire_segment_remove(const char *dir, uint64_t id)
{
    char path[4096];
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++) {
        segment_file_path(path, sizeof path, dir, id, quire_segment_file_ext[i]);
        unlink(path);
    }
    segment_file_path(path, sizeof path, dir, id, "ids");
    unlink(path);
    segment_file_path(path, sizeof path, dir, id, "rvd");
    unlink(path);
}
