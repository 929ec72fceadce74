/*
 * termdict.c - the term dictionary: sorted byte-string keys with opaque values, written in
 * front-coded blocks followed by a sparse index. FORMAT-codecs.md section "Term dictionary
 * (.ter)" is normative:
 *
 *   dict   := block{ceil(count/32)} index
 *   block  := first entry{1..32} crc32
 *   first  := value_len value                    (the key is the index's copy)
 *   entry  := shared suffix_len suffix value_len value     (lengths are varints)
 *   index  := count (key_len key block_len){blocks} crc32  (lengths are varints)
 *
 * Keys are strictly ascending; `shared` is the longest prefix shared with the previous key
 * of the block, so a key that follows another differs at byte `shared` by a larger byte
 * (or is longer): the reader checks the order in O(1) per key. The index is parsed once at
 * open; a lookup is a binary search in it, then a CRC check (once per block and open
 * dictionary) and a scan of one block.
 */
#include "quire/termdict.h"

#include <stdatomic.h>
#include <string.h>

#define B       QUIRE_DICT_BLOCK_TERMS
#define CRC_LEN 4

/* Keys are words: a few bytes, often sharing most of them with the key they are compared
 * with (a forward seek's target, the key before). A byte loop's exit then mispredicts on
 * nearly every call (under callgrind's branch simulation, 17% of a fuzzy walk's
 * mispredictions came from these two functions), so bytes are compared 8 or 4 at a time,
 * the first difference found from the XOR of two loads. Nothing is read past n. */
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The first i < n where a[i] != b[i], or n. */
static inline size_t mismatch(const uint8_t *a, const uint8_t *b, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* little-endian: the lowest set bit of the XOR lies in the first differing byte */
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            const uint64_t x = load64(a + i) ^ load64(b + i);
            if (x != 0)
                return i + (size_t)(__builtin_ctzll(x) >> 3);
        }
        if (i == n)
            return n;
        const uint64_t x = load64(a + n - 8) ^ load64(b + n - 8); /* the tail, overlapping */
        return x != 0 ? n - 8 + (size_t)(__builtin_ctzll(x) >> 3) : n;
    }
    if (n >= 4) {
        uint32_t x = load32(a) ^ load32(b);
        if (x != 0)
            return (size_t)(__builtin_ctz(x) >> 3);
        x = load32(a + n - 4) ^ load32(b + n - 4);
        return x != 0 ? n - 4 + (size_t)(__builtin_ctz(x) >> 3) : n;
    }
#endif
    size_t i = 0;
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* key[shared..shared+len) = suffix[0..len). Most suffixes are short: a copy of a fixed 16
 * bytes (whose mispredicted length checks a variable copy would pay) where both the key
 * buffer and the bytes readable from suffix (up to readable_end) have room for it. */
static inline void put_suffix(uint8_t *key, size_t shared, const uint8_t *suffix, size_t len,
                              const uint8_t *readable_end)
{
    if (len <= 16 && shared + 16 <= QUIRE_DICT_MAX_KEY && readable_end - suffix >= 16)
        memcpy(key + shared, suffix, 16);
    else
        memcpy(key + shared, suffix, len);
}

/* The length of the longest prefix a and b share. */
static size_t common_prefix(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    return mismatch(a, b, na < nb ? na : nb);
}

static int key_cmp(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len)
{
    const size_t n = a_len < b_len ? a_len : b_len;
    const size_t i = mismatch(a, b, n);
    if (i < n)
        return a[i] < b[i] ? -1 : 1;
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

/* ---- writer ---- */

struct quire_termdict_writer {
    quire_sink *out;
    int err;        /* sticky: I/O or allocation */
    uint64_t count; /* keys added */
    uint8_t prev[QUIRE_DICT_MAX_KEY];
    size_t prev_len;
    quire_buf block;               /* the block being filled */
    uint32_t in_block;             /* keys in it */
    quire_buf index;               /* encoded index entries */
    uint64_t index_off, index_len; /* set by finish */
    bool finished;
};

int quire_termdict_writer_new(quire_termdict_writer **w, quire_sink *out)
{
    quire_termdict_writer *t = quire_calloc(1, sizeof *t);
    if (!t)
        return quire_error(QUIRE_ENOMEM, "term dictionary writer: out of memory");
    t->out = out;
    t->block = (quire_buf)QUIRE_BUF_INIT;
    t->index = (quire_buf)QUIRE_BUF_INIT;
    *w = t;
    return QUIRE_OK;
}

void quire_termdict_writer_free(quire_termdict_writer *w)
{
    if (!w)
        return;
    quire_buf_free(&w->block);
    quire_buf_free(&w->index);
    quire_free(w);
}

static int writer_check(quire_termdict_writer *w)
{
    if (w->err)
        return w->err;
    if (w->block.err || w->index.err)
        return w->err = quire_error(QUIRE_ENOMEM, "term dictionary writer: out of memory");
    if (w->out->err)
        return w->err = w->out->err;
    return QUIRE_OK;
}

static int flush_block(quire_termdict_writer *w)
{
    quire_buf_put_le32(&w->block, quire_crc32(0, w->block.data, w->block.len));
    int rc = writer_check(w);
    if (rc != QUIRE_OK)
        return rc;
    quire_sink_write(w->out, w->block.data, w->block.len);
    quire_buf_put_varint(&w->index, w->block.len);
    w->block.len = 0;
    w->in_block = 0;
    return writer_check(w);
}

int quire_termdict_add(quire_termdict_writer *w, quire_bytes key, quire_bytes value)
{
    if (w->err)
        return w->err;
    if (w->finished)
        return quire_error(QUIRE_EINVAL, "term dictionary writer: add after finish");
    if (key.len > QUIRE_DICT_MAX_KEY)
        return quire_error(QUIRE_EINVAL, "term dictionary writer: key of %zu bytes", key.len);
    if (w->count > 0 && key_cmp(key.ptr, key.len, w->prev, w->prev_len) <= 0)
        return quire_error(QUIRE_EINVAL, "term dictionary writer: key %llu not ascending",
                           (unsigned long long)w->count);
    if (w->in_block == B) {
        int rc = flush_block(w);
        if (rc != QUIRE_OK)
            return rc;
    }
    if (w->in_block == 0) {
        quire_buf_put_str(&w->index, key.ptr, key.len);
    } else {
        const size_t shared = common_prefix(key.ptr, key.len, w->prev, w->prev_len);
        quire_buf_put_varint(&w->block, shared);
        quire_buf_put_str(&w->block, key.ptr + shared, key.len - shared);
    }
    quire_buf_put_str(&w->block, value.ptr, value.len);
    if (key.len)
        memcpy(w->prev, key.ptr, key.len);
    w->prev_len = key.len;
    w->in_block++;
    w->count++;
    return writer_check(w);
}

int quire_termdict_finish(quire_termdict_writer *w, uint64_t *count)
{
    if (w->err)
        return w->err;
    if (w->finished)
        return quire_error(QUIRE_EINVAL, "term dictionary writer: finished twice");
    if (w->in_block > 0) {
        int rc = flush_block(w);
        if (rc != QUIRE_OK)
            return rc;
    }
    w->finished = true;
    w->index_off = w->out->offset;
    uint8_t head[QUIRE_VARINT_MAX];
    size_t head_len = quire_varint_put(head, w->count);
    uint32_t crc = quire_crc32(quire_crc32(0, head, head_len), w->index.data, w->index.len);
    quire_sink_write(w->out, head, head_len);
    quire_sink_write(w->out, w->index.data, w->index.len);
    quire_sink_put_le32(w->out, crc);
    w->index_len = w->out->offset - w->index_off;
    int rc = writer_check(w);
    if (rc == QUIRE_OK)
        *count = w->count;
    return rc;
}

void quire_termdict_writer_index(const quire_termdict_writer *w, uint64_t *index_off,
                                 uint64_t *index_len)
{
    *index_off = w->index_off;
    *index_len = w->index_len;
}

/* ---- reader ---- */

struct quire_termdict {
    quire_bytes bytes;
    char *name;     /* owned copy, for messages */
    uint64_t count; /* keys */
    uint64_t block_count;
    const uint8_t **keys; /* first key of each block (views into bytes) */
    uint32_t *key_lens;   /* bytes */
    uint64_t *block_at;   /* block_count + 1 offsets into bytes; the last is index_off */
    /* a bit per block whose CRC has been checked: each block is checked on first use, not
     * on every look-up (the bytes are read-only); set relaxed by any thread, since a
     * missed bit only costs one more check */
    _Atomic uint64_t *checked;
};

void quire_termdict_close(quire_termdict *d)
{
    if (!d)
        return;
    quire_free(d->name);
    quire_free(d);
}

uint64_t quire_termdict_count(const quire_termdict *d)
{
    return d->count;
}

int quire_termdict_open(quire_termdict **out, quire_bytes bytes, uint64_t index_off,
                        uint64_t index_len, const char *name)
{
    *out = NULL;
    if (index_off > bytes.len || index_len > bytes.len - index_off || index_len < 1 + CRC_LEN)
        return quire_corrupt("%s: index at %llu+%llu outside %zu bytes", name,
                             (unsigned long long)index_off, (unsigned long long)index_len,
                             bytes.len);
    const uint8_t *p = bytes.ptr + index_off, *end = p + index_len - CRC_LEN;
    if (quire_crc32(0, p, (size_t)(index_len - CRC_LEN)) != quire_load_le32(end))
        return quire_corrupt("%s: index CRC mismatch", name);
    uint64_t count;
    if (quire_varint_get(&count, &p, end) != QUIRE_OK)
        return quire_corrupt("%s: bad term count", name);
    uint64_t blocks = count / B + (count % B != 0);
    if (blocks > (uint64_t)(end - p) / 2) /* an index entry takes at least 2 bytes */
        return quire_corrupt("%s: %llu terms in a %llu-byte index", name, (unsigned long long)count,
                             (unsigned long long)index_len);
    size_t name_len = strlen(name);
    const size_t check_words = (size_t)(blocks + 63) / 64;
    size_t arrays = (size_t)blocks * (sizeof(uint8_t *) + sizeof(uint32_t) + sizeof(uint64_t)) +
                    sizeof(uint64_t) + check_words * sizeof(uint64_t);
    quire_termdict *d = quire_malloc(sizeof *d + arrays);
    char *name_copy = quire_strndup(name, name_len);
    if (!d || !name_copy) {
        quire_free(d);
        quire_free(name_copy);
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", name);
    }
    d->bytes = bytes;
    d->name = name_copy;
    d->count = count;
    d->block_count = blocks;
    d->block_at = (uint64_t *)(void *)(d + 1);
    d->checked = (_Atomic uint64_t *)(void *)(d->block_at + blocks + 1);
    for (size_t i = 0; i < check_words; i++)
        atomic_init(&d->checked[i], 0);
    d->keys = (const uint8_t **)(void *)(d->checked + check_words);
    d->key_lens = (uint32_t *)(void *)(d->keys + blocks);

    int rc = QUIRE_OK;
    uint64_t total = 0;
    for (uint64_t k = 0; k < blocks; k++) {
        uint64_t key_len, block_len;
        if (quire_varint_get(&key_len, &p, end) != QUIRE_OK || key_len > QUIRE_DICT_MAX_KEY ||
            key_len > (uint64_t)(end - p)) {
            rc = quire_corrupt("%s: index entry %llu: bad key", name, (unsigned long long)k);
            goto done;
        }
        d->keys[k] = p;
        d->key_lens[k] = (uint32_t)key_len;
        p += key_len;
        if (k > 0 && key_cmp(d->keys[k - 1], d->key_lens[k - 1], d->keys[k], key_len) >= 0) {
            rc = quire_corrupt("%s: index entry %llu: keys not ascending", name,
                               (unsigned long long)k);
            goto done;
        }
        if (quire_varint_get(&block_len, &p, end) != QUIRE_OK || block_len < 1 + CRC_LEN ||
            block_len > index_off - total) {
            rc = quire_corrupt("%s: index entry %llu: bad block length", name,
                               (unsigned long long)k);
            goto done;
        }
        d->block_at[k] = total; /* made absolute below */
        total += block_len;
    }
    if (p != end) {
        rc = quire_corrupt("%s: %zu stray bytes in the index", name, (size_t)(end - p));
        goto done;
    }
    for (uint64_t k = 0; k < blocks; k++)
        d->block_at[k] += index_off - total;
    d->block_at[blocks] = index_off;
done:
    if (rc != QUIRE_OK) {
        quire_termdict_close(d);
        return rc;
    }
    *out = d;
    return QUIRE_OK;
}

static uint32_t block_terms(const quire_termdict *d, uint64_t k)
{
    return k + 1 < d->block_count ? B : (uint32_t)(d->count - k * B);
}

/* Check block k's CRC and point the iterator at its first entry. */
static int load_block(quire_termdict_iter *it, uint64_t k)
{
    const quire_termdict *d = it->d;
    const uint8_t *p = d->bytes.ptr + d->block_at[k];
    size_t len = (size_t)(d->block_at[k + 1] - d->block_at[k]);
    const uint8_t *end = p + len - CRC_LEN;
    _Atomic uint64_t *checked = &d->checked[k / 64];
    const uint64_t bit = 1ull << (k % 64);
    if ((atomic_load_explicit(checked, memory_order_relaxed) & bit) == 0) {
        if (quire_crc32(0, p, len - CRC_LEN) != quire_load_le32(end))
            return quire_corrupt("%s: block %llu: CRC mismatch", d->name, (unsigned long long)k);
        atomic_fetch_or_explicit(checked, bit, memory_order_relaxed);
    }
    it->block = k;
    it->at = p;
    it->block_end = end;
    it->left_in_block = block_terms(d, k);
    it->block_terms = it->left_in_block;
    return QUIRE_OK;
}

/* Decode the next entry of the loaded block into key/value/ordinal. */
static int step(quire_termdict_iter *it)
{
    const quire_termdict *d = it->d;
    const uint8_t *p = it->at, *end = it->block_end;
    const bool first = it->block_terms == it->left_in_block;
    uint64_t v;
    if (first) {
        const size_t kept =
            common_prefix(it->key, it->key_len, d->keys[it->block], d->key_lens[it->block]);
        if (kept < it->kept)
            it->kept = kept;
        memcpy(it->key, d->keys[it->block], d->key_lens[it->block]);
        it->key_len = d->key_lens[it->block];
    } else {
        uint64_t shared, suffix_len;
        if (quire_varint_get(&shared, &p, end) != QUIRE_OK || shared > it->key_len ||
            quire_varint_get(&suffix_len, &p, end) != QUIRE_OK ||
            suffix_len > (uint64_t)(end - p) || suffix_len > QUIRE_DICT_MAX_KEY - shared)
            goto corrupt;
        /* order check: the new key differs from the previous one first at `shared` */
        if (suffix_len == 0 || (shared < it->key_len && p[0] <= it->key[shared]))
            goto corrupt;
        put_suffix(it->key, (size_t)shared, p, (size_t)suffix_len, end + CRC_LEN);
        if (shared < it->kept)
            it->kept = (size_t)shared;
        it->key_len = (size_t)(shared + suffix_len);
        p += suffix_len;
    }
    if (quire_varint_get(&v, &p, end) != QUIRE_OK || v > (uint64_t)(end - p))
        goto corrupt;
    it->value = quire_bytes_of(p, (size_t)v);
    p += v;
    it->at = p;
    it->left_in_block--;
    it->ordinal = it->block * B + (it->block_terms - it->left_in_block) - 1;
    if (it->left_in_block == 0 && p != end)
        goto corrupt;
    return QUIRE_OK;
corrupt:
    return quire_corrupt("%s: block %llu: bad entry", d->name, (unsigned long long)it->block);
}

/* Largest block whose first key is <= key; -1 (as UINT64_MAX) if none. */
static uint64_t find_block(const quire_termdict *d, const uint8_t *key, size_t key_len)
{
    uint64_t lo = 0, hi = d->block_count; /* answer + 1 lies in [lo, hi] */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (key_cmp(d->keys[mid], d->key_lens[mid], key, key_len) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

int quire_termdict_get(const quire_termdict *d, quire_bytes key, quire_bytes *value,
                       uint64_t *ordinal)
{
    if (key.len > QUIRE_DICT_MAX_KEY || d->block_count == 0)
        return QUIRE_ENOTFOUND;
    uint64_t k = find_block(d, key.ptr, key.len);
    if (k == UINT64_MAX)
        return QUIRE_ENOTFOUND;
    quire_termdict_iter it;
    it.d = d;
    int rc = load_block(&it, k);
    while (rc == QUIRE_OK && it.left_in_block > 0) {
        rc = step(&it);
        if (rc != QUIRE_OK)
            break;
        int c = key_cmp(it.key, it.key_len, key.ptr, key.len);
        if (c == 0) {
            *value = it.value;
            if (ordinal)
                *ordinal = it.ordinal;
            return QUIRE_OK;
        }
        if (c > 0)
            break;
    }
    return rc != QUIRE_OK ? rc : QUIRE_ENOTFOUND;
}

static void iter_init(quire_termdict_iter *it, const quire_termdict *d)
{
    it->d = d;
    it->ordinal = 0;
    it->key_len = 0;
    it->kept = 0;
    it->value = quire_bytes_of(NULL, 0);
    it->block = 0;
    it->at = it->block_end = NULL;
    it->left_in_block = 0;
    it->pending = true;
    it->at_end = true;
}

int quire_termdict_seek(quire_termdict_iter *it, const quire_termdict *d, quire_bytes from)
{
    iter_init(it, d);
    if (d->block_count == 0)
        return QUIRE_OK;
    uint64_t k = find_block(d, from.ptr, from.len);
    if (k == UINT64_MAX)
        k = 0;
    int rc = load_block(it, k);
    while (rc == QUIRE_OK) {
        if (it->left_in_block == 0) {
            if (k + 1 == d->block_count)
                return QUIRE_OK; /* past the last key */
            rc = load_block(it, ++k);
            continue;
        }
        rc = step(it);
        if (rc == QUIRE_OK && key_cmp(it->key, it->key_len, from.ptr, from.len) >= 0) {
            it->at_end = false;
            return QUIRE_OK;
        }
    }
    return rc;
}

/* The largest block j >= lo whose first key is <= key, given that block lo's is: a gallop
 * from lo, then a binary search (a forward seek usually lands in a block nearby). */
static uint64_t find_block_from(const quire_termdict *d, uint64_t lo, const uint8_t *key,
                                size_t key_len)
{
    uint64_t step = 1, hi = lo + 1; /* keys[lo] <= key; is keys[hi] too? */
    while (hi < d->block_count && key_cmp(d->keys[hi], d->key_lens[hi], key, key_len) <= 0) {
        lo = hi;
        step *= 2;
        hi = lo + step;
    }
    if (hi > d->block_count)
        hi = d->block_count;
    /* keys[lo] <= key < keys[hi] (hi == block_count: past the last) */
    while (hi - lo > 1) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (key_cmp(d->keys[mid], d->key_lens[mid], key, key_len) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Within the loaded block, from a current key below `from`, on to the first key >= `from`
 * (true), or past the block's last key (false: every key of the block is below it). The
 * keys in between are not built: with m the prefix the current key shares with `from`, an
 * entry sharing more than m bytes with the key before it is below `from` too (it differs
 * from `from` where that key does, at m), one sharing fewer is above it (its byte there
 * exceeds the key before's, which is from's), and only one sharing exactly m is compared. So
 * the bytes past m of the keys skipped are never needed: a key that stops the skip takes
 * its first bytes from `from`. */
static int skip_in_block(quire_termdict_iter *it, quire_bytes from, bool *found)
{
    const quire_termdict *d = it->d;
    const uint8_t *p = it->at, *end = it->block_end;
    size_t m = common_prefix(it->key, it->key_len, from.ptr, from.len);
    size_t len = it->key_len; /* of the key before, whose bytes past m may be stale */
    *found = false;
    while (it->left_in_block > 0) {
        uint64_t shared, suffix_len, v;
        if (end - p >= 2 && (p[0] | p[1]) < 0x80) { /* nearly every entry: two short lengths */
            shared = p[0];
            suffix_len = p[1];
            p += 2;
        } else if (quire_varint_get(&shared, &p, end) != QUIRE_OK ||
                   quire_varint_get(&suffix_len, &p, end) != QUIRE_OK) {
            goto corrupt;
        }
        if (shared > len || suffix_len == 0 || suffix_len > (uint64_t)(end - p) ||
            suffix_len > QUIRE_DICT_MAX_KEY - shared)
            goto corrupt;
        const uint8_t *suffix = p;
        p += suffix_len;
        if (quire_varint_get(&v, &p, end) != QUIRE_OK || v > (uint64_t)(end - p))
            goto corrupt;
        const uint8_t *value = p;
        p += v;
        it->left_in_block--;
        if (it->left_in_block == 0 && p != end)
            goto corrupt;
        len = (size_t)(shared + suffix_len);
        if (shared > m)
            continue; /* below `from`, as the key before */
        /* the key is from[0..shared) + suffix (shared <= m: those bytes are from's) */
        if (shared < m && suffix[0] <= from.ptr[shared])
            goto corrupt; /* not above the key before, which held from's byte there */
        /* the key buffer agrees with from[0..m) and shared <= m: it holds the key's first
         * shared bytes already */
        put_suffix(it->key, (size_t)shared, suffix, (size_t)suffix_len, end + CRC_LEN);
        if (shared < it->kept)
            it->kept = (size_t)shared;
        it->key_len = len;
        it->value = quire_bytes_of(value, (size_t)v);
        it->at = p;
        it->ordinal = it->block * B + (it->block_terms - it->left_in_block) - 1;
        if (shared < m || key_cmp(it->key, len, from.ptr, from.len) >= 0) {
            *found = true;
            return QUIRE_OK;
        }
        m = shared + common_prefix(it->key + shared, len - shared, from.ptr + shared,
                                   from.len - shared);
    }
    it->at = p;
    return QUIRE_OK;
corrupt:
    return quire_corrupt("%s: block %llu: bad entry", d->name, (unsigned long long)it->block);
}

/* Block k loaded and its first key decoded. */
static int enter_first(quire_termdict_iter *it, uint64_t k)
{
    const int rc = load_block(it, k);
    return rc == QUIRE_OK ? step(it) : rc;
}

int quire_termdict_seek_forward(quire_termdict_iter *it, quire_bytes from)
{
    const quire_termdict *d = it->d;
    /* only from a yielded key below `from`; anything else is an ordinary seek */
    if (it->pending || it->at_end || it->at == NULL ||
        key_cmp(it->key, it->key_len, from.ptr, from.len) >= 0)
        return quire_termdict_seek(it, d, from);
    it->kept = it->key_len; /* lowered by whatever rewrites the key */
    uint64_t k = it->block;
    if (k + 1 < d->block_count &&
        key_cmp(d->keys[k + 1], d->key_lens[k + 1], from.ptr, from.len) <= 0) {
        /* `from` lies in a later block: to it, and its first key */
        k = find_block_from(d, k + 1, from.ptr, from.len);
        const int rc = enter_first(it, k);
        if (rc != QUIRE_OK)
            return rc;
        if (key_cmp(it->key, it->key_len, from.ptr, from.len) >= 0) {
            it->pending = true;
            return QUIRE_OK;
        }
    }
    bool found;
    const int rc = skip_in_block(it, from, &found);
    if (rc != QUIRE_OK)
        return rc;
    if (found) {
        it->pending = true;
        return QUIRE_OK;
    }
    /* every key of the block is below `from`, and the next block's first is above it */
    if (it->block + 1 >= d->block_count) {
        it->at_end = true;
        return QUIRE_OK;
    }
    const int rc2 = enter_first(it, it->block + 1);
    if (rc2 == QUIRE_OK)
        it->pending = true;
    return rc2;
}

int quire_termdict_seek_ordinal(quire_termdict_iter *it, const quire_termdict *d, uint64_t ordinal)
{
    iter_init(it, d);
    if (ordinal >= d->count)
        return QUIRE_ENOTFOUND;
    int rc = load_block(it, ordinal / B);
    for (uint64_t i = 0; rc == QUIRE_OK && i <= ordinal % B; i++)
        rc = step(it);
    if (rc == QUIRE_OK)
        it->at_end = false;
    return rc;
}

int quire_termdict_next(quire_termdict_iter *it)
{
    if (it->pending) {
        it->pending = false;
        return it->at_end ? QUIRE_ENOTFOUND : QUIRE_OK;
    }
    if (it->at_end)
        return QUIRE_ENOTFOUND;
    const quire_termdict *d = it->d;
    it->kept = it->key_len; /* lowered by step() */
    if (it->left_in_block == 0) {
        uint64_t k = it->block + 1;
        if (k >= d->block_count) {
            it->at_end = true;
            return QUIRE_ENOTFOUND;
        }
        /* the index keys ascend (checked at open); so must the seam between blocks */
        if (key_cmp(it->key, it->key_len, d->keys[k], d->key_lens[k]) >= 0)
            return quire_corrupt("%s: block %llu: keys overlap the next block", d->name,
                                 (unsigned long long)k);
        int rc = load_block(it, k);
        if (rc != QUIRE_OK)
            return rc;
    }
    return step(it);
}
