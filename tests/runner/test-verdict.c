/*
 * test-verdict.c - the decision rule of serbench compare and gate
 * (bench/runner/verdict.h) on synthetic samples: a clear regression, pure
 * noise, too few repeats, starved runs left out, exact-counter increases
 * (and a fixed setup cost spread over fewer messages, which is not one), an
 * improvement, and Holm's correction across a family.  No timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "verdict.h"

static const struct sb_rule time_lower = {SB_MEASURED, SB_LOWER_BETTER, 0.05, 0};
static const struct sb_rule tput_higher = {SB_MEASURED, SB_HIGHER_BETTER, 0.05, 0};
static const struct sb_rule allocs = {SB_EXACT, SB_LOWER_BETTER, 0, 0};
static const struct sb_rule_opts opts = {0.05, 5};

/* n values: around c, spread by +-s in a fixed zig-zag (no RNG). */
static void fill(double *x, size_t n, double c, double s)
{
    for (size_t i = 0; i < n; i++)
        x[i] = c + s * ((double)((i * 7) % n) / (double)(n > 1 ? n - 1 : 1) * 2.0 - 1.0);
}

static struct sb_test one(const struct sb_rule *r, const double *b, size_t nb, const double *n,
                          size_t nn)
{
    struct sb_test t = {.rule = r, .base = b, .nb = nb, .new_ = n, .nn = nn};
    assert_int_equal(sb_decide(&t, 1, &opts), 0);
    return t;
}

static void moses_k_known(void **state)
{
    (void)state;
    /* brute-force enumeration (P(U <= k-1) <= 0.05 one-sided) */
    assert_int_equal(sb_moses_k(5, 5, 0.05), 5);
    assert_int_equal(sb_moses_k(10, 10, 0.05), 28);
    assert_int_equal(sb_moses_k(3, 3, 0.05), 1);
    assert_int_equal(sb_moses_k(5, 8, 0.05), 9);
    assert_int_equal(sb_moses_k(2, 2, 0.05), 0); /* 1/6 > 0.05: no bound */
    /* the normal approximation above 200 runs: near the exact middle */
    size_t k = sb_moses_k(150, 150, 0.05);
    assert_true(k > 9000 && k < 11250);
}

static void clear_regression(void **state)
{
    (void)state;
    double b[10], n[10];
    fill(b, 10, 100, 1);
    fill(n, 10, 112, 1);
    struct sb_test t = one(&time_lower, b, 10, n, 10);
    assert_int_equal(t.verdict, SB_V_REGRESSED);
    assert_true(t.worse > 0.11 && t.worse < 0.13);
    assert_true(t.p < 0.001);
    assert_true(t.lo > 1.05 && t.hi < 1.2);
    assert_non_null(strstr(t.why, "% higher (threshold 5 %)"));
}

static void improvement_higher_is_better(void **state)
{
    (void)state;
    double b[8], n[8];
    fill(b, 8, 100, 2);
    fill(n, 8, 125, 2);
    struct sb_test t = one(&tput_higher, b, 8, n, 8);
    assert_int_equal(t.verdict, SB_V_IMPROVED);
    assert_true(t.ratio > 1.2);
    assert_true(t.worse < -0.2);
    /* and the same data the other way round is a regression */
    t = one(&tput_higher, n, 8, b, 8);
    assert_int_equal(t.verdict, SB_V_REGRESSED);
}

static void quiet_noise_is_unchanged(void **state)
{
    (void)state;
    double b[10], n[10];
    fill(b, 10, 100, 1);
    fill(n, 10, 100.2, 1);
    struct sb_test t = one(&time_lower, b, 10, n, 10);
    assert_int_equal(t.verdict, SB_V_UNCHANGED);
    assert_true(t.hi < 1.05);
}

static void loud_noise_is_inconclusive(void **state)
{
    (void)state;
    double b[10], n[10];
    fill(b, 10, 100, 30);
    fill(n, 10, 103, 30);
    struct sb_test t = one(&time_lower, b, 10, n, 10);
    assert_int_equal(t.verdict, SB_V_INCONCLUSIVE);
    assert_non_null(strstr(t.why, "cannot tell"));
    assert_true(t.hi > 1.05);
}

static void big_but_not_significant_is_inconclusive(void **state)
{
    (void)state;
    /* the medians differ by 20 %, but the runs overlap: never a regression */
    double b[] = {100, 80, 130, 95, 120}, n[] = {120, 90, 140, 85, 125};
    struct sb_test t = one(&time_lower, b, 5, n, 5);
    assert_true(t.worse > 0.05);
    assert_int_equal(t.verdict, SB_V_INCONCLUSIVE);
}

static void too_few_repeats(void **state)
{
    (void)state;
    double b[] = {100, 100, 100}, n[] = {200, 200, 200, 200, 200};
    struct sb_test t = {.rule = &time_lower, .base = b, .nb = 3, .new_ = n, .nn = 5,
                        .base_left_out = 2};
    assert_int_equal(sb_decide(&t, 1, &opts), 0);
    assert_int_equal(t.verdict, SB_V_INCONCLUSIVE);
    assert_non_null(strstr(t.why, "too few runs: BASE 3, NEW 5"));
    assert_non_null(strstr(t.why, "2 starved runs left out"));
    assert_int_equal(t.tested, 0);
}

static void exact_increase(void **state)
{
    (void)state;
    /* one extra allocation a message: 1e5 messages, 3 setup allocations */
    double b[5], n[5], bt[5], nt[5];
    for (int i = 0; i < 5; i++) {
        double msgs = 100000 + 1000 * i;
        bt[i] = 3;
        b[i] = bt[i] / msgs;
        nt[i] = 3 + msgs;
        n[i] = nt[i] / msgs;
    }
    struct sb_test t = {.rule = &allocs, .base = b, .nb = 5, .new_ = n, .nn = 5,
                        .base_tot = bt, .new_tot = nt};
    assert_int_equal(sb_decide(&t, 1, &opts), 0);
    assert_int_equal(t.verdict, SB_V_REGRESSED);
    /* even one run a side decides an exact counter */
    t.nb = t.nn = 1;
    assert_int_equal(sb_decide(&t, 1, &opts), 0);
    assert_int_equal(t.verdict, SB_V_REGRESSED);
    /* and back: an improvement */
    struct sb_test u = {.rule = &allocs, .base = n, .nb = 5, .new_ = b, .nn = 5,
                        .base_tot = nt, .new_tot = bt};
    assert_int_equal(sb_decide(&u, 1, &opts), 0);
    assert_int_equal(u.verdict, SB_V_IMPROVED);
}

static void exact_setup_over_fewer_messages_is_not_a_regression(void **state)
{
    (void)state;
    /* the same 3 setup allocations; NEW sent fewer messages in every run */
    double b[5], n[5], bt[5] = {3, 3, 3, 3, 3}, nt[5] = {3, 3, 3, 3, 3};
    for (int i = 0; i < 5; i++) {
        b[i] = 3.0 / (200000 + i);
        n[i] = 3.0 / (100000 + i);
    }
    struct sb_test t = {.rule = &allocs, .base = b, .nb = 5, .new_ = n, .nn = 5,
                        .base_tot = bt, .new_tot = nt};
    assert_int_equal(sb_decide(&t, 1, &opts), 0);
    assert_int_equal(t.verdict, SB_V_UNCHANGED);
    /* an exact counter that wobbles with timing (resizes) and overlaps: unchanged */
    double rb[] = {10, 12, 11, 14, 9}, rn[] = {11, 13, 10, 12, 15};
    struct sb_test w = {.rule = &allocs, .base = rb, .nb = 5, .new_ = rn, .nn = 5,
                        .base_tot = rb, .new_tot = rn};
    assert_int_equal(sb_decide(&w, 1, &opts), 0);
    assert_int_equal(w.verdict, SB_V_UNCHANGED);
}

static void exact_tolerance(void **state)
{
    (void)state;
    static const struct sb_rule instr = {SB_EXACT, SB_LOWER_BETTER, 0.01, 0};
    double b[] = {1000}, n1[] = {1005}, n2[] = {1020};
    struct sb_test t = one(&instr, b, 1, n1, 1);
    assert_int_equal(t.verdict, SB_V_UNCHANGED); /* +0.5 % within 1 % */
    t = one(&instr, b, 1, n2, 1);
    assert_int_equal(t.verdict, SB_V_REGRESSED); /* +2 % */
}

static void holm_over_the_family(void **state)
{
    (void)state;
    /* 5 v 5, complete separation: exact two-sided p = 2/252 = 0.0079 */
    double b[] = {100, 101, 102, 103, 104}, n[] = {120, 121, 122, 123, 124};
    struct sb_test alone = one(&time_lower, b, 5, n, 5);
    assert_true(fabs(alone.p - 2.0 / 252) < 1e-9);
    assert_int_equal(alone.verdict, SB_V_REGRESSED);
    /* the same test among 10 (the others unchanged): 10 x 0.0079 > 0.05 */
    struct sb_test fam[10];
    double q[5] = {100, 101, 102, 103, 104}, r[5] = {101.5, 100.5, 102.5, 103.5, 100.2};
    for (int i = 0; i < 10; i++)
        fam[i] = (struct sb_test){.rule = &time_lower, .base = i ? q : b, .nb = 5,
                                  .new_ = i ? r : n, .nn = 5};
    assert_int_equal(sb_decide(fam, 10, &opts), 0);
    assert_true(fam[0].p_holm > 0.05);
    assert_int_not_equal(fam[0].verdict, SB_V_REGRESSED);
    assert_int_equal(fam[0].verdict, SB_V_INCONCLUSIVE); /* never a silent pass */
    for (int i = 1; i < 10; i++)
        assert_int_not_equal(fam[i].verdict, SB_V_REGRESSED);
    /* exact counters stay outside the family */
    struct sb_test mix[2] = {
        {.rule = &time_lower, .base = b, .nb = 5, .new_ = n, .nn = 5},
        {.rule = &allocs, .base = q, .nb = 5, .new_ = r, .nn = 5},
    };
    assert_int_equal(sb_decide(mix, 2, &opts), 0);
    assert_true(fabs(mix[0].p_holm - mix[0].p) < 1e-12);
}

static void bad_arguments(void **state)
{
    (void)state;
    struct sb_test t = {.rule = NULL};
    assert_int_equal(sb_decide(&t, 1, &opts), -EINVAL);
    struct sb_rule_opts bad = {0, 5};
    t.rule = &time_lower;
    assert_int_equal(sb_decide(&t, 1, &bad), -EINVAL);
    double z[] = {0, 1, 2, 3, 4};
    struct sb_test u = one(&time_lower, z, 5, z, 5);
    assert_int_equal(u.verdict, SB_V_INCONCLUSIVE); /* no ratio over 0 */
    assert_string_equal(sb_verdict_name(SB_V_REGRESSED), "regressed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(moses_k_known),
        cmocka_unit_test(clear_regression),
        cmocka_unit_test(improvement_higher_is_better),
        cmocka_unit_test(quiet_noise_is_unchanged),
        cmocka_unit_test(loud_noise_is_inconclusive),
        cmocka_unit_test(big_but_not_significant_is_inconclusive),
        cmocka_unit_test(too_few_repeats),
        cmocka_unit_test(exact_increase),
        cmocka_unit_test(exact_setup_over_fewer_messages_is_not_a_regression),
        cmocka_unit_test(exact_tolerance),
        cmocka_unit_test(holm_over_the_family),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
