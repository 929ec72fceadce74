/*
 * main.c - quire-index: command line, progress, summary, exit codes. All the work is in
 * the indexer library (indexer.h); this file only parses, prints and maps errors.
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

#include "comm.h"
#include "indexer.h"
#include "ingest.h"
#include "quire/analysis.h"
#include "quire/array.h"
#include "quire/date.h"
#include "quire/segment.h"
#include "quire/shardset.h"
#include "quire/size.h"
#include "shard_index.h"
#include "source.h"

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
          "options:\n"
          "  --language NAME     Snowball stemmer language of a new index (default: english;\n"
          "                      an existing index keeps its own). --language list shows all\n"
          "  --keep-diacritics   index é and e as different letters (default: folded)\n"
          "  --memory SIZE       memory budget for indexing, e.g. 64M, 2G (default: 1G)\n"
          "  --threads N         analysis threads (default: the number of cores)\n"
          "  --stop-on-error     stop at the first bad input, commit nothing (default: warn,\n"
          "                      skip the bad item, go on)\n"
          "  --allow-missing     skip an INPUT that does not exist (default: fail, exit 1)\n"
          "  --allow-empty       commit a run that indexed nothing although its inputs had\n"
          "                      bytes or something was skipped (default: fail, exit 1)\n"
          "  --encoding E        how input bytes are read: auto (default: UTF-8, but a document\n"
          "                      that is not and reads as cp1252 is read as cp1252, with a\n"
          "                      note), utf-8, latin1 or cp1252\n"
          "  --summary-json FILE write what was added, replaced, deleted and skipped, and why,\n"
          "                      as one JSON object to FILE (- : standard output)\n"
          "  --store-level N     DEFLATE level 0-9 for the stored text (default: 1, fastest;\n"
          "                      9 makes it about 2% smaller and indexing slower)\n"
          "  --delete ID         remove the document with this id (repeatable); applied\n"
          "                      before the INPUTs are added\n"
          "  --delete-from FILE  remove the ids listed in FILE, one a line (- : stdin)\n"
          "  --dry-run           say what would be added, replaced and deleted; write nothing\n"
          "  --optimize          merge the whole index into one segment without deleted\n"
          "                      documents (needs free disk space about the index's size)\n"
          "  --quiet             no progress, no summary\n"
          "  --shards            INDEX is a shard set (INDEX/shardset, INDEX/shard-<r>):\n"
          "                      each document goes to the shard its id hashes to; under\n"
          "                      mpirun the processes share the inputs and the shards\n"
          "  --shard-count N     shards of a new shard set (default: one per process)\n"
          "  --chunk SIZE        with --shards: inputs are read in pieces of about SIZE,\n"
          "                      one process each (default: 16M)\n"
          "  --stats INDEX       print the index's statistics\n"
          "  --verify INDEX      check every checksum and invariant of the index; report the\n"
          "                      first problem of each file and a count of the rest\n"
          "  --verify-all INDEX  the same, every problem listed\n"
          "  --export-jsonl INPUT...  write the INPUTs' documents as JSON Lines (id, title,\n"
          "                      date, text) on standard output, read as quire reads them\n"
          "  --version           the version of quire-index and of its index format\n"
          "  --help              this text\n"
          "\n"
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

static void progress(void *ctx, const indexer_progress *p)
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

static void print_components(const index_stats *s, double input_mb)
{
    static const struct {
        const char *what;
        int files[2];
    } parts[] = {{"dictionary (.ter)", {QUIRE_SEG_TER, -1}},
                 {"postings (.doc)", {QUIRE_SEG_DOC, -1}},
                 {"positions (.pos)", {QUIRE_SEG_POS, -1}},
                 {"documents (.len .dmd)", {QUIRE_SEG_LEN, QUIRE_SEG_DMD}},
                 {"stored text (.sto)", {QUIRE_SEG_STO, -1}}};
    double total = 0, no_text = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        double mb = 0;
        for (int k = 0; k < 2; k++)
            if (parts[i].files[k] >= 0)
                mb += (double)s->file_bytes[parts[i].files[k]] / MIB;
        total += mb;
        if (parts[i].files[0] != QUIRE_SEG_STO)
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
    int rc = indexer_stats(dir, &s);
    if (rc != QUIRE_OK) {
        fprintf(stderr, "quire-index: %s\n", quire_errmsg());
        return 1;
    }
    double text_mb = (double)s.text_bytes / MIB;
    printf("index            %s (generation %llu, %u segment%s)\n", dir,
           (unsigned long long)s.generation, s.segment_count, s.segment_count == 1 ? "" : "s");
    printf("language         %s\n", s.language);
    printf("analyzer         %s\n", s.analyzer_id);
    printf("documents        %llu", (unsigned long long)s.docs);
    if (s.deleted_docs)
        printf(" (+%llu deleted, not yet merged away)", (unsigned long long)s.deleted_docs);
    printf("\ntokens           %llu\n", (unsigned long long)s.total_tokens);
    printf("distinct terms   %llu forms, %llu stems (summed over segments)\n",
           (unsigned long long)s.forms, (unsigned long long)s.stems);
    printf("postings         %llu\n", (unsigned long long)s.postings);
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
    int rc = indexer_verify(dir, report_line, &v);
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

/* Parse argv, run, print; returns the exit code. `positional` has room for argc items. */
/* A JSON string: valid UTF-8 kept (invalid bytes become U+FFFD), quotes, backslashes
 * and control characters escaped. */
static void put_json_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len;) {
        const size_t at = i;
        const uint32_t cp = quire_utf8_next((const uint8_t *)s, len, &i);
        if (cp == '"' || cp == '\\')
            fprintf(f, "\\%c", (int)cp);
        else if (cp < 0x20 || cp == 0x7f)
            fprintf(f, "\\u%04x", (unsigned)cp);
        else if (cp == 0xFFFD && !(i - at == 3 && (uint8_t)s[at] == 0xEF))
            fputs("\xef\xbf\xbd", f); /* an invalid sequence */
        else
            fwrite(s + at, 1, i - at, f);
    }
    fputc('"', f);
}

static void warn_export(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "quire-index: %s\n", message);
}

/* What a run skipped, for --summary-json (indexer_skip_fn). */
typedef struct skip_entry {
    indexer_skip_kind kind;
    char *what;
    uint64_t line;
    char *reason;
} skip_entry;

typedef struct skip_list {
    skip_entry *v;
    size_t count, cap;
    bool lost; /* out of memory: the list is incomplete (the counts are not) */
} skip_list;

static void on_skip(void *ctx, indexer_skip_kind kind, const char *what, uint64_t line,
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

/* --summary-json: the run as one JSON object (README "Exit status"). The only JSON this
 * program writes besides --export-jsonl's documents. */
static void write_summary_json(FILE *f, const indexer_opts *o, const indexer_summary *sum,
                               const skip_list *skips, int exit_code, const char *error)
{
    static const char *const status[] = {"ok", "failed", "usage", "warnings"};
    fprintf(f, "{\"status\":\"%s\",\"exit\":%d,\"index\":", status[exit_code], exit_code);
    put_json_string(f, o->index_dir, strlen(o->index_dir));
    fprintf(f, ",\"dry_run\":%s,\"committed\":%s,\"generation\":%llu",
            o->dry_run ? "true" : "false", sum->committed ? "true" : "false",
            (unsigned long long)sum->generation);
    fprintf(f,
            ",\"added\":%llu,\"replaced\":%llu,\"deleted\":%llu,\"skipped\":%llu,"
            "\"delete_not_found\":%llu,\"warnings\":%llu",
            (unsigned long long)(sum->docs_added - sum->docs_replaced),
            (unsigned long long)sum->docs_replaced, (unsigned long long)sum->docs_deleted,
            (unsigned long long)sum->docs_skipped, (unsigned long long)sum->delete_missing,
            (unsigned long long)sum->warnings);
    for (int kind = INDEXER_SKIPPED; kind <= INDEXER_DELETE_NOT_FOUND; kind++) {
        fputs(kind == INDEXER_SKIPPED ? ",\"skipped_inputs\":[" : ",\"ids_not_found\":[", f);
        bool first = true;
        for (size_t i = 0; i < skips->count; i++) {
            const skip_entry *e = &skips->v[i];
            if ((int)e->kind != kind)
                continue;
            fputs(first ? "" : ",", f);
            first = false;
            if (kind == INDEXER_DELETE_NOT_FOUND) {
                put_json_string(f, e->what, strlen(e->what));
                continue;
            }
            fputs("{\"input\":", f);
            put_json_string(f, e->what, strlen(e->what));
            if (e->line)
                fprintf(f, ",\"line\":%llu", (unsigned long long)e->line);
            else
                fputs(",\"line\":null", f);
            fputs(",\"reason\":", f);
            put_json_string(f, e->reason, strlen(e->reason));
            fputc('}', f);
        }
        fputc(']', f);
    }
    if (skips->lost)
        fputs(",\"lists_incomplete\":true", f);
    fputs(",\"error\":", f);
    if (error)
        put_json_string(f, error, strlen(error));
    else
        fputs("null", f);
    fputs("}\n", f);
}

/* Write the summary to `path` ("-": stdout); false (after a message) if it could not be. */
static bool summary_to(const char *path, const indexer_opts *o, const indexer_summary *sum,
                       const skip_list *skips, int exit_code, const char *error)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "quire-index: --summary-json %s: %s\n", path, strerror(errno));
        return false;
    }
    write_summary_json(f, o, sum, skips, exit_code, error);
    const bool ok = f == stdout ? fflush(f) == 0 : fclose(f) == 0;
    if (!ok)
        fprintf(stderr, "quire-index: --summary-json %s: %s\n", path, strerror(errno));
    return ok;
}

static int parse_encoding(const char *v, int *out)
{
    static const struct {
        const char *name;
        source_encoding e;
    } names[] = {{"auto", SOURCE_ENCODING_AUTO},          {"utf-8", SOURCE_ENCODING_UTF8},
                 {"utf8", SOURCE_ENCODING_UTF8},          {"latin1", SOURCE_ENCODING_LATIN1},
                 {"iso-8859-1", SOURCE_ENCODING_LATIN1},  {"cp1252", SOURCE_ENCODING_CP1252},
                 {"windows-1252", SOURCE_ENCODING_CP1252}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(v, names[i].name) == 0) {
            *out = (int)names[i].e;
            return 0;
        }
    return -1;
}

/* --export-jsonl: the documents of `inputs` as an indexing run reads them (ingest.h:
 * files, folders, TREC, JSON Lines, gzip), one JSON object a line, for other tools (bench/
 * feeds them to the peers). Bad items are skipped with a warning naming file and line, as when indexing.
 * Exit as an indexing run would: 0, 3 if something was skipped, 1 if an input does not
 * exist (unless allow_missing), the inputs could not be read or the output written. */
static int export_jsonl(const char *const *inputs, size_t count, int encoding, bool allow_missing)
{
    ingest *in = NULL;
    const ingest_opts io = {.inputs = inputs,
                            .input_count = count,
                            .allow_missing = allow_missing,
                            .encoding = (source_encoding)encoding,
                            .warn = warn_export};
    if (ingest_check_inputs(inputs, count, allow_missing) != QUIRE_OK ||
        ingest_open(&in, &io) != QUIRE_OK) {
        fprintf(stderr, "quire-index: %s\n", quire_errmsg());
        return EXIT_FAILED;
    }
    source_doc d;
    int rc;
    while ((rc = ingest_next(in, &d)) == QUIRE_OK) {
        fputs("{\"id\":", stdout);
        put_json_string(stdout, d.external_id, d.external_id_len);
        fputs(",\"title\":", stdout);
        put_json_string(stdout, d.title, d.title_len);
        if (d.date != QUIRE_NO_DATE) {
            char day[11];
            quire_date_format(d.date, day);
            printf(",\"date\":\"%s\"", day);
        }
        fputs(",\"text\":", stdout);
        put_json_string(stdout, d.text, d.text_len);
        fputs("}\n", stdout);
    }
    const bool failed = rc < 0; /* bad items were skipped with a warning, as indexing does */
    const bool skipped = ingest_skipped_count(in) > 0;
    if (rc < 0)
        fprintf(stderr, "quire-index: %s\n", quire_errmsg());
    ingest_close(in);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "quire-index: writing standard output: %s\n", strerror(errno));
        return EXIT_FAILED;
    }
    return failed ? EXIT_FAILED : skipped ? EXIT_SKIPPED : EXIT_DONE;
}

/* --shards: index into a shard set, as one process or as one rank of an MPI job (every
 * rank runs this; only rank 0 prints the summary). */
static int run_shards(indexer_opts *o, uint32_t shard_count, size_t chunk, bool quiet)
{
    quire_comm *comm = NULL;
    if (quire_comm_start(&comm, NULL, NULL) != QUIRE_OK) {
        fprintf(stderr, "quire-index: %s\n", quire_errmsg());
        return 1;
    }
    const bool root = quire_comm_rank(comm) == 0;
    o->progress = NULL; /* documents arrive from every process: no total to show */
    shard_index_opts so = {*o, shard_count, chunk, comm};
    shard_index_summary sum;
    const int rc = shard_index_run(&so, &sum);
    int code = 0;
    if (rc != QUIRE_OK) {
        if (root)
            fprintf(stderr,
                    "quire-index: %s\nquire-index: nothing committed by the failed pass; every "
                    "shard of %s keeps its last commit\n",
                    quire_errmsg(), o->index_dir);
        code = 1;
    } else if (root && o->dry_run) {
        const indexer_summary *t = &sum.total;
        printf("dry run, nothing written: %s would get %llu new document%s, %llu replaced, "
               "%llu deleted (%llu --delete id%s not found, %llu inputs skipped)\n",
               o->index_dir, (unsigned long long)(t->docs_added - t->docs_replaced),
               t->docs_added - t->docs_replaced == 1 ? "" : "s",
               (unsigned long long)t->docs_replaced, (unsigned long long)t->docs_deleted,
               (unsigned long long)t->delete_missing, t->delete_missing == 1 ? "" : "s",
               (unsigned long long)t->docs_skipped);
    } else if (root && !quiet) {
        const indexer_summary *t = &sum.total;
        const double text_mb = (double)t->text_bytes / MIB;
        printf("indexed %llu document%s (%llu skipped, %llu warnings) into %u shards of %s "
               "by %u process%s (%s), %u pass%s over %llu input chunk%s\n",
               (unsigned long long)t->docs_added, t->docs_added == 1 ? "" : "s",
               (unsigned long long)t->docs_skipped, (unsigned long long)t->warnings,
               (unsigned)sum.shard_count, o->index_dir, (unsigned)quire_comm_size(comm),
               quire_comm_size(comm) == 1 ? "" : "es", quire_comm_kind(comm), (unsigned)sum.passes,
               sum.passes == 1 ? "" : "es", (unsigned long long)sum.chunks,
               sum.chunks == 1 ? "" : "s");
        printf("  %llu new, %llu replaced an older version, %llu deleted by id; %u merge%s of "
               "committed segments\n",
               (unsigned long long)(t->docs_added - t->docs_replaced),
               (unsigned long long)t->docs_replaced, (unsigned long long)t->docs_deleted,
               t->merges, t->merges == 1 ? "" : "s");
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
    quire_comm_finish(comm);
    return code;
}

static int run_cli(int argc, char **argv, const char **positional, id_list *ids, skip_list *skips)
{
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.keep_diacritics = -1;
    o.zlib_level = -1;
    bool quiet = false, shards = false;
    const char *summary_path = NULL;
    uint32_t shard_count = 0;
    size_t chunk = 0;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("quire-index %s (index format %d; reads formats %d to %d)\n", QUIRE_VERSION,
                   QUIRE_FORMAT_VERSION, QUIRE_FORMAT_MIN_VERSION, QUIRE_FORMAT_VERSION);
            return 0;
        } else if (strcmp(a, "--stats") == 0 || strcmp(a, "--verify") == 0 ||
                   strcmp(a, "--verify-all") == 0) {
            if (!val || i + 2 != argc) {
                char msg[128];
                snprintf(msg, sizeof msg, "%s takes one INDEX and nothing else", a);
                return bad_usage(msg);
            }
            return strcmp(a, "--stats") == 0 ? do_stats(val)
                                             : do_verify(val, strcmp(a, "--verify-all") == 0);
        } else if (strcmp(a, "--export-jsonl") == 0) {
            if (i + 1 >= argc)
                return bad_usage("--export-jsonl needs at least one INPUT");
            return export_jsonl((const char *const *)argv + i + 1, (size_t)(argc - i - 1),
                                o.encoding, o.allow_missing);
        } else if (strcmp(a, "--language") == 0 && val) {
            if (strcmp(val, "list") == 0) {
                for (const char **l = quire_analyzer_languages(); *l; l++)
                    printf("%s\n", *l);
                return 0;
            }
            o.language = val;
            i++;
        } else if (strcmp(a, "--keep-diacritics") == 0) {
            o.keep_diacritics = 1;
        } else if (strcmp(a, "--memory") == 0 && val) {
            if (quire_parse_size(val, (size_t)1 << 20, &o.memory) != QUIRE_OK) {
                fprintf(stderr,
                        "quire-index: --memory %s: expected a size of at least 1M, "
                        "like 64M or 2G\n",
                        val);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--threads") == 0 && val) {
            char *end;
            long n = strtol(val, &end, 10);
            if (*end || n < 1 || n > 64) {
                fprintf(stderr, "quire-index: --threads %s: expected 1 to 64\n", val);
                return 2;
            }
            o.threads = (int)n;
            i++;
        } else if (strcmp(a, "--store-level") == 0 && val) {
            char *end;
            long n = strtol(val, &end, 10);
            if (*end || n < 0 || n > 9) {
                fprintf(stderr, "quire-index: --store-level %s: expected 0 to 9\n", val);
                return 2;
            }
            o.zlib_level = (int)n;
            i++;
        } else if (strcmp(a, "--encoding") == 0 && val) {
            if (parse_encoding(val, &o.encoding) != 0) {
                fprintf(stderr,
                        "quire-index: --encoding %s: expected auto, utf-8, latin1 or cp1252\n",
                        val);
                return 2;
            }
            i++;
        } else if (strcmp(a, "--summary-json") == 0 && val) {
            summary_path = val;
            i++;
        } else if (strcmp(a, "--delete") == 0 && val) {
            if (push_id(ids, val) != 0)
                return 1;
            i++;
        } else if (strcmp(a, "--delete-from") == 0 && val) {
            if (read_ids(ids, val) != 0)
                return 1;
            i++;
        } else if (strcmp(a, "--dry-run") == 0) {
            o.dry_run = true;
        } else if (strcmp(a, "--optimize") == 0) {
            o.optimize = true;
        } else if (strcmp(a, "--stop-on-error") == 0) {
            o.stop_on_error = true;
        } else if (strcmp(a, "--allow-missing") == 0) {
            o.allow_missing = true;
        } else if (strcmp(a, "--allow-empty") == 0) {
            o.allow_empty = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (strcmp(a, "--shards") == 0) {
            shards = true;
        } else if (strcmp(a, "--shard-count") == 0 && val) {
            char *end;
            long n = strtol(val, &end, 10);
            if (*end || n < 1 || n > QUIRE_SHARDSET_MAX) {
                fprintf(stderr, "quire-index: --shard-count %s: expected 1 to %d\n", val,
                        QUIRE_SHARDSET_MAX);
                return 2;
            }
            shard_count = (uint32_t)n;
            i++;
        } else if (strcmp(a, "--chunk") == 0 && val) {
            size_t n;
            if (quire_parse_size(val, (size_t)1 << 20, &n) != QUIRE_OK) {
                fprintf(stderr, "quire-index: --chunk %s: expected a size like 16M\n", val);
                return 2;
            }
            chunk = n;
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "quire-index: unknown option or missing value: %s (see --help)\n", a);
            return 2;
        } else {
            positional[npos++] = a;
        }
    }
    bool no_inputs_ok = ids->count > 0 || o.optimize;
    if (npos < 1 || (npos < 2 && !no_inputs_ok))
        return bad_usage(npos < 1 ? "need an INDEX directory and at least one INPUT"
                                  : "need at least one INPUT after the INDEX directory");
    o.delete_ids = (const char *const *)ids->v;
    o.delete_count = ids->count;
    o.index_dir = positional[0];
    o.inputs = positional + 1;
    o.input_count = (size_t)npos - 1;
    bool tty = isatty(STDERR_FILENO);
    if (!quiet && tty)
        o.progress = progress;
    o.warn = tty ? warn : warn_plain;
    o.on_skip = on_skip;
    o.skip_ctx = skips;
    if ((shard_count || chunk) && !shards) {
        fprintf(stderr, "quire-index: --shard-count and --chunk go with --shards\n");
        return 2;
    }
    if (shards)
    {
        if (summary_path != NULL) {
            fprintf(stderr, "quire-index: --summary-json does not go with --shards yet\n");
            return 2;
        }
        return run_shards(&o, shard_count, chunk, quiet);
    }

    indexer_summary sum;
    int rc = indexer_run(&o, &sum);
    const int code = rc != QUIRE_OK ? EXIT_FAILED : sum.docs_skipped ? EXIT_SKIPPED : EXIT_DONE;
    if (rc == QUIRE_OK && o.dry_run) {
        printf("dry run, nothing written: %s would get %llu new document%s, %llu replaced, "
               "%llu deleted (%llu --delete id%s not found, %llu skipped)\n",
               o.index_dir, (unsigned long long)(sum.docs_added - sum.docs_replaced),
               sum.docs_added - sum.docs_replaced == 1 ? "" : "s",
               (unsigned long long)sum.docs_replaced, (unsigned long long)sum.docs_deleted,
               (unsigned long long)sum.delete_missing, sum.delete_missing == 1 ? "" : "s",
               (unsigned long long)sum.docs_skipped);
        if (summary_path && !summary_to(summary_path, &o, &sum, skips, code, NULL))
            return EXIT_FAILED;
        return code;
    }
    if (rc != QUIRE_OK) {
        char error[1024];
        snprintf(error, sizeof error, "%s", quire_errmsg());
        if (tty)
            fputs("\r\033[K", stderr);
        fprintf(stderr, "quire-index: %s\n", error);
        if (rc == QUIRE_ENOTFOUND && strncmp(error, "input ", 6) == 0)
            fprintf(stderr, "quire-index: (--allow-missing indexes the other inputs)\n");
        else if (rc == QUIRE_EINVAL && strncmp(error, "no document was indexed", 23) == 0)
            fprintf(stderr, "quire-index: (--allow-empty commits such a run)\n");
        index_stats s;
        if (indexer_stats(o.index_dir, &s) == QUIRE_OK) {
            sum.generation = s.generation;
            fprintf(stderr,
                    "quire-index: nothing committed; %s keeps its last commit "
                    "(generation %llu, %llu documents)\n",
                    o.index_dir, (unsigned long long)s.generation, (unsigned long long)s.docs);
        } else {
            sum.generation = 0;
            fprintf(stderr, "quire-index: nothing committed\n");
        }
        sum.committed = false;
        if (summary_path)
            (void)summary_to(summary_path, &o, &sum, skips, code, error);
        return code;
    }
    if (!quiet) {
        double in_mb = (double)sum.input_bytes / MIB, text_mb = (double)sum.text_bytes / MIB;
        index_stats s;
        printf("indexed %llu document%s (%llu skipped, %llu warnings) into %s, generation %llu%s\n",
               (unsigned long long)sum.docs_added, sum.docs_added == 1 ? "" : "s",
               (unsigned long long)sum.docs_skipped, (unsigned long long)sum.warnings, o.index_dir,
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
        if (indexer_stats(o.index_dir, &s) == QUIRE_OK) {
            printf("  index now: %llu documents, %llu forms, %llu stems, %llu postings, %u "
                   "segment%s\n",
                   (unsigned long long)s.docs, (unsigned long long)s.forms,
                   (unsigned long long)s.stems, (unsigned long long)s.postings, s.segment_count,
                   s.segment_count == 1 ? "" : "s");
            printf("  size by component (%% of the text indexed in all runs):\n");
            print_components(&s, (double)s.text_bytes / MIB);
        }
        if (code == EXIT_SKIPPED)
            printf("finished with warnings: %llu skipped (exit status 3)\n",
                   (unsigned long long)sum.docs_skipped);
    }
    if (summary_path && !summary_to(summary_path, &o, &sum, skips, code, NULL))
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
