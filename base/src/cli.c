/*
 * cli.c - quire/cli.h.
 */
#include "quire/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int quire_cli_usage_error(const quire_cli *cli, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)fprintf(stderr, "%s: %s (see --help)\n", cli->program, msg);
    return QUIRE_CLI_USAGE;
}

static const quire_cli_option *find_long(const quire_cli *cli, const char *name, size_t len)
{
    for (size_t i = 0; i < cli->option_count; i++) {
        const char *l = cli->options[i].long_name;
        if (l != NULL && strlen(l) == len && memcmp(l, name, len) == 0)
            return &cli->options[i];
    }
    return NULL;
}

static const quire_cli_option *find_short(const quire_cli *cli, char name)
{
    for (size_t i = 0; i < cli->option_count; i++)
        if (cli->options[i].short_name == name)
            return &cli->options[i];
    return NULL;
}

/* Optimal string alignment distance of a[0..n) and b[0..m), both short (option names):
 * adjacent transpositions count one, as typing slips do. */
static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
    enum { MAX = 40 };
    if (n >= MAX || m >= MAX)
        return SIZE_MAX;
    size_t d[MAX + 1][MAX + 1];
    for (size_t i = 0; i <= n; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= m; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[n][m];
}

/* The long option nearest to `name` if it is within 2 edits (and closer than half the
 * name), else NULL; ties go to the first in the table. */
static const char *nearest(const quire_cli *cli, const char *name, size_t len)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t i = 0; i < cli->option_count; i++) {
        const char *l = cli->options[i].long_name;
        if (l == NULL)
            continue;
        const size_t d = edit_distance(name, len, l, strlen(l));
        if (d < best_d && d * 2 < len) {
            best = l;
            best_d = d;
        }
    }
    return best;
}

static int unknown(const quire_cli *cli, const char *arg)
{
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        const size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const char *near = nearest(cli, name, len);
        if (near != NULL)
            return quire_cli_usage_error(cli, "unknown option '%s'; did you mean --%s?", arg, near);
    }
    return quire_cli_usage_error(cli, "unknown option '%s'", arg);
}

int quire_cli_parse(const quire_cli *cli, int argc, char **argv, int *operand_count,
                    quire_cli_apply_fn apply, void *ctx)
{
    int operands = 0;
    bool options_done = false;
    *operand_count = 0;
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            argv[1 + operands++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        const quire_cli_option *o;
        const char *value = NULL;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            o = find_long(cli, name, eq ? (size_t)(eq - name) : strlen(name));
            if (o != NULL && eq != NULL) {
                if (o->arg == NULL)
                    return quire_cli_usage_error(cli, "option '--%s' takes no value", o->long_name);
                value = eq + 1;
            }
        } else {
            o = find_short(cli, arg[1]);
            if (o != NULL && arg[2] != '\0') {
                if (o->arg != NULL)
                    value = arg + 2; /* -k5 */
                else
                    o = NULL; /* -xyz: no bundling of flags */
            }
        }
        if (o == NULL && arg[1] != '-' && operands > 0 && (cli->flags & QUIRE_CLI_DASH_OPERANDS)) {
            argv[1 + operands++] = arg;
            continue;
        }
        if (o == NULL)
            return unknown(cli, arg);
        if (o->arg != NULL && value == NULL) {
            if (i + 1 >= argc)
                return quire_cli_usage_error(cli, "option '%s' needs a value (%s)", arg, o->arg);
            value = argv[++i];
        }
        const int rc = apply(ctx, o, value != NULL ? value : "");
        if (rc != 0)
            return rc;
    }
    *operand_count = operands;
    return 0;
}

/* Print `help` from column `indent`, its words wrapped before column 80; a '\n' in it
 * breaks the line. The first line continues the current one. */
static void print_wrapped(FILE *f, const char *help, int indent)
{
    enum { COLUMNS = 79 };
    int col = indent;
    bool line_start = true;
    for (const char *h = help; *h;) {
        if (*h == '\n' || *h == ' ') {
            if (*h == '\n') {
                (void)fprintf(f, "\n%*s", indent, "");
                col = indent;
                line_start = true;
            }
            h++;
            continue;
        }
        const size_t n = strcspn(h, " \n");
        if (!line_start && col + 1 + (int)n > COLUMNS) {
            (void)fprintf(f, "\n%*s", indent, "");
            col = indent;
            line_start = true;
        }
        (void)fprintf(f, "%s%.*s", line_start ? "" : " ", (int)n, h);
        col += (int)n + (line_start ? 0 : 1);
        line_start = false;
        h += n;
    }
    (void)fputc('\n', f);
}

void quire_cli_print_options(const quire_cli *cli, FILE *f)
{
    enum { LEFT_MAX = 22 };
    char left[64];
    int width = 0;
    for (size_t i = 0; i < cli->option_count; i++) {
        const quire_cli_option *o = &cli->options[i];
        const int n = (int)(strlen(o->long_name) + 6 + (o->arg ? strlen(o->arg) + 1 : 0));
        if (n <= LEFT_MAX && n > width)
            width = n;
    }
    for (size_t i = 0; i < cli->option_count; i++) {
        const quire_cli_option *o = &cli->options[i];
        if (o->short_name != 0)
            (void)snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->long_name,
                           o->arg ? " " : "", o->arg ? o->arg : "");
        else
            (void)snprintf(left, sizeof left, "    --%s%s%s", o->long_name, o->arg ? " " : "",
                           o->arg ? o->arg : "");
        if ((int)strlen(left) > width) /* too long to share a line with its help */
            (void)fprintf(f, "  %s\n  %-*s ", left, width, "");
        else
            (void)fprintf(f, "  %-*s ", width, left);
        print_wrapped(f, o->help, 2 + width + 1);
    }
}

int quire_cli_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    const unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int quire_cli_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}
