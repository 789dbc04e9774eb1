/*
 * changepoint.h - steps in a series of per-commit medians (serbench
 * history): where a metric moved to a new level and stayed there, as
 * opposed to one noisy point.
 *
 * The rule, in the spirit of asv's step detection (airspeed velocity,
 * asv/step_detect.py: a penalised piecewise-constant fit):
 *
 *  1. Fit the series y[0..n) with a piecewise-constant function, each
 *     segment at its own median, minimising
 *         sum |y[i] - median(segment of i)|  +  gamma x (segments - 1)
 *     where every segment but the newest holds at least 2 points (one
 *     point between two others is an outlier, not a level; the newest
 *     commit alone may be one), exactly (dynamic programming over every split: O(n^2) segments,
 *     O(n^3) time; 1000 points take well under a second).
 *  2. gamma = SB_CP_PENALTY x sigma x ln(n), where sigma is the series'
 *     noise, estimated robustly from successive differences (so a step
 *     does not inflate it): 1.4826 x median |y[i+1] - y[i]| / sqrt(2),
 *     at least SB_CP_NOISE_FLOOR of |median(y)| (a perfectly quiet series
 *     still needs a real step).  A step of d persisting m points on both
 *     sides pays for itself when about m x d > gamma.
 *  3. A boundary of the fit is a change point when the medians of the
 *     segments on its two sides differ by at least SB_CP_MIN_STEP of the
 *     one before it: smaller steps are real but not worth a mark.
 *
 * Fewer than SB_CP_MIN_POINTS points give no change point.  Checked on
 * synthetic series (tests/common/test-changepoint.c): a 3-sigma step in the
 * middle of 20 points is found where it is, a single 5-sigma outlier is
 * not marked, a step in the last 3 points is found, and seeded Gaussian
 * noise alone gives none.  Simulated with Gaussian noise (200 series a
 * case, before the 5 % filter): noise alone gives a boundary in 5 % of
 * 10-point, 3.5 % of 20-point and 1-1.5 % of 40-80-point series; a 3-sigma
 * step in the middle is found in 77 % of 10-point and 94-97 % of longer
 * series; a series with one 5-sigma outlier gets a boundary in 1-2 %.
 */
#ifndef SB_CHANGEPOINT_H
#define SB_CHANGEPOINT_H

#include <stddef.h>

#define SB_CP_PENALTY 2.0
#define SB_CP_NOISE_FLOOR 0.01
#define SB_CP_MIN_STEP 0.05
#define SB_CP_MIN_POINTS 3
#define SB_CP_MAX_POINTS 1000 /* longer series: only the last this many are fitted */

struct sb_cp {
    size_t at;      /* index of the first point at the new level */
    double before;  /* median of the segment before */
    double after;   /* median of the segment from `at` */
    double rel;     /* after / before - 1 (NaN when before is 0) */
};

/* The noise estimate of step 2 (without the floor); 0 below 2 points. */
double sb_cp_noise(const double *y, size_t n);

/*
 * The change points of y[0..n) by the rule above, oldest first, into
 * out[0..cap); their number in *nout (at most cap are stored).  0, or a
 * negative errno: -EINVAL (NULL, a non-finite value), -ENOMEM.
 */
int sb_changepoints(const double *y, size_t n, struct sb_cp *out, size_t cap, size_t *nout);

#endif
