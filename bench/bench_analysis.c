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

int main(int argc, char **argv)
{
    bool want_stem = true, dump = false, warm = false;
    int runs = 7;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-stem") == 0)
            want_stem = false;
        else if (strcmp(argv[i], "--warm") == 0)
            warm = true;
        else if (strcmp(argv[i], "--dump") == 0)
            dump = true;
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else
            path = argv[i];
    }
    if (!path || runs < 1 || runs > 101) {
        fprintf(stderr, "usage: bench_analysis [--no-stem] [--runs N] [--dump] FILE\n");
        return 2;
    }
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
