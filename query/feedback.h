/*
 * feedback.h - pseudo-relevance feedback, RM3 as Anserini implements it (Rm3Reranker;
 * Abdul-Jaleel et al., "UMass at TREC 2004"; Lavrenko & Croft's relevance model), with
 * Anserini's defaults:
 *
 *   1. the query's first pass gives its best fb_docs documents and their BM25 scores;
 *   2. each is analysed again (title, then text, with the index's analyzer) into stems and
 *      their tf; a stem is kept if it has 2 to 20 characters, all letters or digits, and
 *      is in at most a tenth of the index's documents (Anserini's df filter, its stand-in
 *      for a stopword list); the document keeps its fb_terms stems of highest tf (ties:
 *      the stem first in byte order), normalised to sum 1;
 *   3. the relevance model: the sum of those vectors, each times its document's score,
 *      cut to its fb_terms heaviest stems (ties as above) and normalised to sum 1;
 *   4. the query's own words, each with its count (1 + repeats) normalised to sum 1, and
 *      the relevance model are mixed: weight(t) = query_weight * q(t) + (1 - query_weight)
 *      * rm(t);
 *   5. the new query is a ranked OR of those stems, each clause's BM25 weight times
 *      weight(t), run over the whole index; its ranking is the result.
 *
 * It expands a ranked OR of words (or one word): a query with phrases, operators, fields
 * or required words is refused (QUIRE_EINVAL), since mixing its structure with weighted
 * words would be a ranking of its own.
 */
#ifndef QUERY_FEEDBACK_H
#define QUERY_FEEDBACK_H

#include <stdint.h>

#include "arena.h"
#include "parser.h"
#include "plan.h"
#include "quire/analysis.h"
#include "quire/status.h"
#include "topk.h"

#define FEEDBACK_DEFAULT_DOCS   10
#define FEEDBACK_DEFAULT_TERMS  10
#define FEEDBACK_DEFAULT_WEIGHT 0.5
#define FEEDBACK_MAX_DF_SHARE   0.1 /* a stem in more of the documents is no feedback term */

typedef struct feedback_options {
    uint32_t docs;       /* feedback documents, >= 1 */
    uint32_t terms;      /* feedback terms, >= 1 */
    double query_weight; /* the original query's share, 0..1 */
} feedback_options;

/* Whether the query `root` is one RM3 can expand: a TERM or an OR of TERMs. */
bool feedback_applies(const query_node *root);

/* The expanded query of `ast` (planned as `p`, whose first pass left `top` sorted best
 * first) into *out, nodes in `a`. QUIRE_OK, QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int feedback_rm3(query_ast *out, arena *a, const plan *p, quire_analyzer *an,
                                  const query_ast *ast, const topk *top, const feedback_options *o);

#endif
