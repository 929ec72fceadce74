/*
 * test_parser.c - the query language: precedence, every kind of quote, fields, dates,
 * errors with their positions, lenient mode and the limits. Each query is parsed with the
 * english analyzer and its AST written back as a compact string:
 *   word -> its stem; "f1 f2" exact phrase; ~"s1 s2" stemmed phrase; title: prefix;
 *   "a b … c" a quote with an ellipsis (its parts joined by " … ");
 *   AND(..) OR(..) NOT(..) OPT(required optional); date:FROM..TO (empty when open).
 */
#include "parser.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quire/date.h"

static quire_analyzer *analyzer(void)
{
    quire_analyzer *an = NULL;
    const quire_analyzer_opts opts = {"english", false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
    return an;
}

static void put(char *out, size_t cap, const char *s)
{
    strncat(out, s, cap - strlen(out) - 1);
}

static void render(char *out, size_t cap, const query_node *n)
{
    static const char *const names[] = {"", "", "", "AND", "OR", "NOT", "OPT"};
    char day[11];
    switch (n->kind) {
    case QUERY_TERM:
        put(out, cap, n->stem);
        return;
    case QUERY_PHRASE:
        if (n->field == QUERY_FIELD_TITLE)
            put(out, cap, "title:");
        if (n->is_prefix) {
            put(out, cap, n->words[0].text);
            put(out, cap, "*");
            return;
        }
        if (n->near_split > 0) {
            /* a~ or a" for each operand (stems or forms), then the operator */
            char op[32];
            snprintf(op, sizeof op, " %s/%u ", n->near_ordered ? "ONEAR" : "NEAR",
                     (unsigned)n->near_n);
            for (int side = 0; side < 2; side++) {
                if (side == 1)
                    put(out, cap, op);
                put(out, cap, n->near_stemmed[side] ? "~\"" : "\"");
                const uint32_t from = side == 0 ? 0 : n->near_split;
                const uint32_t to = side == 0 ? n->near_split : n->word_count;
                for (uint32_t i = from; i < to; i++) {
                    if (i > from)
                        put(out, cap, " ");
                    put(out, cap, n->words[i].text);
                }
                put(out, cap, "\"");
            }
            return;
        }
        put(out, cap, n->is_stemmed ? "~\"" : "\"");
        for (uint32_t i = 0, part = 0; i < n->word_count; i++) {
            if (part < n->part_count && i == n->part_ends[part] && i > 0) {
                put(out, cap, " \xe2\x80\xa6 ");
                part++;
            } else if (i > 0) {
                put(out, cap, " ");
            }
            put(out, cap, n->words[i].text);
        }
        put(out, cap, "\"");
        if (n->part_count > 0) {
            cr_expect_eq(n->part_ends[n->part_count - 1], n->word_count);
            cr_expect_eq(n->near_n, QUERY_ELLIPSIS_GAP);
        }
        return;
    case QUERY_DATE:
        put(out, cap, "date:");
        if (n->date_from != INT32_MIN + 1) {
            quire_date_format(n->date_from, day);
            put(out, cap, day);
        }
        put(out, cap, "..");
        if (n->date_to != INT32_MAX) {
            quire_date_format(n->date_to, day);
            put(out, cap, day);
        }
        return;
    default:
        put(out, cap, names[n->kind]);
        put(out, cap, "(");
        for (uint32_t i = 0; i < n->child_count; i++) {
            if (i > 0)
                put(out, cap, " ");
            render(out, cap, n->children[i]);
        }
        put(out, cap, ")");
    }
}

typedef struct parsed {
    int rc;
    size_t error_offset;
    char ast[4096];
    char message[512];
} parsed;

static parsed parse_with(const char *q, bool any, bool lenient)
{
    parsed r;
    memset(&r, 0, sizeof r);
    quire_analyzer *an = analyzer();
    arena a = ARENA_INIT;
    query_ast ast;
    const parser_options o = {any, lenient, false, true}; /* stopwords: their own tests */
    r.rc = parser_parse(&ast, &a, an, q, strlen(q), &o);
    r.error_offset = ast.error_offset;
    if (r.rc == QUIRE_OK)
        render(r.ast, sizeof r.ast, ast.root);
    else
        snprintf(r.message, sizeof r.message, "%s", quire_errmsg());
    arena_free(&a);
    quire_analyzer_free(an);
    return r;
}

/* Parse with every option given, rendering the AST and counting its numbered terms. */
static parsed parse_opts(const char *q, const parser_options *o, uint32_t *term_count)
{
    parsed r;
    memset(&r, 0, sizeof r);
    quire_analyzer *an = analyzer();
    arena a = ARENA_INIT;
    query_ast ast;
    r.rc = parser_parse(&ast, &a, an, q, strlen(q), o);
    r.error_offset = ast.error_offset;
    if (r.rc == QUIRE_OK)
        render(r.ast, sizeof r.ast, ast.root);
    else
        snprintf(r.message, sizeof r.message, "%s", quire_errmsg());
    if (term_count != NULL)
        *term_count = r.rc == QUIRE_OK ? ast.term_count : 0;
    arena_free(&a);
    quire_analyzer_free(an);
    return r;
}

static void expect_ast(const char *q, bool any, const char *want)
{
    const parsed r = parse_with(q, any, false);
    cr_expect_eq(r.rc, QUIRE_OK, "'%s': %s", q, r.message);
    cr_expect_str_eq(r.ast, want, "'%s'%s", q, any ? " (any)" : "");
}

/* A syntax error (or limit) at byte `offset` whose message contains `what`. */
static void expect_error(const char *q, int rc, size_t offset, const char *what)
{
    const parsed r = parse_with(q, false, false);
    cr_expect_eq(r.rc, rc, "'%s': rc %d (%s), AST %s", q, r.rc, r.message, r.ast);
    cr_expect_eq(r.error_offset, offset, "'%s': error at %zu, want %zu (%s)", q, r.error_offset,
                 offset, r.message);
    cr_expect(strstr(r.message, what) != NULL, "'%s': message '%s' lacks '%s'", q, r.message, what);
}

Test(parser, juxtaposed_words_are_all_required)
{
    expect_ast("fox", false, "fox");
    expect_ast("red fox", false, "AND(red fox)");
    expect_ast("red foxes", false, "AND(red fox)");
    expect_ast("red AND fox", false, "AND(red fox)");
    expect_ast("and or not", false, "AND(and or not)"); /* lower case: words */
}

Test(parser, not_binds_tighter_than_and_which_binds_tighter_than_or)
{
    expect_ast("a b OR c -d", false, "OR(AND(a b) AND(c NOT(d)))");
    expect_ast("a OR b c", false, "OR(a AND(b c))");
    expect_ast("a AND b OR c AND d", false, "OR(AND(a b) AND(c d))");
    expect_ast("NOT a b", false, "AND(b NOT(a))");
    expect_ast("a NOT b OR c", false, "OR(AND(a NOT(b)) c)");
    expect_ast("(a OR b) c", false, "AND(OR(a b) c)");
    expect_ast("a (b OR (c d))", false, "AND(a OR(b AND(c d)))");
    expect_ast("NOT NOT a", false, "NOT(NOT(a))");
    expect_ast("-a", false, "NOT(a)");
    expect_ast("+a b", false, "AND(a b)");
    expect_ast("a -(b c)", false, "AND(a NOT(AND(b c)))");
    expect_ast("a - b", false, "AND(a b)"); /* a lone dash is punctuation */
}

Test(parser, any_mode_makes_juxtaposition_optional)
{
    expect_ast("a b", true, "OR(a b)");
    expect_ast("+a b c", true, "OPT(a OR(b c))");
    expect_ast("a AND b c", true, "OPT(AND(a b) c)");
    expect_ast("a b -c", true, "AND(OR(a b) NOT(c))");
}

Test(parser, a_word_given_twice_is_one_clause)
{
    expect_ast("fox foxes fox", false, "fox");
    expect_ast("\"red fox\" \"Red Fox\"", false, "\"red fox\"");
}

Test(parser, every_kind_of_quote_delimits_a_phrase)
{
    static const char *const quotes[] = {
        "\"Red, Fox!\"",
        "\xe2\x80\x9cRed, Fox!\xe2\x80\x9d", /* “…” */
        "\xe2\x80\x9eRed, Fox!\xe2\x80\x9c", /* „…“ */
        "\xc2\xabRed, Fox!\xc2\xbb",         /* «…» */
        "\xe2\x80\x9dRed, Fox!\xe2\x80\x9d", /* ”…” */
        "\xe2\x80\x9fRed\nFox\xe2\x80\x9f",  /* ‟…‟ with a line break */
    };
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++)
        expect_ast(quotes[i], false, "\"red fox\"");
    expect_ast("\"We are expecting you, dear Mr Chairman\"", false,
               "\"we are expecting you dear mr chairman\"");
    expect_ast("\"to be or not to be\"", false, "\"to be or not to be\"");
    expect_ast("\"Caf\xc3\xa9 CR\xc3\x88ME\"", false, "\"cafe creme\"");
}

Test(parser, apostrophes_are_not_quotes)
{
    expect_ast("\xe2\x80\x98red fox\xe2\x80\x99", false, "AND(red fox)"); /* ‘red fox’ */
    expect_ast("\"Russia\xe2\x80\x99s war\"", false, "\"russia's war\"");
}

Test(parser, tilde_asks_for_the_stemmed_phrase)
{
    expect_ast("~\"red foxes\"", false, "~\"red fox\"");
    expect_ast("~\xe2\x80\x9cred foxes\xe2\x80\x9d", false, "~\"red fox\"");
    expect_ast("~fox", false, "fox"); /* a tilde without a quote is punctuation */
}

Test(parser, a_word_of_several_tokens_is_a_stemmed_phrase)
{
    expect_ast("S-300", false, "~\"s 300\"");
    expect_ast("red-foxes", false, "~\"red fox\"");
    expect_ast("!!! fox ,", false, "fox");
}

Test(parser, title_restricts_to_the_title)
{
    expect_ast("title:foxes", false, "title:~\"fox\"");
    expect_ast("title:\"Red Foxes\"", false, "title:\"red foxes\"");
    expect_ast("Title:~\"Red Foxes\" fox", false, "AND(title:~\"red fox\" fox)");
    expect_ast("-title:fox", false, "NOT(title:~\"fox\")");
    expect_ast("note: fox", false, "AND(note fox)"); /* a colon before a space: no field */
}

Test(parser, date_ranges)
{
    expect_ast("date:2022-12-01..2022-12-31", false, "date:2022-12-01..2022-12-31");
    expect_ast("date:..2022-12-31", false, "date:..2022-12-31");
    expect_ast("date:2022-12-01..", false, "date:2022-12-01..");
    expect_ast("date:2022-12-05", false, "date:2022-12-05..2022-12-05");
    expect_ast("fox date:2024-02-29..", false, "AND(fox date:2024-02-29..)");
}

Test(parser, errors_say_where)
{
    expect_error("\"red fox", QUIRE_EINVAL, 0, "unbalanced quote");
    expect_error("fox \xe2\x80\x9cred", QUIRE_EINVAL, 4, "unbalanced quote at character 5");
    expect_error("a (b", QUIRE_EINVAL, 2, "unbalanced parenthesis");
    expect_error("a b)", QUIRE_EINVAL, 3, "unbalanced parenthesis");
    expect_error("((a)", QUIRE_EINVAL, 0, "unbalanced parenthesis");
    expect_error("a OR", QUIRE_EINVAL, 2, "OR needs a word after it");
    expect_error("OR a", QUIRE_EINVAL, 0, "OR needs a word before it");
    expect_error("AND a", QUIRE_EINVAL, 0, "AND needs a word before it");
    expect_error("a AND", QUIRE_EINVAL, 2, "AND needs a word after it");
    expect_error("a NOT", QUIRE_EINVAL, 2, "NOT needs a word after it");
    expect_error("fox color:red", QUIRE_EINVAL, 4, "unknown field 'color'");
    expect_error("date:2022-02-30", QUIRE_EINVAL, 5, "bad date");
    expect_error("date:2022-12", QUIRE_EINVAL, 5, "bad date");
    expect_error("date:..", QUIRE_EINVAL, 5, "bad date");
    expect_error("date:2022-12-31..2022-12-01", QUIRE_EINVAL, 5, "empty date range");
    expect_error("title:(a b)", QUIRE_EINVAL, 6, "title: takes a word");
    expect_error("!!! ,", QUIRE_EINVAL, SIZE_MAX, "empty query");
    expect_error("()", QUIRE_EINVAL, SIZE_MAX, "empty query");
    expect_error("", QUIRE_EINVAL, SIZE_MAX, "empty query");
    expect_error("\"\"", QUIRE_EINVAL, SIZE_MAX, "empty query");
}

Test(parser, lenient_mode_reads_malformed_queries_as_words)
{
    static const struct {
        const char *q, *want;
    } cases[] = {
        {"\"red fox", "AND(red fox)"},
        {"a (b", "AND(a b)"},
        {"color:red fox", "AND(color red fox)"},
        {"a OR", "AND(a or)"},
        {"date:2022-02-30 fox", "AND(date 2022 02 30 fox)"},
        {"\"red fox\" b", "AND(\"red fox\" b)"}, /* well-formed: parsed as usual */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const parsed r = parse_with(cases[i].q, false, true);
        cr_expect_eq(r.rc, QUIRE_OK, "'%s': %s", cases[i].q, r.message);
        cr_expect_str_eq(r.ast, cases[i].want, "'%s'", cases[i].q);
    }
    const parsed r = parse_with("a OR", true, true);
    cr_expect_str_eq(r.ast, "OR(a or)");
    const parsed empty = parse_with("\" (", false, true);
    cr_expect_eq(empty.rc, QUIRE_EINVAL);
    cr_expect_str_eq(empty.message, "empty query");
}

static char *repeat(const char *unit, size_t n, const char *prefix, const char *suffix)
{
    const size_t len = strlen(prefix) + n * strlen(unit) + strlen(suffix) + 1;
    char *s = malloc(len);
    cr_assert(s != NULL);
    strcpy(s, prefix);
    char *p = s + strlen(s);
    for (size_t i = 0; i < n; i++, p += strlen(unit))
        memcpy(p, unit, strlen(unit));
    strcpy(p, suffix);
    return s;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Distinct words w0 w1 ... (so no two share a stem). */
static char *distinct_words(size_t n, const char *open, const char *close)
{
    char *s = malloc(n * 12 + strlen(open) + strlen(close) + 1);
    cr_assert(s != NULL);
    strcpy(s, open);
    char *p = s + strlen(s);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%sw%zu", i ? " " : "", i);
    strcpy(p, close);
    return s;
}

Test(parser, limits_give_clear_errors_quickly)
{
    const double start = seconds();
    char *q = distinct_words(10000, "", "");
    parsed r = parse_with(q, false, false);
    cr_expect_eq(r.rc, QUIRE_ELIMIT, "%s", r.message);
    cr_expect(strstr(r.message, "more than 1024 words") != NULL, "%s", r.message);
    r = parse_with(q, true, true); /* lenient mode does not lift limits */
    cr_expect_eq(r.rc, QUIRE_ELIMIT, "%s", r.message);
    free(q);

    q = distinct_words(1024, "", "");
    r = parse_with(q, true, false);
    cr_expect_eq(r.rc, QUIRE_OK, "%s", r.message);
    free(q);

    q = repeat("(", 1000, "", "a");
    r = parse_with(q, false, false);
    cr_expect_eq(r.rc, QUIRE_ELIMIT, "%s", r.message);
    cr_expect_eq(r.error_offset, 64);
    cr_expect(strstr(r.message, "nesting deeper than 64") != NULL, "%s", r.message);
    r = parse_with(q, false, true);
    cr_expect_eq(r.rc, QUIRE_ELIMIT, "%s", r.message);
    free(q);

    q = repeat("NOT ", 1000, "", "a");
    r = parse_with(q, false, false);
    cr_expect_eq(r.rc, QUIRE_ELIMIT, "%s", r.message);
    free(q);

    char *inner = repeat("(", 64, "", "a");
    q = repeat(")", 64, inner, "");
    r = parse_with(q, false, false);
    cr_expect_eq(r.rc, QUIRE_OK, "64 levels are allowed: %s", r.message);
    free(inner);
    free(q);

    q = distinct_words(1000, "\"", "\"");
    r = parse_with(q, false, false);
    cr_expect_eq(r.rc, QUIRE_ELIMIT, "%s", r.message);
    cr_expect(strstr(r.message, "phrase longer than 256 words") != NULL, "%s", r.message);
    free(q);

    q = distinct_words(256, "\"", "\"");
    r = parse_with(q, false, false);
    cr_expect_eq(r.rc, QUIRE_OK, "%s", r.message);
    free(q);

    q = repeat("\" ", 5000, "", ""); /* 2500 empty phrases */
    r = parse_with(q, false, false);
    cr_expect_eq(r.rc, QUIRE_EINVAL, "%s", r.message);
    free(q);

    q = repeat("x ", 100000, "", ""); /* one word 100,000 times */
    r = parse_with(q, false, false);
    cr_expect_eq(r.rc, QUIRE_ELIMIT, "%s", r.message);
    free(q);
    cr_expect(seconds() - start < 5.0, "limits took %.1f s", seconds() - start);
}

/* ---- NEAR/n, ONEAR/n and prefixes (parser.h) ---- */

Test(parser, near_joins_two_words_or_phrases)
{
    expect_ast("putin NEAR/5 xi", false, "~\"putin\" NEAR/5 ~\"xi\"");
    expect_ast("foxes NEAR hounds", false, "~\"fox\" NEAR/10 ~\"hound\""); /* default 10 */
    expect_ast("foxes ONEAR/0 hounds", false, "~\"fox\" ONEAR/0 ~\"hound\"");
    expect_ast("foxes ONEAR hounds", false, "~\"fox\" ONEAR/10 ~\"hound\"");
    expect_ast("\"State Visits\" NEAR/10 moscow", false, "\"state visits\" NEAR/10 ~\"moscow\"");
    expect_ast("~\"state visits\" ONEAR/2 \xe2\x80\x9cRed Foxes\xe2\x80\x9d", false,
               "~\"state visit\" ONEAR/2 \"red foxes\"");
    expect_ast("S-300 NEAR/1000 foxes", false, "~\"s 300\" NEAR/1000 ~\"fox\"");
    /* NEAR binds tighter than NOT, AND and OR */
    expect_ast("a NEAR/3 b c", false, "AND(~\"a\" NEAR/3 ~\"b\" c)");
    expect_ast("c a NEAR/3 b OR d", false, "OR(AND(c ~\"a\" NEAR/3 ~\"b\") d)");
    expect_ast("-a NEAR/3 b", false, "NOT(~\"a\" NEAR/3 ~\"b\")");
    expect_ast("(a NEAR/3 b)", false, "~\"a\" NEAR/3 ~\"b\"");
    /* the operator is in capitals only; `near` is a word */
    expect_ast("a near b", false, "AND(a near b)");
    expect_ast("a NEARBY b", false, "AND(a nearbi b)");
    /* the same pair twice counts once; different distances are different clauses */
    expect_ast("a NEAR/3 b a NEAR/3 b", false, "~\"a\" NEAR/3 ~\"b\"");
    expect_ast("a NEAR/3 b a NEAR/4 b", false, "AND(~\"a\" NEAR/3 ~\"b\" ~\"a\" NEAR/4 ~\"b\")");
}

Test(parser, near_errors_say_where)
{
    expect_error("NEAR/3 b", QUIRE_EINVAL, 0, "NEAR joins two words or phrases");
    expect_error("a NEAR/3", QUIRE_EINVAL, 2, "NEAR needs a word or phrase after it");
    expect_error("a NEAR/3 )", QUIRE_EINVAL, 2, "NEAR needs a word or phrase after it");
    expect_error("a NEAR/3 OR b", QUIRE_EINVAL, 2, "NEAR needs a word or phrase after it");
    expect_error("a NEAR/x b", QUIRE_EINVAL, 2, "NEAR/n needs a number n from 0 to 1000");
    expect_error("a NEAR/ b", QUIRE_EINVAL, 2, "NEAR/n needs a number");
    expect_error("a ONEAR/1001 b", QUIRE_EINVAL, 2, "ONEAR/n needs a number n from 0 to 1000");
    expect_error("a NEAR/99999999999 b", QUIRE_EINVAL, 2, "NEAR/n needs a number");
    expect_error("a NEAR/3 b NEAR/3 c", QUIRE_EINVAL, 11, "NEAR joins exactly two");
    expect_error("(a b) NEAR/3 c", QUIRE_EINVAL, 6, "NEAR joins two words or phrases");
    expect_error("title:a NEAR/3 c", QUIRE_EINVAL, 8, "NEAR joins two words or phrases");
    expect_error("a NEAR/3 (b c)", QUIRE_EINVAL, 9, "NEAR joins two words or phrases");
    expect_error("a NEAR/3 bc*", QUIRE_EINVAL, 9, "NEAR does not take a prefix");
    expect_error(", NEAR/3 b", QUIRE_EINVAL, 0, "NEAR needs a word on each side");
    expect_error("a NEAR/3 \"b", QUIRE_EINVAL, 9, "unbalanced quote");
    /* lenient mode reads them as words */
    const parsed r = parse_with("a NEAR/3", false, true);
    cr_expect_eq(r.rc, QUIRE_OK, "%s", r.message);
    cr_expect_str_eq(r.ast, "AND(a near 3)");
}

Test(parser, an_ellipsis_in_a_quote_splits_it_into_parts)
{
    expect_ast("\"We are expecting you \xe2\x80\xa6 we are expecting you next spring\"", false,
               "\"we are expecting you \xe2\x80\xa6 we are expecting you next spring\"");
    expect_ast("\"a b...c\"", false, "\"a b \xe2\x80\xa6 c\"");
    expect_ast("\xe2\x80\x9c"
               "a .... b \xe2\x80\xa6 c d\xe2\x80\x9d",
               false, "\"a \xe2\x80\xa6 b \xe2\x80\xa6 c d\"");
    expect_ast("~\"expected visits ... moscow\"", false, "~\"expect visit \xe2\x80\xa6 moscow\"");
    expect_ast("title:\"state ... visit\"", false, "title:\"state \xe2\x80\xa6 visit\"");
    /* an ellipsis with no word on one side (or two dots) leaves a plain phrase */
    expect_ast("\"\xe2\x80\xa6 state visit\"", false, "\"state visit\"");
    expect_ast("\"state visit ...\"", false, "\"state visit\"");
    expect_ast("\"state .. visit\"", false, "\"state visit\"");
    expect_ast("\"a ... , ... b\"", false, "\"a \xe2\x80\xa6 b\"");
    /* with the rest of the language; the same quote twice is one clause */
    expect_ast("putin \"a ... b\" OR c", false, "OR(AND(putin \"a \xe2\x80\xa6 b\") c)");
    expect_ast("\"a ... b\" \"a ... b\" \"a b\"", false, "AND(\"a \xe2\x80\xa6 b\" \"a b\")");
    /* not a NEAR operand; and its words count against the phrase limit */
    expect_error("\"a ... b\" NEAR/3 c", QUIRE_EINVAL, 0,
                 "a quote with an ellipsis cannot be a NEAR operand");
    char q[4096] = "\"";
    for (int i = 0; i < 200; i++)
        strcat(q, "w ");
    strcat(q, "... ");
    for (int i = 0; i < 100; i++)
        strcat(q, "w ");
    strcat(q, "\"");
    expect_error(q, QUIRE_ELIMIT, 0, "phrase longer than 256 words");
}

Test(parser, a_trailing_star_is_a_prefix)
{
    expect_ast("expect*", false, "expect*");
    expect_ast("Expect*", false, "expect*"); /* folded as the analyzer folds forms */
    expect_ast("ex*", false, "ex*");
    expect_ast("expect* visit", false, "AND(expect* visit)");
    expect_ast("expect* OR ex*", false, "OR(expect* ex*)");
    expect_ast("-expect*", false, "NOT(expect*)");
    expect_ast("title:expect*", false, "title:expect*");
    expect_ast("expect* expect*", false, "expect*");
}

Test(parser, prefix_errors)
{
    expect_error("x*", QUIRE_EINVAL, 0, "prefix 'x*' is too short (at least 2 characters)");
    expect_error("fox e*", QUIRE_EINVAL, 4, "too short");
    expect_error("red-fo*", QUIRE_EINVAL, 0, "a prefix must be one word");
    expect_error("\"state vis*\"", QUIRE_EINVAL, 0, "prefix (word*) inside a phrase");
    expect_error("*", QUIRE_EINVAL, SIZE_MAX, "empty query");
    /* a star inside a phrase that ends no word is punctuation */
    expect_ast("\"a * b\"", false, "\"a b\"");
}

/* ---- stopwords in a ranked OR, and plain mode (parser.h) ---- */

/* AST of `q` with --any, stopwords left out (the default of quire-query --any). */
static void expect_any_default(const char *q, const char *want, uint32_t want_terms)
{
    const parser_options o = {true, false, false, false};
    uint32_t terms;
    const parsed r = parse_opts(q, &o, &terms);
    cr_expect_eq(r.rc, QUIRE_OK, "'%s': %s", q, r.message);
    cr_expect_str_eq(r.ast, want, "'%s' (any, stopwords left out)", q);
    cr_expect_eq(terms, want_terms, "'%s': %u terms numbered, want %u", q, terms, want_terms);
}

Test(parser, any_mode_leaves_optional_stopwords_out)
{
    expect_any_default("the red fox", "OR(red fox)", 2);
    expect_any_default("What is the effect of a red fox on the hens?",
                       "OR(what effect red fox hen)", 5);
    expect_any_default("The Fox", "fox", 1); /* case-folded first */
    /* only stopwords: nothing else to rank by, so they stay */
    expect_any_default("to be or not to be", "OR(to be or not)", 4);
    expect_any_default("the -fox", "AND(the NOT(fox))", 2);
    /* required words and phrases keep every word */
    expect_any_default("+the fox", "OPT(the fox)", 2);
    expect_any_default("the AND fox of", "AND(the fox)", 2);
    expect_any_default("\"the fox\" of the", "\"the fox\"", 0);
    expect_any_default("(the OR fox) hen", "OR(OR(the fox) hen)", 3);
    /* a stem is left out only when every form given of it is a stopword: `being` is not */
    expect_any_default("being be fox", "OR(be fox)", 2);
    expect_any_default("be being fox", "OR(be fox)", 2);
}

Test(parser, stopwords_stay_without_any_or_when_kept)
{
    expect_ast("the red fox", false, "AND(the red fox)"); /* AND: every word required */
    const parser_options keep = {true, false, false, true};
    uint32_t terms;
    const parsed r = parse_opts("the red fox", &keep, &terms);
    cr_expect_str_eq(r.ast, "OR(the red fox)");
    cr_expect_eq(terms, 3);
}

Test(parser, a_left_out_word_leaves_the_others_numbered_densely)
{
    /* terms are numbered in tree order after the stopwords went: 0..n-1, no hole */
    const parser_options o = {true, false, false, false};
    quire_analyzer *an = analyzer();
    arena a = ARENA_INIT;
    query_ast ast;
    const char *q = "the fox of the hen and the dog";
    cr_assert_eq(parser_parse(&ast, &a, an, q, strlen(q), &o), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(ast.term_count, 3);
    cr_assert_eq(ast.root->kind, QUERY_OR);
    cr_assert_eq(ast.root->child_count, 3);
    for (uint32_t i = 0; i < 3; i++)
        cr_expect_eq(ast.root->children[i]->term, i, "child %u has term %u", i,
                     ast.root->children[i]->term);
    arena_free(&a);
    quire_analyzer_free(an);
}

Test(parser, plain_mode_reads_every_token_as_a_word)
{
    static const struct {
        const char *q, *all, *any;
    } cases[] = {
        /* LISA's topics are in capitals: AND, OR, NOT are words there */
        {"INFORMATION AND RETRIEVAL OR NOT", "AND(inform and retriev or not)",
         "OR(inform retriev)"},
        {"\"red fox\" title:hen (dog) -cat +owl", "AND(red fox titl hen dog cat owl)",
         "OR(red fox titl hen dog cat owl)"},
        {"S-300 date:2022-12-01 fox* a NEAR/3 b", "AND(s 300 date 2022 12 01 fox a near 3 b)",
         "OR(s 300 date 2022 12 01 fox near 3 b)"},
        {"fox fox FOX", "fox", "fox"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int any = 0; any < 2; any++) {
            const parser_options o = {any != 0, false, true, false};
            const parsed r = parse_opts(cases[i].q, &o, NULL);
            cr_expect_eq(r.rc, QUIRE_OK, "'%s': %s", cases[i].q, r.message);
            cr_expect_str_eq(r.ast, any ? cases[i].any : cases[i].all, "'%s' plain%s", cases[i].q,
                             any ? " any" : "");
        }
    }
    const parser_options o = {true, false, true, false};
    const parsed empty = parse_opts("\" ( ) !!", &o, NULL);
    cr_expect_eq(empty.rc, QUIRE_EINVAL);
    cr_expect_str_eq(empty.message, "empty query");
}
