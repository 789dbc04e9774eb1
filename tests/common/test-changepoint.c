/*
 * test-changepoint.c - the step rule of changepoint.h on synthetic series:
 * where a step is, what is not one (an outlier, noise, a small step), the
 * edges (too few points, a step at the end, a quiet series), bad input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "changepoint.h"

/* A seeded Gaussian (Box-Muller over a 64-bit LCG): same series every run. */
static uint64_t lcg = 1;
static double unif(void)
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(lcg >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void)
{
    return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

static void noise(double *y, size_t n, double level, double sd, uint64_t seed)
{
    lcg = seed;
    for (size_t i = 0; i < n; i++)
        y[i] = level + sd * gauss();
}

static void step_in_the_middle(void **state)
{
    (void)state;
    double y[20];
    noise(y, 20, 100, 3, 7);
    for (size_t i = 10; i < 20; i++)
        y[i] -= 9; /* 3 sigma, 9 % */
    struct sb_cp cp[4];
    size_t n;
    assert_int_equal(sb_changepoints(y, 20, cp, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_true(cp[0].at >= 9 && cp[0].at <= 11);
    assert_true(cp[0].rel < -0.05);
    assert_true(cp[0].before > cp[0].after);
}

static void exact_steps_both_ways(void **state)
{
    (void)state;
    /* no noise at all: the floor (1 % of the median) sets the penalty */
    double y[12] = {10, 10, 10, 10, 12, 12, 12, 12, 10, 10, 10, 10};
    struct sb_cp cp[4];
    size_t n;
    assert_int_equal(sb_changepoints(y, 12, cp, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(cp[0].at, 4);
    assert_int_equal(cp[1].at, 8);
    assert_float_equal(cp[0].rel, 0.2, 1e-12);
    assert_float_equal(cp[1].before, 12, 1e-12);
    assert_float_equal(cp[1].after, 10, 1e-12);
}

static void an_outlier_is_not_a_step(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        double y[20];
        noise(y, 20, 100, 3, seed);
        y[10] -= 15; /* one point, 5 sigma */
        struct sb_cp cp[4];
        size_t n;
        assert_int_equal(sb_changepoints(y, 20, cp, 4, &n), 0);
        for (size_t i = 0; i < n; i++)
            assert_false(cp[i].at == 10 || cp[i].at == 11);
    }
}

static void noise_alone(void **state)
{
    (void)state;
    for (uint64_t seed = 100; seed < 120; seed++) {
        double y[40];
        noise(y, 40, 50, 1, seed); /* 2 % noise: a boundary would also be under 5 % */
        struct sb_cp cp[4];
        size_t n;
        assert_int_equal(sb_changepoints(y, 40, cp, 4, &n), 0);
        assert_int_equal(n, 0);
    }
}

static void small_step_is_not_marked(void **state)
{
    (void)state;
    double y[30];
    for (size_t i = 0; i < 30; i++)
        y[i] = i < 15 ? 100 : 97; /* 3 %: fitted, but below SB_CP_MIN_STEP */
    struct sb_cp cp[4];
    size_t n;
    assert_int_equal(sb_changepoints(y, 30, cp, 4, &n), 0);
    assert_int_equal(n, 0);
}

static void step_at_the_end(void **state)
{
    (void)state;
    double y[20];
    noise(y, 20, 100, 2, 3);
    for (size_t i = 17; i < 20; i++)
        y[i] -= 20; /* the last three commits regressed by a fifth */
    struct sb_cp cp[4];
    size_t n;
    assert_int_equal(sb_changepoints(y, 20, cp, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cp[0].at, 17);
}

static void too_few_and_bad_input(void **state)
{
    (void)state;
    double y[3] = {1, 100, 1};
    struct sb_cp cp[2];
    size_t n = 9;
    assert_int_equal(sb_changepoints(y, 2, cp, 2, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(sb_changepoints(NULL, 2, cp, 2, &n), -EINVAL);
    assert_int_equal(sb_changepoints(y, 3, cp, 2, NULL), -EINVAL);
    y[1] = NAN;
    assert_int_equal(sb_changepoints(y, 3, cp, 2, &n), -EINVAL);
    assert_float_equal(sb_cp_noise(y, 1), 0, 0);
}

static void capacity_is_respected(void **state)
{
    (void)state;
    double y[40];
    for (size_t i = 0; i < 40; i++)
        y[i] = (i / 8) % 2 ? 20 : 10; /* four steps */
    struct sb_cp cp[2];
    size_t n;
    assert_int_equal(sb_changepoints(y, 40, cp, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(cp[0].at, 8);
    assert_int_equal(cp[1].at, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(step_in_the_middle),  cmocka_unit_test(exact_steps_both_ways),
        cmocka_unit_test(an_outlier_is_not_a_step), cmocka_unit_test(noise_alone),
        cmocka_unit_test(small_step_is_not_marked), cmocka_unit_test(step_at_the_end),
        cmocka_unit_test(too_few_and_bad_input), cmocka_unit_test(capacity_is_respected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
