/*
 * memcpy.cc - memcpy/<chunk>: the physical ceiling.  One memcpy of chunk
 * bytes from the pattern into a destination that stays in cache, with the
 * source offsets and destination slots the copy family uses.  A copy/<strategy> iteration copies
 * each byte twice (in, then out), so half of memcpy's bytes/s is its ceiling.
 */
#include "micro.h"

#include <cstring>

namespace micro {

static void bench_memcpy(benchmark::State &st, size_t chunk)
{
    Dest dst(chunk);
    uint64_t pos = 0, i = 0;
    for (auto _ : st) {
        std::memcpy(dst.slot(i), kPattern.at(pos), chunk);
        benchmark::ClobberMemory();
        pos += chunk;
        i++;
    }
    if (i && !kPattern.check(pos - chunk, dst.slot(i - 1), chunk, true))
        fail(st, "memcpy/" + std::to_string(chunk) + ": wrong data");
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)chunk);
}

void register_memcpy()
{
    for (size_t chunk : kCopySizes)
        Register(("memcpy/" + std::to_string(chunk)).c_str(), bench_memcpy,
                                     chunk);
}

} // namespace micro
