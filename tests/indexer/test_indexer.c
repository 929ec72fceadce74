/*
 * test_indexer.c - whole indexing runs through indexer_run(): a run flushed into several
 * segments and merged equals a one-shot run (stats, every term's postings with positions,
 * every document's metadata and text); two runs one after another search like one run over
 * both inputs; 1, 2 and 4 threads write the same bytes; stop-on-error commits nothing;
 * a held lock, another language and an empty input set are answered as documented; every
 * document's text map names the bytes of its tokens. Every index written is opened and
 * verified.
 *
 * The real-data tests read the first Reuters-21578 records from $QUIRE_SHARED/corpora and
 * are skipped when the corpus is not there.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "indexer.h"
#include "query.h"
#include "quire/analysis.h"
#include "quire/index.h"
#include "quire/manifest.h"
#include "quire/segment.h"
#include "tmp_root.h"

#define MIB ((size_t)1 << 20)

/* ---------------------------------------------------------------- helpers */

static void setup_tmp(void)
{
    tmp_setup_named("quire-test-indexer");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

static const char *corpus_path(const char *name)
{
    static char path[1024];
    const char *shared = getenv("QUIRE_SHARED");
    snprintf(path, sizeof path, "%s/corpora/%s/corpus.jsonl.gz", shared ? shared : "/work/shared",
             name);
    return path;
}

/* Copy records [first, first + count) of a gzipped JSON Lines corpus to `out`; a line
 * number listed in `broken` (counting from 0 in the output) is replaced by a bad line. */
static void write_slice(const char *out, const char *corpus, size_t first, size_t count,
                        long broken)
{
    if (access(corpus, R_OK) != 0)
        cr_skip_test("%s not readable: real-data test skipped", corpus);
    gzFile in = gzopen(corpus, "rb");
    cr_assert_not_null(in);
    FILE *f = fopen(out, "w");
    cr_assert_not_null(f);
    static char buf[1 << 20];
    size_t line = 0, written = 0;
    while (written < count && gzgets(in, buf, sizeof buf) != NULL) {
        size_t n = strlen(buf);
        cr_assert(n > 0 && buf[n - 1] == '\n', "%s: line %zu is too long", corpus, line);
        if (line++ < first)
            continue;
        if ((long)written == broken)
            fputs("{\"id\": \"broken\", \"text\": \"no closing quote}\n", f);
        else
            fputs(buf, f);
        written++;
    }
    gzclose(in);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(written, count, "%s has fewer than %zu records", corpus, first + count);
}

typedef struct warnings {
    char text[8192];
    int count;
} warnings;

static void collect_warning(void *ctx, const char *message)
{
    warnings *w = ctx;
    w->count++;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof w->text - used, "%s\n", message);
}

typedef struct run_args {
    const char *dir;
    const char *inputs[4];
    size_t input_count;
    size_t memory;
    int threads;
    bool stop_on_error;
    const char *language;
    int keep_diacritics;
    bool optimize;
} run_args;

static warnings last_warnings;

static int index_run(const run_args *a, indexer_summary *sum)
{
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = a->dir;
    o.inputs = a->inputs;
    o.input_count = a->input_count;
    o.language = a->language;
    o.keep_diacritics = a->keep_diacritics ? a->keep_diacritics : -1;
    o.memory = a->memory ? a->memory : 256 * MIB;
    o.threads = a->threads ? a->threads : 1;
    o.stop_on_error = a->stop_on_error;
    o.optimize = a->optimize;
    o.zlib_level = -1;
    memset(&last_warnings, 0, sizeof last_warnings);
    o.warn = collect_warning;
    o.warn_ctx = &last_warnings;
    indexer_summary local;
    return indexer_run(&o, sum ? sum : &local);
}

static void report_problem(void *ctx, const char *line)
{
    (void)ctx;
    cr_log_error("verify: %s", line);
}

/* The index opens, and indexer_verify finds nothing wrong. */
static void expect_valid(const char *dir)
{
    quire_index *ix = NULL;
    bool fell_back = true;
    int rc = quire_index_open(&ix, dir, &fell_back);
    cr_assert_eq(rc, QUIRE_OK, "%s: open: %s", dir, quire_errmsg());
    cr_expect(!fell_back, "%s: opened an older manifest", dir);
    quire_index_close(ix);
    rc = indexer_verify(dir, report_problem, NULL);
    cr_expect_eq(rc, QUIRE_OK, "%s: verify: %d %s", dir, rc, quire_errmsg());
}

static index_stats stats_of(const char *dir)
{
    index_stats s;
    int rc = indexer_stats(dir, &s);
    cr_assert_eq(rc, QUIRE_OK, "%s: stats: %s", dir, quire_errmsg());
    return s;
}

/* Names in `dir` (sorted, newline-separated), LOCK left out. */
static char *list_dir(const char *dir)
{
    char *names[4096];
    size_t n = 0;
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "%s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "LOCK") == 0)
            continue;
        cr_assert(n < 4096);
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(names[i]) + 1;
    char *out = calloc(1, len);
    cr_assert_not_null(out);
    for (size_t i = 0; i < n; i++) {
        strcat(out, names[i]);
        strcat(out, "\n");
        free(names[i]);
    }
    return out;
}

static quire_buf read_all(const char *path)
{
    quire_buf b = QUIRE_BUF_INIT;
    int rc = quire_read_file(&b, path);
    cr_assert_eq(rc, QUIRE_OK, "%s: %s", path, quire_errmsg());
    return b;
}

/* Every file of `a` other than LOCK exists in `b` with the same bytes, and no more. */
static void expect_same_files(const char *a, const char *b)
{
    char *la = list_dir(a), *lb = list_dir(b);
    cr_assert_str_eq(la, lb, "%s and %s hold different files", a, b);
    for (char *name = la, *nl; (nl = strchr(name, '\n')) != NULL; name = nl + 1) {
        *nl = '\0';
        char pa[1024], pb[1024];
        snprintf(pa, sizeof pa, "%s/%s", a, name);
        snprintf(pb, sizeof pb, "%s/%s", b, name);
        quire_buf ba = read_all(pa), bb = read_all(pb);
        cr_expect(ba.len == bb.len && memcmp(ba.data, bb.data, ba.len) == 0,
                  "%s differs between %s and %s (%zu vs %zu bytes)", name, a, b, ba.len, bb.len);
        quire_buf_free(&ba);
        quire_buf_free(&bb);
    }
    free(la);
    free(lb);
}

/* ---- comparing two indexes by content, with global doc ids ---- */

/* All postings of a term over every segment of `ix`, global doc ids: doc, tf, then its
 * positions (forms), as uint32 values appended to `out`. For a stem, its forms (sorted,
 * unique over the segments) go to `forms` as "form\n" lines. Returns whether any segment
 * has the term. */
static bool term_postings(const quire_index *ix, quire_term_kind kind, quire_bytes key,
                          quire_buf *out, quire_buf *forms)
{
    bool found = false;
    char *list[256];
    size_t nlist = 0;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        const quire_segment *seg = quire_index_segment(ix, s);
        quire_term t;
        int rc = quire_segment_lookup(seg, kind, key, &t);
        if (rc == QUIRE_ENOTFOUND)
            continue;
        cr_assert_eq(rc, QUIRE_OK, "lookup: %s", quire_errmsg());
        found = true;
        if (kind == QUIRE_TERM_STEM) {
            for (uint32_t f = 0; f < t.form_count; f++) {
                quire_bytes form;
                rc = quire_term_form(&t, f, key, &form);
                cr_assert_eq(rc, QUIRE_OK, "form: %s", quire_errmsg());
                char *copy = strndup((const char *)form.ptr, form.len);
                bool dup = false;
                for (size_t i = 0; i < nlist && !dup; i++)
                    dup = strcmp(list[i], copy) == 0;
                if (dup || nlist == 256)
                    free(copy);
                else
                    list[nlist++] = copy;
            }
        }
        quire_postings_cursor c;
        rc = quire_segment_postings(seg, &t, &c);
        cr_assert_eq(rc, QUIRE_OK, "postings: %s", quire_errmsg());
        uint64_t base = quire_index_doc_base(ix, s);
        for (;;) {
            rc = quire_postings_next(&c);
            cr_assert_eq(rc, QUIRE_OK, "next: %s", quire_errmsg());
            if (c.doc == QUIRE_DOC_END)
                break;
            quire_buf_put_le32(out, (uint32_t)(base + c.doc));
            quire_buf_put_le32(out, c.tf);
            if (kind == QUIRE_TERM_FORM) {
                const uint32_t *pos;
                uint32_t count;
                rc = quire_postings_positions(&c, &pos, &count);
                cr_assert_eq(rc, QUIRE_OK, "positions: %s", quire_errmsg());
                cr_assert_eq(count, c.tf);
                for (uint32_t i = 0; i < count; i++)
                    quire_buf_put_le32(out, pos[i]);
            }
        }
        quire_postings_close(&c);
    }
    for (size_t i = 1; i < nlist; i++)
        for (size_t k = i; k > 0 && strcmp(list[k - 1], list[k]) > 0; k--) {
            char *t = list[k];
            list[k] = list[k - 1];
            list[k - 1] = t;
        }
    for (size_t i = 0; i < nlist; i++) {
        quire_buf_put(forms, list[i], strlen(list[i]));
        quire_buf_put_byte(forms, '\n');
        free(list[i]);
    }
    cr_assert_eq(out->err, QUIRE_OK);
    return found;
}

static void locate(const quire_index *ix, uint64_t doc, const quire_segment **seg, uint32_t *local)
{
    for (uint32_t s = quire_index_segment_count(ix); s-- > 0;)
        if (quire_index_doc_base(ix, s) <= doc) {
            *seg = quire_index_segment(ix, s);
            *local = (uint32_t)(doc - quire_index_doc_base(ix, s));
            return;
        }
    cr_assert_fail("doc %llu not in the index", (unsigned long long)doc);
}

static bool bytes_eq(quire_bytes a, quire_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* For every term of every segment of `a` (both kinds), `b` has the same postings with
 * global doc ids (and a stem the same forms), and the reverse for `b`'s terms; every
 * document has the same metadata and text. Returns the number of distinct terms checked. */
static uint64_t expect_same_content(const char *dir_a, const char *dir_b)
{
    quire_index *a, *b;
    int rc = quire_index_open(&a, dir_a, NULL);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    rc = quire_index_open(&b, dir_b, NULL);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_doc_count(a), quire_index_doc_count(b));
    cr_assert_eq(quire_index_total_tokens(a), quire_index_total_tokens(b));

    uint64_t terms = 0;
    int mismatches = 0;
    const quire_index *both[2] = {a, b};
    for (int side = 0; side < 2; side++) {
        const quire_index *from = both[side], *other = both[1 - side];
        for (uint32_t s = 0; s < quire_index_segment_count(from); s++) {
            for (int kind = QUIRE_TERM_FORM; kind <= QUIRE_TERM_STEM; kind++) {
                quire_segment_term_iter it;
                rc = quire_segment_terms_seek(&it, quire_index_segment(from, s),
                                              (quire_term_kind)kind, quire_bytes_of("", 0));
                cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
                for (;;) {
                    quire_bytes key;
                    quire_term t;
                    rc = quire_segment_terms_next(&it, &key, &t);
                    if (rc == QUIRE_ENOTFOUND)
                        break;
                    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
                    uint8_t keycopy[QUIRE_DICT_MAX_KEY];
                    memcpy(keycopy, key.ptr, key.len);
                    key.ptr = keycopy;
                    /* Terms of segment s already met in an earlier segment were compared
                     * there; a term is compared once per side. */
                    bool seen = false;
                    for (uint32_t e = 0; e < s && !seen; e++) {
                        quire_term t2;
                        seen = quire_segment_lookup(quire_index_segment(from, e),
                                                    (quire_term_kind)kind, key, &t2) == QUIRE_OK;
                    }
                    if (seen)
                        continue;
                    quire_buf pa = QUIRE_BUF_INIT, pb = QUIRE_BUF_INIT;
                    quire_buf fa = QUIRE_BUF_INIT, fb = QUIRE_BUF_INIT;
                    term_postings(from, (quire_term_kind)kind, key, &pa, &fa);
                    bool found = term_postings(other, (quire_term_kind)kind, key, &pb, &fb);
                    bool same = found && pa.len == pb.len &&
                                memcmp(pa.data, pb.data, pa.len) == 0 && fa.len == fb.len &&
                                (fa.len == 0 || memcmp(fa.data, fb.data, fa.len) == 0);
                    if (!same && mismatches++ < 10)
                        cr_expect_fail("%s '%.*s': %s in the other index (%zu vs %zu bytes of "
                                       "postings, forms '%.*s' vs '%.*s')",
                                       kind == QUIRE_TERM_FORM ? "form" : "stem", (int)key.len,
                                       (const char *)key.ptr, found ? "differs" : "missing", pa.len,
                                       pb.len, (int)fa.len, (const char *)fa.data, (int)fb.len,
                                       (const char *)fb.data);
                    terms += side == 0;
                    quire_buf_free(&pa);
                    quire_buf_free(&pb);
                    quire_buf_free(&fa);
                    quire_buf_free(&fb);
                }
            }
        }
    }
    cr_expect_eq(mismatches, 0, "%d terms differ", mismatches);

    quire_buf ta = QUIRE_BUF_INIT, tb = QUIRE_BUF_INIT;
    for (uint64_t d = 0; d < quire_index_doc_count(a); d++) {
        const quire_segment *sa, *sb;
        uint32_t la, lb;
        locate(a, d, &sa, &la);
        locate(b, d, &sb, &lb);
        quire_doc_info ia, ib;
        cr_assert_eq(quire_segment_doc_info(sa, la, &ia), QUIRE_OK, "%s", quire_errmsg());
        cr_assert_eq(quire_segment_doc_info(sb, lb, &ib), QUIRE_OK, "%s", quire_errmsg());
        cr_assert(bytes_eq(ia.external_id, ib.external_id), "doc %llu: external id differs",
                  (unsigned long long)d);
        cr_assert(bytes_eq(ia.title, ib.title), "doc %llu: title differs", (unsigned long long)d);
        cr_assert(bytes_eq(ia.origin, ib.origin), "doc %llu: origin differs",
                  (unsigned long long)d);
        cr_assert_eq(ia.date, ib.date, "doc %llu: date", (unsigned long long)d);
        cr_assert_eq(ia.text_len, ib.text_len, "doc %llu: text_len", (unsigned long long)d);
        cr_assert_eq(ia.doc_len, ib.doc_len, "doc %llu: doc_len", (unsigned long long)d);
        cr_assert_eq(ia.title_len, ib.title_len, "doc %llu: title_len", (unsigned long long)d);
        cr_assert_eq(quire_segment_doc_len(sa, la), ia.doc_len);
        cr_assert_eq(quire_segment_doc_len(sb, lb), ib.doc_len);
        ta.len = tb.len = 0;
        cr_assert_eq(quire_segment_doc_text(sa, la, &ta), QUIRE_OK, "%s", quire_errmsg());
        cr_assert_eq(quire_segment_doc_text(sb, lb, &tb), QUIRE_OK, "%s", quire_errmsg());
        cr_assert_eq(ta.len, ia.text_len, "doc %llu: stored text length", (unsigned long long)d);
        cr_assert(ta.len == tb.len && memcmp(ta.data, tb.data, ta.len) == 0,
                  "doc %llu: stored text differs", (unsigned long long)d);
    }
    quire_buf_free(&ta);
    quire_buf_free(&tb);
    quire_index_close(a);
    quire_index_close(b);
    return terms;
}

/* The same hits (ids, order, scores) for each query on both indexes. */
static void expect_same_search(const char *dir_a, const char *dir_b)
{
    static const char *queries[] = {"oil prices",   "cocoa", "bank rate",
                                    "wheat export", "said",  "japan trade surplus",
                                    "zzzzqqq"};
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        for (int any = 0; any < 2; any++) {
            search_options o;
            search_options_init(&o);
            o.query = queries[q];
            o.query_len = strlen(queries[q]);
            o.match_any = any;
            o.top_k = 20;
            o.exhaustive = true; /* exact match counts: pruning's depend on the segments */
            search_result ra = SEARCH_RESULT_INIT, rb = SEARCH_RESULT_INIT;
            int rc = search_run(&ra, dir_a, &o);
            cr_assert_eq(rc, QUIRE_OK, "%s: %s", dir_a, quire_errmsg());
            rc = search_run(&rb, dir_b, &o);
            cr_assert_eq(rc, QUIRE_OK, "%s: %s", dir_b, quire_errmsg());
            cr_expect_eq(ra.match_count, rb.match_count, "'%s': %llu vs %llu matches", queries[q],
                         (unsigned long long)ra.match_count, (unsigned long long)rb.match_count);
            cr_assert_eq(ra.hit_count, rb.hit_count);
            for (uint32_t i = 0; i < ra.hit_count; i++) {
                cr_expect_eq(ra.hits[i].doc_id, rb.hits[i].doc_id, "'%s' hit %u", queries[q], i);
                cr_expect(fabs(ra.hits[i].score - rb.hits[i].score) < 1e-9, "'%s' hit %u: %f vs %f",
                          queries[q], i, ra.hits[i].score, rb.hits[i].score);
                cr_expect_str_eq(ra.hits[i].external_id, rb.hits[i].external_id);
            }
            search_result_free(&ra);
            search_result_free(&rb);
        }
    }
}

/* ---------------------------------------------------------------- tests */

TestSuite(indexer, .init = setup_tmp, .fini = teardown_tmp, .timeout = 300);

Test(indexer, merged_segments_equal_a_one_shot_index)
{
    char *input = strdup(tmp_path("reuters.jsonl"));
    write_slice(input, corpus_path("reuters21578"), 0, 3000, -1);
    indexer_summary one, many;
    run_args a = {.dir = tmp_path("one"), .inputs = {input}, .input_count = 1};
    int rc = index_run(&a, &one);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(one.segments_flushed, 1);
    cr_assert_eq(one.docs_added, 3000);
    run_args b = {.dir = tmp_path("many"), .inputs = {input}, .input_count = 1, .memory = 2 * MIB};
    rc = index_run(&b, &many);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_assert_gt(many.segments_flushed, 2, "a 2 MiB budget flushed only %u segments",
                 many.segments_flushed);
    expect_valid(a.dir);
    expect_valid(b.dir);

    index_stats sa = stats_of(a.dir), sb = stats_of(b.dir);
    cr_expect_eq(sb.segment_count, 1, "the run's segments are merged into one");
    cr_expect_eq(sa.docs, 3000);
    cr_expect_eq(sa.docs, sb.docs);
    cr_expect_eq(sa.total_tokens, sb.total_tokens);
    cr_expect_eq(sa.forms, sb.forms);
    cr_expect_eq(sa.stems, sb.stems);
    cr_expect_eq(sa.postings, sb.postings);
    cr_expect_eq(sa.text_bytes, sb.text_bytes);
    cr_expect_str_eq(sa.analyzer_id, sb.analyzer_id);
    for (int f = 0; f < QUIRE_SEG_FILE_COUNT; f++)
        if (f != QUIRE_SEG_STO) /* stored-text blocks are cut at flushes */
            cr_expect_eq(sa.file_bytes[f], sb.file_bytes[f], ".%s: %llu vs %llu bytes",
                         quire_segment_file_ext[f], (unsigned long long)sa.file_bytes[f],
                         (unsigned long long)sb.file_bytes[f]);
    uint64_t terms = expect_same_content(a.dir, b.dir);
    cr_expect_eq(terms, sa.forms + sa.stems);
    free(input);
}

/* Every document's text map (FORMAT.md "Text map") names the byte start of every 64th
 * token of its stored text, as the analyzer cuts it. */
static void expect_text_maps(const char *dir)
{
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    quire_analyzer *an = NULL;
    const quire_manifest *m = quire_index_manifest(ix);
    const quire_analyzer_opts opts = {m->language, m->keep_diacritics, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
    quire_buf text = QUIRE_BUF_INIT;
    uint64_t *map = NULL, mapped = 0;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        const quire_segment *seg = quire_index_segment(ix, s);
        for (uint32_t d = 0; d < quire_segment_get_stats(seg)->doc_count; d++) {
            quire_doc_info info;
            cr_assert_eq(quire_segment_doc_info(seg, d, &info), QUIRE_OK, "%s", quire_errmsg());
            text.len = 0;
            cr_assert_eq(quire_segment_doc_text(seg, d, &text), QUIRE_OK, "%s", quire_errmsg());
            const uint32_t cap = info.doc_len / QUIRE_TEXT_MAP_EVERY + 1;
            map = realloc(map, cap * sizeof *map);
            uint32_t n;
            cr_assert_eq(quire_text_map_decode(&info, map, cap, &n), QUIRE_OK, "%s",
                         quire_errmsg());
            cr_expect_eq(n, quire_text_map_count(info.doc_len - info.title_len),
                         "segment %u doc %u: %u entries for %u tokens", s, d, n,
                         info.doc_len - info.title_len);
            quire_token_iter it;
            quire_token tok;
            quire_tokens_begin(&it, an, (const char *)text.data, text.len, 0, false);
            for (uint32_t i = 0; quire_tokens_next(&it, &tok); i++)
                if (i > 0 && i % QUIRE_TEXT_MAP_EVERY == 0 && i / QUIRE_TEXT_MAP_EVERY <= n) {
                    cr_expect_eq(map[i / QUIRE_TEXT_MAP_EVERY - 1], tok.byte_start,
                                 "segment %u doc %u: entry %u", s, d, i / QUIRE_TEXT_MAP_EVERY - 1);
                    mapped++;
                }
        }
    }
    cr_expect_gt(mapped, 1000, "only %llu map entries checked", (unsigned long long)mapped);
    free(map);
    quire_buf_free(&text);
    quire_analyzer_free(an);
    quire_index_close(ix);
}

Test(indexer, text_maps_name_the_bytes_of_every_64th_token)
{
    char *input = strdup(tmp_path("reuters.jsonl"));
    write_slice(input, corpus_path("reuters21578"), 0, 3000, -1);
    run_args a = {.dir = tmp_path("one"), .inputs = {input}, .input_count = 1};
    cr_assert_eq(index_run(&a, NULL), QUIRE_OK, "%s", quire_errmsg());
    expect_text_maps(a.dir);
    /* flushed into several segments and merged: the maps are copied with the documents */
    run_args b = {.dir = tmp_path("many"), .inputs = {input}, .input_count = 1, .memory = 2 * MIB};
    cr_assert_eq(index_run(&b, NULL), QUIRE_OK, "%s", quire_errmsg());
    expect_text_maps(b.dir);
    free(input);
}

/* Rewrite `path` so that every 10th record has no text and every 10th from the 5th only a
 * title of its own: documents of zero or few tokens among the others. */
static void thin_out(const char *path)
{
    quire_buf in = read_all(path);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    size_t line = 0;
    for (size_t off = 0; off < in.len; line++) {
        const uint8_t *nl = memchr(in.data + off, '\n', in.len - off);
        size_t end = nl ? (size_t)(nl - in.data) + 1 : in.len;
        if (line % 10 == 9)
            fprintf(f, "{\"id\": \"empty%zu\", \"text\": \"\"}\n", line);
        else if (line % 10 == 4)
            fprintf(f, "{\"id\": \"title%zu\", \"title\": \"only a title\", \"text\": \" \"}\n",
                    line);
        else
            fwrite(in.data + off, 1, end - off, f);
        off = end;
    }
    cr_assert_eq(fclose(f), 0);
    quire_buf_free(&in);
}

Test(indexer, merged_segments_keep_empty_documents)
{
    char *input = strdup(tmp_path("thin.jsonl"));
    write_slice(input, corpus_path("reuters21578"), 0, 2000, -1);
    thin_out(input);
    run_args a = {.dir = tmp_path("one"), .inputs = {input}, .input_count = 1};
    run_args b = {.dir = tmp_path("many"),
                  .inputs = {input},
                  .input_count = 1,
                  .memory = 2 * MIB,
                  .threads = 2};
    indexer_summary sa, sb;
    int rc = index_run(&a, &sa);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    rc = index_run(&b, &sb);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_expect_gt(sb.segments_flushed, 1);
    cr_expect_eq(sa.docs_added, 2000);
    cr_expect_eq(sb.docs_added, 2000);
    expect_valid(a.dir);
    expect_valid(b.dir);
    expect_same_content(a.dir, b.dir);
    free(input);
}

Test(indexer, two_runs_search_like_one_run_over_both_inputs)
{
    char *first = strdup(tmp_path("first.jsonl")), *second = strdup(tmp_path("second.jsonl"));
    write_slice(first, corpus_path("reuters21578"), 0, 1500, -1);
    write_slice(second, corpus_path("reuters21578"), 1500, 1500, -1);
    run_args once = {.dir = tmp_path("once"), .inputs = {first, second}, .input_count = 2};
    int rc = index_run(&once, NULL);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    run_args inc1 = {
        .dir = tmp_path("inc"), .inputs = {first}, .input_count = 1, .memory = 2 * MIB};
    run_args inc2 = {.dir = inc1.dir, .inputs = {second}, .input_count = 1, .memory = 2 * MIB};
    indexer_summary s1, s2;
    rc = index_run(&inc1, &s1);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    expect_valid(inc1.dir);
    rc = index_run(&inc2, &s2);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(s1.generation, 1);
    cr_expect_eq(s2.generation, 2);
    expect_valid(once.dir);
    expect_valid(inc1.dir);

    index_stats so = stats_of(once.dir), si = stats_of(inc1.dir);
    cr_expect_eq(si.segment_count, 2);
    cr_expect_eq(si.generation, 2);
    cr_expect_eq(so.docs, 3000);
    cr_expect_eq(si.docs, so.docs);
    cr_expect_eq(si.total_tokens, so.total_tokens);
    cr_expect_eq(si.text_bytes, so.text_bytes);
    expect_same_content(once.dir, inc1.dir);
    expect_same_search(once.dir, inc1.dir);
    /* Only the files of generation 2 and its predecessor are left. */
    char *names = list_dir(inc1.dir);
    cr_expect(strstr(names, "manifest-0000000000000001\nmanifest-0000000000000002\n") != NULL,
              "files: %s", names);
    free(names);
    free(first);
    free(second);
}

Test(indexer, thread_count_does_not_change_the_bytes)
{
    char *input = strdup(tmp_path("reuters.jsonl"));
    write_slice(input, corpus_path("reuters21578"), 0, 2000, -1);
    static const int threads[] = {1, 2, 4};
    char dirs[3][512];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "t%d", threads[i]);
        snprintf(dirs[i], sizeof dirs[i], "%s", tmp_path(name));
        run_args a = {.dir = dirs[i],
                      .inputs = {input},
                      .input_count = 1,
                      .memory = 2 * MIB,
                      .threads = threads[i]};
        indexer_summary s;
        int rc = index_run(&a, &s);
        cr_assert_eq(rc, QUIRE_OK, "threads %d: %s", threads[i], quire_errmsg());
        cr_expect_gt(s.segments_flushed, 1, "threads %d: one segment only", threads[i]);
        expect_valid(dirs[i]);
    }
    expect_same_files(dirs[0], dirs[1]);
    expect_same_files(dirs[0], dirs[2]);
    free(input);
}

static void stop_on_error_commits_nothing(int threads)
{
    char *good = strdup(tmp_path("good.jsonl")), *bad = strdup(tmp_path("bad.jsonl"));
    write_slice(good, corpus_path("reuters21578"), 0, 500, -1);
    /* The bad line comes after enough records for the run to have flushed segments. */
    write_slice(bad, corpus_path("reuters21578"), 500, 2500, 2000);
    run_args a = {.dir = tmp_path("idx"), .inputs = {good}, .input_count = 1};
    int rc = index_run(&a, NULL);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    char *before = list_dir(a.dir);
    char manifest[600];
    snprintf(manifest, sizeof manifest, "%s/manifest-0000000000000001", a.dir);
    quire_buf m1 = read_all(manifest);

    run_args b = {.dir = a.dir,
                  .inputs = {bad},
                  .input_count = 1,
                  .memory = 2 * MIB,
                  .stop_on_error = true,
                  .threads = threads};
    indexer_summary s;
    rc = index_run(&b, &s);
    cr_assert_neq(rc, QUIRE_OK, "a broken line with stop_on_error must fail the run");
    cr_expect(strstr(quire_errmsg(), "bad.jsonl") != NULL, "message: %s", quire_errmsg());
    cr_expect_gt(s.segments_flushed, 0, "the run flushed no segment before the bad line");
    cr_expect_eq(s.generation, 0);
    char *after = list_dir(a.dir);
    cr_expect_str_eq(after, before, "files left behind by the failed run");
    quire_buf m1b = read_all(manifest);
    cr_expect(m1.len == m1b.len && memcmp(m1.data, m1b.data, m1.len) == 0);
    index_stats st = stats_of(a.dir);
    cr_expect_eq(st.generation, 1);
    cr_expect_eq(st.docs, 500);
    expect_valid(a.dir);

    /* Without it: a warning naming the line, the rest indexed. */
    b.stop_on_error = false;
    rc = index_run(&b, &s);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(s.docs_added, 2499);
    cr_expect_eq(s.docs_skipped, 1);
    cr_expect_geq(last_warnings.count, 1);
    cr_expect(strstr(last_warnings.text, "bad.jsonl") != NULL, "warnings: %s", last_warnings.text);
    st = stats_of(a.dir);
    cr_expect_eq(st.generation, 2);
    cr_expect_eq(st.docs, 2999);
    expect_valid(a.dir);
    quire_buf_free(&m1);
    quire_buf_free(&m1b);
    free(before);
    free(after);
    free(good);
    free(bad);
}

Test(indexer, stop_on_error_commits_nothing)
{
    stop_on_error_commits_nothing(1);
}

Test(indexer, stop_on_error_commits_nothing_with_threads)
{
    stop_on_error_commits_nothing(3);
}

Test(indexer, failed_commit_leaves_no_files)
{
    char *base = strdup(tmp_path("base.jsonl")), *more = strdup(tmp_path("more.jsonl"));
    write_slice(base, corpus_path("reuters21578"), 0, 300, -1);
    write_slice(more, corpus_path("reuters21578"), 300, 2000, -1);
    run_args a = {.dir = tmp_path("idx"), .inputs = {base}, .input_count = 1};
    int rc = index_run(&a, NULL);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    /* A directory where the commit writes its temporary manifest makes the commit fail
     * after the run's segments were flushed and merged. */
    char blocker[600];
    snprintf(blocker, sizeof blocker, "%s/manifest-0000000000000002.tmp", a.dir);
    cr_assert_eq(mkdir(blocker, 0755), 0);
    char *before = list_dir(a.dir);
    run_args b = {.dir = a.dir, .inputs = {more}, .input_count = 1, .memory = 2 * MIB};
    indexer_summary s;
    rc = index_run(&b, &s);
    cr_expect_neq(rc, QUIRE_OK, "the commit should have failed");
    cr_expect_gt(s.segments_flushed, 1);
    char *after = list_dir(a.dir);
    cr_expect_str_eq(after, before, "files left behind by the failed commit");
    cr_assert_eq(rmdir(blocker), 0);
    expect_valid(a.dir);
    cr_expect_eq(stats_of(a.dir).docs, 300);
    rc = index_run(&b, NULL);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(stats_of(a.dir).docs, 2300);
    expect_valid(a.dir);
    free(before);
    free(after);
    free(base);
    free(more);
}

Test(indexer, second_writer_gets_elocked_with_the_pid)
{
    const char *dir = tmp_path("idx");
    char doc[512];
    snprintf(doc, sizeof doc, "%s", tmp_path("doc.txt"));
    write_file(doc, "Tashkent is the capital of Uzbekistan.\n");
    int to_parent[2], to_child[2];
    cr_assert_eq(pipe(to_parent), 0);
    cr_assert_eq(pipe(to_child), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        quire_lock *lock;
        char c = quire_lock_acquire(&lock, dir) == QUIRE_OK ? 'y' : 'n';
        if (write(to_parent[1], &c, 1) != 1)
            _exit(1);
        if (read(to_child[0], &c, 1) < 0) /* until the parent says so */
            _exit(1);
        quire_lock_release(lock);
        _exit(0);
    }
    char c = 0;
    cr_assert_eq(read(to_parent[0], &c, 1), 1);
    cr_assert_eq(c, 'y', "the child could not take the lock");
    run_args a = {.dir = dir, .inputs = {doc}, .input_count = 1};
    int rc = index_run(&a, NULL);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", quire_errmsg());
    c = 'x';
    cr_assert_eq(write(to_child[1], &c, 1), 1);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect_eq(rc, QUIRE_ELOCKED, "rc %d: %s", rc, msg);
    char want[64];
    snprintf(want, sizeof want, "pid %ld", (long)pid);
    cr_expect(strstr(msg, want) != NULL, "message '%s' lacks '%s'", msg, want);
    cr_expect_eq(quire_manifest_read_latest(&(quire_manifest){0}, dir, NULL), QUIRE_ENOTFOUND,
                 "the refused run committed something");

    /* The lock is free again once its holder is gone. */
    rc = index_run(&a, NULL);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    expect_valid(dir);
    close(to_parent[0]);
    close(to_parent[1]);
    close(to_child[0]);
    close(to_child[1]);
}

Test(indexer, another_language_is_a_mismatch)
{
    const char *dir = tmp_path("idx");
    char doc[512];
    snprintf(doc, sizeof doc, "%s", tmp_path("doc.txt"));
    write_file(doc, "Tashkent is the capital of Uzbekistan.\n");
    run_args a = {.dir = dir, .inputs = {doc}, .input_count = 1, .language = "english"};
    int rc = index_run(&a, NULL);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    char *before = list_dir(dir);

    run_args fr = a;
    fr.language = "french";
    rc = index_run(&fr, NULL);
    cr_expect_eq(rc, QUIRE_EMISMATCH, "rc %d: %s", rc, quire_errmsg());
    cr_expect(strstr(quire_errmsg(), "english") && strstr(quire_errmsg(), "french"), "%s",
              quire_errmsg());
    run_args keep = a;
    keep.keep_diacritics = 1;
    rc = index_run(&keep, NULL);
    cr_expect_eq(rc, QUIRE_EMISMATCH, "rc %d: %s", rc, quire_errmsg());

    char *after = list_dir(dir);
    cr_expect_str_eq(after, before);
    cr_expect_eq(stats_of(dir).generation, 1);
    /* No language given: the index's own is used. */
    run_args same = a;
    same.language = NULL;
    rc = index_run(&same, NULL);
    cr_expect_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    /* the same file again: its id (the path) is there, so it replaces the old version */
    cr_expect_eq(stats_of(dir).docs, 1);
    expect_valid(dir);
    free(before);
    free(after);
}

Test(indexer, unknown_language_is_refused)
{
    const char *dir = tmp_path("idx");
    char doc[512];
    snprintf(doc, sizeof doc, "%s", tmp_path("doc.txt"));
    write_file(doc, "hello\n");
    run_args a = {.dir = dir, .inputs = {doc}, .input_count = 1, .language = "klingon"};
    int rc = index_run(&a, NULL);
    cr_expect_eq(rc, QUIRE_EINVAL, "rc %d: %s", rc, quire_errmsg());
    cr_expect(strstr(quire_errmsg(), "klingon") != NULL, "%s", quire_errmsg());
    cr_expect(strstr(quire_errmsg(), "english") != NULL, "no known languages: %s", quire_errmsg());
    cr_expect_neq(access(dir, F_OK), 0, "a mistyped language left %s behind", dir);
}

Test(indexer, empty_input_set_makes_an_empty_valid_index)
{
    const char *dir = tmp_path("none");
    run_args a = {.dir = dir, .input_count = 0};
    indexer_summary s;
    int rc = index_run(&a, &s);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(s.docs_added, 0);
    cr_expect_eq(s.generation, 1);
    expect_valid(dir);
    index_stats st = stats_of(dir);
    cr_expect_eq(st.docs, 0);
    cr_expect_eq(st.segment_count, 0);
    cr_expect_str_eq(st.language, "english");

    search_options o;
    search_options_init(&o);
    o.query = "anything";
    o.query_len = strlen(o.query);
    search_result r = SEARCH_RESULT_INIT;
    rc = search_run(&r, dir, &o);
    cr_expect_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(r.match_count, 0);
    search_result_free(&r);

    /* An empty file too; and documents added to an empty index afterwards. */
    const char *dir2 = tmp_path("emptyfile");
    char empty[512];
    snprintf(empty, sizeof empty, "%s", tmp_path("empty.jsonl"));
    write_file(empty, "");
    run_args b = {.dir = dir2, .inputs = {empty}, .input_count = 1};
    rc = index_run(&b, &s);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    expect_valid(dir2);
    cr_expect_eq(stats_of(dir2).docs, 0);
    char doc[512];
    snprintf(doc, sizeof doc, "%s", tmp_path("doc.txt"));
    write_file(doc, "Tashkent is the capital of Uzbekistan.\n");
    run_args c = {.dir = dir, .inputs = {doc}, .input_count = 1};
    rc = index_run(&c, &s);
    cr_assert_eq(rc, QUIRE_OK, "%s", quire_errmsg());
    expect_valid(dir);
    cr_expect_eq(stats_of(dir).docs, 1);
    cr_expect_eq(stats_of(dir).generation, 2);
}

/* Issue #6: the Nth allocation of an update run fails, for N = 1, 2, ... until the run
 * needs fewer: each time the run ends with QUIRE_ENOMEM (or absorbs the failure and
 * succeeds), the index keeps its last commit, verifies and opens, and nothing leaks (the
 * ASan build's LeakSanitizer fails the test otherwise). */
Test(indexer, every_allocation_failure_leaves_the_last_commit)
{
    const char *first = tmp_path("alloc-1.jsonl"), *second = tmp_path("alloc-2.jsonl");
    write_file(first, "{\"id\":\"a\",\"title\":\"Gas\",\"text\":\"Gas prices rose in spring.\"}\n"
                      "{\"id\":\"b\",\"text\":\"Putin and Xi met in Moscow.\"}\n");
    write_file(second,
               "{\"id\":\"a\",\"title\":\"Gas\",\"text\":\"Gas prices fell.\"}\n"
               "{\"id\":\"c\",\"date\":\"2022-12-30\",\"text\":\"A visit to Samarkand.\"}\n");
    const char *dir = tmp_path("alloc-idx");
    run_args a = {.dir = dir, .inputs = {first}, .input_count = 1};
    cr_assert_eq(index_run(&a, NULL), QUIRE_OK, "%s", quire_errmsg());
    run_args b = {.dir = dir, .inputs = {second}, .input_count = 1};
    long n = 1;
    for (;; n++) {
        cr_assert_lt(n, 100000, "the run never stops allocating");
        quire_alloc_fail_at(n);
        const int rc = index_run(&b, NULL);
        const long used = quire_alloc_fail_at(0);
        if (rc == QUIRE_OK) {
            if (used < n)
                break; /* the run needed fewer than n allocations: done */
            /* the failure was absorbed (a cache that could not grow): a correct commit */
            expect_valid(dir);
            cr_assert_eq(stats_of(dir).docs, 3, "N = %ld", n);
            rm_tree(dir);
            cr_assert_eq(index_run(&a, NULL), QUIRE_OK, "%s", quire_errmsg());
            continue;
        }
        cr_assert_eq(rc, QUIRE_ENOMEM, "N = %ld: %s", n, quire_errmsg());
        expect_valid(dir);
        const index_stats st = stats_of(dir);
        cr_assert_eq(st.generation, 1, "N = %ld", n);
        cr_assert_eq(st.docs, 2, "N = %ld", n);
    }
    cr_expect_gt(n, 50, "only %ld allocations: the hook is not reached", n);
    expect_valid(dir);
    cr_expect_eq(stats_of(dir).docs, 3);
}

/* ---------------------------------------------------------------- stored-text dictionaries */

typedef struct stored_doc {
    char id[64];
    quire_buf text;
} stored_doc;

static int cmp_stored_doc(const void *a, const void *b)
{
    return strcmp(((const stored_doc *)a)->id, ((const stored_doc *)b)->id);
}

/* Every live document's id and stored text, over all segments, sorted by id. */
static stored_doc *read_stored_docs(const char *dir, size_t *count)
{
    quire_index *ix;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    size_t n = 0, cap = 0;
    stored_doc *docs = NULL;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        const quire_segment *seg = quire_index_segment(ix, s);
        const uint32_t dc = quire_segment_get_stats(seg)->doc_count;
        for (uint32_t d = 0; d < dc; d++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                docs = realloc(docs, cap * sizeof *docs);
                cr_assert_not_null(docs);
            }
            quire_doc_info info;
            cr_assert_eq(quire_segment_doc_info(seg, d, &info), QUIRE_OK, "%s", quire_errmsg());
            cr_assert_lt(info.external_id.len, sizeof docs[n].id);
            memcpy(docs[n].id, info.external_id.ptr, info.external_id.len);
            docs[n].id[info.external_id.len] = '\0';
            docs[n].text = (quire_buf)QUIRE_BUF_INIT;
            cr_assert_eq(quire_segment_doc_text(seg, d, &docs[n].text), QUIRE_OK,
                         "segment %u doc %u: %s", s, d, quire_errmsg());
            n++;
        }
    }
    quire_index_close(ix);
    qsort(docs, n, sizeof *docs, cmp_stored_doc);
    *count = n;
    return docs;
}

/* Runs of different text train different dictionaries, and a run with too little text trains
 * none (DEFLATE blocks): merged into one segment, which keeps one dictionary, every block
 * that was made otherwise is re-encoded, and every document's text reads back as it did. */
Test(indexer, merge_recodes_stored_text_made_with_another_dictionary)
{
    char *one = strdup(tmp_path("one.jsonl")), *two = strdup(tmp_path("two.jsonl"));
    char *small = strdup(tmp_path("small.jsonl"));
    write_slice(one, corpus_path("reuters21578"), 0, 1500, -1);
    write_slice(two, corpus_path("reuters21578"), 1500, 1500, -1);
    write_file(small, "{\"id\": \"tiny\", \"text\": \"a document too small to train on\"}\n");
    const char *dir = tmp_path("idx");
    const char *inputs[] = {one, two, small};
    for (int i = 0; i < 3; i++) {
        run_args a = {.dir = dir, .inputs = {inputs[i]}, .input_count = 1};
        cr_assert_eq(index_run(&a, NULL), QUIRE_OK, "%s", quire_errmsg());
    }

    quire_index *ix;
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_segment_count(ix), 3, "one segment per run");
    quire_bytes d0 = quire_segment_store_dict(quire_index_segment(ix, 0));
    quire_bytes d1 = quire_segment_store_dict(quire_index_segment(ix, 1));
    quire_bytes d2 = quire_segment_store_dict(quire_index_segment(ix, 2));
    cr_expect_gt(d0.len, 0, "the first run trained a dictionary");
    cr_expect_gt(d1.len, 0, "the second run trained a dictionary");
    cr_expect(d0.len != d1.len || memcmp(d0.ptr, d1.ptr, d0.len) != 0,
              "different text, different dictionaries");
    cr_expect_eq(d2.len, 0, "too little text: no dictionary");
    quire_index_close(ix);

    size_t before_n, after_n;
    stored_doc *before = read_stored_docs(dir, &before_n);
    cr_assert_eq(before_n, 3001);

    run_args o = {.dir = dir, .optimize = true};
    cr_assert_eq(index_run(&o, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_index_open(&ix, dir, NULL), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(quire_index_segment_count(ix), 1);
    cr_expect_gt(quire_segment_store_dict(quire_index_segment(ix, 0)).len, 0);
    quire_index_close(ix);
    expect_valid(dir);

    stored_doc *after = read_stored_docs(dir, &after_n);
    cr_assert_eq(after_n, before_n);
    size_t differ = 0;
    for (size_t i = 0; i < after_n; i++) {
        cr_assert_str_eq(after[i].id, before[i].id);
        if (after[i].text.len != before[i].text.len ||
            (after[i].text.len > 0 && memcmp(after[i].text.data, before[i].text.data, after[i].text.len) != 0)) {
            if (differ++ < 5)
                cr_log_error("%s: stored text differs after the merge", after[i].id);
        }
    }
    cr_expect_eq(differ, 0, "%zu documents' text changed in the merge", differ);
    for (size_t i = 0; i < after_n; i++) {
        quire_buf_free(&before[i].text);
        quire_buf_free(&after[i].text);
    }
    free(before);
    free(after);
    free(one);
    free(two);
    free(small);
}
