/*
 * parser.h - query text -> AST.
 *
 * This milestone's language is a bag of words: the text is cut into tokens by the index's
 * analyzer (exactly as documents were), each token becomes a TERM node matching the
 * token's stem, and the terms are joined under one AND (default) or OR (--any) node.
 * A word that yields no token (punctuation only) adds nothing; a word that yields several
 * ("e-mail", "U.S.") adds each. A stem given twice counts once: the query is a set of
 * stems, so repeating a word does not change the ranking (no query-term frequency).
 *
 * The AST is the extension point for the full language (phrases, NOT, NEAR, prefix*,
 * field:, date ranges, parentheses): new node kinds go here, the planner maps each to a
 * cursor kind. Nodes live in the caller's per-query arena.
 */
#ifndef QUERY_PARSER_H
#define QUERY_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "quire/analysis.h"
#include "quire/status.h"

#define QUERY_MAX_TERMS 1024 /* distinct terms in one query; more -> QUIRE_ELIMIT */

typedef enum query_node_kind {
    QUERY_TERM, /* documents containing a stem */
    QUERY_AND,  /* documents matching every child */
    QUERY_OR,   /* documents matching at least one child, scored by the ones they match */
} query_node_kind;

typedef struct query_node {
    query_node_kind kind;
    /* QUERY_TERM */
    const char *stem; /* NUL-terminated; the key looked up among a segment's stems */
    size_t stem_len;  /* bytes */
    const char *form; /* NUL-terminated; the first form seen (for phrases and highlights) */
    size_t form_len;  /* bytes */
    uint32_t term;    /* index of the term among the query's distinct terms, 0-based */
    /* QUERY_AND, QUERY_OR */
    struct query_node **children;
    uint32_t child_count;
} query_node;

/* Parse `len` bytes of query text into *out (nodes owned by `a`). The root is always an
 * AND or OR node with at least one child. *term_count gets the number of distinct terms
 * (TERM nodes number their terms 0..term_count-1).
 * Returns QUIRE_OK; QUIRE_EINVAL "empty query" if no token remains; QUIRE_ELIMIT past
 * QUERY_MAX_TERMS distinct terms; QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int parser_parse(query_node **out, uint32_t *term_count, arena *a,
                                  quire_analyzer *an, const char *text, size_t len, bool match_any);

#endif
