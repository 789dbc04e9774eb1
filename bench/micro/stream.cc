/*
 * stream.cc - stream/<strategy>/<chunk>: one producer and one consumer
 * thread streaming through one buffer, each pinned to its own core where
 * the machine has two.
 *
 * Google Benchmark's ->Threads(2) runs the same body on every thread; the
 * roles here are asymmetric, so the benchmark thread is the producer and
 * starts its consumer itself.  Time is wall-clock (UseRealTime): the
 * consumer's CPU time is not the benchmark thread's.  An iteration is one
 * chunk written (sbuf_write, retried until all of it is in); the consumer
 * reads up to a chunk at a time and checks the stream position by position.
 * The bytes the consumer still has to drain when the loop ends are drained
 * outside the timed region: at most one capacity, against millions of bytes.
 */
#include "micro.h"

#include <atomic>
#include <thread>

namespace micro {

namespace {

constexpr uint64_t kOpen = UINT64_MAX;

struct Shared {
    /* The stream's end, published by the producer after its last write.
     * Release/acquire: the consumer that sees it also sees every byte
     * written before it (the buffer's own ordering covers the data; this
     * covers "there is no more"). */
    alignas(64) std::atomic<uint64_t> end{kOpen};
    /* Set by either side on failure.  The first side to claim writes the
     * message, then publishes it with the release store of error; readers
     * load error with acquire before they read the message. */
    alignas(64) std::atomic<bool> error{false};
    std::atomic<bool> claimed{false};
    std::string message;

    void set_error(const std::string &what)
    {
        if (claimed.exchange(true, std::memory_order_relaxed))
            return; /* the other side's message stands */
        message = what;
        error.store(true, std::memory_order_release);
    }
};

void consume(struct sbuf *b, size_t chunk, Shared *sh, int cpu)
{
    Pinned pin(cpu);
    std::vector<uint8_t> dst(chunk);
    uint64_t pos = 0, reads = 0;
    unsigned spins = 0;
    StallGuard guard;
    for (;;) {
        size_t r = sbuf_read(b, dst.data(), chunk);
        if (r) {
            bool full = (++reads % kFullCheckEvery) == 0;
            if (!kPattern.check(pos, dst.data(), r, full))
                return sh->set_error("consumer read wrong data at stream offset " +
                                     std::to_string(pos));
            pos += r;
            spins = 0;
            guard.progress();
            continue;
        }
        uint64_t end = sh->end.load(std::memory_order_acquire);
        if (end != kOpen && pos >= end)
            return;
        /* Relaxed: the producer's failure needs no data from it here. */
        if (sh->error.load(std::memory_order_relaxed))
            return;
        if (end != kOpen && guard.stuck())
            return sh->set_error("consumer stalled: " + std::to_string(end - pos) +
                                 " written bytes never became readable");
        relax(spins);
    }
}

} // namespace

static void bench_stream(benchmark::State &st, const struct sbuf_ops *ops, size_t chunk)
{
    struct sbuf_config cfg = {};
    cfg.capacity = std::max<size_t>(16 * chunk, 65536);
    Buffer b = make_buffer(st, ops, cfg);
    if (!b)
        return;
    Shared sh;
    Pinned pin(cpu_for(0));
    StatsDelta stats(b.get());
    std::thread consumer(consume, b.get(), chunk, &sh, cpu_for(1));
    uint64_t pos = 0;
    {
        AllocWindow window(st);
        for (auto _ : st) {
            size_t done = 0;
            unsigned spins = 0;
            StallGuard guard;
            while (done < chunk) {
                size_t w = sbuf_write(b.get(), kPattern.at(pos + done), chunk - done);
                done += w;
                if (w)
                    guard.progress();
                if (done == chunk || sh.error.load(std::memory_order_relaxed))
                    break;
                if (guard.stuck()) {
                    sh.set_error("producer stalled: the buffer never had room");
                    break;
                }
                relax(spins);
            }
            if (sh.error.load(std::memory_order_relaxed))
                break;
            pos += done;
        }
        sh.end.store(pos, std::memory_order_release);
        consumer.join();
    }
    if (sh.error.load(std::memory_order_acquire)) {
        fail(st, name("stream", ops->name, chunk) + ": " + sh.message);
        return;
    }
    if (sbuf_used(b.get()) != 0) {
        fail(st, name("stream", ops->name, chunk) + ": bytes left after the consumer drained");
        return;
    }
    stats.report(st);
    st.SetBytesProcessed((int64_t)pos);
}

void register_stream()
{
    for (const struct sbuf_ops *ops : strategies())
        for (size_t chunk : kStreamSizes)
            Register(name("stream", ops->name, chunk).c_str(), bench_stream,
                     ops, chunk)
                ->UseRealTime();
}

} // namespace micro
