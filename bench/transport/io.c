/*
 * io.c - the TX and RX pumps between the run's buffers and a port (io.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "frame.h"
#include "io.h"
#include "pace.h"

#define IO_END_BUFFER (64u * 1024u) /* the tail of the echo, scanned for the answer */

static inline int aborted(const struct sb_io *io)
{
    /* Relaxed: the flag carries no data; the pipe kicks make it prompt. */
    return atomic_load_explicit(&io->ctl->abort, memory_order_relaxed);
}

void sb_io_fail(struct sb_io *io, const char *fmt, ...)
{
    int expected = 0;
    /* The first failure is the cause; later ones are its consequences.  The
     * reason is written before failed is published (release), so whoever
     * sees failed (acquire) sees the whole reason. */
    if (atomic_compare_exchange_strong(&io->failed, &expected, -1)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(io->reason, sizeof(io->reason), fmt, ap);
        va_end(ap);
        atomic_store_explicit(&io->failed, 1, memory_order_release);
    }
    sb_io_abort(io);
}

void sb_io_abort(struct sb_io *io)
{
    atomic_store_explicit(&io->ctl->abort, 1, memory_order_relaxed);
    sb_pipe_kick(io->tx);
    sb_pipe_kick(io->rx);
    sb_wakeup_kick(&io->flight);
    sb_wakeup_kick(&io->rx_park);
}

/* Bytes written and neither read back nor lost on the way. */
static uint64_t in_flight(const struct sb_io *io)
{
    /* Relaxed: counters only; a stale value delays or hastens a write a little. */
    uint64_t tx = atomic_load_explicit(&io->tx_bytes, memory_order_relaxed);
    uint64_t back = atomic_load_explicit(&io->rx_bytes, memory_order_relaxed);
    if (io->peer_lost)
        back += atomic_load_explicit(io->peer_lost, memory_order_relaxed);
    return tx > back ? tx - back : 0;
}

/*
 * Hysteresis: once the window is full, the TX pump waits until half of it
 * is free, and the RX pump wakes it only then.  On a slow link the bytes
 * come back a few at a time; waking the TX pump (and through it the
 * producer) for each trickle would cost a context switch per millisecond.
 */
uint64_t sb_io_in_flight(const struct sb_io *io)
{
    return in_flight(io);
}

static int window_half_open(void *arg)
{
    struct sb_io *io = arg;
    return in_flight(io) <= io->window / 2 || aborted(io);
}

/*
 * TX pump, window full: sleeps until the RX pump has read enough back, or
 * the peer has counted enough lost (its eventfd), or an abort.
 */
static void wait_window(struct sb_io *io)
{
    short rev = 0;
    sb_wakeup_await_fd(&io->flight, window_half_open, io, io->lost_fd, POLLIN, &rev,
                       SB_WAIT_SAFETY_NS);
    if (rev & POLLIN) {
        uint64_t count;
        ssize_t rc = read(io->lost_fd, &count, sizeof(count)); /* this pump is its only reader */
        (void)rc;
    }
}

/* RX pump, after reading: wakes the TX pump if it waits and may now write. */
static void window_notify(struct sb_io *io)
{
    if (io->window && in_flight(io) <= io->window / 2)
        sb_wakeup_notify(&io->flight);
}

static const char *hup_reason(short rev)
{
    return rev & POLLNVAL ? "the port's descriptor became invalid"
           : rev & POLLERR ? "the port reported an error (POLLERR)"
                           : "the peer hung up (POLLHUP)";
}

/*
 * Blocks until the port has events, or wake's eventfd is written (a kick:
 * abort or close), or the safety timeout.  The waiting flag of wake is not
 * raised: the other side's ordinary notifies are not needed here (there is
 * data to write / room to read into), so they stay free.  Returns the
 * port's revents.
 */
static short wait_port(struct sb_io *io, short events, struct sb_wakeup *wake)
{
    struct pollfd p[2] = {{.fd = io->fd, .events = events},
                          {.fd = sb_wakeup_fd(wake), .events = POLLIN}};
    struct timespec ts = {0, SB_WAIT_SAFETY_NS};
    int n = ppoll(p, 2, &ts, NULL);
    if (n == 0)
        atomic_fetch_add_explicit(&io->port_timeouts, 1, memory_order_relaxed);
    if (n <= 0)
        return 0;
    if (p[1].revents & POLLIN) {
        uint64_t count;
        ssize_t rc = read(p[1].fd, &count, sizeof(count)); /* this pump is its only waiter */
        (void)rc;
    }
    return p[0].revents;
}

static int port_dead(short rev)
{
    /* POLLHUP with POLLIN: read what is left first; the read then fails. */
    return (rev & (POLLERR | POLLNVAL)) || ((rev & POLLHUP) && !(rev & POLLIN));
}

/* ---- the tx direction ----------------------------------------------------------
 *
 * Whoever holds the tx token writes the tx buffer out: the producer itself
 * right after its commit when the token is free (no hand-off: the frame
 * goes out in the thread that made it), else the TX pump.  The producer
 * writes only what the port takes at once and gives the rest to the pump
 * (port full, window full), which waits for the port as long as needed.
 * The token is taken with acquire and given back with release, so the
 * buffer's reading side passes from one thread to the other in order.
 */

enum { TX_EMPTY, TX_PORT_FULL, TX_WINDOW_FULL, TX_STOPPED };

static int take_token(atomic_int *t)
{
    int free_ = 0;
    return atomic_load_explicit(t, memory_order_relaxed) == 0 &&
           atomic_compare_exchange_strong_explicit(t, &free_, 1, memory_order_acquire,
                                                   memory_order_relaxed);
}

static void give_token(atomic_int *t)
{
    atomic_store_explicit(t, 0, memory_order_release);
}

/* The pump may go on: data the token's holder left, a close, or an abort. */
static int tx_ready(void *arg)
{
    struct sb_io *io = arg;
    return (atomic_load_explicit(&io->tx_token, memory_order_acquire) == 0 &&
            sbuf_used(io->tx->b) > 0) ||
           atomic_load_explicit(&io->tx->closed, memory_order_acquire) || aborted(io);
}

/* Writes all of buf (the stats request), waiting for room as needed. */
static int write_all(struct sb_io *io, const uint8_t *buf, size_t n)
{
    while (n && !aborted(io)) {
        ssize_t w = write(io->fd, buf, n);
        if (w > 0) {
            buf += w;
            n -= (size_t)w;
        } else if (w < 0 && errno == EAGAIN) {
            short rev = wait_port(io, POLLOUT, &io->tx->data);
            if (port_dead(rev)) {
                sb_io_fail(io, "%s while writing", hup_reason(rev));
                return -1;
            }
        } else if (!(w < 0 && errno == EINTR)) {
            sb_io_fail(io, "writing to the port: %s", w < 0 ? strerror(errno) : "wrote nothing");
            return -1;
        }
    }
    return n ? -1 : 0;
}

/* At most limit bytes of the spans as an iovec; returns the entries used. */
static int spans_iov(const struct sbuf_span v[2], size_t limit, struct iovec iov[2])
{
    int k = 0;
    for (int i = 0; i < 2 && limit; i++) {
        if (!v[i].n)
            continue;
        size_t n = v[i].n < limit ? v[i].n : limit;
        iov[k].iov_base = v[i].p;
        iov[k].iov_len = n;
        limit -= n;
        k++;
    }
    return k;
}

/*
 * With the tx token: writes the tx buffer to the port until it is empty
 * (TX_EMPTY; *closed then says whether the producer had closed the pipe
 * before that last look), the port takes no more, the window is full, or
 * the run stops (abort, failure).
 */
static int tx_drain(struct sb_io *io, int *closed)
{
    struct sbuf *b = io->tx->b;
    size_t limit = io->write_size ? io->write_size : SIZE_MAX;
    while (!aborted(io)) {
        size_t lim = limit;
        if (io->window) {
            uint64_t f = in_flight(io);
            if (f >= io->window)
                return TX_WINDOW_FULL;
            if (io->window - f < lim)
                lim = io->window - f;
        }
        /* Acquire, before the view: a close seen here means the view shows
         * every byte the producer will ever commit. */
        int c = atomic_load_explicit(&io->tx->closed, memory_order_acquire);
        struct sbuf_span v[2];
        size_t n = sbuf_read_view(b, v);
        if (n == 0) {
            sbuf_read_release(b, 0);
            if (closed)
                *closed = c;
            return TX_EMPTY;
        }
        struct iovec iov[2];
        ssize_t w = writev(io->fd, iov, spans_iov(v, lim, iov));
        sbuf_read_release(b, w > 0 ? (size_t)w : 0);
        if (w > 0) {
            atomic_fetch_add_explicit(&io->tx_bytes, (uint64_t)w, memory_order_relaxed);
            sb_wakeup_notify(&io->tx->room);
        } else if (w < 0 && errno == EAGAIN) {
            return TX_PORT_FULL;
        } else if (!(w < 0 && errno == EINTR)) {
            sb_io_fail(io, "writing to the port: %s", w < 0 ? strerror(errno) : "wrote nothing");
        }
    }
    return TX_STOPPED;
}

/* The producer, after a commit (traffic.h, sb_pipe_ops): writes it out
 * itself when the pump is idle, and wakes the pump only for what the port
 * could not take. */
static void tx_committed(void *ctx)
{
    struct sb_io *io = ctx;
    if (take_token(&io->tx_token)) {
        int r = tx_drain(io, NULL);
        give_token(&io->tx_token);
        if (r == TX_EMPTY)
            return;
    }
    /* After the give: the pump's ready() sees the token free. */
    sb_wakeup_notify(&io->tx->data);
}

static void *tx_main(void *arg)
{
    struct sb_io *io = arg;
    int held = 0; /* this pump has the tx token */
    while (!aborted(io)) {
        if (!held && !(held = take_token(&io->tx_token))) {
            sb_wakeup_await(&io->tx->data, tx_ready, io, SB_WAIT_SAFETY_NS);
            continue;
        }
        int closed = 0, r = tx_drain(io, &closed);
        if (r == TX_WINDOW_FULL) {
            wait_window(io); /* the token held: the producer only commits meanwhile */
            continue;
        }
        if (r == TX_PORT_FULL) {
            short rev = wait_port(io, POLLOUT, &io->tx->data);
            if (port_dead(rev))
                sb_io_fail(io, "%s while writing", hup_reason(rev));
            continue;
        }
        if (r == TX_STOPPED || closed)
            break; /* closed: every byte is out, and the token stays here */
        give_token(&io->tx_token);
        held = 0;
        sb_wakeup_await(&io->tx->data, tx_ready, io, SB_WAIT_SAFETY_NS);
    }
    if (!aborted(io)) {
        /* Every data byte is out: ask the peer for its counters.  end_mode
         * is published before the request is written, so the RX side
         * cannot read the answer without looking for it. */
        uint8_t req[SB_FRAME_OVERHEAD];
        size_t n = sb_ctrl_encode_request(req, sizeof(req));
        atomic_store_explicit(&io->end_mode, 1, memory_order_seq_cst);
        if (write_all(io, req, n) == 0)
            atomic_store_explicit(&io->request_ns, sb_now_ns(), memory_order_relaxed);
    }
    return NULL;
}

/* ---- RX pump ------------------------------------------------------------- */

/*
 * After a commit: wakes the consumer unless it sleeps for more bytes than
 * the buffer holds (traffic.h, want).  The fence orders the commit before
 * the load of want, pairing with the fence in sb_consumer_run (traffic.c)
 * after its store of want: either the consumer's check sees the commit,
 * or this load sees its want (and the notify below sees it waiting).
 */
static void rx_notify(struct sb_io *io)
{
    atomic_thread_fence(memory_order_seq_cst);
    size_t want = atomic_load_explicit(&io->rx->want, memory_order_relaxed);
    if (want && sbuf_used(io->rx->b) < want)
        return;
    sb_wakeup_notify(&io->rx->data);
}

static int rx_room_ready(void *arg)
{
    struct sb_io *io = arg;
    return sbuf_space(io->rx->b) > 0 || aborted(io);
}

/* Copies n bytes into the rx buffer (the tail of the echo only), waiting for room. */
static void push_rx(struct sb_io *io, const uint8_t *src, size_t n)
{
    while (n && !aborted(io)) {
        size_t w = sbuf_write(io->rx->b, src, n);
        if (w) {
            src += w;
            n -= w;
            atomic_fetch_add_explicit(&io->rx_bytes, w, memory_order_relaxed);
            rx_notify(io);
            window_notify(io);
            continue;
        }
        short rev;
        sb_wakeup_await_fd(&io->rx->room, rx_room_ready, io, io->fd, 0, &rev, SB_WAIT_SAFETY_NS);
        if (port_dead(rev))
            sb_io_fail(io, "%s", hup_reason(rev));
    }
}

/* 1 if a control frame may start at b[0] (n bytes known), judging what is there. */
static int ctrl_candidate(const uint8_t *b, size_t n)
{
    static const uint8_t prefix[4] = {SB_FRAME_MAGIC0, SB_FRAME_MAGIC1, SB_FRAME_VERSION,
                                      SB_CTRL_FLAG};
    if (memcmp(b, prefix, n < 4 ? n : 4) != 0)
        return 0;
    if (n < SB_FRAME_LENGTH_END)
        return 1;
    uint32_t len;
    unsigned flags;
    return sb_frame_peek(b, &len, &flags) && flags == SB_CTRL_FLAG &&
           sb_frame_size(len) <= SB_CTRL_MAX_FRAME;
}

/*
 * The tail of the echo, after the stats request went out: passes data on
 * to the rx buffer and keeps back what may be the answer.  Returns 1 once
 * the answer is complete.
 */
static int rx_end_feed(struct sb_io *io, uint8_t *lb, size_t *lb_len)
{
    for (;;) {
        size_t n = *lb_len, i = 0;
        while (i < n) {
            const uint8_t *hit = memchr(lb + i, SB_FRAME_MAGIC0, n - i);
            if (!hit) {
                i = n;
                break;
            }
            i = (size_t)(hit - lb);
            if (ctrl_candidate(lb + i, n - i))
                break;
            i++;
        }
        if (i) {
            push_rx(io, lb, i);
            memmove(lb, lb + i, n - i);
            *lb_len = n -= i;
        }
        if (n < SB_FRAME_LENGTH_END)
            return 0;
        uint32_t len;
        sb_frame_peek(lb, &len, NULL); /* checked by ctrl_candidate */
        size_t total = sb_frame_size(len);
        if (n < total)
            return 0;
        if (sb_ctrl_decode(lb, total, &io->answer_kind, &io->dev) == 0) {
            io->stray_bytes = n - total;
            return 1;
        }
        /* A good header with a bad payload: not an answer after all. */
        push_rx(io, lb, 1);
        memmove(lb, lb + 1, n - 1);
        *lb_len = n - 1;
    }
}

/*
 * Bytes read outside a reservation (src, n): in end mode they join the
 * tail that is scanned for the answer, else they are copied into the rx
 * buffer.  Returns 1 once the answer is complete.
 */
static int rx_take(struct sb_io *io, const uint8_t *src, size_t n, uint8_t **lb, size_t *lb_len)
{
    /* Loaded after the read: if the answer can be in these bytes, the
     * request was written before, and so was end_mode. */
    if (!*lb && !atomic_load_explicit(&io->end_mode, memory_order_seq_cst)) {
        push_rx(io, src, n);
        return 0;
    }
    if (!*lb && !(*lb = malloc(IO_END_BUFFER))) {
        sb_io_fail(io, "out of memory");
        return 0;
    }
    memcpy(*lb + *lb_len, src, n); /* n <= IO_END_BUFFER - *lb_len: the caller's read said so */
    *lb_len += n;
    return rx_end_feed(io, *lb, lb_len);
}

/* The room a read may fill outside a reservation. */
#define IO_GROW_CHUNK SB_IO_CHUNK

/* ---- the rx direction: who reads the port -------------------------------------------
 *
 * The port is read by its owner (rx_owner): the consumer while it waits for
 * bytes, so that a frame coming back wakes the thread that decodes it and
 * no other; the RX pump whenever the consumer is away (a stall), its buffer
 * has no reservable room (full, or a strategy that grows only on a write),
 * or the end of the echo is near (end mode: the pump alone scans the tail
 * for the stats answer).  The consumer hands the port back by itself; it
 * asks for it (port_wanted, and a kick) when it waits while the pump has
 * it, and the pump hands it over after its next read.  Ownership passes
 * with release/acquire, and with it the buffer's writing side.
 */

enum { RX_PUMP = 0, RX_CONSUMER = 1 };

static int rx_owner_is(const struct sb_io *io, int who)
{
    return atomic_load_explicit(&io->rx_owner, memory_order_acquire) == who;
}

/* The consumer gives the port back: the pump, parked, wakes. */
static void rx_to_pump(struct sb_io *io)
{
    atomic_store_explicit(&io->rx_owner, RX_PUMP, memory_order_release);
    sb_wakeup_notify(&io->rx_park);
}

static int rx_park_ready(void *arg)
{
    struct sb_io *io = arg;
    return rx_owner_is(io, RX_PUMP) || aborted(io);
}

enum { CR_READ, CR_AGAIN, CR_GAVE };

/*
 * The consumer, owning the port: one read into the rx buffer's reservation.
 * CR_READ (bytes committed, or interrupted), CR_AGAIN (nothing to read), or
 * CR_GAVE: the port went back to the pump, which reads from now on (end
 * mode, no room, end of file or an error, which the pump then reports).
 */
static int rx_consumer_read(struct sb_io *io)
{
    struct sbuf *b = io->rx->b;
    if (atomic_load_explicit(&io->end_mode, memory_order_seq_cst)) {
        rx_to_pump(io);
        return CR_GAVE;
    }
    struct sbuf_span v[2];
    size_t room = sbuf_write_reserve(b, v);
    if (room == 0) {
        sbuf_write_commit(b, 0);
        rx_to_pump(io);
        return CR_GAVE;
    }
    struct iovec iov[2];
    ssize_t r = readv(io->fd, iov, spans_iov(v, sizeof(io->handoff), iov));
    if (r > 0 && atomic_load_explicit(&io->end_mode, memory_order_seq_cst)) {
        /* The answer may be in these bytes (see rx_take): the pump decides. */
        size_t k = 0;
        for (int i = 0; i < 2 && k < (size_t)r; i++) {
            size_t c = v[i].n < (size_t)r - k ? v[i].n : (size_t)r - k;
            memcpy(io->handoff + k, v[i].p, c);
            k += c;
        }
        io->handoff_len = k;
        sbuf_write_commit(b, 0);
        atomic_store_explicit(&io->last_rx_ns, sb_now_ns(), memory_order_relaxed);
        rx_to_pump(io);
        return CR_GAVE;
    }
    sbuf_write_commit(b, r > 0 ? (size_t)r : 0);
    if (r > 0) {
        atomic_fetch_add_explicit(&io->rx_bytes, (uint64_t)r, memory_order_relaxed);
        atomic_store_explicit(&io->last_rx_ns, sb_now_ns(), memory_order_relaxed);
        window_notify(io);
        return CR_READ;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return errno == EAGAIN ? CR_AGAIN : CR_READ;
    rx_to_pump(io);
    return CR_GAVE;
}

/* The consumer, owning the port, nothing to read: sleeps until the port
 * has bytes, or a kick (abort), or the safety timeout.  A port that hangs
 * up goes back to the pump, which reports it. */
static void rx_consumer_sleep(struct sb_io *io)
{
    struct pollfd p[2] = {{.fd = io->fd, .events = POLLIN},
                          {.fd = sb_wakeup_fd(&io->rx->data), .events = POLLIN}};
    struct timespec ts = {0, SB_WAIT_SAFETY_NS};
    int n = ppoll(p, 2, &ts, NULL);
    if (n == 0)
        atomic_fetch_add_explicit(&io->port_timeouts, 1, memory_order_relaxed);
    if (n <= 0)
        return;
    if (p[1].revents & POLLIN) {
        uint64_t count;
        ssize_t rc = read(p[1].fd, &count, sizeof(count)); /* the consumer is its only waiter */
        (void)rc;
    }
    if (port_dead(p[0].revents))
        rx_to_pump(io);
}

struct rx_wait {
    struct sb_io *io;
    size_t have;
};

/* The consumer, waiting while the pump reads: bytes, the port, or the end. */
static int rx_wait_ready(void *arg)
{
    const struct rx_wait *w = arg;
    struct sb_io *io = w->io;
    return sbuf_used(io->rx->b) > w->have ||
           atomic_load_explicit(&io->rx->closed, memory_order_acquire) || aborted(io) ||
           rx_owner_is(io, RX_CONSUMER);
}

/* The consumer with nothing it can use (traffic.h, sb_pipe_ops.await). */
static void rx_await(void *ctx, size_t have)
{
    struct sb_io *io = ctx;
    struct sbuf *b = io->rx->b;
    while (!aborted(io) && sbuf_used(b) <= have &&
           !atomic_load_explicit(&io->rx->closed, memory_order_acquire)) {
        if (rx_owner_is(io, RX_CONSUMER)) {
            int r = rx_consumer_read(io);
            if (r == CR_AGAIN)
                rx_consumer_sleep(io);
            continue;
        }
        /* The pump has the port: ask for it (a kick wakes the pump if it
         * waits on the port), and wait as a plain reader meanwhile. */
        if (!atomic_exchange_explicit(&io->port_wanted, 1, memory_order_relaxed))
            sb_wakeup_kick(&io->rx->room);
        struct rx_wait w = {io, have};
        sb_wakeup_await(&io->rx->data, rx_wait_ready, &w, SB_WAIT_SAFETY_NS);
        atomic_store_explicit(&io->port_wanted, 0, memory_order_relaxed);
        return; /* the consumer looks at what came, and calls again */
    }
}

/* The consumer is about to pause on purpose: the pump reads meanwhile. */
static void rx_away(void *ctx)
{
    struct sb_io *io = ctx;
    if (rx_owner_is(io, RX_CONSUMER))
        rx_to_pump(io);
}

/*
 * The pump, at the top of its loop: 1 when it must not read now (the
 * consumer has the port: parked until it comes back; or it was just handed
 * over).  Bytes the consumer read in end mode are taken first.
 */
static int rx_pump_yields(struct sb_io *io, uint8_t **lb, size_t *lb_len)
{
    if (!rx_owner_is(io, RX_PUMP)) {
        sb_wakeup_await(&io->rx_park, rx_park_ready, io, SB_WAIT_SAFETY_NS);
        return 1;
    }
    if (io->handoff_len) {
        size_t n = io->handoff_len;
        io->handoff_len = 0;
        if (rx_take(io, io->handoff, n, lb, lb_len))
            atomic_store_explicit(&io->done, 1, memory_order_release);
        return 1;
    }
    /* Handed over only with room to read into and far from the end. */
    if (atomic_load_explicit(&io->port_wanted, memory_order_relaxed) && !*lb &&
        !atomic_load_explicit(&io->end_mode, memory_order_seq_cst) && sbuf_space(io->rx->b)) {
        atomic_store_explicit(&io->port_wanted, 0, memory_order_relaxed);
        atomic_store_explicit(&io->rx_owner, RX_CONSUMER, memory_order_release);
        sb_wakeup_notify(&io->rx->data);
        return 1;
    }
    return 0;
}

static void *rx_main(void *arg)
{
    struct sb_io *io = arg;
    struct sbuf *b = io->rx->b;
    int grows = (sbuf_ops_of(b)->caps & SBUF_CAP_GROWS) != 0;
    uint8_t *lb = NULL; /* end mode: the tail, copied */
    size_t lb_len = 0;
    uint8_t chunk[IO_GROW_CHUNK];
    while (!aborted(io) && !atomic_load_explicit(&io->done, memory_order_relaxed)) {
        if (rx_pump_yields(io, &lb, &lb_len))
            continue;
        ssize_t r;
        if (lb) {
            r = read(io->fd, chunk, IO_END_BUFFER - lb_len < sizeof(chunk) ? IO_END_BUFFER - lb_len
                                                                          : sizeof(chunk));
        } else {
            struct sbuf_span v[2];
            size_t room = sbuf_write_reserve(b, v);
            if (room == 0 && !grows) {
                sbuf_write_commit(b, 0);
                short rev;
                sb_wakeup_await_fd(&io->rx->room, rx_room_ready, io, io->fd, 0, &rev,
                                   SB_WAIT_SAFETY_NS);
                if (port_dead(rev))
                    sb_io_fail(io, "%s", hup_reason(rev));
                continue;
            }
            if (room == 0) {
                /* A growing strategy grows when a write does not fit (its
                 * make_room), never for a reservation: full, it takes the
                 * bytes through sbuf_write, as it takes the producer's. */
                sbuf_write_commit(b, 0);
                r = read(io->fd, chunk, sizeof(chunk));
            } else {
                /* At most a chunk: should these bytes turn out to be the
                 * tail of the echo, they are copied out again. */
                struct iovec iov[2];
                r = readv(io->fd, iov, spans_iov(v, sizeof(chunk), iov));
                if (r > 0 && atomic_load_explicit(&io->end_mode, memory_order_seq_cst)) {
                    size_t k = 0;
                    for (int i = 0; i < 2 && k < (size_t)r; i++) {
                        size_t c = v[i].n < (size_t)r - k ? v[i].n : (size_t)r - k;
                        memcpy(chunk + k, v[i].p, c);
                        k += c;
                    }
                    sbuf_write_commit(b, 0); /* abandoned: rx_take decides */
                } else {
                    sbuf_write_commit(b, r > 0 ? (size_t)r : 0);
                    if (r > 0) {
                        atomic_fetch_add_explicit(&io->rx_bytes, (uint64_t)r,
                                                  memory_order_relaxed);
                        atomic_store_explicit(&io->last_rx_ns, sb_now_ns(), memory_order_relaxed);
                        rx_notify(io);
                        window_notify(io);
                        continue;
                    }
                }
            }
        }
        if (r > 0) {
            atomic_store_explicit(&io->last_rx_ns, sb_now_ns(), memory_order_relaxed);
            if (rx_take(io, chunk, (size_t)r, &lb, &lb_len)) {
                atomic_store_explicit(&io->done, 1, memory_order_release);
                break;
            }
        } else if (r == 0) {
            sb_io_fail(io, "the peer closed the port (end of file)");
        } else if (errno == EAGAIN) {
            short rev = wait_port(io, POLLIN, &io->rx->room);
            if (port_dead(rev))
                sb_io_fail(io, "%s", hup_reason(rev));
        } else if (errno != EINTR) {
            sb_io_fail(io, "reading from the port: %s%s", strerror(errno),
                       errno == EIO ? " (the peer went away)" : "");
        }
    }
    free(lb);
    sb_pipe_close(io->rx);
    return NULL;
}

/* ---- lifetime ------------------------------------------------------------- */

int sb_io_start(struct sb_io *io, int fd, struct sb_pipe *tx, struct sb_pipe *rx,
                struct sb_run_ctl *ctl, size_t write_size, size_t window,
                _Atomic uint64_t *peer_lost, int lost_fd)
{
    if (!io || fd < 0 || !tx || !rx || !ctl)
        return SBUF_EINVAL;
    memset(io, 0, sizeof(*io));
    io->fd = fd;
    io->tx = tx;
    io->rx = rx;
    io->ctl = ctl;
    io->write_size = write_size;
    io->window = window;
    io->peer_lost = peer_lost;
    io->lost_fd = lost_fd;
    if (sb_wakeup_init(&io->flight) != SBUF_OK)
        return SBUF_EIO;
    if (sb_wakeup_init(&io->rx_park) != SBUF_OK) {
        sb_wakeup_destroy(&io->flight);
        return SBUF_EIO;
    }
    atomic_init(&io->tx_token, 0);
    atomic_init(&io->rx_owner, RX_CONSUMER); /* the consumer waits first */
    atomic_init(&io->port_wanted, 0);
    io->handoff_len = 0;
    atomic_init(&io->tx_bytes, 0);
    atomic_init(&io->rx_bytes, 0);
    atomic_init(&io->last_rx_ns, sb_now_ns());
    atomic_init(&io->request_ns, 0);
    atomic_init(&io->end_mode, 0);
    atomic_init(&io->done, 0);
    atomic_init(&io->failed, 0);
    atomic_init(&io->port_timeouts, 0);
    static const struct sb_pipe_ops tx_ops = {.committed = tx_committed};
    static const struct sb_pipe_ops rx_ops = {.await = rx_await, .away = rx_away};
    tx->ops = &tx_ops;
    tx->ops_ctx = io;
    rx->ops = &rx_ops;
    rx->ops_ctx = io;
    if (pthread_create(&io->tx_thread, NULL, tx_main, io) != 0) {
        tx->ops = rx->ops = NULL;
        sb_wakeup_destroy(&io->flight);
        sb_wakeup_destroy(&io->rx_park);
        return SBUF_EIO;
    }
    io->threads |= 1;
    if (pthread_create(&io->rx_thread, NULL, rx_main, io) != 0) {
        sb_io_abort(io);
        pthread_join(io->tx_thread, NULL);
        io->threads = 0;
        tx->ops = rx->ops = NULL;
        sb_wakeup_destroy(&io->flight);
        sb_wakeup_destroy(&io->rx_park);
        return SBUF_EIO;
    }
    io->threads |= 2;
    return SBUF_OK;
}

void sb_io_join(struct sb_io *io)
{
    if (io->threads & 1)
        pthread_join(io->tx_thread, NULL);
    if (io->threads & 2)
        pthread_join(io->rx_thread, NULL);
    if (io->threads) {
        io->tx->ops = io->rx->ops = NULL;
        sb_wakeup_destroy(&io->flight);
        sb_wakeup_destroy(&io->rx_park);
    }
    io->threads = 0;
}
