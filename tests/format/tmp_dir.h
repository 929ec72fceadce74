/*
 * tmp_dir.h - a flat temporary folder for the format tests that write segment files:
 * make_dir() creates one under /tmp, remove_dir() deletes its files and itself. Static
 * functions: include it once per test file.
 */
#ifndef QUIRE_TEST_FORMAT_TMP_DIR_H
#define QUIRE_TEST_FORMAT_TMP_DIR_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A new folder /tmp/<prefix>-XXXXXX (malloc'd; free it with remove_dir()). */
__attribute__((unused)) static char *make_dir_named(const char *prefix)
{
    char *dir = malloc(strlen(prefix) + 16);
    cr_assert_not_null(dir);
    sprintf(dir, "/tmp/%s-XXXXXX", prefix);
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

/* Deletes the files of dir (it holds no folders), then dir, and frees the string. */
__attribute__((unused)) static void remove_dir(char *dir)
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

#endif
