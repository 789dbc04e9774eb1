/*
 * gate.h - serbench gate: run a scenario for both sides, compare, re-run
 * the cells that regressed, and fail only when they regress again.
 *
 * A/B (--baseline-bin OTHER): round by round, each side runs the whole
 * scenario once (`serbench run --repeat 1 -q -o DIR/side/rNN`), the order
 * alternating (A B, B A, A B ...) so that neither side always runs first;
 * the rounds of a side are then joined into one valid result directory
 * (DIR/base, DIR/new: runs.csv, env.json, cells.csv), which compare reads
 * like any other.  Any serbench with `run -o --repeat -q` can be the
 * other binary.
 *
 * Stored (--baseline DIR | baseline:NAME): this build runs the scenario
 * once (its own repeats) into DIR/new and compares with the stored result.
 *
 * Either way, the cells that regressed are run again (A/B: the same
 * rounds; stored: this build only), grouped by job, into DIR/rerun/, and
 * compared again, over those cells only.  A cell fails the gate only when
 * it regresses both times; one that regressed once is inconclusive (5).
 */
#ifndef SB_GATE_H
#define SB_GATE_H

#include <stddef.h>

#include "cmp_cli.h"
#include "matrix.h"

struct sb_gate_opts {
    const char *baseline_bin;  /* A/B: the other serbench */
    const char *baseline_dir;  /* stored: a result directory or baseline:NAME */
    char **scenarios;
    size_t nsc;
    const char *outdir;        /* NULL: results/<stamp>-gate-<scenarios> */
    unsigned repeat;           /* 0: the scenarios' own (the largest job's) */
    const char *filters[SB_MAX_FILTERS];
    size_t nfilters;
    const char *inject;        /* --inject for the NEW side only (gate validation) */
    int no_rerun;
    int quiet;
};

/* The whole gate; returns its exit code. */
int sb_gate_run(const struct sb_gate_opts *g, const struct sb_cmp_cli *cli);

/*
 * Joins the result directories parts[0..n) (runs of one side) into dir:
 * runs.csv (the parts' rows in order, under their common header), env.json
 * (the first part's) and cells.csv.  -1 with err (exit 2) when a part is
 * missing or the headers differ.
 */
int sb_gate_join(const char *dir, char *const *parts, size_t n, struct sb_err *err);

#endif
