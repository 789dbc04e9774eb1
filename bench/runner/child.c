/*
 * child.c - the parent side of a run: spawn, feed, watch, reap.
 *
 * The parent waits in ppoll on two descriptors: the result pipe, and a
 * pidfd that becomes readable when the child exits.  Signals are blocked
 * outside ppoll and unblocked inside it (the waitmask), so a SIGINT can
 * never slip in between checking the flag and going to sleep.  Nothing is
 * polled on a timer: the only timeouts are the run's deadline and the
 * grace period after an interrupt.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "units.h"
#include "ipc.h"

extern char **environ;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* environ without LD_PRELOAD, plus LD_PRELOAD=preload if there is one.
 * Built before fork: the child only execs. */
static char **child_env(const char *preload, char **storage)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof(*env));
    if (!env)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
            env[o++] = environ[i];
    *storage = NULL;
    if (preload && *preload) {
        size_t len = strlen(preload) + 12;
        *storage = malloc(len);
        if (!*storage) {
            free(env);
            return NULL;
        }
        snprintf(*storage, len, "LD_PRELOAD=%s", preload);
        env[o++] = *storage;
    }
    env[o] = NULL;
    return env;
}

/* In the forked child: descriptors into place, signals back to default, exec. */
static void exec_child(const char *exe, int params_fd, int result_fd, pid_t parent, char **env)
{
    /* Die with the runner, however it ends; the getppid check closes the
     * window where the parent died before prctl ran. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    int a = fcntl(params_fd, F_DUPFD_CLOEXEC, 10);
    int b = fcntl(result_fd, F_DUPFD_CLOEXEC, 10);
    if (a < 0 || b < 0 || dup2(a, SB_IPC_PARAMS_FD) < 0 || dup2(b, SB_IPC_RESULT_FD) < 0)
        _exit(127);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGPIPE, &dfl, NULL);
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGTERM, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char *argv[] = {"serbench", "__run-one", NULL};
    execve(exe, argv, env);
    _exit(127);
}

/* What the child's exit says about the run, when the result record does not. */
static void judge_exit(struct sb_run_result *r, int got_result, int st, int killed_for_timeout,
                       const struct sb_cell *c)
{
    char d[32];
    if (killed_for_timeout) {
        sb_format_duration(c->timeout_ns, d, sizeof(d));
        r->status = SB_STATUS_FAILED;
        snprintf(r->reason, sizeof(r->reason), "timed out after %s (see the timeout key)", d);
    } else if (WIFSIGNALED(st)) {
        r->status = SB_STATUS_FAILED;
        snprintf(r->reason, sizeof(r->reason), "child killed by signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    } else if (!got_result) {
        r->status = SB_STATUS_FAILED;
        snprintf(r->reason, sizeof(r->reason), "child exited with status %d without a result%s",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                 WIFEXITED(st) && WEXITSTATUS(st) == 127 ? " (could not exec serbench)" : "");
    }
}

static int hists_sane(const struct sb_hist *h)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++)
        n += h->buckets[i];
    return n == h->count && (h->count == 0 || h->min <= h->max);
}

/* Reads one record from the child.  0 on success, -1 at end of file. */
static int read_record(int fd, struct sb_run_result *r, int *got_result,
                       const struct sb_child_opts *o)
{
    unsigned type;
    size_t len;
    if (sb_ipc_recv_header(fd, &type, &len) < 0)
        return -1;
    if (type == SB_IPC_PROGRESS && len == sizeof(struct sb_ipc_progress)) {
        struct sb_ipc_progress pr;
        if (sb_ipc_read(fd, &pr, sizeof(pr)) < 0)
            return -1;
        if (o->progress)
            o->progress(o->ctx, pr.bytes, pr.elapsed_s);
        return 0;
    }
    if (type == SB_IPC_HISTS && len == sizeof(struct sb_run_hists)) {
        if (!o->hists)
            return sb_ipc_skip(fd, len);
        if (sb_ipc_read(fd, o->hists, len) < 0)
            return -1;
        /* Our own executable sent them; still, counts that do not add up
         * are not a run's histograms. */
        if (o->hists_got)
            *o->hists_got = hists_sane(&o->hists->send) && hists_sane(&o->hists->intended);
        return 0;
    }
    if (type == SB_IPC_RESULT && len == sizeof(*r)) {
        if (sb_ipc_read(fd, r, sizeof(*r)) < 0)
            return -1;
        r->reason[sizeof(r->reason) - 1] = '\0';
        r->allocator_seen[sizeof(r->allocator_seen) - 1] = '\0';
        *got_result = 1;
        return 0;
    }
    return -1; /* not ours: treat as end, the exit status will explain */
}

int sb_child_run(const struct sb_cell *c, const struct sb_child_opts *o, struct sb_run_result *r)
{
    memset(r, 0, sizeof(*r));
    if (o->hists_got)
        *o->hists_got = 0;
    int pin[2] = {-1, -1}, pout[2] = {-1, -1};
    char *pre = NULL;
    char **env = child_env(o->preload, &pre);
    if (!env || pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0) {
        r->status = SB_STATUS_FAILED;
        snprintf(r->reason, sizeof(r->reason), "cannot start the run's process: %s",
                 strerror(errno));
        free(env);
        free(pre);
        for (int i = 0; i < 2; i++) {
            if (pin[i] >= 0) close(pin[i]);
            if (pout[i] >= 0) close(pout[i]);
        }
        return SB_EXIT_OK;
    }
    const char *exe = o->exe ? o->exe : "/proc/self/exe";
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        exec_child(exe, pin[0], pout[1], parent, env);
    int fork_errno = errno;
    close(pin[0]);
    close(pout[1]);
    free(env);
    free(pre);
    if (pid < 0) {
        close(pin[1]);
        close(pout[0]);
        r->status = SB_STATUS_FAILED;
        snprintf(r->reason, sizeof(r->reason), "fork: %s", strerror(fork_errno));
        return SB_EXIT_OK;
    }
    /* A child that dies before reading gives EPIPE here (SIGPIPE is
     * ignored by the runner); its exit status tells the story below. */
    sb_ipc_send_params(pin[1], &c->p);
    close(pin[1]);

    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    int got_result = 0, out_open = 1, exited = pidfd < 0;
    int term_sent = 0, killed = 0, timed_out = 0;
    uint64_t deadline = now_ns() + c->timeout_ns, grace = 0;
    while (out_open || !exited) {
        uint64_t t = now_ns();
        if (o->interrupted && *o->interrupted && !term_sent) {
            kill(pid, SIGTERM);
            term_sent = 1;
            grace = t + SB_CHILD_GRACE_NS;
        }
        uint64_t until = term_sent ? grace : deadline;
        if (t >= until && !killed) {
            kill(pid, SIGKILL);
            killed = 1;
            timed_out = !term_sent;
        }
        struct pollfd fds[2];
        nfds_t n = 0;
        if (out_open)
            fds[n++] = (struct pollfd){.fd = pout[0], .events = POLLIN};
        if (!exited)
            fds[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        struct timespec ts, *tp = NULL;
        if (!killed) {
            uint64_t left = until > t ? until - t : 0;
            ts.tv_sec = (time_t)(left / 1000000000ull);
            ts.tv_nsec = (long)(left % 1000000000ull);
            tp = &ts;
        }
        int rc = ppoll(fds, n, tp, o->waitmask);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc <= 0)
            continue;
        for (nfds_t i = 0; i < n; i++) {
            if (!fds[i].revents)
                continue;
            if (fds[i].fd == pidfd) {
                exited = 1;
            } else if (read_record(pout[0], r, &got_result, o) < 0) {
                out_open = 0;
            }
        }
    }
    close(pout[0]);
    if (pidfd >= 0)
        close(pidfd);

    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
        ;
    /* The whole child's peak: setup and allocator included, which is what
     * the run costs in memory. */
    r->peak_rss_kb = ru.ru_maxrss;
    if (r->cpu_user_s + r->cpu_sys_s == 0) {
        r->cpu_user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
        r->cpu_sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    }
    int interrupted = o->interrupted && *o->interrupted;
    if (interrupted) {
        r->status = SB_STATUS_ABORTED;
        snprintf(r->reason, sizeof(r->reason), "interrupted");
        return SB_EXIT_INTERRUPTED;
    }
    judge_exit(r, got_result, st, timed_out, c);
    if (WIFEXITED(st) && WEXITSTATUS(st) == SB_EXIT_MISSING) {
        r->status = SB_STATUS_FAILED;
        return SB_EXIT_MISSING;
    }
    return SB_EXIT_OK;
}
