/*
 * tserbench.h - test helper: run the built serbench (SERBENCH_BIN) as a user
 * does, in a scratch directory, with its stdout, stderr and exit code; and
 * the scratch directory itself; and runs.csv read back strictly.  A header:
 * each test is its own executable.  Needs cmocka's headers included first.
 */
#ifndef SB_TSERBENCH_H
#define SB_TSERBENCH_H

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csvread.h"

static const char *ts_bin, *ts_src;
static char ts_tmp[PATH_MAX];

static inline char *ts_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0, r;
    char *s = malloc(cap);
    while (s && (r = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 >= cap)
            s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (s)
        s[n] = '\0';
    return s;
}

/* ts_tmp/name; 64 rotating buffers (a test may hold many paths at once). */
static inline const char *ts_at(const char *name)
{
    static char path[64][PATH_MAX + 256];
    static int i;
    i = (i + 1) % 64;
    snprintf(path[i], sizeof(path[i]), "%s/%.250s", ts_tmp, name);
    return path[i];
}

static inline void ts_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void ts_sh(const char *fmt, ...)
{
    char cmd[3 * PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("failed: %s", cmd);
}

/* exe with args (NULL-terminated) and extra NAME=VALUE env, in ts_tmp;
 * stdout and stderr into ts_tmp/_stdout and ts_tmp/_stderr. */
static inline pid_t ts_spawn_exe(const char *exe, const char *const *args, const char *const *env)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)exe;
    for (; args[n - 1] && n < 63; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(ts_at("_stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(ts_at("_stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0 || chdir(ts_tmp) < 0)
            _exit(126);
        for (; env && *env; env++)
            putenv((char *)*env);
        execv(exe, argv);
        _exit(127);
    }
    return pid;
}

/* serbench with args and extra env, in ts_tmp. */
static inline pid_t ts_spawn(const char *const *args, const char *const *env)
{
    return ts_spawn_exe(ts_bin, args, env);
}

/* Exit code of pid (128+N for signal N); killed and failed after timeout_s. */
static inline int ts_reap(pid_t pid, int timeout_s)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, timeout_s * 1000);
        close(fd);
        if (rc == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            fail_msg("serbench still running after %d s", timeout_s);
        }
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        assert_int_equal(errno, EINTR);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct ts_result {
    int code;
    char *out, *err;
};

static inline struct ts_result ts_run_exe(const char *exe, const char *const *args,
                                          const char *const *env, int timeout_s)
{
    struct ts_result r;
    r.code = ts_reap(ts_spawn_exe(exe, args, env), timeout_s);
    r.out = ts_slurp(ts_at("_stdout"));
    r.err = ts_slurp(ts_at("_stderr"));
    assert_non_null(r.out);
    assert_non_null(r.err);
    return r;
}

static inline struct ts_result ts_run(const char *const *args, const char *const *env, int timeout_s)
{
    return ts_run_exe(ts_bin, args, env, timeout_s);
}

static inline void ts_done(struct ts_result *r)
{
    free(r->out);
    free(r->err);
}

static inline size_t ts_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Fails unless args exit with code and one line on stderr holding want. */
static inline void ts_expect_error(const char *const *args, const char *const *env, int code,
                            const char *want)
{
    struct ts_result r = ts_run(args, env, 60);
    if (r.code != code || ts_lines(r.err) != 1 || !strstr(r.err, want))
        fail_msg("serbench %s %s: exit %d (wanted %d), stderr '%s' (wanted one line with '%s')",
                 args[0], args[1] ? args[1] : "", r.code, code, r.err, want);
    ts_done(&r);
}

/* Sets up ts_bin, ts_src and a fresh ts_tmp; 0, or -1 when SERBENCH_BIN is not set. */
static inline int ts_setup(const char *name)
{
    ts_bin = getenv("SERBENCH_BIN");
    ts_src = getenv("SERBENCH_SOURCE_DIR");
    if (!ts_bin || !ts_src)
        return -1;
    snprintf(ts_tmp, sizeof(ts_tmp), "/tmp/%s-XXXXXX", name);
    return mkdtemp(ts_tmp) ? 0 : -1;
}

static inline void ts_teardown(void)
{
    if (ts_tmp[0] && !getenv("SERBENCH_KEEP_TMP")) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ts_tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", ts_tmp);
    }
}

/* runs.csv read strictly: header plus records, every line complete. */
struct ts_table {
    struct csv_record hdr;
    struct csv_record rows[256];
    size_t n;
};

static inline void ts_read_table(const char *path, struct ts_table *t)
{
    char *text = ts_slurp(path);
    if (!text)
        fail_msg("no %s", path);
    const char *p = text;
    assert_int_equal(csv_next(&p, &t->hdr), 1);
    t->n = 0;
    int rc;
    while (t->n < 256 && (rc = csv_next(&p, &t->rows[t->n])) == 1) {
        assert_int_equal(t->rows[t->n].n, t->hdr.n);
        t->n++;
    }
    if (rc != 0)
        fail_msg("%s: not valid CSV after row %zu (torn line?)", path, t->n);
    free(text);
}

static inline void ts_free_table(struct ts_table *t)
{
    csv_free(&t->hdr);
    for (size_t i = 0; i < t->n; i++)
        csv_free(&t->rows[i]);
}

/* Row row's value in column col; fails when there is no such column. */
static inline const char *ts_cell(const struct ts_table *t, size_t row, const char *col)
{
    int c = csv_col(&t->hdr, col);
    if (c < 0)
        fail_msg("no column %s", col);
    return t->rows[row].field[c];
}

#endif
