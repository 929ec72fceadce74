/*
 * cli.h - the one command-line style of quire's programs (quire-index, quire-query,
 * quire-serve and the bench tools): a table of options that drives both the parsing and
 * --help, as libgit2's src/cli does.
 *
 * The grammar, the same in every program: `--name VALUE` or `--name=VALUE` for an option
 * with a value, `-x VALUE` or `-xVALUE` for one with a short name, `--name` or `-x` for a
 * flag; options anywhere among the operands; `--` ends the options; `-` alone is an
 * operand (standard input). With QUIRE_CLI_DASH_OPERANDS, an argument after the first
 * operand that starts with `-` but is no option is an operand too (quire-query's
 * `putin -xi`: the query's NOT).
 *
 * Messages go to stderr as "PROGRAM: what is wrong (see --help)". Not thread-safe (it
 * reorders argv); call it once, from main.
 */
#ifndef QUIRE_CLI_H
#define QUIRE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "quire/status.h"

/* One option: `id` is the program's own (an enum), given back to its apply function. */
typedef struct quire_cli_option {
    int id;
    char short_name;       /* 'k' for -k, 0 if none */
    const char *long_name; /* "top" for --top */
    const char *arg;       /* the value's name in --help ("N"), NULL for a flag */
    const char *help;      /* one line, or several separated by '\n' (indented by --help) */
} quire_cli_option;

#define QUIRE_CLI_DASH_OPERANDS (1u << 0) /* after the first operand, "-word" may be one */

typedef struct quire_cli {
    const char *program; /* "quire-query": the prefix of messages */
    const quire_cli_option *options;
    size_t option_count;
    unsigned flags; /* QUIRE_CLI_* */
} quire_cli;

/* Apply option `o` (found in argv) with `value` (a flag: ""; valid as long as argv).
 * Return 0 to go on; anything else stops the parse, which returns it (e.g. 1 after
 * --help was printed, or a negative value after a message about a bad value). */
typedef int (*quire_cli_apply_fn)(void *ctx, const quire_cli_option *o, const char *value);

#define QUIRE_CLI_USAGE (-1) /* quire_cli_parse(): bad usage, the message printed */

/* Parse argv[1..argc) with `cli`'s table, calling `apply` for each option in order.
 * The operands are moved, in order, to argv[1 .. 1 + *operand_count).
 * @return 0; the nonzero value an `apply` returned; or QUIRE_CLI_USAGE after printing what
 *   is wrong (an unknown option, with the nearest known one if it is close; a value
 *   missing, or given to a flag). */
QUIRE_MUST_CHECK int quire_cli_parse(const quire_cli *cli, int argc, char **argv,
                                     int *operand_count, quire_cli_apply_fn apply, void *ctx);

/* Print the table as --help shows it: one option a line (more for a long help), names on
 * the left, aligned. */
void quire_cli_print_options(const quire_cli *cli, FILE *f);

/* Print "PROGRAM: <message> (see --help)" on stderr; returns QUIRE_CLI_USAGE. */
QUIRE_PRINTF(2, 3) int quire_cli_usage_error(const quire_cli *cli, const char *fmt, ...);

/* Values: a whole decimal number in [min, max] / a finite real number. Return 0, or -1
 * (nothing printed: the caller names the option and what it expects). */
QUIRE_MUST_CHECK int quire_cli_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
QUIRE_MUST_CHECK int quire_cli_real(const char *s, double *out);

#endif
