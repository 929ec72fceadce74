/*
 * manifest.h - what an index is at one moment: the list of live segments, the analyzer
 * that made them, and the statistics. A manifest file is written once per commit, named
 * manifest-<generation> (16 hex digits), and never changed. FORMAT.md "Manifest".
 *
 * Commit protocol: write manifest-<gen>.tmp, fsync it, rename it to manifest-<gen>, fsync
 * the directory. The rename makes the commit atomic: a reader sees the old generation or
 * the new one, never half of one. Readers take the newest manifest whose CRC checks; the
 * previous generation's manifest is kept until the next commit succeeds, so a damaged
 * newest manifest falls back to the last good one.
 *
 * One writer at a time: quire_lock_acquire() takes an exclusive lock on the index's LOCK
 * file (and writes its pid there, for the message a second writer gets).
 */
#ifndef QUIRE_MANIFEST_H
#define QUIRE_MANIFEST_H

#include <stdbool.h>
#include <stdint.h>

#include "quire/status.h"

typedef struct quire_manifest_segment {
    uint64_t id;
    uint32_t doc_count;    /* documents in the segment, deleted ones included */
    uint64_t total_tokens; /* sum of their doc_len */
    uint64_t deletes_gen;  /* generation of its deletion file, 0 if none (issue #4) */
    uint32_t deleted_count;
    uint64_t deleted_tokens;
} quire_manifest_segment;

typedef struct quire_manifest {
    uint64_t generation;      /* 1 for the first commit */
    uint64_t next_segment_id; /* ids below it are taken (by live or dead segments) */
    char *analyzer_id;        /* quire_analyzer_id() of the analyzer used */
    char *language;           /* Snowball language name */
    bool keep_diacritics;
    uint32_t segment_count;
    quire_manifest_segment *segments; /* in doc-id order: segment i's docs precede i+1's */
} quire_manifest;

void quire_manifest_free(quire_manifest *m);
QUIRE_MUST_CHECK int quire_manifest_copy(quire_manifest *dst, const quire_manifest *src);

/* Encode / parse a manifest's bytes (parse checks magic, version, CRC and shape). */
QUIRE_MUST_CHECK int quire_manifest_parse(quire_manifest *m, const uint8_t *bytes, size_t len,
                                          const char *name);

/* Read the newest manifest in `dir` that parses. QUIRE_ENOTFOUND if there is none (not an
 * index yet). *skipped (may be NULL) gets the number of newer manifests that were damaged
 * and passed over; the message names the first. */
QUIRE_MUST_CHECK int quire_manifest_read_latest(quire_manifest *m, const char *dir,
                                                uint32_t *skipped);

/* The highest generation of any manifest file in `dir`, damaged or not (0 if none): a new
 * commit must be numbered above it, never reuse a damaged manifest's name. */
QUIRE_MUST_CHECK int quire_manifest_highest_generation(const char *dir, uint64_t *gen);

/* Commit `m` (its generation must be newer than any in dir) by the protocol above. Old
 * manifests and segments stay: quire_index_cleanup() removes what no kept generation needs. */
QUIRE_MUST_CHECK int quire_manifest_commit(const char *dir, const quire_manifest *m);

/* Remove files in `dir` that neither `current` nor `previous` (may be NULL) needs: segment
 * files of other segments, old manifests, leftover .tmp files. Only a lock holder calls it.
 * Returns the count removed in *removed (may be NULL). */
QUIRE_MUST_CHECK int quire_index_cleanup(const char *dir, const quire_manifest *current,
                                         const quire_manifest *previous, uint32_t *removed);

typedef struct quire_lock quire_lock;
/* Take the index's writer lock without waiting: QUIRE_ELOCKED (message names the holder's
 * pid) if another process holds it. Creates `dir` and any missing parents (mkdir -p). */
QUIRE_MUST_CHECK int quire_lock_acquire(quire_lock **out, const char *dir);
void quire_lock_release(quire_lock *lock);

#endif
