/*
 * bytes.c - growable buffers and the CRC-32 wrapper.
 */
#include "quire/bytes.h"

#include <string.h>
#include <zlib.h>

void quire_buf_free(quire_buf *b)
{
    quire_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->err = QUIRE_OK;
}

bool quire_buf_grow(quire_buf *b, size_t extra)
{
    if (b->err)
        return false;
    if (b->cap - b->len >= extra)
        return true;
    size_t need = b->len + extra;
    if (need < b->len) { /* overflow */
        b->err = QUIRE_ENOMEM;
        return false;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap * 2 > cap ? cap * 2 : need;
    uint8_t *d = quire_realloc(b->data, cap);
    if (!d) {
        b->err = QUIRE_ENOMEM;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void quire_buf_put(quire_buf *b, const void *p, size_t n)
{
    if (n == 0 || !quire_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void quire_buf_put_le32(quire_buf *b, uint32_t v)
{
    if (!quire_buf_reserve(b, 4))
        return;
    quire_store_le32(b->data + b->len, v);
    b->len += 4;
}

void quire_buf_put_le64(quire_buf *b, uint64_t v)
{
    if (!quire_buf_reserve(b, 8))
        return;
    quire_store_le64(b->data + b->len, v);
    b->len += 8;
}

void quire_buf_put_str(quire_buf *b, const void *p, size_t n)
{
    quire_buf_put_varint(b, n);
    quire_buf_put(b, p, n);
}
