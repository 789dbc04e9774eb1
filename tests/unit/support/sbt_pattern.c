/*
 * sbt_pattern.c - the position-derived byte pattern.  One 64-bit mix yields
 * eight bytes, so streaming 100 MB through it costs little next to the
 * buffer under test.
 */
#include "sbt_rng.h"

void sbt_pattern_fill(uint8_t *dst, uint64_t seed, uint64_t pos, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t w = sbt_mix64(seed ^ ((pos + i) >> 3));
        for (unsigned k = (unsigned)((pos + i) & 7); k < 8 && i < n; k++, i++)
            dst[i] = (uint8_t)(w >> (k * 8));
    }
}

size_t sbt_pattern_check(const uint8_t *src, uint64_t seed, uint64_t pos, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t w = sbt_mix64(seed ^ ((pos + i) >> 3));
        for (unsigned k = (unsigned)((pos + i) & 7); k < 8 && i < n; k++, i++)
            if (src[i] != (uint8_t)(w >> (k * 8)))
                return i;
    }
    return n;
}
