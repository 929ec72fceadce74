/*
 * fileio.c - quire_sink (buffered sequential writer with CRC and sticky error),
 * quire_map (read-only mmap of a whole file) and the fsync helpers of the commit protocol.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_DONTNEED): glibc's posix_madvise ignores DONTNEED */
#include "quire/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SINK_BUF_CAP (256 * 1024)

int quire_sink_open(quire_sink *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->path = quire_strndup(path, strlen(path));
    s->buf = quire_malloc(SINK_BUF_CAP);
    if (!s->path || !s->buf) {
        quire_free(s->path);
        quire_free(s->buf);
        s->path = NULL;
        s->buf = NULL;
        return s->err = quire_error(QUIRE_ENOMEM, "%s: out of memory", path);
    }
    s->buf_cap = SINK_BUF_CAP;
    s->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (s->fd < 0) {
        int rc = quire_error(QUIRE_EIO, "%s: %s", path, strerror(errno));
        quire_free(s->path);
        quire_free(s->buf);
        s->path = NULL;
        s->buf = NULL;
        return s->err = rc;
    }
    return QUIRE_OK;
}

static void sink_flush(quire_sink *s)
{
    size_t done = 0;
    while (!s->err && done < s->buf_len) {
        ssize_t n = write(s->fd, s->buf + done, s->buf_len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            s->err = quire_error(QUIRE_EIO, "%s: %s", s->path, strerror(errno));
            break;
        }
        done += (size_t)n;
    }
    s->buf_len = 0;
}

void quire_sink_write(quire_sink *s, const void *p, size_t n)
{
    if (s->err || n == 0)
        return;
    const uint8_t *q = p;
    s->crc = quire_crc32(s->crc, q, n);
    s->offset += n;
    while (n > 0 && !s->err) {
        size_t room = s->buf_cap - s->buf_len;
        size_t take = n < room ? n : room;
        memcpy(s->buf + s->buf_len, q, take);
        s->buf_len += take;
        q += take;
        n -= take;
        if (s->buf_len == s->buf_cap)
            sink_flush(s);
    }
}

void quire_sink_put_byte(quire_sink *s, uint8_t v)
{
    quire_sink_write(s, &v, 1);
}

void quire_sink_put_varint(quire_sink *s, uint64_t v)
{
    uint8_t tmp[QUIRE_VARINT_MAX];
    quire_sink_write(s, tmp, quire_varint_put(tmp, v));
}

void quire_sink_put_le32(quire_sink *s, uint32_t v)
{
    uint8_t tmp[4];
    quire_store_le32(tmp, v);
    quire_sink_write(s, tmp, 4);
}

void quire_sink_put_le64(quire_sink *s, uint64_t v)
{
    uint8_t tmp[8];
    quire_store_le64(tmp, v);
    quire_sink_write(s, tmp, 8);
}

int quire_sink_finish(quire_sink *s)
{
    if (s->fd >= 0) {
        sink_flush(s);
        if (!s->err && fsync(s->fd) != 0)
            s->err = quire_error(QUIRE_EIO, "%s: fsync: %s", s->path, strerror(errno));
        if (close(s->fd) != 0 && !s->err)
            s->err = quire_error(QUIRE_EIO, "%s: close: %s", s->path, strerror(errno));
        s->fd = -1;
    }
    quire_free(s->buf);
    s->buf = NULL;
    quire_free(s->path);
    s->path = NULL;
    return s->err;
}

void quire_sink_abort(quire_sink *s)
{
    if (s->fd >= 0) {
        close(s->fd);
        s->fd = -1;
        if (s->path)
            unlink(s->path);
    }
    quire_free(s->buf);
    s->buf = NULL;
    quire_free(s->path);
    s->path = NULL;
}

int quire_map_open(quire_map *m, const char *path)
{
    memset(m, 0, sizeof *m);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return quire_error(errno == ENOENT ? QUIRE_ENOTFOUND : QUIRE_EIO, "%s: %s", path,
                           strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = quire_error(QUIRE_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return quire_error(QUIRE_EIO, "%s: not a regular file", path);
    }
    m->path = quire_strndup(path, strlen(path));
    if (!m->path) {
        close(fd);
        return quire_error(QUIRE_ENOMEM, "%s: out of memory", path);
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int rc = quire_error(QUIRE_EIO, "%s: mmap: %s", path, strerror(errno));
            close(fd);
            quire_free(m->path);
            m->path = NULL;
            return rc;
        }
        m->bytes.ptr = p;
        m->bytes.len = (size_t)st.st_size;
    }
    close(fd);
    return QUIRE_OK;
}

void quire_map_close(quire_map *m)
{
    if (m->bytes.ptr)
        munmap((void *)(uintptr_t)m->bytes.ptr, m->bytes.len);
    m->bytes.ptr = NULL;
    m->bytes.len = 0;
    quire_free(m->path);
    m->path = NULL;
}

void quire_map_drop_pages(const quire_map *m)
{
    if (m->bytes.ptr)
        (void)madvise((void *)(uintptr_t)m->bytes.ptr, m->bytes.len, MADV_DONTNEED);
}

int quire_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return quire_error(QUIRE_EIO, "%s: %s", dir, strerror(errno));
    int rc = QUIRE_OK;
    if (fsync(fd) != 0)
        rc = quire_error(QUIRE_EIO, "%s: fsync: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

int quire_read_file(quire_buf *out, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return quire_error(errno == ENOENT ? QUIRE_ENOTFOUND : QUIRE_EIO, "%s: %s", path,
                           strerror(errno));
    int rc = QUIRE_OK;
    for (;;) {
        if (!quire_buf_reserve(out, 65536)) {
            rc = quire_error(QUIRE_ENOMEM, "%s: out of memory", path);
            break;
        }
        ssize_t n = read(fd, out->data + out->len, out->cap - out->len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = quire_error(QUIRE_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
    }
    close(fd);
    return rc;
}
