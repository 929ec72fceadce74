/*
 * oracle_corpus.h - the brute-force side of the query oracles (test_phrase, test_near):
 * every live document of an index re-tokenized from its stored title and text with the
 * index's analyzer, words interned to ids, plus a seeded random generator. Static
 * functions: include it in one test file each.
 */
#ifndef QUIRE_TEST_ORACLE_CORPUS_H
#define QUIRE_TEST_ORACLE_CORPUS_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quire/analysis.h"
#include "quire/index.h"
#include "quire/segment.h"

typedef struct intern {
    char **keys;
    uint32_t *ids;
    uint32_t cap;
    uint32_t count;
} intern;

static uint32_t intern_id(intern *t, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    for (uint32_t i = (uint32_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (t->keys[i] == NULL) {
            cr_assert(t->count < t->cap / 2, "intern table full");
            t->keys[i] = strndup(s, len);
            t->ids[i] = t->count++;
            return t->ids[i];
        }
        if (strlen(t->keys[i]) == len && memcmp(t->keys[i], s, len) == 0)
            return t->ids[i];
    }
}

typedef struct odoc {
    uint64_t doc_id; /* global */
    int32_t date;
    char *field[2]; /* title, text (stored) */
    uint32_t count[2];
    uint32_t *form[2];         /* interned forms */
    uint32_t *stem[2];         /* interned stems */
    size_t *start[2], *end[2]; /* token bytes in field[] */
} odoc;

typedef struct corpus {
    odoc *docs;
    uint32_t count;
    intern forms, stems;
} corpus;

static void analyse_field(odoc *d, int f, quire_analyzer *an, corpus *c, const char *text,
                          size_t len)
{
    d->field[f] = strndup(text, len);
    uint32_t cap = 16, n = 0;
    d->form[f] = malloc(cap * sizeof(uint32_t));
    d->stem[f] = malloc(cap * sizeof(uint32_t));
    d->start[f] = malloc(cap * sizeof(size_t));
    d->end[f] = malloc(cap * sizeof(size_t));
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, d->field[f], len, 0, true);
    while (quire_tokens_next(&it, &tok)) {
        if (n == cap) {
            cap *= 2;
            d->form[f] = realloc(d->form[f], cap * sizeof(uint32_t));
            d->stem[f] = realloc(d->stem[f], cap * sizeof(uint32_t));
            d->start[f] = realloc(d->start[f], cap * sizeof(size_t));
            d->end[f] = realloc(d->end[f], cap * sizeof(size_t));
        }
        d->form[f][n] = intern_id(&c->forms, tok.form, tok.form_len);
        d->stem[f][n] = intern_id(&c->stems, tok.stem, tok.stem_len);
        d->start[f][n] = tok.byte_start;
        d->end[f][n] = tok.byte_end;
        n++;
    }
    d->count[f] = n;
}

/* Every live document of the index, re-tokenized from its stored title and text. */
static void load_corpus(corpus *c, const char *idx)
{
    memset(c, 0, sizeof *c);
    c->forms.cap = c->stems.cap = 1u << 20;
    c->forms.keys = calloc(c->forms.cap, sizeof(char *));
    c->forms.ids = calloc(c->forms.cap, sizeof(uint32_t));
    c->stems.keys = calloc(c->stems.cap, sizeof(char *));
    c->stems.ids = calloc(c->stems.cap, sizeof(uint32_t));
    quire_index *ix = NULL;
    cr_assert_eq(quire_index_open(&ix, idx, NULL), QUIRE_OK, "%s", quire_errmsg());
    const quire_manifest *m = quire_index_manifest(ix);
    quire_analyzer *an = NULL;
    const quire_analyzer_opts opts = {m->language, m->keep_diacritics, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK);
    c->docs = calloc(quire_index_doc_count(ix) + 1, sizeof *c->docs);
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
            odoc *od = &c->docs[c->count++];
            od->doc_id = quire_index_doc_base(ix, s) + d;
            od->date = info.date;
            analyse_field(od, 0, an, c, (const char *)info.title.ptr, info.title.len);
            analyse_field(od, 1, an, c, text.len ? (const char *)text.data : "", text.len);
            /* the layout this scan assumes: the title's tokens are the first title_len */
            cr_assert_eq(od->count[0], quire_segment_title_len(seg, d), "doc %u of segment %u",
                         (unsigned)d, (unsigned)s);
            cr_assert_eq(od->count[0] + od->count[1], quire_segment_doc_len(seg, d));
        }
    }
    quire_buf_free(&text);
    quire_analyzer_free(an);
    quire_index_close(ix);
}

static void free_corpus(corpus *c)
{
    for (uint32_t i = 0; i < c->count; i++)
        for (int f = 0; f < 2; f++) {
            free(c->docs[i].field[f]);
            free(c->docs[i].form[f]);
            free(c->docs[i].stem[f]);
            free(c->docs[i].start[f]);
            free(c->docs[i].end[f]);
        }
    free(c->docs);
    intern *tables[2] = {&c->forms, &c->stems};
    for (int t = 0; t < 2; t++) {
        for (uint32_t i = 0; i < tables[t]->cap; i++)
            free(tables[t]->keys[i]);
        free(tables[t]->keys);
        free(tables[t]->ids);
    }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

#endif
