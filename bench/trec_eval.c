/*
 * trec_eval.c - the command line of bench/'s evaluator (treceval.h has the definitions):
 *
 *   bench_trec_eval [-q] [-c] QRELS RUN
 *
 * prints trec_eval-style lines 'measure<TAB>qid<TAB>value' for num_q, num_ret, num_rel,
 * num_rel_ret, map, P_10, recall_100 and ndcg_cut_10: per query with -q, then 'all' (the
 * means over the evaluated queries). -c: every query with a relevant document in QRELS is
 * evaluated, those missing from RUN scoring 0 (trec_eval -c); without it, only those in RUN.
 * Exit status 0, or 2 with a message on a bad file.
 */
#include <stdio.h>
#include <string.h>

#include "quire/cli.h"
#include "treceval.h"

static void print_query(const char *qid, size_t num_ret, size_t num_rel, size_t rel_ret, double map,
                        double p10, double r100, double ndcg)
{
    printf("num_ret    \t%s\t%zu\n", qid, num_ret);
    printf("num_rel    \t%s\t%zu\n", qid, num_rel);
    printf("num_rel_ret\t%s\t%zu\n", qid, rel_ret);
    printf("map        \t%s\t%.4f\n", qid, map);
    printf("P_10       \t%s\t%.4f\n", qid, p10);
    printf("recall_100 \t%s\t%.4f\n", qid, r100);
    printf("ndcg_cut_10\t%s\t%.4f\n", qid, ndcg);
}

static int load(const char *path, int qrels, te_qrels *q, te_run *r)
{
    char err[512];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    const int rc = qrels ? te_read_qrels(q, f, path, err, sizeof err)
                         : te_read_run(r, f, path, err, sizeof err);
    (void)fclose(f);
    if (rc != 0)
        fprintf(stderr, "bench_trec_eval: %s\n", err);
    return rc;
}

enum { OPT_PER_QUERY, OPT_COMPLETE, OPT_HELP };

/* One table for parsing and --help (quire/cli.h), with trec_eval's own -q and -c. */
static const quire_cli_option options[] = {
    {OPT_PER_QUERY, 'q', "per-query", NULL, "also print each query's measures"},
    {OPT_COMPLETE, 'c', "complete", NULL,
     "average over every query of QRELS (a query without results scores 0)"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
};

static const quire_cli eval_cli = {"bench_trec_eval", options, sizeof options / sizeof options[0],
                                   0};

typedef struct args {
    bool per_query, complete;
} args;

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_trec_eval [-q] [-c] QRELS RUN\n\noptions:\n");
    quire_cli_print_options(&eval_cli, f);
}

static int apply(void *ctx, const quire_cli_option *o, const char *val)
{
    (void)val;
    args *a = ctx;
    switch (o->id) {
    case OPT_HELP:
        usage(stdout);
        return 1;
    case OPT_PER_QUERY:
        a->per_query = true;
        return 0;
    case OPT_COMPLETE:
        a->complete = true;
        return 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    args a = {false, false};
    int operands = 0;
    const int parsed = quire_cli_parse(&eval_cli, argc, argv, &operands, apply, &a);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    if (operands != 2) {
        usage(stderr);
        return 2;
    }
    const bool per_query = a.per_query, complete = a.complete;
    const int i = 1;
    te_qrels q = {0};
    te_run r = {0};
    te_eval e = {0};
    char err[512];
    int status = 2;
    if (load(argv[i], 1, &q, &r) == 0 && load(argv[i + 1], 0, &q, &r) == 0) {
        if (te_evaluate(&e, &q, &r, complete, err, sizeof err) != 0) {
            fprintf(stderr, "bench_trec_eval: %s\n", err);
        } else {
            size_t ret = 0, rel = 0, relret = 0;
            for (size_t k = 0; k < e.query_count; k++) {
                const te_query *x = &e.queries[k];
                if (per_query)
                    print_query(x->qid, x->num_ret, x->num_rel, x->rel_ret, x->map, x->p_10,
                                x->recall_100, x->ndcg_cut_10);
                ret += x->num_ret;
                rel += x->num_rel;
                relret += x->rel_ret;
            }
            printf("num_q      \tall\t%zu\n", e.query_count);
            print_query("all", ret, rel, relret, e.map, e.p_10, e.recall_100, e.ndcg_cut_10);
            if (e.run_queries_unjudged > 0)
                fprintf(stderr,
                        "bench_trec_eval: %zu queries of the run have no relevant document in "
                        "the qrels (left out)\n",
                        e.run_queries_unjudged);
            status = 0;
        }
    }
    te_eval_free(&e);
    te_qrels_free(&q);
    te_run_free(&r);
    return status;
}
