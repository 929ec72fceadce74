/*
 * test_cli.c - quire/cli.h, the option parser of every quire program: the grammar
 * (--name VALUE, --name=VALUE, -xVALUE, flags, "--", "-" as an operand, dash operands
 * after the first), the messages of bad usage (with the nearest option suggested), an
 * apply function stopping the parse, and --help's layout.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quire/cli.h"

enum { O_TOP, O_ANY, O_FORMAT, O_HELP, O_OPTIMIZE };

static const quire_cli_option opts[] = {
    {O_TOP, 'k', "top", "N", "show the N best hits"},
    {O_ANY, 0, "any", NULL, "ranked OR"},
    {O_FORMAT, 0, "format", "F",
     "output: text, json or trec; a long help that must be wrapped before the eightieth "
     "column of the terminal, whatever its words"},
    {O_HELP, 'h', "help", NULL, "show this help\nand exit"},
    {O_OPTIMIZE, 0, "optimize", NULL, "merge"},
};

typedef struct seen {
    int count;
    int ids[16];
    const char *values[16];
    int stop_at; /* the id whose apply returns 7, or -1 */
} seen;

static int record(void *ctx, const quire_cli_option *o, const char *value)
{
    seen *s = ctx;
    s->ids[s->count] = o->id;
    s->values[s->count++] = value;
    return o->id == s->stop_at ? 7 : 0;
}

static int parse(unsigned flags, seen *s, int argc, char **argv, int *operands)
{
    const quire_cli cli = {"prog", opts, sizeof opts / sizeof opts[0], flags};
    memset(s, 0, sizeof *s);
    s->stop_at = -1;
    return quire_cli_parse(&cli, argc, argv, operands, record, s);
}

Test(cli, values_in_every_form_and_operands_in_order)
{
    char *argv[] = {"prog", "idx",      "--top", "5",  "-k7", "--format=json", "-k",
                    "9",    "--any",    "-",     "w1", "--",  "--any",         NULL};
    seen s;
    int n = -1;
    cr_assert_eq(parse(0, &s, 13, argv, &n), 0);
    cr_assert_eq(s.count, 5);
    cr_expect_eq(s.ids[0], O_TOP);
    cr_expect_str_eq(s.values[0], "5");
    cr_expect_str_eq(s.values[1], "7");
    cr_expect_eq(s.ids[2], O_FORMAT);
    cr_expect_str_eq(s.values[2], "json");
    cr_expect_str_eq(s.values[3], "9");
    cr_expect_eq(s.ids[4], O_ANY);
    cr_expect_str_eq(s.values[4], "", "a flag's value is \"\"");
    cr_assert_eq(n, 4);
    cr_expect_str_eq(argv[1], "idx");
    cr_expect_str_eq(argv[2], "-");
    cr_expect_str_eq(argv[3], "w1");
    cr_expect_str_eq(argv[4], "--any", "after --, an option's name is an operand");
}

Test(cli, dash_words_after_the_first_operand_only_when_asked)
{
    char *a1[] = {"prog", "idx", "putin", "-xi", NULL};
    seen s;
    int n = 0;
    cr_assert_eq(parse(QUIRE_CLI_DASH_OPERANDS, &s, 4, a1, &n), 0);
    cr_assert_eq(n, 3);
    cr_expect_str_eq(a1[3], "-xi");

    char *a2[] = {"prog", "-xi", "idx", NULL};
    cr_redirect_stderr();
    cr_expect_eq(parse(QUIRE_CLI_DASH_OPERANDS, &s, 3, a2, &n), QUIRE_CLI_USAGE,
                 "before the first operand an unknown -x is an error");
    char *a3[] = {"prog", "idx", "-xi", NULL};
    cr_expect_eq(parse(0, &s, 3, a3, &n), QUIRE_CLI_USAGE);
}

Test(cli, unknown_options_are_named_with_the_nearest_known_one, .init = cr_redirect_stderr)
{
    char *argv[] = {"prog", "--optimze", NULL};
    seen s;
    int n;
    cr_assert_eq(parse(0, &s, 2, argv, &n), QUIRE_CLI_USAGE);
    char *far[] = {"prog", "--frobnicate", NULL};
    cr_assert_eq(parse(0, &s, 2, far, &n), QUIRE_CLI_USAGE);
    fflush(stderr);
    cr_assert_stderr_eq_str("prog: unknown option '--optimze'; did you mean --optimize? (see "
                            "--help)\nprog: unknown option '--frobnicate' (see --help)\n");
}

Test(cli, a_value_missing_or_given_to_a_flag_is_bad_usage, .init = cr_redirect_stderr)
{
    seen s;
    int n;
    char *a1[] = {"prog", "idx", "--top", NULL};
    cr_expect_eq(parse(0, &s, 3, a1, &n), QUIRE_CLI_USAGE);
    char *a2[] = {"prog", "--any=1", NULL};
    cr_expect_eq(parse(0, &s, 2, a2, &n), QUIRE_CLI_USAGE);
    char *a3[] = {"prog", "-hx", NULL};
    cr_expect_eq(parse(0, &s, 2, a3, &n), QUIRE_CLI_USAGE, "flags are not bundled");
    cr_expect_eq(s.count, 0, "nothing applied");
    fflush(stderr);
    cr_assert_stderr_eq_str("prog: option '--top' needs a value (N) (see --help)\n"
                            "prog: option '--any' takes no value (see --help)\n"
                            "prog: unknown option '-hx' (see --help)\n");
}

Test(cli, apply_stops_the_parse_with_its_value)
{
    char *argv[] = {"prog", "--any", "--help", "--top", "3", NULL};
    const quire_cli cli = {"prog", opts, sizeof opts / sizeof opts[0], 0};
    seen s;
    memset(&s, 0, sizeof s);
    s.stop_at = O_HELP;
    int n;
    cr_assert_eq(quire_cli_parse(&cli, 5, argv, &n, record, &s), 7);
    cr_expect_eq(s.count, 2, "--top after --help is not applied");
}

Test(cli, help_lists_every_option_aligned_and_wrapped)
{
    const quire_cli cli = {"prog", opts, sizeof opts / sizeof opts[0], 0};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert(f != NULL);
    quire_cli_print_options(&cli, f);
    cr_assert_eq(fclose(f), 0);
    cr_expect(strstr(text, "  -k, --top N    show the N best hits\n") != NULL, "%s", text);
    cr_expect(strstr(text, "      --any      ranked OR\n") != NULL, "%s", text);
    cr_expect(strstr(text, "  -h, --help     show this help\n                 and exit\n") != NULL,
              "a '\\n' in the help breaks the line, indented: %s", text);
    size_t lines = 0;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        cr_assert(nl != NULL);
        cr_expect_leq((size_t)(nl - line), 79, "a line longer than 79: %.*s", (int)(nl - line),
                      line);
        lines++;
        line = nl + 1;
    }
    cr_expect_geq(lines, 7, "the long help is wrapped: %s", text);
    free(text);
}

Test(cli, numbers)
{
    uint64_t v;
    double d;
    cr_expect_eq(quire_cli_uint("42", 1, 64, &v), 0);
    cr_expect_eq(v, 42);
    cr_expect_eq(quire_cli_uint("0", 1, 64, &v), -1);
    cr_expect_eq(quire_cli_uint("65", 1, 64, &v), -1);
    cr_expect_eq(quire_cli_uint("-1", 0, 64, &v), -1);
    cr_expect_eq(quire_cli_uint("3x", 0, 64, &v), -1);
    cr_expect_eq(quire_cli_uint("", 0, 64, &v), -1);
    cr_expect_eq(quire_cli_uint("99999999999999999999999", 0, UINT64_MAX, &v), -1);
    cr_expect_eq(quire_cli_real("0.75", &d), 0);
    cr_expect_eq(d, 0.75);
    cr_expect_eq(quire_cli_real("inf", &d), -1);
    cr_expect_eq(quire_cli_real("1e9999", &d), -1);
    cr_expect_eq(quire_cli_real("", &d), -1);
}
