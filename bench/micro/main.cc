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

namespace micro {

AllocWindow::AllocWindow(benchmark::State &st) : st_(st), start_(sbuf_allocation_count()) {}

AllocWindow::~AllocWindow()
{
    uint64_t n = sbuf_allocation_count() - start_;
    st_.counters["allocs_per_iter"] =
        benchmark::Counter((double)n, benchmark::Counter::kAvgIterations);
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
