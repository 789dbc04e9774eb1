/*
 * workload_internal.h - the parts of one run that workload.c (setting up,
 * threads, supervision) and reconcile.c (the result) share.  Private to
 * bench/workload.
 */
#ifndef SB_WORKLOAD_INTERNAL_H
#define SB_WORKLOAD_INTERNAL_H

#include <stdatomic.h>

#include "io.h"
#include "peer.h"
#include "schedinfo.h"
#include "traffic.h"
#include "transport.h"
#include "workload.h"

/*
 * One run.  On mem the consumer reads the tx pipe itself; with a port the
 * pumps (io) move tx to the port and the port to rx.
 */
struct sb_wrun {
    const struct sb_run_params *p;
    struct sb_transport *t;
    struct sb_peer peer;
    int port;                  /* the transport has a port (t->fd >= 0) */
    struct sbuf *btx, *brx;    /* brx: NULL on mem */
    struct sb_pipe tx, rx;
    struct sb_run_ctl ctl;
    struct sb_wakeup done;     /* the supervisor sleeps here */
    atomic_int halves_done;    /* producer and consumer threads that have finished */
    struct sb_producer_stats prod;
    struct sb_consumer_stats cons;
    struct sb_io io;
    char stuck[SB_REASON_MAX]; /* set by the supervisor: the run made no progress */
    int cpu[2];                /* producer's and consumer's CPU (placement.h); -1: not pinned */
    int pinned[2];             /* 0, or the errno that pinning that thread failed with */
    /* What the machine took (schedinfo.h): the process before the threads
     * start and after they end, and each half's own counters at its start
     * and end (a thread's counters go with it, so it reads its own). */
    struct sb_sched_snap sched[2];
    struct sb_sched_thread self[2][2]; /* [producer, consumer][start, end] */
    int self_ok[2];
    long csw[2][2][2];                 /* [half][start, end][voluntary, involuntary] */
};

/* How the supervisor saw the run end. */
enum sb_ending { SB_ENDED, SB_STOPPED, SB_DEADLOCKED };

/* The run's parameters, whatever the transport: SBUF_OK or SBUF_EINVAL. */
int sb_workload_check_params(const struct sb_run_params *p);
/* overflow = block: SBUF_ERANGE if a frame can never fit buffer b. */
int sb_workload_check_fit(const struct sb_run_params *p, struct sbuf *b);
/* Fills r from the run once its threads are joined, and sets its status. */
void sb_workload_result(struct sb_run_result *r, struct sb_wrun *w, enum sb_ending end);
/* Appends a "; "-separated clause to r->reason. */
void sb_result_because(struct sb_run_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
