/*
 * main.c - quire-query: argv -> search_options -> search_query(); prints the hits; maps
 * the result to grep's exit codes (0 hits, 1 none, 2 error). The only file of the query
 * program that prints or exits.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "comm.h"
#include "query.h"
#include "quire/analysis.h"
#include "quire/date.h"

#define EXIT_HITS  0
#define EXIT_NONE  1
#define EXIT_ERROR 2

typedef enum output_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_TREC } output_format;

typedef struct cli {
    search_options search;
    output_format format;
    bool format_given; /* --format was used (--batch defaults to trec otherwise) */
    bool count_only;
    const char *batch;   /* --batch FILE, or NULL */
    const char *timings; /* --timings FILE (with --batch), or NULL */
    const char *qid;
    const char *tag;
    bool passages_given;   /* --passages was used (default: 1 for text and json, 0 for trec) */
    int color;             /* -1 auto (a terminal without NO_COLOR), 0 never, 1 always */
    const char *mark_open; /* around highlights without colour */
    const char *mark_close;
    bool shards; /* --shards: INDEX is a shard set */
} cli;

/* Under mpirun every rank runs the queries; only rank 0 prints (results and errors). */
static bool silent_rank;

typedef enum opt_id {
    OPT_TOP,
    OPT_ANY,
    OPT_ALL,
    OPT_K1,
    OPT_B,
    OPT_FORMAT,
    OPT_COUNT,
    OPT_LENIENT,
    OPT_BATCH,
    OPT_QID,
    OPT_TAG,
    OPT_TIMINGS,
    OPT_EXACT,
    OPT_PASSAGES,
    OPT_PASSAGE_LENGTH,
    OPT_COLOR,
    OPT_MARK_OPEN,
    OPT_MARK_CLOSE,
    OPT_SHARDS,
    OPT_HELP,
    OPT_VERSION
} opt_id;

/* One table for parsing and --help (libgit2 src/cli/cmd_cat_file.c). */
static const struct option_spec {
    opt_id id;
    char short_name;       /* 0 if none */
    const char *long_name; /* without "--" */
    const char *arg;       /* NULL for a flag */
    const char *help;
} options[] = {
    {OPT_TOP, 'k', "top", "N", "show the N best hits (default 10; 0: count only)"},
    {OPT_ALL, 0, "all", NULL, "require every word (default)"},
    {OPT_ANY, 0, "any", NULL, "ranked OR: documents with any of the words"},
    {OPT_K1, 0, "k1", "X", "BM25 term-frequency saturation (default 0.9, Anserini's)"},
    {OPT_B, 0, "b", "X", "BM25 length normalisation, 0..1 (default 0.4, Anserini's)"},
    {OPT_FORMAT, 0, "format", "F", "output: text (default; trec with --batch), json or trec"},
    {OPT_COUNT, 0, "count", NULL,
     "print only the exact number of matching documents (and a phrase's occurrences)"},
    {OPT_LENIENT, 0, "lenient", NULL, "read a malformed query as plain words (default: error)"},
    {OPT_BATCH, 0, "batch", "FILE", "run each 'qid<TAB>query' line of FILE ('-': stdin)"},
    {OPT_QID, 0, "qid", "Q", "query id for --format trec (default 1)"},
    {OPT_TAG, 0, "tag", "T", "run tag for --format trec (default quire)"},
    {OPT_TIMINGS, 0, "timings", "FILE",
     "with --batch: write 'qid<TAB>microseconds' per query (search + output; for bench/)"},
    {OPT_EXACT, 0, "exact-count", NULL,
     "score every match, for an exact count (default: a ranked OR skips documents that\n"
     "                     cannot reach the top k, and its count is a lower bound)"},
    {OPT_PASSAGES, 'p', "passages", "N",
     "best passages per hit, highlighted (default 1; 0: none; trec: none)"},
    {OPT_PASSAGE_LENGTH, 0, "passage-length", "BYTES", "target passage length (default 240)"},
    {OPT_COLOR, 0, "color", "WHEN",
     "highlight in colour: auto (default: on a terminal, unless NO_COLOR is set), always, never"},
    {OPT_MARK_OPEN, 0, "mark-open", "S", "text before a highlight without colour (default [[)"},
    {OPT_MARK_CLOSE, 0, "mark-close", "S", "text after a highlight without colour (default ]])"},
    {OPT_SHARDS, 0, "shards", NULL,
     "INDEX is a shard set (INDEX/shardset): search every shard as one index; under\n"
     "                     mpirun each rank searches its shards (scatter-gather)"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {OPT_VERSION, 0, "version", NULL, "show the version and exit"},
};
#define OPTION_COUNT (sizeof options / sizeof options[0])

static void usage(FILE *f)
{
    (void)fprintf(f, "usage: quire-query [options] INDEX QUERY...\n"
                     "       quire-query [options] --batch FILE INDEX\n"
                     "Rank the documents of INDEX matching QUERY by BM25. QUERY: words (by stem),\n"
                     "\"exact phrases\", ~\"stemmed phrases\", AND OR NOT - + ( ), title:, date:,\n"
                     "a NEAR/n b, a ONEAR/n b, prefix*\n"
                     "(see README.md, \"Query language\").\n"
                     "Exit status: 0 if a document matched, 1 if none, 2 on error.\n\noptions:\n");
    for (size_t i = 0; i < OPTION_COUNT; i++) {
        char left[40];
        const struct option_spec *o = &options[i];
        if (o->short_name != 0)
            (void)snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->long_name,
                           o->arg ? " " : "", o->arg ? o->arg : "");
        else
            (void)snprintf(left, sizeof left, "    --%s%s%s", o->long_name, o->arg ? " " : "",
                           o->arg ? o->arg : "");
        (void)fprintf(f, "  %-18s %s\n", left, o->help);
    }
    (void)fprintf(f, "  %-18s %s\n", "--", "end of options (for words starting with '-')");
}

/* Print "quire-query: <message>" on stderr; returns EXIT_ERROR. */
QUIRE_PRINTF(1, 2) static int fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)fprintf(stderr, "quire-query: %s\n", msg);
    return EXIT_ERROR;
}

static int parse_count(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    const unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Apply one option; returns -1 (after printing) on a bad value, 1 to exit 0 at once. */
static int apply(cli *c, const struct option_spec *o, const char *value)
{
    if (value == NULL) {
        if (o->arg != NULL) /* parse_args() always gives one */
            return fail("option --%s needs a value", o->long_name), -1;
        value = ""; /* a flag */
    }
    switch (o->id) {
    case OPT_TOP:
        if (parse_count(value, &c->search.top_k) != 0)
            return fail("--top: not a count: '%s'", value), -1;
        return 0;
    case OPT_ANY:
        c->search.match_any = true;
        return 0;
    case OPT_ALL:
        c->search.match_any = false;
        return 0;
    case OPT_K1:
        if (parse_real(value, &c->search.k1) != 0 || c->search.k1 < 0)
            return fail("--k1: not a number >= 0: '%s'", value), -1;
        return 0;
    case OPT_B:
        if (parse_real(value, &c->search.b) != 0 || c->search.b < 0 || c->search.b > 1)
            return fail("--b: not a number in 0..1: '%s'", value), -1;
        return 0;
    case OPT_FORMAT:
        if (strcmp(value, "text") == 0)
            c->format = FORMAT_TEXT;
        else if (strcmp(value, "json") == 0)
            c->format = FORMAT_JSON;
        else if (strcmp(value, "trec") == 0)
            c->format = FORMAT_TREC;
        else
            return fail("--format: expected text, json or trec, not '%s'", value), -1;
        c->format_given = true;
        return 0;
    case OPT_COUNT:
        c->count_only = true;
        return 0;
    case OPT_LENIENT:
        c->search.lenient = true;
        return 0;
    case OPT_BATCH:
        c->batch = value;
        return 0;
    case OPT_QID:
        c->qid = value;
        return 0;
    case OPT_TAG:
        c->tag = value;
        return 0;
    case OPT_TIMINGS:
        c->timings = value;
        return 0;
    case OPT_EXACT:
        c->search.exhaustive = true;
        return 0;
    case OPT_PASSAGES:
        if (parse_count(value, &c->search.passages) != 0 || c->search.passages > 64)
            return fail("--passages: not a count from 0 to 64: '%s'", value), -1;
        c->passages_given = true;
        return 0;
    case OPT_PASSAGE_LENGTH: {
        uint32_t n;
        if (parse_count(value, &n) != 0 || n < 16 || n > 65536)
            return fail("--passage-length: not a length from 16 to 65536: '%s'", value), -1;
        c->search.passage_bytes = n;
        return 0;
    }
    case OPT_COLOR:
        if (strcmp(value, "auto") == 0)
            c->color = -1;
        else if (strcmp(value, "always") == 0)
            c->color = 1;
        else if (strcmp(value, "never") == 0)
            c->color = 0;
        else
            return fail("--color: expected auto, always or never, not '%s'", value), -1;
        return 0;
    case OPT_MARK_OPEN:
        c->mark_open = value;
        return 0;
    case OPT_MARK_CLOSE:
        c->mark_close = value;
        return 0;
    case OPT_SHARDS:
        c->shards = true;
        return 0;
    case OPT_HELP:
        usage(stdout);
        return 1;
    case OPT_VERSION:
        printf("quire-query 0.1.0\n");
        return 1;
    }
    return 0;
}

static const struct option_spec *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (strlen(options[i].long_name) == len && memcmp(options[i].long_name, name, len) == 0)
            return &options[i];
    return NULL;
}

static const struct option_spec *find_short(char name)
{
    for (size_t i = 0; i < OPTION_COUNT; i++)
        if (options[i].short_name == name)
            return &options[i];
    return NULL;
}

/* Parse argv: options anywhere before "--", the first other argument is INDEX, the rest
 * are words; after INDEX, a "-word" that is no option is a word (the query's -word). argv is
 * reordered so that the *positional_count positional arguments come first, from argv[1]. Returns 0,
 * 1 (exit 0 now: --help) or -1 (error printed). */
static int parse_args(cli *c, int argc, char **argv, int *positional_count)
{
    int positional = 0;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            argv[1 + positional++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        const struct option_spec *o;
        const char *value = NULL;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            o = find_long(name, eq ? (size_t)(eq - name) : strlen(name));
            if (o != NULL && eq != NULL) {
                if (o->arg == NULL)
                    return fail("option '%s' takes no value", arg), -1;
                value = eq + 1;
            }
        } else {
            o = arg[2] == '\0' ? find_short(arg[1]) : NULL;
            if (o == NULL && find_short(arg[1]) != NULL && find_short(arg[1])->arg != NULL) {
                o = find_short(arg[1]); /* -k5 */
                value = arg + 2;
            }
        }
        if (o == NULL && arg[1] != '-' && positional > 0) {
            /* After INDEX, "-word" that is no option is the query's NOT: `putin -xi`. */
            argv[1 + positional++] = arg;
            continue;
        }
        if (o == NULL)
            return fail("unknown option '%s' (see --help)", arg), -1;
        if (o->arg != NULL && value == NULL) {
            if (i + 1 >= argc)
                return fail("option '%s' needs a value", arg), -1;
            value = argv[++i];
        }
        const int rc = apply(c, o, value);
        if (rc != 0)
            return rc;
    }
    *positional_count = positional;
    return 0;
}

static char *join_words(char *const *words, int count)
{
    size_t len = 1;
    for (int i = 0; i < count; i++)
        len += strlen(words[i]) + 1;
    char *text = malloc(len);
    if (text == NULL)
        return NULL;
    size_t at = 0;
    for (int i = 0; i < count; i++) {
        const size_t n = strlen(words[i]);
        if (i > 0)
            text[at++] = ' ';
        memcpy(text + at, words[i], n);
        at += n;
    }
    text[at] = '\0';
    return text;
}

/* Print bytes with control characters (newlines in a title...) as spaces: one hit, one line. */
static void print_clean(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const unsigned char ch = (unsigned char)s[i];
        putchar(ch < 0x20 || ch == 0x7f ? ' ' : ch);
    }
}

/* How highlights look in text output. */
typedef struct marks {
    const char *open;
    const char *close;
} marks;

/* Print s[0..len) (bytes base..base+len of a field) on one line: white space and control
 * characters collapsed to one space, highlights h[0..n) (absolute offsets) marked. */
static void print_marked(const char *s, size_t len, size_t base, const search_highlight *h,
                         uint32_t n, const marks *m)
{
    uint32_t k = 0;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        const size_t at = base + i;
        while (k < n && h[k].end <= at)
            k++;
        const bool opens = k < n && h[k].start == at;
        const unsigned char ch = (unsigned char)s[i];
        const bool blank = ch <= 0x20 || ch == 0x7f;
        if (blank && !opens) {
            space = true;
            continue;
        }
        if (space)
            putchar(' ');
        space = false;
        if (opens)
            (void)fputs(m->open, stdout);
        putchar(blank ? ' ' : ch);
        if (k < n && h[k].end == at + 1)
            (void)fputs(m->close, stdout);
    }
}

static void print_text(const search_result *r, const marks *m)
{
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const search_hit *h = &r->hits[i];
        printf("%u. ", (unsigned)(i + 1));
        print_clean(h->external_id, h->external_id_len);
        printf("  %.4f  ", h->score);
        if (h->title_len > 0)
            print_marked(h->title, h->title_len, 0, h->title_highlights, h->title_highlight_count,
                         m);
        else
            (void)fputs("(no title)", stdout);
        if (h->date != QUIRE_NO_DATE) {
            char day[11];
            quire_date_format(h->date, day);
            printf("  %s", day);
        }
        putchar('\n');
        for (uint32_t k = 0; k < h->passage_count; k++) {
            const search_passage *p = &h->passages[k];
            (void)fputs("   ", stdout);
            if (p->cut_before)
                (void)fputs("\u2026", stdout);
            print_marked(p->text, p->end - p->start, p->start, p->highlights, p->highlight_count,
                         m);
            if (p->cut_after)
                (void)fputs("\u2026", stdout);
            putchar('\n');
        }
    }
    printf("%s%llu matching document%s\n", r->match_count_exact ? "" : "at least ",
           (unsigned long long)r->match_count, r->match_count == 1 ? "" : "s");
}

static void print_trec(const search_result *r, const char *qid, const char *tag)
{
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const search_hit *h = &r->hits[i];
        printf("%s Q0 ", qid);
        print_clean(h->external_id, h->external_id_len);
        printf(" %u %.4f %s\n", (unsigned)(i + 1), h->score, tag);
    }
}

/* A JSON string: UTF-8 kept (invalid bytes become U+FFFD), quotes, backslashes and
 * control characters escaped. */
static void print_json_string(const char *s, size_t len)
{
    putchar('"');
    for (size_t i = 0; i < len;) {
        const uint32_t cp = quire_utf8_next((const uint8_t *)s, len, &i);
        if (cp == '"' || cp == '\\') {
            putchar('\\');
            putchar((int)cp);
        } else if (cp < 0x20 || cp == 0x7F) {
            printf("\\u%04x", (unsigned)cp);
        } else if (cp < 0x80) {
            putchar((int)cp);
        } else if (cp < 0x800) {
            putchar((int)(0xC0 | (cp >> 6)));
            putchar((int)(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            putchar((int)(0xE0 | (cp >> 12)));
            putchar((int)(0x80 | ((cp >> 6) & 0x3F)));
            putchar((int)(0x80 | (cp & 0x3F)));
        } else {
            putchar((int)(0xF0 | (cp >> 18)));
            putchar((int)(0x80 | ((cp >> 12) & 0x3F)));
            putchar((int)(0x80 | ((cp >> 6) & 0x3F)));
            putchar((int)(0x80 | (cp & 0x3F)));
        }
    }
    putchar('"');
}

static void print_json_spans(const search_highlight *h, uint32_t n)
{
    putchar('[');
    for (uint32_t i = 0; i < n; i++)
        printf("%s[%zu,%zu]", i ? "," : "", h[i].start, h[i].end);
    putchar(']');
}

/* One object per hit and line: rank, id, title, date, score (and qid in a batch); with
 * passages, title_highlights and passages (byte offsets into the title and the text). */
static void print_json(const search_result *r, const char *qid, bool passages)
{
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const search_hit *h = &r->hits[i];
        putchar('{');
        if (qid != NULL) {
            (void)fputs("\"qid\":", stdout);
            print_json_string(qid, strlen(qid));
            putchar(',');
        }
        printf("\"rank\":%u,\"id\":", (unsigned)(i + 1));
        print_json_string(h->external_id, h->external_id_len);
        (void)fputs(",\"title\":", stdout);
        print_json_string(h->title, h->title_len);
        if (h->date == QUIRE_NO_DATE) {
            (void)fputs(",\"date\":null", stdout);
        } else {
            char day[11];
            quire_date_format(h->date, day);
            printf(",\"date\":\"%s\"", day);
        }
        printf(",\"score\":%.4f", h->score);
        if (h->passages != NULL || h->title_highlights != NULL || passages) {
            (void)fputs(",\"title_highlights\":", stdout);
            print_json_spans(h->title_highlights, h->title_highlight_count);
            (void)fputs(",\"passages\":[", stdout);
            for (uint32_t k = 0; k < h->passage_count; k++) {
                const search_passage *p = &h->passages[k];
                printf("%s{\"start\":%zu,\"end\":%zu,\"cut_before\":%s,\"cut_after\":%s,"
                       "\"text\":",
                       k ? "," : "", p->start, p->end, p->cut_before ? "true" : "false",
                       p->cut_after ? "true" : "false");
                print_json_string(p->text, p->end - p->start);
                (void)fputs(",\"highlights\":", stdout);
                print_json_spans(p->highlights, p->highlight_count);
                putchar('}');
            }
            putchar(']');
        }
        (void)fputs("}\n", stdout);
    }
}

/* --count: the exact number of matching documents, and of a phrase's occurrences.
 * (Evaluation is exhaustive, so both are exact; an estimate would be labelled as one.) */
static void print_count(const search_result *r, output_format format, const char *qid)
{
    if (format == FORMAT_JSON) {
        putchar('{');
        if (qid != NULL) {
            (void)fputs("\"qid\":", stdout);
            print_json_string(qid, strlen(qid));
            putchar(',');
        }
        printf("\"matches\":%llu", (unsigned long long)r->match_count);
        if (r->has_occurrences)
            printf(",\"occurrences\":%llu", (unsigned long long)r->occurrence_count);
        printf("}\n");
        return;
    }
    if (qid != NULL)
        printf("%s\t", qid);
    printf("%llu matching document%s", (unsigned long long)r->match_count,
           r->match_count == 1 ? "" : "s");
    if (r->has_occurrences)
        printf(", %llu occurrence%s", (unsigned long long)r->occurrence_count,
               r->occurrence_count == 1 ? "" : "s");
    putchar('\n');
}

static void print_result(const cli *c, const search_result *r, const char *batch_qid)
{
    if (silent_rank)
        return;
    if (c->count_only) {
        print_count(r, c->format, batch_qid);
        return;
    }
    switch (c->format) {
    case FORMAT_TREC:
        print_trec(r, batch_qid ? batch_qid : c->qid, c->tag);
        break;
    case FORMAT_JSON:
        print_json(r, batch_qid, c->search.passages > 0);
        break;
    case FORMAT_TEXT: {
        const bool colour =
            c->color == 1 || (c->color == -1 && isatty(STDOUT_FILENO) &&
                              (getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0'));
        const marks m =
            colour ? (marks){"\033[1;31m", "\033[0m"} : (marks){c->mark_open, c->mark_close};
        if (batch_qid != NULL)
            printf("# %s\n", batch_qid);
        print_text(r, &m);
        break;
    }
    }
}

/* Report a failed query: the message, then, for a syntax error, the query with a caret
 * under the culprit. A long query is shown as a window of about 60 bytes each side of
 * the culprit, cut at character boundaries and marked with "...", so that a hostile query
 * of 10,000 words gets a readable message rather than an echo of all of it. */
#define ERROR_CONTEXT 60

static void report_query_error(const searcher *s, const char *query, size_t len, const char *where)
{
    if (silent_rank)
        return;
    (void)fprintf(stderr, "quire-query: %s%s\n", where, quire_errmsg());
    const size_t at = search_error_offset(s);
    if (at == SIZE_MAX || at > len)
        return;
    size_t from = 0, to = len;
    if (len > 2 * ERROR_CONTEXT + 40) {
        from = at > ERROR_CONTEXT ? at - ERROR_CONTEXT : 0;
        to = len - at > ERROR_CONTEXT ? at + ERROR_CONTEXT : len;
        while (from > 0 && ((unsigned char)query[from] & 0xC0) == 0x80)
            from--; /* not inside a UTF-8 sequence */
        while (to < len && ((unsigned char)query[to] & 0xC0) == 0x80)
            to++;
    }
    (void)fputs(from > 0 ? "  ..." : "  ", stderr);
    for (size_t i = from; i < to; i++) {
        const unsigned char ch = (unsigned char)query[i];
        (void)fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, stderr);
    }
    (void)fputs(to < len ? "...\n  " : "\n  ", stderr);
    if (from > 0)
        (void)fputs("   ", stderr);
    for (size_t i = from; i < at;) {
        (void)quire_utf8_next((const uint8_t *)query, len, &i);
        (void)fputc(' ', stderr);
    }
    (void)fputs("^\n", stderr);
}

static double now_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* --batch: one query per 'qid<TAB>query' line; blank lines and '#' comments skipped.
 * With --timings, each query's wall time (search and printing its results) goes there.
 * Returns the exit code: 2 if any line failed, else 0 if any query matched, else 1. */
static int run_batch(cli *c, searcher *s)
{
    FILE *f = strcmp(c->batch, "-") == 0 ? stdin : fopen(c->batch, "r");
    if (f == NULL)
        return fail("%s: %s", c->batch, strerror(errno));
    FILE *tf = NULL;
    if (c->timings != NULL && !silent_rank && (tf = fopen(c->timings, "w")) == NULL) {
        if (f != stdin)
            (void)fclose(f);
        return fail("%s: %s", c->timings, strerror(errno));
    }
    if (!c->format_given)
        c->format = FORMAT_TREC;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long line_no = 0;
    bool any_error = false, any_hit = false;
    while ((n = getline(&line, &cap, f)) >= 0) {
        line_no++;
        size_t len = (size_t)n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *tab = memchr(line, '\t', len);
        char where[512];
        if (tab == NULL) {
            if (!silent_rank)
                (void)fprintf(stderr, "quire-query: %s:%lu: no tab between query id and query\n",
                              c->batch, line_no);
            any_error = true;
            continue;
        }
        *tab = '\0';
        const char *qid = line;
        (void)snprintf(where, sizeof where, "%s:%lu: query %s: ", c->batch, line_no, qid);
        c->search.query = tab + 1;
        c->search.query_len = len - (size_t)(tab + 1 - line);
        search_result r = SEARCH_RESULT_INIT;
        const double t0 = tf != NULL ? now_us() : 0;
        const int rc = search_query(&r, s, &c->search);
        if (rc != QUIRE_OK) {
            report_query_error(s, c->search.query, c->search.query_len, where);
            any_error = true;
            continue;
        }
        print_result(c, &r, qid);
        if (tf != NULL)
            (void)fprintf(tf, "%s\t%.1f\n", qid, now_us() - t0);
        any_hit |= r.match_count > 0;
        search_result_free(&r);
    }
    const bool read_error = ferror(f) != 0;
    free(line);
    if (f != stdin)
        (void)fclose(f);
    if (tf != NULL && fclose(tf) != 0)
        return fail("%s: %s", c->timings, strerror(errno));
    if (read_error)
        return fail("%s: read error", c->batch);
    return any_error ? EXIT_ERROR : any_hit ? EXIT_HITS : EXIT_NONE;
}

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    search_options_init(&c.search);
    c.format = FORMAT_TEXT;
    c.qid = "1";
    c.tag = "quire";
    c.color = -1;
    c.mark_open = "[[";
    c.mark_close = "]]";

    int positional = 0;
    const int parsed = parse_args(&c, argc, argv, &positional);
    if (parsed != 0)
        return parsed > 0 ? EXIT_HITS : EXIT_ERROR;
    if (c.batch != NULL ? positional != 1 : positional < 2) {
        usage(stderr);
        if (c.batch != NULL)
            return fail("%s", positional == 0 ? "missing INDEX" : "--batch takes INDEX only");
        return fail("%s", positional == 0 ? "missing INDEX and query" : "missing query");
    }
    if (c.timings != NULL && c.batch == NULL)
        return fail("%s", "--timings needs --batch");
    if (c.count_only)
        c.search.top_k = 0;
    if (c.batch != NULL && !c.format_given)
        c.format = FORMAT_TREC;
    if (!c.passages_given)
        c.search.passages = c.format == FORMAT_TREC || c.count_only ? 0 : 1;
    const char *dir = argv[1];

    char *text = NULL;
    if (c.batch == NULL) {
        text = join_words(argv + 2, positional - 1);
        if (text == NULL)
            return fail("%s", "out of memory");
        c.search.query = text;
        c.search.query_len = strlen(text);
    }

    int exit_code = EXIT_ERROR;
    searcher *s = NULL;
    search_result r = SEARCH_RESULT_INIT;
    quire_comm *comm = NULL;
    int rc;
    if (c.shards) {
        rc = quire_comm_start(&comm, NULL, NULL);
        silent_rank = rc == QUIRE_OK && quire_comm_rank(comm) != 0;
        if (rc == QUIRE_OK)
            rc = search_open_shards(&s, dir, comm);
    } else {
        rc = search_open(&s, dir);
    }
    if (rc == QUIRE_OK && !silent_rank) {
        const char *why;
        if (search_fell_back(s, &why))
            (void)fprintf(stderr, "quire-query: warning: %s (using an older generation)\n",
                          why ? why : "newest manifest damaged");
    }
    if (rc != QUIRE_OK) {
        if (!silent_rank)
            fail("%s", quire_errmsg());
    } else if (c.batch != NULL) {
        exit_code = run_batch(&c, s);
    } else if ((rc = search_query(&r, s, &c.search)) != QUIRE_OK) {
        report_query_error(s, c.search.query, c.search.query_len, "");
    } else {
        print_result(&c, &r, NULL);
        exit_code = r.match_count > 0 ? EXIT_HITS : EXIT_NONE;
    }
    if (exit_code != EXIT_ERROR && fflush(stdout) != 0)
        exit_code = fail("writing the results: %s", strerror(errno));
    search_result_free(&r);
    search_close(s);
    quire_comm_finish(comm);
    free(text);
    return exit_code;
}
