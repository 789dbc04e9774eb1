/*
 * test-device-model.c - the nRF52840 emulator's model, driven with model
 * time (no port, no host clock): each link's rate, overruns counted
 * exactly, flow control losing nothing, the USB frame budget, each fault
 * kind on whole frames, seeded reproducibility, the stats reply, and the
 * configuration's refusals (RAM budget, faults and link syntax).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_model.h"
#include "frame.h"

#define T0 1000000000ull /* any start: model time is relative to it */
#define MS 1000000ull

static struct sb_dev_config config(const char *link)
{
    struct sb_dev_config c;
    char why[256];
    sb_dev_config_defaults(&c);
    assert_int_equal(sb_dev_parse_link(link, &c, why, sizeof(why)), 0);
    return c;
}

static void set_faults(struct sb_dev_config *c, const char *spec)
{
    char why[256];
    assert_int_equal(sb_dev_parse_faults(spec, &c->faults, why, sizeof(why)), 0);
}

/* Everything the model sends to the host, collected. */
struct sink {
    uint8_t *buf;
    size_t n, cap;
};

static void drain(struct sb_dev_model *m, struct sink *s)
{
    const uint8_t *p;
    size_t n;
    while ((n = sb_dev_model_out_view(m, &p)) > 0) {
        if (s->n + n > s->cap) {
            s->cap = (s->n + n) * 2;
            s->buf = realloc(s->buf, s->cap);
            assert_non_null(s->buf);
        }
        memcpy(s->buf + s->n, p, n);
        s->n += n;
        sb_dev_model_out_consume(m, n);
    }
}

/* Advances the model from `from` to `to` in 1 ms steps, draining its output. */
static void run_for(struct sb_dev_model *m, uint64_t from, uint64_t to, struct sink *s)
{
    for (uint64_t t = from + MS; t <= to; t += MS) {
        sb_dev_model_advance(m, t, NULL);
        drain(m, s);
    }
}

static void push(struct sb_dev_model *m, const uint8_t *src, size_t n)
{
    while (n) {
        uint8_t *p;
        size_t room = sb_dev_model_in_span(m, &p);
        assert_true(room > 0);
        size_t k = n < room ? n : room;
        memcpy(p, src, k);
        sb_dev_model_in_commit(m, k);
        src += k;
        n -= k;
    }
}

/* count frames of len payload bytes, sequence 0.., into one buffer. */
static uint8_t *frames(unsigned count, uint32_t len, size_t *size)
{
    size_t one = sb_frame_size(len);
    uint8_t *b = malloc(one * count);
    assert_non_null(b);
    for (unsigned i = 0; i < count; i++)
        assert_int_equal(sb_frame_encode(b + i * one, one, i, len, 0), one);
    *size = one * count;
    return b;
}

/* Decodes a byte stream; returns good frames, CRC errors in *crc. */
static uint64_t decode(const uint8_t *p, size_t n, uint64_t *crc)
{
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 1u << 16), SBUF_OK);
    struct sbuf_span v[2] = {{(uint8_t *)p, n}, {NULL, 0}};
    size_t pos = 0;
    struct sb_frame f;
    while (sb_decoder_next(&d, v, &pos, &f) != SB_FRAME_NEED_MORE)
        ;
    uint64_t good = d.st.frames;
    *crc = d.st.crc_errors;
    sb_decoder_free(&d);
    return good;
}

/* ---- rates ----------------------------------------------------------------- */

/* One second of model time at a saturated UART: one byte a slot each way. */
static void uart_rate(uint32_t baud)
{
    char link[32];
    snprintf(link, sizeof(link), "uart:%u", baud);
    struct sb_dev_config c = config(link);
    c.rx_buffer = 4096;
    struct sb_dev_model m;
    assert_int_equal(sb_dev_model_init(&m, &c, T0), 0);
    size_t size;
    uint8_t *in = frames(1200, 64, &size); /* 115 KB: more than a second of either rate */
    push(&m, in, size);
    struct sink s = {0};
    run_for(&m, T0, T0 + 1000 * MS, &s);
    uint64_t per_s = baud / 10;
    print_message("  %s: in %llu B, out %zu B in 1 s of model time\n", link,
                  (unsigned long long)m.st.bytes_in, s.n);
    assert_true(m.st.bytes_in == per_s || m.st.bytes_in == per_s - 1);
    /* The echo trails by the slot in which the first byte arrived. */
    assert_true(s.n + 3 >= per_s && s.n <= per_s);
    assert_int_equal(m.st.overrun_bytes, 0);
    uint64_t crc;
    decode(s.buf, s.n, &crc);
    assert_int_equal(crc, 0);
    free(in);
    free(s.buf);
    sb_dev_model_free(&m);
}

static void test_uart_115200_rate(void **state)
{
    (void)state;
    uart_rate(115200); /* 11,520 B/s */
}

static void test_uart_1M_rate(void **state)
{
    (void)state;
    uart_rate(1000000); /* 100,000 B/s */
}

/*
 * The host changes the rate (serbench device --pty follows its termios): a
 * saturated UART at 115200 for half a second of model time, then 300 baud
 * for a second, then 1 Mbaud for half a second: the bytes that crossed the
 * wire in each span are those spans' rates, to the slot.
 */
static void test_uart_rate_follows_host(void **state)
{
    (void)state;
    struct sb_dev_config c = config("uart:115200");
    c.rx_buffer = 65536;
    c.read_ahead = 1u << 20;
    struct sb_dev_model m;
    assert_int_equal(sb_dev_model_init(&m, &c, T0), 0);
    size_t size;
    uint8_t *in = frames(4000, 64, &size); /* 384 KB: more than all three spans carry */
    push(&m, in, size);
    struct sink s = {0};
    run_for(&m, T0, T0 + 500 * MS, &s);
    uint64_t a = m.st.bytes_in;
    sb_dev_model_set_uart(&m, 300, 0);
    run_for(&m, T0 + 500 * MS, T0 + 1500 * MS, &s);
    uint64_t b = m.st.bytes_in - a;
    sb_dev_model_set_uart(&m, 1000000, 1);
    assert_int_equal(m.cfg.baud, 1000000);
    assert_int_equal(m.cfg.rtscts, 1);
    run_for(&m, T0 + 1500 * MS, T0 + 2000 * MS, &s);
    uint64_t d = m.st.bytes_in - a - b;
    print_message("  115200 for 0.5 s: %llu B; 300 for 1 s: %llu B; 1M for 0.5 s: %llu B\n",
                  (unsigned long long)a, (unsigned long long)b, (unsigned long long)d);
    assert_true(a >= 5759 && a <= 5760);  /* 11,520 B/s */
    assert_true(b >= 29 && b <= 31);      /* 30 B/s */
    assert_true(d >= 49999 && d <= 50001); /* 100,000 B/s */
    assert_int_equal(m.st.overrun_bytes, 0);
    /* A CDC link ignores the host's rate, as the board's does. */
    struct sb_dev_config u = config("cdc");
    struct sb_dev_model n;
    assert_int_equal(sb_dev_model_init(&n, &u, T0), 0);
    sb_dev_model_set_uart(&n, 300, 0);
    assert_int_equal(n.cfg.link, SB_DEV_CDC);
    assert_int_equal(n.t0, T0);
    sb_dev_model_free(&n);
    free(in);
    free(s.buf);
    sb_dev_model_free(&m);
}

/* USB full speed: 64-byte packets, at most 19 a 1 ms frame, both directions together. */
static void test_cdc_frame_budget(void **state)
{
    (void)state;
    struct sb_dev_config c = config("cdc");
    struct sb_dev_model m;
    assert_int_equal(sb_dev_model_init(&m, &c, T0), 0);
    size_t size;
    uint8_t *in = frames(1100, 992, &size); /* 1.1 MB */
    push(&m, in, 100000);
    struct sink s = {0};
    size_t pushed = 100000;
    for (uint64_t t = T0 + MS; t <= T0 + 1000 * MS; t += MS) {
        sb_dev_model_advance(&m, t, NULL);
        drain(&m, &s);
        size_t room = sb_dev_model_in_room(&m), k = size - pushed;
        k = k < room ? k : room;
        push(&m, in + pushed, k);
        pushed += k;
    }
    uint64_t packets = 1000u * SB_DEV_CDC_PACKETS_PER_FRAME;
    print_message("  cdc: in %llu B, out %zu B in 1000 frames\n",
                  (unsigned long long)m.st.bytes_in, s.n);
    assert_true(m.st.bytes_in + s.n <= packets * SB_DEV_CDC_PACKET);
    /* Saturated: every frame full but for the first packets of the echo. */
    assert_true(m.st.bytes_in + s.n >= (packets - 40) * SB_DEV_CDC_PACKET);
    assert_true(s.n >= 9u * 999u * SB_DEV_CDC_PACKET);
    assert_int_equal(m.st.overrun_bytes, 0);
    free(in);
    free(s.buf);
    sb_dev_model_free(&m);
}

/* ---- overruns and flow control ------------------------------------------------ */

/*
 * The application takes the first byte and then is busy for 10 s: the
 * FIFO (5) and the ring hold 1029 more, and every later byte is lost.
 */
static void overrun_case(int rtscts, struct sb_dev_model *m)
{
    struct sb_dev_config c = config("uart:115200");
    c.rx_buffer = 1024;
    c.rtscts = rtscts;
    c.packet_cost_ns = 10000 * MS;
    assert_int_equal(sb_dev_model_init(m, &c, T0), 0);
    uint8_t noise[3000];
    memset(noise, 0x11, sizeof(noise)); /* not frames: every byte stands alone */
    push(m, noise, sizeof(noise));
    struct sink s = {0};
    run_for(m, T0, T0 + 1000 * MS, &s); /* 11,520 slots: every byte has arrived or waits */
    free(s.buf);
}

static void test_uart_overrun_exact(void **state)
{
    (void)state;
    struct sb_dev_model m;
    overrun_case(0, &m);
    assert_int_equal(m.st.bytes_in, 3000);
    assert_int_equal(m.st.overrun_bytes, 3000 - 1 - (1024 + SB_DEV_UART_FIFO));
    assert_int_equal(m.st.overrun_events, 1); /* one unbroken burst of loss */
    sb_dev_model_free(&m);
}

static void test_uart_rtscts_loses_nothing(void **state)
{
    (void)state;
    struct sb_dev_model m;
    overrun_case(1, &m);
    assert_int_equal(m.st.overrun_bytes, 0);
    assert_int_equal(m.st.bytes_in, 1 + 1024 + SB_DEV_UART_FIFO);
    /* The rest waits on the host side (RTS deasserted). */
    assert_int_equal(m.in.len, 3000 - m.st.bytes_in);
    sb_dev_model_free(&m);
}

/* A stall with flow control: nothing lost, everything echoed once it ends. */
static void test_cdc_stall_backpressure(void **state)
{
    (void)state;
    struct sb_dev_config c = config("cdc");
    set_faults(&c, "stall:200ms@300ms");
    struct sb_dev_model m;
    assert_int_equal(sb_dev_model_init(&m, &c, T0), 0);
    size_t size;
    uint8_t *in = frames(2000, 128, &size); /* 320 KB: more than the FIFOs hold */
    struct sink s = {0};
    size_t pushed = 0;
    for (uint64_t t = T0 + MS; t <= T0 + 3000 * MS; t += MS) {
        size_t room = sb_dev_model_in_room(&m), k = size - pushed;
        k = k < room ? k : room;
        push(&m, in + pushed, k);
        pushed += k;
        sb_dev_model_advance(&m, t, NULL);
        drain(&m, &s);
    }
    uint64_t crc;
    assert_int_equal(s.n, size);
    assert_int_equal(decode(s.buf, s.n, &crc), 2000);
    assert_int_equal(crc, 0);
    assert_int_equal(m.st.overrun_bytes, 0);
    assert_int_equal(m.st.stall_faults, 10); /* windows at 300, 600 ... 3000 ms */
    free(in);
    free(s.buf);
    sb_dev_model_free(&m);
}

/* ---- faults on whole frames ------------------------------------------------------ */

struct fault_run {
    struct sb_dev_counters st;
    uint64_t good, crc;
    size_t out;
};

static struct fault_run fault_case(const char *spec, uint64_t seed, unsigned count)
{
    struct sb_dev_config c = config("uart:1000000");
    set_faults(&c, spec);
    c.seed = seed;
    struct sb_dev_model m;
    assert_int_equal(sb_dev_model_init(&m, &c, T0), 0);
    size_t size;
    uint8_t *in = frames(count, 40, &size);
    push(&m, in, size);
    struct sink s = {0};
    run_for(&m, T0, T0 + 2000 * MS, &s);
    struct fault_run r = {.st = m.st, .out = s.n};
    r.good = decode(s.buf, s.n, &r.crc);
    free(in);
    free(s.buf);
    sb_dev_model_free(&m);
    return r;
}

static void test_fault_drop_whole_frames(void **state)
{
    (void)state;
    struct fault_run r = fault_case("drop:0.25", 7, 1000);
    print_message("  dropped %llu of 1000 frames\n", (unsigned long long)r.st.drop_frames);
    assert_true(r.st.drop_frames > 150 && r.st.drop_frames < 350);
    assert_int_equal(r.st.drop_bytes, r.st.drop_frames * sb_frame_size(40));
    assert_int_equal(r.good, 1000 - r.st.drop_frames); /* the others intact */
    assert_int_equal(r.crc, 0);
    assert_int_equal(r.out, (1000 - r.st.drop_frames) * sb_frame_size(40));
}

static void test_fault_corrupt_one_byte(void **state)
{
    (void)state;
    struct fault_run r = fault_case("corrupt:0.2", 7, 1000);
    assert_true(r.st.corrupt_frames > 100);
    assert_int_equal(r.good, 1000 - r.st.corrupt_frames); /* exactly the corrupted ones fail */
    /* At least one CRC error each (a hunting decoder may count another at a
     * magic inside the damaged payload). */
    assert_true(r.crc >= r.st.corrupt_frames);
    assert_int_equal(r.out, 1000 * sb_frame_size(40)); /* no byte lost */
    assert_int_equal(r.st.damaged_frames, r.st.corrupt_frames);
}

static void test_fault_delay(void **state)
{
    (void)state;
    /* 10 frames, each held 50 ms: the last is echoed 500 ms after it could be. */
    struct fault_run r = fault_case("delay:50ms@1", 1, 10);
    assert_int_equal(r.st.delay_faults, 10);
    assert_int_equal(r.good, 10);
    struct sb_dev_config c = config("uart:1000000");
    set_faults(&c, "delay:50ms@1");
    struct sb_dev_model m;
    assert_int_equal(sb_dev_model_init(&m, &c, T0), 0);
    size_t size;
    uint8_t *in = frames(10, 40, &size);
    push(&m, in, size);
    struct sink s = {0};
    run_for(&m, T0, T0 + 450 * MS, &s);
    assert_true(s.n < size); /* not all back before 10 x 50 ms */
    run_for(&m, T0 + 450 * MS, T0 + 600 * MS, &s);
    assert_int_equal(s.n, size);
    free(in);
    free(s.buf);
    sb_dev_model_free(&m);
}

static void test_faults_seeded(void **state)
{
    (void)state;
    struct fault_run a = fault_case("drop:0.3 corrupt:0.1", 42, 500);
    struct fault_run b = fault_case("drop:0.3 corrupt:0.1", 42, 500);
    struct fault_run c = fault_case("drop:0.3 corrupt:0.1", 43, 500);
    assert_int_equal(a.st.drop_frames, b.st.drop_frames);
    assert_int_equal(a.st.corrupt_frames, b.st.corrupt_frames);
    assert_true(a.st.drop_frames != c.st.drop_frames || a.st.corrupt_frames != c.st.corrupt_frames);
    /* Each kind has its own generator: adding corrupt does not move the drops. */
    struct fault_run d = fault_case("drop:0.3", 42, 500);
    assert_int_equal(d.st.drop_frames, a.st.drop_frames);
}

/* ---- the stats request ---------------------------------------------------------- */

static void test_stats_reply_in_order(void **state)
{
    (void)state;
    struct sb_dev_config c = config("uart:1000000");
    set_faults(&c, "drop:0.5");
    struct sb_dev_model m;
    assert_int_equal(sb_dev_model_init(&m, &c, T0), 0);
    size_t size;
    uint8_t *in = frames(100, 40, &size);
    push(&m, in, size);
    uint8_t req[64];
    size_t rn = sb_ctrl_encode_request(req, sizeof(req));
    assert_int_equal(rn, sb_frame_size(0));
    push(&m, req, rn);
    struct sink s = {0};
    run_for(&m, T0, T0 + 500 * MS, &s);
    size_t data = (100 - m.st.drop_frames) * sb_frame_size(40);
    assert_true(s.n > data);
    unsigned kind;
    struct sb_dev_counters st;
    /* The reply follows every echoed byte, and is not one itself. */
    assert_int_equal(sb_ctrl_decode(s.buf + data, s.n - data, &kind, &st), 0);
    assert_int_equal(kind, SB_CTRL_STATS_REPLY);
    assert_int_equal(st.frames_in, 100);
    assert_int_equal(st.bytes_in, size);
    assert_int_equal(st.bytes_out, data);
    assert_int_equal(st.drop_frames, m.st.drop_frames);
    assert_int_equal(st.ram_budget, SB_DEV_RAM_DEFAULT);
    assert_true(st.uptime_ns > 0 && st.uptime_ns < 500 * MS);
    free(in);
    free(s.buf);
    sb_dev_model_free(&m);
}

/* The data decoder never takes a control frame for data. */
static void test_control_frame_is_not_data(void **state)
{
    (void)state;
    uint8_t req[64];
    size_t n = sb_ctrl_encode_request(req, sizeof(req));
    uint64_t crc;
    assert_int_equal(decode(req, n, &crc), 0);
}

/* ---- configuration ---------------------------------------------------------------- */

static void test_ram_budget(void **state)
{
    (void)state;
    char why[512];
    struct sb_dev_config c = config("uart:115200");
    assert_int_equal(sb_dev_check_ram(&c, why, sizeof(why)), 0);
    c.rx_buffer = 200 * 1024; /* more than CircuitPython has free */
    assert_int_equal(sb_dev_check_ram(&c, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "does not fit"));
    c.rx_buffer = 80 * 1024;
    c.ram = SB_DEV_RAM_BLE; /* 90 KiB with BLE: 80 KiB leaves less than 10 KiB */
    assert_int_equal(sb_dev_check_ram(&c, why, sizeof(why)), -1);
    c.ram = 300 * 1024;
    assert_int_equal(sb_dev_check_ram(&c, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "exceeds"));
    /* The CDC FIFOs are the firmware's static buffers: rx_buffer is not charged. */
    c = config("cdc");
    c.rx_buffer = 200 * 1024;
    assert_int_equal(sb_dev_check_ram(&c, why, sizeof(why)), 0);
}

static void test_parse_errors(void **state)
{
    (void)state;
    struct sb_dev_faults f;
    struct sb_dev_config c;
    char why[256];
    static const char *const bad_faults[] = {"drop:2", "drop:x", "corrupt:-0.1",
                                             "delay:5ms", "stall:10ms@5ms", "bogus:1",
                                             "disconnect:2s", "drop"};
    for (size_t i = 0; i < sizeof(bad_faults) / sizeof(bad_faults[0]); i++) {
        assert_int_equal(sb_dev_parse_faults(bad_faults[i], &f, why, sizeof(why)), -1);
        assert_true(why[0] != '\0');
    }
    assert_int_equal(sb_dev_parse_faults("drop:0.01 corrupt:1% delay:5@0.1 stall:20ms@1s "
                                         "disconnect:at=2s", &f, why, sizeof(why)), 0);
    assert_true(f.corrupt_p == 0.01 && f.delay_ns == 5 * MS && f.stall_period_ns == 1000 * MS);
    assert_true(f.disconnect && f.disconnect_at_ns == 2000 * MS);
    sb_dev_config_defaults(&c);
    assert_int_equal(sb_dev_parse_link("uart:1200", &c, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "bootloader"));
    assert_int_equal(sb_dev_parse_link("uart:2000000", &c, why, sizeof(why)), -1);
    assert_int_equal(sb_dev_parse_link("usb", &c, why, sizeof(why)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uart_115200_rate),
        cmocka_unit_test(test_uart_1M_rate),
        cmocka_unit_test(test_uart_rate_follows_host),
        cmocka_unit_test(test_cdc_frame_budget),
        cmocka_unit_test(test_uart_overrun_exact),
        cmocka_unit_test(test_uart_rtscts_loses_nothing),
        cmocka_unit_test(test_cdc_stall_backpressure),
        cmocka_unit_test(test_fault_drop_whole_frames),
        cmocka_unit_test(test_fault_corrupt_one_byte),
        cmocka_unit_test(test_fault_delay),
        cmocka_unit_test(test_faults_seeded),
        cmocka_unit_test(test_stats_reply_in_order),
        cmocka_unit_test(test_control_frame_is_not_data),
        cmocka_unit_test(test_ram_budget),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
