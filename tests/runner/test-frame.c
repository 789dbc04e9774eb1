/*
 * test-frame.c - the wire frame: round trips, corruption of every header
 * field and of the payload, delivery split at every byte offset (as a
 * growing prefix and as two spans), garbage before and between frames,
 * and lengths out of bounds rejected without waiting for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "frame.h"
#include "rng.h"

/* ---- helpers -------------------------------------------------------------- */

struct stream {
    uint8_t *buf;
    size_t len, cap;
};

static void reserve(struct stream *s, size_t n)
{
    if (s->len + n <= s->cap)
        return;
    s->cap = (s->len + n) * 2;
    s->buf = realloc(s->buf, s->cap);
    assert_non_null(s->buf);
}

static size_t put_frame(struct stream *s, uint64_t seq, uint32_t len)
{
    reserve(s, sb_frame_size(len));
    size_t n = sb_frame_encode(s->buf + s->len, s->cap - s->len, seq, len, 1000 + seq);
    assert_int_equal(n, sb_frame_size(len));
    s->len += n;
    return n;
}

static void put_bytes(struct stream *s, const void *p, size_t n)
{
    reserve(s, n);
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

static void put_garbage(struct stream *s, struct sb_rng *rng, size_t n)
{
    reserve(s, n);
    for (size_t i = 0; i < n; i++)
        s->buf[s->len++] = (uint8_t)sb_rng_next(rng);
}

/* Events seen while decoding. */
struct tally {
    size_t good, crc, bad;
    uint64_t seq[64];
    int payload_ok; /* every good frame's payload matched its sequence number */
};

/* Decodes from *pos until the decoder needs more bytes. */
static void drain(struct sb_decoder *d, const struct sbuf_span v[2], size_t *pos, struct tally *t)
{
    for (;;) {
        struct sb_frame f;
        size_t before = *pos;
        enum sb_frame_event ev = sb_decoder_next(d, v, pos, &f);
        if (ev == SB_FRAME_NEED_MORE) {
            assert_true(*pos <= v[0].n + v[1].n);
            return;
        }
        assert_true(*pos > before); /* every event consumes something */
        if (ev == SB_FRAME_GOOD) {
            assert_true(t->good < 64);
            t->seq[t->good++] = f.seq;
            assert_int_equal(f.send_ns, 1000 + f.seq);
            assert_int_equal(f.intended_ns, f.send_ns); /* sb_frame_encode: not paced */
            if (!sb_payload_check(f.seq, f.payload, f.len))
                t->payload_ok = 0;
        } else if (ev == SB_FRAME_CRC_ERROR) {
            t->crc++;
        } else {
            t->bad++;
        }
    }
}

static struct tally decode_all(struct sb_decoder *d, const uint8_t *p, size_t n, size_t *pos)
{
    struct tally t = {.payload_ok = 1};
    struct sbuf_span v[2] = {{(uint8_t *)p, n}, {NULL, 0}};
    *pos = 0;
    drain(d, v, pos, &t);
    return t;
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute the checks after a test has edited a field on purpose. */
static void reseal_length(uint8_t *h)
{
    le32(h + 8, (uint32_t)crc32(0L, h, 8));
}

static void reseal_frame(uint8_t *f, uint32_t len)
{
    le32(f + SB_FRAME_HEADER + len, (uint32_t)crc32(0L, f, SB_FRAME_HEADER + len));
}

/* ---- tests ---------------------------------------------------------------- */

static void test_round_trip_sizes(void **state)
{
    (void)state;
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 1u << 20), SBUF_OK);
    static const uint32_t big[] = {1000, 4095, 4096, 4097, 65535, 65536, 1u << 20};
    uint8_t *buf = malloc(sb_frame_size(1u << 20));
    assert_non_null(buf);
    for (size_t i = 0; i < 301 + sizeof(big) / sizeof(big[0]); i++) {
        uint32_t len = i < 301 ? (uint32_t)i : big[i - 301];
        uint64_t seq = (uint64_t)len * 0x100000001u + 7;
        size_t n = sb_frame_encode(buf, sb_frame_size(len), seq, len, 1000 + seq);
        assert_int_equal(n, sb_frame_size(len));
        size_t pos = 0;
        struct sb_frame f;
        struct sbuf_span v[2] = {{buf, n}, {NULL, 0}};
        assert_int_equal(sb_decoder_next(&d, v, &pos, &f), SB_FRAME_GOOD);
        assert_int_equal(pos, n);
        assert_int_equal(f.seq, seq);
        assert_int_equal(f.send_ns, 1000 + seq);
        assert_int_equal(f.len, len);
        assert_true(sb_payload_check(seq, f.payload, len));
        if (len)
            assert_ptr_equal(f.payload, buf + SB_FRAME_HEADER); /* in place, no copy */
        assert_int_equal(sb_decoder_next(&d, v, &pos, &f), SB_FRAME_NEED_MORE);
        assert_int_equal(pos, n);
    }
    assert_int_equal(d.st.crc_errors + d.st.bad_headers + d.st.garbage_bytes + d.st.resyncs, 0);
    assert_int_equal(d.st.straddled, 0);
    free(buf);
    sb_decoder_free(&d);
}

static void test_encode_rejects(void **state)
{
    (void)state;
    uint8_t buf[SB_FRAME_OVERHEAD + 16];
    memset(buf, 0x77, sizeof(buf));
    assert_int_equal(sb_frame_encode(buf, sizeof(buf), 1, 17, 0), 0);
    assert_int_equal(buf[0], 0x77); /* untouched */
    assert_int_equal(sb_frame_encode(buf, sizeof(buf), 1, 16, 0), sizeof(buf));
    assert_int_equal(sb_frame_encode(NULL, 100, 1, 0, 0), 0);
    assert_int_equal(sb_frame_encode(buf, SIZE_MAX, 1, SB_FRAME_MAX_PAYLOAD + 1, 0), 0);
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, SB_FRAME_MAX_PAYLOAD + 1), SBUF_ERANGE);
    sb_decoder_free(&d);
    assert_int_equal(sb_decoder_init(NULL, 10), SBUF_EINVAL);
}

static void test_restamp(void **state)
{
    (void)state;
    uint8_t buf[SB_FRAME_OVERHEAD + 40];
    size_t n = sb_frame_encode_paced(buf, sizeof(buf), 9, 40, 5, 3);
    sb_frame_restamp(buf, 1000 + 9, 7);
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 64), SBUF_OK);
    /* good, with both times as restamped, in the frame's own bytes (frame.h's table) */
    struct sb_frame f;
    struct sbuf_span v[2] = {{buf, n}, {NULL, 0}};
    size_t pos = 0;
    assert_int_equal(sb_decoder_next(&d, v, &pos, &f), SB_FRAME_GOOD);
    assert_int_equal(pos, n);
    assert_int_equal(f.seq, 9);
    assert_true(sb_payload_check(9, f.payload, f.len));
    assert_int_equal(f.send_ns, 1009);
    assert_int_equal(f.intended_ns, 7);
    assert_int_equal(buf[20], 1009 & 0xff);
    assert_int_equal(buf[21], 1009 >> 8);
    assert_int_equal(buf[28], 7);
    sb_decoder_free(&d);
}

/* A frame damaged at byte `at`, then a good one: only the good one decodes,
 * and every byte of the damaged one is counted as garbage. */
static void check_damage(size_t at, uint8_t mask, uint32_t len)
{
    struct stream s = {0};
    size_t first = put_frame(&s, 1, len);
    put_frame(&s, 2, len);
    s.buf[at] ^= mask;
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 1024), SBUF_OK);
    size_t pos;
    struct tally t = decode_all(&d, s.buf, s.len, &pos);
    assert_int_equal(pos, s.len);
    assert_int_equal(t.good, 1);
    assert_int_equal(t.seq[0], 2);
    assert_true(t.payload_ok);
    assert_int_equal(d.st.garbage_bytes, first);
    assert_int_equal(d.st.resyncs, 1);
    if (at >= 2) /* past the magic, the frame is found and a check fails */
        assert_true(t.crc >= 1);
    sb_decoder_free(&d);
    free(s.buf);
}

static void test_header_corruption(void **state)
{
    (void)state;
    for (size_t at = 0; at < SB_FRAME_HEADER; at++)
        for (int bit = 0; bit < 8; bit++)
            check_damage(at, (uint8_t)(1u << bit), 40);
    for (size_t at = 0; at < SB_FRAME_TRAILER; at++) /* the frame CRC itself */
        for (int bit = 0; bit < 8; bit++)
            check_damage(SB_FRAME_HEADER + 40 + at, (uint8_t)(1u << bit), 40);
}

static void test_payload_corruption(void **state)
{
    (void)state;
    for (size_t i = 0; i < 50; i++) {
        check_damage(SB_FRAME_HEADER + i, 0x01, 50);
        check_damage(SB_FRAME_HEADER + i, 0x80, 50);
    }
}

/* Good CRC, wrong content: a header that claims another sequence number
 * (resealed) passes the decoder; the payload pattern check catches it. */
static void test_payload_bound_to_sequence(void **state)
{
    (void)state;
    uint8_t buf[SB_FRAME_OVERHEAD + 24];
    size_t n = sb_frame_encode(buf, sizeof(buf), 5, 24, 1000 + 6);
    buf[12] = 6; /* sequence 5 -> 6 */
    reseal_frame(buf, 24);
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 64), SBUF_OK);
    size_t pos;
    struct tally t = decode_all(&d, buf, n, &pos);
    assert_int_equal(t.good, 1);
    assert_int_equal(t.seq[0], 6);
    assert_false(t.payload_ok);
    /* and every payload byte matters */
    uint8_t p[24];
    sb_payload_fill(77, p, sizeof(p));
    for (size_t i = 0; i < sizeof(p); i++) {
        p[i] ^= 0x10;
        assert_false(sb_payload_check(77, p, sizeof(p)));
        p[i] ^= 0x10;
    }
    assert_true(sb_payload_check(77, p, sizeof(p)));
    sb_decoder_free(&d);
}

static void build_three(struct stream *s)
{
    put_frame(s, 10, 0);
    put_frame(s, 11, 37);
    put_frame(s, 12, 200);
}

static void expect_three(const struct tally *t)
{
    assert_int_equal(t->good, 3);
    assert_int_equal(t->seq[0], 10);
    assert_int_equal(t->seq[1], 11);
    assert_int_equal(t->seq[2], 12);
    assert_true(t->payload_ok);
    assert_int_equal(t->crc + t->bad, 0);
}

/* Bytes arrive as a prefix of k, then the rest: nothing is lost, nothing
 * is taken for garbage. */
static void test_split_prefix_every_offset(void **state)
{
    (void)state;
    struct stream s = {0};
    build_three(&s);
    for (size_t k = 0; k <= s.len; k++) {
        struct sb_decoder d;
        assert_int_equal(sb_decoder_init(&d, 256), SBUF_OK);
        struct tally t = {.payload_ok = 1};
        size_t pos = 0;
        struct sbuf_span part[2] = {{s.buf, k}, {NULL, 0}};
        drain(&d, part, &pos, &t);
        assert_true(pos <= k);
        if (pos < k) /* what stays must be a frame start the decoder waits on */
            assert_true(d.need > k - pos && d.need <= sb_frame_size(256));
        struct sbuf_span all[2] = {{s.buf, s.len}, {NULL, 0}};
        drain(&d, all, &pos, &t);
        assert_int_equal(pos, s.len);
        expect_three(&t);
        assert_int_equal(d.st.garbage_bytes + d.st.resyncs, 0);
        sb_decoder_free(&d);
    }
    free(s.buf);
}

/* The stream lies in two spans (a ring's wrap point) split at k. */
static void test_split_two_spans_every_offset(void **state)
{
    (void)state;
    struct stream s = {0};
    build_three(&s);
    for (size_t k = 0; k <= s.len; k++) {
        /* separate allocations, so a straddling frame is really discontiguous */
        uint8_t *a = malloc(k ? k : 1), *b = malloc(s.len - k ? s.len - k : 1);
        assert_true(a && b);
        memcpy(a, s.buf, k);
        memcpy(b, s.buf + k, s.len - k);
        struct sbuf_span v[2] = {{a, k}, {b, s.len - k}};
        struct sb_decoder d;
        assert_int_equal(sb_decoder_init(&d, 256), SBUF_OK);
        struct tally t = {.payload_ok = 1};
        size_t pos = 0;
        drain(&d, v, &pos, &t);
        assert_int_equal(pos, s.len);
        expect_three(&t);
        assert_int_equal(d.st.garbage_bytes + d.st.resyncs, 0);
        sb_decoder_free(&d);
        free(a);
        free(b);
    }
    free(s.buf);
}

static void test_garbage_resync(void **state)
{
    (void)state;
    struct sb_rng rng;
    sb_rng_seed(&rng, 42);
    static const size_t runs[] = {1, 2, 7, 31, 32, 33, 100, 1000};
    static const uint8_t fake_magic[] = {SB_FRAME_MAGIC0, SB_FRAME_MAGIC1};
    struct stream s = {0};
    size_t garbage = 0, nruns = 0;
    uint64_t seq = 0;
    for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
        size_t before = s.len;
        put_garbage(&s, &rng, runs[r]);
        if (r % 2) /* a false frame start inside the garbage */
            put_bytes(&s, fake_magic, sizeof(fake_magic));
        if (r % 3 == 0) /* a lone first magic byte right before the frame */
            put_bytes(&s, fake_magic, 1);
        garbage += s.len - before;
        nruns++;
        put_frame(&s, seq++, (uint32_t)(r * 13));
        if (r % 2 == 0) /* two frames back to back: no resync between them */
            put_frame(&s, seq++, 5);
    }
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 1024), SBUF_OK);
    size_t pos;
    struct tally t = decode_all(&d, s.buf, s.len, &pos);
    assert_int_equal(pos, s.len);
    assert_int_equal(t.good, seq);
    for (uint64_t i = 0; i < seq; i++)
        assert_int_equal(t.seq[i], i);
    assert_true(t.payload_ok);
    assert_int_equal(d.st.garbage_bytes, garbage);
    assert_int_equal(d.st.resyncs, nruns);
    sb_decoder_free(&d);
    free(s.buf);
}

/* A partial magic at the end is kept until the next bytes say what it is. */
static void test_partial_magic_at_end(void **state)
{
    (void)state;
    struct stream s = {0};
    size_t n = put_frame(&s, 0, 8);
    uint8_t tail[] = {SB_FRAME_MAGIC0, 0x00};
    put_bytes(&s, tail, 2);
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 64), SBUF_OK);
    size_t pos;
    struct tally t = decode_all(&d, s.buf, n + 1, &pos);
    assert_int_equal(t.good, 1);
    assert_int_equal(pos, n); /* the 0xA5 waits */
    assert_int_equal(d.st.garbage_bytes, 0);
    struct sbuf_span v[2] = {{s.buf, s.len}, {NULL, 0}};
    drain(&d, v, &pos, &t);
    assert_int_equal(pos, s.len);
    assert_int_equal(d.st.garbage_bytes, 2);
    assert_int_equal(d.st.resyncs, 1);
    sb_decoder_free(&d);
    free(s.buf);
}

/*
 * Header fields out of bounds are rejected as soon as the header is there:
 * the decoder never asks for (or waits on) the payload a bad length claims.
 */
static void expect_rejected_now(uint8_t *h, int seal, enum sb_frame_event want)
{
    if (seal)
        reseal_length(h);
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 1024), SBUF_OK);
    struct sbuf_span v[2] = {{h, SB_FRAME_HEADER}, {NULL, 0}};
    size_t pos = 0;
    struct sb_frame f;
    assert_int_equal(sb_decoder_next(&d, v, &pos, &f), want);
    assert_int_equal(pos, 1);
    /* the rest is hunted through as garbage, never awaited as a payload */
    struct tally t = {.payload_ok = 1};
    drain(&d, v, &pos, &t);
    assert_int_equal(t.good, 0);
    assert_true(pos == SB_FRAME_HEADER || d.need <= SB_FRAME_HEADER);
    sb_decoder_free(&d);
}

static void test_length_bounds(void **state)
{
    (void)state;
    uint8_t h[SB_FRAME_OVERHEAD + 1024];
    static const uint32_t lens[] = {1025, 4096, SB_FRAME_MAX_PAYLOAD, SB_FRAME_MAX_PAYLOAD + 1,
                                    0x80000000u, 0xffffffffu};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        /* claimed with a valid length check: out of bounds */
        sb_frame_encode(h, sizeof(h), 3, 16, 0);
        le32(h + 4, lens[i]);
        expect_rejected_now(h, 1, SB_FRAME_BAD);
        /* damaged in transit: the length check fails first */
        sb_frame_encode(h, sizeof(h), 3, 16, 0);
        le32(h + 4, lens[i]);
        expect_rejected_now(h, 0, SB_FRAME_CRC_ERROR);
    }
    sb_frame_encode(h, sizeof(h), 3, 16, 0);
    h[2] = SB_FRAME_VERSION + 1;
    expect_rejected_now(h, 1, SB_FRAME_BAD);
    sb_frame_encode(h, sizeof(h), 3, 16, 0);
    h[3] = 0x01;
    expect_rejected_now(h, 1, SB_FRAME_BAD);
    /* the largest legal length is waited for, and asked for exactly */
    sb_frame_encode(h, sizeof(h), 3, 1024, 1003);
    struct sb_decoder d;
    assert_int_equal(sb_decoder_init(&d, 1024), SBUF_OK);
    struct sbuf_span v[2] = {{h, SB_FRAME_HEADER + 10}, {NULL, 0}};
    size_t pos = 0;
    struct sb_frame f;
    assert_int_equal(sb_decoder_next(&d, v, &pos, &f), SB_FRAME_NEED_MORE);
    assert_int_equal(pos, 0);
    assert_int_equal(d.need, sb_frame_size(1024));
    v[0].n = sizeof(h);
    assert_int_equal(sb_decoder_next(&d, v, &pos, &f), SB_FRAME_GOOD);
    sb_decoder_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_sizes),
        cmocka_unit_test(test_encode_rejects),
        cmocka_unit_test(test_restamp),
        cmocka_unit_test(test_header_corruption),
        cmocka_unit_test(test_payload_corruption),
        cmocka_unit_test(test_payload_bound_to_sequence),
        cmocka_unit_test(test_split_prefix_every_offset),
        cmocka_unit_test(test_split_two_spans_every_offset),
        cmocka_unit_test(test_garbage_resync),
        cmocka_unit_test(test_partial_magic_at_end),
        cmocka_unit_test(test_length_bounds),
    };
    return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
