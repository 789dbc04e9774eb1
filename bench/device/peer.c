/*
 * peer.c - the peer table, and starting, watching and stopping a spawned
 * peer.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peer.h"
#include "proc.h"
#include "table.h"

static const struct sb_peer_kind *const peers[] = {
    &sb_peer_echo,
    &sb_peer_nrf52840_sim,
    &sb_peer_board,
};

/* sb_peer_kind_count, _at, and peer_lookup by exact name. */
SB_TABLE_LOOKUP(sb_peer_kind, struct sb_peer_kind, peers)

const struct sb_peer_kind *sb_peer_kind_of(const struct sb_link_params *lp)
{
    return sb_peer_kind_find(lp->peer[0] ? lp->peer : "echo");
}

/* peer = board: the hardware on a serial port; serbench starts nothing. */
const struct sb_peer_kind sb_peer_board = {
    .name = "board",
    .summary = "the board on a serial port, running the loopback firmware (firmware/)",
};

static int peer_child(void *arg)
{
    const struct sb_peer_launch *l = arg;
    const struct sb_peer_kind *k = sb_peer_kind_find(l->name);
    return k && k->main ? k->main(l) : 1;
}

int sb_peer_start(const struct sb_link_params *lp, const char *path, uint64_t seed,
                  struct sb_peer *peer, struct sb_err *err)
{
    memset(peer, 0, sizeof(*peer));
    const struct sb_peer_kind *k = sb_peer_kind_of(lp);
    if (!k || !(k->flags & SB_PEER_SPAWNED)) {
        sb_errf(err, SB_EXIT_USAGE, "peer = %s: transport = pty runs echo or nrf52840-sim",
                lp->peer);
        return SBUF_EINVAL;
    }
    peer->lost_fd = -1;
    /* On the stack: the child gets its own copy at fork. */
    struct sb_peer_launch l = {.path = path, .name = k->name, .lost_fd = -1};
    if (k->prepare(lp, seed, &l, peer, err) < 0) {
        sb_peer_stop(peer);
        return err->code == SB_EXIT_USAGE ? SBUF_EINVAL : SBUF_EIO;
    }
    if (sb_proc_spawn_keep(&peer->pid, peer_child, &l, l.lost_fd) < 0) {
        sb_errf(err, SB_EXIT_MISSING, "starting peer %s: %s", k->name, strerror(errno));
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
    if (peer->lost) {
        munmap((void *)peer->lost, sizeof(*peer->lost));
        if (peer->lost_fd >= 0)
            close(peer->lost_fd);
    }
    memset(peer, 0, sizeof(*peer));
}

int sb_peer_gone(struct sb_peer *peer, char *why, size_t len)
{
    int st;
    if (!peer || peer->pid <= 0 || !sb_proc_exited(peer->pid, &st))
        return 0;
    peer->pid = 0; /* reaped: never signal that number again */
    if (WIFEXITED(st) && WEXITSTATUS(st) == SB_PEER_EXIT_DISCONNECT)
        snprintf(why, len, "the device disconnected (fault disconnect)");
    else if (WIFSIGNALED(st))
        snprintf(why, len, "the peer was killed by signal %d", WTERMSIG(st));
    else
        snprintf(why, len, "the peer exited with status %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 1;
}
