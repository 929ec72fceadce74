/*
 * manifest.c - manifests (FORMAT.md "Manifest"), the commit protocol, cleanup of files no
 * commit needs, and the writer lock.
 *
 * A manifest file: the 24-byte frame header (kind "MAN ", owner id = generation), then
 *   next_segment_id u64 | analyzer_id str | language str | keep_diacritics u8 |
 *   segment_count u32 | per segment: id u64, doc_count u32, total_tokens u64,
 *   deletes_gen u64, deleted_count u32, deleted_tokens u64 |
 *   CRC-32 u32 of every byte before it.
 * (str = u32 length + bytes.)
 */
#include "quire/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "framing.h"
#include "quire/array.h"
#include "quire/bytes.h"
#include "quire/deletes.h"
#include "quire/fileio.h"
#include "quire/segment.h"

#define MANIFEST_PREFIX "manifest-"
#define MAX_SEGMENTS    1000000u

void quire_manifest_free(quire_manifest *m)
{
    if (!m)
        return;
    quire_free(m->analyzer_id);
    quire_free(m->language);
    quire_free(m->segments);
    memset(m, 0, sizeof *m);
}

int quire_manifest_copy(quire_manifest *dst, const quire_manifest *src)
{
    memset(dst, 0, sizeof *dst);
    *dst = *src;
    dst->analyzer_id =
        src->analyzer_id ? quire_strndup(src->analyzer_id, strlen(src->analyzer_id)) : NULL;
    dst->language = src->language ? quire_strndup(src->language, strlen(src->language)) : NULL;
    dst->segments = quire_malloc((src->segment_count + 1) * sizeof *dst->segments);
    if ((src->analyzer_id && !dst->analyzer_id) || (src->language && !dst->language) ||
        !dst->segments) {
        quire_manifest_free(dst);
        return quire_oom();
    }
    if (src->segment_count)
        memcpy(dst->segments, src->segments, src->segment_count * sizeof *dst->segments);
    return QUIRE_OK;
}

static void put_str32(quire_buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    quire_buf_put_le32(b, (uint32_t)n);
    quire_buf_put(b, s, n);
}

static int encode(quire_buf *b, const quire_manifest *m)
{
    uint8_t h[FRAME_HEADER_LEN];
    memcpy(h, "QUIRMAN ", 8);
    quire_store_le32(h + 8, QUIRE_FORMAT_VERSION);
    quire_store_le32(h + 12, 0);
    quire_store_le64(h + 16, m->generation);
    quire_buf_put(b, h, sizeof h);
    quire_buf_put_le64(b, m->next_segment_id);
    put_str32(b, m->analyzer_id);
    put_str32(b, m->language);
    quire_buf_put_byte(b, m->keep_diacritics ? 1 : 0);
    quire_buf_put_le32(b, m->segment_count);
    for (uint32_t i = 0; i < m->segment_count; i++) {
        const quire_manifest_segment *s = &m->segments[i];
        quire_buf_put_le64(b, s->id);
        quire_buf_put_le32(b, s->doc_count);
        quire_buf_put_le64(b, s->total_tokens);
        quire_buf_put_le64(b, s->deletes_gen);
        quire_buf_put_le32(b, s->deleted_count);
        quire_buf_put_le64(b, s->deleted_tokens);
    }
    if (b->err)
        return quire_oom();
    quire_buf_put_le32(b, quire_crc32(0, b->data, b->len));
    return b->err ? quire_oom() : QUIRE_OK;
}

typedef struct reader {
    const uint8_t *p, *end;
    bool bad;   /* the bytes are not a manifest */
    bool nomem; /* an allocation failed: says nothing about the bytes */
} reader;

static uint64_t take(reader *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return 0;
    }
    uint64_t v = n == 1 ? r->p[0] : n == 4 ? quire_load_le32(r->p) : quire_load_le64(r->p);
    r->p += n;
    return v;
}

static char *take_str(reader *r)
{
    uint32_t n = (uint32_t)take(r, 4);
    if (r->bad || n > 4096 || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    char *s = quire_strndup((const char *)r->p, n);
    r->p += n;
    if (!s)
        r->nomem = true;
    return s;
}

int quire_manifest_parse(quire_manifest *m, const uint8_t *bytes, size_t len, const char *name)
{
    memset(m, 0, sizeof *m);
    if (len < FRAME_HEADER_LEN + 4)
        return quire_corrupt("%s: truncated (%zu bytes)", name, len);
    if (memcmp(bytes, "QUIRMAN ", 8) != 0)
        return quire_corrupt("%s: not a quire manifest (bad magic)", name);
    if (quire_load_le32(bytes + len - 4) != quire_crc32(0, bytes, len - 4))
        return quire_corrupt("%s: checksum mismatch (damaged or truncated)", name);
    if (quire_load_le32(bytes + 12) != 0)
        return quire_corrupt("%s: unknown manifest flags", name);
    uint32_t version = quire_load_le32(bytes + 8);
    if (version < QUIRE_FORMAT_MIN_VERSION || version > QUIRE_FORMAT_VERSION)
        return quire_error(QUIRE_EVERSION,
                           "%s: format version %u, this build reads versions %u to %u", name,
                           version, QUIRE_FORMAT_MIN_VERSION, QUIRE_FORMAT_VERSION);
    m->generation = quire_load_le64(bytes + 16);
    reader r = {bytes + FRAME_HEADER_LEN, bytes + len - 4, false, false};
    m->next_segment_id = take(&r, 8);
    m->analyzer_id = take_str(&r);
    m->language = take_str(&r);
    m->keep_diacritics = take(&r, 1) != 0;
    uint64_t n = take(&r, 4);
    if (!r.bad && n <= MAX_SEGMENTS && n * 40 <= (uint64_t)(r.end - r.p)) {
        m->segments = quire_calloc(n + 1, sizeof *m->segments);
        if (!m->segments) {
            quire_manifest_free(m);
            return quire_oom();
        }
        m->segment_count = (uint32_t)n;
        for (uint32_t i = 0; i < n; i++) {
            quire_manifest_segment *s = &m->segments[i];
            s->id = take(&r, 8);
            s->doc_count = (uint32_t)take(&r, 4);
            s->total_tokens = take(&r, 8);
            s->deletes_gen = take(&r, 8);
            s->deleted_count = (uint32_t)take(&r, 4);
            s->deleted_tokens = take(&r, 8);
            /* deletions: none in version 1; a deletion file exactly when something is
             * deleted, written by this commit or an older one; never every document (a
             * segment with nothing live is dropped from the manifest) */
            if (s->id >= m->next_segment_id ||
                (s->deleted_count && s->deleted_count >= s->doc_count) ||
                s->deleted_tokens > s->total_tokens || (i > 0 && s->id <= m->segments[i - 1].id) ||
                (s->deletes_gen != 0) != (s->deleted_count != 0) ||
                (s->deleted_count == 0 && s->deleted_tokens != 0) ||
                s->deletes_gen > m->generation || (version < 2 && s->deletes_gen != 0))
                r.bad = true;
        }
    } else {
        r.bad = true;
    }
    if (r.nomem && !r.bad) {
        quire_manifest_free(m);
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", name);
    }
    if (r.bad || r.p != r.end || m->generation == 0 || !m->analyzer_id || !m->language) {
        quire_manifest_free(m);
        return quire_corrupt("%s: malformed manifest", name);
    }
    return QUIRE_OK;
}

static bool parse_manifest_name(const char *name, uint64_t *gen)
{
    size_t plen = strlen(MANIFEST_PREFIX);
    if (strncmp(name, MANIFEST_PREFIX, plen) != 0 || strlen(name) != plen + 16)
        return false;
    uint64_t v = 0;
    for (const char *c = name + plen; *c; c++) {
        int d = (*c >= '0' && *c <= '9') ? *c - '0' : (*c >= 'a' && *c <= 'f') ? *c - 'a' + 10 : -1;
        if (d < 0)
            return false;
        v = v * 16 + (uint64_t)d;
    }
    *gen = v;
    return v > 0;
}

static int cmp_desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Generations of the manifests in dir, newest first. */
static int list_generations(const char *dir, uint64_t **gens, size_t *count)
{
    *gens = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return quire_error(errno == ENOENT ? QUIRE_ENOTFOUND : QUIRE_EIO, "%s: %s", dir,
                           strerror(errno));
    size_t cap = 0;
    int rc = QUIRE_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t g;
        if (!parse_manifest_name(e->d_name, &g))
            continue;
        rc = QUIRE_ARRAY_RESERVE(*gens, *count, cap, 8);
        if (rc != QUIRE_OK)
            break;
        (*gens)[(*count)++] = g;
    }
    closedir(d);
    if (rc == QUIRE_OK && *count > 1)
        qsort(*gens, *count, sizeof **gens, cmp_desc);
    return rc;
}

int quire_manifest_highest_generation(const char *dir, uint64_t *gen)
{
    uint64_t *gens;
    size_t count;
    *gen = 0;
    int rc = list_generations(dir, &gens, &count);
    if (rc == QUIRE_ENOTFOUND)
        return QUIRE_OK;
    if (rc == QUIRE_OK && count > 0)
        *gen = gens[0]; /* newest first */
    quire_free(gens);
    return rc;
}

static void manifest_path(char *out, size_t cap, const char *dir, uint64_t gen)
{
    snprintf(out, cap, "%s/" MANIFEST_PREFIX "%016" PRIx64, dir, gen);
}

int quire_manifest_read_latest(quire_manifest *m, const char *dir, uint32_t *skipped)
{
    memset(m, 0, sizeof *m);
    if (skipped)
        *skipped = 0;
    uint64_t *gens;
    size_t count;
    int rc = list_generations(dir, &gens, &count);
    if (rc != QUIRE_OK)
        return rc;
    if (count == 0) {
        quire_free(gens);
        return quire_error(QUIRE_ENOTFOUND, "%s: not a quire index (no manifest)", dir);
    }
    char first_bad[600] = "";
    rc = QUIRE_ENOTFOUND;
    for (size_t i = 0; i < count; i++) {
        char path[4096];
        manifest_path(path, sizeof path, dir, gens[i]);
        quire_buf b = QUIRE_BUF_INIT;
        rc = quire_read_file(&b, path);
        if (rc == QUIRE_OK)
            rc = quire_manifest_parse(m, b.data, b.len, path);
        quire_buf_free(&b);
        if (rc == QUIRE_OK && m->generation != gens[i]) {
            quire_manifest_free(m);
            rc = quire_corrupt("%s: names generation %llu", path, (unsigned long long)gens[i]);
        }
        if (rc == QUIRE_OK)
            break;
        if (rc == QUIRE_ENOMEM)
            break;
        if (!first_bad[0])
            snprintf(first_bad, sizeof first_bad, "%s", quire_errmsg());
        if (skipped)
            (*skipped)++;
    }
    quire_free(gens);
    if (rc == QUIRE_OK && first_bad[0])
        quire_error(QUIRE_ECORRUPT, "%s; opened the previous generation", first_bad);
    else if (rc != QUIRE_OK && rc != QUIRE_ENOMEM)
        rc = quire_corrupt("%s: no readable manifest (%s)", dir, first_bad);
    return rc;
}

int quire_manifest_commit(const char *dir, const quire_manifest *m)
{
    char tmp[4200], final[4096];
    manifest_path(final, sizeof final, dir, m->generation);
    snprintf(tmp, sizeof tmp, "%s.tmp", final);
    unlink(tmp); /* a leftover of an interrupted commit of this very generation */
    quire_buf b = QUIRE_BUF_INIT;
    int rc = encode(&b, m);
    quire_sink s;
    if (rc == QUIRE_OK)
        rc = quire_sink_open(&s, tmp);
    if (rc == QUIRE_OK) {
        quire_sink_write(&s, b.data, b.len);
        rc = quire_sink_finish(&s); /* fsyncs */
        if (rc != QUIRE_OK)
            unlink(tmp);
    }
    quire_buf_free(&b);
    if (rc != QUIRE_OK)
        return rc;
    if (rename(tmp, final) != 0) {
        rc = quire_error(QUIRE_EIO, "%s: rename: %s", final, strerror(errno));
        unlink(tmp);
        return rc;
    }
    return quire_fsync_dir(dir);
}

static bool has_generation(const uint64_t *gens, size_t n, uint64_t g)
{
    for (size_t i = 0; i < n; i++)
        if (gens[i] == g)
            return true;
    return false;
}

static bool deletes_needed(const quire_manifest *m, uint64_t id, uint64_t gen)
{
    if (!m)
        return false;
    for (uint32_t i = 0; i < m->segment_count; i++)
        if (m->segments[i].id == id && m->segments[i].deletes_gen == gen)
            return true;
    return false;
}

static bool segment_needed(const quire_manifest *m, uint64_t id)
{
    if (!m)
        return false;
    for (uint32_t i = 0; i < m->segment_count; i++)
        if (m->segments[i].id == id)
            return true;
    return false;
}

/* "seg-<8 to 16 lowercase hex>.<one of the six extensions, or ids>" -> id. Anything else (a
 * user's "seg-00000001.ter.bak") is not ours to remove. */
static bool parse_segment_name(const char *name, uint64_t *id)
{
    if (strncmp(name, "seg-", 4) != 0)
        return false;
    uint64_t v = 0;
    const char *c = name + 4;
    for (; (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f'); c++)
        v = v * 16 + (uint64_t)(*c <= '9' ? *c - '0' : *c - 'a' + 10);
    size_t digits = (size_t)(c - (name + 4));
    if (digits < 8 || digits > 16 || *c != '.')
        return false;
    for (int i = 0; i < QUIRE_SEG_FILE_COUNT; i++)
        if (strcmp(c + 1, quire_segment_file_ext[i]) == 0) {
            *id = v;
            return true;
        }
    if (strcmp(c + 1, "ids") == 0 || /* the segment's id index (FORMAT.md "Id index") */
        strcmp(c + 1, "rvd") == 0) { /* its reversed forms (FORMAT.md "Reversed forms") */
        *id = v;
        return true;
    }
    return false;
}

int quire_index_cleanup(const char *dir, const quire_manifest *current,
                        const quire_manifest *previous, uint32_t *removed)
{
    if (removed)
        *removed = 0;
    uint64_t *gens = NULL;
    size_t ngens = 0;
    int rc = list_generations(dir, &gens, &ngens);
    if (rc != QUIRE_OK)
        return rc;
    DIR *d = opendir(dir);
    if (!d) {
        quire_free(gens);
        return quire_error(QUIRE_EIO, "%s: %s", dir, strerror(errno));
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        bool drop = false;
        uint64_t v, g;
        size_t nl = strlen(n);
        if (parse_manifest_name(n, &v))
            /* never a newer one: it may be a damaged newest commit a reader skipped, kept
             * for inspection, and its number must stay taken */
            drop = v < current->generation && !(previous && v == previous->generation);
        else if (parse_segment_name(n, &v))
            drop = !segment_needed(current, v) && !segment_needed(previous, v);
        else if (quire_deletes_parse_name(n, &v, &g))
            /* one newer than the commit belongs to a damaged newer manifest (kept, like
             * that manifest) or, with no such manifest, to a run that never committed */
            drop = g <= current->generation
                       ? !deletes_needed(current, v, g) && !deletes_needed(previous, v, g)
                       : !has_generation(gens, ngens, g);
        else if (nl > 4 && strcmp(n + nl - 4, ".tmp") == 0 &&
                 strncmp(n, MANIFEST_PREFIX, strlen(MANIFEST_PREFIX)) == 0)
            drop = true;
        if (!drop)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, n);
        if (unlink(path) == 0 && removed)
            (*removed)++;
    }
    closedir(d);
    quire_free(gens);
    return QUIRE_OK;
}

struct quire_lock {
    int fd;
};

/* mkdir -p: create `dir` and its missing parents. */
static int make_dirs(const char *dir)
{
    char path[4096];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof path)
        return quire_error(QUIRE_EINVAL, "%s: bad index directory name", dir);
    memcpy(path, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        if (path[i - 1] == '/')
            continue; /* "a//b", or a trailing slash */
        char c = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) != 0) {
            int err = errno;
            struct stat st;
            if (err == EEXIST && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)))
                err = ENOTDIR; /* a file where a directory should be */
            if (err != EEXIST)
                return quire_error(QUIRE_EIO, "%s: %s", path, strerror(err));
        }
        path[i] = c;
    }
    return QUIRE_OK;
}

int quire_lock_acquire(quire_lock **out, const char *dir)
{
    *out = NULL;
    int rc = make_dirs(dir);
    if (rc != QUIRE_OK)
        return rc;
    char path[4096];
    snprintf(path, sizeof path, "%s/LOCK", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return quire_error(QUIRE_EIO, "%s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        if (n > 0)
            pid[n] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (err == EWOULDBLOCK)
            return quire_error(QUIRE_ELOCKED,
                               "%s: index is locked by another writer (pid %s); only one "
                               "quire-index may write an index at a time",
                               dir, pid[0] ? pid : "unknown");
        return quire_error(QUIRE_EIO, "%s: lock: %s", path, strerror(err));
    }
    quire_lock *l = quire_malloc(sizeof *l);
    if (!l) {
        close(fd);
        return quire_oom();
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        /* the pid is only for messages; the flock is what excludes */
    }
    l->fd = fd;
    *out = l;
    return QUIRE_OK;
}

void quire_lock_release(quire_lock *lock)
{
    if (!lock)
        return;
    close(lock->fd); /* drops the flock */
    quire_free(lock);
}
