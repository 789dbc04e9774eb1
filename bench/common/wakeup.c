/*
 * wakeup.c - eventfd-backed block/notify handshake (see wakeup.h).
 *
 * No lost wakeup.  Waiter: exchange(waiting, 1); then check the buffer
 * (ready).  Notifier: publish into the buffer; then exchange(waiting, 0).
 * Both are acq_rel read-modify-writes of the same variable, so one comes
 * after the other in its modification order and reads what the other
 * wrote.  Notifier later: it reads 1 and writes the eventfd (and takes the
 * 1, so the notifiers after it, while the waiter is still waking, make no
 * more system calls: one write per sleep, not one per commit).  Waiter later:
 * its acquire reads the notifier's release, so the publish happens-before
 * the check, which sees it.  (Plain fences would do the same on paper, but
 * ThreadSanitizer cannot model fences; it models these.)  An eventfd write
 * that lands before the poll() still wakes it: the counter stays set until
 * it is read.
 */
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "sbuf/sbuf.h"
#include "wakeup.h"

int sb_wakeup_init(struct sb_wakeup *w)
{
    if (!w)
        return SBUF_EINVAL;
    atomic_init(&w->waiting, 0);
    w->timeouts = w->missed = 0;
    w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return w->fd < 0 ? SBUF_EIO : SBUF_OK;
}

void sb_wakeup_destroy(struct sb_wakeup *w)
{
    if (w && w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
}

int sb_wakeup_fd(const struct sb_wakeup *w)
{
    return w ? w->fd : -1;
}

void sb_wakeup_kick(struct sb_wakeup *w)
{
    if (!w || w->fd < 0)
        return;
    uint64_t one = 1;
    /* EAGAIN means the counter is already huge: the waiter will wake anyway. */
    ssize_t rc = write(w->fd, &one, sizeof(one));
    (void)rc;
}

void sb_wakeup_notify(struct sb_wakeup *w)
{
    if (!w)
        return;
    /* acq_rel RMW, not a load: the notifier half of the pattern in the
     * file comment (its release carries the caller's publish).  A plain
     * load first would be cheaper and wrong: it may be satisfied before the
     * publish is visible (store-load reordering), and both sides would miss. */
    if (atomic_exchange_explicit(&w->waiting, 0, memory_order_acq_rel))
        sb_wakeup_kick(w);
}

int sb_wakeup_await(struct sb_wakeup *w, sb_ready_fn ready, void *arg, uint64_t timeout_ns)
{
    return sb_wakeup_await_fd(w, ready, arg, -1, 0, NULL, timeout_ns);
}

int sb_wakeup_await_fd(struct sb_wakeup *w, sb_ready_fn ready, void *arg, int fd,
                       short events, short *revents, uint64_t timeout_ns)
{
    if (revents)
        *revents = 0;
    if (!w || !ready)
        return 0;
    if (ready(arg))
        return 1;
    /* acq_rel RMW: the waiter half of the pattern in the file comment (its
     * acquire makes a publish that came first visible to ready()). */
    atomic_exchange_explicit(&w->waiting, 1, memory_order_acq_rel);
    int ok = ready(arg), timed_out = 0;
    if (!ok) {
        struct pollfd pfd[2] = {{.fd = w->fd, .events = POLLIN}, {.fd = fd, .events = events}};
        struct timespec ts = {.tv_sec = (time_t)(timeout_ns / 1000000000u),
                              .tv_nsec = (long)(timeout_ns % 1000000000u)};
        int n = ppoll(pfd, fd >= 0 ? 2 : 1, &ts, NULL);
        if (n > 0) {
            if (pfd[0].revents & POLLIN) {
                uint64_t count;
                ssize_t rc = read(w->fd, &count, sizeof(count)); /* consume the wakeup */
                (void)rc;
            }
            if (fd >= 0 && revents)
                *revents = pfd[1].revents;
        }
        timed_out = n == 0;
        ok = ready(arg);
    }
    /* An RMW, not a plain store: it keeps the chain of exchanges on
     * waiting unbroken, so the next await's exchange still synchronises
     * with a notifier that ran while we slept but found 0 (a second
     * notifier after the one that kicked) and its publish is visible.
     * Still 1: no notifier came while we slept. */
    int unnotified = atomic_exchange_explicit(&w->waiting, 0, memory_order_acq_rel);
    if (timed_out) {
        w->timeouts++;
        w->missed += ok && unnotified;
    }
    return ok;
}
