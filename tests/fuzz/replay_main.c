/*
 * replay_main.c - a main() for the fuzz targets without libFuzzer (the gcc builds, plain
 * and ASan): runs every file named, or found in a folder named, through the target once.
 * Exit 0 when all ran; a finding aborts, as under libFuzzer.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned long run_file(const char *path)
{
    size_t len;
    uint8_t *data = fz_read_file(path, &len);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 1;
}

int main(int argc, char **argv)
{
    unsigned long ran = 0;
    for (int a = 1; a < argc; a++) {
        struct stat st;
        if (stat(argv[a], &st) != 0) {
            fprintf(stderr, "%s: no such file or folder\n", argv[a]);
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            ran += run_file(argv[a]);
            continue;
        }
        DIR *d = opendir(argv[a]);
        if (!d)
            return 2;
        char **names = NULL;
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            names = realloc(names, (n + 1) * sizeof *names);
            names[n] = malloc(strlen(argv[a]) + strlen(e->d_name) + 2);
            if (!names || !names[n])
                return 2;
            sprintf(names[n++], "%s/%s", argv[a], e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp);
        for (size_t i = 0; i < n; i++) {
            ran += run_file(names[i]);
            free(names[i]);
        }
        free(names);
    }
    printf("replayed %lu inputs\n", ran);
    return ran > 0 ? 0 : 2;
}
