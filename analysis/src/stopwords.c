/*
 * stopwords.c - the function words a ranked bag-of-words query leaves out (the parser
 * asks; nothing is dropped from an index: analysis/RULES.md "Query stopwords").
 *
 * English: the 33 words of Lucene's EnglishAnalyzer / StopAnalyzer.ENGLISH_STOP_WORDS_SET,
 * the list Lucene, Elasticsearch and Anserini use by default, taken as it is (not chosen
 * on any test collection). Other languages have no list. Forms are compared as the
 * tokenizer gives them: case-folded, diacritics folded, one apostrophe.
 */
#include <string.h>

#include "quire/analysis.h"

static const char *const english[] = {
    "a",   "an",    "and",  "are",   "as",    "at",   "be",   "but", "by",  "for",  "if",
    "in",  "into",  "is",   "it",    "no",    "not",  "of",   "on",  "or",  "such", "that",
    "the", "their", "then", "there", "these", "they", "this", "to",  "was", "will", "with",
};

bool quire_analyzer_is_stopword(const quire_analyzer *an, const char *form, size_t len)
{
    const char *lang = quire_analyzer_language(an);
    if (lang == NULL || (strcmp(lang, "english") != 0 && strcmp(lang, "porter") != 0))
        return false;
    if (len == 0 || len > 5)
        return false;
    for (size_t i = 0; i < sizeof english / sizeof english[0]; i++)
        if (strlen(english[i]) == len && memcmp(english[i], form, len) == 0)
            return true;
    return false;
}

const char *const *quire_analyzer_common_words(const quire_analyzer *an, uint32_t *count)
{
    const char *lang = quire_analyzer_language(an);
    if (lang == NULL || (strcmp(lang, "english") != 0 && strcmp(lang, "porter") != 0)) {
        *count = 0;
        return NULL;
    }
    *count = (uint32_t)(sizeof english / sizeof english[0]);
    return english;
}
