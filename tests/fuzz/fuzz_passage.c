/*
 * fuzz_passage.c - the passage builder (query/passage.c) on arbitrary text and matches.
 * Input: byte 0: passages wanted (1..8); byte 1: max_bytes (16 + 4 * b); byte 2: clauses
 * (1..8); byte 3: matches (0..63), then 3 bytes per match (start position, length - 1,
 * clause); the rest is the title, a 0x01 byte, and the text (both made valid UTF-8 as the
 * indexer stores them). Matches may lie in the title (positions 0..T-1), in the text (T+1
 * on) or outside every token. Checks: a clear status; at most `count` passages, in text
 * order, disjoint, inside the text and on character boundaries, each with ascending,
 * disjoint highlights inside it; title highlights inside the title. And the text map's
 * way (passage_regions(), then only the regions' bytes given) gives the same passages as
 * the whole text does.
 */
#include <string.h>

#include "fuzz_common.h"
#include "passage.h"
#include "quire/analysis.h"
#include "quire/segment.h"

static quire_analyzer *an;

static bool boundary(const char *s, size_t len, size_t at)
{
    return at == 0 || at == len || ((uint8_t)s[at] & 0xC0) != 0x80;
}

static void check_highlights(const passage_highlight *h, uint32_t n, const char *s, size_t lo,
                             size_t hi, size_t len)
{
    for (uint32_t i = 0; i < n; i++) {
        FZ_CHECK(h[i].start >= lo && h[i].start < h[i].end && h[i].end <= hi);
        FZ_CHECK(i == 0 || h[i].start >= h[i - 1].end);
        FZ_CHECK(boundary(s, len, h[i].start) && boundary(s, len, h[i].end));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    if (!an) {
        const quire_analyzer_opts opts = {"english", false, 1 << 20};
        if (quire_analyzer_new(&an, &opts) != QUIRE_OK)
            abort();
    }
    const uint32_t count = data[0] % 8 + 1, clauses = data[2] % 8 + 1;
    const size_t max_bytes = 16 + (size_t)data[1] * 4;
    uint32_t nm = data[3] % 64;
    const uint8_t *p = data + 4, *end = data + size;
    if ((size_t)(end - p) < (size_t)nm * 3)
        nm = (uint32_t)((end - p) / 3);
    const uint8_t *mb = p;
    p += (size_t)nm * 3;

    const uint8_t *sep = memchr(p, 0x01, (size_t)(end - p));
    const uint8_t *title_end = sep ? sep : p, *text = sep ? sep + 1 : p;
    quire_buf tb = QUIRE_BUF_INIT, xb = QUIRE_BUF_INIT;
    const char *title = (const char *)p, *txt = (const char *)text;
    size_t title_len = (size_t)(title_end - p), text_len = (size_t)(end - text);
    if (quire_utf8_sanitize(&tb, title, title_len)) {
        title = (const char *)tb.data;
        title_len = tb.len;
    }
    if (quire_utf8_sanitize(&xb, txt, text_len)) {
        txt = (const char *)xb.data;
        text_len = xb.len;
    }
    /* copies, so that ASan sees reads past either */
    char *tcopy = malloc(title_len + 1), *xcopy = malloc(text_len + 1);
    memcpy(tcopy, title, title_len);
    memcpy(xcopy, txt, text_len);

    uint32_t title_tokens = 0;
    quire_token_iter it;
    quire_token tok;
    quire_tokens_begin(&it, an, tcopy, title_len, 0, false);
    while (quire_tokens_next(&it, &tok))
        title_tokens++;

    passage_match matches[64];
    double weights[8];
    for (uint32_t c = 0; c < clauses; c++)
        weights[c] = 0.25 + c;
    for (uint32_t i = 0; i < nm; i++) {
        /* bit 7 of the start byte: in the text (T + 1 + ...), else from 0 (the title) */
        uint32_t s = mb[3 * i] & 0x7f;
        if (mb[3 * i] & 0x80)
            s += title_tokens + 1;
        matches[i].start = s;
        matches[i].end = s + 1 + mb[3 * i + 1] % 8;
        matches[i].clause = mb[3 * i + 2] % clauses;
    }
    /* the text's tokens and its map, as the indexer makes it */
    uint32_t text_tokens = 0;
    uint64_t map[1024];
    quire_tokens_begin(&it, an, xcopy, text_len, 0, false);
    while (quire_tokens_next(&it, &tok)) {
        const uint32_t k = text_tokens / QUIRE_TEXT_MAP_EVERY;
        if (text_tokens % QUIRE_TEXT_MAP_EVERY == 0 && k > 0 && k <= 1024)
            map[k - 1] = tok.byte_start;
        text_tokens++;
    }
    passage_input in = {xcopy, text_len, tcopy,   title_len,   title_tokens, matches,
                        nm,    weights,  clauses, text_tokens, NULL,         0};
    passage *ps = NULL;
    uint32_t n = 0, thn = 0;
    passage_highlight *th = NULL;
    int rc = passage_build(&ps, &n, &th, &thn, an, &in, count, max_bytes);
    if (rc == QUIRE_OK) {
        FZ_CHECK(n <= count);
        for (uint32_t i = 0; i < n; i++) {
            FZ_CHECK(ps[i].start <= ps[i].end && ps[i].end <= text_len);
            FZ_CHECK(i == 0 || ps[i].start >= ps[i - 1].end);
            FZ_CHECK(boundary(xcopy, text_len, ps[i].start) &&
                     boundary(xcopy, text_len, ps[i].end));
            check_highlights(ps[i].highlights, ps[i].highlight_count, xcopy, ps[i].start, ps[i].end,
                             text_len);
        }
        check_highlights(th, thn, tcopy, 0, title_len, title_len);
        const uint32_t map_count = quire_text_map_count(text_tokens);
        passage_region regions[8];
        uint32_t nr = 0;
        if (map_count > 0 && map_count <= 1024 &&
            passage_regions(regions, &nr, &in, map, map_count, count, max_bytes) == QUIRE_OK) {
            /* only the regions' bytes, the rest unreadable garbage */
            char *part = malloc(text_len + 1);
            memset(part, 0xFF, text_len + 1);
            for (uint32_t i = 0; i < nr; i++) {
                FZ_CHECK(regions[i].start <= regions[i].end && regions[i].end <= text_len);
                FZ_CHECK(i == 0 || regions[i].start > regions[i - 1].end);
                memcpy(part + regions[i].start, xcopy + regions[i].start,
                       regions[i].end - regions[i].start);
            }
            passage_input rin = in;
            rin.text = part;
            rin.regions = regions;
            rin.region_count = nr;
            passage *rp = NULL;
            uint32_t rn = 0, rthn = 0;
            passage_highlight *rth = NULL;
            FZ_CHECK(passage_build(&rp, &rn, &rth, &rthn, an, &rin, count, max_bytes) == QUIRE_OK);
            FZ_CHECK(rn == n);
            for (uint32_t i = 0; i < n && i < rn; i++) {
                FZ_CHECK(rp[i].start == ps[i].start && rp[i].end == ps[i].end);
                FZ_CHECK(rp[i].cut_before == ps[i].cut_before &&
                         rp[i].cut_after == ps[i].cut_after);
                FZ_CHECK(rp[i].highlight_count == ps[i].highlight_count);
                for (uint32_t k = 0; k < rp[i].highlight_count && k < ps[i].highlight_count; k++)
                    FZ_CHECK(rp[i].highlights[k].start == ps[i].highlights[k].start &&
                             rp[i].highlights[k].end == ps[i].highlights[k].end);
            }
            passage_free(rp, rn);
            quire_free(rth);
            free(part);
        }
        passage_free(ps, n);
        quire_free(th);
    } else {
        FZ_CHECK(rc == QUIRE_EINVAL || rc == QUIRE_ECORRUPT);
    }
    free(tcopy);
    free(xcopy);
    quire_buf_free(&tb);
    quire_buf_free(&xb);
    quire_error_clear();
    return 0;
}
