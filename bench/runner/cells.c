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
} metrics[] = {
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
#define NMETRIC (sizeof(metrics) / sizeof(metrics[0]))

static int same_key(const struct sb_runs *r, const int *kc, size_t a, size_t b)
{
    for (size_t k = 0; k < NKEY; k++)
        if (strcmp(sb_runs_get(r, a, kc[k]), sb_runs_get(r, b, kc[k])) != 0)
            return 0;
    return 1;
}

/* mc[2 m] is metric m's column, mc[2 m + 1] its denominator's (-1: none). */
static double value_of(const struct sb_runs *r, size_t row, const struct metric *m, const int *mc,
                       size_t mi)
{
    const char *v = sb_runs_get(r, row, mc[2 * mi]);
    if (!*v)
        return NAN; /* not in this file, or empty: unknown, not 0 */
    double x = strtod(v, NULL);
    if (!m->den)
        return x;
    double d = strtod(sb_runs_get(r, row, mc[2 * mi + 1]), NULL);
    return d > 0 ? m->scale * x / d : NAN;
}

static void header(FILE *f)
{
    fputs("scenario,job,strategy,allocator,transport,peer,n,failed,aborted,skipped,starved", f);
    for (size_t m = 0; m < NMETRIC; m++)
        fprintf(f, ",%s_median,%s_lo,%s_hi,%s_cv", metrics[m].name, metrics[m].name,
                metrics[m].name, metrics[m].name);
    fputs(",interval_coverage,disagree\n", f);
}

/* The runs of one cell (rows[0..n)): one line. */
static void cell_line(FILE *f, const struct sb_runs *r, const int *kc, const int *mc,
                      const size_t *rows, size_t n, double *v)
{
    size_t ok = 0, failed = 0, aborted = 0, skipped = 0, starved = 0;
    int st = sb_runs_col(r, "status"), sv = sb_runs_col(r, "starved");
    for (size_t i = 0; i < n; i++) {
        const char *s = sb_runs_get(r, rows[i], st);
        int used = strcmp(s, "ok") == 0 && strcmp(sb_runs_get(r, rows[i], sv), "1") != 0;
        starved += strcmp(s, "ok") == 0 && !used;
        ok += used;
        failed += strcmp(s, "failed") == 0;
        aborted += strcmp(s, "aborted") == 0;
        skipped += strcmp(s, "skipped") == 0;
    }
    for (size_t k = 0; k < NKEY; k++) {
        char buf[512];
        size_t at = 0;
        if (sb_csv_field(sb_runs_get(r, rows[0], kc[k]), buf, sizeof(buf), &at) == 0)
            fprintf(f, "%.*s,", (int)at, buf);
    }
    fprintf(f, "%zu,%zu,%zu,%zu,%zu", ok, failed, aborted, skipped, starved);
    double coverage = NAN;
    char words[160] = "";
    for (size_t m = 0; m < NMETRIC; m++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(sb_runs_get(r, rows[i], st), "ok") == 0 &&
                strcmp(sb_runs_get(r, rows[i], sv), "1") != 0) {
                double x = value_of(r, rows[i], &metrics[m], mc, m);
                if (isfinite(x))
                    v[k++] = x;
            }
        struct sb_summary s;
        struct sb_interval ci;
        if (k == 0 || sb_stats_summarize(v, k, &s) < 0 ||
            sb_median_ci_order(v, k, 0.95, &ci) < 0) {
            fputs(",,,,", f); /* no ok run: empty, never a made-up 0 */
            continue;
        }
        fprintf(f, ",%.6g,%.6g,%.6g,", s.median, ci.lo, ci.hi);
        if (isfinite(s.cv))
            fprintf(f, "%.4f", s.cv);
        if (m == 0) {
            coverage = ci.coverage;
            struct sb_disagree d;
            if (sb_disagree_check(&s, &d) == 0)
                sb_disagree_words(&d, words, sizeof(words));
        }
    }
    if (isfinite(coverage))
        fprintf(f, ",%.4f,", coverage);
    else
        fputs(",,", f);
    char buf[200];
    size_t at = 0;
    if (sb_csv_field(words, buf, sizeof(buf), &at) == 0)
        fprintf(f, "%.*s\n", (int)at, buf);
    else
        fputs("\n", f);
}

static int write_cells(FILE *f, const struct sb_runs *r)
{
    int kc[NKEY], mc[2 * NMETRIC];
    for (size_t k = 0; k < NKEY; k++)
        kc[k] = sb_runs_col(r, key_cols[k]);
    for (size_t m = 0; m < NMETRIC; m++) {
        mc[2 * m] = sb_runs_col(r, metrics[m].col);
        mc[2 * m + 1] = metrics[m].den ? sb_runs_col(r, metrics[m].den) : -1;
    }
    size_t *rows = malloc((r->nrows + 1) * sizeof(*rows));
    char *done = calloc(r->nrows + 1, 1);
    double *v = malloc((r->nrows + 1) * sizeof(*v));
    if (!rows || !done || !v) {
        free(rows), free(done), free(v);
        return -1;
    }
    header(f);
    /* Cells in the order their first run appears: the suite's order. */
    for (size_t i = 0; i < r->nrows; i++) {
        if (done[i])
            continue;
        size_t n = 0;
        for (size_t j = i; j < r->nrows; j++)
            if (!done[j] && same_key(r, kc, i, j)) {
                rows[n++] = j;
                done[j] = 1;
            }
        cell_line(f, r, kc, mc, rows, n, v);
    }
    free(rows), free(done), free(v);
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
