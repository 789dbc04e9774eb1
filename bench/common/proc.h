/*
 * proc.h - helper processes (socat, the peers) that die with serbench.
 *
 * Every child is the leader of its own process group, so a Ctrl-C at the
 * terminal reaches serbench alone and serbench stops the children in order,
 * and so that stopping a child also stops anything it started.  Each child
 * asks the kernel for SIGKILL when its parent dies (PR_SET_PDEATHSIG), which
 * covers the endings serbench cannot clean up after: SIGKILL, a crash.
 *
 * The death signal is tied to the parent THREAD: start children from a
 * thread that lives at least as long as they should (the run's own thread).
 */
#ifndef SB_PROC_H
#define SB_PROC_H

#include <sys/types.h>

/*
 * Forks a child that runs fn(arg) and exits with its return value.  The
 * child must not start threads.  Returns 0 and the pid, or -1 with errno.
 */
int sb_proc_spawn(pid_t *pid, int (*fn)(void *arg), void *arg);

/* As sb_proc_spawn, but the child keeps descriptor keep_fd open (all the
 * others above stderr are closed in the child); keep_fd < 0: none. */
int sb_proc_spawn_keep(pid_t *pid, int (*fn)(void *arg), void *arg, int keep_fd);

/*
 * Forks and executes path with argv (argv[0] first, NULL-terminated); its
 * stdout and stderr go to out_fd (or stay serbench's when out_fd < 0), its
 * stdin is /dev/null.  Returns 0 and the pid, or -1 with errno.
 */
int sb_proc_exec(pid_t *pid, const char *path, char *const argv[], int out_fd);

/*
 * Returns 1 if the child has exited (and reaps it, storing its wait status
 * in *status when not NULL), 0 if it still runs.
 */
int sb_proc_exited(pid_t pid, int *status);

/*
 * Stops the child's process group with SIGTERM, then SIGKILL if it has not
 * gone within grace_ms, and reaps it.  Returns its wait status.  pid <= 0
 * is a no-op returning 0.
 */
int sb_proc_stop(pid_t pid, int grace_ms);

/* The first executable named name on PATH, copied to buf; -1 if none. */
int sb_find_program(const char *name, char *buf, size_t size);

#endif
