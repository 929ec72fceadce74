/*
 * server.c - server.h on libmicrohttpd: its internal thread pool (MHD_OPTION_THREAD_POOL_SIZE:
 * each thread polls its share of the connections and runs their requests), a
 * backend_worker per pool thread in thread-specific storage, and the checks made before a
 * request reaches api.c: only GET and HEAD, no body, request line and headers bounded.
 */
#include "server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Every answer's headers: nothing is loaded from elsewhere, run inline or framed; nothing
 * is sniffed into another type (the page builds its DOM with textContent only). */
#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

struct server {
    struct MHD_Daemon *daemon;
    backend *b;
    server_options o;
    pthread_key_t worker_key;
    bool key_made;
    uint16_t port;
    bool loopback;
    char address[160];
};

void server_options_init(server_options *o)
{
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->port = "8080";
    o->threads = 4;
    o->max_connections = 256;
    o->idle_timeout_s = 30;
    o->max_request_bytes = 16384;
    api_limits_init(&o->limits);
}

static void free_worker(void *w)
{
    backend_worker_free(w);
}

/* The calling pool thread's worker, made at its first request and freed when the thread
 * ends (server_stop joins them). */
static backend_worker *thread_worker(server *s)
{
    backend_worker *w = pthread_getspecific(s->worker_key);
    if (w != NULL)
        return w;
    backend_error err;
    if (backend_worker_new(&w, s->b, &err) != 0)
        return NULL;
    if (pthread_setspecific(s->worker_key, w) != 0) {
        backend_worker_free(w);
        return NULL;
    }
    return w;
}

static const char *get_param(void *ctx, const char *name, size_t *len)
{
    const char *v = NULL;
    size_t n = 0;
    if (MHD_lookup_connection_value_n(ctx, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v, &n) !=
        MHD_YES)
        return NULL;
    if (v == NULL) { /* "?q" with no "=" */
        v = "";
        n = 0;
    }
    *len = n;
    return v;
}

static enum MHD_Result add_size(void *cls, enum MHD_ValueKind kind, const char *key,
                                size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    (void)key;
    *(size_t *)cls += key_size + value_size + 4; /* ": " and CRLF, or "=" and "&" */
    (void)value;
    return MHD_YES;
}

static enum MHD_Result send_answer(struct MHD_Connection *c, const api_response *r,
                                   const char *allow)
{
    struct MHD_Response *resp;
    if (r->owned)
        resp = MHD_create_response_from_buffer_with_free_callback(r->body_len,
                                                                  (void *)(uintptr_t)r->body, free);
    else
        resp = MHD_create_response_from_buffer(r->body_len, (void *)(uintptr_t)r->body,
                                               MHD_RESPMEM_PERSISTENT);
    if (resp == NULL) {
        if (r->owned)
            free((void *)(uintptr_t)r->body);
        return MHD_NO;
    }
    /* engine: the search in the backend; total: the request in api.c, JSON included. */
    char timing[96];
    (void)snprintf(timing, sizeof timing, "engine;dur=%.3f, total;dur=%.3f",
                   (double)r->engine_us / 1000.0, (double)r->total_us / 1000.0);
    bool ok = MHD_add_response_header(resp, "Content-Type", r->content_type) == MHD_YES &&
              MHD_add_response_header(resp, "Content-Security-Policy", CSP) == MHD_YES &&
              MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") == MHD_YES &&
              MHD_add_response_header(resp, "X-Frame-Options", "DENY") == MHD_YES &&
              MHD_add_response_header(resp, "Referrer-Policy", "no-referrer") == MHD_YES &&
              MHD_add_response_header(resp, "Cache-Control",
                                      r->cacheable ? "no-cache" : "no-store") == MHD_YES &&
              MHD_add_response_header(resp, "Server-Timing", timing) == MHD_YES;
    if (ok && allow != NULL)
        ok = MHD_add_response_header(resp, "Allow", allow) == MHD_YES;
    const enum MHD_Result rc = ok ? MHD_queue_response(c, r->status, resp) : MHD_NO;
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result refuse(struct MHD_Connection *c, unsigned status, const char *message,
                              const char *allow)
{
    api_response r;
    api_error(&r, status, message);
    return send_answer(c, &r, allow);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls)
{
    server *s = cls;
    (void)version;
    (void)upload_data;
    static int checked;
    if (*con_cls == NULL) {
        /* First call: the headers are in, no body read. Refusals go out now (and MHD then
         * closes the connection, the rest of the request unread); an answer waits for the
         * next call, at the end of the request, so that the connection can be kept. */
        *con_cls = &checked;
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            return refuse(c, 405, "only GET and HEAD: quire-serve is read-only", "GET, HEAD");
        const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if ((length != NULL && strcmp(length, "0") != 0) ||
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding") != NULL)
            return refuse(c, 413, "a request body is not accepted", NULL);
        size_t size = strlen(url) + strlen(method) + 16;
        (void)MHD_get_connection_values_n(c, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND, add_size,
                                          &size);
        if (size > s->o.max_request_bytes) {
            char msg[160];
            (void)snprintf(msg, sizeof msg, "the request is %zu bytes long; at most %zu", size,
                           s->o.max_request_bytes);
            return refuse(c, 413, msg, NULL);
        }
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* cannot happen: a body was refused above */
        return MHD_YES;
    }
    backend_worker *w = thread_worker(s);
    if (w == NULL)
        return refuse(c, 500, "out of memory", NULL);
    const api_request req = {url, get_param, c};
    api_response r;
    struct timespec t0, t1;
    (void)clock_gettime(CLOCK_MONOTONIC, &t0);
    api_handle(&r, s->b, w, &s->o.limits, &req);
    (void)clock_gettime(CLOCK_MONOTONIC, &t1);
    r.total_us = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
    if (r.status >= 500)
        (void)fprintf(stderr, "quire-serve: %s %s: %u %.*s\n", method, url, r.status,
                      (int)(r.body_len < 300 ? r.body_len : 300), r.body);
    return send_answer(c, &r, NULL);
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* MHD's percent-decoding of the path and the parameters, but for %00, which is kept as it
 * is: a NUL would end the C string early, so that "/app.js%00.html" became "/app.js". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *o = s;
    for (const char *i = s; *i != '\0'; i++) {
        int hi, lo;
        if (i[0] == '%' && (hi = hex_digit(i[1])) >= 0 && (lo = hex_digit(i[2])) >= 0 &&
            (hi | lo) != 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = *i;
        }
    }
    *o = '\0';
    return (size_t)(o - s);
}

__attribute__((format(printf, 2, 0))) static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    const size_t n = strlen(msg);
    (void)fprintf(stderr, "quire-serve: %.*s\n", (int)(n > 0 && msg[n - 1] == '\n' ? n - 1 : n),
                  msg);
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        const uint8_t *a = in6->sin6_addr.s6_addr;
        static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
               (memcmp(a, v4_mapped, 12) == 0 && a[12] == 127);
    }
    return false;
}

int server_start(server **out, backend *b, const server_options *o, char *msg, size_t msg_cap)
{
    *out = NULL;
    server *s = calloc(1, sizeof *s);
    if (s == NULL) {
        (void)snprintf(msg, msg_cap, "out of memory");
        return -1;
    }
    s->b = b;
    s->o = *o;
    if (pthread_key_create(&s->worker_key, free_worker) != 0) {
        (void)snprintf(msg, msg_cap, "cannot make thread-specific storage");
        free(s);
        return -1;
    }
    s->key_made = true;
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const int gai = getaddrinfo(o->host, o->port, &hints, &ai);
    if (gai != 0) {
        (void)snprintf(msg, msg_cap, "%s:%s: %s", o->host, o->port, gai_strerror(gai));
        server_stop(s);
        return -1;
    }
    s->loopback = is_loopback(ai->ai_addr);
    const bool v6 = ai->ai_family == AF_INET6;
    const unsigned flags =
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    /* MHD's own bound on a request's line and headers is twice ours, so that ours answers
     * first (413); beyond it MHD answers itself (414 or 431) and closes. */
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, handle, s, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
        MHD_OPTION_THREAD_POOL_SIZE, o->threads > 1 ? o->threads : 0u, /* 1: MHD's own thread */
        MHD_OPTION_CONNECTION_LIMIT, o->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        o->idle_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(2 * o->max_request_bytes + 16384), MHD_OPTION_END);
    char host[INET6_ADDRSTRLEN] = "?";
    if (v6)
        (void)inet_ntop(AF_INET6,
                        &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr, host,
                        sizeof host);
    else
        (void)inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr,
                        host, sizeof host);
    freeaddrinfo(ai);
    if (s->daemon == NULL) {
        (void)snprintf(msg, msg_cap,
                       "cannot listen on %s:%s (in use, or not an address of this "
                       "machine)",
                       o->host, o->port);
        server_stop(s);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info != NULL ? info->port : 0;
    (void)snprintf(s->address, sizeof s->address, v6 ? "[%s]:%u" : "%s:%u", host,
                   (unsigned)s->port);
    *out = s;
    return 0;
}

uint16_t server_port(const server *s)
{
    return s->port;
}

bool server_is_loopback(const server *s)
{
    return s->loopback;
}

const char *server_address(const server *s)
{
    return s->address;
}

void server_stop(server *s)
{
    if (s == NULL)
        return;
    if (s->daemon != NULL)
        MHD_stop_daemon(s->daemon); /* joins the pool: their workers are freed */
    if (s->key_made)
        (void)pthread_key_delete(s->worker_key);
    free(s);
}
