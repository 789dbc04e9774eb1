/*
 * pty.c - transport = pty: a socat virtual serial pair.
 *
 *   socat -d -d pty,raw,echo=0,link=DIR/dut pty,raw,echo=0,link=DIR/peer
 *
 * runs as a child in a private directory made by mkdtemp; serbench opens
 * DIR/dut through termios and a peer (peer.h) opens DIR/peer.  libserialport
 * cannot open PTYs (it looks for /sys/class/tty/<name>, and TIOCMGET fails
 * with ENOTTY), so this transport uses termios directly.
 *
 * socat exits when either side hangs up, which closes the other: a peer that
 * goes away shows up at serbench's end as POLLHUP/EIO, the disconnect signal
 * the I/O path reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calibrate.h"
#include "peer.h"
#include "proc.h"
#include "transport.h"
#include "tty.h"

#define PTY_START_TIMEOUT_MS 5000

struct pty_transport {
    struct sb_transport base;
    char dir[PATH_MAX];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int path_in(char *buf, size_t size, const char *dir, const char *leaf)
{
    int n = snprintf(buf, size, "%s/%s", dir, leaf);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

/* The last non-empty line of socat's log, for an error message. */
static void log_tail(const char *dir, char *out, size_t size)
{
    char path[PATH_MAX], buf[2048];
    out[0] = '\0';
    if (path_in(path, sizeof(path), dir, "socat.log") < 0)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, from);
    close(fd);
    if (n <= 0)
        return;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = '\0';
    const char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    size_t k = strlen(line) < size - 1 ? strlen(line) : size - 1;
    memcpy(out, line, k);
    out[k] = '\0';
}

static void pty_cleanup_dir(const char *dir)
{
    static const char *const leaves[] = {"dut", "peer", "socat.log"};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
        if (path_in(path, sizeof(path), dir, leaves[i]) == 0)
            unlink(path);
    rmdir(dir);
}

static void pty_close(struct sb_transport *t)
{
    struct pty_transport *p = (struct pty_transport *)t;
    if (t->fd >= 0)
        close(t->fd);
    sb_proc_stop(t->helper, 500);
    if (p->dir[0])
        pty_cleanup_dir(p->dir);
    free(p);
}

static int links_exist(const struct pty_transport *p)
{
    struct stat st;
    return lstat(p->base.name, &st) == 0 && lstat(p->base.peer_path, &st) == 0;
}

/*
 * Waits until socat has made both links, socat dies, or the timeout passes.
 * inotify tells us when an entry appears in the directory and a pidfd when
 * socat exits, so the wait is one blocking poll(2) per event.
 */
static int wait_for_links(struct pty_transport *p, int ino, struct sb_err *err)
{
    int pfd = pidfd_open(p->base.helper, 0);
    int64_t deadline = now_ms() + PTY_START_TIMEOUT_MS;
    int rc = -1;
    for (;;) {
        if (links_exist(p)) {
            rc = 0;
            break;
        }
        int status;
        if (sb_proc_exited(p->base.helper, &status)) {
            char tail[256];
            log_tail(p->dir, tail, sizeof(tail));
            p->base.helper = 0;
            sb_errf(err, SB_EXIT_MISSING, "socat exited before creating the pty pair: %s",
                    tail[0] ? tail : "(no message)");
            break;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            sb_errf(err, SB_EXIT_MISSING,
                    "socat did not create the pty pair in %s within %d ms",
                    p->dir, PTY_START_TIMEOUT_MS);
            break;
        }
        struct pollfd fds[2] = {{.fd = ino, .events = POLLIN}, {.fd = pfd, .events = POLLIN}};
        int r = poll(fds, pfd >= 0 ? 2 : 1, (int)left);
        if (r < 0 && errno != EINTR) {
            sb_errf(err, SB_EXIT_MISSING, "waiting for socat: %s", strerror(errno));
            break;
        }
        if (r > 0 && (fds[0].revents & POLLIN)) {
            char ev[4096];
            while (read(ino, ev, sizeof(ev)) > 0)
                ; /* drain: the lstat above is the truth, events only wake us */
        }
    }
    if (pfd >= 0)
        close(pfd);
    return rc;
}

static int pty_open(const struct sb_link_params *lp, struct sb_transport **out,
                    struct sb_err *err)
{
    (void)lp;
    char socat[PATH_MAX];
    if (sb_find_program("socat", socat, sizeof(socat)) < 0) {
        sb_errf(err, SB_EXIT_MISSING,
                "transport = pty needs socat, which is not on PATH: apt-get install socat");
        return SBUF_ENOENT;
    }
    struct pty_transport *p = calloc(1, sizeof(*p));
    if (!p) {
        sb_errf(err, SB_EXIT_MISSING, "out of memory");
        return SBUF_ENOMEM;
    }
    p->base.ops = &sb_transport_pty_ops;
    p->base.fd = -1;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    snprintf(p->dir, sizeof(p->dir), "%s/serbench-pty-XXXXXX", tmp);
    if (!mkdtemp(p->dir)) {
        sb_errf(err, SB_EXIT_MISSING, "mkdtemp %s: %s", p->dir, strerror(errno));
        p->dir[0] = '\0';
        pty_close(&p->base);
        return SBUF_EIO;
    }
    char logpath[PATH_MAX], a[PATH_MAX + 64], b[PATH_MAX + 64];
    if (path_in(p->base.name, sizeof(p->base.name), p->dir, "dut") < 0 ||
        path_in(p->base.peer_path, sizeof(p->base.peer_path), p->dir, "peer") < 0 ||
        path_in(logpath, sizeof(logpath), p->dir, "socat.log") < 0) {
        sb_errf(err, SB_EXIT_USAGE, "TMPDIR path too long: %s", tmp);
        pty_close(&p->base);
        return SBUF_EINVAL;
    }
    snprintf(a, sizeof(a), "pty,raw,echo=0,link=%s", p->base.name);
    snprintf(b, sizeof(b), "pty,raw,echo=0,link=%s", p->base.peer_path);

    /* The watch exists before socat starts, so no creation can be missed. */
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (ino < 0 || logfd < 0 || inotify_add_watch(ino, p->dir, IN_CREATE | IN_MOVED_TO) < 0) {
        sb_errf(err, SB_EXIT_MISSING, "pty setup in %s: %s", p->dir, strerror(errno));
        if (ino >= 0)
            close(ino);
        if (logfd >= 0)
            close(logfd);
        pty_close(&p->base);
        return SBUF_EIO;
    }
    char *argv[] = {"socat", "-d", "-d", a, b, NULL};
    int rc = sb_proc_exec(&p->base.helper, socat, argv, logfd);
    close(logfd);
    if (rc < 0) {
        sb_errf(err, SB_EXIT_MISSING, "starting %s: %s", socat, strerror(errno));
        close(ino);
        pty_close(&p->base);
        return SBUF_EIO;
    }
    rc = wait_for_links(p, ino, err);
    close(ino);
    if (rc < 0) {
        pty_close(&p->base);
        return SBUF_EIO;
    }
    p->base.fd = open(p->base.name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (p->base.fd < 0 || sb_tty_make_raw(p->base.fd, 0) < 0) {
        sb_errf(err, SB_EXIT_MISSING, "opening %s: %s", p->base.name, strerror(errno));
        pty_close(&p->base);
        return SBUF_EIO;
    }
    *out = &p->base;
    return SBUF_OK;
}

static int pty_available(char *why, size_t len)
{
    char path[PATH_MAX];
    if (sb_find_program("socat", path, sizeof(path)) < 0) {
        snprintf(why, len, "transport = pty needs socat, which is not on PATH: "
                           "apt-get install socat");
        return -1;
    }
    return 0;
}

/* The peer is one serbench can start, and its own keys make sense. */
static int pty_check(const struct sb_run_params *p, char *why, size_t len)
{
    const struct sb_peer_kind *k = sb_peer_kind_of(&p->link);
    if (!k || !(k->flags & SB_PEER_SPAWNED)) {
        snprintf(why, len, "peer = %s: transport = pty runs echo or nrf52840-sim", p->link.peer);
        return -1;
    }
    return k->check ? k->check(&p->link, why, len) : 0;
}

static const struct sb_opt *const pty_keys[] = {
    &sb_opt_peer, &sb_opt_write_size, &sb_opt_on_disconnect, NULL,
};

const struct sb_transport_ops sb_transport_pty_ops = {
    .name = "pty",
    .summary = "through a socat pseudo-terminal pair to a peer (echo or nrf52840-sim)",
    .flags = SB_TRANSPORT_SPAWNS_PEER,
    .keys = pty_keys,
    .available = pty_available,
    .check = pty_check,
    .open = pty_open,
    .close = pty_close,
    .ceilings = sb_calibrate_ceilings,
};
