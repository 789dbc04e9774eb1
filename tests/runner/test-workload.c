/*
 * test-workload.c - one cell on transport mem: every registered strategy
 * reconciles; pacing, bursts, stalls, warmup and every length kind work;
 * the drop policy drops and still reconciles; a buffer that loses,
 * duplicates or reorders makes the run fail with the counts in its reason;
 * a strategy whose views show less than it holds still works; the stop
 * flag aborts; bad parameters are refused before anything runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "sbuf/registry.h"
#include "workload.h"
/* The wrappers below rebind a ring_spsc buffer to their own ops table, as
 * any strategy binds its ops in create, through the header it embeds: the
 * public strategy.h, as a strategy outside the tree would.  They run by
 * name once registered (sbuf_registry_add), like a plugin. */
#include "sbuf/strategy.h"

static struct sb_run_params params(const char *strategy)
{
    struct sb_run_params p;
    memset(&p, 0, sizeof(p));
    snprintf(p.job, sizeof(p.job), "test");
    snprintf(p.strategy, sizeof(p.strategy), "%s", strategy);
    snprintf(p.allocator, sizeof(p.allocator), "glibc");
    snprintf(p.transport, sizeof(p.transport), "mem");
    p.seed = 1;
    p.messages = 3000;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_UNIFORM, .lo = 0, .hi = 200};
    p.buffer = 4096;
    p.overflow = SB_OVERFLOW_BLOCK;
    return p;
}

static void run_ok(const struct sb_run_params *p, struct sb_run_result *r, const char *what)
{
    int rc = sb_workload_run(p, r, NULL, NULL, NULL);
    if (rc != 0)
        fail_msg("%s: sb_workload_run returned %d (%s)", what, rc, sbuf_strerror(rc));
    if (r->status != SB_STATUS_OK)
        fail_msg("%s: status %d: %s", what, r->status, r->reason);
    assert_string_equal(r->reason, "");
    assert_int_equal(r->msgs_sent, r->msgs_recv + r->msgs_dropped);
    assert_int_equal(r->bytes_sent, r->bytes_recv + r->bytes_dropped);
    assert_int_equal(r->crc_errors + r->seq_gaps + r->duplicates + r->reordered + r->resyncs +
                         r->garbage_bytes + r->bad_frames,
                     0);
    assert_int_equal(r->latency.count, r->msgs_recv);
    assert_true(r->buf.bytes_in >= r->bytes_recv);
    assert_int_equal(r->buf.bytes_in, r->buf.bytes_out);
    assert_true(r->buf.capacity > 0); /* adaptive may end below what it started with */
    assert_true(r->peak_rss_kb > 0);
    if (r->msgs_recv) {
        assert_true(r->wall_s > 0);
        assert_true(r->bytes_per_s > 0);
        assert_true(r->latency.p50_ns <= r->latency.p99_ns);
        assert_true(r->latency.p99_ns <= r->latency.max_ns);
    }
}

/* ---- every strategy ------------------------------------------------------- */

static void test_every_strategy(void **state)
{
    (void)state;
    size_t ran = 0;
    for (size_t i = 0; i < sbuf_registry_count(); i++) {
        const struct sbuf_ops *ops = sbuf_registry_at(i);
        struct sb_run_params p = params(ops->name);
        struct sb_run_result r;
        int rc = sb_workload_run(&p, &r, NULL, NULL, NULL);
        if (rc == SBUF_ENOTSUP) {
            print_message("  %s: not implemented yet (SBUF_ENOTSUP), skipped\n", ops->name);
            continue;
        }
        run_ok(&p, &r, ops->name);
        assert_int_equal(r.msgs_sent, 3000);
        assert_int_equal(r.msgs_recv, 3000);
        /* a small buffer: the writer wraps and waits all the time */
        p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 64, .hi = 64};
        p.buffer = 256;
        run_ok(&p, &r, ops->name);
        assert_int_equal(r.msgs_recv, 3000);
        assert_int_equal(r.bytes_recv, 3000 * sb_frame_size(64));
        ran++;
    }
    print_message("  %zu strategies ran\n", ran);
    assert_true(ran >= 1);
}

/* ---- shapes of traffic on ring_spsc ---------------------------------------- */

static void test_lengths_and_sizes(void **state)
{
    (void)state;
    struct sb_run_result r;
    struct sb_run_params p = params("ring_spsc");

    p.messages = 0;
    p.bytes = 100000;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 64, .hi = 64};
    run_ok(&p, &r, "bytes");
    uint64_t frame = sb_frame_size(64);
    assert_int_equal(r.msgs_sent, (100000 + frame - 1) / frame);

    p = params("ring_spsc");
    p.message = (struct sb_msg_spec){.kind = SB_MSG_LOGNORMAL, .mean = 64, .sd = 32, .max = 1024};
    run_ok(&p, &r, "lognormal");
    assert_int_equal(r.msgs_recv, 3000);

    static const uint32_t sizes[] = {1, 500, 3, 1000, 0};
    p.message = (struct sb_msg_spec){.kind = SB_MSG_REPLAY, .sizes = sizes, .nsizes = 5};
    p.messages = 1000;
    run_ok(&p, &r, "replay");
    assert_int_equal(r.bytes_recv, 200 * (1504 + 5 * SB_FRAME_OVERHEAD));

    /* the same seed gives the same bytes */
    p = params("ring_spsc");
    struct sb_run_result r2;
    run_ok(&p, &r, "seed a");
    run_ok(&p, &r2, "seed b");
    assert_int_equal(r.bytes_sent, r2.bytes_sent);
    p.seed = 2;
    run_ok(&p, &r2, "seed c");
    assert_true(r.bytes_sent != r2.bytes_sent);
}

static void test_paced_with_warmup(void **state)
{
    (void)state;
    struct sb_run_result r;
    struct sb_run_params p = params("ring_spsc");
    p.messages = 0;
    p.duration_ns = 60000000; /* 60 ms measured */
    p.warmup_ns = 20000000;   /* after 20 ms of warmup */
    p.rate = 20000;
    run_ok(&p, &r, "paced");
    assert_true(r.msgs_recv > 0);
    /* warmup traffic went through the buffer but is not counted */
    assert_true(r.buf.bytes_in > r.bytes_sent);
    assert_true(r.wall_s > 0);

    p = params("ring_spsc");
    p.messages = 300;
    p.burst_count = 100;
    p.burst_period_ns = 5000000; /* 100 back to back every 5 ms */
    run_ok(&p, &r, "bursts");
    assert_int_equal(r.msgs_recv, 300);

    p = params("ring_spsc");
    p.messages = 0;
    p.duration_ns = 50000000;
    p.rate = 50000;
    p.stall_ns = 5000000;
    p.stall_period_ns = 20000000; /* the consumer stops 5 ms in every 20 */
    run_ok(&p, &r, "stalls");
    assert_int_equal(r.msgs_dropped, 0);
}

/* ---- overflow policies -------------------------------------------------------- */

static void test_drop_policy(void **state)
{
    (void)state;
    struct sb_run_result r;
    struct sb_run_params p = params("ring_spsc");
    p.messages = 500;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 64, .hi = 64};
    p.buffer = 256;
    p.overflow = SB_OVERFLOW_DROP;
    p.stall_ns = 200000000; /* the consumer sleeps through the first 200 ms */
    p.stall_period_ns = 1000000000;
    run_ok(&p, &r, "drop");
    assert_int_equal(r.msgs_sent, 500);
    assert_true(r.msgs_dropped > 0);
    assert_true(r.msgs_recv > 0);
    assert_int_equal(r.bytes_dropped, r.msgs_dropped * sb_frame_size(64));
    assert_true(r.buf.overflows >= r.msgs_dropped);

    /* block: the same stall, nothing dropped */
    p.overflow = SB_OVERFLOW_BLOCK;
    p.stall_ns = 20000000;
    run_ok(&p, &r, "block");
    assert_int_equal(r.msgs_dropped, 0);
    assert_int_equal(r.msgs_recv, 500);

    /* drop: a message that can never fit is refused every time, and counted */
    p.overflow = SB_OVERFLOW_DROP;
    p.stall_ns = p.stall_period_ns = 0;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 300, .hi = 300};
    p.messages = 50;
    run_ok(&p, &r, "never fits");
    assert_int_equal(r.msgs_dropped, 50);
    assert_int_equal(r.msgs_recv, 0);
}

/* ---- sabotage: reconciliation must be able to fail -------------------------- */

enum sabotage { LOSE_BYTE, DUPLICATE, REORDER, TEAR };
static const struct sbuf_ops *spsc;

/* A wrapper: ring_spsc's table with some calls replaced.
 * wrap() makes one whose create builds a ring and rebinds it to the wrapper. */
static const struct sbuf_ops *wrapping;
static int wrapper_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    int rc = spsc->create(cfg, out);
    if (rc == SBUF_OK)
        (*out)->ops = wrapping;
    return rc;
}

/* Registers w (again, after a change: the registry keeps the pointer). */
static void register_strategy(const struct sbuf_ops *w)
{
    sbuf_registry_remove(w);
    assert_int_equal(sbuf_registry_add(w), SBUF_OK);
}

static void wrap(struct sbuf_ops *w, const char *name)
{
    spsc = sbuf_registry_find("ring_spsc");
    assert_non_null(spsc);
    *w = *spsc;
    w->name = name;
    w->create = wrapper_create;
    wrapping = w;
    register_strategy(w);
}

static struct sbuf_ops sabotaged;
static enum sabotage mode;
static unsigned writes;
static uint8_t stash[2048];
static size_t stashed;

/* ring_spsc's write, except the 100th message is damaged as mode says
 * (and reported written in full, as a buggy strategy would). */
static size_t sabotaged_write(struct sbuf *b, const void *src, size_t n)
{
    const uint8_t *s = src;
    writes++;
    if (mode == REORDER && writes == 101) {
        size_t k = spsc->write(b, src, n);
        spsc->write(b, stash, stashed);
        return k;
    }
    if (mode == TEAR && writes > 100)
        return 0; /* after tearing one frame, refuse everything */
    if (writes != 100)
        return spsc->write(b, src, n);
    switch (mode) {
    case LOSE_BYTE:
        spsc->write(b, s, n / 2);
        spsc->write(b, s + n / 2 + 1, n - n / 2 - 1);
        break;
    case DUPLICATE:
        spsc->write(b, s, n);
        spsc->write(b, s, n);
        break;
    case REORDER:
        memcpy(stash, s, n);
        stashed = n;
        break;
    case TEAR:
        return spsc->write(b, s, n / 2);
    }
    return n;
}

static void run_sabotaged(enum sabotage m, struct sb_run_result *r)
{
    wrap(&sabotaged, "sabotaged");
    sabotaged.write = sabotaged_write;
    mode = m;
    writes = 0;
    struct sb_run_params p = params("sabotaged");
    p.messages = 500;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 64, .hi = 64};
    p.buffer = 65536; /* never full: the extra bytes always fit */
    assert_int_equal(sb_workload_run(&p, r, NULL, NULL, NULL), 0);
    assert_int_equal(r->status, SB_STATUS_FAILED);
    assert_true(r->reason[0] != 0);
    print_message("  reason: %s\n", r->reason);
}

static void test_sabotage_lost_byte(void **state)
{
    (void)state;
    struct sb_run_result r;
    run_sabotaged(LOSE_BYTE, &r);
    assert_true(r.crc_errors >= 1);
    assert_int_equal(r.seq_gaps, 1);
    assert_true(r.garbage_bytes > 0);
    assert_int_equal(r.msgs_recv, r.msgs_sent - 1);
    assert_non_null(strstr(r.reason, "seq_gaps 1"));
    assert_non_null(strstr(r.reason, "sent 500 msgs"));
}

static void test_sabotage_duplicate(void **state)
{
    (void)state;
    struct sb_run_result r;
    run_sabotaged(DUPLICATE, &r);
    assert_int_equal(r.duplicates, 1);
    assert_int_equal(r.crc_errors + r.seq_gaps, 0);
    assert_non_null(strstr(r.reason, "duplicates 1"));
}

static void test_sabotage_reorder(void **state)
{
    (void)state;
    struct sb_run_result r;
    run_sabotaged(REORDER, &r);
    assert_int_equal(r.reordered, 1);
    assert_int_equal(r.seq_gaps, 0); /* the late frame filled its gap */
    assert_int_equal(r.msgs_recv, r.msgs_sent); /* nothing lost, but out of order */
    assert_non_null(strstr(r.reason, "reordered 1"));
}

/* A buffer that tears a frame and then takes nothing more: both sides wait
 * on each other for good.  The run must fail, not hang and not spin. */
static void test_sabotage_torn_write(void **state)
{
    (void)state;
    struct sb_run_result r;
    run_sabotaged(TEAR, &r);
    assert_non_null(strstr(r.reason, "stuck"));
    assert_int_equal(r.buf.used, sb_frame_size(64) / 2);
    assert_true(writes < 1000); /* the producer waited; it did not retry in a loop */
}

/* ---- a strategy whose views show less than it holds (like chunks) ----------- */

#define PEEPHOLE 100
static struct sbuf_ops peephole;
static unsigned long narrowed; /* views the peephole cut short */

static size_t peephole_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    size_t n = spsc->read_view(b, v);
    if (n <= PEEPHOLE)
        return n;
    narrowed++;
    if (v[0].n >= PEEPHOLE) {
        v[0].n = PEEPHOLE;
        v[1].p = NULL;
        v[1].n = 0;
    } else {
        v[1].n = PEEPHOLE - v[0].n;
    }
    return PEEPHOLE;
}

static void test_short_views(void **state)
{
    (void)state;
    wrap(&peephole, "peephole");
    assert_non_null(peephole.view_at); /* peek walks past the peephole with it */
    peephole.read_view = peephole_read_view;
    struct sb_run_params p = params("peephole");
    p.message = (struct sb_msg_spec){.kind = SB_MSG_UNIFORM, .lo = 0, .hi = 300};
    p.buffer = 1024;
    struct sb_run_result r;
    narrowed = 0;
    run_ok(&p, &r, "peephole");
    assert_int_equal(r.msgs_recv, 3000);
    /* frames up to 340 bytes came through a 100-byte view: sbuf_peek did it */
    assert_true(narrowed > 0);
}

/* ---- interrupts and refusals ------------------------------------------------- */

static volatile sig_atomic_t stop_flag;
static unsigned progress_calls;

static void stop_on_progress(void *ctx, uint64_t bytes, double elapsed)
{
    (void)ctx;
    (void)bytes;
    assert_true(elapsed >= 0);
    progress_calls++;
    stop_flag = 1;
}

static void test_stop_aborts(void **state)
{
    (void)state;
    struct sb_run_params p = params("ring_spsc");
    p.messages = 0;
    p.duration_ns = 60000000000u; /* a minute, unless stopped */
    p.rate = 1000;
    struct sb_run_result r;
    stop_flag = 0;
    progress_calls = 0;
    assert_int_equal(sb_workload_run(&p, &r, &stop_flag, stop_on_progress, NULL), 0);
    assert_int_equal(r.status, SB_STATUS_ABORTED);
    assert_string_equal(r.reason, "interrupted");
    assert_true(progress_calls >= 1);
    assert_true(r.wall_s < 30); /* it did not run its minute */

    /* set before the start: aborted, not run */
    stop_flag = 1;
    p.rate = 0;
    p.duration_ns = 0;
    p.messages = 1000000000u;
    p.overflow = SB_OVERFLOW_BLOCK;
    assert_int_equal(sb_workload_run(&p, &r, &stop_flag, NULL, NULL), 0);
    assert_int_equal(r.status, SB_STATUS_ABORTED);
    assert_true(r.msgs_sent < 1000000000u);
}

static int stub_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    (void)cfg;
    (void)out;
    return SBUF_ENOTSUP;
}

static void test_refusals(void **state)
{
    (void)state;
    struct sb_run_result r;
    struct sb_run_params p = params("no_such_strategy");
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_ENOENT);

    static struct sbuf_ops placeholder; /* a registered strategy whose create refuses */
    placeholder = *sbuf_registry_find("ring_spsc");
    placeholder.name = "placeholder";
    placeholder.create = stub_create;
    register_strategy(&placeholder);
    p = params("placeholder");
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_ENOTSUP);

    p = params("ring_spsc");
    snprintf(p.transport, sizeof(p.transport), "carrier-pigeon"); /* no such transport */
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_ENOTSUP);

    p = params("ring_spsc");
    p.duration_ns = 1000; /* two lengths */
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_EINVAL);
    p.duration_ns = 0;
    p.messages = 0; /* no length */
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_EINVAL);

    p = params("ring_spsc");
    p.stall_ns = 10;
    p.stall_period_ns = 10; /* would never read */
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_EINVAL);

    p = params("ring_spsc");
    p.burst_count = 10; /* a burst without a period */
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_EINVAL);

    p = params("ring_spsc");
    p.message.lo = 300; /* lo > hi */
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_EINVAL);

    p = params("ring_spsc");
    p.buffer = 64; /* block mode, frames up to 240 bytes: would wait forever */
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), SBUF_ERANGE);

    assert_int_equal(sb_workload_run(NULL, &r, NULL, NULL, NULL), SBUF_EINVAL);
    assert_int_equal(sb_workload_run(&p, NULL, NULL, NULL, NULL), SBUF_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_strategy),
        cmocka_unit_test(test_lengths_and_sizes),
        cmocka_unit_test(test_paced_with_warmup),
        cmocka_unit_test(test_drop_policy),
        cmocka_unit_test(test_sabotage_lost_byte),
        cmocka_unit_test(test_sabotage_duplicate),
        cmocka_unit_test(test_sabotage_reorder),
        cmocka_unit_test(test_sabotage_torn_write),
        cmocka_unit_test(test_short_views),
        cmocka_unit_test(test_stop_aborts),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests_name("workload", tests, NULL, NULL);
}
