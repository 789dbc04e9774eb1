/*
 * pool_sizeclass.c - size classes (1K/4K/16K/64K by default), one pool_fixed
 * per class.
 *
 * get takes the smallest class that fits; when that class is empty it tries
 * the larger ones (a hit still, at the cost of internal fragmentation)
 * before it calls it a miss.  A request larger than the largest class is a
 * miss.  Misses fall back to the allocator or are refused, per on_exhaust.
 * put finds the owning class by address range (at most
 * SBUF_POOL_MAX_CLASSES compares) and lets that pool_fixed check the block.
 *
 * Threading is pool_fixed's: one getting thread, any number of putting
 * threads.  The class pools are created refusing; this pool keeps the
 * counters it reports (the class pools count too, but a spill to a larger
 * class would show in them as a miss).
 */
#include "pool_internal.h"

static const size_t default_classes[] = {1024, 4096, 16384, 65536};

struct pool_sizeclass {
    struct sbuf_pool base;
    size_t nclasses;
    size_t blocks; /* per class */
    int on_exhaust;
    size_t size[SBUF_POOL_MAX_CLASSES];
    struct sbuf_pool *class[SBUF_POOL_MAX_CLASSES];
    struct sbuf__fallback fallback;
    struct sbuf__pool_count count;
};

#define SIZECLASS(p) ((struct pool_sizeclass *)(p))

extern const struct sbuf_pool_ops sbuf_pool_sizeclass_ops;

/* The class sizes cfg asks for: its non-zero prefix, strictly ascending, or
 * the defaults when all are zero.  Returns the count, or 0 if malformed. */
static size_t class_sizes(const struct sbuf_pool_config *cfg, size_t size[SBUF_POOL_MAX_CLASSES])
{
    size_t n = 0;
    while (n < SBUF_POOL_MAX_CLASSES && cfg->classes[n])
        n++;
    for (size_t i = n; i < SBUF_POOL_MAX_CLASSES; i++)
        if (cfg->classes[i])
            return 0; /* a gap: the caller meant something we would not do */
    if (n == 0) {
        n = sizeof(default_classes) / sizeof(default_classes[0]);
        memcpy(size, default_classes, sizeof(default_classes));
        return n;
    }
    for (size_t i = 0; i < n; i++) {
        if (i && cfg->classes[i] <= cfg->classes[i - 1])
            return 0;
        size[i] = cfg->classes[i];
    }
    return n;
}

static void sizeclass_destroy(struct sbuf_pool *p)
{
    struct pool_sizeclass *s = SIZECLASS(p);
    for (size_t i = 0; i < s->nclasses; i++)
        if (s->class[i])
            sbuf_pool_fixed_ops.destroy(s->class[i]);
    sbuf__fallback_fini(&s->fallback);
    sbuf_mem_free(s, sizeof(*s));
}

static int sizeclass_create(const struct sbuf_pool_config *cfg, struct sbuf_pool **out)
{
    size_t size[SBUF_POOL_MAX_CLASSES] = {0};
    size_t n = class_sizes(cfg, size);
    if (n == 0)
        return SBUF_EINVAL;
    if (cfg->blocks == 0)
        return SBUF_ERANGE;
    struct pool_sizeclass *s = sbuf_mem_alloc(NULL, sizeof(*s), SBUF_CACHE_LINE);
    if (!s)
        return SBUF_ENOMEM;
    memset(s, 0, sizeof(*s));
    s->base.ops = &sbuf_pool_sizeclass_ops;
    s->nclasses = n;
    s->blocks = cfg->blocks;
    s->on_exhaust = cfg->on_exhaust;
    memcpy(s->size, size, sizeof(size));
    sbuf__fallback_init(&s->fallback);
    sbuf__count_init(&s->count);
    for (size_t i = 0; i < n; i++) {
        struct sbuf_pool_config c = {
            .block_size = size[i], .blocks = cfg->blocks, .on_exhaust = SBUF_EXHAUST_REFUSE};
        int rc = sbuf_pool_fixed_ops.create(&c, &s->class[i]);
        if (rc) {
            sizeclass_destroy(&s->base);
            return rc;
        }
    }
    *out = &s->base;
    return SBUF_OK;
}

static void *sizeclass_get(struct sbuf_pool *p, size_t size)
{
    struct pool_sizeclass *s = SIZECLASS(p);
    size_t i = 0;
    while (i < s->nclasses && s->size[i] < size)
        i++;
    for (; i < s->nclasses; i++) {
        void *b = sbuf_pool_fixed_ops.get(s->class[i], size);
        if (b) {
            sbuf__count_get(&s->count, 1, 1);
            return b;
        }
    }
    void *b = NULL;
    if (s->on_exhaust == SBUF_EXHAUST_FALLBACK)
        b = sbuf__fallback_get(&s->fallback, size);
    sbuf__count_get(&s->count, 0, b != NULL);
    return b;
}

static int sizeclass_put(struct sbuf_pool *p, void *block)
{
    struct pool_sizeclass *s = SIZECLASS(p);
    for (size_t i = 0; i < s->nclasses; i++) {
        if (sbuf__pool_fixed_owns(s->class[i], block)) {
            int rc = sbuf_pool_fixed_ops.put(s->class[i], block);
            sbuf__count_put(&s->count, rc, 1);
            return rc;
        }
    }
    int rc = sbuf__fallback_put(&s->fallback, block);
    sbuf__count_put(&s->count, rc, 0);
    return rc;
}

static void sizeclass_stats(struct sbuf_pool *p, struct sbuf_pool_stats *out)
{
    struct pool_sizeclass *s = SIZECLASS(p);
    sbuf__count_stats(&s->count, s->nclasses * s->blocks, s->size[s->nclasses - 1], out);
}

const struct sbuf_pool_ops sbuf_pool_sizeclass_ops = {
    .name = "pool_sizeclass",
    .summary = "size classes (1K/4K/16K/64K by default) over pool_fixed: smallest class that fits",
    .create = sizeclass_create,
    .destroy = sizeclass_destroy,
    .get = sizeclass_get,
    .put = sizeclass_put,
    .stats = sizeclass_stats,
};
