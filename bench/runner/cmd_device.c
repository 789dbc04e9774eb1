/*
 * cmd_device.c - `serbench device`: the nRF52840 emulator on a port, by
 * hand, so host software other than serbench can be tried against it.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "device.h"
#include "units.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    stop = sig;
}

static int size_opt(const char *name, const char *v, size_t *out)
{
    uint64_t n;
    if (sb_parse_size(v, &n) < 0 || n > SB_DEV_RAM_TOTAL * 4u) {
        sb_warnf("device: --%s %s: expected a size (4KiB, 1024)", name, v);
        return -1;
    }
    *out = (size_t)n;
    return 0;
}

static int duration_opt(const char *name, const char *v, uint64_t *out)
{
    if (sb_parse_duration(v, out) < 0) {
        sb_warnf("device: --%s %s: expected a duration with a unit (20us, 1ms)", name, v);
        return -1;
    }
    return 0;
}

/* The command line into c: 0, or SB_EXIT_USAGE after saying why. */
static int parse_options(int argc, char **argv, struct sb_dev_config *c)
{
    enum { O_LINK = 256, O_FLOW, O_RXBUF, O_RAM, O_BYTE, O_PACKET, O_FAULTS, O_SEED, O_PTY };
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"pty", no_argument, NULL, O_PTY},
        {"link", required_argument, NULL, O_LINK},
        {"flow", required_argument, NULL, O_FLOW},
        {"device-rx-buffer", required_argument, NULL, O_RXBUF},
        {"device-ram", required_argument, NULL, O_RAM},
        {"device-byte-cost", required_argument, NULL, O_BYTE},
        {"device-packet-cost", required_argument, NULL, O_PACKET},
        {"faults", required_argument, NULL, O_FAULTS},
        {"seed", required_argument, NULL, O_SEED},
        {"verbose", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    char why[512];
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "p:v", opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            snprintf(c->port, sizeof(c->port), "%s", optarg);
            break;
        case 'v':
            c->verbose = 1;
            break;
        case O_PTY:
            c->pty = 1;
            break;
        case O_LINK:
            if (sb_dev_parse_link(optarg, c, why, sizeof(why)) < 0) {
                sb_warnf("device: %s", why);
                return SB_EXIT_USAGE;
            }
            break;
        case O_FLOW:
            if (strcmp(optarg, "none") != 0 && strcmp(optarg, "rtscts") != 0) {
                sb_warnf("device: --flow %s: expected none or rtscts", optarg);
                return SB_EXIT_USAGE;
            }
            c->rtscts = strcmp(optarg, "rtscts") == 0;
            break;
        case O_RXBUF:
            if (size_opt("device-rx-buffer", optarg, &c->rx_buffer) < 0)
                return SB_EXIT_USAGE;
            break;
        case O_RAM:
            if (size_opt("device-ram", optarg, &c->ram) < 0)
                return SB_EXIT_USAGE;
            break;
        case O_BYTE:
            if (duration_opt("device-byte-cost", optarg, &c->byte_cost_ns) < 0)
                return SB_EXIT_USAGE;
            break;
        case O_PACKET:
            if (duration_opt("device-packet-cost", optarg, &c->packet_cost_ns) < 0)
                return SB_EXIT_USAGE;
            break;
        case O_FAULTS:
            if (sb_dev_parse_faults(optarg, &c->faults, why, sizeof(why)) < 0) {
                sb_warnf("device: %s", why);
                return SB_EXIT_USAGE;
            }
            break;
        case O_SEED:
            if (sb_parse_u64(optarg, &c->seed) < 0) {
                sb_warnf("device: --seed %s: expected a number", optarg);
                return SB_EXIT_USAGE;
            }
            break;
        default:
            sb_warnf("device: see serbench help device");
            return SB_EXIT_USAGE;
        }
    }
    if (!c->port[0] == !c->pty || optind != argc) {
        sb_warnf("device: %susage: %s", c->pty ? "--port and --pty are either-or; " : "",
                 sb_cmd_device.usage);
        return SB_EXIT_USAGE;
    }
    if (sb_dev_check_ram(c, why, sizeof(why)) < 0) {
        sb_warnf("device: %s", why);
        return SB_EXIT_USAGE;
    }
    return 0;
}

static int device_main(int argc, char **argv)
{
    struct sb_dev_config c;
    sb_dev_config_defaults(&c);
    c.verbose = 0;
    int rc = parse_options(argc, argv, &c);
    if (rc)
        return rc;
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    const char *on = c.pty ? "a pty pair of its own (the host's end on stdout)" : c.port;
    if (c.link == SB_DEV_UART)
        fprintf(stderr, "serbench device: nrf52840-sim on %s, uart:%u, flow %s, rx ring %zu B, "
                "%zu B of %zu B RAM free\n", on, c.baud, c.rtscts ? "rtscts" : "none",
                c.rx_buffer, c.ram - sb_dev_ram_used(&c), c.ram);
    else
        fprintf(stderr, "serbench device: nrf52840-sim on %s, cdc, %zu B of %zu B RAM free\n",
                on, c.ram - sb_dev_ram_used(&c), c.ram);
    if (c.pty)
        fprintf(stderr, "serbench device: following the host's termios (baud rate, RTS/CTS); a "
                "pty carries no modem lines (RTS, CTS, DTR, DSR, DCD, RI)\n");
    c.verbose = 1; /* by hand, the counters at the end are the point */
    return sb_device_run(&c, &stop, NULL, NULL) < 0 ? SB_EXIT_MISSING : SB_EXIT_OK;
}

const struct sb_command sb_cmd_device = {
    .name = "device",
    .usage = "serbench device --port PATH|--pty [--link uart:BAUD|cdc] [--flow none|rtscts] "
             "[--device-rx-buffer N] [--device-ram N] [--device-byte-cost D] "
             "[--device-packet-cost D] [--faults SPEC] [--seed N]",
    .summary = "run the nRF52840 device emulator (an echo device) on a port",
    .help =
        "Runs peer nrf52840-sim by hand on PATH (a serial port, or one end of a socat\n"
        "pair: socat -d -d pty,raw,echo=0,link=/tmp/a pty,raw,echo=0,link=/tmp/b, then\n"
        "serbench device --port /tmp/b and your program on /tmp/a).  It echoes at the\n"
        "modelled rate; the options are the scenario keys of the same names:\n"
        "  --pty                  make a pseudo-terminal pair itself (no socat) and print\n"
        "                         the path your program opens on stdout; the UART then\n"
        "                         follows the rate and RTS/CTS your program sets through\n"
        "                         termios (300 to 1000000 baud), until Ctrl-C.  A pty\n"
        "                         carries no modem lines: RTS/CTS is modelled on the link\n"
        "                         but never seen by your driver; DTR, DSR, DCD and RI do\n"
        "                         not exist (TIOCMGET/TIOCMSET fail with ENOTTY on a pty)\n"
        "  --link uart:BAUD|cdc   UART (10 bits a byte, 5-byte FIFO + DMA ring) or USB CDC\n"
        "                         full speed (64-byte packets, 19 a 1 ms frame); uart:115200\n"
        "  --flow none|rtscts     UART: overruns (none) or backpressure (rtscts)\n"
        "  --device-rx-buffer N   UART DMA ring bytes (1024)\n"
        "  --device-ram N         RAM budget (130KiB: CircuitPython after boot; 90KiB with BLE)\n"
        "  --device-byte-cost D   application time per byte (0)\n"
        "  --device-packet-cost D application time per read (0)\n"
        "  --faults SPEC          drop:P corrupt:P delay:MS@P stall:MS@PERIOD disconnect:at=T\n"
        "  --seed N               seed of the faults (0)\n"
        "Faults act on whole frames of serbench's format; other bytes pass through.  The\n"
        "counters are printed on stderr when the host hangs up or on Ctrl-C.\n",
    .main = device_main,
};
