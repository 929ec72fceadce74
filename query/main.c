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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "comm.h"
#include "prose.h"
#include "query.h"
#include "quire/analysis.h"
#include "quire/cli.h"
#include "quire/date.h"
#include "quire/json_out.h"

#ifndef QUIRE_VERSION
#define QUIRE_VERSION "unknown"
#endif

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
    const char *show;      /* --show ID, or NULL */
    const char *diff_open; /* around the words of a rendering that differ from the quote */
    const char *diff_close;
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
    OPT_PLAIN,
    OPT_KEEP_STOPWORDS,
    OPT_PROXIMITY,
    OPT_TITLE_WEIGHT,
    OPT_RM3,
    OPT_RM3_DOCS,
    OPT_RM3_TERMS,
    OPT_RM3_WEIGHT,
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
    OPT_SORT,
    OPT_OFFSET,
    OPT_SHOW,
    OPT_SHARDS,
    OPT_HELP,
    OPT_VERSION,
    OPT_CLOSENESS,
    OPT_NO_NOTES,
    OPT_NO_CLOSE,
    OPT_EXPLAIN,
    OPT_DIFF_OPEN,
    OPT_DIFF_CLOSE
} opt_id;

/* One table for parsing and --help (quire/cli.h, the style of every quire program). */
static const quire_cli_option options[] = {
    {OPT_TOP, 'k', "top", "N", "show the N best hits (default 10; 0: count only)"},
    {OPT_ALL, 0, "all", NULL, "require every word (default)"},
    {OPT_ANY, 0, "any", NULL, "ranked OR: documents with any of the words"},
    {OPT_K1, 0, "k1", "X", "BM25 term-frequency saturation (default 1.2, Lucene's)"},
    {OPT_B, 0, "b", "X", "BM25 length normalisation, 0..1 (default 0.75, Lucene's)"},
    {OPT_FORMAT, 0, "format", "F", "output: text (default; trec with --batch), json or trec"},
    {OPT_COUNT, 0, "count", NULL,
     "print only the exact number of matching documents (and a phrase's occurrences)"},
    {OPT_LENIENT, 0, "lenient", NULL, "read a malformed query as plain words (default: error)"},
    {OPT_PLAIN, 0, "plain", NULL,
     "read every query as plain words: no operators, quotes or fields (natural-language "
     "topics; with --batch, for a file of TREC-style topics)"},
    {OPT_KEEP_STOPWORDS, 0, "keep-stopwords", NULL,
     "with --any, keep stopwords (the, of, is...) among the optional words (default: left out)"},
    {OPT_PROXIMITY, 0, "proximity", NULL,
     "add a term proximity score (query words close together) to the best 1000"},
    {OPT_TITLE_WEIGHT, 0, "title-weight", "W",
     "a word in the title counts W times in the best 1000 (default 1: as in the text)"},
    {OPT_RM3, 0, "rm3", NULL,
     "expand a ranked OR of words by RM3 pseudo-relevance feedback (with --any)"},
    {OPT_RM3_DOCS, 0, "rm3-docs", "N", "RM3: feedback documents (default 10)"},
    {OPT_RM3_TERMS, 0, "rm3-terms", "N", "RM3: feedback terms (default 10)"},
    {OPT_RM3_WEIGHT, 0, "rm3-weight", "X", "RM3: the original query's share, 0..1 (default 0.5)"},
    {OPT_BATCH, 0, "batch", "FILE", "run each 'qid<TAB>query' line of FILE ('-': stdin)"},
    {OPT_QID, 0, "qid", "Q", "query id for --format trec (default 1)"},
    {OPT_TAG, 0, "tag", "T", "run tag for --format trec (default quire)"},
    {OPT_TIMINGS, 0, "timings", "FILE",
     "with --batch: write 'qid<TAB>microseconds' per query (search + output; for bench/)"},
    {OPT_EXACT, 0, "exact-count", NULL,
     "score every match, for an exact count (default: a ranked OR skips documents that "
     "cannot reach the top k, and its count is a lower bound)"},
    {OPT_PASSAGES, 'p', "passages", "N",
     "best passages per hit, highlighted (default 1; 0: none; trec: none)"},
    {OPT_PASSAGE_LENGTH, 0, "passage-length", "BYTES", "target passage length (default 240)"},
    {OPT_COLOR, 0, "color", "WHEN",
     "highlight in colour: auto (default: on a terminal, unless NO_COLOR is set), always, never"},
    {OPT_MARK_OPEN, 0, "mark-open", "S", "text before a highlight without colour (default [[)"},
    {OPT_MARK_CLOSE, 0, "mark-close", "S", "text after a highlight without colour (default ]])"},
    {OPT_SORT, 0, "sort", "ORDER",
     "relevance (default), date (oldest first) or -date (newest first); ties by relevance, "
     "undated documents last; a date order scores every match"},
    {OPT_OFFSET, 0, "offset", "N", "skip the N best hits first: paging (-k 10 --offset 10)"},
    {OPT_SHOW, 0, "show", "ID",
     "print the stored document ID (title, date, text; --format json: with metadata)"},
    {OPT_CLOSENESS, 0, "closeness", "X",
     "approximate quotes (\"...\"~) match at this closeness or more, 0..1 (default 0.6)"},
    {OPT_NO_CLOSE, 0, "no-close", NULL,
     "a quote without exact matches lists nothing (default: its close renderings)"},
    {OPT_NO_NOTES, 0, "no-notes", NULL,
     "no notes on names with other spellings in the index (default: noted)"},
    {OPT_EXPLAIN, 0, "explain", NULL,
     "show the parsed query, each clause's forms and weight, and each hit's score by clause"},
    {OPT_DIFF_OPEN, 0, "mark-diff-open", "S",
     "text before the words of a rendering that differ, without colour (default {{)"},
    {OPT_DIFF_CLOSE, 0, "mark-diff-close", "S", "text after them (default }})"},
    {OPT_SHARDS, 0, "shards", NULL,
     "INDEX is a shard set (INDEX/shardset): search every shard as one index; under "
     "mpirun each rank searches its shards (scatter-gather)"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {OPT_VERSION, 0, "version", NULL, "show the version and exit"},
};
static const quire_cli query_cli = {"quire-query", options, sizeof options / sizeof options[0],
                                    QUIRE_CLI_DASH_OPERANDS};

static const char usage_lines[] = "usage: quire-query [options] INDEX QUERY...\n"
                                  "       quire-query [options] --batch FILE INDEX\n"
                                  "       quire-query [--format json] --show ID INDEX\n";

static void usage(FILE *f)
{
    (void)fprintf(f,
                  "%s"
                  "Rank the documents of INDEX matching QUERY by BM25. QUERY: words (by stem),\n"
                  "\"exact phrases\", ~\"stemmed phrases\", AND OR NOT - + ( ), title:, date:,\n"
                  "a NEAR/n b, a ONEAR/n b, prefix*, word~ (spellings), \"quote\"~ (renderings)\n"
                  "(see README.md, \"Query language\").\n"
                  "Exit status: 0 if a document matched, 1 if none, 2 on error.\n\noptions:\n",
                  usage_lines);
    quire_cli_print_options(&query_cli, f);
    (void)fprintf(f, "  %-*s %s\n", 22, "--", "end of options (for words starting with '-')");
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
    uint64_t v;
    if (quire_cli_uint(s, 0, UINT32_MAX, &v) != 0)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_real(const char *s, double *out)
{
    return quire_cli_real(s, out);
}

/* Apply one option; returns -1 (after printing) on a bad value, 1 to exit 0 at once. */
static int apply(void *ctx, const quire_cli_option *o, const char *value)
{
    cli *c = ctx;
    switch ((opt_id)o->id) {
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
    case OPT_PLAIN:
        c->search.plain = true;
        return 0;
    case OPT_KEEP_STOPWORDS:
        c->search.keep_stopwords = true;
        return 0;
    case OPT_PROXIMITY:
        c->search.proximity = true;
        return 0;
    case OPT_TITLE_WEIGHT:
        if (parse_real(value, &c->search.title_weight) != 0 || !(c->search.title_weight > 0))
            return fail("--title-weight: not a number > 0: '%s'", value), -1;
        return 0;
    case OPT_RM3:
        c->search.rm3 = true;
        return 0;
    case OPT_RM3_DOCS:
        if (parse_count(value, &c->search.rm3_docs) != 0 || c->search.rm3_docs == 0 ||
            c->search.rm3_docs > 1000)
            return fail("--rm3-docs: not a count from 1 to 1000: '%s'", value), -1;
        c->search.rm3 = true;
        return 0;
    case OPT_RM3_TERMS:
        if (parse_count(value, &c->search.rm3_terms) != 0 || c->search.rm3_terms == 0 ||
            c->search.rm3_terms > 1000)
            return fail("--rm3-terms: not a count from 1 to 1000: '%s'", value), -1;
        c->search.rm3 = true;
        return 0;
    case OPT_RM3_WEIGHT:
        if (parse_real(value, &c->search.rm3_weight) != 0 || c->search.rm3_weight < 0 ||
            c->search.rm3_weight > 1)
            return fail("--rm3-weight: not a number in 0..1: '%s'", value), -1;
        c->search.rm3 = true;
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
    case OPT_SORT:
        if (strcmp(value, "relevance") == 0)
            c->search.sort = SEARCH_SORT_RELEVANCE;
        else if (strcmp(value, "date") == 0)
            c->search.sort = SEARCH_SORT_DATE;
        else if (strcmp(value, "-date") == 0)
            c->search.sort = SEARCH_SORT_DATE_DESC;
        else
            return fail("--sort: expected relevance, date or -date, not '%s'", value), -1;
        return 0;
    case OPT_OFFSET:
        if (parse_count(value, &c->search.offset) != 0)
            return fail("--offset: not a count: '%s'", value), -1;
        return 0;
    case OPT_SHOW:
        c->show = value;
        return 0;
    case OPT_CLOSENESS:
        if (parse_real(value, &c->search.closeness) != 0 || !(c->search.closeness > 0) ||
            c->search.closeness > 1)
            return fail("--closeness: not a number above 0 and at most 1: '%s'", value), -1;
        return 0;
    case OPT_NO_CLOSE:
        c->search.fallback = false;
        return 0;
    case OPT_NO_NOTES:
        c->search.notes = false;
        return 0;
    case OPT_EXPLAIN:
        c->search.explain = true;
        return 0;
    case OPT_DIFF_OPEN:
        c->diff_open = value;
        return 0;
    case OPT_DIFF_CLOSE:
        c->diff_close = value;
        return 0;
    case OPT_SHARDS:
        c->shards = true;
        return 0;
    case OPT_HELP:
        usage(stdout);
        return 1;
    case OPT_VERSION:
        printf("quire-query %s\n", QUIRE_VERSION);
        return 1;
    }
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
    const char *diff_open; /* the words of a rendering that differ from the quote */
    const char *diff_close;
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

/* The words of the hit's renderings in one field that differ from the quote, as byte
 * ranges (neighbouring ones joined), ascending; *n of them (quire_malloc'd, may be NULL). */
static search_highlight *diff_ranges(const search_hit *h, bool title, uint32_t *n)
{
    *n = 0;
    uint32_t cap = 0;
    for (uint32_t i = 0; i < h->rendering_count; i++)
        cap += h->renderings[i].in_title == title ? h->renderings[i].token_count : 0;
    if (cap == 0)
        return NULL;
    search_highlight *d = malloc((size_t)cap * sizeof *d);
    if (d == NULL)
        return NULL;
    for (uint32_t i = 0; i < h->rendering_count; i++) {
        const search_rendering *r = &h->renderings[i];
        if (r->in_title != title)
            continue;
        bool joined = false;
        for (uint32_t k = 0; k < r->token_count; k++) {
            const search_aligned *t = &r->tokens[k];
            if (t->kind == SEARCH_WORD_SAME) {
                joined = false;
                continue;
            }
            if (joined)
                d[*n - 1].end = t->end;
            else
                d[(*n)++] = (search_highlight){.start = t->start, .end = t->end};
            joined = true;
        }
    }
    /* renderings come best first: order the ranges by offset */
    for (uint32_t i = 1; i < *n; i++)
        for (uint32_t k = i; k > 0 && d[k].start < d[k - 1].start; k--) {
            const search_highlight t = d[k];
            d[k] = d[k - 1];
            d[k - 1] = t;
        }
    return d;
}

/* print_marked, and inside the highlights the ranges d[0..nd) in the second style. */
static void print_marked_diff(const char *s, size_t len, size_t base, const search_highlight *h,
                              uint32_t n, const search_highlight *d, uint32_t nd, const marks *m)
{
    uint32_t k = 0, j = 0;
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        const size_t at = base + i;
        while (k < n && h[k].end <= at)
            k++;
        while (j < nd && d[j].end <= at)
            j++;
        const bool opens = k < n && h[k].start == at;
        const bool diff_opens = j < nd && d[j].start == at;
        const unsigned char ch = (unsigned char)s[i];
        const bool blank = ch <= 0x20 || ch == 0x7f;
        if (blank && !opens && !diff_opens) {
            space = true;
            continue;
        }
        if (space)
            putchar(' ');
        space = false;
        if (opens)
            (void)fputs(m->open, stdout);
        if (diff_opens)
            (void)fputs(m->diff_open, stdout);
        putchar(blank ? ' ' : ch);
        if (j < nd && d[j].end == at + 1)
            (void)fputs(m->diff_close, stdout);
        if (k < n && h[k].end == at + 1)
            (void)fputs(m->close, stdout);
    }
}

/* A field of a hit, its highlights marked, and its renderings' differing words. */
static void print_field(const search_hit *hit, bool title, const char *s, size_t len, size_t base,
                        const search_highlight *h, uint32_t n, const marks *m)
{
    uint32_t nd;
    search_highlight *d = diff_ranges(hit, title, &nd);
    if (nd == 0)
        print_marked(s, len, base, h, n, m);
    else
        print_marked_diff(s, len, base, h, n, d, nd, m);
    free(d);
}

static void print_word_notes(const search_result *r)
{
    for (uint32_t i = 0; i < r->note_count; i++) {
        const search_word_note *note = &r->notes[i];
        printf("note: %s: also in the index:", note->word);
        for (uint32_t k = 0; k < note->variant_count; k++)
            printf("%s %s (%llu%s)", k ? "," : "", note->variants[k].form,
                   (unsigned long long)note->variants[k].docs,
                   k == 0 ? (note->variants[k].docs == 1 ? " document" : " documents") : "");
        if (note->more > 0)
            printf(" and %u more", (unsigned)note->more);
        printf("; %s~ finds them\n", note->word);
    }
}

/* A fuzzy word past the cap says how many of its variants it searched. */
static void print_fuzzy_notes(const search_result *r)
{
    for (uint32_t i = 0; i < r->fuzzy_count; i++) {
        const search_fuzzy *f = &r->fuzzy[i];
        if (f->lowered_from >= 0)
            printf("note: %s~: more than 1024 forms within %d edits; searched within %d\n", f->word,
                   (int)f->lowered_from, (int)f->distance);
        if (f->matched > f->searched)
            printf("note: %s~: %u forms within %d edit%s; the %u closest searched\n", f->word,
                   (unsigned)f->matched, (int)f->distance, f->distance == 1 ? "" : "s",
                   (unsigned)f->searched);
        else if (f->distance < 0)
            printf("note: %s~: a word of 1-2 characters has no variants by default; write "
                   "%s~1\n",
                   f->word, f->word);
    }
}

/* What to say before the hits of an approximate quote or of a quote that fell back. */
static void print_quote_notes(const search_result *r)
{
    if (r->quote_count != 1)
        return;
    const search_quote *q = &r->quotes[0];
    if (q->exact_docs == 0 && q->renderings > 0 && (r->fell_back || r->hit_count > 0))
        printf("no exact match; %llu close rendering%s:\n", (unsigned long long)q->renderings,
               q->renderings == 1 ? "" : "s");
}

static void print_explain(const search_result *r)
{
    const search_explain *e = r->explain;
    if (e == NULL)
        return;
    printf("explain: %s\n", e->parsed);
    for (uint32_t i = 0; i < e->clause_count; i++) {
        const search_clause *c = &e->clauses[i];
        printf("  clause %u: %s (%s%s)", (unsigned)(i + 1), c->label, c->kind,
               c->negated ? ", excluded" : "");
        if (c->stem != NULL)
            printf(": stem %s", c->stem);
        if (c->distance >= 0)
            printf(": distance %d", (int)c->distance);
        printf("; %llu document%s", (unsigned long long)c->df, c->df == 1 ? "" : "s");
        if (c->occurrences > 0)
            printf(", %llu occurrence%s", (unsigned long long)c->occurrences,
                   c->occurrences == 1 ? "" : "s");
        printf("; weight %.4f", c->weight);
        if (c->form_count > 0) {
            printf("; forms:");
            for (uint32_t k = 0; k < c->form_count; k++) {
                printf("%s %s (%llu", k ? "," : "", c->forms[k].form,
                       (unsigned long long)c->forms[k].docs);
                if (c->forms[k].distance >= 0)
                    printf(", distance %d", (int)c->forms[k].distance);
                putchar(')');
            }
        }
        if (c->forms_more > 0)
            printf("; %u more within the distance, not searched (the closest %u are)",
                   (unsigned)c->forms_more, (unsigned)(c->form_count));
        if (c->word_count > 0 && r->quote_count > 0) {
            printf("; word weights:");
            for (uint32_t k = 0; k < c->word_count; k++) {
                const search_quote *q = &r->quotes[0];
                for (uint32_t qi = 0; qi < r->quote_count; qi++)
                    if (r->quotes[qi].word_count == c->word_count)
                        q = &r->quotes[qi];
                printf(" %s %.3f", k < q->word_count ? q->words[k] : "?", c->word_weights[k]);
            }
        }
        putchar('\n');
    }
}

static void print_hit_explain(const search_result *r, const search_hit *h)
{
    if (r->explain == NULL || h->clause_scores == NULL)
        return;
    (void)fputs("   score:", stdout);
    bool any = false;
    for (uint32_t k = 0; k < r->explain->clause_count; k++) {
        if (h->clause_tfs[k] == 0 && h->clause_scores[k] == 0)
            continue;
        printf("%s %s tf %llu -> %.4f", any ? " +" : "", r->explain->clauses[k].label,
               (unsigned long long)h->clause_tfs[k], h->clause_scores[k]);
        any = true;
    }
    printf(" = %.4f\n", h->score);
    for (uint32_t k = 0; k < h->rendering_count; k++) {
        const search_rendering *rr = &h->renderings[k];
        printf("   rendering %u: closeness %.4f", (unsigned)(k + 1), rr->closeness);
        if (rr->missing_count > 0 && rr->quote < r->quote_count) {
            printf(", missing:");
            for (uint32_t w = 0; w < rr->missing_count; w++)
                printf(" %s", r->quotes[rr->quote].words[rr->missing[w]]);
        }
        putchar('\n');
    }
}

static void print_text(const search_result *r, const marks *m, uint32_t offset)
{
    print_explain(r);
    print_word_notes(r);
    print_fuzzy_notes(r);
    print_quote_notes(r);
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const search_hit *h = &r->hits[i];
        printf("%llu. ", (unsigned long long)offset + i + 1);
        print_clean(h->external_id, h->external_id_len);
        printf("  %.4f  ", h->score);
        if (h->title_len > 0)
            print_field(h, true, h->title, h->title_len, 0, h->title_highlights,
                        h->title_highlight_count, m);
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
            print_field(h, false, p->text, p->end - p->start, p->start, p->highlights,
                        p->highlight_count, m);
            if (p->cut_after)
                (void)fputs("\u2026", stdout);
            putchar('\n');
        }
        print_hit_explain(r, h);
    }
    printf("%s%llu matching document%s", r->match_count_exact ? "" : "at least ",
           (unsigned long long)r->match_count, r->match_count == 1 ? "" : "s");
    if (offset > 0)
        printf(" (from hit %llu)", (unsigned long long)offset + 1);
    putchar('\n');
}

static void print_trec(const search_result *r, const char *qid, const char *tag, uint32_t offset)
{
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const search_hit *h = &r->hits[i];
        printf("%s Q0 ", qid);
        print_clean(h->external_id, h->external_id_len);
        printf(" %llu %.4f %s\n", (unsigned long long)offset + i + 1, h->score, tag);
    }
}

/* The JSON lines of one query are built here, then written at once (base's one JSON
 * writer, as quire-index and quire-serve use); its memory is kept for the next query of a
 * batch. */
static quire_json json_out = QUIRE_JSON_INIT(0);

static void flush_json(void)
{
    if (quire_json_flush(&json_out, stdout) == QUIRE_ENOMEM)
        (void)fprintf(stderr, "quire-query: out of memory writing JSON\n");
}

/* "line":L,"column":C,"offset":O of a source position, null where unknown. */
static void print_json_position(quire_json *j, const search_source *s, const char *offset_name)
{
    if (s->line > 0)
        quire_json_printf(j, "\"line\":%llu", (unsigned long long)s->line);
    else
        quire_json_lit(j, "\"line\":null");
    if (s->column > 0)
        quire_json_printf(j, ",\"column\":%u", (unsigned)s->column);
    else
        quire_json_lit(j, ",\"column\":null");
    if (s->offset != UINT64_MAX)
        quire_json_printf(j, ",\"%s\":%llu", offset_name, (unsigned long long)s->offset);
    else
        quire_json_printf(j, ",\"%s\":null", offset_name);
}

/* ,"origin":...,"source":{line, column, offset} of a document's text start. */
static void print_json_origin(quire_json *j, const char *origin, size_t origin_len,
                              const search_source *s)
{
    quire_json_lit(j, ",\"origin\":");
    quire_json_string(j, origin, origin_len);
    quire_json_lit(j, ",\"source\":{");
    print_json_position(j, s, "offset");
    quire_json_raw(j, "}", 1);
}

/* ,"source":{...} of a passage of a plain text file: where it and its highlights lie in
 * the file (byte offsets when the text is the file's bytes). */
static void print_json_passage_source(quire_json *j, const search_passage *p,
                                      const search_source *doc)
{
    if (doc->column == 0)
        return;
    quire_json_lit(j, ",\"source\":{");
    print_json_position(j, &p->source, "start");
    if (doc->offset != UINT64_MAX)
        quire_json_printf(j, ",\"end\":%llu", (unsigned long long)(doc->offset + p->end));
    else
        quire_json_lit(j, ",\"end\":null");
    quire_json_lit(j, ",\"highlights\":[");
    for (uint32_t i = 0; i < p->highlight_count; i++) {
        const search_highlight *h = &p->highlights[i];
        quire_json_lit(j, i ? ",{" : "{");
        print_json_position(j, &h->source, "start");
        if (doc->offset != UINT64_MAX)
            quire_json_printf(j, ",\"end\":%llu}", (unsigned long long)(doc->offset + h->end));
        else
            quire_json_lit(j, ",\"end\":null}");
    }
    quire_json_lit(j, "]}");
}

static void print_json_spans(quire_json *j, const search_highlight *h, uint32_t n)
{
    quire_json_raw(j, "[", 1);
    for (uint32_t i = 0; i < n; i++)
        quire_json_printf(j, "%s[%zu,%zu]", i ? "," : "", h[i].start, h[i].end);
    quire_json_raw(j, "]", 1);
}

static const char *const word_kinds[] = {"same", "stem", "variant", "substituted", "inserted"};

static void print_json_forms(quire_json *j, const search_form *f, uint32_t n)
{
    quire_json_raw(j, "[", 1);
    for (uint32_t k = 0; k < n; k++) {
        quire_json_printf(j, "%s{\"form\":", k ? "," : "");
        quire_json_string(j, f[k].form, strlen(f[k].form));
        quire_json_printf(j, ",\"documents\":%llu", (unsigned long long)f[k].docs);
        if (f[k].distance >= 0)
            quire_json_printf(j, ",\"distance\":%d", (int)f[k].distance);
        quire_json_raw(j, "}", 1);
    }
    quire_json_raw(j, "]", 1);
}

/* The last line's fields on the query's variants, when there is something to say:
 * fell_back, quotes, notes, fuzzy and, with --explain, explain. */
static void print_json_query(quire_json *j, const search_result *r)
{
    if (r->quote_count == 0 && r->note_count == 0 && r->fuzzy_count == 0 && r->explain == NULL)
        return;
    quire_json_printf(j, ",\"fell_back\":%s", r->fell_back ? "true" : "false");
    quire_json_lit(j, ",\"quotes\":[");
    for (uint32_t i = 0; i < r->quote_count; i++) {
        const search_quote *q = &r->quotes[i];
        quire_json_printf(j, "%s{\"words\":[", i ? "," : "");
        for (uint32_t k = 0; k < q->word_count; k++) {
            if (k > 0)
                quire_json_raw(j, ",", 1);
            quire_json_string(j, q->words[k], strlen(q->words[k]));
        }
        quire_json_printf(j,
                          "],\"threshold\":%g,\"exact_documents\":%llu,\"close_documents\":%llu,"
                          "\"renderings\":%llu}",
                          q->threshold, (unsigned long long)q->exact_docs,
                          (unsigned long long)q->close_docs, (unsigned long long)q->renderings);
    }
    quire_json_lit(j, "],\"notes\":[");
    for (uint32_t i = 0; i < r->note_count; i++) {
        const search_word_note *n = &r->notes[i];
        quire_json_printf(j, "%s{\"word\":", i ? "," : "");
        quire_json_string(j, n->word, strlen(n->word));
        quire_json_lit(j, ",\"variants\":");
        print_json_forms(j, n->variants, n->variant_count);
        quire_json_printf(j, ",\"more\":%u}", (unsigned)n->more);
    }
    quire_json_lit(j, "],\"fuzzy\":[");
    for (uint32_t i = 0; i < r->fuzzy_count; i++) {
        const search_fuzzy *f = &r->fuzzy[i];
        quire_json_printf(j, "%s{\"word\":", i ? "," : "");
        quire_json_string(j, f->word, strlen(f->word));
        quire_json_printf(
            j, ",\"distance\":%d,\"lowered_from\":%d,\"searched\":%u,\"in_reach\":%u}",
            (int)f->distance, (int)f->lowered_from, (unsigned)f->searched, (unsigned)f->matched);
    }
    quire_json_raw(j, "]", 1);
    if (r->explain != NULL) {
        const search_explain *e = r->explain;
        quire_json_lit(j, ",\"explain\":{\"parsed\":");
        quire_json_string(j, e->parsed, strlen(e->parsed));
        quire_json_lit(j, ",\"clauses\":[");
        for (uint32_t i = 0; i < e->clause_count; i++) {
            const search_clause *c = &e->clauses[i];
            quire_json_printf(j, "%s{\"label\":", i ? "," : "");
            quire_json_string(j, c->label, strlen(c->label));
            quire_json_printf(j, ",\"kind\":\"%s\",\"excluded\":%s", c->kind,
                              c->negated ? "true" : "false");
            if (c->stem != NULL) {
                quire_json_lit(j, ",\"stem\":");
                quire_json_string(j, c->stem, strlen(c->stem));
            }
            quire_json_printf(j, ",\"documents\":%llu,\"occurrences\":%llu,\"weight\":%.6f",
                              (unsigned long long)c->df, (unsigned long long)c->occurrences,
                              c->weight);
            if (c->distance >= 0)
                quire_json_printf(j, ",\"distance\":%d,\"not_searched\":%u", (int)c->distance,
                                  (unsigned)c->forms_more);
            quire_json_lit(j, ",\"forms\":");
            print_json_forms(j, c->forms, c->form_count);
            if (c->word_count > 0) {
                quire_json_lit(j, ",\"word_weights\":[");
                for (uint32_t k = 0; k < c->word_count; k++)
                    quire_json_printf(j, "%s%.6f", k ? "," : "", c->word_weights[k]);
                quire_json_raw(j, "]", 1);
            }
            quire_json_raw(j, "}", 1);
        }
        quire_json_lit(j, "]}");
    }
}

/* A hit's renderings of approximate quotes and its score by clause (--explain). */
static void print_json_hit_extras(quire_json *j, const search_result *r, const search_hit *h)
{
    if (h->rendering_count > 0) {
        quire_json_lit(j, ",\"renderings\":[");
        for (uint32_t k = 0; k < h->rendering_count; k++) {
            const search_rendering *x = &h->renderings[k];
            quire_json_printf(j,
                              "%s{\"quote\":%u,\"closeness\":%.6f,\"field\":\"%s\",\"start\":%zu,"
                              "\"end\":%zu,\"words\":[",
                              k ? "," : "", (unsigned)x->quote, x->closeness,
                              x->in_title ? "title" : "text", x->start, x->end);
            for (uint32_t t = 0; t < x->token_count; t++)
                quire_json_printf(j, "%s{\"kind\":\"%s\",\"word\":%d,\"start\":%zu,\"end\":%zu}",
                                  t ? "," : "", word_kinds[x->tokens[t].kind],
                                  (int)x->tokens[t].word, x->tokens[t].start, x->tokens[t].end);
            quire_json_lit(j, "],\"missing\":[");
            for (uint32_t w = 0; w < x->missing_count; w++)
                quire_json_printf(j, "%s%u", w ? "," : "", (unsigned)x->missing[w]);
            quire_json_lit(j, "]}");
        }
        quire_json_raw(j, "]", 1);
    }
    if (r->explain != NULL && h->clause_scores != NULL) {
        quire_json_lit(j, ",\"explain\":[");
        bool any = false;
        for (uint32_t k = 0; k < r->explain->clause_count; k++) {
            if (h->clause_tfs[k] == 0 && h->clause_scores[k] == 0)
                continue;
            quire_json_printf(j, "%s{\"clause\":%u,\"tf\":%llu,\"score\":%.6f}", any ? "," : "",
                              (unsigned)k, (unsigned long long)h->clause_tfs[k],
                              h->clause_scores[k]);
            any = true;
        }
        quire_json_raw(j, "]", 1);
    }
}

/* One object per hit and line: rank, id, title, date, score (and qid in a batch); with
 * passages, title_highlights and passages (byte offsets into the title and the text). */
static void print_json(quire_json *j, const search_result *r, const char *qid, bool passages,
                       uint32_t offset)
{
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const search_hit *h = &r->hits[i];
        quire_json_raw(j, "{", 1);
        if (qid != NULL) {
            quire_json_lit(j, "\"qid\":");
            quire_json_string(j, qid, strlen(qid));
            quire_json_raw(j, ",", 1);
        }
        quire_json_printf(j, "\"rank\":%llu,\"id\":", (unsigned long long)offset + i + 1);
        quire_json_string(j, h->external_id, h->external_id_len);
        quire_json_lit(j, ",\"title\":");
        quire_json_string(j, h->title, h->title_len);
        if (h->date == QUIRE_NO_DATE) {
            quire_json_lit(j, ",\"date\":null");
        } else {
            char day[11];
            quire_date_format(h->date, day);
            quire_json_printf(j, ",\"date\":\"%s\"", day);
        }
        quire_json_printf(j, ",\"score\":%.4f", h->score);
        print_json_origin(j, h->origin, h->origin_len, &h->source);
        if (h->passages != NULL || h->title_highlights != NULL || passages) {
            quire_json_lit(j, ",\"title_highlights\":");
            print_json_spans(j, h->title_highlights, h->title_highlight_count);
            quire_json_lit(j, ",\"passages\":[");
            for (uint32_t k = 0; k < h->passage_count; k++) {
                const search_passage *p = &h->passages[k];
                quire_json_printf(j,
                                  "%s{\"start\":%zu,\"end\":%zu,\"cut_before\":%s,\"cut_after\":%s,"
                                  "\"text\":",
                                  k ? "," : "", p->start, p->end, p->cut_before ? "true" : "false",
                                  p->cut_after ? "true" : "false");
                quire_json_string(j, p->text, p->end - p->start);
                quire_json_lit(j, ",\"highlights\":");
                print_json_spans(j, p->highlights, p->highlight_count);
                print_json_passage_source(j, p, &h->source);
                quire_json_raw(j, "}", 1);
            }
            quire_json_raw(j, "]", 1);
        }
        print_json_hit_extras(j, r, h);
        quire_json_lit(j, "}\n");
    }
}

/* After the hits of --format json, one line about the query (it has no "rank"): the query
 * as run, the number of matching documents (exact, or a lower bound as in the text output)
 * and of a phrase's occurrences, the page (offset, top) and the sort; a hint if any. */
static void print_json_summary(quire_json *j, const cli *c, const search_result *r, const char *qid)
{
    static const char *const sorts[] = {"relevance", "date", "-date"};
    quire_json_raw(j, "{", 1);
    if (qid != NULL) {
        quire_json_lit(j, "\"qid\":");
        quire_json_string(j, qid, strlen(qid));
        quire_json_raw(j, ",", 1);
    }
    quire_json_lit(j, "\"query\":");
    quire_json_string(j, c->search.query, c->search.query_len);
    quire_json_printf(j, ",\"matches\":%llu,\"matches_exact\":%s",
                      (unsigned long long)r->match_count, r->match_count_exact ? "true" : "false");
    if (r->has_occurrences)
        quire_json_printf(j, ",\"occurrences\":%llu", (unsigned long long)r->occurrence_count);
    quire_json_printf(j, ",\"offset\":%u,\"top\":%u,\"hits\":%u,\"sort\":\"%s\"",
                      (unsigned)c->search.offset, (unsigned)c->search.top_k, (unsigned)r->hit_count,
                      sorts[c->search.sort]);
    if (r->hint != NULL) {
        quire_json_lit(j, ",\"hint\":");
        quire_json_string(j, r->hint, strlen(r->hint));
    }
    print_json_query(j, r);
    quire_json_lit(j, "}\n");
}

/* --count: the exact number of matching documents, and of a phrase's occurrences.
 * (Evaluation is exhaustive, so both are exact; an estimate would be labelled as one.) */
static void print_count(quire_json *j, const search_result *r, output_format format,
                        const char *qid)
{
    if (format == FORMAT_JSON) {
        quire_json_raw(j, "{", 1);
        if (qid != NULL) {
            quire_json_lit(j, "\"qid\":");
            quire_json_string(j, qid, strlen(qid));
            quire_json_raw(j, ",", 1);
        }
        quire_json_printf(j, "\"matches\":%llu", (unsigned long long)r->match_count);
        if (r->has_occurrences)
            quire_json_printf(j, ",\"occurrences\":%llu", (unsigned long long)r->occurrence_count);
        quire_json_lit(j, "}\n");
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
        print_count(&json_out, r, c->format, batch_qid);
        flush_json();
        return;
    }
    switch (c->format) {
    case FORMAT_TREC:
        print_trec(r, batch_qid ? batch_qid : c->qid, c->tag, c->search.offset);
        break;
    case FORMAT_JSON:
        print_json(&json_out, r, batch_qid, c->search.passages > 0, c->search.offset);
        print_json_summary(&json_out, c, r, batch_qid);
        flush_json();
        break;
    case FORMAT_TEXT: {
        const bool colour =
            c->color == 1 || (c->color == -1 && isatty(STDOUT_FILENO) &&
                              (getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0'));
        /* differing words: underlined inside the bold red, then back to bold red */
        const marks m = colour ? (marks){"\033[1;31m", "\033[0m", "\033[4m", "\033[24m"}
                               : (marks){c->mark_open, c->mark_close, c->diff_open, c->diff_close};
        if (batch_qid != NULL)
            printf("# %s\n", batch_qid);
        print_text(r, &m, c->search.offset);
        if (r->hint != NULL)
            (void)fprintf(stderr, "quire-query: hint: %s\n", r->hint);
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

/* --show ID: the stored document, as text (a header of id, title, date, origin, then the
 * text) or one JSON object. Exit 0, 1 when no live document has the id, 2 on error. */
static int show_document(const cli *c, const char *dir)
{
    searcher *s = NULL;
    int rc = search_open(&s, dir);
    if (rc != QUIRE_OK)
        return fail("%s", quire_errmsg());
    search_doc d;
    rc = search_show(&d, s, c->show, strlen(c->show));
    if (rc == QUIRE_ENOTFOUND) {
        search_close(s);
        (void)fprintf(stderr, "quire-query: %s: no document with id '%s'\n", dir, c->show);
        return EXIT_NONE;
    }
    if (rc != QUIRE_OK) {
        search_close(s);
        return fail("%s", quire_errmsg());
    }
    char day[11] = "";
    if (d.date != QUIRE_NO_DATE)
        quire_date_format(d.date, day);
    if (c->format == FORMAT_JSON) {
        quire_json *j = &json_out;
        quire_json_lit(j, "{\"id\":");
        quire_json_string(j, d.external_id, d.external_id_len);
        quire_json_lit(j, ",\"title\":");
        quire_json_string(j, d.title, d.title_len);
        if (d.date != QUIRE_NO_DATE)
            quire_json_printf(j, ",\"date\":\"%s\"", day);
        else
            quire_json_lit(j, ",\"date\":null");
        print_json_origin(j, d.origin, d.origin_len, &d.source);
        quire_json_printf(
            j, ",\"doc_id\":%llu,\"tokens\":%u,\"title_tokens\":%u,\"text_bytes\":%zu,\"text\":",
            (unsigned long long)d.doc_id, (unsigned)d.doc_len, (unsigned)d.title_tokens,
            d.text_len);
        quire_json_string(j, d.text, d.text_len);
        quire_json_lit(j, "}\n");
        flush_json();
    } else {
        (void)fputs("id:     ", stdout);
        print_clean(d.external_id, d.external_id_len);
        (void)fputs("\ntitle:  ", stdout);
        if (d.title_len > 0)
            print_clean(d.title, d.title_len);
        else
            (void)fputs("(no title)", stdout);
        printf("\ndate:   %s\norigin: ", d.date != QUIRE_NO_DATE ? day : "(none)");
        print_clean(d.origin, d.origin_len);
        if (d.source.line > 0)
            printf(" (text from line %llu", (unsigned long long)d.source.line);
        if (d.source.line > 0 && d.source.column > 0)
            printf(", column %u", (unsigned)d.source.column);
        if (d.source.line > 0 && d.source.offset != UINT64_MAX)
            printf(", byte %llu", (unsigned long long)d.source.offset);
        if (d.source.line > 0)
            putchar(')');
        printf("\n\n");
        (void)fwrite(d.text, 1, d.text_len, stdout);
        putchar('\n');
    }
    search_doc_free(&d);
    search_close(s);
    if (fflush(stdout) != 0)
        return fail("writing the document: %s", strerror(errno));
    return EXIT_HITS;
}

static double now_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#define PROSE_WARNINGS 3 /* queries named in a batch's warnings about prose (prose.h) */

/* The 1-based character column of byte `at` of UTF-8 text. */
static size_t char_column(const char *text, size_t at)
{
    size_t col = 1;
    for (size_t i = 0; i < at; i++)
        col += ((unsigned char)text[i] & 0xC0) != 0x80;
    return col;
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
    unsigned long prose_count = 0; /* queries that read like prose, in operator mode */
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
        size_t op_at;
        if (!c->search.plain &&
            query_looks_like_prose(c->search.query, c->search.query_len, &op_at) &&
            prose_count++ < PROSE_WARNINGS)
            (void)fprintf(stderr,
                          "quire-query: warning: %s:%lu: query %s reads like prose, but its "
                          "'%.*s' at character %zu is read as an operator; --plain reads "
                          "every token as a word\n",
                          c->batch, line_no, qid, (int)strcspn(c->search.query + op_at, " \t"),
                          c->search.query + op_at, char_column(c->search.query, op_at));
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
    if (prose_count > PROSE_WARNINGS)
        (void)fprintf(stderr,
                      "quire-query: warning: %s: %lu queries in all read like prose and have "
                      "operators (see --plain)\n",
                      c->batch, prose_count);
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
    c.diff_open = "{{";
    c.diff_close = "}}";
    c.search.notes = true;
    c.search.fallback = true;

    int positional = 0;
    /* Options anywhere before "--"; the first operand is INDEX, the rest are words, and
     * after INDEX a "-word" that is no option is the query's NOT (`putin -xi`). */
    const int parsed = quire_cli_parse(&query_cli, argc, argv, &positional, apply, &c);
    if (parsed != 0)
        return parsed > 0 ? EXIT_HITS : EXIT_ERROR;
    if (c.batch != NULL || c.show != NULL ? positional != 1 : positional < 2) {
        const char *what =
            c.show != NULL    ? (positional == 0 ? "missing INDEX" : "--show takes INDEX only")
            : c.batch != NULL ? (positional == 0 ? "missing INDEX" : "--batch takes INDEX only")
            : positional == 0 ? "missing INDEX and query"
                              : "missing query";
        (void)fail("%s", what);
        (void)fprintf(stderr, "%s(quire-query --help lists the options)\n", usage_lines);
        return EXIT_ERROR;
    }
    if (c.timings != NULL && c.batch == NULL)
        return fail("%s", "--timings needs --batch");
    if (c.count_only)
        c.search.top_k = 0;
    /* counts and TREC runs are of what matched exactly: no close renderings instead */
    if (c.count_only || c.format == FORMAT_TREC || (c.batch != NULL && !c.format_given))
        c.search.fallback = false;
    if (c.batch != NULL && !c.format_given)
        c.format = FORMAT_TREC;
    if (!c.passages_given)
        c.search.passages = c.format == FORMAT_TREC || c.count_only ? 0 : 1;
    const char *dir = argv[1];
    struct stat st;
    if (stat(dir, &st) != 0 && errno == ENOENT)
        return fail("no such index: %s", dir);
    if (c.show != NULL)
        return show_document(&c, dir);

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
        /* a shard set does not make notes on names or fall back to close renderings yet
         * (query/search.c, search_job_begin refuses them): the query runs without */
        c.search.notes = false;
        c.search.fallback = false;
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
    quire_json_free(&json_out);
    if (exit_code != EXIT_ERROR && fflush(stdout) != 0)
        exit_code = fail("writing the results: %s", strerror(errno));
    search_result_free(&r);
    search_close(s);
    quire_comm_finish(comm);
    free(text);
    return exit_code;
}
