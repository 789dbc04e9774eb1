/*
 * histogram.h - log-linear latency histogram (the HdrHistogram idea).
 *
 * Values are nanoseconds.  Below 2^SUB_BITS every value has its own bucket;
 * above, each power of two [2^k, 2^(k+1)) is cut into 2^SUB_BITS equal
 * buckets of width 2^(k-SUB_BITS).  A value is reported as its bucket's
 * midpoint, so the error is at most half a bucket over the bucket's lower
 * bound: 2^-(SUB_BITS+1) = 0.39 % with SUB_BITS = 7, inside the 1 % target
 * from 1 ns to SB_HIST_MAX (about 1100 s, past the 100 s required).
 * Larger values are clamped to SB_HIST_MAX and counted in saturated.
 *
 * Fixed memory (34 KiB), no allocation, O(1) record (one count-leading-zeros
 * and a shift).  Not thread-safe: one recorder; merge per-thread copies.
 */
#ifndef SB_HISTOGRAM_H
#define SB_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "run.h"

#define SB_HIST_SUB_BITS 7
#define SB_HIST_SUB (1u << SB_HIST_SUB_BITS)
#define SB_HIST_MAX_BITS 40
#define SB_HIST_MAX ((UINT64_C(1) << SB_HIST_MAX_BITS) - 1)
#define SB_HIST_BUCKETS ((SB_HIST_MAX_BITS - SB_HIST_SUB_BITS + 1) * SB_HIST_SUB)

struct sb_hist {
    uint64_t count;
    uint64_t min, max;   /* exact, of recorded (clamped) values; min = UINT64_MAX when empty */
    uint64_t saturated;  /* values above SB_HIST_MAX, recorded as SB_HIST_MAX */
    double sum;          /* for the mean: a double cannot overflow where a u64 sum of ns could */
    uint64_t buckets[SB_HIST_BUCKETS];
};

void sb_hist_reset(struct sb_hist *h);

/* Bucket of v (v <= SB_HIST_MAX). */
static inline unsigned sb_hist_index(uint64_t v)
{
    if (v < SB_HIST_SUB)
        return (unsigned)v;
    unsigned k = 63u - (unsigned)__builtin_clzll(v); /* v's power of two, >= SUB_BITS */
    unsigned shift = k - SB_HIST_SUB_BITS;
    return (shift + 1) * SB_HIST_SUB + (unsigned)(v >> shift) - SB_HIST_SUB;
}

static inline void sb_hist_record(struct sb_hist *h, uint64_t v)
{
    if (v > SB_HIST_MAX) {
        v = SB_HIST_MAX;
        h->saturated++;
    }
    h->buckets[sb_hist_index(v)]++;
    h->count++;
    h->sum += (double)v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

/* Lowest value of bucket i, and its width. */
uint64_t sb_hist_bucket_low(unsigned i);
uint64_t sb_hist_bucket_width(unsigned i);

/*
 * The value at percentile q (0 < q <= 100): the smallest recorded value v
 * such that at least q % of the values are <= v, as its bucket's midpoint
 * clamped to [min, max].  q = 100 is the exact max.  0 when empty.
 */
uint64_t sb_hist_percentile(const struct sb_hist *h, double q);
double sb_hist_mean(const struct sb_hist *h); /* 0 when empty */

/* Adds src's values to dst. */
void sb_hist_merge(struct sb_hist *dst, const struct sb_hist *src);

/* count, mean, p50, p90, p99, p99.9, max into out. */
void sb_hist_summary(const struct sb_hist *h, struct sb_latency *out);

/*
 * A run's two latency histograms: from each message's send time (runs.csv
 * lat_*) and from its intended send time (lat_int_*; frame.h).
 * Merging runs: sb_hist_merge each kind into a reset histogram; then
 * sb_hist_percentile and sb_hist_summary read the merged one as any other
 * (it is exactly the histogram of all their samples together).
 */
struct sb_run_hists {
    struct sb_hist send;     /* "send" in the file */
    struct sb_hist intended; /* "intended" */
};

/*
 * The .hist file (results/README.md, "hist/"): both histograms of one run
 * as lines of text, lossless (every non-empty bucket with its count; min,
 * max, saturated and the sum for the mean exactly), closed by a CRC-32 of
 * everything before it, so a damaged or truncated file is refused, never
 * half read.  run: the run's row in runs.csv (1 = the first row).
 */
#define SB_HIST_FILE_VERSION 1
#define SB_HIST_FILE_MAX (8u << 20) /* more than two full histograms can take */

/* Writes the file's text to f: 0, or -1 when f reports a write error. */
int sb_hist_file_write(FILE *f, unsigned long run, const struct sb_run_hists *h);
/*
 * Parses a whole file's text (n bytes, need not be NUL-terminated) into *h
 * and *run: 0, or -1 with the reason, one line naming the line number, in
 * err.  Anything but a file sb_hist_file_write could have written is
 * refused: a bad check, a layout other than this build's, a bucket that is
 * not one, counts that do not add up, min or max outside their buckets.
 */
int sb_hist_file_parse(const char *text, size_t n, unsigned long *run, struct sb_run_hists *h,
                       char *err, size_t errlen);
/* Reads path (at most SB_HIST_FILE_MAX bytes) and parses it as above. */
int sb_hist_file_read(const char *path, unsigned long *run, struct sb_run_hists *h, char *err,
                      size_t errlen);

#endif
