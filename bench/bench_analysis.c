/*
 * bench_analysis.c - analyzer throughput: tokenize (and stem) a text file several times
 * and print the median MB/s. With --dump, print each token instead (for eyeballing).
 *
 *   bench_analysis [--no-stem] [--warm] [--runs N] FILE
 *   bench_analysis --dump FILE
 *
 * A real corpus is expected, e.g. the text fields of Reuters-21578 written one after
 * another to a file; the figure is bytes of that file per second on one core. Each run
 * uses a new analyzer (an empty stem cache, as one indexing job starts) unless --warm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quire/analysis.h"
#include "quire/cli.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    (void)fclose(f);
    *len = n;
    return buf;
}

enum { OPT_NO_STEM, OPT_WARM, OPT_DUMP, OPT_RUNS, OPT_HELP };

/* One table for parsing and --help (quire/cli.h, the style of every quire program). */
static const quire_cli_option options[] = {
    {OPT_NO_STEM, 0, "no-stem", NULL, "tokenize and fold only"},
    {OPT_WARM, 0, "warm", NULL, "one untimed pass first (the stem cache warm)"},
    {OPT_DUMP, 0, "dump", NULL, "print the tokens instead of timing"},
    {OPT_RUNS, 0, "runs", "N", "timed passes, 1..101 (default 7)"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
};

static const quire_cli bench_cli = {"bench_analysis", options, sizeof options / sizeof options[0],
                                    0};

typedef struct args {
    bool want_stem, dump, warm;
    int runs;
} args;

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_analysis [options] FILE\n\noptions:\n");
    quire_cli_print_options(&bench_cli, f);
}

static int apply(void *ctx, const quire_cli_option *o, const char *val)
{
    args *a = ctx;
    uint64_t n;
    switch (o->id) {
    case OPT_HELP:
        usage(stdout);
        return 1;
    case OPT_NO_STEM:
        a->want_stem = false;
        return 0;
    case OPT_WARM:
        a->warm = true;
        return 0;
    case OPT_DUMP:
        a->dump = true;
        return 0;
    case OPT_RUNS:
        if (quire_cli_uint(val, 1, 101, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--runs %s: expected 1 to 101", val);
        a->runs = (int)n;
        return 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    args a = {true, false, false, 7};
    int operands = 0;
    const int parsed = quire_cli_parse(&bench_cli, argc, argv, &operands, apply, &a);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    if (operands != 1) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[1];
    const bool want_stem = a.want_stem, dump = a.dump, warm = a.warm;
    const int runs = a.runs;
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "bench_analysis: cannot read %s\n", path);
        return 2;
    }
    quire_analyzer *an;
    if (quire_analyzer_new(&an, NULL) != QUIRE_OK) {
        fprintf(stderr, "bench_analysis: %s\n", quire_errmsg());
        free(text);
        return 2;
    }
    quire_token_iter it;
    quire_token tok;
    if (dump) {
        quire_tokens_begin(&it, an, text, len, 0, true);
        while (quire_tokens_next(&it, &tok))
            printf("%u\t%zu\t%zu\t%s\t%s\n", tok.pos, tok.byte_start, tok.byte_end, tok.form,
                   tok.stem);
        quire_analyzer_free(an);
        free(text);
        return 0;
    }
    double mbs[101];
    uint64_t tokens = 0;
    for (int r = 0; r < runs; r++) {
        if (!warm && r > 0) {
            quire_analyzer_free(an);
            if (quire_analyzer_new(&an, NULL) != QUIRE_OK) {
                fprintf(stderr, "bench_analysis: %s\n", quire_errmsg());
                free(text);
                return 2;
            }
        }
        const double t0 = now_s();
        tokens = 0;
        quire_tokens_begin(&it, an, text, len, 0, want_stem);
        while (quire_tokens_next(&it, &tok))
            tokens++;
        mbs[r] = (double)len / 1e6 / (now_s() - t0);
    }
    qsort(mbs, (size_t)runs, sizeof mbs[0], cmp_double);
    uint64_t calls, hits;
    quire_analyzer_stem_stats(an, &calls, &hits);
    printf("%zu bytes, %llu tokens, stem %s, cache %s: median %.1f MB/s over %d runs (min %.1f, "
           "max %.1f);"
           " stem calls %llu, hits %llu\n",
           len, (unsigned long long)tokens, want_stem ? "on" : "off", warm ? "warm" : "cold",
           mbs[runs / 2], runs, mbs[0], mbs[runs - 1], (unsigned long long)calls,
           (unsigned long long)hits);
    quire_analyzer_free(an);
    free(text);
    return 0;
}
