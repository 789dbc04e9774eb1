/*
 * common.cc - the helpers every family shares (see micro.h).
 */
#include "micro.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace micro {

const std::vector<size_t> kCopySizes = {1, 16, 64, 256, 4096, 65536};
const std::vector<size_t> kStreamSizes = {64, 4096};
const std::vector<size_t> kPoolSizes = {64, 1024, 4096, 65536};

Pattern::Pattern() : bytes_(kMaxChunk + kPeriod)
{
    for (size_t i = 0; i < bytes_.size(); i++)
        bytes_[i] = byte(i);
}

bool Pattern::check(uint64_t pos, const uint8_t *p, size_t n, bool full) const
{
    if (n == 0)
        return true;
    if (full)
        return std::memcmp(p, at(pos), n) == 0;
    return p[0] == byte(pos) && p[n - 1] == byte(pos + n - 1);
}

const Pattern kPattern;

/* ---- failures and skips ------------------------------------------------ */

static std::atomic<bool> g_failed{false};
static std::atomic<size_t> g_skipped{0};

void fail(benchmark::State &st, const std::string &what)
{
    g_failed.store(true, std::memory_order_relaxed);
    std::fprintf(stderr, "serbench-micro: FAILED: %s\n", what.c_str());
    st.SkipWithError(what.c_str());
}

bool any_failed()
{
    return g_failed.load(std::memory_order_relaxed);
}

void unavailable(benchmark::State &st, const std::string &who, int rc)
{
    std::string msg = who + ": create failed: " + sbuf_strerror(rc);
    if (rc == SBUF_ENOTSUP) {
        g_skipped.fetch_add(1, std::memory_order_relaxed);
        st.SkipWithError((msg + " (not implemented yet)").c_str());
    } else {
        fail(st, msg);
    }
}

size_t skipped_count()
{
    return g_skipped.load(std::memory_order_relaxed);
}

Buffer make_buffer(benchmark::State &st, const struct sbuf_ops *ops,
                   const struct sbuf_config &cfg)
{
    struct sbuf *b = nullptr;
    int rc = sbuf_create_ops(ops, &cfg, &b);
    if (rc != SBUF_OK || !b) {
        unavailable(st, ops->name, rc ? rc : SBUF_ENOMEM);
        return Buffer();
    }
    return Buffer(b);
}

int64_t skew(benchmark::State &st, const std::string &who, struct sbuf *b, size_t chunk)
{
    size_t cap = sbuf_capacity(b);
    if (cap < 2 * chunk) {
        fail(st, who + ": capacity " + std::to_string(cap) + " below twice the chunk");
        return -1;
    }
    /* Odd, and chunk/2 short of the end: the next chunk straddles the wrap. */
    size_t target = (cap - chunk / 2 - 1) | 1;
    std::vector<uint8_t> scratch(kMaxChunk);
    uint64_t pos = 0;
    while (pos < target) {
        size_t n = std::min<size_t>(target - pos, kMaxChunk);
        size_t w = sbuf_write(b, kPattern.at(pos), n);
        size_t r = sbuf_read(b, scratch.data(), n);
        if (w != n || r != n || !kPattern.check(pos, scratch.data(), n, true)) {
            fail(st, who + ": wrong data while skewing the ring");
            return -1;
        }
        pos += n;
    }
    return (int64_t)pos;
}

/* ---- statistics counters ---------------------------------------------- */

StatsDelta::StatsDelta(struct sbuf *buf) : b(buf)
{
    sbuf_stats(b, &before);
}

void StatsDelta::report(benchmark::State &st) const
{
    struct sbuf_stats after;
    sbuf_stats(b, &after);
    auto per_iter = [&](const char *key, uint64_t now, uint64_t then) {
        if (now != then)
            st.counters[key] = benchmark::Counter((double)(now - then),
                                                  benchmark::Counter::kAvgIterations);
    };
    per_iter("resizes", after.resizes, before.resizes);
    per_iter("copied", after.bytes_copied, before.bytes_copied);
    per_iter("overflows", after.overflows, before.overflows);
    per_iter("underruns", after.underruns, before.underruns);
}

/* ---- pinning ----------------------------------------------------------- */

static std::vector<int> allowed_cpus()
{
    std::vector<int> cpus;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return cpus;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            cpus.push_back(c);
    return cpus;
}

int cpu_for(int which)
{
    static const std::vector<int> cpus = allowed_cpus();
    if (cpus.size() < 2 || which < 0 || (size_t)which >= cpus.size())
        return -1;
    return cpus[(size_t)which];
}

Pinned::Pinned(int cpu)
{
    CPU_ZERO(&old_);
    if (cpu < 0 || pthread_getaffinity_np(pthread_self(), sizeof(old_), &old_) != 0)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    restore_ = pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
}

Pinned::~Pinned()
{
    if (restore_)
        pthread_setaffinity_np(pthread_self(), sizeof(old_), &old_);
}

void relax(unsigned &spins)
{
    /* Yield every 64th spin: with more runnable threads than cores (a busy
     * two-core machine) the peer we wait for may need this core to run. */
    if ((++spins & 63) == 0) {
        sched_yield();
        return;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static int64_t now_ns()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool StallGuard::stuck()
{
    /* Read the clock every 4096th poll only: the loop stays a busy-wait. */
    if ((++polls_ & 4095) != 0)
        return false;
    int64_t now = now_ns();
    if (since_ns_ == 0)
        since_ns_ = now;
    return now - since_ns_ > (int64_t)kStallSeconds * 1000000000;
}

std::string name(const char *family, const char *who, size_t size)
{
    return std::string(family) + "/" + who + "/" + std::to_string(size);
}

std::string name(const char *family, const char *who)
{
    return std::string(family) + "/" + who;
}

} // namespace micro
