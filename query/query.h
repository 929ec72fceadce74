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

/* The order of the hits (README "Ranking and counts"). */
typedef enum search_sort {
    SEARCH_SORT_RELEVANCE, /* score descending, then doc id */
    SEARCH_SORT_DATE,      /* oldest first; then by score, then doc id; undated last */
    SEARCH_SORT_DATE_DESC, /* newest first; the same ties; undated last */
} search_sort;

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
    uint32_t offset;      /* skip this many hits first (paging): hits offset..offset+top_k */
    search_sort sort;     /* a date order scores every match (no pruning) */
    double closeness;     /* approximate quotes match at this closeness or more, (0, 1] */
    bool notes;           /* note the variants in the index of the query's names */
    bool fallback;        /* a quote alone without exact matches: its close renderings */
    bool explain;         /* fill search_result.explain and each hit's clause scores */
    bool plain;           /* every token a word: no operators, quotes, fields (parser.h) */
    bool keep_stopwords;  /* with match_any: keep optional stopwords (default: left out) */
    /* Beyond BM25 (off by default; rerank.h, feedback.h): */
    bool proximity;      /* add a term proximity score to the best RERANK_DEPTH */
    double title_weight; /* a word's title occurrences count this many times (1: off) */
    bool rm3;            /* expand a ranked OR of words by RM3 pseudo-relevance feedback */
    uint32_t rm3_docs;   /* feedback documents (default 10) */
    uint32_t rm3_terms;  /* feedback terms (default 10) */
    double rm3_weight;   /* the original query's share, 0..1 (default 0.5) */
    uint64_t deadline_ns; /* CLOCK_MONOTONIC time (ns) past which the query stops with
                           * QUIRE_ELIMIT; 0: none (quire-serve's time per request) */
} search_options;

/* Defaults: AND, top 10, k1 1.2, b 0.75, no passages (240 bytes when asked), empty query,
 * BM25 alone (title weight 1, no proximity, no RM3; RM3's defaults 10 / 10 / 0.5), no
 * deadline. */
void search_options_init(search_options *o);

/* Where something lies in the file a document came from (format 3 indexes; README
 * "Passages"): `line` 1-based, 0 when unknown (an older index); `column` 1-based in
 * characters, 0 unless the document is a plain text file (a JSON Lines or TREC record
 * has only the line it starts on); `offset` in bytes (of the file after gunzip),
 * UINT64_MAX unless the text is the file's bytes unchanged (not converted from another
 * encoding, no invalid UTF-8 replaced). */
typedef struct search_source {
    uint64_t line;
    uint32_t column;
    uint64_t offset;
} search_source;

/* Bytes [start, end) of a hit's text (or title) that the query matched. */
typedef struct search_highlight {
    size_t start;
    size_t end;
    search_source source; /* of start, in a passage of a plain text file; else line 0 */
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
    search_source source; /* where start lies in the document's file */
} search_passage;

/* How a token of an approximate quote's rendering stands to the quote (approx.h). */
typedef enum search_word_kind {
    SEARCH_WORD_SAME,        /* the quote word's form */
    SEARCH_WORD_STEM,        /* another form of its stem */
    SEARCH_WORD_VARIANT,     /* a spelling variant of it */
    SEARCH_WORD_SUBSTITUTED, /* in its place, but another word */
    SEARCH_WORD_INSERTED,    /* in no quote word's place */
} search_word_kind;

typedef struct search_aligned {
    int32_t word; /* the quote word it stands for (index into search_quote.words); -1 inserted */
    search_word_kind kind;
    size_t start, end; /* bytes into the text (or the title) */
} search_aligned;

/* One rendering of an approximate quote in a hit: its window, closeness, and alignment. */
typedef struct search_rendering {
    uint32_t quote; /* index into search_result.quotes */
    bool in_title;  /* offsets are into the title, else into the text */
    double closeness;
    size_t start, end;      /* bytes of the window */
    search_aligned *tokens; /* owned; every token of the window, in order */
    uint32_t token_count;
    uint32_t *missing; /* owned; the quote words no token stands for */
    uint32_t missing_count;
} search_rendering;

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
    char *origin;           /* owned: the file it came from */
    size_t origin_len;
    search_source source; /* where its text starts in that file */
    /* With search_options.passages > 0: */
    search_passage *passages; /* owned, in text order */
    uint32_t passage_count;
    search_highlight *title_highlights; /* owned; byte offsets into title */
    uint32_t title_highlight_count;
    /* With passages and approximate quotes: their renderings here, best first. */
    search_rendering *renderings; /* owned */
    uint32_t rendering_count;
    /* With search_options.explain: each clause's part of the score (search_result.
     * explain.clauses order) and its tf here (0: not matched, or under NOT). */
    double *clause_scores; /* owned */
    uint64_t *clause_tfs;  /* owned */
} search_hit;

/* An approximate quote of the query, with what it found. */
typedef struct search_quote {
    char **words; /* owned: its words' forms */
    uint32_t word_count;
    double threshold;
    uint64_t exact_docs; /* live documents holding it exactly (closeness 1) */
    uint64_t close_docs; /* ... and only close renderings */
    uint64_t renderings; /* renderings in all of them */
} search_quote;

/* A word's forms in the index: the document counts. */
typedef struct search_form {
    char *form; /* owned */
    uint64_t docs;
    int32_t distance; /* from the query word (fuzzy.h); -1 when not a variant */
} search_form;

/* A name of the query with other spellings in the index (search_options.notes). */
typedef struct search_word_note {
    char *word;            /* owned: its form */
    search_form *variants; /* owned: forms of other stems within distance 1, most documents first */
    uint32_t variant_count;
    uint32_t more; /* further variants not listed */
} search_word_note;

/* A fuzzy word of the query (word~): how many variants it searched of those in reach. */
typedef struct search_fuzzy {
    char *word;           /* owned: its form */
    int32_t distance;     /* searched; -1: none (1-2 characters) */
    int32_t lowered_from; /* the default distance, past the limit of forms; else -1 */
    uint32_t searched;    /* variants searched, the closest first */
    uint32_t matched;     /* forms of the index within the distance (more: capped) */
} search_fuzzy;

/* One clause of the query as --explain shows it. */
typedef struct search_clause {
    char *label; /* owned: as written, roughly: putin, "no limits", zelensky~2 */
    const char
        *kind;     /* word, phrase, stemmed phrase, near, prefix, fuzzy word, approximate quote */
    char *stem;    /* owned; words: the stem looked up; else NULL */
    bool negated;  /* under NOT: never adds to a score */
    uint64_t df;   /* live documents it matches */
    double weight; /* BM25 idf * (k1 + 1) (scorer.h), times its repeats */
    uint64_t occurrences; /* phrases, fuzzy words, prefixes: in all the documents */
    search_form *forms;   /* owned: the forms it reads (words: its stem's; fuzzy: the variants) */
    uint32_t form_count;
    uint32_t forms_more; /* fuzzy: variants beyond the cap, not searched */
    int32_t distance;    /* fuzzy: the distance searched; -1 none */
    /* approximate quotes: their words' weights (1 + idf), same order as search_quote */
    double *word_weights; /* owned */
    uint32_t word_count;
} search_clause;

typedef struct search_explain {
    char *parsed;           /* owned: the query as parsed, e.g. AND(putin, OR(xi, "no limits")) */
    search_clause *clauses; /* owned */
    uint32_t clause_count;
} search_explain;

typedef struct search_result {
    search_hit *hits;          /* best first (in the sort order), from rank offset + 1 */
    uint32_t hit_count;        /* min(top_k, match_count - offset) */
    uint64_t match_count;      /* live documents matching the query: exact if ... */
    bool match_count_exact;    /* ... this is set, else a lower bound (pruning skipped some) */
    uint32_t term_count;       /* distinct stems the query was analysed into */
    bool has_occurrences;      /* one-phrase query, counted exactly: occurrence_count set */
    uint64_t occurrence_count; /* its occurrences in the matching documents, exact */
    char *hint; /* owned; NULL, or why nothing matched when it can say (a quote with an
                 * ellipsis: how many documents hold each part alone) */
    search_quote *quotes;      /* owned: the query's approximate quotes, in query order */
    uint32_t quote_count;
    bool fell_back;          /* a quote without exact matches was searched approximately instead */
    search_word_note *notes; /* owned (search_options.notes) */
    uint32_t note_count;
    search_fuzzy *fuzzy; /* owned: the query's fuzzy words, in query order */
    uint32_t fuzzy_count;
    search_explain *explain; /* owned (search_options.explain); NULL otherwise */
} search_result;

#define SEARCH_RESULT_INIT                                                                         \
    {                                                                                              \
        NULL, 0, 0, true, 0, false, 0, NULL, NULL, 0, false, NULL, 0, NULL, 0, NULL                \
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

/* The source position of byte `at` of a text whose start lies at `start` in its file. */
search_source search_source_at(const search_source *start, const char *text, size_t at);
/* The document's source as metadata gives it (quire_doc_info's src_* fields). */
struct quire_doc_info;
search_source search_source_of(const struct quire_doc_info *info);

/* The index a searcher holds (NULL for a shard set). */
struct quire_index;
const struct quire_index *search_index(const searcher *s);
const char *search_dir(const searcher *s);

/* A shard set (DIR/shardset and DIR/shard-<r>, quire/shardset.h) searched as one index:
 * every query combines the shards' statistics and top k (query/shards.h). `comm` is the
 * communicator of the processes that serve the set (shard/comm.h: MPI ranks, or one
 * process opening every shard); it must outlive the searcher. Every process calls
 * search_query() with the same queries in the same order; process 0 gets the hits, the
 * others the counts. Errors as search_open(), naming the shard, and QUIRE_ENOTFOUND when
 * DIR is no shard set. */
typedef struct quire_comm quire_comm;
QUIRE_MUST_CHECK int search_open_shards(searcher **out, const char *dir, const quire_comm *comm);

/* A stored document, whole, with a query's matches marked (quire-query --show,
 * quire-serve's document view). */
typedef struct search_marked_doc {
    uint64_t doc_id;        /* global, in the searcher's snapshot */
    char *external_id;      /* owned, NUL-terminated */
    size_t external_id_len; /* bytes */
    char *title;            /* owned, NUL-terminated; empty if none */
    size_t title_len;       /* bytes */
    int32_t date;           /* days since the epoch, QUIRE_NO_DATE if none */
    char *text;             /* owned, NUL-terminated: the stored text as indexed */
    size_t text_len;        /* bytes */
    char *origin;           /* owned, NUL-terminated: the file it was read from */
    size_t origin_len;      /* bytes */
    search_source source;   /* where its text starts in that file */
    uint32_t doc_len;       /* tokens, the title's included */
    uint32_t title_tokens;  /* tokens of the title */
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
