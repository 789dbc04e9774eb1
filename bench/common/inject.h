/*
 * inject.h - faults injected into the harness itself, for proving that a
 * regression gate finds what it should (scripts/gate-check).  Never a
 * scenario key: `serbench run --inject SPEC` sets them for every run, so a
 * job's definition hash does not change, and runs.csv (`inject`) and
 * env.json record them, so such a result can never pass for a real one.
 *
 *   slowdown:P  each half of a run (producer, consumer) does P/(100-P)
 *               more work per message: a spin loop sized to that share of
 *               the half's own typical (median) working time per message
 *               (producer) or per byte (consumer), measured over its first
 *               SB_BURN_SAMPLES messages or batches (waits for the other
 *               half not counted) against the loop's speed measured at
 *               start.  A fixed amount of work, not a span of wall time,
 *               so a preempted half is not slowed further: whichever half
 *               bounds the throughput runs at (100-P) % of its speed, and
 *               slowdown:10 takes about 10 % off a mem run's throughput
 *               (scripts/gate-check measures what it really took).
 *   alloc:N     the producer makes N extra malloc + free pairs per message
 *               (the frame's size, written into), through the process's
 *               allocator, counted exactly in runs.csv's
 *               harness_allocations.
 */
#ifndef SB_INJECT_H
#define SB_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

#define SB_INJECT_MAX_SLOWDOWN 90
#define SB_INJECT_MAX_ALLOCS 100

/* Adds one SPEC ("slowdown:10", "alloc:1", or both joined by commas) to
 * *in.  -1 with why set when malformed or out of range. */
int sb_inject_parse(const char *spec, struct sb_inject *in, char *why, size_t len);
/* "slowdown:10,alloc:1"; "" when nothing is injected. */
void sb_inject_format(const struct sb_inject *in, char *buf, size_t len);
int sb_inject_any(const struct sb_inject *in);

/* Work samples before a burner settles on its loop count. */
#define SB_BURN_SAMPLES 512

/* One half's slowdown (one thread; no sharing). */
struct sb_burner {
    unsigned pct;
    double loops_per_ns;      /* the spin loop's speed, fastest of a few timings */
    double loops_per_unit;    /* settled: loops to spin per message or byte */
    size_t n;                 /* samples so far */
    int settled;
    float sample[SB_BURN_SAMPLES]; /* ns of work per unit */
};

/* pct = 0: a burner that does nothing. */
void sb_burner_init(struct sb_burner *b, unsigned pct);
/* Whether the caller should time its work (still sampling). */
static inline int sb_burner_sampling(const struct sb_burner *b)
{
    return b->pct && !b->settled;
}
/* After units (messages or bytes) of work: while sampling, busy_ns is that
 * work's time; once settled, spins for the units' share (busy_ns unused). */
void sb_burner_after(struct sb_burner *b, uint64_t busy_ns, uint64_t units);
/* n malloc + copy + free pairs of size bytes from src; returns the
 * allocations made (a failed malloc is not counted). */
uint64_t sb_inject_alloc(unsigned n, const uint8_t *src, size_t size);

#endif
