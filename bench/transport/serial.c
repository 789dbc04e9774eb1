/*
 * serial.c - transport = serial: a real port through libserialport.
 *
 * `port` is a device path, `auto` (the first USB port whose vendor is
 * Adafruit 0x239A or SEGGER 0x1366: a Feather nRF52840 under CircuitPython,
 * or the J-Link virtual COM port of an nRF52840 DK), or `VID:PID` in hex.
 *
 * Refused, with the reason:
 *  - 1200 baud: opening and closing a CircuitPython or Adafruit-bootloader
 *    board at 1200 baud resets it into the bootloader;
 *  - a PTY: libserialport cannot open one (it looks for /sys/class/tty/<name>
 *    and TIOCMGET fails with ENOTTY), and a PTY belongs to transport = pty.
 * A port that is absent is SBUF_ENOENT with exit code 3; with reconnect it
 * is waited for that long first (a board that is resetting).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <libserialport.h>

#include "peer.h"
#include "serial_port.h"
#include "transport.h"
#include "units.h"

#define SERIAL_DEFAULT_BAUD 115200u

struct serial_transport {
    struct sb_transport base;
    struct sp_port *port;
};

static const struct {
    int vid;
    const char *who;
} known_vendors[] = {
    {0x239A, "Adafruit"},
    {0x1366, "SEGGER"},
};

int sb_serial_is_pty(const char *path)
{
    if (!path)
        return 0;
    if (strncmp(path, "/dev/pts/", 9) == 0 || strcmp(path, "/dev/ptmx") == 0 ||
        strcmp(path, "/dev/pts/ptmx") == 0)
        return 1;
    /* A symlink (socat's link=) or any other name: judge the device itself.
     * Unix98 PTY slaves are majors 136-143; /dev/ptmx is 5:2. */
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode))
        return 0;
    unsigned maj = major(st.st_rdev), min = minor(st.st_rdev);
    return (maj >= 136 && maj <= 143) || (maj == 5 && min == 2);
}

/* "239a:8029" -> vid, pid; 0 when s has that shape. */
int sb_serial_parse_vidpid(const char *s, int *vid, int *pid)
{
    if (!s || strlen(s) != 9 || s[4] != ':')
        return -1;
    for (int i = 0; i < 9; i++)
        if (i != 4 && !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                        (s[i] >= 'A' && s[i] <= 'F')))
            return -1;
    *vid = (int)strtol(s, NULL, 16);
    *pid = (int)strtol(s + 5, NULL, 16);
    return 0;
}

/*
 * The USB interface number of a tty ("02"), from sysfs; -1 if unknown.
 * CircuitPython's console is the CDC function on interface 0, its data
 * port (usb_cdc.data) the one on interface 2.
 */
static int usb_interface(const char *dev)
{
    const char *base = strrchr(dev, '/');
    char path[PATH_MAX], buf[8] = "";
    snprintf(path, sizeof(path), "/sys/class/tty/%s/device/bInterfaceNumber", base ? base + 1 : dev);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = fgets(buf, sizeof(buf), f) ? (int)strtol(buf, NULL, 16) : -1;
    fclose(f);
    return n;
}

/*
 * Finds the port `spec` names (auto or VID:PID) among the ports present;
 * of a board's several ports, the one on USB interface 2 (CircuitPython's
 * data port, not its console) when there is one.  Returns 0 with the
 * device path, SBUF_ENOENT when none matches.
 */
static int find_usb_port(const char *spec, char *name, size_t size)
{
    int want_vid = -1, want_pid = -1;
    int is_auto = strcmp(spec, "auto") == 0;
    if (!is_auto && sb_serial_parse_vidpid(spec, &want_vid, &want_pid) < 0)
        return SBUF_EINVAL;
    struct sp_port **list = NULL;
    if (sp_list_ports(&list) != SP_OK)
        return SBUF_ENOENT;
    int rc = SBUF_ENOENT, best = -1;
    for (size_t i = 0; list[i] && best != 2; i++) {
        int vid, pid;
        if (sp_get_port_transport(list[i]) != SP_TRANSPORT_USB ||
            sp_get_port_usb_vid_pid(list[i], &vid, &pid) != SP_OK)
            continue;
        int match = 0;
        if (is_auto) {
            for (size_t k = 0; k < sizeof(known_vendors) / sizeof(known_vendors[0]); k++)
                match |= vid == known_vendors[k].vid;
        } else {
            match = vid == want_vid && pid == want_pid;
        }
        int intf = match ? usb_interface(sp_get_port_name(list[i])) : -1;
        if (match && (rc != SBUF_OK || intf == 2)) {
            snprintf(name, size, "%s", sp_get_port_name(list[i]));
            rc = SBUF_OK;
            best = intf;
        }
    }
    sp_free_port_list(list);
    return rc;
}

/* One attempt.  SBUF_ENOENT: absent (worth waiting for); other < 0: final. */
static int serial_try_open(struct serial_transport *s, const struct sb_link_params *lp,
                           struct sb_err *err, struct sb_err *missing)
{
    const char *spec = lp->port[0] ? lp->port : "auto";
    char name[PATH_MAX];
    if (strcmp(spec, "auto") == 0 || sb_serial_parse_vidpid(spec, &(int){0}, &(int){0}) == 0) {
        int rc = find_usb_port(spec, name, sizeof(name));
        if (rc < 0) {
            if (strcmp(spec, "auto") == 0)
                sb_errf(missing, SB_EXIT_MISSING,
                        "port = auto: no USB serial port from Adafruit (239a) or SEGGER (1366) "
                        "is present (serbench ports lists what is)");
            else
                sb_errf(missing, SB_EXIT_MISSING,
                        "port = %s: no USB serial port with that VID:PID is present "
                        "(serbench ports lists what is)", spec);
            return SBUF_ENOENT;
        }
    } else {
        snprintf(name, sizeof(name), "%s", spec);
    }
    if (sb_serial_is_pty(name)) {
        sb_errf(err, SB_EXIT_USAGE,
                "port %s is a pseudo-terminal: libserialport cannot open PTYs (it needs "
                "/sys/class/tty/<name>, and TIOCMGET fails with ENOTTY); use transport = pty, "
                "which starts socat and opens the PTY with termios", name);
        return SBUF_EINVAL;
    }
    struct stat st;
    if (stat(name, &st) < 0) {
        sb_errf(missing, SB_EXIT_MISSING, "port %s does not exist (serbench ports lists the "
                "ports present)", name);
        return SBUF_ENOENT;
    }
    snprintf(s->base.name, sizeof(s->base.name), "%s", name);
    if (sp_get_port_by_name(name, &s->port) != SP_OK) {
        sb_errf(err, SB_EXIT_MISSING, "port %s: libserialport does not see a serial port "
                "there: %s", name, sp_last_error_message());
        return SBUF_EIO;
    }
    if (sp_open(s->port, SP_MODE_READ_WRITE) != SP_OK) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO) {
            sb_errf(missing, SB_EXIT_MISSING, "port %s went away while opening", name);
            sp_free_port(s->port);
            s->port = NULL;
            return SBUF_ENOENT;
        }
        sb_errf(err, SB_EXIT_MISSING, "opening %s: %s%s", name, strerror(e),
                e == EACCES ? " (add yourself to the dialout group)" : "");
        sp_free_port(s->port);
        s->port = NULL;
        return SBUF_EIO;
    }
    /*
     * The baud rate goes first: the port may still be at a rate another
     * program left, and a DTR drop at 1200 baud is the bootloader trigger.
     * DTR last: CircuitPython's data port sends nothing until DTR is set.
     */
    unsigned baud = lp->baud ? lp->baud : SERIAL_DEFAULT_BAUD;
    enum sp_flowcontrol fc = lp->flow_rtscts ? SP_FLOWCONTROL_RTSCTS : SP_FLOWCONTROL_NONE;
    if (sp_set_baudrate(s->port, (int)baud) != SP_OK || sp_set_bits(s->port, 8) != SP_OK ||
        sp_set_parity(s->port, SP_PARITY_NONE) != SP_OK || sp_set_stopbits(s->port, 1) != SP_OK ||
        sp_set_flowcontrol(s->port, fc) != SP_OK || sp_set_dtr(s->port, SP_DTR_ON) != SP_OK ||
        sp_get_port_handle(s->port, &s->base.fd) != SP_OK) {
        sb_errf(err, SB_EXIT_MISSING, "configuring %s (%u baud, flow %s): %s", name, baud,
                lp->flow_rtscts ? "rtscts" : "none", sp_last_error_message());
        return SBUF_EIO;
    }
    /* poll(2) decides when to read and write; the calls themselves never block. */
    int fl = fcntl(s->base.fd, F_GETFL);
    if (fl < 0 || fcntl(s->base.fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
        fcntl(s->base.fd, F_SETFD, FD_CLOEXEC) < 0) {
        sb_errf(err, SB_EXIT_MISSING, "configuring %s: %s", name, strerror(errno));
        return SBUF_EIO;
    }
    /* Bytes a previous session left in the driver are not ours to verify. */
    sp_flush(s->port, SP_BUF_BOTH);
    return SBUF_OK;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void serial_close(struct sb_transport *t)
{
    struct serial_transport *s = (struct serial_transport *)t;
    if (s->port) {
        sp_close(s->port); /* closes base.fd too */
        sp_free_port(s->port);
    }
    free(s);
}

/*
 * Waits for something under /dev to change (a port appearing, udev fixing
 * its permissions), at most until deadline.  The 250 ms cap is a bounded
 * retry for changes inotify does not report (a sysfs-only change).
 */
static void wait_dev_change(int ino, uint64_t deadline)
{
    uint64_t now = mono_ns();
    if (now >= deadline)
        return;
    uint64_t left_ms = (deadline - now) / 1000000u + 1;
    struct pollfd p = {.fd = ino, .events = POLLIN};
    if (poll(&p, ino >= 0 ? 1 : 0, (int)(left_ms < 250 ? left_ms : 250)) > 0) {
        char ev[4096];
        while (read(ino, ev, sizeof(ev)) > 0)
            ;
    }
}

static int serial_open(const struct sb_link_params *lp, struct sb_transport **out,
                       struct sb_err *err)
{
    if (lp->baud == 1200) {
        sb_errf(err, SB_EXIT_USAGE,
                "baud = 1200 refused: on the nRF52840 boards (CircuitPython, Adafruit "
                "bootloader) opening the port at 1200 baud resets the board into its "
                "bootloader; use 115200 (USB CDC ignores the rate) or the UART's real rate");
        return SBUF_EINVAL;
    }
    const char *spec = lp->port[0] ? lp->port : "auto";
    if (strcmp(spec, "auto") != 0 && sb_serial_parse_vidpid(spec, &(int){0}, &(int){0}) < 0 &&
        spec[0] != '/') {
        sb_errf(err, SB_EXIT_USAGE,
                "port = %s: expected a device path (/dev/ttyACM0), auto, or VID:PID in hex "
                "(239a:8029)", spec);
        return SBUF_EINVAL;
    }
    uint64_t deadline = mono_ns() + lp->reconnect_ns;
    int ino = -1;
    for (;;) {
        struct serial_transport *s = calloc(1, sizeof(*s));
        if (!s) {
            sb_errf(err, SB_EXIT_MISSING, "out of memory");
            return SBUF_ENOMEM;
        }
        s->base.ops = &sb_transport_serial_ops;
        s->base.fd = -1;
        struct sb_err missing = {0};
        int rc = serial_try_open(s, lp, err, &missing);
        if (rc == SBUF_OK) {
            if (ino >= 0)
                close(ino);
            *out = &s->base;
            return SBUF_OK;
        }
        serial_close(&s->base);
        if (rc != SBUF_ENOENT || mono_ns() >= deadline) {
            if (missing.code)
                sb_errf(err, missing.code, "%s%s", missing.msg,
                        lp->reconnect_ns ? " (waited for reconnect)" : "");
            if (ino >= 0)
                close(ino);
            return rc;
        }
        if (ino < 0) {
            ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
            if (ino >= 0 && inotify_add_watch(ino, "/dev", IN_CREATE | IN_ATTRIB) < 0) {
                close(ino);
                ino = -1;
            }
        }
        wait_dev_change(ino, deadline);
    }
}

static int serial_check(const struct sb_run_params *p, char *why, size_t len)
{
    const struct sb_link_params *lp = &p->link;
    if (lp->baud == 1200) {
        snprintf(why, len, "baud = 1200 resets nRF52840 boards into the bootloader");
        return -1;
    }
    if (sb_serial_is_pty(lp->port)) {
        snprintf(why, len, "port %s is a pseudo-terminal: libserialport cannot open PTYs; "
                 "use transport = pty, which starts socat itself", lp->port);
        return -1;
    }
    return 0;
}

/* ---- its scenario keys ----------------------------------------------------- */

static int key_port(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    return sb_opt_set_str(lp->port, sizeof(lp->port), v, why, len);
}

static int key_baud(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    return sb_opt_parse_baud(v, &lp->baud, why, len);
}

static int key_reconnect(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    (void)why, (void)len;
    return sb_parse_duration(v, &lp->reconnect_ns);
}

static int key_hardware(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    static const char *const names[] = {"required", "optional"};
    size_t i;
    if (sb_opt_choose(v, names, 2, &i, why, len) < 0)
        return -1;
    lp->hardware_optional = i == 1;
    return 0;
}

static const struct sb_opt opt_port = {
    "port", "serial", "a device path, auto, or VID:PID", "auto",
    "serial: which port.  auto picks the first Adafruit (0x239A) or SEGGER (0x1366) USB port.",
    key_port};
static const struct sb_opt opt_baud = {"baud", "serial",
                                       "a baud rate (never 1200: it resets nRF52840 boards)",
                                       "115200", "serial: the port's baud rate.", key_baud};
static const struct sb_opt opt_reconnect = {
    "reconnect", "serial", "a duration, or 0", "0",
    "serial: keep retrying to open the port for this long (a board that resets).",
    key_reconnect};
static const struct sb_opt opt_hardware = {
    "hardware", "serial", "required or optional", "required",
    "optional: a missing port makes the run skipped instead of failed.", key_hardware};

static const struct sb_opt *const serial_keys[] = {
    &sb_opt_peer,      &opt_port,           &opt_baud,      &sb_opt_flow,
    &sb_opt_write_size, &sb_opt_on_disconnect, &opt_reconnect, &opt_hardware, NULL,
};

const struct sb_transport_ops sb_transport_serial_ops = {
    .name = "serial",
    .summary = "a real serial port through libserialport (e.g. an nRF52840 board in loopback)",
    .flags = SB_TRANSPORT_HARDWARE,
    .keys = serial_keys,
    .check = serial_check,
    .open = serial_open,
    .close = serial_close,
};
