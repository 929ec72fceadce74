/*
 * corpus_fixture.h - the real-corpus indexes the query oracles share: the first documents
 * of one corpus (test_approx.c, test_explain.c, test_passage.c), CACM and the first
 * Reuters-21578 articles in one run (test_phrase.c, test_near.c, test_passage.c), or in
 * two segments with deletions (test_prune.c, test_sort.c), and a random word of a
 * document to put in a query. Static functions: include it once per test file, after
 * oracle_corpus.h and test_util.h.
 */
#ifndef QUIRE_TEST_CORPUS_FIXTURE_H
#define QUIRE_TEST_CORPUS_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "oracle_corpus.h"
#include "test_util.h"

/* Skips the test unless CACM and Reuters-21578 are under $QUIRE_SHARED/corpora; their
 * corpus files' paths in cacm and reuters. */
TEST_UTIL_UNUSED static void cacm_and_reuters(char *cacm, char *reuters, size_t cap)
{
    const char *shared = env_or_skip("QUIRE_SHARED");
    snprintf(cacm, cap, "%s/corpora/cacm/corpus.jsonl.gz", shared);
    snprintf(reuters, cap, "%s/corpora/reuters21578/corpus.jsonl.gz", shared);
    if (access(cacm, R_OK) != 0 || access(reuters, R_OK) != 0)
        cr_skip_test("corpora not found under %s/corpora", shared);
}

/* An index in dir/idx of CACM and the first `reuters_docs` Reuters-21578 articles, in one
 * run (one segment). Reuters ids are renamed reuters-N: CACM uses the same numbers, and
 * an id indexed twice is one document (the later replaces the earlier). Skips the test
 * when the corpora are not there. Returns dir/idx (malloc'd, as index_inputs()). */
TEST_UTIL_UNUSED static char *cacm_reuters_index(const char *dir, unsigned reuters_docs)
{
    char cacm[1024], reuters[1024];
    cacm_and_reuters(cacm, reuters, sizeof cacm);
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "zcat '%s' | head -n %u | sed 's/^{\"id\": \"/{\"id\": \"reuters-/' > "
             "'%s/reuters.jsonl'",
             reuters, reuters_docs, dir);
    cr_assert_eq(system(cmd), 0);
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s' '%s/reuters.jsonl'", cacm, dir);
    return index_inputs(dir, inputs);
}

/* An index in dir/idx of the first n documents of the shared corpus `name` (its folder
 * under $QUIRE_SHARED/corpora, e.g. "reuters21578"), in one run. Skips the test when the
 * corpus is not there. Returns dir/idx (malloc'd, as index_inputs()). */
TEST_UTIL_UNUSED static char *corpus_head_index(const char *dir, const char *name, unsigned n)
{
    const char *shared = env_or_skip("QUIRE_SHARED");
    char src[1024];
    snprintf(src, sizeof src, "%s/corpora/%s/corpus.jsonl.gz", shared, name);
    if (access(src, R_OK) != 0)
        cr_skip_test("%s not found", src);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "zcat '%s' | head -n %u > '%s/head.jsonl'", src, n, dir);
    cr_assert_eq(system(cmd), 0);
    char inputs[4096];
    snprintf(inputs, sizeof inputs, "'%s/head.jsonl'", dir);
    return index_inputs(dir, inputs);
}

/* A new folder under /tmp (free it with remove_tmp()) holding in idx/ an index of two
 * segments: CACM in a first run, the first 3,000 Reuters-21578 articles in a second, then
 * the CACM documents 1, 3, .., 801 deleted (401 documents that ranking must skip). Reuters
 * ids are renamed reuters-N: CACM uses the same numbers, and an id indexed twice is one
 * document (the later replaces the earlier). Skips the test when the corpora are not there. */
TEST_UTIL_UNUSED static char *two_segment_index(void)
{
    const char *bin = env_or_skip("QUIRE_BINARY_DIR");
    char cacm[1024], reuters[1024];
    cacm_and_reuters(cacm, reuters, sizeof cacm);
    char *dir = make_tmp();
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "zcat '%s' | head -n 3000 | sed 's/^{\"id\": \"/{\"id\": \"reuters-/' > "
             "'%s/reuters.jsonl' && "
             "'%s/quire-index' --quiet '%s/idx' '%s' && "
             "'%s/quire-index' --quiet '%s/idx' '%s/reuters.jsonl' && "
             "seq 1 2 801 > '%s/gone' && '%s/quire-index' --quiet --delete-from '%s/gone' '%s/idx'",
             reuters, dir, bin, dir, cacm, bin, dir, dir, dir, bin, dir, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    return dir;
}

/* Appends to q a random word of a random document of c (its text, or its title when it
 * has no text), if the word can stand in a query as it is; false if it cannot. */
TEST_UTIL_UNUSED static bool add_word(char *q, size_t cap, const corpus *c)
{
    const odoc *d = &c->docs[rnd(c->count)];
    const int f = d->count[1] > 0 ? 1 : 0;
    if (d->count[f] == 0)
        return false;
    const uint32_t t = rnd(d->count[f]);
    const char *w = d->field[f] + d->start[f][t];
    const size_t n = d->end[f][t] - d->start[f][t];
    if (!plain_word(w, n))
        return false;
    snprintf(q + strlen(q), cap - strlen(q), "%.*s", (int)n, w);
    return true;
}

#endif
