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
#include "server.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void usage(FILE *f)
{
    (void)fprintf(
        f, "usage: quire-serve [options] INDEX\n"
           "Serve a search page and a JSON API over INDEX, read-only, and pick up new commits\n"
           "of it as quire-index makes them (see README.md, \"quire-serve\").\n\noptions:\n"
           "  --listen HOST:PORT   address to listen on (default 127.0.0.1:8080; [::1]:8080 for\n"
           "                       IPv6; port 0: any free port). Another than loopback makes the\n"
           "                       index readable by other machines, without TLS or passwords\n"
           "  --threads N          worker threads, one searcher each (default: cores, 2..64)\n"
           "  --max-connections N  open connections at once (default 256)\n"
           "  --time-limit MS      time a search may take before it is stopped with 503\n"
           "                       (default 5000)\n"
           "  --max-results N      most hits a request may ask for (default 100)\n"
           "  --max-query-bytes N  longest query (default 4096; 413 beyond)\n"
           "  --poll MS            how often to look for a new commit (default 250)\n"
           "  -h, --help           show this help and exit\n"
           "      --version        show the version and exit\n");
}

static int fail(const char *msg)
{
    (void)fprintf(stderr, "quire-serve: %s\n", msg);
    return 2;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    const unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
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
    server_options o;
    server_options_init(&o);
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = cores < 2 ? 2 : cores > 64 ? 64 : (unsigned)cores;
    unsigned long poll_ms = 250;
    const char *dir = NULL;
    char listen[300] = "127.0.0.1:8080";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        char msg[400];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("quire-serve 0.1.0\n");
            return 0;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (dir != NULL)
                return fail("one INDEX only (see --help)");
            dir = a;
            continue;
        }
        if (v == NULL) {
            (void)snprintf(msg, sizeof msg, "option '%s' needs a value (see --help)", a);
            return fail(msg);
        }
        i++;
        if (strcmp(a, "--listen") == 0) {
            if (strlen(v) >= sizeof listen)
                return fail("--listen: address too long");
            strcpy(listen, v);
        } else if (strcmp(a, "--threads") == 0 && parse_uint(v, 1, 256, &n)) {
            o.threads = (unsigned)n;
        } else if (strcmp(a, "--max-connections") == 0 && parse_uint(v, 1, 100000, &n)) {
            o.max_connections = (unsigned)n;
        } else if (strcmp(a, "--time-limit") == 0 && parse_uint(v, 1, 3600000, &n)) {
            o.limits.time_ms = (uint32_t)n;
        } else if (strcmp(a, "--max-results") == 0 && parse_uint(v, 1, 10000, &n)) {
            o.limits.count = (uint32_t)n;
        } else if (strcmp(a, "--max-query-bytes") == 0 && parse_uint(v, 16, 1 << 20, &n)) {
            o.limits.query_bytes = n;
            if (o.max_request_bytes < 3 * n + 4096)
                o.max_request_bytes = 3 * n + 4096; /* room for a %-encoded query */
        } else if (strcmp(a, "--poll") == 0 && parse_uint(v, 10, 600000, &n)) {
            poll_ms = n;
        } else {
            const bool known = !strcmp(a, "--threads") || !strcmp(a, "--max-connections") ||
                               !strcmp(a, "--time-limit") || !strcmp(a, "--max-results") ||
                               !strcmp(a, "--max-query-bytes") || !strcmp(a, "--poll");
            (void)snprintf(msg, sizeof msg,
                           known ? "%s: not a number in range: '%s' (see --help)"
                                 : "unknown option '%s' (see --help)",
                           a, v);
            return fail(msg);
        }
    }
    if (dir == NULL)
        return fail("missing INDEX (usage: quire-serve [options] INDEX; see --help)");
    char listen_copy[sizeof listen];
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
