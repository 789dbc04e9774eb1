/*
 * compare.h - serbench compare: two results (BASE, NEW), cell by cell,
 * metric by metric, with the decision rule of verdict.h.
 *
 * A side is a result directory (its runs.csv and env.json: cells are
 * formed from runs.csv alone, by the key of cells.csv), a stored baseline
 * (baseline:NAME = results/baselines/NAME/), or a JSON file from
 * serbench-micro (Google Benchmark's output) or from scripts/micro-instr
 * (instruction counts).  Cells match by key, and a result directory's only
 * where both sides have the same job definition hash; the environments
 * must have the same env_hash unless forced.
 *
 * Every metric is one row of the table in compare.c (name, unit,
 * direction, default threshold, the runs.csv columns it comes from): a
 * counter added to runs.csv is compared once it has its row.
 */
#ifndef SB_COMPARE_H
#define SB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "verdict.h"

#define SB_CMP_MAX_METRICS 32

enum sb_cmp_source {
    SB_SRC_RUNS = 1,   /* a result directory's runs.csv */
    SB_SRC_GBENCH = 2, /* serbench-micro's Google Benchmark JSON */
    SB_SRC_INSTR = 3,  /* scripts/micro-instr's instruction counts */
};

struct sb_cmp_metric {
    const char *name;  /* for --threshold and JSON: "mb_per_s" */
    const char *label; /* for the table: "MB/s" */
    enum sb_cmp_source source;
    struct sb_rule rule; /* kind, direction, default threshold and tolerance */
    /* SB_SRC_RUNS: value = (num + num2) / den x scale for each run (den
     * NULL = 1); tot, when set, is the per-run total of an exact counter. */
    const char *num, *num2, *den;
    double scale;
    const char *tot;
    int positive_only; /* a value <= 0 means "not measured" (latency with no samples) */
    const char *doc;
};

size_t sb_cmp_metric_count(void);
const struct sb_cmp_metric *sb_cmp_metric_at(size_t i);
/* -1 when there is none of that name. */
int sb_cmp_metric_find(const char *name);

struct sb_cmp_opts {
    /* Per metric (index into the table): a threshold (relative: 0.05), a
     * negative value for "not compared", or NaN for the default. */
    double threshold[SB_CMP_MAX_METRICS];
    double alpha;        /* 0.05 */
    size_t min_repeats;  /* 5 */
    int keep_starved;    /* use starved runs for measured metrics too */
    int force;           /* compare different environments and definitions anyway */
    /* Only these cells (by name, as the report prints them); NULL = all. */
    const char *const *only;
    size_t nonly;
};

/* Defaults: every threshold NaN, alpha 0.05, 5 repeats. */
void sb_cmp_opts_init(struct sb_cmp_opts *o);
/* "mb_per_s=10" (percent) or "mb_per_s=off" into o.  -1 with err (exit 2). */
int sb_cmp_threshold_parse(struct sb_cmp_opts *o, const char *arg, struct sb_err *err);

struct sb_cmp;

/*
 * Loads both sides and compares them.  0 with *out set (its exit code from
 * sb_cmp_exit), or -1 with err set and *out NULL: exit 2 (bad input: a
 * missing or damaged file, an unknown baseline name), 3 (a library
 * missing), or 4 (not comparable: different environments without force).
 */
int sb_compare(const char *base, const char *new_, const struct sb_cmp_opts *o,
               struct sb_cmp **out, struct sb_err *err);
void sb_cmp_free(struct sb_cmp *c);

/* 0 no regression, 1 regression, 4 nothing compared, 5 inconclusive. */
int sb_cmp_exit(const struct sb_cmp *c);

/* The cells that regressed, by name (the gate re-runs them). */
size_t sb_cmp_regressed_count(const struct sb_cmp *c);
const char *sb_cmp_regressed_name(const struct sb_cmp *c, size_t i);
/* A regressed cell's key: scenario, job, strategy, allocator ("" for micro). */
void sb_cmp_regressed_key(const struct sb_cmp *c, size_t i, const char *key[4]);
/* Counts of cells by verdict (index enum sb_verdict), and compared cells. */
void sb_cmp_counts(const struct sb_cmp *c, size_t counts[4], size_t *compared);

/* Reports: Markdown (the changed cells: regressions first), JSON (every
 * cell), Bencher Metric Format (NEW's medians with their intervals). */
void sb_cmp_markdown(const struct sb_cmp *c, FILE *out, const char *title);
int sb_cmp_json(const struct sb_cmp *c, FILE *out);
int sb_cmp_bmf(const struct sb_cmp *c, FILE *out);

/* A result directory: "baseline:NAME" -> results/baselines/NAME, else the
 * path as given.  -1 with err (exit 2) for an unknown baseline name. */
int sb_cmp_resolve(const char *arg, char *out, size_t len, struct sb_err *err);

#endif
