/*
 * ingest.c - one stream of documents over the inputs or a feed; see ingest.h.
 */
#include "ingest.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

struct ingest {
    source *src;
};

int ingest_check_inputs(const char *const *inputs, size_t input_count, bool allow_missing)
{
    for (size_t i = 0; i < input_count && !allow_missing; i++) {
        struct stat st;
        if (inputs[i] && strcmp(inputs[i], "-") != 0 && stat(inputs[i], &st) != 0 &&
            (errno == ENOENT || errno == ENOTDIR))
            return quire_error(QUIRE_ENOTFOUND, "input %s: no such file or directory", inputs[i]);
    }
    return QUIRE_OK;
}

int ingest_open(ingest **out, const ingest_opts *opts)
{
    *out = NULL;
    if (opts->feed != NULL && opts->input_count > 0)
        return quire_error(QUIRE_EINVAL, "documents from a feed go without inputs");
    int rc;
    ingest *in = quire_calloc(1, sizeof *in);
    if (in == NULL)
        return quire_oom();
    if (opts->feed != NULL) {
        rc = source_open_feed(&in->src, opts->feed, opts->feed_ctx);
    } else {
        const source_opts so = {.stop_on_error = opts->stop_on_error,
                                .warn = opts->warn,
                                .warn_ctx = opts->warn_ctx,
                                .max_doc_bytes = opts->max_doc_bytes,
                                .max_doc_why = opts->max_doc_why,
                                .skip = opts->skip,
                                .skip_ctx = opts->skip_ctx,
                                .encoding = opts->encoding};
        rc = source_open(&in->src, opts->inputs, opts->input_count, &so);
    }
    if (rc != QUIRE_OK) {
        ingest_close(in);
        return rc;
    }
    *out = in;
    return QUIRE_OK;
}

void ingest_close(ingest *in)
{
    if (in == NULL)
        return;
    source_close(in->src);
    quire_free(in);
}

int ingest_next(ingest *in, source_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    return source_next(in->src, doc);
}

uint64_t ingest_bytes_read(const ingest *in)
{
    return source_bytes_read(in->src);
}

uint64_t ingest_bytes_total(const ingest *in)
{
    return source_bytes_total(in->src);
}

uint64_t ingest_skipped_count(const ingest *in)
{
    return source_skipped_count(in->src);
}
