/*
 * show.c - quire-query --show ID: a stored document found by its external id (query.h
 * search_show). Each segment's id index (.ids, FORMAT.md "Id index") gives the documents
 * whose id has the same hash, confirmed by reading the id from .dmd; a segment without
 * one (format version 1) has its ids read from .dmd. Only a live document is shown: a
 * replaced or deleted version is not.
 */
#include <string.h>

#include "query.h"
#include "quire/ids.h"
#include "quire/index.h"
#include "quire/segment.h"

typedef struct find_ctx {
    const quire_index *ix;
    uint32_t seg;
    const char *id;
    size_t len;
    uint32_t doc; /* the live document found, or UINT32_MAX */
    int rc;       /* the first error met */
} find_ctx;

static void consider(find_ctx *f, uint32_t doc)
{
    if (f->rc != QUIRE_OK || f->doc != UINT32_MAX || quire_index_is_deleted(f->ix, f->seg, doc))
        return;
    quire_doc_info info;
    f->rc = quire_segment_doc_info(quire_index_segment(f->ix, f->seg), doc, &info);
    if (f->rc == QUIRE_OK && info.external_id.len == f->len &&
        memcmp(info.external_id.ptr, f->id, f->len) == 0)
        f->doc = doc;
}

static void on_hash(void *ctx, uint32_t doc)
{
    consider(ctx, doc);
}

static char *copy(const quire_bytes b)
{
    return quire_strndup(b.len ? (const char *)b.ptr : "", b.len);
}

int search_show(search_doc *out, searcher *s, const char *id, size_t len)
{
    memset(out, 0, sizeof *out);
    const quire_index *ix = search_index(s);
    const uint64_t hash = quire_id_hash(id, len);
    find_ctx f = {ix, 0, id, len, UINT32_MAX, QUIRE_OK};
    /* newest segment first: at most one version of an id is live, but look there first */
    for (uint32_t seg = quire_index_segment_count(ix); seg-- > 0 && f.doc == UINT32_MAX;) {
        const quire_segment *sg = quire_index_segment(ix, seg);
        const uint32_t n = quire_segment_get_stats(sg)->doc_count;
        f.seg = seg;
        quire_ids *ids = NULL;
        int rc = quire_ids_open(&ids, search_dir(s), quire_segment_id(sg), n);
        if (rc == QUIRE_OK) {
            rc = quire_ids_find(ids, hash, on_hash, &f);
            quire_ids_close(ids);
        } else if (rc == QUIRE_ENOTFOUND) { /* format version 1: no id index */
            rc = QUIRE_OK;
            for (uint32_t d = 0; d < n && f.doc == UINT32_MAX && f.rc == QUIRE_OK; d++)
                consider(&f, d);
        }
        if (rc == QUIRE_OK)
            rc = f.rc;
        if (rc != QUIRE_OK)
            return rc;
    }
    if (f.doc == UINT32_MAX)
        return quire_error(QUIRE_ENOTFOUND, "%s: no document with this id", search_dir(s));
    const quire_segment *sg = quire_index_segment(ix, f.seg);
    quire_doc_info info;
    int rc = quire_segment_doc_info(sg, f.doc, &info);
    if (rc != QUIRE_OK)
        return rc;
    quire_buf text = QUIRE_BUF_INIT;
    rc = quire_segment_doc_text(sg, f.doc, &text);
    if (rc == QUIRE_OK && text.err)
        rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
    if (rc != QUIRE_OK) {
        quire_buf_free(&text);
        return rc;
    }
    out->doc_id = quire_index_doc_base(ix, f.seg) + f.doc;
    out->external_id = copy(info.external_id);
    out->external_id_len = info.external_id.len;
    out->title = copy(info.title);
    out->title_len = info.title.len;
    out->origin = copy(info.origin);
    out->origin_len = info.origin.len;
    out->text = copy(quire_bytes_of(text.data, text.len));
    out->text_len = text.len;
    out->date = info.date;
    out->doc_len = info.doc_len;
    out->title_tokens = info.title_len;
    out->source = search_source_of(&info);
    quire_buf_free(&text);
    if (!out->external_id || !out->title || !out->origin || !out->text) {
        search_doc_free(out);
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
    }
    return QUIRE_OK;
}

void search_doc_free(search_doc *d)
{
    if (d == NULL)
        return;
    quire_free(d->external_id);
    quire_free(d->title);
    quire_free(d->origin);
    quire_free(d->text);
    memset(d, 0, sizeof *d);
}
