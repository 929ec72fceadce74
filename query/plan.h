/*
 * plan.h - AST -> what evaluation needs: the global statistics of each query term (df
 * summed over the snapshot's segments, its BM25 weight), the term looked up once per
 * segment, and, per segment, the cursor tree that mirrors the AST.
 *
 * Phrases and NEAR groups are weighted from their words' statistics, as Lucene and
 * Xapian weigh a phrase: the sum of the words' idfs (each word's df from the dictionary:
 * its exact form's, or its stem's for a ~stemmed word or a NEAR operand's word), times
 * k1 + 1. So nothing needs matching before ranking, and each is a PHRASE cursor matched
 * lazily, whose bound lets pruning pass over documents without reading their positions.
 * Prefixes and title: clauses keep a weight from their exact document frequency, which
 * no dictionary holds: plan_build() finds every match of them in every segment
 * (phrase.c) and counts the live documents exactly; the matches are kept (8 bytes per
 * matching document) and replayed by LIST cursors, so positions are read once. Date
 * filters read the segment's dates into an array once per query.
 *
 * Segments are evaluated one after the other (their doc ids are disjoint and ascending),
 * each with its own cursor tree, all feeding one top-k: the result is the same as one
 * evaluation over the whole index because statistics are global.
 */
#ifndef QUERY_PLAN_H
#define QUERY_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "cursor.h"
#include "parser.h"
#include "phrase.h"
#include "quire/index.h"
#include "quire/segment.h"
#include "quire/status.h"
#include "scorer.h"

typedef struct plan_term {
    const query_node *node; /* its TERM node */
    uint64_t df;            /* documents holding it, summed over segments */
    double weight;          /* scorer_weight(df) */
    quire_term *in_seg;     /* per segment: the looked-up term */
    bool *is_in_seg;        /* per segment: whether the segment has it */
} plan_term;

typedef struct plan_phrase {
    const query_node *node; /* its PHRASE node */
    bool is_lazy;           /* matched by a PHRASE cursor; else matched here (LIST) */
    uint64_t df;            /* not lazy: live documents holding it, exact */
    uint64_t occurrences;   /* not lazy: its occurrences in them */
    double weight;          /* lazy: sum of its words' idfs * (k1 + 1); else scorer_weight(df) */
    uint64_t *word_df;      /* lazy: each word's live df (its weight's statistics); else NULL */
    phrase_matches *in_seg; /* not lazy, per segment: its matches, deleted documents included */
} plan_phrase;

typedef struct plan {
    const quire_index *ix;
    const query_node *root;
    scorer scorer;
    plan_term *terms; /* term_count, indexed by query_node.term */
    uint32_t term_count;
    plan_phrase *phrases; /* phrase_count, indexed by query_node.phrase */
    uint32_t phrase_count;
    int32_t **dates; /* per segment, per document (QUIRE_NO_DATE if none); NULL if unused */
    uint32_t segment_count;
    double k1, b;          /* BM25 parameters the scorer was made with */
    uint64_t doc_count;    /* live documents the statistics count (N) */
    uint64_t total_tokens; /* their tokens */
} plan;

/* Look every term up in every segment, match every phrase, compute the statistics.
 * `ast` comes from parser_parse(). QUIRE_OK, QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int plan_build(plan *p, arena *a, const quire_index *ix, const query_ast *ast,
                                double k1, double b);

/* Read every document's date into p->dates (done by plan_build when the query has a date
 * filter; a date sort asks for it too). QUIRE_OK, QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int plan_read_dates(plan *p, arena *a);

/* Match each lazy phrase over the whole index as an eager one is (in_seg, df, occurrences)
 * while keeping its weight and its lazy cursors: for --explain, which reads each clause's
 * documents and tf per hit. QUIRE_OK, QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int plan_match_lazy(plan *p, arena *a);

/* Statistics from outside (a shard set: query/shards.h). plan_build() computes the index's
 * own statistics and weights; a search over several indexes takes each one's vector
 * (plan_stats_get: plan_stats_count() counters that add up over disjoint indexes), sums
 * them, and gives every plan the sum (plan_stats_set), which recomputes the weights, so
 * that each index scores as one index of all their documents would. */
uint32_t plan_stats_count(const plan *p);
void plan_stats_get(const plan *p, uint64_t *out);
void plan_stats_set(plan *p, const uint64_t *in);
/* The scorer and every weight from the statistics in `p` (plan_build and plan_stats_set
 * call it). */
void plan_weigh(plan *p);

/* The cursor tree of `node` over segment `seg`, positioned on its first match; *out is
 * NULL when nothing in the segment can match (an AND with a term the segment lacks).
 * On error *out is NULL and nothing is left open. */
QUIRE_MUST_CHECK int plan_cursor(cursor **out, arena *a, const plan *p, const query_node *node,
                                 uint32_t seg);

#endif
