/*
 * transport_hook.h - what the runner needs to know about transports before
 * any exist: their names (for scenario validation and `serbench list`), and
 * whether one can run here.
 *
 * The transports (bench/transport/, serial transports issue) plug in by
 * defining sb_transport_available() themselves: the definition in
 * transport_hook.c is weak, so a strong one anywhere in serbench_core that
 * the link pulls in replaces it, with no edit here.  Naming a new transport
 * is one line in the table in transport_hook.c.
 */
#ifndef SB_TRANSPORT_HOOK_H
#define SB_TRANSPORT_HOOK_H

#include <stddef.h>

struct sb_transport_info {
    const char *name;
    const char *summary;
};

size_t sb_transport_count(void);
const struct sb_transport_info *sb_transport_at(size_t i); /* NULL past the end */
const struct sb_transport_info *sb_transport_find(const char *name);

/*
 * 0 when transport `name` can run on this machine.  Otherwise -1 with a
 * one-line reason in why ("transport pty not built yet", "socat not found:
 * apt-get install socat"); the runner then exits 3 before any run starts.
 */
int sb_transport_available(const char *name, char *why, size_t len);

/*
 * 0 when a job's transport keys make sense together: the peer a pty runs,
 * the emulator's link, RAM budget and faults, a serial port that is not a
 * pseudo-terminal.  Otherwise -1 with a one-line reason; the scenario
 * loader reports it as a bad value (exit 2) before anything runs.
 * Defined by the transports (bench/transport/transport.c).
 */
struct sb_run_params;
int sb_link_check(const struct sb_run_params *p, char *why, size_t len);

/*
 * transport = pty, peer = echo: fills p->link's ceilings (the same path's
 * throughput and echo round trip with no strategy, calibrate.h), measured
 * once per shape (write size, frame size) per process, so once per suite.
 * Nothing for other runs, or when SERBENCH_NO_CALIBRATE is set in the
 * environment; a calibration that fails leaves them 0 with a warning.
 */
void sb_link_ceilings(struct sb_run_params *p);

#endif
