/*
 * test-plugin-cli.c - plugins through serbench, as a user drives it:
 * `serbench check` on a good plugin (one verdict a case) and on one that
 * breaks the contract; every kind of bad plugin refused by check and by run
 * with one line naming the file and the problem (exit 2, or 3 for a missing
 * library); plugin strategies run beside built-in ones (runs.csv plugin and
 * plugin_sha256, env.json, --dry-run, --filter, the resolved copy and
 * --again); a plugin that crashes mid-run or loses bytes failing its row
 * only; serbench-micro --plugin.
 *
 * Needs SERBENCH_BIN, SERBENCH_MICRO_BIN and SERBENCH_TEST_PLUGINS (CTest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csvread.h"
#include "tserbench.h"
#include "plugins.h"
#include "sha256.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1 /* a sanitizer catches a crash itself and exits */
#else
#define SANITIZED 0
#endif

static const char *micro, *plugins;

/* ---- helpers -------------------------------------------------------------- */

/* A test plugin's path (plugin("tp_good.so")); 32 rotating buffers,
 * enough for a table of them. */
static const char *join(const char *dir, const char *name)
{
    static char path[32][PATH_MAX];
    static int i;
    i = (i + 1) % 32;
    if ((size_t)snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name) >= sizeof(path[i]))
        fail_msg("path too long: %s/%s", dir, name);
    return path[i];
}
#define plugin(name) join(plugins, name)

static void put(const char *name, const char *text)
{
    FILE *f = fopen(ts_at(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* Exit code, and one line on stderr holding every want (NULL-terminated). */
static void expect_one_line(const char *const *args, const char *const *env, int code,
                            const char *const *want)
{
    struct ts_result r = ts_run(args, env, 120);
    if (r.code != code || ts_lines(r.err) != 1)
        fail_msg("serbench %s %s: exit %d (want %d), stderr: %s, stdout: %s", args[0], args[1],
                 r.code, code, r.err, r.out);
    for (; *want; want++)
        if (!strstr(r.err, *want))
            fail_msg("serbench %s %s: stderr '%s' lacks '%s'", args[0], args[1], r.err, *want);
    ts_done(&r);
}

/* The row of strategy in t; fails if there is not exactly one. */
static size_t row_of(const struct ts_table *t, const char *strategy)
{
    size_t found = t->n;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(ts_cell(t, i, "strategy"), strategy) == 0) {
            if (found != t->n)
                fail_msg("two rows for %s", strategy);
            found = i;
        }
    if (found == t->n)
        fail_msg("no row for %s", strategy);
    return found;
}

static int setup(void **state)
{
    (void)state;
    ts_bin = getenv("SERBENCH_BIN");
    micro = getenv("SERBENCH_MICRO_BIN");
    plugins = getenv("SERBENCH_TEST_PLUGINS");
    snprintf(ts_tmp, sizeof(ts_tmp), "/tmp/sb-plugin-XXXXXX");
    return mkdtemp(ts_tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ts_teardown();
    return 0;
}

#define NEED_BINARY()                    \
    do {                                 \
        if (!ts_bin || !micro || !plugins)  \
            skip();                      \
    } while (0)

/* ---- serbench check ------------------------------------------------------- */

static void test_check_good_plugin(void **state)
{
    (void)state;
    NEED_BINARY();
    const char *args[] = {"check", plugin("tp_good.so"), "--quick", NULL};
    struct ts_result r = ts_run(args, NULL, 600);
    if (r.code != 0)
        fail_msg("exit %d:\n%s%s", r.code, r.out, r.err);
    /* 17 conformance cases, 1 model, 2 stress, for each of its two strategies */
    assert_int_equal(count(r.out, "\nPASS  conformance plain_ring/"), 17);
    assert_int_equal(count(r.out, "\nPASS  conformance plain_ring_b/"), 17);
    assert_int_equal(count(r.out, "\nPASS  model       plain_ring/random_ops"), 1);
    assert_int_equal(count(r.out, "\nPASS  stress      plain_ring_b/spsc"), 1);
    /* not multi-producer: that case does not apply, and says so */
    assert_int_equal(count(r.out, "\nSKIP  stress      plain_ring/multi_producer"), 1);
    assert_int_equal(count(r.out, "\nFAIL"), 0);
    assert_non_null(strstr(r.out, "serbench check: 38 passed, 2 skipped, 0 failed: ok\n"));
    /* one line a case: the header, two strategy lines, 40 verdicts, the summary */
    assert_int_equal(ts_lines(r.out), 1 + 2 + 40 + 1);
    ts_done(&r);

    const char *one[] = {"check", plugin("tp_good.so"), "--quick", "--strategy", "plain_ring_b",
                         NULL};
    r = ts_run(one, NULL, 600);
    assert_int_equal(r.code, 0);
    assert_int_equal(count(r.out, " plain_ring/"), 0);
    assert_non_null(strstr(r.out, "serbench check: 19 passed, 1 skipped, 0 failed: ok\n"));
    ts_done(&r);
}

static void test_check_broken_plugin(void **state)
{
    (void)state;
    NEED_BINARY();
    const char *args[] = {"check", plugin("tp_liar.so"), "--quick", NULL};
    struct ts_result r = ts_run(args, NULL, 600);
    assert_int_equal(r.code, 1);
    /* the model and the stress test catch the lost byte and say where */
    const char *model = strstr(r.out, "\nFAIL  model       liar/random_ops");
    const char *stress = strstr(r.out, "\nFAIL  stress      liar/spsc");
    if (!model || !stress)
        fail_msg("no FAIL lines:\n%s", r.out);
    assert_non_null(strstr(model, "used "));
    assert_non_null(strstr(stress, "is wrong"));
    assert_non_null(strstr(r.out, " failed: FAILED\n"));
    ts_done(&r);

    /* a case that crashes fails alone; the others still get their verdict */
    const char *env[] = {"TP_CRASH_AFTER=100000", NULL};
    const char *crash[] = {"check", plugin("tp_crash.so"), "--quick", NULL};
    r = ts_run(crash, env, 600);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.out, "\nFAIL  stress      crashy/spsc"));
    assert_non_null(strstr(r.out, "\nPASS  conformance crashy/ops_table_and_create"));
    ts_done(&r);
}

/* ---- bad input ------------------------------------------------------------ */

static void test_bad_plugins(void **state)
{
    (void)state;
    NEED_BINARY();
    put("notso.so", "not a shared object\n");
    char both[96];
    snprintf(both, sizeof(both), "built for sbuf ABI %u, but this libsbuf is ABI %u",
             SBUF_ABI_VERSION + 1, SBUF_ABI_VERSION);
    static const char *no_env[] = {NULL};
    static const char *abi_ops[] = {"TP_ABI=ops", NULL};
    static const char *crash_create[] = {"TP_CRASH=create", NULL};
    static const char *collide[] = {"TP_GOOD_NAME=ring_spsc", NULL};
    const struct {
        const char *file, *name;
        const char *const *env;
        int code;
        const char *want;
    } bad[] = {
        {ts_at("nonexistent.so"), NULL, no_env, 2, "no such file"},
        {ts_at("notso.so"), NULL, no_env, 2, "not a shared object"},
        {plugin("tp_noentry.so"), NULL, no_env, 2, "no sbuf_plugin_entry"},
        {plugin("tp_abi.so"), NULL, no_env, 2, both},
        {plugin("tp_abi.so"), NULL, abi_ops, 2, both},
        {plugin("tp_good.so"), "nope", no_env, 2, "exports no strategy 'nope'"},
        {plugin("tp_createfail.so"), NULL, no_env, 2, "creating a buffer of"},
        {plugin("tp_needslib.so"), NULL, no_env, 3, "needs libtp_gone.so"},
        {plugin("tp_crash.so"), NULL, crash_create, 2, "while being probed"},
        {plugin("tp_good.so"), NULL, collide, 2, "'ring_spsc' is already registered"},
        {plugin("tp_ownlib.so"), NULL, no_env, 2, "did not see: the plugin carries its own copy"},
    };
    enum { NBAD = sizeof(bad) / sizeof(bad[0]) };
    static char files[NBAD][PATH_MAX]; /* out of join's rotating buffers */
    for (size_t i = 0; i < NBAD; i++)
        snprintf(files[i], sizeof(files[i]), "%s", bad[i].file);
    for (size_t i = 0; i < NBAD; i++) {
        const char *file = files[i];
        /* serbench check PLUGIN [--strategy NAME] */
        const char *check[] = {"check", file, "--quick", bad[i].name ? "--strategy" : NULL,
                               bad[i].name, NULL};
        const char *want[] = {file, bad[i].want, NULL};
        expect_one_line(check, bad[i].env, bad[i].code, want);
        /* serbench run, the plugin in a scenario: the line names the scenario's line too */
        char ini[PATH_MAX + 256];
        if ((size_t)snprintf(ini, sizeof(ini),
                             "[global]\nduration = 100ms\n[j]\nstrategies = ring_spsc, plugin:%s%s%s\n",
                             file, bad[i].name ? ":" : "", bad[i].name ? bad[i].name : "") >=
            sizeof(ini))
            fail_msg("scenario too long");
        put("bad.ini", ini);
        const char *runargs[] = {"run", "bad.ini", "-o", "bad", NULL};
        const char *want_run[] = {"bad.ini:4: ", file, bad[i].want, NULL};
        expect_one_line(runargs, bad[i].env, bad[i].code, want_run);
        struct stat st;
        assert_int_equal(stat(ts_at("bad/runs.csv"), &st), -1); /* nothing ran */
    }
    /* two files exporting the same names, in one job */
    char ini[2 * PATH_MAX + 128], copy[PATH_MAX + 64];
    snprintf(copy, sizeof(copy), "cp '%s' '%s'", plugin("tp_good.so"), ts_at("again_good.so"));
    assert_int_equal(system(copy), 0);
    snprintf(ini, sizeof(ini), "[j]\nduration = 100ms\nstrategies = plugin:%s, plugin:again_good.so\n",
             plugin("tp_good.so"));
    put("twice.ini", ini);
    const char *twice[] = {"run", "twice.ini", NULL};
    const char *want[] = {"twice.ini:1: [j]: two strategies named 'plain_ring'", NULL};
    expect_one_line(twice, NULL, 2, want);
    const char *syntax[] = {"run", "syntax.ini", NULL};
    put("syntax.ini", "[j]\nstrategies = plugin:\n");
    const char *want_syntax[] = {"syntax.ini:2: strategies = plugin:", "no path", NULL};
    expect_one_line(syntax, NULL, 2, want_syntax);
    put("syntax.ini", "[j]\nstrategies = plugin:x.so:bad/name\n");
    const char *want_name[] = {"syntax.ini:2:", "is not a strategy name", NULL};
    expect_one_line(syntax, NULL, 2, want_name);
}

/* ---- serbench run --------------------------------------------------------- */

static void test_run_beside_builtin(void **state)
{
    (void)state;
    NEED_BINARY();
    /* a relative path is relative to the scenario file: sub/s.ini names ../lib/ */
    assert_int_equal(mkdir(ts_at("sub"), 0755), 0);
    assert_int_equal(mkdir(ts_at("lib"), 0755), 0);
    char cmd[2 * PATH_MAX];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", plugin("tp_good.so"), ts_at("lib/libgood.so"));
    assert_int_equal(system(cmd), 0);
    put("sub/s.ini", "[global]\nduration = 200ms\nbuffer = 8KiB\n"
                     "[all]\nstrategies = ring_spsc, plugin:../lib/libgood.so\n"
                     "[one]\nstrategies = plugin:../lib/libgood.so:plain_ring_b, bip\n"
                     "buffer = 1000\n");
    const char *dry[] = {"run", "--dry-run", "sub/s.ini", NULL};
    struct ts_result r = ts_run(dry, NULL, 120);
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    assert_non_null(strstr(r.out, "\n5 runs, about "));
    assert_int_equal(count(r.out, " plain_ring_b "), 2);
    ts_done(&r);

    const char *args[] = {"run", "sub/s.ini", "-o", "out", "-q", "--filter", "job=*", NULL};
    r = ts_run(args, NULL, 300);
    if (r.code != 0) {
        char *csv = ts_slurp(ts_at("out/runs.csv"));
        fail_msg("exit %d: %s\n%s", r.code, r.err, csv ? csv : "");
    }
    ts_done(&r);
    struct ts_table t;
    ts_read_table(ts_at("out/runs.csv"), &t);
    assert_int_equal(t.n, 5);
    char real[PATH_MAX], hex[SB_SHA256_HEX];
    assert_non_null(realpath(ts_at("lib/libgood.so"), real));
    assert_int_equal(sb_sha256_file(real, hex), 0);
    for (size_t i = 0; i < t.n; i++) {
        const char *s = ts_cell(&t, i, "strategy");
        if (strcmp(ts_cell(&t, i, "status"), "ok") != 0)
            fail_msg("%s: %s: %s", s, ts_cell(&t, i, "status"), ts_cell(&t, i, "reason"));
        int from_plugin = strncmp(s, "plain_ring", 10) == 0;
        assert_string_equal(ts_cell(&t, i, "plugin"), from_plugin ? real : "");
        assert_string_equal(ts_cell(&t, i, "plugin_sha256"), from_plugin ? hex : "");
    }
    size_t b = row_of(&t, "bip");
    assert_string_equal(ts_cell(&t, b, "job"), "one");
    row_of(&t, "plain_ring"); /* once: [one] asked for plain_ring_b only */
    ts_free_table(&t);

    char *env = ts_slurp(ts_at("out/env.json"));
    assert_non_null(env);
    assert_non_null(strstr(env, "\"plugins\": ["));
    assert_non_null(strstr(env, hex));
    assert_non_null(strstr(env, "{\"name\": \"plain_ring_b\", \"caps\": \"\"}"));
    free(env);
    char *sum = ts_slurp(ts_at("out/summary.md"));
    assert_non_null(sum);
    assert_non_null(strstr(sum, "| plain_ring_b |"));
    free(sum);

    /* the resolved copy names the plugin by its absolute path: --again runs
     * it from anywhere */
    char *resolved = ts_slurp(ts_at("out/scenarios/s.ini"));
    assert_non_null(resolved);
    char want[2 * PATH_MAX + 128];
    snprintf(want, sizeof(want), "strategies = ring_spsc, plugin:%s:plain_ring, plugin:%s:plain_ring_b\n",
             real, real);
    if (!strstr(resolved, want))
        fail_msg("resolved copy lacks '%s':\n%s", want, resolved);
    free(resolved);
    const char *again[] = {"run", "--again", "out", "-o", "out2", "-q", NULL};
    r = ts_run(again, NULL, 300);
    if (r.code != 0)
        fail_msg("--again: exit %d: %s", r.code, r.err);
    ts_done(&r);
    ts_read_table(ts_at("out2/runs.csv"), &t);
    assert_int_equal(t.n, 5);
    ts_free_table(&t);

    const char *filtered[] = {"run", "--dry-run", "sub/s.ini", "--filter", "strategy=plain_ring_b",
                              NULL};
    r = ts_run(filtered, NULL, 120);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "\n2 runs, about "));
    ts_done(&r);
}

/* A crash mid-run fails its row; a plugin that loses bytes fails its row
 * with the counts; the built-in beside them is untouched. */
static void test_bad_rows(void **state)
{
    (void)state;
    NEED_BINARY();
    char ini[2 * PATH_MAX + 128];
    snprintf(ini, sizeof(ini), "[j]\nduration = 300ms\nstrategies = plugin:%s, plugin:%s, ring_spsc\n",
             plugin("tp_crash.so"), plugin("tp_liar.so"));
    put("rows.ini", ini);
    const char *env[] = {"TP_CRASH_AFTER=200000", NULL};
    const char *args[] = {"run", "rows.ini", "-o", "rows", "-q", NULL};
    struct ts_result r = ts_run(args, env, 300);
    assert_int_equal(r.code, 1);
    ts_done(&r);
    struct ts_table t;
    ts_read_table(ts_at("rows/runs.csv"), &t);
    assert_int_equal(t.n, 3);
    size_t c = row_of(&t, "crashy"), l = row_of(&t, "liar"), k = row_of(&t, "ring_spsc");
    assert_string_equal(ts_cell(&t, c, "status"), "failed");
    assert_non_null(strstr(ts_cell(&t, c, "reason"), SANITIZED ? "child " : "child killed by signal 11"));
    assert_string_equal(ts_cell(&t, l, "status"), "failed");
    assert_non_null(strstr(ts_cell(&t, l, "reason"), "received"));
    assert_string_equal(ts_cell(&t, k, "status"), "ok");
    ts_free_table(&t);
}

/* A job whose frames can never fit a plugin's buffer is refused before
 * anything runs (--dry-run included), as for a built-in strategy.  (The
 * probe's measured capacity is what matrix.c holds a plugin to; the test
 * plugins round nothing, so the loader's own check speaks first here.) */
static void test_unfit_plugin_refused(void **state)
{
    (void)state;
    NEED_BINARY();
    char ini[PATH_MAX + 128];
    snprintf(ini, sizeof(ini), "[big]\nduration = 100ms\nbuffer = 4KiB\nmessage = fixed:8192\n"
             "strategies = plugin:%s\n", plugin("tp_good.so"));
    put("unfit.ini", ini);
    const char *args[] = {"run", "unfit.ini", "--dry-run", NULL};
    ts_expect_error(args, NULL, 2, "never fit");
}

/* A run's child refuses a plugin whose file changed since the probe. */
static void test_changed_plugin(void **state)
{
    (void)state;
    NEED_BINARY();
    struct sb_run_params p;
    memset(&p, 0, sizeof(p));
    snprintf(p.plugin, sizeof(p.plugin), "%s", plugin("tp_good.so"));
    snprintf(p.plugin_sha256, sizeof(p.plugin_sha256), "%064d", 0);
    snprintf(p.strategy, sizeof(p.strategy), "plain_ring");
    char why[SB_REASON_MAX];
    assert_int_equal(sb_plugin_load_for_run(&p, why, sizeof(why)), 2);
    assert_non_null(strstr(why, "changed since the suite probed it"));
}

/* ---- serbench-micro --plugin --------------------------------------------- */

static void test_micro_plugin(void **state)
{
    (void)state;
    NEED_BINARY();
    const char *good[] = {"--plugin", plugin("tp_good.so"),
                          "--benchmark_filter=^(copy|zc)/plain_ring_b/4096|stream/plain_ring_b/64",
                          "--benchmark_min_time=0.002", NULL};
    struct ts_result r = ts_run_exe(micro, good, NULL, 300);
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    assert_non_null(strstr(r.out, "copy/plain_ring_b/4096"));
    assert_non_null(strstr(r.out, "zc/plain_ring_b/4096"));
    assert_non_null(strstr(r.out, "stream/plain_ring_b/64"));
    ts_done(&r);
    /* held to the same checks: wrong data fails the run */
    char eq[PATH_MAX + 16];
    snprintf(eq, sizeof(eq), "--plugin=%s", plugin("tp_liar.so"));
    /* it loses a byte only when more is buffered than it releases: stream */
    const char *liar[] = {eq, "--benchmark_filter=^stream/liar/64", "--benchmark_min_time=0.05",
                          NULL};
    r = ts_run_exe(micro, liar, NULL, 300);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "FAILED"));
    ts_done(&r);
    const char *missing[] = {"--plugin", plugin("tp_needslib.so"), NULL};
    r = ts_run_exe(micro, missing, NULL, 60);
    assert_int_equal(r.code, 3);
    assert_int_equal(ts_lines(r.err), 1);
    ts_done(&r);
    const char *bad[] = {"--plugin", ts_at("nonexistent.so"), NULL};
    r = ts_run_exe(micro, bad, NULL, 60);
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "nonexistent.so: no such file"));
    ts_done(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_good_plugin),
        cmocka_unit_test(test_check_broken_plugin),
        cmocka_unit_test(test_bad_plugins),
        cmocka_unit_test(test_run_beside_builtin),
        cmocka_unit_test(test_bad_rows),
        cmocka_unit_test(test_unfit_plugin_refused),
        cmocka_unit_test(test_changed_plugin),
        cmocka_unit_test(test_micro_plugin),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
