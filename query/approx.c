/*
 * approx.c - approximate quotes (see approx.h): weighing the quote's words and finding
 * their forms (stems, variants) once per query; per segment, the candidate documents
 * (essential words, present weight), the windows worth scoring and the alignment's
 * dynamic programme; per hit, the renderings with their word-by-word alignment. Leaves
 * postings to format/, variants to fuzzy.c and scoring the clause to the planner.
 */
#include "approx.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzy.h"
#include "quire/array.h"
#include "scorer.h"

static double kind_share(approx_kind k)
{
    switch (k) {
    case APPROX_SAME:
        return 1.0;
    case APPROX_STEM:
        return APPROX_STEM_SCORE;
    case APPROX_VARIANT:
        return APPROX_VARIANT_SCORE;
    case APPROX_SUBSTITUTED:
    case APPROX_INSERTED:
        break;
    }
    return 0.0;
}

/* Whether a score (or a bound on one) reaches the threshold. */
static bool reaches(double score, const approx_quote *q)
{
    return score >= (q->threshold - APPROX_SLACK) * q->total;
}

/* ---- resolving: weights and forms ---- */

typedef struct entry {
    const char *text;
    size_t len;
    uint32_t word;
    approx_kind kind;
} entry;

typedef struct entries {
    entry *items;
    size_t count, cap;
} entries;

static int push_entry(entries *e, const char *text, size_t len, uint32_t word, approx_kind kind)
{
    if (QUIRE_ARRAY_RESERVE(e->items, e->count, e->cap, 64) != QUIRE_OK)
        return quire_oom();
    e->items[e->count++] = (entry){text, len, word, kind};
    return QUIRE_OK;
}

static int cmp_text(const char *a, size_t na, const char *b, size_t nb)
{
    const int c = memcmp(a, b, na < nb ? na : nb);
    return c != 0 ? c : (na > nb) - (na < nb);
}

static int cmp_entry(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    const int c = cmp_text(a->text, a->len, b->text, b->len);
    if (c != 0)
        return c;
    if (a->word != b->word)
        return a->word < b->word ? -1 : 1;
    return (a->kind > b->kind) - (a->kind < b->kind);
}

/* Live documents holding a stem over the index. */
static int stem_df(uint64_t *df, const quire_index *ix, const char *stem, size_t len)
{
    *df = 0;
    for (uint32_t s = 0; s < quire_index_segment_count(ix); s++) {
        quire_term t;
        int rc = quire_segment_lookup(quire_index_segment(ix, s), QUIRE_TERM_STEM,
                                      quire_bytes_of(stem, len), &t);
        if (rc == QUIRE_ENOTFOUND)
            continue;
        uint64_t live = 0;
        if (rc == QUIRE_OK)
            rc = quire_index_live_df(ix, s, &t, &live);
        if (rc != QUIRE_OK)
            return rc;
        *df += live;
    }
    return QUIRE_OK;
}

/* The distance of word w's variants: word~N says N, word~ the default for its length
 * (fuzzy.h), a name (typed with a capital) of APPROX_VARIANT_CHARS or more characters
 * APPROX_NAME_DISTANCE; -1: none. */
static int32_t variant_distance(const query_word *w)
{
    uint32_t cps[FUZZY_MAX_CHARS];
    const uint32_t chars = fuzzy_decode(cps, w->text, w->len);
    if (w->distance >= 0)
        return w->distance;
    if (w->distance == -1)
        return fuzzy_default_distance(chars);
    if (w->is_name && chars >= APPROX_VARIANT_CHARS)
        return APPROX_NAME_DISTANCE;
    return -1;
}

int approx_resolve(query_node *node, arena *a, const quire_index *ix, double threshold)
{
    const uint32_t m = node->word_count;
    approx_quote *q = arena_alloc(a, sizeof *q);
    if (q == NULL)
        return quire_oom();
    q->word_count = m;
    q->words = arena_alloc(a, (size_t)m * sizeof *q->words);
    if (q->words == NULL)
        return quire_oom();
    scorer sc;
    scorer_init(&sc, SCORER_DEFAULT_K1, SCORER_DEFAULT_B, quire_index_doc_count(ix),
                quire_index_total_tokens(ix));
    entries e = {NULL, 0, 0};
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < m && rc == QUIRE_OK; i++) {
        const query_word *w = &node->words[i];
        approx_word *aw = &q->words[i];
        rc = stem_df(&aw->df, ix, w->stem, w->stem_len);
        if (rc != QUIRE_OK)
            break;
        aw->weight = 1.0 + scorer_idf(&sc, aw->df > 0 ? aw->df : 1);
        q->total += aw->weight;
        rc = push_entry(&e, w->text, w->len, i, APPROX_SAME);
        query_word *stems;
        uint32_t stem_count = 0;
        if (rc == QUIRE_OK)
            rc = fuzzy_stem_forms(&stems, &stem_count, a, ix, w->stem, w->stem_len);
        for (uint32_t k = 0; k < stem_count && rc == QUIRE_OK; k++)
            rc = push_entry(&e, stems[k].text, stems[k].len, i, APPROX_STEM);
        aw->distance = variant_distance(w);
        if (rc != QUIRE_OK || aw->distance < 0)
            continue;
        fuzzy_expansion x;
        rc = fuzzy_expand(&x, a, ix, w->text, w->len, (uint32_t)aw->distance, FUZZY_MAX_FORMS);
        if (rc == QUIRE_ELIMIT) { /* too many to choose from: the word without variants */
            rc = QUIRE_OK;
            aw->distance = -1;
            continue;
        }
        aw->variants = x.count;
        aw->variants_matched = x.matched;
        for (uint32_t k = 0; k < x.count && rc == QUIRE_OK; k++)
            rc = push_entry(&e, x.forms[k].form, x.forms[k].len, i, APPROX_VARIANT);
    }
    if (rc != QUIRE_OK)
        goto done;
    /* (form, word) once, with its best kind; then one form with all its words */
    if (e.count > 1)
        qsort(e.items, e.count, sizeof *e.items, cmp_entry);
    size_t u = 0;
    for (size_t k = 0; k < e.count; k++) {
        if (u > 0 && e.items[u - 1].word == e.items[k].word &&
            cmp_text(e.items[u - 1].text, e.items[u - 1].len, e.items[k].text, e.items[k].len) == 0)
            continue;
        e.items[u++] = e.items[k];
    }
    uint32_t forms = 0;
    for (size_t k = 0; k < u; k++)
        forms += k == 0 || cmp_text(e.items[k - 1].text, e.items[k - 1].len, e.items[k].text,
                                    e.items[k].len) != 0;
    q->forms = arena_alloc(a, ((size_t)forms + 1) * sizeof *q->forms);
    approx_pair *pairs = arena_alloc(a, (u + 1) * sizeof *pairs);
    if (q->forms == NULL || pairs == NULL) {
        rc = quire_oom();
        goto done;
    }
    for (size_t k = 0; k < u; k++) {
        if (k == 0 || cmp_text(e.items[k - 1].text, e.items[k - 1].len, e.items[k].text,
                               e.items[k].len) != 0) {
            approx_form *f = &q->forms[q->form_count++];
            f->text = e.items[k].text;
            f->len = e.items[k].len;
            f->pairs = &pairs[k];
        }
        pairs[k] = (approx_pair){e.items[k].word, e.items[k].kind};
        q->forms[q->form_count - 1].pair_count++;
    }
    q->insert_cost = APPROX_INSERT_COST * q->total / m;
    q->threshold = node->approx_closeness > 0 ? node->approx_closeness : threshold;
    q->max_window = m + m / 2 + 2;
    node->approx = q;
done:
    quire_free(e.items);
    return rc;
}

/* ---- scoring one document ---- */

typedef struct event {
    uint32_t pos;
    uint32_t word;
    double gain; /* weight * share of its kind */
    approx_kind kind;
} event;

/* A region: positions [lo, hi] within L - 1 of a run of essential occurrences; its bound,
 * the most any window in it can score (gather_events). */
typedef struct region {
    uint64_t lo, hi;
    double bound;
    double found; /* the current word's best gain inside it */
    bool alive;
} region;

typedef struct doc_eval {
    const approx_quote *q;
    event *ev; /* sorted by position, then word */
    uint32_t ev_count, ev_cap;
    uint32_t *first; /* per distinct position: its first event; first[np] = ev_count */
    uint32_t np, first_cap;
    double *rows;  /* (L + 1) x (m + 1) */
    double *gain;  /* m + 1 */
    double *bestw; /* m: per word, its best gain in a window (bounds) */
    /* per distinct position s, the best window starting there given the chosen ones */
    double *best;
    uint32_t *best_end;
    bool *cached;
    uint32_t cache_cap;
    uint32_t title_len; /* T: positions < T are the title's */
    uint32_t doc_len;
    uint32_t (*chosen)[2]; /* renderings chosen so far, ascending */
    uint32_t chosen_count, chosen_cap;
    event *tmp; /* room to merge events */
    uint32_t tmp_cap;
    uint32_t *runs; /* where each form's events start (each run is sorted) */
    uint32_t run_count, run_cap;
    region *regions;
    uint32_t region_cap;
    const bool *essential; /* per word (approx.h); NULL: every word */
    uint32_t *ess;         /* positions of essential words' forms, ascending, distinct */
    uint32_t ess_count, ess_cap;
} doc_eval;

static void doc_eval_free(doc_eval *d)
{
    quire_free(d->ev);
    quire_free(d->first);
    quire_free(d->rows);
    quire_free(d->gain);
    quire_free(d->bestw);
    quire_free(d->best);
    quire_free(d->best_end);
    quire_free(d->cached);
    quire_free(d->chosen);
    quire_free(d->ess);
    quire_free(d->tmp);
    quire_free(d->runs);
    quire_free(d->regions);
}

static int doc_eval_init(doc_eval *d, const approx_quote *q)
{
    memset(d, 0, sizeof *d);
    d->q = q;
    const size_t m = q->word_count, L = q->max_window;
    d->rows = quire_malloc((L + 1) * (m + 1) * sizeof *d->rows);
    d->gain = quire_malloc((m + 1) * sizeof *d->gain);
    d->bestw = quire_calloc(m + 1, sizeof *d->bestw);
    if (d->rows == NULL || d->gain == NULL || d->bestw == NULL)
        return quire_oom();
    return QUIRE_OK;
}

static int push_event(doc_eval *d, uint32_t pos, uint32_t word, approx_kind kind)
{
    if (QUIRE_ARRAY_RESERVE(d->ev, d->ev_count, d->ev_cap, 256) != QUIRE_OK)
        return quire_oom();
    d->ev[d->ev_count++] = (event){pos, word, d->q->words[word].weight * kind_share(kind), kind};
    return QUIRE_OK;
}

static int cmp_event(const void *pa, const void *pb)
{
    const event *a = pa, *b = pb;
    if (a->pos != b->pos)
        return a->pos < b->pos ? -1 : 1;
    if (a->word != b->word)
        return a->word < b->word ? -1 : 1;
    return (a->kind > b->kind) - (a->kind < b->kind);
}

/* Sort the events by merging the forms' runs (each sorted: positions ascend, and a form's
 * words at one position come in word order), pairwise until one is left. */
static int merge_events(doc_eval *d)
{
    if (d->run_count <= 1)
        return QUIRE_OK;
    if (d->ev_count > d->tmp_cap) {
        event *t = quire_realloc(d->tmp, (size_t)d->ev_count * sizeof *t);
        if (t == NULL)
            return quire_oom();
        d->tmp = t;
        d->tmp_cap = d->ev_count;
    }
    uint32_t n = d->run_count;
    uint32_t *r = d->runs; /* r[0..n) starts, r[n] = ev_count */
    r[n] = d->ev_count;
    while (n > 1) {
        uint32_t out = 0, k = 0;
        for (; k + 1 < n; k += 2) {
            uint32_t a = r[k], b = r[k + 1], t = r[k];
            const uint32_t ae = r[k + 1], be = r[k + 2];
            while (a < ae && b < be)
                d->tmp[t++] = cmp_event(&d->ev[b], &d->ev[a]) < 0 ? d->ev[b++] : d->ev[a++];
            while (a < ae)
                d->tmp[t++] = d->ev[a++];
            while (b < be)
                d->tmp[t++] = d->ev[b++];
            memcpy(d->ev + r[k], d->tmp + r[k], (size_t)(be - r[k]) * sizeof *d->ev);
            r[out++] = r[k];
        }
        if (k < n)
            r[out++] = r[k];
        r[out] = d->ev_count;
        n = out;
    }
    d->run_count = 1;
    return QUIRE_OK;
}

/* Sort the events, index their distinct positions, reset the per-start cache. */
static int index_events(doc_eval *d)
{
    const int rc = merge_events(d);
    if (rc != QUIRE_OK)
        return rc;
    if (d->ev_count + 1 > d->first_cap) {
        const uint32_t cap = d->ev_count + 1;
        uint32_t *f = quire_realloc(d->first, (size_t)cap * sizeof *f);
        if (f == NULL)
            return quire_oom();
        d->first = f;
        d->first_cap = cap;
    }
    d->np = 0;
    for (uint32_t k = 0; k < d->ev_count; k++)
        if (k == 0 || d->ev[k].pos != d->ev[k - 1].pos)
            d->first[d->np++] = k;
    d->first[d->np] = d->ev_count;
    if (d->np > d->cache_cap) {
        const uint32_t cap = d->np;
        double *b = quire_realloc(d->best, (size_t)cap * sizeof *b);
        if (b == NULL)
            return quire_oom();
        d->best = b;
        uint32_t *e = quire_realloc(d->best_end, (size_t)cap * sizeof *e);
        if (e == NULL)
            return quire_oom();
        d->best_end = e;
        bool *c = quire_realloc(d->cached, (size_t)cap * sizeof *c);
        if (c == NULL)
            return quire_oom();
        d->cached = c;
        d->cache_cap = cap;
    }
    if (d->np > 0)
        memset(d->cached, 0, (size_t)d->np * sizeof *d->cached);
    d->chosen_count = 0;
    return QUIRE_OK;
}

/* The last position a window starting at p may reach: L tokens, its field, the document,
 * and the next chosen rendering. UINT32_MAX - 1 sentinel never reached. */
static uint32_t window_limit(const doc_eval *d, uint32_t p)
{
    uint64_t lim = (uint64_t)p + d->q->max_window - 1;
    const uint64_t field_end = p < d->title_len ? (uint64_t)d->title_len - 1 : d->doc_len;
    if (lim > field_end)
        lim = field_end;
    for (uint32_t c = 0; c < d->chosen_count; c++)
        if (d->chosen[c][0] > p && d->chosen[c][0] - 1 < lim)
            lim = d->chosen[c][0] - 1;
    return (uint32_t)lim;
}

static bool in_chosen(const doc_eval *d, uint32_t p)
{
    for (uint32_t c = 0; c < d->chosen_count; c++)
        if (p >= d->chosen[c][0] && p < d->chosen[c][1])
            return true;
    return false;
}

/* The bound of approx.h on windows starting at distinct position s and ending by lim. */
static double window_bound(doc_eval *d, uint32_t s, uint32_t lim)
{
    double by_word = 0, by_pos = 0;
    const uint32_t from = d->first[s];
    uint32_t k = from;
    for (; k < d->ev_count && d->ev[k].pos <= lim; k++) {
        const event *e = &d->ev[k];
        if (e->gain > d->bestw[e->word])
            d->bestw[e->word] = e->gain;
    }
    const uint32_t to = k;
    double pos_best = 0;
    for (k = from; k < to; k++) {
        const event *e = &d->ev[k];
        if (d->bestw[e->word] > 0) {
            by_word += d->bestw[e->word];
            d->bestw[e->word] = 0;
        }
        if (e->gain > pos_best)
            pos_best = e->gain;
        if (k + 1 == to || d->ev[k + 1].pos != e->pos) {
            by_pos += pos_best;
            pos_best = 0;
        }
    }
    return by_word < by_pos ? by_word : by_pos;
}

/* The alignment's programme over the window's tokens start..lim: rows[j][i] is the best
 * score of quote words 1..i against tokens start..start+j-1 (each token paired or
 * inserted, each word paired or missing). The best window starting at `start` ends where
 * rows[j][m] is largest (the first such j). Returns that score, *end its last position. */
static double run_window(doc_eval *d, uint32_t s, uint32_t lim, uint32_t *end)
{
    const approx_quote *q = d->q;
    const uint32_t m = q->word_count, start = d->ev[d->first[s]].pos;
    const double c = q->insert_cost;
    double *prev = d->rows;
    for (uint32_t i = 0; i <= m; i++)
        prev[i] = 0;
    double best = -DBL_MAX;
    uint32_t k = d->first[s];
    for (uint32_t pos = start; pos <= lim; pos++) {
        double *cur = prev + m + 1;
        for (uint32_t i = 0; i <= m; i++)
            d->gain[i] = 0;
        for (; k < d->ev_count && d->ev[k].pos == pos; k++)
            if (d->ev[k].gain > d->gain[d->ev[k].word + 1])
                d->gain[d->ev[k].word + 1] = d->ev[k].gain;
        cur[0] = prev[0] - c;
        for (uint32_t i = 1; i <= m; i++) {
            double v = cur[i - 1];
            if (prev[i] - c > v)
                v = prev[i] - c;
            if (prev[i - 1] + d->gain[i] > v)
                v = prev[i - 1] + d->gain[i];
            cur[i] = v;
        }
        if (cur[m] > best) {
            best = cur[m];
            *end = pos;
        }
        prev = cur;
    }
    return best;
}

/* The best window starting at distinct position s (cached until a rendering is chosen that
 * it could overlap); -DBL_MAX when it cannot reach the threshold. */
static double start_best(doc_eval *d, uint32_t s, uint32_t *end)
{
    if (!d->cached[s]) {
        const uint32_t p = d->ev[d->first[s]].pos;
        d->best[s] = -DBL_MAX;
        if (!in_chosen(d, p)) {
            const uint32_t lim = window_limit(d, p);
            /* a window without an essential word's occurrence cannot reach the threshold */
            uint32_t lo = 0, hi = d->ess_count;
            while (lo < hi) {
                const uint32_t mid = lo + (hi - lo) / 2;
                if (d->ess[mid] < p)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < d->ess_count && d->ess[lo] <= lim && reaches(window_bound(d, s, lim), d->q))
                d->best[s] = run_window(d, s, lim, &d->best_end[s]);
        }
        d->cached[s] = true;
    }
    *end = d->best_end[s];
    return d->best[s];
}

static int choose(doc_eval *d, uint32_t start, uint32_t end)
{
    if (QUIRE_ARRAY_RESERVE(d->chosen, d->chosen_count, d->chosen_cap, 4) != QUIRE_OK)
        return quire_oom();
    uint32_t at = d->chosen_count;
    while (at > 0 && d->chosen[at - 1][0] > start) {
        d->chosen[at][0] = d->chosen[at - 1][0];
        d->chosen[at][1] = d->chosen[at - 1][1];
        at--;
    }
    d->chosen[at][0] = start;
    d->chosen[at][1] = end + 1;
    d->chosen_count++;
    /* the windows that could reach into it are scored again */
    for (uint32_t s = 0; s < d->np; s++) {
        const uint32_t p = d->ev[d->first[s]].pos;
        if (p <= end && (uint64_t)p + d->q->max_window > start)
            d->cached[s] = false;
    }
    return QUIRE_OK;
}

/* The document's renderings, best first, at most max_count: their first and last
 * positions into spans (may be NULL), the first's score into *first. */
static int renderings(doc_eval *d, uint32_t max_count, uint32_t (*spans)[2], double *first,
                      uint32_t *count)
{
    *count = 0;
    *first = 0;
    while (*count < max_count) {
        double best = -DBL_MAX;
        uint32_t bs = 0, be = 0;
        for (uint32_t s = 0; s < d->np; s++) {
            uint32_t e;
            const double v = start_best(d, s, &e);
            if (v > best) {
                best = v;
                bs = d->ev[d->first[s]].pos;
                be = e;
            }
        }
        if (best == -DBL_MAX || !reaches(best, d->q))
            break;
        if (spans != NULL) {
            spans[*count][0] = bs;
            spans[*count][1] = be;
        }
        if (*count == 0)
            *first = best;
        (*count)++;
        const int rc = choose(d, bs, be);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* ---- one segment ---- */

typedef struct form_cursor {
    quire_postings_cursor c;
    const approx_form *f;
    bool essential;
} form_cursor;

typedef struct word_form {
    uint32_t cursor; /* index into fc */
    approx_kind kind;
} word_form;

typedef struct seg_state {
    form_cursor *fc;
    uint32_t count;
    uint32_t *word_first; /* word w's forms: by_word[word_first[w] .. word_first[w + 1]) */
    word_form *by_word;
    uint32_t *order; /* the words, heaviest first */
} seg_state;

static void close_cursors(seg_state *st)
{
    for (uint32_t i = 0; i < st->count; i++)
        quire_postings_close(&st->fc[i].c);
    st->count = 0;
}

/* Which words are essential: all but the lightest whose weights add up to less than the
 * threshold's share of W (approx.h). */
static int essential_words(bool *essential, const approx_quote *q)
{
    const uint32_t m = q->word_count;
    uint32_t *order = quire_malloc((size_t)m * sizeof *order);
    if (order == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < m; i++)
        order[i] = i;
    for (uint32_t i = 1; i < m; i++) /* insertion sort by weight: m <= 64 */
        for (uint32_t k = i; k > 0 && q->words[order[k]].weight < q->words[order[k - 1]].weight;
             k--) {
            const uint32_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    double light = 0;
    for (uint32_t k = 0; k < m; k++) {
        const uint32_t i = order[k];
        essential[i] = reaches(light + q->words[i].weight, q);
        if (!essential[i])
            light += q->words[i].weight;
        else
            for (uint32_t r = k; r < m; r++)
                essential[order[r]] = true;
        if (essential[i])
            break;
    }
    quire_free(order);
    return QUIRE_OK;
}

/* Open a cursor on every form of the quote the segment has. */
static int open_cursors(seg_state *st, arena *a, const quire_segment *seg, const approx_quote *q,
                        const bool *essential)
{
    st->fc = arena_alloc(a, ((size_t)q->form_count + 1) * sizeof *st->fc);
    if (st->fc == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < q->form_count; i++) {
        const approx_form *f = &q->forms[i];
        quire_term t;
        int rc = quire_segment_lookup(seg, QUIRE_TERM_FORM, quire_bytes_of(f->text, f->len), &t);
        if (rc == QUIRE_ENOTFOUND)
            continue;
        if (rc == QUIRE_OK && !t.has_positions)
            rc = quire_corrupt("segment %llu: form '%s' has no positions",
                               (unsigned long long)quire_segment_id(seg), f->text);
        form_cursor *c = &st->fc[st->count];
        if (rc == QUIRE_OK)
            rc = quire_segment_postings(seg, &t, &c->c);
        if (rc != QUIRE_OK)
            return rc;
        st->count++;
        c->f = f;
        c->essential = false;
        for (uint32_t k = 0; k < f->pair_count; k++)
            c->essential |= essential == NULL || essential[f->pairs[k].word];
        rc = quire_postings_next(&c->c);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

static int push_u32(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t x)
{
    if (QUIRE_ARRAY_RESERVE(*v, *n, *cap, 64) != QUIRE_OK)
        return quire_oom();
    (*v)[(*n)++] = x;
    return QUIRE_OK;
}

static int cmp_pos(const void *pa, const void *pb)
{
    const uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

static bool form_is_essential(const doc_eval *d, const approx_form *f)
{
    if (d->essential == NULL)
        return true;
    for (uint32_t k = 0; k < f->pair_count; k++)
        if (d->essential[f->pairs[k].word])
            return true;
    return false;
}

/* Each word's cursors (st->by_word) and the words heaviest first (st->order). */
static int index_words(seg_state *st, arena *a, const approx_quote *q)
{
    const uint32_t m = q->word_count;
    st->word_first = arena_alloc(a, ((size_t)m + 2) * sizeof *st->word_first);
    st->order = arena_alloc(a, ((size_t)m + 1) * sizeof *st->order);
    uint32_t total = 0;
    for (uint32_t i = 0; i < st->count; i++)
        total += st->fc[i].f->pair_count;
    st->by_word = arena_alloc(a, ((size_t)total + 1) * sizeof *st->by_word);
    if (st->word_first == NULL || st->order == NULL || st->by_word == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < st->count; i++)
        for (uint32_t k = 0; k < st->fc[i].f->pair_count; k++)
            st->word_first[st->fc[i].f->pairs[k].word + 2]++;
    for (uint32_t w = 0; w < m; w++)
        st->word_first[w + 2] += st->word_first[w + 1];
    for (uint32_t i = 0; i < st->count; i++)
        for (uint32_t k = 0; k < st->fc[i].f->pair_count; k++) {
            const approx_pair *pr = &st->fc[i].f->pairs[k];
            st->by_word[st->word_first[pr->word + 1]++] = (word_form){i, pr->kind};
        }
    for (uint32_t w = 0; w < m; w++)
        st->order[w] = w;
    for (uint32_t i = 1; i < m; i++) /* insertion sort, heaviest first: m <= 64 */
        for (uint32_t k = i;
             k > 0 && q->words[st->order[k]].weight > q->words[st->order[k - 1]].weight; k--) {
            const uint32_t t = st->order[k];
            st->order[k] = st->order[k - 1];
            st->order[k - 1] = t;
        }
    return QUIRE_OK;
}

/* The first index of pos[from..n) holding a value >= v. */
static uint32_t lower_bound_pos(const uint32_t *pos, uint32_t from, uint32_t n, uint64_t v)
{
    uint32_t a = from, b = n;
    while (a < b) {
        const uint32_t mid = a + (b - a) / 2;
        if (pos[mid] < v)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

/* The events of document `doc` from the cursors on it (title only for a title: quote).
 * Only windows holding an occurrence of an essential word can reach the threshold, and
 * they lie within L - 1 positions of one: the regions around them. A region's bound starts
 * as the weight of every word present in the document (`present`, each at its best kind)
 * and, word by word from the heaviest, drops to what the word scores inside it once its
 * positions are read; a region whose bound falls short of the threshold is dropped, and
 * when none is left the lighter words' positions (a long article's thousands of "the")
 * are never read. Events are gathered in the regions left. */
static int gather_events(doc_eval *d, seg_state *st, const query_node *node, uint32_t doc,
                         const double *present)
{
    d->ev_count = 0;
    d->ess_count = 0;
    d->run_count = 0;
    const uint32_t limit = node->field == QUERY_FIELD_TITLE ? d->title_len : UINT32_MAX;
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < st->count && rc == QUIRE_OK; i++) {
        form_cursor *c = &st->fc[i];
        if (c->c.doc != doc || !form_is_essential(d, c->f))
            continue;
        const uint32_t *pos;
        uint32_t n;
        rc = quire_postings_positions(&c->c, &pos, &n);
        for (uint32_t k = 0; k < n && rc == QUIRE_OK && pos[k] < limit; k++)
            rc = push_u32(&d->ess, &d->ess_count, &d->ess_cap, pos[k]);
    }
    if (rc != QUIRE_OK)
        return rc;
    if (d->ess_count > 1)
        qsort(d->ess, d->ess_count, sizeof *d->ess, cmp_pos);
    uint32_t u = 0;
    for (uint32_t k = 0; k < d->ess_count; k++)
        if (u == 0 || d->ess[u - 1] != d->ess[k])
            d->ess[u++] = d->ess[k];
    d->ess_count = u;
    /* the regions */
    const uint32_t reach = d->q->max_window - 1, m = d->q->word_count;
    double start = 0;
    for (uint32_t w = 0; w < m; w++)
        start += present[w];
    uint32_t nr = 0;
    for (uint32_t e = 0; e < d->ess_count;) {
        uint32_t f = e;
        while (f + 1 < d->ess_count && d->ess[f + 1] - d->ess[f] <= reach)
            f++;
        if (QUIRE_ARRAY_RESERVE(d->regions, nr, d->region_cap, 16) != QUIRE_OK)
            return quire_oom();
        d->regions[nr++] = (region){d->ess[e] > reach ? d->ess[e] - reach : 0,
                                    (uint64_t)d->ess[f] + reach, start, 0, true};
        e = f + 1;
    }
    region *rg = d->regions;
    uint32_t alive = nr;
    for (uint32_t oi = 0; oi < m && alive > 0 && rc == QUIRE_OK; oi++) {
        const uint32_t w = st->order[oi];
        if (present[w] <= 0)
            continue;
        for (uint32_t r = 0; r < nr; r++)
            rg[r].found = 0;
        for (uint32_t j = st->word_first[w]; j < st->word_first[w + 1] && rc == QUIRE_OK; j++) {
            form_cursor *c = &st->fc[st->by_word[j].cursor];
            if (c->c.doc != doc)
                continue;
            const double g = d->q->words[w].weight * kind_share(st->by_word[j].kind);
            const uint32_t *pos;
            uint32_t n;
            rc = quire_postings_positions(&c->c, &pos, &n);
            uint32_t k = 0;
            for (uint32_t r = 0; r < nr && k < n && rc == QUIRE_OK; r++) {
                if (!rg[r].alive || rg[r].found >= g)
                    continue;
                k = lower_bound_pos(pos, k, n, rg[r].lo);
                if (k < n && pos[k] <= rg[r].hi && pos[k] < limit)
                    rg[r].found = g;
            }
        }
        for (uint32_t r = 0; r < nr; r++)
            if (rg[r].alive) {
                rg[r].bound += rg[r].found - present[w];
                if (!reaches(rg[r].bound, d->q)) {
                    rg[r].alive = false;
                    alive--;
                }
            }
    }
    for (uint32_t i = 0; i < st->count && rc == QUIRE_OK && alive > 0; i++) {
        form_cursor *c = &st->fc[i];
        if (c->c.doc != doc)
            continue;
        const uint32_t *pos;
        uint32_t n;
        rc = quire_postings_positions(&c->c, &pos, &n);
        if (rc == QUIRE_OK)
            rc = push_u32(&d->runs, &d->run_count, &d->run_cap, d->ev_count);
        uint32_t k = 0;
        for (uint32_t r = 0; r < nr && k < n && rc == QUIRE_OK; r++) {
            if (!rg[r].alive)
                continue;
            for (k = lower_bound_pos(pos, k, n, rg[r].lo);
                 k < n && pos[k] <= rg[r].hi && pos[k] < limit && rc == QUIRE_OK; k++)
                for (uint32_t p = 0; p < c->f->pair_count && rc == QUIRE_OK; p++)
                    rc = push_event(d, pos[k], c->f->pairs[p].word, c->f->pairs[p].kind);
        }
    }
    if (rc == QUIRE_OK) /* room for the end sentinel of merge_events */
        rc = push_u32(&d->runs, &d->run_count, &d->run_cap, d->ev_count);
    if (rc != QUIRE_OK)
        return rc;
    d->run_count--;
    return index_events(d);
}

typedef struct match_buf {
    uint32_t *docs, *freqs;
    double *closeness;
    uint32_t count, cap;
} match_buf;

static int push_match(match_buf *b, uint32_t doc, uint32_t freq, double closeness)
{
    if (b->count == b->cap) {
        const uint32_t cap = b->cap ? b->cap * 2 : 64;
        uint32_t *docs = quire_realloc(b->docs, (size_t)cap * sizeof *docs);
        if (docs == NULL)
            return quire_oom();
        b->docs = docs;
        uint32_t *freqs = quire_realloc(b->freqs, (size_t)cap * sizeof *freqs);
        if (freqs == NULL)
            return quire_oom();
        b->freqs = freqs;
        double *cl = quire_realloc(b->closeness, (size_t)cap * sizeof *cl);
        if (cl == NULL)
            return quire_oom();
        b->closeness = cl;
        b->cap = cap;
    }
    b->docs[b->count] = doc;
    b->freqs[b->count] = freq;
    b->closeness[b->count] = closeness;
    b->count++;
    return QUIRE_OK;
}

int approx_match_segment(phrase_matches *out, arena *a, const quire_index *ix, uint32_t seg_i,
                         const query_node *node)
{
    memset(out, 0, sizeof *out);
    const approx_quote *q = node->approx;
    const quire_segment *seg = quire_index_segment(ix, seg_i);
    const uint32_t m = q->word_count;
    seg_state st = {NULL, 0, NULL, NULL, NULL};
    doc_eval d;
    match_buf mb = {NULL, NULL, NULL, 0, 0};
    bool *essential = arena_alloc(a, (size_t)m * sizeof *essential);
    double *present = arena_alloc(a, (size_t)m * sizeof *present);
    int rc = doc_eval_init(&d, q);
    if (rc == QUIRE_OK && (essential == NULL || present == NULL))
        rc = quire_oom();
    if (rc == QUIRE_OK)
        rc = essential_words(essential, q);
    if (rc == QUIRE_OK)
        rc = open_cursors(&st, a, seg, q, essential);
    if (rc == QUIRE_OK)
        rc = index_words(&st, a, q);
    d.essential = essential;
    const uint32_t doc_count = quire_segment_get_stats(seg)->doc_count;
    while (rc == QUIRE_OK) {
        uint32_t doc = QUIRE_DOC_END;
        for (uint32_t i = 0; i < st.count; i++)
            if (st.fc[i].essential && st.fc[i].c.doc < doc)
                doc = st.fc[i].c.doc;
        if (doc == QUIRE_DOC_END)
            break;
        if (doc >= doc_count) {
            rc = quire_corrupt("segment %llu: posting for doc %u of %u",
                               (unsigned long long)quire_segment_id(seg), (unsigned)doc,
                               (unsigned)doc_count);
            break;
        }
        /* the weight of the words present, each at its best kind */
        for (uint32_t i = 0; i < m; i++)
            present[i] = 0;
        for (uint32_t i = 0; i < st.count && rc == QUIRE_OK; i++) {
            form_cursor *c = &st.fc[i];
            if (c->c.doc < doc)
                rc = quire_postings_advance(&c->c, doc);
            if (rc != QUIRE_OK || c->c.doc != doc)
                continue;
            for (uint32_t k = 0; k < c->f->pair_count; k++) {
                const uint32_t w = c->f->pairs[k].word;
                const double g = q->words[w].weight * kind_share(c->f->pairs[k].kind);
                if (g > present[w])
                    present[w] = g;
            }
        }
        double weight = 0;
        for (uint32_t i = 0; i < m; i++)
            weight += present[i];
        if (rc == QUIRE_OK && reaches(weight, q)) {
            d.title_len = quire_segment_title_len(seg, doc);
            d.doc_len = quire_segment_doc_len(seg, doc);
            rc = gather_events(&d, &st, node, doc, present);
            uint32_t n = 0;
            double best = 0;
            if (rc == QUIRE_OK)
                rc = renderings(&d, UINT32_MAX, NULL, &best, &n);
            if (rc == QUIRE_OK && n > 0) {
                const double closeness = best / q->total;
                rc = push_match(&mb, doc, n, closeness > 1 ? 1 : closeness);
            }
        }
        for (uint32_t i = 0; i < st.count && rc == QUIRE_OK; i++)
            if (st.fc[i].c.doc == doc)
                rc = quire_postings_next(&st.fc[i].c);
    }
    if (rc == QUIRE_OK && mb.count > 0) {
        out->docs = arena_alloc(a, (size_t)mb.count * sizeof *out->docs);
        out->freqs = arena_alloc(a, (size_t)mb.count * sizeof *out->freqs);
        out->closeness = arena_alloc(a, (size_t)mb.count * sizeof *out->closeness);
        if (out->docs == NULL || out->freqs == NULL || out->closeness == NULL)
            rc = quire_oom();
        else {
            memcpy(out->docs, mb.docs, (size_t)mb.count * sizeof *mb.docs);
            memcpy(out->freqs, mb.freqs, (size_t)mb.count * sizeof *mb.freqs);
            memcpy(out->closeness, mb.closeness, (size_t)mb.count * sizeof *mb.closeness);
            out->count = mb.count;
        }
    }
    close_cursors(&st);
    doc_eval_free(&d);
    quire_free(mb.docs);
    quire_free(mb.freqs);
    quire_free(mb.closeness);
    if (rc != QUIRE_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* ---- one hit's renderings, aligned ---- */

/* The alignment of the window [start, end] (distinct position s starts it): the programme
 * again with every row kept, then traced back from its last cell. */
static int align_window(approx_rendering *r, arena *a, doc_eval *d, uint32_t s, uint32_t end)
{
    const approx_quote *q = d->q;
    const uint32_t m = q->word_count, start = d->ev[d->first[s]].pos, len = end - start + 1;
    const double c = q->insert_cost, eps = 1e-12 * q->total;
    double *rows = arena_alloc(a, ((size_t)len + 1) * (m + 1) * sizeof *rows);
    double *gain = arena_alloc(a, ((size_t)len + 1) * (m + 1) * sizeof *gain);
    approx_kind *kind = arena_alloc(a, ((size_t)len + 1) * (m + 1) * sizeof *kind);
    r->tokens = arena_alloc(a, (size_t)len * sizeof *r->tokens);
    r->word_matched = arena_alloc(a, (size_t)m * sizeof *r->word_matched);
    if (rows == NULL || gain == NULL || kind == NULL || r->tokens == NULL ||
        r->word_matched == NULL)
        return quire_oom();
#define AT(j, i) ((size_t)(j) * (m + 1) + (i))
    uint32_t k = d->first[s];
    for (uint32_t i = 0; i <= m; i++)
        rows[AT(0, i)] = 0;
    for (uint32_t j = 1; j <= len; j++) {
        const uint32_t pos = start + j - 1;
        for (uint32_t i = 0; i <= m; i++) {
            gain[AT(j, i)] = 0;
            kind[AT(j, i)] = APPROX_SUBSTITUTED;
        }
        for (; k < d->ev_count && d->ev[k].pos == pos; k++)
            if (d->ev[k].gain > gain[AT(j, d->ev[k].word + 1)]) {
                gain[AT(j, d->ev[k].word + 1)] = d->ev[k].gain;
                kind[AT(j, d->ev[k].word + 1)] = d->ev[k].kind;
            }
        rows[AT(j, 0)] = rows[AT(j - 1, 0)] - c;
        for (uint32_t i = 1; i <= m; i++) {
            double v = rows[AT(j, i - 1)];
            if (rows[AT(j - 1, i)] - c > v)
                v = rows[AT(j - 1, i)] - c;
            if (rows[AT(j - 1, i - 1)] + gain[AT(j, i)] > v)
                v = rows[AT(j - 1, i - 1)] + gain[AT(j, i)];
            rows[AT(j, i)] = v;
        }
    }
    r->start = start;
    r->end = end + 1;
    r->closeness = rows[AT(len, m)] / q->total;
    /* back from (len, m): a scoring pair first, then a missing word, then a substitution,
     * then an insertion */
    uint32_t j = len, i = m;
    while (j > 0) {
        const double v = rows[AT(j, i)];
        approx_aligned *t = &r->tokens[j - 1];
        t->pos = start + j - 1;
        if (i > 0 && gain[AT(j, i)] > 0 &&
            fabs(rows[AT(j - 1, i - 1)] + gain[AT(j, i)] - v) <= eps) {
            t->word = (int32_t)(i - 1);
            t->kind = kind[AT(j, i)];
            r->word_matched[i - 1] = true;
            i--;
            j--;
        } else if (i > 0 && fabs(rows[AT(j, i - 1)] - v) <= eps) {
            i--;
        } else if (i > 0 && fabs(rows[AT(j - 1, i - 1)] - v) <= eps) {
            t->word = (int32_t)(i - 1);
            t->kind = APPROX_SUBSTITUTED;
            r->word_matched[i - 1] = true;
            i--;
            j--;
        } else {
            t->word = -1;
            t->kind = APPROX_INSERTED;
            j--;
        }
    }
#undef AT
    return QUIRE_OK;
}

/* Show what stands for the quote words missing at a rendering's ends: take in, as
 * substituted, the token before it (after it) when quote words are missing before its
 * first (after its last) paired word - the score does not change: a substitution costs
 * nothing - within its field, the window length and the other renderings. */
static int widen(approx_rendering *r, arena *a, const doc_eval *d, uint32_t (*spans)[2], uint32_t n)
{
    const uint32_t m = d->q->word_count;
    int32_t first = -1, last = -1;
    for (uint32_t k = 0; k < r->end - r->start; k++)
        if (r->tokens[k].word >= 0) {
            if (first < 0)
                first = r->tokens[k].word;
            last = r->tokens[k].word;
        }
    if (first < 0)
        return QUIRE_OK;
    uint64_t lo = r->start < d->title_len ? 0 : (uint64_t)d->title_len + 1;
    uint64_t hi = r->start < d->title_len ? d->title_len : (uint64_t)d->doc_len + 1;
    for (uint32_t i = 0; i < n; i++) {
        if (spans[i][1] < r->start && spans[i][1] + 1 > lo)
            lo = spans[i][1] + 1;
        if (spans[i][0] >= r->end && spans[i][0] < hi)
            hi = spans[i][0];
    }
    const uint32_t len = r->end - r->start, room = d->q->max_window - len;
    /* one token at most: further ones would read as a rendering of words they are not */
    uint32_t before = first > 0 ? 1 : 0, after = (uint32_t)last + 1 < m ? 1 : 0;
    if (before > r->start - lo)
        before = (uint32_t)(r->start - lo);
    if (after > hi - r->end)
        after = (uint32_t)(hi - r->end);
    if (after > room)
        after = room;
    if (before > room - after)
        before = room - after;
    if (before + after == 0)
        return QUIRE_OK;
    approx_aligned *t = arena_alloc(a, ((size_t)len + before + after) * sizeof *t);
    if (t == NULL)
        return quire_oom();
    for (uint32_t k = 0; k < before; k++) {
        const uint32_t w = (uint32_t)first - before + k;
        t[k] = (approx_aligned){r->start - before + k, (int32_t)w, APPROX_SUBSTITUTED};
        r->word_matched[w] = true;
    }
    memcpy(t + before, r->tokens, (size_t)len * sizeof *t);
    for (uint32_t k = 0; k < after; k++) {
        const uint32_t w = (uint32_t)last + 1 + k;
        t[before + len + k] = (approx_aligned){r->end + k, (int32_t)w, APPROX_SUBSTITUTED};
        r->word_matched[w] = true;
    }
    r->tokens = t;
    r->start -= before;
    r->end += after;
    return QUIRE_OK;
}

int approx_doc_renderings(approx_rendering **out, uint32_t *count, arena *a, const quire_index *ix,
                          uint32_t seg_i, const query_node *node, uint32_t doc, uint32_t max_count)
{
    *out = NULL;
    *count = 0;
    const approx_quote *q = node->approx;
    const quire_segment *seg = quire_index_segment(ix, seg_i);
    seg_state st = {NULL, 0, NULL, NULL, NULL};
    doc_eval d;
    uint32_t(*spans)[2] = NULL;
    bool *essential = arena_alloc(a, (size_t)q->word_count * sizeof *essential);
    int rc = doc_eval_init(&d, q);
    if (rc == QUIRE_OK && essential == NULL)
        rc = quire_oom();
    if (rc == QUIRE_OK)
        rc = essential_words(essential, q);
    d.essential = essential;
    if (rc == QUIRE_OK)
        rc = open_cursors(&st, a, seg, q, NULL);
    if (rc == QUIRE_OK)
        rc = index_words(&st, a, q);
    double *present = arena_alloc(a, ((size_t)q->word_count + 1) * sizeof *present);
    if (rc == QUIRE_OK && present == NULL)
        rc = quire_oom();
    for (uint32_t i = 0; i < st.count && rc == QUIRE_OK; i++) {
        form_cursor *c = &st.fc[i];
        if (c->c.doc < doc)
            rc = quire_postings_advance(&c->c, doc);
        if (rc != QUIRE_OK || c->c.doc != doc)
            continue;
        for (uint32_t k = 0; k < c->f->pair_count; k++) {
            const uint32_t w = c->f->pairs[k].word;
            const double g = q->words[w].weight * kind_share(c->f->pairs[k].kind);
            if (g > present[w])
                present[w] = g;
        }
    }
    if (rc == QUIRE_OK) {
        d.title_len = quire_segment_title_len(seg, doc);
        d.doc_len = quire_segment_doc_len(seg, doc);
        rc = gather_events(&d, &st, node, doc, present);
    }
    if (rc == QUIRE_OK && max_count > 0 && d.np > 0) {
        const uint32_t room = max_count < d.np ? max_count : d.np;
        spans = quire_malloc((size_t)room * sizeof *spans);
        if (spans == NULL)
            rc = quire_oom();
        uint32_t n = 0;
        double first;
        if (rc == QUIRE_OK)
            rc = renderings(&d, room, spans, &first, &n);
        if (rc == QUIRE_OK && n > 0) {
            *out = arena_alloc(a, (size_t)n * sizeof **out);
            if (*out == NULL)
                rc = quire_oom();
        }
        for (uint32_t r = 0; r < n && rc == QUIRE_OK; r++) {
            uint32_t s = 0;
            while (d.ev[d.first[s]].pos != spans[r][0])
                s++;
            rc = align_window(&(*out)[r], a, &d, s, spans[r][1]);
            if (rc == QUIRE_OK)
                rc = widen(&(*out)[r], a, &d, spans, n);
            if (rc == QUIRE_OK)
                *count = r + 1;
        }
    }
    quire_free(spans);
    close_cursors(&st);
    doc_eval_free(&d);
    return rc;
}
