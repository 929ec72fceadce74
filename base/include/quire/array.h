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
#define QUIRE_ARRAY_SLOW __attribute__((cold, noinline))
#else
#define QUIRE_LIKELY(x) (x)
#define QUIRE_ARRAY_COLD
#define QUIRE_ARRAY_SLOW
#endif
/* QUIRE_ARRAY_SLOW marks a caller's own out-of-line growth function, for the hot loop where
 * quire_array_grow*()'s arguments, set up inline, would cost the common path a register
 * (format/src/postings.c: add_posting). */

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

/* Make room for `need` items in all of the growable array `items` of capacity `cap` (as in
 * QUIRE_ARRAY_RESERVE()): when need > cap the array is reallocated, once, to the first of
 * 2 * cap, 4 * cap, ... (or of first, 2 * first, ... when empty) that holds `need` items.
 * For appending a run of items at once (reserve count + n) or making index i exist
 * (reserve i + 1, as a size_t so that it cannot wrap). Evaluates to QUIRE_OK, or
 * QUIRE_ENOMEM with the message "out of memory" and items and cap unchanged. `need` is
 * evaluated twice on the slow path: it must have no side effects. The test of the common
 * case is inline: one comparison. */
#define QUIRE_ARRAY_RESERVE_N(items, need, cap, first)                                             \
    (QUIRE_LIKELY((size_t)(need) <= (size_t)(cap))                                                 \
         ? QUIRE_OK                                                                                \
         : quire_array_grow_n(&(items), sizeof *(items), &(cap), sizeof(cap), (need), (first)))

/* QUIRE_ARRAY_RESERVE()'s slow path: `items_ptr` points to the array's pointer, `cap_ptr`
 * to its capacity of `cap_size` bytes (4 or 8). Both are read and written by memcpy, so
 * any object pointer type and either capacity type do. */
QUIRE_ARRAY_COLD QUIRE_MUST_CHECK int
quire_array_grow(void *items_ptr, size_t item_size, void *cap_ptr, size_t cap_size, size_t first);

/* QUIRE_ARRAY_RESERVE_N()'s slow path: as quire_array_grow(), doubling further until the
 * capacity is `need` at least (need 0 or 1: one doubling, as quire_array_grow()). */
QUIRE_ARRAY_COLD QUIRE_MUST_CHECK int quire_array_grow_n(void *items_ptr, size_t item_size,
                                                         void *cap_ptr, size_t cap_size,
                                                         size_t need, size_t first);

#endif
