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

#include <cstdio>
#include <cstdlib>

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define SB_HAVE_CALLGRIND 1
#endif

namespace micro {

AllocWindow::AllocWindow(benchmark::State &st) : st_(st), start_(sbuf_allocation_count()) {}

AllocWindow::~AllocWindow()
{
    uint64_t n = sbuf_allocation_count() - start_;
    st_.counters["allocs_per_iter"] =
        benchmark::Counter((double)n, benchmark::Counter::kAvgIterations);
}


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
