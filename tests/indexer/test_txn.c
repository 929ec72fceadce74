/*
 * test_txn.c - the writer's transaction (indexer/txn.c): one lock per index, a dry run
 * that writes nothing, the removal of an interrupted run's files and of an aborted
 * transaction's segments, and a commit that readers then see.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "indexer.h"
#include "quire/index.h"
#include "quire/manifest.h"
#include "txn.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void index_one(const char *dir, const char *input)
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

Test(txn, one_lock_per_index)
{
    char root[] = "/tmp/quire-txn-XXXXXX";
    cr_assert(mkdtemp(root));
    char dir[300];
    snprintf(dir, sizeof dir, "%s/idx", root);
    txn a, b;
    cr_assert_eq(txn_begin(&a, dir, TXN_LOCK), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_not(a.have_base);
    cr_expect_eq(a.next_segment_id, 1);
    cr_expect_eq(txn_begin(&b, dir, TXN_LOCK), QUIRE_ELOCKED);
    txn_end(&b);
    /* the holder's own runs say they hold it */
    cr_expect_eq(txn_begin(&b, dir, TXN_LOCK_HELD), QUIRE_OK, "%s", quire_errmsg());
    txn_end(&b);
    txn_end(&a);
    cr_expect_eq(txn_begin(&b, dir, TXN_LOCK), QUIRE_OK, "%s", quire_errmsg());
    txn_end(&b);
}

Test(txn, read_only_creates_nothing)
{
    char root[] = "/tmp/quire-txn-XXXXXX";
    cr_assert(mkdtemp(root));
    char dir[300];
    snprintf(dir, sizeof dir, "%s/idx", root);
    txn t;
    cr_assert_eq(txn_begin(&t, dir, TXN_READ_ONLY), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_not(t.have_base);
    txn_cleanup(&t);
    txn_end(&t);
    cr_expect_not(exists(dir), "a dry run made the index directory");
    rmdir(root);
}

Test(txn, cleanup_removes_an_interrupted_runs_files_and_abort_the_created)
{
    char root[] = "/tmp/quire-txn-XXXXXX";
    cr_assert(mkdtemp(root));
    char dir[300], in[300], stray[400], made[400], kept[400];
    snprintf(dir, sizeof dir, "%s/idx", root);
    snprintf(in, sizeof in, "%s/1.jsonl", root);
    write_file(in, "{\"id\":\"a\",\"text\":\"alpha one\"}\n");
    index_one(dir, in);

    txn t;
    cr_assert_eq(txn_begin(&t, dir, TXN_LOCK), QUIRE_OK, "%s", quire_errmsg());
    cr_assert(t.have_base);
    cr_expect_eq(t.base.generation, 1);
    cr_assert_eq(t.base.segment_count, 1);
    snprintf(kept, sizeof kept, "%s/seg-%08llx.doc", dir,
             (unsigned long long)t.base.segments[0].id);
    cr_assert(exists(kept), "%s", kept);
    const uint64_t first = t.next_segment_id;
    /* what a killed run leaves: a segment no manifest lists */
    snprintf(stray, sizeof stray, "%s/seg-%08llx.doc", dir, (unsigned long long)first + 5);
    write_file(stray, "half a segment");
    txn_cleanup(&t);
    cr_expect_not(exists(stray), "cleanup left %s", stray);
    cr_expect(exists(kept), "cleanup removed the committed %s", kept);

    const uint64_t id = txn_segment_id(&t);
    cr_expect_eq(id, first);
    cr_expect_eq(txn_segment_id(&t), first + 1, "ids are not handed out twice");
    snprintf(made, sizeof made, "%s/seg-%08llx.pos", dir, (unsigned long long)id);
    write_file(made, "a merge's output");
    cr_assert_eq(txn_created(&t, id), QUIRE_OK);
    txn_abort(&t);
    cr_expect_not(exists(made), "abort left %s", made);
    cr_expect(exists(kept));
    uint64_t gen = 0;
    cr_expect_eq(txn_next_generation(&t, &gen), QUIRE_OK);
    cr_expect_eq(gen, 2);
    txn_end(&t);

    /* the index is as it was */
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_index_manifest(ix)->generation, 1);
    quire_index_close(ix);
}

Test(txn, commit_is_what_readers_then_see)
{
    char root[] = "/tmp/quire-txn-XXXXXX";
    cr_assert(mkdtemp(root));
    char dir[300], in[300];
    snprintf(dir, sizeof dir, "%s/idx", root);
    snprintf(in, sizeof in, "%s/1.jsonl", root);
    write_file(in, "{\"id\":\"a\",\"text\":\"alpha one\"}\n");
    index_one(dir, in);

    /* commit generation 2 holding no segment (what deleting every document gives) */
    txn t;
    cr_assert_eq(txn_begin(&t, dir, TXN_LOCK), QUIRE_OK, "%s", quire_errmsg());
    quire_manifest next = t.base;
    cr_assert_eq(txn_next_generation(&t, &next.generation), QUIRE_OK);
    next.segment_count = 0;
    next.next_segment_id = t.next_segment_id;
    cr_assert_eq(txn_commit(&t, &next), QUIRE_OK, "%s", quire_errmsg());
    txn_end(&t);

    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_index_manifest(ix)->generation, 2);
    cr_expect_eq(quire_index_segment_count(ix), 0);
    quire_index_close(ix);
}
