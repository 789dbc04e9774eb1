/*
 * pool_malloc.c - the process allocator behind the pool interface: get is
 * malloc, put is free, plus the checks the others make.
 *
 * It calls malloc and free directly, not the sbuf_mem_alloc hook.  The point
 * of this pool is to measure whichever allocator the process has loaded
 * (glibc, or jemalloc/mimalloc/tcmalloc under LD_PRELOAD), with the call a
 * program would make.  The hook is a different thing: tests and benchmarks
 * replace it with counting or failing allocators, and by default it calls
 * aligned_alloc, which some allocators serve on a slower path than malloc.
 * Sizes are rounded up to a multiple of 16: size-class allocators (jemalloc,
 * mimalloc) align a block only as much as its size needs, and every pool
 * promises 16.  Only fallback blocks and the tracking table go through the hook.
 *
 * Checks: every live block is in a block set (blockset.c) behind one mutex,
 * so a double or foreign put is refused exactly and never reaches free().
 * malloc and free run outside the mutex, so the allocator's own thread
 * scaling is what gets measured; the mutex covers only the set and counters.
 * Safe from any number of threads.
 *
 * Limits, both optional: cfg->blocks caps the blocks out at once (0: no
 * cap) and cfg->block_size the size of one (0: up to SBUF_MAX_CAPACITY);
 * a get beyond either is a miss, so one configuration means the same
 * budget for every pool.  misses also counts malloc returning NULL.
 */
#include <stdlib.h>

#include "pool_internal.h"

struct pool_malloc {
    struct sbuf_pool base;
    size_t max_size; /* 0: any */
    size_t budget;   /* 0: unbounded */
    int on_exhaust;
    /* Relaxed: a count of malloc blocks out, compared with budget; it
     * orders nothing (the mutex and malloc itself do). */
    sbuf__counter out;
    struct sbuf__lock lock;
    struct sbuf__blockset live; /* val = tag(size, from_hook) */
    struct sbuf__pool_count count;
};

#define PM(p) ((struct pool_malloc *)(p))

extern const struct sbuf_pool_ops sbuf_pool_malloc_ops;

/* A block's value in the set: its size, and whether the hook served it. */
static size_t tag(size_t size, int from_hook)
{
    return size << 1 | (size_t)(from_hook != 0);
}

static void release(void *block, size_t val)
{
    if (val & 1)
        sbuf_mem_free(block, val >> 1);
    else
        free(block);
}

static void release_cb(void *block, size_t val, void *ctx)
{
    (void)ctx;
    release(block, val);
}

static int malloc_create(const struct sbuf_pool_config *cfg, struct sbuf_pool **out)
{
    if (cfg->block_size > SBUF_MAX_CAPACITY)
        return SBUF_ERANGE;
    struct pool_malloc *m = sbuf_mem_alloc(NULL, sizeof(*m), SBUF_CACHE_LINE);
    if (!m)
        return SBUF_ENOMEM;
    memset(m, 0, sizeof(*m));
    m->base.ops = &sbuf_pool_malloc_ops;
    m->max_size = cfg->block_size;
    m->budget = cfg->blocks;
    m->on_exhaust = cfg->on_exhaust;
    atomic_init(&m->out, 0);
    sbuf__lock_init(&m->lock);
    sbuf__blockset_init(&m->live);
    sbuf__count_init(&m->count);
    *out = &m->base;
    return SBUF_OK;
}

static void malloc_destroy(struct sbuf_pool *p)
{
    struct pool_malloc *m = PM(p);
    sbuf__blockset_fini(&m->live, release_cb, NULL);
    sbuf__lock_fini(&m->lock);
    sbuf_mem_free(m, sizeof(*m));
}

/* Claims one block of the budget; 0 when none is left. */
static int reserve(struct pool_malloc *m)
{
    if (!m->budget)
        return 1;
    if (atomic_fetch_add_explicit(&m->out, 1, memory_order_relaxed) < m->budget)
        return 1;
    atomic_fetch_sub_explicit(&m->out, 1, memory_order_relaxed);
    return 0;
}

static void unreserve(struct pool_malloc *m)
{
    if (m->budget)
        atomic_fetch_sub_explicit(&m->out, 1, memory_order_relaxed);
}

static void *malloc_get(struct sbuf_pool *p, size_t size)
{
    struct pool_malloc *m = PM(p);
    void *b = NULL;
    if ((!m->max_size || size <= m->max_size) && reserve(m)) {
        b = malloc((size + 15) & ~(size_t)15);
        if (!b)
            unreserve(m);
    }
    int hit = b != NULL;
    if (!hit && m->on_exhaust == SBUF_EXHAUST_FALLBACK)
        b = sbuf_mem_alloc(NULL, size, SBUF__POOL_ALIGN);
    size_t val = tag(size, !hit);
    sbuf__lock(&m->lock);
    int rc = b ? sbuf__blockset_add(&m->live, b, val) : SBUF_OK;
    if (rc)
        hit = 0; /* untracked, put would refuse it: no block after all */
    sbuf__count_get(&m->count, hit, b != NULL && !rc);
    sbuf__unlock(&m->lock);
    if (rc) {
        release(b, val);
        if (!(val & 1))
            unreserve(m);
        b = NULL;
    }
    return b;
}

static int malloc_put(struct sbuf_pool *p, void *block)
{
    struct pool_malloc *m = PM(p);
    size_t val = 0;
    sbuf__lock(&m->lock);
    int rc = sbuf__blockset_take(&m->live, block, &val);
    sbuf__count_put(&m->count, rc, !(val & 1));
    sbuf__unlock(&m->lock);
    if (rc)
        return rc;
    /* Outside the lock: taken from the set, the block is ours alone. */
    release(block, val);
    if (!(val & 1))
        unreserve(m);
    return SBUF_OK;
}

static void malloc_stats(struct sbuf_pool *p, struct sbuf_pool_stats *out)
{
    struct pool_malloc *m = PM(p);
    /* Under the lock: the counters of a get or put are read all or none. */
    sbuf__lock(&m->lock);
    sbuf__count_stats(&m->count, m->budget, m->max_size ? m->max_size : SBUF_MAX_CAPACITY, out);
    sbuf__unlock(&m->lock);
}

const struct sbuf_pool_ops sbuf_pool_malloc_ops = {
    .name = "pool_malloc",
    .summary = "the process allocator (malloc/free, whichever is loaded), with exact put checks",
    .create = malloc_create,
    .destroy = malloc_destroy,
    .get = malloc_get,
    .put = malloc_put,
    .stats = malloc_stats,
};
