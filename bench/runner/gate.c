/* gate.c - serbench gate (gate.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cells.h"
#include "compare_internal.h"
#include "fileio.h"
#include "gate.h"
#include "results.h"
#include "scenario.h"

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
    stop_sig = sig;
}

/* ---- joining a side's rounds ------------------------------------------------ */

static int copy_file(const char *from, const char *to)
{
    size_t n;
    char *s = sb_slurp(from, &n);
    if (!s)
        return -1;
    FILE *f = fopen(to, "w");
    int rc = f && fwrite(s, 1, n, f) == n ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(s);
    return rc;
}

int sb_gate_join(const char *dir, char *const *parts, size_t n, struct sb_err *err)
{
    char out[PATH_MAX], tmp[PATH_MAX + 8], path[PATH_MAX + 32];
    snprintf(out, sizeof(out), "%s/runs.csv", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", out);
    if (n == 0)
        return sb_errf(err, SB_EXIT_USAGE, "%s: nothing to join", dir);
    mkdir(dir, 0755);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", tmp, strerror(errno));
    char *header = NULL;
    size_t hlen = 0;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        snprintf(path, sizeof(path), "%s/runs.csv", parts[i]);
        size_t len;
        char *s = sb_slurp(path, &len);
        char *nl = s ? memchr(s, '\n', len) : NULL;
        if (!nl) {
            rc = sb_errf(err, SB_EXIT_USAGE, "%s: missing or without a header", path);
        } else if (i == 0) {
            hlen = (size_t)(nl - s) + 1;
            header = malloc(hlen);
            if (header)
                memcpy(header, s, hlen);
            rc = header && fwrite(s, 1, len, f) == len ? 0 : -1;
        } else if ((size_t)(nl - s) + 1 != hlen || memcmp(s, header, hlen) != 0) {
            rc = sb_errf(err, SB_EXIT_USAGE, "%s: its header differs from %s/runs.csv's", path,
                         parts[0]);
        } else {
            rc = fwrite(nl + 1, 1, len - hlen, f) == len - hlen ? 0 : -1;
        }
        if (rc < 0 && !err->code)
            sb_errf(err, SB_EXIT_FAILED, "%s: cannot write", tmp);
        free(s);
    }
    free(header);
    if (fclose(f) != 0 && rc == 0)
        rc = sb_errf(err, SB_EXIT_FAILED, "%s: cannot write", tmp);
    if (rc == 0 && rename(tmp, out) < 0)
        rc = sb_errf(err, SB_EXIT_FAILED, "%s: %s", out, strerror(errno));
    if (rc < 0) {
        unlink(tmp);
        return -1;
    }
    char from[PATH_MAX + 16], to[PATH_MAX + 16];
    snprintf(from, sizeof(from), "%s/env.json", parts[0]);
    snprintf(to, sizeof(to), "%s/env.json", dir);
    if (access(from, R_OK) == 0 && copy_file(from, to) < 0)
        return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write", to);
    return sb_cells_write(dir, err);
}

/* ---- running a side ------------------------------------------------------------ */

struct gate {
    const struct sb_gate_opts *g;
    const struct sb_cmp_cli *cli;
    char dir[PATH_MAX - 64];
    char self[PATH_MAX];
    unsigned rounds;
};

/*
 * bin run SCENARIOS --repeat R -q -o out [filters] [--inject]; its exit
 * code, 130 when the gate was interrupted.
 */
static int run_side(const struct gate *gt, const char *bin, const char *out, unsigned repeat,
                    const char *const *filters, size_t nfilters, int inject)
{
    const struct sb_gate_opts *g = gt->g;
    char rep[16];
    snprintf(rep, sizeof(rep), "%u", repeat);
    size_t max = 12 + g->nsc + 2 * nfilters;
    char **argv = calloc(max, sizeof(*argv));
    if (!argv)
        return SB_EXIT_FAILED;
    size_t a = 0;
    argv[a++] = (char *)bin;
    argv[a++] = "run";
    for (size_t i = 0; i < g->nsc; i++)
        argv[a++] = g->scenarios[i];
    if (repeat) {
        argv[a++] = "--repeat";
        argv[a++] = rep;
    }
    argv[a++] = "-q";
    argv[a++] = "-o";
    argv[a++] = (char *)out;
    for (size_t i = 0; i < nfilters; i++) {
        argv[a++] = "--filter";
        argv[a++] = (char *)filters[i];
    }
    if (inject && g->inject) {
        argv[a++] = "--inject";
        argv[a++] = (char *)g->inject;
    }
    argv[a] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0)
            dup2(nul, 1); /* the summary is in the directory */
        execv(bin, argv);
        fprintf(stderr, "serbench gate: cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    free(argv);
    if (pid < 0)
        return SB_EXIT_FAILED;
    int st = 0, forwarded = 0;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return SB_EXIT_FAILED;
        if (stop_sig && !forwarded) {
            kill(pid, SIGINT); /* it records the run as aborted and exits 130 */
            forwarded = 1;
        }
    }
    if (stop_sig)
        return SB_EXIT_INTERRUPTED;
    if (WIFSIGNALED(st))
        return SB_EXIT_FAILED;
    return WEXITSTATUS(st);
}

/* A side's exit code: 0 and 1 (a run failed: compare sees the row) go on;
 * the rest stop the gate with it (127: the binary could not run = 2). */
static int fatal(int code, const char *bin, const char *out)
{
    if (code == SB_EXIT_OK || code == SB_EXIT_FAILED)
        return 0;
    if (code == 127)
        code = SB_EXIT_USAGE;
    fprintf(stderr, "serbench gate: %s run into %s exited %d: stopping\n", bin, out, code);
    return code;
}

static void progress(const struct gate *gt, const char *fmt, const char *a, unsigned i, unsigned n)
{
    if (gt->g->quiet)
        return;
    fprintf(stderr, "serbench gate: ");
    fprintf(stderr, fmt, a, i, n);
    fputc('\n', stderr);
}

/*
 * Rounds of both sides (A/B) or of NEW alone (stored) into sub/ (sub = ""
 * or "rerun/"), each invocation with filters; joins each side.  0 or an
 * exit code.
 */
static int run_rounds(struct gate *gt, const char *sub, const char *const *filters,
                      size_t nfilters, const char *tag)
{
    const struct sb_gate_opts *g = gt->g;
    int ab = g->baseline_bin != NULL;
    unsigned rounds = ab ? gt->rounds : 1;
    char **parts[2];
    parts[0] = calloc(rounds + 1, sizeof(char *));
    parts[1] = calloc(rounds + 1, sizeof(char *));
    int code = parts[0] && parts[1] ? 0 : SB_EXIT_FAILED;
    for (unsigned r = 0; r < rounds && !code; r++) {
        for (int k = 0; k < 2 && !code; k++) {
            /* A B, then B A: neither side always goes first */
            int side = (r % 2 == 0) ? k : 1 - k; /* 0 base, 1 new */
            if (side == 0 && !ab)
                continue;
            const char *bin = side ? gt->self : g->baseline_bin;
            char out[PATH_MAX];
            snprintf(out, sizeof(out), "%s/%s%s/r%02u%s", gt->dir, sub, side ? "new" : "base", r,
                     tag);
            parts[side][r] = strdup(out);
            progress(gt, "%s round %u", side ? "NEW " : "BASE", r + 1, rounds);
            code = fatal(run_side(gt, bin, out, ab ? 1 : g->repeat, filters, nfilters, side == 1),
                         bin, out);
        }
    }
    for (int side = 0; side < 2 && !code; side++) {
        if (side == 0 && !ab)
            continue;
        char d[PATH_MAX];
        snprintf(d, sizeof(d), "%s/%s%s", gt->dir, sub, side ? "new" : "base");
        struct sb_err err = {0};
        if (sb_gate_join(d, parts[side], rounds, &err) < 0) {
            fprintf(stderr, "serbench gate: %s\n", err.msg);
            code = err.code;
        }
    }
    for (int s = 0; s < 2; s++) {
        for (unsigned r = 0; parts[s] && r < rounds; r++)
            free(parts[s][r]);
        free(parts[s]);
    }
    return code;
}

/* ---- the re-run ------------------------------------------------------------------- */

/*
 * The regressed cells of c, one invocation a job: --filter scenario=, job=,
 * and every strategy and allocator of that job's regressed cells.  The
 * rounds of all jobs join into rerun/base and rerun/new.
 */
static int rerun(struct gate *gt, const struct sb_cmp *c)
{
    size_t n = sb_cmp_regressed_count(c);
    char *done = calloc(n + 1, 1);
    char (*f)[200] = calloc(2 + 2 * n, sizeof(*f));
    const char **fp = calloc(2 + 2 * n, sizeof(*fp));
    int code = done && f && fp ? 0 : SB_EXIT_FAILED;
    /* every job's rounds into rerun/<side>/rNN-gGG, then all joined */
    char **parts[2] = {calloc(n * gt->rounds + 1, sizeof(char *)),
                       calloc(n * gt->rounds + 1, sizeof(char *))};
    size_t np[2] = {0, 0};
    int ab = gt->g->baseline_bin != NULL;
    unsigned rounds = ab ? gt->rounds : 1;
    if (!parts[0] || !parts[1])
        code = SB_EXIT_FAILED;
    for (size_t i = 0, g = 0; i < n && !code; i++) {
        if (done[i])
            continue;
        const char *k[4], *k2[4];
        sb_cmp_regressed_key(c, i, k);
        size_t nf = 0;
        snprintf(f[nf++], 200, "scenario=%s", k[0]);
        snprintf(f[nf++], 200, "job=%s", k[1]);
        for (size_t j = i; j < n; j++) {
            sb_cmp_regressed_key(c, j, k2);
            if (strcmp(k[0], k2[0]) != 0 || strcmp(k[1], k2[1]) != 0)
                continue;
            done[j] = 1;
            snprintf(f[nf++], 200, "strategy=%s", k2[2]);
            snprintf(f[nf++], 200, "allocator=%s", k2[3]);
        }
        for (size_t j = 0; j < nf; j++)
            fp[j] = f[j];
        if (nf > SB_MAX_FILTERS)
            nf = SB_MAX_FILTERS; /* a superset at worst: compare keeps only the regressed */
        for (unsigned r = 0; r < rounds && !code; r++)
            for (int kk = 0; kk < 2 && !code; kk++) {
                int side = (r % 2 == 0) ? kk : 1 - kk;
                if (side == 0 && !ab)
                    continue;
                const char *bin = side ? gt->self : gt->g->baseline_bin;
                char out[PATH_MAX];
                snprintf(out, sizeof(out), "%s/rerun/%s/r%02u-g%02zu", gt->dir,
                         side ? "new" : "base", r, g);
                parts[side][np[side]++] = strdup(out);
                progress(gt, "re-run %s round %u", side ? "NEW " : "BASE", r + 1, rounds);
                code = fatal(run_side(gt, bin, out, ab ? 1 : gt->g->repeat, fp, nf, side == 1),
                             bin, out);
            }
        g++;
    }
    for (int side = 0; side < 2 && !code; side++) {
        if (side == 0 && !ab)
            continue;
        char d[PATH_MAX];
        snprintf(d, sizeof(d), "%s/rerun/%s", gt->dir, side ? "new" : "base");
        struct sb_err err = {0};
        if (sb_gate_join(d, parts[side], np[side], &err) < 0) {
            fprintf(stderr, "serbench gate: %s\n", err.msg);
            code = err.code;
        }
    }
    for (int s = 0; s < 2; s++) {
        for (size_t r = 0; parts[s] && r < np[s]; r++)
            free(parts[s][r]);
        free(parts[s]);
    }
    free(done);
    free(f);
    free(fp);
    return code;
}

/* ---- the verdict and the reports ------------------------------------------------ */

static int in_list(const struct sb_cmp *c, const char *name)
{
    for (size_t i = 0; c && i < sb_cmp_regressed_count(c); i++)
        if (strcmp(sb_cmp_regressed_name(c, i), name) == 0)
            return 1;
    return 0;
}

static int final_code(const struct sb_cmp *first, const struct sb_cmp *again, int no_rerun)
{
    int code = sb_cmp_exit(first);
    if (code != SB_EXIT_FAILED || no_rerun)
        return code;
    int confirmed = 0;
    for (size_t i = 0; i < sb_cmp_regressed_count(first); i++)
        confirmed |= in_list(again, sb_cmp_regressed_name(first, i));
    return confirmed ? SB_EXIT_FAILED : SB_EXIT_INCONCLUSIVE;
}

static void summary(FILE *out, const struct gate *gt, const struct sb_cmp *first,
                    const struct sb_cmp *again, int code)
{
    static const char *const words[] = {"no regression", "regression", "", "", "nothing compared",
                                        "inconclusive"};
    fprintf(out, "## serbench gate: %s (exit %d)\n\n",
            code >= 0 && code <= 5 && *words[code] ? words[code] : "?", code);
    fprintf(out, "%s, %u round%s a side; results in `%s/`.\n\n",
            gt->g->baseline_bin ? "A/B interleaved against the baseline binary"
                                : "against the stored baseline",
            gt->rounds, gt->rounds == 1 ? "" : "s", gt->dir);
    size_t n = sb_cmp_regressed_count(first);
    if (n && !gt->g->no_rerun) {
        fputs("| cell that regressed | re-run |\n| --- | --- |\n", out);
        for (size_t i = 0; i < n; i++) {
            const char *name = sb_cmp_regressed_name(first, i);
            fprintf(out, "| `%s` | %s |\n", name,
                    in_list(again, name) ? "**regressed again: confirmed**"
                                         : "not again: inconclusive");
        }
        fputc('\n', out);
    }
    sb_cmp_markdown(first, out, "First comparison");
    if (again)
        sb_cmp_markdown(again, out, "Re-run of the cells that regressed");
}

static int write_json(FILE *out, const struct sb_cmp *first, const struct sb_cmp *again, int code)
{
    json_t *root = json_object(), *conf = json_array(), *not = json_array();
    for (size_t i = 0; i < sb_cmp_regressed_count(first); i++) {
        const char *name = sb_cmp_regressed_name(first, i);
        json_array_append_new(in_list(again, name) ? conf : not, json_string(name));
    }
    json_object_set_new(root, "exit", json_integer(code));
    json_object_set_new(root, "confirmed", conf);
    json_object_set_new(root, "not_confirmed", not);
    json_object_set_new(root, "first", sb_cmp_json_obj(first));
    json_object_set_new(root, "rerun", again ? sb_cmp_json_obj(again) : json_null());
    int rc = json_dumpf(root, out, JSON_INDENT(2)) == 0 && fputc('\n', out) != EOF ? 0 : -1;
    json_decref(root);
    return rc;
}

static int reports(const struct gate *gt, const struct sb_cmp *first, const struct sb_cmp *again,
                   int code)
{
    const struct sb_cmp_cli *cli = gt->cli;
    char path[PATH_MAX];
    int rc = 0;
    snprintf(path, sizeof(path), "%s/gate.md", gt->dir);
    FILE *f = fopen(path, "w");
    if (f) {
        summary(f, gt, first, again, code);
        rc |= fclose(f);
    }
    snprintf(path, sizeof(path), "%s/gate.json", gt->dir);
    f = fopen(path, "w");
    if (f) {
        rc |= write_json(f, first, again, code);
        rc |= fclose(f);
    }
    int stdout_taken = (cli->json && !cli->json_file) || (cli->bmf && !cli->bmf_file);
    if (!stdout_taken)
        summary(stdout, gt, first, again, code);
    if (cli->markdown_file && (f = fopen(cli->markdown_file, "a"))) {
        summary(f, gt, first, again, code);
        rc |= fclose(f);
    } else if (cli->markdown_file) {
        rc = -1;
    }
    if (cli->json) {
        f = cli->json_file ? fopen(cli->json_file, "w") : stdout;
        rc |= !f || write_json(f, first, again, code) < 0;
        if (f && f != stdout)
            rc |= fclose(f);
    }
    if (cli->bmf) {
        f = cli->bmf_file ? fopen(cli->bmf_file, "w") : stdout;
        rc |= !f || sb_cmp_bmf(first, f) < 0;
        if (f && f != stdout)
            rc |= fclose(f);
    }
    fflush(stdout);
    if (rc)
        fprintf(stderr, "serbench gate: a report could not be written\n");
    return rc ? -1 : 0;
}

/* ---- the gate ----------------------------------------------------------------------- */

static int prepare(struct gate *gt, struct sb_err *err)
{
    const struct sb_gate_opts *g = gt->g;
    unsigned max_repeat = 0;
    char name[128] = "gate";
    size_t at = 4;
    for (size_t i = 0; i < g->nsc; i++) {
        struct sb_scenario *sc;
        if (sb_scenario_load(g->scenarios[i], &sc, err) < 0)
            return -1;
        for (size_t j = 0; j < sc->njobs; j++)
            max_repeat = sc->jobs[j].repeat > max_repeat ? sc->jobs[j].repeat : max_repeat;
        at += (size_t)snprintf(name + at, at < sizeof(name) ? sizeof(name) - at : 0, "-%s",
                               sc->name);
        sb_scenario_free(sc);
    }
    gt->rounds = g->repeat ? g->repeat : max_repeat;
    if (gt->rounds == 0)
        gt->rounds = 1;
    ssize_t n = readlink("/proc/self/exe", gt->self, sizeof(gt->self) - 1);
    if (n <= 0)
        return sb_errf(err, SB_EXIT_FAILED, "cannot find this serbench: %s", strerror(errno));
    gt->self[n] = '\0';
    if (g->baseline_bin && access(g->baseline_bin, X_OK) < 0)
        return sb_errf(err, SB_EXIT_USAGE, "--baseline-bin %s: %s", g->baseline_bin,
                       strerror(errno));
    if (g->outdir) {
        struct stat st;
        if (stat(g->outdir, &st) == 0)
            return sb_errf(err, SB_EXIT_USAGE, "-o %s: already exists (a gate writes a fresh "
                                               "directory)", g->outdir);
    }
    if (sb_outdir_create(g->outdir, name, gt->dir, sizeof(gt->dir), err) < 0)
        return -1;
    /* The gate needs no pty ceilings (no metric uses them): skip their
     * three seconds a shape in every one of its many suites. */
    setenv("SERBENCH_NO_CALIBRATE", "1", 0);
    return 0;
}

static int compare_dirs(const struct gate *gt, const char *base, const char *new_,
                        const struct sb_cmp *only, struct sb_cmp **out)
{
    struct sb_cmp_opts o = gt->cli->opts;
    const char **names = NULL;
    if (only) {
        size_t n = sb_cmp_regressed_count(only);
        names = calloc(n + 1, sizeof(*names));
        if (!names)
            return SB_EXIT_FAILED;
        for (size_t i = 0; i < n; i++)
            names[i] = sb_cmp_regressed_name(only, i);
        o.only = names;
        o.nonly = n;
    }
    struct sb_err err = {0};
    int rc = sb_compare(base, new_, &o, out, &err);
    free(names);
    if (rc < 0) {
        fprintf(stderr, "serbench gate: %s\n", err.msg);
        return err.code;
    }
    return 0;
}

int sb_gate_run(const struct sb_gate_opts *g, const struct sb_cmp_cli *cli)
{
    struct gate gt = {.g = g, .cli = cli};
    struct sb_err err = {0};
    if (prepare(&gt, &err) < 0) {
        fprintf(stderr, "serbench gate: %s\n", err.msg);
        return err.code;
    }
    struct sigaction sa = {.sa_handler = on_stop}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    stop_sig = 0;

    char base[PATH_MAX], new_[PATH_MAX];
    if (g->baseline_bin)
        snprintf(base, sizeof(base), "%s/base", gt.dir);
    else
        snprintf(base, sizeof(base), "%s", g->baseline_dir);
    snprintf(new_, sizeof(new_), "%s/new", gt.dir);
    struct sb_cmp *first = NULL, *again = NULL;
    int code = run_rounds(&gt, "", g->filters, g->nfilters, "");
    if (!code)
        code = compare_dirs(&gt, base, new_, NULL, &first);
    if (!code && sb_cmp_regressed_count(first) && !g->no_rerun) {
        code = rerun(&gt, first);
        char rb[PATH_MAX], rn[PATH_MAX];
        if (g->baseline_bin)
            snprintf(rb, sizeof(rb), "%s/rerun/base", gt.dir);
        else
            snprintf(rb, sizeof(rb), "%s", g->baseline_dir);
        snprintf(rn, sizeof(rn), "%s/rerun/new", gt.dir);
        if (!code)
            code = compare_dirs(&gt, rb, rn, first, &again);
    }
    if (!code) {
        code = final_code(first, again, g->no_rerun);
        if (reports(&gt, first, again, code) < 0)
            code = SB_EXIT_USAGE;
    }
    if (!g->quiet)
        fprintf(stderr, "serbench gate: exit %d; results in %s/ (gate.md, gate.json)\n", code,
                gt.dir);
    sb_cmp_free(first);
    sb_cmp_free(again);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return stop_sig ? SB_EXIT_INTERRUPTED : code;
}
