/*
 * fuzz_query.c - the query parser, planner and cursors: arbitrary query text searched in
 * the template index. Input: byte 0 picks the options (bit 0: --any, bit 1: --lenient,
 * bits 2-4: top k 0..7, bit 5: --plain, bit 6: --proximity --title-weight 2, bit 7: --rm3),
 * the rest is the query. Checks: a clear status (OK, a syntax error
 * with an offset inside the query, a limit), hits sorted by score then doc id, at most k
 * of them and no more than the match count.
 */
#include <string.h>

#include "fuzz_common.h"
#include "parser.h"
#include "query.h"

static searcher *s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!s && search_open(&s, fz_template_dir()) != QUIRE_OK) {
        fprintf(stderr, "fuzz: cannot open the template: %s\n", quire_errmsg());
        abort();
    }
    search_options o;
    search_options_init(&o);
    o.query = (const char *)data + 1;
    o.query_len = size - 1;
    o.match_any = data[0] & 1;
    o.lenient = (data[0] >> 1) & 1;
    o.top_k = (data[0] >> 2) & 7;
    o.plain = (data[0] >> 5) & 1;
    o.proximity = (data[0] >> 6) & 1;
    o.title_weight = o.proximity ? 2.0 : 1.0;
    o.rm3 = (data[0] >> 7) & 1;
    search_result r = SEARCH_RESULT_INIT;
    int rc = search_query(&r, s, &o);
    if (rc == QUIRE_OK) {
        FZ_CHECK(r.hit_count <= o.top_k && r.hit_count <= r.match_count);
        for (uint32_t i = 0; i < r.hit_count; i++) {
            FZ_CHECK(r.hits[i].external_id != NULL);
            if (i > 0)
                FZ_CHECK(r.hits[i - 1].score > r.hits[i].score ||
                         (r.hits[i - 1].score == r.hits[i].score &&
                          r.hits[i - 1].doc_id < r.hits[i].doc_id));
        }
        search_result_free(&r);
    } else {
        FZ_CHECK(rc == QUIRE_EINVAL || rc == QUIRE_ELIMIT);
        size_t off = search_error_offset(s);
        FZ_CHECK(off == SIZE_MAX || off <= o.query_len);
    }
    return 0;
}
