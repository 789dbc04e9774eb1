/*
 * peer_echo.c - peer = echo: every byte back, as fast as the pty goes.
 *
 * The echo never stops reading while it has room, even when its writes
 * cannot go out: socat moves both directions in one thread with blocking
 * writes, so an echo that blocked on its write while socat blocked on
 * writing to it would deadlock the pair.  Hence non-blocking I/O and a ring
 * of ECHO_RING bytes in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"
#include "tty.h"

#define ECHO_RING (1u << 20)
/* Bytes in flight the harness allows the echo (see struct sb_peer). */
#define ECHO_WINDOW (ECHO_RING / 4)

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

static int echo_prepare(const struct sb_link_params *lp, uint64_t seed,
                        struct sb_peer_launch *l, struct sb_peer *peer, struct sb_err *err)
{
    (void)lp, (void)seed, (void)l, (void)err;
    peer->window = ECHO_WINDOW;
    return 0;
}

static int echo_main(const struct sb_peer_launch *l)
{
    return sb_echo_serve(l->path);
}

const struct sb_peer_kind sb_peer_echo = {
    .name = "echo",
    .summary = "a plain echo on the far end of the pty: every byte back, as fast as it goes",
    .flags = SB_PEER_SPAWNED,
    .prepare = echo_prepare,
    .main = echo_main,
};
