/*
 * schedinfo.h - what the machine took from a run: starvation detection.
 *
 * On the 2-vCPU guest the same run repeated five times spanned 2.2-3.6x,
 * because the slow repeats got less than a core while both threads had work
 * (a 0.6-CPU CFS quota reproduces it), and nothing in the results said so.
 * These readings say so.  Take a snapshot when the measured phase starts
 * and another when it ends, WHILE THE RUN'S THREADS ARE STILL ALIVE (a
 * thread's counters vanish with it; one born in between counts from zero),
 * subtract, and ask the verdict.
 *
 *   per thread   /proc/self/task/<tid>/schedstat: on-CPU ns, run-queue wait
 *                ns (time runnable but not running, which includes time held
 *                off by a CFS quota), timeslices
 *   cgroup       found through /proc/self/cgroup and /proc/self/mountinfo;
 *                v2 cpu.stat (nr_periods, nr_throttled, throttled_usec) and
 *                cpu.max; v1 cpu.stat (throttled_time in ns) and
 *                cpu.cfs_quota_us / cpu.cfs_period_us.  The quota read is
 *                the tightest one from the process's cgroup up to the
 *                hierarchy's root, and cpu.stat is read where it sits.
 *   steal        /proc/stat, the "cpu" line's steal ticks over all ticks
 *   pressure     /proc/pressure/cpu, "some" avg10 and total (us)
 *
 * Checked on this project's 2-vCPU guest (cgroup v1, kernel 6.18): two
 * spinning threads in a child cgroup with a 0.3-CPU quota ran 0.31 s in a
 * 1 s window, were throttled in 10 of 10 periods (0.88 s summed over
 * CPUs), and their run-queue wait (1.75 s) included the throttled time.
 *
 * Every reading is optional: one that cannot be read is absent (its have_
 * flag is 0), never a made-up 0.  The parsers take file contents as text so
 * tests feed crafted files; they return 0, -ENOENT when the text lacks the
 * field, or -EINVAL.  Every call validates its arguments and returns 0 or
 * a negative errno.
 */
#ifndef SB_SCHEDINFO_H
#define SB_SCHEDINFO_H

#include <stddef.h>
#include <stdint.h>

/*
 * The verdict's thresholds (shares of the run's wall time).  Each is the
 * point past which the loss could move a median by more than the spread a
 * quiet machine shows (1.02-1.20x, DESIGN.md), i.e. the disagreement
 * mark's 10 % CV:
 *   WAIT      a thread waited for a CPU more than 10 % of the run: a
 *             thread that waits a tenth of the run loses up to a tenth of
 *             its throughput.  On idle cores a thread waits only its
 *             wakeup latencies, far below that.
 *   THROTTLE  the cgroup's quota held the working threads off more than
 *             5 % of their time.  Lower than WAIT because throttling is
 *             never noise: it is a hard cap that comes in 100 ms blocks.
 *             Below 5 % is a period's edge now and then.
 *   STEAL     the hypervisor ran someone else on our vCPUs more than 5 %
 *             of all ticks; like throttling it is imposed from outside.
 *   SHARE     threads that asked for a whole core each got less than 0.9
 *             of one on average (only judged when the caller says so).
 */
#define SB_SCHED_WAIT_MAX 0.10
#define SB_SCHED_THROTTLE_MAX 0.05
#define SB_SCHED_STEAL_MAX 0.05
#define SB_SCHED_SHARE_MIN 0.90
/* A thread "had work" when it ran or waited to run for half the wall time;
 * below that it is a helper that mostly slept (the main thread in join). */
#define SB_SCHED_WORKED 0.50
/* Threads a snapshot records; serbench's child runs a handful. */
#define SB_SCHED_MAX_THREADS 64

struct sb_sched_thread {
    long tid;
    uint64_t run_ns;   /* on a CPU */
    uint64_t wait_ns;  /* runnable, waiting on a run queue (throttled time included) */
    uint64_t slices;   /* timeslices run */
};

struct sb_sched_cgroup {
    int version;                 /* 1 or 2; 0 = not found */
    char dir[512];               /* the directory cpu.stat was read from */
    int have_stat;               /* the three counters below */
    uint64_t nr_periods, nr_throttled, throttled_ns;
    int have_quota;              /* quota_cpus known */
    double quota_cpus;           /* quota / period; 0 = no limit */
};

struct sb_sched_snap {
    uint64_t mono_ns;            /* CLOCK_MONOTONIC when taken */
    long ncpu;                   /* CPUs online; 0 = unknown */
    int have_threads;
    int threads_truncated;       /* more than SB_SCHED_MAX_THREADS: threads unusable */
    size_t n_threads;
    struct sb_sched_thread thread[SB_SCHED_MAX_THREADS];
    struct sb_sched_cgroup cg;
    int have_steal;
    uint64_t cpu_ticks, steal_ticks;  /* /proc/stat: all ticks (user..steal), steal */
    int have_psi;
    double psi_some_avg10;            /* % */
    uint64_t psi_some_total_us;
};

/* end - start.  Shares are fractions (0.42 = 42 %). */
struct sb_sched_delta {
    double wall_ns;
    long ncpu;
    int have_threads;
    size_t n_threads, n_worked, n_vanished; /* vanished: gone before the end snapshot */
    uint64_t run_ns, wait_ns, slices;       /* sums over threads */
    long worst_tid;                         /* the thread that waited longest */
    double worst_wait_share;                /* its wait / wall */
    double cpu_share;                       /* worked threads' run / (wall x n_worked); NaN if none */
    int have_throttle;
    uint64_t periods, throttled_periods, throttled_ns;
    double throttle_share;                  /* throttled_ns / (wall x working threads), at most 1 */
    int have_quota;
    double quota_cpus;                      /* at the end; 0 = no limit */
    int have_steal;
    double steal_share;                     /* steal ticks / all ticks, every CPU */
    int have_psi;
    double psi_some_share;                  /* some task waited for a CPU, system-wide */
};

struct sb_sched_verdict {
    int starved;
    int by_wait, by_throttle, by_steal, by_share;
    int judged;        /* criteria that could be evaluated (0 = nothing was readable) */
    char reason[256];  /* why starved, "; "-separated; "" when not */
    char absent[128];  /* readings that were absent, ", "-separated; "" when none */
};

/* --- parsers over file contents -------------------------------------- */

/* schedstat: "<run ns> <wait ns> <slices>". */
int sb_sched_parse_schedstat(const char *text, struct sb_sched_thread *t);
/* cgroup cpu.stat (version 1: throttled_time ns; 2: throttled_usec) into cg's counters. */
int sb_sched_parse_cpu_stat(const char *text, int version, struct sb_sched_cgroup *cg);
/* v2 cpu.max: "max 100000" (cpus = 0) or "60000 100000" (cpus = 0.6). */
int sb_sched_parse_cpu_max(const char *text, double *cpus);
/* v1 cpu.cfs_quota_us and cpu.cfs_period_us: quota -1 gives cpus = 0. */
int sb_sched_parse_cfs_quota(const char *quota, const char *period, double *cpus);
/* /proc/stat: the aggregate "cpu" line's ticks (user..steal) and steal. */
int sb_sched_parse_proc_stat(const char *text, uint64_t *ticks, uint64_t *steal);
/* /proc/pressure/cpu: the "some" line's avg10 and total. */
int sb_sched_parse_pressure(const char *text, double *avg10, uint64_t *total_us);
/* /proc/self/cgroup: the v1 hierarchy holding "cpu", else the v2 one. */
int sb_sched_parse_proc_cgroup(const char *text, int *version, char *path, size_t len);
/* /proc/self/mountinfo: mount point and root of that hierarchy's mount. */
int sb_sched_parse_mountinfo(const char *text, int version, char *mnt, size_t mlen, char *root,
                             size_t rlen);

/* --- readings, delta, verdict ---------------------------------------- */

/* Reads everything present now; absent readings are flagged, never an error. */
int sb_sched_snapshot(struct sb_sched_snap *s);
/* The same with every path under root (a directory tree laid out like / ). */
int sb_sched_snapshot_at(const char *root, struct sb_sched_snap *s);
/* The calling thread's own counters (/proc/thread-self/schedstat). */
int sb_sched_self(struct sb_sched_thread *t);
/* end - start; -EINVAL unless end was taken after start. */
int sb_sched_delta(const struct sb_sched_snap *start, const struct sb_sched_snap *end,
                   struct sb_sched_delta *d);
/* Pure: starved or not, and why.  whole_core: every working thread asked
 * for a whole core (a throughput loop), so the CPU share is judged too. */
int sb_sched_verdict(const struct sb_sched_delta *d, int whole_core, struct sb_sched_verdict *v);

#endif
