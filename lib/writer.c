/*
 * writer.c - libquire's write side (include/quire/writer.h) over the indexer library: the
 * writer holds the index lock (format/'s quire_lock) from open to close; a transaction is a
 * log of the documents added, in memory and past an eighth of the memory budget in an
 * unlinked temporary file, plus the ids deleted; the commit is one indexer_run() that reads
 * the log's live documents through the indexer's document callback (indexer_opts.docs)
 * with the deleted ids as its delete list, so documents from memory are analysed,
 * inverted, merged and committed by exactly the code that indexes files.
 *
 * Files (quire_writer_add_files): a group of paths with the sequence number of its call and
 * the count of records logged before it; at the commit its documents are read through the
 * ingest library (indexer/ingest.h) between those records and the next, with the same
 * delete rule, so they have the same fields and source positions as quire-index's.
 *
 * Order within a transaction (writer.h "Order") from the indexer's rule that deletes apply
 * before the run's documents: each change gets a sequence number; a document is dropped
 * from the run when its id was deleted later in the transaction, and every deleted id goes
 * to the delete list, which removes the index's copy. So "add X, delete X" leaves no X,
 * "delete X, add X" the new X, and "add X, add X" the second (the indexer's newest-wins).
 * Memory is O(deleted ids), not O(documents).
 *
 * Log record (host-independent, little-endian): le32 body length, then the body:
 * varint seq, varint id_len, id, varint title_len, title, le32 date (int32 days or
 * QUIRE_NO_DATE), varint origin_len, origin, varint line, varint text_len, text.
 */
#include "quire/writer.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "indexer.h"
#include "ingest.h"
#include "quire/analysis.h"
#include "quire/array.h"
#include "quire/bytes.h"
#include "quire/date.h"
#include "quire/manifest.h"

/* The paths of one quire_writer_add_files() call, read at the commit after the log's
 * first `at_record` records. */
typedef struct file_group {
    char **paths; /* owned copies */
    size_t count;
    uint64_t seq;     /* of the call */
    size_t at_record; /* records added before the call */
    quire_files_options opts;
} file_group;

typedef struct deleted_id {
    char *id; /* owned, NUL-terminated */
    size_t len;
    uint64_t seq; /* of the delete */
} deleted_id;

struct quire_writer {
    char *dir;
    quire_lock *lock;
    char *language; /* owned copy of the option, or NULL */
    int keep_diacritics;
    size_t memory;
    int threads;
    int store_level;
    quire_warn_fn warn;
    void *warn_ctx;
    quire_progress_fn progress;
    void *progress_ctx;
    quire_skip_fn skip;
    void *skip_ctx;
    bool dry_run;     /* no lock, nothing written */
    bool allow_empty; /* (writer.h) */
    char max_doc_why[160]; /* the too-large warning's reason, naming the budget */
    size_t max_doc;      /* title + text bytes a document may have */
    size_t spill_at;     /* log bytes kept in memory before the file takes them */
    uint64_t generation; /* of the last commit seen (0: none yet) */
    /* the transaction */
    int err;           /* sticky: QUIRE_OK or the error that broke it */
    char err_msg[512]; /* its message, given again by every later call */
    uint64_t seq;      /* changes so far */
    quire_buf log;     /* records not in the file yet */
    FILE *spill;       /* the log's older records (unlinked file), or NULL */
    deleted_id *dels;  /* in the order given; sorted by id, then seq, at commit */
    size_t del_count, del_cap;
    file_group *groups; /* quire_writer_add_files() calls, in order */
    size_t group_count, group_cap;
    size_t records; /* records added to the log */
    /* reading the log back during the commit */
    size_t read_at;   /* next record in `log` when there is no spill file */
    quire_buf record; /* the record read from the spill file */
    quire_buf origin; /* the current document's origin, NUL-terminated */
    uint64_t live;    /* documents handed to the indexer */
    size_t records_read;
    size_t group_next; /* the next group to read */
    ingest *files;     /* groups[group_next]'s documents, being read; or NULL */
    /* the files' counts: of the groups read and closed, and their warnings */
    uint64_t files_read, files_total, files_skipped, files_warnings;
};

static int writer_fail(quire_writer *w, int rc)
{
    if (w->err == QUIRE_OK) {
        w->err = rc;
        snprintf(w->err_msg, sizeof w->err_msg, "%s", quire_errmsg());
    }
    return rc;
}

static int broken(const quire_writer *w)
{
    return quire_error(w->err, "%s", w->err_msg);
}

static void reset_transaction(quire_writer *w)
{
    w->err = QUIRE_OK;
    w->err_msg[0] = '\0';
    w->seq = 0;
    /* the buffers go too: a transaction's log may have grown to memory / 8 */
    quire_buf_free(&w->log);
    quire_buf_free(&w->record);
    quire_buf_free(&w->origin);
    if (w->spill != NULL)
        fclose(w->spill); /* unlinked at creation: closing frees its blocks */
    w->spill = NULL;
    for (size_t i = 0; i < w->del_count; i++)
        quire_free(w->dels[i].id);
    w->del_count = 0;
    for (size_t g = 0; g < w->group_count; g++) {
        for (size_t i = 0; i < w->groups[g].count; i++)
            quire_free(w->groups[g].paths[i]);
        quire_free(w->groups[g].paths);
    }
    w->group_count = 0;
    w->records = 0;
    ingest_close(w->files);
    w->files = NULL;
    w->read_at = 0;
    w->files_read = w->files_total = w->files_skipped = w->files_warnings = 0;
    w->live = 0;
    w->records_read = 0;
    w->group_next = 0;
}

static int check_language(const char *lang)
{
    char known[1024] = "";
    size_t used = 0;
    for (const char **l = quire_analyzer_languages(); *l != NULL; l++) {
        if (strcmp(*l, lang) == 0)
            return QUIRE_OK;
        const int n = snprintf(known + used, sizeof known - used, "%s%s", used ? " " : "", *l);
        if (n > 0 && (size_t)n < sizeof known - used)
            used += (size_t)n;
    }
    return quire_error(QUIRE_EINVAL, "unknown language '%s' (known: %s)", lang, known);
}

/* The index's last commit against the options: language, diacritics, analyzer rules. */
static int check_index(quire_writer *w)
{
    quire_manifest m;
    memset(&m, 0, sizeof m);
    int rc = quire_manifest_read_latest(&m, w->dir, NULL);
    if (rc == QUIRE_ENOTFOUND)
        return QUIRE_OK; /* a new index */
    if (rc != QUIRE_OK)
        return rc;
    w->generation = m.generation;
    if (w->language != NULL && strcmp(w->language, m.language) != 0)
        rc = quire_error(QUIRE_EMISMATCH,
                         "%s: index was built with language '%s', not '%s' (an index has one "
                         "language; use another index directory)",
                         w->dir, m.language, w->language);
    else if (w->keep_diacritics != -1 && (w->keep_diacritics == 1) != m.keep_diacritics)
        rc = quire_error(QUIRE_EMISMATCH, "%s: index was built with diacritics %s", w->dir,
                         m.keep_diacritics ? "kept" : "folded");
    quire_analyzer *an = NULL;
    if (rc == QUIRE_OK) {
        const quire_analyzer_opts ao = {m.language, m.keep_diacritics, 0};
        rc = quire_analyzer_new(&an, &ao);
    }
    if (rc == QUIRE_OK && strcmp(quire_analyzer_id(an), m.analyzer_id) != 0)
        rc = quire_error(QUIRE_EMISMATCH,
                         "%s: index was built by analyzer '%s'; this build's is '%s'", w->dir,
                         m.analyzer_id, quire_analyzer_id(an));
    quire_analyzer_free(an);
    quire_manifest_free(&m);
    return rc;
}

/* `in` (NULL: the defaults) as a version-2 struct in *o: a version-1 one ends at warn_ctx
 * and allows empty commits (as the library did then). */
static int take_options(quire_writer_options *o, const quire_writer_options *in)
{
    const quire_writer_options defaults = QUIRE_WRITER_OPTIONS_INIT;
    *o = defaults;
    if (in == NULL)
        return QUIRE_OK;
    if (in->version == 1) {
        memcpy(o, in, offsetof(quire_writer_options, progress));
        o->allow_empty = true;
    } else if (in->version == QUIRE_WRITER_OPTIONS_VERSION) {
        *o = *in;
    } else {
        return quire_error(QUIRE_EINVAL, "writer options version %u (this library knows 1 and 2)",
                           in->version);
    }
    if (o->memory != 0 && o->memory < ((size_t)1 << 20))
        return quire_error(QUIRE_EINVAL, "writer options: memory %zu bytes, the least is 1 MiB",
                           o->memory);
    if (o->threads < 0 || o->threads > 64)
        return quire_error(QUIRE_EINVAL, "writer options: threads %d, expected 0 to 64",
                           o->threads);
    if (o->store_level < -1 || o->store_level > 9)
        return quire_error(QUIRE_EINVAL, "writer options: store_level %d, expected -1 to 9",
                           o->store_level);
    if (o->keep_diacritics < -1 || o->keep_diacritics > 1)
        return quire_error(QUIRE_EINVAL, "writer options: keep_diacritics %d, expected -1 to 1",
                           o->keep_diacritics);
    return o->language != NULL ? check_language(o->language) : QUIRE_OK;
}

int quire_writer_options_check(const quire_writer_options *opts)
{
    quire_writer_options o;
    return take_options(&o, opts);
}

const char *const *quire_languages(void)
{
    return quire_analyzer_languages();
}

int quire_writer_open(quire_writer **out, const char *dir, const quire_writer_options *in)
{
    *out = NULL;
    if (dir == NULL || dir[0] == '\0')
        return quire_error(QUIRE_EINVAL, "quire_writer_open: no directory");
    /* before the lock, which creates the directory: a mistyped language leaves nothing */
    quire_writer_options o;
    int rc = take_options(&o, in);
    if (rc != QUIRE_OK)
        return rc;
    const quire_writer_options *opts = &o;

    quire_writer *w = quire_calloc(1, sizeof *w);
    if (w == NULL)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    const quire_buf empty = QUIRE_BUF_INIT;
    w->log = empty;
    w->record = empty;
    w->origin = empty;
    w->keep_diacritics = opts->keep_diacritics;
    w->memory = opts->memory;
    w->threads = opts->threads;
    w->store_level = opts->store_level;
    w->warn = opts->warn;
    w->warn_ctx = opts->warn_ctx;
    w->progress = opts->progress;
    w->progress_ctx = opts->progress_ctx;
    w->skip = opts->skip;
    w->skip_ctx = opts->skip_ctx;
    w->dry_run = opts->dry_run;
    w->allow_empty = opts->allow_empty;
    snprintf(w->max_doc_why, sizeof w->max_doc_why,
             " (a document is analysed whole, in about 5 bytes of memory per byte of text: the "
             "most is a sixth of %.40s)",
             opts->memory_name != NULL ? opts->memory_name : "the memory budget");
    w->dir = quire_strndup(dir, strlen(dir));
    if (opts->language != NULL)
        w->language = quire_strndup(opts->language, strlen(opts->language));
    if (w->dir == NULL || (opts->language != NULL && w->language == NULL))
        rc = quire_error(QUIRE_ENOMEM, "%s: out of memory", dir);
    if (rc == QUIRE_OK && !w->dry_run)
        rc = quire_lock_acquire(&w->lock, dir);
    if (rc == QUIRE_OK)
        rc = check_index(w);
    if (rc != QUIRE_OK) {
        quire_writer_close(w);
        return rc;
    }
    indexer_opts io;
    memset(&io, 0, sizeof io);
    io.memory = w->memory;
    w->max_doc = indexer_max_doc_bytes(&io);
    const size_t budget = w->memory != 0 ? w->memory : (size_t)1 << 30;
    w->spill_at = budget / 8;
    *out = w;
    return QUIRE_OK;
}

void quire_writer_close(quire_writer *w)
{
    if (w == NULL)
        return;
    reset_transaction(w);
    quire_free(w->dels);
    quire_free(w->groups);
    quire_lock_release(w->lock);
    quire_free(w->language);
    quire_free(w->dir);
    quire_free(w);
}

void quire_writer_abort(quire_writer *w)
{
    reset_transaction(w);
}

/* ---- the log ---- */

static int spill(quire_writer *w)
{
    if (w->spill == NULL && w->dry_run) {
        /* a dry run writes nothing in the index's directory, which may not exist */
        w->spill = tmpfile();
        if (w->spill == NULL)
            return writer_fail(w, quire_error(QUIRE_EIO, "temporary file for the transaction: %s",
                                              strerror(errno)));
    }
    if (w->spill == NULL) {
        /* in the index's directory: on the disk that will hold the index anyway, and
         * unlinked at once, so a crash leaves nothing behind */
        const size_t n = strlen(w->dir) + sizeof "/.writer-XXXXXX";
        char *path = quire_malloc(n);
        if (path == NULL)
            return writer_fail(w, quire_error(QUIRE_ENOMEM, "%s: out of memory", w->dir));
        snprintf(path, n, "%s/.writer-XXXXXX", w->dir);
        const int fd = mkstemp(path);
        if (fd >= 0)
            unlink(path);
        w->spill = fd >= 0 ? fdopen(fd, "w+b") : NULL;
        if (w->spill == NULL) {
            const int e = errno;
            if (fd >= 0)
                close(fd);
            quire_free(path);
            return writer_fail(w, quire_error(QUIRE_EIO,
                                              "%s: temporary file for the "
                                              "transaction: %s",
                                              w->dir, strerror(e)));
        }
        quire_free(path);
    }
    if (w->log.len > 0 && fwrite(w->log.data, 1, w->log.len, w->spill) != w->log.len)
        return writer_fail(w, quire_error(QUIRE_EIO,
                                          "%s: writing the transaction's temporary "
                                          "file: %s",
                                          w->dir, strerror(errno)));
    w->log.len = 0;
    return QUIRE_OK;
}

static bool has_nul(const char *s, size_t len)
{
    return memchr(s, '\0', len) != NULL;
}

int quire_writer_add(quire_writer *w, const quire_document *doc)
{
    if (w->err != QUIRE_OK)
        return broken(w);
    if (doc->version != QUIRE_DOCUMENT_VERSION)
        return quire_error(QUIRE_EINVAL, "document version %u (this library knows 1)",
                           doc->version);
    if (doc->id == NULL || doc->id_len == 0)
        return quire_error(QUIRE_EINVAL, "a document without an id");
    if (has_nul(doc->id, doc->id_len))
        return quire_error(QUIRE_EINVAL, "document id with a NUL byte");
    if ((doc->title == NULL && doc->title_len > 0) || (doc->text == NULL && doc->text_len > 0))
        return quire_error(QUIRE_EINVAL, "document %.*s: a NULL title or text with a length",
                           (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id);
    int32_t date = QUIRE_NO_DATE;
    if (doc->date != NULL && !quire_date_parse(doc->date, strlen(doc->date), &date))
        return quire_error(QUIRE_EINVAL, "document %.*s: date '%.40s' is not a YYYY-MM-DD day",
                           (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id, doc->date);
    if (doc->title_len > w->max_doc || doc->text_len > w->max_doc - doc->title_len)
        return quire_error(QUIRE_ELIMIT,
                           "document %.*s: %zu bytes; the most is %zu, a sixth of the memory "
                           "budget (a document is analysed whole, in about 5 bytes of memory "
                           "per byte of text)",
                           (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id,
                           doc->title_len + doc->text_len, w->max_doc);
    /* the format stores an origin for every document (FORMAT.md ".dmd", never empty) */
    const char *origin = doc->origin != NULL && doc->origin[0] != '\0' ? doc->origin : "(api)";
    const size_t origin_len = strlen(origin);

    quire_buf *b = &w->log;
    const size_t start = b->len;
    quire_buf_put_le32(b, 0); /* the body's length, filled below */
    quire_buf_put_varint(b, w->seq);
    quire_buf_put_str(b, doc->id, doc->id_len);
    quire_buf_put_str(b, doc->title != NULL ? doc->title : "", doc->title_len);
    quire_buf_put_le32(b, (uint32_t)date);
    quire_buf_put_str(b, origin, origin_len);
    quire_buf_put_varint(b, doc->line);
    quire_buf_put_str(b, doc->text != NULL ? doc->text : "", doc->text_len);
    if (b->err != QUIRE_OK) {
        b->len = start;
        b->err = QUIRE_OK; /* nothing of it stays: the transaction is as it was */
        return quire_error(QUIRE_ENOMEM, "document %.*s: out of memory",
                           (int)(doc->id_len > 200 ? 200 : doc->id_len), doc->id);
    }
    const size_t body = b->len - start - 4;
    if (body > UINT32_MAX) { /* max_doc is at most 1 GiB: cannot happen */
        b->len = start;
        return quire_error(QUIRE_ELIMIT, "document too large");
    }
    quire_store_le32(b->data + start, (uint32_t)body);
    w->seq++;
    w->records++;
    if (b->len > w->spill_at)
        return spill(w);
    return QUIRE_OK;
}

int quire_writer_delete(quire_writer *w, const char *id, size_t id_len)
{
    if (w->err != QUIRE_OK)
        return broken(w);
    if (id == NULL || id_len == 0)
        return quire_error(QUIRE_EINVAL, "delete: an empty id");
    if (has_nul(id, id_len))
        return quire_error(QUIRE_EINVAL, "delete: an id with a NUL byte");
    int rc = QUIRE_ARRAY_RESERVE(w->dels, w->del_count, w->del_cap, 16);
    if (rc != QUIRE_OK)
        return writer_fail(w, quire_error(rc, "delete: out of memory"));
    deleted_id *d = &w->dels[w->del_count];
    d->id = quire_strndup(id, id_len);
    if (d->id == NULL)
        return writer_fail(w, quire_error(QUIRE_ENOMEM, "delete: out of memory"));
    d->len = id_len;
    d->seq = w->seq++;
    w->del_count++;
    return QUIRE_OK;
}

_Static_assert(QUIRE_ENCODING_AUTO == (int)SOURCE_ENCODING_AUTO &&
                   QUIRE_ENCODING_UTF8 == (int)SOURCE_ENCODING_UTF8 &&
                   QUIRE_ENCODING_LATIN1 == (int)SOURCE_ENCODING_LATIN1 &&
                   QUIRE_ENCODING_CP1252 == (int)SOURCE_ENCODING_CP1252,
               "the public encodings are the sources'");

int quire_writer_add_files(quire_writer *w, const char *const *paths, size_t count,
                           const quire_files_options *opts)
{
    const quire_files_options defaults = QUIRE_FILES_OPTIONS_INIT;
    if (opts == NULL)
        opts = &defaults;
    if (w->err != QUIRE_OK)
        return broken(w);
    int rc = quire_files_check(paths, count, opts);
    if (rc != QUIRE_OK)
        return rc;
    rc = QUIRE_ARRAY_RESERVE(w->groups, w->group_count, w->group_cap, 4);
    if (rc != QUIRE_OK)
        return writer_fail(w, quire_error(rc, "add files: out of memory"));
    file_group *g = &w->groups[w->group_count];
    memset(g, 0, sizeof *g);
    g->paths = quire_calloc(count, sizeof *g->paths);
    for (size_t i = 0; g->paths != NULL && i < count; i++) {
        g->paths[i] = quire_strndup(paths[i], strlen(paths[i]));
        if (g->paths[i] == NULL)
            break;
        g->count++;
    }
    if (g->count < count) {
        for (size_t i = 0; i < g->count; i++)
            quire_free(g->paths[i]);
        quire_free(g->paths);
        return writer_fail(w, quire_error(QUIRE_ENOMEM, "add files: out of memory"));
    }
    g->seq = w->seq++;
    g->at_record = w->records;
    g->opts = *opts;
    w->group_count++;
    return QUIRE_OK;
}

/* ---- the commit ---- */

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    const int c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

static int cmp_deleted(const void *pa, const void *pb)
{
    const deleted_id *a = pa, *b = pb;
    const int c = cmp_bytes(a->id, a->len, b->id, b->len);
    return c != 0 ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* Sort the deletes by id and keep each id's last one. */
static void unique_deletes(quire_writer *w)
{
    if (w->del_count == 0)
        return;
    qsort(w->dels, w->del_count, sizeof *w->dels, cmp_deleted);
    size_t out = 0;
    for (size_t i = 0; i < w->del_count; i++) {
        if (out > 0 && cmp_bytes(w->dels[out - 1].id, w->dels[out - 1].len, w->dels[i].id,
                                 w->dels[i].len) == 0) {
            quire_free(w->dels[out - 1].id); /* the later (higher seq) one stays */
            w->dels[out - 1] = w->dels[i];
        } else {
            w->dels[out++] = w->dels[i];
        }
    }
    w->del_count = out;
}

/* The sequence number of the last delete of this id, or 0 and false if none. */
static bool deleted_after(const quire_writer *w, const char *id, size_t len, uint64_t seq)
{
    size_t lo = 0, hi = w->del_count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const int c = cmp_bytes(w->dels[mid].id, w->dels[mid].len, id, len);
        if (c == 0)
            return w->dels[mid].seq > seq;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The next record's body: from the spill file (which then holds the whole log) or from
 * memory. QUIRE_OK with the body in [*p, *end), 1 at the end, or an error. */
static int next_record(quire_writer *w, const uint8_t **p, const uint8_t **end)
{
    uint8_t head[4];
    if (w->spill == NULL) {
        if (w->read_at == w->log.len)
            return 1;
        const uint32_t n = quire_load_le32(w->log.data + w->read_at);
        *p = w->log.data + w->read_at + 4;
        *end = *p + n;
        w->read_at += 4 + (size_t)n;
        return QUIRE_OK;
    }
    const size_t got = fread(head, 1, sizeof head, w->spill);
    if (got == 0 && feof(w->spill))
        return 1;
    const uint32_t n = got == sizeof head ? quire_load_le32(head) : 0;
    w->record.len = 0;
    if (got == sizeof head && quire_buf_reserve(&w->record, n) &&
        fread(w->record.data, 1, n, w->spill) == n) {
        w->record.len = n;
        *p = w->record.data;
        *end = *p + n;
        return QUIRE_OK;
    }
    if (w->record.err != QUIRE_OK)
        return quire_error(QUIRE_ENOMEM, "%s: out of memory reading the transaction", w->dir);
    return quire_error(QUIRE_EIO, "%s: reading the transaction's temporary file: %s", w->dir,
                       ferror(w->spill) ? strerror(errno) : "cut short");
}

static int get_str(const uint8_t **p, const uint8_t *end, const char **s, size_t *len)
{
    uint64_t n;
    if (quire_varint_get(&n, p, end) != QUIRE_OK || n > (uint64_t)(end - *p))
        return QUIRE_ECORRUPT;
    *s = (const char *)*p;
    *len = (size_t)n;
    *p += n;
    return QUIRE_OK;
}

/* indexer_doc_fn: the log's documents that no later delete drops, in order. */
static void forward_warning(void *ctx, const char *message);

/* A warning of the files (counted here: the indexer counts only its own). */
static void file_warning(void *ctx, const char *message)
{
    quire_writer *w = ctx;
    w->files_warnings++;
    forward_warning(w, message);
}

/* Something of the files lost (source_skip_fn). */
static void file_skip(void *ctx, const char *path, uint64_t line, const char *reason)
{
    const quire_writer *w = ctx;
    if (w->skip != NULL)
        w->skip(w->skip_ctx, QUIRE_SKIP_INPUT, path, line, reason);
}

/* The files' counts so far (indexer_opts.docs_counts): the groups read, and the one being
 * read. */
static void file_counts(void *ctx, uint64_t *bytes_read, uint64_t *bytes_total, uint64_t *skipped)
{
    const quire_writer *w = ctx;
    *bytes_read = w->files_read + (w->files ? ingest_bytes_read(w->files) : 0);
    *bytes_total = w->files_total + (w->files ? ingest_bytes_total(w->files) : 0);
    *skipped = w->files_skipped + (w->files ? ingest_skipped_count(w->files) : 0);
}


/* The next document of the files of groups[group_next], opened at its first call: QUIRE_OK,
 * 1 when the group is done (closed, group_next moved on), or an error. */
static int next_file_doc(quire_writer *w, source_doc *doc)
{
    const file_group *g = &w->groups[w->group_next];
    int rc = QUIRE_OK;
    if (w->files == NULL) {
        const ingest_opts io = {.inputs = (const char *const *)g->paths,
                                .input_count = g->count,
                                .allow_missing = g->opts.allow_missing,
                                .stop_on_error = g->opts.stop_on_error,
                                .encoding = (source_encoding)g->opts.encoding,
                                .max_doc_bytes = w->max_doc,
                                .max_doc_why = w->max_doc_why,
                                .warn = file_warning,
                                .warn_ctx = w,
                                .skip = file_skip,
                                .skip_ctx = w};
        rc = ingest_open(&w->files, &io);
    }
    while (rc == QUIRE_OK) {
        rc = ingest_next(w->files, doc);
        if (rc == QUIRE_OK && deleted_after(w, doc->external_id, doc->external_id_len, g->seq))
            continue;
        break;
    }
    if (rc == 1) {
        w->files_read += ingest_bytes_read(w->files);
        w->files_total += ingest_bytes_total(w->files);
        w->files_skipped += ingest_skipped_count(w->files);
        ingest_close(w->files);
        w->files = NULL;
        w->group_next++;
    }
    return rc;
}

static int next_doc(void *ctx, source_doc *doc)
{
    quire_writer *w = ctx;
    for (;;) {
        /* a group of files takes its place among the records: after the ones added before
         * its call */
        if (w->group_next < w->group_count &&
            w->groups[w->group_next].at_record == w->records_read) {
            const int frc = next_file_doc(w, doc);
            if (frc == 1)
                continue;
            if (frc == QUIRE_OK)
                w->live++;
            return frc;
        }
        const uint8_t *p = NULL, *end = NULL;
        const int rc = next_record(w, &p, &end);
        if (rc != QUIRE_OK)
            return rc;
        w->records_read++;
        uint64_t seq, line;
        const char *origin;
        size_t origin_len;
        if (quire_varint_get(&seq, &p, end) != QUIRE_OK ||
            get_str(&p, end, &doc->external_id, &doc->external_id_len) != QUIRE_OK ||
            get_str(&p, end, &doc->title, &doc->title_len) != QUIRE_OK || end - p < 4)
            return quire_error(QUIRE_EIO, "%s: the transaction's log is damaged", w->dir);
        doc->date = (int32_t)quire_load_le32(p);
        p += 4;
        if (get_str(&p, end, &origin, &origin_len) != QUIRE_OK ||
            quire_varint_get(&line, &p, end) != QUIRE_OK ||
            get_str(&p, end, &doc->text, &doc->text_len) != QUIRE_OK || p != end)
            return quire_error(QUIRE_EIO, "%s: the transaction's log is damaged", w->dir);
        if (deleted_after(w, doc->external_id, doc->external_id_len, seq))
            continue;
        /* the origin is followed in the log by the line's varint, not a NUL: the indexer
         * wants a C string, so it is the one field copied */
        w->origin.len = 0;
        quire_buf_put(&w->origin, origin, origin_len);
        quire_buf_put_byte(&w->origin, 0);
        if (w->origin.err != QUIRE_OK)
            return quire_error(QUIRE_ENOMEM, "%s: out of memory reading the transaction", w->dir);
        doc->origin = (const char *)w->origin.data;
        doc->line = line;
        w->live++;
        return QUIRE_OK;
    }
}

static void forward_warning(void *ctx, const char *message)
{
    const quire_writer *w = ctx;
    if (w->warn != NULL)
        w->warn(w->warn_ctx, message);
}

static void forward_progress(void *ctx, const indexer_progress *p)
{
    const quire_writer *w = ctx;
    const quire_progress q = {p->docs, p->bytes_read, p->bytes_total, p->seconds, p->final};
    w->progress(w->progress_ctx, &q);
}

static void forward_skip(void *ctx, indexer_skip_kind kind, const char *what, uint64_t line,
                         const char *reason)
{
    const quire_writer *w = ctx;
    /* the indexer reads no files here (the writer's own ingest does): only deletes */
    if (w->skip != NULL && kind == INDEXER_DELETE_NOT_FOUND)
        w->skip(w->skip_ctx, QUIRE_SKIP_DELETE_MISSING, what, line, reason);
}

static int commit(quire_writer *w, quire_commit_info *info, bool optimize)
{
    if (info != NULL && info->version != 1 && info->version != QUIRE_COMMIT_INFO_VERSION)
        return quire_error(QUIRE_EINVAL, "commit info version %u (this library knows 1 and 2)",
                           info->version);
    int rc = w->err != QUIRE_OK ? broken(w) : QUIRE_OK;
    if (rc == QUIRE_OK && w->spill != NULL) {
        rc = spill(w); /* the rest of the log, so the file holds all of it, in order */
        if (rc == QUIRE_OK && (fflush(w->spill) != 0 || fseek(w->spill, 0, SEEK_SET) != 0))
            rc = quire_error(QUIRE_EIO, "%s: the transaction's temporary file: %s", w->dir,
                             strerror(errno));
    }
    const char **ids = NULL;
    if (rc == QUIRE_OK) {
        unique_deletes(w);
        ids = quire_calloc(w->del_count + 1, sizeof *ids);
        if (ids == NULL)
            rc = quire_error(QUIRE_ENOMEM, "%s: out of memory", w->dir);
        for (size_t i = 0; ids != NULL && i < w->del_count; i++)
            ids[i] = w->dels[i].id;
    }
    indexer_summary sum;
    memset(&sum, 0, sizeof sum);
    if (rc == QUIRE_OK) {
        indexer_opts o;
        memset(&o, 0, sizeof o);
        o.index_dir = w->dir;
        o.language = w->language;
        o.keep_diacritics = w->keep_diacritics;
        o.memory = w->memory;
        o.threads = w->threads;
        o.zlib_level = w->store_level;
        o.delete_ids = ids;
        o.delete_count = w->del_count;
        o.optimize = optimize;
        o.warn = forward_warning;
        o.warn_ctx = w;
        o.docs = next_doc;
        o.docs_ctx = w;
        o.lock_held = true;
        o.dry_run = w->dry_run;
        o.allow_empty = w->allow_empty;
        o.on_skip = forward_skip;
        o.skip_ctx = w;
        if (w->progress != NULL) {
            o.progress = forward_progress;
            o.progress_ctx = w;
        }
        for (size_t g = 0; g < w->group_count; g++)
            o.docs_input_count += w->groups[g].count;
        o.docs_counts = file_counts;
        rc = indexer_run(&o, &sum);
    }
    quire_free(ids);
    sum.warnings += w->files_warnings;
    reset_transaction(w);
    if (rc != QUIRE_OK)
        return rc;
    uint32_t segments = sum.segments;
    if (sum.generation != 0 && !w->dry_run) {
        w->generation = sum.generation;
    } else { /* nothing to commit: the last commit stands, say what it holds */
        quire_manifest m;
        memset(&m, 0, sizeof m);
        if (quire_manifest_read_latest(&m, w->dir, NULL) == QUIRE_OK)
            segments = m.segment_count;
        quire_manifest_free(&m);
    }
    if (info != NULL) {
        info->generation = w->generation;
        info->docs_added = sum.docs_added;
        info->docs_replaced = sum.docs_replaced;
        info->docs_deleted = sum.docs_deleted;
        info->deletes_missing = sum.delete_missing;
        info->tokens = sum.tokens;
        info->invalid_utf8 = sum.invalid_utf8;
        info->merges = sum.merges;
        info->segments = segments;
    }
    if (info != NULL && info->version >= 2) {
        info->committed = sum.committed;
        info->docs_skipped = sum.docs_skipped;
        info->warnings = sum.warnings;
        info->input_bytes = sum.input_bytes;
        info->text_bytes = sum.text_bytes;
        info->segments_flushed = sum.segments_flushed;
        info->stem_calls = sum.stem_calls;
        info->stem_hits = sum.stem_hits;
        info->seconds = sum.seconds;
    }
    return QUIRE_OK;
}

int quire_writer_commit(quire_writer *w, quire_commit_info *info)
{
    return commit(w, info, false);
}

int quire_writer_optimize(quire_writer *w, quire_commit_info *info)
{
    return commit(w, info, true);
}

/* ---- files without a writer ---- */

static int check_files_args(const char *const *paths, size_t count, const quire_files_options *opts)
{
    if (opts->version != QUIRE_FILES_OPTIONS_VERSION)
        return quire_error(QUIRE_EINVAL, "files options version %u (this library knows 1)",
                           opts->version);
    if (opts->encoding < QUIRE_ENCODING_AUTO || opts->encoding > QUIRE_ENCODING_CP1252)
        return quire_error(QUIRE_EINVAL, "files options: encoding %d, expected 0 to 3",
                           opts->encoding);
    if (paths == NULL || count == 0)
        return quire_error(QUIRE_EINVAL, "add files: no paths");
    for (size_t i = 0; i < count; i++)
        if (paths[i] == NULL || paths[i][0] == '\0')
            return quire_error(QUIRE_EINVAL, "add files: path %zu is empty", i + 1);
    return QUIRE_OK;
}

int quire_files_check(const char *const *paths, size_t count, const quire_files_options *opts)
{
    const quire_files_options defaults = QUIRE_FILES_OPTIONS_INIT;
    if (opts == NULL)
        opts = &defaults;
    const int rc = check_files_args(paths, count, opts);
    return rc != QUIRE_OK ? rc : ingest_check_inputs(paths, count, opts->allow_missing);
}

int quire_files_read(const char *const *paths, size_t count, const quire_files_options *opts,
                     quire_document_fn each, void *ctx, quire_warn_fn warn, void *warn_ctx,
                     uint64_t *skipped)
{
    const quire_files_options defaults = QUIRE_FILES_OPTIONS_INIT;
    if (opts == NULL)
        opts = &defaults;
    if (skipped != NULL)
        *skipped = 0;
    int rc = quire_files_check(paths, count, opts);
    if (rc != QUIRE_OK)
        return rc;
    ingest *in = NULL;
    const ingest_opts io = {.inputs = paths,
                            .input_count = count,
                            .allow_missing = opts->allow_missing,
                            .stop_on_error = opts->stop_on_error,
                            .encoding = (source_encoding)opts->encoding,
                            .warn = warn,
                            .warn_ctx = warn_ctx};
    rc = ingest_open(&in, &io);
    source_doc d;
    while (rc == QUIRE_OK && (rc = ingest_next(in, &d)) == QUIRE_OK) {
        char day[11];
        if (d.date != QUIRE_NO_DATE)
            quire_date_format(d.date, day);
        const quire_document doc = {QUIRE_DOCUMENT_VERSION,
                                    d.external_id,
                                    d.external_id_len,
                                    d.title,
                                    d.title_len,
                                    d.date != QUIRE_NO_DATE ? day : NULL,
                                    d.text,
                                    d.text_len,
                                    d.origin,
                                    d.line};
        rc = each(ctx, &doc);
    }
    if (rc == 1)
        rc = QUIRE_OK; /* the end */
    if (in != NULL && skipped != NULL)
        *skipped = ingest_skipped_count(in);
    ingest_close(in);
    return rc;
}
