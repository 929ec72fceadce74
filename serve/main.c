/*
 * main.c - quire-serve INDEX [options]: argv -> backend_open -> server_start, then watch
 * the index for new commits until SIGINT or SIGTERM. The only file of the server that
 * exits; it prints the address it serves on (the tests read it when asked for port 0).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "quire/cli.h"
#include "server.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

#ifndef QUIRE_VERSION
#define QUIRE_VERSION "unknown"
#endif

typedef enum opt_id {
    OPT_LISTEN,
    OPT_THREADS,
    OPT_MAX_CONNECTIONS,
    OPT_TIME_LIMIT,
    OPT_MAX_RESULTS,
    OPT_MAX_QUERY_BYTES,
    OPT_POLL,
    OPT_HELP,
    OPT_VERSION,
} opt_id;

/* One table for parsing and --help (quire/cli.h, the style of every quire program). */
static const quire_cli_option options[] = {
    {OPT_LISTEN, 0, "listen", "HOST:PORT",
     "address to listen on (default 127.0.0.1:8080; [::1]:8080 for IPv6; port 0: any free "
     "port). Another than loopback makes the index readable by other machines, without TLS or "
     "passwords"},
    {OPT_THREADS, 0, "threads", "N", "worker threads, one searcher each (default: cores, 2..64)"},
    {OPT_MAX_CONNECTIONS, 0, "max-connections", "N", "open connections at once (default 256)"},
    {OPT_TIME_LIMIT, 0, "time-limit", "MS",
     "time a search may take before it is stopped with 503 (default 5000)"},
    {OPT_MAX_RESULTS, 0, "max-results", "N", "most hits a request may ask for (default 100)"},
    {OPT_MAX_QUERY_BYTES, 0, "max-query-bytes", "N", "longest query (default 4096; 413 beyond)"},
    {OPT_POLL, 0, "poll", "MS", "how often to look for a new commit (default 250)"},
    {OPT_HELP, 'h', "help", NULL, "show this help and exit"},
    {OPT_VERSION, 0, "version", NULL, "show the version and exit"},
};

static const quire_cli serve_cli = {"quire-serve", options, sizeof options / sizeof options[0], 0};

static void usage(FILE *f)
{
    (void)fprintf(f, "usage: quire-serve [options] INDEX\n"
                     "Serve a search page and a JSON API over INDEX, read-only, and pick up new "
                     "commits\nof it as quire-index makes them (see README.md, \"quire-serve\")."
                     "\n\noptions:\n");
    quire_cli_print_options(&serve_cli, f);
}

static int fail(const char *msg)
{
    (void)fprintf(stderr, "quire-serve: %s\n", msg);
    return 2;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    uint64_t v;
    if (quire_cli_uint(s, min, max, &v) != 0)
        return false;
    *out = (unsigned long)v;
    return true;
}

/* What the options set. */
typedef struct cli {
    server_options o;
    unsigned long poll_ms;
    char listen[300];
} cli;

/* Apply one option (quire_cli_apply_fn): 0 to go on; 1 to exit 0 (--help, --version);
 * 2 after a message about a bad value. */
static int apply(void *ctx, const quire_cli_option *opt, const char *v)
{
    cli *c = ctx;
    unsigned long n = 0;
    bool ok = true;
    switch ((opt_id)opt->id) {
    case OPT_HELP:
        usage(stdout);
        return 1;
    case OPT_VERSION:
        printf("quire-serve %s\n", QUIRE_VERSION);
        return 1;
    case OPT_LISTEN:
        if (strlen(v) >= sizeof c->listen)
            return fail("--listen: address too long");
        strcpy(c->listen, v);
        return 0;
    case OPT_THREADS:
        if ((ok = parse_uint(v, 1, 256, &n)))
            c->o.threads = (unsigned)n;
        break;
    case OPT_MAX_CONNECTIONS:
        if ((ok = parse_uint(v, 1, 100000, &n)))
            c->o.max_connections = (unsigned)n;
        break;
    case OPT_TIME_LIMIT:
        if ((ok = parse_uint(v, 1, 3600000, &n)))
            c->o.limits.time_ms = (uint32_t)n;
        break;
    case OPT_MAX_RESULTS:
        if ((ok = parse_uint(v, 1, 10000, &n)))
            c->o.limits.count = (uint32_t)n;
        break;
    case OPT_MAX_QUERY_BYTES:
        if ((ok = parse_uint(v, 16, 1 << 20, &n))) {
            c->o.limits.query_bytes = n;
            if (c->o.max_request_bytes < 3 * n + 4096)
                c->o.max_request_bytes = 3 * n + 4096; /* room for a %-encoded query */
        }
        break;
    case OPT_POLL:
        if ((ok = parse_uint(v, 10, 600000, &n)))
            c->poll_ms = n;
        break;
    }
    if (!ok) {
        char msg[400];
        (void)snprintf(msg, sizeof msg, "--%s: not a number in range: '%s' (see --help)",
                       opt->long_name, v);
        return fail(msg);
    }
    return 0;
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT" (loopback) into host and port. */
static bool split_listen(char *s, const char **host, const char **port)
{
    char *colon = strrchr(s, ':');
    if (colon == NULL || colon[1] == '\0')
        return false;
    *colon = '\0';
    *port = colon + 1;
    unsigned long p;
    if (!parse_uint(*port, 0, 65535, &p))
        return false;
    if (s[0] == '[') {
        const size_t n = strlen(s);
        if (n < 3 || s[n - 1] != ']')
            return false;
        s[n - 1] = '\0';
        *host = s + 1;
    } else {
        *host = s[0] != '\0' ? s : "127.0.0.1";
    }
    return true;
}

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    server_options_init(&c.o);
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c.o.threads = cores < 2 ? 2 : cores > 64 ? 64 : (unsigned)cores;
    c.poll_ms = 250;
    strcpy(c.listen, "127.0.0.1:8080");
    int operands = 0;
    const int parsed = quire_cli_parse(&serve_cli, argc, argv, &operands, apply, &c);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    if (operands > 1)
        return fail("one INDEX only (see --help)");
    if (operands == 0)
        return fail("missing INDEX (usage: quire-serve [options] INDEX; see --help)");
    const char *dir = argv[1];
    server_options o = c.o;
    const unsigned long poll_ms = c.poll_ms;
    const char *listen = c.listen;
    char listen_copy[sizeof c.listen];
    strcpy(listen_copy, listen);
    if (!split_listen(listen_copy, &o.host, &o.port)) {
        char msg[400];
        (void)snprintf(msg, sizeof msg, "--listen: expected HOST:PORT, not '%s'", listen);
        return fail(msg);
    }

    /* Before the address is printed: whoever reads it may signal at once. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    (void)sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);

    backend *b = NULL;
    backend_error err;
    if (backend_open(&b, dir, &err) != 0)
        return fail(err.message);
    server *srv = NULL;
    char msg[400];
    if (server_start(&srv, b, &o, msg, sizeof msg) != 0) {
        backend_close(b);
        return fail(msg);
    }
    if (!server_is_loopback(srv))
        (void)fprintf(stderr,
                      "quire-serve: warning: %s is not a loopback address: every machine that "
                      "reaches it can read the whole index, without TLS or passwords\n",
                      server_address(srv));
    backend_info info;
    backend_get_info(b, &info);
    if (info.fell_back[0] != '\0')
        (void)fprintf(stderr, "quire-serve: warning: %s (serving an older generation)\n",
                      info.fell_back);
    printf("quire-serve: %s (generation %llu, %llu documents) on http://%s/\n", dir,
           (unsigned long long)info.generation, (unsigned long long)info.doc_count,
           server_address(srv));
    (void)fflush(stdout);

    char last_error[512] = "";
    while (stop_signal == 0) {
        const struct timespec pause = {(time_t)(poll_ms / 1000), (long)(poll_ms % 1000) * 1000000L};
        (void)nanosleep(&pause, NULL);
        bool changed = false;
        if (backend_refresh(b, &changed, &err) != 0) {
            if (strcmp(err.message, last_error) != 0) /* once per distinct problem */
                (void)fprintf(stderr, "quire-serve: keeping generation %llu: %s\n",
                              (unsigned long long)info.generation, err.message);
            (void)snprintf(last_error, sizeof last_error, "%s", err.message);
        } else if (changed) {
            last_error[0] = '\0';
            backend_get_info(b, &info);
            if (info.fell_back[0] != '\0')
                (void)fprintf(stderr, "quire-serve: warning: %s (serving an older generation)\n",
                              info.fell_back);
            printf("quire-serve: generation %llu, %llu documents\n",
                   (unsigned long long)info.generation, (unsigned long long)info.doc_count);
            (void)fflush(stdout);
        }
    }
    server_stop(srv);
    backend_close(b);
    return 0;
}
