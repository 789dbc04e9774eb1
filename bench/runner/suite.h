/*
 * suite.h - running an expanded matrix: preflight checks, the output
 * directory, one child per run, a row as each run ends, SIGINT handling,
 * and the suite's exit code.
 */
#ifndef SB_SUITE_H
#define SB_SUITE_H

#include "matrix.h"
#include "scenario.h"

struct sb_suite_opts {
    const char *outdir; /* -o DIR, or NULL for results/<stamp>-<name> */
    int quiet;
    int argc;           /* the command line, for env.json */
    char **argv;
    const char *exe;    /* the executable a run execs; NULL = /proc/self/exe */
    const char *inject; /* --inject as formatted, for env.json; NULL = none */
    const char *history;/* --history PATH, or NULL for history.h's choice */
};

/* Returns the exit code: enum sb_exit. */
int sb_suite_run(struct sb_scenario *const *sc, size_t nsc, const struct sb_matrix *m,
                 const struct sb_suite_opts *o);

/*
 * Checks everything the matrix needs before anything runs: allocator
 * libraries and transports.  -1 with err (exit code 3) naming what is
 * missing.  lib[i] gets the preload path of sb_allocator_at(i).
 */
int sb_suite_preflight(const struct sb_matrix *m, char lib[][4096], size_t nlib,
                       struct sb_err *err);

#endif
