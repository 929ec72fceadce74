/*
 * backend.h - everything quire-serve needs from the engine, and nothing else: open an index
 * read-only, notice a newer commit and switch to it, run a search (hits with passages and
 * highlights), fetch a document by id. The rest of serve/ sees only these types, so that
 * moving the server onto another engine API (libquire, #12) changes this file's .c alone.
 *
 * Threads: one backend is shared by all; each worker thread has its own backend_worker
 * (a searcher holds an analyzer with a stem cache and is for one thread). Every worker
 * reads the backend's current snapshot, one commit of the index; backend_refresh() opens
 * a newer commit when quire-index has made one and makes it current. A worker moves to the
 * current snapshot at the start of a request, never during one, so each answer comes from
 * exactly one commit (and says which: `generation`).
 */
#ifndef SERVE_BACKEND_H
#define SERVE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BACKEND_NO_DATE INT32_MIN /* a document without a date */

/* What a call can fail with; the HTTP layer maps each to a status code. */
typedef enum backend_status {
    BACKEND_OK = 0,
    BACKEND_BAD_QUERY,   /* malformed query or option: 400, with error_offset for the caret */
    BACKEND_NOT_FOUND,   /* no such document: 404 */
    BACKEND_TOO_SLOW,    /* ran past its deadline: 503 */
    BACKEND_UNSUPPORTED, /* an option this engine does not have yet: 400 */
    BACKEND_FAILED,      /* the index is damaged, out of memory, I/O: 500 */
} backend_status;

typedef struct backend_error {
    backend_status status;
    char message[512];   /* one line, no trailing newline */
    size_t error_offset; /* byte offset of the culprit in the query text, SIZE_MAX if none */
} backend_error;

typedef enum backend_sort {
    BACKEND_SORT_RELEVANCE, /* BM25, best first */
    BACKEND_SORT_DATE,      /* oldest first */
    BACKEND_SORT_DATE_DESC, /* newest first */
} backend_sort;

typedef struct backend_query {
    const char *text;  /* the query language of README "Query language", UTF-8 */
    size_t text_len;   /* bytes */
    bool match_any;    /* ranked OR instead of AND between juxtaposed clauses */
    int32_t date_from; /* only documents dated from this day (days since 1970-01-01) ... */
    int32_t date_to;   /* ... to this one, inclusive; BACKEND_NO_DATE: open end */
    backend_sort sort;
    uint32_t offset;      /* hits to skip (paging) */
    uint32_t count;       /* hits to return after them */
    uint32_t passages;    /* best passages per hit, 0 for none */
    size_t passage_bytes; /* target length of a passage */
    bool explain;         /* fill backend_result.explain and each hit's clause scores */
    uint64_t deadline_ns; /* CLOCK_MONOTONIC; past it the search stops (BACKEND_TOO_SLOW) */
} backend_query;

/* Where something lies in the file a document came from (README "Passages"): line and
 * column 1-based, 0 when unknown; offset in bytes, UINT64_MAX when unknown. */
typedef struct backend_source {
    uint64_t line;
    uint32_t column;
    uint64_t offset;
} backend_source;

typedef struct backend_span {
    size_t start; /* bytes, inclusive */
    size_t end;   /* bytes, exclusive */
} backend_span;

/* A passage: bytes [start, end) of the document's text, highlights inside it (absolute
 * byte offsets into the text). */
typedef struct backend_passage {
    size_t start;
    size_t end;
    bool cut_before; /* the text goes on before start */
    bool cut_after;  /* ... and after end */
    const char *text;
    const backend_span *highlights;
    uint32_t highlight_count;
    backend_source source;                    /* of start */
    const backend_source *highlight_sources; /* of each highlight's start */
} backend_passage;

/* How a token of an approximate quote's rendering stands to the quote (README
 * "Approximate quotes and spelling variants"). */
typedef enum backend_word_kind {
    BACKEND_WORD_SAME,
    BACKEND_WORD_STEM,
    BACKEND_WORD_VARIANT,
    BACKEND_WORD_SUBSTITUTED,
    BACKEND_WORD_INSERTED,
} backend_word_kind;

typedef struct backend_aligned {
    int32_t word; /* the quote word it stands for; -1: inserted */
    backend_word_kind kind;
    size_t start, end; /* bytes into the text (or the title) */
} backend_aligned;

/* One rendering of an approximate quote in a hit. */
typedef struct backend_rendering {
    uint32_t quote; /* index into backend_result.quotes */
    bool in_title;  /* offsets into the title, else into the text */
    double closeness;
    size_t start, end;
    const backend_aligned *tokens; /* every token of the window, in order */
    uint32_t token_count;
    const uint32_t *missing; /* the quote words no token stands for */
    uint32_t missing_count;
} backend_rendering;

typedef struct backend_hit {
    const char *id; /* external id */
    size_t id_len;
    const char *title; /* empty if none */
    size_t title_len;
    int32_t date; /* days since 1970-01-01, BACKEND_NO_DATE if none */
    double score;
    const backend_span *title_highlights;
    uint32_t title_highlight_count;
    const backend_passage *passages; /* in text order */
    uint32_t passage_count;
    const char *origin; /* the file it came from */
    size_t origin_len;
    backend_source source; /* where its text starts in that file */
    const backend_rendering *renderings; /* of approximate quotes, best first */
    uint32_t rendering_count;
    /* With explain: each clause's part of the score and tf (backend_explain.clauses order) */
    const double *clause_scores;
    const uint64_t *clause_tfs;
} backend_hit;

/* A word's form in the index, with its documents. */
typedef struct backend_form {
    const char *form;
    uint64_t docs;
    int32_t distance; /* from the query word; -1 when not a variant */
} backend_form;

/* An approximate quote of the query (or an exact one that fell back), with what it found. */
typedef struct backend_quote {
    const char *const *words;
    uint32_t word_count;
    double threshold;
    uint64_t exact_docs, close_docs, renderings;
} backend_quote;

/* A name of the query with other spellings in the index. */
typedef struct backend_note {
    const char *word;
    const backend_form *variants; /* most documents first */
    uint32_t variant_count;
    uint32_t more; /* further variants not listed */
} backend_note;

/* A fuzzy word of the query (word~). */
typedef struct backend_fuzzy {
    const char *word;
    int32_t distance;     /* searched; -1: none */
    int32_t lowered_from; /* the default distance, when lowered; else -1 */
    uint32_t searched;
    uint32_t matched; /* forms within the distance */
} backend_fuzzy;

/* One clause of the query as quire-query --explain shows it. */
typedef struct backend_clause {
    const char *label;
    const char *kind;
    const char *stem; /* words; else NULL */
    bool negated;
    uint64_t df;
    double weight;
    uint64_t occurrences;
    const backend_form *forms;
    uint32_t form_count;
    uint32_t forms_more;
    int32_t distance; /* fuzzy; else -1 */
    const double *word_weights; /* approximate quotes */
    uint32_t word_count;
} backend_clause;

typedef struct backend_explain {
    const char *parsed;
    const backend_clause *clauses;
    uint32_t clause_count;
} backend_explain;

/* A search's answer. Everything it points to is owned by it: backend_result_free(). */
typedef struct backend_result {
    uint64_t generation;    /* the commit answered from */
    uint64_t match_count;   /* matching documents: exact if ... */
    bool match_count_exact; /* ... this is set, else a lower bound */
    bool has_occurrences;   /* the query is one phrase: occurrence_count is its occurrences */
    uint64_t occurrence_count;
    const backend_hit *hits; /* after `offset`, at most `count` */
    uint32_t hit_count;
    const char *hint;  /* why nothing matched, when the engine can say; else NULL */
    bool fell_back;    /* a quote without exact matches was searched approximately */
    const backend_quote *quotes; /* the query's approximate quotes, in query order */
    uint32_t quote_count;
    const backend_note *notes; /* names with other spellings in the index */
    uint32_t note_count;
    const backend_fuzzy *fuzzy; /* the query's fuzzy words */
    uint32_t fuzzy_count;
    const backend_explain *explain; /* with backend_query.explain; else NULL */
    void *impl;
} backend_result;

/* A whole stored document, with every match of a query highlighted (if one was given). */
typedef struct backend_doc {
    uint64_t generation;
    const char *id;
    size_t id_len;
    const char *title;
    size_t title_len;
    int32_t date;
    const char *text; /* the stored text, as indexed */
    size_t text_len;
    const backend_span *highlights; /* byte offsets into text, ascending */
    uint32_t highlight_count;
    const backend_span *title_highlights;
    uint32_t title_highlight_count;
    void *impl;
} backend_doc;

typedef struct backend_info {
    uint64_t generation;
    uint64_t doc_count; /* live documents */
    uint32_t segment_count;
    bool sort_by_date;   /* the engine sorts by date (BACKEND_SORT_DATE*) */
    bool explain;        /* the engine explains scores (backend_query.explain) */
    char fell_back[512]; /* why an older commit than the newest is served, or "" */
} backend_info;

typedef struct backend backend;
typedef struct backend_worker backend_worker;

/* Open the index in `dir` read-only (its newest good commit). 0, or -1 with the reason in
 * err (the message names dir). */
int backend_open(backend **out, const char *dir, backend_error *err);
/* After every worker is freed. */
void backend_close(backend *b);

/* Look for a newer commit than the current snapshot's and, if there is one, open it and
 * make it current (the old one is closed when its last worker leaves it). Cheap when
 * nothing changed (one read of the directory). Thread-safe; meant for one watcher thread.
 * *changed (may be NULL) says whether the snapshot moved. 0, or -1 with err set: the
 * current snapshot then stays, and the next call tries again. */
int backend_refresh(backend *b, bool *changed, backend_error *err);
void backend_get_info(backend *b, backend_info *out);

/* One per thread. 0, or -1 with err set. */
int backend_worker_new(backend_worker **out, backend *b, backend_error *err);
void backend_worker_free(backend_worker *w);

/* Run q on the current snapshot. 0 with *out filled, or -1 with err set and *out empty. */
int backend_search(backend_worker *w, const backend_query *q, backend_result *out,
                   backend_error *err);
void backend_result_free(backend_result *r);

/* The live document `id` on the current snapshot; with q (may be NULL; only its text,
 * match_any and deadline count) its matches highlighted. 0, or -1 with err set
 * (BACKEND_NOT_FOUND for an unknown id). */
int backend_get_doc(backend_worker *w, const char *id, size_t id_len, const backend_query *q,
                    backend_doc *out, backend_error *err);
void backend_doc_free(backend_doc *d);

/* "YYYY-MM-DD" of a date (days since 1970-01-01) into buf[11]; and back (false if s is no
 * such date). */
void backend_format_date(int32_t date, char buf[11]);
bool backend_parse_date(const char *s, size_t len, int32_t *date);
/* Decode the character at s[*at] (advancing *at by at least one byte), invalid bytes as
 * U+FFFD, as the engine reads text. */
uint32_t backend_utf8_next(const char *s, size_t len, size_t *at);

#endif
