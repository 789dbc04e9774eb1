/*
 * harness/frame/64: what the runner itself spends on one 64-byte message,
 * with no buffer in between: read the clock and encode the frame (payload
 * pattern, length check, frame CRC: 104 bytes in frame version 2), then
 * read the clock again, decode and check the frame (length check, bounds,
 * frame CRC, payload pattern) and record the latency in the histogram:
 * the path of an unpaced run.  Issue 4's target: at most 200 ns; the
 * numbers issue's: at most 100 ns.
 *
 * harness/frame/64/paced: the same for a paced run, whose consumer also
 * records the latency from each message's intended send time (a second
 * histogram); the intended time is a deadline of a schedule (pace.h).
 */
#include "micro.h"

#include <ctime>

extern "C" {
#include "frame.h"
#include "histogram.h"
}

namespace micro {

static uint64_t mono_ns()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void bench_frame(benchmark::State &st, uint32_t len, bool paced)
{
    struct sb_decoder dec;
    int rc = sb_decoder_init(&dec, 4096);
    if (rc != SBUF_OK) {
        fail(st, std::string("harness/frame: decoder init: ") + sbuf_strerror(rc));
        return;
    }
    std::vector<uint8_t> wire(sb_frame_size(len));
    /* Each histogram is 34 KiB: on the heap, not the benchmark's stack. */
    std::unique_ptr<struct sb_hist> hist(new struct sb_hist), hist_int(new struct sb_hist);
    sb_hist_reset(hist.get());
    sb_hist_reset(hist_int.get());
    /* A schedule at 10 M/s (pace.h's formula, which C++ cannot include):
     * the deadlines stay behind the clock. */
    const uint64_t t0 = mono_ns();
    uint64_t seq = 0;
    {
        AllocWindow window(st);
        for (auto _ : st) {
            uint64_t now = mono_ns();
            size_t n = paced ? sb_frame_encode_paced(wire.data(), wire.size(), seq, len, now,
                                                     t0 + (uint64_t)((double)seq * 100.0))
                             : sb_frame_encode(wire.data(), wire.size(), seq, len, now);
            struct sbuf_span v[2] = {{wire.data(), n}, {nullptr, 0}};
            size_t pos = 0;
            struct sb_frame f;
            enum sb_frame_event ev = sb_decoder_next(&dec, v, &pos, &f);
            now = mono_ns();
            if (n != wire.size() || ev != SB_FRAME_GOOD || pos != n || f.seq != seq ||
                f.len != len || !sb_payload_check(f.seq, f.payload, f.len)) {
                fail(st, "harness/frame/" + std::to_string(len) + ": frame " +
                             std::to_string(seq) + " did not decode to what was encoded");
                break;
            }
            sb_hist_record(hist.get(), now - f.send_ns);
            if (paced)
                sb_hist_record(hist_int.get(), now > f.intended_ns ? now - f.intended_ns : 0);
            seq++;
        }
    }
    sb_decoder_free(&dec);
    if (!st.error_occurred() && hist->count != seq)
        fail(st, "harness/frame: histogram lost records");
    st.SetItemsProcessed((int64_t)st.iterations());
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)len);
}

void register_harness()
{
    Register("harness/frame/64", bench_frame, 64u, false);
    Register("harness/frame/64/paced", bench_frame, 64u, true);
}

} // namespace micro
