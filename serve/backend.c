/*
 * backend.c - backend.h over libquire's public API (quire/quire.h), as any other client
 * would use it: one shared quire_reader on the newest commit, swapped when a newer one
 * lands, and a quire_searcher per worker made from it. The only file of the server that
 * calls the engine.
 *
 * Sorting, paging, notes on names, close renderings, explain and the deadline are the
 * engine's (quire_search_options); the date filter is done here, the query wrapped as
 * `(q) AND date:a..b`.
 */
#include "backend.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "quire/date.h"
#include "quire/quire.h"
#include "quire/status.h" /* QUIRE_PRINTF */
#include "quire/utf8.h"

struct backend {
    char *dir;
    pthread_mutex_t lock;
    quire_reader *current; /* the backend's reference; swapped under lock */
    uint64_t highest_seen; /* highest manifest generation on disk at the last refresh */
};

struct backend_worker {
    backend *b;
    quire_reader *r;   /* one reference: the reader s searches */
    quire_searcher *s; /* made from r */
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

/* The backend status of a quire status code. */
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

/* Open the newest commit. A concurrent quire-index may remove the segments of a manifest
 * just read (it keeps the last two commits), so a failed open is tried again on the
 * commit that replaced it. */
static int open_reader(quire_reader **out, const char *dir, backend_error *err)
{
    *out = NULL;
    int rc = QUIRE_OK;
    for (int attempt = 0; attempt < 5; attempt++) {
        rc = quire_reader_open(out, dir);
        if (rc == QUIRE_OK)
            return 0;
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
    if (quire_latest_generation(dir, &b->highest_seen) != QUIRE_OK) {
        (void)fail(err, BACKEND_FAILED, "%s", quire_errmsg());
        backend_close(b);
        return -1;
    }
    if (open_reader(&b->current, dir, err) != 0) {
        backend_close(b);
        return -1;
    }
    /* The analyzer must be the index's: check it once here rather than at the first
     * request. */
    quire_searcher *s = NULL;
    const int rc = quire_searcher_new(&s, b->current);
    quire_searcher_free(s);
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
    quire_reader_close(b->current);
    (void)pthread_mutex_destroy(&b->lock);
    free(b->dir);
    free(b);
}

int backend_refresh(backend *b, bool *changed, backend_error *err)
{
    if (changed != NULL)
        *changed = false;
    uint64_t highest = 0;
    if (quire_latest_generation(b->dir, &highest) != QUIRE_OK)
        return fail(err, BACKEND_FAILED, "%s", quire_errmsg());
    (void)pthread_mutex_lock(&b->lock);
    const bool same = highest == b->highest_seen;
    (void)pthread_mutex_unlock(&b->lock);
    if (same)
        return 0;
    quire_reader *r = NULL;
    if (open_reader(&r, b->dir, err) != 0)
        return -1;
    (void)pthread_mutex_lock(&b->lock);
    quire_reader *old = NULL;
    /* The newest manifest may be damaged and the open fall back to the one we have (or,
     * were that one damaged since, an older one: never go back). */
    if (quire_reader_generation(r) > quire_reader_generation(b->current)) {
        old = b->current;
        b->current = r;
        r = NULL;
        if (changed != NULL)
            *changed = true;
    }
    b->highest_seen = highest;
    (void)pthread_mutex_unlock(&b->lock);
    quire_reader_close(old); /* workers on it keep their own references */
    if (r != NULL) {
        /* Not newer: the new manifest is damaged (or half-written by a writer that died). */
        const char *why = quire_reader_fallback(r);
        const bool damaged = why != NULL;
        if (damaged)
            (void)fail(err, BACKEND_FAILED, "%s", why);
        quire_reader_close(r);
        return damaged ? -1 : 0;
    }
    return 0;
}

void backend_get_info(backend *b, backend_info *out)
{
    memset(out, 0, sizeof *out);
    (void)pthread_mutex_lock(&b->lock);
    const quire_reader *r = b->current;
    uint64_t docs = 0, segments = 0;
    out->generation = quire_reader_generation(r);
    if (quire_reader_stat(r, QUIRE_STAT_DOCS, &docs) != QUIRE_OK)
        docs = 0; /* both are known to this library: cannot fail */
    if (quire_reader_stat(r, QUIRE_STAT_SEGMENTS, &segments) != QUIRE_OK)
        segments = 0;
    const char *why = quire_reader_fallback(r);
    (void)snprintf(out->fell_back, sizeof out->fell_back, "%s", why != NULL ? why : "");
    (void)pthread_mutex_unlock(&b->lock);
    out->doc_count = docs;
    out->segment_count = (uint32_t)segments;
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
    quire_searcher_free(w->s);
    quire_reader_close(w->r);
    free(w);
}

/* Move the worker onto the current reader, if it is not on it. */
static int attach(backend_worker *w, backend_error *err)
{
    backend *b = w->b;
    (void)pthread_mutex_lock(&b->lock);
    quire_reader *r = b->current;
    const bool moved = r != w->r;
    if (moved)
        (void)quire_reader_ref(r);
    (void)pthread_mutex_unlock(&b->lock);
    if (!moved)
        return 0;
    quire_searcher *s = NULL;
    if (quire_searcher_new(&s, r) != QUIRE_OK) {
        quire_reader_close(r);
        return fail(err, BACKEND_FAILED, "%s", quire_errmsg());
    }
    quire_searcher_free(w->s);
    quire_reader_close(w->r);
    w->s = s;
    w->r = r;
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

static uint64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* quire-query's defaults: notes on names, close renderings for a quote without exact
 * matches (README "Approximate quotes and spelling variants"); the request's deadline as
 * the time left. 1 when the deadline has passed already. */
static int options_of(quire_search_options *o, const backend_query *q)
{
    const quire_search_options d = QUIRE_SEARCH_OPTIONS_INIT;
    *o = d;
    o->flags = QUIRE_SEARCH_NOTES | QUIRE_SEARCH_FALLBACK;
    if (q->match_any)
        o->flags |= QUIRE_SEARCH_ANY;
    if (q->deadline_ns != 0) {
        const uint64_t now = now_ns();
        if (now >= q->deadline_ns)
            return 1;
        const uint64_t ms = (q->deadline_ns - now + 999999) / 1000000;
        o->time_limit_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    }
    return 0;
}

/* err from a failed query: the message, and the culprit's offset in the caller's text
 * (the library's minus `shift`, the bytes put before it). A limit hit with the deadline
 * gone is the deadline's (QUIRE_ELIMIT is also a query too large). */
static void query_failed(backend_error *err, int rc, const quire_searcher *s, size_t shift,
                         size_t user_len, uint64_t deadline_ns)
{
    const bool late = rc == QUIRE_ELIMIT && deadline_ns != 0 && now_ns() >= deadline_ns;
    (void)fail(err, late ? BACKEND_TOO_SLOW : status_of(rc), "%s", quire_errmsg());
    const size_t at = s != NULL ? quire_searcher_error_offset(s) : SIZE_MAX;
    if (at != SIZE_MAX && at >= shift && at - shift <= user_len)
        err->error_offset = at - shift;
}

static int too_slow(backend_error *err)
{
    return fail(err, BACKEND_TOO_SLOW, "the query ran past its time limit");
}

/* What a backend_result points into: the library's results, and the backend's copies of
 * them as backend.h lays them out. */
typedef struct result_impl {
    quire_results *res;
    backend_hit *hits;
    backend_passage *passages;
    backend_span *spans;
    backend_source *sources;
    backend_rendering *renderings;
    backend_aligned *tokens;
    uint32_t *missing;
    backend_form *forms;
    backend_quote *quotes;
    const char **words;
    backend_note *notes;
    backend_fuzzy *fuzzy;
    backend_clause *clauses;
    double *weights;
    double *scores;
    uint64_t *tfs;
    backend_explain explain;
} result_impl;

void backend_result_free(backend_result *r)
{
    if (r == NULL)
        return;
    result_impl *impl = r->impl;
    if (impl != NULL) {
        quire_results_free(impl->res);
        free(impl->hits);
        free(impl->passages);
        free(impl->spans);
        free(impl->sources);
        free(impl->renderings);
        free(impl->tokens);
        free(impl->missing);
        free(impl->forms);
        free(impl->quotes);
        free(impl->words);
        free(impl->notes);
        free(impl->fuzzy);
        free(impl->clauses);
        free(impl->weights);
        free(impl->scores);
        free(impl->tfs);
        free(impl);
    }
    memset(r, 0, sizeof *r);
}

static backend_source source_of(quire_position p)
{
    return (backend_source){p.line, p.column, p.offset};
}

static backend_form form_of(quire_form f)
{
    return (backend_form){f.form, f.documents, f.distance};
}

static int32_t date_of(const char *day)
{
    int32_t d;
    if (day == NULL || !quire_date_parse(day, strlen(day), &d))
        return BACKEND_NO_DATE;
    return d;
}

/* The result-level findings: quotes, notes, fuzzy words, explain. */
static int convert_query(backend_result *out, result_impl *impl, backend_error *err)
{
    const quire_results *res = impl->res;
    const size_t nq = quire_results_quote_count(res), nn = quire_results_note_count(res);
    const size_t nf = quire_results_fuzzy_count(res), nc = quire_results_clause_count(res);
    size_t forms = 0, words = 0, weights = 0;
    for (size_t i = 0; i < nn; i++)
        forms += quire_results_note_variant_count(res, i);
    for (size_t i = 0; i < nc; i++) {
        forms += quire_clause_form_count(quire_results_clause(res, i));
        weights += quire_clause_word_count(quire_results_clause(res, i));
    }
    for (size_t i = 0; i < nq; i++)
        words += quire_results_quote(res, i).word_count;
    impl->forms = calloc(forms + 1, sizeof *impl->forms);
    impl->quotes = calloc(nq + 1, sizeof *impl->quotes);
    impl->words = calloc(words + 1, sizeof *impl->words);
    impl->notes = calloc(nn + 1, sizeof *impl->notes);
    impl->fuzzy = calloc(nf + 1, sizeof *impl->fuzzy);
    impl->clauses = calloc(nc + 1, sizeof *impl->clauses);
    impl->weights = calloc(weights + 1, sizeof *impl->weights);
    if (impl->forms == NULL || impl->quotes == NULL || impl->words == NULL || impl->notes == NULL ||
        impl->fuzzy == NULL || impl->clauses == NULL || impl->weights == NULL)
        return fail(err, BACKEND_FAILED, "out of memory");
    backend_form *f = impl->forms;
    const char **w = impl->words;
    double *wt = impl->weights;
    for (size_t i = 0; i < nq; i++) {
        const quire_quote q = quire_results_quote(res, i);
        const char **first = w;
        for (size_t k = 0; k < q.word_count; k++)
            *w++ = quire_results_quote_word(res, i, k);
        impl->quotes[i] = (backend_quote){
            first,       (uint32_t)q.word_count, q.threshold, q.exact_documents, q.close_documents,
            q.renderings};
    }
    for (size_t i = 0; i < nn; i++) {
        const size_t nv = quire_results_note_variant_count(res, i);
        const backend_form *first = f;
        for (size_t k = 0; k < nv; k++)
            *f++ = form_of(quire_results_note_variant(res, i, k));
        impl->notes[i] = (backend_note){quire_results_note_word(res, i), first, (uint32_t)nv,
                                        (uint32_t)quire_results_note_more(res, i)};
    }
    for (size_t i = 0; i < nf; i++) {
        const quire_fuzzy_word z = quire_results_fuzzy(res, i);
        impl->fuzzy[i] = (backend_fuzzy){z.word, z.distance, z.lowered_from, (uint32_t)z.searched,
                                         (uint32_t)z.in_reach};
    }
    for (size_t i = 0; i < nc; i++) {
        const quire_clause *c = quire_results_clause(res, i);
        const size_t nfo = quire_clause_form_count(c), nw = quire_clause_word_count(c);
        const backend_form *first = f;
        for (size_t k = 0; k < nfo; k++)
            *f++ = form_of(quire_clause_form(c, k));
        const double *first_weight = wt;
        for (size_t k = 0; k < nw; k++)
            *wt++ = quire_clause_word_weight(c, k);
        impl->clauses[i] = (backend_clause){quire_clause_label(c),
                                            quire_clause_kind(c),
                                            quire_clause_stem(c),
                                            quire_clause_excluded(c),
                                            quire_clause_documents(c),
                                            quire_clause_weight(c),
                                            quire_clause_occurrences(c),
                                            first,
                                            (uint32_t)nfo,
                                            (uint32_t)quire_clause_forms_not_searched(c),
                                            quire_clause_distance(c),
                                            nw > 0 ? first_weight : NULL,
                                            (uint32_t)nw};
    }
    out->hint = quire_results_hint(res);
    out->fell_back = quire_results_fell_back(res);
    out->quotes = impl->quotes;
    out->quote_count = (uint32_t)nq;
    out->notes = impl->notes;
    out->note_count = (uint32_t)nn;
    out->fuzzy = impl->fuzzy;
    out->fuzzy_count = (uint32_t)nf;
    const char *parsed = quire_results_parsed(res);
    if (parsed != NULL) {
        impl->explain = (backend_explain){parsed, impl->clauses, (uint32_t)nc};
        out->explain = &impl->explain;
    }
    return 0;
}

/* The backend's hits, copied from the library's results. */
static int convert(backend_result *out, result_impl *impl, backend_error *err)
{
    const quire_results *res = impl->res;
    const size_t n = quire_results_hit_count(res), nc = quire_results_clause_count(res);
    size_t passages = 0, spans = 0, sources = 0, renderings = 0, tokens = 0, missing = 0;
    for (size_t i = 0; i < n; i++) {
        const quire_hit *h = quire_results_hit(res, i);
        passages += quire_hit_passage_count(h);
        spans += quire_hit_title_highlight_count(h);
        for (size_t k = 0; k < quire_hit_passage_count(h); k++)
            sources += quire_passage_highlight_count(quire_hit_passage(h, k));
        renderings += quire_hit_rendering_count(h);
        for (size_t k = 0; k < quire_hit_rendering_count(h); k++) {
            tokens += quire_rendering_word_count(quire_hit_rendering(h, k));
            missing += quire_rendering_missing_count(quire_hit_rendering(h, k));
        }
    }
    spans += sources;
    impl->hits = calloc(n + 1, sizeof *impl->hits);
    impl->passages = calloc(passages + 1, sizeof *impl->passages);
    impl->spans = calloc(spans + 1, sizeof *impl->spans);
    impl->sources = calloc(sources + 1, sizeof *impl->sources);
    impl->renderings = calloc(renderings + 1, sizeof *impl->renderings);
    impl->tokens = calloc(tokens + 1, sizeof *impl->tokens);
    impl->missing = calloc(missing + 1, sizeof *impl->missing);
    impl->scores = calloc(n * nc + 1, sizeof *impl->scores);
    impl->tfs = calloc(n * nc + 1, sizeof *impl->tfs);
    if (impl->hits == NULL || impl->passages == NULL || impl->spans == NULL ||
        impl->sources == NULL || impl->renderings == NULL || impl->tokens == NULL ||
        impl->missing == NULL || impl->scores == NULL || impl->tfs == NULL)
        return fail(err, BACKEND_FAILED, "out of memory");
    backend_passage *p = impl->passages;
    backend_span *sp = impl->spans;
    backend_source *src = impl->sources;
    backend_rendering *rend = impl->renderings;
    backend_aligned *tok = impl->tokens;
    uint32_t *mis = impl->missing;
    for (size_t i = 0; i < n; i++) {
        const quire_hit *h = quire_results_hit(res, i);
        backend_hit *bh = &impl->hits[i];
        bh->id = quire_hit_id(h, &bh->id_len);
        bh->title = quire_hit_title(h, &bh->title_len);
        bh->date = date_of(quire_hit_date(h));
        bh->score = quire_hit_score(h);
        bh->origin = quire_hit_origin(h, &bh->origin_len);
        bh->source = source_of(quire_hit_source(h));
        const size_t nt = quire_hit_title_highlight_count(h);
        bh->title_highlights = sp;
        bh->title_highlight_count = (uint32_t)nt;
        for (size_t k = 0; k < nt; k++, sp++) {
            const quire_span s = quire_hit_title_highlight(h, k);
            *sp = (backend_span){s.start, s.end};
        }
        bh->passages = p;
        bh->passage_count = (uint32_t)quire_hit_passage_count(h);
        for (size_t k = 0; k < bh->passage_count; k++, p++) {
            const quire_passage *qp = quire_hit_passage(h, k);
            const quire_span s = quire_passage_span(qp);
            p->start = s.start;
            p->end = s.end;
            p->cut_before = quire_passage_cut_before(qp);
            p->cut_after = quire_passage_cut_after(qp);
            p->text = quire_passage_text(qp, NULL);
            p->source = source_of(quire_passage_source(qp));
            const size_t nh = quire_passage_highlight_count(qp);
            p->highlights = sp;
            p->highlight_count = (uint32_t)nh;
            p->highlight_sources = src;
            for (size_t j = 0; j < nh; j++, sp++) {
                const quire_span hs = quire_passage_highlight(qp, j);
                *sp = (backend_span){hs.start, hs.end};
                *src++ = source_of(quire_passage_highlight_source(qp, j));
            }
        }
        bh->renderings = rend;
        bh->rendering_count = (uint32_t)quire_hit_rendering_count(h);
        for (size_t k = 0; k < bh->rendering_count; k++, rend++) {
            const quire_rendering *x = quire_hit_rendering(h, k);
            const size_t nw = quire_rendering_word_count(x), nm = quire_rendering_missing_count(x);
            backend_aligned *first_tok = tok;
            for (size_t j = 0; j < nw; j++) {
                const quire_aligned a = quire_rendering_word(x, j);
                *tok++ = (backend_aligned){a.quote_word, (backend_word_kind)a.kind, a.span.start,
                                           a.span.end};
            }
            uint32_t *first_mis = mis;
            for (size_t j = 0; j < nm; j++)
                *mis++ = (uint32_t)quire_rendering_missing(x, j);
            const quire_span s = quire_rendering_span(x);
            *rend = (backend_rendering){(uint32_t)quire_rendering_quote(x),
                                        quire_rendering_in_title(x),
                                        quire_rendering_closeness(x),
                                        s.start,
                                        s.end,
                                        first_tok,
                                        (uint32_t)nw,
                                        first_mis,
                                        (uint32_t)nm};
        }
        if (nc > 0) {
            double *scores = impl->scores + i * nc;
            uint64_t *tfs = impl->tfs + i * nc;
            for (size_t k = 0; k < nc; k++)
                scores[k] = quire_hit_clause_score(h, k, &tfs[k]);
            bh->clause_scores = scores;
            bh->clause_tfs = tfs;
        }
    }
    bool exact = false;
    out->hits = impl->hits;
    out->hit_count = (uint32_t)n;
    out->match_count = quire_results_match_count(res, &exact);
    out->match_count_exact = exact;
    uint64_t occurrences = 0;
    out->has_occurrences = quire_results_occurrences(res, &occurrences);
    out->occurrence_count = occurrences;
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
    quire_search_options o;
    if (options_of(&o, q) != 0)
        return too_slow(err);
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
    out->generation = quire_reader_generation(w->r);
    o.top_k = q->count;
    o.offset = q->offset;
    o.sort = q->sort == BACKEND_SORT_DATE        ? QUIRE_SORT_DATE
             : q->sort == BACKEND_SORT_DATE_DESC ? QUIRE_SORT_DATE_DESC
                                                 : QUIRE_SORT_RELEVANCE;
    o.passages = q->passages;
    o.passage_bytes = q->passage_bytes;
    if (q->explain)
        o.flags |= QUIRE_SEARCH_EXPLAIN;
    const int rc = quire_search(&impl->res, w->s, text, len, &o);
    free(buf);
    if (rc != QUIRE_OK) {
        query_failed(err, rc, w->s, shift, q->text_len, q->deadline_ns);
        if (shift > 0 && err->status == BACKEND_BAD_QUERY) {
            /* The culprit may lie in what we added (an unclosed '(' of the user's is
             * reported at ours): their text alone gives the right message and place. */
            quire_search_options ob;
            quire_results *bare = NULL;
            if (options_of(&ob, q) == 0) {
                ob.top_k = 0;
                const int bare_rc = quire_search(&bare, w->s, q->text, q->text_len, &ob);
                if (bare_rc == QUIRE_OK)
                    quire_results_free(bare);
                else
                    query_failed(err, bare_rc, w->s, 0, q->text_len, q->deadline_ns);
            }
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
    quire_stored *d;
    backend_span *spans;
} doc_impl;

void backend_doc_free(backend_doc *d)
{
    if (d == NULL)
        return;
    doc_impl *impl = d->impl;
    if (impl != NULL) {
        quire_stored_free(impl->d);
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
    quire_search_options o;
    const quire_search_options d0 = QUIRE_SEARCH_OPTIONS_INIT;
    o = d0;
    if (q != NULL && options_of(&o, q) != 0)
        return too_slow(err);
    doc_impl *impl = calloc(1, sizeof *impl);
    if (impl == NULL)
        return fail(err, BACKEND_FAILED, "out of memory");
    out->impl = impl;
    out->generation = quire_reader_generation(w->r);
    const int rc = quire_searcher_document(&impl->d, w->s, id, id_len, q != NULL ? q->text : NULL,
                                           q != NULL ? q->text_len : 0, &o);
    if (rc != QUIRE_OK) {
        query_failed(err, rc, w->s, 0, q != NULL ? q->text_len : 0, q != NULL ? q->deadline_ns : 0);
        backend_doc_free(out);
        return -1;
    }
    const quire_stored *d = impl->d;
    const size_t nh = quire_stored_highlight_count(d), nt = quire_stored_title_highlight_count(d);
    impl->spans = calloc(nh + nt + 1, sizeof *impl->spans);
    if (impl->spans == NULL) {
        backend_doc_free(out);
        return fail(err, BACKEND_FAILED, "out of memory");
    }
    backend_span *sp = impl->spans;
    out->highlights = sp;
    out->highlight_count = (uint32_t)nh;
    for (size_t i = 0; i < nh; i++, sp++) {
        const quire_span s = quire_stored_highlight(d, i);
        *sp = (backend_span){s.start, s.end};
    }
    out->title_highlights = sp;
    out->title_highlight_count = (uint32_t)nt;
    for (size_t i = 0; i < nt; i++, sp++) {
        const quire_span s = quire_stored_title_highlight(d, i);
        *sp = (backend_span){s.start, s.end};
    }
    out->id = quire_stored_id(d, &out->id_len);
    out->title = quire_stored_title(d, &out->title_len);
    out->date = date_of(quire_stored_date(d));
    out->text = quire_stored_text(d, &out->text_len);
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
