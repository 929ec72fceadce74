/*
 * test_postings.c - the postings codec against a naive in-memory model: seeded random
 * terms written through real sinks, read back through every cursor call; edge sizes; and
 * damage (every byte flipped, every truncation) answered by QUIRE_ECORRUPT, never by a
 * wrong doc id, a crash or a hang.
 */
#include "quire/postings.h"

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

static uint32_t rng_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(rng_next(s) % n);
}

/* ---- the model ---- */

typedef struct mterm {
    uint32_t df;
    uint32_t *docs, *tfs, *lens;
    uint64_t *pos_at; /* df + 1 indexes into pos */
    uint32_t *pos;
    bool with_pos;
} mterm;

static void mterm_free(mterm *t)
{
    free(t->docs);
    free(t->tfs);
    free(t->lens);
    free(t->pos_at);
    free(t->pos);
}

/* A term of `df` postings: doc gaps around `spread`, tf mostly small, up to max_tf. */
static mterm gen_term(uint64_t *rng, uint32_t df, uint32_t spread, uint32_t max_tf, bool with_pos)
{
    mterm t = {df,   malloc(df * 4), malloc(df * 4), malloc(df * 4), malloc((df + 1) * 8),
               NULL, with_pos};
    uint64_t doc = rng_below(rng, spread);
    uint64_t total = 0;
    for (uint32_t i = 0; i < df; i++) {
        if (i > 0)
            doc += 1 + (rng_below(rng, 50) == 0 ? rng_below(rng, 100000) : rng_below(rng, spread));
        t.docs[i] = (uint32_t)doc;
        uint32_t r = rng_below(rng, 10);
        t.tfs[i] = r < 7 ? 1 : r < 9 ? 2 + rng_below(rng, 4) : 1 + rng_below(rng, max_tf);
        t.pos_at[i] = total;
        total += t.tfs[i];
    }
    cr_assert_lt(doc, UINT32_MAX);
    t.pos_at[df] = total;
    t.pos = malloc((total ? total : 1) * 4);
    for (uint32_t i = 0; i < df; i++) {
        uint32_t p = rng_below(rng, 4) == 0 ? 60000 + rng_below(rng, 100000) : rng_below(rng, 50);
        for (uint32_t k = 0; k < t.tfs[i]; k++) {
            if (k > 0)
                p += rng_below(rng, 3) == 0 ? rng_below(rng, 3000) : 1 + rng_below(rng, 20);
            t.pos[t.pos_at[i] + k] = p;
        }
        t.lens[i] = p + 1 + rng_below(rng, 100);
        if (t.lens[i] < t.tfs[i])
            t.lens[i] = t.tfs[i];
    }
    return t;
}

static bool meta_eq(const quire_postings_meta *a, const quire_postings_meta *b)
{
    return a->df == b->df && a->cf == b->cf && a->doc_off == b->doc_off &&
           a->doc_len == b->doc_len && a->pos_off == b->pos_off && a->pos_len == b->pos_len;
}

/* ---- files ---- */

typedef struct files {
    char dir[64];
    char doc_path[96], pos_path[96];
    quire_map doc, pos;
} files;

/* Write `n` terms into fresh .doc/.pos files and map them. */
static void write_terms(files *f, const mterm *terms, size_t n, quire_postings_meta *metas)
{
    strcpy(f->dir, "/tmp/quire-postings-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    snprintf(f->doc_path, sizeof f->doc_path, "%s/t.doc", f->dir);
    snprintf(f->pos_path, sizeof f->pos_path, "%s/t.pos", f->dir);
    quire_sink doc, pos;
    cr_assert_eq(quire_sink_open(&doc, f->doc_path), QUIRE_OK);
    cr_assert_eq(quire_sink_open(&pos, f->pos_path), QUIRE_OK);
    quire_sink_put_le32(&doc, 0x12345678); /* terms do not start at offset 0 */
    quire_postings_writer *w;
    cr_assert_eq(quire_postings_writer_new(&w, &doc, &pos), QUIRE_OK);
    for (size_t k = 0; k < n; k++) {
        const mterm *t = &terms[k];
        quire_postings_begin(w, t->with_pos);
        for (uint32_t i = 0; i < t->df; i++)
            cr_assert_eq(quire_postings_add(w, t->docs[i], t->tfs[i],
                                            t->with_pos ? t->pos + t->pos_at[i] : NULL, t->lens[i]),
                         QUIRE_OK);
        cr_assert_eq(quire_postings_end(w, &metas[k]), QUIRE_OK);
        cr_assert_eq(metas[k].df, t->df);
        cr_assert_eq(metas[k].cf, t->pos_at[t->df]);
        cr_assert_eq(metas[k].pos_len > 0, t->with_pos);
        quire_buf b = QUIRE_BUF_INIT;
        quire_postings_meta_encode(&b, &metas[k]);
        quire_postings_meta m2;
        const uint8_t *p = b.data;
        cr_assert_eq(quire_postings_meta_decode(&m2, &p, b.data + b.len), QUIRE_OK);
        cr_assert_eq(p, b.data + b.len);
        cr_assert(meta_eq(&m2, &metas[k]));
        quire_buf_free(&b);
    }
    quire_postings_writer_free(w);
    cr_assert_eq(quire_sink_finish(&doc), QUIRE_OK);
    cr_assert_eq(quire_sink_finish(&pos), QUIRE_OK);
    cr_assert_eq(quire_map_open(&f->doc, f->doc_path), QUIRE_OK);
    cr_assert_eq(quire_map_open(&f->pos, f->pos_path), QUIRE_OK);
}

static void files_free(files *f)
{
    quire_map_close(&f->doc);
    quire_map_close(&f->pos);
    unlink(f->doc_path);
    unlink(f->pos_path);
    rmdir(f->dir);
}

/* ---- checks ---- */

static uint32_t lower_bound(const mterm *t, uint32_t target)
{
    uint32_t lo = 0, hi = t->df;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->docs[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool dominated(const quire_impact *imp, uint32_t n, uint32_t tf, uint32_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (imp[i].tf >= tf && imp[i].doc_len <= len)
            return true;
    return false;
}

/* FORMAT.md "Impacts": the one-byte floor code of a doc length, and its value. */
static uint32_t model_len_code(uint32_t x)
{
    if (x < 32)
        return x;
    unsigned e = 31;
    while (!(x >> e))
        e--;
    uint32_t code = ((e - 3) << 4) | ((x >> (e - 4)) & 15);
    return code > 255 ? 255 : code;
}

static uint32_t model_len(uint32_t code)
{
    return code < 32 ? code : (16 + (code & 15)) << ((code >> 4) - 1);
}

static uint32_t model_quantize(uint32_t len)
{
    return model_len(model_len_code(len));
}

/* The exact frontier of postings [from, to) over (tf, quantized length), tf ascending,
 * then cut into `cap` runs as FORMAT.md says; returns its size. `out` has to - from. */
static uint32_t model_frontier(const mterm *t, uint32_t from, uint32_t to, quire_impact *out,
                               uint32_t cap)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < to; i++) {
        bool beaten = false;
        uint32_t li = model_quantize(t->lens[i]);
        for (uint32_t j = from; j < to && !beaten; j++) {
            uint32_t lj = model_quantize(t->lens[j]);
            beaten =
                (t->tfs[j] >= t->tfs[i] && lj <= li) && (t->tfs[j] > t->tfs[i] || lj < li || j < i);
        }
        if (!beaten)
            out[n++] = (quire_impact){t->tfs[i], li};
    }
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && out[j - 1].tf > out[j].tf; j--) {
            quire_impact x = out[j];
            out[j] = out[j - 1];
            out[j - 1] = x;
        }
    for (uint32_t i = 1; i < n; i++)
        cr_assert(out[i].tf > out[i - 1].tf && out[i].doc_len > out[i - 1].doc_len);
    if (n <= cap)
        return n;
    for (uint32_t g = 0; g < cap; g++) {
        uint32_t a = (uint32_t)((uint64_t)g * n / cap);
        uint32_t b = (uint32_t)((uint64_t)(g + 1) * n / cap) - 1;
        out[g] = (quire_impact){out[b].tf, out[a].doc_len};
    }
    return cap;
}

/* Impact pairs per list: one for a term of df <= 128, else 4 per block and 8 per term. */
static uint32_t impact_cap(const mterm *t, bool term_level)
{
    return t->df <= QUIRE_BLOCK_DOCS ? 1 : term_level ? QUIRE_MAX_IMPACTS : 4;
}

static void check_impacts(const mterm *t, uint32_t from, uint32_t to, const quire_impact *imp,
                          uint32_t n, uint32_t cap)
{
    cr_assert(n >= 1 && n <= cap, "impact count %u", n);
    for (uint32_t i = from; i < to; i++) {
        cr_assert(dominated(imp, n, t->tfs[i], model_quantize(t->lens[i])),
                  "posting %u not bounded", i);
        cr_assert(dominated(imp, n, t->tfs[i], t->lens[i]));
    }
    quire_impact *exact = malloc((to - from) * sizeof *exact);
    uint32_t m = model_frontier(t, from, to, exact, cap);
    cr_assert_eq(n, m);
    cr_assert_arr_eq(imp, exact, m * sizeof *imp);
    free(exact);
}

static void expect_posting(quire_postings_cursor *c, const mterm *t, uint32_t i)
{
    if (i >= t->df) {
        cr_assert_eq(c->doc, QUIRE_DOC_END);
        return;
    }
    cr_assert_eq(c->doc, t->docs[i], "posting %u: doc %u, expected %u", i, c->doc, t->docs[i]);
    cr_assert_eq(c->tf, t->tfs[i]);
}

static void expect_positions(quire_postings_cursor *c, const mterm *t, uint32_t i)
{
    const uint32_t *pos;
    uint32_t n;
    if (!t->with_pos) {
        cr_assert_eq(quire_postings_positions(c, &pos, &n), QUIRE_EINVAL);
        return;
    }
    cr_assert_eq(quire_postings_positions(c, &pos, &n), QUIRE_OK);
    cr_assert_eq(n, t->tfs[i]);
    cr_assert_arr_eq(pos, t->pos + t->pos_at[i], n * sizeof *pos);
}

/* Walk with next(), checking everything, and block impacts once per block. */
static void check_next(const files *f, const mterm *t, const quire_postings_meta *m, uint64_t *rng)
{
    quire_postings_cursor c;
    cr_assert_eq(quire_postings_open(&c, f->doc.bytes, f->pos.bytes, m), QUIRE_OK);
    cr_assert_eq(c.df, t->df);
    check_impacts(t, 0, t->df, c.term_impacts, c.term_impact_count, impact_cap(t, true));
    for (uint32_t i = 0; i <= t->df; i++) {
        cr_assert_eq(quire_postings_next(&c), QUIRE_OK);
        expect_posting(&c, t, i);
        if (i < t->df && i % QUIRE_BLOCK_DOCS == 0) {
            uint32_t to = i + QUIRE_BLOCK_DOCS < t->df ? i + QUIRE_BLOCK_DOCS : t->df;
            cr_assert_eq(c.block_last_doc, t->docs[to - 1]);
            check_impacts(t, i, to, c.block_impacts, c.block_impact_count, impact_cap(t, false));
        }
        if (i < t->df && rng_below(rng, 8) == 0)
            expect_positions(&c, t, i);
    }
    cr_assert_eq(quire_postings_next(&c), QUIRE_OK); /* stays at the end */
    cr_assert_eq(c.doc, QUIRE_DOC_END);
    quire_postings_close(&c);
}

/* advance() and shallow_advance() to random ascending targets. */
static void check_advance(const files *f, const mterm *t, const quire_postings_meta *m,
                          uint64_t *rng)
{
    quire_postings_cursor c;
    cr_assert_eq(quire_postings_open(&c, f->doc.bytes, f->pos.bytes, m), QUIRE_OK);
    uint32_t last = t->docs[t->df - 1];
    uint32_t step = last / (1 + rng_below(rng, t->df < 64 ? t->df + 1 : 64)) + 1;
    uint32_t target = rng_below(rng, step);
    uint32_t at = 0; /* model index of the cursor */
    bool started = false;
    while (true) {
        if (rng_below(rng, 3) == 0) {
            cr_assert_eq(quire_postings_shallow_advance(&c, target), QUIRE_OK);
            uint32_t i = lower_bound(t, target);
            if (started && i < at)
                i = at;
            if (i >= t->df) {
                cr_assert_eq(c.block_last_doc, QUIRE_DOC_END);
            } else {
                uint32_t b = i / QUIRE_BLOCK_DOCS;
                uint32_t to =
                    (b + 1) * QUIRE_BLOCK_DOCS < t->df ? (b + 1) * QUIRE_BLOCK_DOCS : t->df;
                cr_assert_eq(c.block_last_doc, t->docs[to - 1], "shallow to %u", target);
                check_impacts(t, b * QUIRE_BLOCK_DOCS, to, c.block_impacts, c.block_impact_count,
                              impact_cap(t, false));
            }
        }
        if (rng_below(rng, 4) == 0 && started && c.doc != QUIRE_DOC_END) {
            cr_assert_eq(quire_postings_next(&c), QUIRE_OK);
            at++;
        } else {
            cr_assert_eq(quire_postings_advance(&c, target), QUIRE_OK);
            uint32_t i = lower_bound(t, target);
            at = started && at > i ? at : i;
        }
        started = true;
        expect_posting(&c, t, at);
        if (at >= t->df)
            break;
        if (rng_below(rng, 4) == 0)
            expect_positions(&c, t, at);
        uint64_t next = (uint64_t)target + 1 + rng_next(rng) % ((uint64_t)step * 2);
        if (next >= UINT32_MAX)
            next = UINT32_MAX - 1;
        target = (uint32_t)next;
    }
    quire_postings_close(&c);
}

static void check_term(const files *f, const mterm *t, const quire_postings_meta *m, uint64_t *rng)
{
    check_next(f, t, m, rng);
    for (int k = 0; k < 3; k++)
        check_advance(f, t, m, rng);
}

Test(postings, decodes_what_it_encodes_on_random_terms)
{
    uint64_t rng = 7;
    enum { N = 40 };
    mterm terms[N];
    quire_postings_meta metas[N];
    for (int k = 0; k < N; k++) {
        /* df log-uniform in 1..100k */
        uint32_t df = (uint32_t)(1 + rng_next(&rng) % 100000 / (1 + rng_next(&rng) % 5000));
        if (k == 0)
            df = 100000;
        terms[k] = gen_term(&rng, df, 1 + rng_below(&rng, 200), k % 5 == 0 ? 1000 : 20, k % 3 != 2);
    }
    files f;
    write_terms(&f, terms, N, metas);
    for (int k = 0; k < N; k++)
        check_term(&f, &terms[k], &metas[k], &rng);
    files_free(&f);
    for (int k = 0; k < N; k++)
        mterm_free(&terms[k]);
}

static void round_trip_one(mterm *t, uint64_t seed)
{
    quire_postings_meta m;
    files f;
    write_terms(&f, t, 1, &m);
    uint64_t rng = seed;
    check_term(&f, t, &m, &rng);
    files_free(&f);
    mterm_free(t);
}

Test(postings, decodes_one_posting)
{
    uint64_t rng = 1;
    for (int k = 0; k < 20; k++) {
        mterm t = gen_term(&rng, 1, 1000000, 1000, k % 2);
        round_trip_one(&t, (uint64_t)k);
    }
}

Test(postings, decodes_block_edges)
{
    uint32_t sizes[] = {2, 127, 128, 129, 255, 256, 257};
    uint64_t rng = 2;
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        for (int pos = 0; pos < 2; pos++) {
            mterm t = gen_term(&rng, sizes[k], 10, 30, pos);
            round_trip_one(&t, k);
        }
    }
}

Test(postings, decodes_a_term_in_every_doc_of_300k)
{
    uint64_t rng = 3;
    mterm t = gen_term(&rng, 300000, 1, 5, true);
    for (uint32_t i = 0; i < t.df; i++)
        t.docs[i] = i; /* gaps all zero: zero-width blocks */
    round_trip_one(&t, 3);
}

Test(postings, decodes_a_doc_with_over_a_million_positions)
{
    uint64_t rng = 4;
    mterm t = gen_term(&rng, 3, 10, 2, true);
    uint32_t big = 1200000;
    free(t.pos);
    t.tfs[1] = big;
    t.pos_at[1] = t.tfs[0];
    t.pos_at[2] = t.pos_at[1] + big;
    t.pos_at[3] = t.pos_at[2] + t.tfs[2];
    t.pos = malloc(t.pos_at[3] * 4);
    for (uint64_t i = 0; i < t.pos_at[3]; i++)
        t.pos[i] = (uint32_t)(i - (i >= t.pos_at[1] ? t.pos_at[1] : 0) +
                              (i >= t.pos_at[2] ? 5000000 : 0)) *
                   3;
    for (int i = 0; i < 3; i++)
        t.lens[i] = t.pos[t.pos_at[i + 1] - 1] + 1;
    round_trip_one(&t, 4);
}

Test(postings, decodes_extreme_values)
{
    /* doc ids near the top, tf near the top of uint32 without positions */
    mterm t = {3, malloc(12), malloc(12), malloc(12), malloc(32), malloc(4), false};
    t.docs[0] = 0;
    t.docs[1] = 1u << 31;
    t.docs[2] = UINT32_MAX - 1;
    t.tfs[0] = 1;
    t.tfs[1] = UINT32_MAX - 5;
    t.tfs[2] = 3;
    for (int i = 0; i < 3; i++)
        t.lens[i] = UINT32_MAX;
    t.pos_at[0] = 0;
    t.pos_at[1] = 1;
    t.pos_at[2] = 1 + (uint64_t)t.tfs[1];
    t.pos_at[3] = t.pos_at[2] + 3;
    round_trip_one(&t, 5);
}

Test(postings, writer_refuses_bad_input)
{
    files f;
    strcpy(f.dir, "/tmp/quire-postings-XXXXXX");
    cr_assert_not_null(mkdtemp(f.dir));
    snprintf(f.doc_path, sizeof f.doc_path, "%s/t.doc", f.dir);
    quire_sink doc;
    cr_assert_eq(quire_sink_open(&doc, f.doc_path), QUIRE_OK);
    quire_postings_writer *w;
    quire_postings_meta m;
    cr_assert_eq(quire_postings_writer_new(&w, &doc, NULL), QUIRE_OK);
    quire_postings_begin(w, false);
    cr_expect_eq(quire_postings_end(w, &m), QUIRE_EINVAL);
    quire_postings_begin(w, false);
    cr_expect_eq(quire_postings_add(w, 5, 1, NULL, 3), QUIRE_OK);
    cr_expect_eq(quire_postings_add(w, 5, 1, NULL, 3), QUIRE_EINVAL);
    cr_expect_eq(quire_postings_add(w, 4, 1, NULL, 3), QUIRE_EINVAL);
    cr_expect_eq(quire_postings_add(w, 6, 0, NULL, 3), QUIRE_EINVAL);
    cr_expect_eq(quire_postings_add(w, 6, 4, NULL, 3), QUIRE_EINVAL);
    cr_expect_eq(quire_postings_add(w, QUIRE_DOC_END, 1, NULL, 3), QUIRE_EINVAL);
    cr_expect_eq(quire_postings_add(w, 6, 1, NULL, 3), QUIRE_OK);
    cr_expect_eq(quire_postings_end(w, &m), QUIRE_OK);
    cr_expect_eq(m.df, 2);
    quire_postings_writer_free(w);
    quire_sink_abort(&doc);
    rmdir(f.dir);
}

/* ---- damage ---- */

/* Walk everything; fail the test on any wrong value. Returns QUIRE_OK if the walk was
 * complete and right, QUIRE_ECORRUPT if some call said so. */
static int walk(quire_bytes doc, quire_bytes pos, const quire_postings_meta *m, const mterm *t,
                uint64_t seed)
{
    quire_postings_cursor c;
    int rc = quire_postings_open(&c, doc, pos, m);
    if (rc != QUIRE_OK) {
        cr_assert_eq(rc, QUIRE_ECORRUPT);
        return rc;
    }
    for (uint32_t i = 0; i <= t->df && rc == QUIRE_OK; i++) {
        rc = quire_postings_next(&c);
        if (rc != QUIRE_OK)
            break;
        expect_posting(&c, t, i);
        if (i < t->df && t->with_pos) {
            const uint32_t *p;
            uint32_t n;
            rc = quire_postings_positions(&c, &p, &n);
            if (rc == QUIRE_OK) {
                cr_assert_eq(n, t->tfs[i]);
                cr_assert_arr_eq(p, t->pos + t->pos_at[i], n * 4);
            }
        }
    }
    quire_postings_close(&c);
    if (rc != QUIRE_OK) {
        cr_assert_eq(rc, QUIRE_ECORRUPT);
        return rc;
    }
    /* a second cursor: advance and shallow_advance jump over blocks */
    cr_assert_eq(quire_postings_open(&c, doc, pos, m), QUIRE_OK);
    uint64_t rng = seed;
    uint32_t target = 0;
    while (rc == QUIRE_OK) {
        target += rng_below(&rng, 2000);
        rc = quire_postings_shallow_advance(&c, target);
        if (rc == QUIRE_OK)
            rc = quire_postings_advance(&c, target);
        if (rc != QUIRE_OK)
            break;
        expect_posting(&c, t, lower_bound(t, target));
        if (c.doc == QUIRE_DOC_END)
            break;
        target = c.doc + 1;
    }
    quire_postings_close(&c);
    if (rc != QUIRE_OK)
        cr_assert_eq(rc, QUIRE_ECORRUPT);
    return rc;
}

static void check_damage(mterm *t)
{
    quire_postings_meta m;
    files f;
    write_terms(&f, t, 1, &m);
    size_t doc_len = f.doc.bytes.len, pos_len = f.pos.bytes.len;
    uint8_t *doc = malloc(doc_len), *pos = malloc(pos_len ? pos_len : 1);
    memcpy(doc, f.doc.bytes.ptr, doc_len);
    if (pos_len)
        memcpy(pos, f.pos.bytes.ptr, pos_len);
    quire_bytes docb = quire_bytes_of(doc, doc_len), posb = quire_bytes_of(pos, pos_len);
    cr_assert_eq(walk(docb, posb, &m, t, 1), QUIRE_OK);
    uint64_t rng = 99;
    /* every byte of the term flipped: always detected (every byte is under a CRC) */
    for (uint64_t i = m.doc_off; i < m.doc_off + m.doc_len; i++) {
        uint8_t x = (uint8_t)(1 + rng_below(&rng, 255));
        doc[i] ^= x;
        cr_assert_eq(walk(docb, posb, &m, t, i), QUIRE_ECORRUPT, ".doc byte %llu",
                     (unsigned long long)i);
        doc[i] ^= x;
    }
    for (uint64_t i = m.pos_off; i < m.pos_off + m.pos_len; i++) {
        uint8_t x = (uint8_t)(1 + rng_below(&rng, 255));
        pos[i] ^= x;
        cr_assert_eq(walk(docb, posb, &m, t, i), QUIRE_ECORRUPT, ".pos byte %llu",
                     (unsigned long long)i);
        pos[i] ^= x;
    }
    /* truncated files, and a meta that claims fewer bytes */
    for (size_t len = 0; len < doc_len; len++) {
        uint8_t *cut = malloc(len ? len : 1); /* exact size: ASan sees overreads */
        memcpy(cut, doc, len);
        cr_assert_eq(walk(quire_bytes_of(cut, len), posb, &m, t, len), QUIRE_ECORRUPT);
        free(cut);
    }
    for (size_t len = 0; len < pos_len; len++)
        cr_assert_eq(walk(docb, quire_bytes_of(pos, len), &m, t, len), QUIRE_ECORRUPT);
    for (uint64_t len = 0; len < m.doc_len; len++) {
        quire_postings_meta m2 = m;
        m2.doc_len = len;
        cr_assert_eq(walk(docb, posb, &m2, t, len), QUIRE_ECORRUPT);
    }
    for (uint64_t len = 1; len < m.pos_len; len++) { /* 0 would mean "no positions" */
        quire_postings_meta m2 = m;
        m2.pos_len = len;
        cr_assert_eq(walk(docb, posb, &m2, t, len), QUIRE_ECORRUPT);
    }
    /* a meta with wrong counts: detected or harmless, never wrong doc ids */
    for (int k = 0; k < 200; k++) {
        quire_postings_meta m2 = m;
        m2.df = 1 + rng_below(&rng, t->df * 3);
        m2.cf = m2.df + rng_below(&rng, 100);
        if (m2.df == t->df)
            continue;
        quire_postings_cursor c;
        int rc = quire_postings_open(&c, docb, posb, &m2);
        for (uint32_t i = 0; rc == QUIRE_OK && i < 100000; i++) {
            rc = quire_postings_next(&c);
            if (rc == QUIRE_OK && c.doc == QUIRE_DOC_END)
                break;
        }
        if (rc == QUIRE_OK || rc == QUIRE_ECORRUPT)
            quire_postings_close(&c);
        cr_assert(rc == QUIRE_OK || rc == QUIRE_ECORRUPT);
    }
    free(doc);
    free(pos);
    files_free(&f);
    mterm_free(t);
}

Test(postings, detects_damage_to_one_posting)
{
    uint64_t rng = 11;
    mterm t = gen_term(&rng, 1, 100000, 100, true);
    check_damage(&t);
    t = gen_term(&rng, 1, 100000, 100, false);
    check_damage(&t);
}

Test(postings, detects_damage_to_one_block)
{
    uint64_t rng = 12;
    mterm t = gen_term(&rng, 60, 1000, 100, true);
    check_damage(&t);
}

Test(postings, detects_damage_to_many_blocks)
{
    uint64_t rng = 13;
    mterm t = gen_term(&rng, 300, 100, 10, true);
    check_damage(&t);
    t = gen_term(&rng, 700, 100, 10, false);
    check_damage(&t);
}

/* Every tf 1: the blocks carry no tf group (the gap group's spare bit says so). */
static mterm gen_tf_one(uint64_t *rng, uint32_t df, bool with_pos)
{
    mterm t = gen_term(rng, df, 30, 1, with_pos);
    for (uint32_t i = 0; i < df; i++) { /* keep each posting's first position */
        t.tfs[i] = 1;
        t.pos[i] = t.pos[t.pos_at[i]]; /* pos_at[i] >= i: reads stay ahead of writes */
        t.pos_at[i] = i;
    }
    t.pos_at[df] = df;
    return t;
}

Test(postings, decodes_terms_whose_tfs_are_all_one)
{
    uint64_t rng = 14;
    uint32_t sizes[] = {2, 128, 129, 1000};
    for (int k = 0; k < 4; k++) {
        mterm t = gen_tf_one(&rng, sizes[k], k % 2 == 0);
        round_trip_one(&t, (uint64_t)k);
    }
}

Test(postings, detects_damage_to_blocks_whose_tfs_are_all_one)
{
    uint64_t rng = 15;
    mterm t = gen_tf_one(&rng, 300, true);
    check_damage(&t);
    t = gen_tf_one(&rng, 40, true);
    check_damage(&t);
}

Test(postings, reports_doc_lengths_floored_to_their_one_byte_code)
{
    /* one block: one pair, (largest tf, shortest length rounded down) */
    mterm t = {2, malloc(8), malloc(8), malloc(8), malloc(24), malloc(16), true};
    t.docs[0] = 3;
    t.docs[1] = 9;
    t.tfs[0] = 1;
    t.tfs[1] = 3;
    t.lens[0] = 1000; /* code 0x6F: 992 */
    t.lens[1] = 1023; /* the same code */
    t.pos_at[0] = 0;
    t.pos_at[1] = 1;
    t.pos_at[2] = 4;
    uint32_t pos[4] = {7, 1, 2, 999};
    memcpy(t.pos, pos, sizeof pos);
    quire_postings_meta m;
    files f;
    write_terms(&f, &t, 1, &m);
    quire_postings_cursor c;
    cr_assert_eq(quire_postings_open(&c, f.doc.bytes, f.pos.bytes, &m), QUIRE_OK);
    cr_assert_eq(c.term_impact_count, 1);
    cr_expect_eq(c.term_impacts[0].tf, 3);
    cr_expect_eq(c.term_impacts[0].doc_len, 992);
    cr_expect_eq(model_quantize(31), 31);
    cr_expect_eq(model_quantize(32), 32);
    cr_expect_eq(model_quantize(100), 100);
    cr_expect_eq(model_quantize(UINT32_MAX), 507904);
    for (uint32_t x = 1; x < 5000000; x += 1 + x / 50) {
        cr_assert_leq(model_quantize(x), x);
        cr_assert_geq(model_quantize(x + 1), model_quantize(x));
        if (x < 507904)
            cr_assert_gt(model_quantize(x) + model_quantize(x) / 16 + 1, x, "%u", x);
    }
    quire_postings_close(&c);
    files_free(&f);
    mterm_free(&t);
}

Test(postings, meta_decode_refuses_damage)
{
    quire_postings_meta m = {10, 25, 1000, 77, 5000, 99, false, NULL, NULL}, m2;
    quire_buf b = QUIRE_BUF_INIT;
    quire_postings_meta_encode(&b, &m);
    for (size_t len = 0; len < b.len; len++) {
        const uint8_t *p = b.data;
        cr_expect_eq(quire_postings_meta_decode(&m2, &p, b.data + len), QUIRE_ECORRUPT);
    }
    const uint8_t *p = b.data;
    cr_assert_eq(quire_postings_meta_decode(&m2, &p, b.data + b.len), QUIRE_OK);
    cr_expect(meta_eq(&m, &m2));
    uint8_t zero_df[6] = {0, 0, 0, 1, 0, 0};
    p = zero_df;
    cr_expect_eq(quire_postings_meta_decode(&m2, &p, zero_df + 6), QUIRE_ECORRUPT);
    quire_buf_free(&b);
}

Test(postings, reports_size_per_posting)
{
    /* not an assertion of a target: prints bytes per posting and per position */
    uint64_t rng = 21;
    enum { N = 4 };
    mterm terms[N];
    quire_postings_meta metas[N];
    uint32_t dfs[N] = {100000, 1000, 100, 1};
    for (int k = 0; k < N; k++)
        terms[k] = gen_term(&rng, dfs[k], 20, 10, true);
    files f;
    write_terms(&f, terms, N, metas);
    for (int k = 0; k < N; k++) {
        cr_log_info("df %u (gaps ~10, tf mostly 1): %.3f bytes/posting in .doc, "
                    "%.3f bytes/position in .pos",
                    dfs[k], (double)metas[k].doc_len / dfs[k],
                    (double)metas[k].pos_len / (double)metas[k].cf);
    }
    files_free(&f);
    for (int k = 0; k < N; k++)
        mterm_free(&terms[k]);
}

Test(postings, stays_at_the_end_after_advancing_past_it)
{
    uint64_t rng = 41;
    uint32_t sizes[] = {1, 50, 300};
    for (int k = 0; k < 3; k++) {
        mterm t = gen_term(&rng, sizes[k], 10, 5, true);
        quire_postings_meta m;
        files f;
        write_terms(&f, &t, 1, &m);
        quire_postings_cursor c;
        cr_assert_eq(quire_postings_open(&c, f.doc.bytes, f.pos.bytes, &m), QUIRE_OK);
        cr_assert_eq(quire_postings_next(&c), QUIRE_OK);
        cr_assert_eq(quire_postings_advance(&c, t.docs[t.df - 1] + 1), QUIRE_OK);
        cr_assert_eq(c.doc, QUIRE_DOC_END);
        cr_assert_eq(c.block_last_doc, QUIRE_DOC_END);
        cr_assert_eq(quire_postings_next(&c), QUIRE_OK);
        cr_assert_eq(c.doc, QUIRE_DOC_END);
        const uint32_t *p;
        uint32_t n;
        cr_assert_eq(quire_postings_positions(&c, &p, &n), QUIRE_EINVAL);
        cr_assert_eq(quire_postings_advance(&c, 5), QUIRE_OK);
        cr_assert_eq(c.doc, QUIRE_DOC_END);
        quire_postings_close(&c);
        files_free(&f);
        mterm_free(&t);
    }
}

/* ---- inline postings (format 3) ---- */

/* Write `n` terms with the writer's inline limit `max`; an inline term's entry (as
 * quire_postings_meta_encode_inline writes it) goes to entries[k] and metas[k] is decoded
 * back from it, so its views point there. Non-inline terms go to the files as usual. */
static void write_terms_inline(files *f, const mterm *terms, size_t n, quire_postings_meta *metas,
                               quire_buf *entries, uint32_t max)
{
    strcpy(f->dir, "/tmp/quire-postings-XXXXXX");
    cr_assert_not_null(mkdtemp(f->dir));
    snprintf(f->doc_path, sizeof f->doc_path, "%s/t.doc", f->dir);
    snprintf(f->pos_path, sizeof f->pos_path, "%s/t.pos", f->dir);
    quire_sink doc, pos;
    cr_assert_eq(quire_sink_open(&doc, f->doc_path), QUIRE_OK);
    cr_assert_eq(quire_sink_open(&pos, f->pos_path), QUIRE_OK);
    quire_sink_put_le32(&doc, 0x12345678);
    quire_sink_put_le32(&pos, 0x12345678);
    quire_postings_writer *w;
    cr_assert_eq(quire_postings_writer_new(&w, &doc, &pos), QUIRE_OK);
    quire_postings_writer_set_inline(w, max);
    for (size_t k = 0; k < n; k++) {
        const mterm *t = &terms[k];
        quire_postings_begin(w, t->with_pos);
        uint64_t doc_before = doc.offset, pos_before = pos.offset;
        for (uint32_t i = 0; i < t->df; i++)
            cr_assert_eq(quire_postings_add(w, t->docs[i], t->tfs[i],
                                            t->with_pos ? t->pos + t->pos_at[i] : NULL, t->lens[i]),
                         QUIRE_OK);
        quire_postings_meta m;
        cr_assert_eq(quire_postings_end(w, &m), QUIRE_OK);
        entries[k] = (quire_buf)QUIRE_BUF_INIT;
        if (!m.is_inline) {
            metas[k] = m;
            continue;
        }
        cr_assert_eq(doc.offset, doc_before, "an inline term wrote to .doc");
        cr_assert_eq(pos.offset, pos_before, "an inline term wrote to .pos");
        cr_assert_leq(m.doc_len + m.pos_len, max);
        cr_assert_eq(m.pos_len > 0, t->with_pos);
        quire_postings_meta_encode_inline(&entries[k], &m);
        const uint8_t *p = entries[k].data;
        cr_assert_eq(
            quire_postings_meta_decode_inline(&metas[k], &p, entries[k].data + entries[k].len),
            QUIRE_OK);
        cr_assert_eq(p, entries[k].data + entries[k].len);
        cr_assert(metas[k].is_inline);
        cr_assert(meta_eq(&metas[k], &m));
        cr_assert(memcmp(metas[k].inline_doc, m.inline_doc, (size_t)m.doc_len) == 0);
    }
    quire_postings_writer_free(w);
    cr_assert_eq(quire_sink_finish(&doc), QUIRE_OK);
    cr_assert_eq(quire_sink_finish(&pos), QUIRE_OK);
    cr_assert_eq(quire_map_open(&f->doc, f->doc_path), QUIRE_OK);
    cr_assert_eq(quire_map_open(&f->pos, f->pos_path), QUIRE_OK);
}

Test(postings, inline_terms_decode_what_they_encode)
{
    uint64_t rng = 77;
    enum { N = 300 };
    mterm terms[N];
    quire_postings_meta metas[N];
    quire_buf entries[N];
    for (uint32_t max = 48; max <= 100000; max = max * 2083) {
        for (int k = 0; k < N; k++) {
            uint32_t df = 1 + rng_below(&rng, k % 10 == 0 ? 300 : 12);
            terms[k] =
                gen_term(&rng, df, 1 + rng_below(&rng, 50), k % 7 == 0 ? 300 : 4, k % 4 != 3);
        }
        files f;
        write_terms_inline(&f, terms, N, metas, entries, max);
        uint32_t inlined = 0;
        for (int k = 0; k < N; k++) {
            cr_assert(metas[k].is_inline || terms[k].df > 1 || max < 100000,
                      "a one-posting term under a large limit is inline");
            cr_assert(!metas[k].is_inline || terms[k].df <= QUIRE_BLOCK_DOCS);
            inlined += metas[k].is_inline;
            check_term(&f, &terms[k], &metas[k], &rng);
        }
        cr_expect_gt(inlined, N / 4, "limit %u: %u of %d terms inline", max, inlined, N);
        cr_expect_lt(inlined, N, "limit %u: every term inline", max);
        files_free(&f);
        for (int k = 0; k < N; k++) {
            mterm_free(&terms[k]);
            quire_buf_free(&entries[k]);
        }
    }
}

/* An inline term's bytes are those the files would hold, less the crc (FORMAT.md "Inline
 * postings"); a term is inline exactly when they take at most the limit. */
Test(postings, inline_bytes_are_the_file_bytes_less_their_crc)
{
    uint64_t rng = 78;
    for (int k = 0; k < 200; k++) {
        mterm t = gen_term(&rng, 1 + rng_below(&rng, 128), 1 + rng_below(&rng, 30), 6, k % 3 != 0);
        quire_postings_meta fm, im;
        files f, g;
        write_terms(&f, &t, 1, &fm); /* no inline limit: in the files, with its crc */
        uint64_t bytes = fm.doc_len - 4 + fm.pos_len;
        quire_buf e;
        write_terms_inline(&g, &t, 1, &im, &e, (uint32_t)bytes);
        cr_assert(im.is_inline, "a term of exactly the limit is inline");
        cr_assert_eq(im.doc_len, fm.doc_len - 4);
        cr_assert_eq(im.pos_len, fm.pos_len);
        cr_assert(memcmp(im.inline_doc, f.doc.bytes.ptr + fm.doc_off, (size_t)im.doc_len) == 0);
        if (fm.pos_len)
            cr_assert(memcmp(im.inline_pos, f.pos.bytes.ptr + fm.pos_off, (size_t)im.pos_len) == 0);
        files_free(&g);
        quire_buf_free(&e);
        quire_postings_meta m2;
        write_terms_inline(&g, &t, 1, &m2, &e, (uint32_t)bytes - 1);
        cr_assert(!m2.is_inline, "a term of one byte more than the limit is not inline");
        cr_assert(m2.df == fm.df && m2.cf == fm.cf && m2.doc_len == fm.doc_len &&
                  m2.pos_len == fm.pos_len);
        files_free(&g);
        quire_buf_free(&e);
        files_free(&f);
        mterm_free(&t);
    }
}

Test(postings, inline_meta_decode_refuses_damage)
{
    uint64_t rng = 79;
    mterm t = gen_term(&rng, 5, 10, 3, true);
    quire_postings_meta m;
    quire_buf e;
    files f;
    write_terms_inline(&f, &t, 1, &m, &e, 1000);
    cr_assert(m.is_inline);
    quire_postings_meta m2;
    for (size_t len = 0; len < e.len; len++) {
        const uint8_t *p = e.data;
        cr_expect_eq(quire_postings_meta_decode_inline(&m2, &p, e.data + len), QUIRE_ECORRUPT,
                     "truncated to %zu of %zu bytes", len, e.len);
    }
    static const uint8_t bad[][6] = {
        {0, 0, 2, 0, 9, 9},   /* df 0 */
        {129, 1, 0, 2, 0, 9}, /* df 129: more than one block */
        {1, 0, 0, 0, 9, 9},   /* no .doc bytes */
        {1, 0, 5, 0, 9, 9},   /* 5 .doc bytes in 2 */
        {1, 0, 1, 3, 9, 9},   /* 3 .pos bytes in 1 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const uint8_t *p = bad[i];
        cr_expect_eq(quire_postings_meta_decode_inline(&m2, &p, bad[i] + 6), QUIRE_ECORRUPT,
                     "case %zu", i);
    }
    /* Every byte of the postings flipped: an error or sane postings, never a crash (the
     * dictionary block's crc is what catches damage to inline postings). */
    for (size_t at = 0; at < e.len; at++)
        for (int bit = 0; bit < 8; bit++) {
            quire_buf d = QUIRE_BUF_INIT;
            quire_buf_put(&d, e.data, e.len);
            d.data[at] ^= (uint8_t)(1u << bit);
            const uint8_t *p = d.data;
            if (quire_postings_meta_decode_inline(&m2, &p, d.data + d.len) == QUIRE_OK) {
                quire_postings_cursor c;
                if (quire_postings_open(&c, quire_bytes_of(NULL, 0), quire_bytes_of(NULL, 0),
                                        &m2) == QUIRE_OK) {
                    uint32_t last = 0, n = 0;
                    while (quire_postings_next(&c) == QUIRE_OK && c.doc != QUIRE_DOC_END) {
                        cr_assert(n == 0 || c.doc > last);
                        last = c.doc;
                        cr_assert_leq(++n, m2.df);
                        const uint32_t *pp;
                        uint32_t cnt;
                        if (quire_postings_positions(&c, &pp, &cnt) == QUIRE_OK)
                            cr_assert_eq(cnt, c.tf);
                    }
                }
                quire_postings_close(&c);
            }
            quire_buf_free(&d);
        }
    quire_error_clear();
    files_free(&f);
    quire_buf_free(&e);
    mterm_free(&t);
}

/* The example of FORMAT.md "Inline postings", byte for byte (the kind byte is the
 * segment writer's). */
Test(postings, inline_example_of_format_md)
{
    mterm t = {1, malloc(4), malloc(4), malloc(4), malloc(16), malloc(4), true};
    t.docs[0] = 300;
    t.tfs[0] = 1;
    t.lens[0] = 12;
    t.pos_at[0] = 0;
    t.pos_at[1] = 1;
    t.pos[0] = 7;
    quire_postings_meta m;
    quire_buf e;
    files f;
    write_terms_inline(&f, &t, 1, &m, &e, QUIRE_INLINE_MAX);
    static const uint8_t want[] = {0x01, 0x00, 0x03, 0x02, 0xAC, 0x02, 0x0C, 0x03, 0x07};
    cr_assert_eq(e.len, sizeof want);
    cr_assert(memcmp(e.data, want, sizeof want) == 0);
    files_free(&f);
    quire_buf_free(&e);
    mterm_free(&t);
}

/* quire_postings_add_gaps writes what quire_postings_add writes from the same positions,
 * and refuses gaps that sum past 2^32 - 1. */
Test(postings, positions_as_gaps_write_the_same_bytes)
{
    uint64_t rng = 80;
    for (int k = 0; k < 20; k++) {
        mterm t = gen_term(&rng, 1 + rng_below(&rng, 400), 1 + rng_below(&rng, 20), 50, true);
        quire_buf out[2] = {QUIRE_BUF_INIT, QUIRE_BUF_INIT};
        for (int way = 0; way < 2; way++) {
            char dir[] = "/tmp/quire-gaps-XXXXXX", dp[64], pp[64];
            cr_assert_not_null(mkdtemp(dir));
            snprintf(dp, sizeof dp, "%s/d", dir);
            snprintf(pp, sizeof pp, "%s/p", dir);
            quire_sink doc, pos;
            cr_assert_eq(quire_sink_open(&doc, dp), QUIRE_OK);
            cr_assert_eq(quire_sink_open(&pos, pp), QUIRE_OK);
            quire_postings_writer *w;
            cr_assert_eq(quire_postings_writer_new(&w, &doc, &pos), QUIRE_OK);
            quire_postings_begin(w, true);
            uint32_t g[1000];
            for (uint32_t i = 0; i < t.df; i++) {
                const uint32_t *p = t.pos + t.pos_at[i];
                if (way == 0) {
                    cr_assert_eq(quire_postings_add(w, t.docs[i], t.tfs[i], p, t.lens[i]),
                                 QUIRE_OK);
                    continue;
                }
                for (uint32_t j = 0; j < t.tfs[i]; j++)
                    g[j] = j ? p[j] - p[j - 1] : p[0];
                cr_assert_eq(quire_postings_add_gaps(w, t.docs[i], t.tfs[i], g, t.lens[i]),
                             QUIRE_OK);
            }
            quire_postings_meta m;
            cr_assert_eq(quire_postings_end(w, &m), QUIRE_OK);
            quire_postings_writer_free(w);
            cr_assert_eq(quire_sink_finish(&doc), QUIRE_OK);
            cr_assert_eq(quire_sink_finish(&pos), QUIRE_OK);
            size_t n;
            for (int file = 0; file < 2; file++) {
                FILE *f = fopen(file ? pp : dp, "rb");
                cr_assert_not_null(f);
                uint8_t buf[65536];
                while ((n = fread(buf, 1, sizeof buf, f)) > 0)
                    quire_buf_put(&out[way], buf, n);
                fclose(f);
            }
            unlink(dp);
            unlink(pp);
            rmdir(dir);
        }
        cr_assert(out[0].len == out[1].len && memcmp(out[0].data, out[1].data, out[0].len) == 0);
        quire_buf_free(&out[0]);
        quire_buf_free(&out[1]);
        mterm_free(&t);
    }
    quire_sink doc;
    char dir[] = "/tmp/quire-gaps-XXXXXX", dp[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(dp, sizeof dp, "%s/d", dir);
    cr_assert_eq(quire_sink_open(&doc, dp), QUIRE_OK);
    quire_postings_writer *w;
    cr_assert_eq(quire_postings_writer_new(&w, &doc, &doc), QUIRE_OK);
    quire_postings_begin(w, true);
    const uint32_t big[2] = {UINT32_MAX - 5, 6};
    cr_expect_eq(quire_postings_add_gaps(w, 3, 2, big, UINT32_MAX), QUIRE_EINVAL);
    const uint32_t ok[2] = {UINT32_MAX - 5, 5};
    cr_expect_eq(quire_postings_add_gaps(w, 3, 2, ok, UINT32_MAX), QUIRE_OK);
    quire_postings_writer_free(w);
    quire_sink_abort(&doc);
    unlink(dp);
    rmdir(dir);
    quire_error_clear();
}

/* Pre-encoded blocks (quire_postings_blocks): a term's full blocks but the last encoded
 * ahead, then copied by quire_postings_add_blocks, give the bytes the writer writes from
 * the postings one by one. */
static void write_two_ways(const mterm *t, quire_buf out[2])
{
    for (int way = 0; way < 2; way++) {
        char dir[] = "/tmp/quire-blocks-XXXXXX", dp[64], pp[64];
        cr_assert_not_null(mkdtemp(dir));
        snprintf(dp, sizeof dp, "%s/d", dir);
        snprintf(pp, sizeof pp, "%s/p", dir);
        quire_sink doc, pos;
        cr_assert_eq(quire_sink_open(&doc, dp), QUIRE_OK);
        cr_assert_eq(quire_sink_open(&pos, pp), QUIRE_OK);
        quire_postings_writer *w;
        cr_assert_eq(quire_postings_writer_new(&w, &doc, &pos), QUIRE_OK);
        quire_postings_writer_set_inline(w, QUIRE_INLINE_MAX);
        quire_postings_begin(w, t->with_pos);
        uint32_t from = 0;
        quire_postings_blocks b;
        quire_postings_blocks_init(&b, t->with_pos);
        if (way == 1) {
            uint32_t *g = malloc((t->pos_at[t->df] + 1) * sizeof *g);
            cr_assert_not_null(g);
            for (; from + QUIRE_BLOCK_DOCS < t->df; from += QUIRE_BLOCK_DOCS) {
                size_t n = 0;
                for (uint32_t i = from; i < from + QUIRE_BLOCK_DOCS && t->with_pos; i++)
                    for (uint64_t k = t->pos_at[i]; k < t->pos_at[i + 1]; k++, n++)
                        g[n] = k == t->pos_at[i] ? t->pos[k] : t->pos[k] - t->pos[k - 1];
                cr_assert_eq(quire_postings_blocks_add(&b, t->docs + from, t->tfs + from,
                                                       t->lens + from, g, n),
                             QUIRE_OK, "%s", quire_errmsg());
            }
            free(g);
            cr_assert_eq(b.df, from);
            cr_assert_eq(quire_postings_add_blocks(w, &b), QUIRE_OK);
        }
        for (uint32_t i = from; i < t->df; i++)
            cr_assert_eq(quire_postings_add(w, t->docs[i], t->tfs[i],
                                            t->with_pos ? t->pos + t->pos_at[i] : NULL, t->lens[i]),
                         QUIRE_OK);
        quire_postings_meta m;
        cr_assert_eq(quire_postings_end(w, &m), QUIRE_OK);
        cr_assert_eq(m.df, t->df);
        cr_assert_eq(m.cf, t->pos_at[t->df]);
        quire_postings_blocks_free(&b);
        quire_postings_writer_free(w);
        cr_assert_eq(quire_sink_finish(&doc), QUIRE_OK);
        cr_assert_eq(quire_sink_finish(&pos), QUIRE_OK);
        for (int file = 0; file < 2; file++) {
            FILE *f = fopen(file ? pp : dp, "rb");
            cr_assert_not_null(f);
            uint8_t buf[65536];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, f)) > 0)
                quire_buf_put(&out[way], buf, n);
            fclose(f);
        }
        unlink(dp);
        unlink(pp);
        rmdir(dir);
    }
}

Test(postings, pre_encoded_blocks_write_the_same_bytes)
{
    uint64_t rng = 81;
    static const uint32_t dfs[] = {1, 128, 129, 256, 257, 1000, 20000};
    for (size_t k = 0; k < 2 * sizeof dfs / sizeof dfs[0]; k++) {
        mterm t = gen_term(&rng, dfs[k / 2], 1 + rng_below(&rng, 30), 40, k % 2 == 0);
        quire_buf out[2] = {QUIRE_BUF_INIT, QUIRE_BUF_INIT};
        write_two_ways(&t, out);
        cr_assert(out[0].len == out[1].len &&
                      (out[0].len == 0 || memcmp(out[0].data, out[1].data, out[0].len) == 0),
                  "df %u: %zu and %zu bytes", t.df, out[0].len, out[1].len);
        quire_buf_free(&out[0]);
        quire_buf_free(&out[1]);
        mterm_free(&t);
    }
}

Test(postings, pre_encoded_blocks_refuse_bad_input)
{
    uint32_t docs[QUIRE_BLOCK_DOCS], tfs[QUIRE_BLOCK_DOCS], lens[QUIRE_BLOCK_DOCS],
        gaps[QUIRE_BLOCK_DOCS];
    for (uint32_t i = 0; i < QUIRE_BLOCK_DOCS; i++) {
        docs[i] = 10 + 2 * i;
        tfs[i] = 1;
        lens[i] = 5;
        gaps[i] = 3;
    }
    quire_postings_blocks b;
    quire_postings_blocks_init(&b, true);
    cr_expect_eq(quire_postings_blocks_add(&b, docs, tfs, lens, gaps, QUIRE_BLOCK_DOCS - 1),
                 QUIRE_EINVAL, "positions do not add up to cf");
    cr_assert_eq(quire_postings_blocks_add(&b, docs, tfs, lens, gaps, QUIRE_BLOCK_DOCS), QUIRE_OK);
    cr_expect_eq(quire_postings_blocks_add(&b, docs, tfs, lens, gaps, QUIRE_BLOCK_DOCS),
                 QUIRE_EINVAL, "doc ids not after the last block's");
    for (uint32_t i = 0; i < QUIRE_BLOCK_DOCS; i++)
        docs[i] += 1000;
    tfs[5] = 0;
    cr_expect_eq(quire_postings_blocks_add(&b, docs, tfs, lens, gaps, QUIRE_BLOCK_DOCS - 1),
                 QUIRE_EINVAL, "tf 0");
    tfs[5] = 1;
    docs[7] = docs[6];
    cr_expect_eq(quire_postings_blocks_add(&b, docs, tfs, lens, gaps, QUIRE_BLOCK_DOCS),
                 QUIRE_EINVAL, "a doc id twice");
    cr_expect_eq(b.blocks, 1);
    quire_postings_blocks_free(&b);
    quire_error_clear();
}
