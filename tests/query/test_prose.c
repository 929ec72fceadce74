/*
 * test_prose.c - query_looks_like_prose (prose.h): natural-language topics with operator
 * words are told from boolean queries, on the topics of the test collections as they are
 * distributed and on hand-written queries.
 */
#include "prose.h"

#include <criterion/criterion.h>
#include <string.h>

static bool prose(const char *q, size_t *op)
{
    return query_looks_like_prose(q, strlen(q), op);
}

Test(prose, topics_in_capitals_with_and_or_not_read_like_prose)
{
    /* LISA topic 1, as distributed */
    const char *lisa = "I AM INTERESTED IN THE IDENTIFICATION AND EVALUATION OF NOVEL COMPUTER "
                       "ARCHITECTURES, FOR INSTANCE, INCREASED PARALLELISM, BOTH IN SIMD AND "
                       "MIMD MACHINES.";
    size_t op = 0;
    cr_expect(prose(lisa, &op));
    cr_expect_eq(op, strlen("I AM INTERESTED IN THE IDENTIFICATION "), "op at %zu", op);
    /* capitals without punctuation: two thirds of the words in capitals is enough */
    cr_expect(prose("NOVEL COMPUTER ARCHITECTURES AND PARALLEL MACHINES IN LARGE SYSTEMS", NULL));
    /* punctuation without capitals */
    cr_expect(
        prose("papers on retrieval, indexing AND abstracting of the journals in libraries", NULL));
    cr_expect(prose("what is known about fish OR birds in the rivers and lakes of Europe?", NULL));
    cr_expect(prose("USE OF COMPUTERS NOT JUST FOR CATALOGUING BUT FOR CIRCULATION AND "
                    "ACQUISITIONS",
                    NULL));
    cr_expect(prose("a NEAR/3 b and many other words in this sentence, as it goes on", NULL));
}

Test(prose, boolean_queries_do_not)
{
    static const char *const queries[] = {
        "putin AND xi",
        "(putin OR xi) \"state visit\" date:2022-12-01..",
        "a b OR c -d",
        "NOT war",
        "RUSSIA AND CHINA",                                                        /* short */
        "information retrieval AND evaluation of systems in university libraries", /* no mark */
        "Putin NEAR/5 Xi meets the president of China in Moscow for talks",        /* no mark */
        "\"a long quoted phrase, with commas, AND capitals, that goes on\" AND b", /* in quotes */
        "I AM INTERESTED IN THE IDENTIFICATION, EVALUATION OF NOVEL COMPUTERS.",   /* no operator */
        "What problems and concerns are there in making up descriptive titles?",   /* CISI 1 */
        "",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        size_t op = 12345;
        cr_expect(!prose(queries[i], &op), "'%s' read as prose", queries[i]);
        cr_expect_eq(op, 12345, "'%s': offset set without prose", queries[i]);
    }
}

Test(prose, operators_are_whole_capital_words)
{
    /* AND, as a part of a word, in lower case or followed by punctuation, is no operator */
    cr_expect(!prose("ANDROID SYSTEMS, ORGANISATION OF NOTES IN LIBRARIES OF THE WORLD.", NULL));
    cr_expect(!prose("cats and dogs or birds, not fish, in the houses of the village.", NULL));
    cr_expect(!prose("CATS AND, DOGS OR, BIRDS NOT, FISH IN THE HOUSES OF THE VILLAGE.", NULL));
    cr_expect(prose("CATS ONEAR/2 DOGS IN THE HOUSES OF THE LITTLE VILLAGE", NULL));
    cr_expect(!prose("CATS NEAR/ DOGS IN THE HOUSES OF THE LITTLE VILLAGE", NULL));
}

Test(prose, counts_words_not_punctuation)
{
    /* seven words and an operator, however much punctuation: not enough words */
    cr_expect(!prose("ONE, TWO, THREE, FOUR AND FIVE, SIX, SEVEN. - , ; !!", NULL));
    cr_expect(prose("ONE, TWO, THREE, FOUR AND FIVE, SIX, SEVEN, EIGHT.", NULL));
}
