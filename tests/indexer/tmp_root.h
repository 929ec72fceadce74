/*
 * tmp_root.h - the per-test temporary folder of the indexer suites (test_indexer.c,
 * test_nightly.c, test_pairs.c): tmp_setup_named() makes /tmp/<prefix>-XXXXXX the test's
 * tmp_root, tmp_path() names a path in it, teardown_tmp() deletes it whole (rm_tree()).
 * Each suite's .init is a setup_tmp() of its own that calls tmp_setup_named(). Static
 * functions and state: include it once per test file.
 */
#ifndef QUIRE_TEST_INDEXER_TMP_ROOT_H
#define QUIRE_TEST_INDEXER_TMP_ROOT_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_ROOT_UNUSED __attribute__((unused))

static char tmp_root[256];

/* Deletes path and, if it is a folder, everything below it (links are not followed). */
TMP_ROOT_UNUSED static void rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[1024];
                snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                rm_tree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

TMP_ROOT_UNUSED static void tmp_setup_named(const char *prefix)
{
    snprintf(tmp_root, sizeof tmp_root, "/tmp/%s-XXXXXX", prefix);
    cr_assert_not_null(mkdtemp(tmp_root), "mkdtemp: %s", strerror(errno));
}

TMP_ROOT_UNUSED static void teardown_tmp(void)
{
    if (tmp_root[0]) {
        rm_tree(tmp_root);
        cr_expect(access(tmp_root, F_OK) != 0, "%s is left behind", tmp_root);
    }
    tmp_root[0] = '\0';
}

/* tmp_root/name, in one of 16 static buffers used in turn. */
TMP_ROOT_UNUSED static char *tmp_path(const char *name)
{
    static char paths[16][512];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 512, "%s/%s", tmp_root, name);
    return p;
}

#endif
