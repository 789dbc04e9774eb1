/*
 * device_model.h - the emulator's model of an nRF52840 echo device, without
 * any I/O: bytes from the host go in, model time advances, bytes for the
 * host come out.  device.c moves bytes between the model and a port.
 *
 *   host -> [in: bytes on their way] -> wire -> tracker -> RX store -> app -> TX -> [out] -> host
 *
 * UART (link = uart:BAUD).  Time is counted in byte slots of 10 bit times
 * (start, 8 data, stop).  Each slot the RX wire delivers one byte if the
 * host has one on its way, and the TX wire sends one.  The RX store is the
 * UARTE's 5-byte FIFO plus the DMA ring (device_rx_buffer): when both are
 * full, a byte that arrives is lost and counted as an overrun (the UARTE's
 * ERRORSRC.OVERRUN), or with flow = rtscts the wire stops (RTS deasserted)
 * and the byte waits on the host side.  The application loop reads what the
 * ring holds (at most its read buffer), spends packet cost + bytes x byte
 * cost on it, then writes it back and blocks until the UART has sent it,
 * the way busio.UART.write does.
 *
 * CDC (link = cdc).  Time is counted in 1 ms USB frames of at most 19
 * bulk packets of 64 bytes, shared by both directions (the bus is
 * half-duplex).  An OUT packet is accepted only when the 1024-byte RX FIFO
 * has room for a whole packet, else the device NAKs and the host retries:
 * backpressure, never loss.  The application moves data from the RX FIFO to
 * the 1024-byte TX FIFO at its cost; IN packets carry it to the host.
 *
 * Faults act on whole frames of the runner's format, which the tracker
 * follows on the wire (it looks ahead at a frame's first 12 bytes, whose
 * length check makes its length trustworthy, before the first byte goes in):
 *   drop     the frame is discarded as it arrives: none of it is echoed;
 *   corrupt  one payload byte is altered (a byte of the frame CRC when the
 *            payload is empty): the header survives, so the host loses
 *            that frame to a CRC error and keeps its place in the stream;
 *   delay    the application holds the frame (and what follows) back;
 *   stall    the application freezes MS at every PERIOD (a GC pause);
 *   disconnect  the device goes away T after it started (device.c).
 * Bytes that are not part of a frame pass through as they are.  Each fault
 * draws from its own seeded generator, so adding one kind does not change
 * where another strikes.
 *
 * A stats request (devstats.h) is taken off the wire by the tracker; the
 * application answers it in stream order, once everything that arrived
 * before it has been echoed.
 */
#ifndef SB_DEVICE_MODEL_H
#define SB_DEVICE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "device.h"
#include "rng.h"

struct sb_dev_ring {
    uint8_t *buf;
    size_t cap, head, len; /* bytes at head .. head + len (mod cap) */
};

struct sb_dev_marker {
    uint64_t offset; /* in bytes ever written to the RX store */
    int kind;        /* DEV_MARK_DELAY, DEV_MARK_STATS */
};

/* What the model calls to move bytes while it advances (may be NULL). */
struct sb_dev_io {
    /* More host bytes: copies up to room into dst, returns the count. */
    size_t (*refill)(void *ctx, uint8_t *dst, size_t room);
    /* Host-bound bytes: writes up to n from src, returns the count taken. */
    size_t (*flush)(void *ctx, const uint8_t *src, size_t n);
    void *ctx;
};

struct sb_dev_model {
    struct sb_dev_config cfg;
    struct sb_dev_counters st;
    uint64_t born;      /* model start: stalls and uptime count from here */
    uint64_t t0;        /* origin of the steps (the start, or the last change of rate) */
    uint64_t step_ns_num; /* UART: a slot is 1e10 / baud ns; CDC: 1e6 ns */
    uint64_t k;         /* steps completed since t0 */
    uint64_t prev_now;  /* the previous advance's end: host bytes read since arrived after it */

    struct sb_dev_ring in;   /* host bytes on their way (the host's UART/USB queue) */
    struct sb_dev_ring rx;   /* UART: FIFO + DMA ring; CDC: RX FIFO */
    struct sb_dev_ring tx;   /* UART: the write in progress; CDC: TX FIFO */
    struct sb_dev_ring out;  /* sent to the host, not yet written to the port */
    uint64_t rx_in_total, rx_out_total;
    int last_lost;           /* the previous arriving byte was lost (one overrun event) */

    /* The frame the tracker follows. */
    struct {
        uint64_t left;       /* bytes of the current frame still to come; 0 = at a boundary */
        uint64_t pos;        /* offset of the next byte in the frame */
        int kind;            /* 0 garbage byte, 1 data frame, 2 control frame */
        int drop, lost, corrupted;
        uint64_t corrupt_at; /* UINT64_MAX: none */
        uint8_t corrupt_xor;
        uint8_t ctrl[SB_CTRL_MAX_FRAME];
        uint64_t wait_since; /* a partial header is waiting for its rest; 0 = not */
    } trk;

    struct sb_dev_marker *marks;
    size_t mark_cap, mark_head, mark_len;

    /* The application loop. */
    uint64_t app_free_at;    /* busy (cost, delay, stall) until then */
    uint8_t *app_buf;        /* the chunk it is working on */
    size_t app_len;          /* bytes in app_buf not yet written (UART) */
    uint64_t app_ready_at;   /* ... which it may write from then on */

    struct sb_rng rng_drop, rng_corrupt, rng_delay;
};

int sb_dev_model_init(struct sb_dev_model *m, const struct sb_dev_config *c, uint64_t t0);
void sb_dev_model_free(struct sb_dev_model *m);

/* Room for host bytes: a contiguous span to read into, then commit what was read. */
size_t sb_dev_model_in_room(const struct sb_dev_model *m);
size_t sb_dev_model_in_span(struct sb_dev_model *m, uint8_t **p);
void sb_dev_model_in_commit(struct sb_dev_model *m, size_t n);

/* Runs the model up to now (monotonic ns); io moves bytes meanwhile. */
void sb_dev_model_advance(struct sb_dev_model *m, uint64_t now, const struct sb_dev_io *io);

/* 1 while anything is in flight inside the model or on the wires. */
int sb_dev_model_busy(const struct sb_dev_model *m);

/* The host-bound bytes not yet written: up to two spans; consume n of them. */
size_t sb_dev_model_out_view(const struct sb_dev_model *m, const uint8_t **p);
void sb_dev_model_out_consume(struct sb_dev_model *m, size_t n);

/*
 * UART: the link changes rate (and flow control) from now on, as the host
 * asked; what is in flight stays.  Call after advancing to now.  Nothing on
 * a CDC link, whose rate the host's baud setting does not change.
 */
void sb_dev_model_set_uart(struct sb_dev_model *m, uint32_t baud, int rtscts);

/* Model time of step k (a byte slot or a USB frame) from t0. */
uint64_t sb_dev_model_step_time(const struct sb_dev_model *m, uint64_t k);

#endif
