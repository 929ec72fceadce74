/*
 * test_format_versions.c - format version 3 (FORMAT.md "Versions": .dmd records say where
 * a document's text lies in its source file) read and written, and version 2 still read:
 * tests/format/golden-v2 is an index written by format version 2 (commit 22bbed9, before
 * version 3: `quire-index golden-v2 in/a.txt in/docs.jsonl`, then `quire-index --delete j3
 * golden-v2`; in/a.txt a plain file, in/docs.jsonl records j1 j2 j3). It is searched and
 * shown as it is, verified, appended to by a version-3 run (one index of both versions),
 * and merged by --optimize into one version-3 segment, the old documents keeping no source
 * position and the new one its own.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"
#include "query.h"
#include "quire/bytes.h"
#include "quire/fileio.h"
#include "quire/index.h"
#include "quire/segment.h"

static char tmp_root[256];

static void setup_tmp(void)
{
    snprintf(tmp_root, sizeof tmp_root, "/tmp/quire-test-versions-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp_root), "mkdtemp: %s", strerror(errno));
}

static void teardown_tmp(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    cr_expect_eq(system(cmd), 0);
}

static const char *golden(void)
{
    static char path[1024];
    const char *src = getenv("QUIRE_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/format/golden-v2", src && *src ? src : ".");
    if (access(path, R_OK) != 0)
        cr_skip_test("no %s (QUIRE_SOURCE_DIR)", path);
    return path;
}

/* The format version in the header of seg-<id>.<ext> of dir. */
static uint32_t file_version(const char *dir, uint64_t id, const char *ext)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/seg-%08llx.%s", dir, (unsigned long long)id, ext);
    quire_buf b = QUIRE_BUF_INIT;
    cr_assert_eq(quire_read_file(&b, path), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_geq(b.len, 12);
    const uint32_t v = quire_load_le32(b.data + 8);
    quire_buf_free(&b);
    return v;
}

static uint64_t count(const char *dir, const char *q)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.top_k = 0;
    search_result r;
    cr_assert_eq(search_run(&r, dir, &o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    const uint64_t n = r.match_count;
    search_result_free(&r);
    return n;
}

static search_marked_doc show(const char *dir, const char *id)
{
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, dir), QUIRE_OK, "%s", quire_errmsg());
    search_marked_doc d;
    cr_assert_eq(search_get_marked_doc(&d, s, id, strlen(id), NULL), QUIRE_OK, "%s: %s", id,
                 quire_errmsg());
    search_close(s);
    return d;
}

static int run(const char *dir, const char *input, bool optimize)
{
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = dir;
    o.inputs = &input;
    o.input_count = input ? 1 : 0;
    o.keep_diacritics = -1;
    o.zlib_level = -1;
    o.threads = 1;
    o.optimize = optimize;
    indexer_summary sum;
    return indexer_run(&o, &sum);
}

static void no_report(void *ctx, const char *line)
{
    (void)ctx;
    cr_expect(false, "--verify: %s", line);
}

static void expect_old_documents(const char *dir)
{
    cr_expect_eq(count(dir, "golden first"), 1);          /* j1 */
    cr_expect_eq(count(dir, "\"more golden words\""), 1); /* j2 */
    cr_expect_eq(count(dir, "deleted"), 0);
    cr_expect_eq(count(dir, "\"old plain document\""), 1);
    search_marked_doc d = show(dir, "j1");
    cr_expect_str_eq(d.title, "First record");
    cr_expect_str_eq(d.text, "golden words of the first record");
    cr_expect_eq(d.source.line, 0, "version 2 records say nothing of their source");
    cr_expect_eq(d.source.column, 0);
    cr_expect_eq(d.source.offset, UINT64_MAX);
    search_marked_doc_free(&d);
    d = show(dir, "in/a.txt"); /* indexed by version 2: its title out of the text */
    cr_expect_str_eq(d.title, "Old index headline");
    cr_expect(strncmp(d.text, "The text of an old plain document", 33) == 0, "%s", d.text);
    cr_expect_eq(d.source.line, 0);
    search_marked_doc_free(&d);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, dir), QUIRE_OK, "%s", quire_errmsg());
    search_marked_doc gone;
    cr_expect_eq(search_get_marked_doc(&gone, s, "j3", 2, NULL), QUIRE_ENOTFOUND,
                 "a deleted document is not shown");
    search_close(s);
}

Test(versions, a_version_2_index_is_read_appended_to_and_merged_into_version_3, .init = setup_tmp,
     .fini = teardown_tmp)
{
    char dir[512], cmd[2048];
    snprintf(dir, sizeof dir, "%s/idx", tmp_root);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s'", golden(), dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert_eq(file_version(dir, 1, "dmd"), 2, "the golden index is not of version 2");

    /* read as it is */
    cr_expect_eq(count(dir, "golden"), 2); /* j1, j2; j3 deleted */
    expect_old_documents(dir);
    cr_expect_eq(indexer_verify(dir, no_report, NULL), QUIRE_OK, "%s", quire_errmsg());

    /* a version-3 run beside it: a plain file whose text starts on line 3, column 3 */
    char in[600];
    snprintf(in, sizeof in, "%s/new.txt", tmp_root);
    FILE *f = fopen(in, "w");
    cr_assert_not_null(f);
    fputs("date 2024-05-06\n\n  New headline\n\nNew golden text.\n", f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(run(dir, in, false), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(file_version(dir, 2, "dmd"), QUIRE_FORMAT_VERSION);
    cr_expect_eq(file_version(dir, 1, "dmd"), 2, "the old segment is left as it is");
    expect_old_documents(dir);
    cr_expect_eq(count(dir, "golden"), 3);
    search_marked_doc d = show(dir, in);
    cr_expect_str_eq(d.title, "New headline");
    cr_expect_str_eq(d.text, "New headline\n\nNew golden text.");
    cr_expect_eq(d.source.line, 3);
    cr_expect_eq(d.source.column, 3);
    cr_expect_eq(d.source.offset, 19);
    search_marked_doc_free(&d);
    cr_expect_eq(indexer_verify(dir, no_report, NULL), QUIRE_OK, "%s", quire_errmsg());

    /* --optimize rewrites both into one segment of version 3, positions kept */
    cr_assert_eq(run(dir, NULL, true), QUIRE_OK, "%s", quire_errmsg());
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_segment_count(ix), 1);
    const uint64_t id = quire_segment_id(quire_index_segment(ix, 0));
    quire_index_close(ix);
    cr_expect_eq(file_version(dir, id, "dmd"), QUIRE_FORMAT_VERSION);
    expect_old_documents(dir);
    d = show(dir, in);
    cr_expect_eq(d.source.line, 3);
    cr_expect_eq(d.source.column, 3);
    cr_expect_eq(d.source.offset, 19);
    search_marked_doc_free(&d);
    cr_expect_eq(indexer_verify(dir, no_report, NULL), QUIRE_OK, "%s", quire_errmsg());
}

/* A damaged version field of a version-3 .dmd never makes its records read the old way:
 * each group's checksum starts with the version (FORMAT.md ".dmd"). */
Test(versions, a_dmd_that_claims_another_version_is_refused, .init = setup_tmp,
     .fini = teardown_tmp)
{
    char dir[512], in[600];
    snprintf(dir, sizeof dir, "%s/idx", tmp_root);
    snprintf(in, sizeof in, "%s/a.txt", tmp_root);
    FILE *f = fopen(in, "w");
    cr_assert_not_null(f);
    fputs("Headline\n\nSome text here.\n", f);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(run(dir, in, false), QUIRE_OK, "%s", quire_errmsg());
    char path[700];
    snprintf(path, sizeof path, "%s/seg-00000001.dmd", dir);
    for (uint32_t v = 1; v < QUIRE_FORMAT_VERSION; v++) {
        quire_buf b = QUIRE_BUF_INIT;
        cr_assert_eq(quire_read_file(&b, path), QUIRE_OK);
        const uint32_t was = quire_load_le32(b.data + 8);
        quire_store_le32(b.data + 8, v);
        FILE *o = fopen(path, "wb");
        cr_assert_not_null(o);
        cr_assert_eq(fwrite(b.data, 1, b.len, o), b.len);
        cr_assert_eq(fclose(o), 0);
        quire_segment *seg = NULL;
        cr_assert_eq(quire_segment_open(&seg, dir, 1), QUIRE_OK, "%s", quire_errmsg());
        quire_doc_info info;
        cr_expect_eq(quire_segment_doc_info(seg, 0, &info), QUIRE_ECORRUPT, "read as version %u",
                     v);
        quire_segment_close(seg);
        quire_store_le32(b.data + 8, was);
        o = fopen(path, "wb");
        cr_assert_not_null(o);
        cr_assert_eq(fwrite(b.data, 1, b.len, o), b.len);
        cr_assert_eq(fclose(o), 0);
        quire_buf_free(&b);
    }
}
