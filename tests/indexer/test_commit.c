/*
 * test_commit.c - commits after a damaged newest manifest: the next run opens the last
 * good generation, commits above every manifest file (never over the damaged one), and
 * the result holds the good generation's documents plus the new ones.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"
#include "quire/index.h"
#include "quire/manifest.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static void run_index(const char *dir, const char *input)
{
    const char *inputs[1] = {input};
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = dir;
    o.inputs = inputs;
    o.input_count = 1;
    o.keep_diacritics = -1;
    o.zlib_level = -1;
    o.threads = 1;
    indexer_summary sum;
    cr_assert_eq(indexer_run(&o, &sum), QUIRE_OK, "%s", quire_errmsg());
}

Test(commit, damaged_newest_manifest_is_never_overwritten)
{
    char root[] = "/tmp/quire-commit-XXXXXX";
    cr_assert(mkdtemp(root));
    char dir[300], in1[300], in2[300], in3[300], m2[400];
    snprintf(dir, sizeof dir, "%s/idx", root);
    snprintf(in1, sizeof in1, "%s/1.jsonl", root);
    snprintf(in2, sizeof in2, "%s/2.jsonl", root);
    snprintf(in3, sizeof in3, "%s/3.jsonl", root);
    write_file(in1, "{\"id\":\"a\",\"text\":\"alpha one\"}\n");
    write_file(in2, "{\"id\":\"b\",\"text\":\"beta two\"}\n");
    write_file(in3, "{\"id\":\"c\",\"text\":\"gamma three\"}\n");
    run_index(dir, in1);
    run_index(dir, in2);

    /* damage generation 2 */
    snprintf(m2, sizeof m2, "%s/manifest-%016x", dir, 2);
    FILE *f = fopen(m2, "r+b");
    cr_assert(f, "%s", m2);
    fseek(f, 30, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 30, SEEK_SET);
    fputc(c ^ 0x5a, f);
    fclose(f);

    quire_index *ix;
    bool fell_back = false;
    cr_assert_eq(quire_index_open(&ix, dir, &fell_back), QUIRE_OK, "%s", quire_errmsg());
    cr_expect(fell_back);
    cr_expect_eq(quire_index_manifest(ix)->generation, 1);
    quire_index_close(ix);

    run_index(dir, in3);
    uint64_t highest;
    cr_assert_eq(quire_manifest_highest_generation(dir, &highest), QUIRE_OK);
    cr_expect_eq(highest, 3, "the new commit is numbered above the damaged one");
    cr_assert_eq(quire_index_open(&ix, dir, &fell_back), QUIRE_OK, "%s", quire_errmsg());
    cr_expect(!fell_back);
    cr_expect_eq(quire_index_manifest(ix)->generation, 3);
    /* generation 1's document and the new one; the damaged commit's document is gone */
    cr_expect_eq(quire_index_doc_count(ix), 2);
    quire_index_close(ix);

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    cr_expect_eq(system(cmd), 0);
}
