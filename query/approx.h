/*
 * approx.h - approximate quotes, `"..."~` (README.md "Approximate quotes"): the passages
 * that render a quote with words substituted, dropped, inserted, re-spelled or
 * re-punctuated, each with its closeness.
 *
 * Closeness. The quote's words q1..qm (forms, as the analyzer cuts them) have weights
 * w_i = 1 + idf(df of q_i's stem) (BM25's idf, scorer.h, with df at least 1, so a word
 * the index lacks weighs as one seen once): every word counts, rare ones more; W = sum
 * of the w_i. A window is a run of consecutive tokens of one field (title or text), at
 * most L = m + floor(m / 2) + 2 long. An alignment pairs some quote words with some window
 * tokens, one to one and in order on both sides (a monotone alignment). A pair scores
 *   w_i * 1    the token is q_i's form (same),
 *   w_i * 0.9  the token is another form of q_i's stem (stem),
 *   w_i * 0.8  the token is a spelling variant of q_i (variant: a form of the index
 *              within the distance of fuzzy.h: APPROX_NAME_DISTANCE for a name, a word
 *              typed with a capital, of at least APPROX_VARIANT_CHARS characters; N for a
 *              word written word~N in the quote, word~'s default for word~; the
 *              FUZZY_MAX_FORMS closest; other words have no variants),
 *   0          otherwise (substituted);
 * a quote word left unpaired scores 0 (missing), and each window token left unpaired
 * (inserted) costs c = APPROX_INSERT_COST * W / m, a quarter of the mean weight. The
 * window's score is the best alignment's sum, and its closeness that divided by W; a
 * document's closeness is its best window's. Exactly the quote, with any punctuation,
 * scores 1; anything else less. A document matches when its closeness is at least the
 * threshold (APPROX_DEFAULT_CLOSENESS, --closeness, or "..."~T).
 *
 * Its renderings: its best window (the earliest, then the shortest, among equals), then
 * the best window sharing no token with those chosen, and so on while the best reaches
 * the threshold. Their number is the quote's tf in the document. Shown (passages,
 * alignments), a rendering also takes in as substituted the token just before (after) it
 * when quote words are missing before its first (after its last) paired word (at no cost,
 * so with the same closeness), within its field, the window length and the other
 * renderings: "dear Mr. President" for "dear Mr Chairman".
 *
 * Finding them is exact with respect to this definition:
 *   - a document whose present quote words (any of their forms) weigh less than
 *     threshold * W cannot reach it; the lightest words whose weights add up to less
 *     than that are non-essential, so only documents holding an essential word are
 *     candidates (MaxScore's argument), and the others' presence is read by skipping;
 *   - the best window starts and ends on tokens that pair with a positive score (dropping
 *     an inserted or substituted end token never lowers the score), so only windows
 *     starting at an occurrence of a quote word's form are scored, and only those whose
 *     bound - the least of the weights of the words present in it and the sum over its
 *     positions of the best weight there - reaches threshold * W;
 *   - each such window is scored by the dynamic programme of the alignment over its
 *     tokens: O(m * L) per window.
 * tests/query/test_approx.c compares the matches, and their closeness, with a scan that
 * scores every window of every document of a real corpus from its re-tokenized text.
 */
#ifndef QUERY_APPROX_H
#define QUERY_APPROX_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "parser.h"
#include "phrase.h"
#include "quire/index.h"
#include "quire/segment.h"
#include "quire/status.h"

#define APPROX_DEFAULT_CLOSENESS 0.6 /* the threshold when none is given (README: chosen on data)  \
                                      */
#define APPROX_STEM_SCORE    0.9     /* share of a word's weight a stem match scores */
#define APPROX_VARIANT_SCORE 0.8     /* ... and a spelling variant */
#define APPROX_INSERT_COST   0.25    /* an inserted token costs this share of the mean weight */
#define APPROX_VARIANT_CHARS 4       /* names this long match their variants */
#define APPROX_NAME_DISTANCE 1       /* ... within this distance (fuzzy.h) */
#define APPROX_SLACK         1e-9    /* closeness compared with this much tolerance */

typedef enum approx_kind {
    APPROX_SAME,        /* the token is the word's form */
    APPROX_STEM,        /* another form of its stem */
    APPROX_VARIANT,     /* a spelling variant */
    APPROX_SUBSTITUTED, /* paired with the word, but neither */
    APPROX_INSERTED,    /* a token paired with no word */
} approx_kind;

/* One quote word a form matches, and how. */
typedef struct approx_pair {
    uint32_t word;
    approx_kind kind; /* SAME, STEM or VARIANT: the best for that word */
} approx_pair;

typedef struct approx_form {
    const char *text; /* NUL-terminated, in the arena */
    size_t len;
    approx_pair *pairs; /* by word */
    uint32_t pair_count;
    uint64_t df; /* live documents holding it (for --explain) */
} approx_form;

typedef struct approx_word {
    double weight;             /* 1 + idf */
    uint64_t df;               /* live documents holding its stem */
    int32_t distance;          /* of its variants; -1: none searched */
    uint32_t variants;         /* variant forms searched */
    uint32_t variants_matched; /* in the index within the distance (more: capped) */
} approx_word;

typedef struct approx_quote {
    uint32_t word_count; /* m */
    approx_word *words;
    double total;        /* W */
    double insert_cost;  /* c */
    double threshold;    /* a document matches at this closeness or more */
    uint32_t max_window; /* L, tokens */
    approx_form *forms;  /* every form matching some word, in byte order */
    uint32_t form_count;
} approx_quote;

/* Weigh the quote's words and find their forms over the index (node->approx). `threshold`
 * is used unless the quote gives its own. QUIRE_OK, QUIRE_ELIMIT (a word's variants),
 * QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int approx_resolve(query_node *node, arena *a, const quire_index *ix,
                                    double threshold);

/* Every document of segment `seg` of `ix` at or above the threshold, deleted ones
 * included: docs, freqs (renderings) and closeness (phrase.h). */
QUIRE_MUST_CHECK int approx_match_segment(phrase_matches *out, arena *a, const quire_index *ix,
                                          uint32_t seg, const query_node *node);

/* One token of a rendering: the quote word it stands for (-1 when inserted) and how. */
typedef struct approx_aligned {
    uint32_t pos;
    int32_t word;
    approx_kind kind;
} approx_aligned;

typedef struct approx_rendering {
    uint32_t start, end; /* positions [start, end) */
    double closeness;
    approx_aligned *tokens; /* one per position of the window, in order */
    bool *word_matched;     /* per quote word: paired with a token (else missing) */
} approx_rendering;

/* The renderings of document `doc` (best first, at most `max_count`) with their
 * alignments, in the arena. QUIRE_OK (*count 0 when it has none), QUIRE_ECORRUPT,
 * QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int approx_doc_renderings(approx_rendering **out, uint32_t *count, arena *a,
                                           const quire_index *ix, uint32_t seg,
                                           const query_node *node, uint32_t doc,
                                           uint32_t max_count);

#endif
