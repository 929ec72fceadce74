/*
 * peer_common.c - JSON Lines reading and the run harness for the peer indexers. See
 * peer_common.h.
 */
/* nftw (XSI) and wait4 (BSD) are not in plain POSIX 2008. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE 1

#include "peer_common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define MIB (1024.0 * 1024.0)
#define MAX_RUNS 100
#define MAX_OPTS 16

/* ---- JSON Lines ---- */

typedef struct strbuf {
    char *p;
    size_t len, cap;
} strbuf;

static int sb_reserve(strbuf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np)
        return -1;
    b->p = np;
    b->cap = cap;
    return 0;
}

static void sb_put_utf8(strbuf *b, uint32_t cp)
{
    if (cp < 0x80) {
        b->p[b->len++] = (char)cp;
    } else if (cp < 0x800) {
        b->p[b->len++] = (char)(0xC0 | (cp >> 6));
        b->p[b->len++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        b->p[b->len++] = (char)(0xE0 | (cp >> 12));
        b->p[b->len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b->p[b->len++] = (char)(0x80 | (cp & 0x3F));
    } else {
        b->p[b->len++] = (char)(0xF0 | (cp >> 18));
        b->p[b->len++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b->p[b->len++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b->p[b->len++] = (char)(0x80 | (cp & 0x3F));
    }
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
    if (end - p < 4)
        return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* p at the opening quote; decodes into b (may be NULL to skip). Returns past the closing
 * quote, or NULL. */
static const char *json_string(const char *p, const char *end, strbuf *b)
{
    if (p >= end || *p != '"')
        return NULL;
    p++;
    if (b)
        b->len = 0;
    while (p < end) {
        const char *run = p;
        while (p < end && *p != '"' && *p != '\\')
            p++;
        if (b && p > run) {
            if (sb_reserve(b, (size_t)(p - run)))
                return NULL;
            memcpy(b->p + b->len, run, (size_t)(p - run));
            b->len += (size_t)(p - run);
        }
        if (p >= end)
            return NULL;
        if (*p == '"') {
            if (b) {
                if (sb_reserve(b, 0))
                    return NULL;
                b->p[b->len] = '\0';
            }
            return p + 1;
        }
        p++; /* backslash */
        if (p >= end)
            return NULL;
        char c = *p++;
        uint32_t cp;
        switch (c) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (hex4(p, end, &cp))
                return NULL;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                uint32_t lo;
                if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && !hex4(p + 2, end, &lo) &&
                    lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                cp = 0xFFFD;
            }
            break;
        default: return NULL;
        }
        if (b) {
            if (sb_reserve(b, 4))
                return NULL;
            sb_put_utf8(b, cp);
        }
    }
    return NULL;
}

/* Skips a scalar value (number, true, false, null). */
static const char *json_skip_scalar(const char *p, const char *end)
{
    while (p < end && *p != ',' && *p != '}' && *p != ' ' && *p != '\t')
        p++;
    return p;
}

typedef struct line_state {
    strbuf key, id, title, text;
} line_state;

static int parse_line(line_state *st, const char *p, const char *end, peer_doc *d)
{
    bool have_id = false, have_text = false;
    st->title.len = 0;
    if (sb_reserve(&st->title, 0))
        return -1;
    st->title.p[0] = '\0';
    p = skip_ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p = skip_ws(p + 1, end);
    while (p < end && *p != '}') {
        if (!(p = json_string(p, end, &st->key)))
            return -1;
        p = skip_ws(p, end);
        if (p >= end || *p != ':')
            return -1;
        p = skip_ws(p + 1, end);
        strbuf *into = NULL;
        if (strcmp(st->key.p, "id") == 0) {
            into = &st->id;
            have_id = true;
        } else if (strcmp(st->key.p, "title") == 0) {
            into = &st->title;
        } else if (strcmp(st->key.p, "text") == 0) {
            into = &st->text;
            have_text = true;
        }
        if (p < end && *p == '"')
            p = json_string(p, end, into);
        else if (into)
            return -1;
        else
            p = json_skip_scalar(p, end);
        if (!p)
            return -1;
        p = skip_ws(p, end);
        if (p < end && *p == ',')
            p = skip_ws(p + 1, end);
    }
    if (!have_id || !have_text)
        return -1;
    d->id = st->id.p;
    d->id_len = st->id.len;
    d->title = st->title.p;
    d->title_len = st->title.len;
    d->text = st->text.p;
    d->text_len = st->text.len;
    return 0;
}

int peer_read_jsonl(const char *path, peer_doc_fn fn, void *ctx, uint64_t *skipped)
{
    gzFile g = gzopen(path, "rb");
    if (!g) {
        fprintf(stderr, "peer: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    (void)gzbuffer(g, 1 << 17);
    strbuf line = {0};
    line_state st;
    memset(&st, 0, sizeof st);
    int rc = 0;
    size_t start = 0; /* start of the unconsumed part of line */
    for (;;) {
        if (sb_reserve(&line, 1 << 16)) {
            rc = -1;
            break;
        }
        int k = gzread(g, line.p + line.len, (unsigned)(line.cap - line.len - 1));
        if (k < 0) {
            int e;
            fprintf(stderr, "peer: read %s: %s\n", path, gzerror(g, &e));
            rc = -1;
            break;
        }
        size_t scan_from = line.len;
        line.len += (size_t)k;
        bool eof = k == 0;
        char *nl;
        size_t pos = scan_from > start ? scan_from : start;
        while ((nl = memchr(line.p + pos, '\n', line.len - pos)) != NULL ||
               (eof && start < line.len)) {
            const char *ls = line.p + start;
            const char *le = nl ? nl : line.p + line.len;
            peer_doc d;
            if (le > ls) {
                if (parse_line(&st, ls, le, &d) == 0) {
                    if (fn(ctx, &d) != 0) {
                        rc = -1;
                        goto done;
                    }
                } else {
                    (*skipped)++;
                }
            }
            start = nl ? (size_t)(nl - line.p) + 1 : line.len;
            pos = start;
        }
        if (eof)
            break;
        /* move the partial line to the front */
        memmove(line.p, line.p + start, line.len - start);
        line.len -= start;
        start = 0;
    }
done:
    gzclose(g);
    free(line.p);
    free(st.key.p);
    free(st.id.p);
    free(st.title.p);
    free(st.text.p);
    return rc;
}

/* ---- harness (as bench_index.c) ---- */

typedef struct child_result {
    int rc;
    double wall_s;
    uint64_t dir_bytes;
    peer_result r;
} child_result;

typedef struct run_record {
    child_result c;
    double user_s, sys_s, maxrss_mb;
} run_record;

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

static double median(const double *v, int n)
{
    double tmp[MAX_RUNS];
    memcpy(tmp, v, (size_t)n * sizeof *tmp);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static double extreme(const double *v, int n, int sign)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        if ((v[i] - m) * sign > 0)
            m = v[i];
    return m;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    (void)remove(path);
    return 0;
}

static void rm_tree(const char *dir)
{
    (void)nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t du_sum;
static int du_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (flag == FTW_F)
        du_sum += (uint64_t)st->st_size;
    return 0;
}

static int one_run(peer_index_fn fn, const char *const *inputs, size_t ninputs,
                   const char *const *opts, size_t nopts, const char *tmp_root,
                   const char *keep, run_record *rec)
{
    char dir[4096];
    if (keep) {
        rm_tree(keep);
        if (mkdir(keep, 0777) != 0) {
            fprintf(stderr, "peer: mkdir %s: %s\n", keep, strerror(errno));
            return -1;
        }
        snprintf(dir, sizeof dir, "%s", keep);
    } else {
        snprintf(dir, sizeof dir, "%s/quire-bench-peer-XXXXXX", tmp_root);
        if (!mkdtemp(dir)) {
            fprintf(stderr, "peer: mkdtemp: %s\n", strerror(errno));
            return -1;
        }
    }
    int p[2];
    if (pipe(p) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        child_result c;
        memset(&c, 0, sizeof c);
        double t0 = now_s();
        c.rc = fn(dir, inputs, ninputs, opts, nopts, &c.r);
        c.wall_s = now_s() - t0;
        du_sum = 0;
        (void)nftw(dir, du_entry, 16, FTW_PHYS);
        c.dir_bytes = du_sum;
        _exit(write(p[1], &c, sizeof c) == (ssize_t)sizeof c ? 0 : 3);
    }
    close(p[1]);
    memset(rec, 0, sizeof *rec);
    ssize_t got = read(p[0], &rec->c, sizeof rec->c);
    close(p[0]);
    int status;
    struct rusage ru;
    pid_t w;
    while ((w = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
        ;
    if (!keep)
        rm_tree(dir);
    if (w < 0 || got != (ssize_t)sizeof rec->c || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0 || rec->c.rc != 0) {
        fprintf(stderr, "peer: run failed\n");
        return -1;
    }
    rec->user_s = tv_s(ru.ru_utime);
    rec->sys_s = tv_s(ru.ru_stime);
    rec->maxrss_mb = (double)ru.ru_maxrss / 1024.0;
    return 0;
}

int peer_main(int argc, char **argv, const char *name, const char *config, peer_index_fn fn)
{
    int runs = 3;
    const char *warmup = "full", *keep = NULL;
    const char *tmp_root = getenv("TMPDIR");
    if (!tmp_root || !*tmp_root)
        tmp_root = "/tmp";
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    const char *opts[MAX_OPTS];
    size_t ninputs = 0, nopts = 0;
    if (!inputs)
        return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--runs") == 0 && val) {
            runs = atoi(val);
            i++;
        } else if (strcmp(a, "--warmup") == 0 && val) {
            warmup = val;
            i++;
        } else if (strcmp(a, "--tmp") == 0 && val) {
            tmp_root = val;
            i++;
        } else if (strcmp(a, "--keep") == 0 && val) {
            keep = val;
            i++;
        } else if (strcmp(a, "--opt") == 0 && val && nopts < MAX_OPTS) {
            opts[nopts++] = val;
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr,
                    "usage: %s [--runs N] [--warmup full|read|none] [--tmp DIR] [--keep DIR] "
                    "[--opt X]... CORPUS...\n",
                    name);
            return 2;
        } else {
            inputs[ninputs++] = a;
        }
    }
    if (ninputs == 0 || runs < 1 || runs > MAX_RUNS) {
        fprintf(stderr, "%s: need CORPUS... and 1 <= --runs <= %d\n", name, MAX_RUNS);
        return 2;
    }
    double load[3] = {-1, -1, -1};
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fscanf(lf, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = -1;
        fclose(lf);
    }
    if (strcmp(warmup, "full") == 0) {
        run_record w;
        fprintf(stderr, "%s: warm-up run (untimed)...\n", name);
        if (one_run(fn, inputs, ninputs, opts, nopts, tmp_root, NULL, &w) != 0)
            return 1;
    } else if (strcmp(warmup, "read") == 0) {
        static char buf[1 << 20];
        for (size_t i = 0; i < ninputs; i++) {
            int fd = open(inputs[i], O_RDONLY);
            if (fd >= 0) {
                while (read(fd, buf, sizeof buf) > 0)
                    ;
                close(fd);
            }
        }
    }
    static run_record rec[MAX_RUNS];
    double secs[MAX_RUNS], cpu[MAX_RUNS], rss[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        fprintf(stderr, "%s: run %d of %d...\n", name, r + 1, runs);
        if (one_run(fn, inputs, ninputs, opts, nopts, tmp_root, r == runs - 1 ? keep : NULL,
                    &rec[r]) != 0)
            return 1;
        secs[r] = rec[r].c.wall_s;
        cpu[r] = rec[r].user_s + rec[r].sys_s;
        rss[r] = rec[r].maxrss_mb;
    }
    const child_result *last = &rec[runs - 1].c;
    double text_mb = (double)last->r.text_bytes / MIB;
    double med = median(secs, runs), med_cpu = median(cpu, runs);
    printf("### %s:", name);
    for (size_t i = 0; i < ninputs; i++) {
        const char *base = inputs[i], *slash = strrchr(base, '/');
        if (slash) {
            const char *p = slash;
            while (p > inputs[i] && p[-1] != '/')
                p--;
            base = p;
        }
        printf(" %s", base);
    }
    printf(", %s", config);
    for (size_t i = 0; i < nopts; i++)
        printf(" %s", opts[i]);
    printf("\n\n%d timed run%s after warm-up '%s', one thread; load average before: %.2f %.2f "
           "%.2f. MB = 2^20 bytes.\n\n",
           runs, runs == 1 ? "" : "s", warmup, load[0], load[1], load[2]);
    printf("| figure | value |\n|---|---|\n");
    printf("| text analysed (title + text) | %.2f MB |\n", text_mb);
    printf("| documents | %llu (%llu lines skipped) |\n", (unsigned long long)last->r.docs,
           (unsigned long long)last->r.skipped);
    printf("| seconds, median (min - max) | %.3f (%.3f - %.3f) |\n", med,
           extreme(secs, runs, -1), extreme(secs, runs, 1));
    printf("| **MB/s of text** (median) | **%.2f** |\n", med > 0 ? text_mb / med : 0);
    printf("| docs/s (median) | %.0f |\n", med > 0 ? (double)last->r.docs / med : 0);
    printf("| CPU user+sys per run, median | %.3f s |\n", med_cpu);
    printf("| CPU-seconds per MB of text | %.4f (= %.2f MB/s per busy core) |\n",
           text_mb > 0 ? med_cpu / text_mb : 0, med_cpu > 0 ? text_mb / med_cpu : 0);
    printf("| **peak RSS** (max over runs) | **%.1f MB** |\n", extreme(rss, runs, 1));
    double all_mb = (double)last->dir_bytes / MIB;
    printf("| index in all (every file) | %.2f MB (%.1f%% of text) |\n", all_mb,
           text_mb > 0 ? 100.0 * all_mb / text_mb : 0);
    if (last->r.index_no_text_bytes) {
        double nt = (double)last->r.index_no_text_bytes / MIB;
        printf("| **index without stored text** | **%.2f MB (%.1f%% of text)**: %s |\n", nt,
               text_mb > 0 ? 100.0 * nt / text_mb : 0, last->r.no_text_note);
    } else if (last->r.no_text_note[0]) {
        printf("| index without stored text | %s |\n", last->r.no_text_note);
    }
    printf("\n| run | wall s | user s | sys s | peak RSS MB |\n|---|---|---|---|---|\n");
    for (int r = 0; r < runs; r++)
        printf("| %d | %.3f | %.3f | %.3f | %.1f |\n", r + 1, secs[r], rec[r].user_s,
               rec[r].sys_s, rec[r].maxrss_mb);
    printf("\n");
    free(inputs);
    return 0;
}
