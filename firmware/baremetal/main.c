/*
 * main.c - loopback firmware for the nRF52840 DK on UARTE0, the J-Link
 * virtual COM port: every byte received goes back out, except serbench's
 * control frames; a stats request is answered in stream order with the
 * counters and the RAM figures (fwproto.h; the layout is in
 * firmware/README.md).
 *
 * RX: EasyDMA double buffering.  The ENDRX_STARTRX shortcut restarts
 * reception into the other rx_dma buffer with no gap, and the UARTE IRQ
 * hands each finished buffer to fwproto, which copies what is to be echoed
 * into an sbuf ring_spsc (the producer), and the answer to a stats request
 * too, after the bytes before it.  A buffer only finishes when full, so a
 * SysTick tick flushes a partly filled one when the line has gone idle:
 * STOPRX, then ENDRX with the partial RXD.AMOUNT, RXTO, FLUSHRX for what the
 * RX FIFO still held, and restart.
 *
 * TX: the main loop is the consumer: it points TXD.PTR at the ring's read
 * view (the ring is in RAM, as EasyDMA requires), and releases the bytes on
 * ENDTX.  Nothing is copied on the way out.
 *
 * No heap: the ring is created in static storage.  Counters are in fw_stats
 * for a debugger to read, and fwproto's go into every stats answer.  The
 * RAM figures come from the linker script's symbols (nrf52840.ld), kept in
 * fw_ram_figures in flash, where tests/cross/firmware_baremetal.sh reads
 * them out of the image.
 */
#include <stdalign.h>
#include <string.h>

#include "fwproto.h"
#include "nrf52840.h"
#include "sbuf/sbuf.h"

extern const struct sbuf_ops sbuf_ring_spsc_ops;

#ifndef FW_HWFC
#define FW_HWFC 1 /* the DK's interface MCU wires RTS/CTS: use them */
#endif

/* DK pins for the J-Link virtual COM port (nRF52840 DK user guide). */
#define PIN_RTS 5u
#define PIN_TXD 6u
#define PIN_CTS 7u
#define PIN_RXD 8u

/*
 * Each RX buffer must take longer to fill than the IRQ can be late: the
 * next RXD.PTR is written on RXSTARTED, before the running buffer ends.
 * 64 bytes are 640 us at 1 Mbaud.  At least 5, the RX FIFO's depth, so a
 * FLUSHRX always fits.
 */
#define RX_CHUNK 64u
#define RING_BYTES 8192u
/* SysTick period: HFCLK is 64 MHz; 250 us is 2.5 bytes at 115200. */
#define TICK_CYCLES (64000000u / 4000u)
#define TICK_NS 250000u

struct fw_stats {
    uint32_t overruns;    /* ERRORSRC.OVERRUN: a byte lost in the UARTE */
    uint32_t framing;     /* ERRORSRC.FRAMING, PARITY or BREAK */
    uint32_t ring_drops;  /* bytes received with no room in the ring */
    uint32_t flushes;     /* idle-line STOPRX flushes */
    uint32_t bytes_rx;
    uint32_t bytes_tx;
};

volatile struct fw_stats fw_stats;

/*
 * Absolute symbols of nrf52840.ld: their values (the addresses the names
 * stand for) are the figures.  Resolved at link time into fw_ram_figures,
 * in flash.
 */
extern const char __ram_size__[], __static_ram__[], __stack_reserve__[];

struct fw_ram_figures {
    uint32_t ram_size;      /* LENGTH(RAM) */
    uint32_t static_ram;    /* RAM start to _ebss: .data, .bss, alignment between */
    uint32_t stack_reserve; /* _min_stack, which the linker keeps free for the stack */
};

__attribute__((used)) const struct fw_ram_figures fw_ram_figures = {
    (uint32_t)(uintptr_t)__ram_size__,
    (uint32_t)(uintptr_t)__static_ram__,
    (uint32_t)(uintptr_t)__stack_reserve__,
};

enum rx_state { RX_RUNNING, RX_STOPPING, RX_FLUSHING };

static alignas(4) uint8_t rx_dma[2][RX_CHUNK];
static alignas(64) unsigned char ring_mem[RING_BYTES + 1024];
static struct sbuf *ring;
static struct fw_proto proto;
static uint64_t ticks; /* SysTick periods since reset: the uptime */

/* Touched only from the UARTE IRQ and SysTick, which share one priority. */
static unsigned rx_cur;   /* the buffer the next ENDRX finishes */
static enum rx_state rx_state;
static int rx_pending;    /* bytes may sit in a buffer that has not ended */

static void rx_start(void)
{
    UARTE_RXD_PTR = (uint32_t)(uintptr_t)rx_dma[rx_cur];
    UARTE_SHORTS = UARTE_SHORTS_ENDRX_STARTRX;
    rx_state = RX_RUNNING;
    UARTE_TASKS_STARTRX = 1;
}

/* fwproto's output: into the ring, for tx_pump.  IRQ and SysTick only. */
static size_t ring_echo(void *ctx, const uint8_t *p, size_t n)
{
    (void)ctx;
    size_t put = sbuf_write(ring, p, n);
    fw_stats.ring_drops += (uint32_t)(n - put);
    return put;
}

static int ring_answer(void *ctx, const uint8_t *frame, size_t n)
{
    (void)ctx;
    return sbuf_write_all(ring, frame, n) == n ? 0 : -1;
}

static const struct fw_io proto_io = {ring_echo, ring_answer, NULL};

static void rx_finished(void)
{
    size_t n = UARTE_RXD_AMOUNT;
    fw_stats.bytes_rx += (uint32_t)n;
    fw_proto_feed(&proto, rx_dma[rx_cur], n, ticks * TICK_NS, &proto_io);
    rx_cur ^= 1u;
    if (rx_state == RX_FLUSHING)
        rx_start(); /* the FIFO is empty now: back to double buffering */
}

void fw_uarte0_irq(void)
{
    if (UARTE_EVENTS_ERROR) {
        UARTE_EVENTS_ERROR = 0;
        uint32_t src = UARTE_ERRORSRC;
        UARTE_ERRORSRC = src;
        if (src & UARTE_ERRORSRC_OVERRUN) {
            fw_stats.overruns++;
            fw_proto_hw_overrun(&proto);
        }
        if (src & (UARTE_ERRORSRC_FRAMING | UARTE_ERRORSRC_PARITY | UARTE_ERRORSRC_BREAK))
            fw_stats.framing++;
    }
    /* ENDRX before RXSTARTED: with both pending, the ended buffer is the
     * older one, and rx_cur must move past it before the next PTR is set. */
    if (UARTE_EVENTS_ENDRX) {
        UARTE_EVENTS_ENDRX = 0;
        rx_finished();
    }
    if (UARTE_EVENTS_RXSTARTED) {
        UARTE_EVENTS_RXSTARTED = 0;
        /* RXD.PTR is double-buffered: this is where the shortcut's next
         * STARTRX will write, the buffer after the one just latched. */
        UARTE_RXD_PTR = (uint32_t)(uintptr_t)rx_dma[rx_cur ^ 1u];
    }
    if (UARTE_EVENTS_RXTO) {
        UARTE_EVENTS_RXTO = 0;
        /* Up to the FIFO's depth may have arrived after STOPRX: FLUSHRX
         * moves them to RXD.PTR (rx_cur's buffer) and ends with ENDRX. */
        UARTE_RXD_PTR = (uint32_t)(uintptr_t)rx_dma[rx_cur];
        rx_state = RX_FLUSHING;
        UARTE_TASKS_FLUSHRX = 1;
    }
}

void fw_systick(void)
{
    ticks++;
    /* A partial header that waited 100 ms is given up; an answer that
     * found the ring full is tried again. */
    fw_proto_idle(&proto, ticks * TICK_NS, &proto_io);
    /* RXDRDY is polled, never an interrupt: one per byte would cost more
     * than the copy.  Set since the last tick means the line is busy. */
    if (UARTE_EVENTS_RXDRDY) {
        UARTE_EVENTS_RXDRDY = 0;
        rx_pending = 1;
        return;
    }
    if (rx_pending && rx_state == RX_RUNNING) {
        /* Idle with data possibly in a running buffer.  Without the
         * shortcut the ENDRX that STOPRX forces does not restart RX. */
        rx_pending = 0;
        fw_stats.flushes++;
        UARTE_SHORTS = 0;
        rx_state = RX_STOPPING;
        UARTE_TASKS_STOPRX = 1;
    }
}

static void clock_init(void)
{
    /* The crystal: the internal RC oscillator's tolerance eats into the
     * UART's timing margin at 1 Mbaud. */
    CLOCK_EVENTS_HFCLKSTARTED = 0;
    CLOCK_TASKS_HFCLKSTART = 1;
    while (!CLOCK_EVENTS_HFCLKSTARTED)
        ;
}

static void uarte_init(void)
{
    /* Lines idle high while the UARTE is disabled (PS: GPIO configuration
     * before enabling the peripheral). */
    P0_OUTSET = (1u << PIN_TXD) | (1u << PIN_RTS);
    P0_DIRSET = (1u << PIN_TXD) | (1u << PIN_RTS);
    P0_PIN_CNF(PIN_RXD) = PIN_CNF_INPUT_CONNECTED;
    P0_PIN_CNF(PIN_CTS) = PIN_CNF_INPUT_CONNECTED;

    UARTE_PSEL_TXD = PIN_TXD;
    UARTE_PSEL_RXD = PIN_RXD;
#if FW_HWFC
    UARTE_PSEL_RTS = PIN_RTS;
    UARTE_PSEL_CTS = PIN_CTS;
    UARTE_CONFIG = UARTE_CONFIG_HWFC;
#else
    UARTE_CONFIG = 0;
#endif
    UARTE_BAUDRATE = UARTE_BAUDRATE_VALUE;
    UARTE_RXD_MAXCNT = RX_CHUNK;
    UARTE_INTENSET = UARTE_INT_ENDRX | UARTE_INT_RXSTARTED | UARTE_INT_RXTO | UARTE_INT_ERROR;
    UARTE_ENABLE = UARTE_ENABLE_ENABLED;

    /* One priority for the UARTE IRQ and SysTick: the RX state machine
     * is never entered twice at once. */
    NVIC_IPR(UARTE0_IRQN) = FW_PRIO(1);
    SCB_SHPR3 = (SCB_SHPR3 & 0x00FFFFFFu) | ((uint32_t)FW_PRIO(1) << 24);
    NVIC_ISER0 = 1u << UARTE0_IRQN;

    rx_cur = 0;
    rx_start();

    SYST_RVR = TICK_CYCLES - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* core clock, interrupt, enable */
}

static void proto_init(void)
{
    const struct fw_ram_figures *f = &fw_ram_figures;
    struct fw_mem mem = {
        .ram_budget = f->ram_size,
        .ram_free = f->ram_size - f->static_ram - f->stack_reserve,
        .heap_free = 0, /* no heap */
        .heap_alloc = 0,
        .static_ram = f->static_ram,
        .stack_reserve = f->stack_reserve,
    };
    fw_proto_init(&proto, &mem);
}

static int ring_init(void)
{
    struct sbuf_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.capacity = RING_BYTES;
    if (sbuf_storage_size(&sbuf_ring_spsc_ops, &cfg) > sizeof(ring_mem))
        return SBUF_ERANGE;
    cfg.storage = ring_mem;
    cfg.storage_size = sizeof(ring_mem);
    return sbuf_create_ops(&sbuf_ring_spsc_ops, &cfg, &ring);
}

/* One TX transfer at a time, straight out of the ring's read view. */
static void tx_pump(void)
{
    static size_t in_flight;
    if (in_flight) {
        if (!UARTE_EVENTS_ENDTX)
            return;
        UARTE_EVENTS_ENDTX = 0;
        size_t sent = UARTE_TXD_AMOUNT;
        fw_stats.bytes_tx += (uint32_t)sent;
        sbuf_read_release(ring, sent);
        in_flight = 0;
    }
    struct sbuf_span v[2];
    if (!sbuf_read_view(ring, v)) {
        sbuf_read_release(ring, 0);
        return;
    }
    /* The first span only: the second follows on the next transfer. */
    size_t n = v[0].n < UARTE_MAXCNT_MAX ? v[0].n : UARTE_MAXCNT_MAX;
    UARTE_TXD_PTR = (uint32_t)(uintptr_t)v[0].p;
    UARTE_TXD_MAXCNT = n;
    in_flight = n;
    UARTE_TASKS_STARTTX = 1;
}

int main(void)
{
    clock_init();
    if (ring_init() != SBUF_OK)
        return 1; /* the reset handler traps: a debugger shows it */
    proto_init();
    uarte_init();
    for (;;)
        tx_pump();
}
