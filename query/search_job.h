/*
 * search_job.h - search_query() in its steps, for a search over several indexes (a shard
 * set, query/shards.h) that must combine statistics and hits between them:
 *
 *   begin (parse, look up, match phrases: this index's statistics)
 *     -> stats (the vector of counters plan.h defines; add the vectors of all indexes)
 *     -> rank (score with the summed statistics: this index's top k, external ids known)
 *     -> fill (ids, titles, passages of the hits that won overall)
 *
 * search_query() is begin -> rank with the index's own statistics -> fill all, so one
 * index and a shard set run the same code.
 */
#ifndef QUERY_SEARCH_JOB_H
#define QUERY_SEARCH_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "query.h"
#include "quire/index.h"
#include "topk.h"

typedef struct search_job search_job;

/* Check the options, parse the query with s's analyzer, plan it over s's index. *out is set
 * on QUIRE_OK. Errors as search_query(); search_error_offset(s) says where a syntax error
 * is. `o` is copied; the query text must outlive the job. */
QUIRE_MUST_CHECK int search_job_begin(search_job **out, searcher *s, const search_options *o);
/* A query with fuzzy words is planned only once they are expanded over the whole set:
 * their count (0: begin planned the query), this index's records for them
 * (fuzzy_resolve_local, appended to *out), and the merged records (fuzzy_merge, one per
 * word in the same order) that expand them and plan the query. */
uint32_t search_job_fuzzy_count(const search_job *j);
QUIRE_MUST_CHECK int search_job_fuzzy_local(search_job *j, quire_buf *out);
QUIRE_MUST_CHECK int search_job_fuzzy_apply(search_job *j, const uint8_t *merged, size_t len);
/* What the result says about the query besides its hits (search_result.fuzzy), once
 * planned. */
QUIRE_MUST_CHECK int search_job_summaries(search_job *j, search_result *r);
/* The job's statistics: search_job_stats_count() counters (the same number for every
 * index, for one query text and analyzer). */
uint32_t search_job_stats_count(const search_job *j);
void search_job_stats(const search_job *j, uint64_t *out);
/* Evaluate with `stats` (a sum of search_job_stats vectors; NULL: the index's own), keeping
 * the best search_job_depth(), sorted in the options' order (by date for --sort date and
 * -date); with_ids: every hit's external id looked up (for a merge). */
QUIRE_MUST_CHECK int search_job_rank(search_job *j, const uint64_t *stats, bool with_ids);
/* How many hits rank keeps: the page (offset + top k), or RERANK_DEPTH if more when the
 * options rescore (search_job_rescores). */
uint64_t search_job_depth(const search_job *j);
/* Whether the options rescore the first pass's best (--proximity, --title-weight). */
bool search_job_rescores(const search_job *j);
/* Title tokens of the index's live documents (BM25F's mean title length is the sum of these
 * over the set divided by its documents). */
uint64_t search_job_title_tokens(const search_job *j);
/* After rank: keep the first n ranked hits only (those among the set's best depth). */
void search_job_truncate(search_job *j, uint32_t n);
/* After rank (and truncate): rescore the kept hits (rerank.h) with the set's mean title
 * length, and sort them again. */
QUIRE_MUST_CHECK int search_job_rescore(search_job *j, double avg_title_len);
/* After rank: match count (and whether exact), term count, a phrase's occurrences (from the
 * statistics given to rank, so the whole set's). Hits are left alone. */
void search_job_counts(const search_job *j, search_result *r);
/* An ellipsis quote alone that matched nothing gets a hint (search_result.hint): how many
 * documents hold each part alone. Its parts (0: no hint for this query), this index's
 * count of each (dfs[0..parts)), and the hint from the set's (the sums). */
uint32_t search_job_hint_parts(const search_job *j);
QUIRE_MUST_CHECK int search_job_hint_counts(search_job *j, uint64_t *dfs);
void search_job_hint(const search_job *j, const uint64_t *dfs, search_result *r);
/* The ranked hits: count, and each one's score, doc id and external id (borrowed). */
/* Whether the query is one phrase (its occurrences are counted). */
bool search_job_is_phrase(const search_job *j);
/* ... matched lazily (its occurrences are counted by each index as it goes). */
bool search_job_is_lazy(const search_job *j);
uint32_t search_job_hit_count(const search_job *j);
const topk_entry *search_job_entry(const search_job *j, uint32_t i);
/* Fill hits[i] from ranked hit which[i], i < n, with passages if the options ask for them.
 * hits[] are zeroed by the caller and freed by it (search_result_free) even on error. */
QUIRE_MUST_CHECK int search_job_fill(search_job *j, const uint32_t *which, uint32_t n,
                                     search_hit *hits);
void search_job_free(search_job *j);

/* The index a searcher of one index has open. */
const quire_index *search_index(const searcher *s);

#endif
