/*
 * transport.h - the ports a run can use, looked up by name the way fio
 * looks up its ioengines: "pty" (a socat virtual pair: serbench holds one
 * end, a peer the other) and "serial" (a real port through libserialport).
 * Transport "mem" has no port: the workload runs it by itself.  Names and
 * one-line summaries for listings are in the runner's transport_hook.c.
 *
 * An open transport is a non-blocking file descriptor for the host end and,
 * for pty, the path of the far end where a peer (peer.h) is started.  Errors
 * go into a struct sb_err with the exit code they call for: 3 when something
 * is missing (socat, the port), 2 for bad input (1200 baud, a PTY handed to
 * the serial transport).  SBUF_ENOENT is also returned for "missing" so that a
 * scenario with `hardware = optional` can be reported as skipped.
 */
#ifndef SB_TRANSPORT_H
#define SB_TRANSPORT_H

#include <limits.h>
#include <sys/types.h>

#include "diag.h"
#include "workload.h"

struct sb_transport;

struct sb_transport_ops {
    const char *name;
    int (*open)(const struct sb_link_params *lp, struct sb_transport **out,
                struct sb_err *err);
    void (*close)(struct sb_transport *t);
};

struct sb_transport {
    const struct sb_transport_ops *ops;
    int fd;                    /* host end: O_NONBLOCK, raw, close-on-exec */
    char peer_path[PATH_MAX];  /* pty: where the peer opens the far end */
    char name[PATH_MAX];       /* what was opened, for messages */
    pid_t helper;              /* pty: the socat child (its own process group) */
};

extern const struct sb_transport_ops sb_transport_pty_ops;
extern const struct sb_transport_ops sb_transport_serial_ops;

/* NULL when no transport with a port has that name. */
const struct sb_transport_ops *sb_transport_lookup(const char *name);

/* Opens by name; the error names the transport when the name is unknown. */
int sb_transport_open(const char *name, const struct sb_link_params *lp,
                      struct sb_transport **out, struct sb_err *err);
void sb_transport_close(struct sb_transport *t); /* NULL is a no-op */

/*
 * Puts a tty file descriptor in raw mode (8N1, no echo, no line discipline
 * processing); with rtscts, hardware flow control.  Used for PTY ends.
 */
int sb_tty_make_raw(int fd, int rtscts);

#endif
