/*
 * sbt_rng.h - deterministic randomness for the unit tests: a seeded PRNG for
 * choosing operations, and a position-derived byte pattern that a consumer
 * can verify without sharing state with the producer.
 */
#ifndef SBT_RNG_H
#define SBT_RNG_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64's finaliser: a cheap bijective mix, good enough to test with. */
static inline uint64_t sbt_mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

struct sbt_rng {
    uint64_t state;
};

static inline void sbt_rng_seed(struct sbt_rng *r, uint64_t seed)
{
    r->state = seed;
}

static inline uint64_t sbt_rng_next(struct sbt_rng *r)
{
    r->state += 0x9E3779B97F4A7C15ull;
    return sbt_mix64(r->state);
}

/* Uniform in [0, n); n > 0.  The modulo bias is far below what a test sees. */
static inline uint64_t sbt_rng_below(struct sbt_rng *r, uint64_t n)
{
    return sbt_rng_next(r) % n;
}

/* Uniform in [lo, hi]. */
static inline uint64_t sbt_rng_range(struct sbt_rng *r, uint64_t lo, uint64_t hi)
{
    return lo + sbt_rng_below(r, hi - lo + 1);
}

/* The byte at stream position pos of the pattern named by seed. */
static inline uint8_t sbt_pattern_byte(uint64_t seed, uint64_t pos)
{
    return (uint8_t)(sbt_mix64(seed ^ (pos >> 3)) >> ((pos & 7) * 8));
}

/* Writes pattern bytes [pos, pos+n) to dst. */
void sbt_pattern_fill(uint8_t *dst, uint64_t seed, uint64_t pos, size_t n);
/* Index of the first byte of src that differs from the pattern at pos, or n. */
size_t sbt_pattern_check(const uint8_t *src, uint64_t seed, uint64_t pos, size_t n);

#endif
