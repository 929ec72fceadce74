/*
 * treceval.c - see treceval.h for the definitions (trec_eval's) and which queries count.
 */
#include "treceval.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Split line into at most max whitespace-separated fields; returns their number. */
static size_t split(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r\n", &save); t != NULL && n < max;
         t = strtok_r(NULL, " \t\r\n", &save))
        fields[n++] = t;
    return n;
}

static int grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return 0;
    const size_t ncap = *cap ? *cap * 2 : 256;
    void *p = realloc(*items, ncap * size);
    if (p == NULL)
        return -1;
    *items = p;
    *cap = ncap;
    return 0;
}

int te_read_qrels(te_qrels *q, FILE *f, const char *name, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    unsigned long no = 0;
    int rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        no++;
        char *fl[5];
        const size_t n = split(line, fl, 5);
        if (n == 0)
            continue;
        char *end;
        errno = 0;
        const long rel = n == 4 ? strtol(fl[3], &end, 10) : 0;
        if (n != 4 || errno != 0 || *end != '\0' || rel < -1000 || rel > 1000) {
            set_err(err, errlen, "%s:%lu: expected 'qid iter docno grade' (grade an integer)", name,
                    no);
            rc = -1;
            break;
        }
        if (grow((void **)&q->items, &q->cap, q->count, sizeof *q->items) != 0) {
            set_err(err, errlen, "%s: out of memory", name);
            rc = -1;
            break;
        }
        te_judgment *j = &q->items[q->count];
        j->qid = dup_n(fl[0], strlen(fl[0]));
        j->docno = dup_n(fl[2], strlen(fl[2]));
        j->rel = (int)rel;
        if (j->qid == NULL || j->docno == NULL) {
            free(j->qid);
            free(j->docno);
            set_err(err, errlen, "%s: out of memory", name);
            rc = -1;
            break;
        }
        q->count++;
    }
    if (rc == 0 && ferror(f)) {
        set_err(err, errlen, "%s: read error", name);
        rc = -1;
    }
    free(line);
    return rc;
}

int te_read_run(te_run *r, FILE *f, const char *name, char *err, size_t errlen)
{
    char *line = NULL;
    size_t cap = 0;
    unsigned long no = 0;
    int rc = 0;
    while (getline(&line, &cap, f) >= 0) {
        no++;
        char *fl[7];
        const size_t n = split(line, fl, 7);
        if (n == 0)
            continue;
        char *end = NULL;
        errno = 0;
        const double score = n == 6 ? strtod(fl[4], &end) : 0;
        if (n != 6 || errno != 0 || end == fl[4] || *end != '\0' || !isfinite(score)) {
            set_err(err, errlen, "%s:%lu: expected 'qid Q0 docno rank score tag' (score a number)",
                    name, no);
            rc = -1;
            break;
        }
        if (grow((void **)&r->items, &r->cap, r->count, sizeof *r->items) != 0) {
            set_err(err, errlen, "%s: out of memory", name);
            rc = -1;
            break;
        }
        te_entry *e = &r->items[r->count];
        e->qid = dup_n(fl[0], strlen(fl[0]));
        e->docno = dup_n(fl[2], strlen(fl[2]));
        e->score = score;
        if (e->qid == NULL || e->docno == NULL) {
            free(e->qid);
            free(e->docno);
            set_err(err, errlen, "%s: out of memory", name);
            rc = -1;
            break;
        }
        r->count++;
    }
    if (rc == 0 && ferror(f)) {
        set_err(err, errlen, "%s: read error", name);
        rc = -1;
    }
    free(line);
    return rc;
}

void te_qrels_free(te_qrels *q)
{
    for (size_t i = 0; i < q->count; i++) {
        free(q->items[i].qid);
        free(q->items[i].docno);
    }
    free(q->items);
    memset(q, 0, sizeof *q);
}

void te_run_free(te_run *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].qid);
        free(r->items[i].docno);
    }
    free(r->items);
    memset(r, 0, sizeof *r);
}

void te_eval_free(te_eval *e)
{
    for (size_t i = 0; i < e->query_count; i++)
        free(e->queries[i].qid);
    free(e->queries);
    memset(e, 0, sizeof *e);
}

static int cmp_judgment(const void *a, const void *b)
{
    const te_judgment *x = a, *y = b;
    const int c = strcmp(x->qid, y->qid);
    return c != 0 ? c : strcmp(x->docno, y->docno);
}

/* trec_eval's order: by query, then score decreasing, then docno decreasing. */
static int cmp_entry(const void *a, const void *b)
{
    const te_entry *x = a, *y = b;
    const int c = strcmp(x->qid, y->qid);
    if (c != 0)
        return c;
    if (x->score > y->score)
        return -1;
    if (x->score < y->score)
        return 1;
    return strcmp(y->docno, x->docno);
}

static int cmp_int_desc(const void *a, const void *b)
{
    const int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

/* The grade of (qid, docno) in the sorted judgments j[lo..hi) of one query, or 0. */
static int grade_of(const te_judgment *j, size_t lo, size_t hi, const char *docno)
{
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const int c = strcmp(j[mid].docno, docno);
        if (c == 0)
            return j[mid].rel;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Evaluate one query: judgments j[jlo..jhi), ranked run entries e[elo..ehi). */
static int eval_query(te_query *q, const te_judgment *j, size_t jlo, size_t jhi, const te_entry *e,
                      size_t elo, size_t ehi)
{
    q->num_rel = 0;
    for (size_t i = jlo; i < jhi; i++)
        q->num_rel += j[i].rel >= 1;
    q->num_ret = ehi - elo;
    q->rel_ret = 0;
    double dcg = 0, precision_sum = 0;
    size_t rel_10 = 0, rel_100 = 0;
    for (size_t i = elo; i < ehi; i++) {
        const size_t rank = i - elo + 1;
        const int g = grade_of(j, jlo, jhi, e[i].docno);
        if (rank <= 10 && g > 0)
            dcg += g / log2((double)rank + 1);
        if (g >= 1) {
            q->rel_ret++;
            precision_sum += (double)q->rel_ret / (double)rank;
            rel_10 += rank <= 10;
            rel_100 += rank <= 100;
        }
    }
    /* The ideal ranking: the grades in decreasing order. */
    int *grades = malloc((jhi - jlo + 1) * sizeof *grades);
    if (grades == NULL)
        return -1;
    size_t ng = 0;
    for (size_t i = jlo; i < jhi; i++)
        if (j[i].rel > 0)
            grades[ng++] = j[i].rel;
    qsort(grades, ng, sizeof *grades, cmp_int_desc);
    double idcg = 0;
    for (size_t i = 0; i < ng && i < 10; i++)
        idcg += grades[i] / log2((double)i + 2);
    free(grades);
    q->ndcg_cut_10 = idcg > 0 ? dcg / idcg : 0;
    q->map = q->num_rel ? precision_sum / (double)q->num_rel : 0;
    q->recall_100 = q->num_rel ? (double)rel_100 / (double)q->num_rel : 0;
    q->p_10 = (double)rel_10 / 10.0;
    return 0;
}

int te_evaluate(te_eval *out, te_qrels *qrels, te_run *run, bool complete, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    te_judgment *j = qrels->items;
    te_entry *e = run->items;
    qsort(j, qrels->count, sizeof *j, cmp_judgment);
    qsort(e, run->count, sizeof *e, cmp_entry);
    for (size_t i = 1; i < qrels->count; i++)
        if (cmp_judgment(&j[i - 1], &j[i]) == 0) {
            set_err(err, errlen, "qrels: document %s judged twice for query %s", j[i].docno,
                    j[i].qid);
            return -1;
        }
    /* Duplicates in the run: sort a copy of (qid, docno) pairs. */
    if (run->count > 1) {
        te_judgment *pairs = malloc(run->count * sizeof *pairs);
        if (pairs == NULL) {
            set_err(err, errlen, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < run->count; i++)
            pairs[i] = (te_judgment){e[i].qid, e[i].docno, 0};
        qsort(pairs, run->count, sizeof *pairs, cmp_judgment);
        for (size_t i = 1; i < run->count; i++)
            if (cmp_judgment(&pairs[i - 1], &pairs[i]) == 0) {
                set_err(err, errlen, "run: document %s listed twice for query %s", pairs[i].docno,
                        pairs[i].qid);
                free(pairs);
                return -1;
            }
        free(pairs);
    }

    out->queries = calloc(qrels->count + 1, sizeof *out->queries);
    if (out->queries == NULL) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    /* Walk the judged queries and the run's queries together (both sorted by qid). */
    size_t ji = 0, ei = 0;
    while (ji < qrels->count || ei < run->count) {
        int c;
        if (ji == qrels->count)
            c = 1;
        else if (ei == run->count)
            c = -1;
        else
            c = strcmp(j[ji].qid, e[ei].qid);
        const char *qid = c <= 0 ? j[ji].qid : e[ei].qid;
        size_t jhi = ji, ehi = ei;
        if (c <= 0)
            while (jhi < qrels->count && strcmp(j[jhi].qid, qid) == 0)
                jhi++;
        if (c >= 0)
            while (ehi < run->count && strcmp(e[ehi].qid, qid) == 0)
                ehi++;
        bool has_rel = false;
        for (size_t i = ji; i < jhi; i++)
            has_rel |= j[i].rel >= 1;
        if (!has_rel) {
            out->run_queries_unjudged += ehi > ei;
        } else if (ehi > ei || complete) {
            te_query *q = &out->queries[out->query_count];
            q->qid = dup_n(qid, strlen(qid));
            if (q->qid == NULL || eval_query(q, j, ji, jhi, e, ei, ehi) != 0) {
                free(q->qid);
                te_eval_free(out);
                set_err(err, errlen, "out of memory");
                return -1;
            }
            out->query_count++;
        }
        ji = jhi;
        ei = ehi;
    }
    for (size_t i = 0; i < out->query_count; i++) {
        out->ndcg_cut_10 += out->queries[i].ndcg_cut_10;
        out->map += out->queries[i].map;
        out->recall_100 += out->queries[i].recall_100;
        out->p_10 += out->queries[i].p_10;
    }
    if (out->query_count > 0) {
        const double n = (double)out->query_count;
        out->ndcg_cut_10 /= n;
        out->map /= n;
        out->recall_100 /= n;
        out->p_10 /= n;
    }
    return 0;
}
