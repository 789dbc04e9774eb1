/*
 * test-histogram.c - the latency histogram against exact percentiles of
 * sorted samples from several distributions over 1 ns .. 100 s, its bucket
 * geometry, merge (and percentiles of a merge on known data), saturation,
 * the empty case, and the .hist file: round trip, damage refused.
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
#include <unistd.h>
#include <zlib.h>

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

/* Merging runs: two histograms of known data, merged, give the exact
 * percentiles of the union (values below 128 ns have buckets of their own). */
static void test_merge_known_percentiles(void **state)
{
    (void)state;
    struct sb_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *m = malloc(sizeof(*m));
    assert_true(a && b && m);
    sb_hist_reset(a);
    sb_hist_reset(b);
    sb_hist_reset(m);
    for (uint64_t v = 1; v <= 100; v++) /* a: 1..100 once; b: 1..100 three more times */
        sb_hist_record(a, v);
    for (int k = 0; k < 3; k++)
        for (uint64_t v = 100; v >= 1; v--)
            sb_hist_record(b, v);
    sb_hist_merge(m, a); /* into an empty one: a copy */
    assert_int_equal(sb_hist_percentile(m, 50), 50);
    sb_hist_merge(m, b);
    /* 400 values, each of 1..100 four times: the k-th percentile is k */
    assert_int_equal(m->count, 400);
    assert_int_equal(m->min, 1);
    assert_int_equal(m->max, 100);
    assert_true(fabs(sb_hist_mean(m) - 50.5) < 1e-9);
    for (unsigned q = 1; q <= 100; q++)
        assert_int_equal(sb_hist_percentile(m, q), q);
    assert_int_equal(sb_hist_percentile(m, 99.9), 100);
    /* a merged tail: 1000 values at 100 ns, 10 at 1 ms; p99 in the first, p99.9 in the
     * second (reported as its bucket's middle, clamped to the max: exactly 1 ms) */
    sb_hist_reset(a);
    sb_hist_reset(b);
    sb_hist_reset(m);
    for (int i = 0; i < 1000; i++)
        sb_hist_record(a, 100);
    for (int i = 0; i < 10; i++)
        sb_hist_record(b, 1000000);
    sb_hist_merge(m, a);
    sb_hist_merge(m, b);
    assert_int_equal(sb_hist_percentile(m, 99), 100);
    assert_int_equal(sb_hist_percentile(m, 99.9), 1000000);
    assert_int_equal(sb_hist_percentile(m, 100), 1000000);
    free(a);
    free(b);
    free(m);
}

/* Two histograms with something in every corner: exact and sub-bucket
 * values, a long tail, saturation; and an empty one. */
static void fill_pair(struct sb_run_hists *h)
{
    sb_hist_reset(&h->send);
    sb_hist_reset(&h->intended);
    struct sb_rng rng;
    sb_rng_seed(&rng, 5);
    for (int i = 0; i < 20000; i++) {
        uint64_t v = draw_lognormal(&rng);
        sb_hist_record(&h->send, v);
        sb_hist_record(&h->intended, v + draw_exponential(&rng));
    }
    sb_hist_record(&h->send, 0);
    sb_hist_record(&h->intended, (uint64_t)1 << 45); /* saturated */
}

/* The file's whole text, written by sb_hist_file_write. */
static char *file_text(unsigned long run, const struct sb_run_hists *h, size_t *n)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, n);
    assert_non_null(f);
    assert_int_equal(sb_hist_file_write(f, run, h), 0);
    assert_int_equal(fclose(f), 0);
    return buf;
}

static void expect_same(const struct sb_hist *a, const struct sb_hist *b)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->min, b->min);
    assert_int_equal(a->max, b->max);
    assert_int_equal(a->saturated, b->saturated);
    assert_true(a->sum == b->sum); /* %.17g reads back exactly */
    assert_memory_equal(a->buckets, b->buckets, sizeof(a->buckets));
}

static void test_file_round_trip(void **state)
{
    (void)state;
    struct sb_run_hists *h = malloc(sizeof(*h)), *back = malloc(sizeof(*back));
    assert_true(h && back);
    fill_pair(h);
    size_t n;
    char *text = file_text(42, h, &n);
    unsigned long run = 0;
    char err[256];
    if (sb_hist_file_parse(text, n, &run, back, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(run, 42);
    expect_same(&back->send, &h->send);
    expect_same(&back->intended, &h->intended);
    struct sb_latency x, y;
    sb_hist_summary(&h->intended, &x);
    sb_hist_summary(&back->intended, &y);
    assert_memory_equal(&x, &y, sizeof(x));
    free(text);

    /* through a file on disk, and an empty histogram */
    sb_hist_reset(&h->intended);
    char path[] = "/tmp/serbench-hist-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_int_equal(sb_hist_file_write(f, 1, h), 0);
    assert_int_equal(fclose(f), 0);
    if (sb_hist_file_read(path, &run, back, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_int_equal(run, 1);
    expect_same(&back->send, &h->send);
    expect_same(&back->intended, &h->intended);
    assert_int_equal(back->intended.min, UINT64_MAX); /* as sb_hist_reset leaves it */
    unlink(path);
    assert_int_equal(sb_hist_file_read(path, &run, back, err, sizeof(err)), -1);
    free(h);
    free(back);
}

static void expect_refused(const char *text, size_t n, const char *what)
{
    static struct sb_run_hists back;
    unsigned long run;
    char err[256] = "";
    if (sb_hist_file_parse(text, n, &run, &back, err, sizeof(err)) == 0)
        fail_msg("%s: accepted", what);
    assert_true(err[0] != '\0');
}

/* Rewrites text's end line with the CRC of what is now before it: a file
 * whose check is good but whose content is not (hand-edited). */
static void reseal(char *text, size_t n)
{
    char *end = text + n - 19; /* "end crc32=xxxxxxxx\n" */
    assert_memory_equal(end, "end crc32=", 10);
    char hex[9];
    snprintf(hex, sizeof(hex), "%08x", (unsigned)crc32(0, (const Bytef *)text, (uInt)(end - text)));
    memcpy(end + 10, hex, 8);
}

static void test_file_damage_refused(void **state)
{
    (void)state;
    struct sb_run_hists *h = malloc(sizeof(*h));
    assert_non_null(h);
    fill_pair(h);
    /* a small file, so every byte can be tried */
    sb_hist_reset(&h->send);
    sb_hist_reset(&h->intended);
    for (uint64_t v = 1; v < 5000000; v = v * 3 + 1) {
        sb_hist_record(&h->send, v);
        sb_hist_record(&h->intended, v * 2);
    }
    size_t n;
    char *text = file_text(3, h, &n);
    char *copy = malloc(n);
    assert_non_null(copy);
    for (size_t i = 0; i < n; i++) /* any byte changed: the check fails, or the format */
        for (unsigned bit = 0; bit < 8; bit++) {
            memcpy(copy, text, n);
            copy[i] ^= (char)(1u << bit);
            expect_refused(copy, n, "a flipped bit");
        }
    for (size_t k = 0; k < n; k++) /* truncated anywhere */
        expect_refused(text, k, "a truncated file");
    memcpy(copy, text, n);

    /* good checks, wrong content: each refused for what it is */
    static const struct {
        const char *from, *to, *what;
    } edits[] = {
        {"serbench-hist 1", "serbench-hist 9", "another version"},
        {"sub_bits=7", "sub_bits=6", "another layout"},
        {"kind send count=", "kind sent count=", "an unknown kind"},
        {"\n364 1\n", "\n365 1\n", "a value that starts no bucket"},
        {"\n13 1\n", "\n13 2\n", "counts that do not add up"},
        {"\n40 1\n121 1\n", "\n121 1\n40 1\n", "buckets out of order"},
        {" min=1 ", " min=2 ", "a min outside the first bucket"},
        {" sum=3587219 ", " sum=0000001 ", "a sum below count x min"},
        {"run 3\n", "run -\n", "a run that is no number"},
    };
    for (size_t e = 0; e < sizeof(edits) / sizeof(edits[0]); e++) {
        memcpy(copy, text, n);
        char *at = memmem(copy, n, edits[e].from, strlen(edits[e].from));
        if (!at)
            fail_msg("%s: \"%s\" not in the file", edits[e].what, edits[e].from);
        memcpy(at, edits[e].to, strlen(edits[e].to));
        reseal(copy, n);
        expect_refused(copy, n, edits[e].what);
    }
    /* and the untouched text, resealed, still reads */
    memcpy(copy, text, n);
    reseal(copy, n);
    unsigned long run;
    assert_int_equal(sb_hist_file_parse(copy, n, &run, h, NULL, 0), 0);
    free(copy);
    free(text);
    free(h);
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
        cmocka_unit_test(test_merge_known_percentiles),
        cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_file_damage_refused),
    };
    return cmocka_run_group_tests_name("histogram", tests, NULL, NULL);
}
