/*
 * serve_load.c - a load generator for quire-serve: N clients, each on its own keep-alive
 * connection, send GET requests for the queries of a file (qid<TAB>query, as quire-query
 * --batch reads) in turn, for S seconds, and time each request from the first byte sent to
 * the last byte of the answer read. quire-serve's Server-Timing header tells the time spent
 * in the engine, so what the server adds (HTTP, JSON, the request's way through the thread
 * pool) is the latency minus it, per request.
 *
 *   bench_serve_load --port P [--host 127.0.0.1] [--clients N] [--seconds S]
 *                    [--params 'passages=1'] QUERIES
 *
 * Prints one line of key=value figures: requests, errors, rps, latency p50/p99 (us),
 * engine p50/p99 (us), added p50/p99 (us: latency - engine, per request: all the server
 * and the loopback add, scheduling delays included) and inserver p50/p99 (us: the
 * request's time inside quire-serve's handler minus the engine's: routing and JSON).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "quire/cli.h"

typedef struct sample {
    double latency_us;
    double engine_us; /* Server-Timing engine: the search */
    double total_us;  /* Server-Timing total: the request inside the server */
} sample;

typedef struct client {
    int id;
    pthread_t thread;
    sample *samples;
    size_t count, cap;
    uint64_t errors;
} client;

static const char *host = "127.0.0.1";
static int port;
static int seconds = 10;
static const char *params = "passages=1";
static char **paths; /* request paths, one per query */
static size_t path_count;
static atomic_bool stop;

static double now_us(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void percent_encode(char *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            *out++ = (char)c;
        } else {
            *out++ = '%';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 15];
        }
    }
    *out = '\0';
}

static int connect_to(void)
{
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    const int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Send one request and read its whole answer. 0 and *engine_us (from Server-Timing), or
 * -1 (connection closed or a status other than 200). */
static int request(int fd, const char *path, char **buf, size_t *cap, double *engine_us,
                   double *total_us)
{
    char head[16384];
    const int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host);
    if (n <= 0 || (size_t)n >= sizeof head || write(fd, head, (size_t)n) != n)
        return -1;
    size_t len = 0;
    size_t header_end = 0, body_len = 0;
    for (;;) {
        if (len + 65536 > *cap) {
            *cap = (len + 65536) * 2;
            *buf = realloc(*buf, *cap);
            if (*buf == NULL)
                return -1;
        }
        const ssize_t got = read(fd, *buf + len, *cap - len - 1);
        if (got <= 0)
            return -1;
        len += (size_t)got;
        (*buf)[len] = '\0';
        if (header_end == 0) {
            char *e = strstr(*buf, "\r\n\r\n");
            if (e == NULL)
                continue;
            header_end = (size_t)(e - *buf) + 4;
            const char *cl = strstr(*buf, "Content-Length: ");
            if (cl == NULL || cl > e)
                return -1;
            body_len = strtoul(cl + 16, NULL, 10);
            const char *st = strstr(*buf, "Server-Timing: engine;dur=");
            *engine_us = st != NULL && st < e ? strtod(st + 26, NULL) * 1000.0 : 0.0;
            const char *tt = strstr(*buf, "total;dur=");
            *total_us = tt != NULL && tt < e ? strtod(tt + 10, NULL) * 1000.0 : 0.0;
            if (strncmp(*buf, "HTTP/1.1 200", 12) != 0)
                return -1;
        }
        if (len >= header_end + body_len)
            return 0;
    }
}

static void *run_client(void *arg)
{
    client *c = arg;
    char *buf = NULL;
    size_t cap = 0;
    int fd = connect_to();
    size_t i = (size_t)c->id * 7919 % (path_count ? path_count : 1);
    while (!atomic_load(&stop)) {
        if (fd < 0) {
            c->errors++;
            fd = connect_to();
            if (fd < 0) {
                const struct timespec pause = {0, 10 * 1000 * 1000};
                (void)nanosleep(&pause, NULL);
                continue;
            }
        }
        double engine = 0, total = 0;
        const double t0 = now_us();
        const int rc = request(fd, paths[i], &buf, &cap, &engine, &total);
        const double t1 = now_us();
        if (rc != 0) {
            c->errors++;
            close(fd);
            fd = -1;
            continue;
        }
        if (c->count == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 4096;
            c->samples = realloc(c->samples, c->cap * sizeof *c->samples);
            if (c->samples == NULL)
                abort();
        }
        c->samples[c->count++] = (sample){t1 - t0, engine, total};
        i = (i + 1) % path_count;
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(p * (double)(n - 1) + 0.5);
    return v[k < n ? k : n - 1];
}

enum { OPT_PORT, OPT_HOST, OPT_CLIENTS, OPT_SECONDS, OPT_PARAMS, OPT_HELP };

/* One table for parsing and --help (quire/cli.h, the style of every quire program). */
static const quire_cli_option options[] = {
    {OPT_PORT, 0, "port", "P", "quire-serve's port (needed)"},
    {OPT_HOST, 0, "host", "H", "its address (default 127.0.0.1)"},
    {OPT_CLIENTS, 0, "clients", "N", "keep-alive clients at once, 1..1024 (default 1)"},
    {OPT_SECONDS, 0, "seconds", "S", "how long to run (default 10)"},
    {OPT_PARAMS, 0, "params", "Q", "more parameters of each request, e.g. 'passages=1'"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
};

static const quire_cli bench_cli = {"bench_serve_load", options, sizeof options / sizeof options[0],
                                    0};

static int clients = 1;

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_serve_load --port P [options] QUERIES\n\noptions:\n");
    quire_cli_print_options(&bench_cli, f);
}

static int apply(void *ctx, const quire_cli_option *o, const char *val)
{
    (void)ctx;
    uint64_t n;
    switch (o->id) {
    case OPT_HELP:
        usage(stdout);
        return 1;
    case OPT_PORT:
        if (quire_cli_uint(val, 1, 65535, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--port %s: expected 1 to 65535", val);
        port = (int)n;
        return 0;
    case OPT_HOST:
        host = val;
        return 0;
    case OPT_CLIENTS:
        if (quire_cli_uint(val, 1, 1024, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--clients %s: expected 1 to 1024", val);
        clients = (int)n;
        return 0;
    case OPT_SECONDS:
        if (quire_cli_uint(val, 1, 86400, &n) != 0)
            return quire_cli_usage_error(&bench_cli, "--seconds %s: expected 1 to 86400", val);
        seconds = (int)n;
        return 0;
    case OPT_PARAMS:
        params = val;
        return 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int operands = 0;
    const int parsed = quire_cli_parse(&bench_cli, argc, argv, &operands, apply, NULL);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    if (port <= 0 || operands != 1) {
        fprintf(stderr, "bench_serve_load: --port and QUERIES are needed (see --help)\n");
        return 2;
    }
    const char *file = argv[1];
    FILE *f = fopen(file, "r");
    if (f == NULL) {
        fprintf(stderr, "bench_serve_load: %s: %s\n", file, strerror(errno));
        return 2;
    }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    size_t pcap = 0;
    while ((got = getline(&line, &lcap, f)) > 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        char *tab = strchr(line, '\t');
        if (line[0] == '#' || tab == NULL)
            continue;
        if (path_count == pcap) {
            pcap = pcap ? pcap * 2 : 1024;
            paths = realloc(paths, pcap * sizeof *paths);
        }
        char *p = malloc(strlen(tab + 1) * 3 + strlen(params) + 32);
        if (paths == NULL || p == NULL)
            return 2;
        const int at = sprintf(p, "/api/search?%s%sq=", params, params[0] ? "&" : "");
        percent_encode(p + at, tab + 1);
        paths[path_count++] = p;
    }
    free(line);
    fclose(f);
    if (path_count == 0) {
        fprintf(stderr, "bench_serve_load: %s: no queries\n", file);
        return 2;
    }

    client *cs = calloc((size_t)clients, sizeof *cs);
    const double t0 = now_us();
    for (int i = 0; i < clients; i++) {
        cs[i].id = i;
        if (pthread_create(&cs[i].thread, NULL, run_client, &cs[i]) != 0)
            return 2;
    }
    sleep((unsigned)seconds);
    atomic_store(&stop, true);
    size_t n = 0;
    uint64_t errors = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(cs[i].thread, NULL);
        n += cs[i].count;
        errors += cs[i].errors;
    }
    const double elapsed = (now_us() - t0) / 1e6;
    double *lat = malloc((n + 1) * sizeof *lat), *eng = malloc((n + 1) * sizeof *eng),
           *add = malloc((n + 1) * sizeof *add), *in = malloc((n + 1) * sizeof *in);
    size_t k = 0;
    for (int i = 0; i < clients; i++)
        for (size_t j = 0; j < cs[i].count; j++, k++) {
            lat[k] = cs[i].samples[j].latency_us;
            eng[k] = cs[i].samples[j].engine_us;
            add[k] = lat[k] - eng[k];
            in[k] = cs[i].samples[j].total_us - eng[k];
        }
    qsort(lat, n, sizeof *lat, cmp_double);
    qsort(eng, n, sizeof *eng, cmp_double);
    qsort(add, n, sizeof *add, cmp_double);
    qsort(in, n, sizeof *in, cmp_double);
    printf("clients=%d requests=%zu errors=%llu seconds=%.1f rps=%.1f latency_p50_us=%.1f "
           "latency_p99_us=%.1f engine_p50_us=%.1f engine_p99_us=%.1f added_p50_us=%.1f "
           "added_p99_us=%.1f inserver_p50_us=%.1f inserver_p99_us=%.1f\n",
           clients, n, (unsigned long long)errors, elapsed, (double)n / elapsed, pct(lat, n, 0.5),
           pct(lat, n, 0.99), pct(eng, n, 0.5), pct(eng, n, 0.99), pct(add, n, 0.5),
           pct(add, n, 0.99), pct(in, n, 0.5), pct(in, n, 0.99));
    return errors == 0 ? 0 : 1;
}
