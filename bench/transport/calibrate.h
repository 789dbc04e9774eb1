/*
 * calibrate.h - the ceilings of the pty path, measured with no strategy in
 * between: what any result on transport = pty is held against.
 *
 * One socat pair, plain read(2)/write(2):
 *   oneway   serbench's end -> the far end, write_size bytes a write
 *   echo     serbench's end -> echo peer (the same child as peer = echo) -> back
 *   rtt      one message of msg_size bytes there and back, one at a time
 */
#ifndef SB_CALIBRATE_H
#define SB_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "run.h"

struct sb_ceiling {
    size_t write_size, msg_size;
    double oneway_bytes_per_s;
    double echo_bytes_per_s;
    uint64_t rtt_p50_ns, rtt_p99_ns;
    uint64_t rtt_samples;
};

/* Measures the ceilings (about two seconds).  -1 with err if the pair cannot start. */
int sb_calibrate_pty(size_t write_size, size_t msg_size, uint64_t phase_ns,
                     struct sb_ceiling *out, struct sb_err *err);

/*
 * The ceilings for write_size and msg_size, measured once per process and
 * kept: every pty run of a suite is held against the same numbers.  NULL
 * (with err) if they could not be measured.
 */
const struct sb_ceiling *sb_calibrate_cached(size_t write_size, size_t msg_size,
                                             struct sb_err *err);

/*
 * transport = pty, peer = echo: fills p->link's ceilings from the cache
 * above (so once per shape per process, once per suite).  Nothing for other
 * peers, or when SERBENCH_NO_CALIBRATE is set in the environment; a
 * calibration that fails leaves them 0 with a warning.
 */
void sb_calibrate_ceilings(struct sb_run_params *p);

#endif
