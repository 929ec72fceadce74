/*
 * fuzz_analysis.c - the tokenizer and normalizer on arbitrary bytes.
 * Input: byte 0 picks the options (bit 0: keep diacritics, bits 1-4: the language), the
 * rest is the text. Checks: every token lies inside the text, positions ascend, forms are
 * non-empty valid UTF-8 of at most QUIRE_MAX_TERM_BYTES, stems are set; sanitizing gives
 * valid UTF-8; quire_utf8_next always advances.
 */
#include <string.h>

#include "fuzz_common.h"
#include "quire/analysis.h"

static bool valid_utf8(const char *s, size_t n)
{
    quire_buf b = {0};
    size_t bad = quire_utf8_sanitize(&b, s, n);
    quire_buf_free(&b);
    return bad == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char **langs = quire_analyzer_languages();
    size_t nl = 0;
    while (langs[nl])
        nl++;
    quire_analyzer_opts opts = {langs[(data[0] >> 1) % nl], (data[0] & 1) != 0, 4096};
    quire_analyzer *an = NULL;
    if (quire_analyzer_new(&an, &opts) != QUIRE_OK)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;

    for (int pass = 0; pass < 2; pass++) {
        quire_token_iter it;
        quire_tokens_begin(&it, an, text, len, 7, pass == 0);
        quire_token tok;
        uint32_t last_pos = 0;
        size_t last_start = 0, count = 0;
        while (quire_tokens_next(&it, &tok)) {
            FZ_CHECK(tok.byte_start < tok.byte_end && tok.byte_end <= len);
            FZ_CHECK(count == 0 || tok.byte_start >= last_start);
            FZ_CHECK(count == 0 ? tok.pos >= 7 : tok.pos > last_pos);
            FZ_CHECK(tok.form && tok.form_len > 0 && tok.form_len <= QUIRE_MAX_TERM_BYTES);
            FZ_CHECK(strlen(tok.form) == tok.form_len);
            FZ_CHECK(valid_utf8(tok.form, tok.form_len));
            if (pass == 0) {
                FZ_CHECK(tok.stem && strlen(tok.stem) == tok.stem_len);
                FZ_CHECK(tok.stem_len <= QUIRE_MAX_TERM_BYTES * 4);
            } else {
                FZ_CHECK(tok.stem == NULL);
            }
            last_pos = tok.pos;
            last_start = tok.byte_start;
            count++;
        }
        FZ_CHECK(count <= len);
    }

    quire_buf clean = {0};
    size_t bad = quire_utf8_sanitize(&clean, text, len);
    FZ_CHECK(!clean.err);
    if (bad) {
        FZ_CHECK(valid_utf8((const char *)clean.data, clean.len));
    } else {
        FZ_CHECK(clean.len == 0);
    }
    quire_buf_free(&clean);

    size_t at = 0, steps = 0;
    while (at < len) {
        size_t before = at;
        uint32_t cp = quire_utf8_next(data + 1, len, &at);
        FZ_CHECK(at > before && at <= len && cp <= 0x10FFFF);
        (void)quire_is_word_char(cp), (void)quire_is_quote_char(cp),
            (void)quire_is_sentence_end(cp);
        steps++;
    }
    FZ_CHECK(steps <= len);
    quire_analyzer_free(an);
    return 0;
}
