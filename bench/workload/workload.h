/*
 * workload.h - one cell of the matrix, run in this process: a producer
 * thread and a consumer thread around buffers of the strategy under test,
 * joined by the job's transport (transport.h):
 *
 *   mem:        producer -> [buffer] -> consumer
 *   pty/serial: producer -> [tx buffer] -> TX pump -> port -> peer -> port
 *                 -> RX pump -> [rx buffer] -> consumer
 *
 * then the result and its reconciliation: every byte is accounted for, or
 * the run fails with the counts in its reason.
 */
#ifndef SB_WORKLOAD_H
#define SB_WORKLOAD_H

#include <signal.h>

#include "run.h"

/*
 * Runs one cell with whatever allocator this process has.  Returns 0 when
 * the run happened (its status says ok/failed/aborted/skipped), or a
 * negative SBUF_E* code if it could not start (unknown strategy, bad
 * params; SBUF_ENOENT: something it needs is missing).  *stop set non-zero
 * (by a signal handler) aborts the run promptly.
 */
int sb_workload_run(const struct sb_run_params *p, struct sb_run_result *r,
                    volatile sig_atomic_t *stop, sb_progress_fn progress, void *ctx);

/*
 * Whether a job's largest frame can ever fit the strategy's buffer, learnt
 * the way a run learns it: a buffer of p->buffer (and p->max_buffer) is
 * created through the registry, its capacity read after the
 * strategy's rounding, and destroyed.  With overflow = block a frame larger
 * than that (or than max_buffer, for a strategy that grows) would wait
 * forever, so the runner refuses such a job before any run starts.
 */
struct sb_fit {
    size_t frame;    /* the job's largest frame: largest message + SB_FRAME_OVERHEAD */
    size_t capacity; /* the strategy's capacity for p->buffer, after its rounding */
    size_t limit;    /* the largest frame it can ever hold: capacity, or for a strategy
                        that grows, max_buffer (0: no limit known) */
    int grows;       /* the strategy changes its capacity at run time */
    int rc;          /* sbuf_create's code when no buffer could be made, else 0 */
};

/* SBUF_OK when every frame fits (or overflow = drop), SBUF_ERANGE when the
 * largest never can, or sbuf_create's error (also in f->rc). */
int sb_workload_fit(const struct sb_run_params *p, struct sb_fit *f);

#endif
