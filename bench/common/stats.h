/*
 * stats.h - statistics of a cell's repeats, for results people decide with.
 *
 * A cell (job x strategy x allocator x transport) is run n times,
 * interleaved with the other cells.  These pure functions turn its n
 * values into a median with an interval whose coverage is stated, mark a
 * cell whose repeats disagree, rank cells so that ones the data cannot tell
 * apart share a rank, and give a later regression gate a ratio of medians,
 * a rank test and a multiple-comparison adjustment.
 *
 * Every call validates its arguments (non-NULL pointers, enough values,
 * finite values, a level strictly between 0 and 1) and returns 0, or a
 * negative errno: -EINVAL for bad arguments, -EDOM for data outside the
 * statistic's domain (a ratio over a non-positive value), -ENOMEM, or
 * -ENOSPC for a text buffer that was too small (the text is truncated but
 * terminated).  Nothing here prints, and the GSL error handler is never
 * reached: arguments are checked before GSL sees them.
 *
 * Statistics come from GSL where it has them (median and quantiles of
 * sorted data, sorting, the binomial and normal distributions, mt19937 for
 * the bootstrap).
 */
#ifndef SB_STATS_H
#define SB_STATS_H

#include <stddef.h>

/*
 * A cell's repeats disagree when the largest is more than 1.25 x the
 * smallest or the coefficient of variation is above 10 %.  Measured on the
 * 2-vCPU guest (DESIGN.md): a quiet machine repeats a mem run within
 * 1.02-1.20x, a disturbed one spans 2.2-3.6x; 1.25 sits just above the
 * quiet spread, so a mark means something happened, not ordinary noise.
 * CV 10 % catches the cell whose extremes are close but whose middle
 * wanders (one outlier among five already moves max/min; CV sees spread
 * over all of them).
 */
#define SB_DISAGREE_RATIO 1.25
#define SB_DISAGREE_CV 0.10
/* A median people decide with needs at least this many repeats. */
#define SB_MIN_REPEATS 5
/* Default bootstrap resamples: percentile endpoints at 95 % settle to
 * about a percent of the interval's width by 2000 (Efron & Tibshirani 1993,
 * ch. 19). */
#define SB_BOOT_RESAMPLES 2000
/* Mann-Whitney: exact permutation distribution when m + n <= this. */
#define SB_MW_EXACT_MAX 50

enum sb_better { SB_HIGHER_BETTER = 1, SB_LOWER_BETTER = -1 };

enum sb_ci_method {
    SB_CI_ORDER = 1,     /* distribution-free order-statistic interval */
    SB_CI_BOOTSTRAP = 2, /* seeded percentile bootstrap */
};

/* One pass over a cell's repeats. */
struct sb_summary {
    size_t n;
    double median, min, max;
    double mean, sd;  /* sd: sample standard deviation (n - 1); NaN when n < 2 */
    double ratio;     /* max / min; +inf when min = 0 < max; NaN if a value < 0 */
    double cv;        /* sd / mean; NaN when n < 2 or mean <= 0 */
};

/* An interval for a median (or a ratio of medians). */
struct sb_interval {
    double lo, hi;
    double level;         /* what was asked, e.g. 0.95 */
    double coverage;      /* what it has: exact for SB_CI_ORDER, nominal (= level) for the bootstrap */
    int short_of_level;   /* 1 when coverage < level (too few values for the level asked) */
    enum sb_ci_method method;
    size_t k;             /* SB_CI_ORDER: lo = x(k), hi = x(n+1-k), 1-based; else 0 */
    size_t resamples;     /* SB_CI_BOOTSTRAP: B; else 0 */
    unsigned long seed;   /* SB_CI_BOOTSTRAP: the seed; else 0 */
};

/* The disagreement mark of a cell. */
struct sb_disagree {
    int marked;         /* by_ratio || by_cv: never rank this cell as settled */
    int by_ratio, by_cv;
    int few;            /* n < SB_MIN_REPEATS: too few to decide with */
    size_t n;
    double ratio, cv;   /* copied from the summary */
};

/* A cell as the ranking sees it. */
struct sb_rank_cell {
    double median, lo, hi;  /* its median and interval, lo <= median <= hi */
    int unsettled;          /* disagreeing or too few repeats: gets no rank */
};

struct sb_rank {
    size_t rank;    /* 1-based, competition style (1, 1, 3); 0 = not ranked */
    int tied;       /* shares its rank with another cell: show "≈" */
    size_t leader;  /* index of the cell that opened its group (itself if it did) */
};

struct sb_ratio_ci {
    double ratio;              /* median(a) / median(b) */
    struct sb_interval ci;     /* bootstrap interval of the ratio */
};

enum sb_mw_method { SB_MW_EXACT = 1, SB_MW_NORMAL = 2 };

struct sb_mw {
    double u;        /* U of the first sample: pairs (a > b) + half the tied pairs */
    double p;        /* two-sided p-value */
    double z;        /* SB_MW_NORMAL: the continuity-corrected z; else 0 */
    int ties;        /* 1 when some values were tied (mid-ranks used) */
    enum sb_mw_method method;
};

/* --- one sample ------------------------------------------------------- */

/* The median of x[0..n-1] (n >= 1); x is not modified. */
int sb_stats_median(const double *x, size_t n, double *median);
/* Smallest and largest of x (n >= 1). */
int sb_stats_minmax(const double *x, size_t n, double *min, double *max);
/* max / min (n >= 1, every value > 0; else -EDOM). */
int sb_stats_ratio(const double *x, size_t n, double *ratio);
/* Sample sd / mean (n >= 2, mean > 0; else -EDOM). */
int sb_stats_cv(const double *x, size_t n, double *cv);
/* All of the above in one struct; undefined parts are NaN, never an error. */
int sb_stats_summarize(const double *x, size_t n, struct sb_summary *out);

/* --- intervals for the median ---------------------------------------- */

/*
 * Distribution-free: the narrowest symmetric pair (x(k), x(n+1-k)) whose
 * binomial coverage reaches level; when none does (n = 5 at 95 %), min..max
 * with its real coverage and short_of_level set.
 */
int sb_median_ci_order(const double *x, size_t n, double level, struct sb_interval *out);
/* Percentile bootstrap of the median: resamples >= 100, mt19937 seeded. */
int sb_median_ci_bootstrap(const double *x, size_t n, double level, size_t resamples,
                           unsigned long seed, struct sb_interval *out);

/* --- the disagreement mark ------------------------------------------- */

int sb_disagree_check(const struct sb_summary *s, struct sb_disagree *out);
/* "repeats disagree: max/min 1.42 > 1.25, CV 14 % > 10 %"; "" when settled. */
int sb_disagree_words(const struct sb_disagree *d, char *buf, size_t len);

/* --- ranking with ties ------------------------------------------------ */

/*
 * Ranks n cells, best first by median (see stats.c for the rule); out[i] is
 * cell i's rank.  order, when not NULL, receives the n indices best first,
 * unranked cells last in input order.
 */
int sb_rank_cells(const struct sb_rank_cell *cells, size_t n, enum sb_better better,
                  struct sb_rank *out, size_t *order);
/* "1", "≈1" (tied) or "-" (not ranked). */
int sb_rank_label(const struct sb_rank *r, char *buf, size_t len);

/* --- two samples, for a gate ----------------------------------------- */

/* median(a) / median(b), with a seeded percentile-bootstrap interval; b > 0. */
int sb_ratio_ci_bootstrap(const double *a, size_t na, const double *b, size_t nb, double level,
                          size_t resamples, unsigned long seed, struct sb_ratio_ci *out);
/* Two-sided Mann-Whitney U test of a against b (na, nb >= 1). */
int sb_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct sb_mw *out);
/* Holm's step-down adjustment of n p-values (each in [0, 1]) into adj. */
int sb_holm(const double *p, size_t n, double *adj);

#endif
