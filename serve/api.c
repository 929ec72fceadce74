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
static void answer(api_response *out, unsigned status, json_buf *b)
{
    size_t len = 0;
    char *body = json_take(b, &len);
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
    json_buf b = JSON_BUF_INIT;
    json_lit(&b, "{\"error\":");
    json_string(&b, message, strlen(message));
    json_lit(&b, "}");
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
    json_buf b = JSON_BUF_INIT;
    json_lit(&b, "{\"error\":");
    json_string(&b, err->message, strlen(err->message));
    if (err->error_offset != SIZE_MAX && q != NULL) {
        size_t chars = 0;
        for (size_t i = 0; i < err->error_offset && i < len; chars++)
            (void)backend_utf8_next(q, len, &i);
        json_printf(&b, ",\"offset\":%zu,\"character\":%zu", err->error_offset, chars + 1);
    } else {
        json_lit(&b, ",\"offset\":null,\"character\":null");
    }
    if (q != NULL) {
        json_lit(&b, ",\"query\":");
        json_string(&b, q, len);
    }
    json_lit(&b, "}");
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

/* The hit object of quire-query --format json, rank counted from 1 over all pages. */
static void write_hit(json_buf *b, const backend_hit *h, uint32_t rank, bool passages)
{
    json_printf(b, "{\"rank\":%u,\"id\":", (unsigned)rank);
    json_string(b, h->id, h->id_len);
    json_lit(b, ",\"title\":");
    json_string(b, h->title, h->title_len);
    json_lit(b, ",\"date\":");
    json_date(b, h->date);
    json_printf(b, ",\"score\":%.4f", h->score);
    if (passages) {
        json_lit(b, ",\"title_highlights\":");
        json_spans(b, h->title_highlights, h->title_highlight_count);
        json_lit(b, ",\"passages\":[");
        for (uint32_t k = 0; k < h->passage_count; k++) {
            const backend_passage *p = &h->passages[k];
            json_printf(b,
                        "%s{\"start\":%zu,\"end\":%zu,\"cut_before\":%s,\"cut_after\":%s,"
                        "\"text\":",
                        k ? "," : "", p->start, p->end, p->cut_before ? "true" : "false",
                        p->cut_after ? "true" : "false");
            json_string(b, p->text, p->end - p->start);
            json_lit(b, ",\"highlights\":");
            json_spans(b, p->highlights, p->highlight_count);
            json_lit(b, "}");
        }
        json_lit(b, "]");
    }
    json_lit(b, "}");
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
                     &passage_bytes))
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
    json_buf b = JSON_BUF_INIT;
    json_lit(&b, "{\"query\":");
    json_string(&b, q.text, q.text_len);
    json_printf(&b, ",\"generation\":%llu,\"matches\":%llu,\"matches_exact\":%s",
                (unsigned long long)r.generation, (unsigned long long)r.match_count,
                r.match_count_exact ? "true" : "false");
    if (r.has_occurrences)
        json_printf(&b, ",\"occurrences\":%llu", (unsigned long long)r.occurrence_count);
    json_printf(&b, ",\"offset\":%u,\"count\":%u,\"sort\":\"%s\",\"hits\":[", (unsigned)q.offset,
                (unsigned)q.count, sort_names[q.sort]);
    for (uint32_t i = 0; i < r.hit_count; i++) {
        if (i > 0)
            json_lit(&b, ",");
        write_hit(&b, &r.hits[i], q.offset + i + 1, q.passages > 0);
    }
    json_lit(&b, "]}");
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
            json_buf b = JSON_BUF_INIT;
            json_lit(&b, "{\"error\":\"no document with this id\",\"id\":");
            json_string(&b, id, id_len);
            json_lit(&b, "}");
            answer(out, 404, &b);
        } else {
            query_error(out, &err, q.text, q.text_len);
        }
        return;
    }
    json_buf b = JSON_BUF_INIT;
    json_lit(&b, "{\"id\":");
    json_string(&b, d.id, d.id_len);
    json_lit(&b, ",\"title\":");
    json_string(&b, d.title, d.title_len);
    json_lit(&b, ",\"date\":");
    json_date(&b, d.date);
    json_printf(&b, ",\"generation\":%llu,\"length\":%zu", (unsigned long long)d.generation,
                d.text_len);
    if (q.text != NULL) {
        json_lit(&b, ",\"query\":");
        json_string(&b, q.text, q.text_len);
    }
    json_lit(&b, ",\"title_highlights\":");
    json_spans(&b, d.title_highlights, d.title_highlight_count);
    json_lit(&b, ",\"highlights\":");
    json_spans(&b, d.highlights, d.highlight_count);
    json_lit(&b, ",\"text\":");
    json_string(&b, d.text, d.text_len);
    json_lit(&b, "}");
    backend_doc_free(&d);
    answer(out, 200, &b);
}

static void info(api_response *out, backend *be, const api_limits *l)
{
    backend_info in;
    backend_get_info(be, &in);
    json_buf b = JSON_BUF_INIT;
    json_printf(&b, "{\"generation\":%llu,\"documents\":%llu,\"segments\":%u,",
                (unsigned long long)in.generation, (unsigned long long)in.doc_count,
                (unsigned)in.segment_count);
    json_printf(&b, "\"sort\":[\"relevance\"%s],", in.sort_by_date ? ",\"date\",\"-date\"" : "");
    json_printf(&b,
                "\"limits\":{\"query_bytes\":%zu,\"count\":%u,\"offset\":%u,\"passages\":%u,"
                "\"passage_bytes\":%zu,\"time_ms\":%u}}",
                l->query_bytes, (unsigned)l->count, (unsigned)l->offset, (unsigned)l->passages,
                l->passage_bytes, (unsigned)l->time_ms);
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
