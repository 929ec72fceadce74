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

#include "search.h"

#define EXIT_HITS  0
#define EXIT_NONE  1
#define EXIT_ERROR 2

typedef enum output_format { FORMAT_TEXT, FORMAT_TREC } output_format;

typedef struct cli {
    search_options search;
    output_format format;
    const char *qid;
    const char *tag;
} cli;

typedef enum opt_id {
    OPT_TOP,
    OPT_ANY,
    OPT_ALL,
    OPT_K1,
    OPT_B,
    OPT_FORMAT,
    OPT_QID,
    OPT_TAG,
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
    {OPT_FORMAT, 0, "format", "F", "output: text (default) or trec"},
    {OPT_QID, 0, "qid", "Q", "query id for --format trec (default 1)"},
    {OPT_TAG, 0, "tag", "T", "run tag for --format trec (default quire)"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {OPT_VERSION, 0, "version", NULL, "show the version and exit"},
};
#define OPTION_COUNT (sizeof options / sizeof options[0])

static void usage(FILE *f)
{
    (void)fprintf(f, "usage: quire-query [options] INDEX WORD...\n"
                     "Rank the documents of INDEX by BM25 over the stems of the WORDs.\n"
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
        else if (strcmp(value, "trec") == 0)
            c->format = FORMAT_TREC;
        else
            return fail("--format: expected text or trec, not '%s'", value), -1;
        return 0;
    case OPT_QID:
        c->qid = value;
        return 0;
    case OPT_TAG:
        c->tag = value;
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
 * are words. argv is reordered so that the *positional_count positional arguments come
 * first, from argv[1]. Returns 0, 1 (exit 0 now: --help) or -1 (error printed). */
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

static void print_text(const search_result *r)
{
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const search_hit *h = &r->hits[i];
        printf("%u. ", (unsigned)(i + 1));
        print_clean(h->external_id, h->external_id_len);
        printf("  %.4f  ", h->score);
        if (h->title_len > 0)
            print_clean(h->title, h->title_len);
        else
            (void)fputs("(no title)", stdout);
        putchar('\n');
    }
    printf("%llu matching document%s\n", (unsigned long long)r->match_count,
           r->match_count == 1 ? "" : "s");
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

int main(int argc, char **argv)
{
    cli c;
    search_options_init(&c.search);
    c.format = FORMAT_TEXT;
    c.qid = "1";
    c.tag = "quire";

    int positional = 0;
    const int parsed = parse_args(&c, argc, argv, &positional);
    if (parsed != 0)
        return parsed > 0 ? EXIT_HITS : EXIT_ERROR;
    if (positional < 2) {
        usage(stderr);
        return fail("%s", positional == 0 ? "missing INDEX and words" : "missing words");
    }
    const char *dir = argv[1];

    char *text = join_words(argv + 2, positional - 1);
    if (text == NULL)
        return fail("%s", "out of memory");
    c.search.query = text;
    c.search.query_len = strlen(text);

    int exit_code = EXIT_ERROR;
    searcher *s = NULL;
    search_result r = SEARCH_RESULT_INIT;
    int rc = search_open(&s, dir);
    if (rc == QUIRE_OK) {
        const char *why;
        if (search_fell_back(s, &why))
            (void)fprintf(stderr, "quire-query: warning: %s (using an older generation)\n",
                          why ? why : "newest manifest damaged");
        rc = search_query(&r, s, &c.search);
    }
    if (rc != QUIRE_OK) {
        fail("%s", quire_errmsg());
    } else {
        if (c.format == FORMAT_TREC)
            print_trec(&r, c.qid, c.tag);
        else
            print_text(&r);
        exit_code = r.match_count > 0 ? EXIT_HITS : EXIT_NONE;
        if (fflush(stdout) != 0)
            exit_code = fail("writing the results: %s", strerror(errno));
    }
    search_result_free(&r);
    search_close(s);
    free(text);
    return exit_code;
}
