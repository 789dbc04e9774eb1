/*
 * device_config.c - the emulator's configuration: link, faults, RAM budget.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "units.h"

void sb_dev_config_defaults(struct sb_dev_config *c)
{
    memset(c, 0, sizeof(*c));
    c->link = SB_DEV_UART;
    c->baud = 115200;
    c->rx_buffer = SB_DEV_RX_DEFAULT;
    c->ram = SB_DEV_RAM_DEFAULT;
    c->app_buffer = SB_DEV_APP_BUFFER;
}

int sb_dev_parse_link(const char *s, struct sb_dev_config *c, char *why, size_t len)
{
    if (s && strcmp(s, "cdc") == 0) {
        c->link = SB_DEV_CDC;
        return 0;
    }
    uint64_t baud;
    if (s && strncmp(s, "uart:", 5) == 0 && sb_parse_count(s + 5, &baud) == 0 && baud >= 300 &&
        baud <= 1000000) {
        if (baud == 1200) {
            snprintf(why, len, "uart:1200 refused: 1200 baud resets nRF52840 boards into the "
                               "bootloader");
            return -1;
        }
        c->link = SB_DEV_UART;
        c->baud = (uint32_t)baud;
        return 0;
    }
    snprintf(why, len, "link '%s': expected uart:BAUD (300 to 1000000, the UARTE's maximum) "
                       "or cdc", s ? s : "");
    return -1;
}

/* A probability: 0.01, 1e-3 or 1%. */
static int parse_prob(const char *s, double *p)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    if (*end == '%') {
        v /= 100;
        end++;
    }
    if (*end || !(v >= 0 && v <= 1))
        return -1;
    *p = v;
    return 0;
}

/* A duration with a unit, or a bare number of milliseconds (the syntax says MS). */
static int parse_ms(const char *s, uint64_t *ns)
{
    uint64_t ms;
    if (sb_parse_u64(s, &ms) == 0 && ms <= UINT64_MAX / 1000000u) {
        *ns = ms * 1000000u;
        return 0;
    }
    return sb_parse_duration(s, ns);
}

/* Splits "A@B" in place; NULL when there is no '@'. */
static char *split_at(char *s)
{
    char *at = strchr(s, '@');
    if (at)
        *at++ = '\0';
    return at;
}

int sb_dev_parse_faults(const char *s, struct sb_dev_faults *f, char *why, size_t len)
{
    memset(f, 0, sizeof(*f));
    if (!s || !*s || strcmp(s, "none") == 0)
        return 0;
    char buf[512];
    if (strlen(s) >= sizeof(buf)) {
        snprintf(why, len, "faults: longer than %zu characters", sizeof(buf) - 1);
        return -1;
    }
    snprintf(buf, sizeof(buf), "%s", s);
    char *save = NULL;
    for (char *t = strtok_r(buf, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
        char *arg = strchr(t, ':');
        if (!arg) {
            snprintf(why, len, "fault '%s': expected KIND:PARAMETERS", t);
            return -1;
        }
        *arg++ = '\0';
        int ok = 0;
        if (strcmp(t, "drop") == 0) {
            ok = parse_prob(arg, &f->drop_p) == 0;
            if (!ok)
                snprintf(why, len, "drop:%s: expected a probability (0.01 or 1%%)", arg);
        } else if (strcmp(t, "corrupt") == 0) {
            ok = parse_prob(arg, &f->corrupt_p) == 0;
            if (!ok)
                snprintf(why, len, "corrupt:%s: expected a probability (0.01 or 1%%)", arg);
        } else if (strcmp(t, "delay") == 0) {
            char *p = split_at(arg);
            ok = p && parse_ms(arg, &f->delay_ns) == 0 && parse_prob(p, &f->delay_p) == 0;
            if (!ok)
                snprintf(why, len, "delay:%s%s%s: expected delay:MS@P (delay:5ms@0.01)", arg,
                         p ? "@" : "", p ? p : "");
        } else if (strcmp(t, "stall") == 0) {
            char *p = split_at(arg);
            ok = p && parse_ms(arg, &f->stall_ns) == 0 && parse_ms(p, &f->stall_period_ns) == 0 &&
                 f->stall_period_ns > f->stall_ns;
            if (!ok)
                snprintf(why, len, "stall:%s%s%s: expected stall:MS@PERIOD with PERIOD longer "
                         "than MS (stall:20ms@1s)", arg, p ? "@" : "", p ? p : "");
        } else if (strcmp(t, "disconnect") == 0) {
            ok = strncmp(arg, "at=", 3) == 0 && parse_ms(arg + 3, &f->disconnect_at_ns) == 0;
            f->disconnect = ok;
            if (!ok)
                snprintf(why, len, "disconnect:%s: expected disconnect:at=T (disconnect:at=2s)",
                         arg);
        } else {
            snprintf(why, len, "fault '%s': expected drop, corrupt, delay, stall or disconnect",
                     t);
        }
        if (!ok)
            return -1;
    }
    return 0;
}

size_t sb_dev_ram_used(const struct sb_dev_config *c)
{
    /*
     * What the echo firmware allocates from the heap: its program objects,
     * its read buffer, and on UART the receive ring (busio.UART allocates it;
     * the 5-byte FIFO is in the peripheral).  The CDC FIFOs are TinyUSB's
     * static buffers, already outside the heap CircuitPython reports free.
     */
    size_t used = SB_DEV_PROGRAM_RAM + c->app_buffer;
    if (c->link == SB_DEV_UART)
        used += c->rx_buffer;
    return used;
}

int sb_dev_check_ram(const struct sb_dev_config *c, char *why, size_t len)
{
    if (c->ram > SB_DEV_RAM_TOTAL) {
        snprintf(why, len, "device_ram %zu bytes exceeds the nRF52840's %u KiB of RAM", c->ram,
                 SB_DEV_RAM_TOTAL / 1024);
        return -1;
    }
    size_t used = sb_dev_ram_used(c);
    if (used + SB_DEV_RAM_RESERVE > c->ram) {
        snprintf(why, len,
                 "does not fit the device: device_ram %zu B, the emulator's buffers take %zu B "
                 "(program %u + read buffer %zu%s%zu), which leaves %lld B free; at least %u B "
                 "must stay free (CircuitPython has about 130 KiB free after boot, 90 KiB with "
                 "BLE)", c->ram, used, SB_DEV_PROGRAM_RAM, c->app_buffer,
                 c->link == SB_DEV_UART ? " + rx ring " : "",
                 c->link == SB_DEV_UART ? c->rx_buffer : (size_t)0,
                 (long long)c->ram - (long long)used, SB_DEV_RAM_RESERVE);
        return -1;
    }
    return 0;
}

int sb_dev_config_from_link(const struct sb_link_params *lp, const char *port, uint64_t seed,
                            struct sb_dev_config *c, struct sb_err *err)
{
    char why[512];
    sb_dev_config_defaults(c);
    snprintf(c->port, sizeof(c->port), "%s", port ? port : "");
    c->seed = seed;
    if (lp->link[0] && sb_dev_parse_link(lp->link, c, why, sizeof(why)) < 0)
        return sb_errf(err, SB_EXIT_USAGE, "nrf52840-sim: %s", why);
    c->rtscts = lp->flow_rtscts;
    if (lp->device_rx_buffer)
        c->rx_buffer = lp->device_rx_buffer;
    if (lp->device_ram)
        c->ram = lp->device_ram;
    c->byte_cost_ns = lp->device_byte_ns;
    c->packet_cost_ns = lp->device_packet_ns;
    if (sb_dev_parse_faults(lp->faults, &c->faults, why, sizeof(why)) < 0)
        return sb_errf(err, SB_EXIT_USAGE, "nrf52840-sim: %s", why);
    if (sb_dev_check_ram(c, why, sizeof(why)) < 0)
        return sb_errf(err, SB_EXIT_USAGE, "nrf52840-sim: %s", why);
    return 0;
}
