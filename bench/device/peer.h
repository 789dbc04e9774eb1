/*
 * peer.h - the table of peers: what is on the far end of a port.  One row
 * a peer, looked up by name (scenario key `peer`), as fio looks up its
 * ioengines.  A peer serbench runs itself (echo, nrf52840-sim) is started
 * as a child process on the far end of a pty (proc.h: its own process
 * group, killed with serbench); one that is hardware (board) is whatever
 * the port is connected to.  Adding a peer is a file with its row and one
 * line in the table in peer.c.
 */
#ifndef SB_PEER_H
#define SB_PEER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "device.h"
#include "diag.h"
#include "opt.h"
#include "run.h"

/*
 * A running peer.  socat moves both directions of the pair in one thread
 * with blocking writes: if the far end stops reading while socat writes to
 * it, socat stops carrying the way back too, and the loop can deadlock.
 * So every peer reads as long as it can hold window bytes more than it has
 * sent back, and the harness keeps at most window bytes in flight
 * (written, not yet read back, not lost on the way: io.h).  lost is where
 * the emulator publishes the bytes it lost (overruns, dropped frames), in
 * memory shared with this process, so that lost bytes do not count as in
 * flight forever; and it writes lost_fd each time the count grows, since
 * a lost byte never comes back to wake whoever waits for the window.
 */
struct sb_peer {
    pid_t pid;
    size_t window;
    _Atomic uint64_t *lost; /* NULL for a peer that loses nothing */
    int lost_fd;            /* with lost: an eventfd the peer writes each time lost grows
                               (so a sender waiting on the window wakes at once); else -1 */
};

/* What a spawned peer's child gets: a copy, taken at fork. */
struct sb_peer_launch {
    const char *name;        /* the peer's row */
    const char *path;        /* the far end to open */
    struct sb_dev_config dev;/* nrf52840-sim: its configuration */
    _Atomic uint64_t *lost;  /* shared with the parent, or NULL */
    int lost_fd;             /* the parent's eventfd for each loss (kept open in the child), or -1 */
};

enum sb_peer_flags {
    SB_PEER_SPAWNED = 1u << 0, /* serbench runs it on the far end of a pty */
};

struct sb_peer_kind {
    const char *name;
    const char *summary;
    unsigned flags;
    const struct sb_opt *const *keys; /* the scenario keys it reads; NULL-terminated */
    /* The job's keys make sense for this peer; -1 with why.  NULL: always. */
    int (*check)(const struct sb_link_params *lp, char *why, size_t len);
    /* Spawned peers, before the fork: fills l and peer->window (and
     * peer->lost); -1 with err (exit code 2 for a refused configuration). */
    int (*prepare)(const struct sb_link_params *lp, uint64_t seed, struct sb_peer_launch *l,
                   struct sb_peer *peer, struct sb_err *err);
    /* Spawned peers, in the child: serves l->path; the child's exit status. */
    int (*main)(const struct sb_peer_launch *l);
};

/* The exit status of a peer whose device went away on purpose (fault disconnect). */
#define SB_PEER_EXIT_DISCONNECT 42

size_t sb_peer_kind_count(void);
const struct sb_peer_kind *sb_peer_kind_at(size_t i); /* NULL past the end */
/* By name; NULL if none. */
const struct sb_peer_kind *sb_peer_kind_find(const char *name);
/* The peer a job's link names ("" = echo, the default); NULL if none. */
const struct sb_peer_kind *sb_peer_kind_of(const struct sb_link_params *lp);

extern const struct sb_peer_kind sb_peer_echo;
extern const struct sb_peer_kind sb_peer_nrf52840_sim;
extern const struct sb_peer_kind sb_peer_board;

/*
 * Starts the spawned peer named lp->peer ("" = echo) on path.  A
 * configuration the peer refuses (RAM budget, faults syntax) is exit code 2
 * in err.
 */
int sb_peer_start(const struct sb_link_params *lp, const char *path, uint64_t seed,
                  struct sb_peer *peer, struct sb_err *err);

/* Stops it (SIGTERM, then SIGKILL after a grace period) and reaps it. */
void sb_peer_stop(struct sb_peer *peer);

/*
 * If the peer has exited (it should not while the run goes on: the host end
 * is still open), reaps it and describes why in why; returns 1.  0 while it
 * runs.
 */
int sb_peer_gone(struct sb_peer *peer, char *why, size_t len);

/* A plain echo on path until the other end hangs up; the exit status. */
int sb_echo_serve(const char *path);

/* The key both the emulator and the serial transport read (flow = rtscts). */
extern const struct sb_opt sb_opt_flow;

#endif
