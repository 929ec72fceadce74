/*
 * index.c - a reader's snapshot: the newest good manifest and its open segments.
 */
#include "quire/index.h"

#include <stdio.h>
#include <string.h>

struct quire_index {
    quire_manifest manifest;
    quire_segment **segs;
    quire_deletes *dels; /* per segment; bits NULL if none */
    uint64_t *bases;
    uint64_t doc_count, total_tokens;
};

int quire_index_open(quire_index **out, const char *dir, bool *fell_back)
{
    *out = NULL;
    if (fell_back)
        *fell_back = false;
    quire_index *ix = quire_calloc(1, sizeof *ix);
    if (!ix)
        return quire_oom();
    uint32_t skipped = 0;
    char note[600] = "";
    int rc = quire_manifest_read_latest(&ix->manifest, dir, &skipped);
    if (rc == QUIRE_OK && skipped) {
        snprintf(note, sizeof note, "%s", quire_errmsg());
        if (fell_back)
            *fell_back = true;
    }
    uint32_t n = ix->manifest.segment_count;
    if (rc == QUIRE_OK) {
        ix->segs = quire_calloc(n + 1, sizeof *ix->segs);
        ix->bases = quire_calloc(n + 1, sizeof *ix->bases);
        ix->dels = quire_calloc(n + 1, sizeof *ix->dels);
        if (!ix->segs || !ix->bases || !ix->dels)
            rc = quire_oom();
    }
    uint64_t base = 0;
    for (uint32_t i = 0; rc == QUIRE_OK && i < n; i++) {
        const quire_manifest_segment *ms = &ix->manifest.segments[i];
        rc = quire_segment_open(&ix->segs[i], dir, ms->id);
        if (rc != QUIRE_OK)
            break;
        const quire_segment_stats *st = quire_segment_get_stats(ix->segs[i]);
        if (st->doc_count != ms->doc_count || st->total_tokens != ms->total_tokens) {
            rc = quire_corrupt("%s/seg-%08llx: holds %u documents and %llu tokens, the manifest "
                               "says %u and %llu",
                               dir, (unsigned long long)ms->id, st->doc_count,
                               (unsigned long long)st->total_tokens, ms->doc_count,
                               (unsigned long long)ms->total_tokens);
            break;
        }
        if (ms->deletes_gen) {
            quire_deletes *d = &ix->dels[i];
            rc = quire_deletes_read(d, dir, ms->id, ms->deletes_gen, st->doc_count);
            if (rc != QUIRE_OK)
                break;
            uint64_t tokens = 0;
            for (uint32_t doc = 0; doc < st->doc_count; doc++)
                if (quire_deletes_has(d, doc))
                    tokens += quire_segment_doc_len(ix->segs[i], doc);
            if (d->deleted_count != ms->deleted_count || tokens != ms->deleted_tokens) {
                rc = quire_corrupt("%s/seg-%08llx: %u documents of %llu tokens deleted, the "
                                   "manifest says %u and %llu",
                                   dir, (unsigned long long)ms->id, d->deleted_count,
                                   (unsigned long long)tokens, ms->deleted_count,
                                   (unsigned long long)ms->deleted_tokens);
                break;
            }
        }
        ix->bases[i] = base;
        base += st->doc_count;
        ix->doc_count += ms->doc_count - ms->deleted_count;
        ix->total_tokens += ms->total_tokens - ms->deleted_tokens;
    }
    if (rc != QUIRE_OK) {
        quire_index_close(ix);
        return rc;
    }
    if (note[0])
        quire_error(QUIRE_OK, "%s", note);
    *out = ix;
    return QUIRE_OK;
}

void quire_index_close(quire_index *ix)
{
    if (!ix)
        return;
    for (uint32_t i = 0; ix->segs && i < ix->manifest.segment_count; i++)
        quire_segment_close(ix->segs[i]);
    for (uint32_t i = 0; ix->dels && i < ix->manifest.segment_count; i++)
        quire_deletes_free(&ix->dels[i]);
    quire_free(ix->dels);
    quire_free(ix->segs);
    quire_free(ix->bases);
    quire_manifest_free(&ix->manifest);
    quire_free(ix);
}

const quire_manifest *quire_index_manifest(const quire_index *ix)
{
    return &ix->manifest;
}

uint32_t quire_index_segment_count(const quire_index *ix)
{
    return ix->manifest.segment_count;
}

const quire_segment *quire_index_segment(const quire_index *ix, uint32_t i)
{
    return ix->segs[i];
}

uint64_t quire_index_doc_base(const quire_index *ix, uint32_t i)
{
    return ix->bases[i];
}

uint64_t quire_index_doc_count(const quire_index *ix)
{
    return ix->doc_count;
}

uint64_t quire_index_total_tokens(const quire_index *ix)
{
    return ix->total_tokens;
}

bool quire_index_is_deleted(const quire_index *ix, uint32_t seg, uint32_t doc)
{
    return quire_deletes_has(&ix->dels[seg], doc);
}

const quire_deletes *quire_index_deletes(const quire_index *ix, uint32_t seg)
{
    return ix->dels[seg].bits ? &ix->dels[seg] : NULL;
}

int quire_index_live_df(const quire_index *ix, uint32_t seg, const quire_term *t, uint64_t *df)
{
    const quire_deletes *d = &ix->dels[seg];
    *df = t->postings.df;
    if (d->deleted_count == 0)
        return QUIRE_OK;
    quire_postings_cursor c;
    int rc = quire_segment_postings(ix->segs[seg], t, &c);
    if (rc != QUIRE_OK)
        return rc;
    uint64_t dead = 0;
    if ((uint64_t)d->deleted_count * 4 < t->postings.df) {
        /* few deletions: seek to each (the skip data passes over whole blocks) */
        rc = quire_postings_next(&c);
        for (uint32_t w = 0; rc == QUIRE_OK && c.doc != QUIRE_DOC_END && w < (d->doc_count + 7) / 8;
             w++) {
            for (uint32_t bit = 0; d->bits[w] && bit < 8 && rc == QUIRE_OK; bit++) {
                if (!((d->bits[w] >> bit) & 1))
                    continue;
                uint32_t doc = w * 8 + bit;
                if (c.doc < doc)
                    rc = quire_postings_advance(&c, doc);
                if (rc == QUIRE_OK && c.doc == doc)
                    dead++;
            }
        }
    } else {
        for (;;) {
            rc = quire_postings_next(&c);
            if (rc != QUIRE_OK || c.doc == QUIRE_DOC_END)
                break;
            dead += quire_deletes_has(d, c.doc);
        }
    }
    quire_postings_close(&c);
    if (rc == QUIRE_OK)
        *df -= dead;
    return rc;
}
