/*
 * merge_policy.c - the merge policy and the merges of a commit; see merge_policy.h.
 */
#include "merge_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "merger.h"

/* Refuse a merge that could fill the disk: its output is at most about the size of its
 * inputs (deleted documents are left out; stored text of inputs with deletions is
 * compressed again), and the inputs stay on disk until two commits later. */
static int check_space(merge_ctx *m, uint64_t input_bytes, uint32_t inputs)
{
    const char *dir = m->t->dir;
    uint64_t need = input_bytes + input_bytes / 50 + (64u << 10);
    struct statvfs vs;
    if (statvfs(dir, &vs) != 0)
        return QUIRE_OK; /* cannot tell: the writes will say */
    uint64_t avail = (uint64_t)vs.f_bavail * (uint64_t)vs.f_frsize;
    if (getenv("QUIRE_TEST_FREE_BYTES")) /* tests: pretend the disk has this much free */
        avail = strtoull(getenv("QUIRE_TEST_FREE_BYTES"), NULL, 10);
    if (avail >= need)
        return QUIRE_OK;
    m->space_refused = true;
    return quire_error(QUIRE_EIO,
                       "%s: merging %u segment%s needs up to %.1f MB of free disk space and "
                       "%.1f MB are free; nothing was merged (free some space, or index into a "
                       "directory on a larger disk)",
                       dir, inputs, inputs == 1 ? "" : "s", (double)need / 1048576.0,
                       (double)avail / 1048576.0);
}

static uint64_t segment_bytes(const quire_segment *seg)
{
    const quire_segment_stats *st = quire_segment_get_stats(seg);
    uint64_t b = 0;
    for (int f = 0; f < QUIRE_SEG_FILE_COUNT; f++)
        b += st->file_bytes[f];
    return b;
}

/* Merge open segments segs[0..n) (dels may be NULL) into a new segment *out_id, after
 * checking the disk has room. QUIRE_ENOTFOUND if nothing was alive (no segment made). */
static int merge_open(merge_ctx *m, quire_segment *const *segs, const quire_deletes *const *dels,
                      uint32_t n, uint64_t *out_id, quire_segment_stats *st)
{
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < n; i++)
        bytes += segment_bytes(segs[i]);
    int rc = check_space(m, bytes, n);
    if (rc != QUIRE_OK)
        return rc;
    *out_id = txn_segment_id(m->t);
    return merger_run(m->t->dir, (const quire_segment *const *)segs, dels, n, *out_id,
                      m->zlib_level, st);
}

/* Merge segments ids[0..n) into a new segment *out_id. */
static int merge_group(merge_ctx *m, const uint64_t *ids, uint32_t n, uint64_t *out_id,
                       quire_segment_stats *st)
{
    const char *dir = m->t->dir;
    quire_segment **segs = quire_calloc(n, sizeof *segs);
    if (!segs)
        return quire_oom();
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++)
        rc = quire_segment_open(&segs[i], dir, ids[i]);
    if (rc == QUIRE_OK)
        rc = merge_open(m, segs, NULL, n, out_id, st);
    for (uint32_t i = 0; i < n; i++)
        quire_segment_close(segs[i]);
    quire_free(segs);
    return rc;
}

/* Merge the run's segments into one, MERGE_FANIN at a time, level by level. Doc order is
 * kept: groups are consecutive and each level's outputs stay in order. segs[0..*count)
 * always lists exactly the run's segments on disk, so a failure removes them all. */
int merge_run_segments(merge_ctx *m, uint64_t *segs, uint32_t *count, uint64_t *out_id,
                       quire_segment_stats *st)
{
    const char *dir = m->t->dir;
    while (*count > 1) {
        uint32_t n = *count, outs = 0;
        for (uint32_t g = 0; g < n; g += MERGE_FANIN) {
            uint32_t k = n - g < MERGE_FANIN ? n - g : MERGE_FANIN;
            uint64_t merged = segs[g];
            if (k > 1) {
                int rc = merge_group(m, segs + g, k, &merged, st);
                if (rc != QUIRE_OK) {
                    /* keep the list true: this level's outputs, then what is not merged */
                    memmove(segs + outs, segs + g, (n - g) * sizeof *segs);
                    *count = outs + (n - g);
                    return rc;
                }
                for (uint32_t i = 0; i < k; i++)
                    quire_segment_remove(dir, segs[g + i]);
            }
            segs[outs++] = merged; /* outs <= g: inputs ahead are untouched */
        }
        *count = outs;
    }
    *out_id = segs[0];
    quire_segment *seg;
    int rc = quire_segment_open(&seg, dir, *out_id);
    if (rc == QUIRE_OK) {
        *st = *quire_segment_get_stats(seg);
        quire_segment_close(seg);
    }
    return rc;
}

void centry_free(centry *e)
{
    if (e->own_seg)
        quire_segment_close(e->seg);
    quire_deletes_free(&e->del);
    memset(e, 0, sizeof *e);
}

static uint64_t live_tokens(const centry *e)
{
    return e->ms.total_tokens - e->ms.deleted_tokens;
}

static uint32_t level_of(const centry *e)
{
    uint64_t t = live_tokens(e);
    uint32_t level = 0;
    for (uint64_t cap = MERGE_FLOOR; t >= cap && level < 20; cap *= MERGE_FANIN)
        level++;
    return level;
}

/* Merge es[idx[0]], ..., es[idx[n-1]] (idx ascending) into one entry at es[idx[0]]; the
 * others leave the list. */
static int merge_entries(merge_ctx *m, centry *es, uint32_t *count, const uint32_t *idx, uint32_t n)
{
    quire_segment **segs = quire_calloc(n, sizeof *segs);
    const quire_deletes **dels = quire_calloc(n, sizeof *dels);
    if (!segs || !dels) {
        quire_free(segs);
        quire_free(dels);
        return quire_oom();
    }
    for (uint32_t i = 0; i < n; i++) {
        segs[i] = es[idx[i]].seg;
        dels[i] = es[idx[i]].del.bits ? &es[idx[i]].del : NULL;
    }
    uint64_t out_id = 0;
    quire_segment_stats st;
    int rc = merge_open(m, segs, dels, n, &out_id, &st);
    quire_free(segs);
    quire_free(dels);
    bool nothing_alive = rc == QUIRE_ENOTFOUND;
    if (rc != QUIRE_OK && !nothing_alive)
        return rc;
    if (!nothing_alive)
        rc = txn_created(m->t, out_id);
    centry out;
    memset(&out, 0, sizeof out);
    if (rc == QUIRE_OK && !nothing_alive) {
        rc = quire_segment_open(&out.seg, m->t->dir, out_id);
        out.own_seg = rc == QUIRE_OK;
        out.ms.id = out_id;
        out.ms.doc_count = st.doc_count;
        out.ms.total_tokens = st.total_tokens;
        out.uncommitted = true;
    }
    if (rc != QUIRE_OK) {
        centry_free(&out);
        return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        centry *e = &es[idx[i]];
        if (e->uncommitted)
            quire_segment_remove(m->t->dir, e->ms.id);
        centry_free(e);
    }
    if (!nothing_alive)
        es[idx[0]] = out;
    uint32_t w = 0, k = nothing_alive ? 0 : 1;
    for (uint32_t i = 0; i < *count; i++) {
        while (k < n && idx[k] < i)
            k++;
        bool gone = k < n && idx[k] == i;
        if (!gone)
            es[w++] = es[i];
    }
    *count = w;
    m->sum->merges++;
    return QUIRE_OK;
}

/* The merge policy (see MERGE_FLOOR), or with --optimize everything into one segment. */
int merge_apply_policy(merge_ctx *m, centry *es, uint32_t *count)
{
    uint32_t idx[MERGE_FANIN];
    if (m->optimize) {
        /* level by level, MERGE_FANIN at a time, until one segment without deletions */
        while (*count > 1 || (*count == 1 && es[0].del.deleted_count)) {
            for (uint32_t g = 0; g < *count; g++) {
                uint32_t k = *count - g < MERGE_FANIN ? *count - g : MERGE_FANIN;
                if (k == 1 && !es[g].del.deleted_count && *count > 1)
                    continue;
                for (uint32_t i = 0; i < k; i++)
                    idx[i] = g + i;
                int rc = merge_entries(m, es, count, idx, k);
                if (rc != QUIRE_OK)
                    return rc;
            }
        }
        return QUIRE_OK;
    }
    for (;;) {
        uint32_t n = 0;
        for (uint32_t i = 0; i < *count && n == 0; i++)
            if ((uint64_t)es[i].del.deleted_count * 2 > es[i].ms.doc_count)
                idx[n++] = i;
        for (uint32_t level = 0; level <= 20 && n == 0; level++) {
            for (uint32_t i = 0; i < *count && n < MERGE_FANIN; i++)
                if (level_of(&es[i]) == level)
                    idx[n++] = i;
            if (n < MERGE_FANIN)
                n = 0;
        }
        if (n == 0)
            return QUIRE_OK;
        m->space_refused = false;
        int rc = merge_entries(m, es, count, idx, n);
        if (rc != QUIRE_OK && m->space_refused) {
            /* the policy can wait for a night with more room; the commit goes on */
            char msg[700];
            snprintf(msg, sizeof msg, "%s", quire_errmsg());
            if (m->warn)
                m->warn(m->warn_ctx, msg);
            m->sum->warnings++;
            return QUIRE_OK;
        }
        if (rc != QUIRE_OK)
            return rc;
    }
}
