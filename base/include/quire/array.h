/*
 * array.h - growable arrays: the one doubling (and the one "out of memory") behind every
 * array of quire's libraries and programs that grows an item at a time.
 */
#ifndef QUIRE_ARRAY_H
#define QUIRE_ARRAY_H

#include <stddef.h>

#include "quire/status.h"

#if defined(__GNUC__) || defined(__clang__)
#define QUIRE_LIKELY(x)  __builtin_expect(!!(x), 1)
#define QUIRE_ARRAY_COLD __attribute__((cold))
#else
#define QUIRE_LIKELY(x) (x)
#define QUIRE_ARRAY_COLD
#endif

/* Make room for item number `count` of the growable array `items` (a pointer lvalue, NULL
 * while `cap` is 0) whose capacity is `cap` (an lvalue of type uint32_t or size_t): when
 * count == cap the array is reallocated to twice cap items, or `first` when empty.
 * Evaluates to QUIRE_OK, or QUIRE_ENOMEM with the message "out of memory" and items and cap
 * unchanged. The test of the common case is inline: one comparison, as the hand-written
 * doublings had. */
#define QUIRE_ARRAY_RESERVE(items, count, cap, first)                                              \
    (QUIRE_LIKELY((size_t)(count) < (size_t)(cap))                                                 \
         ? QUIRE_OK                                                                                \
         : quire_array_grow(&(items), sizeof *(items), &(cap), sizeof(cap), (first)))

/* QUIRE_ARRAY_RESERVE()'s slow path: `items_ptr` points to the array's pointer, `cap_ptr`
 * to its capacity of `cap_size` bytes (4 or 8). Both are read and written by memcpy, so
 * any object pointer type and either capacity type do. */
QUIRE_ARRAY_COLD QUIRE_MUST_CHECK int
quire_array_grow(void *items_ptr, size_t item_size, void *cap_ptr, size_t cap_size, size_t first);

#endif
