/*
 * version.c - the version of the library itself (quire/version.h), fixed when it is built.
 */
#include "quire/version.h"

#include "quire/segment.h"

const char *quire_version(void)
{
    return QUIRE_VERSION_STRING;
}

int quire_version_number(int *major, int *minor, int *patch)
{
    if (major != NULL)
        *major = QUIRE_VERSION_MAJOR;
    if (minor != NULL)
        *minor = QUIRE_VERSION_MINOR;
    if (patch != NULL)
        *patch = QUIRE_VERSION_PATCH;
    return QUIRE_VERSION_NUMBER;
}

int quire_format_version(int *oldest)
{
    if (oldest != NULL)
        *oldest = QUIRE_FORMAT_MIN_VERSION;
    return QUIRE_FORMAT_VERSION;
}
