/*
 * compare_load.c - one side of a comparison, loaded: a result directory
 * (runs.csv through the strict reader, env.json through jansson), or a JSON
 * file from serbench-micro or scripts/micro-instr.  Every problem is one
 * line naming the file, exit 2.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare_internal.h"
#include "runsread.h"

static const char *const key_cols[SB_CELL_KEYS] = {"scenario", "job",       "strategy",
                                                   "allocator", "transport", "cfg_peer"};

/* ---- cells --------------------------------------------------------------------- */

static struct sb_side_cell *cell_find(struct sb_side *s, const char *name)
{
    for (size_t i = 0; i < s->ncells; i++)
        if (strcmp(s->cells[i].name, name) == 0)
            return &s->cells[i];
    return NULL;
}

static struct sb_side_cell *cell_get(struct sb_side *s, const char *name, size_t *cap)
{
    struct sb_side_cell *c = cell_find(s, name);
    if (c)
        return c;
    if (s->ncells == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct sb_side_cell *more = realloc(s->cells, ncap * sizeof(*more));
        if (!more)
            return NULL;
        s->cells = more;
        *cap = ncap;
    }
    c = &s->cells[s->ncells++];
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    return c;
}

/* Appends a value (and a total) to metric m of cell c. */
static int cell_add(struct sb_side_cell *c, size_t m, double v, double tot)
{
    size_t n = c->n[m];
    /* grow in powers of two from 8 */
    if (n == 0 || (n >= 8 && (n & (n - 1)) == 0)) {
        size_t cap = n == 0 ? 8 : n * 2;
        double *a = realloc(c->v[m], cap * sizeof(*a)), *b = a ? realloc(c->tot[m], cap * sizeof(*b)) : NULL;
        if (a)
            c->v[m] = a;
        if (!a || !b)
            return -1;
        c->tot[m] = b;
    }
    c->v[m][n] = v;
    c->tot[m][n] = tot;
    c->n[m] = n + 1;
    return 0;
}

void sb_side_free(struct sb_side *s)
{
    for (size_t i = 0; i < s->ncells; i++)
        for (size_t m = 0; m < SB_CMP_MAX_METRICS; m++) {
            free(s->cells[i].v[m]);
            free(s->cells[i].tot[m]);
        }
    free(s->cells);
    s->cells = NULL;
    s->ncells = 0;
    if (s->env)
        json_decref(s->env);
    s->env = NULL;
}

static int oom(struct sb_err *err, const char *path)
{
    return sb_errf(err, SB_EXIT_FAILED, "%s: out of memory", path);
}

/* ---- env.json ------------------------------------------------------------------ */

static int load_env(struct sb_side *s, const char *dir, struct sb_err *err)
{
    snprintf(s->env_file, sizeof(s->env_file), "%s/env.json", dir);
    struct stat st;
    if (stat(s->env_file, &st) < 0)
        return 0; /* none: compare says it cannot tell comparability */
    json_error_t je;
    s->env = json_load_file(s->env_file, 0, &je);
    if (!s->env)
        return sb_errf(err, SB_EXIT_USAGE, "%s:%d: damaged env.json: %s", s->env_file, je.line,
                       je.text);
    if (!json_is_object(s->env))
        return sb_errf(err, SB_EXIT_USAGE, "%s: damaged env.json: not an object", s->env_file);
    const char *h = json_string_value(json_object_get(s->env, "env_hash"));
    snprintf(s->env_hash, sizeof(s->env_hash), "%s", h ? h : "");
    const char *g = json_string_value(json_object_get(s->env, "git_commit"));
    snprintf(s->git_commit, sizeof(s->git_commit), "%s", g ? g : "");
    const char *inj = json_string_value(json_object_get(s->env, "inject"));
    if (inj && *inj)
        snprintf(s->inject, sizeof(s->inject), "%s", inj);
    return 0;
}

/* ---- a result directory ------------------------------------------------------ */

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

static double num(const struct sb_runs *r, size_t row, int col)
{
    if (col < 0)
        return 0;
    const char *t = sb_runs_get(r, row, col);
    char *end;
    double v = strtod(t, &end);
    return *t && end != t ? v : NAN;
}

/* Metric m's value in a row, or NaN when the row does not give one. */
static double metric_value(const struct sb_cmp_metric *mt, const struct sb_runs *r, size_t row,
                           const int col[4])
{
    double a = num(r, row, col[0]) + (mt->num2 ? num(r, row, col[1]) : 0);
    double d = mt->den ? num(r, row, col[2]) : 1.0;
    if (!isfinite(a) || !isfinite(d) || d <= 0)
        return NAN;
    double v = a / d * mt->scale;
    if (mt->positive_only && !(v > 0))
        return NAN;
    return v;
}

static int add_run(struct sb_side *s, struct sb_side_cell *c, const struct sb_runs *r, size_t row,
                   int cols[][4], const struct sb_cmp_opts *o, struct sb_err *err)
{
    int st = sb_runs_col(r, "status");
    const char *status = sb_runs_get(r, row, st);
    c->runs++;
    int ok = strcmp(status, "ok") == 0;
    int starved = ok && strcmp(sb_runs_get(r, row, sb_runs_col(r, "starved")), "1") == 0;
    c->ok += ok;
    c->starved += starved;
    c->failed += strcmp(status, "failed") == 0;
    c->aborted += strcmp(status, "aborted") == 0;
    c->skipped += strcmp(status, "skipped") == 0;
    if (!ok && strcmp(status, "skipped") != 0 && !c->reason[0])
        snprintf(c->reason, sizeof(c->reason), "%s", sb_runs_get(r, row, sb_runs_col(r, "reason")));
    if (!ok)
        return 0;
    for (size_t m = 0; m < sb_cmp_metric_count(); m++) {
        const struct sb_cmp_metric *mt = sb_cmp_metric_at(m);
        if (mt->source != SB_SRC_RUNS || !s->has_metric[m])
            continue;
        /* Exact counters are not the machine's doing: starved runs count. */
        if (starved && mt->rule.kind == SB_MEASURED && !o->keep_starved) {
            c->left_out[m]++;
            continue;
        }
        double v = metric_value(mt, r, row, cols[m]);
        if (!isfinite(v))
            continue;
        double tot = mt->tot ? num(r, row, cols[m][3]) : v;
        if (cell_add(c, m, v, tot) < 0)
            return oom(err, s->path);
    }
    return 0;
}

static int load_dir(struct sb_side *s, const char *dir, const struct sb_cmp_opts *o,
                    struct sb_err *err)
{
    char runs[PATH_MAX + 16];
    snprintf(runs, sizeof(runs), "%s/runs.csv", dir);
    struct stat st;
    if (stat(runs, &st) < 0)
        return sb_errf(err, SB_EXIT_USAGE, "%s: %s", dir,
                       dir_is_empty(dir) ? "empty directory, not a serbench result"
                                         : "no runs.csv: not a serbench result directory");
    struct sb_runs r;
    if (sb_runs_read(runs, &r, err) < 0)
        return -1;
    s->kind = SB_SRC_RUNS;
    int kc[SB_CELL_KEYS];
    for (size_t k = 0; k < SB_CELL_KEYS; k++)
        if ((kc[k] = sb_runs_col(&r, key_cols[k])) < 0) {
            sb_runs_free(&r);
            return sb_errf(err, SB_EXIT_USAGE, "%s:1: no column '%s'", runs, key_cols[k]);
        }
    if (sb_runs_col(&r, "status") < 0 || sb_runs_col(&r, "starved") < 0) {
        sb_runs_free(&r);
        return sb_errf(err, SB_EXIT_USAGE, "%s:1: no status or starved column", runs);
    }
    int (*cols)[4] = calloc(SB_CMP_MAX_METRICS, sizeof(*cols));
    if (!cols) {
        sb_runs_free(&r);
        return oom(err, runs);
    }
    for (size_t m = 0; m < sb_cmp_metric_count(); m++) {
        const struct sb_cmp_metric *mt = sb_cmp_metric_at(m);
        if (mt->source != SB_SRC_RUNS)
            continue;
        const char *names[4] = {mt->num, mt->num2, mt->den, mt->tot};
        s->has_metric[m] = 1;
        for (int j = 0; j < 4; j++) {
            cols[m][j] = names[j] ? sb_runs_col(&r, names[j]) : -1;
            if (names[j] && cols[m][j] < 0)
                s->has_metric[m] = 0;
        }
    }
    int hc = sb_runs_col(&r, "job_hash"), ic = sb_runs_col(&r, "inject");
    s->has_job_hash = hc >= 0;
    size_t cap = 0;
    int rc = 0;
    for (size_t row = 0; row < r.nrows && rc == 0; row++) {
        char name[400];
        size_t at = 0;
        for (size_t k = 0; k < SB_CELL_KEYS; k++)
            at += (size_t)snprintf(name + at, at < sizeof(name) ? sizeof(name) - at : 0, "%s%s",
                                   k ? "/" : "", sb_runs_get(&r, row, kc[k]));
        struct sb_side_cell *c = cell_get(s, name, &cap);
        if (!c) {
            rc = oom(err, runs);
            break;
        }
        if (c->runs == 0)
            for (size_t k = 0; k < SB_CELL_KEYS; k++)
                snprintf(c->key[k], sizeof(c->key[k]), "%s", sb_runs_get(&r, row, kc[k]));
        const char *h = sb_runs_get(&r, row, hc);
        if (c->runs == 0)
            snprintf(c->job_hash, sizeof(c->job_hash), "%s", h);
        else if (strcmp(c->job_hash, h) != 0)
            snprintf(c->job_hash, sizeof(c->job_hash), "mixed");
        const char *inj = sb_runs_get(&r, row, ic);
        if (*inj && !s->inject[0])
            snprintf(s->inject, sizeof(s->inject), "%s", inj);
        rc = add_run(s, c, &r, row, cols, o, err);
    }
    free(cols);
    sb_runs_free(&r);
    if (rc == 0)
        rc = load_env(s, dir, err);
    return rc;
}

/* ---- JSON: serbench-micro (Google Benchmark) and instruction counts ---------- */

static double to_ns(double v, const char *unit)
{
    if (!unit || strcmp(unit, "ns") == 0)
        return v;
    if (strcmp(unit, "us") == 0)
        return v * 1e3;
    if (strcmp(unit, "ms") == 0)
        return v * 1e6;
    if (strcmp(unit, "s") == 0)
        return v * 1e9;
    return NAN;
}

/* The context fields that must match for two micro runs to compare. */
static const char *const gbench_env_keys[] = {"num_cpus", "caches", "library_build_type",
                                              "cpu_scaling_enabled"};

static void hash_fields(struct sb_side *s, const json_t *obj, const char *const *keys, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        char *d = json_dumps(json_object_get(obj, keys[i]), JSON_ENCODE_ANY | JSON_SORT_KEYS);
        const char *parts[4] = {keys[i], "=", d ? d : "null", "\n"};
        for (size_t j = 0; j < 4; j++)
            for (const unsigned char *p = (const unsigned char *)parts[j]; *p; p++)
                h = (h ^ *p) * 0x100000001b3ull;
        free(d);
    }
    snprintf(s->env_hash, sizeof(s->env_hash), "%016llx", (unsigned long long)h);
}

static int load_gbench(struct sb_side *s, json_t *root, const char *path, struct sb_err *err)
{
    s->kind = SB_SRC_GBENCH;
    json_t *ctx = json_object_get(root, "context");
    s->env = json_incref(ctx);
    hash_fields(s, ctx, gbench_env_keys, sizeof(gbench_env_keys) / sizeof(gbench_env_keys[0]));
    int mcpu = sb_cmp_metric_find("cpu_time_ns"), mal = sb_cmp_metric_find("allocs_per_iter");
    s->has_metric[mcpu] = 1;
    size_t cap = 0, i;
    json_t *b;
    json_array_foreach(json_object_get(root, "benchmarks"), i, b) {
        const char *type = json_string_value(json_object_get(b, "run_type"));
        if (type && strcmp(type, "iteration") != 0)
            continue; /* aggregates: mean, median, stddev, cv */
        const char *name = json_string_value(json_object_get(b, "run_name"));
        if (!name)
            name = json_string_value(json_object_get(b, "name"));
        if (!name)
            return sb_errf(err, SB_EXIT_USAGE, "%s: benchmark %zu has no name", path, i);
        struct sb_side_cell *c = cell_get(s, name, &cap);
        if (!c)
            return oom(err, path);
        snprintf(c->key[1], sizeof(c->key[1]), "%s", name);
        c->runs++;
        if (json_is_true(json_object_get(b, "error_occurred"))) {
            c->failed++;
            const char *m = json_string_value(json_object_get(b, "error_message"));
            if (!c->reason[0])
                snprintf(c->reason, sizeof(c->reason), "%s", m ? m : "error");
            continue;
        }
        c->ok++;
        json_t *ct = json_object_get(b, "cpu_time");
        if (!json_is_number(ct))
            return sb_errf(err, SB_EXIT_USAGE, "%s: %s has no cpu_time", path, name);
        double ns = to_ns(json_number_value(ct),
                          json_string_value(json_object_get(b, "time_unit")));
        if (!isfinite(ns))
            return sb_errf(err, SB_EXIT_USAGE, "%s: %s: unknown time_unit", path, name);
        if (cell_add(c, (size_t)mcpu, ns, ns) < 0)
            return oom(err, path);
        json_t *al = json_object_get(b, "allocs_per_iter");
        if (json_is_number(al)) {
            s->has_metric[mal] = 1;
            double v = json_number_value(al);
            if (cell_add(c, (size_t)mal, v, v) < 0)
                return oom(err, path);
        }
    }
    return 0;
}

static int load_instr(struct sb_side *s, json_t *root, const char *path, struct sb_err *err)
{
    s->kind = SB_SRC_INSTR;
    s->env = json_incref(json_object_get(root, "env"));
    const char *h = json_string_value(json_object_get(root, "env_hash"));
    snprintf(s->env_hash, sizeof(s->env_hash), "%s", h ? h : "");
    int mi = sb_cmp_metric_find("instructions");
    s->has_metric[mi] = 1;
    size_t cap = 0, i;
    json_t *b;
    json_t *arr = json_object_get(root, "benchmarks");
    if (!json_is_array(arr))
        return sb_errf(err, SB_EXIT_USAGE, "%s: no benchmarks array", path);
    json_array_foreach(arr, i, b) {
        const char *name = json_string_value(json_object_get(b, "name"));
        json_t *v = json_object_get(b, "instructions_per_op");
        if (!name || !json_is_number(v))
            return sb_errf(err, SB_EXIT_USAGE,
                           "%s: benchmark %zu lacks name or instructions_per_op", path, i);
        struct sb_side_cell *c = cell_get(s, name, &cap);
        if (!c)
            return oom(err, path);
        snprintf(c->key[1], sizeof(c->key[1]), "%s", name);
        json_t *samples = json_object_get(b, "samples"), *x;
        size_t j;
        if (json_is_array(samples) && json_array_size(samples)) {
            json_array_foreach(samples, j, x) {
                c->runs++;
                c->ok++;
                if (!json_is_number(x) || cell_add(c, (size_t)mi, json_number_value(x),
                                                   json_number_value(x)) < 0)
                    return sb_errf(err, SB_EXIT_USAGE, "%s: %s: bad sample", path, name);
            }
        } else {
            c->runs++;
            c->ok++;
            if (cell_add(c, (size_t)mi, json_number_value(v), json_number_value(v)) < 0)
                return oom(err, path);
        }
    }
    return 0;
}

static int load_json(struct sb_side *s, const char *path, struct sb_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return sb_errf(err, SB_EXIT_USAGE, "%s:%d: not JSON: %s", path, je.line, je.text);
    int rc;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    json_t *ctx = json_object_get(root, "context");
    const char *exe = json_string_value(json_object_get(ctx, "executable"));
    if (fmt && strcmp(fmt, "serbench-instructions") == 0)
        rc = load_instr(s, root, path, err);
    else if (json_is_object(ctx) && json_is_array(json_object_get(root, "benchmarks")) && exe &&
             strstr(exe, "serbench-micro"))
        rc = load_gbench(s, root, path, err);
    else
        rc = sb_errf(err, SB_EXIT_USAGE,
                     "%s: not serbench-micro's JSON (no context.executable naming serbench-micro, "
                     "no format serbench-instructions)",
                     path);
    json_decref(root);
    if (rc == 0 && s->ncells == 0)
        rc = sb_errf(err, SB_EXIT_USAGE, "%s: no benchmark in it", path);
    return rc;
}

int sb_side_load(struct sb_side *s, const char *path, const struct sb_cmp_opts *o,
                 struct sb_err *err)
{
    snprintf(s->path, sizeof(s->path), "%s", path);
    struct stat st;
    if (stat(path, &st) < 0)
        return sb_errf(err, SB_EXIT_USAGE, "%s: %s", path, strerror(errno));
    int rc;
    if (S_ISDIR(st.st_mode))
        rc = load_dir(s, path, o, err);
    else if (S_ISREG(st.st_mode))
        rc = load_json(s, path, err);
    else
        rc = sb_errf(err, SB_EXIT_USAGE, "%s: neither a result directory nor a JSON file", path);
    if (rc < 0)
        sb_side_free(s);
    return rc;
}
