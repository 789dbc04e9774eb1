/* placement.c - choosing and pinning the run's two CPUs (placement.h). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "placement.h"

const char *sb_placement_name(enum sb_placement p)
{
    return p == SB_PLACE_SAME ? "same" : p == SB_PLACE_NONE ? "none" : "spread";
}

/* The first number of a sysfs CPU list ("0-3,8"), or -1. */
static int first_of_list(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int v = -1;
    if (fscanf(f, "%d", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

/* The highest cache index of cpu that has a shared_cpu_list: the last level. */
static int llc_of(int cpu)
{
    char path[160];
    int found = -1;
    for (int idx = 0; idx < 8; idx++) {
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list",
                 cpu, idx);
        int v = first_of_list(path);
        if (v >= 0)
            found = v;
    }
    return found;
}

int sb_topology_read(struct sb_topology *t)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return -1;
    t->n = 0;
    for (int c = 0; c < CPU_SETSIZE && t->n < SB_TOPO_MAX; c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        char path[128];
        snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
                 c);
        int core = first_of_list(path);
        t->cpu[t->n] = c;
        t->core[t->n] = core >= 0 ? core : c;
        t->llc[t->n] = llc_of(c);
        t->n++;
    }
    return t->n ? 0 : -1;
}

/* The first pair (i, j) with different cores and, if same_llc, one cache group. */
static int find_pair(const struct sb_topology *t, int same_llc, int out[2])
{
    for (size_t i = 0; i < t->n; i++)
        for (size_t j = i + 1; j < t->n; j++) {
            if (t->core[i] == t->core[j])
                continue;
            if (same_llc && (t->llc[i] < 0 || t->llc[i] != t->llc[j]))
                continue;
            out[0] = t->cpu[i];
            out[1] = t->cpu[j];
            return 1;
        }
    return 0;
}

void sb_placement_choose(const struct sb_topology *t, enum sb_placement p, int out[2])
{
    out[0] = out[1] = -1;
    if (p == SB_PLACE_NONE || !t || t->n == 0)
        return;
    if (p == SB_PLACE_SPREAD && (find_pair(t, 1, out) || find_pair(t, 0, out)))
        return;
    if (p == SB_PLACE_SPREAD && t->n >= 2) {
        out[0] = t->cpu[0]; /* only hyperthreads of one core: still two CPUs */
        out[1] = t->cpu[1];
        return;
    }
    out[0] = out[1] = t->cpu[0];
}

int sb_pin_self(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}
