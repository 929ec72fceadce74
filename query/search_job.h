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
/* The job's statistics: search_job_stats_count() counters (the same number for every
 * index, for one query text and analyzer). */
uint32_t search_job_stats_count(const search_job *j);
void search_job_stats(const search_job *j, uint64_t *out);
/* Evaluate with `stats` (a sum of search_job_stats vectors; NULL: the index's own), keeping
 * the best top_k, sorted; with_ids: every hit's external id looked up (for a merge). */
QUIRE_MUST_CHECK int search_job_rank(search_job *j, const uint64_t *stats, uint32_t top_k,
                                     bool with_ids);
/* After rank: match count (and whether exact), term count, a phrase's occurrences (from the
 * statistics given to rank, so the whole set's). Hits are left alone. */
void search_job_counts(const search_job *j, search_result *r);
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
