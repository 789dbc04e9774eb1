/*
 * device_model.c - the nRF52840 echo device, modelled (device_model.h).
 *
 * The model is stepped: one step is a UART byte slot or a USB frame.  A
 * step's time comes from its index (t0 + k x step), never from adding up
 * step lengths, so a long run does not drift, and the host's speed does
 * not enter: the model is as fast as its link, however often it is woken.
 */
#include <stdlib.h>
#include <string.h>

#include "device_model.h"
#include "frame.h"

#define DEV_MARK_DELAY 1
#define DEV_MARK_STATS 2

#define DEV_IN_DEFAULT (128u * 1024u) /* host bytes read ahead of the wire */
#define DEV_OUT_CAP 8192u
#define DEV_MARKS 4096u
#define DEV_REFILLS 4      /* refills of `in` within one advance (catching up) */
/* A partial header that waits longer than this is taken for noise. */
#define DEV_HEADER_WAIT_NS 100000000u

enum { TRK_GARBAGE = 0, TRK_DATA = 1, TRK_CTRL = 2 };

/* ---- byte rings ---------------------------------------------------------- */

static int ring_init(struct sb_dev_ring *r, size_t cap)
{
    r->buf = malloc(cap ? cap : 1);
    r->cap = cap;
    r->head = r->len = 0;
    return r->buf ? 0 : -1;
}

static size_t ring_room(const struct sb_dev_ring *r)
{
    return r->cap - r->len;
}

static void ring_put(struct sb_dev_ring *r, uint8_t b)
{
    size_t at = r->head + r->len;
    r->buf[at >= r->cap ? at - r->cap : at] = b;
    r->len++;
}

static uint8_t ring_get(struct sb_dev_ring *r)
{
    uint8_t b = r->buf[r->head];
    r->head = r->head + 1 == r->cap ? 0 : r->head + 1;
    r->len--;
    return b;
}

/* Copies up to n bytes from the front without taking them. */
static size_t ring_peek(const struct sb_dev_ring *r, uint8_t *dst, size_t n)
{
    if (n > r->len)
        n = r->len;
    size_t a = r->cap - r->head < n ? r->cap - r->head : n;
    memcpy(dst, r->buf + r->head, a);
    memcpy(dst + a, r->buf, n - a);
    return n;
}

static void ring_drop(struct sb_dev_ring *r, size_t n)
{
    r->head = (r->head + n) % r->cap;
    r->len -= n;
}

static size_t ring_push(struct sb_dev_ring *r, const uint8_t *src, size_t n)
{
    if (n > ring_room(r))
        n = ring_room(r);
    size_t tail = (r->head + r->len) % (r->cap ? r->cap : 1);
    size_t a = r->cap - tail < n ? r->cap - tail : n;
    memcpy(r->buf + tail, src, a);
    memcpy(r->buf, src + a, n - a);
    r->len += n;
    return n;
}

static size_t ring_pop(struct sb_dev_ring *r, uint8_t *dst, size_t n)
{
    n = ring_peek(r, dst, n);
    ring_drop(r, n);
    return n;
}

/* ---- life ---------------------------------------------------------------- */

int sb_dev_model_init(struct sb_dev_model *m, const struct sb_dev_config *c, uint64_t t0)
{
    memset(m, 0, sizeof(*m));
    m->cfg = *c;
    m->t0 = m->born = m->prev_now = t0;
    int uart = c->link == SB_DEV_UART;
    size_t app = c->app_buffer ? c->app_buffer : SB_DEV_APP_BUFFER;
    m->cfg.app_buffer = app;
    size_t tx_cap = uart ? (app > SB_CTRL_MAX_FRAME ? app : SB_CTRL_MAX_FRAME) : SB_DEV_CDC_FIFO;
    m->mark_cap = DEV_MARKS;
    m->marks = calloc(m->mark_cap, sizeof(*m->marks));
    m->app_buf = malloc(app);
    if (!m->marks || !m->app_buf || ring_init(&m->in, c->read_ahead ? c->read_ahead : DEV_IN_DEFAULT) ||
        ring_init(&m->rx, uart ? c->rx_buffer + SB_DEV_UART_FIFO : SB_DEV_CDC_FIFO) ||
        ring_init(&m->tx, tx_cap) || ring_init(&m->out, DEV_OUT_CAP)) {
        sb_dev_model_free(m);
        return -1;
    }
    /* One generator per fault kind: enabling corrupt does not move the drops. */
    sb_rng_seed(&m->rng_drop, c->seed ^ 0x64726f70u);
    sb_rng_seed(&m->rng_corrupt, c->seed ^ 0x636f7272u);
    sb_rng_seed(&m->rng_delay, c->seed ^ 0x64656c61u);
    m->st.ram_budget = c->ram;
    size_t used = sb_dev_ram_used(&m->cfg);
    m->st.ram_free = c->ram > used ? c->ram - used : 0;
    m->trk.corrupt_at = UINT64_MAX;
    return 0;
}

void sb_dev_model_free(struct sb_dev_model *m)
{
    free(m->in.buf);
    free(m->rx.buf);
    free(m->tx.buf);
    free(m->out.buf);
    free(m->marks);
    free(m->app_buf);
    memset(m, 0, sizeof(*m));
}

uint64_t sb_dev_model_step_time(const struct sb_dev_model *m, uint64_t k)
{
    if (m->cfg.link == SB_DEV_CDC)
        return m->t0 + k * 1000000u;
    /* A byte is 10 bit times: 1e10 / baud ns, kept exact by scaling k first. */
    return m->t0 + (uint64_t)((unsigned __int128)k * 10000000000u / m->cfg.baud);
}

void sb_dev_model_set_uart(struct sb_dev_model *m, uint32_t baud, int rtscts)
{
    if (m->cfg.link != SB_DEV_UART || baud == 0)
        return;
    /* Rebase: the slots done so far keep their times; new ones count at
     * the new rate from the end of the last one. */
    m->t0 = sb_dev_model_step_time(m, m->k);
    m->k = 0;
    m->cfg.baud = baud;
    m->cfg.rtscts = rtscts;
}

/* Steps completed by time now. */
static uint64_t steps_by(const struct sb_dev_model *m, uint64_t now)
{
    if (now <= m->t0)
        return 0;
    uint64_t d = now - m->t0;
    if (m->cfg.link == SB_DEV_CDC)
        return d / 1000000u;
    return (uint64_t)((unsigned __int128)d * m->cfg.baud / 10000000000u);
}

size_t sb_dev_model_in_room(const struct sb_dev_model *m)
{
    return ring_room(&m->in);
}

size_t sb_dev_model_in_span(struct sb_dev_model *m, uint8_t **p)
{
    struct sb_dev_ring *r = &m->in;
    size_t tail = (r->head + r->len) % r->cap;
    *p = r->buf + tail;
    size_t room = ring_room(r);
    return r->cap - tail < room ? r->cap - tail : room;
}

void sb_dev_model_in_commit(struct sb_dev_model *m, size_t n)
{
    m->in.len += n;
}

size_t sb_dev_model_out_view(const struct sb_dev_model *m, const uint8_t **p)
{
    /* The contiguous part from the head; the rest follows after consuming. */
    *p = m->out.buf + m->out.head;
    size_t a = m->out.cap - m->out.head;
    return m->out.len < a ? m->out.len : a;
}

void sb_dev_model_out_consume(struct sb_dev_model *m, size_t n)
{
    ring_drop(&m->out, n);
}

int sb_dev_model_busy(const struct sb_dev_model *m)
{
    return m->in.len || m->rx.len || m->tx.len || m->app_len || m->mark_len || m->out.len;
}

/* ---- markers: things the application must do at a point of the stream ---- */

static void mark_add(struct sb_dev_model *m, int kind)
{
    if (m->mark_len == m->mark_cap)
        return; /* full: a delay not injected is not counted either */
    struct sb_dev_marker *k = &m->marks[(m->mark_head + m->mark_len) % m->mark_cap];
    k->offset = m->rx_in_total;
    k->kind = kind;
    m->mark_len++;
}

static const struct sb_dev_marker *mark_next(const struct sb_dev_model *m)
{
    return m->mark_len ? &m->marks[m->mark_head] : NULL;
}

static void mark_pop(struct sb_dev_model *m)
{
    m->mark_head = (m->mark_head + 1) % m->mark_cap;
    m->mark_len--;
}

/* ---- the tracker: frames on the wire ------------------------------------ */

/* Could h[0..n) be the start of a header still arriving? */
static int header_prefix(const uint8_t *h, size_t n)
{
    return h[0] == SB_FRAME_MAGIC0 && (n < 2 || h[1] == SB_FRAME_MAGIC1) &&
           (n < 3 || h[2] == SB_FRAME_VERSION) && (n < 4 || h[3] == 0 || h[3] == SB_CTRL_FLAG);
}

static void start_data_frame(struct sb_dev_model *m, uint32_t len)
{
    const struct sb_dev_faults *f = &m->cfg.faults;
    m->trk.kind = TRK_DATA;
    m->trk.left = sb_frame_size(len);
    m->trk.drop = f->drop_p > 0 && sb_rng_double(&m->rng_drop) < f->drop_p;
    if (!m->trk.drop && f->corrupt_p > 0 && sb_rng_double(&m->rng_corrupt) < f->corrupt_p) {
        /* A payload byte, so the header (and the frame's place in the stream)
         * survives and the host sees a CRC error (not a lost sync); with no
         * payload, a byte of the frame CRC, to the same effect. */
        m->trk.corrupt_at =
            SB_FRAME_HEADER + sb_rng_below(&m->rng_corrupt, len ? len : SB_FRAME_TRAILER);
        m->trk.corrupt_xor = (uint8_t)(1 + sb_rng_below(&m->rng_corrupt, 255));
    }
    if (!m->trk.drop && f->delay_p > 0 && sb_rng_double(&m->rng_delay) < f->delay_p)
        mark_add(m, DEV_MARK_DELAY);
}

/*
 * At a frame boundary: looks ahead at what is on its way to learn what the
 * next byte belongs to.  -1 when a partial header must wait for its rest.
 */
static int trk_boundary(struct sb_dev_model *m, uint64_t now)
{
    /* The bytes that say how long the frame is: trusted once their check passes. */
    uint8_t h[SB_FRAME_LENGTH_END];
    size_t n = ring_peek(&m->in, h, sizeof(h));
    uint32_t len;
    unsigned flags;
    m->trk.pos = 0;
    m->trk.drop = m->trk.lost = m->trk.corrupted = 0;
    m->trk.corrupt_at = UINT64_MAX;
    if (n == sizeof(h) && sb_frame_peek(h, &len, &flags)) {
        if (flags == 0 && len <= SB_FRAME_MAX_PAYLOAD) {
            m->trk.wait_since = 0;
            start_data_frame(m, len);
            return 0;
        }
        if (flags == SB_CTRL_FLAG && sb_frame_size(len) <= SB_CTRL_MAX_FRAME) {
            m->trk.wait_since = 0;
            m->trk.kind = TRK_CTRL;
            m->trk.left = sb_frame_size(len);
            return 0;
        }
    } else if (n < sizeof(h) && header_prefix(h, n)) {
        if (!m->trk.wait_since)
            m->trk.wait_since = now;
        if (now - m->trk.wait_since < DEV_HEADER_WAIT_NS)
            return -1;
    }
    m->trk.wait_since = 0;
    m->trk.kind = TRK_GARBAGE;
    m->trk.left = 1;
    return 0;
}

static void trk_frame_end(struct sb_dev_model *m)
{
    struct sb_dev_counters *st = &m->st;
    if (m->trk.kind == TRK_DATA) {
        st->frames_in++;
        if (m->trk.drop) {
            st->drop_frames++;
        } else {
            st->corrupt_frames += (uint64_t)m->trk.corrupted;
            st->overrun_frames += (uint64_t)m->trk.lost;
            st->damaged_frames += (uint64_t)(m->trk.corrupted || m->trk.lost);
            st->frames_out += (uint64_t)!m->trk.lost;
        }
    } else if (m->trk.kind == TRK_CTRL) {
        unsigned kind;
        if (sb_ctrl_decode(m->trk.ctrl, (size_t)m->trk.pos, &kind, NULL) == 0 &&
            kind == SB_CTRL_STATS_REQUEST)
            mark_add(m, DEV_MARK_STATS);
    }
    m->trk.kind = TRK_GARBAGE;
}

/*
 * The wire delivers the next host byte to the RX store: 0 when a byte was
 * taken off the wire (stored, lost to overrun, dropped or a control byte),
 * -1 when none could be (nothing on its way, a header still arriving, or
 * flow control holding it back).
 */
static int wire_deliver(struct sb_dev_model *m, uint64_t now)
{
    if (!m->in.len || (m->trk.left == 0 && trk_boundary(m, now) < 0))
        return -1;
    int kind = m->trk.kind;
    int stores = kind == TRK_GARBAGE || (kind == TRK_DATA && !m->trk.drop);
    int full = ring_room(&m->rx) == 0;
    /* With RTS/CTS the UART deasserts RTS: the byte waits on the host side. */
    if (stores && full && m->cfg.rtscts)
        return -1;
    uint8_t b = ring_get(&m->in);
    if (kind == TRK_CTRL) {
        m->trk.ctrl[m->trk.pos] = b;
    } else {
        m->st.bytes_in++;
        m->st.garbage_bytes += (uint64_t)(kind == TRK_GARBAGE);
        if (kind == TRK_DATA && m->trk.drop) {
            m->st.drop_bytes++;
        } else if (full) {
            /* FIFO and ring full, no flow control: ERRORSRC.OVERRUN. */
            m->st.overrun_bytes++;
            m->st.overrun_events += (uint64_t)!m->last_lost;
            m->last_lost = 1;
            m->trk.lost |= kind == TRK_DATA;
        } else {
            if (kind == TRK_DATA && m->trk.pos == m->trk.corrupt_at) {
                b ^= m->trk.corrupt_xor;
                m->trk.corrupted = 1;
            }
            ring_put(&m->rx, b);
            m->rx_in_total++;
            m->last_lost = 0;
        }
    }
    m->trk.pos++;
    if (--m->trk.left == 0)
        trk_frame_end(m);
    return 0;
}

/* ---- the application loop ------------------------------------------------ */

/* If t is inside a stall window, its end in *end. */
static int in_stall(const struct sb_dev_model *m, uint64_t t, uint64_t *end)
{
    const struct sb_dev_faults *f = &m->cfg.faults;
    if (!f->stall_ns || t < m->born + f->stall_period_ns)
        return 0;
    uint64_t i = (t - m->born) / f->stall_period_ns;
    uint64_t start = m->born + i * f->stall_period_ns;
    if (t >= start + f->stall_ns)
        return 0;
    *end = start + f->stall_ns;
    return 1;
}

/* The reply to a stats request, into the TX path: 0, or -1 if it does not fit yet. */
static int app_reply(struct sb_dev_model *m)
{
    uint8_t frame[SB_CTRL_MAX_FRAME];
    size_t n = sb_ctrl_encode_reply(frame, sizeof(frame), &m->st);
    if (ring_room(&m->tx) < n)
        return -1;
    ring_push(&m->tx, frame, n);
    return 0;
}

/*
 * Markers due at the application's read position.  Returns 1 if one was
 * handled (the application did something this turn), 0 if none is due,
 * -1 if one is due but must wait (no room for the reply).
 */
static int app_markers(struct sb_dev_model *m, uint64_t *t)
{
    const struct sb_dev_marker *k = mark_next(m);
    if (!k || k->offset != m->rx_out_total)
        return 0;
    if (k->kind == DEV_MARK_DELAY) {
        *t += m->cfg.faults.delay_ns;
        m->st.delay_faults++;
    } else {
        m->st.uptime_ns = *t - m->born;
        if (app_reply(m) < 0)
            return -1;
    }
    mark_pop(m);
    return 1;
}

/* Bytes the application may read now: up to its buffer and the next marker. */
static size_t app_readable(const struct sb_dev_model *m)
{
    size_t n = m->rx.len < m->cfg.app_buffer ? m->rx.len : m->cfg.app_buffer;
    const struct sb_dev_marker *k = mark_next(m);
    if (k && k->offset - m->rx_out_total < n)
        n = (size_t)(k->offset - m->rx_out_total);
    return n;
}

static uint64_t app_cost(const struct sb_dev_model *m, size_t n)
{
    return m->cfg.packet_cost_ns + (uint64_t)n * m->cfg.byte_cost_ns;
}

/*
 * UART: the loop `n = uart.readinto(buf); uart.write(buf[:n])`.  write()
 * returns when the UART has sent the bytes, so the application reads again
 * only when the TX path is empty.  Called at the end of every byte slot.
 */
static void app_uart(struct sb_dev_model *m, uint64_t t)
{
    if (t < m->app_free_at || m->tx.len)
        return;
    if (m->app_len) {
        /* The chunk is processed: write it. */
        ring_push(&m->tx, m->app_buf, m->app_len);
        m->st.bytes_out += m->app_len;
        m->app_len = 0;
        return;
    }
    uint64_t end;
    if (in_stall(m, t, &end)) {
        m->app_free_at = end;
        return;
    }
    uint64_t at = t;
    int r = app_markers(m, &at);
    if (r) {
        m->app_free_at = at;
        return;
    }
    size_t n = app_readable(m);
    if (!n)
        return;
    ring_pop(&m->rx, m->app_buf, n);
    m->rx_out_total += n;
    uint64_t cost = app_cost(m, n);
    if (cost == 0) {
        /* Read and write in the same slot: the TX wire never idles for it. */
        ring_push(&m->tx, m->app_buf, n);
        m->st.bytes_out += n;
    } else {
        m->app_len = n;
        m->app_free_at = t + cost;
    }
}

/*
 * CDC: the application runs through frame [t, t_end): it moves data from
 * the RX FIFO to the TX FIFO, paying its costs, as long as there is data and
 * room; usb_cdc.write() returns once the bytes are in the TX FIFO.
 */
static void app_cdc(struct sb_dev_model *m, uint64_t t, uint64_t t_end)
{
    if (m->app_free_at > t)
        t = m->app_free_at;
    while (t < t_end) {
        uint64_t end;
        if (in_stall(m, t, &end)) {
            t = end;
            continue;
        }
        int r = app_markers(m, &t);
        if (r > 0)
            continue;
        if (r < 0)
            break;
        size_t n = app_readable(m);
        if (n > ring_room(&m->tx))
            n = ring_room(&m->tx);
        if (!n)
            break;
        uint8_t *chunk = m->app_buf;
        ring_pop(&m->rx, chunk, n);
        ring_push(&m->tx, chunk, n);
        m->rx_out_total += n;
        m->st.bytes_out += n;
        t += app_cost(m, n);
    }
    if (t > m->app_free_at)
        m->app_free_at = t;
}

/* ---- stepping ------------------------------------------------------------- */

/* Room in `out`, writing to the host first if it is full. */
static size_t out_room(struct sb_dev_model *m, const struct sb_dev_io *io, size_t want)
{
    if (ring_room(&m->out) < want && io && io->flush) {
        const uint8_t *p;
        size_t n;
        while ((n = sb_dev_model_out_view(m, &p)) > 0) {
            size_t w = io->flush(io->ctx, p, n);
            sb_dev_model_out_consume(m, w);
            if (w < n)
                break;
        }
    }
    return ring_room(&m->out);
}

static void uart_step(struct sb_dev_model *m, uint64_t t, const struct sb_dev_io *io)
{
    wire_deliver(m, t);
    /* The TX wire sends one byte a slot, when the host side can take it. */
    if (m->tx.len && out_room(m, io, 1))
        ring_put(&m->out, ring_get(&m->tx));
    app_uart(m, t);
}

static void cdc_frame(struct sb_dev_model *m, uint64_t t, uint64_t t_end,
                      const struct sb_dev_io *io)
{
    unsigned budget = SB_DEV_CDC_PACKETS_PER_FRAME;
    int moved = 1;
    /* OUT and IN packets take turns: the bus serves both directions. */
    while (budget && moved) {
        moved = 0;
        if (budget && m->in.len && ring_room(&m->rx) >= SB_DEV_CDC_PACKET) {
            unsigned n = 0;
            while (n < SB_DEV_CDC_PACKET && wire_deliver(m, t) == 0)
                n++;
            if (n) {
                budget--;
                moved = 1;
            }
        }
        if (budget && m->tx.len && out_room(m, io, SB_DEV_CDC_PACKET) >= SB_DEV_CDC_PACKET) {
            uint8_t pkt[SB_DEV_CDC_PACKET];
            size_t n = ring_pop(&m->tx, pkt, SB_DEV_CDC_PACKET);
            ring_push(&m->out, pkt, n);
            budget--;
            moved = 1;
        }
    }
    app_cdc(m, t, t_end);
}

void sb_dev_model_advance(struct sb_dev_model *m, uint64_t now, const struct sb_dev_io *io)
{
    uint64_t target = steps_by(m, now);
    /* Refilling is for a wire that was busy and ran dry while catching up;
     * coming out of idle, the new bytes start at now (the caller reads them
     * after this advance), not at some step in the idle past. */
    int refills = sb_dev_model_busy(m) ? 0 : DEV_REFILLS;
    while (m->k < target) {
        uint64_t t = sb_dev_model_step_time(m, m->k + 1);
        /* Bytes read from the host now arrived after the previous advance:
         * they may fill steps from then on, not earlier ones. */
        if (!m->in.len && refills < DEV_REFILLS && io && io->refill && t >= m->prev_now) {
            uint8_t *p;
            size_t room = sb_dev_model_in_span(m, &p);
            sb_dev_model_in_commit(m, io->refill(io->ctx, p, room));
            refills++;
        }
        if (!sb_dev_model_busy(m)) {
            m->k = target; /* idle: nothing happens until bytes come */
            break;
        }
        if (m->cfg.link == SB_DEV_CDC)
            cdc_frame(m, sb_dev_model_step_time(m, m->k), t, io);
        else
            uart_step(m, t, io);
        m->k++;
    }
    const struct sb_dev_faults *f = &m->cfg.faults;
    if (f->stall_ns && now > m->born)
        m->st.stall_faults = (now - m->born) / f->stall_period_ns;
    m->prev_now = now;
}
