/*
 * plugins.c - probing plugins in a child before the matrix is built, and
 * loading one in a run's child (plugins.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugins.h"
#include "sbuf/registry.h"
#include "sha256.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Appends what fd has to buf (at *n, cap bytes, the rest dropped); 0 at end of file. */
static int drain(int fd, char *buf, size_t cap, size_t *n)
{
    char tmp[4096];
    ssize_t r = read(fd, tmp, sizeof(tmp));
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return 1;
    if (r <= 0)
        return 0;
    size_t k = (size_t)r < cap - 1 - *n ? (size_t)r : cap - 1 - *n;
    memcpy(buf + *n, tmp, k);
    *n += k;
    buf[*n] = '\0';
    return 1;
}

/*
 * Runs argv[0] with argv, stdout and stderr captured, for at most
 * timeout_ns.  Returns the wait status, or -1 (could not start; errno) or
 * -2 (timed out and killed).
 */
static int spawn_capture(char *const argv[], uint64_t timeout_ns, char *out, size_t outcap,
                         char *err, size_t errcap)
{
    int po[2], pe[2];
    out[0] = err[0] = '\0';
    if (pipe2(po, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(pe, O_CLOEXEC) < 0) {
        close(po[0]);
        close(po[1]);
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
            _exit(127);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigaction(SIGPIPE, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(argv[0], argv);
        _exit(127);
    }
    int e = errno;
    close(po[1]);
    close(pe[1]);
    if (pid < 0) {
        close(po[0]);
        close(pe[0]);
        errno = e;
        return -1;
    }
    size_t no = 0, ne = 0;
    int open_o = 1, open_e = 1, timed_out = 0;
    uint64_t deadline = now_ns() + timeout_ns;
    while (open_o || open_e) {
        uint64_t t = now_ns();
        if (t >= deadline) {
            timed_out = 1;
            kill(pid, SIGKILL);
            break;
        }
        struct pollfd fds[2] = {{.fd = open_o ? po[0] : -1, .events = POLLIN},
                                {.fd = open_e ? pe[0] : -1, .events = POLLIN}};
        int left_ms = (int)((deadline - t) / 1000000ull) + 1;
        int rc = poll(fds, 2, left_ms);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc <= 0)
            continue;
        if (fds[0].revents && !drain(po[0], out, outcap, &no))
            open_o = 0;
        if (fds[1].revents && !drain(pe[0], err, errcap, &ne))
            open_e = 0;
    }
    close(po[0]);
    close(pe[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return timed_out ? -2 : st;
}

/* The first (last: first = 0) non-empty line of s, into line. */
static void pick_line(const char *s, int first, char *line, size_t len)
{
    line[0] = '\0';
    for (const char *p = s; *p;) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0) {
            snprintf(line, len, "%.*s", (int)n, p);
            if (first)
                return;
        }
        p += n + (end != NULL);
    }
}

static int index_of(const struct sb_probe_result *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->names[i], name) == 0)
            return (int)i;
    return -1;
}

/* The probe's stdout: "strategy NAME CAPS" and "capacity NAME ASKED REAL" lines. */
static int parse_probe(const char *out, const size_t *sizes, size_t nsizes,
                       struct sb_probe_result *r)
{
    memset(r, 0, sizeof(*r));
    for (const char *p = out; *p;) {
        const char *end = strchr(p, '\n');
        char line[256], name[SB_NAME_MAX];
        snprintf(line, sizeof(line), "%.*s", (int)(end ? end - p : (long)strlen(p)), p);
        p = end ? end + 1 : p + strlen(p);
        unsigned caps;
        unsigned long long asked, real;
        if (sscanf(line, "strategy %63s %x", name, &caps) == 2) {
            if (r->n == SBUF_PLUGIN_MAX_STRATEGIES || index_of(r, name) >= 0)
                return -1;
            snprintf(r->names[r->n], SB_NAME_MAX, "%s", name);
            r->caps[r->n++] = caps;
        } else if (sscanf(line, "capacity %63s %llu %llu", name, &asked, &real) == 3) {
            int i = index_of(r, name);
            size_t s;
            for (s = 0; s < nsizes && sizes[s] != asked; s++)
                ;
            if (i < 0 || s == nsizes)
                return -1;
            r->capacity[i][s] = (size_t)real;
        } else if (line[0]) {
            return -1;
        }
    }
    return r->n > 0 ? 0 : -1;
}

int sb_plugin_probe(const char *exe, const char *path, const char *name, const size_t *sizes,
                    size_t nsizes, struct sb_probe_result *out, char *msg, size_t len)
{
    if (nsizes > SB_PROBE_MAX_SIZES) {
        snprintf(msg, len, "%s: more than %d buffer sizes to probe", path, SB_PROBE_MAX_SIZES);
        return SB_EXIT_USAGE;
    }
    char self[PATH_MAX];
    if (!exe) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0) {
            snprintf(msg, len, "%s: cannot find serbench itself to probe it: %s", path,
                     strerror(errno));
            return SB_EXIT_FAILED;
        }
        self[n] = '\0';
        exe = self;
    }
    char num[SB_PROBE_MAX_SIZES][24];
    char *argv[4 + SB_PROBE_MAX_SIZES + 1];
    int a = 0;
    argv[a++] = (char *)exe;
    argv[a++] = "__probe-plugin";
    argv[a++] = (char *)path;
    argv[a++] = (char *)(name ? name : "-");
    for (size_t i = 0; i < nsizes; i++) {
        snprintf(num[i], sizeof(num[i]), "%zu", sizes[i]);
        argv[a++] = num[i];
    }
    argv[a] = NULL;
    static char outbuf[65536];
    char errbuf[8192], line[1024];
    int st = spawn_capture(argv, SB_PROBE_TIMEOUT_NS, outbuf, sizeof(outbuf), errbuf,
                           sizeof(errbuf));
    if (st == -1) {
        snprintf(msg, len, "%s: cannot start the probe (%s): %s", path, exe, strerror(errno));
        return SB_EXIT_FAILED;
    }
    if (st == -2) {
        snprintf(msg, len, "%s: the probe did not finish within %llu s (does loading or "
                 "creating a buffer hang?)", path, SB_PROBE_TIMEOUT_NS / 1000000000ull);
        return SB_EXIT_USAGE;
    }
    if (WIFSIGNALED(st)) {
        snprintf(msg, len, "%s: crashed while being probed (signal %d, %s)", path, WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
        return SB_EXIT_USAGE;
    }
    int code = WEXITSTATUS(st);
    if (code == SB_EXIT_USAGE || code == SB_EXIT_MISSING) {
        pick_line(errbuf, 1, line, sizeof(line));
        snprintf(msg, len, "%s", line[0] ? line : "the probe failed without a message");
        return code;
    }
    if (code != 0) {
        pick_line(errbuf, 0, line, sizeof(line));
        snprintf(msg, len, "%s: failed while being probed (exit %d%s%s)", path, code,
                 line[0] ? ": " : "", line);
        return SB_EXIT_USAGE;
    }
    if (parse_probe(outbuf, sizes, nsizes, out) < 0) {
        snprintf(msg, len, "%s: the probe answered nonsense", path);
        return SB_EXIT_FAILED;
    }
    return SB_EXIT_OK;
}

/* Adds size to the set (sizes, *n). */
static void add_size(size_t *sizes, size_t *n, size_t size)
{
    for (size_t i = 0; i < *n; i++)
        if (sizes[i] == size)
            return;
    if (*n < SB_PROBE_MAX_SIZES)
        sizes[(*n)++] = size;
}

/* Merges one probe's strategies into the plugin's list. */
static void merge_names(struct sb_plugin_ref *ref, const struct sb_probe_result *r)
{
    for (size_t i = 0; i < r->n; i++) {
        size_t k;
        for (k = 0; k < ref->nnames && strcmp(ref->names[k], r->names[i]) != 0; k++)
            ;
        if (k == ref->nnames && k < SBUF_PLUGIN_MAX_STRATEGIES) {
            snprintf(ref->names[k], SB_NAME_MAX, "%s", r->names[i]);
            ref->caps[k] = r->caps[i];
            ref->nnames++;
        }
    }
}

/* The probes of one plugin: results for "all" (index 0) or per name. */
struct probes {
    size_t n;
    struct sb_probe_result r[SBUF_PLUGIN_MAX_STRATEGIES];
    size_t sizes[SB_PROBE_MAX_SIZES];
    size_t nsizes;
};

static size_t capacity_of(const struct probes *pr, const char *name, size_t size)
{
    size_t s;
    for (s = 0; s < pr->nsizes && pr->sizes[s] != size; s++)
        ;
    for (size_t k = 0; k < pr->n && s < pr->nsizes; k++) {
        int i = index_of(&pr->r[k], name);
        if (i >= 0)
            return pr->r[k].capacity[i][s];
    }
    return 0;
}

/* Probes plugin p of sc: every name its jobs ask for, at every buffer size. */
static int probe_ref(struct sb_scenario *sc, size_t p, const char *exe, struct probes *pr,
                     struct sb_err *err)
{
    struct sb_plugin_ref *ref = &sc->plugins[p];
    const char *wanted[SBUF_PLUGIN_MAX_STRATEGIES];
    size_t nwanted = 0;
    int all = 0;
    pr->n = pr->nsizes = 0;
    for (size_t j = 0; j < sc->njobs; j++) {
        const struct sb_job *job = &sc->jobs[j];
        for (size_t i = 0; i < job->nstrategies; i++) {
            if (job->strategy_plugin[i] != p + 1)
                continue;
            add_size(pr->sizes, &pr->nsizes, job->base.buffer);
            const char *name = job->strategies[i];
            if (!*name) {
                all = 1;
                continue;
            }
            size_t k;
            for (k = 0; k < nwanted && strcmp(wanted[k], name) != 0; k++)
                ;
            if (k == nwanted && nwanted < SBUF_PLUGIN_MAX_STRATEGIES)
                wanted[nwanted++] = name;
        }
    }
    /* Every name the plugin exports when a job takes them all (a name it
     * lacks is then found below); else only those named, so that another
     * of its strategies never stands in the way. */
    size_t nprobes = all ? 1 : nwanted;
    for (size_t k = 0; k < nprobes; k++) {
        char msg[SB_ERR_MAX];
        int code = sb_plugin_probe(exe, ref->path, all ? NULL : wanted[k], pr->sizes,
                                   pr->nsizes, &pr->r[k], msg, sizeof(msg));
        if (code != SB_EXIT_OK)
            return sb_errf(err, code, "%s: %s", ref->where, msg);
        merge_names(ref, &pr->r[k]);
        pr->n++;
    }
    for (size_t k = 0; all && k < nwanted; k++)
        if (index_of(&pr->r[0], wanted[k]) < 0) {
            char names[SBUF_PLUGIN_MAX_STRATEGIES * SB_NAME_MAX] = "";
            for (size_t i = 0; i < ref->nnames; i++)
                snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                         i ? ", " : "", ref->names[i]);
            return sb_errf(err, SB_EXIT_USAGE, "%s: %s: exports no strategy '%s' (it exports: %s)",
                           ref->where, ref->path, wanted[k], names);
        }
    if (sb_sha256_file(ref->path, ref->sha256) < 0)
        return sb_errf(err, SB_EXIT_USAGE, "%s: %s: cannot read it to hash it: %s", ref->where,
                       ref->path, strerror(errno));
    ref->probed = 1;
    return 0;
}

/* Job j's strategy list with every plugin:PATH entry replaced by its names. */
static int expand_job(struct sb_scenario *sc, struct sb_job *j, struct probes *all,
                      struct sb_err *err)
{
    char names[SB_MAX_LIST][SB_NAME_MAX];
    unsigned char plugin[SB_MAX_LIST];
    size_t n = 0;
    for (size_t i = 0; i < j->nstrategies; i++) {
        unsigned p = j->strategy_plugin[i];
        size_t from = 0, count = 1;
        if (p && !j->strategies[i][0])
            count = sc->plugins[p - 1].nnames;
        for (size_t k = from; k < count; k++) {
            const char *name = p && !j->strategies[i][0] ? sc->plugins[p - 1].names[k]
                                                          : j->strategies[i];
            size_t d;
            for (d = 0; d < n && !(plugin[d] == p && strcmp(names[d], name) == 0); d++)
                ;
            if (d < n)
                continue;
            for (d = 0; d < n; d++)
                if (strcmp(names[d], name) == 0)
                    return sb_errf(err, SB_EXIT_USAGE,
                                   "%s:%u: [%s]: two strategies named '%s' (%s and %s); a run "
                                   "names its strategy, so each name may appear once in a job",
                                   j->file, j->line, j->name, name,
                                   plugin[d] ? sc->plugins[plugin[d] - 1].path : "built in",
                                   p ? sc->plugins[p - 1].path : "built in");
            if (n == SB_MAX_LIST)
                return sb_errf(err, SB_EXIT_USAGE, "%s:%u: [%s]: more than %d strategies",
                               j->file, j->line, j->name, SB_MAX_LIST);
            snprintf(names[n], SB_NAME_MAX, "%s", name);
            plugin[n++] = (unsigned char)p;
        }
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(j->strategies[i], SB_NAME_MAX, "%.*s", SB_NAME_MAX - 1, names[i]);
        j->strategy_plugin[i] = plugin[i];
        j->strategy_capacity[i] =
            plugin[i] ? capacity_of(&all[plugin[i] - 1], names[i], j->base.buffer) : 0;
    }
    j->nstrategies = n;
    return 0;
}

int sb_plugins_resolve(struct sb_scenario *const *sc, size_t nsc, const char *exe,
                       struct sb_err *err)
{
    for (size_t s = 0; s < nsc; s++) {
        if (!sc[s]->nplugins)
            continue;
        struct probes *pr = calloc(sc[s]->nplugins, sizeof(*pr));
        if (!pr)
            return sb_errf(err, SB_EXIT_FAILED, "out of memory");
        int rc = 0;
        for (size_t p = 0; p < sc[s]->nplugins && rc == 0; p++)
            rc = probe_ref(sc[s], p, exe, &pr[p], err);
        for (size_t j = 0; j < sc[s]->njobs && rc == 0; j++)
            rc = expand_job(sc[s], &sc[s]->jobs[j], pr, err);
        free(pr);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int sb_plugin_load_for_run(const struct sb_run_params *p, char *why, size_t len)
{
    if (!p->plugin[0])
        return 0;
    char hex[SB_SHA256_HEX];
    if (sb_sha256_file(p->plugin, hex) < 0) {
        snprintf(why, len, "plugin %s: cannot read it: %s", p->plugin, strerror(errno));
        return SB_EXIT_USAGE;
    }
    if (p->plugin_sha256[0] && strcmp(hex, p->plugin_sha256) != 0) {
        snprintf(why, len, "plugin %s changed since the suite probed it (sha256 %.12s..., was "
                 "%.12s...)", p->plugin, hex, p->plugin_sha256);
        return SB_EXIT_USAGE;
    }
    struct sbuf_plugin_handle *h;
    char msg[SB_REASON_MAX];
    int rc = sbuf_plugin_open(p->plugin, &h, msg, sizeof(msg));
    if (rc == SBUF_OK)
        rc = sbuf_plugin_register(h, p->strategy, msg, sizeof(msg));
    if (rc != SBUF_OK) {
        snprintf(why, len, "plugin %s", msg);
        return rc == SBUF_ENOLIB ? SB_EXIT_MISSING : SB_EXIT_USAGE;
    }
    /* Kept loaded: the run's buffers come from it until the process ends. */
    return 0;
}
