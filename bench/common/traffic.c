/*
 * traffic.c - producer and consumer halves of a run (see traffic.h).
 *
 * The hot path per message: the producer encodes into its own frame buffer
 * and copies it in with one sbuf_write_all; the consumer decodes straight
 * from sbuf_read_view's spans, verifies, and releases a whole batch with
 * one sbuf_read_release.  No allocation after start, no lock, no syscall
 * unless the other side is asleep.
 */
#include <stdlib.h>
#include <string.h>

#include "inject.h"
#include "msgsize.h"
#include "pace.h"
#include "traffic.h"

/* ---- pipes ------------------------------------------------------------ */

int sb_pipe_init(struct sb_pipe *p, struct sbuf *b)
{
    if (!p || !b)
        return SBUF_EINVAL;
    p->b = b;
    atomic_init(&p->closed, 0);
    atomic_init(&p->want, 0);
    p->ops = NULL;
    p->ops_ctx = NULL;
    p->room.fd = -1;
    int rc = sb_wakeup_init(&p->data);
    if (rc == SBUF_OK)
        rc = sb_wakeup_init(&p->room);
    if (rc != SBUF_OK)
        sb_pipe_destroy(p);
    return rc;
}

void sb_pipe_destroy(struct sb_pipe *p)
{
    if (!p)
        return;
    sb_wakeup_destroy(&p->data);
    sb_wakeup_destroy(&p->room);
}

void sb_pipe_close(struct sb_pipe *p)
{
    /* Release: every commit before the close is visible to a reader that
     * sees closed (it loads closed with acquire before its last view). */
    atomic_store_explicit(&p->closed, 1, memory_order_release);
    sb_wakeup_kick(&p->data);
}

void sb_pipe_kick(struct sb_pipe *p)
{
    sb_wakeup_kick(&p->data);
    sb_wakeup_kick(&p->room);
}

void sb_run_ctl_init(struct sb_run_ctl *ctl, const struct sb_run_params *p)
{
    ctl->p = p;
    ctl->t0 = sb_now_ns();
    atomic_init(&ctl->abort, 0);
    atomic_init(&ctl->first_measured_seq, UINT64_MAX);
    atomic_init(&ctl->live_bytes, 0);
    atomic_init(&ctl->measure_start_ns, 0);
    atomic_init(&ctl->producer_blocked_ns, 0);
    atomic_init(&ctl->consumer_starved_ns, 0);
}

int sb_run_ctl_deadlocked(const struct sb_run_ctl *ctl, uint64_t now)
{
    uint64_t p = atomic_load_explicit(&ctl->producer_blocked_ns, memory_order_relaxed);
    uint64_t c = atomic_load_explicit(&ctl->consumer_starved_ns, memory_order_relaxed);
    uint64_t since = p > c ? p : c;
    return p && c && now > since && now - since >= SB_DEADLOCK_NS;
}

static inline int aborted(const struct sb_run_ctl *ctl)
{
    /* Relaxed: the flag carries no data; the wakeup kick makes it prompt. */
    return atomic_load_explicit(&ctl->abort, memory_order_relaxed);
}

/* ---- producer ----------------------------------------------------------- */

enum offer_result { OFFER_WRITTEN, OFFER_DROPPED, OFFER_UNFIT, OFFER_ABORTED };

struct room_wait {
    struct sb_pipe *pipe;
    size_t need;
    size_t used;       /* what the buffer held when the write was refused */
    int refused_room;  /* ... although it reported room for the frame */
    const struct sb_run_ctl *ctl;
};

/*
 * Worth retrying: room for the frame, or an empty buffer (which either
 * takes the frame or proves it never fits), or an abort.  A buffer that
 * refused the frame while reporting room for it (a strategy bug, or space
 * it cannot use contiguously) is retried only after the reader released
 * something: retrying on its word alone would spin.
 */
static int room_ready(void *arg)
{
    const struct room_wait *w = arg;
    if (aborted(w->ctl))
        return 1;
    size_t used = sbuf_used(w->pipe->b);
    if (used == 0)
        return 1;
    if (w->refused_room)
        return used < w->used;
    return sbuf_space(w->pipe->b) >= w->need;
}

static inline int write_frame(struct sb_pipe *tx, const uint8_t *frame, size_t n)
{
    if (sbuf_write_all(tx->b, frame, n) != n)
        return 0;
    if (tx->ops)
        tx->ops->committed(tx->ops_ctx);
    else
        sb_wakeup_notify(&tx->data);
    return 1;
}

/* Marks a side as waiting on the other since now (0 = not), for the
 * deadlock watch.  Relaxed: a hint the supervisor reads a second later. */
static inline void waiting_since(_Atomic uint64_t *flag, uint64_t now)
{
    atomic_store_explicit(flag, now, memory_order_relaxed);
}

/*
 * Writes the frame whole, or refuses it (drop), or waits for room (block).
 * paced: the frame keeps its intended send time, intended_ns, through
 * every restamp; unpaced, the intended time moves with the send time.
 * *waited (when not NULL) gets the time spent waiting for room added.
 */
static enum offer_result offer(struct sb_pipe *tx, struct sb_run_ctl *ctl, uint8_t *frame,
                               size_t n, int paced, uint64_t intended_ns, uint64_t *waited)
{
    enum offer_result r = OFFER_WRITTEN;
    int blocked = 0;
    while (!write_frame(tx, frame, n)) {
        if (ctl->p->overflow == SB_OVERFLOW_DROP) {
            r = OFFER_DROPPED;
            break;
        }
        size_t used = sbuf_used(tx->b);
        if (used == 0) {
            /* The reader may have emptied it since the write: try once
             * more; refused by an empty buffer, the frame can never fit. */
            if (write_frame(tx, frame, n))
                break;
            if (sbuf_used(tx->b) == 0) {
                r = OFFER_UNFIT;
                break;
            }
            continue;
        }
        if (!blocked) {
            blocked = 1;
            waiting_since(&ctl->producer_blocked_ns, sb_now_ns());
        }
        struct room_wait w = {tx, n, used, sbuf_space(tx->b) >= n, ctl};
        uint64_t t_wait = waited ? sb_now_ns() : 0;
        sb_wakeup_await(&tx->room, room_ready, &w, SB_WAIT_SAFETY_NS);
        if (waited)
            *waited += sb_now_ns() - t_wait;
        if (aborted(ctl)) {
            r = OFFER_ABORTED;
            break;
        }
        /* The send time is when the frame enters the buffer, not when it
         * first found no room; the wait shows in the intended time's
         * latency (a paced run) and nowhere else (an unpaced one). */
        uint64_t now = sb_now_ns();
        sb_frame_restamp(frame, now, paced ? intended_ns : now);
    }
    if (blocked)
        waiting_since(&ctl->producer_blocked_ns, 0);
    return r;
}

/* Has the measured phase reached the run's length? */
static int length_reached(const struct sb_run_params *p, const struct sb_producer_stats *s,
                          uint64_t now, uint64_t end_ns)
{
    if (p->duration_ns)
        return now >= end_ns;
    if (p->messages)
        return s->msgs_sent >= p->messages;
    return s->bytes_sent >= p->bytes;
}

static void begin_measuring(struct sb_run_ctl *ctl, struct sb_producer_stats *out, uint64_t seq,
                            uint64_t now)
{
    out->measure_start_ns = now;
    getrusage(RUSAGE_SELF, &out->ru_start);
    atomic_store_explicit(&ctl->measure_start_ns, now, memory_order_relaxed);
    /* The consumer reads this after a view that shows frame seq; the
     * buffer's commit (release) / view (acquire) pair already orders it.
     * Release here keeps the pairing explicit and costs nothing. */
    atomic_store_explicit(&ctl->first_measured_seq, seq, memory_order_release);
}

void sb_producer_run(struct sb_pipe *tx, struct sb_run_ctl *ctl, struct sb_producer_stats *out)
{
    memset(out, 0, sizeof(*out));
    const struct sb_run_params *p = ctl->p;
    struct sb_msggen gen;
    int rc = sb_msggen_init(&gen, &p->message, p->seed);
    size_t cap = sb_frame_size(sb_msg_spec_max(&p->message));
    uint8_t *frame = rc ? NULL : malloc(cap);
    if (!frame) {
        out->error = rc ? rc : SBUF_ENOMEM;
        sb_pipe_close(tx);
        return;
    }

    struct sb_pacer pacer;
    sb_pacer_init(&pacer, ctl->t0, p->rate, p->burst_count, p->burst_period_ns);
    int paced = sb_pacer_paced(&pacer);
    uint64_t warmup_end = ctl->t0 + p->warmup_ns;
    uint64_t end_ns = UINT64_MAX;
    int measuring = 0;
    struct sb_burner burn; /* --inject slowdown (inject.h) */
    sb_burner_init(&burn, p->inject.slowdown_pct);
    uint64_t seq = 0;

    while (!aborted(ctl)) {
        uint64_t due = sb_pacer_next(&pacer);
        uint64_t now = sb_now_ns();
        if (due > now) {
            if (measuring && due >= end_ns)
                break; /* the next message falls after the end: do not wait for it */
            if (sb_sleep_until(due, &ctl->abort))
                break;
            now = sb_now_ns();
        }
        if (!measuring && now >= warmup_end) {
            measuring = 1;
            begin_measuring(ctl, out, seq, now);
            if (p->duration_ns)
                end_ns = now + p->duration_ns;
        }
        if (measuring && length_reached(p, out, now, end_ns))
            break;

        /* Paced, the message was meant to go at its deadline, however late
         * the producer got to it; unpaced, whenever it goes. */
        uint64_t intended = paced ? due : now;
        size_t n = sb_frame_encode_paced(frame, cap, seq, sb_msggen_next(&gen), now, intended);
        /* Injected faults (inject.h), only under serbench run --inject. */
        if (measuring && p->inject.extra_allocs)
            out->harness_allocations += sb_inject_alloc(p->inject.extra_allocs, frame, n);
        uint64_t waited = 0;
        int timing = sb_burner_sampling(&burn);
        enum offer_result r = offer(tx, ctl, frame, n, paced, intended, timing ? &waited : NULL);
        if (burn.pct)
            sb_burner_after(&burn, timing ? sb_now_ns() - now - waited : 0, 1);
        if (r == OFFER_ABORTED)
            break;
        if (r == OFFER_UNFIT) {
            out->unfit = n;
            break;
        }
        if (r == OFFER_WRITTEN) {
            seq++; /* a refused message leaves no hole in the sequence */
            out->frames_written++;
            out->bytes_written += n;
        }
        if (measuring) {
            out->msgs_sent++;
            out->bytes_sent += n;
            if (r == OFFER_DROPPED) {
                out->msgs_dropped++;
                out->bytes_dropped += n;
            }
        }
    }
    free(frame);
    sb_pipe_close(tx);
}

/* ---- consumer ----------------------------------------------------------- */

struct data_wait {
    struct sb_pipe *pipe;
    size_t used; /* what the buffer held when no progress was possible */
    const struct sb_run_ctl *ctl;
};

static int data_ready(void *arg)
{
    const struct data_wait *w = arg;
    return sbuf_used(w->pipe->b) > w->used ||
           atomic_load_explicit(&w->pipe->closed, memory_order_acquire) || aborted(w->ctl);
}

/* Decodes every complete frame in v from offset 0; returns the bytes consumed. */
static size_t decode_view(struct sb_decoder *dec, struct sb_verify *ver,
                          const struct sbuf_span v[2], uint64_t first_measured)
{
    size_t pos = 0;
    for (;;) {
        struct sb_frame f;
        enum sb_frame_event ev = sb_decoder_next(dec, v, &pos, &f);
        if (ev == SB_FRAME_NEED_MORE)
            return pos;
        if (ev == SB_FRAME_GOOD)
            sb_verify_frame(ver, &f, sb_now_ns(), first_measured);
    }
}

/*
 * For strategies whose view shows less than they hold (chunks shows two
 * blocks): when the next frame is longer than the view but the buffer
 * holds it, copy it out with sbuf_peek into the decoder's scratch and
 * decode it there.  Returns the bytes consumed (0: nothing possible).
 */
static size_t decode_peeked(struct sb_decoder *dec, struct sb_verify *ver, struct sbuf *b,
                            size_t used, uint64_t first_measured)
{
    while (dec->need && dec->need <= used && dec->need <= dec->scratch_size) {
        size_t want = dec->need;
        size_t k = sbuf_peek(b, dec->scratch, want);
        if (k < want)
            return 0;
        struct sbuf_span one[2] = {{dec->scratch, k}, {NULL, 0}};
        size_t pos = decode_view(dec, ver, one, first_measured);
        if (pos)
            return pos;
        if (dec->need <= want)
            return 0; /* no new information: wait for bytes */
        /* The header was partial; now its length is known: peek the frame. */
    }
    return 0;
}

/*
 * Releases n bytes that a peek has already used.  A release must follow a
 * view and is clamped to it, and a view may show less than n: view and
 * release until n bytes are gone.
 */
static void release_peeked(struct sbuf *b, size_t n)
{
    while (n) {
        struct sbuf_span v[2];
        size_t k = sbuf_read_view(b, v);
        if (k > n)
            k = n;
        sbuf_read_release(b, k);
        if (k == 0)
            break; /* cannot happen: the bytes were just peeked */
        n -= k;
    }
}

void sb_consumer_run(struct sb_pipe *rx, struct sb_run_ctl *ctl, struct sb_consumer_stats *out)
{
    out->leftover = out->bytes_released = out->end_ns = 0;
    out->error = 0;
    memset(&out->dec, 0, sizeof(out->dec));
    sb_verify_reset(&out->ver);
    const struct sb_run_params *p = ctl->p;
    struct sb_pacer sched; /* the producer's schedule, to know whether it has one */
    sb_pacer_init(&sched, ctl->t0, p->rate, p->burst_count, p->burst_period_ns);
    out->ver.paced = sb_pacer_paced(&sched);
    struct sb_decoder dec;
    int rc = sb_decoder_init(&dec, sb_msg_spec_max(&p->message));
    if (rc) {
        out->error = rc;
        out->end_ns = sb_now_ns();
        return;
    }
    struct sb_staller stall;
    sb_staller_init(&stall, ctl->t0, p->stall_ns, p->stall_period_ns);
    struct sb_burner burner, *burn = &burner; /* --inject slowdown (inject.h) */
    sb_burner_init(burn, p->inject.slowdown_pct);
    int starved = 0;

    while (!aborted(ctl)) {
        if (stall.len) {
            uint64_t now = sb_now_ns();
            if (starved && now >= stall.at) {
                /* Pausing on purpose is not starving: never a deadlock. */
                starved = 0;
                waiting_since(&ctl->consumer_starved_ns, 0);
            }
            if (now >= stall.at && rx->ops)
                rx->ops->away(rx->ops_ctx);
            if (sb_staller_check(&stall, now, &ctl->abort))
                break;
        }
        /* Acquire, and before the view: a close seen here means the view
         * below shows every byte that will ever come. */
        int closed = atomic_load_explicit(&rx->closed, memory_order_acquire);
        uint64_t t_work = burn->pct && sb_burner_sampling(burn) ? sb_now_ns() : 0;
        struct sbuf_span v[2];
        size_t avail = sbuf_read_view(rx->b, v);
        /* After the view, so the boundary is known for every frame in it. */
        uint64_t first = atomic_load_explicit(&ctl->first_measured_seq, memory_order_acquire);
        size_t pos = avail ? decode_view(&dec, &out->ver, v, first) : 0;
        sbuf_read_release(rx->b, pos);

        size_t used = 0;
        if (pos == 0 && avail) {
            used = sbuf_used(rx->b);
            if (used > avail) {
                pos = decode_peeked(&dec, &out->ver, rx->b, used, first);
                release_peeked(rx->b, pos);
            }
        }
        if (pos) {
            out->bytes_released += pos;
            sb_wakeup_notify(&rx->room);
            if (burn->pct) /* injected (inject.h): a share of the work just done, again */
                sb_burner_after(burn, t_work ? sb_now_ns() - t_work : 0, pos);
            atomic_store_explicit(&ctl->live_bytes, out->ver.bytes, memory_order_relaxed);
            if (starved) {
                starved = 0;
                waiting_since(&ctl->consumer_starved_ns, 0);
            }
            continue;
        }
        if (closed) {
            out->leftover = used > avail ? used : avail;
            break;
        }
        if (avail && !starved) { /* bytes there, and no frame in them */
            starved = 1;
            waiting_since(&ctl->consumer_starved_ns, sb_now_ns());
        }
        /* Sleep until the frame the decoder has begun can be whole.  The
         * RX pump skips its notify while the buffer holds less than want
         * (io.c, rx_notify): store want, then a full fence, then the
         * await's check of the level.  The fence pairs with the pump's
         * fence between its commit and its load of want (a store-load
         * pattern: a release/acquire pair cannot order it), so either the
         * pump sees this want and notifies, or the check sees its commit. */
        size_t have = used > avail ? used : avail;
        size_t want = dec.need > have ? dec.need : have + 1;
        atomic_store_explicit(&rx->want, want, memory_order_relaxed);
        atomic_thread_fence(memory_order_seq_cst);
        struct data_wait w = {rx, want - 1, ctl};
        if (rx->ops)
            rx->ops->await(rx->ops_ctx, want - 1);
        else
            sb_wakeup_await(&rx->data, data_ready, &w, SB_WAIT_SAFETY_NS);
    }
    out->end_ns = sb_now_ns();
    out->dec = dec.st;
    sb_decoder_free(&dec);
    if (!out->ver.paced) /* intended = send for every frame: one histogram, recorded once */
        out->ver.hist_int = out->ver.hist;
}
