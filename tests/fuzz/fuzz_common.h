/*
 * fuzz_common.h - what the fuzz targets share: a small real index built once per process
 * (the "template", indexed by the indexer from generated documents), a scratch directory
 * where a target writes the files it was given, and checks that abort on a broken
 * invariant (a finding, like a crash).
 *
 * The targets are built twice: with libFuzzer (QUIRE_FUZZ, clang, every CRC-32 read and
 * written as 0 so that mutations reach the decoders) and, in the gcc test builds, with
 * replay_main.c, which runs each file of the seed folders through the target once.
 */
#ifndef QUIRE_FUZZ_COMMON_H
#define QUIRE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort (a finding) when `cond` is false, naming the check. */
#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The template index (built on first use): its folder and its one segment's id. */
const char *fz_template_dir(void);
uint64_t fz_template_segment(void);

/* A fresh empty folder for this process (removed at exit, with the template). */
const char *fz_scratch_dir(void);

/* Write a whole file (replacing it); aborts on an I/O error (not a finding of the code). */
void fz_write_file(const char *path, const void *p, size_t n);

/* Read a whole file into a malloc'd buffer; aborts on error. */
uint8_t *fz_read_file(const char *path, size_t *len);

/* The path of segment `id`'s file with extension `ext` in `dir`. */
void fz_segment_path(char *out, size_t cap, const char *dir, uint64_t id, const char *ext);

/* Put symbolic links to the template segment's files into `dir`, all but the file
 * `except` (an index into quire_segment_file_ext, or -1 for none). */
void fz_link_template_segment(const char *dir, int except);

#endif

struct quire_segment;
/* Read all of an open segment, as queries and --verify would: every document's lengths,
 * metadata and text, every term by iteration and by lookup, each stem's forms, every
 * posting with its positions, the stored-text blocks, then the verify. Checks that what
 * is handed out lies inside the documented ranges. `max_docs` bounds the documents read. */
void fz_walk_segment(const struct quire_segment *seg, uint32_t max_docs);
