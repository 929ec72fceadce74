/*
 * bench_approx.c - approximate quotes and fuzzy words against the brute force they
 * replace, on a real index (bench/run_approx_bench.sh drives it):
 *
 *   bench_approx quotes INDEX FILE [--runs R] [--scan N]
 *       FILE: qid<TAB>"..."~ lines. Each query is run R times through the library
 *       (search_query, top 10, no passages): its median microseconds. The first N are also
 *       answered by a scan that scores every window of every document from the index's
 *       re-tokenized stored text (the dynamic programme of query/approx.h over each window
 *       starting on a token that is one of the quote's words; words classified by
 *       comparing forms, stems and distances), timed once; the documents it puts at the
 *       threshold or above must be the engine's (a mismatch is reported and exits 1).
 *       Prints qid, quire_us, scan_us (or -), matches.
 *   bench_approx fuzzy INDEX FILE [--runs R] [--scan N]
 *       FILE: qid<TAB>word~ lines. Each word's expansion (fuzzy_expand at its default
 *       distance) R times, its median microseconds, the keys read and seeks, against one
 *       scan of every form of the dictionary computing the distance (for the first N
 *       words, default all: --scan 0 times the walks alone, for profiling). Prints qid,
 *       distance, quire_us, scan_us (or -), keys, seeks, dictionary forms and matches
 *       (which must agree with the scan's).
 *
 * The scan loads every document's tokens once (before any timing), so it is timed on
 * scoring alone: the ratio is the pruning's, not the reading's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approx.h"
#include "fuzzy.h"
#include "query.h"
#include "quire/analysis.h"
#include "quire/cli.h"
#include "quire/index.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

/* ---- the scan's corpus: every document's forms and stems, interned ---- */

typedef struct intern {
    char **keys;
    uint32_t *ids;
    uint32_t cap, count;
    char **name; /* by id */
} intern;

static uint32_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return (uint32_t)h;
}

static uint32_t intern_get(intern *t, const char *s, size_t len, int insert)
{
    if (insert && t->count * 2 >= t->cap) {
        intern old = *t;
        t->cap = t->cap ? t->cap * 2 : 1u << 16;
        t->keys = calloc(t->cap, sizeof *t->keys);
        t->ids = calloc(t->cap, sizeof *t->ids);
        for (uint32_t i = 0; i < old.cap; i++)
            if (old.keys[i] != NULL) {
                uint32_t k = hash(old.keys[i], strlen(old.keys[i])) & (t->cap - 1);
                while (t->keys[k] != NULL)
                    k = (k + 1) & (t->cap - 1);
                t->keys[k] = old.keys[i];
                t->ids[k] = old.ids[i];
            }
        free(old.keys);
        free(old.ids);
    }
    if (t->cap == 0)
        return UINT32_MAX;
    for (uint32_t k = hash(s, len) & (t->cap - 1);; k = (k + 1) & (t->cap - 1)) {
        if (t->keys[k] == NULL) {
            if (!insert)
                return UINT32_MAX;
            t->keys[k] = strndup(s, len);
            t->ids[k] = t->count;
            t->name = realloc(t->name, ((size_t)t->count + 1) * sizeof *t->name);
            t->name[t->count] = t->keys[k];
            return t->count++;
        }
        if (strlen(t->keys[k]) == len && memcmp(t->keys[k], s, len) == 0)
            return t->ids[k];
    }
}

typedef struct sdoc {
    uint64_t doc_id;
    uint32_t count[2];
    uint32_t *form[2], *stem[2];
} sdoc;

typedef struct corpus {
    sdoc *docs;
    uint32_t count;
    intern forms, stems;
    uint32_t *stem_df;
} corpus;

static void load_field(sdoc *d, int f, quire_analyzer *an, corpus *c, const char *text, size_t len)
{
    uint32_t cap = 64, n = 0;
    d->form[f] = malloc(cap * sizeof(uint32_t));
    d->stem[f] = malloc(cap * sizeof(uint32_t));
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, len, 0, true);
    while (quire_tokens_next(&it, &tok)) {
        if (n == cap) {
            cap *= 2;
            d->form[f] = realloc(d->form[f], cap * sizeof(uint32_t));
            d->stem[f] = realloc(d->stem[f], cap * sizeof(uint32_t));
        }
        d->form[f][n] = intern_get(&c->forms, tok.form, tok.form_len, 1);
        d->stem[f][n] = intern_get(&c->stems, tok.stem, tok.stem_len, 1);
        n++;
    }
    d->count[f] = n;
}

static int load(corpus *c, const char *dir)
{
    memset(c, 0, sizeof *c);
    quire_index *ix;
    if (quire_index_open(&ix, dir, NULL) != QUIRE_OK)
        return -1;
    const quire_manifest *m = quire_index_manifest(ix);
    const quire_analyzer_opts opts = {m->language, m->keep_diacritics, 0};
    quire_analyzer *an;
    if (quire_analyzer_new(&an, &opts) != QUIRE_OK)
        return -1;
    c->docs = calloc(quire_index_doc_count(ix) + 1, sizeof *c->docs);
    quire_buf text = QUIRE_BUF_INIT;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        const quire_segment *seg = quire_index_segment(ix, s);
        for (uint32_t d = 0; d < quire_segment_get_stats(seg)->doc_count; d++) {
            if (quire_index_is_deleted(ix, s, d))
                continue;
            quire_doc_info info;
            text.len = 0;
            if (quire_segment_doc_info(seg, d, &info) != QUIRE_OK ||
                quire_segment_doc_text(seg, d, &text) != QUIRE_OK)
                return -1;
            sdoc *od = &c->docs[c->count++];
            od->doc_id = quire_index_doc_base(ix, s) + d;
            load_field(od, 0, an, c, (const char *)info.title.ptr, info.title.len);
            load_field(od, 1, an, c, text.len ? (const char *)text.data : "", text.len);
        }
    }
    c->stem_df = calloc(c->stems.count + 1, sizeof *c->stem_df);
    uint32_t *seen = calloc(c->stems.count + 1, sizeof *seen);
    for (uint32_t d = 0; d < c->count; d++)
        for (int f = 0; f < 2; f++)
            for (uint32_t k = 0; k < c->docs[d].count[f]; k++) {
                const uint32_t st = c->docs[d].stem[f][k];
                if (seen[st] != d + 1) {
                    seen[st] = d + 1;
                    c->stem_df[st]++;
                }
            }
    free(seen);
    quire_buf_free(&text);
    quire_analyzer_free(an);
    quire_index_close(ix);
    return 0;
}

/* The scan's closeness of every document for one quote, as query/approx.h defines it. */
static void scan(corpus *c, quire_analyzer *an, const char *body, size_t len, double threshold,
                 double *closeness)
{
    uint32_t m = 0;
    uint32_t qform[64], qstem[64];
    double w[64], total = 0;
    char qtext[64][QUIRE_MAX_TERM_BYTES + 8];
    bool capital[64];
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, body, len, 0, true);
    while (m < 64 && quire_tokens_next(&it, &tok)) {
        qform[m] = intern_get(&c->forms, tok.form, tok.form_len, 0);
        qstem[m] = intern_get(&c->stems, tok.stem, tok.stem_len, 0);
        snprintf(qtext[m], sizeof qtext[m], "%s", tok.form);
        capital[m] = body[tok.byte_start] >= 'A' && body[tok.byte_start] <= 'Z';
        double df = qstem[m] == UINT32_MAX ? 0 : c->stem_df[qstem[m]];
        if (df < 1)
            df = 1;
        w[m] = 1.0 + log(1.0 + ((double)c->count - df + 0.5) / (df + 0.5));
        total += w[m];
        m++;
    }
    /* variants of names: every distinct form of the corpus within distance 1 */
    uint64_t *variant = calloc(c->forms.count + 1, sizeof *variant);
    for (uint32_t i = 0; i < m; i++) {
        uint32_t cps[FUZZY_MAX_CHARS];
        const uint32_t nc = fuzzy_decode(cps, qtext[i], strlen(qtext[i]));
        if (!capital[i] || nc < APPROX_VARIANT_CHARS)
            continue;
        for (uint32_t f = 0; f < c->forms.count; f++) {
            uint32_t fc[FUZZY_MAX_CHARS];
            const uint32_t n = fuzzy_decode(fc, c->forms.name[f], strlen(c->forms.name[f]));
            if (fuzzy_distance(fc, n, cps, nc, APPROX_NAME_DISTANCE) <= APPROX_NAME_DISTANCE)
                variant[f] |= 1ull << i;
        }
    }
    const uint32_t L = m + m / 2 + 2;
    const double cost = APPROX_INSERT_COST * total / m;
    double prev[65], cur[65];
    for (uint32_t d = 0; d < c->count; d++) {
        double best = -1e300;
        const sdoc *od = &c->docs[d];
        for (int f = 0; f < 2; f++) {
            const uint32_t n = od->count[f];
            for (uint32_t a = 0; a < n; a++) {
                bool any = variant[od->form[f][a]] != 0;
                for (uint32_t i = 0; i < m && !any; i++)
                    any = od->form[f][a] == qform[i] || od->stem[f][a] == qstem[i];
                if (!any)
                    continue; /* dominated by the window one token shorter */
                const uint32_t len_w = n - a < L ? n - a : L;
                for (uint32_t i = 0; i <= m; i++)
                    prev[i] = 0;
                for (uint32_t j = 1; j <= len_w; j++) {
                    const uint32_t fo = od->form[f][a + j - 1], st = od->stem[f][a + j - 1];
                    cur[0] = prev[0] - cost;
                    for (uint32_t i = 1; i <= m; i++) {
                        const double g = w[i - 1] * (fo == qform[i - 1]             ? 1.0
                                                     : st == qstem[i - 1]           ? 0.9
                                                     : (variant[fo] >> (i - 1)) & 1 ? 0.8
                                                                                    : 0.0);
                        double v = cur[i - 1];
                        if (prev[i] - cost > v)
                            v = prev[i] - cost;
                        if (prev[i - 1] + g > v)
                            v = prev[i - 1] + g;
                        cur[i] = v;
                    }
                    if (cur[m] > best)
                        best = cur[m];
                    memcpy(prev, cur, sizeof prev);
                }
            }
        }
        closeness[d] = best / total;
    }
    (void)threshold;
    free(variant);
}

static int quotes(const char *index, const char *file, int runs, int scan_n)
{
    searcher *s;
    if (search_open(&s, index) != QUIRE_OK) {
        fprintf(stderr, "bench_approx: %s\n", quire_errmsg());
        return 2;
    }
    corpus c;
    quire_analyzer *an = NULL;
    if (scan_n > 0) {
        if (load(&c, index) != 0) {
            fprintf(stderr, "bench_approx: cannot load %s\n", index);
            return 2;
        }
        const quire_analyzer_opts opts = {"english", false, 0};
        if (quire_analyzer_new(&an, &opts) != QUIRE_OK)
            return 2;
    }
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        perror(file);
        return 2;
    }
    char line[16384];
    int done = 0, bad = 0;
    double *closeness = scan_n > 0 ? malloc((c.count + 1) * sizeof *closeness) : NULL;
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || tab == NULL)
            continue;
        *tab = '\0';
        char *q = tab + 1;
        q[strcspn(q, "\r\n")] = '\0';
        search_options o;
        search_options_init(&o);
        o.query = q;
        o.query_len = strlen(q);
        o.top_k = 10;
        double t[64];
        search_result r;
        uint64_t matches = 0;
        for (int i = 0; i < runs; i++) {
            const double t0 = now_us();
            if (search_query(&r, s, &o) != QUIRE_OK) {
                fprintf(stderr, "bench_approx: %s: %s\n", line, quire_errmsg());
                return 2;
            }
            t[i] = now_us() - t0;
            matches = r.match_count;
            if (i + 1 < runs)
                search_result_free(&r);
        }
        printf("%s\t%.1f", line, median(t, runs));
        if (done < scan_n) {
            /* the quote's body: between its quotes */
            const char *open = strchr(q, '"'), *close = strrchr(q, '"');
            const double t0 = now_us();
            scan(&c, an, open + 1, (size_t)(close - open - 1), r.quotes[0].threshold, closeness);
            const double ts = now_us() - t0;
            uint64_t above = 0;
            for (uint32_t d = 0; d < c.count; d++)
                above += closeness[d] >= r.quotes[0].threshold - 1e-9;
            if (above != matches) {
                fprintf(stderr, "bench_approx: %s: the scan finds %llu, quire %llu\n", line,
                        (unsigned long long)above, (unsigned long long)matches);
                bad++;
            }
            printf("\t%.1f", ts);
        } else {
            printf("\t-");
        }
        printf("\t%llu\n", (unsigned long long)matches);
        fflush(stdout);
        search_result_free(&r);
        done++;
    }
    fclose(f);
    free(closeness);
    quire_analyzer_free(an);
    search_close(s);
    return bad ? 1 : 0;
}

/* The brute force a walk replaces: every form of every segment scored, those within dist
 * counted into *count. */
static int scan_dictionary(const quire_index *ix, const uint32_t *cps, uint32_t n, uint32_t dist,
                           uint32_t *count)
{
    *count = 0;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        quire_segment_term_iter it;
        quire_bytes k;
        quire_term term;
        const int rc = quire_segment_terms_seek(&it, quire_index_segment(ix, s), QUIRE_TERM_FORM,
                                                quire_bytes_of("", 0));
        if (rc != QUIRE_OK)
            return rc;
        while (quire_segment_terms_next(&it, &k, &term) == QUIRE_OK) {
            uint32_t kc[FUZZY_MAX_CHARS];
            const uint32_t kn = fuzzy_decode(kc, (const char *)k.ptr, k.len);
            *count += fuzzy_distance(kc, kn, cps, n, dist) <= dist;
        }
    }
    return QUIRE_OK;
}

static int fuzzy(const char *index, const char *file, int runs, int scan_n)
{
    quire_index *ix;
    if (quire_index_open(&ix, index, NULL) != QUIRE_OK) {
        fprintf(stderr, "bench_approx: %s\n", quire_errmsg());
        return 2;
    }
    /* the dictionary decoded once, for the scan */
    uint64_t forms = 0;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++)
        forms += quire_segment_get_stats(quire_index_segment(ix, s))->form_count;
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        perror(file);
        return 2;
    }
    char line[4096];
    int bad = 0, refused = 0, lowered = 0, done = 0;
    while (fgets(line, sizeof line, f)) {
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || tab == NULL)
            continue;
        *tab = '\0';
        char *word = tab + 1;
        word[strcspn(word, "~\r\n")] = '\0';
        uint32_t cps[FUZZY_MAX_CHARS];
        const uint32_t n = fuzzy_decode(cps, word, strlen(word));
        int dist = fuzzy_default_distance(n);
        if (dist < 0)
            dist = 0;
        double t[64];
        fuzzy_expansion e;
        arena a = ARENA_INIT;
        bool failed = false;
        int used = dist;
        for (int i = 0; i < runs && !failed; i++) {
            arena_free(&a);
            const double t0 = now_us();
            /* as quire-query resolves word~: past the cap, the next smaller distance */
            used = dist;
            int rc;
            while ((rc = fuzzy_expand(&e, &a, ix, word, strlen(word), (uint32_t)used,
                                      FUZZY_MAX_FORMS)) == QUIRE_ELIMIT &&
                   used > 0)
                used--;
            if (rc != QUIRE_OK) {
                fprintf(stderr, "bench_approx: %s: %s\n", word, quire_errmsg());
                failed = true;
            }
            t[i] = now_us() - t0;
        }
        if (failed) {
            refused++;
            arena_free(&a);
            continue;
        }
        if (used != dist)
            lowered++;
        dist = used;
        printf("%s\t%d\t%.1f", line, dist, median(t, runs));
        if (scan_n < 0 || done < scan_n) {
            done++;
            const double t0 = now_us();
            uint32_t scanned;
            if (scan_dictionary(ix, cps, n, (uint32_t)dist, &scanned) != QUIRE_OK)
                return 2;
            printf("\t%.1f", now_us() - t0);
            if (quire_index_segment_count(ix) == 1 && scanned != e.matched) {
                fprintf(stderr, "bench_approx: %s: the scan finds %u forms, the walk %u\n", word,
                        scanned, e.matched);
                bad++;
            }
        } else {
            printf("\t-");
        }
        printf("\t%llu\t%llu\t%llu\t%u\n", (unsigned long long)e.stats.keys,
               (unsigned long long)e.stats.seeks, (unsigned long long)forms, e.matched);
        fflush(stdout);
        arena_free(&a);
    }
    printf("# lowered (more than %u forms within the default distance): %d\n", FUZZY_MAX_SCAN,
           lowered);
    printf("# refused: %d\n", refused);
    fclose(f);
    quire_index_close(ix);
    return bad ? 1 : 0;
}

enum { OPT_RUNS, OPT_SCAN, OPT_HELP };

/* One table for parsing and --help (quire/cli.h, the style of every quire program). */
static const quire_cli_option options[] = {
    {OPT_RUNS, 0, "runs", "R",
     "passes over the queries, 1..64 (default 5); a query's time is its median"},
    {OPT_SCAN, 0, "scan", "N",
     "quotes: also scan every window of every document for the first N quotes (the oracle); "
     "fuzzy: scan the dictionary for the first N words only (default all)"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
};

static const quire_cli bench_cli = {"bench_approx", options, sizeof options / sizeof options[0], 0};

typedef struct args {
    int runs, scan_n;
} args;

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_approx quotes INDEX FILE [--runs R] [--scan N]\n"
               "       bench_approx fuzzy INDEX FILE [--runs R] [--scan N]\n\noptions:\n");
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
    case OPT_RUNS:
        if (quire_cli_uint(val, 1, 64, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--runs %s: expected 1 to 64", val);
        a->runs = (int)n;
        return 0;
    case OPT_SCAN:
        if (quire_cli_uint(val, 0, 1000000, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--scan %s: expected a count", val);
        a->scan_n = (int)n;
        return 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    args a = {5, -1}; /* scan_n -1: not given */
    int operands = 0;
    const int parsed = quire_cli_parse(&bench_cli, argc, argv, &operands, apply, &a);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    if (operands != 3) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "quotes") == 0)
        return quotes(argv[2], argv[3], a.runs, a.scan_n < 0 ? 0 : a.scan_n);
    if (strcmp(argv[1], "fuzzy") == 0)
        return fuzzy(argv[2], argv[3], a.runs, a.scan_n);
    fprintf(stderr, "bench_approx: unknown mode %s (quotes or fuzzy)\n", argv[1]);
    return 2;
}
