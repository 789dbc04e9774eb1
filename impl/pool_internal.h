/*
 * pool_internal.h - what the three pools share; not installed.
 *
 *   sbuf__lock        a mutex (pthread), or a spin lock in a freestanding build
 *   sbuf__blockset    an exact set of live block addresses (open addressing)
 *   sbuf__fallback    blocks served by the allocation hook when a pool misses,
 *                     tracked so that put can tell them from foreign pointers
 *   sbuf__pool_count  the stats counters, getter and putter on separate lines
 */
#ifndef SBUF_POOL_INTERNAL_H
#define SBUF_POOL_INTERNAL_H

#include <stdatomic.h>

#include "sbuf_internal.h"

#ifndef SBUF_FREESTANDING
#include <pthread.h>
#endif

/* Every block a pool hands out, pool or fallback, starts on a cache line:
 * two blocks never share one, so a producer filling one block and a consumer
 * draining its neighbour do not false-share. */
#define SBUF__POOL_ALIGN SBUF_CACHE_LINE

extern const struct sbuf_pool_ops sbuf_pool_fixed_ops;

/* 1 when block lies in pool_fixed p's slab (a block or not): the size-class
 * pool uses it to find the class that owns a block. */
int sbuf__pool_fixed_owns(const struct sbuf_pool *p, const void *block);

/* ---- lock ------------------------------------------------------------ */

#ifdef SBUF_FREESTANDING
/*
 * No threads library on the MCU: a spin lock.  Only the pools' slow paths
 * take it (fallback blocks), and a firmware without a heap never gets there.
 * Not for use between a thread and an interrupt handler on one core.
 */
struct sbuf__lock {
    atomic_flag held;
};

static inline void sbuf__lock_init(struct sbuf__lock *l)
{
    atomic_flag_clear_explicit(&l->held, memory_order_relaxed);
}

static inline void sbuf__lock_fini(struct sbuf__lock *l)
{
    (void)l;
}

static inline void sbuf__lock(struct sbuf__lock *l)
{
    /* Acquire: what the previous holder wrote under the lock is visible. */
    while (atomic_flag_test_and_set_explicit(&l->held, memory_order_acquire))
        ;
}

static inline void sbuf__unlock(struct sbuf__lock *l)
{
    /* Release: our writes under the lock reach the next holder. */
    atomic_flag_clear_explicit(&l->held, memory_order_release);
}
#else
struct sbuf__lock {
    pthread_mutex_t m;
};

static inline void sbuf__lock_init(struct sbuf__lock *l)
{
    /* Default attributes: cannot fail on Linux. */
    pthread_mutex_init(&l->m, NULL);
}

static inline void sbuf__lock_fini(struct sbuf__lock *l)
{
    pthread_mutex_destroy(&l->m);
}

static inline void sbuf__lock(struct sbuf__lock *l)
{
    pthread_mutex_lock(&l->m);
}

static inline void sbuf__unlock(struct sbuf__lock *l)
{
    pthread_mutex_unlock(&l->m);
}
#endif

/* ---- block set ------------------------------------------------------- */

/*
 * Live blocks, each with a value the owner chooses (its size, a tag).  A
 * block that is taken out stays behind as "retired" until the table is next
 * rebuilt, so putting it again reads as a double put rather than a foreign
 * one.  Not thread-safe: the owner locks.
 */
struct sbuf__blockset_slot {
    uintptr_t key; /* block address; low bit set when retired; 0 when empty */
    size_t val;
};

struct sbuf__blockset {
    struct sbuf__blockset_slot *slots;
    size_t cap; /* slots: a power of two, or 0 before the first add */
    size_t live;
    size_t retired;
};

void sbuf__blockset_init(struct sbuf__blockset *s);
/* Calls each(block, val, ctx) for every live block, then frees the table. */
void sbuf__blockset_fini(struct sbuf__blockset *s, void (*each)(void *block, size_t val, void *ctx),
                         void *ctx);
/* Makes block live with val.  SBUF_OK or SBUF_ENOMEM (the table could not grow). */
int sbuf__blockset_add(struct sbuf__blockset *s, void *block, size_t val);
/* Retires a live block and gives its val: SBUF_OK, else SBUF_EDOUBLE
 * (retired already) or SBUF_EFOREIGN (never seen, or forgotten since). */
int sbuf__blockset_take(struct sbuf__blockset *s, void *block, size_t *val);

/* ---- fallback blocks ------------------------------------------------- */

struct sbuf__fallback {
    struct sbuf__lock lock;
    struct sbuf__blockset set; /* val = the size asked of the allocator */
};

void sbuf__fallback_init(struct sbuf__fallback *f);
/* Frees every fallback block still out, then the tracking table. */
void sbuf__fallback_fini(struct sbuf__fallback *f);
/* A block of size bytes from the allocation hook, tracked; NULL if none. */
void *sbuf__fallback_get(struct sbuf__fallback *f, size_t size);
/* Frees a tracked block: SBUF_OK, SBUF_EDOUBLE or SBUF_EFOREIGN. */
int sbuf__fallback_put(struct sbuf__fallback *f, void *block);

/* ---- stats counters -------------------------------------------------- */

/*
 * size_t, not uint64_t: lock-free on every target, the Cortex-M4 included,
 * which has no 64-bit atomics (a 32-bit counter wraps after 4 G events;
 * differences such as in_use stay right across the wrap).
 */
typedef _Atomic size_t sbuf__counter;

/*
 * Getter-side counters have one writer (the getting thread, or whoever holds
 * the pool's lock) and are bumped with a plain load and store; putter-side
 * counters may have several writers and use fetch_add.  Every access is
 * relaxed: these are statistics, never used to order other memory (the
 * pools publish blocks through their own release/acquire pairs).
 */
struct sbuf__pool_count {
    struct {
        alignas(SBUF_CACHE_LINE) sbuf__counter hits;
        sbuf__counter misses;
        sbuf__counter fallbacks;
        sbuf__counter peak;
        size_t seen_puts; /* puts + fallback_puts when last loaded: see count_get */
    } get;
    struct {
        alignas(SBUF_CACHE_LINE) sbuf__counter puts; /* blocks back into the pool */
        sbuf__counter fallback_puts;                  /* fallback blocks freed */
        sbuf__counter errors;
    } put;
};

static inline void sbuf__count_init(struct sbuf__pool_count *c)
{
    atomic_init(&c->get.hits, 0);
    atomic_init(&c->get.misses, 0);
    atomic_init(&c->get.fallbacks, 0);
    atomic_init(&c->get.peak, 0);
    c->get.seen_puts = 0;
    atomic_init(&c->put.puts, 0);
    atomic_init(&c->put.fallback_puts, 0);
    atomic_init(&c->put.errors, 0);
}

static inline size_t sbuf__count_load(const sbuf__counter *c)
{
    return atomic_load_explicit((sbuf__counter *)c, memory_order_relaxed);
}

/* One writer: no read-modify-write needed. */
static inline void sbuf__count_bump(sbuf__counter *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static inline size_t sbuf__count_puts(const struct sbuf__pool_count *c)
{
    return sbuf__count_load(&c->put.puts) + sbuf__count_load(&c->put.fallback_puts);
}

/*
 * Records one get: a hit (served by the pool) or a miss, then served by the
 * allocator (a fallback) or not at all.  The peak is raised from
 * in_use = gets - puts.  Loading the putter's counters costs a cross-core
 * cache miss, so, as ring_spsc does with its peak, the getter first uses the
 * puts it saw last time: that stale value can only make in_use look larger,
 * and only when the estimate would raise the peak are the counters reloaded.
 * With get and put on one thread the peak is exact; with both running it
 * may exceed the truth by the puts that race with the get.
 */
static inline void sbuf__count_get(struct sbuf__pool_count *c, int hit, int served)
{
    if (hit) {
        sbuf__count_bump(&c->get.hits);
    } else {
        sbuf__count_bump(&c->get.misses);
        if (served)
            sbuf__count_bump(&c->get.fallbacks);
    }
    if (!served)
        return;
    size_t gets = sbuf__count_load(&c->get.hits) + sbuf__count_load(&c->get.fallbacks);
    size_t peak = sbuf__count_load(&c->get.peak);
    if (gets - c->get.seen_puts <= peak)
        return;
    c->get.seen_puts = sbuf__count_puts(c);
    if (gets - c->get.seen_puts > peak)
        atomic_store_explicit(&c->get.peak, gets - c->get.seen_puts, memory_order_relaxed);
}

/* Records one put's outcome; pooled says the block was the pool's own. */
static inline void sbuf__count_put(struct sbuf__pool_count *c, int rc, int pooled)
{
    sbuf__counter *n = rc ? &c->put.errors : pooled ? &c->put.puts : &c->put.fallback_puts;
    atomic_fetch_add_explicit(n, 1, memory_order_relaxed);
}

/* Fills out from the counters; total is the pool's block count (0: unbounded). */
void sbuf__count_stats(const struct sbuf__pool_count *c, size_t total, size_t block_size,
                       struct sbuf_pool_stats *out);

#endif
