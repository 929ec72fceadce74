/*
 * json_writer.c - json_writer.h.
 */
#include "json_writer.h"

void json_spans(quire_json *b, const backend_span *h, uint32_t n)
{
    quire_json_raw(b, "[", 1);
    for (uint32_t i = 0; i < n; i++)
        quire_json_printf(b, "%s[%zu,%zu]", i ? "," : "", h[i].start, h[i].end);
    quire_json_raw(b, "]", 1);
}

void json_date(quire_json *b, int32_t date)
{
    if (date == BACKEND_NO_DATE) {
        quire_json_lit(b, "null");
        return;
    }
    char day[11];
    backend_format_date(date, day);
    quire_json_printf(b, "\"%s\"", day);
}
