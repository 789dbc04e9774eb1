/*
 * cmd_calibrate.c - `serbench calibrate`: the pty path's ceilings by hand
 * (transport/calibrate.h measures them).
 */
#include <getopt.h>
#include <stdio.h>

#include "calibrate.h"
#include "commands.h"
#include "units.h"


static int calibrate_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"write-size", required_argument, NULL, 'w'},
        {"message", required_argument, NULL, 'm'},
        {"duration", required_argument, NULL, 'd'},
        {NULL, 0, NULL, 0},
    };
    uint64_t ws = 4096, msg = 64, dur = 1000000000u;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "w:m:d:", opts, NULL)) != -1) {
        int bad = 0;
        if (opt == 'w')
            bad = sb_parse_size(optarg, &ws) < 0 || ws == 0 || ws > (16u << 20);
        else if (opt == 'm')
            bad = sb_parse_size(optarg, &msg) < 0 || msg == 0 || msg > (1u << 20);
        else if (opt == 'd')
            bad = sb_parse_duration(optarg, &dur) < 0 || dur < 10000000u;
        else
            bad = 1;
        if (bad) {
            sb_warnf("calibrate: usage: %s", sb_cmd_calibrate.usage);
            return SB_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        sb_warnf("calibrate: usage: %s", sb_cmd_calibrate.usage);
        return SB_EXIT_USAGE;
    }
    struct sb_err err = {0};
    struct sb_ceiling c;
    if (sb_calibrate_pty((size_t)ws, (size_t)msg, dur, &c, &err) < 0) {
        sb_warnf("%s", err.msg);
        return err.code ? err.code : SB_EXIT_MISSING;
    }
    printf("pty ceilings through one socat pair, no strategy in between:\n"
           "  fd-to-fd       %10.1f MB/s  (%zu-byte writes)\n"
           "  echo loop      %10.1f MB/s  (%zu-byte writes, through peer echo and back)\n"
           "  echo rtt p50   %10.1f us    (%zu-byte message, %llu samples)\n"
           "  echo rtt p99   %10.1f us\n",
           c.oneway_bytes_per_s / 1e6, c.write_size, c.echo_bytes_per_s / 1e6, c.write_size,
           (double)c.rtt_p50_ns / 1e3, c.msg_size, (unsigned long long)c.rtt_samples,
           (double)c.rtt_p99_ns / 1e3);
    return SB_EXIT_OK;
}

const struct sb_command sb_cmd_calibrate = {
    .name = "calibrate",
    .usage = "serbench calibrate [--write-size N] [--message N] [--duration D]",
    .summary = "measure the pty path's ceilings (throughput, echo round trip) with no strategy",
    .help = "Starts one socat pair and measures, with plain read(2)/write(2) and no buffer\n"
            "strategy: the fd-to-fd throughput at --write-size (4KiB), the throughput of\n"
            "the echo loop through peer echo, and the echo round trip of one --message\n"
            "(64 B) at a time; each phase lasts --duration (1s).  Every pty run measures\n"
            "these once per process and carries them into runs.csv.\n",
    .main = calibrate_main,
};
