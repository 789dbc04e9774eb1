/*
 * registry.c - the list of strategies and pools.  Registering one here is
 * all it takes for every test suite and benchmark to cover it.
 */
#include <stdio.h>
#include <string.h>

#include "sbuf/registry.h"

extern const struct sbuf_ops sbuf_ring_locked_ops;
extern const struct sbuf_ops sbuf_ring_spsc_ops;
extern const struct sbuf_ops sbuf_ring_mirror_ops;
extern const struct sbuf_ops sbuf_bip_ops;
extern const struct sbuf_ops sbuf_chunks_ops;
extern const struct sbuf_ops sbuf_adaptive_ops;
extern const struct sbuf_ops sbuf_mmap_log_ops;
#ifdef SBUF_HAVE_JACK
extern const struct sbuf_ops sbuf_jack_ops;
#endif

extern const struct sbuf_pool_ops sbuf_pool_fixed_ops;
extern const struct sbuf_pool_ops sbuf_pool_local_ops;
extern const struct sbuf_pool_ops sbuf_pool_sizeclass_ops;
extern const struct sbuf_pool_ops sbuf_pool_malloc_ops;

static const struct sbuf_ops *const strategies[] = {
    &sbuf_ring_locked_ops,
    &sbuf_ring_spsc_ops,
    &sbuf_ring_mirror_ops,
    &sbuf_bip_ops,
    &sbuf_chunks_ops,
    &sbuf_adaptive_ops,
    &sbuf_mmap_log_ops,
#ifdef SBUF_HAVE_JACK
    &sbuf_jack_ops,
#endif
};

static const struct sbuf_pool_ops *const pools[] = {
    &sbuf_pool_fixed_ops,
    &sbuf_pool_local_ops,
    &sbuf_pool_sizeclass_ops,
    &sbuf_pool_malloc_ops,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

size_t sbuf_registry_count(void)
{
    return COUNT(strategies);
}

const struct sbuf_ops *sbuf_registry_at(size_t i)
{
    return i < COUNT(strategies) ? strategies[i] : NULL;
}

const struct sbuf_ops *sbuf_registry_find(const char *name)
{
    for (size_t i = 0; name && i < COUNT(strategies); i++)
        if (strcmp(strategies[i]->name, name) == 0)
            return strategies[i];
    return NULL;
}

size_t sbuf_pool_registry_count(void)
{
    return COUNT(pools);
}

const struct sbuf_pool_ops *sbuf_pool_registry_at(size_t i)
{
    return i < COUNT(pools) ? pools[i] : NULL;
}

const struct sbuf_pool_ops *sbuf_pool_registry_find(const char *name)
{
    for (size_t i = 0; name && i < COUNT(pools); i++)
        if (strcmp(pools[i]->name, name) == 0)
            return pools[i];
    return NULL;
}

const char *sbuf_caps_string(unsigned caps, char *buf, size_t len)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {
        {SBUF_CAP_CONTIGUOUS, "contiguous"}, {SBUF_CAP_GROWS, "grows"},
        {SBUF_CAP_NEEDS_MMU, "mmu"},         {SBUF_CAP_MULTI_PRODUCER, "mpsc"},
        {SBUF_CAP_PERSISTENT, "persistent"}, {SBUF_CAP_STATIC, "static"},
    };
    if (!buf || len == 0)
        return buf;
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < COUNT(names); i++) {
        if (!(caps & names[i].bit))
            continue;
        int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", names[i].name);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    return buf;
}
