/*
 * micro.h - what the micro-benchmark families share: the sizes, the
 * verifiable byte pattern, buffer creation that reports (never crashes on) a
 * strategy that cannot be created, failure bookkeeping for the exit code,
 * the allocation window (the allocs_per_iter counter), and thread pinning.
 *
 * Every family registers its benchmarks at startup from the registries
 * (strategies() below, sbuf_pool_registry_at): a strategy or pool added to
 * the registry is benchmarked with no change here.
 */
#ifndef SERBENCH_MICRO_H
#define SERBENCH_MICRO_H

#include <benchmark/benchmark.h>
#include <sched.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sbuf/registry.h"
#include "sbuf/sbuf.h"

namespace micro {

/* Chunk sizes of the copy, zc and memcpy families (issue 3). */
extern const std::vector<size_t> kCopySizes;
/* Chunk sizes of the stream family. */
extern const std::vector<size_t> kStreamSizes;
/* Block sizes of the pool family. */
extern const std::vector<size_t> kPoolSizes;
/* Largest chunk any family writes in one call. */
constexpr size_t kMaxChunk = 65536;

/*
 * The byte stream every family writes: byte i of the stream is i % 251.
 * 251 is prime, so the pattern never lines up with a power-of-two capacity
 * and a read that returns the wrong (stale, shifted) bytes is caught.
 */
class Pattern {
  public:
    static constexpr unsigned kPeriod = 251;
    Pattern();
    /* Pointer p with p[k] == byte(pos + k) for every k < kMaxChunk. */
    const uint8_t *at(uint64_t pos) const { return bytes_.data() + pos % kPeriod; }
    static uint8_t byte(uint64_t pos) { return (uint8_t)(pos % kPeriod); }
    /* Whether p[0..n) is stream bytes pos..pos+n: all of them when full,
     * else only the first and last (cheap enough for every iteration). */
    bool check(uint64_t pos, const uint8_t *p, size_t n, bool full) const;

  private:
    std::vector<uint8_t> bytes_;
};
extern const Pattern kPattern;

/*
 * Where copies out of a buffer land.  Iteration i gets its own slot (two
 * alternate, so the previous one can still be checked), at an offset that
 * walks through a whole page in steps of 784 bytes (256 distinct offsets,
 * 16-byte aligned).  How fast memcpy runs depends on where its destination
 * sits relative to its source modulo 4 KiB (4K aliasing between loads and
 * earlier stores, and glibc's rep movsb choices): with one fixed
 * destination a strategy would be ranked by where the allocator happened to
 * put its array.  memcpy/<chunk> uses the same slots.
 */
class Dest {
  public:
    explicit Dest(size_t chunk) : chunk_(chunk), buf_(2 * (chunk + 4096)) {}
    uint8_t *slot(uint64_t i)
    {
        return buf_.data() + (i & 1) * (chunk_ + 4096) + (i * 784) % 4096;
    }

  private:
    size_t chunk_;
    std::vector<uint8_t> buf_;
};

/* Iterations between full checks of the data; the others check the ends. */
constexpr uint64_t kFullCheckEvery = 64;

/*
 * Marks a benchmark as failed (wrong data, broken invariant): the run
 * reports an error instead of a number and the process exits non-zero.
 */
void fail(benchmark::State &st, const std::string &what);
bool any_failed();

/*
 * A strategy that cannot be created: an unimplemented placeholder
 * (SBUF_ENOTSUP) is reported as skipped; any other error is a failure.
 */
void unavailable(benchmark::State &st, const std::string &who, int rc);
size_t skipped_count();

struct SbufDeleter {
    void operator()(struct sbuf *b) const { sbuf_destroy(b); }
};
using Buffer = std::unique_ptr<struct sbuf, SbufDeleter>;

/* Creates ops with cfg; on error reports it on st and returns null. */
Buffer make_buffer(benchmark::State &st, const struct sbuf_ops *ops,
                   const struct sbuf_config &cfg);

/*
 * Moves the buffer's ring position to an odd offset just short of its end,
 * so the first chunk straddles the wrap point and later ones keep crossing
 * it: the two-span path is measured, not only the aligned one.  Returns the
 * stream position reached (the bytes written and read back), or -1 after
 * reporting a failure, named who (the benchmark's name).
 */
int64_t skew(benchmark::State &st, const std::string &who, struct sbuf *b, size_t chunk);

/*
 * Allocation counting.  A body brackets its timed loop with an AllocWindow:
 * the calls through libsbuf's allocation hook (sbuf_allocation_count) made
 * inside it become the counter allocs_per_iter, per iteration, so setup
 * (create, destroy) is not counted.
 *
 * Not Google Benchmark's MemoryManager: in 1.7.1 (Debian's) the runner keeps
 * a pointer into a std::vector of memory results that it grows with every
 * repetition, and the reporter dereferences it after the vector has moved
 * (google/benchmark#1939, fixed in 1.9.2).  With --benchmark_repetitions > 2
 * the JSON got garbage or the process died in JSONReporter::PrintRunData
 * (here 2 runs in 5 of a 5-repetition pool/copy/stream filter).  A counter is
 * reported per repetition with no pointer involved.
 */
class AllocWindow {
  public:
    explicit AllocWindow(benchmark::State &st);
    ~AllocWindow();
    AllocWindow(const AllocWindow &) = delete;
    AllocWindow &operator=(const AllocWindow &) = delete;

  private:
    benchmark::State &st_;
    uint64_t start_;
};

/* Per-iteration counters from the buffer's stats over the loop (nonzero ones). */
struct StatsDelta {
    explicit StatsDelta(struct sbuf *b);
    void report(benchmark::State &st) const;
    struct sbuf *b;
    struct sbuf_stats before;
};

/*
 * Pinning for the two-thread families: the first two CPUs the process may
 * run on, or -1 where there is only one.  Pinned restores the calling
 * thread's affinity when it goes out of scope.
 */
int cpu_for(int which);
class Pinned {
  public:
    explicit Pinned(int cpu);
    ~Pinned();
    Pinned(const Pinned &) = delete;
    Pinned &operator=(const Pinned &) = delete;

  private:
    bool restore_ = false;
    cpu_set_t old_;
};
/* Busy-wait step: a pause, and a yield now and then so a descheduled peer
 * on an oversubscribed machine gets the core. */
void relax(unsigned &spins);
/*
 * A guard for busy-wait loops: stuck() turns true once the loop has made no
 * progress for kStallSeconds, so a strategy that loses bytes or never frees
 * room fails the run instead of hanging it.
 */
class StallGuard {
  public:
    static constexpr int kStallSeconds = 5;
    void progress() { polls_ = 0; since_ns_ = 0; }
    bool stuck();

  private:
    unsigned polls_ = 0;
    int64_t since_ns_ = 0;
};

/*
 * The strategies every family covers: the registry in order.  Its first
 * call registers the selftest strategy when SERBENCH_MICRO_SELFTEST=corrupt
 * (selftest.cc), so that one comes last.
 */
const std::vector<const struct sbuf_ops *> &strategies();

/* The "family/strategy/size" name every benchmark uses. */
std::string name(const char *family, const char *who, size_t size);
std::string name(const char *family, const char *who);

/*
 * The iteration count every benchmark runs when SERBENCH_MICRO_ITERATIONS=N
 * is set (0 when not: Google Benchmark picks it by time).  Google Benchmark
 * 1.7.1 has no --benchmark_min_time=Nx, so scripts/micro-instr fixes the
 * count this way, to count instructions per operation under callgrind.
 */
uint64_t fixed_iterations();

/* benchmark::RegisterBenchmark, with the fixed iteration count applied. */
template <class... Args>
benchmark::internal::Benchmark *Register(const char *name, Args &&...args)
{
    benchmark::internal::Benchmark *b =
        benchmark::RegisterBenchmark(name, std::forward<Args>(args)...);
    if (fixed_iterations())
        b->Iterations((benchmark::IterationCount)fixed_iterations());
    return b;
}

/* Family registration, called from main in a fixed order. */
void register_copy();
void register_zc();
void register_stream();
void register_readline();
void register_memcpy();
void register_pool();
void register_adaptive();
void register_harness();

} // namespace micro

#endif
