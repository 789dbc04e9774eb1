/*
 * wakeup.h - the block/notify handshake between two threads around a
 * buffer: one side sleeps until the other has published something (data,
 * or room), without busy-waiting and without sleep-polling.
 *
 * An eventfd carries the wakeup, so an I/O thread can poll() it together
 * with a serial port's fd (sb_wakeup_fd).  A notify costs one atomic
 * read-modify-write while nobody sleeps; only a sleeping waiter costs the
 * notifier a write(2).  The waiter's timeout is a safety net, not the mechanism.
 *
 * One waiter per wakeup at a time; any number of notifiers.
 */
#ifndef SB_WAKEUP_H
#define SB_WAKEUP_H

#include <stdatomic.h>
#include <stdint.h>

struct sb_wakeup {
    atomic_int waiting; /* the waiter is between announcing itself and waking up */
    int fd;             /* eventfd, non-blocking; -1 when not initialised */
    /* The waiter's own counts (plain: one waiter; read them after joining it).
     * timeouts: waits that ran out their timeout.  missed: of those, the ones
     * after which the condition already held although no notify came: a
     * wakeup the protocol failed to deliver (0 in a correct protocol). */
    uint64_t timeouts, missed;
};

/* SBUF_OK, SBUF_EINVAL, or SBUF_EIO if no eventfd could be made (errno says why). */
int sb_wakeup_init(struct sb_wakeup *w);
void sb_wakeup_destroy(struct sb_wakeup *w);

/* Returns non-zero when the waiter's condition holds.  Must be safe to call
 * from the waiter's thread at any time. */
typedef int (*sb_ready_fn)(void *arg);

/*
 * Waiter: returns ready(arg) once it is true, or after being notified, or
 * after timeout_ns, whichever comes first; a wakeup may be spurious, so
 * callers loop.  The condition is checked after announcing the wait, so a
 * notify that follows a publish can never be lost between check and sleep.
 */
int sb_wakeup_await(struct sb_wakeup *w, sb_ready_fn ready, void *arg, uint64_t timeout_ns);

/*
 * As sb_wakeup_await, and also wakes when fd (if >= 0) has any of events or
 * an error or hangup; its revents go to *revents (0 when not polled).  An
 * I/O thread waits for its buffer and its port at once this way, so it sees
 * a port that hangs up even while its buffer keeps it waiting.
 */
int sb_wakeup_await_fd(struct sb_wakeup *w, sb_ready_fn ready, void *arg, int fd,
                       short events, short *revents, uint64_t timeout_ns);

/* Notifier, after publishing (a commit, a release): wakes the waiter if it
 * sleeps or is about to. */
void sb_wakeup_notify(struct sb_wakeup *w);

/* Wakes the waiter unconditionally (abort, close). */
void sb_wakeup_kick(struct sb_wakeup *w);

/* The eventfd, for poll(): readable after a notify or kick. */
int sb_wakeup_fd(const struct sb_wakeup *w);

#endif
