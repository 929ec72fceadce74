/*
 * index.c - a reader's snapshot: the newest good manifest and its open segments.
 */
#include "quire/index.h"

#include <stdio.h>
#include <string.h>

struct quire_index {
    quire_manifest manifest;
    quire_segment **segs;
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
        return quire_error(QUIRE_ENOMEM, "out of memory");
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
        if (!ix->segs || !ix->bases)
            rc = quire_error(QUIRE_ENOMEM, "out of memory");
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
    (void)ix;
    (void)seg;
    (void)doc;
    return false; /* deletion files arrive with issue #4 */
}
