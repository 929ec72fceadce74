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

/* A merge reads its inputs through memory maps, and every page it touches counts in its
 * resident memory; every DROP_EVERY postings and positions copied it lets them go, so a merge of
 * any size stays within a few tens of MiB. */
#define DROP_EVERY ((uint64_t)2 << 20)

typedef struct input {
    const quire_segment *seg;
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
        rc = quire_segment_writer_add_posting(w, in->base + c.doc, c.tf, pos,
                                              quire_segment_doc_len(in->seg, c.doc));
        *in->since_drop += 1 + count;
        if (rc != QUIRE_OK)
            break;
    }
    quire_postings_close(&c);
    return rc;
}

/* Merge all terms of one kind. */
static int merge_kind(quire_segment_writer *w, input *ins, uint32_t n, quire_term_kind kind)
{
    int rc = QUIRE_OK;
    quire_bytes *forms = NULL;
    size_t forms_cap = 0;
    uint8_t keybuf[QUIRE_DICT_MAX_KEY];
    bool *has = quire_calloc(n + 1, sizeof *has);
    if (!has)
        return quire_error(QUIRE_ENOMEM, "out of memory");
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
        for (uint32_t i = 0; i < n; i++)
            has[i] = ins[i].live && cmp_keys(ins[i].key, key) == 0;

        if (kind == QUIRE_TERM_FORM) {
            rc = quire_segment_writer_begin_form(w, key);
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
                    if (nf == forms_cap) {
                        forms_cap = forms_cap ? forms_cap * 2 : 16;
                        quire_bytes *nb = quire_realloc(forms, forms_cap * sizeof *nb);
                        if (!nb) {
                            rc = quire_error(QUIRE_ENOMEM, "out of memory");
                            break;
                        }
                        forms = nb;
                    }
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
                if (u == 0 || cmp_keys(forms[u - 1], forms[f]) != 0)
                    forms[u++] = forms[f];
            if (u == 1) {
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

static int copy_documents(quire_segment_writer *w, input *ins, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const quire_segment *seg = ins[i].seg;
        uint32_t docs = quire_segment_get_stats(seg)->doc_count;
        for (uint32_t d = 0; d < docs; d++) {
            if (d % 65536 == 65535)
                quire_segment_drop_pages(seg);
            quire_doc_info info;
            int rc = quire_segment_doc_info(seg, d, &info);
            if (rc == QUIRE_OK)
                rc = quire_segment_writer_add_doc_meta(w, &info);
            if (rc != QUIRE_OK)
                return rc;
        }
        uint64_t blocks = quire_segment_store_block_count(seg);
        for (uint64_t b = 0; b < blocks; b++) {
            if (b % 256 == 255) /* a segment's stored text can be large: let it go as we copy */
                quire_segment_drop_pages(seg);
            quire_bytes enc = {NULL, 0};
            int rc = quire_segment_store_block(seg, b, &enc);
            if (rc == QUIRE_OK)
                rc = quire_segment_writer_add_store_block(w, enc);
            if (rc != QUIRE_OK)
                return rc;
        }
        quire_segment_drop_pages(seg);
    }
    return QUIRE_OK;
}

int merger_run(const char *dir, const quire_segment *const *inputs, uint32_t input_count,
               uint64_t out_id, quire_segment_stats *stats)
{
    input *ins = quire_calloc(input_count + 1, sizeof *ins);
    if (!ins)
        return quire_error(QUIRE_ENOMEM, "out of memory");
    uint64_t base = 0, since_drop = 0;
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < input_count; i++) {
        ins[i].since_drop = &since_drop;
        ins[i].seg = inputs[i];
        ins[i].base = (uint32_t)base;
        base += quire_segment_get_stats(inputs[i])->doc_count;
    }
    if (base >= UINT32_MAX)
        rc = quire_error(QUIRE_ELIMIT, "a merged segment would hold %llu documents (limit %u)",
                         (unsigned long long)base, UINT32_MAX - 1);
    quire_segment_writer *w = NULL;
    if (rc == QUIRE_OK)
        rc = quire_segment_writer_new(&w, dir, out_id);
    if (rc == QUIRE_OK)
        rc = copy_documents(w, ins, input_count);
    if (rc == QUIRE_OK)
        rc = merge_kind(w, ins, input_count, QUIRE_TERM_FORM);
    if (rc == QUIRE_OK)
        rc = merge_kind(w, ins, input_count, QUIRE_TERM_STEM);
    if (rc == QUIRE_OK) {
        rc = quire_segment_writer_finish(w, stats);
        w = NULL;
    }
    quire_segment_writer_abort(w);
    quire_free(ins);
    return rc;
}
