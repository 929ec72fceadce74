/*
 * date.h - calendar dates as days since 1970-01-01 (proleptic Gregorian), the form the
 * doc table stores and date: ranges compare.
 */
#ifndef QUIRE_DATE_H
#define QUIRE_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIRE_NO_DATE INT32_MIN /* a document without a date */

/* Parse exactly "YYYY-MM-DD" (a real calendar date, years 0001..9999). */
bool quire_date_parse(const char *s, size_t len, int32_t *days);
/* Format as YYYY-MM-DD plus NUL. */
void quire_date_format(int32_t days, char buf[11]);

#endif
