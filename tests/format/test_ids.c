/*
 * test_ids.c - id index files (FORMAT.md "Id index (.ids)"): the segment writer writes one
 * that finds every document by the hash of its id and nothing for other hashes, and that
 * verifies; the hash function's values are pinned; equal hashes spanning blocks are all
 * found; every flipped byte is refused at open, at the lookup that reads the block or by
 * verify; a wrong count, segment or cut file is refused at open; a missing file is
 * QUIRE_ENOTFOUND (a segment of format version 1).
 */
#include "quire/ids.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "segment_model.h"

static char *make_dir(void)
{
    char *dir = strdup("/tmp/quire-ids-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

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
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

typedef struct found {
    uint32_t docs[1024];
    uint32_t n;
} found;

static void collect(void *ctx, uint32_t doc)
{
    found *f = ctx;
    if (f->n < 1024)
        f->docs[f->n] = doc;
    f->n++;
}

static void count_problem(void *ctx, const char *line)
{
    (void)line;
    (*(int *)ctx)++;
}

Test(ids, the_hash_is_pinned)
{
    /* FNV-1a 64 then the murmur3 finaliser (FORMAT.md): these values are the format
     * (computed apart from this code, from the definition) */
    cr_expect_eq(quire_id_hash("", 0), 0xecba3df2c3383c52u, "%016llx",
                 (unsigned long long)quire_id_hash("", 0));
    cr_expect_eq(quire_id_hash("a", 1), 0xed8170de1919a24du, "%016llx",
                 (unsigned long long)quire_id_hash("a", 1));
    cr_expect_neq(quire_id_hash("doc1", 4), quire_id_hash("doc2", 4));
}

Test(ids, the_writer_indexes_every_document)
{
    char *dir = make_dir();
    sm_params p = {31, 1100, 300, 20, UINT32_MAX};
    sm_seg *m = sm_generate(&p);
    quire_segment_stats st;
    sm_write(m, dir, 7, NULL, 1, &st);
    quire_segment *seg;
    cr_assert_eq(quire_segment_open(&seg, dir, 7), QUIRE_OK, "%s", quire_errmsg());
    quire_ids *ids;
    cr_assert_eq(quire_ids_open(&ids, dir, 7, m->doc_count), QUIRE_OK, "%s", quire_errmsg());
    for (uint32_t d = 0; d < m->doc_count; d++) {
        found f = {{0}, 0};
        cr_assert_eq(
            quire_ids_find(ids, quire_id_hash(m->docs[d].id, strlen(m->docs[d].id)), collect, &f),
            QUIRE_OK, "%s", quire_errmsg());
        bool hit = false;
        for (uint32_t i = 0; i < f.n && i < 1024; i++) {
            cr_expect_str_eq(m->docs[f.docs[i]].id, m->docs[d].id);
            hit |= f.docs[i] == d;
        }
        cr_expect(hit, "doc %u (%s) not found", d, m->docs[d].id);
    }
    found f = {{0}, 0};
    cr_assert_eq(quire_ids_find(ids, quire_id_hash("no such id", 10), collect, &f), QUIRE_OK);
    cr_expect_eq(f.n, 0);
    int problems = 0;
    cr_expect_eq(quire_ids_verify(ids, seg, count_problem, &problems), QUIRE_OK);
    cr_expect_eq(problems, 0);
    quire_ids_close(ids);
    /* other counts, another segment's id: refused; no file: not found */
    cr_expect_eq(quire_ids_open(&ids, dir, 7, m->doc_count + 1), QUIRE_ECORRUPT);
    char from[512], to[512];
    snprintf(from, sizeof from, "%s/seg-00000007.ids", dir);
    snprintf(to, sizeof to, "%s/seg-00000008.ids", dir);
    cr_assert_eq(rename(from, to), 0);
    cr_expect_eq(quire_ids_open(&ids, dir, 8, m->doc_count), QUIRE_ECORRUPT);
    cr_expect_eq(quire_ids_open(&ids, dir, 7, m->doc_count), QUIRE_ENOTFOUND);
    quire_segment_close(seg);
    sm_free(m);
    remove_tree(dir);
    free(dir);
}

static void put_pair(uint8_t *p, uint64_t h, uint32_t doc)
{
    quire_store_le64(p, h);
    quire_store_le32(p + 8, doc);
}

Test(ids, equal_hashes_across_blocks_are_all_found_and_damage_is_refused)
{
    char *dir = make_dir();
    const uint32_t n = 700;
    uint8_t *pairs = malloc((size_t)n * 12);
    /* docs 0..699: hash 5 for the docs 100..449 (spanning blocks 0, 1 and the start of 2),
     * otherwise 1000 + doc, written in reverse so the writer must sort */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t doc = n - 1 - i;
        put_pair(pairs + (size_t)i * 12, doc >= 100 && doc < 450 ? 5 : 1000 + doc, doc);
    }
    cr_assert_eq(quire_ids_write(dir, 3, pairs, n), QUIRE_OK, "%s", quire_errmsg());
    quire_ids *ids;
    cr_assert_eq(quire_ids_open(&ids, dir, 3, n), QUIRE_OK, "%s", quire_errmsg());
    found f = {{0}, 0};
    cr_assert_eq(quire_ids_find(ids, 5, collect, &f), QUIRE_OK);
    cr_assert_eq(f.n, 350);
    for (uint32_t i = 0; i < f.n; i++)
        cr_expect_eq(f.docs[i], 100 + i, "in doc order");
    f.n = 0;
    cr_assert_eq(quire_ids_find(ids, 1000 + 699, collect, &f), QUIRE_OK);
    cr_expect(f.n == 1 && f.docs[0] == 699);
    f.n = 0;
    cr_assert_eq(quire_ids_find(ids, 1000 + 200, collect, &f), QUIRE_OK);
    cr_expect_eq(f.n, 0, "doc 200 has hash 5");
    quire_ids_close(ids);

    char path[512];
    snprintf(path, sizeof path, "%s/seg-00000003.ids", dir);
    quire_buf good = QUIRE_BUF_INIT;
    cr_assert_eq(quire_read_file(&good, path), QUIRE_OK);
    cr_expect_eq(good.len, 24 + 700 * 12 + 3 * 4 + 3 * 8 + 40);
    for (size_t i = 0; i < good.len; i += 7) {
        good.data[i] ^= 0x04;
        FILE *fp = fopen(path, "wb");
        fwrite(good.data, 1, good.len, fp);
        fclose(fp);
        good.data[i] ^= 0x04;
        int rc = quire_ids_open(&ids, dir, 3, n);
        if (rc != QUIRE_OK) {
            cr_expect(rc == QUIRE_ECORRUPT || (rc == QUIRE_EVERSION && i >= 8 && i < 12),
                      "byte %zu: rc %d", i, rc);
            continue;
        }
        /* opened: every lookup of every hash reads every block, one of them refuses */
        int bad = 0;
        for (uint64_t h = 0; h < 1000 + n + 1; h += h < 6 ? 1 : 97) {
            f.n = 0;
            bad += quire_ids_find(ids, h, collect, &f) == QUIRE_ECORRUPT;
        }
        cr_expect(bad > 0, "byte %zu: damage not seen by lookups", i);
        quire_ids_close(ids);
    }
    quire_buf_free(&good);
    free(pairs);
    remove_tree(dir);
    free(dir);
}
