/*
 * itest.h - what the integration tests share: run parameters for the serial
 * transports, and a look at the process table (no orphan may survive a run).
 * Header-only: each test-*.c is its own executable.
 */
#ifndef SB_ITEST_H
#define SB_ITEST_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

/* A short pty run of fixed 64-byte messages through peer (echo by default). */
static inline struct sb_run_params itest_params(const char *peer, const char *link)
{
    struct sb_run_params p;
    memset(&p, 0, sizeof(p));
    snprintf(p.job, sizeof(p.job), "itest");
    snprintf(p.strategy, sizeof(p.strategy), "ring_spsc");
    snprintf(p.allocator, sizeof(p.allocator), "glibc");
    snprintf(p.transport, sizeof(p.transport), "pty");
    snprintf(p.link.peer, sizeof(p.link.peer), "%s", peer ? peer : "echo");
    if (link)
        snprintf(p.link.link, sizeof(p.link.link), "%s", link);
    p.seed = 1;
    p.duration_ns = 300000000u;
    p.warmup_ns = 20000000u;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 64, .hi = 64};
    p.buffer = 16384;
    p.overflow = SB_OVERFLOW_BLOCK;
    p.link.write_size = 4096;
    return p;
}

/* Reads /proc/<pid>/<what> into buf (NUL-separated fields made spaces); -1 if gone. */
static inline int itest_proc_read(int pid, const char *what, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = ' ';
    buf[n] = '\0';
    return 0;
}

/* The parent pid of pid, from /proc/<pid>/stat; -1 if gone. */
static inline int itest_ppid(int pid)
{
    char stat[512];
    if (itest_proc_read(pid, "stat", stat, sizeof(stat)) < 0)
        return -1;
    const char *close_paren = strrchr(stat, ')'); /* comm may hold spaces */
    int ppid = -1;
    char state;
    if (!close_paren || sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2)
        return -1;
    return state == 'Z' ? -1 : ppid; /* a zombie is gone for our purpose */
}

/*
 * Living processes that are children of parent (parent > 0), or whose
 * command line contains needle (needle != NULL).  Up to max pids into out;
 * returns how many were found.
 */
static inline int itest_find(int parent, const char *needle, int *out, int max)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int pid = atoi(e->d_name);
        if (pid <= 0 || pid == getpid())
            continue;
        int ppid = itest_ppid(pid);
        if (ppid < 0)
            continue;
        int hit = parent > 0 && ppid == parent;
        char cmd[1024];
        if (!hit && needle && itest_proc_read(pid, "cmdline", cmd, sizeof(cmd)) == 0)
            hit = strstr(cmd, needle) != NULL;
        if (hit && n < max)
            out[n] = pid;
        n += hit;
    }
    closedir(d);
    return n;
}

/* The first living child of this process whose command name is comm; -1 if none. */
static inline int itest_child_named(const char *comm)
{
    int pids[64];
    int n = itest_find(getpid(), NULL, pids, 64);
    for (int i = 0; i < n && i < 64; i++) {
        char c[64];
        if (itest_proc_read(pids[i], "comm", c, sizeof(c)) == 0 && strncmp(c, comm, strlen(comm)) == 0)
            return pids[i];
    }
    return -1;
}

#endif
