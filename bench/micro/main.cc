/*
 * main.cc - serbench-micro: registers every family, counts libsbuf
 * allocations per iteration through Google Benchmark's MemoryManager, and
 * exits non-zero when any benchmark saw wrong data.
 *
 * Exit codes: 0 every benchmark ran (or was skipped because its strategy is
 * not implemented yet); 1 a benchmark failed (wrong data, broken
 * invariant); 2 bad command line or a bad --plugin; 3 a library a plugin
 * needs is missing.
 */
#include "micro.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include "sbuf/plugin.h"

namespace micro {

/*
 * The allocation window.  Relaxed atomics: these are statistics read after
 * the benchmark's threads have joined, never used to order other memory.
 */
static std::atomic<uint64_t> g_window_sum{0};
static std::atomic<uint64_t> g_window_open_at{0};
static std::atomic<bool> g_window_used{false};

AllocWindow::AllocWindow()
{
    g_window_open_at.store(sbuf_allocation_count(), std::memory_order_relaxed);
}

AllocWindow::~AllocWindow()
{
    uint64_t n = sbuf_allocation_count() - g_window_open_at.load(std::memory_order_relaxed);
    g_window_sum.fetch_add(n, std::memory_order_relaxed);
    g_window_used.store(true, std::memory_order_relaxed);
}

/*
 * Google Benchmark 1.7.1 runs each benchmark once more, for a few iterations,
 * between Start and Stop, and reports num_allocs / iterations as
 * allocs_per_iter.  Counted: calls through libsbuf's allocation hook (plain
 * malloc in the benchmark itself is not libsbuf's and is not counted).
 */
class HookMemoryManager : public benchmark::MemoryManager {
  public:
    void Start() override
    {
        g_window_sum.store(0, std::memory_order_relaxed);
        g_window_used.store(false, std::memory_order_relaxed);
        start_ = sbuf_allocation_count();
    }

    void Stop(Result &r) override
    {
        uint64_t all = sbuf_allocation_count() - start_;
        bool windowed = g_window_used.load(std::memory_order_relaxed);
        r.num_allocs = (int64_t)(windowed ? g_window_sum.load(std::memory_order_relaxed) : all);
        r.max_bytes_used = 0; /* not tracked: the hook counts calls, not bytes */
    }

    /* The deprecated pointer form, still pure virtual in 1.7.1. */
    void Stop(Result *r) override { Stop(*r); }

  private:
    uint64_t start_ = 0;
};

void install_memory_manager()
{
    static HookMemoryManager manager;
    benchmark::RegisterMemoryManager(&manager);
}

} // namespace micro

/*
 * --plugin PLUGIN.so (or --plugin=PLUGIN.so, repeatable): the plugin's
 * strategies join the registry before any family walks it, so every family
 * that applies benchmarks them beside the built-in ones.  Taken out of
 * argv before Google Benchmark sees it.  Exit 2 for a bad plugin, 3 when a
 * library it needs is missing, with one line naming the file.
 */
static int load_plugins(int *argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *path = nullptr;
        if (std::strcmp(argv[i], "--plugin") == 0) {
            if (i + 1 >= *argc) {
                std::fprintf(stderr, "serbench-micro: --plugin needs a PLUGIN.so\n");
                return 2;
            }
            path = argv[++i];
        } else if (std::strncmp(argv[i], "--plugin=", 9) == 0) {
            path = argv[i] + 9;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        char msg[1024];
        struct sbuf_plugin_handle *h = nullptr;
        int rc = sbuf_plugin_open(path, &h, msg, sizeof(msg));
        if (rc == SBUF_OK)
            rc = sbuf_plugin_register(h, nullptr, msg, sizeof(msg));
        if (rc != SBUF_OK) {
            std::fprintf(stderr, "serbench-micro: %s\n", msg);
            return rc == SBUF_ENOLIB ? 3 : 2;
        }
        /* Kept loaded until exit: the benchmarks create buffers from it. */
    }
    *argc = out;
    argv[out] = nullptr;
    return 0;
}

int main(int argc, char **argv)
{
    if (int rc = load_plugins(&argc, argv))
        return rc;
    micro::register_memcpy();
    micro::register_copy();
    micro::register_zc();
    micro::register_stream();
    micro::register_readline();
    micro::register_pool();
    micro::register_adaptive();
    micro::register_harness();
    micro::install_memory_manager();

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    if (micro::skipped_count())
        std::fprintf(stderr, "serbench-micro: %zu benchmark runs skipped: strategy or pool "
                             "not implemented yet\n", micro::skipped_count());
    if (micro::any_failed()) {
        std::fprintf(stderr, "serbench-micro: FAILED: a benchmark saw wrong data or a broken "
                             "invariant (see the errors above)\n");
        return 1;
    }
    return 0;
}
