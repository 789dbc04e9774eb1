/*
 * histfiles.h - the result writer of hist/<row>.hist: each run's two
 * latency histograms, whole, in the text format of histogram.h
 * (results/README.md, "hist/"), for merging runs and for later tools.
 */
#ifndef SB_HISTFILES_H
#define SB_HISTFILES_H

#include "writers.h"

/*
 * The writer's add: res->rows[res->n - 1] is new; when it carries
 * histograms, writes DIR/hist/<n>.hist (n = its row in runs.csv, from 1)
 * through a temporary file, synced, then renamed: a file that is there is
 * whole.  A row without (the run never ran) gets no file.
 */
int sb_histfiles_add(struct sb_results *res, struct sb_err *err);

#endif
