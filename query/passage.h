/*
 * passage.h - a hit's best passages and its highlights, from the matcher's own matches.
 *
 * Input: the document's stored text (and title), the occurrences the query matched in it
 * (phrase.c, in positions: the title's tokens at 0..T-1, the text's from T+1; FORMAT.md
 * "Terms"), each tagged with its clause (a query term, a phrase, a NEAR group, a prefix)
 * and the clause's weight (its BM25 idf). The text is tokenised again by the index's own
 * analyzer, which gives every position its bytes, so a highlight is exactly the bytes of
 * the tokens that matched: a phrase is one highlight from its first word to its last,
 * punctuation between included, and a word that occurs outside every match is not marked.
 *
 * Choosing passages (README.md "Passages"):
 *   - stage 1, on positions only: each match's neighbourhood of about a passage's length
 *     (max_bytes at the text's mean bytes per token, centred on it) is scored as windows
 *     are (below), and the best `count` that do not overlap (score, then earliest) are
 *     picked;
 *   - each picked match gets a region of the text: from a point of the text map (every
 *     64th token's byte, FORMAT.md "Text map") more than max_bytes before it to one more
 *     than max_bytes after it (or the text's ends); regions that meet are merged;
 *   - stage 2, in each region, as over a whole text: the text is cut into sentences: a
 *     gap between two tokens ends a sentence when it holds . ! ? or … followed by white
 *     space and the next token does not start with a lower-case letter (and the token
 *     before is no abbreviation like "Mr" or an initial), or when it holds a blank line;
 *     each match (starting more than max_bytes from an edge of the region that is not the
 *     text's, unless none does) proposes one window: the whole sentences around it, grown
 *     by neighbouring sentences while the window stays within max_bytes; a sentence longer
 *     than that is cut around the match (a third of the room before it); a match longer
 *     than max_bytes is its own window;
 *   - a window scores sum over clauses c with k > 0 occurrences wholly inside it of
 *     weight(c) * (1 + ln k): rare clauses weigh most, a phrase counts only when the
 *     window holds all of it, and repeats add less and less;
 *   - each region keeps its best windows (score, then earliest) that do not overlap, as
 *     many as the matches picked in it; of those the best `count` are returned in text
 *     order. A document whose text holds no match gets its opening window, without
 *     highlights.
 * With a text map (passage_regions()) only the regions' bytes are inflated and
 * tokenised; without one (a segment written before format version 3), passage_build()
 * tokenises the whole text, makes the map from its tokens and proceeds alike, so both
 * give the same passages; and a window that far from its region's edges is the one the
 * whole text would give.
 * Windows start and end on token boundaries (never inside a UTF-8 sequence), widened over
 * the punctuation that clings to their first and last words (quotes, a final full stop).
 * Whether text was cut before or after a passage is reported so that the caller can
 * print an ellipsis.
 *
 * Cost, with a map: the regions' bytes (about 3 * max_bytes + 2 * 64 tokens each); stage
 * 1 is linear in the matches times the matches per neighbourhood.
 */
#ifndef QUERY_PASSAGE_H
#define QUERY_PASSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/analysis.h"
#include "quire/status.h"

#define PASSAGE_DEFAULT_BYTES 240 /* target length of a passage */
#define PASSAGE_MAX_COUNT     64  /* most passages per hit */

typedef struct passage_match {
    uint32_t start;  /* first position */
    uint32_t end;    /* one past the last position */
    uint32_t clause; /* index into the clause weights */
} passage_match;

typedef struct passage_highlight {
    size_t start; /* bytes into the text (or the title), inclusive */
    size_t end;   /* exclusive */
} passage_highlight;

typedef struct passage {
    size_t start; /* bytes into the text */
    size_t end;
    bool cut_before; /* the text goes on before start / after end */
    bool cut_after;
    double score;
    passage_highlight *highlights; /* ascending, disjoint, inside start..end; quire_malloc'd */
    uint32_t highlight_count;
} passage;

/* A part of the text passages are chosen from. */
typedef struct passage_region {
    size_t start;         /* bytes [start, end) of the text: a token's start (or 0) ... */
    size_t end;           /* ... and a token's start or the text's end */
    uint32_t first_token; /* index among the text's tokens of the one at start */
    uint32_t cap;         /* passages it may give: the picked matches it holds */
} passage_region;

typedef struct passage_input {
    const char *text; /* the document's stored text (valid UTF-8): with regions, only their
                         bytes need be there, at their offsets */
    size_t text_len;
    const char *title; /* its title, valid UTF-8 */
    size_t title_len;
    uint32_t title_tokens;        /* T: the text's first position is T + 1 */
    const passage_match *matches; /* any order; positions in both fields */
    uint32_t match_count;
    const double *weights; /* per clause, > 0 */
    uint32_t clause_count;
    uint32_t text_tokens;          /* tokens of the text (doc_len - title_len) */
    const passage_region *regions; /* from passage_regions(); NULL: the whole text is there */
    uint32_t region_count;
} passage_input;

/* Up to `count` (1..PASSAGE_MAX_COUNT) passages of about max_bytes (>= 16) into *out
 * (quire_malloc'd array; free with passage_free), in text order; *n_out of them (0 only
 * when the text has no token). Title highlights go to *title_hl / *title_hl_count.
 * QUIRE_OK, QUIRE_EINVAL (bad count or max_bytes, a match outside the document's tokens:
 * the index and the stored text disagree, reported as QUIRE_ECORRUPT), QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int passage_build(passage **out, uint32_t *n_out, passage_highlight **title_hl,
                                   uint32_t *title_hl_count, quire_analyzer *an,
                                   const passage_input *in, uint32_t count, size_t max_bytes);

void passage_free(passage *p, uint32_t n);

/* Stage 1 and the regions for passage_build(): `in` as for it but for text, regions and
 * region_count (not read); map[0..map_count) the document's text map (byte starts of text
 * tokens 64, 128, ...; map_count = quire_text_map_count(text_tokens)). *n (<= count)
 * regions into out (room for count), ascending and disjoint; with no text match, one: the
 * opening (the text up to a map point at least 3 * max_bytes in). QUIRE_OK,
 * QUIRE_EINVAL, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int passage_regions(passage_region *out, uint32_t *n, const passage_input *in,
                                     const uint64_t *map, uint32_t map_count, uint32_t count,
                                     size_t max_bytes);

#endif
