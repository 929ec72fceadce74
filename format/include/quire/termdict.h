/*
 * termdict.h - the term dictionary: byte-string keys in strictly ascending order (memcmp),
 * each with an opaque value (the segment module stores the term's kind, postings meta and
 * stem data there). FORMAT.md section "Term dictionary (.ter)" is normative.
 *
 * Keys are front-coded in blocks of QUIRE_DICT_BLOCK_TERMS terms (each key stores the
 * length of the prefix it shares with the previous key in the block, then the rest), each
 * block with a CRC-32. A sparse index (the first key of every block and the block's
 * offset) follows the blocks; it is read at open, so a lookup is a binary search in the
 * index and a scan of one block, without reading the rest of the dictionary. Terms have
 * ordinals 0..count-1 in key order; block k holds ordinals [k*B, (k+1)*B).
 *
 * The writer streams blocks to a sink and keeps only the sparse index in memory.
 */
#ifndef QUIRE_TERMDICT_H
#define QUIRE_TERMDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "quire/bytes.h"
#include "quire/fileio.h"
#include "quire/status.h"

#define QUIRE_DICT_BLOCK_TERMS 32
#define QUIRE_DICT_MAX_KEY     1024 /* bytes; longer keys are refused (QUIRE_EINVAL) */

typedef struct quire_termdict_writer quire_termdict_writer;

/* Write the dictionary into `out` starting at its current offset. Borrows the sink. */
QUIRE_MUST_CHECK int quire_termdict_writer_new(quire_termdict_writer **w, quire_sink *out);
/* Add a key (strictly greater than the previous one, else QUIRE_EINVAL) and its value. */
QUIRE_MUST_CHECK int quire_termdict_add(quire_termdict_writer *w, quire_bytes key,
                                        quire_bytes value);
/* Write the last block and the sparse index. After this the caller may append its own
 * trailer. Returns the number of terms in *count. */
QUIRE_MUST_CHECK int quire_termdict_finish(quire_termdict_writer *w, uint64_t *count);
void quire_termdict_writer_free(quire_termdict_writer *w);

typedef struct quire_termdict quire_termdict;

/* Parse a dictionary laid out by the writer in `bytes` (borrowed: must outlive the
 * reader). `index_off` and `index_len` locate the sparse index (the segment trailer
 * records them). Checks the index's CRC and shape. `name` is used in error messages. */
QUIRE_MUST_CHECK int quire_termdict_open(quire_termdict **out, quire_bytes bytes,
                                         uint64_t index_off, uint64_t index_len, const char *name);
void quire_termdict_close(quire_termdict *d);
uint64_t quire_termdict_count(const quire_termdict *d);

/* Where writing ended: the writer reports these so the segment trailer can record them.
 * `index_off` is the sink offset where the index starts; the blocks end there. Offsets in
 * the dictionary are relative (block lengths), so `bytes` given to quire_termdict_open may
 * be the whole file (pass index_off as is) or any slice that holds the blocks and the
 * index (pass index_off minus the slice's start). Valid after quire_termdict_finish. */
void quire_termdict_writer_index(const quire_termdict_writer *w, uint64_t *index_off,
                                 uint64_t *index_len);

/* Exact lookup. QUIRE_OK with *value (a view into `bytes`) and *ordinal set, or
 * QUIRE_ENOTFOUND, or QUIRE_ECORRUPT. `ordinal` may be NULL. */
QUIRE_MUST_CHECK int quire_termdict_get(const quire_termdict *d, quire_bytes key,
                                        quire_bytes *value, uint64_t *ordinal);

/* An iterator over keys in order, from a starting key (the first key >= it). The key it
 * yields lives in the iterator's buffer until the next call. */
typedef struct quire_termdict_iter {
    const quire_termdict *d;
    uint64_t ordinal; /* of the current key */
    uint8_t key[QUIRE_DICT_MAX_KEY];
    size_t key_len;
    quire_bytes value;
    /* key[0..kept) are bytes the key buffer already held before the last call that moved
     * the iterator (next, seek_forward; 0 after seek and seek_ordinal): a caller keeping
     * work per key prefix (the fuzzy walk's automaton states) may start again from there.
     * At most the shared prefix of the two keys, not always all of it. */
    size_t kept;
    /* private */
    uint64_t block;
    const uint8_t *at, *block_end;
    uint32_t left_in_block;
    uint32_t block_terms; /* keys in the loaded block */
    bool pending;         /* a seek found the key: the next call yields it without moving */
    bool at_end;          /* past the last key */
} quire_termdict_iter;

/* Position at the first key >= `from` (empty `from`: the first key). */
QUIRE_MUST_CHECK int quire_termdict_seek(quire_termdict_iter *it, const quire_termdict *d,
                                         quire_bytes from);
/* As quire_termdict_seek on it's own dictionary, for a `from` above the key `it` last
 * yielded: when `from` lies in the same block, the scan goes on from where it is instead
 * of from the block's start (a walk that seeks forward many times, e.g. fuzzy words). */
QUIRE_MUST_CHECK int quire_termdict_seek_forward(quire_termdict_iter *it, quire_bytes from);
/* Position at ordinal `ordinal`. QUIRE_ENOTFOUND if `ordinal` >= the count. */
QUIRE_MUST_CHECK int quire_termdict_seek_ordinal(quire_termdict_iter *it, const quire_termdict *d,
                                                 uint64_t ordinal);
/* Next key: QUIRE_OK with it->key/value, QUIRE_ENOTFOUND at the end, or QUIRE_ECORRUPT.
 * The first call after a seek yields the key sought. */
QUIRE_MUST_CHECK int quire_termdict_next(quire_termdict_iter *it);

#endif
