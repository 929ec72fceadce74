/*
 * test_passage.c - passages and highlights (query/passage.c, phrase_doc_spans), end to end
 * through search_query() on indexes written by the quire-index program:
 *   - the quote examples of issue #3 on the sample articles: the whole quote is one
 *     highlight, the stemmed words are marked, a NOT's words are not;
 *   - small crafted documents: a phrase's words outside the phrase stay unmarked, NEAR
 *     marks only paired occurrences, cuts fall on UTF-8 boundaries and are flagged, a
 *     title-only match gets the opening passage, several passages do not overlap;
 *   - the oracle: random phrases and words from a real corpus (CACM + Reuters-21578);
 *     for every hit, every passage's highlights must be exactly the brute-force
 *     occurrences (re-tokenized stored text) that meet the passage, clipped to it and
 *     merged where they overlap, and the title's all its occurrences;
 *   - text maps: an index of format version 2 (no maps: whole texts tokenised) and one of
 *     today (maps: only regions read) give the same passages; and on long Wikipedia
 *     articles passage_build() from the regions' bytes alone equals it from the whole text.
 */
#include "query.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oracle_corpus.h"
#include "passage.h"
#include "quire/analysis.h"
#include "quire/date.h"
#include "quire/index.h"
#include "test_util.h"
#include "corpus_fixture.h"

static search_result run(searcher *s, const char *q, uint32_t k, uint32_t passages, size_t bytes)
{
    search_options o;
    search_options_init(&o);
    o.query = q;
    o.query_len = strlen(q);
    o.top_k = k;
    o.passages = passages;
    o.passage_bytes = bytes;
    search_result r;
    cr_assert_eq(search_query(&r, s, &o), QUIRE_OK, "%s: %s", q, quire_errmsg());
    return r;
}

/* The highlighted bytes of passage p, highlight i, as a new string. */
static char *hl_text(const search_passage *p, uint32_t i)
{
    const search_highlight *h = &p->highlights[i];
    cr_assert(h->start >= p->start && h->end <= p->end && h->start < h->end);
    return strndup(p->text + (h->start - p->start), h->end - h->start);
}

/* Whether some highlight of some passage of hit h reads exactly `want`. */
static bool has_highlight(const search_hit *h, const char *want)
{
    for (uint32_t k = 0; k < h->passage_count; k++)
        for (uint32_t i = 0; i < h->passages[k].highlight_count; i++) {
            char *t = hl_text(&h->passages[k], i);
            const bool eq = strcmp(t, want) == 0;
            free(t);
            if (eq)
                return true;
        }
    return false;
}

static uint32_t highlight_total(const search_hit *h)
{
    uint32_t n = 0;
    for (uint32_t k = 0; k < h->passage_count; k++)
        n += h->passages[k].highlight_count;
    return n;
}

/* Checks that hold for every hit: passages in text order, disjoint, on UTF-8 character
 * boundaries, with highlights inside, ascending and disjoint. */
static void check_shape(const search_hit *h, const char *text, size_t text_len)
{
    for (uint32_t k = 0; k < h->passage_count; k++) {
        const search_passage *p = &h->passages[k];
        cr_assert(p->start < p->end && p->end <= text_len);
        cr_expect((text[p->start] & 0xC0) != 0x80, "passage starts inside a character");
        cr_expect(p->end == text_len || (text[p->end] & 0xC0) != 0x80,
                  "passage ends inside a character");
        cr_expect_eq(memcmp(p->text, text + p->start, p->end - p->start), 0);
        if (k > 0)
            cr_expect(h->passages[k - 1].end <= p->start, "passages overlap or are out of order");
        for (uint32_t i = 0; i < p->highlight_count; i++) {
            const search_highlight *x = &p->highlights[i];
            cr_expect(x->start >= p->start && x->end <= p->end && x->start < x->end);
            if (i > 0)
                cr_expect(p->highlights[i - 1].end <= x->start);
        }
    }
}

/* ---- the sample articles ---- */

static const search_hit *hit_of(const search_result *r, const char *num)
{
    for (uint32_t i = 0; i < r->hit_count; i++) {
        const char *base = strrchr(r->hits[i].external_id, '/');
        if (strncmp(base ? base + 1 : r->hits[i].external_id, num, 3) == 0)
            return &r->hits[i];
    }
    return NULL;
}

Test(passage, marks_the_quotes_of_the_sample_corpus)
{
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char *dir = make_tmp();
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s'/tests/data/00?_*.txt", src);
    char *idx = index_inputs(dir, inputs);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    const char *quote = "We are expecting you, dear Mr Chairman";
    char q[256];
    snprintf(q, sizeof q, "\"%s\"", quote);
    search_result r = run(s, q, 10, 1, 240);
    cr_assert_eq(r.hit_count, 2);
    for (uint32_t i = 0; i < r.hit_count; i++) {
        const search_hit *h = &r.hits[i];
        cr_assert_eq(h->passage_count, 1);
        /* the whole quote is one highlight, and nothing else is marked */
        cr_expect_eq(highlight_total(h), 1, "%s", h->external_id);
        cr_expect(has_highlight(h, quote), "%s: the quote is not one highlight", h->external_id);
    }
    search_result_free(&r);

    r = run(s, "\xe2\x80\x9cno limits\xe2\x80\x9d", 10, 1, 240);
    cr_assert_eq(r.hit_count, 2);
    cr_expect(hit_of(&r, "001") && has_highlight(hit_of(&r, "001"), "no limits"));
    cr_expect(hit_of(&r, "003") && has_highlight(hit_of(&r, "003"), "no limits"));
    search_result_free(&r);

    /* by stem: "expecting" and "visit" are marked, and only words of those stems */
    r = run(s, "expect visit", 10, 2, 240);
    const search_hit *h = hit_of(&r, "003");
    cr_assert(h != NULL);
    cr_expect(has_highlight(h, "expecting") && has_highlight(h, "visit"));
    for (uint32_t i = 0; i < r.hit_count; i++)
        for (uint32_t k = 0; k < r.hits[i].passage_count; k++)
            for (uint32_t j = 0; j < r.hits[i].passages[k].highlight_count; j++) {
                char *t = hl_text(&r.hits[i].passages[k], j);
                cr_expect(strncmp(t, "expect", 6) == 0 || strncmp(t, "visit", 5) == 0 ||
                              strncmp(t, "Visit", 5) == 0,
                          "'%s' marked for expect visit", t);
                free(t);
            }
    search_result_free(&r);

    /* a word under NOT is not marked, even where the document has it */
    r = run(s, "putin NOT (xi qqqzzz)", 10, 3, 240);
    cr_assert_gt(r.hit_count, 0);
    for (uint32_t i = 0; i < r.hit_count; i++) {
        cr_expect(!has_highlight(&r.hits[i], "Xi"), "%s: Xi marked", r.hits[i].external_id);
        cr_expect(has_highlight(&r.hits[i], "Putin"));
    }
    search_result_free(&r);

    search_close(s);
    free(idx);
    remove_tmp(dir);
}

/* ---- crafted documents ---- */

static void write_file(const char *path, const char *body)
{
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs(body, f);
    fclose(f);
}

static const search_hit *hit_by_id(const search_result *r, const char *id)
{
    for (uint32_t i = 0; i < r->hit_count; i++)
        if (strcmp(r->hits[i].external_id, id) == 0)
            return &r->hits[i];
    return NULL;
}

Test(passage, marks_what_matched_and_cuts_cleanly)
{
    char *dir = make_tmp();
    char path[4200], inputs[4300];
    snprintf(path, sizeof path, "%s/docs.jsonl", dir);
    /* doc "long": 40 sentences of multi-byte text with the match in the middle */
    char longtext[8192] = "";
    for (int i = 0; i < 40; i++) {
        strcat(longtext, i == 20 ? "Le caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 zebra crossing "
                                   "\xf0\x9f\x98\x80 d\xc3\xa9j\xc3\xa0 vu. "
                                 : "Caf\xc3\xa9 cr\xc3\xa8me \xe2\x80\x94 br\xc3\xbbl\xc3\xa9"
                                   "e "
                                   "\xc3\xa0 la fran\xc3\xa7"
                                   "aise. ");
    }
    char body[16384];
    snprintf(body, sizeof body,
             "{\"id\":\"a\",\"title\":\"Limits of power\",\"text\":\"There are limits. They "
             "promised a no limits friendship. Limits again.\"}\n"
             "{\"id\":\"b\",\"title\":\"\",\"text\":\"Putin met Xi today. Much later, long after "
             "everything else had been said, Xi spoke again and Putin left.\"}\n"
             "{\"id\":\"c\",\"title\":\"A unique title\",\"text\":\"Nothing here matches. "
             "Second sentence.\"}\n"
             "{\"id\":\"d\",\"title\":\"\",\"text\":\"Alpha one. Filler words here. Beta two "
             "alpha. More filler words to pass. Gamma alpha three. Yet more filler text "
             "now. Alpha four.\"}\n"
             "{\"id\":\"long\",\"title\":\"\",\"text\":\"%s\"}\n",
             longtext);
    write_file(path, body);
    snprintf(inputs, sizeof inputs, "'%s'", path);
    char *idx = index_inputs(dir, inputs);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    /* a phrase marks the phrase, not its words elsewhere (title included) */
    search_result r = run(s, "\"no limits\"", 10, 3, 240);
    const search_hit *h = hit_by_id(&r, "a");
    cr_assert(h != NULL);
    cr_expect_eq(highlight_total(h), 1);
    cr_expect(has_highlight(h, "no limits"));
    cr_expect_eq(h->title_highlight_count, 0);
    search_result_free(&r);

    /* the bare word marks every form, in the title too (by byte offsets into it) */
    r = run(s, "limits", 10, 1, 240);
    h = hit_by_id(&r, "a");
    cr_assert(h != NULL);
    cr_expect_eq(highlight_total(h), 3);
    cr_assert_eq(h->title_highlight_count, 1);
    cr_expect_eq(h->title_highlights[0].start, 0);
    cr_expect_eq(h->title_highlights[0].end, 6);
    cr_expect(!h->passages[0].cut_before && !h->passages[0].cut_after);
    search_result_free(&r);

    /* NEAR marks the paired occurrences only: "Xi spoke again and Putin" is 3 apart */
    r = run(s, "putin NEAR/2 xi", 10, 3, 240);
    h = hit_by_id(&r, "b");
    cr_assert(h != NULL);
    cr_assert_eq(highlight_total(h), 2);
    const search_passage *p = &h->passages[0];
    cr_expect_eq(p->highlights[0].start, 0);
    cr_expect_eq(p->highlights[0].end, 5);
    cr_expect_eq(p->highlights[1].start, 10);
    cr_expect_eq(p->highlights[1].end, 12);
    search_result_free(&r);

    /* a title-only match: the opening passage, unmarked and not cut before */
    r = run(s, "title:unique", 10, 2, 240);
    h = hit_by_id(&r, "c");
    cr_assert(h != NULL);
    cr_assert_eq(h->passage_count, 1);
    cr_expect(!h->passages[0].cut_before);
    cr_expect_eq(h->passages[0].highlight_count, 0);
    cr_expect_eq(h->title_highlight_count, 1);
    search_result_free(&r);

    /* several passages: disjoint, in text order, each with a match */
    r = run(s, "alpha", 10, 3, 24);
    h = hit_by_id(&r, "d");
    cr_assert(h != NULL);
    cr_expect_eq(h->passage_count, 3);
    for (uint32_t k = 0; k < h->passage_count; k++)
        cr_expect_gt(h->passages[k].highlight_count, 0);
    search_result_free(&r);

    /* cuts in multi-byte text: on character boundaries, flagged, near the length asked */
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK);
    for (size_t len = 16; len <= 200; len += 23) {
        r = run(s, "\"zebra crossing\"", 10, 1, len);
        h = hit_by_id(&r, "long");
        cr_assert(h != NULL);
        quire_buf text = QUIRE_BUF_INIT;
        cr_assert_eq(
            quire_segment_doc_text(quire_index_segment(ix, h->segment), h->local_doc, &text),
            QUIRE_OK);
        check_shape(h, (const char *)text.data, text.len);
        cr_assert_eq(h->passage_count, 1);
        p = &h->passages[0];
        cr_expect(p->cut_before && p->cut_after, "length %zu", len);
        cr_expect_leq(p->end - p->start, len < 14 ? 14 : len + 32, "length %zu: passage of %zu",
                      len, p->end - p->start);
        cr_expect(has_highlight(h, "zebra crossing"));
        quire_buf_free(&text);
        search_result_free(&r);
    }
    quire_index_close(ix);

    search_close(s);
    free(idx);
    remove_tmp(dir);
}

/* ---- the oracle ---- */

typedef struct range {
    size_t start, end;
} range;

/* The highlights passage p must have: occurrences [tok, tok + len) of the text field (in
 * any order) that meet the passage's tokens, clipped to them, merged where they overlap. */
static uint32_t expected_highlights(range *out, const odoc *d, const uint32_t *occ,
                                    const uint32_t *len, uint32_t n, const search_passage *p)
{
    /* the passage's tokens: those inside [p->start, p->end) */
    uint32_t ws = 0;
    while (ws < d->count[1] && d->start[1][ws] < p->start)
        ws++;
    uint32_t we = ws;
    while (we < d->count[1] && d->end[1][we] <= p->end)
        we++;
    range tmp[4096];
    uint32_t m = 0;
    for (uint32_t i = 0; i < n && m < 4096; i++) {
        const uint32_t a = occ[i] > ws ? occ[i] : ws;
        const uint32_t b = occ[i] + len[i] < we ? occ[i] + len[i] : we;
        if (a < b)
            tmp[m++] = (range){d->start[1][a], d->end[1][b - 1]};
    }
    /* sort by start (insertion: small) and merge overlaps */
    for (uint32_t i = 1; i < m; i++)
        for (uint32_t j = i;
             j > 0 && (tmp[j].start < tmp[j - 1].start ||
                       (tmp[j].start == tmp[j - 1].start && tmp[j].end < tmp[j - 1].end));
             j--) {
            const range t = tmp[j];
            tmp[j] = tmp[j - 1];
            tmp[j - 1] = t;
        }
    uint32_t k = 0;
    for (uint32_t i = 0; i < m; i++) {
        if (k > 0 && tmp[i].start < out[k - 1].end) {
            if (tmp[i].end > out[k - 1].end)
                out[k - 1].end = tmp[i].end;
        } else {
            out[k++] = tmp[i];
        }
    }
    return k;
}

/* Occurrences in field f of d of each clause: clause c is seq[c][0..n[c]) compared by
 * form or by stem. */
typedef struct clause {
    const uint32_t *seq;
    uint32_t n;
    bool stems;
} clause;

static uint32_t find_occurrences(const odoc *d, int f, const clause *cl, uint32_t ncl,
                                 uint32_t *occ, uint32_t *len, uint32_t cap)
{
    uint32_t m = 0;
    for (uint32_t c = 0; c < ncl; c++) {
        const uint32_t *ids = cl[c].stems ? d->stem[f] : d->form[f];
        for (uint32_t p = 0; p + cl[c].n <= d->count[f] && m < cap; p++) {
            uint32_t i = 0;
            while (i < cl[c].n && ids[p + i] == cl[c].seq[i])
                i++;
            if (i == cl[c].n) {
                occ[m] = p;
                len[m] = cl[c].n;
                m++;
            }
        }
    }
    return m;
}

static const odoc *doc_by_id(const corpus *c, uint64_t id)
{
    uint32_t lo = 0, hi = c->count;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (c->docs[mid].doc_id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    cr_assert(lo < c->count && c->docs[lo].doc_id == id);
    return &c->docs[lo];
}

static void check_hits(searcher *s, const corpus *c, const char *q, const clause *cl, uint32_t ncl,
                       uint32_t *checked)
{
    static uint32_t occ[65536], len[65536];
    static range want[4096];
    const uint32_t passages = 1 + rnd(3);
    const size_t bytes = 40 + rnd(300);
    search_result r = run(s, q, 10, passages, bytes);
    for (uint32_t i = 0; i < r.hit_count; i++) {
        const search_hit *h = &r.hits[i];
        const odoc *d = doc_by_id(c, h->doc_id);
        check_shape(h, d->field[1], strlen(d->field[1]));
        cr_expect_leq(h->passage_count, passages);
        /* text: each passage's highlights are the occurrences meeting it */
        const uint32_t n = find_occurrences(d, 1, cl, ncl, occ, len, 65536);
        bool whole = false;
        for (uint32_t k = 0; k < h->passage_count; k++) {
            const search_passage *p = &h->passages[k];
            const uint32_t m = expected_highlights(want, d, occ, len, n, p);
            cr_expect_eq(p->highlight_count, m, "%s: doc %llu passage %u: %u highlights, want %u",
                         q, (unsigned long long)h->doc_id, (unsigned)k,
                         (unsigned)p->highlight_count, (unsigned)m);
            for (uint32_t j = 0; j < m && j < p->highlight_count; j++)
                cr_expect(p->highlights[j].start == want[j].start &&
                              p->highlights[j].end == want[j].end,
                          "%s: doc %llu passage %u highlight %u is %zu..%zu, want %zu..%zu", q,
                          (unsigned long long)h->doc_id, (unsigned)k, (unsigned)j,
                          p->highlights[j].start, p->highlights[j].end, want[j].start, want[j].end);
            for (uint32_t j = 0; j < n; j++)
                whole |=
                    d->start[1][occ[j]] >= p->start && d->end[1][occ[j] + len[j] - 1] <= p->end;
        }
        /* a document with an occurrence in its text shows at least one whole */
        if (n > 0)
            cr_expect(whole, "%s: doc %llu: no passage holds a whole occurrence", q,
                      (unsigned long long)h->doc_id);
        /* title: all its occurrences */
        const uint32_t nt = find_occurrences(d, 0, cl, ncl, occ, len, 65536);
        uint32_t mt = 0;
        for (uint32_t j = 0; j < nt; j++) { /* merged, in order (single clause: sorted) */
            const range x = {d->start[0][occ[j]], d->end[0][occ[j] + len[j] - 1]};
            if (mt > 0 && x.start < want[mt - 1].end)
                want[mt - 1].end = x.end > want[mt - 1].end ? x.end : want[mt - 1].end;
            else
                want[mt++] = x;
        }
        if (ncl == 1) {
            cr_expect_eq(h->title_highlight_count, mt, "%s: doc %llu title", q,
                         (unsigned long long)h->doc_id);
            for (uint32_t j = 0; j < mt && j < h->title_highlight_count; j++)
                cr_expect(h->title_highlights[j].start == want[j].start &&
                          h->title_highlights[j].end == want[j].end);
        }
        (*checked)++;
    }
    search_result_free(&r);
}

Test(passage, highlights_agree_with_a_brute_force_scan, .timeout = 600)
{
    char *dir = make_tmp();
    char *idx = cacm_reuters_index(dir, 2000);
    corpus c;
    load_corpus(&c, idx);
    searcher *s = NULL;
    cr_assert_eq(search_open(&s, idx), QUIRE_OK, "%s", quire_errmsg());

    uint32_t checked = 0, phrases = 0, words = 0;
    char q[8192];
    while (phrases < 150 || words < 150) {
        const odoc *d = &c.docs[rnd(c.count)];
        if (d->count[1] < 8)
            continue;
        if (phrases < 150) { /* an exact phrase of 2..6 words, as written in the text */
            const uint32_t n = 2 + rnd(5), at = rnd(d->count[1] - n + 1);
            snprintf(q, sizeof q, "\"%.*s\"", (int)(d->end[1][at + n - 1] - d->start[1][at]),
                     d->field[1] + d->start[1][at]);
            /* (three dots or … inside a quote are an ellipsis, a quote of parts: README) */
            if (strchr(q + 1, '"') == q + strlen(q) - 1 && !strchr(q, '*') && !has_quote(q) &&
                !strstr(q, "...") && !strstr(q, "\xe2\x80\xa6")) {
                const clause cl = {d->form[1] + at, n, false};
                check_hits(s, &c, q, &cl, 1, &checked);
                phrases++;
            }
        }
        /* one word (by stem), or two joined by OR */
        const uint32_t a = rnd(d->count[1]), b = rnd(d->count[1]);
        const char *wa = d->field[1] + d->start[1][a], *wb = d->field[1] + d->start[1][b];
        const size_t la = d->end[1][a] - d->start[1][a], lb = d->end[1][b] - d->start[1][b];
        if (words < 150 && plain_word(wa, la) && plain_word(wb, lb)) {
            const bool two = rnd(2) == 0 && d->stem[1][a] != d->stem[1][b];
            if (two)
                snprintf(q, sizeof q, "%.*s OR %.*s", (int)la, wa, (int)lb, wb);
            else
                snprintf(q, sizeof q, "%.*s", (int)la, wa);
            const clause cl[2] = {{d->stem[1] + a, 1, true}, {d->stem[1] + b, 1, true}};
            check_hits(s, &c, q, cl, two ? 2 : 1, &checked);
            words++;
        }
    }
    cr_expect_gt(checked, 1000, "only %u hits checked", (unsigned)checked);

    search_close(s);
    free_corpus(&c);
    free(idx);
    remove_tmp(dir);
}

/* ---- text maps: passages from part of the text are those of the whole ---- */

static bool same_passages(const search_hit *a, const search_hit *b)
{
    if (a->passage_count != b->passage_count)
        return false;
    for (uint32_t k = 0; k < a->passage_count; k++) {
        const search_passage *p = &a->passages[k], *q = &b->passages[k];
        if (p->start != q->start || p->end != q->end || p->cut_before != q->cut_before ||
            p->cut_after != q->cut_after || p->highlight_count != q->highlight_count)
            return false;
        for (uint32_t i = 0; i < p->highlight_count; i++)
            if (p->highlights[i].start != q->highlights[i].start ||
                p->highlights[i].end != q->highlights[i].end)
                return false;
    }
    return true;
}

/* JSON string of s[0..n) to f (the stored text is valid UTF-8: only escapes needed). */
static void put_json_string(FILE *f, const uint8_t *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        const uint8_t c = s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* The live documents of the index at `idx` as JSON Lines (id, title, date, text) in `path`:
 * the same titles and texts, whatever the plain-text title rules are now. */
static void export_index(const char *idx, const char *path)
{
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    quire_buf text = QUIRE_BUF_INIT;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        const quire_segment *seg = quire_index_segment(ix, s);
        for (uint32_t d = 0; d < quire_segment_get_stats(seg)->doc_count; d++) {
            if (quire_index_is_deleted(ix, s, d))
                continue;
            quire_doc_info info;
            cr_assert_eq(quire_segment_doc_info(seg, d, &info), QUIRE_OK);
            text.len = 0;
            cr_assert_eq(quire_segment_doc_text(seg, d, &text), QUIRE_OK, "%s", quire_errmsg());
            fputs("{\"id\":", f);
            put_json_string(f, info.external_id.ptr, info.external_id.len);
            fputs(",\"title\":", f);
            put_json_string(f, info.title.ptr, info.title.len);
            if (info.date != QUIRE_NO_DATE) {
                char day[11];
                quire_date_format(info.date, day);
                fprintf(f, ",\"date\":\"%s\"", day);
            }
            fputs(",\"text\":", f);
            put_json_string(f, text.data, text.len);
            fputs("}\n", f);
        }
    }
    quire_buf_free(&text);
    cr_assert_eq(fclose(f), 0);
    quire_index_close(ix);
}

Test(passage, a_version_2_index_without_text_maps_gives_the_same_passages, .timeout = 600)
{
    /* tests/golden/v2-sample: the sample articles indexed by the version-2 writer (no
     * text maps: the whole text is tokenised); the same documents (its titles and texts,
     * exported as JSON Lines, since plain-text titles are cut otherwise now) indexed now
     * (maps: only the regions around the chosen matches are inflated and tokenised) */
    const char *src = env_or_skip("QUIRE_SOURCE_DIR");
    char golden[4096];
    snprintf(golden, sizeof golden, "%s/tests/golden/v2-sample", src);
    char *dir = make_tmp();
    const char *bin = env_or_skip("QUIRE_BINARY_DIR");
    char jsonl[4200];
    snprintf(jsonl, sizeof jsonl, "%s/docs.jsonl", dir);
    export_index(golden, jsonl);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/quire-index' --quiet '%s/idx' '%s'", bin, dir, jsonl);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char idx[4200];
    snprintf(idx, sizeof idx, "%s/idx", dir);
    searcher *old = NULL, *now = NULL;
    cr_assert_eq(search_open(&old, golden), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(search_open(&now, idx), QUIRE_OK, "%s", quire_errmsg());

    corpus c;
    load_corpus(&c, idx);
    uint32_t compared = 0, passages = 0;
    char q[1024];
    for (int round = 0; round < 400; round++) { /* words of at most 64 bytes: q has room */
        /* 1-3 words of a random document (a ranked OR), or a 2-4 word phrase of it */
        const odoc *d = &c.docs[rnd(c.count)];
        const bool phrase = rnd(2) == 0;
        const uint32_t n = phrase ? 2 + rnd(3) : 1 + rnd(3);
        if (d->count[1] < n + 1)
            continue;
        const uint32_t at = rnd(d->count[1] - n);
        q[0] = '\0';
        bool ok = true;
        for (uint32_t i = 0; i < n && ok; i++) {
            const uint32_t t = phrase ? at + i : rnd(d->count[1]);
            const char *w = d->field[1] + d->start[1][t];
            const size_t len = d->end[1][t] - d->start[1][t];
            ok = plain_word(w, len);
            snprintf(q + strlen(q), sizeof q - strlen(q), "%s%.*s",
                     i ? (phrase ? " " : " OR ") : "", (int)len, w);
        }
        if (!ok)
            continue;
        if (strlen(q) + 3 > sizeof q)
            continue;
        if (phrase) { /* quoted */
            memmove(q + 1, q, strlen(q) + 1);
            q[0] = '"';
            strcat(q, "\"");
        }
        const uint32_t count = 1 + rnd(3);
        const size_t bytes = rnd(2) ? 240 : 40 + rnd(400);
        search_result a = run(old, q, 5, count, bytes), b = run(now, q, 5, count, bytes);
        cr_expect_eq(a.hit_count, b.hit_count, "%s", q);
        for (uint32_t h = 0; h < a.hit_count && h < b.hit_count; h++) {
            cr_expect_str_eq(a.hits[h].external_id, b.hits[h].external_id, "%s", q);
            cr_expect(same_passages(&a.hits[h], &b.hits[h]),
                      "%s (%u passages of %zu bytes): hit %s differs", q, count, bytes,
                      b.hits[h].external_id);
            passages += b.hits[h].passage_count;
        }
        compared++;
        search_result_free(&a);
        search_result_free(&b);
    }
    cr_expect_gt(compared, 200);
    cr_expect_gt(passages, 500);
    free_corpus(&c);
    search_close(old);
    search_close(now);
    remove_tmp(dir);
}

Test(passage, the_text_map_way_equals_the_whole_text_on_long_articles, .timeout = 600)
{
    /* 300 articles of the Wikipedia sample (most of several thousand tokens), and on each
     * the matches of three of its words: passage_build() given the whole text, and given
     * only the bytes of the regions passage_regions() names from the text's map, must
     * choose the same passages with the same highlights */
    char *dir = make_tmp();
    char *idx = corpus_head_index(dir, "enwiki-sample", 300);
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_analyzer *an = NULL;
    const quire_analyzer_opts opts = {"english", false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
    const quire_segment *seg = quire_index_segment(ix, 0);
    quire_buf text = QUIRE_BUF_INIT;
    uint32_t compared = 0, regional = 0;
    for (uint32_t d = 0; d < quire_segment_get_stats(seg)->doc_count; d++) {
        quire_doc_info info;
        cr_assert_eq(quire_segment_doc_info(seg, d, &info), QUIRE_OK, "%s", quire_errmsg());
        text.len = 0;
        cr_assert_eq(quire_segment_doc_text(seg, d, &text), QUIRE_OK, "%s", quire_errmsg());
        const uint32_t n = info.doc_len - info.title_len, map_count = quire_text_map_count(n);
        if (map_count == 0)
            continue;
        uint64_t *map = malloc((size_t)map_count * sizeof *map);
        uint32_t got;
        cr_assert_eq(quire_text_map_decode(&info, map, map_count, &got), QUIRE_OK);
        cr_assert_eq(got, map_count);
        /* three words of the text as clauses: every occurrence of their forms */
        char **forms = calloc(n, sizeof *forms);
        quire_token_iter it;
        quire_token tok;
        quire_tokens_begin(&it, an, (const char *)text.data, text.len, 0, false);
        for (uint32_t i = 0; quire_tokens_next(&it, &tok) && i < n; i++)
            forms[i] = strdup(tok.form);
        const char *pick[3] = {forms[rnd(n)], forms[rnd(n)], forms[rnd(n)]};
        passage_match *m = malloc(((size_t)n + 1) * sizeof *m);
        uint32_t nm = 0;
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t c = 0; c < 3; c++)
                if (strcmp(forms[i], pick[c]) == 0) {
                    const uint32_t pos = info.title_len + 1 + i;
                    m[nm++] = (passage_match){pos, pos + 1, c};
                    break;
                }
        const double weights[3] = {0.5 + rnd(40) / 10.0, 1.0, 2.5};
        const uint32_t count = 1 + rnd(3);
        const size_t bytes = rnd(2) ? 240 : 40 + rnd(600);
        const passage_input whole = {(const char *)text.data,
                                     text.len,
                                     "",
                                     0,
                                     info.title_len,
                                     m,
                                     nm,
                                     weights,
                                     3,
                                     n,
                                     NULL,
                                     0};
        passage *pa = NULL, *pb = NULL;
        uint32_t na = 0, nb = 0, th = 0;
        passage_highlight *tha = NULL;
        cr_assert_eq(passage_build(&pa, &na, &tha, &th, an, &whole, count, bytes), QUIRE_OK, "%s",
                     quire_errmsg());
        quire_free(tha);
        passage_region regions[PASSAGE_MAX_COUNT];
        uint32_t nr = 0;
        cr_assert_eq(passage_regions(regions, &nr, &whole, map, map_count, count, bytes), QUIRE_OK);
        char *part = malloc(text.len + 1);
        memset(part, '#', text.len + 1); /* bytes outside the regions: not the text's */
        size_t given = 0;
        for (uint32_t i = 0; i < nr; i++) {
            memcpy(part + regions[i].start, text.data + regions[i].start,
                   regions[i].end - regions[i].start);
            given += regions[i].end - regions[i].start;
        }
        regional += given < text.len;
        passage_input partial = whole;
        partial.text = part;
        partial.regions = regions;
        partial.region_count = nr;
        cr_assert_eq(passage_build(&pb, &nb, &tha, &th, an, &partial, count, bytes), QUIRE_OK, "%s",
                     quire_errmsg());
        quire_free(tha);
        cr_expect_eq(na, nb, "doc %u: %u passages, %u from the regions", d, na, nb);
        for (uint32_t k = 0; k < na && k < nb; k++) {
            cr_expect(pa[k].start == pb[k].start && pa[k].end == pb[k].end &&
                          pa[k].cut_before == pb[k].cut_before &&
                          pa[k].cut_after == pb[k].cut_after &&
                          pa[k].highlight_count == pb[k].highlight_count,
                      "doc %u passage %u: %zu..%zu, from the regions %zu..%zu", d, k, pa[k].start,
                      pa[k].end, pb[k].start, pb[k].end);
            for (uint32_t i = 0; i < pa[k].highlight_count && i < pb[k].highlight_count; i++)
                cr_expect(pa[k].highlights[i].start == pb[k].highlights[i].start &&
                              pa[k].highlights[i].end == pb[k].highlights[i].end,
                          "doc %u passage %u highlight %u", d, k, i);
        }
        passage_free(pa, na);
        passage_free(pb, nb);
        free(part);
        free(m);
        for (uint32_t i = 0; i < n; i++)
            free(forms[i]);
        free(forms);
        free(map);
        compared++;
    }
    cr_expect_gt(compared, 250);
    cr_expect_gt(regional, 200, "only %u texts read in part", regional);
    quire_buf_free(&text);
    quire_analyzer_free(an);
    quire_index_close(ix);
    free(idx);
    remove_tmp(dir);
}
