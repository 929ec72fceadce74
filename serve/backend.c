/*
 * backend.c - backend.h over the query library (query/query.h): one shared quire_index
 * snapshot, reference-counted, and a searcher per worker opened on it with
 * search_open_index(). When libquire (#12) lands, this file alone moves onto it.
 *
 * Sorting, paging, notes on names, close renderings and explain are the engine's
 * (search_options); the date filter is done here, the query wrapped as
 * `(q) AND date:a..b`.
 */
#include "backend.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query.h"
#include "quire/analysis.h"
#include "quire/date.h"
#include "quire/index.h"
#include "quire/manifest.h"
#include "quire/status.h"

/* One commit, shared by the workers reading it. */
typedef struct snapshot {
    quire_index *ix;
    uint64_t generation;
    char fell_back[512]; /* why an older commit was opened (newest damaged), or "" */
    uint32_t refs;       /* the backend's (while current) + one per worker on it; under b->lock */
} snapshot;

struct backend {
    char *dir;
    pthread_mutex_t lock;
    snapshot *current;
    uint64_t highest_seen; /* highest manifest generation on disk at the last refresh */
};

struct backend_worker {
    backend *b;
    snapshot *snap; /* the snapshot s reads */
    searcher *s;
};

QUIRE_PRINTF(3, 4)
static int fail(backend_error *err, backend_status status, const char *fmt, ...)
{
    err->status = status;
    err->error_offset = SIZE_MAX;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* The backend status of a quire status code from the query library. */
static backend_status status_of(int rc)
{
    switch (rc) {
    case QUIRE_EINVAL:
    case QUIRE_ELIMIT:
        return BACKEND_BAD_QUERY;
    case QUIRE_ENOTFOUND:
        return BACKEND_NOT_FOUND;
    default:
        return BACKEND_FAILED;
    }
}

static void unref(backend *b, snapshot *snap)
{
    if (snap == NULL)
        return;
    (void)pthread_mutex_lock(&b->lock);
    const uint32_t left = --snap->refs;
    (void)pthread_mutex_unlock(&b->lock);
    if (left == 0) {
        quire_index_close(snap->ix);
        free(snap);
    }
}

/* Open the newest commit. A concurrent quire-index may remove the segments of a manifest
 * just read (it keeps the last two commits), so a failed open is tried again on the
 * commit that replaced it. */
static int open_snapshot(snapshot **out, const char *dir, backend_error *err)
{
    *out = NULL;
    int rc = QUIRE_OK;
    for (int attempt = 0; attempt < 5; attempt++) {
        quire_index *ix = NULL;
        bool fell_back = false;
        rc = quire_index_open(&ix, dir, &fell_back);
        if (rc == QUIRE_OK) {
            snapshot *snap = calloc(1, sizeof *snap);
            if (snap == NULL) {
                quire_index_close(ix);
                return fail(err, BACKEND_FAILED, "%s: out of memory", dir);
            }
            if (fell_back)
                (void)snprintf(snap->fell_back, sizeof snap->fell_back, "%s", quire_errmsg());
            snap->ix = ix;
            snap->generation = quire_index_manifest(ix)->generation;
            snap->refs = 1;
            *out = snap;
            return 0;
        }
        if (rc == QUIRE_ENOTFOUND)
            return fail(err, BACKEND_FAILED, "%s: not an index (no manifest)", dir);
        if (rc != QUIRE_ECORRUPT)
            break;
        const struct timespec pause = {0, 20 * 1000 * 1000};
        (void)nanosleep(&pause, NULL);
    }
    return fail(err, BACKEND_FAILED, "%s", quire_errmsg());
}

int backend_open(backend **out, const char *dir, backend_error *err)
{
    *out = NULL;
    backend *b = calloc(1, sizeof *b);
    if (b == NULL || (b->dir = strdup(dir)) == NULL) {
        free(b);
        return fail(err, BACKEND_FAILED, "%s: out of memory", dir);
    }
    (void)pthread_mutex_init(&b->lock, NULL);
    /* The highest generation first: a commit landing during the open moves it again, and
     * the first refresh then picks that commit up. */
    if (quire_manifest_highest_generation(dir, &b->highest_seen) != QUIRE_OK) {
        (void)fail(err, BACKEND_FAILED, "%s", quire_errmsg());
        backend_close(b);
        return -1;
    }
    if (open_snapshot(&b->current, dir, err) != 0) {
        backend_close(b);
        return -1;
    }
    /* The analyzer must be the index's: check it once here rather than at the first
     * request. */
    searcher *s = NULL;
    const int rc = search_open_index(&s, b->current->ix, dir);
    search_close(s);
    if (rc != QUIRE_OK) {
        (void)fail(err, BACKEND_FAILED, "%s", quire_errmsg());
        backend_close(b);
        return -1;
    }
    *out = b;
    return 0;
}

void backend_close(backend *b)
{
    if (b == NULL)
        return;
    if (b->current != NULL)
        unref(b, b->current);
    (void)pthread_mutex_destroy(&b->lock);
    free(b->dir);
    free(b);
}

int backend_refresh(backend *b, bool *changed, backend_error *err)
{
    if (changed != NULL)
        *changed = false;
    uint64_t highest = 0;
    if (quire_manifest_highest_generation(b->dir, &highest) != QUIRE_OK)
        return fail(err, BACKEND_FAILED, "%s", quire_errmsg());
    (void)pthread_mutex_lock(&b->lock);
    const bool same = highest == b->highest_seen;
    (void)pthread_mutex_unlock(&b->lock);
    if (same)
        return 0;
    snapshot *snap = NULL;
    if (open_snapshot(&snap, b->dir, err) != 0)
        return -1;
    (void)pthread_mutex_lock(&b->lock);
    snapshot *old = NULL;
    /* The newest manifest may be damaged and the open fall back to the one we have (or,
     * were that one damaged since, an older one: never go back). */
    if (snap->generation > b->current->generation) {
        old = b->current;
        b->current = snap;
        snap = NULL;
        if (changed != NULL)
            *changed = true;
    }
    b->highest_seen = highest;
    (void)pthread_mutex_unlock(&b->lock);
    unref(b, old);
    if (snap != NULL) {
        /* Not newer: the new manifest is damaged (or half-written by a writer that died). */
        const bool damaged = snap->fell_back[0] != '\0';
        if (damaged)
            (void)fail(err, BACKEND_FAILED, "%s", snap->fell_back);
        unref(b, snap);
        return damaged ? -1 : 0;
    }
    return 0;
}

void backend_get_info(backend *b, backend_info *out)
{
    memset(out, 0, sizeof *out);
    (void)pthread_mutex_lock(&b->lock);
    const quire_index *ix = b->current->ix;
    out->generation = b->current->generation;
    out->doc_count = quire_index_doc_count(ix);
    out->segment_count = quire_index_segment_count(ix);
    (void)snprintf(out->fell_back, sizeof out->fell_back, "%s", b->current->fell_back);
    (void)pthread_mutex_unlock(&b->lock);
    out->sort_by_date = true;
    out->explain = true;
}

int backend_worker_new(backend_worker **out, backend *b, backend_error *err)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return fail(err, BACKEND_FAILED, "out of memory");
    (*out)->b = b;
    return 0;
}

void backend_worker_free(backend_worker *w)
{
    if (w == NULL)
        return;
    search_close(w->s);
    unref(w->b, w->snap);
    free(w);
}

/* Move the worker onto the current snapshot, if it is not on it. */
static int attach(backend_worker *w, backend_error *err)
{
    backend *b = w->b;
    (void)pthread_mutex_lock(&b->lock);
    snapshot *snap = b->current;
    const bool moved = snap != w->snap;
    if (moved)
        snap->refs++;
    (void)pthread_mutex_unlock(&b->lock);
    if (!moved)
        return 0;
    searcher *s = NULL;
    if (search_open_index(&s, snap->ix, b->dir) != QUIRE_OK) {
        unref(b, snap);
        return fail(err, BACKEND_FAILED, "%s", quire_errmsg());
    }
    search_close(w->s);
    unref(b, w->snap);
    w->s = s;
    w->snap = snap;
    return 0;
}

/* The query text with the date filter added: `(q) AND date:FROM..TO`, in buf (malloc'd)
 * or q itself when there is no filter. *shift: bytes added before q. */
static int with_dates(const backend_query *q, char **buf, const char **text, size_t *len,
                      size_t *shift, backend_error *err)
{
    *buf = NULL;
    *text = q->text;
    *len = q->text_len;
    *shift = 0;
    if (q->date_from == BACKEND_NO_DATE && q->date_to == BACKEND_NO_DATE)
        return 0;
    char from[11] = "", to[11] = "";
    if (q->date_from != BACKEND_NO_DATE)
        quire_date_format(q->date_from, from);
    if (q->date_to != BACKEND_NO_DATE)
        quire_date_format(q->date_to, to);
    const size_t cap = q->text_len + 64;
    *buf = malloc(cap);
    if (*buf == NULL)
        return fail(err, BACKEND_FAILED, "out of memory");
    const int n =
        snprintf(*buf, cap, "(%.*s) AND date:%s..%s", (int)q->text_len, q->text, from, to);
    *text = *buf;
    *len = (size_t)n;
    *shift = 1;
    return 0;
}

/* quire-query's defaults: notes on names, close renderings for a quote without exact
 * matches (README "Approximate quotes and spelling variants"). */
static void options_of(search_options *o, const backend_query *q)
{
    search_options_init(o);
    o->notes = true;
    o->fallback = true;
    o->match_any = q->match_any;
    o->deadline_ns = q->deadline_ns;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* err from a failed query: the message, and the culprit's offset in the caller's text
 * (the query library's minus `shift`, the bytes put before it). A limit hit with the
 * deadline gone is the deadline's (QUIRE_ELIMIT is also a query too large). */
static void query_failed(backend_error *err, int rc, const searcher *s, size_t shift,
                         size_t user_len, uint64_t deadline_ns)
{
    const bool late = rc == QUIRE_ELIMIT && deadline_ns != 0 && now_ns() >= deadline_ns;
    (void)fail(err, late ? BACKEND_TOO_SLOW : status_of(rc), "%s", quire_errmsg());
    const size_t at = search_error_offset(s);
    if (at != SIZE_MAX && at >= shift && at - shift <= user_len)
        err->error_offset = at - shift;
}

typedef struct result_impl {
    search_result r;
    backend_hit *hits;
    backend_passage *passages;
    backend_span *spans;
    backend_source *sources;
    backend_rendering *renderings;
    backend_aligned *tokens;
    backend_form *forms;
    backend_quote *quotes;
    backend_note *notes;
    backend_fuzzy *fuzzy;
    backend_clause *clauses;
    backend_explain explain;
} result_impl;

void backend_result_free(backend_result *r)
{
    if (r == NULL)
        return;
    result_impl *impl = r->impl;
    if (impl != NULL) {
        search_result_free(&impl->r);
        free(impl->hits);
        free(impl->passages);
        free(impl->spans);
        free(impl->sources);
        free(impl->renderings);
        free(impl->tokens);
        free(impl->forms);
        free(impl->quotes);
        free(impl->notes);
        free(impl->fuzzy);
        free(impl->clauses);
        free(impl);
    }
    memset(r, 0, sizeof *r);
}

static const backend_span *copy_spans(backend_span **at, const search_highlight *h, uint32_t n)
{
    backend_span *first = *at;
    for (uint32_t i = 0; i < n; i++)
        first[i] = (backend_span){h[i].start, h[i].end};
    *at += n;
    return first;
}

static backend_source source_of(const search_source *s)
{
    return (backend_source){s->line, s->column, s->offset};
}

static const backend_form *copy_forms(backend_form **at, const search_form *f, uint32_t n)
{
    backend_form *first = *at;
    for (uint32_t i = 0; i < n; i++)
        first[i] = (backend_form){f[i].form, f[i].docs, f[i].distance};
    *at += n;
    return first;
}

/* The backend's renderings of a hit from the engine's, tokens from *tok on. */
static const backend_rendering *copy_renderings(backend_rendering **at, backend_aligned **tok,
                                                const search_hit *h)
{
    backend_rendering *first = *at;
    for (uint32_t i = 0; i < h->rendering_count; i++) {
        const search_rendering *x = &h->renderings[i];
        backend_aligned *t = *tok;
        for (uint32_t k = 0; k < x->token_count; k++)
            t[k] = (backend_aligned){x->tokens[k].word, (backend_word_kind)x->tokens[k].kind,
                                     x->tokens[k].start, x->tokens[k].end};
        *tok += x->token_count;
        first[i] = (backend_rendering){x->quote, x->in_title, x->closeness, x->start, x->end,
                                       t, x->token_count, x->missing, x->missing_count};
    }
    *at += h->rendering_count;
    return first;
}

/* The result-level findings: quotes, notes, fuzzy words, explain. */
static int convert_query(backend_result *out, result_impl *impl, backend_error *err)
{
    const search_result *r = &impl->r;
    size_t forms = 0;
    for (uint32_t i = 0; i < r->note_count; i++)
        forms += r->notes[i].variant_count;
    const uint32_t clauses = r->explain != NULL ? r->explain->clause_count : 0;
    for (uint32_t i = 0; i < clauses; i++)
        forms += r->explain->clauses[i].form_count;
    impl->forms = calloc(forms + 1, sizeof *impl->forms);
    impl->quotes = calloc((size_t)r->quote_count + 1, sizeof *impl->quotes);
    impl->notes = calloc((size_t)r->note_count + 1, sizeof *impl->notes);
    impl->fuzzy = calloc((size_t)r->fuzzy_count + 1, sizeof *impl->fuzzy);
    impl->clauses = calloc((size_t)clauses + 1, sizeof *impl->clauses);
    if (impl->forms == NULL || impl->quotes == NULL || impl->notes == NULL ||
        impl->fuzzy == NULL || impl->clauses == NULL)
        return fail(err, BACKEND_FAILED, "out of memory");
    backend_form *f = impl->forms;
    for (uint32_t i = 0; i < r->quote_count; i++) {
        const search_quote *q = &r->quotes[i];
        impl->quotes[i] = (backend_quote){(const char *const *)q->words, q->word_count,
                                          q->threshold, q->exact_docs, q->close_docs,
                                          q->renderings};
    }
    for (uint32_t i = 0; i < r->note_count; i++) {
        const search_word_note *n = &r->notes[i];
        impl->notes[i] = (backend_note){n->word, copy_forms(&f, n->variants, n->variant_count),
                                        n->variant_count, n->more};
    }
    for (uint32_t i = 0; i < r->fuzzy_count; i++) {
        const search_fuzzy *z = &r->fuzzy[i];
        impl->fuzzy[i] =
            (backend_fuzzy){z->word, z->distance, z->lowered_from, z->searched, z->matched};
    }
    for (uint32_t i = 0; i < clauses; i++) {
        const search_clause *c = &r->explain->clauses[i];
        impl->clauses[i] = (backend_clause){c->label,
                                            c->kind,
                                            c->stem,
                                            c->negated,
                                            c->df,
                                            c->weight,
                                            c->occurrences,
                                            copy_forms(&f, c->forms, c->form_count),
                                            c->form_count,
                                            c->forms_more,
                                            c->distance,
                                            c->word_weights,
                                            c->word_count};
    }
    out->hint = r->hint;
    out->fell_back = r->fell_back;
    out->quotes = impl->quotes;
    out->quote_count = r->quote_count;
    out->notes = impl->notes;
    out->note_count = r->note_count;
    out->fuzzy = impl->fuzzy;
    out->fuzzy_count = r->fuzzy_count;
    if (r->explain != NULL) {
        impl->explain = (backend_explain){r->explain->parsed, impl->clauses, clauses};
        out->explain = &impl->explain;
    }
    return 0;
}

/* Point the backend's hits at the search result's. */
static int convert(backend_result *out, result_impl *impl, backend_error *err)
{
    const search_result *r = &impl->r;
    const uint32_t n = r->hit_count;
    size_t passages = 0, spans = 0, sources = 0, renderings = 0, tokens = 0;
    for (uint32_t i = 0; i < n; i++) {
        const search_hit *h = &r->hits[i];
        passages += h->passage_count;
        spans += h->title_highlight_count;
        for (uint32_t k = 0; k < h->passage_count; k++)
            sources += h->passages[k].highlight_count;
        renderings += h->rendering_count;
        for (uint32_t k = 0; k < h->rendering_count; k++)
            tokens += h->renderings[k].token_count;
    }
    spans += sources;
    impl->hits = calloc((size_t)n + 1, sizeof *impl->hits);
    impl->passages = calloc(passages + 1, sizeof *impl->passages);
    impl->spans = calloc(spans + 1, sizeof *impl->spans);
    impl->sources = calloc(sources + 1, sizeof *impl->sources);
    impl->renderings = calloc(renderings + 1, sizeof *impl->renderings);
    impl->tokens = calloc(tokens + 1, sizeof *impl->tokens);
    if (impl->hits == NULL || impl->passages == NULL || impl->spans == NULL ||
        impl->sources == NULL || impl->renderings == NULL || impl->tokens == NULL)
        return fail(err, BACKEND_FAILED, "out of memory");
    backend_passage *p = impl->passages;
    backend_span *sp = impl->spans;
    backend_source *src = impl->sources;
    backend_rendering *rend = impl->renderings;
    backend_aligned *tok = impl->tokens;
    for (uint32_t i = 0; i < n; i++) {
        const search_hit *h = &r->hits[i];
        backend_hit *bh = &impl->hits[i];
        bh->id = h->external_id;
        bh->id_len = h->external_id_len;
        bh->title = h->title;
        bh->title_len = h->title_len;
        bh->date = h->date == QUIRE_NO_DATE ? BACKEND_NO_DATE : h->date;
        bh->score = h->score;
        bh->origin = h->origin != NULL ? h->origin : "";
        bh->origin_len = h->origin != NULL ? h->origin_len : 0;
        bh->source = source_of(&h->source);
        bh->title_highlights = copy_spans(&sp, h->title_highlights, h->title_highlight_count);
        bh->title_highlight_count = h->title_highlight_count;
        bh->passages = p;
        bh->passage_count = h->passage_count;
        for (uint32_t k = 0; k < h->passage_count; k++, p++) {
            const search_passage *sp0 = &h->passages[k];
            p->start = sp0->start;
            p->end = sp0->end;
            p->cut_before = sp0->cut_before;
            p->cut_after = sp0->cut_after;
            p->text = sp0->text;
            p->highlights = copy_spans(&sp, sp0->highlights, sp0->highlight_count);
            p->highlight_count = sp0->highlight_count;
            p->source = source_of(&sp0->source);
            p->highlight_sources = src;
            for (uint32_t j = 0; j < sp0->highlight_count; j++)
                *src++ = source_of(&sp0->highlights[j].source);
        }
        bh->renderings = copy_renderings(&rend, &tok, h);
        bh->rendering_count = h->rendering_count;
        bh->clause_scores = h->clause_scores;
        bh->clause_tfs = h->clause_tfs;
    }
    out->hits = impl->hits;
    out->hit_count = n;
    out->match_count = r->match_count;
    out->match_count_exact = r->match_count_exact;
    out->has_occurrences = r->has_occurrences;
    out->occurrence_count = r->occurrence_count;
    return convert_query(out, impl, err);
}

int backend_search(backend_worker *w, const backend_query *q, backend_result *out,
                   backend_error *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    err->error_offset = SIZE_MAX;
    if (attach(w, err) != 0)
        return -1;
    char *buf;
    const char *text;
    size_t len, shift;
    if (with_dates(q, &buf, &text, &len, &shift, err) != 0)
        return -1;
    result_impl *impl = calloc(1, sizeof *impl);
    if (impl == NULL) {
        free(buf);
        return fail(err, BACKEND_FAILED, "out of memory");
    }
    out->impl = impl;
    out->generation = w->snap->generation;
    search_options o;
    options_of(&o, q);
    o.query = text;
    o.query_len = len;
    o.top_k = q->count;
    o.offset = q->offset;
    o.sort = q->sort == BACKEND_SORT_DATE        ? SEARCH_SORT_DATE
             : q->sort == BACKEND_SORT_DATE_DESC ? SEARCH_SORT_DATE_DESC
                                                 : SEARCH_SORT_RELEVANCE;
    o.passages = q->passages;
    o.passage_bytes = q->passage_bytes;
    o.explain = q->explain;
    const int rc = search_query(&impl->r, w->s, &o);
    free(buf);
    if (rc != QUIRE_OK) {
        query_failed(err, rc, w->s, shift, q->text_len, q->deadline_ns);
        if (shift > 0 && err->status == BACKEND_BAD_QUERY) {
            /* The culprit may lie in what we added (an unclosed '(' of the user's is
             * reported at ours): their text alone gives the right message and place. */
            search_result bare;
            search_options ob;
            options_of(&ob, q);
            ob.query = q->text;
            ob.query_len = q->text_len;
            ob.top_k = 0;
            const int bare_rc = search_query(&bare, w->s, &ob);
            if (bare_rc == QUIRE_OK)
                search_result_free(&bare);
            else
                query_failed(err, bare_rc, w->s, 0, q->text_len, q->deadline_ns);
        }
        backend_result_free(out);
        return -1;
    }
    if (convert(out, impl, err) != 0) {
        backend_result_free(out);
        return -1;
    }
    return 0;
}

typedef struct doc_impl {
    search_marked_doc d;
    backend_span *spans;
} doc_impl;

void backend_doc_free(backend_doc *d)
{
    if (d == NULL)
        return;
    doc_impl *impl = d->impl;
    if (impl != NULL) {
        search_marked_doc_free(&impl->d);
        free(impl->spans);
        free(impl);
    }
    memset(d, 0, sizeof *d);
}

int backend_get_doc(backend_worker *w, const char *id, size_t id_len, const backend_query *q,
                    backend_doc *out, backend_error *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    err->error_offset = SIZE_MAX;
    if (attach(w, err) != 0)
        return -1;
    doc_impl *impl = calloc(1, sizeof *impl);
    if (impl == NULL)
        return fail(err, BACKEND_FAILED, "out of memory");
    out->impl = impl;
    out->generation = w->snap->generation;
    search_options o;
    search_options_init(&o);
    if (q != NULL) {
        options_of(&o, q);
        o.query = q->text;
        o.query_len = q->text_len;
    }
    const int rc = search_get_marked_doc(&impl->d, w->s, id, id_len, &o);
    if (rc != QUIRE_OK) {
        query_failed(err, rc, w->s, 0, q != NULL ? q->text_len : 0, o.deadline_ns);
        backend_doc_free(out);
        return -1;
    }
    const search_marked_doc *d = &impl->d;
    impl->spans =
        calloc((size_t)d->highlight_count + d->title_highlight_count + 1, sizeof *impl->spans);
    if (impl->spans == NULL) {
        backend_doc_free(out);
        return fail(err, BACKEND_FAILED, "out of memory");
    }
    backend_span *sp = impl->spans;
    out->highlights = copy_spans(&sp, d->highlights, d->highlight_count);
    out->highlight_count = d->highlight_count;
    out->title_highlights = copy_spans(&sp, d->title_highlights, d->title_highlight_count);
    out->title_highlight_count = d->title_highlight_count;
    out->id = d->external_id;
    out->id_len = d->external_id_len;
    out->title = d->title;
    out->title_len = d->title_len;
    out->date = d->date == QUIRE_NO_DATE ? BACKEND_NO_DATE : d->date;
    out->text = d->text;
    out->text_len = d->text_len;
    return 0;
}

void backend_format_date(int32_t date, char buf[11])
{
    quire_date_format(date, buf);
}

bool backend_parse_date(const char *s, size_t len, int32_t *date)
{
    return quire_date_parse(s, len, date);
}

uint32_t backend_utf8_next(const char *s, size_t len, size_t *at)
{
    return quire_utf8_next((const uint8_t *)s, len, at);
}
