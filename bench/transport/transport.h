/*
 * transport.h - the table of transports, looked up by name the way fio
 * looks up its ioengines: one row a transport, with its name, a one-line
 * summary, an availability check, the scenario keys it reads, a check of a
 * job's keys, and open and close.
 *
 *   mem     in-process: producer -> buffer -> consumer, no port
 *   pty     a socat virtual pair: serbench holds one end, a peer the other
 *   serial  a real port through libserialport (the nRF52840 board)
 *
 * An open transport is a non-blocking file descriptor for the host end
 * (fd < 0 for mem, which has none) and, where serbench starts the peer, the
 * path of the far end (peer.h).  Errors go into a struct sb_err with the exit
 * code they call for: 3 when something is missing (socat, the port), 2 for
 * bad input (1200 baud, a PTY handed to the serial transport).  SBUF_ENOENT
 * is also returned for "missing" so that a scenario with
 * `hardware = optional` can be reported as skipped.
 *
 * Adding a transport is a file defining its row and one line in the table
 * in transport.c; the scenario keys, `serbench list transports`, the
 * preflight and the workload pick it up from there.
 */
#ifndef SB_TRANSPORT_H
#define SB_TRANSPORT_H

#include <limits.h>
#include <sys/types.h>

#include "diag.h"
#include "opt.h"
#include "run.h"

struct sb_transport;

enum sb_transport_flags {
    SB_TRANSPORT_SPAWNS_PEER = 1u << 0, /* serbench starts the peer on the far end (pty) */
    SB_TRANSPORT_HARDWARE = 1u << 1,    /* a real port: `hardware = optional` may skip it */
};

struct sb_transport_ops {
    const char *name;
    const char *summary;
    unsigned flags;
    const struct sb_opt *const *keys; /* the scenario keys it reads; NULL-terminated */
    /* 0 when it can run on this machine; -1 with why ("socat not found: ..."),
     * which the runner makes exit 3 before any run starts.  NULL: always. */
    int (*available)(char *why, size_t len);
    /* A job's keys make sense together; -1 with why (exit 2).  NULL: always. */
    int (*check)(const struct sb_run_params *p, char *why, size_t len);
    int (*open)(const struct sb_link_params *lp, struct sb_transport **out, struct sb_err *err);
    void (*close)(struct sb_transport *t);
    /* Fills p->link's ceilings (the same path with no strategy), or leaves
     * them 0.  Called by the runner before a run; NULL: none to measure. */
    void (*ceilings)(struct sb_run_params *p);
};

struct sb_transport {
    const struct sb_transport_ops *ops;
    int fd;                    /* host end: O_NONBLOCK, raw, close-on-exec; -1 for mem */
    char peer_path[PATH_MAX];  /* pty: where the peer opens the far end */
    char name[PATH_MAX];       /* what was opened, for messages */
    pid_t helper;              /* pty: the socat child (its own process group) */
};

extern const struct sb_transport_ops sb_transport_mem_ops;
extern const struct sb_transport_ops sb_transport_pty_ops;
extern const struct sb_transport_ops sb_transport_serial_ops;

size_t sb_transport_count(void);
const struct sb_transport_ops *sb_transport_at(size_t i); /* NULL past the end */
/* NULL when no transport has that name. */
const struct sb_transport_ops *sb_transport_find(const char *name);

/* By name: 0 when it can run here, else -1 with why (an unknown name too). */
int sb_transport_available(const char *name, char *why, size_t len);
/* The job's transport and peer keys, checked by their rows; -1 with why. */
int sb_link_check(const struct sb_run_params *p, char *why, size_t len);

/* Opens by name; the error names the transport when the name is unknown. */
int sb_transport_open(const char *name, const struct sb_link_params *lp,
                      struct sb_transport **out, struct sb_err *err);
void sb_transport_close(struct sb_transport *t); /* NULL is a no-op */

/* The keys pty and serial share (write_size, on_disconnect, peer). */
extern const struct sb_opt sb_opt_peer, sb_opt_write_size, sb_opt_on_disconnect;

#endif
