/*
 * parser.c - query text -> AST by recursive descent (see parser.h for the grammar). Owns
 * the syntax: operators, quotes, fields, dates, limits and error positions. Words and
 * phrase texts are cut by the index's analyzer, exactly as documents were.
 */
#include "parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "quire/date.h"

#define FUZZY_WORD_MAX_DISTANCE 2 /* fuzzy.h FUZZY_MAX_DISTANCE */

typedef enum occur { OCCUR_DEFAULT, OCCUR_MUST } occur;

typedef struct parser {
    arena *a;
    quire_analyzer *an;
    const char *text;
    size_t len;
    size_t at; /* next byte to read */
    bool match_any;
    bool keep_stopwords;
    query_node **terms; /* distinct TERM nodes, QUERY_MAX_WORDS room */
    uint32_t term_count;
    uint32_t phrase_count;
    uint32_t word_count; /* leaves and phrase words so far, for QUERY_MAX_WORDS */
    bool has_dates;
    size_t error_offset;
} parser;

/* The 1-based character (code point) column of byte `at`, for messages. */
static size_t column(const parser *p, size_t at)
{
    size_t col = 1;
    for (size_t i = 0; i < at && i < p->len;) {
        (void)quire_utf8_next((const uint8_t *)p->text, p->len, &i);
        col++;
    }
    return col;
}

/* A syntax error (QUIRE_EINVAL) or a limit (QUIRE_ELIMIT) at byte `at`. */
QUIRE_PRINTF(4, 5) static int fail_at(parser *p, int code, size_t at, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->error_offset = at;
    return quire_error(code, "%s at character %zu of the query", msg, column(p, at));
}

static uint32_t peek_cp(const parser *p, size_t at, size_t *next)
{
    size_t i = at;
    const uint32_t cp = quire_utf8_next((const uint8_t *)p->text, p->len, &i);
    if (next != NULL)
        *next = i;
    return cp;
}

static bool is_space(uint32_t cp)
{
    return cp <= 0x20 || cp == 0x7F || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

static void skip_space(parser *p)
{
    while (p->at < p->len) {
        size_t next;
        if (!is_space(peek_cp(p, p->at, &next)))
            return;
        p->at = next;
    }
}

/* Where the word starting at `s` ends: at a space, a quote, a parenthesis or the end. */
static size_t word_end(const parser *p, size_t s)
{
    size_t i = s;
    while (i < p->len) {
        size_t next;
        const uint32_t cp = peek_cp(p, i, &next);
        if (is_space(cp) || quire_is_quote_char(cp) || cp == '(' || cp == ')')
            break;
        i = next;
    }
    return i;
}

/* Whether the word at p->at is the operator `op` (capitals only). */
static bool at_keyword(const parser *p, const char *op)
{
    const size_t n = strlen(op);
    return word_end(p, p->at) == p->at + n && memcmp(p->text + p->at, op, n) == 0;
}

static bool at_end_of_group(const parser *p)
{
    return p->at >= p->len || p->text[p->at] == ')';
}

static query_node *new_node(parser *p, query_node_kind kind, size_t offset)
{
    query_node *n = arena_alloc(p->a, sizeof *n);
    if (n != NULL) {
        n->kind = kind;
        n->offset = offset;
    }
    return n;
}

/* One node over `count` children: the child itself when there is one. */
static int combine(query_node **out, parser *p, query_node_kind kind, query_node *const *kids,
                   uint32_t count, size_t offset)
{
    *out = NULL;
    if (count == 0)
        return QUIRE_OK;
    if (count == 1) {
        *out = kids[0];
        return QUIRE_OK;
    }
    query_node *n = new_node(p, kind, offset);
    query_node **copy = arena_alloc(p->a, count * sizeof *copy);
    if (n == NULL || copy == NULL)
        return quire_oom();
    memcpy(copy, kids, count * sizeof *copy);
    n->children = copy;
    n->child_count = count;
    *out = n;
    return QUIRE_OK;
}

static int count_word(parser *p, size_t at)
{
    if (p->word_count == QUERY_MAX_WORDS)
        return fail_at(p, QUIRE_ELIMIT, at, "more than %d words", QUERY_MAX_WORDS);
    p->word_count++;
    return QUIRE_OK;
}

/* The TERM node of a stem, shared by every mention of it. */
static int term_node(query_node **out, parser *p, const quire_token *tok, size_t offset)
{
    const char *stem = tok->stem != NULL && tok->stem_len > 0 ? tok->stem : tok->form;
    const size_t stem_len = tok->stem != NULL && tok->stem_len > 0 ? tok->stem_len : tok->form_len;
    const bool stopword = quire_analyzer_is_stopword(p->an, tok->form, tok->form_len);
    for (uint32_t i = 0; i < p->term_count; i++) {
        if (p->terms[i]->stem_len == stem_len && memcmp(p->terms[i]->stem, stem, stem_len) == 0) {
            p->terms[i]->stopword &= stopword;
            *out = p->terms[i];
            return QUIRE_OK;
        }
    }
    query_node *t = new_node(p, QUERY_TERM, offset);
    if (t == NULL)
        return quire_oom();
    t->stem = arena_strndup(p->a, stem, stem_len);
    t->stem_len = stem_len;
    t->form = arena_strndup(p->a, tok->form, tok->form_len);
    t->form_len = tok->form_len;
    t->term = p->term_count;
    t->stopword = stopword;
    t->boost = 1.0;
    if (t->stem == NULL || t->form == NULL)
        return quire_oom();
    p->terms[p->term_count++] = t; /* term_count <= word_count <= QUERY_MAX_WORDS */
    *out = t;
    return QUIRE_OK;
}

/* Analyse text[s..e) into words[] (forms, or stems when `stemmed`), appending at *n.
 * `offset` is where the phrase was written, for messages. */
static int analyse_words(parser *p, size_t s, size_t e, bool stemmed, query_word *words,
                         uint32_t *n, size_t offset)
{
    quire_token_iter it;
    quire_token tok;
    uint32_t first = *n;
    quire_tokens_begin(&it, p->an, p->text + s, e - s, 0, stemmed);
    while (quire_tokens_next(&it, &tok)) {
        if (*n - first == QUERY_MAX_PHRASE_WORDS)
            return fail_at(p, QUIRE_ELIMIT, offset, "phrase longer than %d words",
                           QUERY_MAX_PHRASE_WORDS);
        const int rc = count_word(p, s + tok.byte_start);
        if (rc != QUIRE_OK)
            return rc;
        const char *w = stemmed && tok.stem_len > 0 ? tok.stem : tok.form;
        const size_t w_len = stemmed && tok.stem_len > 0 ? tok.stem_len : tok.form_len;
        memset(&words[*n], 0, sizeof words[*n]);
        words[*n].text = arena_strndup(p->a, w, w_len);
        words[*n].len = w_len;
        if (words[*n].text == NULL)
            return quire_oom();
        (*n)++;
    }
    return QUIRE_OK;
}

/* A PHRASE node over a copy of words[0..n). */
static int make_phrase(query_node **out, parser *p, const query_word *words, uint32_t n,
                       bool stemmed, query_field field, size_t offset)
{
    query_node *ph = new_node(p, QUERY_PHRASE, offset);
    query_word *copy = arena_alloc(p->a, n * sizeof *copy);
    if (ph == NULL || copy == NULL)
        return quire_oom();
    memcpy(copy, words, n * sizeof *copy);
    ph->words = copy;
    ph->word_count = n;
    ph->is_stemmed = stemmed;
    ph->field = field;
    ph->phrase = p->phrase_count++;
    *out = ph;
    return QUIRE_OK;
}

/* Whether text[s..e) holds a `*` ending a word (a prefix, unsupported in phrases). */
static bool has_prefix_star(const parser *p, size_t s, size_t e)
{
    for (size_t i = s + 1; i < e; i++) {
        if (p->text[i] != '*' || p->text[i - 1] == '*' || is_space((uint8_t)p->text[i - 1]))
            continue;
        if (i + 1 == e || is_space((uint8_t)p->text[i + 1]))
            return true;
    }
    return false;
}

/* Analyse text[s..e) into a PHRASE of its forms (or stems); *out NULL if it has no word.
 * `offset` is where the phrase was written, for messages. */
static int phrase_node(query_node **out, parser *p, size_t s, size_t e, bool stemmed,
                       query_field field, size_t offset)
{
    *out = NULL;
    query_word words[QUERY_MAX_PHRASE_WORDS];
    uint32_t n = 0;
    const int rc = analyse_words(p, s, e, stemmed, words, &n, offset);
    if (rc != QUIRE_OK || n == 0)
        return rc;
    return make_phrase(out, p, words, n, stemmed, field, offset);
}

/* `word*` at text[s..e) (e - 1 is the star): a PREFIX node of its folded form. */
static int prefix_node(query_node **out, parser *p, size_t s, size_t e, query_field field)
{
    *out = NULL;
    quire_token_iter it;
    quire_token tok, first;
    uint32_t count = 0;
    quire_tokens_begin(&it, p->an, p->text + s, e - 1 - s, 0, false);
    while (count < 2 && quire_tokens_next(&it, &tok)) {
        if (count == 0)
            first = tok;
        count++;
    }
    if (count != 1 || first.byte_start != 0 || first.byte_end != e - 1 - s)
        return fail_at(p, QUIRE_EINVAL, s, "a prefix must be one word before the * ('%.*s')",
                       (int)(e - s > 40 ? 40 : e - s), p->text + s);
    size_t chars = 0;
    for (size_t i = 0; i < first.form_len; chars++)
        (void)quire_utf8_next((const uint8_t *)first.form, first.form_len, &i);
    if (chars < QUERY_MIN_PREFIX)
        return fail_at(p, QUIRE_EINVAL, s, "prefix '%.*s' is too short (at least %d characters)",
                       (int)(e - s), p->text + s, QUERY_MIN_PREFIX);
    int rc = count_word(p, s);
    if (rc != QUIRE_OK)
        return rc;
    query_word w;
    memset(&w, 0, sizeof w);
    w.text = arena_strndup(p->a, first.form, first.form_len);
    w.len = first.form_len;
    if (w.text == NULL)
        return quire_oom();
    rc = make_phrase(out, p, &w, 1, false, field, s);
    if (rc == QUIRE_OK)
        (*out)->is_prefix = true;
    return rc;
}

static int fuzzy_word_node(query_node **out, parser *p, size_t s, size_t tilde, size_t e,
                           query_field field);
static bool tilde_suffix(const parser *p, size_t s, size_t e, size_t *tilde);

/* A bare word text[s..e): TERM for one token, stemmed PHRASE for several. */
static int word_node(query_node **out, parser *p, size_t s, size_t e, query_field field)
{
    *out = NULL;
    size_t tilde;
    if (tilde_suffix(p, s, e, &tilde))
        return fuzzy_word_node(out, p, s, tilde, e, field);
    if (e - s >= 2 && p->text[e - 1] == '*')
        return prefix_node(out, p, s, e, field);
    quire_token_iter it;
    quire_token tok;
    uint32_t count = 0;
    quire_tokens_begin(&it, p->an, p->text + s, e - s, 0, false);
    while (count < 2 && quire_tokens_next(&it, &tok))
        count++;
    if (count == 0)
        return QUIRE_OK; /* punctuation only */
    if (count > 1 || field != QUERY_FIELD_ANY)
        return phrase_node(out, p, s, e, true, field, s);
    quire_tokens_begin(&it, p->an, p->text + s, e - s, 0, true);
    if (!quire_tokens_next(&it, &tok))
        return quire_error(QUIRE_EINVAL, "query: a word lost its token"); /* cannot happen */
    const int rc = count_word(p, s + tok.byte_start);
    return rc != QUIRE_OK ? rc : term_node(out, p, &tok, s);
}

/* The length of an ellipsis at text[i] (… or three dots or more), else 0. */
static size_t ellipsis_at(const parser *p, size_t i)
{
    if (p->len - i >= 3 && memcmp(p->text + i, "\xe2\x80\xa6", 3) == 0)
        return 3;
    size_t n = 0;
    while (i + n < p->len && p->text[i + n] == '.')
        n++;
    return n >= 3 ? n : 0;
}

/* The quote text[s..e) holds an ellipsis: a PHRASE of its parts (parser.h, part_count);
 * a plain PHRASE when fewer than two parts have words. */
static int ellipsis_node(query_node **out, parser *p, size_t s, size_t e, bool stemmed,
                         query_field field, size_t offset)
{
    *out = NULL;
    /* room for every word of a query (count_word bounds them), checked against the
     * phrase limit once all parts are read */
    query_word words[QUERY_MAX_WORDS];
    uint32_t ends[QUERY_MAX_WORDS];
    uint32_t n = 0, parts = 0;
    size_t from = s;
    for (size_t i = s; i <= e;) {
        const size_t dots = i < e ? ellipsis_at(p, i) : 1;
        if (dots == 0) {
            i++;
            continue;
        }
        const uint32_t before = n;
        const int rc = analyse_words(p, from, i, stemmed, words, &n, offset);
        if (rc != QUIRE_OK)
            return rc;
        if (n > before)
            ends[parts++] = n;
        i += dots;
        from = i;
    }
    if (n > QUERY_MAX_PHRASE_WORDS)
        return fail_at(p, QUIRE_ELIMIT, offset, "phrase longer than %d words",
                       QUERY_MAX_PHRASE_WORDS);
    if (n == 0)
        return QUIRE_OK;
    int rc = make_phrase(out, p, words, n, stemmed, field, offset);
    if (rc != QUIRE_OK || parts < 2)
        return rc;
    uint32_t *copy = arena_alloc(p->a, parts * sizeof *copy);
    if (copy == NULL)
        return quire_oom();
    memcpy(copy, ends, parts * sizeof *copy);
    (*out)->part_count = parts;
    (*out)->part_ends = copy;
    (*out)->near_n = QUERY_ELLIPSIS_GAP;
    (*out)->near_ordered = true;
    return QUIRE_OK;
}

static bool has_ellipsis(const parser *p, size_t s, size_t e)
{
    for (size_t i = s; i < e; i++)
        if (ellipsis_at(p, i) > 0)
            return true;
    return false;
}
static int approx_node(query_node **out, parser *p, bool stemmed, size_t s, size_t e,
                       query_field field, size_t offset);
static bool has_fuzzy_word(const parser *p, size_t s, size_t e);

/* A quoted phrase whose opening quote is at p->at (`stemmed`: after a ~). */
static int quoted(query_node **out, parser *p, bool stemmed, query_field field, size_t offset)
{
    const size_t open = p->at;
    size_t i;
    (void)peek_cp(p, open, &i);
    const size_t start = i;
    while (i < p->len) {
        size_t next;
        const uint32_t cp = peek_cp(p, i, &next);
        if (quire_is_quote_char(cp)) {
            p->at = next;
            if (p->at < p->len && p->text[p->at] == '~')
                return approx_node(out, p, stemmed, start, i, field, offset);
            if (has_fuzzy_word(p, start, i))
                return fail_at(p, QUIRE_EINVAL, open,
                               "word~ inside a quote needs an approximate quote (\"...\"~)");
            if (has_prefix_star(p, start, i))
                return fail_at(p, QUIRE_EINVAL, open,
                               "a prefix (word*) inside a phrase is not supported");
            if (has_ellipsis(p, start, i))
                return ellipsis_node(out, p, start, i, stemmed, field, offset);
            return phrase_node(out, p, start, i, stemmed, field, offset);
        }
        i = next;
    }
    return fail_at(p, QUIRE_EINVAL, open, "unbalanced quote");
}

static bool at_quote(const parser *p, size_t at)
{
    return at < p->len && quire_is_quote_char(peek_cp(p, at, NULL));
}

static bool is_ascii_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* One end of a date range: "" (open) or YYYY-MM-DD. */
static bool parse_day(const char *s, size_t len, int32_t open_value, int32_t *out)
{
    if (len == 0) {
        *out = open_value;
        return true;
    }
    return quire_date_parse(s, len, out);
}

static int date_node(query_node **out, parser *p)
{
    const size_t s = p->at, e = word_end(p, s);
    const char *v = p->text + s;
    const size_t len = e - s;
    int32_t from = 0, to = 0;
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (v[i] == '.' && v[i + 1] == '.') {
            dots = v + i;
            break;
        }
    bool ok;
    if (dots == NULL) {
        ok = len > 0 && quire_date_parse(v, len, &from);
        to = from;
    } else {
        const size_t left = (size_t)(dots - v);
        ok = len > 2 && parse_day(v, left, INT32_MIN + 1, &from) &&
             parse_day(dots + 2, len - left - 2, INT32_MAX, &to);
    }
    if (!ok)
        return fail_at(p, QUIRE_EINVAL, s,
                       "bad date '%.*s' (want YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, ..YYYY-MM-DD "
                       "or YYYY-MM-DD..)",
                       (int)(len > 40 ? 40 : len), v);
    if (from > to)
        return fail_at(p, QUIRE_EINVAL, s, "empty date range '%.*s'", (int)len, v);
    const int rc = count_word(p, s);
    if (rc != QUIRE_OK)
        return rc;
    query_node *d = new_node(p, QUERY_DATE, s);
    if (d == NULL)
        return quire_oom();
    d->date_from = from;
    d->date_to = to;
    p->has_dates = true;
    p->at = e;
    *out = d;
    return QUIRE_OK;
}

/* `name:` at p->at followed by a value: sets *name_len, else 0. */
static size_t field_name_len(const parser *p)
{
    size_t i = p->at;
    while (i < p->len && is_ascii_letter(p->text[i]))
        i++;
    if (i == p->at || i + 1 >= p->len || p->text[i] != ':')
        return 0;
    const uint32_t after = peek_cp(p, i + 1, NULL);
    if (is_space(after) || after == ')')
        return 0;
    return i - p->at;
}

static bool name_is(const char *s, size_t len, const char *name)
{
    if (strlen(name) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((s[i] | 0x20) != name[i])
            return false;
    return true;
}

/* ---- fuzzy words and approximate quotes (README.md "Query language") ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Whether the code point is a capital letter of the scripts the analyzer folds (Latin,
 * Greek, Cyrillic): a word typed so is taken for a name. */
static bool is_capital(uint32_t cp)
{
    return (cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
           (cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x400 && cp <= 0x42F);
}

/* Whether text[s..e) ends in `~` or `~digits`; *tilde is where the ~ is. */
static bool tilde_suffix(const parser *p, size_t s, size_t e, size_t *tilde)
{
    size_t i = e;
    while (i > s && is_digit(p->text[i - 1]))
        i--;
    if (i == s || p->text[i - 1] != '~')
        return false;
    *tilde = i - 1;
    return true;
}

/* The N of `~N` at text[t + 1..e) (t: the ~): -1 when there is none. */
static int read_distance(parser *p, size_t word, size_t t, size_t e, int32_t *out)
{
    *out = -1;
    if (t + 1 == e)
        return QUIRE_OK;
    uint32_t v = 0;
    for (size_t i = t + 1; i < e && v <= 1000; i++)
        v = v * 10 + (uint32_t)(p->text[i] - '0');
    if (v > FUZZY_WORD_MAX_DISTANCE)
        return fail_at(p, QUIRE_EINVAL, word,
                       "the edit distance of '%.*s' must be 0, 1 or 2 (word~ alone: 1 for "
                       "words of 3-5 characters, 2 for longer ones)",
                       (int)(e - word > 40 ? 40 : e - word), p->text + word);
    *out = (int32_t)v;
    return QUIRE_OK;
}

/* `word~` or `word~N` at text[s..e), the ~ at `tilde`: a fuzzy PHRASE of one form. */
static int fuzzy_word_node(query_node **out, parser *p, size_t s, size_t tilde, size_t e,
                           query_field field)
{
    *out = NULL;
    if (tilde == s)
        return fail_at(p, QUIRE_EINVAL, s,
                       "~ must follow a word (word~) or a quote (\"...\"~), without a space");
    if (p->text[tilde - 1] == '*')
        return fail_at(p, QUIRE_EINVAL, s, "a prefix (word*) cannot take ~");
    int32_t dist;
    int rc = read_distance(p, s, tilde, e, &dist);
    if (rc != QUIRE_OK)
        return rc;
    quire_token_iter it;
    quire_token tok, first;
    uint32_t count = 0;
    quire_tokens_begin(&it, p->an, p->text + s, tilde - s, 0, true);
    while (count < 2 && quire_tokens_next(&it, &tok)) {
        if (count == 0) {
            first = tok;
            /* the strings live in the iterator: copy them before the next token */
            first.form = arena_strndup(p->a, tok.form, tok.form_len);
            first.stem = arena_strndup(p->a, tok.stem, tok.stem_len);
            if (first.form == NULL || first.stem == NULL)
                return quire_oom();
        }
        count++;
    }
    if (count != 1)
        return fail_at(p, QUIRE_EINVAL, s, "~ takes one word ('%.*s' is %s)",
                       (int)(e - s > 40 ? 40 : e - s), p->text + s,
                       count == 0 ? "no word" : "several");
    rc = count_word(p, s);
    if (rc != QUIRE_OK)
        return rc;
    query_word w;
    memset(&w, 0, sizeof w);
    w.text = first.form;
    w.len = first.form_len;
    w.stem = first.stem;
    w.stem_len = first.stem_len;
    w.distance = dist;
    rc = make_phrase(out, p, &w, 1, false, field, s);
    if (rc == QUIRE_OK) {
        (*out)->is_fuzzy = true;
        (*out)->fuzzy_distance = dist;
    }
    return rc;
}

/* Whether the quote text[s..e) holds a word~ (a ~ after a word character and before a
 * space, digits or the end). */
static bool has_fuzzy_word(const parser *p, size_t s, size_t e)
{
    for (size_t i = s + 1; i < e; i++) {
        if (p->text[i] != '~' || is_space((uint8_t)p->text[i - 1]) || p->text[i - 1] == '~')
            continue;
        size_t k = i + 1;
        while (k < e && is_digit(p->text[k]))
            k++;
        if (k == e || is_space((uint8_t)p->text[k]))
            return true;
    }
    return false;
}

/* The closeness written after `"..."~` at text[t + 1..): -1 when none. Moves p->at past it. */
static int read_closeness(parser *p, size_t t, double *out)
{
    *out = -1;
    size_t e = t + 1;
    while (e < p->len && !is_space((uint8_t)p->text[e]) && p->text[e] != ')' &&
           !quire_is_quote_char(peek_cp(p, e, NULL)))
        e++;
    p->at = e;
    if (e == t + 1)
        return QUIRE_OK;
    const char *v = p->text + t + 1;
    const size_t len = e - t - 1;
    size_t i = 0, digits = 0, dots = 0;
    double value = 0, scale = 1;
    for (; i < len; i++) {
        if (v[i] == '.' && dots == 0) {
            dots++;
            continue;
        }
        if (!is_digit(v[i]) || digits >= 9)
            break;
        digits++;
        if (dots)
            value += (scale /= 10) * (v[i] - '0');
        else
            value = value * 10 + (v[i] - '0');
    }
    if (i == len && digits > 0 && dots == 0 && value >= 2)
        return fail_at(p, QUIRE_EINVAL, t,
                       "the number after \"...\"~ is a closeness from 0 to 1 (\"...\"~0.7), "
                       "not a number of words; for words near each other use NEAR/%.0f",
                       value > QUERY_MAX_NEAR ? (double)QUERY_MAX_NEAR : value);
    if (i < len || digits == 0 || !(value > 0 && value <= 1))
        return fail_at(p, QUIRE_EINVAL, t,
                       "the closeness after \"...\"~ must be a number above 0 and at most 1, "
                       "not '%.*s'",
                       (int)(len > 20 ? 20 : len), v);
    *out = value;
    return QUIRE_OK;
}

/* The words of an approximate quote text[s..e) with their stems; a word~N in it sets that
 * word's distance. `offset` is where the quote was written. */
static int approx_words(parser *p, size_t s, size_t e, query_word *words, uint32_t *n,
                        size_t offset)
{
    size_t i = s;
    while (i < e) {
        while (i < e && is_space((uint8_t)p->text[i]))
            i++;
        const size_t cs = i;
        while (i < e && !is_space((uint8_t)p->text[i]))
            i++;
        if (cs == i)
            break;
        size_t we = i, tilde;
        int32_t dist = -2;
        if (tilde_suffix(p, cs, i, &tilde)) {
            if (tilde == cs)
                return fail_at(p, QUIRE_EINVAL, cs, "~ must follow a word (word~)");
            const int rc = read_distance(p, cs, tilde, i, &dist);
            if (rc != QUIRE_OK)
                return rc;
            we = tilde;
        }
        if (p->text[we - 1] == '*')
            return fail_at(p, QUIRE_EINVAL, cs, "a prefix (word*) inside a quote is not supported");
        quire_token_iter it;
        quire_token tok;
        quire_tokens_begin(&it, p->an, p->text + cs, we - cs, 0, true);
        while (quire_tokens_next(&it, &tok)) {
            if (*n == QUERY_MAX_APPROX_WORDS)
                return fail_at(p, QUIRE_ELIMIT, offset,
                               "an approximate quote of more than %d words; quote a shorter part",
                               QUERY_MAX_APPROX_WORDS);
            const int rc = count_word(p, cs + tok.byte_start);
            if (rc != QUIRE_OK)
                return rc;
            query_word *w = &words[*n];
            memset(w, 0, sizeof *w);
            w->is_name = is_capital(peek_cp(p, cs + tok.byte_start, NULL));
            w->text = arena_strndup(p->a, tok.form, tok.form_len);
            w->len = tok.form_len;
            w->stem = arena_strndup(p->a, tok.stem, tok.stem_len);
            w->stem_len = tok.stem_len;
            w->distance = dist;
            if (w->text == NULL || w->stem == NULL)
                return quire_oom();
            (*n)++;
        }
    }
    return QUIRE_OK;
}

/* `"text[s..e)"~` (p->at on the ~): an approximate PHRASE. */
static int approx_node(query_node **out, parser *p, bool stemmed, size_t s, size_t e,
                       query_field field, size_t offset)
{
    *out = NULL;
    const size_t tilde = p->at;
    if (stemmed)
        return fail_at(p, QUIRE_EINVAL, offset,
                       "an approximate quote (\"...\"~) matches stems already: drop the ~ "
                       "before it");
    double closeness;
    int rc = read_closeness(p, tilde, &closeness);
    if (rc != QUIRE_OK)
        return rc;
    query_word words[QUERY_MAX_APPROX_WORDS];
    uint32_t n = 0;
    rc = approx_words(p, s, e, words, &n, offset);
    if (rc != QUIRE_OK)
        return rc;
    if (n < 2)
        return fail_at(p, QUIRE_EINVAL, offset,
                       "an approximate quote needs at least 2 words; for one word's spellings "
                       "write word~");
    rc = make_phrase(out, p, words, n, false, field, offset);
    if (rc == QUIRE_OK) {
        (*out)->is_approx = true;
        (*out)->approx_closeness = closeness;
    }
    return rc;
}

static int parse_or(query_node **out, parser *p, unsigned depth, uint32_t *clauses);

/* Whether the word at `at` is NEAR, ONEAR, or either followed by /... (capitals only). */
static bool is_near_op(const parser *p, size_t at)
{
    const size_t e = word_end(p, at);
    size_t i = at;
    if (i < e && p->text[i] == 'O')
        i++;
    if (e - i < 4 || memcmp(p->text + i, "NEAR", 4) != 0)
        return false;
    return e - i == 4 || p->text[i + 4] == '/';
}

/* Read the NEAR operator at p->at: its n and whether it is ordered. */
static int read_near_op(parser *p, uint32_t *n, bool *ordered)
{
    const size_t s = p->at, e = word_end(p, s);
    size_t i = s;
    *ordered = p->text[i] == 'O';
    i += *ordered ? 5 : 4;
    *n = QUERY_DEFAULT_NEAR;
    if (i < e) { /* "/digits" */
        i++;
        uint32_t v = 0;
        size_t digits = 0;
        for (; i < e && p->text[i] >= '0' && p->text[i] <= '9' && v <= QUERY_MAX_NEAR; i++) {
            v = v * 10 + (uint32_t)(p->text[i] - '0');
            digits++;
        }
        if (digits == 0 || i < e || v > QUERY_MAX_NEAR)
            return fail_at(p, QUIRE_EINVAL, s, "%s/n needs a number n from 0 to %d",
                           *ordered ? "ONEAR" : "NEAR", QUERY_MAX_NEAR);
        *n = v;
    }
    p->at = e;
    return QUIRE_OK;
}

/* Where a NEAR operand starting at `s` ends (a word, "phrase" or ~"phrase"); 0 if what
 * starts there cannot be one. */
static size_t operand_end(const parser *p, size_t s)
{
    if (s >= p->len)
        return 0;
    size_t next;
    uint32_t cp = peek_cp(p, s, &next);
    if (cp == '~' && at_quote(p, next))
        cp = peek_cp(p, next, &next);
    if (quire_is_quote_char(cp)) {
        for (size_t i = next; i < p->len;) {
            size_t after;
            if (quire_is_quote_char(peek_cp(p, i, &after)))
                return after;
            i = after;
        }
        return 0;
    }
    parser q = *p;
    q.at = s;
    if (cp == '(' || cp == ')' || field_name_len(&q) > 0)
        return 0;
    return word_end(p, s);
}

/* One NEAR operand at p->at, appended to words[*n]; *stemmed says whether they are stems. */
static int near_operand(parser *p, query_word *words, uint32_t *n, bool *stemmed)
{
    const size_t s = p->at, e = operand_end(p, s);
    const uint32_t before = *n;
    int rc;
    if (e == 0 && s < p->len && (at_quote(p, s) || p->text[s] == '~'))
        return fail_at(p, QUIRE_EINVAL, s, "unbalanced quote");
    if (e == 0)
        return fail_at(p, QUIRE_EINVAL, s, "NEAR joins two words or phrases");
    size_t next;
    uint32_t cp = peek_cp(p, s, &next);
    bool tilde = false;
    if (cp == '~' && at_quote(p, next)) {
        tilde = true;
        cp = peek_cp(p, next, &next);
    }
    if (e < p->len && p->text[e] == '~')
        return fail_at(p, QUIRE_EINVAL, s, "NEAR does not take an approximate quote (\"...\"~)");
    size_t fuzzy_tilde;
    if (!quire_is_quote_char(cp) && tilde_suffix(p, s, e, &fuzzy_tilde))
        return fail_at(p, QUIRE_EINVAL, s, "NEAR does not take a fuzzy word (word~)");
    if (quire_is_quote_char(cp)) {
        *stemmed = tilde;
        size_t close = e;
        while (close > next && (p->text[close - 1] & 0xC0) == 0x80)
            close--;
        close--; /* the closing quote's first byte */
        if (has_prefix_star(p, next, close))
            return fail_at(p, QUIRE_EINVAL, s, "a prefix (word*) inside a phrase is not supported");
        if (has_ellipsis(p, next, close))
            return fail_at(p, QUIRE_EINVAL, s, "a quote with an ellipsis cannot be a NEAR operand");
        rc = analyse_words(p, next, close, *stemmed, words, n, s);
    } else {
        if (p->text[e - 1] == '*')
            return fail_at(p, QUIRE_EINVAL, s, "NEAR does not take a prefix (word*)");
        *stemmed = true;
        rc = analyse_words(p, s, e, true, words, n, s);
    }
    if (rc != QUIRE_OK)
        return rc;
    if (*n == before)
        return fail_at(p, QUIRE_EINVAL, s, "NEAR needs a word on each side");
    p->at = e;
    return QUIRE_OK;
}

/* a NEAR/n b, a at p->at (the caller saw the operator after it). */
static int near_node(query_node **out, parser *p)
{
    const size_t s = p->at;
    query_word words[2 * QUERY_MAX_PHRASE_WORDS];
    uint32_t n = 0, n_a;
    bool stemmed[2] = {false, false}, ordered;
    uint32_t dist;
    int rc = near_operand(p, words, &n, &stemmed[0]);
    if (rc != QUIRE_OK)
        return rc;
    n_a = n;
    skip_space(p);
    const size_t op = p->at;
    rc = read_near_op(p, &dist, &ordered);
    if (rc != QUIRE_OK)
        return rc;
    skip_space(p);
    if (at_end_of_group(p) || at_keyword(p, "AND") || at_keyword(p, "OR") || at_keyword(p, "NOT") ||
        is_near_op(p, p->at))
        return fail_at(p, QUIRE_EINVAL, op, "NEAR needs a word or phrase after it");
    rc = near_operand(p, words, &n, &stemmed[1]);
    if (rc != QUIRE_OK)
        return rc;
    const size_t end = p->at;
    skip_space(p);
    if (p->at < p->len && is_near_op(p, p->at))
        return fail_at(p, QUIRE_EINVAL, p->at, "NEAR joins exactly two words or phrases");
    p->at = end;
    rc = make_phrase(out, p, words, n, false, QUERY_FIELD_ANY, s);
    if (rc != QUIRE_OK)
        return rc;
    (*out)->near_split = n_a;
    (*out)->near_n = dist;
    (*out)->near_ordered = ordered;
    (*out)->near_stemmed[0] = stemmed[0];
    (*out)->near_stemmed[1] = stemmed[1];
    return QUIRE_OK;
}

static int parse_primary(query_node **out, parser *p, unsigned depth)
{
    *out = NULL;
    const size_t s = p->at;
    if (is_near_op(p, s))
        return fail_at(p, QUIRE_EINVAL, s, "NEAR joins two words or phrases");
    const size_t oe = operand_end(p, s);
    if (oe > s) {
        parser q = *p;
        q.at = oe;
        skip_space(&q);
        if (q.at < q.len && is_near_op(&q, q.at))
            return near_node(out, p);
    }
    size_t next;
    const uint32_t cp = peek_cp(p, s, &next);
    if (cp == '(') {
        if (depth + 1 > QUERY_MAX_DEPTH)
            return fail_at(p, QUIRE_ELIMIT, s, "nesting deeper than %d", QUERY_MAX_DEPTH);
        p->at = next;
        uint32_t clauses;
        const int rc = parse_or(out, p, depth + 1, &clauses);
        if (rc != QUIRE_OK)
            return rc;
        skip_space(p);
        if (p->at >= p->len || p->text[p->at] != ')')
            return fail_at(p, QUIRE_EINVAL, s, "unbalanced parenthesis");
        p->at++;
        return QUIRE_OK;
    }
    if (quire_is_quote_char(cp))
        return quoted(out, p, false, QUERY_FIELD_ANY, s);
    if (cp == '~' && at_quote(p, next)) {
        p->at = next;
        return quoted(out, p, true, QUERY_FIELD_ANY, s);
    }
    const size_t name_len = field_name_len(p);
    if (name_len > 0) {
        const char *name = p->text + s;
        if (name_is(name, name_len, "date")) {
            p->at = s + name_len + 1;
            return date_node(out, p);
        }
        if (name_is(name, name_len, "title")) {
            p->at = s + name_len + 1;
            size_t after;
            const uint32_t c = peek_cp(p, p->at, &after);
            if (quire_is_quote_char(c))
                return quoted(out, p, false, QUERY_FIELD_TITLE, s);
            if (c == '~' && at_quote(p, after)) {
                p->at = after;
                return quoted(out, p, true, QUERY_FIELD_TITLE, s);
            }
            if (c == '(')
                return fail_at(p, QUIRE_EINVAL, p->at, "title: takes a word or a quoted phrase");
            const size_t e = word_end(p, p->at);
            const size_t v = p->at;
            p->at = e;
            return word_node(out, p, v, e, QUERY_FIELD_TITLE);
        }
        return fail_at(p, QUIRE_EINVAL, s, "unknown field '%.*s' (fields: title, date)",
                       (int)(name_len > 40 ? 40 : name_len), name);
    }
    const size_t e = word_end(p, s);
    p->at = e;
    return word_node(out, p, s, e, QUERY_FIELD_ANY);
}

static int not_node(query_node **out, parser *p, query_node *child, size_t offset)
{
    query_node *n = new_node(p, QUERY_NOT, offset);
    query_node **kids = arena_alloc(p->a, sizeof *kids);
    if (n == NULL || kids == NULL)
        return quire_oom();
    kids[0] = child;
    n->children = kids;
    n->child_count = 1;
    *out = n;
    return QUIRE_OK;
}

/* Whether the character after a - or + at p->at starts an operand. */
static bool prefix_applies(const parser *p)
{
    if (p->at + 1 >= p->len)
        return false;
    const uint32_t cp = peek_cp(p, p->at + 1, NULL);
    return !is_space(cp) && cp != ')';
}

/* NOT x, -x, +x or x: a NOT node for the first two; *must is set for +x. */
static int parse_unary(query_node **out, bool *must, parser *p, unsigned depth)
{
    *out = NULL;
    *must = false;
    const size_t s = p->at;
    query_node *child = NULL;
    int rc;
    if (at_keyword(p, "NOT")) {
        if (depth + 1 > QUERY_MAX_DEPTH)
            return fail_at(p, QUIRE_ELIMIT, s, "nesting deeper than %d", QUERY_MAX_DEPTH);
        p->at += 3;
        skip_space(p);
        if (at_end_of_group(p) || at_keyword(p, "AND") || at_keyword(p, "OR"))
            return fail_at(p, QUIRE_EINVAL, s, "NOT needs a word after it");
        bool ignored;
        rc = parse_unary(&child, &ignored, p, depth + 1);
    } else if (p->text[s] == '-' && prefix_applies(p)) {
        p->at++;
        rc = parse_primary(&child, p, depth);
    } else {
        if (p->text[s] == '+' && prefix_applies(p)) {
            *must = true;
            p->at++;
        }
        return parse_primary(out, p, depth);
    }
    if (rc != QUIRE_OK || child == NULL)
        return rc;
    return not_node(out, p, child, s);
}

/* Whether two phrases agree on fuzziness and approximation (one clause if so). */
static bool same_variant_rules(const query_node *a, const query_node *b)
{
    if (a->is_fuzzy != b->is_fuzzy || a->fuzzy_distance != b->fuzzy_distance ||
        a->is_approx != b->is_approx || a->approx_closeness != b->approx_closeness)
        return false;
    if (a->is_approx)
        for (uint32_t i = 0; i < a->word_count && i < b->word_count; i++)
            if (a->words[i].distance != b->words[i].distance)
                return false;
    return true;
}

static bool same_leaf(const query_node *a, const query_node *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == QUERY_TERM)
        return a->term == b->term;
    if (a->kind != QUERY_PHRASE || a->word_count != b->word_count ||
        a->is_stemmed != b->is_stemmed || a->field != b->field || a->is_prefix != b->is_prefix ||
        a->near_split != b->near_split || a->near_n != b->near_n ||
        a->near_ordered != b->near_ordered || a->near_stemmed[0] != b->near_stemmed[0] ||
        a->near_stemmed[1] != b->near_stemmed[1] || a->part_count != b->part_count ||
        !same_variant_rules(a, b))
        return false;
    for (uint32_t i = 0; i < a->part_count; i++)
        if (a->part_ends[i] != b->part_ends[i])
            return false;
    for (uint32_t i = 0; i < a->word_count; i++)
        if (a->words[i].len != b->words[i].len ||
            memcmp(a->words[i].text, b->words[i].text, a->words[i].len) != 0)
            return false;
    return true;
}

/* A growable list of nodes in the arena. */
typedef struct node_list {
    query_node **items;
    uint32_t count;
    uint32_t cap;
} node_list;

static int list_push(node_list *l, parser *p, query_node *n)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (same_leaf(l->items[i], n)) { /* one clause; a word weighs once more */
            if (n->kind == QUERY_TERM)
                l->items[i]->repeats++;
            return QUIRE_OK;
        }
    if (l->count == l->cap) {
        const uint32_t cap = l->cap ? l->cap * 2 : 8;
        query_node **items = arena_alloc(p->a, cap * sizeof *items);
        if (items == NULL)
            return quire_oom();
        if (l->count > 0)
            memcpy(items, l->items, l->count * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = n;
    return QUIRE_OK;
}

/* With --any: leave the stopwords out of the optional clauses l (parser.h), unless
 * nothing would be left of the group (no required clause, no other optional one). */
static void drop_stopwords(const parser *p, node_list *l, uint32_t required)
{
    if (!p->match_any || p->keep_stopwords)
        return;
    uint32_t kept = 0;
    for (uint32_t i = 0; i < l->count; i++)
        kept += !(l->items[i]->kind == QUERY_TERM && l->items[i]->stopword);
    if (kept == l->count || (kept == 0 && required == 0))
        return;
    kept = 0;
    for (uint32_t i = 0; i < l->count; i++)
        if (!(l->items[i]->kind == QUERY_TERM && l->items[i]->stopword))
            l->items[kept++] = l->items[i];
    l->count = kept;
}

/* Clauses joined by AND or by juxtaposition, up to OR, ')' or the end. *clauses counts
 * the operands read, including those that analysed to nothing. */
static int parse_and(query_node **out, parser *p, unsigned depth, uint32_t *clauses)
{
    *out = NULL;
    *clauses = 0;
    node_list must = {NULL, 0, 0}, should = {NULL, 0, 0}, nots = {NULL, 0, 0};
    query_node *last = NULL; /* the previous operand, if it is in `should` */
    const size_t s = p->at;
    int rc;
    for (;;) {
        skip_space(p);
        if (at_end_of_group(p) || at_keyword(p, "OR"))
            break;
        bool explicit_and = false;
        if (at_keyword(p, "AND")) {
            const size_t op = p->at;
            if (*clauses == 0)
                return fail_at(p, QUIRE_EINVAL, op, "AND needs a word before it");
            p->at += 3;
            skip_space(p);
            if (at_end_of_group(p) || at_keyword(p, "AND") || at_keyword(p, "OR"))
                return fail_at(p, QUIRE_EINVAL, op, "AND needs a word after it");
            explicit_and = true;
            if (last != NULL) { /* `a AND b` in --any mode: a is required too */
                should.count--;
                rc = list_push(&must, p, last);
                if (rc != QUIRE_OK)
                    return rc;
            }
        }
        query_node *n;
        bool plus;
        rc = parse_unary(&n, &plus, p, depth);
        if (rc != QUIRE_OK)
            return rc;
        (*clauses)++;
        last = NULL;
        if (n == NULL)
            continue;
        if (n->kind == QUERY_NOT) {
            rc = list_push(&nots, p, n);
        } else if (plus || explicit_and || !p->match_any) {
            rc = list_push(&must, p, n);
        } else {
            const uint32_t before = should.count;
            rc = list_push(&should, p, n);
            if (should.count > before)
                last = n;
        }
        if (rc != QUIRE_OK)
            return rc;
    }
    drop_stopwords(p, &should, must.count);
    /* must AND (should as a ranked OR) AND NOT each of nots */
    query_node *core = NULL, *opt = NULL;
    rc = combine(&core, p, QUERY_AND, must.items, must.count, s);
    if (rc == QUIRE_OK)
        rc = combine(&opt, p, QUERY_OR, should.items, should.count, s);
    if (rc != QUIRE_OK)
        return rc;
    if (core != NULL && opt != NULL) {
        query_node *pair[2] = {core, opt};
        query_node *n = new_node(p, QUERY_OPT, s);
        query_node **kids = arena_alloc(p->a, sizeof pair);
        if (n == NULL || kids == NULL)
            return quire_oom();
        memcpy(kids, pair, sizeof pair);
        n->children = kids;
        n->child_count = 2;
        core = n;
    } else if (core == NULL) {
        core = opt;
    }
    if (nots.count == 0) {
        *out = core;
        return QUIRE_OK;
    }
    if (core != NULL) {
        /* the positive part first, so the planner finds it at children[0] */
        rc = list_push(&nots, p, core);
        if (rc != QUIRE_OK)
            return rc;
        memmove(nots.items + 1, nots.items, (nots.count - 1) * sizeof *nots.items);
        nots.items[0] = core;
    }
    if (nots.count == 1) {
        *out = nots.items[0];
        return QUIRE_OK;
    }
    return combine(out, p, QUERY_AND, nots.items, nots.count, s);
}

static int parse_or(query_node **out, parser *p, unsigned depth, uint32_t *clauses)
{
    *out = NULL;
    node_list alts = {NULL, 0, 0};
    const size_t s = p->at;
    uint32_t n_clauses;
    query_node *n;
    int rc = parse_and(&n, p, depth, &n_clauses);
    if (rc != QUIRE_OK)
        return rc;
    *clauses = n_clauses;
    if (n != NULL && (rc = list_push(&alts, p, n)) != QUIRE_OK)
        return rc;
    for (;;) {
        skip_space(p);
        if (!at_keyword(p, "OR"))
            break;
        const size_t op = p->at;
        if (n_clauses == 0)
            return fail_at(p, QUIRE_EINVAL, op, "OR needs a word before it");
        p->at += 2;
        rc = parse_and(&n, p, depth, &n_clauses);
        if (rc != QUIRE_OK)
            return rc;
        if (n_clauses == 0)
            return fail_at(p, QUIRE_EINVAL, op, "OR needs a word after it");
        *clauses += n_clauses;
        if (n != NULL && (rc = list_push(&alts, p, n)) != QUIRE_OK)
            return rc;
    }
    return combine(out, p, QUERY_OR, alts.items, alts.count, s);
}

static void reset(parser *p)
{
    p->at = 0;
    p->term_count = 0;
    p->phrase_count = 0;
    p->word_count = 0;
    p->has_dates = false;
    p->error_offset = SIZE_MAX;
}

static int parse_strict(query_node **root, parser *p)
{
    uint32_t clauses;
    int rc = parse_or(root, p, 0, &clauses);
    if (rc != QUIRE_OK)
        return rc;
    skip_space(p);
    if (p->at < p->len) /* parse_or stops only at the end or at a ')' */
        return fail_at(p, QUIRE_EINVAL, p->at, "unbalanced parenthesis");
    return QUIRE_OK;
}

/* Lenient reading: every token of the text is a word, under one AND (OR with --any). */
static int parse_plain(query_node **root, parser *p)
{
    node_list words = {NULL, 0, 0};
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, p->an, p->text, p->len, 0, true);
    while (quire_tokens_next(&it, &tok)) {
        query_node *t;
        int rc = count_word(p, tok.byte_start);
        if (rc == QUIRE_OK)
            rc = term_node(&t, p, &tok, tok.byte_start);
        if (rc == QUIRE_OK)
            rc = list_push(&words, p, t);
        if (rc != QUIRE_OK)
            return rc;
    }
    drop_stopwords(p, &words, 0);
    return combine(root, p, p->match_any ? QUERY_OR : QUERY_AND, words.items, words.count, 0);
}

/* Number the PHRASE nodes of the final tree 0..k-1 in tree order. Numbers are handed out
 * as phrases are made, and a phrase given twice is dropped (it counts once): without this
 * the dropped one left a hole the planner read as a NULL node ("a b" "a b" crashed). */
static void number_phrases(query_node *n, uint32_t *k)
{
    if (n->kind == QUERY_PHRASE)
        n->phrase = (*k)++;
    for (uint32_t i = 0; i < n->child_count; i++)
        number_phrases(n->children[i], k);
}

/* Number the TERM nodes of the final tree 0..k-1 in tree order, each once (a TERM node is
 * shared by every mention of its stem): a word left out (drop_stopwords) takes no number,
 * so the planner, which looks every numbered term up, never meets a hole. */
static void number_terms(query_node *n, uint32_t *k)
{
    if (n->kind == QUERY_TERM) {
        if (n->term == UINT32_MAX)
            n->term = (*k)++;
        return;
    }
    for (uint32_t i = 0; i < n->child_count; i++)
        number_terms(n->children[i], k);
}

int parser_parse(query_ast *out, arena *a, quire_analyzer *an, const char *text, size_t len,
                 const parser_options *o)
{
    memset(out, 0, sizeof *out);
    out->error_offset = SIZE_MAX;
    parser p;
    memset(&p, 0, sizeof p);
    p.a = a;
    p.an = an;
    p.text = text;
    p.len = len;
    p.match_any = o->match_any;
    p.keep_stopwords = o->keep_stopwords;
    /* Room for the maximum up front: QUERY_MAX_WORDS pointers is 8 KiB. */
    p.terms = arena_alloc(a, QUERY_MAX_WORDS * sizeof *p.terms);
    if (p.terms == NULL)
        return quire_oom();
    reset(&p);

    query_node *root = NULL;
    int rc = o->plain ? parse_plain(&root, &p) : parse_strict(&root, &p);
    if (rc == QUIRE_EINVAL && o->lenient && !o->plain) {
        reset(&p);
        root = NULL;
        rc = parse_plain(&root, &p);
    }
    if (rc == QUIRE_OK && root == NULL)
        rc = quire_error(QUIRE_EINVAL, "empty query");
    if (rc != QUIRE_OK) {
        out->error_offset = p.error_offset;
        return rc;
    }
    out->root = root;
    for (uint32_t i = 0; i < p.term_count; i++)
        p.terms[i]->term = UINT32_MAX;
    out->term_count = 0;
    number_terms(root, &out->term_count);
    out->phrase_count = 0;
    number_phrases(root, &out->phrase_count);
    out->has_dates = p.has_dates;
    return QUIRE_OK;
}
