/*
 * test-latency.c - the two latencies of a run (frame.h, verify.h): from
 * each message's send time (lat_*), and from its intended send time
 * (lat_int_*, coordinated omission corrected).
 *
 * A paced run whose consumer pauses with a small buffer: the messages the
 * schedule wanted sent during the pause wait for room, so they are timed
 * from their deadlines with latencies from about 0 up to the pause, about
 * rate x pause of them; timed from when they finally got into the buffer
 * they look fast, and only the few frames the buffer held show the pause.
 * Unpaced, the two latencies are one.  No timing assertion beyond generous
 * bounds (these machines are shared): counts and orderings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "histogram.h"
#include "workload.h"

#define MS 1000000ull

static struct sb_run_params params(void)
{
    struct sb_run_params p;
    memset(&p, 0, sizeof(p));
    snprintf(p.job, sizeof(p.job), "latency");
    snprintf(p.strategy, sizeof(p.strategy), "ring_spsc");
    snprintf(p.allocator, sizeof(p.allocator), "glibc");
    snprintf(p.transport, sizeof(p.transport), "mem");
    p.seed = 7;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 64, .hi = 64};
    p.overflow = SB_OVERFLOW_BLOCK;
    return p;
}

static void run(struct sb_run_params *p, struct sb_run_result *r, struct sb_run_hists *h)
{
    p->hists = h;
    int rc = sb_workload_run(p, r, NULL, NULL, NULL);
    if (rc != 0)
        fail_msg("sb_workload_run: %d (%s)", rc, sbuf_strerror(rc));
    if (r->status != SB_STATUS_OK)
        fail_msg("status %d: %s", r->status, r->reason);
    assert_int_equal(r->latency.count, r->msgs_recv);
    assert_int_equal(r->latency_int.count, r->msgs_recv);
    assert_int_equal(h->send.count, r->msgs_recv);
    assert_int_equal(h->intended.count, r->msgs_recv);
}

/* Samples at or above v (whole buckets: v a bucket's low end). */
static uint64_t count_from(const struct sb_hist *h, uint64_t v)
{
    uint64_t n = 0;
    for (unsigned i = sb_hist_index(v); i < SB_HIST_BUCKETS; i++)
        n += h->buckets[i];
    return n;
}

/* Every message's intended time is at or before its send time, so each of
 * its latencies from the intended time is at least the one from the send
 * time: every percentile of the one dominates the other's. */
static void expect_dominates(const struct sb_latency *in, const struct sb_latency *send)
{
    assert_true(in->p50_ns >= send->p50_ns);
    assert_true(in->p90_ns >= send->p90_ns);
    assert_true(in->p99_ns >= send->p99_ns);
    assert_true(in->p999_ns >= send->p999_ns);
    assert_true(in->max_ns >= send->max_ns);
    assert_true(in->mean_ns >= send->mean_ns);
}

static void test_paused_consumer(void **state)
{
    (void)state;
    /* A rate every build keeps up with after the pause, loaded, under
     * ASan or TSan too (each frame of the catch-up is a wake-up or two). */
    const double rate = 5000;              /* messages a second */
    const uint64_t pause = 100 * MS;       /* the consumer's one pause, at the start */
    struct sb_run_params p = params();
    p.rate = rate;
    p.duration_ns = 400 * MS;
    p.stall_ns = pause;
    p.stall_period_ns = 100000 * MS;       /* once in the run */
    p.buffer = 1024;                       /* 9 frames of 104 bytes */
    struct sb_run_result r;
    static struct sb_run_hists hists; /* 70 KiB; static, so a failed check leaks nothing */
    struct sb_run_hists *h = &hists;
    run(&p, &r, h);

    uint64_t held = p.buffer / sb_frame_size(64);
    uint64_t scheduled = (uint64_t)(rate * (double)pause / 1e9); /* 500 */
    /* From the deadline: every message due in the pause waited for its
     * end, by anything from about the whole pause to about nothing.  Those
     * due in its first nine tenths waited more than a tenth of it. */
    uint64_t late_int = count_from(&h->intended, pause / 10);
    uint64_t late_send = count_from(&h->send, pause / 10);
    print_message("  due in the pause: %llu; latency > %llu ms from the intended time: %llu, "
                  "from the send time: %llu; max %.1f / %.1f ms\n",
                  (unsigned long long)scheduled, (unsigned long long)(pause / 10 / MS),
                  (unsigned long long)late_int, (unsigned long long)late_send,
                  (double)r.latency_int.max_ns / MS, (double)r.latency.max_ns / MS);
    uint64_t want = scheduled * 9 / 10;
    if (late_int < want / 2 || late_int > want * 2)
        fail_msg("%llu messages waited more than a tenth of the pause, expected about %llu",
                 (unsigned long long)late_int, (unsigned long long)want);
    assert_true(r.latency_int.max_ns >= pause / 2);
    assert_true(r.latency_int.max_ns <= pause + 2000 * MS);
    /* ... spread from about nothing to about the pause: a quarter of them
     * in each quarter, roughly (above, the ones due late in it) */
    uint64_t q3 = count_from(&h->intended, pause * 3 / 4);
    /* generous bounds: on a loaded machine the consumer wakes late from its
     * pause, which shifts the spread but not its shape */
    if (q3 < scheduled / 20 || q3 > scheduled * 3 / 4)
        fail_msg("%llu of %llu waited more than 3/4 of the pause", (unsigned long long)q3,
                 (unsigned long long)scheduled);
    /* From the send time only the frames the buffer held during the pause
     * waited (a slack for a descheduled consumer on a busy machine). */
    if (late_send > 5 * held + 20 || late_send * 10 > late_int)
        fail_msg("%llu messages look late from their send time (the buffer held %llu)",
                 (unsigned long long)late_send, (unsigned long long)held);
    expect_dominates(&r.latency_int, &r.latency);
}

/* Bursts: every message of a burst is due at the burst's start, so the
 * last of a burst waits for all before it, and says so. */
static void test_bursts(void **state)
{
    (void)state;
    struct sb_run_params p = params();
    p.burst_count = 200;
    p.burst_period_ns = 20 * MS;
    p.messages = 2000;
    p.buffer = 2048;
    struct sb_run_result r;
    static struct sb_run_hists hists; /* 70 KiB; static, so a failed check leaks nothing */
    struct sb_run_hists *h = &hists;
    run(&p, &r, h);
    expect_dominates(&r.latency_int, &r.latency);
    /* 200 back to back through 19 frames of room: most wait on the others */
    assert_true(r.latency_int.p90_ns > r.latency.p90_ns);
}

/* As fast as possible: intended = sent, one histogram, equal columns. */
static void test_unpaced_equal(void **state)
{
    (void)state;
    struct sb_run_params p = params();
    p.messages = 20000;
    p.buffer = 4096;
    struct sb_run_result r;
    static struct sb_run_hists hists; /* 70 KiB; static, so a failed check leaks nothing */
    struct sb_run_hists *h = &hists;
    run(&p, &r, h);
    assert_memory_equal(&r.latency_int, &r.latency, sizeof(r.latency));
    assert_memory_equal(&h->intended, &h->send, sizeof(h->send));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paused_consumer),
        cmocka_unit_test(test_bursts),
        cmocka_unit_test(test_unpaced_equal),
    };
    return cmocka_run_group_tests_name("latency", tests, NULL, NULL);
}
