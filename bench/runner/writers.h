/*
 * writers.h - a suite's result directory and the writers that fill it, one
 * row a file in the table in writers.c (as the strategies' registry): each
 * is told when the suite opens, after every run, and when it closes.
 *
 *   runs.csv    a row after each run, synced: a killed suite keeps its rows
 *   summary.md  rewritten after each run; printed to the terminal at the end
 *   env.json    the machine and the software, written when the suite opens
 *   latest      results/latest -> this directory (default directories only)
 *   scenarios/  the scenarios as resolved, and command.txt: `serbench run --again`
 *   hist/N.hist each run's two latency histograms, whole (histfiles.h)
 *   cells.csv   from runs.csv, when the suite ends
 *   hgrm/       each cell's merged latency percentiles (hgrm.h), when the suite ends
 *   plots/      gnuplot's pictures (plots.h), when the suite ends
 *   index.html  the page (page.h), when the suite ends
 *   history     the suite appended to results/history.sqlite (history.h)
 *
 * Adding a report is a writer function set
 * and one row.  The suite loop (suite.c) knows none of them by name.
 */
#ifndef SB_WRITERS_H
#define SB_WRITERS_H

#include <limits.h>
#include <stdio.h>

#include "csv.h"
#include "diag.h"
#include "results.h"

struct sb_results {
    char dir[PATH_MAX - 32];
    int default_dir;           /* results/<stamp>-<name>: also point latest here */
    const struct sb_env_opts *env;
    struct sb_row *rows;       /* every run so far, in the order they ran */
    size_t n, planned;
    FILE *also;                /* at close: the summary goes here too (stdout), or NULL */
    struct sb_csv csv;         /* runs.csv, open between open and close */
    const char *history;       /* --history PATH, or NULL (history.h: sb_history_path) */
    char said[1024];           /* what the closing writers made, for the suite's last words */
};

struct sb_writer {
    const char *name;  /* the file, for messages */
    int required;      /* a failure stops the suite; otherwise a warning and on */
    int (*open)(struct sb_results *res, struct sb_err *err);
    int (*add)(struct sb_results *res, struct sb_err *err);   /* rows[n - 1] is new */
    int (*close)(struct sb_results *res, struct sb_err *err);
};

/*
 * Creates the directory (results.h: sb_outdir_create) and opens every
 * writer.  -1 with err when a required one fails (nothing is left open).
 */
int sb_results_open(struct sb_results *res, const char *given_dir, const char *name,
                    struct sb_err *err);
/* The row res->rows[res->n - 1] was added: every writer's add.  -1 when a required one failed. */
int sb_results_add(struct sb_results *res, struct sb_err *err);
/* Every writer's close; the summary also to res->also.  Warnings only. */
void sb_results_close(struct sb_results *res);

#endif
