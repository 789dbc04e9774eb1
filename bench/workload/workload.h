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

#endif
