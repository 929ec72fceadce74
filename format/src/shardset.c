/*
 * shardset.c - the shard set's manifest (FORMAT.md "Shard set (shardset)"):
 *
 *   "QUIRSHD1"[8] version:le32 shard_count:le32 hash:le32 keep_diacritics:u8
 *   analyzer_id:(le32 len, bytes) language:(le32 len, bytes) crc:le32 (of all before)
 */
#include "quire/shardset.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/fileio.h"
#include "quire/ids.h"
#include "quire/manifest.h"

#define SHARDSET_MAGIC   "QUIRSHD1"
#define SHARDSET_VERSION 1u
#define STRING_MAX       4096u

void quire_shardset_free(quire_shardset *s)
{
    if (s == NULL)
        return;
    quire_free(s->analyzer_id);
    quire_free(s->language);
    memset(s, 0, sizeof *s);
}

uint32_t quire_shard_of(const void *id, size_t len, uint32_t shard_count)
{
    return shard_count > 1 ? (uint32_t)(quire_id_hash(id, len) % shard_count) : 0;
}

int quire_shard_dir(char *out, size_t cap, const char *dir, uint32_t r)
{
    const int n = snprintf(out, cap, "%s/shard-%u", dir, (unsigned)r);
    if (n < 0 || (size_t)n >= cap)
        return quire_error(QUIRE_EINVAL, "%s: directory name too long", dir);
    return QUIRE_OK;
}

static void put_str(quire_buf *b, const char *s)
{
    const size_t n = s != NULL ? strlen(s) : 0;
    quire_buf_put_le32(b, (uint32_t)n);
    quire_buf_put(b, s != NULL ? s : "", n);
}

int quire_shardset_encode(quire_buf *out, const quire_shardset *s)
{
    if (s->shard_count == 0 || s->shard_count > QUIRE_SHARDSET_MAX)
        return quire_error(QUIRE_EINVAL, "a shard set has 1 to %d shards, not %u",
                           QUIRE_SHARDSET_MAX, (unsigned)s->shard_count);
    const size_t start = out->len;
    quire_buf_put(out, SHARDSET_MAGIC, 8);
    quire_buf_put_le32(out, SHARDSET_VERSION);
    quire_buf_put_le32(out, s->shard_count);
    quire_buf_put_le32(out, s->hash);
    quire_buf_put_byte(out, s->keep_diacritics ? 1 : 0);
    put_str(out, s->analyzer_id);
    put_str(out, s->language);
    if (out->err)
        return quire_oom();
    quire_buf_put_le32(out, quire_crc32(0, out->data + start, out->len - start));
    return out->err ? quire_oom() : QUIRE_OK;
}

static int get_str(char **out, const uint8_t **p, const uint8_t *end, const char *name,
                   const char *field)
{
    if (end - *p < 4)
        return quire_corrupt("%s: truncated %s", name, field);
    const uint32_t n = quire_load_le32(*p);
    *p += 4;
    if (n > STRING_MAX || (size_t)(end - *p) < n || memchr(*p, 0, n) != NULL)
        return quire_corrupt("%s: bad %s", name, field);
    *out = quire_strndup((const char *)*p, n);
    if (*out == NULL)
        return quire_oom();
    *p += n;
    return QUIRE_OK;
}

int quire_shardset_parse(quire_shardset *s, const uint8_t *bytes, size_t len, const char *name)
{
    memset(s, 0, sizeof *s);
    if (len < 8 || memcmp(bytes, SHARDSET_MAGIC, 8) != 0)
        return quire_corrupt("%s: not a quire shard set (bad magic)", name);
    if (len < 12)
        return quire_corrupt("%s: truncated", name);
    const uint32_t version = quire_load_le32(bytes + 8);
    if (version != SHARDSET_VERSION)
        return quire_error(QUIRE_EVERSION, "%s: shard set format version %u (this build reads %u)",
                           name, (unsigned)version, SHARDSET_VERSION);
    if (len < 8 + 4 * 4 + 1 + 8)
        return quire_corrupt("%s: truncated", name);
    if (quire_crc32(0, bytes, len - 4) != quire_load_le32(bytes + len - 4))
        return quire_corrupt("%s: checksum mismatch", name);
    const uint8_t *p = bytes + 12, *end = bytes + len - 4;
    s->shard_count = quire_load_le32(p);
    s->hash = quire_load_le32(p + 4);
    const uint8_t keep = p[8];
    p += 9;
    int rc = QUIRE_OK;
    if (s->shard_count == 0 || s->shard_count > QUIRE_SHARDSET_MAX)
        rc = quire_corrupt("%s: shard count %u", name, (unsigned)s->shard_count);
    else if (s->hash != QUIRE_SHARD_HASH_ID64)
        rc = quire_corrupt("%s: unknown document assignment %u", name, (unsigned)s->hash);
    else if (keep > 1)
        rc = quire_corrupt("%s: keep_diacritics is %u", name, (unsigned)keep);
    s->keep_diacritics = keep == 1;
    if (rc == QUIRE_OK)
        rc = get_str(&s->analyzer_id, &p, end, name, "analyzer id");
    if (rc == QUIRE_OK)
        rc = get_str(&s->language, &p, end, name, "language");
    if (rc == QUIRE_OK && p != end)
        rc = quire_corrupt("%s: %zu stray bytes", name, (size_t)(end - p));
    if (rc != QUIRE_OK)
        quire_shardset_free(s);
    return rc;
}

int quire_shardset_read(quire_shardset *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, QUIRE_SHARDSET_FILE);
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return quire_error(QUIRE_ENOTFOUND, "%s: not a shard set (no %s)", dir,
                           QUIRE_SHARDSET_FILE);
    quire_buf b = QUIRE_BUF_INIT;
    int rc = quire_read_file(&b, path);
    if (rc == QUIRE_OK)
        rc = quire_shardset_parse(s, b.data, b.len, path);
    quire_buf_free(&b);
    return rc;
}

static int same(const quire_shardset *have, const quire_shardset *want, const char *dir)
{
    const char *what = NULL;
    char detail[512] = "";
    if (have->shard_count != want->shard_count) {
        what = "shard count";
        snprintf(detail, sizeof detail, "%u, not %u", (unsigned)have->shard_count,
                 (unsigned)want->shard_count);
    } else if (have->hash != want->hash) {
        what = "document assignment";
        snprintf(detail, sizeof detail, "%u, not %u", (unsigned)have->hash, (unsigned)want->hash);
    } else if (strcmp(have->analyzer_id, want->analyzer_id) != 0) {
        what = "analyzer";
        snprintf(detail, sizeof detail, "'%s', not '%s'", have->analyzer_id, want->analyzer_id);
    }
    if (what == NULL)
        return QUIRE_OK;
    return quire_error(QUIRE_EMISMATCH, "%s: the shard set's %s is %s", dir, what, detail);
}

int quire_shardset_create(const char *dir, const quire_shardset *s)
{
    quire_lock *lock = NULL;
    int rc = quire_lock_acquire(&lock, dir); /* creates dir */
    if (rc != QUIRE_OK)
        return rc;
    quire_shardset have;
    rc = quire_shardset_read(&have, dir);
    if (rc == QUIRE_OK) {
        rc = same(&have, s, dir);
        quire_shardset_free(&have);
        quire_lock_release(lock);
        return rc;
    }
    if (rc != QUIRE_ENOTFOUND) {
        quire_lock_release(lock);
        return rc;
    }
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/%s", dir, QUIRE_SHARDSET_FILE);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    quire_buf b = QUIRE_BUF_INIT;
    rc = quire_shardset_encode(&b, s);
    quire_sink sink;
    if (rc == QUIRE_OK)
        rc = quire_sink_open(&sink, tmp);
    if (rc == QUIRE_OK) {
        quire_sink_write(&sink, b.data, b.len);
        rc = quire_sink_finish(&sink); /* fsyncs */
    }
    quire_buf_free(&b);
    if (rc == QUIRE_OK && rename(tmp, path) != 0)
        rc = quire_error(QUIRE_EIO, "%s: rename: %s", path, strerror(errno));
    if (rc == QUIRE_OK)
        rc = quire_fsync_dir(dir);
    unlink(tmp);
    quire_lock_release(lock);
    return rc;
}
