/*
 * fuzzy.h - spelling variants of a word: the forms of the index within a small edit
 * distance of it (README.md "Query language", `word~` and `word~N`).
 *
 * Distance (fuzzy_distance), on code points of the folded forms (the analyzer's case and
 * diacritic folding comes first): the optimal string alignment distance (Damerau-
 * Levenshtein in which no substring is edited twice, as Lucene's fuzzy query), where
 * inserting, deleting or substituting a character and transposing two adjacent ones cost
 * 1, and these transliteration equivalences cost 0:
 *   - y = i and q = k (substituting one for the other);
 *   - ph = f and kh = h (the two characters against the one, either side);
 *   - a letter repeated = the letter once: deleting a character equal (as above: y = i,
 *     q = k) to the one before it in the same word, either side (Zelenskyy = Zelensky,
 *     Zelenskiy = Zelenski = Zelensky, Mohammed = Mohamed).
 * So Zelensky, Zelenskyy and Zelenskiy are at distance 0, Gaddafi and Qaddafi at 1,
 * Mohammed and Muhammad at 2.
 *
 * The default distance of `word~` follows the length of the word in code points as
 * Lucene's fuzzy query does: 1-2 characters: no variants at all (not even the
 * equivalences), 3-5: 1, 6 or more: 2. FUZZY_MAX_DISTANCE is the most `word~N` takes.
 *
 * Look-up never scans the dictionary: fuzzy_segment_walk() reads the sorted forms with one
 * row of the distance's dynamic programme per code point of the current key, rows shared
 * with the previous key up to their common prefix, and as soon as a prefix cannot reach
 * the distance any more it seeks past every key with that
 * prefix, and past its dead siblings, to the next key that can still be live
 * (quire_termdict_seek_forward, which steps over the keys in between without building
 * them). A prefix is dead
 * when every cell of its last row is above the distance and every cell of the row before
 * is at least the distance: each later cell comes from one of those two rows, from the
 * row before only by a transposition (cost 1) or by ph/kh = f/h (cost 0, so a prefix
 * ending in p or k needs that row above the distance too). The work is the keys whose
 * prefixes can still match, not the dictionary.
 *
 * An expansion over the whole index (fuzzy_expand) unites the segments' matches, counts
 * each form's live documents, and keeps the `cap` closest (distance, then more documents,
 * then byte order), reporting how many matched in all; past FUZZY_MAX_SCAN matching forms
 * in one segment the walk stops and the word is refused (QUIRE_ELIMIT), so the work of a
 * query is bounded whatever the word. A word~ without N is then searched at the next
 * smaller distance instead (fuzzy_resolve; the result says so), word~N is refused.
 */
#ifndef QUERY_FUZZY_H
#define QUERY_FUZZY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "parser.h"
#include "quire/analysis.h"
#include "quire/index.h"
#include "quire/segment.h"
#include "quire/status.h"

#define FUZZY_MAX_DISTANCE 2    /* the largest N of word~N */
#define FUZZY_MAX_FORMS    64   /* variants a fuzzy word searches (the closest) */
#define FUZZY_MAX_SCAN     1024 /* matching forms in one segment beyond which a word is refused */
#define FUZZY_MAX_CHARS    QUIRE_MAX_TERM_BYTES /* code points of a word (forms are <= 128 bytes) */

/* The default distance of `word~` for a word of `chars` code points; -1: no variants. */
int fuzzy_default_distance(uint32_t chars);

/* Decode a form into code points (at most FUZZY_MAX_CHARS; longer ones are cut). */
uint32_t fuzzy_decode(uint32_t *out, const char *form, size_t len);

/* The distance between a[0..na) and b[0..nb) if it is <= max, else max + 1. */
uint32_t fuzzy_distance(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
                        uint32_t max);

/* What a walk did (for tests and the bench: the work must follow the matches). */
typedef struct fuzzy_walk_stats {
    uint64_t keys;  /* dictionary keys read (a seek steps over others without building
                     * them: those are not counted) */
    uint64_t seeks; /* seeks past a dead prefix */
} fuzzy_walk_stats;

/* Called for each form of the segment within the distance; a non-zero return stops the
 * walk and is returned. `key` lives until the next key is read. */
typedef int (*fuzzy_visit_fn)(void *ctx, quire_bytes key, uint32_t distance);

/* Walk the forms of `seg` within `max` of pattern[0..len) (code points), in key order.
 * QUIRE_OK, QUIRE_ECORRUPT, or what `visit` returned. `stats` may be NULL. */
QUIRE_MUST_CHECK int fuzzy_segment_walk(const quire_segment *seg, const uint32_t *pattern,
                                        uint32_t len, uint32_t max, fuzzy_visit_fn visit, void *ctx,
                                        fuzzy_walk_stats *stats);

/* The same walk over the .ter alone, whatever the segment holds (fuzzy_segment_walk splits
 * it in two over the .ter and the .rvd where the segment has one, fuzzy.c "the split walk";
 * both give visit the same forms in the same order: tests compare them). */
QUIRE_MUST_CHECK int fuzzy_segment_walk_plain(const quire_segment *seg, const uint32_t *pattern,
                                              uint32_t len, uint32_t max, fuzzy_visit_fn visit,
                                              void *ctx, fuzzy_walk_stats *stats);

typedef struct fuzzy_form {
    const char *form; /* NUL-terminated, in the arena */
    size_t len;       /* bytes */
    uint32_t distance;
    uint64_t df; /* live documents holding it, over the whole index */
} fuzzy_form;

typedef struct fuzzy_expansion {
    int32_t distance;     /* the distance searched; -1: none (a word of 1-2 characters) */
    int32_t lowered_from; /* word~ past FUZZY_MAX_SCAN at its default: that default; else -1 */
    fuzzy_form *forms;    /* the closest first (distance, then df descending, then bytes) */
    uint32_t count;       /* kept: min(matched, cap) */
    uint32_t matched;     /* distinct forms of the index within the distance */
    fuzzy_walk_stats stats;
} fuzzy_expansion;

/* Every form of the index within `max` of `form` (the word itself included when the index
 * has it), the `cap` closest kept. Arena-allocated. QUIRE_OK; QUIRE_ELIMIT (message names
 * the word) past FUZZY_MAX_SCAN in a segment; QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int fuzzy_expand(fuzzy_expansion *out, arena *a, const quire_index *ix,
                                  const char *form, size_t len, uint32_t max, uint32_t cap);

/* The distinct forms of a stem over the index's segments (each segment lists the forms it
 * made the stem from), arena-allocated, in byte order. QUIRE_OK (*count may be 0),
 * QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int fuzzy_stem_forms(query_word **out, uint32_t *count, arena *a,
                                      const quire_index *ix, const char *stem, size_t len);

/* Resolve a fuzzy word (a PHRASE with is_fuzzy): its distance (the default for its length
 * when none was given), its variants (the FUZZY_MAX_FORMS closest) and the forms of its
 * stem, into node->words[0].alts (never NULL after this) and node->expansion. */
QUIRE_MUST_CHECK int fuzzy_resolve(query_node *node, arena *a, const quire_index *ix);

/* A shard set (query/shards.h) expands a fuzzy word as one index of all its shards would:
 * each shard's every matching form (distance, live documents) and its stem's forms, at the
 * distance its own walks allowed (fuzzy_resolve_local, appended to *out); then, on one
 * process, the records of every shard for the word (at[i]..end[i], each moved past it)
 * merged (fuzzy_merge: the smallest distance any shard could search, the forms within it
 * united with their documents summed, the FUZZY_MAX_FORMS closest kept) into *out; then
 * every shard resolves the word from the merged record (fuzzy_apply, *at moved past it),
 * as fuzzy_resolve would have over one index. The FUZZY_MAX_SCAN limit applies to each
 * shard's segments. QUIRE_OK, the errors of fuzzy_resolve, QUIRE_EIO for a malformed
 * record, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int fuzzy_resolve_local(const query_node *node, arena *a, const quire_index *ix,
                                         quire_buf *out);
QUIRE_MUST_CHECK int fuzzy_merge(quire_buf *out, const uint8_t **at, const uint8_t *const *end,
                                 uint32_t parts);
QUIRE_MUST_CHECK int fuzzy_apply(query_node *node, arena *a, const uint8_t **at,
                                 const uint8_t *end);

#endif
