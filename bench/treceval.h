/*
 * treceval.h - a small TREC evaluator with trec_eval's definitions of four measures, for
 * bench/ (bench/trec_eval.c is its command line; tests/bench/test_trec_eval.c checks it).
 *
 * Definitions, as in trec_eval 9.0.8 (relevance_level 1: a document is relevant when its
 * qrels grade is >= 1):
 *   ndcg_cut_10  sum over ranks r = 1..10 of grade(r) / log2(r + 1), divided by the same sum
 *                over the qrels' grades sorted in decreasing order (the ideal ranking);
 *                the gain is the grade itself (not 2^grade - 1); grades <= 0 add nothing.
 *   map          sum over the relevant documents retrieved of the precision at their rank,
 *                divided by the number of relevant documents in the qrels.
 *   recall_100   relevant documents in the first 100 / relevant documents in the qrels.
 *   P_10         relevant documents in the first 10 / 10 (also when fewer were retrieved).
 * Like trec_eval, the run's rank column is ignored: each query's documents are ranked by
 * score, decreasing, ties broken by document id in decreasing strcmp() order. A document
 * listed twice for one query, in the run or in the qrels, is an error (trec_eval refuses
 * duplicates in a run too).
 *
 * Which queries count: those with at least one relevant document in the qrels.
 *   - default (trec_eval's): of those, the ones that have at least one line in the run;
 *   - complete (trec_eval -c): all of them, a query missing from the run scoring 0.
 * Queries of the run without a relevant document in the qrels are left out of the means
 * (trec_eval counts a query judged only non-relevant as 0; the collections here have none,
 * and ../shared/corpora/SOURCES.md says to evaluate only queries with a relevant document).
 */
#ifndef QUIRE_BENCH_TRECEVAL_H
#define QUIRE_BENCH_TRECEVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct te_judgment {
    char *qid, *docno;
    int rel;
} te_judgment;

typedef struct te_entry {
    char *qid, *docno;
    double score;
} te_entry;

typedef struct te_query {
    char *qid;      /* owned by the te_eval */
    size_t num_rel; /* relevant documents in the qrels */
    size_t num_ret; /* documents in the run */
    size_t rel_ret; /* relevant documents in the run */
    double ndcg_cut_10, map, recall_100, p_10;
} te_query;

typedef struct te_eval {
    te_query *queries; /* the evaluated queries, by qid (strcmp order) */
    size_t query_count;
    size_t run_queries_unjudged; /* queries of the run with no relevant document in qrels */
    double ndcg_cut_10, map, recall_100, p_10; /* means over queries[] (0 if none) */
} te_eval;

typedef struct te_qrels {
    te_judgment *items;
    size_t count, cap;
} te_qrels;

typedef struct te_run {
    te_entry *items;
    size_t count, cap;
} te_run;

/* Read qrels lines 'qid iter docno rel' (whitespace separated) or a run's lines
 * 'qid Q0 docno rank score tag' from f. name is used in messages. Return 0, or -1 with
 * "name:line: what is wrong" in err. Blank lines are skipped. */
int te_read_qrels(te_qrels *q, FILE *f, const char *name, char *err, size_t errlen);
int te_read_run(te_run *r, FILE *f, const char *name, char *err, size_t errlen);
void te_qrels_free(te_qrels *q);
void te_run_free(te_run *r);

/* Evaluate run against qrels (both are sorted in place). Returns 0, or -1 with a message
 * in err (a duplicate document, out of memory). */
int te_evaluate(te_eval *out, te_qrels *qrels, te_run *run, bool complete, char *err,
                size_t errlen);
void te_eval_free(te_eval *e);

#endif
