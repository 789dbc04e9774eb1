/*
 * test-schedinfo.c - starvation readings: every parser on file contents as
 * the kernel writes them (cgroup v1, v2 and hybrid layouts, a container's
 * mount), cgroup discovery over a fake /proc + /sys tree, the verdict on
 * crafted runs (quota-throttled, run-queue wait, steal, a quiet run,
 * nothing readable), and a smoke test of the live snapshot on this machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "schedinfo.h"

#define SEC 1000000000ull

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.12g, want %.12g", got, want);
}

/* --- parsers ---------------------------------------------------------- */

static void test_parse_schedstat(void **state)
{
    (void)state;
    struct sb_sched_thread t = { 0 };
    assert_int_equal(sb_sched_parse_schedstat("43595075 970912 27\n", &t), 0);
    assert_true(t.run_ns == 43595075 && t.wait_ns == 970912 && t.slices == 27);
    assert_int_equal(sb_sched_parse_schedstat("43595075 970912\n", &t), -EINVAL);
    assert_int_equal(sb_sched_parse_schedstat(NULL, &t), -EINVAL);
}

static void test_parse_cpu_stat(void **state)
{
    (void)state;
    struct sb_sched_cgroup cg = { 0 };
    const char *v1 = "nr_periods 12\nnr_throttled 11\nthrottled_time 915580820\n"
                     "nr_bursts 0\nburst_time 0\n";
    assert_int_equal(sb_sched_parse_cpu_stat(v1, 1, &cg), 0);
    assert_true(cg.have_stat && cg.nr_periods == 12 && cg.nr_throttled == 11);
    assert_true(cg.throttled_ns == 915580820);
    const char *v2 = "usage_usec 701990139\nuser_usec 594709094\nsystem_usec 107281045\n"
                     "nr_periods 120\nnr_throttled 37\nthrottled_usec 310000\n"
                     "nr_bursts 0\nburst_usec 0\n";
    assert_int_equal(sb_sched_parse_cpu_stat(v2, 2, &cg), 0);
    assert_true(cg.nr_periods == 120 && cg.nr_throttled == 37 && cg.throttled_ns == 310000000ull);
    /* v2 without the cpu controller: usage only, throttling absent, not 0. */
    struct sb_sched_cgroup none = { 0 };
    const char *bare = "usage_usec 701990139\nuser_usec 594709094\nsystem_usec 107281045\n";
    assert_int_equal(sb_sched_parse_cpu_stat(bare, 2, &none), -ENOENT);
    assert_false(none.have_stat);
    assert_int_equal(sb_sched_parse_cpu_stat(v1, 3, &cg), -EINVAL);
}

static void test_parse_quota(void **state)
{
    (void)state;
    double cpus = -1;
    assert_int_equal(sb_sched_parse_cpu_max("max 100000\n", &cpus), 0);
    assert_close(cpus, 0, 0);
    assert_int_equal(sb_sched_parse_cpu_max("60000 100000\n", &cpus), 0);
    assert_close(cpus, 0.6, 1e-12);
    assert_int_equal(sb_sched_parse_cpu_max("60000 0\n", &cpus), -EINVAL);
    assert_int_equal(sb_sched_parse_cpu_max("maximum\n", &cpus), -EINVAL);
    assert_int_equal(sb_sched_parse_cfs_quota("-1\n", "100000\n", &cpus), 0);
    assert_close(cpus, 0, 0);
    assert_int_equal(sb_sched_parse_cfs_quota("60000\n", "100000\n", &cpus), 0);
    assert_close(cpus, 0.6, 1e-12);
    assert_int_equal(sb_sched_parse_cfs_quota("", "100000\n", &cpus), -EINVAL);
}

static void test_parse_proc_stat_pressure(void **state)
{
    (void)state;
    uint64_t ticks, steal, total;
    double avg10;
    const char *stat = "cpu  58831 0 10599 197859 1534 0 93 64 0 0\n"
                       "cpu0 35042 0 4652 94760 106 0 8 28 0 0\n";
    assert_int_equal(sb_sched_parse_proc_stat(stat, &ticks, &steal), 0);
    assert_true(ticks == 58831 + 10599 + 197859 + 1534 + 93 + 64 && steal == 64);
    assert_int_equal(sb_sched_parse_proc_stat("cpu  1 2 3 4 5 6 7\n", &ticks, &steal), -ENOENT);
    assert_int_equal(sb_sched_parse_proc_stat("intr 1 2\n", &ticks, &steal), -EINVAL);
    const char *psi = "some avg10=9.58 avg60=28.88 avg300=17.06 total=85095558\n"
                      "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
    assert_int_equal(sb_sched_parse_pressure(psi, &avg10, &total), 0);
    assert_close(avg10, 9.58, 1e-12);
    assert_true(total == 85095558);
    assert_int_equal(sb_sched_parse_pressure("full avg10=0.00 total=0\n", &avg10, &total),
                     -ENOENT);
}

/* This project's machines (hybrid: v1 controllers, an empty v2 tree), a
 * pure v2 host, and a Docker container on v1 with cpu and cpuacct joined. */
static void test_parse_proc_cgroup(void **state)
{
    (void)state;
    char path[128];
    int v = 0;
    const char *hybrid = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/ecf4\n"
                         "3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";
    assert_int_equal(sb_sched_parse_proc_cgroup(hybrid, &v, path, sizeof path), 0);
    assert_int_equal(v, 1);
    assert_string_equal(path, "/");
    assert_int_equal(sb_sched_parse_proc_cgroup("0::/user.slice/run.scope\n", &v, path,
                                                sizeof path), 0);
    assert_int_equal(v, 2);
    assert_string_equal(path, "/user.slice/run.scope");
    const char *docker = "5:cpuset:/docker/abc\n4:cpu,cpuacct:/docker/abc\n";
    assert_int_equal(sb_sched_parse_proc_cgroup(docker, &v, path, sizeof path), 0);
    assert_int_equal(v, 1);
    assert_string_equal(path, "/docker/abc");
    assert_int_equal(sb_sched_parse_proc_cgroup("3:cpuset:/\n", &v, path, sizeof path),
                     -ENOENT);
    assert_int_equal(sb_sched_parse_proc_cgroup(docker, &v, path, 4), -ERANGE);
}

static void test_parse_mountinfo(void **state)
{
    (void)state;
    char mnt[128], root[128];
    const char *hybrid =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
    assert_int_equal(sb_sched_parse_mountinfo(hybrid, 1, mnt, sizeof mnt, root, sizeof root), 0);
    assert_string_equal(mnt, "/sys/fs/cgroup/cpu");
    assert_string_equal(root, "/");
    assert_int_equal(sb_sched_parse_mountinfo(hybrid, 2, mnt, sizeof mnt, root, sizeof root), 0);
    assert_string_equal(mnt, "/sys/fs/cgroup/unified");
    const char *v2 = "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - "
                     "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
    assert_int_equal(sb_sched_parse_mountinfo(v2, 2, mnt, sizeof mnt, root, sizeof root), 0);
    assert_string_equal(mnt, "/sys/fs/cgroup");
    assert_int_equal(sb_sched_parse_mountinfo(v2, 1, mnt, sizeof mnt, root, sizeof root),
                     -ENOENT);
    const char *docker = "1234 1200 0:40 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - "
                         "cgroup cgroup rw,cpu,cpuacct\n";
    assert_int_equal(sb_sched_parse_mountinfo(docker, 1, mnt, sizeof mnt, root, sizeof root), 0);
    assert_string_equal(mnt, "/sys/fs/cgroup/cpu,cpuacct");
    assert_string_equal(root, "/docker/abc");
}

/* --- discovery over a fake /proc + /sys ------------------------------ */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Writes root/rel, creating its directories. */
static void put(const char *root, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A pure v2 host: the run's cgroup has no limit, its parent 0.6 CPU. */
static void test_discover_v2(void **state)
{
    (void)state;
    char root[] = "/tmp/sb-schedinfo-XXXXXX";
    assert_non_null(mkdtemp(root));
    put(root, "proc/self/cgroup", "0::/bench.slice/run\n");
    put(root, "proc/self/mountinfo",
        "35 24 0:30 / /sys/fs/cgroup rw,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
    put(root, "sys/fs/cgroup/bench.slice/run/cpu.max", "max 100000\n");
    put(root, "sys/fs/cgroup/bench.slice/run/cpu.stat", "nr_periods 0\nnr_throttled 0\n"
                                                        "throttled_usec 0\n");
    put(root, "sys/fs/cgroup/bench.slice/cpu.max", "60000 100000\n");
    put(root, "sys/fs/cgroup/bench.slice/cpu.stat", "usage_usec 5\nnr_periods 10\n"
                                                    "nr_throttled 4\nthrottled_usec 200000\n");
    put(root, "proc/self/task/100/schedstat", "1000 2000 3\n");
    put(root, "proc/self/task/101/schedstat", "5000 6000 7\n");
    put(root, "proc/stat", "cpu  100 0 50 800 0 0 0 50 0 0\n");
    put(root, "proc/pressure/cpu", "some avg10=1.50 avg60=0.00 avg300=0.00 total=1234\n");
    struct sb_sched_snap s;
    assert_int_equal(sb_sched_snapshot_at(root, &s), 0);
    assert_int_equal(s.cg.version, 2);
    assert_string_equal(s.cg.dir, "/sys/fs/cgroup/bench.slice"); /* where the quota sits */
    assert_true(s.cg.have_quota && s.cg.have_stat);
    assert_close(s.cg.quota_cpus, 0.6, 1e-12);
    assert_true(s.cg.nr_throttled == 4 && s.cg.throttled_ns == 200000000ull);
    assert_true(s.have_threads && s.n_threads == 2);
    assert_true(s.have_steal && s.cpu_ticks == 1000 && s.steal_ticks == 50);
    assert_true(s.have_psi && s.psi_some_total_us == 1234);
    assert_int_equal(nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* A Docker container on v1: the mount's root is the container's cgroup. */
static void test_discover_v1_container(void **state)
{
    (void)state;
    char root[] = "/tmp/sb-schedinfo-XXXXXX";
    assert_non_null(mkdtemp(root));
    put(root, "proc/self/cgroup", "5:cpuset:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n");
    put(root, "proc/self/mountinfo", "1234 1200 0:40 /docker/abc /sys/fs/cgroup/cpu,cpuacct "
                                     "ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n");
    put(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "150000\n");
    put(root, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
    put(root, "sys/fs/cgroup/cpu,cpuacct/cpu.stat",
        "nr_periods 7\nnr_throttled 2\nthrottled_time 123\n");
    struct sb_sched_snap s;
    assert_int_equal(sb_sched_snapshot_at(root, &s), 0);
    assert_int_equal(s.cg.version, 1);
    assert_string_equal(s.cg.dir, "/sys/fs/cgroup/cpu,cpuacct");
    assert_close(s.cg.quota_cpus, 1.5, 1e-12);
    assert_true(s.cg.have_stat && s.cg.throttled_ns == 123);
    /* No task directory, no /proc/stat, no pressure: absent, not zero. */
    assert_false(s.have_threads);
    assert_false(s.have_steal);
    assert_false(s.have_psi);
    assert_int_equal(nftw(root, rm_one, 8, FTW_DEPTH | FTW_PHYS), 0);
}

/* --- the verdict on crafted runs ------------------------------------- */

/* A run of exactly one second on 2 CPUs: snapshots at 10 s and 11 s. */
static void run_of_one_second(struct sb_sched_snap *a, struct sb_sched_snap *b)
{
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    a->mono_ns = 10 * SEC;
    b->mono_ns = 11 * SEC;
    a->ncpu = b->ncpu = 2;
}

/* Thread tid ran run_ms and waited wait_ms between a and b (counters
 * already non-zero at a, so the subtraction is exercised). */
static void thread_did(struct sb_sched_snap *a, struct sb_sched_snap *b, long tid,
                       uint64_t run_ms, uint64_t wait_ms)
{
    a->have_threads = b->have_threads = 1;
    a->thread[a->n_threads++] = (struct sb_sched_thread){ tid, 5 * SEC, 1 * SEC, 100 };
    b->thread[b->n_threads++] = (struct sb_sched_thread){
        tid, 5 * SEC + run_ms * 1000000, 1 * SEC + wait_ms * 1000000, 150 };
}

/* The cgroup's counters moved by throttled_ms over 10 periods. */
static void cgroup_did(struct sb_sched_snap *a, struct sb_sched_snap *b, double quota,
                       uint64_t throttled_periods, uint64_t throttled_ms)
{
    struct sb_sched_cgroup cg = { .version = 1, .dir = "/sys/fs/cgroup/cpu/bench",
                                  .have_stat = 1, .nr_periods = 100, .nr_throttled = 10,
                                  .throttled_ns = SEC, .have_quota = 1, .quota_cpus = quota };
    a->cg = cg;
    cg.nr_periods += 10;
    cg.nr_throttled += throttled_periods;
    cg.throttled_ns += throttled_ms * 1000000;
    b->cg = cg;
}

/* steal ticks out of 200 (2 CPUs x 100 ticks a second), and pressure. */
static void machine_did(struct sb_sched_snap *a, struct sb_sched_snap *b, uint64_t steal)
{
    a->have_steal = b->have_steal = a->have_psi = b->have_psi = 1;
    a->cpu_ticks = 5000;
    a->steal_ticks = 40;
    b->cpu_ticks = 5200;
    b->steal_ticks = 40 + steal;
    a->psi_some_total_us = 1000;
    b->psi_some_total_us = 1000 + 250000;
}

static void verdict_of(const struct sb_sched_snap *a, const struct sb_sched_snap *b,
                       int whole_core, struct sb_sched_delta *d, struct sb_sched_verdict *v)
{
    assert_int_equal(sb_sched_delta(a, b, d), 0);
    assert_int_equal(sb_sched_verdict(d, whole_core, v), 0);
}

/* The DESIGN.md case: two threads that want a core each under a 0.6-CPU
 * quota get 0.3 each and are held off the rest; the main thread sleeps. */
static void test_verdict_quota(void **state)
{
    (void)state;
    struct sb_sched_snap a, b;
    struct sb_sched_delta d;
    struct sb_sched_verdict v;
    run_of_one_second(&a, &b);
    thread_did(&a, &b, 1, 1, 0);
    thread_did(&a, &b, 10, 300, 700);
    thread_did(&a, &b, 11, 300, 700);
    cgroup_did(&a, &b, 0.6, 10, 1400);
    machine_did(&a, &b, 0);
    verdict_of(&a, &b, 1, &d, &v);
    assert_true(d.n_threads == 3 && d.n_worked == 2 && d.n_vanished == 0);
    assert_close(d.cpu_share, 0.3, 1e-12);
    assert_close(d.worst_wait_share, 0.7, 1e-12);
    assert_close(d.throttle_share, 0.7, 1e-12);
    assert_close(d.psi_some_share, 0.25, 1e-12);
    assert_true(d.throttled_periods == 10 && d.periods == 10);
    assert_true(v.starved && v.by_wait && v.by_throttle && v.by_share && !v.by_steal);
    assert_int_equal(v.judged, 4);
    assert_string_equal(v.reason, "waited 70 % of its time for a CPU; got 0.30 of a core per "
                                  "thread that asked for a whole one; throttled 70 % by the "
                                  "cgroup's 0.6-CPU quota");
    assert_string_equal(v.absent, "");
}

/* No quota, no steal: another process shares the cores. */
static void test_verdict_run_queue(void **state)
{
    (void)state;
    struct sb_sched_snap a, b;
    struct sb_sched_delta d;
    struct sb_sched_verdict v;
    run_of_one_second(&a, &b);
    thread_did(&a, &b, 10, 580, 420);
    thread_did(&a, &b, 11, 900, 100);
    cgroup_did(&a, &b, 0.0, 0, 0);
    machine_did(&a, &b, 1);
    verdict_of(&a, &b, 0, &d, &v);
    assert_true(v.starved && v.by_wait && !v.by_throttle && !v.by_steal && !v.by_share);
    assert_int_equal(d.worst_tid, 10);
    assert_int_equal(v.judged, 3); /* the CPU share is not judged without whole_core */
    assert_string_equal(v.reason, "waited 42 % of its time for a CPU");
}

static void test_verdict_steal(void **state)
{
    (void)state;
    struct sb_sched_snap a, b;
    struct sb_sched_delta d;
    struct sb_sched_verdict v;
    run_of_one_second(&a, &b);
    thread_did(&a, &b, 10, 970, 30);
    thread_did(&a, &b, 11, 960, 40);
    cgroup_did(&a, &b, 0.0, 0, 0);
    machine_did(&a, &b, 16);
    verdict_of(&a, &b, 1, &d, &v);
    assert_close(d.steal_share, 0.08, 1e-12);
    assert_true(v.starved && v.by_steal && !v.by_wait && !v.by_throttle && !v.by_share);
    assert_string_equal(v.reason, "the hypervisor stole 8 % of the CPUs");
}

/* A quiet run: a little wakeup latency, a throttled period's edge, 0.5 %
 * steal: all below their thresholds. */
static void test_verdict_quiet(void **state)
{
    (void)state;
    struct sb_sched_snap a, b;
    struct sb_sched_delta d;
    struct sb_sched_verdict v;
    run_of_one_second(&a, &b);
    thread_did(&a, &b, 10, 990, 10);
    thread_did(&a, &b, 11, 985, 15);
    cgroup_did(&a, &b, 4.0, 1, 20);
    machine_did(&a, &b, 1);
    verdict_of(&a, &b, 1, &d, &v);
    assert_false(v.starved);
    assert_int_equal(v.judged, 4);
    assert_string_equal(v.reason, "");
    assert_close(d.throttle_share, 0.01, 1e-12);
}

/* Nothing readable: not starved, but nothing judged, and it says what was missing. */
static void test_verdict_nothing(void **state)
{
    (void)state;
    struct sb_sched_snap a, b;
    struct sb_sched_delta d;
    struct sb_sched_verdict v;
    run_of_one_second(&a, &b);
    verdict_of(&a, &b, 1, &d, &v);
    assert_false(v.starved);
    assert_int_equal(v.judged, 0);
    assert_true(isnan(d.cpu_share));
    assert_string_equal(v.absent, "threads, cgroup throttling, cgroup quota, steal, CPU pressure");
}

/* A thread born between the snapshots counts from zero; one that exited
 * is counted as vanished; a moved cgroup makes throttling absent. */
static void test_delta_edges(void **state)
{
    (void)state;
    struct sb_sched_snap a, b;
    struct sb_sched_delta d;
    run_of_one_second(&a, &b);
    a.have_threads = b.have_threads = 1;
    a.thread[a.n_threads++] = (struct sb_sched_thread){ 10, SEC, SEC, 5 };
    b.thread[b.n_threads++] = (struct sb_sched_thread){ 11, 900000000, 100000000, 9 };
    cgroup_did(&a, &b, 0.6, 10, 500);
    strcpy(b.cg.dir, "/sys/fs/cgroup/cpu/elsewhere");
    assert_int_equal(sb_sched_delta(&a, &b, &d), 0);
    assert_true(d.n_vanished == 1 && d.n_worked == 1);
    assert_close(d.cpu_share, 0.9, 1e-12);
    assert_false(d.have_throttle);
    assert_true(d.have_quota);
    b.threads_truncated = 1, b.have_threads = 0; /* as read_threads leaves a truncated one */
    assert_int_equal(sb_sched_delta(&a, &b, &d), 0);
    assert_false(d.have_threads);
    assert_int_equal(sb_sched_delta(&b, &a, &d), -EINVAL);
    assert_int_equal(sb_sched_delta(&a, &b, NULL), -EINVAL);
    struct sb_sched_verdict v;
    d.wall_ns = 0;
    assert_int_equal(sb_sched_verdict(&d, 0, &v), -EINVAL);
}

/* --- the live machine ------------------------------------------------- */

static void test_live_smoke(void **state)
{
    (void)state;
    struct sb_sched_snap a, b;
    struct sb_sched_delta d;
    struct sb_sched_verdict v;
    struct sb_sched_thread me;
    assert_int_equal(sb_sched_snapshot(&a), 0);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do /* 30 ms of work, so there is something to see */
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 30000000L);
    assert_int_equal(sb_sched_snapshot(&b), 0);
    assert_int_equal(sb_sched_delta(&a, &b, &d), 0);
    assert_int_equal(sb_sched_verdict(&d, 1, &v), 0);
    if (b.have_threads) {
        int found = 0;
        for (size_t i = 0; i < b.n_threads; i++)
            found |= b.thread[i].tid == (long)gettid();
        assert_true(found);
        assert_true(d.run_ns > 0 && d.worst_wait_share >= 0);
    }
    if (sb_sched_self(&me) == 0)
        assert_true(me.tid == (long)gettid() && me.run_ns > 0);
    if (d.have_throttle)
        assert_true(d.throttle_share >= 0 && d.throttle_share <= 1);
    if (d.have_steal)
        assert_true(d.steal_share >= 0 && d.steal_share <= 1);
    print_message("live: cgroup v%d %s (quota %s %.2g CPU, throttling %s); threads %zu; "
                  "starved %d: %s; absent: %s\n",
                  b.cg.version, b.cg.dir, b.cg.have_quota ? "read" : "absent", b.cg.quota_cpus,
                  d.have_throttle ? "read" : "absent", d.n_threads, v.starved,
                  v.reason[0] ? v.reason : "-", v.absent[0] ? v.absent : "nothing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_schedstat),
        cmocka_unit_test(test_parse_cpu_stat),
        cmocka_unit_test(test_parse_quota),
        cmocka_unit_test(test_parse_proc_stat_pressure),
        cmocka_unit_test(test_parse_proc_cgroup),
        cmocka_unit_test(test_parse_mountinfo),
        cmocka_unit_test(test_discover_v2),
        cmocka_unit_test(test_discover_v1_container),
        cmocka_unit_test(test_verdict_quota),
        cmocka_unit_test(test_verdict_run_queue),
        cmocka_unit_test(test_verdict_steal),
        cmocka_unit_test(test_verdict_quiet),
        cmocka_unit_test(test_verdict_nothing),
        cmocka_unit_test(test_delta_edges),
        cmocka_unit_test(test_live_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
