/*
 * inverter.h - turns analysed documents into postings in memory and flushes them as a
 * segment when its memory budget is reached.
 *
 * Documents arrive in doc-id order as "analysed documents": metadata plus the distinct
 * forms of the document, each with its stem, tf and positions (built by the workers). The
 * inverter keeps per form and per stem a byte buffer of already-encoded postings (doc gap,
 * tf, position gaps as varints), so a flush is: sort the terms, decode each buffer once into
 * the segment writer. Stems accumulate their own postings (doc, summed tf); at flush a stem
 * with a single form becomes an alias of that form and its buffer is dropped.
 */
#ifndef QUIRE_INVERTER_H
#define QUIRE_INVERTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quire/bytes.h"
#include "quire/segment.h"
#include "quire/status.h"

typedef struct inverter inverter;

/* inv_form.word of a pair term (format version 4, FORMAT.md "Pair terms"): `form` is the
 * pair's key without its prefix byte ("first second"), there is no stem, and the positions
 * are those of the first word. A document's pairs follow its forms. */
#define INV_PAIR_WORD UINT32_MAX

/* Whether this run indexes pair terms: yes unless the environment sets QUIRE_NO_PAIRS to
 * something other than "" or "0" (README "Pair terms"; for tests and benchmarks). */
static inline bool inverter_pairs_enabled(void)
{
    const char *e = getenv("QUIRE_NO_PAIRS");
    return e == NULL || e[0] == '\0' || strcmp(e, "0") == 0;
}

/* One distinct form of a document. */
typedef struct inv_form {
    const char *form;
    uint32_t form_len;
    const char *stem;
    uint32_t stem_len;
    uint64_t form_hash, stem_hash;
    uint32_t tf;
    const uint32_t *positions; /* tf ascending */
    uint32_t word; /* its number in its source's vocabulary: the same number, the same form */
} inv_form;

/* Sources of documents (the analysis workers), each numbering its forms in a vocabulary
 * that it empties now and then (a new epoch): the inverter maps (source, number) to its
 * term, so a form it has seen from that source costs no hash lookup. */
#define INVERTER_SOURCES 64

/* Called when a segment has been written; the inverter owns nothing of it after. */
typedef int (*inverter_segment_fn)(void *ctx, uint64_t segment_id, const quire_segment_stats *st);
/* Gives the inverter a new segment id. */
typedef uint64_t (*inverter_next_id_fn)(void *ctx);

QUIRE_MUST_CHECK int inverter_new(inverter **out, const char *dir, size_t memory_budget,
                                  inverter_next_id_fn next_id, inverter_segment_fn done, void *ctx);
void inverter_free(inverter *inv);

/* Add a document: its metadata (text_off ignored), and its forms, numbered in the
 * vocabulary of `source` (< INVERTER_SOURCES) as of `epoch`. Stored-text blocks for the
 * documents added go in with inverter_add_store_block, in stream order. */
QUIRE_MUST_CHECK int inverter_add_doc(inverter *inv, const quire_doc_info *info,
                                      const inv_form *forms, uint32_t form_count, uint32_t source,
                                      uint32_t epoch);
/* Index pair terms of these common words (ascending; none when count is 0): each segment
 * the inverter writes from now on holds the pair set and every pair the documents' pairs
 * gave. Call before the first document. */
QUIRE_MUST_CHECK int inverter_set_pair_set(inverter *inv, const char *const *words, uint32_t count);
QUIRE_MUST_CHECK int inverter_add_store_block(inverter *inv, quire_bytes encoded);
/* The dictionary the stored-text blocks are made with (the run's: it outlives the
 * inverter), given to every segment written from now on. */
void inverter_set_store_dict(inverter *inv, quire_bytes dict);
/* True when the memory in use has reached the budget: the caller flushes at a point where
 * the stored-text blocks cover every document added (a batch boundary). */
bool inverter_is_full(const inverter *inv);
/* The memory counted against the budget: everything but the word maps (4 bytes per word
 * of each source's vocabulary), which the caller sets aside. */
size_t inverter_memory(const inverter *inv);
/* Write the buffered postings as a segment (nothing if no document was added). */
QUIRE_MUST_CHECK int inverter_flush(inverter *inv);

/* The hash the workers compute for forms and stems (64-bit FNV-1a folded with a final
 * mix; quality matters more than speed here since words are short). */
static inline uint64_t inverter_hash(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}
#endif
