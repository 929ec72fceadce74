/*
 * analyze.c - the workers' half of indexing; see analyze.h.
 *
 * Per document: title tokens take positions 0..T-1, text tokens T+1.. (FORMAT.md "Terms:
 * forms and stems"). Each token's form is looked up in the worker's vocabulary (every form
 * met so far, with its stem and the inverter's hashes of both), so a known form costs one
 * probe and neither stemming nor hashing its stem again; a word carries the number of the
 * document that last used it and its entry there, so the document's distinct forms are
 * found without clearing anything between documents. The positions of each form are then
 * gathered by a counting sort of the document's tokens (already in position order).
 */
#include "analyze.h"

#include <string.h>

#include "quire/array.h"
#include "quire/segment.h"

/* A word of the worker's vocabulary: a form met in some document, with its stem and both
 * hashes, so that a form seen before costs one probe and no stemming. `stamp` and `entry`
 * say where the word is in the current document's list, if it is in it. */
typedef struct vword {
    uint64_t form_hash, stem_hash;
    uint32_t form_off, stem_off; /* into the worker's `words` */
    uint32_t form_len, stem_len;
    uint32_t stamp; /* the document that last used it */
    uint32_t entry; /* its entry in that document */
    uint32_t common; /* 1 + its index in the common words (pair terms), 0: not one */
} vword;

/* Pair terms (FORMAT.md "Pair terms"): a pair of common words a, b is numbered
 * a * PAIR_WORDS_MAX + b; the list has fewer than PAIR_WORDS_MAX words. */
#define PAIR_WORDS_MAX 64

/* A distinct pair of the current document. */
typedef struct pair_entry {
    uint32_t id;            /* a * PAIR_WORDS_MAX + b */
    uint32_t first, second; /* their vocabulary words */
    uint32_t count;
} pair_entry;

/* A distinct form of the current document. */
typedef struct entry {
    uint32_t word; /* in the vocabulary */
    uint32_t count;
} entry;

struct analyze_worker {
    quire_analyzer *an;
    store_dict *sd; /* the run's dictionary, trained on the batch of seq 0; NULL: none */
    /* the vocabulary: open addressing over `vw` (slot = index + 1, 0 empty), emptied at a
     * document boundary once its words take more than half of vocab_max bytes (its arrays
     * then take at most vocab_max) */
    vword *vw;
    uint32_t vw_count, vw_cap;
    uint32_t *vslots;
    uint32_t vslot_mask;
    quire_buf words; /* forms and stems of the vocabulary, back to back */
    size_t vocab_max;
    uint32_t epoch;   /* how many times the vocabulary was emptied */
    uint64_t lookups; /* tokens looked up in it */
    uint32_t index;   /* the worker's number */
    uint32_t stamp;
    entry *entries;
    uint32_t entry_count, entry_cap;
    uint32_t *tok_entry, *tok_pos; /* per token of the current doc */
    uint32_t tok_count, tok_cap;
    uint32_t *fill; /* per entry: next free place in its positions */
    quire_buf map;  /* the current text's map entries, varint deltas (FORMAT.md "Text map") */
    /* pair terms: the common words (none: no pairs), per pair id the document that last
     * had it and its entry there, the document's pairs and each pair token's entry */
    const char *const *common;
    uint32_t common_count;
    uint32_t pair_stamp[PAIR_WORDS_MAX * PAIR_WORDS_MAX];
    uint32_t pair_at[PAIR_WORDS_MAX * PAIR_WORDS_MAX];
    pair_entry *pairs;
    uint32_t pair_count, pair_cap;
    uint32_t *ptok_entry, *ptok_pos; /* per pair occurrence of the current doc */
    uint32_t ptok_count, ptok_cap;
    quire_buf sanitized;
};

void batch_reset(batch *b)
{
    b->raw.len = b->clean.len = b->strings.len = b->forms.len = b->positions.len = b->text.len =
        b->store.len = 0;
    b->raw.err = b->clean.err = b->strings.err = b->forms.err = b->positions.err = b->text.err =
        b->store.err = QUIRE_OK;
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
    quire_buf_free(&b->text);
    quire_buf_free(&b->store);
    quire_free(b->docs);
    memset(b, 0, sizeof *b);
}

int analyze_worker_new(analyze_worker **out, const quire_analyzer_opts *opts, size_t vocab_bytes,
                       uint32_t index)
{
    *out = NULL;
    analyze_worker *w = quire_calloc(1, sizeof *w);
    if (!w)
        return quire_oom();
    int rc = quire_analyzer_new(&w->an, opts);
    if (rc != QUIRE_OK) {
        quire_free(w);
        return rc;
    }
    w->vocab_max = vocab_bytes;
    w->index = index;
    if (inverter_pairs_enabled()) {
        w->common = quire_analyzer_common_words(w->an, &w->common_count);
        if (w->common_count >= PAIR_WORDS_MAX) /* cannot be numbered: no pairs */
            w->common_count = 0;
    }
    *out = w;
    return QUIRE_OK;
}

void analyze_worker_free(analyze_worker *w)
{
    if (!w)
        return;
    quire_analyzer_free(w->an);
    quire_free(w->vw);
    quire_free(w->vslots);
    quire_buf_free(&w->words);
    quire_free(w->entries);
    quire_free(w->tok_entry);
    quire_free(w->tok_pos);
    quire_free(w->fill);
    quire_free(w->pairs);
    quire_free(w->ptok_entry);
    quire_free(w->ptok_pos);
    quire_buf_free(&w->map);
    quire_buf_free(&w->sanitized);
    quire_free(w);
}

void analyze_worker_set_store_dict(analyze_worker *w, store_dict *sd)
{
    w->sd = sd;
}

struct batch_compressor {
    quire_store_encoder *enc;
    int level;
    store_dict *sd;
    bool has_dict; /* enc uses sd's dictionary (or there is none to wait for) */
};

int batch_compressor_new(batch_compressor **out, int level, store_dict *sd)
{
    *out = NULL;
    batch_compressor *c = quire_calloc(1, sizeof *c);
    if (!c)
        return quire_oom();
    const int rc = quire_store_encoder_new(&c->enc, level);
    if (rc != QUIRE_OK) {
        quire_free(c);
        return rc;
    }
    c->level = level;
    c->sd = sd;
    c->has_dict = sd == NULL;
    *out = c;
    return QUIRE_OK;
}

void batch_compressor_free(batch_compressor *c)
{
    if (!c)
        return;
    quire_store_encoder_free(c->enc);
    quire_free(c);
}

/* The encoder for the run's dictionary, on the first batch this compressor takes: it waits
 * for the dictionary the analysis of seq 0 trains. */
static int use_store_dict(batch_compressor *c)
{
    quire_bytes dict = {NULL, 0};
    int rc = store_dict_wait(c->sd, &dict);
    if (rc == QUIRE_OK && dict.len > 0) {
        quire_store_encoder *e;
        rc = quire_store_encoder_new_dict(&e, c->level, dict);
        if (rc == QUIRE_OK) {
            quire_store_encoder_free(c->enc);
            c->enc = e;
        }
    }
    c->has_dict = rc == QUIRE_OK;
    return rc;
}

int batch_compress(batch_compressor *c, batch *b)
{
    if (!c->has_dict) {
        const int rc = use_store_dict(c);
        if (rc != QUIRE_OK)
            return rc;
    }
    for (size_t off = 0; off < b->text.len; off += QUIRE_STORE_BLOCK) {
        size_t n = b->text.len - off < QUIRE_STORE_BLOCK ? b->text.len - off : QUIRE_STORE_BLOCK;
        const int rc = quire_store_encoder_encode(c->enc, &b->store, b->text.data + off, n);
        if (rc != QUIRE_OK)
            return rc;
    }
    return b->store.err ? quire_oom() : QUIRE_OK;
}

quire_analyzer *analyze_worker_analyzer(analyze_worker *w)
{
    return w->an;
}

void analyze_worker_stem_stats(const analyze_worker *w, uint64_t *asked, uint64_t *cached)
{
    uint64_t calls, hits;
    quire_analyzer_stem_stats(w->an, &calls, &hits);
    *asked = w->lookups;
    *cached = w->lookups - (calls - hits); /* every token, less Snowball's runs */
}

/* What the vocabulary's words take, not its arrays' room: the room stays when it is
 * emptied, so measured by room it would be full again at its first word, and emptied at
 * every document. The arrays double as they grow (the slots are kept at least twice the
 * words), so they take at most twice this. */
static size_t vocab_bytes(const analyze_worker *w)
{
    return (size_t)w->vw_count * (sizeof(vword) + 2 * sizeof(uint32_t)) + w->words.len;
}

static int grow_vslots(analyze_worker *w)
{
    uint32_t n = w->vslot_mask ? (w->vslot_mask + 1) * 2 : 4096;
    uint32_t *s = quire_calloc(n, sizeof *s);
    if (!s)
        return quire_oom();
    for (uint32_t v = 0; v < w->vw_count; v++) {
        uint32_t i = (uint32_t)w->vw[v].form_hash & (n - 1);
        while (s[i] != 0)
            i = (i + 1) & (n - 1);
        s[i] = v + 1;
    }
    quire_free(w->vslots);
    w->vslots = s;
    w->vslot_mask = n - 1;
    return QUIRE_OK;
}

static void new_doc(analyze_worker *w)
{
    w->entry_count = 0;
    w->tok_count = 0;
    w->pair_count = 0;
    w->ptok_count = 0;
    if (w->vw_count > 0 && vocab_bytes(w) > w->vocab_max / 2) { /* its room: vocab_max */
        /* full: start again (the analyzer's stem cache still knows the stems) */
        w->vw_count = 0;
        w->words.len = 0;
        memset(w->vslots, 0, ((size_t)w->vslot_mask + 1) * sizeof *w->vslots);
        w->epoch++; /* the words' numbers mean other words now */
    }
    if (++w->stamp == 0) { /* wrapped: clear so stale stamps cannot match */
        for (uint32_t v = 0; v < w->vw_count; v++)
            w->vw[v].stamp = 0;
        memset(w->pair_stamp, 0, sizeof w->pair_stamp);
        w->stamp = 1;
    }
}

/* The vocabulary's word for a token's form, added (and stemmed) if new. */
static int find_word(analyze_worker *w, const quire_token *t, uint32_t *out)
{
    if (!w->vslots || ((uint64_t)w->vw_count + 1) * 2 > (uint64_t)w->vslot_mask + 1) {
        int rc = grow_vslots(w);
        if (rc != QUIRE_OK)
            return rc;
    }
    w->lookups++;
    uint64_t h = inverter_hash(t->form, t->form_len);
    uint32_t i = (uint32_t)h & w->vslot_mask;
    for (uint32_t v; (v = w->vslots[i]) != 0; i = (i + 1) & w->vslot_mask) {
        const vword *x = &w->vw[v - 1];
        if (x->form_hash == h && x->form_len == t->form_len &&
            memcmp(w->words.data + x->form_off, t->form, t->form_len) == 0) {
            *out = v - 1;
            return QUIRE_OK;
        }
    }
    if (QUIRE_ARRAY_RESERVE(w->vw, w->vw_count, w->vw_cap, 4096) != QUIRE_OK)
        return quire_oom();
    /* Stem once per distinct word, not per token nor per document. */
    const char *stem;
    size_t stem_len;
    int rc = quire_analyzer_stem(w->an, t->form, t->form_len, &stem, &stem_len);
    if (rc != QUIRE_OK)
        return rc;
    if (w->words.len + t->form_len + stem_len > UINT32_MAX)
        return quire_error(QUIRE_ELIMIT, "vocabulary too large");
    vword *x = &w->vw[w->vw_count];
    x->form_off = (uint32_t)w->words.len;
    x->form_len = (uint32_t)t->form_len;
    quire_buf_put(&w->words, t->form, t->form_len);
    x->stem_off = (uint32_t)w->words.len;
    x->stem_len = (uint32_t)stem_len;
    quire_buf_put(&w->words, stem, stem_len);
    if (w->words.err)
        return quire_oom();
    x->form_hash = h;
    x->stem_hash = inverter_hash(stem, stem_len);
    x->stamp = 0;
    x->common = 0;
    for (uint32_t c = 0; c < w->common_count; c++)
        if (strlen(w->common[c]) == t->form_len && memcmp(w->common[c], t->form, t->form_len) == 0)
            x->common = c + 1;
    w->vslots[i] = ++w->vw_count;
    *out = w->vw_count - 1;
    return QUIRE_OK;
}

/* Record one token of the current document. */
static int add_token(analyze_worker *w, const quire_token *t)
{
    if (w->tok_count == w->tok_cap) {
        uint32_t cap = w->tok_cap ? w->tok_cap * 2 : 4096;
        uint32_t *a = quire_realloc(w->tok_entry, (size_t)cap * sizeof *a);
        if (!a)
            return quire_oom();
        w->tok_entry = a;
        uint32_t *p = quire_realloc(w->tok_pos, (size_t)cap * sizeof *p);
        if (!p)
            return quire_oom();
        w->tok_pos = p;
        w->tok_cap = cap;
    }
    uint32_t v = 0;
    int rc = find_word(w, t, &v);
    if (rc != QUIRE_OK)
        return rc;
    vword *x = &w->vw[v];
    if (x->stamp != w->stamp) { /* the word's first token in this document */
        /* by hand, not QUIRE_ARRAY_RESERVE, which costs an instruction here (callgrind) */
        if (w->entry_count == w->entry_cap) {
            uint32_t cap = w->entry_cap ? w->entry_cap * 2 : 1024;
            entry *n = quire_realloc(w->entries, (size_t)cap * sizeof *n);
            if (!n)
                return quire_oom();
            w->entries = n;
            w->entry_cap = cap;
        }
        x->stamp = w->stamp;
        x->entry = w->entry_count++;
        w->entries[x->entry].word = v;
        w->entries[x->entry].count = 0;
    }
    w->entries[x->entry].count++;
    w->tok_entry[w->tok_count] = x->entry;
    w->tok_pos[w->tok_count] = t->pos;
    w->tok_count++;
    return QUIRE_OK;
}

/* With `map`, the byte starts of tokens QUIRE_TEXT_MAP_EVERY, 2 * EVERY, ... go there as
 * varint deltas (the text's map). */
static int tokenize(analyze_worker *w, const char *text, size_t len, uint32_t first_pos,
                    uint32_t *count, batch_doc *d, quire_buf *map)
{
    quire_token_iter it;
    quire_token t;
    quire_tokens_begin(&it, w->an, text, len, first_pos, false);
    uint32_t n = 0;
    size_t mapped = 0; /* byte start of the last map entry */
    while (quire_tokens_next(&it, &t)) {
        if (t.pos == UINT32_MAX - 1)
            return quire_error(QUIRE_ELIMIT, "document has over 4 billion tokens");
        int rc = add_token(w, &t);
        if (rc != QUIRE_OK)
            return rc;
        if (map && n > 0 && n % QUIRE_TEXT_MAP_EVERY == 0) {
            quire_buf_put_varint(map, t.byte_start - mapped);
            mapped = t.byte_start;
        }
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
        return quire_oom();
    w->fill = fill;
    size_t pos_base = b->positions.len / sizeof(uint32_t);
    if (!quire_buf_reserve(&b->positions, (size_t)w->tok_count * sizeof(uint32_t)) ||
        !quire_buf_reserve(&b->forms, (size_t)w->entry_count * sizeof(batch_form)))
        return quire_oom();
    if (pos_base + w->tok_count > UINT32_MAX)
        return quire_error(QUIRE_ELIMIT, "batch too large");
    uint32_t at = 0;
    size_t strings = 0;
    for (uint32_t e = 0; e < w->entry_count; e++) {
        const vword *x = &w->vw[w->entries[e].word];
        strings += x->form_len + x->stem_len;
    }
    if (b->strings.len + strings > UINT32_MAX)
        return quire_error(QUIRE_ELIMIT, "batch too large");
    if (!quire_buf_reserve(&b->strings, strings))
        return quire_oom();
    batch_form *out = (batch_form *)(void *)(b->forms.data + b->forms.len);
    for (uint32_t e = 0; e < w->entry_count; e++) {
        const vword *x = &w->vw[w->entries[e].word];
        fill[e] = at;
        out[e].form_off = (uint32_t)b->strings.len;
        out[e].form_len = x->form_len;
        memcpy(b->strings.data + b->strings.len, w->words.data + x->form_off, x->form_len);
        b->strings.len += x->form_len;
        out[e].stem_off = (uint32_t)b->strings.len;
        out[e].stem_len = x->stem_len;
        memcpy(b->strings.data + b->strings.len, w->words.data + x->stem_off, x->stem_len);
        b->strings.len += x->stem_len;
        out[e].form_hash = x->form_hash;
        out[e].stem_hash = x->stem_hash;
        out[e].tf = w->entries[e].count;
        out[e].pos_off = (uint32_t)(pos_base + at);
        out[e].word = w->entries[e].word;
        at += w->entries[e].count;
    }
    uint32_t *pos = (uint32_t *)(void *)(b->positions.data + b->positions.len);
    for (uint32_t k = 0; k < w->tok_count; k++)
        pos[fill[w->tok_entry[k]]++] = w->tok_pos[k];
    b->forms.len += (size_t)w->entry_count * sizeof(batch_form);
    b->positions.len += (size_t)w->tok_count * sizeof(uint32_t);
    return QUIRE_OK;
}

/* The current document's pairs of common words at adjacent positions (a title's last
 * token and the text's first are never adjacent: position T lies between). */
static int find_pairs(analyze_worker *w)
{
    for (uint32_t k = 1; k < w->tok_count; k++) {
        if (w->tok_pos[k] != w->tok_pos[k - 1] + 1)
            continue;
        const uint32_t va = w->entries[w->tok_entry[k - 1]].word;
        const uint32_t vb = w->entries[w->tok_entry[k]].word;
        const uint32_t ca = w->vw[va].common, cb = w->vw[vb].common;
        if (ca == 0 || cb == 0)
            continue;
        const uint32_t id = (ca - 1) * PAIR_WORDS_MAX + (cb - 1);
        if (w->pair_stamp[id] != w->stamp) {
            if (QUIRE_ARRAY_RESERVE(w->pairs, w->pair_count, w->pair_cap, 64) != QUIRE_OK)
                return quire_oom();
            w->pair_stamp[id] = w->stamp;
            w->pair_at[id] = w->pair_count;
            w->pairs[w->pair_count++] = (pair_entry){id, va, vb, 0};
        }
        if (w->ptok_count == w->ptok_cap) {
            uint32_t cap = w->ptok_cap ? w->ptok_cap * 2 : 1024;
            uint32_t *a = quire_realloc(w->ptok_entry, (size_t)cap * sizeof *a);
            if (!a)
                return quire_oom();
            w->ptok_entry = a;
            uint32_t *p = quire_realloc(w->ptok_pos, (size_t)cap * sizeof *p);
            if (!p)
                return quire_oom();
            w->ptok_pos = p;
            w->ptok_cap = cap;
        }
        w->pairs[w->pair_at[id]].count++;
        w->ptok_entry[w->ptok_count] = w->pair_at[id];
        w->ptok_pos[w->ptok_count] = w->tok_pos[k - 1];
        w->ptok_count++;
    }
    return QUIRE_OK;
}

/* Emit the current document's pair terms into the batch, after its forms: key "a b",
 * no stem, word INV_PAIR_WORD, the first word's positions. */
static int emit_pairs(analyze_worker *w, batch *b, batch_doc *d)
{
    d->pair_count = 0;
    if (w->common_count == 0)
        return QUIRE_OK;
    int rc = find_pairs(w);
    if (rc != QUIRE_OK || w->pair_count == 0)
        return rc;
    uint32_t *fill = quire_realloc(w->fill, (size_t)w->pair_count * sizeof *fill);
    if (!fill)
        return quire_oom();
    w->fill = fill;
    size_t pos_base = b->positions.len / sizeof(uint32_t);
    size_t strings = 0;
    for (uint32_t e = 0; e < w->pair_count; e++)
        strings +=
            (size_t)w->vw[w->pairs[e].first].form_len + 1 + w->vw[w->pairs[e].second].form_len;
    if (pos_base + w->ptok_count > UINT32_MAX || b->strings.len + strings > UINT32_MAX)
        return quire_error(QUIRE_ELIMIT, "batch too large");
    if (!quire_buf_reserve(&b->positions, (size_t)w->ptok_count * sizeof(uint32_t)) ||
        !quire_buf_reserve(&b->forms, (size_t)w->pair_count * sizeof(batch_form)) ||
        !quire_buf_reserve(&b->strings, strings))
        return quire_oom();
    batch_form *out = (batch_form *)(void *)(b->forms.data + b->forms.len);
    uint32_t at = 0;
    for (uint32_t e = 0; e < w->pair_count; e++) {
        const vword *x = &w->vw[w->pairs[e].first], *y = &w->vw[w->pairs[e].second];
        fill[e] = at;
        char *k = (char *)b->strings.data + b->strings.len;
        memcpy(k, w->words.data + x->form_off, x->form_len);
        k[x->form_len] = QUIRE_PAIR_SEPARATOR;
        memcpy(k + x->form_len + 1, w->words.data + y->form_off, y->form_len);
        const uint32_t len = x->form_len + 1 + y->form_len;
        out[e].form_off = (uint32_t)b->strings.len;
        out[e].form_len = len;
        out[e].stem_off = (uint32_t)b->strings.len;
        out[e].stem_len = 0;
        out[e].form_hash = inverter_hash(k, len);
        out[e].stem_hash = 0;
        b->strings.len += len;
        out[e].tf = w->pairs[e].count;
        out[e].pos_off = (uint32_t)(pos_base + at);
        out[e].word = INV_PAIR_WORD;
        at += w->pairs[e].count;
    }
    uint32_t *pos = (uint32_t *)(void *)(b->positions.data + b->positions.len);
    for (uint32_t k = 0; k < w->ptok_count; k++) /* in position order already */
        pos[fill[w->ptok_entry[k]]++] = w->ptok_pos[k];
    b->forms.len += (size_t)w->pair_count * sizeof(batch_form);
    b->positions.len += (size_t)w->ptok_count * sizeof(uint32_t);
    d->pair_count = w->pair_count;
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
    b->worker = w->index;
    b->text.len = 0;
    b->text.err = QUIRE_OK;
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
        size_t text_start = b->text.len;
        d->invalid += (uint32_t)put_clean(w, &b->text, raw + d->text_off, d->text_len);
        d->stored_len = b->text.len - text_start;
        if (b->clean.err || b->text.err || w->sanitized.err)
            return quire_oom();

        new_doc(w);
        d->vocab_epoch = w->epoch;
        uint32_t nt, nx;
        w->map.len = 0;
        int rc = tokenize(w, (const char *)b->clean.data + d->clean_title_off,
                          d->clean_title_len, 0, &nt, d, NULL);
        if (rc == QUIRE_OK)
            rc = tokenize(w, (const char *)b->text.data + text_start, (size_t)d->stored_len, nt + 1,
                          &nx, d, &w->map);
        if (rc != QUIRE_OK)
            return rc;
        /* the text map: its entry count, then the deltas; none (0 bytes) for a text of at
         * most QUIRE_TEXT_MAP_EVERY tokens */
        d->text_map_off = b->clean.len;
        if (w->map.len > 0) {
            quire_buf_put_varint(&b->clean, quire_text_map_count(nx));
            quire_buf_put(&b->clean, w->map.data, w->map.len);
        }
        d->text_map_len = b->clean.len - d->text_map_off;
        if (b->clean.err || w->map.err)
            return quire_oom();
        if ((uint64_t)nt + nx >= UINT32_MAX - 1)
            return quire_error(QUIRE_ELIMIT, "document has over 4 billion tokens");
        d->title_tokens = nt;
        d->doc_len = nt + nx;
        rc = emit_forms(w, b, d);
        if (rc == QUIRE_OK)
            rc = emit_pairs(w, b, d);
        if (rc != QUIRE_OK)
            return rc;
    }
    /* the run's stored-text dictionary, from the first batch's text (nobody compresses
     * before it is published) */
    if (w->sd && b->seq == 0) {
        const int rc = store_dict_train(w->sd, b->text.data, b->text.len);
        if (rc != QUIRE_OK)
            return rc;
    }
    if (b->strings.err || b->forms.err || b->positions.err)
        return quire_oom();
    return QUIRE_OK;
}
