/*
 * source.c - reads the inputs named on the command line and yields documents (source.h).
 * It owns the walk over folders, reading and gunzipping bytes, telling formats apart and
 * cutting records out of JSON Lines, TREC SGML and plain text files. It leaves analysis,
 * doc ids and everything after to the indexer.
 *
 * Layers, bottom up:
 *   - the walk: source_open() expands the inputs into a list of entries (files, "-", or a
 *     problem met on the way, kept in order so it is reported when reading reaches it);
 *   - the reader: one growable window of decoded bytes over the current file, filled by
 *     read() (1 MiB at a time) or by ISA-L's inflater for gzip data, whatever the file name says;
 *   - the formats: JSON Lines (memchr for line ends, json.c decodes in place), TREC (scan
 *     for <DOC> ... </DOC>, one block in memory at a time) and plain text (whole file).
 * A record's views point into the window or into the source's own buffers, valid until
 * the next call. The window only grows while one record does not fit, so memory stays at
 * about the largest record plus 1 MiB.
 *
 * Decisions beyond source.h:
 *   - max_doc_bytes limits the record as read: a JSON line, a <DOC> block, a plain file
 *     (after gunzip). A larger one is skipped with a warning and reading goes on after it.
 *   - In stop-on-error mode every problem is an error: source_next returns it with the
 *     warning's text as the thread's message and does not call the warning callback.
 *     Read problems (open, read, gzip) are QUIRE_EIO, content problems QUIRE_EINVAL.
 *   - JSON Lines: "id" may be a string or a number (its text, as written); "title",
 *     "text" and "date" may be null or "" (= absent); another type is warned about and
 *     the field is left empty. A line cut by a truncated gzip stream is dropped.
 *   - TREC: without <TEXT>, the text is the block without tags and without the elements
 *     already taken as fields (DOCNO, DATE, the title); a <DATE> that is not YYYY-MM-DD
 *     gives no date, silently (TREC collections use many date forms).
 *   - Plain text: the date prefix "date YYYY-MM-DD" is taken from the start of the first
 *     line even when text follows it on that line (the seed articles do that); a file that
 *     is empty or blank is skipped with "empty file".
 *   - Folders: entries sorted by name (strcmp), symlinks followed; a folder that is its own
 *     ancestor is a symlink loop (warned, skipped); other than regular files and folders
 *     inside a folder are skipped with a warning. Inputs named directly may be any file.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>

#include "json.h"
#include "quire/analysis.h"
#include "quire/array.h"
#include "quire/bytes.h"

enum {
    READ_CHUNK = 1 << 20, /* bytes asked of read() / produced by the inflater at a time */
    SNIFF_BYTES = 8192,   /* what binary detection and format sniffing look at */
};

#define DEFAULT_MAX_DOC ((size_t)1 << 30)

/* source_next's internal "not a document, go on" and "record too large" answers. */
enum { NEXT_END = 1, NEXT_SKIP = 2, NEXT_TOO_LONG = 3 };

typedef enum entry_kind { ENTRY_FILE, ENTRY_STDIN, ENTRY_PROBLEM } entry_kind;

typedef struct entry {
    entry_kind kind;
    int code;        /* ENTRY_PROBLEM: the error code in stop-on-error mode */
    size_t path_off; /* offset in names of the NUL-terminated path */
    size_t msg_off;  /* ENTRY_PROBLEM: offset in names of the message */
    uint64_t size;   /* bytes, for a regular file; else 0 */
    uint64_t range_start, range_end; /* source_open_part: only these bytes (end 0: all) */
} entry;

typedef enum doc_format { FORMAT_PLAIN, FORMAT_JSONL, FORMAT_TREC } doc_format;

/* The decoded bytes of the current file: [pos, len) of buf are not consumed yet. */
typedef struct reader {
    int fd;
    bool is_gz;
    bool member_done;     /* the inflater reached the end of a gzip member */
    bool raw_eof;         /* read() said end of file */
    bool at_eof;          /* no more decoded bytes will come */
    bool truncated;       /* the data ended early (read error, cut or bad gzip): drop the
                             record it cut */
    const char *cut_what; /* why it ended early, reported when the reading reaches it */
    char cut_detail[160];
    struct inflate_state *z; /* ISA-L's gzip inflater (it checks each member's CRC-32 and
                                length), allocated at the first gzip file */
    uint8_t *raw; /* compressed input */
    size_t raw_cap;
    char *buf;
    size_t pos, len, cap; /* bytes */
    uint64_t file_bytes;  /* raw bytes read from this file */
} reader;

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

struct source {
    source_opts opts;
    size_t max_doc;          /* bytes */
    const char *max_doc_why; /* appended to the too-large warning */
    entry *entries;
    size_t entry_count, entry_cap, next_entry;
    quire_buf names;   /* NUL-terminated paths and messages of the entries */
    dir_id *ancestors; /* folders being walked, for symlink loops */
    size_t ancestor_count, ancestor_cap;

    bool file_open;
    const entry *cur;
    const char *path; /* the current file's path ("-" for stdin) */
    doc_format format;
    bool plain_done;
    uint64_t line; /* line number of buf[pos] (1-based) */
    reader r;
    quire_buf id, title, text; /* decoded fields of the current TREC / plain record */
    quire_buf conv_title, conv_text;    /* fields converted to UTF-8 (--encoding) */
    iconv_t iconv_latin1, iconv_cp1252; /* opened when first needed, else (iconv_t)-1 */
    bool noted_encoding;                /* the current file's conversion was noted */

    int err; /* sticky: the first error returned */
    uint64_t bytes_read, bytes_total, warnings, skipped;
    source_feed_fn feed; /* source_open_feed: documents come from here */
    void *feed_ctx;
    uint64_t range_left; /* bytes the current entry's range still allows (UINT64_MAX: all) */
    char msg[4096 + 512];
};

/* ---------------------------------------------------------------- problems */

/* Report a problem with the current file (`line` 0: the file as a whole). Returns QUIRE_OK
 * to go on, or, in stop-on-error mode, `code` with the message set. */
static int vproblem(source *s, int code, const char *path, uint64_t line, bool skip,
                    const char *fmt, va_list ap)
{
    int n;
    if (line && s->cur && s->cur->range_start > 0)
        n = snprintf(s->msg, sizeof s->msg, "%s: line %llu after byte %llu: ", path,
                     (unsigned long long)line, (unsigned long long)s->cur->range_start);
    else if (line)
        n = snprintf(s->msg, sizeof s->msg, "%s:%llu: ", path, (unsigned long long)line);
    else
        n = snprintf(s->msg, sizeof s->msg, "%s: ", path);
    if (n < 0 || (size_t)n >= sizeof s->msg)
        n = 0;
    vsnprintf(s->msg + n, sizeof s->msg - (size_t)n, fmt, ap);
    s->warnings++;
    if (skip)
        s->skipped++;
    if (s->opts.stop_on_error) {
        s->err = quire_error(code, "%s", s->msg);
        return s->err;
    }
    if (skip && s->opts.skip)
        s->opts.skip(s->opts.skip_ctx, path, line, s->msg + n);
    if (s->opts.warn)
        s->opts.warn(s->opts.warn_ctx, s->msg);
    return QUIRE_OK;
}

QUIRE_PRINTF(4, 5)
static int problem(source *s, int code, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vproblem(s, code, s->path, line, false, fmt, ap);
    va_end(ap);
    return rc;
}

/* A note about the current file that is no problem (an encoding read as another): a
 * warning, also in stop-on-error mode, never an error. */
QUIRE_PRINTF(2, 3)
static void note(source *s, const char *fmt, ...)
{
    int n = snprintf(s->msg, sizeof s->msg, "%s: ", s->path);
    if (n < 0 || (size_t)n >= sizeof s->msg)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg + n, sizeof s->msg - (size_t)n, fmt, ap);
    va_end(ap);
    s->warnings++;
    if (s->opts.warn)
        s->opts.warn(s->opts.warn_ctx, s->msg);
}

/* A problem that loses something: a document, a file, or what follows a cut. Counted as
 * skipped and handed to the skip callback too. */
QUIRE_PRINTF(4, 5)
static int skip_problem(source *s, int code, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vproblem(s, code, s->path, line, true, fmt, ap);
    va_end(ap);
    return rc;
}

static int out_of_memory(source *s)
{
    s->err = quire_error(QUIRE_ENOMEM, "out of memory reading %s", s->path ? s->path : "inputs");
    return s->err;
}

/* ---------------------------------------------------------------- the walk */

static bool names_put(source *s, const char *str, size_t n, size_t *off)
{
    *off = s->names.len;
    quire_buf_put(&s->names, str, n);
    quire_buf_put_byte(&s->names, 0);
    return s->names.err == QUIRE_OK;
}

static entry *add_entry(source *s, entry_kind kind, const char *path)
{
    int rc = QUIRE_ARRAY_RESERVE(s->entries, s->entry_count, s->entry_cap, 64);
    if (rc != QUIRE_OK)
        return NULL;
    entry *e = &s->entries[s->entry_count];
    *e = (entry){kind, QUIRE_OK, 0, 0, 0, 0, 0};
    if (!names_put(s, path, strlen(path), &e->path_off))
        return NULL;
    s->entry_count++;
    return e;
}

QUIRE_PRINTF(4, 5)
static int add_problem(source *s, int code, const char *path, const char *fmt, ...)
{
    entry *e = add_entry(s, ENTRY_PROBLEM, path);
    if (!e)
        return QUIRE_ENOMEM;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    e->code = code;
    return names_put(s, msg, strlen(msg), &e->msg_off) ? QUIRE_OK : QUIRE_ENOMEM;
}

static int add_file(source *s, const char *path, const struct stat *st)
{
    entry *e = add_entry(s, ENTRY_FILE, path);
    if (!e)
        return QUIRE_ENOMEM;
    if (S_ISREG(st->st_mode)) {
        e->size = (uint64_t)st->st_size;
        s->bytes_total += e->size;
    }
    return QUIRE_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int walk(source *s, const char *path, const struct stat *st);

static int walk_dir(source *s, const char *path, const struct stat *st)
{
    for (size_t i = 0; i < s->ancestor_count; i++)
        if (s->ancestors[i].dev == st->st_dev && s->ancestors[i].ino == st->st_ino)
            return add_problem(s, QUIRE_EINVAL, path, "symlink loop, folder skipped");
    DIR *dir = opendir(path);
    if (!dir)
        return add_problem(s, QUIRE_EIO, path, "%s", strerror(errno));

    int rc = QUIRE_OK;
    char **names = NULL, *child = NULL;
    size_t count = 0, cap = 0;
    const size_t path_len = strlen(path);
    const bool has_slash = path_len > 0 && path[path_len - 1] == '/';
    errno = 0;
    for (struct dirent *d; (d = readdir(dir)) != NULL; errno = 0) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            continue;
        rc = QUIRE_ARRAY_RESERVE(names, count, cap, 32);
        if (rc != QUIRE_OK)
            goto done;
        names[count] = quire_strndup(d->d_name, strlen(d->d_name));
        if (!names[count]) {
            rc = QUIRE_ENOMEM;
            goto done;
        }
        count++;
    }
    if (errno != 0) {
        rc = add_problem(s, QUIRE_EIO, path, "%s", strerror(errno));
        goto done;
    }
    if (count > 1)
        qsort(names, count, sizeof *names, compare_names);

    rc = QUIRE_ARRAY_RESERVE(s->ancestors, s->ancestor_count, s->ancestor_cap, 16);
    if (rc != QUIRE_OK)
        goto done;
    s->ancestors[s->ancestor_count++] = (dir_id){st->st_dev, st->st_ino};
    for (size_t i = 0; i < count && rc == QUIRE_OK; i++) {
        size_t name_len = strlen(names[i]);
        quire_free(child);
        child = quire_malloc(path_len + 1 + name_len + 1);
        if (!child) {
            rc = QUIRE_ENOMEM;
            break;
        }
        memcpy(child, path, path_len);
        size_t n = path_len;
        if (!has_slash)
            child[n++] = '/';
        memcpy(child + n, names[i], name_len + 1);
        struct stat child_st;
        if (stat(child, &child_st) != 0)
            rc = add_problem(s, QUIRE_EIO, child, "%s", strerror(errno));
        else if (S_ISDIR(child_st.st_mode) || S_ISREG(child_st.st_mode))
            rc = walk(s, child, &child_st);
        else
            rc = add_problem(s, QUIRE_EINVAL, child, "not a regular file, skipped");
    }
    s->ancestor_count--;
done:
    for (size_t i = 0; i < count; i++)
        quire_free(names[i]);
    quire_free(names);
    quire_free(child);
    closedir(dir);
    return rc;
}

static int walk(source *s, const char *path, const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return walk_dir(s, path, st);
    return add_file(s, path, st);
}

int source_open(source **out, const char *const *inputs, size_t input_count,
                const source_opts *opts)
{
    if (!out || (!inputs && input_count > 0) || !opts)
        return quire_error(QUIRE_EINVAL, "source_open: bad argument");
    *out = NULL;
    for (size_t i = 0; i < input_count; i++)
        if (!inputs[i] || !inputs[i][0])
            return quire_error(QUIRE_EINVAL, "input %zu: empty path", i + 1);

    source *s = quire_calloc(1, sizeof *s);
    if (!s)
        return quire_error(QUIRE_ENOMEM, "out of memory opening the inputs");
    s->opts = *opts;
    s->max_doc = opts->max_doc_bytes ? opts->max_doc_bytes : DEFAULT_MAX_DOC;
    s->max_doc_why = opts->max_doc_why ? opts->max_doc_why : "";
    s->names = (quire_buf)QUIRE_BUF_INIT;
    s->id = (quire_buf)QUIRE_BUF_INIT;
    s->title = (quire_buf)QUIRE_BUF_INIT;
    s->text = (quire_buf)QUIRE_BUF_INIT;
    s->conv_title = (quire_buf)QUIRE_BUF_INIT;
    s->conv_text = (quire_buf)QUIRE_BUF_INIT;
    s->iconv_latin1 = s->iconv_cp1252 = (iconv_t)-1;
    s->r.fd = -1;
    s->range_left = UINT64_MAX;

    int rc = QUIRE_OK;
    for (size_t i = 0; i < input_count && rc == QUIRE_OK; i++) {
        struct stat st;
        if (strcmp(inputs[i], "-") == 0)
            rc = add_entry(s, ENTRY_STDIN, "-") ? QUIRE_OK : QUIRE_ENOMEM;
        else if (stat(inputs[i], &st) != 0)
            rc = add_problem(s, QUIRE_EIO, inputs[i], "%s", strerror(errno));
        else
            rc = walk(s, inputs[i], &st);
    }
    quire_free(s->ancestors);
    s->ancestors = NULL;
    s->ancestor_count = s->ancestor_cap = 0;
    if (rc != QUIRE_OK) {
        source_close(s);
        return quire_error(rc, "out of memory opening the inputs");
    }
    *out = s;
    return QUIRE_OK;
}

/* ---------------------------------------------------------------- the reader */

/* read() what is asked, retrying EINTR. */
static ssize_t read_some(int fd, void *p, size_t n)
{
    ssize_t got;
    do
        got = read(fd, p, n);
    while (got < 0 && errno == EINTR);
    return got;
}

/* The data of the current file ended early. The problem waits until the formats have
 * taken the records before the cut (report_cut), so stop-on-error keeps them too. */
static int cut_short(source *s, const char *what, const char *detail)
{
    reader *r = &s->r;
    r->at_eof = true;
    r->truncated = true;
    r->cut_what = what;
    snprintf(r->cut_detail, sizeof r->cut_detail, "%s", detail);
    return QUIRE_OK;
}

/* Called by the formats when they reach the end of the data. `lost` says what the cut
 * cost (the cut record is never kept), counted as skipped; NULL when the file was given up
 * already (binary, too large: counted then). */
static int report_cut(source *s, const char *lost)
{
    reader *r = &s->r;
    if (!r->cut_what)
        return QUIRE_OK;
    const char *what = r->cut_what;
    r->cut_what = NULL;
    if (!lost)
        return problem(s, QUIRE_EIO, 0, "%s%s", what, r->cut_detail);
    return skip_problem(s, QUIRE_EIO, 0, "%s%s; %s", what, r->cut_detail, lost);
}

static int read_raw(source *s, reader *r, void *p, size_t n, size_t *got)
{
    if (n > s->range_left)
        n = (size_t)s->range_left;
    ssize_t k = n > 0 ? read_some(r->fd, p, n) : 0;
    if (k < 0) {
        *got = 0;
        r->raw_eof = true;
        return cut_short(s, "read error: ", strerror(errno));
    }
    *got = (size_t)k;
    r->raw_eof = k == 0;
    if (s->range_left != UINT64_MAX)
        s->range_left -= (uint64_t)k;
    r->file_bytes += (size_t)k;
    s->bytes_read += (size_t)k;
    return QUIRE_OK;
}

/* Make room at the end of the window: first by moving the unconsumed bytes to the front,
 * then by doubling. Keeps a quarter chunk free at least, so reads stay large. */
static int make_room(source *s, reader *r)
{
    if (r->cap - r->len >= READ_CHUNK / 4)
        return QUIRE_OK;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->len >= READ_CHUNK / 4)
        return QUIRE_OK;
    if (quire_array_grow(&r->buf, 1, &r->cap, sizeof r->cap, READ_CHUNK) != QUIRE_OK)
        return out_of_memory(s);
    return QUIRE_OK;
}

/* What ISA-L's inflater says of corrupt data, in words. */
static const char *isal_problem(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK:
        return "invalid block";
    case ISAL_INVALID_SYMBOL:
        return "invalid code";
    case ISAL_INVALID_LOOKBACK:
        return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER:
        return "incorrect header";
    case ISAL_UNSUPPORTED_METHOD:
        return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM:
        return "incorrect data check";
    default:
        return "corrupt data";
    }
}

/* Inflate into the window until some bytes come out or the stream ends. */
static int inflate_some(source *s, reader *r, size_t *produced)
{
    struct inflate_state *z = r->z;
    *produced = 0;
    for (;;) {
        if (z->avail_in == 0 && !r->raw_eof) {
            size_t got;
            int rc = read_raw(s, r, r->raw, r->raw_cap, &got);
            if (rc != QUIRE_OK || r->truncated)
                return rc;
            z->next_in = r->raw;
            z->avail_in = (uint32_t)got;
        }
        if (r->member_done) {
            /* Another gzip member may follow (gzip -c a b > c); anything else ends it. */
            if (z->avail_in == 0) {
                r->at_eof = true;
                return QUIRE_OK;
            }
            if (z->next_in[0] != 0x1f) {
                r->at_eof = true;
                return QUIRE_OK;
            }
            uint8_t *next_in = z->next_in;
            uint32_t avail_in = z->avail_in;
            isal_inflate_reset(z);
            z->crc_flag = ISAL_GZIP;
            z->next_in = next_in;
            z->avail_in = avail_in;
            r->member_done = false;
        }
        const uint32_t in_before = z->avail_in;
        z->next_out = (uint8_t *)r->buf + r->len;
        z->avail_out = (uint32_t)(r->cap - r->len);
        int zrc = isal_inflate(z);
        size_t n = (size_t)((char *)z->next_out - (r->buf + r->len));
        r->len += n;
        *produced = n;
        if (zrc < 0)
            return cut_short(s, "gzip: ", isal_problem(zrc));
        if (z->block_state == ISAL_BLOCK_FINISH)
            r->member_done = true;
        else if (n == 0 && z->avail_in == 0 && r->raw_eof)
            return cut_short(s, "truncated gzip stream", "");
        else if (n == 0 && z->avail_in == in_before && z->avail_in > 0)
            return cut_short(s, "gzip: ", "corrupt data"); /* no progress at all */
        if (n > 0)
            return QUIRE_OK;
    }
}

/* Append more decoded bytes to the window. *added = 0 means the end of the data. May move
 * the window: callers keep offsets relative to r->pos, not pointers. */
static int fill(source *s, size_t *added)
{
    reader *r = &s->r;
    *added = 0;
    if (r->at_eof)
        return QUIRE_OK;
    int rc = make_room(s, r);
    if (rc != QUIRE_OK)
        return rc;
    if (r->is_gz) {
        rc = inflate_some(s, r, added);
    } else {
        rc = read_raw(s, r, r->buf + r->len, r->cap - r->len, added);
        r->len += *added;
        if (r->raw_eof)
            r->at_eof = true;
    }
    return rc;
}

/* Consume n bytes of the window, counting lines. */
static void consume(source *s, size_t n)
{
    reader *r = &s->r;
    const char *p = r->buf + r->pos, *end = p + n;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        s->line++;
        p++;
    }
    r->pos += n;
}

/* Fill the window until it holds `want` unconsumed bytes or the data ends. */
static int fill_to(source *s, size_t want)
{
    reader *r = &s->r;
    while (r->len - r->pos < want && !r->at_eof) {
        size_t added;
        int rc = fill(s, &added);
        if (rc != QUIRE_OK)
            return rc;
    }
    return QUIRE_OK;
}

/* Open the raw file, switch to gunzip if it starts with the gzip magic, and fill the
 * window with the first bytes. */
static int reader_start(source *s, int fd)
{
    reader *r = &s->r;
    r->fd = fd;
    r->is_gz = r->member_done = r->raw_eof = r->at_eof = r->truncated = false;
    r->cut_what = NULL;
    r->pos = r->len = 0;
    r->file_bytes = 0;
    int rc = fill_to(s, 2);
    if (rc != QUIRE_OK)
        return rc;
    if (r->len >= 2 && (uint8_t)r->buf[0] == 0x1f && (uint8_t)r->buf[1] == 0x8b) {
        if (!r->raw) {
            r->raw = quire_malloc(READ_CHUNK);
            if (!r->raw)
                return out_of_memory(s);
            r->raw_cap = READ_CHUNK;
        }
        /* The bytes read so far are compressed: they become the inflater's input. */
        if (r->len > r->raw_cap) {
            uint8_t *raw = quire_realloc(r->raw, r->len);
            if (!raw)
                return out_of_memory(s);
            r->raw = raw;
            r->raw_cap = r->len;
        }
        memcpy(r->raw, r->buf, r->len);
        if (!r->z) {
            r->z = quire_malloc(sizeof *r->z);
            if (!r->z)
                return out_of_memory(s);
        }
        isal_inflate_init(r->z);
        r->z->crc_flag = ISAL_GZIP; /* parse the gzip header, check CRC-32 and length */
        r->z->next_in = r->raw;
        r->z->avail_in = (uint32_t)r->len;
        r->is_gz = true;
        r->at_eof = false;
        r->pos = r->len = 0;
    }
    return fill_to(s, SNIFF_BYTES);
}

static void reader_stop(source *s)
{
    reader *r = &s->r;
    if (r->fd >= 0 && s->cur && s->cur->kind == ENTRY_FILE) /* stdin stays open */
        close(r->fd);
    r->fd = -1;
}

/* ---------------------------------------------------------------- sniffing */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* A NUL byte, or more than 30% control bytes other than \t \r \n \f. */
static bool looks_binary(const char *p, size_t n)
{
    size_t control = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == 0)
            return true;
        control += (c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f') || c == 0x7f;
    }
    return control * 10 > n * 3;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Case-insensitive compare of n bytes with an ASCII word. */
static bool match_ci(const char *p, const char *word, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        char w = word[i];
        if (w >= 'a' && w <= 'z')
            w = (char)(w - 'a' + 'A');
        if (c != w)
            return false;
    }
    return true;
}

static size_t skip_bom(const char *p, size_t n)
{
    return n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

static doc_format sniff_format(const source *s, bool is_stdin)
{
    const reader *r = &s->r;
    if (!is_stdin) {
        size_t n = strlen(s->path);
        if (ends_with(s->path, n, ".gz"))
            n -= 3;
        if (ends_with(s->path, n, ".jsonl") || ends_with(s->path, n, ".ndjson") ||
            ends_with(s->path, n, ".json"))
            return FORMAT_JSONL;
        if (ends_with(s->path, n, ".trec") || ends_with(s->path, n, ".sgml"))
            return FORMAT_TREC;
    }
    const char *p = r->buf + r->pos, *end = r->buf + r->len;
    p += skip_bom(p, (size_t)(end - p));
    while (p < end && is_blank(*p))
        p++;
    if (end - p >= 5 && match_ci(p, "<DOC>", 5))
        return FORMAT_TREC;
    if (is_stdin && p < end && *p == '{')
        return FORMAT_JSONL;
    return FORMAT_PLAIN;
}

/* ---------------------------------------------------------------- encodings */

/* Whether p[0..n) is valid UTF-8. ASCII is skipped 8 bytes at a time: the check runs on
 * every document in the reading thread (callgrind, indexing 6,000 Reuters records: 1.7%
 * of the instructions byte by byte, 0.44% so). */
static bool is_utf8(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, p + i, 8), (w & 0x8080808080808080ull) == 0)) {
            i += 8;
            continue;
        }
        if ((unsigned char)p[i] < 0x80) {
            i++;
            continue;
        }
        const size_t at = i;
        const uint32_t cp = quire_utf8_next((const uint8_t *)p, n, &i);
        if (cp == 0xFFFD && !(i - at == 3 && memcmp(p + at, "\xef\xbf\xbd", 3) == 0))
            return false;
    }
    return true;
}

/* The sniffing rule of --encoding auto (README "Encodings"): bytes that are not valid
 * UTF-8, hold no valid multi-byte UTF-8 sequence (a file with one is UTF-8 with damage)
 * and none of the five bytes cp1252 leaves undefined are read as cp1252. */
static bool looks_cp1252(const char *p, size_t n)
{
    bool invalid = false;
    for (size_t i = 0; i < n;) {
        const unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D)
            return false;
        const size_t at = i;
        const uint32_t cp = quire_utf8_next((const uint8_t *)p, n, &i);
        if (cp != 0xFFFD || (i - at == 3 && memcmp(p + at, "\xef\xbf\xbd", 3) == 0))
            return false; /* a valid multi-byte sequence */
        for (size_t k = at; k < i; k++) {
            const unsigned char b = (unsigned char)p[k];
            if (b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D)
                return false;
        }
        invalid = true;
    }
    return invalid;
}

/* Convert p[0..n) from Latin-1 or cp1252 to UTF-8 into out (iconv; a byte the encoding
 * leaves undefined becomes U+FFFD). */
static int to_utf8(source *s, quire_buf *out, const char *p, size_t n, source_encoding enc)
{
    iconv_t *cd = enc == SOURCE_ENCODING_LATIN1 ? &s->iconv_latin1 : &s->iconv_cp1252;
    if (*cd == (iconv_t)-1) {
        *cd = iconv_open("UTF-8", enc == SOURCE_ENCODING_LATIN1 ? "ISO-8859-1" : "CP1252");
        if (*cd == (iconv_t)-1)
            return s->err = quire_error(QUIRE_EIO, "%s: cannot convert from %s: %s", s->path,
                                        enc == SOURCE_ENCODING_LATIN1 ? "latin1" : "cp1252",
                                        strerror(errno));
    }
    (void)iconv(*cd, NULL, NULL, NULL, NULL);
    out->len = 0;
    char *in = (char *)(uintptr_t)p;
    size_t in_left = n;
    while (in_left > 0) {
        if (!quire_buf_reserve(out, in_left * 3 + 16))
            return out_of_memory(s);
        char *o = (char *)out->data + out->len;
        size_t o_left = out->cap - out->len;
        const size_t got = iconv(*cd, &in, &in_left, &o, &o_left);
        out->len = (size_t)((uint8_t *)o - out->data);
        if (got == (size_t)-1 && errno != E2BIG) { /* EILSEQ, EINVAL: an undefined byte */
            quire_buf_put(out, "\xef\xbf\xbd", 3);
            in++;
            in_left--;
        }
    }
    return out->err ? out_of_memory(s) : QUIRE_OK;
}

/* A document that conversion to UTF-8 took past max_doc (a byte becomes up to 3) is
 * skipped as a too large one is. QUIRE_OK when it is not, NEXT_SKIP when skipped, or an
 * error (stop-on-error). */
static int check_converted_size(source *s, uint64_t line, size_t bytes)
{
    if (bytes <= s->max_doc)
        return QUIRE_OK;
    const int rc = skip_problem(s, QUIRE_EINVAL, line,
                                "document of more than %zu bytes once converted to UTF-8, "
                                "skipped%s",
                                s->max_doc, s->max_doc_why);
    return rc != QUIRE_OK ? rc : NEXT_SKIP;
}

/* A field of the current document in UTF-8 (README "Encodings"): `*p, *n` are replaced
 * by a view of `conv` when the field is converted; *converted tells. */
static int decode_field(source *s, quire_buf *conv, const char **p, size_t *n, bool *converted)
{
    source_encoding enc = s->opts.encoding;
    if (enc == SOURCE_ENCODING_UTF8 || *n == 0)
        return QUIRE_OK;
    if (enc == SOURCE_ENCODING_AUTO) {
        if (is_utf8(*p, *n) || !looks_cp1252(*p, *n))
            return QUIRE_OK;
        enc = SOURCE_ENCODING_CP1252;
        if (!s->noted_encoding) {
            s->noted_encoding = true;
            note(s, "not UTF-8, read as cp1252 (--encoding utf-8 reads it as UTF-8, replacing "
                    "invalid bytes)");
        }
    } else {
        size_t i = 0;
        while (i < *n && (unsigned char)(*p)[i] < 0x80)
            i++;
        if (i == *n)
            return QUIRE_OK; /* ASCII reads the same in all of them */
    }
    const int rc = to_utf8(s, conv, *p, *n, enc);
    if (rc != QUIRE_OK)
        return rc;
    *p = conv->len ? (const char *)conv->data : "";
    *n = conv->len;
    *converted = true;
    return QUIRE_OK;
}

/* ---------------------------------------------------------------- files */

static void close_file(source *s)
{
    if (!s->err)
        (void)report_cut(s, NULL); /* a file given up before its end (binary, too large) */
    reader_stop(s);
    /* Progress counts a regular file whole even when it was skipped or cut short. */
    if (s->cur && s->cur->size > s->r.file_bytes)
        s->bytes_read += s->cur->size - s->r.file_bytes;
    s->file_open = false;
    s->cur = NULL;
}

/* Open the next entry. Returns QUIRE_OK (a file is open), NEXT_SKIP, NEXT_END or an
 * error. */
static int open_next(source *s)
{
    if (s->next_entry == s->entry_count)
        return NEXT_END;
    const entry *e = &s->entries[s->next_entry++];
    s->path = (const char *)s->names.data + e->path_off;
    if (e->kind == ENTRY_PROBLEM) {
        int rc = skip_problem(s, e->code, 0, "%s", (const char *)s->names.data + e->msg_off);
        return rc != QUIRE_OK ? rc : NEXT_SKIP;
    }
    int fd = 0;
    s->range_left = e->range_end > e->range_start ? e->range_end - e->range_start : UINT64_MAX;
    if (e->kind == ENTRY_FILE) {
        fd = open(s->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int rc = skip_problem(s, QUIRE_EIO, 0, "%s", strerror(errno));
            return rc != QUIRE_OK ? rc : NEXT_SKIP;
        }
        if (e->range_start > 0 && lseek(fd, (off_t)e->range_start, SEEK_SET) < 0) {
            int rc = problem(s, QUIRE_EIO, 0, "seek: %s", strerror(errno));
            close(fd);
            return rc != QUIRE_OK ? rc : NEXT_SKIP;
        }
    }
    s->cur = e;
    s->file_open = true;
    s->line = 1;
    s->plain_done = false;
    s->noted_encoding = false;
    int rc = reader_start(s, fd);
    if (rc != QUIRE_OK)
        return rc;
    reader *r = &s->r;
    size_t sniff = r->len - r->pos < SNIFF_BYTES ? r->len - r->pos : SNIFF_BYTES;
    if (e->range_start == 0 && looks_binary(r->buf + r->pos, sniff)) {
        rc = skip_problem(s, QUIRE_EINVAL, 0, "binary file, skipped");
        return rc != QUIRE_OK ? rc : NEXT_SKIP;
    }
    s->format = sniff_format(s, e->kind == ENTRY_STDIN);
    return QUIRE_OK;
}

/* ---------------------------------------------------------------- JSON Lines */

/* The next line (without its '\n'), as a view into the window valid until the next fill.
 * Returns QUIRE_OK, NEXT_END, NEXT_TOO_LONG (the line was consumed unread) or an error. */
static int next_line(source *s, char **line, size_t *line_len)
{
    reader *r = &s->r;
    size_t scan = 0; /* bytes after pos known to hold no '\n' */
    for (;;) {
        char *start = r->buf + r->pos;
        size_t avail = r->len - r->pos;
        char *nl = memchr(start + scan, '\n', avail - scan);
        if (nl) {
            *line = start;
            *line_len = (size_t)(nl - start);
            r->pos += *line_len + 1;
            s->line++;
            return *line_len > s->max_doc ? NEXT_TOO_LONG : QUIRE_OK;
        }
        scan = avail;
        if (avail > s->max_doc) {
            /* Too long: drop it without buffering the rest. */
            s->line++;
            r->pos = r->len;
            for (;;) {
                size_t added;
                int rc = fill(s, &added);
                if (rc != QUIRE_OK)
                    return rc;
                if (added == 0)
                    return report_cut(s, NULL) != QUIRE_OK ? s->err : NEXT_TOO_LONG;
                start = r->buf + r->pos;
                nl = memchr(start, '\n', r->len - r->pos);
                if (nl) {
                    r->pos += (size_t)(nl - start) + 1;
                    return NEXT_TOO_LONG;
                }
                r->pos = r->len;
            }
        }
        size_t added;
        int rc = fill(s, &added);
        if (rc != QUIRE_OK)
            return rc;
        if (added == 0) {
            char lost[64];
            snprintf(lost, sizeof lost, "what follows line %llu is lost",
                     (unsigned long long)(s->line - 1));
            rc = report_cut(s, avail > 0 ? "the cut line and what follows are lost" : lost);
            if (rc != QUIRE_OK)
                return rc;
            if (avail == 0 || r->truncated) {
                r->pos = r->len;
                return NEXT_END;
            }
            *line = r->buf + r->pos;
            *line_len = avail;
            r->pos = r->len;
            s->line++;
            return QUIRE_OK;
        }
    }
}

static bool is_blank_line(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_blank(p[i]))
            return false;
    return true;
}

/* A string field of a record: null, absent and "" are empty; another type is warned
 * about. */
static int string_field(source *s, uint64_t line, const json_value *v, const char *name,
                        const char **ptr, size_t *len)
{
    *ptr = "";
    *len = 0;
    if (v->type == JSON_STRING) {
        *ptr = v->ptr;
        *len = v->len;
    } else if (v->type != JSON_ABSENT && v->type != JSON_NULL) {
        return problem(s, QUIRE_EINVAL, line, "\"%s\" is not a string, left empty", name);
    }
    return QUIRE_OK;
}

static int next_jsonl(source *s, source_doc *doc)
{
    static const char *const keys[] = {"id", "title", "date", "text"};
    for (;;) {
        char *line = NULL;
        size_t len = 0;
        int rc = next_line(s, &line, &len);
        const uint64_t line_no = s->line - 1;
        if (rc == NEXT_TOO_LONG) {
            rc =
                skip_problem(s, QUIRE_EINVAL, line_no, "document of more than %zu bytes, skipped%s",
                             s->max_doc, s->max_doc_why);
            if (rc != QUIRE_OK)
                return rc;
            continue;
        }
        if (rc != QUIRE_OK)
            return rc;
        if (line_no == 1 && s->cur->range_start == 0) {
            size_t bom = skip_bom(line, len);
            line += bom;
            len -= bom;
        }
        if (is_blank_line(line, len))
            continue;
        json_value v[4];
        json_error jerr;
        if (json_parse_object(v, keys, 4, line, len, &jerr) != QUIRE_OK) {
            rc = skip_problem(s, QUIRE_EINVAL, line_no, "%s (column %zu)", jerr.what,
                              jerr.offset + 1);
            if (rc != QUIRE_OK)
                return rc;
            continue;
        }
        const char *why = NULL;
        if (v[0].type == JSON_ABSENT)
            why = "no \"id\"";
        else if (v[0].type != JSON_STRING && v[0].type != JSON_NUMBER)
            why = "\"id\" is not a string or a number";
        else if (v[0].len == 0)
            why = "empty \"id\"";
        if (why) {
            rc = skip_problem(s, QUIRE_EINVAL, line_no, "%s, skipped", why);
            if (rc != QUIRE_OK)
                return rc;
            continue;
        }
        const char *date;
        size_t date_len;
        if ((rc = string_field(s, line_no, &v[1], "title", &doc->title, &doc->title_len)) ||
            (rc = string_field(s, line_no, &v[3], "text", &doc->text, &doc->text_len)) ||
            (rc = string_field(s, line_no, &v[2], "date", &date, &date_len)))
            return rc;
        doc->date = QUIRE_NO_DATE;
        if (date_len > 0 && !quire_date_parse(date, date_len, &doc->date)) {
            doc->date = QUIRE_NO_DATE;
            char shown[41]; /* the value, cut, without control bytes: warnings are one line */
            size_t n = date_len < 40 ? date_len : 40;
            for (size_t i = 0; i < n; i++)
                shown[i] = (unsigned char)date[i] < 0x20 ? '?' : date[i];
            shown[n] = '\0';
            rc = problem(s, QUIRE_EINVAL, line_no, "date \"%s\" is not YYYY-MM-DD", shown);
            if (rc != QUIRE_OK)
                return rc;
        }
        bool converted = false;
        if ((rc = decode_field(s, &s->conv_title, &doc->title, &doc->title_len, &converted)) ||
            (rc = decode_field(s, &s->conv_text, &doc->text, &doc->text_len, &converted)))
            return rc;
        if (converted &&
            (rc = check_converted_size(s, line_no, doc->title_len + doc->text_len)) != QUIRE_OK) {
            if (rc == NEXT_SKIP)
                continue;
            return rc;
        }
        doc->external_id = v[0].ptr;
        doc->external_id_len = v[0].len;
        doc->line = line_no;
        return QUIRE_OK;
    }
}

/* ---------------------------------------------------------------- TREC */

enum { TAG_OPEN = 1, TAG_CLOSE = 2 };

/* Find the next "<DOC>" or "</DOC>" at or after `from` (relative to pos). With `discard`,
 * the bytes passed are consumed as the scan goes, so skipping holds no memory. Returns
 * QUIRE_OK with *at (relative to pos) and *tag, NEXT_END, NEXT_TOO_LONG (not discarding,
 * past max_doc) or an error. */
static int scan_doc_tag(source *s, size_t from, bool discard, size_t *at, int *tag)
{
    reader *r = &s->r;
    for (;;) {
        const char *b = r->buf + r->pos;
        const size_t avail = r->len - r->pos;
        while (from < avail) {
            const char *lt = memchr(b + from, '<', avail - from);
            if (!lt) {
                from = avail;
                break;
            }
            const size_t off = (size_t)(lt - b);
            if (!discard && off > s->max_doc)
                return NEXT_TOO_LONG; /* a tag found beyond the limit ends no allowed <DOC> */
            if (avail - off < 6 && !r->at_eof) {
                from = off; /* decide once more bytes are in */
                break;
            }
            if (avail - off >= 5 && match_ci(lt, "<DOC>", 5)) {
                *at = off;
                *tag = TAG_OPEN;
                return QUIRE_OK;
            }
            if (avail - off >= 6 && match_ci(lt, "</DOC>", 6)) {
                *at = off;
                *tag = TAG_CLOSE;
                return QUIRE_OK;
            }
            from = off + 1;
        }
        if (discard) {
            consume(s, from);
            from = 0;
        } else if (from > s->max_doc) {
            return NEXT_TOO_LONG;
        }
        if (r->at_eof && from >= r->len - r->pos) {
            int rc = report_cut(s, "what follows the last whole document is lost");
            return rc != QUIRE_OK ? rc : NEXT_END;
        }
        size_t added;
        int rc = fill(s, &added);
        if (rc != QUIRE_OK)
            return rc;
    }
}

/* Append p[0..n) to b decoding the basic entities; unknown ones stay as they are. */
static void put_decoded(quire_buf *b, const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        if (!amp) {
            quire_buf_put(b, p, (size_t)(end - p));
            return;
        }
        quire_buf_put(b, p, (size_t)(amp - p));
        const char *semi = memchr(amp, ';', (size_t)(end - amp) < 12 ? (size_t)(end - amp) : 12);
        p = amp + 1;
        if (!semi) {
            quire_buf_put_byte(b, '&');
            continue;
        }
        const char *name = amp + 1;
        size_t len = (size_t)(semi - name);
        static const struct {
            const char *name, *text;
        } named[] = {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
        const char *text = NULL;
        for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
            if (strlen(named[i].name) == len && memcmp(named[i].name, name, len) == 0)
                text = named[i].text;
        if (text) {
            quire_buf_put_byte(b, (uint8_t)text[0]);
            p = semi + 1;
            continue;
        }
        if (len >= 2 && name[0] == '#') {
            const bool hex = name[1] == 'x' || name[1] == 'X';
            const char *d = name + 1 + hex;
            unsigned long cp = 0;
            bool ok = d < semi;
            for (; d < semi && ok; d++) {
                int v;
                if (*d >= '0' && *d <= '9')
                    v = *d - '0';
                else if (hex && *d >= 'a' && *d <= 'f')
                    v = *d - 'a' + 10;
                else if (hex && *d >= 'A' && *d <= 'F')
                    v = *d - 'A' + 10;
                else
                    ok = false, v = 0;
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                if (cp > 0x10ffff)
                    cp = 0x110000; /* stays out of range, no overflow */
            }
            if (ok) {
                if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                    cp = 0xfffd;
                uint8_t u[4];
                size_t k;
                if (cp < 0x80) {
                    u[0] = (uint8_t)cp, k = 1;
                } else if (cp < 0x800) {
                    u[0] = (uint8_t)(0xc0 | (cp >> 6));
                    u[1] = (uint8_t)(0x80 | (cp & 0x3f));
                    k = 2;
                } else if (cp < 0x10000) {
                    u[0] = (uint8_t)(0xe0 | (cp >> 12));
                    u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
                    u[2] = (uint8_t)(0x80 | (cp & 0x3f));
                    k = 3;
                } else {
                    u[0] = (uint8_t)(0xf0 | (cp >> 18));
                    u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
                    u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
                    u[3] = (uint8_t)(0x80 | (cp & 0x3f));
                    k = 4;
                }
                quire_buf_put(b, u, k);
                p = semi + 1;
                continue;
            }
        }
        quire_buf_put_byte(b, '&');
    }
}

/* Append p[0..n) to b without tags, decoding entities; a tag between two words leaves a
 * space so they stay apart. */
static void put_untagged(quire_buf *b, const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        const char *stop = lt ? lt : end;
        put_decoded(b, p, (size_t)(stop - p));
        if (!lt)
            return;
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        p = gt ? gt + 1 : end;
        if (b->len > 0 && !is_blank((char)b->data[b->len - 1]) && p < end && !is_blank(*p))
            quire_buf_put_byte(b, ' ');
    }
}

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && is_blank(**p))
        (*p)++, (*n)--;
    while (*n > 0 && is_blank((*p)[*n - 1]))
        (*n)--;
}

/* Collapse runs of blanks into one space, trim. For ids and titles. */
static void squeeze(quire_buf *b, size_t from)
{
    size_t w = from;
    bool in_blank = true;
    for (size_t i = from; i < b->len; i++) {
        char c = (char)b->data[i];
        if (is_blank(c)) {
            if (!in_blank)
                b->data[w++] = ' ';
            in_blank = true;
        } else {
            b->data[w++] = (uint8_t)c;
            in_blank = false;
        }
    }
    if (w > from && b->data[w - 1] == ' ')
        w--;
    b->len = w;
}

typedef enum trec_field { FIELD_NONE, FIELD_DOCNO, FIELD_TITLE, FIELD_DATE, FIELD_TEXT } trec_field;

static trec_field field_of(const char *name, size_t n)
{
    if (n == 5 && match_ci(name, "DOCNO", 5))
        return FIELD_DOCNO;
    if ((n == 5 && match_ci(name, "TITLE", 5)) || (n == 8 && match_ci(name, "HEADLINE", 8)))
        return FIELD_TITLE;
    if (n == 4 && match_ci(name, "DATE", 4))
        return FIELD_DATE;
    if (n == 4 && match_ci(name, "TEXT", 4))
        return FIELD_TEXT;
    return FIELD_NONE;
}

/* Find "</name" (any case) followed by '>' in [p, end). */
static const char *find_close(const char *p, const char *end, const char *name, size_t n)
{
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!lt)
            return NULL;
        if ((size_t)(end - lt) >= n + 3 && lt[1] == '/' && match_ci(lt + 2, name, n) &&
            lt[2 + n] == '>')
            return lt;
        p = lt + 1;
    }
    return NULL;
}

/* Cut the fields out of the inside of one <DOC> block into s->id, title, text. */
static void parse_trec_block(source *s, const char *p, size_t n, int32_t *date, bool *has_id)
{
    const char *end = p + n;
    bool has_text = false, has_title = false;
    s->id.len = s->title.len = s->text.len = 0;
    *date = QUIRE_NO_DATE;
    *has_id = false;
    /* One pass: the tag-free body gathers in s->text until the first <TEXT>, which
     * replaces it. */
    while (p < end) {
        const char *lt = memchr(p, '<', (size_t)(end - p));
        if (!has_text)
            put_decoded(&s->text, p, (size_t)((lt ? lt : end) - p));
        if (!lt)
            break;
        const char *name = lt + 1;
        const char *q = name;
        while (q < end && *q != '>' && !is_blank(*q) && *q != '/')
            q++;
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        if (!gt) {
            if (!has_text)
                put_decoded(&s->text, lt, (size_t)(end - lt));
            break;
        }
        trec_field f = field_of(name, (size_t)(q - name));
        if (f == FIELD_NONE || (f == FIELD_TITLE && has_title) || (f == FIELD_DOCNO && *has_id)) {
            p = gt + 1;
            if (!has_text && s->text.len > 0 && !is_blank((char)s->text.data[s->text.len - 1]) &&
                p < end && !is_blank(*p))
                quire_buf_put_byte(&s->text, ' ');
            continue;
        }
        const char *content = gt + 1;
        const char *close = find_close(content, end, name, (size_t)(q - name));
        const char *content_end = close ? close : end;
        p = close ? close + (q - name) + 3 : end; /* past "</NAME>" */
        switch (f) {
        case FIELD_DOCNO:
            put_untagged(&s->id, content, (size_t)(content_end - content));
            squeeze(&s->id, 0);
            *has_id = s->id.len > 0;
            break;
        case FIELD_TITLE:
            put_untagged(&s->title, content, (size_t)(content_end - content));
            squeeze(&s->title, 0);
            has_title = true;
            break;
        case FIELD_DATE: {
            const char *d = content;
            size_t dn = (size_t)(content_end - content);
            trim(&d, &dn);
            if (!quire_date_parse(d, dn, date))
                *date = QUIRE_NO_DATE;
            break;
        }
        case FIELD_TEXT:
            if (!has_text)
                s->text.len = 0; /* drop the body gathered so far */
            else if (s->text.len > 0)
                quire_buf_put_byte(&s->text, '\n');
            has_text = true;
            {
                const char *t = content;
                size_t tn = (size_t)(content_end - content);
                trim(&t, &tn);
                put_untagged(&s->text, t, tn);
            }
            break;
        case FIELD_NONE:
            break;
        }
    }
    if (!has_text) {
        /* The body as gathered: trim it in place. */
        const char *t = (const char *)s->text.data;
        size_t tn = s->text.len;
        if (t) {
            trim(&t, &tn);
            memmove(s->text.data, t, tn);
        }
        s->text.len = tn;
    }
}

static int next_trec(source *s, source_doc *doc)
{
    reader *r = &s->r;
    for (;;) {
        size_t at;
        int tag;
        int rc = scan_doc_tag(s, 0, true, &at, &tag);
        if (rc != QUIRE_OK)
            return rc;
        if (tag == TAG_CLOSE) {
            consume(s, at + 6);
            rc = problem(s, QUIRE_EINVAL, s->line, "</DOC> without <DOC>");
            if (rc != QUIRE_OK)
                return rc;
            continue;
        }
        consume(s, at);
        const uint64_t doc_line = s->line;
        size_t block_end, next;
        rc = scan_doc_tag(s, 5, false, &at, &tag);
        if (rc == NEXT_TOO_LONG) {
            rc = skip_problem(s, QUIRE_EINVAL, doc_line,
                              "document of more than %zu bytes, skipped%s", s->max_doc,
                              s->max_doc_why);
            if (rc != QUIRE_OK)
                return rc;
            consume(s, 5);
            rc = scan_doc_tag(s, 0, true, &at, &tag);
            if (rc == NEXT_END)
                return rc;
            if (rc != QUIRE_OK)
                return rc;
            if (tag == TAG_CLOSE)
                consume(s, at + 6);
            continue;
        }
        if (rc == NEXT_END) {
            if (r->truncated) { /* cut by the end of the data, already reported */
                consume(s, r->len - r->pos);
                return NEXT_END;
            }
            block_end = next = r->len - r->pos;
        } else if (rc != QUIRE_OK) {
            return rc;
        } else {
            block_end = at;
            next = tag == TAG_CLOSE ? at + 6 : at;
        }
        if (rc == NEXT_END || tag == TAG_OPEN) {
            rc = problem(s, QUIRE_EINVAL, doc_line, "missing </DOC>");
            if (rc != QUIRE_OK)
                return rc;
        }
        bool has_id;
        parse_trec_block(s, r->buf + r->pos + 5, block_end - 5, &doc->date, &has_id);
        consume(s, next);
        if (s->id.err || s->title.err || s->text.err)
            return out_of_memory(s);
        if (!has_id) {
            rc = skip_problem(s, QUIRE_EINVAL, doc_line, "<DOC> without <DOCNO>, skipped");
            if (rc != QUIRE_OK)
                return rc;
            continue;
        }
        doc->external_id = (const char *)s->id.data;
        doc->external_id_len = s->id.len;
        doc->title = s->title.len ? (const char *)s->title.data : "";
        doc->title_len = s->title.len;
        doc->text = s->text.len ? (const char *)s->text.data : "";
        doc->text_len = s->text.len;
        doc->line = doc_line;
        bool converted = false;
        if ((rc = decode_field(s, &s->conv_title, &doc->title, &doc->title_len, &converted)) ||
            (rc = decode_field(s, &s->conv_text, &doc->text, &doc->text_len, &converted)))
            return rc;
        if (converted &&
            (rc = check_converted_size(s, doc_line, doc->title_len + doc->text_len)) != QUIRE_OK) {
            if (rc == NEXT_SKIP)
                continue;
            return rc;
        }
        return QUIRE_OK;
    }
}

/* ---------------------------------------------------------------- plain text */

/* The end of the line starting at p (the '\n' or end). */
static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* Title rules (README "Titles of plain text files"). */
enum {
    HEADLINE_MAX = 150, /* bytes: a longer line is text */
    LABEL_MAX = 32,     /* bytes of a section label ("World") */
    LABEL_WORDS = 2,    /* words of a section label ("UK Politics"; BBC headlines have 3 or more) */
    LEDE_TITLE_MAX = 200, /* a longer first sentence is cut for the title, ending with … */
    LEDE_CUT_MIN = 60,    /* ... at a clause boundary after at least this many bytes */
};

/* Whether [p, e) ends with the UTF-8 bytes of `tail`. */
static bool ends_with_bytes(const char *p, const char *e, const char *tail)
{
    const size_t n = strlen(tail);
    return (size_t)(e - p) >= n && memcmp(e - n, tail, n) == 0;
}

/* [p, e) without the closing quotes and brackets that end it. */
static const char *strip_closers(const char *p, const char *e)
{
    for (;;) {
        if (e > p && (e[-1] == '"' || e[-1] == '\'' || e[-1] == ')' || e[-1] == ']'))
            e--;
        else if (ends_with_bytes(p, e, "\xe2\x80\x9d") || ends_with_bytes(p, e, "\xe2\x80\x99"))
            e -= 3; /* ” ’ */
        else if (ends_with_bytes(p, e, "\xc2\xbb"))
            e -= 2; /* » */
        else
            return e;
    }
}

/* Whether a line ends as text does, not as a headline: with . , ; : or … */
static bool ends_as_text(const char *p, const char *e)
{
    e = strip_closers(p, e);
    if (e == p)
        return false;
    const char c = e[-1];
    return c == '.' || c == ',' || c == ';' || c == ':' || ends_with_bytes(p, e, "\xe2\x80\xa6");
}

static uint32_t count_words(const char *p, const char *e)
{
    uint32_t n = 0;
    bool in_word = false;
    for (; p < e; p++) {
        const bool blank = is_blank(*p);
        n += !blank && !in_word;
        in_word = !blank;
    }
    return n;
}

/* A headline: one short line with a letter or a digit that does not end as text does. */
static bool is_headline(const char *p, const char *e)
{
    if (e == p || (size_t)(e - p) > HEADLINE_MAX || ends_as_text(p, e))
        return false;
    for (const char *q = p; q < e; q++)
        if ((unsigned char)*q >= 0x80 || (*q >= '0' && *q <= '9') ||
            ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z'))
            return true;
    return false;
}

/* The line at p (not blank), trimmed: [*ls, *le); returns where the line ends. */
static const char *trimmed_line(const char *p, const char *end, const char **ls, const char **le)
{
    const char *e = line_end(p, end);
    const char *t = p;
    size_t n = (size_t)(e - p);
    trim(&t, &n);
    *ls = t;
    *le = t + n;
    return e;
}

/* Past the blanks at p; *blank_line: they hold a blank line (two line ends). */
static const char *skip_blanks(const char *p, const char *end, bool *blank_line)
{
    int newlines = 0;
    while (p < end && is_blank(*p))
        newlines += *p++ == '\n';
    if (blank_line)
        *blank_line = newlines >= 2;
    return p;
}

/* Whether the '.' at q ends an abbreviation or an initial (Mr. J. etc.), not a sentence. */
static bool is_abbreviation(const char *p, const char *q)
{
    static const char *const words[] = {"Mr",  "Mrs", "Ms",  "Dr",  "St",  "Prof", "Gen",
                                        "Gov", "Sen", "Rep", "Rev", "Jr",  "Sr",   "Mt",
                                        "Inc", "Ltd", "Co",  "vs",  "etc", "No",   "Corp"};
    const char *w = q;
    while (w > p && ((w[-1] | 0x20) >= 'a' && (w[-1] | 0x20) <= 'z'))
        w--;
    const size_t n = (size_t)(q - w);
    if (n == 1 && *w >= 'A' && *w <= 'Z')
        return true; /* an initial */
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
            return true;
    return false;
}

/* The end of the first sentence of [p, end): after . ! ? or … (and the quotes closing
 * it) followed by a blank and no lower-case letter, not after an abbreviation; or at a
 * blank line; or the end. */
static const char *sentence_end(const char *p, const char *end)
{
    for (const char *q = p; q < end; q++) {
        size_t mark = 0;
        if (*q == '.' || *q == '!' || *q == '?')
            mark = 1;
        else if (end - q >= 3 && memcmp(q, "\xe2\x80\xa6", 3) == 0)
            mark = 3;
        else if (*q == '\n') {
            bool blank_line;
            (void)skip_blanks(q, end, &blank_line);
            if (blank_line)
                return q;
            continue;
        } else
            continue;
        const char *after = q + mark;
        for (;;) { /* closing quotes and brackets belong to the sentence */
            if (after < end && (*after == '"' || *after == '\'' || *after == ')'))
                after++;
            else if (end - after >= 3 && (memcmp(after, "\xe2\x80\x9d", 3) == 0 ||
                                          memcmp(after, "\xe2\x80\x99", 3) == 0))
                after += 3;
            else
                break;
        }
        if (after < end && !is_blank(*after))
            continue;
        if (*q == '.' && is_abbreviation(p, q))
            continue;
        const char *next = skip_blanks(after, end, NULL);
        if (next < end && *next >= 'a' && *next <= 'z')
            continue;
        return after;
    }
    return end;
}

/* The title of a text without a headline: its first sentence (lede), line breaks as
 * spaces, cut when longer than LEDE_TITLE_MAX at the last clause boundary (, ; : – —)
 * after LEDE_CUT_MIN bytes, else at the last space, and ended with "…". None when the
 * sentence is all the text. Built in s->title. */
static void lede_title(source *s, const char *p, const char *end, source_doc *doc)
{
    const char *e = sentence_end(p, end);
    if (skip_blanks(e, end, NULL) == end)
        return;
    const char *cut = e;
    bool cut_short = false;
    if ((size_t)(e - p) > LEDE_TITLE_MAX) {
        cut_short = true;
        cut = NULL;
        for (const char *q = p + LEDE_CUT_MIN; q < p + LEDE_TITLE_MAX; q++) {
            if ((*q == ',' || *q == ';' || *q == ':') && is_blank(q[1]))
                cut = q; /* the mark is left out */
            else if (is_blank(*q) && end - q >= 4 &&
                     (memcmp(q + 1, "\xe2\x80\x93", 3) == 0 ||
                      memcmp(q + 1, "\xe2\x80\x94", 3) == 0))
                cut = q; /* before – or — */
        }
        if (!cut)
            for (const char *q = p + LEDE_TITLE_MAX; q > p && !cut; q--)
                if (is_blank(*q))
                    cut = q;
        if (!cut)
            return;
    }
    s->title.len = 0;
    quire_buf_put(&s->title, p, (size_t)(cut - p));
    squeeze(&s->title, 0);
    if (cut_short) {
        while (s->title.len > 0 && strchr(",;:-", (char)s->title.data[s->title.len - 1]))
            s->title.len--;
        quire_buf_put(&s->title, "\xe2\x80\xa6", 3);
    }
    if (s->title.err) /* out of memory: no title rather than a failed document */
        return;
    doc->title = (const char *)s->title.data;
    doc->title_len = s->title.len;
}

/* The title of a plain text starting at p (not blank) and ending at end (README "Titles
 * of plain text files"): the first line when it is a headline and text follows; the
 * second when the first is a section label (one or two words, a blank line after) and the
 * second a longer headline with a blank line after it; else the first sentence. Never
 * taken out of the text. */
static void plain_title(source *s, const char *p, const char *end, source_doc *doc)
{
    doc->title = "";
    doc->title_len = 0;
    const char *s1, *e1, *s2 = NULL, *e2 = NULL;
    bool gap = false, gap2 = false;
    const char *after1 = skip_blanks(trimmed_line(p, end, &s1, &e1), end, &gap);
    const char *after2 = after1;
    if (after1 < end)
        after2 = skip_blanks(trimmed_line(after1, end, &s2, &e2), end, &gap2);
    /* a line that the next one continues (no blank line, a lower-case start) is prose */
    const bool continued = !gap && after1 < end && *after1 >= 'a' && *after1 <= 'z';
    if (after1 < end && !continued && is_headline(s1, e1)) {
        const uint32_t words1 = count_words(s1, e1);
        if (gap && gap2 && after2 < end && (size_t)(e1 - s1) <= LABEL_MAX &&
            words1 <= LABEL_WORDS && is_headline(s2, e2) && count_words(s2, e2) > words1) {
            doc->title = s2;
            doc->title_len = (size_t)(e2 - s2);
        } else {
            doc->title = s1;
            doc->title_len = (size_t)(e1 - s1);
        }
        return;
    }
    lede_title(s, p, end, doc);
}

static int next_plain(source *s, source_doc *doc)
{
    reader *r = &s->r;
    if (s->plain_done)
        return NEXT_END;
    s->plain_done = true;
    if (s->cur && !r->is_gz && s->cur->size > s->max_doc) {
        int rc = skip_problem(s, QUIRE_EINVAL, 0, "document of more than %zu bytes, skipped%s",
                              s->max_doc, s->max_doc_why);
        return rc != QUIRE_OK ? rc : NEXT_END;
    }
    for (;;) { /* the limit is checked after the last read too (a gzip's last inflate) */
        if (r->len - r->pos > s->max_doc) {
            int rc = skip_problem(s, QUIRE_EINVAL, 0, "document of more than %zu bytes, skipped%s",
                                  s->max_doc, s->max_doc_why);
            return rc != QUIRE_OK ? rc : NEXT_END;
        }
        if (r->at_eof)
            break;
        size_t added;
        int rc = fill(s, &added);
        if (rc != QUIRE_OK)
            return rc;
    }
    if (r->truncated) { /* a cut document is skipped whole, as every format does */
        int rc = report_cut(s, "the document is skipped");
        return rc != QUIRE_OK ? rc : NEXT_END;
    }
    const char *file = r->buf + r->pos;
    size_t file_len = r->len - r->pos;
    bool converted = false;
    int rc = decode_field(s, &s->conv_text, &file, &file_len, &converted);
    if (rc == QUIRE_OK && converted)
        rc = check_converted_size(s, 0, file_len);
    if (rc != QUIRE_OK)
        return rc == NEXT_SKIP ? NEXT_END : rc;
    const char *p = file, *end = file + file_len;
    p += skip_bom(p, (size_t)(end - p));
    const char *line_start = p; /* of the line the text starts on, after a BOM */

    /* "date YYYY-MM-DD" opening the first line. */
    doc->date = QUIRE_NO_DATE;
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t'))
        q++;
    if (end - q >= 15 && memcmp(q, "date", 4) == 0 && (q[4] == ' ' || q[4] == '\t')) {
        const char *d = q + 5;
        while (d < end && (*d == ' ' || *d == '\t'))
            d++;
        int32_t days;
        if (end - d >= 10 && (end - d == 10 || is_blank(d[10])) && quire_date_parse(d, 10, &days)) {
            doc->date = days;
            p = d + 10;
        }
    }

    /* The text: everything after the date, blanks around trimmed. */
    p = skip_blanks(p, end, NULL);
    size_t n = (size_t)(end - p);
    trim(&p, &n);
    end = p + n;
    if (n == 0) {
        rc = problem(s, QUIRE_EINVAL, 0, "empty file"); /* no document, nothing lost */
        return rc != QUIRE_OK ? rc : NEXT_END;
    }
    uint64_t line = 1;
    for (const char *nl = file; (nl = memchr(nl, '\n', (size_t)(p - nl))) != NULL; nl++) {
        line++;
        line_start = nl + 1;
    }
    uint32_t column = 1;
    for (size_t i = (size_t)(line_start - file); i < (size_t)(p - file); column++)
        (void)quire_utf8_next((const uint8_t *)file, file_len, &i);
    plain_title(s, p, end, doc);
    doc->text = p;
    doc->text_len = n;
    doc->text_line = line;
    doc->text_column = column;
    doc->text_offset = converted ? 0 : (uint64_t)(p - file);
    doc->text_verbatim = !converted;
    doc->external_id = s->path;
    doc->external_id_len = strlen(s->path);
    doc->line = 0;
    return QUIRE_OK;
}

/* ---------------------------------------------------------------- the API */

int source_next(source *s, source_doc *doc)
{
    if (!s || !doc)
        return quire_error(QUIRE_EINVAL, "source_next: bad argument");
    if (s->err)
        return s->err;
    if (s->feed) {
        const int rc = s->feed(s->feed_ctx, doc);
        if (rc < 0)
            s->err = rc;
        return rc;
    }
    for (;;) {
        int rc = QUIRE_OK;
        if (!s->file_open)
            rc = open_next(s);
        doc->text_line = doc->text_column = 0;
        doc->text_offset = 0;
        doc->text_verbatim = false;
        if (rc == QUIRE_OK) {
            switch (s->format) {
            case FORMAT_JSONL:
                rc = next_jsonl(s, doc);
                break;
            case FORMAT_TREC:
                rc = next_trec(s, doc);
                break;
            case FORMAT_PLAIN:
                rc = next_plain(s, doc);
                break;
            }
        }
        if (rc == QUIRE_OK) {
            doc->origin = s->path;
            return QUIRE_OK;
        }
        if (s->file_open)
            close_file(s);
        if (rc < 0) {
            s->err = rc;
            return rc;
        }
        if (rc == NEXT_END && s->next_entry == s->entry_count)
            return 1;
    }
}

void source_close(source *s)
{
    if (!s)
        return;
    if (s->file_open)
        close_file(s);
    quire_free(s->entries);
    quire_free(s->ancestors);
    quire_buf_free(&s->names);
    quire_buf_free(&s->id);
    quire_buf_free(&s->title);
    quire_buf_free(&s->text);
    quire_buf_free(&s->conv_title);
    quire_buf_free(&s->conv_text);
    if (s->iconv_latin1 != (iconv_t)-1)
        iconv_close(s->iconv_latin1);
    if (s->iconv_cp1252 != (iconv_t)-1)
        iconv_close(s->iconv_cp1252);
    quire_free(s->r.buf);
    quire_free(s->r.raw);
    quire_free(s->r.z);
    quire_free(s);
}

uint64_t source_bytes_read(const source *s)
{
    return s ? s->bytes_read : 0;
}

uint64_t source_bytes_total(const source *s)
{
    return s ? s->bytes_total : 0;
}

uint64_t source_warning_count(const source *s)
{
    return s ? s->warnings : 0;
}

uint64_t source_skipped_count(const source *s)
{
    return s ? s->skipped : 0;
}

/* ---------------------------------------------------------------- parts and feeds */

int source_open_feed(source **out, source_feed_fn feed, void *ctx)
{
    *out = NULL;
    source *s = quire_calloc(1, sizeof *s);
    if (!s)
        return quire_error(QUIRE_ENOMEM, "out of memory opening the inputs");
    s->names = (quire_buf)QUIRE_BUF_INIT;
    s->id = (quire_buf)QUIRE_BUF_INIT;
    s->title = (quire_buf)QUIRE_BUF_INIT;
    s->text = (quire_buf)QUIRE_BUF_INIT;
    s->conv_title = (quire_buf)QUIRE_BUF_INIT;
    s->conv_text = (quire_buf)QUIRE_BUF_INIT;
    s->iconv_latin1 = s->iconv_cp1252 = (iconv_t)-1; /* opened when first needed */
    s->r.fd = -1;
    s->range_left = UINT64_MAX;
    s->feed = feed;
    s->feed_ctx = ctx;
    *out = s;
    return QUIRE_OK;
}

size_t source_entry_count(const source *s)
{
    return s->entry_count;
}

void source_entry_info(const source *s, size_t i, const char **path, uint64_t *size,
                       bool *is_file)
{
    const entry *e = &s->entries[i];
    *path = (const char *)s->names.data + e->path_off;
    *size = e->size;
    *is_file = e->kind == ENTRY_FILE;
}

int source_open_part(source **out, const source *walk, size_t first, size_t count,
                     uint64_t start, uint64_t end, const source_opts *opts)
{
    *out = NULL;
    if (first > walk->entry_count || count > walk->entry_count - first ||
        (end > start && count != 1))
        return quire_error(QUIRE_EINVAL, "source_open_part: bad argument");
    source *s = NULL;
    int rc = source_open(&s, NULL, 0, opts);
    for (size_t i = first; i < first + count && rc == QUIRE_OK; i++) {
        const entry *w = &walk->entries[i];
        const char *path = (const char *)walk->names.data + w->path_off;
        entry *e = add_entry(s, w->kind, path);
        if (!e) {
            rc = quire_error(QUIRE_ENOMEM, "out of memory opening the inputs");
            break;
        }
        e->code = w->code;
        e->size = w->size;
        if (end > start) {
            e->range_start = start;
            e->range_end = end;
            e->size = end - start;
        }
        s->bytes_total += e->size;
        if (w->kind == ENTRY_PROBLEM) {
            const char *msg = (const char *)walk->names.data + w->msg_off;
            if (!names_put(s, msg, strlen(msg), &e->msg_off))
                rc = quire_error(QUIRE_ENOMEM, "out of memory opening the inputs");
        }
    }
    if (rc != QUIRE_OK) {
        source_close(s);
        return rc;
    }
    *out = s;
    return QUIRE_OK;
}
