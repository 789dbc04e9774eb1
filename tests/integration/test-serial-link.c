/*
 * test-serial-link.c - runs on transport = pty that really start socat,
 * the echo peer and the nRF52840 emulator: the echo round trip (every
 * strategy), each link model's rate as the emulator accounts it, overruns
 * counted and reconciled, flow control losing nothing, each fault kind
 * reconciled, a reconciliation that must fail, a peer that goes away
 * (socat killed, the disconnect fault): aborted, promptly, no orphan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "devstats.h"
#include "frame.h"
#include "itest.h"
#include "pace.h"
#include "peer.h"
#include "sbuf/registry.h"
#include "transport.h"

/* The wrapper below rebinds a buffer's ops table: it needs the header. */
#include "sbuf/strategy.h" /* the wrapper below is a strategy, from public headers */

static void run_ok(const struct sb_run_params *p, struct sb_run_result *r)
{
    assert_int_equal(sb_workload_run(p, r, NULL, NULL, NULL), 0);
    if (r->status != SB_STATUS_OK)
        print_message("  status %d: %s\n", r->status, r->reason);
    assert_int_equal(r->status, SB_STATUS_OK);
    assert_true(r->msgs_sent > 0);
    /* Nothing of the run may outlive it. */
    int pids[8];
    assert_int_equal(itest_find(getpid(), NULL, pids, 8), 0);
}

/* ---- echo ------------------------------------------------------------------ */

static void test_echo_round_trip(void **state)
{
    (void)state;
    struct sb_run_params p = itest_params("echo", NULL);
    struct sb_run_result r;
    run_ok(&p, &r);
    assert_int_equal(r.msgs_recv, r.msgs_sent);
    assert_int_equal(r.bytes_recv, r.bytes_sent);
    assert_int_equal(r.latency.count, r.msgs_recv);
    assert_true(r.latency.p50_ns > 0);
    assert_int_equal(r.crc_errors + r.seq_gaps + r.garbage_bytes + r.dev_overrun_bytes, 0);
    /* Both buffers were the strategy: every byte went in and out of each. */
    assert_int_equal(r.buf.bytes_in, r.buf.bytes_out);
    assert_true(r.buf.bytes_in >= 2 * r.bytes_sent);
}

/* The I/O path is zero-copy through each strategy's own views. */
static void test_echo_every_strategy(void **state)
{
    (void)state;
    for (size_t i = 0; i < sbuf_registry_count(); i++) {
        const struct sbuf_ops *ops = sbuf_registry_at(i);
        struct sbuf_config cfg = {.capacity = 16384};
        struct sbuf *b;
        if (sbuf_create_ops(ops, &cfg, &b) != SBUF_OK)
            continue; /* not built here (a placeholder) */
        sbuf_destroy(b);
        struct sb_run_params p = itest_params("echo", NULL);
        snprintf(p.strategy, sizeof(p.strategy), "%s", ops->name);
        p.duration_ns = 150000000u;
        p.message = (struct sb_msg_spec){.kind = SB_MSG_UNIFORM, .lo = 16, .hi = 1500};
        struct sb_run_result r;
        run_ok(&p, &r);
        print_message("  %-16s %8.1f MB/s\n", ops->name, r.bytes_per_s / 1e6);
        assert_int_equal(r.msgs_recv, r.msgs_sent);
    }
}

/*
 * A growing strategy grows when a write does not fit, never for a
 * reservation: frames four times its starting size must still come back.
 */
static void test_echo_growing_buffer(void **state)
{
    (void)state;
    struct sb_run_params p = itest_params("echo", NULL);
    snprintf(p.strategy, sizeof(p.strategy), "adaptive");
    p.buffer = 1024;
    p.max_buffer = 1u << 20;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 4000, .hi = 4000};
    struct sb_run_result r;
    run_ok(&p, &r);
    assert_int_equal(r.msgs_recv, r.msgs_sent);
    assert_true(r.buf.resizes > 0);
}

/* ---- the emulator's rate, by its own time accounting ------------------------- */

/*
 * Sends size bytes of frames and a stats request straight through a pty to
 * the emulator, and reads back the echo and the reply.
 */
static struct sb_dev_counters exchange(const char *link, size_t count, uint32_t len)
{
    struct sb_link_params lp;
    memset(&lp, 0, sizeof(lp));
    snprintf(lp.peer, sizeof(lp.peer), "nrf52840-sim");
    snprintf(lp.link, sizeof(lp.link), "%s", link);
    struct sb_transport *t;
    struct sb_err err = {0};
    assert_int_equal(sb_transport_open("pty", &lp, &t, &err), SBUF_OK);
    struct sb_peer peer;
    assert_int_equal(sb_peer_start(&lp, t->peer_path, 1, &peer, &err), SBUF_OK);
    size_t one = sb_frame_size(len), data = one * count, reply = sb_frame_size(4 + 8 * SB_DEV_NCOUNTERS);
    size_t total = data + sb_frame_size(0);
    uint8_t *out = malloc(total), *in = malloc(data + reply);
    assert_non_null(out);
    assert_non_null(in);
    for (size_t i = 0; i < count; i++)
        sb_frame_encode(out + i * one, one, i, len, 0);
    sb_ctrl_encode_request(out + data, total - data);
    size_t sent = 0, got = 0;
    while (got < data + reply) {
        struct pollfd pfd = {.fd = t->fd, .events = (short)(POLLIN | (sent < total ? POLLOUT : 0))};
        assert_true(poll(&pfd, 1, 10000) > 0); /* 10 s of silence: something is stuck */
        if ((pfd.revents & POLLOUT) && sent < total) {
            /* Ahead of the echo by at most the peer's window. */
            size_t ahead = sent - got, room = ahead < peer.window ? peer.window - ahead : 0;
            size_t k = total - sent < room ? total - sent : room;
            ssize_t w = k ? write(t->fd, out + sent, k) : 0;
            if (w > 0)
                sent += (size_t)w;
        }
        if (pfd.revents & POLLIN) {
            ssize_t n = read(t->fd, in + got, data + reply - got);
            assert_true(n > 0 || errno == EAGAIN);
            if (n > 0)
                got += (size_t)n;
        }
    }
    unsigned kind;
    struct sb_dev_counters st;
    assert_int_equal(sb_ctrl_decode(in + data, reply, &kind, &st), 0);
    assert_int_equal(kind, SB_CTRL_STATS_REPLY);
    assert_memory_equal(in, out, data); /* the echo, byte for byte */
    assert_int_equal(st.bytes_in, data);
    assert_int_equal(st.bytes_out, data);
    assert_int_equal(st.frames_in, count);
    free(out);
    free(in);
    sb_transport_close(t);
    sb_peer_stop(&peer);
    return st;
}

/*
 * However fast or slow the host, the emulator never moves more than its
 * link allows in its own model time: one byte a slot each way on a UART,
 * 19 packets of 64 bytes a 1 ms frame on USB.
 */
static void test_link_rates(void **state)
{
    (void)state;
    struct sb_dev_counters st = exchange("uart:115200", 40, 64); /* 3.8 KB: a third of a second */
    double s = (double)st.uptime_ns / 1e9;
    print_message("  uart:115200  %llu B in %.3f s of model time\n",
                  (unsigned long long)st.bytes_in, s);
    assert_true((double)st.bytes_in <= 11520.0 * s + 1);

    st = exchange("uart:1000000", 300, 64);
    s = (double)st.uptime_ns / 1e9;
    print_message("  uart:1000000 %llu B in %.3f s\n", (unsigned long long)st.bytes_in, s);
    assert_true((double)st.bytes_in <= 100000.0 * s + 1);

    st = exchange("cdc", 400, 992);
    double frames = (double)st.uptime_ns / 1e6 + 1;
    print_message("  cdc          %llu B each way in %.0f frames\n",
                  (unsigned long long)st.bytes_in, frames);
    assert_true((double)(st.bytes_in + st.bytes_out) <=
                frames * SB_DEV_CDC_PACKETS_PER_FRAME * SB_DEV_CDC_PACKET);
}

/* ---- overruns and flow control --------------------------------------------------- */

/* A device slower than its link: 15 us a byte against 10 us on the wire. */
static struct sb_run_params slow_device(const char *link, int rtscts)
{
    struct sb_run_params p = itest_params("nrf52840-sim", link);
    p.link.flow_rtscts = rtscts;
    p.link.device_byte_ns = 15000;
    p.message = (struct sb_msg_spec){.kind = SB_MSG_FIXED, .lo = 200, .hi = 200};
    return p;
}

static void test_overrun_reconciled(void **state)
{
    (void)state;
    struct sb_run_params p = slow_device("uart:1000000", 0);
    struct sb_run_result r;
    run_ok(&p, &r); /* ok: sent = echoed + overruns, to the byte */
    print_message("  overruns %llu B, %llu of %llu msgs back\n",
                  (unsigned long long)r.dev_overrun_bytes, (unsigned long long)r.msgs_recv,
                  (unsigned long long)r.msgs_sent);
    assert_true(r.dev_overrun_bytes > 0);
    assert_true(r.msgs_recv < r.msgs_sent);
}

static void test_rtscts_loses_nothing(void **state)
{
    (void)state;
    struct sb_run_params p = slow_device("uart:1000000", 1);
    struct sb_run_result r;
    run_ok(&p, &r);
    assert_int_equal(r.dev_overrun_bytes, 0);
    assert_int_equal(r.msgs_recv, r.msgs_sent);
    assert_int_equal(r.crc_errors + r.garbage_bytes, 0);
}

static void test_cdc_loses_nothing(void **state)
{
    (void)state;
    struct sb_run_params p = slow_device("cdc", 0);
    p.link.device_byte_ns = 2000; /* 500 KB/s: slower than the bus */
    struct sb_run_result r;
    run_ok(&p, &r);
    assert_int_equal(r.dev_overrun_bytes, 0);
    assert_int_equal(r.msgs_recv, r.msgs_sent);
}

/* ---- faults ------------------------------------------------------------------------- */

static struct sb_run_result fault_run(const char *faults, int rtscts)
{
    struct sb_run_params p = itest_params("nrf52840-sim", "uart:1000000");
    p.link.flow_rtscts = rtscts;
    snprintf(p.link.faults, sizeof(p.link.faults), "%s", faults);
    p.duration_ns = 400000000u;
    struct sb_run_result r;
    run_ok(&p, &r); /* ok: every injected fault explained */
    return r;
}

static void test_fault_drop(void **state)
{
    (void)state;
    struct sb_run_result r = fault_run("drop:0.05", 0);
    assert_true(r.dev_drop_frames > 0);
    assert_true(r.seq_gaps > 0);
    assert_int_equal(r.crc_errors, 0);
}

static void test_fault_corrupt(void **state)
{
    (void)state;
    struct sb_run_result r = fault_run("corrupt:0.05", 0);
    assert_true(r.dev_corrupt_frames > 0);
    assert_true(r.crc_errors >= r.dev_corrupt_frames);
    assert_int_equal(r.dev_drop_frames, 0);
}

static void test_fault_delay(void **state)
{
    (void)state;
    /* Held frames fill the ring: with flow control nothing is lost for it. */
    struct sb_run_result r = fault_run("delay:5ms@0.05", 1);
    assert_true(r.dev_delay_faults > 0);
    assert_int_equal(r.msgs_recv, r.msgs_sent);
}

static void test_fault_stall(void **state)
{
    (void)state;
    struct sb_run_result r = fault_run("stall:30ms@100ms", 0);
    assert_true(r.dev_stall_faults >= 2);
}

/*
 * Every frame dropped: nothing comes back to reopen the window, only the
 * emulator's count of lost bytes does.  Without its loss signal the TX
 * pump slept out the 100 ms safety timeout each time the window filled
 * (6 to 17 such waits in a 400 ms run here); with it, no wait of the run ends at its
 * timeout with what it waited for already there.  Counted, not timed.
 */
static void test_lost_frames_wake_the_sender(void **state)
{
    (void)state;
    struct sb_run_result r = fault_run("drop:1", 0);
    print_message("  %llu frames dropped, %llu waits timed out, %llu missed wakeups\n",
                  (unsigned long long)r.dev_drop_frames, (unsigned long long)r.wait_timeouts,
                  (unsigned long long)r.missed_wakeups);
    assert_true(r.dev_drop_frames > 0);
    assert_int_equal(r.msgs_recv, 0);
    assert_int_equal(r.missed_wakeups, 0);
    /* The same for overruns, the other loss the device counts. */
    struct sb_run_params p = slow_device("uart:1000000", 0);
    run_ok(&p, &r);
    assert_true(r.dev_overrun_bytes > 0);
    assert_int_equal(r.missed_wakeups, 0);
}

/* ---- reconciliation must be able to fail --------------------------------------------- */

static const struct sbuf_ops *spsc, *wrapping;
static unsigned writes;

static int wrapper_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    int rc = spsc->create(cfg, out);
    if (rc == SBUF_OK)
        (*out)->ops = wrapping;
    return rc;
}

/* ring_spsc's write, but the 50th message loses a byte and claims it did not. */
static size_t losing_write(struct sbuf *b, const void *src, size_t n)
{
    if (++writes != 50)
        return spsc->write(b, src, n);
    spsc->write(b, src, n - 1);
    return n;
}

static void test_unexplained_loss_fails(void **state)
{
    (void)state;
    static struct sbuf_ops losing;
    spsc = sbuf_registry_find("ring_spsc");
    assert_non_null(spsc);
    losing = *spsc;
    losing.name = "losing";
    losing.create = wrapper_create;
    losing.write = losing_write;
    wrapping = &losing;
    writes = 0;
    sbuf_registry_remove(&losing);
    assert_int_equal(sbuf_registry_add(&losing), SBUF_OK);
    struct sb_run_params p = itest_params("echo", NULL);
    snprintf(p.strategy, sizeof(p.strategy), "losing");
    p.duration_ns = 0;
    p.messages = 300;
    struct sb_run_result r;
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), 0);
    print_message("  reason: %s\n", r.reason);
    assert_int_equal(r.status, SB_STATUS_FAILED);
    assert_non_null(strstr(r.reason, "frames: sent"));
}

/* ---- a peer that goes away -------------------------------------------------------------- */

struct bg_run {
    struct sb_run_params p;
    struct sb_run_result r;
    int rc;
    uint64_t took_ns;
};

static void *bg_main(void *arg)
{
    struct bg_run *b = arg;
    uint64_t t = sb_now_ns();
    b->rc = sb_workload_run(&b->p, &b->r, NULL, NULL, NULL);
    b->took_ns = sb_now_ns() - t;
    return NULL;
}

static void test_disconnect_socat_killed(void **state)
{
    (void)state;
    struct bg_run b = {.p = itest_params("echo", NULL)};
    b.p.duration_ns = 20000000000ull; /* 20 s: the run must end long before */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, bg_main, &b), 0);
    int socat = -1;
    for (int i = 0; i < 200 && socat < 0; i++) {
        usleep(10000);
        socat = itest_child_named("socat");
    }
    assert_true(socat > 0);
    usleep(300000);
    assert_int_equal(kill(socat, SIGKILL), 0);
    pthread_join(t, NULL);
    print_message("  aborted after %.2f s: %s\n", (double)b.took_ns / 1e9, b.r.reason);
    assert_int_equal(b.rc, 0);
    assert_int_equal(b.r.status, SB_STATUS_ABORTED);
    assert_true(b.r.reason[0] != '\0');
    assert_true(b.took_ns < 10000000000ull); /* not the run's 20 s: it noticed */
    int pids[8];
    assert_int_equal(itest_find(getpid(), NULL, pids, 8), 0); /* no orphan, no zombie */
}

static void test_disconnect_fault(void **state)
{
    (void)state;
    struct sb_run_params p = itest_params("nrf52840-sim", "uart:1000000");
    snprintf(p.link.faults, sizeof(p.link.faults), "disconnect:at=300ms");
    p.duration_ns = 20000000000ull;
    struct sb_run_result r;
    uint64_t t = sb_now_ns();
    assert_int_equal(sb_workload_run(&p, &r, NULL, NULL, NULL), 0);
    t = sb_now_ns() - t;
    assert_int_equal(r.status, SB_STATUS_ABORTED);
    assert_non_null(strstr(r.reason, "disconnect"));
    assert_true(t < 10000000000ull);
    int pids[8];
    assert_int_equal(itest_find(getpid(), NULL, pids, 8), 0);
}

/* An interrupt (the runner's SIGINT flag) aborts promptly and cleans up. */
static void test_interrupt(void **state)
{
    (void)state;
    struct sb_run_params p = itest_params("nrf52840-sim", "uart:115200");
    p.duration_ns = 20000000000ull;
    static volatile sig_atomic_t stop;
    stop = 1; /* already set: the run starts and stops at once */
    struct sb_run_result r;
    assert_int_equal(sb_workload_run(&p, &r, &stop, NULL, NULL), 0);
    assert_int_equal(r.status, SB_STATUS_ABORTED);
    assert_string_equal(r.reason, "interrupted");
    int pids[8];
    assert_int_equal(itest_find(getpid(), NULL, pids, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_round_trip),
        cmocka_unit_test(test_echo_every_strategy),
        cmocka_unit_test(test_echo_growing_buffer),
        cmocka_unit_test(test_link_rates),
        cmocka_unit_test(test_overrun_reconciled),
        cmocka_unit_test(test_rtscts_loses_nothing),
        cmocka_unit_test(test_cdc_loses_nothing),
        cmocka_unit_test(test_fault_drop),
        cmocka_unit_test(test_fault_corrupt),
        cmocka_unit_test(test_fault_delay),
        cmocka_unit_test(test_fault_stall),
        cmocka_unit_test(test_lost_frames_wake_the_sender),
        cmocka_unit_test(test_unexplained_loss_fails),
        cmocka_unit_test(test_disconnect_socat_killed),
        cmocka_unit_test(test_disconnect_fault),
        cmocka_unit_test(test_interrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
