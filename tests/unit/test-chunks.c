/*
 * test-chunks.c - what only the chunks strategy promises: block geometry,
 * views of whole blocks and view_at across them, blocks back in the pool as
 * soon as they are read, every byte of sbuf_space() writable at any read
 * position (the spare block), and pool exhaustion: counted, then either
 * served by bounded, counted fallback blocks that are kept for the next
 * burst, or refused.  The general contract is test-conformance's.
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
#include "sbuf/chunks.h"

#define SEED 0xC4u

static void open_stream(struct sbt_stream *s, size_t cap, size_t block, size_t max, int exhaust)
{
    struct sbuf_config cfg = sbt_config(cap);
    cfg.block_size = block;
    cfg.max_capacity = max;
    cfg.on_exhaust = exhaust;
    s->b = NULL;
    assert_int_equal(sbuf_create("chunks", &cfg, &s->b), SBUF_OK);
    s->seed = SEED;
    s->in = s->out = 0;
}

static struct sbuf_chunks_stats cstats(struct sbuf *b)
{
    struct sbuf_chunks_stats cs;
    assert_int_equal(sbuf_chunks_stats(b, &cs), SBUF_OK);
    return cs;
}

/* ---- geometry --------------------------------------------------------- */

static void geometry(void **state)
{
    (void)state;
    struct sbt_stream s;
    /* Capacity rounded up to whole 4 KiB blocks; the pool has one spare. */
    open_stream(&s, 10000, 0, 0, SBUF_EXHAUST_FALLBACK);
    struct sbuf_chunks_stats cs = cstats(s.b);
    assert_int_equal(sbuf_capacity(s.b), 12288);
    assert_int_equal(cs.block_size, 4096);
    assert_int_equal(cs.pool.blocks_total, 4);
    assert_int_equal(cs.pool.blocks_free, 4);
    assert_int_equal(sbt_stats(s.b).allocations, 3); /* header, descriptors, pool */
    sbuf_destroy(s.b);
    /* Block size capped at the capacity. */
    open_stream(&s, 100, 0, 0, SBUF_EXHAUST_FALLBACK);
    assert_int_equal(cstats(s.b).block_size, 100);
    assert_int_equal(sbuf_capacity(s.b), 100);
    sbuf_destroy(s.b);
    open_stream(&s, 100, 30, 0, SBUF_EXHAUST_REFUSE);
    assert_int_equal(sbuf_capacity(s.b), 120);
    sbuf_destroy(s.b);
}

static void bad_config(void **state)
{
    (void)state;
    struct sbuf_config cfg = sbt_config(1000);
    struct sbuf *b = (struct sbuf *)&b;
    cfg.max_capacity = 999;
    assert_int_equal(sbuf_create("chunks", &cfg, &b), SBUF_ERANGE);
    assert_null(b);
    cfg.max_capacity = SBUF_MAX_CAPACITY + 1;
    assert_int_equal(sbuf_create("chunks", &cfg, &b), SBUF_ERANGE);
    /* Blocks so small the descriptor ring would be absurd. */
    cfg = sbt_config((size_t)64 << 20);
    cfg.block_size = 1;
    assert_int_equal(sbuf_create("chunks", &cfg, &b), SBUF_ERANGE);

    struct sbuf_chunks_stats cs;
    assert_int_equal(sbuf_chunks_stats(NULL, &cs), SBUF_EINVAL);
    cfg = sbt_config(1000);
    assert_int_equal(sbuf_create("adaptive", &cfg, &b), SBUF_OK);
    assert_int_equal(sbuf_chunks_stats(b, &cs), SBUF_EINVAL); /* not a chunks buffer */
    sbuf_destroy(b);
    assert_int_equal(sbuf_create("chunks", &cfg, &b), SBUF_OK);
    assert_int_equal(sbuf_chunks_stats(b, NULL), SBUF_EINVAL);
    sbuf_destroy(b);
}

/* ---- views ------------------------------------------------------------ */

static void views_are_blocks(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 192, 64, 0, SBUF_EXHAUST_REFUSE);
    assert_int_equal(sbt_put(&s, 20), 20);
    sbt_get(&s, 20);
    assert_int_equal(sbt_put(&s, 150), 150); /* bytes 20..169: blocks 0, 1, 2 */

    /* read_view: the rest of block 0 and all of block 1, zero copy. */
    struct sbuf_span v[2];
    assert_int_equal(sbuf_read_view(s.b, v), 44 + 64);
    sbuf_read_release(s.b, 0);
    assert_int_equal(v[0].n, 44);
    assert_int_equal(v[1].n, 64);
    assert_int_equal(sbt_pattern_check(v[0].p, SEED, 20, 44), 44);
    assert_int_equal(sbt_pattern_check(v[1].p, SEED, 64, 64), 64);

    /* view_at walks on into block 2: peek sees all of it. */
    const struct sbuf_ops *ops = sbuf_ops_of(s.b);
    assert_non_null(ops->view_at);
    assert_int_equal(ops->view_at(s.b, 44 + 64, v), 42);
    assert_int_equal(v[1].n, 0);
    assert_int_equal(sbt_pattern_check(v[0].p, SEED, 128, 42), 42);
    assert_int_equal(ops->view_at(s.b, 150, v), 0);
    uint8_t tmp[150];
    assert_int_equal(sbuf_peek(s.b, tmp, sizeof(tmp)), 150);
    assert_int_equal(sbt_pattern_check(tmp, SEED, 20, 150), 150);

    /* The reservation: the free tail of block 2, then a fresh block. */
    assert_int_equal(sbuf_write_reserve(s.b, v), 192 - 150);
    sbuf_write_commit(s.b, 0);
    assert_int_equal(v[0].n, 22);
    assert_int_equal(v[1].n, 20);
    sbt_get(&s, 150);
    sbuf_destroy(s.b);
}

/* A delimiter split over two blocks, in the third block, at a block end. */
static void lines_across_blocks(void **state)
{
    (void)state;
    struct sbuf_config cfg = sbt_config(64);
    cfg.block_size = 8;
    struct sbuf *b = NULL;
    assert_int_equal(sbuf_create("chunks", &cfg, &b), SBUF_OK);
    const char *text = "abcdef\r\nghijklmnopqrstu\r\nvwxyz012\r\n";
    size_t n = strlen(text);
    assert_int_equal(sbuf_write(b, text, n), n);
    char line[64];
    size_t len = 0;
    assert_int_equal(sbuf_readline(b, line, sizeof(line), "\r\n", 2, &len), SBUF_OK);
    assert_int_equal(len, 8);
    assert_memory_equal(line, "abcdef\r\n", 8);
    assert_int_equal(sbuf_readline(b, line, sizeof(line), "\r\n", 2, &len), SBUF_OK);
    assert_int_equal(len, 17);
    assert_memory_equal(line, "ghijklmnopqrstu\r\n", 17);
    assert_int_equal(sbuf_find(b, "012\r\n", 5), 10);
    assert_int_equal(sbuf_readline(b, line, sizeof(line), "\r\n", 2, &len), SBUF_OK);
    assert_int_equal(len, 10);
    assert_true(sbuf_empty(b));
    sbuf_destroy(b);
}

/* ---- blocks and the pool ---------------------------------------------- */

static void blocks_return_to_the_pool(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 256, 64, 0, SBUF_EXHAUST_REFUSE);
    assert_int_equal(sbt_put(&s, 256), 256);
    struct sbuf_chunks_stats cs = cstats(s.b);
    assert_int_equal(cs.pool.in_use, 4);
    assert_int_equal(cs.pool.blocks_free, 1); /* the spare */
    sbt_get(&s, 63);
    assert_int_equal(cstats(s.b).pool.in_use, 4); /* block 0 not read to its end */
    sbt_get(&s, 1);
    assert_int_equal(cstats(s.b).pool.in_use, 3); /* now it is back */
    sbt_get(&s, 150);
    assert_int_equal(cstats(s.b).pool.in_use, 1);
    sbt_get(&s, 42);
    cs = cstats(s.b);
    assert_int_equal(cs.pool.in_use, 0);
    assert_int_equal(cs.pool.blocks_free, 5);
    assert_int_equal(cs.pool.errors, 0);
    assert_int_equal(cs.pool.hits, 4);
    /* Over a long stream the pool serves every block: no miss, no error. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(sbt_put(&s, 100), 100);
        sbt_get(&s, 100);
    }
    cs = cstats(s.b);
    assert_int_equal(cs.pool.errors, 0);
    assert_int_equal(cs.pool.misses, 0);
    assert_int_equal(cs.misses, 0);
    assert_true(cs.pool.in_use <= 2);
    assert_true(cs.pool.peak_in_use <= 5);
    sbuf_destroy(s.b);
}

/* At every read position, all of sbuf_space() can be written in one
 * write_all: the spare block covers the half-read one. */
static void space_is_always_writable(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 128, 32, 0, SBUF_EXHAUST_REFUSE);
    struct sbt_rng r;
    sbt_rng_seed(&r, 17);
    for (int i = 0; i < 2000; i++) {
        size_t level = (size_t)(s.in - s.out);
        if (level)
            sbt_get(&s, (size_t)sbt_rng_range(&r, 1, level));
        size_t space = sbuf_space(s.b);
        assert_int_equal(space, 128 - (size_t)(s.in - s.out));
        assert_int_equal(sbt_put_all(&s, space), space);
        assert_true(sbuf_full(s.b));
    }
    struct sbuf_chunks_stats cs = cstats(s.b);
    assert_int_equal(cs.misses, 0);
    assert_int_equal(cs.pool.misses, 0);
    assert_int_equal(sbt_stats(s.b).overflows, 0);
    sbuf_destroy(s.b);
}

/* ---- exhaustion ------------------------------------------------------- */

static void fallback_counted_and_bounded(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbt_stream s;
    open_stream(&s, 256, 64, 512, SBUF_EXHAUST_FALLBACK);
    assert_int_equal(sbt_put(&s, 256), 256); /* the pool's share: no miss */
    assert_int_equal(cstats(s.b).misses, 0);
    uint64_t allocs = sbt_stats(s.b).allocations;

    /* 100 more: a miss, two blocks from the allocator, capacity grows. */
    assert_int_equal(sbt_put(&s, 100), 100);
    struct sbuf_chunks_stats cs = cstats(s.b);
    struct sbuf_stats st = sbt_stats(s.b);
    assert_int_equal(cs.misses, 1);
    assert_int_equal(cs.fallback_blocks, 2);
    assert_int_equal(st.allocations, allocs + 2);
    assert_int_equal(st.capacity, 384);
    assert_int_equal(st.overflows, 0);

    /* A burst past max_capacity: it grows to the bound and no further. */
    assert_int_equal(sbt_put(&s, 1000), 512 - 356);
    cs = cstats(s.b);
    st = sbt_stats(s.b);
    assert_int_equal(cs.misses, 2);
    assert_int_equal(cs.fallback_blocks, 4);
    assert_int_equal(st.capacity, 512);
    assert_int_equal(st.overflows, 1);
    assert_int_equal(sbt_put_all(&s, 10), 0);
    assert_int_equal(sbt_put(&s, 10), 0);
    assert_int_equal(cstats(s.b).fallback_blocks, 4);
    assert_int_equal(sbt_alloc_counts().live, allocs + 4);

    /* Drained: pool blocks go back; fallback blocks stay as spares. */
    sbt_get(&s, 512);
    cs = cstats(s.b);
    assert_int_equal(cs.pool.in_use, 0);
    assert_int_equal(cs.pool.errors, 0);
    assert_int_equal(sbuf_capacity(s.b), 512);

    /* The next bursts reuse them: no miss, no allocation. */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(sbt_put(&s, 500), 500);
        sbt_get(&s, 500);
    }
    cs = cstats(s.b);
    assert_int_equal(cs.misses, 4);
    assert_int_equal(cs.fallback_blocks, 4);
    assert_int_equal(sbt_stats(s.b).allocations, allocs + 4);

    sbt_alloc_destroy_clean(s.b);
}

static void default_bound_is_four_times(void **state)
{
    (void)state;
    struct sbt_stream s;
    open_stream(&s, 1000, 100, 0, SBUF_EXHAUST_FALLBACK);
    assert_int_equal(sbt_put(&s, 10000), 4000);
    assert_int_equal(sbuf_capacity(s.b), 4000);
    assert_int_equal(cstats(s.b).fallback_blocks, 30);
    sbt_get(&s, 4000);
    sbuf_destroy(s.b);
}

/* A fallback allocation that fails: the write gets what the buffer has. */
static void fallback_allocation_failure(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbt_stream s;
    open_stream(&s, 256, 64, 1024, SBUF_EXHAUST_FALLBACK);
    sbt_alloc_fail_at(sbt_alloc_counts().allocs + 1); /* one block, then nothing */
    assert_int_equal(sbt_put(&s, 400), 320);
    assert_int_equal(sbuf_capacity(s.b), 320);
    assert_int_equal(cstats(s.b).fallback_blocks, 1);
    sbt_get(&s, 320);
    sbt_alloc_destroy_clean(s.b);
}

static void refuse_counted(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbt_stream s;
    open_stream(&s, 256, 64, 4096, SBUF_EXHAUST_REFUSE); /* max ignored */
    uint64_t allocs = sbt_stats(s.b).allocations;
    assert_int_equal(sbt_put(&s, 256), 256);
    assert_int_equal(sbt_put(&s, 10), 0);
    assert_int_equal(sbt_put_all(&s, 10), 0);
    assert_int_equal(sbt_put(&s, 0), 0); /* fits: not a miss */
    struct sbuf_chunks_stats cs = cstats(s.b);
    struct sbuf_stats st = sbt_stats(s.b);
    assert_int_equal(cs.misses, 2);
    assert_int_equal(cs.fallback_blocks, 0);
    assert_int_equal(st.overflows, 2);
    assert_int_equal(st.allocations, allocs);
    assert_int_equal(st.capacity, 256);
    assert_int_equal(sbt_alloc_counts().allocs, allocs);
    /* 10 bytes read from the first block: 10 can be written again. */
    sbt_get(&s, 10);
    assert_int_equal(sbt_put(&s, 20), 10);
    assert_int_equal(cstats(s.b).misses, 3);
    sbt_get(&s, 256);
    sbuf_destroy(s.b);
    sbt_alloc_remove();
}

/* ---- one producer, one consumer --------------------------------------- */

#define STREAM_BYTES ((uint64_t)16 << 20)

static size_t produce(const struct sbt_duo *d, struct sbt_rng *r, uint64_t in)
{
    uint8_t tmp[300];
    size_t n = (size_t)sbt_rng_range(r, 1, sizeof(tmp));
    if (n > d->total - in)
        n = (size_t)(d->total - in);
    size_t k;
    if (n & 1) {
        sbt_pattern_fill(tmp, SEED, in, n);
        k = sbuf_write(d->b, tmp, n);
    } else {
        struct sbuf_span v[2];
        size_t t = sbuf_write_reserve(d->b, v);
        k = n < t ? n : t;
        sbt_pattern_fill_spans(v, SEED, in, k);
        sbuf_write_commit(d->b, k);
    }
    if (k < n)
        sched_yield();
    return k;
}

static size_t consume(const struct sbt_duo *d, struct sbt_rng *r, uint64_t out, int *bad)
{
    uint8_t tmp[200];
    size_t n;
    if (sbt_rng_below(r, 2)) {
        struct sbuf_span v[2];
        n = sbuf_read_view(d->b, v);
        *bad |= sbt_pattern_check_spans(v, SEED, out, n) != n;
        sbuf_read_release(d->b, n);
    } else {
        n = sbuf_peek(d->b, tmp, sizeof(tmp));
        *bad |= sbt_pattern_check(tmp, SEED, out, n) != n;
        n = sbuf_read(d->b, tmp, n);
    }
    return n;
}

static void two_threads(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbuf_config cfg = sbt_config(128);
    cfg.block_size = 16;
    cfg.max_capacity = 1024;
    struct sbt_duo d = {.seed = SEED, .total = STREAM_BYTES, .produce_seed = 21,
                        .consume_seed = 23, .produce = produce, .consume = consume};
    assert_int_equal(sbuf_create("chunks", &cfg, &d.b), SBUF_OK);
    sbt_duo_run(&d);
    struct sbuf *b = d.b;
    struct sbuf_stats st = sbt_stats(b);
    struct sbuf_chunks_stats cs = cstats(b);
    assert_int_equal(st.bytes_out, STREAM_BYTES);
    assert_true(st.capacity <= 1024);
    assert_int_equal(cs.pool.errors, 0);
    assert_int_equal(st.allocations, sbt_alloc_counts().allocs);
    sbt_alloc_destroy_clean(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geometry),
        cmocka_unit_test(bad_config),
        cmocka_unit_test(views_are_blocks),
        cmocka_unit_test(lines_across_blocks),
        cmocka_unit_test(blocks_return_to_the_pool),
        cmocka_unit_test(space_is_always_writable),
        cmocka_unit_test(fallback_counted_and_bounded),
        cmocka_unit_test(default_bound_is_four_times),
        cmocka_unit_test(fallback_allocation_failure),
        cmocka_unit_test(refuse_counted),
        cmocka_unit_test(two_threads),
    };
    return cmocka_run_group_tests_name("chunks", tests, NULL, NULL);
}
