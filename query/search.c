/*
 * search.c - drives one query: parse -> plan -> match -> score -> top-k, then fetches the
 * hits' ids and titles. Owns the snapshot and the analyzer of a searcher; leaves the
 * language to parser.c, statistics and cursor trees to plan.c, the cursors to cursor.c,
 * BM25 to scorer.c and the heap to topk.c.
 */
#include "query.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approx.h"
#include "arena.h"
#include "cursor.h"
#include "explain.h"
#include "fuzzy.h"
#include "feedback.h"
#include "parser.h"
#include "passage.h"
#include "plan.h"
#include "prune.h"
#include "quire/analysis.h"
#include "quire/date.h"
#include "quire/ids.h"
#include "quire/index.h"
#include "rerank.h"
#include "search_job.h"
#include "shards.h"
#include "topk.h"

struct searcher {
    quire_index *ix; /* NULL for a shard set */
    bool borrowed;   /* ix is the caller's (search_open_index), not closed here */
    shard_set *shards;
    quire_ids **ids; /* per segment, opened by the first search_get_marked_doc; NULL: none */
    bool ids_opened;
    quire_analyzer *an;
    char *dir; /* for messages */
    bool fell_back;
    char *fallback_message; /* the index's message when it fell back */
    size_t error_offset;    /* of the last query's syntax error, SIZE_MAX if none */
    double avg_title_len;   /* title tokens per live document; < 0 until counted */
    bool titles_counted;    /* title_tokens is known */
    uint64_t title_tokens;  /* of the live documents */
};

size_t search_error_offset(const searcher *s)
{
    return s->error_offset;
}

const quire_index *search_index(const searcher *s)
{
    return s->ix;
}

const char *search_dir(const searcher *s)
{
    return s->dir;
}

search_source search_source_of(const quire_doc_info *info)
{
    search_source src = {info->src_line, info->src_column,
                         info->src_offset_plus1 ? info->src_offset_plus1 - 1 : UINT64_MAX};
    if (src.line == 0)
        src.column = 0;
    if (src.column == 0) /* not a plain file: no place inside the record */
        src.offset = UINT64_MAX;
    return src;
}

/* Source positions of ascending byte offsets of one text, each found from the last. */
typedef struct source_walk {
    search_source start; /* of the text's first byte */
    const char *text;
    size_t at;         /* bytes walked */
    uint64_t line;     /* of `at` */
    size_t line_start; /* byte where that line starts (0: the text's first line) */
    uint32_t chars;    /* characters from line_start to at */
} source_walk;

static void walk_begin(source_walk *w, const search_source *start, const char *text)
{
    *w = (source_walk){*start, text, 0, start->line, 0, 0};
}

static search_source walk_to(source_walk *w, size_t at)
{
    search_source src = w->start;
    if (src.column == 0) /* a record's line, or nothing known */
        return src;
    if (at < w->at) /* not ascending: from the start again */
        walk_begin(w, &w->start, w->text);
    /* line feeds by memchr; characters counted as the bytes that start one (the stored
     * text is valid UTF-8), only on the last line */
    const char *p = w->text + w->at, *end = w->text + at, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        w->line++;
        w->line_start = (size_t)(nl + 1 - w->text);
        w->chars = 0;
        p = nl + 1;
    }
    for (; p < end; p++)
        w->chars += ((unsigned char)*p & 0xC0) != 0x80;
    w->at = at;
    src.line = w->line;
    src.column = (w->line_start == 0 ? w->start.column : 1) + w->chars;
    if (src.offset != UINT64_MAX)
        src.offset += at;
    return src;
}

search_source search_source_at(const search_source *start, const char *text, size_t at)
{
    source_walk w;
    walk_begin(&w, start, text);
    return walk_to(&w, at);
}

void search_options_init(search_options *o)
{
    memset(o, 0, sizeof *o);
    o->query = "";
    o->top_k = SEARCH_DEFAULT_TOP;
    o->k1 = SCORER_DEFAULT_K1;
    o->b = SCORER_DEFAULT_B;
    o->passage_bytes = PASSAGE_DEFAULT_BYTES;
    o->closeness = APPROX_DEFAULT_CLOSENESS;
    o->title_weight = 1.0;
    o->rm3_docs = FEEDBACK_DEFAULT_DOCS;
    o->rm3_terms = FEEDBACK_DEFAULT_TERMS;
    o->rm3_weight = FEEDBACK_DEFAULT_WEIGHT;
}

void search_result_free(search_result *r)
{
    if (r == NULL)
        return;
    for (uint32_t i = 0; i < r->hit_count; i++) {
        search_hit *h = &r->hits[i];
        quire_free(h->external_id);
        quire_free(h->title);
        quire_free(h->origin);
        for (uint32_t k = 0; k < h->passage_count; k++) {
            quire_free(h->passages[k].text);
            quire_free(h->passages[k].highlights);
        }
        quire_free(h->passages);
        quire_free(h->title_highlights);
        for (uint32_t k = 0; k < h->rendering_count; k++) {
            quire_free(h->renderings[k].tokens);
            quire_free(h->renderings[k].missing);
        }
        quire_free(h->renderings);
        quire_free(h->clause_scores);
        quire_free(h->clause_tfs);
    }
    quire_free(r->hits);
    quire_free(r->hint);
    for (uint32_t i = 0; i < r->quote_count; i++) {
        for (uint32_t k = 0; k < r->quotes[i].word_count; k++)
            quire_free(r->quotes[i].words[k]);
        quire_free(r->quotes[i].words);
    }
    quire_free(r->quotes);
    for (uint32_t i = 0; i < r->note_count; i++) {
        quire_free(r->notes[i].word);
        for (uint32_t k = 0; k < r->notes[i].variant_count; k++)
            quire_free(r->notes[i].variants[k].form);
        quire_free(r->notes[i].variants);
    }
    quire_free(r->notes);
    for (uint32_t i = 0; i < r->fuzzy_count; i++)
        quire_free(r->fuzzy[i].word);
    quire_free(r->fuzzy);
    explain_free(r->explain);
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
    shard_set_close(s->shards);
    quire_free(s->dir);
    quire_free(s->fallback_message);
    quire_free(s);
}

int search_open_shards(searcher **out, const char *dir, const quire_comm *comm)
{
    *out = NULL;
    searcher *s = quire_calloc(1, sizeof *s);
    if (s == NULL)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    s->error_offset = SIZE_MAX;
    const int rc = shard_set_open(&s->shards, dir, comm);
    if (rc != QUIRE_OK) {
        quire_free(s);
        return rc;
    }
    const char *why = NULL;
    s->fell_back = shard_set_fell_back(s->shards, &why);
    s->fallback_message = s->fell_back && why ? quire_strndup(why, strlen(why)) : NULL;
    *out = s;
    return QUIRE_OK;
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
    s->avg_title_len = -1.0;
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
 * to the heap (prune.c skips what cannot enter, for the shapes it handles), with its date
 * when the heap orders by date. */
static int match_segment(const plan *p, cursor *root, uint32_t seg, topk *top,
                         uint64_t *match_count, uint64_t *occurrences,
                         const search_options *o)
{
    const int32_t *dates = top->by_date != 0 && p->dates != NULL ? p->dates[seg] : NULL;
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
            if (dates != NULL)
                topk_push_dated(top, cursor_score(root, norm), base + doc, dates[doc]);
            else
                topk_push(top, cursor_score(root, norm), base + doc);
            if (root->kind == CURSOR_PHRASE)
                *occurrences += root->freq;
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
    hit->origin = quire_strndup((const char *)info.origin.ptr, info.origin.len);
    hit->origin_len = info.origin.len;
    hit->source = search_source_of(&info);
    if (hit->external_id == NULL || hit->title == NULL || hit->origin == NULL)
        return quire_oom();
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
            return quire_oom();
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
            return quire_oom();
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

/* Copy highlights; with `walk` (a passage's), each with where it lies in the file. */
static int copy_highlights(search_highlight **out, const passage_highlight *h, uint32_t n,
                           source_walk *walk)
{
    *out = NULL;
    if (n == 0)
        return QUIRE_OK;
    *out = quire_malloc((size_t)n * sizeof **out);
    if (*out == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < n; i++) {
        (*out)[i].start = h[i].start;
        (*out)[i].end = h[i].end;
        (*out)[i].source = walk ? walk_to(walk, h[i].start) : (search_source){0, 0, UINT64_MAX};
    }
    return QUIRE_OK;
}

/* The hit's text for passage_build(), in *text and in->text: with a text map and not
 * `whole`, only the bytes of the regions passage_regions() names, each at its offset in a buffer of the
 * text's length (so only the stored-text blocks under them are inflated); without one,
 * the whole text. Sets in->text_len, text_tokens, regions (into `regions`, room for
 * PASSAGE_MAX_COUNT) and region_count. */
static int hit_text(quire_buf *text, passage_input *in, passage_region *regions,
                    const quire_segment *seg, uint32_t doc, const search_options *o, bool whole)
{
    quire_doc_info info;
    int rc = quire_segment_doc_info(seg, doc, &info);
    if (rc != QUIRE_OK)
        return rc;
    in->text_len = info.text_len;
    in->text_tokens = info.doc_len - info.title_len;
    const uint32_t cap = quire_text_map_count(in->text_tokens);
    uint64_t *map = quire_malloc(((size_t)cap + 1) * sizeof *map);
    if (map == NULL)
        return quire_oom();
    uint32_t n = 0;
    rc = quire_text_map_decode(&info, map, cap, &n);
    if (rc != QUIRE_OK) {
        rc = quire_corrupt("segment %llu, document %u: %s",
                           (unsigned long long)quire_segment_id(seg), doc, quire_errmsg());
        goto done;
    }
    text->len = 0;
    if (n == 0 || whole) { /* no map (or all of it wanted): the whole text */
        rc = quire_segment_doc_text(seg, doc, text);
    } else {
        uint32_t nr = 0;
        rc = passage_regions(regions, &nr, in, map, n, o->passages, o->passage_bytes);
        if (rc == QUIRE_OK && !quire_buf_reserve(text, (size_t)info.text_len + 1))
            rc = quire_oom();
        quire_buf part = QUIRE_BUF_INIT;
        for (uint32_t i = 0; i < nr && rc == QUIRE_OK; i++) {
            part.len = 0;
            rc = quire_segment_doc_text_range(seg, doc, regions[i].start, regions[i].end, &part);
            if (rc == QUIRE_OK && part.len > 0)
                memcpy(text->data + regions[i].start, part.data, part.len);
        }
        quire_buf_free(&part);
        text->len = (size_t)info.text_len;
        in->regions = regions;
        in->region_count = nr;
    }
    if (rc == QUIRE_OK && text->err)
        rc = quire_oom();
    in->text = (const char *)text->data;
done:
    quire_free(map);
    return rc;
}

/* Fill hit->passages and hit->title_highlights from the clauses' matches in the hit;
 * matchers[i] is clause i's, open on the hit's segment and not yet past its doc. */
/* Up to this many renderings of an approximate quote are shown per hit. */
#define SEARCH_MAX_RENDERINGS 8

/* The renderings of approximate quote `node` (clause of quote index `quote`) in the hit, as
 * spans, and appended to hit->renderings with positions where bytes go (locate_renderings
 * turns them into bytes once the text is read). */
static int approx_spans(search_hit *hit, arena *a, searcher *s, const query_node *node,
                        uint32_t quote, phrase_span **spans, uint32_t *ns)
{
    *spans = NULL;
    *ns = 0;
    approx_rendering *rs;
    uint32_t n;
    int rc = approx_doc_renderings(&rs, &n, a, s->ix, hit->segment, node, hit->local_doc,
                                   SEARCH_MAX_RENDERINGS);
    if (rc != QUIRE_OK || n == 0)
        return rc;
    *spans = quire_malloc((size_t)n * sizeof **spans);
    search_rendering *g =
        quire_realloc(hit->renderings, ((size_t)hit->rendering_count + n) * sizeof *g);
    if (g != NULL)
        hit->renderings = g;
    if (*spans == NULL || g == NULL)
        return quire_oom();
    const uint32_t m = node->approx->word_count;
    for (uint32_t i = 0; i < n; i++) {
        const approx_rendering *r = &rs[i];
        (*spans)[i] = (phrase_span){r->start, r->end - r->start};
        (*ns)++;
        search_rendering *sr = &hit->renderings[hit->rendering_count++];
        memset(sr, 0, sizeof *sr);
        sr->quote = quote;
        sr->closeness = r->closeness;
        sr->start = r->start;
        sr->end = r->end;
        const uint32_t len = r->end - r->start;
        sr->tokens = quire_malloc((size_t)len * sizeof *sr->tokens);
        sr->missing = quire_malloc(((size_t)m + 1) * sizeof *sr->missing);
        if (sr->tokens == NULL || sr->missing == NULL)
            return quire_oom();
        for (uint32_t k = 0; k < len; k++) {
            sr->tokens[k].word = r->tokens[k].word;
            sr->tokens[k].kind = (search_word_kind)r->tokens[k].kind;
            sr->tokens[k].start = sr->tokens[k].end = r->tokens[k].pos;
        }
        sr->token_count = len;
        for (uint32_t w = 0; w < m; w++)
            if (!r->word_matched[w])
                sr->missing[sr->missing_count++] = w;
    }
    return QUIRE_OK;
}

/* Byte offsets of the tokens at positions from_pos.. of `field` (first_pos: its first). */
typedef struct token_bytes {
    size_t *bs, *be;
    uint32_t n;
} token_bytes;

static int tokenize_to(token_bytes *t, quire_analyzer *an, const char *field, size_t len,
                       uint32_t first_pos, uint32_t last_pos)
{
    t->n = last_pos >= first_pos ? last_pos - first_pos + 1 : 0;
    t->bs = quire_calloc((size_t)t->n + 1, sizeof *t->bs);
    t->be = quire_calloc((size_t)t->n + 1, sizeof *t->be);
    if (t->bs == NULL || t->be == NULL)
        return quire_oom();
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, field, len, first_pos, false);
    uint32_t got = 0;
    while (got < t->n && quire_tokens_next(&it, &tok)) {
        t->bs[got] = tok.byte_start;
        t->be[got] = tok.byte_end;
        got++;
    }
    if (got < t->n)
        return quire_corrupt("renderings: position %u past the %u tokens of the field",
                             (unsigned)last_pos, (unsigned)got);
    return QUIRE_OK;
}

/* Turn the positions of the hit's renderings into byte offsets in the title or text. */
static int locate_renderings(search_hit *hit, quire_analyzer *an, const char *text, size_t text_len,
                             uint32_t title_tokens)
{
    if (hit->rendering_count == 0)
        return QUIRE_OK;
    uint32_t last_title = 0, last_text = 0;
    bool any_title = false, any_text = false;
    for (uint32_t i = 0; i < hit->rendering_count; i++) {
        const search_rendering *r = &hit->renderings[i];
        if (r->start < title_tokens) {
            any_title = true;
            last_title = r->end - 1 > last_title ? (uint32_t)r->end - 1 : last_title;
        } else {
            any_text = true;
            last_text = r->end - 1 > last_text ? (uint32_t)r->end - 1 : last_text;
        }
    }
    token_bytes tt = {NULL, NULL, 0}, tx = {NULL, NULL, 0};
    int rc = QUIRE_OK;
    if (any_title)
        rc = tokenize_to(&tt, an, hit->title, hit->title_len, 0, last_title);
    if (rc == QUIRE_OK && any_text)
        rc = tokenize_to(&tx, an, text, text_len, title_tokens + 1, last_text);
    for (uint32_t i = 0; i < hit->rendering_count && rc == QUIRE_OK; i++) {
        search_rendering *r = &hit->renderings[i];
        r->in_title = r->start < title_tokens;
        const token_bytes *t = r->in_title ? &tt : &tx;
        const size_t first = r->in_title ? 0 : (size_t)title_tokens + 1;
        for (uint32_t k = 0; k < r->token_count; k++) {
            const size_t at = r->tokens[k].start - first;
            r->tokens[k].start = t->bs[at];
            r->tokens[k].end = t->be[at];
        }
        r->start = t->bs[r->start - first];
        r->end = t->be[r->end - 1 - first];
    }
    quire_free(tt.bs);
    quire_free(tt.be);
    quire_free(tx.bs);
    quire_free(tx.be);
    return rc;
}

static int hit_passages(search_hit *hit, phrase_doc_matcher **matchers, searcher *s,
                        const hl_clauses *c, const search_options *o, quire_buf *text, arena *a,
                        const uint32_t *quote_of_phrase)
{
    const quire_segment *seg = quire_index_segment(s->ix, hit->segment);
    const uint32_t doc = hit->local_doc;
    passage_match *m = NULL;
    uint32_t nm = 0, cap = 0;
    passage *ps = NULL;
    uint32_t np = 0;
    passage_highlight *th = NULL;
    uint32_t nth = 0;
    uint32_t extra = 0; /* clauses of the renderings of approximate quotes */
    double *weights =
        arena_alloc(a, (size_t)c->count * (SEARCH_MAX_RENDERINGS + 1) * sizeof *weights + 1);
    int rc = weights == NULL ? quire_oom() : QUIRE_OK;
    if (rc == QUIRE_OK && c->count > 0)
        memcpy(weights, c->weights, (size_t)c->count * sizeof *weights);
    for (uint32_t i = 0; i < c->count && rc == QUIRE_OK; i++) {
        phrase_span *spans;
        uint32_t ns;
        if (c->nodes[i].is_approx)
            rc = approx_spans(hit, a, s, &c->nodes[i], quote_of_phrase[c->nodes[i].phrase], &spans,
                              &ns);
        else
            rc = phrase_matcher_spans(matchers[i], doc, &spans, &ns);
        if (rc == QUIRE_OK && nm + (uint64_t)ns > cap) {
            const uint64_t want = (uint64_t)nm + ns + cap;
            passage_match *g =
                want > UINT32_MAX / 2 ? NULL : quire_realloc(m, (size_t)want * sizeof *g);
            if (g == NULL)
                rc = quire_oom();
            else {
                m = g;
                cap = (uint32_t)want;
            }
        }
        for (uint32_t k = 0; k < ns && rc == QUIRE_OK; k++) {
            uint32_t clause = i;
            if (c->nodes[i].is_approx) {
                /* each rendering a clause of its own, each weighing half the one before:
                 * the best rendering is in the best passage whatever the others */
                clause = c->count + extra++;
                weights[clause] = c->weights[i] * ldexp(1.0, -(int)k);
            }
            m[nm++] = (passage_match){spans[k].start, spans[k].start + spans[k].len, clause};
        }
        quire_free(spans);
    }
    text->len = 0;
    /* Walking to source positions (a plain text file's lines and columns) and placing
     * renderings tokenise from the text's start: they need all of it. Otherwise the text
     * map lets only the passages' regions be read. */
    const bool whole = hit->source.column != 0 || hit->rendering_count > 0;
    passage_input in = {NULL,     0,  hit->title, hit->title_len, quire_segment_title_len(seg, doc),
                        m,        nm, weights,    c->count + extra, 0,
                        NULL,     0};
    passage_region regions[PASSAGE_MAX_COUNT];
    if (rc == QUIRE_OK)
        rc = hit_text(text, &in, regions, seg, doc, o, whole);
    if (rc == QUIRE_OK)
        rc = locate_renderings(hit, s->an, (const char *)text->data, text->len,
                               quire_segment_title_len(seg, doc));
    if (rc != QUIRE_OK)
        goto done;
    rc = passage_build(&ps, &np, &th, &nth, s->an, &in, o->passages, o->passage_bytes);
    if (rc != QUIRE_OK)
        goto done;
    rc = copy_highlights(&hit->title_highlights, th, nth, NULL);
    if (rc != QUIRE_OK)
        goto done;
    hit->title_highlight_count = nth;
    if (np > 0) {
        hit->passages = quire_calloc(np, sizeof *hit->passages);
        if (hit->passages == NULL) {
            rc = quire_oom();
            goto done;
        }
    }
    source_walk walk; /* passages and their highlights ascend in the text */
    walk_begin(&walk, &hit->source, (const char *)text->data);
    for (uint32_t i = 0; i < np; i++) {
        search_passage *sp = &hit->passages[i];
        hit->passage_count = i + 1;
        sp->start = ps[i].start;
        sp->end = ps[i].end;
        sp->cut_before = ps[i].cut_before;
        sp->cut_after = ps[i].cut_after;
        sp->text = quire_strndup((const char *)text->data + sp->start, sp->end - sp->start);
        if (sp->text == NULL) {
            rc = quire_oom();
            goto done;
        }
        sp->source = walk_to(&walk, sp->start);
        rc = copy_highlights(&sp->highlights, ps[i].highlights, ps[i].highlight_count, &walk);
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
                        const query_node *root, const search_options *o,
                        const uint32_t *quote_of_phrase)
{
    hl_clauses c = {NULL, NULL, 0, 0};
    int rc = collect_clauses(&c, a, p, root);
    if (rc != QUIRE_OK)
        return rc;
    hit_ref *order = arena_alloc(a, (size_t)r->hit_count * sizeof *order);
    phrase_doc_matcher **m = arena_alloc(a, ((size_t)c.count + 1) * sizeof *m);
    if (order == NULL || m == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < r->hit_count; i++)
        order[i] = (hit_ref){r->hits[i].doc_id, i};
    qsort(order, r->hit_count, sizeof *order, cmp_by_doc);
    quire_buf text = QUIRE_BUF_INIT;
    for (uint32_t i = 0; i < r->hit_count && rc == QUIRE_OK;) {
        const uint32_t seg = r->hits[order[i].hit].segment;
        uint32_t opened = 0;
        for (; opened < c.count && rc == QUIRE_OK; opened++) {
            m[opened] = NULL; /* an approximate quote finds its renderings itself */
            if (!c.nodes[opened].is_approx)
                rc = phrase_matcher_open(&m[opened], a, quire_index_segment(s->ix, seg),
                                         &c.nodes[opened]);
        }
        for (; i < r->hit_count && r->hits[order[i].hit].segment == seg && rc == QUIRE_OK; i++)
            if ((rc = check_deadline(o)) == QUIRE_OK)
                rc = hit_passages(&r->hits[order[i].hit], m, s, &c, o, &text, a, quote_of_phrase);
        for (uint32_t k = 0; k < opened; k++)
            phrase_matcher_close(m[k]);
        if (rc != QUIRE_OK)
            break;
    }
    quire_buf_free(&text);
    return rc;
}

/* The part `k` of an ellipsis quote `root`, as a quote of its own. */
static query_node ellipsis_part(const query_node *root, uint32_t k)
{
    query_node part = *root;
    const uint32_t from = k == 0 ? 0 : root->part_ends[k - 1];
    part.words = root->words + from;
    part.word_count = root->part_ends[k] - from;
    part.part_count = 0;
    part.part_ends = NULL;
    part.near_n = 0;
    part.near_ordered = false;
    return part;
}

/* How many live documents of the index hold each part of ellipsis quote `root` alone, into
 * dfs[0..root->part_count). */
static int ellipsis_part_dfs(arena *a, const plan *p, const query_node *root, uint64_t *dfs)
{
    for (uint32_t k = 0; k < root->part_count; k++) {
        query_node part = ellipsis_part(root, k);
        uint64_t df = 0;
        for (uint32_t s = 0; s < p->segment_count; s++) {
            phrase_matches m;
            const int rc = phrase_match_segment(&m, a, quire_index_segment(p->ix, s), &part);
            if (rc != QUIRE_OK)
                return rc;
            for (uint32_t i = 0; i < m.count; i++)
                df += !quire_index_is_deleted(p->ix, s, m.docs[i]);
        }
        dfs[k] = df;
    }
    return QUIRE_OK;
}

/* The hint of ellipsis_hint from the parts' document counts (one index's, or a set's). */
static void ellipsis_hint_of(search_result *r, const query_node *root, const uint64_t *dfs)
{
    char msg[1024];
    int n = snprintf(msg, sizeof msg,
                     "no document holds the parts in this order within %u words of each other; "
                     "alone,",
                     (unsigned)root->near_n);
    for (uint32_t k = 0; k < root->part_count && n > 0 && (size_t)n < sizeof msg; k++) {
        const query_node part = ellipsis_part(root, k);
        const uint64_t df = dfs[k];
        n += snprintf(msg + n, sizeof msg - (size_t)n, "%s \"", k == 0 ? "" : ",");
        for (uint32_t w = 0; w < part.word_count && (size_t)n < sizeof msg; w++)
            n +=
                snprintf(msg + n, sizeof msg - (size_t)n, "%s%s", w ? " " : "", part.words[w].text);
        if ((size_t)n < sizeof msg)
            n += snprintf(msg + n, sizeof msg - (size_t)n, "\" is in %llu document%s",
                          (unsigned long long)df, df == 1 ? "" : "s");
    }
    if (n > 0)
        r->hint = quire_strndup(msg, strlen(msg)); /* cut at sizeof msg if it had to be */
}

/* A quote with an ellipsis that matched nothing: how many documents hold each part alone,
 * as r->hint (nothing when out of memory: a hint is no result). */
static int ellipsis_hint(search_result *r, arena *a, const plan *p, const query_node *root)
{
    uint64_t *dfs = arena_alloc(a, ((size_t)root->part_count + 1) * sizeof *dfs);
    if (dfs == NULL)
        return QUIRE_OK;
    const int rc = ellipsis_part_dfs(a, p, root, dfs);
    if (rc == QUIRE_OK)
        ellipsis_hint_of(r, root, dfs);
    return rc;
}

/* A query that is one approximate quote ranks its hits by closeness (approx.h), the
 * exact renderings first; ties go by doc id as everywhere. */
static bool is_approx_alone(const query_node *root)
{
    return root->kind == QUERY_PHRASE && root->is_approx;
}

static void rank_by_closeness(const plan *p, uint32_t seg, const query_node *root, topk *top,
                              uint64_t *match_count)
{
    const phrase_matches *m = &p->phrases[root->phrase].in_seg[seg];
    const uint64_t base = quire_index_doc_base(p->ix, seg);
    const int32_t *dates = top->by_date != 0 && p->dates != NULL ? p->dates[seg] : NULL;
    for (uint32_t k = 0; k < m->count; k++) {
        if (quire_index_is_deleted(p->ix, seg, m->docs[k]))
            continue;
        if (dates != NULL)
            topk_push_dated(top, m->closeness[k], base + m->docs[k], dates[m->docs[k]]);
        else
            topk_push(top, m->closeness[k], base + m->docs[k]);
        (*match_count)++;
    }
}

/* The approximate quotes of the plan, numbered in phrase order into quote_of_phrase (and
 * UINT32_MAX for other phrases), with what they found among live documents. */
static int summarize_quotes(search_result *r, const plan *p, uint32_t *quote_of_phrase)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->phrase_count; i++)
        n += p->phrases[i].node->is_approx;
    if (n == 0)
        return QUIRE_OK;
    r->quotes = quire_calloc(n, sizeof *r->quotes);
    if (r->quotes == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < p->phrase_count; i++) {
        const plan_phrase *ph = &p->phrases[i];
        quote_of_phrase[i] = UINT32_MAX;
        if (!ph->node->is_approx)
            continue;
        quote_of_phrase[i] = r->quote_count;
        search_quote *q = &r->quotes[r->quote_count++];
        q->threshold = ph->node->approx->threshold;
        q->words = quire_calloc(ph->node->word_count, sizeof *q->words);
        if (q->words == NULL)
            return quire_oom();
        for (uint32_t k = 0; k < ph->node->word_count; k++) {
            q->words[k] = quire_strndup(ph->node->words[k].text, ph->node->words[k].len);
            if (q->words[k] == NULL)
                return quire_oom();
            q->word_count = k + 1;
        }
        for (uint32_t s = 0; s < p->segment_count; s++) {
            const phrase_matches *m = &ph->in_seg[s];
            for (uint32_t k = 0; k < m->count; k++) {
                if (quire_index_is_deleted(p->ix, s, m->docs[k]))
                    continue;
                if (m->closeness[k] >= 1.0)
                    q->exact_docs++;
                else
                    q->close_docs++;
                q->renderings += m->freqs[k];
            }
        }
    }
    return QUIRE_OK;
}

/* The fuzzy words of the plan with what their expansion searched (never a silent cap). */
static int summarize_fuzzy(search_result *r, const plan *p)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->phrase_count; i++)
        n += p->phrases[i].node->is_fuzzy;
    if (n == 0)
        return QUIRE_OK;
    r->fuzzy = quire_calloc(n, sizeof *r->fuzzy);
    if (r->fuzzy == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < p->phrase_count; i++) {
        const query_node *node = p->phrases[i].node;
        if (!node->is_fuzzy)
            continue;
        search_fuzzy *f = &r->fuzzy[r->fuzzy_count++];
        f->word = quire_strndup(node->words[0].text, node->words[0].len);
        if (f->word == NULL)
            return quire_oom();
        f->distance = node->expansion != NULL ? node->expansion->distance : -1;
        f->lowered_from = node->expansion != NULL ? node->expansion->lowered_from : -1;
        f->searched = node->expansion != NULL ? node->expansion->count : 0;
        f->matched = node->expansion != NULL ? node->expansion->matched : 0;
    }
    return QUIRE_OK;
}

/* A quote alone, exact, that an approximate quote could stand for (search_options.fallback),
 * written last in the query so that a ~ can follow it. */
static bool is_plain_quote(const query_node *root, const search_options *o)
{
    if (root->kind != QUERY_PHRASE || root->is_stemmed || root->is_prefix || root->is_fuzzy ||
        root->is_approx || root->near_split > 0 || root->part_count > 0 || root->word_count < 2 ||
        root->word_count > QUERY_MAX_APPROX_WORDS)
        return false;
    size_t end = o->query_len;
    while (end > 0 && (o->query[end - 1] == ' ' || o->query[end - 1] == '\t' ||
                       o->query[end - 1] == '\n' || o->query[end - 1] == '\r'))
        end--;
    /* the closing quote's last byte: " or the last byte of a curly one */
    return end > 0 && (o->query[end - 1] == '"' || (uint8_t)o->query[end - 1] >= 0x80);
}

/* The quote again as "..."~: its close renderings, result marked fell_back. */
static int search_closely(search_result *out, searcher *s, const search_options *o)
{
    size_t end = o->query_len;
    while (end > 0 && (o->query[end - 1] == ' ' || o->query[end - 1] == '\t' ||
                       o->query[end - 1] == '\n' || o->query[end - 1] == '\r'))
        end--;
    char *text = quire_malloc(end + 2);
    if (text == NULL)
        return quire_oom();
    memcpy(text, o->query, end);
    text[end] = '~';
    text[end + 1] = '\0';
    search_options again = *o;
    again.query = text;
    again.query_len = end + 1;
    again.fallback = false;
    const int rc = search_query(out, s, &again);
    if (rc == QUIRE_OK)
        out->fell_back = true;
    else
        s->error_offset = SIZE_MAX; /* the offsets are the rewritten text's */
    quire_free(text);
    return rc;
}

/* What the index must tell before planning: the forms of fuzzy words (fuzzy.h) and the
 * weights and forms of approximate quotes (approx.h). */
static int resolve_variants(query_node *n, arena *a, searcher *s, const search_options *o)
{
    if (n->kind == QUERY_PHRASE && n->is_fuzzy)
        return fuzzy_resolve(n, a, s->ix);
    if (n->kind == QUERY_PHRASE && n->is_approx)
        return approx_resolve(n, a, s->ix, o->closeness);
    for (uint32_t i = 0; i < n->child_count; i++) {
        const int rc = resolve_variants(n->children[i], a, s, o);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* Title tokens of the live documents, counted once per searcher (a shard set sums them). */
static uint64_t title_tokens(searcher *s)
{
    if (!s->titles_counted) {
        uint64_t total = 0;
        for (uint32_t seg = 0; seg < quire_index_segment_count(s->ix); seg++) {
            const quire_segment *segment = quire_index_segment(s->ix, seg);
            const uint32_t n = quire_segment_get_stats(segment)->doc_count;
            for (uint32_t d = 0; d < n; d++)
                if (!quire_index_is_deleted(s->ix, seg, d))
                    total += quire_segment_title_len(segment, d);
        }
        s->title_tokens = total;
        s->titles_counted = true;
    }
    return s->title_tokens;
}

/* Title tokens per live document, counted once per searcher (for BM25F's mean length). */
static double avg_title_len(searcher *s)
{
    if (s->avg_title_len < 0 || !s->titles_counted) {
        const uint64_t total = title_tokens(s);
        const uint64_t live = quire_index_doc_count(s->ix);
        s->avg_title_len = live > 0 ? (double)total / (double)live : 0.0;
    }
    return s->avg_title_len;
}

/* One pass of `root` over every segment into `top`, counting matches into r. */
static int run_pass(const plan *p, arena *a, const query_node *root, topk *top, search_result *r,
                    uint64_t *occurrences, bool exhaustive, const search_options *o)
{
    for (uint32_t seg = 0; seg < p->segment_count; seg++) {
        cursor *c = NULL;
        int rc = check_deadline(o);
        if (rc == QUIRE_OK)
            rc = plan_cursor(&c, a, p, root, seg);
        if (rc == QUIRE_OK && c != NULL) {
            if (!exhaustive && top->cap > 0 && prune_applies(c))
                rc = prune_segment(p, c, seg, top, &r->match_count, occurrences,
                                   &r->match_count_exact);
            else
                rc = match_segment(p, c, seg, top, &r->match_count, occurrences, o);
        }
        cursor_close(c);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

struct search_job {
    searcher *s;
    search_options o;
    arena a;
    query_ast ast;
    plan p;
    topk top;
    uint64_t match_count;
    uint64_t occurrences; /* a lazy phrase alone: counted as it is matched */
    bool match_count_exact;
    bool planned; /* plan_build done (a fuzzy word waits for the set's expansion) */
};

void search_job_free(search_job *j)
{
    if (j == NULL)
        return;
    topk_free(&j->top);
    arena_free(&j->a);
    quire_free(j);
}

/* The external id of global doc `doc_id`, for ties in the heap. */
static int id_of(void *ctx, uint64_t doc_id, quire_bytes *out)
{
    const quire_index *ix = ctx;
    const uint32_t seg = locate_segment(ix, doc_id);
    quire_doc_info info;
    const int rc = quire_segment_doc_info(quire_index_segment(ix, seg),
                                          (uint32_t)(doc_id - quire_index_doc_base(ix, seg)), &info);
    if (rc == QUIRE_OK)
        *out = info.external_id;
    return rc;
}

/* The options' values and combinations: QUIRE_OK, or QUIRE_EINVAL with the message. */
static int check_options(const search_options *o)
{
    if (!(o->k1 >= 0.0) || !isfinite(o->k1))
        return quire_error(QUIRE_EINVAL, "k1 must be a finite number >= 0");
    if (!(o->b >= 0.0 && o->b <= 1.0))
        return quire_error(QUIRE_EINVAL, "b must be between 0 and 1");
    if (o->passages > PASSAGE_MAX_COUNT)
        return quire_error(QUIRE_EINVAL, "at most %d passages per hit", PASSAGE_MAX_COUNT);
    if (o->passages > 0 && o->passage_bytes < 16)
        return quire_error(QUIRE_EINVAL, "a passage must be at least 16 bytes long");
    if (!(o->closeness > 0 && o->closeness <= 1))
        return quire_error(QUIRE_EINVAL, "the closeness must be above 0 and at most 1");
    if (!(o->title_weight > 0.0) || !isfinite(o->title_weight))
        return quire_error(QUIRE_EINVAL, "the title weight must be a finite number > 0");
    if (o->rm3 &&
        (o->rm3_docs == 0 || o->rm3_terms == 0 || !(o->rm3_weight >= 0.0 && o->rm3_weight <= 1.0)))
        return quire_error(QUIRE_EINVAL, "RM3 needs at least one feedback document and term, "
                                         "and a query weight between 0 and 1");
    if (o->sort != SEARCH_SORT_RELEVANCE && (o->rm3 || o->proximity || o->title_weight != 1.0))
        return quire_error(QUIRE_EINVAL, "a date order cannot be combined with a title weight, "
                                         "proximity or RM3 (they rescore by relevance)");
    if (o->explain && (o->proximity || o->title_weight != 1.0 || o->rm3))
        return quire_error(QUIRE_EINVAL, "--explain shows BM25's clauses: not with a title "
                                         "weight, proximity or RM3, which rescore or reweigh "
                                         "the hits");
    return QUIRE_OK;
}

/* Whether the query has what the shard path does not search (approximate quotes: what they
 * search comes from each index's dictionary). */
static bool has_variants(const query_node *n)
{
    if (n->kind == QUERY_PHRASE && n->is_approx)
        return true;
    for (uint32_t i = 0; i < n->child_count; i++)
        if (has_variants(n->children[i]))
            return true;
    return false;
}

/* The fuzzy words of the query, in the order resolve_variants() meets them. */
static uint32_t count_fuzzy(const query_node *n)
{
    if (n->kind == QUERY_PHRASE)
        return n->is_fuzzy;
    uint32_t c = 0;
    for (uint32_t i = 0; i < n->child_count; i++)
        c += count_fuzzy(n->children[i]);
    return c;
}

static int fuzzy_local_all(const query_node *n, arena *a, const quire_index *ix, quire_buf *out)
{
    if (n->kind == QUERY_PHRASE)
        return n->is_fuzzy ? fuzzy_resolve_local(n, a, ix, out) : QUIRE_OK;
    for (uint32_t i = 0; i < n->child_count; i++) {
        const int rc = fuzzy_local_all(n->children[i], a, ix, out);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

static int fuzzy_apply_all(query_node *n, arena *a, const uint8_t **at, const uint8_t *end)
{
    if (n->kind == QUERY_PHRASE)
        return n->is_fuzzy ? fuzzy_apply(n, a, at, end) : QUIRE_OK;
    for (uint32_t i = 0; i < n->child_count; i++) {
        const int rc = fuzzy_apply_all(n->children[i], a, at, end);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* Plan the parsed query (and read the dates a date order needs). */
static int job_plan(search_job *j)
{
    int rc = plan_build(&j->p, &j->a, j->s->ix, &j->ast, j->o.k1, j->o.b);
    if (rc == QUIRE_OK && j->o.sort != SEARCH_SORT_RELEVANCE)
        rc = plan_read_dates(&j->p, &j->a);
    j->planned = rc == QUIRE_OK;
    return rc;
}

uint32_t search_job_fuzzy_count(const search_job *j)
{
    return count_fuzzy(j->ast.root);
}

int search_job_fuzzy_local(search_job *j, quire_buf *out)
{
    return fuzzy_local_all(j->ast.root, &j->a, j->s->ix, out);
}

int search_job_fuzzy_apply(search_job *j, const uint8_t *merged, size_t len)
{
    const uint8_t *at = merged;
    int rc = fuzzy_apply_all(j->ast.root, &j->a, &at, merged + len);
    if (rc == QUIRE_OK && at != merged + len)
        rc = quire_error(QUIRE_EIO, "shard set: a process sent a malformed fuzzy expansion");
    return rc == QUIRE_OK ? job_plan(j) : rc;
}

int search_job_summaries(search_job *j, search_result *r)
{
    return summarize_fuzzy(r, &j->p);
}

int search_job_begin(search_job **out, searcher *s, const search_options *o)
{
    *out = NULL;
    s->error_offset = SIZE_MAX;
    if (s->ix == NULL)
        return quire_error(QUIRE_EINVAL, "search_job_begin: a searcher of one index only");
    int vrc = check_options(o);
    if (vrc != QUIRE_OK)
        return vrc;

    if (o->explain || o->rm3 || o->notes || o->fallback)
        return quire_error(QUIRE_EINVAL, "a shard set does not do --explain, notes, close "
                                         "renderings or --rm3 yet: search one index for them");
    search_job *j = quire_calloc(1, sizeof *j);
    if (j == NULL)
        return quire_oom();
    j->s = s;
    j->o = *o;
    j->a = (arena)ARENA_INIT;
    j->match_count_exact = true;
    const parser_options po = {o->match_any, o->lenient, o->plain, o->keep_stopwords};
    int rc = parser_parse(&j->ast, &j->a, s->an, o->query, o->query_len, &po);
    if (rc != QUIRE_OK) {
        s->error_offset = j->ast.error_offset;
        goto done;
    }
    if (has_variants(j->ast.root)) {
        rc = quire_error(QUIRE_EINVAL, "a shard set does not search approximate quotes "
                                       "(\"...\"~) yet: search a shard's index for them");
        goto done;
    }
    /* fuzzy words wait for the set's expansion (search_job_fuzzy_apply) */
    if (count_fuzzy(j->ast.root) == 0)
        rc = job_plan(j);
done:
    if (rc != QUIRE_OK)
        search_job_free(j);
    else
        *out = j;
    return rc;
}

uint32_t search_job_stats_count(const search_job *j)
{
    if (!j->planned)
        return 0;
    return plan_stats_count(&j->p);
}

void search_job_stats(const search_job *j, uint64_t *out)
{
    plan_stats_get(&j->p, out);
}

/* The options' rescoring (rerank.h), whose first pass keeps RERANK_DEPTH hits at least. */
static rerank_options job_rerank(const search_job *j)
{
    const rerank_options ro = {j->o.proximity, j->o.title_weight, 0.0};
    return ro;
}

bool search_job_rescores(const search_job *j)
{
    const rerank_options ro = job_rerank(j);
    return j->o.top_k > 0 && rerank_wanted(&ro);
}

uint64_t search_job_depth(const search_job *j)
{
    const uint64_t page = j->o.top_k == 0 ? 0 : (uint64_t)j->o.top_k + j->o.offset;
    return search_job_rescores(j) && page < RERANK_DEPTH ? RERANK_DEPTH : page;
}

uint64_t search_job_title_tokens(const search_job *j)
{
    return title_tokens(j->s);
}

void search_job_truncate(search_job *j, uint32_t n)
{
    if (n < j->top.count)
        j->top.count = n;
}

int search_job_rescore(search_job *j, double avg_title_len)
{
    rerank_options ro = job_rerank(j);
    ro.avg_title_len = avg_title_len;
    return rerank_top(&j->top, &j->a, &j->p, j->ast.root, &ro);
}

int search_job_rank(search_job *j, const uint64_t *stats, bool with_ids)
{
    plan *p = &j->p;
    if (stats != NULL)
        plan_stats_set(p, stats);
    /* No more hits than live documents: a huge -k (or --offset) costs no memory. */
    const uint64_t live = quire_index_doc_count(j->s->ix), want = search_job_depth(j);
    int rc = topk_init(&j->top, live < want ? (uint32_t)live : (uint32_t)want);
    if (rc != QUIRE_OK)
        return rc;
    topk_set_ids(&j->top, id_of, j->s->ix);
    /* a date order: every match, with its date */
    const bool by_date = j->o.sort != SEARCH_SORT_RELEVANCE;
    if (by_date)
        topk_order_by_date(&j->top, j->o.sort == SEARCH_SORT_DATE ? 1 : -1);
    for (uint32_t seg = 0; seg < p->segment_count && rc == QUIRE_OK; seg++) {
        cursor *c = NULL;
        rc = plan_cursor(&c, &j->a, p, j->ast.root, seg);
        if (rc == QUIRE_OK && c != NULL) {
            if (!j->o.exhaustive && !by_date && j->top.cap > 0 && prune_applies(c))
                rc = prune_segment(p, c, seg, &j->top, &j->match_count, &j->occurrences,
                                   &j->match_count_exact);
            else
                rc = match_segment(p, c, seg, &j->top, &j->match_count, &j->occurrences, &j->o);
        }
        cursor_close(c);
    }
    if (rc == QUIRE_OK)
        rc = j->top.err;
    if (rc == QUIRE_OK)
        rc = topk_sort(&j->top);
    if (rc == QUIRE_OK && with_ids)
        rc = topk_resolve_all(&j->top);
    return rc;
}

void search_job_counts(const search_job *j, search_result *r)
{
    r->match_count = j->match_count;
    r->match_count_exact = j->match_count_exact;
    r->term_count = j->ast.term_count;
    const query_node *root = j->ast.root;
    const bool lazy = root->kind == QUERY_PHRASE && j->p.phrases[root->phrase].is_lazy;
    /* a lazy phrase's count is exact only if no document was skipped */
    r->has_occurrences = root->kind == QUERY_PHRASE && (!lazy || j->match_count_exact);
    r->occurrence_count = !r->has_occurrences ? 0
                          : lazy              ? j->occurrences
                                              : j->p.phrases[root->phrase].occurrences;
}

uint32_t search_job_hint_parts(const search_job *j)
{
    const query_node *root = j->ast.root;
    return root->kind == QUERY_PHRASE && root->part_count > 1 ? root->part_count : 0;
}

int search_job_hint_counts(search_job *j, uint64_t *dfs)
{
    return ellipsis_part_dfs(&j->a, &j->p, j->ast.root, dfs);
}

void search_job_hint(const search_job *j, const uint64_t *dfs, search_result *r)
{
    ellipsis_hint_of(r, j->ast.root, dfs);
}

bool search_job_is_phrase(const search_job *j)
{
    return j->ast.root->kind == QUERY_PHRASE;
}

bool search_job_is_lazy(const search_job *j)
{
    return search_job_is_phrase(j) && j->p.phrases[j->ast.root->phrase].is_lazy;
}

uint32_t search_job_hit_count(const search_job *j)
{
    return j->top.count;
}

const topk_entry *search_job_entry(const search_job *j, uint32_t i)
{
    return &j->top.heap[i];
}

int search_job_fill(search_job *j, const uint32_t *which, uint32_t n, search_hit *hits)
{
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++)
        rc = fill_hit(&hits[i], j->s->ix, &j->top.heap[which[i]]);
    if (rc == QUIRE_OK && j->o.passages > 0 && n > 0) {
        search_result r = SEARCH_RESULT_INIT;
        r.hits = hits;
        r.hit_count = n;
        rc = all_passages(&r, &j->a, j->s, &j->p, j->ast.root, &j->o, NULL);
    }
    return rc;
}

/* search_query over one index: every feature (the shard path, shards.c, ranks with
 * search_job_* and refuses what it does not do). */
static int search_one(search_result *out, searcher *s, const search_options *o)
{
    memset(out, 0, sizeof *out);
    s->error_offset = SIZE_MAX;
    int vrc = check_options(o);
    if (vrc != QUIRE_OK)
        return vrc;

    arena a = ARENA_INIT;
    topk top;
    memset(&top, 0, sizeof top);
    search_result r = SEARCH_RESULT_INIT;
    query_ast ast;
    plan p;
    const parser_options po = {o->match_any, o->lenient, o->plain, o->keep_stopwords};
    int rc = parser_parse(&ast, &a, s->an, o->query, o->query_len, &po);
    if (rc != QUIRE_OK) {
        s->error_offset = ast.error_offset;
        goto done;
    }
    rc = resolve_variants(ast.root, &a, s, o);
    if (rc != QUIRE_OK)
        goto done;
    const query_node *root = ast.root;
    r.term_count = ast.term_count;
    rc = plan_build(&p, &a, s->ix, &ast, o->k1, o->b);
    if (rc != QUIRE_OK)
        goto done;
    /* A one-phrase query counts its occurrences: matched before ranking, or as it goes. */
    const bool lazy_root = root->kind == QUERY_PHRASE && p.phrases[root->phrase].is_lazy;
    if (root->kind == QUERY_PHRASE && !lazy_root) {
        r.has_occurrences = true;
        r.occurrence_count = p.phrases[root->phrase].occurrences;
    }
    /* A date order needs every match's date, and every match: no pruning. */
    const bool by_date = o->sort != SEARCH_SORT_RELEVANCE;
    if (by_date && (rc = plan_read_dates(&p, &a)) != QUIRE_OK)
        goto done;
    uint32_t *quote_of_phrase = arena_alloc(&a, ((size_t)p.phrase_count + 1) * sizeof(uint32_t));
    if (quote_of_phrase == NULL) {
        rc = quire_oom();
        goto done;
    }
    rc = summarize_quotes(&r, &p, quote_of_phrase);
    if (rc == QUIRE_OK)
        rc = summarize_fuzzy(&r, &p);
    if (rc == QUIRE_OK && o->notes)
        rc = notes_build(&r.notes, &r.note_count, &a, s->ix, root, o->query, o->query_len);
    if (rc != QUIRE_OK)
        goto done;
    /* No more hits than live documents: a huge -k (or --offset) costs no memory. The heap
     * keeps offset + k; the first offset are dropped below. A second stage (rerank.h)
     * rescores a fixed depth whatever k is, so that its top k does not depend on k; RM3
     * (feedback.h) reads the first pass's best documents. A query that is one approximate
     * quote ranks by closeness: neither applies. */
    uint64_t occurrences = 0;
    const uint64_t live = quire_index_doc_count(s->ix);
    const bool approx_alone = is_approx_alone(root);
    rerank_options ro = {o->proximity, o->title_weight, 0.0};
    if (o->title_weight != 1.0)
        ro.avg_title_len = avg_title_len(s);
    const bool second = o->top_k > 0 && !approx_alone && rerank_wanted(&ro);
    const uint64_t page = o->top_k == 0 ? 0 : (uint64_t)o->top_k + o->offset;
    uint64_t want = page;
    if (second && want < RERANK_DEPTH)
        want = RERANK_DEPTH;
    if (o->rm3 && o->top_k > 0 && want < o->rm3_docs)
        want = o->rm3_docs;
    if (o->rm3 && o->top_k > 0 && (!o->match_any || !feedback_applies(root))) {
        rc = quire_error(QUIRE_EINVAL, "RM3 expands a ranked OR of words (--any, or --plain "
                                       "--any): this query has phrases, operators, fields or "
                                       "required words");
        goto done;
    }
    rc = topk_init(&top, live < want ? (uint32_t)live : (uint32_t)want);
    if (rc != QUIRE_OK)
        goto done;
    topk_set_ids(&top, id_of, (void *)s->ix);
    if (by_date)
        topk_order_by_date(&top, o->sort == SEARCH_SORT_DATE ? 1 : -1);
    for (uint32_t seg = 0; seg < p.segment_count && approx_alone; seg++)
        rank_by_closeness(&p, seg, root, &top, &r.match_count);
    if (!approx_alone)
        rc = run_pass(&p, &a, root, &top, &r, &occurrences, o->exhaustive || by_date, o);
    if (rc != QUIRE_OK)
        goto done;
    if (o->rm3 && o->top_k > 0) {
        const feedback_options fo = {o->rm3_docs, o->rm3_terms, o->rm3_weight};
        query_ast expanded;
        rc = topk_sort(&top);
        if (rc == QUIRE_OK)
            rc = feedback_rm3(&expanded, &a, &p, s->an, &ast, &top, &fo);
        if (rc == QUIRE_OK)
            rc = plan_build(&p, &a, s->ix, &expanded, o->k1, o->b);
        if (rc != QUIRE_OK)
            goto done;
        root = expanded.root;
        r.term_count = expanded.term_count;
        topk_free(&top);
        want = second && page < RERANK_DEPTH ? RERANK_DEPTH : page;
        rc = topk_init(&top, live < want ? (uint32_t)live : (uint32_t)want);
        topk_set_ids(&top, id_of, (void *)s->ix);
        r.match_count = 0;
        r.match_count_exact = true;
        if (rc == QUIRE_OK)
            rc = run_pass(&p, &a, root, &top, &r, &occurrences, o->exhaustive, o);
        if (rc != QUIRE_OK)
            goto done;
    }

    /* counted as it went: exact only if no document was skipped */
    if (lazy_root && r.match_count_exact) {
        r.has_occurrences = true;
        r.occurrence_count = occurrences;
    }
    if (rc == QUIRE_OK)
        rc = top.err;
    if (rc == QUIRE_OK)
        rc = topk_sort(&top);
    if (rc != QUIRE_OK)
        goto done;
    if (second) {
        rc = rerank_top(&top, &a, &p, root, &ro);
        if (rc != QUIRE_OK)
            goto done;
    }
    if (top.count > page)
        top.count = (uint32_t)page;
    const uint32_t skip = top.count < o->offset ? top.count : o->offset;
    if (top.count > skip) {
        r.hits = quire_calloc(top.count - skip, sizeof *r.hits);
        if (r.hits == NULL) {
            rc = quire_oom();
            goto done;
        }
    }
    for (uint32_t i = skip; i < top.count; i++) {
        r.hit_count = i - skip + 1; /* so search_result_free() frees a half-filled hit */
        rc = fill_hit(&r.hits[i - skip], s->ix, &top.heap[i]);
        if (rc != QUIRE_OK)
            goto done;
    }
    if (r.match_count == 0 && root->kind == QUERY_PHRASE && root->part_count > 1) {
        rc = ellipsis_hint(&r, &a, &p, root);
        if (rc != QUIRE_OK)
            goto done;
    }
    if (o->explain) {
        explain_ctx *ec;
        rc = plan_match_lazy(&p, &a);
        if (rc == QUIRE_OK)
            rc = explain_build(&r.explain, &ec, &a, &p, root, is_approx_alone(root));
        for (uint32_t i = 0; i < r.hit_count && rc == QUIRE_OK; i++)
            rc = explain_hit(&r.hits[i], ec);
        if (rc != QUIRE_OK)
            goto done;
    }
    if (o->fallback && r.match_count == 0 && is_plain_quote(root, o)) {
        rc = search_closely(out, s, o);
        goto done;
    }
    if (o->passages > 0 && r.hit_count > 0) {
        rc = all_passages(&r, &a, s, &p, root, o, quote_of_phrase);
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

int search_query(search_result *out, searcher *s, const search_options *o)
{
    memset(out, 0, sizeof *out);
    if (s->shards != NULL)
        return shard_set_query(out, s->shards, o, &s->error_offset);
    return search_one(out, s, o);
}

void search_marked_doc_free(search_marked_doc *d)
{
    if (d == NULL)
        return;
    quire_free(d->external_id);
    quire_free(d->title);
    quire_free(d->text);
    quire_free(d->origin);
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
    if (s->ix == NULL)
        return quire_error(QUIRE_EINVAL, "%s: a shard set's documents are read from their shard",
                           s->dir != NULL ? s->dir : "shard set");
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
        rc = quire_oom();
        goto done;
    }
    r.hit_count = 1;
    topk_entry e;
    memset(&e, 0, sizeof e);
    e.doc_id = quire_index_doc_base(s->ix, seg) + doc;
    quire_doc_info info;
    rc = fill_hit(&r.hits[0], s->ix, &e);
    if (rc == QUIRE_OK)
        rc = quire_segment_doc_info(quire_index_segment(s->ix, seg), doc, &info);
    if (rc == QUIRE_OK)
        rc = quire_segment_doc_text(quire_index_segment(s->ix, seg), doc, &text);
    if (rc == QUIRE_OK && text.err)
        rc = quire_oom();
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
        const parser_options po = {o->match_any, o->lenient, o->plain, o->keep_stopwords};
        rc = parser_parse(&ast, &a, s->an, o->query, o->query_len, &po);
        if (rc != QUIRE_OK) {
            s->error_offset = ast.error_offset;
            goto done;
        }
        rc = resolve_variants(ast.root, &a, s, o);
        if (rc == QUIRE_OK)
            rc = plan_build(&p, &a, s->ix, &ast, o->k1, o->b);
        /* approximate quotes numbered in phrase order, as search_query numbers them */
        uint32_t *quote_of_phrase =
            rc == QUIRE_OK ? arena_alloc(&a, ((size_t)p.phrase_count + 1) * sizeof(uint32_t))
                           : NULL;
        if (rc == QUIRE_OK && quote_of_phrase == NULL)
            rc = quire_oom();
        for (uint32_t i = 0, q = 0; rc == QUIRE_OK && i < p.phrase_count; i++)
            quote_of_phrase[i] = p.phrases[i].node->is_approx ? q++ : UINT32_MAX;
        if (rc == QUIRE_OK)
            rc = all_passages(&r, &a, s, &p, ast.root, &whole, quote_of_phrase);
        if (rc != QUIRE_OK)
            goto done;
    }
    search_hit *h = &r.hits[0];
    out->text = quire_strndup(text.len > 0 ? (const char *)text.data : "", text.len);
    if (out->text == NULL) {
        rc = quire_oom();
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
    out->origin = h->origin;
    out->origin_len = h->origin_len;
    out->source = h->source;
    out->doc_len = info.doc_len;
    out->title_tokens = info.title_len;
    h->external_id = h->title = h->origin = NULL;
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
