/*
 * verdict.h - the decision rule of serbench compare and gate: from the
 * repeats of one cell on two sides (BASE, NEW) to regressed, improved,
 * unchanged or inconclusive, for every metric of every cell at once (the
 * multiple-comparison correction needs them together).  Pure: no I/O.
 *
 * Measured metrics (throughput, latency, CPU, RSS): a change is a
 * regression only when it is beyond the metric's threshold AND
 * statistically significant after Holm's correction over every measured
 * test of the comparison; a cell is unchanged only when the data rule out
 * a regression of the threshold's size; everything else is inconclusive,
 * never a silent pass.  In detail:
 *
 *   too few   fewer than min_repeats usable runs on a side: inconclusive
 *   ratio     r = NEW's median / BASE's median
 *   test      two-sided Mann-Whitney U of NEW against BASE (exact up to
 *             50 runs in all) [MW, HWC 4.1]; p adjusted by Holm over every
 *             measured test of the comparison [Holm]
 *   interval  the distribution-free interval of the shift in log x
 *             (Moses, by inverting the same test [HWC 4.3]): the k-th
 *             smallest and largest of the na x nb differences
 *             log x_new - log x_base, each end a one-sided 95 % bound
 *             (together a 90 % interval), shown as a ratio lo..hi
 *   regressed p_holm < alpha and r beyond the threshold in the bad
 *             direction: r > 1 + t (lower is better: time, latency, RSS)
 *             or r < 1 - t (higher is better: throughput)
 *   improved  p_holm < alpha and r beyond the threshold the other way
 *   unchanged the interval's bad end is inside the threshold (hi < 1 + t,
 *             or lo > 1 - t): a regression of the threshold's size is
 *             ruled out at 95 %
 *   otherwise inconclusive (too few runs or too much noise to tell)
 *
 * Exact counters (allocations, bytes copied per message; instructions per
 * operation): no statistics, no noise allowance beyond the tolerance:
 *
 *   regressed every NEW run is above every BASE run, per message by more
 *             than the tolerance (min NEW > max BASE x (1 + rel) + abs)
 *             and in total (min NEW total > max BASE total, so a run that
 *             merely sent fewer messages, its fixed setup allocations
 *             spread over fewer, is not one)
 *   improved  the same the other way round
 *   unchanged otherwise
 *
 * A counter that does not depend on timing repeats exactly, so any
 * increase is caught.  One that does (adaptive's resizes) varies between
 * runs; then NEW entirely above BASE by chance has probability
 * 1 / C(na + nb, na) at most (1/252 at 5 + 5 runs, 1/184756 at 10 + 10).
 */
#ifndef SB_VERDICT_H
#define SB_VERDICT_H

#include <stddef.h>

#include "stats.h"

enum sb_verdict {
    SB_V_UNCHANGED = 0,
    SB_V_IMPROVED,
    SB_V_INCONCLUSIVE,
    SB_V_REGRESSED,
};

enum sb_metric_kind { SB_MEASURED = 1, SB_EXACT = 2 };

/* How one metric is judged. */
struct sb_rule {
    enum sb_metric_kind kind;
    enum sb_better better;
    double threshold; /* measured: relative change, e.g. 0.05; exact: relative tolerance */
    double abs_tol;   /* exact: absolute tolerance per unit (0 = any increase) */
};

struct sb_rule_opts {
    double alpha;        /* family-wise error rate of the measured tests (0.05) */
    size_t min_repeats;  /* usable runs a side needs for a measured metric (5) */
};

/* One cell x metric: inputs, then what sb_decide found. */
struct sb_test {
    const struct sb_rule *rule;
    const double *base, *new_;  /* per-run values, finite */
    size_t nb, nn;
    const double *base_tot, *new_tot; /* exact: per-run totals (NULL: not used) */
    size_t base_left_out, new_left_out; /* runs left out (starved): for the reason */

    /* results */
    double base_median, new_median;
    double ratio;        /* new_median / base_median (NaN when base is 0) */
    double worse;        /* relative change, oriented: 0.10 = 10 % worse, -0.10 = 10 % better */
    double lo, hi;       /* measured: interval of new/base (NaN when none) */
    double p, p_holm;    /* measured: two-sided; NaN when not tested */
    int tested;          /* has a p-value in the Holm family */
    enum sb_verdict verdict;
    char why[200];       /* the verdict in words */
};

/*
 * Judges n tests together: statistics of each, Holm over the measured ones
 * that have a p-value, then each verdict.  0, or a negative errno (-EINVAL
 * for bad arguments, -ENOMEM).
 */
int sb_decide(struct sb_test *t, size_t n, const struct sb_rule_opts *o);

/* "unchanged", "improved", "inconclusive", "regressed". */
const char *sb_verdict_name(enum sb_verdict v);

/*
 * The Moses interval's k for samples of m and n at one-sided level
 * 1 - alpha1: the largest k with P(U <= k - 1) <= alpha1 under no change
 * (exact for m + n <= 200, normal approximation above); 0 when even the
 * extremes do not reach the level.
 */
size_t sb_moses_k(size_t m, size_t n, double alpha1);

#endif
