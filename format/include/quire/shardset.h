/*
 * shardset.h - a shard set: one index split into N shards, each an ordinary quire index in
 * DIR/shard-<r> (r = 0..N-1, decimal), plus the set's manifest DIR/shardset, written once
 * when the set is created and never changed: the shard count, how documents are assigned
 * (the hash), and the analyzer every shard must have been built with. FORMAT.md "Shard
 * set (shardset)".
 *
 * A document belongs to shard quire_id_hash(external id) mod N (ids.h: FNV-1a 64 of the id's
 * bytes, then murmur3's 64-bit finaliser), so a new version of a document and its deletion
 * go to the shard that holds it, whoever reads the input.
 */
#ifndef QUIRE_SHARDSET_H
#define QUIRE_SHARDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/bytes.h"
#include "quire/status.h"

#define QUIRE_SHARDSET_FILE   "shardset"
#define QUIRE_SHARDSET_MAX    4096 /* shards in a set */
#define QUIRE_SHARD_HASH_ID64 1    /* quire_id_hash(id) mod shard_count */

typedef struct quire_shardset {
    uint32_t shard_count; /* 1..QUIRE_SHARDSET_MAX */
    uint32_t hash;        /* QUIRE_SHARD_HASH_ID64 */
    char *analyzer_id;    /* quire_analyzer_id() every shard's manifest must name */
    char *language;       /* Snowball language name */
    bool keep_diacritics;
} quire_shardset;

void quire_shardset_free(quire_shardset *s);

/* The shard of a document with this external id. */
uint32_t quire_shard_of(const void *id, size_t len, uint32_t shard_count);

/* "<dir>/shard-<r>" into out (cap bytes). QUIRE_EINVAL if it does not fit. */
QUIRE_MUST_CHECK int quire_shard_dir(char *out, size_t cap, const char *dir, uint32_t r);

/* Encode (appending to out) / parse the bytes of a shardset file; parse checks magic,
 * version (QUIRE_EVERSION), CRC and fields (QUIRE_ECORRUPT naming `name`). */
QUIRE_MUST_CHECK int quire_shardset_encode(quire_buf *out, const quire_shardset *s);
QUIRE_MUST_CHECK int quire_shardset_parse(quire_shardset *s, const uint8_t *bytes, size_t len,
                                          const char *name);

/* Read DIR/shardset: QUIRE_ENOTFOUND if there is none (not a shard set, or a new one). */
QUIRE_MUST_CHECK int quire_shardset_read(quire_shardset *s, const char *dir);

/* Create DIR (mkdir -p) and write DIR/shardset durably unless it exists (under DIR/LOCK: a
 * .tmp file fsynced, linked to its name, the directory fsynced). QUIRE_OK when the file on
 * disk, written now or before, equals `s`; QUIRE_EMISMATCH naming the field that differs
 * (the set exists with another shard count, hash or analyzer). */
QUIRE_MUST_CHECK int quire_shardset_create(const char *dir, const quire_shardset *s);

#endif
