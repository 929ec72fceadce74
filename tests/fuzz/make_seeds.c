/*
 * make_seeds.c - writes the seed corpora of tests/fuzz/seeds/<target>/ from real data:
 * words and queries of the sample corpus and README, and the files of the template index
 * (fuzz_common.c). Run from the fuzz build (its files carry CRC-32s of 0, as the fuzz
 * build reads them): build/fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/seeds
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "quire/analysis.h"
#include "quire/bytes.h"
#include "quire/postings.h"
#include "quire/segment.h"

static const char *out_root;

static void put(const char *target, const char *name, const void *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", out_root, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        abort();
    snprintf(path, sizeof path, "%s/%s/%s", out_root, target, name);
    fz_write_file(path, p, n);
}

/* A text seed: an option byte, then the text. */
static void put_text(const char *target, int i, uint8_t opt, const char *text)
{
    quire_buf b = QUIRE_BUF_INIT;
    quire_buf_put_byte(&b, opt);
    quire_buf_put(&b, text, strlen(text));
    char name[32];
    snprintf(name, sizeof name, "seed-%02d", i);
    put(target, name, b.data, b.len);
    quire_buf_free(&b);
}

/* A query seed: fuzz_query.c's two option bytes (the second 0), then the query. */
static void put_query(int i, uint8_t opt, const char *text)
{
    quire_buf b = QUIRE_BUF_INIT;
    quire_buf_put_byte(&b, opt);
    quire_buf_put_byte(&b, 0);
    quire_buf_put(&b, text, strlen(text));
    char name[32];
    snprintf(name, sizeof name, "seed-%02d", i);
    put("query", name, b.data, b.len);
    quire_buf_free(&b);
}

static const char *const texts[] = {
    "Putin visits Moscow; Xi expected a state visit.",
    "Russia\xe2\x80\x99s S-300 and Russian-Chinese talks: 1,000 tonnes, 172.406 km.",
    "We are expecting you, dear Mr Chairman \xe2\x80\x94 \xe2\x80\x9cno limits\xe2\x80\x9d!",
    ("caf\xc3\xa9 abb\xc3\xa9 na\xc3\xafve \xd0\xa0\xd0\xbe\xd1\x81\xd1\x81\xd0\xb8\xd1\x8f "
     "\xce\x95\xce\xbb\xce\xbb\xce\xac\xce\xb4\xce\xb1"),
    "expect-\ning, soft\xc2\xadhyphen, bad \xff\xfe bytes \xc3 and \xed\xa0\x80 surrogate",
    "e\xcc\x81\xcc\x81\xcc\x81 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80 \xe2\x80\x8f",
};

static const char *const queries[] = {
    "putin visit",
    "putin OR xi",
    "\"objective and fair\"",
    "\xe2\x80\x9cno limits\xe2\x80\x9d",
    "~\"expected visit\"",
    "Russian-Chinese S-300",
    "putin -xi",
    "(putin OR xi) \"state visit\"",
    "title:ukraine title:\"state visit\"",
    "date:2022-12-01..2022-12-31 date:..2022-12-31",
    "putin NEAR/3 xi",
    "\"state visit\" NEAR/10 moscow",
    "xi ONEAR/3 putin",
    "expect*",
    "\"We are expecting you, dear Mr Chairman\"",
    "+putin xi -moscow NOT gas",
    "((the",
    "\"We are waiting for you, dear Mr Chairman\"~",
    "Zelensky~ putin~1",
    "\"Vladimir Putin and Xi Jinping\"~0.7 -moscow",
    "Zelensky \"putin Xi~2\"~",
    "title:\"state visit\"~ zel~0",
    "\"We are waiting for you, dear Mr Chairman\"",
};
/* from this one on, byte 0 also asks for --explain, notes, the fallback and a passage per
 * hit (bits 5-6 both set): fuzz_query.c */
#define FIRST_APPROX_QUERY 17

/* Passage seeds: real sentences, matches on the words given (see fuzz_passage.c). */
static const struct {
    const char *title, *text, *words[4];
} passages[] = {
    {"Putin and Xi",
     "China has vowed to maintain what it described as its \"objective and fair\" stance on "
     "Russia's war in Ukraine following a meeting between Vladimir Putin and Xi Jinping. "
     "\"We are expecting you, dear Mr Chairman,\" Putin said. Xi replied via video "
     "conference.",
     {"putin", "xi", "objective", NULL}},
    {"",
     "Samarkand, Uzbekistan. Mr. Putin met Mr. Xi... no limits! Then: \"state visit\"?\n\n"
     "A new paragraph about Uzbekistan and the S-300.",
     {"uzbekistan", "state", "visit", "limits"}},
};

static void put_passages(void)
{
    quire_analyzer *an;
    const quire_analyzer_opts opts = {"english", false, 0};
    if (quire_analyzer_new(&an, &opts) != QUIRE_OK)
        abort();
    for (size_t i = 0; i < sizeof passages / sizeof passages[0]; i++) {
        quire_token_iter it;
        quire_token tok;
        uint32_t t = 0;
        quire_tokens_begin(&it, an, passages[i].title, strlen(passages[i].title), 0, false);
        while (quire_tokens_next(&it, &tok))
            t++;
        quire_buf m = QUIRE_BUF_INIT;
        uint32_t nm = 0;
        quire_tokens_begin(&it, an, passages[i].text, strlen(passages[i].text), 0, false);
        while (quire_tokens_next(&it, &tok) && tok.pos < 128)
            for (uint32_t w = 0; w < 4 && passages[i].words[w]; w++)
                if (strcmp(tok.form, passages[i].words[w]) == 0 && nm < 63) {
                    uint8_t rec[3] = {(uint8_t)(0x80 | tok.pos), 0, (uint8_t)w};
                    quire_buf_put(&m, rec, 3);
                    nm++;
                }
        (void)t;
        quire_buf b = QUIRE_BUF_INIT;
        const uint8_t head[4] = {(uint8_t)(i * 2), (uint8_t)(40 + i * 20), 3, (uint8_t)nm};
        quire_buf_put(&b, head, 4);
        quire_buf_put(&b, m.data, m.len);
        quire_buf_put(&b, passages[i].title, strlen(passages[i].title));
        quire_buf_put_byte(&b, 0x01);
        quire_buf_put(&b, passages[i].text, strlen(passages[i].text));
        char name[32];
        snprintf(name, sizeof name, "seed-%02zu", i);
        put("passage", name, b.data, b.len);
        quire_buf_free(&b);
        quire_buf_free(&m);
    }
    quire_analyzer_free(an);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    out_root = argv[1];
    put_passages();
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        put_text("analysis", (int)i, (uint8_t)(i * 3), texts[i]);
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        /* fuzz_query.c reads two option bytes; the second (--plain, --proximity, --rm3)
         * is 0 here: seed-plain-rm3-proximity and friends set it */
        put_query((int)i,
                  (uint8_t)((i % 4) | (2 + i % 6) << 2 | (i >= FIRST_APPROX_QUERY ? 0x60 : 0)),
                  queries[i]);
    }

    const char *tdir = fz_template_dir();
    uint64_t id = fz_template_segment();
    size_t len[QUIRE_SEG_FILE_COUNT];
    uint8_t *file[QUIRE_SEG_FILE_COUNT];
    quire_buf all = QUIRE_BUF_INIT;
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++) {
        char path[512];
        fz_segment_path(path, sizeof path, tdir, id, quire_segment_file_ext[i]);
        file[i] = fz_read_file(path, &len[i]);
        quire_buf_put_le32(&all, (uint32_t)len[i]);
    }
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++)
        quire_buf_put(&all, file[i], len[i]);
    put("segment", "template", all.data, all.len);
    put("stored_text", "template", file[QUIRE_SEG_STO], len[QUIRE_SEG_STO]);
    quire_buf_free(&all);

    char mpath[512];
    snprintf(mpath, sizeof mpath, "%s/manifest-%016llx", tdir, 1ULL);
    size_t mlen;
    uint8_t *mbytes = fz_read_file(mpath, &mlen);
    put("manifest", "template", mbytes, mlen);
    free(mbytes);

    /* the dictionary: the .ter's bytes up to the end of its sparse index */
    const uint8_t *ter = file[QUIRE_SEG_TER];
    uint64_t stats_off = quire_load_le64(ter + len[QUIRE_SEG_TER] - 40);
    uint64_t di_off = quire_load_le64(ter + stats_off + 48);
    uint64_t di_len = quire_load_le64(ter + stats_off + 56);
    quire_buf td = QUIRE_BUF_INIT;
    quire_buf_put_le32(&td, (uint32_t)di_len);
    quire_buf_put(&td, ter, (size_t)(di_off + di_len));
    put("termdict", "template", td.data, td.len);
    quire_buf_free(&td);

    /* postings: a few terms of the template, their bytes cut out and the meta rebased */
    quire_segment *seg;
    if (quire_segment_open(&seg, tdir, id) != QUIRE_OK)
        abort();
    static const struct {
        quire_term_kind kind;
        const char *key;
    } terms[] = {{QUIRE_TERM_FORM, "the"},       {QUIRE_TERM_FORM, "putin"},
                 {QUIRE_TERM_FORM, "samarkand"}, {QUIRE_TERM_STEM, "visit"},
                 {QUIRE_TERM_STEM, "expect"},    {QUIRE_TERM_FORM, "end"}};
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        quire_term t;
        if (quire_segment_lookup(seg, terms[i].kind,
                                 quire_bytes_of(terms[i].key, strlen(terms[i].key)),
                                 &t) != QUIRE_OK) {
            fprintf(stderr, "no term %s in the template\n", terms[i].key);
            return 1;
        }
        quire_postings_meta m = t.postings;
        quire_buf b = QUIRE_BUF_INIT;
        if (m.is_inline) { /* format 3: the entry's inline bytes, after 0xFF */
            quire_buf_put_byte(&b, 0xFF);
            quire_postings_meta_encode_inline(&b, &m);
        } else {
            uint64_t doc_off = m.doc_off, pos_off = m.pos_off;
            m.doc_off = 0;
            m.pos_off = 0;
            quire_postings_meta_encode(&b, &m);
            quire_buf_put_le32(&b, (uint32_t)m.doc_len);
            quire_buf_put(&b, file[QUIRE_SEG_DOC] + doc_off, (size_t)m.doc_len);
            quire_buf_put(&b, file[QUIRE_SEG_POS] + pos_off, (size_t)m.pos_len);
        }
        char name[64];
        snprintf(name, sizeof name, "%s-%s", terms[i].kind == QUIRE_TERM_STEM ? "stem" : "form",
                 terms[i].key);
        put("postings", name, b.data, b.len);
        quire_buf_free(&b);
    }
    /* and the first inline form and stem (format 3) of the template */
    for (int kind = 0; kind < 2; kind++) {
        quire_segment_term_iter it;
        quire_bytes key;
        quire_term t;
        if (quire_segment_terms_seek(&it, seg, (quire_term_kind)kind, quire_bytes_of("", 0)) !=
            QUIRE_OK)
            abort();
        while (quire_segment_terms_next(&it, &key, &t) == QUIRE_OK && !t.postings.is_inline)
            ;
        if (!t.postings.is_inline) {
            fprintf(stderr, "no inline term in the template\n");
            return 1;
        }
        quire_buf b = QUIRE_BUF_INIT;
        quire_buf_put_byte(&b, 0xFF);
        quire_postings_meta_encode_inline(&b, &t.postings);
        put("postings", kind ? "stem-inline" : "form-inline", b.data, b.len);
        quire_buf_free(&b);
    }
    quire_segment_close(seg);
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++)
        free(file[i]);
    return 0;
}
