/* cells.c - cells.csv from runs.csv (cells.h). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cells.h"
#include "csv.h"
#include "runsread.h"
#include "stats.h"

static const char *const key_cols[] = {"scenario", "job", "strategy", "allocator", "transport",
                                       "cfg_peer"};
#define NKEY (sizeof(key_cols) / sizeof(key_cols[0]))

/*
 * A metric of a cell: a runs.csv column, or a ratio of two taken per run
 * (scale x col / den; a run whose den is 0 or empty has none), so a ratio's
 * median and interval are over the runs' own pairs.  Ratios are computed
 * from their columns, not read from runs.csv's ratio columns, so older
 * files give them too.
 */
static const struct metric {
    const char *name; /* prefix of its cells.csv columns */
    const char *col;  /* runs.csv column (the numerator of a ratio) */
    const char *den;  /* NULL, or the denominator's column */
    double scale;
} metrics[SB_CM_COUNT] = {
    {"mb_per_s", "mb_per_s", NULL, 1},
    {"mb_per_cpu_s", "mb_per_s", "cpu_pct", 100},
    {"msgs_per_s", "msgs_per_s", NULL, 1},
    {"lat_p50_ns", "lat_p50_ns", NULL, 1},
    {"lat_p99_ns", "lat_p99_ns", NULL, 1},
    {"lat_p999_ns", "lat_p999_ns", NULL, 1},
    {"peak_rss_kb", "peak_rss_kb", NULL, 1},
    {"cpu_pct", "cpu_pct", NULL, 1},
    /* pty echo: the run against the ceilings measured just before it */
    {"ceiling_echo_pct", "bytes_per_s", "ceiling_echo_bytes_per_s", 100},
    {"ceiling_rtt_ratio", "lat_p50_ns", "ceiling_rtt_p50_ns", 1},
};

const char *sb_cell_metric_name(enum sb_cell_metric m)
{
    return (unsigned)m < SB_CM_COUNT ? metrics[m].name : "";
}

static int same_key(const struct sb_runs *r, const int *kc, size_t a, size_t b)
{
    for (size_t k = 0; k < NKEY; k++)
        if (strcmp(sb_runs_get(r, a, kc[k]), sb_runs_get(r, b, kc[k])) != 0)
            return 0;
    return 1;
}

static double num(const char *s)
{
    char *end;
    double v = *s ? strtod(s, &end) : NAN;
    return *s && !*end ? v : NAN;
}

double sb_cell_run_value(const struct sb_runs *r, size_t row, enum sb_cell_metric m)
{
    if ((unsigned)m >= SB_CM_COUNT)
        return NAN;
    /* not in this file, or empty: unknown, not 0 */
    double x = num(sb_runs_get(r, row, sb_runs_col(r, metrics[m].col)));
    if (!metrics[m].den)
        return x;
    double d = num(sb_runs_get(r, row, sb_runs_col(r, metrics[m].den)));
    return d > 0 ? metrics[m].scale * x / d : NAN;
}

/* An ok run the machine did not starve: the only kind the statistics use. */
static int counted(const struct sb_runs *r, size_t row, int st, int sv)
{
    return strcmp(sb_runs_get(r, row, st), "ok") == 0 && strcmp(sb_runs_get(r, row, sv), "1") != 0;
}

/* The statistics of one cell whose runs are c->rows. */
static void cell_stats(const struct sb_runs *r, struct sb_cellstat *c, double *v)
{
    int st = sb_runs_col(r, "status"), sv = sb_runs_col(r, "starved");
    c->coverage = NAN;
    for (size_t i = 0; i < c->nrows; i++) {
        const char *s = sb_runs_get(r, c->rows[i], st);
        int used = counted(r, c->rows[i], st, sv);
        c->starved += strcmp(s, "ok") == 0 && !used;
        c->n += used;
        c->failed += strcmp(s, "failed") == 0;
        c->aborted += strcmp(s, "aborted") == 0;
        c->skipped += strcmp(s, "skipped") == 0;
    }
    for (size_t m = 0; m < SB_CM_COUNT; m++) {
        size_t k = 0;
        for (size_t i = 0; i < c->nrows; i++)
            if (counted(r, c->rows[i], st, sv)) {
                double x = sb_cell_run_value(r, c->rows[i], (enum sb_cell_metric)m);
                if (isfinite(x))
                    v[k++] = x;
            }
        struct sb_summary s;
        struct sb_interval ci;
        if (k == 0 || sb_stats_summarize(v, k, &s) < 0 || sb_median_ci_order(v, k, 0.95, &ci) < 0)
            continue; /* no ok run: no figure, never a made-up 0 */
        c->m[m].have = 1;
        c->m[m].median = s.median;
        c->m[m].lo = ci.lo;
        c->m[m].hi = ci.hi;
        c->m[m].cv = s.cv;
        if (m == SB_CM_MB_PER_S) {
            c->coverage = ci.coverage;
            struct sb_disagree d;
            if (sb_disagree_check(&s, &d) == 0) {
                c->disagree = d.marked;
                sb_disagree_words(&d, c->disagree_words, sizeof(c->disagree_words));
            }
        }
    }
}

int sb_cells_compute(const struct sb_runs *r, struct sb_cellstat **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    int kc[NKEY];
    for (size_t k = 0; k < NKEY; k++)
        kc[k] = sb_runs_col(r, key_cols[k]);
    struct sb_cellstat *cells = calloc(r->nrows + 1, sizeof(*cells));
    size_t *rows = malloc((r->nrows + 1) * sizeof(*rows));
    char *done = calloc(r->nrows + 1, 1);
    double *v = malloc((r->nrows + 1) * sizeof(*v));
    if (!cells || !rows || !done || !v) {
        free(cells), free(rows), free(done), free(v);
        return -1;
    }
    size_t n = 0, used = 0;
    /* Cells in the order their first run appears: the suite's order. */
    for (size_t i = 0; i < r->nrows; i++) {
        if (done[i])
            continue;
        struct sb_cellstat *c = &cells[n++];
        c->rows = rows + used;
        for (size_t j = i; j < r->nrows; j++)
            if (!done[j] && same_key(r, kc, i, j)) {
                c->rows[c->nrows++] = j;
                done[j] = 1;
            }
        used += c->nrows;
        for (size_t k = 0; k < NKEY; k++)
            c->key[k] = sb_runs_get(r, i, kc[k]);
        cell_stats(r, c, v);
    }
    free(done);
    free(v);
    if (n == 0)
        free(rows);
    *out = cells;
    *nout = n;
    return 0;
}

void sb_cells_free(struct sb_cellstat *c, size_t n)
{
    if (c && n)
        free(c[0].rows); /* one array holds every cell's rows */
    free(c);
}

static void header(FILE *f)
{
    fputs("scenario,job,strategy,allocator,transport,peer,n,failed,aborted,skipped,starved", f);
    for (size_t m = 0; m < SB_CM_COUNT; m++)
        fprintf(f, ",%s_median,%s_lo,%s_hi,%s_cv", metrics[m].name, metrics[m].name,
                metrics[m].name, metrics[m].name);
    fputs(",interval_coverage,disagree\n", f);
}

static void put_field(FILE *f, const char *s, const char *after)
{
    char buf[512];
    size_t at = 0;
    if (sb_csv_field(s, buf, sizeof(buf), &at) == 0)
        fprintf(f, "%.*s%s", (int)at, buf, after);
    else
        fputs(after, f);
}

static void cell_line(FILE *f, const struct sb_cellstat *c)
{
    for (size_t k = 0; k < NKEY; k++)
        put_field(f, c->key[k], ",");
    fprintf(f, "%zu,%zu,%zu,%zu,%zu", c->n, c->failed, c->aborted, c->skipped, c->starved);
    for (size_t m = 0; m < SB_CM_COUNT; m++) {
        if (!c->m[m].have) {
            fputs(",,,,", f);
            continue;
        }
        fprintf(f, ",%.6g,%.6g,%.6g,", c->m[m].median, c->m[m].lo, c->m[m].hi);
        if (isfinite(c->m[m].cv))
            fprintf(f, "%.4f", c->m[m].cv);
    }
    if (isfinite(c->coverage))
        fprintf(f, ",%.4f,", c->coverage);
    else
        fputs(",,", f);
    put_field(f, c->disagree_words, "\n");
}

static int write_cells(FILE *f, const struct sb_runs *r)
{
    struct sb_cellstat *cells;
    size_t n;
    if (sb_cells_compute(r, &cells, &n) < 0)
        return -1;
    header(f);
    for (size_t i = 0; i < n; i++)
        cell_line(f, &cells[i]);
    sb_cells_free(cells, n);
    return 0;
}

int sb_cells_from_runs(const char *runs_path, const char *out_path, struct sb_err *err)
{
    struct sb_runs r;
    if (sb_runs_read(runs_path, &r, err) < 0)
        return -1;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.tmp", out_path);
    FILE *f = fopen(tmp, "w");
    int rc = f ? write_cells(f, &r) : -1;
    if (f && (ferror(f) | fclose(f)))
        rc = -1;
    sb_runs_free(&r);
    if (rc < 0 || rename(tmp, out_path) < 0) {
        unlink(tmp);
        return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", out_path, strerror(errno));
    }
    return 0;
}

int sb_cells_write(const char *dir, struct sb_err *err)
{
    char in[PATH_MAX], out[PATH_MAX];
    snprintf(in, sizeof(in), "%s/runs.csv", dir);
    snprintf(out, sizeof(out), "%s/cells.csv", dir);
    return sb_cells_from_runs(in, out, err);
}
