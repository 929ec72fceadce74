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
    uint32_t doc;                 /* smallest doc of its cursors */
    const uint32_t *pos;          /* its positions in the current doc, ascending */
    uint32_t pos_count;
    uint32_t *buf; /* merged positions when several forms hold the doc */
    uint32_t buf_cap;
    uint32_t at; /* scan index into pos */
} phrase_word;

typedef struct phrase_state {
    phrase_word *words;
    uint32_t word_count; /* with cursors to close */
    uint32_t *docs, *freqs;
    uint32_t count, cap;
    uint32_t *starts[2]; /* NEAR: the operands' occurrences in the current doc */
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

static int oom(void)
{
    return quire_error(QUIRE_ENOMEM, "query: out of memory");
}

static void word_update(phrase_word *w)
{
    uint32_t doc = QUIRE_DOC_END;
    for (uint32_t i = 0; i < w->form_count; i++)
        if (w->forms[i].doc < doc)
            doc = w->forms[i].doc;
    w->doc = doc;
}

static int word_advance(phrase_word *w, uint32_t target)
{
    for (uint32_t i = 0; i < w->form_count; i++) {
        if (w->forms[i].doc < target) {
            const int rc = quire_postings_advance(&w->forms[i], target);
            if (rc != QUIRE_OK)
                return rc;
        }
    }
    word_update(w);
    return QUIRE_OK;
}

/* Open a cursor on the form `key` into the word's next slot. ENOTFOUND passes through. */
static int open_form(phrase_word *w, const quire_segment *seg, quire_bytes key)
{
    quire_term t;
    int rc = quire_segment_lookup(seg, QUIRE_TERM_FORM, key, &t);
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
    return quire_postings_next(c);
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
        return oom();
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
        rc = quire_postings_next(c);
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
        return oom();
    for (uint32_t i = 0; i < qw->alt_count; i++) {
        const int rc = open_form(w, seg, quire_bytes_of(qw->alts[i].text, qw->alts[i].len));
        if (rc != QUIRE_OK && rc != QUIRE_ENOTFOUND)
            return rc;
    }
    return w->form_count > 0 ? QUIRE_OK : QUIRE_ENOTFOUND;
}

/* Open word i's cursors. QUIRE_ENOTFOUND when the segment lacks it. */
static int open_word(phrase_word *w, arena *a, const quire_segment *seg, const query_word *qw,
                     bool stemmed, bool prefix)
{
    const quire_bytes key = quire_bytes_of(qw->text, qw->len);
    if (qw->alts != NULL)
        return open_alts(w, a, seg, qw);
    if (prefix)
        return open_prefix(w, a, seg, key);
    if (!stemmed) {
        w->forms = arena_alloc(a, sizeof *w->forms);
        if (w->forms == NULL)
            return oom();
        return open_form(w, seg, key);
    }
    quire_term stem;
    int rc = quire_segment_lookup(seg, QUIRE_TERM_STEM, key, &stem);
    if (rc != QUIRE_OK)
        return rc;
    const uint32_t n = stem.form_count > 0 ? stem.form_count : 1;
    w->forms = arena_alloc(a, (size_t)n * sizeof *w->forms);
    if (w->forms == NULL)
        return oom();
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

/* The word's positions in doc `d` (every cursor of it that is on d). */
static int word_positions(phrase_word *w, uint32_t d)
{
    uint32_t on = 0, total = 0;
    quire_postings_cursor *only = NULL;
    for (uint32_t i = 0; i < w->form_count; i++)
        if (w->forms[i].doc == d) {
            on++;
            total += w->forms[i].tf;
            only = &w->forms[i];
        }
    if (on == 1)
        return quire_postings_positions(only, &w->pos, &w->pos_count);
    if (total > w->buf_cap) {
        uint32_t *buf = quire_realloc(w->buf, (size_t)total * sizeof *buf);
        if (buf == NULL)
            return oom();
        w->buf = buf;
        w->buf_cap = total;
    }
    uint32_t n = 0;
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
        memcpy(w->buf + n, pos, (size_t)count * sizeof *pos);
        n += count;
    }
    /* Each position holds one token, so the forms' lists are disjoint: sorting merges. */
    qsort(w->buf, n, sizeof *w->buf, cmp_u32);
    w->pos = w->buf;
    w->pos_count = n;
    return QUIRE_OK;
}

/* Occurrences of the phrase words[0..n) in the current doc: for each position of the word
 * with the fewest, check every other word at its offset. Starts rise, so every scan index
 * only moves forward: linear in the positions read. With `starts`, also writes each
 * occurrence's first position there (room for the fewest positions of a word). */
static uint32_t count_in_doc(phrase_word *words, uint32_t n, uint32_t limit, uint32_t *starts)
{
    uint32_t anchor = 0;
    for (uint32_t i = 0; i < n; i++) {
        words[i].at = 0;
        if (words[i].pos_count < words[anchor].pos_count)
            anchor = i;
    }
    uint32_t freq = 0;
    const phrase_word *a = &words[anchor];
    for (uint32_t k = 0; k < a->pos_count; k++) {
        if (a->pos[k] < anchor)
            continue;
        const uint32_t start = a->pos[k] - anchor;
        if ((uint64_t)start + n > limit)
            break;
        bool all = true;
        for (uint32_t i = 0; i < n && all; i++) {
            if (i == anchor)
                continue;
            phrase_word *w = &words[i];
            const uint32_t want = start + i;
            while (w->at < w->pos_count && w->pos[w->at] < want)
                w->at++;
            if (w->at == w->pos_count)
                return freq; /* no later start can match either */
            all = w->pos[w->at] == want;
        }
        if (all && starts != NULL)
            starts[freq] = start;
        freq += all;
    }
    return freq;
}

/* The occurrences of words[0..n) as starts in *buf (grown as needed); their count. */
static int occurrence_starts(phrase_word *words, uint32_t n, uint32_t **buf, uint32_t *cap,
                             uint32_t *count)
{
    uint32_t fewest = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++)
        if (words[i].pos_count < fewest)
            fewest = words[i].pos_count;
    if (fewest > *cap) {
        uint32_t *b = quire_realloc(*buf, (size_t)fewest * sizeof *b);
        if (b == NULL)
            return oom();
        *buf = b;
        *cap = fewest;
    }
    *count = count_in_doc(words, n, UINT32_MAX, *buf);
    return QUIRE_OK;
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

/* Starts of b in [from, to], clipped to the field [field_lo, field_hi). */
static uint64_t count_between(const uint32_t *sb, uint32_t nb, int64_t from, int64_t to,
                              int64_t field_lo, int64_t field_hi)
{
    if (from < field_lo)
        from = field_lo;
    if (to > field_hi - 1)
        to = field_hi - 1;
    if (from > to)
        return 0;
    return lower_bound(sb, nb, to + 1) - lower_bound(sb, nb, from);
}

/* NEAR pairs (phrase.h, parser.h): a's occurrences at sa[] (la words long), b's at sb[]. */
static uint64_t count_pairs(const uint32_t *sa, uint32_t na, uint32_t la, const uint32_t *sb,
                            uint32_t nb, uint32_t lb, uint32_t dist, bool ordered,
                            uint32_t title_len)
{
    uint64_t pairs = 0;
    for (uint32_t i = 0; i < na; i++) {
        const int64_t a = sa[i];
        /* occurrences never hold position title_len, so their start tells their field */
        const int64_t lo = a < title_len ? 0 : title_len;
        const int64_t hi = a < title_len ? title_len : INT64_MAX;
        pairs += count_between(sb, nb, a + la, a + la + dist, lo, hi);
        if (!ordered)
            pairs += count_between(sb, nb, a - lb - dist, a - lb, lo, hi);
    }
    return pairs;
}

/* The first index of starts[0..n) holding a value >= v. */
static uint32_t lower_bound(const uint32_t *starts, uint32_t n, int64_t v);

/* A quote with parts in the current doc (parser.h part_count): the occurrences of each
 * part, then, part by part, those that end a chain of the parts before (an occurrence of
 * part k - 1 ending at most near_n words before it starts, in the same field: positions
 * below title_len are the title's, which no occurrence crosses); with `spans`, also back
 * from the last part, those that continue into a whole chain (st->part_on). An
 * occurrence must end by `limit` (title:). Returns in *freq the last part's occurrences
 * that complete a chain. */
static int chain_in_doc(phrase_state *st, const query_node *node, uint32_t title_len,
                        uint32_t limit, bool spans, uint32_t *freq)
{
    const uint32_t k = node->part_count, gap = node->near_n;
    *freq = 0;
    uint32_t from = 0;
    for (uint32_t i = 0; i < k; i++) {
        const uint32_t len = node->part_ends[i] - from;
        int rc = occurrence_starts(st->words + from, len, &st->part_starts[i], &st->part_caps[i],
                                   &st->part_counts[i]);
        if (rc != QUIRE_OK)
            return rc;
        const uint32_t n = st->part_counts[i];
        uint8_t *on = quire_realloc(st->part_on[i], (size_t)n + 1);
        if (on == NULL)
            return oom();
        st->part_on[i] = on;
        if (n > st->chain_cap) {
            uint32_t *c = quire_realloc(st->chain, (size_t)n * sizeof *c);
            if (c == NULL)
                return oom();
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

static int push_match(phrase_state *st, uint32_t doc, uint32_t freq)
{
    if (st->count == st->cap) {
        const uint32_t cap = st->cap ? st->cap * 2 : 64;
        uint32_t *docs = quire_realloc(st->docs, (size_t)cap * sizeof *docs);
        if (docs == NULL)
            return oom();
        st->docs = docs;
        uint32_t *freqs = quire_realloc(st->freqs, (size_t)cap * sizeof *freqs);
        if (freqs == NULL)
            return oom();
        st->freqs = freqs;
        st->cap = cap;
    }
    st->docs[st->count] = doc;
    st->freqs[st->count] = freq;
    st->count++;
    return QUIRE_OK;
}

static int scan(phrase_state *st, const quire_segment *seg, const query_node *node)
{
    const uint32_t n = node->word_count;
    const uint32_t doc_count = quire_segment_get_stats(seg)->doc_count;
    uint32_t target = 0;
    for (;;) {
        bool agreed = true;
        for (uint32_t i = 0; i < n; i++) {
            phrase_word *w = &st->words[i];
            if (w->doc < target) {
                const int rc = word_advance(w, target);
                if (rc != QUIRE_OK)
                    return rc;
            }
            if (w->doc == QUIRE_DOC_END)
                return QUIRE_OK;
            if (w->doc > target) {
                target = w->doc;
                agreed = false;
                break;
            }
        }
        if (!agreed)
            continue;
        if (target >= doc_count)
            return quire_corrupt("segment %llu: posting for doc %u of %u",
                                 (unsigned long long)quire_segment_id(seg), (unsigned)target,
                                 (unsigned)doc_count);
        for (uint32_t i = 0; i < n; i++) {
            const int rc = word_positions(&st->words[i], target);
            if (rc != QUIRE_OK)
                return rc;
        }
        /* A match must end before `limit`: the title's length for title:, else anywhere. */
        const uint32_t limit =
            node->field == QUERY_FIELD_TITLE ? quire_segment_title_len(seg, target) : UINT32_MAX;
        uint32_t freq;
        if (node->part_count > 1) {
            const int rc =
                chain_in_doc(st, node, quire_segment_title_len(seg, target), limit, false, &freq);
            if (rc != QUIRE_OK)
                return rc;
        } else if (node->near_split > 0) {
            const uint32_t split = node->near_split;
            uint32_t na = 0, nb = 0;
            int rc = occurrence_starts(st->words, split, &st->starts[0], &st->starts_cap[0], &na);
            if (rc == QUIRE_OK)
                rc = occurrence_starts(st->words + split, n - split, &st->starts[1],
                                       &st->starts_cap[1], &nb);
            if (rc != QUIRE_OK)
                return rc;
            const uint64_t pairs = na == 0 || nb == 0
                                       ? 0
                                       : count_pairs(st->starts[0], na, split, st->starts[1], nb,
                                                     n - split, node->near_n, node->near_ordered,
                                                     quire_segment_title_len(seg, target));
            freq = pairs > UINT32_MAX ? UINT32_MAX : (uint32_t)pairs;
        } else {
            freq = count_in_doc(st->words, n, limit, NULL);
        }
        if (freq > 0) {
            const int rc = push_match(st, target, freq);
            if (rc != QUIRE_OK)
                return rc;
        }
        if (target == QUIRE_DOC_END - 1)
            return QUIRE_OK;
        target++;
    }
}

/* Open the cursors of every word of `node` into st->words. QUIRE_ENOTFOUND when the
 * segment lacks a word. */
static int open_words(phrase_state *st, arena *a, const quire_segment *seg, const query_node *node)
{
    st->words = arena_alloc(a, (size_t)node->word_count * sizeof *st->words);
    if (st->words == NULL)
        return oom();
    if (node->part_count > 1) {
        const size_t k = node->part_count;
        st->part_starts = arena_alloc(a, k * sizeof *st->part_starts);
        st->part_counts = arena_alloc(a, k * sizeof *st->part_counts);
        st->part_caps = arena_alloc(a, k * sizeof *st->part_caps);
        st->part_on = arena_alloc(a, k * sizeof *st->part_on);
        if (!st->part_starts || !st->part_counts || !st->part_caps || !st->part_on)
            return oom();
        st->part_total = node->part_count;
    }
    for (uint32_t i = 0; i < node->word_count; i++) {
        st->word_count = i + 1; /* so cleanup closes what this word opened */
        const bool stemmed =
            node->near_split > 0 ? node->near_stemmed[i >= node->near_split] : node->is_stemmed;
        const int rc = open_word(&st->words[i], a, seg, &node->words[i], stemmed, node->is_prefix);
        if (rc != QUIRE_OK)
            return rc;
        word_update(&st->words[i]);
    }
    return QUIRE_OK;
}

static void close_words(phrase_state *st)
{
    for (uint32_t i = 0; i < st->word_count; i++) {
        for (uint32_t j = 0; j < st->words[i].form_count; j++)
            quire_postings_close(&st->words[i].forms[j]);
        quire_free(st->words[i].buf);
    }
    quire_free(st->docs);
    quire_free(st->freqs);
    quire_free(st->starts[0]);
    quire_free(st->starts[1]);
    for (uint32_t i = 0; i < st->part_total; i++) {
        quire_free(st->part_starts[i]);
        quire_free(st->part_on[i]);
    }
    quire_free(st->chain);
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
        rc = oom();
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
            return oom();
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
        return oom();
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
        if (st->words[i].doc < doc)
            rc = word_advance(&st->words[i], doc);
        if (rc == QUIRE_OK && st->words[i].doc != doc)
            return QUIRE_OK; /* a word the document lacks: no span */
    }
    for (uint32_t i = 0; i < n && rc == QUIRE_OK; i++)
        rc = word_positions(&st->words[i], doc);
    if (rc != QUIRE_OK)
        return rc;
    const uint32_t title_len = quire_segment_title_len(m->seg, doc);
    if (node->part_count > 1) {
        /* each part's occurrences on a whole chain, as spans of their own */
        uint32_t freq;
        const uint32_t limit = node->field == QUERY_FIELD_TITLE ? title_len : UINT32_MAX;
        rc = chain_in_doc(st, node, title_len, limit, true, &freq);
        for (uint32_t i = 0, from = 0; i < node->part_count && rc == QUIRE_OK; i++) {
            for (uint32_t j = 0; j < st->part_counts[i] && rc == QUIRE_OK; j++)
                if (st->part_on[i][j])
                    rc = push_span(&spans, &n_spans, &cap, st->part_starts[i][j],
                                   node->part_ends[i] - from);
            from = node->part_ends[i];
        }
    } else if (node->near_split > 0) {
        const uint32_t split = node->near_split, lb = n - split;
        uint32_t na = 0, nb = 0;
        rc = occurrence_starts(st->words, split, &st->starts[0], &st->starts_cap[0], &na);
        if (rc == QUIRE_OK)
            rc = occurrence_starts(st->words + split, lb, &st->starts[1], &st->starts_cap[1], &nb);
        for (uint32_t i = 0; i < na && rc == QUIRE_OK; i++)
            if (has_partner(st->starts[0][i], split, st->starts[1], nb, lb, true, node, title_len))
                rc = push_span(&spans, &n_spans, &cap, st->starts[0][i], split);
        for (uint32_t i = 0; i < nb && rc == QUIRE_OK; i++)
            if (has_partner(st->starts[1][i], lb, st->starts[0], na, split, false, node, title_len))
                rc = push_span(&spans, &n_spans, &cap, st->starts[1][i], lb);
    } else {
        uint32_t found = 0;
        rc = occurrence_starts(st->words, n, &st->starts[0], &st->starts_cap[0], &found);
        const uint32_t limit = node->field == QUERY_FIELD_TITLE ? title_len : UINT32_MAX;
        for (uint32_t i = 0; i < found && rc == QUIRE_OK; i++)
            if ((uint64_t)st->starts[0][i] + n <= limit)
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
