/*
 * test-placement.c - the run's two CPUs (placement.h): chosen on crafted
 * topologies, and a real run records where its threads were pinned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "placement.h"

/* n CPUs: SMT pairs (cpu 2k and 2k+1 one core) when smt; llc groups of group CPUs. */
static struct sb_topology topo(size_t n, int smt, int group)
{
    struct sb_topology t = {.n = n};
    for (size_t i = 0; i < n; i++) {
        t.cpu[i] = (int)i;
        t.core[i] = smt ? (int)(i & ~(size_t)1) : (int)i;
        t.llc[i] = (int)(i / (size_t)group) * group;
    }
    return t;
}

static void test_spread_two_cores_one_cache(void **state)
{
    (void)state;
    int out[2];
    struct sb_topology t = topo(16, 1, 8); /* 8 cores x 2 threads, two caches */
    sb_placement_choose(&t, SB_PLACE_SPREAD, out);
    assert_int_not_equal(t.core[out[0]], t.core[out[1]]); /* not hyperthread siblings */
    assert_int_equal(t.llc[out[0]], t.llc[out[1]]);       /* but one last-level cache */
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 2);
}

static void test_spread_without_cache_info(void **state)
{
    (void)state;
    int out[2];
    struct sb_topology t = topo(4, 0, 1); /* every CPU its own cache group */
    for (size_t i = 0; i < t.n; i++)
        t.llc[i] = -1;
    sb_placement_choose(&t, SB_PLACE_SPREAD, out);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 1);
}

static void test_same_none_and_one_cpu(void **state)
{
    (void)state;
    int out[2];
    struct sb_topology t = topo(2, 0, 2);
    sb_placement_choose(&t, SB_PLACE_SAME, out);
    assert_int_equal(out[0], out[1]);
    sb_placement_choose(&t, SB_PLACE_NONE, out);
    assert_int_equal(out[0], -1);
    assert_int_equal(out[1], -1);
    struct sb_topology one = topo(1, 0, 1);
    sb_placement_choose(&one, SB_PLACE_SPREAD, out); /* falls back to one CPU */
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 0);
}

static void test_this_machine(void **state)
{
    (void)state;
    struct sb_topology t;
    assert_int_equal(sb_topology_read(&t), 0);
    assert_true(t.n >= 1);
    int out[2];
    sb_placement_choose(&t, SB_PLACE_SPREAD, out);
    assert_true(out[0] >= 0 && out[1] >= 0);
    if (t.n >= 2)
        assert_int_not_equal(out[0], out[1]);
    assert_int_equal(sb_pin_self(out[0]), 0);
    print_message("  %zu CPUs allowed; spread picks %d and %d\n", t.n, out[0], out[1]);
    assert_string_equal(sb_placement_name(SB_PLACE_SPREAD), "spread");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spread_two_cores_one_cache),
        cmocka_unit_test(test_spread_without_cache_info),
        cmocka_unit_test(test_same_none_and_one_cpu),
        cmocka_unit_test(test_this_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
