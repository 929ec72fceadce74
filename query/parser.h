/*
 * parser.h - query text -> AST. The language (README.md "Query language"):
 *
 *   query    := or_expr
 *   or_expr  := and_expr ( "OR" and_expr )*
 *   and_expr := unary ( [ "AND" ] unary )*         juxtaposition = AND (OR with --any)
 *   unary    := "NOT" unary | "-" primary | "+" primary | primary
 *   primary  := "(" or_expr ")" | near | phrase | "~" phrase | phrase "~" [ CLOSENESS ]
 *             | "title:" ( word | word* | word~ | phrase | "~" phrase | phrase "~" )
 *             | "date:" range | word | word* | word "~" [ N ]
 *   near     := operand ( "NEAR" | "NEAR/" N | "ONEAR" | "ONEAR/" N ) operand
 *   operand  := word | phrase | "~" phrase          N: 0..QUERY_MAX_NEAR, default 10
 *   phrase   := quote text quote        quote: " “ ” „ ‟ « » (quire_is_quote_char), any pair
 *   range    := DAY | DAY ".." DAY | ".." DAY | DAY ".."     DAY: YYYY-MM-DD
 *
 * Precedence: NOT (and the prefixes - +) binds tightest, then AND (explicit or implied
 * between neighbours), then OR: `a b OR c -d` is `(a AND b) OR (c AND NOT d)`. AND, OR
 * and NOT are operators only in capitals; `and`, `or`, `not` are words.
 *
 * Leaves:
 *   - a word is cut by the index's analyzer: one token -> TERM (matches the stem); several
 *     (`Russian-Chinese`, `S-300`) -> a stemmed PHRASE of them; none (punctuation) -> nothing;
 *   - "a phrase" -> PHRASE of the exact forms, every word counting, stopwords included;
 *     "a … b" (or "a ... b": three dots or more) -> PHRASE with parts: a, then b within
 *     QUERY_ELLIPSIS_GAP words (see part_count); an ellipsis with no word on one side is
 *     ignored; a quote with an ellipsis cannot be a NEAR operand;
 *     ~"a phrase" -> PHRASE of the stems (any form of each stem, in order, adjacent);
 *   - title:word -> a one-word stemmed PHRASE restricted to the title; title:"..." the
 *     exact phrase in the title;
 *   - date:from..to -> DATE, both ends inclusive; documents without a date never match;
 *   - a NEAR b -> PHRASE with near_split > 0: words[0..near_split) are operand a,
 *     words[near_split..word_count) operand b (a word: its stem, any form; a phrase: its
 *     exact forms; ~phrase: stems). An occurrence of a at [sa, sa+la) and one of b at
 *     [sb, sb+lb) pair when they are in the same field, do not overlap, and the number of
 *     words strictly between the end of the earlier and the start of the later is <= n
 *     (NEAR/0: adjacent); ONEAR also wants a first (sa + la <= sb). Its tf is the number
 *     of such pairs. NEAR joins exactly two operands and binds tighter than NOT/AND/OR;
 *   - word~ and word~N (N 0..2) -> a PHRASE with is_fuzzy, one word: the folded form; it
 *     matches every form within the edit distance (fuzzy.h) and every form of its stem, as
 *     one clause scored like a prefix. A word of several tokens, a prefix, or N > 2 is an
 *     error; so is word~ inside an exact quote;
 *   - "a quote"~ and "a quote"~0.7 -> a PHRASE with is_approx: the quote's forms, each with
 *     its stem (and word~N inside the quote: that word's distance); it matches the
 *     passages that render the quote closely enough (approx.h), 2 to
 *     QUERY_MAX_APPROX_WORDS words, the closeness after the ~ in (0, 1]; a NEAR operand
 *     cannot be one;
 *   - word* -> PREFIX: a PHRASE with is_prefix, one word: the folded prefix (at least
 *     QUERY_MIN_PREFIX characters); it matches every form starting with it (an OR of them,
 *     scored as one clause: tf = occurrences of any of them). The planner refuses a prefix
 *     of more than QUERY_MAX_PREFIX_TERMS distinct forms in the index (QUIRE_ELIMIT). A `*`
 *     ending a word inside quotes is an error (prefixes in phrases are not supported).
 * Within one and_expr, a word or phrase given twice is one clause; a word (TERM) given n
 * times there weighs n times in the score (query term frequency, as in Lucene's and
 * Anserini's bag-of-words queries): `repeats` counts the extra times.
 *
 * With --any (match_any) juxtaposed clauses are optional (a ranked OR) unless marked
 * `+` or joined by AND: `+a b c` requires a and ranks by b and c too (an OPT node).
 * There, an optional word that is a stopword of the index's language (every form given of
 * it: `the`, `of`, `is`...) is left out, as Lucene's analyzers leave it out of a
 * bag-of-words query, unless nothing else is left in its and_expr (`to be or not to be`
 * keeps them all); required words, phrases and NEAR operands keep every word, and
 * `keep_stopwords` keeps them all. Terms are numbered after that, so a left-out word
 * takes no number.
 *
 * `plain` reads the text as words only (natural-language topics: LISA's are in capitals,
 * where AND, OR and NOT are words): each token is a TERM, under one AND (OR with
 * match_any), as lenient mode reads a malformed query.
 *
 * Errors (QUIRE_EINVAL, with the byte offset of the culprit): unbalanced quote or
 * parenthesis, operator without operand, unknown field, bad date, empty query. With
 * `lenient` every such error makes the parser read the whole text as plain words instead.
 * Limits (QUIRE_ELIMIT, also in lenient mode): nesting deeper than QUERY_MAX_DEPTH, more
 * than QUERY_MAX_WORDS words in all, a phrase longer than QUERY_MAX_PHRASE_WORDS words.
 * Parsing is linear in the text but for the duplicate check (quadratic in the word count,
 * which the limit bounds).
 *
 * Nodes live in the caller's per-query arena; the planner maps each kind to a cursor.
 */
#ifndef QUERY_PARSER_H
#define QUERY_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "quire/analysis.h"
#include "quire/status.h"

#define QUERY_MAX_WORDS        1024 /* words in one query, phrase words included */
#define QUERY_MAX_PHRASE_WORDS 256  /* words in one phrase */
#define QUERY_MAX_DEPTH        64   /* nested parentheses and NOTs */
#define QUERY_MAX_NEAR         1000 /* largest n of NEAR/n */
#define QUERY_DEFAULT_NEAR     10   /* n of a bare NEAR */
#define QUERY_MIN_PREFIX       2    /* characters before the * of a prefix */
#define QUERY_MAX_PREFIX_TERMS 1024 /* distinct forms a prefix may expand to */
#define QUERY_ELLIPSIS_GAP     32   /* most words left out at an ellipsis in a quote */
#define QUERY_MAX_APPROX_WORDS 64   /* words in an approximate quote ("..."~) */

typedef enum query_node_kind {
    QUERY_TERM,   /* documents containing a stem */
    QUERY_PHRASE, /* a sequence of forms (or of stems' forms); also NEAR pairs and prefixes */
    QUERY_DATE,   /* documents dated within a range */
    QUERY_AND,    /* documents matching every child */
    QUERY_OR,     /* documents matching at least one child, scored by the ones they match */
    QUERY_NOT,    /* documents not matching its one child; scores 0 */
    QUERY_OPT,    /* documents matching children[0]; children[1], where it matches, adds */
} query_node_kind;

typedef enum query_field {
    QUERY_FIELD_ANY,   /* title or text */
    QUERY_FIELD_TITLE, /* positions < the document's title_len */
} query_field;

typedef struct query_word {
    const char *text; /* NUL-terminated form (exact phrase) or stem (stemmed phrase) */
    size_t len;       /* bytes */
    /* Approximate quotes (is_approx): */
    const char *stem; /* NUL-terminated; the word's stem */
    size_t stem_len;  /* bytes */
    int32_t distance; /* `word~N` in the quote: N; `word~`: -1 (the default); else -2 */
    bool is_name;     /* typed with a capital letter (a name: matches its variants) */
    /* Fuzzy words (is_fuzzy), set before planning (fuzzy_resolve): the forms to match
     * instead of `text`; phrase.c reads their positions as one word's. */
    const struct query_word *alts;
    uint32_t alt_count;
    /* Set by the planner (plan.c) for the phrase matcher (phrase.c): the word's term in
     * each segment, looked up once per query (phrase.h word_lookup); NULL before. */
    const struct word_lookup *lookups;
    uint32_t lookup_count;
} query_word;

typedef struct query_node {
    query_node_kind kind;
    size_t offset; /* bytes into the query text where it was written (for messages) */
    /* QUERY_TERM */
    const char *stem; /* NUL-terminated; the key looked up among a segment's stems */
    size_t stem_len;  /* bytes */
    const char *form; /* NUL-terminated; the first form seen (for highlights) */
    size_t form_len;  /* bytes */
    uint32_t term;    /* index of the term among the query's distinct terms, 0-based */
    uint32_t repeats; /* times the word was given again in its and_expr: weight * (1 + repeats) */
    bool stopword;    /* every form of it given so far is a stopword (quire_analyzer_is_stopword) */
    double boost;     /* its weight is multiplied by this: 1 from the parser (feedback.h sets it) */
    /* QUERY_PHRASE */
    query_word *words;
    uint32_t word_count; /* >= 1 */
    bool is_stemmed;     /* words are stems: match any form of each */
    query_field field;
    uint32_t phrase;      /* index among the query's phrases, 0-based */
    uint32_t near_split;  /* > 0: a NEAR pair, words[0..near_split) and the rest */
    uint32_t near_n;      /* NEAR: at most this many words between the two */
    bool near_ordered;    /* ONEAR: the first operand comes first */
    bool near_stemmed[2]; /* NEAR: whether each operand's words are stems */
    bool is_prefix;       /* words[0] is a prefix of forms */
    /* A quote with an ellipsis ("a … b", "a ... b"): part_count >= 2 parts, part k being
     * words[part_ends[k - 1] .. part_ends[k]) (from 0 for k = 0), each matched as the
     * phrase is (exact forms, or stems for ~"..."), in order, in one field, each starting
     * after the one before ends with at most near_n (QUERY_ELLIPSIS_GAP) words between.
     * Its tf: the occurrences of the last part that complete such a chain. 0: no parts. */
    uint32_t part_count;
    const uint32_t *part_ends;
    bool is_fuzzy;          /* word~N: words[0] is a form; matches its spelling variants */
    int32_t fuzzy_distance; /* N of word~N; -1: the default for its length (fuzzy.h) */
    struct fuzzy_expansion *expansion; /* fuzzy: the variants found (fuzzy_resolve) */
    bool is_approx;                    /* "..."~: an approximate quote (approx.h) */
    double approx_closeness;           /* the closeness written after the ~; < 0: the option's */
    struct approx_quote *approx;       /* approximate: set before planning (approx_resolve) */
    /* QUERY_DATE: days since the epoch, inclusive; INT32_MIN + 1 / INT32_MAX when open */
    int32_t date_from;
    int32_t date_to;
    /* QUERY_AND, QUERY_OR (>= 2 children), QUERY_NOT (1), QUERY_OPT (2) */
    struct query_node **children;
    uint32_t child_count;
} query_node;

typedef struct parser_options {
    bool match_any;      /* juxtaposition means OR (ranked) instead of AND */
    bool lenient;        /* a syntax error reads the text as plain words instead */
    bool plain;          /* every token is a word: no operators, quotes, fields, prefixes */
    bool keep_stopwords; /* with match_any: keep optional stopwords (default: left out) */
} parser_options;

typedef struct query_ast {
    query_node *root;
    uint32_t term_count;   /* distinct stems of TERM nodes (numbered 0..term_count-1) */
    uint32_t phrase_count; /* PHRASE nodes (numbered 0..phrase_count-1) */
    bool has_dates;        /* some DATE node */
    size_t error_offset;   /* on a parse error: byte offset of the culprit; SIZE_MAX if none */
} query_ast;

/* Parse `len` bytes of query text into *out (nodes owned by `a`). Returns QUIRE_OK;
 * QUIRE_EINVAL for a syntax error ("empty query" if no word remains) with
 * out->error_offset set; QUIRE_ELIMIT past a limit; QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int parser_parse(query_ast *out, arena *a, quire_analyzer *an, const char *text,
                                  size_t len, const parser_options *o);

#endif
