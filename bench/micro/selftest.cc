/*
 * selftest.cc - proof that the suite's checks bite.  With
 * SERBENCH_MICRO_SELFTEST=corrupt in the environment, a strategy named
 * selftest_corrupt joins the registry before any family walks it: ring_spsc
 * with one byte of every 100th read or view flipped.  Every benchmark of it
 * must fail and the process must exit 1 (a CTest test asserts that).
 *
 * It is written as a strategy outside libsbuf would be: public headers
 * only (sbuf/strategy.h for the header it rebinds), registered with
 * sbuf_registry_add.
 */
#include "micro.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sbuf/strategy.h"

namespace micro {

namespace {

const struct sbuf_ops *g_inner; /* ring_spsc, as the registry has it */
struct sbuf_ops g_corrupt;
unsigned g_calls;

void flip_last(uint8_t *p, size_t n)
{
    if (n && ++g_calls % 100 == 0)
        p[n - 1] ^= 0x5a;
}

size_t corrupt_read(struct sbuf *b, void *dst, size_t n)
{
    size_t k = g_inner->read(b, dst, n);
    flip_last((uint8_t *)dst, k);
    return k;
}

size_t corrupt_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    size_t k = g_inner->read_view(b, v);
    if (v[1].n)
        flip_last(v[1].p, v[1].n);
    else
        flip_last(v[0].p, v[0].n);
    return k;
}

/* ring_spsc's create binds ring_spsc's own table; point the buffer at ours. */
int corrupt_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    int rc = g_inner->create(cfg, out);
    if (rc == SBUF_OK)
        (*out)->ops = &g_corrupt;
    return rc;
}

/* A selftest that silently ran without its strategy would prove nothing. */
[[noreturn]] void die(const char *why, const char *detail)
{
    std::fprintf(stderr, "serbench-micro: selftest: %s%s%s\n", why, detail ? ": " : "",
                 detail ? detail : "");
    std::exit(2);
}

void register_corrupt()
{
    g_inner = sbuf_registry_find("ring_spsc");
    if (!g_inner)
        die("no ring_spsc in the registry to wrap", nullptr);
    g_corrupt = *g_inner; /* abi included: the same headers built both */
    g_corrupt.name = "selftest_corrupt";
    g_corrupt.summary = "ring_spsc with one byte in a hundred reads flipped (selftest)";
    g_corrupt.create = corrupt_create;
    if (g_corrupt.read) /* else the generic read goes through read_view */
        g_corrupt.read = corrupt_read;
    g_corrupt.read_view = corrupt_read_view;
    if (int rc = sbuf_registry_add(&g_corrupt)) {
        char msg[256];
        sbuf_ops_check(&g_corrupt, msg, sizeof(msg));
        die(sbuf_strerror(rc), *msg ? msg : nullptr);
    }
}

} // namespace

const std::vector<const struct sbuf_ops *> &strategies()
{
    static const std::vector<const struct sbuf_ops *> list = [] {
        const char *mode = std::getenv("SERBENCH_MICRO_SELFTEST");
        if (mode && std::strcmp(mode, "corrupt") == 0)
            register_corrupt();
        std::vector<const struct sbuf_ops *> v;
        for (size_t i = 0; const struct sbuf_ops *ops = sbuf_registry_at(i); i++)
            v.push_back(ops);
        return v;
    }();
    return list;
}

} // namespace micro
