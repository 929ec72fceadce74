/*
 * fuzz_common.c - the template index and scratch folders of the fuzz targets.
 */
#define _XOPEN_SOURCE 700
#include "fuzz_common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "indexer.h"
#include "quire/bytes.h"
#include "quire/manifest.h"
#include "quire/postings.h"
#include "quire/segment.h"
#include "quire/status.h"

static char root[256];
static char template_dir[300];
static char scratch_dir[300];
static uint64_t template_seg;
static pid_t root_owner;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static void remove_root(void)
{
    if (root[0] && getpid() == root_owner)
        nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void make_root(void)
{
    if (root[0])
        return;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(root, sizeof root, "%s/quire-fuzz-XXXXXX", tmp);
    if (!mkdtemp(root)) {
        fprintf(stderr, "fuzz: cannot create a folder in %s: %s\n", tmp, strerror(errno));
        abort();
    }
    root_owner = getpid();
    atexit(remove_root);
}

void fz_write_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
        abort();
    }
    const char *q = p;
    while (n > 0) {
        ssize_t w = write(fd, q, n);
        if (w < 0) {
            fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
            abort();
        }
        q += w;
        n -= (size_t)w;
    }
    close(fd);
}

uint8_t *fz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz: cannot read %s: %s\n", path, strerror(errno));
        abort();
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        if (!buf)
            abort();
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

void fz_segment_path(char *out, size_t cap, const char *dir, uint64_t id, const char *ext)
{
    snprintf(out, cap, "%s/seg-%08llx.%s", dir, (unsigned long long)id, ext);
}

/* Documents of real words (from the sample corpus), deterministic: enough of them that
 * common words span several postings blocks and the stored text several blocks, with
 * stems of several forms, folded diacritics, Cyrillic, dates and titles. */
static const char *const words[] = {
    "the",      "of",         "and",        "Putin",     "Xi",        "visit",   "visits",
    "visited",  "visiting",   "expect",     "expected",  "expecting", "Moscow",  "Beijing",
    "Chairman", "President",  "Russian",    "Russia's",  "Chinese",   "S-300",   "1,000",
    "no",       "limits",     "objective",  "fair",      "dear",      "Mr.",     "state",
    "video",    "conference", "Uzbekistan", "Samarkand", "café",      "abbé",    "Россия",
    "Москва",   "Ελλάδα",     "talks",      "partner",   "strategic", "waiting", "for",
    "you",      "Ukraine",    "energy",     "gas",       "pipeline",  "2022",    "—",
};

static void make_template(void)
{
    if (template_dir[0])
        return;
    make_root();
    char input[320];
    snprintf(input, sizeof input, "%s/input.jsonl", root);
    FILE *f = fopen(input, "w");
    if (!f)
        abort();
    uint32_t x = 12345;
    const size_t nw = sizeof words / sizeof words[0];
    for (int d = 0; d < 160; d++) {
        fprintf(f, "{\"id\":\"doc-%03d\",\"title\":\"%s %s\",", d, words[d % nw],
                words[(d * 7) % nw]);
        if (d % 3)
            fprintf(f, "\"date\":\"2022-%02d-%02d\",", d % 12 + 1, d % 28 + 1);
        fprintf(f, "\"text\":\"The");
        int n = d % 17 == 0 ? 0 : 5 + d % 40;
        for (int i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            fprintf(f, " %s", words[(x >> 16) % nw]);
            if (i % 9 == 8)
                fputs(".", f);
        }
        if (d % 10 == 0) /* rare words: terms small enough to be inline (format 3) */
            fprintf(f, " unique%d pair%d", d, d / 20);
        fputs(" the end.\"}\n", f);
    }
    fclose(f);
    snprintf(template_dir, sizeof template_dir, "%s/template", root);
    const char *inputs[] = {input};
    indexer_opts o;
    memset(&o, 0, sizeof o);
    o.index_dir = template_dir;
    o.inputs = inputs;
    o.input_count = 1;
    o.keep_diacritics = -1;
    o.threads = 1;
    o.zlib_level = -1;
    indexer_summary sum;
    int rc = indexer_run(&o, &sum);
    if (rc != QUIRE_OK) {
        fprintf(stderr, "fuzz: cannot build the template index: %s\n", quire_errmsg());
        abort();
    }
    quire_manifest m;
    rc = quire_manifest_read_latest(&m, template_dir, NULL);
    if (rc != QUIRE_OK || m.segment_count != 1) {
        fprintf(stderr, "fuzz: the template index has no single segment: %s\n", quire_errmsg());
        abort();
    }
    template_seg = m.segments[0].id;
    quire_manifest_free(&m);
    quire_error_clear();
}

const char *fz_template_dir(void)
{
    make_template();
    return template_dir;
}

uint64_t fz_template_segment(void)
{
    make_template();
    return template_seg;
}

const char *fz_scratch_dir(void)
{
    if (!scratch_dir[0]) {
        make_root();
        snprintf(scratch_dir, sizeof scratch_dir, "%s/scratch", root);
        if (mkdir(scratch_dir, 0755) != 0)
            abort();
    }
    return scratch_dir;
}

void fz_link_template_segment(const char *dir, int except)
{
    make_template();
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++) {
        if (i == except)
            continue;
        char from[512], to[512];
        fz_segment_path(from, sizeof from, template_dir, template_seg, quire_segment_file_ext[i]);
        fz_segment_path(to, sizeof to, dir, template_seg, quire_segment_file_ext[i]);
        unlink(to);
        if (symlink(from, to) != 0)
            abort();
    }
}

/* A status a walk does not act on (gcc will not take a (void) cast for that). */
static void ignore(int rc)
{
    (void)rc;
}

static void ignore_line(void *ctx, const char *line)
{
    (void)ctx, (void)line;
}

static void walk_postings(const quire_segment *seg, const quire_term *t, uint32_t docs)
{
    quire_postings_cursor c;
    if (quire_segment_postings(seg, t, &c) != QUIRE_OK) {
        quire_postings_close(&c);
        return;
    }
    uint32_t n = 0, last = 0;
    while (quire_postings_next(&c) == QUIRE_OK && c.doc != QUIRE_DOC_END) {
        FZ_CHECK(n == 0 || c.doc > last);
        FZ_CHECK(c.tf >= 1);
        last = c.doc;
        if (++n > t->postings.df || n > 100000)
            break;
        const uint32_t *p;
        uint32_t count;
        if (t->has_positions && quire_postings_positions(&c, &p, &count) == QUIRE_OK) {
            FZ_CHECK(count == c.tf);
            for (uint32_t i = 1; i < count; i++)
                FZ_CHECK(p[i] >= p[i - 1]); /* the format allows equal positions */
        }
        (void)docs;
    }
    quire_postings_close(&c);
}

void fz_walk_segment(const quire_segment *seg, uint32_t max_docs)
{
    const quire_segment_stats *st = quire_segment_get_stats(seg);
    uint32_t docs = st->doc_count < max_docs ? st->doc_count : max_docs;
    quire_buf text = QUIRE_BUF_INIT;
    for (uint32_t d = 0; d < docs; d++) {
        FZ_CHECK(quire_segment_title_len(seg, d) <= quire_segment_doc_len(seg, d));
        quire_doc_info info;
        if (quire_segment_doc_info(seg, d, &info) == QUIRE_OK) {
            text.len = 0;
            if (quire_segment_doc_text(seg, d, &text) == QUIRE_OK)
                FZ_CHECK(text.len == info.text_len);
        }
    }
    quire_buf_free(&text);
    uint64_t blocks = quire_segment_store_block_count(seg);
    for (uint64_t b = 0; b < blocks && b < 1000; b++) {
        quire_bytes blk;
        if (quire_segment_store_block(seg, b, &blk) != QUIRE_OK)
            break;
    }
    for (int kind = QUIRE_TERM_FORM; kind <= QUIRE_TERM_STEM; kind++) {
        quire_segment_term_iter it;
        if (quire_segment_terms_seek(&it, seg, kind, quire_bytes_of("", 0)) != QUIRE_OK)
            continue;
        quire_bytes key;
        quire_term t;
        for (int i = 0; i < 5000 && quire_segment_terms_next(&it, &key, &t) == QUIRE_OK; i++) {
            uint8_t copy[QUIRE_DICT_MAX_KEY];
            FZ_CHECK(key.len < sizeof copy);
            memcpy(copy, key.ptr, key.len);
            quire_bytes k = quire_bytes_of(copy, key.len);
            quire_term again;
            ignore(quire_segment_lookup(seg, (quire_term_kind)kind, k, &again));
            for (uint32_t f = 0; f < t.form_count && f < 64; f++) {
                quire_bytes form;
                ignore(quire_term_form(&t, f, k, &form));
            }
            walk_postings(seg, &t, docs);
        }
    }
    for (int f = 0; f < QUIRE_SEG_FILE_COUNT; f++)
        ignore(quire_segment_check_file(seg, f));
    ignore(quire_segment_verify(seg, ignore_line, NULL));
    quire_error_clear();
}
