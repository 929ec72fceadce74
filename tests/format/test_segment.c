/*
 * test_segment.c - segments round trip: seeded random documents (empty ones, titles, one
 * of 70,000+ tokens, texts over many stored-text blocks) and terms (Zipf-like forms, stems
 * of one or several forms) are written with the segment writer, read back and compared
 * with the naive model in segment_model.h: statistics, lookups that hit and miss, postings
 * with positions, stems as the union of their forms, term iteration and prefix seeks,
 * document metadata and text. quire_segment_verify() finds nothing; writing the same input
 * twice gives the same bytes. Text maps (version 3) read back as written, ranges of a text
 * read back its bytes, and the writer refuses a map that does not fit its document.
 */
#include "quire/segment.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "segment_model.h"
#include "tmp_dir.h"

static char *make_dir(void)
{
    return make_dir_named("quire-segment");
}

typedef struct report {
    uint32_t lines;
    char first[512];
} report;

static void collect(void *ctx, const char *line)
{
    report *r = ctx;
    if (r->lines++ == 0)
        snprintf(r->first, sizeof r->first, "%s", line);
}

static off_t file_size(const char *dir, uint64_t id, int file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/seg-%08llx.%s", dir, (unsigned long long)id,
             quire_segment_file_ext[file]);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s", path);
    return st.st_size;
}

/* Open segment `id`, compare it with the model, verify it. */
static void check_segment(const sm_seg *m, const char *dir, uint64_t id,
                          const quire_segment_stats *written)
{
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, id), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_segment_id(seg), id);
    const quire_segment_stats *st = quire_segment_get_stats(seg);
    cr_expect_eq(written->doc_count, m->doc_count);
    cr_expect_eq(written->total_tokens, m->total_tokens);
    cr_expect_eq(written->form_count, m->form_count);
    cr_expect_eq(written->stem_count, m->stem_count);
    cr_expect_eq(written->posting_count, m->posting_count);
    cr_expect_eq(written->text_bytes, m->text_bytes);
    for (int f = 0; f < QUIRE_SEG_FILE_COUNT; f++) {
        cr_expect_eq(st->file_bytes[f], (uint64_t)file_size(dir, id, f), "file %d", f);
        cr_expect_eq(written->file_bytes[f], st->file_bytes[f], "file %d", f);
        cr_expect_eq(quire_segment_check_file(seg, f), QUIRE_OK, "%s", quire_errmsg());
    }
    char why[512] = "";
    int rc = sm_compare(m, seg, why, sizeof why);
    cr_expect_eq(rc, QUIRE_OK, "%s", rc == SM_DIFFERENT ? why : quire_errmsg());
    report r = {0, ""};
    cr_expect_eq(quire_segment_verify(seg, collect, &r), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(r.lines, 0, "verify: %u problems, first: %s", r.lines, r.first);
    quire_segment_close(seg);
}

static bool same_files(const char *a, const char *b, uint64_t id)
{
    for (int f = 0; f < QUIRE_SEG_FILE_COUNT; f++) {
        char pa[512], pb[512];
        snprintf(pa, sizeof pa, "%s/seg-%08llx.%s", a, (unsigned long long)id,
                 quire_segment_file_ext[f]);
        snprintf(pb, sizeof pb, "%s/seg-%08llx.%s", b, (unsigned long long)id,
                 quire_segment_file_ext[f]);
        quire_buf x = QUIRE_BUF_INIT, y = QUIRE_BUF_INIT;
        cr_assert_eq(quire_read_file(&x, pa), QUIRE_OK);
        cr_assert_eq(quire_read_file(&y, pb), QUIRE_OK);
        bool same = x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
        quire_buf_free(&x);
        quire_buf_free(&y);
        if (!same)
            return false;
    }
    return true;
}

Test(segment, reads_back_what_was_written, .timeout = 240)
{
    uint64_t rng = 20240611;
    for (int round = 0; round < 6; round++) {
        sm_params p = {sm_rng(&rng), 1 + (uint32_t)(sm_rng(&rng) % 3000),
                       50 + (uint32_t)(sm_rng(&rng) % 3000), 1 + (uint32_t)(sm_rng(&rng) % 200),
                       UINT32_MAX};
        if (round == 0)
            p.doc_count = 1;
        if (round == 1)
            p.doc_count = 3000;
        if (round % 2 == 1)
            p.long_doc = (uint32_t)(sm_rng(&rng) % p.doc_count);
        sm_seg *m = sm_generate(&p);
        char *dir = make_dir();
        quire_segment_stats st;
        sm_write(m, dir, 7 + (uint64_t)round, NULL, p.seed, &st);
        check_segment(m, dir, 7 + (uint64_t)round, &st);
        remove_dir(dir);
        sm_free(m);
    }
}

Test(segment, long_documents_keep_positions_above_65535)
{
    sm_params p = {99, 3, 400, 20, 1};
    sm_seg *m = sm_generate(&p);
    cr_assert_gt(m->docs[1].doc_len, 70000);
    uint32_t top = 0;
    for (uint32_t f = 0; f < m->form_count; f++)
        for (uint64_t i = 0; i < m->forms[f].pos_at[m->forms[f].df]; i++)
            if (m->forms[f].pos[i] > top)
                top = m->forms[f].pos[i];
    cr_assert_gt(top, 65535); /* the model really has such positions */
    char *dir = make_dir();
    quire_segment_stats st;
    sm_write(m, dir, 1, NULL, 5, &st);
    check_segment(m, dir, 1, &st);
    cr_expect_gt(st.file_bytes[QUIRE_SEG_STO], 2 * QUIRE_STORE_BLOCK); /* several blocks */
    remove_dir(dir);
    sm_free(m);
}

Test(segment, reads_back_text_given_as_blocks, .timeout = 240)
{
    uint64_t rng = 77;
    for (int round = 0; round < 4; round++) {
        sm_params p = {sm_rng(&rng), 1 + (uint32_t)(sm_rng(&rng) % 3000),
                       50 + (uint32_t)(sm_rng(&rng) % 2000), 1 + (uint32_t)(sm_rng(&rng) % 300),
                       round == 2 ? 0 : UINT32_MAX};
        sm_seg *m = sm_generate(&p);
        char *dir = make_dir();
        quire_segment_stats st;
        sm_blocks blocks;
        sm_write(m, dir, 3, &blocks, p.seed + 1, &st);
        check_segment(m, dir, 3, &st);

        /* the blocks come back as given, for merging by copy */
        quire_segment *seg = NULL;
        cr_assert_eq(quire_segment_open(&seg, dir, 3), QUIRE_OK, "%s", quire_errmsg());
        cr_assert_eq(quire_segment_store_block_count(seg), blocks.count);
        for (uint64_t b = 0; b < blocks.count; b++) {
            uint64_t from = b ? blocks.end[b - 1] : 0;
            quire_bytes enc;
            cr_assert_eq(quire_segment_store_block(seg, b, &enc), QUIRE_OK, "%s", quire_errmsg());
            cr_assert_eq(enc.len, blocks.end[b] - from);
            cr_assert_eq(memcmp(enc.ptr, blocks.bytes.data + from, enc.len), 0);
        }
        quire_bytes enc;
        cr_expect_eq(quire_segment_store_block(seg, blocks.count, &enc), QUIRE_EINVAL);
        quire_segment_close(seg);
        sm_blocks_free(&blocks);
        remove_dir(dir);
        sm_free(m);
    }
}

/* A block over QUIRE_STORE_BLOCK_MAX is refused by the writer and, when a file holds one
 * all the same (with a valid CRC), reported as corrupt by the reader. */
Test(segment, stored_text_blocks_have_a_maximum_size)
{
    static uint8_t text[QUIRE_STORE_BLOCK_MAX + 1];
    memset(text, 'a', sizeof text);
    quire_buf enc = QUIRE_BUF_INIT;
    cr_expect_eq(quire_store_block_encode(&enc, text, sizeof text, 1), QUIRE_EINVAL);
    cr_assert_eq(quire_store_block_encode(&enc, text, sizeof text - 1, 1), QUIRE_OK);
    /* make it claim one more byte, with a CRC to match: only the size check can catch it */
    cr_assert_eq(quire_load_le32(enc.data), QUIRE_STORE_BLOCK_MAX);
    quire_store_le32(enc.data, QUIRE_STORE_BLOCK_MAX + 1);
    const uint32_t clen = quire_load_le32(enc.data + 4);
    quire_store_le32(enc.data + 8 + clen, quire_crc32(0, enc.data, 8 + (size_t)clen));

    char *dir = make_dir();
    quire_segment_writer *w = NULL;
    cr_assert_eq(quire_segment_writer_new(&w, dir, 4), QUIRE_OK, "%s", quire_errmsg());
    quire_doc_info info;
    memset(&info, 0, sizeof info);
    info.external_id = quire_bytes_of("d", 1);
    info.title = quire_bytes_of("", 0);
    info.origin = quire_bytes_of("o", 1);
    info.date = QUIRE_NO_DATE;
    info.text_len = QUIRE_STORE_BLOCK_MAX + 1;
    cr_assert_eq(quire_segment_writer_add_doc_meta(w, &info), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_segment_writer_add_store_block(w, quire_bytes_of(enc.data, enc.len)),
                 QUIRE_OK, "%s", quire_errmsg());
    quire_segment_stats st;
    cr_assert_eq(quire_segment_writer_finish(w, &st), QUIRE_OK, "%s", quire_errmsg());
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, 4), QUIRE_OK, "%s", quire_errmsg());
    quire_buf out = QUIRE_BUF_INIT;
    cr_expect_eq(quire_segment_doc_text(seg, 0, &out), QUIRE_ECORRUPT);
    cr_expect(strstr(quire_errmsg(), ".sto") != NULL, "%s", quire_errmsg());
    quire_buf_free(&out);
    quire_segment_close(seg);
    quire_buf_free(&enc);
    remove_dir(dir);
}

Test(segment, writing_twice_gives_identical_bytes)
{
    sm_params p = {4242, 1200, 900, 80, 17};
    sm_seg *m = sm_generate(&p);
    char *a = make_dir(), *b = make_dir();
    quire_segment_stats sa, sb;
    sm_write(m, a, 5, NULL, 1, &sa);
    sm_write(m, b, 5, NULL, 1, &sb);
    cr_expect(same_files(a, b, 5), "add_doc: two writes differ");
    remove_dir(a);
    remove_dir(b);

    sm_blocks x, y;
    a = make_dir();
    b = make_dir();
    sm_write(m, a, 5, &x, 9, &sa);
    sm_write(m, b, 5, &y, 9, &sb);
    cr_expect(same_files(a, b, 5), "add_doc_meta: two writes differ");
    sm_blocks_free(&x);
    sm_blocks_free(&y);
    remove_dir(a);
    remove_dir(b);
    sm_free(m);
}

Test(segment, documents_without_terms_or_text)
{
    char *dir = make_dir();
    quire_segment_writer *w = NULL;
    cr_assert_eq(quire_segment_writer_new(&w, dir, 2), QUIRE_OK, "%s", quire_errmsg());
    for (uint32_t d = 0; d < 130; d++) { /* three .dmd groups */
        quire_doc_info info;
        memset(&info, 0, sizeof info);
        info.external_id = quire_bytes_of("", 0);
        info.title = quire_bytes_of("", 0);
        info.origin = quire_bytes_of(d < 70 ? "x" : "y", 1);
        info.date = d % 2 ? QUIRE_NO_DATE : -(int32_t)d;
        cr_assert_eq(quire_segment_writer_add_doc(w, &info, quire_bytes_of("", 0)), QUIRE_OK, "%s",
                     quire_errmsg());
    }
    quire_segment_stats st;
    cr_assert_eq(quire_segment_writer_finish(w, &st), QUIRE_OK, "%s", quire_errmsg());
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, 2), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_segment_get_stats(seg)->doc_count, 130);
    cr_expect_eq(quire_segment_get_stats(seg)->text_bytes, 0);
    cr_expect_eq(quire_segment_store_block_count(seg), 0);
    for (uint32_t d = 0; d < 130; d++) {
        quire_doc_info info;
        cr_assert_eq(quire_segment_doc_info(seg, d, &info), QUIRE_OK, "%s", quire_errmsg());
        cr_expect_eq(info.external_id.len, 0);
        cr_expect(sm_bytes_eq(info.origin, d < 70 ? "x" : "y", 1), "doc %u origin", d);
        cr_expect_eq(info.date, d % 2 ? QUIRE_NO_DATE : -(int32_t)d);
        quire_buf text = QUIRE_BUF_INIT;
        cr_expect_eq(quire_segment_doc_text(seg, d, &text), QUIRE_OK);
        cr_expect_eq(text.len, 0);
        quire_buf_free(&text);
    }
    quire_term t;
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_FORM, quire_bytes_of("a", 1), &t),
                 QUIRE_ENOTFOUND);
    quire_segment_term_iter it;
    quire_bytes key;
    cr_assert_eq(quire_segment_terms_seek(&it, seg, QUIRE_TERM_STEM, quire_bytes_of("", 0)),
                 QUIRE_OK);
    cr_expect_eq(quire_segment_terms_next(&it, &key, &t), QUIRE_ENOTFOUND);
    report r = {0, ""};
    cr_expect_eq(quire_segment_verify(seg, collect, &r), QUIRE_OK, "%s", r.first);
    quire_segment_close(seg);
    remove_dir(dir);
}

/* ---- text maps (format version 3) and reading part of a text ---- */

static uint64_t tm_rng(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

Test(segment, text_maps_read_back_as_written_and_bad_ones_are_refused)
{
    char *dir = make_dir();
    quire_segment_writer *w = NULL;
    cr_assert_eq(quire_segment_writer_new(&w, dir, 6), QUIRE_OK, "%s", quire_errmsg());
    /* 150 documents (three .dmd groups) of 0..20,000 bytes and as many tokens as their
     * bytes allow, with maps of random ascending offsets; every fifth without a map */
    enum { DOCS = 150 };
    uint64_t rng = 15, want[DOCS][320];
    uint32_t want_count[DOCS], tokens[DOCS];
    uint64_t lens[DOCS];
    quire_buf text = QUIRE_BUF_INIT, map = QUIRE_BUF_INIT;
    for (uint32_t d = 0; d < DOCS; d++) {
        lens[d] = tm_rng(&rng) % 20000;
        tokens[d] = (uint32_t)(tm_rng(&rng) % (lens[d] / 2 + 1));
        const uint32_t n = d % 5 == 4 ? 0 : quire_text_map_count(tokens[d]);
        const uint64_t step = lens[d] / (n + 1); /* >= 128: n <= lens / 128 */
        for (uint32_t k = 0; k < n; k++)         /* ascending, inside the text */
            want[d][k] = (k + 1) * step + tm_rng(&rng) % (step / 2);
        want_count[d] = n;
        text.len = 0;
        for (uint64_t i = 0; i < lens[d]; i++)
            quire_buf_put_byte(&text, (uint8_t)('a' + (d + i) % 26));
        map.len = 0;
        if (n > 0)
            quire_text_map_encode(&map, want[d], n);
        quire_doc_info info;
        memset(&info, 0, sizeof info);
        info.external_id = quire_bytes_of("x", 1);
        info.origin = quire_bytes_of("o", 1);
        info.date = QUIRE_NO_DATE;
        info.text_len = lens[d];
        info.doc_len = tokens[d] + 3;
        info.title_len = 3;
        info.text_map = quire_bytes_of(map.data, map.len);
        cr_assert_eq(quire_segment_writer_add_doc(w, &info, quire_bytes_of(text.data, text.len)),
                     QUIRE_OK, "doc %u: %s", d, quire_errmsg());
    }
    quire_segment_stats st;
    cr_assert_eq(quire_segment_writer_finish(w, &st), QUIRE_OK, "%s", quire_errmsg());
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, 6), QUIRE_OK, "%s", quire_errmsg());
    uint64_t got[320];
    for (uint32_t d = 0; d < DOCS; d++) {
        quire_doc_info info;
        cr_assert_eq(quire_segment_doc_info(seg, d, &info), QUIRE_OK, "%s", quire_errmsg());
        uint32_t n;
        cr_assert_eq(quire_text_map_decode(&info, got, 320, &n), QUIRE_OK, "doc %u: %s", d,
                     quire_errmsg());
        cr_expect_eq(n, want_count[d], "doc %u: %u entries, wrote %u", d, n, want_count[d]);
        for (uint32_t k = 0; k < n && k < want_count[d]; k++)
            cr_expect_eq(got[k], want[d][k], "doc %u entry %u", d, k);
        if (n > 0)
            cr_expect_eq(quire_text_map_decode(&info, got, n - 1, &n), QUIRE_EINVAL);
        /* ranges of the text: only their bytes, across block boundaries */
        for (int r = 0; r < 4 && lens[d] > 0; r++) {
            const uint64_t a = tm_rng(&rng) % lens[d], b = a + tm_rng(&rng) % (lens[d] - a + 1);
            quire_buf part = QUIRE_BUF_INIT;
            cr_assert_eq(quire_segment_doc_text_range(seg, d, a, b, &part), QUIRE_OK, "%s",
                         quire_errmsg());
            cr_expect_eq(part.len, b - a, "doc %u bytes %llu..%llu", d, (unsigned long long)a,
                         (unsigned long long)b);
            bool same = part.len == b - a;
            for (uint64_t i = 0; same && i < part.len; i++)
                same = part.data[i] == (uint8_t)('a' + (d + a + i) % 26);
            cr_expect(same, "doc %u: bytes %llu..%llu differ", d, (unsigned long long)a,
                      (unsigned long long)b);
            quire_buf_free(&part);
        }
        quire_buf part = QUIRE_BUF_INIT;
        cr_expect_eq(quire_segment_doc_text_range(seg, d, 0, lens[d] + 1, &part), QUIRE_EINVAL);
        quire_buf_free(&part);
    }
    quire_segment_close(seg);
    remove_dir(dir);

    /* the writer refuses maps that do not describe the document */
    dir = make_dir();
    cr_assert_eq(quire_segment_writer_new(&w, dir, 7), QUIRE_OK, "%s", quire_errmsg());
    quire_doc_info info;
    memset(&info, 0, sizeof info);
    info.external_id = quire_bytes_of("x", 1);
    info.origin = quire_bytes_of("o", 1);
    info.text_len = 1000;
    info.doc_len = 200; /* 200 text tokens: 3 entries */
    const uint64_t wrong_count[2] = {10, 20}, not_ascending[3] = {10, 10, 30},
                   outside[3] = {10, 20, 1000}, fine[3] = {10, 20, 999};
    const struct {
        const uint64_t *v;
        uint32_t n;
        int rc;
    } cases[] = {{wrong_count, 2, QUIRE_EINVAL},
                 {not_ascending, 3, QUIRE_EINVAL},
                 {outside, 3, QUIRE_EINVAL},
                 {fine, 3, QUIRE_OK}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        map.len = 0;
        quire_text_map_encode(&map, cases[c].v, cases[c].n);
        info.text_map = quire_bytes_of(map.data, map.len);
        uint32_t n;
        cr_expect_eq(quire_text_map_decode(&info, NULL, 0, &n),
                     cases[c].rc == QUIRE_OK ? QUIRE_OK : QUIRE_ECORRUPT, "case %zu", c);
        if (cases[c].rc == QUIRE_OK) /* the writer's sticky error would end the others */
            continue;
        quire_segment_writer *w2 = NULL;
        char *d2 = make_dir();
        cr_assert_eq(quire_segment_writer_new(&w2, d2, 8), QUIRE_OK, "%s", quire_errmsg());
        cr_expect_eq(quire_segment_writer_add_doc_meta(w2, &info), cases[c].rc, "case %zu", c);
        quire_segment_writer_abort(w2);
        remove_dir(d2);
    }
    quire_segment_writer_abort(w);
    remove_dir(dir);
    quire_buf_free(&text);
    quire_buf_free(&map);
}

Test(segment, a_version_2_segment_reads_without_text_maps)
{
    const char *src = getenv("QUIRE_SOURCE_DIR");
    if (src == NULL)
        cr_skip_test("QUIRE_SOURCE_DIR is not set (run through ctest)");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/golden/v2-sample", src);
    char path[4200];
    snprintf(path, sizeof path, "%s/seg-00000001.dmd", dir);
    quire_buf head = QUIRE_BUF_INIT;
    cr_assert_eq(quire_read_file(&head, path), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_load_le32(head.data + 8), 2, "the golden segment is of version 2");
    quire_buf_free(&head);
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, 1), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_segment_get_stats(seg)->doc_count, 5);
    for (uint32_t d = 0; d < 5; d++) {
        quire_doc_info info;
        cr_assert_eq(quire_segment_doc_info(seg, d, &info), QUIRE_OK, "%s", quire_errmsg());
        cr_expect_eq(info.text_map.len, 0, "doc %u", d);
        cr_expect_gt(info.doc_len - info.title_len, QUIRE_TEXT_MAP_EVERY, "doc %u is long", d);
        uint32_t n = 1;
        cr_expect_eq(quire_text_map_decode(&info, NULL, 0, &n), QUIRE_OK);
        cr_expect_eq(n, 0, "doc %u: no map", d);
        cr_expect(info.external_id.len > 4 && memcmp(info.external_id.ptr + 1, "0", 1) == 0,
                  "doc %u: id '%.*s'", d, (int)info.external_id.len, info.external_id.ptr);
    }
    report r = {0, ""};
    cr_expect_eq(quire_segment_verify(seg, collect, &r), QUIRE_OK, "%s", r.first);
    quire_segment_close(seg);
}
