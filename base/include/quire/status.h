/*
 * status.h - error codes, the thread-local error message, and the allocation hook.
 *
 * Every fallible function in quire's libraries returns an int: QUIRE_OK (0) or one of the
 * negative codes of quire/common.h. The function that detects a problem sets a one-line message
 * naming the file and what is wrong (quire_error), and callers propagate the code unchanged.
 * Library code never prints or exits; only the programs' main.c do.
 *
 * All memory in base/, analysis/ and format/ goes through quire_malloc & co, so tests can
 * fail the Nth allocation (quire_alloc_fail_at) and check for clean QUIRE_ENOMEM returns.
 */
#ifndef QUIRE_STATUS_H
#define QUIRE_STATUS_H

#include <stddef.h>

/* The codes, QUIRE_MUST_CHECK, quire_errmsg(), quire_strerror() and quire_error_clear()
 * are libquire's public ones (include/quire/common.h). */
#include "quire/common.h"

#define QUIRE_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Set the thread's error message and return `code` (so callers write
 * `return quire_error(QUIRE_EIO, "%s: %s", path, strerror(errno));`). */
int quire_error(int code, const char *fmt, ...) QUIRE_PRINTF(2, 3);

/* Report corruption: one function to break on in a debugger. Returns QUIRE_ECORRUPT. */
int quire_corrupt(const char *fmt, ...) QUIRE_PRINTF(1, 2);
/* An allocation failed: the one out-of-memory path. Sets the message "out of memory" and
 * returns QUIRE_ENOMEM (`return quire_oom();`). A message naming the file or input
 * being read, where one helps, is quire_error(QUIRE_ENOMEM, ...) instead. */
int quire_oom(void);

/* Allocation. quire_free accepts NULL. quire_realloc keeps `p` valid on failure. */
void *quire_malloc(size_t n);
void *quire_calloc(size_t count, size_t size);
void *quire_realloc(void *p, size_t n);
void quire_free(void *p);
char *quire_strndup(const char *s, size_t n);

/* Testing hook: make the n-th allocation from now (1-based) and every later one fail;
 * 0 disables. Returns the number of allocations done since the last call. */
long quire_alloc_fail_at(long n);

#endif
