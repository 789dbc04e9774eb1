/*
 * sbt.h - shared support for the strategy test suites (conformance, model,
 * stress): cmocka in the include order it needs, a check macro that says
 * what failed, environment knobs, and a table runner that turns a list of
 * cases into one cmocka test per (strategy x case), named
 * "<strategy>/<case>", over every registered strategy.
 */
#ifndef SBT_H
#define SBT_H

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sbuf/registry.h"
#include "sbuf/sbuf.h"

/* Fails the running test with a formatted message when cond is false. */
#define SBT_CHECK(cond, ...)                                                        \
    do {                                                                            \
        if (!(cond)) {                                                              \
            print_error("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            fail_msg(__VA_ARGS__);                                                  \
        }                                                                           \
    } while (0)

/* A case receives the strategy it runs on (NULL for a global case). */
typedef void (*sbt_case_fn)(const struct sbuf_ops *ops);
struct sbt_case {
    const char *name;
    sbt_case_fn fn;
};
#define SBT_CASE(fn) {#fn, fn}

/*
 * Runs each of per[] once for every registered strategy that
 * SERBENCH_STRATEGY selects, then each of global[] once; returns the number
 * of failed tests (a main()'s exit status).  Buffers made with sbt_create are
 * destroyed and the allocation hook reset after each test, pass or fail.
 */
int sbt_run(const char *group, const struct sbt_case *per, size_t nper,
            const struct sbt_case *global, size_t nglobal);

/* Creates a buffer; a failure (a placeholder's SBUF_ENOTSUP included) fails the test. */
struct sbuf *sbt_create(const struct sbuf_ops *ops, const struct sbuf_config *cfg);
/* Destroys a buffer made by sbt_create. */
void sbt_destroy(struct sbuf *b);
/*
 * Keeps obj until the end of the running test, when destroy(obj) runs unless
 * sbt_untrack(obj) came first; returns obj.  sbt_create uses it, so that a
 * failing test (cmocka longjmps out of it) does not show up as a leak too.
 */
void *sbt_track(void *obj, void (*destroy)(void *));
void sbt_untrack(void *obj);
/* A cmocka teardown: destroys what is tracked, frees scratch, resets the
 * allocation hook.  sbt_run uses it for every test. */
int sbt_teardown(void **state);
/* Zeroed memory that lives until the end of the running test. */
void *sbt_scratch(size_t n);
/* A config with only capacity set: every other field at its default. */
struct sbuf_config sbt_config(size_t capacity);

/*
 * Environment knobs.  sbt_env_u64 returns dflt when name is unset and stops
 * the program when it is set to something that is not a number, so a typo
 * never silently runs the default.
 */
uint64_t sbt_env_u64(const char *name, uint64_t dflt);
/* SERBENCH_STRATEGY: a comma-separated list of names; unset selects all. */
int sbt_strategy_selected(const char *name);

#endif
