/*
 * compare_internal.h - what compare.c, compare_load.c and compare_out.c
 * share: one side's cells as loaded, and the comparison's rows.
 */
#ifndef SB_COMPARE_INTERNAL_H
#define SB_COMPARE_INTERNAL_H

#include <jansson.h>
#include <limits.h>

#include "compare.h"

#define SB_CELL_KEYS 6 /* scenario, job, strategy, allocator, transport, peer */

/* One cell of one side: its runs, and each metric's values over them. */
struct sb_side_cell {
    char name[400];            /* "scenario/job/strategy/allocator/transport/peer" or a benchmark */
    char key[SB_CELL_KEYS][128];
    char job_hash[24];         /* "" when none; "mixed" when its runs disagree */
    size_t runs, ok, failed, aborted, skipped, starved;
    char reason[256];          /* the first failed or aborted run's reason */
    size_t n[SB_CMP_MAX_METRICS];
    double *v[SB_CMP_MAX_METRICS], *tot[SB_CMP_MAX_METRICS];
    size_t left_out[SB_CMP_MAX_METRICS]; /* starved runs not used for that metric */
};

struct sb_side {
    const char *label;         /* "BASE", "NEW" */
    char path[PATH_MAX];
    enum sb_cmp_source kind;
    json_t *env;               /* env.json, or the JSON's context; NULL when none */
    char env_hash[40];         /* "" when unknown */
    char env_file[PATH_MAX + 16];
    char git_commit[48];
    char inject[64];           /* any run's --inject, "" for none */
    int has_metric[SB_CMP_MAX_METRICS]; /* its file has what the metric needs */
    int has_job_hash;
    struct sb_side_cell *cells;
    size_t ncells;
};

/* Loads a side from path (a result directory or a JSON file).  -1 with err. */
int sb_side_load(struct sb_side *s, const char *path, const struct sb_cmp_opts *o,
                 struct sb_err *err);
void sb_side_free(struct sb_side *s);

/* Status of a matched cell's runs: not a metric, a row of its own. */
#define SB_CMP_STATUS ((size_t)-1)

struct sb_cmp_row {
    size_t cell;   /* index into cells */
    size_t metric; /* index into the metric table, or SB_CMP_STATUS */
    struct sb_rule rule;
    struct sb_test t;
};

struct sb_cmp_cell {
    const struct sb_side_cell *b, *n;
    enum sb_verdict verdict; /* the worst of its rows */
};

/* A cell that was not compared, and why. */
struct sb_cmp_note {
    const char *name;
    char why[200];
};

struct sb_cmp {
    struct sb_side base, new_;
    struct sb_cmp_opts opts;
    struct sb_cmp_cell *cells;
    size_t ncells;
    struct sb_cmp_row *rows;
    size_t nrows;
    struct sb_cmp_note *notes; /* only on one side, definition differs, skipped */
    size_t nnotes;
    size_t ntested;            /* measured tests in the Holm family */
    int forced_env;            /* environments differed; compared because of --force */
    char env_diff[400];
    size_t *regressed;         /* cell indices */
    size_t nregressed;
};

/* The JSON report as an object (sb_cmp_json writes it); NULL on no memory. */
json_t *sb_cmp_json_obj(const struct sb_cmp *c);

#endif
