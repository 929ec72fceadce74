/*
 * quire/shards.h - writing a shard set: an index cut into S shards by a hash of each
 * document's id (INDEX/shardset, INDEX/shard-<r>; quire-format(5) "Shard sets"), written
 * by one process or by the P processes of an MPI job (launched by mpirun; then P divides
 * S). This is `quire-index --shards`. A shard set is searched like one index (the same
 * hits, scores and order).
 *
 * Collective: under mpirun every process calls quire_shards_index() once, with the same
 * arguments (the same inputs, visible to every process). The inputs are cut into chunks
 * read by the processes in turn and each document goes to its shard's process, so no
 * process reads everything; a pass commits only if every process's shard is ready to
 * (otherwise no shard of the pass commits and every one keeps its last commit). MPI is
 * started and finished inside the call (once per process: call it once).
 *
 * Threads: the call is for one thread; it takes each shard's writer lock while it writes
 * that shard, so another writer of a shard makes it fail with QUIRE_ELOCKED.
 */
#ifndef QUIRE_SHARDS_H
#define QUIRE_SHARDS_H

#include "quire/common.h"
#include "quire/writer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a shard set is written. Versioned (see quire_search_options): set `version` to
 * QUIRE_SHARDS_OPTIONS_VERSION (QUIRE_SHARDS_OPTIONS_INIT does). */
typedef struct quire_shards_options {
    unsigned int version;        /* QUIRE_SHARDS_OPTIONS_VERSION */
    quire_writer_options writer; /* each shard's, as for one index (version 2): language,
                                  * diacritics, memory per process, threads, store level,
                                  * warn and skip (called on the process that met it),
                                  * dry_run, allow_empty, memory_name; progress is not
                                  * called (documents arrive from every process) */
    quire_files_options files;   /* how the inputs are read */
    uint32_t shard_count; /* the shards of a new set (0: one per process), 1..4096; an
                           * existing set keeps its own and another count is
                           * QUIRE_EMISMATCH */
    uint64_t chunk_bytes; /* inputs are read in chunks of about this (0: 16 MiB) */
    bool optimize;        /* merge each shard into one segment (quire_writer_optimize()) */
} quire_shards_options;

#define QUIRE_SHARDS_OPTIONS_VERSION 1
#define QUIRE_SHARDS_OPTIONS_INIT                                                                  \
    {                                                                                              \
        QUIRE_SHARDS_OPTIONS_VERSION, QUIRE_WRITER_OPTIONS_INIT, QUIRE_FILES_OPTIONS_INIT, 0, 0,   \
            false                                                                                  \
    }

/* The most shards a set may have. */
#define QUIRE_SHARDS_MAX 4096

/* What writing a shard set did. Versioned: set `version` (QUIRE_SHARDS_INFO_INIT does). */
typedef struct quire_shards_info {
    unsigned int version;    /* QUIRE_SHARDS_INFO_VERSION */
    quire_commit_info total; /* summed over every shard of every process (set its version
                              * too: QUIRE_COMMIT_INFO_VERSION); `generation` is 0 */
    uint32_t shard_count;    /* of the set */
    uint32_t passes;         /* S / P: shards written by each process in turn */
    uint64_t chunks;         /* input chunks */
    uint64_t bytes_sent;     /* bytes of documents the processes sent each other */
    uint32_t rank;           /* this process's rank, 0..processes-1 (filled on failure too,
                              * once MPI started): rank 0 is the one to report */
    uint32_t processes;      /* of the job (1 without mpirun) */
    char transport[16];      /* "mpi" or "single" */
} quire_shards_info;

#define QUIRE_SHARDS_INFO_VERSION 1
#define QUIRE_SHARDS_INFO_INIT                                                                     \
    {                                                                                              \
        QUIRE_SHARDS_INFO_VERSION, QUIRE_COMMIT_INFO_INIT, 0, 0, 0, 0, 0, 1, ""                    \
    }

/* Add the documents of `paths[0..count)` (read as quire_writer_add_files() reads them; a
 * path missing is warned about and skipped: quire_files_check() first to refuse it) to
 * the shard set in `dir` (created with `opts->shard_count` shards if there is none),
 * after deleting the documents whose ids are `delete_ids[0..delete_count)` (each on its
 * shard); the newest document of an id wins, as on one index. `count` may be 0 (deletes
 * or optimize only). Strings are borrowed for the call. `opts` may be NULL (the defaults);
 * `info` may be NULL, and is filled on QUIRE_OK (and its rank, processes and transport
 * always, once MPI started).
 * @return QUIRE_OK when every shard committed (or, dry run, counted); otherwise the same
 *   code on every process, with the message of the first failed shard on process 0
 *   ("shard N: ..."): QUIRE_EINVAL for bad options or an empty run (see
 *   allow_empty), QUIRE_EMISMATCH for another shard count or language than the set's,
 *   QUIRE_ELOCKED, QUIRE_EIO, QUIRE_ENOMEM, QUIRE_ECORRUPT as quire_writer_commit(). */
QUIRE_API QUIRE_MUST_CHECK int quire_shards_index(const char *dir, const char *const *paths,
                                                  size_t count, const char *const *delete_ids,
                                                  size_t delete_count,
                                                  const quire_shards_options *opts,
                                                  quire_shards_info *info);

#ifdef __cplusplus
}
#endif

#endif
