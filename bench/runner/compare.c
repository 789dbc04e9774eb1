/*
 * compare.c - serbench compare's core (compare.h): the metric table,
 * comparability, matching cells, and the verdicts (verdict.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compare_internal.h"

/*
 * Every metric compare knows.  Thresholds are relative changes; the
 * defaults are documented in README (Comparing and gating).  Time-like
 * metrics 5 %; latency percentiles wider, since a shared machine's
 * scheduler sets the tail more than the code does; peak RSS 5 %.  Exact
 * counters: any increase (verdict.h), instructions within 1 % (two
 * callgrind runs of one build agree far closer: README).
 */
static const struct sb_cmp_metric metrics[] = {
    {"mb_per_s", "MB/s", SB_SRC_RUNS, {SB_MEASURED, SB_HIGHER_BETTER, 0.05, 0},
     "mb_per_s", NULL, NULL, 1, NULL, 0, "throughput"},
    {"mb_per_cpu_s", "MB/CPU-s", SB_SRC_RUNS, {SB_MEASURED, SB_HIGHER_BETTER, 0.05, 0},
     "mb_per_s", NULL, "cpu_pct", 100, NULL, 0, "MB per CPU-second: mb_per_s / (cpu_pct / 100)"},
    {"msgs_per_s", "msgs/s", SB_SRC_RUNS, {SB_MEASURED, SB_HIGHER_BETTER, 0.05, 0},
     "msgs_per_s", NULL, NULL, 1, NULL, 0, "messages a second"},
    {"cpu_per_msg_ns", "CPU ns/msg", SB_SRC_RUNS, {SB_MEASURED, SB_LOWER_BETTER, 0.05, 0},
     "cpu_user_s", "cpu_sys_s", "msgs_recv", 1e9, NULL, 0,
     "CPU per message: (cpu_user_s + cpu_sys_s) / msgs_recv, in ns"},
    {"lat_p50_ns", "p50 ns", SB_SRC_RUNS, {SB_MEASURED, SB_LOWER_BETTER, 0.10, 0},
     "lat_p50_ns", NULL, NULL, 1, NULL, 1, "median latency"},
    {"lat_p99_ns", "p99 ns", SB_SRC_RUNS, {SB_MEASURED, SB_LOWER_BETTER, 0.25, 0},
     "lat_p99_ns", NULL, NULL, 1, NULL, 1, "99th percentile latency"},
    {"lat_p999_ns", "p99.9 ns", SB_SRC_RUNS, {SB_MEASURED, SB_LOWER_BETTER, 0.50, 0},
     "lat_p999_ns", NULL, NULL, 1, NULL, 1, "99.9th percentile latency"},
    {"peak_rss_kb", "peak RSS KiB", SB_SRC_RUNS, {SB_MEASURED, SB_LOWER_BETTER, 0.05, 0},
     "peak_rss_kb", NULL, NULL, 1, NULL, 0, "peak resident set of the run's process"},
    /* exact per-message counters: a new runs.csv counter is one row here */
    {"buf_allocations_per_msg", "buffer allocs/msg", SB_SRC_RUNS, {SB_EXACT, SB_LOWER_BETTER, 0, 0},
     "buf_allocations", NULL, "msgs_sent", 1, "buf_allocations", 0,
     "allocations the buffer made (libsbuf's hook) per message offered"},
    {"buf_bytes_copied_per_msg", "bytes copied/msg", SB_SRC_RUNS,
     {SB_EXACT, SB_LOWER_BETTER, 0, 0}, "buf_bytes_copied", NULL, "msgs_sent", 1,
     "buf_bytes_copied", 0, "bytes moved inside the buffer per message offered"},
    {"harness_allocations_per_msg", "harness allocs/msg", SB_SRC_RUNS,
     {SB_EXACT, SB_LOWER_BETTER, 0, 0}, "harness_allocations", NULL, "msgs_sent", 1,
     "harness_allocations", 0, "mallocs of the harness's producer per message offered"},
    /* serbench-micro's JSON */
    {"cpu_time_ns", "CPU ns/iter", SB_SRC_GBENCH, {SB_MEASURED, SB_LOWER_BETTER, 0.05, 0},
     NULL, NULL, NULL, 1, NULL, 1, "CPU time per iteration, each repetition a run"},
    {"allocs_per_iter", "allocs/iter", SB_SRC_GBENCH, {SB_EXACT, SB_LOWER_BETTER, 0, 0},
     NULL, NULL, NULL, 1, NULL, 0, "libsbuf allocations per iteration"},
    /* scripts/micro-instr's JSON */
    {"instructions", "instructions/op", SB_SRC_INSTR, {SB_EXACT, SB_LOWER_BETTER, 0.01, 0},
     NULL, NULL, NULL, 1, NULL, 0, "instructions per operation under callgrind"},
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))
_Static_assert(NMETRICS <= SB_CMP_MAX_METRICS, "raise SB_CMP_MAX_METRICS");

size_t sb_cmp_metric_count(void)
{
    return NMETRICS;
}

const struct sb_cmp_metric *sb_cmp_metric_at(size_t i)
{
    return i < NMETRICS ? &metrics[i] : NULL;
}

int sb_cmp_metric_find(const char *name)
{
    for (size_t i = 0; i < NMETRICS; i++)
        if (strcmp(metrics[i].name, name) == 0)
            return (int)i;
    return -1;
}

void sb_cmp_opts_init(struct sb_cmp_opts *o)
{
    memset(o, 0, sizeof(*o));
    for (size_t i = 0; i < SB_CMP_MAX_METRICS; i++)
        o->threshold[i] = NAN;
    o->alpha = 0.05;
    o->min_repeats = 5;
}

int sb_cmp_threshold_parse(struct sb_cmp_opts *o, const char *arg, struct sb_err *err)
{
    const char *eq = strchr(arg, '=');
    char name[64];
    if (!eq || (size_t)(eq - arg) >= sizeof(name))
        return sb_errf(err, SB_EXIT_USAGE,
                       "--threshold %s: expected METRIC=PERCENT or METRIC=off", arg);
    snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
    int m = sb_cmp_metric_find(name);
    if (m < 0) {
        const char *names[NMETRICS];
        for (size_t i = 0; i < NMETRICS; i++)
            names[i] = metrics[i].name;
        char all[1024];
        size_t at = 0;
        for (size_t i = 0; i < NMETRICS && at < sizeof(all); i++)
            at += (size_t)snprintf(all + at, sizeof(all) - at, "%s%s", i ? ", " : "", names[i]);
        return sb_errf(err, SB_EXIT_USAGE, "--threshold %s: unknown metric '%s' (valid: %s)", arg,
                       name, all);
    }
    if (strcmp(eq + 1, "off") == 0) {
        o->threshold[m] = -1;
        return 0;
    }
    char *end;
    double v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end || !(v >= 0 && v < 1000))
        return sb_errf(err, SB_EXIT_USAGE,
                       "--threshold %s: expected a percentage from 0 to 1000, or off", arg);
    o->threshold[m] = v / 100.0;
    return 0;
}

int sb_cmp_resolve(const char *arg, char *out, size_t len, struct sb_err *err)
{
    if (strncmp(arg, "baseline:", 9) != 0) {
        snprintf(out, len, "%s", arg);
        return 0;
    }
    const char *name = arg + 9;
    if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return sb_errf(err, SB_EXIT_USAGE, "%s: a baseline name is one word (no '/')", arg);
    snprintf(out, len, "results/baselines/%s", name);
    struct stat st;
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return sb_errf(err, SB_EXIT_USAGE,
                   "%s: no baseline named '%s' (no directory %s; serbench baseline list shows "
                   "the saved ones)",
                   arg, name, out);
}

/* ---- comparability ------------------------------------------------------------ */

/* The keys the environments differ in, in words, into buf. */
static void env_diff(const struct sb_side *b, const struct sb_side *n, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t at = 0;
    const json_t *keys = json_object_get(n->env, "env_hash_of");
    const char *fallback[] = {"num_cpus", "caches", "library_build_type", "cpu_scaling_enabled"};
    size_t nkeys = json_is_array(keys) ? json_array_size(keys) : 0;
    const char *k;
    json_t *unused;
    if (!nkeys && n->kind == SB_SRC_INSTR) {
        json_object_foreach((json_t *)n->env, k, unused) {
            json_t *x = json_object_get(b->env, k), *y = json_object_get(n->env, k);
            if (!json_equal(x, y) && at < len)
                at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", k);
        }
        return;
    }
    for (size_t i = 0; i < (nkeys ? nkeys : 4); i++) {
        k = nkeys ? json_string_value(json_array_get(keys, i)) : fallback[i];
        if (!k)
            continue;
        json_t *x = json_object_get(b->env, k), *y = json_object_get(n->env, k);
        if (json_equal(x, y) || (!x && !y))
            continue;
        char *dx = json_dumps(x, JSON_ENCODE_ANY | JSON_COMPACT);
        char *dy = json_dumps(y, JSON_ENCODE_ANY | JSON_COMPACT);
        if (at < len)
            at += (size_t)snprintf(buf + at, len - at, "%s%s %.60s vs %.60s", at ? "; " : "", k,
                                   dx ? dx : "null", dy ? dy : "null");
        free(dx);
        free(dy);
    }
}

static int check_env(struct sb_cmp *c, struct sb_err *err)
{
    struct sb_side *b = &c->base, *n = &c->new_;
    if (b->kind != n->kind)
        return sb_errf(err, SB_EXIT_USAGE, "%s and %s are not the same kind of result (%s vs %s)",
                       b->path, n->path, b->kind == SB_SRC_RUNS ? "a result directory" : "JSON",
                       n->kind == SB_SRC_RUNS ? "a result directory" : "JSON");
    for (int i = 0; i < 2; i++) {
        struct sb_side *s = i ? n : b;
        if (!s->env_hash[0]) {
            if (c->opts.force) {
                c->forced_env = 1;
                snprintf(c->env_diff, sizeof(c->env_diff), "%s has no environment hash", s->label);
                continue;
            }
            return sb_errf(err, SB_EXIT_NOT_COMPARABLE,
                           "not comparable: %s (%s) has no environment hash (%s) (--force "
                           "compares anyway)",
                           s->label, s->path,
                           s->kind == SB_SRC_RUNS && !s->env ? "no env.json"
                                                             : "made by an older serbench?");
        }
    }
    if (b->env_hash[0] && n->env_hash[0] && strcmp(b->env_hash, n->env_hash) != 0) {
        char d[360];
        env_diff(b, n, d, sizeof(d));
        if (!c->opts.force)
            return sb_errf(err, SB_EXIT_NOT_COMPARABLE,
                           "not comparable: the environments differ (env_hash %s vs %s): %s "
                           "(--force compares anyway)",
                           b->env_hash, n->env_hash, d[0] ? d : "see env.json");
        c->forced_env = 1;
        snprintf(c->env_diff, sizeof(c->env_diff), "%s", d[0] ? d : "env_hash differs");
    }
    if (b->kind == SB_SRC_RUNS && (!b->has_job_hash || !n->has_job_hash) && !c->opts.force)
        return sb_errf(err, SB_EXIT_NOT_COMPARABLE,
                       "not comparable: %s's runs.csv has no job_hash column (made by an older "
                       "serbench), so its job definitions cannot be checked (--force compares "
                       "by name)",
                       !b->has_job_hash ? "BASE" : "NEW");
    return 0;
}

/* ---- matching and judging ----------------------------------------------------- */

static int note(struct sb_cmp *c, const char *name, const char *fmt, const char *a,
                const char *b)
{
    struct sb_cmp_note *more = realloc(c->notes, (c->nnotes + 1) * sizeof(*more));
    if (!more)
        return -1;
    c->notes = more;
    struct sb_cmp_note *x = &c->notes[c->nnotes++];
    x->name = name;
    snprintf(x->why, sizeof(x->why), fmt, a, b);
    return 0;
}

static int wanted(const struct sb_cmp *c, const char *name)
{
    if (!c->opts.only)
        return 1;
    for (size_t i = 0; i < c->opts.nonly; i++)
        if (strcmp(c->opts.only[i], name) == 0)
            return 1;
    return 0;
}

static const struct sb_side_cell *find(const struct sb_side *s, const char *name)
{
    for (size_t i = 0; i < s->ncells; i++)
        if (strcmp(s->cells[i].name, name) == 0)
            return &s->cells[i];
    return NULL;
}

static struct sb_cmp_row *add_row(struct sb_cmp *c, size_t cell, size_t metric)
{
    struct sb_cmp_row *more = realloc(c->rows, (c->nrows + 1) * sizeof(*more));
    if (!more)
        return NULL;
    c->rows = more;
    struct sb_cmp_row *r = &c->rows[c->nrows++];
    memset(r, 0, sizeof(*r));
    r->cell = cell;
    r->metric = metric;
    return r;
}

/* Why a matched pair is not compared, or NULL. */
static const char *not_comparable(const struct sb_cmp *c, const struct sb_side_cell *b,
                                  const struct sb_side_cell *n, char *buf, size_t len)
{
    if (!strcmp(b->job_hash, "mixed") || !strcmp(n->job_hash, "mixed")) {
        snprintf(buf, len, "its runs in %s have different job definitions",
                 !strcmp(b->job_hash, "mixed") ? "BASE" : "NEW");
        return buf;
    }
    if (strcmp(b->job_hash, n->job_hash) != 0 && !c->opts.force) {
        snprintf(buf, len, "job definition differs (job_hash %s vs %s)", b->job_hash,
                 n->job_hash);
        return buf;
    }
    if (b->ok == 0 && b->skipped && b->skipped + b->failed + b->aborted == b->runs) {
        snprintf(buf, len, "skipped in BASE (%.150s)", b->reason[0] ? b->reason : "no ok run");
        return buf;
    }
    if (n->ok == 0 && n->skipped && n->failed + n->aborted == 0) {
        snprintf(buf, len, "skipped in NEW");
        return buf;
    }
    return NULL;
}

/* The status row: NEW has failed or aborted runs that BASE did not. */
static int status_row(struct sb_cmp *c, size_t ci)
{
    const struct sb_side_cell *b = c->cells[ci].b, *n = c->cells[ci].n;
    size_t nbad = n->failed + n->aborted, bbad = b->failed + b->aborted;
    if (nbad == 0 || bbad > 0)
        return 0;
    struct sb_cmp_row *r = add_row(c, ci, SB_CMP_STATUS);
    if (!r)
        return -1;
    r->t.verdict = SB_V_REGRESSED;
    r->t.base_median = r->t.new_median = r->t.ratio = r->t.lo = r->t.hi = NAN;
    r->t.p = r->t.p_holm = NAN;
    snprintf(r->t.why, sizeof(r->t.why), "%zu of %zu runs %s in NEW, none in BASE: %.120s", nbad,
             n->runs, n->failed ? "failed" : "aborted", n->reason);
    return 0;
}

static int metric_rows(struct sb_cmp *c, size_t ci)
{
    const struct sb_side_cell *b = c->cells[ci].b, *n = c->cells[ci].n;
    for (size_t m = 0; m < NMETRICS; m++) {
        const struct sb_cmp_metric *mt = &metrics[m];
        if (mt->source != c->new_.kind || !c->base.has_metric[m] || !c->new_.has_metric[m])
            continue;
        double th = c->opts.threshold[m];
        if (th < 0)
            continue; /* --threshold NAME=off */
        /* Latency a job does not measure (no samples on either side): nothing to say. */
        if (mt->positive_only && b->n[m] == 0 && n->n[m] == 0 && b->ok && n->ok &&
            b->left_out[m] == 0 && n->left_out[m] == 0)
            continue;
        struct sb_cmp_row *r = add_row(c, ci, m);
        if (!r)
            return -1;
        r->rule = mt->rule;
        if (!isnan(th))
            r->rule.threshold = th;
        r->t = (struct sb_test){
            .base = b->v[m], .nb = b->n[m], .new_ = n->v[m], .nn = n->n[m],
            .base_tot = mt->tot ? b->tot[m] : NULL, .new_tot = mt->tot ? n->tot[m] : NULL,
            .base_left_out = b->left_out[m], .new_left_out = n->left_out[m],
        };
    }
    return 0;
}

static int match(struct sb_cmp *c)
{
    c->cells = calloc(c->new_.ncells + 1, sizeof(*c->cells));
    if (!c->cells)
        return -1;
    char why[200];
    for (size_t i = 0; i < c->new_.ncells; i++) {
        const struct sb_side_cell *n = &c->new_.cells[i];
        if (!wanted(c, n->name))
            continue;
        const struct sb_side_cell *b = find(&c->base, n->name);
        if (!b) {
            if (note(c, n->name, "only in NEW%s%s", "", "") < 0)
                return -1;
            continue;
        }
        if (not_comparable(c, b, n, why, sizeof(why))) {
            if (note(c, n->name, "%s%s", why, "") < 0)
                return -1;
            continue;
        }
        size_t ci = c->ncells++;
        c->cells[ci] = (struct sb_cmp_cell){.b = b, .n = n};
        size_t before = c->nrows;
        if (status_row(c, ci) < 0 || metric_rows(c, ci) < 0)
            return -1;
        if (c->nrows == before) {
            c->ncells--;
            if (note(c, n->name, "no metric to compare%s%s", "", "") < 0)
                return -1;
        }
    }
    for (size_t i = 0; i < c->base.ncells; i++)
        if (wanted(c, c->base.cells[i].name) && !find(&c->new_, c->base.cells[i].name) &&
            note(c, c->base.cells[i].name, "only in BASE%s%s", "", "") < 0)
            return -1;
    return 0;
}

static int decide(struct sb_cmp *c)
{
    struct sb_test *t = calloc(c->nrows + 1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].metric != SB_CMP_STATUS) {
            t[n] = c->rows[i].t;
            t[n++].rule = &c->rows[i].rule;
        }
    struct sb_rule_opts ro = {c->opts.alpha, c->opts.min_repeats};
    int rc = sb_decide(t, n, &ro);
    n = 0;
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].metric != SB_CMP_STATUS) {
            c->rows[i].t = t[n++];
            c->rows[i].t.rule = &c->rows[i].rule;
            c->ntested += c->rows[i].t.tested;
        }
    free(t);
    if (rc)
        return rc;
    /* a cell: the worst of its rows (regressed, inconclusive, improved, unchanged) */
    static const int rank[] = {[SB_V_UNCHANGED] = 0, [SB_V_IMPROVED] = 1,
                               [SB_V_INCONCLUSIVE] = 2, [SB_V_REGRESSED] = 3};
    for (size_t i = 0; i < c->ncells; i++)
        c->cells[i].verdict = SB_V_UNCHANGED;
    for (size_t i = 0; i < c->nrows; i++) {
        struct sb_cmp_cell *x = &c->cells[c->rows[i].cell];
        if (rank[c->rows[i].t.verdict] > rank[x->verdict])
            x->verdict = c->rows[i].t.verdict;
    }
    c->regressed = calloc(c->ncells + 1, sizeof(*c->regressed));
    if (!c->regressed)
        return -ENOMEM;
    for (size_t i = 0; i < c->ncells; i++)
        if (c->cells[i].verdict == SB_V_REGRESSED)
            c->regressed[c->nregressed++] = i;
    return 0;
}

int sb_compare(const char *base, const char *new_, const struct sb_cmp_opts *o,
               struct sb_cmp **out, struct sb_err *err)
{
    *out = NULL;
    struct sb_cmp *c = calloc(1, sizeof(*c));
    if (!c)
        return sb_errf(err, SB_EXIT_FAILED, "out of memory");
    if (o)
        c->opts = *o;
    else
        sb_cmp_opts_init(&c->opts);
    c->base.label = "BASE";
    c->new_.label = "NEW";
    char bp[PATH_MAX], np[PATH_MAX];
    int rc = sb_cmp_resolve(base, bp, sizeof(bp), err);
    if (rc == 0)
        rc = sb_cmp_resolve(new_, np, sizeof(np), err);
    if (rc == 0)
        rc = sb_side_load(&c->base, bp, &c->opts, err);
    if (rc == 0)
        rc = sb_side_load(&c->new_, np, &c->opts, err);
    if (rc == 0)
        rc = check_env(c, err);
    if (rc == 0 && (match(c) < 0 || decide(c) < 0))
        rc = sb_errf(err, SB_EXIT_FAILED, "compare: out of memory");
    if (rc < 0) {
        sb_cmp_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void sb_cmp_free(struct sb_cmp *c)
{
    if (!c)
        return;
    sb_side_free(&c->base);
    sb_side_free(&c->new_);
    free(c->cells);
    free(c->rows);
    free(c->notes);
    free(c->regressed);
    free(c);
}

int sb_cmp_exit(const struct sb_cmp *c)
{
    if (c->ncells == 0)
        return SB_EXIT_NOT_COMPARABLE; /* compared nothing: never 0 */
    int inconclusive = 0;
    for (size_t i = 0; i < c->ncells; i++) {
        if (c->cells[i].verdict == SB_V_REGRESSED)
            return SB_EXIT_FAILED;
        inconclusive |= c->cells[i].verdict == SB_V_INCONCLUSIVE;
    }
    return inconclusive ? SB_EXIT_INCONCLUSIVE : SB_EXIT_OK;
}

size_t sb_cmp_regressed_count(const struct sb_cmp *c)
{
    return c->nregressed;
}

const char *sb_cmp_regressed_name(const struct sb_cmp *c, size_t i)
{
    return i < c->nregressed ? c->cells[c->regressed[i]].n->name : NULL;
}

void sb_cmp_regressed_key(const struct sb_cmp *c, size_t i, const char *key[4])
{
    const struct sb_side_cell *n = c->cells[c->regressed[i]].n;
    for (int k = 0; k < 4; k++)
        key[k] = n->key[k];
}

void sb_cmp_counts(const struct sb_cmp *c, size_t counts[4], size_t *compared)
{
    memset(counts, 0, 4 * sizeof(*counts));
    for (size_t i = 0; i < c->ncells; i++)
        counts[c->cells[i].verdict]++;
    *compared = c->ncells;
}
