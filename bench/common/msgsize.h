/*
 * msgsize.h - message sizes from an sb_msg_spec (scenario key `message`),
 * seeded and reproducible: the same spec and seed give the same sizes on
 * every machine.  Sizes are payload bytes (a frame adds SB_FRAME_HEADER).
 */
#ifndef SB_MSGSIZE_H
#define SB_MSGSIZE_H

#include <stdint.h>

#include "rng.h"
#include "run.h"

struct sb_msggen {
    struct sb_msg_spec spec; /* replay: sizes stay owned by the caller */
    struct sb_rng rng;
    double mu, sigma;        /* lognormal: of the underlying normal */
    double spare;            /* lognormal: the second normal of a polar pair */
    int have_spare;
    size_t next;             /* replay: index of the next size */
};

/*
 * Checks a spec: SBUF_OK, or SBUF_EINVAL (unknown kind, lo > hi, fixed with
 * lo != hi, lognormal mean <= 0 or sd < 0 or max 0, replay without sizes),
 * or SBUF_ERANGE (a size above SB_FRAME_MAX_PAYLOAD).
 */
int sb_msg_spec_check(const struct sb_msg_spec *spec);

/* The largest size spec can produce (the spec must pass sb_msg_spec_check). */
uint32_t sb_msg_spec_max(const struct sb_msg_spec *spec);

/* Checks spec and seeds g: SBUF_OK or sb_msg_spec_check's error. */
int sb_msggen_init(struct sb_msggen *g, const struct sb_msg_spec *spec, uint64_t seed);

/*
 * The next size.  fixed: lo.  uniform: each of lo..hi equally likely.
 * lognormal: a lognormal whose own mean and sd are spec mean and sd,
 * rounded, clamped to [0, max].  replay: the sizes in order, cycled.
 */
uint32_t sb_msggen_next(struct sb_msggen *g);

#endif
