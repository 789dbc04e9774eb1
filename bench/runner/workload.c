/*
 * workload.c - one cell of the matrix on transport mem: a producer thread
 * and a consumer thread around one buffer of the strategy under test, a
 * supervisor (the calling thread) that reports progress and passes on an
 * interrupt, then the result and its reconciliation.
 *
 * Reconciliation is what makes a run trustworthy: every message offered in
 * the measured phase was either verified by the consumer or refused by the
 * drop policy, every byte the buffer took came out as part of a good frame,
 * and nothing was corrupted, lost, repeated or reordered.  Anything else
 * fails the run with the counts in its reason.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "histogram.h"
#include "msgsize.h"
#include "pace.h"
#include "sbuf/registry.h"
#include "traffic.h"
#include "workload.h"
#include "workload_parts.h"

#define PROGRESS_PERIOD_NS 100000000u /* ~10 calls a second */

struct run {
    struct sb_pipe pipe;
    struct sb_run_ctl ctl;
    struct sb_wakeup done;  /* the supervisor sleeps here */
    atomic_int halves_done; /* threads that have finished */
    struct sb_producer_stats prod;
    struct sb_consumer_stats cons;
};

int sb_workload_check_params(const struct sb_run_params *p)
{
    int lengths = (p->duration_ns != 0) + (p->bytes != 0) + (p->messages != 0);
    if (lengths != 1)
        return SBUF_EINVAL;
    if (!(p->rate >= 0) || p->rate > 1e12) /* also rejects NaN */
        return SBUF_EINVAL;
    if ((p->burst_period_ns != 0) != (p->burst_count != 0))
        return SBUF_EINVAL;
    if (p->stall_period_ns ? (p->stall_ns == 0 || p->stall_ns >= p->stall_period_ns)
                           : p->stall_ns != 0)
        return SBUF_EINVAL; /* a stall as long as its period would never read */
    if (p->overflow != SB_OVERFLOW_BLOCK && p->overflow != SB_OVERFLOW_DROP)
        return SBUF_EINVAL;
    return sb_msg_spec_check(&p->message);
}

/*
 * Block mode waits for room, so a frame larger than the buffer can ever be
 * would wait forever: refuse the run up front where that is knowable.
 * (The producer still detects it at run time, for strategies whose usable
 * space is less than their capacity.)
 */
int sb_workload_check_fit(const struct sb_run_params *p, struct sbuf *b)
{
    if (p->overflow != SB_OVERFLOW_BLOCK)
        return SBUF_OK;
    size_t frame = sb_frame_size(sb_msg_spec_max(&p->message));
    if (sbuf_ops_of(b)->caps & SBUF_CAP_GROWS)
        return p->max_buffer && frame > p->max_buffer ? SBUF_ERANGE : SBUF_OK;
    return frame > sbuf_capacity(b) ? SBUF_ERANGE : SBUF_OK;
}

/* ---- threads ------------------------------------------------------------ */

static void half_done(struct run *run)
{
    atomic_fetch_add_explicit(&run->halves_done, 1, memory_order_release);
    sb_wakeup_notify(&run->done);
}

static void *producer_main(void *arg)
{
    struct run *run = arg;
    sb_producer_run(&run->pipe, &run->ctl, &run->prod);
    half_done(run);
    return NULL;
}

static void *consumer_main(void *arg)
{
    struct run *run = arg;
    sb_consumer_run(&run->pipe, &run->ctl, &run->cons);
    half_done(run);
    return NULL;
}

static int both_done(void *arg)
{
    struct run *run = arg;
    /* Acquire pairs with half_done: the halves' stats are final once seen. */
    return atomic_load_explicit(&run->halves_done, memory_order_acquire) == 2;
}

static void abort_run(struct run *run)
{
    atomic_store_explicit(&run->ctl.abort, 1, memory_order_relaxed);
    sb_pipe_kick(&run->pipe);
}

enum ending { ENDED, STOPPED, DEADLOCKED };

/* Sleeps until both halves are done, calling progress about 10 times a
 * second; aborts the run on *stop, or when the halves wait on each other
 * for good (a broken strategy).  Says which. */
static enum ending supervise(struct run *run, volatile sig_atomic_t *stop,
                             sb_progress_fn progress, void *ctx)
{
    enum ending end = ENDED;
    uint64_t tick = sb_now_ns() + PROGRESS_PERIOD_NS;
    while (!both_done(run)) {
        uint64_t now = sb_now_ns();
        if (end == ENDED && ((stop && *stop) || sb_run_ctl_deadlocked(&run->ctl, now))) {
            end = stop && *stop ? STOPPED : DEADLOCKED;
            abort_run(run);
        }
        if (now >= tick) {
            if (progress && end == ENDED) {
                uint64_t start =
                    atomic_load_explicit(&run->ctl.measure_start_ns, memory_order_relaxed);
                uint64_t bytes = atomic_load_explicit(&run->ctl.live_bytes, memory_order_relaxed);
                progress(ctx, bytes, start && now > start ? (double)(now - start) / 1e9 : 0);
            }
            tick = now + PROGRESS_PERIOD_NS;
        }
        sb_wakeup_await(&run->done, both_done, run, tick - now);
    }
    return end;
}

/* ---- result --------------------------------------------------------------- */

/* Appends a "; "-separated clause to r->reason (truncated if it must be). */
void sb_result_because(struct sb_run_result *r, const char *fmt, ...)
{
    size_t used = strlen(r->reason);
    if (used + 3 >= sizeof(r->reason))
        return;
    if (used) {
        memcpy(r->reason + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason + used, sizeof(r->reason) - used, fmt, ap);
    va_end(ap);
}

static double seconds(const struct timeval *a, const struct timeval *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

void sb_workload_fill(struct sb_run_result *r, const struct sb_producer_stats *pr,
                      const struct sb_consumer_stats *co, struct sbuf *b)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    r->peak_rss_kb = ru.ru_maxrss;
    if (pr->measure_start_ns) {
        r->cpu_user_s = seconds(&pr->ru_start.ru_utime, &ru.ru_utime);
        r->cpu_sys_s = seconds(&pr->ru_start.ru_stime, &ru.ru_stime);
        if (co->end_ns > pr->measure_start_ns)
            r->wall_s = (double)(co->end_ns - pr->measure_start_ns) / 1e9;
    }
    r->msgs_sent = pr->msgs_sent;
    r->bytes_sent = pr->bytes_sent;
    r->msgs_dropped = pr->msgs_dropped;
    r->bytes_dropped = pr->bytes_dropped;
    r->msgs_recv = co->ver.msgs;
    r->bytes_recv = co->ver.bytes;
    r->crc_errors = co->dec.crc_errors;
    r->bad_frames = co->dec.bad_headers + co->ver.bad_payload;
    r->seq_gaps = co->ver.seq.gaps;
    r->duplicates = co->ver.seq.duplicates;
    r->reordered = co->ver.seq.reordered;
    r->resyncs = co->dec.resyncs;
    r->garbage_bytes = co->dec.garbage_bytes + co->leftover;
    if (r->wall_s > 0) {
        r->bytes_per_s = (double)r->bytes_recv / r->wall_s;
        r->msgs_per_s = (double)r->msgs_recv / r->wall_s;
    }
    sb_hist_summary(&co->ver.hist, &r->latency);
    if (b)
        sbuf_stats(b, &r->buf);
}

static void reconcile(struct sb_run_result *r, const struct run *run)
{
    const struct sb_producer_stats *pr = &run->prod;
    const struct sb_consumer_stats *co = &run->cons;
    if (pr->unfit)
        sb_result_because(r,
                          "a %zu-byte frame can never fit in the %zu-byte buffer (overflow = block)",
                          pr->unfit, r->buf.capacity);
    if (r->msgs_sent != r->msgs_recv + r->msgs_dropped ||
        r->bytes_sent != r->bytes_recv + r->bytes_dropped)
        sb_result_because(r,
                          "sent %" PRIu64 " msgs/%" PRIu64 " B != received %" PRIu64 "/%" PRIu64
                          " + dropped %" PRIu64 "/%" PRIu64,
                          r->msgs_sent, r->bytes_sent, r->msgs_recv, r->bytes_recv, r->msgs_dropped,
                          r->bytes_dropped);
    /* Integrity: name only the counters that are not zero, to stay short. */
    const struct {
        const char *name;
        uint64_t n;
    } bad[] = {{"crc_errors", r->crc_errors}, {"bad_frames", r->bad_frames},
               {"seq_gaps", r->seq_gaps},     {"duplicates", r->duplicates},
               {"reordered", r->reordered},   {"resyncs", r->resyncs},
               {"garbage_bytes", r->garbage_bytes}};
    char list[160] = "";
    size_t len = 0;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) && len < sizeof(list); i++)
        if (bad[i].n)
            len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s %" PRIu64,
                                    len ? ", " : "", bad[i].name, bad[i].n);
    if (list[0])
        sb_result_because(r, "integrity: %s", list);
    uint64_t verified = co->ver.msgs + co->ver.warmup_msgs;
    uint64_t verified_bytes = co->ver.bytes + co->ver.warmup_bytes;
    if (pr->frames_written != verified)
        sb_result_because(r, "wrote %" PRIu64 " frames, verified %" PRIu64, pr->frames_written,
                          verified);
    if (r->buf.bytes_in != pr->bytes_written || r->buf.bytes_out != verified_bytes ||
        r->buf.used != 0)
        sb_result_because(r,
                          "buffer took %" PRIu64 " B of %" PRIu64 " written, gave %" PRIu64
                          " B of %" PRIu64 " verified, %zu B left",
                          r->buf.bytes_in, pr->bytes_written, r->buf.bytes_out, verified_bytes,
                          r->buf.used);
    r->status = r->reason[0] ? SB_STATUS_FAILED : SB_STATUS_OK;
}

/* ---- the run -------------------------------------------------------------- */

static int start_threads(struct run *run, pthread_t *prod, pthread_t *cons)
{
    if (pthread_create(cons, NULL, consumer_main, run) != 0)
        return SBUF_ENOMEM;
    if (pthread_create(prod, NULL, producer_main, run) != 0) {
        /* The consumer alone: make it stop, and reap it. */
        abort_run(run);
        sb_pipe_close(&run->pipe);
        pthread_join(*cons, NULL);
        return SBUF_ENOMEM;
    }
    return SBUF_OK;
}

int sb_workload_run(const struct sb_run_params *p, struct sb_run_result *r,
                    volatile sig_atomic_t *stop, sb_progress_fn progress, void *ctx)
{
    if (!p || !r)
        return SBUF_EINVAL;
    memset(r, 0, sizeof(*r));
    if (strcmp(p->transport, "mem") != 0)
        return sb_workload_serial_run(p, r, stop, progress, ctx);
    int rc = sb_workload_check_params(p);
    if (rc)
        return rc;

    struct sbuf_config cfg = {.capacity = p->buffer, .max_capacity = p->max_buffer};
    struct sbuf *b = NULL;
    rc = p->ops ? sbuf_create_ops(p->ops, &cfg, &b) : sbuf_create(p->strategy, &cfg, &b);
    if (rc)
        return rc;
    rc = sb_workload_check_fit(p, b);
    struct run *run = rc ? NULL : calloc(1, sizeof(*run));
    if (!run) {
        sbuf_destroy(b);
        return rc ? rc : SBUF_ENOMEM;
    }
    run->done.fd = -1;
    rc = sb_pipe_init(&run->pipe, b);
    if (rc == SBUF_OK) {
        rc = sb_wakeup_init(&run->done);
        if (rc)
            sb_pipe_destroy(&run->pipe);
    }
    if (rc) {
        free(run);
        sbuf_destroy(b);
        return rc;
    }
    atomic_init(&run->halves_done, 0);
    sb_run_ctl_init(&run->ctl, p);

    pthread_t prod, cons;
    rc = start_threads(run, &prod, &cons);
    if (rc == SBUF_OK) {
        enum ending end = supervise(run, stop, progress, ctx);
        pthread_join(prod, NULL);
        pthread_join(cons, NULL);
        rc = run->prod.error ? run->prod.error : run->cons.error;
        if (rc == SBUF_OK) {
            sb_workload_fill(r, &run->prod, &run->cons, b);
            if (end == STOPPED) {
                r->status = SB_STATUS_ABORTED;
                snprintf(r->reason, sizeof(r->reason), "interrupted");
            } else if (end == DEADLOCKED) {
                r->status = SB_STATUS_FAILED;
                sb_result_because(r,
                                  "stuck: the buffer held %zu bytes that are no whole frame and "
                                  "took no more (a torn write?)",
                                  r->buf.used);
            } else {
                reconcile(r, run);
            }
        }
    }
    sb_wakeup_destroy(&run->done);
    sb_pipe_destroy(&run->pipe);
    free(run);
    sbuf_destroy(b);
    return rc;
}
