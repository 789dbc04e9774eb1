/*
 * pool.h - block pools: fixed-size free list, size classes, and the process
 * allocator behind one interface.
 *
 * Threading: get may be called from one thread and put from another at the
 * same time (the chunks strategy's producer takes blocks, its consumer gives
 * them back).  pool_fixed and pool_sizeclass allow one getting thread and
 * any number of putting threads; pool_malloc is safe from any number of
 * threads.  A pool with SBUF_POOL_CAP_ONE_THREAD (pool_local) is not: one
 * thread at a time may call it, the caller's own lock or hand-off ordering
 * every call before the next; in return it uses no atomic instruction.
 *
 * put checks what it is given: a block put back twice is SBUF_EDOUBLE, one
 * the pool never handed out is SBUF_EFOREIGN; either is counted in errors
 * and leaves the pool unchanged.
 */
#ifndef SBUF_POOL_H
#define SBUF_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf/sbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SBUF_POOL_MAX_CLASSES 8

struct sbuf_pool_config {
    size_t block_size;   /* pool_fixed: bytes per block; pool_malloc: largest get (0: any) */
    size_t blocks;       /* pool_fixed: blocks; pool_sizeclass: blocks per class;
                            pool_malloc: most blocks out at once (0: no limit) */
    size_t classes[SBUF_POOL_MAX_CLASSES]; /* pool_sizeclass: ascending sizes; all 0 = 1K/4K/16K/64K */
    int on_exhaust;      /* enum sbuf_exhaust: fall back to the allocator, or refuse */
    void *storage;       /* pool_fixed: caller memory for header and blocks, or NULL */
    size_t storage_size;
};

struct sbuf_pool_stats {
    size_t block_size;   /* largest block the pool hands out */
    uint64_t blocks_total; /* 0: unbounded (pool_malloc without a limit) */
    uint64_t blocks_free;
    uint64_t in_use;     /* blocks out now, fallback blocks included */
    uint64_t peak_in_use;
    uint64_t hits;       /* gets served from the pool */
    uint64_t misses;     /* gets the pool could not serve (then fallback or NULL) */
    uint64_t fallbacks;  /* misses served by the allocator */
    uint64_t errors;     /* double and foreign puts */
};

struct sbuf_pool;

/* Pool capability flags, beside SBUF_CAP_STATIC (sbuf.h) in ops->caps. */
enum {
    /* get, put and stats from one thread at a time (the caller serialises
     * them); double and foreign puts are still refused. */
    SBUF_POOL_CAP_ONE_THREAD = 1u << 16,
};

struct sbuf_pool_ops {
    const char *name;
    const char *summary;
    unsigned caps; /* SBUF_CAP_STATIC where a caller-storage create works;
                      SBUF_POOL_CAP_ONE_THREAD where calls must not overlap */
    int (*create)(const struct sbuf_pool_config *cfg, struct sbuf_pool **out);
    void (*destroy)(struct sbuf_pool *p);
    size_t (*storage_size)(const struct sbuf_pool_config *cfg);
    void *(*get)(struct sbuf_pool *p, size_t size);
    int (*put)(struct sbuf_pool *p, void *block);
    void (*stats)(struct sbuf_pool *p, struct sbuf_pool_stats *out);
};

int sbuf_pool_create(const char *name, const struct sbuf_pool_config *cfg,
                     struct sbuf_pool **out);
int sbuf_pool_create_ops(const struct sbuf_pool_ops *ops, const struct sbuf_pool_config *cfg,
                         struct sbuf_pool **out);
size_t sbuf_pool_storage_size(const struct sbuf_pool_ops *ops,
                              const struct sbuf_pool_config *cfg);
void sbuf_pool_destroy(struct sbuf_pool *p);
/* A block of at least size bytes, 16-byte aligned, or NULL: size 0 or above
 * SBUF_MAX_CAPACITY (not counted), or a miss (too large for the pool, or
 * exhausted) that is refused or the allocator cannot serve. */
void *sbuf_pool_get(struct sbuf_pool *p, size_t size);
/* SBUF_OK, SBUF_EDOUBLE, SBUF_EFOREIGN or SBUF_EINVAL. */
int sbuf_pool_put(struct sbuf_pool *p, void *block);
int sbuf_pool_stats(struct sbuf_pool *p, struct sbuf_pool_stats *out);
const char *sbuf_pool_name(const struct sbuf_pool *p);

#ifdef __cplusplus
}
#endif
#endif
