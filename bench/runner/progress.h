/*
 * progress.h - what the user sees while a suite runs, on stderr.
 * On a terminal: one line redrawn in place (run k of N, job, strategy,
 * allocator, repeat, live MB/s, ETA), plus a permanent line for each run
 * that is not ok.  Elsewhere (CI logs): one line per finished run.  Quiet:
 * nothing.
 */
#ifndef SB_PROGRESS_H
#define SB_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "matrix.h"
#include "run.h"

enum sb_progress_mode { SB_PROGRESS_QUIET, SB_PROGRESS_LINES, SB_PROGRESS_TTY };

struct sb_progress {
    enum sb_progress_mode mode;
    FILE *out;
    const struct sb_matrix *m;
    size_t k;              /* index of the current run */
    uint64_t run_start_ns;
    uint64_t last_draw_ns;
    double overhead_s;     /* mean of (wall clock - nominal length) so far */
    size_t overhead_n;
    double elapsed_sum_s;  /* wall clock of finished runs */
    size_t finished;
};

/* mode: QUIET if quiet, else TTY when out is a terminal, else LINES. */
void sb_progress_init(struct sb_progress *pr, const struct sb_matrix *m, FILE *out, int quiet);
void sb_progress_start(struct sb_progress *pr, size_t k);
/* An sb_progress_fn: ctx is the struct sb_progress. */
void sb_progress_update(void *ctx, uint64_t bytes, double elapsed_s);
void sb_progress_finish(struct sb_progress *pr, const struct sb_run_result *r);
/* Clears the in-place line, if any. */
void sb_progress_done(struct sb_progress *pr);

/* Estimated seconds for the runs from index k on (dry runs use it too). */
double sb_progress_eta(const struct sb_progress *pr, size_t k);

#endif
