/*
 * shard_index.h - indexing into a shard set (quire/shardset.h) by the processes of a
 * communicator (shard/comm.h: MPI ranks, or one process alone).
 *
 * The inputs are walked by every process (paths and sizes only) and cut into chunks, the
 * same on every process: consecutive files up to chunk_bytes together, a larger
 * uncompressed JSON Lines file into byte ranges of about chunk_bytes cut at line starts,
 * any other file whole. Chunk c is read by process c mod P in round c / P, so that no
 * process reads everything; each round the processes exchange the documents they read,
 * each to the process of its shard (quire_comm_exchange: MPI_Alltoallv), and a process
 * hands what it received to its shard's indexer_run() in chunk order: each shard gets its
 * documents in input order, whatever P, so a replacement within one run ends as on one
 * index (the newest wins) and a shard's content does not depend on the number of
 * processes.
 *
 * With S shards and P processes (P divides S), the run makes S / P passes over the inputs;
 * in pass t process p indexes shard t * P + p. A pass commits only if every process's shard
 * is ready to: each indexer_run() stops before its manifest's rename and the processes
 * vote (quire_comm_agree); one failure (its message names the shard) and no shard of the
 * pass commits, every one keeps its last commit. Deletions by id go to their shard's
 * process only.
 */
#ifndef QUIRE_SHARD_INDEX_H
#define QUIRE_SHARD_INDEX_H

#include "comm.h"
#include "indexer.h"

#define SHARD_DEFAULT_CHUNK ((uint64_t)16 << 20)

typedef struct shard_index_opts {
    indexer_opts ix;      /* index_dir: the shard set's directory; everything else as for one
                           * index (warnings, delete ids, memory per process...) */
    uint32_t shard_count; /* a new set's shards (0: one per process); an existing set keeps
                           * its own and another value is refused */
    uint64_t chunk_bytes; /* 0: SHARD_DEFAULT_CHUNK */
    const quire_comm *comm;
} shard_index_opts;

typedef struct shard_index_summary {
    indexer_summary total; /* summed over every shard of every process */
    uint32_t shard_count;  /* of the set */
    uint32_t passes;       /* S / P */
    uint64_t chunks;       /* input chunks */
    uint64_t bytes_sent;   /* bytes of documents this process sent to others (itself too) */
} shard_index_summary;

/* Run on every process (collective). QUIRE_OK when every shard committed (or, dry run,
 * counted); otherwise the error of the first failed shard on process 0 ("shard N: ..."),
 * and the same code everywhere. */
QUIRE_MUST_CHECK int shard_index_run(const shard_index_opts *o, shard_index_summary *out);

#endif
