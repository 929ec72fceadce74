/*
 * cursor.h - cursors over one segment's matching documents, composed into a tree that
 * mirrors the query: TERM leaves read postings, PHRASE leaves match a phrase or NEAR
 * lazily (phrase.c's phrase_cursor), LIST leaves replay a clause's matches found before
 * ranking (title: clauses and prefixes), ALL and DATE leaves walk the documents, AND intersects, OR
 * unites, ANDNOT subtracts, OPT adds an optional part's score to a required part. Evaluation is
 * document at a time: the root's `doc` is the current match and every child that matches
 * it is positioned on it, so scoring reads each leaf's tf where it stands.
 *
 * Contract of every cursor kind (what a new kind, e.g. NEAR, must keep):
 *   - once built, a cursor is on its first match (or exhausted: doc == QUIRE_DOC_END);
 *   - cursor_next() moves to the next match, cursor_advance() to the first match >= a
 *     target and never backwards; doc ids are the segment's local ones;
 *   - cursor_score() is valid while on a match and adds its matching leaves' BM25 parts
 *     in a fixed (query) order;
 *   - max_score bounds cursor_score() over the whole segment (from the term impacts),
 *     and cost estimates how many documents it matches (df for a term).
 * Pruning (MaxScore, block-max WAND) slots in above this interface: it reads max_score,
 * and for TERM leaves the postings cursor's block_last_doc / block_impacts after
 * quire_postings_shallow_advance(), to skip documents whose bound cannot beat the top-k
 * threshold; the cursors themselves need no change.
 *
 * Cursors live in the per-query arena; cursor_close() releases the postings they hold.
 */
#ifndef QUERY_CURSOR_H
#define QUERY_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "parser.h"
#include "phrase.h"
#include "quire/postings.h"
#include "quire/segment.h"
#include "quire/status.h"
#include "scorer.h"

typedef enum cursor_kind {
    CURSOR_TERM,
    CURSOR_AND,
    CURSOR_OR,
    CURSOR_LIST,   /* a phrase's precomputed (doc, frequency) pairs, scored with BM25 */
    CURSOR_PHRASE, /* a phrase or NEAR matched as it goes, its occurrences as tf (BM25) */
    CURSOR_ALL,    /* every document of the segment; scores 0 */
    CURSOR_DATE,   /* documents dated within a range; scores 0 */
    CURSOR_ANDNOT, /* children[0] but not children[1]; scores as children[0] */
    CURSOR_OPT,    /* children[0], plus children[1]'s score where it matches too */
} cursor_kind;

typedef struct cursor {
    cursor_kind kind;
    uint32_t doc;     /* current match, segment-local; QUIRE_DOC_END when exhausted */
    double max_score; /* upper bound of cursor_score() in this segment */
    uint64_t cost;    /* estimated matches: df (TERM), min (AND), sum (OR) */
    /* CURSOR_TERM */
    quire_postings_cursor postings;
    bool is_open;  /* postings must be closed */
    uint32_t term; /* the query term it reads (query_node.term) */
    double weight; /* BM25 idf * (k1 + 1), from global statistics */
    /* CURSOR_LIST (weight as for TERM) */
    const uint32_t *list_docs;  /* ascending */
    const uint32_t *list_freqs; /* occurrences in each */
    uint32_t list_count;
    uint32_t list_at;         /* index of the current entry */
    const double *list_scale; /* per entry, a factor of its score (closeness); NULL: 1 */
    /* CURSOR_PHRASE (weight as for TERM) */
    phrase_cursor *phrase;
    uint32_t freq;        /* occurrences in the current match */
    const scorer *scorer; /* to turn a floor into a bound on occurrences */
    /* CURSOR_ALL, CURSOR_DATE */
    uint32_t doc_count;   /* documents in the segment */
    const int32_t *dates; /* CURSOR_DATE: per document, days since the epoch or QUIRE_NO_DATE */
    int32_t date_from;    /* inclusive */
    int32_t date_to;      /* inclusive */
    /* CURSOR_AND, CURSOR_OR, CURSOR_ANDNOT, CURSOR_OPT */
    struct cursor **children; /* query order: the order scores are summed in */
    struct cursor **order;    /* AND: children by ascending cost, the order they lead in */
    uint32_t child_count;
} cursor;

/* A leaf over the postings of `t` (looked up in `seg`) with the given BM25 weight. */
QUIRE_MUST_CHECK int cursor_new_term(cursor **out, arena *a, const scorer *s,
                                     const quire_segment *seg, const quire_term *t, uint32_t term,
                                     double weight);
/* AND / OR of `count` >= 1 built children (the array is copied). On failure the children
 * are not closed: the caller closes what it built. */
QUIRE_MUST_CHECK int cursor_new_and(cursor **out, arena *a, cursor *const *children,
                                    uint32_t count);
QUIRE_MUST_CHECK int cursor_new_or(cursor **out, arena *a, cursor *const *children, uint32_t count);
/* A leaf over `count` (doc, freq) pairs (borrowed; they must outlive the cursor). */
QUIRE_MUST_CHECK int cursor_new_list(cursor **out, arena *a, const uint32_t *docs,
                                     const uint32_t *freqs, uint32_t count, double weight);
/* A leaf matching the phrase or NEAR `node` in `seg` with the given BM25 weight; *out
 * is NULL when the segment lacks one of its words. max_score: the weight times the best
 * BM25 factor the impacts of its single-form words allow (for NEAR, the weight). */
QUIRE_MUST_CHECK int cursor_new_phrase(cursor **out, arena *a, const scorer *s,
                                       const quire_segment *seg, const query_node *node,
                                       double weight);
/* Every document 0..doc_count-1; those whose dates[doc] is within from..to. */
QUIRE_MUST_CHECK int cursor_new_all(cursor **out, arena *a, uint32_t doc_count);
QUIRE_MUST_CHECK int cursor_new_date(cursor **out, arena *a, const int32_t *dates,
                                     uint32_t doc_count, int32_t from, int32_t to);
/* `req` but not `excl` / `req` scored with `opt` where it matches. Both built; on failure
 * the caller closes them. */
QUIRE_MUST_CHECK int cursor_new_andnot(cursor **out, arena *a, cursor *req, cursor *excl);
QUIRE_MUST_CHECK int cursor_new_opt(cursor **out, arena *a, cursor *req, cursor *opt);

QUIRE_MUST_CHECK int cursor_next(cursor *c);
QUIRE_MUST_CHECK int cursor_advance(cursor *c, uint32_t target);
/* BM25 score of the current match; `norm` is scorer_norm() of its doc_len. */
double cursor_score(const cursor *c, double norm);
/* Tell the tree that only documents scoring above `floor` matter from now on (pruning:
 * the top-k threshold less what the rest of the query can add). PHRASE leaves then pass
 * over documents whose bound is at most their share of it without reading positions; a
 * cursor may then miss such a document or score it lower than it is, but only when its
 * true score is <= floor. The floor only rises; -INFINITY (the start) means none.
 * Returns whether some leaf may have skipped a match so far (the count is then a bound). */
void cursor_set_floor(cursor *c, double floor);
bool cursor_has_skipped(const cursor *c);
/* Close the postings of the whole tree (memory stays in the arena). Accepts NULL. */
void cursor_close(cursor *c);

#endif
