/*
 * utf8.h - strict UTF-8 decoding, shared by the analyzer, the query parser, the passage
 * builder and the JSON writer. An invalid sequence is a maximal run of bytes none of which
 * starts a valid character; it reads as one U+FFFD everywhere (tokenizer, sanitizer,
 * quire_utf8_next, JSON output), so counts and offsets agree.
 */
#ifndef QUIRE_UTF8_H
#define QUIRE_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "quire/bytes.h"

/* Decode the valid UTF-8 character at text[at] (at < len). Returns its length (1..4) and
 * sets *cp, or 0 if text[at] does not start a valid character (overlong forms, surrogates
 * and code points above U+10FFFF are invalid). */
size_t quire_utf8_decode(const uint8_t *text, size_t len, size_t at, uint32_t *cp);

/* Skip the maximal invalid sequence starting at text[at] (which does not start a valid
 * character): return the offset of the first byte after it that does, or len. */
size_t quire_utf8_skip_invalid(const uint8_t *text, size_t len, size_t at);

/* Make `text` valid UTF-8: if it has invalid sequences, write a copy to `out` with each
 * replaced by U+FFFD (EF BF BD) and return the count; if it is valid, leave `out` empty
 * and return 0 (the caller keeps using `text`). NUL bytes are valid UTF-8 and are kept.
 * On allocation failure out->err is set. */
size_t quire_utf8_sanitize(quire_buf *out, const char *text, size_t len);

/* Decode one code point at text[*at] (advancing *at by at least 1 byte); invalid bytes
 * give 0xFFFD. For the query parser and the passage builder. */
uint32_t quire_utf8_next(const uint8_t *text, size_t len, size_t *at);

#endif
