/*
 * pool.c - the generic pool calls: argument checks written once, so every
 * pool's ops may assume a valid pool, block and size; and the stats fill
 * shared by the three pools.
 */
#include "pool_internal.h"
#include "sbuf/registry.h"

int sbuf_pool_create_ops(const struct sbuf_pool_ops *ops, const struct sbuf_pool_config *cfg,
                         struct sbuf_pool **out)
{
    if (out)
        *out = NULL;
    if (!ops || !ops->create || !cfg || !out)
        return SBUF_EINVAL;
    if (cfg->on_exhaust != SBUF_EXHAUST_FALLBACK && cfg->on_exhaust != SBUF_EXHAUST_REFUSE)
        return SBUF_EINVAL;
    if (cfg->storage) {
        if (cfg->storage_size == 0)
            return SBUF_EINVAL;
        if (!(ops->caps & SBUF_CAP_STATIC) || !ops->storage_size)
            return SBUF_ENOTSUP;
        /* 0: the pool cannot be built from cfg at all; create says why. */
        size_t need = ops->storage_size(cfg);
        if (need && cfg->storage_size < need)
            return SBUF_ERANGE;
    }
    return ops->create(cfg, out);
}

int sbuf_pool_create(const char *name, const struct sbuf_pool_config *cfg,
                     struct sbuf_pool **out)
{
    if (out)
        *out = NULL;
    if (!name)
        return SBUF_EINVAL;
    const struct sbuf_pool_ops *ops = sbuf_pool_registry_find(name);
    if (!ops)
        return SBUF_ENOENT;
    return sbuf_pool_create_ops(ops, cfg, out);
}

size_t sbuf_pool_storage_size(const struct sbuf_pool_ops *ops, const struct sbuf_pool_config *cfg)
{
    if (!ops || !cfg || !(ops->caps & SBUF_CAP_STATIC) || !ops->storage_size)
        return 0;
    return ops->storage_size(cfg);
}

void sbuf_pool_destroy(struct sbuf_pool *p)
{
    if (p)
        p->ops->destroy(p);
}

void *sbuf_pool_get(struct sbuf_pool *p, size_t size)
{
    /* 0 and absurd sizes are bad arguments, not misses: nothing is counted. */
    if (!p || size == 0 || size > SBUF_MAX_CAPACITY)
        return NULL;
    return p->ops->get(p, size);
}

int sbuf_pool_put(struct sbuf_pool *p, void *block)
{
    if (!p || !block)
        return SBUF_EINVAL;
    return p->ops->put(p, block);
}

int sbuf_pool_stats(struct sbuf_pool *p, struct sbuf_pool_stats *out)
{
    if (!p || !out)
        return SBUF_EINVAL;
    memset(out, 0, sizeof(*out));
    p->ops->stats(p, out);
    return SBUF_OK;
}

const char *sbuf_pool_name(const struct sbuf_pool *p)
{
    return p ? p->ops->name : NULL;
}

/* a - b for counters that may wrap; 0 when a snapshot caught b ahead of a. */
static size_t ahead(size_t a, size_t b)
{
    size_t d = a - b;
    return d > SIZE_MAX / 2 ? 0 : d;
}

void sbuf__count_stats(const struct sbuf__pool_count *c, size_t total, size_t block_size,
                       struct sbuf_pool_stats *out)
{
    /*
     * Puts before gets: every put follows its get, so loading in this order
     * keeps gets >= puts in a snapshot taken while both sides run.  Relaxed
     * loads give no such promise across two locations, hence ahead().
     */
    size_t puts = sbuf__count_load(&c->put.puts);
    size_t fb_puts = sbuf__count_load(&c->put.fallback_puts);
    size_t hits = sbuf__count_load(&c->get.hits);
    size_t fallbacks = sbuf__count_load(&c->get.fallbacks);
    size_t pooled = ahead(hits, puts); /* pool blocks out now */
    if (total && pooled > total)
        pooled = total;
    out->block_size = block_size;
    out->blocks_total = total;
    out->blocks_free = total ? total - pooled : 0; /* an unbounded pool reports 0 and 0 */
    out->in_use = pooled + ahead(fallbacks, fb_puts);
    out->peak_in_use = sbuf__count_load(&c->get.peak);
    out->hits = hits;
    out->misses = sbuf__count_load(&c->get.misses);
    out->fallbacks = fallbacks;
    out->errors = sbuf__count_load(&c->put.errors);
}
