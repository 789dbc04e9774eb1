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
#include "csv.h"
#include "progress.h"
#include "results.h"
#include "suite.h"
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

int sb_suite_run(struct sb_scenario *const *sc, size_t nsc, const struct sb_matrix *m,
                 const struct sb_suite_opts *o)
{
    struct sb_err err = {0};
    static char lib[8][4096];
    if (sb_suite_preflight(m, lib, 8, &err) < 0) {
        sb_warnf("%s", err.msg);
        return err.code;
    }
    char dir[PATH_MAX - 32], name[128], path[PATH_MAX];
    suite_name(sc, nsc, name, sizeof(name));
    if (sb_outdir_create(o->outdir, name, dir, sizeof(dir), &err) < 0) {
        sb_warnf("%s", err.msg);
        return err.code;
    }
    struct sb_csv csv;
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    if (sb_csv_open(&csv, path, &err) < 0) {
        sb_warnf("%s", err.msg);
        return err.code;
    }
    struct sb_env_opts eo = {o->argc, o->argv, sc, nsc};
    snprintf(path, sizeof(path), "%s/env.json", dir);
    if (sb_env_write(path, &eo, &err) < 0)
        sb_warnf("%s (going on without it)", err.msg);
    if (!o->outdir && sb_outdir_link_latest(dir, &err) < 0)
        sb_warnf("%s (going on without it)", err.msg);
    memset(&err, 0, sizeof(err));

    struct sb_row *rows = calloc(m->n, sizeof(*rows));
    struct sb_run_result *res = calloc(m->n, sizeof(*res));
    if (!rows || !res) {
        free(rows);
        free(res);
        sb_csv_close(&csv);
        sb_warnf("out of memory for %zu runs", m->n);
        return SB_EXIT_FAILED;
    }

    /* Block the stop signals; the waits unblock them (see the top). */
    sigset_t stopsigs, oldmask, waitmask;
    sigemptyset(&stopsigs);
    sigaddset(&stopsigs, SIGINT);
    sigaddset(&stopsigs, SIGTERM);
    sigprocmask(SIG_BLOCK, &stopsigs, &oldmask);
    waitmask = oldmask;
    sigdelset(&waitmask, SIGINT);
    sigdelset(&waitmask, SIGTERM);
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_pipe;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ign, &old_pipe);
    interrupted = 0;

    struct sb_progress pr;
    sb_progress_init(&pr, m, stderr, o->quiet);
    size_t done = 0;
    int missing = 0, failed = 0, stop = 0;
    for (size_t i = 0; i < m->n && !stop; i++) {
        /* the window for a signal that arrived while rows were written */
        sigprocmask(SIG_SETMASK, &waitmask, NULL);
        sigprocmask(SIG_BLOCK, &stopsigs, NULL);
        if (interrupted)
            break;
        const struct sb_cell *c = &m->cells[i];
        struct sb_row *row = &rows[done];
        row->cell = c;
        row->r = &res[done];
        sb_utc_stamp(row->started_utc, sizeof(row->started_utc), 1);
        sb_progress_start(&pr, i);
        struct sb_child_opts co = {
            .preload = lib[allocator_index(c->p.allocator)],
            .exe = o->exe,
            .interrupted = &interrupted,
            .waitmask = &waitmask,
            .progress = sb_progress_update,
            .ctx = &pr,
        };
        /* The transport's ceilings travel with the params (pty: measured
         * once per suite, here, before the first run that needs them). */
        struct sb_cell cell = *c;
        const struct sb_transport_ops *t = sb_transport_find(cell.p.transport);
        if (t && t->ceilings)
            t->ceilings(&cell.p);
        int code = sb_child_run(&cell, &co, &res[done]);
        done++;
        if (sb_csv_append(&csv, row, &err) < 0) {
            sb_warnf("%s", err.msg);
            stop = failed = 1;
        }
        snprintf(path, sizeof(path), "%s/summary.md", dir);
        sb_summary_write(path, rows, done, m->n, NULL, &err);
        sb_progress_finish(&pr, &res[done - 1]);
        missing |= code == SB_EXIT_MISSING;
        failed |= res[done - 1].status == SB_STATUS_FAILED;
        if (res[done - 1].status == SB_STATUS_ABORTED && code != SB_EXIT_INTERRUPTED) {
            failed = 1;
            stop |= c->p.link.on_disconnect_stop;
        }
        if (code == SB_EXIT_INTERRUPTED)
            break;
    }
    sb_progress_done(&pr);
    sb_csv_close(&csv);

    /* Unmask first, so a signal still pending reaches our handler rather
     * than the default action, then put everything back. */
    sigprocmask(SIG_SETMASK, &oldmask, NULL);
    int was_interrupted = interrupted != 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);

    snprintf(path, sizeof(path), "%s/summary.md", dir);
    if (sb_summary_write(path, rows, done, m->n, stdout, &err) < 0)
        sb_warnf("%s", err.msg);
    fflush(stdout);
    if (!o->quiet)
        fprintf(stderr, "serbench: results in %s/ (runs.csv, env.json, summary.md)\n", dir);
    free(rows);
    free(res);
    if (was_interrupted)
        return SB_EXIT_INTERRUPTED;
    if (missing)
        return SB_EXIT_MISSING;
    return failed ? SB_EXIT_FAILED : SB_EXIT_OK;
}
