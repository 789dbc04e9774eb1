/*
 * test-gate.c - serbench gate end to end through the real binary, on a
 * tiny scenario, with verdicts that cannot fail on noise: the injected
 * extra allocation per message (an exact counter) must be found and
 * confirmed by the re-run (exit 1), and an A/A gate of the same build may
 * only say 0 or 5 (never 1: with 2 rounds the measured metrics are too few
 * to decide, and the exact ones are equal).  Also the gate's usage errors
 * and a side's own exit code passed on (3), and serbench run --inject
 * recorded in runs.csv and env.json.
 *
 * Needs SERBENCH_BIN (set by CTest); skips without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csvread.h"
#include "tfile.h"
#include "tserbench.h"

static char tiny[PATH_MAX + 64];

static struct ts_result sb(const char *const *args)
{
    return ts_run(args, NULL, 300);
}

static void expect_error(const char *const *args, int code, const char *want)
{
    struct ts_result r = sb(args);
    if (r.code != code || !strstr(r.err, want))
        fail_msg("exit %d (wanted %d), stderr '%s' (wanted '%s')", r.code, code, r.err, want);
    ts_done(&r);
}

/* Rows of dir/runs.csv, each column by name: sum of col over rows, and
 * whether every row's col equals want (want NULL: skip). */
static size_t rows_of(const char *dir, const char *col, const char *want, double *sum)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    char *text = ts_slurp(path);
    assert_non_null(text);
    const char *p = text;
    struct csv_record hdr, row;
    assert_int_equal(csv_next(&p, &hdr), 1);
    int c = csv_col(&hdr, col);
    assert_true(c >= 0);
    size_t n = 0;
    *sum = 0;
    int rc;
    while ((rc = csv_next(&p, &row)) == 1) {
        assert_int_equal(row.n, hdr.n);
        if (want)
            assert_string_equal(row.field[c], want);
        *sum += strtod(row.field[c], NULL);
        csv_free(&row);
        n++;
    }
    assert_int_equal(rc, 0);
    csv_free(&hdr);
    free(text);
    return n;
}

static void usage_errors(void **state)
{
    (void)state;
    expect_error((const char *[]){"gate", tiny, NULL}, 2, "give one of --baseline-bin");
    expect_error((const char *[]){"gate", "--baseline-bin", ts_bin, "--baseline", ts_tmp, tiny, NULL},
                 2, "give one of");
    expect_error((const char *[]){"gate", "--baseline-bin", ts_at("nosuch"), tiny, NULL}, 2,
                 "--baseline-bin");
    expect_error((const char *[]){"gate", "--baseline", ts_at("nosuch"), tiny, NULL}, 2,
                 "not a result directory");
    expect_error((const char *[]){"gate", "--baseline", "baseline:nosuch", tiny, NULL}, 2,
                 "no baseline named");
    expect_error((const char *[]){"gate", "--baseline-bin", ts_bin, NULL}, 2, "no scenario");
    expect_error((const char *[]){"gate", "--baseline-bin", ts_bin, ts_at("none.ini"), NULL}, 2,
                 "none.ini");
    expect_error((const char *[]){"gate", "--baseline-bin", ts_bin, "--inject", "slow", tiny, NULL},
                 2, "--inject slow");
}

static void side_exit_code_passed_on(void **state)
{
    (void)state;
    char path[PATH_MAX + 64];
    assert_int_equal(tfile_write(ts_tmp, "missing.sh", "#!/bin/sh\nexit 3\n", path, sizeof(path)), 0);
    assert_int_equal(chmod(path, 0755), 0);
    struct ts_result r = sb((const char *[]){"gate", "--baseline-bin", path, tiny, "--repeat", "1",
                                          "-o", ts_at("g3"), NULL});
    if (r.code != 3)
        fail_msg("exit %d, wanted 3: %s", r.code, r.err);
    assert_non_null(strstr(r.err, "exited 3"));
    ts_done(&r);
}

static void aa_is_0_or_5(void **state)
{
    (void)state;
    const char *out = ts_at("aa");
    struct ts_result r = sb((const char *[]){"gate", "--baseline-bin", ts_bin, tiny, "--repeat", "2",
                                          "-q", "-o", out, NULL});
    if (r.code != 0 && r.code != 5)
        fail_msg("A/A gate exit %d (only 0 or 5 allowed)\n%s\n%s", r.code, r.out, r.err);
    assert_non_null(strstr(r.out, "## serbench gate:"));
    ts_done(&r);
    /* each side is a valid result directory: 2 rounds x 2 strategies */
    double sum;
    assert_int_equal(rows_of(ts_at("aa/base"), "inject", "", &sum), 4);
    assert_int_equal(rows_of(ts_at("aa/new"), "inject", "", &sum), 4);
    struct stat st;
    assert_int_equal(stat(ts_at("aa/new/cells.csv"), &st), 0);
    assert_int_equal(stat(ts_at("aa/base/env.json"), &st), 0);
    /* gate.json says the same */
    json_t *j = json_load_file(ts_at("aa/gate.json"), 0, NULL);
    assert_non_null(j);
    json_int_t e = json_integer_value(json_object_get(j, "exit"));
    assert_true(e == 0 || e == 5);
    json_decref(j);
    /* and compare reads the sides like any result */
    r = sb((const char *[]){"compare", ts_at("aa/base"), ts_at("aa/new"), NULL});
    assert_true(r.code == 0 || r.code == 5);
    ts_done(&r);
}

static void injected_allocation_is_found(void **state)
{
    (void)state;
    const char *out = ts_at("inj");
    struct ts_result r = sb((const char *[]){"gate", "--baseline-bin", ts_bin, tiny, "--repeat", "2",
                                          "--inject", "alloc:1", "-q", "-o", out, NULL});
    if (r.code != 1)
        fail_msg("injected gate exit %d (wanted 1)\n%s\n%s", r.code, r.out, r.err);
    assert_non_null(strstr(r.out, "regressed again: confirmed"));
    assert_non_null(strstr(r.out, "Injected faults in NEW"));
    ts_done(&r);
    json_t *j = json_load_file(ts_at("inj/gate.json"), 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "confirmed")), 2);
    json_decref(j);
    /* the injection is recorded, and counted exactly: one per message sent */
    double allocs, sent;
    size_t n = rows_of(ts_at("inj/new"), "inject", "alloc:1", &allocs);
    assert_int_equal(n, 4);
    rows_of(ts_at("inj/new"), "harness_allocations", NULL, &allocs);
    rows_of(ts_at("inj/new"), "msgs_sent", NULL, &sent);
    assert_true(sent > 0);
    assert_true(allocs == sent);
    rows_of(ts_at("inj/base"), "harness_allocations", NULL, &allocs);
    assert_true(allocs == 0);
    char *envj = ts_slurp(ts_at("inj/new/env.json"));
    assert_non_null(envj);
    assert_non_null(strstr(envj, "\"inject\": \"alloc:1\""));
    assert_non_null(strstr(envj, "\"env_hash\": \""));
    free(envj);
    /* such a result is never a baseline */
    expect_error((const char *[]){"baseline", "save", "fake", ts_at("inj/new"), NULL}, 2,
                 "--inject");
}

static void stored_baseline(void **state)
{
    (void)state;
    /* a baseline from the A/A gate's base side, then a gate against it */
    struct ts_result r = sb((const char *[]){"baseline", "save", "tiny", ts_at("aa/base"), NULL});
    assert_int_equal(r.code, 0);
    ts_done(&r);
    r = sb((const char *[]){"gate", "--baseline", "baseline:tiny", tiny, "--repeat", "2",
                            "--inject", "alloc:1", "-q", "-o", ts_at("st"), NULL});
    if (r.code != 1)
        fail_msg("stored gate exit %d (wanted 1)\n%s\n%s", r.code, r.out, r.err);
    assert_non_null(strstr(r.out, "against the stored baseline"));
    ts_done(&r);
}

static int setup(void **state)
{
    (void)state;
    if (ts_setup("sb-gate") < 0)
        return -1;
    return tfile_write(ts_tmp, "tiny.ini",
                       "[global]\nstrategies = ring_spsc, bip\nallocators = glibc\n"
                       "duration = 60ms\nwarmup = 20ms\nseed = 1\n\n[small]\nmessage = fixed:64\n",
                       tiny, sizeof(tiny));
}

static int teardown(void **state)
{
    (void)state;
    ts_teardown();
    return 0;
}

int main(void)
{
    if (!getenv("SERBENCH_BIN")) {
        fprintf(stderr, "SERBENCH_BIN not set: skipped\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usage_errors),
        cmocka_unit_test(side_exit_code_passed_on),
        cmocka_unit_test(aa_is_0_or_5),
        cmocka_unit_test(injected_allocation_is_found),
        cmocka_unit_test(stored_baseline),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
