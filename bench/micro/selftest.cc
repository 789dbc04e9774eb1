/*
 * selftest.cc - proof that the suite's checks bite.  With
 * SERBENCH_MICRO_SELFTEST=corrupt in the environment, a strategy named
 * selftest_corrupt joins every family: ring_spsc with one byte of every
 * 100th read or view flipped.  Every benchmark of it must fail and the
 * process must exit 1 (a CTest test asserts that).
 */
#include "micro.h"

#include <cstdlib>
#include <cstring>

/* The selftest strategy is a strategy: it rebinds the header's ops table,
 * which only impl's internal header describes. */
#include "sbuf_internal.h"

extern "C" const struct sbuf_ops sbuf_ring_spsc_ops;

namespace micro {

namespace {

struct sbuf_ops g_corrupt;
unsigned g_calls;

void flip_last(uint8_t *p, size_t n)
{
    if (n && ++g_calls % 100 == 0)
        p[n - 1] ^= 0x5a;
}

size_t corrupt_read(struct sbuf *b, void *dst, size_t n)
{
    size_t k = sbuf_ring_spsc_ops.read(b, dst, n);
    flip_last((uint8_t *)dst, k);
    return k;
}

size_t corrupt_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    size_t k = sbuf_ring_spsc_ops.read_view(b, v);
    if (v[1].n)
        flip_last(v[1].p, v[1].n);
    else
        flip_last(v[0].p, v[0].n);
    return k;
}

/* ring_spsc's create binds ring_spsc's own table; point the buffer at ours. */
int corrupt_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    int rc = sbuf_ring_spsc_ops.create(cfg, out);
    if (rc == SBUF_OK)
        (*out)->ops = &g_corrupt;
    return rc;
}

} // namespace

const std::vector<const struct sbuf_ops *> &strategies()
{
    static const std::vector<const struct sbuf_ops *> list = [] {
        std::vector<const struct sbuf_ops *> v;
        for (size_t i = 0; const struct sbuf_ops *ops = sbuf_registry_at(i); i++)
            v.push_back(ops);
        const char *mode = std::getenv("SERBENCH_MICRO_SELFTEST");
        if (mode && std::strcmp(mode, "corrupt") == 0) {
            g_corrupt = sbuf_ring_spsc_ops;
            g_corrupt.name = "selftest_corrupt";
            g_corrupt.create = corrupt_create;
            if (g_corrupt.read) /* else the generic read goes through read_view */
                g_corrupt.read = corrupt_read;
            g_corrupt.read_view = corrupt_read_view;
            v.push_back(&g_corrupt);
        }
        return v;
    }();
    return list;
}

} // namespace micro
