/*
 * test_trec_eval.c - bench/'s evaluator (bench/treceval.c) against values computed by hand
 * from trec_eval's definitions (bench/treceval.h), on a tiny hand-made qrels and run.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "treceval.h"

/* Query 1: graded; d9 is relevant and never retrieved; d3 judged non-relevant.
 * Query 2: one relevant document, ranked 11th.
 * Query 3: judged, but nothing relevant: left out of every mean.
 * Query 4: relevant document, but the run has no line for query 4 (counts only with -c). */
static const char QRELS[] = "1 0 d1 2\n"
                            "1 0 d2 1\n"
                            "1 0 d3 0\n"
                            "1 0 d4 1\n"
                            "1 0 d9 3\n"
                            "\n"
                            "2 0 a 1\n"
                            "3 0 x 0\n"
                            "4 0 m 1\n";

/* Query 1's rank column is deliberately wrong: trec_eval ranks by score, decreasing, and
 * breaks the d1/d5 tie by docno decreasing, so the order is d3 d5 d1 d2 d4.
 * Query 2: b..k (10 documents) above a.  Query 5 is not in the qrels. */
static const char RUN[] = "1 Q0 d4 1 1.0 t\n"
                          "1 Q0 d1 2 4.0 t\n"
                          "1 Q0 d2 3 3.0 t\n"
                          "1 Q0 d3 4 5.0 t\n"
                          "1 Q0 d5 5 4.0 t\n"
                          "2 Q0 b 1 13 t\n"
                          "2 Q0 c 2 12 t\n"
                          "2 Q0 d 3 11 t\n"
                          "2 Q0 e 4 10 t\n"
                          "2 Q0 f 5 9 t\n"
                          "2 Q0 g 6 8 t\n"
                          "2 Q0 h 7 7 t\n"
                          "2 Q0 i 8 6 t\n"
                          "2 Q0 j 9 5 t\n"
                          "2 Q0 k 10 4 t\n"
                          "2 Q0 a 11 2 t\n"
                          "3 Q0 x 1 1 t\n"
                          "5 Q0 z 1 1 t\n";

static void load(te_qrels *q, te_run *r, const char *qrels, const char *run)
{
    char err[256] = "";
    FILE *f = fmemopen((void *)qrels, strlen(qrels), "r");
    cr_assert_not_null(f);
    cr_assert_eq(te_read_qrels(q, f, "qrels", err, sizeof err), 0, "%s", err);
    fclose(f);
    f = fmemopen((void *)run, strlen(run), "r");
    cr_assert_not_null(f);
    cr_assert_eq(te_read_run(r, f, "run", err, sizeof err), 0, "%s", err);
    fclose(f);
}

#define EPS        1e-9
#define near(a, b) (fabs((a) - (b)) < EPS)

/* Query 1, ranked d3(0) d5(-) d1(2) d2(1) d4(1); 4 relevant (d1 d2 d4 d9).
 *   DCG@10  = 2/log2(4) + 1/log2(5) + 1/log2(6) = 1 + 0.4306766 + 0.3868528 = 1.8175294
 *   IDCG@10 = 3/log2(2) + 2/log2(3) + 1/log2(4) + 1/log2(5)
 *           = 3 + 1.2618595 + 0.5 + 0.4306766 = 5.1925361
 *   nDCG@10 = 1.8175294 / 5.1925361 = 0.3500273
 *   AP      = (1/3 + 2/4 + 3/5) / 4 = 1.4333333 / 4 = 0.3583333
 *   P@10    = 3/10 = 0.3;  R@100 = 3/4 = 0.75
 * Query 2: a at rank 11: nDCG@10 = 0, P@10 = 0, AP = (1/11)/1 = 0.0909091, R@100 = 1. */
static const double Q1_NDCG = (2 / 2.0 + 1 / 2.321928094887362 + 1 / 2.584962500721156) /
                              (3 + 2 / 1.584962500721156 + 1 / 2.0 + 1 / 2.321928094887362);
static const double Q1_AP = (1.0 / 3 + 2.0 / 4 + 3.0 / 5) / 4;

Test(trec_eval, per_query_values_match_the_hand_computation)
{
    te_qrels q = {0};
    te_run r = {0};
    te_eval e;
    char err[256] = "";
    load(&q, &r, QRELS, RUN);
    cr_assert_eq(te_evaluate(&e, &q, &r, false, err, sizeof err), 0, "%s", err);
    cr_assert_eq(e.query_count, 2); /* 1 and 2; 3 has nothing relevant, 4 no run, 5 no qrels */
    cr_assert_eq(e.run_queries_unjudged, 2); /* 3 and 5 */
    const te_query *q1 = &e.queries[0], *q2 = &e.queries[1];
    cr_assert_str_eq(q1->qid, "1");
    cr_assert_str_eq(q2->qid, "2");
    cr_assert(near(Q1_NDCG, 0.35002729735), "%.10f", Q1_NDCG); /* the comment's figure */
    cr_assert(near(q1->ndcg_cut_10, Q1_NDCG), "ndcg %.10f", q1->ndcg_cut_10);
    cr_assert(near(q1->map, Q1_AP), "map %.10f", q1->map);
    cr_assert(near(q1->p_10, 0.3), "P_10 %.10f", q1->p_10);
    cr_assert(near(q1->recall_100, 0.75), "recall %.10f", q1->recall_100);
    cr_assert_eq(q1->num_rel, 4);
    cr_assert_eq(q1->num_ret, 5);
    cr_assert_eq(q1->rel_ret, 3);
    cr_assert(near(q2->ndcg_cut_10, 0.0));
    cr_assert(near(q2->p_10, 0.0));
    cr_assert(near(q2->map, 1.0 / 11), "map %.10f", q2->map);
    cr_assert(near(q2->recall_100, 1.0));
    /* Means over queries 1 and 2. */
    cr_assert(near(e.ndcg_cut_10, Q1_NDCG / 2), "%.10f", e.ndcg_cut_10);
    cr_assert(near(e.map, (Q1_AP + 1.0 / 11) / 2), "%.10f", e.map); /* 0.2246212 */
    cr_assert(near(e.p_10, 0.15));
    cr_assert(near(e.recall_100, 0.875));
    te_eval_free(&e);
    te_qrels_free(&q);
    te_run_free(&r);
}

/* -c: query 4 (relevant document, no run line) counts as 0 everywhere: means over 3. */
Test(trec_eval, complete_counts_queries_missing_from_the_run_as_zero)
{
    te_qrels q = {0};
    te_run r = {0};
    te_eval e;
    char err[256] = "";
    load(&q, &r, QRELS, RUN);
    cr_assert_eq(te_evaluate(&e, &q, &r, true, err, sizeof err), 0, "%s", err);
    cr_assert_eq(e.query_count, 3);
    cr_assert_str_eq(e.queries[2].qid, "4");
    cr_assert_eq(e.queries[2].num_ret, 0);
    cr_assert(near(e.queries[2].map, 0) && near(e.queries[2].ndcg_cut_10, 0));
    cr_assert(near(e.ndcg_cut_10, Q1_NDCG / 3), "%.10f", e.ndcg_cut_10); /* 0.1166758 */
    cr_assert(near(e.map, (Q1_AP + 1.0 / 11) / 3), "%.10f", e.map);      /* 0.1497475 */
    cr_assert(near(e.p_10, 0.1));
    cr_assert(near(e.recall_100, 1.75 / 3)); /* 0.5833333 */
    te_eval_free(&e);
    te_qrels_free(&q);
    te_run_free(&r);
}

/* Recall's cutoff: relevant documents at ranks 100 and 101 of 150.
 *   R@100 = 1/2;  AP = (1/100 + 2/101) / 2 = 0.0149010;  P@10 = 0;  nDCG@10 = 0. */
Test(trec_eval, recall_counts_the_first_100_only)
{
    char run[150 * 32], *p = run;
    for (int i = 1; i <= 150; i++)
        p += sprintf(p, "7 Q0 doc%03d %d %d t\n", i, i, 1000 - i);
    te_qrels q = {0};
    te_run r = {0};
    te_eval e;
    char err[256] = "";
    load(&q, &r, "7 0 doc100 1\n7 0 doc101 1\n", run);
    cr_assert_eq(te_evaluate(&e, &q, &r, false, err, sizeof err), 0, "%s", err);
    cr_assert_eq(e.query_count, 1);
    cr_assert(near(e.recall_100, 0.5));
    cr_assert(near(e.map, (1.0 / 100 + 2.0 / 101) / 2), "%.10f", e.map);
    cr_assert(near(e.p_10, 0) && near(e.ndcg_cut_10, 0));
    te_eval_free(&e);
    te_qrels_free(&q);
    te_run_free(&r);
}

Test(trec_eval, a_document_twice_in_the_run_is_an_error)
{
    te_qrels q = {0};
    te_run r = {0};
    te_eval e;
    char err[256] = "";
    load(&q, &r, "1 0 a 1\n", "1 Q0 a 1 2.0 t\n1 Q0 b 2 1.5 t\n1 Q0 a 3 1.0 t\n");
    cr_assert_eq(te_evaluate(&e, &q, &r, false, err, sizeof err), -1);
    cr_assert(strstr(err, "a listed twice for query 1") != NULL, "%s", err);
    te_qrels_free(&q);
    te_run_free(&r);
}

Test(trec_eval, a_malformed_line_is_named)
{
    te_run r = {0};
    char err[256] = "";
    const char bad[] = "1 Q0 a 1 2.0 t\n1 Q0 b 2 high t\n";
    FILE *f = fmemopen((void *)bad, strlen(bad), "r");
    cr_assert_eq(te_read_run(&r, f, "run.txt", err, sizeof err), -1);
    fclose(f);
    cr_assert(strncmp(err, "run.txt:2: ", 11) == 0, "%s", err);
    te_run_free(&r);
}
