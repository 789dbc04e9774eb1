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

/* The phase of the measurement beside each run: oneway and echo 0.6 s each
 * (a fifth of it warm-up), the round trip 0.25 s: about 1.5 s a run. */
#define SB_CALIBRATE_RUN_PHASE_NS 500000000u

/*
 * transport = pty, peer = echo: measures the ceilings now, for the run
 * about to start, into p->link (the suite calls it before each run, so a
 * run and its ceilings are a pair measured side by side, and a ratio is
 * taken per pair: the machine's drift between runs cancels).  Nothing for
 * other peers, or when SERBENCH_NO_CALIBRATE is set in the environment; a
 * measurement that fails leaves them 0 with a warning.
 */
void sb_calibrate_ceilings(struct sb_run_params *p);

#endif
