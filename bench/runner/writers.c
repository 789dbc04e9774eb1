/* writers.c - the result writers' table, and the calls that drive it (writers.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "again.h"
#include "cells.h"
#include "hgrm.h"
#include "histfiles.h"
#include "history.h"
#include "page.h"
#include "plots.h"
#include "writers.h"

/* A line for the suite's last words (res->said). */
static void say(struct sb_results *res, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sb_results *res, const char *fmt, ...)
{
    size_t o = strlen(res->said);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->said + o, sizeof(res->said) - o, fmt, ap);
    va_end(ap);
}

/* ---- runs.csv --------------------------------------------------------------- */

static int runs_open(struct sb_results *res, struct sb_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/runs.csv", res->dir);
    return sb_csv_open(&res->csv, path, err);
}

static int runs_add(struct sb_results *res, struct sb_err *err)
{
    return sb_csv_append(&res->csv, &res->rows[res->n - 1], err);
}

static int runs_close(struct sb_results *res, struct sb_err *err)
{
    (void)err;
    sb_csv_close(&res->csv);
    return 0;
}

/* ---- summary.md --------------------------------------------------------------- */

static int summary_add(struct sb_results *res, struct sb_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/summary.md", res->dir);
    return sb_summary_write(path, res->rows, res->n, res->planned, NULL, err);
}

static int summary_close(struct sb_results *res, struct sb_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/summary.md", res->dir);
    return sb_summary_write(path, res->rows, res->n, res->planned, res->also, err);
}

/* ---- env.json and latest ------------------------------------------------------- */

static int env_open(struct sb_results *res, struct sb_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/env.json", res->dir);
    return sb_env_write(path, res->env, err);
}

static int again_open(struct sb_results *res, struct sb_err *err)
{
    return sb_again_write(res->dir, res->env->sc, res->env->nsc, res->env->argc, res->env->argv,
                          err);
}

static int latest_open(struct sb_results *res, struct sb_err *err)
{
    return res->default_dir ? sb_outdir_link_latest(res->dir, err) : 0;
}

/* ---- cells.csv: from runs.csv alone, once the suite is done ----------------- */

static int cells_close(struct sb_results *res, struct sb_err *err)
{
    return res->n ? sb_cells_write(res->dir, err) : 0;
}

/* ---- after the suite: plots/, index.html, the history ------------------------ */

static int hgrm_close(struct sb_results *res, struct sb_err *err)
{
    size_t n = 0;
    if (!res->n || sb_hgrm_dir(res->dir, &n, err) < 0)
        return res->n ? -1 : 0;
    if (n)
        say(res, "serbench: %zu latency percentile files (.hgrm) in %s/hgrm/\n", n, res->dir);
    return 0;
}

static int plots_close(struct sb_results *res, struct sb_err *err)
{
    if (!res->n)
        return 0;
    struct sb_plots_made made;
    if (sb_plots_make(res->dir, &made, err) < 0)
        return -1;
    if (made.no_gnuplot)
        say(res, "serbench: no plots: %s\n", made.why);
    else
        say(res, "serbench: %zu plots in %s/plots/ (PNG and SVG)\n", made.n, res->dir);
    return 0;
}

static int page_close(struct sb_results *res, struct sb_err *err)
{
    if (!res->n)
        return 0;
    if (sb_page_write(res->dir, err) < 0)
        return -1;
    say(res, "serbench: the page: %s/index.html\n", res->dir);
    return 0;
}

static int history_close(struct sb_results *res, struct sb_err *err)
{
    const char *path = sb_history_path(res->history);
    if (!path || !res->n)
        return 0;
    struct sb_history *h;
    long long id = 0;
    if (sb_history_open(path, SB_HISTORY_WRITE, &h, err) < 0)
        return -1;
    int rc = sb_history_add(h, res->dir, &id, err);
    sb_history_close(h);
    if (rc < 0)
        return -1;
    say(res, "serbench: kept in %s as suite %lld (serbench history)\n", path, id);
    return 0;
}

static const struct sb_writer writers[] = {
    {"runs.csv", 1, runs_open, runs_add, runs_close},
    {"env.json", 0, env_open, NULL, NULL},
    {"latest", 0, latest_open, NULL, NULL},
    {"scenarios/ and command.txt", 0, again_open, NULL, NULL},
    {"summary.md", 0, NULL, summary_add, summary_close},
    {"cells.csv", 0, NULL, NULL, cells_close},
    {"hist/", 0, NULL, sb_histfiles_add, NULL},
    {"hgrm/", 0, NULL, NULL, hgrm_close},
    {"plots/", 0, NULL, NULL, plots_close},
    {"index.html", 0, NULL, NULL, page_close},
    {"history", 0, NULL, NULL, history_close},
};

#define NWRITERS (sizeof(writers) / sizeof(writers[0]))

/* A writer that failed: a required one stops (-1), the others warn. */
static int failed(const struct sb_writer *w, struct sb_err *err)
{
    if (w->required)
        return -1;
    sb_warnf("%s (going on without %s)", err->msg, w->name);
    memset(err, 0, sizeof(*err));
    return 0;
}

int sb_results_open(struct sb_results *res, const char *given_dir, const char *name,
                    struct sb_err *err)
{
    res->default_dir = given_dir == NULL;
    if (sb_outdir_create(given_dir, name, res->dir, sizeof(res->dir), err) < 0)
        return -1;
    for (size_t i = 0; i < NWRITERS; i++)
        if (writers[i].open && writers[i].open(res, err) < 0 && failed(&writers[i], err) < 0) {
            /* Close the ones opened before it (required ones come first). */
            for (size_t j = 0; j < i; j++)
                if (writers[j].close)
                    writers[j].close(res, &(struct sb_err){0});
            return -1;
        }
    return 0;
}

int sb_results_add(struct sb_results *res, struct sb_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < NWRITERS; i++)
        if (writers[i].add && writers[i].add(res, err) < 0 && failed(&writers[i], err) < 0)
            rc = -1;
    return rc;
}

void sb_results_close(struct sb_results *res)
{
    for (size_t i = 0; i < NWRITERS; i++) {
        struct sb_err err = {0};
        if (writers[i].close && writers[i].close(res, &err) < 0)
            sb_warnf("%s", err.msg);
    }
}
