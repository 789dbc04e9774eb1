/*
 * msgsize.c - seeded message-size generators (see msgsize.h).
 */
#include <math.h>
#include <string.h>

#include "frame.h"
#include "msgsize.h"

int sb_msg_spec_check(const struct sb_msg_spec *spec)
{
    if (!spec)
        return SBUF_EINVAL;
    switch (spec->kind) {
    case SB_MSG_FIXED:
    case SB_MSG_UNIFORM:
        if (spec->lo > spec->hi || (spec->kind == SB_MSG_FIXED && spec->lo != spec->hi))
            return SBUF_EINVAL;
        return spec->hi > SB_FRAME_MAX_PAYLOAD ? SBUF_ERANGE : SBUF_OK;
    case SB_MSG_LOGNORMAL:
        /* !(x > 0) also rejects NaN */
        if (!(spec->mean > 0) || !(spec->sd >= 0) || !isfinite(spec->mean) ||
            !isfinite(spec->sd) || spec->max == 0)
            return SBUF_EINVAL;
        return spec->max > SB_FRAME_MAX_PAYLOAD ? SBUF_ERANGE : SBUF_OK;
    case SB_MSG_REPLAY:
        if (!spec->sizes || spec->nsizes == 0)
            return SBUF_EINVAL;
        for (size_t i = 0; i < spec->nsizes; i++)
            if (spec->sizes[i] > SB_FRAME_MAX_PAYLOAD)
                return SBUF_ERANGE;
        return SBUF_OK;
    }
    return SBUF_EINVAL;
}

uint32_t sb_msg_spec_max(const struct sb_msg_spec *spec)
{
    if (!spec)
        return 0;
    switch (spec->kind) {
    case SB_MSG_FIXED:
    case SB_MSG_UNIFORM:
        return spec->hi;
    case SB_MSG_LOGNORMAL:
        return spec->max;
    case SB_MSG_REPLAY: {
        uint32_t m = 0;
        for (size_t i = 0; spec->sizes && i < spec->nsizes; i++)
            if (spec->sizes[i] > m)
                m = spec->sizes[i];
        return m;
    }
    }
    return 0;
}

int sb_msggen_init(struct sb_msggen *g, const struct sb_msg_spec *spec, uint64_t seed)
{
    if (!g)
        return SBUF_EINVAL;
    memset(g, 0, sizeof(*g));
    int rc = sb_msg_spec_check(spec);
    if (rc)
        return rc;
    g->spec = *spec;
    sb_rng_seed(&g->rng, seed);
    if (spec->kind == SB_MSG_LOGNORMAL) {
        /* For X = exp(N(mu, sigma^2)): E[X] = exp(mu + sigma^2/2) and
         * Var[X] = (exp(sigma^2) - 1) E[X]^2; solved for mu and sigma. */
        double cv = spec->sd / spec->mean;
        double s2 = log1p(cv * cv);
        g->sigma = sqrt(s2);
        g->mu = log(spec->mean) - s2 / 2;
    }
    return SBUF_OK;
}

/* A standard normal by Marsaglia's polar method: two per accepted pair. */
static double normal(struct sb_msggen *g)
{
    if (g->have_spare) {
        g->have_spare = 0;
        return g->spare;
    }
    double u, v, s;
    do {
        u = 2 * sb_rng_double(&g->rng) - 1;
        v = 2 * sb_rng_double(&g->rng) - 1;
        s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double f = sqrt(-2 * log(s) / s);
    g->spare = v * f;
    g->have_spare = 1;
    return u * f;
}

uint32_t sb_msggen_next(struct sb_msggen *g)
{
    if (!g)
        return 0;
    const struct sb_msg_spec *s = &g->spec;
    switch (s->kind) {
    case SB_MSG_FIXED:
        return s->lo;
    case SB_MSG_UNIFORM:
        /* hi - lo + 1 overflows only for [0, UINT32_MAX], which check refuses */
        return s->lo + sb_rng_below(&g->rng, s->hi - s->lo + 1);
    case SB_MSG_LOGNORMAL: {
        double x = exp(g->mu + g->sigma * normal(g));
        if (!(x < (double)s->max)) /* also catches an infinite x */
            return s->max;
        return (uint32_t)lround(x);
    }
    case SB_MSG_REPLAY: {
        if (!s->sizes || s->nsizes == 0)
            return 0;
        uint32_t v = s->sizes[g->next];
        g->next = g->next + 1 == s->nsizes ? 0 : g->next + 1;
        return v;
    }
    }
    return 0;
}
