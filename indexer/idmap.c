/*
 * idmap.c - see idmap.h. Open addressing, linear probing, kept at most half full.
 */
#include "idmap.h"

#include <string.h>

#include "quire/ids.h"

typedef struct entry {
    uint64_t hash;   /* 0: empty slot (real hashes are made non-zero) */
    uint32_t seg;    /* index segment number, or IDMAP_RUN */
    uint32_t doc;    /* local doc, or run ordinal */
    uint64_t id_off; /* IDMAP_RUN: where its id lies in run_ids */
    uint32_t id_len;
} entry;

struct idmap {
    entry *slots;
    size_t cap, used; /* cap a power of two */
    const quire_index *ix;
    quire_ids **seg_ids; /* per segment of ix: its id index, NULL if it has none */
    quire_buf run_ids;
    uint64_t scanned; /* documents read from .dmd (segments without an id index) */
};

static uint64_t hash_id(const char *p, size_t n)
{
    return quire_id_hash(p, n);
}

int idmap_new(idmap **out)
{
    idmap *m = quire_calloc(1, sizeof *m);
    if (!m)
        return quire_oom();
    m->cap = 1024;
    m->slots = quire_calloc(m->cap, sizeof *m->slots);
    if (!m->slots) {
        quire_free(m);
        return quire_oom();
    }
    *out = m;
    return QUIRE_OK;
}

void idmap_free(idmap *m)
{
    if (!m)
        return;
    for (uint32_t s = 0; m->seg_ids && s < quire_index_segment_count(m->ix); s++)
        quire_ids_close(m->seg_ids[s]);
    quire_free(m->seg_ids);
    quire_free(m->slots);
    quire_buf_free(&m->run_ids);
    quire_free(m);
}

static int grow(idmap *m)
{
    size_t cap = m->cap * 2;
    entry *n = quire_calloc(cap, sizeof *n);
    if (!n)
        return quire_oom();
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].hash)
            continue;
        size_t j = m->slots[i].hash & (cap - 1);
        while (n[j].hash)
            j = (j + 1) & (cap - 1);
        n[j] = m->slots[i];
    }
    quire_free(m->slots);
    m->slots = n;
    m->cap = cap;
    return QUIRE_OK;
}

static int insert(idmap *m, const entry *e)
{
    if ((m->used + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc != QUIRE_OK)
            return rc;
    }
    size_t j = e->hash & (m->cap - 1);
    while (m->slots[j].hash)
        j = (j + 1) & (m->cap - 1);
    m->slots[j] = *e;
    m->used++;
    return QUIRE_OK;
}

int idmap_add_index(idmap *m, const quire_index *ix, const char *dir)
{
    m->ix = ix;
    if (!ix)
        return QUIRE_OK;
    m->seg_ids = quire_calloc(quire_index_segment_count(ix) + 1, sizeof *m->seg_ids);
    if (!m->seg_ids)
        return quire_oom();
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        const quire_segment *seg = quire_index_segment(ix, s);
        uint32_t n = quire_segment_get_stats(seg)->doc_count;
        int rc = quire_ids_open(&m->seg_ids[s], dir, quire_segment_id(seg), n);
        if (rc == QUIRE_OK)
            continue;
        if (rc != QUIRE_ENOTFOUND)
            return rc;
        /* no id index (format version 1): read the segment's ids from .dmd */
        for (uint32_t d = 0; d < n; d++) {
            if (quire_index_is_deleted(ix, s, d))
                continue;
            quire_doc_info info;
            rc = quire_segment_doc_info(seg, d, &info);
            if (rc != QUIRE_OK)
                return rc;
            entry e = {hash_id((const char *)info.external_id.ptr, info.external_id.len), s, d, 0,
                       0};
            rc = insert(m, &e);
            if (rc != QUIRE_OK)
                return rc;
            m->scanned++;
        }
        quire_segment_drop_pages(seg);
    }
    return QUIRE_OK;
}

uint64_t idmap_scanned(const idmap *m)
{
    return m->scanned;
}

/* Whether entry e's id is id[0..len). */
static int same_id(const idmap *m, const entry *e, const char *id, size_t len, bool *same)
{
    if (e->seg == IDMAP_RUN) {
        *same = e->id_len == len && memcmp(m->run_ids.data + e->id_off, id, len) == 0;
        return QUIRE_OK;
    }
    quire_doc_info info;
    int rc = quire_segment_doc_info(quire_index_segment(m->ix, e->seg), e->doc, &info);
    if (rc == QUIRE_OK)
        *same = info.external_id.len == len && memcmp(info.external_id.ptr, id, len) == 0;
    return rc;
}

typedef struct seg_hit {
    const idmap *m;
    uint32_t seg;
    const char *id;
    size_t len;
    idmap_hit_fn fn;
    void *ctx;
    int rc;
} seg_hit;

static void on_seg_hit(void *ctx, uint32_t doc)
{
    seg_hit *h = ctx;
    if (h->rc != QUIRE_OK || quire_index_is_deleted(h->m->ix, h->seg, doc))
        return;
    entry e = {0, h->seg, doc, 0, 0};
    bool same = false;
    h->rc = same_id(h->m, &e, h->id, h->len, &same);
    if (h->rc == QUIRE_OK && same)
        h->fn(h->ctx, h->seg, doc);
}

int idmap_find(const idmap *m, const char *id, size_t len, idmap_hit_fn fn, void *ctx)
{
    uint64_t h = hash_id(id, len);
    for (uint32_t s = 0; m->seg_ids && s < quire_index_segment_count(m->ix); s++) {
        if (!m->seg_ids[s])
            continue;
        seg_hit sh = {m, s, id, len, fn, ctx, QUIRE_OK};
        int rc = quire_ids_find(m->seg_ids[s], h, on_seg_hit, &sh);
        if (rc == QUIRE_OK)
            rc = sh.rc;
        if (rc != QUIRE_OK)
            return rc;
    }
    for (size_t j = h & (m->cap - 1); m->slots[j].hash; j = (j + 1) & (m->cap - 1)) {
        const entry *e = &m->slots[j];
        if (e->hash != h)
            continue;
        bool same = false;
        int rc = same_id(m, e, id, len, &same);
        if (rc != QUIRE_OK)
            return rc;
        if (same)
            fn(ctx, e->seg, e->doc);
    }
    return QUIRE_OK;
}

int idmap_put_run(idmap *m, const char *id, size_t len, uint32_t ordinal, uint32_t *previous)
{
    *previous = UINT32_MAX;
    uint64_t h = hash_id(id, len);
    for (size_t j = h & (m->cap - 1); m->slots[j].hash; j = (j + 1) & (m->cap - 1)) {
        entry *e = &m->slots[j];
        if (e->hash != h || e->seg != IDMAP_RUN)
            continue;
        bool same = false;
        int rc = same_id(m, e, id, len, &same);
        if (rc != QUIRE_OK)
            return rc;
        if (same) {
            *previous = e->doc;
            e->doc = ordinal;
            return QUIRE_OK;
        }
    }
    entry e = {h, IDMAP_RUN, ordinal, m->run_ids.len, (uint32_t)len};
    quire_buf_put(&m->run_ids, id, len);
    if (m->run_ids.err)
        return quire_oom();
    return insert(m, &e);
}
