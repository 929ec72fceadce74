/*
 * api.h - what quire-serve answers, independent of the HTTP library: a decoded path and
 * its query parameters in, a status, a content type and a body out. Routes:
 *
 *   /, /index.html, /app.js, /style.css   the search page (assets.h, built into the binary)
 *   /api/search?q=...                     hits (README "quire-serve")
 *   /api/doc/ID?q=...                     one document, whole, with the query's matches
 *   /api/info                             the index's generation, size and the limits
 *
 * Nothing here reads a file: pages come from the binary, documents from the backend by id.
 */
#ifndef SERVE_API_H
#define SERVE_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

typedef struct api_limits {
    size_t query_bytes;   /* longest query text (413 beyond) */
    uint32_t count;       /* most hits a request */
    uint32_t offset;      /* deepest page start */
    uint32_t passages;    /* most passages a hit */
    size_t passage_bytes; /* longest passage */
    uint32_t time_ms;     /* time a search or document may take (503 beyond) */
} api_limits;

/* Defaults: 4096-byte queries, 100 hits, offset 10000, 10 passages of 2000 bytes, 5 s. */
void api_limits_init(api_limits *l);

/* A request parameter: its decoded value and length, or NULL if absent. */
typedef const char *(*api_param_fn)(void *ctx, const char *name, size_t *len);

typedef struct api_request {
    const char *path; /* percent-decoded, starting with '/' */
    api_param_fn param;
    void *param_ctx;
} api_request;

typedef struct api_response {
    unsigned status;          /* HTTP status code */
    const char *content_type; /* static */
    const char *body;         /* `owned` or static */
    size_t body_len;          /* bytes */
    bool owned;               /* body was malloc'd: api_response_free() frees it */
    bool cacheable;           /* a page asset (the same for the binary's lifetime) */
    uint64_t engine_us;       /* microseconds spent in the backend */
    uint64_t total_us;        /* ... and in the whole request (set by server.c) */
} api_response;

/* Answer req. Never fails: errors are answers (4xx, 5xx with a JSON body {"error": ...});
 * an allocation failure gives a static 500. `w` is the calling thread's worker. */
void api_handle(api_response *out, backend *b, backend_worker *w, const api_limits *l,
                const api_request *req);
void api_response_free(api_response *r);

/* A JSON error answer {"error": message}. */
void api_error(api_response *out, unsigned status, const char *message);

#endif
