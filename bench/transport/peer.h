/*
 * peer.h - what runs on the far end of a pty: a child process of serbench
 * (proc.h: its own process group, killed with serbench).
 *
 *   echo          a plain echo: every byte back, as fast as the pty goes
 *   nrf52840-sim  the device emulator (device.h), configured from the
 *                 scenario's link, device_* and faults keys
 */
#ifndef SB_PEER_H
#define SB_PEER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "diag.h"
#include "workload.h"

/*
 * A running peer.  socat moves both directions of the pair in one thread
 * with blocking writes: if the far end stops reading while socat writes to
 * it, socat stops carrying the way back too, and the loop can deadlock.
 * So every peer reads as long as it can hold window bytes more than it has
 * sent back, and the harness keeps at most window bytes in flight
 * (written, not yet read back, not lost on the way: io.h).  lost is where
 * the emulator publishes the bytes it lost (overruns, dropped frames), in
 * memory shared with this process, so that lost bytes do not count as in
 * flight forever.
 */
struct sb_peer {
    pid_t pid;
    size_t window;
    _Atomic uint64_t *lost; /* NULL for a peer that loses nothing */
};

/*
 * Starts the peer named lp->peer ("" = echo) on path.  A configuration the
 * emulator refuses (RAM budget, faults syntax) is exit code 2 in err.
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

#endif
