/*
 * segment_reader.c - opens a segment's six files read-only (mmap) and answers lookups,
 * postings, document metadata and stored text. Everything read at open is checked (frames,
 * index CRCs, .len wholly, counts agreeing between files); the blocks read later carry
 * their own CRCs, checked when used. See FORMAT.md "Segment files".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include "framing.h"
#include "quire/segment.h"
#include "revdict.h"
#include "segment_layout.h"

struct quire_segment {
    uint64_t id;
    quire_map map[QUIRE_SEG_FILE_COUNT];
    frame_footer foot[QUIRE_SEG_FILE_COUNT];
    char *name[QUIRE_SEG_FILE_COUNT]; /* "seg-xxxxxxxx.ext" for messages */
    quire_termdict *dict;
    quire_segment_stats stats;
    quire_bytes doc_file, pos_file;
    const uint8_t *lens; /* doc_count * 8 bytes */
    const uint8_t *dmd_index;
    uint64_t dmd_groups;
    uint32_t dmd_version; /* of the .dmd file: records of DMD_SOURCE_VERSION on have more */
    /* one bit per .dmd group whose CRC has been checked: a group is checked on first use,
     * not on every look-up (the map is read-only, so the answer cannot change); bits are set
     * by any thread, relaxed, since a missed bit only means one more check */
    _Atomic uint64_t *dmd_checked;
    const uint8_t *sto_index;
    uint64_t sto_blocks;
    uint32_t ter_version; /* the .ter header's format version: 3 has inline postings */
    revdict *rvd;         /* .rvd (version 4), NULL if the segment has none */
    uint32_t sto_version; /* the .sto's: 4 has a dictionary and zstd blocks */
    quire_bytes sto_dict; /* into the .sto's index region; empty if none */
    ZSTD_DDict *sto_ddict; /* made from it at open */
    /* decompression contexts for zstd blocks, kept for reuse (making one costs more than a
     * block's decoding): taken and given back under dctx_mu */
    pthread_mutex_t dctx_mu;
    ZSTD_DCtx *dctx[4];
    uint32_t dctx_count;
    quire_bytes pair_set; /* version 4: the pair set's encoding (after its kind); empty: none */
};

/* A zstd context for one block: one kept, or a new one (NULL: out of memory). */
static ZSTD_DCtx *dctx_take(quire_segment *seg)
{
    ZSTD_DCtx *d = NULL;
    pthread_mutex_lock(&seg->dctx_mu);
    if (seg->dctx_count > 0)
        d = seg->dctx[--seg->dctx_count];
    pthread_mutex_unlock(&seg->dctx_mu);
    return d ? d : ZSTD_createDCtx();
}

static void dctx_give(quire_segment *seg, ZSTD_DCtx *d)
{
    pthread_mutex_lock(&seg->dctx_mu);
    if (seg->dctx_count < sizeof seg->dctx / sizeof seg->dctx[0]) {
        seg->dctx[seg->dctx_count++] = d;
        d = NULL;
    }
    pthread_mutex_unlock(&seg->dctx_mu);
    ZSTD_freeDCtx(d);
}

static int open_files(quire_segment *seg, const char *dir)
{
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++) {
        char path[4096];
        segment_file_path(path, sizeof path, dir, seg->id, quire_segment_file_ext[i]);
        const char *base = strrchr(path, '/');
        seg->name[i] = quire_strndup(path, strlen(path));
        if (!seg->name[i])
            return quire_oom();
        (void)base;
        int rc = quire_map_open(&seg->map[i], path);
        if (rc == QUIRE_ENOTFOUND)
            return quire_corrupt("%s: missing (the index names segment %llx)", path,
                                 (unsigned long long)seg->id);
        if (rc != QUIRE_OK)
            return rc;
        rc = frame_check(seg->map[i].bytes, kind_tags[i], seg->id, seg->name[i], &seg->foot[i]);
        if (rc != QUIRE_OK)
            return rc;
        seg->stats.file_bytes[i] = seg->map[i].bytes.len;
        if (i == QUIRE_SEG_TER)
            seg->ter_version = quire_load_le32(seg->map[i].bytes.ptr + 8);
        if (i == QUIRE_SEG_STO)
            seg->sto_version = quire_load_le32(seg->map[i].bytes.ptr + 8);
    }
    return QUIRE_OK;
}

/* The data region of a file: between header and index (or footer). */
static quire_bytes body_of(const quire_segment *seg, int i)
{
    return quire_bytes_of(seg->map[i].bytes.ptr, seg->foot[i].index_off);
}

int quire_segment_open(quire_segment **out, const char *dir, uint64_t id)
{
    *out = NULL;
    quire_segment *seg = quire_calloc(1, sizeof *seg);
    if (!seg)
        return quire_oom();
    seg->id = id;
    pthread_mutex_init(&seg->dctx_mu, NULL);
    int rc = open_files(seg, dir);
    if (rc != QUIRE_OK)
        goto fail;

    /* .ter: stats block, then the dictionary */
    const frame_footer *tf = &seg->foot[QUIRE_SEG_TER];
    const char *tname = seg->name[QUIRE_SEG_TER];
    if (tf->index_len != TER_STATS_LEN) {
        rc = quire_corrupt("%s: statistics block has the wrong size", tname);
        goto fail;
    }
    const uint8_t *st = seg->map[QUIRE_SEG_TER].bytes.ptr + tf->index_off;
    uint64_t doc_count = quire_load_le64(st);
    seg->stats.total_tokens = quire_load_le64(st + 8);
    seg->stats.form_count = quire_load_le64(st + 16);
    seg->stats.stem_count = quire_load_le64(st + 24);
    seg->stats.posting_count = quire_load_le64(st + 32);
    seg->stats.text_bytes = quire_load_le64(st + 40);
    uint64_t di_off = quire_load_le64(st + 48), di_len = quire_load_le64(st + 56);
    if (doc_count >= UINT32_MAX || di_off < FRAME_HEADER_LEN || di_off > tf->index_off ||
        di_len > tf->index_off - di_off ||
        (seg->ter_version < QUIRE_PAIR_VERSION
             ? tf->count != seg->stats.form_count + seg->stats.stem_count
             : tf->count < seg->stats.form_count + seg->stats.stem_count)) {
        rc = quire_corrupt("%s: statistics block is inconsistent", tname);
        goto fail;
    }
    seg->stats.doc_count = (uint32_t)doc_count;
    rc = quire_termdict_open(&seg->dict, body_of(seg, QUIRE_SEG_TER), di_off, di_len, tname);
    if (rc != QUIRE_OK)
        goto fail;
    if (quire_termdict_count(seg->dict) != tf->count) {
        rc = quire_corrupt("%s: dictionary holds %llu terms, statistics say %llu", tname,
                           (unsigned long long)quire_termdict_count(seg->dict),
                           (unsigned long long)tf->count);
        goto fail;
    }

    seg->doc_file = body_of(seg, QUIRE_SEG_DOC);
    seg->pos_file = body_of(seg, QUIRE_SEG_POS);
    if (tf->count > seg->stats.form_count + seg->stats.stem_count) {
        /* version 4: the pair part (the set, then pair terms) */
        const uint8_t set_key = QUIRE_PAIR_PREFIX;
        quire_bytes v;
        rc = quire_termdict_get(seg->dict, quire_bytes_of(&set_key, 1), &v, NULL);
        if (rc == QUIRE_ENOTFOUND)
            rc = quire_corrupt("%s: pair terms without a pair set", tname);
        if (rc == QUIRE_OK && (v.len < 1 || v.ptr[0] != TERM_VALUE_PAIR_SET ||
                               !segment_pair_set_is_valid(quire_bytes_of(v.ptr + 1, v.len - 1))))
            rc = quire_corrupt("%s: damaged pair set", tname);
        if (rc != QUIRE_OK)
            goto fail;
        seg->pair_set = quire_bytes_of(v.ptr + 1, v.len - 1);
    }

    /* .len: fixed records, checked wholly now since every query reads them */
    const frame_footer *lf = &seg->foot[QUIRE_SEG_LEN];
    if (lf->count != doc_count || lf->index_off != FRAME_HEADER_LEN + doc_count * 8) {
        rc = quire_corrupt("%s: holds %llu documents' lengths, expected %llu",
                           seg->name[QUIRE_SEG_LEN], (unsigned long long)lf->count,
                           (unsigned long long)doc_count);
        goto fail;
    }
    rc = frame_check_body(seg->map[QUIRE_SEG_LEN].bytes, lf, seg->name[QUIRE_SEG_LEN]);
    if (rc != QUIRE_OK)
        goto fail;
    seg->lens = seg->map[QUIRE_SEG_LEN].bytes.ptr + FRAME_HEADER_LEN;
    uint64_t tokens = 0;
    for (uint64_t d = 0; d < doc_count; d++) {
        uint32_t dl = quire_load_le32(seg->lens + d * 8),
                 tl = quire_load_le32(seg->lens + d * 8 + 4);
        if (tl > dl) {
            rc = quire_corrupt("%s: document %llu has a title longer than itself",
                               seg->name[QUIRE_SEG_LEN], (unsigned long long)d);
            goto fail;
        }
        tokens += dl;
    }
    if (tokens != seg->stats.total_tokens) {
        rc = quire_corrupt("%s: document lengths add up to %llu tokens, statistics say %llu",
                           seg->name[QUIRE_SEG_LEN], (unsigned long long)tokens,
                           (unsigned long long)seg->stats.total_tokens);
        goto fail;
    }

    /* .dmd: group index */
    const frame_footer *mf = &seg->foot[QUIRE_SEG_DMD];
    seg->dmd_groups = (doc_count + DMD_GROUP_DOCS - 1) / DMD_GROUP_DOCS;
    if (mf->count != doc_count || mf->index_len != seg->dmd_groups * 8) {
        rc = quire_corrupt("%s: document index does not match %llu documents",
                           seg->name[QUIRE_SEG_DMD], (unsigned long long)doc_count);
        goto fail;
    }
    seg->dmd_index = seg->map[QUIRE_SEG_DMD].bytes.ptr + mf->index_off;
    seg->dmd_version = quire_load_le32(seg->map[QUIRE_SEG_DMD].bytes.ptr + 8); /* checked */
    seg->dmd_checked = quire_calloc((size_t)(seg->dmd_groups + 63) / 64 + 1, sizeof(uint64_t));
    if (seg->dmd_checked == NULL) {
        rc = quire_error(QUIRE_ENOMEM, "%s: out of memory", seg->name[QUIRE_SEG_DMD]);
        goto fail;
    }
    for (uint64_t g = 0; g < seg->dmd_groups; g++) {
        uint64_t off = quire_load_le64(seg->dmd_index + g * 8);
        uint64_t prev = g ? quire_load_le64(seg->dmd_index + (g - 1) * 8) : FRAME_HEADER_LEN - 1;
        if (off <= prev || off >= mf->index_off) {
            rc = quire_corrupt("%s: document group %llu is outside the file",
                               seg->name[QUIRE_SEG_DMD], (unsigned long long)g);
            goto fail;
        }
    }

    /* .sto: block index */
    const frame_footer *sf = &seg->foot[QUIRE_SEG_STO];
    seg->sto_blocks = sf->count;
    seg->sto_index = seg->map[QUIRE_SEG_STO].bytes.ptr + sf->index_off;
    uint64_t sto_entries = sf->index_len;
    if (seg->sto_version >= QUIRE_STORE_DICT_VERSION) {
        /* format 4: the entries, then the dictionary, then its length (le32) */
        uint32_t dict_len = sf->index_len >= 4 ? quire_load_le32(seg->sto_index + sf->index_len - 4)
                                               : UINT32_MAX;
        if (sf->index_len < 4 || dict_len > QUIRE_STORE_DICT_MAX ||
            dict_len > sf->index_len - 4) {
            rc = quire_corrupt("%s: block index has the wrong size", seg->name[QUIRE_SEG_STO]);
            goto fail;
        }
        sto_entries = sf->index_len - 4 - dict_len;
        seg->sto_dict = quire_bytes_of(seg->sto_index + sto_entries, dict_len);
        if (dict_len > 0) {
            seg->sto_ddict = ZSTD_createDDict(seg->sto_dict.ptr, dict_len);
            if (!seg->sto_ddict) {
                rc = quire_corrupt("%s: its dictionary does not load", seg->name[QUIRE_SEG_STO]);
                goto fail;
            }
        }
    }
    if (sto_entries != sf->count * STO_INDEX_ENTRY) {
        rc = quire_corrupt("%s: block index has the wrong size", seg->name[QUIRE_SEG_STO]);
        goto fail;
    }
    for (uint64_t b = 0; b < seg->sto_blocks; b++) {
        uint64_t soff = quire_load_le64(seg->sto_index + b * STO_INDEX_ENTRY);
        uint64_t foff = quire_load_le64(seg->sto_index + b * STO_INDEX_ENTRY + 8);
        uint64_t psoff = b ? quire_load_le64(seg->sto_index + (b - 1) * STO_INDEX_ENTRY) : 0;
        uint64_t pfoff =
            b ? quire_load_le64(seg->sto_index + (b - 1) * STO_INDEX_ENTRY + 8) : FRAME_HEADER_LEN;
        if ((b == 0 && (soff != 0 || foff != FRAME_HEADER_LEN)) ||
            (b > 0 && (soff <= psoff || foff <= pfoff)) ||
            foff + STO_BLOCK_OVERHEAD > sf->index_off || soff >= seg->stats.text_bytes) {
            rc = quire_corrupt("%s: block index entry %llu is out of order or outside the file",
                               seg->name[QUIRE_SEG_STO], (unsigned long long)b);
            goto fail;
        }
    }
    if (seg->sto_blocks == 0 && seg->stats.text_bytes != 0) {
        rc = quire_corrupt("%s: no blocks for %llu bytes of text", seg->name[QUIRE_SEG_STO],
                           (unsigned long long)seg->stats.text_bytes);
        goto fail;
    }
    /* .rvd (version 4): optional, checked at open when there */
    rc = revdict_open(&seg->rvd, dir, id, seg->stats.form_count);
    if (rc != QUIRE_OK)
        goto fail;
    *out = seg;
    return QUIRE_OK;
fail:
    quire_segment_close(seg);
    return rc;
}

void quire_segment_close(quire_segment *seg)
{
    if (!seg)
        return;
    quire_termdict_close(seg->dict);
    revdict_close(seg->rvd);
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++) {
        quire_map_close(&seg->map[i]);
        quire_free(seg->name[i]);
    }
    quire_free((void *)seg->dmd_checked);
    for (uint32_t i = 0; i < seg->dctx_count; i++)
        ZSTD_freeDCtx(seg->dctx[i]);
    ZSTD_freeDDict(seg->sto_ddict);
    pthread_mutex_destroy(&seg->dctx_mu);
    quire_free(seg);
}

const quire_termdict *quire_segment_revdict(const quire_segment *seg)
{
    return seg->rvd != NULL ? seg->rvd->dict : NULL;
}

int quire_segment_verify_revdict(const quire_segment *seg, quire_report_fn report, void *ctx,
                                 uint64_t *problems)
{
    if (seg->rvd == NULL)
        return QUIRE_OK;
    const int64_t n = revdict_verify(seg->rvd, seg, report, ctx);
    if (n < 0)
        return quire_oom();
    *problems += (uint64_t)n;
    return QUIRE_OK;
}

uint64_t quire_segment_id(const quire_segment *seg)
{
    return seg->id;
}

const quire_segment_stats *quire_segment_get_stats(const quire_segment *seg)
{
    return &seg->stats;
}

/* ---- terms ---- */

static int str_get(quire_bytes *out, const uint8_t **p, const uint8_t *end)
{
    uint64_t n;
    if (quire_varint_get(&n, p, end) != QUIRE_OK || n > (uint64_t)(end - *p))
        return QUIRE_ECORRUPT;
    *out = quire_bytes_of(*p, (size_t)n);
    *p += n;
    return QUIRE_OK;
}

/* Step over a varint-prefixed string / a varint; false if it runs past end. */
static inline bool skip_str(const uint8_t **p, const uint8_t *end)
{
    uint64_t n;
    if (quire_varint_get(&n, p, end) != QUIRE_OK || n > (uint64_t)(end - *p))
        return false;
    *p += n;
    return true;
}

static inline bool skip_varint(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *q = *p;
    while (q < end && (*q & 0x80))
        q++;
    if (q == end)
        return false;
    *p = q + 1;
    return true;
}

static int check_meta(const quire_segment *seg, const quire_postings_meta *m, bool positions)
{
    if (m->df == 0 || m->df > seg->stats.doc_count || m->doc_off > seg->doc_file.len ||
        m->doc_len > seg->doc_file.len - m->doc_off || m->pos_off > seg->pos_file.len ||
        m->pos_len > seg->pos_file.len - m->pos_off || (positions && m->pos_len == 0))
        return QUIRE_ECORRUPT;
    return QUIRE_OK;
}

static int decode_term(const quire_segment *seg, quire_bytes key, quire_bytes value,
                       quire_term *out)
{
    const uint8_t *p = value.ptr, *end = value.ptr + value.len;
    const char *name = seg->name[QUIRE_SEG_TER];
    memset(out, 0, sizeof *out);
    if (p == end)
        return quire_corrupt("%s: empty dictionary entry", name);
    int kind = *p++;
    bool is_stem = key.len > 0 && key.ptr[0] == QUIRE_STEM_PREFIX;
    const bool is_pair = key.len > 0 && key.ptr[0] == QUIRE_PAIR_PREFIX;
    if (is_pair && (seg->ter_version < QUIRE_PAIR_VERSION || key.len < 4 ||
                    (kind != TERM_VALUE_FORM && kind != TERM_VALUE_FORM_INLINE)))
        return quire_corrupt("%s: damaged pair entry", name);
    if (kind == TERM_VALUE_FORM && !is_stem) {
        out->kind = is_pair ? QUIRE_TERM_PAIR : QUIRE_TERM_FORM;
        out->has_positions = true;
        out->form_count = 1;
        if (quire_postings_meta_decode(&out->postings, &p, end) != QUIRE_OK || p != end ||
            check_meta(seg, &out->postings, true) != QUIRE_OK)
            return quire_corrupt("%s: damaged entry for a form", name);
        return QUIRE_OK;
    }
    const bool v3 = seg->ter_version >= 3;
    if (kind == TERM_VALUE_FORM_INLINE && !is_stem && v3) {
        out->kind = is_pair ? QUIRE_TERM_PAIR : QUIRE_TERM_FORM;
        out->has_positions = true;
        out->form_count = 1;
        if (quire_postings_meta_decode_inline(&out->postings, &p, end) != QUIRE_OK || p != end ||
            out->postings.df > seg->stats.doc_count || out->postings.pos_len == 0)
            return quire_corrupt("%s: damaged entry for a form", name);
        return QUIRE_OK;
    }
    if ((kind == TERM_VALUE_STEM || (kind == TERM_VALUE_STEM_INLINE && v3)) && is_stem) {
        out->kind = QUIRE_TERM_STEM;
        uint64_t n;
        if (quire_varint_get(&n, &p, end) != QUIRE_OK || n < 2 || n > value.len)
            return quire_corrupt("%s: damaged entry for a stem", name);
        out->form_count = (uint32_t)n;
        const uint8_t *forms = p;
        for (uint64_t i = 0; i < n; i++) {
            quire_bytes f;
            if (str_get(&f, &p, end) != QUIRE_OK || f.len == 0)
                return quire_corrupt("%s: damaged form list of a stem", name);
        }
        out->forms = quire_bytes_of(forms, (size_t)(p - forms));
        if (kind == TERM_VALUE_STEM_INLINE) {
            if (quire_postings_meta_decode_inline(&out->postings, &p, end) != QUIRE_OK ||
                p != end || out->postings.df > seg->stats.doc_count || out->postings.pos_len != 0)
                return quire_corrupt("%s: damaged entry for a stem", name);
            return QUIRE_OK;
        }
        if (quire_postings_meta_decode(&out->postings, &p, end) != QUIRE_OK || p != end ||
            check_meta(seg, &out->postings, false) != QUIRE_OK)
            return quire_corrupt("%s: damaged entry for a stem", name);
        return QUIRE_OK;
    }
    if (kind == TERM_VALUE_ALIAS && is_stem) {
        quire_bytes form;
        if (str_get(&form, &p, end) != QUIRE_OK || p != end)
            return quire_corrupt("%s: damaged alias entry", name);
        quire_bytes form_key = form.len ? form : quire_bytes_of(key.ptr + 1, key.len - 1);
        quire_bytes fv;
        int rc = quire_termdict_get(seg->dict, form_key, &fv, NULL);
        if (rc == QUIRE_ENOTFOUND)
            return quire_corrupt("%s: stem names a form that is not there", name);
        if (rc != QUIRE_OK)
            return rc;
        quire_term ft;
        rc = decode_term(seg, form_key, fv, &ft);
        if (rc != QUIRE_OK)
            return rc;
        if (ft.kind != QUIRE_TERM_FORM)
            return quire_corrupt("%s: stem alias does not name a form", name);
        out->kind = QUIRE_TERM_STEM;
        out->postings = ft.postings;
        out->form_count = 1;
        out->forms = form; /* empty: the form is the stem itself */
        return QUIRE_OK;
    }
    return quire_corrupt("%s: dictionary entry of unknown kind %d", name, kind);
}

int quire_segment_lookup(const quire_segment *seg, quire_term_kind kind, quire_bytes key,
                         quire_term *out)
{
    uint8_t buf[QUIRE_DICT_MAX_KEY];
    quire_bytes k = key;
    if (kind == QUIRE_TERM_STEM || kind == QUIRE_TERM_PAIR) {
        if (key.len + 1 > sizeof buf || (kind == QUIRE_TERM_PAIR && seg->pair_set.len == 0))
            return QUIRE_ENOTFOUND;
        buf[0] = kind == QUIRE_TERM_STEM ? QUIRE_STEM_PREFIX : QUIRE_PAIR_PREFIX;
        memcpy(buf + 1, key.ptr, key.len);
        k = quire_bytes_of(buf, key.len + 1);
        if (kind == QUIRE_TERM_PAIR && key.len < 3)
            return QUIRE_ENOTFOUND;
    } else if (key.len == 0 || key.ptr[0] >= QUIRE_PAIR_PREFIX) {
        return QUIRE_ENOTFOUND;
    }
    quire_bytes value;
    int rc = quire_termdict_get(seg->dict, k, &value, NULL);
    if (rc != QUIRE_OK)
        return rc;
    return decode_term(seg, k, value, out);
}

int quire_term_form(const quire_term *t, uint32_t i, quire_bytes key_of_stem, quire_bytes *form)
{
    if (t->kind == QUIRE_TERM_FORM || (t->form_count == 1 && t->forms.len == 0)) {
        if (i != 0)
            return QUIRE_EINVAL;
        *form = key_of_stem;
        return QUIRE_OK;
    }
    if (t->form_count == 1) { /* alias naming another form */
        if (i != 0)
            return QUIRE_EINVAL;
        *form = t->forms;
        return QUIRE_OK;
    }
    if (i >= t->form_count)
        return QUIRE_EINVAL;
    const uint8_t *p = t->forms.ptr, *end = p + t->forms.len;
    for (uint32_t k = 0; k <= i; k++)
        if (str_get(form, &p, end) != QUIRE_OK)
            return quire_corrupt("damaged form list");
    return QUIRE_OK;
}

int quire_segment_postings(const quire_segment *seg, const quire_term *t, quire_postings_cursor *c)
{
    return quire_postings_open_named(c, seg->doc_file, seg->pos_file, &t->postings,
                                     seg->name[QUIRE_SEG_DOC], seg->name[QUIRE_SEG_POS]);
}

int quire_segment_terms_seek(quire_segment_term_iter *it, const quire_segment *seg,
                             quire_term_kind kind, quire_bytes from)
{
    uint8_t buf[QUIRE_DICT_MAX_KEY];
    quire_bytes k = from;
    it->kind = kind;
    it->seg = seg;
    if (kind == QUIRE_TERM_STEM || kind == QUIRE_TERM_PAIR) {
        if (from.len + 1 > sizeof buf)
            return QUIRE_EINVAL;
        buf[0] = kind == QUIRE_TERM_STEM ? QUIRE_STEM_PREFIX : QUIRE_PAIR_PREFIX;
        memcpy(buf + 1, from.ptr, from.len);
        k = quire_bytes_of(buf, from.len + 1);
    }
    return quire_termdict_seek(&it->it, seg->dict, k);
}

int quire_segment_terms_seek_forward(quire_segment_term_iter *it, quire_bytes from)
{
    uint8_t buf[QUIRE_DICT_MAX_KEY];
    quire_bytes k = from;
    if (it->kind == QUIRE_TERM_STEM || it->kind == QUIRE_TERM_PAIR) {
        if (from.len + 1 > sizeof buf)
            return QUIRE_EINVAL;
        buf[0] = it->kind == QUIRE_TERM_STEM ? QUIRE_STEM_PREFIX : QUIRE_PAIR_PREFIX;
        memcpy(buf + 1, from.ptr, from.len);
        k = quire_bytes_of(buf, from.len + 1);
    }
    return quire_termdict_seek_forward(&it->it, k);
}

int quire_segment_terms_next(quire_segment_term_iter *it, quire_bytes *key, quire_term *term)
{
    int rc = quire_termdict_next(&it->it);
    if (rc != QUIRE_OK)
        return rc;
    /* forms, then (version 4) the pair set and pair terms (0xFE), then stems (0xFF) */
    const uint8_t first = it->it.key_len > 0 ? it->it.key[0] : 0;
    if (it->kind == QUIRE_TERM_PAIR && first == QUIRE_PAIR_PREFIX && it->it.key_len == 1) {
        rc = quire_termdict_next(&it->it); /* the pair set: not a term */
        if (rc != QUIRE_OK)
            return rc;
    }
    const uint8_t lead = it->it.key_len > 0 ? it->it.key[0] : 0;
    const quire_term_kind kind = lead == QUIRE_STEM_PREFIX   ? QUIRE_TERM_STEM
                                 : lead == QUIRE_PAIR_PREFIX ? QUIRE_TERM_PAIR
                                                             : QUIRE_TERM_FORM;
    if (kind != it->kind)
        return QUIRE_ENOTFOUND;
    quire_bytes k = quire_bytes_of(it->it.key, it->it.key_len);
    rc = decode_term(it->seg, k, it->it.value, term);
    if (rc != QUIRE_OK)
        return rc;
    *key = kind != QUIRE_TERM_FORM ? quire_bytes_of(it->it.key + 1, it->it.key_len - 1) : k;
    return QUIRE_OK;
}

uint64_t quire_segment_term_count(const quire_segment *seg)
{
    return seg->foot[QUIRE_SEG_TER].count;
}

bool quire_segment_has_pairs(const quire_segment *seg)
{
    return seg->pair_set.len > 0;
}

quire_bytes quire_segment_pair_set(const quire_segment *seg)
{
    return seg->pair_set;
}

bool quire_segment_is_pair_word(const quire_segment *seg, quire_bytes form)
{
    const uint8_t *p = seg->pair_set.ptr, *end = p + seg->pair_set.len;
    uint64_t n;
    if (seg->pair_set.len == 0 || quire_varint_get(&n, &p, end) != QUIRE_OK)
        return false;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t len;
        if (quire_varint_get(&len, &p, end) != QUIRE_OK || len > (uint64_t)(end - p))
            return false; /* checked at open */
        if (len == form.len && memcmp(p, form.ptr, form.len) == 0)
            return true;
        p += len;
    }
    return false;
}

/* ---- documents ---- */

uint32_t quire_segment_doc_len(const quire_segment *seg, uint32_t doc)
{
    return quire_load_le32(seg->lens + (size_t)doc * 8);
}

uint32_t quire_segment_title_len(const quire_segment *seg, uint32_t doc)
{
    return quire_load_le32(seg->lens + (size_t)doc * 8 + 4);
}

int quire_segment_doc_info(const quire_segment *seg, uint32_t doc, quire_doc_info *out)
{
    const char *name = seg->name[QUIRE_SEG_DMD];
    if (doc >= seg->stats.doc_count)
        return quire_error(QUIRE_EINVAL, "%s: no document %u", name, doc);
    uint64_t g = doc / DMD_GROUP_DOCS;
    uint64_t off = quire_load_le64(seg->dmd_index + g * 8);
    uint64_t limit = g + 1 < seg->dmd_groups ? quire_load_le64(seg->dmd_index + (g + 1) * 8)
                                             : seg->foot[QUIRE_SEG_DMD].index_off;
    const uint8_t *base = seg->map[QUIRE_SEG_DMD].bytes.ptr;
    const uint8_t *p = base + off, *end = base + limit;
    uint64_t text_off, glen;
    if (quire_varint_get(&text_off, &p, end) != QUIRE_OK ||
        quire_varint_get(&glen, &p, end) != QUIRE_OK || glen + 4 != (uint64_t)(end - p))
        return quire_corrupt("%s: document group %llu is damaged", name, (unsigned long long)g);
    const uint8_t *rec_end = p + glen;
    /* the header's version (checked at open) decides the records' layout: from version 3
     * each has a text map and where its text lies in its source file */
    const uint32_t version = seg->dmd_version;
    const bool has_map = version >= QUIRE_TEXT_MAP_VERSION;
    _Atomic uint64_t *checked = &seg->dmd_checked[g / 64];
    const uint64_t bit = 1ull << (g % 64);
    if ((atomic_load_explicit(checked, memory_order_relaxed) & bit) == 0) {
        if (quire_crc32(dmd_crc_seed(version), base + off, (size_t)(rec_end - (base + off))) !=
            quire_load_le32(rec_end))
            return quire_corrupt("%s: document group %llu checksum mismatch", name,
                                 (unsigned long long)g);
        atomic_fetch_or_explicit(checked, bit, memory_order_relaxed);
    }
    quire_bytes origin = {NULL, 0};
    uint32_t d = (uint32_t)(g * DMD_GROUP_DOCS);
    /* the records before doc's: stepped over, keeping only the text offset and the last
     * origin named (an empty one repeats it) */
    for (; d < doc; d++) {
        uint64_t text_len, n;
        if (!skip_str(&p, rec_end) || !skip_str(&p, rec_end) ||
            quire_varint_get(&n, &p, rec_end) != QUIRE_OK || n > (uint64_t)(rec_end - p))
            return quire_corrupt("%s: record of document %u is damaged", name, d);
        if (n > 0)
            origin = quire_bytes_of(p, (size_t)n);
        p += n;
        if (origin.len == 0)
            return quire_corrupt("%s: record of document %u has no origin", name, d);
        if (!skip_varint(&p, rec_end) || quire_varint_get(&text_len, &p, rec_end) != QUIRE_OK ||
            (has_map && !skip_str(&p, rec_end)) ||
            (version >= DMD_SOURCE_VERSION &&
             (!skip_varint(&p, rec_end) || !skip_varint(&p, rec_end) ||
              !skip_varint(&p, rec_end))))
            return quire_corrupt("%s: record of document %u is damaged", name, d);
        if (text_off > seg->stats.text_bytes || text_len > seg->stats.text_bytes - text_off)
            return quire_corrupt("%s: document %u's text lies outside the stored text", name, d);
        text_off += text_len;
    }
    /* doc's record, read whole */
    quire_doc_info info;
    uint64_t date, text_len, src_line = 0, src_column = 0, src_offset = 0;
    info.text_map = quire_bytes_of(NULL, 0);
    if (str_get(&info.external_id, &p, rec_end) != QUIRE_OK ||
        str_get(&info.title, &p, rec_end) != QUIRE_OK ||
        str_get(&info.origin, &p, rec_end) != QUIRE_OK ||
        quire_varint_get(&date, &p, rec_end) != QUIRE_OK ||
        quire_varint_get(&text_len, &p, rec_end) != QUIRE_OK || date > UINT32_MAX + 1ull ||
        (has_map && str_get(&info.text_map, &p, rec_end) != QUIRE_OK))
        return quire_corrupt("%s: record of document %u is damaged", name, d);
    if (version >= DMD_SOURCE_VERSION &&
        (quire_varint_get(&src_line, &p, rec_end) != QUIRE_OK ||
         quire_varint_get(&src_column, &p, rec_end) != QUIRE_OK ||
         quire_varint_get(&src_offset, &p, rec_end) != QUIRE_OK || src_column > UINT32_MAX ||
         (src_column > 0 && src_line == 0)))
        return quire_corrupt("%s: record of document %u is damaged", name, d);
    /* an empty origin repeats the previous record's */
    if (info.origin.len == 0)
        info.origin = origin;
    if (info.origin.len == 0)
        return quire_corrupt("%s: record of document %u has no origin", name, d);
    if (text_off > seg->stats.text_bytes || text_len > seg->stats.text_bytes - text_off)
        return quire_corrupt("%s: document %u's text lies outside the stored text", name, d);
    info.date = date_decode(date);
    info.text_off = text_off;
    info.text_len = text_len;
    info.doc_len = quire_segment_doc_len(seg, doc);
    info.title_len = quire_segment_title_len(seg, doc);
    info.src_line = src_line;
    info.src_column = (uint32_t)src_column;
    info.src_offset_plus1 = src_offset;
    *out = info;
    return QUIRE_OK;
}

void quire_text_map_encode(quire_buf *out, const uint64_t *byte_starts, uint32_t count)
{
    quire_buf_put_varint(out, count);
    for (uint32_t i = 0; i < count; i++)
        quire_buf_put_varint(out, byte_starts[i] - (i > 0 ? byte_starts[i - 1] : 0));
}

int quire_text_map_decode(const quire_doc_info *info, uint64_t *out, uint32_t cap, uint32_t *count)
{
    *count = 0;
    if (info->text_map.len == 0)
        return QUIRE_OK;
    const uint8_t *p = info->text_map.ptr, *end = p + info->text_map.len;
    uint64_t n;
    if (quire_varint_get(&n, &p, end) != QUIRE_OK)
        return quire_corrupt("text map: damaged count");
    if (n == 0)
        return p == end ? QUIRE_OK : quire_corrupt("text map: stray bytes");
    const uint32_t text_tokens = info->doc_len - info->title_len;
    if (n != quire_text_map_count(text_tokens))
        return quire_corrupt("text map: %llu entries for %u tokens of text", (unsigned long long)n,
                             (unsigned)text_tokens);
    if (out != NULL && n > cap)
        return quire_error(QUIRE_EINVAL, "text map: %llu entries, room for %u",
                           (unsigned long long)n, (unsigned)cap);
    uint64_t at = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t delta;
        /* token starts strictly ascend (each token has at least one byte), inside the text */
        if (quire_varint_get(&delta, &p, end) != QUIRE_OK || delta == 0 ||
            delta >= info->text_len - at)
            return quire_corrupt("text map: entry %llu is damaged or outside the text",
                                 (unsigned long long)i);
        at += delta;
        if (out != NULL)
            out[i] = at;
    }
    if (p != end)
        return quire_corrupt("text map: stray bytes");
    *count = (uint32_t)n;
    return QUIRE_OK;
}

uint64_t quire_segment_store_block_count(const quire_segment *seg)
{
    return seg->sto_blocks;
}

/* Block i: its stream start, and its checked encoded bytes. */
static int store_block(const quire_segment *seg, uint64_t i, uint64_t *stream_off, quire_bytes *enc)
{
    const char *name = seg->name[QUIRE_SEG_STO];
    const uint8_t *e = seg->sto_index + i * STO_INDEX_ENTRY;
    uint64_t foff = quire_load_le64(e + 8);
    uint64_t limit = i + 1 < seg->sto_blocks ? quire_load_le64(e + STO_INDEX_ENTRY + 8)
                                             : seg->foot[QUIRE_SEG_STO].index_off;
    const uint8_t *p = seg->map[QUIRE_SEG_STO].bytes.ptr + foff;
    uint32_t clen = quire_load_le32(p + 4);
    const uint32_t head = quire_load_le32(p);
    if ((uint64_t)clen + STO_BLOCK_OVERHEAD != limit - foff ||
        (head & STO_ULEN_MASK) > QUIRE_STORE_BLOCK_MAX)
        return quire_corrupt("%s: block %llu has a wrong length", name, (unsigned long long)i);
    if (quire_crc32(0, p, 8 + (size_t)clen) != quire_load_le32(p + 8 + clen))
        return quire_corrupt("%s: block %llu checksum mismatch", name, (unsigned long long)i);
    /* a zstd block only in a file with a dictionary (so of format 4 on): a codec byte in a
     * file before 4 reads as a length over the most */
    const uint32_t codec = head >> 24;
    if (codec != QUIRE_STORE_DEFLATE && (codec != QUIRE_STORE_ZSTD || seg->sto_ddict == NULL))
        return quire_corrupt("%s: block %llu has codec %u, which this file cannot hold", name,
                             (unsigned long long)i, (unsigned)codec);
    *stream_off = quire_load_le64(e);
    *enc = quire_bytes_of(p, (size_t)clen + STO_BLOCK_OVERHEAD);
    return QUIRE_OK;
}

int quire_segment_store_block(const quire_segment *seg, uint64_t i, quire_bytes *encoded_block)
{
    uint64_t off;
    if (i >= seg->sto_blocks)
        return QUIRE_EINVAL;
    return store_block(seg, i, &off, encoded_block);
}

quire_bytes quire_segment_store_dict(const quire_segment *seg)
{
    return seg->sto_dict;
}

/* Inflate block i whole into out (appending), with libdeflate: it checks that the
 * block's DEFLATE data decode to exactly its length. Its CRC, over the compressed bytes,
 * was checked by store_block(). */
static int inflate_block(const quire_segment *seg, quire_bytes enc, uint64_t i, quire_buf *out)
{
    const uint32_t ulen = quire_load_le32(enc.ptr) & STO_ULEN_MASK,
                   clen = quire_load_le32(enc.ptr + 4);
    /* + 1: never a NULL buffer to inflate into, even for 0 bytes (UB, fuzz_segment) */
    if (!quire_buf_reserve(out, (size_t)ulen + 1))
        return quire_oom();
    if (quire_store_block_codec(enc) == QUIRE_STORE_ZSTD) {
        /* a zstd frame with the file's dictionary (store_block checked there is one): it
         * must decode to exactly ulen bytes, and nothing may follow it */
        quire_segment *ms = (quire_segment *)seg; /* the context pool only */
        ZSTD_DCtx *z = dctx_take(ms);
        if (!z)
            return quire_error(QUIRE_ENOMEM, "zstd: out of memory for a decompressor");
        size_t got = ZSTD_decompress_usingDDict(z, out->data + out->len, ulen, enc.ptr + 8, clen,
                                                seg->sto_ddict);
        dctx_give(ms, z);
        if (ZSTD_isError(got) || got != ulen)
            return quire_corrupt("%s: block %llu does not decode to its length",
                                 seg->name[QUIRE_SEG_STO], (unsigned long long)i);
        out->len += ulen;
        return QUIRE_OK;
    }
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return quire_error(QUIRE_ENOMEM, "libdeflate: out of memory for a decompressor");
    enum libdeflate_result r =
        libdeflate_deflate_decompress(d, enc.ptr + 8, clen, out->data + out->len, ulen, NULL);
    libdeflate_free_decompressor(d);
    if (r != LIBDEFLATE_SUCCESS)
        return quire_corrupt("%s: block %llu does not inflate to its length",
                             seg->name[QUIRE_SEG_STO], (unsigned long long)i);
    out->len += ulen;
    return QUIRE_OK;
}

/* Inflate the first `limit` bytes of block i into out (appending). libdeflate decodes
 * whole blocks only, so a prefix of under half the block is inflated by zlib, which can
 * stop there (passages read a region of a long text, FORMAT.md "Text map"); a longer one
 * is the whole block by libdeflate, cut. */
static int inflate_prefix(const quire_segment *seg, quire_bytes enc, uint64_t i, uint64_t limit,
                          quire_buf *out)
{
    const uint32_t full = quire_load_le32(enc.ptr) & STO_ULEN_MASK,
                   clen = quire_load_le32(enc.ptr + 4);
    /* a zstd block decodes whole (a 4 KiB frame is one zstd block) */
    if (limit >= full / 2 || quire_store_block_codec(enc) != QUIRE_STORE_DEFLATE) {
        const size_t at = out->len;
        const int rc = inflate_block(seg, enc, i, out);
        if (rc == QUIRE_OK && limit < full)
            out->len = at + (size_t)limit;
        return rc;
    }
    /* + 1: never a NULL buffer to inflate into, even for 0 bytes (UB, fuzz_segment) */
    if (!quire_buf_reserve(out, (size_t)limit + 1))
        return quire_oom();
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -15) != Z_OK)
        return quire_error(QUIRE_ENOMEM, "zlib: inflateInit2 failed");
    zs.next_in = (Bytef *)(uintptr_t)(enc.ptr + 8);
    zs.avail_in = clen;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uInt)limit;
    const int zrc = inflate(&zs, Z_SYNC_FLUSH);
    const size_t got = zs.total_out;
    inflateEnd(&zs);
    if ((zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) || got != limit)
        return quire_corrupt("%s: block %llu does not inflate to its length",
                             seg->name[QUIRE_SEG_STO], (unsigned long long)i);
    out->len += (size_t)limit;
    return QUIRE_OK;
}

int quire_segment_doc_text(const quire_segment *seg, uint32_t doc, quire_buf *out)
{
    quire_doc_info info;
    int rc = quire_segment_doc_info(seg, doc, &info);
    if (rc != QUIRE_OK || info.text_len == 0)
        return rc;
    /* binary search: last block whose stream start <= text_off */
    uint64_t lo = 0, hi = seg->sto_blocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (quire_load_le64(seg->sto_index + mid * STO_INDEX_ENTRY) <= info.text_off)
            lo = mid;
        else
            hi = mid;
    }
    uint64_t want = info.text_off, left = info.text_len;
    quire_buf tmp = QUIRE_BUF_INIT;
    for (uint64_t b = lo; left > 0; b++) {
        if (b >= seg->sto_blocks) {
            rc = quire_corrupt("%s: document %u's text runs past the last block",
                               seg->name[QUIRE_SEG_STO], doc);
            break;
        }
        uint64_t start = 0;
        quire_bytes enc = {NULL, 0};
        rc = store_block(seg, b, &start, &enc);
        if (rc != QUIRE_OK)
            break;
        tmp.len = 0;
        rc = want < start ? QUIRE_OK : inflate_block(seg, enc, b, &tmp);
        if (rc != QUIRE_OK)
            break;
        if (want < start || want - start > tmp.len) {
            rc = quire_corrupt("%s: block index disagrees with block %llu's length",
                               seg->name[QUIRE_SEG_STO], (unsigned long long)b);
            break;
        }
        size_t from = (size_t)(want - start);
        size_t n = tmp.len - from < left ? tmp.len - from : (size_t)left;
        quire_buf_put(out, tmp.data + from, n);
        want += n;
        left -= n;
    }
    quire_buf_free(&tmp);
    if (rc == QUIRE_OK && out->err)
        rc = quire_oom();
    return rc;
}

int quire_segment_doc_text_range(const quire_segment *seg, uint32_t doc, uint64_t from, uint64_t to,
                                 quire_buf *out)
{
    quire_doc_info info;
    int rc = quire_segment_doc_info(seg, doc, &info);
    if (rc != QUIRE_OK)
        return rc;
    if (from > to || to > info.text_len)
        return quire_error(QUIRE_EINVAL, "%s: bytes %llu..%llu of document %u's %llu",
                           seg->name[QUIRE_SEG_STO], (unsigned long long)from,
                           (unsigned long long)to, doc, (unsigned long long)info.text_len);
    if (from == to)
        return QUIRE_OK;
    /* as quire_segment_doc_text(), from the block holding byte `from` to the one holding
     * byte `to` - 1 */
    uint64_t want = info.text_off + from, left = to - from;
    uint64_t lo = 0, hi = seg->sto_blocks;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (quire_load_le64(seg->sto_index + mid * STO_INDEX_ENTRY) <= want)
            lo = mid;
        else
            hi = mid;
    }
    quire_buf tmp = QUIRE_BUF_INIT;
    for (uint64_t b = lo; left > 0; b++) {
        if (b >= seg->sto_blocks) {
            rc = quire_corrupt("%s: document %u's text runs past the last block",
                               seg->name[QUIRE_SEG_STO], doc);
            break;
        }
        uint64_t start = 0;
        quire_bytes enc = {NULL, 0};
        rc = store_block(seg, b, &start, &enc);
        if (rc != QUIRE_OK)
            break;
        tmp.len = 0;
        rc = want < start ? QUIRE_OK : inflate_prefix(seg, enc, b, want - start + left, &tmp);
        if (rc != QUIRE_OK)
            break;
        if (want < start || want - start > tmp.len) {
            rc = quire_corrupt("%s: block index disagrees with block %llu's length",
                               seg->name[QUIRE_SEG_STO], (unsigned long long)b);
            break;
        }
        size_t at = (size_t)(want - start);
        size_t n = tmp.len - at < left ? tmp.len - at : (size_t)left;
        quire_buf_put(out, tmp.data + at, n);
        want += n;
        left -= n;
    }
    quire_buf_free(&tmp);
    if (rc == QUIRE_OK && out->err)
        rc = quire_oom();
    return rc;
}

int quire_segment_check_file(const quire_segment *seg, int file)
{
    if (file < 0 || file >= QUIRE_SEG_FILE_COUNT)
        return QUIRE_EINVAL;
    return frame_check_body(seg->map[file].bytes, &seg->foot[file], seg->name[file]);
}

void quire_segment_drop_pages(const quire_segment *seg)
{
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++)
        quire_map_drop_pages(&seg->map[i]);
}

int quire_segment_store_block_text(const quire_segment *seg, uint64_t i, quire_buf *out)
{
    uint64_t off;
    quire_bytes enc;
    if (i >= seg->sto_blocks)
        return QUIRE_EINVAL;
    int rc = store_block(seg, i, &off, &enc);
    return rc == QUIRE_OK ? inflate_block(seg, enc, i, out) : rc;
}
