/*
 * workload.c - one run: buffers, the transport and its peer, the producer
 * and consumer threads (and on a port the I/O pumps), and a supervisor (the
 * calling thread) that reports progress, passes on an interrupt and fails a
 * run that can no longer move.  reconcile.c turns what they counted into
 * the result.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "pace.h"
#include "placement.h"
#include "sbuf/registry.h"
#include "workload_internal.h"

#define PROGRESS_PERIOD_NS 100000000u /* ~10 calls a second */
/* After the stats request: this long without a byte means no answer is coming. */
#define ANSWER_TIMEOUT_NS 5000000000ull

/* ---- setting up and tearing down ---------------------------------------- */

static int make_buffer(const struct sb_run_params *p, struct sbuf **out)
{
    struct sbuf_config cfg = {.capacity = p->buffer, .max_capacity = p->max_buffer};
    int rc = sbuf_create(p->strategy, &cfg, out);
    /* The consumer decodes in place: a frame must fit every buffer it crosses. */
    return rc ? rc : sb_workload_check_fit(p, *out);
}

static void teardown(struct sb_wrun *w)
{
    sb_transport_close(w->t);
    sb_peer_stop(&w->peer);
    sb_wakeup_destroy(&w->done);
    sb_pipe_destroy(&w->tx);
    sb_pipe_destroy(&w->rx);
    sbuf_destroy(w->btx);
    sbuf_destroy(w->brx);
    free(w);
}

/* The buffers and pipes: one of each on mem, tx and rx with a port. */
static int make_pipes(struct sb_wrun *w)
{
    int rc = make_buffer(w->p, &w->btx);
    if (!rc && w->port)
        rc = make_buffer(w->p, &w->brx);
    if (!rc)
        rc = sb_pipe_init(&w->tx, w->btx);
    if (!rc && w->port)
        rc = sb_pipe_init(&w->rx, w->brx);
    if (!rc)
        rc = sb_wakeup_init(&w->done);
    return rc;
}

/*
 * Opens the transport and, where serbench runs the peer, starts it (before
 * any thread of this run, since it forks).  SB_STATUS_SKIPPED is set, and 0
 * returned with w->t NULL, when an optional port is absent.
 */
static int open_link(struct sb_wrun *w, struct sb_run_result *r)
{
    const struct sb_run_params *p = w->p;
    struct sb_err err = {0};
    int rc = sb_transport_open(p->transport, &p->link, &w->t, &err);
    if (rc == SBUF_ENOENT && p->link.hardware_optional &&
        (sb_transport_find(p->transport)->flags & SB_TRANSPORT_HARDWARE)) {
        r->status = SB_STATUS_SKIPPED;
        snprintf(r->reason, sizeof(r->reason), "hardware = optional: %.200s", err.msg);
        return SBUF_OK;
    }
    if (rc == SBUF_OK && (w->t->ops->flags & SB_TRANSPORT_SPAWNS_PEER))
        rc = sb_peer_start(&p->link, w->t->peer_path, p->seed, &w->peer, &err);
    if (rc == SBUF_OK)
        return SBUF_OK;
    sb_transport_close(w->t);
    w->t = NULL;
    r->status = SB_STATUS_FAILED;
    snprintf(r->reason, sizeof(r->reason), "%.*s", (int)sizeof(r->reason) - 1, err.msg);
    sb_warnf("%s", err.msg);
    /* Missing (a tool, a port): SBUF_ENOENT, which the runner makes exit 3. */
    return err.code == SB_EXIT_MISSING ? SBUF_ENOENT : SBUF_EINVAL;
}

/* ---- threads ---------------------------------------------------------------- */

static void half_done(struct sb_wrun *w)
{
    atomic_fetch_add_explicit(&w->halves_done, 1, memory_order_release);
    sb_wakeup_notify(&w->done);
}

/* A half's own scheduler counters, read at its start (at = 0) and end. */
static void read_self(struct sb_wrun *w, int half, int at)
{
    if (sb_sched_self(&w->self[half][at]) < 0)
        w->self_ok[half] = 0;
    struct rusage ru; /* RUSAGE_THREAD: this half's own context switches */
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        w->csw[half][at][0] = ru.ru_nvcsw;
        w->csw[half][at][1] = ru.ru_nivcsw;
    }
}

static void *producer_main(void *arg)
{
    struct sb_wrun *w = arg;
    w->pinned[0] = sb_pin_self(w->cpu[0]);
    read_self(w, 0, 0);
    sb_producer_run(&w->tx, &w->ctl, &w->prod);
    read_self(w, 0, 1);
    half_done(w);
    return NULL;
}

static void *consumer_main(void *arg)
{
    struct sb_wrun *w = arg;
    w->pinned[1] = sb_pin_self(w->cpu[1]);
    read_self(w, 1, 0);
    sb_consumer_run(w->port ? &w->rx : &w->tx, &w->ctl, &w->cons);
    read_self(w, 1, 1);
    half_done(w);
    return NULL;
}

static int halves_done(void *arg)
{
    struct sb_wrun *w = arg;
    /* Acquire pairs with half_done: the halves' stats are final once seen. */
    return atomic_load_explicit(&w->halves_done, memory_order_acquire) == 2;
}

/* Aborts the run: every thread returns promptly. */
static void abort_run(struct sb_wrun *w)
{
    if (w->port) {
        sb_io_abort(&w->io);
        return;
    }
    atomic_store_explicit(&w->ctl.abort, 1, memory_order_relaxed);
    sb_pipe_kick(&w->tx);
}

/* The pumps (with a port), then the consumer, then the producer. */
static int start_threads(struct sb_wrun *w, pthread_t th[2])
{
    if (w->port) {
        int rc = sb_io_start(&w->io, w->t->fd, &w->tx, &w->rx, &w->ctl, w->p->link.write_size,
                             w->peer.window, w->peer.lost, w->peer.lost_fd);
        if (rc)
            return rc;
    }
    if (pthread_create(&th[1], NULL, consumer_main, w) != 0) {
        if (w->port) {
            sb_io_abort(&w->io);
            sb_io_join(&w->io);
        }
        return SBUF_ENOMEM;
    }
    if (pthread_create(&th[0], NULL, producer_main, w) != 0) {
        /* The consumer alone: make it stop, and reap it. */
        abort_run(w);
        sb_pipe_close(&w->tx);
        if (w->port)
            sb_io_join(&w->io);
        pthread_join(th[1], NULL);
        return SBUF_ENOMEM;
    }
    return SBUF_OK;
}

/* ---- supervision ------------------------------------------------------------ */

/*
 * How long the peer may stay silent after the stats request before it is
 * taken for gone: the answer waits behind everything still in flight, and a
 * stalled or delaying emulator pauses on purpose.
 */
static uint64_t answer_timeout(const struct sb_link_params *lp)
{
    struct sb_dev_faults f;
    char why[256];
    uint64_t t = ANSWER_TIMEOUT_NS;
    if (sb_dev_parse_faults(lp->faults, &f, why, sizeof(why)) == 0)
        t += f.stall_ns + f.delay_ns;
    return t;
}

/* What the supervisor remembers between looks at a port. */
struct watch {
    uint64_t silence;  /* the answer timeout */
    uint64_t moved[3]; /* tx bytes, rx bytes, when either last changed */
};

/*
 * A run with bytes in flight (written to the port, not back, not reported
 * lost) that has not moved one for `silence` is stuck: a harness or
 * strategy bug, or a peer that stopped echoing.  It fails with the counts
 * instead of hanging until the runner's timeout.  (Only the I/O counters
 * are read here: the buffers belong to their threads.)  1 when stuck.
 */
static int check_stuck(struct sb_wrun *w, uint64_t now, struct watch *wa)
{
    uint64_t tx = atomic_load_explicit(&w->io.tx_bytes, memory_order_relaxed);
    uint64_t rx = atomic_load_explicit(&w->io.rx_bytes, memory_order_relaxed);
    uint64_t flight = sb_io_in_flight(&w->io);
    if (tx != wa->moved[0] || rx != wa->moved[1] || flight == 0) {
        wa->moved[0] = tx;
        wa->moved[1] = rx;
        wa->moved[2] = now;
        return 0;
    }
    if (now - wa->moved[2] < wa->silence || w->stuck[0])
        return 0;
    snprintf(w->stuck, sizeof(w->stuck),
             "stuck: %" PRIu64 " B in flight and no byte moved for %.1f s (%" PRIu64
             " B written, %" PRIu64 " B read back)",
             flight, (double)wa->silence / 1e9, tx, rx);
    return 1;
}

/* With a port: a peer that went away, a stuck run, an unanswered stats request. */
static void watch_port(struct sb_wrun *w, uint64_t now, struct watch *wa)
{
    /* socat keeps the far end open itself, so a peer that exits does not
     * hang up the pty: its exit is the disconnect. */
    char why[128];
    if (sb_peer_gone(&w->peer, why, sizeof(why)))
        sb_io_fail(&w->io, "%s", why);
    if (check_stuck(w, now, wa))
        sb_io_abort(&w->io);
    uint64_t asked = atomic_load_explicit(&w->io.request_ns, memory_order_relaxed);
    uint64_t heard = atomic_load_explicit(&w->io.last_rx_ns, memory_order_relaxed);
    if (asked && !atomic_load_explicit(&w->io.done, memory_order_acquire) &&
        now > (heard > asked ? heard : asked) + wa->silence)
        sb_io_fail(&w->io, "the peer did not answer the stats request (silent for %.1f s)",
                   (double)wa->silence / 1e9);
}

static void report_progress(struct sb_wrun *w, uint64_t now, sb_progress_fn progress, void *ctx)
{
    uint64_t start = atomic_load_explicit(&w->ctl.measure_start_ns, memory_order_relaxed);
    uint64_t bytes = atomic_load_explicit(&w->ctl.live_bytes, memory_order_relaxed);
    progress(ctx, bytes, start && now > start ? (double)(now - start) / 1e9 : 0);
}

/*
 * Sleeps until both halves are done, calling progress about 10 times a
 * second; aborts the run on *stop, when the halves wait on each other for
 * good (mem: a broken strategy), or when the port's watch says so.
 */
static enum sb_ending supervise(struct sb_wrun *w, volatile sig_atomic_t *stop,
                                sb_progress_fn progress, void *ctx)
{
    enum sb_ending end = SB_ENDED;
    uint64_t tick = sb_now_ns() + PROGRESS_PERIOD_NS;
    struct watch wa = {answer_timeout(&w->p->link), {0, 0, sb_now_ns()}};
    while (!halves_done(w)) {
        uint64_t now = sb_now_ns();
        if (end == SB_ENDED && stop && *stop) {
            end = SB_STOPPED;
            abort_run(w);
        } else if (end == SB_ENDED && !w->port && sb_run_ctl_deadlocked(&w->ctl, now)) {
            end = SB_DEADLOCKED;
            abort_run(w);
        }
        if (w->port)
            watch_port(w, now, &wa);
        if (now >= tick) {
            if (progress && end == SB_ENDED)
                report_progress(w, now, progress, ctx);
            tick = now + PROGRESS_PERIOD_NS;
        }
        sb_wakeup_await(&w->done, halves_done, w, tick > now ? tick - now : 1);
    }
    return end;
}

/* ---- the run ------------------------------------------------------------------ */

/* Threads started on an open link: runs, joins, fills r. */
static int run_threads(struct sb_wrun *w, struct sb_run_result *r, volatile sig_atomic_t *stop,
                       sb_progress_fn progress, void *ctx)
{
    pthread_t th[2];
    struct sb_topology topo;
    if (sb_topology_read(&topo) == 0)
        sb_placement_choose(&topo, (enum sb_placement)w->p->placement, w->cpu);
    sb_run_ctl_init(&w->ctl, w->p);
    w->self_ok[0] = w->self_ok[1] = 1;
    sb_sched_snapshot(&w->sched[0]);
    int rc = start_threads(w, th);
    if (rc)
        return rc;
    enum sb_ending end = supervise(w, stop, progress, ctx);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    sb_sched_snapshot(&w->sched[1]);
    if (w->port)
        sb_io_join(&w->io);
    rc = w->prod.error ? w->prod.error : w->cons.error;
    if (rc == SBUF_OK)
        sb_workload_result(r, w, end);
    return rc;
}

int sb_workload_run(const struct sb_run_params *p, struct sb_run_result *r,
                    volatile sig_atomic_t *stop, sb_progress_fn progress, void *ctx)
{
    if (!p || !r)
        return SBUF_EINVAL;
    memset(r, 0, sizeof(*r));
    const struct sb_transport_ops *kind = sb_transport_find(p->transport);
    if (!kind)
        return SBUF_ENOTSUP;
    int rc = sb_workload_check_params(p);
    struct sb_wrun *w = rc ? NULL : calloc(1, sizeof(*w));
    if (!w)
        return rc ? rc : SBUF_ENOMEM;
    w->p = p;
    /* Nothing is open yet: teardown must not close fd 0. */
    w->done.fd = w->tx.data.fd = w->tx.room.fd = w->rx.data.fd = w->rx.room.fd = -1;
    w->port = kind != &sb_transport_mem_ops;
    w->cpu[0] = w->cpu[1] = -1;
    atomic_init(&w->halves_done, 0);
    rc = make_pipes(w);
    if (rc == SBUF_OK)
        rc = open_link(w, r);
    if (rc == SBUF_OK && w->t)
        rc = run_threads(w, r, stop, progress, ctx);
    r->ceiling_bytes_per_s = p->link.ceiling_bytes_per_s;
    r->ceiling_echo_bytes_per_s = p->link.ceiling_echo_bytes_per_s;
    r->ceiling_rtt_p50_ns = p->link.ceiling_rtt_p50_ns;
    teardown(w);
    return rc;
}
