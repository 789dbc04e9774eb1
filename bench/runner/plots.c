/* plots.c - DIR/plots/ through gnuplot (plots.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cells.h"
#include "hgrm.h"
#include "plots.h"
#include "resultdir.h"
#include "runsread.h"
#include "stats.h"

/* ---- gnuplot ----------------------------------------------------------------- */

int sb_gnuplot_find(char *path, size_t len, char *why, size_t wlen)
{
    const char *given = getenv("SERBENCH_GNUPLOT");
    if (given && *given) {
        snprintf(path, len, "%s", given);
        if (access(path, X_OK) == 0)
            return 0;
        snprintf(why, wlen, "SERBENCH_GNUPLOT=%s: not an executable", given);
        return -1;
    }
    const char *p = getenv("PATH");
    if (!p || !*p)
        p = "/usr/local/bin:/usr/bin:/bin";
    while (*p) {
        size_t n = strcspn(p, ":");
        snprintf(path, len, "%.*s/gnuplot", (int)n, p);
        if (n && access(path, X_OK) == 0)
            return 0;
        p += n + (p[n] == ':');
    }
    snprintf(why, wlen, "gnuplot not found (apt-get install gnuplot-nox; scripts/deps installs it)");
    path[0] = '\0';
    return -1;
}

int sb_gnuplot_run(const char *gnuplot, const char *dir, char *const *scripts, size_t n,
                   struct sb_err *err)
{
    char log[] = "/tmp/serbench-gnuplot-XXXXXX";
    int lfd = mkstemp(log);
    if (lfd < 0)
        return sb_errf(err, SB_EXIT_FAILED, "gnuplot: a temporary file: %s", strerror(errno));
    unlink(log);
    char **argv = calloc(n + 2, sizeof(*argv));
    if (!argv) {
        close(lfd);
        return sb_errf(err, SB_EXIT_FAILED, "out of memory");
    }
    argv[0] = "gnuplot";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = scripts[i];
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(lfd, 2) < 0 ||
            chdir(dir) < 0)
            _exit(126);
        execv(gnuplot, argv);
        _exit(127);
    }
    free(argv);
    int status = 0;
    if (pid < 0) {
        close(lfd);
        return sb_errf(err, SB_EXIT_FAILED, "gnuplot: fork: %s", strerror(errno));
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok) {
        char msg[400] = "";
        ssize_t got = pread(lfd, msg, sizeof(msg) - 1, 0);
        msg[got > 0 ? got : 0] = '\0';
        for (char *c = msg; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        close(lfd);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return sb_errf(err, SB_EXIT_MISSING, "%s: cannot run", gnuplot);
        return sb_errf(err, SB_EXIT_FAILED, "gnuplot failed in %s (%s %d): %s", dir,
                       WIFEXITED(status) ? "exit" : "signal",
                       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), msg);
    }
    close(lfd);
    return 0;
}

void sb_gp_quote(const char *s, char *out, size_t len)
{
    size_t o = strlen(out);
    if (o + 3 > len)
        return;
    out[o++] = '\'';
    for (; *s && o + 3 < len; s++) {
        if (*s == '\n' || *s == '\r')
            continue;
        if (*s == '\'')
            out[o++] = '\'';
        out[o++] = *s;
    }
    out[o++] = '\'';
    out[o] = '\0';
}

void sb_gp_datum(const char *s, char *out, size_t len)
{
    size_t o = strlen(out);
    if (o + 3 > len)
        return;
    out[o++] = '"';
    for (; *s && o + 2 < len; s++)
        out[o++] = *s == '"' ? '\'' : *s == '\n' || *s == '\r' ? ' ' : *s;
    out[o++] = '"';
    out[o] = '\0';
}

void sb_plot_stem(const char *name, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = name; *p && o + 1 < len; p++) {
        char c = *p;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '-' || c == '_';
        out[o++] = keep ? c : '_';
    }
    out[o] = '\0';
    if (o == 0 && len > 1)
        snprintf(out, len, "_");
}

/* ---- writing scripts ----------------------------------------------------------- */

struct plotset {
    const char *dir;       /* the result directory */
    const char *plotdir;
    FILE *index;           /* plots/index.tsv */
    char **scripts;        /* the .gp files made, for one gnuplot run */
    size_t n, cap;
    char stems[256][96];   /* used so far, to keep them unique */
    size_t nstems;
};

/* A unique stem for job + kind. */
static void make_stem(struct plotset *ps, const char *job, const char *kind, char *out,
                      size_t len)
{
    char base[96];
    sb_plot_stem(job, base, sizeof(base));
    snprintf(out, len, "%.60s-%s", base, kind);
    for (int k = 2; k < 1000; k++) {
        int clash = 0;
        for (size_t i = 0; i < ps->nstems && !clash; i++)
            clash = strcmp(ps->stems[i], out) == 0;
        if (!clash)
            break;
        snprintf(out, len, "%.60s-%d-%s", base, k, kind);
    }
    if (ps->nstems < 256)
        snprintf(ps->stems[ps->nstems++], sizeof(ps->stems[0]), "%s", out);
}

/* One TSV field: tabs and newlines would break the line. */
static void tsv(FILE *f, const char *s, const char *after)
{
    for (; *s; s++)
        fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
    fputs(after, f);
}

static FILE *script_open(struct plotset *ps, const char *stem)
{
    char path[PATH_MAX + 200];
    snprintf(path, sizeof(path), "%s/%s.gp", ps->plotdir, stem);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fprintf(f, "# %s.gp - made by serbench (plots.h); `gnuplot %s.gp` in this directory\n"
               "# makes %s.png and %s.svg again.\n"
               "reset session\n"
               "set termoption noenhanced\n"
               "set encoding utf8\n",
            stem, stem, stem, stem);
    return f;
}

/* Ends a script: the plot command once as PNG and once as SVG. */
static int script_close(struct plotset *ps, FILE *f, const char *stem, const char *plotcmd,
                        int width, int height, const char *job, const char *kind,
                        const char *title, const char *caption)
{
    fprintf(f,
            "set terminal pngcairo noenhanced size %d,%d font 'DejaVu Sans,10' background '#ffffff'\n"
            "set output '%s.png'\n"
            "%s\n"
            "set terminal svg noenhanced size %d,%d dynamic font 'DejaVu Sans,10' background '#ffffff'\n"
            "set output '%s.svg'\n"
            "%s\n"
            "unset output\n",
            width, height, stem, plotcmd, width, height, stem, plotcmd);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return -1;
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        char **s = realloc(ps->scripts, cap * sizeof(*s));
        if (!s)
            return -1;
        ps->scripts = s;
        ps->cap = cap;
    }
    char name[128];
    snprintf(name, sizeof(name), "%s.gp", stem);
    if (!(ps->scripts[ps->n] = strdup(name)))
        return -1;
    ps->n++;
    tsv(ps->index, job, "\t");
    tsv(ps->index, kind, "\t");
    tsv(ps->index, stem, "\t");
    tsv(ps->index, title, "\t");
    tsv(ps->index, caption, "\n");
    return 0;
}

/* ---- what a job is made of ----------------------------------------------------- */

struct job {
    const char *scenario, *name;
    size_t *cells, ncells; /* indexes into the cell array, in suite order */
};

static double num(const char *s)
{
    char *end;
    double v = *s ? strtod(s, &end) : NAN;
    return *s && !*end ? v : NAN;
}

/* The median of column col over a cell's ok, unstarved runs (NaN when none). */
static double cell_median(const struct sb_runs *r, const struct sb_cellstat *c, const char *col,
                          int positive_only)
{
    int cc = sb_runs_col(r, col), st = sb_runs_col(r, "status"), sv = sb_runs_col(r, "starved");
    if (cc < 0 || c->nrows == 0)
        return NAN;
    double *v = malloc(c->nrows * sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; v && i < c->nrows; i++) {
        if (strcmp(sb_runs_get(r, c->rows[i], st), "ok") != 0 ||
            strcmp(sb_runs_get(r, c->rows[i], sv), "1") == 0)
            continue;
        double x = num(sb_runs_get(r, c->rows[i], cc));
        if (isfinite(x) && (!positive_only || x > 0))
            v[k++] = x;
    }
    double m = NAN;
    if (k)
        sb_stats_median(v, k, &m);
    free(v);
    return m;
}

/* The label of a cell in its job: the strategy, with the allocator when the job has several. */
static void cell_label(const struct sb_cellstat *c, int with_alloc, char *out, size_t len)
{
    if (with_alloc)
        snprintf(out, len, "%s/%s", c->key[2], c->key[3]);
    else
        snprintf(out, len, "%s", c->key[2]);
}

static int job_has_several_allocators(const struct job *j, const struct sb_cellstat *cells)
{
    for (size_t i = 1; i < j->ncells; i++)
        if (strcmp(cells[j->cells[i]].key[3], cells[j->cells[0]].key[3]) != 0)
            return 1;
    return 0;
}

static const char *first_value(const struct sb_runs *r, const struct sb_cellstat *c,
                               const char *col)
{
    return c->nrows ? sb_runs_get(r, c->rows[0], sb_runs_col(r, col)) : "";
}

/*
 * The job's ceiling in MB/s and its words: the echo loop measured in the
 * suite (pty echo), or the emulated link's rate.  NaN when it has none.
 */
static double job_ceiling(const struct sb_runs *r, const struct job *j,
                          const struct sb_cellstat *cells, char *words, size_t len)
{
    const struct sb_cellstat *c0 = &cells[j->cells[0]];
    words[0] = '\0';
    double best = NAN;
    for (size_t i = 0; i < j->ncells; i++) {
        double v = cell_median(r, &cells[j->cells[i]], "ceiling_echo_bytes_per_s", 1);
        if (isfinite(v) && !(best >= v))
            best = isfinite(best) ? (best + v) / 2 : v;
    }
    if (isfinite(best)) {
        snprintf(words, len, "echo-loop ceiling %.4g MB/s (measured in this suite, no strategy)",
                 best / 1e6);
        return best / 1e6;
    }
    if (strcmp(first_value(r, c0, "cfg_peer"), "nrf52840-sim") != 0 ||
        strcmp(first_value(r, c0, "transport"), "mem") == 0)
        return NAN;
    const char *link = first_value(r, c0, "cfg_link");
    if (strncmp(link, "uart:", 5) == 0) {
        double baud = num(link + 5);
        if (isfinite(baud) && baud > 0) {
            snprintf(words, len, "link %s: %.4g MB/s (10 bits a byte)", link, baud / 10 / 1e6);
            return baud / 10 / 1e6;
        }
    } else if (strcmp(link, "cdc") == 0) {
        /* USB full speed as the emulator models it: 19 packets of 64 bytes a 1 ms frame */
        snprintf(words, len, "link cdc: %.4g MB/s (19 x 64-byte packets a 1 ms frame)",
                 19 * 64 * 1000 / 1e6);
        return 19 * 64 * 1000 / 1e6;
    }
    return NAN;
}

static const struct sb_cellstat *sort_cells;
static int by_median(const void *a, const void *b)
{
    const struct sb_cellstat *x = &sort_cells[*(const size_t *)a];
    const struct sb_cellstat *y = &sort_cells[*(const size_t *)b];
    double mx = x->m[SB_CM_MB_PER_S].have ? x->m[SB_CM_MB_PER_S].median : -1;
    double my = y->m[SB_CM_MB_PER_S].have ? y->m[SB_CM_MB_PER_S].median : -1;
    return (mx < my) - (mx > my);
}

static void job_title(const struct job *j, int several_scenarios, char *out, size_t len)
{
    if (several_scenarios)
        snprintf(out, len, "%.120s (%.120s)", j->name, j->scenario);
    else
        snprintf(out, len, "%s", j->name);
}

static int plot_throughput(struct plotset *ps, const struct sb_runs *r, const struct job *j,
                           const struct sb_cellstat *cells, const char *jt)
{
    size_t *order = malloc(j->ncells * sizeof(*order));
    if (!order)
        return -1;
    memcpy(order, j->cells, j->ncells * sizeof(*order));
    sort_cells = cells;
    qsort(order, j->ncells, sizeof(*order), by_median);
    int alloc = job_has_several_allocators(j, cells);
    char stem[128], ceil_words[160], omitted[512] = "";
    make_stem(ps, jt, "throughput", stem, sizeof(stem));
    double ceiling = job_ceiling(r, j, cells, ceil_words, sizeof(ceil_words));
    FILE *f = script_open(ps, stem);
    if (!f) {
        free(order);
        return -1;
    }
    fputs("$d << EOD\n", f);
    double top = 0;
    size_t shown = 0, nmin = SIZE_MAX, nmax = 0;
    for (size_t i = 0; i < j->ncells; i++) {
        const struct sb_cellstat *c = &cells[order[i]];
        char label[160], q[200] = "";
        cell_label(c, alloc, label, sizeof(label));
        if (!c->m[SB_CM_MB_PER_S].have) {
            size_t o = strlen(omitted);
            snprintf(omitted + o, sizeof(omitted) - o, "%s%s", o ? ", " : "", label);
            continue;
        }
        sb_gp_datum(label, q, sizeof(q));
        int unsettled = c->disagree || c->n < SB_MIN_REPEATS;
        fprintf(f, "%s %.6g %.6g %.6g %d\n", q, c->m[SB_CM_MB_PER_S].median,
                c->m[SB_CM_MB_PER_S].lo, c->m[SB_CM_MB_PER_S].hi, unsettled);
        top = fmax(top, c->m[SB_CM_MB_PER_S].hi);
        nmin = c->n < nmin ? c->n : nmin;
        nmax = c->n > nmax ? c->n : nmax;
        shown++;
    }
    fputs("EOD\n", f);
    free(order);
    /* a paced job far below its path's ceiling: say the ceiling, do not squash the bars */
    int off_scale = isfinite(ceiling) && top > 0 && ceiling > 4 * top;
    if (isfinite(ceiling) && !off_scale)
        top = fmax(top, ceiling);
    char title[320], q[400] = "", caption[1024], nrep[48];
    if (nmin == nmax)
        snprintf(nrep, sizeof(nrep), "%zu", nmin);
    else
        snprintf(nrep, sizeof(nrep), "%zu-%zu", shown ? nmin : 0, nmax);
    if (shown)
        snprintf(title, sizeof(title), "%.200s: throughput (median of %s repeat%s, 95 %% interval)",
                 jt, nrep, nmax == 1 ? "" : "s");
    else
        snprintf(title, sizeof(title), "%.200s: throughput (no cell has a figure)", jt);
    sb_gp_quote(title, q, sizeof(q));
    fprintf(f,
            "set title %s\n"
            "set ylabel 'MB/s (verified frame bytes)'\n"
            "set yrange [0:%.6g]\n"
            "set xrange [-0.7:%zu-0.3]\n"
            "set style fill solid 0.65 border -1\n"
            "set boxwidth 0.6\n"
            "set xtics rotate by -30 scale 0\n"
            "set grid ytics\n"
            "set key outside bottom center horizontal\n",
            q, top > 0 ? top * 1.18 : 1.0, shown ? shown : 1);
    if (off_scale) {
        char words[300];
        q[0] = '\0';
        snprintf(words, sizeof(words), "%s: off the scale, %.0fx the best median",
                 ceil_words, ceiling / top);
        sb_gp_quote(words, q, sizeof(q));
        fprintf(f, "set label 1 %s at graph 0.01, graph 0.95 front\n", q);
    } else if (isfinite(ceiling)) {
        q[0] = '\0';
        sb_gp_quote(ceil_words, q, sizeof(q));
        fprintf(f,
                "set arrow 1 from graph 0, first %.6g to graph 1, first %.6g nohead dt 2 lw 2 "
                "lc rgb '#333333' front\n"
                "set label 1 %s at graph 0.01, first %.6g offset 0,0.8 front\n",
                ceiling, ceiling, q, ceiling);
    }
    const char *cmd =
        shown ? "plot $d using 0:2:($5 > 0 ? 0xe07b39 : 0x4682b4):xtic(1) with boxes lc rgb variable "
                "notitle, $d using 0:2:3:4 with yerrorbars lc rgb '#000000' pt 0 lw 1.5 "
                "title 'interval of the median', NaN with boxes lc rgb '#4682b4' title 'settled', "
                "NaN with boxes lc rgb '#e07b39' title 'repeats disagree, or fewer than 5'"
              : "set label 2 'no cell has a figure (every run failed or was starved)' at graph "
                "0.5, graph 0.5 center\nunset logscale\nunset arrow\nplot [0:1][0:1] -1 notitle";
    snprintf(caption, sizeof(caption),
             "Median MB/s over each cell's ok, unstarved repeats, best first, with the "
             "order-statistic interval of the median as whiskers (cells.csv).%s%s%s%s%s",
             isfinite(ceiling) ? (off_scale ? " Top left: " : " Dashed: ") : "", isfinite(ceiling) ? ceil_words : "",
             isfinite(ceiling) ? "." : "", omitted[0] ? " No figure (failed or starved): " : "",
             omitted);
    if (omitted[0])
        strncat(caption, ".", sizeof(caption) - strlen(caption) - 1);
    return script_close(ps, f, stem, cmd, 900, 480, jt, "throughput", title, caption);
}

/* The percentile spectrum of a cell from runs.csv's percentiles: the
 * medians over its repeats of p50, p90, p99, p99.9 and the max. */
static size_t spectrum_points(const struct sb_runs *r, const struct sb_cellstat *c,
                              double x[5], double y[5])
{
    static const struct {
        const char *col;
        double p;
    } pts[] = {{"lat_p50_ns", 0.5}, {"lat_p90_ns", 0.9}, {"lat_p99_ns", 0.99},
               {"lat_p999_ns", 0.999}, {"lat_max_ns", 1}};
    size_t n = 0;
    double count = cell_median(r, c, "lat_count", 1);
    for (size_t i = 0; i < 5; i++) {
        double v = cell_median(r, c, pts[i].col, 1);
        double at = pts[i].p < 1 ? 1 / (1 - pts[i].p) : count;
        if (!isfinite(v) || !isfinite(at) || (n && at <= x[n - 1]))
            continue;
        x[n] = at;
        y[n] = v / 1e3; /* us */
        n++;
    }
    return n;
}

static const char *latency_words(const struct sb_runs *r, const struct sb_cellstat *c)
{
    return strcmp(first_value(r, c, "transport"), "mem") == 0
               ? "enqueue to dequeue"
               : "round trip through the port and the peer";
}

static const char percentile_axis[] =
    "set logscale x\n"
    "set xlabel 'percentile (axis: 1/(1-p))'\n"
    "set xtics ('0%%' 1, '50%%' 2, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, "
    "'99.999%%' 100000, '99.9999%%' 1000000, '99.99999%%' 10000000)\n";

static int plot_latency(struct plotset *ps, const struct sb_runs *r, const struct job *j,
                        const struct sb_cellstat *cells, const char *jt)
{
    int alloc = job_has_several_allocators(j, cells);
    char stem[128];
    make_stem(ps, jt, "latency", stem, sizeof(stem));
    FILE *f = script_open(ps, stem);
    if (!f)
        return -1;
    char plot[16384] = "plot ";
    size_t lines = 0, from_hist = 0, from_csv = 0;
    double xmax = 10;
    const struct sb_cellstat *c0 = &cells[j->cells[0]];
    int paced = num(first_value(r, c0, "cfg_rate_per_s")) > 0 ||
                num(first_value(r, c0, "cfg_burst_count")) > 0;
    struct sb_run_hists *h = malloc(sizeof(*h));
    double *x = malloc(2 * 512 * sizeof(*x)), *y = x ? x + 512 : NULL;
    if (!h || !x) {
        free(h), free(x), fclose(f);
        return -1;
    }
    for (size_t i = 0; i < j->ncells; i++) {
        const struct sb_cellstat *c = &cells[j->cells[i]];
        char label[160], q[200] = "";
        cell_label(c, alloc, label, sizeof(label));
        sb_gp_quote(label, q, sizeof(q));
        struct sb_err e = {0};
        int got = sb_cell_hists(ps->dir, r, c, h, &e);
        if (got < 0)
            sb_warnf("%s (the latency plot uses runs.csv's percentiles)", e.msg);
        /* from the merged histograms: every row of the .hgrm; the intended
         * send time's too (dashed) for a paced job, where they differ */
        for (int kind = 0; got > 0 && kind < 1 + paced; kind++) {
            const struct sb_hist *hh = kind ? &h->intended : &h->send;
            size_t n = sb_hgrm_points(hh, x, y, 512);
            if (n == 0)
                continue;
            fprintf(f, "$c%zu%s << EOD\n", i, kind ? "i" : "");
            for (size_t k = 0; k < n; k++)
                fprintf(f, "%.6g %.6g\n", x[k], y[k] / 1e3);
            fputs("EOD\n", f);
            xmax = fmax(xmax, x[n - 1]);
            size_t o = strlen(plot);
            if (kind) {
                char l2[200], q2[240] = "";
                snprintf(l2, sizeof(l2), "%.150s, intended send", label);
                sb_gp_quote(l2, q2, sizeof(q2));
                snprintf(plot + o, sizeof(plot) - o,
                         ", $c%zui using 1:2 with lines lw 2 dt 2 lc %zu title %s", i, i + 1, q2);
            } else {
                snprintf(plot + o, sizeof(plot) - o,
                         "%s$c%zu using 1:2 with lines lw 2 lc %zu title %s", lines ? ", " : "",
                         i, i + 1, q);
            }
            lines++;
        }
        if (got > 0) {
            from_hist++;
            continue;
        }
        size_t n = spectrum_points(r, c, x, y);
        if (n == 0)
            continue;
        from_csv++;
        fprintf(f, "$c%zu << EOD\n", i);
        for (size_t k = 0; k < n; k++)
            fprintf(f, "%.6g %.6g\n", x[k], y[k]);
        fputs("EOD\n", f);
        xmax = fmax(xmax, x[n - 1]);
        size_t o = strlen(plot);
        snprintf(plot + o, sizeof(plot) - o,
                 "%s$c%zu using 1:2 with linespoints lw 2 lc %zu title %s", lines ? ", " : "", i,
                 i + 1, q);
        lines++;
    }
    free(h);
    free(x);
    if (!lines)
        snprintf(plot, sizeof(plot), "set label 2 'no latency recorded (every run failed or "
                                     "was starved)' at graph 0.5, graph 0.5 center\nunset "
                                     "logscale\nset xtics auto\nplot [1:10][0:1] -1 notitle");
    char title[320], q[400] = "", caption[1024];
    snprintf(title, sizeof(title), "%.200s: latency by percentile (%s)", jt,
             latency_words(r, &cells[j->cells[0]]));
    sb_gp_quote(title, q, sizeof(q));
    fprintf(f, "set title %s\n", q);
    fputs(percentile_axis, f);
    fprintf(f,
            "set xrange [1:%.6g]\n"
            "set logscale y\n"
            "set ylabel 'latency (us)'\n"
            "set grid xtics ytics mytics\n"
            "set key top left\n",
            xmax * 1.5);
    snprintf(caption, sizeof(caption),
             "The latency spectrum as HdrHistogram plots it: x is 1/(1-p) on a log axis, so "
             "each step right is a tenth of the messages; the last point of each line is the "
             "largest latency, at 1/(1-p) = the number of samples (%s).%s%s%s",
             latency_words(r, c0),
             from_hist ? " Lines: every percentile row of the cell's repeats' histograms "
                         "merged (hist/, the same rows as hgrm/)."
                       : "",
             from_hist && paced ? " Dashed: the same from each message's intended send "
                                  "time, which counts the time a message waited to be sent."
                                : "",
             from_csv ? " Points: the medians over the cell's ok, unstarved repeats of "
                        "runs.csv's p50, p90, p99, p99.9 and max (no histograms in hist/)."
                      : "");
    return script_close(ps, f, stem, plot, 900, 480, jt, "latency", title, caption);
}

/* A sweep: the jobs "<base>@<rate>" of one scenario, at least two of them. */
static int sweep_base(const char *job, char *base, size_t len)
{
    const char *at = strrchr(job, '@');
    if (!at || at == job)
        return 0;
    snprintf(base, len, "%.*s", (int)(at - job), job);
    return 1;
}

static int plot_load(struct plotset *ps, const struct sb_runs *r, const struct job *jobs,
                     size_t njobs, size_t first, const struct sb_cellstat *cells, const char *base,
                     const char *bt)
{
    /* the series: one per strategy x allocator, points over the sweep's jobs */
    static const char *const pcol[3][2] = {{"lat_int_p50_ns", "lat_p50_ns"},
                                           {"lat_int_p99_ns", "lat_p99_ns"},
                                           {"lat_int_p999_ns", "lat_p999_ns"}};
    static const char *const pname[3] = {"p50", "p99", "p99.9"};
    int intended = sb_runs_col(r, "lat_int_p50_ns") >= 0;
    char stem[128];
    make_stem(ps, bt, "load", stem, sizeof(stem));
    FILE *f = script_open(ps, stem);
    if (!f)
        return -1;
    /* labels of the series, in first-seen order */
    char labels[64][160];
    size_t nl = 0;
    int alloc = 0;
    for (size_t j = first; j < njobs; j++) {
        char b[256];
        if (!sweep_base(jobs[j].name, b, sizeof(b)) || strcmp(b, base) ||
            strcmp(jobs[j].scenario, jobs[first].scenario))
            continue;
        alloc |= job_has_several_allocators(&jobs[j], cells);
    }
    double xmin = INFINITY, xmax = 0;
    for (size_t j = first; j < njobs; j++) {
        char b[256];
        if (!sweep_base(jobs[j].name, b, sizeof(b)) || strcmp(b, base) ||
            strcmp(jobs[j].scenario, jobs[first].scenario))
            continue;
        for (size_t i = 0; i < jobs[j].ncells; i++) {
            const struct sb_cellstat *c = &cells[jobs[j].cells[i]];
            char label[160];
            cell_label(c, alloc, label, sizeof(label));
            size_t s = 0;
            while (s < nl && strcmp(labels[s], label) != 0)
                s++;
            if (s == nl && nl < 64)
                snprintf(labels[nl++], sizeof(labels[0]), "%s", label);
        }
    }
    unsigned char has[64][4] = {{0}}; /* series s has a figure in panel k */
    for (size_t s = 0; s < nl; s++) {
        fprintf(f, "$s%zu << EOD\n", s);
        for (size_t j = first; j < njobs; j++) {
            char b[256];
            if (!sweep_base(jobs[j].name, b, sizeof(b)) || strcmp(b, base) ||
                strcmp(jobs[j].scenario, jobs[first].scenario))
                continue;
            for (size_t i = 0; i < jobs[j].ncells; i++) {
                const struct sb_cellstat *c = &cells[jobs[j].cells[i]];
                char label[160];
                cell_label(c, alloc, label, sizeof(label));
                if (strcmp(label, labels[s]) != 0)
                    continue;
                double rate = num(first_value(r, c, "cfg_rate_per_s"));
                double v[4];
                v[3] = cell_median(r, c, "msgs_per_s", 1);
                for (int k = 0; k < 3; k++)
                    v[k] = cell_median(r, c, pcol[k][intended ? 0 : 1], 1) / 1e3;
                if (!isfinite(rate) || rate <= 0)
                    continue;
                xmin = fmin(xmin, rate);
                xmax = fmax(xmax, rate);
                fprintf(f, "%.6g", rate);
                for (int k = 0; k < 4; k++) {
                    has[s][k] |= isfinite(v[k]) && v[k] > 0;
                    if (isfinite(v[k]) && v[k] > 0)
                        fprintf(f, " %.6g", v[k]);
                    else
                        fputs(" ?", f); /* no figure (failed or starved): a gap */
                }
                fputc('\n', f);
            }
        }
        fputs("EOD\n", f);
    }
    char title[320], q[400] = "", caption[1024];
    snprintf(title, sizeof(title), "%.200s: latency against offered load (%s)", bt,
             intended ? "from each message's intended send time" : "from each message's send time");
    sb_gp_quote(title, q, sizeof(q));
    if (!(xmax > 0))
        xmin = 1, xmax = 10;
    fprintf(f,
            "set logscale xy\n"
            "set xrange [%.6g:%.6g]\n"
            "set format x '%%.0s%%c'\n"
            "set xlabel 'offered rate (messages/s)'\n"
            "set grid xtics ytics\n"
            "set key top left\n",
            xmin / 1.3, xmax * 1.3);
    /* the plot command, repeated for each terminal: four panels */
    char plot[16384] = "";
    size_t o = (size_t)snprintf(plot, sizeof(plot), "set multiplot layout 2,2 title %s\n", q);
    for (int k = 0; k < 4 && o < sizeof(plot); k++) {
        if (k < 3)
            o += (size_t)snprintf(plot + o, sizeof(plot) - o,
                                  "set title '%s'\nset ylabel 'latency (us)'\nplot ", pname[k]);
        else
            o += (size_t)snprintf(plot + o, sizeof(plot) - o,
                                  "set title 'achieved against offered (dashed: all of it)'\n"
                                  "set ylabel 'achieved (messages/s)'\nset format y '%%.0s%%c'\n"
                                  "set yrange [%.6g:%.6g]\nplot x with lines dt 2 lc rgb "
                                  "'#777777' notitle",
                                  xmin / 1.3, xmax * 1.3);
        size_t drawn = 0;
        for (size_t s = 0; s < nl && o < sizeof(plot); s++) {
            if (!has[s][k])
                continue;
            char lq[200] = "";
            sb_gp_quote(labels[s], lq, sizeof(lq));
            o += (size_t)snprintf(plot + o, sizeof(plot) - o,
                                  "%s$s%zu using 1:%d with linespoints lw 2 lc %zu title %s",
                                  drawn || k == 3 ? ", " : "", s, k + 2, s + 1, lq);
            drawn++;
        }
        if (!drawn && k < 3 && o < sizeof(plot)) /* panel 4 always has its dashed line */
            o += (size_t)snprintf(plot + o, sizeof(plot) - o, "[][1:10] 1/0 notitle");
        if (o < sizeof(plot))
            o += (size_t)snprintf(plot + o, sizeof(plot) - o, "\n");
    }
    if (o < sizeof(plot))
        snprintf(plot + o, sizeof(plot) - o, "unset multiplot\nset format y\nset yrange [*:*]");
    snprintf(caption, sizeof(caption),
             "Each strategy run at a series of offered rates (rate = sweep:...): the medians "
             "over the repeats of p50, p99 and p99.9 latency against the rate offered, and the "
             "rate achieved (messages verified a second) against it, every axis logarithmic; "
             "where a latency line turns up or the achieved rate falls below the dashed line, "
             "the strategy stops keeping up.%s",
             intended ? " Latency from each message's intended send time, so a producer "
                        "held back by a full buffer counts the wait (no coordinated omission)."
                      : " Latency from each message's send time: this result has no "
                        "intended-send-time latency (lat_int_* columns), so a producer held "
                        "back by a full buffer hides part of the wait.");
    return script_close(ps, f, stem, plot, 1100, 800, bt, "load", title, caption);
}

/* ---- the whole directory --------------------------------------------------------- */

static int collect_jobs(const struct sb_cellstat *cells, size_t ncells, struct job **out,
                        size_t *nout)
{
    struct job *jobs = calloc(ncells + 1, sizeof(*jobs));
    size_t *idx = malloc((ncells + 1) * sizeof(*idx));
    if (!jobs || !idx) {
        free(jobs), free(idx);
        return -1;
    }
    size_t n = 0, used = 0;
    char *done = calloc(ncells + 1, 1);
    if (!done) {
        free(jobs), free(idx);
        return -1;
    }
    for (size_t i = 0; i < ncells; i++) {
        if (done[i])
            continue;
        struct job *j = &jobs[n++];
        j->scenario = cells[i].key[0];
        j->name = cells[i].key[1];
        j->cells = idx + used;
        for (size_t k = i; k < ncells; k++)
            if (!done[k] && strcmp(cells[k].key[0], j->scenario) == 0 &&
                strcmp(cells[k].key[1], j->name) == 0) {
                j->cells[j->ncells++] = k;
                done[k] = 1;
            }
        used += j->ncells;
    }
    free(done);
    if (n == 0)
        free(idx);
    *out = jobs;
    *nout = n;
    return 0;
}

/* Removes what an earlier report left in plots/ (only serbench's own files). */
static void clear_plotdir(const char *plotdir)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/index.tsv", plotdir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        char *tab3 = tab2 ? strchr(tab2 + 1, '\t') : NULL;
        if (!tab3)
            continue;
        *tab3 = '\0';
        static const char *const ext[] = {"gp", "png", "svg"};
        for (int e = 0; e < 3; e++) {
            char p[PATH_MAX + 200];
            snprintf(p, sizeof(p), "%s/%s.%s", plotdir, tab2 + 1, ext[e]);
            unlink(p);
        }
    }
    fclose(f);
}

int sb_plots_make(const char *dir, struct sb_plots_made *made, struct sb_err *err)
{
    memset(made, 0, sizeof(*made));
    char gnuplot[PATH_MAX];
    if (sb_gnuplot_find(gnuplot, sizeof(gnuplot), made->why, sizeof(made->why)) < 0) {
        made->no_gnuplot = 1;
        return 0;
    }
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    struct sb_runs r;
    if (sb_runs_read(path, &r, err) < 0)
        return -1;
    struct sb_cellstat *cells = NULL;
    struct job *jobs = NULL;
    size_t ncells = 0, njobs = 0;
    struct plotset ps = {0};
    char plotdir[PATH_MAX];
    snprintf(plotdir, sizeof(plotdir), "%s/plots", dir);
    ps.plotdir = plotdir;
    ps.dir = dir;
    int rc = -1;
    if (sb_cells_compute(&r, &cells, &ncells) < 0 ||
        collect_jobs(cells, ncells, &jobs, &njobs) < 0) {
        sb_errf(err, SB_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (mkdir(plotdir, 0755) < 0 && errno != EEXIST) {
        sb_errf(err, SB_EXIT_FAILED, "%s: %s", plotdir, strerror(errno));
        goto out;
    }
    clear_plotdir(plotdir);
    char tmpidx[PATH_MAX + 16];
    snprintf(tmpidx, sizeof(tmpidx), "%s/index.tsv.tmp", plotdir);
    if (!(ps.index = fopen(tmpidx, "w"))) {
        sb_errf(err, SB_EXIT_FAILED, "%s: %s", tmpidx, strerror(errno));
        goto out;
    }
    fputs("job\tkind\tstem\ttitle\tcaption\n", ps.index);
    int several = 0;
    for (size_t j = 1; j < njobs; j++)
        several |= strcmp(jobs[j].scenario, jobs[0].scenario) != 0;
    int bad = 0;
    char done_bases[64][320];
    size_t ndone = 0;
    for (size_t j = 0; j < njobs && !bad; j++) {
        char jt[256], base[256];
        job_title(&jobs[j], several, jt, sizeof(jt));
        size_t members = 0;
        if (sweep_base(jobs[j].name, base, sizeof(base)))
            for (size_t k = 0; k < njobs; k++) {
                char b2[256];
                members += sweep_base(jobs[k].name, b2, sizeof(b2)) && strcmp(b2, base) == 0 &&
                           strcmp(jobs[k].scenario, jobs[j].scenario) == 0;
            }
        if (members >= 2) {
            char key[300];
            snprintf(key, sizeof(key), "%s\n%s", jobs[j].scenario, base);
            int seen = 0;
            for (size_t d = 0; d < ndone && !seen; d++)
                seen = strcmp(done_bases[d], key) == 0;
            if (!seen && ndone < 64) {
                snprintf(done_bases[ndone++], sizeof(done_bases[0]), "%s", key);
                struct job bj = jobs[j];
                bj.name = base;
                char bt[256];
                job_title(&bj, several, bt, sizeof(bt));
                bad |= plot_load(&ps, &r, jobs, njobs, j, cells, base, bt) < 0;
            }
            continue; /* a sweep's rates are shown together, not one plot set each */
        }
        bad |= plot_throughput(&ps, &r, &jobs[j], cells, jt) < 0;
        bad |= plot_latency(&ps, &r, &jobs[j], cells, jt) < 0;
    }
    int ibad = ferror(ps.index);
    if (fclose(ps.index) != 0 || ibad || bad) {
        sb_errf(err, SB_EXIT_FAILED, "%s: cannot write the plot scripts: %s", plotdir,
                strerror(errno ? errno : EIO));
        unlink(tmpidx);
        goto out;
    }
    if (ps.n && sb_gnuplot_run(gnuplot, plotdir, ps.scripts, ps.n, err) < 0) {
        unlink(tmpidx);
        goto out;
    }
    snprintf(path, sizeof(path), "%s/index.tsv", plotdir);
    if (rename(tmpidx, path) < 0) {
        sb_errf(err, SB_EXIT_FAILED, "%s: %s", path, strerror(errno));
        goto out;
    }
    made->n = ps.n;
    rc = 0;
out:
    for (size_t i = 0; i < ps.n; i++)
        free(ps.scripts[i]);
    free(ps.scripts);
    if (jobs && njobs)
        free(jobs[0].cells);
    free(jobs);
    sb_cells_free(cells, ncells);
    sb_runs_free(&r);
    return rc;
}
