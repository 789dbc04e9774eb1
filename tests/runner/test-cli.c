/*
 * test-cli.c - the serbench command, driven as a user drives it: exit codes,
 * one-line errors, --dry-run, an end-to-end smoke run whose runs.csv is
 * checked column by column, allocator verification, a crash, a timeout,
 * and SIGINT in the middle of a run.
 *
 * Needs SERBENCH_BIN (the built serbench) and SERBENCH_SOURCE_DIR (set by
 * CTest); skips without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "tfile.h"
#include "tserbench.h"
#include "csv.h"
#include "csvread.h"
#include "histogram.h"
#include "matrix.h"
#include "scenario.h"
#include "sbuf/registry.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1 /* the sanitizer owns malloc: only glibc runs can be measured */
#else
#define SANITIZED 0
#endif


/* ---- helpers -------------------------------------------------------------- */

static const char *put(const char *name, const char *text)
{
    static char path[PATH_MAX + 64];
    assert_int_equal(tfile_write(ts_tmp, name, text, path, sizeof(path)), 0);
    return path;
}

static void rm_rf(const char *path)
{
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

/* A failure is reported in one line on stderr holding want (and want2). */
static void expect_error(const char *const *args, int code, const char *want, const char *want2)
{
    struct ts_result r = ts_run(args, NULL, 30);
    if (r.code != code)
        fail_msg("%s %s: exit %d, wanted %d; stderr: %s", args[0], args[1] ? args[1] : "", r.code,
                 code, r.err);
    assert_int_equal(ts_lines(r.err), 1);
    if (!strstr(r.err, want) || (want2 && !strstr(r.err, want2)))
        fail_msg("stderr '%s' lacks '%s' / '%s'", r.err, want, want2 ? want2 : "");
    ts_done(&r);
}

/* Whether /proc/pid/cmdline holds word as one of its arguments. */
static int has_arg(const char *pid, const char *word)
{
    char path[300], buf[1024];
    snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
        if (strcmp(buf + i, word) == 0)
            return 1;
    return 0;
}

/* The run's child process of serbench (`serbench __run-one`), waiting up to
 * 10 s for it: serbench also has short-lived helpers (git, dpkg-query). */
static pid_t run_child_of(pid_t parent)
{
    for (int tries = 0; tries < 500; tries++) {
        DIR *d = opendir("/proc");
        struct dirent *e;
        pid_t found = 0;
        while (d && (e = readdir(d)) && !found) {
            char path[300], buf[512];
            if (e->d_name[0] < '0' || e->d_name[0] > '9')
                continue;
            snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            size_t n = fread(buf, 1, sizeof(buf) - 1, f);
            fclose(f);
            buf[n] = '\0';
            const char *rp = strrchr(buf, ')'); /* the name may hold spaces */
            int ppid;
            char state;
            if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == parent &&
                has_arg(e->d_name, "__run-one"))
                found = atoi(e->d_name);
        }
        if (d)
            closedir(d);
        if (found)
            return found;
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("no run child of %d appeared", (int)parent);
    return 0;
}

/* No process is left that serbench started: with this test a subreaper,
 * any orphan would have become our child. */
static void expect_no_leftover_children(void)
{
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p != -1 || errno != ECHILD)
        fail_msg("a process outlived serbench (waitpid -> %d)", (int)p);
}

static unsigned long long num(const struct ts_table *t, size_t row, const char *col)
{
    return strtoull(ts_cell(t, row, col), NULL, 10);
}

/* The matrix size serbench should run, computed in-process. */
static size_t planned_runs(const char *path, const char *filter)
{
    struct sb_scenario *sc;
    struct sb_err err = {0};
    if (sb_scenario_load(path, &sc, &err) < 0)
        fail_msg("%s", err.msg);
    struct sb_matrix_opts o = {.nfilters = filter ? 1 : 0, .filters = {filter}};
    struct sb_matrix m;
    assert_int_equal(sb_matrix_expand(&sc, 1, &o, &m, &err), 0);
    size_t n = m.n;
    sb_matrix_free(&m);
    sb_scenario_free(sc);
    return n;
}

static int setup(void **state)
{
    (void)state;
    ts_bin = getenv("SERBENCH_BIN");
    ts_src = getenv("SERBENCH_SOURCE_DIR");
    snprintf(ts_tmp, sizeof(ts_tmp), "/tmp/sb-cli-XXXXXX");
    if (!mkdtemp(ts_tmp))
        return -1;
    /* orphans of anything we start become ours, so leftovers can be seen */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(ts_tmp);
    return 0;
}

#define NEED_BINARY()           \
    do {                        \
        if (!ts_bin || !ts_src)       \
            skip();             \
    } while (0)

/* ---- tests ---------------------------------------------------------------- */

static void test_usage_and_exit_codes(void **state)
{
    (void)state;
    NEED_BINARY();
    const char *none[] = {NULL};
    struct ts_result r = ts_run(none, NULL, 30);
    assert_int_equal(r.code, 2);
    assert_non_null(strstr(r.err, "usage: serbench"));
    assert_string_equal(r.out, "");
    ts_done(&r);

    const char *help[] = {"--help", NULL};
    r = ts_run(help, NULL, 30);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "commands:"));
    assert_non_null(strstr(r.out, "  run "));
    assert_non_null(strstr(r.out, "130 interrupted"));
    assert_null(strstr(r.out, "__run-one")); /* internal */
    ts_done(&r);

    const char *version[] = {"--version", NULL};
    r = ts_run(version, NULL, 30);
    assert_int_equal(r.code, 0);
    assert_int_equal(strncmp(r.out, "serbench ", 9), 0);
    ts_done(&r);

    const char *help_run[] = {"help", "run", NULL};
    r = ts_run(help_run, NULL, 30);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(r.out, "usage: serbench run SCENARIO.ini"));
    assert_non_null(strstr(r.out, "--filter KEY=GLOB"));
    ts_done(&r);

    const char *list[] = {"list", NULL};
    r = ts_run(list, NULL, 30);
    assert_int_equal(r.code, 0);
    for (size_t i = 0; i < sbuf_registry_count(); i++)
        assert_non_null(strstr(r.out, sbuf_registry_at(i)->name));
    assert_non_null(strstr(r.out, "jemalloc"));
    assert_non_null(strstr(r.out, "pool_fixed"));
    assert_non_null(strstr(r.out, "mem "));
    ts_done(&r);

    const char *e1[] = {"bogus", NULL};
    expect_error(e1, 2, "unknown command 'bogus'", "did you mean");
    const char *e2[] = {"run", NULL};
    expect_error(e2, 2, "no scenario file given", NULL);
    const char *e3[] = {"run", "--bogus", "x.ini", NULL};
    expect_error(e3, 2, "unknown option '--bogus'", NULL);
    const char *e4[] = {"run", "--repeat", "0", "x.ini", NULL};
    expect_error(e4, 2, "--repeat 0", "1 to 1000");
    const char *e5[] = {"run", "--filter", "strat=x", "x.ini", NULL};
    expect_error(e5, 2, "did you mean 'strategy'", "job, strategy, allocator");
    const char *e6[] = {"run", "/nonexistent/x.ini", NULL};
    expect_error(e6, 2, "/nonexistent/x.ini", "No such file");
    const char *e7[] = {"list", "allocator", NULL};
    expect_error(e7, 2, "did you mean 'allocators'", "strategies, pools, allocators, transports");
    const char *e8[] = {"help", "nope", NULL};
    expect_error(e8, 2, "no topic 'nope'", "csv");
    const char *e9[] = {"run", "-o", NULL};
    expect_error(e9, 2, "-o needs a value", NULL);
}

static void test_bad_scenario_is_one_line(void **state)
{
    (void)state;
    NEED_BINARY();
    put("bad.ini", "[global]\nduration = 1s\n[job]\nstrategy = ring_spsc\n");
    const char *a1[] = {"run", "bad.ini", NULL};
    expect_error(a1, 2, "bad.ini:4:", "nearest valid key: 'strategies'");
    put("bad2.ini", "[job]\nbuffer = 4 KiB\n");
    const char *a2[] = {"run", "--dry-run", "bad2.ini", NULL};
    expect_error(a2, 2, "bad2.ini:2: buffer = 4 KiB", "accepted: a size");
    /* A frame that never fits a strategy's buffer: refused before any run,
     * --dry-run too, and nothing written. */
    put("unfit.ini", "[global]\nstrategies = all\nduration = 1s\n"
                     "[big]\nmessage = lognormal:mean=512,sd=2048,max=65536\n"
                     "buffer = 64KiB\nmax_buffer = 128KiB\n");
    const char *u1[] = {"run", "--dry-run", "unfit.ini", NULL};
    expect_error(u1, 2, "unfit.ini:4: [big]: frames up to 65576 bytes", "ring_spsc holds 65536");
    const char *u2[] = {"run", "unfit.ini", NULL};
    expect_error(u2, 2, "unfit.ini:4:", "raise buffer to 65576 or more");
    put("none.ini", "[job]\nduration = 1s\n");
    const char *a3[] = {"run", "none.ini", "--filter", "strategy=zzz*", NULL};
    expect_error(a3, 2, "no run left", NULL);
}

static void test_dry_run(void **state)
{
    (void)state;
    NEED_BINARY();
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/scenarios/smoke.ini", ts_src);
    const char *args[] = {"run", "--dry-run", path, NULL};
    struct ts_result r = ts_run(args, NULL, 30);
    assert_int_equal(r.code, 0);
    size_t n = planned_runs(path, NULL);
    assert_int_equal(ts_lines(r.out), n + 2); /* header, runs, total */
    char total[64];
    snprintf(total, sizeof(total), "\n%zu runs, about ", n);
    assert_non_null(strstr(r.out, total));
    assert_non_null(strstr(r.out, "ring_spsc"));
    ts_done(&r);

    const char *filtered[] = {"run", "-n", path, "--filter", "strategy=ring_spsc", "--repeat",
                              "2", NULL};
    r = ts_run(filtered, NULL, 30);
    assert_int_equal(r.code, 0);
    /* ring_spsc in every job of smoke.ini, twice */
    size_t want = 2 * planned_runs(path, "strategy=ring_spsc");
    assert_int_equal(ts_lines(r.out), want + 2);
    ts_done(&r);

    struct stat st;
    assert_int_equal(stat(ts_at("results"), &st), -1); /* a dry run writes nothing */
}

/* The documented schema and key tables are exactly what serbench prints. */
static void test_docs_match_the_tables(void **state)
{
    (void)state;
    NEED_BINARY();
    static const char *const topic[] = {"csv", "scenario"};
    static const char *const readme[] = {"results/README.md", "scenarios/README.md"};
    for (int i = 0; i < 2; i++) {
        const char *args[] = {"help", topic[i], NULL};
        struct ts_result r = ts_run(args, NULL, 30);
        assert_int_equal(r.code, 0);
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", ts_src, readme[i]);
        char *doc = ts_slurp(path);
        assert_non_null(doc);
        if (!strstr(doc, r.out))
            fail_msg("%s is out of date: paste in `serbench help %s`", readme[i], topic[i]);
        free(doc);
        ts_done(&r);
    }
}

/* The columns results/README.md documents, in order. */
static size_t documented_columns(char names[][64], size_t max)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/results/README.md", ts_src);
    char *doc = ts_slurp(path);
    assert_non_null(doc);
    size_t n = 0;
    for (const char *p = doc; (p = strstr(p, "\n| ")) && n < max; p++) {
        unsigned idx;
        char name[64];
        if (sscanf(p, "\n| %u | `%63[^`]` |", &idx, name) == 2) {
            assert_int_equal(idx, n + 1);
            snprintf(names[n++], 64, "%s", name);
        }
    }
    free(doc);
    return n;
}

/* Every line of every Markdown table has as many cells as its header. */
static void expect_tables_rectangular(const char *md)
{
    size_t want = 0;
    for (const char *line = md; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        size_t bars = 0;
        for (size_t i = 0; i < len; i++)
            bars += line[i] == '|';
        if (len && line[0] == '|') {
            if (!want)
                want = bars;
            else if (bars != want)
                fail_msg("table line with %zu cells, header has %zu: %.*s", bars - 1, want - 1,
                         (int)len, line);
        } else {
            want = 0;
        }
        line += len + (end ? 1 : 0);
    }
}

/* Row i's hist/<i + 1>.hist reads back, and its histograms say what the
 * row's latency columns say: both kinds, count to max.  Unpaced rows
 * (smoke's small and jemalloc) have equal kinds; the bursts of mixed are a
 * schedule, and their intended-time latencies are never the shorter. */
static void expect_hist_file(const struct ts_table *t, size_t i)
{
    char name[64];
    snprintf(name, sizeof(name), "out/hist/%zu.hist", i + 1);
    static struct sb_run_hists h;
    unsigned long run = 0;
    char err[512];
    if (sb_hist_file_read(ts_at(name), &run, &h, err, sizeof(err)) != 0)
        fail_msg("row %zu: %s", i, err);
    assert_int_equal(run, i + 1);
    static const char *const kinds[2] = {"lat_", "lat_int_"};
    const struct sb_hist *hs[2] = {&h.send, &h.intended};
    for (int k = 0; k < 2; k++) {
        struct sb_latency l;
        sb_hist_summary(hs[k], &l);
        char col[32];
        assert_int_equal(l.count, num(t, i, "lat_count"));
        static const char *const q[] = {"p50_ns", "p99_ns", "p999_ns", "max_ns"};
        const uint64_t v[] = {l.p50_ns, l.p99_ns, l.p999_ns, l.max_ns};
        for (int j = 0; j < 4; j++) {
            snprintf(col, sizeof(col), "%s%s", kinds[k], q[j]);
            assert_int_equal(v[j], num(t, i, col));
        }
    }
    int paced = strcmp(ts_cell(t, i, "cfg_burst_count"), "0") != 0 ||
                strtod(ts_cell(t, i, "cfg_rate_per_s"), NULL) > 0;
    if (!paced)
        assert_memory_equal(&h.send, &h.intended, sizeof(h.send));
    else
        assert_true(num(t, i, "lat_int_p99_ns") >= num(t, i, "lat_p99_ns"));
}

static void test_smoke_end_to_end(void **state)
{
    (void)state;
    NEED_BINARY();
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/scenarios/smoke.ini", ts_src);
    /* a sanitizer build cannot preload another allocator */
    const char *filter = SANITIZED ? "allocator=glibc" : "allocator=*";
    const char *args[] = {"run", path, "-o", "out", "--quiet", "--filter", filter, NULL};
    struct ts_result r = ts_run(args, NULL, 300);
    if (r.code != 0) {
        char *csv = ts_slurp(ts_at("out/runs.csv"));
        fail_msg("exit %d; stderr:\n%s\nruns.csv:\n%s", r.code, r.err, csv ? csv : "(none)");
    }
    assert_non_null(strstr(r.out, "# serbench summary"));
    assert_null(strstr(r.err, "[1/")); /* quiet: no progress */

    struct ts_table t;
    ts_read_table(ts_at("out/runs.csv"), &t);
    /* the header is the documented schema, column by column */
    char doc[128][64];
    size_t ndoc = documented_columns(doc, 128);
    assert_int_equal(t.hdr.n, ndoc);
    assert_int_equal(t.hdr.n, sb_csv_column_count());
    for (size_t i = 0; i < t.hdr.n; i++) {
        assert_string_equal(t.hdr.field[i], doc[i]);
        assert_string_equal(t.hdr.field[i], sb_csv_column_at(i)->name);
    }
    assert_int_equal(t.n, planned_runs(path, filter));
    for (size_t i = 0; i < t.n; i++) {
        if (strcmp(ts_cell(&t, i, "status"), "ok") != 0)
            fail_msg("row %zu: %s: %s", i, ts_cell(&t, i, "status"), ts_cell(&t, i, "reason"));
        assert_string_equal(ts_cell(&t, i, "schema_version"), "2");
        assert_string_equal(ts_cell(&t, i, "reason"), "");
        assert_string_equal(ts_cell(&t, i, "scenario"), "smoke");
        assert_string_equal(ts_cell(&t, i, "transport"), "mem");
        assert_string_equal(ts_cell(&t, i, "repeat"), "0");
        assert_int_equal(num(&t, i, "bytes_sent"),
                         num(&t, i, "bytes_recv") + num(&t, i, "bytes_dropped"));
        assert_int_equal(num(&t, i, "msgs_sent"),
                         num(&t, i, "msgs_recv") + num(&t, i, "msgs_dropped"));
        assert_true(num(&t, i, "msgs_recv") > 0);
        assert_true(num(&t, i, "lat_count") > 0);
        assert_true(num(&t, i, "lat_p50_ns") <= num(&t, i, "lat_p99_ns"));
        assert_true(num(&t, i, "lat_p99_ns") <= num(&t, i, "lat_max_ns"));
        assert_true(num(&t, i, "peak_rss_kb") > 0);
        assert_true(num(&t, i, "buf_capacity") > 0);
        assert_true(strtod(ts_cell(&t, i, "wall_s"), NULL) > 0);
        assert_string_equal(ts_cell(&t, i, "crc_errors"), "0");
        assert_string_equal(ts_cell(&t, i, "seq_gaps"), "0");
        expect_hist_file(&t, i);
        /* the allocator that served malloc is the one asked for */
        const char *want = ts_cell(&t, i, "allocator");
        const char *seen = ts_cell(&t, i, "allocator_seen");
        if (!(strncmp(seen, want, strlen(want)) == 0 && seen[strlen(want)] == ' ') &&
            !(SANITIZED && strncmp(seen, "sanitizer", 9) == 0))
            fail_msg("row %zu: allocator %s but allocator_seen '%s'", i, want, seen);
    }
    ts_free_table(&t);

    char *env = ts_slurp(ts_at("out/env.json"));
    assert_non_null(env);
    assert_int_equal(env[0], '{');
    assert_non_null(strstr(env, "\"git_commit\": \""));
    assert_non_null(strstr(env, "\"jemalloc\": {\"package\": \"libjemalloc2\""));
    assert_non_null(strstr(env, "\"cpu_model\""));
    free(env);
    if (access("/usr/bin/python3", X_OK) == 0) {
        char cmd[PATH_MAX + 128];
        snprintf(cmd, sizeof(cmd),
                 "/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '%s'",
                 ts_at("out/env.json"));
        assert_int_equal(system(cmd), 0);
    }
    char *sum = ts_slurp(ts_at("out/summary.md"));
    assert_non_null(sum);
    assert_non_null(strstr(sum, "## small (smoke)"));
    assert_non_null(strstr(sum, "| 1 | "));
    expect_tables_rectangular(sum);
    free(sum);
    ts_done(&r);
}

static void test_results_dir_and_latest(void **state)
{
    (void)state;
    NEED_BINARY();
    put("tiny.ini", "[t]\nstrategies = ring_spsc\nduration = 100ms\n");
    const char *args[] = {"run", "tiny.ini", NULL};
    struct ts_result r = ts_run(args, NULL, 60);
    assert_int_equal(r.code, 0);
    char link[PATH_MAX];
    ssize_t n = readlink(ts_at("results/latest"), link, sizeof(link) - 1);
    assert_true(n > 0);
    link[n] = '\0';
    /* <UTC stamp>-<scenario>: 20250131T123456Z-tiny */
    assert_int_equal(strlen(link), 16 + 5);
    assert_int_equal(link[8], 'T');
    assert_string_equal(link + 15, "Z-tiny");
    char csv[PATH_MAX + 32];
    snprintf(csv, sizeof(csv), "results/%s/runs.csv", link);
    struct ts_table t;
    ts_read_table(ts_at(csv), &t);
    assert_int_equal(t.n, 1);
    ts_free_table(&t);
    assert_non_null(strstr(r.err, link)); /* where the results went */
    ts_done(&r);
}

/*
 * --again: a result directory holds the scenario as resolved (the include
 * and ${VAR} expanded, every default written out) and the command; run
 * again it gives the same resolved scenario and the same runs.
 */
static void test_again_reproduces(void **state)
{
    (void)state;
    NEED_BINARY();
    put("inc.ini", "[global]\nbuffer = 16KiB\n");
    put("again.ini", "include inc.ini\n[global]\nmessage = fixed:${AGAIN_SIZE}\n"
                     "[t]\nstrategies = ring_spsc, bip\nduration = 100ms\n");
    const char *env[] = {"AGAIN_SIZE=48", NULL};
    const char *args[] = {"run", "again.ini", "--repeat", "2", "--filter", "strategy=bip",
                          "-o", "again1", "--quiet", NULL};
    struct ts_result r = ts_run(args, env, 60);
    assert_int_equal(r.code, 0);
    ts_done(&r);
    char *first = ts_slurp(ts_at("again1/scenarios/again.ini"));
    assert_non_null(first);
    assert_non_null(strstr(first, "message = fixed:48\n")); /* ${VAR} expanded */
    assert_non_null(strstr(first, "buffer = 16KiB\n"));     /* the include's key */
    assert_non_null(strstr(first, "overflow = block\n"));   /* a default, written out */
    assert_null(strstr(first, "include inc.ini"));
    const char *again[] = {"run", "--again", "again1", "-o", "again2", NULL};
    r = ts_run(again, NULL, 60); /* no AGAIN_SIZE now: the resolved copy does not need it */
    assert_int_equal(r.code, 0);
    ts_done(&r);
    char *second = ts_slurp(ts_at("again2/scenarios/again.ini"));
    assert_non_null(second);
    /* the same jobs, key for key (the first comment line names the source) */
    assert_string_equal(strchr(first, '\n'), strchr(second, '\n'));
    struct ts_table a, b;
    ts_read_table(ts_at("again1/runs.csv"), &a);
    ts_read_table(ts_at("again2/runs.csv"), &b);
    assert_int_equal(a.n, 2); /* bip only, two repeats */
    assert_int_equal(b.n, a.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(ts_cell(&a, i, "strategy"), ts_cell(&b, i, "strategy"));
        assert_string_equal(ts_cell(&a, i, "seed"), ts_cell(&b, i, "seed"));
        assert_string_equal(ts_cell(&a, i, "cfg_message"), ts_cell(&b, i, "cfg_message"));
    }
    ts_free_table(&a);
    ts_free_table(&b);
    free(first);
    free(second);
    const char *bad[] = {"run", "--again", "nowhere", NULL};
    expect_error(bad, 2, "--again nowhere: no command.txt there", NULL);
}

static void test_allocators_verified(void **state)
{
    (void)state;
    NEED_BINARY();
    if (SANITIZED)
        skip();
    put("alloc.ini", "[a]\nstrategies = ring_spsc\nallocators = all\nduration = 100ms\n");
    const char *args[] = {"run", "alloc.ini", "-o", "alloc", "-q", NULL};
    struct ts_result r = ts_run(args, NULL, 60);
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    struct ts_table t;
    ts_read_table(ts_at("alloc/runs.csv"), &t);
    assert_int_equal(t.n, 4);
    static const char *const names[] = {"glibc ", "jemalloc ", "mimalloc ", "tcmalloc "};
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(ts_cell(&t, i, "status"), "ok");
        assert_int_equal(strncmp(ts_cell(&t, i, "allocator_seen"), names[i], strlen(names[i])), 0);
    }
    ts_free_table(&t);
    ts_done(&r);
}

static void test_missing_allocator_library(void **state)
{
    (void)state;
    NEED_BINARY();
    put("je.ini", "[a]\nstrategies = ring_spsc\nallocators = glibc, jemalloc\nduration = 100ms\n");
    const char *env[] = {"SERBENCH_ALLOCATOR_LIB_JEMALLOC=/nonexistent/libjemalloc.so.2", NULL};
    const char *args[] = {"run", "je.ini", "-o", "missing", NULL};
    struct ts_result r = ts_run(args, env, 60);
    assert_int_equal(r.code, 3);
    assert_int_equal(ts_lines(r.err), 1);
    assert_non_null(strstr(r.err, SANITIZED ? "sanitizer" : "apt-get install libjemalloc2"));
    assert_int_equal(access(ts_at("missing/runs.csv"), F_OK), -1); /* nothing ran */
    ts_done(&r);
}

static void test_bogus_preload_is_not_measured(void **state)
{
    (void)state;
    NEED_BINARY();
    if (SANITIZED)
        skip();
    /* a real library that is not an allocator: the preload "works", and
     * glibc would silently be measured as jemalloc */
    Dl_info di;
    assert_true(dladdr((void *)zlibVersion, &di) && di.dli_fname);
    char env0[PATH_MAX + 64];
    snprintf(env0, sizeof(env0), "SERBENCH_ALLOCATOR_LIB_JEMALLOC=%s", di.dli_fname);
    const char *env[] = {env0, NULL};
    const char *args[] = {"run", "je.ini", "-o", "bogus", NULL};
    put("je.ini", "[a]\nstrategies = ring_spsc\nallocators = glibc, jemalloc\nduration = 100ms\n");
    struct ts_result r = ts_run(args, env, 60);
    assert_int_equal(r.code, 3);
    struct ts_table t;
    ts_read_table(ts_at("bogus/runs.csv"), &t);
    assert_int_equal(t.n, 2);
    assert_string_equal(ts_cell(&t, 0, "status"), "ok");
    assert_string_equal(ts_cell(&t, 1, "status"), "failed");
    assert_non_null(strstr(ts_cell(&t, 1, "reason"),
                           "allocator jemalloc was requested but malloc is served by glibc"));
    assert_int_equal(strncmp(ts_cell(&t, 1, "allocator_seen"), "glibc ", 6), 0);
    ts_free_table(&t);
    ts_done(&r);
}

static void test_crash_is_a_failed_row(void **state)
{
    (void)state;
    NEED_BINARY();
    put("crash.ini", "[global]\nstrategies = ring_spsc\n[victim]\nduration = 30s\n"
                     "[after]\nduration = 100ms\n");
    const char *args[] = {"run", "crash.ini", "-o", "crash", NULL};
    pid_t pid = ts_spawn(args, NULL);
    pid_t child = run_child_of(pid);
    kill(child, SIGSEGV);
    int code = ts_reap(pid, 60);
    assert_int_equal(code, 1);
    struct ts_table t;
    ts_read_table(ts_at("crash/runs.csv"), &t);
    assert_int_equal(t.n, 2); /* the suite went on */
    assert_string_equal(ts_cell(&t, 0, "status"), "failed");
    /* a sanitizer catches the signal itself and exits */
    assert_non_null(strstr(ts_cell(&t, 0, "reason"),
                           SANITIZED ? "child " : "child killed by signal 11"));
    assert_string_equal(ts_cell(&t, 1, "status"), "ok");
    ts_free_table(&t);
    expect_no_leftover_children();
}

static void test_timeout_is_a_failed_row(void **state)
{
    (void)state;
    NEED_BINARY();
    put("slow.ini", "[slow]\nstrategies = ring_spsc\nduration = 60s\ntimeout = 500ms\n");
    const char *args[] = {"run", "slow.ini", "-o", "slow", NULL};
    struct ts_result r = ts_run(args, NULL, 60);
    assert_int_equal(r.code, 1);
    struct ts_table t;
    ts_read_table(ts_at("slow/runs.csv"), &t);
    assert_int_equal(t.n, 1);
    assert_string_equal(ts_cell(&t, 0, "status"), "failed");
    assert_non_null(strstr(ts_cell(&t, 0, "reason"), "timed out after 500ms"));
    ts_free_table(&t);
    ts_done(&r);
    expect_no_leftover_children();
}

static void interrupt_mid_run(int sig)
{
    put("long.ini", "[long]\nstrategies = ring_spsc, bip\nduration = 60s\n");
    char out[32];
    snprintf(out, sizeof(out), "int%d", sig);
    const char *args[] = {"run", "long.ini", "-o", out, NULL};
    pid_t pid = ts_spawn(args, NULL);
    run_child_of(pid); /* the first run has started */
    struct timespec ts = {0, 300000000};
    nanosleep(&ts, NULL);
    kill(pid, sig);
    assert_int_equal(ts_reap(pid, 30), 130);
    char csv[64];
    snprintf(csv, sizeof(csv), "%s/runs.csv", out);
    struct ts_table t;
    ts_read_table(ts_at(csv), &t); /* strict: every line complete */
    assert_int_equal(t.n, 1);
    assert_string_equal(ts_cell(&t, 0, "status"), "aborted");
    assert_string_equal(ts_cell(&t, 0, "reason"), "interrupted");
    assert_string_equal(ts_cell(&t, 0, "strategy"), "ring_spsc");
    ts_free_table(&t);
    snprintf(csv, sizeof(csv), "%s/summary.md", out);
    char *sum = ts_slurp(ts_at(csv));
    assert_non_null(sum);
    assert_non_null(strstr(sum, "aborted: interrupted"));
    expect_tables_rectangular(sum);
    free(sum);
    expect_no_leftover_children();
}

static void test_sigint_mid_run(void **state)
{
    (void)state;
    NEED_BINARY();
    interrupt_mid_run(SIGINT);
}

static void test_sigterm_mid_run(void **state)
{
    (void)state;
    NEED_BINARY();
    interrupt_mid_run(SIGTERM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_and_exit_codes),
        cmocka_unit_test(test_bad_scenario_is_one_line),
        cmocka_unit_test(test_dry_run),
        cmocka_unit_test(test_docs_match_the_tables),
        cmocka_unit_test(test_smoke_end_to_end),
        cmocka_unit_test(test_results_dir_and_latest),
        cmocka_unit_test(test_again_reproduces),
        cmocka_unit_test(test_allocators_verified),
        cmocka_unit_test(test_missing_allocator_library),
        cmocka_unit_test(test_bogus_preload_is_not_measured),
        cmocka_unit_test(test_crash_is_a_failed_row),
        cmocka_unit_test(test_timeout_is_a_failed_row),
        cmocka_unit_test(test_sigint_mid_run),
        cmocka_unit_test(test_sigterm_mid_run),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
