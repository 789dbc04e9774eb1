/*
 * tspawn.h - test helper: run the built serbench (SERBENCH_BIN) as a user
 * does, capturing its exit code, stdout and stderr.  Header-only: each
 * test that includes it gets its own copy.
 */
#ifndef SB_TSPAWN_H
#define SB_TSPAWN_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct tspawn {
    int code;  /* exit code; 128 + N for signal N; -1 when it ran past the limit */
    char *out, *err;
};

static inline char *tspawn_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *s = malloc(cap);
    while (s && (r = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 >= cap) {
            char *m = realloc(s, cap *= 2);
            if (!m) {
                free(s);
                s = NULL;
            } else {
                s = m;
            }
        }
    }
    fclose(f);
    if (s)
        s[n] = '\0';
    return s;
}

/*
 * Runs bin with args (NULL-terminated) in cwd, stdout and stderr into
 * cwd/_stdout and cwd/_stderr, at most timeout_s seconds.
 */
static inline struct tspawn tspawn_run(const char *bin, const char *const *args, const char *cwd,
                                       int timeout_s)
{
    struct tspawn r = {-1, NULL, NULL};
    char o[4200], e[4200];
    snprintf(o, sizeof(o), "%s/_stdout", cwd);
    snprintf(e, sizeof(e), "%s/_stderr", cwd);
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)bin;
    for (; args[n - 1] && n < 63; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return r;
    if (pid == 0) {
        int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || chdir(cwd) < 0)
            _exit(126);
        execv(bin, argv);
        _exit(127);
    }
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, timeout_s * 1000);
        close(fd);
        if (rc == 0)
            kill(pid, SIGKILL);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = tspawn_slurp(o);
    r.err = tspawn_slurp(e);
    if (!r.out)
        r.out = strdup("");
    if (!r.err)
        r.err = strdup("");
    return r;
}

static inline void tspawn_free(struct tspawn *r)
{
    free(r->out);
    free(r->err);
}

static inline size_t tspawn_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

#endif
