/*
 * registry.c - the list of strategies and pools.  Registering one here (or,
 * from outside libsbuf, with sbuf_registry_add) is all it takes for every
 * test suite and benchmark to cover it.
 */
#include <stdarg.h>
#include <stdatomic.h>
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

/*
 * Strategies added at run time, after the built-ins.  A fixed table: no
 * allocation (the hook may be counting), nothing to free at exit.  The
 * count is stored with release after the slot it covers, and loaded with
 * acquire, so a reader that sees a slot counted sees the pointer in it.
 */
static const struct sbuf_ops *added[SBUF_REGISTRY_MAX_ADDED];
static atomic_size_t n_added;

static size_t added_count(void)
{
    return atomic_load_explicit(&n_added, memory_order_acquire);
}

size_t sbuf_registry_count(void)
{
    return COUNT(strategies) + added_count();
}

const struct sbuf_ops *sbuf_registry_at(size_t i)
{
    if (i < COUNT(strategies))
        return strategies[i];
    i -= COUNT(strategies);
    return i < added_count() ? added[i] : NULL;
}

const struct sbuf_ops *sbuf_registry_find(const char *name)
{
    if (!name)
        return NULL;
    const struct sbuf_ops *ops;
    for (size_t i = 0; (ops = sbuf_registry_at(i)) != NULL; i++)
        if (strcmp(ops->name, name) == 0)
            return ops;
    return NULL;
}

/* Writes the reason for a refusal into msg, if there is one; returns rc. */
static int refuse(int rc, char *msg, size_t len, const char *fmt, ...)
{
    if (msg && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, len, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int name_ok(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++) {
        char ch = name[n];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
        if (!ok || n + 1 >= SBUF_NAME_MAX)
            return 0;
    }
    return n > 0;
}

int sbuf_ops_check(const struct sbuf_ops *ops, char *msg, size_t len)
{
    const unsigned known = SBUF_CAP_CONTIGUOUS | SBUF_CAP_GROWS | SBUF_CAP_NEEDS_MMU |
                           SBUF_CAP_MULTI_PRODUCER | SBUF_CAP_PERSISTENT | SBUF_CAP_STATIC;
    if (msg && len)
        msg[0] = '\0';
    if (!ops)
        return refuse(SBUF_EINVAL, msg, len, "strategy ops table is NULL");
    /* First, and without the name: where a table built for another version
     * keeps its name is that version's business. */
    if (ops->abi != SBUF_ABI_VERSION)
        return refuse(SBUF_EABI, msg, len,
                      "strategy ops table built for sbuf ABI %u, but this libsbuf is ABI %u: "
                      "rebuild the strategy against this libsbuf's headers",
                      ops->abi, (unsigned)SBUF_ABI_VERSION);
    if (!ops->name || !name_ok(ops->name))
        return refuse(SBUF_EINVAL, msg, len,
                      "strategy name \"%.*s\" is not 1 to %d characters of [A-Za-z0-9_.-]",
                      SBUF_NAME_MAX, ops->name ? ops->name : "(null)", SBUF_NAME_MAX - 1);
    const char *missing = !ops->summary || !*ops->summary ? "summary"
                          : !ops->create                  ? "create"
                          : !ops->destroy                 ? "destroy"
                          : !ops->write_reserve           ? "write_reserve"
                          : !ops->write_commit            ? "write_commit"
                          : !ops->read_view               ? "read_view"
                          : !ops->read_release            ? "read_release"
                          : !ops->used                    ? "used"
                          : !ops->capacity                ? "capacity"
                          : (ops->caps & SBUF_CAP_STATIC) && !ops->storage_size
                              ? "storage_size (it has SBUF_CAP_STATIC)"
                          : (ops->caps & SBUF_CAP_MULTI_PRODUCER) && !ops->producer_lock
                              ? "producer_lock (it has SBUF_CAP_MULTI_PRODUCER)"
                              : NULL;
    if (missing)
        return refuse(SBUF_EINVAL, msg, len, "strategy %s has no %s", ops->name, missing);
    if (ops->caps & ~known)
        return refuse(SBUF_EINVAL, msg, len, "strategy %s has unknown caps bits 0x%x",
                      ops->name, ops->caps & ~known);
    if (!ops->producer_lock != !ops->producer_unlock)
        return refuse(SBUF_EINVAL, msg, len,
                      "strategy %s has one of producer_lock and producer_unlock", ops->name);
    return SBUF_OK;
}

int sbuf_registry_add(const struct sbuf_ops *ops)
{
    int rc = sbuf_ops_check(ops, NULL, 0);
    if (rc)
        return rc;
    if (sbuf_registry_find(ops->name))
        return SBUF_EEXIST;
    size_t n = added_count();
    if (n == SBUF_REGISTRY_MAX_ADDED)
        return SBUF_ENOMEM;
    added[n] = ops;
    /* Release: the slot is filled before a reader can count it. */
    atomic_store_explicit(&n_added, n + 1, memory_order_release);
    return SBUF_OK;
}

int sbuf_registry_remove(const struct sbuf_ops *ops)
{
    if (!ops)
        return SBUF_EINVAL;
    for (size_t i = 0; i < COUNT(strategies); i++)
        if (strategies[i] == ops)
            return SBUF_EINVAL;
    size_t n = added_count();
    for (size_t i = 0; i < n; i++) {
        if (added[i] != ops)
            continue;
        /* No reader may run meanwhile (registry.h): the entries move. */
        memmove(&added[i], &added[i + 1], (n - 1 - i) * sizeof(added[0]));
        added[n - 1] = NULL;
        atomic_store_explicit(&n_added, n - 1, memory_order_release);
        return SBUF_OK;
    }
    return SBUF_ENOENT;
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
