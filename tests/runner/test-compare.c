/*
 * test-compare.c - serbench compare and serbench baseline through the
 * built binary, on crafted result directories: every exit code (0, 1, 2,
 * 4, 5; 3 is the gate's, test-gate.c), their precedence, one-line errors
 * naming the file, and the reports (Markdown, JSON, Bencher Metric
 * Format).  The data are synthetic, so nothing here depends on timing.
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "tfile.h"
#include "tserbench.h"


/* ---- crafting result directories ---------------------------------------------- */

/* The value of key in "k=v k=v" overrides, or NULL. */
static const char *lookup(const char *ov, const char *key, char *buf, size_t len)
{
    size_t kl = strlen(key);
    for (const char *p = ov; p && *p;) {
        while (*p == ' ')
            p++;
        const char *sp = strchr(p, ' ');
        size_t n = sp ? (size_t)(sp - p) : strlen(p);
        if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            snprintf(buf, len, "%.*s", (int)(n - kl - 1), p + kl + 1);
            return buf;
        }
        p += n;
    }
    return NULL;
}

static const char *default_of(const char *col)
{
    static const char *const d[][2] = {
        {"status", "ok"},          {"scenario", "t"},           {"job", "small"},
        {"strategy", "ring_spsc"}, {"allocator", "glibc"},      {"transport", "mem"},
        {"cfg_peer", "echo"},      {"job_hash", "00000000000000aa"}, {"starved", "0"},
        {"mb_per_s", "100"},       {"msgs_per_s", "1000000"},   {"cpu_user_s", "0.5"},
        {"cpu_sys_s", "0.1"},      {"msgs_recv", "100000"},     {"msgs_sent", "100000"},
        {"lat_p50_ns", "1000"},    {"lat_p99_ns", "5000"},      {"lat_p999_ns", "10000"},
        {"peak_rss_kb", "4000"},   {"cpu_pct", "120"},          {"buf_allocations", "2"},
        {"reason", ""},            {"inject", ""},              {"starved_reason", ""},
        {"allocator_seen", "glibc"},
    };
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
        if (strcmp(d[i][0], col) == 0)
            return d[i][1];
    return "0";
}

/* Columns that wobble from run to run (multiplied by vary). */
static int varies(const char *col)
{
    static const char *const v[] = {"mb_per_s", "msgs_per_s", "cpu_user_s", "lat_p50_ns",
                                    "lat_p99_ns", "lat_p999_ns"};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (strcmp(v[i], col) == 0)
            return 1;
    return 0;
}

/* One runs.csv row: the defaults, overridden by ov, wobbling columns x vary. */
static void emit(FILE *f, const char *ov, double vary)
{
    size_t n = sb_csv_column_count();
    for (size_t i = 0; i < n; i++) {
        const char *col = sb_csv_column_at(i)->name;
        char buf[256], num[64];
        const char *v = lookup(ov, col, buf, sizeof(buf));
        if (!v && strcmp(col, "schema_version") == 0) {
            snprintf(num, sizeof(num), "%d", SB_CSV_SCHEMA_VERSION);
            v = num;
        }
        if (!v)
            v = default_of(col);
        if (varies(col) && *v) {
            snprintf(num, sizeof(num), "%.9g", strtod(v, NULL) * vary);
            v = num;
        }
        fprintf(f, "%s%s", i ? "," : "", v);
    }
    fputc('\n', f);
}

static void header(FILE *f)
{
    char h[8192];
    assert_int_equal(sb_csv_header(h, sizeof(h)), 0);
    fputs(h, f);
}

static void env(const char *dir, const char *hash, const char *cpu)
{
    char path[PATH_MAX + 64], text[512];
    snprintf(text, sizeof(text),
             "{\"env_hash\": \"%s\", \"env_hash_of\": [\"cpu_model\", \"compiler\"], "
             "\"cpu_model\": \"%s\", \"compiler\": \"gcc 12\", \"git_commit\": \"abc\", "
             "\"inject\": null}\n",
             hash, cpu);
    assert_int_equal(tfile_write(dir, "env.json", text, path, sizeof(path)), 0);
}

/* A result directory ts_tmp/name with n runs of each cell in ov[] (NULL-ended). */
static const char *side(const char *name, const char *hash, size_t n, const char *const *ov)
{
    const char *dir = ts_at(name);
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(mkdir(dir, 0755), 0);
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    header(f);
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; ov[c]; c++)
            emit(f, ov[c], 1.0 + 0.004 * ((double)((r * 7) % n) / (double)(n > 1 ? n - 1 : 1) - 0.5));
    assert_int_equal(fclose(f), 0);
    if (hash)
        env(dir, hash, "CPU A");
    return dir;
}

static struct ts_result sb(const char *a1, const char *a2, const char *a3, const char *a4,
                        const char *a5)
{
    const char *args[] = {a1, a2, a3, a4, a5, NULL};
    return ts_run(args, NULL, 60);
}

static void expect(struct ts_result r, int code, const char *in_out, const char *in_err)
{
    if (r.code != code)
        fail_msg("exit %d, wanted %d\nstdout: %s\nstderr: %s", r.code, code, r.out, r.err);
    if (in_out && !strstr(r.out, in_out))
        fail_msg("stdout lacks '%s':\n%s", in_out, r.out);
    if (in_err && !strstr(r.err, in_err))
        fail_msg("stderr lacks '%s':\n%s", in_err, r.err);
    ts_done(&r);
}

/* An error: one line on stderr holding want. */
static void expect_error(struct ts_result r, int code, const char *want)
{
    if (r.code != code || ts_lines(r.err) != 1 || !strstr(r.err, want))
        fail_msg("exit %d (wanted %d), stderr '%s' (wanted one line with '%s')", r.code, code,
                 r.err, want);
    ts_done(&r);
}

static const char *const two_cells[] = {"strategy=ring_spsc", "strategy=bip", NULL};

/* ---- exit 0, 1, 5 ------------------------------------------------------------------ */

static void unchanged_is_0(void **state)
{
    (void)state;
    const char *b = side("b0", "e1", 10, two_cells), *n = side("n0", "e1", 10, two_cells);
    expect(sb("compare", b, n, NULL, NULL), 0, "no regression (exit 0)", NULL);
}

static void regression_is_1(void **state)
{
    (void)state;
    const char *slow[] = {"strategy=ring_spsc mb_per_s=80", "strategy=bip", NULL};
    const char *b = side("b1", "e1", 10, two_cells), *n = side("n1", "e1", 10, slow);
    struct ts_result r = sb("compare", b, n, "--json", NULL);
    assert_int_equal(r.code, 1);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    if (!j)
        fail_msg("--json is not JSON (%s): %s", je.text, r.out);
    assert_string_equal(json_string_value(json_object_get(j, "verdict")), "regression");
    json_t *cells = json_object_get(j, "cells");
    assert_int_equal(json_array_size(cells), 2); /* every cell, not only the changed */
    size_t i;
    json_t *c;
    int seen = 0;
    json_array_foreach(cells, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *v = json_string_value(json_object_get(c, "verdict"));
        if (strstr(name, "ring_spsc")) {
            assert_string_equal(v, "regressed");
            seen = 1;
        } else {
            assert_string_equal(v, "unchanged");
        }
    }
    assert_true(seen);
    json_decref(j);
    ts_done(&r);
    /* the Markdown: the regression first, before, after, ratio, p, why */
    r = sb("compare", b, n, NULL, NULL);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.out, "| **regressed** | t/small · ring_spsc · glibc · mem | MB/s | 100 | 80"));
    assert_null(strstr(r.out, "| unchanged"));
    assert_non_null(strstr(r.out, "20.0 % lower (threshold 5 %)"));
    ts_done(&r);
    /* thresholds are per metric: 25 % lets MB/s's 20 % through (MB/CPU-s still fails) */
    r = sb("compare", b, n, "--threshold", "mb_per_s=25");
    assert_int_equal(r.code, 1);
    assert_null(strstr(r.out, "| MB/s |"));
    assert_non_null(strstr(r.out, "| MB/CPU-s |"));
    ts_done(&r);
}

static void failed_in_new_is_1(void **state)
{
    (void)state;
    const char *bad[] = {"strategy=ring_spsc", "strategy=bip", NULL};
    const char *b = side("b2", "e1", 10, two_cells);
    const char *n = side("n2", "e1", 10, bad);
    /* one more row: a failed run of ring_spsc */
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/runs.csv", n);
    FILE *f = fopen(path, "a");
    emit(f, "strategy=ring_spsc status=failed reason=crc_errors=3", 1.0);
    fclose(f);
    expect(sb("compare", b, n, NULL, NULL), 1, "1 of 11 runs failed in NEW, none in BASE: crc_errors=3", NULL);
    /* failed in BASE too: not a regression of NEW */
    snprintf(path, sizeof(path), "%s/runs.csv", b);
    f = fopen(path, "a");
    emit(f, "strategy=ring_spsc status=failed reason=x", 1.0);
    fclose(f);
    expect(sb("compare", b, n, NULL, NULL), 0, NULL, NULL);
}

static void exact_counter_is_1_and_beats_5(void **state)
{
    (void)state;
    /* 3 runs a side: every measured metric is inconclusive (too few), but
     * one extra allocation a message is exact: 1 wins over 5 */
    const char *one[] = {"strategy=ring_spsc harness_allocations=100000", NULL};
    const char *zero[] = {"strategy=ring_spsc", NULL};
    const char *b = side("b3", "e1", 3, zero), *n = side("n3", "e1", 3, one);
    expect(sb("compare", b, n, NULL, NULL), 1, "harness allocs/msg", NULL);
    /* and back: an improvement, with the measured ones still inconclusive */
    expect(sb("compare", n, b, NULL, NULL), 5, "improved", NULL);
}

static void too_few_and_starved_are_5(void **state)
{
    (void)state;
    const char *b = side("b4", "e1", 3, two_cells), *n = side("n4", "e1", 3, two_cells);
    expect(sb("compare", b, n, NULL, NULL), 5, "too few runs: BASE 3, NEW 3", NULL);
    const char *st[] = {"strategy=ring_spsc starved=1", NULL};
    b = side("b5", "e1", 10, st);
    n = side("n5", "e1", 10, st);
    expect(sb("compare", b, n, NULL, NULL), 5, "20 starved runs left out", NULL);
    /* --keep-starved uses them */
    expect(sb("compare", b, n, "--keep-starved", NULL), 0, NULL, NULL);
}

/* ---- exit 4 ------------------------------------------------------------------------- */

static void not_comparable_is_4(void **state)
{
    (void)state;
    const char *b = side("b6", "e1", 10, two_cells), *n = side("n6", "e2", 10, two_cells);
    env(n, "e2", "CPU B");
    expect_error(sb("compare", b, n, NULL, NULL), 4, "cpu_model \"CPU A\" vs \"CPU B\"");
    expect(sb("compare", b, n, "--force", NULL), 0, "compared because of --force", NULL);
    /* no cell in common */
    const char *other[] = {"job=large", NULL};
    n = side("n7", "e1", 10, other);
    expect(sb("compare", b, n, NULL, NULL), 4, "only in NEW", NULL);
    /* a different job definition: listed, not compared */
    const char *redefined[] = {"strategy=ring_spsc job_hash=00000000000000bb", "strategy=bip", NULL};
    n = side("n8", "e1", 10, redefined);
    expect(sb("compare", b, n, NULL, NULL), 0, "job definition differs", NULL);
    /* no env.json: comparability unknown */
    n = side("n9", NULL, 10, two_cells);
    expect_error(sb("compare", b, n, NULL, NULL), 4, "no env.json");
}

/* ---- exit 2 and precedence --------------------------------------------------------- */

static void bad_input_is_2(void **state)
{
    (void)state;
    const char *b = side("b10", "e1", 5, two_cells);
    expect_error(sb("compare", b, ts_at("nope"), NULL, NULL), 2, "nope: No such file");
    mkdir(ts_at("empty"), 0755);
    expect_error(sb("compare", b, ts_at("empty"), NULL, NULL), 2, "empty directory");
    char path[PATH_MAX + 64];
    /* ragged: a row with a field fewer */
    const char *n = side("n10", "e1", 5, two_cells);
    snprintf(path, sizeof(path), "%s/runs.csv", n);
    FILE *f = fopen(path, "a");
    fputs("2,ok,\n", f);
    fclose(f);
    expect_error(sb("compare", b, n, NULL, NULL), 2, "runs.csv:12: 3 fields");
    /* truncated: the last line torn */
    n = side("n11", "e1", 5, two_cells);
    snprintf(path, sizeof(path), "%s/runs.csv", n);
    f = fopen(path, "a");
    fputs("2,ok,\"half", f);
    fclose(f);
    expect_error(sb("compare", b, n, NULL, NULL), 2, "runs.csv:12: damaged or torn row");
    /* an unknown schema_version */
    const char *v9[] = {"schema_version=99", NULL};
    n = side("n12", "e1", 5, v9);
    expect_error(sb("compare", b, n, NULL, NULL), 2, "schema_version 99");
    /* a damaged env.json */
    n = side("n13", "e1", 5, two_cells);
    assert_int_equal(tfile_write(n, "env.json", "{\"env_hash\": ", path, sizeof(path)), 0);
    expect_error(sb("compare", b, n, NULL, NULL), 2, "damaged env.json");
    /* JSON that is not serbench-micro's */
    assert_int_equal(tfile_write(ts_tmp, "other.json", "{\"benchmarks\": []}", path, sizeof(path)), 0);
    expect_error(sb("compare", path, path, NULL, NULL), 2, "not serbench-micro's JSON");
    assert_int_equal(tfile_write(ts_tmp, "text.json", "hello", path, sizeof(path)), 0);
    expect_error(sb("compare", path, path, NULL, NULL), 2, "not JSON");
    /* a baseline that does not exist */
    expect_error(sb("compare", "baseline:nosuch", b, NULL, NULL), 2, "no baseline named 'nosuch'");
    /* a directory against a JSON file */
    assert_int_equal(tfile_write(ts_tmp, "i.json",
                                 "{\"format\": \"serbench-instructions\", \"env_hash\": \"e1\", "
                                 "\"benchmarks\": [{\"name\": \"x\", \"instructions_per_op\": 1}]}",
                                 path, sizeof(path)), 0);
    expect_error(sb("compare", b, path, NULL, NULL), 2, "not the same kind");
    /* usage */
    expect_error(sb("compare", b, NULL, NULL, NULL), 2, "expected BASE and NEW");
    expect_error(sb("compare", b, b, "--threshold", "nosuch=5"), 2, "unknown metric 'nosuch'");
    expect_error(sb("compare", b, b, "--alpha", "2"), 2, "--alpha");
    /* precedence: bad input (2) beats not comparable (4) */
    const char *e2 = side("n14", "e2", 5, two_cells);
    env(e2, "e2", "CPU B");
    expect_error(sb("compare", e2, ts_at("nope"), NULL, NULL), 2, "nope");
}

static void precedence_4_over_1(void **state)
{
    (void)state;
    const char *slow[] = {"strategy=ring_spsc mb_per_s=50", "strategy=bip", NULL};
    const char *b = side("b15", "e1", 10, two_cells), *n = side("n15", "e2", 10, slow);
    env(n, "e2", "CPU B");
    expect_error(sb("compare", b, n, NULL, NULL), 4, "not comparable");
}

/* ---- reports --------------------------------------------------------------------------- */

static void bmf_and_markdown_file(void **state)
{
    (void)state;
    const char *b = side("b16", "e1", 10, two_cells), *n = side("n16", "e1", 10, two_cells);
    struct ts_result r = sb("compare", b, n, "--bmf", NULL);
    assert_int_equal(r.code, 0);
    json_t *j = json_loads(r.out, 0, NULL);
    assert_non_null(j);
    json_t *cell = json_object_get(j, "t/small/bip/glibc/mem/echo");
    assert_non_null(cell);
    json_t *tp = json_object_get(cell, "mb_per_s");
    assert_true(fabs(json_number_value(json_object_get(tp, "value")) - 100) < 1);
    assert_non_null(json_object_get(tp, "lower_value"));
    json_decref(j);
    ts_done(&r);
    const char *md = ts_at("summary.md");
    expect(sb("compare", b, n, "--markdown", md), 0, NULL, NULL);
    expect(sb("compare", b, n, "--markdown", md), 0, NULL, NULL);
    char *s = ts_slurp(md);
    assert_non_null(s);
    char *first = strstr(s, "### serbench compare");
    assert_non_null(first);
    assert_non_null(strstr(first + 1, "### serbench compare")); /* appended */
    free(s);
}

/* ---- micro JSON ---------------------------------------------------------------------- */

static const char *gbench(const char *name, double cpu)
{
    char text[4096];
    size_t o = (size_t)snprintf(text, sizeof(text),
                                "{\"context\": {\"executable\": \"build/serbench-micro\", "
                                "\"num_cpus\": 2, \"library_build_type\": \"release\"},\n"
                                " \"benchmarks\": [");
    for (int i = 0; i < 8; i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o,
                              "%s{\"name\": \"copy/bip/64\", \"run_name\": \"copy/bip/64\", "
                              "\"run_type\": \"iteration\", \"cpu_time\": %g, \"time_unit\": "
                              "\"ns\", \"allocs_per_iter\": 0}",
                              i ? ",\n" : "", cpu * (1 + 0.002 * (i % 3)));
    snprintf(text + o, sizeof(text) - o,
             ",\n{\"name\": \"copy/bip/64_median\", \"run_name\": \"copy/bip/64\", "
             "\"run_type\": \"aggregate\", \"cpu_time\": 1, \"time_unit\": \"ns\"}]}\n");
    static char path[4][PATH_MAX + 64];
    static int k;
    k = (k + 1) % 4;
    assert_int_equal(tfile_write(ts_tmp, name, text, path[k], sizeof(path[k])), 0);
    return path[k];
}

static const char *instr(const char *name, double v, const char *hash)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "{\"format\": \"serbench-instructions\", \"version\": 1, \"env_hash\": \"%s\", "
             "\"env\": {\"compiler\": \"gcc %s\"}, \"benchmarks\": [{\"name\": \"zc/bip/64\", "
             "\"instructions_per_op\": %g, \"samples\": [%g, %g]}]}\n",
             hash, hash, v, v, v);
    static char path[4][PATH_MAX + 64];
    static int k;
    k = (k + 1) % 4;
    assert_int_equal(tfile_write(ts_tmp, name, text, path[k], sizeof(path[k])), 0);
    return path[k];
}

static void micro_json(void **state)
{
    (void)state;
    const char *a = gbench("a.json", 100), *b = gbench("b.json", 100.1),
               *c = gbench("c.json", 130);
    expect(sb("compare", a, b, NULL, NULL), 0, NULL, NULL);
    expect(sb("compare", a, c, NULL, NULL), 1, "CPU ns/iter", NULL);
    const char *i1 = instr("i1.json", 1000, "h1"), *i2 = instr("i2.json", 1005, "h1"),
               *i3 = instr("i3.json", 1100, "h1"), *i4 = instr("i4.json", 1000, "h2");
    expect(sb("compare", i1, i2, NULL, NULL), 0, NULL, NULL);
    expect(sb("compare", i1, i3, NULL, NULL), 1, "instructions/op", NULL);
    expect_error(sb("compare", i1, i4, NULL, NULL), 4, "compiler");
}

/* ---- baseline save ----------------------------------------------------------------- */

static void baseline_save(void **state)
{
    (void)state;
    const char *b = side("b17", "e1", 10, two_cells), *n = side("n17", "e1", 10, two_cells);
    expect(sb("baseline", "save", "main", b, NULL), 0, NULL, "saved");
    expect(sb("compare", "baseline:main", n, NULL, NULL), 0, NULL, NULL);
    expect_error(sb("baseline", "save", "main", b, NULL), 2, "already exists");
    expect(sb("baseline", "save", "main", n, "--force"), 0, NULL, NULL);
    expect(sb("baseline", "list", NULL, NULL, NULL), 0, "main\n", NULL);
    const char *inj[] = {"inject=alloc:1", NULL};
    const char *x = side("b18", "e1", 5, inj);
    expect_error(sb("baseline", "save", "fake", x, NULL), 2, "--inject");
    expect_error(sb("baseline", "save", "../up", b, NULL), 2, "a baseline name");
    expect_error(sb("baseline", "save", "other", ts_at("nope"), NULL), 2, "nope");
}

/* README's metric table is `serbench help metrics`, row for row. */
static void readme_has_the_metric_table(void **state)
{
    (void)state;
    const char *src = getenv("SERBENCH_SOURCE_DIR");
    if (!src)
        skip();
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/README.md", src);
    char *readme = ts_slurp(path);
    assert_non_null(readme);
    struct ts_result r = sb("help", "metrics", NULL, NULL, NULL);
    assert_int_equal(r.code, 0);
    size_t rows = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n"), rows++)
        if (!strstr(readme, line))
            fail_msg("README.md lacks the metrics row: %s (regenerate it from serbench help "
                     "metrics)", line);
    assert_true(rows > 10);
    ts_done(&r);
    free(readme);
}

static int setup(void **state)
{
    (void)state;
    return ts_setup("sb-compare");
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
        cmocka_unit_test(unchanged_is_0),
        cmocka_unit_test(regression_is_1),
        cmocka_unit_test(failed_in_new_is_1),
        cmocka_unit_test(exact_counter_is_1_and_beats_5),
        cmocka_unit_test(too_few_and_starved_are_5),
        cmocka_unit_test(not_comparable_is_4),
        cmocka_unit_test(bad_input_is_2),
        cmocka_unit_test(precedence_4_over_1),
        cmocka_unit_test(bmf_and_markdown_file),
        cmocka_unit_test(micro_json),
        cmocka_unit_test(baseline_save),
        cmocka_unit_test(readme_has_the_metric_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
