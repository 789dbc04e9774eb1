/*
 * fwproto.h - serbench's frames as the bare-metal firmware follows them on
 * the wire, with no hardware in sight (tests/firmware/ builds it on the
 * host): every byte is echoed except control frames, which are taken off
 * the stream, and a stats request is answered in stream order, after every
 * byte that arrived before it, with the counters and the RAM figures.
 *
 * The frames are serbench's (bench/common/frame.h): a 12-byte start (magic
 * A5 C3, version 2, flags, u32 length, u32 CRC-32 of bytes 0..7) whose
 * check makes the length trustworthy, then sequence, send time, intended
 * send time, payload and a CRC-32 of everything.  The rules are the emulator's
 * (bench/device/device_model.c): a byte that cannot start a header is
 * garbage, echoed as it is; a header is held back until its 12 bytes are
 * in and checked (it may be a control frame's, which is never echoed); a
 * data frame then passes whole without another look; a header that fails
 * its check gives up its first byte as garbage and the search starts again
 * at the second; a partial header that waits FW_HOLD_NS for its rest is
 * given up the same way.
 *
 * The answer (bench/device/devstats.h, extended; layout in
 * firmware/README.md): a control frame of kind 2 whose payload is a u32
 * count (FW_NCOUNT) and that many u64 counters, little-endian.  Counters
 * restart after each answer, so an answer covers the traffic since the
 * previous one (one serbench run).
 */
#ifndef FW_PROTO_H
#define FW_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define FW_FRAME_HEADER 36u   /* bytes before a frame's payload */
#define FW_FRAME_OVERHEAD 40u /* header + frame CRC */
#define FW_LENGTH_END 12u     /* the bytes that say how long a frame is */
#define FW_MAX_PAYLOAD (1u << 24)
#define FW_CTRL_FLAG 0x80u
#define FW_CTRL_MAX_FRAME (FW_FRAME_OVERHEAD + 4u + 8u * 64u)
#define FW_STATS_REQUEST 1u
#define FW_STATS_REPLY 2u
#define FW_HOLD_NS 100000000u /* a partial header waits 100 ms, as in the emulator */

/* The answer's counters, in order (firmware/README.md, "The stats answer"). */
enum fw_counter {
    FW_C_BYTES_IN,       /* bytes that arrived, control frames excepted */
    FW_C_FRAMES_IN,      /* data frames that arrived whole */
    FW_C_BYTES_OUT,      /* bytes queued for transmission (the echo) */
    FW_C_FRAMES_OUT,     /* data frames queued with every byte */
    FW_C_OVERRUN_BYTES,  /* bytes lost for lack of room (ring full) */
    FW_C_OVERRUN_EVENTS, /* loss bursts, and the UARTE's ERRORSRC.OVERRUN */
    FW_C_OVERRUN_FRAMES, /* data frames that lost a byte */
    FW_C_DROP_FRAMES,    /* fault injection: none on a board */
    FW_C_DROP_BYTES,
    FW_C_CORRUPT_FRAMES,
    FW_C_DAMAGED_FRAMES, /* = overrun frames here */
    FW_C_DELAY_FAULTS,
    FW_C_STALL_FAULTS,
    FW_C_GARBAGE_BYTES,  /* bytes outside any frame */
    FW_C_RAM_BUDGET,     /* RAM the program may use */
    FW_C_RAM_FREE,       /* ... of which nothing uses */
    FW_C_UPTIME_NS,      /* since the device started */
    FW_C_HEAP_FREE,      /* the heap (CircuitPython's gc); 0 here: no heap */
    FW_C_HEAP_ALLOC,
    FW_C_STATIC_RAM,     /* .data + .bss (+ alignment between them), from the linker */
    FW_C_STACK_RESERVE,  /* the stack the linker keeps free */
    FW_C_DEVICE_KIND,    /* FW_KIND_* */
    FW_NCOUNT
};

#define FW_REPLY_LEN (4u + 8u * FW_NCOUNT)
#define FW_REPLY_SIZE (FW_FRAME_OVERHEAD + FW_REPLY_LEN)
#define FW_UNKNOWN UINT64_MAX /* a figure this device cannot measure */
#define FW_KIND_SIM 1u        /* serbench's nrf52840-sim emulator */
#define FW_KIND_CIRCUITPYTHON 2u
#define FW_KIND_BAREMETAL 3u

/* What the device knows of its memory; goes into every answer. */
struct fw_mem {
    uint64_t ram_budget, ram_free, heap_free, heap_alloc, static_ram, stack_reserve;
};

struct fw_io {
    /* Queues n bytes for transmission, in stream order; returns how many it
     * took (the rest are lost and counted). */
    size_t (*echo)(void *ctx, const uint8_t *p, size_t n);
    /* Queues a whole answer frame: 0, or -1 when there is no room (it is
     * tried again, and bytes that arrive meanwhile are lost: nothing may
     * overtake it). */
    int (*answer)(void *ctx, const uint8_t *frame, size_t n);
    void *ctx;
};

struct fw_proto {
    uint64_t c[FW_NCOUNT];
    struct fw_mem mem;
    uint32_t left;     /* bytes of the current data frame still to come */
    uint32_t clen;     /* size of the control frame being taken off; 0: none */
    uint32_t hn;       /* bytes gathered in hdr (a header, or a control frame's start) */
    uint8_t hdr[FW_FRAME_OVERHEAD];
    uint8_t lost;      /* the current data frame lost a byte */
    uint8_t losing;    /* the last byte echoed was lost (one event per burst) */
    uint8_t waiting;   /* a partial header waits for its rest since wait_since */
    uint8_t pending;   /* the answer in reply could not be queued yet */
    uint64_t wait_since;
    uint8_t reply[FW_REPLY_SIZE];
};

void fw_proto_init(struct fw_proto *p, const struct fw_mem *mem);
/* Bytes received at now_ns (the device's uptime). */
void fw_proto_feed(struct fw_proto *p, const uint8_t *b, size_t n, uint64_t now_ns,
                   const struct fw_io *io);
/* Called now and then with nothing received: gives up a partial header
 * that has waited FW_HOLD_NS, and retries a pending answer. */
void fw_proto_idle(struct fw_proto *p, uint64_t now_ns, const struct fw_io *io);
/* The UARTE reported ERRORSRC.OVERRUN: bytes lost in hardware, uncounted. */
void fw_proto_hw_overrun(struct fw_proto *p);

/* zlib's CRC-32 (crc = 0 to start; the running value otherwise). */
uint32_t fw_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
