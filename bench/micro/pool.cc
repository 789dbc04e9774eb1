/*
 * pool/<pool>/<size>: one get and one put per iteration, for every
 * registered pool, and pool/malloc/<size>: malloc and free of the same
 * size, the baseline a pool has to beat.  The first byte of every block is
 * written, so a block is memory the caller can use, not just a pointer.
 * Pools refuse when empty (SBUF_EXHAUST_REFUSE): a get served by a fallback
 * allocator would measure that allocator, so an empty pool fails the run.
 */
#include "micro.h"

#include <cstdlib>

namespace micro {

namespace {

struct PoolDeleter {
    void operator()(struct sbuf_pool *p) const { sbuf_pool_destroy(p); }
};

} // namespace

static void bench_pool(benchmark::State &st, const struct sbuf_pool_ops *ops, size_t size)
{
    struct sbuf_pool_config cfg = {};
    cfg.block_size = size;
    cfg.blocks = 16;
    cfg.on_exhaust = SBUF_EXHAUST_REFUSE;
    struct sbuf_pool *raw = nullptr;
    int rc = sbuf_pool_create_ops(ops, &cfg, &raw);
    if (rc != SBUF_OK || !raw) {
        unavailable(st, ops->name, rc ? rc : SBUF_ENOMEM);
        return;
    }
    std::unique_ptr<struct sbuf_pool, PoolDeleter> pool(raw);
    {
        AllocWindow window(st);
        for (auto _ : st) {
            void *p = sbuf_pool_get(pool.get(), size);
            if (!p) {
                fail(st, name("pool", ops->name, size) + ": get returned NULL");
                break;
            }
            *(volatile uint8_t *)p = 1;
            benchmark::DoNotOptimize(p);
            rc = sbuf_pool_put(pool.get(), p);
            if (rc != SBUF_OK) {
                fail(st, name("pool", ops->name, size) + ": put: " + sbuf_strerror(rc));
                break;
            }
        }
    }
    st.SetItemsProcessed((int64_t)st.iterations());
}

static void bench_malloc(benchmark::State &st, size_t size)
{
    for (auto _ : st) {
        void *p = std::malloc(size);
        if (!p) {
            fail(st, name("pool", "malloc", size) + ": malloc returned NULL");
            break;
        }
        *(volatile uint8_t *)p = 1;
        benchmark::DoNotOptimize(p);
        std::free(p);
    }
    st.SetItemsProcessed((int64_t)st.iterations());
}

void register_pool()
{
    for (size_t size : kPoolSizes) {
        for (size_t i = 0; const struct sbuf_pool_ops *ops = sbuf_pool_registry_at(i); i++)
            Register(name("pool", ops->name, size).c_str(), bench_pool, ops,
                     size);
        Register(name("pool", "malloc", size).c_str(), bench_malloc, size);
    }
}

} // namespace micro
