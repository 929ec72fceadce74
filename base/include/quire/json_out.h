/*
 * json_out.h - the one JSON writer: text built in a growable buffer, for quire-query's
 * --format json, quire-index's --export-jsonl and --report, and quire-serve's answers.
 *
 * Strings are written as the engine reads text: valid UTF-8 as it is, each invalid
 * sequence as one U+FFFD (quire/utf8.h), `"` and `\` escaped, control characters (and
 * DEL) as \u00XX. With QUIRE_JSON_ESCAPE_MARKUP, `<`, `>`, `&`, U+2028 and U+2029 are
 * escaped too, so that no answer can be read as markup or script even by a client that
 * sniffs it (the server sets it). A failed allocation is sticky, as in quire_buf: later
 * writes do nothing and quire_json_take() / quire_json_flush() report it.
 *
 * Not thread-safe for one writer; writers are independent.
 */
#ifndef QUIRE_JSON_OUT_H
#define QUIRE_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "quire/bytes.h"
#include "quire/status.h"

#define QUIRE_JSON_ESCAPE_MARKUP (1u << 0) /* also escape < > & U+2028 U+2029 */

typedef struct quire_json {
    quire_buf buf;  /* the text so far (buf.err: QUIRE_ENOMEM once an allocation failed) */
    unsigned flags; /* QUIRE_JSON_* */
} quire_json;

#define QUIRE_JSON_INIT(flags)                                                                     \
    {                                                                                              \
        QUIRE_BUF_INIT, (flags)                                                                    \
    }

/* Free the text; the writer can be used again (empty, same flags). */
void quire_json_free(quire_json *j);

/* Append `n` bytes as they are (punctuation, numbers, text already JSON). */
void quire_json_raw(quire_json *j, const char *s, size_t n);

/* Append the NUL-terminated `s` as it is. */
void quire_json_lit(quire_json *j, const char *s);

/* Append printf-formatted text as it is (numbers; never strings from input). */
__attribute__((format(printf, 2, 3))) void quire_json_printf(quire_json *j, const char *fmt, ...);

/* Append `n` bytes of text as one JSON string, quotes included, escaped as above. */
void quire_json_string(quire_json *j, const char *s, size_t n);

/* The bytes written so far (not NUL-terminated; NULL when none) and their count. */
static inline const char *quire_json_data(const quire_json *j, size_t *len)
{
    *len = j->buf.len;
    return (const char *)j->buf.data;
}

/* Write the text to `f` and empty the writer (keeping its memory for the next record).
 * @return QUIRE_OK; QUIRE_ENOMEM if an allocation had failed (nothing is written: the text
 *   is incomplete); QUIRE_EIO if `f` failed (errno set). Either way the writer is emptied
 *   and its error cleared. */
QUIRE_MUST_CHECK int quire_json_flush(quire_json *j, FILE *f);

/* Hand the text over, NUL-terminated (the caller frees it), and empty the writer; NULL if
 * an allocation failed (the writer is then emptied and its error cleared). *len gets the
 * length in bytes. */
char *quire_json_take(quire_json *j, size_t *len);

#endif
