/*
 * test_serve_api.c - quire-serve's JSON writer and its request handler without HTTP: JSON
 * strings escape what could be read as markup and replace invalid UTF-8 as the engine does;
 * api_handle() routes, checks parameters and answers from a real index of tests/data,
 * with a snapshot that moves when a new commit is made (backend_refresh).
 */
#include "api.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

static char *take(quire_json *b)
{
    size_t len = 0;
    char *s = quire_json_take(b, &len);
    cr_assert(s != NULL);
    cr_assert_eq(strlen(s), len);
    return s;
}

Test(serve_json, escapes_markup_quotes_and_controls)
{
    quire_json b = SERVE_JSON_INIT;
    const char in[] = "<script>\"a\\b\" & 'c'\n\t\x01\x7f</script>\xe2\x80\xa8";
    quire_json_string(&b, in, sizeof in - 1);
    char *s = take(&b);
    cr_expect_str_eq(s, "\"\\u003cscript\\u003e\\\"a\\\\b\\\" \\u0026 'c'\\u000a\\u0009\\u0001"
                        "\\u007f\\u003c/script\\u003e\\u2028\"");
    free(s);
}

Test(serve_json, keeps_utf8_and_replaces_invalid_bytes)
{
    quire_json b = SERVE_JSON_INIT;
    const char in[] = "caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d \xff x \xef\xbf\xbd \xc3";
    quire_json_string(&b, in, sizeof in - 1);
    char *s = take(&b);
    cr_expect_str_eq(s, "\"caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d \xef\xbf\xbd x \xef\xbf\xbd "
                        "\xef\xbf\xbd\"");
    free(s);
}

Test(serve_json, spans_dates_and_numbers)
{
    quire_json b = SERVE_JSON_INIT;
    const backend_span h[] = {{1, 5}, {10, 12}};
    json_spans(&b, h, 2);
    quire_json_lit(&b, " ");
    json_spans(&b, NULL, 0);
    quire_json_lit(&b, " ");
    json_date(&b, 19356);
    quire_json_lit(&b, " ");
    json_date(&b, BACKEND_NO_DATE);
    quire_json_printf(&b, " %s",
                      "a long text to pass the small buffer of json_printf: "
                      "0123456789012345678901234567890123456789012345678901234567890123"
                      "0123456789012345678901234567890123456789012345678901234567890123"
                      "0123456789012345678901234567890123456789012345678901234567890123");
    char *s = take(&b);
    cr_expect(strncmp(s, "[[1,5],[10,12]] [] \"2022-12-30\" null a long text", 48) == 0, "%s", s);
    cr_expect(strstr(s, "0123456789012345678901234567890123456789012345678901234567890123"
                        "0123456789012345678901234567890123456789012345678901234567890123"
                        "0123456789012345678901234567890123456789012345678901234567890123") != NULL,
              "a long printf is whole");
    free(s);
}

/* ---- api_handle over a real index */

typedef struct fake_params {
    const char *names[8];
    const char *values[8];
} fake_params;

static const char *param(void *ctx, const char *name, size_t *len)
{
    const fake_params *p = ctx;
    for (int i = 0; i < 8 && p->names[i] != NULL; i++)
        if (strcmp(p->names[i], name) == 0) {
            *len = strlen(p->values[i]);
            return p->values[i];
        }
    return NULL;
}

static char dir[] = "/tmp/quire-serve-api-XXXXXX";

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL)
        cr_skip_test("%s is not set (run through ctest)", name);
    return v;
}

static void index_sample(void)
{
    cr_assert(mkdtemp(dir) != NULL);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/quire-index' --quiet '%s/idx' tests/data/0*.txt",
             env("QUIRE_SOURCE_DIR"), env("QUIRE_BINARY_DIR"), dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void cleanup(void)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

typedef struct served {
    backend *b;
    backend_worker *w;
    api_limits limits;
} served;

static void serve(served *s)
{
    index_sample();
    char idx[300];
    snprintf(idx, sizeof idx, "%s/idx", dir);
    backend_error err;
    cr_assert_eq(backend_open(&s->b, idx, &err), 0, "%s", err.message);
    cr_assert_eq(backend_worker_new(&s->w, s->b, &err), 0);
    api_limits_init(&s->limits);
}

static void unserve(served *s)
{
    backend_worker_free(s->w);
    backend_close(s->b);
    cleanup();
}

static api_response get(served *s, const char *path, fake_params *p)
{
    static fake_params none;
    const api_request req = {path, param, p != NULL ? p : &none};
    api_response r;
    api_handle(&r, s->b, s->w, &s->limits, &req);
    return r;
}

Test(serve_api, routes_pages_and_api)
{
    served s;
    serve(&s);
    static const struct {
        const char *path;
        unsigned status;
        const char *type;
    } routes[] = {
        {"/", 200, "text/html"},
        {"/index.html", 200, "text/html"},
        {"/app.js", 200, "text/javascript"},
        {"/style.css", 200, "text/css"},
        {"/api/info", 200, "application/json"},
        {"/api/search", 400, "application/json"},
        {"/api/doc/nosuch", 404, "application/json"},
        {"/nosuch", 404, "application/json"},
        {"/index.htm", 404, "application/json"},
        {"/api/search/", 404, "application/json"},
        {"/app.js/", 404, "application/json"},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        api_response r = get(&s, routes[i].path, NULL);
        cr_expect_eq(r.status, routes[i].status, "%s: %u", routes[i].path, r.status);
        cr_expect(strncmp(r.content_type, routes[i].type, strlen(routes[i].type)) == 0, "%s: %s",
                  routes[i].path, r.content_type);
        cr_expect(r.body_len > 0);
        api_response_free(&r);
    }
    unserve(&s);
}

Test(serve_api, searches_and_checks_its_parameters)
{
    served s;
    serve(&s);
    fake_params ok = {{"q", "count"}, {"\"no limits\"", "1"}};
    api_response r = get(&s, "/api/search", &ok);
    cr_assert_eq(r.status, 200, "%.*s", (int)r.body_len, r.body);
    cr_expect(strstr(r.body, "\"matches\":2,\"matches_exact\":true,\"occurrences\":2") != NULL,
              "%s", r.body);
    cr_expect(strstr(r.body, "\"id\":\"tests/data/003_b377222dc834d2b2.txt\"") != NULL);
    cr_expect(strstr(r.body, "tests/data/001") == NULL, "count=1: one hit");
    api_response_free(&r);
    static const char *const bad[][2] = {
        {"count", "0"},     {"count", "101"},   {"offset", "10001"},  {"passages", "11"},
        {"length", "2001"}, {"sort", "newest"}, {"from", "2022-2-1"}, {"any", "yes"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fake_params p = {{"q", bad[i][0]}, {"putin", bad[i][1]}};
        r = get(&s, "/api/search", &p);
        char want[64];
        snprintf(want, sizeof want, "{\"error\":\"%s:", bad[i][0]);
        cr_expect_eq(r.status, 400, "%s=%s: %u", bad[i][0], bad[i][1], r.status);
        cr_expect(strncmp(r.body, want, strlen(want)) == 0, "%s", r.body);
        api_response_free(&r);
    }
    s.limits.query_bytes = 8;
    fake_params longq = {{"q"}, {"putin xi jinping"}};
    r = get(&s, "/api/search", &longq);
    cr_expect_eq(r.status, 413);
    api_response_free(&r);
    unserve(&s);
}

Test(serve_api, follows_a_new_commit_between_requests)
{
    served s;
    serve(&s);
    fake_params p = {{"q"}, {"walrus"}};
    api_response r = get(&s, "/api/search", &p);
    cr_expect(strstr(r.body, "\"generation\":1,\"matches\":0") != NULL, "%s", r.body);
    api_response_free(&r);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "printf '{\"id\":\"w\",\"text\":\"a walrus\"}\\n' | '%s/quire-index' --quiet "
             "'%s/idx' -",
             env("QUIRE_BINARY_DIR"), dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    r = get(&s, "/api/search", &p);
    cr_expect(strstr(r.body, "\"generation\":1,\"matches\":0") != NULL, "not yet refreshed");
    api_response_free(&r);
    bool changed = false;
    backend_error err;
    cr_assert_eq(backend_refresh(s.b, &changed, &err), 0, "%s", err.message);
    cr_expect(changed);
    cr_assert_eq(backend_refresh(s.b, &changed, &err), 0);
    cr_expect(!changed, "nothing new the second time");
    r = get(&s, "/api/search", &p);
    cr_expect(strstr(r.body, "\"generation\":2,\"matches\":1") != NULL, "%s", r.body);
    api_response_free(&r);
    r = get(&s, "/api/doc/w", NULL);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "\"text\":\"a walrus\"") != NULL, "%s", r.body);
    api_response_free(&r);
    unserve(&s);
}

/* A damaged newest manifest: the current commit stays, the refresh says why, once; the
 * next good commit (numbered above the damaged one) is picked up. */
Test(serve_api, keeps_its_commit_when_the_newest_manifest_is_damaged)
{
    served s;
    serve(&s);
    char path[400];
    snprintf(path, sizeof path, "%s/idx/manifest-%016x", dir, 2);
    FILE *f = fopen(path, "wb");
    cr_assert(f != NULL);
    cr_assert_eq(fwrite("QUIRMAN garbage", 1, 15, f), 15);
    cr_assert_eq(fclose(f), 0);
    bool changed = true;
    backend_error err;
    cr_expect_eq(backend_refresh(s.b, &changed, &err), -1);
    cr_expect(!changed);
    cr_expect(strstr(err.message, "manifest-0000000000000002") != NULL, "%s", err.message);
    cr_expect_eq(backend_refresh(s.b, &changed, &err), 0, "said once");
    backend_info info;
    backend_get_info(s.b, &info);
    cr_expect_eq(info.generation, 1);
    fake_params p = {{"q"}, {"putin"}};
    api_response r = get(&s, "/api/search", &p);
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "\"generation\":1,") != NULL, "%s", r.body);
    api_response_free(&r);
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "printf '{\"id\":\"w\",\"text\":\"a walrus\"}\\n' | '%s/quire-index' --quiet "
             "'%s/idx' -",
             env("QUIRE_BINARY_DIR"), dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    cr_expect_eq(backend_refresh(s.b, &changed, &err), 0, "%s", err.message);
    cr_expect(changed);
    backend_get_info(s.b, &info);
    cr_expect_eq(info.generation, 3, "the next commit is numbered above the damaged one");
    unserve(&s);
}
