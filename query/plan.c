/*
 * plan.c - term lookups, global statistics, and cursor trees per segment.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "approx.h"
#include "quire/date.h"

static void collect_leaves(plan *p, const query_node *node)
{
    if (node->kind == QUERY_TERM) {
        p->terms[node->term].node = node;
        return;
    }
    if (node->kind == QUERY_PHRASE) {
        p->phrases[node->phrase].node = node;
        return;
    }
    for (uint32_t i = 0; i < node->child_count; i++)
        collect_leaves(p, node->children[i]);
}

static int cmp_key(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
    return strcmp(a, b);
}

/* A prefix may expand to at most QUERY_MAX_PREFIX_TERMS distinct forms over the whole
 * index (QUIRE_ELIMIT beyond). Forms are copied and sorted to count them once each. */
static int check_prefix(const plan *p, arena *a, const query_node *node)
{
    const quire_bytes key = quire_bytes_of(node->words[0].text, node->words[0].len);
    const size_t room = (size_t)p->segment_count * (QUERY_MAX_PREFIX_TERMS + 1);
    char **forms = quire_calloc(room > 0 ? room : 1, sizeof *forms);
    if (forms == NULL)
        return quire_oom();
    size_t n = 0;
    int rc = QUIRE_OK;
    for (uint32_t s = 0; s < p->segment_count && rc == QUIRE_OK; s++) {
        quire_segment_term_iter it;
        quire_bytes k;
        quire_term t;
        rc = quire_segment_terms_seek(&it, quire_index_segment(p->ix, s), QUIRE_TERM_FORM, key);
        for (uint32_t got = 0; rc == QUIRE_OK && got <= QUERY_MAX_PREFIX_TERMS; got++) {
            rc = quire_segment_terms_next(&it, &k, &t);
            if (rc != QUIRE_OK || k.len < key.len || memcmp(k.ptr, key.ptr, key.len) != 0)
                break;
            forms[n] = arena_strndup(a, (const char *)k.ptr, k.len);
            if (forms[n++] == NULL)
                rc = quire_oom();
        }
        if (rc == QUIRE_ENOTFOUND)
            rc = QUIRE_OK;
    }
    if (rc == QUIRE_OK) {
        qsort(forms, n, sizeof *forms, cmp_key);
        size_t distinct = 0;
        for (size_t i = 0; i < n; i++)
            distinct += i == 0 || strcmp(forms[i - 1], forms[i]) != 0;
        if (distinct > QUERY_MAX_PREFIX_TERMS)
            rc =
                quire_error(QUIRE_ELIMIT, "prefix '%s*' matches more than %d words; make it longer",
                            node->words[0].text, QUERY_MAX_PREFIX_TERMS);
    }
    quire_free(forms);
    return rc;
}

/* Live documents holding word qw (as a form or a stem), summed over the segments; each
 * segment's lookup is kept on the word (qw->lookups) for the phrase matcher's open. */
static int word_df(const plan *p, arena *a, query_word *qw, quire_term_kind kind, uint64_t *df)
{
    *df = 0;
    word_lookup *l = arena_alloc(a, ((size_t)p->segment_count + 1) * sizeof *l);
    if (l == NULL)
        return quire_oom();
    for (uint32_t s = 0; s < p->segment_count; s++) {
        const quire_segment *seg = quire_index_segment(p->ix, s);
        l[s] = (word_lookup){seg, kind, false, {0}};
        int rc = quire_segment_lookup(seg, kind, quire_bytes_of(qw->text, qw->len), &l[s].term);
        if (rc == QUIRE_ENOTFOUND)
            continue;
        uint64_t live_df;
        if (rc == QUIRE_OK)
            rc = quire_index_live_df(p->ix, s, &l[s].term, &live_df);
        if (rc != QUIRE_OK)
            return rc;
        l[s].found = true;
        *df += live_df;
    }
    qw->lookups = l;
    qw->lookup_count = p->segment_count;
    return QUIRE_OK;
}

/* A lazy phrase's words' document frequencies, its weight's statistics (plan_weigh). */
static int lazy_word_dfs(plan_phrase *ph, const plan *p, arena *a)
{
    const query_node *node = ph->node;
    ph->word_df = arena_alloc(a, ((size_t)node->word_count + 1) * sizeof *ph->word_df);
    if (ph->word_df == NULL)
        return quire_oom();
    for (uint32_t w = 0; w < node->word_count; w++) {
        const bool stemmed =
            node->near_split > 0 ? node->near_stemmed[w >= node->near_split] : node->is_stemmed;
        const int rc = word_df(p, a, &node->words[w], stemmed ? QUIRE_TERM_STEM : QUIRE_TERM_FORM,
                               &ph->word_df[w]);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* Match the phrase over every segment into ph->in_seg, with its live df and occurrences. */
static int match_whole(plan_phrase *ph, const plan *p, arena *a, size_t nseg)
{
    ph->in_seg = arena_alloc(a, (nseg + 1) * sizeof *ph->in_seg);
    if (ph->in_seg == NULL)
        return quire_oom();
    ph->df = ph->occurrences = 0;
    for (uint32_t s = 0; s < p->segment_count; s++) {
        const int rc = ph->node->is_approx
                           ? approx_match_segment(&ph->in_seg[s], a, p->ix, s, ph->node)
                           : phrase_match_segment(&ph->in_seg[s], a,
                                                  quire_index_segment(p->ix, s), ph->node);
        if (rc != QUIRE_OK)
            return rc;
        const phrase_matches *m = &ph->in_seg[s];
        for (uint32_t k = 0; k < m->count; k++) {
            if (quire_index_is_deleted(p->ix, s, m->docs[k]))
                continue;
            ph->df++;
            ph->occurrences += m->freqs[k];
        }
    }
    return QUIRE_OK;
}

static int match_phrases(plan *p, arena *a, size_t nseg)
{
    for (uint32_t i = 0; i < p->phrase_count; i++) {
        plan_phrase *ph = &p->phrases[i];
        /* Lazy (matched as the ranking reads it, phrase.h's cursor): a plain phrase or
         * NEAR over the whole document. Not a prefix or a title: phrase, nor an ellipsis
         * quote (its occurrences are not bounded by a word's tf times a fixed reach), a
         * fuzzy word (its weight is its variants') or an approximate quote (approx.h). */
        ph->is_lazy = !ph->node->is_prefix && ph->node->field == QUERY_FIELD_ANY &&
                      ph->node->part_count == 0 && !ph->node->is_fuzzy && !ph->node->is_approx;
        if (ph->is_lazy) {
            const int rc = lazy_word_dfs(ph, p, a);
            if (rc != QUIRE_OK)
                return rc;
            continue;
        }
        if (ph->node->is_prefix) {
            const int rc = check_prefix(p, a, ph->node);
            if (rc != QUIRE_OK)
                return rc;
        }
        const int rc = match_whole(ph, p, a, nseg);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

int plan_match_lazy(plan *p, arena *a)
{
    for (uint32_t i = 0; i < p->phrase_count; i++) {
        plan_phrase *ph = &p->phrases[i];
        if (!ph->is_lazy || ph->in_seg != NULL)
            continue;
        const int rc = match_whole(ph, p, a, p->segment_count);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* Every document's date, per segment. TODO(#3): a date column in format/ would spare
 * decoding the metadata records. */
static int read_dates(plan *p, arena *a, size_t nseg)
{
    if (p->dates != NULL)
        return QUIRE_OK;
    p->dates = arena_alloc(a, nseg * sizeof *p->dates);
    if (p->dates == NULL)
        return quire_oom();
    for (uint32_t s = 0; s < p->segment_count; s++) {
        const quire_segment *seg = quire_index_segment(p->ix, s);
        const uint32_t n = quire_segment_get_stats(seg)->doc_count;
        p->dates[s] = arena_alloc(a, ((size_t)n + 1) * sizeof *p->dates[s]);
        if (p->dates[s] == NULL)
            return quire_oom();
        for (uint32_t d = 0; d < n; d++) {
            quire_doc_info info;
            const int rc = quire_segment_doc_info(seg, d, &info);
            if (rc != QUIRE_OK)
                return rc;
            p->dates[s][d] = info.date;
        }
    }
    return QUIRE_OK;
}

int plan_build(plan *p, arena *a, const quire_index *ix, const query_ast *ast, double k1, double b)
{
    memset(p, 0, sizeof *p);
    const uint32_t term_count = ast->term_count;
    p->ix = ix;
    p->root = ast->root;
    p->term_count = term_count;
    p->phrase_count = ast->phrase_count;
    p->segment_count = quire_index_segment_count(ix);
    p->k1 = k1;
    p->b = b;
    p->doc_count = quire_index_doc_count(ix);
    p->total_tokens = quire_index_total_tokens(ix);
    scorer_init(&p->scorer, k1, b, p->doc_count, p->total_tokens);
    p->terms = arena_alloc(a, ((size_t)term_count + 1) * sizeof *p->terms);
    p->phrases = arena_alloc(a, ((size_t)p->phrase_count + 1) * sizeof *p->phrases);
    if (p->terms == NULL || p->phrases == NULL)
        return quire_oom();
    collect_leaves(p, ast->root);

    const size_t nseg = p->segment_count > 0 ? p->segment_count : 1;
    for (uint32_t t = 0; t < term_count; t++) {
        plan_term *pt = &p->terms[t];
        pt->in_seg = arena_alloc(a, nseg * sizeof *pt->in_seg);
        pt->is_in_seg = arena_alloc(a, nseg * sizeof *pt->is_in_seg);
        if (pt->in_seg == NULL || pt->is_in_seg == NULL)
            return quire_oom();
        const quire_bytes key = quire_bytes_of(pt->node->stem, pt->node->stem_len);
        for (uint32_t s = 0; s < p->segment_count; s++) {
            const int rc = quire_segment_lookup(quire_index_segment(ix, s), QUIRE_TERM_STEM, key,
                                                &pt->in_seg[s]);
            if (rc == QUIRE_ENOTFOUND)
                continue;
            if (rc != QUIRE_OK)
                return rc;
            pt->is_in_seg[s] = true;
            uint64_t live_df; /* deleted documents do not count (#4) */
            const int drc = quire_index_live_df(ix, s, &pt->in_seg[s], &live_df);
            if (drc != QUIRE_OK)
                return drc;
            pt->df += live_df;
        }
    }
    int rc = match_phrases(p, a, nseg);
    if (rc == QUIRE_OK && ast->has_dates)
        rc = read_dates(p, a, nseg);
    if (rc == QUIRE_OK)
        plan_weigh(p);
    return rc;
}

int plan_read_dates(plan *p, arena *a)
{
    return read_dates(p, a, p->segment_count > 0 ? p->segment_count : 1);
}

/* The statistics vector: [documents, tokens, df of each term, then df and occurrences of
 * each phrase, then the df of each word of each phrase (what a lazy phrase's weight comes
 * from; 0 for the others)]. Every entry is a count over the index's live documents, so the
 * vectors of disjoint indexes add up to the vector of their union. */
uint32_t plan_stats_count(const plan *p)
{
    uint32_t words = 0;
    for (uint32_t i = 0; i < p->phrase_count; i++)
        words += p->phrases[i].node->word_count;
    return 2 + p->term_count + 2 * p->phrase_count + words;
}

void plan_stats_get(const plan *p, uint64_t *out)
{
    out[0] = p->doc_count;
    out[1] = p->total_tokens;
    for (uint32_t t = 0; t < p->term_count; t++)
        out[2 + t] = p->terms[t].df;
    uint64_t *ph = out + 2 + p->term_count;
    for (uint32_t i = 0; i < p->phrase_count; i++) {
        ph[2 * i] = p->phrases[i].df;
        ph[2 * i + 1] = p->phrases[i].occurrences;
    }
    uint64_t *w = ph + 2 * p->phrase_count;
    for (uint32_t i = 0; i < p->phrase_count; i++)
        for (uint32_t k = 0; k < p->phrases[i].node->word_count; k++)
            *w++ = p->phrases[i].word_df != NULL ? p->phrases[i].word_df[k] : 0;
}

void plan_stats_set(plan *p, const uint64_t *in)
{
    p->doc_count = in[0];
    p->total_tokens = in[1];
    for (uint32_t t = 0; t < p->term_count; t++)
        p->terms[t].df = in[2 + t];
    const uint64_t *ph = in + 2 + p->term_count;
    for (uint32_t i = 0; i < p->phrase_count; i++) {
        p->phrases[i].df = ph[2 * i];
        p->phrases[i].occurrences = ph[2 * i + 1];
    }
    const uint64_t *w = ph + 2 * p->phrase_count;
    for (uint32_t i = 0; i < p->phrase_count; i++)
        for (uint32_t k = 0; k < p->phrases[i].node->word_count; k++, w++)
            if (p->phrases[i].word_df != NULL)
                p->phrases[i].word_df[k] = *w;
    plan_weigh(p);
}

void plan_weigh(plan *p)
{
    scorer_init(&p->scorer, p->k1, p->b, p->doc_count, p->total_tokens);
    for (uint32_t t = 0; t < p->term_count; t++)
        p->terms[t].weight = scorer_weight(&p->scorer, p->terms[t].df);
    for (uint32_t i = 0; i < p->phrase_count; i++) {
        plan_phrase *ph = &p->phrases[i];
        if (!ph->is_lazy) {
            ph->weight = scorer_weight(&p->scorer, ph->df);
            continue;
        }
        /* its words' idfs summed (a word given twice counts twice, as in Lucene's
         * PhraseQuery), times k1 + 1 */
        double idf = 0.0;
        for (uint32_t k = 0; k < ph->node->word_count; k++)
            idf += scorer_idf(&p->scorer, ph->word_df[k]);
        ph->weight = idf * (p->scorer.k1 + 1.0);
    }
}

/* The cursor of an AND or OR node's children: see plan_cursor(). NOT children of an AND
 * are subtracted from the others (from every document when there are no others). */
static int inner_cursor(cursor **out, arena *a, const plan *p, const query_node *node, uint32_t seg)
{
    const bool is_and = node->kind == QUERY_AND;
    cursor **kids = arena_alloc(a, (size_t)node->child_count * sizeof(cursor *));
    cursor **nots = arena_alloc(a, (size_t)node->child_count * sizeof(cursor *));
    if (kids == NULL || nots == NULL)
        return quire_oom();
    uint32_t count = 0, not_count = 0;
    cursor *pos = NULL, *neg = NULL;
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < node->child_count; i++) {
        const query_node *ch = node->children[i];
        cursor *c = NULL;
        if (is_and && ch->kind == QUERY_NOT) {
            rc = plan_cursor(&c, a, p, ch->children[0], seg);
            if (c != NULL)
                nots[not_count++] = c;
            if (rc != QUIRE_OK)
                goto done;
            continue;
        }
        rc = plan_cursor(&c, a, p, ch, seg);
        if (c != NULL)
            kids[count++] = c;
        if (rc != QUIRE_OK)
            goto done;
        /* A child of an AND with no match here (none built, or built exhausted: it was
         * built on its first match) ends the AND in this segment. */
        if (is_and && (c == NULL || c->doc == QUIRE_DOC_END))
            goto done;
    }
    if (count == 0 && is_and && not_count > 0) {
        rc = cursor_new_all(&kids[0], a,
                            quire_segment_get_stats(quire_index_segment(p->ix, seg))->doc_count);
        if (rc != QUIRE_OK)
            goto done;
        count = 1;
    }
    if (count == 0)
        goto done;
    /* A one-child AND or OR is its child: same matches, same score. */
    if (count == 1)
        pos = kids[0];
    else
        rc = is_and ? cursor_new_and(&pos, a, kids, count) : cursor_new_or(&pos, a, kids, count);
    if (rc != QUIRE_OK)
        goto done;
    if (not_count == 0) {
        *out = pos;
        return QUIRE_OK;
    }
    if (not_count == 1)
        neg = nots[0];
    else
        rc = cursor_new_or(&neg, a, nots, not_count);
    if (rc == QUIRE_OK)
        rc = cursor_new_andnot(out, a, pos, neg);
    if (rc == QUIRE_OK)
        return QUIRE_OK;
    *out = NULL;
done:
    /* Nothing returned: close what was built (closing twice is harmless). */
    for (uint32_t i = 0; i < count; i++)
        cursor_close(kids[i]);
    for (uint32_t i = 0; i < not_count; i++)
        cursor_close(nots[i]);
    return rc;
}

int plan_cursor(cursor **out, arena *a, const plan *p, const query_node *node, uint32_t seg)
{
    *out = NULL;
    const uint32_t doc_count = quire_segment_get_stats(quire_index_segment(p->ix, seg))->doc_count;
    int rc;
    switch (node->kind) {
    case QUERY_TERM: {
        const plan_term *pt = &p->terms[node->term];
        if (!pt->is_in_seg[seg])
            return QUIRE_OK;
        rc = cursor_new_term(out, a, &p->scorer, quire_index_segment(p->ix, seg), &pt->in_seg[seg],
                             node->term, pt->weight * (1.0 + node->repeats) * node->boost);
        if (rc != QUIRE_OK) {
            cursor_close(*out);
            *out = NULL;
        }
        return rc;
    }
    case QUERY_PHRASE: {
        const plan_phrase *ph = &p->phrases[node->phrase];
        if (ph->is_lazy) {
            rc = cursor_new_phrase(out, a, &p->scorer, quire_index_segment(p->ix, seg), node,
                                   ph->weight);
            if (rc != QUIRE_OK) {
                cursor_close(*out);
                *out = NULL;
            }
            return rc;
        }
        const phrase_matches *m = &ph->in_seg[seg];
        if (m->count == 0)
            return QUIRE_OK;
        rc = cursor_new_list(out, a, m->docs, m->freqs, m->count, ph->weight);
        if (rc == QUIRE_OK)
            (*out)->list_scale = m->closeness; /* an approximate quote weighs by closeness */
        return rc;
    }
    case QUERY_DATE:
        rc = cursor_new_date(out, a, p->dates[seg], doc_count, node->date_from, node->date_to);
        if (rc == QUIRE_OK && (*out)->doc == QUIRE_DOC_END)
            *out = NULL;
        return rc;
    case QUERY_NOT: {
        cursor *all = NULL, *inner = NULL;
        rc = plan_cursor(&inner, a, p, node->children[0], seg);
        if (rc == QUIRE_OK)
            rc = cursor_new_all(&all, a, doc_count);
        if (rc == QUIRE_OK && inner == NULL) {
            *out = all;
            return QUIRE_OK;
        }
        if (rc == QUIRE_OK)
            rc = cursor_new_andnot(out, a, all, inner);
        if (rc != QUIRE_OK) {
            cursor_close(inner);
            *out = NULL;
        }
        return rc;
    }
    case QUERY_OPT: {
        cursor *req = NULL, *opt = NULL;
        rc = plan_cursor(&req, a, p, node->children[0], seg);
        if (rc != QUIRE_OK || req == NULL)
            return rc;
        rc = plan_cursor(&opt, a, p, node->children[1], seg);
        if (rc == QUIRE_OK && opt == NULL) {
            *out = req;
            return QUIRE_OK;
        }
        if (rc == QUIRE_OK)
            rc = cursor_new_opt(out, a, req, opt);
        if (rc != QUIRE_OK) {
            cursor_close(req);
            cursor_close(opt);
            *out = NULL;
        }
        return rc;
    }
    case QUERY_AND:
    case QUERY_OR:
        return inner_cursor(out, a, p, node, seg);
    }
    return quire_error(QUIRE_EINVAL, "query: unknown node kind %d", (int)node->kind);
}
