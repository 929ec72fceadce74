/*
 * query.h - the query library behind quire-query: open an index snapshot, run ranked
 * queries on it, hand back the top hits with their ids and titles. Library code: it
 * returns quire status codes with quire_errmsg() set and never prints; query/main.c does
 * the printing and the exit codes.
 *
 * A query runs parse -> plan -> match -> score -> top-k (search.c): the text is parsed
 * (parser.h: words, phrases, AND/OR/NOT, fields, dates) and analysed by the index's own
 * analyzer, every distinct stem's global statistics are gathered and every phrase is
 * matched, then each segment is evaluated document at a time by a cursor tree and its
 * matches feed one bounded heap. A ranked OR (or one clause) is evaluated with MaxScore
 * (prune.h), which skips documents that cannot enter the top k and leaves match_count a
 * lower bound; everything else, and every query with top_k 0 or `exhaustive`, is
 * evaluated exhaustively, with an exact match_count.
 *
 * (Named query.h, not search.h, which would shadow POSIX <search.h>.)
 */
#ifndef QUERY_QUERY_H
#define QUERY_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/status.h"
#include "scorer.h"

#define SEARCH_DEFAULT_TOP 10

typedef struct search_options {
    const char *query;    /* query text, UTF-8 (main.c joins the words with spaces) */
    size_t query_len;     /* bytes */
    bool match_any;       /* false: juxtaposed clauses all required (AND); true: ranked OR */
    bool lenient;         /* a syntax error reads the query as plain words instead */
    uint32_t top_k;       /* hits to return; 0 counts matches only */
    double k1;            /* BM25 tf saturation, >= 0 */
    double b;             /* BM25 length normalisation, 0..1 */
    bool exhaustive;      /* score every match (exact count) instead of pruning (prune.h) */
    uint32_t passages;    /* best passages per hit, 0..PASSAGE_MAX_COUNT (0: none) */
    size_t passage_bytes; /* target length of a passage, >= 16 */
    uint64_t deadline_ns; /* CLOCK_MONOTONIC time (ns) past which the query stops with
                           * QUIRE_ELIMIT; 0: none (quire-serve's time per request) */
} search_options;

/* Defaults: AND, top 10, k1 0.9, b 0.4, no passages (240 bytes when asked), empty query,
 * no deadline. */
void search_options_init(search_options *o);

/* Bytes [start, end) of a hit's text (or title) that the query matched. */
typedef struct search_highlight {
    size_t start;
    size_t end;
} search_highlight;

/* A passage of the hit's stored text: bytes [start, end), highlights inside it (absolute
 * byte offsets into the text, ascending, disjoint). The text is the document's text as
 * indexed (invalid UTF-8 replaced by U+FFFD), so offsets can be checked against it. */
typedef struct search_passage {
    size_t start;
    size_t end;
    bool cut_before;              /* the text goes on before start (print an ellipsis) */
    bool cut_after;               /* ... and after end */
    char *text;                   /* owned copy of bytes [start, end), NUL-terminated */
    search_highlight *highlights; /* owned */
    uint32_t highlight_count;
} search_passage;

typedef struct search_hit {
    uint64_t doc_id;        /* global */
    double score;           /* BM25 */
    uint32_t segment;       /* index of its segment in the snapshot */
    uint32_t local_doc;     /* doc id within that segment (for snippets later) */
    char *external_id;      /* owned, NUL-terminated (may hold NULs: use the length) */
    size_t external_id_len; /* bytes */
    char *title;            /* owned, NUL-terminated; empty if the document has none */
    size_t title_len;       /* bytes */
    int32_t date;           /* days since the epoch, QUIRE_NO_DATE if none */
    /* With search_options.passages > 0: */
    search_passage *passages; /* owned, in text order */
    uint32_t passage_count;
    search_highlight *title_highlights; /* owned; byte offsets into title */
    uint32_t title_highlight_count;
} search_hit;

typedef struct search_result {
    search_hit *hits;          /* best first: score descending, then doc id ascending */
    uint32_t hit_count;        /* min(top_k, match_count) */
    uint64_t match_count;      /* live documents matching the query: exact if ... */
    bool match_count_exact;    /* ... this is set, else a lower bound (pruning skipped some) */
    uint32_t term_count;       /* distinct stems the query was analysed into */
    bool has_occurrences;      /* the query is one phrase: occurrence_count is set */
    uint64_t occurrence_count; /* its occurrences in the matching documents, exact */
} search_result;

#define SEARCH_RESULT_INIT                                                                         \
    {                                                                                              \
        NULL, 0, 0, true, 0, false, 0                                                              \
    }

void search_result_free(search_result *r);

/* A searcher holds one snapshot of an index (index.h: one commit) and an analyzer with a
 * stem cache, and remembers the last query's error offset: it is for one thread at a
 * time. Threads share a snapshot by each opening a searcher on it (search_open_index). */
typedef struct searcher searcher;

/* Open the index in `dir` and build the analyzer its manifest names. Returns QUIRE_OK;
 * QUIRE_ENOTFOUND if `dir` holds no index; QUIRE_EMISMATCH if this build's analyzer
 * (language and options from the manifest) has another id than the one the index was
 * built with; QUIRE_EINVAL for a language libstemmer lacks; QUIRE_ECORRUPT, QUIRE_EVERSION,
 * QUIRE_EIO, QUIRE_ENOMEM from opening the index. Messages name `dir`. */
QUIRE_MUST_CHECK int search_open(searcher **out, const char *dir);
/* A searcher on an index the caller opened and keeps open until search_close() (libquire's
 * readers share one index between the searchers of many threads; the index is only read).
 * `dir` names it in messages. QUIRE_EMISMATCH, QUIRE_EINVAL, QUIRE_ENOMEM as above. */
struct quire_index;
QUIRE_MUST_CHECK int search_open_index(searcher **out, struct quire_index *ix, const char *dir);
void search_close(searcher *s);
/* The generation (manifest number) of the commit the searcher reads. */
uint64_t search_generation(const searcher *s);
/* Whether an older manifest was used because the newest was damaged; *message (may be
 * NULL; owned by `s`) then names the damaged file. */
bool search_fell_back(const searcher *s, const char **message);

/* Run one query. *out is filled (free it with search_result_free) on QUIRE_OK, and left
 * empty otherwise. QUIRE_EINVAL for a malformed query ("empty query" when the text has no
 * word; search_error_offset() tells where), or for k1 < 0 or b outside 0..1; QUIRE_ELIMIT
 * past a query limit (parser.h); QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int search_query(search_result *out, searcher *s, const search_options *o);
/* After search_query() failed on the query text: the byte offset in it of what is wrong,
 * or SIZE_MAX when the error has no place (empty query, not a syntax error). */
size_t search_error_offset(const searcher *s);

/* A stored document, whole, with a query's matches marked (quire-serve's document view). */
typedef struct search_marked_doc {
    uint64_t doc_id;        /* global, in the searcher's snapshot */
    char *external_id;      /* owned, NUL-terminated */
    size_t external_id_len; /* bytes */
    char *title;            /* owned, NUL-terminated; empty if none */
    size_t title_len;       /* bytes */
    int32_t date;           /* days since the epoch, QUIRE_NO_DATE if none */
    char *text;             /* owned, NUL-terminated: the stored text as indexed */
    size_t text_len;        /* bytes */
    /* With a query: every match of it in the document (byte offsets into text / title,
     * ascending, disjoint), found as passages find them (README "Passages"). */
    search_highlight *highlights; /* owned */
    uint32_t highlight_count;
    search_highlight *title_highlights; /* owned */
    uint32_t title_highlight_count;
} search_marked_doc;

void search_marked_doc_free(search_marked_doc *d);

/* The live document whose external id is id[0..id_len) (the newest, should a snapshot
 * hold several), found with each segment's id index (a scan of .dmd for a segment without
 * one). With `o` and a non-empty o->query, the query's matches in it are highlighted
 * (o->passages and o->passage_bytes are ignored; the document need not match). Returns
 * QUIRE_OK; QUIRE_ENOTFOUND if no live document has that id; for the query, what
 * search_query() returns; QUIRE_ECORRUPT, QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int search_get_marked_doc(search_marked_doc *out, searcher *s, const char *id,
                                           size_t id_len, const search_options *o);

/* search_open + search_query + search_close. */
QUIRE_MUST_CHECK int search_run(search_result *out, const char *dir, const search_options *o);

#endif
