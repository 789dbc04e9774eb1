/* progress.c - the live line and the per-run lines. */
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "progress.h"
#include "units.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sb_progress_init(struct sb_progress *pr, const struct sb_matrix *m, FILE *out, int quiet)
{
    memset(pr, 0, sizeof(*pr));
    pr->m = m;
    pr->out = out;
    pr->overhead_s = 0.2; /* process start + setup, until measured */
    if (quiet)
        pr->mode = SB_PROGRESS_QUIET;
    else
        pr->mode = isatty(fileno(out)) ? SB_PROGRESS_TTY : SB_PROGRESS_LINES;
}

/* A run's nominal length: known for duration jobs, else the mean so far. */
static double nominal_s(const struct sb_progress *pr, const struct sb_cell *c)
{
    if (c->p.duration_ns)
        return (double)(c->p.duration_ns + c->p.warmup_ns) / 1e9 + pr->overhead_s;
    return pr->finished ? pr->elapsed_sum_s / (double)pr->finished : 1.0;
}

double sb_progress_eta(const struct sb_progress *pr, size_t k)
{
    double s = 0;
    for (size_t i = k; pr->m && i < pr->m->n; i++)
        s += nominal_s(pr, &pr->m->cells[i]);
    return s;
}

static void label(const struct sb_progress *pr, char *b, size_t n)
{
    const struct sb_cell *c = &pr->m->cells[pr->k];
    snprintf(b, n, "[%zu/%zu] %s %s %s r%u", pr->k + 1, pr->m->n, c->p.job, c->p.strategy,
             c->p.allocator, c->p.repeat);
}

static void draw(struct sb_progress *pr, double mbps, double run_elapsed)
{
    char lab[256], eta[32], line[512];
    label(pr, lab, sizeof(lab));
    double left = nominal_s(pr, &pr->m->cells[pr->k]) - run_elapsed;
    sb_format_hms((left > 0 ? left : 0) + sb_progress_eta(pr, pr->k + 1), eta, sizeof(eta));
    int n = snprintf(line, sizeof(line), "%s  %.1f MB/s  ETA %s", lab, mbps, eta);
    /* A line wider than the terminal wraps, and \r would then redraw only
     * its last part: cut it to the width. */
    struct winsize ws;
    if (ioctl(fileno(pr->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && n >= ws.ws_col)
        line[ws.ws_col - 1] = '\0';
    fprintf(pr->out, "\r\033[K%s", line);
    fflush(pr->out);
}

void sb_progress_start(struct sb_progress *pr, size_t k)
{
    pr->k = k;
    pr->run_start_ns = now_ns();
    pr->last_draw_ns = 0;
    if (pr->mode == SB_PROGRESS_TTY)
        draw(pr, 0, 0);
}

void sb_progress_update(void *ctx, uint64_t bytes, double elapsed_s)
{
    struct sb_progress *pr = ctx;
    if (pr->mode != SB_PROGRESS_TTY)
        return;
    uint64_t t = now_ns();
    if (t - pr->last_draw_ns < 100000000ull) /* 10 redraws a second are plenty */
        return;
    pr->last_draw_ns = t;
    draw(pr, elapsed_s > 0 ? (double)bytes / elapsed_s / 1e6 : 0,
         (double)(t - pr->run_start_ns) / 1e9);
}

void sb_progress_finish(struct sb_progress *pr, const struct sb_run_result *r)
{
    const struct sb_cell *c = &pr->m->cells[pr->k];
    double took = (double)(now_ns() - pr->run_start_ns) / 1e9;
    pr->finished++;
    pr->elapsed_sum_s += took;
    if (c->p.duration_ns) {
        double over = took - (double)(c->p.duration_ns + c->p.warmup_ns) / 1e9;
        pr->overhead_s = (pr->overhead_s * (double)pr->overhead_n + (over > 0 ? over : 0)) /
                         (double)(pr->overhead_n + 1);
        pr->overhead_n++;
    }
    if (pr->mode == SB_PROGRESS_QUIET)
        return;
    if (pr->mode == SB_PROGRESS_TTY && r->status == SB_STATUS_OK)
        return; /* the live line moves on */
    char lab[256];
    label(pr, lab, sizeof(lab));
    if (pr->mode == SB_PROGRESS_TTY)
        fputs("\r\033[K", pr->out);
    char p50[32], p99[32];
    sb_format_ns((double)r->latency.p50_ns, p50, sizeof(p50));
    sb_format_ns((double)r->latency.p99_ns, p99, sizeof(p99));
    if (r->status == SB_STATUS_OK)
        fprintf(pr->out, "%s: ok %.1f MB/s p50 %s p99 %s (%.1f s)\n", lab, r->bytes_per_s / 1e6,
                p50, p99, took);
    else
        fprintf(pr->out, "%s: %s: %s\n", lab, sb_status_name(r->status), r->reason);
    fflush(pr->out);
}

void sb_progress_done(struct sb_progress *pr)
{
    if (pr->mode == SB_PROGRESS_TTY) {
        fputs("\r\033[K", pr->out);
        fflush(pr->out);
    }
}
