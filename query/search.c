/*
 * search.c - drives one query: parse -> plan -> match -> score -> top-k, then fetches the
 * hits' ids and titles. Owns the snapshot and the analyzer of a searcher; leaves the
 * language to parser.c, statistics and cursor trees to plan.c, the cursors to cursor.c,
 * BM25 to scorer.c and the heap to topk.c.
 */
#include "query.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "cursor.h"
#include "parser.h"
#include "passage.h"
#include "plan.h"
#include "prune.h"
#include "quire/analysis.h"
#include "quire/date.h"
#include "quire/ids.h"
#include "quire/index.h"
#include "topk.h"

struct searcher {
    quire_index *ix;
    bool borrowed;   /* ix is the caller's (search_open_index), not closed here */
    quire_ids **ids; /* per segment, opened by the first search_get_marked_doc; NULL: none */
    bool ids_opened;
    quire_analyzer *an;
    char *dir; /* for messages */
    bool fell_back;
    char *fallback_message; /* the index's message when it fell back */
    size_t error_offset;    /* of the last query's syntax error, SIZE_MAX if none */
};

size_t search_error_offset(const searcher *s)
{
    return s->error_offset;
}

void search_options_init(search_options *o)
{
    memset(o, 0, sizeof *o);
    o->query = "";
    o->top_k = SEARCH_DEFAULT_TOP;
    o->k1 = SCORER_DEFAULT_K1;
    o->b = SCORER_DEFAULT_B;
    o->passage_bytes = PASSAGE_DEFAULT_BYTES;
}

void search_result_free(search_result *r)
{
    if (r == NULL)
        return;
    for (uint32_t i = 0; i < r->hit_count; i++) {
        search_hit *h = &r->hits[i];
        quire_free(h->external_id);
        quire_free(h->title);
        for (uint32_t k = 0; k < h->passage_count; k++) {
            quire_free(h->passages[k].text);
            quire_free(h->passages[k].highlights);
        }
        quire_free(h->passages);
        quire_free(h->title_highlights);
    }
    quire_free(r->hits);
    memset(r, 0, sizeof *r);
}

void search_close(searcher *s)
{
    if (s == NULL)
        return;
    quire_analyzer_free(s->an);
    if (s->ids != NULL)
        for (uint32_t i = 0; i < quire_index_segment_count(s->ix); i++)
            quire_ids_close(s->ids[i]);
    quire_free(s->ids);
    if (!s->borrowed)
        quire_index_close(s->ix);
    quire_free(s->dir);
    quire_free(s->fallback_message);
    quire_free(s);
}

bool search_fell_back(const searcher *s, const char **message)
{
    if (message != NULL)
        *message = s->fallback_message;
    return s->fell_back;
}

/* Build the analyzer the manifest describes, then check it is the one that made the
 * index: same language and options but other tokenizer rules would silently miss. */
static int make_analyzer(searcher *s, const char *dir)
{
    const quire_manifest *m = quire_index_manifest(s->ix);
    const quire_analyzer_opts opts = {m->language, m->keep_diacritics, 0};
    int rc = quire_analyzer_new(&s->an, &opts);
    if (rc != QUIRE_OK)
        return rc;
    const char *want = m->analyzer_id != NULL ? m->analyzer_id : "";
    const char *have = quire_analyzer_id(s->an);
    if (strcmp(want, have) != 0)
        return quire_error(QUIRE_EMISMATCH,
                           "%s: index was built with analyzer \"%s\" but this build analyses "
                           "queries as \"%s\"; rebuild the index",
                           dir, want, have);
    return QUIRE_OK;
}

int search_open(searcher **out, const char *dir)
{
    int rc;
    *out = NULL;
    searcher *s = quire_calloc(1, sizeof *s);
    if (s == NULL)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    s->dir = quire_strndup(dir, strlen(dir));
    if (s->dir == NULL) {
        rc = quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
        goto done;
    }

    rc = quire_index_open(&s->ix, dir, &s->fell_back);
    if (rc == QUIRE_ENOTFOUND) {
        rc = quire_error(QUIRE_ENOTFOUND, "%s: not an index (no manifest)", dir);
        goto done;
    }
    if (rc != QUIRE_OK)
        goto done;
    if (s->fell_back) {
        const char *msg = quire_errmsg();
        s->fallback_message = quire_strndup(msg, strlen(msg));
        if (s->fallback_message == NULL) {
            rc = quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
            goto done;
        }
    }
    rc = make_analyzer(s, dir);
    if (rc != QUIRE_OK)
        goto done;
    *out = s;
    s = NULL;
done:
    search_close(s);
    return rc;
}

int search_open_index(searcher **out, quire_index *ix, const char *dir)
{
    *out = NULL;
    searcher *s = quire_calloc(1, sizeof *s);
    if (s == NULL)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    s->ix = ix;
    s->borrowed = true;
    s->dir = quire_strndup(dir, strlen(dir));
    int rc = s->dir != NULL ? make_analyzer(s, dir)
                            : quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    if (rc == QUIRE_OK) {
        *out = s;
        s = NULL;
    }
    search_close(s);
    return rc;
}

uint64_t search_generation(const searcher *s)
{
    return quire_index_manifest(s->ix)->generation;
}

/* Whether the query's deadline has passed; QUIRE_ELIMIT with a message if so. */
static int check_deadline(const search_options *o)
{
    if (o->deadline_ns == 0)
        return QUIRE_OK;
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    const uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (now < o->deadline_ns)
        return QUIRE_OK;
    return quire_error(QUIRE_ELIMIT, "the query ran past its time limit");
}

/* Evaluate `root` over segment `seg`, exhaustively: every match is counted and offered
 * to the heap (prune.c skips what cannot enter, for the shapes it handles). */
static int match_segment(const plan *p, cursor *root, uint32_t seg, topk *top,
                         uint64_t *match_count, const search_options *o)
{
    const quire_segment *segment = quire_index_segment(p->ix, seg);
    const uint32_t doc_count = quire_segment_get_stats(segment)->doc_count;
    const uint64_t base = quire_index_doc_base(p->ix, seg);
    while (root->doc != QUIRE_DOC_END) {
        const uint32_t doc = root->doc;
        if (doc >= doc_count)
            return quire_corrupt("segment %llu: posting for doc %u of %u",
                                 (unsigned long long)quire_segment_id(segment), (unsigned)doc,
                                 (unsigned)doc_count);
        if (!quire_index_is_deleted(p->ix, seg, doc)) {
            const double norm = scorer_norm(&p->scorer, quire_segment_doc_len(segment, doc));
            topk_push(top, cursor_score(root, norm), base + doc);
            /* Every 4096 matches, a look at the clock (~20 ns): the cost is noise. */
            if ((++*match_count & 4095) == 0 && check_deadline(o) != QUIRE_OK)
                return QUIRE_ELIMIT;
        }
        const int rc = cursor_next(root);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* The segment holding global doc `doc_id`: the last one whose base is <= it. */
static uint32_t locate_segment(const quire_index *ix, uint64_t doc_id)
{
    uint32_t lo = 0, hi = quire_index_segment_count(ix);
    while (hi - lo > 1) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (quire_index_doc_base(ix, mid) <= doc_id)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int fill_hit(search_hit *hit, const quire_index *ix, const topk_entry *e)
{
    hit->doc_id = e->doc_id;
    hit->score = e->score;
    hit->segment = locate_segment(ix, e->doc_id);
    hit->local_doc = (uint32_t)(e->doc_id - quire_index_doc_base(ix, hit->segment));
    quire_doc_info info;
    const int rc =
        quire_segment_doc_info(quire_index_segment(ix, hit->segment), hit->local_doc, &info);
    if (rc != QUIRE_OK)
        return rc;
    hit->external_id = quire_strndup((const char *)info.external_id.ptr, info.external_id.len);
    hit->external_id_len = info.external_id.len;
    hit->title = quire_strndup((const char *)info.title.ptr, info.title.len);
    hit->title_len = info.title.len;
    hit->date = info.date;
    if (hit->external_id == NULL || hit->title == NULL)
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
    return QUIRE_OK;
}

/* What passages highlight: the clauses of the query that can match (TERM and PHRASE
 * leaves not under a NOT), each with its BM25 weight. A TERM is matched as a one-word
 * stemmed phrase (any form of its stem), which is what its postings hold. */
typedef struct hl_clauses {
    query_node *nodes; /* PHRASE nodes to match per document */
    double *weights;
    uint32_t count;
    uint32_t cap;
} hl_clauses;

static int collect_clauses(hl_clauses *c, arena *a, const plan *p, const query_node *n)
{
    switch (n->kind) {
    case QUERY_NOT:
    case QUERY_DATE:
        return QUIRE_OK;
    case QUERY_AND:
    case QUERY_OR:
    case QUERY_OPT:
        for (uint32_t i = 0; i < n->child_count; i++) {
            const int rc = collect_clauses(c, a, p, n->children[i]);
            if (rc != QUIRE_OK)
                return rc;
        }
        return QUIRE_OK;
    case QUERY_TERM:
    case QUERY_PHRASE:
        break;
    }
    if (c->count == c->cap) {
        const uint32_t cap = c->cap ? c->cap * 2 : 8;
        query_node *nodes = arena_alloc(a, (size_t)cap * sizeof *nodes);
        double *weights = arena_alloc(a, (size_t)cap * sizeof *weights);
        if (nodes == NULL || weights == NULL)
            return quire_error(QUIRE_ENOMEM, "query: out of memory");
        if (c->count > 0) {
            memcpy(nodes, c->nodes, (size_t)c->count * sizeof *nodes);
            memcpy(weights, c->weights, (size_t)c->count * sizeof *weights);
        }
        c->nodes = nodes;
        c->weights = weights;
        c->cap = cap;
    }
    query_node *x = &c->nodes[c->count];
    double w;
    if (n->kind == QUERY_TERM) {
        for (uint32_t i = 0; i < c->count; i++) /* a term given twice is one clause */
            if (c->nodes[i].term == n->term && c->nodes[i].offset == SIZE_MAX)
                return QUIRE_OK;
        query_word *word = arena_alloc(a, sizeof *word);
        if (word == NULL)
            return quire_error(QUIRE_ENOMEM, "query: out of memory");
        word->text = n->stem;
        word->len = n->stem_len;
        memset(x, 0, sizeof *x);
        x->kind = QUERY_PHRASE;
        x->offset = SIZE_MAX; /* marks a term */
        x->term = n->term;
        x->words = word;
        x->word_count = 1;
        x->is_stemmed = true;
        x->field = QUERY_FIELD_ANY;
        w = p->terms[n->term].weight;
    } else {
        *x = *n;
        w = p->phrases[n->phrase].weight;
    }
    /* idf can be ~0 for a word in every document; keep it visible, just least. */
    c->weights[c->count++] = w > 1e-6 ? w : 1e-6;
    return QUIRE_OK;
}

static int copy_highlights(search_highlight **out, const passage_highlight *h, uint32_t n)
{
    *out = NULL;
    if (n == 0)
        return QUIRE_OK;
    *out = quire_malloc((size_t)n * sizeof **out);
    if (*out == NULL)
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
    for (uint32_t i = 0; i < n; i++) {
        (*out)[i].start = h[i].start;
        (*out)[i].end = h[i].end;
    }
    return QUIRE_OK;
}

/* Fill hit->passages and hit->title_highlights from the clauses' matches in the hit;
 * matchers[i] is clause i's, open on the hit's segment and not yet past its doc. */
static int hit_passages(search_hit *hit, phrase_doc_matcher **matchers, searcher *s,
                        const hl_clauses *c, const search_options *o, quire_buf *text)
{
    const quire_segment *seg = quire_index_segment(s->ix, hit->segment);
    const uint32_t doc = hit->local_doc;
    passage_match *m = NULL;
    uint32_t nm = 0, cap = 0;
    passage *ps = NULL;
    uint32_t np = 0;
    passage_highlight *th = NULL;
    uint32_t nth = 0;
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < c->count && rc == QUIRE_OK; i++) {
        phrase_span *spans;
        uint32_t ns;
        rc = phrase_matcher_spans(matchers[i], doc, &spans, &ns);
        if (rc == QUIRE_OK && nm + (uint64_t)ns > cap) {
            const uint64_t want = (uint64_t)nm + ns + cap;
            passage_match *g =
                want > UINT32_MAX / 2 ? NULL : quire_realloc(m, (size_t)want * sizeof *g);
            if (g == NULL)
                rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
            else {
                m = g;
                cap = (uint32_t)want;
            }
        }
        for (uint32_t k = 0; k < ns && rc == QUIRE_OK; k++)
            m[nm++] = (passage_match){spans[k].start, spans[k].start + spans[k].len, i};
        quire_free(spans);
    }
    text->len = 0;
    if (rc == QUIRE_OK)
        rc = quire_segment_doc_text(seg, doc, text);
    if (rc == QUIRE_OK && text->err)
        rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
    if (rc != QUIRE_OK)
        goto done;
    const passage_input in = {(const char *)text->data,
                              text->len,
                              hit->title,
                              hit->title_len,
                              quire_segment_title_len(seg, doc),
                              m,
                              nm,
                              c->weights,
                              c->count};
    rc = passage_build(&ps, &np, &th, &nth, s->an, &in, o->passages, o->passage_bytes);
    if (rc != QUIRE_OK)
        goto done;
    rc = copy_highlights(&hit->title_highlights, th, nth);
    if (rc != QUIRE_OK)
        goto done;
    hit->title_highlight_count = nth;
    if (np > 0) {
        hit->passages = quire_calloc(np, sizeof *hit->passages);
        if (hit->passages == NULL) {
            rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
            goto done;
        }
    }
    for (uint32_t i = 0; i < np; i++) {
        search_passage *sp = &hit->passages[i];
        hit->passage_count = i + 1;
        sp->start = ps[i].start;
        sp->end = ps[i].end;
        sp->cut_before = ps[i].cut_before;
        sp->cut_after = ps[i].cut_after;
        sp->text = quire_strndup((const char *)text->data + sp->start, sp->end - sp->start);
        if (sp->text == NULL) {
            rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
            goto done;
        }
        rc = copy_highlights(&sp->highlights, ps[i].highlights, ps[i].highlight_count);
        if (rc != QUIRE_OK)
            goto done;
        sp->highlight_count = ps[i].highlight_count;
    }
done:
    quire_free(m);
    quire_free(th);
    passage_free(ps, np);
    return rc;
}

typedef struct hit_ref {
    uint64_t doc_id;
    uint32_t hit;
} hit_ref;

static int cmp_by_doc(const void *pa, const void *pb)
{
    const hit_ref *a = pa, *b = pb;
    return (a->doc_id > b->doc_id) - (a->doc_id < b->doc_id);
}

/* Passages of every hit, a segment at a time in doc order, so that each clause's cursors
 * are opened once per segment. */
static int all_passages(search_result *r, arena *a, searcher *s, const plan *p,
                        const query_node *root, const search_options *o)
{
    hl_clauses c = {NULL, NULL, 0, 0};
    int rc = collect_clauses(&c, a, p, root);
    if (rc != QUIRE_OK)
        return rc;
    hit_ref *order = arena_alloc(a, (size_t)r->hit_count * sizeof *order);
    phrase_doc_matcher **m = arena_alloc(a, ((size_t)c.count + 1) * sizeof *m);
    if (order == NULL || m == NULL)
        return quire_error(QUIRE_ENOMEM, "query: out of memory");
    for (uint32_t i = 0; i < r->hit_count; i++)
        order[i] = (hit_ref){r->hits[i].doc_id, i};
    qsort(order, r->hit_count, sizeof *order, cmp_by_doc);
    quire_buf text = QUIRE_BUF_INIT;
    for (uint32_t i = 0; i < r->hit_count && rc == QUIRE_OK;) {
        const uint32_t seg = r->hits[order[i].hit].segment;
        uint32_t opened = 0;
        for (; opened < c.count && rc == QUIRE_OK; opened++)
            rc = phrase_matcher_open(&m[opened], a, quire_index_segment(s->ix, seg),
                                     &c.nodes[opened]);
        for (; i < r->hit_count && r->hits[order[i].hit].segment == seg && rc == QUIRE_OK; i++)
            if ((rc = check_deadline(o)) == QUIRE_OK)
                rc = hit_passages(&r->hits[order[i].hit], m, s, &c, o, &text);
        for (uint32_t k = 0; k < opened; k++)
            phrase_matcher_close(m[k]);
        if (rc != QUIRE_OK)
            break;
    }
    quire_buf_free(&text);
    return rc;
}

int search_query(search_result *out, searcher *s, const search_options *o)
{
    memset(out, 0, sizeof *out);
    s->error_offset = SIZE_MAX;
    if (!(o->k1 >= 0.0) || !isfinite(o->k1))
        return quire_error(QUIRE_EINVAL, "k1 must be a finite number >= 0");
    if (!(o->b >= 0.0 && o->b <= 1.0))
        return quire_error(QUIRE_EINVAL, "b must be between 0 and 1");
    if (o->passages > PASSAGE_MAX_COUNT)
        return quire_error(QUIRE_EINVAL, "at most %d passages per hit", PASSAGE_MAX_COUNT);
    if (o->passages > 0 && o->passage_bytes < 16)
        return quire_error(QUIRE_EINVAL, "a passage must be at least 16 bytes long");

    arena a = ARENA_INIT;
    topk top = {NULL, 0, 0};
    search_result r = SEARCH_RESULT_INIT;
    query_ast ast;
    plan p;
    const parser_options po = {o->match_any, o->lenient};
    int rc = parser_parse(&ast, &a, s->an, o->query, o->query_len, &po);
    if (rc != QUIRE_OK) {
        s->error_offset = ast.error_offset;
        goto done;
    }
    const query_node *root = ast.root;
    r.term_count = ast.term_count;
    rc = plan_build(&p, &a, s->ix, &ast, o->k1, o->b);
    if (rc != QUIRE_OK)
        goto done;
    if (root->kind == QUERY_PHRASE) {
        r.has_occurrences = true;
        r.occurrence_count = p.phrases[root->phrase].occurrences;
    }
    /* No more hits than live documents: a huge -k costs no memory. */
    const uint64_t live = quire_index_doc_count(s->ix);
    rc = topk_init(&top, live < o->top_k ? (uint32_t)live : o->top_k);
    if (rc != QUIRE_OK)
        goto done;

    for (uint32_t seg = 0; seg < p.segment_count; seg++) {
        cursor *c = NULL;
        rc = check_deadline(o);
        if (rc == QUIRE_OK)
            rc = plan_cursor(&c, &a, &p, root, seg);
        if (rc == QUIRE_OK && c != NULL) {
            if (!o->exhaustive && top.cap > 0 && prune_applies(c))
                rc = prune_segment(&p, c, seg, &top, &r.match_count, &r.match_count_exact);
            else
                rc = match_segment(&p, c, seg, &top, &r.match_count, o);
        }
        cursor_close(c);
        if (rc != QUIRE_OK)
            goto done;
    }

    topk_sort(&top);
    if (top.count > 0) {
        r.hits = quire_calloc(top.count, sizeof *r.hits);
        if (r.hits == NULL) {
            rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
            goto done;
        }
    }
    for (uint32_t i = 0; i < top.count; i++) {
        r.hit_count = i + 1; /* so search_result_free() frees a half-filled hit */
        rc = fill_hit(&r.hits[i], s->ix, &top.heap[i]);
        if (rc != QUIRE_OK)
            goto done;
    }
    if (o->passages > 0 && top.count > 0) {
        rc = all_passages(&r, &a, s, &p, root, o);
        if (rc != QUIRE_OK)
            goto done;
    }
    *out = r;
    memset(&r, 0, sizeof r);
done:
    search_result_free(&r);
    topk_free(&top);
    arena_free(&a);
    return rc;
}

void search_marked_doc_free(search_marked_doc *d)
{
    if (d == NULL)
        return;
    quire_free(d->external_id);
    quire_free(d->title);
    quire_free(d->text);
    quire_free(d->highlights);
    quire_free(d->title_highlights);
    memset(d, 0, sizeof *d);
}

/* Open each segment's id index, once per searcher; a segment without one (format version
 * 1) keeps NULL and is scanned. */
static int open_ids(searcher *s)
{
    if (s->ids_opened)
        return QUIRE_OK;
    const uint32_t n = quire_index_segment_count(s->ix);
    s->ids = quire_calloc((size_t)n + 1, sizeof *s->ids);
    if (s->ids == NULL)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", s->dir);
    for (uint32_t i = 0; i < n; i++) {
        const quire_segment *seg = quire_index_segment(s->ix, i);
        const int rc = quire_ids_open(&s->ids[i], s->dir, quire_segment_id(seg),
                                      quire_segment_get_stats(seg)->doc_count);
        if (rc != QUIRE_OK && rc != QUIRE_ENOTFOUND)
            return rc; /* s->ids stays, closed by search_close() */
    }
    s->ids_opened = true;
    return QUIRE_OK;
}

typedef struct id_probe {
    const quire_index *ix;
    uint32_t seg;
    const char *id;
    size_t len;
    uint32_t found; /* highest live doc of seg with that id, UINT32_MAX if none */
    int rc;
} id_probe;

static void probe_doc(void *ctx, uint32_t doc)
{
    id_probe *p = ctx;
    if (p->rc != QUIRE_OK || quire_index_is_deleted(p->ix, p->seg, doc))
        return;
    quire_doc_info info;
    p->rc = quire_segment_doc_info(quire_index_segment(p->ix, p->seg), doc, &info);
    if (p->rc == QUIRE_OK && info.external_id.len == p->len &&
        memcmp(info.external_id.ptr, p->id, p->len) == 0 &&
        (p->found == UINT32_MAX || doc > p->found))
        p->found = doc;
}

/* The live document with external id `id`: the newest segment's first (documents replace
 * older ones, so a snapshot holds one live copy; the newest wins should it hold more). */
static int find_id(searcher *s, const char *id, size_t len, uint32_t *seg_out, uint32_t *doc_out)
{
    int rc = open_ids(s);
    if (rc != QUIRE_OK)
        return rc;
    const uint64_t hash = quire_id_hash(id, len);
    for (uint32_t seg = quire_index_segment_count(s->ix); seg-- > 0;) {
        id_probe p = {s->ix, seg, id, len, UINT32_MAX, QUIRE_OK};
        if (s->ids[seg] != NULL) {
            rc = quire_ids_find(s->ids[seg], hash, probe_doc, &p);
        } else {
            const uint32_t n = quire_segment_get_stats(quire_index_segment(s->ix, seg))->doc_count;
            for (uint32_t doc = 0; doc < n && p.rc == QUIRE_OK; doc++)
                probe_doc(&p, doc);
        }
        if (rc == QUIRE_OK)
            rc = p.rc;
        if (rc != QUIRE_OK)
            return rc;
        if (p.found != UINT32_MAX) {
            *seg_out = seg;
            *doc_out = p.found;
            return QUIRE_OK;
        }
    }
    return QUIRE_ENOTFOUND;
}

int search_get_marked_doc(search_marked_doc *out, searcher *s, const char *id, size_t id_len,
                          const search_options *o)
{
    memset(out, 0, sizeof *out);
    s->error_offset = SIZE_MAX;
    uint32_t seg = 0, doc = 0;
    int rc = find_id(s, id, id_len, &seg, &doc);
    if (rc == QUIRE_ENOTFOUND)
        return quire_error(QUIRE_ENOTFOUND, "no document with that id");
    if (rc != QUIRE_OK)
        return rc;

    arena a = ARENA_INIT;
    quire_buf text = QUIRE_BUF_INIT;
    search_result r = SEARCH_RESULT_INIT;
    r.hits = quire_calloc(1, sizeof *r.hits);
    if (r.hits == NULL) {
        rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
        goto done;
    }
    r.hit_count = 1;
    const topk_entry e = {0.0, quire_index_doc_base(s->ix, seg) + doc};
    rc = fill_hit(&r.hits[0], s->ix, &e);
    if (rc == QUIRE_OK)
        rc = quire_segment_doc_text(quire_index_segment(s->ix, seg), doc, &text);
    if (rc == QUIRE_OK && text.err)
        rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
    if (rc != QUIRE_OK)
        goto done;
    if (o != NULL && o->query_len > 0) {
        /* One passage of at least the whole text is the whole text (passage.h: a window
         * grows by whole sentences while it fits), so its highlights are every match. */
        search_options whole = *o;
        whole.passages = 1;
        whole.passage_bytes = text.len + 16;
        query_ast ast;
        plan p;
        const parser_options po = {o->match_any, o->lenient};
        rc = parser_parse(&ast, &a, s->an, o->query, o->query_len, &po);
        if (rc != QUIRE_OK) {
            s->error_offset = ast.error_offset;
            goto done;
        }
        rc = plan_build(&p, &a, s->ix, &ast, o->k1, o->b);
        if (rc == QUIRE_OK)
            rc = all_passages(&r, &a, s, &p, ast.root, &whole);
        if (rc != QUIRE_OK)
            goto done;
    }
    search_hit *h = &r.hits[0];
    out->text = quire_strndup(text.len > 0 ? (const char *)text.data : "", text.len);
    if (out->text == NULL) {
        rc = quire_error(QUIRE_ENOMEM, "query: out of memory");
        goto done;
    }
    out->text_len = text.len;
    out->doc_id = h->doc_id;
    out->date = h->date;
    out->external_id = h->external_id;
    out->external_id_len = h->external_id_len;
    out->title = h->title;
    out->title_len = h->title_len;
    out->title_highlights = h->title_highlights;
    out->title_highlight_count = h->title_highlight_count;
    h->external_id = h->title = NULL;
    h->title_highlights = NULL;
    if (h->passage_count > 0) {
        out->highlights = h->passages[0].highlights;
        out->highlight_count = h->passages[0].highlight_count;
        h->passages[0].highlights = NULL;
    }
done:
    search_result_free(&r);
    quire_buf_free(&text);
    arena_free(&a);
    if (rc != QUIRE_OK)
        search_marked_doc_free(out);
    return rc;
}

int search_run(search_result *out, const char *dir, const search_options *o)
{
    searcher *s = NULL;
    memset(out, 0, sizeof *out);
    int rc = search_open(&s, dir);
    if (rc == QUIRE_OK)
        rc = search_query(out, s, o);
    search_close(s);
    return rc;
}
