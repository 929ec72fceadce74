/*
 * json_writer.h - JSON text built in a growable buffer, for the API's answers. Strings are
 * written as the engine reads text (invalid UTF-8 as U+FFFD) with `"`, `\`, control
 * characters, `<`, `>`, `&`, U+2028 and U+2029 escaped, so that no answer can be read as
 * markup or script even by a client that sniffs it. A failed allocation is sticky: the
 * buffer is then marked failed and later writes do nothing.
 */
#ifndef SERVE_JSON_WRITER_H
#define SERVE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

typedef struct json_buf {
    char *data; /* NUL-terminated while !failed */
    size_t len; /* bytes */
    size_t cap;
    bool failed; /* an allocation failed: the text is incomplete */
} json_buf;

#define JSON_BUF_INIT                                                                              \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

void json_free(json_buf *b);
void json_raw(json_buf *b, const char *s, size_t n);
void json_lit(json_buf *b, const char *s); /* NUL-terminated, written as is */
__attribute__((format(printf, 2, 3))) void json_printf(json_buf *b, const char *fmt, ...);
void json_string(json_buf *b, const char *s, size_t n);
void json_spans(json_buf *b, const backend_span *h, uint32_t n); /* [[start,end],...] */
void json_date(json_buf *b, int32_t date);                       /* "YYYY-MM-DD" or null */
/* Hand the text over (the caller frees it) and reset b; NULL if it failed. */
char *json_take(json_buf *b, size_t *len);

#endif
