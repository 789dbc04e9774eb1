/*
 * pace.h - time for the workload: the clock, sleeping to absolute
 * deadlines, the producer's schedule (rate or bursts) and the consumer's
 * stalls.  Every schedule is a function of the run's start time and a
 * counter, never of when the previous sleep happened to end, so it does not
 * drift; a side that fell behind catches up at once.
 */
#ifndef SB_PACE_H
#define SB_PACE_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* The longest single sleep: how quickly a sleeper notices an abort. */
#define SB_SLEEP_SLICE_NS 100000000u /* 100 ms */

/* CLOCK_MONOTONIC in ns: the clock of frame send times and of every deadline. */
static inline uint64_t sb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Sleeps until the absolute time deadline_ns (clock_nanosleep TIMER_ABSTIME)
 * in slices of at most SB_SLEEP_SLICE_NS, so that *abort (may be NULL) is
 * seen.  0 once the deadline has passed, -1 if aborted first.
 */
int sb_sleep_until(uint64_t deadline_ns, const atomic_int *abort);

/* The producer's schedule: message k is due at its deadline. */
struct sb_pacer {
    uint64_t t0;
    double period_ns;       /* rate: ns between messages; 0 = as fast as possible */
    uint32_t burst_count;   /* bursts: messages back to back ... */
    uint64_t burst_period_ns; /* ... every period; 0 = no bursts */
    uint64_t k;             /* messages scheduled so far */
};

/* Bursts, when burst_period_ns > 0 and burst_count > 0, take precedence over rate. */
void sb_pacer_init(struct sb_pacer *pc, uint64_t t0, double rate, uint32_t burst_count,
                   uint64_t burst_period_ns);
/* The absolute deadline of the next message (t0 or earlier = now); advances k. */
uint64_t sb_pacer_next(struct sb_pacer *pc);
/* 1 when messages have a schedule (rate or bursts): then a message's
 * deadline is its intended send time (frame.h); 0 for as fast as possible. */
static inline int sb_pacer_paced(const struct sb_pacer *pc)
{
    return pc->period_ns > 0 || pc->burst_period_ns > 0;
}

/* The consumer's stalls: it pauses stall_ns at the start of every period from t0. */
struct sb_staller {
    uint64_t at;     /* start of the next stall window */
    uint64_t len;    /* 0 = never stall */
    uint64_t period;
};

void sb_staller_init(struct sb_staller *s, uint64_t t0, uint64_t stall_ns, uint64_t period_ns);
/*
 * If now falls inside a stall window, sleeps to its end.  Windows that
 * passed entirely while the consumer was busy or asleep are skipped, not
 * made up.  0, or -1 if aborted.
 */
int sb_staller_check(struct sb_staller *s, uint64_t now, const atomic_int *abort);

#endif
