/*
 * prune.h - exact top-k with dynamic pruning: MaxScore (Turtle & Flood 1995) over the
 * clauses of a ranked OR, the query shape of benchmarks and of --any.
 *
 * The root's children (or the root itself, for a one-clause query) are ordered by their
 * score bound in the segment (cursor.max_score, from the term impacts; a phrase's weight).
 * With the top-k threshold t, the longest prefix of that order whose bounds add up to at
 * most t cannot put a document in the top k on its own: those clauses are non-essential,
 * and only documents of the essential ones are candidates. A candidate's bound (its
 * essential scores plus the non-essential bounds) is tightened clause by clause as the
 * non-essential cursors are moved to it, and it is dropped as soon as the bound falls to
 * the threshold. A candidate that survives is scored by cursor_score() on the whole tree,
 * exactly as exhaustive evaluation scores it (same clauses, same order of summing), so the
 * top k is identical, scores included: tests/query/test_prune.c checks that on random
 * queries against exhaustive evaluation. Bounds are compared with a relative slack of
 * 1e-9, so rounding in the sums of bounds never drops a document that could enter.
 *
 * Phrase and NEAR clauses (PHRASE cursors) are told their floor: the threshold less the
 * bounds of the other clauses (cursor_set_floor). A document whose words' tfs cannot give
 * the phrase a score above it is passed over without reading positions; it cannot enter
 * the top k whatever the other clauses score, and the one-phrase queries of the benchmarks
 * ("of the" over 60,000 documents) read the positions of a few documents only.
 *
 * A document that only non-essential clauses hold is never visited, and one a phrase
 * passed over is not counted, so the match count is then a lower bound: *count_exact
 * says whether it still is exact.
 */
#ifndef QUERY_PRUNE_H
#define QUERY_PRUNE_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"
#include "plan.h"
#include "topk.h"

/* Whether prune_segment() applies to this tree: an OR of clauses, or a single TERM or
 * phrase (LIST, PHRASE) leaf. */
bool prune_applies(const cursor *root);

/* Evaluate `root` over segment `seg` with MaxScore, offering competitive documents to
 * `top` (whose k must be > 0) and counting the documents visited in *match_count (and,
 * when root is a PHRASE leaf, their occurrences in *occurrences); clears *count_exact if
 * some document may have been skipped. QUIRE_OK, QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int prune_segment(const plan *p, cursor *root, uint32_t seg, topk *top,
                                   uint64_t *match_count, uint64_t *occurrences, bool *count_exact);

#endif
