/*
 * adaptive.cc - adaptive/grow and adaptive/shrink: the cost of a resize
 * cycle of the adaptive strategy, which doubles when a write does not fit
 * and halves when mean use falls below a quarter.  No capability flag says
 * "halves" (chunks also grows, by taking blocks, but never halves), so the
 * family is adaptive's by name.
 *
 * One iteration is one full cycle through the public calls, with min
 * capacity C and max 2C so exactly one doubling is possible:
 *   fill to C; write C/4 more (does not fit: grows to 2C, keeps C bytes);
 *   read back all but C/4; then 1-byte write/read pairs until mean use is
 *   low enough that the buffer halves back to C (keeping the C/4 bytes);
 *   read the rest.  Everything read is checked against what was written.
 * Manual time: grow reports only the call that grew the buffer, shrink
 * only the call during which it shrank (every call is timed and the one
 * whose capacity changed is kept); the rest of the cycle sets the next one
 * up.  Both run the same cycle: 2 resizes per iteration.  Only the timed
 * call counts towards --benchmark_min_time, so a run takes about 15 times
 * min_time of wall time (a cycle is ~8 us, its resize ~0.5 us here).
 */
#include "micro.h"

#include <ctime>

namespace micro {

namespace {

constexpr size_t kBase = 16384;
constexpr int kMaxShrinkOps = 100000; /* a buffer that never shrinks fails */


enum class Phase { grow, shrink };

double seconds_now()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct Cycle {
    benchmark::State &st;
    struct sbuf *b;
    std::string who;
    uint64_t wpos = 0, rpos = 0;
    double grew = 0, shrank = 0; /* seconds of the call that resized, this cycle */
    std::vector<uint8_t> scratch = std::vector<uint8_t>(kMaxChunk);

    bool broken(const std::string &what)
    {
        fail(st, who + ": " + what);
        return false;
    }

    /* Every call is timed; a call that changed the capacity is kept. */
    template <class Call> size_t timed(Call call)
    {
        size_t cap = sbuf_capacity(b);
        double t0 = seconds_now();
        size_t n = call();
        double t = seconds_now() - t0;
        size_t now = sbuf_capacity(b);
        if (now > cap)
            grew = t;
        else if (now < cap)
            shrank = t;
        return n;
    }

    /* Writes n stream bytes (n <= kMaxChunk). */
    bool put(size_t n)
    {
        size_t w = timed([&] { return sbuf_write(b, kPattern.at(wpos), n); });
        wpos += w;
        return w == n || broken("short write of " + std::to_string(n) + " bytes");
    }

    /* Reads n bytes and checks they are the next ones written. */
    bool get(size_t n)
    {
        size_t r = timed([&] { return sbuf_read(b, scratch.data(), n); });
        if (r != n || !kPattern.check(rpos, scratch.data(), r, true))
            return broken("read back the wrong data");
        rpos += r;
        return true;
    }

    /* One cycle C -> 2C -> C. */
    bool run(size_t base)
    {
        size_t keep = base / 4;
        grew = shrank = 0;
        if (!put(base - sbuf_used(b)) || !put(keep))
            return false;
        if (sbuf_capacity(b) <= base)
            return broken("a write that did not fit did not grow the buffer");
        if (!get(base))
            return false;
        for (int ops = 0; sbuf_capacity(b) > base; ops++) {
            if (ops == kMaxShrinkOps)
                return broken("mean use stayed low but the buffer never shrank");
            if (!put(1) || !get(1))
                return false;
        }
        return get(keep);
    }
};

} // namespace

static void bench_resize(benchmark::State &st, const struct sbuf_ops *ops, Phase phase)
{
    struct sbuf_config cfg = {};
    cfg.capacity = kBase;
    cfg.min_capacity = kBase;
    cfg.max_capacity = 2 * kBase;
    Buffer b = make_buffer(st, ops, cfg);
    if (!b)
        return;
    size_t base = sbuf_capacity(b.get()); /* after any rounding */
    Cycle cycle{st, b.get(), std::string(ops->name) + (phase == Phase::grow ? "/grow" : "/shrink")};
    StatsDelta stats(b.get());
    {
        AllocWindow window(st);
        for (auto _ : st) {
            if (!cycle.run(base))
                break;
            st.SetIterationTime(phase == Phase::grow ? cycle.grew : cycle.shrank);
        }
    }
    stats.report(st);
}

void register_adaptive()
{
    const struct sbuf_ops *ops = sbuf_registry_find("adaptive");
    if (!ops)
        return;
    Register("adaptive/grow", bench_resize, ops, Phase::grow)
        ->UseManualTime();
    Register("adaptive/shrink", bench_resize, ops, Phase::shrink)
        ->UseManualTime();
}

} // namespace micro
