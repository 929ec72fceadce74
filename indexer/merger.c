/*
 * merger.c - k-way merge of segments; see merger.h.
 *
 * Terms: each input has an iterator over its dictionary (forms, then stems); at each step
 * the smallest key among the inputs' current keys is written, with the postings of every
 * input that has it, in input order (so doc ids ascend). For a stem, the union of the
 * inputs' form lists decides: one form makes an alias, several a stem with its own postings
 * (read from each input, whether it stored them or aliased a form).
 */
#include "merger.h"

#include <stdlib.h>
#include <string.h>

#include "quire/array.h"

/* A merge reads its inputs through memory maps, and every page it touches counts in its
 * resident memory; every DROP_EVERY postings and positions copied it lets them go, so a merge of
 * any size stays within a few tens of MiB. */
#define DROP_EVERY ((uint64_t)2 << 20)

typedef struct input {
    const quire_segment *seg;
    const quire_deletes *del; /* NULL: nothing deleted */
    uint32_t *newid;          /* with del: new doc id of each live doc (UINT32_MAX deleted) */
    uint32_t base;
    quire_segment_term_iter it;
    bool live;
    quire_bytes key;
    quire_term term;
    uint64_t *since_drop; /* shared: values copied since pages were last dropped */
} input;

static void drop_pages(const input *ins, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        quire_segment_drop_pages(ins[i].seg);
    *ins[0].since_drop = 0;
}

static int cmp_keys(quire_bytes a, quire_bytes b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.ptr, b.ptr, n);
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

static int cmp_bytes_p(const void *a, const void *b)
{
    return cmp_keys(*(const quire_bytes *)a, *(const quire_bytes *)b);
}

static int advance(input *in)
{
    int rc = quire_segment_terms_next(&in->it, &in->key, &in->term);
    if (rc == QUIRE_ENOTFOUND) {
        in->live = false;
        return QUIRE_OK;
    }
    in->live = rc == QUIRE_OK;
    return rc;
}

static int copy_postings(quire_segment_writer *w, const input *in, bool positions)
{
    quire_postings_cursor c;
    int rc = quire_segment_postings(in->seg, &in->term, &c);
    if (rc != QUIRE_OK)
        return rc;
    for (;;) {
        rc = quire_postings_next(&c);
        if (rc != QUIRE_OK || c.doc == QUIRE_DOC_END)
            break;
        if (in->del && quire_deletes_has(in->del, c.doc))
            continue; /* its positions are never decoded */
        const uint32_t *pos = NULL;
        uint32_t count = 0;
        if (positions) {
            rc = quire_postings_positions(&c, &pos, &count);
            if (rc != QUIRE_OK)
                break;
            if (count != c.tf) {
                rc = quire_corrupt("positions count differs from tf");
                break;
            }
        }
        uint32_t doc = in->del ? in->newid[c.doc] : in->base + c.doc;
        rc = quire_segment_writer_add_posting(w, doc, c.tf, pos,
                                              quire_segment_doc_len(in->seg, c.doc));
        *in->since_drop += 1 + count;
        if (rc != QUIRE_OK)
            break;
    }
    quire_postings_close(&c);
    return rc;
}

/* Whether the input's current term has a posting of a live document. */
static int has_live(const input *in, bool *live)
{
    *live = true;
    if (!in->del)
        return QUIRE_OK;
    quire_postings_cursor c;
    int rc = quire_segment_postings(in->seg, &in->term, &c);
    if (rc != QUIRE_OK)
        return rc;
    *live = false;
    for (;;) {
        rc = quire_postings_next(&c);
        if (rc != QUIRE_OK || c.doc == QUIRE_DOC_END)
            break;
        if (!quire_deletes_has(in->del, c.doc)) {
            *live = true;
            break;
        }
    }
    quire_postings_close(&c);
    return rc;
}

/* Forms whose every posting was deleted, in ascending order (the forms pass meets them in
 * key order): left out of the stems' form lists too. */
typedef struct dropped {
    quire_buf bytes;
    size_t *off; /* start of each in bytes; off[count] = bytes.len */
    size_t count, cap;
} dropped;

static int dropped_add(dropped *d, quire_bytes key)
{
    /* room for the key's start and, after it, the end */
    int rc = QUIRE_ARRAY_RESERVE(d->off, d->count + 1, d->cap, 64);
    if (rc != QUIRE_OK)
        return rc;
    d->off[d->count++] = d->bytes.len;
    quire_buf_put(&d->bytes, key.ptr, key.len);
    d->off[d->count] = d->bytes.len;
    return d->bytes.err ? quire_oom() : QUIRE_OK;
}

static int cmp_keys(quire_bytes a, quire_bytes b);

static bool dropped_has(const dropped *d, quire_bytes key)
{
    size_t lo = 0, hi = d->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        quire_bytes k = quire_bytes_of(d->bytes.data + d->off[mid], d->off[mid + 1] - d->off[mid]);
        int c = cmp_keys(k, key);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Merge all terms of one kind. */
static int merge_kind(quire_segment_writer *w, input *ins, uint32_t n, quire_term_kind kind,
                      dropped *gone)
{
    int rc = QUIRE_OK;
    quire_bytes *forms = NULL;
    size_t forms_cap = 0;
    uint8_t keybuf[QUIRE_DICT_MAX_KEY];
    bool *has = quire_calloc(n + 1, sizeof *has);
    if (!has)
        return quire_oom();
    for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++) {
        rc = quire_segment_terms_seek(&ins[i].it, ins[i].seg, kind, quire_bytes_of("", 0));
        if (rc == QUIRE_OK)
            rc = advance(&ins[i]);
    }
    while (rc == QUIRE_OK) {
        int min = -1;
        for (uint32_t i = 0; i < n; i++)
            if (ins[i].live && (min < 0 || cmp_keys(ins[i].key, ins[min].key) < 0))
                min = (int)i;
        if (min < 0)
            break;
        /* the key lives in the iterator's buffer, which advance() overwrites: copy it */
        quire_bytes key = ins[min].key;
        memcpy(keybuf, key.ptr, key.len);
        key.ptr = keybuf;
        bool any_live = false;
        for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++) {
            has[i] = ins[i].live && cmp_keys(ins[i].key, key) == 0;
            bool live = false;
            if (has[i] && !any_live)
                rc = has_live(&ins[i], &live);
            any_live = any_live || live;
        }
        if (rc != QUIRE_OK)
            break;

        if (!any_live) {
            /* held only by deleted documents: gone from the merged segment */
            if (kind == QUIRE_TERM_FORM)
                rc = dropped_add(gone, key);
        } else if (kind == QUIRE_TERM_FORM || kind == QUIRE_TERM_PAIR) {
            rc = kind == QUIRE_TERM_FORM ? quire_segment_writer_begin_form(w, key)
                                         : quire_segment_writer_begin_pair(w, key);
            for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++)
                if (has[i])
                    rc = copy_postings(w, &ins[i], true);
            if (rc == QUIRE_OK)
                rc = quire_segment_writer_end_term(w);
        } else {
            size_t nf = 0;
            for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++) {
                if (!has[i])
                    continue;
                for (uint32_t f = 0; f < ins[i].term.form_count && rc == QUIRE_OK; f++) {
                    rc = QUIRE_ARRAY_RESERVE(forms, nf, forms_cap, 16);
                    if (rc != QUIRE_OK)
                        break;
                    rc = quire_term_form(&ins[i].term, f, ins[i].key, &forms[nf]);
                    nf++;
                }
            }
            if (rc != QUIRE_OK)
                break;
            /* Form views point into the inputs' maps (or their key buffers for an alias
             * naming the stem itself: replaced by our copy of the key). */
            for (size_t f = 0; f < nf; f++)
                if (forms[f].ptr == ins[min].key.ptr || cmp_keys(forms[f], key) == 0)
                    forms[f] = key;
            qsort(forms, nf, sizeof *forms, cmp_bytes_p);
            size_t u = 0;
            for (size_t f = 0; f < nf; f++)
                if ((u == 0 || cmp_keys(forms[u - 1], forms[f]) != 0) &&
                    !dropped_has(gone, forms[f]))
                    forms[u++] = forms[f];
            if (u == 0) {
                rc = quire_corrupt("stem with live postings but no live form");
            } else if (u == 1) {
                rc = quire_segment_writer_add_alias_stem(w, key, forms[0]);
            } else {
                rc = quire_segment_writer_begin_stem(w, key, forms, (uint32_t)u);
                for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++)
                    if (has[i])
                        rc = copy_postings(w, &ins[i], false);
                if (rc == QUIRE_OK)
                    rc = quire_segment_writer_end_term(w);
            }
        }
        /* Dictionary work counts too: an alias stem copies no postings but looks its form
         * up in each input's dictionary, touching .ter pages all over. */
        for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++)
            if (has[i]) {
                rc = advance(&ins[i]);
                *ins[0].since_drop += 64;
            }
        if (*ins[0].since_drop > DROP_EVERY)
            drop_pages(ins, n);
    }
    quire_free(forms);
    quire_free(has);
    return rc;
}

/* Text of live documents of inputs with deletions, waiting to be compressed into blocks. */
typedef struct pending_text {
    quire_buf text, enc;
    int level;
    quire_store_encoder *encoder; /* made at the first block */
} pending_text;

static int flush_text(quire_segment_writer *w, pending_text *p, bool all)
{
    size_t off = 0;
    int rc = QUIRE_OK;
    while (rc == QUIRE_OK && p->text.len - off >= (all ? 1 : QUIRE_STORE_BLOCK)) {
        size_t n = p->text.len - off < QUIRE_STORE_BLOCK ? p->text.len - off : QUIRE_STORE_BLOCK;
        p->enc.len = 0;
        if (!p->encoder)
            rc = quire_store_encoder_new(&p->encoder, p->level);
        if (rc == QUIRE_OK)
            rc = quire_store_encoder_encode(p->encoder, &p->enc, p->text.data + off, n);
        if (rc == QUIRE_OK)
            rc = quire_segment_writer_add_store_block(w, quire_bytes_of(p->enc.data, p->enc.len));
        off += n;
    }
    if (off > 0) {
        memmove(p->text.data, p->text.data + off, p->text.len - off);
        p->text.len -= off;
    }
    return rc;
}

/* The merged segment's stored-text dictionary (format 4): the first input's that has one,
 * so that its blocks (and those of every input with the same one: a run's segments share
 * theirs) are copied as they are; if none has one (segments written before format 4, or
 * too small to train on), one trained on the inputs' first text, as a run trains on its
 * first batch. Empty if there is too little text. */
static int choose_dict(const input *ins, uint32_t n, quire_buf *dict)
{
    for (uint32_t i = 0; i < n; i++) {
        quire_bytes d = quire_segment_store_dict(ins[i].seg);
        if (d.len > 0) {
            quire_buf_put(dict, d.ptr, d.len);
            return dict->err ? quire_oom() : QUIRE_OK;
        }
    }
    quire_buf sample = QUIRE_BUF_INIT;
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < n && rc == QUIRE_OK && sample.len < QUIRE_STORE_DICT_SAMPLE; i++) {
        uint64_t blocks = quire_segment_store_block_count(ins[i].seg);
        for (uint64_t b = 0; b < blocks && rc == QUIRE_OK && sample.len < QUIRE_STORE_DICT_SAMPLE;
             b++)
            rc = quire_segment_store_block_text(ins[i].seg, b, &sample);
    }
    if (rc == QUIRE_OK && sample.err)
        rc = quire_oom();
    if (rc == QUIRE_OK)
        rc = quire_store_dict_train(dict, sample.data, sample.len);
    quire_buf_free(&sample);
    return rc;
}

/* Whether block `enc` of input seg can go into a file with dictionary `dict` as it is: a
 * zstd block made with the same dictionary, or a DEFLATE block when there is none. */
static bool block_fits(const quire_segment *seg, quire_bytes enc, quire_bytes dict)
{
    if (quire_store_block_codec(enc) == QUIRE_STORE_DEFLATE)
        return dict.len == 0;
    quire_bytes own = quire_segment_store_dict(seg);
    return own.len == dict.len && memcmp(own.ptr, dict.ptr, dict.len) == 0;
}

static int copy_documents(quire_segment_writer *w, input *ins, uint32_t n, int level)
{
    pending_text p = {QUIRE_BUF_INIT, QUIRE_BUF_INIT, level, NULL};
    quire_buf dict = QUIRE_BUF_INIT;
    int rc = choose_dict(ins, n, &dict);
    const quire_bytes dv = quire_bytes_of(dict.data, dict.len);
    if (rc == QUIRE_OK && dict.len > 0)
        rc = quire_segment_writer_set_store_dict(w, dv);
    if (rc == QUIRE_OK)
        rc = quire_store_encoder_new_dict(&p.encoder, level, dv);
    for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++) {
        const quire_segment *seg = ins[i].seg;
        uint32_t docs = quire_segment_get_stats(seg)->doc_count;
        for (uint32_t d = 0; d < docs && rc == QUIRE_OK; d++) {
            if (d % 65536 == 65535)
                quire_segment_drop_pages(seg);
            if (ins[i].del && quire_deletes_has(ins[i].del, d))
                continue;
            quire_doc_info info;
            rc = quire_segment_doc_info(seg, d, &info);
            if (rc == QUIRE_OK)
                rc = quire_segment_writer_add_doc_meta(w, &info);
            if (rc == QUIRE_OK && ins[i].del) {
                rc = quire_segment_doc_text(seg, d, &p.text);
                if (rc == QUIRE_OK && p.text.err)
                    rc = quire_oom();
                if (rc == QUIRE_OK)
                    rc = flush_text(w, &p, false);
            }
        }
        if (ins[i].del || rc != QUIRE_OK)
            continue;
        rc = flush_text(w, &p, true); /* block boundaries may fall anywhere in the stream */
        uint64_t blocks = quire_segment_store_block_count(seg);
        for (uint64_t b = 0; b < blocks && rc == QUIRE_OK; b++) {
            if (b % 256 == 255) /* a segment's stored text can be large: let it go as we copy */
                quire_segment_drop_pages(seg);
            quire_bytes enc = {NULL, 0};
            rc = quire_segment_store_block(seg, b, &enc);
            if (rc == QUIRE_OK && block_fits(seg, enc, dv)) {
                rc = quire_segment_writer_add_store_block(w, enc);
                continue;
            }
            /* another coding: decoded and encoded again, the same block for block */
            p.text.len = 0;
            if (rc == QUIRE_OK)
                rc = quire_segment_store_block_text(seg, b, &p.text);
            if (rc == QUIRE_OK && p.text.err)
                rc = quire_oom();
            if (rc == QUIRE_OK)
                rc = flush_text(w, &p, true);
        }
        quire_segment_drop_pages(seg);
    }
    if (rc == QUIRE_OK)
        rc = flush_text(w, &p, true);
    quire_buf_free(&p.text);
    quire_buf_free(&p.enc);
    quire_buf_free(&dict);
    quire_store_encoder_free(p.encoder);
    return rc;
}

int merger_run(const char *dir, const quire_segment *const *inputs,
               const quire_deletes *const *dels, uint32_t input_count, uint64_t out_id,
               int zlib_level, quire_segment_stats *stats)
{
    input *ins = quire_calloc(input_count + 1, sizeof *ins);
    if (!ins)
        return quire_oom();
    uint64_t base = 0, since_drop = 0;
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < input_count && rc == QUIRE_OK; i++) {
        ins[i].since_drop = &since_drop;
        ins[i].seg = inputs[i];
        ins[i].base = (uint32_t)base;
        uint32_t docs = quire_segment_get_stats(inputs[i])->doc_count;
        const quire_deletes *d = dels ? dels[i] : NULL;
        if (d && d->deleted_count) {
            ins[i].del = d;
            ins[i].newid = quire_malloc(((size_t)docs + 1) * sizeof *ins[i].newid);
            if (!ins[i].newid) {
                rc = quire_oom();
                break;
            }
            for (uint32_t k = 0; k < docs; k++)
                ins[i].newid[k] = quire_deletes_has(d, k) ? UINT32_MAX : (uint32_t)base++;
        } else {
            base += docs;
        }
        if (base >= UINT32_MAX)
            rc = quire_error(QUIRE_ELIMIT, "a merged segment would hold %llu documents (limit %u)",
                             (unsigned long long)base, UINT32_MAX - 1);
    }
    if (rc == QUIRE_OK && base == 0)
        rc = quire_error(QUIRE_ENOTFOUND, "nothing left alive to merge");
    quire_segment_writer *w = NULL;
    dropped gone = {QUIRE_BUF_INIT, NULL, 0, 0};
    if (rc == QUIRE_OK)
        rc = quire_segment_writer_new(&w, dir, out_id);
    if (rc == QUIRE_OK)
        rc = copy_documents(w, ins, input_count,
                            zlib_level < 0 ? QUIRE_STORE_LEVEL_DEFAULT : zlib_level);
    if (rc == QUIRE_OK)
        rc = merge_kind(w, ins, input_count, QUIRE_TERM_FORM, &gone);
    /* Pair terms (version 4) carry over only when every input has the same pair set: a
     * pair list must hold every occurrence in its segment, and an input without pairs
     * (versions 1-3, pairs off) would leave its occurrences out. */
    bool pairs = input_count > 0 && quire_segment_has_pairs(ins[0].seg);
    const quire_bytes set = pairs ? quire_segment_pair_set(ins[0].seg) : quire_bytes_of("", 0);
    for (uint32_t i = 1; i < input_count && pairs; i++) {
        const quire_bytes o = quire_segment_pair_set(ins[i].seg);
        pairs = o.len == set.len && memcmp(o.ptr, set.ptr, set.len) == 0;
    }
    if (rc == QUIRE_OK && pairs)
        rc = quire_segment_writer_add_pair_set(w, set);
    if (rc == QUIRE_OK && pairs)
        rc = merge_kind(w, ins, input_count, QUIRE_TERM_PAIR, &gone);
    if (rc == QUIRE_OK)
        rc = merge_kind(w, ins, input_count, QUIRE_TERM_STEM, &gone);
    if (rc == QUIRE_OK) {
        rc = quire_segment_writer_finish(w, stats);
        w = NULL;
    }
    quire_segment_writer_abort(w);
    quire_buf_free(&gone.bytes);
    quire_free(gone.off);
    for (uint32_t i = 0; i < input_count; i++)
        quire_free(ins[i].newid);
    quire_free(ins);
    return rc;
}
