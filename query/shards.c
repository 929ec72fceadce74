/*
 * shards.c - scatter-gather search over a shard set; see shards.h. Owns the shard set's
 * searchers and the messages between processes (little-endian records in quire_bufs);
 * leaves each shard's search to search.c (search_job.h) and the transport to shard/comm.h.
 */
#include "shards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "fuzzy.h"
#include "quire/index.h"
#include "quire/manifest.h"
#include "quire/reader.h"
#include "quire/shardset.h"
#include "search_job.h"
#include "topk.h"

struct shard_set {
    const quire_comm *comm;
    quire_shardset set;
    uint32_t count;    /* shards of this process */
    uint32_t *shard;   /* their numbers, ascending */
    searcher **search; /* their searchers */
};

void shard_set_close(shard_set *s)
{
    if (s == NULL)
        return;
    for (uint32_t i = 0; i < s->count; i++)
        search_close(s->search[i]);
    quire_free(s->search);
    quire_free(s->shard);
    quire_shardset_free(&s->set);
    quire_free(s);
}

bool shard_set_fell_back(const shard_set *s, const char **message)
{
    for (uint32_t i = 0; i < s->count; i++)
        if (search_fell_back(s->search[i], message))
            return true;
    return false;
}

/* ---- reading what others sent (bounds-checked: a short message is a bug, not data) ---- */

typedef quire_reader reader; /* quire/reader.h */

static uint64_t get64(reader *r)
{
    return quire_reader_get64(r);
}

static uint32_t get32(reader *r)
{
    return quire_reader_get32(r);
}

static const uint8_t *get_bytes(reader *r, uint64_t n)
{
    return quire_reader_bytes(r, n);
}

static double get_double(reader *r)
{
    const uint64_t bits = get64(r);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static void put_double(quire_buf *b, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    quire_buf_put_le64(b, bits);
}

static void put_bytes(quire_buf *b, const void *p, size_t n)
{
    quire_buf_put_le64(b, n);
    quire_buf_put(b, p, n);
}

static int bad_message(void)
{
    return quire_error(QUIRE_EIO, "shard set: a process sent a malformed message");
}

/* ---- agreement ---- */

/* Codes that come from a shard's data or system, not from the query itself: their
 * messages get the shard's number. */
static bool about_shard(int rc)
{
    return rc == QUIRE_ECORRUPT || rc == QUIRE_EIO || rc == QUIRE_ENOMEM || rc == QUIRE_EVERSION ||
           rc == QUIRE_ENOTFOUND || rc == QUIRE_EMISMATCH;
}

static int shard_error(int rc, uint32_t shard)
{
    if (!about_shard(rc))
        return rc;
    char msg[2048];
    snprintf(msg, sizeof msg, "%s", quire_errmsg());
    return quire_error(rc, "shard %u: %s", (unsigned)shard, msg);
}

static int agree(const quire_comm *comm, int rc)
{
    return quire_comm_agree(comm, rc);
}

/* ---- opening ---- */

static int open_local(shard_set *s, const char *dir)
{
    int rc = quire_shardset_read(&s->set, dir);
    if (rc != QUIRE_OK)
        return rc;
    const uint32_t size = quire_comm_size(s->comm), rank = quire_comm_rank(s->comm);
    if (size > s->set.shard_count)
        return quire_error(QUIRE_EMISMATCH, "%s: %u processes for %u shards: at most one a shard",
                           dir, (unsigned)size, (unsigned)s->set.shard_count);
    const uint32_t mine = (s->set.shard_count - rank + size - 1) / size;
    s->shard = quire_calloc(mine, sizeof *s->shard);
    s->search = quire_calloc(mine, sizeof *s->search);
    if (s->shard == NULL || s->search == NULL)
        return quire_oom();
    for (uint32_t r = rank; r < s->set.shard_count; r += size) {
        char path[4200];
        rc = quire_shard_dir(path, sizeof path, dir, r);
        if (rc == QUIRE_OK)
            rc = search_open(&s->search[s->count], path);
        if (rc != QUIRE_OK)
            return shard_error(rc, r);
        s->shard[s->count++] = r;
        const char *have = quire_index_manifest(search_index(s->search[s->count - 1]))->analyzer_id;
        if (have == NULL || strcmp(have, s->set.analyzer_id) != 0)
            return quire_error(QUIRE_EMISMATCH,
                               "shard %u: %s was built with analyzer '%s', the shard set's is '%s'",
                               (unsigned)r, path, have ? have : "", s->set.analyzer_id);
    }
    return QUIRE_OK;
}

int shard_set_open(shard_set **out, const char *dir, const quire_comm *comm)
{
    *out = NULL;
    shard_set *s = quire_calloc(1, sizeof *s);
    if (s == NULL)
        quire_comm_abort(comm, 2);
    s->comm = comm;
    int rc = agree(comm, open_local(s, dir));
    if (rc != QUIRE_OK) {
        shard_set_close(s);
        return rc;
    }
    *out = s;
    return QUIRE_OK;
}

/* ---- a query ---- */

/* On process 0: every shard's records for the query's fuzzy words (each process sent its
 * shards' count, then each shard's records with their length) merged, one per word. */
static int merge_fuzzy(quire_buf *merged, const quire_buf *all, const uint64_t *lens,
                       uint32_t size, uint32_t words)
{
    reader r = {all->data, all->data + all->len, false};
    uint32_t parts = 0;
    for (uint32_t p = 0; p < size; p++) {
        reader q = {r.p, r.p + lens[p], false};
        parts += get32(&q);
        r.p += lens[p];
    }
    const uint8_t **at = quire_calloc((size_t)parts + 1, sizeof *at);
    const uint8_t **end = quire_calloc((size_t)parts + 1, sizeof *end);
    int rc = at && end ? QUIRE_OK : quire_oom();
    r.p = all->data;
    uint32_t n = 0;
    for (uint32_t p = 0; p < size && rc == QUIRE_OK && !r.bad; p++) {
        const uint32_t m = get32(&r);
        for (uint32_t i = 0; i < m && !r.bad && n < parts; i++) {
            const uint64_t len = get64(&r);
            at[n] = get_bytes(&r, len);
            end[n] = at[n] + len;
            n++;
        }
    }
    if (rc == QUIRE_OK && (r.bad || n != parts))
        rc = bad_message();
    for (uint32_t w = 0; w < words && rc == QUIRE_OK; w++)
        rc = fuzzy_merge(merged, at, end, parts);
    for (uint32_t i = 0; i < parts && rc == QUIRE_OK; i++)
        if (at[i] != end[i])
            rc = bad_message();
    quire_free(at);
    quire_free(end);
    return rc;
}

/* Expand the query's fuzzy words over the whole set and plan every shard's job with them. */
static int expand_fuzzy(search_job *const *jobs, const shard_set *s, uint32_t words)
{
    const quire_comm *comm = s->comm;
    quire_buf mine = QUIRE_BUF_INIT, one = QUIRE_BUF_INIT, all = QUIRE_BUF_INIT;
    uint64_t *lens = quire_calloc(quire_comm_size(comm), sizeof *lens);
    int rc = lens != NULL ? QUIRE_OK : quire_oom();
    quire_buf_put_le32(&mine, s->count);
    for (uint32_t i = 0; i < s->count && rc == QUIRE_OK; i++) {
        one.len = 0;
        rc = shard_error(search_job_fuzzy_local(jobs[i], &one), s->shard[i]);
        put_bytes(&mine, one.data, one.len);
    }
    if (rc == QUIRE_OK && (mine.err || one.err))
        rc = quire_oom();
    rc = agree(comm, rc);
    if (rc == QUIRE_OK)
        rc = quire_comm_gather(comm, &mine, &all, lens);
    one.len = 0;
    if (rc == QUIRE_OK && quire_comm_rank(comm) == 0)
        rc = merge_fuzzy(&one, &all, lens, quire_comm_size(comm), words);
    rc = agree(comm, rc);
    if (rc == QUIRE_OK)
        rc = quire_comm_bcast(comm, &one);
    for (uint32_t i = 0; i < s->count && rc == QUIRE_OK; i++)
        rc = shard_error(search_job_fuzzy_apply(jobs[i], one.data, one.len), s->shard[i]);
    rc = agree(comm, rc);
    quire_free(lens);
    quire_buf_free(&mine);
    quire_buf_free(&one);
    quire_buf_free(&all);
    return rc;
}

typedef struct candidate {
    topk_entry e;   /* score, external id, date (doc_id: unused) */
    uint32_t shard; /* shard number */
    uint32_t index; /* rank of the hit in its shard's top k */
    int by_date;    /* the order (topk.h): 0 by score, 1 oldest first, -1 newest first */
} candidate;

/* The heap order of the options (topk_order_by_date). */
static int order_of(const search_options *o)
{
    return o->sort == SEARCH_SORT_DATE ? 1 : o->sort == SEARCH_SORT_DATE_DESC ? -1 : 0;
}

static int cmp_candidate(const void *pa, const void *pb)
{
    const candidate *a = pa, *b = pb;
    if (topk_before(a->by_date, &a->e, &b->e))
        return -1;
    if (topk_before(a->by_date, &b->e, &a->e))
        return 1;
    return (a->shard > b->shard) - (a->shard < b->shard);
}

static void put_candidates(quire_buf *b, const candidate *c, uint32_t n)
{
    quire_buf_put_le32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        put_double(b, c[i].e.score);
        quire_buf_put_le32(b, c[i].shard);
        quire_buf_put_le32(b, c[i].index);
        quire_buf_put_le32(b, (uint32_t)c[i].e.date);
        put_bytes(b, c[i].e.id, c[i].e.id_len);
    }
}

static void put_source(quire_buf *b, const search_source *src)
{
    quire_buf_put_le64(b, src->line);
    quire_buf_put_le32(b, src->column);
    quire_buf_put_le64(b, src->offset);
}

static search_source get_source(reader *r)
{
    search_source src;
    src.line = get64(r);
    src.column = get32(r);
    src.offset = get64(r);
    return src;
}

static void put_spans(quire_buf *b, const search_highlight *h, uint32_t n)
{
    quire_buf_put_le32(b, n);
    for (uint32_t i = 0; i < n; i++) {
        quire_buf_put_le64(b, h[i].start);
        quire_buf_put_le64(b, h[i].end);
        put_source(b, &h[i].source);
    }
}

static void put_hit(quire_buf *b, uint32_t pos, const search_hit *h)
{
    quire_buf_put_le32(b, pos);
    put_double(b, h->score);
    quire_buf_put_le64(b, h->doc_id);
    quire_buf_put_le32(b, h->segment);
    quire_buf_put_le32(b, h->local_doc);
    put_bytes(b, h->external_id, h->external_id_len);
    put_bytes(b, h->title, h->title_len);
    quire_buf_put_le32(b, (uint32_t)h->date);
    put_bytes(b, h->origin, h->origin_len);
    put_source(b, &h->source);
    put_spans(b, h->title_highlights, h->title_highlight_count);
    quire_buf_put_le32(b, h->passage_count);
    for (uint32_t k = 0; k < h->passage_count; k++) {
        const search_passage *p = &h->passages[k];
        quire_buf_put_le64(b, p->start);
        quire_buf_put_le64(b, p->end);
        quire_buf_put_byte(b, (uint8_t)(p->cut_before | p->cut_after << 1));
        put_bytes(b, p->text, p->end - p->start);
        put_source(b, &p->source);
        put_spans(b, p->highlights, p->highlight_count);
    }
}

static char *dup_bytes(reader *r, size_t *len)
{
    const uint64_t n = get64(r);
    const uint8_t *p = get_bytes(r, n);
    *len = (size_t)n;
    return p != NULL ? quire_strndup((const char *)p, (size_t)n) : NULL;
}

static int get_spans(reader *r, search_highlight **out, uint32_t *count)
{
    const uint32_t n = get32(r);
    *out = NULL;
    *count = 0;
    if (n == 0)
        return QUIRE_OK;
    if ((uint64_t)(r->end - r->p) < (uint64_t)n * 36)
        return bad_message();
    *out = quire_calloc(n, sizeof **out);
    if (*out == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < n; i++) {
        (*out)[i].start = (size_t)get64(r);
        (*out)[i].end = (size_t)get64(r);
        (*out)[i].source = get_source(r);
    }
    *count = n;
    return QUIRE_OK;
}

/* One hit as put_hit wrote it into h (zeroed; freed by the caller's search_result_free). */
static int get_hit(reader *r, search_hit *h)
{
    h->score = get_double(r);
    h->doc_id = get64(r);
    h->segment = get32(r);
    h->local_doc = get32(r);
    h->external_id = dup_bytes(r, &h->external_id_len);
    h->title = dup_bytes(r, &h->title_len);
    h->date = (int32_t)get32(r);
    h->origin = dup_bytes(r, &h->origin_len);
    h->source = get_source(r);
    if (r->bad)
        return bad_message();
    if (h->external_id == NULL || h->title == NULL || h->origin == NULL)
        return quire_oom();
    int rc = get_spans(r, &h->title_highlights, &h->title_highlight_count);
    if (rc != QUIRE_OK)
        return rc;
    const uint32_t np = get32(r);
    if (np > (uint64_t)(r->end - r->p))
        return bad_message();
    if (np > 0 && (h->passages = quire_calloc(np, sizeof *h->passages)) == NULL)
        return quire_oom();
    for (uint32_t k = 0; k < np && rc == QUIRE_OK; k++) {
        search_passage *p = &h->passages[k];
        h->passage_count = k + 1;
        p->start = (size_t)get64(r);
        p->end = (size_t)get64(r);
        const uint8_t *flags = get_bytes(r, 1);
        size_t len;
        p->text = dup_bytes(r, &len);
        p->source = get_source(r);
        if (r->bad || flags == NULL || len != p->end - p->start)
            return bad_message();
        if (p->text == NULL)
            return quire_oom();
        p->cut_before = (flags[0] & 1) != 0;
        p->cut_after = (flags[0] & 2) != 0;
        rc = get_spans(r, &p->highlights, &p->highlight_count);
    }
    return rc != QUIRE_OK ? rc : r->bad ? bad_message() : QUIRE_OK;
}

/* The k best of this process's shards, sorted in the order by_date. */
static int local_candidates(candidate **out, uint32_t *count, search_job *const *jobs,
                            const shard_set *s, uint64_t k, int by_date)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < s->count; i++)
        total += search_job_hit_count(jobs[i]);
    *out = quire_calloc(total > 0 ? total : 1, sizeof **out);
    if (*out == NULL)
        return quire_oom();
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->count; i++)
        for (uint32_t h = 0; h < search_job_hit_count(jobs[i]); h++)
            (*out)[n++] = (candidate){*search_job_entry(jobs[i], h), s->shard[i], h, by_date};
    qsort(*out, n, sizeof **out, cmp_candidate);
    *count = n < k ? n : (uint32_t)k;
    return QUIRE_OK;
}

/* On process 0: every process's candidates (as put_candidates wrote them, their ids
 * pointing into `all`) in *out, sorted in the order by_date. */
static int read_candidates(candidate **out, uint32_t *count, const quire_buf *all,
                           const uint64_t *lens, uint32_t size, int by_date)
{
    reader r = {all->data, all->data + all->len, false};
    uint64_t total = 0;
    for (uint32_t p = 0; p < size; p++) {
        reader q = {r.p, r.p + lens[p], false};
        total += get32(&q);
        r.p += lens[p];
    }
    candidate *c = quire_calloc(total > 0 ? total : 1, sizeof *c);
    if (c == NULL)
        return quire_oom();
    r.p = all->data;
    uint32_t n = 0;
    for (uint32_t p = 0; p < size && !r.bad; p++) {
        const uint32_t m = get32(&r);
        for (uint32_t i = 0; i < m && !r.bad && n < total; i++) {
            c[n].e.score = get_double(&r);
            c[n].shard = get32(&r);
            c[n].index = get32(&r);
            c[n].e.date = (int32_t)get32(&r);
            c[n].e.id_len = (size_t)get64(&r);
            c[n].e.id = get_bytes(&r, c[n].e.id_len);
            c[n].e.id = c[n].e.id != NULL ? c[n].e.id : (const uint8_t *)"";
            c[n].by_date = by_date;
            n++;
        }
    }
    if (r.bad) {
        quire_free(c);
        return bad_message();
    }
    qsort(c, n, sizeof *c, cmp_candidate);
    *out = c;
    *count = n;
    return QUIRE_OK;
}

/* On process 0: the best of every process's candidates from the skip-th, k at most, as
 * (shard, index) pairs. */
static int pick_winners(quire_buf *winners, const quire_buf *all, const uint64_t *lens,
                        uint32_t size, int by_date, uint64_t skip, uint64_t k)
{
    candidate *c = NULL;
    uint32_t n = 0;
    int rc = read_candidates(&c, &n, all, lens, size, by_date);
    if (rc == QUIRE_OK) {
        const uint64_t from = skip < n ? skip : n, to = n - from < k ? n : from + k;
        quire_buf_put_le32(winners, (uint32_t)(to - from));
        for (uint64_t i = from; i < to; i++) {
            quire_buf_put_le32(winners, c[i].shard);
            quire_buf_put_le32(winners, c[i].index);
        }
        if (winners->err)
            rc = quire_oom();
    }
    quire_free(c);
    return rc;
}

/* On process 0: the depth-th best of every process's candidates (the last that a first pass
 * over one index of the set keeps), as a flag (1: there are depth candidates or more), its
 * score and external id; 0 alone: every candidate is kept. */
static int pick_cutoff(quire_buf *cut, const quire_buf *all, const uint64_t *lens, uint32_t size,
                       uint64_t depth)
{
    candidate *c = NULL;
    uint32_t n = 0;
    int rc = read_candidates(&c, &n, all, lens, size, 0);
    if (rc == QUIRE_OK) {
        /* (each process sent its best depth only: n may be depth when the set has more) */
        quire_buf_put_byte(cut, n >= depth && depth > 0);
        if (n >= depth && depth > 0) {
            put_double(cut, c[depth - 1].e.score);
            put_bytes(cut, c[depth - 1].e.id, c[depth - 1].e.id_len);
        }
        if (cut->err)
            rc = quire_oom();
    }
    quire_free(c);
    return rc;
}

/* Keep each job's hits that rank at or before the cutoff pick_cutoff chose (the set's best
 * depth by the first pass), and rescore them with the set's mean title length. */
static int rescore_kept(const quire_buf *cut, search_job *const *jobs, const shard_set *s,
                        double avg_title_len)
{
    reader r = {cut->data, cut->data + cut->len, false};
    const uint8_t *more = get_bytes(&r, 1);
    if (more == NULL)
        return bad_message();
    topk_entry limit;
    memset(&limit, 0, sizeof limit);
    if (more[0]) {
        limit.score = get_double(&r);
        limit.id_len = (size_t)get64(&r);
        limit.id = get_bytes(&r, limit.id_len);
        if (r.bad || limit.id == NULL)
            return bad_message();
    }
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < s->count && rc == QUIRE_OK; i++) {
        uint32_t keep = search_job_hit_count(jobs[i]);
        if (more[0]) { /* sorted: the first that the cutoff beats ends the kept ones */
            keep = 0;
            while (keep < search_job_hit_count(jobs[i]) &&
                   !topk_better(&limit, search_job_entry(jobs[i], keep)))
                keep++;
        }
        search_job_truncate(jobs[i], keep);
        rc = shard_error(search_job_rescore(jobs[i], avg_title_len), s->shard[i]);
    }
    return rc;
}

/* Fill the winners this process holds and encode them with their overall positions. */
static int fill_winners(quire_buf *out, const quire_buf *winners, search_job *const *jobs,
                        const shard_set *s)
{
    reader r = {winners->data, winners->data + winners->len, false};
    const uint32_t n = get32(&r);
    if (r.bad || (uint64_t)(r.end - r.p) < (uint64_t)n * 8)
        return bad_message();
    const uint8_t *pairs = r.p;
    uint32_t *which = quire_calloc((size_t)n + 1, sizeof *which);
    uint32_t *pos = quire_calloc((size_t)n + 1, sizeof *pos);
    int rc = which && pos ? QUIRE_OK : quire_oom();
    for (uint32_t i = 0; i < s->count && rc == QUIRE_OK; i++) {
        uint32_t m = 0;
        for (uint32_t w = 0; w < n && rc == QUIRE_OK; w++) {
            if (quire_load_le32(pairs + 8 * w) != s->shard[i])
                continue;
            which[m] = quire_load_le32(pairs + 8 * w + 4);
            if (which[m] >= search_job_hit_count(jobs[i]))
                rc = bad_message();
            pos[m++] = w;
        }
        if (rc != QUIRE_OK || m == 0)
            continue;
        search_result hits = SEARCH_RESULT_INIT;
        hits.hits = quire_calloc(m, sizeof *hits.hits);
        if (hits.hits == NULL) {
            rc = quire_oom();
            break;
        }
        hits.hit_count = m;
        rc = shard_error(search_job_fill(jobs[i], which, m, hits.hits), s->shard[i]);
        for (uint32_t h = 0; h < m && rc == QUIRE_OK; h++)
            put_hit(out, pos[h], &hits.hits[h]);
        search_result_free(&hits);
    }
    quire_free(which);
    quire_free(pos);
    if (rc == QUIRE_OK && out->err)
        rc = quire_oom();
    return rc;
}

/* On process 0: the hits in overall order from every process's fill_winners. */
static int collect_hits(search_result *res, const quire_buf *all, uint32_t n)
{
    if (n == 0)
        return QUIRE_OK;
    res->hits = quire_calloc(n, sizeof *res->hits);
    if (res->hits == NULL)
        return quire_oom();
    res->hit_count = n; /* zeroed hits free cleanly */
    reader r = {all->data, all->data + all->len, false};
    uint32_t got = 0;
    while (r.p < r.end) {
        const uint32_t pos = get32(&r);
        if (r.bad || pos >= n || res->hits[pos].external_id != NULL)
            return bad_message();
        const int rc = get_hit(&r, &res->hits[pos]);
        if (rc != QUIRE_OK)
            return rc;
        got++;
    }
    return got == n ? QUIRE_OK : bad_message();
}

int shard_set_query(search_result *out, shard_set *s, const search_options *o, size_t *error_offset)
{
    memset(out, 0, sizeof *out);
    *error_offset = SIZE_MAX;
    const quire_comm *comm = s->comm;
    const uint32_t size = quire_comm_size(comm);
    const bool root = quire_comm_rank(comm) == 0;
    search_job **jobs = quire_calloc(s->count, sizeof *jobs);
    uint64_t *stats = NULL, *lens = quire_calloc(size, sizeof *lens);
    candidate *cand = NULL;
    quire_buf mine = QUIRE_BUF_INIT, all = QUIRE_BUF_INIT, winners = QUIRE_BUF_INIT;
    search_result r = SEARCH_RESULT_INIT;
    if (jobs == NULL || lens == NULL)
        quire_comm_abort(comm, 2);

    /* 1. Each shard's statistics. */
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < s->count && rc == QUIRE_OK; i++) {
        rc = search_job_begin(&jobs[i], s->search[i], o);
        if (rc != QUIRE_OK) {
            *error_offset = search_error_offset(s->search[i]);
            rc = shard_error(rc, s->shard[i]);
        }
    }
    rc = agree(comm, rc);
    /* 1b. Fuzzy words: expanded over the whole set, then planned. */
    const uint32_t fuzzy = rc == QUIRE_OK ? search_job_fuzzy_count(jobs[0]) : 0;
    if (fuzzy > 0)
        rc = expand_fuzzy(jobs, s, fuzzy);
    if (rc != QUIRE_OK)
        goto done;
    const uint32_t n = search_job_stats_count(jobs[0]);
    const bool rescore = search_job_rescores(jobs[0]);
    stats = quire_calloc((size_t)n + 2, sizeof *stats);
    uint64_t *one = quire_calloc((size_t)n + 1, sizeof *one);
    if (stats == NULL || one == NULL)
        quire_comm_abort(comm, 2);
    for (uint32_t i = 0; i < s->count; i++) {
        search_job_stats(jobs[i], one);
        for (uint32_t k = 0; k < n; k++)
            stats[k] += one[k];
        /* after them, the title tokens (a title weight's mean title length) */
        stats[n] += rescore ? search_job_title_tokens(jobs[i]) : 0;
    }
    quire_free(one);
    /* 2. The whole set's statistics: the same vector on every process. */
    rc = quire_comm_sum(comm, stats, n + 1);
    /* 3. Each shard's top k (offset + k, or the depth a rescoring reads), scored with them. */
    for (uint32_t i = 0; i < s->count && rc == QUIRE_OK; i++)
        rc = shard_error(search_job_rank(jobs[i], stats, true), s->shard[i]);
    /* One sum for both: processes that failed, and the counts (a collective less a query). */
    /* failed, matches, inexact shards, a one-phrase query's occurrences (counted by each
     * shard as it matched a lazy phrase), shards whose occurrence count is not exact */
    uint64_t counts[5] = {rc != QUIRE_OK, 0, 0, 0, 0};
    bool phrase = false, lazy = false;
    uint64_t eager_occurrences = 0;
    for (uint32_t i = 0; i < s->count && rc == QUIRE_OK; i++) {
        search_job_counts(jobs[i], &r);
        counts[1] += r.match_count;
        counts[2] += !r.match_count_exact;
        phrase = jobs[i] != NULL && search_job_is_phrase(jobs[i]);
        lazy = phrase && search_job_is_lazy(jobs[i]);
        /* a lazy phrase's count is each shard's own; an eager one's is the set's already
         * (from the summed statistics) */
        counts[3] += lazy ? r.occurrence_count : 0;
        counts[4] += !r.has_occurrences;
        eager_occurrences = r.occurrence_count;
    }
    const int crc = quire_comm_sum(comm, counts, 5);
    if (crc != QUIRE_OK || counts[0] > 0) {
        rc = crc != QUIRE_OK ? crc : agree(comm, rc); /* all fail, with the failed message */
        goto done;
    }
    r.match_count = counts[1];
    r.match_count_exact = counts[2] == 0;
    r.has_occurrences = phrase && counts[4] == 0;
    r.occurrence_count = !r.has_occurrences ? 0 : lazy ? counts[3] : eager_occurrences;
    /* What the result says of the query's fuzzy words (the same on every shard). */
    if (root)
        rc = search_job_summaries(jobs[0], &r);
    rc = agree(comm, rc);
    if (rc != QUIRE_OK)
        goto done;
    /* An ellipsis quote that matched nothing: each part's documents in the whole set. */
    const uint32_t parts = r.match_count == 0 ? search_job_hint_parts(jobs[0]) : 0;
    if (parts > 0) {
        uint64_t *dfs = quire_calloc((size_t)parts + 1, sizeof *dfs);
        uint64_t *mine_dfs = quire_calloc((size_t)parts + 1, sizeof *mine_dfs);
        if (dfs == NULL || mine_dfs == NULL)
            quire_comm_abort(comm, 2);
        for (uint32_t i = 0; i < s->count && rc == QUIRE_OK; i++) {
            rc = shard_error(search_job_hint_counts(jobs[i], mine_dfs), s->shard[i]);
            for (uint32_t k = 0; k < parts; k++)
                dfs[k] += mine_dfs[k];
        }
        rc = agree(comm, rc);
        if (rc == QUIRE_OK)
            rc = quire_comm_sum(comm, dfs, parts);
        if (rc == QUIRE_OK && root)
            search_job_hint(jobs[0], dfs, &r);
        quire_free(dfs);
        quire_free(mine_dfs);
        if (rc != QUIRE_OK)
            goto done;
    }
    const int by_date = order_of(o);
    const uint64_t page = o->top_k == 0 ? 0 : (uint64_t)o->top_k + o->offset;
    uint32_t keep = 0;
    /* 3b. A rescoring (rerank.h) reads the set's best depth by the first pass: process 0
     * finds the depth-th of them, each shard rescores those of its hits that rank before. */
    if (rescore) {
        const uint64_t depth = search_job_depth(jobs[0]);
        rc = local_candidates(&cand, &keep, jobs, s, depth, 0);
        if (rc == QUIRE_OK) {
            put_candidates(&mine, cand, keep);
            if (mine.err)
                rc = quire_oom();
        }
        quire_free(cand);
        cand = NULL;
        rc = agree(comm, rc);
        if (rc == QUIRE_OK)
            rc = quire_comm_gather(comm, &mine, &all, lens);
        if (rc == QUIRE_OK && root)
            rc = pick_cutoff(&winners, &all, lens, size, depth);
        rc = agree(comm, rc);
        if (rc == QUIRE_OK)
            rc = quire_comm_bcast(comm, &winners);
        const double avg_title = stats[0] > 0 ? (double)stats[n] / (double)stats[0] : 0.0;
        if (rc == QUIRE_OK)
            rc = rescore_kept(&winners, jobs, s, avg_title);
        rc = agree(comm, rc);
        if (rc != QUIRE_OK)
            goto done;
        mine.len = all.len = winners.len = 0;
    }
    /* 4. The best offset + k overall, chosen on process 0 from each process's best. */
    rc = local_candidates(&cand, &keep, jobs, s, page, by_date);
    if (rc == QUIRE_OK) {
        put_candidates(&mine, cand, keep);
        if (mine.err)
            rc = quire_oom();
    }
    rc = agree(comm, rc);
    if (rc == QUIRE_OK)
        rc = quire_comm_gather(comm, &mine, &all, lens);
    if (rc == QUIRE_OK && root)
        rc = pick_winners(&winners, &all, lens, size, by_date, o->offset, o->top_k);
    rc = agree(comm, rc);
    if (rc == QUIRE_OK)
        rc = quire_comm_bcast(comm, &winners);
    /* 5. Their ids, titles and passages, from the shards that hold them. */
    const uint32_t won = rc == QUIRE_OK && winners.len >= 4 ? quire_load_le32(winners.data) : 0;
    mine.len = 0;
    all.len = 0;
    if (rc == QUIRE_OK)
        rc = fill_winners(&mine, &winners, jobs, s);
    rc = agree(comm, rc);
    if (rc == QUIRE_OK)
        rc = quire_comm_gather(comm, &mine, &all, lens);
    if (rc == QUIRE_OK && root)
        rc = collect_hits(&r, &all, won);
    rc = agree(comm, rc);
    if (rc != QUIRE_OK)
        goto done;
    *out = r;
    memset(&r, 0, sizeof r);
done:
    search_result_free(&r);
    for (uint32_t i = 0; i < s->count; i++)
        search_job_free(jobs[i]);
    quire_free(jobs);
    quire_free(stats);
    quire_free(lens);
    quire_free(cand);
    quire_buf_free(&mine);
    quire_buf_free(&all);
    quire_buf_free(&winners);
    return rc;
}
