/*
 * segment.h - one immutable segment: a set of documents with their own doc ids 0..n-1,
 * held in six files named seg-<id>.<ext> (FORMAT.md "Segment files"):
 *   .ter  term dictionary (forms and stems) + segment statistics
 *   .doc  postings: doc blocks and skip data      .pos  positions
 *   .len  per document: length in tokens, title length in tokens (fixed 8 bytes a doc)
 *   .dmd  per document: external id, title, origin, date, where its text is in .sto,
 *         and (version 3) its text map: the bytes of every 64th token of its text
 *   .sto  the original text of every document, zlib-compressed in blocks
 *
 * Two kinds of terms share the dictionary (FORMAT.md "Terms: forms and stems"):
 *   - a FORM is a word as written (case- and diacritic-folded): it has positions, and is
 *     what a quoted phrase matches;
 *   - a STEM (key: 0xFF then the stem, so all stems sort after all forms) has doc ids and
 *     tfs but no positions, and lists the forms it was made from; a stem with a single
 *     form is stored as an alias of that form's postings instead of a copy.
 *
 * Positions: the title's tokens take positions 0..T-1 and the text's tokens start at
 * T + 1 (one unused position between, so no phrase spans the two fields). doc_len counts
 * T plus the text's tokens.
 */
#ifndef QUIRE_SEGMENT_H
#define QUIRE_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "quire/bytes.h"
#include "quire/fileio.h"
#include "quire/postings.h"
#include "quire/status.h"
#include "quire/termdict.h"

/* Files are written with QUIRE_FORMAT_VERSION; readers accept QUIRE_FORMAT_MIN_VERSION up to
 * it (FORMAT.md "Versions"). */
#define QUIRE_FORMAT_VERSION     4
#define QUIRE_FORMAT_MIN_VERSION 1
#define QUIRE_STEM_PREFIX        0xFF /* first byte of a stem's dictionary key */
/* Pair terms (format version 4, FORMAT.md "Pair terms"): two adjacent forms of common
 * words as one term, key 0xFE + first + ' ' + second, with the positions of the first
 * word; the key 0xFE alone holds the segment's pair set (the common words). */
#define QUIRE_PAIR_PREFIX    0xFE
#define QUIRE_PAIR_SEPARATOR 0x20
#define QUIRE_PAIR_VERSION   4 /* the first format version with pair terms */

typedef enum quire_term_kind {
    QUIRE_TERM_FORM = 0,
    QUIRE_TERM_STEM = 1,
    QUIRE_TERM_PAIR = 2, /* key: "first second" (QUIRE_PAIR_SEPARATOR between), no prefix */
} quire_term_kind;

/* A looked-up term. Views point into the segment's maps: valid while it is open. */
typedef struct quire_term {
    quire_term_kind kind;
    quire_postings_meta postings; /* for an alias stem: its form's postings */
    bool has_positions;           /* forms: true; stems: false */
    uint32_t form_count;          /* stems: how many forms; forms: 1 */
    quire_bytes forms;            /* stems: the encoded form list (see quire_term_form) */
} quire_term;

/* Per-document metadata. Strings point into the segment's maps. */
typedef struct quire_doc_info {
    quire_bytes external_id;
    quire_bytes title;
    quire_bytes origin; /* file or input it came from */
    int32_t date;       /* days since the epoch, QUIRE_NO_DATE if none */
    uint64_t text_off;  /* offset of its text in the segment's stored-text stream */
    uint64_t text_len;  /* bytes */
    uint32_t doc_len;   /* tokens, title + text */
    uint32_t title_len; /* tokens in the title */
    /* Where the text lies in the file it came from (FORMAT.md ".dmd", version 3; all 0 in
     * older segments and when unknown): */
    uint64_t src_line;         /* 1-based line where the text starts (plain text) or where
                                * the record starts (JSON Lines, TREC) */
    uint32_t src_column;       /* plain text: 1-based column (characters) of the text's
                                * start; 0 for records */
    uint64_t src_offset_plus1; /* 1 + the byte offset of the text's start when the text is
                                * the file's bytes unchanged (plain text, not converted from
                                * another encoding, no invalid UTF-8 replaced); else 0 */
    /* its text map, encoded (FORMAT.md "Text map"); empty: none (before version 3) */
    quire_bytes text_map;
} quire_doc_info;

/* A document's text map (format version 3, FORMAT.md "Text map"): the byte offset in its
 * text of every QUIRE_TEXT_MAP_EVERY-th token of the text (text tokens EVERY, 2 * EVERY,
 * ..., counted from 0), so that a reader can tokenise a part of a long text from a known
 * position instead of the whole text from its start (passages). */
#define QUIRE_TEXT_MAP_EVERY   64
#define QUIRE_TEXT_MAP_VERSION 3 /* the first format version whose .dmd records have one */
/* The number of entries of a complete map of a text of `text_tokens` tokens. */
static inline uint32_t quire_text_map_count(uint32_t text_tokens)
{
    return text_tokens > 0 ? (text_tokens - 1) / QUIRE_TEXT_MAP_EVERY : 0;
}
/* Append the encoding of `count` strictly ascending byte offsets to `out`. */
void quire_text_map_encode(quire_buf *out, const uint64_t *byte_starts, uint32_t count);
/* Decode info's map into out (room for `cap` entries), *count of them: 0 when the
 * document has none (an empty map, or one written before version 3), else
 * quire_text_map_count() of its text tokens, ascending and inside its text.
 * QUIRE_OK, QUIRE_ECORRUPT (damaged, or not as described), QUIRE_EINVAL (cap too small). */
QUIRE_MUST_CHECK int quire_text_map_decode(const quire_doc_info *info, uint64_t *out, uint32_t cap,
                                           uint32_t *count);

typedef struct quire_segment_stats {
    uint32_t doc_count;
    uint64_t total_tokens;  /* sum of doc_len */
    uint64_t form_count;    /* distinct forms */
    uint64_t stem_count;    /* distinct stems */
    uint64_t posting_count; /* form postings + own stem postings */
    uint64_t text_bytes;    /* uncompressed stored text */
    uint64_t file_bytes[6]; /* sizes of .ter .doc .pos .len .dmd .sto */
} quire_segment_stats;

enum {
    QUIRE_SEG_TER,
    QUIRE_SEG_DOC,
    QUIRE_SEG_POS,
    QUIRE_SEG_LEN,
    QUIRE_SEG_DMD,
    QUIRE_SEG_STO,
    QUIRE_SEG_FILE_COUNT
};
extern const char *const quire_segment_file_ext[QUIRE_SEG_FILE_COUNT];

/* ---- reading ---- */

typedef struct quire_segment quire_segment;

/* Open segment `id` in `dir`: map its files, check every header and trailer (magic,
 * version, CRCs of the parts read at open, sizes and counts agreeing). Data blocks are
 * checked by their own CRCs when read. */
QUIRE_MUST_CHECK int quire_segment_open(quire_segment **out, const char *dir, uint64_t id);
void quire_segment_close(quire_segment *seg);

uint64_t quire_segment_id(const quire_segment *seg);
const quire_segment_stats *quire_segment_get_stats(const quire_segment *seg);

/* Look up a form (key as the analyzer's token form) or a stem (the analyzer's stem,
 * without the prefix byte). QUIRE_OK, QUIRE_ENOTFOUND or QUIRE_ECORRUPT. */
QUIRE_MUST_CHECK int quire_segment_lookup(const quire_segment *seg, quire_term_kind kind,
                                          quire_bytes key, quire_term *out);

/* Pair terms (version 4): whether the segment holds the pairs of a pair set (its
 * dictionary has the 0xFE entry): then every two adjacent tokens of one field whose forms
 * are both in the set are a posting of the pair term "first second" (positions: the
 * first's), so a pair missing from the dictionary occurs nowhere in the segment. A segment
 * without one (versions 1-3, or written with pairs off) has no pair terms. */
bool quire_segment_has_pairs(const quire_segment *seg);
/* Entries of the dictionary: forms, stems and (version 4) pair terms and the pair set. */
uint64_t quire_segment_term_count(const quire_segment *seg);
/* Whether `form` is in the segment's pair set (false when it has none). */
bool quire_segment_is_pair_word(const quire_segment *seg, quire_bytes form);
/* The pair set's encoding (FORMAT.md "Pair terms": count, then the words), for a merge
 * to compare and copy; empty when the segment has none. */
quire_bytes quire_segment_pair_set(const quire_segment *seg);
/* Append the encoding of a pair set of `count` words (strictly ascending, each 1 to 255
 * bytes of a form, no separator byte) to `out`. */
void quire_pair_set_encode(quire_buf *out, const char *const *words, uint32_t count);
/* The i-th form of a stem (0 <= i < form_count) as bytes; for an alias stem, i = 0. */
QUIRE_MUST_CHECK int quire_term_form(const quire_term *t, uint32_t i, quire_bytes key_of_stem,
                                     quire_bytes *form);

/* Open a postings cursor on a looked-up term (see postings.h). */
QUIRE_MUST_CHECK int quire_segment_postings(const quire_segment *seg, const quire_term *t,
                                            quire_postings_cursor *c);

/* Iterate the keys of one kind in order from the first >= `from` (prefix expansion).
 * The key given back excludes the stem prefix byte. */
typedef struct quire_segment_term_iter {
    quire_termdict_iter it;
    quire_term_kind kind;
    const quire_segment *seg;
} quire_segment_term_iter;
QUIRE_MUST_CHECK int quire_segment_terms_seek(quire_segment_term_iter *it, const quire_segment *seg,
                                              quire_term_kind kind, quire_bytes from);
/* quire_segment_terms_seek again, for a `from` above the key last yielded (cheaper when
 * it is near: quire_termdict_seek_forward). */
QUIRE_MUST_CHECK int quire_segment_terms_seek_forward(quire_segment_term_iter *it,
                                                      quire_bytes from);
/* Next term: QUIRE_OK with *key and *term, QUIRE_ENOTFOUND past the last of the kind. */
QUIRE_MUST_CHECK int quire_segment_terms_next(quire_segment_term_iter *it, quire_bytes *key,
                                              quire_term *term);

/* The segment's reversed form dictionary (FORMAT.md "Reversed forms (.rvd)", version 4):
 * every form with its code points in reverse order, sorted, values empty; NULL for a
 * segment without one (format versions 1-3). Opened and checked with the segment. */
const quire_termdict *quire_segment_revdict(const quire_segment *seg);
/* Write s[0..len) (UTF-8) with its code points in reverse order to out[0..len): a .rvd
 * key from its form and back. false (out unspecified) if s is not well-formed UTF-8. */
bool quire_revdict_reverse(uint8_t *out, const uint8_t *s, size_t len);

/* Document lengths: an array of doc_count uint32 pairs is cheap to reach, so these
 * never fail (doc must be < doc_count). */
uint32_t quire_segment_doc_len(const quire_segment *seg, uint32_t doc);
uint32_t quire_segment_title_len(const quire_segment *seg, uint32_t doc);

QUIRE_MUST_CHECK int quire_segment_doc_info(const quire_segment *seg, uint32_t doc,
                                            quire_doc_info *out);
/* Append the document's stored text (exactly as indexed: valid UTF-8) to `out`. */
QUIRE_MUST_CHECK int quire_segment_doc_text(const quire_segment *seg, uint32_t doc, quire_buf *out);
/* Bytes [from, to) of document doc's text (to <= its text_len), appended to *out: only the
 * stored-text blocks they overlap are inflated, each no further than `to`. */
QUIRE_MUST_CHECK int quire_segment_doc_text_range(const quire_segment *seg, uint32_t doc,
                                                  uint64_t from, uint64_t to, quire_buf *out);

/* Check everything: every CRC of every block, every structural invariant (sorted terms,
 * ascending doc ids, df equal to postings, positions inside documents, stem alias and
 * form lists consistent, statistics). Problems go to `report` (one line each), and the
 * return is QUIRE_ECORRUPT if there was any. */
typedef void (*quire_report_fn)(void *ctx, const char *line);
/* Let go of the pages of the segment's files that this process holds (see
 * quire_map_drop_pages): a merge calls it as it goes so that its memory stays bounded. */
void quire_segment_drop_pages(const quire_segment *seg);

/* Check one file's whole-file checksum (file: QUIRE_SEG_TER ...). */
QUIRE_MUST_CHECK int quire_segment_check_file(const quire_segment *seg, int file);
QUIRE_MUST_CHECK int quire_segment_verify(const quire_segment *seg, quire_report_fn report,
                                          void *ctx);
/* The .rvd part of quire_segment_verify (problems counted into *problems). */
QUIRE_MUST_CHECK int quire_segment_verify_revdict(const quire_segment *seg,
                                                  quire_report_fn report, void *ctx,
                                                  uint64_t *problems);

/* ---- writing ---- */

typedef struct quire_segment_writer quire_segment_writer;

/* Documents are added in doc id order with their metadata and text; then terms are added in
 * key order: all forms (with positions), then all stems. Nothing is visible until a
 * manifest names the segment. */
QUIRE_MUST_CHECK int quire_segment_writer_new(quire_segment_writer **out, const char *dir,
                                              uint64_t id);
/* Add the next document with its text (valid UTF-8), which the writer compresses into
 * blocks of about QUIRE_STORE_BLOCK bytes. info->text_off is ignored (the writer assigns it). */
QUIRE_MUST_CHECK int quire_segment_writer_add_doc(quire_segment_writer *w,
                                                  const quire_doc_info *info, quire_bytes text);

/* The other way in, for callers that compress text themselves (the indexer's workers, a
 * merge copying blocks): add a document's metadata whose text_len bytes come next in the
 * stored-text stream, and add stored-text blocks made by quire_store_block_encode() (or
 * copied from another segment with quire_segment_store_block()) in stream order. Blocks
 * and documents may interleave; at finish their lengths must add up to the same total.
 * Do not mix with quire_segment_writer_add_doc(). */
QUIRE_MUST_CHECK int quire_segment_writer_add_doc_meta(quire_segment_writer *w,
                                                       const quire_doc_info *info);
QUIRE_MUST_CHECK int quire_segment_writer_add_store_block(quire_segment_writer *w,
                                                          quire_bytes encoded_block);

#define QUIRE_STORE_BLOCK     (4 * 1024)  /* uncompressed bytes a stored-text block aims at */
#define QUIRE_STORE_BLOCK_MAX (16 * 1024) /* the most a reader accepts (FORMAT.md) */
/* Compress `len` bytes of text into one encoded stored-text block appended to `out`
 * (FORMAT.md ".sto"): thread-safe, for the indexer's workers. `level` is the DEFLATE
 * level, 0 (stored) to 12 (libdeflate's levels; 1 is the fastest that compresses). */
QUIRE_MUST_CHECK int quire_store_block_encode(quire_buf *out, const uint8_t *text, size_t len,
                                              int level);
/* The same with a compressor made once and reused (its tables are set up at each
 * quire_store_block_encode() call otherwise): one per thread. */
typedef struct quire_store_encoder quire_store_encoder;
QUIRE_MUST_CHECK int quire_store_encoder_new(quire_store_encoder **out, int level);
void quire_store_encoder_free(quire_store_encoder *e);
QUIRE_MUST_CHECK int quire_store_encoder_encode(quire_store_encoder *e, quire_buf *out,
                                                const uint8_t *text, size_t len);
/* The encoded blocks of a segment's stored text, in order (for merging by copy). */
uint64_t quire_segment_store_block_count(const quire_segment *seg);
QUIRE_MUST_CHECK int quire_segment_store_block(const quire_segment *seg, uint64_t i,
                                               quire_bytes *encoded_block);

/* Stored text with a dictionary (format 4, FORMAT.md "Stored text"): a .sto file may hold
 * one zstd dictionary, and its blocks of codec QUIRE_STORE_ZSTD are zstd frames made with
 * it. The first version whose .sto has one: */
#define QUIRE_STORE_DICT_VERSION 4
#define QUIRE_STORE_DEFLATE      0 /* a block's codec: raw DEFLATE (every version) */
#define QUIRE_STORE_ZSTD         1 /* a zstd frame with the file's dictionary (version 4) */
#define QUIRE_STORE_DICT_MAX     (64 * 1024) /* the largest dictionary written */
#define QUIRE_STORE_DICT_SAMPLE  (1024 * 1024) /* text trained on, at most */
#define QUIRE_STORE_LEVEL_DEFAULT 3 /* the indexer's and merges' level (zstd's default) */
/* Train a dictionary for stored text on `len` bytes of it (the first
 * QUIRE_STORE_DICT_SAMPLE are used), replacing *out's contents. Too little text (or text
 * zstd finds nothing to learn from) gives QUIRE_OK with out->len = 0: store without. */
QUIRE_MUST_CHECK int quire_store_dict_train(quire_buf *out, const uint8_t *text, size_t len);
/* An encoder of zstd blocks (codec QUIRE_STORE_ZSTD) with dictionary `dict` at zstd level
 * `level` (1 to 19); with an empty dict, or level 0, it is quire_store_encoder_new(level)'s
 * DEFLATE encoder. The dict's bytes are copied. */
QUIRE_MUST_CHECK int quire_store_encoder_new_dict(quire_store_encoder **out, int level,
                                                  quire_bytes dict);
/* The codec of an encoded block (its bytes as quire_segment_store_block gives them). */
int quire_store_block_codec(quire_bytes encoded_block);
/* The segment's stored-text dictionary (empty if it has none: before version 4, or none
 * was trained). */
quire_bytes quire_segment_store_dict(const quire_segment *seg);
/* Decode block i whole, appending its text to out (a merge re-encoding old blocks). */
QUIRE_MUST_CHECK int quire_segment_store_block_text(const quire_segment *seg, uint64_t i,
                                                    quire_buf *out);
/* Give the segment's .sto the dictionary its QUIRE_STORE_ZSTD blocks are made with (copied):
 * before the first such block is added, at most once. */
QUIRE_MUST_CHECK int quire_segment_writer_set_store_dict(quire_segment_writer *w,
                                                         quire_bytes dict);

/* Postings for terms go through the writer's postings writer: begin, add..., end. */
QUIRE_MUST_CHECK int quire_segment_writer_begin_form(quire_segment_writer *w, quire_bytes form);
QUIRE_MUST_CHECK int quire_segment_writer_begin_stem(quire_segment_writer *w, quire_bytes stem,
                                                     const quire_bytes *forms, uint32_t form_count);
/* doc_len: the document's length in tokens (for the block impacts). */
QUIRE_MUST_CHECK int quire_segment_writer_add_posting(quire_segment_writer *w, uint32_t doc,
                                                      uint32_t tf, const uint32_t *positions,
                                                      uint32_t doc_len);
/* Right after begin_form / begin_stem: the term's pre-encoded first blocks (postings.h). */
QUIRE_MUST_CHECK int quire_segment_writer_add_blocks(quire_segment_writer *w,
                                                     const quire_postings_blocks *blocks);
/* The same with the positions as gaps (quire_postings_add_gaps). */
QUIRE_MUST_CHECK int quire_segment_writer_add_posting_gaps(quire_segment_writer *w, uint32_t doc,
                                                           uint32_t tf, const uint32_t *gaps,
                                                           uint32_t doc_len);
QUIRE_MUST_CHECK int quire_segment_writer_end_term(quire_segment_writer *w);
/* Pair terms (version 4), after every form and before any stem: first the pair set
 * (quire_pair_set_encode's bytes), then each pair in key order ("first second", no
 * prefix), its postings as a form's (positions of the first word), ended by end_term.
 * Pair postings are not counted in the stats' posting_count nor form_count. */
QUIRE_MUST_CHECK int quire_segment_writer_add_pair_set(quire_segment_writer *w,
                                                       quire_bytes encoded);
QUIRE_MUST_CHECK int quire_segment_writer_begin_pair(quire_segment_writer *w, quire_bytes pair);
/* A stem with one form: an alias of that form, whose postings were written before. */
QUIRE_MUST_CHECK int quire_segment_writer_add_alias_stem(quire_segment_writer *w, quire_bytes stem,
                                                         quire_bytes form);

/* Write trailers, fsync every file. On success the segment can be named in a manifest;
 * *stats describes it. On failure the files are removed. Frees the writer either way. */
QUIRE_MUST_CHECK int quire_segment_writer_finish(quire_segment_writer *w,
                                                 quire_segment_stats *stats);
/* Give up: remove the files, free the writer. Accepts NULL. */
void quire_segment_writer_abort(quire_segment_writer *w);

/* Remove a segment's files (after no manifest needs them). */
void quire_segment_remove(const char *dir, uint64_t id);

#endif
