/*
 * revdict.c - reversed form dictionaries (seg-<id>.rvd, FORMAT.md "Reversed forms (.rvd)"):
 *
 *   header (24: "QUIR" "RVD " version flags owner=segment id) | dictionary blocks and
 *   sparse index (as .ter's: termdict.c) of every form with its code points reversed, each
 *   value empty | index region: dict_index_off le64, dict_index_len le64 | footer (40,
 *   count = the segment's form_count).
 *
 * A fuzzy word (query/fuzzy.c) walks it with the word reversed to find the forms that end
 * like the word, so that neither walk has to read every key under a short prefix.
 */
#include "revdict.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/keysort.h"

/* The length of the UTF-8 sequence at p[0..n) if it is one well-formed code point
 * (shortest form, no surrogates, at most U+10FFFF), else 0. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    const uint8_t b = p[0];
    if (b < 0x80)
        return 1;
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF)
        len = 2;
    else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        if (b == 0xE0)
            lo = 0xA0;
        if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        if (b == 0xF0)
            lo = 0x90;
        if (b == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

bool quire_revdict_reverse(uint8_t *out, const uint8_t *s, size_t len)
{
    size_t at = 0;
    while (at < len) {
        const size_t n = utf8_seq(s + at, len - at);
        if (n == 0)
            return false;
        memcpy(out + len - at - n, s + at, n);
        at += n;
    }
    return true;
}

typedef struct rkey {
    const uint8_t *p;
    size_t len;
} rkey;

static int cmp_rkey(const void *pa, const void *pb)
{
    const rkey *a = pa, *b = pb;
    const int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
    if (c != 0)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

static void rvd_path(char *out, size_t cap, const char *dir, uint64_t id)
{
    snprintf(out, cap, "%s/seg-%08" PRIx64 ".rvd", dir, id);
}

int revdict_write(const char *dir, uint64_t id, const quire_buf *forms, uint64_t form_count)
{
    char path[4200];
    rvd_path(path, sizeof path, dir, id);
    unlink(path); /* a leftover of an interrupted run that had the same id */
    uint8_t *rev = quire_malloc(forms->len > 0 ? forms->len : 1);
    /* the keys, then as many entries of scratch for the sort */
    quire_keysort_entry *keys = quire_malloc((form_count > 0 ? form_count : 1) * 2 * sizeof *keys);
    if (rev == NULL || keys == NULL) {
        quire_free(rev);
        quire_free(keys);
        return quire_oom();
    }
    /* every form reversed, into rev (the same bytes, each key where its form was) */
    const uint8_t *p = forms->data, *end = p != NULL ? p + forms->len : p;
    uint64_t n = 0;
    bool valid = true;
    while (p < end && n < form_count) {
        uint64_t len = 0;
        if (quire_varint_get(&len, &p, end) != QUIRE_OK || len > (uint64_t)(end - p)) {
            valid = false;
            break;
        }
        uint8_t *r = rev + (p - forms->data);
        if (!quire_revdict_reverse(r, p, (size_t)len)) {
            valid = false; /* not UTF-8: no reversed dictionary for this segment */
            break;
        }
        keys[n].key = r;
        keys[n].len = (uint32_t)len;
        keys[n].prefix = quire_keysort_prefix(r, (size_t)len);
        keys[n++].index = 0;
        p += len;
    }
    int rc = QUIRE_OK;
    if (!valid || n != form_count || p != end)
        goto done;
    quire_keysort(keys, keys + n, (size_t)n);
    quire_sink s;
    rc = quire_sink_open(&s, path);
    if (rc != QUIRE_OK)
        goto done;
    frame_write_header(&s, RVD_KIND, id);
    quire_termdict_writer *w = NULL;
    rc = quire_termdict_writer_new(&w, &s);
    for (uint64_t i = 0; i < n && rc == QUIRE_OK; i++)
        rc = quire_termdict_add(w, quire_bytes_of(keys[i].key, keys[i].len), quire_bytes_of("", 0));
    uint64_t count = 0, di_off = 0, di_len = 0;
    if (rc == QUIRE_OK)
        rc = quire_termdict_finish(w, &count);
    if (rc == QUIRE_OK) {
        quire_termdict_writer_index(w, &di_off, &di_len);
        uint8_t ix[RVD_INDEX_LEN];
        quire_store_le64(ix, di_off);
        quire_store_le64(ix + 8, di_len);
        frame_footer f = {s.offset, sizeof ix, quire_crc32(0, ix, sizeof ix), 0, count};
        quire_sink_write(&s, ix, sizeof ix);
        frame_write_footer(&s, &f);
        rc = quire_sink_finish(&s);
    } else
        quire_sink_abort(&s);
    quire_termdict_writer_free(w);
    if (rc != QUIRE_OK)
        unlink(path);
done:
    quire_free(rev);
    quire_free(keys);
    return rc;
}

void revdict_close(revdict *r)
{
    if (r == NULL)
        return;
    quire_termdict_close(r->dict);
    quire_map_close(&r->map);
    quire_free(r->name);
    quire_free(r);
}

int revdict_open(revdict **out, const char *dir, uint64_t id, uint64_t form_count)
{
    *out = NULL;
    char path[4200];
    rvd_path(path, sizeof path, dir, id);
    revdict *r = quire_calloc(1, sizeof *r);
    if (r == NULL)
        return quire_oom();
    r->name = quire_strndup(path, strlen(path));
    if (r->name == NULL) {
        quire_free(r);
        return quire_oom();
    }
    int rc = quire_map_open(&r->map, path);
    if (rc == QUIRE_ENOTFOUND) {
        revdict_close(r); /* optional: segments before version 4 have none */
        return QUIRE_OK;
    }
    if (rc == QUIRE_OK)
        rc = frame_check(r->map.bytes, RVD_KIND, id, path, &r->f);
    if (rc == QUIRE_OK && (r->f.index_len != RVD_INDEX_LEN || r->f.count != form_count))
        rc = quire_corrupt("%s: holds %llu forms, the segment %llu", path,
                           (unsigned long long)r->f.count, (unsigned long long)form_count);
    if (rc == QUIRE_OK) {
        const uint8_t *ix = r->map.bytes.ptr + r->f.index_off;
        const uint64_t di_off = quire_load_le64(ix), di_len = quire_load_le64(ix + 8);
        if (di_off < FRAME_HEADER_LEN || di_off > r->f.index_off ||
            di_len != r->f.index_off - di_off)
            rc = quire_corrupt("%s: the dictionary's index lies outside its blocks", path);
        else
            rc = quire_termdict_open(&r->dict, quire_bytes_of(r->map.bytes.ptr, r->f.index_off),
                                     di_off, di_len, path);
    }
    if (rc == QUIRE_OK && quire_termdict_count(r->dict) != form_count)
        rc = quire_corrupt("%s: its dictionary holds %llu keys, the segment %llu forms", path,
                           (unsigned long long)quire_termdict_count(r->dict),
                           (unsigned long long)form_count);
    if (rc != QUIRE_OK) {
        revdict_close(r);
        return rc;
    }
    *out = r;
    return QUIRE_OK;
}

int64_t revdict_verify(const revdict *r, const quire_segment *seg, quire_report_fn report,
                       void *ctx)
{
    char line[700];
    int64_t problems = 0;
    if (frame_check_body(r->map.bytes, &r->f, r->name) != QUIRE_OK) {
        report(ctx, quire_errmsg());
        problems++;
    }
    quire_termdict_iter it;
    uint8_t prev[QUIRE_DICT_MAX_KEY], form[QUIRE_DICT_MAX_KEY];
    size_t prev_len = 0;
    uint64_t n = 0;
    int rc = quire_termdict_seek(&it, r->dict, quire_bytes_of("", 0));
    while (rc == QUIRE_OK) {
        rc = quire_termdict_next(&it);
        if (rc != QUIRE_OK)
            break;
        const char *bad = NULL;
        quire_term t;
        if (n > 0 && cmp_rkey(&(rkey){it.key, it.key_len}, &(rkey){prev, prev_len}) <= 0)
            bad = "out of order";
        else if (it.value.len != 0)
            bad = "its value is not empty";
        else if (!quire_revdict_reverse(form, it.key, it.key_len))
            bad = "not UTF-8";
        else {
            const int lrc = quire_segment_lookup(seg, QUIRE_TERM_FORM,
                                                 quire_bytes_of(form, it.key_len), &t);
            if (lrc == QUIRE_ENOMEM)
                return -1;
            if (lrc != QUIRE_OK)
                bad = "its reversal is not a form of the segment";
        }
        if (bad != NULL) {
            snprintf(line, sizeof line, "%s: key %llu ('%.*s'): %s", r->name,
                     (unsigned long long)n, (int)it.key_len, (const char *)it.key, bad);
            report(ctx, line);
            problems++;
        }
        memcpy(prev, it.key, it.key_len);
        prev_len = it.key_len;
        n++;
    }
    if (rc != QUIRE_ENOTFOUND) {
        snprintf(line, sizeof line, "%s: %s", r->name, quire_errmsg());
        report(ctx, line);
        problems++;
    }
    return problems;
}
