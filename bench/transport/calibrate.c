/*
 * calibrate.c - ceilings of the pty path (calibrate.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calibrate.h"
#include "frame.h"
#include "msgsize.h"
#include "pace.h"
#include "peer.h"
#include "transport.h"
#include "tty.h"
#include "units.h"
#include "wakeup.h"

#define RTT_MAX_SAMPLES 20000u

/*
 * Waits until fd has events: 0, or -1 when it hung up, stop was set, or
 * limit_ms passed without them (limit_ms < 0: no limit).
 */
static int wait_fd(int fd, short events, const atomic_int *stop, int limit_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (int waited = 0; limit_ms < 0 || waited < limit_ms; waited += 100) {
        if (stop && atomic_load_explicit(stop, memory_order_relaxed))
            return -1;
        int r = poll(&p, 1, 100); /* slices: only to notice stop */
        if (r > 0)
            return (p.revents & events) ? 0 : -1;
        if (r < 0 && errno != EINTR)
            return -1;
    }
    return -1;
}

struct writer {
    int fd;
    size_t write_size;
    size_t window;          /* 0: no limit */
    atomic_int stop;
    _Atomic uint64_t sent, got;
    struct sb_wakeup room;  /* the writer waits here for the window */
    uint8_t *buf;
};

static int window_open(void *arg)
{
    struct writer *w = arg;
    return atomic_load(&w->sent) - atomic_load(&w->got) < w->window || atomic_load(&w->stop);
}

/*
 * Writes write_size bytes a call, as fast as the fd takes them, until stop;
 * through an echo, at most window bytes ahead of what came back (the same
 * rule as the harness's, for the same reason: peer.h).
 */
static void *writer_main(void *arg)
{
    struct writer *w = arg;
    while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
        if (w->window && !window_open(w)) {
            sb_wakeup_await(&w->room, window_open, w, 100000000u);
            continue;
        }
        ssize_t n = write(w->fd, w->buf, w->write_size);
        if (n > 0) {
            atomic_fetch_add(&w->sent, (uint64_t)n);
        } else if (n < 0 && errno == EAGAIN) {
            if (wait_fd(w->fd, POLLOUT, &w->stop, -1) < 0)
                break;
        } else if (n < 0 && errno != EINTR) {
            break;
        }
    }
    return NULL;
}

/*
 * Reads rfd for phase_ns after a warmup; bytes per second, or 0 if the data
 * stopped.  A writer thread feeds wfd (the same fd through an echo, with a
 * window, or the other end of the pair).
 */
static double stream_rate(int wfd, int rfd, size_t write_size, size_t window, uint64_t phase_ns)
{
    struct writer w = {.fd = wfd, .write_size = write_size, .window = window};
    atomic_init(&w.stop, 0);
    atomic_init(&w.sent, 0);
    atomic_init(&w.got, 0);
    if (sb_wakeup_init(&w.room) != SBUF_OK)
        return 0;
    w.buf = calloc(1, write_size);
    uint8_t *rbuf = malloc(1 << 16);
    pthread_t t;
    if (!w.buf || !rbuf || pthread_create(&t, NULL, writer_main, &w) != 0) {
        free(w.buf);
        free(rbuf);
        sb_wakeup_destroy(&w.room);
        return 0;
    }
    uint64_t warm_end = sb_now_ns() + phase_ns / 5, start = 0, end = 0, bytes = 0;
    for (;;) {
        ssize_t n = read(rfd, rbuf, 1 << 16);
        uint64_t now = sb_now_ns();
        if (n > 0) {
            atomic_fetch_add(&w.got, (uint64_t)n);
            sb_wakeup_notify(&w.room);
            if (now < warm_end)
                continue;
            if (!start) {
                start = now;
                end = now + phase_ns;
                continue;
            }
            bytes += (uint64_t)n;
            if (now >= end) {
                end = now;
                break;
            }
        } else if (n < 0 && errno == EAGAIN) {
            /* A second without data: the pair is stuck or gone. */
            struct pollfd p = {.fd = rfd, .events = POLLIN};
            if (poll(&p, 1, 1000) <= 0 || !(p.revents & POLLIN)) {
                start = 0;
                break;
            }
        } else if (!(n < 0 && errno == EINTR)) {
            start = 0;
            break;
        }
    }
    atomic_store(&w.stop, 1);
    sb_wakeup_kick(&w.room);
    pthread_join(t, NULL);
    free(w.buf);
    sb_wakeup_destroy(&w.room);
    /* Drain what is still in flight so the next phase starts empty. */
    struct pollfd p = {.fd = rfd, .events = POLLIN};
    while (poll(&p, 1, 50) > 0 && (p.revents & POLLIN) && read(rfd, rbuf, 1 << 16) > 0)
        ;
    free(rbuf);
    return start && end > start ? (double)bytes * 1e9 / (double)(end - start) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One message there and back at a time, for phase_ns; p50 and p99 in out. */
static int measure_rtt(int fd, size_t msg_size, uint64_t phase_ns, struct sb_ceiling *out)
{
    uint64_t *s = malloc(RTT_MAX_SAMPLES * sizeof(*s));
    uint8_t *msg = calloc(1, msg_size), *back = malloc(msg_size);
    if (!s || !msg || !back) {
        free(s);
        free(msg);
        free(back);
        return -1;
    }
    uint64_t end = sb_now_ns() + phase_ns;
    size_t n = 0;
    int rc = 0;
    while (n < RTT_MAX_SAMPLES && sb_now_ns() < end && rc == 0) {
        uint64_t t = sb_now_ns();
        for (size_t done = 0; done < msg_size && rc == 0;) {
            ssize_t w = write(fd, msg + done, msg_size - done);
            if (w > 0)
                done += (size_t)w;
            else if (w < 0 && errno == EAGAIN)
                rc = wait_fd(fd, POLLOUT, NULL, 1000);
            else if (!(w < 0 && errno == EINTR))
                rc = -1;
        }
        for (size_t got = 0; got < msg_size && rc == 0;) {
            ssize_t r = read(fd, back + got, msg_size - got);
            if (r > 0)
                got += (size_t)r;
            else if (r < 0 && errno == EAGAIN)
                rc = wait_fd(fd, POLLIN, NULL, 1000);
            else if (!(r < 0 && errno == EINTR))
                rc = -1;
        }
        if (rc == 0)
            s[n++] = sb_now_ns() - t;
    }
    if (n) {
        /* The first samples warm the path up: drop a tenth. */
        size_t skip = n / 10;
        qsort(s + skip, n - skip, sizeof(*s), cmp_u64);
        out->rtt_p50_ns = s[skip + (n - skip) / 2];
        out->rtt_p99_ns = s[skip + (size_t)((double)(n - skip - 1) * 0.99)];
        out->rtt_samples = n - skip;
    }
    free(s);
    free(msg);
    free(back);
    return n ? 0 : -1;
}

int sb_calibrate_pty(size_t write_size, size_t msg_size, uint64_t phase_ns,
                     struct sb_ceiling *out, struct sb_err *err)
{
    memset(out, 0, sizeof(*out));
    out->write_size = write_size = write_size ? write_size : 4096;
    out->msg_size = msg_size = msg_size ? msg_size : 64;
    struct sb_link_params lp;
    memset(&lp, 0, sizeof(lp));
    struct sb_transport *t;
    if (sb_transport_open("pty", &lp, &t, err) != SBUF_OK)
        return -1;
    int rc = -1;
    struct sb_peer echo = {0};
    /* The far end opened here too, so that the echo peer's end keeps the
     * pair alive while this one closes (socat exits when a side hangs up). */
    int far = open(t->peer_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (far < 0 || sb_tty_make_raw(far, 0) < 0) {
        sb_errf(err, SB_EXIT_MISSING, "calibrate: opening %s: %s", t->peer_path, strerror(errno));
        goto out;
    }
    out->oneway_bytes_per_s = stream_rate(t->fd, far, write_size, 0, phase_ns);
    if (sb_peer_start(&lp, t->peer_path, 0, &echo, err) != SBUF_OK)
        goto out;
    /* The echo must have the far end open before ours closes: one round
     * trip proves it (it answers only once it has opened the pty). */
    uint8_t one = 0x55;
    struct pollfd p = {.fd = t->fd, .events = POLLIN};
    if (write(t->fd, &one, 1) != 1 || poll(&p, 1, 5000) != 1 || read(t->fd, &one, 1) != 1) {
        sb_errf(err, SB_EXIT_MISSING, "calibrate: the echo peer did not answer");
        goto out;
    }
    close(far);
    far = -1;
    if (measure_rtt(t->fd, msg_size, phase_ns / 2, out) < 0) {
        sb_errf(err, SB_EXIT_MISSING, "calibrate: the echo round trip failed");
        goto out;
    }
    out->echo_bytes_per_s = stream_rate(t->fd, t->fd, write_size, echo.window, phase_ns);
    rc = out->oneway_bytes_per_s > 0 && out->echo_bytes_per_s > 0 ? 0 : -1;
    if (rc < 0)
        sb_errf(err, SB_EXIT_MISSING, "calibrate: no data moved through the pty pair");
out:
    if (far >= 0)
        close(far);
    sb_transport_close(t);
    sb_peer_stop(&echo);
    return rc;
}

void sb_calibrate_ceilings(struct sb_run_params *p)
{
    /* The ceilings are the echo path's: an emulated link has its own rate. */
    const char *peer = p->link.peer[0] ? p->link.peer : "echo";
    if (strcmp(peer, "echo") != 0 || getenv("SERBENCH_NO_CALIBRATE"))
        return;
    size_t frame = sb_frame_size(sb_msg_spec_max(&p->message));
    struct sb_err err = {0};
    struct sb_ceiling c;
    p->link.ceiling_bytes_per_s = p->link.ceiling_echo_bytes_per_s = 0;
    p->link.ceiling_rtt_p50_ns = 0;
    if (sb_calibrate_pty(p->link.write_size, frame, SB_CALIBRATE_RUN_PHASE_NS, &c, &err) < 0) {
        sb_warnf("pty ceilings not measured: %s", err.msg);
        return;
    }
    p->link.ceiling_bytes_per_s = c.oneway_bytes_per_s;
    p->link.ceiling_echo_bytes_per_s = c.echo_bytes_per_s;
    p->link.ceiling_rtt_p50_ns = c.rtt_p50_ns;
}
