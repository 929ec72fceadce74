/*
 * status.c - the thread-local error message behind quire_error() and quire_errmsg().
 */
#include "quire/status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[512];
static _Thread_local int last_code;

static int set_message(int code, const char *fmt, va_list ap)
{
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    last_code = code;
    return code;
}

int quire_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_message(code, fmt, ap);
    va_end(ap);
    return code;
}

int quire_corrupt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_message(QUIRE_ECORRUPT, fmt, ap);
    va_end(ap);
    return QUIRE_ECORRUPT;
}

int quire_oom(void)
{
    return quire_error(QUIRE_ENOMEM, "out of memory");
}

const char *quire_strerror(int code)
{
    switch (code) {
    case QUIRE_OK:
        return "no error";
    case QUIRE_ENOMEM:
        return "out of memory";
    case QUIRE_EIO:
        return "input/output error";
    case QUIRE_ECORRUPT:
        return "corrupt index data";
    case QUIRE_EVERSION:
        return "unsupported format version";
    case QUIRE_ENOTFOUND:
        return "not found";
    case QUIRE_EINVAL:
        return "invalid argument";
    case QUIRE_ELOCKED:
        return "index is locked by another writer";
    case QUIRE_EMISMATCH:
        return "index was built with another analyzer";
    case QUIRE_ELIMIT:
        return "limit exceeded";
    default:
        return "unknown error";
    }
}

const char *quire_errmsg(void)
{
    if (last_message[0] == '\0')
        return quire_strerror(last_code);
    return last_message;
}

void quire_error_clear(void)
{
    last_message[0] = '\0';
    last_code = QUIRE_OK;
}
