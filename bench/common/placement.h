/*
 * placement.h - which CPUs a run's two threads (producer and consumer) go
 * on.  Where they land moves the figures: on a 16-core host the same run
 * spread 1.27-1.74x between repeats by placement alone.  So serbench
 * chooses, and records what it chose (runs.csv: cpu_producer, cpu_consumer).
 *
 *   spread (default)  two different physical cores that share the last-level
 *                     cache, the cheapest way for two threads to share a
 *                     buffer without competing for one core
 *   same              both on one CPU (an MCU-like single core)
 *   none              the scheduler decides (not pinned; recorded as -1)
 *
 * Only CPUs in the process's affinity mask are used (a container's cpuset
 * is respected).  spread with a single allowed CPU falls back to same.
 */
#ifndef SB_PLACEMENT_H
#define SB_PLACEMENT_H

#include <stddef.h>

enum sb_placement { SB_PLACE_SPREAD, SB_PLACE_SAME, SB_PLACE_NONE };

/* "spread", "same", "none". */
const char *sb_placement_name(enum sb_placement p);

/*
 * A machine's topology, as far as placement needs it: for each allowed CPU
 * its physical core (siblings share one) and its last-level cache group.
 * Read from sysfs by sb_topology_read; tests build their own.
 */
#define SB_TOPO_MAX 256
struct sb_topology {
    size_t n;
    int cpu[SB_TOPO_MAX];  /* allowed CPU numbers, ascending */
    int core[SB_TOPO_MAX]; /* first CPU of its thread_siblings_list */
    int llc[SB_TOPO_MAX];  /* first CPU of its last cache's shared_cpu_list (-1: unknown) */
};

/* The allowed CPUs of this process and their topology.  0, or -1. */
int sb_topology_read(struct sb_topology *t);

/*
 * Chooses the CPUs for producer (out[0]) and consumer (out[1]): -1 each for
 * none.  spread: the first pair of allowed CPUs on different cores in one
 * cache group; else on different cores; else different CPUs; else one.
 */
void sb_placement_choose(const struct sb_topology *t, enum sb_placement p, int out[2]);

/* Pins the calling thread to cpu (>= 0); 0 or an errno value. */
int sb_pin_self(int cpu);

#endif
