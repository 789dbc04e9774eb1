/*
 * reconcile.c - a run's result: its figures from the halves' counters, and
 * the reconciliation that makes it trustworthy.
 *
 * mem: every message offered in the measured phase was either verified by
 * the consumer or refused by the drop policy, every byte the buffer took
 * came out as part of a good frame, and nothing was corrupted, lost,
 * repeated or reordered.
 *
 * A port: the run ends with a stats request the peer answers after echoing
 * everything before it, so the counts are final when it arrives:
 *   bytes written = bytes read back + device overruns + bytes the device dropped
 *   frames written = frames verified + frames dropped + frames damaged
 *                    (corrupted, or lost bytes to an overrun)
 * and the consumer's CRC errors must be explained by the damaged frames.
 * A plain echo keeps no counters and answers with the request itself: then
 * every byte must come back.
 *
 * Anything unexplained fails the run, naming the counts.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "msgsize.h"
#include "sbuf/registry.h"
#include "workload_internal.h"

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
static void describe_fit(const struct sb_run_params *p, struct sbuf *b, struct sb_fit *f)
{
    f->frame = sb_frame_size(sb_msg_spec_max(&p->message));
    f->capacity = sbuf_capacity(b);
    f->grows = (sbuf_ops_of(b)->caps & SBUF_CAP_GROWS) != 0;
    f->limit = f->grows ? p->max_buffer : f->capacity;
    f->rc = 0;
}

static int fits(const struct sb_run_params *p, const struct sb_fit *f)
{
    if (p->overflow != SB_OVERFLOW_BLOCK)
        return SBUF_OK;
    return f->limit && f->frame > f->limit ? SBUF_ERANGE : SBUF_OK;
}

int sb_workload_check_fit(const struct sb_run_params *p, struct sbuf *b)
{
    struct sb_fit f;
    describe_fit(p, b, &f);
    return fits(p, &f);
}

int sb_workload_fit(const struct sb_run_params *p, struct sb_fit *f)
{
    memset(f, 0, sizeof(*f));
    f->frame = sb_frame_size(sb_msg_spec_max(&p->message));
    struct sbuf_config cfg = {.capacity = p->buffer, .max_capacity = p->max_buffer};
    struct sbuf *b;
    int rc = sbuf_create(p->strategy, &cfg, &b);
    if (rc != SBUF_OK) {
        f->rc = rc;
        return rc;
    }
    describe_fit(p, b, f);
    sbuf_destroy(b);
    return fits(p, f);
}

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

static void workload_fill(struct sb_run_result *r, const struct sb_producer_stats *pr,
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
    r->harness_allocations = pr->harness_allocations;
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
    sb_hist_summary(&co->ver.hist_int, &r->latency_int);
    if (b)
        sbuf_stats(b, &r->buf);
}

static void reconcile_mem(struct sb_run_result *r, const struct sb_wrun *run)
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

static void reconcile_link(struct sb_run_result *r, const struct sb_wrun *run)
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

/* The device's own counters, as the peer reported them (0 from a plain echo). */
static void device_counters(struct sb_run_result *r, const struct sb_dev_counters *d)
{
    r->dev_overrun_bytes = d->overrun_bytes;
    r->dev_drop_frames = d->drop_frames;
    r->dev_corrupt_frames = d->corrupt_frames;
    r->dev_delay_faults = d->delay_faults;
    r->dev_stall_faults = d->stall_faults;
}

/*
 * What the machine took from the run: the process readings (cgroup, steal)
 * from the snapshots around the threads, the thread readings from the two
 * halves' own counters.
 */
static void starvation(struct sb_run_result *r, struct sb_wrun *w)
{
    struct sb_sched_snap *a = &w->sched[0], *b = &w->sched[1];
    a->have_threads = b->have_threads = w->self_ok[0] && w->self_ok[1];
    a->threads_truncated = b->threads_truncated = 0;
    a->n_threads = b->n_threads = 2;
    for (int h = 0; h < 2; h++) {
        a->thread[h] = w->self[h][0];
        b->thread[h] = w->self[h][1];
        a->thread[h].tid = b->thread[h].tid = h + 1; /* pair start and end by half */
    }
    struct sb_sched_delta d;
    struct sb_sched_verdict v;
    /* The CPU-share test is not applied (whole_core 0): even in a saturating
     * job one half sleeps whenever the buffer is full or empty (large
     * messages: ~0.8 of a core each on a quiet machine), which is the run's
     * own regime, not something the machine took.  What the machine takes
     * shows as run-queue wait (CFS throttling included), throttling or steal. */
    int whole = 0;
    r->sched_wait_share = r->sched_cpu_share = r->sched_throttle_share = NAN;
    r->sched_steal_share = NAN;
    if (sb_sched_delta(a, b, &d) < 0)
        return;
    if (d.have_threads) {
        r->sched_wait_share = d.worst_wait_share;
        r->sched_cpu_share = d.cpu_share;
    }
    /* With a port the run has runnable threads of its own besides the
     * halves (two pumps, socat, the peer): on a 2-CPU machine a half waits
     * for them, which is the path's cost, not the machine's.  There only
     * what comes from outside the run (throttling, steal) decides. */
    struct sb_sched_delta judged = d;
    if (w->port)
        judged.have_threads = 0;
    if (sb_sched_verdict(&judged, whole, &v) < 0)
        return;
    if (d.have_throttle)
        r->sched_throttle_share = d.throttle_share;
    if (d.have_steal)
        r->sched_steal_share = d.steal_share;
    r->starved = v.starved;
    snprintf(r->starved_reason, sizeof(r->starved_reason), "%s", v.reason);
}

/* The safety-net timeouts of every wait of the run (read after the joins). */
static void wait_counts(struct sb_run_result *r, const struct sb_wrun *w)
{
    const struct sb_wakeup *ws[] = {&w->tx.data, &w->tx.room, &w->rx.data, &w->rx.room,
                                    &w->io.flight, &w->io.rx_park};
    size_t n = w->port ? 6 : 2;
    for (size_t i = 0; i < n; i++) {
        r->wait_timeouts += ws[i]->timeouts;
        r->missed_wakeups += ws[i]->missed;
    }
    if (w->port)
        r->wait_timeouts += atomic_load_explicit(&w->io.port_timeouts, memory_order_relaxed);
}

void sb_workload_result(struct sb_run_result *r, struct sb_wrun *w, enum sb_ending end)
{
    starvation(r, w);
    for (int h = 0; h < 2; h++) {
        r->csw_voluntary[h] = (uint64_t)(w->csw[h][1][0] - w->csw[h][0][0]);
        r->csw_involuntary[h] = (uint64_t)(w->csw[h][1][1] - w->csw[h][0][1]);
    }
    workload_fill(r, &w->prod, &w->cons, w->port ? NULL : w->btx);
    if (w->p->hists) { /* the whole histograms, for the run's .hist file */
        w->p->hists->send = w->cons.ver.hist;
        w->p->hists->intended = w->cons.ver.hist_int;
    }
    if (w->port) {
        merge_stats(w->btx, w->brx, &r->buf);
        receiver_rate(r, &w->cons.ver);
        device_counters(r, &w->io.dev);
    }
    wait_counts(r, w);
    r->cpu_producer = w->pinned[0] ? -1 : w->cpu[0];
    r->cpu_consumer = w->pinned[1] ? -1 : w->cpu[1];
    if (w->stuck[0]) {
        r->status = SB_STATUS_FAILED;
        snprintf(r->reason, sizeof(r->reason), "%s", w->stuck);
    } else if (end == SB_STOPPED) {
        r->status = SB_STATUS_ABORTED;
        snprintf(r->reason, sizeof(r->reason), "interrupted");
    } else if (end == SB_DEADLOCKED) {
        r->status = SB_STATUS_FAILED;
        sb_result_because(r, "stuck: the buffer held %zu bytes that are no whole frame and "
                          "took no more (a torn write?)", r->buf.used);
    } else if (w->port && atomic_load_explicit(&w->io.failed, memory_order_acquire) > 0) {
        r->status = SB_STATUS_ABORTED;
        /* The pty's path is a temporary name: say the transport instead. */
        const char *where = w->t->ops->flags & SB_TRANSPORT_SPAWNS_PEER ? w->t->ops->name
                                                                          : w->t->name;
        snprintf(r->reason, sizeof(r->reason), "%.64s: %.180s", where, w->io.reason);
    } else if (w->port) {
        reconcile_link(r, w);
    } else {
        reconcile_mem(r, w);
    }
}
