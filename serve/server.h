/*
 * server.h - the HTTP side of quire-serve, on libmicrohttpd: a listening socket, a pool
 * of threads each with its own backend_worker (one searcher per thread over the shared
 * snapshot), the request limits, and the headers every answer carries. What is answered
 * is api.h's; this file only checks the method and size of a request and hands it over.
 */
#ifndef SERVE_SERVER_H
#define SERVE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "backend.h"

typedef struct server_options {
    const char *host;         /* numeric address or name to bind, e.g. "127.0.0.1" */
    const char *port;         /* "8080"; "0": any free port (server_port() tells) */
    unsigned threads;         /* worker threads */
    unsigned max_connections; /* open at once; more are refused */
    unsigned idle_timeout_s;  /* a connection silent this long is closed */
    size_t max_request_bytes; /* request line and headers: 413 beyond */
    api_limits limits;
} server_options;

/* Defaults: 127.0.0.1:8080, 4 threads, 256 connections, 30 s, 16 KiB requests. */
void server_options_init(server_options *o);

typedef struct server server;

/* Resolve and bind, start the threads. 0, or -1 with a message in msg. */
int server_start(server **out, backend *b, const server_options *o, char *msg, size_t msg_cap);
/* The bound port, and whether the bound address is a loopback one. */
uint16_t server_port(const server *s);
bool server_is_loopback(const server *s);
/* The address as "host:port" ("[v6]:port"), for messages. */
const char *server_address(const server *s);
/* Stop accepting, finish the requests in flight, join the threads. */
void server_stop(server *s);

#endif
