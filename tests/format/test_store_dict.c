/*
 * test_store_dict.c - stored text with a dictionary (format 4, FORMAT.md "Stored text"):
 * a dictionary trained on seeded pseudo-English text makes zstd blocks that read back
 * byte for byte, alone and mixed with DEFLATE blocks in one file, and smaller than DEFLATE;
 * too little text trains none. Hostile input: a damaged frame (with its CRC made to
 * match), a frame that decodes to fewer bytes than its block says, a frame cut short, a
 * zstd block in a file without a dictionary, an unknown codec, a damaged dictionary, a
 * dictionary length past the index region: each is QUIRE_ECORRUPT naming the .sto, never a
 * wrong text. The writer refuses a zstd block before its dictionary.
 */
#include "quire/segment.h"
#include "quire/date.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *make_dir(void)
{
    char *dir = strdup("/tmp/quire-store-dict-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static void remove_dir(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* `len` bytes of pseudo-English: words of a 3,000-word vocabulary drawn Zipf-like, with
 * spaces, commas, full stops and line feeds. */
static uint8_t *make_text(size_t len, uint64_t seed)
{
    static const char *syl[] = {"the", "an", "con", "pro", "ex", "ing", "ed", "ment", "tion",
                                "al", "er", "ly", "pre", "re", "de", "ous", "port", "mar",
                                "ket", "sta", "ble", "in", "ter", "na", "cop", "ra"};
    enum { WORDS = 3000 };
    static char vocab[WORDS][24];
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (int i = 0; i < WORDS; i++) {
        int n = 1 + (int)(rng_next(&s) % 3);
        vocab[i][0] = 0;
        for (int k = 0; k < n; k++)
            strcat(vocab[i], syl[rng_next(&s) % (sizeof syl / sizeof syl[0])]);
    }
    uint8_t *t = malloc(len);
    cr_assert_not_null(t);
    size_t at = 0;
    while (at < len) {
        /* Zipf-like: the square of a uniform draw favours low ranks */
        uint64_t u = rng_next(&s) % 1000;
        const char *w = vocab[(u * u * WORDS) / 1000000];
        for (size_t k = 0; w[k] && at < len; k++)
            t[at++] = (uint8_t)w[k];
        if (at < len) {
            uint64_t p = rng_next(&s) % 40;
            t[at++] = p == 0 ? '.' : p == 1 ? ',' : p == 2 ? '\n' : ' ';
        }
    }
    return t;
}

/* Write a segment of `docs` documents of equal length over `len` bytes of text, its blocks
 * made by `enc` (QUIRE_STORE_BLOCK each), with dictionary `dict` (none if empty); with
 * `deflate_every` > 0, every such block is DEFLATE instead. */
static void write_segment(const char *dir, uint64_t id, const uint8_t *text, size_t len,
                          uint32_t docs, quire_bytes dict, uint32_t deflate_every)
{
    quire_segment_writer *w = NULL;
    cr_assert_eq(quire_segment_writer_new(&w, dir, id), QUIRE_OK, "%s", quire_errmsg());
    if (dict.len > 0)
        cr_assert_eq(quire_segment_writer_set_store_dict(w, dict), QUIRE_OK, "%s",
                     quire_errmsg());
    size_t each = len / docs;
    for (uint32_t d = 0; d < docs; d++) {
        quire_doc_info info;
        memset(&info, 0, sizeof info);
        char idb[16];
        int n = snprintf(idb, sizeof idb, "d%u", d);
        info.external_id = quire_bytes_of(idb, (size_t)n);
        info.title = quire_bytes_of("", 0);
        info.origin = quire_bytes_of("o", 1);
        info.date = QUIRE_NO_DATE;
        info.text_len = d + 1 < docs ? each : len - each * (docs - 1);
        cr_assert_eq(quire_segment_writer_add_doc_meta(w, &info), QUIRE_OK, "%s",
                     quire_errmsg());
    }
    quire_store_encoder *z = NULL, *f = NULL;
    cr_assert_eq(quire_store_encoder_new_dict(&z, 3, dict), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_store_encoder_new(&f, 1), QUIRE_OK);
    quire_buf enc = QUIRE_BUF_INIT;
    uint32_t b = 0;
    for (size_t off = 0; off < len; off += QUIRE_STORE_BLOCK, b++) {
        size_t n = len - off < QUIRE_STORE_BLOCK ? len - off : QUIRE_STORE_BLOCK;
        enc.len = 0;
        quire_store_encoder *e = deflate_every && b % deflate_every == 0 ? f : z;
        cr_assert_eq(quire_store_encoder_encode(e, &enc, text + off, n), QUIRE_OK);
        cr_assert_eq(quire_segment_writer_add_store_block(w, quire_bytes_of(enc.data, enc.len)),
                     QUIRE_OK, "%s", quire_errmsg());
    }
    quire_buf_free(&enc);
    quire_store_encoder_free(z);
    quire_store_encoder_free(f);
    quire_segment_stats st; /* no terms: a segment of documents only */
    cr_assert_eq(quire_segment_writer_finish(w, &st), QUIRE_OK, "%s", quire_errmsg());
}

static void expect_texts(const char *dir, uint64_t id, const uint8_t *text, size_t len,
                         uint32_t docs)
{
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, id), QUIRE_OK, "%s", quire_errmsg());
    quire_buf out = QUIRE_BUF_INIT;
    size_t each = len / docs, at = 0;
    for (uint32_t d = 0; d < docs; d++) {
        out.len = 0;
        cr_assert_eq(quire_segment_doc_text(seg, d, &out), QUIRE_OK, "%s", quire_errmsg());
        size_t n = d + 1 < docs ? each : len - at;
        cr_assert_eq(out.len, n);
        cr_assert(memcmp(out.data, text + at, n) == 0, "document %u's text differs", d);
        /* a range inside it, as passages read */
        if (n > 100) {
            out.len = 0;
            cr_assert_eq(quire_segment_doc_text_range(seg, d, 17, n - 3, &out), QUIRE_OK, "%s",
                         quire_errmsg());
            cr_assert_eq(out.len, n - 20);
            cr_assert(memcmp(out.data, text + at + 17, n - 20) == 0);
        }
        at += n;
    }
    quire_buf_free(&out);
    cr_expect_eq(quire_segment_verify(seg, NULL, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_segment_close(seg);
}

static off_t sto_size(const char *dir, uint64_t id)
{
    char path[512];
    snprintf(path, sizeof path, "%s/seg-%08llx.sto", dir, (unsigned long long)id);
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    return sb.st_size;
}

#define TEXT_LEN (640 * 1024)

Test(store_dict, zstd_blocks_with_a_dictionary_round_trip_and_are_smaller)
{
    uint8_t *text = make_text(TEXT_LEN, 1);
    quire_buf dict = QUIRE_BUF_INIT;
    cr_assert_eq(quire_store_dict_train(&dict, text, TEXT_LEN), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_gt(dict.len, 1000);
    cr_assert_leq(dict.len, QUIRE_STORE_DICT_MAX);
    char *dir = make_dir();
    const quire_bytes dv = quire_bytes_of(dict.data, dict.len);
    write_segment(dir, 1, text, TEXT_LEN, 37, dv, 0);
    write_segment(dir, 2, text, TEXT_LEN, 37, quire_bytes_of(NULL, 0), 0); /* DEFLATE */
    write_segment(dir, 3, text, TEXT_LEN, 37, dv, 5); /* mixed */
    expect_texts(dir, 1, text, TEXT_LEN, 37);
    expect_texts(dir, 2, text, TEXT_LEN, 37);
    expect_texts(dir, 3, text, TEXT_LEN, 37);
    /* the codecs as written, the dictionary as given */
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, 3), QUIRE_OK, "%s", quire_errmsg());
    quire_bytes got = quire_segment_store_dict(seg);
    cr_assert_eq(got.len, dict.len);
    cr_assert(memcmp(got.ptr, dict.data, dict.len) == 0);
    for (uint64_t b = 0; b < quire_segment_store_block_count(seg); b++) {
        quire_bytes enc;
        cr_assert_eq(quire_segment_store_block(seg, b, &enc), QUIRE_OK);
        cr_expect_eq(quire_store_block_codec(enc), b % 5 == 0 ? QUIRE_STORE_DEFLATE
                                                              : QUIRE_STORE_ZSTD);
        quire_buf t = QUIRE_BUF_INIT;
        cr_assert_eq(quire_segment_store_block_text(seg, b, &t), QUIRE_OK);
        size_t n = TEXT_LEN - b * QUIRE_STORE_BLOCK < QUIRE_STORE_BLOCK
                       ? TEXT_LEN - b * QUIRE_STORE_BLOCK
                       : QUIRE_STORE_BLOCK;
        cr_assert_eq(t.len, n);
        cr_assert(memcmp(t.data, text + b * QUIRE_STORE_BLOCK, n) == 0);
        quire_buf_free(&t);
    }
    quire_segment_close(seg);
    cr_assert_eq(quire_segment_open(&seg, dir, 2), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_segment_store_dict(seg).len, 0);
    quire_segment_close(seg);
    /* what the dictionary is for: fewer bytes than DEFLATE (on this random-word text 10%
     * fewer; 19% on Reuters-21578, FORMAT.md) */
    cr_expect_lt(sto_size(dir, 1) * 100, sto_size(dir, 2) * 95, "zstd+dict %lld, DEFLATE %lld",
                 (long long)sto_size(dir, 1), (long long)sto_size(dir, 2));
    quire_buf_free(&dict);
    free(text);
    remove_dir(dir);
}

Test(store_dict, too_little_text_trains_no_dictionary)
{
    uint8_t *text = make_text(64 * 1024, 2);
    quire_buf dict = QUIRE_BUF_INIT;
    quire_buf_put(&dict, "stale", 5);
    cr_assert_eq(quire_store_dict_train(&dict, text, 64 * 1024), QUIRE_OK);
    cr_expect_eq(dict.len, 0);
    /* and an encoder without one writes DEFLATE */
    quire_store_encoder *e = NULL;
    cr_assert_eq(quire_store_encoder_new_dict(&e, 3, quire_bytes_of(NULL, 0)), QUIRE_OK);
    quire_buf enc = QUIRE_BUF_INIT;
    cr_assert_eq(quire_store_encoder_encode(e, &enc, text, 1000), QUIRE_OK);
    cr_expect_eq(quire_store_block_codec(quire_bytes_of(enc.data, enc.len)), QUIRE_STORE_DEFLATE);
    quire_store_encoder_free(e);
    quire_buf_free(&enc);
    quire_buf_free(&dict);
    free(text);
}

Test(store_dict, the_writer_refuses_a_zstd_block_without_its_dictionary)
{
    uint8_t *text = make_text(TEXT_LEN, 3);
    quire_buf dict = QUIRE_BUF_INIT;
    cr_assert_eq(quire_store_dict_train(&dict, text, TEXT_LEN), QUIRE_OK);
    quire_store_encoder *e = NULL;
    cr_assert_eq(quire_store_encoder_new_dict(&e, 3, quire_bytes_of(dict.data, dict.len)),
                 QUIRE_OK);
    quire_buf enc = QUIRE_BUF_INIT;
    cr_assert_eq(quire_store_encoder_encode(e, &enc, text, 4000), QUIRE_OK);
    char *dir = make_dir();
    quire_segment_writer *w = NULL;
    cr_assert_eq(quire_segment_writer_new(&w, dir, 1), QUIRE_OK);
    cr_expect_eq(quire_segment_writer_add_store_block(w, quire_bytes_of(enc.data, enc.len)),
                 QUIRE_EINVAL);
    quire_segment_writer_abort(w);
    /* an unknown codec, even with a dictionary */
    cr_assert_eq(quire_segment_writer_new(&w, dir, 2), QUIRE_OK);
    cr_assert_eq(quire_segment_writer_set_store_dict(w, quire_bytes_of(dict.data, dict.len)),
                 QUIRE_OK);
    enc.data[3] = 2;
    cr_expect_eq(quire_segment_writer_add_store_block(w, quire_bytes_of(enc.data, enc.len)),
                 QUIRE_EINVAL);
    quire_segment_writer_abort(w);
    quire_store_encoder_free(e);
    quire_buf_free(&enc);
    quire_buf_free(&dict);
    free(text);
    remove_dir(dir);
}

/* ---- hostile files: a written segment, damaged in place ---- */

typedef struct fixture {
    char *dir;
    uint8_t *text;
    quire_buf sto; /* the .sto's bytes */
    char path[512];
} fixture;

static void fixture_make(fixture *fx, bool with_dict)
{
    fx->dir = make_dir();
    fx->text = make_text(TEXT_LEN, 4);
    quire_buf dict = QUIRE_BUF_INIT;
    if (with_dict)
        cr_assert_eq(quire_store_dict_train(&dict, fx->text, TEXT_LEN), QUIRE_OK);
    write_segment(fx->dir, 1, fx->text, TEXT_LEN, 5, quire_bytes_of(dict.data, dict.len), 0);
    quire_buf_free(&dict);
    snprintf(fx->path, sizeof fx->path, "%s/seg-00000001.sto", fx->dir);
    FILE *f = fopen(fx->path, "rb");
    cr_assert_not_null(f);
    fx->sto = (quire_buf)QUIRE_BUF_INIT;
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        quire_buf_put(&fx->sto, buf, n);
    fclose(f);
}

static void fixture_save(fixture *fx)
{
    FILE *f = fopen(fx->path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(fx->sto.data, 1, fx->sto.len, f), fx->sto.len);
    fclose(f);
}

static void fixture_free(fixture *fx)
{
    quire_buf_free(&fx->sto);
    free(fx->text);
    remove_dir(fx->dir);
}

/* Block 0 (at offset 24): fix its CRC after a change to its head or data. */
static void fix_block0_crc(fixture *fx)
{
    uint32_t clen = quire_load_le32(fx->sto.data + 24 + 4);
    quire_store_le32(fx->sto.data + 24 + 8 + clen, quire_crc32(0, fx->sto.data + 24, 8 + clen));
}

/* Reading document 0 (whose text starts in block 0) is corruption naming the .sto. */
static void expect_doc0_corrupt(fixture *fx)
{
    quire_segment *seg = NULL;
    int rc = quire_segment_open(&seg, fx->dir, 1);
    if (rc == QUIRE_OK) {
        quire_buf out = QUIRE_BUF_INIT;
        rc = quire_segment_doc_text(seg, 0, &out);
        quire_buf_free(&out);
        quire_segment_close(seg);
    }
    cr_expect_eq(rc, QUIRE_ECORRUPT, "got %d: %s", rc, quire_errmsg());
    cr_expect(strstr(quire_errmsg(), ".sto") != NULL, "%s", quire_errmsg());
}

Test(store_dict, a_damaged_frame_with_a_matching_crc_is_corrupt)
{
    fixture fx;
    fixture_make(&fx, true);
    cr_assert_eq(fx.sto.data[24 + 3], QUIRE_STORE_ZSTD);
    /* every byte of the frame in turn would take long: a spread of them */
    uint32_t clen = quire_load_le32(fx.sto.data + 24 + 4);
    fixture_free(&fx);
    for (uint32_t at = 0; at < clen; at += 1 + clen / 23) {
        fixture_make(&fx, true);
        fx.sto.data[24 + 8 + at] ^= 0x5A;
        fix_block0_crc(&fx);
        fixture_save(&fx);
        quire_segment *seg = NULL;
        cr_assert_eq(quire_segment_open(&seg, fx.dir, 1), QUIRE_OK);
        quire_buf out = QUIRE_BUF_INIT;
        int rc = quire_segment_doc_text(seg, 0, &out);
        /* zstd frames carry no checksum here: a damaged literal may decode to other text
         * of the right length; what must never happen is a crash or a wrong length */
        if (rc == QUIRE_OK)
            cr_expect_eq(out.len, TEXT_LEN / 5);
        else
            cr_expect_eq(rc, QUIRE_ECORRUPT, "%s", quire_errmsg());
        quire_buf_free(&out);
        quire_segment_close(seg);
        fixture_free(&fx);
    }
}

Test(store_dict, a_frame_shorter_than_its_block_or_cut_short_is_corrupt)
{
    fixture fx;
    fixture_make(&fx, true);
    /* the head claims one byte more than the frame holds */
    uint32_t head = quire_load_le32(fx.sto.data + 24);
    quire_store_le32(fx.sto.data + 24, head + 1);
    fix_block0_crc(&fx);
    fixture_save(&fx);
    expect_doc0_corrupt(&fx);
    fixture_free(&fx);
    /* one byte less than it holds */
    fixture_make(&fx, true);
    head = quire_load_le32(fx.sto.data + 24);
    quire_store_le32(fx.sto.data + 24, head - 1);
    fix_block0_crc(&fx);
    fixture_save(&fx);
    expect_doc0_corrupt(&fx);
    fixture_free(&fx);
    /* the frame's last 5 bytes lost from its length (the block's bytes stay in place) */
    fixture_make(&fx, true);
    uint32_t clen = quire_load_le32(fx.sto.data + 24 + 4);
    quire_store_le32(fx.sto.data + 24 + 4, clen - 5);
    fix_block0_crc(&fx);
    fixture_save(&fx);
    expect_doc0_corrupt(&fx); /* the lengths no longer meet the next block */
    fixture_free(&fx);
}

Test(store_dict, a_zstd_block_in_a_file_without_a_dictionary_is_corrupt)
{
    fixture fx;
    fixture_make(&fx, false);
    cr_assert_eq(fx.sto.data[24 + 3], QUIRE_STORE_DEFLATE);
    fx.sto.data[24 + 3] = QUIRE_STORE_ZSTD;
    fix_block0_crc(&fx);
    fixture_save(&fx);
    expect_doc0_corrupt(&fx);
    cr_expect(strstr(quire_errmsg(), "codec") != NULL, "%s", quire_errmsg());
    fixture_free(&fx);
    /* and an unknown codec in a file with one */
    fixture_make(&fx, true);
    fx.sto.data[24 + 3] = 7;
    fix_block0_crc(&fx);
    fixture_save(&fx);
    expect_doc0_corrupt(&fx);
    fixture_free(&fx);
}

/* The .sto's footer: where its index region lies. */
static void index_region(const fixture *fx, uint64_t *off, uint64_t *len)
{
    const uint8_t *foot = fx->sto.data + fx->sto.len - 40;
    *off = quire_load_le64(foot);
    *len = quire_load_le64(foot + 8);
}

static void fix_index_crc(fixture *fx)
{
    uint64_t off, len;
    index_region(fx, &off, &len);
    uint8_t *foot = fx->sto.data + fx->sto.len - 40;
    quire_store_le32(foot + 16, quire_crc32(0, fx->sto.data + off, (size_t)len));
    quire_store_le32(foot + 36, quire_crc32(0, foot, 36));
}

Test(store_dict, a_damaged_dictionary_is_refused_at_open)
{
    fixture fx;
    fixture_make(&fx, true);
    uint64_t off, len;
    index_region(&fx, &off, &len);
    uint32_t dict_len = quire_load_le32(fx.sto.data + off + len - 4);
    cr_assert_gt(dict_len, 100);
    fx.sto.data[off + len - 4 - dict_len + dict_len / 2] ^= 1; /* index_crc no longer matches */
    fixture_save(&fx);
    quire_segment *seg = NULL;
    cr_expect_eq(quire_segment_open(&seg, fx.dir, 1), QUIRE_ECORRUPT);
    cr_expect(strstr(quire_errmsg(), ".sto") != NULL, "%s", quire_errmsg());
    fixture_free(&fx);
}

Test(store_dict, a_dictionary_length_past_its_region_is_refused_at_open)
{
    const uint32_t bad[] = {UINT32_MAX, QUIRE_STORE_DICT_MAX + 1, 0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fixture fx;
        fixture_make(&fx, true);
        uint64_t off, len;
        index_region(&fx, &off, &len);
        /* 0: the dictionary's bytes then read as block index entries of the wrong count */
        quire_store_le32(fx.sto.data + off + len - 4, bad[i]);
        fix_index_crc(&fx);
        fixture_save(&fx);
        quire_segment *seg = NULL;
        cr_expect_eq(quire_segment_open(&seg, fx.dir, 1), QUIRE_ECORRUPT, "dict_len %u",
                     bad[i]);
        cr_expect(strstr(quire_errmsg(), ".sto") != NULL, "%s", quire_errmsg());
        fixture_free(&fx);
    }
}
