/*
 * devstats.h - control frames between serbench and the device emulator: the
 * stats request, and the reply that carries the device's counters.
 *
 * A control frame is a frame of the runner's format (frame.h) with flags
 * bit SB_CTRL_FLAG set: the same magic, version, header, length check and
 * frame CRC (sealed and checked by frame.c).  The data decoder rejects any frame with a flag set, so a control
 * frame can never be taken for data.  The sequence field holds the kind:
 *
 *   1  stats request   no payload; the emulator answers it in stream order,
 *                      after echoing every byte that arrived before it
 *   2  stats reply     payload: u32 count, then count u64 counters in the
 *                      order of struct sb_dev_counters (a newer emulator may
 *                      send more; an older reader takes what it knows)
 *
 * A plain echo (peer = echo, a board running firmware/circuitpython) sends
 * the request back unchanged: a request coming back means "this peer keeps
 * no counters", and the harness then expects every byte back.
 */
#ifndef SB_DEVSTATS_H
#define SB_DEVSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

#define SB_CTRL_FLAG 0x80u
#define SB_CTRL_STATS_REQUEST 1u
#define SB_CTRL_STATS_REPLY 2u

/*
 * What the emulator counts.  "Wire" is the link between host and device;
 * frames are the runner's data frames as the emulator tracked them on the
 * wire (control frames are not counted anywhere).
 */
struct sb_dev_counters {
    uint64_t bytes_in;       /* data bytes that arrived on the device's RX wire */
    uint64_t frames_in;      /* data frames that arrived whole on the wire */
    uint64_t bytes_out;      /* data bytes the device sent back */
    uint64_t frames_out;     /* data frames sent back with every byte (corrupted or not) */
    uint64_t overrun_bytes;  /* bytes lost: FIFO and DMA ring full, no flow control */
    uint64_t overrun_events; /* times ERRORSRC.OVERRUN would have been set (loss bursts) */
    uint64_t overrun_frames; /* frames that lost at least one byte to overrun */
    uint64_t drop_frames;    /* fault drop: frames discarded whole */
    uint64_t drop_bytes;     /* ... and their bytes */
    uint64_t corrupt_frames; /* fault corrupt: frames with one payload byte altered */
    uint64_t damaged_frames; /* frames corrupted or overrun (each counted once) */
    uint64_t delay_faults;   /* fault delay: frames held back */
    uint64_t stall_faults;   /* fault stall: stalls begun */
    uint64_t garbage_bytes;  /* bytes that were not part of any frame, echoed as they are */
    uint64_t ram_budget;     /* device_ram */
    uint64_t ram_free;       /* what is left after the emulator's buffers */
    uint64_t uptime_ns;      /* model time from the device's start to this reply */
};

#define SB_DEV_NCOUNTERS (sizeof(struct sb_dev_counters) / sizeof(uint64_t))

/* Bytes of the largest control frame (a stats reply). */
#define SB_CTRL_MAX_FRAME (SB_FRAME_OVERHEAD + 4u + 8u * 64u)

/* A stats request frame into buf; its size, or 0 if cap is too small. */
size_t sb_ctrl_encode_request(uint8_t *buf, size_t cap);
/* A stats reply carrying c into buf; its size, or 0 if cap is too small. */
size_t sb_ctrl_encode_reply(uint8_t *buf, size_t cap, const struct sb_dev_counters *c);

/*
 * Reads the control frame at frame[0..n): its kind in *kind; for a reply the
 * counters in *c (fields the sender did not send stay zero).  0 when the
 * frame is a whole, intact control frame; -1 otherwise.
 */
int sb_ctrl_decode(const uint8_t *frame, size_t n, unsigned *kind, struct sb_dev_counters *c);

#endif
