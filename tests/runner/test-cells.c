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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebuilt_equals_expected),
        cmocka_unit_test(test_damaged_runs_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
