/*
 * suite.c - the run loop.
 *
 * SIGINT and SIGTERM are blocked for the whole suite and only let through
 * where it waits (ppoll in child.c, and one deliberate window between
 * runs): the handler only sets a flag, and every place that reads the flag
 * runs with the signals blocked, so none is missed or half-handled.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocator.h"
#include "child.h"
#include "progress.h"
#include "suite.h"
#include "writers.h"
#include "transport.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

int sb_suite_preflight(const struct sb_matrix *m, char lib[][4096], size_t nlib,
                       struct sb_err *err)
{
    for (size_t a = 0; a < sb_allocator_count() && a < nlib; a++) {
        const struct sb_allocator *al = sb_allocator_at(a);
        lib[a][0] = '\0';
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->cells[i].p.allocator, al->name) == 0) {
                if (sb_allocator_library(al, lib[a], 4096, err) < 0)
                    return -1;
                break;
            }
    }
    for (size_t i = 0; i < m->n; i++) {
        char why[256];
        if (sb_transport_available(m->cells[i].p.transport, why, sizeof(why)) < 0)
            return sb_errf(err, SB_EXIT_MISSING, "%s (job %s in %s)", why, m->cells[i].p.job,
                           m->cells[i].scenario ? m->cells[i].scenario->path : "?");
    }
    return 0;
}

static void suite_name(struct sb_scenario *const *sc, size_t nsc, char *b, size_t n)
{
    size_t o = 0;
    b[0] = '\0';
    for (size_t i = 0; i < nsc && o + 1 < n; i++) {
        int w = snprintf(b + o, n - o, "%s%s", i ? "+" : "", sc[i]->name);
        if (w < 0 || (size_t)w >= n - o)
            break;
        o += (size_t)w;
    }
    /* the name goes into a directory name */
    for (char *p = b; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
}

static size_t allocator_index(const char *name)
{
    for (size_t i = 0; i < sb_allocator_count(); i++)
        if (strcmp(sb_allocator_at(i)->name, name) == 0)
            return i;
    return 0;
}

/* The stop signals, blocked for the whole suite (see the top). */
struct sigstate {
    sigset_t stopsigs, oldmask, waitmask;
    struct sigaction old_int, old_term, old_pipe;
};

static void signals_block(struct sigstate *ss)
{
    sigemptyset(&ss->stopsigs);
    sigaddset(&ss->stopsigs, SIGINT);
    sigaddset(&ss->stopsigs, SIGTERM);
    sigprocmask(SIG_BLOCK, &ss->stopsigs, &ss->oldmask);
    ss->waitmask = ss->oldmask;
    sigdelset(&ss->waitmask, SIGINT);
    sigdelset(&ss->waitmask, SIGTERM);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &ss->old_int);
    sigaction(SIGTERM, &sa, &ss->old_term);
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ign, &ss->old_pipe);
    interrupted = 0;
}

/* Unmasks first, so a signal still pending reaches our handler rather than
 * the default action, then puts everything back.  1 if interrupted. */
static int signals_restore(struct sigstate *ss)
{
    sigprocmask(SIG_SETMASK, &ss->oldmask, NULL);
    int was = interrupted != 0;
    sigaction(SIGINT, &ss->old_int, NULL);
    sigaction(SIGTERM, &ss->old_term, NULL);
    sigaction(SIGPIPE, &ss->old_pipe, NULL);
    return was;
}

/* What the loop has seen so far, for the exit code. */
struct outcome {
    int missing, failed, stop;
};

/* One cell in its child; its row into r.  The exit-code class (child.h). */
static int run_cell(const struct sb_cell *c, const char *preload, const struct sb_suite_opts *o,
                    const struct sigstate *ss, struct sb_progress *pr, struct sb_run_result *r,
                    struct sb_run_hists *hists, int *hists_got)
{
    struct sb_child_opts co = {
        .preload = preload,
        .exe = o->exe,
        .interrupted = &interrupted,
        .waitmask = &ss->waitmask,
        .progress = sb_progress_update,
        .ctx = pr,
        .hists = hists,
        .hists_got = hists_got,
    };
    /* The transport's ceilings travel with the params (pty: measured here,
     * just before this run, for this run alone). */
    struct sb_cell cell = *c;
    const struct sb_transport_ops *t = sb_transport_find(cell.p.transport);
    if (t && t->ceilings)
        t->ceilings(&cell.p);
    return sb_child_run(&cell, &co, r);
}

static void judge(struct outcome *out, int code, const struct sb_run_result *r,
                  const struct sb_cell *c)
{
    out->missing |= code == SB_EXIT_MISSING;
    out->failed |= r->status == SB_STATUS_FAILED;
    if (r->status == SB_STATUS_ABORTED && code != SB_EXIT_INTERRUPTED) {
        out->failed = 1;
        out->stop |= c->p.link.on_disconnect_stop;
    }
    out->stop |= code == SB_EXIT_INTERRUPTED;
}

/* Every cell in order, a row after each, until done, stopped or interrupted. */
static void run_loop(const struct sb_matrix *m, char lib[][4096], const struct sb_suite_opts *o,
                     const struct sigstate *ss, struct sb_results *res, struct sb_run_result *runs,
                     struct outcome *out)
{
    struct sb_row *rows = res->rows;
    struct sb_progress pr;
    sb_progress_init(&pr, m, stderr, o->quiet);
    /* One run's histograms at a time: the writers take them with its row. */
    struct sb_run_hists *hists = malloc(sizeof(*hists));
    for (size_t i = 0; i < m->n && !out->stop; i++) {
        /* the window for a signal that arrived while rows were written */
        sigprocmask(SIG_SETMASK, &ss->waitmask, NULL);
        sigprocmask(SIG_BLOCK, &ss->stopsigs, NULL);
        if (interrupted)
            break;
        const struct sb_cell *c = &m->cells[i];
        struct sb_row *row = &rows[res->n];
        row->cell = c;
        row->r = &runs[res->n];
        sb_utc_stamp(row->started_utc, sizeof(row->started_utc), 1);
        sb_progress_start(&pr, i);
        int got = 0;
        int code = run_cell(c, lib[allocator_index(c->p.allocator)], o, ss, &pr, &runs[res->n],
                            hists, &got);
        row->hists = got ? hists : NULL;
        res->n++;
        struct sb_err err = {0};
        if (sb_results_add(res, &err) < 0) {
            sb_warnf("%s", err.msg);
            out->stop = out->failed = 1;
        }
        row->hists = NULL; /* the buffer is the next run's */
        sb_progress_finish(&pr, row->r);
        judge(out, code, row->r, c);
    }
    sb_progress_done(&pr);
    free(hists);
}

int sb_suite_run(struct sb_scenario *const *sc, size_t nsc, const struct sb_matrix *m,
                 const struct sb_suite_opts *o)
{
    struct sb_err err = {0};
    static char lib[8][4096];
    if (sb_suite_preflight(m, lib, 8, &err) < 0) {
        sb_warnf("%s", err.msg);
        return err.code;
    }
    struct sb_row *rows = calloc(m->n, sizeof(*rows));
    struct sb_run_result *runs = calloc(m->n, sizeof(*runs));
    if (!rows || !runs) {
        free(rows);
        free(runs);
        sb_warnf("out of memory for %zu runs", m->n);
        return SB_EXIT_FAILED;
    }
    char name[128];
    suite_name(sc, nsc, name, sizeof(name));
    struct sb_env_opts eo = {o->argc, o->argv, sc, nsc, o->inject};
    struct sigstate ss;
    struct sb_results res = {.env = &eo, .rows = rows, .planned = m->n, .history = o->history};
    if (sb_results_open(&res, o->outdir, name, &err) < 0) {
        sb_warnf("%s", err.msg);
        free(rows);
        free(runs);
        return err.code;
    }
    struct outcome out = {0};
    signals_block(&ss);
    run_loop(m, lib, o, &ss, &res, runs, &out);
    int was_interrupted = signals_restore(&ss);
    res.also = stdout;
    sb_results_close(&res);
    fflush(stdout);
    if (!o->quiet)
        fprintf(stderr, "serbench: results in %s/ (runs.csv, cells.csv, env.json, summary.md)\n%s",
                res.dir, res.said);
    free(rows);
    free(runs);
    if (was_interrupted)
        return SB_EXIT_INTERRUPTED;
    if (out.missing)
        return SB_EXIT_MISSING;
    return out.failed ? SB_EXIT_FAILED : SB_EXIT_OK;
}
