/*
 * hgrm.h - latency percentiles in HdrHistogram's text format (.hgrm), the
 * one its Java outputPercentileDistribution writes and its plotter
 * (hdrhistogram.github.io/HdrHistogram/plotFiles.html) and other tools
 * read:
 *
 *          Value     Percentile TotalCount 1/(1-Percentile)
 *
 *       0.010175 0.000000000000          1           1.00
 *       ...
 *       2.310143 1.000000000000      99847
 *   #[Mean    =     0.031231, StdDeviation   =     0.012034]
 *   #[Max     =     2.310143, Total count    =        99847]
 *   #[Buckets =           34, SubBuckets     =          128]
 *
 * Values in milliseconds (the plotter's unit), 6 decimals (1 ns).  The
 * rows follow HdrHistogram's percentile iterator with 5 ticks per half
 * distance: 0 %, 10 %, ... 50 %, 55 %, ... 75 %, 77.5 %, ... each halving
 * of the distance to 100 % reported in 10 steps, each row at the first
 * bucket that reaches its percentile, valued at that bucket's highest
 * value (never above the histogram's exact max), and a last row at 100 %.
 */
#ifndef SB_HGRM_H
#define SB_HGRM_H

#include <stddef.h>
#include <stdio.h>

#include "histogram.h"

#define SB_HGRM_TICKS_PER_HALF 5

/* Writes h as a .hgrm text to out.  0, or -1 when out reports an error. */
int sb_hgrm_write(FILE *out, const struct sb_hist *h);

/*
 * The same rows as points of the percentile spectrum: x = 1/(1-p), y the
 * value in ns; the 100 % row at x = the number of samples.  The count
 * stored (at most cap).
 */
size_t sb_hgrm_points(const struct sb_hist *h, double *x, double *y, size_t cap);

#endif
