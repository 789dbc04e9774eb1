/*
 * device.h - the nRF52840 device emulator (peer = nrf52840-sim), and
 * `serbench device`, which runs it by hand on any port.
 *
 * It is an echo device that behaves like the firmware in firmware/ on an
 * nRF52840: data crosses a modelled link at the link's rate, lands in the
 * device's receive buffer, is read by an application loop that costs time,
 * and is sent back.  Model time follows the link (bytes per baud, packets
 * per USB frame) and is paced with absolute deadlines, so the rate does not
 * depend on how fast the host is.  See device_model.h for the link models.
 */
#ifndef SB_DEVICE_H
#define SB_DEVICE_H

#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "devstats.h"
#include "diag.h"
#include "run.h"

enum sb_dev_link {
    SB_DEV_UART, /* UARTE: 10 bits a byte at the baud rate */
    SB_DEV_CDC,  /* USB CDC ACM, full speed */
};

/* RAM of the nRF52840 and what CircuitPython leaves of it. */
#define SB_DEV_RAM_TOTAL (256u * 1024u)
#define SB_DEV_RAM_DEFAULT (130u * 1024u) /* free after CircuitPython boots */
#define SB_DEV_RAM_BLE (90u * 1024u)      /* free with BLE running */
#define SB_DEV_RAM_RESERVE (10u * 1024u)  /* must stay free: the GC needs headroom */
#define SB_DEV_PROGRAM_RAM (4u * 1024u)   /* the echo program's own objects */
#define SB_DEV_RX_DEFAULT 1024u           /* busio.UART receiver_buffer_size we assume */
#define SB_DEV_APP_BUFFER 256u            /* the firmware's preallocated read buffer */
#define SB_DEV_UART_FIFO 5u               /* UARTE hardware RX FIFO bytes */
#define SB_DEV_CDC_FIFO 1024u             /* TinyUSB CDC RX and TX FIFOs */
#define SB_DEV_CDC_PACKET 64u             /* full-speed bulk max packet size */
#define SB_DEV_CDC_PACKETS_PER_FRAME 19u  /* bulk packets in one 1 ms frame */

struct sb_dev_faults {
    double drop_p;             /* drop:P        a whole frame is discarded */
    double corrupt_p;          /* corrupt:P     one payload byte of a frame is altered */
    double delay_p;            /* delay:MS@P    the device holds a frame back MS ... */
    uint64_t delay_ns;         /*               ... with probability P */
    uint64_t stall_ns;         /* stall:MS@PERIOD the application freezes MS ... */
    uint64_t stall_period_ns;  /*               ... every PERIOD */
    uint64_t disconnect_at_ns; /* disconnect:at=T  the device goes away T after it starts */
    int disconnect;
};

struct sb_dev_config {
    char port[PATH_MAX];
    enum sb_dev_link link;
    uint32_t baud;            /* uart */
    int rtscts;               /* uart: hardware flow control instead of overruns */
    size_t rx_buffer;         /* uart: DMA ring bytes */
    size_t ram;               /* device RAM budget: what the firmware has free */
    size_t app_buffer;        /* the application's read buffer */
    uint64_t byte_cost_ns;    /* application time per byte it moves */
    uint64_t packet_cost_ns;  /* application time per read (a UART chunk, a USB packet) */
    struct sb_dev_faults faults;
    uint64_t seed;
    size_t read_ahead;        /* bytes read from the port ahead of the wire (0: the default) */
    int verbose;              /* `serbench device -v`: counters on stderr at exit */
    /* `serbench device --pty`: make a pseudo-terminal pair (posix_openpt)
     * instead of opening port, print the host's end on stdout, and follow
     * the host's termios (rate, flow control) on the modelled link. */
    int pty;
};

/* Defaults: uart:115200, no flow control, the default RAM and ring, no faults. */
void sb_dev_config_defaults(struct sb_dev_config *c);

/* "uart:BAUD" or "cdc".  -1 with why. */
int sb_dev_parse_link(const char *s, struct sb_dev_config *c, char *why, size_t len);
/* The faults syntax (see struct sb_dev_faults); "" and "none" are no faults.  -1 with why. */
int sb_dev_parse_faults(const char *s, struct sb_dev_faults *f, char *why, size_t len);
/*
 * Charges the emulator's buffers against the RAM budget.  -1 with why when
 * the budget exceeds the chip or leaves less than SB_DEV_RAM_RESERVE free.
 */
int sb_dev_check_ram(const struct sb_dev_config *c, char *why, size_t len);
/* Bytes the configuration charges against the budget, and what is left. */
size_t sb_dev_ram_used(const struct sb_dev_config *c);

/* The scenario's keys to a configuration; err has exit code 2 when refused. */
int sb_dev_config_from_link(const struct sb_link_params *lp, const char *port, uint64_t seed,
                            struct sb_dev_config *c, struct sb_err *err);

/*
 * Where the emulator tells a harness that bounds what it has in flight
 * (peer.h) about the bytes it lost (overruns + dropped frames): *bytes is
 * kept equal to the count so far, and fd (an eventfd, or -1) is written
 * once each time the count grows, after *bytes is.
 */
struct sb_dev_loss {
    _Atomic uint64_t *bytes; /* may be NULL */
    int fd;                  /* may be -1 */
};

/* The UART rates the model takes, and the one that resets these boards. */
#define SB_DEV_BAUD_MIN 300u
#define SB_DEV_BAUD_MAX 1000000u /* UARTE's fastest */

/*
 * Runs the emulator on c->port (c->pty: on a pty pair of its own, whose
 * host end it prints on stdout, following the host's settings: it never
 * sees a hang-up then, and runs until *stop) until the host hangs up, *stop becomes
 * non-zero, or a disconnect fault fires.  final (may be NULL) gets the
 * counters; loss (may be NULL) the losses as they happen.  Returns 0 when
 * the host hung up or *stop was set, 1 when the disconnect fault fired, -1
 * if the port could not be opened.  Single-threaded: it can run in a
 * forked child.
 */
int sb_device_run(const struct sb_dev_config *c, volatile sig_atomic_t *stop,
                  struct sb_dev_counters *final, const struct sb_dev_loss *loss);

#endif
