/*
 * test-pool.c - the block pools, table-driven: every case runs against every
 * registered pool (sbuf_pool_registry_at), named "<pool>/<case>", so a new
 * pool is covered by being registered.  A few cases pin down what only one
 * pool promises (pool_fixed's caller storage, the size classes, pool_malloc
 * being unbounded).
 *
 * A pool with SBUF_POOL_CAP_ONE_THREAD (pool_local) runs the two-thread
 * cases too, with every pool call under one mutex: the caller serialising
 * its calls is that pool's contract, so those cases prove that it keeps no
 * per-thread state and that the caller's lock is all it needs.
 *
 * Knobs: SERBENCH_STRATEGY=pool_fixed,... selects pools;
 * SERBENCH_POOL_BLOCKS sets the two-thread test's block count (default 1e6).
 */
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbt.h"
#include "sbt_alloc.h"
#include "sbuf/pool.h"

/* The configuration every pool is tested with: for pool_fixed 8 blocks of
 * 256 bytes, for pool_sizeclass 8 blocks in each of 3 classes up to 256, for
 * pool_malloc at most 8 blocks out of at most 256 bytes. */
#define STD_BLOCK 256
#define STD_BLOCKS 8

static struct sbuf_pool_config std_cfg(int on_exhaust)
{
    struct sbuf_pool_config c;
    memset(&c, 0, sizeof(c));
    c.block_size = STD_BLOCK;
    c.blocks = STD_BLOCKS;
    c.classes[0] = 64;
    c.classes[1] = 128;
    c.classes[2] = STD_BLOCK;
    c.on_exhaust = on_exhaust;
    return c;
}

/* ---- pools made by a test are destroyed even when it fails ----------- */

static void destroy_pool(void *p)
{
    sbuf_pool_destroy(p);
}

static struct sbuf_pool *tp_create(const struct sbuf_pool_ops *ops,
                                   const struct sbuf_pool_config *cfg)
{
    struct sbuf_pool *p = NULL;
    int rc = sbuf_pool_create_ops(ops, cfg, &p);
    SBT_CHECK(rc == SBUF_OK && p, "%s: create failed: %d (%s)", ops->name, rc, sbuf_strerror(rc));
    return sbt_track(p, destroy_pool);
}

static void tp_destroy(struct sbuf_pool *p)
{
    sbt_untrack(p);
    sbuf_pool_destroy(p);
}

static struct sbuf_pool_stats st(struct sbuf_pool *p)
{
    struct sbuf_pool_stats s;
    SBT_CHECK(sbuf_pool_stats(p, &s) == SBUF_OK, "stats failed");
    return s;
}

/* Checks every counter a case cares about at once, saying which differs. */
#define CHECK_STATS(p, total, free_, in_use_, peak, hits_, misses_, fallbacks_, errors_)        \
    do {                                                                                    \
        struct sbuf_pool_stats s_ = st(p);                                                  \
        SBT_CHECK(s_.blocks_total == (total) && s_.blocks_free == (free_) &&               \
                      s_.in_use == (in_use_) && s_.peak_in_use == (peak) &&                 \
                      s_.hits == (hits_) && s_.misses == (misses_) &&                       \
                      s_.fallbacks == (fallbacks_) && s_.errors == (errors_),               \
                  "stats: total %llu free %llu in_use %llu peak %llu hits %llu misses %llu "  \
                  "fallbacks %llu errors %llu",                                             \
                  (unsigned long long)s_.blocks_total, (unsigned long long)s_.blocks_free, \
                  (unsigned long long)s_.in_use, (unsigned long long)s_.peak_in_use,       \
                  (unsigned long long)s_.hits, (unsigned long long)s_.misses,              \
                  (unsigned long long)s_.fallbacks, (unsigned long long)s_.errors);        \
    } while (0)

static int same_stats(const struct sbuf_pool_stats *a, const struct sbuf_pool_stats *b)
{
    return a->block_size == b->block_size && a->blocks_total == b->blocks_total &&
           a->blocks_free == b->blocks_free && a->in_use == b->in_use &&
           a->peak_in_use == b->peak_in_use && a->hits == b->hits && a->misses == b->misses &&
           a->fallbacks == b->fallbacks && a->errors == b->errors;
}

static void put_ok(struct sbuf_pool *p, void *b)
{
    int rc = sbuf_pool_put(p, b);
    SBT_CHECK(rc == SBUF_OK, "put %p: %d (%s)", b, rc, sbuf_strerror(rc));
}

/*
 * Calls from several threads: direct for a thread-safe pool, under lock for
 * one whose calls must not overlap (SBUF_POOL_CAP_ONE_THREAD).
 */
struct mt_pool {
    struct sbuf_pool *pool;
    pthread_mutex_t *lock; /* NULL: the pool is thread-safe */
};

static struct mt_pool mt_wrap(const struct sbuf_pool_ops *ops, struct sbuf_pool *p,
                              pthread_mutex_t *lock)
{
    return (struct mt_pool){p, (ops->caps & SBUF_POOL_CAP_ONE_THREAD) ? lock : NULL};
}

static void *mt_get(struct mt_pool m, size_t size)
{
    if (m.lock)
        pthread_mutex_lock(m.lock);
    void *b = sbuf_pool_get(m.pool, size);
    if (m.lock)
        pthread_mutex_unlock(m.lock);
    return b;
}

static int mt_put(struct mt_pool m, void *block)
{
    if (m.lock)
        pthread_mutex_lock(m.lock);
    int rc = sbuf_pool_put(m.pool, block);
    if (m.lock)
        pthread_mutex_unlock(m.lock);
    return rc;
}

/* Takes every block the pool has (blocks_total of them, size 1 each). */
static size_t drain(struct sbuf_pool *p, void **out, size_t max)
{
    size_t total = (size_t)st(p).blocks_total;
    SBT_CHECK(total > 0 && total <= max, "blocks_total %zu", total);
    for (size_t i = 0; i < total; i++) {
        out[i] = sbuf_pool_get(p, 1);
        SBT_CHECK(out[i], "get %zu of %zu failed", i + 1, total);
    }
    return total;
}

/* ---- cases run on every pool ---------------------------------------- */

static void round_trip(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    SBT_CHECK(strcmp(sbuf_pool_name(p), ops->name) == 0, "name %s", sbuf_pool_name(p));
    size_t total = (size_t)st(p).blocks_total;
    SBT_CHECK(st(p).block_size == STD_BLOCK, "block_size %zu", st(p).block_size);
    CHECK_STATS(p, total, total, 0, 0, 0, 0, 0, 0);
    uint8_t *a = sbuf_pool_get(p, 1);
    uint8_t *b = sbuf_pool_get(p, STD_BLOCK);
    SBT_CHECK(a && b && a != b, "gets: %p %p", (void *)a, (void *)b);
    memset(a, 0xa5, 1);
    memset(b, 0x5a, STD_BLOCK); /* the whole size asked for is usable */
    CHECK_STATS(p, total, total - 2, 2, 2, 2, 0, 0, 0);
    put_ok(p, a);
    put_ok(p, b);
    CHECK_STATS(p, total, total, 0, 2, 2, 0, 0, 0);
    /* a block comes back and is handed out again */
    for (int i = 0; i < 1000; i++) {
        void *c = sbuf_pool_get(p, 100);
        SBT_CHECK(c, "get %d after puts", i);
        put_ok(p, c);
    }
    CHECK_STATS(p, total, total, 0, 2, 1002, 0, 0, 0);
    tp_destroy(p);
}

static void sizes(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    size_t total = (size_t)st(p).blocks_total;
    /* bad sizes are refused and not counted */
    SBT_CHECK(sbuf_pool_get(p, 0) == NULL, "size 0 gave a block");
    SBT_CHECK(sbuf_pool_get(p, SBUF_MAX_CAPACITY + 1) == NULL, "absurd size gave a block");
    SBT_CHECK(sbuf_pool_get(p, SIZE_MAX) == NULL, "SIZE_MAX gave a block");
    CHECK_STATS(p, total, total, 0, 0, 0, 0, 0, 0);
    /* larger than the largest block: a miss, refused */
    SBT_CHECK(sbuf_pool_get(p, STD_BLOCK + 1) == NULL, "oversize block from a refusing pool");
    CHECK_STATS(p, total, total, 0, 0, 0, 1, 0, 0);
    tp_destroy(p);

    /* falling back: the allocator serves it, put frees it */
    cfg = std_cfg(SBUF_EXHAUST_FALLBACK);
    p = tp_create(ops, &cfg);
    uint8_t *big = sbuf_pool_get(p, 4 * STD_BLOCK);
    SBT_CHECK(big, "oversize get did not fall back");
    SBT_CHECK(((uintptr_t)big & 15) == 0, "fallback block %p not 16-byte aligned", (void *)big);
    memset(big, 0x77, 4 * STD_BLOCK); /* ASan checks the whole size is ours */
    CHECK_STATS(p, total, total, 1, 1, 0, 1, 1, 0);
    put_ok(p, big);
    CHECK_STATS(p, total, total, 0, 1, 0, 1, 1, 0);
    tp_destroy(p);
}

/* A scripted sequence, with every counter checked after each step. */
static void stats_sequence(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    size_t t = (size_t)st(p).blocks_total;
    void *b[5];
    for (int i = 0; i < 3; i++)
        b[i] = sbuf_pool_get(p, 10);
    CHECK_STATS(p, t, t - 3, 3, 3, 3, 0, 0, 0);
    put_ok(p, b[1]);
    CHECK_STATS(p, t, t - 2, 2, 3, 3, 0, 0, 0);
    b[1] = sbuf_pool_get(p, 10);
    b[3] = sbuf_pool_get(p, 10);
    b[4] = sbuf_pool_get(p, 10);
    SBT_CHECK(b[0] && b[1] && b[2] && b[3] && b[4], "a get failed");
    CHECK_STATS(p, t, t - 5, 5, 5, 6, 0, 0, 0);
    SBT_CHECK(sbuf_pool_put(p, b[3]) == SBUF_OK, "put");
    SBT_CHECK(sbuf_pool_put(p, b[3]) == SBUF_EDOUBLE, "double put not seen");
    CHECK_STATS(p, t, t - 4, 4, 5, 6, 0, 0, 1);
    for (int i = 0; i < 5; i++)
        if (i != 3)
            put_ok(p, b[i]);
    CHECK_STATS(p, t, t, 0, 5, 6, 0, 0, 1);
    tp_destroy(p);
}

static void exhaust_refuse(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    void *b[64];
    size_t t = drain(p, b, 64);
    CHECK_STATS(p, t, 0, t, t, t, 0, 0, 0);
    SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "a block past exhaustion");
    SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "a block past exhaustion");
    CHECK_STATS(p, t, 0, t, t, t, 2, 0, 0);
    put_ok(p, b[t / 2]);
    b[t / 2] = sbuf_pool_get(p, 1);
    SBT_CHECK(b[t / 2], "no block after one came back");
    CHECK_STATS(p, t, 0, t, t, t + 1, 2, 0, 0);
    for (size_t i = 0; i < t; i++)
        put_ok(p, b[i]);
    CHECK_STATS(p, t, t, 0, t, t + 1, 2, 0, 0);
    tp_destroy(p);
}

static void exhaust_fallback(const struct sbuf_pool_ops *ops)
{
    /* The counting hook sees every fallback block, and that each is freed
     * with the size it was allocated with. */
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_FALLBACK);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    void *b[64];
    size_t t = drain(p, b, 64);
    uint64_t allocs = sbt_alloc_counts().allocs;
    void *f1 = sbuf_pool_get(p, 1);
    void *f2 = sbuf_pool_get(p, STD_BLOCK);
    SBT_CHECK(f1 && f2 && f1 != f2, "fallback gets: %p %p", f1, f2);
    memset(f2, 1, STD_BLOCK);
    SBT_CHECK(sbt_alloc_counts().allocs >= allocs + 2, "fallbacks did not use the hook");
    CHECK_STATS(p, t, 0, t + 2, t + 2, t, 2, 2, 0);
    put_ok(p, f1);
    /* a fallback block put twice: refused, counted, not freed twice */
    SBT_CHECK(sbuf_pool_put(p, f1) == SBUF_EDOUBLE, "fallback double put not seen");
    CHECK_STATS(p, t, 0, t + 1, t + 2, t, 2, 2, 1);
    /* the allocator failing too: a miss that is not served */
    sbt_alloc_fail_at(0);
    SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "a block while the allocator fails");
    sbt_alloc_fail_at(SBT_ALLOC_NEVER);
    CHECK_STATS(p, t, 0, t + 1, t + 2, t, 3, 2, 1);
    put_ok(p, f2);
    for (size_t i = 0; i < t; i++)
        put_ok(p, b[i]);
    CHECK_STATS(p, t, t, 0, t + 2, t, 3, 2, 1);
    tp_destroy(p);
    struct sbt_alloc_counts c = sbt_alloc_counts();
    sbt_alloc_remove();
    SBT_CHECK(c.live == 0 && c.bad_frees == 0, "hook: %zu blocks live, %llu bad frees", c.live,
              (unsigned long long)c.bad_frees);
}

/* A fallback block still out when the pool is destroyed is freed with it
 * (ASan's leak check fails the test otherwise). */
static void destroy_frees_fallbacks(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_FALLBACK);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    void *b[64];
    drain(p, b, 64);
    for (int i = 0; i < 3; i++)
        SBT_CHECK(sbuf_pool_get(p, 1 + (size_t)i * 300), "fallback %d", i);
    tp_destroy(p);
}

static void double_put(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    void *a = sbuf_pool_get(p, 1), *b = sbuf_pool_get(p, 1);
    SBT_CHECK(a && b, "gets");
    put_ok(p, a);
    struct sbuf_pool_stats before = st(p);
    for (int i = 0; i < 3; i++)
        SBT_CHECK(sbuf_pool_put(p, a) == SBUF_EDOUBLE, "double put %d not seen", i);
    struct sbuf_pool_stats after = st(p);
    SBT_CHECK(after.errors == before.errors + 3, "errors %llu",
              (unsigned long long)after.errors);
    after.errors = before.errors;
    SBT_CHECK(same_stats(&before, &after), "a refused put changed the pool");
    /* the pool is unharmed: every block still comes out exactly once */
    put_ok(p, b);
    void *all[64];
    size_t t = drain(p, all, 64);
    for (size_t i = 0; i < t; i++)
        for (size_t j = i + 1; j < t; j++)
            SBT_CHECK(all[i] != all[j], "block %p handed out twice", all[i]);
    SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "more blocks than before");
    for (size_t i = 0; i < t; i++)
        put_ok(p, all[i]);
    tp_destroy(p);
}

static void foreign_put(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    struct sbuf_pool *other = tp_create(ops, &cfg);
    uint8_t *a = sbuf_pool_get(p, STD_BLOCK);
    uint8_t *o = sbuf_pool_get(other, 1);
    SBT_CHECK(a && o, "gets");
    alignas(64) uint8_t on_stack[64];
    void *heap = malloc(64);
    SBT_CHECK(heap, "malloc");
    void *foreign[] = {on_stack, heap, o, a + 1, a + 16, a + 64, a - 64, (void *)(uintptr_t)64};
    struct sbuf_pool_stats before = st(p);
    for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        int rc = sbuf_pool_put(p, foreign[i]);
        SBT_CHECK(rc == SBUF_EFOREIGN, "foreign pointer %zu (%p): %d (%s)", i, foreign[i], rc,
                  sbuf_strerror(rc));
    }
    struct sbuf_pool_stats after = st(p);
    SBT_CHECK(after.errors == before.errors + sizeof(foreign) / sizeof(foreign[0]),
              "errors %llu", (unsigned long long)after.errors);
    after.errors = before.errors;
    SBT_CHECK(same_stats(&before, &after), "a refused put changed the pool");
    free(heap);
    /* both pools still work */
    put_ok(p, a);
    put_ok(other, o);
    void *all[64];
    size_t t = drain(p, all, 64);
    SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "more blocks than before");
    for (size_t i = 0; i < t; i++)
        put_ok(p, all[i]);
    tp_destroy(other);
    tp_destroy(p);
}

static void null_args(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    struct sbuf_pool *p = (struct sbuf_pool *)&cfg; /* must be overwritten */
    SBT_CHECK(sbuf_pool_create_ops(NULL, &cfg, &p) == SBUF_EINVAL && p == NULL, "NULL ops");
    SBT_CHECK(sbuf_pool_create_ops(ops, NULL, &p) == SBUF_EINVAL && p == NULL, "NULL cfg");
    SBT_CHECK(sbuf_pool_create_ops(ops, &cfg, NULL) == SBUF_EINVAL, "NULL out");
    SBT_CHECK(sbuf_pool_create(NULL, &cfg, &p) == SBUF_EINVAL, "NULL name");
    SBT_CHECK(sbuf_pool_create("no_such_pool", &cfg, &p) == SBUF_ENOENT, "unknown name");
    cfg.on_exhaust = 7;
    SBT_CHECK(sbuf_pool_create_ops(ops, &cfg, &p) == SBUF_EINVAL && p == NULL, "on_exhaust 7");
    cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    uint8_t mem[64];
    cfg.storage = mem; /* storage without a size */
    SBT_CHECK(sbuf_pool_create_ops(ops, &cfg, &p) == SBUF_EINVAL && p == NULL, "storage size 0");
    SBT_CHECK(sbuf_pool_storage_size(NULL, &cfg) == 0 && sbuf_pool_storage_size(ops, NULL) == 0,
              "storage_size of NULL");

    cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    SBT_CHECK(sbuf_pool_create(ops->name, &cfg, &p) == SBUF_OK && p, "create by name");
    sbt_track(p, destroy_pool);
    SBT_CHECK(sbuf_pool_get(NULL, 1) == NULL, "get from NULL");
    SBT_CHECK(sbuf_pool_put(NULL, &cfg) == SBUF_EINVAL, "put to NULL");
    SBT_CHECK(sbuf_pool_put(p, NULL) == SBUF_EINVAL, "put of NULL");
    struct sbuf_pool_stats s;
    SBT_CHECK(sbuf_pool_stats(NULL, &s) == SBUF_EINVAL, "stats of NULL");
    SBT_CHECK(sbuf_pool_stats(p, NULL) == SBUF_EINVAL, "stats into NULL");
    SBT_CHECK(sbuf_pool_name(NULL) == NULL, "name of NULL");
    /* NULL arguments are not double or foreign puts */
    size_t t = (size_t)st(p).blocks_total;
    CHECK_STATS(p, t, t, 0, 0, 0, 0, 0, 0);
    sbuf_pool_destroy(NULL);
    tp_destroy(p);
}

/* Blocks handed out at once never overlap (pool and fallback blocks alike),
 * are 16-byte aligned, and keep what was written into them. */
static void no_overlap(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_FALLBACK);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    enum { N = 40 }; /* more than any pool's 24 blocks: some fall back */
    uint8_t *b[N];
    size_t n[N];
    for (size_t i = 0; i < N; i++) {
        n[i] = 1 + (i * 37) % STD_BLOCK;
        b[i] = sbuf_pool_get(p, n[i]);
        SBT_CHECK(b[i], "get %zu (%zu bytes)", i, n[i]);
        SBT_CHECK(((uintptr_t)b[i] & 15) == 0, "block %p not 16-byte aligned", (void *)b[i]);
        memset(b[i], (int)i, n[i]);
    }
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < N; j++) {
            if (i == j)
                continue;
            SBT_CHECK(b[i] + n[i] <= b[j] || b[j] + n[j] <= b[i], "blocks %zu and %zu overlap", i,
                      j);
        }
        for (size_t k = 0; k < n[i]; k++)
            SBT_CHECK(b[i][k] == (uint8_t)i, "block %zu byte %zu overwritten", i, k);
    }
    for (size_t i = 0; i < N; i++)
        put_ok(p, b[i]);
    tp_destroy(p);
}

static void static_storage(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    size_t need = sbuf_pool_storage_size(ops, &cfg);
    struct sbuf_pool *p = NULL;
    if (!(ops->caps & SBUF_CAP_STATIC)) {
        uint8_t mem[256];
        cfg.storage = mem;
        cfg.storage_size = sizeof(mem);
        SBT_CHECK(need == 0, "storage_size %zu without SBUF_CAP_STATIC", need);
        SBT_CHECK(sbuf_pool_create_ops(ops, &cfg, &p) == SBUF_ENOTSUP && !p, "not ENOTSUP");
        return;
    }
    SBT_CHECK(need > 0, "storage_size 0");
    /* off a cache line on purpose: the pool aligns what it is given */
    uint8_t *mem = malloc(need + 1);
    SBT_CHECK(mem, "malloc");
    cfg.storage = mem + 1;
    cfg.storage_size = need - 1;
    SBT_CHECK(sbuf_pool_create_ops(ops, &cfg, &p) == SBUF_ERANGE && !p, "short storage");
    cfg.storage_size = need;
    /* No heap: every hook allocation fails, and none may be tried. */
    sbt_alloc_install(0);
    int rc = sbuf_pool_create_ops(ops, &cfg, &p);
    SBT_CHECK(rc == SBUF_OK && p, "static create: %d", rc);
    void *b[64];
    size_t t = drain(p, b, 64);
    SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "past exhaustion");
    for (size_t i = 0; i < t; i++) {
        uint8_t *x = b[i];
        SBT_CHECK(x >= mem + 1 && x + STD_BLOCK <= mem + 1 + need, "block %p outside storage",
                  (void *)x);
        memset(x, 0xee, STD_BLOCK);
    }
    for (size_t i = 0; i < t; i++)
        put_ok(p, b[i]);
    sbuf_pool_destroy(p);
    struct sbt_alloc_counts c = sbt_alloc_counts();
    sbt_alloc_remove();
    SBT_CHECK(c.allocs == 0 && c.refused == 0 && c.frees == 0 && c.bad_frees == 0,
              "static pool used the heap: %llu allocs, %llu refused, %llu frees",
              (unsigned long long)c.allocs, (unsigned long long)c.refused,
              (unsigned long long)c.frees);
    free(mem);
}

/* ---- two threads: one gets, one puts -------------------------------- */

/* The test's own SPSC queue of block pointers, so that the pool's ordering
 * is all the blocks' contents depend on besides this queue's. */
#define QCAP 1024
struct queue {
    void *slot[QCAP];
    _Atomic size_t head; /* written by the getter */
    _Atomic size_t tail; /* written by the putter */
};

struct duo {
    struct mt_pool pool;
    struct queue q;
    size_t blocks;
    size_t window; /* at most this many blocks in the queue */
    size_t get_calls;
    size_t bad; /* putter: blocks with a wrong sequence number or a failed put */
};

static void *getter(void *arg)
{
    struct duo *d = arg;
    for (size_t i = 0; i < d->blocks; i++) {
        size_t head = atomic_load_explicit(&d->q.head, memory_order_relaxed);
        /* Acquire: the putter is done with the slot before we refill it. */
        while (head - atomic_load_explicit(&d->q.tail, memory_order_acquire) >= d->window)
            sched_yield();
        size_t n = 16 + i % (STD_BLOCK - 15);
        uint8_t *b;
        while (!(b = mt_get(d->pool, n))) {
            d->get_calls++;
            sched_yield();
        }
        d->get_calls++;
        /* a sequence number at both ends of what was asked for */
        memcpy(b, &i, sizeof(i));
        memcpy(b + n - sizeof(i), &i, sizeof(i));
        d->q.slot[head % QCAP] = b;
        /* Release: the block's contents travel with the pointer. */
        atomic_store_explicit(&d->q.head, head + 1, memory_order_release);
    }
    return NULL;
}

static void *putter(void *arg)
{
    struct duo *d = arg;
    for (size_t i = 0; i < d->blocks; i++) {
        size_t tail = atomic_load_explicit(&d->q.tail, memory_order_relaxed);
        /* Acquire: pairs with the getter's release of head. */
        while (atomic_load_explicit(&d->q.head, memory_order_acquire) == tail)
            sched_yield();
        uint8_t *b = d->q.slot[tail % QCAP];
        size_t n = 16 + i % (STD_BLOCK - 15), x, y;
        memcpy(&x, b, sizeof(x));
        memcpy(&y, b + n - sizeof(y), sizeof(y));
        if (x != i || y != i)
            d->bad++;
        if (mt_put(d->pool, b) != SBUF_OK)
            d->bad++;
        /* Release: we are done with the slot. */
        atomic_store_explicit(&d->q.tail, tail + 1, memory_order_release);
    }
    return NULL;
}

static void run_duo(const struct sbuf_pool_ops *ops, int on_exhaust, size_t blocks, size_t window)
{
    struct sbuf_pool_config cfg = std_cfg(on_exhaust);
    struct duo *d = calloc(1, sizeof(*d));
    SBT_CHECK(d, "calloc");
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    d->pool = mt_wrap(ops, tp_create(ops, &cfg), &lock);
    d->blocks = blocks;
    d->window = window;
    atomic_init(&d->q.head, 0);
    atomic_init(&d->q.tail, 0);
    pthread_t g, p;
    SBT_CHECK(pthread_create(&p, NULL, putter, d) == 0, "thread");
    SBT_CHECK(pthread_create(&g, NULL, getter, d) == 0, "thread");
    pthread_join(g, NULL);
    pthread_join(p, NULL);
    struct sbuf_pool_stats s = st(d->pool.pool);
    size_t bad = d->bad, calls = d->get_calls;
    tp_destroy(d->pool.pool);
    free(d);
    SBT_CHECK(bad == 0, "%zu blocks came through wrong or were refused", bad);
    SBT_CHECK(s.hits + s.fallbacks == blocks, "hits %llu + fallbacks %llu != %zu",
              (unsigned long long)s.hits, (unsigned long long)s.fallbacks, blocks);
    SBT_CHECK(s.hits + s.misses == calls, "hits %llu + misses %llu != %zu get calls",
              (unsigned long long)s.hits, (unsigned long long)s.misses, calls);
    SBT_CHECK(s.in_use == 0 && s.blocks_free == s.blocks_total && s.errors == 0,
              "after: in_use %llu free %llu of %llu, errors %llu",
              (unsigned long long)s.in_use, (unsigned long long)s.blocks_free,
              (unsigned long long)s.blocks_total, (unsigned long long)s.errors);
    if (on_exhaust == SBUF_EXHAUST_REFUSE)
        SBT_CHECK(s.fallbacks == 0, "a refusing pool fell back");
    else
        SBT_CHECK(s.misses == s.fallbacks, "misses %llu, fallbacks %llu",
                  (unsigned long long)s.misses, (unsigned long long)s.fallbacks);
}

/* The getter holds up to twice the pool's blocks in flight, so it runs dry
 * and waits on the putter again and again. */
static void two_threads(const struct sbuf_pool_ops *ops)
{
    size_t n = (size_t)sbt_env_u64("SERBENCH_POOL_BLOCKS", 1000000);
    run_duo(ops, SBUF_EXHAUST_REFUSE, n, 2 * 3 * STD_BLOCKS);
}

/* Falling back, the getter adds to the fallback set while the putter takes
 * from it. */
static void two_threads_fallback(const struct sbuf_pool_ops *ops)
{
    size_t n = (size_t)sbt_env_u64("SERBENCH_POOL_BLOCKS", 1000000) / 10;
    run_duo(ops, SBUF_EXHAUST_FALLBACK, n, QCAP);
}

/* Two threads put the same block at the same moment: exactly one wins. */
struct racer {
    struct mt_pool pool;
    void *block;
    pthread_barrier_t *go;
    int rc;
};

static void *race_put(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->go);
    r->rc = mt_put(r->pool, r->block);
    return NULL;
}

static void racing_double_put(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_FALLBACK);
    struct sbuf_pool *p = tp_create(ops, &cfg);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    struct mt_pool m = mt_wrap(ops, p, &lock);
    size_t t = (size_t)st(p).blocks_total;
    for (int round = 0; round < 500; round++) {
        /* every few rounds a fallback block: hold all pool blocks first */
        void *held[64];
        size_t nheld = round % 5 == 0 ? drain(p, held, 64) : 0;
        void *b = sbuf_pool_get(p, 1);
        SBT_CHECK(b, "get");
        struct racer r1 = {m, b, &go, 1}, r2 = {m, b, &go, 1};
        pthread_t t1, t2;
        pthread_create(&t1, NULL, race_put, &r1);
        pthread_create(&t2, NULL, race_put, &r2);
        pthread_join(t1, NULL);
        pthread_join(t2, NULL);
        SBT_CHECK((r1.rc == SBUF_OK && r2.rc == SBUF_EDOUBLE) ||
                      (r1.rc == SBUF_EDOUBLE && r2.rc == SBUF_OK),
                  "round %d: puts returned %d and %d", round, r1.rc, r2.rc);
        for (size_t i = 0; i < nheld; i++)
            put_ok(p, held[i]);
    }
    pthread_barrier_destroy(&go);
    struct sbuf_pool_stats s = st(p);
    SBT_CHECK(s.errors == 500 && s.in_use == 0 && s.blocks_free == t, "errors %llu in_use %llu",
              (unsigned long long)s.errors, (unsigned long long)s.in_use);
    tp_destroy(p);
}

/* ---- what one pool promises ------------------------------------------ */

static void fixed_config(const struct sbuf_pool_ops *ops)
{
    (void)ops;
    const struct sbuf_pool_ops *f = sbuf_pool_registry_find("pool_fixed");
    SBT_CHECK(f, "pool_fixed not registered");
    struct sbuf_pool *p = NULL;
    struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    cfg.block_size = 0;
    SBT_CHECK(sbuf_pool_create_ops(f, &cfg, &p) == SBUF_ERANGE && !p, "block_size 0");
    SBT_CHECK(sbuf_pool_storage_size(f, &cfg) == 0, "storage for block_size 0");
    cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    cfg.blocks = 0;
    SBT_CHECK(sbuf_pool_create_ops(f, &cfg, &p) == SBUF_ERANGE && !p, "blocks 0");
    cfg.blocks = SIZE_MAX / 2;
    SBT_CHECK(sbuf_pool_create_ops(f, &cfg, &p) == SBUF_ERANGE && !p, "absurd blocks");
    cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    cfg.block_size = SBUF_MAX_CAPACITY + 1;
    SBT_CHECK(sbuf_pool_create_ops(f, &cfg, &p) == SBUF_ERANGE && !p, "absurd block_size");
    /* 1-byte blocks still get a cache line each, in address order */
    cfg = std_cfg(SBUF_EXHAUST_REFUSE);
    cfg.block_size = 1;
    p = tp_create(f, &cfg);
    SBT_CHECK(st(p).block_size == 1, "block_size");
    uint8_t *a = sbuf_pool_get(p, 1), *b = sbuf_pool_get(p, 1);
    SBT_CHECK(a && b && ((uintptr_t)a & 63) == 0 && b - a == 64, "blocks %p %p", (void *)a,
              (void *)b);
    SBT_CHECK(sbuf_pool_get(p, 2) == NULL, "2 bytes from 1-byte blocks");
    put_ok(p, a);
    put_ok(p, b);
    tp_destroy(p);
}

/*
 * pool_local: LIFO reuse through its unlinked top, double puts of the top
 * and of listed blocks, and every 16-byte offset in and around the slab
 * refused unless it is a block that is out, for strides that are a power
 * of two and that are not (192 = 3 x 64 exercises the exact division).
 */
static void local_checks(const struct sbuf_pool_ops *ops)
{
    (void)ops;
    const struct sbuf_pool_ops *lo = sbuf_pool_registry_find("pool_local");
    SBT_CHECK(lo, "pool_local not registered");
    SBT_CHECK(lo->caps & SBUF_POOL_CAP_ONE_THREAD, "pool_local not marked one-thread");
    static const size_t block_sizes[] = {1, 64, 100, 192, 1000};
    for (size_t bs = 0; bs < sizeof(block_sizes) / sizeof(block_sizes[0]); bs++) {
        struct sbuf_pool_config cfg = std_cfg(SBUF_EXHAUST_REFUSE);
        cfg.block_size = block_sizes[bs];
        cfg.blocks = 5;
        struct sbuf_pool *p = tp_create(lo, &cfg);
        uint8_t *b[5];
        for (int i = 0; i < 5; i++)
            b[i] = sbuf_pool_get(p, cfg.block_size);
        size_t stride = (size_t)(b[1] - b[0]);
        SBT_CHECK(stride % 64 == 0 && stride >= cfg.block_size && stride < cfg.block_size + 64,
                  "block %zu: stride %zu", cfg.block_size, stride);
        for (int i = 1; i < 5; i++)
            SBT_CHECK(b[i] == b[0] + (size_t)i * stride, "block %d of %zu not in order", i,
                      cfg.block_size);
        SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "a sixth block");
        /* b[1] and b[3] back: b[3] is the top, b[1] in the list */
        put_ok(p, b[1]);
        put_ok(p, b[3]);
        SBT_CHECK(sbuf_pool_put(p, b[3]) == SBUF_EDOUBLE, "double put of the top");
        SBT_CHECK(sbuf_pool_put(p, b[1]) == SBUF_EDOUBLE, "double put of a listed block");
        /* every 16-byte step from one stride below the slab to one past it
         * (integers: such a pointer may lie outside any object) */
        uintptr_t lo_end = (uintptr_t)b[0] - stride, hi_end = (uintptr_t)b[4] + 2 * stride;
        for (uintptr_t q = lo_end; q < hi_end; q += 16) {
            if (q == (uintptr_t)b[0] || q == (uintptr_t)b[2] || q == (uintptr_t)b[4])
                continue; /* out: a put would succeed */
            int want = (q == (uintptr_t)b[1] || q == (uintptr_t)b[3]) ? SBUF_EDOUBLE
                                                                      : SBUF_EFOREIGN;
            int rc = sbuf_pool_put(p, (void *)q);
            SBT_CHECK(rc == want, "block %zu: put of slab%+lld gave %d, not %d", cfg.block_size,
                      (long long)(q - (uintptr_t)b[0]), rc, want);
        }
        /* LIFO: the last block put is the next one got */
        SBT_CHECK(sbuf_pool_get(p, 1) == b[3], "top not reused first");
        SBT_CHECK(sbuf_pool_get(p, 1) == b[1], "list not popped next");
        SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "a block past exhaustion");
        for (int i = 0; i < 5; i++)
            put_ok(p, b[i]);
        struct sbuf_pool_stats s = st(p);
        SBT_CHECK(s.in_use == 0 && s.blocks_free == 5 && s.peak_in_use == 5 && s.hits == 7 &&
                      s.misses == 2,
                  "in_use %llu free %llu peak %llu hits %llu misses %llu",
                  (unsigned long long)s.in_use, (unsigned long long)s.blocks_free,
                  (unsigned long long)s.peak_in_use, (unsigned long long)s.hits,
                  (unsigned long long)s.misses);
        tp_destroy(p);
    }
}

static void sizeclass_classes(const struct sbuf_pool_ops *ops)
{
    (void)ops;
    const struct sbuf_pool_ops *sc = sbuf_pool_registry_find("pool_sizeclass");
    SBT_CHECK(sc, "pool_sizeclass not registered");
    struct sbuf_pool *p = NULL;
    /* defaults: 1K/4K/16K/64K */
    struct sbuf_pool_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.blocks = 2;
    cfg.on_exhaust = SBUF_EXHAUST_REFUSE;
    p = tp_create(sc, &cfg);
    struct sbuf_pool_stats s = st(p);
    SBT_CHECK(s.block_size == 65536 && s.blocks_total == 8, "defaults: %zu x %llu", s.block_size,
              (unsigned long long)s.blocks_total);
    SBT_CHECK(sbuf_pool_get(p, 65537) == NULL, "larger than the largest class");
    uint8_t *big = sbuf_pool_get(p, 65536);
    SBT_CHECK(big, "a 64K block");
    memset(big, 3, 65536);
    put_ok(p, big);
    tp_destroy(p);

    /* smallest class that fits: 2 x 64 and 2 x 256 blocks */
    cfg.classes[0] = 64;
    cfg.classes[1] = 256;
    p = tp_create(sc, &cfg);
    void *s64[2] = {sbuf_pool_get(p, 64), sbuf_pool_get(p, 1)};
    void *s256[2] = {sbuf_pool_get(p, 65), sbuf_pool_get(p, 256)};
    SBT_CHECK(s64[0] && s64[1] && s256[0] && s256[1],
              "small requests did not go to the small class");
    SBT_CHECK(sbuf_pool_get(p, 65) == NULL, "a 65-byte request served by the 64-byte class");
    put_ok(p, s256[0]);
    put_ok(p, s256[1]);
    /* the 64-byte class is empty: small requests spill into the 256 class */
    void *spill[2] = {sbuf_pool_get(p, 1), sbuf_pool_get(p, 1)};
    SBT_CHECK(spill[0] && spill[1], "no spill into a larger class");
    SBT_CHECK(sbuf_pool_get(p, 1) == NULL, "more blocks than the classes hold");
    s = st(p);
    SBT_CHECK(s.hits == 6 && s.misses == 2 && s.in_use == 4 && s.blocks_free == 0,
              "hits %llu misses %llu in_use %llu", (unsigned long long)s.hits,
              (unsigned long long)s.misses, (unsigned long long)s.in_use);
    put_ok(p, s64[0]);
    put_ok(p, s64[1]);
    put_ok(p, spill[0]);
    put_ok(p, spill[1]);
    tp_destroy(p);

    /* malformed class lists */
    cfg.classes[0] = 256;
    cfg.classes[1] = 64;
    SBT_CHECK(sbuf_pool_create_ops(sc, &cfg, &p) == SBUF_EINVAL && !p, "descending classes");
    cfg.classes[1] = 256;
    SBT_CHECK(sbuf_pool_create_ops(sc, &cfg, &p) == SBUF_EINVAL && !p, "repeated class");
    cfg.classes[0] = 64;
    cfg.classes[1] = 0;
    cfg.classes[2] = 1024;
    SBT_CHECK(sbuf_pool_create_ops(sc, &cfg, &p) == SBUF_EINVAL && !p, "a gap in the classes");
    cfg.classes[2] = 0;
    cfg.blocks = 0;
    SBT_CHECK(sbuf_pool_create_ops(sc, &cfg, &p) == SBUF_ERANGE && !p, "blocks 0");
}

static void malloc_unbounded(const struct sbuf_pool_ops *ops)
{
    (void)ops;
    const struct sbuf_pool_ops *m = sbuf_pool_registry_find("pool_malloc");
    SBT_CHECK(m, "pool_malloc not registered");
    struct sbuf_pool_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.on_exhaust = SBUF_EXHAUST_REFUSE;
    struct sbuf_pool *p = tp_create(m, &cfg);
    enum { N = 1000 };
    void **b = calloc(N, sizeof(*b));
    SBT_CHECK(b, "calloc");
    for (size_t i = 0; i < N; i++) {
        b[i] = sbuf_pool_get(p, 1 + i * 61);
        SBT_CHECK(b[i], "get %zu", i);
    }
    struct sbuf_pool_stats s = st(p);
    SBT_CHECK(s.blocks_total == 0 && s.blocks_free == 0 && s.in_use == N && s.hits == N &&
                  s.block_size == SBUF_MAX_CAPACITY,
              "unbounded: total %llu in_use %llu", (unsigned long long)s.blocks_total,
              (unsigned long long)s.in_use);
    for (size_t i = 0; i < N; i++)
        put_ok(p, b[i]);
    free(b);
    CHECK_STATS(p, 0, 0, 0, N, N, 0, 0, 0);
    tp_destroy(p);
}

/* ---- the runner ------------------------------------------------------ */

typedef void (*pool_case_fn)(const struct sbuf_pool_ops *ops);
struct pool_case {
    const char *name;
    pool_case_fn fn;
};
#define CASE(fn) {#fn, fn}

static const struct pool_case per_pool[] = {
    CASE(round_trip),      CASE(sizes),        CASE(stats_sequence),
    CASE(exhaust_refuse),  CASE(exhaust_fallback), CASE(destroy_frees_fallbacks),
    CASE(double_put),      CASE(foreign_put),  CASE(null_args),
    CASE(no_overlap),      CASE(static_storage), CASE(racing_double_put),
    CASE(two_threads),     CASE(two_threads_fallback),
};

static const struct pool_case one_pool[] = {
    {"pool_fixed", fixed_config},
    {"pool_local", local_checks},
    {"pool_sizeclass", sizeclass_classes},
    {"pool_malloc", malloc_unbounded},
};

struct entry {
    const struct sbuf_pool_ops *ops;
    pool_case_fn fn;
};

static void run_entry(void **state)
{
    const struct entry *e = *state;
    e->fn(e->ops);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
    size_t npools = sbuf_pool_registry_count();
    size_t max = npools * COUNT(per_pool) + COUNT(one_pool), n = 0;
    struct CMUnitTest *tests = calloc(max, sizeof(*tests));
    struct entry *entries = calloc(max, sizeof(*entries));
    if (!tests || !entries)
        return 1;
    for (size_t i = 0; i < npools; i++) {
        const struct sbuf_pool_ops *ops = sbuf_pool_registry_at(i);
        if (!sbt_strategy_selected(ops->name))
            continue;
        for (size_t c = 0; c < COUNT(per_pool); c++, n++) {
            char *name;
            if (asprintf(&name, "%s/%s", ops->name, per_pool[c].name) < 0)
                return 1;
            entries[n] = (struct entry){ops, per_pool[c].fn};
            tests[n] = (struct CMUnitTest){name, run_entry, NULL, sbt_teardown, &entries[n]};
        }
    }
    for (size_t c = 0; c < COUNT(one_pool); c++) {
        if (!sbt_strategy_selected(one_pool[c].name))
            continue;
        char *name;
        if (asprintf(&name, "%s/specific", one_pool[c].name) < 0)
            return 1;
        entries[n] = (struct entry){NULL, one_pool[c].fn};
        tests[n] = (struct CMUnitTest){name, run_entry, NULL, sbt_teardown, &entries[n]};
        n++;
    }
    if (n == 0) {
        fprintf(stderr, "test-pool: SERBENCH_STRATEGY selects no pool\n");
        return 1;
    }
    int failed = _cmocka_run_group_tests("pool", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free((char *)tests[i].name);
    free(tests);
    free(entries);
    return failed;
}
