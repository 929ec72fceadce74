/*
 * test_stopwords.c - quire_analyzer_is_stopword (analysis/RULES.md "Query stopwords"): the
 * 33 English words of Lucene's list, as forms (case-folded, one apostrophe), for the
 * english and porter analyzers only; nothing else.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "quire/analysis.h"

static quire_analyzer *analyzer(const char *language)
{
    quire_analyzer *an = NULL;
    const quire_analyzer_opts opts = {language, false, 0};
    cr_assert_eq(quire_analyzer_new(&an, &opts), QUIRE_OK, "%s", quire_errmsg());
    return an;
}

static bool stop(const quire_analyzer *an, const char *w)
{
    return quire_analyzer_is_stopword(an, w, strlen(w));
}

static const char *const lucene[] = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with",
};

Test(stopwords, english_has_lucenes_33_words)
{
    quire_analyzer *an = analyzer("english");
    cr_expect_eq(sizeof lucene / sizeof lucene[0], 33);
    for (size_t i = 0; i < sizeof lucene / sizeof lucene[0]; i++)
        cr_expect(stop(an, lucene[i]), "'%s' is not a stopword", lucene[i]);
    quire_analyzer_free(an);
    an = analyzer("porter");
    cr_expect(stop(an, "the") && stop(an, "with"));
    quire_analyzer_free(an);
}

Test(stopwords, nothing_else_is_one)
{
    quire_analyzer *an = analyzer("english");
    static const char *const words[] = {
        "what", "which", "i",  "we",   "were", "been", "have",  "has",     "from", "about",
        "thee", "them",  "th", "ther", "tho",  "thes", "ands",  "ano",     "",     "THE",
        "The",  "it's",  "t",  "x",    "not ", " the", "thing", "these's",
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        cr_expect(!stop(an, words[i]), "'%s' is a stopword", words[i]);
    /* the length is what counts, not a NUL */
    cr_expect(quire_analyzer_is_stopword(an, "then", 3)); /* "the" */
    cr_expect(!quire_analyzer_is_stopword(an, "the", 2));
    quire_analyzer_free(an);
}

Test(stopwords, other_languages_have_none)
{
    static const char *const languages[] = {"french", "german", "russian", "dutch"};
    for (size_t i = 0; i < sizeof languages / sizeof languages[0]; i++) {
        quire_analyzer *an = analyzer(languages[i]);
        cr_expect(!stop(an, "the") && !stop(an, "a") && !stop(an, "de") && !stop(an, "und"),
                  "%s has a stopword", languages[i]);
        quire_analyzer_free(an);
    }
}

Test(stopwords, a_tokens_form_is_what_is_asked)
{
    /* Forms come case-folded with one apostrophe: `The`, `THE` and `ＴＨＥ` are `the`. */
    quire_analyzer *an = analyzer("english");
    const char *text = "The THE \xef\xbc\xb4\xef\xbc\xa8\xef\xbc\xa5 There's Into";
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, text, strlen(text), 0, false);
    const bool want[] = {true, true, true, false, true};
    size_t n = 0;
    while (quire_tokens_next(&it, &tok)) {
        cr_assert_lt(n, 5);
        cr_expect_eq(quire_analyzer_is_stopword(an, tok.form, tok.form_len), want[n],
                     "token %zu '%s'", n, tok.form);
        n++;
    }
    cr_expect_eq(n, 5);
    quire_analyzer_free(an);
}
