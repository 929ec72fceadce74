/*
 * main.c - quire-index: command line, progress, summary, exit codes. A client of libquire's
 * public API (quire/quire.h: the writer, quire_files_read, the reader's statistics,
 * quire_verify) and base's helpers; this file only parses, prints and maps errors.
 *
 * Exit codes (README "Exit status"): 0 done, every input read and indexed; 1 the run failed
 * (nothing committed) or --verify found problems; 2 bad usage; 3 done with something
 * skipped (inputs or documents not indexed; the rest committed).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quire/array.h"
#include "quire/cli.h"
#include "quire/json_out.h"
#include "quire/quire.h"
#include "quire/shards.h"
#include "quire/size.h"

#define MIB (1024.0 * 1024.0)

#ifndef QUIRE_VERSION
#define QUIRE_VERSION "unknown"
#endif

enum { EXIT_DONE = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_SKIPPED = 3 };

static const char usage_lines[] =
    "usage: quire-index [options] INDEX INPUT...\n"
    "       quire-index [--delete ID]... [--delete-from FILE] [--optimize] INDEX [INPUT...]\n"
    "       quire-index --stats INDEX\n"
    "       quire-index --verify INDEX\n"
    "       quire-index --export-jsonl INPUT...\n";

/* Bad usage: the message, the usage lines (not the whole help), exit 2. */
static int bad_usage(const char *message)
{
    fprintf(stderr, "quire-index: %s\n%s(quire-index --help lists the options)\n", message,
            usage_lines);
    return EXIT_USAGE;
}

typedef enum opt_id {
    OPT_LANGUAGE,
    OPT_KEEP_DIACRITICS,
    OPT_MEMORY,
    OPT_THREADS,
    OPT_STOP_ON_ERROR,
    OPT_ALLOW_MISSING,
    OPT_ALLOW_EMPTY,
    OPT_ENCODING,
    OPT_SUMMARY_JSON,
    OPT_STORE_LEVEL,
    OPT_DELETE,
    OPT_DELETE_FROM,
    OPT_DRY_RUN,
    OPT_OPTIMIZE,
    OPT_QUIET,
    OPT_SHARDS,
    OPT_SHARD_COUNT,
    OPT_CHUNK,
    OPT_STATS,
    OPT_VERIFY,
    OPT_VERIFY_ALL,
    OPT_EXPORT_JSONL,
    OPT_VERSION,
    OPT_HELP,
} opt_id;

/* One table for parsing and --help (quire/cli.h, the style of every quire program). */
static const quire_cli_option options[] = {
    {OPT_LANGUAGE, 0, "language", "NAME",
     "Snowball stemmer language of a new index (default: english; an existing index keeps "
     "its own). --language list shows all"},
    {OPT_KEEP_DIACRITICS, 0, "keep-diacritics", NULL,
     "index é and e as different letters (default: folded)"},
    {OPT_MEMORY, 0, "memory", "SIZE", "memory budget for indexing, e.g. 64M, 2G (default: 1G)"},
    {OPT_THREADS, 0, "threads", "N", "analysis threads (default: the number of cores)"},
    {OPT_STOP_ON_ERROR, 0, "stop-on-error", NULL,
     "stop at the first bad input, commit nothing (default: warn, skip the bad item, go on)"},
    {OPT_ALLOW_MISSING, 0, "allow-missing", NULL,
     "skip an INPUT that does not exist (default: fail, exit 1)"},
    {OPT_ALLOW_EMPTY, 0, "allow-empty", NULL,
     "commit a run that indexed nothing although its inputs had bytes or something was "
     "skipped (default: fail, exit 1)"},
    {OPT_ENCODING, 0, "encoding", "E",
     "how input bytes are read: auto (default: UTF-8, but a document that is not and reads as "
     "cp1252 is read as cp1252, with a note), utf-8, latin1 or cp1252"},
    {OPT_SUMMARY_JSON, 0, "summary-json", "FILE",
     "write what was added, replaced, deleted and skipped, and why, as one JSON object to FILE "
     "(- : standard output)"},
    {OPT_STORE_LEVEL, 0, "store-level", "N",
     "zstd level 1-9 of the stored text, 0 = uncompressed (default: 3; 9 makes it a few % "
     "smaller, indexing slower)"},
    {OPT_DELETE, 0, "delete", "ID",
     "remove the document with this id (repeatable); applied before the INPUTs are added"},
    {OPT_DELETE_FROM, 0, "delete-from", "FILE",
     "remove the ids listed in FILE, one a line (- : stdin)"},
    {OPT_DRY_RUN, 0, "dry-run", NULL,
     "say what would be added, replaced and deleted; write nothing"},
    {OPT_OPTIMIZE, 0, "optimize", NULL,
     "merge the whole index into one segment without deleted documents (needs free disk space "
     "about the index's size)"},
    {OPT_QUIET, 'q', "quiet", NULL, "no progress, no summary"},
    {OPT_SHARDS, 0, "shards", NULL,
     "INDEX is a shard set (INDEX/shardset, INDEX/shard-<r>): each document goes to the shard "
     "its id hashes to; under mpirun the processes share the inputs and the shards"},
    {OPT_SHARD_COUNT, 0, "shard-count", "N",
     "shards of a new shard set (default: one per process)"},
    {OPT_CHUNK, 0, "chunk", "SIZE",
     "with --shards: inputs are read in pieces of about SIZE, one process each (default: 16M)"},
    {OPT_STATS, 0, "stats", "INDEX", "print the index's statistics"},
    {OPT_VERIFY, 0, "verify", "INDEX",
     "check every checksum and invariant of the index; report the first problem of each file "
     "and a count of the rest"},
    {OPT_VERIFY_ALL, 0, "verify-all", "INDEX", "the same, every problem listed"},
    {OPT_EXPORT_JSONL, 0, "export-jsonl", NULL,
     "write the documents of the INPUTs (the operands) as JSON Lines (id, title, date, text) "
     "on standard output, read as quire reads them"},
    {OPT_VERSION, 0, "version", NULL, "the version of quire-index and of its index format"},
    {OPT_HELP, 'h', "help", NULL, "this text"},
};

static const quire_cli index_cli = {"quire-index", options, sizeof options / sizeof options[0], 0};

static void usage(FILE *f)
{
    fputs(usage_lines, f);
    fputs("\n"
          "Adds the documents of each INPUT to the index in directory INDEX (created if\n"
          "needed). An INPUT is a file, a folder (read recursively), a JSON Lines file\n"
          "(.jsonl: id, title, date, text), a TREC SGML file, a .gz of any of these, or -\n"
          "for standard input. Nothing is visible to searches until the run commits.\n"
          "A document whose id is already in the index replaces the old version (the newest\n"
          "wins, also within one run).\n"
          "\n"
          "options:\n",
          f);
    quire_cli_print_options(&index_cli, f);
    fputs("\n"
          "exit status:\n"
          "  0  done: every input read and indexed, the run committed (or nothing changed)\n"
          "  3  done with warnings: inputs or documents were skipped (listed on stderr and by\n"
          "     --summary-json), the rest committed\n"
          "  1  failed, nothing committed (the index keeps its last commit): an error, --stop-\n"
          "     on-error, an INPUT that does not exist, or no document indexed from inputs\n"
          "     that had bytes; --verify or --stats found problems\n"
          "  2  bad usage\n",
          f);
}

static void warn(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "\r\033[Kquire-index: warning: %s\n", msg);
}

static void warn_plain(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "quire-index: warning: %s\n", msg);
}

static void progress(void *ctx, const quire_progress *p)
{
    (void)ctx;
    double mb = (double)p->bytes_read / MIB;
    double rate = p->seconds > 0 ? mb / p->seconds : 0;
    fprintf(stderr, "\r\033[K%10llu docs  %9.1f", (unsigned long long)p->docs, mb);
    if (p->bytes_total) {
        double total = (double)p->bytes_total / MIB;
        fprintf(stderr, " / %.1f MB (%3.0f%%)", total, 100.0 * mb / (total > 0 ? total : 1));
        if (rate > 0 && !p->final) {
            double eta = (total - mb) / rate;
            fprintf(stderr, "  ETA %d:%02d", (int)eta / 60, (int)eta % 60);
        }
    } else {
        fputs(" MB", stderr);
    }
    fprintf(stderr, "  %.1f MB/s", rate);
    if (p->final)
        fputc('\n', stderr);
    fflush(stderr);
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

/* What --stats and a run's summary print of an index (quire_reader_stat()). */
typedef struct index_stats {
    uint64_t generation;
    uint64_t v[QUIRE_STAT_STORED_BYTES + 1]; /* by quire_stat */
    char language[64];
    char analyzer_id[128];
} index_stats;

static int read_stats(const char *dir, index_stats *out)
{
    memset(out, 0, sizeof *out);
    quire_reader *r;
    int rc = quire_reader_open(&r, dir);
    if (rc != QUIRE_OK)
        return rc;
    out->generation = quire_reader_generation(r);
    snprintf(out->language, sizeof out->language, "%s", quire_reader_language(r));
    snprintf(out->analyzer_id, sizeof out->analyzer_id, "%s", quire_reader_analyzer(r));
    for (int i = 0; rc == QUIRE_OK && i <= QUIRE_STAT_STORED_BYTES; i++)
        rc = quire_reader_stat(r, (quire_stat)i, &out->v[i]);
    quire_reader_close(r);
    return rc;
}

static void print_components(const index_stats *s, double input_mb)
{
    static const struct {
        const char *what;
        quire_stat stat;
    } parts[] = {{"dictionary (.ter)", QUIRE_STAT_DICTIONARY_BYTES},
                 {"postings (.doc)", QUIRE_STAT_POSTINGS_BYTES},
                 {"positions (.pos)", QUIRE_STAT_POSITIONS_BYTES},
                 {"documents (.len .dmd)", QUIRE_STAT_DOCUMENTS_BYTES},
                 {"stored text (.sto)", QUIRE_STAT_STORED_BYTES}};
    double total = 0, no_text = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const double mb = (double)s->v[parts[i].stat] / MIB;
        total += mb;
        if (parts[i].stat != QUIRE_STAT_STORED_BYTES)
            no_text += mb;
        if (input_mb > 0)
            printf("  %-24s %10.2f MB  %5.1f%% of text\n", parts[i].what, mb,
                   100.0 * mb / input_mb);
        else
            printf("  %-24s %10.2f MB\n", parts[i].what, mb);
    }
    if (input_mb > 0) {
        printf("  %-24s %10.2f MB  %5.1f%% of text\n", "index without text", no_text,
               100.0 * no_text / input_mb);
        printf("  %-24s %10.2f MB  %5.1f%% of text\n", "index in all", total,
               100.0 * total / input_mb);
    } else {
        printf("  %-24s %10.2f MB\n", "index without text", no_text);
        printf("  %-24s %10.2f MB\n", "index in all", total);
    }
}

/* An INDEX argument that names nothing: "no such index", rather than a missing manifest. */
static bool index_missing(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 || errno != ENOENT)
        return false;
    fprintf(stderr, "quire-index: no such index: %s\n", dir);
    return true;
}

static int do_stats(const char *dir)
{
    if (index_missing(dir))
        return EXIT_FAILED;
    index_stats s;
    int rc = read_stats(dir, &s);
    if (rc != QUIRE_OK) {
        fprintf(stderr, "quire-index: %s\n", quire_errmsg());
        return 1;
    }
    const uint64_t segments = s.v[QUIRE_STAT_SEGMENTS];
    double text_mb = (double)s.v[QUIRE_STAT_TEXT_BYTES] / MIB;
    printf("index            %s (generation %llu, %llu segment%s)\n", dir,
           (unsigned long long)s.generation, (unsigned long long)segments,
           segments == 1 ? "" : "s");
    printf("language         %s\n", s.language);
    printf("analyzer         %s\n", s.analyzer_id);
    printf("documents        %llu", (unsigned long long)s.v[QUIRE_STAT_DOCS]);
    if (s.v[QUIRE_STAT_DELETED_DOCS])
        printf(" (+%llu deleted, not yet merged away)",
               (unsigned long long)s.v[QUIRE_STAT_DELETED_DOCS]);
    printf("\ntokens           %llu\n", (unsigned long long)s.v[QUIRE_STAT_TOKENS]);
    printf("distinct terms   %llu forms, %llu stems (summed over segments)\n",
           (unsigned long long)s.v[QUIRE_STAT_FORMS], (unsigned long long)s.v[QUIRE_STAT_STEMS]);
    printf("postings         %llu\n", (unsigned long long)s.v[QUIRE_STAT_POSTINGS]);
    printf("stored text      %.2f MB\n", text_mb);
    printf("size by component (%% of the text indexed):\n");
    print_components(&s, text_mb);
    return 0;
}

/* --verify's problems grouped by the file they are in: one damaged byte makes many
 * problems (a block's CRC, then every count that depends on it), and the first says
 * where the damage is. A line "seg-N: DIR/FILE: ..." opens FILE's group; the lines of
 * seg-N that name no file first ("seg-N: term 'x': ...", consequences) join the group
 * of the last file of seg-N, else one of seg-N; any other line is its own group. */
typedef struct verify_group {
    char *key;
    char *first; /* the first problem, printed */
    uint64_t more;
} verify_group;

typedef struct verify_report {
    bool all; /* --verify-all: print every line as it comes */
    const char *dir;
    verify_group *groups;
    size_t count, cap;
    char last_seg[64]; /* the "seg-N" of the last line */
    size_t last_group; /* its group */
    uint64_t problems;
} verify_report;

static void report_line(void *ctx, const char *line)
{
    verify_report *v = ctx;
    v->problems++;
    if (v->all) {
        printf("%s\n", line);
        return;
    }
    const char *colon = strstr(line, ": ");
    const size_t seg_len = colon && strncmp(line, "seg-", 4) == 0 ? (size_t)(colon - line) : 0;
    const char *rest = seg_len ? colon + 2 : line;
    const size_t dir_len = strlen(v->dir);
    char key[1024];
    if (strncmp(rest, v->dir, dir_len) == 0 && rest[dir_len] == '/') {
        size_t n = strcspn(rest, ":,");
        snprintf(key, sizeof key, "%.*s", (int)n, rest);
    } else if (seg_len && seg_len < sizeof v->last_seg && strlen(v->last_seg) == seg_len &&
               strncmp(line, v->last_seg, seg_len) == 0 && v->last_group < v->count) {
        v->groups[v->last_group].more++;
        return;
    } else {
        snprintf(key, sizeof key, "%.*s", (int)(seg_len ? seg_len : strlen(line)), line);
    }
    size_t g = 0;
    while (g < v->count && strcmp(v->groups[g].key, key) != 0)
        g++;
    if (g == v->count) {
        int rc = QUIRE_ARRAY_RESERVE(v->groups, v->count, v->cap, 16);
        if (rc != QUIRE_OK) { /* out of memory: print it rather than lose it */
            printf("%s\n", line);
            return;
        }
        v->groups[g] = (verify_group){strdup(key), strdup(line), 0};
        if (!v->groups[g].key || !v->groups[g].first) {
            free(v->groups[g].key);
            free(v->groups[g].first);
            printf("%s\n", line);
            return;
        }
        v->count++;
    } else {
        v->groups[g].more++;
    }
    if (seg_len && seg_len < sizeof v->last_seg) {
        snprintf(v->last_seg, sizeof v->last_seg, "%.*s", (int)seg_len, line);
        v->last_group = g;
    }
}

static int do_verify(const char *dir, bool all)
{
    if (index_missing(dir))
        return EXIT_FAILED;
    verify_report v = {all, dir, NULL, 0, 0, "", SIZE_MAX, 0};
    int rc = quire_verify(dir, report_line, &v);
    for (size_t i = 0; i < v.count; i++) {
        printf("%s\n", v.groups[i].first);
        if (v.groups[i].more)
            printf("  (and %llu more problem%s that follow%s from it)\n",
                   (unsigned long long)v.groups[i].more, v.groups[i].more == 1 ? "" : "s",
                   v.groups[i].more == 1 ? "s" : "");
        free(v.groups[i].key);
        free(v.groups[i].first);
    }
    free(v.groups);
    if (rc == QUIRE_OK) {
        printf("%s: ok\n", dir);
        return EXIT_DONE;
    }
    if (rc != QUIRE_ECORRUPT)
        fprintf(stderr, "quire-index: %s\n", quire_errmsg());
    else if (all)
        fprintf(stderr, "quire-index: %s: index has problems (listed above)\n", dir);
    else
        fprintf(stderr,
                "quire-index: %s: index has %llu problem%s in %zu place%s (the first of each "
                "above; --verify-all lists them all)\n",
                dir, (unsigned long long)v.problems, v.problems == 1 ? "" : "s", v.count,
                v.count == 1 ? "" : "s");
    return EXIT_FAILED;
}

typedef struct id_list {
    char **v;
    size_t count, cap;
} id_list;

static int push_id(id_list *l, const char *id)
{
    if (id[0] == '\0') {
        fprintf(stderr, "quire-index: --delete: an empty id\n");
        return -1;
    }
    int rc = QUIRE_ARRAY_RESERVE(l->v, l->count, l->cap, 16);
    if (rc != QUIRE_OK) {
        fprintf(stderr, "quire-index: %s\n", quire_errmsg());
        return -1;
    }
    l->v[l->count] = strdup(id);
    if (!l->v[l->count]) {
        fprintf(stderr, "quire-index: out of memory\n");
        return -1;
    }
    l->count++;
    return 0;
}

/* One id a line; a trailing \r is dropped, empty lines are skipped. */
static int read_ids(id_list *l, const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        fprintf(stderr, "quire-index: --delete-from %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n > 0)
            rc = push_id(l, line);
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "quire-index: --delete-from %s: read error\n", path);
        rc = -1;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

static void warn_export(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "quire-index: %s\n", message);
}

/* What a run skipped, for --summary-json (quire_skip_fn). */
typedef struct skip_entry {
    quire_skip_kind kind;
    char *what;
    uint64_t line;
    char *reason;
} skip_entry;

typedef struct skip_list {
    skip_entry *v;
    size_t count, cap;
    bool lost; /* out of memory: the list is incomplete (the counts are not) */
} skip_list;

static void on_skip(void *ctx, quire_skip_kind kind, const char *what, uint64_t line,
                    const char *reason)
{
    skip_list *l = ctx;
    int rc = QUIRE_ARRAY_RESERVE(l->v, l->count, l->cap, 16);
    if (rc != QUIRE_OK) {
        l->lost = true;
        return;
    }
    skip_entry e = {kind, strdup(what), line, strdup(reason)};
    if (!e.what || !e.reason) {
        free(e.what);
        free(e.reason);
        l->lost = true;
        return;
    }
    l->v[l->count++] = e;
}

static void skip_list_free(skip_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->v[i].what);
        free(l->v[i].reason);
    }
    free(l->v);
}

/* The command line, parsed. */
typedef struct cli {
    quire_writer_options w; /* language, memory, ..., dry_run, allow_empty */
    quire_files_options files;
    bool optimize, quiet, shards, tty;
    const char *summary_path;
    uint32_t shard_count;
    size_t chunk;
    const char *index_dir;
    const char *const *inputs;
    size_t input_count;
    const char *const *delete_ids;
    size_t delete_count;
    /* while parsing */
    id_list *ids;           /* --delete, --delete-from */
    int mode;               /* OPT_STATS, OPT_VERIFY, OPT_VERIFY_ALL, OPT_EXPORT_JSONL, or -1 */
    const char *mode_name;  /* its long name */
    const char *mode_index; /* the INDEX of --stats / --verify / --verify-all */
    int exit_code;          /* what to exit with when apply() stops the parse */
} cli;

/* --summary-json: the run as one JSON object (README "Exit status"). The only JSON this
 * program writes besides --export-jsonl's documents. */
static void write_summary_json(quire_json *j, const cli *c, const quire_commit_info *sum,
                               const skip_list *skips, int exit_code, const char *error)
{
    static const char *const status[] = {"ok", "failed", "usage", "warnings"};
    quire_json_printf(j, "{\"status\":\"%s\",\"exit\":%d,\"index\":", status[exit_code], exit_code);
    quire_json_string(j, c->index_dir, strlen(c->index_dir));
    quire_json_printf(j, ",\"dry_run\":%s,\"committed\":%s,\"generation\":%llu",
                      c->w.dry_run ? "true" : "false", sum->committed ? "true" : "false",
                      (unsigned long long)sum->generation);
    quire_json_printf(j,
                      ",\"added\":%llu,\"replaced\":%llu,\"deleted\":%llu,\"skipped\":%llu,"
                      "\"delete_not_found\":%llu,\"warnings\":%llu",
                      (unsigned long long)(sum->docs_added - sum->docs_replaced),
                      (unsigned long long)sum->docs_replaced, (unsigned long long)sum->docs_deleted,
                      (unsigned long long)sum->docs_skipped,
                      (unsigned long long)sum->deletes_missing, (unsigned long long)sum->warnings);
    for (int kind = QUIRE_SKIP_INPUT; kind <= QUIRE_SKIP_DELETE_MISSING; kind++) {
        quire_json_lit(j,
                       kind == QUIRE_SKIP_INPUT ? ",\"skipped_inputs\":[" : ",\"ids_not_found\":[");
        bool first = true;
        for (size_t i = 0; i < skips->count; i++) {
            const skip_entry *e = &skips->v[i];
            if ((int)e->kind != kind)
                continue;
            quire_json_lit(j, first ? "" : ",");
            first = false;
            if (kind == QUIRE_SKIP_DELETE_MISSING) {
                quire_json_string(j, e->what, strlen(e->what));
                continue;
            }
            quire_json_lit(j, "{\"input\":");
            quire_json_string(j, e->what, strlen(e->what));
            if (e->line)
                quire_json_printf(j, ",\"line\":%llu", (unsigned long long)e->line);
            else
                quire_json_lit(j, ",\"line\":null");
            quire_json_lit(j, ",\"reason\":");
            quire_json_string(j, e->reason, strlen(e->reason));
            quire_json_raw(j, "}", 1);
        }
        quire_json_raw(j, "]", 1);
    }
    if (skips->lost)
        quire_json_lit(j, ",\"lists_incomplete\":true");
    quire_json_lit(j, ",\"error\":");
    if (error)
        quire_json_string(j, error, strlen(error));
    else
        quire_json_lit(j, "null");
    quire_json_lit(j, "}\n");
}

/* Write the summary to `path` ("-": stdout); false (after a message) if it could not be. */
static bool summary_to(const char *path, const cli *c, const quire_commit_info *sum,
                       const skip_list *skips, int exit_code, const char *error)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "quire-index: --summary-json %s: %s\n", path, strerror(errno));
        return false;
    }
    quire_json j = QUIRE_JSON_INIT(0);
    write_summary_json(&j, c, sum, skips, exit_code, error);
    const int wrc = quire_json_flush(&j, f);
    quire_json_free(&j);
    if (wrc == QUIRE_ENOMEM) {
        fprintf(stderr, "quire-index: --summary-json %s: out of memory\n", path);
        if (f != stdout)
            (void)fclose(f);
        return false;
    }
    const bool ok = (f == stdout ? fflush(f) == 0 : fclose(f) == 0) && wrc == QUIRE_OK;
    if (!ok)
        fprintf(stderr, "quire-index: --summary-json %s: %s\n", path, strerror(errno));
    return ok;
}

static int parse_encoding(const char *v, int *out)
{
    static const struct {
        const char *name;
        int e;
    } names[] = {{"auto", QUIRE_ENCODING_AUTO},          {"utf-8", QUIRE_ENCODING_UTF8},
                 {"utf8", QUIRE_ENCODING_UTF8},          {"latin1", QUIRE_ENCODING_LATIN1},
                 {"iso-8859-1", QUIRE_ENCODING_LATIN1},  {"cp1252", QUIRE_ENCODING_CP1252},
                 {"windows-1252", QUIRE_ENCODING_CP1252}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(v, names[i].name) == 0) {
            *out = names[i].e;
            return 0;
        }
    return -1;
}

/* One exported document (quire_document_fn): a JSON object on a line, built in `ctx`
 * (a quire_json reused from document to document). */
static int export_doc(void *ctx, const quire_document *d)
{
    quire_json *j = ctx;
    quire_json_lit(j, "{\"id\":");
    quire_json_string(j, d->id, d->id_len);
    quire_json_lit(j, ",\"title\":");
    quire_json_string(j, d->title, d->title_len);
    if (d->date != NULL)
        quire_json_printf(j, ",\"date\":\"%s\"", d->date);
    quire_json_lit(j, ",\"text\":");
    quire_json_string(j, d->text, d->text_len);
    quire_json_lit(j, "}\n");
    if (quire_json_flush(j, stdout) == QUIRE_ENOMEM)
        return quire_error(QUIRE_ENOMEM, "out of memory exporting document '%.*s'",
                           (int)(d->id_len > 200 ? 200 : d->id_len), d->id);
    return 0;
}

/* --export-jsonl: the documents of `inputs` as an indexing run reads them
 * (quire_files_read(): files, folders, TREC, JSON Lines, gzip), one JSON object a line,
 * for other tools (bench/ feeds them to the peers). Bad items are skipped with a warning
 * naming file and line, as when indexing. Exit as an indexing run would: 0, 3 if
 * something was skipped, 1 if an input does not exist (unless allow_missing), the inputs
 * could not be read or the output written. */
static int export_jsonl(const char *const *inputs, size_t count, const quire_files_options *fo)
{
    uint64_t skipped = 0;
    quire_json j = QUIRE_JSON_INIT(0);
    const int rc = quire_files_read(inputs, count, fo, export_doc, &j, warn_export, NULL, &skipped);
    quire_json_free(&j);
    if (rc != QUIRE_OK)
        fprintf(stderr, "quire-index: %s\n", quire_errmsg());
    if (fflush(stdout) != 0) {
        fprintf(stderr, "quire-index: writing standard output: %s\n", strerror(errno));
        return EXIT_FAILED;
    }
    return rc != QUIRE_OK ? EXIT_FAILED : skipped > 0 ? EXIT_SKIPPED : EXIT_DONE;
}

/* --shards: index into a shard set, as one process or as one rank of an MPI job (every
 * rank runs this; only rank 0 prints the summary). */
static int run_shards(const cli *c)
{
    quire_shards_options so = QUIRE_SHARDS_OPTIONS_INIT;
    so.writer = c->w;
    so.writer.progress = NULL; /* documents arrive from every process: no total to show */
    so.files = c->files;
    so.shard_count = c->shard_count;
    so.chunk_bytes = c->chunk;
    so.optimize = c->optimize;
    quire_shards_info sum = QUIRE_SHARDS_INFO_INIT;
    const int rc = quire_shards_index(c->index_dir, c->inputs, c->input_count, c->delete_ids,
                                      c->delete_count, &so, &sum);
    const bool root = sum.rank == 0;
    int code = 0;
    if (rc != QUIRE_OK) {
        if (root)
            fprintf(stderr,
                    "quire-index: %s\nquire-index: nothing committed by the failed pass; every "
                    "shard of %s keeps its last commit\n",
                    quire_errmsg(), c->index_dir);
        code = 1;
    } else if (root && c->w.dry_run) {
        const quire_commit_info *t = &sum.total;
        printf("dry run, nothing written: %s would get %llu new document%s, %llu replaced, "
               "%llu deleted (%llu --delete id%s not found, %llu inputs skipped)\n",
               c->index_dir, (unsigned long long)(t->docs_added - t->docs_replaced),
               t->docs_added - t->docs_replaced == 1 ? "" : "s",
               (unsigned long long)t->docs_replaced, (unsigned long long)t->docs_deleted,
               (unsigned long long)t->deletes_missing, t->deletes_missing == 1 ? "" : "s",
               (unsigned long long)t->docs_skipped);
    } else if (root && !c->quiet) {
        const quire_commit_info *t = &sum.total;
        const double text_mb = (double)t->text_bytes / MIB;
        printf("indexed %llu document%s (%llu skipped, %llu warnings) into %u shards of %s "
               "by %u process%s (%s), %u pass%s over %llu input chunk%s\n",
               (unsigned long long)t->docs_added, t->docs_added == 1 ? "" : "s",
               (unsigned long long)t->docs_skipped, (unsigned long long)t->warnings,
               (unsigned)sum.shard_count, c->index_dir, (unsigned)sum.processes,
               sum.processes == 1 ? "" : "es", sum.transport, (unsigned)sum.passes,
               sum.passes == 1 ? "" : "es", (unsigned long long)sum.chunks,
               sum.chunks == 1 ? "" : "s");
        printf("  %llu new, %llu replaced an older version, %llu deleted by id; %u merge%s of "
               "committed segments\n",
               (unsigned long long)(t->docs_added - t->docs_replaced),
               (unsigned long long)t->docs_replaced, (unsigned long long)t->docs_deleted, t->merges,
               t->merges == 1 ? "" : "s");
        printf("  input %.2f MB read, %.2f MB of documents exchanged, %.2f MB of text, %llu "
               "tokens\n",
               (double)t->input_bytes / MIB, (double)sum.bytes_sent / MIB, text_mb,
               (unsigned long long)t->tokens);
        printf("  %.2f s, %.1f MB/s of text, %.0f docs/s\n", t->seconds,
               t->seconds > 0 ? text_mb / t->seconds : 0,
               t->seconds > 0 ? (double)t->docs_added / t->seconds : 0);
    }
    if (fflush(stdout) != 0 && code == 0) {
        fprintf(stderr, "quire-index: writing standard output: %s\n", strerror(errno));
        code = 1;
    }
    return code;
}

/* One run on one index through the writer: check the options and the inputs (before the
 * directory is created), open, delete, add the inputs, commit (or optimize). QUIRE_OK or
 * the first error (its message set); *info says what the commit did. */
static int write_index(const cli *c, quire_commit_info *info)
{
    int rc = quire_writer_options_check(&c->w);
    if (rc == QUIRE_OK && c->input_count > 0)
        rc = quire_files_check(c->inputs, c->input_count, &c->files);
    if (rc != QUIRE_OK)
        return rc;
    quire_writer *w = NULL;
    rc = quire_writer_open(&w, c->index_dir, &c->w);
    for (size_t i = 0; rc == QUIRE_OK && i < c->delete_count; i++)
        rc = quire_writer_delete(w, c->delete_ids[i], strlen(c->delete_ids[i]));
    if (rc == QUIRE_OK && c->input_count > 0)
        rc = quire_writer_add_files(w, c->inputs, c->input_count, &c->files);
    if (rc == QUIRE_OK)
        rc = c->optimize ? quire_writer_optimize(w, info) : quire_writer_commit(w, info);
    quire_writer_close(w);
    return rc;
}

/* Parse argv, run, print; returns the exit code. `positional` has room for argc items. */
/* Apply one option (quire_cli_apply_fn): 0 to go on; 1 to stop with c->exit_code (after
 * --help, --version, --language list, or a message about a bad value). */
static int apply(void *ctx, const quire_cli_option *o, const char *val)
{
    cli *c = ctx;
    uint64_t n;
    switch ((opt_id)o->id) {
    case OPT_HELP:
        usage(stdout);
        return c->exit_code = EXIT_DONE, 1;
    case OPT_VERSION: {
        int oldest;
        const int format = quire_format_version(&oldest);
        printf("quire-index %s (index format %d; reads formats %d to %d)\n", QUIRE_VERSION, format,
               oldest, format);
        return c->exit_code = EXIT_DONE, 1;
    }
    case OPT_STATS:
    case OPT_VERIFY:
    case OPT_VERIFY_ALL:
        c->mode_index = val;
        /* fall through */
    case OPT_EXPORT_JSONL:
        if (c->mode >= 0 && c->mode != o->id) {
            fprintf(stderr, "quire-index: --%s does not go with --%s\n", o->long_name,
                    c->mode_name);
            return c->exit_code = EXIT_USAGE, 1;
        }
        c->mode = o->id;
        c->mode_name = o->long_name;
        return 0;
    case OPT_LANGUAGE:
        if (strcmp(val, "list") == 0) {
            for (const char *const *l = quire_languages(); *l; l++)
                printf("%s\n", *l);
            return c->exit_code = EXIT_DONE, 1;
        }
        c->w.language = val;
        return 0;
    case OPT_KEEP_DIACRITICS:
        c->w.keep_diacritics = 1;
        return 0;
    case OPT_MEMORY:
        if (quire_parse_size(val, (size_t)1 << 20, &c->w.memory) != QUIRE_OK) {
            fprintf(stderr,
                    "quire-index: --memory %s: expected a size of at least 1M, like 64M or 2G\n",
                    val);
            return c->exit_code = EXIT_USAGE, 1;
        }
        return 0;
    case OPT_THREADS:
        if (quire_cli_uint(val, 1, 64, &n) != 0) {
            fprintf(stderr, "quire-index: --threads %s: expected 1 to 64\n", val);
            return c->exit_code = EXIT_USAGE, 1;
        }
        c->w.threads = (int)n;
        return 0;
    case OPT_STORE_LEVEL:
        if (quire_cli_uint(val, 0, 9, &n) != 0) {
            fprintf(stderr, "quire-index: --store-level %s: expected 0 to 9\n", val);
            return c->exit_code = EXIT_USAGE, 1;
        }
        c->w.store_level = (int)n;
        return 0;
    case OPT_ENCODING:
        if (parse_encoding(val, &c->files.encoding) != 0) {
            fprintf(stderr, "quire-index: --encoding %s: expected auto, utf-8, latin1 or cp1252\n",
                    val);
            return c->exit_code = EXIT_USAGE, 1;
        }
        return 0;
    case OPT_SUMMARY_JSON:
        c->summary_path = val;
        return 0;
    case OPT_DELETE:
        if (push_id(c->ids, val) != 0)
            return c->exit_code = EXIT_FAILED, 1;
        return 0;
    case OPT_DELETE_FROM:
        if (read_ids(c->ids, val) != 0)
            return c->exit_code = EXIT_FAILED, 1;
        return 0;
    case OPT_DRY_RUN:
        c->w.dry_run = true;
        return 0;
    case OPT_OPTIMIZE:
        c->optimize = true;
        return 0;
    case OPT_STOP_ON_ERROR:
        c->files.stop_on_error = true;
        return 0;
    case OPT_ALLOW_MISSING:
        c->files.allow_missing = true;
        return 0;
    case OPT_ALLOW_EMPTY:
        c->w.allow_empty = true;
        return 0;
    case OPT_QUIET:
        c->quiet = true;
        return 0;
    case OPT_SHARDS:
        c->shards = true;
        return 0;
    case OPT_SHARD_COUNT:
        if (quire_cli_uint(val, 1, QUIRE_SHARDS_MAX, &n) != 0) {
            fprintf(stderr, "quire-index: --shard-count %s: expected 1 to %d\n", val,
                    QUIRE_SHARDS_MAX);
            return c->exit_code = EXIT_USAGE, 1;
        }
        c->shard_count = (uint32_t)n;
        return 0;
    case OPT_CHUNK: {
        size_t size;
        if (quire_parse_size(val, (size_t)1 << 20, &size) != QUIRE_OK) {
            fprintf(stderr, "quire-index: --chunk %s: expected a size like 16M\n", val);
            return c->exit_code = EXIT_USAGE, 1;
        }
        c->chunk = size;
        return 0;
    }
    }
    return 0;
}

static int run_cli(int argc, char **argv, const char **positional, id_list *ids, skip_list *skips)
{
    cli c;
    memset(&c, 0, sizeof c);
    const quire_writer_options wdef = QUIRE_WRITER_OPTIONS_INIT;
    const quire_files_options fdef = QUIRE_FILES_OPTIONS_INIT;
    c.w = wdef;
    c.files = fdef;
    c.w.memory_name = "--memory";
    c.ids = ids;
    c.mode = -1;
    int npos = 0;
    const int parsed = quire_cli_parse(&index_cli, argc, argv, &npos, apply, &c);
    if (parsed == QUIRE_CLI_USAGE)
        return EXIT_USAGE;
    if (parsed != 0)
        return c.exit_code;
    for (int i = 0; i < npos; i++)
        positional[i] = argv[1 + i];
    if (c.mode == OPT_EXPORT_JSONL) {
        if (npos == 0)
            return bad_usage("--export-jsonl needs at least one INPUT");
        return export_jsonl(positional, (size_t)npos, &c.files);
    }
    if (c.mode >= 0) {
        if (npos != 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "--%s takes one INDEX and nothing else", c.mode_name);
            return bad_usage(msg);
        }
        return c.mode == OPT_STATS ? do_stats(c.mode_index)
                                   : do_verify(c.mode_index, c.mode == OPT_VERIFY_ALL);
    }
    bool no_inputs_ok = ids->count > 0 || c.optimize;
    if (npos < 1 || (npos < 2 && !no_inputs_ok))
        return bad_usage(npos < 1 ? "need an INDEX directory and at least one INPUT"
                                  : "need at least one INPUT after the INDEX directory");
    c.delete_ids = (const char *const *)ids->v;
    c.delete_count = ids->count;
    c.index_dir = positional[0];
    c.inputs = positional + 1;
    c.input_count = (size_t)npos - 1;
    c.tty = isatty(STDERR_FILENO);
    if (!c.quiet && c.tty)
        c.w.progress = progress;
    c.w.warn = c.tty ? warn : warn_plain;
    c.w.skip = on_skip;
    c.w.skip_ctx = skips;
    if ((c.shard_count || c.chunk) && !c.shards) {
        fprintf(stderr, "quire-index: --shard-count and --chunk go with --shards\n");
        return 2;
    }
    if (c.shards) {
        if (c.summary_path != NULL) {
            fprintf(stderr, "quire-index: --summary-json does not go with --shards yet\n");
            return 2;
        }
        return run_shards(&c);
    }

    quire_commit_info sum = QUIRE_COMMIT_INFO_INIT;
    int rc = write_index(&c, &sum);
    const int code = rc != QUIRE_OK ? EXIT_FAILED : sum.docs_skipped ? EXIT_SKIPPED : EXIT_DONE;
    if (rc == QUIRE_OK && c.w.dry_run) {
        printf("dry run, nothing written: %s would get %llu new document%s, %llu replaced, "
               "%llu deleted (%llu --delete id%s not found, %llu skipped)\n",
               c.index_dir, (unsigned long long)(sum.docs_added - sum.docs_replaced),
               sum.docs_added - sum.docs_replaced == 1 ? "" : "s",
               (unsigned long long)sum.docs_replaced, (unsigned long long)sum.docs_deleted,
               (unsigned long long)sum.deletes_missing, sum.deletes_missing == 1 ? "" : "s",
               (unsigned long long)sum.docs_skipped);
        if (c.summary_path && !summary_to(c.summary_path, &c, &sum, skips, code, NULL))
            return EXIT_FAILED;
        return code;
    }
    if (rc != QUIRE_OK) {
        char error[1024];
        snprintf(error, sizeof error, "%s", quire_errmsg());
        if (c.tty)
            fputs("\r\033[K", stderr);
        fprintf(stderr, "quire-index: %s\n", error);
        if (rc == QUIRE_ENOTFOUND && strncmp(error, "input ", 6) == 0)
            fprintf(stderr, "quire-index: (--allow-missing indexes the other inputs)\n");
        else if (rc == QUIRE_EINVAL && strncmp(error, "no document was indexed", 23) == 0)
            fprintf(stderr, "quire-index: (--allow-empty commits such a run)\n");
        index_stats s;
        if (read_stats(c.index_dir, &s) == QUIRE_OK) {
            sum.generation = s.generation;
            fprintf(stderr,
                    "quire-index: nothing committed; %s keeps its last commit "
                    "(generation %llu, %llu documents)\n",
                    c.index_dir, (unsigned long long)s.generation,
                    (unsigned long long)s.v[QUIRE_STAT_DOCS]);
        } else {
            sum.generation = 0;
            fprintf(stderr, "quire-index: nothing committed\n");
        }
        sum.committed = false;
        if (c.summary_path)
            (void)summary_to(c.summary_path, &c, &sum, skips, code, error);
        return code;
    }
    if (!c.quiet) {
        double in_mb = (double)sum.input_bytes / MIB, text_mb = (double)sum.text_bytes / MIB;
        index_stats s;
        printf("indexed %llu document%s (%llu skipped, %llu warnings) into %s, generation %llu%s\n",
               (unsigned long long)sum.docs_added, sum.docs_added == 1 ? "" : "s",
               (unsigned long long)sum.docs_skipped, (unsigned long long)sum.warnings, c.index_dir,
               (unsigned long long)sum.generation, sum.committed ? "" : " (nothing changed)");
        printf("  %llu new, %llu replaced an older version, %llu deleted by id; %u merge%s of "
               "committed segments\n",
               (unsigned long long)(sum.docs_added - sum.docs_replaced),
               (unsigned long long)sum.docs_replaced, (unsigned long long)sum.docs_deleted,
               sum.merges, sum.merges == 1 ? "" : "s");
        printf("  input %.2f MB read, %.2f MB of text, %llu tokens\n", in_mb, text_mb,
               (unsigned long long)sum.tokens);
        printf("  %.2f s, %.1f MB/s of text, %.0f docs/s, peak memory %.1f MB\n", sum.seconds,
               sum.seconds > 0 ? text_mb / sum.seconds : 0,
               sum.seconds > 0 ? (double)sum.docs_added / sum.seconds : 0, peak_rss_mb());
        printf("  %u segment%s flushed%s; stemmer: %llu calls, %.1f%% from its cache\n",
               sum.segments_flushed, sum.segments_flushed == 1 ? "" : "s",
               sum.segments_flushed > 1 ? " and merged into one" : "",
               (unsigned long long)sum.stem_calls,
               sum.stem_calls ? 100.0 * (double)sum.stem_hits / (double)sum.stem_calls : 0.0);
        if (read_stats(c.index_dir, &s) == QUIRE_OK) {
            const uint64_t segments = s.v[QUIRE_STAT_SEGMENTS];
            printf("  index now: %llu documents, %llu forms, %llu stems, %llu postings, %llu "
                   "segment%s\n",
                   (unsigned long long)s.v[QUIRE_STAT_DOCS],
                   (unsigned long long)s.v[QUIRE_STAT_FORMS],
                   (unsigned long long)s.v[QUIRE_STAT_STEMS],
                   (unsigned long long)s.v[QUIRE_STAT_POSTINGS], (unsigned long long)segments,
                   segments == 1 ? "" : "s");
            printf("  size by component (%% of the text indexed in all runs):\n");
            print_components(&s, (double)s.v[QUIRE_STAT_TEXT_BYTES] / MIB);
        }
        if (code == EXIT_SKIPPED)
            printf("finished with warnings: %llu skipped (exit status 3)\n",
                   (unsigned long long)sum.docs_skipped);
    }
    if (c.summary_path && !summary_to(c.summary_path, &c, &sum, skips, code, NULL))
        return EXIT_FAILED;
    return code;
}

int main(int argc, char **argv)
{
    /* Every return of run_cli() passes here, so the array is freed on all paths. */
    const char **positional = calloc((size_t)argc + 1, sizeof *positional);
    if (!positional)
        return 1;
    /* A file-size limit (ulimit -f) must end the run with an error naming the file, as a
     * full disk does, not kill it with SIGXFSZ halfway through a write. */
    signal(SIGXFSZ, SIG_IGN);
    id_list ids = {NULL, 0, 0};
    skip_list skips = {NULL, 0, 0, false};
    int code = run_cli(argc, argv, positional, &ids, &skips);
    skip_list_free(&skips);
    for (size_t i = 0; i < ids.count; i++)
        free(ids.v[i]);
    free(ids.v);
    free(positional);
    return code;
}
