/*
 * test-fwproto.c - firmware/baremetal/fwproto.c on the host: serbench's own
 * encoder (bench/runner/frame.c, bench/device/devstats.c) makes the frames
 * and the stats request; the echo must give back every byte that is not a
 * control frame, once and in order, and the answer must decode with
 * serbench's sb_ctrl_decode and carry the counters the emulator's rules
 * give, the RAM figures, and a frame CRC zlib agrees with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "devstats.h"
#include "frame.h"
#include "fwproto.h"

/* What the firmware sent: echoed bytes and answers, in order. */
struct wire {
    uint8_t *out;
    size_t n, cap;
    size_t budget;     /* echo takes at most this many more bytes (SIZE_MAX: all) */
    int refuse_answer; /* answers refused while > 0 (counts down) */
    size_t answers;
    size_t answer_at[8]; /* offset of each answer in out */
};

static void wire_put(struct wire *w, const uint8_t *p, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2 + 1024;
        w->out = realloc(w->out, w->cap);
        assert_non_null(w->out);
    }
    memcpy(w->out + w->n, p, n);
    w->n += n;
}

static size_t echo(void *ctx, const uint8_t *p, size_t n)
{
    struct wire *w = ctx;
    size_t k = n < w->budget ? n : w->budget;
    if (w->budget != SIZE_MAX)
        w->budget -= k;
    wire_put(w, p, k);
    return k;
}

static int answer(void *ctx, const uint8_t *frame, size_t n)
{
    struct wire *w = ctx;
    if (w->refuse_answer > 0) {
        w->refuse_answer--;
        return -1;
    }
    assert_true(w->answers < 8);
    w->answer_at[w->answers++] = w->n;
    wire_put(w, frame, n);
    return 0;
}

static const struct fw_mem test_mem = {
    .ram_budget = 262144, .ram_free = 262144 - 9964 - 4096, .heap_free = 0,
    .heap_alloc = 0, .static_ram = 9964, .stack_reserve = 4096,
};

struct rig {
    struct fw_proto p;
    struct wire w;
    struct fw_io io;
    uint64_t now;
};

static struct rig *rig_new(void)
{
    struct rig *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    fw_proto_init(&r->p, &test_mem);
    r->w.budget = SIZE_MAX;
    r->io = (struct fw_io){echo, answer, &r->w};
    r->now = 1000000000u;
    return r;
}

static void rig_free(struct rig *r)
{
    free(r->w.out);
    free(r);
}

/* Feeds s in chunks of size chunk (0: random sizes 1..64, seeded). */
static void feed(struct rig *r, const uint8_t *s, size_t n, size_t chunk, unsigned seed)
{
    srand(seed);
    while (n) {
        size_t k = chunk ? chunk : 1 + (size_t)rand() % 64;
        if (k > n)
            k = n;
        fw_proto_feed(&r->p, s, k, r->now, &r->io);
        r->now += 1000;
        s += k;
        n -= k;
    }
}

/* A stream under construction. */
struct stream {
    uint8_t buf[1 << 16];
    size_t n;
    size_t data;   /* bytes the echo must give back */
    size_t frames; /* data frames in it */
};

static void add_frame(struct stream *s, uint64_t seq, uint32_t len)
{
    size_t k = sb_frame_encode(s->buf + s->n, sizeof(s->buf) - s->n, seq, len, 12345 + seq);
    assert_true(k > 0);
    s->n += k;
    s->data += k;
    s->frames++;
}

static void add_bytes(struct stream *s, const void *p, size_t k)
{
    memcpy(s->buf + s->n, p, k);
    s->n += k;
    s->data += k;
}

static void add_request(struct stream *s)
{
    size_t k = sb_ctrl_encode_request(s->buf + s->n, sizeof(s->buf) - s->n);
    assert_int_equal(k, SB_FRAME_OVERHEAD);
    s->n += k;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Decodes the answer at out[at..]: serbench's decoder for what it knows,
 * by hand for the rest; checks the frame CRC with zlib. */
static void decode_answer(const struct wire *w, size_t at, uint64_t v[FW_NCOUNT])
{
    const uint8_t *f = w->out + at;
    assert_true(w->n - at >= FW_REPLY_SIZE);
    unsigned kind = 0;
    struct sb_dev_counters c;
    assert_int_equal(sb_ctrl_decode(f, FW_REPLY_SIZE, &kind, &c), 0);
    assert_int_equal(kind, SB_CTRL_STATS_REPLY);
    const uint8_t *pl = f + FW_FRAME_HEADER; /* the payload: count, then the counters */
    assert_int_equal(pl[0] | pl[1] << 8 | pl[2] << 16 | (uint32_t)pl[3] << 24, FW_NCOUNT);
    uLong crc = crc32(0L, f, FW_REPLY_SIZE - 4);
    assert_int_equal(le64(f + FW_REPLY_SIZE - 4) & 0xFFFFFFFFu, crc);
    for (unsigned i = 0; i < FW_NCOUNT; i++)
        v[i] = le64(pl + 4 + 8 * i);
    /* serbench's struct reads the same values in its first fields */
    uint64_t known[SB_DEV_NCOUNTERS];
    memcpy(known, &c, sizeof(known));
    for (size_t i = 0; i < SB_DEV_NCOUNTERS && i < FW_NCOUNT; i++)
        assert_int_equal(known[i], v[i]);
    assert_int_equal(c.bytes_in, v[FW_C_BYTES_IN]);
    assert_int_equal(c.ram_free, v[FW_C_RAM_FREE]);
}

static void test_crc32_is_zlibs(void **state)
{
    (void)state;
    uint8_t b[300];
    for (size_t i = 0; i < sizeof(b); i++)
        b[i] = (uint8_t)(i * 131u + 7u);
    for (size_t n = 0; n <= sizeof(b); n += 37)
        assert_int_equal(fw_crc32(0, b, n), crc32(0L, b, (uInt)n));
    /* running: */
    assert_int_equal(fw_crc32(fw_crc32(0, b, 100), b + 100, 200), crc32(0L, b, 300));
}

/* Frames of every size and a request, in chunks of every size. */
static void test_echo_and_answer(void **state)
{
    (void)state;
    static struct stream s;
    memset(&s, 0, sizeof(s));
    static const uint32_t lens[] = {0, 1, 7, 20, 64, 100, 1000, 4096, 3, 64, 5000};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        add_frame(&s, i, lens[i]);
    add_request(&s);
    static const size_t chunks[] = {64, 1, 2, 3, 7, 11, 12, 13, 31, 32, 33, 63, 0, 0, 0};
    for (size_t ci = 0; ci < sizeof(chunks) / sizeof(chunks[0]); ci++) {
        struct rig *r = rig_new();
        feed(r, s.buf, s.n, chunks[ci], (unsigned)ci);
        assert_int_equal(r->w.answers, 1);
        assert_int_equal(r->w.answer_at[0], s.data);
        assert_int_equal(r->w.n, s.data + FW_REPLY_SIZE);
        assert_memory_equal(r->w.out, s.buf, s.data);
        uint64_t v[FW_NCOUNT];
        decode_answer(&r->w, s.data, v);
        assert_int_equal(v[FW_C_BYTES_IN], s.data);
        assert_int_equal(v[FW_C_BYTES_OUT], s.data);
        assert_int_equal(v[FW_C_FRAMES_IN], s.frames);
        assert_int_equal(v[FW_C_FRAMES_OUT], s.frames);
        assert_int_equal(v[FW_C_GARBAGE_BYTES], 0);
        assert_int_equal(v[FW_C_OVERRUN_BYTES], 0);
        assert_int_equal(v[FW_C_RAM_BUDGET], 262144);
        assert_int_equal(v[FW_C_RAM_FREE], 262144 - 9964 - 4096);
        assert_int_equal(v[FW_C_STATIC_RAM], 9964);
        assert_int_equal(v[FW_C_STACK_RESERVE], 4096);
        assert_int_equal(v[FW_C_HEAP_FREE], 0);
        assert_int_equal(v[FW_C_HEAP_ALLOC], 0);
        assert_int_equal(v[FW_C_DEVICE_KIND], FW_KIND_BAREMETAL);
        assert_true(v[FW_C_UPTIME_NS] >= 1000000000u && v[FW_C_UPTIME_NS] < r->now);
        rig_free(r);
    }
}

/* Garbage, as the emulator sees it: a stray byte, a lone magic, bad
 * versions and flags, a header that fails its check with a real frame
 * starting inside it (found again by the search from the second byte). */
static void test_garbage(void **state)
{
    (void)state;
    static struct stream s;
    memset(&s, 0, sizeof(s));
    size_t garbage = 0;
    add_bytes(&s, "hello", 5);
    garbage += 5;
    add_frame(&s, 1, 10);
    add_bytes(&s, "\xa5", 1);
    garbage += 1;
    add_frame(&s, 2, 10);
    add_bytes(&s, "\xa5\xc3\x01", 3); /* version 1: not this format's */
    garbage += 3;
    add_frame(&s, 3, 0);
    add_bytes(&s, "\xa5\xc3\x02\x07", 4);
    garbage += 4;
    add_frame(&s, 4, 64);
    /* A5 C3 02 00, then a real frame: the first 12 bytes fail the check;
     * the search resumes at C3 and finds the frame 4 bytes on. */
    add_bytes(&s, "\xa5\xc3\x02\x00", 4);
    garbage += 4;
    add_frame(&s, 5, 33);
    add_bytes(&s, "\xa5\xa5", 2);
    garbage += 2;
    add_frame(&s, 6, 1);
    add_request(&s);
    for (size_t chunk = 0; chunk <= 64; chunk += (chunk < 13 ? 1 : 17)) {
        struct rig *r = rig_new();
        feed(r, s.buf, s.n, chunk, 99);
        assert_int_equal(r->w.answers, 1);
        assert_memory_equal(r->w.out, s.buf, s.data);
        uint64_t v[FW_NCOUNT];
        decode_answer(&r->w, s.data, v);
        assert_int_equal(v[FW_C_GARBAGE_BYTES], garbage);
        assert_int_equal(v[FW_C_FRAMES_IN], s.frames);
        assert_int_equal(v[FW_C_BYTES_IN], s.data);
        rig_free(r);
    }
}

/* A partial header waits 100 ms for its rest, then is echoed as garbage. */
static void test_partial_header_times_out(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    uint8_t f[64];
    size_t n = sb_frame_encode(f, sizeof(f), 1, 8, 0);
    fw_proto_feed(&r->p, f, n, r->now, &r->io);
    fw_proto_feed(&r->p, (const uint8_t *)"\xa5\xc3\x02", 3, r->now, &r->io);
    fw_proto_idle(&r->p, r->now + 99000000u, &r->io);
    assert_int_equal(r->w.n, n);
    /* At 100 ms the first byte goes; C3 02 cannot start a header and go too. */
    fw_proto_idle(&r->p, r->now + 100000000u, &r->io);
    assert_int_equal(r->w.n, n + 3);
    assert_memory_equal(r->w.out + n, "\xa5\xc3\x02", 3);
    r->now += 200000000u;
    uint8_t req[SB_FRAME_OVERHEAD];
    sb_ctrl_encode_request(req, sizeof(req));
    fw_proto_feed(&r->p, req, sizeof(req), r->now, &r->io);
    uint64_t v[FW_NCOUNT];
    decode_answer(&r->w, n + 3, v);
    assert_int_equal(v[FW_C_GARBAGE_BYTES], 3);
    assert_int_equal(v[FW_C_BYTES_IN], n + 3);
    assert_int_equal(v[FW_C_UPTIME_NS], r->now);
    rig_free(r);
}

/* The ring fills: lost bytes are counted, per frame too, and the answer
 * still says so. */
static void test_ring_full(void **state)
{
    (void)state;
    static struct stream s;
    memset(&s, 0, sizeof(s));
    for (unsigned i = 0; i < 10; i++)
        add_frame(&s, i, 100);
    add_request(&s);
    struct rig *r = rig_new();
    r->w.budget = 4 * 140 + 50; /* four frames and part of the fifth */
    feed(r, s.buf, s.n, 64, 1);
    fw_proto_hw_overrun(&r->p);
    assert_int_equal(r->w.answers, 1);
    assert_memory_equal(r->w.out, s.buf, 4 * 140 + 50);
    uint64_t v[FW_NCOUNT];
    decode_answer(&r->w, 4 * 140 + 50, v);
    assert_int_equal(v[FW_C_BYTES_IN], s.data);
    assert_int_equal(v[FW_C_BYTES_OUT], 4 * 140 + 50);
    assert_int_equal(v[FW_C_OVERRUN_BYTES], s.data - (4 * 140 + 50));
    assert_int_equal(v[FW_C_FRAMES_IN], 10);
    assert_int_equal(v[FW_C_FRAMES_OUT], 4);
    assert_int_equal(v[FW_C_OVERRUN_FRAMES], 6);
    assert_int_equal(v[FW_C_DAMAGED_FRAMES], 6);
    /* one burst of loss (the hardware overrun came after the answer) */
    assert_int_equal(v[FW_C_OVERRUN_EVENTS], 1);
    rig_free(r);
}

/* No room for the answer: it waits, nothing overtakes it, idle retries. */
static void test_answer_waits_for_room(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    uint8_t b[256];
    size_t n = sb_frame_encode(b, sizeof(b), 1, 16, 0);
    n += sb_ctrl_encode_request(b + n, sizeof(b) - n);
    r->w.refuse_answer = 1000;
    fw_proto_feed(&r->p, b, n, r->now, &r->io); /* refused */
    assert_int_equal(r->w.answers, 0);
    uint8_t late[64];
    size_t m = sb_frame_encode(late, sizeof(late), 2, 4, 0);
    fw_proto_feed(&r->p, late, m, r->now, &r->io); /* refused again: the frame is lost */
    assert_int_equal(r->w.answers, 0);
    assert_int_equal(r->w.n, n - SB_FRAME_OVERHEAD);
    r->w.refuse_answer = 0;
    fw_proto_idle(&r->p, r->now, &r->io); /* now it goes */
    assert_int_equal(r->w.answers, 1);
    assert_int_equal(r->w.answer_at[0], n - SB_FRAME_OVERHEAD);
    uint64_t v[FW_NCOUNT];
    decode_answer(&r->w, r->w.answer_at[0], v);
    assert_int_equal(v[FW_C_FRAMES_IN], 1);
    assert_int_equal(v[FW_C_BYTES_IN], n - SB_FRAME_OVERHEAD);
    /* The lost frame is in the next session's counters. */
    uint8_t req[SB_FRAME_OVERHEAD];
    sb_ctrl_encode_request(req, sizeof(req));
    fw_proto_feed(&r->p, req, sizeof(req), r->now, &r->io);
    assert_int_equal(r->w.answers, 2);
    decode_answer(&r->w, r->w.answer_at[1], v);
    assert_int_equal(v[FW_C_BYTES_IN], m);
    assert_int_equal(v[FW_C_OVERRUN_BYTES], m);
    assert_int_equal(v[FW_C_OVERRUN_FRAMES], 1);
    rig_free(r);
}

/* Each answer covers the traffic since the previous one. */
static void test_counters_restart(void **state)
{
    (void)state;
    static struct stream s;
    memset(&s, 0, sizeof(s));
    add_frame(&s, 1, 10);
    add_frame(&s, 2, 20);
    add_request(&s);
    size_t first = s.data;
    add_frame(&s, 3, 30);
    add_bytes(&s, "xyz", 3);
    add_request(&s);
    struct rig *r = rig_new();
    feed(r, s.buf, s.n, 0, 5);
    assert_int_equal(r->w.answers, 2);
    uint64_t v[FW_NCOUNT];
    decode_answer(&r->w, r->w.answer_at[0], v);
    assert_int_equal(v[FW_C_BYTES_IN], first);
    assert_int_equal(v[FW_C_FRAMES_IN], 2);
    decode_answer(&r->w, r->w.answer_at[1], v);
    assert_int_equal(v[FW_C_BYTES_IN], 30 + SB_FRAME_OVERHEAD + 3);
    assert_int_equal(v[FW_C_FRAMES_IN], 1);
    assert_int_equal(v[FW_C_GARBAGE_BYTES], 3);
    rig_free(r);
}

/* Control frames that are not a good stats request: taken off, unanswered. */
static void test_other_control_frames(void **state)
{
    (void)state;
    static struct stream s;
    memset(&s, 0, sizeof(s));
    add_frame(&s, 1, 10);
    uint8_t req[SB_FRAME_OVERHEAD];
    sb_ctrl_encode_request(req, sizeof(req));
    req[31] ^= 0xFF; /* bad frame CRC */
    memcpy(s.buf + s.n, req, sizeof(req));
    s.n += sizeof(req);
    struct sb_dev_counters c = {.bytes_in = 5};
    s.n += sb_ctrl_encode_reply(s.buf + s.n, sizeof(s.buf) - s.n, &c); /* a reply, sent to it */
    add_frame(&s, 2, 10);
    struct rig *r = rig_new();
    feed(r, s.buf, s.n, 0, 3);
    assert_int_equal(r->w.answers, 0);
    assert_int_equal(r->w.n, s.data);
    size_t one = 10 + SB_FRAME_OVERHEAD;
    assert_memory_equal(r->w.out, s.buf, one);
    assert_memory_equal(r->w.out + one, s.buf + s.n - one, one);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_is_zlibs),
        cmocka_unit_test(test_echo_and_answer),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_partial_header_times_out),
        cmocka_unit_test(test_ring_full),
        cmocka_unit_test(test_answer_waits_for_room),
        cmocka_unit_test(test_counters_restart),
        cmocka_unit_test(test_other_control_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
