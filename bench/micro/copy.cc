/*
 * copy.cc - copy/<strategy>/<chunk>: one thread writes a chunk with
 * sbuf_write and reads it straight back with sbuf_read, through the public
 * calls a user makes (argument checks and accounting included).  The ring
 * is skewed first, so chunks keep straddling the wrap point.
 */
#include "micro.h"

namespace micro {

static void bench_copy(benchmark::State &st, const struct sbuf_ops *ops, size_t chunk)
{
    struct sbuf_config cfg = {};
    cfg.capacity = std::max<size_t>(2 * chunk, 4096);
    Buffer b = make_buffer(st, ops, cfg);
    if (!b)
        return;
    int64_t start = skew(st, name("copy", ops->name, chunk), b.get(), chunk);
    if (start < 0)
        return;
    uint64_t pos = (uint64_t)start;
    /*
     * Each chunk is checked one iteration late, in its own slot: a load right
     * after the copy that wrote it waits for that copy's stores to drain
     * (with glibc's rep movsb, the whole copy), a stall memcpy/<chunk> does
     * not pay.  One iteration later they have.
     */
    Dest dst(chunk);
    StatsDelta stats(b.get());
    {
        AllocWindow window(st);
        uint64_t i = 0;
        for (auto _ : st) {
            size_t w = sbuf_write(b.get(), kPattern.at(pos), chunk);
            size_t r = sbuf_read(b.get(), dst.slot(i), chunk);
            bool ok = w == chunk && r == chunk;
            if (i)
                ok = ok && kPattern.check(pos - chunk, dst.slot(i - 1), chunk,
                                          i % kFullCheckEvery == 0);
            if (!ok) {
                fail(st, name("copy", ops->name, chunk) + ": wrote " + std::to_string(w) +
                             ", read " + std::to_string(r) +
                             (w == chunk && r == chunk ? ", read back wrong data at stream offset " +
                                                             std::to_string(pos - chunk)
                                                       : ""));
                break;
            }
            pos += chunk;
            i++;
        }
        if (i && !st.error_occurred() && !kPattern.check(pos - chunk, dst.slot(i - 1), chunk, true))
            fail(st, name("copy", ops->name, chunk) + ": the last chunk read back differs");
    }
    stats.report(st);
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)chunk);
}

void register_copy()
{
    for (const struct sbuf_ops *ops : strategies())
        for (size_t chunk : kCopySizes)
            Register(name("copy", ops->name, chunk).c_str(), bench_copy, ops,
                     chunk);
}

} // namespace micro
