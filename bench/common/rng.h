/*
 * rng.h - the workload's pseudo-random numbers: xoshiro256** seeded through
 * splitmix64.  Small, fast, and the same sequence on every machine for a
 * given seed, which is what makes a run reproducible.  Not for secrets.
 */
#ifndef SB_RNG_H
#define SB_RNG_H

#include <stdint.h>

struct sb_rng {
    uint64_t s[4];
};

/* splitmix64's output function: a bijective mix of all 64 bits. */
static inline uint64_t sb_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Seeds the four state words from splitmix64's sequence, so even seed 0
 * gives a state that is not all zeros (the one state xoshiro cannot leave). */
static inline void sb_rng_seed(struct sb_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed += 0x9e3779b97f4a7c15u;
        r->s[i] = sb_mix64(seed);
    }
}

static inline uint64_t sb_rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t sb_rng_next(struct sb_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = sb_rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sb_rotl64(s[3], 45);
    return out;
}

/*
 * Uniform in [0, n) without modulo bias: Lemire's multiply-and-shift, with
 * the rejection step that removes the small bias of the plain version.
 * n = 0 returns 0.
 */
static inline uint32_t sb_rng_below(struct sb_rng *r, uint32_t n)
{
    if (n == 0)
        return 0;
    uint64_t m = (sb_rng_next(r) >> 32) * (uint64_t)n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (sb_rng_next(r) >> 32) * (uint64_t)n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* Uniform double in [0, 1): the top 53 bits, so every value is exact. */
static inline double sb_rng_double(struct sb_rng *r)
{
    return (double)(sb_rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
