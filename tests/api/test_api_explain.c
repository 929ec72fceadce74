/*
 * test_api_explain.c - what libquire says about what a query searched, through
 * <quire/quire.h> only, on the sample corpus (tests/data, the five seed articles): the
 * other spellings of a name (QUIRE_SEARCH_NOTES), fuzzy words, approximate quotes with
 * their renderings word by word, a quote without exact matches searched approximately
 * (QUIRE_SEARCH_FALLBACK), explain data whose clause scores add up to each hit's score
 * (QUIRE_SEARCH_EXPLAIN), and version 1 of the search options beside version 2.
 */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>
#include <ftw.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "quire/quire.h"

static char root[256];
static quire_reader *reader;
static quire_searcher *searcher;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void setup(void)
{
    const char *src = getenv("QUIRE_SOURCE_DIR");
    cr_assert(src != NULL, "QUIRE_SOURCE_DIR is not set");
    snprintf(root, sizeof root, "/tmp/quire-api-explain-XXXXXX");
    cr_assert(mkdtemp(root) != NULL);
    char dir[300], inputs[5][400];
    snprintf(dir, sizeof dir, "%s/index", root);
    static const char *const seeds[] = {"000_9f4ac158bb6fb716.txt", "001_886f29eb415a0045.txt",
                                        "002_bbff4ad5db431cf0.txt", "003_b377222dc834d2b2.txt",
                                        "004_6da4784a313262bc.txt"};
    const char *paths[5];
    for (int i = 0; i < 5; i++) {
        snprintf(inputs[i], sizeof inputs[i], "%s/tests/data/%s", src, seeds[i]);
        paths[i] = inputs[i];
    }
    quire_writer *w = NULL;
    cr_assert_eq(quire_writer_open(&w, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_writer_add_files(w, paths, 5, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_writer_commit(w, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_writer_close(w);
    cr_assert_eq(quire_reader_open(&reader, dir), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_searcher_new(&searcher, reader), QUIRE_OK);
}

static void teardown(void)
{
    quire_searcher_free(searcher);
    quire_reader_close(reader);
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(api_explain, .init = setup, .fini = teardown);

static quire_results *run(const char *q, unsigned flags, uint32_t passages)
{
    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    o.flags = flags;
    o.passages = passages;
    quire_results *res = NULL;
    cr_assert_eq(quire_search(&res, searcher, q, strlen(q), &o), QUIRE_OK, "%s: %s", q,
                 quire_errmsg());
    return res;
}

/* "000 003 002": the seed numbers of the hits, best first. */
static void seeds_of(const quire_results *res, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < quire_results_hit_count(res); i++) {
        const char *id = quire_hit_id(quire_results_hit(res, i), NULL);
        const char *slash = strrchr(id, '/');
        const size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%.3s", i ? " " : "", slash ? slash + 1 : id);
    }
}

static bool has_variant(const quire_results *res, size_t note, const char *form)
{
    for (size_t k = 0; k < quire_results_note_variant_count(res, note); k++) {
        const quire_form f = quire_results_note_variant(res, note, k);
        if (strcmp(f.form, form) == 0)
            return f.documents > 0;
    }
    return false;
}

Test(api_explain, a_name_notes_its_other_spellings_only_when_asked)
{
    quire_results *res = run("Zelensky", QUIRE_SEARCH_NOTES, 0);
    char got[64];
    seeds_of(res, got, sizeof got);
    cr_expect_eq(quire_results_hit_count(res), 3, "plain Zelensky: %s", got);
    cr_assert_eq(quire_results_note_count(res), 1);
    cr_expect_str_eq(quire_results_note_word(res, 0), "zelensky");
    cr_expect(has_variant(res, 0, "zelenskyy"), "zelenskyy noted");
    cr_expect(has_variant(res, 0, "zelenskiy"), "zelenskiy noted");
    cr_expect_null(quire_results_note_word(res, 1));
    quire_results_free(res);

    res = run("Zelensky", 0, 0);
    cr_expect_eq(quire_results_note_count(res), 0);
    cr_expect_eq(quire_results_fuzzy_count(res), 0);
    quire_results_free(res);
}

Test(api_explain, a_fuzzy_word_says_what_it_searched)
{
    quire_results *res = run("Zelensky~", 0, 0);
    cr_expect_eq(quire_results_hit_count(res), 5);
    cr_assert_eq(quire_results_fuzzy_count(res), 1);
    const quire_fuzzy_word f = quire_results_fuzzy(res, 0);
    cr_expect_str_eq(f.word, "zelensky");
    cr_expect_eq(f.distance, 2, "8 letters: distance 2 by default");
    cr_expect_eq(f.lowered_from, -1);
    cr_expect_geq(f.searched, 3, "zelensky, zelenskyy, zelenskiy at least");
    cr_expect_geq(f.in_reach, f.searched);
    cr_expect_null(quire_results_fuzzy(res, 1).word);
    quire_results_free(res);
}

Test(api_explain, an_approximate_quote_gives_its_renderings_word_by_word)
{
    quire_results *res = run("\"We are expecting you, dear Mr Chairman\"~", 0, 1);
    char got[64];
    seeds_of(res, got, sizeof got);
    cr_expect_str_eq(got, "000 003 002", "exact renderings first");
    cr_assert_eq(quire_results_quote_count(res), 1);
    const quire_quote q = quire_results_quote(res, 0);
    cr_expect_eq(q.word_count, 7);
    cr_expect_eq(q.exact_documents, 2);
    cr_expect_geq(q.renderings, 3);
    cr_expect_str_eq(quire_results_quote_word(res, 0, 2), "expecting");
    cr_expect_null(quire_results_quote_word(res, 0, 7));
    cr_expect_gt(q.threshold, 0);

    for (size_t i = 0; i < quire_results_hit_count(res); i++) {
        const quire_hit *h = quire_results_hit(res, i);
        cr_assert_geq(quire_hit_rendering_count(h), 1, "hit %zu has a rendering", i);
        const quire_rendering *r = quire_hit_rendering(h, 0);
        cr_expect_eq(quire_rendering_quote(r), 0);
        const double c = quire_rendering_closeness(r);
        cr_expect(i < 2 ? c == 1.0 : c < 1.0 && c >= q.threshold, "hit %zu closeness %g", i, c);
        /* the rendering lies in a passage, and each of its words inside it */
        const quire_span span = quire_rendering_span(r);
        cr_assert(!quire_rendering_in_title(r));
        const quire_passage *p = quire_hit_passage(h, 0);
        cr_assert_not_null(p);
        const quire_span ps = quire_passage_span(p);
        cr_expect(ps.start <= span.start && span.end <= ps.end, "hit %zu: rendering in passage", i);
        size_t differing = 0;
        for (size_t k = 0; k < quire_rendering_word_count(r); k++) {
            const quire_aligned a = quire_rendering_word(r, k);
            cr_expect(span.start <= a.span.start && a.span.end <= span.end &&
                      a.span.start < a.span.end);
            cr_expect(a.kind == QUIRE_WORD_INSERTED ? a.quote_word == -1
                                                    : a.quote_word >= 0 && a.quote_word < 7);
            differing += a.kind != QUIRE_WORD_SAME;
        }
        cr_expect(i < 2 ? differing == 0 : differing > 0, "hit %zu: %zu words differ", i,
                  differing);
        /* 002 says "waiting for" where the quote says "expecting" */
        if (i == 2) {
            size_t len;
            const char *text = quire_passage_text(p, &len);
            bool substituted_waiting = false;
            for (size_t k = 0; k < quire_rendering_word_count(r); k++) {
                const quire_aligned a = quire_rendering_word(r, k);
                if (a.kind != QUIRE_WORD_SAME &&
                    strncmp(text + (a.span.start - ps.start), "waiting", 7) == 0)
                    substituted_waiting = true;
            }
            cr_expect(substituted_waiting, "002's 'waiting' is marked as differing");
        }
        cr_expect_eq(quire_rendering_missing(r, quire_rendering_missing_count(r)), SIZE_MAX);
    }
    quire_results_free(res);
}

Test(api_explain, a_quote_without_exact_matches_falls_back_only_when_asked)
{
    const char *quote = "\"We are waiting for you, dear Mr Chairman\"";
    quire_results *res = run(quote, 0, 0);
    cr_expect_eq(quire_results_hit_count(res), 0);
    cr_expect(!quire_results_fell_back(res));
    quire_results_free(res);
    res = run(quote, QUIRE_SEARCH_FALLBACK, 0);
    cr_expect(quire_results_fell_back(res));
    char got[64];
    seeds_of(res, got, sizeof got);
    cr_expect_str_eq(got, "002 000 003", "its close renderings");
    quire_results_free(res);
}

Test(api_explain, clause_scores_add_up_to_each_hits_score)
{
    quire_results *res = run("putin xi -zelensky", QUIRE_SEARCH_EXPLAIN, 0);
    cr_assert_gt(quire_results_hit_count(res), 0);
    cr_assert_not_null(quire_results_parsed(res));
    const size_t n = quire_results_clause_count(res);
    cr_assert_eq(n, 3, "%s", quire_results_parsed(res));
    bool excluded = false;
    for (size_t i = 0; i < n; i++) {
        const quire_clause *c = quire_results_clause(res, i);
        cr_expect_str_eq(quire_clause_kind(c), "word");
        cr_expect_not_null(quire_clause_stem(c));
        cr_expect_gt(quire_clause_documents(c), 0);
        cr_expect_gt(quire_clause_form_count(c), 0);
        cr_expect_not_null(quire_clause_form(c, 0).form);
        cr_expect_null(quire_clause_form(c, quire_clause_form_count(c)).form);
        cr_expect_eq(quire_clause_distance(c), -1);
        if (quire_clause_excluded(c)) {
            excluded = true;
            cr_expect_str_eq(quire_clause_label(c), "zelensky");
        } else {
            cr_expect_gt(quire_clause_weight(c), 0);
        }
    }
    cr_expect(excluded, "the NOT clause is listed, excluded");
    cr_expect_null(quire_results_clause(res, n));
    for (size_t h = 0; h < quire_results_hit_count(res); h++) {
        const quire_hit *hit = quire_results_hit(res, h);
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t tf = 99;
            const double part = quire_hit_clause_score(hit, i, &tf);
            if (quire_clause_excluded(quire_results_clause(res, i)))
                cr_expect(part == 0 && tf == 0, "a NOT clause adds nothing");
            else
                cr_expect(part > 0 && tf > 0, "hit %zu clause %zu: %g, tf %llu", h, i, part,
                          (unsigned long long)tf);
            sum += part;
        }
        const double score = quire_hit_score(hit);
        cr_expect(fabs(sum - score) <= 1e-9 * fabs(score), "hit %zu: parts %.12f, score %.12f", h,
                  sum, score);
        cr_expect_eq(quire_hit_clause_score(hit, n, NULL), 0);
    }
    quire_results_free(res);

    res = run("putin xi", 0, 0);
    cr_expect_null(quire_results_parsed(res));
    cr_expect_eq(quire_results_clause_count(res), 0);
    uint64_t tf = 99;
    cr_expect_eq(quire_hit_clause_score(quire_results_hit(res, 0), 0, &tf), 0);
    cr_expect_eq(tf, 0);
    quire_results_free(res);
}

Test(api_explain, version_1_options_are_read_without_the_fields_of_version_2)
{
    /* a version-1 caller's struct ends before closeness: nothing past it is written */
    union {
        quire_search_options o;
        unsigned char bytes[sizeof(quire_search_options)];
    } u;
    memset(u.bytes, 0xAB, sizeof u.bytes);
    cr_assert_eq(quire_search_options_init(&u.o, 1), QUIRE_OK);
    for (size_t i = offsetof(quire_search_options, closeness); i < sizeof u.bytes; i++)
        cr_assert_eq(u.bytes[i], 0xAB, "byte %zu past a version-1 struct was written", i);
    cr_expect_eq(u.o.version, 1);
    cr_expect_eq(u.o.top_k, 10);
    quire_results *res = NULL;
    const char *q = "\"We are expecting you, dear Mr Chairman\"~";
    cr_assert_eq(quire_search(&res, searcher, q, strlen(q), &u.o), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_results_hit_count(res), 3, "version 1: the default closeness");
    quire_results_free(res);

    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    cr_expect_eq(o.closeness, 0.6);
    o.closeness = 0.99; /* only the exact renderings are that close */
    cr_assert_eq(quire_search(&res, searcher, q, strlen(q), &o), QUIRE_OK);
    cr_expect_eq(quire_results_hit_count(res), 2);
    quire_results_free(res);
    o.closeness = 0;
    cr_expect_eq(quire_search(&res, searcher, q, strlen(q), &o), QUIRE_EINVAL);
    o.closeness = 1.5;
    cr_expect_eq(quire_search(&res, searcher, q, strlen(q), &o), QUIRE_EINVAL);
    cr_expect_eq(quire_search_options_init(&o, 3), QUIRE_EINVAL);
    cr_expect_eq(quire_search_options_init(&o, 0), QUIRE_EINVAL);
}

Test(api_explain, sorted_by_date_paged_and_hinted)
{
    const char *q = "\"We are waiting for you, dear Mr Chairman\"~";
    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    quire_results *res = NULL;
    char got[64];
    static const struct {
        int sort;
        uint32_t offset;
        const char *want;
    } cases[] = {{QUIRE_SORT_RELEVANCE, 0, "002 000 003"},
                 {QUIRE_SORT_DATE, 0, "003 002 000"},      /* 000 has no date: last */
                 {QUIRE_SORT_DATE_DESC, 0, "002 003 000"}, /* ... in both orders */
                 {QUIRE_SORT_RELEVANCE, 1, "000 003"},
                 {QUIRE_SORT_DATE, 2, "000"},
                 {QUIRE_SORT_RELEVANCE, 3, ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        o.sort = cases[i].sort;
        o.offset = cases[i].offset;
        cr_assert_eq(quire_search(&res, searcher, q, strlen(q), &o), QUIRE_OK, "%s",
                     quire_errmsg());
        seeds_of(res, got, sizeof got);
        cr_expect_str_eq(got, cases[i].want, "sort %d offset %u", cases[i].sort,
                         (unsigned)cases[i].offset);
        uint64_t matches = quire_results_match_count(res, NULL);
        cr_expect_eq(matches, 3, "the count is the query's, not the page's");
        quire_results_free(res);
    }
    o.sort = 7;
    cr_expect_eq(quire_search(&res, searcher, q, strlen(q), &o), QUIRE_EINVAL);

    res = run("\"we are expecting you ... next winter\"", 0, 0);
    cr_expect_eq(quire_results_hit_count(res), 0);
    const char *hint = quire_results_hint(res);
    cr_assert_not_null(hint);
    cr_expect(strstr(hint, "\"we are expecting you\" is in 2 documents") != NULL, "%s", hint);
    quire_results_free(res);
    res = run("putin", 0, 0);
    cr_expect_null(quire_results_hint(res));
    quire_results_free(res);
}

/* The whole of a file, NUL-terminated. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

Test(api_explain, passages_and_highlights_point_into_their_source_file)
{
    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    o.passages = 2;
    o.time_limit_ms = 60000; /* a limit that is not reached changes nothing */
    quire_results *res = NULL;
    const char *q = "\"dear friend\" OR Chairman";
    cr_assert_eq(quire_search(&res, searcher, q, strlen(q), &o), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_gt(quire_results_hit_count(res), 0);
    size_t checked = 0;
    for (size_t i = 0; i < quire_results_hit_count(res); i++) {
        const quire_hit *h = quire_results_hit(res, i);
        size_t olen;
        const char *origin = quire_hit_origin(h, &olen);
        cr_assert_eq(strlen(origin), olen);
        cr_expect_str_eq(origin, quire_hit_id(h, NULL), "a plain file's id is its path");
        size_t flen;
        char *file = slurp(origin, &flen);
        const quire_position start = quire_hit_source(h);
        cr_expect_geq(start.line, 1);
        for (size_t k = 0; k < quire_hit_passage_count(h); k++) {
            const quire_passage *p = quire_hit_passage(h, k);
            const quire_position ps = quire_passage_source(p);
            cr_assert_neq(ps.offset, UINT64_MAX, "the seeds are UTF-8 as they are");
            size_t plen;
            const char *text = quire_passage_text(p, &plen);
            cr_assert_leq(ps.offset + plen, flen);
            cr_expect(memcmp(file + ps.offset, text, plen) == 0,
                      "%s: passage %zu is not at byte %llu", origin, k,
                      (unsigned long long)ps.offset);
            cr_expect_geq(ps.line, start.line);
            cr_expect_geq(ps.column, 1);
            const quire_span span = quire_passage_span(p);
            for (size_t j = 0; j < quire_passage_highlight_count(p); j++) {
                const quire_span hs = quire_passage_highlight(p, j);
                const quire_position hp = quire_passage_highlight_source(p, j);
                cr_expect_eq(hp.offset, ps.offset + (hs.start - span.start));
                cr_expect(memcmp(file + hp.offset, text + (hs.start - span.start),
                                 hs.end - hs.start) == 0);
                /* its line: one more than the newlines before it in the file */
                uint64_t line = 1;
                for (uint64_t b = 0; b < hp.offset; b++)
                    line += file[b] == '\n';
                cr_expect_eq(hp.line, line, "highlight at byte %llu",
                             (unsigned long long)hp.offset);
                checked++;
            }
            cr_expect_eq(quire_passage_highlight_source(p, quire_passage_highlight_count(p)).line,
                         0);
        }
        free(file);
    }
    cr_expect_gt(checked, 3, "highlights were checked");
    quire_results_free(res);
}

Test(api_explain, a_stored_document_whole_with_the_querys_matches)
{
    quire_results *res = run("Chairman", 0, 0);
    cr_assert_gt(quire_results_hit_count(res), 0);
    size_t id_len;
    const char *id = quire_hit_id(quire_results_hit(res, 0), &id_len);
    char *id_copy = strndup(id, id_len);
    const char *date = quire_hit_date(quire_results_hit(res, 0));
    char *date_copy = date != NULL ? strdup(date) : NULL;
    quire_results_free(res);

    quire_stored *d = NULL;
    const char *q = "chairman OR \"dear friend\"";
    cr_assert_eq(
        quire_searcher_document(&d, searcher, id_copy, strlen(id_copy), q, strlen(q), NULL),
        QUIRE_OK, "%s", quire_errmsg());
    size_t len, flen;
    cr_expect_str_eq(quire_stored_id(d, &len), id_copy);
    if (date_copy != NULL)
        cr_expect_str_eq(quire_stored_date(d), date_copy);
    const char *text = quire_stored_text(d, &len);
    char *file = slurp(id_copy, &flen);
    cr_expect_not_null(strstr(file, text), "the stored text is the file's (after its date line)");
    cr_assert_gt(quire_stored_highlight_count(d), 1);
    size_t prev_end = 0;
    for (size_t i = 0; i < quire_stored_highlight_count(d); i++) {
        const quire_span s = quire_stored_highlight(d, i);
        cr_assert(s.start >= prev_end && s.start < s.end && s.end <= len);
        const size_t n = s.end - s.start;
        cr_expect(strncasecmp(text + s.start, "chairman", n) == 0 ||
                      strncasecmp(text + s.start, "dear friend", n) == 0,
                  "highlight %zu: %.*s", i, (int)n, text + s.start);
        prev_end = s.end;
    }
    quire_stored_free(d);

    /* without a query: nothing marked; an unknown id: QUIRE_ENOTFOUND */
    cr_assert_eq(quire_searcher_document(&d, searcher, id_copy, strlen(id_copy), NULL, 0, NULL),
                 QUIRE_OK);
    cr_expect_eq(quire_stored_highlight_count(d), 0);
    cr_expect_eq(quire_stored_highlight(d, 0).end, 0);
    quire_stored_free(d);
    d = (quire_stored *)1;
    cr_expect_eq(quire_searcher_document(&d, searcher, "no such id", 10, NULL, 0, NULL),
                 QUIRE_ENOTFOUND);
    cr_expect_null(d);
    free(file);
    free(id_copy);
    free(date_copy);
}

Test(api_explain, an_approximate_quotes_clause_weighs_its_words)
{
    quire_results *res =
        run("\"We are expecting you, dear Mr Chairman\"~", QUIRE_SEARCH_EXPLAIN, 0);
    cr_assert_eq(quire_results_clause_count(res), 1);
    const quire_clause *c = quire_results_clause(res, 0);
    cr_expect_str_eq(quire_clause_kind(c), "approximate quote");
    cr_assert_eq(quire_clause_word_count(c), 7);
    double we = 0, chairman = 0;
    for (size_t i = 0; i < 7; i++) {
        cr_expect_geq(quire_clause_word_weight(c, i), 1, "1 + idf");
        if (strcmp(quire_results_quote_word(res, 0, i), "we") == 0)
            we = quire_clause_word_weight(c, i);
        if (strcmp(quire_results_quote_word(res, 0, i), "chairman") == 0)
            chairman = quire_clause_word_weight(c, i);
    }
    cr_expect_gt(chairman, we, "a rarer word weighs more");
    cr_expect_eq(quire_clause_word_weight(c, 7), 0);
    quire_results_free(res);
}

/* The library's hits for `q` with `o`, as quire-query --format trec prints them
 * ("id score" a line, the score to 4 decimals). */
static void trec_of(const char *q, const quire_search_options *o, char *out, size_t cap)
{
    quire_results *res = NULL;
    cr_assert_eq(quire_search(&res, searcher, q, strlen(q), o), QUIRE_OK, "%s: %s", q,
                 quire_errmsg());
    out[0] = '\0';
    for (size_t i = 0; i < quire_results_hit_count(res); i++) {
        const quire_hit *h = quire_results_hit(res, i);
        const size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s %.4f\n", quire_hit_id(h, NULL), quire_hit_score(h));
    }
    quire_results_free(res);
}

/* quire-query's hits for the same, through its --format trec output. */
static void cli_trec_of(const char *flags, const char *q, char *out, size_t cap)
{
    const char *bin = getenv("QUIRE_BINARY_DIR");
    cr_assert(bin != NULL, "QUIRE_BINARY_DIR is not set");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s/quire-query' --format trec %s '%s/index' '%s'", bin, flags, root,
             q);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    out[0] = '\0';
    char line[1024], id[600];
    double score;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "%*s Q0 %599s %*d %lf", id, &score) == 2) {
            const size_t n = strlen(out);
            snprintf(out + n, cap - n, "%s %.4f\n", id, score);
        }
    pclose(f);
}

Test(api_explain, the_options_beyond_bm25_rank_as_quire_query_does)
{
    static const struct {
        const char *cli;
        unsigned flags;
        double title_weight;
        uint32_t rm3_docs, rm3_terms;
        double rm3_weight;
    } cases[] = {
        {"", 0, 1.0, 10, 10, 0.5},
        {"--title-weight 3", 0, 3.0, 10, 10, 0.5},
        {"--proximity", QUIRE_SEARCH_PROXIMITY, 1.0, 10, 10, 0.5},
        {"--any --rm3", QUIRE_SEARCH_ANY | QUIRE_SEARCH_RM3, 1.0, 10, 10, 0.5},
        {"--any --rm3-docs 2 --rm3-terms 5 --rm3-weight 0.7", QUIRE_SEARCH_ANY | QUIRE_SEARCH_RM3,
         1.0, 2, 5, 0.7},
    };
    char plain[4096] = "";
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
        o.flags = cases[i].flags;
        o.title_weight = cases[i].title_weight;
        o.rm3_docs = cases[i].rm3_docs;
        o.rm3_terms = cases[i].rm3_terms;
        o.rm3_weight = cases[i].rm3_weight;
        char lib[4096], cli[4096];
        trec_of("putin xi", &o, lib, sizeof lib);
        cli_trec_of(cases[i].cli, "putin xi", cli, sizeof cli);
        cr_assert_gt(strlen(lib), 0);
        cr_expect_str_eq(lib, cli, "%s: the library and quire-query differ", cases[i].cli);
        if (i == 0)
            snprintf(plain, sizeof plain, "%s", lib);
        else if (i < 3)
            cr_expect_str_neq(lib, plain, "%s changes the scores", cases[i].cli);
    }

    quire_search_options o = QUIRE_SEARCH_OPTIONS_INIT;
    quire_results *res = NULL;
    o.title_weight = 0;
    cr_expect_eq(quire_search(&res, searcher, "xi", 2, &o), QUIRE_EINVAL);
    o = (quire_search_options)QUIRE_SEARCH_OPTIONS_INIT;
    o.flags = QUIRE_SEARCH_ANY | QUIRE_SEARCH_RM3;
    o.rm3_docs = 0;
    cr_expect_eq(quire_search(&res, searcher, "xi", 2, &o), QUIRE_EINVAL);
    o = (quire_search_options)QUIRE_SEARCH_OPTIONS_INIT;
    o.flags = QUIRE_SEARCH_PROXIMITY | QUIRE_SEARCH_EXPLAIN;
    cr_expect_eq(quire_search(&res, searcher, "xi", 2, &o), QUIRE_EINVAL);
    o = (quire_search_options)QUIRE_SEARCH_OPTIONS_INIT;
    o.sort = QUIRE_SORT_DATE;
    o.title_weight = 2;
    cr_expect_eq(quire_search(&res, searcher, "xi", 2, &o), QUIRE_EINVAL);
}
