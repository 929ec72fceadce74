/*
 * passage.c - best passages and highlights of one hit (see passage.h). Owns sentence
 * cutting, window scoring and selection; leaves tokenising to analysis/ and finding the
 * matches to phrase.c.
 */
#include "passage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quire/array.h"
#include "quire/segment.h"

/* The tokens of one field, as byte ranges: token i has position first_pos + i. */
typedef struct token_map {
    size_t *bs; /* byte start of token i */
    size_t *be; /* byte end (exclusive) */
    uint32_t n;
    uint32_t cap;
    bool more; /* tokenising stopped before the end of the field */
} token_map;

typedef struct window {
    uint32_t ws, we; /* tokens [ws, we) */
    double score;
} window;

static void token_map_free(token_map *t)
{
    quire_free(t->bs);
    quire_free(t->be);
    memset(t, 0, sizeof *t);
}

/* Tokenise text[base..base + len) from position first_pos, through token index need_idx
 * and then on while tokens start within `margin` bytes after its end (byte offsets are
 * text's: base is added). */
static int tokenize(token_map *t, quire_analyzer *an, const char *text, size_t base, size_t len,
                    uint32_t first_pos, uint32_t need_idx, size_t margin)
{
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text + base, len, first_pos, false);
    while (quire_tokens_next(&it, &tok)) {
        tok.byte_start += base;
        tok.byte_end += base;
        if (t->n > need_idx && tok.byte_start > t->be[need_idx] + margin) {
            t->more = true;
            break;
        }
        if (tok.pos != first_pos + t->n)
            return quire_corrupt("passages: token %u has position %u", (unsigned)t->n,
                                 (unsigned)tok.pos);
        if (t->n == t->cap) {
            const uint32_t cap = t->cap ? t->cap * 2 : 256;
            size_t *bs = quire_realloc(t->bs, (size_t)cap * sizeof *bs);
            if (bs == NULL)
                return quire_oom();
            t->bs = bs;
            size_t *be = quire_realloc(t->be, (size_t)cap * sizeof *be);
            if (be == NULL)
                return quire_oom();
            t->be = be;
            t->cap = cap;
        }
        t->bs[t->n] = tok.byte_start;
        t->be[t->n] = tok.byte_end;
        t->n++;
    }
    return QUIRE_OK;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Words after which a full stop does not end a sentence (compared case-insensitively). */
static const char *const abbreviations[] = {
    "mr",  "mrs",  "ms",  "dr",  "st",   "jr",  "sr",   "prof", "gen", "sen", "rep", "gov",
    "col", "capt", "lt",  "sgt", "inc",  "co",  "corp", "ltd",  "vs",  "mt",  "ft",  "jan",
    "feb", "mar",  "apr", "aug", "sept", "sep", "oct",  "nov",  "dec", "e.g", "i.e", "u.s",
};

static bool is_abbreviation(const char *w, size_t len)
{
    if (len == 1)
        return true; /* an initial: "J. Smith" */
    for (size_t i = 0; i < sizeof abbreviations / sizeof abbreviations[0]; i++) {
        const char *a = abbreviations[i];
        if (strlen(a) != len)
            continue;
        size_t k = 0;
        while (k < len && (w[k] | 0x20) == a[k])
            k++;
        if (k == len)
            return true;
    }
    return false;
}

/* Whether token i (> 0) starts a sentence: see passage.h. */
static bool starts_sentence(const token_map *t, const char *text, uint32_t i)
{
    const uint8_t *u = (const uint8_t *)text;
    const size_t from = t->be[i - 1], to = t->bs[i];
    bool stop = false, stop_then_space = false;
    uint32_t newlines = 0;
    for (size_t at = from; at < to;) {
        const unsigned char c = u[at];
        if (c == '\n') {
            if (++newlines >= 2)
                return true;
        } else if (!is_space(c) && c != '\r') {
            newlines = 0;
        }
        const uint32_t cp = quire_utf8_next(u, to, &at);
        if (quire_is_sentence_end(cp))
            stop = true;
        else if (stop && cp < 0x80 && is_space((unsigned char)cp))
            stop_then_space = true;
    }
    if (!stop_then_space)
        return false;
    const unsigned char next = u[t->bs[i]];
    if (next >= 'a' && next <= 'z')
        return false;
    return !is_abbreviation(text + t->bs[i - 1], t->be[i - 1] - t->bs[i - 1]);
}

static size_t span_bytes(const token_map *t, uint32_t ws, uint32_t we)
{
    return t->be[we - 1] - t->bs[ws];
}

static int cmp_match(const void *pa, const void *pb)
{
    const passage_match *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return (a->clause > b->clause) - (a->clause < b->clause);
}

static int cmp_window(const void *pa, const void *pb)
{
    const window *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->ws > b->ws) - (a->ws < b->ws);
}

/* The first match (sorted by start) starting at or after token index v. */
static uint32_t first_match_from(const passage_match *m, uint32_t n, uint32_t v)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (m[mid].start < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Score of the window [ws, we): sum of weight * (1 + ln k) over clauses with k matches
 * wholly inside. `counts` is all zero on entry and on return. */
static double score_window(const passage_match *m, uint32_t nm, uint32_t ws, uint32_t we,
                           const double *weights, uint32_t *counts)
{
    const uint32_t from = first_match_from(m, nm, ws);
    double score = 0;
    for (uint32_t k = from; k < nm && m[k].start < we; k++)
        if (m[k].end <= we)
            counts[m[k].clause]++;
    for (uint32_t k = from; k < nm && m[k].start < we; k++) {
        const uint32_t c = m[k].clause;
        if (counts[c] > 0) {
            score += weights[c] * (1.0 + log((double)counts[c]));
            counts[c] = 0;
        }
    }
    return score;
}

/* Sentence bookkeeping: sid[i] the sentence of token i; sentence s is tokens
 * [first[s], first[s + 1]) with first[sentences] = n. */
typedef struct sentences {
    uint32_t *sid;
    uint32_t *first;
    uint32_t count;
} sentences;

static int cut_sentences(sentences *s, const token_map *t, const char *text)
{
    s->sid = quire_malloc(((size_t)t->n + 1) * sizeof *s->sid);
    s->first = quire_malloc(((size_t)t->n + 1) * sizeof *s->first);
    if (s->sid == NULL || s->first == NULL)
        return quire_oom();
    s->count = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (i == 0 || starts_sentence(t, text, i))
            s->first[s->count++] = i;
        s->sid[i] = s->count - 1;
    }
    s->first[s->count] = t->n;
    return QUIRE_OK;
}

/* The window a match at tokens [a, b) proposes (passage.h). */
static window window_for(const token_map *t, const sentences *s, uint32_t a, uint32_t b,
                         size_t max_bytes)
{
    uint32_t s0 = s->sid[a], s1 = s->sid[b - 1];
    window w = {s->first[s0], s->first[s1 + 1], 0};
    if (span_bytes(t, w.ws, w.we) <= max_bytes) {
        while (s1 + 1 < s->count && span_bytes(t, w.ws, s->first[s1 + 2]) <= max_bytes)
            w.we = s->first[++s1 + 1];
        while (s0 > 0 && span_bytes(t, s->first[s0 - 1], w.we) <= max_bytes)
            w.ws = s->first[--s0];
        return w;
    }
    const size_t need = span_bytes(t, a, b);
    w.ws = a;
    w.we = b;
    if (need >= max_bytes)
        return w;
    const size_t before = need + (max_bytes - need) / 3;
    const uint32_t lo = s->first[s0], hi = s->first[s1 + 1];
    while (w.ws > lo && span_bytes(t, w.ws - 1, w.we) <= before)
        w.ws--;
    while (w.we < hi && span_bytes(t, w.ws, w.we + 1) <= max_bytes)
        w.we++;
    while (w.ws > lo && span_bytes(t, w.ws - 1, w.we) <= max_bytes)
        w.ws--;
    return w;
}

/* The opening window of a text without matches: whole sentences from the start, or the
 * first tokens of a long first sentence. */
static window opening_window(const token_map *t, const sentences *s, size_t max_bytes)
{
    window w = {0, 1, 0};
    uint32_t s1 = 0;
    if (span_bytes(t, 0, s->first[1]) <= max_bytes) {
        w.we = s->first[1];
        while (s1 + 1 < s->count && span_bytes(t, 0, s->first[s1 + 2]) <= max_bytes)
            w.we = s->first[++s1 + 1];
        return w;
    }
    while (w.we < t->n && span_bytes(t, 0, w.we + 1) <= max_bytes)
        w.we++;
    return w;
}

/* Append the byte ranges of matches[0..n) (sorted by start; token indices relative to
 * the map) that meet [ws, we), clipped to it, overlapping ones merged. */
static int highlights(passage_highlight **out, uint32_t *count, const token_map *t,
                      const passage_match *m, uint32_t n, uint32_t ws, uint32_t we)
{
    passage_highlight *h = NULL;
    uint32_t hn = 0, hcap = 0;
    for (uint32_t k = 0; k < n && m[k].start < we; k++) {
        if (m[k].end <= ws)
            continue;
        const uint32_t a = m[k].start > ws ? m[k].start : ws;
        const uint32_t b = m[k].end < we ? m[k].end : we;
        const size_t bs = t->bs[a], be = t->be[b - 1];
        if (hn > 0 && bs < h[hn - 1].end) {
            if (be > h[hn - 1].end)
                h[hn - 1].end = be;
            continue;
        }
        if (QUIRE_ARRAY_RESERVE(h, hn, hcap, 1) != QUIRE_OK) {
            quire_free(h);
            return quire_oom();
        }
        h[hn].start = bs;
        h[hn].end = be;
        hn++;
    }
    *out = h;
    *count = hn;
    return QUIRE_OK;
}

static void passage_free_one(passage *p)
{
    quire_free(p->highlights);
    p->highlights = NULL;
    p->highlight_count = 0;
}

void passage_free(passage *p, uint32_t n)
{
    if (p == NULL)
        return;
    for (uint32_t i = 0; i < n; i++)
        quire_free(p[i].highlights);
    quire_free(p);
}

/* Split the matches into the title's and the text's, as token indices of each map. */
static int split_matches(const passage_input *in, passage_match **title, uint32_t *nt,
                         passage_match **text, uint32_t *nx)
{
    *title = quire_malloc(((size_t)in->match_count + 1) * sizeof **title);
    *text = quire_malloc(((size_t)in->match_count + 1) * sizeof **text);
    if (*title == NULL || *text == NULL)
        return quire_oom();
    const uint32_t tt = in->title_tokens;
    *nt = *nx = 0;
    for (uint32_t i = 0; i < in->match_count; i++) {
        passage_match m = in->matches[i];
        if (m.start >= m.end || m.clause >= in->clause_count)
            return quire_error(QUIRE_EINVAL, "passages: bad match");
        if (m.end <= tt) {
            (*title)[(*nt)++] = m;
        } else if (m.start > tt) {
            m.start -= tt + 1;
            m.end -= tt + 1;
            (*text)[(*nx)++] = m;
        } else {
            return quire_corrupt("passages: a match crosses from the title to the text");
        }
    }
    qsort(*title, *nt, sizeof **title, cmp_match);
    qsort(*text, *nx, sizeof **text, cmp_match);
    return QUIRE_OK;
}

/* Build passage *p from window w of the tokens t, whose bytes are known in [lo, hi) of
 * the text: widened over punctuation clinging to its first and last words (at most 16
 * bytes, never into white space, a neighbouring token or unknown bytes, ending on
 * character bounds), with the highlights of the matches m[0..nm) (sorted, t's token
 * indices). more_before / more_after: the text goes on before lo / after hi. */
static int make_passage(passage *p, const window *w, const token_map *t, const uint8_t *u,
                        size_t lo, size_t hi, bool more_before, bool more_after,
                        const passage_match *m, uint32_t nm)
{
    p->score = w->score;
    p->cut_before = w->ws > 0 || more_before;
    p->cut_after = w->we < t->n || more_after;
    size_t start = t->bs[w->ws], floor = w->ws > 0 ? t->be[w->ws - 1] : lo;
    while (start > floor && t->bs[w->ws] - start < 16 && !is_space(u[start - 1]))
        start--;
    while (start < t->bs[w->ws] && (u[start] & 0xC0) == 0x80)
        start++;
    size_t end = t->be[w->we - 1];
    const size_t ceil = w->we < t->n ? t->bs[w->we] : hi;
    while (end < ceil && end - t->be[w->we - 1] < 16 && !is_space(u[end]))
        end++;
    while (end < ceil && (u[end] & 0xC0) == 0x80)
        end++;
    p->start = start;
    p->end = end;
    return highlights(&p->highlights, &p->highlight_count, t, m, nm, w->ws, w->we);
}

/* A text without matches: its opening window, from the text's first region (or all). */
static int opening_passage(passage **out, uint32_t *np, quire_analyzer *an, const passage_input *in,
                           size_t max_bytes)
{
    const size_t len =
        in->regions != NULL && in->region_count > 0 ? in->regions[0].end : in->text_len;
    token_map tx = {0};
    sentences sent = {0};
    int rc = tokenize(&tx, an, in->text, 0, len, in->title_tokens + 1, 0, 2 * max_bytes);
    if (rc != QUIRE_OK || tx.n == 0) /* nothing to show */
        goto done;
    rc = cut_sentences(&sent, &tx, in->text);
    if (rc != QUIRE_OK)
        goto done;
    passage *ps = quire_calloc(1, sizeof *ps);
    if (ps == NULL) {
        rc = quire_oom();
        goto done;
    }
    const window w = opening_window(&tx, &sent, max_bytes);
    rc = make_passage(ps, &w, &tx, (const uint8_t *)in->text, 0, len, false,
                      tx.more || len < in->text_len, NULL, 0);
    *out = ps;
    *np = 1;
done:
    quire_free(sent.sid);
    quire_free(sent.first);
    token_map_free(&tx);
    return rc;
}

/* Stage 1 (passage.h): up to `count` matches of m[0..n) (text token indices, sorted by
 * start) whose neighbourhoods of about a passage's length, `span` tokens around them,
 * score best (as windows do) and do not overlap; their indices into picked, ascending. */
static int pick_matches(uint32_t *picked, uint32_t *np, const passage_match *m, uint32_t n,
                        const double *weights, uint32_t clause_count, uint32_t span, uint32_t count)
{
    window *cand = quire_malloc((size_t)n * sizeof *cand);
    uint32_t *counts = quire_calloc(clause_count, sizeof *counts);
    uint32_t *which = quire_malloc((size_t)n * sizeof *which);
    if (cand == NULL || counts == NULL || which == NULL) {
        quire_free(cand);
        quire_free(counts);
        quire_free(which);
        return quire_oom();
    }
    for (uint32_t i = 0; i < n; i++) {
        window w;
        w.ws = m[i].start > span / 2 ? m[i].start - span / 2 : 0;
        w.we = w.ws + span > m[i].end ? w.ws + span : m[i].end;
        w.score = score_window(m, n, w.ws, w.we, weights, counts);
        cand[i] = w;
    }
    /* best first, then earliest (cmp_window); `which` keeps each one's match */
    for (uint32_t i = 0; i < n; i++)
        which[i] = i;
    for (uint32_t i = 1; i < n; i++) { /* insertion sort: stable, n is a hit's matches */
        const uint32_t x = which[i];
        uint32_t j = i;
        for (; j > 0 && cmp_window(&cand[which[j - 1]], &cand[x]) > 0; j--)
            which[j] = which[j - 1];
        which[j] = x;
    }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < n && kept < count; i++) {
        const window *c = &cand[which[i]];
        bool overlaps = false;
        for (uint32_t k = 0; k < kept && !overlaps; k++)
            overlaps = c->ws < cand[picked[k]].we && cand[picked[k]].ws < c->we;
        if (!overlaps)
            picked[kept++] = which[i];
    }
    for (uint32_t i = 1; i < kept; i++) { /* ascending */
        const uint32_t x = picked[i];
        uint32_t j = i;
        for (; j > 0 && picked[j - 1] > x; j--)
            picked[j] = picked[j - 1];
        picked[j] = x;
    }
    *np = kept;
    quire_free(cand);
    quire_free(counts);
    quire_free(which);
    return QUIRE_OK;
}

/* The region around text tokens [a, b): from a map point more than max_bytes before the
 * map point at or before a, to one more than max_bytes after the map point at or after b
 * (or the text's ends), so that a window of the match cannot reach the region's edges.
 * at[j] is the byte start of text token j * EVERY, for j in 0..n_at (at[0] = 0). */
static passage_region region_of(const uint64_t *at, uint32_t n_at, size_t text_len, uint32_t a,
                                uint32_t b, size_t max_bytes)
{
    const uint64_t margin = (uint64_t)max_bytes + 1;
    uint32_t c = a / QUIRE_TEXT_MAP_EVERY, j = c;
    if (c >= n_at)
        c = j = n_at - 1;
    while (j > 0 && at[c] - at[j] < margin)
        j--;
    passage_region r = {(size_t)at[j], text_len, j * QUIRE_TEXT_MAP_EVERY, 1};
    uint32_t e = (b + QUIRE_TEXT_MAP_EVERY - 1) / QUIRE_TEXT_MAP_EVERY;
    if (e >= n_at)
        return r;
    uint32_t k = e;
    while (k < n_at && at[k] - at[e] < margin)
        k++;
    if (k < n_at)
        r.end = (size_t)at[k];
    return r;
}

/* Regions of the picked matches, merged where they meet (their caps added). */
static uint32_t regions_of(passage_region *out, const uint64_t *at, uint32_t n_at, size_t text_len,
                           const passage_match *m, const uint32_t *picked, uint32_t np,
                           size_t max_bytes)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < np; i++) {
        const passage_region r =
            region_of(at, n_at, text_len, m[picked[i]].start, m[picked[i]].end, max_bytes);
        if (n > 0 && r.start <= out[n - 1].end) { /* picked is ascending: so are starts */
            if (r.end > out[n - 1].end)
                out[n - 1].end = r.end;
            out[n - 1].cap++;
            continue;
        }
        out[n++] = r;
    }
    return n;
}

/* Tokens per passage of max_bytes at the text's mean bytes per token: stage 1's span. */
static uint32_t span_tokens(const passage_input *in, size_t max_bytes)
{
    if (in->text_len == 0 || in->text_tokens == 0)
        return 1;
    const double t = (double)max_bytes * in->text_tokens / (double)in->text_len;
    return t < 1 ? 1 : t > UINT32_MAX / 4 ? UINT32_MAX / 4 : (uint32_t)t;
}

int passage_regions(passage_region *out, uint32_t *n, const passage_input *in, const uint64_t *map,
                    uint32_t map_count, uint32_t count, size_t max_bytes)
{
    *n = 0;
    if (count == 0 || count > PASSAGE_MAX_COUNT || max_bytes < 16)
        return quire_error(QUIRE_EINVAL, "passages: count must be 1..%d and length >= 16",
                           PASSAGE_MAX_COUNT);
    passage_match *mt = NULL, *mx = NULL;
    uint32_t nt = 0, nx = 0, picked[PASSAGE_MAX_COUNT], np = 0;
    uint64_t *at = quire_malloc(((size_t)map_count + 1) * sizeof *at);
    int rc = at == NULL ? quire_oom() : split_matches(in, &mt, &nt, &mx, &nx);
    if (rc != QUIRE_OK)
        goto done;
    at[0] = 0;
    memcpy(at + 1, map, (size_t)map_count * sizeof *map);
    if (nx == 0) { /* the opening: a map point at least 3 * max_bytes in */
        uint32_t j = 0;
        while (j <= map_count && at[j] < 3 * (uint64_t)max_bytes)
            j++;
        out[0] = (passage_region){0, j <= map_count ? (size_t)at[j] : in->text_len, 0, 1};
        *n = 1;
        goto done;
    }
    rc = pick_matches(picked, &np, mx, nx, in->weights, in->clause_count,
                      span_tokens(in, max_bytes), count);
    if (rc == QUIRE_OK)
        *n = regions_of(out, at, map_count + 1, in->text_len, mx, picked, np, max_bytes);
done:
    quire_free(at);
    quire_free(mt);
    quire_free(mx);
    return rc;
}

static int cmp_passage(const void *pa, const void *pb)
{
    const passage *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->start > b->start) - (a->start < b->start);
}

static int cmp_passage_start(const void *pa, const void *pb)
{
    const passage *a = pa, *b = pb;
    return (a->start > b->start) - (a->start < b->start);
}

/* Stage 2 in one region: the windows of the matches in it (those at least max_bytes from
 * an edge that is not the text's), scored, the best `r->cap` that do not overlap made
 * into passages appended to ps. `t` holds the region's tokens; mx the text's matches. */
static int region_passages(passage *ps, uint32_t *np, const passage_input *in,
                           const passage_region *r, const token_map *t, const passage_match *mx,
                           uint32_t nx, size_t max_bytes)
{
    sentences sent = {0};
    passage_match *m = quire_malloc(((size_t)nx + 1) * sizeof *m);
    window *cand = quire_malloc(((size_t)nx + 1) * sizeof *cand);
    uint32_t *counts = quire_calloc(in->clause_count, sizeof *counts);
    int rc = m == NULL || cand == NULL || counts == NULL ? quire_oom() : QUIRE_OK;
    if (rc != QUIRE_OK || t->n == 0)
        goto done;
    uint32_t nm = 0;
    for (uint32_t i = 0; i < nx; i++) /* the region's matches, in its token indices */
        if (mx[i].start >= r->first_token && mx[i].end <= r->first_token + t->n) {
            m[nm] = mx[i];
            m[nm].start -= r->first_token;
            m[nm].end -= r->first_token;
            nm++;
        }
    rc = cut_sentences(&sent, t, in->text);
    if (rc != QUIRE_OK)
        goto done;
    const bool more_before = r->start > 0, more_after = r->end < in->text_len;
    uint32_t nc = 0;
    /* A window of a match whose first byte lies within max_bytes of an edge of the region
     * (one that is not the text's) could reach the edge's token and take it for a
     * sentence's bound: such matches are left out, unless that leaves none (a text with
     * long runs of separators between its map points). */
    for (int pass = 0; pass < 2 && nc == 0; pass++)
        for (uint32_t i = 0; i < nm; i++) {
            const size_t at = t->bs[m[i].start];
            if (pass == 0 && ((more_before && at - r->start <= max_bytes) ||
                              (more_after && t->be[t->n - 1] - at <= max_bytes)))
                continue;
            window w = window_for(t, &sent, m[i].start, m[i].end, max_bytes);
            if (nc > 0 && cand[nc - 1].ws == w.ws && cand[nc - 1].we == w.we)
                continue;
            w.score = score_window(m, nm, w.ws, w.we, in->weights, counts);
            cand[nc++] = w;
        }
    qsort(cand, nc, sizeof *cand, cmp_window);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nc && kept < r->cap; i++) {
        bool overlaps = false;
        for (uint32_t k = 0; k < kept && !overlaps; k++)
            overlaps = cand[i].ws < cand[k].we && cand[k].ws < cand[i].we;
        if (!overlaps)
            cand[kept++] = cand[i];
    }
    for (uint32_t i = 0; i < kept && rc == QUIRE_OK; i++) {
        rc = make_passage(&ps[*np], &cand[i], t, (const uint8_t *)in->text, r->start, r->end,
                          more_before, more_after, m, nm);
        (*np)++;
    }
done:
    quire_free(sent.sid);
    quire_free(sent.first);
    quire_free(m);
    quire_free(cand);
    quire_free(counts);
    return rc;
}

/* The passages of a text with matches: stage 1 picks matches, each gets a region (from
 * in->regions, or from the tokens of the whole text when no map gave them: the same
 * regions either way), and stage 2 chooses the windows in each. */
static int match_passages(passage **out, uint32_t *np_out, quire_analyzer *an,
                          const passage_input *in, const passage_match *mx, uint32_t nx,
                          uint32_t count, size_t max_bytes)
{
    token_map full = {0};
    passage_region own[PASSAGE_MAX_COUNT];
    const passage_region *regions = in->regions;
    uint32_t region_count = in->region_count, np = 0;
    uint64_t *at = NULL;
    passage *ps = NULL;
    int rc = QUIRE_OK;
    if (regions == NULL) {
        /* no map: tokenise the whole text, and make the map of it */
        rc = tokenize(&full, an, in->text, 0, in->text_len, in->title_tokens + 1, UINT32_MAX, 0);
        uint32_t last = 0;
        for (uint32_t i = 0; i < nx; i++)
            if (mx[i].end > last)
                last = mx[i].end;
        if (rc == QUIRE_OK && full.n < last)
            rc = quire_corrupt("passages: a match at position %u of %u text tokens",
                               (unsigned)(last - 1), (unsigned)full.n);
        const uint32_t n_at = full.n > 0 ? quire_text_map_count(full.n) + 1 : 1;
        at = rc == QUIRE_OK ? quire_malloc((size_t)n_at * sizeof *at) : NULL;
        if (rc == QUIRE_OK && at == NULL)
            rc = quire_oom();
        if (rc != QUIRE_OK)
            goto done;
        at[0] = 0;
        for (uint32_t j = 1; j < n_at; j++)
            at[j] = full.bs[j * QUIRE_TEXT_MAP_EVERY];
        uint32_t picked[PASSAGE_MAX_COUNT], npicked = 0;
        rc = pick_matches(picked, &npicked, mx, nx, in->weights, in->clause_count,
                          span_tokens(in, max_bytes), count);
        if (rc != QUIRE_OK)
            goto done;
        region_count = regions_of(own, at, n_at, in->text_len, mx, picked, npicked, max_bytes);
        regions = own;
    }
    uint32_t cap = 0;
    for (uint32_t i = 0; i < region_count; i++)
        cap += regions[i].cap;
    ps = quire_calloc(cap + 1, sizeof *ps);
    if (ps == NULL) {
        rc = quire_oom();
        goto done;
    }
    for (uint32_t i = 0; i < region_count && rc == QUIRE_OK; i++) {
        const passage_region *r = &regions[i];
        token_map t = {0};
        if (full.bs != NULL) { /* a view of the whole text's tokens */
            uint32_t n = 0;
            while (r->first_token + n < full.n && full.bs[r->first_token + n] < r->end)
                n++;
            t.bs = full.bs + r->first_token;
            t.be = full.be + r->first_token;
            t.n = r->first_token < full.n ? n : 0;
        } else {
            rc = tokenize(&t, an, in->text, r->start, r->end - r->start,
                          in->title_tokens + 1 + r->first_token, UINT32_MAX, 0);
        }
        if (rc == QUIRE_OK)
            rc = region_passages(ps, &np, in, r, &t, mx, nx, max_bytes);
        if (full.bs == NULL)
            token_map_free(&t);
    }
    if (rc != QUIRE_OK)
        goto done;
    /* the best `count`, in text order (regions are disjoint: so are their windows) */
    qsort(ps, np, sizeof *ps, cmp_passage);
    while (np > count)
        passage_free_one(&ps[--np]);
    qsort(ps, np, sizeof *ps, cmp_passage_start);
    for (uint32_t i = 1; i < np; i++)
        if (ps[i].start < ps[i - 1].end) /* both widened into one gap */
            ps[i].start = ps[i - 1].end;
    *out = ps;
    *np_out = np;
    ps = NULL;
done:
    passage_free(ps, np);
    quire_free(at);
    token_map_free(&full);
    return rc;
}

int passage_build(passage **out, uint32_t *n_out, passage_highlight **title_hl,
                  uint32_t *title_hl_count, quire_analyzer *an, const passage_input *in,
                  uint32_t count, size_t max_bytes)
{
    *out = NULL;
    *n_out = 0;
    *title_hl = NULL;
    *title_hl_count = 0;
    if (count == 0 || count > PASSAGE_MAX_COUNT || max_bytes < 16)
        return quire_error(QUIRE_EINVAL, "passages: count must be 1..%d and length >= 16",
                           PASSAGE_MAX_COUNT);
    token_map tt = {0};
    passage_match *mt = NULL, *mx = NULL;
    uint32_t nt = 0, nx = 0;
    passage *ps = NULL;
    uint32_t np = 0;
    int rc = split_matches(in, &mt, &nt, &mx, &nx);
    if (rc != QUIRE_OK)
        goto done;

    /* Title: highlights only. */
    if (nt > 0) {
        uint32_t last = 0;
        for (uint32_t i = 0; i < nt; i++)
            if (mt[i].end > last)
                last = mt[i].end;
        rc = tokenize(&tt, an, in->title, 0, in->title_len, 0, last - 1, 0);
        if (rc == QUIRE_OK && tt.n < last)
            rc = quire_corrupt("passages: a title match at position %u of %u tokens",
                               (unsigned)(last - 1), (unsigned)tt.n);
        if (rc == QUIRE_OK)
            rc = highlights(title_hl, title_hl_count, &tt, mt, nt, 0, tt.n);
        if (rc != QUIRE_OK)
            goto done;
    }

    /* Text: the region(s) around the chosen matches (see passage.h). */
    if (nx == 0) {
        rc = opening_passage(&ps, &np, an, in, max_bytes);
        goto out;
    }
    rc = match_passages(&ps, &np, an, in, mx, nx, count, max_bytes);
out:
    if (rc != QUIRE_OK)
        goto done;
    *out = ps;
    *n_out = np;
    ps = NULL;
done:
    if (rc != QUIRE_OK) {
        quire_free(*title_hl);
        *title_hl = NULL;
        *title_hl_count = 0;
    }
    passage_free(ps, np);
    quire_free(mt);
    quire_free(mx);
    token_map_free(&tt);
    return rc;
}
