/*
 * prose.h - whether a query written for the operator syntax reads like a natural-language
 * topic, in which a capitalised AND, OR or NOT is more likely a word than an operator
 * (LISA's topics are written in capitals: "... IDENTIFICATION AND EVALUATION OF NOVEL
 * COMPUTER ARCHITECTURES, FOR INSTANCE, ..."). quire-query --batch warns about such a
 * query and points to --plain.
 *
 * A query reads like prose when, outside quotes, it has
 *   - an operator word: AND, OR, NOT, NEAR, ONEAR, NEAR/n or ONEAR/n, as the parser cuts
 *     words (at white space, quotes and parentheses); and
 *   - at least PROSE_MIN_WORDS other words (holding a letter or a digit); and
 *   - either a word ending in sentence punctuation (. , ; : ? !) followed by white space
 *     or the end of the query, or text in capitals: at least two thirds of those other
 *     words have an upper-case ASCII letter and no lower-case one.
 * A short boolean query ("putin AND xi", "(a OR b) NOT c") never does; nor does a long
 * one in lower case without punctuation.
 */
#ifndef QUERY_PROSE_H
#define QUERY_PROSE_H

#include <stdbool.h>
#include <stddef.h>

#define PROSE_MIN_WORDS 8

/* Whether text[0..len) reads like prose (above). *op_offset gets the byte offset of its
 * first operator word when it does (for the message). */
bool query_looks_like_prose(const char *text, size_t len, size_t *op_offset);

#endif
