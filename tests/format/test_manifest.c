/*
 * test_manifest.c - manifests, commits and the writer lock: commit / read_latest round
 * trips; the newest good generation wins and a damaged newest one (flipped byte, cut,
 * empty) falls back to the previous with a message naming it; nothing readable is
 * QUIRE_ECORRUPT, nothing at all QUIRE_ENOTFOUND; failed allocations are QUIRE_ENOMEM;
 * cleanup removes exactly what no kept generation needs; the lock keeps a second process
 * out and names the holder; quire_index_open opens what was committed.
 */
#include "quire/manifest.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quire/index.h"
#include "segment_model.h"

static char *make_dir(void)
{
    char *dir = strdup("/tmp/quire-manifest-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

/* rm -r of a test's directory (two levels are enough here). */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[1024];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (unlink(path) != 0)
                remove_tree(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void touch(const char *dir, const char *name)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs("x", f);
    fclose(f);
}

static bool exists(const char *dir, const char *name)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static void manifest_name(char *out, size_t cap, uint64_t gen)
{
    snprintf(out, cap, "manifest-%016llx", (unsigned long long)gen);
}

/* A manifest of generation `gen` naming segments `ids` (doc counts made up). */
static quire_manifest make_manifest(uint64_t gen, const uint64_t *ids, uint32_t n)
{
    quire_manifest m;
    memset(&m, 0, sizeof m);
    m.generation = gen;
    m.next_segment_id = n ? ids[n - 1] + 1 : 1;
    m.analyzer_id = strdup("std-v1/english");
    m.language = strdup("english");
    m.keep_diacritics = gen % 2 == 1;
    m.segment_count = n;
    m.segments = calloc(n + 1, sizeof *m.segments);
    for (uint32_t i = 0; i < n; i++) {
        m.segments[i].id = ids[i];
        m.segments[i].doc_count = 100 + (uint32_t)ids[i];
        m.segments[i].total_tokens = 5000 + ids[i];
        m.segments[i].deleted_count = (uint32_t)i;
        m.segments[i].deleted_tokens = i * 10;
        m.segments[i].deletes_gen = i ? gen : 0;
    }
    return m;
}

static void free_made(quire_manifest *m)
{
    free(m->analyzer_id);
    free(m->language);
    free(m->segments);
}

static void expect_same(const quire_manifest *a, const quire_manifest *b)
{
    cr_expect_eq(a->generation, b->generation);
    cr_expect_eq(a->next_segment_id, b->next_segment_id);
    cr_expect_str_eq(a->analyzer_id, b->analyzer_id);
    cr_expect_str_eq(a->language, b->language);
    cr_expect_eq(a->keep_diacritics, b->keep_diacritics);
    cr_assert_eq(a->segment_count, b->segment_count);
    for (uint32_t i = 0; i < a->segment_count; i++)
        cr_expect_eq(memcmp(&a->segments[i], &b->segments[i], sizeof a->segments[i]), 0,
                     "segment %u", i);
}

static void commit_gen(const char *dir, uint64_t gen, const uint64_t *ids, uint32_t n)
{
    quire_manifest m = make_manifest(gen, ids, n);
    cr_assert_eq(quire_manifest_commit(dir, &m), QUIRE_OK, "%s", quire_errmsg());
    free_made(&m);
}

static quire_buf read_manifest_file(const char *dir, uint64_t gen)
{
    char name[64], path[2200];
    manifest_name(name, sizeof name, gen);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    quire_buf b = QUIRE_BUF_INIT;
    cr_assert_eq(quire_read_file(&b, path), QUIRE_OK, "%s", quire_errmsg());
    return b;
}

static void write_manifest_file(const char *dir, uint64_t gen, const uint8_t *p, size_t len)
{
    char name[64], path[2200];
    manifest_name(name, sizeof name, gen);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(p, 1, len, f), len);
    fclose(f);
}

Test(manifest, reads_back_what_was_committed)
{
    char *dir = make_dir();
    const uint64_t ids[] = {1, 4, 9};
    quire_manifest m = make_manifest(1, ids, 3);
    cr_assert_eq(quire_manifest_commit(dir, &m), QUIRE_OK, "%s", quire_errmsg());
    cr_expect(exists(dir, "manifest-0000000000000001"));
    cr_expect(!exists(dir, "manifest-0000000000000001.tmp"));
    quire_manifest got;
    uint32_t skipped = 7;
    cr_assert_eq(quire_manifest_read_latest(&got, dir, &skipped), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(skipped, 0);
    expect_same(&got, &m);

    quire_manifest copy;
    cr_assert_eq(quire_manifest_copy(&copy, &got), QUIRE_OK);
    expect_same(&copy, &m);
    quire_manifest_free(&copy);
    quire_manifest_free(&got);
    cr_expect_null(got.segments); /* free clears */
    free_made(&m);
    remove_tree(dir);
    free(dir);
}

Test(manifest, newest_generation_wins)
{
    char *dir = make_dir();
    const uint64_t ids[] = {1, 2, 3};
    for (uint64_t g = 1; g <= 3; g++)
        commit_gen(dir, g, ids, (uint32_t)g);
    commit_gen(dir, 0x1234567890, ids, 1);
    touch(dir, "manifest-0000001234567891.tmp"); /* an interrupted commit */
    touch(dir, "manifest-zz");
    quire_manifest got;
    uint32_t skipped;
    cr_assert_eq(quire_manifest_read_latest(&got, dir, &skipped), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(got.generation, 0x1234567890);
    cr_expect_eq(got.segment_count, 1);
    cr_expect_eq(skipped, 0);
    quire_manifest_free(&got);
    remove_tree(dir);
    free(dir);
}

typedef enum damage { FLIP_FIRST, FLIP_MIDDLE, FLIP_LAST, CUT, EMPTY, WRONG_GEN } damage;

static void damage_newest(const char *dir, uint64_t gen, damage how)
{
    quire_buf b = read_manifest_file(dir, gen);
    switch (how) {
    case FLIP_FIRST:
        b.data[0] ^= 0x20;
        break;
    case FLIP_MIDDLE:
        b.data[b.len / 2] ^= 0x01;
        break;
    case FLIP_LAST:
        b.data[b.len - 1] ^= 0x80;
        break;
    case CUT:
        b.len -= 5;
        break;
    case EMPTY:
        b.len = 0;
        break;
    case WRONG_GEN: { /* a good manifest of another generation, under this name */
        quire_buf_free(&b);
        b = read_manifest_file(dir, gen - 1);
        break;
    }
    }
    write_manifest_file(dir, gen, b.data, b.len);
    quire_buf_free(&b);
}

Test(manifest, damaged_newest_falls_back_to_the_previous_generation)
{
    for (damage how = FLIP_FIRST; how <= WRONG_GEN; how++) {
        char *dir = make_dir();
        const uint64_t ids[] = {1, 2};
        commit_gen(dir, 1, ids, 0);
        commit_gen(dir, 2, ids, 0);
        damage_newest(dir, 2, how);
        quire_manifest got;
        uint32_t skipped = 0;
        cr_assert_eq(quire_manifest_read_latest(&got, dir, &skipped), QUIRE_OK, "damage %d: %s",
                     how, quire_errmsg());
        cr_expect_eq(got.generation, 1, "damage %d", how);
        cr_expect_eq(skipped, 1, "damage %d", how);
        cr_expect_not_null(strstr(quire_errmsg(), "manifest-0000000000000002"),
                           "damage %d: message '%s'", how, quire_errmsg());
        quire_manifest_free(&got);

        /* the reader's snapshot says it fell back, and why */
        quire_index *ix = NULL;
        bool fell_back = false;
        cr_assert_eq(quire_index_open(&ix, dir, &fell_back), QUIRE_OK, "%s", quire_errmsg());
        cr_expect(fell_back);
        cr_expect_not_null(strstr(quire_errmsg(), "manifest-0000000000000002"), "%s",
                           quire_errmsg());
        cr_expect_eq(quire_index_manifest(ix)->generation, 1);
        quire_index_close(ix);
        remove_tree(dir);
        free(dir);
    }
}

Test(manifest, only_damaged_manifests_is_corruption)
{
    char *dir = make_dir();
    const uint64_t ids[] = {1};
    commit_gen(dir, 1, ids, 1);
    commit_gen(dir, 2, ids, 1);
    damage_newest(dir, 2, FLIP_MIDDLE);
    damage_newest(dir, 1, CUT);
    quire_manifest got;
    uint32_t skipped = 0;
    cr_expect_eq(quire_manifest_read_latest(&got, dir, &skipped), QUIRE_ECORRUPT);
    cr_expect_eq(skipped, 2);
    cr_expect_not_null(strstr(quire_errmsg(), "no readable manifest"), "%s", quire_errmsg());
    cr_expect_not_null(strstr(quire_errmsg(), "manifest-0000000000000002"), "%s", quire_errmsg());
    quire_index *ix = NULL;
    cr_expect_eq(quire_index_open(&ix, dir, NULL), QUIRE_ECORRUPT);
    cr_expect_null(ix);
    remove_tree(dir);
    free(dir);
}

Test(manifest, no_manifest_is_not_found)
{
    char *dir = make_dir();
    touch(dir, "notes.txt");
    quire_manifest got;
    uint32_t skipped = 3;
    cr_expect_eq(quire_manifest_read_latest(&got, dir, &skipped), QUIRE_ENOTFOUND);
    cr_expect_eq(skipped, 0);
    cr_expect_not_null(strstr(quire_errmsg(), "no manifest"), "%s", quire_errmsg());
    char missing[1024];
    snprintf(missing, sizeof missing, "%s/nowhere", dir);
    cr_expect_eq(quire_manifest_read_latest(&got, missing, NULL), QUIRE_ENOTFOUND);
    quire_index *ix = NULL;
    cr_expect_eq(quire_index_open(&ix, dir, NULL), QUIRE_ENOTFOUND);
    remove_tree(dir);
    free(dir);
}

Test(manifest, every_cut_and_flip_is_refused)
{
    char *dir = make_dir();
    const uint64_t ids[] = {2, 3, 5};
    commit_gen(dir, 1, ids, 3);
    quire_buf b = read_manifest_file(dir, 1);
    quire_manifest got;
    cr_assert_eq(quire_manifest_parse(&got, b.data, b.len, "m"), QUIRE_OK, "%s", quire_errmsg());
    quire_manifest_free(&got);
    for (size_t len = 0; len < b.len; len++) {
        cr_expect_eq(quire_manifest_parse(&got, b.data, len, "m-cut"), QUIRE_ECORRUPT, "cut at %zu",
                     len);
        cr_expect_null(got.segments);
        cr_expect_not_null(strstr(quire_errmsg(), "m-cut"), "%s", quire_errmsg());
    }
    for (size_t i = 0; i < b.len; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            b.data[i] ^= (uint8_t)(1u << bit);
            int rc = quire_manifest_parse(&got, b.data, b.len, "m-flip");
            cr_expect(rc == QUIRE_ECORRUPT, "flip at %zu bit %d: %d", i, bit, rc);
            b.data[i] ^= (uint8_t)(1u << bit);
        }
    quire_buf_free(&b);
    remove_tree(dir);
    free(dir);
}

Test(manifest, a_newer_format_version_is_refused_as_such)
{
    char *dir = make_dir();
    const uint64_t ids[] = {1};
    commit_gen(dir, 1, ids, 1);
    quire_buf b = read_manifest_file(dir, 1);
    quire_store_le32(b.data + 8, QUIRE_FORMAT_VERSION + 1);
    quire_store_le32(b.data + b.len - 4, quire_crc32(0, b.data, b.len - 4));
    quire_manifest got;
    cr_expect_eq(quire_manifest_parse(&got, b.data, b.len, "m"), QUIRE_EVERSION);
    cr_expect_not_null(strstr(quire_errmsg(), "version"), "%s", quire_errmsg());
    quire_buf_free(&b);
    remove_tree(dir);
    free(dir);
}

Test(manifest, failed_allocations_are_out_of_memory_not_corruption)
{
    char *dir = make_dir();
    const uint64_t ids[] = {1, 2};
    commit_gen(dir, 1, ids, 2);
    quire_buf b = read_manifest_file(dir, 1);
    int rc = QUIRE_ENOMEM;
    long n;
    for (n = 1; rc == QUIRE_ENOMEM && n < 100; n++) {
        quire_manifest got;
        quire_alloc_fail_at(n);
        rc = quire_manifest_parse(&got, b.data, b.len, "m");
        quire_alloc_fail_at(0);
        cr_expect(rc == QUIRE_OK || rc == QUIRE_ENOMEM, "failing allocation %ld: %d (%s)", n, rc,
                  quire_errmsg());
        if (rc == QUIRE_OK)
            quire_manifest_free(&got);
    }
    cr_expect_eq(rc, QUIRE_OK);
    cr_expect_gt(n, 3, "parse allocates the two strings and the segments");

    /* read_latest too: never passes a good manifest over for lack of memory */
    rc = QUIRE_ENOMEM;
    for (n = 1; rc == QUIRE_ENOMEM && n < 100; n++) {
        quire_manifest got;
        uint32_t skipped = 0;
        quire_alloc_fail_at(n);
        rc = quire_manifest_read_latest(&got, dir, &skipped);
        quire_alloc_fail_at(0);
        cr_expect(rc == QUIRE_OK || rc == QUIRE_ENOMEM, "failing allocation %ld: %d (%s)", n, rc,
                  quire_errmsg());
        cr_expect_eq(skipped, 0);
        if (rc == QUIRE_OK)
            quire_manifest_free(&got);
    }
    cr_expect_eq(rc, QUIRE_OK);
    quire_buf_free(&b);
    remove_tree(dir);
    free(dir);
}

static const char *const exts[] = {"ter", "doc", "pos", "len", "dmd", "sto"};

static void touch_segment(const char *dir, uint64_t id)
{
    for (int i = 0; i < 6; i++) {
        char name[64];
        snprintf(name, sizeof name, "seg-%08llx.%s", (unsigned long long)id, exts[i]);
        touch(dir, name);
    }
}

static bool segment_exists(const char *dir, uint64_t id)
{
    bool all = true, any = false;
    for (int i = 0; i < 6; i++) {
        char name[64];
        snprintf(name, sizeof name, "seg-%08llx.%s", (unsigned long long)id, exts[i]);
        bool e = exists(dir, name);
        all = all && e;
        any = any || e;
    }
    cr_expect_eq(all, any, "segment %llu partly removed", (unsigned long long)id);
    return all;
}

static const char *const bystanders[] = {"LOCK",
                                         "notes.txt",
                                         "seg-notes.txt",
                                         "seg-00000001.ter.bak",
                                         "seg-00000001.txt",
                                         "manifest-zz",
                                         "manifest-0000000000000003.bak",
                                         "seg-",
                                         "manifest-",
                                         "README"};

Test(manifest, cleanup_keeps_what_current_and_previous_need)
{
    char *dir = make_dir();
    for (uint64_t id = 1; id <= 6; id++)
        touch_segment(dir, id);
    const uint64_t g1[] = {1}, g2[] = {1, 2}, g3[] = {2, 3}, g4[] = {3, 4};
    commit_gen(dir, 1, g1, 1);
    commit_gen(dir, 2, g2, 2);
    commit_gen(dir, 3, g3, 2);
    commit_gen(dir, 4, g4, 2);
    touch(dir, "manifest-0000000000000005.tmp");
    for (size_t i = 0; i < sizeof bystanders / sizeof *bystanders; i++)
        touch(dir, bystanders[i]);
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/seg-00000009.ter", dir); /* a directory: left alone */
    cr_assert_eq(mkdir(sub, 0755), 0);

    quire_manifest cur = make_manifest(4, g4, 2), prev = make_manifest(3, g3, 2);
    uint32_t removed = 0;
    cr_assert_eq(quire_index_cleanup(dir, &cur, &prev, &removed), QUIRE_OK, "%s", quire_errmsg());
    /* segments 1, 5, 6; manifests 1, 2; the .tmp */
    cr_expect_eq(removed, 3 * 6 + 2 + 1);
    cr_expect(!segment_exists(dir, 1));
    cr_expect(segment_exists(dir, 2));
    cr_expect(segment_exists(dir, 3));
    cr_expect(segment_exists(dir, 4));
    cr_expect(!segment_exists(dir, 5));
    cr_expect(!segment_exists(dir, 6));
    cr_expect(!exists(dir, "manifest-0000000000000001"));
    cr_expect(!exists(dir, "manifest-0000000000000002"));
    cr_expect(exists(dir, "manifest-0000000000000003"));
    cr_expect(exists(dir, "manifest-0000000000000004"));
    cr_expect(!exists(dir, "manifest-0000000000000005.tmp"));
    for (size_t i = 0; i < sizeof bystanders / sizeof *bystanders; i++)
        cr_expect(exists(dir, bystanders[i]), "%s was removed", bystanders[i]);
    cr_expect(exists(dir, "seg-00000009.ter"));

    /* without a previous generation only the current one's files stay */
    cr_assert_eq(quire_index_cleanup(dir, &cur, NULL, &removed), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(removed, 6 + 1);
    cr_expect(!segment_exists(dir, 2));
    cr_expect(segment_exists(dir, 3));
    cr_expect(segment_exists(dir, 4));
    cr_expect(!exists(dir, "manifest-0000000000000003"));
    cr_expect(exists(dir, "manifest-0000000000000004"));
    for (size_t i = 0; i < sizeof bystanders / sizeof *bystanders; i++)
        cr_expect(exists(dir, bystanders[i]), "%s was removed", bystanders[i]);
    cr_expect_eq(quire_index_cleanup(dir, &cur, NULL, NULL), QUIRE_OK);

    free_made(&cur);
    free_made(&prev);
    remove_tree(dir);
    free(dir);
}

/* In a child process: try the lock, exit 0 if taken, 1 if ELOCKED with `want` in the
 * message, 2 otherwise. With `hold`, exit while holding it (no release). */
static int try_lock_in_child(const char *dir, const char *want, bool hold)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        quire_lock *l = NULL;
        int rc = quire_lock_acquire(&l, dir);
        if (rc == QUIRE_OK) {
            if (!hold)
                quire_lock_release(l);
            _exit(0);
        }
        _exit(rc == QUIRE_ELOCKED && strstr(quire_errmsg(), want) ? 1 : 2);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

Test(manifest, the_lock_keeps_out_a_second_writer_and_names_the_holder)
{
    char *dir = make_dir();
    quire_lock *l = NULL;
    cr_assert_eq(quire_lock_acquire(&l, dir), QUIRE_OK, "%s", quire_errmsg());
    char pid[32];
    snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
    cr_expect_eq(try_lock_in_child(dir, pid, false), 1, "a second writer got in");
    /* a second open in this process is refused too: the lock is not per process */
    quire_lock *again = NULL;
    cr_expect_eq(quire_lock_acquire(&again, dir), QUIRE_ELOCKED);
    cr_expect_null(again);
    quire_lock_release(l);
    cr_expect_eq(try_lock_in_child(dir, "", false), 0, "released lock still held");
    /* a holder that exits without releasing frees it too */
    cr_expect_eq(try_lock_in_child(dir, "", true), 0);
    cr_assert_eq(quire_lock_acquire(&l, dir), QUIRE_OK, "%s", quire_errmsg());
    quire_lock_release(l);
    quire_lock_release(NULL);
    remove_tree(dir);
    free(dir);
}

Test(manifest, the_lock_creates_missing_directories)
{
    char *dir = make_dir();
    char path[1024];
    snprintf(path, sizeof path, "%s/a/b/idx", dir);
    quire_lock *l = NULL;
    cr_assert_eq(quire_lock_acquire(&l, path), QUIRE_OK, "%s", quire_errmsg());
    cr_expect(exists(path, "LOCK"));
    quire_lock_release(l);
    /* and again, now that they exist; with a trailing slash */
    snprintf(path, sizeof path, "%s/a/b/idx/", dir);
    cr_assert_eq(quire_lock_acquire(&l, path), QUIRE_OK, "%s", quire_errmsg());
    quire_lock_release(l);
    /* a path through a file is an I/O error naming it */
    touch(dir, "file");
    snprintf(path, sizeof path, "%s/file/idx", dir);
    cr_expect_eq(quire_lock_acquire(&l, path), QUIRE_EIO);
    cr_expect_not_null(strstr(quire_errmsg(), "file"), "%s", quire_errmsg());
    remove_tree(dir);
    free(dir);
}

Test(manifest, index_opens_the_committed_segments)
{
    char *dir = make_dir();
    sm_params p1 = {11, 300, 400, 40, UINT32_MAX}, p2 = {12, 77, 300, 30, UINT32_MAX};
    sm_seg *m1 = sm_generate(&p1), *m2 = sm_generate(&p2);
    quire_segment_stats s1, s2;
    sm_write(m1, dir, 3, NULL, 1, &s1);
    sm_write(m2, dir, 5, NULL, 2, &s2);
    quire_manifest m;
    memset(&m, 0, sizeof m);
    m.generation = 1;
    m.next_segment_id = 6;
    m.analyzer_id = "a";
    m.language = "english";
    quire_manifest_segment segs[2] = {{3, s1.doc_count, s1.total_tokens, 0, 0, 0},
                                      {5, s2.doc_count, s2.total_tokens, 0, 0, 0}};
    m.segments = segs;
    m.segment_count = 2;
    cr_assert_eq(quire_manifest_commit(dir, &m), QUIRE_OK, "%s", quire_errmsg());

    quire_index *ix = NULL;
    bool fell_back = true;
    cr_assert_eq(quire_index_open(&ix, dir, &fell_back), QUIRE_OK, "%s", quire_errmsg());
    cr_expect(!fell_back);
    cr_assert_eq(quire_index_segment_count(ix), 2);
    cr_expect_eq(quire_index_doc_base(ix, 0), 0);
    cr_expect_eq(quire_index_doc_base(ix, 1), m1->doc_count);
    cr_expect_eq(quire_index_doc_count(ix), m1->doc_count + m2->doc_count);
    cr_expect_eq(quire_index_total_tokens(ix), m1->total_tokens + m2->total_tokens);
    cr_expect_eq(quire_segment_id(quire_index_segment(ix, 1)), 5);
    char why[256] = "";
    cr_expect_eq(sm_compare(m1, quire_index_segment(ix, 0), why, sizeof why), QUIRE_OK, "%s", why);
    cr_expect_eq(sm_compare(m2, quire_index_segment(ix, 1), why, sizeof why), QUIRE_OK, "%s", why);
    cr_expect(!quire_index_is_deleted(ix, 0, 0));
    quire_index_close(ix);

    /* a manifest that disagrees with a segment's counts is refused */
    m.generation = 2;
    segs[1].doc_count++;
    cr_assert_eq(quire_manifest_commit(dir, &m), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_index_open(&ix, dir, NULL), QUIRE_ECORRUPT);
    cr_expect_not_null(strstr(quire_errmsg(), "seg-00000005"), "%s", quire_errmsg());
    /* so is one naming a segment that is not there */
    m.generation = 3;
    segs[1].doc_count--;
    segs[1].id = 4;
    m.next_segment_id = 6;
    cr_assert_eq(quire_manifest_commit(dir, &m), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_index_open(&ix, dir, NULL), QUIRE_ECORRUPT);
    cr_expect_not_null(strstr(quire_errmsg(), "seg-00000004"), "%s", quire_errmsg());
    sm_free(m1);
    sm_free(m2);
    remove_tree(dir);
    free(dir);
}
