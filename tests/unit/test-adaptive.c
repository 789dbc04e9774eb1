/*
 * test-adaptive.c - the resize policy of the adaptive strategy, to the
 * operation: doubling when a write does not fit, up to the maximum; halving
 * after 50 operations of low mean utilisation, never below the minimum nor
 * below what is stored; every byte kept across resizes; resizes, copies and
 * allocations counted; a consumer's open view survives a resize.
 *
 * An "operation" is a write_commit or read_release that moves a byte (see
 * adaptive.c); sbuf_write and sbuf_read of a size that fits are one each.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "sbt.h"
#include "sbt_alloc.h"
#include "sbt_duo.h"
#include "sbt_io.h"
#include "sbt_rng.h"
#include "sbt_stream.h"

#define SEED 0xADA9u

static void open_stream(struct sbt_stream *s, size_t cap, size_t min, size_t max)
{
    struct sbuf_config cfg = sbt_config(cap);
    cfg.min_capacity = min;
    cfg.max_capacity = max;
    s->b = NULL;
    assert_int_equal(sbuf_create("adaptive", &cfg, &s->b), SBUF_OK);
    s->seed = SEED;
    s->in = s->out = 0;
}

/* ---- growth ----------------------------------------------------------- */

static void doubles_until_it_fits(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 100, 0, 800);
    assert_int_equal(sbt_stats(s.b).allocations, 2); /* header and array */
    assert_int_equal(sbt_put(&s, 80), 80);
    assert_int_equal(sbuf_capacity(s.b), 100);

    /* 20 free, 100 wanted: one doubling, the 80 stored bytes copied. */
    assert_int_equal(sbt_put(&s, 100), 100);
    struct sbuf_stats st = sbt_stats(s.b);
    assert_int_equal(st.capacity, 200);
    assert_int_equal(st.resizes, 1);
    assert_int_equal(st.bytes_copied, 80);
    assert_int_equal(st.allocations, 3);
    assert_int_equal(st.overflows, 0);

    /* 180 stored + 500: 200 -> 400 -> 800 in one step (one allocation). */
    assert_int_equal(sbt_put(&s, 500), 500);
    st = sbt_stats(s.b);
    assert_int_equal(st.capacity, 800);
    assert_int_equal(st.resizes, 2);
    assert_int_equal(st.bytes_copied, 80 + 180);
    assert_int_equal(st.allocations, 4);

    /* At the maximum: the write takes what fits, an overflow, no resize. */
    assert_int_equal(sbt_put(&s, 200), 120);
    st = sbt_stats(s.b);
    assert_int_equal(st.capacity, 800);
    assert_int_equal(st.resizes, 2);
    assert_int_equal(st.overflows, 1);
    assert_int_equal(sbuf_space(s.b), 0);
    /* write_all of more than can ever fit: refused whole. */
    uint8_t one[4] = {0};
    assert_int_equal(sbuf_write_all(s.b, one, sizeof(one)), 0);

    sbt_get(&s, 800);
    assert_true(sbuf_empty(s.b));
    sbuf_destroy(s.b);
}

static void maximum_stops_the_last_step(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 100, 0, 350); /* 100 -> 200 -> 350, not 400 */
    assert_int_equal(sbt_put(&s, 1000), 350);
    assert_int_equal(sbuf_capacity(s.b), 350);
    sbt_get(&s, 350);
    sbuf_destroy(s.b);

    /* Default maximum: 64 x capacity. */
    open_stream(&s, 16, 0, 0);
    assert_int_equal(sbt_put(&s, 5000), 1024);
    assert_int_equal(sbuf_capacity(s.b), 1024);
    sbt_get(&s, 1024);
    sbuf_destroy(s.b);
}

/* Data that wraps around the end of the array comes out in order. */
static void growth_keeps_wrapped_data(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 64, 0, 1024);
    assert_int_equal(sbt_put(&s, 50), 50);
    sbt_get(&s, 40);
    assert_int_equal(sbt_put(&s, 40), 40); /* 10 + 40 stored, 16 of them at the start */
    struct sbuf_span v[2];
    size_t n = sbuf_read_view(s.b, v);
    sbuf_read_release(s.b, 0);
    assert_int_equal(n, 50);
    assert_true(v[1].n > 0);
    uint64_t copied = sbt_stats(s.b).bytes_copied;
    assert_int_equal(sbt_put(&s, 100), 100);
    assert_int_equal(sbt_stats(s.b).bytes_copied - copied, 50);
    n = sbuf_read_view(s.b, v);
    sbuf_read_release(s.b, 0);
    assert_int_equal(n, 150);
    assert_int_equal(v[1].n, 0); /* linear after the copy */
    sbt_get(&s, 150);
    sbuf_destroy(s.b);
}

/* The consumer holds a view across a resize: its spans stay readable (the
 * old array is freed only when it releases) and the release lands right. */
static void view_survives_resize(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbt_stream s;
    open_stream(&s, 64, 0, 16384);
    assert_int_equal(sbt_put(&s, 60), 60);
    struct sbuf_span v[2];
    size_t n = sbuf_read_view(s.b, v);
    assert_int_equal(n, 60);
    assert_int_equal(sbt_put(&s, 1000), 1000); /* grows while the view is open */
    assert_int_equal(sbuf_capacity(s.b), 2048);
    /* ASan turns a read of a freed array into a failure here. */
    assert_int_equal(sbt_pattern_check(v[0].p, SEED, 0, v[0].n), v[0].n);
    sbuf_read_release(s.b, 25);
    s.out = 25;
    /* Two resizes within one view: the intermediate array is freed at once
     * (the consumer never saw it), the viewed one when the view closes. */
    n = sbuf_read_view(s.b, v);
    assert_int_equal(n, 1035);
    assert_int_equal(sbt_put(&s, 2000), 2000);
    assert_int_equal(sbuf_capacity(s.b), 4096);
    assert_int_equal(sbt_put(&s, 5000), 5000);
    assert_int_equal(sbuf_capacity(s.b), 8192);
    /* the header, the 8192 array and the viewed one */
    assert_int_equal(sbt_alloc_counts().live, 3);
    assert_int_equal(sbt_pattern_check(v[0].p, SEED, 25, v[0].n), v[0].n);
    sbuf_read_release(s.b, 0);
    assert_int_equal(sbt_alloc_counts().live, 2);
    sbt_get(&s, 8035);

    sbuf_destroy(s.b);

    /* A peek while a view is open, with a resize after each: both arrays the
     * consumer still references are kept, and freed as it lets go of them. */
    open_stream(&s, 64, 0, 1024);
    assert_int_equal(sbt_put(&s, 40), 40);
    n = sbuf_read_view(s.b, v);
    assert_int_equal(sbt_put(&s, 60), 60); /* 64 -> 128: the viewed array retired */
    uint8_t tmp[100];
    assert_int_equal(sbuf_peek(s.b, tmp, 100), 100);
    assert_int_equal(sbt_put(&s, 200), 200); /* 128 -> 512: the peeked one retired too */
    assert_int_equal(sbuf_capacity(s.b), 512);
    /* live: the header, the array, and the two retired arrays */
    assert_int_equal(sbt_alloc_counts().live, 4);
    assert_int_equal(sbt_pattern_check(v[0].p, SEED, 0, v[0].n), v[0].n);
    assert_int_equal(sbt_pattern_check(tmp, SEED, 0, 100), 100);
    sbuf_read_release(s.b, 40); /* the peek is over too: both arrays go */
    s.out = 40;
    assert_int_equal(sbt_alloc_counts().live, 2);
    sbt_get(&s, 260);
    sbt_alloc_destroy_clean(s.b);
}

/* ---- shrinking -------------------------------------------------------- */

/* One write and one read of n bytes: two operations. */
static void pair(struct sbt_stream *s, size_t n)
{
    assert_int_equal(sbt_put(s, n), n);
    sbt_get(s, n);
}

static void halves_after_50_quiet_operations(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 4096, 1024, 0);
    /* 25 pairs fill the window with 50 samples of at most 0.25 %. */
    for (int i = 0; i < 25; i++)
        pair(&s, 10);
    assert_int_equal(sbuf_capacity(s.b), 4096);
    /* The 51st operation, a commit, sees a full, quiet window: halve. */
    assert_int_equal(sbt_put(&s, 10), 10);
    struct sbuf_stats st = sbt_stats(s.b);
    assert_int_equal(st.capacity, 2048);
    assert_int_equal(st.resizes, 1);
    assert_int_equal(st.bytes_copied, 10);
    sbt_get(&s, 10);
    /* The window restarted: 49 more operations are not enough ... */
    for (int i = 0; i < 24; i++)
        pair(&s, 10);
    assert_int_equal(sbuf_capacity(s.b), 2048);
    /* ... the 50th after the resize is. */
    assert_int_equal(sbt_put(&s, 10), 10);
    assert_int_equal(sbuf_capacity(s.b), 1024);
    sbt_get(&s, 10);
    /* The minimum holds however quiet it stays. */
    for (int i = 0; i < 200; i++)
        pair(&s, 10);
    assert_int_equal(sbuf_capacity(s.b), 1024);
    assert_int_equal(sbt_stats(s.b).resizes, 2);
    sbuf_destroy(s.b);
}

static void zero_byte_calls_are_not_operations(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 4096, 1024, 0);
    uint8_t tmp[8];
    /* Polls of an empty buffer and abandoned reservations: not traffic. */
    for (int i = 0; i < 500; i++) {
        assert_int_equal(sbuf_read(s.b, tmp, sizeof(tmp)), 0);
        struct sbuf_span v[2];
        sbuf_write_reserve(s.b, v);
        sbuf_write_commit(s.b, 0);
    }
    assert_int_equal(sbt_put(&s, 10), 10);
    assert_int_equal(sbuf_capacity(s.b), 4096);
    sbt_get(&s, 10);
    sbuf_destroy(s.b);
}

static void busy_buffer_does_not_shrink(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 1000, 100, 0);
    assert_int_equal(sbt_put(&s, 400), 400);
    /* Level stays 400..430 of 1000: a mean near 40 %. */
    for (int i = 0; i < 300; i++)
        pair(&s, 30);
    assert_int_equal(sbuf_capacity(s.b), 1000);
    assert_int_equal(sbt_stats(s.b).resizes, 0);
    sbt_get(&s, 400);
    sbuf_destroy(s.b);
}

static void never_below_what_is_stored(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 4096, 256, 0);
    /* 49 quiet operations, then a commit that leaves 3000 bytes stored: the
     * mean is still under 25 %, but half the capacity would not hold them. */
    for (int i = 0; i < 24; i++)
        pair(&s, 1);
    assert_int_equal(sbt_put(&s, 1), 1);
    assert_int_equal(sbt_put(&s, 2999), 2999);
    assert_int_equal(sbuf_capacity(s.b), 4096);
    /* Nor the next few, while the data is there. */
    for (int i = 0; i < 10; i++)
        pair(&s, 1);
    assert_int_equal(sbuf_capacity(s.b), 4096);
    sbt_get(&s, 3000);
    assert_int_equal(sbt_stats(s.b).resizes, 0);
    sbuf_destroy(s.b);
}

static void default_minimum(void **state)
{
    (void)state;
    struct sbt_stream s;
    /* min(capacity, 1 KiB): a 512-byte buffer never shrinks ... */
    open_stream(&s, 512, 0, 0);
    for (int i = 0; i < 200; i++)
        pair(&s, 1);
    assert_int_equal(sbuf_capacity(s.b), 512);
    sbuf_destroy(s.b);
    /* ... an 8 KiB one shrinks to 1 KiB and stops. */
    open_stream(&s, 8192, 0, 0);
    for (int i = 0; i < 500; i++)
        pair(&s, 1);
    assert_int_equal(sbuf_capacity(s.b), 1024);
    assert_int_equal(sbt_stats(s.b).resizes, 3);
    sbuf_destroy(s.b);
}

/* Grow, shrink, grow: every byte comes out in order, every array is freed
 * with the size it was allocated with. */
static void resizes_keep_every_byte(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbt_stream s;
    open_stream(&s, 256, 64, 8192);
    struct sbt_rng r;
    sbt_rng_seed(&r, 5);
    for (int round = 0; round < 2000; round++) {
        size_t level = (size_t)(s.in - s.out);
        if (sbt_rng_below(&r, 3) == 0) {
            size_t n = (size_t)sbt_rng_range(&r, 1, 3000);
            size_t k = sbt_put(&s, n);
            assert_true(k == n || sbuf_capacity(s.b) == 8192);
        } else if (level) {
            sbt_get(&s, (size_t)sbt_rng_range(&r, 1, level));
        }
    }
    sbt_get(&s, (size_t)(s.in - s.out));
    struct sbuf_stats st = sbt_stats(s.b);
    assert_true(st.resizes > 10);
    assert_int_equal(st.allocations, sbt_alloc_counts().allocs);
    sbt_alloc_destroy_clean(s.b);
}

static void bad_limits(void **state)
{
    (void)state;
    struct sbuf_config cfg = sbt_config(1000);
    struct sbuf *b = (struct sbuf *)&b;
    cfg.min_capacity = 1001; /* above the start */
    assert_int_equal(sbuf_create("adaptive", &cfg, &b), SBUF_ERANGE);
    assert_null(b);
    cfg = sbt_config(1000);
    cfg.max_capacity = 999; /* below the start */
    assert_int_equal(sbuf_create("adaptive", &cfg, &b), SBUF_ERANGE);
    cfg.max_capacity = SBUF_MAX_CAPACITY + 1;
    assert_int_equal(sbuf_create("adaptive", &cfg, &b), SBUF_ERANGE);
    /* A default maximum past the limit (64 x capacity): capped, not overflowed. */
    cfg = sbt_config(SBUF_MAX_CAPACITY / 64 + 1);
    cfg.max_capacity = 0;
    cfg.min_capacity = 0;
    assert_int_equal(sbuf_create("adaptive", &cfg, &b), SBUF_OK);
    sbuf_destroy(b);
}

/* ---- one producer, one consumer, resizing all the while -------------- */

#define STREAM_BYTES ((uint64_t)16 << 20)

static size_t produce(const struct sbt_duo *d, struct sbt_rng *r, uint64_t in)
{
    uint8_t tmp[6000];
    /* Bursts that force growth, then a trickle that lets it shrink. */
    size_t n = (in >> 18) & 1 ? (size_t)sbt_rng_range(r, 1, 64)
                              : (size_t)sbt_rng_range(r, 1, sizeof(tmp));
    if (n > d->total - in)
        n = (size_t)(d->total - in);
    sbt_pattern_fill(tmp, SEED, in, n);
    size_t k = sbuf_write(d->b, tmp, n);
    if (k < n)
        sched_yield();
    return k;
}

static size_t consume(const struct sbt_duo *d, struct sbt_rng *r, uint64_t out, int *bad)
{
    struct sbuf *b = d->b;
    uint8_t tmp[100];
    struct sbuf_span v[2];
    size_t n = 0;
    switch (sbt_rng_below(r, 3)) {
    case 0: { /* zero copy, released in two steps */
        n = sbuf_read_view(b, v);
        *bad |= sbt_pattern_check_spans(v, SEED, out, n) != n;
        sbuf_read_release(b, n / 2);
        out += n / 2;
        size_t one = sbuf_read(b, tmp, 1);
        *bad |= one && tmp[0] != sbt_pattern_byte(SEED, out);
        return n / 2 + one;
    }
    case 1:
        n = sbuf_peek(b, tmp, sizeof(tmp));
        *bad |= sbt_pattern_check(tmp, SEED, out, n) != n;
        n = sbuf_read(b, tmp, n);
        *bad |= sbt_pattern_check(tmp, SEED, out, n) != n;
        return n;
    default:
        n = sbuf_read(b, tmp, sizeof(tmp));
        *bad |= sbt_pattern_check(tmp, SEED, out, n) != n;
        return n;
    }
}

static void two_threads(void **state)
{
    (void)state;
    struct sbuf_config cfg = sbt_config(256);
    cfg.max_capacity = 16384;
    struct sbt_duo d = {.seed = SEED, .total = STREAM_BYTES, .produce_seed = 9,
                        .consume_seed = 3, .produce = produce, .consume = consume};
    assert_int_equal(sbuf_create("adaptive", &cfg, &d.b), SBUF_OK);
    sbt_duo_run(&d);
    struct sbuf *b = d.b;
    struct sbuf_stats st = sbt_stats(b);
    assert_int_equal(st.bytes_out, STREAM_BYTES);
    assert_true(st.resizes > 0);
    assert_true(st.capacity <= 16384);
    sbuf_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(doubles_until_it_fits),
        cmocka_unit_test(maximum_stops_the_last_step),
        cmocka_unit_test(growth_keeps_wrapped_data),
        cmocka_unit_test(view_survives_resize),
        cmocka_unit_test(halves_after_50_quiet_operations),
        cmocka_unit_test(zero_byte_calls_are_not_operations),
        cmocka_unit_test(busy_buffer_does_not_shrink),
        cmocka_unit_test(never_below_what_is_stored),
        cmocka_unit_test(default_minimum),
        cmocka_unit_test(resizes_keep_every_byte),
        cmocka_unit_test(bad_limits),
        cmocka_unit_test(two_threads),
    };
    return cmocka_run_group_tests_name("adaptive", tests, NULL, NULL);
}
