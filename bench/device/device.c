/*
 * device.c - the emulator's I/O loop: moves bytes between a port and the
 * model (device_model.h) and wakes on a 1 ms grid of absolute deadlines
 * while anything is in flight; idle, it blocks until the host sends.
 *
 * Why a 1 ms grid: it is the USB frame, and what a host sees of a real
 * nRF52840 behind USB (CDC, or the DK's J-Link virtual COM port) anyway.
 * The model itself works in byte slots or frames; the grid only decides
 * how often the port is read and written.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "device.h"
#include "device_model.h"
#include "pace.h"
#include "tty.h"

#define DEV_TICK_NS 1000000u
/* --pty, at most this long asleep while idle: a change of the host's
 * settings is reported within it, before any byte comes. */
#define DEV_FOLLOW_IDLE_NS 250000000u

struct dev_port {
    int fd;
    int gone;          /* the host end hung up */
    const char *why;
    /* --pty: the pair is the emulator's own. */
    int slave;         /* its own descriptor of the host's end: the pair outlives a host */
    char path[PATH_MAX];
    struct sb_tty_link seen; /* the host's settings as last applied */
};

static size_t port_read(void *ctx, uint8_t *dst, size_t room)
{
    struct dev_port *p = ctx;
    size_t got = 0;
    while (got < room && !p->gone) {
        ssize_t r = read(p->fd, dst + got, room - got);
        if (r > 0) {
            got += (size_t)r;
        } else if (r == 0) {
            p->gone = 1;
            p->why = "the host closed the port";
        } else if (errno == EINTR) {
            continue;
        } else {
            if (errno != EAGAIN) {
                p->gone = 1;
                p->why = errno == EIO ? "the host went away (EIO)" : strerror(errno);
            }
            break;
        }
    }
    return got;
}

static size_t port_write(void *ctx, const uint8_t *src, size_t n)
{
    struct dev_port *p = ctx;
    size_t done = 0;
    while (done < n && !p->gone) {
        ssize_t w = write(p->fd, src + done, n - done);
        if (w > 0) {
            done += (size_t)w;
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else {
            if (w < 0 && errno != EAGAIN) {
                p->gone = 1;
                p->why = errno == EIO ? "the host went away (EIO)" : strerror(errno);
            }
            break;
        }
    }
    return done;
}

/* Writes what the model has sent; 1 if some is left (the host is not reading). */
static int flush_out(struct sb_dev_model *m, struct dev_port *p)
{
    const uint8_t *buf;
    size_t n;
    while ((n = sb_dev_model_out_view(m, &buf)) > 0) {
        size_t w = port_write(p, buf, n);
        sb_dev_model_out_consume(m, w);
        if (w < n)
            return 1;
    }
    return 0;
}

/*
 * --pty: a pseudo-terminal pair of its own.  The emulator reads the master;
 * the host opens the slave, whose path goes to stdout.  The slave starts
 * raw at the configured rate (a host that sets nothing gets a clean 8N1
 * line), and the emulator keeps a descriptor of it open so that a host
 * closing and reopening it is not a hang-up.  -1 with errno.
 */
static int open_pty(const struct sb_dev_config *c, struct dev_port *p)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return -1;
    if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, p->path, sizeof(p->path)) != 0 ||
        fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK) < 0 ||
        /* On a master these set the slave's termios. */
        sb_tty_make_raw(m, c->rtscts) < 0 ||
        sb_tty_set_baud(m, c->link == SB_DEV_UART ? c->baud : 115200u) < 0 ||
        (p->slave = open(p->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
        sb_tty_get_link(m, &p->seen) < 0) {
        int e = errno;
        close(m);
        errno = e;
        return -1;
    }
    return m;
}

static int open_port(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* A tty is put in raw mode; anything else (a FIFO in a test) is used as is. */
    if (isatty(fd) && sb_tty_make_raw(fd, 0) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Reads all the host has sent, as far as there is room: the far end must
 * keep reading for socat to keep carrying the way back. */
static void take_input(struct sb_dev_model *m, struct dev_port *port)
{
    for (int i = 0; i < 2; i++) {
        uint8_t *p;
        size_t room = sb_dev_model_in_span(m, &p);
        size_t got = room ? port_read(port, p, room) : 0;
        sb_dev_model_in_commit(m, got);
        if (got < room)
            break;
    }
}

static struct timespec ns_to_ts(uint64_t ns)
{
    return (struct timespec){(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
}

/* Busy: sleep to the next point of the 1 ms grid, counted from t0 (absolute,
 * so a late wake-up shortens the next sleep instead of adding up), or until
 * the host reads when it is not (pending output). */
static void wait_busy(const struct dev_port *port, uint64_t t0, uint64_t now,
                      uint64_t disconnect_at, int pending)
{
    uint64_t next = t0 + ((now - t0) / DEV_TICK_NS + 1) * DEV_TICK_NS;
    if (next > disconnect_at)
        next = disconnect_at;
    if (pending) {
        struct timespec ts = ns_to_ts(next > now ? next - now : 0);
        struct pollfd pfd = {.fd = port->fd, .events = POLLOUT};
        ppoll(&pfd, 1, &ts, NULL);
    } else {
        struct timespec ts = ns_to_ts(next);
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
}

/*
 * Idle: blocks until the host sends (or hangs up, or it is time for the
 * disconnect fault, or a stop signal comes).  The stop signals stay blocked
 * from the check of *stop until ppoll unblocks them, so one that comes in
 * between is not lost.  1 when the host hung up.
 */
static int wait_idle(const struct dev_port *port, uint64_t now, uint64_t disconnect_at,
                     volatile sig_atomic_t *stop)
{
    struct pollfd pfd = {.fd = port->fd, .events = POLLIN};
    struct timespec ts, *tsp = NULL;
    uint64_t until = disconnect_at;
    if (port->slave >= 0 && until - now > DEV_FOLLOW_IDLE_NS)
        until = now + DEV_FOLLOW_IDLE_NS; /* --pty: look at the host's settings again */
    if (until != UINT64_MAX) {
        ts = ns_to_ts(until > now ? until - now : 0);
        tsp = &ts;
    }
    sigset_t stopsigs, old;
    sigemptyset(&stopsigs);
    sigaddset(&stopsigs, SIGINT);
    sigaddset(&stopsigs, SIGTERM);
    sigprocmask(SIG_BLOCK, &stopsigs, &old);
    int r = stop && *stop ? 0 : ppoll(&pfd, 1, tsp, &old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return r > 0 && (pfd.revents & (POLLHUP | POLLERR)) && !(pfd.revents & POLLIN);
}

static void print_counters(const struct sb_dev_counters *s, const char *why)
{
    fprintf(stderr,
            "serbench device: %s; in %llu B / %llu frames, out %llu B / %llu frames, "
            "overruns %llu B (%llu events, %llu frames), dropped %llu frames (%llu B), "
            "corrupted %llu, delayed %llu, stalls %llu, free RAM %llu B\n",
            why ? why : "stopped", (unsigned long long)s->bytes_in,
            (unsigned long long)s->frames_in, (unsigned long long)s->bytes_out,
            (unsigned long long)s->frames_out, (unsigned long long)s->overrun_bytes,
            (unsigned long long)s->overrun_events, (unsigned long long)s->overrun_frames,
            (unsigned long long)s->drop_frames, (unsigned long long)s->drop_bytes,
            (unsigned long long)s->corrupt_frames, (unsigned long long)s->delay_faults,
            (unsigned long long)s->stall_faults, (unsigned long long)s->ram_free);
}

/*
 * Tells the harness about bytes lost since the last call: the count first,
 * then the eventfd, so a waiter woken by the eventfd sees the count.  The
 * count is a hint for flow control, not data: relaxed; the write(2) and the
 * waiter's poll(2) order it in practice, and the waiter re-reads it.
 */
static void publish_loss(const struct sb_dev_model *m, const struct sb_dev_loss *loss,
                         uint64_t *published)
{
    uint64_t now = m->st.overrun_bytes + m->st.drop_bytes;
    if (!loss || now == *published)
        return;
    *published = now;
    if (loss->bytes)
        atomic_store_explicit(loss->bytes, now, memory_order_relaxed);
    if (loss->fd >= 0) {
        uint64_t one = 1;
        ssize_t rc = write(loss->fd, &one, sizeof(one)); /* EAGAIN: already signalled */
        (void)rc;
    }
}

/*
 * --pty: applies the host's settings, read from the master (they are the
 * slave's on Linux), to the modelled link when they change, and says what
 * a pty cannot carry when the host asks for it.
 */
static void follow_host(struct sb_dev_model *m, struct dev_port *p)
{
    struct sb_tty_link now;
    if (sb_tty_get_link(p->fd, &now) < 0)
        return;
    struct sb_tty_link was = p->seen;
    p->seen = now;
    if (now.baud != was.baud || now.rtscts != was.rtscts) {
        if (m->cfg.link == SB_DEV_CDC) {
            fprintf(stderr, "serbench device: the host set %u baud%s: a USB CDC link runs at "
                    "full speed whatever the host's rate (as the board does); no change\n",
                    now.baud, now.rtscts ? " and RTS/CTS" : "");
        } else if (now.baud == 0) {
            fprintf(stderr, "serbench device: the host set 0 baud (B0, hang up): a pty has no "
                    "DTR to drop; the link stays at %u baud\n", m->cfg.baud);
        } else {
            uint32_t b = now.baud < SB_DEV_BAUD_MIN   ? SB_DEV_BAUD_MIN
                         : now.baud > SB_DEV_BAUD_MAX ? SB_DEV_BAUD_MAX
                                                      : now.baud;
            sb_dev_model_set_uart(m, b, now.rtscts);
            fprintf(stderr, "serbench device: the host set %u baud, flow %s: the modelled UART "
                    "now runs at %u baud (%u B/s each way), flow %s%s\n", now.baud,
                    now.rtscts ? "rtscts" : "none", m->cfg.baud, m->cfg.baud / 10,
                    m->cfg.rtscts ? "rtscts" : "none",
                    b != now.baud ? " (UARTE takes 300 to 1000000 baud)"
                    : b == 1200   ? " (a real board on USB would reset into its bootloader at "
                                    "1200 baud)"
                                  : "");
        }
        if (now.rtscts && !was.rtscts)
            fprintf(stderr, "serbench device: the host asked for RTS/CTS flow control: the "
                    "modelled link applies it (the device holds bytes back instead of losing "
                    "them), but a pty carries no modem lines, so the host's driver never sees "
                    "CTS drop and never pauses on it\n");
    }
    if (now.modem && !was.modem)
        fprintf(stderr, "serbench device: the host turned modem control on (CLOCAL off): a pty "
                "has no carrier detect, DTR, DSR or RI; opening never waits for carrier and a "
                "hang-up comes only from closing\n");
}

/* The emulator's loop; why it ended in *why.  1 when the disconnect fault fired. */
static int serve(struct sb_dev_model *m, struct dev_port *port, const struct sb_dev_config *c,
                 uint64_t t0, volatile sig_atomic_t *stop, const struct sb_dev_loss *loss,
                 const char **why)
{
    const struct sb_dev_io io = {port_read, port_write, port};
    uint64_t disconnect_at = c->faults.disconnect ? t0 + c->faults.disconnect_at_ns : UINT64_MAX;
    uint64_t lost = 0;
    while (!(stop && *stop)) {
        uint64_t now = sb_now_ns();
        if (now >= disconnect_at) {
            *why = "disconnect fault";
            return 1;
        }
        sb_dev_model_advance(m, now, &io);
        if (port->slave >= 0)
            follow_host(m, port); /* before the new bytes: they travel at the host's rate */
        take_input(m, port);
        publish_loss(m, loss, &lost);
        int pending = flush_out(m, port);
        if (port->gone) {
            *why = port->why;
            return 0;
        }
        if (sb_dev_model_busy(m))
            wait_busy(port, t0, now, disconnect_at, pending);
        else if (wait_idle(port, now, disconnect_at, stop)) {
            *why = "the host hung up";
            return 0;
        }
    }
    return 0;
}

int sb_device_run(const struct sb_dev_config *c, volatile sig_atomic_t *stop,
                  struct sb_dev_counters *final, const struct sb_dev_loss *loss)
{
    struct dev_port port = {.fd = -1, .slave = -1};
    port.fd = c->pty ? open_pty(c, &port) : open_port(c->port);
    if (port.fd < 0) {
        fprintf(stderr, "serbench device: %s %s: %s\n", c->pty ? "making a pty pair" : "opening",
                c->pty ? "(posix_openpt)" : c->port, strerror(errno));
        return -1;
    }
    if (c->pty) {
        /* The one line on stdout: the path the host opens. */
        printf("%s\n", port.path);
        fflush(stdout);
    }
    struct sb_dev_model m;
    uint64_t t0 = sb_now_ns();
    if (sb_dev_model_init(&m, c, t0) < 0) {
        fprintf(stderr, "serbench device: out of memory\n");
        close(port.fd);
        return -1;
    }
    const char *why = NULL;
    int disconnected = serve(&m, &port, c, t0, stop, loss, &why);
    if (final)
        *final = m.st;
    if (c->verbose)
        print_counters(&m.st, why);
    sb_dev_model_free(&m);
    close(port.fd);
    if (port.slave >= 0)
        close(port.slave);
    return disconnected;
}
