/*
 * explain.c - --explain and the notes on names (see explain.h). Reads what the planner
 * found (plan.h) and the index's dictionaries; never changes a result.
 */
#include "explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approx.h"
#include "fuzzy.h"
#include "quire/date.h"

struct explain_ctx {
    const plan *p;
    const query_node **leaves; /* TERM and PHRASE leaves in tree order */
    uint32_t leaf_count;
    bool approx_alone;  /* the query is one approximate quote: its score is the closeness */
    uint64_t *tf;       /* per leaf, in the current hit */
    double *leaf_score; /* per leaf, in the current hit */
};

/* ---- labels ---- */

static void put(quire_buf *b, const char *s)
{
    quire_buf_put(b, s, strlen(s));
}

static void put_words(quire_buf *b, const query_word *w, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++) {
        if (i > from)
            put(b, " ");
        quire_buf_put(b, w[i].text, w[i].len);
    }
}

static void put_operand(quire_buf *b, const query_node *n, uint32_t from, uint32_t to, bool stemmed)
{
    if (stemmed && to - from == 1) {
        put_words(b, n->words, from, to);
        return;
    }
    put(b, stemmed ? "~\"" : "\"");
    put_words(b, n->words, from, to);
    put(b, "\"");
}

static void put_label(quire_buf *b, const query_node *n)
{
    char num[32];
    if (n->kind == QUERY_TERM) {
        quire_buf_put(b, n->form, n->form_len);
        return;
    }
    if (n->field == QUERY_FIELD_TITLE)
        put(b, "title:");
    if (n->is_prefix) {
        put_words(b, n->words, 0, 1);
        put(b, "*");
    } else if (n->is_fuzzy) {
        put_words(b, n->words, 0, 1);
        put(b, "~");
        if (n->fuzzy_distance >= 0) {
            snprintf(num, sizeof num, "%d", (int)n->fuzzy_distance);
            put(b, num);
        }
    } else if (n->near_split > 0) {
        put_operand(b, n, 0, n->near_split, n->near_stemmed[0]);
        snprintf(num, sizeof num, " %sNEAR/%u ", n->near_ordered ? "O" : "", (unsigned)n->near_n);
        put(b, num);
        put_operand(b, n, n->near_split, n->word_count, n->near_stemmed[1]);
    } else if (n->is_approx) {
        put(b, "\"");
        put_words(b, n->words, 0, n->word_count);
        snprintf(num, sizeof num, "\"~%g", n->approx != NULL ? n->approx->threshold : 0.0);
        put(b, num);
    } else if (n->is_stemmed && n->field == QUERY_FIELD_TITLE && n->word_count == 1) {
        put_words(b, n->words, 0, 1);
    } else {
        put_operand(b, n, 0, n->word_count, n->is_stemmed);
    }
}

static const char *kind_of(const query_node *n)
{
    if (n->kind == QUERY_TERM)
        return "word";
    if (n->is_prefix)
        return "prefix";
    if (n->is_fuzzy)
        return "fuzzy word";
    if (n->is_approx)
        return "approximate quote";
    if (n->near_split > 0)
        return "near";
    return n->is_stemmed ? "stemmed phrase" : "phrase";
}

static void put_parsed(quire_buf *b, const query_node *n)
{
    static const char *const names[] = {"", "", "", "AND", "OR", "NOT", "OPT"};
    switch (n->kind) {
    case QUERY_TERM:
    case QUERY_PHRASE:
        put_label(b, n);
        return;
    case QUERY_DATE: {
        char from[16] = "", to[16] = "";
        if (n->date_from != INT32_MIN + 1)
            quire_date_format(n->date_from, from);
        if (n->date_to != INT32_MAX)
            quire_date_format(n->date_to, to);
        put(b, "date:");
        put(b, from);
        put(b, "..");
        put(b, to);
        return;
    }
    case QUERY_AND:
    case QUERY_OR:
    case QUERY_NOT:
    case QUERY_OPT:
        break;
    }
    put(b, names[n->kind]);
    put(b, "(");
    for (uint32_t i = 0; i < n->child_count; i++) {
        if (i > 0)
            put(b, ", ");
        put_parsed(b, n->children[i]);
    }
    put(b, ")");
}

static char *buf_string(quire_buf *b)
{
    if (b->err)
        return NULL;
    char *s = quire_strndup(b->len ? (const char *)b->data : "", b->len);
    return s;
}

/* ---- clauses ---- */

static int collect(explain_ctx *c, bool *negated, const query_node *n, bool under_not, arena *a,
                   uint32_t *cap)
{
    if (n->kind == QUERY_TERM || n->kind == QUERY_PHRASE) {
        if (c->leaf_count == *cap) {
            const uint32_t nc = *cap ? *cap * 2 : 16;
            const query_node **g = arena_alloc(a, (size_t)nc * sizeof *g);
            if (g == NULL)
                return quire_oom();
            if (c->leaf_count > 0)
                memcpy(g, c->leaves, (size_t)c->leaf_count * sizeof *g);
            c->leaves = g;
            *cap = nc;
        }
        negated[c->leaf_count] = under_not;
        c->leaves[c->leaf_count++] = n;
        return QUIRE_OK;
    }
    for (uint32_t i = 0; i < n->child_count; i++) {
        const int rc =
            collect(c, negated, n->children[i], under_not || n->kind == QUERY_NOT, a, cap);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

static uint32_t count_leaves(const query_node *n)
{
    if (n->kind == QUERY_TERM || n->kind == QUERY_PHRASE)
        return 1;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n->child_count; i++)
        k += count_leaves(n->children[i]);
    return k;
}

/* Live documents holding a form, over the index. */
static int form_docs(uint64_t *docs, const quire_index *ix, const char *form, size_t len)
{
    *docs = 0;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        quire_term t;
        int rc = quire_segment_lookup(quire_index_segment(ix, s), QUIRE_TERM_FORM,
                                      quire_bytes_of(form, len), &t);
        if (rc == QUIRE_ENOTFOUND)
            continue;
        uint64_t live = 0;
        if (rc == QUIRE_OK)
            rc = quire_index_live_df(ix, s, &t, &live);
        if (rc != QUIRE_OK)
            return rc;
        *docs += live;
    }
    return QUIRE_OK;
}

static int set_forms(search_clause *cl, const quire_index *ix, const query_word *forms,
                     uint32_t count, const fuzzy_expansion *e)
{
    if (count == 0)
        return QUIRE_OK;
    cl->forms = quire_calloc(count, sizeof *cl->forms);
    if (cl->forms == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < count; i++) {
        search_form *f = &cl->forms[i];
        cl->form_count = i + 1;
        f->form = quire_strndup(forms[i].text, forms[i].len);
        if (f->form == NULL)
            return quire_oom();
        f->distance = -1;
        for (uint32_t k = 0; e != NULL && k < e->count; k++)
            if (e->forms[k].len == forms[i].len &&
                memcmp(e->forms[k].form, forms[i].text, forms[i].len) == 0)
                f->distance = (int32_t)e->forms[k].distance;
        const int rc = form_docs(&f->docs, ix, forms[i].text, forms[i].len);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

static int describe(search_clause *cl, const plan *p, arena *a, const query_node *n)
{
    quire_buf b = QUIRE_BUF_INIT;
    put_label(&b, n);
    cl->label = buf_string(&b);
    quire_buf_free(&b);
    if (cl->label == NULL)
        return quire_oom();
    cl->kind = kind_of(n);
    cl->distance = -1;
    if (n->kind == QUERY_TERM) {
        const plan_term *pt = &p->terms[n->term];
        cl->stem = quire_strndup(n->stem, n->stem_len);
        if (cl->stem == NULL)
            return quire_oom();
        cl->df = pt->df;
        cl->weight = pt->weight * (1.0 + n->repeats);
        query_word *forms;
        uint32_t count;
        int rc = fuzzy_stem_forms(&forms, &count, a, p->ix, n->stem, n->stem_len);
        if (rc == QUIRE_OK)
            rc = set_forms(cl, p->ix, forms, count, NULL);
        return rc;
    }
    const plan_phrase *ph = &p->phrases[n->phrase];
    cl->df = ph->df;
    cl->weight = ph->weight;
    cl->occurrences = ph->occurrences;
    if (n->is_fuzzy) {
        const fuzzy_expansion *e = n->expansion;
        cl->distance = e != NULL ? e->distance : -1;
        cl->forms_more = e != NULL ? e->matched - e->count : 0;
        return set_forms(cl, p->ix, n->words[0].alts, n->words[0].alt_count, e);
    }
    if (n->is_approx && n->approx != NULL) {
        const approx_quote *q = n->approx;
        cl->word_weights = quire_malloc(((size_t)q->word_count + 1) * sizeof *cl->word_weights);
        if (cl->word_weights == NULL)
            return quire_oom();
        for (uint32_t i = 0; i < q->word_count; i++)
            cl->word_weights[i] = q->words[i].weight;
        cl->word_count = q->word_count;
    }
    return QUIRE_OK;
}

void explain_free(search_explain *e)
{
    if (e == NULL)
        return;
    for (uint32_t i = 0; i < e->clause_count; i++) {
        search_clause *c = &e->clauses[i];
        quire_free(c->label);
        quire_free(c->stem);
        for (uint32_t k = 0; k < c->form_count; k++)
            quire_free(c->forms[k].form);
        quire_free(c->forms);
        quire_free(c->word_weights);
    }
    quire_free(e->clauses);
    quire_free(e->parsed);
    quire_free(e);
}

int explain_build(search_explain **out, explain_ctx **ctx_out, arena *a, const plan *p,
                  const query_node *root, bool approx_alone)
{
    *out = NULL;
    *ctx_out = NULL;
    explain_ctx *c = arena_alloc(a, sizeof *c);
    const uint32_t leaves = count_leaves(root);
    bool *negated = arena_alloc(a, ((size_t)leaves + 1) * sizeof *negated);
    search_explain *e = quire_calloc(1, sizeof *e);
    if (c == NULL || negated == NULL || e == NULL) {
        quire_free(e);
        return quire_oom();
    }
    c->p = p;
    c->approx_alone = approx_alone;
    uint32_t cap = 0;
    int rc = collect(c, negated, root, false, a, &cap);
    c->tf = arena_alloc(a, ((size_t)c->leaf_count + 1) * sizeof *c->tf);
    c->leaf_score = arena_alloc(a, ((size_t)c->leaf_count + 1) * sizeof *c->leaf_score);
    if (rc == QUIRE_OK && (c->tf == NULL || c->leaf_score == NULL))
        rc = quire_oom();
    quire_buf b = QUIRE_BUF_INIT;
    if (rc == QUIRE_OK) {
        put_parsed(&b, root);
        e->parsed = buf_string(&b);
        if (e->parsed == NULL)
            rc = quire_oom();
    }
    quire_buf_free(&b);
    if (rc == QUIRE_OK && c->leaf_count > 0) {
        e->clauses = quire_calloc(c->leaf_count, sizeof *e->clauses);
        if (e->clauses == NULL)
            rc = quire_oom();
    }
    for (uint32_t i = 0; i < c->leaf_count && rc == QUIRE_OK; i++) {
        e->clause_count = i + 1;
        e->clauses[i].negated = negated[i];
        rc = describe(&e->clauses[i], p, a, c->leaves[i]);
    }
    if (rc != QUIRE_OK) {
        explain_free(e);
        return rc;
    }
    *out = e;
    *ctx_out = c;
    return QUIRE_OK;
}

/* ---- one hit ---- */

/* The leaf's tf and score part in document `doc` of segment `seg`. */
static int leaf_part(explain_ctx *c, uint32_t k, uint32_t seg, uint32_t doc, double norm)
{
    const plan *p = c->p;
    const query_node *n = c->leaves[k];
    c->tf[k] = 0;
    c->leaf_score[k] = 0;
    if (n->kind == QUERY_TERM) {
        const plan_term *pt = &p->terms[n->term];
        if (!pt->is_in_seg[seg])
            return QUIRE_OK;
        quire_postings_cursor pc;
        int rc = quire_segment_postings(quire_index_segment(p->ix, seg), &pt->in_seg[seg], &pc);
        if (rc != QUIRE_OK)
            return rc;
        rc = quire_postings_next(&pc);
        if (rc == QUIRE_OK && pc.doc < doc)
            rc = quire_postings_advance(&pc, doc);
        if (rc == QUIRE_OK && pc.doc == doc) {
            c->tf[k] = pc.tf;
            c->leaf_score[k] = scorer_term(pt->weight * (1.0 + n->repeats), pc.tf, norm);
        }
        quire_postings_close(&pc);
        return rc;
    }
    const plan_phrase *ph = &p->phrases[n->phrase];
    const phrase_matches *m = &ph->in_seg[seg];
    uint32_t lo = 0, hi = m->count;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (m->docs[mid] < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == m->count || m->docs[lo] != doc)
        return QUIRE_OK;
    c->tf[k] = m->freqs[lo];
    if (c->approx_alone)
        c->leaf_score[k] = m->closeness[lo];
    else
        c->leaf_score[k] = scorer_term(ph->weight, m->freqs[lo], norm) *
                           (m->closeness != NULL ? m->closeness[lo] : 1.0);
    return QUIRE_OK;
}

/* Whether `n` matches the hit (its leaves' tfs are known), and, with `commit`, add the
 * parts of the leaves that count. *at is the index of n's first leaf; on return, past its
 * last. */
static bool eval(explain_ctx *c, const query_node *n, uint32_t *at, bool commit, double *parts,
                 const int32_t *dates, uint32_t doc)
{
    const uint32_t base = *at;
    bool m = false;
    switch (n->kind) {
    case QUERY_TERM:
    case QUERY_PHRASE:
        (*at)++;
        m = c->tf[base] > 0;
        if (commit && m)
            parts[base] = c->leaf_score[base];
        return m;
    case QUERY_DATE: {
        const int32_t day = dates != NULL ? dates[doc] : QUIRE_NO_DATE;
        return day != QUIRE_NO_DATE && day >= n->date_from && day <= n->date_to;
    }
    case QUERY_NOT:
        return !eval(c, n->children[0], at, false, parts, dates, doc);
    case QUERY_AND:
        m = true;
        for (uint32_t i = 0; i < n->child_count; i++)
            m &= eval(c, n->children[i], at, false, parts, dates, doc);
        break;
    case QUERY_OR:
        for (uint32_t i = 0; i < n->child_count; i++)
            m |= eval(c, n->children[i], at, false, parts, dates, doc);
        break;
    case QUERY_OPT:
        m = eval(c, n->children[0], at, false, parts, dates, doc);
        (void)eval(c, n->children[1], at, false, parts, dates, doc);
        break;
    }
    if (commit && m) {
        uint32_t again = base;
        for (uint32_t i = 0; i < n->child_count; i++)
            (void)eval(c, n->children[i], &again, true, parts, dates, doc);
    }
    return m;
}

int explain_hit(search_hit *hit, explain_ctx *c)
{
    const plan *p = c->p;
    const uint32_t seg = hit->segment, doc = hit->local_doc;
    const double norm =
        scorer_norm(&p->scorer, quire_segment_doc_len(quire_index_segment(p->ix, seg), doc));
    hit->clause_scores = quire_calloc((size_t)c->leaf_count + 1, sizeof *hit->clause_scores);
    hit->clause_tfs = quire_calloc((size_t)c->leaf_count + 1, sizeof *hit->clause_tfs);
    if (hit->clause_scores == NULL || hit->clause_tfs == NULL)
        return quire_oom();
    for (uint32_t k = 0; k < c->leaf_count; k++) {
        const int rc = leaf_part(c, k, seg, doc, norm);
        if (rc != QUIRE_OK)
            return rc;
    }
    uint32_t at = 0;
    (void)eval(c, p->root, &at, true, hit->clause_scores, p->dates != NULL ? p->dates[seg] : NULL,
               doc);
    for (uint32_t k = 0; k < c->leaf_count; k++)
        hit->clause_tfs[k] = hit->clause_scores[k] != 0 || c->tf[k] > 0 ? c->tf[k] : 0;
    return QUIRE_OK;
}

/* ---- notes ---- */

/* Whether the code point is a capital letter of the scripts the analyzer folds. */
static bool is_capital(uint32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
           (cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x400 && cp <= 0x42F);
}

static void collect_terms(const query_node **terms, uint32_t *n, const query_node *node,
                          bool under_not)
{
    if (node->kind == QUERY_TERM && !under_not) {
        for (uint32_t i = 0; i < *n; i++)
            if (terms[i] == node)
                return;
        terms[(*n)++] = node;
        return;
    }
    for (uint32_t i = 0; i < node->child_count; i++)
        collect_terms(terms, n, node->children[i], under_not || node->kind == QUERY_NOT);
}

static int cmp_docs(const void *pa, const void *pb)
{
    const fuzzy_form *a = pa, *b = pb;
    if (a->df != b->df)
        return a->df > b->df ? -1 : 1;
    return strcmp(a->form, b->form);
}

/* Whether some bare word of the query (not under NOT) was typed with a capital. */
static bool has_name(const query_node *n, const char *text, size_t text_len)
{
    if (n->kind == QUERY_TERM) {
        size_t at = n->offset;
        return at < text_len && is_capital(quire_utf8_next((const uint8_t *)text, text_len, &at));
    }
    if (n->kind == QUERY_NOT)
        return false;
    for (uint32_t i = 0; i < n->child_count; i++)
        if (has_name(n->children[i], text, text_len))
            return true;
    return false;
}

int notes_build(search_word_note **out, uint32_t *count, arena *a, const quire_index *ix,
                const query_node *root, const char *text, size_t text_len)
{
    *out = NULL;
    *count = 0;
    if (!has_name(root, text, text_len))
        return QUIRE_OK; /* the usual case costs one walk of the tree */
    const query_node **terms = arena_alloc(a, (size_t)QUERY_MAX_WORDS * sizeof *terms);
    if (terms == NULL)
        return quire_oom();
    uint32_t nt = 0;
    collect_terms(terms, &nt, root, false);
    search_word_note *notes = NULL;
    uint32_t nn = 0;
    int rc = QUIRE_OK;
    for (uint32_t t = 0; t < nt && rc == QUIRE_OK; t++) {
        const query_node *n = terms[t];
        size_t at = n->offset;
        if (at >= text_len || !is_capital(quire_utf8_next((const uint8_t *)text, text_len, &at)))
            continue;
        uint32_t cps[FUZZY_MAX_CHARS];
        if (fuzzy_decode(cps, n->form, n->form_len) < NOTES_MIN_CHARS)
            continue;
        fuzzy_expansion e;
        rc = fuzzy_expand(&e, a, ix, n->form, n->form_len, 1, FUZZY_MAX_FORMS);
        if (rc == QUIRE_ELIMIT) { /* no note rather than no answer */
            rc = QUIRE_OK;
            continue;
        }
        query_word *stem_forms;
        uint32_t stem_count = 0;
        if (rc == QUIRE_OK)
            rc = fuzzy_stem_forms(&stem_forms, &stem_count, a, ix, n->stem, n->stem_len);
        if (rc != QUIRE_OK)
            break;
        /* the variants the bare word does not match: not forms of its stem */
        uint32_t keep = 0;
        for (uint32_t i = 0; i < e.count; i++) {
            bool of_stem = false;
            for (uint32_t k = 0; k < stem_count && !of_stem; k++)
                of_stem = stem_forms[k].len == e.forms[i].len &&
                          memcmp(stem_forms[k].text, e.forms[i].form, e.forms[i].len) == 0;
            if (!of_stem)
                e.forms[keep++] = e.forms[i];
        }
        if (keep == 0)
            continue;
        qsort(e.forms, keep, sizeof *e.forms, cmp_docs);
        search_word_note *g = quire_realloc(notes, ((size_t)nn + 1) * sizeof *g);
        if (g == NULL) {
            rc = quire_oom();
            break;
        }
        notes = g;
        search_word_note *note = &notes[nn++];
        memset(note, 0, sizeof *note);
        note->word = quire_strndup(n->form, n->form_len);
        const uint32_t shown = keep < NOTES_MAX_FORMS ? keep : NOTES_MAX_FORMS;
        note->variants = quire_calloc(shown, sizeof *note->variants);
        if (note->word == NULL || note->variants == NULL) {
            rc = quire_oom();
            break;
        }
        note->more = keep - shown + (e.matched - e.count);
        for (uint32_t i = 0; i < shown; i++) {
            note->variants[i].form = quire_strndup(e.forms[i].form, e.forms[i].len);
            if (note->variants[i].form == NULL) {
                rc = quire_oom();
                break;
            }
            note->variants[i].docs = e.forms[i].df;
            note->variants[i].distance = (int32_t)e.forms[i].distance;
            note->variant_count = i + 1;
        }
    }
    *out = notes;
    *count = nn;
    return rc;
}
