/*
 * verify.c - quire_segment_verify(): read everything in a segment and check every CRC and
 * every invariant the format promises (FORMAT.md "Invariants"). Slow by design: it is the
 * integrity check, not a query path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "framing.h"
#include "quire/segment.h"
#include "segment_layout.h"

typedef struct vctx {
    const quire_segment *seg;
    quire_report_fn report;
    void *ctx;
    uint64_t problems;
    char seg_name[32];
} vctx;

static void problem(vctx *v, const char *fmt, ...) QUIRE_PRINTF(2, 3);
static void problem(vctx *v, const char *fmt, ...)
{
    char line[768];
    int n =
        snprintf(line, sizeof line, "seg-%08llx: ", (unsigned long long)quire_segment_id(v->seg));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    v->problems++;
    v->report(v->ctx, line);
}

static int cmp_keys(quire_bytes a, quire_bytes b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = memcmp(a.ptr, b.ptr, n);
    if (c)
        return c;
    return a.len < b.len ? -1 : a.len > b.len;
}

/* Walk one term's postings: ascending docs, df, cf, positions inside the document. */
static int check_postings(vctx *v, quire_bytes key, const quire_term *t, uint32_t *doc_tokens,
                          uint64_t *cf_out)
{
    const quire_segment *seg = v->seg;
    const quire_segment_stats *st = quire_segment_get_stats(seg);
    quire_postings_cursor c;
    int rc = quire_segment_postings(seg, t, &c);
    if (rc != QUIRE_OK) {
        problem(v, "term '%.*s': %s", (int)key.len, key.ptr, quire_errmsg());
        return rc == QUIRE_ENOMEM ? rc : QUIRE_OK;
    }
    uint64_t n = 0, cf = 0;
    uint32_t prev = 0;
    for (;;) {
        rc = quire_postings_next(&c);
        if (rc != QUIRE_OK) {
            problem(v, "term '%.*s': %s", (int)key.len, key.ptr, quire_errmsg());
            break;
        }
        if (c.doc == QUIRE_DOC_END)
            break;
        if ((n > 0 && c.doc <= prev) || c.doc >= st->doc_count) {
            problem(v, "term '%.*s': doc id %u out of order or range", (int)key.len, key.ptr,
                    c.doc);
            break;
        }
        prev = c.doc;
        n++;
        cf += c.tf;
        if (t->has_positions) {
            const uint32_t *pos;
            uint32_t count;
            rc = quire_postings_positions(&c, &pos, &count);
            if (rc != QUIRE_OK) {
                problem(v, "term '%.*s': %s", (int)key.len, key.ptr, quire_errmsg());
                break;
            }
            uint32_t dl = quire_segment_doc_len(seg, c.doc),
                     tl = quire_segment_title_len(seg, c.doc);
            for (uint32_t i = 0; i < count; i++) {
                /* title at 0..tl-1, text at tl+1..dl */
                /* a pair's position is its first word's: the second is at pos + 1, in
                 * the same field */
                const bool pair_end =
                    t->kind == QUIRE_TERM_PAIR && (pos[i] + 1 == tl || pos[i] >= dl);
                if ((i > 0 && pos[i] <= pos[i - 1]) || pos[i] == tl || pos[i] > dl || pair_end) {
                    problem(v, "term '%.*s': position %u outside document %u (length %u)",
                            (int)key.len, key.ptr, pos[i], c.doc, dl);
                    break;
                }
            }
            if (count != c.tf)
                problem(v, "term '%.*s': %u positions for tf %u", (int)key.len, key.ptr, count,
                        c.tf);
            if (doc_tokens)
                doc_tokens[c.doc] += c.tf;
        }
    }
    if (rc == QUIRE_OK && n != t->postings.df)
        problem(v, "term '%.*s': %llu postings, document frequency says %u", (int)key.len, key.ptr,
                (unsigned long long)n, t->postings.df);
    if (rc == QUIRE_OK && cf != t->postings.cf)
        problem(v, "term '%.*s': tfs add up to %llu, collection frequency says %llu", (int)key.len,
                key.ptr, (unsigned long long)cf, (unsigned long long)t->postings.cf);
    quire_postings_close(&c);
    *cf_out = cf;
    return rc == QUIRE_ENOMEM ? rc : QUIRE_OK;
}

/* A stem's postings must be the union of its forms' postings, tfs summed. */
static void check_stem(vctx *v, quire_bytes key, const quire_term *t)
{
    uint64_t cf_forms = 0, df_max = 0;
    for (uint32_t i = 0; i < t->form_count; i++) {
        quire_bytes form;
        quire_term ft;
        if (quire_term_form(t, i, key, &form) != QUIRE_OK ||
            quire_segment_lookup(v->seg, QUIRE_TERM_FORM, form, &ft) != QUIRE_OK) {
            problem(v, "stem '%.*s' names a form that is not in the dictionary", (int)key.len,
                    key.ptr);
            return;
        }
        cf_forms += ft.postings.cf;
        if (ft.postings.df > df_max)
            df_max = ft.postings.df;
    }
    if (cf_forms != t->postings.cf)
        problem(v, "stem '%.*s': collection frequency %llu, its forms add up to %llu", (int)key.len,
                key.ptr, (unsigned long long)t->postings.cf, (unsigned long long)cf_forms);
    if (t->postings.df < df_max)
        problem(v, "stem '%.*s': in fewer documents than one of its forms", (int)key.len, key.ptr);
}

static void check_documents(vctx *v, const uint32_t *doc_tokens)
{
    const quire_segment *seg = v->seg;
    const quire_segment_stats *st = quire_segment_get_stats(seg);
    quire_buf text = QUIRE_BUF_INIT;
    uint64_t text_total = 0;
    for (uint32_t d = 0; d < st->doc_count; d++) {
        quire_doc_info info;
        if (quire_segment_doc_info(seg, d, &info) != QUIRE_OK) {
            problem(v, "document %u: %s", d, quire_errmsg());
            continue;
        }
        text.len = 0;
        if (quire_segment_doc_text(seg, d, &text) != QUIRE_OK)
            problem(v, "document %u: %s", d, quire_errmsg());
        else if (text.len != info.text_len)
            problem(v, "document %u: stored text has %zu bytes, not %llu", d, text.len,
                    (unsigned long long)info.text_len);
        text_total += info.text_len;
        uint32_t map_count;
        if (quire_text_map_decode(&info, NULL, 0, &map_count) != QUIRE_OK)
            problem(v, "seg-%08llx.dmd: document %u: %s", (unsigned long long)quire_segment_id(seg),
                    d, quire_errmsg());
        if (doc_tokens && doc_tokens[d] != info.doc_len)
            problem(v, "document %u: %u positions in the postings, length says %u", d,
                    doc_tokens[d], info.doc_len);
    }
    if (text_total != st->text_bytes)
        problem(v, "documents' texts add up to %llu bytes, statistics say %llu",
                (unsigned long long)text_total, (unsigned long long)st->text_bytes);
    quire_buf_free(&text);
}

int quire_segment_verify(const quire_segment *seg, quire_report_fn report, void *ctx)
{
    vctx v = {seg, report, ctx, 0, ""};
    const quire_segment_stats *st = quire_segment_get_stats(seg);
    int rc = QUIRE_OK;
    uint32_t *doc_tokens = quire_calloc((size_t)st->doc_count + 1, sizeof *doc_tokens);
    if (!doc_tokens)
        return quire_oom();

    /* whole-file checksums */
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++)
        if (quire_segment_check_file(seg, i) != QUIRE_OK)
            problem(&v, "%s", quire_errmsg());

    quire_segment_term_iter it;
    quire_bytes key, prev_key = {NULL, 0};
    uint8_t prev_buf[QUIRE_DICT_MAX_KEY];
    uint64_t forms = 0, stems = 0, postings = 0, form_cf = 0;
    for (int kind = QUIRE_TERM_FORM; kind <= QUIRE_TERM_STEM && rc == QUIRE_OK; kind++) {
        int irc = quire_segment_terms_seek(&it, seg, (quire_term_kind)kind, quire_bytes_of("", 0));
        prev_key.len = 0;
        bool first = true;
        while (irc == QUIRE_OK) {
            quire_term t;
            irc = quire_segment_terms_next(&it, &key, &t);
            if (irc == QUIRE_ENOTFOUND)
                break;
            if (irc != QUIRE_OK) {
                problem(&v, "dictionary: %s", quire_errmsg());
                break;
            }
            if (!first && cmp_keys(prev_key, key) >= 0)
                problem(&v, "dictionary: '%.*s' is out of order", (int)key.len, key.ptr);
            first = false;
            memcpy(prev_buf, key.ptr, key.len);
            prev_key = quire_bytes_of(prev_buf, key.len);
            uint64_t cf;
            if (kind == QUIRE_TERM_FORM) {
                forms++;
                postings += t.postings.df;
                rc = check_postings(&v, key, &t, doc_tokens, &cf);
                form_cf += cf;
            } else {
                stems++;
                bool alias = t.form_count == 1;
                if (!alias) {
                    postings += t.postings.df;
                    rc = check_postings(&v, key, &t, NULL, &cf);
                }
                check_stem(&v, key, &t);
            }
        }
    }
    /* version 4: pair terms, each "first second" of two words of the pair set */
    uint64_t pairs = 0;
    if (rc == QUIRE_OK && quire_segment_has_pairs(seg)) {
        int irc = quire_segment_terms_seek(&it, seg, QUIRE_TERM_PAIR, quire_bytes_of("", 0));
        prev_key.len = 0;
        while (irc == QUIRE_OK && rc == QUIRE_OK) {
            quire_term t;
            irc = quire_segment_terms_next(&it, &key, &t);
            if (irc == QUIRE_ENOTFOUND)
                break;
            if (irc != QUIRE_OK) {
                problem(&v, "dictionary: %s", quire_errmsg());
                break;
            }
            if (pairs > 0 && cmp_keys(prev_key, key) >= 0)
                problem(&v, "dictionary: pair '%.*s' is out of order", (int)key.len, key.ptr);
            memcpy(prev_buf, key.ptr, key.len);
            prev_key = quire_bytes_of(prev_buf, key.len);
            pairs++;
            const uint8_t *sep = memchr(key.ptr, QUIRE_PAIR_SEPARATOR, key.len);
            if (sep == NULL ||
                !quire_segment_is_pair_word(seg,
                                            quire_bytes_of(key.ptr, (size_t)(sep - key.ptr))) ||
                !quire_segment_is_pair_word(
                    seg, quire_bytes_of(sep + 1, key.len - (size_t)(sep + 1 - key.ptr))))
                problem(&v, "pair '%.*s' is not two words of the pair set", (int)key.len, key.ptr);
            uint64_t cf;
            rc = check_postings(&v, key, &t, NULL, &cf);
        }
    }
    if (rc == QUIRE_OK) {
        const uint64_t dict_terms =
            st->form_count + st->stem_count + pairs + (quire_segment_has_pairs(seg) ? 1 : 0);
        if (dict_terms != quire_segment_term_count(seg))
            problem(&v, "dictionary holds %llu entries, forms, stems, pairs and pair set %llu",
                    (unsigned long long)quire_segment_term_count(seg),
                    (unsigned long long)dict_terms);
        if (forms != st->form_count || stems != st->stem_count)
            problem(&v, "dictionary holds %llu forms and %llu stems, statistics say %llu and %llu",
                    (unsigned long long)forms, (unsigned long long)stems,
                    (unsigned long long)st->form_count, (unsigned long long)st->stem_count);
        if (postings != st->posting_count)
            problem(&v, "%llu postings, statistics say %llu", (unsigned long long)postings,
                    (unsigned long long)st->posting_count);
        if (form_cf != st->total_tokens)
            problem(&v, "forms' positions add up to %llu tokens, statistics say %llu",
                    (unsigned long long)form_cf, (unsigned long long)st->total_tokens);
        check_documents(&v, doc_tokens);
        /* its reversed forms (version 4), if it has them */
        rc = quire_segment_verify_revdict(seg, report, ctx, &v.problems);
    }
    quire_free(doc_tokens);
    if (rc != QUIRE_OK)
        return rc;
    return v.problems ? QUIRE_ECORRUPT : QUIRE_OK;
}
