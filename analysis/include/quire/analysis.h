/*
 * analysis.h - text analysis shared by the indexer, the query parser and the passage
 * builder, so that documents and queries are cut into words identically.
 *
 * An analyzer turns UTF-8 text into tokens. Each token carries:
 *   - form: the word as written, case-folded, typography unified (one apostrophe), and,
 *     when the analyzer folds diacritics (the default), without diacritics. Quotes match
 *     forms.
 *   - stem: the Snowball stem of the form, so that each form has exactly one stem (an
 *     index with folded diacritics stems folded words: "abbé" and "abbe" are one form and
 *     must be one stem; languages whose stemmers need accents keep them with
 *     keep_diacritics). Bare query words match stems. Stems are cached per distinct word.
 *   - pos: token position, counted from the `first_pos` the caller gives.
 *   - byte_start, byte_end: where the token lies in the text given (end exclusive). A
 *     word hyphenated across a line break spans both halves.
 * The rules for apostrophes, hyphens, digits and separators are in analysis/RULES.md and
 * tested in tests/analysis/.
 *
 * An analyzer is not thread-safe (it owns a Snowball stemmer and caches): use one per
 * thread. Token strings point into the analyzer's buffers and stay valid until the next
 * call on the same iterator.
 */
#ifndef QUIRE_ANALYSIS_H
#define QUIRE_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/bytes.h"
#include "quire/status.h"
#include "quire/utf8.h"

/* Longest form or stem kept, in bytes. A longer word is cut to this length at a UTF-8
 * character boundary (it still gets one position), and the iterator counts it. */
#define QUIRE_MAX_TERM_BYTES 128

typedef struct quire_analyzer quire_analyzer;

typedef struct quire_analyzer_opts {
    const char *language; /* Snowball algorithm name ("english", "french", ...); NULL = english */
    bool keep_diacritics; /* false (default): fold é->e, ё->е, ά->α in forms and stems */
    size_t stem_cache_bytes; /* most memory the stem cache may take; 0 = 64 MiB */
} quire_analyzer_opts;

typedef struct quire_token {
    const char *form; /* NUL-terminated */
    size_t form_len;
    const char *stem; /* NUL-terminated; NULL when the iterator was begun without stems */
    size_t stem_len;
    uint32_t pos;
    size_t byte_start;
    size_t byte_end;
} quire_token;

/* Iterator over the tokens of one text. Fields are private to analysis/; the struct is
 * public only so it can live on the caller's stack. */
typedef struct quire_token_iter {
    quire_analyzer *an;
    const uint8_t *text;
    size_t len;
    size_t at;          /* next byte to read */
    uint32_t next_pos;  /* position of the next token */
    bool want_stem;
    size_t invalid_count;   /* invalid UTF-8 sequences met so far */
    size_t truncated_count; /* words cut to QUIRE_MAX_TERM_BYTES so far */
    bool general_only;      /* tests: cut every token on the general path, never the ASCII
                             * fast path (RULES.md "The ASCII fast path"); set after begin */
    size_t fast_count;      /* tokens the ASCII fast path cut so far */
    char form[QUIRE_MAX_TERM_BYTES + 8];
    char prefold[QUIRE_MAX_TERM_BYTES + 8];
} quire_token_iter;

/* Create an analyzer. Returns QUIRE_OK, QUIRE_EINVAL for an unknown language (the message
 * lists the ones libstemmer knows), or QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int quire_analyzer_new(quire_analyzer **out, const quire_analyzer_opts *opts);
void quire_analyzer_free(quire_analyzer *an);

/* A string that identifies everything that changes which terms come out of this analyzer:
 * the rules version, the language and the folding options, e.g.
 * "quire-analysis/2 english fold-diacritics". The index records it; quire-query refuses to
 * search an index whose analyzer id differs from the one it would build. Owned by `an`. */
const char *quire_analyzer_id(const quire_analyzer *an);
const char *quire_analyzer_language(const quire_analyzer *an);

/* Start iterating over `text` (`len` bytes of UTF-8; invalid sequences are read as
 * U+FFFD and counted, never a crash). Positions start at `first_pos`. With `want_stem`
 * false the stemmer is not run (quotes, passages). */
void quire_tokens_begin(quire_token_iter *it, quire_analyzer *an, const char *text, size_t len,
                        uint32_t first_pos, bool want_stem);

/* Next token: true and *tok filled, or false at the end of the text. */
bool quire_tokens_next(quire_token_iter *it, quire_token *tok);

/* Stem one already-analysed form (a token's `form`): the same stem a token of it gets.
 * Result owned by the analyzer, valid until its next call. */
QUIRE_MUST_CHECK int quire_analyzer_stem(quire_analyzer *an, const char *prefold, size_t len,
                                         const char **stem, size_t *stem_len);

/* Number of stemmer calls and cache hits so far (for the summary and the tests). */
void quire_analyzer_stem_stats(const quire_analyzer *an, uint64_t *calls, uint64_t *hits);

/* Character classes, the same ones the tokenizer uses. */
bool quire_is_word_char(uint32_t cp);   /* letters, digits, combining marks */
bool quire_is_quote_char(uint32_t cp);  /* " “ ” „ ‟ « » (a phrase delimiter in queries) */
bool quire_is_sentence_end(uint32_t cp); /* . ! ? … and their fullwidth forms */

/* Whether `form` (a token's form) is a stopword of the analyzer's language: one of the
 * function words a ranked bag-of-words query leaves out (query/parser.c). English has
 * Lucene's 33 (RULES.md "Query stopwords"); other languages none. Indexing ignores it. */
bool quire_analyzer_is_stopword(const quire_analyzer *an, const char *form, size_t len);

/* The same list, ascending by bytes (*count words; NULL and 0 for a language without
 * one): the common words whose adjacent pairs an index holds as pair terms (format
 * version 4, FORMAT.md "Pair terms"). */
const char *const *quire_analyzer_common_words(const quire_analyzer *an, uint32_t *count);

/* The snowball language names this build's libstemmer knows, NULL-terminated. */
const char **quire_analyzer_languages(void);

#endif
