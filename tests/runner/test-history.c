/*
 * test-history.c - results/history.sqlite: a result directory in and out
 * again (every runs.csv column), a suite imported twice kept once, trends
 * per commit with a change point on a synthetic series, the baseline of
 * compare history:N, serbench run appending its suite, bad input (one line,
 * exit 2), a locked database waited for, and a writer killed in the middle
 * of its transaction leaving a valid file with whole suites only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "cells.h"
#include "history.h"
#include "resultdir.h"
#include "runsread.h"
#include "tserbench.h"

static char fixed[PATH_MAX]; /* tests/runner/data/report: a real suite's directory */

/* A scratch path that stays put (ts_at's buffers rotate). */
#define LOCAL(var, name)                                                                       \
    char var[PATH_MAX + 256];                                                                  \
    snprintf(var, sizeof(var), "%s", ts_at(name))

#define NEED_BINARY()                                                                          \
    do {                                                                                       \
        if (!ts_bin)                                                                           \
            skip();                                                                            \
    } while (0)

static long long count(const char *db, const char *sql)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

static void sql(const char *db, const char *text)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(h, text, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", text, msg ? msg : "?");
    sqlite3_close(h);
}

/*
 * A synthetic result directory: one cell (synth / job / ring_spsc / glibc /
 * mem), 5 repeats around mbps, at commit/created; env.json from the fixed
 * suite's with those fields changed.
 */
static void synth_dir(const char *dir, const char *commit, const char *when, double mbps,
                      int schema)
{
    ts_sh("mkdir -p '%s/scenarios'", dir);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/env.json", fixed);
    json_t *env = json_load_file(path, 0, NULL);
    assert_non_null(env);
    json_object_set_new(env, "git_commit", json_string(commit));
    json_object_set_new(env, "git_branch", json_string("main"));
    json_object_set_new(env, "git_commit_utc", json_string(when));
    json_object_set_new(env, "created_utc", json_string(when));
    json_object_set_new(env, "csv_schema_version", json_integer(schema));
    json_t *sc = json_array();
    json_array_append_new(sc, json_string("scenarios/synth.ini"));
    json_object_set_new(env, "scenarios", sc);
    snprintf(path, sizeof(path), "%s/env.json", dir);
    assert_int_equal(json_dump_file(env, path, JSON_INDENT(2)), 0);
    json_decref(env);
    snprintf(path, sizeof(path), "%s/scenarios/synth.ini", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[job]\nstrategies = ring_spsc\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/runs.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("schema_version,status,reason,started_utc,scenario,job,strategy,allocator,transport,"
          "repeat,cfg_peer,mb_per_s,cpu_pct,lat_p50_ns,starved\n",
          f);
    static const double wobble[5] = {1.0, 1.01, 0.99, 1.02, 0.98};
    for (int r = 0; r < 5; r++)
        fprintf(f, "%d,ok,,%s,synth,job,ring_spsc,glibc,mem,%d,echo,%.4f,150,%d,0\n", schema,
                when, r, mbps * wobble[r], 1000 + r);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    if (ts_setup("test-history") < 0)
        return 0; /* tests skip */
    snprintf(fixed, sizeof(fixed), "%s/tests/runner/data/report", ts_src);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ts_teardown();
    return 0;
}

/* Every run of the fixed suite, every column, comes back as it went in. */
static void test_round_trip(void **state)
{
    (void)state;
    NEED_BINARY();
    LOCAL(db, "round.sqlite");
    const char *imp[] = {"history", "import", fixed, "--history", db, NULL};
    struct ts_result r = ts_run(imp, NULL, 60);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "added as suite 1"));
    ts_done(&r);
    r = ts_run(imp, NULL, 60); /* the same directory again: kept once */
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "already kept as suite 1"));
    ts_done(&r);
    assert_int_equal(count(db, "SELECT count(*) FROM suites"), 1);
    {
        sqlite3 *h;
        assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
    assert_int_equal(count(db, "PRAGMA user_version"), SB_HISTORY_SCHEMA);

    char runs_path[PATH_MAX + 16];
    snprintf(runs_path, sizeof(runs_path), "%s/runs.csv", fixed);
    struct sb_runs orig;
    struct sb_err err = {0};
    assert_int_equal(sb_runs_read(runs_path, &orig, &err), 0);
    assert_int_equal(count(db, "SELECT count(*) FROM runs"), (long long)orig.nrows);

    /* the baseline of the same scenario and environment: the suite itself */
    struct sb_history *h;
    assert_int_equal(sb_history_open(db, SB_HISTORY_READ, &h, &err), 0);
    struct sb_dirinfo d;
    assert_int_equal(sb_dirinfo_read(fixed, &d, &err), 0);
    assert_string_equal(d.suite, "report-sample");
    assert_int_equal(strlen(d.env_hash), 16);
    assert_int_equal(strlen(d.scenario_hash), 16);
    struct sb_runs back;
    size_t ns = 0;
    assert_int_equal(sb_history_baseline(h, d.env_hash, d.suite, NULL, 3, &back, &ns, &err), 0);
    assert_int_equal(ns, 1);
    assert_int_equal(back.nrows, orig.nrows);
    for (size_t c = 0; c < orig.ncols; c++) {
        int bc = sb_runs_col(&back, orig.name[c]);
        if (bc < 0)
            continue; /* a column this build does not write */
        for (size_t i = 0; i < orig.nrows; i++)
            if (strcmp(sb_runs_get(&orig, i, (int)c), sb_runs_get(&back, i, bc)) != 0)
                fail_msg("row %zu column %s: '%s' came back as '%s'", i + 1, orig.name[c],
                         sb_runs_get(&orig, i, (int)c), sb_runs_get(&back, i, bc));
    }
    sb_runs_free(&back);
    /* leaving the suite itself out (compare history:N against NEW) leaves nothing */
    assert_int_equal(sb_history_baseline(h, d.env_hash, d.suite, d.uid, 3, &back, &ns, &err), 0);
    assert_int_equal(ns, 0);
    assert_int_equal(back.nrows, 0);
    sb_runs_free(&back);

    /* the trend's one point is the cell's median and interval (cells.csv) */
    struct sb_hmetric m;
    assert_int_equal(sb_history_metric("mb_per_s", &m, &err), 0);
    struct sb_hseries *s;
    size_t n;
    struct sb_hfilter f = {.job = "paced", .strategy = "ring_spsc"};
    assert_int_equal(sb_history_trends(h, &f, &m, &s, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].n, 1);
    struct sb_cellstat *cells;
    size_t nc;
    assert_int_equal(sb_cells_compute(&orig, &cells, &nc), 0);
    int found = 0;
    for (size_t i = 0; i < nc; i++)
        if (strcmp(cells[i].key[1], "paced") == 0 && strcmp(cells[i].key[2], "ring_spsc") == 0) {
            found = 1;
            assert_float_equal(s[0].pts[0].median, cells[i].m[SB_CM_MB_PER_S].median, 1e-9);
            assert_float_equal(s[0].pts[0].lo, cells[i].m[SB_CM_MB_PER_S].lo, 1e-9);
            assert_float_equal(s[0].pts[0].hi, cells[i].m[SB_CM_MB_PER_S].hi, 1e-9);
            assert_int_equal(s[0].pts[0].runs, cells[i].n);
        }
    assert_true(found);
    sb_cells_free(cells, nc);
    sb_history_trends_free(s, n);
    sb_history_close(h);
    sb_dirinfo_free(&d);
    sb_runs_free(&orig);

    /* the suite list, and the trend as text */
    const char *list[] = {"history", "suites", "--history", db, NULL};
    r = ts_run(list, NULL, 30);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "report-sample"));
    ts_done(&r);
    const char *trend[] = {"history", "--history", db, "--job", "paced", "--metric",
                           "lat_p99_ns", NULL};
    r = ts_run(trend, NULL, 30);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "report-sample / paced / bip / glibc / mem"));
    assert_non_null(strstr(r.out, "lat_p99_ns (ns)"));
    ts_done(&r);
}

/* Ten commits, a step down of a fifth at the sixth: marked there, as a regression. */
static void test_trend_and_change_point(void **state)
{
    (void)state;
    NEED_BINARY();
    LOCAL(db, "trend.sqlite");
    const char *args[20] = {"history", "import", "--history", db};
    char dirs[10][64];
    int na = 4;
    for (int i = 0; i < 10; i++) {
        char commit[48], when[32];
        snprintf(commit, sizeof(commit), "%02d00000000000000000000000000000000000000", i);
        snprintf(when, sizeof(when), "2026-12-%02dT10:00:00Z", i + 1);
        snprintf(dirs[i], sizeof(dirs[i]), "synth-%d", i);
        synth_dir(ts_at(dirs[i]), commit, when, i < 5 ? 100.0 : 80.0, 2);
        args[na++] = dirs[i];
    }
    args[na] = NULL;
    struct ts_result r = ts_run(args, NULL, 60);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    struct sb_history *h;
    struct sb_err err = {0};
    assert_int_equal(sb_history_open(db, SB_HISTORY_READ, &h, &err), 0);
    struct sb_hmetric m;
    assert_int_equal(sb_history_metric("mb_per_s", &m, &err), 0);
    struct sb_hseries *s;
    size_t n;
    assert_int_equal(sb_history_trends(h, NULL, &m, &s, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].n, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(s[0].pts[i].runs, 5);
        assert_int_equal(s[0].pts[i].suites, 1);
        assert_int_equal(s[0].pts[i].change, i == 5);
        assert_float_equal(s[0].pts[i].median, i < 5 ? 100.0 : 80.0, 1e-9);
        assert_float_equal(s[0].pts[i].lo, i < 5 ? 98.0 : 78.4, 1e-9);
    }
    assert_float_equal(s[0].pts[5].rel, -0.2, 1e-9);
    sb_history_trends_free(s, n);
    /* MB per CPU-second: mb_per_s / (cpu_pct / 100) */
    assert_int_equal(sb_history_metric("mb_per_cpu_s", &m, &err), 0);
    assert_int_equal(sb_history_trends(h, NULL, &m, &s, &n, &err), 0);
    assert_float_equal(s[0].pts[0].median, 100.0 / 1.5, 1e-9);
    sb_history_trends_free(s, n);
    /* a runs.csv column as the metric */
    assert_int_equal(sb_history_metric("repeat", &m, &err), 0);
    assert_int_equal(sb_history_trends(h, NULL, &m, &s, &n, &err), 0);
    assert_float_equal(s[0].pts[0].median, 2, 1e-9);
    sb_history_trends_free(s, n);
    sb_history_close(h);

    const char *show[] = {"history", "--history", db, NULL};
    r = ts_run(show, NULL, 30);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "step -20.0 % (100 -> 80): regression"));
    ts_done(&r);

    /* the trend page: tables always, plots with gnuplot */
    const char *html[] = {"history", "--history", db, "--html", "trends", NULL};
    r = ts_run(html, NULL, 60);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    char *page = ts_slurp(ts_at("trends/index.html"));
    assert_non_null(page);
    assert_non_null(strstr(page, "synth / job / ring_spsc / glibc / mem"));
    assert_non_null(strstr(page, "step -20.0 %"));
    free(page);

    /* history:N's baseline: the last 3 suites before the newest */
    const char *base[] = {"history", "baseline", dirs[9], "-o", "base", "--last", "3",
                          "--history", db, NULL};
    r = ts_run(base, NULL, 30);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    struct sb_runs b;
    assert_int_equal(sb_runs_read(ts_at("base/runs.csv"), &b, &err), 0);
    assert_int_equal(b.nrows, 15);
    int sc = sb_runs_col(&b, "started_utc");
    assert_string_equal(sb_runs_get(&b, 0, sc), "2026-12-09T10:00:00Z"); /* newest first */
    assert_string_equal(sb_runs_get(&b, 14, sc), "2026-12-07T10:00:00Z");
    sb_runs_free(&b);
    struct stat st;
    assert_int_equal(stat(ts_at("base/env.json"), &st), 0);
}

/* Bad input: one line, exit 2; nothing written into a file that is not ours. */
static void test_bad_input(void **state)
{
    (void)state;
    NEED_BINARY();
    /* not an SQLite file */
    LOCAL(junk, "junk.sqlite");
    FILE *f = fopen(junk, "w");
    assert_non_null(f);
    for (int i = 0; i < 300; i++)
        fputs("this is not a database. ", f);
    fclose(f);
    const char *a1[] = {"history", "import", fixed, "--history", junk, NULL};
    ts_expect_error(a1, NULL, 2, "damaged or not an SQLite database");
    const char *a2[] = {"history", "--history", junk, NULL};
    ts_expect_error(a2, NULL, 2, "damaged or not an SQLite database");
    /* another application's database */
    LOCAL(foreign, "foreign.sqlite");
    sql(foreign, "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine')");
    const char *a3[] = {"history", "import", fixed, "--history", foreign, NULL};
    ts_expect_error(a3, NULL, 2, "not a serbench history");
    assert_int_equal(count(foreign, "SELECT count(*) FROM sqlite_master"), 1);
    /* a newer schema */
    LOCAL(newer, "newer.sqlite");
    const char *mk[] = {"history", "import", fixed, "--history", newer, NULL};
    struct ts_result r = ts_run(mk, NULL, 60);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    sql(newer, "PRAGMA user_version = 99");
    const char *a4[] = {"history", "--history", newer, NULL};
    ts_expect_error(a4, NULL, 2, "history schema 99, this serbench reads 1");
    /* no history at all */
    const char *a5[] = {"history", "--history", ts_at("none.sqlite"), NULL};
    ts_expect_error(a5, NULL, 2, "no history here");
    /* a result directory of another schema version */
    synth_dir(ts_at("old"), "aaaa", "2026-01-01T00:00:00Z", 10, 1);
    LOCAL(db, "bad.sqlite");
    const char *a6[] = {"history", "import", "old", "--history", db, NULL};
    ts_expect_error(a6, NULL, 2, "csv_schema_version 1, this serbench reads 2");
    /* env.json says 2, runs.csv's rows say 1 */
    synth_dir(ts_at("mixed"), "bbbb", "2026-01-01T00:00:00Z", 10, 2);
    ts_sh("sed -i '2,$s/^2,/1,/' '%s'", ts_at("mixed/runs.csv"));
    const char *a7[] = {"history", "import", "mixed", "--history", db, NULL};
    ts_expect_error(a7, NULL, 2, "runs.csv:2: schema_version 1, this serbench reads 2");
    /* not a result directory; a damaged env.json */
    const char *a8[] = {"history", "import", "/nonexistent-dir", "--history", db, NULL};
    ts_expect_error(a8, NULL, 2, "not a result directory");
    synth_dir(ts_at("broken"), "cccc", "2026-01-01T00:00:00Z", 10, 2);
    ts_sh("printf '{\"csv_schema_version\": 2,' > '%s'", ts_at("broken/env.json"));
    const char *a9[] = {"history", "import", "broken", "--history", db, NULL};
    ts_expect_error(a9, NULL, 2, "env.json:1: damaged");
    /* an unknown metric, option or subcommand */
    const char *b1[] = {"history", "--history", newer, "--metric", "speed", NULL};
    ts_expect_error(b1, NULL, 2, "unknown metric 'speed'");
    const char *b2[] = {"history", "--frobnicate", NULL};
    ts_expect_error(b2, NULL, 2, "unknown option");
    const char *b3[] = {"history", "forget", NULL};
    ts_expect_error(b3, NULL, 2, "unknown subcommand forget");
    const char *b4[] = {"report", "/nonexistent-dir", NULL};
    ts_expect_error(b4, NULL, 2, "not a result directory");
}

/* A database another writer holds is waited for, then given up with a message. */
static void test_locked(void **state)
{
    (void)state;
    NEED_BINARY();
    LOCAL(db, "locked.sqlite");
    synth_dir(ts_at("l1"), "dddd", "2026-02-01T00:00:00Z", 10, 2);
    synth_dir(ts_at("l2"), "eeee", "2026-02-02T00:00:00Z", 10, 2);
    const char *a1[] = {"history", "import", "l1", "--history", db, NULL};
    struct ts_result r = ts_run(a1, NULL, 60);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    const char *a2[] = {"history", "import", "l2", "--history", db, NULL};
    const char *env[] = {"SERBENCH_HISTORY_TIMEOUT=0.5", NULL};
    r = ts_run(a2, env, 60);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.err, "locked by another writer; waiting up to 0.5 s"));
    assert_non_null(strstr(r.err, "still locked by another writer after 0.5 s"));
    ts_done(&r);
    /* readers are not blocked by a writer (WAL) */
    const char *a3[] = {"history", "suites", "--history", db, NULL};
    r = ts_run(a3, NULL, 60);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    assert_int_equal(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    r = ts_run(a2, env, 60);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    assert_int_equal(count(db, "SELECT count(*) FROM suites"), 2);
}

/* SIGKILL in the middle of a suite's transaction: the file is valid, the
 * suite is not there at all, and importing it again adds all of it. */
static void test_killed_mid_write(void **state)
{
    (void)state;
    NEED_BINARY();
    LOCAL(db, "killed.sqlite");
    synth_dir(ts_at("k1"), "ffff", "2026-03-01T00:00:00Z", 10, 2);
    const char *a1[] = {"history", "import", "k1", "--history", db, NULL};
    struct ts_result r = ts_run(a1, NULL, 60);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    /* the real suite, stopped (SIGSTOP, history.c's test hook) after 40 of its runs */
    const char *a2[] = {"history", "import", fixed, "--history", db, NULL};
    const char *env[] = {"SERBENCH_HISTORY_STOP_AFTER=40", NULL};
    pid_t pid = ts_spawn(a2, env);
    int st;
    assert_int_equal(waitpid(pid, &st, WUNTRACED), pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(ts_reap(pid, 30), 128 + SIGKILL);
    /* the uncommitted frames are in the WAL; the next opener rolls them back */
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    sqlite3_close(h);
    assert_int_equal(count(db, "SELECT count(*) FROM suites"), 1);
    assert_int_equal(count(db, "SELECT count(*) FROM runs"), 5);
    assert_int_equal(count(db, "SELECT count(*) FROM suites s WHERE nruns <> "
                               "(SELECT count(*) FROM runs r WHERE r.suite_id = s.id)"),
                     0);
    r = ts_run(a2, NULL, 60);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "added as suite"));
    ts_done(&r);
    assert_int_equal(count(db, "SELECT count(*) FROM suites"), 2);
    assert_int_equal(count(db, "SELECT count(*) FROM suites s WHERE nruns <> "
                               "(SELECT count(*) FROM runs r WHERE r.suite_id = s.id)"),
                     0);
}

/* serbench run appends its suite, and makes cells.csv, the page (and plots). */
static void test_run_appends(void **state)
{
    (void)state;
    NEED_BINARY();
    FILE *f = fopen(ts_at("tiny.ini"), "w");
    assert_non_null(f);
    fputs("[tiny]\nstrategies = ring_spsc\nallocators = glibc\nduration = 50ms\n"
          "warmup = 10ms\nrate = 2000/s\nmessage = fixed:64\n",
          f);
    fclose(f);
    LOCAL(db, "run.sqlite");
    const char *args[] = {"run", "tiny.ini", "-o", "tiny", "--history", db, NULL};
    struct ts_result r = ts_run(args, NULL, 120);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.err, "as suite 1 (serbench history)"));
    assert_non_null(strstr(r.err, "tiny/index.html"));
    ts_done(&r);
    assert_int_equal(count(db, "SELECT count(*) FROM runs"), 1);
    struct stat st;
    assert_int_equal(stat(ts_at("tiny/index.html"), &st), 0);
    assert_int_equal(stat(ts_at("tiny/cells.csv"), &st), 0);
    /* the environment hash env.json carries is the one its fields give
     * (resultdir.h computes it so for directories written before env_hash) */
    char *envj = ts_slurp(ts_at("tiny/env.json"));
    assert_non_null(envj);
    char computed[17];
    struct sb_err err = {0};
    assert_int_equal(sb_env_hash_json(envj, computed, &err), 0);
    struct sb_dirinfo d;
    assert_int_equal(sb_dirinfo_read(ts_at("tiny"), &d, &err), 0);
    assert_false(d.env_hash_computed);
    assert_string_equal(d.env_hash, computed);
    assert_non_null(strstr(envj, "\"git_branch\""));
    assert_non_null(strstr(envj, "\"git_commit_utc\""));
    sb_dirinfo_free(&d);
    free(envj);
    /* SERBENCH_HISTORY=off keeps none */
    const char *off[] = {"run", "tiny.ini", "-o", "tiny2", NULL};
    const char *env[] = {"SERBENCH_HISTORY=off", NULL};
    r = ts_run(off, env, 120);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    assert_int_equal(stat(ts_at("results/history.sqlite"), &st), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),  cmocka_unit_test(test_trend_and_change_point),
        cmocka_unit_test(test_bad_input),   cmocka_unit_test(test_locked),
        cmocka_unit_test(test_killed_mid_write), cmocka_unit_test(test_run_appends),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
