/*
 * quire/common.h - what every part of libquire's public API shares: the export and
 * must-check markers, the error codes, and the thread's last error message.
 *
 * Errors (libgit2 docs/error-handling.md; LMDB lmdb.h "Return Codes"): every fallible
 * function returns an int, QUIRE_OK (0) or one of the negative codes below, and sets a
 * one-line message for the calling thread that names the file or the input and what is
 * wrong. The codes are stable: a caller may act on them. The messages are for people.
 */
#ifndef QUIRE_COMMON_H
#define QUIRE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define QUIRE_API        __attribute__((visibility("default")))
#define QUIRE_MUST_CHECK __attribute__((warn_unused_result))
#else
#define QUIRE_API
#define QUIRE_MUST_CHECK
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
enum {
    QUIRE_OK = 0,
    QUIRE_ENOMEM = -1,    /* an allocation failed */
    QUIRE_EIO = -2,       /* a system call failed (disk full, permission, ...) */
    QUIRE_ECORRUPT = -3,  /* bytes on disk are not what the format allows */
    QUIRE_EVERSION = -4,  /* a file of a format version this build does not read */
    QUIRE_ENOTFOUND = -5, /* a looked-up thing is absent (no index in a directory, ...) */
    QUIRE_EINVAL = -6,    /* bad argument or bad user input (a malformed query, ...) */
    QUIRE_ELOCKED = -7,   /* another writer holds the index lock */
    QUIRE_EMISMATCH = -8, /* index built with another analyzer than the one asked for */
    QUIRE_ELIMIT = -9,    /* a documented limit was exceeded (query depth, document size...) */
};

/* The calling thread's last error message: one line, never NULL. It stays until the
 * thread's next failing call into quire; a call that succeeds does not clear it. If no
 * message was set, a generic text for the last code. Owned by the library (thread-local
 * storage): copy it before the thread's next call into quire. */
QUIRE_API const char *quire_errmsg(void);

/* A fixed text for `code` ("out of memory", ...), never NULL; static storage. */
QUIRE_API const char *quire_strerror(int code);

/* Forget the calling thread's last error message and code. */
QUIRE_API void quire_error_clear(void);

#ifdef __cplusplus
}
#endif

#endif
