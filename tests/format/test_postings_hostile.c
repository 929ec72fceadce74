/*
 * test_postings_hostile.c - postings metas and bytes a hostile file could hold, with right
 * CRCs, found by the fuzz targets (tests/fuzz): each is refused as corruption, never read
 * out of bounds (run under ASan in build/asan).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "quire/bytes.h"
#include "quire/postings.h"

/* Skip data of zero length with its CRC: the smallest multi-block tail there is. */
static void empty_skip(uint8_t out[8])
{
    quire_store_le32(out, 0);
    quire_store_le32(out + 4, quire_crc32(0, out, 4));
}

/* A df within 127 of 2^32 made (df + 127) / 128 wrap to 0 blocks: the cursor's state was
 * allocated for none and the skip entries written past it (heap overflow, fuzz_postings). */
Test(postings_hostile, df_near_2_to_32_is_refused)
{
    uint8_t doc[8];
    empty_skip(doc);
    for (uint32_t df = UINT32_MAX - 127; df < UINT32_MAX; df++) {
        quire_postings_meta m = {df, (uint64_t)df + 5, 0, sizeof doc, 0, 0, false, NULL, NULL};
        quire_postings_cursor c;
        int rc =
            quire_postings_open(&c, quire_bytes_of(doc, sizeof doc), quire_bytes_of("", 0), &m);
        quire_postings_close(&c);
        cr_assert_eq(rc, QUIRE_ECORRUPT, "df %u: %d", df, rc);
    }
}

/* The same metas through the dictionary's encoding: decoded, then refused at open. */
Test(postings_hostile, encoded_meta_with_huge_df)
{
    quire_postings_meta m = {UINT32_MAX - 1, UINT32_MAX, 0, 8, 0, 0, false, NULL, NULL}, back;
    quire_buf b = QUIRE_BUF_INIT;
    quire_postings_meta_encode(&b, &m);
    const uint8_t *p = b.data;
    cr_assert_eq(quire_postings_meta_decode(&back, &p, b.data + b.len), QUIRE_OK);
    cr_assert_eq(back.df, m.df);
    uint8_t doc[8];
    empty_skip(doc);
    quire_postings_cursor c;
    cr_assert_eq(
        quire_postings_open(&c, quire_bytes_of(doc, sizeof doc), quire_bytes_of("", 0), &back),
        QUIRE_ECORRUPT);
    quire_postings_close(&c);
    quire_buf_free(&b);
}
