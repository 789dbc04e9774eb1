/*
 * peer.c - the peers serbench runs on the far end of a pty.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "device.h"
#include "peer.h"
#include "proc.h"
#include "transport.h"

/*
 * The echo never stops reading while it has room, even when its writes
 * cannot go out: socat moves both directions in one thread with blocking
 * writes, so an echo that blocked on its write while socat blocked on
 * writing to it would deadlock the pair.  Hence non-blocking I/O and a ring
 * of ECHO_RING bytes in between.
 */
#define ECHO_RING (1u << 20)

int sb_echo_serve(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || sb_tty_make_raw(fd, 0) < 0) {
        fprintf(stderr, "serbench echo: opening %s: %s\n", path, strerror(errno));
        return 1;
    }
    uint8_t *ring = malloc(ECHO_RING);
    if (!ring) {
        close(fd);
        return 1;
    }
    size_t head = 0, len = 0; /* bytes at head .. head + len, mod ECHO_RING */
    int rc = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = (short)((len < ECHO_RING ? POLLIN : 0) |
                                                       (len ? POLLOUT : 0))};
        if (poll(&p, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = 1;
            break;
        }
        if (len < ECHO_RING) {
            size_t tail = (head + len) % ECHO_RING;
            size_t room = tail >= head ? ECHO_RING - tail : head - tail;
            if (len == 0)
                room = ECHO_RING - tail;
            ssize_t r = read(fd, ring + tail, room);
            if (r > 0)
                len += (size_t)r;
            else if (r == 0 || (errno != EAGAIN && errno != EINTR))
                break; /* the host hung up (EIO) or closed */
        }
        if (len) {
            size_t n = head + len <= ECHO_RING ? len : ECHO_RING - head;
            ssize_t w = write(fd, ring + head, n);
            if (w > 0) {
                head = (head + (size_t)w) % ECHO_RING;
                len -= (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                break;
            }
        }
        if ((p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN))
            break;
    }
    free(ring);
    close(fd);
    return rc;
}

/* Bytes in flight the harness allows each peer (see struct sb_peer). */
#define ECHO_WINDOW (ECHO_RING / 4)
#define SIM_WINDOW_MAX (64u * 1024u) /* the emulator reads ahead up to twice this */
#define SIM_WINDOW_MIN 4096u         /* a Linux serial port's transmit buffer */

/*
 * The emulator's window: about 100 ms of the link, like the transmit queue
 * of a real serial driver, so that a slow link pushes back on the buffer
 * under test soon instead of queueing seconds of data in the pty.
 */
static size_t sim_window(const struct sb_dev_config *c)
{
    size_t rate = c->link == SB_DEV_CDC
                      ? SB_DEV_CDC_PACKET * SB_DEV_CDC_PACKETS_PER_FRAME * 1000u
                      : c->baud / 10u;
    size_t w = rate / 10u;
    return w < SIM_WINDOW_MIN ? SIM_WINDOW_MIN : w > SIM_WINDOW_MAX ? SIM_WINDOW_MAX : w;
}

struct peer_arg {
    const char *path;
    struct sb_dev_config dev;
    int sim;
    _Atomic uint64_t *lost;
};

/* The emulator's exit status when its disconnect fault fired. */
#define PEER_EXIT_DISCONNECT 42

static int peer_main(void *arg)
{
    struct peer_arg *a = arg;
    if (!a->sim)
        return sb_echo_serve(a->path);
    int rc = sb_device_run(&a->dev, NULL, NULL, a->lost);
    return rc < 0 ? 1 : rc == 1 ? PEER_EXIT_DISCONNECT : 0;
}

int sb_peer_start(const struct sb_link_params *lp, const char *path, uint64_t seed,
                  struct sb_peer *peer, struct sb_err *err)
{
    /* On the stack: the child gets its own copy at fork. */
    struct peer_arg a = {.path = path};
    const char *name = lp->peer[0] ? lp->peer : "echo";
    memset(peer, 0, sizeof(*peer));
    if (strcmp(name, "nrf52840-sim") == 0) {
        /* Checked here, before the fork, so a refusal is a clean error. */
        if (sb_dev_config_from_link(lp, path, seed, &a.dev, err) < 0)
            return SBUF_EINVAL;
        a.dev.read_ahead = 2 * SIM_WINDOW_MAX;
        a.sim = 1;
        /* Shared with the child: it survives the fork, unlike the heap. */
        void *m = mmap(NULL, sizeof(*peer->lost), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            sb_errf(err, SB_EXIT_MISSING, "starting peer %s: %s", name, strerror(errno));
            return SBUF_EIO;
        }
        peer->lost = a.lost = m;
        atomic_init(peer->lost, 0);
        peer->window = sim_window(&a.dev);
    } else if (strcmp(name, "echo") == 0) {
        peer->window = ECHO_WINDOW;
    } else {
        sb_errf(err, SB_EXIT_USAGE, "peer = %s: transport = pty runs echo or nrf52840-sim", name);
        return SBUF_EINVAL;
    }
    if (sb_proc_spawn(&peer->pid, peer_main, &a) < 0) {
        sb_errf(err, SB_EXIT_MISSING, "starting peer %s: %s", name, strerror(errno));
        sb_peer_stop(peer);
        return SBUF_EIO;
    }
    return SBUF_OK;
}

void sb_peer_stop(struct sb_peer *peer)
{
    if (!peer)
        return;
    if (peer->pid > 0)
        sb_proc_stop(peer->pid, 500);
    if (peer->lost)
        munmap((void *)peer->lost, sizeof(*peer->lost));
    memset(peer, 0, sizeof(*peer));
}

int sb_peer_gone(struct sb_peer *peer, char *why, size_t len)
{
    int st;
    if (!peer || peer->pid <= 0 || !sb_proc_exited(peer->pid, &st))
        return 0;
    peer->pid = 0; /* reaped: never signal that number again */
    if (WIFEXITED(st) && WEXITSTATUS(st) == PEER_EXIT_DISCONNECT)
        snprintf(why, len, "the device disconnected (fault disconnect)");
    else if (WIFSIGNALED(st))
        snprintf(why, len, "the peer was killed by signal %d", WTERMSIG(st));
    else
        snprintf(why, len, "the peer exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 1;
}
