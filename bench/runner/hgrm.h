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

#include "cells.h"
#include "diag.h"
#include "histogram.h"
#include "runsread.h"

#define SB_HGRM_TICKS_PER_HALF 5

/* Writes h as a .hgrm text to out.  0, or -1 when out reports an error. */
int sb_hgrm_write(FILE *out, const struct sb_hist *h);

/*
 * The same rows as points of the percentile spectrum: x = 1/(1-p), y the
 * value in ns; the 100 % row at x = the number of samples.  The count
 * stored (at most cap).
 */
size_t sb_hgrm_points(const struct sb_hist *h, double *x, double *y, size_t cap);

/*
 * A cell's histograms: the send and intended histograms of its ok,
 * unstarved runs (dir/hist/<row>.hist, histogram.h) merged, which is
 * exactly the histogram of all their samples.  1 when every such run has
 * its file, 0 when the cell has none or some are missing (older result
 * directories: then nothing is merged), -1 with err (exit 2) for a damaged
 * file.
 */
int sb_cell_hists(const char *dir, const struct sb_runs *r, const struct sb_cellstat *c,
                  struct sb_run_hists *out, struct sb_err *err);

/*
 * dir/hgrm/: for each cell with histograms, <job>-<strategy>-<allocator>.hgrm
 * (latency from the send time) and <...>.intended.hgrm (from the intended
 * send time; the two are the same for an unpaced job), the scenario's name
 * first when the directory holds several.  Earlier .hgrm files there are
 * removed.  The files written into *n.  -1 with err.
 */
int sb_hgrm_dir(const char *dir, size_t *n, struct sb_err *err);

#endif
