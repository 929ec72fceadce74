/*
 * phrase.c - phrase matching over positions (see phrase.h). Owns the position
 * intersection; leaves postings decoding to format/ and scoring to the planner.
 */
#include "phrase.h"

#include <stdlib.h>
#include <string.h>

#include "quire/postings.h"

typedef struct phrase_word {
    quire_postings_cursor *forms; /* one cursor per form of the word (1 for an exact word) */
    uint32_t form_count;          /* opened */
    /* A stemmed word of several forms also opens its stem's postings (the forms' docs,
     * tfs summed), never decoded: their impacts bound the word's tf, per block too. */
    quire_postings_cursor lead;
    bool has_lead;
    uint32_t doc;        /* smallest doc of its cursors */
    uint64_t cost;       /* documents holding it at most: its stem's df, or its forms' summed */
    const uint32_t *pos; /* its positions in doc pos_doc, ascending */
    uint32_t pos_count;
    uint32_t pos_doc; /* the doc pos belongs to; QUIRE_DOC_END before the first */
    uint32_t *buf;    /* merged positions when several forms hold the doc */
    uint32_t buf_cap;
    uint32_t live_block; /* floor: block_last_doc of the bound cursor's block found live */
    /* Pair terms (FORMAT.md "Pair terms"): with is_pair, forms[0] is the pair of this word
     * and the next, whose positions are this word's where the next follows it, so it
     * checks both offsets; the next word is then `covered`: no cursor, never read. */
    bool is_pair;
    bool covered;
    /* Its cursors are opened but not yet moved (doc reads 0 then): the first advance
     * moves every one of them, to the first target, so a common word's first block is
     * decoded only when a target lies in it. */
    bool fresh;
} phrase_word;

typedef struct phrase_state {
    phrase_word *words;
    uint32_t word_count; /* with cursors to close */
    uint32_t *order;     /* word indexes by ascending cost: the order they lead in */
    uint32_t order_count; /* words in it: all but the covered ones */
    uint32_t *by_tf;     /* scratch: word indexes by ascending tf in the current doc */
    uint32_t *docs, *freqs;
    uint32_t count, cap;
    uint32_t *starts[2]; /* the occurrences in the current doc (NEAR: of each operand) */
    uint32_t starts_cap[2];
    /* A quote with parts (parser.h part_count): per part, its occurrences in the current
     * doc (starts, count, room) and which of them lie on a chain (on, same indexes) */
    uint32_t **part_starts;
    uint32_t *part_counts, *part_caps;
    uint8_t **part_on;
    uint32_t *chain; /* scratch: the starts of one part that lie on a chain, ascending */
    uint32_t chain_cap;
    uint32_t part_total; /* parts with arrays to free */
} phrase_state;

static void word_update(phrase_word *w)
{
    uint32_t doc = QUIRE_DOC_END;
    for (uint32_t i = 0; i < w->form_count; i++)
        if (w->forms[i].doc < doc)
            doc = w->forms[i].doc;
    w->doc = doc;
}

static inline __attribute__((always_inline)) int word_advance(phrase_word *w, uint32_t target)
{
    const bool fresh = w->fresh;
    w->fresh = false;
    if (w->form_count == 1) { /* an exact word or a pair */
        const int rc = quire_postings_advance(&w->forms[0], target);
        w->doc = w->forms[0].doc;
        return rc;
    }
    for (uint32_t i = 0; i < w->form_count; i++) {
        if (fresh || w->forms[i].doc < target) {
            const int rc = quire_postings_advance(&w->forms[i], target);
            if (rc != QUIRE_OK)
                return rc;
        }
    }
    word_update(w);
    return QUIRE_OK;
}

int phrase_word_lookup(const quire_segment *seg, const query_word *qw, quire_term_kind kind,
                       quire_term *out)
{
    for (uint32_t i = 0; i < qw->lookup_count; i++) {
        const word_lookup *l = &qw->lookups[i];
        if (l->seg == seg && l->kind == kind) {
            if (!l->found)
                return QUIRE_ENOTFOUND;
            *out = l->term;
            return QUIRE_OK;
        }
    }
    return quire_segment_lookup(seg, kind, quire_bytes_of(qw->text, qw->len), out);
}

/* Open a cursor on the form `key` into the word's next slot (`t`: its term, when the
 * caller has it already). ENOTFOUND passes through. */
static int open_form_term(phrase_word *w, const quire_segment *seg, quire_bytes key,
                          const quire_term *known)
{
    quire_term t;
    int rc = QUIRE_OK;
    if (known != NULL)
        t = *known;
    else
        rc = quire_segment_lookup(seg, QUIRE_TERM_FORM, key, &t);
    if (rc != QUIRE_OK)
        return rc;
    if (!t.has_positions)
        return quire_corrupt("segment %llu: form '%.*s' has no positions",
                             (unsigned long long)quire_segment_id(seg), (int)key.len,
                             (const char *)key.ptr);
    quire_postings_cursor *c = &w->forms[w->form_count];
    rc = quire_segment_postings(seg, &t, c);
    if (rc != QUIRE_OK)
        return rc;
    w->form_count++;
    return QUIRE_OK; /* not moved: the word is fresh (open_words) */
}

static int open_form(phrase_word *w, const quire_segment *seg, quire_bytes key)
{
    return open_form_term(w, seg, key, NULL);
}

static bool has_prefix(quire_bytes key, quire_bytes prefix)
{
    return key.len >= prefix.len && memcmp(key.ptr, prefix.ptr, prefix.len) == 0;
}

/* Open a cursor on every form starting with the prefix `key` (at most
 * QUERY_MAX_PREFIX_TERMS). QUIRE_ENOTFOUND when there is none. */
static int open_prefix(phrase_word *w, arena *a, const quire_segment *seg, quire_bytes key)
{
    quire_segment_term_iter it;
    quire_bytes k;
    quire_term t;
    uint32_t n = 0;
    int rc = quire_segment_terms_seek(&it, seg, QUIRE_TERM_FORM, key);
    while (rc == QUIRE_OK && (rc = quire_segment_terms_next(&it, &k, &t)) == QUIRE_OK &&
           has_prefix(k, key)) {
        if (++n > QUERY_MAX_PREFIX_TERMS)
            return quire_error(QUIRE_ELIMIT,
                               "prefix '%.*s*' matches more than %d words; make it longer",
                               (int)key.len, (const char *)key.ptr, QUERY_MAX_PREFIX_TERMS);
    }
    if (rc != QUIRE_OK && rc != QUIRE_ENOTFOUND)
        return rc;
    if (n == 0)
        return QUIRE_ENOTFOUND;
    w->forms = arena_alloc(a, (size_t)n * sizeof *w->forms);
    if (w->forms == NULL)
        return quire_oom();
    rc = quire_segment_terms_seek(&it, seg, QUIRE_TERM_FORM, key);
    for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++) {
        rc = quire_segment_terms_next(&it, &k, &t);
        if (rc != QUIRE_OK)
            break;
        if (!t.has_positions)
            return quire_corrupt("segment %llu: form '%.*s' has no positions",
                                 (unsigned long long)quire_segment_id(seg), (int)k.len,
                                 (const char *)k.ptr);
        quire_postings_cursor *c = &w->forms[w->form_count];
        rc = quire_segment_postings(seg, &t, c);
        if (rc != QUIRE_OK)
            break;
        w->form_count++;
    }
    if (rc == QUIRE_ENOTFOUND)
        return quire_corrupt("segment %llu: the dictionary changed under a prefix",
                             (unsigned long long)quire_segment_id(seg));
    return rc;
}

/* Open a cursor on each of the word's listed forms (a fuzzy word's variants) that the
 * segment has. QUIRE_ENOTFOUND when it has none. */
static int open_alts(phrase_word *w, arena *a, const quire_segment *seg, const query_word *qw)
{
    w->forms = arena_alloc(a, ((size_t)qw->alt_count + 1) * sizeof *w->forms);
    if (w->forms == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < qw->alt_count; i++) {
        const int rc = open_form(w, seg, quire_bytes_of(qw->alts[i].text, qw->alts[i].len));
        if (rc != QUIRE_OK && rc != QUIRE_ENOTFOUND)
            return rc;
    }
    return w->form_count > 0 ? QUIRE_OK : QUIRE_ENOTFOUND;
}

/* Open word i's cursors (with_bounds: also a stemmed word's stem postings, for their
 * impacts). QUIRE_ENOTFOUND when the segment lacks it. */
static int open_word(phrase_word *w, arena *a, const quire_segment *seg, const query_word *qw,
                     bool stemmed, bool prefix, bool with_bounds)
{
    const quire_bytes key = quire_bytes_of(qw->text, qw->len);
    if (qw->alts != NULL)
        return open_alts(w, a, seg, qw);
    if (prefix)
        return open_prefix(w, a, seg, key);
    if (!stemmed) {
        quire_term t;
        const int rc = phrase_word_lookup(seg, qw, QUIRE_TERM_FORM, &t);
        if (rc != QUIRE_OK)
            return rc;
        w->forms = arena_alloc(a, sizeof *w->forms);
        if (w->forms == NULL)
            return quire_oom();
        return open_form_term(w, seg, key, &t);
    }
    quire_term stem;
    int rc = phrase_word_lookup(seg, qw, QUIRE_TERM_STEM, &stem);
    if (rc != QUIRE_OK)
        return rc;
    const uint32_t n = stem.form_count > 0 ? stem.form_count : 1;
    w->forms = arena_alloc(a, (size_t)n * sizeof *w->forms);
    if (w->forms == NULL)
        return quire_oom();
    /* its own postings (an alias reads its one form's), for a phrase's bounds; not for
     * NEAR, whose pairs its tfs bound too loosely to skip anything (callgrind: the NEAR
     * queries cost 4.6% more with them, parsing their skip data) */
    if (n > 1 && with_bounds) {
        rc = quire_segment_postings(seg, &stem, &w->lead);
        if (rc != QUIRE_OK)
            return rc;
        w->has_lead = true;
    }
    for (uint32_t i = 0; i < n; i++) {
        quire_bytes form;
        rc = quire_term_form(&stem, i, key, &form);
        if (rc == QUIRE_EINVAL)
            return quire_corrupt("segment %llu: stem '%.*s' lists %u forms",
                                 (unsigned long long)quire_segment_id(seg), (int)qw->len, qw->text,
                                 (unsigned)stem.form_count);
        if (rc == QUIRE_OK)
            rc = open_form(w, seg, form);
        if (rc == QUIRE_ENOTFOUND)
            return quire_corrupt("segment %llu: stem '%.*s' names a missing form",
                                 (unsigned long long)quire_segment_id(seg), (int)qw->len, qw->text);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

static int cmp_u32(const void *pa, const void *pb)
{
    const uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

#define MERGE_WAYS 8 /* the forms of a word in one doc merged head by head; more are sorted */

typedef struct pos_run {
    const uint32_t *p; /* ascending */
    uint32_t n;
} pos_run;

/* Merge two ascending runs of distinct values into out; returns its end. */
static uint32_t *merge2(uint32_t *out, const uint32_t *a, uint32_t na, const uint32_t *b,
                        uint32_t nb)
{
    const uint32_t *ae = a + na, *be = b + nb;
    while (a < ae && b < be) { /* branch-free: which run gives is data, not a jump */
        const uint32_t x = *a, y = *b;
        const bool from_b = y < x;
        *out++ = from_b ? y : x;
        a += !from_b;
        b += from_b;
    }
    memcpy(out, a, (size_t)(ae - a) * sizeof *a);
    out += ae - a;
    memcpy(out, b, (size_t)(be - b) * sizeof *b);
    return out + (be - b);
}

/* Merge k ascending runs of distinct values, n values in all, into out, two at a
 * time: the runs merged so far with the next, in turn into out and scratch (n values
 * each), so that the last merge lands in out. */
static void merge_runs(uint32_t *out, uint32_t *scratch, const pos_run *runs, uint32_t k)
{
    if (k < 2) {
        if (k == 1)
            memcpy(out, runs[0].p, (size_t)runs[0].n * sizeof *out);
        return;
    }
    const uint32_t *cur = runs[0].p;
    uint32_t n = runs[0].n;
    for (uint32_t i = 1; i < k; i++) {
        uint32_t *dst = (k - 1 - i) % 2 == 0 ? out : scratch;
        n = (uint32_t)(merge2(dst, cur, n, runs[i].p, runs[i].n) - dst);
        cur = dst;
    }
}

/* The word's tf in doc `d`, which every word is on: its forms' tfs there, summed. */
static uint32_t word_tf(const phrase_word *w, uint32_t d)
{
    uint64_t tf = 0;
    for (uint32_t i = 0; i < w->form_count; i++)
        if (w->forms[i].doc == d)
            tf += w->forms[i].tf;
    return tf > UINT32_MAX ? UINT32_MAX : (uint32_t)tf;
}

/* The word's positions in doc `d` (every cursor of it that is on d), decoded once per
 * doc: a word's positions are read only when a check needs them. */
static int word_positions(phrase_word *w, uint32_t d)
{
    if (w->pos_doc == d)
        return QUIRE_OK;
    uint32_t on = 0, total = 0;
    quire_postings_cursor *only = NULL;
    for (uint32_t i = 0; i < w->form_count; i++)
        if (w->forms[i].doc == d) {
            on++;
            total += w->forms[i].tf;
            only = &w->forms[i];
        }
    if (on == 1) {
        const int rc = quire_postings_positions(only, &w->pos, &w->pos_count);
        if (rc == QUIRE_OK)
            w->pos_doc = d;
        return rc;
    }
    if (total > w->buf_cap) { /* the merged positions, then as many of scratch */
        uint32_t *buf = quire_realloc(w->buf, (size_t)total * 2 * sizeof *buf);
        if (buf == NULL)
            return quire_oom();
        w->buf = buf;
        w->buf_cap = total;
    }
    pos_run runs[MERGE_WAYS];
    uint32_t n = 0, k = 0;
    for (uint32_t i = 0; i < w->form_count; i++) {
        if (w->forms[i].doc != d)
            continue;
        const uint32_t *pos;
        uint32_t count;
        const int rc = quire_postings_positions(&w->forms[i], &pos, &count);
        if (rc != QUIRE_OK)
            return rc;
        if (count > total - n)
            return quire_corrupt("positions disagree with tf in doc %u", (unsigned)d);
        if (on <= MERGE_WAYS)
            runs[k++] = (pos_run){pos, count};
        else
            memcpy(w->buf + n, pos, (size_t)count * sizeof *pos);
        n += count;
    }
    /* Each position holds one token, so the forms' lists are disjoint: merging their runs
     * (or, for many forms, sorting them) gives the word's. */
    if (on <= MERGE_WAYS)
        merge_runs(w->buf, w->buf + total, runs, k);
    else
        qsort(w->buf, n, sizeof *w->buf, cmp_u32);
    w->pos = w->buf;
    w->pos_count = n;
    w->pos_doc = d;
    return QUIRE_OK;
}

/* Grow *buf to hold `need` values. */
static int reserve(uint32_t **buf, uint32_t *cap, uint32_t need)
{
    if (need <= *cap)
        return QUIRE_OK;
    uint32_t *b = quire_realloc(*buf, (size_t)need * sizeof *b);
    if (b == NULL)
        return quire_oom();
    *buf = b;
    *cap = need;
    return QUIRE_OK;
}

/* Keep the starts s[0..*m) where word i of the phrase (on doc d) stands at s + i: a merge
 * of two ascending lists. */
static int keep_starts(phrase_word *w, uint32_t i, uint32_t d, uint32_t *s, uint32_t *m)
{
    const int rc = word_positions(w, d);
    if (rc != QUIRE_OK)
        return rc;
    uint32_t kept = 0, at = 0;
    for (uint32_t k = 0; k < *m; k++) {
        const uint32_t want = s[k] + i;
        while (at < w->pos_count && w->pos[at] < want)
            at++;
        if (at == w->pos_count)
            break; /* no later start can match either */
        if (w->pos[at] == want)
            s[kept++] = s[k];
    }
    *m = kept;
    return QUIRE_OK;
}

/* The starts in doc `d` where the phrase words[0..n) has words idx[0..k) at their offsets
 * (idx NULL: every word a pair does not cover; each of them on d), in *buf (grown as
 * needed), ascending; starts of occurrences ending past `limit` are left out. The word with
 * the lowest tf proposes the starts (each of its positions, less its offset in the
 * phrase); then each other word, by ascending tf, keeps the starts where it stands at its
 * offset. A word's positions are decoded only when starts remain for it to check, so a
 * document that lacks the phrase usually costs the positions of its rarest two or three
 * words, not of all. */
static int starts_of(phrase_state *st, phrase_word *words, uint32_t n, const uint32_t *idx,
                     uint32_t k, uint32_t d, uint32_t limit, uint32_t **buf, uint32_t *cap,
                     uint32_t *count)
{
    *count = 0;
    uint32_t *by = st->by_tf;
    uint32_t *tf = st->by_tf + n; /* tf of word i at tf[i] */
    uint32_t active = 0;
    for (uint32_t x = 0, end = idx != NULL ? k : n; x < end; x++) {
        const uint32_t i = idx != NULL ? idx[x] : x;
        if (words[i].covered)
            continue;
        tf[i] = word_tf(&words[i], d);
        uint32_t j = active++; /* insertion sort, stable: equal tfs keep phrase order */
        for (; j > 0 && tf[by[j - 1]] > tf[i]; j--)
            by[j] = by[j - 1];
        by[j] = i;
    }
    const uint32_t anchor = by[0];
    phrase_word *a = &words[anchor];
    int rc = word_positions(a, d);
    if (rc == QUIRE_OK)
        rc = reserve(buf, cap, a->pos_count);
    if (rc != QUIRE_OK)
        return rc;
    uint32_t *s = *buf, m = 0;
    for (uint32_t j = 0; j < a->pos_count; j++) {
        if (a->pos[j] < anchor)
            continue;
        const uint32_t start = a->pos[j] - anchor;
        if ((uint64_t)start + n > limit)
            break;
        s[m++] = start;
    }
    for (uint32_t r = 1; r < active && m > 0 && rc == QUIRE_OK; r++)
        rc = keep_starts(&words[by[r]], by[r], d, s, &m);
    *count = m;
    return rc;
}

/* The occurrences of the phrase words[0..n) in doc `d` (every word on it), as their
 * starts in *buf, as starts_of() finds them. */
static int phrase_starts(phrase_state *st, phrase_word *words, uint32_t n, uint32_t d,
                         uint32_t limit, uint32_t **buf, uint32_t *cap, uint32_t *count)
{
    return starts_of(st, words, n, NULL, 0, d, limit, buf, cap, count);
}

/* The occurrences of a NEAR operand, words[0..n), in doc d, as phrase_starts() gives
 * them into st->starts[side]; an operand of one word (not a pair's) gives its positions
 * in place, uncopied. */
static int operand_starts(phrase_state *st, phrase_word *words, uint32_t n, uint32_t d, int side,
                          const uint32_t **starts, uint32_t *count)
{
    if (n == 1 && !words[0].is_pair) {
        const int rc = word_positions(&words[0], d);
        *starts = words[0].pos;
        *count = rc == QUIRE_OK ? words[0].pos_count : 0;
        return rc;
    }
    const int rc = phrase_starts(st, words, n, d, UINT32_MAX, &st->starts[side],
                                 &st->starts_cap[side], count);
    *starts = st->starts[side];
    return rc;
}

/* The first index of starts[0..n) holding a value >= v. */
static uint32_t lower_bound(const uint32_t *starts, uint32_t n, int64_t v)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if ((int64_t)starts[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* An index into ascending starts that only moves forward: the first start >= v, for v
 * that never decrease from call to call. */
typedef struct sweep {
    const uint32_t *s;
    uint32_t n, i;
} sweep;

static uint32_t sweep_to(sweep *w, int64_t v)
{
    while (w->i < w->n && (int64_t)w->s[w->i] < v)
        w->i++;
    return w->i;
}

/* Starts of b in [from, to] clipped to the field [lo, hi), by two sweeps. */
static uint64_t sweep_between(sweep *first, sweep *last, int64_t from, int64_t to, int64_t lo,
                              int64_t hi)
{
    if (from < lo)
        from = lo;
    if (to > hi - 1)
        to = hi - 1;
    if (from > to)
        return 0;
    const uint32_t a = sweep_to(first, from);
    return sweep_to(last, to + 1) - a;
}

/* NEAR pairs (phrase.h, parser.h): a's occurrences at sa[] (la words long), b's at sb[].
 * For each a in ascending order, the b starts after it ([a + la, a + la + dist]) and
 * before it ([a - lb - dist, a - lb]), clipped to a's field: every bound of those windows
 * rises with a, so four sweeps count them in one pass over sb. */
static uint64_t count_pairs_sweeps(const uint32_t *sa, uint32_t na, uint32_t la,
                                   const uint32_t *sb, uint32_t nb, uint32_t lb, uint32_t dist,
                                   bool ordered, uint32_t title_len)
{
    sweep after_lo = {sb, nb, 0}, after_hi = {sb, nb, 0};
    sweep before_lo = {sb, nb, 0}, before_hi = {sb, nb, 0};
    uint64_t pairs = 0;
    for (uint32_t i = 0; i < na; i++) {
        const int64_t a = sa[i];
        /* occurrences never hold position title_len, so their start tells their field */
        const int64_t lo = a < title_len ? 0 : title_len;
        const int64_t hi = a < title_len ? title_len : INT64_MAX;
        pairs += sweep_between(&after_lo, &after_hi, a + la, a + la + dist, lo, hi);
        if (!ordered)
            pairs += sweep_between(&before_lo, &before_hi, a - lb - dist, a - lb, lo, hi);
    }
    return pairs;
}

/* NEAR pairs as count_pairs_sweeps() counts them, for a short reach: one pointer into sb
 * follows the start of a's window, and the few b starts inside the window are looked at
 * one by one (a window spans 2 * dist + la + lb positions, so at most that many). */
static uint64_t count_pairs_window(const uint32_t *sa, uint32_t na, uint32_t la,
                                   const uint32_t *sb, uint32_t nb, uint32_t lb, uint32_t dist,
                                   bool ordered, uint32_t title_len)
{
    uint64_t pairs = 0;
    uint32_t j = 0;
    for (uint32_t i = 0; i < na; i++) {
        const int64_t a = sa[i];
        /* occurrences never hold position title_len, so their start tells their field */
        const int64_t lo = a < title_len ? 0 : title_len;
        const int64_t hi = a < title_len ? (int64_t)title_len - 1 : INT64_MAX;
        int64_t from = ordered ? a + la : a - lb - dist;
        if (from < lo)
            from = lo;
        int64_t to = a + la + dist;
        if (to > hi)
            to = hi;
        while (j < nb && (int64_t)sb[j] < from)
            j++;
        for (uint32_t k = j; k < nb && (int64_t)sb[k] <= to; k++) {
            const int64_t b = sb[k];
            pairs += b >= a + la || b <= a - lb; /* after a, or (unordered) before it */
        }
    }
    return pairs;
}

/* The window count for NEAR/n of a short reach (the parser's usual n), else the sweeps. */
static uint64_t count_pairs(const uint32_t *sa, uint32_t na, uint32_t la, const uint32_t *sb,
                            uint32_t nb, uint32_t lb, uint32_t dist, bool ordered,
                            uint32_t title_len)
{
    if (dist <= 32 && la <= 32 && lb <= 32)
        return count_pairs_window(sa, na, la, sb, nb, lb, dist, ordered, title_len);
    return count_pairs_sweeps(sa, na, la, sb, nb, lb, dist, ordered, title_len);
}

/* A quote with parts in the current doc (parser.h part_count): the occurrences of each
 * part, then, part by part, those that end a chain of the parts before (an occurrence of
 * part k - 1 ending at most near_n words before it starts, in the same field: positions
 * below title_len are the title's, which no occurrence crosses); with `spans`, also back
 * from the last part, those that continue into a whole chain (st->part_on). An
 * occurrence must end by `limit` (title:). Returns in *freq the last part's occurrences
 * that complete a chain. */
static int chain_in_doc(phrase_state *st, const query_node *node, uint32_t d,
                        uint32_t title_len, uint32_t limit, bool spans, uint32_t *freq)
{
    const uint32_t k = node->part_count, gap = node->near_n;
    *freq = 0;
    uint32_t from = 0;
    for (uint32_t i = 0; i < k; i++) {
        const uint32_t len = node->part_ends[i] - from;
        int rc = phrase_starts(st, st->words + from, len, d, UINT32_MAX, &st->part_starts[i],
                               &st->part_caps[i], &st->part_counts[i]);
        if (rc != QUIRE_OK)
            return rc;
        const uint32_t n = st->part_counts[i];
        uint8_t *on = quire_realloc(st->part_on[i], (size_t)n + 1);
        if (on == NULL)
            return quire_oom();
        st->part_on[i] = on;
        if (n > st->chain_cap) {
            uint32_t *c = quire_realloc(st->chain, (size_t)n * sizeof *c);
            if (c == NULL)
                return quire_oom();
            st->chain = c;
            st->chain_cap = n;
        }
        from = node->part_ends[i];
    }
    /* forward: part i's occurrences reachable from a chain of parts 0..i-1 */
    from = 0;
    uint32_t reach = 0; /* of part i - 1, their starts in st->chain */
    for (uint32_t i = 0; i < k; i++) {
        const uint32_t len = node->part_ends[i] - from;
        const uint32_t prev_len = i > 0 ? from - (i > 1 ? node->part_ends[i - 2] : 0) : 0;
        const uint32_t *s = st->part_starts[i];
        uint8_t *on = st->part_on[i];
        for (uint32_t j = 0; j < st->part_counts[i]; j++) {
            bool ok = (uint64_t)s[j] + len <= limit;
            if (ok && i > 0) {
                /* a chain's part i - 1 starting in [lo, hi]: ends at most gap before s[j] */
                int64_t lo = (int64_t)s[j] - gap - prev_len;
                const int64_t hi = (int64_t)s[j] - prev_len;
                if (s[j] > title_len && lo < (int64_t)title_len + 1)
                    lo = (int64_t)title_len + 1;
                const uint32_t at = lower_bound(st->chain, reach, lo);
                ok = at < reach && (int64_t)st->chain[at] <= hi;
            }
            on[j] = ok;
        }
        reach = 0; /* part i's reachable starts replace part i - 1's, read above */
        for (uint32_t j = 0; j < st->part_counts[i]; j++)
            if (on[j])
                st->chain[reach++] = s[j];
        from = node->part_ends[i];
    }
    *freq = reach;
    if (!spans || reach == 0) {
        if (reach == 0)
            for (uint32_t i = 0; i < k; i++)
                memset(st->part_on[i], 0, st->part_counts[i]);
        return QUIRE_OK;
    }
    /* backward: of the reachable occurrences of part i, those a chain of parts i + 1..
     * continues; st->chain holds the continued starts of part i + 1 */
    for (uint32_t i = k - 1; i-- > 0;) {
        const uint32_t start = i > 0 ? node->part_ends[i - 1] : 0;
        const uint32_t len = node->part_ends[i] - start;
        const uint32_t *s = st->part_starts[i];
        uint8_t *on = st->part_on[i];
        uint32_t kept = 0;
        for (uint32_t j = 0; j < st->part_counts[i]; j++) {
            if (!on[j])
                continue;
            const int64_t lo = (int64_t)s[j] + len;
            int64_t hi = lo + gap;
            if (s[j] < title_len && hi > (int64_t)title_len - 1)
                hi = (int64_t)title_len - 1;
            const uint32_t at = lower_bound(st->chain, reach, lo);
            on[j] = at < reach && (int64_t)st->chain[at] <= hi;
        }
        for (uint32_t j = 0; j < st->part_counts[i]; j++)
            if (on[j])
                st->chain[kept++] = s[j];
        reach = kept;
    }
    return QUIRE_OK;
}

/* The occurrences of `node` in doc `d` of `seg`, which every word is on: a phrase's
 * occurrences, or a NEAR's pairs (b's occurrences are not read when a has none). */
static int doc_freq(phrase_state *st, const quire_segment *seg, const query_node *node, uint32_t d,
                    uint32_t *freq)
{
    const uint32_t n = node->word_count;
    *freq = 0;
    if (node->part_count > 1)
        return chain_in_doc(st, node, d, quire_segment_title_len(seg, d),
                            node->field == QUERY_FIELD_TITLE ? quire_segment_title_len(seg, d)
                                                             : UINT32_MAX,
                            false, freq);
    if (node->near_split == 0 && node->field != QUERY_FIELD_TITLE && n == 2 &&
        st->words[0].is_pair) {
        *freq = word_tf(&st->words[0], d); /* the phrase is one pair term: its tf */
        return QUIRE_OK;
    }
    if (node->near_split == 0) {
        /* A match must end before `limit`: the title's length for title:, else anywhere. */
        const uint32_t limit =
            node->field == QUERY_FIELD_TITLE ? quire_segment_title_len(seg, d) : UINT32_MAX;
        return phrase_starts(st, st->words, n, d, limit, &st->starts[0], &st->starts_cap[0], freq);
    }
    const uint32_t split = node->near_split;
    const uint32_t *sa = NULL, *sb = NULL;
    uint32_t na = 0, nb = 0;
    int rc = operand_starts(st, st->words, split, d, 0, &sa, &na);
    if (rc == QUIRE_OK && na > 0)
        rc = operand_starts(st, st->words + split, n - split, d, 1, &sb, &nb);
    if (rc != QUIRE_OK || na == 0 || nb == 0)
        return rc;
    const uint64_t pairs = count_pairs(sa, na, split, sb, nb, n - split, node->near_n,
                                       node->near_ordered, quire_segment_title_len(seg, d));
    *freq = pairs > UINT32_MAX ? UINT32_MAX : (uint32_t)pairs;
    return QUIRE_OK;
}

static int push_match(phrase_state *st, uint32_t doc, uint32_t freq)
{
    if (st->count == st->cap) {
        const uint32_t cap = st->cap ? st->cap * 2 : 64;
        uint32_t *docs = quire_realloc(st->docs, (size_t)cap * sizeof *docs);
        if (docs == NULL)
            return quire_oom();
        st->docs = docs;
        uint32_t *freqs = quire_realloc(st->freqs, (size_t)cap * sizeof *freqs);
        if (freqs == NULL)
            return quire_oom();
        st->freqs = freqs;
        st->cap = cap;
    }
    st->docs[st->count] = doc;
    st->freqs[st->count] = freq;
    st->count++;
    return QUIRE_OK;
}

/* The first doc >= target that the words st->order[k0..k1) all hold, in *doc
 * (QUIRE_DOC_END if none): the words are advanced in that order, rarest first, and one
 * that lands beyond the target raises it and starts the round again (galloping: each
 * advance skips whole blocks). */
static inline __attribute__((always_inline)) int align(phrase_state *st, uint32_t k0, uint32_t k1,
                                                       uint32_t target, uint32_t *doc)
{
again:
    for (uint32_t k = k0; k < k1; k++) {
        phrase_word *w = &st->words[st->order[k]];
        if (w->doc < target || w->fresh) {
            const int rc = word_advance(w, target);
            if (rc != QUIRE_OK)
                return rc;
        }
        if (w->doc == QUIRE_DOC_END) {
            *doc = QUIRE_DOC_END;
            return QUIRE_OK;
        }
        if (w->doc > target) {
            target = w->doc;
            goto again;
        }
    }
    *doc = target;
    return QUIRE_OK;
}

static int check_doc(const quire_segment *seg, uint32_t d)
{
    const uint32_t doc_count = quire_segment_get_stats(seg)->doc_count;
    if (d >= doc_count)
        return quire_corrupt("segment %llu: posting for doc %u of %u",
                             (unsigned long long)quire_segment_id(seg), (unsigned)d,
                             (unsigned)doc_count);
    return QUIRE_OK;
}

static int next_match(phrase_state *st, phrase_cursor *c, const quire_segment *seg,
                      const query_node *node, uint32_t target, uint32_t *doc, uint32_t *freq);

static int scan(phrase_state *st, const quire_segment *seg, const query_node *node)
{
    uint32_t target = 0;
    for (;;) {
        uint32_t d, freq;
        int rc = next_match(st, NULL, seg, node, target, &d, &freq);
        if (rc != QUIRE_OK || d == QUIRE_DOC_END)
            return rc;
        if ((rc = push_match(st, d, freq)) != QUIRE_OK)
            return rc;
        if (d == QUIRE_DOC_END - 1)
            return QUIRE_OK;
        target = d + 1;
    }
}

/* Whether word i of `node` is matched as its exact form (not a stem, prefix or fuzzy word)
 * and in the segment's pair set. */
static bool is_pair_word(const quire_segment *seg, const query_node *node, uint32_t i)
{
    const bool stemmed =
        node->near_split > 0 ? node->near_stemmed[i >= node->near_split] : node->is_stemmed;
    const query_word *qw = &node->words[i];
    return !stemmed && !node->is_prefix && qw->alts == NULL &&
           quire_segment_is_pair_word(seg, quire_bytes_of(qw->text, qw->len));
}

/* Pair terms: in each run of words matched together (the phrase; each NEAR operand; each
 * part of a quote), from the left, two adjacent words of the segment's pair set are read
 * as their pair term: word i's one cursor is the pair's and word i + 1 is covered (neither
 * opens its form). The segment holds every occurrence of every pair of its set, so a pair
 * it lacks occurs nowhere in it: QUIRE_ENOTFOUND (no match here). */
static int open_pairs(phrase_state *st, arena *ar, const quire_segment *seg,
                      const query_node *node)
{
    const uint32_t n = node->word_count;
    for (uint32_t i = 0; i + 1 < n; i++) {
        bool run_ends = node->near_split > 0 && i + 1 == node->near_split;
        for (uint32_t k = 0; node->part_count > 1 && k < node->part_count; k++)
            run_ends = run_ends || node->part_ends[k] == i + 1;
        if (run_ends || !is_pair_word(seg, node, i) || !is_pair_word(seg, node, i + 1))
            continue;
        const query_word *a = &node->words[i], *b = &node->words[i + 1];
        uint8_t key[QUIRE_DICT_MAX_KEY];
        if ((size_t)a->len + 1 + b->len > sizeof key)
            continue;
        memcpy(key, a->text, a->len);
        key[a->len] = QUIRE_PAIR_SEPARATOR;
        memcpy(key + a->len + 1, b->text, b->len);
        quire_term t;
        int rc = quire_segment_lookup(seg, QUIRE_TERM_PAIR,
                                      quire_bytes_of(key, (size_t)a->len + 1 + b->len), &t);
        if (rc != QUIRE_OK)
            return rc; /* ENOTFOUND: the pair, so the phrase, occurs nowhere here */
        if (!t.has_positions)
            return quire_corrupt("segment %llu: pair '%.*s' has no positions",
                                 (unsigned long long)quire_segment_id(seg),
                                 (int)(a->len + 1 + b->len), (const char *)key);
        phrase_word *w = &st->words[i], *next = &st->words[i + 1];
        w->forms = arena_alloc(ar, sizeof *w->forms);
        if (w->forms == NULL)
            return quire_oom();
        rc = quire_segment_postings(seg, &t, &w->forms[0]);
        if (rc != QUIRE_OK)
            return rc;
        w->form_count = 1; /* closed by close_words from here */
        w->is_pair = true;
        next->covered = true;
        next->doc = QUIRE_DOC_END;
        i++; /* the next word is this pair's */
    }
    return QUIRE_OK;
}

/* Open the cursors of every word of `node` into st->words. QUIRE_ENOTFOUND when the
 * segment lacks a word. */
static int open_words(phrase_state *st, arena *a, const quire_segment *seg, const query_node *node)
{
    const uint32_t n = node->word_count;
    st->words = arena_alloc(a, (size_t)n * sizeof *st->words);
    st->order = arena_alloc(a, (size_t)n * sizeof *st->order);
    st->by_tf = arena_alloc(a, (size_t)n * 2 * sizeof *st->by_tf);
    if (st->words == NULL || st->order == NULL || st->by_tf == NULL)
        return quire_oom();
    if (node->part_count > 1) {
        const size_t k = node->part_count;
        st->part_starts = arena_alloc(a, k * sizeof *st->part_starts);
        st->part_counts = arena_alloc(a, k * sizeof *st->part_counts);
        st->part_caps = arena_alloc(a, k * sizeof *st->part_caps);
        st->part_on = arena_alloc(a, k * sizeof *st->part_on);
        if (!st->part_starts || !st->part_counts || !st->part_caps || !st->part_on)
            return quire_oom();
        st->part_total = node->part_count;
    }
    st->word_count = n; /* cleanup closes what each word opened (none: nothing) */
    if (quire_segment_has_pairs(seg)) {
        const int rc = open_pairs(st, a, seg, node);
        if (rc != QUIRE_OK)
            return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        const bool stemmed =
            node->near_split > 0 ? node->near_stemmed[i >= node->near_split] : node->is_stemmed;
        phrase_word *w = &st->words[i];
        if (w->covered)
            continue;
        const int rc = w->is_pair ? QUIRE_OK
                                  : open_word(w, a, seg, &node->words[i], stemmed, node->is_prefix,
                                              node->near_split == 0);
        if (rc != QUIRE_OK)
            return rc;
        word_update(w);
        w->fresh = true;
        w->pos_doc = QUIRE_DOC_END;
        for (uint32_t f = 0; f < w->form_count && !w->has_lead; f++)
            w->cost += w->forms[f].df;
        if (w->has_lead)
            w->cost = w->lead.df;
    }
    st->order_count = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (st->words[i].covered)
            continue;
        uint32_t j = st->order_count++; /* insertion sort by cost, stable: deterministic */
        for (; j > 0 && st->words[st->order[j - 1]].cost > st->words[i].cost; j--)
            st->order[j] = st->order[j - 1];
        st->order[j] = i;
    }
    return QUIRE_OK;
}

/* Close the cursors and free the buffers; closing twice is harmless. */
static void close_words(phrase_state *st)
{
    for (uint32_t i = 0; i < st->word_count; i++) {
        for (uint32_t j = 0; j < st->words[i].form_count; j++)
            quire_postings_close(&st->words[i].forms[j]);
        if (st->words[i].has_lead)
            quire_postings_close(&st->words[i].lead);
        quire_free(st->words[i].buf);
        st->words[i].buf = NULL;
    }
    st->word_count = 0;
    quire_free(st->docs);
    quire_free(st->freqs);
    quire_free(st->starts[0]);
    quire_free(st->starts[1]);
    for (uint32_t i = 0; i < st->part_total; i++) {
        quire_free(st->part_starts[i]);
        quire_free(st->part_on[i]);
    }
    quire_free(st->chain);
    st->docs = st->freqs = st->starts[0] = st->starts[1] = st->chain = NULL;
    st->part_total = 0;
}

int phrase_match_segment(phrase_matches *out, arena *a, const quire_segment *seg,
                         const query_node *node)
{
    memset(out, 0, sizeof *out);
    phrase_state st;
    memset(&st, 0, sizeof st);
    int rc = open_words(&st, a, seg, node);
    if (rc == QUIRE_OK)
        rc = scan(&st, seg, node);
    if (rc != QUIRE_OK || st.count == 0)
        goto done;
    out->docs = arena_alloc(a, (size_t)st.count * sizeof *out->docs);
    out->freqs = arena_alloc(a, (size_t)st.count * sizeof *out->freqs);
    if (out->docs == NULL || out->freqs == NULL) {
        rc = quire_oom();
        goto done;
    }
    memcpy(out->docs, st.docs, (size_t)st.count * sizeof *st.docs);
    memcpy(out->freqs, st.freqs, (size_t)st.count * sizeof *st.freqs);
    out->count = st.count;
done:
    if (rc == QUIRE_ENOTFOUND) /* a word the segment lacks: no match here */
        rc = QUIRE_OK;
    close_words(&st);
    if (rc != QUIRE_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

static int push_span(phrase_span **spans, uint32_t *count, uint32_t *cap, uint32_t start,
                     uint32_t len)
{
    if (*count == *cap) {
        const uint32_t c = *cap ? *cap * 2 : 16;
        phrase_span *s = quire_realloc(*spans, (size_t)c * sizeof *s);
        if (s == NULL)
            return quire_oom();
        *spans = s;
        *cap = c;
    }
    (*spans)[*count].start = start;
    (*spans)[*count].len = len;
    (*count)++;
    return QUIRE_OK;
}

/* Whether the occurrences [sa, sa+la) and [sb, sb+lb) pair (parser.h: same field, no
 * overlap, at most dist words between them, a first when ordered): count_pairs' rule. */
static bool is_pair(uint32_t sa, uint32_t la, uint32_t sb, uint32_t lb, uint32_t dist, bool ordered,
                    uint32_t title_len)
{
    if ((sa < title_len) != (sb < title_len))
        return false;
    if ((uint64_t)sa + la <= sb)
        return sb - (sa + la) <= dist;
    if (!ordered && (uint64_t)sb + lb <= sa)
        return sa - (sb + lb) <= dist;
    return false;
}

/* Whether the occurrence of one operand at s (len l) pairs with any of the other's, at
 * others[0..n) (len lo); `first` says whether s is operand a. Binary search: only the
 * other's occurrences starting within dist + lo + l of s can pair. */
static bool has_partner(uint32_t s, uint32_t l, const uint32_t *others, uint32_t n, uint32_t lo,
                        bool first, const query_node *node, uint32_t title_len)
{
    const int64_t reach = (int64_t)node->near_n + l + lo;
    for (uint32_t k = lower_bound(others, n, (int64_t)s - reach);
         k < n && (int64_t)others[k] <= (int64_t)s + reach; k++) {
        const bool pair =
            first ? is_pair(s, l, others[k], lo, node->near_n, node->near_ordered, title_len)
                  : is_pair(others[k], lo, s, l, node->near_n, node->near_ordered, title_len);
        if (pair)
            return true;
    }
    return false;
}

struct phrase_doc_matcher {
    phrase_state st;
    const quire_segment *seg;
    const query_node *node;
    bool absent; /* the segment lacks a word: no document matches */
};

int phrase_matcher_open(phrase_doc_matcher **out, arena *a, const quire_segment *seg,
                        const query_node *node)
{
    phrase_doc_matcher *m = arena_alloc(a, sizeof *m);
    *out = m;
    if (m == NULL)
        return quire_oom();
    m->seg = seg;
    m->node = node;
    const int rc = open_words(&m->st, a, seg, node);
    if (rc == QUIRE_ENOTFOUND) {
        m->absent = true;
        return QUIRE_OK;
    }
    return rc;
}

void phrase_matcher_close(phrase_doc_matcher *m)
{
    if (m != NULL)
        close_words(&m->st);
}

int phrase_matcher_spans(phrase_doc_matcher *m, uint32_t doc, phrase_span **out, uint32_t *count)
{
    *out = NULL;
    *count = 0;
    if (m->absent)
        return QUIRE_OK;
    phrase_state *st = &m->st;
    const query_node *node = m->node;
    phrase_span *spans = NULL;
    uint32_t n_spans = 0, cap = 0;
    const uint32_t n = node->word_count;
    int rc = QUIRE_OK;
    for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++) {
        if (st->words[i].covered)
            continue;
        if (st->words[i].doc < doc || st->words[i].fresh)
            rc = word_advance(&st->words[i], doc);
        if (rc == QUIRE_OK && st->words[i].doc != doc)
            return QUIRE_OK; /* a word the document lacks: no span */
    }
    const uint32_t title_len = quire_segment_title_len(m->seg, doc);
    if (node->part_count > 1) {
        /* each part's occurrences on a whole chain, as spans of their own */
        uint32_t freq;
        const uint32_t limit = node->field == QUERY_FIELD_TITLE ? title_len : UINT32_MAX;
        rc = chain_in_doc(st, node, doc, title_len, limit, true, &freq);
        for (uint32_t i = 0, from = 0; i < node->part_count && rc == QUIRE_OK; i++) {
            for (uint32_t j = 0; j < st->part_counts[i] && rc == QUIRE_OK; j++)
                if (st->part_on[i][j])
                    rc = push_span(&spans, &n_spans, &cap, st->part_starts[i][j],
                                   node->part_ends[i] - from);
            from = node->part_ends[i];
        }
    } else if (node->near_split > 0) {
        const uint32_t split = node->near_split, lb = n - split;
        const uint32_t *sa = NULL, *sb = NULL;
        uint32_t na = 0, nb = 0;
        rc = operand_starts(st, st->words, split, doc, 0, &sa, &na);
        if (rc == QUIRE_OK && na > 0)
            rc = operand_starts(st, st->words + split, lb, doc, 1, &sb, &nb);
        for (uint32_t i = 0; i < na && rc == QUIRE_OK; i++)
            if (has_partner(sa[i], split, sb, nb, lb, true, node, title_len))
                rc = push_span(&spans, &n_spans, &cap, sa[i], split);
        for (uint32_t i = 0; i < nb && rc == QUIRE_OK; i++)
            if (has_partner(sb[i], lb, sa, na, split, false, node, title_len))
                rc = push_span(&spans, &n_spans, &cap, sb[i], lb);
    } else {
        uint32_t found = 0;
        const uint32_t limit = node->field == QUERY_FIELD_TITLE ? title_len : UINT32_MAX;
        rc =
            phrase_starts(st, st->words, n, doc, limit, &st->starts[0], &st->starts_cap[0], &found);
        for (uint32_t i = 0; i < found && rc == QUIRE_OK; i++)
            rc = push_span(&spans, &n_spans, &cap, st->starts[0][i], n);
    }
    if (rc != QUIRE_OK) {
        quire_free(spans);
        return rc;
    }
    *out = spans;
    *count = n_spans;
    return QUIRE_OK;
}

int phrase_doc_spans(phrase_span **out, uint32_t *count, arena *a, const quire_segment *seg,
                     const query_node *node, uint32_t doc)
{
    phrase_doc_matcher *m = NULL;
    int rc = phrase_matcher_open(&m, a, seg, node);
    if (rc == QUIRE_OK)
        rc = phrase_matcher_spans(m, doc, out, count);
    phrase_matcher_close(m);
    return rc;
}

/* The cursor whose impacts bound the word's tf: its stem's, or its one form's. */
static quire_postings_cursor *bound_cursor(phrase_word *w)
{
    if (w->has_lead)
        return &w->lead;
    return w->form_count == 1 ? &w->forms[0] : NULL;
}

struct phrase_cursor {
    phrase_state st;
    const quire_segment *seg;
    const query_node *node;
    bool has_floor;     /* candidates are checked against the floor below */
    double floor_alpha; /* worth confirming: freq bound > alpha + beta * doc_len */
    double floor_beta;  /* >= 0 */
    uint64_t skipped;   /* candidates passed over under a floor, unconfirmed */
};

int phrase_cursor_open(phrase_cursor **out, arena *a, const quire_segment *seg,
                       const query_node *node)
{
    *out = NULL;
    phrase_cursor *c = arena_alloc(a, sizeof *c);
    if (c == NULL)
        return quire_oom();
    c->seg = seg;
    c->node = node;
    const int rc = open_words(&c->st, a, seg, node);
    if (rc != QUIRE_OK) {
        close_words(&c->st);
        return rc == QUIRE_ENOTFOUND ? QUIRE_OK : rc;
    }
    *out = c;
    return QUIRE_OK;
}

void phrase_cursor_close(phrase_cursor *c)
{
    if (c != NULL)
        close_words(&c->st);
}

uint64_t phrase_cursor_cost(const phrase_cursor *c)
{
    return c->st.words[c->st.order[0]].cost;
}

void phrase_cursor_word_impacts(const phrase_cursor *c, uint32_t i, const quire_impact **impacts,
                                uint32_t *count)
{
    /* a covered word's occurrences in the phrase are its pair's */
    const quire_postings_cursor *b =
        bound_cursor(&c->st.words[i > 0 && c->st.words[i].covered ? i - 1 : i]);
    *impacts = b != NULL ? b->term_impacts : NULL;
    *count = b != NULL ? b->term_impact_count : 0;
}

void phrase_cursor_set_floor(phrase_cursor *c, double alpha, double beta)
{
    c->has_floor = true;
    c->floor_alpha = alpha;
    c->floor_beta = beta;
    for (uint32_t i = 0; i < c->node->word_count; i++)
        c->st.words[i].live_block = QUIRE_DOC_END; /* live under the old floor only */
}

uint64_t phrase_cursor_skipped(const phrase_cursor *c)
{
    return c->skipped;
}

static uint64_t min_tf(const phrase_word *words, uint32_t n, uint32_t d)
{
    uint64_t m = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        if (words[i].covered)
            continue;
        const uint32_t tf = word_tf(&words[i], d);
        if (tf < m)
            m = tf;
    }
    return m;
}

/* The most occurrences `node` can have in doc d, from the words' tfs alone: a phrase
 * occurs at most as often as its rarest word; a NEAR pair needs an occurrence of each
 * operand, and each occurrence pairs with at most n + 1 of the other's on each side. */
static uint64_t freq_bound(const phrase_cursor *c, uint32_t d)
{
    const query_node *node = c->node;
    const phrase_word *w = c->st.words;
    if (node->near_split == 0)
        return min_tf(w, node->word_count, d);
    const uint64_t ta = min_tf(w, node->near_split, d);
    const uint64_t tb = min_tf(w + node->near_split, node->word_count - node->near_split, d);
    const uint64_t reach = ((uint64_t)node->near_n + 1) * (node->near_ordered ? 1 : 2);
    uint64_t m = ta * tb;
    if (ta * reach < m)
        m = ta * reach;
    if (tb * reach < m)
        m = tb * reach;
    return m;
}

/* The most occurrences of the node one occurrence of a word allows: 1 for a phrase; for
 * NEAR the partners it can have (n + 1 on each side it may pair on). */
static double word_reach(const query_node *node)
{
    if (node->near_split == 0)
        return 1.0;
    return ((double)node->near_n + 1.0) * (node->near_ordered ? 1.0 : 2.0);
}

/* Whether `occurrences` in a document of doc_len tokens are no more than the floor lets
 * pass over. */
static bool is_below(const phrase_cursor *c, double occurrences, uint32_t doc_len)
{
    return occurrences <= c->floor_alpha + c->floor_beta * (double)doc_len;
}

/* Whether no document of b's current block can beat the floor: each of its impacts (a
 * tf no posting of the block exceeds at a doc_len no shorter one has) is below it, and
 * beta >= 0 makes a longer document need more. */
static bool block_is_below(const phrase_cursor *c, const quire_postings_cursor *b, double reach)
{
    if (b->block_impact_count == 0)
        return false;
    for (uint32_t i = 0; i < b->block_impact_count; i++)
        if (!is_below(c, (double)b->block_impacts[i].tf * reach, b->block_impacts[i].doc_len))
            return false;
    return true;
}

/* align() under a floor (block-max skipping): before a word is advanced, a block of its
 * postings whose impacts are all below the floor is skipped whole, undecoded; once it
 * is on the target, its own tf below the floor moves the target on before the other
 * words are read. Skipped documents are counted (they may have matched). */
static inline __attribute__((always_inline)) int
align_floor(phrase_cursor *c, uint32_t k0, uint32_t k1, uint32_t target, uint32_t *doc)
{
    phrase_state *st = &c->st;
    const double reach = word_reach(c->node);
again:
    for (uint32_t k = k0; k < k1; k++) {
        phrase_word *w = &st->words[st->order[k]];
        quire_postings_cursor *b = bound_cursor(w);
        int rc;
        if (b != NULL) {
            if ((rc = quire_postings_shallow_advance(b, target)) != QUIRE_OK)
                return rc;
            if (b->block_last_doc == QUIRE_DOC_END)
                goto none; /* past its last block */
            if (b->block_last_doc != w->live_block) {
                if (block_is_below(c, b, reach)) {
                    c->skipped++;
                    if (b->block_last_doc == QUIRE_DOC_END - 1)
                        goto none;
                    target = b->block_last_doc + 1;
                    goto again;
                }
                w->live_block = b->block_last_doc;
            }
        }
        if ((w->doc < target || w->fresh) && (rc = word_advance(w, target)) != QUIRE_OK)
            return rc;
        if (w->doc == QUIRE_DOC_END)
            goto none;
        if (w->doc > target) {
            target = w->doc;
            goto again;
        }
        if (is_below(c, (double)word_tf(w, target) * reach,
                     quire_segment_doc_len(c->seg, target))) {
            c->skipped++;
            if (target == QUIRE_DOC_END - 1)
                goto none;
            target++;
            goto again;
        }
    }
    *doc = target;
    return QUIRE_OK;
none:
    *doc = QUIRE_DOC_END;
    return QUIRE_OK;
}

/* Staged matching, for a phrase of more than STAGE_WORDS words to read (no NEAR, no
 * parts): only its STAGE_WORDS rarest words are aligned on a candidate and their positions
 * intersected; each other word, by ascending cost, is moved onto the candidate only while
 * starts remain. The common words of a quote are then read (a block of their postings
 * decoded) only in the documents where its rare words stand in place, not in every
 * document that holds them all. */
#define STAGE_WORDS 2

static bool is_staged(const phrase_state *st, const query_node *node)
{
    return node->near_split == 0 && node->part_count <= 1 && st->order_count > STAGE_WORDS;
}

/* The least tf in doc d of the words st->order[0..k) (on d): the most occurrences a phrase
 * can have there. */
static uint64_t order_min_tf(const phrase_state *st, uint32_t k, uint32_t d)
{
    uint64_t m = UINT64_MAX;
    for (uint32_t j = 0; j < k; j++) {
        const uint32_t tf = word_tf(&st->words[st->order[j]], d);
        if (tf < m)
            m = tf;
    }
    return m;
}

/* The first doc >= target where `node` occurs, in *doc (QUIRE_DOC_END if none), with its
 * occurrences there in *freq. With c (a cursor with a floor), candidates whose words' tfs
 * cannot beat the floor are passed over (counted in c->skipped). */
static int next_match(phrase_state *st, phrase_cursor *c, const quire_segment *seg,
                      const query_node *node, uint32_t target, uint32_t *doc, uint32_t *freq)
{
    const bool staged = is_staged(st, node);
    const uint32_t k = staged ? STAGE_WORDS : st->order_count;
    for (;;) {
        uint32_t d;
        int rc = c != NULL ? align_floor(c, 0, k, target, &d) : align(st, 0, k, target, &d);
        if (rc != QUIRE_OK)
            return rc;
        if (d == QUIRE_DOC_END)
            break;
        if ((rc = check_doc(seg, d)) != QUIRE_OK)
            return rc;
        uint32_t next = d == QUIRE_DOC_END - 1 ? QUIRE_DOC_END : d + 1;
        uint32_t f = 0;
        if (c != NULL &&
            (double)(staged ? order_min_tf(st, k, d) : freq_bound(c, d)) <=
                c->floor_alpha + c->floor_beta * (double)quire_segment_doc_len(seg, d)) {
            c->skipped++;
        } else if (!staged) {
            if ((rc = doc_freq(st, seg, node, d, &f)) != QUIRE_OK)
                return rc;
        } else {
            const uint32_t limit =
                node->field == QUERY_FIELD_TITLE ? quire_segment_title_len(seg, d) : UINT32_MAX;
            rc = starts_of(st, st->words, node->word_count, st->order, k, d, limit, &st->starts[0],
                           &st->starts_cap[0], &f);
            for (uint32_t r = k; r < st->order_count && f > 0 && rc == QUIRE_OK; r++) {
                uint32_t on;
                rc = c != NULL ? align_floor(c, r, r + 1, d, &on) : align(st, r, r + 1, d, &on);
                if (rc == QUIRE_OK && on != d) {
                    f = 0; /* word r lacks d (or is below the floor there), and all up to on */
                    next = on;
                } else if (rc == QUIRE_OK) {
                    rc = keep_starts(&st->words[st->order[r]], st->order[r], d, st->starts[0], &f);
                }
            }
            if (rc != QUIRE_OK)
                return rc;
        }
        if (f > 0) {
            *doc = d;
            *freq = f;
            return QUIRE_OK;
        }
        if (next == QUIRE_DOC_END)
            break;
        target = next;
    }
    *doc = QUIRE_DOC_END;
    *freq = 0;
    return QUIRE_OK;
}

int phrase_cursor_next(phrase_cursor *c, uint32_t target, uint32_t *doc, uint32_t *freq)
{
    return next_match(&c->st, c->has_floor ? c : NULL, c->seg, c->node, target, doc, freq);
}
