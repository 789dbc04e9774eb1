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

#include <stddef.h>

#include "runsread.h"

/* The metrics of a cell, in cells.csv's order. */
enum sb_cell_metric {
    SB_CM_MB_PER_S,
    SB_CM_MB_PER_CPU_S,
    SB_CM_MSGS_PER_S,
    SB_CM_LAT_P50,
    SB_CM_LAT_P99,
    SB_CM_LAT_P999,
    SB_CM_PEAK_RSS,
    SB_CM_CPU_PCT,
    SB_CM_CEILING_ECHO_PCT,  /* pty echo: bytes_per_s / ceiling_echo_bytes_per_s x 100 */
    SB_CM_CEILING_RTT_RATIO, /* pty echo: lat_p50_ns / ceiling_rtt_p50_ns */
    SB_CM_COUNT,
};
/* "mb_per_s", ...: the prefix of its cells.csv columns. */
const char *sb_cell_metric_name(enum sb_cell_metric m);

/* One cell as cells.csv gives it, in memory (plots and the page read these). */
struct sb_cellstat {
    size_t *rows, nrows;  /* its runs: row indexes into the runs.csv read */
    const char *key[6];   /* scenario, job, strategy, allocator, transport, peer (into the runs) */
    size_t n, failed, aborted, skipped, starved; /* n: ok runs not starved */
    struct {
        int have;         /* 0: no ok run had a value (the columns are empty) */
        double median, lo, hi, cv; /* cv NaN below 2 runs */
    } m[SB_CM_COUNT];
    double coverage;      /* of the throughput interval; NaN without one */
    int disagree;         /* the throughput repeats disagree (stats.h) */
    char disagree_words[160];
};

/*
 * The cells of r, in the order their first run appears (the suite's).
 * 0, or -1 when out of memory.  sb_cells_free releases them.
 */
int sb_cells_compute(const struct sb_runs *r, struct sb_cellstat **out, size_t *n);
void sb_cells_free(struct sb_cellstat *c, size_t n);
/* A run's value of metric m (NaN when empty or not a number). */
double sb_cell_run_value(const struct sb_runs *r, size_t row, enum sb_cell_metric m);

/* Reads dir/runs.csv, writes dir/cells.csv (temporary file and rename).  -1 with err. */
int sb_cells_write(const char *dir, struct sb_err *err);
/* The same from runs_path into out_path. */
int sb_cells_from_runs(const char *runs_path, const char *out_path, struct sb_err *err);

#endif
