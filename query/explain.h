/*
 * explain.h - what a query did, for people (README.md "Explain" and "Notes"):
 *   - explain_build(): the query as parsed, and each clause (every TERM and PHRASE leaf, in
 *     tree order) with its stem, the forms it reads and their documents, a fuzzy word's
 *     variants and cap, an approximate quote's word weights, and its BM25 weight;
 *   - explain_hit(): each clause's part of one hit's score, by evaluating the tree on that
 *     document with the cursors' rules (an AND's children count when all match, an OR's
 *     those that match, nothing under a NOT), so the parts add up to the hit's score;
 *   - notes_build(): for each name of the query (a bare word typed with a capital, of at
 *     least NOTES_MIN_CHARS characters), the forms of the index within distance 1
 *     (fuzzy.h, equivalences included) that are not forms of its stem - what `word~` would
 *     add - the NOTES_MAX_FORMS with most documents.
 */
#ifndef QUERY_EXPLAIN_H
#define QUERY_EXPLAIN_H

#include "arena.h"
#include "parser.h"
#include "plan.h"
#include "query.h"
#include "quire/index.h"

#define NOTES_MIN_CHARS 4 /* shorter names get no notes */
#define NOTES_MAX_FORMS 5 /* variants listed per name */

typedef struct explain_ctx explain_ctx;

/* Build *out (owned by the caller: search_result_free frees it) and the context
 * explain_hit() needs (in the arena). */
QUIRE_MUST_CHECK int explain_build(search_explain **out, explain_ctx **ctx, arena *a, const plan *p,
                                   const query_node *root, bool approx_alone);

/* Fill hit->clause_scores and hit->clause_tfs. */
QUIRE_MUST_CHECK int explain_hit(search_hit *hit, explain_ctx *ctx);

void explain_free(search_explain *e);

/* The notes of the query's names (parser.h TERM nodes; `text` is the query text). */
QUIRE_MUST_CHECK int notes_build(search_word_note **out, uint32_t *count, arena *a,
                                 const quire_index *ix, const query_node *root, const char *text,
                                 size_t text_len);

#endif
