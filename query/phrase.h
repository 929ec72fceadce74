/*
 * phrase.h - phrase matching over positions, one segment at a time: every document of the
 * segment where a PHRASE node's words occur in order at consecutive positions, with the
 * number of such occurrences (the phrase frequency, its tf for BM25).
 *
 * Exact phrases read the postings of their forms; stemmed phrases (~"...", title:word,
 * multi-token words) read, for each word, the postings of every form of its stem (the
 * stem's form list, quire_term_form) and merge their positions. Documents are
 * intersected first, then positions: a match starts at p when word i is at p + i for
 * every i. Overlapping occurrences all count ("to be to be" holds "to be" twice). A title
 * restriction keeps matches ending before the document's title_len; no match crosses from
 * title to text because position title_len is never used (FORMAT.md "Terms").
 *
 * A NEAR node (near_split > 0) is matched the same way: documents holding every word of
 * both operands, then each operand's occurrences (as above, its own words), then the
 * pairs within near_n words in one field (parser.h); its frequency is the pair count.
 * A prefix node (is_prefix) reads every form of the segment's dictionary starting with
 * words[0] (QUIRE_ELIMIT past QUERY_MAX_PREFIX_TERMS in the segment) as one word.
 */
#ifndef QUERY_PHRASE_H
#define QUERY_PHRASE_H

#include <stdint.h>

#include "arena.h"
#include "parser.h"
#include "quire/segment.h"
#include "quire/status.h"

typedef struct phrase_matches {
    uint32_t *docs;    /* ascending segment-local doc ids, in the arena */
    uint32_t *freqs;   /* occurrences in each (>= 1) */
    double *closeness; /* approximate quotes (approx.h): each document's; else NULL */
    uint32_t count;
} phrase_matches;

/* Find every match of `node` (a QUERY_PHRASE) in `seg`, deleted documents included.
 * QUIRE_OK (out->count may be 0), QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int phrase_match_segment(phrase_matches *out, arena *a, const quire_segment *seg,
                                          const query_node *node);

/* One occurrence: positions [start, start + len). */
typedef struct phrase_span {
    uint32_t start;
    uint32_t len;
} phrase_span;

/* The occurrences of `node` in document `doc` of `seg`, by the same rules that matched it
 * (what passages highlight): a phrase's occurrences (word_count long; inside the title for
 * a title: phrase), a prefix's or one stemmed word's positions, and for a NEAR every
 * occurrence of either operand that forms a pair. *out (quire_malloc'd, the caller frees
 * it; NULL when *count is 0) is ascending by start, but for NEAR: a's occurrences, then
 * b's. QUIRE_OK (none when the document lacks a word), QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int phrase_doc_spans(phrase_span **out, uint32_t *count, arena *a,
                                      const quire_segment *seg, const query_node *node,
                                      uint32_t doc);

/* The same for several documents of one segment, read in ascending doc order: the words'
 * cursors are opened once (passages of the hits of one segment). Open, then spans for
 * each doc (ascending; same contract as phrase_doc_spans), then close (which accepts NULL
 * and a matcher whose open failed). */
typedef struct phrase_doc_matcher phrase_doc_matcher;
QUIRE_MUST_CHECK int phrase_matcher_open(phrase_doc_matcher **out, arena *a,
                                         const quire_segment *seg, const query_node *node);
QUIRE_MUST_CHECK int phrase_matcher_spans(phrase_doc_matcher *m, uint32_t doc, phrase_span **out,
                                          uint32_t *count);
void phrase_matcher_close(phrase_doc_matcher *m);

#endif
