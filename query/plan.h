/*
 * plan.h - AST -> what evaluation needs: the global statistics of each query term (df
 * summed over the snapshot's segments, its BM25 weight), the term looked up once per
 * segment, and, per segment, the cursor tree that mirrors the AST.
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

typedef struct plan {
    const quire_index *ix;
    const query_node *root;
    scorer scorer;
    plan_term *terms; /* term_count, indexed by query_node.term */
    uint32_t term_count;
    uint32_t segment_count;
} plan;

/* Look every term up in every segment and compute the statistics. `root` and
 * `term_count` come from parser_parse(). QUIRE_OK, QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int plan_build(plan *p, arena *a, const quire_index *ix, const query_node *root,
                                uint32_t term_count, double k1, double b);

/* The cursor tree of `node` over segment `seg`, positioned on its first match; *out is
 * NULL when nothing in the segment can match (an AND with a term the segment lacks).
 * On error *out is NULL and nothing is left open. */
QUIRE_MUST_CHECK int plan_cursor(cursor **out, arena *a, const plan *p, const query_node *node,
                                 uint32_t seg);

#endif
