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
#include "quire/postings.h"
#include "quire/segment.h"
#include "quire/status.h"

/* A word's term in one segment as the planner looked it up (query_word.lookups), so that
 * opening the word's cursors there does not look it up again. */
typedef struct word_lookup {
    const quire_segment *seg;
    quire_term_kind kind;
    bool found; /* else the segment lacks it */
    quire_term term;
} word_lookup;

/* The term of `kind` for qw (key: qw->text) in seg: from qw->lookups when the planner
 * recorded it, else looked up. QUIRE_OK, QUIRE_ENOTFOUND, QUIRE_ECORRUPT. */
QUIRE_MUST_CHECK int phrase_word_lookup(const quire_segment *seg, const query_word *qw,
                                        quire_term_kind kind, quire_term *out);

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

/* A lazy matcher of `node` over one segment, for ranking: it moves from match to match
 * like a cursor, finding each by the rules above (documents holding every word, the
 * rarest word leading and the others advanced to it, skipping whole blocks; then the
 * positions, decoded word by word, rarest first, only while a start survives), so a query
 * that needs the top k pays only for the documents it visits. Open: *out is NULL when the
 * segment lacks a word (nothing matches). QUIRE_OK, QUIRE_ECORRUPT, QUIRE_ENOMEM. */
typedef struct phrase_cursor phrase_cursor;
QUIRE_MUST_CHECK int phrase_cursor_open(phrase_cursor **out, arena *a, const quire_segment *seg,
                                        const query_node *node);
/* The first match at doc >= target: *doc (QUIRE_DOC_END when none is left) and its
 * occurrences *freq. Targets must not decrease. */
QUIRE_MUST_CHECK int phrase_cursor_next(phrase_cursor *c, uint32_t target, uint32_t *doc,
                                        uint32_t *freq);
/* From now on, pass over a document without reading its positions when the most
 * occurrences it can hold (from its words' tfs: the rarest word's tf for a phrase; for
 * NEAR the operands' tfs and n) is <= alpha + beta * its doc_len, beta >= 0: the ranking
 * gives such a document no chance (cursor.c derives alpha and beta from BM25). Such
 * documents may match unseen, so counts become lower bounds: skipped() counts them. */
void phrase_cursor_set_floor(phrase_cursor *c, double alpha, double beta);
uint64_t phrase_cursor_skipped(const phrase_cursor *c);
/* Documents holding the rarest word: a bound on the matches. */
uint64_t phrase_cursor_cost(const phrase_cursor *c);
/* Word i's impacts over the whole segment when it reads a single form (an exact word, or
 * a stem of one form), so that its tf bounds the phrase's in every document; else none. */
void phrase_cursor_word_impacts(const phrase_cursor *c, uint32_t i, const quire_impact **impacts,
                                uint32_t *count);
void phrase_cursor_close(phrase_cursor *c);

#endif
