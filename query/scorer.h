/*
 * scorer.h - BM25, in the form Lucene and Anserini use (Robertson's idf, kept positive):
 *
 *   idf(t)     = ln(1 + (N - df + 0.5) / (df + 0.5))
 *   score(d,q) = sum over t in q and d of  idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl /
 * avgdl))
 *
 * N: live documents of the index; df: documents holding the term, summed over segments
 * (deleted ones included, as Lucene does; clamped to N); dl: the document's length in
 * tokens, title included; avgdl: total tokens / N. Defaults k1 = 1.2, b = 0.75 are
 * Lucene's (and Elasticsearch's, FTS5's, Terrier's): of the defaults of the engines quire
 * is compared with (Anserini's 0.9 / 0.4, which quire had, Xapian's 1.0 / 0.5, Lucene's),
 * the one a leave-one-collection-out choice picks for every one of the seven test
 * collections (bench/RESULTS.md "Relevance", bench/run_loco.sh).
 *
 * Everything is computed in double. A document's score is summed over the query's terms
 * in query order whatever order the cursors were advanced in, so equal documents get
 * bit-identical scores and ties are broken by external id alone (topk.h).
 */
#ifndef QUERY_SCORER_H
#define QUERY_SCORER_H

#include <stdint.h>

#include "quire/postings.h"

#define SCORER_DEFAULT_K1 1.2
#define SCORER_DEFAULT_B  0.75

typedef struct scorer {
    double k1;
    double b;
    double avgdl;       /* tokens per live document; 1 for an empty index */
    uint64_t doc_count; /* N, live documents */
} scorer;

void scorer_init(scorer *s, double k1, double b, uint64_t doc_count, uint64_t total_tokens);
double scorer_idf(const scorer *s, uint64_t df);
/* A term's weight: idf * (k1 + 1), the factor the tf part multiplies. */
double scorer_weight(const scorer *s, uint64_t df);
/* The document's length normalisation k1 * (1 - b + b * dl / avgdl), once per document. */
double scorer_norm(const scorer *s, uint32_t doc_len);
/* One term's contribution: weight * tf / (tf + norm). */
static inline double scorer_term(double weight, uint32_t tf, double norm)
{
    return weight * (double)tf / ((double)tf + norm);
}
/* The highest contribution any posting with one of these (tf, doc_len) pairs can make:
 * the bound MaxScore and block-max pruning compare with the top-k threshold. 0 for none. */
double scorer_impact_bound(const scorer *s, double weight, const quire_impact *impacts,
                           uint32_t count);

#endif
