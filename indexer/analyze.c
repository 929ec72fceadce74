/*
 * analyze.c - the workers' half of indexing; see analyze.h.
 *
 * Per document: title tokens take positions 0..T-1, text tokens T+1.. (FORMAT.md "Terms:
 * forms and stems"). Distinct forms are found with a small open-addressing table whose slots
 * carry the number of the document that filled them, so nothing is cleared between
 * documents; the positions of each form are then gathered by a counting sort of the
 * document's tokens (already in position order).
 */
#include "analyze.h"

#include <string.h>

#include "quire/segment.h"

typedef struct slot {
    uint32_t stamp; /* the document that filled it */
    uint32_t entry;
} slot;

typedef struct entry {
    uint32_t form_off, form_len, stem_off, stem_len; /* into batch.strings */
    uint64_t form_hash;
    uint32_t count;
} entry;

struct analyze_worker {
    quire_analyzer *an;
    quire_store_encoder *enc;
    slot *slots;
    uint32_t slot_mask;
    uint32_t stamp;
    entry *entries;
    uint32_t entry_count, entry_cap;
    uint32_t *tok_entry, *tok_pos; /* per token of the current doc */
    uint32_t tok_count, tok_cap;
    uint32_t *fill; /* per entry: next free place in its positions */
    quire_buf text; /* the batch's stored-text stream */
    quire_buf sanitized;
};

void batch_reset(batch *b)
{
    b->raw.len = b->clean.len = b->strings.len = b->forms.len = b->positions.len = b->store.len = 0;
    b->raw.err = b->clean.err = b->strings.err = b->forms.err = b->positions.err = b->store.err =
        QUIRE_OK;
    b->doc_count = 0;
    b->error = QUIRE_OK;
}

void batch_free(batch *b)
{
    quire_buf_free(&b->raw);
    quire_buf_free(&b->clean);
    quire_buf_free(&b->strings);
    quire_buf_free(&b->forms);
    quire_buf_free(&b->positions);
    quire_buf_free(&b->store);
    quire_free(b->docs);
    memset(b, 0, sizeof *b);
}

int analyze_worker_new(analyze_worker **out, const quire_analyzer_opts *opts, int zlib_level)
{
    *out = NULL;
    analyze_worker *w = quire_calloc(1, sizeof *w);
    if (!w)
        return quire_error(QUIRE_ENOMEM, "out of memory");
    int rc = quire_analyzer_new(&w->an, opts);
    if (rc != QUIRE_OK) {
        quire_free(w);
        return rc;
    }
    rc = quire_store_encoder_new(&w->enc, zlib_level);
    if (rc != QUIRE_OK) {
        analyze_worker_free(w);
        return rc;
    }
    *out = w;
    return QUIRE_OK;
}

void analyze_worker_free(analyze_worker *w)
{
    if (!w)
        return;
    quire_analyzer_free(w->an);
    quire_store_encoder_free(w->enc);
    quire_free(w->slots);
    quire_free(w->entries);
    quire_free(w->tok_entry);
    quire_free(w->tok_pos);
    quire_free(w->fill);
    quire_buf_free(&w->text);
    quire_buf_free(&w->sanitized);
    quire_free(w);
}

quire_analyzer *analyze_worker_analyzer(analyze_worker *w)
{
    return w->an;
}

static int oom(void)
{
    return quire_error(QUIRE_ENOMEM, "out of memory while analysing");
}

static int grow_slots(analyze_worker *w)
{
    uint32_t n = w->slot_mask ? (w->slot_mask + 1) * 2 : 1024;
    slot *s = quire_calloc(n, sizeof *s);
    if (!s)
        return oom();
    /* re-insert this document's entries */
    for (uint32_t e = 0; e < w->entry_count; e++) {
        uint32_t i = (uint32_t)w->entries[e].form_hash & (n - 1);
        while (s[i].stamp == w->stamp)
            i = (i + 1) & (n - 1);
        s[i].stamp = w->stamp;
        s[i].entry = e;
    }
    quire_free(w->slots);
    w->slots = s;
    w->slot_mask = n - 1;
    return QUIRE_OK;
}

static void new_doc(analyze_worker *w)
{
    w->entry_count = 0;
    w->tok_count = 0;
    if (++w->stamp == 0) { /* wrapped: clear so stale stamps cannot match */
        if (w->slots)
            memset(w->slots, 0, ((size_t)w->slot_mask + 1) * sizeof *w->slots);
        w->stamp = 1;
    }
}

/* Record one token of the current document. */
static int add_token(analyze_worker *w, batch *b, const quire_token *t)
{
    if (w->tok_count == w->tok_cap) {
        uint32_t cap = w->tok_cap ? w->tok_cap * 2 : 4096;
        uint32_t *a = quire_realloc(w->tok_entry, (size_t)cap * sizeof *a);
        if (!a)
            return oom();
        w->tok_entry = a;
        uint32_t *p = quire_realloc(w->tok_pos, (size_t)cap * sizeof *p);
        if (!p)
            return oom();
        w->tok_pos = p;
        w->tok_cap = cap;
    }
    if (!w->slots || (w->entry_count + 1) * 2 > w->slot_mask + 1) {
        int rc = grow_slots(w);
        if (rc != QUIRE_OK)
            return rc;
    }
    uint64_t h = inverter_hash(t->form, t->form_len);
    uint32_t i = (uint32_t)h & w->slot_mask;
    uint32_t e = UINT32_MAX;
    while (w->slots[i].stamp == w->stamp) {
        const entry *x = &w->entries[w->slots[i].entry];
        if (x->form_hash == h && x->form_len == t->form_len &&
            memcmp(b->strings.data + x->form_off, t->form, t->form_len) == 0) {
            e = w->slots[i].entry;
            break;
        }
        i = (i + 1) & w->slot_mask;
    }
    if (e == UINT32_MAX) {
        if (w->entry_count == w->entry_cap) {
            uint32_t cap = w->entry_cap ? w->entry_cap * 2 : 1024;
            entry *n = quire_realloc(w->entries, (size_t)cap * sizeof *n);
            if (!n)
                return oom();
            w->entries = n;
            w->entry_cap = cap;
        }
        e = w->entry_count++;
        entry *x = &w->entries[e];
        x->form_off = (uint32_t)b->strings.len;
        x->form_len = (uint32_t)t->form_len;
        quire_buf_put(&b->strings, t->form, t->form_len);
        /* Stem once per distinct word of the document, not per token. */
        const char *stem;
        size_t stem_len;
        int rc = quire_analyzer_stem(w->an, t->form, t->form_len, &stem, &stem_len);
        if (rc != QUIRE_OK)
            return rc;
        x->stem_off = (uint32_t)b->strings.len;
        x->stem_len = (uint32_t)stem_len;
        quire_buf_put(&b->strings, stem, stem_len);
        x->form_hash = h;
        x->count = 0;
        if (b->strings.err || b->strings.len > UINT32_MAX)
            return oom();
        w->slots[i].stamp = w->stamp;
        w->slots[i].entry = e;
    }
    w->entries[e].count++;
    w->tok_entry[w->tok_count] = e;
    w->tok_pos[w->tok_count] = t->pos;
    w->tok_count++;
    return QUIRE_OK;
}

static int tokenize(analyze_worker *w, batch *b, const char *text, size_t len, uint32_t first_pos,
                    uint32_t *count, batch_doc *d)
{
    quire_token_iter it;
    quire_token t;
    quire_tokens_begin(&it, w->an, text, len, first_pos, false);
    uint32_t n = 0;
    while (quire_tokens_next(&it, &t)) {
        if (t.pos == UINT32_MAX - 1)
            return quire_error(QUIRE_ELIMIT, "document has over 4 billion tokens");
        int rc = add_token(w, b, &t);
        if (rc != QUIRE_OK)
            return rc;
        n++;
    }
    d->truncated += (uint32_t)it.truncated_count;
    *count = n;
    return QUIRE_OK;
}

/* Emit the current document's distinct forms into the batch. */
static int emit_forms(analyze_worker *w, batch *b, batch_doc *d)
{
    d->form_start = (uint32_t)(b->forms.len / sizeof(batch_form));
    d->form_count = w->entry_count;
    if (w->entry_count == 0)
        return QUIRE_OK;
    uint32_t *fill = quire_realloc(w->fill, (size_t)w->entry_count * sizeof *fill);
    if (!fill)
        return oom();
    w->fill = fill;
    size_t pos_base = b->positions.len / sizeof(uint32_t);
    if (!quire_buf_reserve(&b->positions, (size_t)w->tok_count * sizeof(uint32_t)) ||
        !quire_buf_reserve(&b->forms, (size_t)w->entry_count * sizeof(batch_form)))
        return oom();
    if (pos_base + w->tok_count > UINT32_MAX)
        return quire_error(QUIRE_ELIMIT, "batch too large");
    uint32_t at = 0;
    batch_form *out = (batch_form *)(void *)(b->forms.data + b->forms.len);
    for (uint32_t e = 0; e < w->entry_count; e++) {
        const entry *x = &w->entries[e];
        fill[e] = at;
        out[e].form_off = x->form_off;
        out[e].form_len = x->form_len;
        out[e].stem_off = x->stem_off;
        out[e].stem_len = x->stem_len;
        out[e].form_hash = x->form_hash;
        out[e].stem_hash = inverter_hash(b->strings.data + x->stem_off, x->stem_len);
        out[e].tf = x->count;
        out[e].pos_off = (uint32_t)(pos_base + at);
        at += x->count;
    }
    uint32_t *pos = (uint32_t *)(void *)(b->positions.data + b->positions.len);
    for (uint32_t k = 0; k < w->tok_count; k++)
        pos[fill[w->tok_entry[k]]++] = w->tok_pos[k];
    b->forms.len += (size_t)w->entry_count * sizeof(batch_form);
    b->positions.len += (size_t)w->tok_count * sizeof(uint32_t);
    return QUIRE_OK;
}

/* Copy `s` into dst as valid UTF-8; returns the number of invalid sequences replaced. */
static size_t put_clean(analyze_worker *w, quire_buf *dst, const char *s, size_t len)
{
    w->sanitized.len = 0;
    size_t bad = quire_utf8_sanitize(&w->sanitized, s, len);
    if (bad)
        quire_buf_put(dst, w->sanitized.data, w->sanitized.len);
    else
        quire_buf_put(dst, s, len);
    return bad;
}

int analyze_batch(analyze_worker *w, batch *b)
{
    w->text.len = 0;
    w->text.err = QUIRE_OK;
    for (uint32_t i = 0; i < b->doc_count; i++) {
        batch_doc *d = &b->docs[i];
        const char *raw = (const char *)b->raw.data;
        d->invalid = 0;
        d->truncated = 0;
        d->clean_id_off = b->clean.len;
        d->invalid += (uint32_t)put_clean(w, &b->clean, raw + d->id_off, d->id_len);
        d->clean_id_len = b->clean.len - d->clean_id_off;
        d->clean_title_off = b->clean.len;
        d->invalid += (uint32_t)put_clean(w, &b->clean, raw + d->title_off, d->title_len);
        d->clean_title_len = b->clean.len - d->clean_title_off;
        size_t text_start = w->text.len;
        d->invalid += (uint32_t)put_clean(w, &w->text, raw + d->text_off, d->text_len);
        d->stored_len = w->text.len - text_start;
        if (b->clean.err || w->text.err || w->sanitized.err)
            return oom();

        new_doc(w);
        uint32_t nt, nx;
        int rc = tokenize(w, b, (const char *)b->clean.data + d->clean_title_off,
                          d->clean_title_len, 0, &nt, d);
        if (rc == QUIRE_OK)
            rc = tokenize(w, b, (const char *)w->text.data + text_start, (size_t)d->stored_len,
                          nt + 1, &nx, d);
        if (rc != QUIRE_OK)
            return rc;
        if ((uint64_t)nt + nx >= UINT32_MAX - 1)
            return quire_error(QUIRE_ELIMIT, "document has over 4 billion tokens");
        d->title_tokens = nt;
        d->doc_len = nt + nx;
        rc = emit_forms(w, b, d);
        if (rc != QUIRE_OK)
            return rc;
    }
    /* stored text: the batch's stream cut into blocks */
    for (size_t off = 0; off < w->text.len; off += QUIRE_STORE_BLOCK) {
        size_t n = w->text.len - off < QUIRE_STORE_BLOCK ? w->text.len - off : QUIRE_STORE_BLOCK;
        int rc = quire_store_encoder_encode(w->enc, &b->store, w->text.data + off, n);
        if (rc != QUIRE_OK)
            return rc;
    }
    if (b->strings.err || b->forms.err || b->positions.err || b->store.err)
        return oom();
    return QUIRE_OK;
}
