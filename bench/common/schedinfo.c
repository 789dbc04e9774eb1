/*
 * schedinfo.c - what the machine took from a run (see schedinfo.h).
 *
 * File formats: Documentation/scheduler/sched-stats.rst (schedstat),
 * Documentation/admin-guide/cgroup-v2.rst (cpu.stat, cpu.max),
 * Documentation/scheduler/sched-bwc.rst (v1 cfs_quota_us, throttled_time),
 * Documentation/accounting/psi.rst, proc(5) (/proc/stat, mountinfo,
 * /proc/self/cgroup).
 */
#include "schedinfo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* mountinfo of a busy container host runs to tens of KiB; 1 MiB is plenty
 * and only the pages read are touched. */
#define SB_SCHED_BIG_TEXT (1u << 20)

/* --- parsers ---------------------------------------------------------- */

static const char *line_end(const char *p)
{
    const char *e = strchr(p, '\n');
    return e ? e : p + strlen(p);
}

/* The start of the line after p's, or the terminating NUL. */
static const char *next_line(const char *p)
{
    const char *e = line_end(p);
    return *e ? e + 1 : e;
}

int sb_sched_parse_schedstat(const char *text, struct sb_sched_thread *t)
{
    if (!text || !t)
        return -EINVAL;
    uint64_t run, wait, slices;
    if (sscanf(text, "%" SCNu64 " %" SCNu64 " %" SCNu64, &run, &wait, &slices) != 3)
        return -EINVAL;
    t->run_ns = run;
    t->wait_ns = wait;
    t->slices = slices;
    return 0;
}

/* The value of "key <u64>" on a line of its own, as cpu.stat writes it. */
static int keyed_u64(const char *text, const char *key, uint64_t *v)
{
    size_t klen = strlen(key);
    for (const char *p = text; *p; p = next_line(p))
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
            return sscanf(p + klen, " %" SCNu64, v) == 1 ? 0 : -EINVAL;
    return -ENOENT;
}

/* All three counters or none: a partial set would make a share out of a
 * missing field. */
int sb_sched_parse_cpu_stat(const char *text, int version, struct sb_sched_cgroup *cg)
{
    if (!text || !cg || (version != 1 && version != 2))
        return -EINVAL;
    uint64_t periods, throttled, t;
    int rc = keyed_u64(text, "nr_periods", &periods);
    if (!rc)
        rc = keyed_u64(text, "nr_throttled", &throttled);
    if (!rc)
        rc = keyed_u64(text, version == 1 ? "throttled_time" : "throttled_usec", &t);
    if (rc)
        return rc;
    cg->nr_periods = periods;
    cg->nr_throttled = throttled;
    cg->throttled_ns = version == 1 ? t : t * 1000u;
    cg->have_stat = 1;
    return 0;
}

int sb_sched_parse_cpu_max(const char *text, double *cpus)
{
    if (!text || !cpus)
        return -EINVAL;
    uint64_t quota, period;
    if (strncmp(text, "max", 3) == 0 && (text[3] == ' ' || text[3] == '\n' || !text[3])) {
        *cpus = 0.0;
        return 0;
    }
    if (sscanf(text, "%" SCNu64 " %" SCNu64, &quota, &period) != 2 || period == 0)
        return -EINVAL;
    *cpus = (double)quota / (double)period;
    return 0;
}

int sb_sched_parse_cfs_quota(const char *quota, const char *period, double *cpus)
{
    if (!quota || !period || !cpus)
        return -EINVAL;
    long long q;
    uint64_t p;
    if (sscanf(quota, "%lld", &q) != 1 || sscanf(period, "%" SCNu64, &p) != 1 || p == 0)
        return -EINVAL;
    if (q < 0) { /* -1: no limit */
        *cpus = 0.0;
        return 0;
    }
    *cpus = (double)q / (double)p;
    return 0;
}

int sb_sched_parse_proc_stat(const char *text, uint64_t *ticks, uint64_t *steal)
{
    if (!text || !ticks || !steal)
        return -EINVAL;
    if (strncmp(text, "cpu ", 4) != 0)
        return -EINVAL;
    uint64_t f[8]; /* user nice system idle iowait irq softirq steal */
    int got = sscanf(text + 4, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                               " %" SCNu64 " %" SCNu64 " %" SCNu64,
                     &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7]);
    if (got < 4)
        return -EINVAL;
    if (got < 8) /* kernels before 2.6.11 have no steal column */
        return -ENOENT;
    /* guest and guest_nice are already inside user and nice: not added. */
    *ticks = f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
    *steal = f[7];
    return 0;
}

int sb_sched_parse_pressure(const char *text, double *avg10, uint64_t *total_us)
{
    if (!text || !avg10 || !total_us)
        return -EINVAL;
    for (const char *p = text; *p; p = next_line(p)) {
        if (strncmp(p, "some ", 5) != 0)
            continue;
        const char *a = strstr(p, "avg10="), *t = strstr(p, "total=");
        const char *eol = line_end(p);
        if (!a || !t || a > eol || t > eol)
            return -EINVAL;
        if (sscanf(a + 6, "%lf", avg10) != 1 || sscanf(t + 6, "%" SCNu64, total_us) != 1)
            return -EINVAL;
        return 0;
    }
    return -ENOENT;
}

/* Is tok one of the comma-separated words of list[0..n)? */
static int has_word(const char *list, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    const char *p = list, *end = list + n;
    while (p < end) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        if (!c)
            c = end;
        if ((size_t)(c - p) == tl && memcmp(p, tok, tl) == 0)
            return 1;
        p = c + 1;
    }
    return 0;
}

static int copy_span(const char *from, const char *to, char *buf, size_t len)
{
    size_t n = (size_t)(to - from);
    if (n >= len)
        return -ERANGE;
    memcpy(buf, from, n);
    buf[n] = '\0';
    return 0;
}

/* Lines are "id:controllers:path"; v2's is "0::path".  In a hybrid layout
 * (v1 controllers beside an empty v2 tree, as on this project's machines)
 * the cpu controller lives in v1, so a v1 "cpu" line wins. */
int sb_sched_parse_proc_cgroup(const char *text, int *version, char *path, size_t len)
{
    if (!text || !version || !path || len == 0)
        return -EINVAL;
    const char *v2 = NULL, *v2_end = NULL;
    for (const char *p = text; *p; p = next_line(p)) {
        const char *eol = line_end(p), *c1 = memchr(p, ':', (size_t)(eol - p));
        const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
        if (!c2)
            continue;
        if (c2 == c1 + 1 && c1 - p == 1 && p[0] == '0') {
            v2 = c2 + 1;
            v2_end = eol;
        } else if (has_word(c1 + 1, (size_t)(c2 - c1 - 1), "cpu")) {
            *version = 1;
            return copy_span(c2 + 1, eol, path, len);
        }
    }
    if (!v2)
        return -ENOENT;
    *version = 2;
    return copy_span(v2, v2_end, path, len);
}

/* Fields: id parent maj:min root mountpoint options [optional...] - fstype
 * source superoptions.  Octal escapes (\040) in paths are left as they
 * are: cgroup mount points do not contain spaces in practice. */
static int mount_matches(char **f, int n, int version, char *mnt, size_t mlen, char *root,
                         size_t rlen)
{
    int s = 6;
    while (s < n && strcmp(f[s], "-") != 0)
        s++;
    if (s + 3 >= n)
        return -ENOENT;
    const char *fstype = f[s + 1], *super = f[s + 3];
    int hit = version == 2 ? strcmp(fstype, "cgroup2") == 0
                           : strcmp(fstype, "cgroup") == 0 && has_word(super, strlen(super), "cpu");
    if (!hit)
        return -ENOENT;
    if (copy_span(f[4], f[4] + strlen(f[4]), mnt, mlen) ||
        copy_span(f[3], f[3] + strlen(f[3]), root, rlen))
        return -ERANGE;
    return 0;
}

int sb_sched_parse_mountinfo(const char *text, int version, char *mnt, size_t mlen, char *root,
                             size_t rlen)
{
    if (!text || !mnt || !root || mlen == 0 || rlen == 0 || (version != 1 && version != 2))
        return -EINVAL;
    char line[4096], *save, *f[64];
    for (const char *p = text; *p; p = next_line(p)) {
        if (copy_span(p, line_end(p), line, sizeof line))
            continue; /* a line this long is no cgroup mount */
        int n = 0;
        for (char *t = strtok_r(line, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
            f[n++] = t;
        int rc = n >= 10 ? mount_matches(f, n, version, mnt, mlen, root, rlen) : -ENOENT;
        if (rc != -ENOENT)
            return rc;
    }
    return -ENOENT;
}

/* --- reading the live files ------------------------------------------ */

/* The file's first len - 1 bytes, terminated; 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t used = 0;
    while (used + 1 < len) {
        ssize_t r = read(fd, buf + used, len - 1 - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = -errno;
            close(fd);
            return e;
        }
        if (r == 0)
            break;
        used += (size_t)r;
    }
    buf[used] = '\0';
    close(fd);
    return 0;
}

/* root + dir + "/" + file (file may be ""). */
static int read_at(const char *root, const char *dir, const char *file, char *buf, size_t len)
{
    char path[1200];
    int w = snprintf(path, sizeof path, "%s%s%s%s", root, dir, *file ? "/" : "", file);
    if (w < 0 || (size_t)w >= sizeof path)
        return -ENAMETOOLONG;
    return read_text(path, buf, len);
}

static void read_threads(const char *root, struct sb_sched_snap *s)
{
    char dir[600], text[128], file[300];
    snprintf(dir, sizeof dir, "%s/proc/self/task", root);
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (s->n_threads == SB_SCHED_MAX_THREADS) {
            s->threads_truncated = 1;
            break;
        }
        struct sb_sched_thread t = { .tid = strtol(e->d_name, NULL, 10) };
        snprintf(file, sizeof file, "%s/schedstat", e->d_name);
        /* A thread that exits between readdir and read is simply gone. */
        if (read_at(root, "/proc/self/task", file, text, sizeof text) == 0 &&
            sb_sched_parse_schedstat(text, &t) == 0)
            s->thread[s->n_threads++] = t;
    }
    closedir(d);
    s->have_threads = s->n_threads > 0 && !s->threads_truncated;
}

/* The cgroup directory of the process: the mount point plus the cgroup's
 * path below the mount's root.  Inside a cgroup namespace the path is
 * already relative ("/"); outside, the mount root is a prefix of it. */
static int cgroup_dir(const char *mnt, const char *mroot, const char *cgpath, char *dir,
                      size_t len)
{
    size_t rl = strlen(mroot);
    const char *rel = cgpath;
    if (strcmp(mroot, "/") != 0) {
        int under = strncmp(cgpath, mroot, rl) == 0 && (cgpath[rl] == '/' || !cgpath[rl]);
        rel = under ? cgpath + rl : ""; /* not under the mount's root: the mount itself */
    }
    if (strcmp(rel, "/") == 0)
        rel = "";
    int w = snprintf(dir, len, "%s%s", mnt, rel);
    return (w < 0 || (size_t)w >= len) ? -ENAMETOOLONG : 0;
}

static int read_quota(const char *root, const char *dir, int version, double *cpus)
{
    char q[64], p[64];
    if (version == 2) {
        int rc = read_at(root, dir, "cpu.max", q, sizeof q);
        return rc ? rc : sb_sched_parse_cpu_max(q, cpus);
    }
    int rc = read_at(root, dir, "cpu.cfs_quota_us", q, sizeof q);
    if (!rc)
        rc = read_at(root, dir, "cpu.cfs_period_us", p, sizeof p);
    return rc ? rc : sb_sched_parse_cfs_quota(q, p, cpus);
}

/* Cuts dir's last component, never above mnt; 0 when already at mnt. */
static int parent_dir(char *dir, const char *mnt)
{
    size_t ml = strlen(mnt);
    char *slash = strrchr(dir, '/');
    if (strlen(dir) <= ml || !slash || (size_t)(slash - dir) < ml)
        return 0;
    *slash = '\0';
    return 1;
}

/*
 * A quota anywhere from the process's cgroup up to the hierarchy root caps
 * it, and the throttling is counted where that quota sits; so the tightest
 * quota on the way up is the one reported, with its cpu.stat.  With no
 * quota anywhere, the process's own cpu.stat.
 */
static void read_cgroup(const char *root, struct sb_sched_cgroup *cg, char *big)
{
    char cgpath[512], mnt[256], mroot[512], dir[512], cur[512], stat[1024];
    int version;
    if (read_at(root, "/proc/self/cgroup", "", big, SB_SCHED_BIG_TEXT) ||
        sb_sched_parse_proc_cgroup(big, &version, cgpath, sizeof cgpath) ||
        read_at(root, "/proc/self/mountinfo", "", big, SB_SCHED_BIG_TEXT) ||
        sb_sched_parse_mountinfo(big, version, mnt, sizeof mnt, mroot, sizeof mroot) ||
        cgroup_dir(mnt, mroot, cgpath, dir, sizeof dir))
        return;
    cg->version = version;
    memcpy(cur, dir, sizeof cur);
    memcpy(cg->dir, dir, sizeof cg->dir);
    do {
        double cpus;
        if (read_quota(root, cur, version, &cpus) == 0) {
            cg->have_quota = 1;
            if (cpus > 0.0 && (cg->quota_cpus == 0.0 || cpus < cg->quota_cpus)) {
                cg->quota_cpus = cpus;
                memcpy(cg->dir, cur, sizeof cg->dir);
            }
        }
    } while (parent_dir(cur, mnt));
    if (read_at(root, cg->dir, "cpu.stat", stat, sizeof stat) == 0)
        sb_sched_parse_cpu_stat(stat, version, cg); /* sets have_stat on success */
}

static void read_steal_psi(const char *root, struct sb_sched_snap *s)
{
    char text[4096]; /* the aggregate "cpu" line comes first */
    if (read_at(root, "/proc/stat", "", text, sizeof text) == 0 &&
        sb_sched_parse_proc_stat(text, &s->cpu_ticks, &s->steal_ticks) == 0)
        s->have_steal = 1;
    if (read_at(root, "/proc/pressure/cpu", "", text, sizeof text) == 0 &&
        sb_sched_parse_pressure(text, &s->psi_some_avg10, &s->psi_some_total_us) == 0)
        s->have_psi = 1;
}

int sb_sched_snapshot_at(const char *root, struct sb_sched_snap *s)
{
    if (!root || !s)
        return -EINVAL;
    memset(s, 0, sizeof *s);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s->mono_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    s->ncpu = n > 0 ? n : 0;
    read_threads(root, s);
    char *big = malloc(SB_SCHED_BIG_TEXT);
    if (big) /* without it the cgroup is absent, as documented */
        read_cgroup(root, &s->cg, big);
    free(big);
    read_steal_psi(root, s);
    return 0;
}

int sb_sched_snapshot(struct sb_sched_snap *s)
{
    return sb_sched_snapshot_at("", s);
}

int sb_sched_self(struct sb_sched_thread *t)
{
    if (!t)
        return -EINVAL;
    char text[128];
    int rc = read_text("/proc/thread-self/schedstat", text, sizeof text);
    if (rc)
        return rc;
    struct sb_sched_thread r = { .tid = (long)gettid() };
    rc = sb_sched_parse_schedstat(text, &r);
    if (!rc)
        *t = r;
    return rc;
}

/* --- delta ------------------------------------------------------------ */

static const struct sb_sched_thread *find_tid(const struct sb_sched_snap *s, long tid)
{
    for (size_t i = 0; i < s->n_threads; i++)
        if (s->thread[i].tid == tid)
            return &s->thread[i];
    return NULL;
}

static void delta_threads(const struct sb_sched_snap *a, const struct sb_sched_snap *b,
                          struct sb_sched_delta *d)
{
    static const struct sb_sched_thread zero;
    if (!a->have_threads || !b->have_threads)
        return;
    d->have_threads = 1;
    d->n_threads = b->n_threads;
    uint64_t worked_run = 0;
    for (size_t i = 0; i < b->n_threads; i++) {
        const struct sb_sched_thread *e = &b->thread[i], *s = find_tid(a, e->tid);
        /* Not there at the start, or counters that went back (the tid was
         * reused): born in between, and a new thread's counters start at 0. */
        if (!s || e->run_ns < s->run_ns || e->wait_ns < s->wait_ns || e->slices < s->slices)
            s = &zero;
        uint64_t run = e->run_ns - s->run_ns, wait = e->wait_ns - s->wait_ns;
        d->run_ns += run;
        d->wait_ns += wait;
        d->slices += e->slices - s->slices;
        if ((double)wait / d->wall_ns > d->worst_wait_share || !d->worst_tid) {
            d->worst_wait_share = (double)wait / d->wall_ns;
            d->worst_tid = e->tid;
        }
        if ((double)(run + wait) >= SB_SCHED_WORKED * d->wall_ns) {
            d->n_worked++;
            worked_run += run;
        }
    }
    for (size_t i = 0; i < a->n_threads; i++)
        d->n_vanished += !find_tid(b, a->thread[i].tid);
    if (d->n_worked)
        d->cpu_share = (double)worked_run / (d->wall_ns * (double)d->n_worked);
}

/*
 * throttled_ns is summed over the CPUs whose run queues were throttled
 * (kernel: cfs_b->throttled_time gets each per-CPU throttled stretch), so it
 * is divided by the CPUs the run kept busy: its working threads, at most
 * the CPUs online; with no thread readings, every CPU online.
 */
static void delta_cgroup(const struct sb_sched_cgroup *a, const struct sb_sched_cgroup *b,
                         struct sb_sched_delta *d)
{
    if (b->have_quota) {
        d->have_quota = 1;
        d->quota_cpus = b->quota_cpus;
    }
    if (!a->have_stat || !b->have_stat || a->version != b->version || strcmp(a->dir, b->dir) ||
        b->nr_periods < a->nr_periods || b->nr_throttled < a->nr_throttled ||
        b->throttled_ns < a->throttled_ns)
        return;
    d->have_throttle = 1;
    d->periods = b->nr_periods - a->nr_periods;
    d->throttled_periods = b->nr_throttled - a->nr_throttled;
    d->throttled_ns = b->throttled_ns - a->throttled_ns;
    double cpus = d->ncpu > 0 ? (double)d->ncpu : 1.0;
    if (d->have_threads && d->n_worked)
        cpus = fmin(cpus, (double)d->n_worked);
    d->throttle_share = fmin(1.0, (double)d->throttled_ns / (d->wall_ns * cpus));
}

int sb_sched_delta(const struct sb_sched_snap *start, const struct sb_sched_snap *end,
                   struct sb_sched_delta *d)
{
    if (!start || !end || !d || end->mono_ns <= start->mono_ns)
        return -EINVAL;
    memset(d, 0, sizeof *d);
    d->wall_ns = (double)(end->mono_ns - start->mono_ns);
    d->ncpu = end->ncpu;
    d->cpu_share = NAN;
    delta_threads(start, end, d);
    delta_cgroup(&start->cg, &end->cg, d);
    if (start->have_steal && end->have_steal && end->cpu_ticks > start->cpu_ticks &&
        end->steal_ticks >= start->steal_ticks) {
        d->have_steal = 1;
        d->steal_share = (double)(end->steal_ticks - start->steal_ticks) /
                         (double)(end->cpu_ticks - start->cpu_ticks);
    }
    if (start->have_psi && end->have_psi && end->psi_some_total_us >= start->psi_some_total_us) {
        d->have_psi = 1;
        double us = (double)(end->psi_some_total_us - start->psi_some_total_us);
        d->psi_some_share = fmin(1.0, us * 1000.0 / d->wall_ns);
    }
    return 0;
}

/* --- verdict ---------------------------------------------------------- */

/* Appends "; "-separated (sep) words to buf, truncating silently: the
 * flags carry the verdict, the words only explain it. */
static void add_words(char *buf, size_t len, const char *sep, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    if (used)
        used += (size_t)snprintf(buf + used, len - used, "%s", sep);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

static void judge_threads(const struct sb_sched_delta *d, int whole_core,
                          struct sb_sched_verdict *v)
{
    v->judged++;
    if (d->worst_wait_share > SB_SCHED_WAIT_MAX) {
        v->by_wait = 1;
        add_words(v->reason, sizeof v->reason, "; ", "waited %.0f %% of its time for a CPU",
                  d->worst_wait_share * 100.0);
    }
    if (!whole_core || !d->n_worked)
        return;
    v->judged++;
    if (d->cpu_share < SB_SCHED_SHARE_MIN) {
        v->by_share = 1;
        add_words(v->reason, sizeof v->reason, "; ",
                  "got %.2f of a core per thread that asked for a whole one", d->cpu_share);
    }
}

static void judge_machine(const struct sb_sched_delta *d, struct sb_sched_verdict *v)
{
    if (d->have_throttle) {
        v->judged++;
        if (d->throttle_share > SB_SCHED_THROTTLE_MAX) {
            v->by_throttle = 1;
            if (d->have_quota && d->quota_cpus > 0.0)
                add_words(v->reason, sizeof v->reason, "; ",
                          "throttled %.0f %% by the cgroup's %.2g-CPU quota",
                          d->throttle_share * 100.0, d->quota_cpus);
            else
                add_words(v->reason, sizeof v->reason, "; ",
                          "throttled %.0f %% by a cgroup CPU quota", d->throttle_share * 100.0);
        }
    }
    if (d->have_steal) {
        v->judged++;
        if (d->steal_share > SB_SCHED_STEAL_MAX) {
            v->by_steal = 1;
            add_words(v->reason, sizeof v->reason, "; ", "the hypervisor stole %.0f %% of the CPUs",
                      d->steal_share * 100.0);
        }
    }
}

int sb_sched_verdict(const struct sb_sched_delta *d, int whole_core, struct sb_sched_verdict *v)
{
    if (!d || !v || !(d->wall_ns > 0.0))
        return -EINVAL;
    memset(v, 0, sizeof *v);
    if (d->have_threads)
        judge_threads(d, whole_core, v);
    judge_machine(d, v);
    v->starved = v->by_wait || v->by_throttle || v->by_steal || v->by_share;
    const char *missing[] = { d->have_threads ? NULL : "threads",
                              d->have_throttle ? NULL : "cgroup throttling",
                              d->have_quota ? NULL : "cgroup quota",
                              d->have_steal ? NULL : "steal", d->have_psi ? NULL : "CPU pressure" };
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++)
        if (missing[i])
            add_words(v->absent, sizeof v->absent, ", ", "%s", missing[i]);
    return 0;
}
