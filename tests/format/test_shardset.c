/*
 * test_shardset.c - the shard set's manifest (FORMAT.md "Shard set"): encode / parse round
 * trip; its bytes are exactly the table's; every flipped byte and every cut is refused
 * (QUIRE_ECORRUPT, or QUIRE_EVERSION for the version field), never read as another set;
 * create writes it once and then answers QUIRE_OK for the same set and QUIRE_EMISMATCH
 * naming the field for another; the shard of an id is H(id) mod N with the id index's hash
 * and spreads ids evenly.
 */
#include "quire/shardset.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quire/ids.h"

static const quire_shardset sample = {4, QUIRE_SHARD_HASH_ID64,
                                      "quire-analysis/2 english fold-diacritics", "english", false};

Test(shardset, parses_what_it_encodes)
{
    quire_buf b = QUIRE_BUF_INIT;
    cr_assert_eq(quire_shardset_encode(&b, &sample), QUIRE_OK);
    quire_shardset s;
    cr_assert_eq(quire_shardset_parse(&s, b.data, b.len, "x"), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(s.shard_count, 4);
    cr_expect_eq(s.hash, QUIRE_SHARD_HASH_ID64);
    cr_expect_str_eq(s.analyzer_id, sample.analyzer_id);
    cr_expect_str_eq(s.language, "english");
    cr_expect(!s.keep_diacritics);
    quire_shardset_free(&s);
    quire_buf_free(&b);
}

Test(shardset, bytes_are_those_of_format_md)
{
    quire_buf b = QUIRE_BUF_INIT;
    const quire_shardset t = {3, 1, "ab", "en", true};
    cr_assert_eq(quire_shardset_encode(&b, &t), QUIRE_OK);
    static const uint8_t want[] = {'Q', 'U', 'I', 'R', 'S', 'H', 'D', '1', 1, 0,   0,
                                   0,   3,   0,   0,   0,   1,   0,   0,   0, 1,   2,
                                   0,   0,   0,   'a', 'b', 2,   0,   0,   0, 'e', 'n'};
    cr_assert_eq(b.len, sizeof want + 4);
    cr_expect_eq(memcmp(b.data, want, sizeof want), 0);
    cr_expect_eq(quire_load_le32(b.data + sizeof want), quire_crc32(0, want, sizeof want));
    quire_buf_free(&b);
}

Test(shardset, every_damage_is_refused)
{
    quire_buf b = QUIRE_BUF_INIT;
    cr_assert_eq(quire_shardset_encode(&b, &sample), QUIRE_OK);
    uint8_t *copy = malloc(b.len);
    for (size_t i = 0; i < b.len; i++)
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, b.data, b.len);
            copy[i] ^= (uint8_t)(1u << bit);
            quire_shardset s;
            const int rc = quire_shardset_parse(&s, copy, b.len, "x");
            cr_expect(rc == QUIRE_ECORRUPT || (rc == QUIRE_EVERSION && i >= 8 && i < 12),
                      "byte %zu bit %d: %d", i, bit, rc);
        }
    for (size_t n = 0; n < b.len; n++) {
        quire_shardset s;
        const int rc = quire_shardset_parse(&s, b.data, n, "x");
        cr_expect(rc == QUIRE_ECORRUPT || rc == QUIRE_EVERSION, "cut at %zu: %d", n, rc);
    }
    free(copy);
    quire_buf_free(&b);
}

Test(shardset, create_writes_once_and_refuses_another_set)
{
    char dir[] = "/tmp/quire-shardset-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char sub[128];
    snprintf(sub, sizeof sub, "%s/a/set", dir);
    quire_shardset s;
    cr_expect_eq(quire_shardset_read(&s, sub), QUIRE_ENOTFOUND);
    cr_assert_eq(quire_shardset_create(sub, &sample), QUIRE_OK, "%s", quire_errmsg());
    cr_assert_eq(quire_shardset_read(&s, sub), QUIRE_OK, "%s", quire_errmsg());
    cr_expect_eq(s.shard_count, 4);
    quire_shardset_free(&s);
    cr_expect_eq(quire_shardset_create(sub, &sample), QUIRE_OK);
    quire_shardset other = sample;
    other.shard_count = 5;
    cr_expect_eq(quire_shardset_create(sub, &other), QUIRE_EMISMATCH);
    cr_expect(strstr(quire_errmsg(), "shard count is 4, not 5") != NULL, "%s", quire_errmsg());
    other = sample;
    other.analyzer_id = "quire-analysis/2 french fold-diacritics";
    cr_expect_eq(quire_shardset_create(sub, &other), QUIRE_EMISMATCH);
    cr_expect(strstr(quire_errmsg(), "analyzer") != NULL, "%s", quire_errmsg());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

Test(shardset, an_id_goes_to_its_hash_mod_n_and_ids_spread_evenly)
{
    uint32_t count[7] = {0};
    for (int i = 0; i < 70000; i++) {
        char id[16];
        const int n = snprintf(id, sizeof id, "%d", i);
        const uint32_t s = quire_shard_of(id, (size_t)n, 7);
        cr_assert_eq(s, quire_id_hash(id, (size_t)n) % 7);
        count[s]++;
    }
    for (int s = 0; s < 7; s++)
        cr_expect(count[s] > 9500 && count[s] < 10500, "shard %d holds %u of 70000", s,
                  (unsigned)count[s]);
    cr_expect_eq(quire_shard_of("x", 1, 1), 0);
    char path[64];
    cr_expect_eq(quire_shard_dir(path, sizeof path, "/d", 12), QUIRE_OK);
    cr_expect_str_eq(path, "/d/shard-12");
}
