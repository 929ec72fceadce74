/*
 * test_source.c - reading documents: the seed folder, JSON Lines, TREC, gzip (whole and
 * truncated), stdin, and the problems a source meets (binary, empty, missing, unreadable
 * files, symlink loops, oversized records) in both warning and stop-on-error modes.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "source.h"

/* ---------------------------------------------------------------- helpers */

typedef struct got_doc {
    char *id, *title, *text, *origin;
    size_t text_len;
    int32_t date;
    uint64_t line;
    uint64_t text_line, text_offset;
    uint32_t text_column;
    bool text_verbatim;
} got_doc;

typedef struct run {
    got_doc *docs;
    size_t count;
    char *warnings[64];
    size_t warn_count;
    char *skips[64]; /* "path|line|reason" of each skip the callback reported */
    size_t skip_count;
    int rc;         /* what ended the run: 1 = end, < 0 = error */
    char err[1024]; /* quire_errmsg() when rc < 0 */
    uint64_t bytes_read, bytes_total, warning_total, skipped;
} run;

static void on_warning(void *ctx, const char *message)
{
    run *r = ctx;
    cr_expect(strchr(message, '\n') == NULL, "warning with a newline: %s", message);
    if (r->warn_count < 64)
        r->warnings[r->warn_count++] = strdup(message);
}

static void on_skip(void *ctx, const char *path, uint64_t line, const char *reason)
{
    run *r = ctx;
    cr_expect(strchr(reason, '\n') == NULL, "reason with a newline: %s", reason);
    char buf[2048];
    snprintf(buf, sizeof buf, "%s|%llu|%s", path, (unsigned long long)line, reason);
    if (r->skip_count < 64)
        r->skips[r->skip_count++] = strdup(buf);
}

static char *copy(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Read up to `limit` documents (0: all) from `inputs`. */
static run *collect_opts(const char *const *inputs, size_t n, bool stop, size_t max_doc,
                         size_t limit)
{
    run *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    source_opts opts = {stop, on_warning, r, max_doc, NULL, on_skip, r, SOURCE_ENCODING_AUTO};
    source *s;
    cr_assert_eq(source_open(&s, inputs, n, &opts), QUIRE_OK, "%s", quire_errmsg());
    size_t cap = 0;
    source_doc d;
    while ((limit == 0 || r->count < limit) && (r->rc = source_next(s, &d)) == QUIRE_OK) {
        cr_assert_gt(d.external_id_len, 0);
        cr_assert_not_null(d.origin);
        if (r->count == cap) {
            cap = cap ? cap * 2 : 16;
            r->docs = realloc(r->docs, cap * sizeof *r->docs);
            cr_assert_not_null(r->docs);
        }
        got_doc *g = &r->docs[r->count++];
        g->id = copy(d.external_id, d.external_id_len);
        g->title = copy(d.title, d.title_len);
        g->text = copy(d.text, d.text_len);
        g->text_len = d.text_len;
        g->origin = strdup(d.origin);
        g->date = d.date;
        g->line = d.line;
        g->text_line = d.text_line;
        g->text_column = d.text_column;
        g->text_offset = d.text_offset;
        g->text_verbatim = d.text_verbatim;
    }
    if (r->rc < 0)
        snprintf(r->err, sizeof r->err, "%s", quire_errmsg());
    r->bytes_read = source_bytes_read(s);
    r->bytes_total = source_bytes_total(s);
    r->warning_total = source_warning_count(s);
    r->skipped = source_skipped_count(s);
    source_close(s);
    return r;
}

static run *collect(const char *const *inputs, size_t n)
{
    return collect_opts(inputs, n, false, 0, 0);
}

static run *collect1(const char *input)
{
    return collect(&input, 1);
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->docs[i].id);
        free(r->docs[i].title);
        free(r->docs[i].text);
        free(r->docs[i].origin);
    }
    for (size_t i = 0; i < r->warn_count; i++)
        free(r->warnings[i]);
    for (size_t i = 0; i < r->skip_count; i++)
        free(r->skips[i]);
    free(r->docs);
    free(r);
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a);
    char *p = malloc(n + strlen(b) + 2);
    cr_assert_not_null(p);
    sprintf(p, "%s%s%s", a, n && a[n - 1] == '/' ? "" : "/", b);
    return p;
}

/* A path under the repository (QUIRE_SOURCE_DIR set by ctest, else guessed from the
 * working directory). */
static char *repo_path(const char *rel)
{
    const char *root = getenv("QUIRE_SOURCE_DIR");
    if (!root || !*root) /* run by hand: from the repository or from build/tests */
        root = access("tests/data", F_OK) == 0 ? "." : "../..";
    return path_join(root, rel);
}

static char *shared_path(const char *rel)
{
    const char *root = getenv("QUIRE_SHARED");
    if (!root || !*root)
        root = access("tests/data", F_OK) == 0 ? "../shared" : "../../../shared";
    return path_join(root, rel);
}

static int32_t day(const char *ymd)
{
    int32_t d;
    cr_assert(quire_date_parse(ymd, strlen(ymd), &d));
    return d;
}

static bool has_warning(const run *r, const char *prefix, const char *needle)
{
    for (size_t i = 0; i < r->warn_count; i++)
        if (strncmp(r->warnings[i], prefix, strlen(prefix)) == 0 && strstr(r->warnings[i], needle))
            return true;
    return false;
}

static char *tmp_dir(void)
{
    char tmpl[] = "/tmp/quire-source-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    return strdup(d);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static void *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    *n = 0;
    size_t got;
    while ((got = fread(buf + *n, 1, cap - *n, f)) > 0) {
        *n += got;
        if (*n == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    return buf;
}

/* Make `data` the process's standard input (Criterion runs each test in its own process). */
static void feed_stdin(const void *data, size_t n)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        const char *p = data;
        while (n > 0) {
            ssize_t w = write(fds[1], p, n);
            if (w <= 0)
                _exit(1);
            p += w;
            n -= (size_t)w;
        }
        _exit(0);
    }
    close(fds[1]);
    cr_assert_geq(dup2(fds[0], 0), 0);
    close(fds[0]);
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
    cr_expect_eq(system(cmd), 0);
}

/* ---------------------------------------------------------------- the seed folder */

static const char *const seeds[] = {
    "000_9f4ac158bb6fb716.txt", "001_886f29eb415a0045.txt", "002_bbff4ad5db431cf0.txt",
    "003_b377222dc834d2b2.txt", "004_6da4784a313262bc.txt",
};

Test(source, reads_a_folder_in_name_order_with_paths_as_ids)
{
    char *dir = repo_path("tests/data");
    run *r = collect1(dir);
    cr_assert_eq(r->rc, 1, "%s", r->err);
    cr_assert_geq(r->count, 5);
    for (int i = 0; i < 5; i++) {
        char *want = path_join(dir, seeds[i]);
        cr_expect_str_eq(r->docs[i].id, want);
        cr_expect_str_eq(r->docs[i].origin, want);
        cr_expect_eq(r->docs[i].line, 0);
        free(want);
    }
    /* then tests/data/inputs/, after the seeds ('0' < 'i'), in name order too */
    char *inputs = path_join(dir, "inputs/");
    for (size_t i = 5; i < r->count; i++) {
        cr_expect(strncmp(r->docs[i].origin, inputs, strlen(inputs)) == 0, "%s", r->docs[i].origin);
        if (i > 5)
            cr_expect_leq(strcmp(r->docs[i - 1].origin, r->docs[i].origin), 0);
    }
    free(inputs);
    free(dir);
    run_free(r);
}

Test(source, takes_dates_and_titles_of_plain_files)
{
    char *dir = repo_path("tests/data");
    const char *inputs[5];
    for (int i = 0; i < 5; i++)
        inputs[i] = path_join(dir, seeds[i]);
    run *r = collect(inputs, 5);
    cr_assert_eq(r->rc, 1, "%s", r->err);
    cr_assert_eq(r->count, 5);
    cr_expect_eq(r->warn_count, 0);

    cr_expect_eq(r->docs[0].date, QUIRE_NO_DATE);
    cr_expect_eq(r->docs[1].date, QUIRE_NO_DATE);
    cr_expect_eq(r->docs[2].date, day("2022-12-31"));
    cr_expect_eq(r->docs[3].date, day("2022-12-30"));
    cr_expect_eq(r->docs[4].date, QUIRE_NO_DATE);

    /* The titles a reader gives them (README "Titles of plain text files"); every title
     * stays in the text too, which keeps every line but the date prefix. */
    /* 000: no headline; its lede (one sentence of 173 bytes) is the title */
    cr_expect_str_eq(
        r->docs[0].title,
        "China has vowed to maintain what it described as its \xe2\x80\x9cobjective "
        "and fair\xe2\x80\x9d stance on Russia\xe2\x80\x99s war in Ukraine following a "
        "meeting between Vladimir Putin and Xi Jinping.");
    cr_expect(strncmp(r->docs[0].text, "China has vowed to maintain", 27) == 0);
    /* 001: "World" is a section label; the headline is the third line */
    cr_expect_str_eq(r->docs[1].title,
                     "Putin and Xi promise deeper ties as Russia continues to bomb Ukraine");
    cr_expect(strncmp(r->docs[1].text, "World\n\nPutin and Xi promise deeper ties", 39) == 0);
    /* 002, 003: the date prefix is dropped; the lede on the same line, longer than 200
     * bytes, is cut at its last clause boundary for the title */
    cr_expect_str_eq(r->docs[2].title,
                     "Vladimir Putin on Friday invited his Chinese counterpart, Xi Jinping, to pay "
                     "a state visit to Russia next spring\xe2\x80\xa6");
    cr_expect(strncmp(r->docs[2].text, "Vladimir Putin on Friday invited", 32) == 0);
    cr_expect_str_eq(r->docs[3].title,
                     "Russian president Vladimir Putin said on Friday he was expecting Chinese "
                     "President Xi Jinping to make a state visit to Russia in spring "
                     "2023\xe2\x80\xa6");
    cr_expect(strncmp(r->docs[3].text, "Russian president Vladimir Putin", 32) == 0);
    /* 004: its first line is a headline */
    cr_expect_str_eq(r->docs[4].title,
                     "Putin acknowledges China\xe2\x80\x99s concerns about Ukraine in reference "
                     "to friction");
    cr_expect(strncmp(r->docs[4].text, "Putin acknowledges China", 24) == 0);
    /* where each text starts in its file: 002 and 003 after " date YYYY-MM-DD " */
    const uint64_t offsets[5] = {0, 0, 17, 17, 0};
    for (int i = 0; i < 5; i++) {
        cr_expect(r->docs[i].text_verbatim);
        cr_expect_eq(r->docs[i].text_offset, offsets[i], "doc %d", i);
        cr_expect_eq(r->docs[i].text_line, 1);
        cr_expect_eq(r->docs[i].text_column, offsets[i] + 1, "doc %d", i);
    }
    for (int i = 0; i < 5; i++) {
        cr_expect_str_eq(r->docs[i].id, inputs[i]);
        cr_expect_gt(r->docs[i].text_len, 3000);
        cr_expect(strchr(" \n", r->docs[i].text[r->docs[i].text_len - 1]) == NULL,
                  "text not trimmed");
        free((char *)inputs[i]);
    }
    cr_expect_eq(r->bytes_total, 4732 + 5584 + 5007 + 3337 + 6384);
    cr_expect_eq(r->bytes_read, r->bytes_total);
    free(dir);
    run_free(r);
}

Test(source, plain_date_line_alone_is_dropped_and_crlf_titles_trimmed)
{
    char *dir = tmp_dir();
    char *a = path_join(dir, "a.txt");
    const char text[] = "  date 2021-02-03\r\n\r\nHeadline here\r\nBody line one.\r\nTwo.\r\n";
    write_file(a, text, sizeof text - 1);
    char *b = path_join(dir, "b.txt");
    write_file(b, "date 2021-02-30 is not a date\n", 30);
    const char *inputs[] = {a, b};
    run *r = collect(inputs, 2);
    cr_assert_eq(r->count, 2);
    cr_expect_eq(r->docs[0].date, day("2021-02-03"));
    cr_expect_str_eq(r->docs[0].title, "Headline here");
    cr_expect_str_eq(r->docs[0].text, "Headline here\r\nBody line one.\r\nTwo.");
    cr_expect_eq(r->docs[0].text_line, 3); /* after the date line and a blank one */
    cr_expect_eq(r->docs[0].text_column, 1);
    cr_expect_eq(r->docs[0].text_offset, 21);
    /* an impossible date is not a date line: the line stays, no title (nothing follows) */
    cr_expect_eq(r->docs[1].date, QUIRE_NO_DATE);
    cr_expect_str_eq(r->docs[1].title, "");
    cr_expect_str_eq(r->docs[1].text, "date 2021-02-30 is not a date");
    rm_rf(dir);
    free(a);
    free(b);
    free(dir);
    run_free(r);
}

/* Read one plain text and return its title (the run, for more checks, in *out). */
static char *title_of(const char *text, run **out)
{
    char *dir = tmp_dir();
    char *a = path_join(dir, "a.txt");
    write_file(a, text, strlen(text));
    run *r = collect1(a);
    cr_assert_eq(r->count, 1, "%s", text);
    char *title = strdup(r->docs[0].title);
    rm_rf(dir);
    free(a);
    free(dir);
    if (out)
        *out = r;
    else
        run_free(r);
    return title;
}

static void expect_title(const char *text, const char *want)
{
    run *r;
    char *got = title_of(text, &r);
    cr_expect(strcmp(got, want) == 0, "title '%s', want '%s', of: %s", got, want, text);
    /* the title never leaves the text: the text is the whole file, trimmed */
    size_t n = strlen(text);
    const char *t = text;
    while (*t == ' ' || *t == '\n')
        t++, n--;
    while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == ' '))
        n--;
    cr_expect_eq(r->docs[0].text_len, n, "text: %s", text);
    cr_expect(strncmp(r->docs[0].text, t, n) == 0, "text: %s", text);
    free(got);
    run_free(r);
}

Test(source, plain_titles)
{
    /* a headline: a short first line that does not end as a sentence does */
    expect_title("Blair rejects Tory claims\n\nTony Blair said on Monday that.\n",
                 "Blair rejects Tory claims");
    expect_title("What the election should really be about?\n\nThe text.\n",
                 "What the election should really be about?");
    expect_title("Ireland win eclipses refereeing 'errors'\nText follows.\n",
                 "Ireland win eclipses refereeing 'errors'");
    /* a section label (one or two words, a blank line) before a longer headline */
    expect_title("UK Politics\n\nBlair rejects Tory claims\n\nTony Blair said so.\n",
                 "Blair rejects Tory claims");
    /* ... but a short headline before a shorter line stays (BBC's "Blackburn v Burnley"
     * before "Ewood Park"), and three words are a headline */
    expect_title("Blackburn v Burnley\n\nEwood Park\n\nTuesday, 1 March\n", "Blackburn v Burnley");
    expect_title("Sport\n\nEwood Park\n\nText.\n", "Ewood Park");
    /* ... a headline, that is, with a blank line after it, not a paragraph's first line */
    expect_title("Many words\n\nzqaaa zqaab zqaac\nzqaad zqaae\n", "Many words");
    expect_title("Prime minister's questions\n\nSo who, if anyone, is playing politics?\n",
                 "Prime minister's questions");
    /* no headline: the first sentence, not after an abbreviation or an initial */
    expect_title("Mr. J. Smith said it was over. He left.\n", "Mr. J. Smith said it was over.");
    expect_title("Prices rose \"sharply.\" Then they fell.\n", "Prices rose \"sharply.\"");
    expect_title("It was late.\n\nThe end.\n", "It was late.");
    expect_title("A lede that wraps\nover two lines. And more.\n",
                 "A lede that wraps over two lines.");
    /* a first sentence of more than 200 bytes is cut at its last clause boundary (after
     * 60 bytes, before 200), without the mark, then "…"; without one at the last space */
    expect_title("Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu, xi "
                 "omicron pi rho sigma tau upsilon phi chi psi omega alpha beta gamma delta "
                 "epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
                 "upsilon phi. More.\n",
                 "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu"
                 "\xe2\x80\xa6");
    expect_title("Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
                 "omicron pi rho sigma tau upsilon phi chi psi omega alpha beta gamma delta "
                 "epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
                 "upsilon phi. More.\n",
                 "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
                 "omicron pi rho sigma tau upsilon phi chi psi omega alpha beta gamma delta "
                 "epsilon zeta eta theta iota kappa lambda mu nu xi\xe2\x80\xa6");
    /* one sentence, or one line, and nothing else: no title */
    expect_title("Only this sentence.\n", "");
    expect_title("hello world\n", "");
}

/* The BBC News files in their original form (headline, blank line, text) get their
 * headline as the title, all 2,225 of them. */
Test(source, plain_titles_of_the_bbc_files)
{
    char *path = shared_path("corpora/bbc-news/corpus.jsonl.gz");
    if (access(path, R_OK) != 0) {
        free(path);
        cr_skip_test("no shared corpora");
    }
    run *r = collect1(path);
    cr_assert_eq(r->rc, 1, "%s", r->err);
    cr_assert_eq(r->count, 2225);
    char *dir = tmp_dir();
    char **files = calloc(r->count, sizeof *files);
    cr_assert_not_null(files);
    for (size_t i = 0; i < r->count; i++) {
        char name[64];
        snprintf(name, sizeof name, "%05zu.txt", i);
        files[i] = path_join(dir, name);
        FILE *f = fopen(files[i], "wb");
        cr_assert_not_null(f);
        fprintf(f, "%s\n\n%s\n", r->docs[i].title, r->docs[i].text);
        cr_assert_eq(fclose(f), 0);
    }
    run *back = collect((const char *const *)files, r->count);
    cr_assert_eq(back->count, r->count);
    size_t wrong = 0;
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(back->docs[i].title, r->docs[i].title) != 0 && wrong++ < 5)
            cr_log_warn("%s: '%s', want '%s'", r->docs[i].id, back->docs[i].title,
                        r->docs[i].title);
    cr_expect_eq(wrong, 0, "%zu of %zu titles wrong", wrong, r->count);
    for (size_t i = 0; i < r->count; i++)
        free(files[i]);
    free(files);
    rm_rf(dir);
    free(dir);
    free(path);
    run_free(back);
    run_free(r);
}

/* ---------------------------------------------------------------- encodings */

static run *collect_enc(const char *input, source_encoding enc)
{
    run *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    source_opts opts = {false, on_warning, r, 0, NULL, on_skip, r, enc};
    source *s;
    cr_assert_eq(source_open(&s, &input, 1, &opts), QUIRE_OK, "%s", quire_errmsg());
    source_doc d;
    while ((r->rc = source_next(s, &d)) == QUIRE_OK) {
        r->docs = realloc(r->docs, (r->count + 1) * sizeof *r->docs);
        got_doc *g = &r->docs[r->count++];
        memset(g, 0, sizeof *g);
        g->id = copy(d.external_id, d.external_id_len);
        g->title = copy(d.title, d.title_len);
        g->text = copy(d.text, d.text_len);
        g->text_len = d.text_len;
        g->origin = strdup(d.origin);
        g->text_verbatim = d.text_verbatim;
        g->text_column = d.text_column;
    }
    source_close(s);
    return r;
}

#define CP1252_TEXT                                                                                \
    "Caf\xc3\xa9 cr\xc3\xa8me\n\n\xe2\x80\x9cNa\xc3\xafve\xe2\x80\x9d r\xc3\xa9sum\xc3\xa9s "      \
    "\xe2\x80\x93 \xe2\x82\xac"                                                                    \
    "5 at the caf\xc3\xa9 in M\xc3\xbcnchen."

Test(source, a_cp1252_file_is_read_as_cp1252)
{
    char *path = repo_path("tests/data/inputs/cp1252.txt");
    /* auto: not UTF-8, no valid multi-byte sequence, no byte cp1252 leaves undefined */
    run *r = collect_enc(path, SOURCE_ENCODING_AUTO);
    cr_assert_eq(r->count, 1);
    cr_expect_str_eq(r->docs[0].title, "Caf\xc3\xa9 cr\xc3\xa8me");
    cr_expect_str_eq(r->docs[0].text, CP1252_TEXT);
    cr_expect_not(r->docs[0].text_verbatim, "converted: byte offsets are not the file's");
    cr_expect_eq(r->docs[0].text_column, 1);
    cr_assert_eq(r->warn_count, 1);
    char want[600];
    snprintf(want, sizeof want, "%s: not UTF-8, read as cp1252", path);
    cr_expect(strncmp(r->warnings[0], want, strlen(want)) == 0, "%s", r->warnings[0]);
    cr_expect_eq(r->skipped, 0);
    run_free(r);
    /* told so: the same, without the note */
    r = collect_enc(path, SOURCE_ENCODING_CP1252);
    cr_assert_eq(r->count, 1);
    cr_expect_str_eq(r->docs[0].text, CP1252_TEXT);
    cr_expect_eq(r->warn_count, 0);
    run_free(r);
    /* latin1: the bytes 0x80-0x9f are C1 controls there, the rest the same */
    r = collect_enc(path, SOURCE_ENCODING_LATIN1);
    cr_assert_eq(r->count, 1);
    cr_expect(strncmp(r->docs[0].text, "Caf\xc3\xa9 cr\xc3\xa8me\n\n\xc2\x93Na\xc3\xafve\xc2\x94",
                      24) == 0,
              "%s", r->docs[0].text);
    run_free(r);
    /* utf-8: the bytes as they are (the indexer replaces the invalid ones) */
    r = collect_enc(path, SOURCE_ENCODING_UTF8);
    cr_assert_eq(r->count, 1);
    cr_expect(strncmp(r->docs[0].text, "Caf\xe9 cr\xe8me", 9) == 0);
    cr_expect(r->docs[0].text_verbatim);
    cr_expect_eq(r->warn_count, 0);
    run_free(r);
    free(path);
}

/* Conversion makes a byte up to three: a document within max_doc as read but past it in
 * UTF-8 is skipped as a too large one is (found by fuzz_source, kept as a seed). */
Test(source, a_document_past_the_limit_once_converted_is_skipped)
{
    char *dir = tmp_dir();
    char *a = path_join(dir, "a.txt");
    char text[64];
    memset(text, 0xe9, 40); /* é in cp1252: 2 bytes in UTF-8 */
    memcpy(text + 40, " ascii tail\n", 12);
    write_file(a, text, 52);
    const char *inputs[] = {a};
    run *r = collect_opts(inputs, 1, false, 60, 0);
    cr_expect_eq(r->count, 0);
    cr_expect_eq(r->skipped, 1);
    cr_assert_eq(r->skip_count, 1);
    cr_expect(strstr(r->skips[0], "|0|document of more than 60 bytes once converted to UTF-8") !=
                  NULL,
              "%s", r->skips[0]);
    run_free(r);
    r = collect_opts(inputs, 1, false, 100, 0); /* 92 bytes in UTF-8: kept */
    cr_expect_eq(r->count, 1);
    cr_expect_eq(r->docs[0].text_len, 91);
    run_free(r);
    rm_rf(dir);
    free(a);
    free(dir);
}

Test(source, auto_encoding_keeps_utf8_with_damage_and_converts_json_lines_fields)
{
    char *dir = tmp_dir();
    /* valid UTF-8 with one bad byte is UTF-8 with damage, not cp1252 */
    char *a = path_join(dir, "a.txt");
    const char damaged[] = "Caf\xc3\xa9 and one bad \xe9 byte\n";
    write_file(a, damaged, sizeof damaged - 1);
    run *r = collect_enc(a, SOURCE_ENCODING_AUTO);
    cr_assert_eq(r->count, 1);
    cr_expect_str_eq(r->docs[0].text, "Caf\xc3\xa9 and one bad \xe9 byte");
    cr_expect_eq(r->warn_count, 0);
    run_free(r);
    /* a byte cp1252 leaves undefined (0x81): not cp1252 either */
    const char undefined[] = "one \x81 byte and \xe9\n";
    write_file(a, undefined, sizeof undefined - 1);
    r = collect_enc(a, SOURCE_ENCODING_AUTO);
    cr_assert_eq(r->count, 1);
    cr_expect_str_eq(r->docs[0].text, "one \x81 byte and \xe9");
    run_free(r);
    /* JSON Lines: each field of each record by the same rule, the note once a file */
    char *j = path_join(dir, "b.jsonl");
    const char lines[] = "{\"id\":\"1\",\"title\":\"Caf\xe9\",\"text\":\"cr\xe8me\"}\n"
                         "{\"id\":\"2\",\"text\":\"na\xc3\xafve\"}\n"
                         "{\"id\":\"3\",\"text\":\"\x93quoted\x94\"}\n";
    write_file(j, lines, sizeof lines - 1);
    r = collect_enc(j, SOURCE_ENCODING_AUTO);
    cr_assert_eq(r->count, 3);
    cr_expect_str_eq(r->docs[0].title, "Caf\xc3\xa9");
    cr_expect_str_eq(r->docs[0].text, "cr\xc3\xa8me");
    cr_expect_str_eq(r->docs[1].text, "na\xc3\xafve");
    cr_expect_str_eq(r->docs[2].text, "\xe2\x80\x9cquoted\xe2\x80\x9d");
    cr_expect_eq(r->warn_count, 1);
    run_free(r);
    rm_rf(dir);
    free(a);
    free(j);
    free(dir);
}

/* ---------------------------------------------------------------- JSON Lines */

static void expect_docs_jsonl(const run *r, const char *path)
{
    cr_assert_eq(r->count, 4, "%zu docs", r->count);
    cr_expect_str_eq(r->docs[0].id, "a1");
    cr_expect_str_eq(r->docs[0].title, "First");
    cr_expect_str_eq(r->docs[0].text, "Hello world");
    cr_expect_eq(r->docs[0].date, day("2020-01-02"));
    cr_expect_eq(r->docs[0].line, 1);
    cr_expect_str_eq(r->docs[1].id, "42");
    cr_expect_str_eq(r->docs[1].title, "Number id");
    cr_expect_str_eq(r->docs[1].text, "tab\tand \"quote\" and \xc3\xa9 and \xf0\x9f\x98\x80");
    cr_expect_eq(r->docs[1].date, QUIRE_NO_DATE);
    cr_expect_eq(r->docs[1].line, 2);
    cr_expect_str_eq(r->docs[2].id, "c3");
    cr_expect_eq(r->docs[2].date, QUIRE_NO_DATE);
    cr_expect_str_eq(r->docs[2].text, "bad date kept");
    cr_expect_eq(r->docs[2].line, 7);
    cr_expect_str_eq(r->docs[3].id, "e5"); /* the last line has no newline */
    cr_expect_str_eq(r->docs[3].title, "");
    cr_expect_str_eq(r->docs[3].text, "");
    cr_expect_eq(r->docs[3].line, 9);
    for (size_t i = 0; i < r->count; i++)
        cr_expect_str_eq(r->docs[i].origin, path);

    char prefix[600];
    cr_assert_eq(r->warn_count, 5);
    snprintf(prefix, sizeof prefix, "%s:4: ", path);
    cr_expect(has_warning(r, prefix, "no \"id\""), "%s", r->warnings[0]);
    snprintf(prefix, sizeof prefix, "%s:5: ", path);
    cr_expect(has_warning(r, prefix, "unterminated string"), "%s", r->warnings[1]);
    snprintf(prefix, sizeof prefix, "%s:6: ", path);
    cr_expect(has_warning(r, prefix, "not a JSON object"), "%s", r->warnings[2]);
    snprintf(prefix, sizeof prefix, "%s:7: ", path);
    cr_expect(has_warning(r, prefix, "2020-13-01"), "%s", r->warnings[3]);
    snprintf(prefix, sizeof prefix, "%s:8: ", path);
    cr_expect(has_warning(r, prefix, "trailing characters"), "%s", r->warnings[4]);
    cr_expect_eq(r->warning_total, 5);
    cr_expect_eq(r->skipped, 4);
}

Test(source, reads_json_lines_and_warns_about_broken_ones)
{
    char *path = repo_path("tests/data/inputs/docs.jsonl");
    run *r = collect1(path);
    cr_expect_eq(r->rc, 1);
    expect_docs_jsonl(r, path);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_expect_eq(r->bytes_total, (uint64_t)st.st_size);
    cr_expect_eq(r->bytes_read, (uint64_t)st.st_size);
    free(path);
    run_free(r);
}

Test(source, stop_on_error_ends_at_the_first_problem)
{
    char *path = repo_path("tests/data/inputs/docs.jsonl");
    const char *inputs[] = {path};
    run *r = collect_opts(inputs, 1, true, 0, 0);
    cr_expect_eq(r->rc, QUIRE_EINVAL);
    cr_expect_eq(r->count, 2);
    char want[600];
    snprintf(want, sizeof want, "%s:4: ", path);
    cr_expect(strncmp(r->err, want, strlen(want)) == 0, "message: %s", r->err);
    cr_expect(strstr(r->err, "\"id\"") != NULL, "message: %s", r->err);
    cr_expect_eq(r->warn_count, 0, "stop-on-error reports through the error only");
    free(path);
    run_free(r);
}

Test(source, error_is_sticky_after_stop)
{
    char *path = repo_path("tests/data/inputs/binary.bin");
    const char *inputs[] = {path};
    source_opts opts = {true, NULL, NULL, 0, NULL, NULL, NULL, SOURCE_ENCODING_AUTO};
    source *s;
    cr_assert_eq(source_open(&s, inputs, 1, &opts), QUIRE_OK);
    source_doc d;
    cr_expect_eq(source_next(s, &d), QUIRE_EINVAL);
    cr_expect(strstr(quire_errmsg(), "binary") != NULL, "%s", quire_errmsg());
    cr_expect_eq(source_next(s, &d), QUIRE_EINVAL);
    source_close(s);
    free(path);
}

Test(source, gzip_file_reads_like_the_plain_one)
{
    char *gz = repo_path("tests/data/inputs/docs.jsonl.gz");
    run *r = collect1(gz);
    cr_expect_eq(r->rc, 1);
    expect_docs_jsonl(r, gz);
    struct stat st;
    cr_assert_eq(stat(gz, &st), 0);
    cr_expect_eq(r->bytes_total, (uint64_t)st.st_size, "compressed bytes");
    cr_expect_eq(r->bytes_read, (uint64_t)st.st_size);
    free(gz);
    run_free(r);
}

Test(source, truncated_gzip_keeps_the_documents_before_the_cut)
{
    char *gz = repo_path("tests/data/inputs/truncated.jsonl.gz");
    run *r = collect1(gz);
    cr_expect_eq(r->rc, 1);
    cr_expect_gt(r->count, 10);
    cr_expect_lt(r->count, 100);
    for (size_t i = 0; i < r->count; i++) {
        char want[32];
        snprintf(want, sizeof want, "%zu", i + 1);
        cr_expect_str_eq(r->docs[i].id, want);
        cr_expect_gt(strlen(r->docs[i].text), 50, "doc %zu is whole", i + 1);
    }
    cr_assert_eq(r->warn_count, 1, "only the cut is reported, not the cut line");
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s: ", gz);
    cr_expect(has_warning(r, prefix, "truncated"), "%s", r->warnings[0]);
    cr_expect_eq(r->skipped, 1, "the cut line is lost");
    cr_assert_eq(r->skip_count, 1);
    char want[700];
    snprintf(want, sizeof want,
             "%s|0|truncated gzip stream; the cut line and what follows are lost", gz);
    cr_expect_str_eq(r->skips[0], want);

    const char *inputs[] = {gz};
    run *stop = collect_opts(inputs, 1, true, 0, 0);
    cr_expect_eq(stop->rc, QUIRE_EIO);
    cr_expect_eq(stop->count, r->count);
    cr_expect(strstr(stop->err, "truncated") != NULL, "%s", stop->err);
    run_free(stop);
    free(gz);
    run_free(r);
}

/* The 30 bytes: the gzip of "A title\n\njust text, more text\n" cut after
 * "just text,". The document is skipped whole: no part of a cut file is indexed. */
Test(source, truncated_gzip_of_a_plain_file_is_skipped_whole)
{
    char *gz = repo_path("tests/data/inputs/truncated.txt.gz");
    char *seed = repo_path("tests/data/004_6da4784a313262bc.txt");
    const char *inputs[] = {gz, seed};
    run *r = collect(inputs, 2);
    cr_expect_eq(r->rc, 1);
    cr_assert_eq(r->count, 1, "only the whole file");
    cr_expect_str_eq(r->docs[0].id, seed);
    cr_expect_eq(r->skipped, 1);
    cr_assert_eq(r->warn_count, 1);
    char want[700];
    snprintf(want, sizeof want, "%s: truncated gzip stream; the document is skipped", gz);
    cr_expect_str_eq(r->warnings[0], want);
    cr_assert_eq(r->skip_count, 1);
    snprintf(want, sizeof want, "%s|0|truncated gzip stream; the document is skipped", gz);
    cr_expect_str_eq(r->skips[0], want);

    run *stop = collect_opts(inputs, 2, true, 0, 0);
    cr_expect_eq(stop->rc, QUIRE_EIO);
    cr_expect_eq(stop->count, 0);
    cr_expect(strstr(stop->err, "truncated gzip stream") != NULL, "%s", stop->err);
    run_free(stop);
    free(gz);
    free(seed);
    run_free(r);
}

Test(source, gzip_of_a_plain_file_and_concatenated_members)
{
    char *dir = tmp_dir();
    char *path = path_join(dir, "note.txt.gz");
    gzFile f = gzopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_gt(gzputs(f, "Title line\n\nfirst member "), 0);
    cr_assert_eq(gzclose(f), Z_OK);
    f = gzopen(path, "ab"); /* a second gzip member appended */
    cr_assert_not_null(f);
    cr_assert_gt(gzputs(f, "second member\n"), 0);
    cr_assert_eq(gzclose(f), Z_OK);
    run *r = collect1(path);
    cr_expect_eq(r->rc, 1);
    cr_assert_eq(r->count, 1);
    cr_expect_str_eq(r->docs[0].id, path);
    cr_expect_str_eq(r->docs[0].title, "Title line");
    cr_expect_str_eq(r->docs[0].text, "Title line\n\nfirst member second member");
    cr_expect_eq(r->warn_count, 0);
    rm_rf(dir);
    free(path);
    free(dir);
    run_free(r);
}

Test(source, corrupt_gzip_is_reported)
{
    char *dir = tmp_dir();
    char *path = path_join(dir, "bad.jsonl.gz");
    const unsigned char junk[] = {0x1f, 0x8b, 8,    0,    0,    0,    0,    0,    0,
                                  3,    0xff, 0xff, 0xff, 0xff, 0x00, 0x12, 0x34, 0x56};
    write_file(path, junk, sizeof junk);
    run *r = collect1(path);
    cr_expect_eq(r->rc, 1);
    cr_expect_eq(r->count, 0);
    cr_assert_eq(r->warn_count, 1);
    cr_expect(strstr(r->warnings[0], "gzip") != NULL, "%s", r->warnings[0]);
    rm_rf(dir);
    free(path);
    free(dir);
    run_free(r);
}

/* gzip(1)'s own output (a header with the file's name) reads; a wrong CRC-32 in the
 * trailer, the data intact, is reported as such: the inflater checks every member. */
Test(source, gzip_tool_output_and_a_wrong_crc)
{
    char *dir = tmp_dir();
    char *plain = path_join(dir, "named.jsonl");
    const char *lines = "{\"id\": \"a\", \"text\": \"first\"}\n"
                        "{\"id\": \"b\", \"text\": \"second\"}\n";
    write_file(plain, lines, strlen(lines));
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s.gz' && cp '%s.gz' '%s/bad.jsonl.gz'", plain,
             plain, plain, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char *gz = path_join(dir, "named.jsonl.gz");
    run *r = collect1(gz);
    cr_expect_eq(r->rc, 1); /* the end */
    cr_expect_eq(r->count, 2);
    cr_expect_eq(r->warn_count, 0);
    run_free(r);

    char *bad = path_join(dir, "bad.jsonl.gz");
    FILE *f = fopen(bad, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, -8, SEEK_END), 0); /* the trailer: CRC-32, then the length */
    int c = fgetc(f);
    cr_assert_eq(fseek(f, -8, SEEK_END), 0);
    cr_assert_neq(fputc(c ^ 0x5a, f), EOF);
    cr_assert_eq(fclose(f), 0);
    r = collect1(bad);
    cr_expect_eq(r->rc, 1);
    cr_expect_eq(r->count, 2); /* whole lines, read before the trailer was checked */
    cr_assert_geq(r->warn_count, 1);
    cr_expect(strstr(r->warnings[0], "gzip: incorrect data check") != NULL, "%s", r->warnings[0]);
    run_free(r);
    rm_rf(dir);
    free(bad);
    free(gz);
    free(plain);
    free(dir);
}

Test(source, one_megabyte_line)
{
    char *dir = tmp_dir();
    char *path = path_join(dir, "big.jsonl");
    const size_t n = 1u << 20;
    char *line = malloc(n + 128);
    cr_assert_not_null(line);
    const size_t start = (size_t)sprintf(line, "{\"id\": \"big\", \"text\": \"");
    size_t len = start;
    for (size_t i = 0; i < n; i++)
        line[len++] = (char)('a' + i % 26);
    len += (size_t)sprintf(line + len, "\"}\n{\"id\": \"after\"}\n");
    write_file(path, line, len);
    run *r = collect1(path);
    cr_expect_eq(r->rc, 1);
    cr_assert_eq(r->count, 2);
    cr_expect_str_eq(r->docs[0].id, "big");
    cr_expect_eq(r->docs[0].text_len, n);
    cr_expect(memcmp(r->docs[0].text, line + start, n) == 0);
    cr_expect_str_eq(r->docs[1].id, "after");
    cr_expect_eq(r->docs[1].line, 2);
    run_free(r);

    /* with a limit below it: skipped with a warning, reading goes on at the next line */
    const char *inputs[] = {path};
    r = collect_opts(inputs, 1, false, 4096, 0);
    cr_expect_eq(r->rc, 1);
    cr_assert_eq(r->count, 1);
    cr_expect_str_eq(r->docs[0].id, "after");
    cr_expect_eq(r->docs[0].line, 2);
    cr_assert_eq(r->warn_count, 1);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s:1: ", path);
    cr_expect(has_warning(r, prefix, "more than 4096 bytes"), "%s", r->warnings[0]);
    cr_expect_eq(r->skipped, 1);
    run_free(r);
    rm_rf(dir);
    free(line);
    free(path);
    free(dir);
}

Test(source, many_lines_across_buffer_boundaries)
{
    /* 3 MiB of records of varied lengths, so lines straddle every 1 MiB read */
    char *dir = tmp_dir();
    char *path = path_join(dir, "many.ndjson");
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    size_t count = 0, bytes = 0;
    while (bytes < (3u << 20)) {
        count++;
        int w =
            fprintf(f, "{\"id\": %zu, \"text\": \"%0*zu\"}\r\n", count, (int)(count % 997), count);
        bytes += (size_t)w;
    }
    fclose(f);
    run *r = collect1(path);
    cr_expect_eq(r->rc, 1);
    cr_assert_eq(r->count, count);
    for (size_t i = 0; i < count; i++) {
        char want[32];
        snprintf(want, sizeof want, "%zu", i + 1);
        cr_expect_str_eq(r->docs[i].id, want);
        const size_t width = (i + 1) % 997;
        cr_expect_eq(r->docs[i].text_len, width > strlen(want) ? width : strlen(want));
        cr_expect_eq(r->docs[i].line, i + 1);
        if (r->docs[i].line != i + 1)
            break;
    }
    cr_expect_eq(r->warn_count, 0);
    rm_rf(dir);
    free(path);
    free(dir);
    run_free(r);
}

/* ---------------------------------------------------------------- TREC */

Test(source, reads_trec_documents)
{
    char *path = repo_path("tests/data/inputs/sample.trec");
    run *r = collect1(path);
    cr_expect_eq(r->rc, 1);
    cr_assert_eq(r->count, 3);
    cr_expect_str_eq(r->docs[0].id, "FT911-1");
    cr_expect_str_eq(r->docs[0].title, "Tom & Jerry <3");
    cr_expect_eq(r->docs[0].date, day("1991-05-06"));
    cr_expect_str_eq(r->docs[0].text, "First part \xc3\xa9 A.\nSecond part");
    cr_expect_eq(r->docs[0].line, 1);
    cr_expect_str_eq(r->docs[1].id, "FT911-2");
    cr_expect_str_eq(r->docs[1].title, "A title");
    cr_expect_eq(r->docs[1].date, QUIRE_NO_DATE);
    cr_expect_str_eq(r->docs[1].text, "Body without text tags");
    cr_expect_eq(r->docs[1].line, 10);
    cr_expect_str_eq(r->docs[2].id, "FT911-4");
    cr_expect_str_eq(r->docs[2].text, "cut at the end");
    cr_expect_eq(r->docs[2].line, 19);
    cr_assert_eq(r->warn_count, 2);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s:16: ", path);
    cr_expect(has_warning(r, prefix, "DOCNO"), "%s", r->warnings[0]);
    snprintf(prefix, sizeof prefix, "%s:19: ", path);
    cr_expect(has_warning(r, prefix, "missing </DOC>"), "%s", r->warnings[1]);
    cr_expect_eq(r->skipped, 1);
    free(path);
    run_free(r);
}

Test(source, streams_a_large_trec_file)
{
    char *dir = tmp_dir();
    char *path = path_join(dir, "big"); /* no extension: sniffed from "<DOC>" */
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    const size_t count = 6000; /* about 3 MiB */
    for (size_t i = 1; i <= count; i++) {
        fprintf(f, "<doc>\n<DOCNO>D%zu</DOCNO>\n<TEXT>\n", i);
        for (size_t k = 0; k < i % 17 + 1; k++)
            fprintf(f, "word%zu &lt;%zu&gt; and some more words to fill the line\n", i, k);
        fprintf(f, "</TEXT>\n</doc>\n");
    }
    fclose(f);
    run *r = collect1(path);
    cr_expect_eq(r->rc, 1);
    cr_assert_eq(r->count, count);
    uint64_t line = 1;
    for (size_t i = 1; i <= count; i++) {
        char want[32];
        snprintf(want, sizeof want, "D%zu", i);
        cr_expect_str_eq(r->docs[i - 1].id, want);
        cr_expect_eq(r->docs[i - 1].line, line);
        snprintf(want, sizeof want, "word%zu <0>", i);
        cr_expect(strncmp(r->docs[i - 1].text, want, strlen(want)) == 0);
        line += 6 + i % 17;
    }
    cr_expect_eq(r->warn_count, 0);
    const char *inputs[] = {path};
    run *small = collect_opts(inputs, 1, false, 300, 0);
    cr_expect_eq(small->rc, 1);
    cr_expect_gt(small->count, 0);
    cr_expect_lt(small->count, count);
    cr_expect_eq(small->count + small->skipped, count, "skipped docs resynchronise");
    run_free(small);
    rm_rf(dir);
    free(path);
    free(dir);
    run_free(r);
}

/* ---------------------------------------------------------------- stdin */

Test(source, stdin_json_lines)
{
    char *path = repo_path("tests/data/inputs/docs.jsonl");
    size_t n;
    void *data = read_all(path, &n);
    feed_stdin(data, n);
    run *r = collect1("-");
    expect_docs_jsonl(r, "-");
    cr_expect_eq(r->bytes_total, 0);
    cr_expect_eq(r->bytes_read, n);
    free(data);
    free(path);
    run_free(r);
}

Test(source, stdin_gzip)
{
    char *path = repo_path("tests/data/inputs/docs.jsonl.gz");
    size_t n;
    void *data = read_all(path, &n);
    feed_stdin(data, n);
    run *r = collect1("-");
    expect_docs_jsonl(r, "-");
    free(data);
    free(path);
    run_free(r);
}

Test(source, stdin_trec)
{
    char *path = repo_path("tests/data/inputs/sample.trec");
    size_t n;
    void *data = read_all(path, &n);
    feed_stdin(data, n);
    run *r = collect1("-");
    cr_expect_eq(r->count, 3);
    cr_expect_str_eq(r->docs[0].id, "FT911-1");
    free(data);
    free(path);
    run_free(r);
}

Test(source, stdin_plain_text)
{
    const char text[] = "\n\n  A short title\n\nand the body\n";
    feed_stdin(text, sizeof text - 1);
    run *r = collect1("-");
    cr_assert_eq(r->count, 1);
    cr_expect_str_eq(r->docs[0].id, "-");
    cr_expect_str_eq(r->docs[0].origin, "-");
    cr_expect_str_eq(r->docs[0].title, "A short title");
    cr_expect_str_eq(r->docs[0].text, "A short title\n\nand the body");
    cr_expect_eq(r->docs[0].text_line, 3);
    cr_expect_eq(r->docs[0].text_column, 3);
    run_free(r);
}

/* ---------------------------------------------------------------- problems */

Test(source, skips_binary_files)
{
    char *path = repo_path("tests/data/inputs/binary.bin");
    run *r = collect1(path);
    cr_expect_eq(r->rc, 1);
    cr_expect_eq(r->count, 0);
    cr_assert_eq(r->warn_count, 1);
    char want[600];
    snprintf(want, sizeof want, "%s: binary file, skipped", path);
    cr_expect_str_eq(r->warnings[0], want);
    cr_expect_eq(r->skipped, 1);
    free(path);
    run_free(r);

    /* mostly control bytes, no NUL */
    char *dir = tmp_dir();
    char *ctl = path_join(dir, "ctl.txt");
    char bytes[100];
    for (int i = 0; i < 100; i++)
        bytes[i] = i % 2 ? 'a' : '\x01';
    write_file(ctl, bytes, sizeof bytes);
    r = collect1(ctl);
    cr_expect_eq(r->count, 0);
    cr_expect_eq(r->warn_count, 1);
    run_free(r);
    rm_rf(dir);
    free(ctl);
    free(dir);
}

Test(source, skips_empty_files)
{
    char *path = repo_path("tests/data/inputs/empty.txt");
    char *dir = tmp_dir();
    char *blank = path_join(dir, "blank.txt");
    write_file(blank, " \n\n\t\n", 5);
    const char *inputs[] = {path, blank};
    run *r = collect(inputs, 2);
    cr_expect_eq(r->rc, 1);
    cr_expect_eq(r->count, 0);
    cr_assert_eq(r->warn_count, 2);
    char want[600];
    snprintf(want, sizeof want, "%s: empty file", path);
    cr_expect_str_eq(r->warnings[0], want);
    snprintf(want, sizeof want, "%s: empty file", blank);
    cr_expect_str_eq(r->warnings[1], want);
    cr_expect_eq(r->skipped, 0, "an empty file holds no document: nothing is lost");
    cr_expect_eq(r->skip_count, 0);
    rm_rf(dir);
    free(blank);
    free(dir);
    free(path);
    run_free(r);
}

Test(source, missing_paths_are_reported_in_order)
{
    char *seed = repo_path("tests/data/000_9f4ac158bb6fb716.txt");
    const char *inputs[] = {"/nonexistent/quire/file.txt", seed};
    run *r = collect(inputs, 2);
    cr_expect_eq(r->rc, 1);
    cr_expect_eq(r->count, 1);
    cr_assert_eq(r->warn_count, 1);
    cr_expect_str_eq(r->warnings[0], "/nonexistent/quire/file.txt: No such file or directory");
    cr_expect_eq(r->skipped, 1, "a missing input is skipped");
    cr_assert_eq(r->skip_count, 1);
    cr_expect_str_eq(r->skips[0], "/nonexistent/quire/file.txt|0|No such file or directory");

    run *stop = collect_opts(inputs, 2, true, 0, 0);
    cr_expect_eq(stop->rc, QUIRE_EIO);
    cr_expect_eq(stop->count, 0);
    cr_expect_str_eq(stop->err, "/nonexistent/quire/file.txt: No such file or directory");
    run_free(stop);
    free(seed);
    run_free(r);
}

Test(source, unreadable_folder_is_reported)
{
    if (geteuid() == 0)
        cr_skip_test("root reads everything");
    char *dir = tmp_dir();
    char *sub = path_join(dir, "locked");
    cr_assert_eq(mkdir(sub, 0700), 0);
    char *file = path_join(sub, "a.txt");
    write_file(file, "x y\n", 4);
    cr_assert_eq(chmod(sub, 0), 0);
    run *r = collect1(dir);
    cr_expect_eq(r->count, 0);
    cr_assert_eq(r->warn_count, 1);
    cr_expect(strstr(r->warnings[0], "locked: Permission denied") != NULL, "%s", r->warnings[0]);
    rm_rf(dir);
    free(file);
    free(sub);
    free(dir);
    run_free(r);
}

Test(source, symlink_loops_are_skipped)
{
    char *dir = tmp_dir();
    char *sub = path_join(dir, "sub");
    cr_assert_eq(mkdir(sub, 0700), 0);
    char *file = path_join(sub, "a.txt");
    write_file(file, "just text\n", 10);
    char *link = path_join(sub, "up");
    cr_assert_eq(symlink("..", link), 0);
    run *r = collect1(dir);
    cr_expect_eq(r->rc, 1);
    cr_assert_eq(r->count, 1);
    cr_expect_str_eq(r->docs[0].id, file);
    cr_assert_eq(r->warn_count, 1);
    char want[600];
    snprintf(want, sizeof want, "%s: symlink loop", link);
    cr_expect(strncmp(r->warnings[0], want, strlen(want)) == 0, "%s", r->warnings[0]);
    rm_rf(dir);
    free(link);
    free(file);
    free(sub);
    free(dir);
    run_free(r);
}

Test(source, rejects_bad_arguments)
{
    source_opts opts = {false, NULL, NULL, 0, NULL, NULL, NULL, SOURCE_ENCODING_AUTO};
    source *s = NULL;
    const char *empty[] = {""};
    cr_expect_eq(source_open(&s, empty, 1, &opts), QUIRE_EINVAL);
    cr_expect_eq(source_open(&s, NULL, 1, &opts), QUIRE_EINVAL);
    cr_expect_null(s);
    cr_assert_eq(source_open(&s, NULL, 0, &opts), QUIRE_OK);
    source_doc d;
    cr_expect_eq(source_next(s, &d), 1);
    source_close(s);
    source_close(NULL);
}

Test(source, fails_allocations_cleanly)
{
    char *dir = repo_path("tests/data");
    const char *inputs[] = {dir};
    source_opts opts = {false, NULL, NULL, 0, NULL, NULL, NULL, SOURCE_ENCODING_AUTO};
    for (long n = 1;; n++) {
        quire_alloc_fail_at(n);
        source *s;
        int rc = source_open(&s, inputs, 1, &opts);
        size_t docs = 0;
        if (rc == QUIRE_OK) {
            source_doc d;
            while ((rc = source_next(s, &d)) == QUIRE_OK)
                docs++;
            source_close(s);
        }
        quire_alloc_fail_at(0);
        if (rc == 1) {
            cr_expect_gt(n, 3);
            cr_expect_geq(docs, 5);
            break;
        }
        cr_assert_eq(rc, QUIRE_ENOMEM, "allocation %ld: %d %s", n, rc, quire_errmsg());
    }
    free(dir);
}

/* ---------------------------------------------------------------- real corpora */

Test(source, reads_the_first_reuters_documents)
{
    char *path = shared_path("corpora/reuters21578/corpus.jsonl.gz");
    if (access(path, R_OK) != 0) {
        free(path);
        cr_skip_test("no shared corpora");
    }
    const char *inputs[] = {path};
    run *r = collect_opts(inputs, 1, true, 0, 200);
    cr_expect_eq(r->rc, QUIRE_OK, "%s", r->err);
    cr_assert_eq(r->count, 200);
    for (size_t i = 0; i < 200; i++) {
        char want[32];
        snprintf(want, sizeof want, "%zu", i + 1);
        cr_expect_str_eq(r->docs[i].id, want);
        cr_expect_neq(r->docs[i].date, QUIRE_NO_DATE);
        cr_expect_geq(r->docs[i].date, day("1987-01-01"));
        cr_expect_leq(r->docs[i].date, day("1987-12-31"));
        cr_expect_eq(r->docs[i].line, i + 1);
    }
    cr_expect_eq(r->docs[0].date, day("1987-02-26"));
    cr_expect_gt(r->bytes_read, 0);
    cr_expect_leq(r->bytes_read, r->bytes_total);
    free(path);
    run_free(r);
}
