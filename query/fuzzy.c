/*
 * fuzzy.c - spelling variants (see fuzzy.h): the distance with its transliteration
 * equivalences, the walk over a segment's sorted forms, and the expansion over an index.
 * Leaves the dictionary's bytes to format/ and what the variants are used for to the
 * parser (word~), approx.c (quotes) and search.c (notes).
 */
#include "fuzzy.h"

#include <stdlib.h>
#include <string.h>

#include "quire/array.h"
#include "quire/reader.h"

/* Rows of the dynamic programme hold distances saturated at max + 1 <= 3, so a byte. */
typedef uint8_t cell;

int fuzzy_default_distance(uint32_t chars)
{
    if (chars <= 2)
        return -1;
    return chars <= 5 ? 1 : 2;
}

uint32_t fuzzy_decode(uint32_t *out, const char *form, size_t len)
{
    uint32_t n = 0;
    for (size_t i = 0; i < len && n < FUZZY_MAX_CHARS;)
        out[n++] = quire_utf8_next((const uint8_t *)form, len, &i);
    return n;
}

/* y = i and q = k: one class each. */
static uint32_t canon(uint32_t c)
{
    return c == 'y' ? 'i' : c == 'q' ? 'k' : c;
}

static bool same(uint32_t x, uint32_t y)
{
    return canon(x) == canon(y);
}

/* The pattern (the query word) as the rows need it, computed once: each character's
 * class, whether inserting it is free (it repeats the one before), and the character a
 * digraph ending at it stands for (ph: f, kh: h; 0 if none). Index j is character j - 1,
 * as in the rows. */
typedef struct fuzzy_pattern {
    uint32_t m;
    cell cap;     /* max + 1: rows saturate there */
    bool reverse; /* the key and the pattern are both read backwards: a digraph is hp, hk */
    bool limited; /* limit[] is not max everywhere (the split walk) */
    bool lenient; /* backwards with f or h in the pattern: a lower bound (pattern_reverse) */
    cell limit[FUZZY_MAX_CHARS + 1]; /* a cell of column j above limit[j] is taken as cap */
    uint32_t b[FUZZY_MAX_CHARS + 1];
    uint32_t cb[FUZZY_MAX_CHARS + 1];
    cell ins[FUZZY_MAX_CHARS + 1];
    uint32_t dig[FUZZY_MAX_CHARS + 1];
} fuzzy_pattern;

static void pattern_init(fuzzy_pattern *pt, const uint32_t *b, uint32_t m, uint32_t max)
{
    pt->m = m;
    pt->cap = (cell)(max + 1);
    pt->reverse = false;
    pt->limited = false;
    pt->lenient = false;
    for (uint32_t j = 0; j <= m; j++)
        pt->limit[j] = (cell)max;
    for (uint32_t j = 1; j <= m; j++) {
        pt->b[j] = b[j - 1];
        pt->cb[j] = canon(b[j - 1]);
        pt->ins[j] = j >= 2 && same(b[j - 1], b[j - 2]) ? 0 : 1;
        pt->dig[j] = 0;
        if (j >= 2 && b[j - 1] == 'h' && (b[j - 2] == 'p' || b[j - 2] == 'k'))
            pt->dig[j] = b[j - 2] == 'p' ? 'f' : 'h';
    }
}

/* canon(), and in a lenient pattern f = p too. */
static uint32_t canon_of(const fuzzy_pattern *pt, uint32_t c)
{
    c = canon(c);
    return pt->lenient && c == 'f' ? 'p' : c;
}

/* In a lenient pattern h and k (q) are deleted and inserted at no cost. */
static bool free_letter(const fuzzy_pattern *pt, uint32_t canonical)
{
    return pt->lenient && (canonical == 'h' || canonical == 'k');
}

static cell min2(cell a, cell b)
{
    return a < b ? a : b;
}

/* The pattern b[0..m) read backwards (b is already reversed): the digraphs are then h
 * before p or k.
 *
 * Backwards, the rows must give at most the forward distance (a lower bound: the split
 * walk scores every key it finds again, forwards). A digraph next to a repeat is not
 * symmetric under reversal (forwards phh = f: ph is f, then h repeats h; backwards the
 * first h of hhp repeats nothing), so a pattern holding f or h is made lenient instead:
 * f = p, and h and k (q) deleted or inserted at no cost, which covers ph = f and kh = h
 * letter by letter whatever stands beside them, with no digraph rule left. A key's repeat
 * is deleted free as the later of its two letters read, which backwards is the other one
 * of the two; a swap beside the run may need exactly that one (forwards p y y: the swap py
 * and the second y free; backwards y y p: the swap takes the y read second, and the y free
 * forwards is the one left to pay). So in every backward pattern, lenient or not, a letter
 * repeating the one before lowers the row before to the row before that (dfa_build: the
 * run's first letter goes free too), which only lowers cells. Every forward operation then
 * costs at least as much as its counterpart backwards, and the rows are those of a plain
 * edit distance, so the prefix test of the forward walk holds as it is
 * (tests/query/test_fuzzy.c, split_walk_holds_on_repeats_swaps_and_digraphs). */
static void pattern_reverse(fuzzy_pattern *pt, const uint32_t *b, uint32_t m)
{
    pt->reverse = true;
    for (uint32_t j = 0; j < m; j++)
        if (b[j] == 'f' || b[j] == 'h')
            pt->lenient = true;
    for (uint32_t j = 1; j <= m; j++) {
        pt->cb[j] = canon_of(pt, b[j - 1]);
        /* a repeat is free either side of its run: forwards the run's later letters go
         * free, so backwards its first ones must (a lower bound of the forward cost) */
        pt->ins[j] = (j >= 2 && pt->cb[j] == canon_of(pt, b[j - 2])) ||
                             (j < m && pt->cb[j] == canon_of(pt, b[j])) ||
                             free_letter(pt, pt->cb[j])
                         ? 0
                         : 1;
        pt->dig[j] = 0;
        if (!pt->lenient && j >= 2 && b[j - 2] == 'h' && (b[j - 1] == 'p' || b[j - 1] == 'k'))
            pt->dig[j] = b[j - 1] == 'p' ? 'f' : 'h';
    }
}

/* A cell above its column's limit is as good as cap (no alignment through it counts). */
static cell limited(cell v, const fuzzy_pattern *pt, uint32_t j)
{
    return v > pt->limit[j] ? pt->cap : v;
}

/* Whether the key character c may begin a digraph (its next character then completes
 * it): p or k forwards, h backwards. */
static bool digraph_start(const fuzzy_pattern *pt, uint32_t c)
{
    if (pt->lenient)
        return false;
    return pt->reverse ? c == 'h' : c == 'p' || c == 'k';
}

/* Row 0: the pattern's first j characters inserted (repeats free). */
static cell first_row(cell *out, const fuzzy_pattern *pt)
{
    out[0] = 0;
    for (uint32_t j = 1; j <= pt->m; j++)
        out[j] = limited(min2((cell)(out[j - 1] + pt->ins[j]), pt->cap), pt, j);
    return 0;
}

/* Row i (i >= 1) for the key's character ac (ap: the one before it, 0 when i == 1) from
 * rows i-1 (r1) and i-2 (r2, unused when i == 1). Returns the row's minimum. Cells hold
 * at most cap and each candidate adds at most 1, so one clamp per cell keeps them so. */
static cell next_row(cell *out, const cell *r1, const cell *r2, uint32_t i, uint32_t ap,
                     uint32_t ac, const fuzzy_pattern *pt)
{
    const uint32_t ca = canon_of(pt, ac), cp = canon_of(pt, ap), m = pt->m;
    const cell cap = pt->cap;
    const cell del = (i >= 2 && ca == cp) || free_letter(pt, ca) ? 0 : 1;
    /* the character the key's digraph (ap, ac) stands for */
    uint32_t dch = i >= 2 && ac == 'h' && (ap == 'p' || ap == 'k') ? (ap == 'p' ? 'f' : 'h') : 0;
    if (pt->reverse)
        dch = !pt->lenient && i >= 2 && ap == 'h' && (ac == 'p' || ac == 'k')
                  ? (ac == 'p' ? 'f' : 'h')
                  : 0;
    out[0] = limited(min2((cell)(r1[0] + del), cap), pt, 0);
    cell lo = out[0];
    for (uint32_t j = 1; j <= m; j++) {
        cell v = (cell)(r1[j] + del);
        v = min2(v, (cell)(out[j - 1] + pt->ins[j]));
        v = min2(v, (cell)(r1[j - 1] + (ca != pt->cb[j])));
        if (i >= 2 && j >= 2 && ca == pt->cb[j - 1] && cp == pt->cb[j])
            v = min2(v, (cell)(r2[j - 2] + 1));
        if (dch != 0 && pt->b[j] == dch)
            v = min2(v, r2[j - 1]);
        if (pt->dig[j] != 0 && pt->dig[j] == ac)
            v = min2(v, r1[j - 2]);
        v = limited(min2(v, cap), pt, j);
        out[j] = v;
        if (v < lo)
            lo = v;
    }
    return lo;
}

uint32_t fuzzy_distance(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
                        uint32_t max)
{
    if (max > 250)
        max = 250;
    if (na > FUZZY_MAX_CHARS || nb > FUZZY_MAX_CHARS)
        return max + 1;
    fuzzy_pattern pt;
    pattern_init(&pt, b, nb, max);
    cell rows[3][FUZZY_MAX_CHARS + 1];
    first_row(rows[0], &pt);
    for (uint32_t i = 1; i <= na; i++)
        (void)next_row(rows[i % 3], rows[(i - 1) % 3], rows[(i + 1) % 3], i, i >= 2 ? a[i - 2] : 0,
                       a[i - 1], &pt);
    return rows[na % 3][nb];
}

/* The rows are memoised as a lazily built automaton (a DFA over character classes): a
 * state is the last two rows with the class of the last character (a row depends on
 * nothing else), and its transitions are computed once, when first taken. Characters fall
 * into classes: each of the pattern's and p k q h f i y (they change a row), and the rest,
 * which all give the same row but for one thing: whether the character repeats the one
 * before (a free deletion). DFA_MAX_STATES bounds the table; past it the table starts
 * again (the states on the walk's stack are rebuilt from its characters). */
#define DFA_MAX_STATES 4096
#define DFA_OTHER_A    0x10FFFFu /* stands for any character outside the classes */
#define DFA_OTHER_B    0x10FFFEu /* ... and for another one */

typedef struct dfa_state {
    uint32_t rows; /* offset into the row pool: row before, then row (m + 1 cells each) */
    uint32_t next; /* offset into the transition pool: one per input, -1 unknown */
    uint32_t cls;  /* the class of its last character (special index, or ns for others) */
    bool started;  /* it has a last character (not the empty prefix) */
    bool dead;     /* no key with this prefix can come within the distance */
    cell dist;     /* the distance if the key ends here (row[m]) */
} dfa_state;

typedef struct walk {
    cell scratch[FUZZY_MAX_CHARS + 1];
    uint32_t sid[FUZZY_MAX_CHARS + 1]; /* the state after each code point of the key */
    uint32_t cps[FUZZY_MAX_CHARS];     /* the current key's code points (those with a state) */
    size_t cp_end[FUZZY_MAX_CHARS];    /* byte end of each */
    uint32_t cp_count;                 /* sid[0..cp_count] are the key's */
    fuzzy_pattern pt;
    uint32_t max;
    uint32_t special[FUZZY_MAX_CHARS + 16]; /* the classes' characters, sorted, distinct */
    uint32_t special_count;                 /* ns; inputs are 0..ns-1, ns (other), ns + 1 */
    uint8_t ascii_class[128];               /* class of each ASCII character */
    uint8_t ascii_first_special[128];       /* first_special_from() of each ASCII character */
    /* the automaton */
    dfa_state *states;
    uint32_t state_count, state_cap;
    cell *row_pool;
    int32_t *next_pool;
    uint32_t *table; /* hash of states, 2 * DFA_MAX_STATES slots, UINT32_MAX empty */
    uint32_t dead_id; /* the one dead state (UINT32_MAX until made) */
} walk;

static int cmp_u32(const void *pa, const void *pb);

/* The index of the first special character >= c (special_count if none). */
static uint32_t first_special_from(const walk *w, uint32_t c)
{
    if (c < 128)
        return w->ascii_first_special[c];
    if (c > w->special[w->special_count - 1])
        return w->special_count; /* past them all: any character of a word in ASCII */
    uint32_t lo = 0, hi = w->special_count;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (w->special[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t class_of(const walk *w, uint32_t c)
{
    if (c < 128)
        return w->ascii_class[c];
    const uint32_t i = first_special_from(w, c); /* special_count at once past them all */
    return i < w->special_count && w->special[i] == c ? i : w->special_count;
}

static uint64_t state_hash(const cell *rows, uint32_t n, uint32_t cls, bool started)
{
    uint64_t h = 1469598103934665603ull ^ cls ^ ((uint64_t)started << 40);
    for (uint32_t i = 0; i < n; i++)
        h = (h ^ rows[i]) * 1099511628211ull;
    return h;
}

static void dfa_reset(walk *w)
{
    w->state_count = 0;
    w->dead_id = UINT32_MAX;
    for (uint32_t i = 0; i < 2 * DFA_MAX_STATES; i++)
        w->table[i] = UINT32_MAX;
}

/* The state of rows (before, now) = rows[0..2(m+1)), created if new; UINT32_MAX when the
 * table is full. */
static uint32_t dfa_state_of(walk *w, const cell *rows, uint32_t cls, bool started, bool dead)
{
    const uint32_t m1 = w->pt.m + 1, inputs = w->special_count + 2;
    const uint64_t h = state_hash(rows, 2 * m1, cls, started);
    uint32_t slot = (uint32_t)h & (2 * DFA_MAX_STATES - 1);
    for (;; slot = (slot + 1) & (2 * DFA_MAX_STATES - 1)) {
        const uint32_t id = w->table[slot];
        if (id == UINT32_MAX)
            break;
        const dfa_state *st = &w->states[id];
        if (st->cls == cls && st->started == started &&
            memcmp(w->row_pool + st->rows, rows, 2 * m1 * sizeof *rows) == 0)
            return id;
    }
    if (w->state_count == DFA_MAX_STATES)
        return UINT32_MAX;
    const uint32_t id = w->state_count++;
    dfa_state *st = &w->states[id];
    st->rows = id * 2 * m1;
    st->next = id * inputs;
    st->cls = cls;
    st->started = started;
    st->dead = dead;
    st->dist = rows[2 * m1 - 1];
    memcpy(w->row_pool + st->rows, rows, 2 * m1 * sizeof *rows);
    for (uint32_t i = 0; i < inputs; i++)
        w->next_pool[st->next + i] = -1;
    w->table[slot] = id;
    return id;
}

/* The state after a character of class `input` from state s (0..ns-1: a special
 * character; ns: any other; ns + 1: another that repeats the one before); UINT32_MAX when
 * the table is full. */
static uint32_t dfa_build(walk *w, uint32_t s, uint32_t input);

static inline uint32_t dfa_step_input(walk *w, uint32_t s, uint32_t input)
{
    const int32_t known = w->next_pool[w->states[s].next + input];
    return known >= 0 ? (uint32_t)known : dfa_build(w, s, input);
}

/* dfa_step_input's transition taken for the first time: its state, created if new. Out of
 * line: the lookup above is what a walk does on nearly every step. */
static __attribute__((noinline)) uint32_t dfa_build(walk *w, uint32_t s, uint32_t input)
{
    const uint32_t ns = w->special_count;
    const dfa_state st = w->states[s];
    const uint32_t m1 = w->pt.m + 1;
    const uint32_t ac_rep = input < ns    ? w->special[input]
                            : input == ns ? DFA_OTHER_B
                                          : DFA_OTHER_A;
    const uint32_t ap_rep = !st.started ? 0 : st.cls < ns ? w->special[st.cls] : DFA_OTHER_A;
    cell rows[2 * (FUZZY_MAX_CHARS + 1)];
    memcpy(rows, w->row_pool + st.rows + m1, m1 * sizeof *rows); /* now the row before */
    const cell *r2 = w->row_pool + st.rows;
    if (w->pt.reverse && st.started && canon_of(&w->pt, ac_rep) == canon_of(&w->pt, ap_rep))
        for (uint32_t j = 0; j < m1; j++) /* backwards: the run's first letter went free too */
            rows[j] = min2(rows[j], r2[j]);
    const cell lo = next_row(rows + m1, rows, r2, st.started ? 2 : 1, ap_rep, ac_rep, &w->pt);
    cell before = w->max + 1;
    for (uint32_t j = 0; j < m1; j++)
        if (rows[j] < before)
            before = rows[j];
    bool dead = st.started && lo > w->max &&
                (uint32_t)before + (digraph_start(&w->pt, ac_rep) ? 0u : 1u) > w->max;
    if (!dead && lo > w->max && w->pt.limited) {
        /* with column limits: the row before feeds a live cell only by a transposition
         * into column j + 2, or a digraph into column j + 1, within that column's limit
         * (after a first character too: the row before is row 0, and a swap of the first
         * two characters or a digraph of them starts from it) */
        const bool dg = digraph_start(&w->pt, ac_rep);
        dead = true;
        for (uint32_t j = 0; j < m1 && dead; j++)
            if ((j + 2 < m1 && rows[j] + 1u <= w->pt.limit[j + 2]) ||
                (dg && j + 1 < m1 && rows[j] <= w->pt.limit[j + 1]))
                dead = false;
    }
    uint32_t id;
    if (dead) {
        /* A dead state is never stepped from (the walk seeks past its prefix): all of them
         * are one, so no other dead row is hashed or kept. Its own transitions lead back to
         * it. Its rows stay in the table: a transition reaching the same rows and class is
         * dead too (deadness follows from them; only a first character's test above is
         * skipped, and it would find the same). */
        if (w->dead_id == UINT32_MAX) {
            w->dead_id = dfa_state_of(w, rows, input < ns ? input : ns, true, true);
            if (w->dead_id == UINT32_MAX)
                return UINT32_MAX;
            for (uint32_t i = 0; i < ns + 2; i++)
                w->next_pool[w->states[w->dead_id].next + i] = (int32_t)w->dead_id;
        }
        id = w->dead_id;
    } else {
        id = dfa_state_of(w, rows, input < ns ? input : ns, true, false);
    }
    if (id != UINT32_MAX)
        w->next_pool[w->states[s].next + input] = (int32_t)id;
    return id;
}

/* The state after character ac (ap: the one before it, for repeats) from state s;
 * UINT32_MAX when the table is full. */
static inline uint32_t dfa_step(walk *w, uint32_t s, uint32_t ac, uint32_t ap)
{
    const uint32_t ns = w->special_count;
    uint32_t input = class_of(w, ac);
    if (input == ns && w->states[s].started && ac == ap)
        input = ns + 1; /* an unclassed character repeating the one before */
    return dfa_step_input(w, s, input);
}

/* The initial state: row 0 (and row 0 again as the row before: unused). */
static uint32_t dfa_start(walk *w)
{
    const uint32_t m1 = w->pt.m + 1;
    cell rows[2 * (FUZZY_MAX_CHARS + 1)];
    first_row(rows + m1, &w->pt);
    memcpy(rows, rows + m1, m1 * sizeof *rows);
    return dfa_state_of(w, rows, w->special_count, false, false);
}

/* The state after code point k (1-based) of the key, the table started again if full. */
static uint32_t advance_after_reset(walk *w, uint32_t k);

static inline uint32_t advance(walk *w, uint32_t k)
{
    const uint32_t id = dfa_step(w, w->sid[k - 1], w->cps[k - 1], k >= 2 ? w->cps[k - 2] : 0);
    return id != UINT32_MAX ? id : advance_after_reset(w, k);
}

/* advance() when the table is full: started again, with the key's states rebuilt. */
static __attribute__((noinline)) uint32_t advance_after_reset(walk *w, uint32_t k)
{
    dfa_reset(w);
    w->sid[0] = dfa_start(w);
    for (uint32_t i = 1; i <= k; i++)
        w->sid[i] = dfa_step(w, w->sid[i - 1], w->cps[i - 1], i >= 2 ? w->cps[i - 2] : 0);
    return w->sid[k];
}

/* is_live() when the table is full: started again, with the key's states rebuilt. */
static __attribute__((noinline)) uint32_t step_after_reset(walk *w, uint32_t level, uint32_t input)
{
    (void)advance(w, level); /* the table again, with the stack's states */
    return dfa_step_input(w, w->sid[level], input);
}

/* Whether the key's first `level` code points (none when level is 0) followed by a character of
 * class `input` (dfa_step_input) can still reach the distance (fuzzy.h: the last two
 * rows). */
static inline bool is_live(walk *w, uint32_t level, uint32_t input)
{
    uint32_t id = dfa_step_input(w, w->sid[level], input);
    if (id == UINT32_MAX)
        id = step_after_reset(w, level, input);
    return !w->states[id].dead;
}

static int cmp_u32(const void *pa, const void *pb)
{
    const uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* The smallest code point c > d such that the key's first `level` code points followed by
 * c is live; 0 if none. Only the characters the row can tell apart need trying one by
 * one: the special ones (the pattern's, their equivalents, p k q h f i y), each by its
 * class, and the character before when it is not special (a repeat deletes at no cost);
 * every other character gives the row of class ns. (The walk over the special characters
 * goes by their sorted index, not class_of(): a search per character was 17% of a
 * distance-2 walk under callgrind.) */
static uint32_t next_live(walk *w, uint32_t level, uint32_t d)
{
    const uint32_t *sp = w->special, ns = w->special_count;
    uint32_t c = d + 1;
    if (c >= 0xD800 && c <= 0xDFFF)
        c = 0xE000;
    if (c > 0x10FFFF)
        return 0;
    /* a repeat of the character before, when it is not special (the special ones that
     * repeat are told apart by their class already); none for a first character */
    const uint32_t before = level > 0 ? w->cps[level - 1] : UINT32_MAX;
    const uint32_t ap = level > 0 && class_of(w, before) == ns ? before : UINT32_MAX;
    const bool other_live = is_live(w, level, ns);
    uint32_t i = first_special_from(w, c);
    while (c <= 0x10FFFF) {
        if (i < ns && sp[i] == c) {
            if (is_live(w, level, i))
                return c;
            i++;
        } else if (c == ap) {
            if (is_live(w, level, ns + 1))
                return c;
        } else if (other_live) {
            return c;
        } else {
            /* no other character is live: on to the next special one, or the repeat */
            uint32_t next = i < ns ? sp[i] : UINT32_MAX;
            if (ap > c && ap < next)
                next = ap;
            if (next == UINT32_MAX)
                return 0;
            c = next;
            continue;
        }
        c++;
        if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xE000;
            i = first_special_from(w, c);
        }
    }
    return 0;
}

static size_t put_utf8(uint8_t *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | (c >> 6));
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (c >> 12));
        out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (c >> 18));
    out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* The key prefix dead at code point `dead_at` (0-based): the smallest key that can still
 * be live after it, into target; its length, 0 when no later key can match. key is an
 * iterator's key buffer and target has room for a key and a code point: both hold at
 * least 16 bytes. */
static size_t next_target(walk *w, const uint8_t *key, uint32_t dead_at, uint8_t *target)
{
    for (uint32_t level = dead_at + 1; level-- > 0;) {
        const uint32_t c = next_live(w, level, w->cps[level]);
        if (c == 0)
            continue;
        const size_t head = level > 0 ? w->cp_end[level - 1] : 0;
        if (head <= 16) /* most: a fixed copy (key and target have room), no length checks */
            memcpy(target, key, 16);
        else
            memcpy(target, key, head);
        return head + put_utf8(target + head, c);
    }
    return 0;
}

/* Keys are short and differ early: a loop, not a call to memcmp(). */
static int cmp_key(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    const size_t n = na < nb ? na : nb;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return (na > nb) - (na < nb);
}

/* The walk over the keys from where `it` was sought (a form dictionary: the .ter, whose
 * stems end it, or a .rvd), against pattern[0..len) within max; `reverse` and the column
 * limits (NULL: max everywhere) as in fuzzy_pattern. visit gets each key whose (limited)
 * row ends within max, with that row's distance. */
static int walk_dict(quire_termdict_iter *it, const uint32_t *pattern, uint32_t len, uint32_t max,
                     bool reverse, const cell *limits, fuzzy_visit_fn visit, void *ctx,
                     fuzzy_walk_stats *stats)
{
    walk *w = quire_calloc(1, sizeof *w);
    if (w == NULL)
        return quire_oom();
    w->cp_count = 0;
    pattern_init(&w->pt, pattern, len, max);
    if (reverse)
        pattern_reverse(&w->pt, pattern, len);
    if (limits != NULL) {
        memcpy(w->pt.limit, limits, ((size_t)len + 1) * sizeof *limits);
        w->pt.limited = true;
    }
    w->max = max;
    /* the characters a row can tell apart (next_live): the pattern's, and p k q h f i y
     * (digraphs and the classes' other members) */
    uint32_t n = 0;
    for (uint32_t j = 0; j < len; j++)
        w->special[n++] = pattern[j];
    static const uint32_t fixed[] = {'p', 'k', 'q', 'h', 'f', 'i', 'y'};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        w->special[n++] = fixed[i];
    qsort(w->special, n, sizeof *w->special, cmp_u32);
    w->special_count = 0;
    for (uint32_t i = 0; i < n; i++)
        if (w->special_count == 0 || w->special[w->special_count - 1] != w->special[i])
            w->special[w->special_count++] = w->special[i];
    for (uint32_t c = 0, first = 0; c < 128; c++) {
        while (first < w->special_count && w->special[first] < c)
            first++;
        w->ascii_first_special[c] = (uint8_t)first;
        w->ascii_class[c] =
            (uint8_t)(first < w->special_count && w->special[first] == c ? first
                                                                         : w->special_count);
    }
    const size_t m1 = (size_t)len + 1, inputs = (size_t)w->special_count + 2;
    w->states = quire_malloc(DFA_MAX_STATES * sizeof *w->states);
    w->row_pool = quire_malloc(DFA_MAX_STATES * 2 * m1 * sizeof *w->row_pool);
    w->next_pool = quire_malloc(DFA_MAX_STATES * inputs * sizeof *w->next_pool);
    w->table = quire_malloc(2 * DFA_MAX_STATES * sizeof *w->table);
    if (w->states == NULL || w->row_pool == NULL || w->next_pool == NULL || w->table == NULL) {
        quire_free(w->states);
        quire_free(w->row_pool);
        quire_free(w->next_pool);
        quire_free(w->table);
        quire_free(w);
        return quire_oom();
    }
    dfa_reset(w);
    w->sid[0] = dfa_start(w);
    uint8_t target[QUIRE_DICT_MAX_KEY + 4];
    int rc = QUIRE_OK;
    while (rc == QUIRE_OK) {
        rc = quire_termdict_next(it);
        if (rc != QUIRE_OK)
            break;
        const uint8_t *key = it->key;
        const size_t key_len = it->key_len;
        if (key_len > 0 && key[0] >= QUIRE_PAIR_PREFIX)
            break; /* pair terms (version 4) and stems follow the forms */
        if (stats != NULL)
            stats->keys++;
        /* Rows for the code points the previous key shares with this one are still right
         * (the iterator says how many of its bytes it left as they were). */
        const size_t lcp = it->kept;
        uint32_t k = w->cp_count;
        while (k > 0 && w->cp_end[k - 1] > lcp)
            k--;
        size_t at = k > 0 ? w->cp_end[k - 1] : 0;
        bool is_dead = false, too_long = false;
        while (at < key_len) {
            if (k == FUZZY_MAX_CHARS) {
                too_long = true;
                break;
            }
            const uint32_t cp = key[at] < 0x80 ? key[at++] : quire_utf8_next(key, key_len, &at);
            w->cps[k] = cp;
            w->cp_end[k] = at;
            k++;
            w->sid[k] = advance(w, k);
            if (w->states[w->sid[k]].dead) {
                is_dead = true;
                break;
            }
        }
        w->cp_count = k;
        if (is_dead) {
            const size_t target_len = next_target(w, key, k - 1, target);
            if (target_len == 0)
                break; /* no later key can match */
            if (stats != NULL)
                stats->seeks++;
            rc = quire_termdict_seek_forward(it, quire_bytes_of(target, target_len));
            continue;
        }
        if (too_long || w->states[w->sid[k]].dist > max)
            continue;
        rc = visit(ctx, quire_bytes_of(key, key_len), w->states[w->sid[k]].dist);
    }
    if (rc == QUIRE_ENOTFOUND)
        rc = QUIRE_OK;
    quire_free(w->states);
    quire_free(w->row_pool);
    quire_free(w->next_pool);
    quire_free(w->table);
    quire_free(w);
    return rc;
}

/* ---- the split walk: a segment with reversed forms (.rvd, version 4) ----
 *
 * A key within max (1 or 2) of the pattern p = p1 p2 (p1 its first h characters) has an alignment
 * whose edits split into those ending at column <= h of p (e1) and those starting at column >= h +
 * 1 (e2), with e1 + e2 <= max. With c1 + c2 = max - 1, either e1 <= c1 or e2 <= c2. So the forms
 * are those found by two walks, each far narrower than one within max everywhere: forwards over the
 * .ter with the cells of columns 0..h limited to c1, and backwards over the .rvd (key and pattern
 * reversed) with the cells of the reversed pattern's columns 0..m-h-1 (p's columns h+1..m) limited
 * to c2. A limited cell only makes a row larger, so each walk's prefix pruning stays right and a
 * key it yields may still be nearer than its row says: every key found is scored again with
 * fuzzy_distance. The two lists are united in key order, so visit sees exactly what the plain walk
 * would give it. A pattern holding f or h (whose digraph equivalences are not symmetric under
 * reversal: phh = f forwards, hhp costs 1 backwards) is walked backwards with lenient rows
 * (pattern_reverse), which only adds keys to score again; a short one (below FUZZY_SPLIT_MIN
 * characters) is walked plainly. */
#define FUZZY_SPLIT_MIN 4

static bool split_applies(const quire_segment *seg, uint32_t len, uint32_t max)
{
    return quire_segment_revdict(seg) != NULL && max >= 1 && len >= FUZZY_SPLIT_MIN;
}

typedef struct split_found {
    uint8_t *form; /* quire_malloc'd, in key order once sorted */
    size_t len;
    uint32_t distance;
} split_found;

typedef struct split_ctx {
    const uint32_t *pattern;
    uint32_t len, max;
    split_found *items; /* the backward walk's forms */
    size_t count, cap;
    size_t next; /* the forward pass: items before it were given to visit */
    fuzzy_visit_fn visit;
    void *ctx;
} split_ctx;

static uint32_t exact_distance(const split_ctx *c, const uint8_t *form, size_t len)
{
    uint32_t cps[FUZZY_MAX_CHARS + 1];
    uint32_t n = 0;
    for (size_t i = 0; i < len && n <= FUZZY_MAX_CHARS;)
        cps[n++] = quire_utf8_next(form, len, &i);
    if (n > FUZZY_MAX_CHARS)
        return c->max + 1; /* as the plain walk: too long to score */
    return fuzzy_distance(cps, n, c->pattern, c->len, c->max);
}

/* The backward walk: each reversed key found, turned back into its form and kept. */
static int visit_backward(void *ctx, quire_bytes key, uint32_t distance)
{
    (void)distance;
    split_ctx *c = ctx;
    uint8_t form[QUIRE_DICT_MAX_KEY];
    if (!quire_revdict_reverse(form, key.ptr, key.len))
        return quire_corrupt("a reversed form is not UTF-8");
    const uint32_t d = exact_distance(c, form, key.len);
    if (d > c->max)
        return QUIRE_OK;
    if (QUIRE_ARRAY_RESERVE(c->items, c->count, c->cap, 32) != QUIRE_OK)
        return quire_oom();
    split_found *f = &c->items[c->count];
    f->form = quire_malloc(key.len > 0 ? key.len : 1);
    if (f->form == NULL)
        return quire_oom();
    memcpy(f->form, form, key.len);
    f->len = key.len;
    f->distance = d;
    c->count++;
    return QUIRE_OK;
}

static int cmp_split(const void *pa, const void *pb)
{
    const split_found *a = pa, *b = pb;
    return cmp_key(a->form, a->len, b->form, b->len);
}

/* The forward walk: the backward walk's forms below each key go first, then the key. */
static int visit_forward(void *ctx, quire_bytes key, uint32_t distance)
{
    (void)distance;
    split_ctx *c = ctx;
    while (c->next < c->count) {
        const split_found *f = &c->items[c->next];
        const int cmp = cmp_key(f->form, f->len, key.ptr, key.len);
        if (cmp > 0)
            break;
        c->next++;
        if (cmp == 0)
            break; /* found by both: given below */
        const int rc = c->visit(c->ctx, quire_bytes_of(f->form, f->len), f->distance);
        if (rc != QUIRE_OK)
            return rc;
    }
    const uint32_t d = exact_distance(c, key.ptr, key.len);
    if (d > c->max)
        return QUIRE_OK;
    return c->visit(c->ctx, key, d);
}

static int split_walk(const quire_segment *seg, const uint32_t *pattern, uint32_t len, uint32_t max,
                      fuzzy_visit_fn visit, void *ctx, fuzzy_walk_stats *stats)
{
    /* e1 (columns 0..h) within c1 forwards, or e2 (columns h+1..m) within c2 backwards */
    /* c1 = max - 1, c2 = 0 at h = len / 2: on the Wikipedia sample's dictionary the
     * fewest keys over bench_approx's 75 distance-2 words (1.19 million in all, 13,315 at
     * the p50, against 1.60 million for h = len / 2 - 1, 1.46 million for len / 2 + 1 and
     * 2.61 million for c1 = 0, c2 = 1; the plain walk read 132,220 at the p50). At
     * distance 1 both halves are exact: the 25 distance-1 words read 1,828 keys at the
     * p50, against 8,397 for the plain walk. */
    const uint32_t h = len / 2, c1 = max - 1, c2 = 0;
    cell fwd[FUZZY_MAX_CHARS + 1], bwd[FUZZY_MAX_CHARS + 1];
    uint32_t rev[FUZZY_MAX_CHARS];
    for (uint32_t j = 0; j <= len; j++) {
        fwd[j] = (cell)(j <= h ? c1 : max);
        bwd[j] = (cell)(j + h + 1 <= len ? c2 : max);
    }
    for (uint32_t j = 0; j < len; j++)
        rev[j] = pattern[len - 1 - j];
    split_ctx c = {pattern, len, max, NULL, 0, 0, 0, visit, ctx};
    quire_termdict_iter rit;
    int rc = quire_termdict_seek(&rit, quire_segment_revdict(seg), quire_bytes_of("", 0));
    if (rc == QUIRE_OK)
        rc = walk_dict(&rit, rev, len, max, true, bwd, visit_backward, &c, stats);
    if (rc == QUIRE_ENOTFOUND)
        rc = QUIRE_OK;
    if (rc == QUIRE_OK && c.count > 1)
        qsort(c.items, c.count, sizeof *c.items, cmp_split);
    quire_segment_term_iter it;
    if (rc == QUIRE_OK)
        rc = quire_segment_terms_seek(&it, seg, QUIRE_TERM_FORM, quire_bytes_of("", 0));
    if (rc == QUIRE_OK)
        rc = walk_dict(&it.it, pattern, len, max, false, fwd, visit_forward, &c, stats);
    if (rc == QUIRE_ENOTFOUND)
        rc = QUIRE_OK;
    for (; rc == QUIRE_OK && c.next < c.count; c.next++)
        rc = visit(ctx, quire_bytes_of(c.items[c.next].form, c.items[c.next].len),
                   c.items[c.next].distance);
    if (rc == QUIRE_ENOTFOUND)
        rc = QUIRE_OK;
    for (size_t i = 0; i < c.count; i++)
        quire_free(c.items[i].form);
    quire_free(c.items);
    return rc;
}

int fuzzy_segment_walk_plain(const quire_segment *seg, const uint32_t *pattern, uint32_t len,
                             uint32_t max, fuzzy_visit_fn visit, void *ctx, fuzzy_walk_stats *stats)
{
    if (max > FUZZY_MAX_DISTANCE || len > FUZZY_MAX_CHARS)
        return quire_error(QUIRE_EINVAL, "fuzzy: distance %u or length %u out of range",
                           (unsigned)max, (unsigned)len);
    quire_segment_term_iter it;
    int rc = quire_segment_terms_seek(&it, seg, QUIRE_TERM_FORM, quire_bytes_of("", 0));
    if (rc == QUIRE_OK)
        rc = walk_dict(&it.it, pattern, len, max, false, NULL, visit, ctx, stats);
    return rc == QUIRE_ENOTFOUND ? QUIRE_OK : rc;
}

int fuzzy_segment_walk(const quire_segment *seg, const uint32_t *pattern, uint32_t len,
                       uint32_t max, fuzzy_visit_fn visit, void *ctx, fuzzy_walk_stats *stats)
{
    if (max > FUZZY_MAX_DISTANCE || len > FUZZY_MAX_CHARS)
        return quire_error(QUIRE_EINVAL, "fuzzy: distance %u or length %u out of range",
                           (unsigned)max, (unsigned)len);
    if (split_applies(seg, len, max))
        return split_walk(seg, pattern, len, max, visit, ctx, stats);
    return fuzzy_segment_walk_plain(seg, pattern, len, max, visit, ctx, stats);
}

typedef struct found {
    char *form; /* quire_malloc'd */
    size_t len;
    uint32_t distance;
    uint64_t df;
} found;

typedef struct collect {
    const quire_index *ix;
    uint32_t seg;
    found *items;
    size_t count, cap;
    uint32_t in_seg; /* matches in the current segment */
} collect;

static int visit_collect(void *ctx, quire_bytes key, uint32_t distance)
{
    collect *c = ctx;
    if (++c->in_seg > FUZZY_MAX_SCAN)
        return QUIRE_ELIMIT;
    const quire_segment *seg = quire_index_segment(c->ix, c->seg);
    quire_term t;
    int rc = quire_segment_lookup(seg, QUIRE_TERM_FORM, key, &t);
    if (rc == QUIRE_ENOTFOUND)
        return quire_corrupt("segment %llu: a form read from the dictionary is not found",
                             (unsigned long long)quire_segment_id(seg));
    uint64_t df = 0;
    if (rc == QUIRE_OK)
        rc = quire_index_live_df(c->ix, c->seg, &t, &df);
    if (rc != QUIRE_OK)
        return rc;
    if (df == 0)
        return QUIRE_OK; /* only deleted documents hold it */
    if (QUIRE_ARRAY_RESERVE(c->items, c->count, c->cap, 32) != QUIRE_OK)
        return quire_oom();
    found *f = &c->items[c->count];
    f->form = quire_strndup((const char *)key.ptr, key.len);
    if (f->form == NULL)
        return quire_oom();
    f->len = key.len;
    f->distance = distance;
    f->df = df;
    c->count++;
    return QUIRE_OK;
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    const int c = memcmp(a, b, na < nb ? na : nb);
    if (c != 0)
        return c;
    return (na > nb) - (na < nb);
}

static int cmp_form(const void *pa, const void *pb)
{
    const found *a = pa, *b = pb;
    return cmp_bytes(a->form, a->len, b->form, b->len);
}

static int cmp_closest(const void *pa, const void *pb)
{
    const found *a = pa, *b = pb;
    if (a->distance != b->distance)
        return a->distance < b->distance ? -1 : 1;
    if (a->df != b->df)
        return a->df > b->df ? -1 : 1;
    return cmp_bytes(a->form, a->len, b->form, b->len);
}

/* Sort items[0..count) by form, unite equal forms (documents summed; the first one's
 * distance kept; an `owned` duplicate's form freed), then sort the distinct ones closest
 * first. Returns how many are distinct. */
static size_t unite_forms(found *items, size_t count, bool owned)
{
    if (count > 1)
        qsort(items, count, sizeof *items, cmp_form);
    size_t distinct = 0;
    for (size_t i = 0; i < count; i++) {
        if (distinct > 0 && cmp_form(&items[distinct - 1], &items[i]) == 0) {
            items[distinct - 1].df += items[i].df;
            if (owned)
                quire_free(items[i].form);
            continue;
        }
        items[distinct++] = items[i];
    }
    if (distinct > 1)
        qsort(items, distinct, sizeof *items, cmp_closest);
    return distinct;
}

int fuzzy_expand(fuzzy_expansion *out, arena *a, const quire_index *ix, const char *form,
                 size_t len, uint32_t max, uint32_t cap)
{
    memset(out, 0, sizeof *out);
    uint32_t pattern[FUZZY_MAX_CHARS];
    const uint32_t n = fuzzy_decode(pattern, form, len);
    collect c = {ix, 0, NULL, 0, 0, 0};
    int rc = QUIRE_OK;
    for (uint32_t s = 0; s < quire_index_segment_count(ix) && rc == QUIRE_OK; s++) {
        c.seg = s;
        c.in_seg = 0;
        rc = fuzzy_segment_walk(quire_index_segment(ix, s), pattern, n, max, visit_collect, &c,
                                &out->stats);
    }
    if (rc == QUIRE_ELIMIT)
        rc = quire_error(QUIRE_ELIMIT,
                         "'%.*s~%u' is within %u edits of more than %d words; give a longer "
                         "word or a smaller distance",
                         (int)len, form, (unsigned)max, (unsigned)max, FUZZY_MAX_SCAN);
    if (rc != QUIRE_OK)
        goto done;
    /* one entry per distinct form, its documents summed over the segments */
    c.count = unite_forms(c.items, c.count, true);
    out->matched = (uint32_t)c.count;
    out->count = c.count < cap ? (uint32_t)c.count : cap;
    out->forms = arena_alloc(a, ((size_t)out->count + 1) * sizeof *out->forms);
    if (out->forms == NULL) {
        rc = quire_oom();
        goto done;
    }
    for (uint32_t i = 0; i < out->count; i++) {
        fuzzy_form *f = &out->forms[i];
        f->form = arena_strndup(a, c.items[i].form, c.items[i].len);
        if (f->form == NULL) {
            rc = quire_oom();
            goto done;
        }
        f->len = c.items[i].len;
        f->distance = c.items[i].distance;
        f->df = c.items[i].df;
    }
done:
    for (size_t i = 0; i < c.count; i++)
        quire_free(c.items[i].form);
    quire_free(c.items);
    if (rc != QUIRE_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

static int cmp_word(const void *pa, const void *pb)
{
    const query_word *a = pa, *b = pb;
    return cmp_bytes(a->text, a->len, b->text, b->len);
}

int fuzzy_stem_forms(query_word **out, uint32_t *count, arena *a, const quire_index *ix,
                     const char *stem, size_t len)
{
    *out = NULL;
    *count = 0;
    query_word *list = NULL;
    uint32_t n = 0, cap = 0;
    int rc = QUIRE_OK;
    const quire_bytes key = quire_bytes_of(stem, len);
    for (uint32_t s = 0; s < quire_index_segment_count(ix) && rc == QUIRE_OK; s++) {
        const quire_segment *seg = quire_index_segment(ix, s);
        quire_term t;
        rc = quire_segment_lookup(seg, QUIRE_TERM_STEM, key, &t);
        if (rc == QUIRE_ENOTFOUND) {
            rc = QUIRE_OK;
            continue;
        }
        const uint32_t forms = t.form_count > 0 ? t.form_count : 1;
        for (uint32_t i = 0; i < forms && rc == QUIRE_OK; i++) {
            quire_bytes f;
            rc = quire_term_form(&t, i, key, &f);
            if (rc == QUIRE_EINVAL)
                rc = quire_corrupt("segment %llu: stem '%.*s' lists %u forms",
                                   (unsigned long long)quire_segment_id(seg), (int)len, stem,
                                   (unsigned)t.form_count);
            if (rc != QUIRE_OK)
                break;
            if (QUIRE_ARRAY_RESERVE(list, n, cap, 8) != QUIRE_OK) {
                rc = quire_oom();
                break;
            }
            memset(&list[n], 0, sizeof list[n]);
            list[n].text = arena_strndup(a, (const char *)f.ptr, f.len);
            list[n].len = f.len;
            if (list[n++].text == NULL)
                rc = quire_oom();
        }
    }
    if (rc == QUIRE_OK && n > 0) {
        qsort(list, n, sizeof *list, cmp_word);
        uint32_t u = 0;
        for (uint32_t i = 0; i < n; i++)
            if (u == 0 || cmp_word(&list[u - 1], &list[i]) != 0)
                list[u++] = list[i];
        *out = arena_alloc(a, (size_t)u * sizeof **out);
        if (*out == NULL)
            rc = quire_oom();
        else {
            memcpy(*out, list, (size_t)u * sizeof *list);
            *count = u;
        }
    }
    quire_free(list);
    return rc;
}

int fuzzy_resolve(query_node *node, arena *a, const quire_index *ix)
{
    query_word *w = &node->words[0];
    uint32_t cps[FUZZY_MAX_CHARS];
    const uint32_t chars = fuzzy_decode(cps, w->text, w->len);
    const int32_t dist =
        node->fuzzy_distance >= 0 ? node->fuzzy_distance : fuzzy_default_distance(chars);
    node->expansion = arena_alloc(a, sizeof *node->expansion);
    if (node->expansion == NULL)
        return quire_oom();
    fuzzy_expansion *e = node->expansion;
    int rc = QUIRE_OK;
    int32_t used = dist;
    if (dist >= 0)
        rc = fuzzy_expand(e, a, ix, w->text, w->len, (uint32_t)dist, FUZZY_MAX_FORMS);
    /* word~ alone, not word~N: past the limit, the next smaller distance (and a note) */
    while (rc == QUIRE_ELIMIT && node->fuzzy_distance < 0 && used > 0) {
        used--;
        rc = fuzzy_expand(e, a, ix, w->text, w->len, (uint32_t)used, FUZZY_MAX_FORMS);
    }
    e->distance = used;
    e->lowered_from = used != dist ? dist : -1;
    if (rc != QUIRE_OK)
        return rc;
    query_word *stem_forms;
    uint32_t stem_count;
    rc = fuzzy_stem_forms(&stem_forms, &stem_count, a, ix, w->stem, w->stem_len);
    if (rc != QUIRE_OK)
        return rc;
    const size_t room = (size_t)e->count + stem_count + 1;
    query_word *alts = arena_alloc(a, room * sizeof *alts);
    if (alts == NULL)
        return quire_oom();
    uint32_t n = 0;
    alts[n].text = w->text; /* the word itself, in the index or not */
    alts[n++].len = w->len;
    for (uint32_t i = 0; i < e->count; i++) {
        alts[n].text = e->forms[i].form;
        alts[n++].len = e->forms[i].len;
    }
    for (uint32_t i = 0; i < stem_count; i++)
        alts[n++] = stem_forms[i];
    qsort(alts, n, sizeof *alts, cmp_word);
    uint32_t u = 0;
    for (uint32_t i = 0; i < n; i++)
        if (u == 0 || cmp_word(&alts[u - 1], &alts[i]) != 0)
            alts[u++] = alts[i];
    w->alts = alts;
    w->alt_count = u;
    return QUIRE_OK;
}

/* ---- a shard set: each index's matches, united as one index of them all would ---- */

/* Bounds-checked reading of the records below (quire/reader.h). */
typedef quire_reader fz_reader;

/* A le64 length, then that many bytes. */
static const char *fz_get_bytes(fz_reader *r, size_t *len)
{
    const uint64_t n = quire_reader_get64(r);
    const char *at = (const char *)quire_reader_bytes(r, n);
    if (at != NULL)
        *len = (size_t)n;
    return at;
}

static void fz_put_bytes(quire_buf *b, const char *p, size_t n)
{
    quire_buf_put_le64(b, n);
    quire_buf_put(b, p, n);
}

static int fz_bad(void)
{
    return quire_error(QUIRE_EIO, "shard set: a process sent a malformed fuzzy expansion");
}

int fuzzy_resolve_local(const query_node *node, arena *a, const quire_index *ix, quire_buf *out)
{
    const query_word *w = &node->words[0];
    uint32_t cps[FUZZY_MAX_CHARS];
    const uint32_t chars = fuzzy_decode(cps, w->text, w->len);
    const int32_t dist =
        node->fuzzy_distance >= 0 ? node->fuzzy_distance : fuzzy_default_distance(chars);
    fuzzy_expansion e;
    memset(&e, 0, sizeof e);
    int rc = QUIRE_OK;
    int32_t used = dist;
    if (dist >= 0)
        rc = fuzzy_expand(&e, a, ix, w->text, w->len, (uint32_t)dist, UINT32_MAX);
    while (rc == QUIRE_ELIMIT && node->fuzzy_distance < 0 && used > 0) {
        used--;
        rc = fuzzy_expand(&e, a, ix, w->text, w->len, (uint32_t)used, UINT32_MAX);
    }
    if (rc != QUIRE_OK)
        return rc;
    query_word *stem_forms;
    uint32_t stem_count;
    rc = fuzzy_stem_forms(&stem_forms, &stem_count, a, ix, w->stem, w->stem_len);
    if (rc != QUIRE_OK)
        return rc;
    quire_buf_put_le32(out, (uint32_t)dist);
    quire_buf_put_le32(out, (uint32_t)used);
    quire_buf_put_le32(out, e.count);
    for (uint32_t i = 0; i < e.count; i++) {
        fz_put_bytes(out, e.forms[i].form, e.forms[i].len);
        quire_buf_put_le32(out, e.forms[i].distance);
        quire_buf_put_le64(out, e.forms[i].df);
    }
    quire_buf_put_le32(out, stem_count);
    for (uint32_t i = 0; i < stem_count; i++)
        fz_put_bytes(out, stem_forms[i].text, stem_forms[i].len);
    return out->err ? quire_oom() : QUIRE_OK;
}

int fuzzy_merge(quire_buf *out, const uint8_t **at, const uint8_t *const *end, uint32_t parts)
{
    found *items = NULL;
    size_t count = 0, cap = 0;
    query_word *stems = NULL;
    uint32_t nstem = 0, stem_cap = 0;
    int32_t dist = -1, used = INT32_MAX;
    int rc = QUIRE_OK;
    /* the distance every index could search: the smallest of theirs */
    for (uint32_t p = 0; p < parts; p++) {
        fz_reader r = {at[p], end[p], false};
        dist = (int32_t)quire_reader_get32(&r);
        const int32_t u = (int32_t)quire_reader_get32(&r);
        if (r.bad)
            return fz_bad();
        used = u < used ? u : used;
    }
    for (uint32_t p = 0; p < parts && rc == QUIRE_OK; p++) {
        fz_reader r = {at[p], end[p], false};
        (void)quire_reader_get64(&r); /* dist, used */
        const uint32_t n = quire_reader_get32(&r);
        for (uint32_t i = 0; i < n && !r.bad && rc == QUIRE_OK; i++) {
            size_t len = 0;
            const char *form = fz_get_bytes(&r, &len);
            const uint32_t distance = quire_reader_get32(&r);
            const uint64_t df = quire_reader_get64(&r);
            if (r.bad || (int64_t)distance > used)
                continue;
            if (QUIRE_ARRAY_RESERVE(items, count, cap, 64) != QUIRE_OK) {
                rc = quire_oom();
                break;
            }
            items[count++] = (found){(char *)form, len, distance, df};
        }
        const uint32_t ns = quire_reader_get32(&r);
        for (uint32_t i = 0; i < ns && !r.bad && rc == QUIRE_OK; i++) {
            size_t len = 0;
            const char *form = fz_get_bytes(&r, &len);
            if (r.bad)
                break;
            if (QUIRE_ARRAY_RESERVE(stems, nstem, stem_cap, 16) != QUIRE_OK) {
                rc = quire_oom();
                break;
            }
            memset(&stems[nstem], 0, sizeof stems[nstem]);
            stems[nstem].text = form;
            stems[nstem++].len = len;
        }
        if (rc == QUIRE_OK && r.bad)
            rc = fz_bad();
        at[p] = r.p;
    }
    if (rc != QUIRE_OK)
        goto done;
    /* as fuzzy_expand: one entry per distinct form, its documents summed, the closest kept */
    const size_t distinct = unite_forms(items, count, false);
    const uint32_t keep = distinct < FUZZY_MAX_FORMS ? (uint32_t)distinct : FUZZY_MAX_FORMS;
    if (nstem > 1)
        qsort(stems, nstem, sizeof *stems, cmp_word);
    uint32_t u = 0;
    for (uint32_t i = 0; i < nstem; i++)
        if (u == 0 || cmp_word(&stems[u - 1], &stems[i]) != 0)
            stems[u++] = stems[i];
    quire_buf_put_le32(out, (uint32_t)used);
    quire_buf_put_le32(out, (uint32_t)(used != dist ? dist : -1));
    quire_buf_put_le32(out, (uint32_t)distinct);
    quire_buf_put_le32(out, keep);
    for (uint32_t i = 0; i < keep; i++) {
        fz_put_bytes(out, items[i].form, items[i].len);
        quire_buf_put_le32(out, items[i].distance);
        quire_buf_put_le64(out, items[i].df);
    }
    quire_buf_put_le32(out, u);
    for (uint32_t i = 0; i < u; i++)
        fz_put_bytes(out, stems[i].text, stems[i].len);
    if (out->err)
        rc = quire_oom();
done:
    quire_free(items);
    quire_free(stems);
    return rc;
}

int fuzzy_apply(query_node *node, arena *a, const uint8_t **at, const uint8_t *end)
{
    fz_reader r = {*at, end, false};
    node->expansion = arena_alloc(a, sizeof *node->expansion);
    if (node->expansion == NULL)
        return quire_oom();
    fuzzy_expansion *e = node->expansion;
    memset(e, 0, sizeof *e);
    e->distance = (int32_t)quire_reader_get32(&r);
    e->lowered_from = (int32_t)quire_reader_get32(&r);
    e->matched = quire_reader_get32(&r);
    e->count = quire_reader_get32(&r);
    if (r.bad || e->count > e->matched || e->count > (uint64_t)(r.end - r.p))
        return fz_bad();
    e->forms = arena_alloc(a, ((size_t)e->count + 1) * sizeof *e->forms);
    if (e->forms == NULL)
        return quire_oom();
    for (uint32_t i = 0; i < e->count && !r.bad; i++) {
        fuzzy_form *f = &e->forms[i];
        const char *form = fz_get_bytes(&r, &f->len);
        f->distance = quire_reader_get32(&r);
        f->df = quire_reader_get64(&r);
        if (r.bad)
            break;
        f->form = arena_strndup(a, form, f->len);
        if (f->form == NULL)
            return quire_oom();
    }
    const uint32_t ns = quire_reader_get32(&r);
    if (r.bad || ns > (uint64_t)(r.end - r.p))
        return fz_bad();
    query_word *w = &node->words[0];
    const size_t room = (size_t)e->count + ns + 1;
    query_word *alts = arena_alloc(a, room * sizeof *alts);
    if (alts == NULL)
        return quire_oom();
    memset(alts, 0, room * sizeof *alts);
    uint32_t n = 0;
    alts[n].text = w->text; /* the word itself, in the index or not */
    alts[n++].len = w->len;
    for (uint32_t i = 0; i < e->count; i++) {
        alts[n].text = e->forms[i].form;
        alts[n++].len = e->forms[i].len;
    }
    for (uint32_t i = 0; i < ns && !r.bad; i++) {
        size_t len = 0;
        const char *form = fz_get_bytes(&r, &len);
        if (r.bad)
            break;
        alts[n].text = arena_strndup(a, form, len);
        alts[n].len = len;
        if (alts[n++].text == NULL)
            return quire_oom();
    }
    if (r.bad)
        return fz_bad();
    qsort(alts, n, sizeof *alts, cmp_word);
    uint32_t u = 0;
    for (uint32_t i = 0; i < n; i++)
        if (u == 0 || cmp_word(&alts[u - 1], &alts[i]) != 0)
            alts[u++] = alts[i];
    w->alts = alts;
    w->alt_count = u;
    *at = r.p;
    return QUIRE_OK;
}
