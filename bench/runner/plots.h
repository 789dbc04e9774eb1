/*
 * plots.h - DIR/plots/: pictures of a result directory, made with gnuplot
 * after a suite (never during a measured run) or by `serbench report DIR`.
 *
 * For each plot serbench writes a gnuplot script with its data inline
 * (plots/<stem>.gp: `cd DIR/plots && gnuplot <stem>.gp` makes it again, and
 * is the place to restyle it), runs gnuplot once over all of them, and gets
 * <stem>.png and <stem>.svg.  plots/index.tsv lists what was made, one line
 * a plot: job, kind, stem, title, caption (the page reads it).
 *
 * Kinds, per job:
 *   throughput  each strategy x allocator's median MB/s with its interval as
 *               whiskers, best first; cells whose repeats disagree or that
 *               have fewer than 5 repeats in another colour; the transport's
 *               ceiling as a dashed line (pty echo: the echo loop measured in
 *               the suite; nrf52840-sim: the link's rate)
 *   latency     the percentile spectrum as HdrHistogram plots it: x is
 *               1/(1-p) on a log axis (50 %, 90 %, 99 %, 99.9 %, ... up to
 *               the max), y the latency, one line per strategy x allocator
 *   load        for a job run at a series of offered rates (rate =
 *               sweep:...): p50, p99 and p99.9 against the offered rate, one
 *               line per strategy x allocator, so the knee shows
 *
 * gnuplot is found on PATH (or SERBENCH_GNUPLOT names it); without it no
 * plot is made and the caller says so (scripts/deps installs gnuplot-nox).
 */
#ifndef SB_PLOTS_H
#define SB_PLOTS_H

#include <stddef.h>

#include "diag.h"

/* The gnuplot to run, into path; 0, or -1 with why ("gnuplot not found ..."). */
int sb_gnuplot_find(char *path, size_t len, char *why, size_t wlen);

/*
 * Runs gnuplot on the scripts (names relative to dir) with dir as its
 * working directory; its messages are kept and, when it fails, the first
 * of them go into err.  -1 with err when it fails.
 */
int sb_gnuplot_run(const char *gnuplot, const char *dir, char *const *scripts, size_t n,
                   struct sb_err *err);

/* gnuplot's single-quoted string of s ('' for a quote), appended to out. */
void sb_gp_quote(const char *s, char *out, size_t len);

struct sb_plots_made {
    size_t n;          /* plots made (each a PNG and an SVG) */
    int no_gnuplot;    /* gnuplot missing: nothing made, why says so */
    char why[256];
};

/*
 * Makes DIR/plots/ from DIR/runs.csv (and, where they exist, the files
 * other reports leave in DIR).  -1 with err when runs.csv cannot be read or
 * gnuplot fails; a missing gnuplot is not an error (made->no_gnuplot).
 */
int sb_plots_make(const char *dir, struct sb_plots_made *made, struct sb_err *err);

/* A string in a gnuplot data block: double quotes (a quote inside becomes '). */
void sb_gp_datum(const char *s, char *out, size_t len);

/* File-name form of a name: letters, digits, '.', '-', '_' kept, the rest '_'. */
void sb_plot_stem(const char *name, char *out, size_t len);

#endif
