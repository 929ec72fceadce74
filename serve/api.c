/*
 * api.c - api.h: routing, parameters and their limits, and the JSON of the answers. A
 * hit's fields are those of `quire-query --format json` (query/main.c print_json), in the
 * same order; tests/serve/test_http.py compares the two on the sample corpus.
 */
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assets.h"
#include "json_writer.h"

#define DEFAULT_COUNT         10
#define DEFAULT_PASSAGES      1
#define DEFAULT_PASSAGE_BYTES 240

void api_limits_init(api_limits *l)
{
    l->query_bytes = 4096;
    l->count = 100;
    l->offset = 10000;
    l->passages = 10;
    l->passage_bytes = 2000;
    l->time_ms = 5000;
}

void api_response_free(api_response *r)
{
    if (r->owned)
        free((void *)(uintptr_t)r->body);
    memset(r, 0, sizeof *r);
}

static const char oom_body[] = "{\"error\":\"out of memory\"}";

static void oom(api_response *out)
{
    memset(out, 0, sizeof *out);
    out->status = 500;
    out->content_type = "application/json";
    out->body = oom_body;
    out->body_len = sizeof oom_body - 1;
}

/* Finish a JSON answer from b (or a 500 if building it failed). */
static void answer(api_response *out, unsigned status, quire_json *b)
{
    size_t len = 0;
    char *body = quire_json_take(b, &len);
    if (body == NULL) {
        oom(out);
        return;
    }
    out->status = status;
    out->content_type = "application/json";
    out->body = body;
    out->body_len = len;
    out->owned = true;
}

void api_error(api_response *out, unsigned status, const char *message)
{
    memset(out, 0, sizeof *out);
    quire_json b = SERVE_JSON_INIT;
    quire_json_lit(&b, "{\"error\":");
    quire_json_string(&b, message, strlen(message));
    quire_json_lit(&b, "}");
    answer(out, status, &b);
}

static unsigned http_status(backend_status s)
{
    switch (s) {
    case BACKEND_OK:
        return 200;
    case BACKEND_BAD_QUERY:
    case BACKEND_UNSUPPORTED:
        return 400;
    case BACKEND_NOT_FOUND:
        return 404;
    case BACKEND_TOO_SLOW:
        return 503;
    case BACKEND_FAILED:
        break;
    }
    return 500;
}

/* {"error": message, "offset": bytes, "character": 1-based, "query": q}: where the query
 * went wrong, for the page's caret (the message says "at character N" as quire-query's). */
static void query_error(api_response *out, const backend_error *err, const char *q, size_t len)
{
    quire_json b = SERVE_JSON_INIT;
    quire_json_lit(&b, "{\"error\":");
    quire_json_string(&b, err->message, strlen(err->message));
    if (err->error_offset != SIZE_MAX && q != NULL) {
        size_t chars = 0;
        for (size_t i = 0; i < err->error_offset && i < len; chars++)
            (void)backend_utf8_next(q, len, &i);
        quire_json_printf(&b, ",\"offset\":%zu,\"character\":%zu", err->error_offset, chars + 1);
    } else {
        quire_json_lit(&b, ",\"offset\":null,\"character\":null");
    }
    if (q != NULL) {
        quire_json_lit(&b, ",\"query\":");
        quire_json_string(&b, q, len);
    }
    quire_json_lit(&b, "}");
    answer(out, http_status(err->status), &b);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct params {
    const api_request *req;
    api_response *out;
} params;

/* A count parameter in 0..max (default `def` when absent). false after answering 400. */
static bool count_param(const params *p, const char *name, uint32_t def, uint32_t min, uint32_t max,
                        uint32_t *value)
{
    size_t len = 0;
    const char *s = p->req->param(p->req->param_ctx, name, &len);
    *value = def;
    if (s == NULL || len == 0)
        return true;
    char msg[200];
    uint64_t v = 0;
    bool ok = len <= 10;
    for (size_t i = 0; i < len && ok; i++) {
        ok = s[i] >= '0' && s[i] <= '9';
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!ok || v < min || v > max) {
        (void)snprintf(msg, sizeof msg, "%s: expected a number from %u to %u", name, (unsigned)min,
                       (unsigned)max);
        api_error(p->out, 400, msg);
        return false;
    }
    *value = (uint32_t)v;
    return true;
}

static bool flag_param(const params *p, const char *name, bool *value)
{
    size_t len = 0;
    const char *s = p->req->param(p->req->param_ctx, name, &len);
    *value = false;
    if (s == NULL || len == 0 || (len == 1 && s[0] == '0') || (len == 5 && !memcmp(s, "false", 5)))
        return true;
    if ((len == 1 && s[0] == '1') || (len == 4 && !memcmp(s, "true", 4)) ||
        (len == 2 && !memcmp(s, "on", 2))) {
        *value = true;
        return true;
    }
    char msg[200];
    (void)snprintf(msg, sizeof msg, "%s: expected 1 or 0", name);
    api_error(p->out, 400, msg);
    return false;
}

static bool date_param(const params *p, const char *name, int32_t *value)
{
    size_t len = 0;
    const char *s = p->req->param(p->req->param_ctx, name, &len);
    *value = BACKEND_NO_DATE;
    if (s == NULL || len == 0)
        return true;
    if (backend_parse_date(s, len, value))
        return true;
    char msg[200];
    (void)snprintf(msg, sizeof msg, "%s: expected a date as YYYY-MM-DD", name);
    api_error(p->out, 400, msg);
    return false;
}

static const char *const sort_names[] = {"relevance", "date", "-date"};

/* The query text: present, not too long. false after answering. */
static bool query_param(const params *p, const api_limits *l, bool required, const char **q,
                        size_t *len)
{
    *q = p->req->param(p->req->param_ctx, "q", len);
    if (*q == NULL) {
        *len = 0;
        if (required) {
            api_error(p->out, 400, "q: the query is missing");
            return false;
        }
        return true;
    }
    if (*len > l->query_bytes) {
        char msg[200];
        (void)snprintf(msg, sizeof msg, "q: the query is %zu bytes long; at most %zu", *len,
                       l->query_bytes);
        api_error(p->out, 413, msg);
        return false;
    }
    return true;
}

/* "line":L,"column":C,"<offset_name>":O of a source position, null where unknown. */
static void write_position(quire_json *b, const backend_source *s, const char *offset_name)
{
    if (s->line > 0)
        quire_json_printf(b, "\"line\":%llu", (unsigned long long)s->line);
    else
        quire_json_lit(b, "\"line\":null");
    if (s->column > 0)
        quire_json_printf(b, ",\"column\":%u", (unsigned)s->column);
    else
        quire_json_lit(b, ",\"column\":null");
    if (s->offset != UINT64_MAX)
        quire_json_printf(b, ",\"%s\":%llu", offset_name, (unsigned long long)s->offset);
    else
        quire_json_printf(b, ",\"%s\":null", offset_name);
}

/* ,"end":O of a span ending at byte `end` of a text starting at doc's offset (or null). */
static void write_end(quire_json *b, const backend_source *doc, size_t end)
{
    if (doc->offset != UINT64_MAX)
        quire_json_printf(b, ",\"end\":%llu", (unsigned long long)(doc->offset + end));
    else
        quire_json_lit(b, ",\"end\":null");
}

/* A passage's "source" (plain text files only: where it and its highlights lie in the
 * file), as quire-query's print_json_passage_source. */
static void write_passage_source(quire_json *b, const backend_passage *p, const backend_source *doc)
{
    if (doc->column == 0)
        return;
    quire_json_lit(b, ",\"source\":{");
    write_position(b, &p->source, "start");
    write_end(b, doc, p->end);
    quire_json_lit(b, ",\"highlights\":[");
    for (uint32_t i = 0; i < p->highlight_count; i++) {
        quire_json_lit(b, i ? ",{" : "{");
        write_position(b, &p->highlight_sources[i], "start");
        write_end(b, doc, p->highlights[i].end);
        quire_json_lit(b, "}");
    }
    quire_json_lit(b, "]}");
}

static const char *const word_kinds[] = {"same", "stem", "variant", "substituted", "inserted"};

static void write_renderings(quire_json *b, const backend_hit *h)
{
    if (h->rendering_count == 0)
        return;
    quire_json_lit(b, ",\"renderings\":[");
    for (uint32_t k = 0; k < h->rendering_count; k++) {
        const backend_rendering *x = &h->renderings[k];
        quire_json_printf(b,
                          "%s{\"quote\":%u,\"closeness\":%.6f,\"field\":\"%s\",\"start\":%zu,"
                          "\"end\":%zu,\"words\":[",
                          k ? "," : "", (unsigned)x->quote, x->closeness,
                          x->in_title ? "title" : "text", x->start, x->end);
        for (uint32_t t = 0; t < x->token_count; t++) {
            const backend_aligned *a = &x->tokens[t];
            quire_json_printf(b, "%s{\"kind\":\"%s\",\"word\":%d,\"start\":%zu,\"end\":%zu}",
                              t ? "," : "", word_kinds[a->kind], (int)a->word, a->start, a->end);
        }
        quire_json_lit(b, "],\"missing\":[");
        for (uint32_t w = 0; w < x->missing_count; w++)
            quire_json_printf(b, "%s%u", w ? "," : "", (unsigned)x->missing[w]);
        quire_json_lit(b, "]}");
    }
    quire_json_lit(b, "]");
}

/* The hit object of quire-query --format json, rank counted from 1 over all pages. */
static void write_hit(quire_json *b, const backend_result *r, const backend_hit *h, uint32_t rank,
                      bool passages)
{
    quire_json_printf(b, "{\"rank\":%u,\"id\":", (unsigned)rank);
    quire_json_string(b, h->id, h->id_len);
    quire_json_lit(b, ",\"title\":");
    quire_json_string(b, h->title, h->title_len);
    quire_json_lit(b, ",\"date\":");
    json_date(b, h->date);
    quire_json_printf(b, ",\"score\":%.4f", h->score);
    quire_json_lit(b, ",\"origin\":");
    quire_json_string(b, h->origin, h->origin_len);
    quire_json_lit(b, ",\"source\":{");
    write_position(b, &h->source, "offset");
    quire_json_lit(b, "}");
    if (passages) {
        quire_json_lit(b, ",\"title_highlights\":");
        json_spans(b, h->title_highlights, h->title_highlight_count);
        quire_json_lit(b, ",\"passages\":[");
        for (uint32_t k = 0; k < h->passage_count; k++) {
            const backend_passage *p = &h->passages[k];
            quire_json_printf(b,
                              "%s{\"start\":%zu,\"end\":%zu,\"cut_before\":%s,\"cut_after\":%s,"
                              "\"text\":",
                              k ? "," : "", p->start, p->end, p->cut_before ? "true" : "false",
                              p->cut_after ? "true" : "false");
            quire_json_string(b, p->text, p->end - p->start);
            quire_json_lit(b, ",\"highlights\":");
            json_spans(b, p->highlights, p->highlight_count);
            write_passage_source(b, p, &h->source);
            quire_json_lit(b, "}");
        }
        quire_json_lit(b, "]");
    }
    write_renderings(b, h);
    if (r->explain != NULL && h->clause_scores != NULL) {
        quire_json_lit(b, ",\"explain\":[");
        bool any = false;
        for (uint32_t k = 0; k < r->explain->clause_count; k++) {
            if (h->clause_tfs[k] == 0 && h->clause_scores[k] == 0)
                continue;
            quire_json_printf(b, "%s{\"clause\":%u,\"tf\":%llu,\"score\":%.6f}", any ? "," : "",
                              (unsigned)k, (unsigned long long)h->clause_tfs[k],
                              h->clause_scores[k]);
            any = true;
        }
        quire_json_lit(b, "]");
    }
    quire_json_lit(b, "}");
}

static void write_forms(quire_json *b, const backend_form *f, uint32_t n)
{
    quire_json_lit(b, "[");
    for (uint32_t k = 0; k < n; k++) {
        quire_json_lit(b, k ? ",{\"form\":" : "{\"form\":");
        quire_json_string(b, f[k].form, strlen(f[k].form));
        quire_json_printf(b, ",\"documents\":%llu", (unsigned long long)f[k].docs);
        if (f[k].distance >= 0)
            quire_json_printf(b, ",\"distance\":%d", (int)f[k].distance);
        quire_json_lit(b, "}");
    }
    quire_json_lit(b, "]");
}

static void write_explain(quire_json *b, const backend_explain *e)
{
    quire_json_lit(b, ",\"explain\":{\"parsed\":");
    quire_json_string(b, e->parsed, strlen(e->parsed));
    quire_json_lit(b, ",\"clauses\":[");
    for (uint32_t i = 0; i < e->clause_count; i++) {
        const backend_clause *c = &e->clauses[i];
        quire_json_lit(b, i ? ",{\"label\":" : "{\"label\":");
        quire_json_string(b, c->label, strlen(c->label));
        quire_json_lit(b, ",\"kind\":");
        quire_json_string(b, c->kind, strlen(c->kind));
        quire_json_printf(b, ",\"excluded\":%s", c->negated ? "true" : "false");
        if (c->stem != NULL) {
            quire_json_lit(b, ",\"stem\":");
            quire_json_string(b, c->stem, strlen(c->stem));
        }
        quire_json_printf(b, ",\"documents\":%llu,\"occurrences\":%llu,\"weight\":%.6f",
                          (unsigned long long)c->df, (unsigned long long)c->occurrences, c->weight);
        if (c->distance >= 0)
            quire_json_printf(b, ",\"distance\":%d,\"not_searched\":%u", (int)c->distance,
                              (unsigned)c->forms_more);
        quire_json_lit(b, ",\"forms\":");
        write_forms(b, c->forms, c->form_count);
        if (c->word_count > 0) {
            quire_json_lit(b, ",\"word_weights\":[");
            for (uint32_t k = 0; k < c->word_count; k++)
                quire_json_printf(b, "%s%.6f", k ? "," : "", c->word_weights[k]);
            quire_json_lit(b, "]");
        }
        quire_json_lit(b, "}");
    }
    quire_json_lit(b, "]}");
}

/* The fields of quire-query's last JSON line on the query's variants, when there is
 * something to say (query/main.c print_json_query): hint, fell_back, quotes, notes, fuzzy
 * and, with explain=1, explain. */
static void write_query_fields(quire_json *b, const backend_result *r)
{
    if (r->hint != NULL) {
        quire_json_lit(b, ",\"hint\":");
        quire_json_string(b, r->hint, strlen(r->hint));
    }
    if (r->quote_count == 0 && r->note_count == 0 && r->fuzzy_count == 0 && r->explain == NULL)
        return;
    quire_json_printf(b, ",\"fell_back\":%s,\"quotes\":[", r->fell_back ? "true" : "false");
    for (uint32_t i = 0; i < r->quote_count; i++) {
        const backend_quote *q = &r->quotes[i];
        quire_json_lit(b, i ? ",{\"words\":[" : "{\"words\":[");
        for (uint32_t k = 0; k < q->word_count; k++) {
            if (k > 0)
                quire_json_lit(b, ",");
            quire_json_string(b, q->words[k], strlen(q->words[k]));
        }
        quire_json_printf(b,
                          "],\"threshold\":%g,\"exact_documents\":%llu,\"close_documents\":%llu,"
                          "\"renderings\":%llu}",
                          q->threshold, (unsigned long long)q->exact_docs,
                          (unsigned long long)q->close_docs, (unsigned long long)q->renderings);
    }
    quire_json_lit(b, "],\"notes\":[");
    for (uint32_t i = 0; i < r->note_count; i++) {
        const backend_note *n = &r->notes[i];
        quire_json_lit(b, i ? ",{\"word\":" : "{\"word\":");
        quire_json_string(b, n->word, strlen(n->word));
        quire_json_lit(b, ",\"variants\":");
        write_forms(b, n->variants, n->variant_count);
        quire_json_printf(b, ",\"more\":%u}", (unsigned)n->more);
    }
    quire_json_lit(b, "],\"fuzzy\":[");
    for (uint32_t i = 0; i < r->fuzzy_count; i++) {
        const backend_fuzzy *f = &r->fuzzy[i];
        quire_json_lit(b, i ? ",{\"word\":" : "{\"word\":");
        quire_json_string(b, f->word, strlen(f->word));
        quire_json_printf(
            b, ",\"distance\":%d,\"lowered_from\":%d,\"searched\":%u,\"in_reach\":%u}",
            (int)f->distance, (int)f->lowered_from, (unsigned)f->searched, (unsigned)f->matched);
    }
    quire_json_lit(b, "]");
    if (r->explain != NULL)
        write_explain(b, r->explain);
}

static void search(api_response *out, backend_worker *w, const api_limits *l,
                   const api_request *req)
{
    const params p = {req, out};
    backend_query q;
    memset(&q, 0, sizeof q);
    uint32_t passage_bytes = DEFAULT_PASSAGE_BYTES;
    if (!query_param(&p, l, true, &q.text, &q.text_len) || !flag_param(&p, "any", &q.match_any) ||
        !date_param(&p, "from", &q.date_from) || !date_param(&p, "to", &q.date_to) ||
        !count_param(&p, "offset", 0, 0, l->offset, &q.offset) ||
        !count_param(&p, "count", DEFAULT_COUNT, 1, l->count, &q.count) ||
        !count_param(&p, "passages", DEFAULT_PASSAGES, 0, l->passages, &q.passages) ||
        !count_param(&p, "length", DEFAULT_PASSAGE_BYTES, 16, (uint32_t)l->passage_bytes,
                     &passage_bytes) ||
        !flag_param(&p, "explain", &q.explain))
        return;
    q.passage_bytes = passage_bytes;
    size_t sort_len = 0;
    const char *sort = req->param(req->param_ctx, "sort", &sort_len);
    q.sort = BACKEND_SORT_RELEVANCE;
    if (sort != NULL && sort_len > 0) {
        size_t i = 0;
        while (i < 3 &&
               !(strlen(sort_names[i]) == sort_len && !memcmp(sort, sort_names[i], sort_len)))
            i++;
        if (i == 3) {
            api_error(out, 400, "sort: expected relevance, date or -date");
            return;
        }
        q.sort = (backend_sort)i;
    }
    const uint64_t t0 = now_ns();
    q.deadline_ns = t0 + (uint64_t)l->time_ms * 1000000u;
    backend_result r;
    backend_error err;
    const int rc = backend_search(w, &q, &r, &err);
    const uint64_t engine_us = (now_ns() - t0) / 1000;
    if (rc != 0) {
        query_error(out, &err, q.text, q.text_len);
        out->engine_us = engine_us;
        return;
    }
    quire_json b = SERVE_JSON_INIT;
    quire_json_lit(&b, "{\"query\":");
    quire_json_string(&b, q.text, q.text_len);
    quire_json_printf(&b, ",\"generation\":%llu,\"matches\":%llu,\"matches_exact\":%s",
                      (unsigned long long)r.generation, (unsigned long long)r.match_count,
                      r.match_count_exact ? "true" : "false");
    if (r.has_occurrences)
        quire_json_printf(&b, ",\"occurrences\":%llu", (unsigned long long)r.occurrence_count);
    quire_json_printf(&b, ",\"offset\":%u,\"count\":%u,\"sort\":\"%s\"", (unsigned)q.offset,
                      (unsigned)q.count, sort_names[q.sort]);
    write_query_fields(&b, &r);
    quire_json_lit(&b, ",\"hits\":[");
    for (uint32_t i = 0; i < r.hit_count; i++) {
        if (i > 0)
            quire_json_lit(&b, ",");
        write_hit(&b, &r, &r.hits[i], q.offset + i + 1, q.passages > 0);
    }
    quire_json_lit(&b, "]}");
    backend_result_free(&r);
    answer(out, 200, &b);
    out->engine_us = engine_us;
}

static void document(api_response *out, backend_worker *w, const api_limits *l,
                     const api_request *req, const char *id)
{
    const params p = {req, out};
    backend_query q;
    memset(&q, 0, sizeof q);
    if (!query_param(&p, l, false, &q.text, &q.text_len) || !flag_param(&p, "any", &q.match_any))
        return;
    const uint64_t t0 = now_ns();
    q.deadline_ns = t0 + (uint64_t)l->time_ms * 1000000u;
    backend_doc d;
    backend_error err;
    const size_t id_len = strlen(id);
    const int rc = backend_get_doc(w, id, id_len, q.text_len > 0 ? &q : NULL, &d, &err);
    out->engine_us = (now_ns() - t0) / 1000;
    if (rc != 0) {
        if (err.status == BACKEND_NOT_FOUND) {
            quire_json b = SERVE_JSON_INIT;
            quire_json_lit(&b, "{\"error\":\"no document with this id\",\"id\":");
            quire_json_string(&b, id, id_len);
            quire_json_lit(&b, "}");
            answer(out, 404, &b);
        } else {
            query_error(out, &err, q.text, q.text_len);
        }
        return;
    }
    quire_json b = SERVE_JSON_INIT;
    quire_json_lit(&b, "{\"id\":");
    quire_json_string(&b, d.id, d.id_len);
    quire_json_lit(&b, ",\"title\":");
    quire_json_string(&b, d.title, d.title_len);
    quire_json_lit(&b, ",\"date\":");
    json_date(&b, d.date);
    quire_json_printf(&b, ",\"generation\":%llu,\"length\":%zu", (unsigned long long)d.generation,
                      d.text_len);
    if (q.text != NULL) {
        quire_json_lit(&b, ",\"query\":");
        quire_json_string(&b, q.text, q.text_len);
    }
    quire_json_lit(&b, ",\"title_highlights\":");
    json_spans(&b, d.title_highlights, d.title_highlight_count);
    quire_json_lit(&b, ",\"highlights\":");
    json_spans(&b, d.highlights, d.highlight_count);
    quire_json_lit(&b, ",\"text\":");
    quire_json_string(&b, d.text, d.text_len);
    quire_json_lit(&b, "}");
    backend_doc_free(&d);
    answer(out, 200, &b);
}

static void info(api_response *out, backend *be, const api_limits *l)
{
    backend_info in;
    backend_get_info(be, &in);
    quire_json b = SERVE_JSON_INIT;
    quire_json_printf(&b, "{\"generation\":%llu,\"documents\":%llu,\"segments\":%u,",
                      (unsigned long long)in.generation, (unsigned long long)in.doc_count,
                      (unsigned)in.segment_count);
    quire_json_printf(&b, "\"sort\":[\"relevance\"%s],\"explain\":%s,",
                      in.sort_by_date ? ",\"date\",\"-date\"" : "", in.explain ? "true" : "false");
    quire_json_printf(&b,
                      "\"limits\":{\"query_bytes\":%zu,\"count\":%u,\"offset\":%u,\"passages\":%u,"
                      "\"passage_bytes\":%zu,\"time_ms\":%u}}",
                      l->query_bytes, (unsigned)l->count, (unsigned)l->offset,
                      (unsigned)l->passages, l->passage_bytes, (unsigned)l->time_ms);
    answer(out, 200, &b);
}

void api_handle(api_response *out, backend *b, backend_worker *w, const api_limits *l,
                const api_request *req)
{
    memset(out, 0, sizeof *out);
    const char *path = req->path;
    static const char doc_prefix[] = "/api/doc/";
    if (strcmp(path, "/api/search") == 0) {
        search(out, w, l, req);
    } else if (strncmp(path, doc_prefix, sizeof doc_prefix - 1) == 0) {
        document(out, w, l, req, path + sizeof doc_prefix - 1);
    } else if (strcmp(path, "/api/info") == 0) {
        info(out, b, l);
    } else {
        const serve_asset *a = serve_asset_find(path);
        if (a == NULL) {
            api_error(out, 404, "no such page");
            return;
        }
        out->status = 200;
        out->content_type = a->content_type;
        out->body = (const char *)a->data;
        out->body_len = a->len;
        out->cacheable = true;
    }
}
