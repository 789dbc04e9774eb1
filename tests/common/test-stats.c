/*
 * test-stats.c - statistics of repeats on samples whose answers are known:
 * order-statistic intervals and their exact coverage (n = 5, 10, 20),
 * bootstrap determinism, the disagreement mark, ranking with ties,
 * Mann-Whitney against R / SciPy values, Holm against R's p.adjust.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "stats.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.12g, want %.12g (tolerance %g)", got, want, tol);
}

static void test_one_sample(void **state)
{
    (void)state;
    const double x[] = { 4, 1, 3, 5, 2 };
    double v, lo, hi;
    assert_int_equal(sb_stats_median(x, 5, &v), 0);
    assert_close(v, 3, 0);
    assert_int_equal(sb_stats_median(x, 4, &v), 0); /* 4 1 3 5: mean of 3 and 4 */
    assert_close(v, 3.5, 0);
    assert_int_equal(sb_stats_minmax(x, 5, &lo, &hi), 0);
    assert_close(lo, 1, 0);
    assert_close(hi, 5, 0);
    assert_int_equal(sb_stats_ratio(x, 5, &v), 0);
    assert_close(v, 5, 0);
    assert_int_equal(sb_stats_cv(x, 5, &v), 0); /* sd = sqrt(2.5), mean 3 */
    assert_close(v, sqrt(2.5) / 3, 1e-12);
    assert_close(x[0], 4, 0); /* the input is not reordered */
}

static void test_one_sample_errors(void **state)
{
    (void)state;
    const double x[] = { 1, 2, NAN }, z[] = { 0, 2, 3 }, neg[] = { -1, -2 };
    double v;
    assert_int_equal(sb_stats_median(NULL, 3, &v), -EINVAL);
    assert_int_equal(sb_stats_median(x, 0, &v), -EINVAL);
    assert_int_equal(sb_stats_median(x, 2, NULL), -EINVAL);
    assert_int_equal(sb_stats_median(x, 3, &v), -EINVAL); /* NaN */
    assert_int_equal(sb_stats_minmax(x, 2, &v, NULL), -EINVAL);
    assert_int_equal(sb_stats_ratio(z, 3, &v), -EDOM);
    assert_int_equal(sb_stats_cv(z, 1, &v), -EINVAL); /* one value has no sd */
    assert_int_equal(sb_stats_cv(neg, 2, &v), -EDOM);
}

static void test_summary(void **state)
{
    (void)state;
    const double one[] = { 7 }, zero[] = { 0, 10, 10, 10, 10 };
    struct sb_summary s;
    assert_int_equal(sb_stats_summarize(one, 1, &s), 0);
    assert_true(s.n == 1 && s.median == 7 && s.min == 7 && s.max == 7);
    assert_true(isnan(s.sd) && isnan(s.cv));
    assert_close(s.ratio, 1, 0);
    assert_int_equal(sb_stats_summarize(zero, 5, &s), 0);
    assert_true(isinf(s.ratio));
    assert_int_equal(sb_stats_summarize(zero, 5, NULL), -EINVAL);
}

/* n = 5 at 95 %: no pair reaches it; min..max covers 1 - 2/32 = 93.75 %. */
static void test_order_ci_n5(void **state)
{
    (void)state;
    const double x[] = { 30, 10, 50, 20, 40 };
    struct sb_interval ci;
    assert_int_equal(sb_median_ci_order(x, 5, 0.95, &ci), 0);
    assert_int_equal(ci.method, SB_CI_ORDER);
    assert_int_equal(ci.k, 1);
    assert_close(ci.lo, 10, 0);
    assert_close(ci.hi, 50, 0);
    assert_close(ci.coverage, 0.9375, 1e-12);
    assert_close(ci.level, 0.95, 0);
    assert_true(ci.short_of_level);
    /* At 90 % min..max is enough and says so; at 50 %, x(2)..x(4) (62.5 %). */
    assert_int_equal(sb_median_ci_order(x, 5, 0.90, &ci), 0);
    assert_true(ci.k == 1 && !ci.short_of_level);
    assert_int_equal(sb_median_ci_order(x, 5, 0.50, &ci), 0);
    assert_int_equal(ci.k, 2);
    assert_close(ci.lo, 20, 0);
    assert_close(ci.hi, 40, 0);
    assert_close(ci.coverage, 0.625, 1e-12);
}

/* n = 10: (x(2), x(9)), 1 - 2 x 11/1024; n = 20: (x(6), x(15)), 1 - 2 x 21700/2^20. */
static void test_order_ci_n10_n20(void **state)
{
    (void)state;
    const double x10[] = { 7, 3, 10, 1, 9, 2, 8, 4, 6, 5 };
    double x20[20];
    for (int i = 0; i < 20; i++)
        x20[i] = (double)((i * 7) % 20 + 1) * 1.5; /* 1.5 .. 30 in a scrambled order */
    struct sb_interval ci;
    assert_int_equal(sb_median_ci_order(x10, 10, 0.95, &ci), 0);
    assert_int_equal(ci.k, 2);
    assert_close(ci.lo, 2, 0);
    assert_close(ci.hi, 9, 0);
    assert_close(ci.coverage, 0.978515625, 1e-12);
    assert_false(ci.short_of_level);
    assert_int_equal(sb_median_ci_order(x20, 20, 0.95, &ci), 0);
    assert_int_equal(ci.k, 6);
    assert_close(ci.lo, 6 * 1.5, 0);
    assert_close(ci.hi, 15 * 1.5, 0);
    assert_close(ci.coverage, 1.0 - 2.0 * 21700.0 / 1048576.0, 1e-12);
    assert_int_equal(sb_median_ci_order(x20, 20, 1.0, &ci), -EINVAL);
    assert_int_equal(sb_median_ci_order(x20, 20, 0.0, &ci), -EINVAL);
}

static void test_bootstrap_seeded(void **state)
{
    (void)state;
    const double x[] = { 101, 97, 130, 99, 103, 98, 100 };
    struct sb_interval a, b, c;
    assert_int_equal(sb_median_ci_bootstrap(x, 7, 0.95, 2000, 42, &a), 0);
    assert_int_equal(sb_median_ci_bootstrap(x, 7, 0.95, 2000, 42, &b), 0);
    assert_true(a.lo == b.lo && a.hi == b.hi); /* bit for bit */
    assert_int_equal(a.method, SB_CI_BOOTSTRAP);
    assert_true(a.seed == 42 && a.resamples == 2000 && a.k == 0);
    assert_close(a.coverage, 0.95, 0); /* nominal, and says so by its method */
    assert_true(a.lo >= 97 && a.lo <= 100 && a.hi >= 100 && a.hi <= 130);
    assert_int_equal(sb_median_ci_bootstrap(x, 7, 0.95, 2000, 43, &c), 0);
    assert_true(c.lo >= 97 && c.hi <= 130);
    assert_int_equal(sb_median_ci_bootstrap(x, 7, 0.95, 99, 42, &c), -EINVAL);
    assert_int_equal(sb_median_ci_bootstrap(x, 7, 1.5, 2000, 42, &c), -EINVAL);
}

static void test_disagree(void **state)
{
    (void)state;
    const double quiet[] = { 100, 101, 99, 100, 102 };
    const double outlier[] = { 100, 100, 100, 100, 130 };  /* max/min 1.30 */
    const double wander[] = { 80, 80, 100, 100, 100 };     /* max/min 1.25 exactly, CV 11.9 % */
    const double three[] = { 100, 100, 101 };
    struct sb_summary s;
    struct sb_disagree d;
    char words[160];

    assert_int_equal(sb_stats_summarize(quiet, 5, &s), 0);
    assert_int_equal(sb_disagree_check(&s, &d), 0);
    assert_true(!d.marked && !d.few);
    assert_int_equal(sb_disagree_words(&d, words, sizeof words), 0);
    assert_string_equal(words, "");

    assert_int_equal(sb_stats_summarize(outlier, 5, &s), 0);
    assert_int_equal(sb_disagree_check(&s, &d), 0);
    assert_true(d.marked && d.by_ratio);
    assert_int_equal(sb_disagree_words(&d, words, sizeof words), 0);
    assert_non_null(strstr(words, "max/min 1.30 > 1.25"));

    assert_int_equal(sb_stats_summarize(wander, 5, &s), 0);
    assert_int_equal(sb_disagree_check(&s, &d), 0);
    assert_true(d.marked && !d.by_ratio && d.by_cv);
    assert_int_equal(sb_disagree_words(&d, words, sizeof words), 0);
    assert_string_equal(words, "repeats disagree: CV 12 % > 10 %");

    assert_int_equal(sb_stats_summarize(three, 3, &s), 0);
    assert_int_equal(sb_disagree_check(&s, &d), 0);
    assert_true(!d.marked && d.few);
    assert_int_equal(sb_disagree_words(&d, words, sizeof words), 0);
    assert_string_equal(words, "only 3 repeats (< 5)");
    assert_int_equal(sb_disagree_words(&d, words, 5), -ENOSPC);
    assert_int_equal(strlen(words), 4);
}

static void label_is(const struct sb_rank *r, const char *want)
{
    char buf[16];
    assert_int_equal(sb_rank_label(r, buf, sizeof buf), 0);
    assert_string_equal(buf, want);
}

/* Throughput, higher is better: A and B overlap (≈1), C is alone at 3 (two
 * cells surely ahead), D overlaps C (≈3), E alone at 5, F unsettled. */
static void test_rank_ties(void **state)
{
    (void)state;
    const struct sb_rank_cell c[] = {
        { 80, 75, 85, 0 },     /* C */
        { 100, 95, 105, 0 },   /* A */
        { 0, 0, 0, 1 },        /* F: disagreeing repeats */
        { 98, 90, 102, 0 },    /* B */
        { 60, 59, 61, 0 },     /* E */
        { 78, 76, 82, 0 },     /* D */
    };
    struct sb_rank r[6];
    size_t order[6];
    assert_int_equal(sb_rank_cells(c, 6, SB_HIGHER_BETTER, r, order), 0);
    const size_t want_order[] = { 1, 3, 0, 5, 4, 2 };
    assert_memory_equal(order, want_order, sizeof want_order);
    label_is(&r[1], "\xe2\x89\x88" "1");
    label_is(&r[3], "\xe2\x89\x88" "1");
    label_is(&r[0], "\xe2\x89\x88" "3");
    label_is(&r[5], "\xe2\x89\x88" "3");
    label_is(&r[4], "5");
    label_is(&r[2], "-");
    assert_int_equal(r[3].leader, 1);

    /* Latency, lower is better: E (60) leads alone; C and D tie at 2. */
    assert_int_equal(sb_rank_cells(c, 6, SB_LOWER_BETTER, r, NULL), 0);
    label_is(&r[4], "1");
    label_is(&r[5], "\xe2\x89\x88" "2");
    label_is(&r[0], "\xe2\x89\x88" "2");
    label_is(&r[3], "\xe2\x89\x88" "4");
    label_is(&r[1], "\xe2\x89\x88" "4");
}

/* A chain: B overlaps A, C overlaps B but not A.  C is compared with the
 * leader A only, so it opens its own group at rank 3. */
static void test_rank_chain(void **state)
{
    (void)state;
    const struct sb_rank_cell c[] = {
        { 100, 95, 105, 0 }, { 93, 88, 96, 0 }, { 87, 84, 90, 0 }, { 50, 50, 50, 0 },
    };
    struct sb_rank r[4];
    assert_int_equal(sb_rank_cells(c, 4, SB_HIGHER_BETTER, r, NULL), 0);
    label_is(&r[0], "\xe2\x89\x88" "1");
    label_is(&r[1], "\xe2\x89\x88" "1");
    label_is(&r[2], "3");
    label_is(&r[3], "4");
    const struct sb_rank_cell bad[] = { { 100, 101, 105, 0 } }; /* median outside */
    assert_int_equal(sb_rank_cells(bad, 1, SB_HIGHER_BETTER, r, NULL), -EINVAL);
    assert_int_equal(sb_rank_cells(c, 4, 0, r, NULL), -EINVAL);
}

/* R: wilcox.test(1:5, 6:10) p = 0.007937; Hollander & Wolfe (1973) p. 69,
 * R's example: W = 35, two-sided p = 0.2544 (SciPy exact agrees). */
static void test_mann_whitney_exact(void **state)
{
    (void)state;
    const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };
    const double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
    const double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };
    struct sb_mw mw;
    assert_int_equal(sb_mann_whitney(a, 5, b, 5, &mw), 0);
    assert_int_equal(mw.method, SB_MW_EXACT);
    assert_close(mw.u, 0, 0);
    assert_close(mw.p, 2.0 / 252.0, 1e-12);
    assert_int_equal(sb_mann_whitney(x, 10, y, 5, &mw), 0);
    assert_close(mw.u, 35, 0);
    assert_close(mw.p, 0.2544122544122544, 1e-12);
    assert_false(mw.ties);
    assert_int_equal(sb_mann_whitney(b, 5, a, 5, &mw), 0); /* symmetric */
    assert_close(mw.u, 25, 0);
    assert_close(mw.p, 2.0 / 252.0, 1e-12);
}

/* With ties, exact over mid-ranks: checked by enumerating all C(11, 5). */
static void test_mann_whitney_ties(void **state)
{
    (void)state;
    const double a[] = { 1, 2, 2, 3, 5 }, b[] = { 2, 3, 3, 4, 6, 7 };
    const double same[] = { 4, 4, 4 };
    struct sb_mw mw;
    assert_int_equal(sb_mann_whitney(a, 5, b, 6, &mw), 0);
    assert_true(mw.ties && mw.method == SB_MW_EXACT);
    assert_close(mw.u, 7, 0);
    assert_close(mw.p, 0.17316017316017315, 1e-12);
    assert_int_equal(sb_mann_whitney(same, 3, same, 3, &mw), 0);
    assert_close(mw.p, 1, 0);
}

/* 30 + 31 values with ties: normal approximation, tie-corrected, continuity
 * corrected; SciPy 1.10 mannwhitneyu(method='asymptotic') gives these. */
static void test_mann_whitney_normal(void **state)
{
    (void)state;
    const double x[] = { 18, 12, 13, 17, 11, 15, 16, 4, 1, 6, 5, 17, 18, 0, 9,
                         16, 2, 15, 2, 9, 16, 6, 6, 5, 14, 5, 19, 8, 9, 10 };
    const double y[] = { 14, 14, 13, 22, 19, 18, 17, 15, 9, 22, 12, 7, 19, 6, 20, 15,
                         5, 3, 11, 3, 5, 13, 22, 12, 19, 21, 19, 15, 11, 13, 8 };
    struct sb_mw mw;
    assert_int_equal(sb_mann_whitney(x, N_OF(x), y, N_OF(y), &mw), 0);
    assert_int_equal(mw.method, SB_MW_NORMAL);
    assert_close(mw.u, 316, 0);
    assert_close(mw.p, 0.031894316610226375, 1e-9);
    assert_int_equal(sb_mann_whitney(x, 0, y, 3, &mw), -EINVAL);
}

/* R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02. */
static void test_holm(void **state)
{
    (void)state;
    const double p[] = { 0.01, 0.04, 0.03, 0.005 }, want[] = { 0.03, 0.06, 0.06, 0.02 };
    double adj[4];
    assert_int_equal(sb_holm(p, 4, adj), 0);
    for (int i = 0; i < 4; i++)
        assert_close(adj[i], want[i], 1e-15);
    const double big[] = { 0.5, 0.4, 0.9 }; /* 3 x 0.4 caps at 1 */
    assert_int_equal(sb_holm(big, 3, adj), 0);
    assert_close(adj[1], 1, 0);
    assert_close(adj[0], 1, 0);
    assert_close(adj[2], 1, 0);
    const double bad[] = { 0.1, 1.5 };
    assert_int_equal(sb_holm(bad, 2, adj), -EINVAL);
}

static void test_ratio_ci(void **state)
{
    (void)state;
    const double b[] = { 50, 51, 49, 50, 52 };
    double a[5];
    for (int i = 0; i < 5; i++)
        a[i] = 2 * b[i];
    struct sb_ratio_ci r, s;
    assert_int_equal(sb_ratio_ci_bootstrap(a, 5, b, 5, 0.95, 2000, 7, &r), 0);
    assert_close(r.ratio, 2, 0);
    assert_true(r.ci.lo <= 2 && r.ci.hi >= 2);
    assert_true(r.ci.lo > 1.8 && r.ci.hi < 2.2);
    assert_int_equal(r.ci.method, SB_CI_BOOTSTRAP);
    assert_int_equal(sb_ratio_ci_bootstrap(a, 5, b, 5, 0.95, 2000, 7, &s), 0);
    assert_true(r.ci.lo == s.ci.lo && r.ci.hi == s.ci.hi);
    const double zero[] = { 0, 1 };
    assert_int_equal(sb_ratio_ci_bootstrap(a, 5, zero, 2, 0.95, 2000, 7, &s), -EDOM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_sample),
        cmocka_unit_test(test_one_sample_errors),
        cmocka_unit_test(test_summary),
        cmocka_unit_test(test_order_ci_n5),
        cmocka_unit_test(test_order_ci_n10_n20),
        cmocka_unit_test(test_bootstrap_seeded),
        cmocka_unit_test(test_disagree),
        cmocka_unit_test(test_rank_ties),
        cmocka_unit_test(test_rank_chain),
        cmocka_unit_test(test_mann_whitney_exact),
        cmocka_unit_test(test_mann_whitney_ties),
        cmocka_unit_test(test_mann_whitney_normal),
        cmocka_unit_test(test_holm),
        cmocka_unit_test(test_ratio_ci),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
