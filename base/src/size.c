/*
 * size.c - command-line sizes; see quire/size.h.
 */
#include "quire/size.h"

#include <errno.h>
#include <stdlib.h>

int quire_parse_size(const char *s, size_t min, size_t *out)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    if (errno || end == s || !(v > 0))
        return quire_error(QUIRE_EINVAL, "size '%.40s': not a positive number", s);
    double mult = 1;
    switch (*end) {
    case 'k':
    case 'K':
        mult = 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        mult = 1024.0 * 1024.0;
        end++;
        break;
    case 'g':
    case 'G':
        mult = 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    default:
        break;
    }
    if (*end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0')
        return quire_error(QUIRE_EINVAL, "size '%.40s': unknown unit (k, M or G)", s);
    if (v * mult < (double)min || v * mult > 1e15)
        return quire_error(QUIRE_EINVAL, "size '%.40s': out of range (%zu bytes to 10^15)", s, min);
    *out = (size_t)(v * mult);
    return QUIRE_OK;
}
