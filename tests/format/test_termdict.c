/*
 * test_termdict.c - the term dictionary: random sorted keys round trip through a real
 * sink; get hits and misses; seek, seek_ordinal and prefix iteration; the writer refuses
 * keys out of order; every damaged byte is detected or harmless.
 */
#include "quire/termdict.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/fileio.h"

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

typedef struct key {
    uint8_t *p;
    size_t len;
} key;

static int key_cmp(const void *a, const void *b)
{
    const key *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* `n` distinct random keys in order: a mix of short keys over a small alphabet (long
 * shared prefixes), binary keys, long keys up to 1000 bytes, and the empty key. */
static key *gen_keys(uint64_t *rng, size_t *n)
{
    size_t want = *n;
    key *k = malloc((want + 1) * sizeof *k);
    for (size_t i = 0; i < want; i++) {
        uint64_t r = rng_next(rng) % 100;
        size_t len = r < 70 ? 1 + rng_next(rng) % 12 : r < 95 ? rng_next(rng) % 40
                                                            : 900 + rng_next(rng) % 101;
        k[i].p = malloc(len ? len : 1);
        k[i].len = len;
        bool binary = rng_next(rng) % 10 == 0;
        for (size_t j = 0; j < len; j++)
            k[i].p[j] = binary ? (uint8_t)rng_next(rng) : (uint8_t)('a' + rng_next(rng) % 4);
    }
    qsort(k, want, sizeof *k, key_cmp);
    size_t m = 0;
    for (size_t i = 0; i < want; i++) {
        if (m > 0 && key_cmp(&k[m - 1], &k[i]) == 0)
            free(k[i].p);
        else
            k[m++] = k[i];
    }
    *n = m;
    return k;
}

static void keys_free(key *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(k[i].p);
    free(k);
}

/* The value of key i: its index as text, sometimes empty. */
static size_t value_of(size_t i, char *buf)
{
    if (i % 7 == 3)
        return 0;
    return (size_t)snprintf(buf, 32, "v%zu", i);
}

typedef struct dict_file {
    char dir[64], path[96];
    quire_map map;
    uint64_t index_off, index_len;
} dict_file;

static void write_dict(dict_file *f, const key *k, size_t n)
{
    strcpy(f->dir, "/tmp/quire-termdict-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/t.ter", f->dir);
    quire_sink s;
    cr_assert_eq(quire_sink_open(&s, f->path), QUIRE_OK);
    quire_sink_write(&s, "HEAD", 4); /* the dictionary does not start at 0 */
    quire_termdict_writer *w;
    cr_assert_eq(quire_termdict_writer_new(&w, &s), QUIRE_OK);
    char v[32];
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(quire_termdict_add(w, quire_bytes_of(k[i].p, k[i].len),
                                        quire_bytes_of(v, value_of(i, v))),
                     QUIRE_OK);
    uint64_t count;
    cr_assert_eq(quire_termdict_finish(w, &count), QUIRE_OK);
    cr_assert_eq(count, n);
    quire_termdict_writer_index(w, &f->index_off, &f->index_len);
    quire_termdict_writer_free(w);
    quire_sink_put_le32(&s, 0xdeadbeef); /* a trailer after it */
    cr_assert_eq(quire_sink_finish(&s), QUIRE_OK);
    cr_assert_eq(quire_map_open(&f->map, f->path), QUIRE_OK);
}

static void dict_file_free(dict_file *f)
{
    quire_map_close(&f->map);
    unlink(f->path);
    rmdir(f->dir);
}

static void expect_entry(const quire_termdict_iter *it, const key *k, size_t i)
{
    char v[32];
    size_t vlen = value_of(i, v);
    cr_assert_eq(it->ordinal, i);
    cr_assert_eq(it->key_len, k[i].len, "ordinal %zu", i);
    cr_assert_eq(memcmp(it->key, k[i].p, k[i].len), 0);
    cr_assert_eq(it->value.len, vlen);
    cr_assert_eq(memcmp(it->value.ptr, v, vlen), 0);
}

/* First index with key >= probe. */
/* it->kept after a move from key `from` to key `to`: never past their shared prefix (the
 * fuzzy walk keeps automaton states for those bytes). *kept_sum adds it up, so a caller
 * can check it is not always 0. */
static void expect_kept(const quire_termdict_iter *it, const key *from, const key *to,
                        uint64_t *kept_sum)
{
    size_t shared = 0;
    while (shared < from->len && shared < to->len && from->p[shared] == to->p[shared])
        shared++;
    cr_assert_leq(it->kept, shared, "kept %zu of keys sharing %zu bytes", it->kept, shared);
    *kept_sum += it->kept;
}

static size_t lower_bound(const key *k, size_t n, const key *probe)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (key_cmp(&k[mid], probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void check_dict(const key *k, size_t n, uint64_t seed)
{
    dict_file f;
    write_dict(&f, k, n);
    quire_termdict *d;
    cr_assert_eq(quire_termdict_open(&d, f.map.bytes, f.index_off, f.index_len, "t.ter"),
                 QUIRE_OK);
    cr_assert_eq(quire_termdict_count(d), n);
    /* full iteration */
    quire_termdict_iter it;
    uint64_t kept_sum = 0;
    cr_assert_eq(quire_termdict_seek(&it, d, quire_bytes_of(NULL, 0)), QUIRE_OK);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(quire_termdict_next(&it), QUIRE_OK);
        expect_entry(&it, k, i);
        if (i > 0)
            expect_kept(&it, &k[i - 1], &k[i], &kept_sum);
    }
    cr_assert_eq(quire_termdict_next(&it), QUIRE_ENOTFOUND);
    cr_assert_eq(quire_termdict_next(&it), QUIRE_ENOTFOUND);
    /* every key found, with its ordinal */
    for (size_t i = 0; i < n; i++) {
        quire_bytes v;
        uint64_t ord;
        cr_assert_eq(quire_termdict_get(d, quire_bytes_of(k[i].p, k[i].len), &v, &ord),
                     QUIRE_OK);
        cr_assert_eq(ord, i);
        char buf[32];
        cr_assert_eq(v.len, value_of(i, buf));
    }
    /* random probes: misses, seeks, prefix iteration */
    uint64_t rng = seed;
    size_t probes_n = 2000;
    key *probes = gen_keys(&rng, &probes_n);
    for (size_t j = 0; j < probes_n; j++) {
        size_t i = lower_bound(k, n, &probes[j]);
        bool hit = i < n && key_cmp(&k[i], &probes[j]) == 0;
        quire_bytes v;
        cr_assert_eq(quire_termdict_get(d, quire_bytes_of(probes[j].p, probes[j].len), &v, NULL),
                     hit ? QUIRE_OK : QUIRE_ENOTFOUND);
        cr_assert_eq(quire_termdict_seek(&it, d, quire_bytes_of(probes[j].p, probes[j].len)),
                     QUIRE_OK);
        /* prefix iteration: every key starting with the probe's first 2 bytes */
        size_t plen = probes[j].len < 2 ? probes[j].len : 2;
        key prefix = {probes[j].p, plen};
        size_t from = lower_bound(k, n, &prefix);
        cr_assert_eq(quire_termdict_seek(&it, d, quire_bytes_of(prefix.p, plen)), QUIRE_OK);
        for (size_t x = from;; x++) {
            int rc = quire_termdict_next(&it);
            if (x == n) {
                cr_assert_eq(rc, QUIRE_ENOTFOUND);
                break;
            }
            cr_assert_eq(rc, QUIRE_OK);
            expect_entry(&it, k, x);
            if (k[x].len < plen || memcmp(k[x].p, prefix.p, plen) != 0)
                break;
            if (x - from > 40)
                break;
        }
        /* seek to the probe itself */
        cr_assert_eq(quire_termdict_seek(&it, d, quire_bytes_of(probes[j].p, probes[j].len)),
                     QUIRE_OK);
        int rc = quire_termdict_next(&it);
        if (i == n) {
            cr_assert_eq(rc, QUIRE_ENOTFOUND);
        } else {
            cr_assert_eq(rc, QUIRE_OK);
            expect_entry(&it, k, i);
        }
        /* seek_forward from a key yielded below the probe: as a seek */
        if (i > 0) {
            /* k[start] < probe, mostly in the probe's block, sometimes blocks before */
            const size_t back = (size_t)(rng_next(&rng) % (j % 4 == 0 ? i : (i < 40 ? i : 40)));
            const size_t start = i - 1 - back;
            cr_assert_eq(quire_termdict_seek_ordinal(&it, d, start), QUIRE_OK);
            const size_t steps = (size_t)(rng_next(&rng) % 3);
            size_t at = start;
            cr_assert_eq(quire_termdict_next(&it), QUIRE_OK);
            for (size_t s = 0; s < steps && at + 1 < i; s++, at++)
                cr_assert_eq(quire_termdict_next(&it), QUIRE_OK);
            expect_entry(&it, k, at);
            cr_assert_eq(quire_termdict_seek_forward(&it, quire_bytes_of(probes[j].p, probes[j].len)),
                         QUIRE_OK);
            for (size_t x = i; x < n + 1 && x < i + 40; x++) {
                rc = quire_termdict_next(&it);
                if (x == n) {
                    cr_assert_eq(rc, QUIRE_ENOTFOUND);
                    break;
                }
                cr_assert_eq(rc, QUIRE_OK);
                expect_entry(&it, k, x);
                expect_kept(&it, &k[x == i ? at : x - 1], &k[x], &kept_sum);
            }
        }
        /* seek_ordinal */
        if (n > 0) {
            size_t o = (size_t)(rng_next(&rng) % n);
            cr_assert_eq(quire_termdict_seek_ordinal(&it, d, o), QUIRE_OK);
            for (size_t x = o; x < n && x < o + 40; x++) {
                cr_assert_eq(quire_termdict_next(&it), QUIRE_OK);
                expect_entry(&it, k, x);
            }
        }
    }
    cr_assert_eq(quire_termdict_seek_ordinal(&it, d, n), QUIRE_ENOTFOUND);
    /* a walk of forward seeks, as the fuzzy walk makes: the probes in order, each sought
     * from the key the last one yielded (near or many blocks on), against lower_bound */
    qsort(probes, probes_n, sizeof *probes, key_cmp);
    if (n > 0) {
        cr_assert_eq(quire_termdict_seek(&it, d, quire_bytes_of(NULL, 0)), QUIRE_OK);
        cr_assert_eq(quire_termdict_next(&it), QUIRE_OK);
        size_t at = 0, sought = 0;
        for (size_t j = 0; j < probes_n; j += 1 + (size_t)(rng_next(&rng) % 3)) {
            if (key_cmp(&k[at], &probes[j]) >= 0)
                continue; /* seek_forward is for a key above the one yielded */
            const size_t i = lower_bound(k, n, &probes[j]);
            cr_assert_eq(
                quire_termdict_seek_forward(&it, quire_bytes_of(probes[j].p, probes[j].len)),
                QUIRE_OK);
            sought++;
            const int rc = quire_termdict_next(&it);
            if (i == n) {
                cr_assert_eq(rc, QUIRE_ENOTFOUND);
                break;
            }
            cr_assert_eq(rc, QUIRE_OK);
            expect_entry(&it, k, i);
            expect_kept(&it, &k[at], &k[i], &kept_sum);
            at = i;
        }
        cr_assert(n < 64 || sought > 0, "no forward seek tried");
        cr_assert(n < 64 || kept_sum > 0, "kept is always 0");
    }
    keys_free(probes, probes_n);
    quire_termdict_close(d);
    dict_file_free(&f);
}

static void check_random(size_t n, uint64_t seed)
{
    uint64_t rng = seed;
    key *k = gen_keys(&rng, &n);
    check_dict(k, n, seed);
    keys_free(k, n);
}

Test(termdict, decodes_what_it_encodes)
{
    size_t sizes[] = {0, 1, 2, 31, 32, 33, 64, 65, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        check_random(sizes[i], i + 1);
}

Test(termdict, decodes_100k_keys)
{
    check_random(100000, 77);
}

Test(termdict, handles_long_shared_prefixes_and_the_empty_key)
{
    enum { N = 100 };
    key *k = malloc(N * sizeof *k);
    for (size_t i = 0; i < N; i++) {
        k[i].len = i == 0 ? 0 : 1000 + i / 10; /* 1000-byte prefix shared by all */
        k[i].p = malloc(k[i].len + 1);
        memset(k[i].p, 'x', k[i].len);
        if (i > 0)
            k[i].p[k[i].len - 1] = (uint8_t)('a' + i % 10);
    }
    qsort(k, N, sizeof *k, key_cmp);
    check_dict(k, N, 5);
    keys_free(k, N);
}

Test(termdict, refuses_keys_out_of_order_or_too_long)
{
    dict_file f;
    strcpy(f.dir, "/tmp/quire-termdict-XXXXXX");
    cr_assert_not_null(mkdtemp(f.dir));
    snprintf(f.path, sizeof f.path, "%s/t.ter", f.dir);
    quire_sink s;
    cr_assert_eq(quire_sink_open(&s, f.path), QUIRE_OK);
    quire_termdict_writer *w;
    cr_assert_eq(quire_termdict_writer_new(&w, &s), QUIRE_OK);
    quire_bytes none = quire_bytes_of(NULL, 0);
    static uint8_t big[QUIRE_DICT_MAX_KEY + 1];
    cr_expect_eq(quire_termdict_add(w, quire_bytes_of("b", 1), none), QUIRE_OK);
    cr_expect_eq(quire_termdict_add(w, quire_bytes_of("b", 1), none), QUIRE_EINVAL);
    cr_expect_eq(quire_termdict_add(w, quire_bytes_of("a", 1), none), QUIRE_EINVAL);
    cr_expect_eq(quire_termdict_add(w, quire_bytes_of("", 0), none), QUIRE_EINVAL);
    cr_expect_eq(quire_termdict_add(w, quire_bytes_of(big, sizeof big), none), QUIRE_EINVAL);
    cr_expect_eq(quire_termdict_add(w, quire_bytes_of("ba", 2), none), QUIRE_OK);
    uint64_t count;
    cr_expect_eq(quire_termdict_finish(w, &count), QUIRE_OK);
    cr_expect_eq(count, 2);
    quire_termdict_writer_free(w);
    quire_sink_abort(&s);
    rmdir(f.dir);
}

/* Open and read everything; fail on any wrong answer. QUIRE_OK or QUIRE_ECORRUPT. */
static int walk(quire_bytes bytes, uint64_t index_off, uint64_t index_len, const key *k,
                size_t n)
{
    quire_termdict *d;
    int rc = quire_termdict_open(&d, bytes, index_off, index_len, "t.ter");
    if (rc != QUIRE_OK) {
        cr_assert_eq(rc, QUIRE_ECORRUPT);
        return rc;
    }
    if (quire_termdict_count(d) != n) { /* only possible through a forged index CRC */
        quire_termdict_close(d);
        return QUIRE_ECORRUPT;
    }
    quire_termdict_iter it;
    rc = quire_termdict_seek(&it, d, quire_bytes_of(NULL, 0));
    for (size_t i = 0; rc == QUIRE_OK && i < n; i++) {
        rc = quire_termdict_next(&it);
        if (rc == QUIRE_OK)
            expect_entry(&it, k, i);
    }
    if (rc == QUIRE_OK)
        cr_assert_eq(quire_termdict_next(&it), QUIRE_ENOTFOUND);
    for (size_t i = 0; rc == QUIRE_OK && i < n; i++) {
        quire_bytes v;
        uint64_t ord;
        rc = quire_termdict_get(d, quire_bytes_of(k[i].p, k[i].len), &v, &ord);
        if (rc == QUIRE_OK)
            cr_assert_eq(ord, i);
        else
            cr_assert_neq(rc, QUIRE_ENOTFOUND, "key %zu lost", i);
    }
    for (size_t i = 0; rc == QUIRE_OK && i < n; i += 13) {
        rc = quire_termdict_seek_ordinal(&it, d, i);
        if (rc == QUIRE_OK)
            rc = quire_termdict_next(&it);
        if (rc == QUIRE_OK)
            expect_entry(&it, k, i);
    }
    quire_termdict_close(d);
    if (rc != QUIRE_OK)
        cr_assert_eq(rc, QUIRE_ECORRUPT);
    return rc;
}

Test(termdict, detects_damage)
{
    uint64_t rng = 31;
    size_t n = 100;
    key *k = gen_keys(&rng, &n);
    for (size_t i = 0; i < n; i++) /* keep it small: short keys only */
        if (k[i].len > 20)
            k[i].len = 20;
    size_t m = 1;
    for (size_t i = 1; i < n; i++) {
        if (key_cmp(&k[m - 1], &k[i]) != 0) {
            key t = k[m];
            k[m] = k[i];
            k[i] = t;
            m++;
        }
    }
    dict_file f;
    write_dict(&f, k, m);
    size_t len = f.map.bytes.len;
    uint8_t *b = malloc(len);
    memcpy(b, f.map.bytes.ptr, len);
    cr_assert_eq(walk(quire_bytes_of(b, len), f.index_off, f.index_len, k, m), QUIRE_OK);
    /* every byte of the dictionary flipped: each is under a CRC */
    for (size_t i = 4; i < f.index_off + f.index_len; i++) {
        uint8_t x = (uint8_t)(1 + rng_next(&rng) % 255);
        b[i] ^= x;
        cr_assert_eq(walk(quire_bytes_of(b, len), f.index_off, f.index_len, k, m),
                     QUIRE_ECORRUPT, "byte %zu", i);
        b[i] ^= x;
    }
    /* truncations, and index bounds that lie */
    for (size_t cut = 0; cut < f.index_off + f.index_len; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        memcpy(c, b, cut);
        cr_assert_eq(walk(quire_bytes_of(c, cut), f.index_off, f.index_len, k, m),
                     QUIRE_ECORRUPT);
        free(c);
    }
    for (int j = 0; j < 2000; j++) {
        uint64_t off = rng_next(&rng) % (len + 2), ilen = rng_next(&rng) % (len + 2);
        if (off == f.index_off && ilen == f.index_len)
            continue;
        walk(quire_bytes_of(b, len), off, ilen, k, m);
    }
    free(b);
    dict_file_free(&f);
    keys_free(k, n);
}
