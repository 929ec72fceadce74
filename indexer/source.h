/*
 * source.h - where documents come from: files and folders (recursive), JSON Lines,
 * TREC SGML, their gzip-compressed versions, and "-" for standard input. A source yields
 * documents one at a time, in a deterministic order (inputs in the order given, folder
 * entries sorted by name), as (external id, title, date, text, where it came from).
 *
 * Kinds, decided per file:
 *   - "-" or a path ending in .jsonl / .jsonl.gz / .ndjson(.gz) / .json(.gz): JSON Lines,
 *     one object per line with "id" (string or number), "title", "date" (YYYY-MM-DD),
 *     "text"; other fields ignored. Standard input is sniffed: gzip magic -> gunzip;
 *     first non-blank byte '{' -> JSON Lines; "<DOC>" -> TREC; else one plain document.
 *   - content starting with "<DOC>" (after blanks), or .trec/.sgml (.gz): TREC SGML, docs
 *     <DOC><DOCNO>id</DOCNO> ... </DOC>; <TITLE>/<HEADLINE> give the title, <DATE> a
 *     date when it parses, <TEXT> (all of them) the text, else the body without tags.
 *   - anything else: one plain text document; the id is the path as given joined with the
 *     relative path inside a folder; an optional "date YYYY-MM-DD" opening the first line
 *     (leading blanks allowed, text may follow) gives the date and is dropped; the text is
 *     the rest, trimmed, every line kept; the title is a copy of its headline or of its
 *     first sentence (README "Titles of plain text files"), and where the text starts in
 *     the file is told (text_line, text_column, text_offset).
 *   - .gz anything: gunzipped on the fly (zlib), then as above by the inner name.
 *   - binary files (a NUL byte or mostly non-text bytes in the first 8 KiB) are skipped with
 *     a warning naming the file.
 * Encodings (opts.encoding, README "Encodings"): UTF-8; with auto a document that is not
 * and reads as cp1252 is converted (iconv), with a note; latin1 / cp1252 convert always.
 * Problems (unreadable file, a broken JSON line, a truncated gzip stream, a symlink loop)
 * are reported through the warning callback with "path:line: what is wrong"; in
 * stop-on-error mode the first one ends the source with QUIRE_EINVAL/QUIRE_EIO (nothing is
 * committed by the indexer then), otherwise the bad item is skipped and reading goes on.
 * A problem that loses something (a file, a document, what a cut gzip stream held) is
 * also counted as skipped and handed to the skip callback; a cut document is never kept.
 */
#ifndef QUIRE_SOURCE_H
#define QUIRE_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "quire/status.h"

#include "quire/date.h" /* quire_date_parse(); QUIRE_NO_DATE */

typedef struct source_doc {
    const char *external_id; /* never empty */
    size_t external_id_len;
    const char *title; /* may be empty */
    size_t title_len;
    const char *text; /* may be empty; not validated as UTF-8 here */
    size_t text_len;
    int32_t date;       /* days since the epoch, or QUIRE_NO_DATE */
    const char *origin; /* the file it came from ("-" for stdin), NUL-terminated */
    uint64_t line;      /* line number of the record in that file (1-based), 0 if n/a */
    /* Plain text files: where `text` starts in the file (its bytes after gunzip). */
    uint64_t text_line;   /* 1-based line; 0 for other formats */
    uint32_t text_column; /* 1-based column there, in characters; 0 for other formats */
    uint64_t text_offset; /* byte offset */
    bool text_verbatim;   /* text is the file's bytes [text_offset, text_offset + text_len)
                           * unchanged (not converted from another encoding) */
} source_doc;

typedef void (*source_warn_fn)(void *ctx, const char *message);
/* Something was lost: a file or a document not read, or what followed a cut; `line` 0
 * when the problem is the file's as a whole; `reason` without the "path:line: " prefix.
 * Called before the warning callback for the same problem. */
typedef void (*source_skip_fn)(void *ctx, const char *path, uint64_t line, const char *reason);

/* How the bytes of a document are read (README "Encodings"). */
typedef enum source_encoding {
    SOURCE_ENCODING_AUTO,   /* UTF-8, unless a document is not and reads as cp1252 (below) */
    SOURCE_ENCODING_UTF8,   /* UTF-8; invalid bytes are replaced by U+FFFD later */
    SOURCE_ENCODING_LATIN1, /* ISO-8859-1: every byte is the code point of its value */
    SOURCE_ENCODING_CP1252, /* Windows-1252 (Latin-1 with quotes and dashes in 0x80-0x9F) */
} source_encoding;

typedef struct source_opts {
    bool stop_on_error;  /* first bad item ends the run with an error */
    source_warn_fn warn; /* may be NULL */
    void *warn_ctx;
    size_t max_doc_bytes;    /* larger documents are skipped with a warning; 0 = 1 GiB */
    const char *max_doc_why; /* appended to that warning (why the limit); may be NULL */
    source_skip_fn skip;     /* may be NULL */
    void *skip_ctx;
    source_encoding encoding;
} source_opts;

typedef struct source source;

/* Open a source over `inputs` (paths or "-"). Fails only for a bad argument; unreadable
 * paths are met (and reported) while reading. */
QUIRE_MUST_CHECK int source_open(source **out, const char *const *inputs, size_t input_count,
                                 const source_opts *opts);
void source_close(source *s);

/* The next document: QUIRE_OK with *doc filled (its strings live until the next call),
 * 1 at the end, or a negative code (stop-on-error, or out of memory). */
QUIRE_MUST_CHECK int source_next(source *s, source_doc *doc);

/* Documents from elsewhere (a shard set's exchange of documents between processes): each
 * source_next() asks `feed`, whose answer (QUIRE_OK with *doc filled, 1 at the end, or an
 * error) it returns as is. */
typedef int (*source_feed_fn)(void *ctx, source_doc *doc);
QUIRE_MUST_CHECK int source_open_feed(source **out, source_feed_fn feed, void *ctx);

/* The walk of a source_open()ed source, before reading it: its entries (files in reading
 * order, "-", and problems met while walking, reported when reached), each with its path,
 * its size (regular files) and whether it is a file to read. */
size_t source_entry_count(const source *s);
void source_entry_info(const source *s, size_t i, const char **path, uint64_t *size,
                       bool *is_file);
/* A source over entries [first, first + count) of `walk`, read as source_open() would read
 * them; with end > start (count 1, an uncompressed JSON Lines file), only its bytes
 * [start, end), which must begin and end at line starts (or the file's end): lines are
 * numbered from the range's start and reported as "path: line N after byte START". */
QUIRE_MUST_CHECK int source_open_part(source **out, const source *walk, size_t first,
                                      size_t count, uint64_t start, uint64_t end,
                                      const source_opts *opts);

/* Progress: input bytes consumed so far, and the total when known (sum of the regular
 * files' sizes, found by a first walk that source_open does), else 0. For .gz files these
 * count compressed bytes. */
uint64_t source_bytes_read(const source *s);
uint64_t source_bytes_total(const source *s);
/* Counts for the summary. */
uint64_t source_warning_count(const source *s);
uint64_t source_skipped_count(const source *s);

#endif
