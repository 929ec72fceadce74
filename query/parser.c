/*
 * parser.c - query text -> AST (see parser.h for the language of this milestone).
 */
#include "parser.h"

#include <string.h>

static query_node *find_stem(query_node *const *terms, uint32_t count, const char *stem,
                             size_t stem_len)
{
    for (uint32_t i = 0; i < count; i++)
        if (terms[i]->stem_len == stem_len && memcmp(terms[i]->stem, stem, stem_len) == 0)
            return terms[i];
    return NULL;
}

int parser_parse(query_node **out, uint32_t *term_count, arena *a, quire_analyzer *an,
                 const char *text, size_t len, bool match_any)
{
    /* Room for the maximum up front: QUERY_MAX_TERMS pointers is 8 KiB, less than
     * growing an array in an arena would waste. */
    query_node **terms = arena_alloc(a, QUERY_MAX_TERMS * sizeof(query_node *));
    query_node *root = arena_alloc(a, sizeof *root);
    if (terms == NULL || root == NULL)
        return quire_error(QUIRE_ENOMEM, "query: out of memory");

    uint32_t count = 0;
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, len, 0, true);
    while (quire_tokens_next(&it, &tok)) {
        /* A stem is never empty for a non-empty form; fall back to the form if it were. */
        const char *stem = tok.stem != NULL && tok.stem_len > 0 ? tok.stem : tok.form;
        const size_t stem_len = tok.stem != NULL && tok.stem_len > 0 ? tok.stem_len : tok.form_len;
        if (stem_len == 0 || find_stem(terms, count, stem, stem_len) != NULL)
            continue;
        if (count == QUERY_MAX_TERMS)
            return quire_error(QUIRE_ELIMIT, "query: more than %d distinct terms", QUERY_MAX_TERMS);
        query_node *t = arena_alloc(a, sizeof *t);
        if (t == NULL)
            return quire_error(QUIRE_ENOMEM, "query: out of memory");
        t->kind = QUERY_TERM;
        t->stem = arena_strndup(a, stem, stem_len);
        t->stem_len = stem_len;
        t->form = arena_strndup(a, tok.form, tok.form_len);
        t->form_len = tok.form_len;
        t->term = count;
        if (t->stem == NULL || t->form == NULL)
            return quire_error(QUIRE_ENOMEM, "query: out of memory");
        terms[count++] = t;
    }
    if (count == 0)
        return quire_error(QUIRE_EINVAL, "empty query");

    root->kind = match_any ? QUERY_OR : QUERY_AND;
    root->children = terms;
    root->child_count = count;
    *out = root;
    *term_count = count;
    return QUIRE_OK;
}
