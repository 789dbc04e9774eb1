/*
 * cells.h - cells.csv: one row a cell, derived from runs.csv alone.
 *
 * A cell is (scenario, job, strategy, allocator, transport, peer): the key
 * every report and `serbench compare` use.  For each it gives the count of
 * ok runs (n) and of failed, aborted and skipped ones, and for each metric
 * the median over the ok runs, the distribution-free order-statistic
 * interval of the median at 95 % (stats.h: at n = 5 that is min..max with
 * 93.75 % coverage, which the coverage column states), and the coefficient
 * of variation; plus the disagreement mark (max/min > 1.25 or CV > 10 % in
 * throughput) in words.
 */
#ifndef SB_CELLS_H
#define SB_CELLS_H

#include "diag.h"

/* Reads dir/runs.csv, writes dir/cells.csv (temporary file and rename).  -1 with err. */
int sb_cells_write(const char *dir, struct sb_err *err);
/* The same from runs_path into out_path. */
int sb_cells_from_runs(const char *runs_path, const char *out_path, struct sb_err *err);

#endif
