/*
 * run.h - one cell of the matrix: the parameters of a single run and what
 * it measured.  The runner's scenario layer fills sb_run_params; the
 * workload (bench/workload) runs it and fills sb_run_result; the runner's
 * result writers turn results into files.  Every layer shares these types,
 * so they live at the bottom.
 */
#ifndef SB_RUN_H
#define SB_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sbuf/sbuf.h"

#define SB_NAME_MAX 64
#define SB_REASON_MAX 256

/* Message size distributions (scenario key `message`). */
enum sb_msg_kind {
    SB_MSG_FIXED,     /* fixed:N */
    SB_MSG_UNIFORM,   /* uniform:LO-HI */
    SB_MSG_LOGNORMAL, /* lognormal:mean=M,sd=S,max=X */
    SB_MSG_REPLAY,    /* replay:FILE, one size per line, cycled */
};

struct sb_msg_spec {
    enum sb_msg_kind kind;
    uint32_t lo, hi;      /* fixed: lo == hi; uniform: [lo, hi] */
    double mean, sd;      /* lognormal: of the sizes themselves, in bytes */
    uint32_t max;         /* lognormal: clamp */
    const uint32_t *sizes; /* replay: owned by the scenario */
    size_t nsizes;
};

enum sb_overflow {
    SB_OVERFLOW_BLOCK, /* the producer waits for room; nothing is dropped */
    SB_OVERFLOW_DROP,  /* a message that does not fit is refused and counted */
};

/*
 * The serial path (transport = pty | serial): scenario keys of the serial
 * transports issue.  Ignored by transport = mem.
 */
struct sb_link_params {
    char peer[SB_NAME_MAX];   /* echo | nrf52840-sim (pty); the board (serial) */
    char port[256];           /* serial: a device path, "auto", or "VID:PID" */
    uint32_t baud;            /* serial: port baud; never 1200 (bootloader reset) */
    int flow_rtscts;          /* flow = rtscts */
    char link[SB_NAME_MAX];   /* nrf52840-sim: "uart:BAUD" or "cdc" */
    size_t device_rx_buffer;  /* nrf52840-sim: DMA ring bytes */
    size_t device_ram;        /* nrf52840-sim: RAM budget bytes */
    char faults[256];         /* nrf52840-sim: "drop:P corrupt:P delay:MS@P stall:MS@PERIOD disconnect:at=T" */
    uint64_t device_byte_ns;  /* nrf52840-sim: device_byte_cost, application time per byte */
    uint64_t device_packet_ns;/* nrf52840-sim: device_packet_cost, per read (UART chunk, USB packet) */
    size_t write_size;        /* bytes per write(2) on the TX side (0 = whatever is readable) */
    int on_disconnect_stop;   /* on_disconnect = stop (default next) */
    uint64_t reconnect_ns;    /* serial: retry opening for this long */
    int hardware_optional;    /* hardware = optional: absent port = skipped, not failed */
    /* Not scenario keys: the suite measures the pty ceilings just before
     * each pty echo run (calibrate.h) and hands them to it; 0 = not measured. */
    double ceiling_bytes_per_s;
    double ceiling_echo_bytes_per_s;
    uint64_t ceiling_rtt_p50_ns;
};

/* Faults injected into the harness itself (inject.h); all zero = none. */
struct sb_inject {
    unsigned slowdown_pct; /* each half spins this share of its time per message away (0-90) */
    unsigned extra_allocs; /* the producer makes this many extra malloc/free per message */
};

struct sb_run_params {
    char job[SB_NAME_MAX];
    char strategy[SB_NAME_MAX];
    char allocator[SB_NAME_MAX];
    char transport[SB_NAME_MAX]; /* a name from the transport table (transport.h) */
    unsigned repeat;             /* 0-based repeat index */
    uint64_t seed;               /* already mixed with job and repeat */

    /* Length: exactly one of duration_ns, bytes, messages is non-zero. */
    uint64_t duration_ns;
    uint64_t bytes;
    uint64_t messages;
    uint64_t warmup_ns; /* traffic before measurement starts; not counted */

    struct sb_msg_spec message;
    double rate;             /* messages per second; 0 = as fast as possible */
    uint32_t burst_count;    /* burst: this many messages back to back ... */
    uint64_t burst_period_ns;/* ... every period (0 = no bursts) */
    uint64_t stall_ns;       /* the consumer pauses this long ... */
    uint64_t stall_period_ns;/* ... every period (0 = no stalls) */

    unsigned placement;      /* enum sb_placement (placement.h): where the two threads go */

    size_t buffer;           /* strategy capacity */
    size_t max_buffer;       /* adaptive: max_capacity */
    enum sb_overflow overflow;

    struct sb_link_params link;

    /*
     * Not a scenario key: `serbench run --inject` (inject.h), for proving a
     * regression gate finds what it should.  Recorded in runs.csv (inject)
     * and env.json; never part of a job's definition hash.
     */
    struct sb_inject inject;

    /*
     * Optional (NULL = not wanted): where the workload copies the run's two
     * latency histograms when it fills the result (histogram.h).  A pointer
     * into this process: the child's own, never the parent's.
     */
    struct sb_run_hists *hists;
};

enum sb_status {
    SB_STATUS_OK,
    SB_STATUS_FAILED,  /* integrity or reconciliation failed, or the child crashed */
    SB_STATUS_ABORTED, /* interrupted, or the transport went away */
    SB_STATUS_SKIPPED, /* hardware = optional and the port is absent */
};

struct sb_latency {
    uint64_t count;
    double mean_ns;
    uint64_t p50_ns, p90_ns, p99_ns, p999_ns, max_ns;
};

struct sb_run_result {
    enum sb_status status;
    char reason[SB_REASON_MAX]; /* empty when ok */

    double wall_s;        /* measured phase only */
    double cpu_user_s, cpu_sys_s;
    long peak_rss_kb;
    long cpu_producer, cpu_consumer;  /* the CPUs the threads were pinned to; -1 = not pinned */
    /* What the machine took from the run (schedinfo.h); NaN = could not be read. */
    int starved;                      /* the verdict: more than a documented share was taken */
    double sched_wait_share;          /* the worst half's run-queue wait / its wall time */
    double sched_cpu_share;           /* the halves' CPU / (wall x halves that had work) */
    double sched_throttle_share;      /* CFS throttling of the run's cgroup / wall */
    double sched_steal_share;         /* hypervisor steal / all CPU time */
    char starved_reason[SB_REASON_MAX]; /* why starved; "" when not */
    /* The regime: how each half (producer, consumer) got its CPU. */
    uint64_t csw_voluntary[2];        /* [producer, consumer]: it blocked (a sleep, a wait) */
    uint64_t csw_involuntary[2];      /* it was preempted: something else wanted its CPU */
    char allocator_seen[SB_NAME_MAX]; /* what the child verified is serving malloc */

    uint64_t msgs_sent, bytes_sent;       /* offered by the producer (measured phase) */
    uint64_t msgs_recv, bytes_recv;       /* verified good by the consumer */
    uint64_t msgs_dropped, bytes_dropped; /* refused by policy (overflow = drop) */
    uint64_t crc_errors, seq_gaps, duplicates, reordered, resyncs, garbage_bytes;
    uint64_t bad_frames; /* CRCs good, content wrong: a header field out of bounds,
                            or a payload that is not its sequence number's */
    double bytes_per_s, msgs_per_s;
    struct sb_latency latency;            /* enqueue -> dequeue on mem; round trip on pty, serial */
    struct sb_latency latency_int;        /* the same from each message's intended send time
                                             (paced runs; = latency when unpaced) */
    struct sbuf_stats buf;                /* pty, serial: the tx and rx buffers summed (capacity
                                             is one buffer's, peak_used the larger peak) */

    /* pty: the ceilings of the same path with no strategy (calibrate.h), 0 if not measured. */
    double ceiling_bytes_per_s;      /* raw fd-to-fd throughput at write_size */
    double ceiling_echo_bytes_per_s; /* raw echo loop throughput at write_size */
    uint64_t ceiling_rtt_p50_ns;     /* raw echo round trip of one frame, p50 */
    /* pty, serial: what the peer reported (nrf52840-sim; 0 from a plain echo). */
    uint64_t dev_overrun_bytes;      /* bytes lost in the device's UART (no flow control) */
    uint64_t dev_drop_frames;        /* fault drop */
    uint64_t dev_corrupt_frames;     /* fault corrupt */
    uint64_t dev_delay_faults;       /* fault delay */
    uint64_t dev_stall_faults;       /* fault stall */
    /* The run's block/notify waits (wakeup.h, and the pumps' port waits):
     * how many ran out the 100 ms safety timeout, and how many of those
     * found what they waited for already there with no notify sent (a
     * wakeup that never came: 0 in a correct protocol). */
    uint64_t wait_timeouts;
    uint64_t missed_wakeups;
    /* Allocations the harness's producer made in the measured phase: 0
     * unless injected (inject.h), counted exactly, one per malloc call. */
    uint64_t harness_allocations;
};

/*
 * Progress during a run: called from the run's thread at most ~10 times a
 * second.  bytes_so_far: bytes verified in the measured phase; elapsed_s:
 * seconds since the measured phase began (both 0 during the warmup).
 */
typedef void (*sb_progress_fn)(void *ctx, uint64_t bytes_so_far, double elapsed_s);

#endif
