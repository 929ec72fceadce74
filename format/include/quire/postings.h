/*
 * postings.h - the postings codec: for one term, the ascending doc ids where it occurs,
 * each with its term frequency (tf) and, for positional terms, its ascending positions.
 * FORMAT.md section "Postings (.doc) and positions (.pos)" is normative.
 *
 * Shape (see FORMAT.md for the bytes):
 *   - Docs are cut into blocks of QUIRE_BLOCK_DOCS (128). A block stores doc-id gaps and
 *     tf-1 values, each bit-packed with the block's own bit width, and a CRC-32 of its
 *     bytes. The last block may be shorter.
 *   - For positional terms, each block has a positions chunk in the .pos file: the
 *     positions of the block's docs, delta-coded within each doc, bit-packed in groups
 *     of 128 values, with its own CRC-32.
 *   - A skip entry per block: last doc id, byte lengths of its doc block and positions
 *     chunk, and its impacts: the (tf, doc_len) pairs no other posting of the block beats
 *     on both (higher tf, shorter doc), at most QUIRE_MAX_IMPACTS of them. BM25 grows with
 *     tf and shrinks with doc_len, so the best score of any posting of the block is
 *     reached at one of these pairs, whatever k1, b and the average length are. That is
 *     what block-max pruning needs.
 *   - The skip entries follow the term's blocks in .doc, and a term-level impact list
 *     (the same frontier over the whole term) is stored with them. They have a CRC-32.
 * Everything is written as a stream (blocks first, skips after), so a term of any size is
 * written without holding it in memory beyond one block and its skip entries.
 *
 * Readers take the mapped .doc and .pos files as byte views and check every length,
 * offset and CRC before use: damaged bytes give QUIRE_ECORRUPT, never a wrong doc id.
 */
#ifndef QUIRE_POSTINGS_H
#define QUIRE_POSTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "quire/bytes.h"
#include "quire/fileio.h"
#include "quire/status.h"

#define QUIRE_BLOCK_DOCS 128
#define QUIRE_MAX_IMPACTS 8
#define QUIRE_DOC_END UINT32_MAX /* cursor's doc id after the last posting */

typedef struct quire_impact {
    uint32_t tf;
    uint32_t doc_len;
} quire_impact;

/* Where a term's postings are and what they hold. Stored (varint-coded) in the term's
 * dictionary entry by the segment module; the codec fills it in at the end of a term. */
typedef struct quire_postings_meta {
    uint32_t df;        /* documents */
    uint64_t cf;        /* sum of tf */
    uint64_t doc_off;   /* first byte of the term's blocks in .doc */
    uint64_t doc_len;   /* bytes of blocks + skip data in .doc */
    uint64_t pos_off;   /* first byte of its position chunks in .pos */
    uint64_t pos_len;   /* bytes in .pos; 0 for a term without positions */
    /* Format 3: a term of one block (df <= 128) whose .doc bytes, less their CRC, and .pos
     * bytes take at most the writer's inline limit together lives inline in its dictionary
     * entry (FORMAT.md "Inline postings"): inline_doc and inline_pos view those bytes,
     * doc_off and pos_off are 0, doc_len and pos_len their lengths. */
    bool is_inline;
    const uint8_t *inline_doc, *inline_pos;
} quire_postings_meta;

/* The inline limit format 3's segment writer sets, in bytes. */
#define QUIRE_INLINE_MAX 48

/* Encode / decode a meta as varints (for dictionary values). decode checks bounds. */
void quire_postings_meta_encode(quire_buf *out, const quire_postings_meta *m);
QUIRE_MUST_CHECK int quire_postings_meta_decode(quire_postings_meta *m, const uint8_t **p,
                                                const uint8_t *end);
/* The same for inline postings: df, cf - df, doc_len, pos_len (varints), then the bytes.
 * decode sets the views into [*p, end) and checks df <= 128 and the lengths. */
void quire_postings_meta_encode_inline(quire_buf *out, const quire_postings_meta *m);
QUIRE_MUST_CHECK int quire_postings_meta_decode_inline(quire_postings_meta *m, const uint8_t **p,
                                                       const uint8_t *end);

/* ---- writing ---- */

typedef struct quire_postings_writer quire_postings_writer;

/* A writer appends terms to `doc_out` and (if not NULL) `pos_out`. It borrows both sinks. */
QUIRE_MUST_CHECK int quire_postings_writer_new(quire_postings_writer **out, quire_sink *doc_out,
                                               quire_sink *pos_out);
void quire_postings_writer_free(quire_postings_writer *w);

/* Let a term of one block whose bytes (less the CRC) take at most `max_bytes` be inline:
 * quire_postings_end then writes nothing and hands the bytes back in the meta (views into
 * the writer, valid until the next begin). 0, the default, never inlines (format 2). */
void quire_postings_writer_set_inline(quire_postings_writer *w, uint32_t max_bytes);

/* Start a term. `with_positions` false writes no .pos data for it. */
void quire_postings_begin(quire_postings_writer *w, bool with_positions);
/* Add one posting: doc ids strictly ascending within a term; tf >= 1; `positions` has
 * tf ascending values (ignored, may be NULL, without positions); `doc_len` >= tf is the
 * document's length in tokens, used for the impacts. */
QUIRE_MUST_CHECK int quire_postings_add(quire_postings_writer *w, uint32_t doc_id, uint32_t tf,
                                        const uint32_t *positions, uint32_t doc_len);
/* The same with the positions given as gaps: the first position, then each position
 * minus the one before (their sum must stay below 2^32). */
QUIRE_MUST_CHECK int quire_postings_add_gaps(quire_postings_writer *w, uint32_t doc_id,
                                             uint32_t tf, const uint32_t *gaps, uint32_t doc_len);
/* Pre-encoded blocks: a term's first full blocks of QUIRE_BLOCK_DOCS postings encoded as
 * their postings come (by the indexer's inverter, while workers analyse), so that writing
 * the term later copies their bytes. Only blocks that are not the term's last: a caller
 * encodes a block once a posting after it exists. */
typedef struct quire_postings_blocks {
    quire_buf doc, pos, skip; /* the blocks as .doc and .pos hold them; their skip entries */
    quire_impact *front;      /* the uncapped impact frontier over them */
    uint32_t front_count, front_cap;
    uint32_t blocks;   /* encoded so far */
    uint32_t last_doc; /* of the last block */
    uint32_t df;
    uint64_t cf;
    bool with_positions;
} quire_postings_blocks;

void quire_postings_blocks_init(quire_postings_blocks *b, bool with_positions);
void quire_postings_blocks_free(quire_postings_blocks *b);
/* Bytes it holds (allocated), for memory budgets. */
size_t quire_postings_blocks_bytes(const quire_postings_blocks *b);
/* Encode the next QUIRE_BLOCK_DOCS postings: doc ids ascending (after the blocks before),
 * their tfs and document lengths, and (with positions) their positions as gaps per
 * posting (first as is, then differences), gap_count = the sum of the tfs. */
QUIRE_MUST_CHECK int quire_postings_blocks_add(quire_postings_blocks *b, const uint32_t *docs,
                                               const uint32_t *tfs, const uint32_t *doc_lens,
                                               const uint32_t *gaps, size_t gap_count);
/* Right after quire_postings_begin: write the term's pre-encoded blocks (with_positions as
 * the term's); then add the rest of its postings (at least one) and end it. */
QUIRE_MUST_CHECK int quire_postings_add_blocks(quire_postings_writer *w,
                                               const quire_postings_blocks *b);

/* End the term: write the last block and the skip data, fill *meta. A term with no
 * posting is an error (QUIRE_EINVAL). */
QUIRE_MUST_CHECK int quire_postings_end(quire_postings_writer *w, quire_postings_meta *meta);

/* ---- reading ---- */

/* A cursor over one term's postings. Fields are read by the query code directly for
 * speed (doc, tf, and the current block's bounds) but only changed by these functions. */
typedef struct quire_postings_cursor {
    /* public, read-only */
    uint32_t doc;            /* current doc id, QUIRE_DOC_END when exhausted */
    uint32_t tf;             /* its tf */
    uint32_t df;
    /* the current block (after next/advance/shallow_advance) */
    uint32_t block_last_doc; /* last doc id of the current block */
    const quire_impact *block_impacts;
    uint32_t block_impact_count;
    const quire_impact *term_impacts; /* frontier over the whole term */
    uint32_t term_impact_count;
    /* private */
    quire_bytes doc_file, pos_file;
    const char *doc_name, *pos_name; /* the files, for messages (borrowed) */
    quire_postings_meta meta;
    struct quire_postings_cursor_state *st;
} quire_postings_cursor;

/* Open a cursor on a term. Borrows the two file views (they must outlive the cursor).
 * The cursor is positioned before the first posting: call next(). `pos_file` may be empty
 * for a term without positions. Returns QUIRE_OK, QUIRE_ECORRUPT or QUIRE_ENOMEM. */
QUIRE_MUST_CHECK int quire_postings_open(quire_postings_cursor *c, quire_bytes doc_file,
                                         quire_bytes pos_file, const quire_postings_meta *meta);
/* The same, naming the two files in error messages (`doc_name`, `pos_name` are borrowed:
 * they must outlive the cursor). quire_postings_open() names them generically. */
QUIRE_MUST_CHECK int quire_postings_open_named(quire_postings_cursor *c, quire_bytes doc_file,
                                               quire_bytes pos_file,
                                               const quire_postings_meta *meta,
                                               const char *doc_name, const char *pos_name);
void quire_postings_close(quire_postings_cursor *c);

/* Move to the next posting (doc becomes QUIRE_DOC_END at the end). */
QUIRE_MUST_CHECK int quire_postings_next(quire_postings_cursor *c);
/* Move to the first posting with doc id >= target (no move if already there). */
QUIRE_MUST_CHECK int quire_postings_advance(quire_postings_cursor *c, uint32_t target);
/* Move only the block pointer to the block that may hold `target`, updating
 * block_last_doc and block_impacts, without decoding the block. For block-max pruning.
 * Past the last block, block_last_doc is QUIRE_DOC_END. */
QUIRE_MUST_CHECK int quire_postings_shallow_advance(quire_postings_cursor *c, uint32_t target);
/* The positions of the current posting (tf ascending values), valid until the cursor
 * moves. QUIRE_EINVAL if the term has no positions. */
QUIRE_MUST_CHECK int quire_postings_positions(quire_postings_cursor *c, const uint32_t **positions,
                                              uint32_t *count);

#endif
