/*
 * json_writer.h - the server's JSON helpers on quire/json_out.h (base's one JSON writer):
 * answers escape markup characters (QUIRE_JSON_ESCAPE_MARKUP) so that no answer can be
 * read as markup or script even by a client that sniffs it; spans and dates as the API
 * writes them.
 */
#ifndef SERVE_JSON_WRITER_H
#define SERVE_JSON_WRITER_H

#include <stdint.h>

#include "backend.h"
#include "quire/json_out.h"

#define SERVE_JSON_INIT QUIRE_JSON_INIT(QUIRE_JSON_ESCAPE_MARKUP)

void json_spans(quire_json *b, const backend_span *h, uint32_t n); /* [[start,end],...] */
void json_date(quire_json *b, int32_t date);                       /* "YYYY-MM-DD" or null */

#endif
