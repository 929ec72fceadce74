/*
 * indexer.c - one indexing run; see indexer.h.
 *
 *   reader (this thread) --batches--> workers (analyze.c) --in order--> inverter thread
 *
 * The reader cuts the input into batches of whole documents, a fixed number of bytes each;
 * workers analyse batches in any order; the inverter takes them strictly in sequence, so
 * doc ids and segment contents do not depend on the number of threads. When the inverter's
 * memory reaches its share of the budget it flushes a segment; at the end the run's
 * segments are merged into one and committed with the index's existing segments.
 */
#include "indexer.h"

#include <pthread.h>
#include <stdio.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "idmap.h"
#include "ingest.h"
#include "inverter.h"
#include "merge_policy.h"
#include "quire/analysis.h"
#include "quire/array.h"
#include "quire/ids.h"
#include "quire/index.h"
#include "quire/manifest.h"
#include "txn.h"

enum { SLOT_FREE, SLOT_FILLED, SLOT_ANALYZING, SLOT_ANALYZED };
/* An analysed slot's stored text: to compress, being compressed, compressed. */
enum { STORE_NONE, STORE_PENDING, STORE_CLAIMED, STORE_DONE };

typedef struct run {
    const indexer_opts *opts;
    indexer_summary *sum;
    txn t; /* the transaction: lock, the last commit, segment ids, what it created */
    quire_analyzer_opts aopts;
    char analyzer_id[256];
    uint64_t *run_segments; /* flushed by this run, in order */
    uint32_t run_segment_count, run_segment_cap;
    /* replace and delete by id */
    quire_index *ix;          /* the last commit, open (NULL if new) */
    idmap *ids;               /* live ids of ix and of this run's documents */
    quire_deletes *pending;   /* per segment of ix: its deletions, old and new */
    uint64_t *pending_tokens; /* per segment of ix: tokens of the documents in pending */
    bool deleted_any;         /* pending differs from ix's deletions */
    uint32_t ordinal;         /* documents of this run so far */
    quire_buf run_dead;       /* bit per run ordinal: replaced later in the run */
    ingest *in; /* the run's documents: inputs, a feed, or the caller's (opts->docs) */
    size_t batch_bytes;
    store_dict sdict;     /* the stored-text dictionary, trained on the first batch */
    bool sdict_given;     /* the inverter has it */
    inverter *inv;
    inv_form *forms; /* scratch for one document */
    uint32_t forms_cap;
    struct timespec start;
    /* pipeline */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *slots;
    int *state;
    int *store_state;
    uint32_t nslots;
    /* stored-text compressors: one per worker, then the reader's, then the inverter's */
    batch_compressor **comps;
    int ncomps;
    batch_compressor *reader_comp, *inv_comp; /* the last two of comps */
    uint64_t next_fill, next_analyze, next_invert;
    bool reader_done;
    int error;
    char error_msg[512];
} run;

static double elapsed(const run *r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - r->start.tv_sec) + (double)(now.tv_nsec - r->start.tv_nsec) / 1e9;
}

static uint64_t next_id(void *ctx)
{
    run *r = ctx;
    return txn_segment_id(&r->t);
}

static int segment_done(void *ctx, uint64_t id, const quire_segment_stats *st)
{
    run *r = ctx;
    (void)st;
    int rc = QUIRE_ARRAY_RESERVE(r->run_segments, r->run_segment_count, r->run_segment_cap, 16);
    if (rc != QUIRE_OK)
        return rc;
    r->run_segments[r->run_segment_count++] = id;
    r->sum->segments_flushed++;
    return QUIRE_OK;
}

static void warn_cb(void *ctx, const char *msg)
{
    run *r = ctx;
    r->sum->warnings++;
    if (r->opts->warn)
        r->opts->warn(r->opts->warn_ctx, msg);
}

static void skip_cb(void *ctx, const char *path, uint64_t line, const char *reason)
{
    run *r = ctx;
    if (r->opts->on_skip)
        r->opts->on_skip(r->opts->skip_ctx, INDEXER_SKIPPED, path, line, reason);
}

static size_t max_doc_bytes(const indexer_opts *opts);

/* Open the run's documents: the inputs, the shard set's feed, or the caller's stream;
 * r->in stays NULL for a run without documents (deletions, --optimize). */
static int open_ingest(run *r)
{
    const indexer_opts *o = r->opts;
    const ingest_opts io = {.inputs = o->inputs,
                            .input_count = o->feed || o->docs ? 0 : o->input_count,
                            .feed = o->feed ? o->feed : o->docs,
                            .feed_ctx = o->feed ? o->feed_ctx : o->docs_ctx,
                            .allow_missing = o->allow_missing,
                            .stop_on_error = o->stop_on_error,
                            .encoding = (source_encoding)o->encoding,
                            .max_doc_bytes = max_doc_bytes(o),
                            .max_doc_why = " (a document is analysed whole, in about 5 bytes of "
                                           "memory per byte of text: the most is a sixth of "
                                           "--memory)",
                            .warn = warn_cb,
                            .warn_ctx = r,
                            .skip = skip_cb,
                            .skip_ctx = r};
    if (io.feed == NULL && io.input_count == 0)
        return QUIRE_OK;
    return ingest_open(&r->in, &io);
}

/* The input bytes read and the items skipped by the run's documents, into the summary:
 * the ingest's, or those of the caller's stream when it reads files itself. */
static void count_inputs(run *r)
{
    const indexer_opts *o = r->opts;
    if (o->docs) {
        uint64_t total;
        r->sum->input_bytes = 0;
        r->sum->docs_skipped = 0;
        if (o->docs_counts)
            o->docs_counts(o->docs_ctx, &r->sum->input_bytes, &total, &r->sum->docs_skipped);
    } else if (r->in && !o->feed) {
        r->sum->docs_skipped = ingest_skipped_count(r->in);
        r->sum->input_bytes = ingest_bytes_read(r->in);
    }
}

/* A run whose inputs had bytes, or lost something, and gave no document fails unless
 * allow_empty: a nightly job must not take "nothing indexed" for success. */
static int check_not_empty(const run *r)
{
    const indexer_opts *o = r->opts;
    const indexer_summary *s = r->sum;
    const size_t inputs = o->docs ? o->docs_input_count : o->input_count;
    if (o->allow_empty || inputs == 0 || s->docs_added > 0 ||
        (s->docs_skipped == 0 && s->input_bytes == 0))
        return QUIRE_OK;
    return quire_error(QUIRE_EINVAL,
                       "no document was indexed from the %zu input%s (%llu skipped, %.2f MB read)",
                       inputs, inputs == 1 ? "" : "s",
                       (unsigned long long)s->docs_skipped, (double)s->input_bytes / 1048576.0);
}

static void report_progress(run *r, bool final)
{
    if (!r->opts->progress || !r->in)
        return;
    indexer_progress p = {r->sum->docs_added, ingest_bytes_read(r->in), ingest_bytes_total(r->in),
                          elapsed(r), final};
    if (r->opts->docs && r->opts->docs_counts) {
        uint64_t skipped;
        r->opts->docs_counts(r->opts->docs_ctx, &p.bytes_read, &p.bytes_total, &skipped);
    }
    r->opts->progress(r->opts->progress_ctx, &p);
}

/* ---- reading ---- */

/* The next document (ingest.h: fields a stream leaves alone are 0). */
static int next_doc(run *r, source_doc *d)
{
    return ingest_next(r->in, d);
}

/* Fill a batch from the source. Returns QUIRE_OK (b->doc_count may be 0 at the end). */
static int fill_batch(run *r, batch *b, bool *at_end)
{
    batch_reset(b);
    *at_end = false;
    while (b->raw.len < r->batch_bytes) {
        source_doc d;
        int rc = next_doc(r, &d);
        if (rc == 1) {
            *at_end = true;
            break;
        }
        if (rc != QUIRE_OK)
            return rc;
        rc = QUIRE_ARRAY_RESERVE(b->docs, b->doc_count, b->doc_cap, 256);
        if (rc != QUIRE_OK)
            return rc;
        batch_doc *bd = &b->docs[b->doc_count++];
        memset(bd, 0, sizeof *bd);
        size_t olen = strlen(d.origin);
        bd->id_off = b->raw.len;
        bd->id_len = d.external_id_len;
        quire_buf_put(&b->raw, d.external_id, d.external_id_len);
        bd->title_off = b->raw.len;
        bd->title_len = d.title_len;
        quire_buf_put(&b->raw, d.title, d.title_len);
        bd->origin_off = b->raw.len;
        bd->origin_len = olen;
        quire_buf_put(&b->raw, d.origin, olen);
        bd->text_off = b->raw.len;
        bd->text_len = d.text_len;
        quire_buf_put(&b->raw, d.text, d.text_len);
        bd->date = d.date;
        bd->line = d.line;
        bd->text_line = d.text_line;
        bd->text_column = d.text_column;
        bd->text_offset = d.text_offset;
        bd->text_verbatim = d.text_verbatim;
        if (b->raw.err)
            return quire_error(QUIRE_ENOMEM, "out of memory reading %s", d.origin);
    }
    return QUIRE_OK;
}

/* ---- replace and delete by id ---- */

typedef struct hit_ctx {
    run *r;
    uint64_t found; /* documents of the index newly deleted */
} hit_ctx;

static void hit_index(void *ctx, uint32_t seg, uint32_t doc)
{
    hit_ctx *h = ctx;
    if (seg == IDMAP_RUN)
        return;
    run *r = h->r;
    if (quire_deletes_set(&r->pending[seg], doc)) {
        r->pending_tokens[seg] += quire_segment_doc_len(quire_index_segment(r->ix, seg), doc);
        r->deleted_any = true;
        h->found++;
    }
}

/* A document of this run with this id: older versions in the index and earlier in the
 * run are deleted. */
static int track_id(run *r, const char *id, size_t len)
{
    hit_ctx h = {r, 0};
    int rc = idmap_find(r->ids, id, len, hit_index, &h);
    uint32_t prev = UINT32_MAX;
    if (rc == QUIRE_OK)
        rc = idmap_put_run(r->ids, id, len, r->ordinal, &prev);
    if (rc != QUIRE_OK)
        return rc;
    size_t need = (size_t)r->ordinal / 8 + 1;
    while (r->run_dead.len < need && !r->run_dead.err)
        quire_buf_put_byte(&r->run_dead, 0);
    if (r->run_dead.err)
        return quire_oom();
    if (prev != UINT32_MAX)
        r->run_dead.data[prev / 8] |= (uint8_t)(1u << (prev % 8));
    if (h.found || prev != UINT32_MAX)
        r->sum->docs_replaced++;
    r->ordinal++;
    return QUIRE_OK;
}

static bool run_is_dead(const run *r, uint32_t ordinal)
{
    return ordinal / 8 < r->run_dead.len && (r->run_dead.data[ordinal / 8] >> (ordinal % 8)) & 1;
}

/* Open the last commit, read its ids, and apply --delete. */
static int prepare_ids(run *r, bool need_index)
{
    const char *dir = r->opts->index_dir;
    int rc = idmap_new(&r->ids);
    if (rc != QUIRE_OK || !need_index)
        return rc;
    bool fell_back = false;
    rc = quire_index_open(&r->ix, dir, &fell_back);
    if (rc == QUIRE_ENOTFOUND) {
        r->ix = NULL;
        rc = QUIRE_OK;
    }
    if (rc != QUIRE_OK)
        return rc;
    if (r->ix && r->t.have_base && quire_index_manifest(r->ix)->generation != r->t.base.generation)
        return quire_error(QUIRE_EIO, "%s: the index changed while opening it", dir);
    uint32_t n = r->ix ? quire_index_segment_count(r->ix) : 0;
    r->pending = quire_calloc(n + 1, sizeof *r->pending);
    r->pending_tokens = quire_calloc(n + 1, sizeof *r->pending_tokens);
    if (!r->pending || !r->pending_tokens)
        return quire_oom();
    for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++) {
        const quire_deletes *d = quire_index_deletes(r->ix, i);
        rc = d ? quire_deletes_copy(&r->pending[i], d)
               : quire_deletes_init(
                     &r->pending[i],
                     quire_segment_get_stats(quire_index_segment(r->ix, i))->doc_count);
        r->pending_tokens[i] = quire_index_manifest(r->ix)->segments[i].deleted_tokens;
    }
    if (rc == QUIRE_OK)
        rc = idmap_add_index(r->ids, r->ix, dir);
    for (size_t k = 0; k < r->opts->delete_count && rc == QUIRE_OK; k++) {
        const char *id = r->opts->delete_ids[k];
        hit_ctx h = {r, 0};
        rc = r->ix ? idmap_find(r->ids, id, strlen(id), hit_index, &h) : QUIRE_OK;
        if (rc != QUIRE_OK)
            break;
        if (h.found) {
            r->sum->docs_deleted += h.found;
        } else {
            r->sum->delete_missing++;
            char msg[600];
            snprintf(msg, sizeof msg, "--delete %.500s: no document with this id in %s", id, dir);
            if (r->opts->on_skip)
                r->opts->on_skip(r->opts->skip_ctx, INDEXER_DELETE_NOT_FOUND, id, 0,
                                 "no document with this id");
            if (r->opts->warn)
                r->opts->warn(r->opts->warn_ctx, msg);
            r->sum->warnings++;
        }
    }
    return rc;
}

/* Free what prepare_ids() and track_id() made. */
static void free_ids(run *r)
{
    idmap_free(r->ids);
    for (uint32_t i = 0; r->pending && r->ix && i < quire_index_segment_count(r->ix); i++)
        quire_deletes_free(&r->pending[i]);
    quire_free(r->pending);
    quire_free(r->pending_tokens);
    quire_index_close(r->ix);
    quire_buf_free(&r->run_dead);
}

/* --dry-run: read the inputs, count what they would add and replace; write nothing. */
static int dry_run(run *r)
{
    int rc = QUIRE_OK;
    while (rc == QUIRE_OK) {
        source_doc d;
        rc = next_doc(r, &d);
        if (rc == 1) {
            rc = QUIRE_OK;
            break;
        }
        if (rc == QUIRE_OK)
            rc = track_id(r, d.external_id, d.external_id_len);
        if (rc == QUIRE_OK)
            r->sum->docs_added++;
    }
    return rc;
}

/* ---- inverting ---- */

/* The documents of an analysed batch into the inverter (invert_store() then adds its
 * compressed stored text). */
static int invert_docs(run *r, batch *b)
{
    const char *raw = (const char *)b->raw.data;
    const char *clean = (const char *)b->clean.data;
    const batch_form *bf = (const batch_form *)(const void *)b->forms.data;
    const uint32_t *positions = (const uint32_t *)(const void *)b->positions.data;
    const char *strings = (const char *)b->strings.data;
    /* the segments' stored-text dictionary: the run's first batch, analysed by now,
     * published it */
    if (!r->sdict_given) {
        quire_bytes dict;
        int rc = store_dict_wait(&r->sdict, &dict);
        if (rc != QUIRE_OK)
            return rc;
        inverter_set_store_dict(r->inv, dict);
        r->sdict_given = true;
    }
    for (uint32_t i = 0; i < b->doc_count; i++) {
        const batch_doc *d = &b->docs[i];
        const uint32_t terms = d->form_count + d->pair_count; /* its pairs follow its forms */
        if (terms > r->forms_cap) {
            inv_form *n = quire_realloc(r->forms, terms * sizeof *n);
            if (!n)
                return quire_oom();
            r->forms = n;
            r->forms_cap = terms;
        }
        for (uint32_t k = 0; k < terms; k++) {
            const batch_form *f = &bf[d->form_start + k];
            inv_form *o = &r->forms[k];
            o->form = strings + f->form_off;
            o->form_len = f->form_len;
            o->stem = strings + f->stem_off;
            o->stem_len = f->stem_len;
            o->form_hash = f->form_hash;
            o->stem_hash = f->stem_hash;
            o->tf = f->tf;
            o->positions = positions + f->pos_off;
            o->word = f->word;
        }
        quire_doc_info info;
        memset(&info, 0, sizeof info);
        info.external_id = quire_bytes_of(clean + d->clean_id_off, d->clean_id_len);
        info.title = quire_bytes_of(clean + d->clean_title_off, d->clean_title_len);
        info.origin = quire_bytes_of(raw + d->origin_off, d->origin_len);
        info.date = d->date;
        info.text_len = d->stored_len;
        info.doc_len = d->doc_len;
        info.title_len = d->title_tokens;
        /* where the text lies in its file; byte offsets only if it is the file's bytes */
        info.src_line = d->text_line ? d->text_line : d->line;
        info.src_column = d->text_column;
        info.src_offset_plus1 = d->text_verbatim && !d->invalid ? d->text_offset + 1 : 0;
        info.text_map = quire_bytes_of(clean + d->text_map_off, d->text_map_len);
        int rc = track_id(r, (const char *)info.external_id.ptr, info.external_id.len);
        if (rc == QUIRE_OK)
            rc = inverter_add_doc(r->inv, &info, r->forms, terms, b->worker, d->vocab_epoch);
        if (rc != QUIRE_OK)
            return rc;
        r->sum->docs_added++;
        r->sum->tokens += d->doc_len;
        r->sum->text_bytes += d->clean_title_len + d->stored_len;
        r->sum->invalid_utf8 += d->invalid;
        if (d->invalid && r->opts->warn) {
            char msg[600];
            char where[32] = "";
            if (d->line)
                snprintf(where, sizeof where, ":%llu", (unsigned long long)d->line);
            snprintf(msg, sizeof msg,
                     "%.*s%s: document %.*s: %u invalid UTF-8 sequence%s replaced by U+FFFD",
                     (int)(d->origin_len > 300 ? 300 : d->origin_len), raw + d->origin_off, where,
                     (int)(d->id_len > 200 ? 200 : d->id_len), raw + d->id_off, d->invalid,
                     d->invalid == 1 ? "" : "s");
            warn_cb(r, msg);
        }
    }
    return QUIRE_OK;
}

/* The batch's stored-text blocks (compressed by now), back to back, after its documents;
 * then a flush if the inverter is full. */
static int invert_store(run *r, batch *b)
{
    size_t off = 0;
    while (off < b->store.len) {
        uint32_t clen = quire_load_le32(b->store.data + off + 4);
        size_t n = 12 + (size_t)clen;
        int rc = inverter_add_store_block(r->inv, quire_bytes_of(b->store.data + off, n));
        if (rc != QUIRE_OK)
            return rc;
        off += n;
    }
    if (inverter_is_full(r->inv))
        return inverter_flush(r->inv);
    return QUIRE_OK;
}

static int invert_batch(run *r, batch *b)
{
    const int rc = invert_docs(r, b);
    return rc == QUIRE_OK ? invert_store(r, b) : rc;
}

/* ---- the pipeline ---- */

typedef struct worker_arg {
    run *r;
    analyze_worker *w;
    batch_compressor *c;
} worker_arg;

static void set_error(run *r, int rc)
{
    if (r->error == QUIRE_OK) {
        r->error = rc;
        snprintf(r->error_msg, sizeof r->error_msg, "%s", quire_errmsg());
    }
    pthread_cond_broadcast(&r->cv);
}

/* Claim slot s's pending stored text and compress it with c (called with r->mu held,
 * which it lets go meanwhile; returns with it held). */
static void compress_slot(run *r, uint32_t s, batch_compressor *c)
{
    r->store_state[s] = STORE_CLAIMED;
    pthread_mutex_unlock(&r->mu);
    const int rc = batch_compress(c, &r->slots[s]);
    pthread_mutex_lock(&r->mu);
    if (rc != QUIRE_OK)
        set_error(r, rc);
    r->store_state[s] = STORE_DONE;
    pthread_cond_broadcast(&r->cv);
}

/* Compress the analysed slot of the lowest seq whose stored text waits for it, with c: a
 * thread that would otherwise wait does this (called with r->mu held; returns with it held).
 * false: there was none. */
static bool compress_pending(run *r, batch_compressor *c)
{
    uint32_t s = r->nslots;
    for (uint32_t i = 0; i < r->nslots; i++)
        if (r->store_state[i] == STORE_PENDING &&
            (s == r->nslots || r->slots[i].seq < r->slots[s].seq))
            s = i;
    if (s == r->nslots || r->error != QUIRE_OK)
        return false;
    compress_slot(r, s, c);
    return true;
}

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    run *r = wa->r;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        /* Another worker may claim the awaited slot first: take the next slot again after
         * every wake-up, or two workers wait on one slot while the next one is never
         * analysed and the inverter waits for it forever. */
        uint32_t s = (uint32_t)(r->next_analyze % r->nslots);
        while (r->error == QUIRE_OK && r->state[s] != SLOT_FILLED &&
               !(r->reader_done && r->next_analyze == r->next_fill)) {
            if (!compress_pending(r, wa->c))
                pthread_cond_wait(&r->cv, &r->mu);
            s = (uint32_t)(r->next_analyze % r->nslots);
        }
        if (r->error != QUIRE_OK || r->state[s] != SLOT_FILLED)
            break;
        r->state[s] = SLOT_ANALYZING;
        r->next_analyze++;
        pthread_mutex_unlock(&r->mu);
        int rc = analyze_batch(wa->w, &r->slots[s]);
        if (rc != QUIRE_OK)
            store_dict_fail(&r->sdict); /* whoever waits for it stops */
        pthread_mutex_lock(&r->mu);
        if (rc != QUIRE_OK) {
            set_error(r, rc);
            break;
        }
        r->state[s] = SLOT_ANALYZED;
        r->store_state[s] = STORE_PENDING;
        pthread_cond_broadcast(&r->cv);
    }
    while (compress_pending(r, wa->c)) /* nothing left to analyse: help the inverter */
        ;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void *inverter_main(void *arg)
{
    run *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        uint32_t s = (uint32_t)(r->next_invert % r->nslots);
        while (r->error == QUIRE_OK && r->state[s] != SLOT_ANALYZED &&
               !(r->reader_done && r->next_invert == r->next_fill))
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->error != QUIRE_OK || r->state[s] != SLOT_ANALYZED)
            break;
        /* its documents first, giving a waiting thread the time to compress its text */
        pthread_mutex_unlock(&r->mu);
        int rc = invert_docs(r, &r->slots[s]);
        pthread_mutex_lock(&r->mu);
        if (rc != QUIRE_OK) {
            set_error(r, rc);
            break;
        }
        /* its stored text: compressed here unless another thread has taken it */
        while (r->error == QUIRE_OK && r->store_state[s] != STORE_DONE) {
            if (r->store_state[s] == STORE_PENDING)
                compress_slot(r, s, r->inv_comp);
            else
                pthread_cond_wait(&r->cv, &r->mu);
        }
        if (r->error != QUIRE_OK)
            break;
        pthread_mutex_unlock(&r->mu);
        rc = invert_store(r, &r->slots[s]);
        pthread_mutex_lock(&r->mu);
        if (rc != QUIRE_OK) {
            set_error(r, rc);
            break;
        }
        r->state[s] = SLOT_FREE;
        r->store_state[s] = STORE_NONE;
        r->next_invert++;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static int run_threaded(run *r, analyze_worker **workers, int threads)
{
    pthread_t inv_thread, *wt = quire_calloc((size_t)threads, sizeof *wt);
    worker_arg *args = quire_calloc((size_t)threads, sizeof *args);
    if (!wt || !args) {
        quire_free(wt);
        quire_free(args);
        return quire_oom();
    }
    int started = 0;
    bool inv_started = false;
    int rc = QUIRE_OK;
    for (int i = 0; i < threads; i++) {
        args[i].r = r;
        args[i].w = workers[i];
        args[i].c = r->comps[i];
        if (pthread_create(&wt[i], NULL, worker_main, &args[i]) != 0) {
            rc = quire_error(QUIRE_EIO, "cannot start a thread");
            break;
        }
        started++;
    }
    if (rc == QUIRE_OK) {
        if (pthread_create(&inv_thread, NULL, inverter_main, r) != 0)
            rc = quire_error(QUIRE_EIO, "cannot start a thread");
        else
            inv_started = true;
    }
    pthread_mutex_lock(&r->mu);
    if (rc != QUIRE_OK)
        set_error(r, rc);
    double last = 0;
    while (r->error == QUIRE_OK) {
        uint32_t s = (uint32_t)(r->next_fill % r->nslots);
        while (r->error == QUIRE_OK && r->state[s] != SLOT_FREE)
            if (!compress_pending(r, r->reader_comp))
                pthread_cond_wait(&r->cv, &r->mu);
        if (r->error != QUIRE_OK)
            break;
        pthread_mutex_unlock(&r->mu);
        bool at_end;
        int frc = fill_batch(r, &r->slots[s], &at_end);
        double now = elapsed(r);
        if (now - last > 0.25) {
            report_progress(r, false);
            last = now;
        }
        pthread_mutex_lock(&r->mu);
        if (frc != QUIRE_OK) {
            set_error(r, frc);
            break;
        }
        if (r->slots[s].doc_count > 0) {
            r->slots[s].seq = r->next_fill;
            r->state[s] = SLOT_FILLED;
            r->next_fill++;
        }
        if (at_end) {
            r->reader_done = true;
            pthread_cond_broadcast(&r->cv);
            break;
        }
        pthread_cond_broadcast(&r->cv);
    }
    /* all read: compress what waits for it until everything is inverted */
    while (r->error == QUIRE_OK && r->next_invert < r->next_fill)
        if (!compress_pending(r, r->reader_comp))
            pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < started; i++)
        pthread_join(wt[i], NULL);
    if (inv_started)
        pthread_join(inv_thread, NULL);
    quire_free(wt);
    quire_free(args);
    if (r->error != QUIRE_OK)
        return quire_error(r->error, "%s", r->error_msg);
    return QUIRE_OK;
}

static int run_inline(run *r, analyze_worker *w)
{
    batch *b = &r->slots[0];
    double last = 0;
    for (;;) {
        bool at_end;
        int rc = fill_batch(r, b, &at_end);
        if (rc == QUIRE_OK && b->doc_count > 0)
            rc = analyze_batch(w, b);
        if (rc == QUIRE_OK && b->doc_count > 0)
            rc = batch_compress(r->comps[0], b);
        if (rc == QUIRE_OK && b->doc_count > 0)
            rc = invert_batch(r, b);
        if (rc != QUIRE_OK)
            return rc;
        double now = elapsed(r);
        if (now - last > 0.25) {
            report_progress(r, false);
            last = now;
        }
        if (at_end)
            return QUIRE_OK;
    }
}

/* ---- setup, merge, commit ---- */

static int check_analyzer(run *r)
{
    const indexer_opts *o = r->opts;
    const char *lang = o->language;
    bool keep = o->keep_diacritics == 1;
    if (r->t.have_base) {
        if (lang && strcmp(lang, r->t.base.language) != 0)
            return quire_error(QUIRE_EMISMATCH,
                               "%s: index was built with language '%s', not '%s' (an index has "
                               "one language; use another index directory)",
                               o->index_dir, r->t.base.language, lang);
        if (o->keep_diacritics != -1 && keep != r->t.base.keep_diacritics)
            return quire_error(QUIRE_EMISMATCH, "%s: index was built with diacritics %s",
                               o->index_dir, r->t.base.keep_diacritics ? "kept" : "folded");
        lang = r->t.base.language;
        keep = r->t.base.keep_diacritics;
    }
    r->aopts.language = lang ? lang : "english";
    r->aopts.keep_diacritics = keep;
    return QUIRE_OK;
}

/* Build the commit: the last commit's segments with their new deletions, the run's
 * segment (its own segments merged into one), the merge policy; then the manifest, in
 * the run's transaction. */
static int commit(run *r)
{
    const char *dir = r->opts->index_dir;
    merge_ctx m = {&r->t,         r->opts->zlib_level, r->opts->optimize,
                   r->opts->warn, r->opts->warn_ctx,   r->sum,
                   false};
    int rc = QUIRE_OK;
    uint64_t new_id = 0;
    quire_segment_stats st;
    bool have_new = r->run_segment_count > 0;
#if defined(__GLIBC__)
    /* what the pipeline's threads freed stays in glibc's arenas: hand it back before the
     * merge allocates its own (Wikipedia sample, --threads 2 --memory 64M: peak RSS 142 ->
     * 103 MB, the peak being this merge) */
    malloc_trim(0);
#endif
    if (r->run_segment_count > 1)
        rc = merge_run_segments(&m, r->run_segments, &r->run_segment_count, &new_id, &st);
    else if (have_new)
        new_id = r->run_segments[0];
    if (rc != QUIRE_OK)
        return rc;
    if (!have_new && r->t.have_base && !r->deleted_any && !r->opts->optimize) {
        r->sum->generation = r->t.base.generation;
        r->sum->segments = r->t.base.segment_count;
        /* nothing new: the last commit stands (a shard set's vote is still cast) */
        return r->opts->before_commit ? r->opts->before_commit(r->opts->before_commit_ctx)
                                      : QUIRE_OK;
    }

    uint32_t nbase = r->ix ? quire_index_segment_count(r->ix) : 0;
    centry *es = quire_calloc(nbase + 2, sizeof *es);
    if (!es)
        return quire_oom();
    uint32_t count = 0;
    for (uint32_t i = 0; i < nbase && rc == QUIRE_OK; i++) {
        const quire_manifest_segment *ms = &quire_index_manifest(r->ix)->segments[i];
        if (r->pending[i].deleted_count == ms->doc_count)
            continue; /* nothing left alive: drops out of the index */
        centry *e = &es[count++];
        e->ms = *ms;
        e->seg = (quire_segment *)quire_index_segment(r->ix, i);
        if (r->pending[i].deleted_count) {
            rc = quire_deletes_copy(&e->del, &r->pending[i]);
            e->del_changed = r->pending[i].deleted_count != ms->deleted_count;
            e->ms.deleted_count = r->pending[i].deleted_count;
            e->ms.deleted_tokens = r->pending_tokens[i];
        }
    }
    if (rc == QUIRE_OK && have_new) {
        centry *e = &es[count++];
        rc = quire_segment_open(&e->seg, dir, new_id);
        e->own_seg = rc == QUIRE_OK;
        e->uncommitted = true;
        if (rc == QUIRE_OK) {
            st = *quire_segment_get_stats(e->seg);
            e->ms.id = new_id;
            e->ms.doc_count = st.doc_count;
            e->ms.total_tokens = st.total_tokens;
        }
        if (rc == QUIRE_OK && st.doc_count != r->ordinal)
            rc = quire_error(QUIRE_EIO, "run segment holds %u documents, %u were added",
                             st.doc_count, r->ordinal);
        for (uint32_t d = 0; rc == QUIRE_OK && d < st.doc_count; d++) {
            if (!run_is_dead(r, d))
                continue;
            if (!e->del.bits)
                rc = quire_deletes_init(&e->del, st.doc_count);
            if (rc == QUIRE_OK && quire_deletes_set(&e->del, d)) {
                e->ms.deleted_count++;
                e->ms.deleted_tokens += quire_segment_doc_len(e->seg, d);
            }
            e->del_changed = true;
        }
    }
    /* the new segment is listed in r->run_segments; merges below take it over */
    if (rc == QUIRE_OK && have_new) {
        r->run_segment_count = 0;
        rc = txn_created(&r->t, new_id);
    }
    if (rc == QUIRE_OK)
        rc = merge_apply_policy(&m, es, &count);

    quire_manifest next;
    memset(&next, 0, sizeof next);
    if (rc == QUIRE_OK)
        rc = txn_next_generation(&r->t, &next.generation);
    for (uint32_t i = 0; i < count && rc == QUIRE_OK; i++) {
        centry *e = &es[i];
        if (!e->del.bits || !e->del.deleted_count) {
            e->ms.deletes_gen = 0;
            e->ms.deleted_count = 0;
            e->ms.deleted_tokens = 0;
        } else if (e->del_changed || e->uncommitted) {
            rc = quire_deletes_write(dir, e->ms.id, next.generation, &e->del);
            e->ms.deletes_gen = next.generation;
        }
    }
    next.next_segment_id = r->t.next_segment_id;
    next.analyzer_id = r->analyzer_id;
    next.language = (char *)(uintptr_t)r->aopts.language;
    next.keep_diacritics = r->aopts.keep_diacritics;
    next.segments = quire_calloc(count + 1, sizeof *next.segments);
    if (rc == QUIRE_OK && !next.segments)
        rc = quire_oom();
    for (uint32_t i = 0; i < count && rc == QUIRE_OK; i++)
        next.segments[i] = es[i].ms;
    next.segment_count = count;
    /* the manifest lists segments with ascending ids in doc order: a merge output (a new,
     * higher id) in the middle breaks that, so the order becomes the ids' order */
    for (uint32_t i = 1; i < count && rc == QUIRE_OK; i++) {
        quire_manifest_segment x = next.segments[i];
        uint32_t j = i;
        for (; j > 0 && next.segments[j - 1].id > x.id; j--)
            next.segments[j] = next.segments[j - 1];
        next.segments[j] = x;
    }
    if (rc == QUIRE_OK && r->opts->before_commit)
        rc = r->opts->before_commit(r->opts->before_commit_ctx);
    if (rc == QUIRE_OK)
        rc = txn_commit(&r->t, &next);
    if (rc == QUIRE_OK) {
        r->sum->generation = next.generation;
        r->sum->committed = true;
        r->sum->segments = count;
    }
    quire_free(next.segments);
    for (uint32_t i = 0; i < count; i++)
        centry_free(&es[i]);
    quire_free(es);
    return rc;
}

/* Whether libstemmer knows `lang`: checked before the lock, which creates the directory,
 * so that a mistyped language leaves nothing behind. */
static int check_language(const char *lang)
{
    if (!lang)
        return QUIRE_OK;
    char known[1024] = "";
    size_t used = 0;
    for (const char **l = quire_analyzer_languages(); *l; l++) {
        if (strcmp(*l, lang) == 0)
            return QUIRE_OK;
        int n = snprintf(known + used, sizeof known - used, "%s%s", used ? " " : "", *l);
        if (n > 0 && (size_t)n < sizeof known - used)
            used += (size_t)n;
    }
    return quire_error(QUIRE_EINVAL, "unknown language '%s' (known: %s)", lang, known);
}

/* The largest document a run reads: a document is analysed whole (its tokens, forms and
 * positions at about 33 bytes a token, ~5.3 bytes per byte of text), so a document larger
 * than a sixth of the memory budget is skipped with a warning rather than let the run's
 * memory pass the budget; and never more than the sources' own 1 GiB. */
static size_t max_doc_bytes(const indexer_opts *opts)
{
    const size_t budget = opts->memory ? opts->memory : (size_t)1 << 30;
    const size_t most = budget / 6;
    return most < ((size_t)1 << 30) ? most : (size_t)1 << 30;
}

size_t indexer_max_doc_bytes(const indexer_opts *opts)
{
    return max_doc_bytes(opts);
}

int indexer_run(const indexer_opts *opts, indexer_summary *summary)
{
    run r;
    memset(&r, 0, sizeof r);
    memset(summary, 0, sizeof *summary);
    r.opts = opts;
    r.sum = summary;
    clock_gettime(CLOCK_MONOTONIC, &r.start);
    const char *dir = opts->index_dir;

    int rc = check_language(opts->language);
    if (rc == QUIRE_OK)
        rc = ingest_check_inputs(opts->inputs, opts->input_count, opts->allow_missing);
    if (rc != QUIRE_OK)
        return rc;
    if (opts->docs && opts->input_count)
        return quire_error(QUIRE_EINVAL, "%s: documents from memory go without inputs", dir);
    if (opts->dry_run) {
        /* no lock, no cleanup, nothing written: read the last commit and the inputs */
        rc = txn_begin(&r.t, dir, TXN_READ_ONLY);
        if (rc == QUIRE_OK)
            rc = prepare_ids(&r, r.t.have_base);
        if (rc == QUIRE_OK)
            rc = open_ingest(&r);
        if (rc == QUIRE_OK && r.in)
            rc = dry_run(&r);
        if (r.in && (!opts->feed || opts->docs)) {
            count_inputs(&r);
            if (rc == QUIRE_OK)
                rc = check_not_empty(&r);
        }
        summary->generation = r.t.have_base ? r.t.base.generation : 0;
        ingest_close(r.in);
        free_ids(&r);
        txn_end(&r.t);
        summary->seconds = elapsed(&r);
        return rc;
    }
    /* the lock (unless the caller holds it) and the last commit; a failure goes through
     * to the end, where the transaction ends with nothing written */
    rc = txn_begin(&r.t, dir, opts->lock_held ? TXN_LOCK_HELD : TXN_LOCK);
    if (rc == QUIRE_OK)
        rc = check_analyzer(&r);
    if (rc == QUIRE_OK)
        txn_cleanup(&r.t);

    /* the last commit's ids (a document with one of them replaces it) and --delete */
    if (rc == QUIRE_OK)
        rc = prepare_ids(&r, r.t.have_base);

    int threads = opts->threads > 0 ? opts->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if (threads > 64)
        threads = 64;
    /* --threads counts the threads that work: with one, everything runs in this thread;
     * with N > 1, N - 1 analysis workers and the inverter (the reader, this thread, mostly
     * waits on them). */
    const int nworkers = threads == 1 ? 1 : threads - 1;
    size_t memory = opts->memory ? opts->memory : (size_t)1 << 30;
    /* Budget: batches in flight take about 8x their text (copies, tokens, positions,
     * compressed blocks); each analyzer's stem cache gets 1/16 of the budget shared
     * between the workers (1 to 64 MiB each), and each worker's vocabulary as much, and
     * the inverter's map of its words (4 bytes each, under a tenth of that); a fifth is
     * left for what is not counted (allocator overhead, the writer's buffers, pages a
     * merge maps); the inverter gets the rest, at least 4 MiB. */
    r.batch_bytes = memory / 128;
    if (r.batch_bytes < 64 * 1024)
        r.batch_bytes = 64 * 1024;
    if (r.batch_bytes > 4 * 1024 * 1024)
        r.batch_bytes = 4 * 1024 * 1024;
    r.nslots = threads == 1 ? 1 : (uint32_t)nworkers + 2;
    size_t cache_each = memory / 16 / (size_t)nworkers;
    if (cache_each < (1u << 20))
        cache_each = 1u << 20;
    if (cache_each > ((size_t)64 << 20))
        cache_each = (size_t)64 << 20;
    r.aopts.stem_cache_bytes = cache_each;
    size_t reserve = (size_t)r.nslots * r.batch_bytes * 8 +
                     (2 * cache_each + cache_each / 10) * (size_t)nworkers + memory / 5;
    size_t inv_budget = memory > reserve + (4u << 20) ? memory - reserve : (4u << 20);

    analyze_worker **workers = NULL;
    if (rc == QUIRE_OK) {
        r.slots = quire_calloc(r.nslots, sizeof *r.slots);
        r.state = quire_calloc(r.nslots, sizeof *r.state);
        r.store_state = quire_calloc(r.nslots, sizeof *r.store_state);
        r.ncomps = nworkers + 2;
        r.comps = quire_calloc((size_t)r.ncomps, sizeof *r.comps);
        workers = quire_calloc((size_t)nworkers, sizeof *workers);
        if (!r.slots || !r.state || !r.store_state || !r.comps || !workers)
            rc = quire_oom();
    }
    store_dict_init(&r.sdict);
    for (int i = 0; rc == QUIRE_OK && i < nworkers; i++) {
        rc = analyze_worker_new(&workers[i], &r.aopts, cache_each, (uint32_t)i);
        if (rc == QUIRE_OK)
            analyze_worker_set_store_dict(workers[i], &r.sdict);
    }
    for (int i = 0; rc == QUIRE_OK && i < r.ncomps; i++)
        rc = batch_compressor_new(
            &r.comps[i], opts->zlib_level < 0 ? QUIRE_STORE_LEVEL_DEFAULT : opts->zlib_level,
            &r.sdict);
    if (rc == QUIRE_OK) {
        r.reader_comp = r.comps[r.ncomps - 2];
        r.inv_comp = r.comps[r.ncomps - 1];
    }
    if (rc == QUIRE_OK) {
        snprintf(r.analyzer_id, sizeof r.analyzer_id, "%s",
                 quire_analyzer_id(analyze_worker_analyzer(workers[0])));
        if (r.t.have_base && strcmp(r.analyzer_id, r.t.base.analyzer_id) != 0)
            rc = quire_error(QUIRE_EMISMATCH,
                             "%s: index was built by analyzer '%s'; this build's is '%s'", dir,
                             r.t.base.analyzer_id, r.analyzer_id);
    }
    if (rc == QUIRE_OK)
        rc = inverter_new(&r.inv, dir, inv_budget, next_id, segment_done, &r);
    if (rc == QUIRE_OK && inverter_pairs_enabled()) {
        uint32_t n = 0;
        const char *const *common =
            quire_analyzer_common_words(analyze_worker_analyzer(workers[0]), &n);
        rc = inverter_set_pair_set(r.inv, common, n);
    }
    if (rc == QUIRE_OK)
        rc = open_ingest(&r);
    if (rc == QUIRE_OK && r.in) {
        pthread_mutex_init(&r.mu, NULL);
        pthread_cond_init(&r.cv, NULL);
        rc = threads == 1 ? run_inline(&r, workers[0]) : run_threaded(&r, workers, nworkers);
        pthread_mutex_destroy(&r.mu);
        pthread_cond_destroy(&r.cv);
    }
    if (rc == QUIRE_OK)
        rc = inverter_flush(r.inv);
    if (r.in)
        count_inputs(&r);
    if (rc == QUIRE_OK)
        rc = check_not_empty(&r);
    if (rc == QUIRE_OK)
        rc = commit(&r);
    if (rc != QUIRE_OK) { /* never committed: remove what this run wrote */
        for (uint32_t i = 0; i < r.run_segment_count; i++)
            quire_segment_remove(dir, r.run_segments[i]);
        txn_abort(&r.t);
    }
    for (int i = 0; workers && i < nworkers; i++) {
        if (workers[i]) {
            uint64_t calls, hits;
            analyze_worker_stem_stats(workers[i], &calls, &hits);
            summary->stem_calls += calls;
            summary->stem_hits += hits;
        }
        analyze_worker_free(workers[i]);
    }
    quire_free(workers);
    summary->seconds = elapsed(&r);
    if (r.in && rc == QUIRE_OK)
        report_progress(&r, true);
    ingest_close(r.in);
    inverter_free(r.inv);
    for (uint32_t i = 0; r.slots && i < r.nslots; i++)
        batch_free(&r.slots[i]);
    quire_free(r.slots);
    quire_free(r.state);
    quire_free(r.store_state);
    for (int i = 0; r.comps && i < r.ncomps; i++)
        batch_compressor_free(r.comps[i]);
    quire_free(r.comps);
    quire_free(r.forms);
    quire_free(r.run_segments);
    store_dict_free(&r.sdict);
    free_ids(&r);
    txn_end(&r.t);
    return rc;
}

/* ---- inspection ---- */

int indexer_stats(const char *dir, index_stats *out)
{
    memset(out, 0, sizeof *out);
    quire_index *ix;
    int rc = quire_index_open(&ix, dir, NULL);
    if (rc != QUIRE_OK)
        return rc;
    const quire_manifest *m = quire_index_manifest(ix);
    out->generation = m->generation;
    out->segment_count = m->segment_count;
    snprintf(out->language, sizeof out->language, "%s", m->language);
    snprintf(out->analyzer_id, sizeof out->analyzer_id, "%s", m->analyzer_id);
    for (uint32_t i = 0; i < m->segment_count; i++) {
        const quire_segment_stats *st = quire_segment_get_stats(quire_index_segment(ix, i));
        out->docs += st->doc_count - m->segments[i].deleted_count;
        out->deleted_docs += m->segments[i].deleted_count;
        out->total_tokens += st->total_tokens - m->segments[i].deleted_tokens;
        out->forms += st->form_count;
        out->stems += st->stem_count;
        out->postings += st->posting_count;
        out->text_bytes += st->text_bytes;
        for (int f = 0; f < QUIRE_SEG_FILE_COUNT; f++)
            out->file_bytes[f] += st->file_bytes[f];
    }
    quire_index_close(ix);
    return QUIRE_OK;
}

typedef struct verify_ctx {
    indexer_report_fn report;
    void *ctx;
    uint64_t problems;
} verify_ctx;

static void verify_report(void *ctx, const char *line)
{
    verify_ctx *v = ctx;
    v->problems++;
    v->report(v->ctx, line);
}

int indexer_verify(const char *dir, indexer_report_fn report, void *ctx)
{
    verify_ctx v = {report, ctx, 0};
    quire_index *ix;
    bool fell_back = false;
    int rc = quire_index_open(&ix, dir, &fell_back);
    if (rc != QUIRE_OK) {
        verify_report(&v, quire_errmsg());
        return rc == QUIRE_ENOMEM ? rc : QUIRE_ECORRUPT;
    }
    if (fell_back)
        verify_report(&v, quire_errmsg());
    for (uint32_t i = 0; i < quire_index_segment_count(ix); i++) {
        const quire_segment *seg = quire_index_segment(ix, i);
        int vrc = quire_segment_verify(seg, verify_report, &v);
        if (vrc == QUIRE_ENOMEM) {
            rc = vrc;
            break;
        }
        /* its id index, if it has one (segments of format version 1 have none) */
        quire_ids *ids = NULL;
        vrc = quire_ids_open(&ids, dir, quire_segment_id(seg),
                             quire_segment_get_stats(seg)->doc_count);
        if (vrc == QUIRE_OK)
            vrc = quire_ids_verify(ids, seg, verify_report, &v);
        else if (vrc != QUIRE_ENOTFOUND && vrc != QUIRE_ENOMEM)
            verify_report(&v, quire_errmsg());
        quire_ids_close(ids);
        if (vrc == QUIRE_ENOMEM) {
            rc = vrc;
            break;
        }
    }
    quire_index_close(ix);
    if (rc == QUIRE_OK && v.problems)
        rc = QUIRE_ECORRUPT;
    return rc;
}
