/*
 * test-histogram.c - the latency histogram against exact percentiles of
 * sorted samples from several distributions over 1 ns .. 100 s, its bucket
 * geometry, merge, saturation and the empty case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "rng.h"

#define N 200000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

typedef uint64_t (*draw_fn)(struct sb_rng *r);

static uint64_t draw_log_uniform(struct sb_rng *r) /* 1 ns .. 100 s, every decade alike */
{
    return (uint64_t)exp(sb_rng_double(r) * log(1e11));
}

static uint64_t draw_exponential(struct sb_rng *r) /* mean 50 us */
{
    return (uint64_t)(-log(1 - sb_rng_double(r)) * 50000.0);
}

static uint64_t draw_lognormal(struct sb_rng *r) /* median 2 us, long tail */
{
    double u = sb_rng_double(r), v = sb_rng_double(r);
    double z = sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
    return (uint64_t)exp(log(2000.0) + 2.0 * z);
}

static uint64_t draw_small(struct sb_rng *r) /* 0 .. 300: the exact buckets and the first octaves */
{
    return sb_rng_below(r, 301);
}

static uint64_t draw_bimodal(struct sb_rng *r) /* 90 % near 1 us, 10 % near 10 ms */
{
    uint64_t base = sb_rng_below(r, 10) ? 1000 : 10000000;
    return base + sb_rng_below(r, (uint32_t)(base / 10));
}

static uint64_t draw_constant(struct sb_rng *r)
{
    (void)r;
    return 123456789;
}

static uint64_t draw_huge(struct sb_rng *r) /* 1 s .. 100 s */
{
    return 1000000000u + (sb_rng_next(r) % 99000000000u);
}

/* Percentiles to check, in thousandths of a percent (so ranks are exact integers). */
static const uint64_t milli_q[] = {1000, 10000, 25000, 50000, 75000, 90000,
                                   99000, 99900, 99990, 100000};

static void check_distribution(draw_fn draw, const char *name, uint64_t seed)
{
    struct sb_rng rng;
    sb_rng_seed(&rng, seed);
    uint64_t *v = malloc(N * sizeof(*v));
    struct sb_hist *h = malloc(sizeof(*h));
    assert_true(v && h);
    sb_hist_reset(h);
    double sum = 0;
    for (size_t i = 0; i < N; i++) {
        v[i] = draw(&rng);
        sum += (double)v[i];
        sb_hist_record(h, v[i]);
    }
    qsort(v, N, sizeof(*v), cmp_u64);
    assert_int_equal(h->count, N);
    assert_int_equal(h->min, v[0]);
    assert_int_equal(h->max, v[N - 1]);
    assert_true(fabs(sb_hist_mean(h) - sum / N) <= 1e-9 * (sum / N) + 1e-9);
    for (size_t i = 0; i < sizeof(milli_q) / sizeof(milli_q[0]); i++) {
        uint64_t rank = (milli_q[i] * N + 99999) / 100000; /* ceil(q% of N) */
        uint64_t exact = v[rank - 1];
        uint64_t got = sb_hist_percentile(h, (double)milli_q[i] / 1000.0);
        double err = exact ? fabs((double)got - (double)exact) / (double)exact : (double)got;
        if (err > 0.01)
            fail_msg("%s: p%.3f = %llu, exact %llu (error %.4f)", name,
                     (double)milli_q[i] / 1000.0, (unsigned long long)got,
                     (unsigned long long)exact, err);
    }
    free(v);
    free(h);
}

static void test_accuracy(void **state)
{
    (void)state;
    check_distribution(draw_log_uniform, "log-uniform", 1);
    check_distribution(draw_exponential, "exponential", 2);
    check_distribution(draw_lognormal, "lognormal", 3);
    check_distribution(draw_small, "small", 4);
    check_distribution(draw_bimodal, "bimodal", 5);
    check_distribution(draw_constant, "constant", 6);
    check_distribution(draw_huge, "huge", 7);
}

/* Every value lands in a bucket that contains it and is at most 1/128 of
 * the value wide, and buckets are in value order. */
static void test_bucket_geometry(void **state)
{
    (void)state;
    unsigned prev = 0;
    for (double x = 1; x <= (double)SB_HIST_MAX; x *= 1.0007) {
        uint64_t vs[3] = {(uint64_t)x, (uint64_t)x + 1, (uint64_t)x - 1};
        for (int j = 0; j < 3; j++) {
            uint64_t val = vs[j];
            if (val > SB_HIST_MAX)
                continue;
            unsigned i = sb_hist_index(val);
            assert_true(i < SB_HIST_BUCKETS);
            uint64_t lo = sb_hist_bucket_low(i), w = sb_hist_bucket_width(i);
            assert_true(lo <= val && val < lo + w);
            assert_true(w == 1 || w * 128 <= lo);
        }
        unsigned i = sb_hist_index((uint64_t)x);
        assert_true(i >= prev);
        prev = i;
    }
    for (unsigned k = 0; k <= SB_HIST_MAX_BITS - 1; k++) { /* both sides of every power of two */
        uint64_t p = (uint64_t)1 << k;
        assert_true(sb_hist_index(p - 1 + (k == 0)) <= sb_hist_index(p));
        assert_int_equal(sb_hist_bucket_low(sb_hist_index(p)), p);
    }
    assert_int_equal(sb_hist_index(SB_HIST_MAX), SB_HIST_BUCKETS - 1);
}

static void test_merge(void **state)
{
    (void)state;
    struct sb_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *all = malloc(sizeof(*all));
    assert_true(a && b && all);
    sb_hist_reset(a);
    sb_hist_reset(b);
    sb_hist_reset(all);
    struct sb_rng rng;
    sb_rng_seed(&rng, 99);
    for (int i = 0; i < 50000; i++) {
        uint64_t x = draw_log_uniform(&rng);
        sb_hist_record(i % 3 ? a : b, x);
        sb_hist_record(all, x);
    }
    sb_hist_merge(a, b);
    assert_int_equal(a->count, all->count);
    assert_int_equal(a->min, all->min);
    assert_int_equal(a->max, all->max);
    assert_memory_equal(a->buckets, all->buckets, sizeof(a->buckets));
    assert_true(fabs(a->sum - all->sum) <= 1e-9 * all->sum);
    struct sb_latency la, lb;
    sb_hist_summary(a, &la);
    sb_hist_summary(all, &lb);
    assert_int_equal(la.p50_ns, lb.p50_ns);
    assert_int_equal(la.p999_ns, lb.p999_ns);
    assert_int_equal(la.max_ns, lb.max_ns);
    /* merging an empty histogram changes nothing */
    sb_hist_reset(b);
    sb_hist_merge(a, b);
    assert_int_equal(a->min, all->min);
    assert_int_equal(a->count, all->count);
    free(a);
    free(b);
    free(all);
}

static void test_summary_and_edges(void **state)
{
    (void)state;
    struct sb_hist *h = malloc(sizeof(*h));
    assert_non_null(h);
    sb_hist_reset(h);
    struct sb_latency l;
    sb_hist_summary(h, &l);
    assert_int_equal(l.count, 0);
    assert_int_equal(l.p50_ns + l.p99_ns + l.max_ns, 0);
    assert_true(l.mean_ns == 0);

    for (uint64_t i = 1; i <= 1000; i++) /* 1..1000 ns: p50 = 500, p99.9 = 999 */
        sb_hist_record(h, i);
    sb_hist_summary(h, &l);
    assert_int_equal(l.count, 1000);
    assert_true(fabs(l.mean_ns - 500.5) < 1e-9);
    assert_true(l.p50_ns >= 495 && l.p50_ns <= 505);
    assert_true(l.p90_ns >= 891 && l.p90_ns <= 909);
    assert_true(l.p999_ns >= 989 && l.p999_ns <= 1009);
    assert_int_equal(l.max_ns, 1000);
    assert_int_equal(l.p90_ns, sb_hist_percentile(h, 90));

    sb_hist_record(h, (uint64_t)1 << 45); /* beyond the range: clamped, counted */
    assert_int_equal(h->saturated, 1);
    assert_int_equal(sb_hist_percentile(h, 100), SB_HIST_MAX);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_bucket_geometry),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_summary_and_edges),
    };
    return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
