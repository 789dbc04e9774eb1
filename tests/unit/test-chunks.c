/*
 * test-chunks.c - what only the chunks strategy promises: block geometry,
 * views of whole blocks and view_at across them, blocks back in the pool as
 * soon as they are read, every byte of sbuf_space() writable at any read
 * position (the spare block), and pool exhaustion: counted, then either
 * served by bounded, counted fallback blocks that are kept for the next
 * burst, or refused.  The general contract is test-conformance's.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sbt.h"
#include "sbt_alloc.h"
#include "sbt_rng.h"
#include "sbuf/chunks.h"

#define SEED 0xC4u

struct stream {
    struct sbuf *b;
    uint64_t in, out;
};

static void open_stream(struct stream *s, size_t cap, size_t block, size_t max, int exhaust)
{
    struct sbuf_config cfg = sbt_config(cap);
    cfg.block_size = block;
    cfg.max_capacity = max;
    cfg.on_exhaust = exhaust;
    s->b = NULL;
    assert_int_equal(sbuf_create("chunks", &cfg, &s->b), SBUF_OK);
    s->in = s->out = 0;
}

static size_t put(struct stream *s, size_t n)
{
    uint8_t *tmp = malloc(n + 1);
    assert_non_null(tmp);
    sbt_pattern_fill(tmp, SEED, s->in, n);
    size_t k = sbuf_write(s->b, tmp, n);
    s->in += k;
    free(tmp);
    return k;
}

static size_t put_all(struct stream *s, size_t n)
{
    uint8_t *tmp = malloc(n + 1);
    assert_non_null(tmp);
    sbt_pattern_fill(tmp, SEED, s->in, n);
    size_t k = sbuf_write_all(s->b, tmp, n);
    s->in += k;
    free(tmp);
    return k;
}

static void get(struct stream *s, size_t n)
{
    uint8_t *tmp = malloc(n + 1);
    assert_non_null(tmp);
    assert_int_equal(sbuf_read(s->b, tmp, n), n);
    assert_int_equal(sbt_pattern_check(tmp, SEED, s->out, n), n);
    s->out += n;
    free(tmp);
}

static struct sbuf_chunks_stats cstats(struct sbuf *b)
{
    struct sbuf_chunks_stats cs;
    assert_int_equal(sbuf_chunks_stats(b, &cs), SBUF_OK);
    return cs;
}

static struct sbuf_stats stats(struct sbuf *b)
{
    struct sbuf_stats st;
    assert_int_equal(sbuf_stats(b, &st), SBUF_OK);
    return st;
}

/* ---- geometry --------------------------------------------------------- */

static void geometry(void **state)
{
    (void)state;
    struct stream s;
    /* Capacity rounded up to whole 4 KiB blocks; the pool has one spare. */
    open_stream(&s, 10000, 0, 0, SBUF_EXHAUST_FALLBACK);
    struct sbuf_chunks_stats cs = cstats(s.b);
    assert_int_equal(sbuf_capacity(s.b), 12288);
    assert_int_equal(cs.block_size, 4096);
    assert_int_equal(cs.pool.blocks_total, 4);
    assert_int_equal(cs.pool.blocks_free, 4);
    assert_int_equal(stats(s.b).allocations, 3); /* header, descriptors, pool */
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
    struct stream s;
    open_stream(&s, 192, 64, 0, SBUF_EXHAUST_REFUSE);
    assert_int_equal(put(&s, 20), 20);
    get(&s, 20);
    assert_int_equal(put(&s, 150), 150); /* bytes 20..169: blocks 0, 1, 2 */

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
    get(&s, 150);
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
    struct stream s;
    open_stream(&s, 256, 64, 0, SBUF_EXHAUST_REFUSE);
    assert_int_equal(put(&s, 256), 256);
    struct sbuf_chunks_stats cs = cstats(s.b);
    assert_int_equal(cs.pool.in_use, 4);
    assert_int_equal(cs.pool.blocks_free, 1); /* the spare */
    get(&s, 63);
    assert_int_equal(cstats(s.b).pool.in_use, 4); /* block 0 not read to its end */
    get(&s, 1);
    assert_int_equal(cstats(s.b).pool.in_use, 3); /* now it is back */
    get(&s, 150);
    assert_int_equal(cstats(s.b).pool.in_use, 1);
    get(&s, 42);
    cs = cstats(s.b);
    assert_int_equal(cs.pool.in_use, 0);
    assert_int_equal(cs.pool.blocks_free, 5);
    assert_int_equal(cs.pool.errors, 0);
    assert_int_equal(cs.pool.hits, 4);
    /* Over a long stream the pool serves every block: no miss, no error. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(put(&s, 100), 100);
        get(&s, 100);
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
    struct stream s;
    open_stream(&s, 128, 32, 0, SBUF_EXHAUST_REFUSE);
    struct sbt_rng r;
    sbt_rng_seed(&r, 17);
    for (int i = 0; i < 2000; i++) {
        size_t level = (size_t)(s.in - s.out);
        if (level)
            get(&s, (size_t)sbt_rng_range(&r, 1, level));
        size_t space = sbuf_space(s.b);
        assert_int_equal(space, 128 - (size_t)(s.in - s.out));
        assert_int_equal(put_all(&s, space), space);
        assert_true(sbuf_full(s.b));
    }
    struct sbuf_chunks_stats cs = cstats(s.b);
    assert_int_equal(cs.misses, 0);
    assert_int_equal(cs.pool.misses, 0);
    assert_int_equal(stats(s.b).overflows, 0);
    sbuf_destroy(s.b);
}

/* ---- exhaustion ------------------------------------------------------- */

static void fallback_counted_and_bounded(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct stream s;
    open_stream(&s, 256, 64, 512, SBUF_EXHAUST_FALLBACK);
    assert_int_equal(put(&s, 256), 256); /* the pool's share: no miss */
    assert_int_equal(cstats(s.b).misses, 0);
    uint64_t allocs = stats(s.b).allocations;

    /* 100 more: a miss, two blocks from the allocator, capacity grows. */
    assert_int_equal(put(&s, 100), 100);
    struct sbuf_chunks_stats cs = cstats(s.b);
    struct sbuf_stats st = stats(s.b);
    assert_int_equal(cs.misses, 1);
    assert_int_equal(cs.fallback_blocks, 2);
    assert_int_equal(st.allocations, allocs + 2);
    assert_int_equal(st.capacity, 384);
    assert_int_equal(st.overflows, 0);

    /* A burst past max_capacity: it grows to the bound and no further. */
    assert_int_equal(put(&s, 1000), 512 - 356);
    cs = cstats(s.b);
    st = stats(s.b);
    assert_int_equal(cs.misses, 2);
    assert_int_equal(cs.fallback_blocks, 4);
    assert_int_equal(st.capacity, 512);
    assert_int_equal(st.overflows, 1);
    assert_int_equal(put_all(&s, 10), 0);
    assert_int_equal(put(&s, 10), 0);
    assert_int_equal(cstats(s.b).fallback_blocks, 4);
    assert_int_equal(sbt_alloc_counts().live, allocs + 4);

    /* Drained: pool blocks go back; fallback blocks stay as spares. */
    get(&s, 512);
    cs = cstats(s.b);
    assert_int_equal(cs.pool.in_use, 0);
    assert_int_equal(cs.pool.errors, 0);
    assert_int_equal(sbuf_capacity(s.b), 512);

    /* The next bursts reuse them: no miss, no allocation. */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(put(&s, 500), 500);
        get(&s, 500);
    }
    cs = cstats(s.b);
    assert_int_equal(cs.misses, 4);
    assert_int_equal(cs.fallback_blocks, 4);
    assert_int_equal(stats(s.b).allocations, allocs + 4);

    sbuf_destroy(s.b);
    assert_int_equal(sbt_alloc_counts().live, 0);
    assert_int_equal(sbt_alloc_counts().bad_frees, 0);
    sbt_alloc_remove();
}

static void default_bound_is_four_times(void **state)
{
    (void)state;
    struct stream s;
    open_stream(&s, 1000, 100, 0, SBUF_EXHAUST_FALLBACK);
    assert_int_equal(put(&s, 10000), 4000);
    assert_int_equal(sbuf_capacity(s.b), 4000);
    assert_int_equal(cstats(s.b).fallback_blocks, 30);
    get(&s, 4000);
    sbuf_destroy(s.b);
}

/* A fallback allocation that fails: the write gets what the buffer has. */
static void fallback_allocation_failure(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct stream s;
    open_stream(&s, 256, 64, 1024, SBUF_EXHAUST_FALLBACK);
    sbt_alloc_fail_at(sbt_alloc_counts().allocs + 1); /* one block, then nothing */
    assert_int_equal(put(&s, 400), 320);
    assert_int_equal(sbuf_capacity(s.b), 320);
    assert_int_equal(cstats(s.b).fallback_blocks, 1);
    get(&s, 320);
    sbuf_destroy(s.b);
    assert_int_equal(sbt_alloc_counts().live, 0);
    sbt_alloc_remove();
}

static void refuse_counted(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct stream s;
    open_stream(&s, 256, 64, 4096, SBUF_EXHAUST_REFUSE); /* max ignored */
    uint64_t allocs = stats(s.b).allocations;
    assert_int_equal(put(&s, 256), 256);
    assert_int_equal(put(&s, 10), 0);
    assert_int_equal(put_all(&s, 10), 0);
    assert_int_equal(put(&s, 0), 0); /* fits: not a miss */
    struct sbuf_chunks_stats cs = cstats(s.b);
    struct sbuf_stats st = stats(s.b);
    assert_int_equal(cs.misses, 2);
    assert_int_equal(cs.fallback_blocks, 0);
    assert_int_equal(st.overflows, 2);
    assert_int_equal(st.allocations, allocs);
    assert_int_equal(st.capacity, 256);
    assert_int_equal(sbt_alloc_counts().allocs, allocs);
    /* 10 bytes read from the first block: 10 can be written again. */
    get(&s, 10);
    assert_int_equal(put(&s, 20), 10);
    assert_int_equal(cstats(s.b).misses, 3);
    get(&s, 256);
    sbuf_destroy(s.b);
    sbt_alloc_remove();
}

/* ---- one producer, one consumer --------------------------------------- */

#define STREAM_BYTES ((uint64_t)16 << 20)

/* Set by a consumer that found a bad byte, so the producer stops.  Relaxed:
 * a flag polled in a loop, ordering nothing. */
static atomic_int stop;

static void *producer(void *arg)
{
    struct sbuf *b = arg;
    uint64_t in = 0;
    uint8_t tmp[300];
    struct sbt_rng r;
    sbt_rng_seed(&r, 21);
    while (in < STREAM_BYTES && !atomic_load_explicit(&stop, memory_order_relaxed)) {
        size_t n = (size_t)sbt_rng_range(&r, 1, sizeof(tmp));
        if (n > STREAM_BYTES - in)
            n = (size_t)(STREAM_BYTES - in);
        size_t k;
        if (n & 1) {
            sbt_pattern_fill(tmp, SEED, in, n);
            k = sbuf_write(b, tmp, n);
        } else {
            struct sbuf_span v[2];
            size_t t = sbuf_write_reserve(b, v);
            k = n < t ? n : t;
            size_t a = k < v[0].n ? k : v[0].n;
            sbt_pattern_fill(v[0].p, SEED, in, a);
            sbt_pattern_fill(v[1].p, SEED, in + a, k - a);
            sbuf_write_commit(b, k);
        }
        in += k;
        if (k < n)
            sched_yield();
    }
    return NULL;
}

static void two_threads(void **state)
{
    (void)state;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbuf_config cfg = sbt_config(128);
    cfg.block_size = 16;
    cfg.max_capacity = 1024;
    struct sbuf *b = NULL;
    assert_int_equal(sbuf_create("chunks", &cfg, &b), SBUF_OK);
    atomic_store_explicit(&stop, 0, memory_order_relaxed);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, producer, b), 0);
    uint64_t out = 0;
    uint8_t tmp[200];
    struct sbt_rng r;
    sbt_rng_seed(&r, 23);
    int bad = 0;
    while (out < STREAM_BYTES && !bad) {
        size_t n;
        if (sbt_rng_below(&r, 2)) {
            struct sbuf_span v[2];
            n = sbuf_read_view(b, v);
            bad |= sbt_pattern_check(v[0].p, SEED, out, v[0].n) != v[0].n;
            bad |= sbt_pattern_check(v[1].p, SEED, out + v[0].n, v[1].n) != v[1].n;
            sbuf_read_release(b, n);
        } else {
            n = sbuf_peek(b, tmp, sizeof(tmp));
            bad |= sbt_pattern_check(tmp, SEED, out, n) != n;
            n = sbuf_read(b, tmp, n);
        }
        out += n;
        if (n == 0)
            sched_yield();
    }
    atomic_store_explicit(&stop, 1, memory_order_relaxed);
    pthread_join(t, NULL);
    if (bad)
        fail_msg("bad byte near stream position %llu", (unsigned long long)out);
    struct sbuf_stats st = stats(b);
    struct sbuf_chunks_stats cs = cstats(b);
    assert_int_equal(st.bytes_out, STREAM_BYTES);
    assert_true(st.capacity <= 1024);
    assert_int_equal(cs.pool.errors, 0);
    assert_int_equal(st.allocations, sbt_alloc_counts().allocs);
    sbuf_destroy(b);
    assert_int_equal(sbt_alloc_counts().live, 0);
    assert_int_equal(sbt_alloc_counts().bad_frees, 0);
    sbt_alloc_remove();
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
