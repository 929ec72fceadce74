/*
 * inverter.c - in-memory inversion; see inverter.h.
 *
 * Memory: every term is a `term` record in a growable array, found through an
 * open-addressing table of indices; keys live in an arena of 1 MiB chunks; postings live in
 * per-term buffers that grow by half. inverter_memory() adds up all of it (allocated
 * capacity, not just the bytes used), and that is what the budget is compared with.
 */
#include "inverter.h"

#include <stdlib.h>
#include <string.h>

#include "quire/array.h"
#include "quire/keysort.h"

#define NONE        UINT32_MAX
#define ARENA_CHUNK (1u << 20)

typedef struct term {
    const char *key;
    uint32_t key_len;
    uint32_t next; /* forms: next form of the same stem; stems: first form */
    uint64_t hash;
    uint8_t *buf; /* encoded postings */
    uint32_t len, cap;
    uint32_t last_doc; /* NONE before the first posting */
    uint32_t df;
    uint32_t link;       /* forms: their stem; stems: tf summed in the current doc */
    uint32_t cur_doc;    /* stems: the doc `link` sums for, NONE before the first */
    uint32_t form_count; /* stems only */
    uint32_t big;        /* its pre-encoded blocks in inverter.bigs, NONE if it has none */
} term;

typedef struct term_table {
    term *terms;
    uint32_t count, cap;
    uint32_t *slots; /* NONE = empty */
    uint32_t slot_mask;
} term_table;

typedef struct arena_chunk {
    struct arena_chunk *prev;
    size_t used, cap;
    char data[];
} arena_chunk;

/* Sort entries (quire/keysort.h): the key's first 8 bytes as a big-endian number decide
 * most comparisons without touching the keys (most words are shorter than 8 bytes). */
typedef quire_keysort_entry sort_entry;

/* A source's vocabulary numbers -> form terms (NONE: not looked up yet), valid for one
 * epoch of the source and one generation of the inverter (its tables are emptied at each
 * flush). */
typedef struct word_map {
    uint32_t *ids;
    uint32_t cap;
    uint32_t epoch;
    uint64_t gen;
} word_map;

struct inverter {
    char *dir;
    quire_bytes store_dict; /* the run's (not owned); empty: none */
    size_t budget;
    inverter_next_id_fn next_id;
    inverter_segment_fn done;
    void *ctx;
    term_table forms, stems;
    term_table pairs;   /* pair terms (key "a b"), when pair_set is not empty */
    quire_buf pair_set; /* the pair set's encoding (quire_pair_set_encode); empty: no pairs */
    arena_chunk *arena;
    size_t arena_bytes;
    size_t postings_bytes;        /* sum of term buffer capacities */
    quire_segment_writer *writer; /* open from a segment's first doc to its flush */
    uint64_t segment_id;
    uint32_t *doc_lens;
    uint32_t doc_count, doc_cap;
    uint32_t *touched; /* stems touched by the current document */
    uint32_t touched_cap;
    uint32_t *scratch; /* positions decoded at flush */
    uint32_t scratch_cap;
    word_map maps[INVERTER_SOURCES];
    uint64_t gen; /* flushes so far */
    size_t map_bytes;
    /* Terms of more than QUIRE_BLOCK_DOCS postings: their full blocks, encoded as the next
     * posting comes (so that the flush copies them); `buf` then holds only the postings
     * after them. */
    quire_postings_blocks *bigs;
    uint32_t big_count, big_cap;
    uint32_t blk_docs[QUIRE_BLOCK_DOCS], blk_tfs[QUIRE_BLOCK_DOCS], blk_lens[QUIRE_BLOCK_DOCS];
};

static int oom(void)
{
    return quire_error(QUIRE_ENOMEM, "out of memory in the inverter");
}

static void table_free(term_table *t)
{
    for (uint32_t i = 0; i < t->count; i++)
        quire_free(t->terms[i].buf);
    quire_free(t->terms);
    quire_free(t->slots);
    memset(t, 0, sizeof *t);
}

static int table_grow_slots(term_table *t)
{
    uint32_t n = t->slot_mask ? (t->slot_mask + 1) * 2 : 1024;
    uint32_t *slots = quire_malloc((size_t)n * sizeof *slots);
    if (!slots)
        return oom();
    memset(slots, 0xff, (size_t)n * sizeof *slots);
    for (uint32_t i = 0; i < t->count; i++) {
        uint32_t s = (uint32_t)t->terms[i].hash & (n - 1);
        while (slots[s] != NONE)
            s = (s + 1) & (n - 1);
        slots[s] = i;
    }
    quire_free(t->slots);
    t->slots = slots;
    t->slot_mask = n - 1;
    return QUIRE_OK;
}

static const char *arena_copy(inverter *inv, const char *s, size_t n)
{
    arena_chunk *c = inv->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        arena_chunk *nc = quire_malloc(sizeof *nc + cap);
        if (!nc)
            return NULL;
        nc->prev = c;
        nc->used = 0;
        nc->cap = cap;
        inv->arena = c = nc;
        inv->arena_bytes += sizeof *nc + cap;
    }
    char *d = c->data + c->used;
    memcpy(d, s, n);
    c->used += n;
    return d;
}

/* Find or add a term; *out its index. */
static int table_get(inverter *inv, term_table *t, const char *key, uint32_t len, uint64_t hash,
                     uint32_t *out, bool *added)
{
    if ((uint64_t)(t->count + 1) * 4 > (uint64_t)(t->slot_mask + 1) * 3 || !t->slots) {
        int rc = table_grow_slots(t);
        if (rc != QUIRE_OK)
            return rc;
    }
    uint32_t s = (uint32_t)hash & t->slot_mask;
    for (;;) {
        uint32_t i = t->slots[s];
        if (i == NONE)
            break;
        const term *e = &t->terms[i];
        if (e->hash == hash && e->key_len == len && memcmp(e->key, key, len) == 0) {
            *out = i;
            *added = false;
            return QUIRE_OK;
        }
        s = (s + 1) & t->slot_mask;
    }
    /* by hand, not QUIRE_ARRAY_RESERVE, which costs an instruction here (callgrind) */
    if (t->count == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 1024;
        term *n = quire_realloc(t->terms, (size_t)cap * sizeof *n);
        if (!n)
            return oom();
        t->terms = n;
        t->cap = cap;
    }
    const char *k = arena_copy(inv, key, len);
    if (!k)
        return oom();
    term *e = &t->terms[t->count];
    memset(e, 0, sizeof *e);
    e->key = k;
    e->key_len = len;
    e->hash = hash;
    e->last_doc = NONE;
    e->cur_doc = NONE;
    e->next = NONE;
    e->big = NONE;
    t->slots[s] = t->count;
    *out = t->count++;
    *added = true;
    return QUIRE_OK;
}

static int term_reserve(inverter *inv, term *e, size_t extra)
{
    if (e->cap - e->len >= extra)
        return QUIRE_OK;
    size_t need = (size_t)e->len + extra;
    if (need > UINT32_MAX)
        return quire_error(QUIRE_ELIMIT, "postings of one term exceed 4 GiB in memory");
    size_t cap = e->cap ? e->cap + e->cap / 2 : 16;
    if (cap < need)
        cap = need;
    if (cap > UINT32_MAX)
        cap = UINT32_MAX;
    uint8_t *b = quire_realloc(e->buf, cap);
    if (!b)
        return oom();
    inv->postings_bytes += cap - e->cap;
    e->buf = b;
    e->cap = (uint32_t)cap;
    return QUIRE_OK;
}

static inline void put_varint(term *e, uint64_t v)
{
    e->len += (uint32_t)quire_varint_put(e->buf + e->len, v);
}

static int corrupt_buffer(void)
{
    return quire_error(QUIRE_EINVAL, "inverter: postings buffer does not decode (a bug)");
}

static int scratch_reserve(inverter *inv, size_t n)
{
    if (n <= inv->scratch_cap)
        return QUIRE_OK;
    if (n > UINT32_MAX)
        return quire_error(QUIRE_ELIMIT, "postings of one block exceed 2^32 positions");
    uint32_t *s = quire_realloc(inv->scratch, n * sizeof *s);
    if (!s)
        return oom();
    inv->scratch = s;
    inv->scratch_cap = (uint32_t)n;
    return QUIRE_OK;
}

/* Postings of `e` that are in its buffer, not yet in its pre-encoded blocks. */
static uint32_t buffered(const inverter *inv, const term *e)
{
    return e->big == NONE ? e->df : e->df - inv->bigs[e->big].df;
}

/* `e`'s buffer holds a full block and a posting comes after it: encode the block. */
static int encode_buffered(inverter *inv, term *e, bool positions)
{
    if (e->big == NONE) {
        const uint32_t old_cap = inv->big_cap;
        if (QUIRE_ARRAY_RESERVE(inv->bigs, inv->big_count, inv->big_cap, 256) != QUIRE_OK)
            return oom();
        inv->postings_bytes += (size_t)(inv->big_cap - old_cap) * sizeof *inv->bigs;
        quire_postings_blocks_init(&inv->bigs[inv->big_count], positions);
        e->big = inv->big_count++;
    }
    quire_postings_blocks *b = &inv->bigs[e->big];
    const uint8_t *p = e->buf, *end = e->buf + e->len;
    uint32_t doc = b->blocks ? b->last_doc : NONE;
    size_t gaps = 0;
    for (uint32_t i = 0; i < QUIRE_BLOCK_DOCS; i++) {
        uint32_t gap, tf;
        if (quire_varint_get32(&gap, &p, end) != QUIRE_OK ||
            quire_varint_get32(&tf, &p, end) != QUIRE_OK)
            return corrupt_buffer();
        doc = doc + 1 + gap;
        inv->blk_docs[i] = doc;
        inv->blk_tfs[i] = tf;
        inv->blk_lens[i] = inv->doc_lens[doc];
        if (positions) {
            int rc = scratch_reserve(inv, gaps + tf);
            if (rc != QUIRE_OK)
                return rc;
            for (uint32_t k = 0; k < tf; k++)
                if (quire_varint_get32(&inv->scratch[gaps + k], &p, end) != QUIRE_OK)
                    return corrupt_buffer();
            gaps += tf;
        }
    }
    if (p != end)
        return corrupt_buffer();
    size_t before = quire_postings_blocks_bytes(b);
    int rc = quire_postings_blocks_add(b, inv->blk_docs, inv->blk_tfs, inv->blk_lens, inv->scratch,
                                       gaps);
    if (rc != QUIRE_OK)
        return rc;
    inv->postings_bytes += quire_postings_blocks_bytes(b) - before;
    e->len = 0;
    return QUIRE_OK;
}

int inverter_new(inverter **out, const char *dir, size_t memory_budget, inverter_next_id_fn next_id,
                 inverter_segment_fn done, void *ctx)
{
    *out = NULL;
    inverter *inv = quire_calloc(1, sizeof *inv);
    if (!inv)
        return oom();
    inv->dir = quire_strndup(dir, strlen(dir));
    if (!inv->dir) {
        quire_free(inv);
        return oom();
    }
    inv->budget = memory_budget;
    inv->next_id = next_id;
    inv->done = done;
    inv->ctx = ctx;
    *out = inv;
    return QUIRE_OK;
}

static void reset(inverter *inv)
{
    table_free(&inv->forms);
    table_free(&inv->stems);
    table_free(&inv->pairs);
    while (inv->arena) {
        arena_chunk *p = inv->arena->prev;
        quire_free(inv->arena);
        inv->arena = p;
    }
    inv->arena_bytes = 0;
    inv->postings_bytes = 0;
    inv->doc_count = 0;
    inv->gen++; /* every word map is stale */
    for (uint32_t i = 0; i < inv->big_count; i++)
        quire_postings_blocks_free(&inv->bigs[i]);
    inv->big_count = 0;
}

void inverter_free(inverter *inv)
{
    if (!inv)
        return;
    quire_segment_writer_abort(inv->writer);
    reset(inv);
    quire_free(inv->doc_lens);
    quire_free(inv->touched);
    quire_free(inv->scratch);
    for (int i = 0; i < INVERTER_SOURCES; i++)
        quire_free(inv->maps[i].ids);
    quire_free(inv->bigs);
    quire_free(inv->dir);
    quire_buf_free(&inv->pair_set);
    quire_free(inv);
}

int inverter_set_pair_set(inverter *inv, const char *const *words, uint32_t count)
{
    inv->pair_set.len = 0;
    if (count == 0 || count >= 64) /* analyze.c numbers pairs of fewer than 64 words */
        return QUIRE_OK;
    quire_pair_set_encode(&inv->pair_set, words, count);
    return inv->pair_set.err ? oom() : QUIRE_OK;
}

size_t inverter_memory(const inverter *inv)
{
    /* flush sorts each table in turn with two sort_entries and an order slot per term:
     * count them now, so the flush itself stays inside the budget */
    size_t most = inv->forms.count > inv->stems.count ? inv->forms.count : inv->stems.count;
    if (inv->pairs.count > most)
        most = inv->pairs.count;
    size_t flush = most * (2 * sizeof(sort_entry) + 4);
    /* map_bytes is left out: it depends on which worker analysed which batch, and the
     * flush points must not (the index does not depend on the number of threads); a map
     * takes 4 bytes per word of a worker's vocabulary, and the indexer sets that aside */
    return flush + inv->postings_bytes + inv->arena_bytes +
           ((size_t)inv->forms.cap + inv->stems.cap + inv->pairs.cap) * sizeof(term) +
           ((size_t)inv->forms.slot_mask + inv->stems.slot_mask + 2) * sizeof(uint32_t) +
           (inv->pairs.slots ? ((size_t)inv->pairs.slot_mask + 1) * sizeof(uint32_t) : 0) +
           (size_t)inv->doc_cap * sizeof(uint32_t);
}

bool inverter_is_full(const inverter *inv)
{
    return inverter_memory(inv) >= inv->budget;
}

static int open_writer(inverter *inv)
{
    inv->segment_id = inv->next_id(inv->ctx);
    int rc = quire_segment_writer_new(&inv->writer, inv->dir, inv->segment_id);
    if (rc == QUIRE_OK && inv->store_dict.len > 0)
        rc = quire_segment_writer_set_store_dict(inv->writer, inv->store_dict);
    return rc;
}

void inverter_set_store_dict(inverter *inv, quire_bytes dict)
{
    inv->store_dict = dict;
}

int inverter_add_store_block(inverter *inv, quire_bytes encoded)
{
    if (!inv->writer) {
        int rc = open_writer(inv);
        if (rc != QUIRE_OK)
            return rc;
    }
    return quire_segment_writer_add_store_block(inv->writer, encoded);
}

/* Make map[w] exist (NONE if new). QUIRE_ARRAY_RESERVE_N(ids, w + 1, ...) written out, for
 * the new items are then filled with NONE: the common path stays the one test. */
static int map_reserve(inverter *inv, word_map *m, uint32_t w)
{
    if (QUIRE_LIKELY(w < m->cap))
        return QUIRE_OK;
    const uint32_t old_cap = m->cap;
    if (quire_array_grow_n(&m->ids, sizeof *m->ids, &m->cap, sizeof m->cap, (size_t)w + 1,
                           4096) != QUIRE_OK)
        return oom();
    memset(m->ids + old_cap, 0xff, (size_t)(m->cap - old_cap) * sizeof *m->ids);
    inv->map_bytes += (size_t)(m->cap - old_cap) * sizeof *m->ids;
    return QUIRE_OK;
}

/* Appends a form's or a pair's posting in `doc` to e: doc gap, tf, position gaps,
 * encoding its buffered postings first when they fill a block. */
static inline int add_positional_posting(inverter *inv, term *e, const inv_form *in,
                                         uint32_t doc)
{
    int rc;
    if (buffered(inv, e) == QUIRE_BLOCK_DOCS && (rc = encode_buffered(inv, e, true)) != QUIRE_OK)
        return rc;
    rc = term_reserve(inv, e, (size_t)(2 + in->tf) * QUIRE_VARINT_MAX);
    if (rc != QUIRE_OK)
        return rc;
    put_varint(e, doc - (e->last_doc + 1));
    put_varint(e, in->tf);
    uint32_t prev = 0;
    for (uint32_t k = 0; k < in->tf; k++) {
        put_varint(e, in->positions[k] - prev);
        prev = in->positions[k];
    }
    e->last_doc = doc;
    e->df++;
    return QUIRE_OK;
}

/* A pair term's posting in `doc`: as a form's (doc gap, tf, position gaps), no stem. */
static int add_pair(inverter *inv, const inv_form *in, uint32_t doc)
{
    uint32_t pi;
    bool added;
    int rc = table_get(inv, &inv->pairs, in->form, in->form_len, in->form_hash, &pi, &added);
    if (rc != QUIRE_OK)
        return rc;
    return add_positional_posting(inv, &inv->pairs.terms[pi], in, doc);
}

int inverter_add_doc(inverter *inv, const quire_doc_info *info, const inv_form *forms,
                     uint32_t form_count, uint32_t source, uint32_t epoch)
{
    int rc;
    if (source >= INVERTER_SOURCES)
        return quire_error(QUIRE_EINVAL, "inverter: source %u", source);
    word_map *wm = &inv->maps[source];
    if (wm->epoch != epoch || wm->gen != inv->gen) {
        if (wm->cap)
            memset(wm->ids, 0xff, (size_t)wm->cap * sizeof *wm->ids);
        wm->epoch = epoch;
        wm->gen = inv->gen;
    }
    if (!inv->writer && (rc = open_writer(inv)) != QUIRE_OK)
        return rc;
    if (QUIRE_ARRAY_RESERVE(inv->doc_lens, inv->doc_count, inv->doc_cap, 4096) != QUIRE_OK)
        return oom();
    if (form_count > inv->touched_cap) {
        uint32_t *n = quire_realloc(inv->touched, (size_t)form_count * sizeof *n);
        if (!n)
            return oom();
        inv->touched = n;
        inv->touched_cap = form_count;
    }
    rc = quire_segment_writer_add_doc_meta(inv->writer, info);
    if (rc != QUIRE_OK)
        return rc;
    uint32_t doc = inv->doc_count++;
    inv->doc_lens[doc] = info->doc_len;
    uint32_t touched = 0;

    for (uint32_t f = 0; f < form_count; f++) {
        const inv_form *in = &forms[f];
        uint32_t fi, si;
        bool added = false;
        if (in->word == INV_PAIR_WORD) {
            if (inv->pair_set.len == 0)
                continue; /* pairs off for this inverter */
            if ((rc = add_pair(inv, in, doc)) != QUIRE_OK)
                return rc;
            continue;
        }
        if ((rc = map_reserve(inv, wm, in->word)) != QUIRE_OK)
            return rc;
        fi = wm->ids[in->word];
        if (fi == NONE) {
            rc = table_get(inv, &inv->forms, in->form, in->form_len, in->form_hash, &fi, &added);
            if (rc != QUIRE_OK)
                return rc;
            wm->ids[in->word] = fi;
        }
        if (added) {
            bool stem_added;
            rc = table_get(inv, &inv->stems, in->stem, in->stem_len, in->stem_hash, &si,
                           &stem_added);
            if (rc != QUIRE_OK)
                return rc;
            term *st = &inv->stems.terms[si];
            term *fe = &inv->forms.terms[fi];
            fe->link = si;
            fe->next = st->next;
            st->next = fi;
            st->form_count++;
        }
        term *fe = &inv->forms.terms[fi];
        si = fe->link;
        rc = add_positional_posting(inv, fe, in, doc);
        if (rc != QUIRE_OK)
            return rc;
        /* stem: sum tf over its forms in this doc, written once the doc is done */
        term *st = &inv->stems.terms[si];
        if (st->cur_doc != doc) {
            st->cur_doc = doc;
            st->link = 0;
            inv->touched[touched++] = si;
        }
        st->link += in->tf;
    }
    for (uint32_t i = 0; i < touched; i++) {
        term *st = &inv->stems.terms[inv->touched[i]];
        if (buffered(inv, st) == QUIRE_BLOCK_DOCS &&
            (rc = encode_buffered(inv, st, false)) != QUIRE_OK)
            return rc;
        rc = term_reserve(inv, st, 2 * QUIRE_VARINT_MAX);
        if (rc != QUIRE_OK)
            return rc;
        put_varint(st, doc - (st->last_doc + 1));
        put_varint(st, st->link);
        st->last_doc = doc;
        st->df++;
    }
    return QUIRE_OK;
}

/* ---- flush ---- */

static int cmp_bytes(const void *a, const void *b)
{
    const quire_bytes *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->ptr, y->ptr, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Terms of a table in key order (caller frees). */
static int sorted_order(const term_table *t, uint32_t **out)
{
    uint32_t *order = quire_malloc(((size_t)t->count + 1) * sizeof *order);
    sort_entry *e = quire_malloc(((size_t)t->count + 1) * 2 * sizeof *e);
    if (!order || !e) {
        quire_free(order);
        quire_free(e);
        return oom();
    }
    for (uint32_t i = 0; i < t->count; i++) {
        const term *x = &t->terms[i];
        e[i].key = (const uint8_t *)x->key;
        e[i].len = x->key_len;
        e[i].prefix = quire_keysort_prefix(e[i].key, e[i].len);
        e[i].index = i;
    }
    quire_keysort(e, e + t->count + 1, t->count);
    for (uint32_t i = 0; i < t->count; i++)
        order[i] = e[i].index;
    quire_free(e);
    *out = order;
    return QUIRE_OK;
}

static int write_postings(inverter *inv, const term *e, bool positions)
{
    const uint8_t *p = e->buf, *end = e->buf + e->len;
    uint32_t doc = NONE;
    if (e->big != NONE) {
        const quire_postings_blocks *b = &inv->bigs[e->big];
        int rc = quire_segment_writer_add_blocks(inv->writer, b);
        if (rc != QUIRE_OK)
            return rc;
        doc = b->last_doc;
    }
    while (p < end) {
        uint32_t gap, tf;
        if (quire_varint_get32(&gap, &p, end) != QUIRE_OK ||
            quire_varint_get32(&tf, &p, end) != QUIRE_OK)
            return corrupt_buffer();
        doc = doc + 1 + gap;
        if (positions) {
            int rc = scratch_reserve(inv, tf);
            if (rc != QUIRE_OK)
                return rc;
            for (uint32_t k = 0; k < tf; k++) /* the gaps, as the writer takes them */
                if (quire_varint_get32(&inv->scratch[k], &p, end) != QUIRE_OK)
                    return corrupt_buffer();
        }
        int rc = positions ? quire_segment_writer_add_posting_gaps(inv->writer, doc, tf,
                                                                   inv->scratch, inv->doc_lens[doc])
                           : quire_segment_writer_add_posting(inv->writer, doc, tf, NULL,
                                                              inv->doc_lens[doc]);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

static int write_terms(inverter *inv)
{
    uint32_t *order = NULL;
    quire_bytes *forms = NULL;
    uint32_t forms_cap = 0;
    int rc = sorted_order(&inv->forms, &order);
    for (uint32_t i = 0; rc == QUIRE_OK && i < inv->forms.count; i++) {
        const term *e = &inv->forms.terms[order[i]];
        rc = quire_segment_writer_begin_form(inv->writer, quire_bytes_of(e->key, e->key_len));
        if (rc == QUIRE_OK)
            rc = write_postings(inv, e, true);
        if (rc == QUIRE_OK)
            rc = quire_segment_writer_end_term(inv->writer);
    }
    quire_free(order);
    order = NULL;
    /* pair terms (version 4): the set, then the pairs in key order, between forms and stems */
    if (rc == QUIRE_OK && inv->pair_set.len > 0) {
        rc = quire_segment_writer_add_pair_set(
            inv->writer, quire_bytes_of(inv->pair_set.data, inv->pair_set.len));
        if (rc == QUIRE_OK)
            rc = sorted_order(&inv->pairs, &order);
        for (uint32_t i = 0; rc == QUIRE_OK && i < inv->pairs.count; i++) {
            const term *e = &inv->pairs.terms[order[i]];
            rc = quire_segment_writer_begin_pair(inv->writer, quire_bytes_of(e->key, e->key_len));
            if (rc == QUIRE_OK)
                rc = write_postings(inv, e, true);
            if (rc == QUIRE_OK)
                rc = quire_segment_writer_end_term(inv->writer);
        }
        quire_free(order);
        order = NULL;
    }
    if (rc == QUIRE_OK)
        rc = sorted_order(&inv->stems, &order);
    for (uint32_t i = 0; rc == QUIRE_OK && i < inv->stems.count; i++) {
        const term *st = &inv->stems.terms[order[i]];
        quire_bytes stem = quire_bytes_of(st->key, st->key_len);
        if (st->form_count == 1) {
            const term *fe = &inv->forms.terms[st->next];
            rc = quire_segment_writer_add_alias_stem(inv->writer, stem,
                                                     quire_bytes_of(fe->key, fe->key_len));
            continue;
        }
        if (st->form_count > forms_cap) {
            quire_bytes *n = quire_realloc(forms, (size_t)st->form_count * sizeof *n);
            if (!n) {
                rc = oom();
                break;
            }
            forms = n;
            forms_cap = st->form_count;
        }
        uint32_t n = 0;
        for (uint32_t f = st->next; f != NONE; f = inv->forms.terms[f].next)
            forms[n++] = quire_bytes_of(inv->forms.terms[f].key, inv->forms.terms[f].key_len);
        qsort(forms, n, sizeof *forms, cmp_bytes);
        rc = quire_segment_writer_begin_stem(inv->writer, stem, forms, n);
        if (rc == QUIRE_OK)
            rc = write_postings(inv, st, false);
        if (rc == QUIRE_OK)
            rc = quire_segment_writer_end_term(inv->writer);
    }
    quire_free(order);
    quire_free(forms);
    return rc;
}

int inverter_flush(inverter *inv)
{
    if (!inv->writer)
        return QUIRE_OK;
    int rc = write_terms(inv);
    quire_segment_stats st;
    if (rc == QUIRE_OK) {
        rc = quire_segment_writer_finish(inv->writer, &st);
        inv->writer = NULL;
    }
    if (rc == QUIRE_OK)
        rc = inv->done(inv->ctx, inv->segment_id, &st);
    reset(inv);
    return rc;
}
