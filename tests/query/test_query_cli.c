/*
 * test_query_cli.c - the quire-query program on an index built in the test: output
 * formats, grep's exit codes (0 hits, 1 none, 2 error) and the error messages on stderr.
 * Runs $QUIRE_BINARY_DIR/quire-query (ctest sets it).
 */
#include "query.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "query_fixture.h"

static const fx_doc docs[] = {
    {"a-1", "Gas for Uzbekistan", "Uzbekistan asked Russia for gas."},
    {"a-2", "", "Gas prices rose in spring."},
    {"a-3", "Line one\nline two", "A visit to Samarkand, Uzbekistan."},
};
#define DOC_COUNT ((uint32_t)(sizeof docs / sizeof docs[0]))

typedef struct outcome {
    int status;     /* exit code */
    char out[8192]; /* stdout */
    char err[8192]; /* stderr */
} outcome;

static void slurp(char *buf, size_t cap, const char *path)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    const size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Run quire-query with `args` (a shell fragment) and collect what it did. */
static void quire_query(outcome *o, const char *args)
{
    const char *bin = getenv("QUIRE_BINARY_DIR");
    if (bin == NULL)
        cr_skip_test("QUIRE_BINARY_DIR is not set (run through ctest)");
    char tmpl[] = "/tmp/quire-query-cli-XXXXXX";
    cr_assert(mkdtemp(tmpl) != NULL);
    char cmd[4096], out_path[256], err_path[256];
    snprintf(out_path, sizeof out_path, "%s/out", tmpl);
    snprintf(err_path, sizeof err_path, "%s/err", tmpl);
    snprintf(cmd, sizeof cmd, "'%s/quire-query' %s >'%s' 2>'%s'", bin, args, out_path, err_path);
    const int st = system(cmd);
    cr_assert(st != -1 && WIFEXITED(st), "could not run: %s", cmd);
    o->status = WEXITSTATUS(st);
    slurp(o->out, sizeof o->out, out_path);
    slurp(o->err, sizeof o->err, err_path);
    unlink(out_path);
    unlink(err_path);
    rmdir(tmpl);
}

/* The arguments `before 'dir'after`. */
static char *fmt_args(const char *before, const char *dir, const char *after)
{
    static char buf[2048];
    snprintf(buf, sizeof buf, "%s'%s'%s", before, dir, after);
    return buf;
}

Test(query_cli, prints_ranked_hits_and_the_match_count)
{
    char *dir = fx_build_index(docs, DOC_COUNT, NULL, 0, NULL);
    search_options so;
    search_options_init(&so);
    so.query = "uzbekistan";
    so.query_len = strlen(so.query);
    search_result r;
    cr_assert_eq(search_run(&r, dir, &so), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(r.hit_count, 2);
    /* each hit, then its best passage (not on a terminal: highlights in [[ ]]) */
    char want[1024], plain[1024];
    const char *lines[2];
    const char *plain_lines[2];
    for (int i = 0; i < 2; i++) {
        const bool a1 = strcmp(r.hits[i].external_id, "a-1") == 0;
        lines[i] = a1 ? "Gas for [[Uzbekistan]]\n   [[Uzbekistan]] asked Russia for gas.\n"
                      : "Line one line two\n   A visit to Samarkand, [[Uzbekistan]].\n";
        plain_lines[i] = a1 ? "Gas for Uzbekistan\n" : "Line one line two\n";
    }
    snprintf(want, sizeof want, "1. %s  %.4f  %s2. %s  %.4f  %s2 matching documents\n",
             r.hits[0].external_id, r.hits[0].score, lines[0], r.hits[1].external_id,
             r.hits[1].score, lines[1]);
    snprintf(plain, sizeof plain, "1. %s  %.4f  %s2. %s  %.4f  %s2 matching documents\n",
             r.hits[0].external_id, r.hits[0].score, plain_lines[0], r.hits[1].external_id,
             r.hits[1].score, plain_lines[1]);

    outcome o;
    quire_query(&o, fmt_args("", dir, " Uzbekistan"));
    cr_expect_eq(o.status, 0, "stderr: %s", o.err);
    cr_expect_str_eq(o.out, want);
    cr_expect_str_eq(o.err, "");
    quire_query(&o, fmt_args("--passages 0 ", dir, " Uzbekistan"));
    cr_expect_str_eq(o.out, plain);
    search_result_free(&r);
    fx_remove_index(dir);
}

Test(query_cli, says_no_title_when_there_is_none)
{
    char *dir = fx_build_index(docs, DOC_COUNT, NULL, 0, NULL);
    outcome o;
    quire_query(&o, fmt_args("", dir, " prices"));
    cr_expect_eq(o.status, 0);
    cr_expect(strstr(o.out, "1. a-2  ") == o.out, "%s", o.out);
    cr_expect(
        strstr(o.out, "  (no title)\n   Gas [[prices]] rose in spring.\n1 matching document\n") !=
            NULL,
        "%s", o.out);
    fx_remove_index(dir);
}

Test(query_cli, marks_highlights_as_asked)
{
    char *dir = fx_build_index(docs, DOC_COUNT, NULL, 0, NULL);
    outcome o;
    /* colour when asked (stdout is no terminal here: tests/cli/query_language.sh checks
     * the terminal and NO_COLOR), markers otherwise */
    quire_query(&o, fmt_args("--color always -k 1 ", dir, " prices"));
    cr_expect(strstr(o.out, "Gas \033[1;31mprices\033[0m rose") != NULL, "%s", o.out);
    quire_query(
        &o, fmt_args("--color never --mark-open '<b>' --mark-close '</b>' -k 1 ", dir, " prices"));
    cr_expect(strstr(o.out, "Gas <b>prices</b> rose") != NULL, "%s", o.out);
    quire_query(&o, fmt_args("--color sometimes ", dir, " prices"));
    cr_expect_eq(o.status, 2);
    cr_expect(strstr(o.err, "--color") != NULL, "%s", o.err);
    quire_query(&o, fmt_args("--passages 65 ", dir, " prices"));
    cr_expect_eq(o.status, 2);
    /* json: byte offsets into the text and the title */
    quire_query(&o, fmt_args("--format json ", dir, " '\"gas for\"'"));
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect(strstr(o.out, "\"title_highlights\":[[0,7]]") != NULL, "%s", o.out);
    cr_expect(strstr(o.out, "\"text\":\"Uzbekistan asked Russia for gas.\"") != NULL, "%s", o.out);
    quire_query(&o, fmt_args("--format json ", dir, " russia"));
    cr_expect(strstr(o.out, "\"passages\":[{\"start\":0,\"end\":32,\"cut_before\":false,"
                            "\"cut_after\":false,\"text\":\"Uzbekistan asked Russia for gas.\","
                            "\"highlights\":[[17,23]]}]") != NULL,
              "%s", o.out);
    /* trec: no passages */
    quire_query(&o, fmt_args("--format trec ", dir, " russia"));
    cr_expect(strstr(o.out, "Uzbekistan") == NULL, "%s", o.out);
    fx_remove_index(dir);
}

Test(query_cli, exits_1_when_nothing_matches)
{
    char *dir = fx_build_index(docs, DOC_COUNT, NULL, 0, NULL);
    outcome o;
    quire_query(&o, fmt_args("", dir, " gas samarkand"));
    cr_expect_eq(o.status, 1);
    cr_expect_str_eq(o.out, "0 matching documents\n");
    quire_query(&o, fmt_args("--any ", dir, " gas samarkand"));
    cr_expect_eq(o.status, 0);
    cr_expect(strstr(o.out, "3 matching documents\n") != NULL, "%s", o.out);
    fx_remove_index(dir);
}

Test(query_cli, writes_trec_runs)
{
    char *dir = fx_build_index(docs, DOC_COUNT, NULL, 0, NULL);
    outcome o;
    quire_query(&o, fmt_args("--format trec --qid 301 --tag myrun -k 1 ", dir, " gas"));
    cr_expect_eq(o.status, 0);
    /* "301 Q0 a-? 1 S.SSSS myrun", one line, no summary */
    cr_expect(strncmp(o.out, "301 Q0 a-", 9) == 0, "%s", o.out);
    cr_expect(strstr(o.out, " 1 ") != NULL && strstr(o.out, " myrun\n") != NULL, "%s", o.out);
    cr_expect_eq(strchr(o.out, '\n') + 1, o.out + strlen(o.out), "one line: %s", o.out);
    fx_remove_index(dir);
}

Test(query_cli, reports_errors_with_exit_2)
{
    char *dir = fx_build_index(docs, DOC_COUNT, NULL, 0, NULL);
    outcome o;
    quire_query(&o, fmt_args("", dir, " '!!!' ,"));
    cr_expect_eq(o.status, 2);
    cr_expect_str_eq(o.err, "quire-query: empty query\n");
    cr_expect_str_eq(o.out, "");

    quire_query(&o, fmt_args("", dir, "/nowhere gas"));
    cr_expect_eq(o.status, 2);
    cr_expect(strncmp(o.err, "quire-query: ", 13) == 0 && strstr(o.err, "/nowhere") != NULL, "%s",
              o.err);

    quire_query(&o, fmt_args("--top many ", dir, " gas"));
    cr_expect_eq(o.status, 2);
    cr_expect(strstr(o.err, "quire-query: --top") != NULL, "%s", o.err);

    quire_query(&o, fmt_args("--b 2 ", dir, " gas"));
    cr_expect_eq(o.status, 2);

    quire_query(&o, fmt_args("--frobnicate ", dir, " gas"));
    cr_expect_eq(o.status, 2);
    cr_expect(strstr(o.err, "unknown option '--frobnicate'") != NULL, "%s", o.err);

    quire_query(&o, fmt_args("", dir, ""));
    cr_expect_eq(o.status, 2);
    fx_remove_index(dir);
}

Test(query_cli, refuses_bad_ranking_options_with_exit_2)
{
    char *dir = fx_build_index(docs, DOC_COUNT, NULL, 0, NULL);
    static const struct {
        const char *args, *message;
    } cases[] = {
        {"--title-weight 0 ", "quire-query: --title-weight: not a number > 0: '0'\n"},
        {"--title-weight x ", "quire-query: --title-weight: not a number > 0: 'x'\n"},
        {"--rm3-weight 2 ", "quire-query: --rm3-weight: not a number in 0..1: '2'\n"},
        {"--rm3-docs 0 ", "quire-query: --rm3-docs: not a count from 1 to 1000: '0'\n"},
        {"--rm3-terms -1 ", "quire-query: --rm3-terms: not a count from 1 to 1000: '-1'\n"},
    };
    outcome o;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        quire_query(&o, fmt_args(cases[i].args, dir, " gas"));
        cr_expect_eq(o.status, 2, "%s: exit %d", cases[i].args, o.status);
        cr_expect_str_eq(o.err, cases[i].message, "%s", cases[i].args);
    }
    /* RM3 expands a ranked OR of words only */
    quire_query(&o, fmt_args("--rm3 ", dir, " gas uzbekistan"));
    cr_expect_eq(o.status, 2);
    cr_expect(strstr(o.err, "RM3 expands a ranked OR of words") != NULL, "%s", o.err);
    quire_query(&o, fmt_args("--rm3 ", dir, " gas")); /* without --any: every word required */
    cr_expect_eq(o.status, 2);
    cr_expect(strstr(o.err, "RM3 expands a ranked OR of words") != NULL, "%s", o.err);
    quire_query(&o, fmt_args("--rm3 --any ", dir, " gas uzbekistan"));
    cr_expect_eq(o.status, 0, "%s", o.err);
    /* the options run and find what BM25 finds, in some order */
    quire_query(&o, fmt_args("--any --proximity --title-weight 2 ", dir, " gas uzbekistan"));
    cr_expect_eq(o.status, 0, "%s", o.err);
    cr_expect(strstr(o.out, "3 matching documents") != NULL, "%s", o.out);
    fx_remove_index(dir);
}

Test(query_cli, refuses_an_index_of_another_analyzer)
{
    char *dir =
        fx_build_index(docs, DOC_COUNT, NULL, 0, "quire-analysis/0 english fold-diacritics");
    outcome o;
    quire_query(&o, fmt_args("", dir, " gas"));
    cr_expect_eq(o.status, 2);
    cr_expect(strncmp(o.err, "quire-query: ", 13) == 0, "%s", o.err);
    cr_expect(strstr(o.err, dir) != NULL && strstr(o.err, "analyzer") != NULL, "%s", o.err);
    cr_expect_str_eq(o.out, "");
    fx_remove_index(dir);
}

Test(query_cli, help_lists_every_option)
{
    outcome o;
    quire_query(&o, "--help");
    cr_expect_eq(o.status, 0);
    static const char *const names[] = {"--top",
                                        "-k",
                                        "--any",
                                        "--all",
                                        "--k1",
                                        "--b",
                                        "--format",
                                        "--qid",
                                        "--tag",
                                        "--help",
                                        "--plain",
                                        "--keep-stopwords",
                                        "1.2",
                                        "0.75",
                                        "default 10",
                                        "--proximity",
                                        "--title-weight",
                                        "--rm3",
                                        "--rm3-docs",
                                        "--rm3-terms",
                                        "--rm3-weight"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_expect(strstr(o.out, names[i]) != NULL, "--help lacks %s", names[i]);
}

Test(query_cli, options_may_follow_the_words)
{
    char *dir = fx_build_index(docs, DOC_COUNT, NULL, 0, NULL);
    outcome a, b;
    quire_query(&a, fmt_args("", dir, " gas --k1=0.9 --b 0.4 -k1"));
    quire_query(&b, fmt_args("--top 1 --k1 0.9 --b=0.4 ", dir, " gas"));
    cr_expect_eq(a.status, 0, "%s", a.err);
    cr_expect_str_eq(a.out, b.out);
    fx_remove_index(dir);
}
