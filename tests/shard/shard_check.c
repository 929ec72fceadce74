/*
 * shard_check.c - a shard set must answer as one index of the same documents. Run alone
 * (one process opens every shard) or under mpirun (each rank its shards, scatter-gather
 * over MPI): every rank runs the same queries on the set; rank 0 also runs them on the
 * single index and compares the hits, bit for bit: ids, order, scores (==, not within a
 * tolerance), titles, dates, passages and their highlights; the match count when exact
 * (a pruned count is a lower bound on both sides, and must be one); a phrase's occurrences.
 *
 *   shard_check SET INDEX QUERIES.tsv [RANDOM [STRIDE]]
 *
 * QUERIES.tsv holds 'qid<TAB>query' lines ('#' comments); each runs as AND and as ranked OR
 * (--any), with k = 10 and passages, and k = 100 without; then RANDOM boolean queries
 * (default 200) built with a fixed seed from the words of the file (every
 * STRIDE-th query of the file is run, default 1; all give words): NOT, OR with AND,
 * parentheses, title:, date: ranges, NEAR, prefixes, fuzzy words, quotes with an ellipsis
 * (and their hint when nothing matches), --exact-count. Each query of the file runs once
 * more, and half the random ones run, with one of: --offset, --sort date, --sort -date,
 * --proximity, --title-weight, both. Prints 'N passed, N failed'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "query.h"

static int fails, passes;

static bool same_spans(const search_highlight *a, uint32_t na, const search_highlight *b,
                       uint32_t nb)
{
    if (na != nb)
        return false;
    for (uint32_t i = 0; i < na; i++)
        if (a[i].start != b[i].start || a[i].end != b[i].end)
            return false;
    return true;
}

/* "" when equal, else what differs. */
static const char *compare(const search_result *one, const search_result *set, uint32_t *rank)
{
    *rank = 0;
    if (one->match_count_exact && set->match_count_exact && one->match_count != set->match_count)
        return "match count";
    if (!set->match_count_exact && set->match_count > one->match_count && one->match_count_exact)
        return "lower bound above the exact count";
    /* a lazy phrase's occurrences are given only when no document was skipped, which
     * depends on each index's pruning: compared when both are given */
    if (one->has_occurrences && set->has_occurrences &&
        one->occurrence_count != set->occurrence_count)
        return "occurrences";
    if (set->has_occurrences && one->match_count_exact && !one->has_occurrences)
        return "occurrences given by the set only, on an exact count";
    if ((one->hint == NULL) != (set->hint == NULL) ||
        (one->hint != NULL && strcmp(one->hint, set->hint) != 0))
        return "hint";
    if (one->fuzzy_count != set->fuzzy_count)
        return "fuzzy words";
    for (uint32_t i = 0; i < one->fuzzy_count; i++) {
        const search_fuzzy *a = &one->fuzzy[i], *b = &set->fuzzy[i];
        if (strcmp(a->word, b->word) != 0 || a->distance != b->distance ||
            a->lowered_from != b->lowered_from || a->searched != b->searched ||
            a->matched != b->matched)
            return "fuzzy expansion";
    }
    if (one->hit_count != set->hit_count)
        return "hit count";
    for (uint32_t i = 0; i < one->hit_count; i++) {
        const search_hit *a = &one->hits[i], *b = &set->hits[i];
        *rank = i + 1;
        if (a->external_id_len != b->external_id_len ||
            memcmp(a->external_id, b->external_id, a->external_id_len) != 0)
            return "id";
        if (a->score != b->score)
            return "score";
        if (a->title_len != b->title_len || memcmp(a->title, b->title, a->title_len) != 0 ||
            a->date != b->date)
            return "title or date";
        if (!same_spans(a->title_highlights, a->title_highlight_count, b->title_highlights,
                        b->title_highlight_count))
            return "title highlights";
        if (a->passage_count != b->passage_count)
            return "passage count";
        for (uint32_t k = 0; k < a->passage_count; k++) {
            const search_passage *p = &a->passages[k], *q = &b->passages[k];
            if (p->start != q->start || p->end != q->end || p->cut_before != q->cut_before ||
                p->cut_after != q->cut_after || strcmp(p->text, q->text) != 0 ||
                !same_spans(p->highlights, p->highlight_count, q->highlights, q->highlight_count))
                return "passage";
        }
    }
    return "";
}

/* The options a query runs with besides BM25 alone: none, --offset, --sort date, --sort
 * -date with --offset, --proximity, --title-weight, both with --offset. */
enum { PLAIN, OFFSET, DATE, DATE_DESC, PROXIMITY, TITLE, RESCORED, VARIANTS };
static const char *const variant_name[VARIANTS] = {
    "", " offset 7", " sort date", " sort -date offset 3", " proximity", " title-weight 2.5",
    " proximity title-weight 0.5 offset 4"};

static void check_as(searcher *set, searcher *one, const char *qid, const char *q, bool any,
                     uint32_t k, uint32_t passages, bool exhaustive, int variant)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.match_any = any;
    o.top_k = k;
    o.passages = passages;
    o.exhaustive = exhaustive;
    o.offset = variant == OFFSET ? 7 : variant == DATE_DESC ? 3 : variant == RESCORED ? 4 : 0;
    o.sort = variant == DATE        ? SEARCH_SORT_DATE
             : variant == DATE_DESC ? SEARCH_SORT_DATE_DESC
                                    : SEARCH_SORT_RELEVANCE;
    o.proximity = variant == PROXIMITY || variant == RESCORED;
    o.title_weight = variant == TITLE ? 2.5 : variant == RESCORED ? 0.5 : 1.0;
    search_result a = SEARCH_RESULT_INIT, b = SEARCH_RESULT_INIT;
    const int rb = search_query(&b, set, &o);
    char bmsg[512];
    snprintf(bmsg, sizeof bmsg, "%s", rb != QUIRE_OK ? quire_errmsg() : "");
    if (one != NULL) {
        const int ra = search_query(&a, one, &o);
        uint32_t rank = 0;
        const char *diff = ra != rb ? "status" : ra != QUIRE_OK ? "" : compare(&a, &b, &rank);
        if (ra != rb || (ra != QUIRE_OK && strcmp(quire_errmsg(), bmsg) != 0 &&
                         search_error_offset(one) != search_error_offset(set)))
            diff = "error";
        if (diff[0] != '\0') {
            fails++;
            if (fails <= 20)
                printf("FAIL %s %s k=%u%s%s: '%s': %s differs (rank %u)%s%s\n", qid,
                       any ? "any" : "all", (unsigned)k, exhaustive ? " exact" : "",
                       variant_name[variant], q, diff, (unsigned)rank,
                       rb != QUIRE_OK ? ": " : "", bmsg);
        } else {
            passes++;
        }
    }
    search_result_free(&a);
    search_result_free(&b);
}

static void check(searcher *set, searcher *one, const char *qid, const char *q, bool any,
                  uint32_t k, uint32_t passages, bool exhaustive)
{
    check_as(set, one, qid, q, any, k, passages, exhaustive, PLAIN);
}

/* `shape` with each "%s" replaced by the next of w[]. */
static void fill_shape(char *out, size_t cap, const char *shape, const char *const *w)
{
    size_t n = 0, k = 0;
    for (const char *p = shape; *p && n + 1 < cap; p++) {
        if (p[0] == '%' && p[1] == 's') {
            n += (size_t)snprintf(out + n, cap - n, "%s", w[k++]);
            p++;
            if (n >= cap)
                n = cap - 1;
            continue;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

static uint32_t seed = 20261203;

static uint32_t rnd(uint32_t n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: shard_check SET INDEX QUERIES.tsv [RANDOM]\n");
        return 2;
    }
    quire_comm *comm = NULL;
    if (quire_comm_start(&comm, &argc, &argv) != QUIRE_OK) {
        fprintf(stderr, "shard_check: %s\n", quire_errmsg());
        return 2;
    }
    const bool root = quire_comm_rank(comm) == 0;
    const long random = argc > 4 ? atol(argv[4]) : 200;
    const long stride = argc > 5 && atol(argv[5]) > 0 ? atol(argv[5]) : 1;
    long seen = 0;
    searcher *set = NULL, *one = NULL;
    if (search_open_shards(&set, argv[1], comm) != QUIRE_OK ||
        (root && search_open(&one, argv[2]) != QUIRE_OK)) {
        fprintf(stderr, "shard_check: %s\n", quire_errmsg());
        quire_comm_abort(comm, 2);
    }
    FILE *f = fopen(argv[3], "r");
    if (f == NULL) {
        perror(argv[3]);
        quire_comm_abort(comm, 2);
    }
    char line[4096];
    char **words = NULL;
    size_t nwords = 0, cap = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || tab == NULL)
            continue;
        *tab = '\0';
        const char *q = tab + 1;
        const bool run_it = seen++ % stride == 0;
        for (int any = 0; any < 2 && run_it; any++) {
            check(set, one, line, q, any, 10, 1, false);
            check(set, one, line, q, any, 100, 0, false);
        }
        /* and once with one of the other options, in turn */
        if (run_it)
            check_as(set, one, line, q, seen % 2 == 0, 10, 1, false,
                     1 + (int)((seen / stride) % (VARIANTS - 1)));
        /* plain words of the file, for the random queries */
        char copy[4096];
        snprintf(copy, sizeof copy, "%s", q);
        for (char *w = strtok(copy, " "); w != NULL; w = strtok(NULL, " ")) {
            bool plain = strlen(w) > 2;
            for (const char *c = w; *c && plain; c++)
                plain = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');
            if (!plain || strcmp(w, "NEAR") == 0)
                continue;
            if (nwords == cap) {
                cap = cap ? cap * 2 : 256;
                words = realloc(words, cap * sizeof *words);
            }
            words[nwords++] = strdup(w);
        }
    }
    fclose(f);
    static const char *const shapes[] = {
        "%s -%s",
        "(%s OR %s) %s",
        "%s NOT (%s OR %s)",
        "title:%s",
        "%s OR %s OR %s",
        "+%s %s %s",
        "%s NEAR/5 %s",
        "%s ONEAR/2 %s",
        "date:1987-03-01..1987-03-31 %s",
        "%s date:..1987-03-15 -%s",
        "~\"%s %s\"",
        "%s* %s",
        "%s~ %s",
        "%s~1 OR %s~ -%s",
        "\"%s ... %s\"",
        "\"%s %s ... %s\"",
    };
    for (long i = 0; i < random && nwords > 0; i++) {
        const char *shape = shapes[rnd(sizeof shapes / sizeof shapes[0])];
        const char *w1 = words[rnd((uint32_t)nwords)], *w2 = words[rnd((uint32_t)nwords)];
        const char *w3 = words[rnd((uint32_t)nwords)];
        char q[512], prefix[8];
        if (strstr(shape, "%s*") != NULL) {
            snprintf(prefix, sizeof prefix, "%.3s", w1);
            w1 = prefix;
        }
        const char *const w[] = {w1, w2, w3};
        fill_shape(q, sizeof q, shape, w);
        char qid[32];
        snprintf(qid, sizeof qid, "random-%ld", i);
        const bool any = rnd(2) == 1;
        const uint32_t k = 1 + rnd(50), passages = rnd(3) == 0 ? 2 : 0;
        const bool exhaustive = rnd(4) == 0;
        const uint32_t variant = rnd(2 * VARIANTS); /* half of them BM25 alone */
        check_as(set, one, qid, q, any, k, passages, exhaustive,
                 variant < VARIANTS ? (int)variant : PLAIN);
    }
    for (size_t i = 0; i < nwords; i++)
        free(words[i]);
    free(words);
    search_close(set);
    search_close(one);
    int code = 0;
    if (root) {
        printf("shard_check: %s, %u process%s: %d passed, %d failed\n", quire_comm_kind(comm),
               (unsigned)quire_comm_size(comm), quire_comm_size(comm) == 1 ? "" : "es", passes,
               fails);
        code = fails > 0 || passes == 0;
    }
    quire_comm_finish(comm);
    return code;
}
