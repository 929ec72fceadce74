/*
 * json.h - a small, strict parser for one JSON Lines record: a line holding one JSON object
 * (RFC 8259). It hands back the top-level members the caller names and checks and skips
 * the others. Strings are decoded in place (escapes, \uXXXX, surrogate pairs; a lone or
 * broken surrogate becomes U+FFFD), so the returned views point into the caller's line.
 * It does not validate UTF-8 outside escapes and allocates nothing.
 */
#ifndef QUIRE_JSON_H
#define QUIRE_JSON_H

#include <stddef.h>

#include "quire/status.h"

#define JSON_MAX_DEPTH 64 /* nested objects/arrays, the record itself counting as 1 */

typedef enum json_type {
    JSON_ABSENT = 0, /* the key did not occur */
    JSON_STRING,
    JSON_NUMBER,
    JSON_NULL,
    JSON_BOOL,
    JSON_ARRAY,
    JSON_OBJECT,
} json_type;

typedef struct json_value {
    json_type type;
    const char *ptr; /* JSON_STRING: the decoded bytes; JSON_NUMBER: its text; else NULL */
    size_t len;      /* bytes at ptr */
} json_value;

typedef struct json_error {
    const char *what; /* static text: "unterminated string", "nesting too deep", ... */
    size_t offset;    /* byte offset in the line where it was found (0-based) */
} json_error;

/* Parse `line` (`len` bytes, no newline; a trailing '\r' counts as blank) as one JSON
 * object. For each top-level member whose key equals keys[i], values[i] receives the value;
 * when a key repeats, the last one wins. Other members are checked and skipped, nesting at
 * most JSON_MAX_DEPTH deep. Decodes strings inside `line`, which is modified; the views
 * live as long as `line`. Returns QUIRE_OK, or QUIRE_EINVAL with *err set (values are then
 * unspecified). Sets no thread error message: the caller knows the file and line. */
QUIRE_MUST_CHECK int json_parse_object(json_value *values, const char *const *keys,
                                       size_t key_count, char *line, size_t len, json_error *err);

#endif
