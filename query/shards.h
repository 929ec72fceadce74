/*
 * shards.h - scatter-gather search over a shard set (quire/shardset.h): each process of a
 * communicator (shard/comm.h: MPI ranks, or one process alone) opens its shards (shard i
 * belongs to process i mod size), and every query runs
 *
 *   each shard: parse, look up, match phrases -> its statistics (search_job_stats)
 *   sum over the process's shards, then over the processes (quire_comm_sum: MPI_Allreduce)
 *   each shard: score with the summed statistics -> its top k, with external ids
 *   best k of the process's shards -> process 0 (gather) -> best k overall -> every
 *   process (bcast) -> each fills the winners it holds (ids, titles, passages from the
 *   shard that holds the hit) -> process 0 (gather), in rank order
 *
 * so that every shard scores with the statistics of the whole set and the result equals
 * one index of the same documents: ids, order (ties by external id, topk.h), scores and
 * counts (a pruned count is a lower bound, as on one index). One process over all shards
 * (quire-query --shards without mpirun) runs the same steps with a communicator of one.
 *
 * Every step ends with all processes agreeing on success: an error on one shard (its
 * message names it) fails the query on every process, none waits forever.
 */
#ifndef QUERY_SHARDS_H
#define QUERY_SHARDS_H

#include <stddef.h>

#include "query.h"

typedef struct shard_set shard_set;

/* Read DIR/shardset and open this process's shards: QUIRE_ENOTFOUND if DIR is no shard
 * set; QUIRE_EMISMATCH for a shard built with another analyzer than the set's, or more
 * processes than shards; errors of search_open() prefixed with the shard. Collective. */
QUIRE_MUST_CHECK int shard_set_open(shard_set **out, const char *dir, const quire_comm *comm);
void shard_set_close(shard_set *s);
/* Whether a shard of this process fell back to an older manifest (*message names it). */
bool shard_set_fell_back(const shard_set *s, const char **message);
/* One query, as search_query(); on process 0 *out holds the result, elsewhere only the
 * counts. *error_offset as search_error_offset(). Collective. */
QUIRE_MUST_CHECK int shard_set_query(search_result *out, shard_set *s, const search_options *o,
                                     size_t *error_offset);

#endif
