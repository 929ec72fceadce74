/*
 * rerank.h - second-stage scores for the first pass's best documents, from the positions
 * of the query's words in each (read again through phrase.h, as passages read them):
 *
 *   - term proximity (Buttcher, Clarke & Lushman, "Term proximity scoring for ad-hoc
 *     retrieval on very large text collections", SIGIR 2006): the occurrences of the
 *     query's scoring words in the document, in position order; for each two neighbours
 *     of different words t, u at distance d, acc(t) += idf(u) / d^2 and acc(u) += idf(t) /
 *     d^2; the document gains, for each word t,
 *         min(1, idf(t)) * acc(t) * (k1 + 1) / (acc(t) + K),   K = k1 (1 - b + b dl/avgdl)
 *     with the index's BM25 k1, b and idf: nothing to tune.
 *   - a title weight w (BM25F's field weight, on the tf): a word's tf in the document
 *     becomes w * tf_title + tf_text, and its BM25 part is computed again with it (the
 *     length normalisation is the document's, as before). w = 1 changes nothing.
 *
 * Both apply to the TERM clauses that score (not under NOT), each with the weight its
 * clause has (idf, query term frequency, feedback weight); phrases, NEAR groups and
 * prefixes keep their score. Only the first pass's best RERANK_DEPTH documents (or the k
 * asked, if more) are rescored and sorted again, so a document below that depth cannot
 * enter however close its words; the depth is fixed, so the top k is the same whatever k
 * is, up to it.
 */
#ifndef QUERY_RERANK_H
#define QUERY_RERANK_H

#include <stdbool.h>

#include "arena.h"
#include "plan.h"
#include "quire/status.h"
#include "topk.h"

#define RERANK_DEPTH 1000

typedef struct rerank_options {
    bool proximity;       /* add the proximity score */
    double title_weight;  /* > 0; 1: titles weigh as the text */
    double avg_title_len; /* title tokens per live document (for the title weight) */
} rerank_options;

/* Whether `o` changes any score. */
bool rerank_wanted(const rerank_options *o);

/* Rescore the entries of `top` (sorted best first, as topk_sort leaves them) for the
 * query `root` planned as `p`, and sort them again. QUIRE_OK, QUIRE_ECORRUPT,
 * QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int rerank_top(topk *top, arena *a, const plan *p, const query_node *root,
                                const rerank_options *o);

#endif
