/*
 * workload_serial.c - one cell of the matrix on transport = pty or serial.
 *
 *   producer -> [tx buffer] -> TX pump -> port -> peer -> port -> RX pump -> [rx buffer] -> consumer
 *
 * Both buffers are the strategy under test.  The producer and consumer are
 * the same halves as on mem (traffic.h); the pumps are io.h's.  The peer is
 * started here for pty (echo or the nrf52840-sim emulator); on serial it is
 * whatever the board runs.
 *
 * Reconciliation: the run ends with a stats request the peer answers after
 * echoing everything before it, so the counts are final when it arrives:
 *   bytes written = bytes read back + device overruns + bytes the device dropped
 *   frames written = frames verified + frames dropped + frames damaged
 *                    (corrupted, or lost bytes to an overrun)
 * and the consumer's CRC errors must be explained by the damaged frames.
 * A plain echo keeps no counters and answers with the request itself: then
 * every byte must come back.  Anything unexplained fails the run, naming
 * the counts.  A port that goes away makes the row aborted, with the reason.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "io.h"
#include "msgsize.h"
#include "pace.h"
#include "peer.h"
#include "transport.h"
#include "workload_parts.h"

#define PROGRESS_PERIOD_NS 100000000u
/* After the stats request: this long without a byte means no answer is coming. */
#define ANSWER_TIMEOUT_NS 5000000000ull

struct srun {
    char stuck[SB_REASON_MAX]; /* set by the supervisor: the run made no progress */
    struct sb_pipe tx, rx;
    struct sb_run_ctl ctl;
    struct sb_wakeup done;  /* the supervisor sleeps here */
    atomic_int halves_done;
    struct sb_producer_stats prod;
    struct sb_consumer_stats cons;
    struct sb_io io;
};

static void half_done(struct srun *run)
{
    atomic_fetch_add_explicit(&run->halves_done, 1, memory_order_release);
    sb_wakeup_notify(&run->done);
}

static void *producer_main(void *arg)
{
    struct srun *run = arg;
    sb_producer_run(&run->tx, &run->ctl, &run->prod);
    half_done(run);
    return NULL;
}

static void *consumer_main(void *arg)
{
    struct srun *run = arg;
    sb_consumer_run(&run->rx, &run->ctl, &run->cons);
    half_done(run);
    return NULL;
}

static int halves_done(void *arg)
{
    struct srun *run = arg;
    /* Acquire pairs with half_done: the halves' stats are final once seen. */
    return atomic_load_explicit(&run->halves_done, memory_order_acquire) == 2;
}

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

/*
 * A run with bytes in flight (written to the port, not back, not reported
 * lost) that has not moved one for `silence` is stuck: a harness or
 * strategy bug, or a peer that stopped echoing.  It fails with the counts
 * instead of hanging until the runner's timeout.  (Only the I/O counters
 * are read here: the buffers belong to their two threads.)  Returns 1 when
 * it calls it stuck.
 */
static int check_stuck(struct srun *run, uint64_t now, uint64_t silence, uint64_t moved[3])
{
    uint64_t tx = atomic_load_explicit(&run->io.tx_bytes, memory_order_relaxed);
    uint64_t rx = atomic_load_explicit(&run->io.rx_bytes, memory_order_relaxed);
    uint64_t flight = sb_io_in_flight(&run->io);
    if (tx != moved[0] || rx != moved[1] || flight == 0) {
        moved[0] = tx;
        moved[1] = rx;
        moved[2] = now;
        return 0;
    }
    if (now - moved[2] < silence || run->stuck[0])
        return 0;
    snprintf(run->stuck, sizeof(run->stuck),
             "stuck: %" PRIu64 " B in flight and no byte moved for %.1f s (%" PRIu64
             " B written, %" PRIu64 " B read back)",
             flight, (double)silence / 1e9, tx, rx);
    return 1;
}

/*
 * Until both halves are done: progress about 10 times a second, *stop
 * passed on as an abort, a peer that goes away or does not answer the
 * stats request failed, a run that is stuck failed.  Returns 1 if
 * interrupted.
 */
static int supervise(struct srun *run, const struct sb_link_params *lp, struct sb_peer *peer,
                     volatile sig_atomic_t *stop, sb_progress_fn progress, void *ctx)
{
    int interrupted = 0;
    uint64_t silence = answer_timeout(lp);
    uint64_t tick = sb_now_ns() + PROGRESS_PERIOD_NS;
    uint64_t moved[3] = {0, 0, sb_now_ns()};
    while (!halves_done(run)) {
        if (stop && *stop && !interrupted) {
            interrupted = 1;
            sb_io_abort(&run->io);
        }
        /* socat keeps the far end open itself, so a peer that exits does
         * not hang up the pty: its exit is the disconnect. */
        char why[128];
        if (sb_peer_gone(peer, why, sizeof(why)))
            sb_io_fail(&run->io, "%s", why);
        uint64_t now = sb_now_ns();
        if (check_stuck(run, now, silence, moved))
            sb_io_abort(&run->io);
        uint64_t asked = atomic_load_explicit(&run->io.request_ns, memory_order_relaxed);
        uint64_t heard = atomic_load_explicit(&run->io.last_rx_ns, memory_order_relaxed);
        if (asked && !atomic_load_explicit(&run->io.done, memory_order_acquire) &&
            now > (heard > asked ? heard : asked) + silence)
            sb_io_fail(&run->io, "the peer did not answer the stats request (silent for %.1f s)",
                       (double)silence / 1e9);
        if (now >= tick) {
            if (progress && !interrupted) {
                uint64_t start =
                    atomic_load_explicit(&run->ctl.measure_start_ns, memory_order_relaxed);
                uint64_t bytes = atomic_load_explicit(&run->ctl.live_bytes, memory_order_relaxed);
                progress(ctx, bytes, start && now > start ? (double)(now - start) / 1e9 : 0);
            }
            tick = now + PROGRESS_PERIOD_NS;
        }
        sb_wakeup_await(&run->done, halves_done, run, tick > now ? tick - now : 1);
    }
    return interrupted;
}

/* Both buffers' stats as one: counts add up, capacity is one buffer's. */
static void merge_stats(struct sbuf *tx, struct sbuf *rx, struct sbuf_stats *out)
{
    struct sbuf_stats a, b;
    sbuf_stats(tx, &a);
    sbuf_stats(rx, &b);
    *out = a;
    out->used += b.used;
    out->peak_used = a.peak_used > b.peak_used ? a.peak_used : b.peak_used;
    out->bytes_in += b.bytes_in;
    out->bytes_out += b.bytes_out;
    out->bytes_discarded += b.bytes_discarded;
    out->overflows += b.overflows;
    out->underruns += b.underruns;
    out->resizes += b.resizes;
    out->bytes_copied += b.bytes_copied;
    out->allocations += b.allocations;
}

/*
 * A link's rate is what arrives over the receiver's window (first to last
 * measured frame): behind a slow link the measured frames arrive long after
 * the producer's phase, behind what the buffers held, so the producer's
 * clock would understate the link.  The first frame opens the window; the
 * bytes after it arrived within it.
 */
static void receiver_rate(struct sb_run_result *r, const struct sb_verify *v)
{
    if (v->msgs < 2 || v->last_ns <= v->first_ns)
        return;
    double window = (double)(v->last_ns - v->first_ns) / 1e9;
    r->bytes_per_s = (double)(v->bytes - v->first_bytes) / window;
    r->msgs_per_s = (double)(v->msgs - 1) / window;
}

static void reconcile(struct sb_run_result *r, const struct srun *run)
{
    const struct sb_producer_stats *pr = &run->prod;
    const struct sb_consumer_stats *co = &run->cons;
    const struct sb_io *io = &run->io;
    const struct sb_dev_counters *d = &io->dev;
    int counted = io->answer_kind == SB_CTRL_STATS_REPLY;
    uint64_t tx = atomic_load(&io->tx_bytes), rx = atomic_load(&io->rx_bytes);
    uint64_t verified = co->ver.msgs + co->ver.warmup_msgs;
    uint64_t removed = d->overrun_bytes + d->drop_bytes;
    uint64_t lost_frames = d->drop_frames + d->damaged_frames;

    if (pr->unfit)
        sb_result_because(r, "a %zu-byte frame can never fit in the %zu-byte buffer "
                          "(overflow = block)", pr->unfit, r->buf.capacity);
    if (tx != pr->bytes_written)
        sb_result_because(r, "the producer wrote %" PRIu64 " B, the port took %" PRIu64 " B",
                          pr->bytes_written, tx);
    if (tx != rx + removed)
        sb_result_because(r,
                          "bytes: sent %" PRIu64 " != echoed %" PRIu64 " + device overruns %" PRIu64
                          " + dropped by faults %" PRIu64 " (%" PRId64 " unexplained)",
                          tx, rx, d->overrun_bytes, d->drop_bytes,
                          (int64_t)(tx - rx - removed));
    if (pr->frames_written != verified + lost_frames)
        sb_result_because(r,
                          "frames: sent %" PRIu64 " != verified %" PRIu64 " + dropped %" PRIu64
                          " + damaged %" PRIu64 " (corrupted %" PRIu64 ", overrun %" PRIu64 ")",
                          pr->frames_written, verified, d->drop_frames, d->damaged_frames,
                          d->corrupt_frames, d->overrun_frames);
    if (counted && (d->bytes_in != tx || d->bytes_out != rx || d->frames_in != pr->frames_written))
        sb_result_because(r,
                          "the device saw %" PRIu64 " B / %" PRIu64 " frames in and %" PRIu64
                          " B out; the host sent %" PRIu64 " B / %" PRIu64 " frames and got %" PRIu64
                          " B", d->bytes_in, d->frames_in, d->bytes_out, tx, pr->frames_written, rx);
    /*
     * CRC errors need damaged frames to explain them, and every corrupted
     * frame (its header intact) shows at least one.  Not exactly one: after
     * a CRC error the decoder hunts for the magic inside the damaged frame
     * and may count a second at a chance 0xA5 0xC3 in its payload; and a
     * frame that lost its first bytes to an overrun shows none.  The exact
     * check is the frame count above.
     */
    uint64_t crc = co->dec.crc_errors, bad = co->dec.bad_headers;
    if (bad || (crc && !d->damaged_frames) ||
        (d->overrun_bytes == 0 && crc < d->corrupt_frames))
        sb_result_because(r,
                          "integrity: %" PRIu64 " CRC errors and %" PRIu64 " bad headers, but the "
                          "device corrupted %" PRIu64 " frames (%" PRIu64 " damaged in all)",
                          crc, bad, d->corrupt_frames, d->damaged_frames);
    if (co->ver.bad_payload || co->ver.seq.duplicates || co->ver.seq.reordered)
        sb_result_because(r,
                          "integrity: bad payloads %" PRIu64 ", duplicates %" PRIu64
                          ", reordered %" PRIu64,
                          co->ver.bad_payload, co->ver.seq.duplicates, co->ver.seq.reordered);
    if (co->bytes_released + co->leftover != rx)
        sb_result_because(r, "the consumer took %" PRIu64 " B (+%" PRIu64 " B left) of %" PRIu64
                          " B read", co->bytes_released, co->leftover, rx);
    if (io->stray_bytes)
        sb_result_because(r, "%" PRIu64 " B arrived after the peer's stats answer",
                          io->stray_bytes);
    r->status = r->reason[0] ? SB_STATUS_FAILED : SB_STATUS_OK;
}

/* Opens the port and, on pty, starts the peer.  SB_STATUS_SKIPPED is set
 * (and 0 returned with *t NULL) when an optional port is absent. */
static int open_link(const struct sb_run_params *p, struct sb_run_result *r,
                     struct sb_transport **t, struct sb_peer *peer)
{
    struct sb_err err = {0};
    int rc = sb_transport_open(p->transport, &p->link, t, &err);
    if (rc == SBUF_ENOENT && p->link.hardware_optional && strcmp(p->transport, "serial") == 0) {
        r->status = SB_STATUS_SKIPPED;
        snprintf(r->reason, sizeof(r->reason), "hardware = optional: %.200s", err.msg);
        *t = NULL;
        return SBUF_OK;
    }
    if (rc == SBUF_OK && strcmp(p->transport, "pty") == 0) {
        rc = sb_peer_start(&p->link, (*t)->peer_path, p->seed, peer, &err);
        if (rc != SBUF_OK) {
            sb_transport_close(*t);
            *t = NULL;
        }
    }
    if (rc != SBUF_OK) {
        r->status = SB_STATUS_FAILED;
        snprintf(r->reason, sizeof(r->reason), "%.*s", (int)sizeof(r->reason) - 1, err.msg);
        sb_warnf("%s", err.msg);
        /* Missing (a tool, a port): SBUF_ENOENT, which the runner makes exit 3. */
        return err.code == SB_EXIT_MISSING ? SBUF_ENOENT : SBUF_EINVAL;
    }
    return SBUF_OK;
}

static int start_threads(struct srun *run, struct sb_transport *t, const struct sb_run_params *p,
                         const struct sb_peer *peer, pthread_t th[2])
{
    int rc = sb_io_start(&run->io, t->fd, &run->tx, &run->rx, &run->ctl, p->link.write_size,
                         peer->window, peer->lost);
    if (rc)
        return rc;
    if (pthread_create(&th[1], NULL, consumer_main, run) != 0) {
        sb_io_abort(&run->io);
        sb_io_join(&run->io);
        return SBUF_ENOMEM;
    }
    if (pthread_create(&th[0], NULL, producer_main, run) != 0) {
        sb_io_abort(&run->io);
        sb_pipe_close(&run->tx);
        sb_io_join(&run->io);
        pthread_join(th[1], NULL);
        return SBUF_ENOMEM;
    }
    return SBUF_OK;
}

int sb_workload_serial_run(const struct sb_run_params *p, struct sb_run_result *r,
                           volatile sig_atomic_t *stop, sb_progress_fn progress, void *ctx)
{
    if (strcmp(p->transport, "pty") != 0 && strcmp(p->transport, "serial") != 0)
        return SBUF_ENOTSUP;
    int rc = sb_workload_check_params(p);
    if (rc)
        return rc;
    struct sbuf_config cfg = {.capacity = p->buffer, .max_capacity = p->max_buffer};
    struct sbuf *btx = NULL, *brx = NULL;
    rc = p->ops ? sbuf_create_ops(p->ops, &cfg, &btx) : sbuf_create(p->strategy, &cfg, &btx);
    if (!rc)
        rc = p->ops ? sbuf_create_ops(p->ops, &cfg, &brx) : sbuf_create(p->strategy, &cfg, &brx);
    /* The consumer decodes in place: a frame must fit the rx buffer as well. */
    if (!rc)
        rc = sb_workload_check_fit(p, btx);
    if (!rc && sb_workload_check_fit(p, brx) != SBUF_OK)
        rc = SBUF_ERANGE;
    struct srun *run = rc ? NULL : calloc(1, sizeof(*run));
    if (!run) {
        sbuf_destroy(btx);
        sbuf_destroy(brx);
        return rc ? rc : SBUF_ENOMEM;
    }
    run->done.fd = -1;
    rc = sb_pipe_init(&run->tx, btx);
    if (!rc && (rc = sb_pipe_init(&run->rx, brx)) != SBUF_OK)
        sb_pipe_destroy(&run->tx);
    if (!rc && (rc = sb_wakeup_init(&run->done)) != SBUF_OK) {
        sb_pipe_destroy(&run->tx);
        sb_pipe_destroy(&run->rx);
    }
    if (rc) {
        free(run);
        sbuf_destroy(btx);
        sbuf_destroy(brx);
        return rc;
    }
    atomic_init(&run->halves_done, 0);

    struct sb_transport *t = NULL;
    struct sb_peer peer = {0};
    /* The peer is forked before any thread of this run starts. */
    rc = open_link(p, r, &t, &peer);
    if (rc == SBUF_OK && t) {
        sb_run_ctl_init(&run->ctl, p);
        pthread_t th[2];
        rc = start_threads(run, t, p, &peer, th);
        if (rc == SBUF_OK) {
            int interrupted = supervise(run, &p->link, &peer, stop, progress, ctx);
            pthread_join(th[0], NULL);
            pthread_join(th[1], NULL);
            sb_io_join(&run->io);
            rc = run->prod.error ? run->prod.error : run->cons.error;
            if (rc == SBUF_OK) {
                sb_workload_fill(r, &run->prod, &run->cons, NULL);
                merge_stats(btx, brx, &r->buf);
                receiver_rate(r, &run->cons.ver);
                const struct sb_dev_counters *d = &run->io.dev;
                r->dev_overrun_bytes = d->overrun_bytes;
                r->dev_drop_frames = d->drop_frames;
                r->dev_corrupt_frames = d->corrupt_frames;
                r->dev_delay_faults = d->delay_faults;
                r->dev_stall_faults = d->stall_faults;
                if (run->stuck[0]) {
                    r->status = SB_STATUS_FAILED;
                    snprintf(r->reason, sizeof(r->reason), "%s", run->stuck);
                } else if (interrupted) {
                    r->status = SB_STATUS_ABORTED;
                    snprintf(r->reason, sizeof(r->reason), "interrupted");
                } else if (atomic_load_explicit(&run->io.failed, memory_order_acquire) > 0) {
                    r->status = SB_STATUS_ABORTED;
                    /* The pty's path is a temporary name: say "pty" instead. */
                    const char *where = strcmp(p->transport, "pty") == 0 ? "pty" : t->name;
                    snprintf(r->reason, sizeof(r->reason), "%.64s: %.180s", where,
                             run->io.reason);
                } else {
                    reconcile(r, run);
                }
            }
        }
    }
    r->ceiling_bytes_per_s = p->link.ceiling_bytes_per_s;
    r->ceiling_echo_bytes_per_s = p->link.ceiling_echo_bytes_per_s;
    r->ceiling_rtt_p50_ns = p->link.ceiling_rtt_p50_ns;
    sb_transport_close(t);
    sb_peer_stop(&peer);
    sb_wakeup_destroy(&run->done);
    sb_pipe_destroy(&run->tx);
    sb_pipe_destroy(&run->rx);
    free(run);
    sbuf_destroy(btx);
    sbuf_destroy(brx);
    return rc;
}
