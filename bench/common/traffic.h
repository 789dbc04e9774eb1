/*
 * traffic.h - the two halves of a run, each on its own thread: the
 * producer (paced frames into a buffer, whole or not at all) and the
 * consumer (frames out of a buffer, decoded in place, verified, timed).
 *
 * They meet only through pipes.  On mem one pipe joins them; a serial
 * transport gives the producer a TX pipe and the consumer an RX pipe and
 * runs its I/O pumps between them, using the same pipe protocol: the writer
 * of a pipe notifies `data` after each commit and waits on `room`; the
 * reader notifies `room` after each release and waits on `data`; the writer
 * closes the pipe when it will write nothing more.
 */
#ifndef SB_TRAFFIC_H
#define SB_TRAFFIC_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/resource.h>

#include "frame.h"
#include "verify.h"
#include "wakeup.h"
#include "run.h"

/* The safety-net timeout of every block/notify wait. */
#define SB_WAIT_SAFETY_NS 100000000u /* 100 ms */

/*
 * Optional: what the side across a pipe does itself instead of being woken
 * (a serial transport's I/O path, io.h).  The halves call these in place of
 * the plain notify and wait, so the port's I/O can run in the thread that
 * has the bytes instead of a hand-off to a pump thread.
 */
struct sb_pipe_ops {
    /* Writer, after each commit (instead of notifying data). */
    void (*committed)(void *ctx);
    /* Reader, with nothing it can use: returns once the buffer holds more
     * than have bytes, or the pipe is closed, or the run aborted (or
     * spuriously: the reader loops).  Instead of awaiting data. */
    void (*await)(void *ctx, size_t have);
    /* Reader, before it pauses on purpose (stall). */
    void (*away)(void *ctx);
};

struct sb_pipe {
    struct sbuf *b;
    struct sb_wakeup data; /* the reader sleeps here */
    struct sb_wakeup room; /* the writer sleeps here */
    atomic_int closed;     /* the writer will commit nothing more */
    /* Bytes the reader sleeps for (0: any).  A writer that commits a few
     * bytes at a time (a slow link's RX pump) may skip a notify while the
     * buffer holds fewer: the reader could do nothing with them. */
    atomic_size_t want;
    const struct sb_pipe_ops *ops; /* NULL: plain notify and wait */
    void *ops_ctx;
};

/* Binds b (still owned by the caller): SBUF_OK, SBUF_EINVAL or SBUF_EIO. */
int sb_pipe_init(struct sb_pipe *p, struct sbuf *b);
void sb_pipe_destroy(struct sb_pipe *p);
/* Writer: nothing more will be committed; wakes the reader. */
void sb_pipe_close(struct sb_pipe *p);
/* Wakes both sides (an abort). */
void sb_pipe_kick(struct sb_pipe *p);

/* What the halves of one run share. */
struct sb_run_ctl {
    const struct sb_run_params *p;
    uint64_t t0;                          /* run start: schedules count from here */
    atomic_int abort;                     /* set by the supervisor: every half returns promptly */
    _Atomic uint64_t first_measured_seq;  /* UINT64_MAX until the warmup ends */
    _Atomic uint64_t live_bytes;          /* measured bytes verified so far, for progress */
    _Atomic uint64_t measure_start_ns;    /* 0 until the warmup ends */
    /* The deadlock watch: since when the producer has waited for room, and
     * the consumer for data while bytes it cannot decode sit in its
     * buffer (0 = not waiting). */
    _Atomic uint64_t producer_blocked_ns;
    _Atomic uint64_t consumer_starved_ns;
};

/* Both sides waiting on each other this long: nothing can ever move. */
#define SB_DEADLOCK_NS 1000000000u /* 1 s */

/* Prepares ctl for params p starting now. */
void sb_run_ctl_init(struct sb_run_ctl *ctl, const struct sb_run_params *p);

/*
 * 1 when the producer has waited for room and the consumer for data, both
 * for SB_DEADLOCK_NS: the buffer holds bytes that are no complete frame and
 * refuses more (a torn write, a view that never shows new data).  A correct
 * strategy never gets there; the supervisor fails the run instead of
 * waiting forever.
 */
int sb_run_ctl_deadlocked(const struct sb_run_ctl *ctl, uint64_t now);

struct sb_producer_stats {
    /* Measured phase; sent counts every message offered, dropped or not. */
    uint64_t msgs_sent, bytes_sent, msgs_dropped, bytes_dropped;
    /* Every phase: what the producer put into the buffer. */
    uint64_t frames_written, bytes_written;
    uint64_t measure_start_ns;   /* 0 if the measured phase never began */
    struct rusage ru_start;      /* the process's usage at that moment */
    size_t unfit;                /* block: a frame of this size can never fit (run fails) */
    uint64_t harness_allocations;/* measured phase: mallocs injected (inject.h); 0 normally */
    int error;                   /* SBUF_E* when the producer could not run at all */
};

/*
 * Producer: frames seeded by ctl->p into tx, paced, until the run's length
 * (duration, bytes or messages of the measured phase) or an abort; then
 * closes tx.  Overflow block: waits for room; drop: counts the refusal.
 */
void sb_producer_run(struct sb_pipe *tx, struct sb_run_ctl *ctl, struct sb_producer_stats *out);

struct sb_consumer_stats {
    struct sb_decoder_stats dec;
    struct sb_verify ver;   /* 68 KiB: allocate, do not put on a small stack */
    uint64_t leftover;      /* bytes that never became a frame when the writer closed */
    uint64_t bytes_released;/* every byte the consumer took out of the buffer */
    uint64_t end_ns;        /* when it saw the end of the stream */
    int error;              /* SBUF_E* when the consumer could not run at all */
};

/*
 * Consumer: decodes frames from rx in place, verifies each, times the
 * measured ones, pauses as ctl->p's stall says, until rx is closed and
 * drained, or an abort.  out->ver.hist_int is filled either way: an unpaced
 * run's is a copy of out->ver.hist.
 */
void sb_consumer_run(struct sb_pipe *rx, struct sb_run_ctl *ctl, struct sb_consumer_stats *out);

#endif
