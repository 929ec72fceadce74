/*
 * scorer.c - BM25 (see scorer.h for the formula and where the defaults come from).
 */
#include "scorer.h"

#include <math.h>

void scorer_init(scorer *s, double k1, double b, uint64_t doc_count, uint64_t total_tokens)
{
    s->k1 = k1;
    s->b = b;
    s->doc_count = doc_count;
    s->avgdl = doc_count > 0 ? (double)total_tokens / (double)doc_count : 1.0;
    if (s->avgdl <= 0.0) /* every document empty: any positive value gives dl/avgdl = 0 */
        s->avgdl = 1.0;
}

double scorer_idf(const scorer *s, uint64_t df)
{
    /* df counts deleted documents too and may pass N; clamping keeps idf positive (the
     * "1 +" inside the log already does for df <= N). */
    const double n = (double)s->doc_count;
    const double d = df > s->doc_count ? n : (double)df;
    return log(1.0 + (n - d + 0.5) / (d + 0.5));
}

double scorer_weight(const scorer *s, uint64_t df)
{
    return scorer_idf(s, df) * (s->k1 + 1.0);
}

double scorer_norm(const scorer *s, uint32_t doc_len)
{
    return s->k1 * (1.0 - s->b + s->b * (double)doc_len / s->avgdl);
}

double scorer_impact_bound(const scorer *s, double weight, const quire_impact *impacts,
                           uint32_t count)
{
    double best = 0.0;
    for (uint32_t i = 0; i < count; i++) {
        const double v = scorer_term(weight, impacts[i].tf, scorer_norm(s, impacts[i].doc_len));
        if (v > best)
            best = v;
    }
    return best;
}
