/* inject.c - faults injected into the harness, for validating gates (inject.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inject.h"
#include "pace.h"

static int one(const char *tok, struct sb_inject *in, char *why, size_t len)
{
    const char *colon = strchr(tok, ':');
    char *end = NULL;
    unsigned long v = colon ? strtoul(colon + 1, &end, 10) : 0;
    int num_ok = colon && colon[1] >= '0' && colon[1] <= '9' && end && *end == '\0';
    if (colon && strncmp(tok, "slowdown", (size_t)(colon - tok)) == 0 && colon - tok == 8) {
        if (!num_ok || v < 1 || v > SB_INJECT_MAX_SLOWDOWN) {
            snprintf(why, len, "--inject %s: slowdown:P takes a whole percentage from 1 to %d",
                     tok, SB_INJECT_MAX_SLOWDOWN);
            return -1;
        }
        in->slowdown_pct = (unsigned)v;
        return 0;
    }
    if (colon && strncmp(tok, "alloc", (size_t)(colon - tok)) == 0 && colon - tok == 5) {
        if (!num_ok || v < 1 || v > SB_INJECT_MAX_ALLOCS) {
            snprintf(why, len, "--inject %s: alloc:N takes a count from 1 to %d", tok,
                     SB_INJECT_MAX_ALLOCS);
            return -1;
        }
        in->extra_allocs = (unsigned)v;
        return 0;
    }
    snprintf(why, len, "--inject %s: expected slowdown:PERCENT or alloc:COUNT", tok);
    return -1;
}

int sb_inject_parse(const char *spec, struct sb_inject *in, char *why, size_t len)
{
    char buf[128];
    if (!spec || !*spec || strlen(spec) >= sizeof(buf)) {
        snprintf(why, len, "--inject: expected slowdown:PERCENT or alloc:COUNT");
        return -1;
    }
    snprintf(buf, sizeof(buf), "%s", spec);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (one(t, in, why, len) < 0)
            return -1;
    return 0;
}

void sb_inject_format(const struct sb_inject *in, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    size_t o = 0;
    if (in->slowdown_pct)
        o += (size_t)snprintf(buf, len, "slowdown:%u", in->slowdown_pct);
    if (in->extra_allocs && o < len)
        snprintf(buf + o, len - o, "%salloc:%u", o ? "," : "", in->extra_allocs);
}

int sb_inject_any(const struct sb_inject *in)
{
    return in->slowdown_pct || in->extra_allocs;
}

static void spin_loops(uint64_t k)
{
    for (uint64_t i = 0; i < k; i++)
        __asm__ volatile("" ::: "memory");
}

void sb_burner_init(struct sb_burner *b, unsigned pct)
{
    memset(b, 0, sizeof(*b));
    b->pct = pct < 100 ? pct : 0;
    if (!b->pct)
        return;
    /* The loop's speed: the fastest of five timings (the least preempted). */
    const uint64_t k = 1u << 16;
    double best = 0;
    for (int i = 0; i < 5; i++) {
        uint64_t t0 = sb_now_ns();
        spin_loops(k);
        uint64_t dt = sb_now_ns() - t0;
        double rate = (double)k / (double)(dt ? dt : 1);
        best = rate > best ? rate : best;
    }
    b->loops_per_ns = best;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

void sb_burner_after(struct sb_burner *b, uint64_t busy_ns, uint64_t units)
{
    if (!b->pct || !units)
        return;
    if (b->settled) {
        spin_loops((uint64_t)(b->loops_per_unit * (double)units + 0.5));
        return;
    }
    b->sample[b->n++] = (float)((double)busy_ns / (double)units);
    if (b->n < SB_BURN_SAMPLES)
        return;
    qsort(b->sample, b->n, sizeof(b->sample[0]), cmp_float);
    double median = b->sample[b->n / 2];
    b->loops_per_unit = median * b->pct / (100.0 - b->pct) * b->loops_per_ns;
    b->settled = 1;
}

uint64_t sb_inject_alloc(unsigned n, const uint8_t *src, size_t size)
{
    uint64_t made = 0;
    for (unsigned i = 0; i < n; i++) {
        /* volatile: the compiler may not elide a malloc/free pair it sees
         * through */
        uint8_t *volatile p = malloc(size ? size : 1);
        if (!p)
            continue;
        memcpy(p, src, size);
        made++;
        free(p);
    }
    return made;
}
