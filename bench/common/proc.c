/*
 * proc.c - helper processes that die with serbench.  See proc.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

/*
 * What every child does first, between fork and its work: only calls that
 * are async-signal-safe, because the parent may have other threads.
 */
static void child_setup(pid_t parent)
{
    /* Own process group: terminal signals go to serbench only. */
    setpgid(0, 0);
    /* Die with the parent; if it is already gone, the request came too late. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    /* The parent's threads may block signals; the child must see SIGTERM. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child_default_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT};
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}

int sb_proc_spawn(pid_t *pid, int (*fn)(void *arg), void *arg)
{
    return sb_proc_spawn_keep(pid, fn, arg, -1);
}

int sb_proc_spawn_keep(pid_t *pid, int (*fn)(void *arg), void *arg, int keep_fd)
{
    if (!pid || !fn) {
        errno = EINVAL;
        return -1;
    }
    pid_t parent = getpid();
    /* Nothing buffered may be written twice, once by each process. */
    fflush(NULL);
    pid_t p = fork();
    if (p < 0)
        return -1;
    if (p == 0) {
        child_setup(parent);
        child_default_signals();
        /* Without an exec, close-on-exec does not apply: drop every inherited
         * descriptor (the runner's result pipe, the host end of the port), so
         * none is held open by this child.  fn opens what it needs. */
        if (keep_fd >= 3) {
            if (keep_fd > 3)
                close_range(3, (unsigned)keep_fd - 1, 0);
            close_range((unsigned)keep_fd + 1, ~0u, 0);
        } else {
            close_range(3, ~0u, 0);
        }
        _exit(fn(arg) & 0xff);
    }
    /* Both sides set the group: whichever runs first wins the race. */
    setpgid(p, p);
    *pid = p;
    return 0;
}

int sb_proc_exec(pid_t *pid, const char *path, char *const argv[], int out_fd)
{
    if (!pid || !path || !argv || !argv[0]) {
        errno = EINVAL;
        return -1;
    }
    /* Opened before the fork: open() in the child of a threaded parent is fine,
     * but an error is easier to report from here. */
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0)
        return -1;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t p = fork();
    if (p < 0) {
        int e = errno;
        close(null_fd);
        errno = e;
        return -1;
    }
    if (p == 0) {
        child_setup(parent);
        dup2(null_fd, STDIN_FILENO);
        if (out_fd >= 0) {
            dup2(out_fd, STDOUT_FILENO);
            dup2(out_fd, STDERR_FILENO);
        }
        execv(path, argv);
        _exit(127);
    }
    close(null_fd);
    setpgid(p, p);
    *pid = p;
    return 0;
}

int sb_proc_exited(pid_t pid, int *status)
{
    int st = 0;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
        if (status)
            *status = st;
        return 1;
    }
    return 0;
}

int sb_proc_stop(pid_t pid, int grace_ms)
{
    if (pid <= 0)
        return 0;
    /*
     * A pidfd lets us wait for the exit with a timeout without sleep-polling
     * waitpid.  The group id stays reserved while the leader is an unreaped
     * zombie, so the SIGKILL to the group below cannot hit a stranger.
     */
    int pfd = pidfd_open(pid, 0);
    kill(-pid, SIGTERM);
    kill(pid, SIGTERM); /* in case it has not yet run setpgid */
    if (pfd >= 0 && grace_ms > 0) {
        struct pollfd p = {.fd = pfd, .events = POLLIN};
        while (poll(&p, 1, grace_ms) < 0 && errno == EINTR)
            ;
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    if (pfd >= 0)
        close(pfd);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

int sb_find_program(const char *name, char *buf, size_t size)
{
    if (!name || !buf || size == 0)
        return -1;
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *end = strchr(path, ':');
        size_t len = end ? (size_t)(end - path) : strlen(path);
        int n = len ? snprintf(buf, size, "%.*s/%s", (int)len, path, name)
                    : snprintf(buf, size, "./%s", name); /* empty entry: cwd */
        struct stat st;
        if (n > 0 && (size_t)n < size && stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
            access(buf, X_OK) == 0)
            return 0;
        if (!end)
            break;
        path = end + 1;
    }
    return -1;
}
