/*
 * summary.c - summary.md: per job, one table with the strategies (and
 * allocators) side by side, best first by median throughput over repeats,
 * each with the interval of its median, ranked with ties (stats.h): a cell
 * whose interval overlaps the leader's shares its rank ("≈"), a cell whose
 * repeats disagree is marked and not ranked.  Rewritten after every run,
 * so an interrupted suite has one too.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"
#include "stats.h"
#include "units.h"

/* One line of a job's table: a strategy x allocator over its repeats. */
struct group {
    const struct sb_cell *cell; /* the first run of the group */
    size_t first;               /* index of that run in rows */
    size_t n, ok, failed, aborted, skipped, starved; /* ok: not starved */
    long rss_max;
    const char *reason;         /* the first reason a run was not ok */
    double med_mbps;
    struct sb_interval ci;      /* of med_mbps: 95 % order-statistic interval */
    struct sb_disagree dis;     /* the throughput repeats' disagreement mark */
    struct sb_rank rank;
};

/* A metric of a run, for medians over a group's ok runs. */
typedef double (*metric_fn)(const struct sb_run_result *r);
static double m_mbps(const struct sb_run_result *r) { return r->bytes_per_s / 1e6; }
static double m_msgs(const struct sb_run_result *r) { return r->msgs_per_s; }
static double m_p50(const struct sb_run_result *r) { return (double)r->latency.p50_ns; }
static double m_p99(const struct sb_run_result *r) { return (double)r->latency.p99_ns; }
static double m_p999(const struct sb_run_result *r) { return (double)r->latency.p999_ns; }
static double m_drop(const struct sb_run_result *r)
{
    return r->msgs_sent ? 100.0 * (double)r->msgs_dropped / (double)r->msgs_sent : 0;
}
static double m_cpu(const struct sb_run_result *r)
{
    return r->wall_s > 0 ? 100 * (r->cpu_user_s + r->cpu_sys_s) / r->wall_s : 0;
}
/* MB per CPU-second: holds still when the machine takes CPU from the run. */
static double m_mb_cpu(const struct sb_run_result *r)
{
    double cpu = r->cpu_user_s + r->cpu_sys_s;
    return cpu > 0 ? r->bytes_per_s * r->wall_s / cpu / 1e6 : NAN; /* unknown, not 0 */
}
/* Through an echo, bytes_per_s counts bytes that came back: the echo loop's
 * ceiling is the one measured the same way. */
static double m_ceil_pct(const struct sb_run_result *r)
{
    return r->ceiling_echo_bytes_per_s > 0 ? 100 * r->bytes_per_s / r->ceiling_echo_bytes_per_s
                                           : NAN; /* not measured: no ratio, not 0 */
}
static double m_rtt_ratio(const struct sb_run_result *r)
{
    return r->ceiling_rtt_p50_ns ? (double)r->latency.p50_ns / (double)r->ceiling_rtt_p50_ns : NAN;
}
static double m_overrun(const struct sb_run_result *r) { return (double)r->dev_overrun_bytes; }
static double m_dev_drop(const struct sb_run_result *r) { return (double)r->dev_drop_frames; }
static double m_dev_corrupt(const struct sb_run_result *r) { return (double)r->dev_corrupt_frames; }
static double m_dev_delay(const struct sb_run_result *r) { return (double)r->dev_delay_faults; }
static double m_dev_stall(const struct sb_run_result *r) { return (double)r->dev_stall_faults; }

/* The peer's counters, each a column only in a job where one of its runs
 * saw it non-zero: a clean link's table stays as narrow as a mem job's. */
static const struct dev_column {
    const char *title;
    metric_fn f;
} dev_columns[] = {
    {"dev overrun B", m_overrun},
    {"dev dropped", m_dev_drop},
    {"dev corrupted", m_dev_corrupt},
    {"dev delays", m_dev_delay},
    {"dev stalls", m_dev_stall},
};
#define NDEV (sizeof(dev_columns) / sizeof(dev_columns[0]))

/* The optional columns of one job's table. */
struct job_cols {
    const struct sb_run_result *ceil; /* a run with the raw path's ceilings, or NULL */
    unsigned dev;                     /* bit i: dev_columns[i] is shown */
    /* The raw path's ceilings over the job's runs (each measured just
     * before its run): medians, and min..max. */
    size_t nceil;
    double oneway, echo[3], rtt[3]; /* median, min, max */
};

static void note_cols(struct job_cols *jc, const struct sb_run_result *r)
{
    if (!jc->ceil && r->ceiling_echo_bytes_per_s > 0 && r->ceiling_rtt_p50_ns)
        jc->ceil = r;
    for (size_t i = 0; i < NDEV; i++)
        if (dev_columns[i].f(r) > 0)
            jc->dev |= 1u << i;
}

/* A reason in a table cell: no pipes or newlines, not too long. */
static void cell_text(const char *s, char *b, size_t n)
{
    size_t o = 0;
    for (; *s && o + 4 < n && o < 80; s++)
        b[o++] = (*s == '|' || *s == '\n' || *s == '\r') ? ' ' : *s;
    if (*s && o + 4 < n) {
        memcpy(b + o, "...", 3);
        o += 3;
    }
    b[o] = '\0';
}

static double m_ceil_oneway(const struct sb_run_result *r) { return r->ceiling_bytes_per_s / 1e6; }
static double m_ceil_echo(const struct sb_run_result *r) { return r->ceiling_echo_bytes_per_s / 1e6; }
static double m_ceil_rtt(const struct sb_run_result *r) { return (double)r->ceiling_rtt_p50_ns; }

/* Median, min and max of f over the job's runs (rows[first..n) of job c) that carry ceilings. */
static size_t job_ceiling(const struct sb_row *rows, size_t first, size_t n,
                          const struct sb_cell *c, metric_fn f, double *tmp, double out[3])
{
    size_t k = 0;
    for (size_t j = first; j < n; j++) {
        const struct sb_cell *cj = rows[j].cell;
        const struct sb_run_result *r = rows[j].r;
        if (cj->job == c->job && strcmp(cj->p.job, c->p.job) == 0 &&
            r->ceiling_echo_bytes_per_s > 0 && r->ceiling_rtt_p50_ns)
            tmp[k++] = f(r);
    }
    out[0] = out[1] = out[2] = 0;
    if (k && sb_stats_median(tmp, k, &out[0]) == 0) {
        out[1] = out[2] = tmp[0];
        for (size_t i = 1; i < k; i++) {
            out[1] = tmp[i] < out[1] ? tmp[i] : out[1];
            out[2] = tmp[i] > out[2] ? tmp[i] : out[2];
        }
    }
    return k;
}

static void job_ceilings(struct job_cols *jc, const struct sb_row *rows, size_t first, size_t n,
                         const struct sb_cell *c, double *tmp)
{
    double v[3];
    if (!jc->ceil)
        return;
    jc->nceil = job_ceiling(rows, first, n, c, m_ceil_oneway, tmp, v);
    jc->oneway = v[0];
    job_ceiling(rows, first, n, c, m_ceil_echo, tmp, jc->echo);
    job_ceiling(rows, first, n, c, m_ceil_rtt, tmp, jc->rtt);
}

static void job_header(FILE *out, const struct sb_cell *c, const struct job_cols *jc)
{
    const struct sb_run_params *p = &c->p;
    char len[64], buf[32], rate[32];
    if (p->duration_ns) {
        sb_format_duration(p->duration_ns, buf, sizeof(buf));
        snprintf(len, sizeof(len), "duration %s", buf);
    } else if (p->bytes) {
        sb_format_size(p->bytes, buf, sizeof(buf));
        snprintf(len, sizeof(len), "bytes %s", buf);
    } else {
        snprintf(len, sizeof(len), "messages %llu", (unsigned long long)p->messages);
    }
    sb_format_size(p->buffer, buf, sizeof(buf));
    sb_format_rate(p->rate, rate, sizeof(rate));
    fprintf(out, "\n## %s (%s)\n\n", p->job, c->scenario ? c->scenario->name : "");
    if (c->job && c->job->description[0])
        fprintf(out, "%s\n\n", c->job->description);
    fprintf(out, "transport %s, message %s, rate %s, buffer %s, overflow %s, %s", p->transport,
            c->job ? c->job->message_text : "?", rate, buf,
            p->overflow == SB_OVERFLOW_DROP ? "drop" : "block", len);
    if (p->burst_count) {
        sb_format_duration(p->burst_period_ns, buf, sizeof(buf));
        fprintf(out, ", burst %u@%s", p->burst_count, buf);
    }
    if (p->stall_ns) {
        char per[32];
        sb_format_duration(p->stall_ns, buf, sizeof(buf));
        sb_format_duration(p->stall_period_ns, per, sizeof(per));
        fprintf(out, ", stall %s@%s", buf, per);
    }
    fprintf(out, "\n");
    if (jc->ceil) {
        char rtt[3][32];
        for (int i = 0; i < 3; i++)
            sb_format_ns(jc->rtt[i], rtt[i], sizeof(rtt[i]));
        fprintf(out, "\nRaw pty path, no strategy, measured just before each run (medians over "
                     "the job's %zu runs, min-max): one-way %.1f MB/s, echo loop %.1f MB/s "
                     "(%.1f-%.1f), echo round trip p50 %s (%s-%s).  The %% and x columns are "
                     "each run against its own ceilings, then the median (min-max).\n",
                jc->nceil, jc->oneway, jc->echo[0], jc->echo[1], jc->echo[2], rtt[0], rtt[1],
                rtt[2]);
    }
    fprintf(out, "\n| # | strategy | allocator | status | MB/s | interval | MB/CPU-s | ");
    if (jc->ceil)
        fprintf(out, "%% of echo ceiling | ");
    fprintf(out, "msgs/s | dropped | p50 | ");
    if (jc->ceil)
        fprintf(out, "RTT p50 / raw | ");
    fprintf(out, "p99 | p99.9 | ");
    size_t right = 11 + (jc->ceil ? 2 : 0); /* the numeric columns, right-aligned */
    for (size_t i = 0; i < NDEV; i++)
        if (jc->dev & (1u << i)) {
            fprintf(out, "%s | ", dev_columns[i].title);
            right++;
        }
    fprintf(out, "peak RSS | CPU %% | runs |\n| --- | --- | --- | --- |");
    for (size_t i = 0; i < right; i++)
        fprintf(out, " ---: |");
    fprintf(out, "\n");
}

static int same_group(const struct sb_cell *a, const struct sb_cell *b)
{
    return a->job == b->job && strcmp(a->p.job, b->p.job) == 0 &&
           strcmp(a->p.strategy, b->p.strategy) == 0 && strcmp(a->p.allocator, b->p.allocator) == 0;
}

/* f over the group's ok runs into tmp (n doubles); how many. */
static size_t group_values(const struct group *g, const struct sb_row *rows, size_t n,
                           metric_fn f, double *tmp)
{
    size_t k = 0;
    for (size_t i = g->first; i < n; i++) {
        if (!same_group(rows[i].cell, g->cell) || rows[i].r->status != SB_STATUS_OK ||
            rows[i].r->starved)
            continue;
        double x = f(rows[i].r);
        if (isfinite(x))
            tmp[k++] = x;
    }
    return k;
}

/* The median of f over the group's ok runs into *m; 0 when it has none. */
static int group_median(const struct group *g, const struct sb_row *rows, size_t n, metric_fn f,
                        double *tmp, double *m)
{
    size_t k = group_values(g, rows, n, f, tmp);
    return k && sb_stats_median(tmp, k, m) == 0;
}

/* The group's throughput: median, interval, disagreement. */
static void group_throughput(struct group *g, const struct sb_row *rows, size_t n, double *tmp)
{
    size_t k = group_values(g, rows, n, m_mbps, tmp);
    struct sb_summary sum;
    memset(&g->dis, 0, sizeof(g->dis));
    if (k == 0 || sb_stats_summarize(tmp, k, &sum) < 0 ||
        sb_median_ci_order(tmp, k, 0.95, &g->ci) < 0) {
        g->med_mbps = 0;
        return;
    }
    g->med_mbps = sum.median;
    sb_disagree_check(&sum, &g->dis);
}

static void add_run(struct group *g, const struct sb_run_result *r)
{
    g->n++;
    if (r->peak_rss_kb > g->rss_max)
        g->rss_max = r->peak_rss_kb;
    g->ok += r->status == SB_STATUS_OK && !r->starved;
    g->starved += r->status == SB_STATUS_OK && r->starved;
    g->failed += r->status == SB_STATUS_FAILED;
    g->aborted += r->status == SB_STATUS_ABORTED;
    g->skipped += r->status == SB_STATUS_SKIPPED;
    if (r->status != SB_STATUS_OK && !g->reason)
        g->reason = r->reason;
}

/* A numeric cell: the median of f over the group's ok runs, or "-" without any. */
static void put_median(FILE *out, const char *fmt, const struct group *g, const struct sb_row *rows,
                       size_t n, metric_fn f, double *tmp)
{
    double m;
    if (group_median(g, rows, n, f, tmp, &m))
        fprintf(out, fmt, m);
    else
        fprintf(out, " - |");
}

/* A ratio cell: the median of f over the group's ok runs and their range. */
static void put_ratio(FILE *out, const char *fmt, const struct group *g, const struct sb_row *rows,
                      size_t n, metric_fn f, double *tmp)
{
    size_t k = group_values(g, rows, n, f, tmp);
    double m;
    if (!k || sb_stats_median(tmp, k, &m) != 0) {
        fprintf(out, " - |");
        return;
    }
    double lo, hi;
    sb_stats_minmax(tmp, k, &lo, &hi);
    fprintf(out, fmt, m, lo, hi);
}

/* A latency cell, formatted for reading. */
static void put_ns(FILE *out, const struct group *g, const struct sb_row *rows, size_t n,
                   metric_fn f, double *tmp)
{
    char b[32] = "-";
    double m;
    if (group_median(g, rows, n, f, tmp, &m))
        sb_format_ns(m, b, sizeof(b));
    fprintf(out, " %s |", b);
}

static void print_group(FILE *out, const struct group *g, const struct sb_row *rows,
                        size_t n, const struct job_cols *jc, double *tmp)
{
    char status[256], rss[32], why[96], label[16] = "-", words[160] = "";
    if (g->dis.marked)
        sb_disagree_words(&g->dis, words, sizeof(words));
    if (g->starved) {
        size_t at = strlen(words);
        snprintf(words + at, sizeof(words) - at, "%s%zu starved, left out", at ? "; " : "",
                 g->starved);
    }
    if (g->ok == g->n) {
        snprintf(status, sizeof(status), "ok%s%s", words[0] ? ", " : "", words);
    } else if (g->ok) {
        snprintf(status, sizeof(status), "%zu/%zu ok%s%s", g->ok, g->n, words[0] ? ", " : "",
                 words);
    } else if (g->starved == g->n) {
        snprintf(status, sizeof(status), "all %zu starved: no figure", g->n);
    } else {
        cell_text(g->reason ? g->reason : "", why, sizeof(why));
        snprintf(status, sizeof(status), "%s: %s",
                 g->failed ? "failed" : g->aborted ? "aborted" : "skipped", why);
    }
    sb_format_size((uint64_t)g->rss_max * 1024, rss, sizeof(rss));
    if (g->ok)
        sb_rank_label(&g->rank, label, sizeof(label));
    fprintf(out, "| %s | %s | %s | %s |", label, g->cell->p.strategy, g->cell->p.allocator,
            status);
    put_median(out, " %.1f |", g, rows, n, m_mbps, tmp);
    if (g->ok)
        fprintf(out, " %.1f-%.1f |", g->ci.lo, g->ci.hi);
    else
        fprintf(out, " - |");
    put_median(out, " %.1f |", g, rows, n, m_mb_cpu, tmp);
    if (jc->ceil)
        put_ratio(out, " %.1f %% (%.1f-%.1f) |", g, rows, n, m_ceil_pct, tmp);
    put_median(out, " %.0f |", g, rows, n, m_msgs, tmp);
    put_median(out, " %.3g %% |", g, rows, n, m_drop, tmp);
    put_ns(out, g, rows, n, m_p50, tmp);
    if (jc->ceil)
        put_ratio(out, " %.2fx (%.2f-%.2f) |", g, rows, n, m_rtt_ratio, tmp);
    put_ns(out, g, rows, n, m_p99, tmp);
    put_ns(out, g, rows, n, m_p999, tmp);
    for (size_t i = 0; i < NDEV; i++)
        if (jc->dev & (1u << i))
            put_median(out, " %.0f |", g, rows, n, dev_columns[i].f, tmp);
    fprintf(out, " %s |", rss);
    put_median(out, " %.0f |", g, rows, n, m_cpu, tmp);
    fprintf(out, " %zu |\n", g->n);
}

/*
 * Ranks a job's groups by median throughput with ties (stats.h); order
 * gets the print order: ranked best first, then the unranked (disagreeing
 * repeats, or no ok run) in run order.
 */
static void rank_groups(struct group *g, size_t ng, const struct sb_row *rows, size_t n,
                        double *tmp, size_t *order)
{
    struct sb_rank_cell *rc = calloc(ng ? ng : 1, sizeof(*rc));
    struct sb_rank *rk = calloc(ng ? ng : 1, sizeof(*rk));
    for (size_t k = 0; k < ng; k++) {
        group_throughput(&g[k], rows, n, tmp);
        if (rc)
            rc[k] = (struct sb_rank_cell){g[k].med_mbps, g[k].ci.lo, g[k].ci.hi,
                                          g[k].ok == 0 || g[k].dis.marked};
        order[k] = k;
    }
    if (rc && rk && ng && sb_rank_cells(rc, ng, SB_HIGHER_BETTER, rk, order) == 0)
        for (size_t k = 0; k < ng; k++)
            g[k].rank = rk[k];
    free(rc);
    free(rk);
}

void sb_summary_print(FILE *out, const struct sb_row *rows, size_t n, size_t planned)
{
    size_t ok = 0, failed = 0, aborted = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        int s = rows[i].r->status;
        ok += s == SB_STATUS_OK;
        failed += s == SB_STATUS_FAILED;
        aborted += s == SB_STATUS_ABORTED;
        skipped += s == SB_STATUS_SKIPPED;
    }
    fprintf(out, "# serbench summary\n\n");
    fprintf(out, "%zu of %zu runs done: %zu ok, %zu failed, %zu aborted, %zu skipped.\n", n,
            planned, ok, failed, aborted, skipped);
    fprintf(out, "Best first by MB/s (10^6 verified bytes a second, frames included), the median "
                 "over repeats, with the distribution-free interval of that median (the order "
                 "statistics x(k)..x(n+1-k) reaching 95 %%: min-max at n = 5, whose coverage is "
                 "93.75 %%).  Cells whose intervals overlap the leader's share its rank, shown "
                 "\"≈\"; a cell whose repeats disagree (max/min > 1.25 or CV > 10 %%) is marked "
                 "in its status and not ranked (\"-\"); fewer than 5 repeats decide nothing.  A "
                 "run the machine starved (runs.csv: starved, starved_reason) is left out of its "
                 "cell's figures and counted in its status.  "
                 "MB/CPU-s is verified bytes per CPU-second of the run, which holds still when "
                 "the machine takes CPU from the run.  Medians too: msgs/s, dropped (share of messages refused by overflow = "
                 "drop), the latency percentiles (enqueue to dequeue on mem, round trip on pty and "
                 "serial) and CPU (%% of one core).  Peak RSS is the largest of the runs' "
                 "processes.  A pty echo job also shows each result against the raw path, "
                 "measured with no strategy just before each run: MB/s as a share of the echo "
                 "loop's, and p50 as a multiple of the raw echo round trip, each taken per run "
                 "and then the median (min-max).  A job whose peer reported overruns or "
                 "injected faults shows those counters (dev ...).\n");

    /* Jobs in the order they first ran; within a job, groups sorted. */
    struct group *g = calloc(n ? n : 1, sizeof(*g));
    double *tmp = calloc(n ? n : 1, sizeof(*tmp));
    unsigned char *seen = calloc(n ? n : 1, 1); /* row already in a printed job */
    size_t *order = calloc(n ? n : 1, sizeof(*order));
    if (!g || !tmp || !seen || !order) {
        free(g);
        free(tmp);
        free(seen);
        free(order);
        fprintf(out, "\n(out of memory while summarising)\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (seen[i])
            continue;
        const struct sb_cell *c = rows[i].cell;
        size_t ng = 0;
        struct job_cols jc = {0};
        for (size_t j = i; j < n; j++) {
            const struct sb_cell *cj = rows[j].cell;
            if (cj->job != c->job || strcmp(cj->p.job, c->p.job) != 0)
                continue;
            seen[j] = 1;
            size_t k;
            for (k = 0; k < ng && !same_group(g[k].cell, cj); k++)
                ;
            if (k == ng) {
                memset(&g[ng], 0, sizeof(g[ng]));
                g[ng].cell = cj;
                g[ng++].first = j;
            }
            add_run(&g[k], rows[j].r);
            note_cols(&jc, rows[j].r);
        }
        job_ceilings(&jc, rows, i, n, c, tmp);
        rank_groups(g, ng, rows, n, tmp, order);
        job_header(out, c, &jc);
        for (size_t k = 0; k < ng; k++)
            print_group(out, &g[order[k]], rows, n, &jc, tmp);
    }
    free(g);
    free(tmp);
    free(seen);
    free(order);
}

int sb_summary_write(const char *path, const struct sb_row *rows, size_t n, size_t planned,
                     FILE *also, struct sb_err *err)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", tmp, strerror(errno));
    sb_summary_print(f, rows, n, planned);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
        unlink(tmp);
        return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", path, strerror(errno));
    }
    if (also)
        sb_summary_print(also, rows, n, planned);
    return 0;
}
