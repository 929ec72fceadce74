/*
 * test_util.h - what the query suites that index real data share: skipping when run
 * outside ctest, a temporary folder, running the quire-index program, and the test for a
 * token that can be pasted into a query as a plain word. Static functions: include it once
 * per test file.
 */
#ifndef QUIRE_TEST_QUERY_UTIL_H
#define QUIRE_TEST_QUERY_UTIL_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEST_UTIL_UNUSED __attribute__((unused))

TEST_UTIL_UNUSED static const char *env_or_skip(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL)
        cr_skip_test("%s is not set (run through ctest)", name);
    return v;
}

/* A new folder under /tmp; free it with remove_tmp(). */
TEST_UTIL_UNUSED static char *make_tmp(void)
{
    char tmpl[] = "/tmp/quire-query-test-XXXXXX";
    cr_assert(mkdtemp(tmpl) != NULL);
    return strdup(tmpl);
}

TEST_UTIL_UNUSED static void remove_tmp(char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    free(dir);
}

/* Run quire-index on `inputs` (a shell fragment) into dir/idx. Returns dir/idx (malloc'd). */
TEST_UTIL_UNUSED static char *index_inputs(const char *dir, const char *inputs)
{
    const char *bin = env_or_skip("QUIRE_BINARY_DIR");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/quire-index' --quiet '%s/idx' %s >'%s/index.log' 2>&1", bin, dir,
             inputs, dir);
    cr_assert_eq(system(cmd), 0, "quire-index failed: %s", cmd);
    char *idx = malloc(strlen(dir) + 5);
    cr_assert(idx != NULL);
    sprintf(idx, "%s/idx", dir);
    return idx;
}

/* Whether s holds a curly or angle quote (a phrase delimiter of the query language). */
TEST_UTIL_UNUSED static bool has_quote(const char *s)
{
    static const char *const quotes[] = {"\xe2\x80\x9c", "\xe2\x80\x9d", "\xe2\x80\x9e",
                                         "\xe2\x80\x9f", "\xc2\xab",     "\xc2\xbb"};
    for (size_t i = 0; i < sizeof quotes / sizeof quotes[0]; i++)
        if (strstr(s, quotes[i]) != NULL)
            return true;
    return false;
}

/* A token's text fit to be a query word on its own: ASCII, no operator characters, not a
 * capitalised operator. */
TEST_UTIL_UNUSED static bool plain_word(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strchr("\"():*~+-\\", s[i]) != NULL || (unsigned char)s[i] >= 0x80)
            return false;
    static const char *const operators[] = {"OR", "AND", "NOT", "NEAR", "ONEAR"};
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
        if (strlen(operators[i]) == n && memcmp(s, operators[i], n) == 0)
            return false;
    return n >= 1;
}

#endif
