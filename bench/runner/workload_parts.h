/*
 * workload_parts.h - the pieces of workload.c (transport = mem) that the
 * serial transports' run (workload_serial.c) uses as well: parameter
 * checks, the result's common fields, and the reason builder.
 */
#ifndef SB_WORKLOAD_PARTS_H
#define SB_WORKLOAD_PARTS_H

#include "traffic.h"
#include "workload.h"

/* The run's parameters, whatever the transport: SBUF_OK or SBUF_EINVAL. */
int sb_workload_check_params(const struct sb_run_params *p);
/* overflow = block: SBUF_ERANGE if a frame can never fit buffer b. */
int sb_workload_check_fit(const struct sb_run_params *p, struct sbuf *b);
/* Fills r from the halves' stats (and b's, when b is not NULL). */
void sb_workload_fill(struct sb_run_result *r, const struct sb_producer_stats *pr,
                      const struct sb_consumer_stats *co, struct sbuf *b);
/* Appends a "; "-separated clause to r->reason. */
void sb_result_because(struct sb_run_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* transport = pty or serial (workload_serial.c); same contract as sb_workload_run. */
int sb_workload_serial_run(const struct sb_run_params *p, struct sb_run_result *r,
                           volatile sig_atomic_t *stop, sb_progress_fn progress, void *ctx);

#endif
