/*
 * fileio.h - the two ways quire touches files: a buffered, checksummed, sticky-error
 * writer (quire_sink) for files written once from start to end, and a read-only memory
 * map (quire_map) for reading them back. Also the fsync helpers the commit protocol needs.
 */
#ifndef QUIRE_FILEIO_H
#define QUIRE_FILEIO_H

#include <stdint.h>

#include "quire/bytes.h"

/* A file written sequentially through a buffer. Keeps the running CRC-32 of everything
 * written and the current offset. The first error is kept (`err`); later writes do
 * nothing; quire_sink_finish() returns it. */
typedef struct quire_sink {
    int fd;
    char *path;       /* owned copy, for messages */
    uint8_t *buf;     /* write buffer */
    size_t buf_len;   /* bytes pending in buf */
    size_t buf_cap;   /* size of buf */
    uint64_t offset;  /* bytes written so far (pending included) */
    uint32_t crc;     /* CRC-32 of all bytes written so far */
    int err;          /* QUIRE_OK or the first error */
} quire_sink;

/* Create `path` (it must not exist: O_EXCL) for writing. */
QUIRE_MUST_CHECK int quire_sink_open(quire_sink *s, const char *path);
void quire_sink_write(quire_sink *s, const void *p, size_t n);
void quire_sink_put_byte(quire_sink *s, uint8_t v);
void quire_sink_put_varint(quire_sink *s, uint64_t v);
void quire_sink_put_le32(quire_sink *s, uint32_t v);
void quire_sink_put_le64(quire_sink *s, uint64_t v);
/* Flush, fsync and close. Returns the sticky error or the flush/fsync/close error; the
 * file is left in place either way (the caller removes it on failure). */
QUIRE_MUST_CHECK int quire_sink_finish(quire_sink *s);
/* Close without syncing and remove the file (error paths). Accepts a closed sink. */
void quire_sink_abort(quire_sink *s);

/* A read-only map of a whole file. An empty file maps to {NULL, 0}. */
typedef struct quire_map {
    quire_bytes bytes;
    char *path; /* owned copy, for messages */
} quire_map;

QUIRE_MUST_CHECK int quire_map_open(quire_map *m, const char *path);
void quire_map_close(quire_map *m);
/* Let go of the map's resident pages (madvise MADV_DONTNEED): a long sequential reader (a
 * merge) calls it now and then so that what it has read does not count against its
 * memory; pages read again come back from the page cache. The map stays valid. */
void quire_map_drop_pages(const quire_map *m);

/* fsync a directory so that renames and creations in it are durable. */
QUIRE_MUST_CHECK int quire_fsync_dir(const char *dir);
/* Read a whole (small) file into a malloc'd buffer. */
QUIRE_MUST_CHECK int quire_read_file(quire_buf *out, const char *path);

#endif
