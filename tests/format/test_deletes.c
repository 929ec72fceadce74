/*
 * test_deletes.c - deletion files (FORMAT.md "Deletions"): write / read round trips; names;
 * every flipped byte and cut refused as corruption naming the file; the generation, the
 * document count and stray bits checked; an index opened with deletions reports them,
 * subtracts them from its statistics, refuses a manifest that disagrees with the file, and
 * counts a term's live documents exactly (both ways quire_index_live_df counts, checked
 * against the model); cleanup keeps the deletion files a kept manifest names and removes
 * the others.
 */
#include "quire/deletes.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/index.h"
#include "quire/manifest.h"
#include "segment_model.h"

static char *make_dir(void)
{
    char *dir = strdup("/tmp/quire-deletes-XXXXXX");
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

static bool exists(const char *dir, const char *name)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static void del_path(char *out, size_t cap, const char *dir, uint64_t seg, uint64_t gen)
{
    char name[64];
    quire_deletes_name(name, sizeof name, seg, gen);
    snprintf(out, cap, "%s/%s", dir, name);
}

Test(deletes, names_round_trip_and_others_are_not_deletion_files)
{
    char name[64];
    uint64_t seg, gen;
    quire_deletes_name(name, sizeof name, 0x2a, 7);
    cr_expect_str_eq(name, "seg-0000002a.del-0000000000000007");
    cr_assert(quire_deletes_parse_name(name, &seg, &gen));
    cr_expect_eq(seg, 0x2a);
    cr_expect_eq(gen, 7);
    const char *not_ours[] = {"seg-0000002a.ter",
                              "seg-0000002a.del-7",
                              "seg-0000002a.del-0000000000000007.bak",
                              "seg-2a.del-0000000000000007",
                              "seg-0000002a.del-0000000000000000",
                              "seg-0000002A.del-0000000000000007"};
    for (size_t i = 0; i < sizeof not_ours / sizeof *not_ours; i++)
        cr_expect(!quire_deletes_parse_name(not_ours[i], &seg, &gen), "%s", not_ours[i]);
}

Test(deletes, write_read_round_trip)
{
    char *dir = make_dir();
    for (uint32_t n = 0; n < 40; n += 3) {
        quire_deletes d;
        cr_assert_eq(quire_deletes_init(&d, n), QUIRE_OK);
        for (uint32_t doc = 0; doc < n; doc++)
            if (doc % 3 == 1 || doc == n - 1)
                cr_expect(quire_deletes_set(&d, doc));
        if (n)
            cr_expect(!quire_deletes_set(&d, n - 1), "set twice counts once");
        cr_assert_eq(quire_deletes_write(dir, 9, n + 1, &d), QUIRE_OK, "%s", quire_errmsg());
        quire_deletes r;
        cr_assert_eq(quire_deletes_read(&r, dir, 9, n + 1, n), QUIRE_OK, "%s", quire_errmsg());
        cr_expect_eq(r.deleted_count, d.deleted_count);
        for (uint32_t doc = 0; doc < n; doc++)
            cr_expect_eq(quire_deletes_has(&r, doc), quire_deletes_has(&d, doc), "n %u doc %u", n,
                         doc);
        cr_expect(!quire_deletes_has(&r, n), "past the end is not deleted");
        /* wrong generation, wrong document count: refused */
        char path[2200];
        del_path(path, sizeof path, dir, 9, n + 1);
        quire_deletes x;
        char other[2200];
        del_path(other, sizeof other, dir, 9, n + 100);
        cr_assert_eq(rename(path, other), 0);
        cr_expect_eq(quire_deletes_read(&x, dir, 9, n + 100, n), QUIRE_ECORRUPT);
        cr_expect_eq(quire_deletes_read(&x, dir, 9, n + 1, n), QUIRE_ECORRUPT, "missing file");
        cr_expect_not_null(strstr(quire_errmsg(), "seg-00000009.del-"), "%s", quire_errmsg());
        cr_assert_eq(rename(other, path), 0);
        cr_expect_eq(quire_deletes_read(&x, dir, 9, n + 1, n + 8), QUIRE_ECORRUPT);
        cr_expect_eq(quire_deletes_read(&x, dir, 8, n + 1, n), QUIRE_ECORRUPT, "other segment");
        unlink(path);
        quire_deletes_free(&r);
        quire_deletes_free(&d);
    }
    remove_tree(dir);
    free(dir);
}

Test(deletes, every_flipped_byte_and_cut_is_refused)
{
    char *dir = make_dir();
    quire_deletes d;
    cr_assert_eq(quire_deletes_init(&d, 21), QUIRE_OK);
    quire_deletes_set(&d, 0);
    quire_deletes_set(&d, 20);
    cr_assert_eq(quire_deletes_write(dir, 3, 2, &d), QUIRE_OK);
    char path[2200];
    del_path(path, sizeof path, dir, 3, 2);
    quire_buf good = QUIRE_BUF_INIT;
    cr_assert_eq(quire_read_file(&good, path), QUIRE_OK);
    cr_expect_eq(good.len, 24 + 12 + 3 + 40, "header, generation, count, 3 bytes, footer");
    for (size_t i = 0; i <= good.len; i++) {
        for (int cut = 0; cut < 2; cut++) {
            if (cut == 0 && i == good.len)
                continue;
            FILE *f = fopen(path, "wb");
            cr_assert_not_null(f);
            if (cut) {
                fwrite(good.data, 1, i, f);
            } else {
                uint8_t *copy = malloc(good.len);
                memcpy(copy, good.data, good.len);
                copy[i] ^= 0x10;
                fwrite(copy, 1, good.len, f);
                free(copy);
            }
            fclose(f);
            quire_deletes r;
            int rc = quire_deletes_read(&r, dir, 3, 2, 21);
            if (cut && i == good.len) {
                cr_expect_eq(rc, QUIRE_OK, "%s", quire_errmsg());
                quire_deletes_free(&r);
                continue;
            }
            bool version = !cut && i >= 8 && i < 12;
            cr_expect(rc == QUIRE_ECORRUPT || (version && rc == QUIRE_EVERSION), "%s at %zu: rc %d",
                      cut ? "cut" : "flip", i, rc);
            cr_expect_not_null(strstr(quire_errmsg(), "seg-00000003.del-0000000000000002"), "%s",
                               quire_errmsg());
        }
    }
    /* a bit past the last document, with every CRC made right, is still refused */
    quire_deletes_set(&d, 5);
    d.doc_count = 24;  /* writes bit 20 and bit 5 in 3 bytes, then read as 21 docs... */
    d.bits[2] |= 0x80; /* doc 23 */
    d.deleted_count++;
    unlink(path);
    cr_assert_eq(quire_deletes_write(dir, 3, 2, &d), QUIRE_OK);
    quire_deletes r;
    cr_expect_eq(quire_deletes_read(&r, dir, 3, 2, 21), QUIRE_ECORRUPT, "count mismatch");
    quire_buf_free(&good);
    quire_deletes_free(&d);
    remove_tree(dir);
    free(dir);
}

/* A one-segment index of model m with the documents `del` marks deleted, committed as
 * generation gen. */
static void commit_with_deletes(const char *dir, const sm_seg *m, const quire_segment_stats *st,
                                const bool *del, uint64_t gen, int tweak)
{
    quire_deletes d;
    cr_assert_eq(quire_deletes_init(&d, m->doc_count), QUIRE_OK);
    uint64_t tokens = 0;
    for (uint32_t i = 0; i < m->doc_count; i++)
        if (del[i] && quire_deletes_set(&d, i))
            tokens += m->docs[i].doc_len;
    cr_assert_eq(quire_deletes_write(dir, 4, gen, &d), QUIRE_OK, "%s", quire_errmsg());
    quire_manifest mf;
    memset(&mf, 0, sizeof mf);
    mf.generation = gen;
    mf.next_segment_id = 5;
    mf.analyzer_id = "a";
    mf.language = "english";
    quire_manifest_segment seg = {4,   st->doc_count,   st->total_tokens,
                                  gen, d.deleted_count, tokens + (tweak == 1)};
    if (tweak == 2)
        seg.deleted_count--;
    mf.segments = &seg;
    mf.segment_count = 1;
    cr_assert_eq(quire_manifest_commit(dir, &mf), QUIRE_OK, "%s", quire_errmsg());
    quire_deletes_free(&d);
}

Test(deletes, an_index_with_deletions_counts_only_live_documents)
{
    char *dir = make_dir();
    sm_params p = {21, 700, 300, 50, UINT32_MAX};
    sm_seg *m = sm_generate(&p);
    quire_segment_stats st;
    sm_write(m, dir, 4, NULL, 1, &st);
    bool *del = calloc(m->doc_count, sizeof *del);
    /* two patterns: a few deletions (live_df seeks to each), many (it reads every posting) */
    for (int pattern = 0; pattern < 2; pattern++) {
        uint64_t gen = 1 + (uint64_t)pattern;
        uint64_t live = 0, live_tokens = 0;
        for (uint32_t i = 0; i < m->doc_count; i++) {
            del[i] = pattern == 0 ? i % 97 == 5 : i % 3 != 0;
            if (!del[i]) {
                live++;
                live_tokens += m->docs[i].doc_len;
            }
        }
        commit_with_deletes(dir, m, &st, del, gen, 0);
        quire_index *ix;
        cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
        cr_expect_eq(quire_index_doc_count(ix), live);
        cr_expect_eq(quire_index_total_tokens(ix), live_tokens);
        cr_assert_not_null(quire_index_deletes(ix, 0));
        for (uint32_t i = 0; i < m->doc_count; i++)
            cr_expect_eq(quire_index_is_deleted(ix, 0, i), del[i], "doc %u", i);
        const quire_segment *seg = quire_index_segment(ix, 0);
        for (int kind = 0; kind < 2; kind++) {
            const sm_term *terms = kind ? m->stems : m->forms;
            uint32_t n = kind ? m->stem_count : m->form_count;
            for (uint32_t t = 0; t < n; t++) {
                uint64_t want = 0;
                for (uint32_t k = 0; k < terms[t].df; k++)
                    want += !del[terms[t].docs[k]];
                quire_term qt;
                cr_assert_eq(quire_segment_lookup(seg, kind ? QUIRE_TERM_STEM : QUIRE_TERM_FORM,
                                                  quire_bytes_of(terms[t].key, terms[t].len), &qt),
                             QUIRE_OK);
                uint64_t got = 0;
                cr_assert_eq(quire_index_live_df(ix, 0, &qt, &got), QUIRE_OK, "%s", quire_errmsg());
                cr_expect_eq(got, want, "pattern %d term %.*s: df %u", pattern, (int)terms[t].len,
                             terms[t].key, terms[t].df);
            }
        }
        quire_index_close(ix);
    }
    /* a manifest whose deleted tokens or count disagree with the file is refused */
    for (int tweak = 1; tweak <= 2; tweak++) {
        commit_with_deletes(dir, m, &st, del, 2 + (uint64_t)tweak, tweak);
        quire_index *ix;
        cr_expect_eq(quire_index_open(&ix, dir, NULL), QUIRE_ECORRUPT, "tweak %d", tweak);
        cr_expect_not_null(strstr(quire_errmsg(), "seg-00000004"), "%s", quire_errmsg());
    }
    free(del);
    sm_free(m);
    remove_tree(dir);
    free(dir);
}

Test(deletes, cleanup_keeps_the_deletion_files_kept_manifests_name)
{
    char *dir = make_dir();
    sm_params p = {5, 40, 100, 20, UINT32_MAX};
    sm_seg *m = sm_generate(&p);
    quire_segment_stats st;
    sm_write(m, dir, 4, NULL, 1, &st);
    bool del[40] = {false};
    del[3] = true;
    commit_with_deletes(dir, m, &st, del, 1, 0);
    del[7] = true;
    commit_with_deletes(dir, m, &st, del, 2, 0);
    del[9] = true;
    commit_with_deletes(dir, m, &st, del, 3, 0);
    /* leftovers: one of a run that never committed (gen 5, no manifest 5) */
    quire_deletes d;
    cr_assert_eq(quire_deletes_init(&d, m->doc_count), QUIRE_OK);
    cr_assert_eq(quire_deletes_write(dir, 4, 5, &d), QUIRE_OK);
    quire_deletes_free(&d);
    /* and one of a damaged newer manifest (gen 6, kept like that manifest) */
    cr_assert_eq(quire_deletes_init(&d, m->doc_count), QUIRE_OK);
    cr_assert_eq(quire_deletes_write(dir, 4, 6, &d), QUIRE_OK);
    quire_deletes_free(&d);
    char bad[600];
    snprintf(bad, sizeof bad, "%s/manifest-0000000000000006", dir);
    FILE *f = fopen(bad, "w");
    cr_assert_not_null(f);
    fputs("damaged", f);
    fclose(f);
    quire_manifest cur, prev;
    uint32_t skipped = 0;
    cr_assert_eq(quire_manifest_read_latest(&cur, dir, &skipped), QUIRE_OK);
    cr_expect_eq(skipped, 1);
    cr_expect_eq(cur.generation, 3);
    prev = cur;
    quire_manifest_segment pseg = cur.segments[0];
    pseg.deletes_gen = 2;
    prev.generation = 2;
    prev.segments = &pseg;
    uint32_t removed = 0;
    cr_assert_eq(quire_index_cleanup(dir, &cur, &prev, &removed), QUIRE_OK);
    cr_expect(exists(dir, "seg-00000004.del-0000000000000003"));
    cr_expect(exists(dir, "seg-00000004.del-0000000000000002"));
    cr_expect(!exists(dir, "seg-00000004.del-0000000000000001"));
    cr_expect(!exists(dir, "seg-00000004.del-0000000000000005"));
    cr_expect(exists(dir, "seg-00000004.del-0000000000000006"));
    cr_expect(exists(dir, "manifest-0000000000000006"));
    cr_expect(exists(dir, "seg-00000004.ter"));
    quire_manifest_free(&cur);
    sm_free(m);
    remove_tree(dir);
    free(dir);
}
