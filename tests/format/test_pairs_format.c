/*
 * test_pairs_format.c - pair terms (format version 4, FORMAT.md "Pair terms") round trip
 * through the segment writer and reader: the pair set and the pair terms read back
 * (lookups, postings with positions, iteration of their own kind), never among the forms
 * or stems (iteration, lookups of a form key with the prefix byte), not counted in the
 * statistics; --verify finds nothing; a segment without pairs answers that it has none;
 * the writer refuses pairs out of place and malformed pair sets, the reader a pair set
 * that is damaged and pair terms in a version-3 dictionary.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/date.h"
#include "quire/postings.h"
#include "quire/segment.h"

static char *make_dir(void)
{
    char *dir = strdup("/tmp/quire-pairs-format-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

static void remove_dir(char *dir)
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

static void problem(void *ctx, const char *line)
{
    (void)ctx;
    cr_log_error("verify: %s", line);
}

#define B(s) quire_bytes_of((s), strlen(s))

/* Docs: 0 "of the x" (title "the of"), 1 "x the of", 2 "of the of the". Forms of, the, x;
 * stems aliases; pairs "of the" (doc 0 at 0... see below) and "the of". */
static void add_docs(quire_segment_writer *w)
{
    static const char *const texts[] = {"of the x", "x the of", "of the of the"};
    static const uint32_t lens[] = {5, 3, 4}, titles[] = {2, 0, 0};
    for (uint32_t d = 0; d < 3; d++) {
        quire_doc_info info;
        memset(&info, 0, sizeof info);
        char id[8];
        snprintf(id, sizeof id, "d%u", d);
        info.external_id = B(id);
        info.title = d == 0 ? B("the of") : B("");
        info.origin = B("test");
        info.date = QUIRE_NO_DATE;
        info.doc_len = lens[d];
        info.title_len = titles[d];
        cr_assert_eq(quire_segment_writer_add_doc(w, &info, B(texts[d])), QUIRE_OK, "%s",
                     quire_errmsg());
    }
}

typedef struct post {
    uint32_t doc, tf;
    uint32_t pos[4];
} post;

static void add_term(quire_segment_writer *w, const post *p, uint32_t n)
{
    static const uint32_t lens[] = {5, 3, 4};
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(
            quire_segment_writer_add_posting(w, p[i].doc, p[i].tf, p[i].pos, lens[p[i].doc]),
            QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_segment_writer_end_term(w), QUIRE_OK, "%s", quire_errmsg());
}

/* Positions: doc 0 title "the of" at 0 1, text "of the x" at 3 4 5; doc 1 "x the of" at
 * 1 2 3 (empty title: text from 1); doc 2 "of the of the" at 1 2 3 4. */
static const post of_p[] = {{0, 2, {1, 3}}, {1, 1, {3}}, {2, 2, {1, 3}}};
static const post the_p[] = {{0, 2, {0, 4}}, {1, 1, {2}}, {2, 2, {2, 4}}};
static const post x_p[] = {{0, 1, {5}}, {1, 1, {1}}};
static const post of_the_p[] = {{0, 1, {3}}, {2, 2, {1, 3}}};
static const post the_of_p[] = {{0, 1, {0}}, {1, 1, {2}}, {2, 1, {2}}};

static const char *const set_words[] = {"of", "the"};

static void write_forms(quire_segment_writer *w)
{
    cr_assert_eq(quire_segment_writer_begin_form(w, B("of")), QUIRE_OK);
    add_term(w, of_p, 3);
    cr_assert_eq(quire_segment_writer_begin_form(w, B("the")), QUIRE_OK);
    add_term(w, the_p, 3);
    cr_assert_eq(quire_segment_writer_begin_form(w, B("x")), QUIRE_OK);
    add_term(w, x_p, 2);
}

static void write_stems(quire_segment_writer *w)
{
    cr_assert_eq(quire_segment_writer_add_alias_stem(w, B("of"), B("of")), QUIRE_OK);
    cr_assert_eq(quire_segment_writer_add_alias_stem(w, B("the"), B("the")), QUIRE_OK);
    cr_assert_eq(quire_segment_writer_add_alias_stem(w, B("x"), B("x")), QUIRE_OK);
}

static void write_segment(const char *dir, uint64_t id, bool pairs)
{
    quire_segment_writer *w = NULL;
    cr_assert_eq(quire_segment_writer_new(&w, dir, id), QUIRE_OK, "%s", quire_errmsg());
    add_docs(w);
    write_forms(w);
    if (pairs) {
        quire_buf set = QUIRE_BUF_INIT;
        quire_pair_set_encode(&set, set_words, 2);
        cr_assert_eq(quire_segment_writer_add_pair_set(w, quire_bytes_of(set.data, set.len)),
                     QUIRE_OK, "%s", quire_errmsg());
        quire_buf_free(&set);
        cr_assert_eq(quire_segment_writer_begin_pair(w, B("of the")), QUIRE_OK, "%s",
                     quire_errmsg());
        add_term(w, of_the_p, 2);
        cr_assert_eq(quire_segment_writer_begin_pair(w, B("the of")), QUIRE_OK, "%s",
                     quire_errmsg());
        add_term(w, the_of_p, 3);
    }
    write_stems(w);
    quire_segment_stats st;
    cr_assert_eq(quire_segment_writer_finish(w, &st), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(st.form_count, 3);
    cr_expect_eq(st.stem_count, 3);
    cr_expect_eq(st.posting_count, 8, "pair postings are not counted: %llu",
                 (unsigned long long)st.posting_count);
}

static void expect_postings(const quire_segment *seg, const quire_term *t, const post *want,
                            uint32_t n)
{
    quire_postings_cursor c;
    cr_assert_eq(quire_segment_postings(seg, t, &c), QUIRE_OK, "%s", quire_errmsg());
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(quire_postings_next(&c), QUIRE_OK);
        cr_assert_eq(c.doc, want[i].doc);
        cr_assert_eq(c.tf, want[i].tf);
        const uint32_t *pos;
        uint32_t count;
        cr_assert_eq(quire_postings_positions(&c, &pos, &count), QUIRE_OK);
        cr_assert_eq(count, want[i].tf);
        cr_assert_arr_eq(pos, want[i].pos, count * sizeof *pos);
    }
    cr_assert_eq(quire_postings_next(&c), QUIRE_OK);
    cr_assert_eq(c.doc, QUIRE_DOC_END);
    quire_postings_close(&c);
}

Test(pairs_format, pair_terms_read_back_apart_from_forms_and_stems)
{
    char *dir = make_dir();
    write_segment(dir, 1, true);
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, 1), QUIRE_OK, "%s", quire_errmsg());
    cr_assert(quire_segment_has_pairs(seg));
    quire_buf set = QUIRE_BUF_INIT;
    quire_pair_set_encode(&set, set_words, 2);
    const quire_bytes got = quire_segment_pair_set(seg);
    cr_assert(got.len == set.len && memcmp(got.ptr, set.data, set.len) == 0);
    cr_expect_eq(set.len, 1 + 3 + 4); /* count, then "of" and "the" with their lengths */
    quire_buf_free(&set);
    cr_expect(quire_segment_is_pair_word(seg, B("of")));
    cr_expect(quire_segment_is_pair_word(seg, B("the")));
    cr_expect(!quire_segment_is_pair_word(seg, B("x")));
    cr_expect(!quire_segment_is_pair_word(seg, B("o")));
    cr_expect_eq(quire_segment_term_count(seg), 3 + 3 + 2 + 1);
    cr_expect_eq(quire_segment_get_stats(seg)->form_count, 3);

    quire_term t;
    cr_assert_eq(quire_segment_lookup(seg, QUIRE_TERM_PAIR, B("of the"), &t), QUIRE_OK, "%s",
                 quire_errmsg());
    cr_expect_eq(t.kind, QUIRE_TERM_PAIR);
    cr_expect(t.has_positions);
    cr_expect_eq(t.postings.df, 2);
    expect_postings(seg, &t, of_the_p, 2);
    cr_assert_eq(quire_segment_lookup(seg, QUIRE_TERM_PAIR, B("the of"), &t), QUIRE_OK);
    expect_postings(seg, &t, the_of_p, 3);
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_PAIR, B("the the"), &t), QUIRE_ENOTFOUND);
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_PAIR, B(""), &t), QUIRE_ENOTFOUND);
    /* the prefixed key is not a form, nor is the pair set's key */
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_FORM, B("\xFEof the"), &t), QUIRE_ENOTFOUND);
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_FORM, B("\xFE"), &t), QUIRE_ENOTFOUND);
    cr_assert_eq(quire_segment_lookup(seg, QUIRE_TERM_FORM, B("of"), &t), QUIRE_OK);
    expect_postings(seg, &t, of_p, 3);

    /* iteration: each kind its own */
    static const char *const want_forms[] = {"of", "the", "x"};
    static const char *const want_pairs[] = {"of the", "the of"};
    static const char *const *const want[] = {want_forms, want_forms, want_pairs};
    static const uint32_t want_n[] = {3, 3, 2};
    for (int kind = QUIRE_TERM_FORM; kind <= QUIRE_TERM_PAIR; kind++) {
        quire_segment_term_iter it;
        quire_bytes key;
        cr_assert_eq(quire_segment_terms_seek(&it, seg, (quire_term_kind)kind, B("")), QUIRE_OK);
        for (uint32_t i = 0; i < want_n[kind]; i++) {
            cr_assert_eq(quire_segment_terms_next(&it, &key, &t), QUIRE_OK, "kind %d", kind);
            cr_expect(key.len == strlen(want[kind][i]) &&
                          memcmp(key.ptr, want[kind][i], key.len) == 0,
                      "kind %d term %u: '%.*s'", kind, i, (int)key.len, key.ptr);
            cr_expect_eq((int)t.kind, kind);
        }
        cr_expect_eq(quire_segment_terms_next(&it, &key, &t), QUIRE_ENOTFOUND, "kind %d", kind);
    }
    /* a seek into the pairs */
    quire_segment_term_iter it;
    quire_bytes key;
    cr_assert_eq(quire_segment_terms_seek(&it, seg, QUIRE_TERM_PAIR, B("the")), QUIRE_OK);
    cr_assert_eq(quire_segment_terms_next(&it, &key, &t), QUIRE_OK);
    cr_expect(key.len == 6 && memcmp(key.ptr, "the of", 6) == 0);
    cr_expect_eq(quire_segment_verify(seg, problem, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_segment_close(seg);
    remove_dir(dir);
}

Test(pairs_format, a_segment_without_pairs_has_none)
{
    char *dir = make_dir();
    write_segment(dir, 2, false);
    quire_segment *seg = NULL;
    cr_assert_eq(quire_segment_open(&seg, dir, 2), QUIRE_OK, "%s", quire_errmsg());
    cr_expect(!quire_segment_has_pairs(seg));
    cr_expect_eq(quire_segment_pair_set(seg).len, 0);
    cr_expect(!quire_segment_is_pair_word(seg, B("of")));
    quire_term t;
    cr_expect_eq(quire_segment_lookup(seg, QUIRE_TERM_PAIR, B("of the"), &t), QUIRE_ENOTFOUND);
    quire_segment_term_iter it;
    quire_bytes key;
    cr_assert_eq(quire_segment_terms_seek(&it, seg, QUIRE_TERM_PAIR, B("")), QUIRE_OK);
    cr_expect_eq(quire_segment_terms_next(&it, &key, &t), QUIRE_ENOTFOUND);
    cr_expect_eq(quire_segment_term_count(seg), 6);
    cr_expect_eq(quire_segment_verify(seg, problem, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_segment_close(seg);
    remove_dir(dir);
}

Test(pairs_format, the_writer_refuses_pairs_out_of_place)
{
    char *dir = make_dir();
    quire_buf set = QUIRE_BUF_INIT;
    quire_pair_set_encode(&set, set_words, 2);
    const quire_bytes good = quire_bytes_of(set.data, set.len);
    for (int c = 0; c < 7; c++) {
        quire_segment_writer *w = NULL;
        cr_assert_eq(quire_segment_writer_new(&w, dir, 10 + (uint64_t)c), QUIRE_OK);
        add_docs(w);
        write_forms(w);
        int rc = QUIRE_OK;
        static const char *const unsorted[] = {"the", "of"};
        static const char *const spaced[] = {"o f"};
        quire_buf bad = QUIRE_BUF_INIT;
        switch (c) {
        case 0: /* a pair before the set */
            rc = quire_segment_writer_begin_pair(w, B("of the"));
            break;
        case 1: /* a form after the set */
            cr_assert_eq(quire_segment_writer_add_pair_set(w, good), QUIRE_OK);
            rc = quire_segment_writer_begin_form(w, B("y"));
            break;
        case 2: /* the set after a stem */
            write_stems(w);
            rc = quire_segment_writer_add_pair_set(w, good);
            break;
        case 3: /* words out of order */
            quire_pair_set_encode(&bad, unsorted, 2);
            rc = quire_segment_writer_add_pair_set(w, quire_bytes_of(bad.data, bad.len));
            break;
        case 4: /* a word holding the separator */
            quire_pair_set_encode(&bad, spaced, 1);
            rc = quire_segment_writer_add_pair_set(w, quire_bytes_of(bad.data, bad.len));
            break;
        case 5: /* a pair key without its separator */
            cr_assert_eq(quire_segment_writer_add_pair_set(w, good), QUIRE_OK);
            rc = quire_segment_writer_begin_pair(w, B("ofthe"));
            break;
        case 6: /* a form key with the pair prefix */
            rc = quire_segment_writer_begin_form(w, B("\xFEz"));
            break;
        }
        cr_expect_eq(rc, QUIRE_EINVAL, "case %d: %d", c, rc);
        quire_buf_free(&bad);
        quire_segment_writer_abort(w);
    }
    quire_buf_free(&set);
    remove_dir(dir);
}

/* Overwrite `len` bytes at `off` of seg-<id>.ter. */
static void patch(const char *dir, uint64_t id, long off, const void *bytes, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/seg-%08llx.ter", dir, (unsigned long long)id);
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, off, SEEK_SET), 0);
    cr_assert_eq(fwrite(bytes, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

Test(pairs_format, a_version_3_dictionary_with_pair_terms_is_refused)
{
    char *dir = make_dir();
    write_segment(dir, 3, true);
    /* the same bytes with the .ter header saying version 3 (its other files say 4) */
    const uint8_t v3[4] = {3, 0, 0, 0};
    patch(dir, 3, 8, v3, 4);
    quire_segment *seg = NULL;
    const int rc = quire_segment_open(&seg, dir, 3);
    cr_expect_eq(rc, QUIRE_ECORRUPT, "%d: %s", rc, quire_errmsg());
    quire_segment_close(seg);
    remove_dir(dir);
}
