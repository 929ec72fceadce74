/*
 * reader.c - libquire's read side (include/quire/search.h) over the query library: a
 * quire_reader owns one opened index snapshot (format/'s quire_index, read-only after
 * open, so threads share it) with an atomic reference count; a quire_searcher is query/'s
 * searcher borrowing that snapshot (search_open_index), plus a reference; quire_results
 * wraps a search_result with the small objects the accessors hand out. The work of a
 * query is all in query/search.c; this file converts and owns.
 */
#include "quire/search.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "comm.h"
#include "indexer.h"
#include "prose.h"
#include "query.h"
#include "quire/date.h"
#include "quire/index.h"
#include "quire/manifest.h"
#include "quire/segment.h"
#include "quire/shardset.h"

struct quire_reader {
    atomic_size_t refs;
    quire_index *ix; /* NULL for a shard set */
    char *dir;       /* as given, for messages and reopen */
    char *fallback;  /* the damaged manifest's message, or NULL */
    /* a shard set (quire_reader_open_shards): its record, and the processes serving it */
    quire_shardset *set;
    quire_comm *comm;
};

struct quire_searcher {
    quire_reader *reader; /* one reference */
    searcher *s;
};

struct quire_passage {
    const search_passage *p;
};

struct quire_hit {
    const search_hit *h;
    size_t clause_count;     /* the explain's clauses (h's clause_scores), or 0 */
    quire_passage *passages; /* h->passage_count of them, inside quire_results.passages */
    char date[11];           /* YYYY-MM-DD, or "" */
};

struct quire_results {
    search_result r;
    quire_hit *hits;         /* r.hit_count */
    quire_passage *passages; /* every hit's, back to back */
};

static void reader_free(quire_reader *r)
{
    if (r->set != NULL) {
        quire_shardset_free(r->set);
        quire_free(r->set);
    }
    quire_comm_finish(r->comm);
    quire_index_close(r->ix);
    quire_free(r->dir);
    quire_free(r->fallback);
    quire_free(r);
}

int quire_reader_open(quire_reader **out, const char *dir)
{
    *out = NULL;
    if (dir == NULL)
        return quire_error(QUIRE_EINVAL, "quire_reader_open: no directory");
    quire_reader *r = quire_calloc(1, sizeof *r);
    if (r == NULL)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    atomic_init(&r->refs, 1);
    bool fell_back = false;
    int rc = QUIRE_OK;
    r->dir = quire_strndup(dir, strlen(dir));
    if (r->dir == NULL)
        rc = quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    if (rc == QUIRE_OK)
        rc = quire_index_open(&r->ix, dir, &fell_back);
    if (rc == QUIRE_ENOTFOUND)
        rc = quire_error(QUIRE_ENOTFOUND, "%s: not an index (no manifest)", dir);
    if (rc == QUIRE_OK && fell_back) {
        const char *msg = quire_errmsg();
        r->fallback = quire_strndup(msg, strlen(msg));
        if (r->fallback == NULL)
            rc = quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    }
    /* A searcher made at once checks that this build analyses as the index was built:
     * better refused here than at the first query of some thread. */
    searcher *probe = NULL;
    if (rc == QUIRE_OK)
        rc = search_open_index(&probe, r->ix, dir);
    search_close(probe);
    if (rc != QUIRE_OK) {
        reader_free(r);
        return rc;
    }
    *out = r;
    return QUIRE_OK;
}

/* Keep the message of a fallen-back searcher (of a shard set) in r->fallback. */
static int keep_fallback(quire_reader *r, const searcher *s)
{
    const char *why = NULL;
    if (!search_fell_back(s, &why))
        return QUIRE_OK;
    if (why == NULL)
        why = "a shard's newest manifest is damaged";
    r->fallback = quire_strndup(why, strlen(why));
    return r->fallback != NULL ? QUIRE_OK : quire_error(QUIRE_ENOMEM, "%s: out of memory", r->dir);
}

int quire_reader_open_shards(quire_reader **out, const char *dir)
{
    *out = NULL;
    if (dir == NULL)
        return quire_error(QUIRE_EINVAL, "quire_reader_open_shards: no directory");
    quire_reader *r = quire_calloc(1, sizeof *r);
    if (r == NULL)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    atomic_init(&r->refs, 1);
    r->dir = quire_strndup(dir, strlen(dir));
    r->set = quire_calloc(1, sizeof *r->set);
    int rc = r->dir == NULL || r->set == NULL ? quire_error(QUIRE_ENOMEM, "%s: out of memory", dir)
                                              : quire_comm_start(&r->comm, NULL, NULL);
    if (rc == QUIRE_OK)
        rc = quire_shardset_read(r->set, dir);
    /* as quire_reader_open(): a searcher at once, so that a shard this build cannot read
     * (or analyse) is refused here; it also tells whether a shard fell back */
    searcher *probe = NULL;
    if (rc == QUIRE_OK)
        rc = search_open_shards(&probe, dir, r->comm);
    if (rc == QUIRE_OK)
        rc = keep_fallback(r, probe);
    search_close(probe);
    if (rc != QUIRE_OK) {
        reader_free(r);
        return rc;
    }
    *out = r;
    return QUIRE_OK;
}

uint32_t quire_reader_rank(const quire_reader *r)
{
    return r->comm != NULL ? quire_comm_rank(r->comm) : 0;
}

quire_reader *quire_reader_ref(quire_reader *r)
{
    atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
    return r;
}

void quire_reader_close(quire_reader *r)
{
    if (r == NULL)
        return;
    /* acq_rel: the last owner sees every other owner's reads done before it frees */
    if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1)
        reader_free(r);
}

int quire_reader_reopen(quire_reader **out, quire_reader *r)
{
    *out = NULL;
    if (r->set != NULL)
        return quire_error(QUIRE_EINVAL, "%s: a shard set's reader is not reopened", r->dir);
    quire_manifest m;
    memset(&m, 0, sizeof m);
    int rc = quire_manifest_read_latest(&m, r->dir, NULL);
    if (rc == QUIRE_ENOTFOUND)
        return quire_error(QUIRE_ENOTFOUND, "%s: not an index any more (no manifest)", r->dir);
    if (rc != QUIRE_OK)
        return rc;
    const bool same = m.generation == quire_reader_generation(r);
    quire_manifest_free(&m);
    if (same) {
        *out = quire_reader_ref(r);
        return QUIRE_OK;
    }
    return quire_reader_open(out, r->dir);
}

int quire_latest_generation(const char *dir, uint64_t *out)
{
    *out = 0;
    return quire_manifest_highest_generation(dir, out);
}

uint64_t quire_reader_generation(const quire_reader *r)
{
    if (r->set != NULL)
        return 0; /* each shard has its own */
    return quire_index_manifest(r->ix)->generation;
}

const char *quire_reader_fallback(const quire_reader *r)
{
    return r->fallback;
}

const char *quire_reader_language(const quire_reader *r)
{
    const char *l = r->set != NULL ? r->set->language : quire_index_manifest(r->ix)->language;
    return l != NULL ? l : "";
}

const char *quire_reader_analyzer(const quire_reader *r)
{
    const char *a =
        r->set != NULL ? r->set->analyzer_id : quire_index_manifest(r->ix)->analyzer_id;
    return a != NULL ? a : "";
}

int quire_reader_stat(const quire_reader *r, quire_stat which, uint64_t *out)
{
    *out = 0;
    if ((unsigned)which > QUIRE_STAT_STORED_BYTES)
        return quire_error(QUIRE_EINVAL, "quire_reader_stat: unknown statistic %d", (int)which);
    if (r->set != NULL)
        return quire_error(QUIRE_EINVAL, "%s: statistics are each shard's (open one)", r->dir);
    const quire_manifest *m = quire_index_manifest(r->ix);
    /* the same sums as indexer_stats() (quire-index --stats), from this snapshot */
    uint64_t v = 0;
    for (uint32_t i = 0; i < m->segment_count; i++) {
        const quire_segment_stats *st = quire_segment_get_stats(quire_index_segment(r->ix, i));
        const quire_manifest_segment *ms = &m->segments[i];
        switch (which) {
        case QUIRE_STAT_DOCS:
            v += st->doc_count - ms->deleted_count;
            break;
        case QUIRE_STAT_DELETED_DOCS:
            v += ms->deleted_count;
            break;
        case QUIRE_STAT_TOKENS:
            v += st->total_tokens - ms->deleted_tokens;
            break;
        case QUIRE_STAT_SEGMENTS:
            v++;
            break;
        case QUIRE_STAT_FORMS:
            v += st->form_count;
            break;
        case QUIRE_STAT_STEMS:
            v += st->stem_count;
            break;
        case QUIRE_STAT_POSTINGS:
            v += st->posting_count;
            break;
        case QUIRE_STAT_TEXT_BYTES:
            v += st->text_bytes;
            break;
        case QUIRE_STAT_DICTIONARY_BYTES:
            v += st->file_bytes[QUIRE_SEG_TER];
            break;
        case QUIRE_STAT_POSTINGS_BYTES:
            v += st->file_bytes[QUIRE_SEG_DOC];
            break;
        case QUIRE_STAT_POSITIONS_BYTES:
            v += st->file_bytes[QUIRE_SEG_POS];
            break;
        case QUIRE_STAT_DOCUMENTS_BYTES:
            v += st->file_bytes[QUIRE_SEG_LEN] + st->file_bytes[QUIRE_SEG_DMD];
            break;
        case QUIRE_STAT_STORED_BYTES:
            v += st->file_bytes[QUIRE_SEG_STO];
            break;
        }
    }
    *out = v;
    return QUIRE_OK;
}

static void report_nothing(void *ctx, const char *line)
{
    (void)ctx;
    (void)line;
}

int quire_verify(const char *dir, quire_report_fn report, void *ctx)
{
    if (dir == NULL)
        return quire_error(QUIRE_EINVAL, "quire_verify: no directory");
    return indexer_verify(dir, report != NULL ? report : report_nothing, ctx);
}

/* ---- searchers ---- */

int quire_searcher_new(quire_searcher **out, quire_reader *r)
{
    *out = NULL;
    quire_searcher *s = quire_calloc(1, sizeof *s);
    if (s == NULL)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", r->dir);
    const int rc = r->set != NULL ? search_open_shards(&s->s, r->dir, r->comm)
                                  : search_open_index(&s->s, r->ix, r->dir);
    if (rc != QUIRE_OK) {
        quire_free(s);
        return rc;
    }
    s->reader = quire_reader_ref(r);
    *out = s;
    return QUIRE_OK;
}

void quire_searcher_free(quire_searcher *s)
{
    if (s == NULL)
        return;
    search_close(s->s);
    quire_reader_close(s->reader);
    quire_free(s);
}

quire_reader *quire_searcher_reader(const quire_searcher *s)
{
    return s->reader;
}

size_t quire_searcher_error_offset(const quire_searcher *s)
{
    return search_error_offset(s->s);
}

/* The bytes of quire_search_options that version `v` has (a version-1 caller's struct
 * ends before closeness). */
static size_t search_options_size(unsigned int v)
{
    return v == 1 ? offsetof(quire_search_options, closeness) : sizeof(quire_search_options);
}

bool quire_query_reads_like_prose(const char *query, size_t len, size_t *op_offset)
{
    size_t at = 0;
    const bool prose = query != NULL && query_looks_like_prose(query, len, &at);
    if (op_offset != NULL)
        *op_offset = prose ? at : 0;
    return prose;
}

int quire_search_options_init(quire_search_options *o, unsigned int version)
{
    if (version < 1 || version > QUIRE_SEARCH_OPTIONS_VERSION)
        return quire_error(QUIRE_EINVAL, "search options version %u (this library knows 1 to %d)",
                           version, QUIRE_SEARCH_OPTIONS_VERSION);
    quire_search_options d = QUIRE_SEARCH_OPTIONS_INIT;
    d.version = version;
    memcpy(o, &d, search_options_size(version));
    return QUIRE_OK;
}

static int wrap_results(quire_results *res)
{
    const search_result *r = &res->r;
    size_t passages = 0;
    for (uint32_t i = 0; i < r->hit_count; i++)
        passages += r->hits[i].passage_count;
    if (r->hit_count > 0) {
        res->hits = quire_calloc(r->hit_count, sizeof *res->hits);
        if (res->hits == NULL)
            return quire_oom();
    }
    if (passages > 0) {
        res->passages = quire_calloc(passages, sizeof *res->passages);
        if (res->passages == NULL)
            return quire_oom();
    }
    size_t at = 0;
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const search_hit *h = &r->hits[i];
        quire_hit *qh = &res->hits[i];
        qh->h = h;
        qh->clause_count = r->explain != NULL ? r->explain->clause_count : 0;
        if (h->date != QUIRE_NO_DATE)
            quire_date_format(h->date, qh->date);
        qh->passages = res->passages + at;
        for (uint32_t k = 0; k < h->passage_count; k++)
            res->passages[at++].p = &h->passages[k];
    }
    return QUIRE_OK;
}

/* The engine's options from the library's (checked). */
static int options_from(search_options *o, const quire_search_options *opts, const char *query,
                        size_t query_len)
{
    const quire_search_options defaults = QUIRE_SEARCH_OPTIONS_INIT;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version < 1 || opts->version > QUIRE_SEARCH_OPTIONS_VERSION)
        return quire_error(QUIRE_EINVAL, "search options version %u (this library knows 1 to %d)",
                           opts->version, QUIRE_SEARCH_OPTIONS_VERSION);
    if (query == NULL && query_len > 0)
        return quire_error(QUIRE_EINVAL, "quire_search: no query text");
    const unsigned known = QUIRE_SEARCH_ANY | QUIRE_SEARCH_LENIENT | QUIRE_SEARCH_EXACT_COUNT |
                           QUIRE_SEARCH_PLAIN | QUIRE_SEARCH_STOPWORDS | QUIRE_SEARCH_EXPLAIN |
                           QUIRE_SEARCH_NOTES | QUIRE_SEARCH_FALLBACK | QUIRE_SEARCH_PROXIMITY |
                           QUIRE_SEARCH_RM3;
    if (opts->flags & ~known)
        return quire_error(QUIRE_EINVAL, "search options: unknown flags 0x%x", opts->flags);
    const double closeness = opts->version >= 2 ? opts->closeness : 0.6;
    if (!(closeness > 0 && closeness <= 1))
        return quire_error(QUIRE_EINVAL, "search options: closeness %g is not in (0, 1]",
                           closeness);
    const int sort = opts->version >= 2 ? opts->sort : QUIRE_SORT_RELEVANCE;
    if (sort != QUIRE_SORT_RELEVANCE && sort != QUIRE_SORT_DATE && sort != QUIRE_SORT_DATE_DESC)
        return quire_error(QUIRE_EINVAL, "search options: unknown sort %d", sort);
    search_options_init(o);
    o->query = query != NULL ? query : "";
    o->query_len = query_len;
    o->match_any = (opts->flags & QUIRE_SEARCH_ANY) != 0;
    o->lenient = (opts->flags & QUIRE_SEARCH_LENIENT) != 0;
    o->exhaustive = (opts->flags & QUIRE_SEARCH_EXACT_COUNT) != 0;
    o->plain = (opts->flags & QUIRE_SEARCH_PLAIN) != 0;
    o->keep_stopwords = (opts->flags & QUIRE_SEARCH_STOPWORDS) != 0;
    o->top_k = opts->top_k;
    o->k1 = opts->k1;
    o->b = opts->b;
    o->passages = opts->passages;
    o->passage_bytes = opts->passage_bytes;
    o->explain = (opts->flags & QUIRE_SEARCH_EXPLAIN) != 0;
    o->notes = (opts->flags & QUIRE_SEARCH_NOTES) != 0;
    o->fallback = (opts->flags & QUIRE_SEARCH_FALLBACK) != 0;
    o->closeness = closeness;
    o->offset = opts->version >= 2 ? opts->offset : 0;
    o->proximity = (opts->flags & QUIRE_SEARCH_PROXIMITY) != 0;
    o->rm3 = (opts->flags & QUIRE_SEARCH_RM3) != 0;
    if (opts->version >= 2) {
        o->title_weight = opts->title_weight;
        o->rm3_docs = opts->rm3_docs;
        o->rm3_terms = opts->rm3_terms;
        o->rm3_weight = opts->rm3_weight;
    }
    if (opts->version >= 2 && opts->time_limit_ms > 0) {
        struct timespec now;
        (void)clock_gettime(CLOCK_MONOTONIC, &now);
        o->deadline_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec +
                         (uint64_t)opts->time_limit_ms * 1000000u;
    }
    o->sort = sort == QUIRE_SORT_DATE        ? SEARCH_SORT_DATE
              : sort == QUIRE_SORT_DATE_DESC ? SEARCH_SORT_DATE_DESC
                                             : SEARCH_SORT_RELEVANCE;

    return QUIRE_OK;
}

int quire_search(quire_results **out, quire_searcher *s, const char *query, size_t query_len,
                 const quire_search_options *opts)
{
    *out = NULL;
    search_options o;
    const int orc = options_from(&o, opts, query, query_len);
    if (orc != QUIRE_OK)
        return orc;
    quire_results *res = quire_calloc(1, sizeof *res);
    if (res == NULL)
        return quire_oom();
    int rc = search_query(&res->r, s->s, &o);
    if (rc == QUIRE_OK)
        rc = wrap_results(res);
    if (rc != QUIRE_OK) {
        quire_results_free(res);
        return rc;
    }
    *out = res;
    return QUIRE_OK;
}

void quire_results_free(quire_results *res)
{
    if (res == NULL)
        return;
    search_result_free(&res->r);
    quire_free(res->hits);
    quire_free(res->passages);
    quire_free(res);
}

/* ---- results ---- */

size_t quire_results_hit_count(const quire_results *res)
{
    return res->r.hit_count;
}

uint64_t quire_results_match_count(const quire_results *res, bool *exact)
{
    if (exact != NULL)
        *exact = res->r.match_count_exact;
    return res->r.match_count;
}

bool quire_results_occurrences(const quire_results *res, uint64_t *count)
{
    if (count != NULL)
        *count = res->r.has_occurrences ? res->r.occurrence_count : 0;
    return res->r.has_occurrences;
}

const char *quire_results_hint(const quire_results *res)
{
    return res->r.hint;
}

const quire_hit *quire_results_hit(const quire_results *res, size_t i)
{
    return i < res->r.hit_count ? &res->hits[i] : NULL;
}

const char *quire_hit_id(const quire_hit *h, size_t *len)
{
    if (len != NULL)
        *len = h->h->external_id_len;
    return h->h->external_id;
}

const char *quire_hit_title(const quire_hit *h, size_t *len)
{
    if (len != NULL)
        *len = h->h->title_len;
    return h->h->title;
}

const char *quire_hit_date(const quire_hit *h)
{
    return h->date[0] != '\0' ? h->date : NULL;
}

double quire_hit_score(const quire_hit *h)
{
    return h->h->score;
}

static quire_span span_of(const search_highlight *hl, size_t count, size_t i)
{
    const quire_span none = {0, 0};
    if (i >= count)
        return none;
    const quire_span s = {hl[i].start, hl[i].end};
    return s;
}

static quire_position position_of(const search_source *s)
{
    const quire_position p = {s->line, s->column, s->offset};
    return p;
}

const char *quire_hit_origin(const quire_hit *h, size_t *len)
{
    if (len != NULL)
        *len = h->h->origin_len;
    return h->h->origin != NULL ? h->h->origin : "";
}

quire_position quire_hit_source(const quire_hit *h)
{
    return position_of(&h->h->source);
}

quire_position quire_passage_source(const quire_passage *p)
{
    return position_of(&p->p->source);
}

quire_position quire_passage_highlight_source(const quire_passage *p, size_t i)
{
    const quire_position none = {0, 0, UINT64_MAX};
    return i < p->p->highlight_count ? position_of(&p->p->highlights[i].source) : none;
}

size_t quire_hit_title_highlight_count(const quire_hit *h)
{
    return h->h->title_highlight_count;
}

quire_span quire_hit_title_highlight(const quire_hit *h, size_t i)
{
    return span_of(h->h->title_highlights, h->h->title_highlight_count, i);
}

size_t quire_hit_passage_count(const quire_hit *h)
{
    return h->h->passage_count;
}

const quire_passage *quire_hit_passage(const quire_hit *h, size_t i)
{
    return i < h->h->passage_count ? &h->passages[i] : NULL;
}

quire_span quire_passage_span(const quire_passage *p)
{
    const quire_span s = {p->p->start, p->p->end};
    return s;
}

const char *quire_passage_text(const quire_passage *p, size_t *len)
{
    if (len != NULL)
        *len = p->p->end - p->p->start;
    return p->p->text;
}

bool quire_passage_cut_before(const quire_passage *p)
{
    return p->p->cut_before;
}

bool quire_passage_cut_after(const quire_passage *p)
{
    return p->p->cut_after;
}

size_t quire_passage_highlight_count(const quire_passage *p)
{
    return p->p->highlight_count;
}

quire_span quire_passage_highlight(const quire_passage *p, size_t i)
{
    return span_of(p->p->highlights, p->p->highlight_count, i);
}

/* ---- explain, notes, fuzzy words, approximate quotes ----
 * The opaque quire_clause and quire_rendering are the engine's own search_clause and
 * search_rendering, never dereferenced as anything else. */

static const search_clause *clause_of(const quire_clause *c)
{
    return (const search_clause *)(const void *)c;
}

static const search_rendering *rendering_of(const quire_rendering *r)
{
    return (const search_rendering *)(const void *)r;
}

static quire_form form_of(const search_form *f)
{
    const quire_form out = {f->form, f->docs, (int)f->distance};
    return out;
}

const char *quire_results_parsed(const quire_results *res)
{
    return res->r.explain != NULL ? res->r.explain->parsed : NULL;
}

size_t quire_results_clause_count(const quire_results *res)
{
    return res->r.explain != NULL ? res->r.explain->clause_count : 0;
}

const quire_clause *quire_results_clause(const quire_results *res, size_t i)
{
    if (i >= quire_results_clause_count(res))
        return NULL;
    return (const quire_clause *)(const void *)&res->r.explain->clauses[i];
}

const char *quire_clause_label(const quire_clause *c)
{
    return clause_of(c)->label;
}

const char *quire_clause_kind(const quire_clause *c)
{
    return clause_of(c)->kind;
}

const char *quire_clause_stem(const quire_clause *c)
{
    return clause_of(c)->stem;
}

bool quire_clause_excluded(const quire_clause *c)
{
    return clause_of(c)->negated;
}

uint64_t quire_clause_documents(const quire_clause *c)
{
    return clause_of(c)->df;
}

uint64_t quire_clause_occurrences(const quire_clause *c)
{
    return clause_of(c)->occurrences;
}

double quire_clause_weight(const quire_clause *c)
{
    return clause_of(c)->weight;
}

size_t quire_clause_form_count(const quire_clause *c)
{
    return clause_of(c)->form_count;
}

quire_form quire_clause_form(const quire_clause *c, size_t i)
{
    const quire_form none = {NULL, 0, -1};
    return i < clause_of(c)->form_count ? form_of(&clause_of(c)->forms[i]) : none;
}

int quire_clause_distance(const quire_clause *c)
{
    return (int)clause_of(c)->distance;
}

size_t quire_clause_forms_not_searched(const quire_clause *c)
{
    return clause_of(c)->forms_more;
}

double quire_hit_clause_score(const quire_hit *h, size_t i, uint64_t *tf)
{
    if (tf != NULL)
        *tf = 0;
    if (h->h->clause_scores == NULL || i >= h->clause_count)
        return 0;
    if (tf != NULL)
        *tf = h->h->clause_tfs[i];
    return h->h->clause_scores[i];
}

size_t quire_results_note_count(const quire_results *res)
{
    return res->r.note_count;
}

const char *quire_results_note_word(const quire_results *res, size_t i)
{
    return i < res->r.note_count ? res->r.notes[i].word : NULL;
}

size_t quire_results_note_variant_count(const quire_results *res, size_t i)
{
    return i < res->r.note_count ? res->r.notes[i].variant_count : 0;
}

quire_form quire_results_note_variant(const quire_results *res, size_t i, size_t k)
{
    const quire_form none = {NULL, 0, -1};
    if (i >= res->r.note_count || k >= res->r.notes[i].variant_count)
        return none;
    return form_of(&res->r.notes[i].variants[k]);
}

size_t quire_results_note_more(const quire_results *res, size_t i)
{
    return i < res->r.note_count ? res->r.notes[i].more : 0;
}

size_t quire_results_fuzzy_count(const quire_results *res)
{
    return res->r.fuzzy_count;
}

quire_fuzzy_word quire_results_fuzzy(const quire_results *res, size_t i)
{
    quire_fuzzy_word out = {NULL, -1, -1, 0, 0};
    if (i < res->r.fuzzy_count) {
        const search_fuzzy *f = &res->r.fuzzy[i];
        out.word = f->word;
        out.distance = (int)f->distance;
        out.lowered_from = (int)f->lowered_from;
        out.searched = f->searched;
        out.in_reach = f->matched;
    }
    return out;
}

size_t quire_results_quote_count(const quire_results *res)
{
    return res->r.quote_count;
}

quire_quote quire_results_quote(const quire_results *res, size_t i)
{
    quire_quote out = {0, 0, 0, 0, 0};
    if (i < res->r.quote_count) {
        const search_quote *q = &res->r.quotes[i];
        out.word_count = q->word_count;
        out.threshold = q->threshold;
        out.exact_documents = q->exact_docs;
        out.close_documents = q->close_docs;
        out.renderings = q->renderings;
    }
    return out;
}

const char *quire_results_quote_word(const quire_results *res, size_t i, size_t k)
{
    if (i >= res->r.quote_count || k >= res->r.quotes[i].word_count)
        return NULL;
    return res->r.quotes[i].words[k];
}

bool quire_results_fell_back(const quire_results *res)
{
    return res->r.fell_back;
}

size_t quire_hit_rendering_count(const quire_hit *h)
{
    return h->h->rendering_count;
}

const quire_rendering *quire_hit_rendering(const quire_hit *h, size_t i)
{
    if (i >= h->h->rendering_count)
        return NULL;
    return (const quire_rendering *)(const void *)&h->h->renderings[i];
}

size_t quire_rendering_quote(const quire_rendering *r)
{
    return rendering_of(r)->quote;
}

double quire_rendering_closeness(const quire_rendering *r)
{
    return rendering_of(r)->closeness;
}

bool quire_rendering_in_title(const quire_rendering *r)
{
    return rendering_of(r)->in_title;
}

quire_span quire_rendering_span(const quire_rendering *r)
{
    const quire_span s = {rendering_of(r)->start, rendering_of(r)->end};
    return s;
}

size_t quire_rendering_word_count(const quire_rendering *r)
{
    return rendering_of(r)->token_count;
}

quire_aligned quire_rendering_word(const quire_rendering *r, size_t i)
{
    quire_aligned out = {QUIRE_WORD_INSERTED, -1, {0, 0}};
    const search_rendering *x = rendering_of(r);
    if (i < x->token_count) {
        const search_aligned *a = &x->tokens[i];
        static const quire_word_kind kinds[] = {QUIRE_WORD_SAME, QUIRE_WORD_STEM,
                                                QUIRE_WORD_VARIANT, QUIRE_WORD_SUBSTITUTED,
                                                QUIRE_WORD_INSERTED};
        out.kind = kinds[a->kind];
        out.quote_word = (int)a->word;
        out.span.start = a->start;
        out.span.end = a->end;
    }
    return out;
}

size_t quire_rendering_missing_count(const quire_rendering *r)
{
    return rendering_of(r)->missing_count;
}

size_t quire_rendering_missing(const quire_rendering *r, size_t i)
{
    const search_rendering *x = rendering_of(r);
    return i < x->missing_count ? x->missing[i] : SIZE_MAX;
}

size_t quire_clause_word_count(const quire_clause *c)
{
    return clause_of(c)->word_count;
}

double quire_clause_word_weight(const quire_clause *c, size_t i)
{
    return i < clause_of(c)->word_count ? clause_of(c)->word_weights[i] : 0;
}

/* ---- one stored document ---- */

struct quire_stored {
    search_marked_doc d;
    char date[11]; /* YYYY-MM-DD, or "" */
};

int quire_searcher_document(quire_stored **out, quire_searcher *s, const char *id, size_t id_len,
                            const char *query, size_t query_len, const quire_search_options *opts)
{
    *out = NULL;
    if (id == NULL && id_len > 0)
        return quire_error(QUIRE_EINVAL, "quire_searcher_document: no id");
    search_options o;
    if (query_len > 0) {
        const int rc = options_from(&o, opts, query, query_len);
        if (rc != QUIRE_OK)
            return rc;
    }
    quire_stored *d = quire_calloc(1, sizeof *d);
    if (d == NULL)
        return quire_error(QUIRE_ENOMEM, "document: out of memory");
    const int rc =
        search_get_marked_doc(&d->d, s->s, id != NULL ? id : "", id_len, query_len > 0 ? &o : NULL);
    if (rc != QUIRE_OK) {
        quire_stored_free(d);
        return rc;
    }
    if (d->d.date != QUIRE_NO_DATE)
        quire_date_format(d->d.date, d->date);
    *out = d;
    return QUIRE_OK;
}

void quire_stored_free(quire_stored *d)
{
    if (d == NULL)
        return;
    search_marked_doc_free(&d->d);
    quire_free(d);
}

const char *quire_stored_id(const quire_stored *d, size_t *len)
{
    if (len != NULL)
        *len = d->d.external_id_len;
    return d->d.external_id;
}

const char *quire_stored_title(const quire_stored *d, size_t *len)
{
    if (len != NULL)
        *len = d->d.title_len;
    return d->d.title != NULL ? d->d.title : "";
}

const char *quire_stored_date(const quire_stored *d)
{
    return d->date[0] != '\0' ? d->date : NULL;
}

const char *quire_stored_text(const quire_stored *d, size_t *len)
{
    if (len != NULL)
        *len = d->d.text_len;
    return d->d.text != NULL ? d->d.text : "";
}

const char *quire_stored_origin(const quire_stored *d, size_t *len)
{
    if (len != NULL)
        *len = d->d.origin_len;
    return d->d.origin != NULL ? d->d.origin : "";
}

quire_position quire_stored_source(const quire_stored *d)
{
    return position_of(&d->d.source);
}

uint32_t quire_stored_tokens(const quire_stored *d, uint32_t *title_tokens)
{
    if (title_tokens != NULL)
        *title_tokens = d->d.title_tokens;
    return d->d.doc_len;
}

uint64_t quire_stored_number(const quire_stored *d)
{
    return d->d.doc_id;
}

size_t quire_stored_highlight_count(const quire_stored *d)
{
    return d->d.highlight_count;
}

quire_span quire_stored_highlight(const quire_stored *d, size_t i)
{
    const quire_span none = {0, 0};
    if (i >= d->d.highlight_count)
        return none;
    const quire_span s = {d->d.highlights[i].start, d->d.highlights[i].end};
    return s;
}

size_t quire_stored_title_highlight_count(const quire_stored *d)
{
    return d->d.title_highlight_count;
}

quire_span quire_stored_title_highlight(const quire_stored *d, size_t i)
{
    const quire_span none = {0, 0};
    if (i >= d->d.title_highlight_count)
        return none;
    const quire_span s = {d->d.title_highlights[i].start, d->d.title_highlights[i].end};
    return s;
}
