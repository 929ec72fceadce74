/*
 * txn.c - the writer's transaction; see txn.h.
 */
#include "txn.h"

#include <stdio.h>
#include <string.h>

#include "quire/array.h"
#include "quire/fileio.h"
#include "quire/index.h"
#include "quire/segment.h"

int txn_begin(txn *t, const char *dir, txn_mode mode)
{
    memset(t, 0, sizeof *t);
    t->dir = dir;
    t->mode = mode;
    t->next_segment_id = 1;
    if (mode == TXN_LOCK) {
        const int rc = quire_lock_acquire(&t->lock, dir);
        if (rc != QUIRE_OK)
            return rc;
    }
    const int rc = quire_manifest_read_latest(&t->base, dir, NULL);
    if (rc == QUIRE_ENOTFOUND)
        return QUIRE_OK;
    if (rc != QUIRE_OK)
        return rc;
    t->have_base = true;
    t->next_segment_id = t->base.next_segment_id;
    return QUIRE_OK;
}

/* Read generation gen-1's manifest if it is there and good (cleanup keeps its files). */
static bool read_previous(const char *dir, uint64_t gen, quire_manifest *prev)
{
    if (gen < 2)
        return false;
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest-%016llx", dir, (unsigned long long)(gen - 1));
    quire_buf b = QUIRE_BUF_INIT;
    bool ok = quire_read_file(&b, path) == QUIRE_OK &&
              quire_manifest_parse(prev, b.data, b.len, path) == QUIRE_OK;
    quire_buf_free(&b);
    return ok;
}

void txn_cleanup(txn *t)
{
    if (t->mode == TXN_READ_ONLY)
        return;
    if (t->have_base) {
        quire_manifest prev;
        bool have_prev = read_previous(t->dir, t->base.generation, &prev);
        int crc = quire_index_cleanup(t->dir, &t->base, have_prev ? &prev : NULL, NULL);
        (void)crc;
        if (have_prev) {
            if (prev.next_segment_id > t->next_segment_id)
                t->next_segment_id = prev.next_segment_id;
            quire_manifest_free(&prev);
        }
    } else {
        quire_manifest none;
        memset(&none, 0, sizeof none);
        int crc = quire_index_cleanup(t->dir, &none, NULL, NULL);
        (void)crc;
    }
}

uint64_t txn_segment_id(txn *t)
{
    return t->next_segment_id++;
}

int txn_created(txn *t, uint64_t id)
{
    int rc = QUIRE_ARRAY_RESERVE(t->created, t->created_count, t->created_cap, 16);
    if (rc == QUIRE_OK)
        t->created[t->created_count++] = id;
    return rc;
}

int txn_next_generation(const txn *t, uint64_t *gen)
{
    uint64_t highest = 0;
    const int rc = quire_manifest_highest_generation(t->dir, &highest);
    *gen = highest + 1;
    return rc;
}

int txn_commit(txn *t, const quire_manifest *next)
{
    const int rc = quire_manifest_commit(t->dir, next);
    if (rc != QUIRE_OK)
        return rc;
    t->created_count = 0; /* committed: theirs to keep */
    /* Files neither this commit nor the one before needs can go now. */
    uint32_t removed;
    int crc = quire_index_cleanup(t->dir, next, t->have_base ? &t->base : NULL, &removed);
    (void)crc; /* a file left behind is removed by the next run */
    return QUIRE_OK;
}

void txn_abort(txn *t)
{
    for (uint32_t i = 0; i < t->created_count; i++)
        quire_segment_remove(t->dir, t->created[i]);
    t->created_count = 0;
}

void txn_end(txn *t)
{
    quire_free(t->created);
    quire_manifest_free(&t->base);
    quire_lock_release(t->lock);
    memset(t, 0, sizeof *t);
}
