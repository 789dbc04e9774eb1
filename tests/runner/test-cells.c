/*
 * test-cells.c - cells.csv is derived from runs.csv alone: rebuilt from a
 * checked-in result directory it equals the checked-in expected file; a
 * damaged runs.csv is refused with its file and line.
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

#include "cells.h"
#include "csv.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static const char *data(const char *leaf)
{
    static char path[PATH_MAX];
    const char *src = getenv("SERBENCH_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/runner/data/cells/%s", src ? src : ".", leaf);
    return path;
}

static void test_rebuilt_equals_expected(void **state)
{
    (void)state;
    char out[] = "/tmp/test-cells-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    struct sb_err err = {0};
    char runs[PATH_MAX];
    snprintf(runs, sizeof(runs), "%s", data("runs.csv"));
    assert_int_equal(sb_cells_from_runs(runs, out, &err), 0);
    char *got = slurp(out), *want = slurp(data("cells.expected.csv"));
    assert_non_null(got);
    assert_non_null(want);
    assert_string_equal(got, want);
    free(got);
    free(want);
    unlink(out);
}

static void test_damaged_runs_refused(void **state)
{
    (void)state;
    char in[] = "/tmp/test-cells-in-XXXXXX";
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    char *orig = slurp(data("runs.csv"));
    assert_non_null(orig);
    /* Drop the last field of the first data row: a ragged line 2. */
    char *nl = strchr(orig, '\n');
    char *nl2 = strchr(nl + 1, '\n');
    char *comma = nl2;
    while (*comma != ',')
        comma--;
    assert_true(write(fd, orig, (size_t)(comma - orig)) > 0);
    assert_true(write(fd, nl2, strlen(nl2)) > 0);
    close(fd);
    struct sb_err err = {0};
    assert_int_equal(sb_cells_from_runs(in, "/tmp/test-cells-never.csv", &err), -1);
    assert_int_equal(err.code, SB_EXIT_USAGE);
    assert_non_null(strstr(err.msg, ":2: "));
    assert_int_equal(access("/tmp/test-cells-never.csv", F_OK), -1); /* nothing half-written */
    free(orig);
    unlink(in);
}

/* The value of column name in line (0-based) of a cells.csv text. */
static double cell_value(const char *text, int line, const char *name)
{
    char *copy = strdup(text), *save = NULL;
    char *hdr = strtok_r(copy, "\n", &save), *row = hdr;
    for (int i = 0; i < line; i++)
        row = strtok_r(NULL, "\n", &save);
    assert_non_null(row);
    int col = -1, k = 0;
    char *hs = NULL;
    for (char *h = strtok_r(hdr, ",", &hs); h; h = strtok_r(NULL, ",", &hs), k++)
        if (strcmp(h, name) == 0)
            col = k;
    assert_true(col >= 0);
    const char *f = row;
    for (int i = 0; i < col; i++)
        f = strchr(f, ',') + 1;
    double v = *f == ',' || *f == '\0' ? -1 : strtod(f, NULL); /* -1: empty */
    free(copy);
    return v;
}

/*
 * pty echo runs, each with the ceilings measured just before it: the
 * ratio is taken per pair, then its median.  Here the pairs' ratios are
 * 80, 90, 100, 95 and 85 % against ceilings that drift from 40 to 60 MB/s:
 * the median of the ratios is 90 %, where the ratio of the medians would
 * be 93.5 %.  A row without ceilings (mem) has no ratio at all.
 */
static void test_ceiling_ratio_per_pair(void **state)
{
    (void)state;
    char in[] = "/tmp/test-cells-pair-XXXXXX", out[] = "/tmp/test-cells-pair-out-XXXXXX";
    int fd = mkstemp(in), fo = mkstemp(out);
    assert_true(fd >= 0 && fo >= 0);
    close(fo);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "schema_version,status,scenario,job,strategy,allocator,transport,cfg_peer,starved,"
               "mb_per_s,bytes_per_s,cpu_pct,lat_p50_ns,ceiling_echo_bytes_per_s,"
               "ceiling_rtt_p50_ns\n");
    const double ceil[] = {40e6, 60e6, 50e6, 45e6, 55e6}, pct[] = {80, 90, 100, 95, 85};
    const double rtt[] = {100e3, 120e3, 90e3, 110e3, 130e3}, ratio[] = {1.2, 1.1, 1.3, 1.0, 1.4};
    for (int i = 0; i < 5; i++) {
        double bps = ceil[i] * pct[i] / 100;
        fprintf(f, "%d,ok,s,tp,ring_spsc,glibc,pty,echo,0,%g,%g,50,%g,%g,%g\n",
                SB_CSV_SCHEMA_VERSION, bps / 1e6, bps, rtt[i] * ratio[i], ceil[i], rtt[i]);
    }
    fprintf(f, "%d,ok,s,m,ring_spsc,glibc,mem,echo,0,100,1e8,100,500,0,0\n", SB_CSV_SCHEMA_VERSION);
    fclose(f);
    struct sb_err err = {0};
    assert_int_equal(sb_cells_from_runs(in, out, &err), 0);
    char *got = slurp(out);
    assert_non_null(got);
    assert_true(cell_value(got, 1, "ceiling_echo_pct_median") == 90);
    assert_true(cell_value(got, 1, "ceiling_echo_pct_lo") == 80);
    assert_true(cell_value(got, 1, "ceiling_echo_pct_hi") == 100);
    assert_true(cell_value(got, 1, "ceiling_rtt_ratio_median") == 1.2);
    assert_true(cell_value(got, 1, "ceiling_rtt_ratio_lo") == 1.0);
    assert_true(cell_value(got, 1, "ceiling_rtt_ratio_hi") == 1.4);
    assert_true(cell_value(got, 2, "ceiling_echo_pct_median") == -1);
    assert_true(cell_value(got, 2, "ceiling_rtt_ratio_median") == -1);
    free(got);
    unlink(in);
    unlink(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebuilt_equals_expected),
        cmocka_unit_test(test_damaged_runs_refused),
        cmocka_unit_test(test_ceiling_ratio_per_pair),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
