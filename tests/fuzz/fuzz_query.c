/*
 * fuzz_query.c - the query parser, planner and cursors: arbitrary query text searched in
 * the template index. Input: byte 0 picks the options (bit 0: --any, bit 1: --lenient,
 * bits 2-4: top k 0..7, bits 5-6: 0 relevance, 1 date, 2 -date, 3 relevance with --explain,
 * notes, the fallback to close renderings and a passage per hit; bit 7: --offset 2; byte 1: bit 0
 * --plain, bit 1 --proximity --title-weight 2, bit 2 --rm3), the rest is the query. Checks: a clear status (OK, a syntax error with an offset inside the
 * query, a limit), hits sorted by score then doc id (by date first in a date order, undated
 * last), at most k of them and no more than the match count; with --explain, each hit's
 * clause scores add up to its score.
 */
#include <math.h>
#include <string.h>

#include "fuzz_common.h"
#include "parser.h"
#include "query.h"
#include "quire/date.h"

static searcher *s;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    if (!s && search_open(&s, fz_template_dir()) != QUIRE_OK) {
        fprintf(stderr, "fuzz: cannot open the template: %s\n", quire_errmsg());
        abort();
    }
    search_options o;
    search_options_init(&o);
    o.query = (const char *)data + 2;
    o.query_len = size - 2;
    o.match_any = data[0] & 1;
    o.lenient = (data[0] >> 1) & 1;
    o.top_k = (data[0] >> 2) & 7;
    const int sort = (data[0] >> 5) & 3;
    o.sort = sort == 1   ? SEARCH_SORT_DATE
             : sort == 2 ? SEARCH_SORT_DATE_DESC
                         : SEARCH_SORT_RELEVANCE;
    o.offset = data[0] >> 7 ? 2 : 0;
    o.explain = o.notes = o.fallback = sort == 3;
    o.passages = sort == 3;
    o.plain = data[1] & 1;
    o.proximity = (data[1] >> 1) & 1;
    o.title_weight = o.proximity ? 2.0 : 1.0;
    o.rm3 = (data[1] >> 2) & 1;
    search_result r = SEARCH_RESULT_INIT;
    int rc = search_query(&r, s, &o);
    if (rc == QUIRE_OK) {
        FZ_CHECK(r.hit_count <= o.top_k);
        FZ_CHECK(r.hit_count == 0 || r.hit_count + o.offset <= r.match_count);
        for (uint32_t i = 0; i < r.hit_count; i++) {
            FZ_CHECK(r.hits[i].external_id != NULL);
            if (r.explain != NULL) { /* the clause parts add up to the score */
                double sum = 0;
                for (uint32_t k = 0; k < r.explain->clause_count; k++)
                    sum += r.hits[i].clause_scores[k];
                FZ_CHECK(fabs(sum - r.hits[i].score) <= 1e-6 * (1 + fabs(r.hits[i].score)));
            }
            const int32_t a = i > 0 ? r.hits[i - 1].date : 0, b = r.hits[i].date;
            if (i > 0 && o.sort != SEARCH_SORT_RELEVANCE && a != b) {
                FZ_CHECK(b == QUIRE_NO_DATE ||
                         (a != QUIRE_NO_DATE && (o.sort == SEARCH_SORT_DATE ? a < b : a > b)));
                continue;
            }
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
