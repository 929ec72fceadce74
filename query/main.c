/*
 * main.c - quire-query: argv -> quire_search_options -> quire_search(); prints the hits;
 * maps the result to grep's exit codes (0 hits, 1 none, 2 error). A client of libquire's
 * public API (quire/quire.h) and base's helpers only, as quire-index and quire-serve are.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "quire/cli.h"
#include "quire/json_out.h"
#include "quire/quire.h"
#include "quire/utf8.h"

#ifndef QUIRE_VERSION
#define QUIRE_VERSION "unknown"
#endif

#define EXIT_HITS  0
#define EXIT_NONE  1
#define EXIT_ERROR 2

typedef enum output_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_TREC } output_format;

typedef struct cli {
    quire_search_options search;
    const char *query; /* the query of this run (a batch: of the current line) */
    size_t query_len;
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

/* Set or clear one of the search flags (QUIRE_SEARCH_*). */
static void set_flag(cli *c, unsigned flag, bool on)
{
    if (on)
        c->search.flags |= flag;
    else
        c->search.flags &= ~flag;
}

/* Apply one option; returns -1 (after printing) on a bad value, 1 to exit 0 at once. */
static int apply(void *ctx, const quire_cli_option *o, const char *value)
{
    cli *c = ctx;
    quire_search_options *s = &c->search;
    switch ((opt_id)o->id) {
    case OPT_TOP:
        if (parse_count(value, &s->top_k) != 0)
            return fail("--top: not a count: '%s'", value), -1;
        return 0;
    case OPT_ANY:
        set_flag(c, QUIRE_SEARCH_ANY, true);
        return 0;
    case OPT_ALL:
        set_flag(c, QUIRE_SEARCH_ANY, false);
        return 0;
    case OPT_K1:
        if (parse_real(value, &s->k1) != 0 || s->k1 < 0)
            return fail("--k1: not a number >= 0: '%s'", value), -1;
        return 0;
    case OPT_B:
        if (parse_real(value, &s->b) != 0 || s->b < 0 || s->b > 1)
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
        set_flag(c, QUIRE_SEARCH_LENIENT, true);
        return 0;
    case OPT_PLAIN:
        set_flag(c, QUIRE_SEARCH_PLAIN, true);
        return 0;
    case OPT_KEEP_STOPWORDS:
        set_flag(c, QUIRE_SEARCH_STOPWORDS, true);
        return 0;
    case OPT_PROXIMITY:
        set_flag(c, QUIRE_SEARCH_PROXIMITY, true);
        return 0;
    case OPT_TITLE_WEIGHT:
        if (parse_real(value, &s->title_weight) != 0 || !(s->title_weight > 0))
            return fail("--title-weight: not a number > 0: '%s'", value), -1;
        return 0;
    case OPT_RM3:
        set_flag(c, QUIRE_SEARCH_RM3, true);
        return 0;
    case OPT_RM3_DOCS:
        if (parse_count(value, &s->rm3_docs) != 0 || s->rm3_docs == 0 || s->rm3_docs > 1000)
            return fail("--rm3-docs: not a count from 1 to 1000: '%s'", value), -1;
        set_flag(c, QUIRE_SEARCH_RM3, true);
        return 0;
    case OPT_RM3_TERMS:
        if (parse_count(value, &s->rm3_terms) != 0 || s->rm3_terms == 0 || s->rm3_terms > 1000)
            return fail("--rm3-terms: not a count from 1 to 1000: '%s'", value), -1;
        set_flag(c, QUIRE_SEARCH_RM3, true);
        return 0;
    case OPT_RM3_WEIGHT:
        if (parse_real(value, &s->rm3_weight) != 0 || s->rm3_weight < 0 || s->rm3_weight > 1)
            return fail("--rm3-weight: not a number in 0..1: '%s'", value), -1;
        set_flag(c, QUIRE_SEARCH_RM3, true);
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
        set_flag(c, QUIRE_SEARCH_EXACT_COUNT, true);
        return 0;
    case OPT_PASSAGES:
        if (parse_count(value, &s->passages) != 0 || s->passages > 64)
            return fail("--passages: not a count from 0 to 64: '%s'", value), -1;
        c->passages_given = true;
        return 0;
    case OPT_PASSAGE_LENGTH: {
        uint32_t n;
        if (parse_count(value, &n) != 0 || n < 16 || n > 65536)
            return fail("--passage-length: not a length from 16 to 65536: '%s'", value), -1;
        s->passage_bytes = n;
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
            s->sort = QUIRE_SORT_RELEVANCE;
        else if (strcmp(value, "date") == 0)
            s->sort = QUIRE_SORT_DATE;
        else if (strcmp(value, "-date") == 0)
            s->sort = QUIRE_SORT_DATE_DESC;
        else
            return fail("--sort: expected relevance, date or -date, not '%s'", value), -1;
        return 0;
    case OPT_OFFSET:
        if (parse_count(value, &s->offset) != 0)
            return fail("--offset: not a count: '%s'", value), -1;
        return 0;
    case OPT_SHOW:
        c->show = value;
        return 0;
    case OPT_CLOSENESS:
        if (parse_real(value, &s->closeness) != 0 || !(s->closeness > 0) || s->closeness > 1)
            return fail("--closeness: not a number above 0 and at most 1: '%s'", value), -1;
        return 0;
    case OPT_NO_CLOSE:
        set_flag(c, QUIRE_SEARCH_FALLBACK, false);
        return 0;
    case OPT_NO_NOTES:
        set_flag(c, QUIRE_SEARCH_NOTES, false);
        return 0;
    case OPT_EXPLAIN:
        set_flag(c, QUIRE_SEARCH_EXPLAIN, true);
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

/* The highlights of one field of a hit, read from the results: a passage's (into the
 * text), or with p NULL the title's. */
typedef struct field_spans {
    const quire_hit *hit;
    const quire_passage *p;
} field_spans;

static size_t span_count(const field_spans *f)
{
    return f->p != NULL ? quire_passage_highlight_count(f->p)
                        : quire_hit_title_highlight_count(f->hit);
}

static quire_span span_at(const field_spans *f, size_t i)
{
    return f->p != NULL ? quire_passage_highlight(f->p, i) : quire_hit_title_highlight(f->hit, i);
}

/* Print s[0..len) (bytes base..base+len of a field) on one line: white space and control
 * characters collapsed to one space, the highlights of f marked, and inside them the
 * ranges d[0..nd) (absolute offsets, ascending) in the second style. */
static void print_marked(const char *s, size_t len, size_t base, const field_spans *f,
                         const quire_span *d, size_t nd, const marks *m)
{
    const size_t n = span_count(f);
    size_t k = 0, j = 0;
    quire_span h = n > 0 ? span_at(f, 0) : (quire_span){0, 0};
    bool space = false;
    for (size_t i = 0; i < len; i++) {
        const size_t at = base + i;
        while (k < n && h.end <= at)
            if (++k < n)
                h = span_at(f, k);
        while (j < nd && d[j].end <= at)
            j++;
        const bool opens = k < n && h.start == at;
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
        if (k < n && h.end == at + 1)
            (void)fputs(m->close, stdout);
    }
}

/* The words of the hit's renderings in one field that differ from the quote, as byte
 * ranges (neighbouring ones joined), ascending; *n of them (malloc'd, may be NULL: then
 * the field is printed without them). */
static quire_span *diff_ranges(const quire_hit *h, bool title, size_t *n)
{
    *n = 0;
    const size_t renderings = quire_hit_rendering_count(h);
    size_t cap = 0;
    for (size_t i = 0; i < renderings; i++) {
        const quire_rendering *r = quire_hit_rendering(h, i);
        cap += quire_rendering_in_title(r) == title ? quire_rendering_word_count(r) : 0;
    }
    if (cap == 0)
        return NULL;
    quire_span *d = malloc(cap * sizeof *d);
    if (d == NULL)
        return NULL;
    for (size_t i = 0; i < renderings; i++) {
        const quire_rendering *r = quire_hit_rendering(h, i);
        if (quire_rendering_in_title(r) != title)
            continue;
        bool joined = false;
        for (size_t k = 0; k < quire_rendering_word_count(r); k++) {
            const quire_aligned t = quire_rendering_word(r, k);
            if (t.kind == QUIRE_WORD_SAME) {
                joined = false;
                continue;
            }
            if (joined)
                d[*n - 1].end = t.span.end;
            else
                d[(*n)++] = t.span;
            joined = true;
        }
    }
    /* renderings come best first: order the ranges by offset */
    for (size_t i = 1; i < *n; i++)
        for (size_t k = i; k > 0 && d[k].start < d[k - 1].start; k--) {
            const quire_span t = d[k];
            d[k] = d[k - 1];
            d[k - 1] = t;
        }
    return d;
}

/* A field of a hit (its title, or passage p), its highlights marked, and its renderings'
 * differing words. */
static void print_field(const quire_hit *hit, const quire_passage *p, const char *s, size_t len,
                        size_t base, const marks *m)
{
    size_t nd;
    quire_span *d = diff_ranges(hit, p == NULL, &nd);
    const field_spans f = {hit, p};
    print_marked(s, len, base, &f, d, nd, m);
    free(d);
}

static void print_word_notes(const quire_results *r)
{
    for (size_t i = 0; i < quire_results_note_count(r); i++) {
        const char *word = quire_results_note_word(r, i);
        printf("note: %s: also in the index:", word);
        for (size_t k = 0; k < quire_results_note_variant_count(r, i); k++) {
            const quire_form v = quire_results_note_variant(r, i, k);
            printf("%s %s (%llu%s)", k ? "," : "", v.form, (unsigned long long)v.documents,
                   k == 0 ? (v.documents == 1 ? " document" : " documents") : "");
        }
        if (quire_results_note_more(r, i) > 0)
            printf(" and %zu more", quire_results_note_more(r, i));
        printf("; %s~ finds them\n", word);
    }
}

/* A fuzzy word past the cap says how many of its variants it searched. */
static void print_fuzzy_notes(const quire_results *r)
{
    for (size_t i = 0; i < quire_results_fuzzy_count(r); i++) {
        const quire_fuzzy_word f = quire_results_fuzzy(r, i);
        if (f.lowered_from >= 0)
            printf("note: %s~: more than 1024 forms within %d edits; searched within %d\n", f.word,
                   f.lowered_from, f.distance);
        if (f.in_reach > f.searched)
            printf("note: %s~: %zu forms within %d edit%s; the %zu closest searched\n", f.word,
                   f.in_reach, f.distance, f.distance == 1 ? "" : "s", f.searched);
        else if (f.distance < 0)
            printf("note: %s~: a word of 1-2 characters has no variants by default; write "
                   "%s~1\n",
                   f.word, f.word);
    }
}

/* What to say before the hits of an approximate quote or of a quote that fell back. */
static void print_quote_notes(const quire_results *r)
{
    if (quire_results_quote_count(r) != 1)
        return;
    const quire_quote q = quire_results_quote(r, 0);
    if (q.exact_documents == 0 && q.renderings > 0 &&
        (quire_results_fell_back(r) || quire_results_hit_count(r) > 0))
        printf("no exact match; %llu close rendering%s:\n", (unsigned long long)q.renderings,
               q.renderings == 1 ? "" : "s");
}

/* The quote whose words clause c weighs: the last of as many words (approximate quotes). */
static size_t quote_of_clause(const quire_results *r, const quire_clause *c)
{
    size_t q = 0;
    for (size_t qi = 0; qi < quire_results_quote_count(r); qi++)
        if (quire_results_quote(r, qi).word_count == quire_clause_word_count(c))
            q = qi;
    return q;
}

static void print_explain(const quire_results *r)
{
    const char *parsed = quire_results_parsed(r);
    if (parsed == NULL)
        return;
    printf("explain: %s\n", parsed);
    for (size_t i = 0; i < quire_results_clause_count(r); i++) {
        const quire_clause *c = quire_results_clause(r, i);
        const uint64_t df = quire_clause_documents(c), occ = quire_clause_occurrences(c);
        printf("  clause %zu: %s (%s%s)", i + 1, quire_clause_label(c), quire_clause_kind(c),
               quire_clause_excluded(c) ? ", excluded" : "");
        if (quire_clause_stem(c) != NULL)
            printf(": stem %s", quire_clause_stem(c));
        if (quire_clause_distance(c) >= 0)
            printf(": distance %d", quire_clause_distance(c));
        printf("; %llu document%s", (unsigned long long)df, df == 1 ? "" : "s");
        if (occ > 0)
            printf(", %llu occurrence%s", (unsigned long long)occ, occ == 1 ? "" : "s");
        printf("; weight %.4f", quire_clause_weight(c));
        const size_t forms = quire_clause_form_count(c);
        if (forms > 0) {
            printf("; forms:");
            for (size_t k = 0; k < forms; k++) {
                const quire_form f = quire_clause_form(c, k);
                printf("%s %s (%llu", k ? "," : "", f.form, (unsigned long long)f.documents);
                if (f.distance >= 0)
                    printf(", distance %d", f.distance);
                putchar(')');
            }
        }
        if (quire_clause_forms_not_searched(c) > 0)
            printf("; %zu more within the distance, not searched (the closest %zu are)",
                   quire_clause_forms_not_searched(c), forms);
        const size_t words = quire_clause_word_count(c);
        if (words > 0 && quire_results_quote_count(r) > 0) {
            const size_t q = quote_of_clause(r, c);
            const size_t quote_words = quire_results_quote(r, q).word_count;
            printf("; word weights:");
            for (size_t k = 0; k < words; k++)
                printf(" %s %.3f", k < quote_words ? quire_results_quote_word(r, q, k) : "?",
                       quire_clause_word_weight(c, k));
        }
        putchar('\n');
    }
}

static void print_hit_explain(const quire_results *r, const quire_hit *h)
{
    if (quire_results_parsed(r) == NULL)
        return;
    (void)fputs("   score:", stdout);
    bool any = false;
    for (size_t k = 0; k < quire_results_clause_count(r); k++) {
        uint64_t tf;
        const double score = quire_hit_clause_score(h, k, &tf);
        if (tf == 0 && score == 0)
            continue;
        printf("%s %s tf %llu -> %.4f", any ? " +" : "",
               quire_clause_label(quire_results_clause(r, k)), (unsigned long long)tf, score);
        any = true;
    }
    printf(" = %.4f\n", quire_hit_score(h));
    for (size_t k = 0; k < quire_hit_rendering_count(h); k++) {
        const quire_rendering *rr = quire_hit_rendering(h, k);
        const size_t quote = quire_rendering_quote(rr);
        printf("   rendering %zu: closeness %.4f", k + 1, quire_rendering_closeness(rr));
        if (quire_rendering_missing_count(rr) > 0 && quote < quire_results_quote_count(r)) {
            printf(", missing:");
            for (size_t w = 0; w < quire_rendering_missing_count(rr); w++)
                printf(" %s", quire_results_quote_word(r, quote, quire_rendering_missing(rr, w)));
        }
        putchar('\n');
    }
}

static void print_text(const quire_results *r, const marks *m, uint32_t offset)
{
    print_explain(r);
    print_word_notes(r);
    print_fuzzy_notes(r);
    print_quote_notes(r);
    for (size_t i = 0; i < quire_results_hit_count(r); i++) {
        const quire_hit *h = quire_results_hit(r, i);
        size_t id_len, title_len;
        const char *id = quire_hit_id(h, &id_len);
        const char *title = quire_hit_title(h, &title_len);
        printf("%llu. ", (unsigned long long)offset + i + 1);
        print_clean(id, id_len);
        printf("  %.4f  ", quire_hit_score(h));
        if (title_len > 0)
            print_field(h, NULL, title, title_len, 0, m);
        else
            (void)fputs("(no title)", stdout);
        if (quire_hit_date(h) != NULL)
            printf("  %s", quire_hit_date(h));
        putchar('\n');
        for (size_t k = 0; k < quire_hit_passage_count(h); k++) {
            const quire_passage *p = quire_hit_passage(h, k);
            size_t len;
            const char *text = quire_passage_text(p, &len);
            (void)fputs("   ", stdout);
            if (quire_passage_cut_before(p))
                (void)fputs("\u2026", stdout);
            print_field(h, p, text, len, quire_passage_span(p).start, m);
            if (quire_passage_cut_after(p))
                (void)fputs("\u2026", stdout);
            putchar('\n');
        }
        print_hit_explain(r, h);
    }
    bool exact;
    const uint64_t matches = quire_results_match_count(r, &exact);
    printf("%s%llu matching document%s", exact ? "" : "at least ", (unsigned long long)matches,
           matches == 1 ? "" : "s");
    if (offset > 0)
        printf(" (from hit %llu)", (unsigned long long)offset + 1);
    putchar('\n');
}

static void print_trec(const quire_results *r, const char *qid, const char *tag, uint32_t offset)
{
    for (size_t i = 0; i < quire_results_hit_count(r); i++) {
        const quire_hit *h = quire_results_hit(r, i);
        size_t id_len;
        const char *id = quire_hit_id(h, &id_len);
        printf("%s Q0 ", qid);
        print_clean(id, id_len);
        printf(" %llu %.4f %s\n", (unsigned long long)offset + i + 1, quire_hit_score(h), tag);
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
static void print_json_position(quire_json *j, quire_position s, const char *offset_name)
{
    if (s.line > 0)
        quire_json_printf(j, "\"line\":%llu", (unsigned long long)s.line);
    else
        quire_json_lit(j, "\"line\":null");
    if (s.column > 0)
        quire_json_printf(j, ",\"column\":%u", (unsigned)s.column);
    else
        quire_json_lit(j, ",\"column\":null");
    if (s.offset != UINT64_MAX)
        quire_json_printf(j, ",\"%s\":%llu", offset_name, (unsigned long long)s.offset);
    else
        quire_json_printf(j, ",\"%s\":null", offset_name);
}

/* ,"origin":...,"source":{line, column, offset} of a document's text start. */
static void print_json_origin(quire_json *j, const char *origin, size_t origin_len,
                              quire_position s)
{
    quire_json_lit(j, ",\"origin\":");
    quire_json_string(j, origin, origin_len);
    quire_json_lit(j, ",\"source\":{");
    print_json_position(j, s, "offset");
    quire_json_raw(j, "}", 1);
}

/* ,"source":{...} of a passage of a plain text file: where it and its highlights lie in
 * the file (byte offsets when the text is the file's bytes). */
static void print_json_passage_source(quire_json *j, const quire_passage *p, quire_position doc)
{
    if (doc.column == 0)
        return;
    quire_json_lit(j, ",\"source\":{");
    print_json_position(j, quire_passage_source(p), "start");
    if (doc.offset != UINT64_MAX)
        quire_json_printf(j, ",\"end\":%llu",
                          (unsigned long long)(doc.offset + quire_passage_span(p).end));
    else
        quire_json_lit(j, ",\"end\":null");
    quire_json_lit(j, ",\"highlights\":[");
    for (size_t i = 0; i < quire_passage_highlight_count(p); i++) {
        quire_json_lit(j, i ? ",{" : "{");
        print_json_position(j, quire_passage_highlight_source(p, i), "start");
        if (doc.offset != UINT64_MAX)
            quire_json_printf(j, ",\"end\":%llu}",
                              (unsigned long long)(doc.offset + quire_passage_highlight(p, i).end));
        else
            quire_json_lit(j, ",\"end\":null}");
    }
    quire_json_lit(j, "]}");
}

static void print_json_spans(quire_json *j, const field_spans *f)
{
    quire_json_raw(j, "[", 1);
    for (size_t i = 0; i < span_count(f); i++) {
        const quire_span s = span_at(f, i);
        quire_json_printf(j, "%s[%zu,%zu]", i ? "," : "", s.start, s.end);
    }
    quire_json_raw(j, "]", 1);
}

static const char *const word_kinds[] = {"same", "stem", "variant", "substituted", "inserted"};

static void print_json_form(quire_json *j, quire_form f, bool first)
{
    quire_json_printf(j, "%s{\"form\":", first ? "" : ",");
    quire_json_string(j, f.form, strlen(f.form));
    quire_json_printf(j, ",\"documents\":%llu", (unsigned long long)f.documents);
    if (f.distance >= 0)
        quire_json_printf(j, ",\"distance\":%d", f.distance);
    quire_json_raw(j, "}", 1);
}

/* The last line's fields on the query's variants, when there is something to say:
 * fell_back, quotes, notes, fuzzy and, with --explain, explain. */
static void print_json_query(quire_json *j, const quire_results *r)
{
    const char *parsed = quire_results_parsed(r);
    if (quire_results_quote_count(r) == 0 && quire_results_note_count(r) == 0 &&
        quire_results_fuzzy_count(r) == 0 && parsed == NULL)
        return;
    quire_json_printf(j, ",\"fell_back\":%s", quire_results_fell_back(r) ? "true" : "false");
    quire_json_lit(j, ",\"quotes\":[");
    for (size_t i = 0; i < quire_results_quote_count(r); i++) {
        const quire_quote q = quire_results_quote(r, i);
        quire_json_printf(j, "%s{\"words\":[", i ? "," : "");
        for (size_t k = 0; k < q.word_count; k++) {
            const char *w = quire_results_quote_word(r, i, k);
            if (k > 0)
                quire_json_raw(j, ",", 1);
            quire_json_string(j, w, strlen(w));
        }
        quire_json_printf(j,
                          "],\"threshold\":%g,\"exact_documents\":%llu,\"close_documents\":%llu,"
                          "\"renderings\":%llu}",
                          q.threshold, (unsigned long long)q.exact_documents,
                          (unsigned long long)q.close_documents, (unsigned long long)q.renderings);
    }
    quire_json_lit(j, "],\"notes\":[");
    for (size_t i = 0; i < quire_results_note_count(r); i++) {
        const char *word = quire_results_note_word(r, i);
        quire_json_printf(j, "%s{\"word\":", i ? "," : "");
        quire_json_string(j, word, strlen(word));
        quire_json_lit(j, ",\"variants\":[");
        for (size_t k = 0; k < quire_results_note_variant_count(r, i); k++)
            print_json_form(j, quire_results_note_variant(r, i, k), k == 0);
        quire_json_printf(j, "],\"more\":%zu}", quire_results_note_more(r, i));
    }
    quire_json_lit(j, "],\"fuzzy\":[");
    for (size_t i = 0; i < quire_results_fuzzy_count(r); i++) {
        const quire_fuzzy_word f = quire_results_fuzzy(r, i);
        quire_json_printf(j, "%s{\"word\":", i ? "," : "");
        quire_json_string(j, f.word, strlen(f.word));
        quire_json_printf(j,
                          ",\"distance\":%d,\"lowered_from\":%d,\"searched\":%zu,\"in_reach\":%zu}",
                          f.distance, f.lowered_from, f.searched, f.in_reach);
    }
    quire_json_raw(j, "]", 1);
    if (parsed == NULL)
        return;
    quire_json_lit(j, ",\"explain\":{\"parsed\":");
    quire_json_string(j, parsed, strlen(parsed));
    quire_json_lit(j, ",\"clauses\":[");
    for (size_t i = 0; i < quire_results_clause_count(r); i++) {
        const quire_clause *c = quire_results_clause(r, i);
        const char *label = quire_clause_label(c), *stem = quire_clause_stem(c);
        quire_json_printf(j, "%s{\"label\":", i ? "," : "");
        quire_json_string(j, label, strlen(label));
        quire_json_printf(j, ",\"kind\":\"%s\",\"excluded\":%s", quire_clause_kind(c),
                          quire_clause_excluded(c) ? "true" : "false");
        if (stem != NULL) {
            quire_json_lit(j, ",\"stem\":");
            quire_json_string(j, stem, strlen(stem));
        }
        quire_json_printf(j, ",\"documents\":%llu,\"occurrences\":%llu,\"weight\":%.6f",
                          (unsigned long long)quire_clause_documents(c),
                          (unsigned long long)quire_clause_occurrences(c), quire_clause_weight(c));
        if (quire_clause_distance(c) >= 0)
            quire_json_printf(j, ",\"distance\":%d,\"not_searched\":%zu", quire_clause_distance(c),
                              quire_clause_forms_not_searched(c));
        quire_json_lit(j, ",\"forms\":[");
        for (size_t k = 0; k < quire_clause_form_count(c); k++)
            print_json_form(j, quire_clause_form(c, k), k == 0);
        quire_json_raw(j, "]", 1);
        if (quire_clause_word_count(c) > 0) {
            quire_json_lit(j, ",\"word_weights\":[");
            for (size_t k = 0; k < quire_clause_word_count(c); k++)
                quire_json_printf(j, "%s%.6f", k ? "," : "", quire_clause_word_weight(c, k));
            quire_json_raw(j, "]", 1);
        }
        quire_json_raw(j, "}", 1);
    }
    quire_json_lit(j, "]}");
}

/* A hit's renderings of approximate quotes and its score by clause (--explain). */
static void print_json_hit_extras(quire_json *j, const quire_results *r, const quire_hit *h)
{
    if (quire_hit_rendering_count(h) > 0) {
        quire_json_lit(j, ",\"renderings\":[");
        for (size_t k = 0; k < quire_hit_rendering_count(h); k++) {
            const quire_rendering *x = quire_hit_rendering(h, k);
            const quire_span s = quire_rendering_span(x);
            quire_json_printf(j,
                              "%s{\"quote\":%zu,\"closeness\":%.6f,\"field\":\"%s\",\"start\":%zu,"
                              "\"end\":%zu,\"words\":[",
                              k ? "," : "", quire_rendering_quote(x), quire_rendering_closeness(x),
                              quire_rendering_in_title(x) ? "title" : "text", s.start, s.end);
            for (size_t t = 0; t < quire_rendering_word_count(x); t++) {
                const quire_aligned w = quire_rendering_word(x, t);
                quire_json_printf(j, "%s{\"kind\":\"%s\",\"word\":%d,\"start\":%zu,\"end\":%zu}",
                                  t ? "," : "", word_kinds[w.kind], w.quote_word, w.span.start,
                                  w.span.end);
            }
            quire_json_lit(j, "],\"missing\":[");
            for (size_t w = 0; w < quire_rendering_missing_count(x); w++)
                quire_json_printf(j, "%s%zu", w ? "," : "", quire_rendering_missing(x, w));
            quire_json_lit(j, "]}");
        }
        quire_json_raw(j, "]", 1);
    }
    if (quire_results_parsed(r) != NULL) {
        quire_json_lit(j, ",\"explain\":[");
        bool any = false;
        for (size_t k = 0; k < quire_results_clause_count(r); k++) {
            uint64_t tf;
            const double score = quire_hit_clause_score(h, k, &tf);
            if (tf == 0 && score == 0)
                continue;
            quire_json_printf(j, "%s{\"clause\":%zu,\"tf\":%llu,\"score\":%.6f}", any ? "," : "", k,
                              (unsigned long long)tf, score);
            any = true;
        }
        quire_json_raw(j, "]", 1);
    }
}

static void print_json_qid(quire_json *j, const char *qid)
{
    if (qid == NULL)
        return;
    quire_json_lit(j, "\"qid\":");
    quire_json_string(j, qid, strlen(qid));
    quire_json_raw(j, ",", 1);
}

/* One object per hit and line: rank, id, title, date, score (and qid in a batch); with
 * passages, title_highlights and passages (byte offsets into the title and the text). */
static void print_json(quire_json *j, const quire_results *r, const char *qid, bool passages,
                       uint32_t offset)
{
    for (size_t i = 0; i < quire_results_hit_count(r); i++) {
        const quire_hit *h = quire_results_hit(r, i);
        size_t id_len, title_len, origin_len;
        const char *id = quire_hit_id(h, &id_len), *title = quire_hit_title(h, &title_len);
        const char *origin = quire_hit_origin(h, &origin_len);
        quire_json_raw(j, "{", 1);
        print_json_qid(j, qid);
        quire_json_printf(j, "\"rank\":%llu,\"id\":", (unsigned long long)offset + i + 1);
        quire_json_string(j, id, id_len);
        quire_json_lit(j, ",\"title\":");
        quire_json_string(j, title, title_len);
        if (quire_hit_date(h) == NULL)
            quire_json_lit(j, ",\"date\":null");
        else
            quire_json_printf(j, ",\"date\":\"%s\"", quire_hit_date(h));
        quire_json_printf(j, ",\"score\":%.4f", quire_hit_score(h));
        print_json_origin(j, origin, origin_len, quire_hit_source(h));
        if (passages || quire_hit_passage_count(h) > 0 || quire_hit_title_highlight_count(h) > 0) {
            const field_spans title_spans = {h, NULL};
            quire_json_lit(j, ",\"title_highlights\":");
            print_json_spans(j, &title_spans);
            quire_json_lit(j, ",\"passages\":[");
            for (size_t k = 0; k < quire_hit_passage_count(h); k++) {
                const quire_passage *p = quire_hit_passage(h, k);
                const quire_span s = quire_passage_span(p);
                size_t len;
                const char *text = quire_passage_text(p, &len);
                quire_json_printf(j,
                                  "%s{\"start\":%zu,\"end\":%zu,\"cut_before\":%s,\"cut_after\":%s,"
                                  "\"text\":",
                                  k ? "," : "", s.start, s.end,
                                  quire_passage_cut_before(p) ? "true" : "false",
                                  quire_passage_cut_after(p) ? "true" : "false");
                quire_json_string(j, text, len);
                quire_json_lit(j, ",\"highlights\":");
                const field_spans spans = {h, p};
                print_json_spans(j, &spans);
                print_json_passage_source(j, p, quire_hit_source(h));
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
static void print_json_summary(quire_json *j, const cli *c, const quire_results *r,
                               const char *qid)
{
    static const char *const sorts[] = {"relevance", "date", "-date"};
    bool exact;
    uint64_t occurrences;
    const uint64_t matches = quire_results_match_count(r, &exact);
    quire_json_raw(j, "{", 1);
    print_json_qid(j, qid);
    quire_json_lit(j, "\"query\":");
    quire_json_string(j, c->query, c->query_len);
    quire_json_printf(j, ",\"matches\":%llu,\"matches_exact\":%s", (unsigned long long)matches,
                      exact ? "true" : "false");
    if (quire_results_occurrences(r, &occurrences))
        quire_json_printf(j, ",\"occurrences\":%llu", (unsigned long long)occurrences);
    quire_json_printf(j, ",\"offset\":%u,\"top\":%u,\"hits\":%zu,\"sort\":\"%s\"",
                      (unsigned)c->search.offset, (unsigned)c->search.top_k,
                      quire_results_hit_count(r), sorts[c->search.sort]);
    if (quire_results_hint(r) != NULL) {
        quire_json_lit(j, ",\"hint\":");
        quire_json_string(j, quire_results_hint(r), strlen(quire_results_hint(r)));
    }
    print_json_query(j, r);
    quire_json_lit(j, "}\n");
}

/* --count: the exact number of matching documents, and of a phrase's occurrences.
 * (Evaluation is exhaustive, so both are exact; an estimate would be labelled as one.) */
static void print_count(quire_json *j, const quire_results *r, output_format format,
                        const char *qid)
{
    uint64_t occurrences;
    const bool has_occurrences = quire_results_occurrences(r, &occurrences);
    const uint64_t matches = quire_results_match_count(r, NULL);
    if (format == FORMAT_JSON) {
        quire_json_raw(j, "{", 1);
        print_json_qid(j, qid);
        quire_json_printf(j, "\"matches\":%llu", (unsigned long long)matches);
        if (has_occurrences)
            quire_json_printf(j, ",\"occurrences\":%llu", (unsigned long long)occurrences);
        quire_json_lit(j, "}\n");
        return;
    }
    if (qid != NULL)
        printf("%s\t", qid);
    printf("%llu matching document%s", (unsigned long long)matches, matches == 1 ? "" : "s");
    if (has_occurrences)
        printf(", %llu occurrence%s", (unsigned long long)occurrences, occurrences == 1 ? "" : "s");
    putchar('\n');
}

static void print_result(const cli *c, const quire_results *r, const char *batch_qid)
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
        if (quire_results_hint(r) != NULL)
            (void)fprintf(stderr, "quire-query: hint: %s\n", quire_results_hint(r));
        break;
    }
    }
}

/* Report a failed query: the message, then, for a syntax error, the query with a caret
 * under the culprit. A long query is shown as a window of about 60 bytes each side of
 * the culprit, cut at character boundaries and marked with "...", so that a hostile query
 * of 10,000 words gets a readable message rather than an echo of all of it. */
#define ERROR_CONTEXT 60

static void report_query_error(const quire_searcher *s, const char *query, size_t len,
                               const char *where)
{
    if (silent_rank)
        return;
    (void)fprintf(stderr, "quire-query: %s%s\n", where, quire_errmsg());
    const size_t at = quire_searcher_error_offset(s);
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

/* A reader and one searcher on it: the index in `dir`, or with `shards` the shard set. */
static int open_searcher(quire_reader **r, quire_searcher **s, const char *dir, bool shards)
{
    *s = NULL;
    int rc = shards ? quire_reader_open_shards(r, dir) : quire_reader_open(r, dir);
    if (rc == QUIRE_OK)
        rc = quire_searcher_new(s, *r);
    return rc;
}

static void print_document_text(const quire_stored *d)
{
    size_t id_len, title_len, origin_len, text_len;
    const char *id = quire_stored_id(d, &id_len), *title = quire_stored_title(d, &title_len);
    const char *origin = quire_stored_origin(d, &origin_len), *text = quire_stored_text(d, &text_len);
    const quire_position src = quire_stored_source(d);
    (void)fputs("id:     ", stdout);
    print_clean(id, id_len);
    (void)fputs("\ntitle:  ", stdout);
    if (title_len > 0)
        print_clean(title, title_len);
    else
        (void)fputs("(no title)", stdout);
    printf("\ndate:   %s\norigin: ", quire_stored_date(d) ? quire_stored_date(d) : "(none)");
    print_clean(origin, origin_len);
    if (src.line > 0)
        printf(" (text from line %llu", (unsigned long long)src.line);
    if (src.line > 0 && src.column > 0)
        printf(", column %u", (unsigned)src.column);
    if (src.line > 0 && src.offset != UINT64_MAX)
        printf(", byte %llu", (unsigned long long)src.offset);
    if (src.line > 0)
        putchar(')');
    printf("\n\n");
    (void)fwrite(text, 1, text_len, stdout);
    putchar('\n');
}

static void print_document_json(quire_json *j, const quire_stored *d)
{
    size_t id_len, title_len, origin_len, text_len;
    const char *id = quire_stored_id(d, &id_len), *title = quire_stored_title(d, &title_len);
    const char *origin = quire_stored_origin(d, &origin_len), *text = quire_stored_text(d, &text_len);
    uint32_t title_tokens;
    const uint32_t tokens = quire_stored_tokens(d, &title_tokens);
    quire_json_lit(j, "{\"id\":");
    quire_json_string(j, id, id_len);
    quire_json_lit(j, ",\"title\":");
    quire_json_string(j, title, title_len);
    if (quire_stored_date(d) != NULL)
        quire_json_printf(j, ",\"date\":\"%s\"", quire_stored_date(d));
    else
        quire_json_lit(j, ",\"date\":null");
    print_json_origin(j, origin, origin_len, quire_stored_source(d));
    quire_json_printf(
        j, ",\"doc_id\":%llu,\"tokens\":%u,\"title_tokens\":%u,\"text_bytes\":%zu,\"text\":",
        (unsigned long long)quire_stored_number(d), (unsigned)tokens, (unsigned)title_tokens,
        text_len);
    quire_json_string(j, text, text_len);
    quire_json_lit(j, "}\n");
}

/* --show ID: the stored document, as text (a header of id, title, date, origin, then the
 * text) or one JSON object. Exit 0, 1 when no live document has the id, 2 on error. */
static int show_document(const cli *c, const char *dir)
{
    quire_reader *r = NULL;
    quire_searcher *s = NULL;
    quire_stored *d = NULL;
    int rc = open_searcher(&r, &s, dir, false);
    if (rc == QUIRE_OK)
        rc = quire_searcher_document(&d, s, c->show, strlen(c->show), NULL, 0, NULL);
    int exit_code = EXIT_HITS;
    if (rc == QUIRE_ENOTFOUND) {
        (void)fprintf(stderr, "quire-query: %s: no document with id '%s'\n", dir, c->show);
        exit_code = EXIT_NONE;
    } else if (rc != QUIRE_OK) {
        exit_code = fail("%s", quire_errmsg());
    } else if (c->format == FORMAT_JSON) {
        print_document_json(&json_out, d);
        flush_json();
    } else {
        print_document_text(d);
    }
    quire_stored_free(d);
    quire_searcher_free(s);
    quire_reader_close(r);
    quire_json_free(&json_out);
    if (exit_code == EXIT_HITS && fflush(stdout) != 0)
        return fail("writing the document: %s", strerror(errno));
    return exit_code;
}

static double now_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#define PROSE_WARNINGS 3 /* queries named in a batch's warnings about prose */

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
static int run_batch(cli *c, quire_searcher *s)
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
    const bool plain = (c->search.flags & QUIRE_SEARCH_PLAIN) != 0;
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
        c->query = tab + 1;
        c->query_len = len - (size_t)(tab + 1 - line);
        size_t op_at;
        if (!plain && quire_query_reads_like_prose(c->query, c->query_len, &op_at) &&
            prose_count++ < PROSE_WARNINGS)
            (void)fprintf(stderr,
                          "quire-query: warning: %s:%lu: query %s reads like prose, but its "
                          "'%.*s' at character %zu is read as an operator; --plain reads "
                          "every token as a word\n",
                          c->batch, line_no, qid, (int)strcspn(c->query + op_at, " \t"),
                          c->query + op_at, char_column(c->query, op_at));
        quire_results *r = NULL;
        const double t0 = tf != NULL ? now_us() : 0;
        const int rc = quire_search(&r, s, c->query, c->query_len, &c->search);
        if (rc != QUIRE_OK) {
            report_query_error(s, c->query, c->query_len, where);
            any_error = true;
            continue;
        }
        print_result(c, r, qid);
        if (tf != NULL)
            (void)fprintf(tf, "%s\t%.1f\n", qid, now_us() - t0);
        any_hit |= quire_results_match_count(r, NULL) > 0;
        quire_results_free(r);
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
    if (quire_search_options_init(&c.search, QUIRE_SEARCH_OPTIONS_VERSION) != QUIRE_OK)
        return fail("%s", quire_errmsg());
    c.search.flags = QUIRE_SEARCH_NOTES | QUIRE_SEARCH_FALLBACK;
    c.format = FORMAT_TEXT;
    c.qid = "1";
    c.tag = "quire";
    c.color = -1;
    c.mark_open = "[[";
    c.mark_close = "]]";
    c.diff_open = "{{";
    c.diff_close = "}}";

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
        set_flag(&c, QUIRE_SEARCH_FALLBACK, false);
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
        c.query = text;
        c.query_len = strlen(text);
    }

    int exit_code = EXIT_ERROR;
    quire_reader *reader = NULL;
    quire_searcher *s = NULL;
    quire_results *r = NULL;
    if (c.shards) {
        /* a shard set does not make notes on names or fall back to close renderings yet
         * (quire_reader_open_shards()): the query runs without */
        set_flag(&c, QUIRE_SEARCH_NOTES, false);
        set_flag(&c, QUIRE_SEARCH_FALLBACK, false);
    }
    int rc = open_searcher(&reader, &s, dir, c.shards);
    silent_rank = reader != NULL && quire_reader_rank(reader) != 0;
    if (rc == QUIRE_OK && !silent_rank && quire_reader_fallback(reader) != NULL)
        (void)fprintf(stderr, "quire-query: warning: %s (using an older generation)\n",
                      quire_reader_fallback(reader));
    if (rc != QUIRE_OK) {
        if (!silent_rank)
            fail("%s", quire_errmsg());
    } else if (c.batch != NULL) {
        exit_code = run_batch(&c, s);
    } else if ((rc = quire_search(&r, s, c.query, c.query_len, &c.search)) != QUIRE_OK) {
        report_query_error(s, c.query, c.query_len, "");
    } else {
        print_result(&c, r, NULL);
        exit_code = quire_results_match_count(r, NULL) > 0 ? EXIT_HITS : EXIT_NONE;
    }
    quire_json_free(&json_out);
    if (exit_code != EXIT_ERROR && fflush(stdout) != 0)
        exit_code = fail("writing the results: %s", strerror(errno));
    quire_results_free(r);
    quire_searcher_free(s);
    quire_reader_close(reader);
    free(text);
    return exit_code;
}
