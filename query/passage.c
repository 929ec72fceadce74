/*
 * passage.c - best passages and highlights of one hit (see passage.h). Owns sentence
 * cutting, window scoring and selection; leaves tokenising to analysis/ and finding the
 * matches to phrase.c.
 */
#include "passage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static int oom(void)
{
    return quire_error(QUIRE_ENOMEM, "query: out of memory");
}

static void token_map_free(token_map *t)
{
    quire_free(t->bs);
    quire_free(t->be);
    memset(t, 0, sizeof *t);
}

/* Tokenise text[0..len) from position first_pos, through token index need_idx and then
 * on while tokens start within `margin` bytes after its end. */
static int tokenize(token_map *t, quire_analyzer *an, const char *text, size_t len,
                    uint32_t first_pos, uint32_t need_idx, size_t margin)
{
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, len, first_pos, false);
    while (quire_tokens_next(&it, &tok)) {
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
                return oom();
            t->bs = bs;
            size_t *be = quire_realloc(t->be, (size_t)cap * sizeof *be);
            if (be == NULL)
                return oom();
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

static int cmp_start(const void *pa, const void *pb)
{
    const window *a = pa, *b = pb;
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
        return oom();
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
    uint32_t hn = 0;
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
        if ((hn & (hn - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power of two */
            passage_highlight *g = quire_realloc(h, (size_t)(hn ? hn * 2 : 1) * sizeof *g);
            if (g == NULL) {
                quire_free(h);
                return oom();
            }
            h = g;
        }
        h[hn].start = bs;
        h[hn].end = be;
        hn++;
    }
    *out = h;
    *count = hn;
    return QUIRE_OK;
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
        return oom();
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
    token_map tt = {0}, tx = {0};
    sentences sent = {0};
    passage_match *mt = NULL, *mx = NULL;
    uint32_t nt = 0, nx = 0;
    window *cand = NULL;
    uint32_t *counts = NULL;
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
        rc = tokenize(&tt, an, in->title, in->title_len, 0, last - 1, 0);
        if (rc == QUIRE_OK && tt.n < last)
            rc = quire_corrupt("passages: a title match at position %u of %u tokens",
                               (unsigned)(last - 1), (unsigned)tt.n);
        if (rc == QUIRE_OK)
            rc = highlights(title_hl, title_hl_count, &tt, mt, nt, 0, tt.n);
        if (rc != QUIRE_OK)
            goto done;
    }

    /* Text: tokens up to 2 * max_bytes past the last match. */
    uint32_t last = 0;
    for (uint32_t i = 0; i < nx; i++)
        if (mx[i].end > last)
            last = mx[i].end;
    rc = tokenize(&tx, an, in->text, in->text_len, in->title_tokens + 1, last > 0 ? last - 1 : 0,
                  2 * max_bytes);
    if (rc == QUIRE_OK && nx > 0 && tx.n < last)
        rc = quire_corrupt("passages: a match at position %u of %u text tokens",
                           (unsigned)(last - 1), (unsigned)tx.n);
    if (rc != QUIRE_OK)
        goto done;
    if (tx.n == 0)
        goto done; /* nothing to show */
    rc = cut_sentences(&sent, &tx, in->text);
    if (rc != QUIRE_OK)
        goto done;

    uint32_t nc = 0;
    if (nx > 0) {
        cand = quire_malloc((size_t)nx * sizeof *cand);
        counts = quire_calloc(in->clause_count, sizeof *counts);
        if (cand == NULL || counts == NULL) {
            rc = oom();
            goto done;
        }
        for (uint32_t i = 0; i < nx; i++) {
            window w = window_for(&tx, &sent, mx[i].start, mx[i].end, max_bytes);
            if (nc > 0 && cand[nc - 1].ws == w.ws && cand[nc - 1].we == w.we)
                continue;
            w.score = score_window(mx, nx, w.ws, w.we, in->weights, counts);
            cand[nc++] = w;
        }
        qsort(cand, nc, sizeof *cand, cmp_window);
        /* Keep the best that overlap no kept one; kept ones are moved to the front. */
        uint32_t kept = 0;
        for (uint32_t i = 0; i < nc && kept < count; i++) {
            bool overlaps = false;
            for (uint32_t k = 0; k < kept && !overlaps; k++)
                overlaps = cand[i].ws < cand[k].we && cand[k].ws < cand[i].we;
            if (!overlaps)
                cand[kept++] = cand[i];
        }
        nc = kept;
    } else {
        cand = quire_malloc(sizeof *cand);
        if (cand == NULL) {
            rc = oom();
            goto done;
        }
        cand[0] = opening_window(&tx, &sent, max_bytes);
        nc = 1;
    }
    qsort(cand, nc, sizeof *cand, cmp_start);

    ps = quire_calloc(nc, sizeof *ps);
    if (ps == NULL) {
        rc = oom();
        goto done;
    }
    const uint8_t *u = (const uint8_t *)in->text;
    for (uint32_t i = 0; i < nc; i++) {
        const window *w = &cand[i];
        passage *p = &ps[np++];
        p->score = w->score;
        p->cut_before = w->ws > 0;
        p->cut_after = w->we < tx.n || tx.more;
        /* Widen over punctuation clinging to the first and last words, at most 16 bytes,
         * never into white space or a neighbouring token, ending on character bounds. */
        size_t start = tx.bs[w->ws], floor = w->ws > 0 ? tx.be[w->ws - 1] : 0;
        while (start > floor && tx.bs[w->ws] - start < 16 && !is_space(u[start - 1]))
            start--;
        while (start < tx.bs[w->ws] && (u[start] & 0xC0) == 0x80)
            start++;
        size_t end = tx.be[w->we - 1];
        const size_t ceil = w->we < tx.n ? tx.bs[w->we] : in->text_len;
        while (end < ceil && end - tx.be[w->we - 1] < 16 && !is_space(u[end]))
            end++;
        while (end < ceil && (u[end] & 0xC0) == 0x80)
            end++;
        if (np > 1 && start < ps[np - 2].end) /* both widened into one gap */
            start = ps[np - 2].end;
        p->start = start;
        p->end = end;
        rc = highlights(&p->highlights, &p->highlight_count, &tx, mx, nx, w->ws, w->we);
        if (rc != QUIRE_OK)
            goto done;
    }
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
    quire_free(counts);
    quire_free(cand);
    quire_free(sent.sid);
    quire_free(sent.first);
    quire_free(mt);
    quire_free(mx);
    token_map_free(&tt);
    token_map_free(&tx);
    return rc;
}
