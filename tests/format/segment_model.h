/*
 * segment_model.h - a naive in-memory model of one segment for the format tests: seeded
 * random documents (titles, empty texts, a very long document), forms from a Zipf-like
 * vocabulary, stems made of one form (aliases) or several; the writer calls that lay the
 * model out as a segment; and sm_compare(), which reads everything back from an open
 * segment and says whether it equals the model, differs, or failed to read.
 */
#ifndef SEGMENT_MODEL_H
#define SEGMENT_MODEL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quire/date.h"
#include "quire/segment.h"

#define SM_UNUSED    __attribute__((unused))
#define SM_DIFFERENT 1 /* sm_compare: read fine, but not what was written */

static uint64_t sm_rng(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

typedef struct sm_term {
    char *key; /* without the stem prefix */
    size_t len;
    uint32_t df;
    uint64_t cf;
    uint32_t *docs, *tfs;
    uint64_t *pos_at; /* forms: posting i's positions are pos[pos_at[i] .. pos_at[i+1]) */
    uint32_t *pos;
    uint32_t *forms; /* stems: indexes of its forms, ascending */
    uint32_t form_count;
} sm_term;

typedef struct sm_doc {
    char *id, *title, *origin, *text;
    size_t text_len;
    int32_t date;
    uint32_t doc_len, title_len;
    uint64_t src_line, src_offset_plus1; /* where the text lies in its source (version 3) */
    uint32_t src_column;
} sm_doc;

typedef struct sm_seg {
    sm_doc *docs;
    uint32_t doc_count;
    sm_term *forms, *stems;
    uint32_t form_count, stem_count;
    uint64_t total_tokens, posting_count, text_bytes;
} sm_seg;

typedef struct sm_params {
    uint64_t seed;
    uint32_t doc_count;
    uint32_t vocab;    /* distinct words drawn from (not all end up used) */
    uint32_t max_text; /* most text tokens of an ordinary document */
    uint32_t long_doc; /* index of a document of 70,000+ tokens, or UINT32_MAX */
} sm_params;

static SM_UNUSED int sm_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (alen > blen) - (alen < blen);
}

static SM_UNUSED int sm_term_cmp(const void *x, const void *y)
{
    const sm_term *a = x, *b = y;
    return sm_key_cmp(a->key, a->len, b->key, b->len);
}

static SM_UNUSED int sm_str_cmp(const void *x, const void *y)
{
    const char *a = *(char *const *)x, *b = *(char *const *)y;
    return strcmp(a, b);
}

/* A word: 1..10 lowercase letters, now and then with a two-byte UTF-8 letter. */
static SM_UNUSED char *sm_word(uint64_t *rng)
{
    size_t len = 1 + sm_rng(rng) % 10;
    char *w = malloc(2 * len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (sm_rng(rng) % 25 == 0) {
            w[n++] = (char)0xC3;
            w[n++] = (char)(0xA0 + sm_rng(rng) % 0x1F);
        } else {
            w[n++] = (char)('a' + sm_rng(rng) % 26);
        }
    }
    w[n] = '\0';
    return w;
}

/* Lower bound of `key` in a sorted term array. */
static uint32_t sm_find(const sm_term *t, uint32_t n, const char *key, size_t len)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sm_key_cmp(t[mid].key, t[mid].len, key, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static SM_UNUSED bool sm_has(const sm_term *t, uint32_t n, const char *key, size_t len)
{
    uint32_t i = sm_find(t, n, key, len);
    return i < n && sm_key_cmp(t[i].key, t[i].len, key, len) == 0;
}

static SM_UNUSED char *sm_join(char **vocab, const uint32_t *tok, uint32_t n, size_t *len_out)
{
    size_t len = 0;
    for (uint32_t i = 0; i < n; i++)
        len += strlen(vocab[tok[i]]) + 1;
    char *s = malloc(len + 1);
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0)
            s[at++] = ' ';
        size_t l = strlen(vocab[tok[i]]);
        memcpy(s + at, vocab[tok[i]], l);
        at += l;
    }
    s[at] = '\0';
    if (len_out)
        *len_out = at;
    return s;
}

static SM_UNUSED sm_seg *sm_generate(const sm_params *p)
{
    uint64_t rng = p->seed;
    sm_seg *m = calloc(1, sizeof *m);

    /* vocabulary: sorted, distinct */
    char **vocab = malloc(p->vocab * sizeof *vocab);
    uint32_t v = 0;
    for (uint32_t i = 0; i < p->vocab; i++)
        vocab[i] = sm_word(&rng);
    qsort(vocab, p->vocab, sizeof *vocab, sm_str_cmp);
    for (uint32_t i = 0; i < p->vocab; i++) {
        if (v > 0 && strcmp(vocab[v - 1], vocab[i]) == 0)
            free(vocab[i]);
        else
            vocab[v++] = vocab[i];
    }
    /* Zipf-like ranks: rank r of the shuffled vocabulary is drawn about 1/r as often */
    uint32_t *rank = malloc(v * sizeof *rank);
    for (uint32_t i = 0; i < v; i++)
        rank[i] = i;
    for (uint32_t i = v; i > 1; i--) {
        uint32_t j = (uint32_t)(sm_rng(&rng) % i), t = rank[i - 1];
        rank[i - 1] = rank[j];
        rank[j] = t;
    }

    static const char *const origins[] = {"a.txt", "b/c.jsonl", "stdin", "d.trec", "e.txt.gz"};
    m->doc_count = p->doc_count;
    m->docs = calloc(p->doc_count + 1, sizeof *m->docs);
    uint32_t **tok = calloc(p->doc_count + 1, sizeof *tok);
    uint32_t *tok_count = calloc(p->doc_count + 1, sizeof *tok_count);
    uint32_t *occ = calloc(v, sizeof *occ);
    uint32_t origin = 0;
    for (uint32_t d = 0; d < p->doc_count; d++) {
        sm_doc *doc = &m->docs[d];
        uint64_t r = sm_rng(&rng) % 100;
        uint32_t title = r < 30 ? 0 : (uint32_t)(1 + sm_rng(&rng) % 8);
        uint32_t text = r % 10 == 0 ? 0 : (uint32_t)(sm_rng(&rng) % (p->max_text + 1));
        if (d == p->long_doc)
            text = 70000 + (uint32_t)(sm_rng(&rng) % 3000);
        uint32_t n = title + text;
        tok[d] = malloc((n + 1) * sizeof **tok);
        tok_count[d] = n;
        for (uint32_t i = 0; i < n; i++) {
            double u = (double)(sm_rng(&rng) >> 11) / 9007199254740992.0;
            uint32_t k = (uint32_t)(exp(u * log((double)v + 1.0)) - 1.0);
            tok[d][i] = rank[k < v ? k : v - 1];
            occ[tok[d][i]]++;
        }
        doc->title = sm_join(vocab, tok[d], title, NULL);
        doc->text = sm_join(vocab, tok[d] + title, text, &doc->text_len);
        doc->title_len = title;
        doc->doc_len = n;
        char id[48];
        snprintf(id, sizeof id, "doc-%u-%llx", d, (unsigned long long)(sm_rng(&rng) % 4096));
        doc->id = strdup(id);
        if (d == 0 || sm_rng(&rng) % 10 < 3)
            origin = (uint32_t)(sm_rng(&rng) % 5);
        doc->origin = strdup(origins[origin]);
        r = sm_rng(&rng) % 20;
        static const int32_t special[] = {QUIRE_NO_DATE, -1,      0,      INT32_MAX,
                                          INT32_MIN + 1, -719162, 2932896};
        doc->date = r < 3   ? QUIRE_NO_DATE
                    : r < 5 ? special[sm_rng(&rng) % 7]
                    : r < 8 ? -(int32_t)(sm_rng(&rng) % 100000)
                            : (int32_t)(sm_rng(&rng) % 30000);
        /* derived from d, not drawn, so the rest of the model stays as it was: none,
         * a record's line, a plain file's line and column, with and without an offset,
         * small and past 32 bits */
        doc->src_line = d % 5 == 0 ? 0 : d % 7 == 0 ? ((uint64_t)d << 33) + 1 : d % 50 + 1;
        doc->src_column = doc->src_line == 0 || d % 3 == 0 ? 0 : d % 90 + 1;
        doc->src_offset_plus1 = doc->src_column == 0 || d % 4 == 0 ? 0
                                : d % 11 == 0                      ? (uint64_t)d << 35
                                                                   : d * 97 + 1;
        m->total_tokens += n;
        m->text_bytes += doc->text_len;
    }

    /* forms: the words used, in key order, with their postings */
    uint32_t *form_of = malloc(v * sizeof *form_of);
    m->forms = calloc(v + 1, sizeof *m->forms);
    for (uint32_t w = 0; w < v; w++) {
        form_of[w] = UINT32_MAX;
        if (occ[w] == 0)
            continue;
        sm_term *t = &m->forms[m->form_count];
        form_of[w] = m->form_count++;
        t->key = vocab[w];
        vocab[w] = NULL;
        t->len = strlen(t->key);
        t->docs = malloc(occ[w] * sizeof *t->docs);
        t->tfs = malloc(occ[w] * sizeof *t->tfs);
        t->pos_at = malloc((occ[w] + 1) * sizeof *t->pos_at);
        t->pos = malloc(occ[w] * sizeof *t->pos);
        t->pos_at[0] = 0;
    }
    for (uint32_t d = 0; d < p->doc_count; d++) {
        for (uint32_t i = 0; i < tok_count[d]; i++) {
            sm_term *t = &m->forms[form_of[tok[d][i]]];
            /* title at 0..T-1, text from T+1 */
            uint32_t pos = i < m->docs[d].title_len ? i : i + 1;
            if (t->df == 0 || t->docs[t->df - 1] != d) {
                t->docs[t->df] = d;
                t->tfs[t->df] = 0;
                t->df++;
                t->pos_at[t->df] = t->pos_at[t->df - 1];
            }
            t->tfs[t->df - 1]++;
            t->pos[t->pos_at[t->df]++] = pos;
            t->cf++;
        }
    }
    m->posting_count = 0;
    for (uint32_t f = 0; f < m->form_count; f++)
        m->posting_count += m->forms[f].df;

    /* stems: a shuffled partition of the forms into groups of 1 (half) or 2..5 */
    uint32_t *order = malloc((m->form_count + 1) * sizeof *order);
    for (uint32_t i = 0; i < m->form_count; i++)
        order[i] = i;
    for (uint32_t i = m->form_count; i > 1; i--) {
        uint32_t j = (uint32_t)(sm_rng(&rng) % i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    m->stems = calloc(m->form_count + 1, sizeof *m->stems);
    uint32_t *tf_acc = calloc(p->doc_count + 1, sizeof *tf_acc);
    for (uint32_t at = 0; at < m->form_count;) {
        uint32_t n = sm_rng(&rng) % 2 ? 1 : 2 + (uint32_t)(sm_rng(&rng) % 4);
        if (n > m->form_count - at)
            n = m->form_count - at;
        sm_term *s = &m->stems[m->stem_count];
        s->forms = malloc(n * sizeof *s->forms);
        memcpy(s->forms, order + at, n * sizeof *s->forms);
        s->form_count = n;
        for (uint32_t i = 1; i < n; i++) /* insertion sort: indexes ascending = key order */
            for (uint32_t k = i; k > 0 && s->forms[k - 1] > s->forms[k]; k--) {
                uint32_t t = s->forms[k];
                s->forms[k] = s->forms[k - 1];
                s->forms[k - 1] = t;
            }
        /* the stem's key: one of its forms (no digits), or a word with a unique number */
        if (sm_rng(&rng) % 3 == 0) {
            const sm_term *f = &m->forms[s->forms[sm_rng(&rng) % n]];
            s->key = strdup(f->key);
        } else {
            char *w = sm_word(&rng);
            char buf[64];
            snprintf(buf, sizeof buf, "%s_%u", w, m->stem_count);
            free(w);
            s->key = strdup(buf);
        }
        s->len = strlen(s->key);
        /* postings: the union of its forms', tfs summed */
        for (uint32_t i = 0; i < n; i++) {
            const sm_term *f = &m->forms[s->forms[i]];
            for (uint32_t k = 0; k < f->df; k++)
                tf_acc[f->docs[k]] += f->tfs[k];
        }
        s->docs = malloc((p->doc_count + 1) * sizeof *s->docs);
        s->tfs = malloc((p->doc_count + 1) * sizeof *s->tfs);
        for (uint32_t d = 0; d < p->doc_count; d++)
            if (tf_acc[d]) {
                s->docs[s->df] = d;
                s->tfs[s->df++] = tf_acc[d];
                s->cf += tf_acc[d];
                tf_acc[d] = 0;
            }
        if (n > 1)
            m->posting_count += s->df;
        m->stem_count++;
        at += n;
    }
    /* keys are distinct: a form belongs to one stem, and made-up keys carry a number */
    qsort(m->stems, m->stem_count, sizeof *m->stems, sm_term_cmp);
    for (uint32_t i = 1; i < m->stem_count; i++)
        cr_assert_neq(sm_term_cmp(&m->stems[i - 1], &m->stems[i]), 0, "stem keys must be distinct");

    for (uint32_t d = 0; d < p->doc_count; d++)
        free(tok[d]);
    free(tok);
    free(tok_count);
    free(occ);
    free(rank);
    free(form_of);
    free(order);
    free(tf_acc);
    for (uint32_t i = 0; i < v; i++)
        free(vocab[i]);
    free(vocab);
    return m;
}

static SM_UNUSED void sm_free(sm_seg *m)
{
    if (!m)
        return;
    for (uint32_t d = 0; d < m->doc_count; d++) {
        free(m->docs[d].id);
        free(m->docs[d].title);
        free(m->docs[d].origin);
        free(m->docs[d].text);
    }
    free(m->docs);
    sm_term *lists[2] = {m->forms, m->stems};
    uint32_t counts[2] = {m->form_count, m->stem_count};
    for (int l = 0; l < 2; l++) {
        for (uint32_t i = 0; i < counts[l]; i++) {
            free(lists[l][i].key);
            free(lists[l][i].docs);
            free(lists[l][i].tfs);
            free(lists[l][i].pos_at);
            free(lists[l][i].pos);
            free(lists[l][i].forms);
        }
        free(lists[l]);
    }
    free(m);
}

static SM_UNUSED quire_doc_info sm_info(const sm_doc *d)
{
    quire_doc_info info;
    memset(&info, 0, sizeof info);
    info.external_id = quire_bytes_of(d->id, strlen(d->id));
    info.title = quire_bytes_of(d->title, strlen(d->title));
    info.origin = quire_bytes_of(d->origin, strlen(d->origin));
    info.date = d->date;
    info.text_len = d->text_len;
    info.doc_len = d->doc_len;
    info.title_len = d->title_len;
    info.src_line = d->src_line;
    info.src_column = d->src_column;
    info.src_offset_plus1 = d->src_offset_plus1;
    return info;
}

/* The stored-text blocks a writer in meta mode was given (for quire_segment_store_block). */
typedef struct sm_blocks {
    quire_buf bytes; /* the encoded blocks, one after the other */
    uint64_t *end;   /* block i ends at end[i] in `bytes` */
    uint64_t count;
} sm_blocks;

static SM_UNUSED void sm_blocks_free(sm_blocks *b)
{
    quire_buf_free(&b->bytes);
    free(b->end);
}

/* Write the model as segment `id` in `dir`. With `blocks` (may be NULL for add_doc mode),
 * documents go in by add_doc_meta and the text as blocks of random sizes cut regardless
 * of document bounds, interleaved with the documents. */
static SM_UNUSED void sm_write(const sm_seg *m, const char *dir, uint64_t id, sm_blocks *blocks,
                               uint64_t seed, quire_segment_stats *stats)
{
    quire_segment_writer *w = NULL;
    cr_assert_eq(quire_segment_writer_new(&w, dir, id), QUIRE_OK, "%s", quire_errmsg());
    uint64_t rng = seed;
    quire_buf stream = QUIRE_BUF_INIT; /* meta mode: text not yet in a block */
    uint64_t promised = 0;
    if (blocks) {
        memset(blocks, 0, sizeof *blocks);
        blocks->end = malloc((m->text_bytes + 2) * sizeof *blocks->end);
    }
    for (uint32_t d = 0; d <= m->doc_count; d++) {
        bool last = d == m->doc_count;
        if (!last) {
            const sm_doc *doc = &m->docs[d];
            quire_doc_info info = sm_info(doc);
            if (!blocks) {
                cr_assert_eq(quire_segment_writer_add_doc(w, &info,
                                                          quire_bytes_of(doc->text, doc->text_len)),
                             QUIRE_OK, "doc %u: %s", d, quire_errmsg());
                continue;
            }
            cr_assert_eq(quire_segment_writer_add_doc_meta(w, &info), QUIRE_OK, "doc %u: %s", d,
                         quire_errmsg());
            promised += doc->text_len;
            quire_buf_put(&stream, doc->text, doc->text_len);
        }
        /* cut blocks of 1..QUIRE_STORE_BLOCK_MAX bytes while there is enough text (all of it
         * at the end) */
        for (;;) {
            size_t n = 1 + (size_t)(sm_rng(&rng) % QUIRE_STORE_BLOCK_MAX);
            if (n > stream.len) {
                if (!last || stream.len == 0)
                    break;
                n = stream.len;
            }
            quire_buf enc = QUIRE_BUF_INIT;
            cr_assert_eq(quire_store_block_encode(&enc, stream.data, n, (int)(sm_rng(&rng) % 10)),
                         QUIRE_OK, "%s", quire_errmsg());
            cr_assert_eq(quire_segment_writer_add_store_block(w, quire_bytes_of(enc.data, enc.len)),
                         QUIRE_OK, "%s", quire_errmsg());
            quire_buf_put(&blocks->bytes, enc.data, enc.len);
            blocks->end[blocks->count++] = blocks->bytes.len;
            quire_buf_free(&enc);
            memmove(stream.data, stream.data + n, stream.len - n);
            stream.len -= n;
        }
    }
    quire_buf_free(&stream);
    (void)promised;

    for (uint32_t f = 0; f < m->form_count; f++) {
        const sm_term *t = &m->forms[f];
        cr_assert_eq(quire_segment_writer_begin_form(w, quire_bytes_of(t->key, t->len)), QUIRE_OK,
                     "%s", quire_errmsg());
        for (uint32_t i = 0; i < t->df; i++)
            cr_assert_eq(quire_segment_writer_add_posting(w, t->docs[i], t->tfs[i],
                                                          t->pos + t->pos_at[i],
                                                          m->docs[t->docs[i]].doc_len),
                         QUIRE_OK, "%s", quire_errmsg());
        cr_assert_eq(quire_segment_writer_end_term(w), QUIRE_OK, "%s", quire_errmsg());
    }
    for (uint32_t s = 0; s < m->stem_count; s++) {
        const sm_term *t = &m->stems[s];
        if (t->form_count == 1) {
            const sm_term *f = &m->forms[t->forms[0]];
            cr_assert_eq(quire_segment_writer_add_alias_stem(w, quire_bytes_of(t->key, t->len),
                                                             quire_bytes_of(f->key, f->len)),
                         QUIRE_OK, "%s", quire_errmsg());
            continue;
        }
        quire_bytes fb[8];
        for (uint32_t i = 0; i < t->form_count; i++)
            fb[i] = quire_bytes_of(m->forms[t->forms[i]].key, m->forms[t->forms[i]].len);
        cr_assert_eq(
            quire_segment_writer_begin_stem(w, quire_bytes_of(t->key, t->len), fb, t->form_count),
            QUIRE_OK, "%s", quire_errmsg());
        for (uint32_t i = 0; i < t->df; i++)
            cr_assert_eq(quire_segment_writer_add_posting(w, t->docs[i], t->tfs[i], NULL,
                                                          m->docs[t->docs[i]].doc_len),
                         QUIRE_OK, "%s", quire_errmsg());
        cr_assert_eq(quire_segment_writer_end_term(w), QUIRE_OK, "%s", quire_errmsg());
    }
    quire_segment_stats st;
    cr_assert_eq(quire_segment_writer_finish(w, stats ? stats : &st), QUIRE_OK, "%s",
                 quire_errmsg());
}

/* ---- reading back ---- */

static SM_UNUSED int sm_diff(char *why, size_t cap, const char *fmt, ...) QUIRE_PRINTF(3, 4);
static SM_UNUSED int sm_diff(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return SM_DIFFERENT;
}

static SM_UNUSED bool sm_bytes_eq(quire_bytes b, const char *s, size_t len)
{
    return b.len == len && (len == 0 || memcmp(b.ptr, s, len) == 0);
}

/* Walk a term's postings and compare with the model (positions for forms). */
static SM_UNUSED int sm_compare_postings(const quire_segment *seg, const sm_term *t,
                                         const quire_term *qt, bool positions, char *why,
                                         size_t cap)
{
    if (qt->postings.df != t->df || qt->postings.cf != t->cf)
        return sm_diff(why, cap, "'%s': df %u cf %llu, want %u %llu", t->key, qt->postings.df,
                       (unsigned long long)qt->postings.cf, t->df, (unsigned long long)t->cf);
    quire_postings_cursor c;
    int rc = quire_segment_postings(seg, qt, &c);
    if (rc != QUIRE_OK)
        return rc;
    for (uint32_t i = 0; i <= t->df && rc == QUIRE_OK; i++) {
        rc = quire_postings_next(&c);
        if (rc != QUIRE_OK)
            break;
        uint32_t want = i < t->df ? t->docs[i] : QUIRE_DOC_END;
        if (c.doc != want) {
            rc = sm_diff(why, cap, "'%s' posting %u: doc %u, want %u", t->key, i, c.doc, want);
            break;
        }
        if (i == t->df)
            break;
        if (c.tf != t->tfs[i]) {
            rc = sm_diff(why, cap, "'%s' doc %u: tf %u, want %u", t->key, c.doc, c.tf, t->tfs[i]);
            break;
        }
        const uint32_t *pos;
        uint32_t count;
        int prc = quire_postings_positions(&c, &pos, &count);
        if (!positions) {
            /* an alias stem shares its form's postings, positions included */
            if (prc != QUIRE_EINVAL && t->form_count > 1)
                rc = sm_diff(why, cap, "stem '%s' has positions", t->key);
            continue;
        }
        if (prc != QUIRE_OK) {
            rc = prc;
            break;
        }
        if (count != t->tfs[i] || memcmp(pos, t->pos + t->pos_at[i], count * sizeof *pos) != 0)
            rc = sm_diff(why, cap, "'%s' doc %u: positions differ", t->key, c.doc);
    }
    quire_postings_close(&c);
    return rc;
}

static SM_UNUSED int sm_compare_term(const quire_segment *seg, const sm_seg *m,
                                     quire_term_kind kind, const sm_term *t, const quire_term *qt,
                                     char *why, size_t cap)
{
    bool stem = kind == QUIRE_TERM_STEM;
    if (qt->kind != kind || qt->has_positions == stem ||
        qt->form_count != (stem ? t->form_count : 1))
        return sm_diff(why, cap, "'%s': kind %d, positions %d, %u forms", t->key, qt->kind,
                       qt->has_positions, qt->form_count);
    for (uint32_t i = 0; i < qt->form_count; i++) {
        quire_bytes form;
        int rc = quire_term_form(qt, i, quire_bytes_of(t->key, t->len), &form);
        if (rc != QUIRE_OK)
            return rc;
        const sm_term *f = stem ? &m->forms[t->forms[i]] : t;
        if (!sm_bytes_eq(form, f->key, f->len))
            return sm_diff(why, cap, "'%s': form %u is '%.*s', want '%s'", t->key, i, (int)form.len,
                           form.ptr, f->key);
    }
    quire_bytes form;
    if (quire_term_form(qt, qt->form_count, quire_bytes_of(t->key, t->len), &form) != QUIRE_EINVAL)
        return sm_diff(why, cap, "'%s': form %u past the end exists", t->key, qt->form_count);
    return sm_compare_postings(seg, t, qt, !stem, why, cap);
}

static SM_UNUSED int sm_expect_miss(const quire_segment *seg, quire_term_kind kind, const char *key,
                                    size_t len, char *why, size_t cap)
{
    quire_term qt;
    int rc = quire_segment_lookup(seg, kind, quire_bytes_of(key, len), &qt);
    if (rc == QUIRE_ENOTFOUND)
        return QUIRE_OK;
    if (rc == QUIRE_OK)
        return sm_diff(why, cap, "%s '%.*s' found but was never written",
                       kind == QUIRE_TERM_STEM ? "stem" : "form", (int)len, key);
    return rc;
}

/* Iterate one kind from `from` for up to `steps` terms (all if 0) against the model. */
static SM_UNUSED int sm_compare_iter(const quire_segment *seg, const sm_seg *m,
                                     quire_term_kind kind, const char *from, size_t from_len,
                                     uint32_t steps, char *why, size_t cap)
{
    const sm_term *terms = kind == QUIRE_TERM_STEM ? m->stems : m->forms;
    uint32_t n = kind == QUIRE_TERM_STEM ? m->stem_count : m->form_count;
    quire_segment_term_iter it;
    int rc = quire_segment_terms_seek(&it, seg, kind, quire_bytes_of(from, from_len));
    if (rc != QUIRE_OK)
        return rc;
    uint32_t i = sm_find(terms, n, from, from_len);
    for (uint32_t k = 0; steps == 0 || k < steps; k++, i++) {
        quire_bytes key;
        quire_term qt;
        rc = quire_segment_terms_next(&it, &key, &qt);
        if (i == n) {
            if (rc == QUIRE_ENOTFOUND)
                return QUIRE_OK;
            if (rc == QUIRE_OK)
                return sm_diff(why, cap, "iteration from '%.*s' goes past the last term",
                               (int)from_len, from);
            return rc;
        }
        if (rc == QUIRE_ENOTFOUND)
            return sm_diff(why, cap, "iteration from '%.*s' ends before '%s'", (int)from_len, from,
                           terms[i].key);
        if (rc != QUIRE_OK)
            return rc;
        if (!sm_bytes_eq(key, terms[i].key, terms[i].len))
            return sm_diff(why, cap, "iteration from '%.*s': '%.*s', want '%s'", (int)from_len,
                           from, (int)key.len, key.ptr, terms[i].key);
        if (qt.kind != kind || qt.postings.df != terms[i].df || qt.postings.cf != terms[i].cf ||
            (kind == QUIRE_TERM_STEM && qt.form_count != terms[i].form_count))
            return sm_diff(why, cap, "iteration: term '%s' differs from its lookup", terms[i].key);
    }
    return QUIRE_OK;
}

/* Read everything in `seg` back and compare with `m`. Returns QUIRE_OK when all equals,
 * SM_DIFFERENT (with `why`) when something read differs, or the error code of a failed
 * read (quire_errmsg() says what). */
static SM_UNUSED int sm_compare(const sm_seg *m, const quire_segment *seg, char *why, size_t cap)
{
    const quire_segment_stats *st = quire_segment_get_stats(seg);
    if (st->doc_count != m->doc_count || st->total_tokens != m->total_tokens ||
        st->form_count != m->form_count || st->stem_count != m->stem_count ||
        st->posting_count != m->posting_count || st->text_bytes != m->text_bytes)
        return sm_diff(why, cap,
                       "statistics differ: %u docs, %llu tokens, %llu forms, %llu "
                       "stems, %llu postings, %llu text bytes",
                       st->doc_count, (unsigned long long)st->total_tokens,
                       (unsigned long long)st->form_count, (unsigned long long)st->stem_count,
                       (unsigned long long)st->posting_count, (unsigned long long)st->text_bytes);
    int rc = QUIRE_OK;
    /* documents */
    quire_buf text = QUIRE_BUF_INIT;
    uint64_t text_off = 0;
    for (uint32_t d = 0; d < m->doc_count && rc == QUIRE_OK; d++) {
        const sm_doc *doc = &m->docs[d];
        if (quire_segment_doc_len(seg, d) != doc->doc_len ||
            quire_segment_title_len(seg, d) != doc->title_len) {
            rc = sm_diff(why, cap, "doc %u: lengths %u/%u, want %u/%u", d,
                         quire_segment_doc_len(seg, d), quire_segment_title_len(seg, d),
                         doc->doc_len, doc->title_len);
            break;
        }
        quire_doc_info info;
        rc = quire_segment_doc_info(seg, d, &info);
        if (rc != QUIRE_OK)
            break;
        if (!sm_bytes_eq(info.external_id, doc->id, strlen(doc->id)) ||
            !sm_bytes_eq(info.title, doc->title, strlen(doc->title)) ||
            !sm_bytes_eq(info.origin, doc->origin, strlen(doc->origin)) || info.date != doc->date ||
            info.text_off != text_off || info.text_len != doc->text_len ||
            info.doc_len != doc->doc_len || info.title_len != doc->title_len ||
            info.src_line != doc->src_line || info.src_column != doc->src_column ||
            info.src_offset_plus1 != doc->src_offset_plus1) {
            rc = sm_diff(why, cap, "doc %u: info '%.*s' '%.*s' '%.*s' date %d off %llu len %llu", d,
                         (int)info.external_id.len, info.external_id.ptr, (int)info.title.len,
                         info.title.ptr, (int)info.origin.len, info.origin.ptr, info.date,
                         (unsigned long long)info.text_off, (unsigned long long)info.text_len);
            break;
        }
        text_off += doc->text_len;
        text.len = 0;
        quire_buf_put(&text, "<", 1); /* doc_text appends */
        rc = quire_segment_doc_text(seg, d, &text);
        if (rc != QUIRE_OK)
            break;
        if (text.len != doc->text_len + 1 || text.data[0] != '<' ||
            memcmp(text.data + 1, doc->text, doc->text_len) != 0)
            rc = sm_diff(why, cap, "doc %u: text of %zu bytes differs (want %zu)", d, text.len - 1,
                         doc->text_len);
    }
    quire_buf_free(&text);
    if (rc != QUIRE_OK)
        return rc;
    quire_doc_info info;
    if (quire_segment_doc_info(seg, m->doc_count, &info) != QUIRE_EINVAL)
        return sm_diff(why, cap, "doc %u past the end exists", m->doc_count);

    /* every term by lookup, with its postings */
    for (int kind = QUIRE_TERM_FORM; kind <= QUIRE_TERM_STEM; kind++) {
        const sm_term *terms = kind == QUIRE_TERM_STEM ? m->stems : m->forms;
        uint32_t n = kind == QUIRE_TERM_STEM ? m->stem_count : m->form_count;
        for (uint32_t i = 0; i < n; i++) {
            quire_term qt;
            rc = quire_segment_lookup(seg, (quire_term_kind)kind,
                                      quire_bytes_of(terms[i].key, terms[i].len), &qt);
            if (rc == QUIRE_ENOTFOUND)
                return sm_diff(why, cap, "'%s' (kind %d) not found", terms[i].key, kind);
            if (rc != QUIRE_OK)
                return rc;
            rc = sm_compare_term(seg, m, (quire_term_kind)kind, &terms[i], &qt, why, cap);
            if (rc != QUIRE_OK)
                return rc;
        }
    }
    /* misses: keys between the written ones, each kind's keys as the other kind */
    char miss[64];
    for (uint32_t i = 0; i < m->form_count; i++) {
        const sm_term *t = &m->forms[i];
        snprintf(miss, sizeof miss, "%s~", t->key);
        if ((rc = sm_expect_miss(seg, QUIRE_TERM_FORM, miss, strlen(miss), why, cap)) ||
            (rc = sm_expect_miss(seg, QUIRE_TERM_STEM, miss, strlen(miss), why, cap)))
            return rc;
        if (t->len > 1 && !sm_has(m->forms, m->form_count, t->key, t->len - 1) &&
            (rc = sm_expect_miss(seg, QUIRE_TERM_FORM, t->key, t->len - 1, why, cap)))
            return rc;
        if (!sm_has(m->stems, m->stem_count, t->key, t->len) &&
            (rc = sm_expect_miss(seg, QUIRE_TERM_STEM, t->key, t->len, why, cap)))
            return rc;
    }
    for (uint32_t i = 0; i < m->stem_count; i++) {
        const sm_term *t = &m->stems[i];
        if (!sm_has(m->forms, m->form_count, t->key, t->len) &&
            (rc = sm_expect_miss(seg, QUIRE_TERM_FORM, t->key, t->len, why, cap)))
            return rc;
    }
    static const char long_key[1100] = {'a'};
    if ((rc = sm_expect_miss(seg, QUIRE_TERM_FORM, "", 0, why, cap)) ||
        (rc = sm_expect_miss(seg, QUIRE_TERM_STEM, "", 0, why, cap)) ||
        (rc = sm_expect_miss(seg, QUIRE_TERM_FORM, "\xff", 1, why, cap)) ||
        (rc = sm_expect_miss(seg, QUIRE_TERM_FORM,
                             "\xff"
                             "a",
                             2, why, cap)) ||
        (rc = sm_expect_miss(seg, QUIRE_TERM_STEM, long_key, sizeof long_key, why, cap)) ||
        (rc = sm_expect_miss(seg, QUIRE_TERM_FORM, long_key, sizeof long_key, why, cap)))
        return rc;

    /* iteration: each kind whole, and from prefixes of some keys */
    if ((rc = sm_compare_iter(seg, m, QUIRE_TERM_FORM, "", 0, 0, why, cap)) ||
        (rc = sm_compare_iter(seg, m, QUIRE_TERM_STEM, "", 0, 0, why, cap)) ||
        (rc = sm_compare_iter(seg, m, QUIRE_TERM_FORM, "\xfe", 1, 0, why, cap)) ||
        (rc = sm_compare_iter(seg, m, QUIRE_TERM_STEM, "\xfe", 1, 0, why, cap)))
        return rc;
    for (int kind = QUIRE_TERM_FORM; kind <= QUIRE_TERM_STEM; kind++) {
        const sm_term *terms = kind == QUIRE_TERM_STEM ? m->stems : m->forms;
        uint32_t n = kind == QUIRE_TERM_STEM ? m->stem_count : m->form_count;
        for (uint32_t i = 0; i < n; i += 1 + n / 40) {
            for (size_t plen = 1; plen <= 3 && plen <= terms[i].len; plen++) {
                rc =
                    sm_compare_iter(seg, m, (quire_term_kind)kind, terms[i].key, plen, 4, why, cap);
                if (rc != QUIRE_OK)
                    return rc;
            }
            snprintf(miss, sizeof miss, "%s~", terms[i].key);
            rc = sm_compare_iter(seg, m, (quire_term_kind)kind, miss, strlen(miss), 3, why, cap);
            if (rc != QUIRE_OK)
                return rc;
        }
    }
    return QUIRE_OK;
}

#endif
