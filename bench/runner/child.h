/*
 * child.h - one run in its own process.
 *
 * Every run is a fork + exec of this executable (`serbench __run-one`), with
 * LD_PRELOAD of the run's allocator, so that the allocator really is the
 * process's malloc, peak RSS is the run's own, and a crash is a failed row
 * rather than a dead suite.  The child dies with the runner
 * (PR_SET_PDEATHSIG), so no run outlives it.
 */
#ifndef SB_CHILD_H
#define SB_CHILD_H

#include <signal.h>
#include <stdint.h>

#include "histogram.h"
#include "matrix.h"
#include "run.h"
#include "workload.h"

/* How long an interrupted child gets to report before SIGKILL. */
#define SB_CHILD_GRACE_NS 3000000000ull

struct sb_child_opts {
    const char *preload;  /* library path for LD_PRELOAD, or "" / NULL */
    const char *exe;      /* what to exec; NULL = /proc/self/exe */
    volatile sig_atomic_t *interrupted; /* set by the runner's signal handler */
    const sigset_t *waitmask;           /* signal mask while waiting (ppoll) */
    sb_progress_fn progress;
    void *ctx;
    /* Where the run's latency histograms go (NULL: not wanted); *hists_got
     * says whether they came (a run that ran sends them; one that never
     * started, was skipped or crashed does not). */
    struct sb_run_hists *hists;
    int *hists_got;
};

/*
 * Runs the cell in a child and fills *r, whatever happens (a crash,
 * timeout or interruption is a failed or aborted result with its reason).
 * Returns the exit-code class the run calls for: SB_EXIT_OK when the run
 * happened (its status says how it went), SB_EXIT_MISSING when the child
 * could not verify its allocator, SB_EXIT_INTERRUPTED when interrupted.
 */
int sb_child_run(const struct sb_cell *c, const struct sb_child_opts *o, struct sb_run_result *r);

#endif
