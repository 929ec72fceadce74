/*
 * bench_postings.c - decode speed of the postings codec on synthetic data (a seeded
 * generator, not a real corpus: say so wherever these figures go). Writes one long term
 * through the real writer into a temp dir, then times next() over it, advance() with
 * strides, and positions(); reports the median of 7 runs and the bytes per posting.
 *
 * Built by bench/CMakeLists.txt against quire_format (QUIRE_BENCH=ON):
 *
 *   cmake -S . -B bench/build -DCMAKE_BUILD_TYPE=Release && cmake --build bench/build \
 *       --target bench_postings && bench/build/bench/bench_postings [postings]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quire/fileio.h"
#include "quire/postings.h"

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define RUNS 7

static void die(const char *what)
{
    fprintf(stderr, "bench_postings: %s: %s\n", what, quire_errmsg());
    exit(2);
}

int main(int argc, char **argv)
{
    uint32_t df = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000000;
    char dir[] = "/tmp/quire-bench-XXXXXX", doc_path[64], pos_path[64];
    if (!mkdtemp(dir))
        return 2;
    snprintf(doc_path, sizeof doc_path, "%s/b.doc", dir);
    snprintf(pos_path, sizeof pos_path, "%s/b.pos", dir);
    quire_sink doc, pos;
    quire_postings_writer *w;
    if (quire_sink_open(&doc, doc_path) || quire_sink_open(&pos, pos_path) ||
        quire_postings_writer_new(&w, &doc, &pos))
        die("open");
    uint64_t rng = 1, d = 0;
    uint32_t positions[64];
    quire_postings_meta m;
    quire_postings_begin(w, true);
    for (uint32_t i = 0; i < df; i++) {
        d += 1 + rng_next(&rng) % 8; /* a frequent term: in ~1 doc of 4.5 */
        uint32_t r = (uint32_t)(rng_next(&rng) % 10);
        uint32_t tf = r < 7 ? 1 : r < 9 ? 2 : 1 + (uint32_t)(rng_next(&rng) % 40);
        uint32_t p = (uint32_t)(rng_next(&rng) % 300);
        for (uint32_t k = 0; k < tf; k++) {
            positions[k] = p;
            p += 1 + (uint32_t)(rng_next(&rng) % 30);
        }
        if (quire_postings_add(w, (uint32_t)d, tf, positions, p + 10))
            die("add");
    }
    if (quire_postings_end(w, &m) || quire_sink_finish(&doc) || quire_sink_finish(&pos))
        die("write");
    quire_postings_writer_free(w);
    quire_map dm, pm;
    if (quire_map_open(&dm, doc_path) || quire_map_open(&pm, pos_path))
        die("map");
    printf("synthetic term: %u postings, cf %llu, doc ids up to %llu\n", df,
           (unsigned long long)m.cf, (unsigned long long)d);
    printf("size: %.3f bytes/posting (.doc), %.3f bytes/position (.pos)\n",
           (double)m.doc_len / df, (double)m.pos_len / (double)m.cf);

    double t_next[RUNS], t_adv[RUNS], t_pos[RUNS];
    uint64_t check = 0, adv_hits = 0, pos_seen = 0;
    for (int r = 0; r < RUNS; r++) {
        quire_postings_cursor c;
        if (quire_postings_open(&c, dm.bytes, pm.bytes, &m))
            die("cursor");
        double t0 = now();
        uint64_t sum = 0;
        while (1) {
            if (quire_postings_next(&c))
                die("next");
            if (c.doc == QUIRE_DOC_END)
                break;
            sum += c.doc + c.tf;
        }
        t_next[r] = (now() - t0) / df * 1e9;
        check += sum;
        quire_postings_close(&c);

        if (quire_postings_open(&c, dm.bytes, pm.bytes, &m))
            die("cursor");
        t0 = now();
        uint64_t hits = 0;
        for (uint64_t target = 0; target < d; target += 1000) {
            if (quire_postings_advance(&c, (uint32_t)target))
                die("advance");
            hits++;
        }
        t_adv[r] = (now() - t0) / (double)hits * 1e9;
        adv_hits = hits;
        quire_postings_close(&c);

        if (quire_postings_open(&c, dm.bytes, pm.bytes, &m))
            die("cursor");
        t0 = now();
        uint64_t seen = 0;
        while (1) {
            if (quire_postings_next(&c))
                die("next");
            if (c.doc == QUIRE_DOC_END)
                break;
            const uint32_t *pp;
            uint32_t n;
            if (quire_postings_positions(&c, &pp, &n))
                die("positions");
            seen += n + pp[n - 1];
        }
        t_pos[r] = (now() - t0) / df * 1e9;
        pos_seen = seen;
        quire_postings_close(&c);
    }
    qsort(t_next, RUNS, sizeof(double), cmp_double);
    qsort(t_adv, RUNS, sizeof(double), cmp_double);
    qsort(t_pos, RUNS, sizeof(double), cmp_double);
    printf("next():              %.2f ns/posting (median of %d)\n", t_next[RUNS / 2], RUNS);
    printf("advance(+1000 ids):  %.1f ns/call over %llu calls\n", t_adv[RUNS / 2],
           (unsigned long long)adv_hits);
    printf("next()+positions():  %.2f ns/posting\n", t_pos[RUNS / 2]);
    printf("(checksums %llu %llu)\n", (unsigned long long)check, (unsigned long long)pos_seen);
    quire_map_close(&dm);
    quire_map_close(&pm);
    unlink(doc_path);
    unlink(pos_path);
    rmdir(dir);
    return 0;
}
