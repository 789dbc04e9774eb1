/*
 * test-summary.c - summary.md's tables: a mem job keeps its columns, a pty
 * echo job is shown against the raw path's ceilings, an emulator job shows
 * the device counters that are non-zero and only those, and every table
 * stays rectangular.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results.h"

#define MEM_HEADER                                                                             \
    "| # | strategy | allocator | status | MB/s | interval | MB/CPU-s | msgs/s | dropped | p50 | "  \
    "p99 | p99.9 | peak RSS | CPU % | runs |\n"                                                 \
    "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "   \
    "---: | ---: |\n"

static struct sb_scenario scen = {.name = "scen"};

static void make_job(struct sb_job *job, const char *name, const char *transport)
{
    memset(job, 0, sizeof(*job));
    snprintf(job->name, sizeof(job->name), "%s", name);
    snprintf(job->message_text, sizeof(job->message_text), "fixed:64");
    snprintf(job->base.job, sizeof(job->base.job), "%s", name);
    snprintf(job->base.transport, sizeof(job->base.transport), "%s", transport);
    snprintf(job->base.allocator, sizeof(job->base.allocator), "glibc");
    job->base.duration_ns = 1000000000u;
    job->base.buffer = 16384;
}

static void make_cell(struct sb_cell *c, const struct sb_job *job, const char *strategy)
{
    memset(c, 0, sizeof(*c));
    c->p = job->base;
    snprintf(c->p.strategy, sizeof(c->p.strategy), "%s", strategy);
    c->scenario = &scen;
    c->job = job;
}

/* An ok run: bytes_per_s and a p50 round trip. */
static struct sb_run_result ok_run(double bytes_per_s, uint64_t p50_ns)
{
    struct sb_run_result r;
    memset(&r, 0, sizeof(r));
    r.status = SB_STATUS_OK;
    r.wall_s = 1;
    r.bytes_per_s = bytes_per_s;
    r.msgs_per_s = bytes_per_s / 64;
    r.latency.p50_ns = p50_ns;
    r.latency.p99_ns = 2 * p50_ns;
    r.latency.p999_ns = 3 * p50_ns;
    r.peak_rss_kb = 1024;
    return r;
}

static char *summarise(const struct sb_row *rows, size_t n)
{
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    assert_non_null(f);
    sb_summary_print(f, rows, n, n);
    fclose(f);
    return md;
}

/* The text of job's section: from its "## " heading to the next one. */
static char *section(const char *md, const char *job)
{
    char head[96];
    snprintf(head, sizeof(head), "\n## %s (", job);
    const char *s = strstr(md, head);
    if (!s) {
        fail_msg("no section for %s in:\n%s", job, md);
        return NULL;
    }
    const char *e = strstr(s + 1, "\n## ");
    size_t n = e ? (size_t)(e - s) : strlen(s);
    char *out = malloc(n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

/* Every table line has as many cells as its header. */
static void expect_rectangular(const char *md)
{
    size_t want = 0;
    for (const char *line = md; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line), bars = 0;
        for (size_t i = 0; i < len; i++)
            bars += line[i] == '|';
        if (len && line[0] == '|') {
            if (!want)
                want = bars;
            else if (bars != want)
                fail_msg("table line with %zu bars, header %zu: %.*s", bars, want, (int)len, line);
        } else {
            want = 0;
        }
        line += len + (end ? 1 : 0);
    }
}

static void expect_in(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("lacks \"%s\":\n%s", want, text);
}

static void test_tables(void **state)
{
    (void)state;
    struct sb_job mem, echo, sim, clean;
    make_job(&mem, "memjob", "mem");
    make_job(&echo, "echojob", "pty");
    make_job(&sim, "simjob", "pty");
    make_job(&clean, "cleanjob", "pty");
    snprintf(sim.base.link.peer, sizeof(sim.base.link.peer), "nrf52840-sim");
    snprintf(clean.base.link.peer, sizeof(clean.base.link.peer), "nrf52840-sim");

    struct sb_cell cells[7];
    struct sb_run_result res[7];
    make_cell(&cells[0], &mem, "ring_spsc");
    res[0] = ok_run(500e6, 1000);
    /* echo: two repeats of one strategy, each with the ceilings measured
     * just before it: 19 of 20 MB/s (95 %) and 21 of 30 MB/s (70 %), a
     * ratio per pair whose median is 82.5 % (where the ratio of the medians
     * would be 80 %); 1.20x and 1.30x the raw round trip; and a failure */
    for (int i = 1; i <= 2; i++) {
        make_cell(&cells[i], &echo, "ring_spsc");
        res[i] = ok_run(i == 1 ? 19e6 : 21e6, i == 1 ? 48000 : 52000);
        res[i].ceiling_bytes_per_s = 100e6;
        res[i].ceiling_echo_bytes_per_s = i == 1 ? 20e6 : 30e6;
        res[i].ceiling_rtt_p50_ns = 40000;
    }
    make_cell(&cells[3], &echo, "bip");
    memset(&res[3], 0, sizeof(res[3]));
    res[3].status = SB_STATUS_FAILED;
    snprintf(res[3].reason, sizeof(res[3].reason), "integrity: 1 CRC error");
    res[3].ceiling_echo_bytes_per_s = 25e6;
    res[3].ceiling_rtt_p50_ns = 40000;
    /* sim: drops and stalls in one run, nothing in the other */
    make_cell(&cells[4], &sim, "ring_spsc");
    res[4] = ok_run(90000, 1000000);
    res[4].dev_drop_frames = 7;
    res[4].dev_stall_faults = 3;
    make_cell(&cells[5], &sim, "bip");
    res[5] = ok_run(91000, 1000000);
    /* an emulator job without a fault: no device columns at all */
    make_cell(&cells[6], &clean, "ring_spsc");
    res[6] = ok_run(91000, 1000000);

    struct sb_row rows[7];
    for (size_t i = 0; i < 7; i++)
        rows[i] = (struct sb_row){.cell = &cells[i], .r = &res[i]};
    char *md = summarise(rows, 7);
    expect_rectangular(md);

    char *s = section(md, "memjob");
    expect_in(s, MEM_HEADER);
    assert_null(strstr(s, "ceiling"));
    free(s);

    s = section(md, "echojob");
    expect_in(s, "measured just before each run (medians over the job's 3 runs, min-max): "
                 "one-way 100.0 MB/s, echo loop 25.0 MB/s (20.0-30.0), echo round trip p50 "
                 "40 us (40 us-40 us)");
    expect_in(s, "| MB/s | interval | MB/CPU-s | % of echo ceiling | msgs/s | dropped | p50 | "
                 "RTT p50 / raw | p99 |");
    /* two repeats, 19 and 21 MB/s: median 20, interval min-max; no CPU figures: "-" */
    expect_in(s, "| 1 | ring_spsc | glibc | ok | 20.0 | 19.0-21.0 | - | 82.5 % (70.0-95.0) |");
    expect_in(s, "| 1.25x (1.20-1.30) |");
    expect_in(s, "| - | bip | glibc | failed: integrity: 1 CRC error | - | - | - | - | - | - | - |");
    assert_null(strstr(s, "dev "));
    free(s);

    s = section(md, "simjob");
    assert_null(strstr(s, "ceiling"));
    expect_in(s, "| p99.9 | dev dropped | dev stalls | peak RSS |");
    assert_null(strstr(s, "dev overrun"));
    assert_null(strstr(s, "dev corrupted"));
    expect_in(s, "| 7 | 3 | 1MiB |");  /* ring_spsc: its own counters */
    expect_in(s, "| 0 | 0 | 1MiB |");  /* bip: none */
    free(s);

    s = section(md, "cleanjob");
    expect_in(s, MEM_HEADER);
    free(s);
    free(md);
}

/*
 * Ranks with ties on known samples (5 repeats each): a and b overlap, so
 * they share rank 1 (≈1); c is surely behind both: rank 3; d's repeats
 * disagree (max/min 2): marked and not ranked.
 */
static void test_ranks_ties_and_disagreement(void **state)
{
    (void)state;
    struct sb_job job;
    make_job(&job, "tiejob", "mem");
    static const char *const names[] = {"a", "b", "c", "d"};
    static const double mbps[4][5] = {{100, 101, 102, 103, 104},
                                      {99, 100, 101, 102, 103},
                                      {50, 51, 52, 53, 54},
                                      {50, 100, 75, 80, 90}};
    struct sb_cell cells[20];
    struct sb_run_result res[20];
    struct sb_row rows[20];
    for (size_t rep = 0, i = 0; rep < 5; rep++) /* interleaved, as the matrix runs them */
        for (size_t k = 0; k < 4; k++, i++) {
            make_cell(&cells[i], &job, names[k]);
            res[i] = ok_run(mbps[k][rep] * 1e6, 1000);
            res[i].cpu_user_s = 0.5; /* half a CPU-second over 1 s: MB/CPU-s = 2 x MB/s */
            rows[i] = (struct sb_row){.cell = &cells[i], .r = &res[i]};
        }
    char *md = summarise(rows, 20);
    expect_rectangular(md);
    char *s = section(md, "tiejob");
    expect_in(s, "| ≈1 | a | glibc | ok | 102.0 | 100.0-104.0 | 204.0 |");
    expect_in(s, "| ≈1 | b | glibc | ok | 101.0 | 99.0-103.0 | 202.0 |");
    expect_in(s, "| 3 | c | glibc | ok | 52.0 | 50.0-54.0 |");
    expect_in(s, "| - | d | glibc | ok, repeats disagree: max/min 2.00 > 1.25");
    /* best first: a, b, c, then the unranked d */
    const char *a = strstr(s, "| a |"), *b = strstr(s, "| b |"), *c = strstr(s, "| c |"),
               *d = strstr(s, "| d |");
    assert_true(a && b && c && d && a < b && b < c && c < d);
    free(s);
    free(md);
}

/* A starved run is left out of its cell's figures and counted; a cell of starved runs only has none. */
static void test_starved_left_out(void **state)
{
    (void)state;
    struct sb_job job;
    make_job(&job, "starvejob", "mem");
    struct sb_cell cells[6];
    struct sb_run_result res[6];
    struct sb_row rows[6];
    static const double mbps[] = {100, 100, 30, 100, 100, 20};
    for (size_t i = 0; i < 6; i++) {
        make_cell(&cells[i], &job, i < 5 ? "a" : "b");
        res[i] = ok_run(mbps[i] * 1e6, 1000);
        res[i].starved = i == 2 || i == 5; /* a's 30 MB/s and b's only run */
        rows[i] = (struct sb_row){.cell = &cells[i], .r = &res[i]};
    }
    char *md = summarise(rows, 6);
    char *s = section(md, "starvejob");
    expect_in(s, "| 1 | a | glibc | 4/5 ok, 1 starved, left out | 100.0 | 100.0-100.0 |");
    expect_in(s, "| - | b | glibc | all 1 starved: no figure | - |");
    free(s);
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_ranks_ties_and_disagreement),
        cmocka_unit_test(test_starved_left_out),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
