/*
 * test-matrix.c - expansion into runs: interleaved repeats, filters, the
 * --repeat override, and per-run seeds.
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

#include "matrix.h"

static char dir[PATH_MAX];
static struct sb_scenario *sc;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/sb-matrix-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/m.ini", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs("[global]\nduration = 1s\nseed = 7\n"
          "[a]\nstrategies = ring_spsc, bip\nallocators = glibc, jemalloc\nrepeat = 3\n"
          "[b]\nstrategies = ring_locked\nrepeat = 1\n",
          f);
    fclose(f);
    struct sb_err err = {0};
    if (sb_scenario_load(path, &sc, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sb_scenario_free(sc);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct sb_matrix expand(const char *const *filters, size_t nf, unsigned repeat)
{
    struct sb_matrix_opts o = {.nfilters = nf, .repeat = repeat};
    for (size_t i = 0; i < nf; i++)
        o.filters[i] = filters[i];
    struct sb_matrix m;
    struct sb_err err = {0};
    if (sb_matrix_expand(&sc, 1, &o, &m, &err) < 0)
        fail_msg("%s", err.msg);
    return m;
}

static void expect(const struct sb_cell *c, const char *job, const char *strategy,
                   const char *allocator, unsigned repeat)
{
    assert_string_equal(c->p.job, job);
    assert_string_equal(c->p.strategy, strategy);
    assert_string_equal(c->p.allocator, allocator);
    assert_int_equal(c->p.repeat, repeat);
}

static void test_interleaved(void **state)
{
    (void)state;
    struct sb_matrix m = expand(NULL, 0, 0);
    /* a: 2 strategies x 2 allocators x 3 repeats; b: 1 x 1 x 1 */
    assert_int_equal(m.n, 12 + 1);
    /* repeat 0 of everything, then repeat 1 of what has one, ... */
    expect(&m.cells[0], "a", "ring_spsc", "glibc", 0);
    expect(&m.cells[1], "a", "ring_spsc", "jemalloc", 0);
    expect(&m.cells[2], "a", "bip", "glibc", 0);
    expect(&m.cells[3], "a", "bip", "jemalloc", 0);
    expect(&m.cells[4], "b", "ring_locked", "glibc", 0);
    expect(&m.cells[5], "a", "ring_spsc", "glibc", 1);
    expect(&m.cells[8], "a", "bip", "jemalloc", 1);
    expect(&m.cells[9], "a", "ring_spsc", "glibc", 2);
    expect(&m.cells[12], "a", "bip", "jemalloc", 2);
    for (size_t i = 0; i < m.n; i++) {
        assert_ptr_equal(m.cells[i].scenario, sc);
        assert_int_equal(m.cells[i].p.duration_ns, 1000000000ull);
        assert_true(m.cells[i].timeout_ns > 0);
        assert_string_equal(m.cells[i].p.transport, "mem");
    }
    sb_matrix_free(&m);
}

static void test_repeat_override(void **state)
{
    (void)state;
    struct sb_matrix m = expand(NULL, 0, 2);
    assert_int_equal(m.n, 2 * (4 + 1));
    expect(&m.cells[4], "b", "ring_locked", "glibc", 0);
    expect(&m.cells[9], "b", "ring_locked", "glibc", 1);
    sb_matrix_free(&m);
}

static void test_filters(void **state)
{
    (void)state;
    const char *f1[] = {"strategy=ring_*"};
    struct sb_matrix m = expand(f1, 1, 0);
    assert_int_equal(m.n, 6 + 1);
    for (size_t i = 0; i < m.n; i++)
        assert_int_equal(strncmp(m.cells[i].p.strategy, "ring_", 5), 0);
    sb_matrix_free(&m);

    /* same key twice: either; different keys: both */
    const char *f2[] = {"job=a", "allocator=jemalloc", "strategy=bip", "strategy=ring_spsc"};
    m = expand(f2, 4, 0);
    assert_int_equal(m.n, 6);
    for (size_t i = 0; i < m.n; i++) {
        assert_string_equal(m.cells[i].p.job, "a");
        assert_string_equal(m.cells[i].p.allocator, "jemalloc");
    }
    sb_matrix_free(&m);

    const char *f3[] = {"transport=mem", "scenario=m", "job=[b]"};
    m = expand(f3, 3, 0);
    assert_int_equal(m.n, 1);
    expect(&m.cells[0], "b", "ring_locked", "glibc", 0);
    sb_matrix_free(&m);
}

static void test_filter_errors(void **state)
{
    (void)state;
    struct sb_err err = {0};
    assert_int_equal(sb_filter_check("strategy", &err), -1);
    assert_non_null(strstr(err.msg, "KEY=GLOB"));
    memset(&err, 0, sizeof(err));
    assert_int_equal(sb_filter_check("strategies=x", &err), -1);
    assert_int_equal(err.code, SB_EXIT_USAGE);
    assert_non_null(strstr(err.msg, "did you mean 'strategy'"));
    assert_non_null(strstr(err.msg, "job, strategy, allocator, transport, scenario"));

    struct sb_matrix_opts o = {.filters = {"strategy=nothing*"}, .nfilters = 1};
    struct sb_matrix m;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sb_matrix_expand(&sc, 1, &o, &m, &err), -1);
    assert_int_equal(err.code, SB_EXIT_USAGE);
    assert_non_null(strstr(err.msg, "no run left"));
    assert_null(m.cells);
}

/* Loads text as dir/name and expands it; the error (if any) in err. */
static int expand_text(const char *name, const char *text, struct sb_err *err)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    struct sb_scenario *s;
    if (sb_scenario_load(path, &s, err) < 0)
        fail_msg("%s", err->msg);
    struct sb_matrix m;
    int rc = sb_matrix_expand(&s, 1, NULL, &m, err);
    if (rc == 0)
        sb_matrix_free(&m);
    sb_scenario_free(s);
    return rc;
}

/*
 * The case: the scenario check passes (max_buffer is larger than
 * the frame) but ring_spsc's buffer is 64 KiB whatever max_buffer says.
 * Refused when the matrix is built, naming the job's file and line, the
 * frame, each strategy's real capacity and what to change.
 */
static void test_unfit_frame_refused(void **state)
{
    (void)state;
    struct sb_err err = {0};
    assert_int_equal(expand_text("unfit.ini",
                                 "[global]\nduration = 1s\n\n"
                                 "[big]\nstrategies = ring_spsc, adaptive, jack\n"
                                 "message = lognormal:mean=512,sd=2048,max=65536\n"
                                 "buffer = 64KiB\nmax_buffer = 128KiB\n",
                                 &err),
                     -1);
    assert_int_equal(err.code, SB_EXIT_USAGE);
    assert_non_null(strstr(err.msg, "unfit.ini:4: [big]"));
    assert_non_null(strstr(err.msg, "frames up to 65576 bytes"));
    assert_non_null(strstr(err.msg, "ring_spsc holds 65536 bytes"));
    assert_non_null(strstr(err.msg, "raise buffer to 65576"));
    /* adaptive grows to 128 KiB and jack rounds 64 KiB up to 131071: they fit */
    assert_null(strstr(err.msg, "adaptive"));
    assert_null(strstr(err.msg, "jack"));

    /* overflow = drop never waits: nothing to refuse; nor is a fitting job. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(expand_text("drop.ini",
                                 "[big]\nstrategies = all\nduration = 1s\noverflow = drop\n"
                                 "message = fixed:65536\nbuffer = 64KiB\nmax_buffer = 128KiB\n"
                                 "[fits]\nstrategies = all\nduration = 1s\n"
                                 "message = fixed:65496\nbuffer = 64KiB\n",
                                 &err),
                     0);
}

/* Only the strategies the filters leave are held to it. */
static void test_unfit_filtered_out(void **state)
{
    (void)state;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/f.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[big]\nstrategies = ring_spsc, jack\nduration = 1s\n"
          "message = fixed:65536\nbuffer = 64KiB\nmax_buffer = 128KiB\n",
          f);
    fclose(f);
    struct sb_scenario *s;
    struct sb_err err = {0};
    assert_int_equal(sb_scenario_load(path, &s, &err), 0);
    struct sb_matrix_opts o = {.filters = {"strategy=jack"}, .nfilters = 1};
    struct sb_matrix m;
    assert_int_equal(sb_matrix_expand(&s, 1, &o, &m, &err), 0);
    assert_int_equal(m.n, 1);
    sb_matrix_free(&m);
    assert_int_equal(sb_matrix_expand(&s, 1, NULL, &m, &err), -1);
    assert_non_null(strstr(err.msg, "ring_spsc holds 65536 bytes"));
    sb_scenario_free(s);
}

static void test_seeds(void **state)
{
    (void)state;
    struct sb_matrix m = expand(NULL, 0, 0);
    /* same job and repeat: the same traffic for every strategy and allocator */
    for (size_t i = 1; i < 4; i++)
        assert_int_equal(m.cells[i].p.seed, m.cells[0].p.seed);
    /* other repeats and other jobs differ */
    assert_int_not_equal(m.cells[5].p.seed, m.cells[0].p.seed);
    assert_int_not_equal(m.cells[9].p.seed, m.cells[5].p.seed);
    assert_int_not_equal(m.cells[4].p.seed, m.cells[0].p.seed);
    /* derived from (seed, job, repeat) only: reproducible */
    assert_int_equal(m.cells[0].p.seed, sb_run_seed(7, "a", 0));
    assert_int_equal(m.cells[9].p.seed, sb_run_seed(7, "a", 2));
    assert_int_equal(m.cells[4].p.seed, sb_run_seed(7, "b", 0));
    assert_int_not_equal(sb_run_seed(8, "a", 0), sb_run_seed(7, "a", 0));
    struct sb_matrix again = expand(NULL, 0, 0);
    for (size_t i = 0; i < m.n; i++)
        assert_int_equal(again.cells[i].p.seed, m.cells[i].p.seed);
    sb_matrix_free(&again);
    sb_matrix_free(&m);
    /* no collisions over a realistic range */
    for (unsigned r = 0; r < 200; r++)
        for (unsigned q = 0; q < r; q++)
            assert_int_not_equal(sb_run_seed(1, "job", r), sb_run_seed(1, "job", q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interleaved),
        cmocka_unit_test(test_repeat_override),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_filter_errors),
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_unfit_frame_refused),
        cmocka_unit_test(test_unfit_filtered_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
