/*
 * zc.cc - zc/<strategy>/<chunk>: the zero-copy core.  The producer reserves
 * space, fills it from the pattern and commits; the consumer, one chunk
 * behind, views the data, checks it in place and releases it.  Each byte is
 * copied once (the fill), so memcpy/<chunk> is the ceiling.
 *
 * Invariants checked on every iteration, failing the run when broken:
 * a strategy that says SBUF_CAP_CONTIGUOUS never hands out a second span,
 * and one that is contiguous without growing copies nothing internally
 * (bytes_copied stays 0) even when the data crosses the ring's end.
 * Counters: wrapped (share of iterations whose data crosses the end of a
 * ring of this capacity) and two_spans (chunks that had to be split over
 * two spans, per iteration, reservation and view together: 0 to 2).
 */
#include "micro.h"

#include <cstring>

namespace micro {

namespace {

struct ZcRun {
    benchmark::State &st;
    struct sbuf *b;
    const struct sbuf_ops *ops;
    size_t chunk;
    bool contiguous;
    uint64_t two_spans = 0;

    bool broken(const std::string &what)
    {
        fail(st, name("zc", ops->name, chunk) + ": " + what);
        return false;
    }

    /* reserve, fill, commit until the chunk at stream position pos is in. */
    bool produce(uint64_t pos)
    {
        size_t done = 0;
        while (done < chunk) {
            struct sbuf_span v[2];
            size_t room = sbuf_write_reserve(b, v);
            size_t k = std::min(room, chunk - done);
            if (k == 0) {
                sbuf_write_commit(b, 0);
                return broken("no room in an empty buffer");
            }
            if (contiguous && v[1].n) {
                sbuf_write_commit(b, 0);
                return broken("two spans from a contiguous strategy's reservation");
            }
            size_t a = std::min(k, v[0].n);
            two_spans += k > a;
            std::memcpy(v[0].p, kPattern.at(pos + done), a);
            if (k > a)
                std::memcpy(v[1].p, kPattern.at(pos + done + a), k - a);
            sbuf_write_commit(b, k);
            done += k;
        }
        return true;
    }

    /* view, check in place, release until the chunk at pos is consumed. */
    bool consume(uint64_t pos, bool full)
    {
        size_t done = 0;
        while (done < chunk) {
            struct sbuf_span v[2];
            size_t avail = sbuf_read_view(b, v);
            size_t k = std::min(avail, chunk - done);
            if (k == 0) {
                sbuf_read_release(b, 0);
                return broken("data committed but not readable");
            }
            if (contiguous && v[1].n) {
                sbuf_read_release(b, 0);
                return broken("two spans from a contiguous strategy's view");
            }
            size_t a = std::min(k, v[0].n);
            two_spans += k > a;
            if (!kPattern.check(pos + done, v[0].p, a, full) ||
                !kPattern.check(pos + done + a, v[1].p, k - a, full)) {
                sbuf_read_release(b, 0);
                return broken("a view does not show what was committed at stream offset " +
                              std::to_string(pos + done));
            }
            sbuf_read_release(b, k);
            done += k;
        }
        return true;
    }
};

} // namespace

static void bench_zc(benchmark::State &st, const struct sbuf_ops *ops, size_t chunk)
{
    struct sbuf_config cfg = {};
    /* Room for the chunk in flight and the one being produced, anywhere in
     * the ring: a bip-buffer cannot place a chunk across its end, so twice
     * the chunk is not always enough. */
    cfg.capacity = std::max<size_t>(4 * chunk, 4096);
    Buffer b = make_buffer(st, ops, cfg);
    if (!b)
        return;
    int64_t start = skew(st, name("zc", ops->name, chunk), b.get(), chunk);
    if (start < 0)
        return;
    size_t cap = sbuf_capacity(b.get());
    ZcRun run{st, b.get(), ops, chunk, (ops->caps & SBUF_CAP_CONTIGUOUS) != 0};
    /*
     * The consumer trails the producer by one chunk: checking bytes in
     * place right after the fill that stored them would wait for those
     * stores to drain (with glibc's rep movsb, the whole copy), a stall no
     * real reader sees and memcpy/<chunk> does not pay.
     */
    uint64_t wpos = (uint64_t)start, rpos = wpos;
    if (!run.produce(wpos))
        return;
    wpos += chunk;
    uint64_t wrapped = 0, i = 0;
    StatsDelta stats(b.get());
    {
        AllocWindow window(st);
        for (auto _ : st) {
            if (!run.produce(wpos) || !run.consume(rpos, i % kFullCheckEvery == 0))
                break;
            wrapped += (wpos % cap) + chunk > cap;
            wpos += chunk;
            rpos += chunk;
            i++;
        }
    }
    if (st.error_occurred() || !run.consume(rpos, true))
        return;
    struct sbuf_stats after;
    sbuf_stats(b.get(), &after);
    if (run.contiguous && !(ops->caps & SBUF_CAP_GROWS) &&
        after.bytes_copied != stats.before.bytes_copied) {
        run.broken("a contiguous strategy copied bytes internally");
        return;
    }
    stats.report(st);
    double iters = (double)st.iterations();
    st.counters["wrapped"] = benchmark::Counter(iters ? (double)wrapped / iters : 0);
    st.counters["two_spans"] = benchmark::Counter(iters ? (double)run.two_spans / iters : 0);
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)chunk);
}

void register_zc()
{
    for (const struct sbuf_ops *ops : strategies())
        for (size_t chunk : kCopySizes)
            Register(name("zc", ops->name, chunk).c_str(), bench_zc, ops,
                     chunk);
}

} // namespace micro
