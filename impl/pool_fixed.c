/*
 * pool_fixed.c - fixed-size blocks on an intrusive free list: O(1) get and
 * put, no allocation after create, and a create in caller storage for an MCU.
 *
 * Memory: one region holds the header, a state byte per block, and the slab
 * of blocks, each starting on its own cache line (stride = block_size
 * rounded up to SBUF__POOL_ALIGN).  It comes from the allocation hook, or
 * from cfg->storage with no heap at all.
 *
 * Threading: one thread gets while any number of threads put (the chunks
 * strategy's producer gets, its consumer puts).  The free list is two LIFO
 * stacks linked through the free blocks themselves:
 *
 *   local     the getter's own list, plain pointers: get pops from it;
 *   returned  a lock-free stack that put pushes onto with a CAS.
 *
 * When local runs dry the getter takes the whole returned stack in one
 * atomic exchange and makes it its local list.  Both operations are O(1),
 * and the getter touches the putters' cache line once per batch, not once
 * per block.
 *
 * Why this is ABA-safe: ABA hurts a CAS that pops (it compares the top but
 * trusts a next pointer read earlier, which may have changed).  Here nothing
 * pops with a CAS.  The getter detaches the stack with an exchange, which
 * reads no next pointer.  A pusher's CAS compares the top it linked its
 * block to: if it succeeds, the block's next is the current top, whatever
 * happened in between, which is all a push needs.  So the stack is correct
 * for one getter and any number of putters; two getters would race on local.
 *
 * Double and foreign puts: each block has a state byte, FREE or OUT.  put
 * moves it OUT -> FREE with a compare-and-swap, so of two puts of one block
 * (even concurrent ones) exactly one wins and the other is SBUF_EDOUBLE.
 * A pointer outside the slab, or inside it but not on a block boundary, is
 * SBUF_EFOREIGN, unless it is a live fallback block (pool_fallback.c).
 * A refused put changes nothing but the errors counter.
 */
#include "pool_internal.h"

enum { BLOCK_FREE = 0, BLOCK_OUT = 1 };

struct fixed_node {
    struct fixed_node *next;
};

struct pool_fixed {
    struct sbuf_pool base;
    /* Read-only after create: shared by both sides without contention. */
    uint8_t *slab;
    size_t slab_bytes;
    size_t stride;
    size_t block_size;
    size_t blocks;
    int on_exhaust;
    _Atomic unsigned char *state; /* one byte per block */
    void *region;                 /* what create allocated (NULL in caller storage) */
    size_t region_size;
    struct sbuf__fallback fallback;
    struct sbuf__pool_count count;
    /* Getter's line. */
    struct {
        alignas(SBUF_CACHE_LINE) struct fixed_node *local;
    } g;
    /* Putters' line. */
    struct {
        alignas(SBUF_CACHE_LINE) _Atomic(struct fixed_node *) returned;
    } p;
};

#define FIXED(p) ((struct pool_fixed *)(p))

static size_t align_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/*
 * Where the parts go in the region: header, state bytes, then the slab on a
 * cache line.  Returns the region's size, or 0 when cfg cannot be honoured
 * (the slab is limited to SBUF_MAX_CAPACITY bytes, which also keeps every
 * sum below from overflowing a 32-bit size_t).
 */
static size_t fixed_layout(const struct sbuf_pool_config *cfg, size_t *stride, size_t *slab_off)
{
    if (cfg->block_size == 0 || cfg->block_size > SBUF_MAX_CAPACITY || cfg->blocks == 0)
        return 0;
    size_t st = align_up(cfg->block_size, SBUF__POOL_ALIGN);
    if (cfg->blocks > SBUF_MAX_CAPACITY / st)
        return 0;
    size_t off = align_up(sizeof(struct pool_fixed) + cfg->blocks, SBUF__POOL_ALIGN);
    if (stride)
        *stride = st;
    if (slab_off)
        *slab_off = off;
    return off + cfg->blocks * st;
}

static size_t fixed_storage_size(const struct sbuf_pool_config *cfg)
{
    size_t region = fixed_layout(cfg, NULL, NULL);
    /* slack to move an arbitrary caller pointer onto a cache line */
    return region ? region + SBUF__POOL_ALIGN - 1 : 0;
}

/* Builds the pool in region; every block starts free, on the getter's list in
 * address order (so a fresh pool hands out ascending addresses). */
static struct pool_fixed *fixed_init(uint8_t *region, const struct sbuf_pool_config *cfg,
                                     size_t stride, size_t slab_off)
{
    struct pool_fixed *f = (struct pool_fixed *)region;
    memset(f, 0, sizeof(*f));
    f->base.ops = &sbuf_pool_fixed_ops;
    f->slab = region + slab_off;
    f->stride = stride;
    f->block_size = cfg->block_size;
    f->blocks = cfg->blocks;
    f->slab_bytes = cfg->blocks * stride;
    f->on_exhaust = cfg->on_exhaust;
    f->state = (_Atomic unsigned char *)(region + sizeof(*f));
    for (size_t i = 0; i < f->blocks; i++) {
        atomic_init(&f->state[i], BLOCK_FREE);
        struct fixed_node *n = (struct fixed_node *)(f->slab + i * stride);
        n->next = i + 1 < f->blocks ? (struct fixed_node *)(f->slab + (i + 1) * stride) : NULL;
    }
    f->g.local = (struct fixed_node *)f->slab;
    atomic_init(&f->p.returned, NULL);
    sbuf__fallback_init(&f->fallback);
    sbuf__count_init(&f->count);
    return f;
}

static int fixed_create(const struct sbuf_pool_config *cfg, struct sbuf_pool **out)
{
    size_t stride, slab_off;
    size_t region_size = fixed_layout(cfg, &stride, &slab_off);
    if (region_size == 0)
        return SBUF_ERANGE;
    if (cfg->storage) {
        uint8_t *at = sbuf__align_up(cfg->storage, SBUF__POOL_ALIGN);
        struct pool_fixed *f = fixed_init(at, cfg, stride, slab_off);
        f->base.static_storage = 1;
        *out = &f->base;
        return SBUF_OK;
    }
    uint8_t *region = sbuf_mem_alloc(NULL, region_size, SBUF__POOL_ALIGN);
    if (!region)
        return SBUF_ENOMEM;
    struct pool_fixed *f = fixed_init(region, cfg, stride, slab_off);
    f->region = region;
    f->region_size = region_size;
    *out = &f->base;
    return SBUF_OK;
}

static void fixed_destroy(struct sbuf_pool *p)
{
    struct pool_fixed *f = FIXED(p);
    sbuf__fallback_fini(&f->fallback);
    if (!f->base.static_storage)
        sbuf_mem_free(f->region, f->region_size);
}

int sbuf__pool_fixed_owns(const struct sbuf_pool *p, const void *block)
{
    const struct pool_fixed *f = (const struct pool_fixed *)p;
    /* Unsigned: a pointer below the slab wraps to a huge offset. */
    return (uintptr_t)block - (uintptr_t)f->slab < f->slab_bytes;
}

static size_t block_index(const struct pool_fixed *f, const void *block)
{
    return ((uintptr_t)block - (uintptr_t)f->slab) / f->stride;
}

static void *fixed_miss(struct pool_fixed *f, size_t size)
{
    void *b = NULL;
    if (f->on_exhaust == SBUF_EXHAUST_FALLBACK)
        b = sbuf__fallback_get(&f->fallback, size);
    sbuf__count_get(&f->count, 0, b != NULL);
    return b;
}

static void *fixed_get(struct sbuf_pool *p, size_t size)
{
    struct pool_fixed *f = FIXED(p);
    if (size > f->block_size)
        return fixed_miss(f, size);
    struct fixed_node *n = f->g.local;
    if (!n) {
        /* Acquire pairs with the release of put's CAS: the putter's last
         * accesses to each block, and the next links it wrote, happen
         * before we hand the blocks out again. */
        n = atomic_exchange_explicit(&f->p.returned, NULL, memory_order_acquire);
        if (!n)
            return fixed_miss(f, size);
    }
    f->g.local = n->next;
    /* Relaxed: the block reaches a putter only through the caller's own
     * synchronisation, which orders this store before the putter's CAS;
     * and put's release / our acquire above order it after the last put. */
    atomic_store_explicit(&f->state[block_index(f, n)], BLOCK_OUT, memory_order_relaxed);
    sbuf__count_get(&f->count, 1, 1);
    return n;
}

static int fixed_put(struct sbuf_pool *p, void *block)
{
    struct pool_fixed *f = FIXED(p);
    int rc;
    if (!sbuf__pool_fixed_owns(p, block)) {
        rc = sbuf__fallback_put(&f->fallback, block);
        sbuf__count_put(&f->count, rc, 0);
        return rc;
    }
    if (((uintptr_t)block - (uintptr_t)f->slab) % f->stride) {
        sbuf__count_put(&f->count, SBUF_EFOREIGN, 1);
        return SBUF_EFOREIGN;
    }
    unsigned char expect = BLOCK_OUT;
    /* Relaxed: the CAS only decides which of two puts of a block wins; the
     * block itself is published to the getter by the push below. */
    if (!atomic_compare_exchange_strong_explicit(&f->state[block_index(f, block)], &expect,
                                                 BLOCK_FREE, memory_order_relaxed,
                                                 memory_order_relaxed)) {
        sbuf__count_put(&f->count, SBUF_EDOUBLE, 1);
        return SBUF_EDOUBLE;
    }
    /* Counted before the push: once the getter can take the block, its put
     * is visible to the getter's in_use estimate (see sbuf__count_get). */
    sbuf__count_put(&f->count, SBUF_OK, 1);
    struct fixed_node *n = block;
    /* Relaxed: the top is only the comparand for the CAS, never dereferenced. */
    struct fixed_node *top = atomic_load_explicit(&f->p.returned, memory_order_relaxed);
    do {
        n->next = top;
        /* Release on success: n->next, and every access the caller made to
         * the block, happen before the getter's acquire exchange takes it.
         * Relaxed on failure: we only retry with the new top. */
    } while (!atomic_compare_exchange_weak_explicit(&f->p.returned, &top, n, memory_order_release,
                                                    memory_order_relaxed));
    return SBUF_OK;
}

static void fixed_stats(struct sbuf_pool *p, struct sbuf_pool_stats *out)
{
    struct pool_fixed *f = FIXED(p);
    sbuf__count_stats(&f->count, f->blocks, f->block_size, out);
}

const struct sbuf_pool_ops sbuf_pool_fixed_ops = {
    .name = "pool_fixed",
    .summary = "fixed-size blocks on an intrusive free list: O(1) get/put, caller storage",
    .caps = SBUF_CAP_STATIC,
    .create = fixed_create,
    .destroy = fixed_destroy,
    .storage_size = fixed_storage_size,
    .get = fixed_get,
    .put = fixed_put,
    .stats = fixed_stats,
};
