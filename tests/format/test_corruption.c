/*
 * test_corruption.c - damaged indexes are refused, never misread. A small real index (one
 * segment from the segment writer, a manifest from the commit) is damaged one file at a
 * time: cut at every byte (small files) or at a sample of points, and flipped at a few
 * hundred seeded places. Each time the index is opened and read whole (every document and
 * its text, every term by lookup and by iteration, every posting with its positions) and
 * verified. Each damage must be refused with QUIRE_ECORRUPT (QUIRE_EVERSION for the version
 * field) by the open, a read or the verify, in a message naming the damaged file; and what
 * was read before that must equal what was written. Run under ASan too (build-fmt-asan).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/index.h"
#include "quire/manifest.h"
#include "segment_model.h"

#define SEG_ID 1

typedef struct fixture {
    char dir[64];
    sm_seg *model;
    quire_buf orig;   /* the file being damaged, as written */
    char path[256];   /* its path */
    char name[64];    /* what a message about it must contain */
    uint64_t checked; /* damages tried */
    uint64_t at_open; /* ... refused by quire_index_open */
    uint64_t on_read; /* ... by a read */
    uint64_t by_verify;
} fixture;

typedef struct report {
    uint32_t lines;
    bool names_file;
    char first[512];
    const char *want;
} report;

static void collect(void *ctx, const char *line)
{
    report *r = ctx;
    if (r->lines++ == 0)
        snprintf(r->first, sizeof r->first, "%s", line);
    if (strstr(line, r->want))
        r->names_file = true;
}

static void build_index(fixture *fx)
{
    strcpy(fx->dir, "/tmp/quire-corrupt-XXXXXX");
    cr_assert_not_null(mkdtemp(fx->dir));
    /* small, but with every shape: a form in > 128 documents (skip data), single-posting
     * terms, stems and aliases, empty documents, text over several stored-text blocks and
     * .dmd groups */
    sm_params p = {2024, 300, 200, 60, UINT32_MAX};
    fx->model = sm_generate(&p);
    cr_assert_gt(fx->model->forms[0].df + fx->model->forms[1].df, 0);
    bool big = false;
    for (uint32_t f = 0; f < fx->model->form_count; f++)
        big = big || fx->model->forms[f].df > 128;
    cr_assert(big, "the fixture needs a term with skip data");
    cr_assert_gt(fx->model->text_bytes, 2 * QUIRE_STORE_BLOCK);
    quire_segment_stats st;
    sm_write(fx->model, fx->dir, SEG_ID, NULL, 1, &st);
    quire_manifest m;
    memset(&m, 0, sizeof m);
    m.generation = 1;
    m.next_segment_id = SEG_ID + 1;
    m.analyzer_id = "std-v1";
    m.language = "english";
    quire_manifest_segment seg = {SEG_ID, st.doc_count, st.total_tokens, 0, 0, 0};
    m.segments = &seg;
    m.segment_count = 1;
    cr_assert_eq(quire_manifest_commit(fx->dir, &m), QUIRE_OK, "%s", quire_errmsg());
}

static void remove_index(fixture *fx)
{
    DIR *d = opendir(fx->dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", fx->dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(fx->dir);
    sm_free(fx->model);
    quire_buf_free(&fx->orig);
}

static void write_file(const char *path, const uint8_t *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    cr_assert_eq(fwrite(p, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* Open, read everything, verify: the damage (bytes [lo, hi) changed, or a cut at lo) must
 * be found, and nothing read may differ from what was written. */
static void check_damage(fixture *fx, const char *what, size_t lo, size_t hi)
{
    fx->checked++;
    bool version_field = strstr(fx->name, "seg-") && lo < 12 && hi > 8;
    quire_index *ix = NULL;
    bool fell_back = false;
    quire_error_clear();
    int rc = quire_index_open(&ix, fx->dir, &fell_back);
    if (rc != QUIRE_OK) {
        cr_expect(rc == QUIRE_ECORRUPT || (rc == QUIRE_EVERSION && version_field),
                  "%s: open returned %d: %s", what, rc, quire_errmsg());
        cr_expect_not_null(strstr(quire_errmsg(), fx->name), "%s: message '%s' does not name %s",
                           what, quire_errmsg(), fx->name);
        cr_expect_null(ix);
        fx->at_open++;
        return;
    }
    cr_expect(!fell_back, "%s: fell back with only one generation", what);
    const quire_segment *seg = quire_index_segment(ix, 0);
    char why[512] = "";
    rc = sm_compare(fx->model, seg, why, sizeof why);
    cr_expect_neq(rc, SM_DIFFERENT, "%s: read different data: %s", what, why);
    if (rc != QUIRE_OK && rc != SM_DIFFERENT) {
        cr_expect_eq(rc, QUIRE_ECORRUPT, "%s: read returned %d: %s", what, rc, quire_errmsg());
        cr_expect_not_null(strstr(quire_errmsg(), fx->name), "%s: message '%s' does not name %s",
                           what, quire_errmsg(), fx->name);
        fx->on_read++;
    }
    report r = {0, false, "", fx->name};
    int vrc = quire_segment_verify(seg, collect, &r);
    if (rc == QUIRE_OK) {
        /* everything read back right: verify must still find the damage */
        cr_expect_eq(vrc, QUIRE_ECORRUPT, "%s: damage not found", what);
        cr_expect(r.names_file, "%s: verify (%u lines, first '%s') does not name %s", what, r.lines,
                  r.first, fx->name);
        fx->by_verify++;
    } else {
        cr_expect(vrc == QUIRE_ECORRUPT, "%s: verify returned %d after a failed read", what, vrc);
    }
    cr_expect((vrc == QUIRE_ECORRUPT) == (r.lines > 0), "%s: verify %d with %u lines", what, vrc,
              r.lines);
    quire_index_close(ix);
}

static void damage_file(const char *ext)
{
    fixture fx;
    memset(&fx, 0, sizeof fx);
    build_index(&fx);
    if (strcmp(ext, "manifest") == 0) {
        snprintf(fx.name, sizeof fx.name, "manifest-%016llx", 1ull);
    } else {
        snprintf(fx.name, sizeof fx.name, "seg-%08llx.%s", (unsigned long long)SEG_ID, ext);
    }
    snprintf(fx.path, sizeof fx.path, "%s/%s", fx.dir, fx.name);
    cr_assert_eq(quire_read_file(&fx.orig, fx.path), QUIRE_OK, "%s", quire_errmsg());
    const size_t len = fx.orig.len;
    uint8_t *buf = malloc(len + 1);
    char what[128];

    /* the undamaged index reads back and verifies */
    {
        quire_index *ix = NULL;
        cr_assert_eq(quire_index_open(&ix, fx.dir, NULL), QUIRE_OK, "%s", quire_errmsg());
        char why[512] = "";
        int rc = sm_compare(fx.model, quire_index_segment(ix, 0), why, sizeof why);
        cr_assert_eq(rc, QUIRE_OK, "%s", rc == SM_DIFFERENT ? why : quire_errmsg());
        report r = {0, false, "", fx.name};
        cr_assert_eq(quire_segment_verify(quire_index_segment(ix, 0), collect, &r), QUIRE_OK, "%s",
                     r.first);
        quire_index_close(ix);
    }

    /* cuts: every length for a small file; else the first and last 300 bytes whole and
     * 300 seeded points between */
    uint64_t rng = 0xC0FFEE ^ len;
    for (size_t i = 0; i < len; i++) {
        size_t cut = i;
        if (len > 900 && i >= 300 && i < len - 300) {
            if (i >= 600)
                continue;
            cut = 300 + (size_t)(sm_rng(&rng) % (len - 600));
        }
        write_file(fx.path, fx.orig.data, cut);
        snprintf(what, sizeof what, "%s cut to %zu of %zu bytes", fx.name, cut, len);
        check_damage(&fx, what, cut, len);
    }
    /* one byte too many */
    memcpy(buf, fx.orig.data, len);
    buf[len] = 0;
    write_file(fx.path, buf, len + 1);
    snprintf(what, sizeof what, "%s with a byte appended", fx.name);
    check_damage(&fx, what, len, len + 1);

    /* flips: 400 seeded single bytes (any value), and the header and footer bit by bit */
    for (int k = 0; k < 400; k++) {
        memcpy(buf, fx.orig.data, len);
        size_t at = (size_t)(sm_rng(&rng) % len);
        uint8_t x = (uint8_t)(1 + sm_rng(&rng) % 255);
        buf[at] ^= x;
        write_file(fx.path, buf, len);
        snprintf(what, sizeof what, "%s byte %zu of %zu ^= 0x%02x", fx.name, at, len, x);
        check_damage(&fx, what, at, at + 1);
    }
    for (size_t at = 0; at < len; at++) {
        if (at >= 24 && at + 40 < len && at % 97 != 0)
            continue;
        memcpy(buf, fx.orig.data, len);
        buf[at] ^= (uint8_t)(1u << (at % 8));
        write_file(fx.path, buf, len);
        snprintf(what, sizeof what, "%s bit %zu of byte %zu", fx.name, at % 8, at);
        check_damage(&fx, what, at, at + 1);
    }
    write_file(fx.path, fx.orig.data, len);
    cr_log_info("%s: %llu damages: %llu refused at open, %llu by a read, %llu by verify", fx.name,
                (unsigned long long)fx.checked, (unsigned long long)fx.at_open,
                (unsigned long long)fx.on_read, (unsigned long long)fx.by_verify);
    cr_expect_eq(fx.at_open + fx.on_read + fx.by_verify, fx.checked);
    free(buf);
    remove_index(&fx);
}

Test(corruption, damaged_term_dictionary_is_refused, .timeout = 120)
{
    damage_file("ter");
}

Test(corruption, damaged_postings_are_refused, .timeout = 120)
{
    damage_file("doc");
}

Test(corruption, damaged_positions_are_refused, .timeout = 120)
{
    damage_file("pos");
}

Test(corruption, damaged_document_lengths_are_refused, .timeout = 120)
{
    damage_file("len");
}

Test(corruption, damaged_document_metadata_is_refused, .timeout = 120)
{
    damage_file("dmd");
}

Test(corruption, damaged_stored_text_is_refused, .timeout = 120)
{
    damage_file("sto");
}

Test(corruption, damaged_manifest_is_refused, .timeout = 120)
{
    damage_file("manifest");
}
