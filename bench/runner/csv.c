/*
 * csv.c - the runs.csv column table and writer.
 *
 * A row is formatted completely in memory and written with one write(2),
 * then fsync'ed: a run that ends (or a suite that is interrupted) never
 * leaves half a line, and a finished row survives a crash of the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "inject.h"
#include "placement.h"

enum col_type { T_STR, T_U64, T_F64, T_LONG, T_UINT, T_ULONG, T_FN };
enum col_src { S_PARAMS, S_RESULT, S_ROW };

/* The column's C type decides how it is printed; _Generic keeps the table
 * from ever disagreeing with the structs. */
#define TYPE_OF(x)                                                                     \
    _Generic((x), char *: T_STR, const char *: T_STR, unsigned long long: T_U64,      \
             unsigned long: T_ULONG, double: T_F64, long: T_LONG, unsigned: T_UINT)
#define P(name, field, unit, doc) \
    {name, unit, doc, TYPE_OF(((struct sb_run_params *)0)->field), S_PARAMS, \
     offsetof(struct sb_run_params, field), NULL}
#define R(name, field, unit, doc) \
    {name, unit, doc, TYPE_OF(((struct sb_run_result *)0)->field), S_RESULT, \
     offsetof(struct sb_run_result, field), NULL}
#define F(name, fn, unit, doc) {name, unit, doc, T_FN, S_ROW, 0, fn}

const char *sb_status_name(int status)
{
    switch (status) {
    case SB_STATUS_OK: return "ok";
    case SB_STATUS_FAILED: return "failed";
    case SB_STATUS_ABORTED: return "aborted";
    case SB_STATUS_SKIPPED: return "skipped";
    default: return "unknown";
    }
}

static void f_schema(const struct sb_row *row, char *b, size_t n)
{
    (void)row;
    snprintf(b, n, "%d", SB_CSV_SCHEMA_VERSION);
}
static void f_status(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", sb_status_name(row->r->status));
}
static void f_started(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", row->started_utc);
}
static void f_scenario(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", row->cell->scenario ? row->cell->scenario->name : "");
}
static void f_message(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", row->cell->job ? row->cell->job->message_text : "");
}
static void f_overflow(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", row->cell->p.overflow == SB_OVERFLOW_DROP ? "drop" : "block");
}
static void f_flow(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", row->cell->p.link.flow_rtscts ? "rtscts" : "none");
}
static void f_on_disconnect(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", row->cell->p.link.on_disconnect_stop ? "stop" : "next");
}
static void f_hardware(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", row->cell->p.link.hardware_optional ? "optional" : "required");
}
static void f_cpu_pct(const struct sb_row *row, char *b, size_t n)
{
    const struct sb_run_result *r = row->r;
    snprintf(b, n, "%.4g", r->wall_s > 0 ? 100.0 * (r->cpu_user_s + r->cpu_sys_s) / r->wall_s : 0.0);
}
static void f_mb_per_s(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%.6g", row->r->bytes_per_s / 1e6);
}

/* The run against the ceilings measured just before it (pty echo): empty
 * when none were measured, or the run has no figure (not ok). */
static void f_echo_pct(const struct sb_row *row, char *b, size_t n)
{
    const struct sb_run_result *r = row->r;
    if (r->ceiling_echo_bytes_per_s > 0 && r->status == SB_STATUS_OK)
        snprintf(b, n, "%.4f", 100.0 * r->bytes_per_s / r->ceiling_echo_bytes_per_s);
    else
        b[0] = '\0';
}
static void f_rtt_ratio(const struct sb_row *row, char *b, size_t n)
{
    const struct sb_run_result *r = row->r;
    if (r->ceiling_rtt_p50_ns && r->latency.count && r->status == SB_STATUS_OK)
        snprintf(b, n, "%.4f", (double)r->latency.p50_ns / (double)r->ceiling_rtt_p50_ns);
    else
        b[0] = '\0';
}

static void f_placement(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%s", sb_placement_name((enum sb_placement)row->cell->p.placement));
}

/* A share as a percentage, empty when it could not be read (never a made-up 0). */
static void pct_or_empty(double share, char *b, size_t n)
{
    if (isfinite(share))
        snprintf(b, n, "%.3g", 100 * share);
    else
        b[0] = '\0';
}
static void f_starved(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%d", row->r->starved);
}
static void f_wait(const struct sb_row *row, char *b, size_t n)
{
    pct_or_empty(row->r->sched_wait_share, b, n);
}
static void f_share(const struct sb_row *row, char *b, size_t n)
{
    pct_or_empty(row->r->sched_cpu_share, b, n);
}
static void f_throttle(const struct sb_row *row, char *b, size_t n)
{
    pct_or_empty(row->r->sched_throttle_share, b, n);
}
static void f_steal(const struct sb_row *row, char *b, size_t n)
{
    pct_or_empty(row->r->sched_steal_share, b, n);
}

/* A count per verified message, for comparing regimes across lengths and rates. */
static void per_msg(const struct sb_row *row, uint64_t n, char *b, size_t len)
{
    if (row->r->msgs_recv)
        snprintf(b, len, "%.4g", (double)n / (double)row->r->msgs_recv);
    else
        b[0] = '\0';
}
static void f_vcsw_prod_pm(const struct sb_row *row, char *b, size_t n)
{
    per_msg(row, row->r->csw_voluntary[0], b, n);
}
static void f_vcsw_cons_pm(const struct sb_row *row, char *b, size_t n)
{
    per_msg(row, row->r->csw_voluntary[1], b, n);
}

static void format_value(const struct sb_column *c, const struct sb_row *row, char *b, size_t n);

static void f_job_hash(const struct sb_row *row, char *b, size_t n)
{
    snprintf(b, n, "%016llx", (unsigned long long)sb_job_hash(row->cell));
}
static void f_inject(const struct sb_row *row, char *b, size_t n)
{
    sb_inject_format(&row->cell->p.inject, b, n);
}

static const struct sb_column columns[] = {
    F("schema_version", f_schema, "", "Version of this column layout; changes when a column changes meaning or goes away."),
    F("status", f_status, "", "ok, failed (integrity, reconciliation, crash, timeout), aborted (interrupted, peer gone) or skipped (optional hardware absent)."),
    R("reason", reason, "", "Why the run is not ok; empty when ok."),
    F("started_utc", f_started, "ISO 8601", "When the run started."),
    F("scenario", f_scenario, "", "Scenario file name without .ini."),
    P("job", job, "", "Job (section) name."),
    P("strategy", strategy, "", "Buffer strategy under test."),
    P("allocator", allocator, "", "Allocator requested."),
    R("allocator_seen", allocator_seen, "", "Allocator the run's process verified is serving malloc, with its version."),
    P("transport", transport, "", "Data path: mem, pty or serial."),
    P("repeat", repeat, "", "Repeat index, from 0."),
    P("seed", seed, "", "The run's seed (derived from the job's seed, name and repeat)."),
    F("cfg_message", f_message, "", "The message key as written."),
    P("cfg_rate_per_s", rate, "messages/s", "Offered rate; 0 = as fast as possible."),
    P("cfg_burst_count", burst_count, "messages", "Messages per burst; 0 = no bursts."),
    P("cfg_burst_period_ns", burst_period_ns, "ns", "Time between bursts."),
    P("cfg_stall_ns", stall_ns, "ns", "Consumer pause; 0 = none."),
    P("cfg_stall_period_ns", stall_period_ns, "ns", "Time between consumer pauses."),
    P("cfg_duration_ns", duration_ns, "ns", "Configured length by time (0 if by bytes or messages)."),
    P("cfg_bytes", bytes, "bytes", "Configured length by bytes (0 if not)."),
    P("cfg_messages", messages, "messages", "Configured length by messages (0 if not)."),
    P("cfg_warmup_ns", warmup_ns, "ns", "Warm-up before measuring."),
    P("cfg_buffer", buffer, "bytes", "Capacity asked for."),
    P("cfg_max_buffer", max_buffer, "bytes", "Growth limit asked for; 0 = strategy default."),
    F("cfg_overflow", f_overflow, "", "block or drop."),
    /* The transport keys (pty, serial), as the scenario loader resolved
     * them: defaults filled in, so mem rows hold the defaults too. */
    P("cfg_peer", link.peer, "", "pty, serial: the far end (echo, nrf52840-sim, board)."),
    P("cfg_port", link.port, "", "serial: the port as written (a path, auto or VID:PID)."),
    P("cfg_baud", link.baud, "baud", "serial: the port's baud rate."),
    F("cfg_flow", f_flow, "", "none or rtscts."),
    P("cfg_link", link.link, "", "nrf52840-sim: the link it models (uart:BAUD or cdc)."),
    P("cfg_device_rx_buffer", link.device_rx_buffer, "bytes", "nrf52840-sim: the device's DMA receive ring; 0 = the emulator's default."),
    P("cfg_device_ram", link.device_ram, "bytes", "nrf52840-sim: the device's RAM budget; 0 = the emulator's default."),
    P("cfg_device_byte_cost_ns", link.device_byte_ns, "ns", "nrf52840-sim: the device application's time per byte."),
    P("cfg_device_packet_cost_ns", link.device_packet_ns, "ns", "nrf52840-sim: the device's time per read (UART chunk, USB packet)."),
    P("cfg_faults", link.faults, "", "nrf52840-sim: the faults injected, as written; empty = none."),
    P("cfg_write_size", link.write_size, "bytes", "pty, serial: bytes per write(2) on the transmit side; 0 = whatever is buffered."),
    F("cfg_on_disconnect", f_on_disconnect, "", "next or stop: what the suite does when the peer goes away."),
    P("cfg_reconnect_ns", link.reconnect_ns, "ns", "serial: how long opening the port is retried."),
    F("cfg_hardware", f_hardware, "", "required or optional (a missing port makes the run skipped)."),
    R("wall_s", wall_s, "s", "Duration of the measured phase."),
    R("msgs_sent", msgs_sent, "messages", "Messages offered by the producer in the measured phase."),
    R("bytes_sent", bytes_sent, "bytes", "Bytes offered (frames, header included)."),
    R("msgs_recv", msgs_recv, "messages", "Messages the consumer verified good."),
    R("bytes_recv", bytes_recv, "bytes", "Bytes the consumer verified good."),
    R("msgs_dropped", msgs_dropped, "messages", "Messages refused by overflow = drop."),
    R("bytes_dropped", bytes_dropped, "bytes", "Bytes refused by overflow = drop.  bytes_sent = bytes_recv + bytes_dropped in every ok run on mem or through a plain echo; through nrf52840-sim what the device lost (dev_*) is missing too."),
    R("crc_errors", crc_errors, "frames", "Frames whose CRC32 did not match."),
    R("bad_frames", bad_frames, "frames", "Frames with good CRCs but wrong content (a header field out of bounds, or a payload not its sequence number's)."),
    R("seq_gaps", seq_gaps, "frames", "Sequence numbers skipped."),
    R("duplicates", duplicates, "frames", "Sequence numbers seen twice."),
    R("reordered", reordered, "frames", "Frames that arrived after a later one."),
    R("resyncs", resyncs, "", "Times the decoder had to hunt for the next frame magic."),
    R("garbage_bytes", garbage_bytes, "bytes", "Bytes skipped while resynchronising."),
    R("bytes_per_s", bytes_per_s, "bytes/s", "Throughput: bytes_recv / wall_s."),
    F("mb_per_s", f_mb_per_s, "MB/s", "bytes_per_s / 1e6, for reading."),
    R("msgs_per_s", msgs_per_s, "messages/s", "msgs_recv / wall_s."),
    R("lat_count", latency.count, "samples", "Latency samples (enqueue to dequeue on mem; round trip on pty and serial)."),
    R("lat_mean_ns", latency.mean_ns, "ns", "Mean latency."),
    R("lat_p50_ns", latency.p50_ns, "ns", "Median latency (histogram, at most 1 % relative error)."),
    R("lat_p90_ns", latency.p90_ns, "ns", "90th percentile latency."),
    R("lat_p99_ns", latency.p99_ns, "ns", "99th percentile latency."),
    R("lat_p999_ns", latency.p999_ns, "ns", "99.9th percentile latency."),
    R("lat_max_ns", latency.max_ns, "ns", "Largest latency."),
    R("buf_capacity", buf.capacity, "bytes", "Buffer capacity at the end (after rounding and resizes)."),
    R("buf_peak_used", buf.peak_used, "bytes", "Most bytes ever held at once."),
    R("buf_bytes_in", buf.bytes_in, "bytes", "Bytes committed into the buffer."),
    R("buf_bytes_out", buf.bytes_out, "bytes", "Bytes released by the consumer."),
    R("buf_bytes_discarded", buf.bytes_discarded, "bytes", "Bytes dropped by clear."),
    R("buf_overflows", buf.overflows, "events", "Writes that did not fit."),
    R("buf_underruns", buf.underruns, "events", "Reads that found the buffer empty."),
    R("buf_resizes", buf.resizes, "events", "Capacity changes (adaptive)."),
    R("buf_bytes_copied", buf.bytes_copied, "bytes", "Bytes moved inside the buffer (resizes, linearising)."),
    R("buf_allocations", buf.allocations, "calls", "Allocations the buffer made."),
    R("buf_used", buf.used, "bytes", "Bytes still in the buffer at the end (pty, serial: both buffers)."),
    R("cpu_user_s", cpu_user_s, "s", "User CPU time of the run."),
    R("cpu_sys_s", cpu_sys_s, "s", "System CPU time of the run."),
    F("cpu_pct", f_cpu_pct, "% of one core", "(cpu_user_s + cpu_sys_s) / wall_s x 100."),
    R("peak_rss_kb", peak_rss_kb, "KiB", "Peak resident set of the run's child process."),
    /* The raw path's ceilings, measured once per suite with no strategy in
     * between (bench/transport/calibrate.c), so each result can be read as
     * a fraction of what the path itself can do. */
    R("ceiling_bytes_per_s", ceiling_bytes_per_s, "bytes/s", "pty, peer = echo: raw one-way throughput of a socat pair like the run's, write_size bytes a write(2) (4096 if 0), no strategy; 0 = not measured."),
    R("ceiling_echo_bytes_per_s", ceiling_echo_bytes_per_s, "bytes/s", "pty, peer = echo: raw throughput through the echo peer and back (what bytes_per_s measures), no strategy; 0 = not measured."),
    R("ceiling_rtt_p50_ns", ceiling_rtt_p50_ns, "ns", "pty, peer = echo: raw echo round trip of one frame carrying the job's largest message, one frame at a time, median; 0 = not measured."),
    /* What the emulator reported in its stats frame at the end of the run. */
    R("dev_overrun_bytes", dev_overrun_bytes, "bytes", "nrf52840-sim: bytes lost in the device's UART receiver (no flow control, a producer faster than the link)."),
    R("dev_drop_frames", dev_drop_frames, "frames", "nrf52840-sim: frames the device dropped (fault drop)."),
    R("dev_corrupt_frames", dev_corrupt_frames, "frames", "nrf52840-sim: frames the device corrupted (fault corrupt)."),
    R("dev_delay_faults", dev_delay_faults, "events", "nrf52840-sim: delays the device injected (fault delay)."),
    R("dev_stall_faults", dev_stall_faults, "events", "nrf52840-sim: stalls the device injected (fault stall)."),
    /* Where the run's two threads ran (placement.h). */
    F("cfg_placement", f_placement, "", "spread (two cores sharing a cache), same (one CPU) or none (the scheduler's choice)."),
    R("cpu_producer", cpu_producer, "CPU", "The CPU the producer thread was pinned to; -1 = not pinned (placement = none)."),
    R("cpu_consumer", cpu_consumer, "CPU", "The CPU the consumer thread was pinned to; -1 = not pinned.  On pty and serial the I/O pumps are not pinned."),
    /* What the machine took from the run (bench/common/schedinfo.h). */
    F("starved", f_starved, "0/1", "1 when the machine took more than a documented share from the run: run-queue wait > 10 % of a half's time (mem only: with a port the run's own pumps, socat and peer compete with the halves), CFS throttling > 5 % or steal > 5 % (sched_cpu_pct is reported, not judged: a half that sleeps on a full or empty buffer is the run's regime, not starvation).  cells.csv and summary.md leave starved runs out of the statistics and count them."),
    R("starved_reason", starved_reason, "", "Why starved, in words; empty when not."),
    F("sched_wait_pct", f_wait, "%", "The producer's or consumer's run-queue wait (schedstat), the worse of the two, as % of the run; empty when unreadable."),
    F("sched_cpu_pct", f_share, "% of a core", "CPU the two halves got / (wall x halves that had work); empty when unreadable."),
    F("sched_throttle_pct", f_throttle, "%", "CFS throttling of the run's cgroup (cpu.stat) as % of the run; empty when the cgroup's counters are unreadable."),
    F("sched_steal_pct", f_steal, "%", "Hypervisor steal (/proc/stat) as % of all CPU time during the run; empty when unreadable."),
    /* The regime each half ran in: getrusage(RUSAGE_THREAD) at its start and end. */
    R("csw_vol_producer", csw_voluntary[0], "switches", "Voluntary context switches of the producer thread (it blocked: a wait for room, a pacing sleep)."),
    R("csw_invol_producer", csw_involuntary[0], "switches", "Involuntary context switches of the producer (preempted: something else wanted its CPU)."),
    R("csw_vol_consumer", csw_voluntary[1], "switches", "Voluntary context switches of the consumer thread (it blocked: a wait for data, a stall)."),
    R("csw_invol_consumer", csw_involuntary[1], "switches", "Involuntary context switches of the consumer."),
    F("csw_vol_producer_per_msg", f_vcsw_prod_pm, "switches/message", "csw_vol_producer / msgs_recv: how often the producer slept per message."),
    F("csw_vol_consumer_per_msg", f_vcsw_cons_pm, "switches/message", "csw_vol_consumer / msgs_recv: how often the consumer slept per message."),
    /* Latency from each message's intended send time (frame.h, pace.h):
     * what the lat_ columns leave out when a message waited to be sent. */
    R("lat_int_mean_ns", latency_int.mean_ns, "ns", "Mean latency from each message's intended send time (its deadline in the schedule that rate or burst set) instead of the time it got into the buffer, so the time a message waited to be sent (a full buffer, a slow link, a late producer) counts too: coordinated omission corrected.  Same samples as lat_count.  Unpaced (rate = max, no burst) a message is meant to go when it goes, and every lat_int_ column equals its lat_ column."),
    R("lat_int_p50_ns", latency_int.p50_ns, "ns", "Median latency from the intended send time."),
    R("lat_int_p90_ns", latency_int.p90_ns, "ns", "90th percentile latency from the intended send time."),
    R("lat_int_p99_ns", latency_int.p99_ns, "ns", "99th percentile latency from the intended send time."),
    R("lat_int_p999_ns", latency_int.p999_ns, "ns", "99.9th percentile latency from the intended send time."),
    R("lat_int_max_ns", latency_int.max_ns, "ns", "Largest latency from the intended send time."),
    /* The run's block/notify waits (bench/common/wakeup.h, bench/transport/io.c). */
    R("wait_timeouts", wait_timeouts, "waits", "Waits of the run's threads (producer, consumer, I/O pumps) that ran out the 100 ms safety timeout instead of being woken.  Normal while a side is idle (a paced job, a slow link); a safety net, not the mechanism."),
    R("missed_wakeups", missed_wakeups, "waits", "Of wait_timeouts, those after which what the thread waited for was already there and no notify had come: a wakeup the protocol failed to deliver.  0 in every correct run (lost bytes of nrf52840-sim included: it signals each loss)."),
    /* The run against its own ceilings, measured just before it. */
    F("ceiling_echo_pct", f_echo_pct, "%", "pty, peer = echo: bytes_per_s as % of ceiling_echo_bytes_per_s, both of this run (the ceiling is measured just before each run, so the ratio is taken per pair); empty when not measured or the run is not ok."),
    F("ceiling_rtt_ratio", f_rtt_ratio, "x", "pty, peer = echo: lat_p50_ns / ceiling_rtt_p50_ns of this run (1.10 = the strategy's buffers and threads add a tenth to the bare round trip); empty when not measured or the run is not ok."),
    /* What serbench compare matches and refuses on (README: Comparing and gating). */
    F("job_hash", f_job_hash, "", "The job's definition hash: FNV-1a 64 over every cfg_ column of this row as written here, the job's seed and a replay file's sizes; not the strategy, allocator or repeat.  serbench compare compares a cell only where both sides have the same."),
    F("inject", f_inject, "", "Faults injected with serbench run --inject to validate a gate (slowdown:P, alloc:N); empty for a real result.  Never set by a scenario."),
    R("harness_allocations", harness_allocations, "calls", "malloc calls the harness's producer made in the measured phase: 0 unless --inject alloc:N (then N x msgs_sent, exactly)."),
    /* Strategies from a plugin (strategies = plugin:PATH, bench/runner/plugins.h). */
    P("plugin", plugin, "", "For a strategy from a plugin (strategies = plugin:PATH): the shared object's absolute path; empty for a built-in strategy."),
    P("plugin_sha256", plugin_sha256, "", "SHA-256 of that file as the suite probed it (what sha256sum prints); each run checks the file is unchanged; empty for a built-in strategy."),
};

#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/* FNV-1a 64, continued from h. */
static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

uint64_t sb_job_hash(const struct sb_cell *cell)
{
    struct sb_run_result none;
    memset(&none, 0, sizeof(none));
    struct sb_row row = {.cell = cell, .r = &none};
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < NCOLS; i++) {
        if (strncmp(columns[i].name, "cfg_", 4) != 0)
            continue;
        char v[512];
        format_value(&columns[i], &row, v, sizeof(v));
        h = fnv(h, columns[i].name, strlen(columns[i].name));
        h = fnv(h, "=", 1);
        h = fnv(h, v, strlen(v));
        h = fnv(h, "\n", 1);
    }
    char seed[40];
    snprintf(seed, sizeof(seed), "seed=%llu\n",
             (unsigned long long)(cell->job ? cell->job->seed : 0));
    h = fnv(h, seed, strlen(seed));
    const struct sb_msg_spec *m = &cell->p.message;
    if (m->kind == SB_MSG_REPLAY && m->sizes)
        h = fnv(h, m->sizes, m->nsizes * sizeof(*m->sizes));
    return h;
}

size_t sb_csv_column_count(void)
{
    return NCOLS;
}

const struct sb_column *sb_csv_column_at(size_t i)
{
    return i < NCOLS ? &columns[i] : NULL;
}

int sb_csv_field(const char *s, char *out, size_t cap, size_t *at)
{
    size_t n = strlen(s);
    int quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    size_t o = *at;
    if (quote) {
        if (o + 1 >= cap)
            return -1;
        out[o++] = '"';
    }
    for (const char *p = s; *p; p++) {
        size_t need = (quote && *p == '"') ? 2 : 1;
        if (o + need >= cap)
            return -1;
        if (need == 2)
            out[o++] = '"';
        out[o++] = *p;
    }
    if (quote) {
        if (o + 1 >= cap)
            return -1;
        out[o++] = '"';
    }
    out[o] = '\0';
    *at = o;
    return 0;
}

static void format_value(const struct sb_column *c, const struct sb_row *row, char *b, size_t n)
{
    const char *base = c->src == S_PARAMS ? (const char *)&row->cell->p
                       : c->src == S_RESULT ? (const char *)row->r
                                            : NULL;
    const void *v = base ? base + c->off : NULL;
    switch (c->type) {
    case T_STR: snprintf(b, n, "%s", (const char *)v); break;
    case T_U64: snprintf(b, n, "%llu", *(const unsigned long long *)v); break;
    case T_ULONG: snprintf(b, n, "%lu", *(const unsigned long *)v); break;
    case T_UINT: snprintf(b, n, "%u", *(const unsigned *)v); break;
    case T_LONG: snprintf(b, n, "%ld", *(const long *)v); break;
    case T_F64: snprintf(b, n, "%.9g", *(const double *)v); break;
    default: c->fmt(row, b, n); break;
    }
}

static int end_line(char *out, size_t cap, size_t at)
{
    if (at + 2 > cap)
        return -1;
    out[at++] = '\n';
    out[at] = '\0';
    return 0;
}

int sb_csv_header(char *out, size_t cap)
{
    size_t at = 0;
    for (size_t i = 0; i < NCOLS; i++) {
        if (i && (at + 1 >= cap || (out[at++] = ',', 0)))
            return -1;
        if (sb_csv_field(columns[i].name, out, cap, &at) < 0)
            return -1;
    }
    return end_line(out, cap, at);
}

int sb_csv_row(const struct sb_row *row, char *out, size_t cap)
{
    size_t at = 0;
    for (size_t i = 0; i < NCOLS; i++) {
        char v[PATH_MAX + 64]; /* a plugin's path is the longest field */
        format_value(&columns[i], row, v, sizeof(v));
        if (i && (at + 1 >= cap || (out[at++] = ',', 0)))
            return -1;
        if (sb_csv_field(v, out, cap, &at) < 0)
            return -1;
    }
    return end_line(out, cap, at);
}

void sb_csv_schema_markdown(FILE *out)
{
    fprintf(out, "| # | column | unit | meaning |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < NCOLS; i++)
        fprintf(out, "| %zu | `%s` | %s | %s |\n", i + 1, columns[i].name, columns[i].unit,
                columns[i].doc);
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int sb_csv_open(struct sb_csv *c, const char *path, struct sb_err *err)
{
    char line[8192];
    snprintf(c->path, sizeof(c->path), "%s", path);
    c->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (c->fd < 0)
        return sb_errf(err, SB_EXIT_USAGE, "%s: %s", path, strerror(errno));
    if (sb_csv_header(line, sizeof(line)) < 0 || write_all(c->fd, line, strlen(line)) < 0 ||
        fsync(c->fd) < 0) {
        sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", path, strerror(errno));
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    return 0;
}

int sb_csv_append(struct sb_csv *c, const struct sb_row *row, struct sb_err *err)
{
    char line[16384];
    if (sb_csv_row(row, line, sizeof(line)) < 0)
        return sb_errf(err, SB_EXIT_FAILED, "%s: row too long", c->path);
    if (write_all(c->fd, line, strlen(line)) < 0 || fsync(c->fd) < 0)
        return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", c->path, strerror(errno));
    return 0;
}

void sb_csv_close(struct sb_csv *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}
