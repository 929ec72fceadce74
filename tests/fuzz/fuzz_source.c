/*
 * fuzz_source.c - the indexer's input readers (indexer/source.c, json.c): plain text,
 * JSON Lines, TREC SGML and gzip, on an arbitrary file.
 * Input: byte 0 picks the file's name (bits 0-2: .txt .jsonl .trec .jsonl.gz .gz of text,
 * no extension; 6 and 7: the rest gzip-compressed here, then named .jsonl.gz / .trec.gz,
 * cut at a point byte 1 picks when bit 3 of byte 0 is set), bits 4-5 the largest document
 * (1 GiB, 64, 1000, 100000 bytes); the rest is the file. Every document is read. Checks:
 * ids are never empty, strings are set where they have bytes, dates are valid or absent,
 * and every warning names the file.
 */
#include <string.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "source.h"

typedef struct warn_ctx {
    const char *path;
    unsigned count;
} warn_ctx;

static void on_warn(void *ctx, const char *message)
{
    warn_ctx *w = ctx;
    FZ_CHECK(message && strstr(message, w->path) != NULL);
    w->count++;
}

static uint8_t *gzip_bytes(const uint8_t *p, size_t n, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&z, (uLong)n) + 32;
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char *const names[] = {"in.txt", "in.jsonl", "in.trec",     "in.jsonl.gz",
                                        "in.gz",  "in",       "in.jsonl.gz", "in.trec.gz"};
    static const size_t limits[] = {0, 64, 1000, 100000};
    const int kind = data[0] & 7;
    const char *dir = fz_scratch_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, names[kind]);
    const uint8_t *body = data + 2;
    size_t n = size - 2;
    if (kind >= 6) {
        size_t glen;
        uint8_t *g = gzip_bytes(body, n, &glen);
        if (data[0] & 8)
            glen = glen * data[1] / 256;
        fz_write_file(path, g, glen);
        free(g);
    } else {
        fz_write_file(path, body, n);
    }
    warn_ctx w = {path, 0};
    source_opts o = {false, on_warn, &w,   limits[(data[0] >> 4) & 3],
                     NULL,  NULL,    NULL, SOURCE_ENCODING_AUTO};
    const char *inputs[] = {path};
    source *s = NULL;
    if (source_open(&s, inputs, 1, &o) != QUIRE_OK)
        abort(); /* fails only for a bad argument */
    source_doc d;
    int rc;
    unsigned docs = 0;
    while ((rc = source_next(s, &d)) == QUIRE_OK) {
        FZ_CHECK(d.external_id && d.external_id_len > 0);
        FZ_CHECK(d.title || d.title_len == 0);
        FZ_CHECK(d.text || d.text_len == 0);
        FZ_CHECK(d.origin && strcmp(d.origin, path) == 0);
        FZ_CHECK(o.max_doc_bytes == 0 || d.text_len <= o.max_doc_bytes);
        if (d.date != QUIRE_NO_DATE) {
            char buf[11];
            int32_t back;
            quire_date_format(d.date, buf);
            FZ_CHECK(quire_date_parse(buf, strlen(buf), &back) && back == d.date);
        }
        /* touch every byte, so ASan sees a view past its buffer */
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < d.text_len; i++)
            sum ^= (uint8_t)d.text[i];
        for (size_t i = 0; i < d.title_len; i++)
            sum ^= (uint8_t)d.title[i];
        for (size_t i = 0; i < d.external_id_len; i++)
            sum ^= (uint8_t)d.external_id[i];
        (void)sum;
        docs++;
    }
    FZ_CHECK(rc == 1);
    FZ_CHECK(source_skipped_count(s) <= source_warning_count(s));
    source_close(s);
    quire_error_clear();
    return 0;
}
