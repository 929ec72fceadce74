/*
 * shard_index.c - indexing into a shard set; see shard_index.h. Owns the chunk plan, the
 * rounds of document exchange and the per-pass vote; leaves each shard's indexing to
 * indexer_run(), reading to source.c and the transport to shard/comm.h.
 */
#include "shard_index.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "quire/analysis.h"
#include "quire/array.h"
#include "quire/shardset.h"
#include "source.h"

/* A piece of the inputs read by one process in one round: entries [first, first + count)
 * of the walk, or, when end > start, the nominal bytes [start, end) of entry `first`
 * (moved to line starts when read). */
typedef struct chunk {
    size_t first, count;
    uint64_t start, end;
} chunk;

typedef struct plan {
    source *walk;
    chunk *chunks;
    size_t count, cap;
} plan;

typedef struct feed {
    const shard_index_opts *o;
    const plan *pl;
    uint32_t rank, size, pass;
    uint64_t round, rounds;
    bool over;        /* no more rounds: the last one is done, or a process failed */
    bool secondary;   /* this process stopped because another one failed */
    bool voted;       /* the pass's vote is cast */
    bool read_failed; /* this process could not read its chunk (the message says so) */
    int vote_rc;
    quire_buf *send, *recv; /* size each */
    uint32_t at_proc;       /* decoding recv[at_proc] at at_off */
    size_t at_off;
    uint64_t input_bytes, bytes_sent;
    char origin[4096]; /* the current document's origin, NUL-terminated */
} feed;

static bool ends_with(const char *s, const char *suffix)
{
    const size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* An uncompressed JSON Lines file can be cut at line starts. */
static bool splittable(const char *path)
{
    if (!ends_with(path, ".jsonl") && !ends_with(path, ".ndjson") && !ends_with(path, ".json"))
        return false;
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false; /* read whole: the source reports it */
    unsigned char magic[2] = {0, 0};
    const ssize_t n = read(fd, magic, 2);
    close(fd);
    return !(n == 2 && magic[0] == 0x1f && magic[1] == 0x8b);
}

static int add_chunk(plan *pl, size_t first, size_t count, uint64_t start, uint64_t end)
{
    int rc = QUIRE_ARRAY_RESERVE(pl->chunks, pl->count, pl->cap, 64);
    if (rc == QUIRE_OK)
        pl->chunks[pl->count++] = (chunk){first, count, start, end};
    return rc;
}

static int make_plan(plan *pl, const shard_index_opts *o, uint32_t size)
{
    const uint64_t cb = o->chunk_bytes ? o->chunk_bytes : SHARD_DEFAULT_CHUNK;
    const source_opts so = {.stop_on_error = false};
    int rc = source_open(&pl->walk, o->ix.inputs, o->ix.input_count, &so);
    if (rc != QUIRE_OK)
        return rc;
    const size_t n = source_entry_count(pl->walk);
    size_t group = 0, group_count = 0;
    uint64_t group_bytes = 0;
    for (size_t i = 0; i < n && rc == QUIRE_OK; i++) {
        const char *path;
        uint64_t bytes;
        bool is_file;
        source_entry_info(pl->walk, i, &path, &bytes, &is_file);
        const bool is_stdin = !is_file && strcmp(path, "-") == 0;
        if (is_stdin && size > 1)
            return quire_error(QUIRE_EINVAL,
                               "standard input cannot be split between %u "
                               "processes: give files",
                               (unsigned)size);
        const bool split = is_file && bytes > cb && splittable(path);
        if (group_count > 0 && (split || is_stdin || group_bytes + bytes > cb)) {
            rc = add_chunk(pl, group, group_count, 0, 0);
            group_count = 0;
            group_bytes = 0;
        }
        if (rc != QUIRE_OK)
            break;
        if (split) {
            for (uint64_t at = 0; at < bytes && rc == QUIRE_OK; at += cb)
                rc = add_chunk(pl, i, 1, at, at + cb < bytes ? at + cb : bytes);
            continue;
        }
        if (group_count == 0)
            group = i;
        group_count++;
        group_bytes += bytes;
    }
    if (rc == QUIRE_OK && group_count > 0)
        rc = add_chunk(pl, group, group_count, 0, 0);
    return rc;
}

/* The first line start at or after `at` in `path` (its size if none). */
static int line_start(const char *path, uint64_t at, uint64_t size, uint64_t *out)
{
    if (at == 0 || at >= size) {
        *out = at == 0 ? 0 : size;
        return QUIRE_OK;
    }
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return quire_error(QUIRE_EIO, "%s: %s", path, strerror(errno));
    char buf[65536];
    uint64_t pos = at - 1; /* a '\n' just before `at` makes `at` a line start */
    int rc = QUIRE_OK;
    *out = size;
    for (;;) {
        const ssize_t n = pread(fd, buf, sizeof buf, (off_t)pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = quire_error(QUIRE_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        const char *nl = memchr(buf, '\n', (size_t)n);
        if (nl != NULL) {
            *out = pos + (uint64_t)(nl - buf) + 1;
            break;
        }
        pos += (uint64_t)n;
    }
    close(fd);
    return rc;
}

/* The largest document a run reads (indexer.c's rule: a sixth of the budget, at most
 * 1 GiB), so that a shard skips what one index would. */
static size_t max_doc_bytes(const indexer_opts *o)
{
    const size_t budget = o->memory ? o->memory : (size_t)1 << 30;
    const size_t most = budget / 6;
    return most < ((size_t)1 << 30) ? most : (size_t)1 << 30;
}

static void put_field(quire_buf *b, const void *p, size_t n)
{
    quire_buf_put_le64(b, n);
    quire_buf_put(b, p, n);
}

/* Read chunk c and put each document of this pass's shards into send[its process]. */
static int read_chunk(feed *f, const chunk *c)
{
    const indexer_opts *ix = &f->o->ix;
    uint64_t start = 0, end = 0;
    int rc = QUIRE_OK;
    if (c->end > c->start) {
        const char *path;
        uint64_t bytes;
        bool is_file;
        source_entry_info(f->pl->walk, c->first, &path, &bytes, &is_file);
        rc = line_start(path, c->start, bytes, &start);
        if (rc == QUIRE_OK)
            rc = line_start(path, c->end, bytes, &end);
        if (rc != QUIRE_OK || start >= end)
            return rc;
    }
    source_opts so = {ix->stop_on_error,
                      f->pass == 0 ? ix->warn : NULL,
                      ix->warn_ctx,
                      max_doc_bytes(ix),
                      " (a document is analysed whole, in about 5 bytes of memory per byte of "
                      "text: the most is a sixth of --memory)",
                      NULL,
                      NULL,
                      (source_encoding)ix->encoding};
    source *src = NULL;
    rc = source_open_part(&src, f->pl->walk, c->first, c->count, start, end, &so);
    const uint32_t shards = f->o->shard_count;
    while (rc == QUIRE_OK) {
        source_doc d;
        rc = source_next(src, &d);
        if (rc == 1) {
            rc = QUIRE_OK;
            break;
        }
        if (rc != QUIRE_OK)
            break;
        const uint32_t shard = quire_shard_of(d.external_id, d.external_id_len, shards);
        if (shard / f->size != f->pass)
            continue; /* another pass's */
        quire_buf *b = &f->send[shard % f->size];
        put_field(b, d.external_id, d.external_id_len);
        put_field(b, d.title, d.title_len);
        put_field(b, d.text, d.text_len);
        put_field(b, d.origin, strlen(d.origin));
        quire_buf_put_le32(b, (uint32_t)d.date);
        quire_buf_put_le64(b, d.line);
        if (b->err)
            rc = quire_error(QUIRE_ENOMEM, "out of memory reading %s", d.origin);
    }
    f->input_bytes += source_bytes_read(src);
    source_close(src);
    return rc;
}

/* One round: read this process's chunk, learn whether any process failed, exchange. */
static int do_round(feed *f, bool failed)
{
    int rc = QUIRE_OK;
    for (uint32_t p = 0; p < f->size; p++) {
        f->send[p].len = 0;
        f->recv[p].len = 0;
    }
    f->at_proc = 0;
    f->at_off = 0;
    const uint64_t c = f->round * f->size + f->rank;
    if (!failed && c < f->pl->count)
        rc = read_chunk(f, &f->pl->chunks[c]);
    if (rc != QUIRE_OK) {
        char msg[2048];
        snprintf(msg, sizeof msg, "%s", quire_errmsg());
        rc = quire_error(rc, "rank %u reading the inputs: %s", (unsigned)f->rank, msg);
        f->read_failed = true;
    }
    uint64_t any = failed || rc != QUIRE_OK;
    const int src = quire_comm_sum(f->o->comm, &any, 1);
    if (src != QUIRE_OK)
        return src;
    if (any) {
        f->over = true;
        if (rc != QUIRE_OK || failed)
            return rc != QUIRE_OK ? rc : QUIRE_EIO;
        f->secondary = true;
        return quire_error(QUIRE_EIO, "stopped: another process of the shard set failed");
    }
    for (uint32_t p = 0; p < f->size; p++)
        f->bytes_sent += f->send[p].len;
    rc = quire_comm_exchange(f->o->comm, f->send, f->recv);
    if (++f->round == f->rounds)
        f->over = true;
    return rc;
}

static const uint8_t *take(const quire_buf *b, size_t *off, size_t n)
{
    if (b->len - *off < n)
        return NULL;
    const uint8_t *p = b->data + *off;
    *off += n;
    return p;
}

static bool take_field(const quire_buf *b, size_t *off, const char **p, size_t *n)
{
    const uint8_t *len = take(b, off, 8);
    if (len == NULL)
        return false;
    *n = (size_t)quire_load_le64(len);
    *p = (const char *)take(b, off, *n);
    return *p != NULL;
}

/* source_feed_fn: the next document of this process's shard, in input order. */
static int next_doc(void *ctx, source_doc *d)
{
    feed *f = ctx;
    for (;;) {
        while (f->at_proc < f->size && f->at_off == f->recv[f->at_proc].len) {
            f->at_proc++;
            f->at_off = 0;
        }
        if (f->at_proc < f->size)
            break;
        if (f->over)
            return 1;
        const int rc = do_round(f, false);
        if (rc != QUIRE_OK)
            return rc;
    }
    const quire_buf *b = &f->recv[f->at_proc];
    size_t *off = &f->at_off;
    const char *origin;
    size_t origin_len;
    const uint8_t *date, *line;
    if (!take_field(b, off, &d->external_id, &d->external_id_len) ||
        !take_field(b, off, &d->title, &d->title_len) ||
        !take_field(b, off, &d->text, &d->text_len) || !take_field(b, off, &origin, &origin_len) ||
        (date = take(b, off, 4)) == NULL || (line = take(b, off, 8)) == NULL)
        return quire_error(QUIRE_EIO, "shard set: a process sent a malformed document");
    d->date = (int32_t)quire_load_le32(date);
    d->line = quire_load_le64(line);
    /* origin must be NUL-terminated: it is followed by the date, so copy it out */
    const size_t n = origin_len < sizeof f->origin - 1 ? origin_len : sizeof f->origin - 1;
    memcpy(f->origin, origin, n);
    f->origin[n] = '\0';
    d->origin = f->origin;
    return QUIRE_OK;
}

/* indexer_opts.before_commit: the pass's vote. */
static int vote(void *ctx)
{
    feed *f = ctx;
    f->voted = true;
    f->vote_rc = quire_comm_agree(f->o->comm, QUIRE_OK);
    return f->vote_rc;
}

/* The analyzer id this build gives a new set with these options. */
static int build_analyzer_id(char *out, size_t cap, const char *language, bool keep)
{
    quire_analyzer *an = NULL;
    const quire_analyzer_opts ao = {language, keep, 0};
    const int rc = quire_analyzer_new(&an, &ao);
    if (rc == QUIRE_OK)
        snprintf(out, cap, "%s", quire_analyzer_id(an));
    quire_analyzer_free(an);
    return rc;
}

/* On process 0: create the set if new, or check the run's options against it. */
static int prepare_set(const shard_index_opts *o, quire_shardset *set)
{
    const char *dir = o->ix.index_dir;
    int rc = quire_shardset_read(set, dir);
    if (rc == QUIRE_ENOTFOUND) {
        char id[256];
        const char *language = o->ix.language ? o->ix.language : "english";
        const bool keep = o->ix.keep_diacritics == 1;
        rc = build_analyzer_id(id, sizeof id, language, keep);
        if (rc != QUIRE_OK)
            return rc;
        const quire_shardset want = {o->shard_count ? o->shard_count : quire_comm_size(o->comm),
                                     QUIRE_SHARD_HASH_ID64, id, (char *)(uintptr_t)language, keep};
        rc = quire_shardset_create(dir, &want);
        return rc == QUIRE_OK ? quire_shardset_read(set, dir) : rc;
    }
    if (rc != QUIRE_OK)
        return rc;
    if (o->shard_count && o->shard_count != set->shard_count)
        return quire_error(QUIRE_EMISMATCH, "%s: the shard set has %u shards, not %u", dir,
                           (unsigned)set->shard_count, (unsigned)o->shard_count);
    if (o->ix.language && strcmp(o->ix.language, set->language) != 0)
        return quire_error(QUIRE_EMISMATCH, "%s: the shard set's language is %s, not %s", dir,
                           set->language, o->ix.language);
    return QUIRE_OK;
}

static void add_summary(indexer_summary *t, const indexer_summary *s)
{
    t->docs_added += s->docs_added;
    t->docs_skipped += s->docs_skipped;
    t->warnings += s->warnings;
    t->invalid_utf8 += s->invalid_utf8;
    t->text_bytes += s->text_bytes;
    t->tokens += s->tokens;
    t->segments_flushed += s->segments_flushed;
    t->docs_replaced += s->docs_replaced;
    t->docs_deleted += s->docs_deleted;
    t->delete_missing += s->delete_missing;
    t->merges += s->merges;
    t->segments += s->segments;
    t->stem_calls += s->stem_calls;
    t->stem_hits += s->stem_hits;
    if (s->generation > t->generation)
        t->generation = s->generation;
}

/* One pass: this process's shard t * P + rank. */
static int run_pass(const shard_index_opts *o, const plan *pl, uint32_t pass,
                    shard_index_summary *out, const quire_shardset *set)
{
    const quire_comm *comm = o->comm;
    feed f;
    memset(&f, 0, sizeof f);
    f.o = o;
    f.pl = pl;
    f.rank = quire_comm_rank(comm);
    f.size = quire_comm_size(comm);
    f.pass = pass;
    f.rounds = (pl->count + f.size - 1) / f.size;
    f.over = f.rounds == 0;
    f.send = quire_calloc(f.size, sizeof *f.send);
    f.recv = quire_calloc(f.size, sizeof *f.recv);
    const uint32_t shard = pass * f.size + f.rank;
    char dir[4200];
    const char **ids = quire_calloc(o->ix.delete_count + 1, sizeof *ids);
    int rc = f.send && f.recv && ids ? QUIRE_OK : quire_oom();
    if (rc == QUIRE_OK)
        rc = quire_shard_dir(dir, sizeof dir, o->ix.index_dir, shard);
    indexer_opts ix = o->ix;
    size_t nid = 0;
    for (size_t i = 0; ids && i < o->ix.delete_count; i++) {
        const char *id = o->ix.delete_ids[i];
        if (quire_shard_of(id, strlen(id), set->shard_count) == shard)
            ids[nid++] = id;
    }
    ix.index_dir = dir;
    ix.inputs = NULL;
    ix.input_count = 0;
    ix.delete_ids = ids;
    ix.delete_count = nid;
    ix.language = set->language;
    ix.keep_diacritics = set->keep_diacritics;
    ix.feed = next_doc;
    ix.feed_ctx = &f;
    ix.before_commit = ix.dry_run ? NULL : vote;
    ix.before_commit_ctx = &f;
    ix.progress = NULL;
    indexer_summary sum;
    memset(&sum, 0, sizeof sum);
    if (rc == QUIRE_OK)
        rc = indexer_run(&ix, &sum);
    if (rc != QUIRE_OK && !f.secondary && !f.read_failed && rc != f.vote_rc) {
        char msg[2048];
        snprintf(msg, sizeof msg, "%s", quire_errmsg());
        rc = quire_error(rc, "shard %u: %s", (unsigned)shard, msg);
    }
    /* A process that stopped reading early still owes the others its rounds (one, saying
     * it failed, ends them all) and its vote. */
    if (!f.over) {
        char msg[2048];
        snprintf(msg, sizeof msg, "%s", quire_errmsg());
        (void)do_round(&f, true);
        (void)quire_error(rc, "%s", msg);
    }
    if (!f.voted)
        rc = quire_comm_agree(comm, f.secondary ? QUIRE_OK : rc);
    else if (f.vote_rc != QUIRE_OK)
        rc = f.vote_rc; /* the vote's message: the failed shard's */
    /* Past the vote every shard renames its manifest: say if one could not. */
    const int after = quire_comm_agree(comm, rc == f.vote_rc || !f.voted ? QUIRE_OK : rc);
    if (rc == QUIRE_OK)
        rc = after;
    add_summary(&out->total, &sum);
    out->total.input_bytes += f.input_bytes;
    out->bytes_sent += f.bytes_sent;
    for (uint32_t p = 0; f.send && p < f.size; p++)
        quire_buf_free(&f.send[p]);
    for (uint32_t p = 0; f.recv && p < f.size; p++)
        quire_buf_free(&f.recv[p]);
    quire_free(f.send);
    quire_free(f.recv);
    quire_free(ids);
    return rc;
}

int shard_index_run(const shard_index_opts *o, shard_index_summary *out)
{
    memset(out, 0, sizeof *out);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const quire_comm *comm = o->comm;
    const uint32_t size = quire_comm_size(comm);
    quire_shardset set;
    memset(&set, 0, sizeof set);
    plan pl;
    memset(&pl, 0, sizeof pl);
    int rc = quire_comm_rank(comm) == 0 ? prepare_set(o, &set) : QUIRE_OK;
    rc = quire_comm_agree(comm, rc);
    if (rc == QUIRE_OK && quire_comm_rank(comm) != 0)
        rc = quire_shardset_read(&set, o->ix.index_dir);
    if (rc == QUIRE_OK && set.shard_count % size != 0)
        rc = quire_error(QUIRE_EINVAL,
                         "%s: %u shards cannot be shared by %u processes (it "
                         "must divide the shard count)",
                         o->ix.index_dir, (unsigned)set.shard_count, (unsigned)size);
    if (rc == QUIRE_OK)
        rc = make_plan(&pl, o, size);
    rc = quire_comm_agree(comm, rc);
    shard_index_opts run = *o;
    run.shard_count = set.shard_count;
    out->shard_count = set.shard_count;
    out->passes = rc == QUIRE_OK ? set.shard_count / size : 0;
    out->chunks = pl.count;
    for (uint32_t pass = 0; pass < out->passes && rc == QUIRE_OK; pass++)
        rc = run_pass(&run, &pl, pass, out, &set);
    /* Every process's counts, summed. */
    uint64_t v[16] = {
        out->total.docs_added,   out->total.docs_skipped,     out->total.warnings,
        out->total.invalid_utf8, out->total.text_bytes,       out->total.input_bytes,
        out->total.tokens,       out->total.segments_flushed, out->total.docs_replaced,
        out->total.docs_deleted, out->total.delete_missing,   out->total.merges,
        out->total.segments,     out->total.stem_calls,       out->total.stem_hits,
        out->bytes_sent};
    if (quire_comm_sum(comm, v, 16) == QUIRE_OK) {
        indexer_summary *t = &out->total;
        t->docs_added = v[0];
        t->docs_skipped = v[1];
        t->warnings = v[2];
        t->invalid_utf8 = v[3];
        t->text_bytes = v[4];
        t->input_bytes = v[5];
        t->tokens = v[6];
        t->segments_flushed = (uint32_t)v[7];
        t->docs_replaced = v[8];
        t->docs_deleted = v[9];
        t->delete_missing = v[10];
        t->merges = (uint32_t)v[11];
        t->segments = (uint32_t)v[12];
        t->stem_calls = v[13];
        t->stem_hits = v[14];
        out->bytes_sent = v[15];
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->total.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    source_close(pl.walk);
    quire_free(pl.chunks);
    quire_shardset_free(&set);
    return rc;
}
