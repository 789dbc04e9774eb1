/*
 * test-hgrm.c - HdrHistogram's percentile text (.hgrm): its header and
 * footer, HdrHistogram's percentile ticks (0, 10 % ... 50 %, 55 % ...,
 * 77.5 % ...), values at the bucket's top within the histogram's 0.4 %,
 * the exact max on the 100 % row, an empty histogram, and the spectrum's
 * points.
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

#include "hgrm.h"

static char *render(const struct sb_hist *h)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(sb_hgrm_write(f, h), 0);
    fclose(f);
    return buf;
}

static struct sb_hist hist;

static void test_uniform(void **state)
{
    (void)state;
    sb_hist_reset(&hist);
    for (uint64_t v = 1; v <= 100000; v++)
        sb_hist_record(&hist, v);
    char *text = render(&hist);
    const char *head = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n";
    assert_memory_equal(text, head, strlen(head));
    /* the rows */
    double want_pct[] = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.775, 0.8};
    size_t nw = sizeof(want_pct) / sizeof(want_pct[0]), row = 0;
    double last_v = -1, last_p = -1;
    unsigned long long last_c = 0;
    int saw_last = 0;
    char *save = NULL;
    for (char *line = strtok_r(text + strlen(head), "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#')
            break;
        double v, p, inv;
        unsigned long long c;
        int n = sscanf(line, "%lf %lf %llu %lf", &v, &p, &c, &inv);
        assert_true(n == 4 || n == 3);
        assert_false(saw_last); /* the 100 % row is the last */
        if (n == 3) {
            saw_last = 1;
            assert_float_equal(p, 1.0, 0);
            assert_float_equal(v, 0.1, 1e-9); /* the exact max, in ms */
            assert_int_equal(c, 100000);
        } else {
            assert_float_equal(inv, 1 / (1 - p), 0.006);
        }
        if (row < nw)
            assert_float_equal(p, want_pct[row], 1e-9);
        if (fabs(p - 0.5) < 1e-12) /* p50 of 1..100000 ns: 50 us within the histogram's 0.4 % */
            assert_true(fabs(v - 0.05) <= 0.05 * 0.004);
        if (row == 0) {
            assert_float_equal(v, 0.000001, 1e-12);
            assert_int_equal(c, 1);
        }
        assert_true(v >= last_v && p >= last_p && c >= last_c);
        /* every row's count reaches its percentile */
        assert_true(100.0 * (double)c / 100000 >= p * 100 - 1e-9);
        last_v = v, last_p = p, last_c = c;
        row++;
    }
    assert_true(saw_last);
    assert_true(row > 40);
    free(text);
    text = render(&hist);
    assert_non_null(strstr(text, "#[Max     =     0.100000, Total count    =       100000]\n"));
    assert_non_null(strstr(text, "#[Mean    =     0.0500"));
    assert_non_null(strstr(text, "#[Buckets =           34, SubBuckets     =          128]\n"));
    free(text);

    double x[256], y[256];
    size_t n = sb_hgrm_points(&hist, x, y, 256);
    assert_true(n == row);
    for (size_t i = 1; i < n; i++)
        assert_true(x[i] > x[i - 1]);
    assert_float_equal(x[0], 1, 0);
    assert_float_equal(x[n - 1], 100000, 0);
    assert_float_equal(y[n - 1], 100000, 0);
}

static void test_one_value_and_empty(void **state)
{
    (void)state;
    sb_hist_reset(&hist);
    char *text = render(&hist);
    assert_non_null(strstr(text, "Total count    =            0]"));
    assert_null(strstr(text, "1.000000000000"));
    free(text);
    sb_hist_record(&hist, 1234567); /* 1.234567 ms */
    text = render(&hist);
    assert_non_null(strstr(text, "    1.234567 0.000000000000          1           1.00\n"));
    assert_non_null(strstr(text, "    1.234567 1.000000000000          1\n"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_one_value_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
