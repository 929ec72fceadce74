/*
 * test_lib_same_index.c - documents given to libquire's writer from memory make the same
 * index, byte for byte, as quire-index's run over the files they came from: the writer
 * goes through the indexer's own pipeline (lib/writer.c), which is what lets the programs
 * become thin clients of the library without changing their output. The documents are
 * read with the indexer's source reader (indexer/source.h) and handed over with their
 * origin and line, as an ingest library will. One difference is expected and checked:
 * quire_document has no place for where a plain file's text starts (column and byte
 * offset, .dmd format 3, issue #10), so in .dmd those two fields are 0 for the API's
 * documents where quire-index's have them; every other byte of every file is the same.
 */
#include <quire/quire.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "quire/date.h"
#include "quire/fileio.h"
#include "quire/index.h"
#include "quire/segment.h"
#include "source.h"

static void rm_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of dir's files but LOCK (it holds the writer's pid). */
static size_t list_files(const char *dir, char **names, size_t cap)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s", dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "LOCK") == 0)
            continue;
        cr_assert_lt(n, cap);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    return n;
}

static void expect_same_files(const char *a, const char *b, bool with_dmd)
{
    char *na[64], *nb[64];
    const size_t ca = list_files(a, na, 64), cb = list_files(b, nb, 64);
    cr_assert_eq(ca, cb, "%zu files against %zu", ca, cb);
    cr_assert_gt(ca, 7);
    for (size_t i = 0; i < ca; i++) {
        cr_assert_str_eq(na[i], nb[i]);
        char pa[900], pb[900];
        snprintf(pa, sizeof pa, "%s/%s", a, na[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, nb[i]);
        quire_buf x = QUIRE_BUF_INIT, y = QUIRE_BUF_INIT;
        cr_assert_eq(quire_read_file(&x, pa), QUIRE_OK);
        cr_assert_eq(quire_read_file(&y, pb), QUIRE_OK);
        const size_t n = strlen(na[i]);
        if (with_dmd || n < 4 || strcmp(na[i] + n - 4, ".dmd") != 0) /* else see below */
            cr_expect(x.len == y.len && memcmp(x.data, y.data, x.len) == 0, "%s differs", na[i]);
        quire_buf_free(&x);
        quire_buf_free(&y);
        free(na[i]);
        free(nb[i]);
    }
}

/* Every document's metadata the same but for the plain files' src_column and src_offset,
 * which the API cannot give (the line it can: `line`). */
static void expect_same_documents(const char *a, const char *b)
{
    quire_index *ia = NULL, *ib = NULL;
    cr_assert_eq(quire_index_open(&ia, a, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_open(&ib, b, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_segment_count(ia), quire_index_segment_count(ib));
    uint32_t plain = 0;
    for (uint32_t s = 0; s < quire_index_segment_count(ia); s++) {
        const quire_segment *sa = quire_index_segment(ia, s), *sb = quire_index_segment(ib, s);
        const uint32_t n = quire_segment_get_stats(sa)->doc_count;
        cr_assert_eq(quire_segment_get_stats(sb)->doc_count, n);
        for (uint32_t d = 0; d < n; d++) {
            quire_doc_info x, y;
            cr_assert_eq(quire_segment_doc_info(sa, d, &x), QUIRE_OK, "%s", quire_errmsg());
            cr_assert_eq(quire_segment_doc_info(sb, d, &y), QUIRE_OK, "%s", quire_errmsg());
#define SAME_BYTES(f) (x.f.len == y.f.len && memcmp(x.f.ptr, y.f.ptr, x.f.len) == 0)
            cr_expect(SAME_BYTES(external_id) && SAME_BYTES(title) && SAME_BYTES(origin), "doc %u",
                      d);
#undef SAME_BYTES
            cr_expect(x.date == y.date && x.text_off == y.text_off && x.text_len == y.text_len &&
                          x.doc_len == y.doc_len && x.title_len == y.title_len,
                      "doc %u", d);
            cr_expect_eq(x.src_line, y.src_line, "doc %u", d);
            cr_expect_eq(y.src_column, 0, "doc %u", d);
            cr_expect_eq(y.src_offset_plus1, 0, "doc %u", d);
            plain += x.src_column > 0;
            if (x.src_column == 0)
                cr_expect_eq(x.src_offset_plus1, 0, "doc %u", d);
        }
    }
    cr_expect_gt(plain, 5, "the plain files' documents have their column in quire-index's");
    quire_index_close(ia);
    quire_index_close(ib);
}

Test(lib_same_index, writer_from_memory_equals_quire_index_on_the_files)
{
    const char *src_dir = getenv("QUIRE_SOURCE_DIR");
    cr_assert_not_null(src_dir, "run through ctest");
    char inputs[4][512];
    snprintf(inputs[0], sizeof inputs[0], "%s/tests/data/000_9f4ac158bb6fb716.txt", src_dir);
    snprintf(inputs[1], sizeof inputs[1], "%s/tests/data/inputs/docs.jsonl", src_dir);
    snprintf(inputs[2], sizeof inputs[2], "%s/tests/data/inputs/sample.trec", src_dir);
    snprintf(inputs[3], sizeof inputs[3], "%s/tests/data", src_dir);
    const char *in[4] = {inputs[0], inputs[1], inputs[2], inputs[3]};
    char root[] = "/tmp/quire-same-XXXXXX";
    cr_assert_not_null(mkdtemp(root));
    char by_cli[600], by_api[600];
    snprintf(by_cli, sizeof by_cli, "%s/cli", root);
    snprintf(by_api, sizeof by_api, "%s/api", root);

    /* quire-index's way: indexer_run over the paths (the same file twice: replaces) */
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = by_cli;
    o.inputs = in;
    o.input_count = 4;
    o.keep_diacritics = -1;
    o.zlib_level = -1;
    o.threads = 2;
    indexer_summary sum;
    cr_assert_eq(indexer_run(&o, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_gt(sum.docs_added, 5);

    /* libquire's way: the same documents, read by the source, added from memory */
    quire_writer *w = NULL;
    quire_writer_options wo = QUIRE_WRITER_OPTIONS_INIT;
    wo.threads = 2;
    cr_assert_eq(quire_writer_open(&w, by_api, &wo), QUIRE_OK, "%s", quire_errmsg());
    source *s = NULL;
    const source_opts so = {.max_doc_bytes = indexer_max_doc_bytes(&o)};
    cr_assert_eq(source_open(&s, in, 4, &so), QUIRE_OK, "%s", quire_errmsg());
    source_doc d;
    int rc;
    uint64_t added = 0;
    while ((rc = source_next(s, &d)) == QUIRE_OK) {
        char day[11];
        quire_document qd = QUIRE_DOCUMENT_INIT;
        qd.id = d.external_id;
        qd.id_len = d.external_id_len;
        qd.title = d.title;
        qd.title_len = d.title_len;
        if (d.date != QUIRE_NO_DATE) {
            quire_date_format(d.date, day);
            qd.date = day;
        }
        qd.text = d.text;
        qd.text_len = d.text_len;
        qd.origin = d.origin;
        qd.line = d.text_line ? d.text_line : d.line; /* a plain file's: where its text starts */
        cr_assert_eq(quire_writer_add(w, &qd), QUIRE_OK, "%s", quire_errmsg());
        added++;
    }
    cr_assert_eq(rc, 1, "%s", quire_errmsg());
    source_close(s);
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_commit(w, &info), QUIRE_OK, "%s", quire_errmsg());
    quire_writer_close(w);
    cr_expect_eq(info.docs_added, sum.docs_added);
    cr_expect_eq(info.docs_replaced, sum.docs_replaced);
    cr_expect_eq(info.tokens, sum.tokens);
    cr_expect_eq(added, sum.docs_added);

    expect_same_files(by_cli, by_api, false); /* .dmd: expect_same_documents */
    expect_same_documents(by_cli, by_api);
    rm_tree(root);
}

/* The same paths given to quire_writer_add_files(): read by the same ingest library at the
 * commit, with where each plain file's text starts, so every byte of every file is the
 * same, .dmd too. */
Test(lib_same_index, writer_add_files_equals_quire_index_byte_for_byte)
{
    const char *src_dir = getenv("QUIRE_SOURCE_DIR");
    cr_assert_not_null(src_dir, "run through ctest");
    char inputs[4][512];
    snprintf(inputs[0], sizeof inputs[0], "%s/tests/data/000_9f4ac158bb6fb716.txt", src_dir);
    snprintf(inputs[1], sizeof inputs[1], "%s/tests/data/inputs/docs.jsonl", src_dir);
    snprintf(inputs[2], sizeof inputs[2], "%s/tests/data/inputs/sample.trec", src_dir);
    snprintf(inputs[3], sizeof inputs[3], "%s/tests/data", src_dir);
    const char *in[4] = {inputs[0], inputs[1], inputs[2], inputs[3]};
    char root[] = "/tmp/quire-same-XXXXXX";
    cr_assert_not_null(mkdtemp(root));
    char by_cli[600], by_api[600];
    snprintf(by_cli, sizeof by_cli, "%s/cli", root);
    snprintf(by_api, sizeof by_api, "%s/api", root);

    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = by_cli;
    o.inputs = in;
    o.input_count = 4;
    o.keep_diacritics = -1;
    o.zlib_level = -1;
    o.threads = 2;
    indexer_summary sum;
    cr_assert_eq(indexer_run(&o, &sum), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_gt(sum.docs_added, 5);

    quire_writer *w = NULL;
    quire_writer_options wo = QUIRE_WRITER_OPTIONS_INIT;
    wo.threads = 2;
    cr_assert_eq(quire_writer_open(&w, by_api, &wo), QUIRE_OK, "%s", quire_errmsg());
    /* in two calls: the order of the documents is the order of the paths either way */
    cr_assert_eq(quire_writer_add_files(w, in, 1, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_writer_add_files(w, in + 1, 3, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_commit(w, &info), QUIRE_OK, "%s", quire_errmsg());
    quire_writer_close(w);
    cr_expect_eq(info.docs_added, sum.docs_added);
    cr_expect_eq(info.docs_replaced, sum.docs_replaced);
    cr_expect_eq(info.tokens, sum.tokens);

    expect_same_files(by_cli, by_api, true);
    rm_tree(root);
}
