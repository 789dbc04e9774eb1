/*
 * pace.c - deadlines and sleeps (see pace.h).
 */
#include <errno.h>

#include "pace.h"

int sb_sleep_until(uint64_t deadline_ns, const atomic_int *abort)
{
    for (;;) {
        /* Relaxed: the flag carries no data; it only has to be seen eventually. */
        if (abort && atomic_load_explicit(abort, memory_order_relaxed))
            return -1;
        uint64_t now = sb_now_ns();
        if (now >= deadline_ns)
            return 0;
        uint64_t until = deadline_ns - now > SB_SLEEP_SLICE_NS ? now + SB_SLEEP_SLICE_NS
                                                               : deadline_ns;
        struct timespec ts = {.tv_sec = (time_t)(until / 1000000000u),
                              .tv_nsec = (long)(until % 1000000000u)};
        /* Absolute: an interrupted or late wakeup never shifts the schedule. */
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            if (abort && atomic_load_explicit(abort, memory_order_relaxed))
                return -1;
    }
}

void sb_pacer_init(struct sb_pacer *pc, uint64_t t0, double rate, uint32_t burst_count,
                   uint64_t burst_period_ns)
{
    pc->t0 = t0;
    pc->period_ns = rate > 0 ? 1e9 / rate : 0;
    pc->burst_count = burst_period_ns ? burst_count : 0;
    pc->burst_period_ns = burst_count ? burst_period_ns : 0;
    pc->k = 0;
}

uint64_t sb_pacer_next(struct sb_pacer *pc)
{
    uint64_t k = pc->k++;
    if (pc->burst_period_ns)
        return pc->t0 + (k / pc->burst_count) * pc->burst_period_ns;
    if (pc->period_ns > 0)
        /* From k, not from the previous deadline: rounding never accumulates. */
        return pc->t0 + (uint64_t)((double)k * pc->period_ns);
    return pc->t0;
}

void sb_staller_init(struct sb_staller *s, uint64_t t0, uint64_t stall_ns, uint64_t period_ns)
{
    s->at = t0;
    s->len = period_ns ? stall_ns : 0;
    s->period = period_ns;
}

int sb_staller_check(struct sb_staller *s, uint64_t now, const atomic_int *abort)
{
    if (s->len == 0 || now < s->at)
        return 0;
    if (now >= s->at + s->len) {
        /* Skip every window that already ended. */
        uint64_t passed = (now - s->at - s->len) / s->period + 1;
        s->at += passed * s->period;
        if (now < s->at)
            return 0;
    }
    uint64_t end = s->at + s->len;
    s->at += s->period;
    return sb_sleep_until(end, abort);
}
