/*
 * test-msgsize.c - message-size generators: reproducible from the seed,
 * inside their bounds, with the distribution asked for, and bad specs
 * refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "frame.h"
#include "msgsize.h"

static struct sb_msg_spec fixed(uint32_t n)
{
    return (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = n, .hi = n};
}

static struct sb_msg_spec uniform(uint32_t lo, uint32_t hi)
{
    return (struct sb_msg_spec){.kind = SB_MSG_UNIFORM, .lo = lo, .hi = hi};
}

static struct sb_msg_spec lognormal(double mean, double sd, uint32_t max)
{
    return (struct sb_msg_spec){.kind = SB_MSG_LOGNORMAL, .mean = mean, .sd = sd, .max = max};
}

static void test_reproducible(void **state)
{
    (void)state;
    struct sb_msg_spec specs[] = {uniform(0, 100000), lognormal(64, 32, 1024)};
    for (size_t s = 0; s < 2; s++) {
        struct sb_msggen a, b, c;
        assert_int_equal(sb_msggen_init(&a, &specs[s], 1234), SBUF_OK);
        assert_int_equal(sb_msggen_init(&b, &specs[s], 1234), SBUF_OK);
        assert_int_equal(sb_msggen_init(&c, &specs[s], 1235), SBUF_OK);
        int differs = 0;
        for (int i = 0; i < 10000; i++) {
            uint32_t x = sb_msggen_next(&a);
            assert_int_equal(x, sb_msggen_next(&b));
            differs |= x != sb_msggen_next(&c);
        }
        assert_true(differs);
    }
}

static void test_fixed_and_uniform(void **state)
{
    (void)state;
    struct sb_msggen g;
    struct sb_msg_spec f = fixed(64);
    assert_int_equal(sb_msggen_init(&g, &f, 1), SBUF_OK);
    for (int i = 0; i < 100; i++)
        assert_int_equal(sb_msggen_next(&g), 64);
    assert_int_equal(sb_msg_spec_max(&f), 64);

    struct sb_msg_spec u = uniform(16, 31);
    assert_int_equal(sb_msggen_init(&g, &u, 7), SBUF_OK);
    unsigned hits[16] = {0};
    for (int i = 0; i < 16000; i++) {
        uint32_t x = sb_msggen_next(&g);
        assert_true(x >= 16 && x <= 31);
        hits[x - 16]++;
    }
    for (int i = 0; i < 16; i++) /* each about 1000 */
        assert_true(hits[i] > 800 && hits[i] < 1200);
    assert_int_equal(sb_msg_spec_max(&u), 31);
}

static void test_lognormal_moments(void **state)
{
    (void)state;
    struct sb_msg_spec s = lognormal(64, 32, 1024);
    struct sb_msggen g;
    assert_int_equal(sb_msggen_init(&g, &s, 99), SBUF_OK);
    double sum = 0, sum2 = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        uint32_t x = sb_msggen_next(&g);
        assert_true(x <= 1024);
        sum += x;
        sum2 += (double)x * x;
    }
    double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
    assert_true(fabs(mean - 64) < 64 * 0.03);
    assert_true(fabs(sd - 32) < 32 * 0.05);

    /* the clamp: a heavy tail against a low max */
    s = lognormal(1000, 5000, 2000);
    assert_int_equal(sb_msggen_init(&g, &s, 3), SBUF_OK);
    int at_max = 0;
    for (int i = 0; i < 10000; i++) {
        uint32_t x = sb_msggen_next(&g);
        assert_true(x <= 2000);
        at_max += x == 2000;
    }
    assert_true(at_max > 0);
    assert_int_equal(sb_msg_spec_max(&s), 2000);
}

static void test_replay_cycles(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {5, 500, 0, 77};
    struct sb_msg_spec s = {.kind = SB_MSG_REPLAY, .sizes = sizes, .nsizes = 4};
    struct sb_msggen g;
    assert_int_equal(sb_msggen_init(&g, &s, 0), SBUF_OK);
    for (int i = 0; i < 10; i++)
        assert_int_equal(sb_msggen_next(&g), sizes[i % 4]);
    assert_int_equal(sb_msg_spec_max(&s), 500);
}

static void test_bad_specs(void **state)
{
    (void)state;
    struct sb_msggen g;
    struct sb_msg_spec s = uniform(10, 9);
    assert_int_equal(sb_msggen_init(&g, &s, 0), SBUF_EINVAL);
    s = fixed(10);
    s.hi = 11;
    assert_int_equal(sb_msg_spec_check(&s), SBUF_EINVAL);
    s = uniform(0, SB_FRAME_MAX_PAYLOAD + 1);
    assert_int_equal(sb_msg_spec_check(&s), SBUF_ERANGE);
    s = lognormal(0, 1, 10);
    assert_int_equal(sb_msg_spec_check(&s), SBUF_EINVAL);
    s = lognormal(10, -1, 10);
    assert_int_equal(sb_msg_spec_check(&s), SBUF_EINVAL);
    s = lognormal(NAN, 1, 10);
    assert_int_equal(sb_msg_spec_check(&s), SBUF_EINVAL);
    s = lognormal(10, 1, 0);
    assert_int_equal(sb_msg_spec_check(&s), SBUF_EINVAL);
    s = lognormal(10, 1, SB_FRAME_MAX_PAYLOAD + 1);
    assert_int_equal(sb_msg_spec_check(&s), SBUF_ERANGE);
    s = (struct sb_msg_spec){.kind = SB_MSG_REPLAY};
    assert_int_equal(sb_msg_spec_check(&s), SBUF_EINVAL);
    static const uint32_t big[] = {1, SB_FRAME_MAX_PAYLOAD + 1};
    s = (struct sb_msg_spec){.kind = SB_MSG_REPLAY, .sizes = big, .nsizes = 2};
    assert_int_equal(sb_msg_spec_check(&s), SBUF_ERANGE);
    s = (struct sb_msg_spec){.kind = (enum sb_msg_kind)42};
    assert_int_equal(sb_msg_spec_check(&s), SBUF_EINVAL);
    assert_int_equal(sb_msg_spec_check(NULL), SBUF_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_fixed_and_uniform),
        cmocka_unit_test(test_lognormal_moments),
        cmocka_unit_test(test_replay_cycles),
        cmocka_unit_test(test_bad_specs),
    };
    return cmocka_run_group_tests_name("msgsize", tests, NULL, NULL);
}
