/*
 * test_ingest.c - the one stream of a run's documents (indexer/ingest.c): the inputs'
 * existence check, inputs and feeds, the counts, and the fields a feed leaves alone.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

Test(ingest, a_missing_input_is_an_error_unless_allowed)
{
    char root[] = "/tmp/quire-ingest-XXXXXX";
    cr_assert(mkdtemp(root));
    char there[300], missing[300];
    snprintf(there, sizeof there, "%s/there.txt", root);
    snprintf(missing, sizeof missing, "%s/missing.txt", root);
    write_file(there, "some text\n");
    const char *inputs[] = {there, "-", missing};
    cr_expect_eq(ingest_check_inputs(inputs, 2, false), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(ingest_check_inputs(inputs, 3, false), QUIRE_ENOTFOUND);
    cr_expect(strstr(quire_errmsg(), missing) != NULL, "message: %s", quire_errmsg());
    cr_expect_eq(ingest_check_inputs(inputs, 3, true), QUIRE_OK);
    remove(there);
    rmdir(root);
}

typedef struct warnings {
    int count;
    char last[512];
} warnings;

static void on_warn(void *ctx, const char *message)
{
    warnings *w = ctx;
    w->count++;
    snprintf(w->last, sizeof w->last, "%s", message);
}

Test(ingest, reads_inputs_in_order_and_counts_what_it_skips)
{
    char root[] = "/tmp/quire-ingest-XXXXXX";
    cr_assert(mkdtemp(root));
    char path[300];
    snprintf(path, sizeof path, "%s/docs.jsonl", root);
    const char *text = "{\"id\":\"a\",\"title\":\"A\",\"date\":\"2001-02-03\",\"text\":\"alpha\"}\n"
                       "{\"id\":\"b\",\"text\":\n"
                       "{\"id\":\"c\",\"text\":\"gamma\"}\n";
    write_file(path, text);
    const char *inputs[] = {path};
    warnings w = {0, ""};
    const ingest_opts o = {.inputs = inputs, .input_count = 1, .warn = on_warn, .warn_ctx = &w};
    ingest *in = NULL;
    cr_assert_eq(ingest_open(&in, &o), QUIRE_OK, "%s", quire_errmsg());
    source_doc d;
    cr_assert_eq(ingest_next(in, &d), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(d.external_id_len, 1);
    cr_expect_eq(d.external_id[0], 'a');
    cr_expect_eq(d.title_len, 1);
    cr_expect_eq(d.line, 1);
    int32_t day;
    cr_assert(quire_date_parse("2001-02-03", 10, &day));
    cr_expect_eq(d.date, day);
    cr_expect_str_eq(d.origin, path);
    cr_assert_eq(ingest_next(in, &d), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(d.external_id[0], 'c');
    cr_expect_eq(d.line, 3);
    cr_expect_eq(d.date, QUIRE_NO_DATE);
    cr_expect_eq(ingest_next(in, &d), 1);
    cr_expect_eq(ingest_skipped_count(in), 1);
    cr_expect_eq(w.count, 1);
    cr_expect(strstr(w.last, ":2") != NULL, "warning: %s", w.last);
    cr_expect_eq(ingest_bytes_read(in), strlen(text));
    cr_expect_eq(ingest_bytes_total(in), strlen(text));
    ingest_close(in);
    remove(path);
    rmdir(root);
}

typedef struct feed_state {
    int left;
} feed_state;

/* Sets only the fields a document from memory has. */
static int feed(void *ctx, source_doc *d)
{
    feed_state *f = ctx;
    if (f->left == 0)
        return 1;
    f->left--;
    d->external_id = f->left ? "two" : "one";
    d->external_id_len = 3;
    d->title = "";
    d->text = "words";
    d->text_len = 5;
    d->date = QUIRE_NO_DATE;
    d->origin = "(api)";
    return QUIRE_OK;
}

static int failing_feed(void *ctx, source_doc *d)
{
    (void)ctx;
    (void)d;
    return quire_error(QUIRE_EIO, "feed broke");
}

Test(ingest, a_feed_gives_its_documents_with_the_rest_zeroed)
{
    feed_state f = {2};
    const ingest_opts o = {.feed = feed, .feed_ctx = &f};
    ingest *in = NULL;
    cr_assert_eq(ingest_open(&in, &o), QUIRE_OK, "%s", quire_errmsg());
    source_doc d;
    memset(&d, 0xA5, sizeof d); /* what the caller's variable held before */
    cr_assert_eq(ingest_next(in, &d), QUIRE_OK);
    cr_expect_eq(memcmp(d.external_id, "two", 3), 0);
    cr_expect_eq(d.line, 0);
    cr_expect_eq(d.text_line, 0);
    cr_expect_eq(d.text_column, 0);
    cr_expect_eq(d.text_offset, 0);
    cr_expect_not(d.text_verbatim);
    cr_assert_eq(ingest_next(in, &d), QUIRE_OK);
    cr_expect_eq(memcmp(d.external_id, "one", 3), 0);
    cr_expect_eq(ingest_next(in, &d), 1);
    cr_expect_eq(ingest_skipped_count(in), 0);
    cr_expect_eq(ingest_bytes_total(in), 0);
    ingest_close(in);

    const ingest_opts bad = {.feed = failing_feed};
    cr_assert_eq(ingest_open(&in, &bad), QUIRE_OK);
    cr_expect_eq(ingest_next(in, &d), QUIRE_EIO);
    cr_expect_eq(ingest_next(in, &d), QUIRE_EIO, "the error stays");
    ingest_close(in);
}

Test(ingest, inputs_and_a_feed_together_are_refused)
{
    feed_state f = {1};
    const char *inputs[] = {"-"};
    const ingest_opts o = {.inputs = inputs, .input_count = 1, .feed = feed, .feed_ctx = &f};
    ingest *in = (ingest *)&f;
    cr_expect_eq(ingest_open(&in, &o), QUIRE_EINVAL);
    cr_expect_null(in);
    ingest_close(NULL);
}
