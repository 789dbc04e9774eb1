/*
 * histogram.c - percentiles, merge and summary over the buckets that
 * histogram.h's inline sb_hist_record fills.
 */
#include <math.h>
#include <string.h>

#include "histogram.h"

void sb_hist_reset(struct sb_hist *h)
{
    if (!h)
        return;
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

uint64_t sb_hist_bucket_low(unsigned i)
{
    if (i < SB_HIST_SUB)
        return i;
    unsigned shift = i / SB_HIST_SUB - 1;
    return (uint64_t)(SB_HIST_SUB + i % SB_HIST_SUB) << shift;
}

uint64_t sb_hist_bucket_width(unsigned i)
{
    if (i < SB_HIST_SUB)
        return 1;
    return (uint64_t)1 << (i / SB_HIST_SUB - 1);
}

/*
 * The rank (1-based) of percentile q among count values: ceil(q% of count).
 * The relative nudge keeps a product such as 99.9 / 100 * 1000, which
 * floating point makes 999.0000000000001, at rank 999 and not 1000.
 */
static uint64_t rank_of(double q, uint64_t count)
{
    double x = q / 100.0 * (double)count;
    x -= x * 1e-12;
    uint64_t r = (uint64_t)ceil(x);
    if (r < 1)
        r = 1;
    if (r > count)
        r = count;
    return r;
}

uint64_t sb_hist_percentile(const struct sb_hist *h, double q)
{
    if (!h || h->count == 0 || !(q > 0))
        return 0;
    if (q >= 100)
        return h->max;
    uint64_t rank = rank_of(q, h->count);
    uint64_t seen = 0;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t v = sb_hist_bucket_low(i) + (sb_hist_bucket_width(i) - 1) / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max; /* unreachable while count matches the buckets */
}

double sb_hist_mean(const struct sb_hist *h)
{
    if (!h || h->count == 0)
        return 0;
    return h->sum / (double)h->count;
}

void sb_hist_merge(struct sb_hist *dst, const struct sb_hist *src)
{
    if (!dst || !src)
        return;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->saturated += src->saturated;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

void sb_hist_summary(const struct sb_hist *h, struct sb_latency *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    if (!h)
        return;
    out->count = h->count;
    out->mean_ns = sb_hist_mean(h);
    out->p50_ns = sb_hist_percentile(h, 50);
    out->p90_ns = sb_hist_percentile(h, 90);
    out->p99_ns = sb_hist_percentile(h, 99);
    out->p999_ns = sb_hist_percentile(h, 99.9);
    out->max_ns = sb_hist_percentile(h, 100);
}
