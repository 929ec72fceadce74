/*
 * test_size.c - quire_parse_size (base/src/size.c), the one parser of the programs' and
 * bench's sizes (--memory, --chunk).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "quire/size.h"

#define MIB ((size_t)1 << 20)

static size_t parsed(const char *s)
{
    size_t v = 12345;
    cr_assert_eq(quire_parse_size(s, MIB, &v), QUIRE_OK, "%s: %s", s, quire_errmsg());
    return v;
}

Test(size, reads_units_in_powers_of_1024)
{
    cr_expect_eq(parsed("64M"), 64 * MIB);
    cr_expect_eq(parsed("64m"), 64 * MIB);
    cr_expect_eq(parsed("64MiB"), 64 * MIB);
    cr_expect_eq(parsed("64MB"), 64 * MIB);
    cr_expect_eq(parsed("64Mb"), 64 * MIB);
    cr_expect_eq(parsed("2G"), 2048 * MIB);
    cr_expect_eq(parsed("2gib"), 2048 * MIB);
    cr_expect_eq(parsed("1024k"), MIB);
    cr_expect_eq(parsed("1.5G"), 1536 * MIB);
    cr_expect_eq(parsed("1048576"), MIB);
}

Test(size, refuses_what_is_not_a_size)
{
    static const char *const bad[] = {"",     "M",    "-64M", "0",   "64X", "64MBB",
                                      "64 M", "64Mx", "1e20", "nan", "0.5M"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t v = 7;
        cr_expect_eq(quire_parse_size(bad[i], MIB, &v), QUIRE_EINVAL, "'%s' was taken", bad[i]);
        cr_expect_eq(v, 7, "'%s' set the output", bad[i]);
    }
}

Test(size, minimum_is_the_callers)
{
    size_t v = 0;
    cr_expect_eq(quire_parse_size("512k", MIB, &v), QUIRE_EINVAL);
    cr_expect(strstr(quire_errmsg(), "'512k'") != NULL, "message: %s", quire_errmsg());
    cr_expect_eq(quire_parse_size("512k", 1, &v), QUIRE_OK);
    cr_expect_eq(v, 512 * 1024);
}
