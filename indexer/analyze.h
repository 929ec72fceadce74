/*
 * analyze.h - the workers' half of indexing: a batch of raw documents (in input order) is
 * made valid UTF-8, cut into tokens, grouped per document into distinct forms with their
 * stems and positions, and its text compressed into stored-text blocks. Batches are
 * independent, so any number of workers analyse them in parallel; the inverter consumes
 * them in order, so the index does not depend on the number of workers.
 */
#ifndef QUIRE_ANALYZE_H
#define QUIRE_ANALYZE_H

#include <stdint.h>

#include "inverter.h"
#include "quire/analysis.h"
#include "quire/bytes.h"
#include "store_dict.h"

typedef struct batch_doc {
    /* raw, filled by the reader (offsets into batch.raw) */
    size_t id_off, id_len, title_off, title_len, origin_off, origin_len, text_off, text_len;
    int32_t date;
    uint64_t line; /* of the record in its origin, 0 if not applicable */
    uint64_t text_line, text_offset; /* plain text: where the text starts (source.h) */
    uint32_t text_column;
    bool text_verbatim;
    /* analysed */
    size_t clean_title_off, clean_title_len; /* into batch.clean */
    size_t clean_id_off, clean_id_len;       /* into batch.clean */
    uint64_t stored_len;                     /* bytes of text in the stored stream */
    size_t text_map_off, text_map_len;       /* its encoded text map, into batch.clean */
    uint32_t doc_len, title_tokens;
    uint32_t form_start, form_count; /* into batch.forms */
    uint32_t pair_count; /* pair terms, in batch.forms after its forms (INV_PAIR_WORD) */
    uint32_t invalid;                /* invalid UTF-8 sequences replaced */
    uint32_t truncated;              /* over-long words cut */
    uint32_t vocab_epoch;            /* of the worker's vocabulary its forms' words are in */
} batch_doc;

typedef struct batch_form {
    uint32_t form_off, form_len, stem_off, stem_len; /* into batch.strings */
    uint64_t form_hash, stem_hash;
    uint32_t tf, pos_off; /* into batch.positions */
    uint32_t word;        /* the form's number in the worker's vocabulary (of the doc's epoch) */
} batch_form;

typedef struct batch {
    uint64_t seq;
    quire_buf raw; /* the reader's copies of ids, titles, origins, texts */
    batch_doc *docs;
    uint32_t doc_count, doc_cap;
    /* analysis output */
    quire_buf clean;     /* sanitised ids and titles, and the texts' maps */
    quire_buf strings;   /* forms and stems */
    quire_buf forms;     /* batch_form records */
    quire_buf positions; /* uint32 */
    quire_buf text;      /* the stored-text stream, the texts back to back (sanitised) */
    quire_buf store;     /* text as encoded stored-text blocks, back to back */
    int error;           /* analysis error, QUIRE_OK if none */
    uint32_t worker;     /* the worker that analysed it: whose vocabulary `word`s number */
} batch;

void batch_reset(batch *b);
void batch_free(batch *b);

typedef struct analyze_worker analyze_worker;
/* `vocab_bytes`: the most the worker's vocabulary (each form met, with its stem and hashes)
 * may take before it is emptied and filled again. */
/* `index` (< INVERTER_SOURCES) tells the worker's vocabulary from the others' for the
 * inverter. */
QUIRE_MUST_CHECK int analyze_worker_new(analyze_worker **out, const quire_analyzer_opts *opts,
                                        size_t vocab_bytes, uint32_t index);
void analyze_worker_free(analyze_worker *w);
/* Train the run's stored-text dictionary `sd` on the batch of seq 0, when it analyses it. */
void analyze_worker_set_store_dict(analyze_worker *w, store_dict *sd);
quire_analyzer *analyze_worker_analyzer(analyze_worker *w);
/* Stems asked for (one per token) and how many came without running Snowball (from the
 * vocabulary, or the analyzer's own cache). */
void analyze_worker_stem_stats(const analyze_worker *w, uint64_t *asked, uint64_t *cached);
/* Analyse a filled batch in place (its stored text into b->text, not yet compressed). */
QUIRE_MUST_CHECK int analyze_batch(analyze_worker *w, batch *b);

/* Stored-text compression, apart from analysis so that any thread may do it (the pipeline
 * gives it to whichever thread would otherwise wait): one compressor per thread, at the
 * run's level, with the run's dictionary `sd` (NULL: none, DEFLATE blocks), which the
 * analysis of the batch of seq 0 trains and a compressor waits for. The blocks are the
 * same whoever compresses them. */
typedef struct batch_compressor batch_compressor;
QUIRE_MUST_CHECK int batch_compressor_new(batch_compressor **out, int level, store_dict *sd);
void batch_compressor_free(batch_compressor *c);
/* An analysed batch's stored text (b->text) cut into blocks and compressed into b->store. */
QUIRE_MUST_CHECK int batch_compress(batch_compressor *c, batch *b);

#endif
