/*
 * fuzz_termdict.c - the term dictionary reader on arbitrary bytes.
 * Input: a le32 index length, then the dictionary bytes, whose last `index length` bytes
 * are the sparse index (as the segment's statistics block locates it). The dictionary is
 * walked whole, each key looked up again, and seeks by key and by ordinal made from the
 * input. Checks: the walk yields ascending ordinals, at most count keys, each of at most
 * QUIRE_DICT_MAX_KEY bytes with its value inside the bytes; a found key's value is inside.
 */
#include <string.h>

#include "fuzz_common.h"
#include "quire/termdict.h"

static bool inside(quire_bytes all, quire_bytes part)
{
    return part.len == 0 || (part.ptr >= all.ptr && part.ptr <= all.ptr + all.len &&
                             part.len <= (size_t)(all.ptr + all.len - part.ptr));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint64_t index_len = quire_load_le32(data);
    size_t n = size - 4;
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, data + 4, n);
    quire_bytes all = quire_bytes_of(copy, n);
    uint64_t index_off = index_len <= n ? n - index_len : 0;
    quire_termdict *d = NULL;
    if (quire_termdict_open(&d, all, index_off, index_len, "fuzz.ter") != QUIRE_OK) {
        free(copy);
        quire_error_clear();
        return 0;
    }
    uint64_t count = quire_termdict_count(d);

    /* walk everything, looking each key up again */
    quire_termdict_iter it;
    uint64_t seen = 0;
    if (quire_termdict_seek(&it, d, quire_bytes_of("", 0)) == QUIRE_OK) {
        uint64_t last = 0;
        while (quire_termdict_next(&it) == QUIRE_OK) {
            FZ_CHECK(seen == 0 || it.ordinal > last);
            FZ_CHECK(it.ordinal < count);
            FZ_CHECK(it.key_len <= QUIRE_DICT_MAX_KEY);
            FZ_CHECK(inside(all, it.value));
            last = it.ordinal;
            seen++;
            FZ_CHECK(seen <= count);
            uint8_t key[QUIRE_DICT_MAX_KEY];
            size_t kl = it.key_len;
            memcpy(key, it.key, kl);
            quire_bytes v;
            uint64_t ord;
            if (quire_termdict_get(d, quire_bytes_of(key, kl), &v, &ord) == QUIRE_OK) {
                FZ_CHECK(inside(all, v));
                FZ_CHECK(ord < count);
            }
        }
    }
    /* seeks by keys cut from the input, and by ordinals */
    for (size_t i = 0; i + 1 < n && i < 256; i += 16) {
        size_t kl = copy[i] % 24;
        if (kl > n - i - 1)
            kl = n - i - 1;
        quire_bytes key = quire_bytes_of(copy + i + 1, kl);
        if (quire_termdict_seek(&it, d, key) == QUIRE_OK)
            for (int k = 0; k < 40 && quire_termdict_next(&it) == QUIRE_OK; k++)
                FZ_CHECK(it.ordinal < count && inside(all, it.value));
        quire_bytes v;
        if (quire_termdict_get(d, key, &v, NULL) == QUIRE_OK)
            FZ_CHECK(inside(all, v));
        if (count &&
            quire_termdict_seek_ordinal(&it, d, (copy[i] * 7919u + i) % (count + 2)) == QUIRE_OK)
            for (int k = 0; k < 40 && quire_termdict_next(&it) == QUIRE_OK; k++)
                FZ_CHECK(it.ordinal < count && inside(all, it.value));
    }
    quire_termdict_close(d);
    free(copy);
    quire_error_clear();
    return 0;
}
