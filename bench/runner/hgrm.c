/* hgrm.c - HdrHistogram's percentile text (hgrm.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hgrm.h"
#include "plots.h"

/* One row: emit(ctx, value ns, percentile 0..100, count so far, last). */
typedef int (*row_fn)(void *ctx, double value_ns, double pct, uint64_t count, int last);

/* HdrHistogram's PercentileIterator over h's buckets. */
static int iterate(const struct sb_hist *h, row_fn emit, void *ctx)
{
    if (h->count == 0)
        return 0;
    double level = 0;
    uint64_t cum = 0;
    double last_value = 0;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++) {
        uint64_t c = h->buckets[i];
        if (!c)
            continue;
        cum += c;
        double top = (double)(sb_hist_bucket_low(i) + sb_hist_bucket_width(i) - 1);
        if (top > (double)h->max)
            top = (double)h->max;
        if (top < (double)h->min)
            top = (double)h->min;
        last_value = top;
        while (100.0 * (double)cum / (double)h->count >= level) {
            if (emit(ctx, top, level, cum, 0) < 0)
                return -1;
            /* the next level: TICKS x 2^(halvings + 1) rows per 100 % */
            double halvings = floor(log(100.0 / (100.0 - level)) / log(2.0));
            level += 100.0 / (SB_HGRM_TICKS_PER_HALF * pow(2.0, halvings + 1));
            if (cum == h->count)
                break; /* the iterator ends at the last bucket: one row, then 100 % */
        }
        if (cum == h->count)
            break;
    }
    return emit(ctx, last_value, 100.0, cum, 1);
}

static int write_row(void *ctx, double v, double pct, uint64_t count, int last)
{
    FILE *out = ctx;
    int rc;
    if (last)
        rc = fprintf(out, "%12.6f %2.12f %10llu\n", v / 1e6, pct / 100.0,
                     (unsigned long long)count);
    else
        rc = fprintf(out, "%12.6f %2.12f %10llu %14.2f\n", v / 1e6, pct / 100.0,
                     (unsigned long long)count, 1.0 / (1.0 - pct / 100.0));
    return rc < 0 ? -1 : 0;
}

int sb_hgrm_write(FILE *out, const struct sb_hist *h)
{
    fprintf(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
            "1/(1-Percentile)");
    if (iterate(h, write_row, out) < 0)
        return -1;
    /* the standard deviation from the buckets, as HdrHistogram computes it */
    double mean = sb_hist_mean(h), var = 0;
    for (unsigned i = 0; i < SB_HIST_BUCKETS && h->count; i++)
        if (h->buckets[i]) {
            double mid = (double)sb_hist_bucket_low(i) + (double)(sb_hist_bucket_width(i) - 1) / 2;
            var += (double)h->buckets[i] * (mid - mean) * (mid - mean);
        }
    double sd = h->count ? sqrt(var / (double)h->count) : 0;
    fprintf(out, "#[Mean    = %12.6f, StdDeviation   = %12.6f]\n", mean / 1e6, sd / 1e6);
    fprintf(out, "#[Max     = %12.6f, Total count    = %12llu]\n",
            h->count ? (double)h->max / 1e6 : 0.0, (unsigned long long)h->count);
    fprintf(out, "#[Buckets = %12d, SubBuckets     = %12u]\n",
            SB_HIST_MAX_BITS - SB_HIST_SUB_BITS + 1, SB_HIST_SUB);
    return ferror(out) ? -1 : 0;
}

struct points {
    double *x, *y;
    size_t n, cap;
    uint64_t total;
};

static int add_point(void *ctx, double v, double pct, uint64_t count, int last)
{
    struct points *p = ctx;
    (void)count;
    double x = last ? (double)p->total : 1.0 / (1.0 - pct / 100.0);
    if (p->n && x <= p->x[p->n - 1]) /* the 100 % row of a tiny sample can sit left */
        return 0;
    if (p->n < p->cap) {
        p->x[p->n] = x;
        p->y[p->n] = v;
        p->n++;
    }
    return 0;
}

size_t sb_hgrm_points(const struct sb_hist *h, double *x, double *y, size_t cap)
{
    struct points p = {x, y, 0, cap, h->count};
    iterate(h, add_point, &p);
    return p.n;
}

int sb_cell_hists(const char *dir, const struct sb_runs *r, const struct sb_cellstat *c,
                  struct sb_run_hists *out, struct sb_err *err)
{
    sb_hist_reset(&out->send);
    sb_hist_reset(&out->intended);
    int st = sb_runs_col(r, "status"), sv = sb_runs_col(r, "starved");
    struct sb_run_hists *one = malloc(sizeof(*one));
    if (!one)
        return sb_errf(err, SB_EXIT_FAILED, "out of memory");
    size_t used = 0, found = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        size_t row = c->rows[i];
        if (strcmp(sb_runs_get(r, row, st), "ok") != 0 ||
            strcmp(sb_runs_get(r, row, sv), "1") == 0)
            continue;
        used++;
        char path[PATH_MAX + 64], why[256] = "";
        snprintf(path, sizeof(path), "%s/hist/%zu.hist", dir, row + 1);
        if (access(path, F_OK) != 0)
            continue;
        unsigned long run = 0;
        if (sb_hist_file_read(path, &run, one, why, sizeof(why)) < 0 || run != row + 1) {
            free(one);
            return sb_errf(err, SB_EXIT_USAGE, "%s: %s", path,
                           run != row + 1 && !why[0] ? "another run's histograms" : why);
        }
        sb_hist_merge(&out->send, &one->send);
        sb_hist_merge(&out->intended, &one->intended);
        found++;
    }
    free(one);
    if (found && found == used)
        return 1;
    sb_hist_reset(&out->send);
    sb_hist_reset(&out->intended);
    return 0;
}

/* Removes dir/hgrm/'s .hgrm files (the directory is serbench's). */
static void clear_hgrm(const char *hdir)
{
    DIR *d = opendir(hdir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l > 5 && strcmp(e->d_name + l - 5, ".hgrm") == 0) {
            char p[PATH_MAX + 300];
            snprintf(p, sizeof(p), "%s/%s", hdir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
}

static int write_file(const char *path, const struct sb_hist *h)
{
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int bad = sb_hgrm_write(f, h) < 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int sb_hgrm_dir(const char *dir, size_t *n, struct sb_err *err)
{
    *n = 0;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    struct sb_runs r;
    if (sb_runs_read(path, &r, err) < 0)
        return -1;
    struct sb_cellstat *cells;
    size_t nc;
    struct sb_run_hists *h = malloc(sizeof(*h));
    if (!h || sb_cells_compute(&r, &cells, &nc) < 0) {
        free(h);
        sb_runs_free(&r);
        return sb_errf(err, SB_EXIT_FAILED, "out of memory");
    }
    int several = 0;
    for (size_t i = 1; i < nc; i++)
        several |= strcmp(cells[i].key[0], cells[0].key[0]) != 0;
    char hdir[PATH_MAX + 16];
    snprintf(hdir, sizeof(hdir), "%s/hgrm", dir);
    clear_hgrm(hdir);
    int rc = 0;
    for (size_t i = 0; i < nc && rc == 0; i++) {
        int got = sb_cell_hists(dir, &r, &cells[i], h, err);
        if (got < 0) {
            rc = -1;
            break;
        }
        if (!got)
            continue;
        if (mkdir(hdir, 0755) < 0 && errno != EEXIST) {
            rc = sb_errf(err, SB_EXIT_FAILED, "%s: %s", hdir, strerror(errno));
            break;
        }
        char name[400], stem[400];
        snprintf(name, sizeof(name), "%s%s%s-%s-%s", several ? cells[i].key[0] : "",
                 several ? "-" : "", cells[i].key[1], cells[i].key[2], cells[i].key[3]);
        sb_plot_stem(name, stem, sizeof(stem));
        char p[PATH_MAX + 512];
        snprintf(p, sizeof(p), "%s/%s.hgrm", hdir, stem);
        if (write_file(p, &h->send) < 0) {
            rc = sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", p, strerror(errno));
            break;
        }
        snprintf(p, sizeof(p), "%s/%s.intended.hgrm", hdir, stem);
        if (write_file(p, &h->intended) < 0) {
            rc = sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", p, strerror(errno));
            break;
        }
        *n += 2;
    }
    free(h);
    sb_cells_free(cells, nc);
    sb_runs_free(&r);
    return rc;
}
