/*
 * test_api.c - libquire's public API (include/quire/quire.h), used as a client uses it:
 * this file includes only <quire/quire.h> and links only libquire.so. Documents come from
 * memory; every expectation is computed from the documents themselves.
 */
#define _XOPEN_SOURCE 700 /* nftw() */

#include <quire/quire.h>

#include <criterion/criterion.h>
#include <ctype.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

static char tmp_root[256];

static void make_root(void)
{
    snprintf(tmp_root, sizeof tmp_root, "/tmp/quire-api-XXXXXX");
    cr_assert(mkdtemp(tmp_root) != NULL);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_root(void)
{
    nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(api, .init = make_root, .fini = remove_root);

static const char *index_dir(void)
{
    static char dir[300];
    snprintf(dir, sizeof dir, "%s/idx", tmp_root);
    return dir;
}

typedef struct doc {
    const char *id;
    const char *title;
    const char *date;
    const char *text;
} doc;

static const doc docs[] = {
    {"d1", "Putin and Xi", "2022-12-30",
     "The relationship between Russia and China, which the two sides have hailed as a "
     "\"no limits\" partnership, has taken on great significance. Putin spoke to Xi."},
    {"d2", "A state visit", "2022-12-01",
     "Xi Jinping was expected to visit Moscow in the spring. The visit would be a show of "
     "unity. No limits were mentioned."},
    {"d3", "Weather", NULL,
     "Snow fell across the north overnight. Roads were closed and schools stayed shut."},
    {"d4", "Uzbekistan", "2021-05-17",
     "Uzbekistan hosted a summit. Leaders talked about trade, limits on exports, and "
     "energy. The summit ended early."},
};
#define DOC_COUNT (sizeof docs / sizeof docs[0])

static void add_doc(quire_writer *w, const doc *d)
{
    quire_document qd = QUIRE_DOCUMENT_INIT;
    qd.id = d->id;
    qd.id_len = strlen(d->id);
    qd.title = d->title;
    qd.title_len = d->title ? strlen(d->title) : 0;
    qd.date = d->date;
    qd.text = d->text;
    qd.text_len = strlen(d->text);
    cr_assert_eq(quire_writer_add(w, &qd), QUIRE_OK, "%s", quire_errmsg());
}

static quire_writer *open_writer(void)
{
    quire_writer *w = NULL;
    quire_writer_options o = QUIRE_WRITER_OPTIONS_INIT;
    o.threads = 2;
    cr_assert_eq(quire_writer_open(&w, index_dir(), &o), QUIRE_OK, "%s", quire_errmsg());
    return w;
}

static void build_index(void)
{
    quire_writer *w = open_writer();
    for (size_t i = 0; i < DOC_COUNT; i++)
        add_doc(w, &docs[i]);
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_commit(w, &info), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(info.generation, 1);
    cr_expect_eq(info.docs_added, DOC_COUNT);
    quire_writer_close(w);
}

static quire_searcher *open_searcher(void)
{
    quire_reader *r = NULL;
    cr_assert_eq(quire_reader_open(&r, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    quire_searcher *s = NULL;
    cr_assert_eq(quire_searcher_new(&s, r), QUIRE_OK, "%s", quire_errmsg());
    quire_reader_close(r); /* the searcher holds its own reference */
    return s;
}

static quire_results *search(quire_searcher *s, const char *q, const quire_search_options *o)
{
    quire_results *res = NULL;
    cr_assert_eq(quire_search(&res, s, q, strlen(q), o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    return res;
}

/* The ids of the hits, sorted, joined by spaces. */
static void hit_ids(const quire_results *res, char *out, size_t cap)
{
    const char *ids[64];
    size_t n = quire_results_hit_count(res);
    cr_assert(n < 64);
    for (size_t i = 0; i < n; i++)
        ids[i] = quire_hit_id(quire_results_hit(res, i), NULL);
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && strcmp(ids[k - 1], ids[k]) > 0; k--) {
            const char *t = ids[k];
            ids[k] = ids[k - 1];
            ids[k - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strncat(out, i ? " " : "", cap - strlen(out) - 1);
        strncat(out, ids[i], cap - strlen(out) - 1);
    }
}

static void expect_ids(quire_searcher *s, const char *q, const char *want)
{
    quire_results *res = search(s, q, NULL);
    char got[512];
    hit_ids(res, got, sizeof got);
    cr_expect_str_eq(got, want, "query %s", q);
    quire_results_free(res);
}

static const doc *doc_by_id(const char *id)
{
    for (size_t i = 0; i < DOC_COUNT; i++)
        if (strcmp(docs[i].id, id) == 0)
            return &docs[i];
    return NULL;
}

/* Case-insensitive equality of ASCII text. */
static bool same_word(const char *a, size_t alen, const char *b)
{
    if (alen != strlen(b))
        return false;
    for (size_t i = 0; i < alen; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return false;
    return true;
}

/* ---- tests ---- */

Test(api, version_macros_match_the_library)
{
    cr_expect_str_eq(quire_version(), QUIRE_VERSION_STRING);
    int major, minor, patch;
    cr_expect_eq(quire_version_number(&major, &minor, &patch), QUIRE_VERSION_NUMBER);
    cr_expect_eq(major, QUIRE_VERSION_MAJOR);
    cr_expect_eq(minor, QUIRE_VERSION_MINOR);
    cr_expect_eq(patch, QUIRE_VERSION_PATCH);
    char s[32];
    snprintf(s, sizeof s, "%d.%d.%d", major, minor, patch);
    cr_expect_str_eq(s, QUIRE_VERSION_STRING);
}

Test(api, documents_from_memory_are_found_with_their_fields)
{
    build_index();
    quire_searcher *s = open_searcher();
    quire_results *res = search(s, "uzbekistan", NULL);
    cr_assert_eq(quire_results_hit_count(res), 1);
    const quire_hit *h = quire_results_hit(res, 0);
    size_t len;
    cr_expect_str_eq(quire_hit_id(h, &len), "d4");
    cr_expect_eq(len, 2);
    cr_expect_str_eq(quire_hit_title(h, &len), "Uzbekistan");
    cr_expect_eq(len, strlen("Uzbekistan"));
    cr_expect_str_eq(quire_hit_date(h), "2021-05-17");
    cr_expect_gt(quire_hit_score(h), 0.0);
    cr_expect_null(quire_results_hit(res, 1));
    quire_results_free(res);

    /* the date-less document has no date; title: and date: filters work */
    res = search(s, "snow", NULL);
    cr_assert_eq(quire_results_hit_count(res), 1);
    cr_expect_null(quire_hit_date(quire_results_hit(res, 0)));
    quire_results_free(res);
    expect_ids(s, "xi", "d1 d2");
    expect_ids(s, "title:xi", "d1");
    expect_ids(s, "limits date:2022-12-01..2022-12-31", "d1 d2");
    expect_ids(s, "\"no limits\"", "d1 d2");
    expect_ids(s, "visit", "d2");
    quire_searcher_free(s);
}

Test(api, stats_describe_the_commit)
{
    build_index();
    quire_reader *r = NULL;
    cr_assert_eq(quire_reader_open(&r, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    uint64_t v;
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, DOC_COUNT);
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_DELETED_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, 0);
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_SEGMENTS, &v), QUIRE_OK);
    cr_expect_eq(v, 1);
    size_t text_bytes = 0;
    for (size_t i = 0; i < DOC_COUNT; i++)
        text_bytes += strlen(docs[i].text);
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_TEXT_BYTES, &v), QUIRE_OK);
    cr_expect_eq(v, text_bytes);
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_STORED_BYTES, &v), QUIRE_OK);
    cr_expect_gt(v, 0);
    cr_expect_eq(quire_reader_stat(r, (quire_stat)999, &v), QUIRE_EINVAL);
    cr_expect_eq(quire_reader_generation(r), 1);
    cr_expect_str_eq(quire_reader_language(r), "english");
    cr_expect_neq(strstr(quire_reader_analyzer(r), "english"), NULL);
    cr_expect_null(quire_reader_fallback(r));
    quire_reader_close(r);
    cr_expect_eq(quire_verify(index_dir(), NULL, NULL), QUIRE_OK, "%s", quire_errmsg());
}

Test(api, counts_are_exact_or_labelled_lower_bounds)
{
    /* 300 documents: "common" in all, "rare" in every 10th, so a ranked OR prunes */
    quire_writer *w = open_writer();
    char id[32], text[128];
    for (int i = 0; i < 300; i++) {
        snprintf(id, sizeof id, "n%03d", i);
        snprintf(text, sizeof text, "common words here%s and number %d", i % 10 ? "" : " rare", i);
        const doc d = {id, NULL, NULL, text};
        add_doc(w, &d);
    }
    cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_writer_close(w);
    quire_searcher *s = open_searcher();

    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    o.flags = QUIRE_SEARCH_ANY;
    o.top_k = 3;
    bool exact;
    quire_results *res = search(s, "rare common", &o);
    const uint64_t pruned = quire_results_match_count(res, &exact);
    cr_expect_eq(quire_results_hit_count(res), 3);
    if (exact)
        cr_expect_eq(pruned, 300);
    else
        cr_expect_leq(pruned, 300);
    quire_results_free(res);

    o.flags |= QUIRE_SEARCH_EXACT_COUNT;
    res = search(s, "rare common", &o);
    cr_expect_eq(quire_results_match_count(res, &exact), 300);
    cr_expect(exact);
    quire_results_free(res);

    /* AND is exact; top_k 0 only counts */
    o.flags = 0;
    o.top_k = 0;
    res = search(s, "rare common", &o);
    cr_expect_eq(quire_results_match_count(res, &exact), 30);
    cr_expect(exact);
    cr_expect_eq(quire_results_hit_count(res), 0);
    quire_results_free(res);

    /* a phrase counts its occurrences */
    uint64_t occ = 0;
    res = search(s, "\"common words\"", &o);
    cr_expect(quire_results_occurrences(res, &occ));
    cr_expect_eq(occ, 300);
    quire_results_free(res);
    res = search(s, "common rare", &o);
    cr_expect_not(quire_results_occurrences(res, &occ));
    quire_results_free(res);
    quire_searcher_free(s);
}

Test(api, passages_offsets_point_into_the_text)
{
    build_index();
    quire_searcher *s = open_searcher();
    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    o.passages = 3;
    o.passage_bytes = 60;
    const char *queries[] = {"limits", "\"no limits\"", "visit", "summit"};
    const char *marked[] = {"limits", "no limits", "visit", "summit"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        quire_results *res = search(s, queries[q], &o);
        cr_assert_gt(quire_results_hit_count(res), 0, "%s", queries[q]);
        for (size_t i = 0; i < quire_results_hit_count(res); i++) {
            const quire_hit *h = quire_results_hit(res, i);
            const doc *d = doc_by_id(quire_hit_id(h, NULL));
            cr_assert_not_null(d);
            const size_t text_len = strlen(d->text);
            size_t highlights = 0;
            cr_assert_gt(quire_hit_passage_count(h), 0);
            cr_expect_null(quire_hit_passage(h, quire_hit_passage_count(h)));
            for (size_t k = 0; k < quire_hit_passage_count(h); k++) {
                const quire_passage *p = quire_hit_passage(h, k);
                const quire_span sp = quire_passage_span(p);
                size_t len;
                const char *t = quire_passage_text(p, &len);
                cr_assert_leq(sp.start, sp.end);
                cr_assert_leq(sp.end, text_len);
                cr_expect_eq(len, sp.end - sp.start);
                cr_expect_eq(memcmp(t, d->text + sp.start, len), 0, "passage text of %s", d->id);
                cr_expect_eq(quire_passage_cut_before(p), sp.start > 0);
                for (size_t m = 0; m < quire_passage_highlight_count(p); m++) {
                    const quire_span hl = quire_passage_highlight(p, m);
                    cr_expect_geq(hl.start, sp.start);
                    cr_expect_leq(hl.end, sp.end);
                    cr_expect(same_word(d->text + hl.start, hl.end - hl.start, marked[q]),
                              "%s: highlight '%.*s' in %s", queries[q], (int)(hl.end - hl.start),
                              d->text + hl.start, d->id);
                    highlights++;
                }
                const quire_span none = quire_passage_highlight(p, 1000);
                cr_expect_eq(none.start, 0);
                cr_expect_eq(none.end, 0);
            }
            cr_expect_gt(highlights, 0, "%s: nothing highlighted in %s", queries[q], d->id);
        }
        quire_results_free(res);
    }
    /* a title match is highlighted in the title */
    quire_results *res = search(s, "uzbekistan", &o);
    const quire_hit *h = quire_results_hit(res, 0);
    cr_assert_eq(quire_hit_title_highlight_count(h), 1);
    const quire_span t = quire_hit_title_highlight(h, 0);
    cr_expect_eq(t.start, 0);
    cr_expect_eq(t.end, strlen("Uzbekistan"));
    quire_results_free(res);
    quire_searcher_free(s);
}

Test(api, replace_and_delete_by_id)
{
    build_index();
    quire_writer *w = open_writer();
    const doc d1 = {"d1", "Replaced", NULL, "An entirely different text about gardens."};
    add_doc(w, &d1);
    cr_assert_eq(quire_writer_delete(w, "d3", 2), QUIRE_OK);
    cr_assert_eq(quire_writer_delete(w, "nope", 4), QUIRE_OK);
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_commit(w, &info), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(info.generation, 2);
    cr_expect_eq(info.docs_added, 1);
    cr_expect_eq(info.docs_replaced, 1);
    cr_expect_eq(info.docs_deleted, 1);
    cr_expect_eq(info.deletes_missing, 1);
    quire_writer_close(w);

    quire_searcher *s = open_searcher();
    expect_ids(s, "gardens", "d1");
    expect_ids(s, "putin", "");
    expect_ids(s, "snow", "");
    expect_ids(s, "xi", "d2");
    uint64_t v;
    cr_assert_eq(quire_reader_stat(quire_searcher_reader(s), QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, DOC_COUNT - 1);
    quire_searcher_free(s);
    cr_expect_eq(quire_verify(index_dir(), NULL, NULL), QUIRE_OK, "%s", quire_errmsg());
}

Test(api, changes_apply_in_the_order_made)
{
    build_index();
    quire_writer *w = open_writer();
    const doc a1 = {"x", NULL, NULL, "alpha first version"};
    const doc a2 = {"x", NULL, NULL, "alpha second version"};
    const doc b = {"y", NULL, NULL, "beta only once"};
    const doc c = {"d2", NULL, NULL, "gamma replaces the state visit"};
    add_doc(w, &a1);
    add_doc(w, &a2); /* x: the second wins */
    add_doc(w, &b);
    cr_assert_eq(quire_writer_delete(w, "y", 1), QUIRE_OK); /* y added then deleted: gone */
    cr_assert_eq(quire_writer_delete(w, "d2", 2), QUIRE_OK);
    add_doc(w, &c); /* d2 deleted then added: the new one */
    cr_assert_eq(quire_writer_delete(w, "d4", 2), QUIRE_OK);
    cr_assert_eq(quire_writer_delete(w, "d4", 2), QUIRE_OK); /* twice is once */
    cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_writer_close(w);

    quire_searcher *s = open_searcher();
    expect_ids(s, "alpha", "x");
    expect_ids(s, "first", "");
    expect_ids(s, "second", "x");
    expect_ids(s, "beta", "");
    expect_ids(s, "gamma", "d2");
    expect_ids(s, "moscow", "");
    expect_ids(s, "uzbekistan", "");
    uint64_t v;
    cr_assert_eq(quire_reader_stat(quire_searcher_reader(s), QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, 4); /* d1 d2 d3 x */
    quire_searcher_free(s);
}

static void write_text(const char *name, const char *text, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", tmp_root, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

Test(api, files_take_their_place_in_the_order_made)
{
    char jsonl[400], plain[400];
    write_text("in.jsonl",
               "{\"id\":\"f1\",\"title\":\"File one\",\"date\":\"2020-01-02\","
               "\"text\":\"delta from the file\"}\n"
               "{\"id\":\"f2\",\"text\":\"epsilon from the file\"}\n"
               "{\"id\":\"f3\",\"text\":\"zeta from the file\"}\n",
               jsonl, sizeof jsonl);
    write_text("note.txt", "date 2019-05-06\nA plain note\n\nEta in a plain file.\n", plain,
               sizeof plain);
    quire_writer *w = open_writer();
    const doc before = {"f1", NULL, NULL, "theta before the file"};
    const doc after = {"f2", NULL, NULL, "iota after the file"};
    add_doc(w, &before); /* replaced by the file's f1 */
    const char *paths[] = {jsonl, plain};
    cr_assert_eq(quire_writer_add_files(w, paths, 2, NULL), QUIRE_OK, "%s", quire_errmsg());
    add_doc(w, &after);                                      /* replaces the file's f2 */
    cr_assert_eq(quire_writer_delete(w, "f3", 2), QUIRE_OK); /* drops the file's f3 */
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_commit(w, &info), QUIRE_OK, "%s", quire_errmsg());
    quire_writer_close(w);
    cr_expect_eq(info.docs_added, 5, "theta's f1, the file's f1 and f2, the note, iota's f2: %llu",
                 (unsigned long long)info.docs_added);
    cr_expect_eq(info.docs_replaced, 2, "f1 and f2");

    quire_searcher *s = open_searcher();
    expect_ids(s, "delta", "f1");
    expect_ids(s, "theta", "");
    expect_ids(s, "epsilon", "");
    expect_ids(s, "iota", "f2");
    expect_ids(s, "zeta", "");
    char want[420];
    snprintf(want, sizeof want, "%s", plain);
    expect_ids(s, "eta", want);
    quire_results *res = search(s, "delta", NULL);
    cr_assert_eq(quire_results_hit_count(res), 1);
    const quire_hit *h = quire_results_hit(res, 0);
    cr_expect_str_eq(quire_hit_title(h, NULL), "File one");
    cr_expect_str_eq(quire_hit_date(h), "2020-01-02");
    quire_results_free(res);
    res = search(s, "eta", NULL);
    cr_assert_eq(quire_results_hit_count(res), 1);
    cr_expect_str_eq(quire_hit_date(quire_results_hit(res, 0)), "2019-05-06");
    quire_results_free(res);
    quire_searcher_free(s);
}

Test(api, files_that_are_not_there_or_bad)
{
    char missing[400], bad[400];
    snprintf(missing, sizeof missing, "%s/not-there.jsonl", tmp_root);
    write_text("bad.jsonl", "{\"id\":\"g1\",\"text\":\"kappa\"}\n{\"id\":\n", bad, sizeof bad);
    quire_writer *w = open_writer();
    const char *paths[] = {missing};
    cr_expect_eq(quire_writer_add_files(w, paths, 1, NULL), QUIRE_ENOTFOUND);
    cr_expect(strstr(quire_errmsg(), missing) != NULL, "%s", quire_errmsg());
    cr_expect_eq(quire_writer_add_files(w, paths, 0, NULL), QUIRE_EINVAL);
    quire_files_options o = QUIRE_FILES_OPTIONS_INIT;
    o.encoding = 9;
    cr_expect_eq(quire_writer_add_files(w, paths, 1, &o), QUIRE_EINVAL);
    o.encoding = QUIRE_ENCODING_AUTO;
    o.allow_missing = true;
    cr_expect_eq(quire_writer_add_files(w, paths, 1, &o), QUIRE_OK, "%s", quire_errmsg());
    /* the transaction went on: a bad line is skipped, the rest commits */
    const char *bad_paths[] = {bad};
    cr_assert_eq(quire_writer_add_files(w, bad_paths, 1, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_commit(w, &info), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(info.docs_added, 1);
    /* with stop_on_error the bad line fails the commit: nothing of it is committed */
    const doc lambda = {"g2", NULL, NULL, "lambda"};
    add_doc(w, &lambda);
    quire_files_options strict = QUIRE_FILES_OPTIONS_INIT;
    strict.stop_on_error = true;
    cr_assert_eq(quire_writer_add_files(w, bad_paths, 1, &strict), QUIRE_OK);
    const int rc = quire_writer_commit(w, NULL);
    cr_expect(rc == QUIRE_EINVAL || rc == QUIRE_EIO, "commit gave %d", rc);
    cr_expect(strstr(quire_errmsg(), bad) != NULL, "%s", quire_errmsg());
    quire_writer_close(w);
    quire_searcher *s = open_searcher();
    expect_ids(s, "kappa", "g1");
    expect_ids(s, "lambda", "");
    quire_searcher_free(s);
}

Test(api, nothing_is_visible_before_commit_and_abort_drops_it)
{
    quire_writer *w = open_writer();
    add_doc(w, &docs[0]);
    quire_reader *r = NULL;
    cr_expect_eq(quire_reader_open(&r, index_dir()), QUIRE_ENOTFOUND); /* no commit yet */
    cr_expect_null(r);
    quire_writer_abort(w);
    cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_reader_open(&r, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    uint64_t v;
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, 0, "the aborted document was committed");

    /* a pending transaction is invisible, also to a reader opened meanwhile */
    add_doc(w, &docs[1]);
    quire_reader *mid = NULL;
    cr_assert_eq(quire_reader_open(&mid, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_reader_stat(mid, QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, 0);
    cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
    /* the readers opened before still see their commit */
    cr_assert_eq(quire_reader_stat(mid, QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, 0);
    quire_reader_close(mid);
    quire_reader_close(r);
    cr_assert_eq(quire_reader_open(&r, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, 1);
    quire_reader_close(r);

    /* closing with changes pending commits nothing */
    add_doc(w, &docs[2]);
    quire_writer_close(w);
    cr_assert_eq(quire_reader_open(&r, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, 1);
    cr_expect_eq(quire_reader_generation(r), 2);
    quire_reader_close(r);
}

Test(api, a_commit_with_nothing_pending_writes_nothing)
{
    build_index();
    quire_writer *w = open_writer();
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_commit(w, &info), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(info.generation, 1);
    cr_expect_eq(info.segments, 1);
    cr_expect_eq(info.docs_added, 0);
    quire_writer_close(w);
}

typedef struct thread_arg {
    quire_reader *reader;
    int rounds;
    int failures;
} thread_arg;

static const char *thread_queries[] = {"xi",           "limits", "\"no limits\"", "summit OR snow",
                                       "visit moscow", "uzbek*"};
static char thread_want[6][512];

static void *search_thread(void *p)
{
    thread_arg *a = p;
    quire_searcher *s = NULL;
    if (quire_searcher_new(&s, a->reader) != QUIRE_OK) {
        a->failures++;
        return NULL;
    }
    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    o.passages = 1;
    for (int r = 0; r < a->rounds; r++)
        for (size_t q = 0; q < 6; q++) {
            quire_results *res = NULL;
            const char *text = thread_queries[q];
            if (quire_search(&res, s, text, strlen(text), &o) != QUIRE_OK) {
                a->failures++;
                continue;
            }
            char got[512];
            hit_ids(res, got, sizeof got);
            if (strcmp(got, thread_want[q]) != 0)
                a->failures++;
            quire_results_free(res);
        }
    quire_searcher_free(s);
    return NULL;
}

Test(api, threads_share_one_reader)
{
    build_index();
    quire_reader *r = NULL;
    cr_assert_eq(quire_reader_open(&r, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    quire_searcher *s = NULL;
    cr_assert_eq(quire_searcher_new(&s, r), QUIRE_OK);
    for (size_t q = 0; q < 6; q++) {
        quire_results *res = search(s, thread_queries[q], NULL);
        hit_ids(res, thread_want[q], sizeof thread_want[q]);
        cr_assert_gt(quire_results_hit_count(res), 0, "%s", thread_queries[q]);
        quire_results_free(res);
    }
    quire_searcher_free(s);
    pthread_t t[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){r, 50, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, search_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_expect_eq(args[i].failures, 0, "thread %d", i);
    }
    quire_reader_close(r); /* held until every thread made its searcher */
}

Test(api, reopen_sees_another_writers_commit)
{
    build_index();
    quire_reader *r = NULL;
    cr_assert_eq(quire_reader_open(&r, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    quire_reader *same = NULL;
    cr_assert_eq(quire_reader_reopen(&same, r), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(same, r, "no new commit: the same reader");
    quire_reader_close(same);

    /* another process commits */
    const pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        quire_writer *w = NULL;
        quire_document d = QUIRE_DOCUMENT_INIT;
        d.id = "new";
        d.id_len = 3;
        d.text = "zebras crossing";
        d.text_len = strlen(d.text);
        const int ok = quire_writer_open(&w, index_dir(), NULL) == QUIRE_OK &&
                       quire_writer_add(w, &d) == QUIRE_OK &&
                       quire_writer_commit(w, NULL) == QUIRE_OK;
        quire_writer_close(w);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    quire_searcher *old = NULL;
    cr_assert_eq(quire_searcher_new(&old, r), QUIRE_OK);
    quire_reader *n = NULL;
    cr_assert_eq(quire_reader_reopen(&n, r), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_neq(n, r);
    cr_expect_eq(quire_reader_generation(r), 1);
    cr_expect_eq(quire_reader_generation(n), 2);
    quire_reader_close(r);
    quire_searcher *fresh = NULL;
    cr_assert_eq(quire_searcher_new(&fresh, n), QUIRE_OK);
    quire_reader_close(n);
    expect_ids(old, "zebras", "");
    expect_ids(fresh, "zebras", "new");
    expect_ids(old, "xi", "d1 d2");
    expect_ids(fresh, "xi", "d1 d2");
    quire_searcher_free(old);
    quire_searcher_free(fresh);
}

Test(api, errors_have_codes_and_messages)
{
    /* a directory without an index */
    quire_reader *r = (quire_reader *)1;
    cr_expect_eq(quire_reader_open(&r, tmp_root), QUIRE_ENOTFOUND);
    cr_expect_null(r);
    cr_expect_neq(strstr(quire_errmsg(), tmp_root), NULL, "%s", quire_errmsg());

    build_index();
    quire_searcher *s = open_searcher();
    quire_results *res = (quire_results *)1;
    const char *bad = "putin AND (xi";
    cr_expect_eq(quire_search(&res, s, bad, strlen(bad), NULL), QUIRE_EINVAL);
    cr_expect_null(res);
    cr_expect_lt(quire_searcher_error_offset(s), strlen(bad));
    cr_expect_eq(quire_search(&res, s, "", 0, NULL), QUIRE_EINVAL);
    cr_expect_eq(quire_searcher_error_offset(s), SIZE_MAX);
    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    o.flags = QUIRE_SEARCH_LENIENT; /* the same text read as words */
    res = search(s, bad, &o);
    cr_expect_gt(quire_results_hit_count(res), 0);
    quire_results_free(res);
    o.flags = 0;
    o.b = 2;
    cr_expect_eq(quire_search(&res, s, "xi", 2, &o), QUIRE_EINVAL);
    o = (quire_search_options)QUIRE_SEARCH_OPTIONS_INIT;
    o.version = 99;
    cr_expect_eq(quire_search(&res, s, "xi", 2, &o), QUIRE_EINVAL);
    cr_expect_eq(quire_search_options_init(&o, 99), QUIRE_EINVAL);
    cr_expect_eq(quire_search_options_init(&o, QUIRE_SEARCH_OPTIONS_VERSION), QUIRE_OK);
    cr_expect_eq(o.top_k, 10);
    quire_searcher_free(s);

    /* the lock: a second writer, in this process too */
    quire_writer *w = open_writer();
    quire_writer *w2 = (quire_writer *)1;
    cr_expect_eq(quire_writer_open(&w2, index_dir(), NULL), QUIRE_ELOCKED);
    cr_expect_null(w2);
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    cr_expect_neq(strstr(quire_errmsg(), pid), NULL, "%s", quire_errmsg());

    /* bad documents leave the transaction as it was */
    quire_document d = QUIRE_DOCUMENT_INIT;
    d.id = "z";
    d.id_len = 1;
    d.date = "2022-02-30";
    cr_expect_eq(quire_writer_add(w, &d), QUIRE_EINVAL);
    d.date = NULL;
    d.id_len = 0;
    cr_expect_eq(quire_writer_add(w, &d), QUIRE_EINVAL);
    d.id = "a\0b";
    d.id_len = 3;
    cr_expect_eq(quire_writer_add(w, &d), QUIRE_EINVAL);
    cr_expect_eq(quire_writer_delete(w, "", 0), QUIRE_EINVAL);
    d.id = "z";
    d.id_len = 1;
    d.version = 7;
    cr_expect_eq(quire_writer_add(w, &d), QUIRE_EINVAL);
    d.version = QUIRE_DOCUMENT_VERSION;
    d.text = "the one good document";
    d.text_len = strlen(d.text);
    cr_expect_eq(quire_writer_add(w, &d), QUIRE_OK);
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_commit(w, &info), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(info.docs_added, 1);
    quire_writer_close(w);
    cr_expect_eq(quire_writer_open(&w, index_dir(), NULL), QUIRE_OK, "released at close");
    quire_writer_close(w);

    /* options */
    quire_writer_options wo = QUIRE_WRITER_OPTIONS_INIT;
    wo.language = "klingon";
    char fresh[300];
    snprintf(fresh, sizeof fresh, "%s/never", tmp_root);
    cr_expect_eq(quire_writer_open(&w, fresh, &wo), QUIRE_EINVAL);
    cr_expect_neq(strstr(quire_errmsg(), "english"), NULL, "%s", quire_errmsg());
    cr_expect_neq(access(fresh, F_OK), 0, "a bad language must create nothing");
    wo.language = "french";
    cr_expect_eq(quire_writer_open(&w, index_dir(), &wo), QUIRE_EMISMATCH);
    wo.language = NULL;
    wo.keep_diacritics = 1;
    cr_expect_eq(quire_writer_open(&w, index_dir(), &wo), QUIRE_EMISMATCH);
    cr_expect_neq(quire_strerror(QUIRE_ELOCKED), NULL);
}

Test(api, a_document_past_the_budget_is_refused)
{
    quire_writer *w = NULL;
    quire_writer_options o = QUIRE_WRITER_OPTIONS_INIT;
    o.memory = 6u << 20; /* a document may have 1 MiB */
    cr_assert_eq(quire_writer_open(&w, index_dir(), &o), QUIRE_OK, "%s", quire_errmsg());
    const size_t big = (1u << 20) + 1;
    char *text = malloc(big);
    cr_assert_not_null(text);
    for (size_t i = 0; i < big; i++)
        text[i] = i % 6 == 5 ? ' ' : 'a' + (char)(i % 5);
    quire_document d = QUIRE_DOCUMENT_INIT;
    d.id = "big";
    d.id_len = 3;
    d.text = text;
    d.text_len = big;
    cr_expect_eq(quire_writer_add(w, &d), QUIRE_ELIMIT);
    d.text_len = big - 2;
    cr_expect_eq(quire_writer_add(w, &d), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
    free(text);
    quire_writer_close(w);
}

/* A transaction larger than an eighth of the budget goes through the temporary file; the
 * index is the same as one built from memory alone. */
Test(api, a_large_transaction_spills_to_a_file_with_the_same_result)
{
    char dirs[2][300];
    uint64_t stats[2][4];
    for (int k = 0; k < 2; k++) {
        snprintf(dirs[k], sizeof dirs[k], "%s/spill%d", tmp_root, k);
        quire_writer *w = NULL;
        quire_writer_options o = QUIRE_WRITER_OPTIONS_INIT;
        o.memory = k == 0 ? (8u << 20) : 0; /* spills past 1 MiB, or after 128 MiB */
        o.threads = 1;
        cr_assert_eq(quire_writer_open(&w, dirs[k], &o), QUIRE_OK, "%s", quire_errmsg());
        char id[32], text[2048];
        for (int i = 0; i < 2000; i++) { /* ~3 MB */
            snprintf(id, sizeof id, "s%05d", i);
            int n = 0;
            for (int j = 0; j < 150 && n < (int)sizeof text - 16; j++)
                n += snprintf(text + n, sizeof text - (size_t)n, "w%d ", (i * 7 + j * 13) % 997);
            const doc d = {id, NULL, i % 2 ? "2020-01-01" : NULL, text};
            add_doc(w, &d);
            if (i % 400 == 7) {
                snprintf(id, sizeof id, "s%05d", i - 3);
                cr_assert_eq(quire_writer_delete(w, id, strlen(id)), QUIRE_OK);
            }
        }
        cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
        quire_writer_close(w);
        quire_reader *r = NULL;
        cr_assert_eq(quire_reader_open(&r, dirs[k]), QUIRE_OK, "%s", quire_errmsg());
        const quire_stat which[4] = {QUIRE_STAT_DOCS, QUIRE_STAT_TOKENS, QUIRE_STAT_POSTINGS,
                                     QUIRE_STAT_TEXT_BYTES};
        for (int j = 0; j < 4; j++)
            cr_assert_eq(quire_reader_stat(r, which[j], &stats[k][j]), QUIRE_OK);
        quire_reader_close(r);
        cr_expect_eq(quire_verify(dirs[k], NULL, NULL), QUIRE_OK, "%s", quire_errmsg());
    }
    cr_expect_eq(stats[0][0], 2000 - 5);
    for (int j = 0; j < 4; j++)
        cr_expect_eq(stats[0][j], stats[1][j], "statistic %d", j);
}

Test(api, optimize_leaves_one_segment_without_deletions)
{
    build_index();
    for (int round = 0; round < 2; round++) {
        quire_writer *w = open_writer();
        const doc d = {round ? "r1" : "r0", NULL, NULL, "another commit, another segment"};
        add_doc(w, &d);
        cr_assert_eq(quire_writer_delete(w, "d3", 2), QUIRE_OK);
        cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
        quire_writer_close(w);
    }
    quire_writer *w = open_writer();
    quire_commit_info info = QUIRE_COMMIT_INFO_INIT;
    cr_assert_eq(quire_writer_optimize(w, &info), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(info.segments, 1);
    cr_expect_gt(info.merges, 0);
    quire_writer_close(w);
    quire_reader *r = NULL;
    cr_assert_eq(quire_reader_open(&r, index_dir()), QUIRE_OK, "%s", quire_errmsg());
    uint64_t v;
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_SEGMENTS, &v), QUIRE_OK);
    cr_expect_eq(v, 1);
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_DELETED_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, 0);
    cr_assert_eq(quire_reader_stat(r, QUIRE_STAT_DOCS, &v), QUIRE_OK);
    cr_expect_eq(v, DOC_COUNT + 1);
    quire_reader_close(r);
    cr_expect_eq(quire_verify(index_dir(), NULL, NULL), QUIRE_OK, "%s", quire_errmsg());
}

Test(api, plain_and_stopwords_flags_read_the_query_as_quire_query_does)
{
    build_index();
    quire_searcher *s = open_searcher();
    char ids[256];
    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    /* a ranked OR leaves the stopwords out: `the` and `and` are in d1 d2 d3 d4 */
    o.flags = QUIRE_SEARCH_ANY;
    quire_results *res = search(s, "the snow and the", &o);
    hit_ids(res, ids, sizeof ids);
    cr_expect_str_eq(ids, "d3");
    quire_results_free(res);
    o.flags = QUIRE_SEARCH_ANY | QUIRE_SEARCH_STOPWORDS;
    res = search(s, "the snow and the", &o);
    hit_ids(res, ids, sizeof ids);
    cr_expect_str_eq(ids, "d1 d2 d3 d4");
    quire_results_free(res);
    /* plain words: AND, NOT and the quotes are words */
    o.flags = 0;
    res = search(s, "summit NOT \"trade\"", &o);
    cr_expect_eq(quire_results_hit_count(res), 0); /* d4 has trade */
    quire_results_free(res);
    o.flags = QUIRE_SEARCH_PLAIN | QUIRE_SEARCH_ANY;
    res = search(s, "summit NOT \"trade\"", &o);
    hit_ids(res, ids, sizeof ids);
    cr_expect_str_eq(ids, "d4"); /* `not` left out, summit and trade ranked */
    quire_results_free(res);
    o.flags = 1u << 9; /* unknown */
    cr_expect_eq(quire_search(&res, s, "xi", 2, &o), QUIRE_EINVAL);
    quire_searcher_free(s);
}
