/*
 * shards.c - libquire's shard-set writer (include/quire/shards.h) over the indexer's
 * shard_index_run() (indexer/shard_index.h) and shard/'s communicator: the public options
 * become one indexer_opts, as quire_writer_commit()'s do, and the summed summary becomes
 * a quire_commit_info.
 */
#include "quire/shards.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "comm.h"
#include "quire/shardset.h"
#include "shard_index.h"

_Static_assert(QUIRE_SHARDS_MAX == QUIRE_SHARDSET_MAX, "the public limit is the format's");

typedef struct callbacks {
    const quire_writer_options *w;
} callbacks;

static void forward_warn(void *ctx, const char *message)
{
    const callbacks *c = ctx;
    if (c->w->warn != NULL)
        c->w->warn(c->w->warn_ctx, message);
}

static void forward_skip(void *ctx, indexer_skip_kind kind, const char *what, uint64_t line,
                         const char *reason)
{
    const callbacks *c = ctx;
    if (c->w->skip != NULL)
        c->w->skip(c->w->skip_ctx,
                   kind == INDEXER_DELETE_NOT_FOUND ? QUIRE_SKIP_DELETE_MISSING : QUIRE_SKIP_INPUT,
                   what, line, reason);
}

/* Fill the commit info of `info` (its version says which fields) from a summary. */
static void fill_info(quire_commit_info *info, const indexer_summary *s)
{
    info->generation = 0;
    info->docs_added = s->docs_added;
    info->docs_replaced = s->docs_replaced;
    info->docs_deleted = s->docs_deleted;
    info->deletes_missing = s->delete_missing;
    info->tokens = s->tokens;
    info->invalid_utf8 = s->invalid_utf8;
    info->merges = s->merges;
    info->segments = s->segments;
    if (info->version < 2)
        return;
    info->committed = s->committed;
    info->docs_skipped = s->docs_skipped;
    info->warnings = s->warnings;
    info->input_bytes = s->input_bytes;
    info->text_bytes = s->text_bytes;
    info->segments_flushed = s->segments_flushed;
    info->stem_calls = s->stem_calls;
    info->stem_hits = s->stem_hits;
    info->seconds = s->seconds;
}

int quire_shards_index(const char *dir, const char *const *paths, size_t count,
                       const char *const *delete_ids, size_t delete_count,
                       const quire_shards_options *opts, quire_shards_info *info)
{
    const quire_shards_options defaults = QUIRE_SHARDS_OPTIONS_INIT;
    if (opts == NULL)
        opts = &defaults;
    if (dir == NULL || dir[0] == '\0')
        return quire_error(QUIRE_EINVAL, "quire_shards_index: no directory");
    if (opts->version != QUIRE_SHARDS_OPTIONS_VERSION)
        return quire_error(QUIRE_EINVAL, "shards options version %u (this library knows 1)",
                           opts->version);
    if (opts->writer.version != QUIRE_WRITER_OPTIONS_VERSION)
        return quire_error(QUIRE_EINVAL, "shards options: writer options version %u, expected %d",
                           opts->writer.version, QUIRE_WRITER_OPTIONS_VERSION);
    if (info != NULL && (info->version != QUIRE_SHARDS_INFO_VERSION ||
                         (info->total.version != 1 &&
                          info->total.version != QUIRE_COMMIT_INFO_VERSION)))
        return quire_error(QUIRE_EINVAL, "shards info version %u (this library knows 1)",
                           info->version);
    if (opts->shard_count > QUIRE_SHARDS_MAX)
        return quire_error(QUIRE_EINVAL, "shards options: shard_count %u, expected 0 to %d",
                           (unsigned)opts->shard_count, QUIRE_SHARDS_MAX);
    int rc = quire_writer_options_check(&opts->writer);
    if (rc != QUIRE_OK)
        return rc;
    const quire_writer_options *w = &opts->writer;
    callbacks cb = {w};
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = dir;
    o.inputs = paths;
    o.input_count = count;
    o.language = w->language;
    o.keep_diacritics = w->keep_diacritics;
    o.memory = w->memory;
    o.threads = w->threads;
    o.zlib_level = w->store_level;
    o.stop_on_error = opts->files.stop_on_error;
    o.allow_missing = opts->files.allow_missing;
    o.encoding = opts->files.encoding;
    o.allow_empty = w->allow_empty;
    o.dry_run = w->dry_run;
    o.optimize = opts->optimize;
    o.delete_ids = delete_ids;
    o.delete_count = delete_count;
    o.warn = forward_warn;
    o.warn_ctx = &cb;
    o.on_skip = forward_skip;
    o.skip_ctx = &cb;

    quire_comm *comm = NULL;
    rc = quire_comm_start(&comm, NULL, NULL);
    if (rc != QUIRE_OK)
        return rc;
    if (info != NULL) {
        info->rank = quire_comm_rank(comm);
        info->processes = quire_comm_size(comm);
        snprintf(info->transport, sizeof info->transport, "%s", quire_comm_kind(comm));
    }
    const shard_index_opts so = {o, opts->shard_count, opts->chunk_bytes, comm};
    shard_index_summary sum;
    memset(&sum, 0, sizeof sum);
    rc = shard_index_run(&so, &sum);
    if (rc == QUIRE_OK && info != NULL) {
        fill_info(&info->total, &sum.total);
        info->shard_count = sum.shard_count;
        info->passes = sum.passes;
        info->chunks = sum.chunks;
        info->bytes_sent = sum.bytes_sent;
    }
    quire_comm_finish(comm);
    return rc;
}
