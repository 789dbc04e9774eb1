/*
 * test-plots.c - plots/ from the small fixed result set
 * (tests/runner/data/report): serbench report makes every plot the data
 * calls for, each a non-empty PNG, SVG and gnuplot script, with the
 * path's ceiling where the transport has one; cells.csv made again equals
 * the one the suite wrote; a gnuplot that fails is an error, a missing one
 * leaves the page without plots.  No timing is asserted.
 *
 * Exit 77 (CTest's skip) without gnuplot: skipped, not passed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "plots.h"
#include "tserbench.h"

static char fixed[PATH_MAX];

static int setup(void **state)
{
    (void)state;
    snprintf(fixed, sizeof(fixed), "%s/tests/runner/data/report", ts_src);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ts_teardown();
    return 0;
}

static void fresh_copy(const char *name)
{
    ts_sh("rm -rf '%s' && cp -r '%s' '%s'", ts_at(name), fixed, ts_at(name));
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The plots the fixed set calls for: two a job, one for the sweep. */
static const char *const want[] = {
    "paced-throughput", "paced-latency", "saturated-throughput", "saturated-latency",
    "echo-throughput",  "echo-latency",  "sim-throughput",       "sim-latency",
    "load-load",
};
#define NWANT (sizeof(want) / sizeof(want[0]))

static void test_every_plot(void **state)
{
    (void)state;
    fresh_copy("r");
    const char *args[] = {"report", "r", NULL};
    struct ts_result r = ts_run(args, NULL, 300);
    if (r.code != 0)
        fail_msg("serbench report: exit %d: %s", r.code, r.err);
    assert_non_null(strstr(r.err, "9 plots in plots/"));
    ts_done(&r);
    char *index = ts_slurp(ts_at("r/plots/index.tsv"));
    assert_non_null(index);
    assert_int_equal(ts_lines(index), NWANT + 1);
    for (size_t i = 0; i < NWANT; i++) {
        char needle[128];
        snprintf(needle, sizeof(needle), "\t%s\t", want[i]);
        if (!strstr(index, needle))
            fail_msg("plots/index.tsv lacks %s", want[i]);
        static const char *const ext[] = {"png", "svg", "gp"};
        for (int e = 0; e < 3; e++) {
            char path[256];
            snprintf(path, sizeof(path), "r/plots/%s.%s", want[i], ext[e]);
            if (file_size(ts_at(path)) <= 0)
                fail_msg("%s: missing or empty", path);
        }
        char path[256];
        snprintf(path, sizeof(path), "r/plots/%s.png", want[i]);
        char *png = ts_slurp(ts_at(path));
        assert_memory_equal(png, "\x89PNG", 4);
        free(png);
        snprintf(path, sizeof(path), "r/plots/%s.svg", want[i]);
        char *svg = ts_slurp(ts_at(path));
        assert_non_null(strstr(svg, "<svg"));
        free(svg);
    }
    /* the ceilings: measured echo loop (off the scale of a paced job), the emulated link */
    char *gp = ts_slurp(ts_at("r/plots/echo-throughput.gp"));
    assert_non_null(strstr(gp, "echo-loop ceiling"));
    assert_non_null(strstr(gp, "off the scale"));
    free(gp);
    gp = ts_slurp(ts_at("r/plots/sim-throughput.gp"));
    assert_non_null(strstr(gp, "link uart:1000000: 0.1 MB/s"));
    assert_non_null(strstr(gp, "dt 2")); /* dashed */
    free(gp);
    gp = ts_slurp(ts_at("r/plots/paced-throughput.gp"));
    assert_null(strstr(gp, "ceiling")); /* mem has none */
    free(gp);
    /* every bip run of saturated was starved: no figure, and the caption says so */
    assert_non_null(strstr(index, "No figure (failed or starved): bip."));
    /* the percentile axis as HdrHistogram draws it */
    gp = ts_slurp(ts_at("r/plots/paced-latency.gp"));
    assert_non_null(strstr(gp, "set logscale x"));
    assert_non_null(strstr(gp, "'99.9%%' 1000"));
    free(gp);
    /* the sweep: one line a strategy, over its five rates */
    gp = ts_slurp(ts_at("r/plots/load-load.gp"));
    assert_non_null(strstr(gp, "$s2 << EOD\n10000 "));
    assert_non_null(strstr(gp, "\n2.56e+06 "));
    free(gp);
    free(index);
    /* cells.csv made again from runs.csv is the suite's */
    char *a = ts_slurp(ts_at("r/cells.csv"));
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/cells.csv", fixed);
    char *b = ts_slurp(path);
    assert_string_equal(a, b);
    free(a);
    free(b);
    /* made again: the same plots, nothing left over */
    r = ts_run(args, NULL, 300);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    ts_sh("test $(ls '%s' | wc -l) -eq %zu", ts_at("r/plots"), NWANT * 3 + 1);
}

static void test_gnuplot_failing(void **state)
{
    (void)state;
    fresh_copy("f");
    const char *args[] = {"report", "f", NULL};
    const char *env[] = {"SERBENCH_GNUPLOT=/bin/false", NULL};
    ts_expect_error(args, env, 1, "gnuplot failed");
}

static void test_gnuplot_missing(void **state)
{
    (void)state;
    fresh_copy("m");
    const char *args[] = {"report", "m", NULL};
    const char *env[] = {"SERBENCH_GNUPLOT=/nonexistent/gnuplot", NULL};
    struct ts_result r = ts_run(args, env, 120);
    assert_int_equal(r.code, 3);
    assert_non_null(strstr(r.err, "no plots: SERBENCH_GNUPLOT=/nonexistent/gnuplot"));
    ts_done(&r);
    char *page = ts_slurp(ts_at("m/index.html"));
    assert_non_null(page);
    assert_non_null(strstr(page, "No plots in this directory"));
    free(page);
}

int main(void)
{
    char gp[PATH_MAX], why[256];
    if (sb_gnuplot_find(gp, sizeof(gp), why, sizeof(why)) < 0) {
        printf("test-plots: skipped: %s\n", why);
        return 77;
    }
    if (ts_setup("test-plots") < 0) {
        printf("test-plots: skipped: SERBENCH_BIN and SERBENCH_SOURCE_DIR not set\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_plot),
        cmocka_unit_test(test_gnuplot_failing),
        cmocka_unit_test(test_gnuplot_missing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
