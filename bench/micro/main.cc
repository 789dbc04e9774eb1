/*
 * main.cc - serbench-micro: registers every family, counts libsbuf
 * allocations per iteration through Google Benchmark's MemoryManager, and
 * exits non-zero when any benchmark saw wrong data.
 *
 * Exit codes: 0 every benchmark ran (or was skipped because its strategy is
 * not implemented yet); 1 a benchmark failed (wrong data, broken
 * invariant); 2 bad command line.
 */
#include "micro.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SB_HAVE_CALLGRIND 1
#endif

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

uint64_t fixed_iterations()
{
    static const uint64_t n = [] {
        const char *v = std::getenv("SERBENCH_MICRO_ITERATIONS");
        return v ? std::strtoull(v, nullptr, 10) : 0ull;
    }();
    return n;
}

#ifdef SB_HAVE_CALLGRIND
/*
 * Under callgrind (scripts/micro-instr), one dump of the counters after each
 * benchmark, named after it: each dump holds that benchmark's instructions
 * (setup and the harness's own bookkeeping included, which scripts/micro-instr
 * cancels by taking the difference of two fixed iteration counts).  Outside
 * valgrind the client request is a few no-op instructions.
 */
class CallgrindReporter : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run> &runs) override
    {
        if (!runs.empty()) {
            std::string n = runs.front().run_name.str();
            CALLGRIND_DUMP_STATS_AT(n.c_str());
        }
        ConsoleReporter::ReportRuns(runs);
    }
};
#endif

void install_memory_manager()
{
    static HookMemoryManager manager;
    benchmark::RegisterMemoryManager(&manager);
}

} // namespace micro

int main(int argc, char **argv)
{
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
#ifdef SB_HAVE_CALLGRIND
    if (std::getenv("SERBENCH_MICRO_CALLGRIND")) {
        micro::CallgrindReporter reporter;
        benchmark::RunSpecifiedBenchmarks(&reporter);
    } else {
        benchmark::RunSpecifiedBenchmarks();
    }
#else
    benchmark::RunSpecifiedBenchmarks();
#endif
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
