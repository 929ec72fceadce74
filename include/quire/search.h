/*
 * quire/search.h - reading an index: a reader opened on one commit, searchers made from
 * it, and the results of a query (hits, counts, passages with byte offsets and
 * highlights). See quire/quire.h for an overview and an example.
 *
 * Threads (LMDB's MDB_env / MDB_txn split): a quire_reader is immutable once open and may
 * be shared by any number of threads; its reference count is atomic. A quire_searcher
 * holds one thread's state (the index's analyzer with its stemmer and caches, the last
 * error's offset) and must be used by one thread at a time; make one per thread, cheaply,
 * from the shared reader. A quire_results belongs to whoever got it and may be read from
 * any thread, but not freed while another reads it.
 *
 * Snapshots: a reader sees the commit that was newest when it was opened, whatever
 * writers commit later; quire_reader_reopen() gives a reader on a newer commit. A
 * searcher keeps its reader alive (a reference), so a reader may be closed while
 * searchers made from it still run: its files stay mapped until the last one is freed.
 */
#ifndef QUIRE_SEARCH_H
#define QUIRE_SEARCH_H

#include "quire/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- readers ---- */

typedef struct quire_reader quire_reader;

/* Open the index in directory `dir` read-only, on its newest commit whose manifest is
 * good (if the newest is damaged, the one before it; quire_reader_fallback() then says
 * so). Takes no lock: writers may commit meanwhile. *out gets a reader with one
 * reference, owned by the caller (quire_reader_close()); NULL on failure.
 * @return QUIRE_OK; QUIRE_ENOTFOUND if `dir` holds no index; QUIRE_EMISMATCH if the index
 *   was built with an analyzer this build does not reproduce (other tokenizer rules);
 *   QUIRE_EINVAL if its language is one this build's libstemmer lacks; QUIRE_ECORRUPT,
 *   QUIRE_EVERSION (a format this build does not read), QUIRE_EIO, QUIRE_ENOMEM. */
QUIRE_API QUIRE_MUST_CHECK int quire_reader_open(quire_reader **out, const char *dir);

/* Take one more reference to `r` (for another owner, e.g. a request that outlives a
 * server's swap to a newer reader) and return `r`. Thread-safe. Each reference is given
 * back with quire_reader_close(). */
QUIRE_API quire_reader *quire_reader_ref(quire_reader *r);

/* Give back one reference. The reader is freed (its files unmapped) when the last
 * reference, its searchers' included, is gone. Accepts NULL. Thread-safe. */
QUIRE_API void quire_reader_close(quire_reader *r);

/* A reader on the newest commit of `r`'s index: if a commit newer than r's was made, *out
 * gets a new reader on it (one reference, the caller's); if not, *out gets `r` itself
 * with one more reference. Either way `r` is unchanged and its caller still owns its own
 * reference: the usual swap is `if (quire_reader_reopen(&n, r) == QUIRE_OK) {
 * quire_reader_close(r); r = n; }`. Compare quire_reader_generation() to see whether it
 * moved. Thread-safe.
 * @return QUIRE_OK, or the codes of quire_reader_open() (*out NULL; `r` still valid). */
QUIRE_API QUIRE_MUST_CHECK int quire_reader_reopen(quire_reader **out, quire_reader *r);

/* The generation (commit number, 1 for the first commit) the reader sees. */
QUIRE_API uint64_t quire_reader_generation(const quire_reader *r);

/* The highest generation of any commit's manifest in `dir`, damaged or not (0 if none):
 * cheap (a directory listing), for a reader that polls for new commits. When it moves past
 * quire_reader_generation() and a fresh quire_reader_open() still gives an older commit,
 * the newer one is damaged (quire_reader_fallback() of that reader says how).
 * @return QUIRE_OK, or QUIRE_EIO if `dir` cannot be listed. */
QUIRE_API QUIRE_MUST_CHECK int quire_latest_generation(const char *dir, uint64_t *out);

/* NULL, or when the newest manifest was damaged and an older commit was opened instead,
 * a message naming the damaged file. Owned by `r`. */
QUIRE_API const char *quire_reader_fallback(const quire_reader *r);

/* The index's Snowball language ("english") and analyzer id
 * ("quire-analysis/2 english fold-diacritics"). Owned by `r`. */
QUIRE_API const char *quire_reader_language(const quire_reader *r);
QUIRE_API const char *quire_reader_analyzer(const quire_reader *r);

/* Statistics of the reader's commit (what `quire-index --stats` prints). New values may
 * be added at the end in later versions. */
typedef enum quire_stat {
    QUIRE_STAT_DOCS = 0,         /* live documents */
    QUIRE_STAT_DELETED_DOCS,     /* deleted, not yet merged away */
    QUIRE_STAT_TOKENS,           /* tokens of the live documents, titles included */
    QUIRE_STAT_SEGMENTS,         /* segments */
    QUIRE_STAT_FORMS,            /* distinct word forms, summed over segments */
    QUIRE_STAT_STEMS,            /* distinct stems, summed over segments */
    QUIRE_STAT_POSTINGS,         /* postings, summed over segments */
    QUIRE_STAT_TEXT_BYTES,       /* stored text, uncompressed, deleted documents included */
    QUIRE_STAT_DICTIONARY_BYTES, /* size on disk of the term dictionaries (.ter) */
    QUIRE_STAT_POSTINGS_BYTES,   /* ... of the postings (.doc) */
    QUIRE_STAT_POSITIONS_BYTES,  /* ... of the positions (.pos) */
    QUIRE_STAT_DOCUMENTS_BYTES,  /* ... of lengths and document metadata (.len .dmd) */
    QUIRE_STAT_STORED_BYTES,     /* ... of the compressed stored text (.sto) */
} quire_stat;

/* Put statistic `which` of the reader's commit in *out.
 * @return QUIRE_OK, or QUIRE_EINVAL for a `which` this library does not know (*out 0). */
QUIRE_API QUIRE_MUST_CHECK int quire_reader_stat(const quire_reader *r, quire_stat which,
                                                 uint64_t *out);

/* One problem found by quire_verify(), as a line of text (valid during the call only). */
typedef void (*quire_report_fn)(void *ctx, const char *line);

/* Check the index in `dir` (its newest good commit) completely: every checksum of every
 * block, every structural invariant (sorted terms, ascending doc ids, document
 * frequencies equal to the postings, positions inside documents), the id tables. Each
 * problem goes to `report` (may be NULL) as one line. Takes no lock; reads everything,
 * so it takes about as long as reading the index's files.
 * @return QUIRE_OK if the index is sound; QUIRE_ECORRUPT if a problem was found or the
 *   index cannot be opened (also reported); QUIRE_ENOMEM. */
QUIRE_API QUIRE_MUST_CHECK int quire_verify(const char *dir, quire_report_fn report, void *ctx);

/* ---- shard sets ---- */

/* Open the shard set in `dir` (quire/shards.h; quire-index --shards) to search it as one
 * index: the same hits, scores and order as one index of its documents. Without an MPI
 * launcher one process searches every shard. Started by one (mpirun, with libquire-mpi
 * built beside libquire), the job's processes share the shards: MPI is started here and
 * finished when the reader's last reference is given back, so open one such reader per
 * process, once; every process must open it and run the same queries in the same order
 * (each quire_search() on it is collective, so one searcher at a time per process); the
 * hits come back on rank 0 (quire_reader_rank()), the others get the counts.
 * What a shard-set reader does not do: quire_reader_generation() is 0 (each shard has
 * its own), quire_reader_reopen(), quire_reader_stat() and quire_searcher_document()
 * give QUIRE_EINVAL (open the shard, INDEX/shard-<r>, for them), and quire_search()
 * refuses QUIRE_SEARCH_EXPLAIN, _NOTES, _FALLBACK and _RM3 and approximate quotes
 * (QUIRE_EINVAL) for now. quire_reader_fallback() names a shard that fell back.
 * @return QUIRE_OK; QUIRE_ENOTFOUND if `dir` is no shard set; for a shard, the codes of
 *   quire_reader_open() (its message names the shard); QUIRE_EIO from MPI. */
QUIRE_API QUIRE_MUST_CHECK int quire_reader_open_shards(quire_reader **out, const char *dir);

/* The rank of this process in the MPI job serving a shard-set reader (0: the one that
 * gets the hits and should print); 0 for any other reader. */
QUIRE_API uint32_t quire_reader_rank(const quire_reader *r);

/* ---- searchers ---- */

typedef struct quire_searcher quire_searcher;

/* A searcher on `r`, for one thread at a time. It takes a reference to `r` (so `r` may be
 * closed by the caller meanwhile) and builds the index's analyzer. *out is owned by the
 * caller (quire_searcher_free()); NULL on failure.
 * @return QUIRE_OK; QUIRE_EINVAL, QUIRE_EMISMATCH (see quire_reader_open()); QUIRE_ENOMEM. */
QUIRE_API QUIRE_MUST_CHECK int quire_searcher_new(quire_searcher **out, quire_reader *r);

/* Free the searcher and give back its reference to its reader. Accepts NULL. Results it
 * gave stay valid: they own their data. */
QUIRE_API void quire_searcher_free(quire_searcher *s);

/* The reader `s` searches (borrowed: valid while `s` is). */
QUIRE_API quire_reader *quire_searcher_reader(const quire_searcher *s);

/* After quire_search() failed with QUIRE_EINVAL or QUIRE_ELIMIT on the query text: the byte
 * offset in the query of what is wrong (for a caret under it), or SIZE_MAX when the
 * error has no place (an empty query, a bad option). */
QUIRE_API size_t quire_searcher_error_offset(const quire_searcher *s);

/* Whether query[0..len), written for the operator syntax, reads like a natural-language
 * topic in which a capitalised AND, OR, NOT or NEAR is more likely a word than an
 * operator ("... IDENTIFICATION AND EVALUATION OF NOVEL COMPUTER ARCHITECTURES, ..."):
 * outside quotes an operator word, eight other words or more, and sentence punctuation or
 * text in capitals. quire-query --batch warns of such queries; QUIRE_SEARCH_PLAIN reads
 * every token as a word. *op_offset (may be NULL) gets the byte offset of the first
 * operator word when it does (0 otherwise). Pure: thread-safe. */
QUIRE_API bool quire_query_reads_like_prose(const char *query, size_t len, size_t *op_offset);

/* Flags of quire_search_options. */
#define QUIRE_SEARCH_ANY         (1u << 0) /* juxtaposed words joined by a ranked OR, not AND */
#define QUIRE_SEARCH_LENIENT     (1u << 1) /* a malformed query is read as plain words */
#define QUIRE_SEARCH_EXACT_COUNT (1u << 2) /* score every match: the match count is exact */
#define QUIRE_SEARCH_PLAIN       (1u << 3) /* every token a word: no operators, quotes, fields */
#define QUIRE_SEARCH_STOPWORDS   (1u << 4) /* with ANY: rank by stopwords too (default: left out) */
/* QUIRE_SEARCH_EXPLAIN: the parsed query, its clauses, each hit's score by clause
 * (quire_results_clause(), --explain). QUIRE_SEARCH_NOTES: note the other spellings in
 * the index of the query's words (quire_results_note_count()). QUIRE_SEARCH_FALLBACK: a
 * query that is one quote without exact matches is searched as "..."~
 * (quire_results_fell_back()). QUIRE_SEARCH_PROXIMITY: add a term proximity score to the
 * best 1000. QUIRE_SEARCH_RM3: with ANY, expand the words by RM3 pseudo-relevance
 * feedback (quire_search_options.rm3_*). The last two, like a title weight, rescore by
 * relevance: not with a date order or EXPLAIN (QUIRE_EINVAL). */
#define QUIRE_SEARCH_EXPLAIN   (1u << 5)
#define QUIRE_SEARCH_NOTES     (1u << 6)
#define QUIRE_SEARCH_FALLBACK  (1u << 7)
#define QUIRE_SEARCH_PROXIMITY (1u << 8)
#define QUIRE_SEARCH_RM3       (1u << 9)

/* How a query runs. Versioned like libgit2's option structs: set `version` to
 * QUIRE_SEARCH_OPTIONS_VERSION (QUIRE_SEARCH_OPTIONS_INIT or quire_search_options_init()
 * do); later versions add fields at the end, and the library reads only the fields of
 * the version it is given. */
typedef struct quire_search_options {
    unsigned int version; /* QUIRE_SEARCH_OPTIONS_VERSION */
    unsigned int flags;   /* QUIRE_SEARCH_* */
    uint32_t top_k;       /* hits to return, best first (default 10); 0: count only */
    uint32_t passages;    /* best passages per hit, 0..64 (default 0: none) */
    size_t passage_bytes; /* target length of a passage in bytes, >= 16 (default 240) */
    double k1;            /* BM25 term-frequency saturation, >= 0 (default 1.2) */
    double b;             /* BM25 length normalisation, 0..1 (default 0.75) */
    /* version 2: */
    double closeness; /* approximate quotes ("..."~) match at this closeness or more, in
                       * (0, 1] (default 0.6; README "Approximate quotes") */
    uint32_t offset;  /* skip this many hits first: paging (hits offset + 1 .. offset + top_k) */
    int sort;         /* QUIRE_SORT_* (default QUIRE_SORT_RELEVANCE) */
    uint32_t time_limit_ms; /* past this the search stops with QUIRE_ELIMIT (0: none) */
    /* beyond BM25 (README "Ranking and counts"): */
    double title_weight; /* a title's words count this many times in the best 1000, > 0
                          * (default 1: as in the text) */
    uint32_t rm3_docs;   /* QUIRE_SEARCH_RM3: feedback documents, >= 1 (default 10) */
    uint32_t rm3_terms;  /* ... feedback terms, >= 1 (default 10) */
    double rm3_weight;   /* ... the original query's share, 0..1 (default 0.5) */
} quire_search_options;

/* The order of the hits (quire_search_options.sort). A date order scores every match (the
 * count is then exact); ties by score, then internal document order; undated documents
 * last. */
#define QUIRE_SORT_RELEVANCE 0 /* BM25 score, best first */
#define QUIRE_SORT_DATE      1 /* oldest first */
#define QUIRE_SORT_DATE_DESC 2 /* newest first */

#define QUIRE_SEARCH_OPTIONS_VERSION 2
#define QUIRE_SEARCH_OPTIONS_INIT                                                                  \
    {                                                                                              \
        QUIRE_SEARCH_OPTIONS_VERSION, 0, 10, 0, 240, 1.2, 0.75, 0.6, 0, QUIRE_SORT_RELEVANCE, 0,   \
            1.0, 10, 10, 0.5                                                                       \
    }

/* Fill *o with the defaults of `version` (1 or 2: the fields of that version).
 * @return QUIRE_OK, or QUIRE_EINVAL for a version this library does not know. */
QUIRE_API QUIRE_MUST_CHECK int quire_search_options_init(quire_search_options *o,
                                                         unsigned int version);

typedef struct quire_results quire_results;
typedef struct quire_hit quire_hit;
typedef struct quire_passage quire_passage;

/* Run the query `query` (`query_len` bytes of UTF-8, the language of quire-query(1):
 * words by stem, "exact phrases", ~"stemmed phrases", AND OR NOT - + ( ), title:, date:,
 * NEAR/n, ONEAR/n, prefix*) on the searcher's reader, with `opts` (NULL: the defaults).
 * Hits are ranked by BM25, best first, ties by internal document order. *out gets the
 * results, owned by the caller (quire_results_free()); NULL on failure. Not thread-safe
 * for one `s`; thread-safe across searchers, also of one reader.
 * @return QUIRE_OK (also when nothing matched: 0 hits); QUIRE_EINVAL for a malformed query
 *   (quire_errmsg() says what, quire_searcher_error_offset() where; "empty query" when it
 *   has no word) or a bad option (k1 < 0, b outside 0..1, passages > 64, passage_bytes <
 *   16, an unknown options version); QUIRE_ELIMIT past a query limit (1024 words, 256 in
 *   a phrase, 64 levels of nesting, a prefix matching more than 1024 words) or its
 *   time_limit_ms;
 *   QUIRE_ECORRUPT, QUIRE_EIO, QUIRE_ENOMEM. */
QUIRE_API QUIRE_MUST_CHECK int quire_search(quire_results **out, quire_searcher *s,
                                            const char *query, size_t query_len,
                                            const quire_search_options *opts);

/* Free the results and everything borrowed from them (hits, passages, strings). Accepts
 * NULL. */
QUIRE_API void quire_results_free(quire_results *res);

/* ---- results ----
 * Everything below is borrowed from the quire_results it came from and valid until
 * quire_results_free(). Objects are opaque and read through functions, so that later
 * versions can add to them without breaking programs built against this one. An index
 * `i` past its count gives NULL (or an empty span {0, 0}, a zeroed struct). */

/* The hits returned: min(top_k, matching documents). */
QUIRE_API size_t quire_results_hit_count(const quire_results *res);

/* Documents matching the query. When *exact (may be NULL) is false the count is a lower
 * bound: a ranked OR or one-word query skips documents that cannot enter the top k
 * (MaxScore); QUIRE_SEARCH_EXACT_COUNT or top_k 0 make it exact. */
QUIRE_API uint64_t quire_results_match_count(const quire_results *res, bool *exact);

/* For a query that is one phrase, one NEAR group or one prefix: true, and *count (may be
 * NULL) gets its occurrences (a NEAR group's pairs) in the matching documents, exact.
 * False for other queries, and for a phrase or NEAR group whose match count is a lower
 * bound (pruning passed over documents without reading their positions; top_k 0 or
 * QUIRE_SEARCH_EXACT_COUNT count them all). */
QUIRE_API bool quire_results_occurrences(const quire_results *res, uint64_t *count);

/* NULL, or when nothing matched and the engine can say why, a line saying it (a quote
 * with an ellipsis: how many documents hold each part alone). */
QUIRE_API const char *quire_results_hint(const quire_results *res);

/* The i-th hit, best first (in the sort order), rank offset + i + 1. */
QUIRE_API const quire_hit *quire_results_hit(const quire_results *res, size_t i);

/* The document's id as it was added (NUL-terminated; it may hold NUL bytes: *len, may be
 * NULL, gets its length in bytes). */
QUIRE_API const char *quire_hit_id(const quire_hit *h, size_t *len);

/* Its title, "" if none (NUL-terminated, *len as above). */
QUIRE_API const char *quire_hit_title(const quire_hit *h, size_t *len);

/* Its date as "YYYY-MM-DD", or NULL if it has none. */
QUIRE_API const char *quire_hit_date(const quire_hit *h);

/* Its BM25 score for the query. */
QUIRE_API double quire_hit_score(const quire_hit *h);

/* Bytes [start, end) of a document's text or title. */
typedef struct quire_span {
    size_t start; /* byte offset, inclusive */
    size_t end;   /* byte offset, exclusive */
} quire_span;

/* Where the document came from: the input file (or "-") it was read from, NUL-terminated,
 * *len (may be NULL) its length. */
QUIRE_API const char *quire_hit_origin(const quire_hit *h, size_t *len);

/* A place in that file: `line` 1-based (0: unknown, an index of format 1 or 2); `column`
 * 1-based in characters (0 unless the document is a plain text file: a JSON Lines or TREC
 * record knows only its line); `offset` in bytes of the file (after gunzip), UINT64_MAX
 * unless the text is the file's bytes unchanged (no other encoding converted, no invalid
 * UTF-8 replaced). So a quote can be found in its source. */
typedef struct quire_position {
    uint64_t line;
    uint32_t column;
    uint64_t offset;
} quire_position;

/* Where the document's text starts in quire_hit_origin(). */
QUIRE_API quire_position quire_hit_source(const quire_hit *h);

/* The parts of the title the query matched (with passages asked for; else none), as byte
 * offsets into quire_hit_title(), ascending and disjoint. */
QUIRE_API size_t quire_hit_title_highlight_count(const quire_hit *h);
QUIRE_API quire_span quire_hit_title_highlight(const quire_hit *h, size_t i);

/* The hit's best passages (quire_search_options.passages of them at most), in text order. */
QUIRE_API size_t quire_hit_passage_count(const quire_hit *h);
QUIRE_API const quire_passage *quire_hit_passage(const quire_hit *h, size_t i);

/* Where the passage lies in the document's text as indexed (the text given to the writer,
 * with invalid UTF-8 replaced by U+FFFD), as byte offsets: so a quote can be checked
 * against its source. */
QUIRE_API quire_span quire_passage_span(const quire_passage *p);

/* The passage's bytes (those of quire_passage_span()), NUL-terminated; *len (may be NULL)
 * gets their length. */
QUIRE_API const char *quire_passage_text(const quire_passage *p, size_t *len);

/* Whether the text goes on before the passage's start / after its end (print an
 * ellipsis). */
QUIRE_API bool quire_passage_cut_before(const quire_passage *p);
QUIRE_API bool quire_passage_cut_after(const quire_passage *p);

/* What the query matched inside the passage: byte offsets into the document's text (not
 * into the passage), ascending and disjoint, all within quire_passage_span(). */
QUIRE_API size_t quire_passage_highlight_count(const quire_passage *p);
QUIRE_API quire_span quire_passage_highlight(const quire_passage *p, size_t i);

/* Where the passage starts, and highlight i starts, in quire_hit_origin() (line 0 where
 * unknown; highlights have a position in plain text files only). */
QUIRE_API quire_position quire_passage_source(const quire_passage *p);
QUIRE_API quire_position quire_passage_highlight_source(const quire_passage *p, size_t i);

/* ---- what the query searched: explain, notes, fuzzy words, approximate quotes ----
 * All borrowed from the results, as above. */

/* One form of the index with its live documents (a clause's forms, a word's variants).
 * `distance`: from the query word (quire-query(1) "word~"), or -1 when not a variant. */
typedef struct quire_form {
    const char *form; /* NUL-terminated */
    uint64_t documents;
    int distance;
} quire_form;

/* With QUIRE_SEARCH_EXPLAIN: the query as parsed, e.g. "AND(putin, OR(xi, \"no limits\"))";
 * NULL without it. */
QUIRE_API const char *quire_results_parsed(const quire_results *res);

typedef struct quire_clause quire_clause;

/* With QUIRE_SEARCH_EXPLAIN: the query's scoring clauses (words, phrases, NEAR groups,
 * prefixes, fuzzy words, approximate quotes), in query order; 0 without it. */
QUIRE_API size_t quire_results_clause_count(const quire_results *res);
QUIRE_API const quire_clause *quire_results_clause(const quire_results *res, size_t i);

/* The clause as written, roughly ("putin", "\"no limits\"", "zelensky~2"); its kind
 * ("word", "phrase", "stemmed phrase", "near", "prefix", "fuzzy word", "approximate
 * quote"); for a word, the stem looked up (else NULL); whether it is under NOT (it then
 * never adds to a score). */
QUIRE_API const char *quire_clause_label(const quire_clause *c);
QUIRE_API const char *quire_clause_kind(const quire_clause *c);
QUIRE_API const char *quire_clause_stem(const quire_clause *c);
QUIRE_API bool quire_clause_excluded(const quire_clause *c);

/* Live documents it matches; for phrases, NEAR groups, prefixes and fuzzy words its
 * occurrences in them (else 0); its BM25 weight, idf * (k1 + 1), times its repeats. */
QUIRE_API uint64_t quire_clause_documents(const quire_clause *c);
QUIRE_API uint64_t quire_clause_occurrences(const quire_clause *c);
QUIRE_API double quire_clause_weight(const quire_clause *c);

/* The forms it reads (a word: its stem's forms; a fuzzy word: the variants searched,
 * closest first); for a fuzzy word the distance searched (else -1) and how many variants
 * in reach were not searched (past the cap). */
QUIRE_API size_t quire_clause_form_count(const quire_clause *c);
QUIRE_API quire_form quire_clause_form(const quire_clause *c, size_t i);
QUIRE_API int quire_clause_distance(const quire_clause *c);
QUIRE_API size_t quire_clause_forms_not_searched(const quire_clause *c);

/* For an approximate quote: its words' weights (1 + idf), in the order of
 * quire_results_quote_word(); 0 words for other clauses. */
QUIRE_API size_t quire_clause_word_count(const quire_clause *c);
QUIRE_API double quire_clause_word_weight(const quire_clause *c, size_t i);

/* With QUIRE_SEARCH_EXPLAIN: clause `i`'s part of the hit's score (the parts add up to
 * quire_hit_score(), before a date order or the options beyond BM25), and in *tf (may be
 * NULL) its term frequency in the document (0: not matched there, or under NOT). 0 for an
 * `i` past the clause count or without the flag. */
QUIRE_API double quire_hit_clause_score(const quire_hit *h, size_t i, uint64_t *tf);

/* With QUIRE_SEARCH_NOTES: the query's words that have other spellings in the index
 * (forms of other stems within distance 1: Zelensky -> Zelenskyy, Zelenskiy), each with
 * those variants, most documents first, and how many more there are beyond the list. */
QUIRE_API size_t quire_results_note_count(const quire_results *res);
QUIRE_API const char *quire_results_note_word(const quire_results *res, size_t i);
QUIRE_API size_t quire_results_note_variant_count(const quire_results *res, size_t i);
QUIRE_API quire_form quire_results_note_variant(const quire_results *res, size_t i, size_t k);
QUIRE_API size_t quire_results_note_more(const quire_results *res, size_t i);

/* A fuzzy word of the query (word~, word~N), in query order. */
typedef struct quire_fuzzy_word {
    const char *word; /* its form, NUL-terminated */
    int distance;     /* searched; -1: none (a word of 1-2 characters) */
    int lowered_from; /* the default distance it was lowered from (too many forms), or -1 */
    size_t searched;  /* variants searched, the closest first */
    size_t in_reach;  /* forms of the index within the distance */
} quire_fuzzy_word;

QUIRE_API size_t quire_results_fuzzy_count(const quire_results *res);
QUIRE_API quire_fuzzy_word quire_results_fuzzy(const quire_results *res, size_t i);

/* The query's approximate quotes ("..."~), in query order: its words, the closeness
 * threshold, the live documents holding it exactly and those with close renderings only,
 * and the renderings found in all. */
typedef struct quire_quote {
    size_t word_count;
    double threshold;
    uint64_t exact_documents;
    uint64_t close_documents;
    uint64_t renderings;
} quire_quote;

QUIRE_API size_t quire_results_quote_count(const quire_results *res);
QUIRE_API quire_quote quire_results_quote(const quire_results *res, size_t i);
/* Word `k` of quote `i` (NUL-terminated), or NULL. */
QUIRE_API const char *quire_results_quote_word(const quire_results *res, size_t i, size_t k);

/* Whether a query that was one quote without exact matches was searched approximately
 * instead (QUIRE_SEARCH_FALLBACK): its hits are then close renderings, not the quote. */
QUIRE_API bool quire_results_fell_back(const quire_results *res);

typedef struct quire_rendering quire_rendering;

/* With passages asked for: the renderings of the query's approximate quotes in the hit,
 * best first; what a passage highlights as one span. */
QUIRE_API size_t quire_hit_rendering_count(const quire_hit *h);
QUIRE_API const quire_rendering *quire_hit_rendering(const quire_hit *h, size_t i);

/* The quote it renders (index for quire_results_quote()), its closeness in (0, 1] (1:
 * exact), whether it lies in the title (offsets into quire_hit_title()) or the text, and
 * its bytes. */
QUIRE_API size_t quire_rendering_quote(const quire_rendering *r);
QUIRE_API double quire_rendering_closeness(const quire_rendering *r);
QUIRE_API bool quire_rendering_in_title(const quire_rendering *r);
QUIRE_API quire_span quire_rendering_span(const quire_rendering *r);

/* How a word of a rendering stands to the quote. */
typedef enum quire_word_kind {
    QUIRE_WORD_SAME = 0,    /* the quote word's form */
    QUIRE_WORD_STEM,        /* another form of its stem */
    QUIRE_WORD_VARIANT,     /* a spelling variant of it */
    QUIRE_WORD_SUBSTITUTED, /* in its place, but another word */
    QUIRE_WORD_INSERTED,    /* in no quote word's place */
} quire_word_kind;

/* One word of a rendering: its kind, the quote word it stands for (-1: inserted), its
 * bytes (into the title or the text, as the rendering). */
typedef struct quire_aligned {
    quire_word_kind kind;
    int quote_word;
    quire_span span;
} quire_aligned;

/* Every word of the rendering, in text order; and the quote words no word stands for. */
QUIRE_API size_t quire_rendering_word_count(const quire_rendering *r);
QUIRE_API quire_aligned quire_rendering_word(const quire_rendering *r, size_t i);
QUIRE_API size_t quire_rendering_missing_count(const quire_rendering *r);
QUIRE_API size_t quire_rendering_missing(const quire_rendering *r, size_t i);

/* ---- one stored document, whole ---- */

typedef struct quire_stored quire_stored;

/* The live document whose id is id[0..id_len) (the newest, should the reader's commit
 * hold several), whole; with a query (query_len > 0; `opts` as for quire_search(), NULL:
 * the defaults; its passage options and top_k are not used), every match of the query in
 * it is highlighted as passages find them (the document need not match). *out is the
 * caller's (quire_stored_free()). Not thread-safe for one `s`.
 * @return QUIRE_OK; QUIRE_ENOTFOUND if no live document has that id; for the query, the
 *   codes of quire_search(); QUIRE_ECORRUPT, QUIRE_EIO, QUIRE_ENOMEM. */
QUIRE_API QUIRE_MUST_CHECK int quire_searcher_document(quire_stored **out, quire_searcher *s,
                                                       const char *id, size_t id_len,
                                                       const char *query, size_t query_len,
                                                       const quire_search_options *opts);

/* Accepts NULL. */
QUIRE_API void quire_stored_free(quire_stored *d);

/* Its id, title ("" if none), date ("YYYY-MM-DD" or NULL) and text as indexed (invalid
 * UTF-8 replaced by U+FFFD), each NUL-terminated; *len (may be NULL) their lengths. */
QUIRE_API const char *quire_stored_id(const quire_stored *d, size_t *len);
QUIRE_API const char *quire_stored_title(const quire_stored *d, size_t *len);
QUIRE_API const char *quire_stored_date(const quire_stored *d);
QUIRE_API const char *quire_stored_text(const quire_stored *d, size_t *len);

/* The file it was read from ("-": standard input), NUL-terminated, *len (may be NULL) its
 * length; and where its text starts in that file (as quire_hit_source()). */
QUIRE_API const char *quire_stored_origin(const quire_stored *d, size_t *len);
QUIRE_API quire_position quire_stored_source(const quire_stored *d);

/* Its tokens, the title's included; *title_tokens (may be NULL) gets the title's. */
QUIRE_API uint32_t quire_stored_tokens(const quire_stored *d, uint32_t *title_tokens);

/* Its number in the reader's commit (0-based over the commit's documents, deleted ones
 * included, in segment order): for telling documents apart within one commit, not an id
 * (a merge renumbers). */
QUIRE_API uint64_t quire_stored_number(const quire_stored *d);

/* The query's matches: byte offsets into the text / the title, ascending, disjoint. */
QUIRE_API size_t quire_stored_highlight_count(const quire_stored *d);
QUIRE_API quire_span quire_stored_highlight(const quire_stored *d, size_t i);
QUIRE_API size_t quire_stored_title_highlight_count(const quire_stored *d);
QUIRE_API quire_span quire_stored_title_highlight(const quire_stored *d, size_t i);

#ifdef __cplusplus
}
#endif

#endif
