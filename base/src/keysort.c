/*
 * keysort.c - bytewise key sort; see quire/keysort.h.
 */
#include "quire/keysort.h"

#include <stdlib.h>
#include <string.h>

/* Keys of equal prefixes: the bytes after them, then the lengths. Zero padding makes a
 * key's prefix equal to that of a longer key it begins, and to no key it sorts apart from
 * but by a 0 byte, which the whole comparison settles. */
static int cmp_keys(const void *pa, const void *pb)
{
    const quire_keysort_entry *a = pa, *b = pb;
    const uint32_t n = a->len < b->len ? a->len : b->len;
    const int c = n > 8 ? memcmp(a->key + 8, b->key + 8, n - 8) : 0;
    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

void quire_keysort(quire_keysort_entry *e, quire_keysort_entry *tmp, size_t n)
{
    quire_keysort_entry *from = e, *to = tmp;
    for (unsigned shift = 0; shift < 64 && n > 1; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(from[i].prefix >> shift) & 255]++;
        if (count[(from[0].prefix >> shift) & 255] == n)
            continue; /* every key has this digit: the pass would change nothing */
        size_t at = 0;
        for (unsigned d = 0; d < 256; d++) {
            const size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[(from[i].prefix >> shift) & 255]++] = from[i];
        quire_keysort_entry *x = from;
        from = to;
        to = x;
    }
    if (from != e)
        memcpy(e, from, n * sizeof *e);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && e[j].prefix == e[i].prefix)
            j++;
        if (j - i > 1)
            qsort(e + i, j - i, sizeof *e, cmp_keys);
        i = j;
    }
}
