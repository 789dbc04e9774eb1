/*
 * readline/<strategy>/64: write one 64-byte line (62 printable bytes and
 * "\r\n", as AT-command and NMEA links send them), then sbuf_readline it
 * back.  The ring is skewed so lines, and now and then the two-byte
 * delimiter itself, straddle the wrap point.
 */
#include "micro.h"

#include <cstring>

namespace micro {

namespace {

constexpr size_t kLine = 64;
constexpr size_t kLines = 26; /* distinct lines, so a stale line is caught */

/* Line k: letters starting at 'A' + k, then the delimiter. */
std::vector<uint8_t> make_lines()
{
    std::vector<uint8_t> v(kLines * kLine);
    for (size_t k = 0; k < kLines; k++) {
        uint8_t *l = &v[k * kLine];
        for (size_t j = 0; j < kLine - 2; j++)
            l[j] = (uint8_t)('A' + (k + j) % 26);
        l[kLine - 2] = '\r';
        l[kLine - 1] = '\n';
    }
    return v;
}

} // namespace

static void bench_readline(benchmark::State &st, const struct sbuf_ops *ops)
{
    static const std::vector<uint8_t> lines = make_lines();
    struct sbuf_config cfg = {};
    cfg.capacity = 4096;
    Buffer b = make_buffer(st, ops, cfg);
    if (!b)
        return;
    if (skew(st, name("readline", ops->name, kLine), b.get(), kLine) < 0)
        return;
    uint8_t dst[kLine];
    uint64_t k = 0;
    StatsDelta stats(b.get());
    {
        AllocWindow window(st);
        for (auto _ : st) {
            const uint8_t *line = &lines[(k % kLines) * kLine];
            size_t w = sbuf_write(b.get(), line, kLine);
            size_t len = 0;
            int rc = sbuf_readline(b.get(), dst, sizeof(dst), "\r\n", 2, &len);
            bool full = (k % kFullCheckEvery) == 0;
            bool same = full ? std::memcmp(dst, line, kLine) == 0
                             : dst[0] == line[0] && dst[kLine - 3] == line[kLine - 3];
            if (w != kLine || rc != SBUF_OK || len != kLine || !same) {
                fail(st, name("readline", ops->name, kLine) + ": wrote " + std::to_string(w) +
                             ", readline " + sbuf_strerror(rc) + " len " + std::to_string(len) +
                             (same ? "" : ", wrong line"));
                break;
            }
            k++;
        }
    }
    stats.report(st);
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)kLine);
    st.SetItemsProcessed((int64_t)st.iterations());
}

void register_readline()
{
    for (const struct sbuf_ops *ops : strategies())
        Register(name("readline", ops->name, kLine).c_str(), bench_readline,
                                     ops);
}

} // namespace micro
