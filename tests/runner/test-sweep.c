/*
 * test-sweep.c - rate = sweep:LO-HI:xF|+STEP: the rates of the series, the
 * jobs NAME@RATE/s it expands into (same seed at every rate, interleaved
 * with the other jobs' repeats), --filter job= by either name, and the
 * values refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "matrix.h"
#include "tfile.h"

static char dir[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/test-sweep-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int load(const char *text, struct sb_scenario **sc, struct sb_err *err)
{
    char path[PATH_MAX + 32];
    assert_int_equal(tfile_write(dir, "s.ini", text, path, sizeof(path)), 0);
    return sb_scenario_load(path, sc, err);
}

static void test_geometric(void **state)
{
    (void)state;
    struct sb_scenario *sc;
    struct sb_err err = {0};
    int rc = load("[global]\nstrategies = ring_spsc, bip\nallocators = glibc\nrepeat = 2\n"
                  "duration = 10ms\n[lat]\nrate = sweep:1000/s-100000/s:x4\n[plain]\n",
                  &sc, &err);
    if (rc < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(sc->jobs[0].nsweep, 4); /* 1000, 4000, 16000, 64000 */
    assert_float_equal(sc->jobs[0].sweep[3], 64000, 1e-6);
    assert_int_equal(sc->jobs[1].nsweep, 0);
    struct sb_matrix m;
    assert_int_equal(sb_matrix_expand(&sc, 1, NULL, &m, &err), 0);
    /* per repeat: 4 rates x 2 strategies, then plain's 2 */
    assert_int_equal(m.n, 2 * (4 * 2 + 2));
    assert_string_equal(m.cells[0].p.job, "lat@1000/s");
    assert_float_equal(m.cells[0].p.rate, 1000, 1e-9);
    assert_string_equal(m.cells[2].p.job, "lat@4000/s");
    assert_string_equal(m.cells[7].p.job, "lat@64000/s");
    assert_float_equal(m.cells[7].p.rate, 64000, 1e-9);
    assert_string_equal(m.cells[8].p.job, "plain");
    assert_int_equal(m.cells[10].p.repeat, 1);
    /* the same traffic at every rate of a repeat */
    assert_true(m.cells[0].p.seed == m.cells[7].p.seed);
    assert_true(m.cells[0].p.seed != m.cells[10].p.seed);
    sb_matrix_free(&m);
    /* --filter job= matches the job's own name and the expanded ones */
    const char *f1[] = {"job=lat"};
    struct sb_matrix_opts o = {.nfilters = 1};
    o.filters[0] = f1[0];
    assert_int_equal(sb_matrix_expand(&sc, 1, &o, &m, &err), 0);
    assert_int_equal(m.n, 16);
    sb_matrix_free(&m);
    o.filters[0] = "job=lat@16000/s";
    assert_int_equal(sb_matrix_expand(&sc, 1, &o, &m, &err), 0);
    assert_int_equal(m.n, 4);
    sb_matrix_free(&m);
    sb_scenario_free(sc);
}

static void test_arithmetic_and_override(void **state)
{
    (void)state;
    struct sb_scenario *sc;
    struct sb_err err = {0};
    int rc = load("[global]\nstrategies = ring_spsc\nallocators = glibc\nduration = 10ms\n"
                  "rate = sweep:1k/s-3k/s:+1k/s\n[a]\n[b]\nrate = 500/s\n",
                  &sc, &err);
    if (rc < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(sc->jobs[0].nsweep, 3);
    assert_float_equal(sc->jobs[0].sweep[2], 3000, 1e-6);
    assert_int_equal(sc->jobs[1].nsweep, 0); /* a plain rate replaces the inherited sweep */
    assert_float_equal(sc->jobs[1].base.rate, 500, 1e-9);
    sb_scenario_free(sc);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "sweep:1000/s",           "sweep:1000/s-100/s:x2", "sweep:1000/s-2000/s:x1",
        "sweep:1000/s-2000/s:y2", "sweep:max-2000/s:x2",   "sweep:1/s-1000000/s:+1/s",
        "sweep:1000/s-2000/s:+0/s",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "[j]\nstrategies = ring_spsc\nrate = %s\n", bad[i]);
        struct sb_scenario *sc = NULL;
        struct sb_err err = {0};
        if (load(text, &sc, &err) == 0)
            fail_msg("rate = %s was accepted", bad[i]);
        assert_int_equal(err.code, SB_EXIT_USAGE);
        assert_non_null(strstr(err.msg, "s.ini:3:"));
        assert_non_null(strstr(err.msg, "sweep"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geometric),
        cmocka_unit_test(test_arithmetic_and_override),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
