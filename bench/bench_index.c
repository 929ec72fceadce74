/*
 * bench_index.c - whole indexing runs on a real corpus: MB/s, docs/s, CPU time, peak RSS
 * and the index size by component as a share of the input text. Prints Markdown tables
 * (for bench/RESULTS.md).
 *
 *   bench_index [--runs N] [--threads N] [--memory SIZE] [--store-level N]
 *               [--warmup full|read|none] [--tmp DIR] [--keep DIR] CORPUS...
 *
 * CORPUS is anything quire-index takes (a .jsonl.gz is read compressed, as quire-index
 * reads it; nothing is decompressed beforehand). Each run is one indexer_run() into a new
 * empty directory under --tmp (default $TMPDIR or /tmp), in a forked child, so that:
 *   - peak RSS is the child's own (wait4() rusage ru_maxrss), not the maximum of all runs
 *     of this process;
 *   - CPU user+sys per run comes from the same rusage (all threads of the child);
 *   - every run starts from the same state (empty heap, empty stem cache).
 * Before the timed runs, one untimed run (--warmup full, the default) brings the inputs
 * into the page cache and the machine to its steady state; --warmup read only reads the
 * input files through once (cheaper, for big corpora); --warmup none skips it.
 *
 * Seconds are wall-clock time around indexer_run() in the child (reading, analysis,
 * inversion, flushes, merge, commit with its fsyncs); the median is reported, with min
 * and max. MB are 2^20 bytes. Text MB are the bytes of title + text the indexer analysed
 * (indexer_summary.text_bytes): the figure the goals are stated in.
 */
/* nftw (XSI) and wait4 (BSD) are not in plain POSIX 2008. */
#define _XOPEN_SOURCE   700
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "indexer.h"
#include "quire/cli.h"
#include "quire/segment.h"
#include "quire/size.h"

#define MIB      (1024.0 * 1024.0)
#define MAX_RUNS 100

/* What a child sends back through its pipe. */
typedef struct run_result {
    int rc;
    char errmsg[256];
    double wall_s;
    indexer_summary sum;
    index_stats stats;
    uint64_t dir_bytes; /* every file in the index directory, manifest included */
} run_result;

typedef struct run_record {
    run_result r;
    double user_s, sys_s;
    double maxrss_mb;
    double anon_mb, file_mb; /* peaks of RssAnon and RssFile, sampled every 20 ms */
} run_record;

/* Samples /proc/PID/status: RssAnon (heap, stacks) and RssFile (mapped files: the segments
 * a merge reads, counted in ru_maxrss although the kernel can drop them at will). */
static void sample_rss(pid_t pid, double *anon_mb, double *file_mb)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        unsigned long kb;
        if (sscanf(line, "RssAnon: %lu", &kb) == 1 && kb / 1024.0 > *anon_mb)
            *anon_mb = kb / 1024.0;
        else if (sscanf(line, "RssFile: %lu", &kb) == 1 && kb / 1024.0 > *file_mb)
            *file_mb = kb / 1024.0;
    }
    fclose(f);
}

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

static double min_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static double max_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
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
    if (remove(path) != 0 && errno != ENOENT)
        fprintf(stderr, "bench_index: remove %s: %s\n", path, strerror(errno));
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

static uint64_t dir_bytes(const char *dir)
{
    du_sum = 0;
    (void)nftw(dir, du_entry, 16, FTW_PHYS);
    return du_sum;
}

static uint64_t warn_count;
static void count_warning(void *ctx, const char *msg)
{
    (void)ctx;
    if (warn_count++ < 3)
        fprintf(stderr, "bench_index: indexer warning: %s\n", msg);
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t k = read(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Child: one indexing run into dir; the result goes to fd. Never returns. */
static void child_run(const indexer_opts *base, const char *dir, int fd)
{
    run_result res;
    memset(&res, 0, sizeof res);
    indexer_opts o = *base;
    o.index_dir = dir;
    o.warn = count_warning;
    double t0 = now_s();
    res.rc = indexer_run(&o, &res.sum);
    res.wall_s = now_s() - t0;
    if (res.rc != QUIRE_OK) {
        snprintf(res.errmsg, sizeof res.errmsg, "%s", quire_errmsg());
    } else if (indexer_stats(dir, &res.stats) != QUIRE_OK) {
        res.rc = -1;
        snprintf(res.errmsg, sizeof res.errmsg, "stats: %s", quire_errmsg());
    } else {
        res.dir_bytes = dir_bytes(dir);
    }
    _exit(write_all(fd, &res, sizeof res) == 0 ? 0 : 3);
}

/* One run in a forked child. Returns 0 and fills rec, or -1. */
static int one_run(const indexer_opts *o, const char *tmp_root, const char *keep, run_record *rec)
{
    char dir[4096];
    if (keep) {
        rm_tree(keep);
        if (mkdir(keep, 0777) != 0) {
            fprintf(stderr, "bench_index: mkdir %s: %s\n", keep, strerror(errno));
            return -1;
        }
        snprintf(dir, sizeof dir, "%s", keep);
    } else {
        snprintf(dir, sizeof dir, "%s/quire-bench-index-XXXXXX", tmp_root);
        if (!mkdtemp(dir)) {
            fprintf(stderr, "bench_index: mkdtemp %s: %s\n", dir, strerror(errno));
            return -1;
        }
    }
    int p[2];
    if (pipe(p) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench_index: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        child_run(o, dir, p[1]);
    }
    close(p[1]);
    memset(rec, 0, sizeof *rec);
    struct pollfd pfd = {p[0], POLLIN, 0};
    while (poll(&pfd, 1, 20) == 0 || (pfd.revents == 0))
        sample_rss(pid, &rec->anon_mb, &rec->file_mb);
    int got = read_all(p[0], &rec->r, sizeof rec->r);
    close(p[0]);
    int status;
    struct rusage ru;
    pid_t w;
    while ((w = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
        ;
    if (!keep)
        rm_tree(dir);
    if (w < 0 || got != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_index: run failed (child status %d%s)\n", status,
                WIFSIGNALED(status) ? ", killed by a signal" : "");
        return -1;
    }
    if (rec->r.rc != QUIRE_OK) {
        fprintf(stderr, "bench_index: indexer_run: %s\n", rec->r.errmsg);
        return -1;
    }
    rec->user_s = tv_s(ru.ru_utime);
    rec->sys_s = tv_s(ru.ru_stime);
    rec->maxrss_mb = (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
    return 0;
}

static void read_through(const char *path)
{
    static char buf[1 << 20];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    while (read(fd, buf, sizeof buf) > 0)
        ;
    close(fd);
}

static const char *fs_name(const char *path)
{
    struct statfs s;
    if (statfs(path, &s) != 0)
        return "?";
    switch ((unsigned long)s.f_type) {
    case 0xEF53UL:
        return "ext2/3/4";
    case 0x01021994UL:
        return "tmpfs";
    case 0x58465342UL:
        return "xfs";
    case 0x9123683EUL:
        return "btrfs";
    case 0x794C7630UL:
        return "overlayfs";
    default:
        return "other";
    }
}

enum {
    OPT_RUNS,
    OPT_THREADS,
    OPT_MEMORY,
    OPT_STORE_LEVEL,
    OPT_WARMUP,
    OPT_TMP,
    OPT_KEEP,
    OPT_HELP
};

/* One table for parsing and --help (quire/cli.h, the style of every quire program). */
static const quire_cli_option options[] = {
    {OPT_RUNS, 0, "runs", "N", "timed runs (default 3)"},
    {OPT_THREADS, 0, "threads", "N", "analysis threads, 0..64 (default 0: the cores)"},
    {OPT_MEMORY, 0, "memory", "SIZE", "the indexer's memory budget (default 1G)"},
    {OPT_STORE_LEVEL, 0, "store-level", "N", "zstd level of the stored text, 0..9"},
    {OPT_WARMUP, 0, "warmup", "WHAT",
     "full (default: one untimed run), read (read the inputs once) or none"},
    {OPT_TMP, 0, "tmp", "DIR", "where the indexes are built (default $TMPDIR or /tmp)"},
    {OPT_KEEP, 0, "keep", "DIR", "keep the last run's index in DIR"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
};

static const quire_cli bench_cli = {"bench_index", options, sizeof options / sizeof options[0], 0};

static void usage(FILE *f)
{
    fputs("usage: bench_index [options] CORPUS...\n"
          "Indexes CORPUS... N times (default 3), each in a forked child into a new temp dir,\n"
          "after one untimed warm-up run, and prints Markdown tables: throughput, CPU time,\n"
          "peak RSS, index size by component as a share of the text indexed.\n\noptions:\n",
          f);
    quire_cli_print_options(&bench_cli, f);
}

typedef struct args {
    int runs, threads, store_level;
    size_t memory;
    const char *keep, *warmup, *label_memory, *tmp_root;
} args;

static int apply(void *ctx, const quire_cli_option *o, const char *val)
{
    args *a = ctx;
    uint64_t n;
    switch (o->id) {
    case OPT_HELP:
        usage(stdout);
        return 1;
    case OPT_RUNS:
        if (quire_cli_uint(val, 1, MAX_RUNS, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--runs %s: expected 1 to %d", val, MAX_RUNS);
        a->runs = (int)n;
        return 0;
    case OPT_THREADS:
        if (quire_cli_uint(val, 0, 64, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--threads %s: expected 0 to 64", val);
        a->threads = (int)n;
        return 0;
    case OPT_STORE_LEVEL:
        if (quire_cli_uint(val, 0, 9, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--store-level %s: expected 0 to 9", val);
        a->store_level = (int)n;
        return 0;
    case OPT_MEMORY:
        if (quire_parse_size(val, (size_t)1 << 20, &a->memory) != QUIRE_OK)
            return quire_cli_usage_error(&bench_cli, "--memory %s: expected a size like 64M", val);
        a->label_memory = val;
        return 0;
    case OPT_WARMUP:
        if (strcmp(val, "full") && strcmp(val, "read") && strcmp(val, "none"))
            return quire_cli_usage_error(&bench_cli, "--warmup %s: expected full, read or none",
                                         val);
        a->warmup = val;
        return 0;
    case OPT_TMP:
        a->tmp_root = val;
        return 0;
    case OPT_KEEP:
        a->keep = val;
        return 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    args a = {3, 0, -1, 0, NULL, "full", "default (1G)", getenv("TMPDIR")};
    if (!a.tmp_root || !*a.tmp_root)
        a.tmp_root = "/tmp";
    int ninputs = 0;
    const int parsed = quire_cli_parse(&bench_cli, argc, argv, &ninputs, apply, &a);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    if (ninputs == 0) {
        usage(stderr);
        return 2;
    }
    const char **inputs = calloc((size_t)ninputs + 1, sizeof *inputs);
    if (!inputs)
        return 2;
    for (int i = 0; i < ninputs; i++)
        inputs[i] = argv[1 + i];
    int runs = a.runs, threads = a.threads, store_level = a.store_level;
    size_t memory = a.memory;
    const char *keep = a.keep, *warmup = a.warmup, *label_memory = a.label_memory;
    const char *tmp_root = a.tmp_root;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int eff_threads = threads ? threads : (int)(cores > 0 ? cores : 1);

    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.inputs = inputs;
    o.input_count = (size_t)ninputs;
    o.keep_diacritics = -1;
    o.memory = memory;
    o.threads = threads;
    o.zlib_level = store_level;

    double load[3] = {0, 0, 0};
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fscanf(lf, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = load[1] = load[2] = -1;
        fclose(lf);
    }

    if (strcmp(warmup, "read") == 0) {
        for (size_t i = 0; i < (size_t)ninputs; i++)
            read_through(inputs[i]);
    } else if (strcmp(warmup, "full") == 0) {
        run_record w;
        fprintf(stderr, "bench_index: warm-up run (untimed)...\n");
        if (one_run(&o, tmp_root, NULL, &w) != 0)
            return 1;
    }

    static run_record rec[MAX_RUNS];
    double secs[MAX_RUNS], cpu[MAX_RUNS], rss[MAX_RUNS], anon[MAX_RUNS], file[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        fprintf(stderr, "bench_index: run %d of %d...\n", r + 1, runs);
        if (one_run(&o, tmp_root, r == runs - 1 ? keep : NULL, &rec[r]) != 0)
            return 1;
        secs[r] = rec[r].r.wall_s;
        cpu[r] = rec[r].user_s + rec[r].sys_s;
        rss[r] = rec[r].maxrss_mb;
        anon[r] = rec[r].anon_mb;
        file[r] = rec[r].file_mb;
    }

    /* Every run indexes the same inputs; take the sizes from the last. */
    const run_result *last = &rec[runs - 1].r;
    const indexer_summary *s = &last->sum;
    const index_stats *st = &last->stats;
    double text_mb = (double)s->text_bytes / MIB, in_mb = (double)s->input_bytes / MIB;
    double med = median(secs, runs), med_cpu = median(cpu, runs);
    double mbps = med > 0 ? text_mb / med : 0;

    printf("### quire bench_index:");
    for (size_t i = 0; i < (size_t)ninputs; i++) {
        const char *slash = strrchr(inputs[i], '/');
        const char *base = inputs[i];
        if (slash) { /* show parent/name: the corpus folder is the informative part */
            const char *p = slash;
            while (p > inputs[i] && p[-1] != '/')
                p--;
            base = p;
        }
        printf(" %s", base);
    }
    printf(", --threads %d, --memory %s\n\n", eff_threads, label_memory);
    printf("%d timed run%s after warm-up '%s'; index dirs on %s (%s); load average before: "
           "%.2f %.2f %.2f on %ld cores. MB = 2^20 bytes.\n\n",
           runs, runs == 1 ? "" : "s", warmup, tmp_root, fs_name(keep ? "." : tmp_root), load[0],
           load[1], load[2], cores);

    printf("| figure | value |\n|---|---|\n");
    printf("| input read (files as given, .gz compressed) | %.2f MB |\n", in_mb);
    printf("| text analysed (title + text) | %.2f MB |\n", text_mb);
    printf("| documents | %llu (%llu skipped, %llu warnings) |\n",
           (unsigned long long)s->docs_added, (unsigned long long)s->docs_skipped,
           (unsigned long long)s->warnings);
    printf("| tokens | %llu |\n", (unsigned long long)s->tokens);
    printf("| seconds, median (min - max) | %.3f (%.3f - %.3f) |\n", med, min_of(secs, runs),
           max_of(secs, runs));
    printf("| **MB/s of text** (median) | **%.2f** |\n", mbps);
    printf("| MB/s per analysis thread (%d) | %.2f |\n", eff_threads, mbps / eff_threads);
    printf("| docs/s (median) | %.0f |\n", med > 0 ? (double)s->docs_added / med : 0);
    printf("| CPU user+sys per run, median | %.3f s (%.0f%% of one core over the run) |\n", med_cpu,
           med > 0 ? 100.0 * med_cpu / med : 0);
    printf("| CPU-seconds per MB of text | %.4f (= %.2f MB/s per busy core) |\n",
           text_mb > 0 ? med_cpu / text_mb : 0, med_cpu > 0 ? text_mb / med_cpu : 0);
    printf("| **peak RSS** (max over runs, wait4 ru_maxrss) | **%.1f MB** |\n", max_of(rss, runs));
    printf("| of which: peak RssAnon / RssFile (sampled every 20 ms, max over runs) | "
           "%.1f MB / %.1f MB |\n",
           max_of(anon, runs), max_of(file, runs));
    printf("| segments flushed before the merge | %u |\n", s->segments_flushed);
    printf("| stems asked for (a token each), served without Snowball | %.1f%% of %llu |\n",
           s->stem_calls ? 100.0 * (double)s->stem_hits / (double)s->stem_calls : 0.0,
           (unsigned long long)s->stem_calls);
    printf("\n");

    printf("| run | wall s | user s | sys s | peak RSS MB | RssAnon MB | RssFile MB | MB/s |\n"
           "|---|---|---|---|---|---|---|---|\n");
    for (int r = 0; r < runs; r++)
        printf("| %d | %.3f | %.3f | %.3f | %.1f | %.1f | %.1f | %.2f |\n", r + 1, secs[r],
               rec[r].user_s, rec[r].sys_s, rec[r].maxrss_mb, rec[r].anon_mb, rec[r].file_mb,
               secs[r] > 0 ? text_mb / secs[r] : 0);
    printf("\n");

    static const struct {
        const char *what;
        int files[2];
    } parts[] = {{"dictionary (.ter)", {QUIRE_SEG_TER, -1}},
                 {"postings (.doc)", {QUIRE_SEG_DOC, -1}},
                 {"positions (.pos)", {QUIRE_SEG_POS, -1}},
                 {"documents (.len + .dmd)", {QUIRE_SEG_LEN, QUIRE_SEG_DMD}},
                 {"stored text (.sto)", {QUIRE_SEG_STO, -1}}};
    printf("| index component (%u segment%s) | MB | %% of text |\n|---|---|---|\n",
           st->segment_count, st->segment_count == 1 ? "" : "s");
    double total = 0, no_text = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        double mb = 0;
        for (int k = 0; k < 2; k++)
            if (parts[i].files[k] >= 0)
                mb += (double)st->file_bytes[parts[i].files[k]] / MIB;
        total += mb;
        if (parts[i].files[0] != QUIRE_SEG_STO)
            no_text += mb;
        printf("| %s | %.2f | %.1f%% |\n", parts[i].what, mb,
               text_mb > 0 ? 100.0 * mb / text_mb : 0);
    }
    printf("| **index without stored text** | **%.2f** | **%.1f%%** |\n", no_text,
           text_mb > 0 ? 100.0 * no_text / text_mb : 0);
    printf("| index in all (components) | %.2f | %.1f%% |\n", total,
           text_mb > 0 ? 100.0 * total / text_mb : 0);
    double dir_mb = (double)last->dir_bytes / MIB;
    printf("| every file in the index directory | %.2f | %.1f%% |\n", dir_mb,
           text_mb > 0 ? 100.0 * dir_mb / text_mb : 0);
    printf("\n");
    free(inputs);
    return 0;
}
