/*
 * search_common.h - what the peers' query programs (xapian_search.cc, fts5_search.c)
 * share: the command line, the 'qid<TAB>query' file (as quire-query --batch reads it) and
 * the per-query clock, so that all three engines are timed the same way: one process, a
 * monotonic clock read before the query is parsed and after its results (ids and scores)
 * have been fetched and printed as a TREC run.
 *
 *   PROGRAM [-k N] [--timings FILE] [--tag T] [--and] [--snippets] INDEX QUERIES
 *
 * --snippets: each hit also gets the engine's own snippet of its text (about 240 bytes,
 * matches marked), printed after a tab on its TREC line (for the latency benchmark only).
 */
#ifndef QUIRE_BENCH_SEARCH_COMMON_H
#define QUIRE_BENCH_SEARCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct search_args {
    unsigned k;
    const char *timings, *tag, *index, *queries;
    int and_default; /* --and: words without an operator are ANDed (default: OR) */
    int snippets;    /* --snippets */
} search_args;

static inline double search_now_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Returns 0, or 2 after a usage message. */
static inline int search_parse_args(search_args *a, int argc, char **argv, const char *name)
{
    a->k = 10;
    a->timings = NULL;
    a->tag = name;
    a->index = a->queries = NULL;
    a->and_default = 0;
    a->snippets = 0;
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-k") == 0 && i + 1 < argc) {
            a->k = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--timings") == 0 && i + 1 < argc) {
            a->timings = argv[++i];
        } else if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc) {
            a->tag = argv[++i];
        } else if (strcmp(argv[i], "--and") == 0) {
            a->and_default = 1;
        } else if (strcmp(argv[i], "--snippets") == 0) {
            a->snippets = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            pos = -100;
        } else if (pos == 0) {
            a->index = argv[i], pos++;
        } else if (pos == 1) {
            a->queries = argv[i], pos++;
        } else {
            pos = -100;
        }
    }
    if (pos != 2 || a->k == 0) {
        fprintf(stderr,
                "usage: %s [-k N] [--timings FILE] [--tag T] [--and] [--snippets] INDEX QUERIES\n",
                name);
        return 2;
    }
    return 0;
}

/* Print s with control characters (line breaks...) as spaces: one hit, one line. */
static inline void search_print_clean(const char *s)
{
    for (; *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

/* Split a 'qid<TAB>query' line in place (newline removed). Returns 0, 1 to skip it (blank or
 * '#'), or -1 when it has no tab. */
static inline int search_split_line(char *line, char **qid, char **query)
{
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (len == 0 || line[0] == '#')
        return 1;
    char *tab = strchr(line, '\t');
    if (tab == NULL)
        return -1;
    *tab = '\0';
    *qid = line;
    *query = tab + 1;
    return 0;
}

#endif
