/*
 * sbt_suites.h - the three suites every strategy is held to, as a library
 * (sbuf_suites) that both the CTest executables (test-conformance,
 * test-model, test-stress: every registered strategy) and `serbench check`
 * (a plugin's strategies, one case a child process) link, so there is one
 * copy of each case.
 *
 *   conformance  the buffer contract, case by case (suites/conformance.c)
 *   model        random operations against a byte deque (suites/model.c)
 *   stress       a producer and a consumer thread, every byte checked
 *                (suites/stress.c)
 *
 * Expectations follow the strategy's capability flags, never its name.
 */
#ifndef SBT_SUITES_H
#define SBT_SUITES_H

#include <stddef.h>

#include "sbt.h"

struct sbt_suite {
    const char *name;
    const struct sbt_case *cases; /* each runs once per strategy */
    size_t ncases;
    /* Reads the suite's knobs (environment) and prints its header; run
     * once before the first case.  NULL when there is nothing to read. */
    void (*prepare)(void);
};

extern const struct sbt_suite sbt_conformance;
extern const struct sbt_suite sbt_model;
extern const struct sbt_suite sbt_stress;

/* Every suite, in the order `serbench check` runs them; NULL-terminated. */
extern const struct sbt_suite *const sbt_suites[];

/*
 * A test program's main: prepares s, then runs every case of s on every
 * registered strategy that SERBENCH_STRATEGY selects, then global[] once
 * (sbt_run); returns the number of failed tests.
 */
int sbt_run_suite(const struct sbt_suite *s, const struct sbt_case *global, size_t nglobal);

/*
 * Case i of s on ops alone, as a cmocka group of one test named
 * "<strategy>/<case>" (s must be prepared).  cmocka's report goes to
 * stdout and stderr.  Returns 0 when it passed or was skipped, 1 when it
 * failed.
 */
int sbt_run_case(const struct sbt_suite *s, size_t i, const struct sbuf_ops *ops);

#endif
