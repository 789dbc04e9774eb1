/*
 * matrix.h - scenarios expanded into runs: job x strategy x allocator x
 * repeat, with the repeats interleaved (every cell of repeat 0, then every
 * cell of repeat 1, ...), so a slow drift of the machine (thermal, another
 * tenant) spreads over every strategy instead of landing on one.
 */
#ifndef SB_MATRIX_H
#define SB_MATRIX_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "scenario.h"

/* One run. */
struct sb_cell {
    struct sb_run_params p;    /* complete: strategy, allocator, repeat, seed filled */
    const struct sb_scenario *scenario;
    const struct sb_job *job;
    uint64_t timeout_ns;
};

#define SB_MAX_FILTERS 16

struct sb_matrix_opts {
    const char *filters[SB_MAX_FILTERS]; /* "KEY=GLOB" */
    size_t nfilters;
    unsigned repeat; /* non-zero: overrides every job's repeat */
};

struct sb_matrix {
    struct sb_cell *cells;
    size_t n;
};

/* Filter keys, for messages and docs: job, strategy, allocator, transport, scenario. */
extern const char *const sb_filter_keys[];
extern const size_t sb_filter_nkeys;

/* Checks one "KEY=GLOB" filter.  -1 with err (exit code 2) if malformed. */
int sb_filter_check(const char *filter, struct sb_err *err);

/*
 * Expands scenarios into m.  Filters with the same KEY are alternatives
 * (OR); filters with different keys must all match (AND).  -1 with err
 * (exit code 2) if a filter is malformed or nothing is left to run, or if a
 * job's largest frame can never fit the buffer of one of its strategies
 * with overflow = block (each job x strategy left by the filters is made
 * once through the registry to learn its real capacity: workload.h,
 * sb_workload_fit); the message names the job's file and line, the frame,
 * the capacity and what to change.
 */
int sb_matrix_expand(struct sb_scenario *const *sc, size_t nsc, const struct sb_matrix_opts *o,
                     struct sb_matrix *m, struct sb_err *err);
void sb_matrix_free(struct sb_matrix *m);

/* The seed of one run: mixes the job's seed, its name and the repeat index. */
uint64_t sb_run_seed(uint64_t seed, const char *job, unsigned repeat);

#endif
