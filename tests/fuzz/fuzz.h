/*
 * fuzz.h - what the fuzz targets share: the libFuzzer entry points, a
 * cursor over the input, and the check that turns a wrong answer into a
 * crash (abort), which is the only failure libFuzzer and the replay driver
 * both see.
 *
 * Every target is built twice: with clang's libFuzzer (tests/fuzz/run.sh),
 * and with the project's compiler around replay.c, which runs the checked-in
 * corpus under CTest in the normal, ASan and TSan builds.
 */
#ifndef SB_FUZZ_H
#define SB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The libFuzzer interface (libFuzzer's own header is not installed). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: called once before the first input.  Weak, so a target may omit it. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* A failed check names file and line on stderr and aborts. */
#define FZ_CHECK(cond, ...)                                                        \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
            abort();                                                               \
        }                                                                          \
    } while (0)

/*
 * The input, read front to back.  Past its end every read yields zeros, so a
 * target never has to check lengths and a short input is still a valid one
 * (libFuzzer mutates lengths freely).
 */
struct fz_in {
    const uint8_t *p;
    size_t n;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
    uint16_t lo = fz_u8(in);
    return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

static inline uint64_t fz_u64(struct fz_in *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)fz_u8(in) << (8 * i);
    return v;
}

/* Copies up to n input bytes to dst; returns how many there were. */
static inline size_t fz_take(struct fz_in *in, uint8_t *dst, size_t n)
{
    size_t k = n < in->n ? n : in->n;
    for (size_t i = 0; i < k; i++)
        dst[i] = in->p[i];
    in->p += k;
    in->n -= k;
    return k;
}

/* A value in [0, n] from 16 input bits: spread evenly, so both ends are reachable. */
static inline size_t fz_scale(struct fz_in *in, size_t n)
{
    return (size_t)(((uint64_t)fz_u16(in) * ((uint64_t)n + 1)) >> 16);
}

#endif
