/* hgrm.c - HdrHistogram's percentile text (hgrm.h). */
#include <math.h>
#include <stdint.h>

#include "hgrm.h"

/* One row: emit(ctx, value ns, percentile 0..100, count so far, last). */
typedef int (*row_fn)(void *ctx, double value_ns, double pct, uint64_t count, int last);

/* HdrHistogram's PercentileIterator over h's buckets. */
static int iterate(const struct sb_hist *h, row_fn emit, void *ctx)
{
    if (h->count == 0)
        return 0;
    double level = 0;
    uint64_t cum = 0;
    double last_value = 0;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++) {
        uint64_t c = h->buckets[i];
        if (!c)
            continue;
        cum += c;
        double top = (double)(sb_hist_bucket_low(i) + sb_hist_bucket_width(i) - 1);
        if (top > (double)h->max)
            top = (double)h->max;
        if (top < (double)h->min)
            top = (double)h->min;
        last_value = top;
        while (100.0 * (double)cum / (double)h->count >= level) {
            if (emit(ctx, top, level, cum, 0) < 0)
                return -1;
            /* the next level: TICKS x 2^(halvings + 1) rows per 100 % */
            double halvings = floor(log(100.0 / (100.0 - level)) / log(2.0));
            level += 100.0 / (SB_HGRM_TICKS_PER_HALF * pow(2.0, halvings + 1));
            if (cum == h->count)
                break; /* the iterator ends at the last bucket: one row, then 100 % */
        }
        if (cum == h->count)
            break;
    }
    return emit(ctx, last_value, 100.0, cum, 1);
}

static int write_row(void *ctx, double v, double pct, uint64_t count, int last)
{
    FILE *out = ctx;
    int rc;
    if (last)
        rc = fprintf(out, "%12.6f %2.12f %10llu\n", v / 1e6, pct / 100.0,
                     (unsigned long long)count);
    else
        rc = fprintf(out, "%12.6f %2.12f %10llu %14.2f\n", v / 1e6, pct / 100.0,
                     (unsigned long long)count, 1.0 / (1.0 - pct / 100.0));
    return rc < 0 ? -1 : 0;
}

int sb_hgrm_write(FILE *out, const struct sb_hist *h)
{
    fprintf(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
            "1/(1-Percentile)");
    if (iterate(h, write_row, out) < 0)
        return -1;
    /* the standard deviation from the buckets, as HdrHistogram computes it */
    double mean = sb_hist_mean(h), var = 0;
    for (unsigned i = 0; i < SB_HIST_BUCKETS && h->count; i++)
        if (h->buckets[i]) {
            double mid = (double)sb_hist_bucket_low(i) + (double)(sb_hist_bucket_width(i) - 1) / 2;
            var += (double)h->buckets[i] * (mid - mean) * (mid - mean);
        }
    double sd = h->count ? sqrt(var / (double)h->count) : 0;
    fprintf(out, "#[Mean    = %12.6f, StdDeviation   = %12.6f]\n", mean / 1e6, sd / 1e6);
    fprintf(out, "#[Max     = %12.6f, Total count    = %12llu]\n",
            h->count ? (double)h->max / 1e6 : 0.0, (unsigned long long)h->count);
    fprintf(out, "#[Buckets = %12d, SubBuckets     = %12u]\n",
            SB_HIST_MAX_BITS - SB_HIST_SUB_BITS + 1, SB_HIST_SUB);
    return ferror(out) ? -1 : 0;
}

struct points {
    double *x, *y;
    size_t n, cap;
    uint64_t total;
};

static int add_point(void *ctx, double v, double pct, uint64_t count, int last)
{
    struct points *p = ctx;
    (void)count;
    double x = last ? (double)p->total : 1.0 / (1.0 - pct / 100.0);
    if (p->n && x <= p->x[p->n - 1]) /* the 100 % row of a tiny sample can sit left */
        return 0;
    if (p->n < p->cap) {
        p->x[p->n] = x;
        p->y[p->n] = v;
        p->n++;
    }
    return 0;
}

size_t sb_hgrm_points(const struct sb_hist *h, double *x, double *y, size_t cap)
{
    struct points p = {x, y, 0, cap, h->count};
    iterate(h, add_point, &p);
    return p.n;
}
