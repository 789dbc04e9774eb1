/*
 * stats.c - statistics of a cell's repeats (see stats.h).
 *
 * Sources:
 *   [HWC]  Hollander, Wolfe & Chicken, Nonparametric Statistical Methods,
 *          3rd ed., Wiley 2014: sec. 3.6 (distribution-free interval for
 *          the median from order statistics), sec. 4.1 (Wilcoxon rank sum /
 *          Mann-Whitney test, mid-ranks and the tie-corrected variance).
 *   [ET]   Efron & Tibshirani, An Introduction to the Bootstrap, Chapman &
 *          Hall 1993, ch. 13 (percentile interval), ch. 19 (how many B).
 *   [MW]   Mann & Whitney, Ann. Math. Statist. 18 (1947) 50-60.
 *   [Holm] Holm, A simple sequentially rejective multiple test procedure,
 *          Scand. J. Statist. 6 (1979) 65-70.
 */
#include "stats.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

/* GSL's binomial CDF takes unsigned counts; far more repeats than any suite. */
#define SB_STATS_MAX_N ((size_t)UINT_MAX)

/* --- validation and helpers ------------------------------------------ */

/* x holds at least min_n values, every one finite (NaN would poison sorts). */
static int check_sample(const double *x, size_t n, size_t min_n)
{
    if (!x || n < min_n || n > SB_STATS_MAX_N)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return -EINVAL;
    return 0;
}

static int check_level(double level)
{
    return (isfinite(level) && level > 0.0 && level < 1.0) ? 0 : -EINVAL;
}

/* A sorted copy, so callers' arrays are never reordered behind their back. */
static double *sorted_copy(const double *x, size_t n)
{
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NULL;
    memcpy(s, x, n * sizeof *s);
    gsl_sort(s, 1, n);
    return s;
}

/* snprintf that reports truncation as -ENOSPC; appends at *used. */
static int appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return -ENOSPC;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (w < 0)
        return -EINVAL;
    if ((size_t)w >= len - *used) {
        *used = len;
        return -ENOSPC;
    }
    *used += (size_t)w;
    return 0;
}

/* --- one sample ------------------------------------------------------- */

int sb_stats_median(const double *x, size_t n, double *median)
{
    int rc = check_sample(x, n, 1);
    if (rc || !median)
        return rc ? rc : -EINVAL;
    double *s = sorted_copy(x, n);
    if (!s)
        return -ENOMEM;
    *median = gsl_stats_median_from_sorted_data(s, 1, n);
    free(s);
    return 0;
}

int sb_stats_minmax(const double *x, size_t n, double *min, double *max)
{
    int rc = check_sample(x, n, 1);
    if (rc || !min || !max)
        return rc ? rc : -EINVAL;
    gsl_stats_minmax(min, max, x, 1, n);
    return 0;
}

int sb_stats_ratio(const double *x, size_t n, double *ratio)
{
    double lo, hi;
    if (!ratio)
        return -EINVAL;
    int rc = sb_stats_minmax(x, n, &lo, &hi);
    if (rc)
        return rc;
    /* A spread ratio means something only for positive quantities
     * (throughput, latency); a zero or negative value is a failed run. */
    if (lo <= 0.0)
        return -EDOM;
    *ratio = hi / lo;
    return 0;
}

int sb_stats_cv(const double *x, size_t n, double *cv)
{
    int rc = check_sample(x, n, 2);
    if (rc || !cv)
        return rc ? rc : -EINVAL;
    double mean = gsl_stats_mean(x, 1, n);
    if (!(mean > 0.0))
        return -EDOM;
    *cv = gsl_stats_sd_m(x, 1, n, mean) / mean; /* sd_m divides by n - 1 */
    return 0;
}

int sb_stats_summarize(const double *x, size_t n, struct sb_summary *out)
{
    int rc = check_sample(x, n, 1);
    if (rc || !out)
        return rc ? rc : -EINVAL;
    struct sb_summary s = { .n = n, .sd = NAN, .cv = NAN };
    rc = sb_stats_median(x, n, &s.median);
    if (rc)
        return rc;
    gsl_stats_minmax(&s.min, &s.max, x, 1, n);
    s.mean = gsl_stats_mean(x, 1, n);
    if (n >= 2)
        s.sd = gsl_stats_sd_m(x, 1, n, s.mean);
    if (n >= 2 && s.mean > 0.0)
        s.cv = s.sd / s.mean;
    if (s.min > 0.0)
        s.ratio = s.max / s.min;
    else if (s.min == 0.0)
        s.ratio = s.max > 0.0 ? INFINITY : 1.0; /* a zero among positives: unbounded spread */
    else
        s.ratio = NAN;
    *out = s;
    return 0;
}

/* --- intervals for the median ---------------------------------------- */

/*
 * P(x(k) <= M <= x(n+1-k)) for the true median M of any continuous
 * distribution: M lies inside unless fewer than k values fall below it or
 * fewer than k above, each a Binomial(n, 1/2) tail [HWC 3.6]:
 * 1 - 2 P(B <= k-1).
 */
static double order_coverage(size_t n, size_t k)
{
    return 1.0 - 2.0 * gsl_cdf_binomial_P((unsigned)(k - 1), 0.5, (unsigned)n);
}

int sb_median_ci_order(const double *x, size_t n, double level, struct sb_interval *out)
{
    int rc = check_sample(x, n, 1);
    if (rc || check_level(level) || !out)
        return rc ? rc : -EINVAL;
    /* Coverage falls as k grows: take the largest k that still reaches the
     * level.  When even k = 1 falls short, min..max is the best the data can
     * give; say how short rather than claim the level. */
    size_t k = 1;
    while (k + 1 <= (n + 1) / 2 && order_coverage(n, k + 1) >= level)
        k++;
    double *s = sorted_copy(x, n);
    if (!s)
        return -ENOMEM;
    *out = (struct sb_interval){
        .lo = s[k - 1],
        .hi = s[n - k],
        .level = level,
        .coverage = order_coverage(n, k),
        .method = SB_CI_ORDER,
        .k = k,
    };
    out->short_of_level = out->coverage < level;
    free(s);
    return 0;
}

/* The median of one resample of x, drawn with replacement into scratch. */
static double resample_median(const double *x, size_t n, gsl_rng *r, double *scratch)
{
    for (size_t i = 0; i < n; i++)
        scratch[i] = x[gsl_rng_uniform_int(r, n)];
    gsl_sort(scratch, 1, n);
    return gsl_stats_median_from_sorted_data(scratch, 1, n);
}

/* Percentile interval [ET ch. 13] from B bootstrap statistics (sorted here). */
static void percentile_interval(double *stat, size_t B, double level, size_t resamples,
                                unsigned long seed, struct sb_interval *out)
{
    gsl_sort(stat, 1, B);
    *out = (struct sb_interval){
        .lo = gsl_stats_quantile_from_sorted_data(stat, 1, B, (1.0 - level) / 2.0),
        .hi = gsl_stats_quantile_from_sorted_data(stat, 1, B, (1.0 + level) / 2.0),
        .level = level,
        .coverage = level, /* nominal: the bootstrap's own claim, not a guarantee */
        .method = SB_CI_BOOTSTRAP,
        .resamples = resamples,
        .seed = seed,
    };
}

/* mt19937 with a fixed seed: the same data and seed give the same interval
 * on every machine, so a re-run of a report does not move its intervals. */
static gsl_rng *seeded_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (r)
        gsl_rng_set(r, seed);
    return r;
}

int sb_median_ci_bootstrap(const double *x, size_t n, double level, size_t resamples,
                           unsigned long seed, struct sb_interval *out)
{
    int rc = check_sample(x, n, 1);
    if (rc || check_level(level) || resamples < 100 || !out)
        return rc ? rc : -EINVAL;
    double *scratch = malloc(n * sizeof *scratch);
    double *stat = malloc(resamples * sizeof *stat);
    gsl_rng *r = seeded_rng(seed);
    rc = -ENOMEM;
    if (scratch && stat && r) {
        for (size_t b = 0; b < resamples; b++)
            stat[b] = resample_median(x, n, r, scratch);
        percentile_interval(stat, resamples, level, resamples, seed, out);
        rc = 0;
    }
    gsl_rng_free(r);
    free(stat);
    free(scratch);
    return rc;
}

/* --- the disagreement mark ------------------------------------------- */

int sb_disagree_check(const struct sb_summary *s, struct sb_disagree *out)
{
    if (!s || !out || s->n == 0)
        return -EINVAL;
    *out = (struct sb_disagree){ .n = s->n, .ratio = s->ratio, .cv = s->cv };
    /* NaN compares false: an undefined ratio or CV marks nothing by itself.
     * +inf (a zero among positive repeats) does mark. */
    out->by_ratio = s->ratio > SB_DISAGREE_RATIO;
    out->by_cv = s->cv > SB_DISAGREE_CV;
    out->marked = out->by_ratio || out->by_cv;
    out->few = s->n < SB_MIN_REPEATS;
    return 0;
}

int sb_disagree_words(const struct sb_disagree *d, char *buf, size_t len)
{
    if (!d || !buf || len == 0)
        return -EINVAL;
    size_t used = 0;
    int rc = 0;
    buf[0] = '\0';
    if (d->marked)
        rc = appendf(buf, len, &used, "repeats disagree:");
    if (!rc && d->by_ratio)
        rc = isinf(d->ratio) ? appendf(buf, len, &used, " a repeat measured 0")
                             : appendf(buf, len, &used, " max/min %.2f > %.2f", d->ratio,
                                       SB_DISAGREE_RATIO);
    if (!rc && d->by_cv)
        rc = appendf(buf, len, &used, "%s CV %.0f %% > %.0f %%", d->by_ratio ? "," : "",
                     d->cv * 100.0, SB_DISAGREE_CV * 100.0);
    if (!rc && d->few)
        rc = appendf(buf, len, &used, "%sonly %zu repeat%s (< %d)", d->marked ? "; " : "",
                     d->n, d->n == 1 ? "" : "s", SB_MIN_REPEATS);
    return rc;
}

/* --- ranking with ties ------------------------------------------------ */

static int cell_valid(const struct sb_rank_cell *c)
{
    return isfinite(c->median) && isfinite(c->lo) && isfinite(c->hi) && c->lo <= c->median &&
           c->median <= c->hi;
}

static int overlaps(const struct sb_rank_cell *a, const struct sb_rank_cell *b)
{
    return a->lo <= b->hi && b->lo <= a->hi; /* closed intervals: touching counts */
}

/* Stable insertion sort of cell indices, best median first (n is a table's
 * rows, tens at most; stability keeps equal medians in input order). */
static void sort_best_first(const struct sb_rank_cell *cells, size_t *idx, size_t m,
                            enum sb_better better)
{
    for (size_t i = 1; i < m; i++) {
        size_t v = idx[i], j = i;
        double key = (double)better * cells[v].median;
        while (j > 0 && (double)better * cells[idx[j - 1]].median < key) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

/*
 * The rule.  Settled cells are sorted best first by median (ties in input
 * order).  The first opens a group with rank 1 and leads it.  Each next
 * cell joins the current group, sharing its rank, when its interval
 * overlaps the LEADER's interval (closed intervals); otherwise it opens a
 * new group and leads it with rank = its 1-based position in the sorted
 * list (competition ranking: 1, 1, 3), so a rank says how many cells are
 * surely ahead.  Comparing with the leader only, never with other members,
 * keeps "shares rank r" meaning "cannot be told apart from the cell that
 * holds rank r", and keeps chains of overlaps from merging a whole table.
 * Every cell of a group of two or more is tied ("≈").  Unsettled cells get
 * rank 0 and come last in input order.
 */
int sb_rank_cells(const struct sb_rank_cell *cells, size_t n, enum sb_better better,
                  struct sb_rank *out, size_t *order)
{
    if (!cells || !out || n == 0 || (better != SB_HIGHER_BETTER && better != SB_LOWER_BETTER))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!cells[i].unsettled && !cell_valid(&cells[i]))
            return -EINVAL;
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return -ENOMEM;
    size_t m = 0, u = n;
    for (size_t i = 0; i < n; i++) /* settled first; unsettled fill from the back */
        if (!cells[i].unsettled)
            idx[m++] = i;
    for (size_t i = n; i-- > 0;)
        if (cells[i].unsettled)
            idx[--u] = i;
    sort_best_first(cells, idx, m, better);
    size_t leader = m ? idx[0] : 0, leader_rank = 1;
    for (size_t pos = 0; pos < m; pos++) {
        size_t i = idx[pos];
        if (!overlaps(&cells[i], &cells[leader])) {
            leader = i;
            leader_rank = pos + 1;
        }
        out[i] = (struct sb_rank){ .rank = leader_rank, .leader = leader };
    }
    /* Groups are contiguous in sorted order: a cell is tied when a neighbour
     * has the same leader. */
    for (size_t pos = 0; pos < m; pos++) {
        size_t i = idx[pos];
        out[i].tied = (pos > 0 && out[idx[pos - 1]].leader == out[i].leader) ||
                      (pos + 1 < m && out[idx[pos + 1]].leader == out[i].leader);
    }
    for (size_t pos = m; pos < n; pos++)
        out[idx[pos]] = (struct sb_rank){ .rank = 0, .leader = idx[pos] };
    if (order)
        memcpy(order, idx, n * sizeof *idx);
    free(idx);
    return 0;
}

int sb_rank_label(const struct sb_rank *r, char *buf, size_t len)
{
    if (!r || !buf || len == 0)
        return -EINVAL;
    size_t used = 0;
    buf[0] = '\0';
    if (r->rank == 0)
        return appendf(buf, len, &used, "-");
    return appendf(buf, len, &used, "%s%zu", r->tied ? "\xe2\x89\x88" /* ≈ */ : "", r->rank);
}

/* --- two samples ------------------------------------------------------ */

/* Both samples are resampled independently, each with its own size: the
 * two cells' repeats are separate runs, not pairs [ET ch. 8]. */
int sb_ratio_ci_bootstrap(const double *a, size_t na, const double *b, size_t nb, double level,
                          size_t resamples, unsigned long seed, struct sb_ratio_ci *out)
{
    int rc = check_sample(a, na, 1);
    if (!rc)
        rc = check_sample(b, nb, 1);
    if (rc || check_level(level) || resamples < 100 || !out)
        return rc ? rc : -EINVAL;
    for (size_t i = 0; i < nb; i++)
        if (!(b[i] > 0.0)) /* every resampled median of b must be a divisor */
            return -EDOM;
    double ma, mb;
    if ((rc = sb_stats_median(a, na, &ma)) || (rc = sb_stats_median(b, nb, &mb)))
        return rc;
    double *scratch = malloc((na > nb ? na : nb) * sizeof *scratch);
    double *stat = malloc(resamples * sizeof *stat);
    gsl_rng *r = seeded_rng(seed);
    rc = -ENOMEM;
    if (scratch && stat && r) {
        for (size_t k = 0; k < resamples; k++) {
            double ra = resample_median(a, na, r, scratch);
            stat[k] = ra / resample_median(b, nb, r, scratch);
        }
        out->ratio = ma / mb;
        percentile_interval(stat, resamples, level, resamples, seed, &out->ci);
        rc = 0;
    }
    gsl_rng_free(r);
    free(stat);
    free(scratch);
    return rc;
}

/* --- Mann-Whitney U [MW], [HWC 4.1] ----------------------------------- */

struct obs {
    double v;
    int in_a;
};

static int cmp_obs(const void *x, const void *y)
{
    double a = ((const struct obs *)x)->v, b = ((const struct obs *)y)->v;
    return (a > b) - (a < b);
}

/*
 * Doubled mid-ranks into r2 (a tie group over sorted positions i..j, 1-based,
 * gets i + j: an integer, so the exact distribution is counted on integers),
 * the doubled rank sum of a, and the tie term sum(t^3 - t) over tie groups.
 */
static void mid_ranks(struct obs *o, size_t N, unsigned *r2, unsigned long *w2, double *ties)
{
    qsort(o, N, sizeof *o, cmp_obs);
    *w2 = 0;
    *ties = 0.0;
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j + 1 < N && o[j + 1].v == o[i].v)
            j++;
        double t = (double)(j - i + 1);
        *ties += t * t * t - t;
        for (size_t k = i; k <= j; k++) {
            r2[k] = (unsigned)(i + 1 + j + 1);
            if (o[k].in_a)
                *w2 += r2[k];
        }
        i = j + 1;
    }
}

/*
 * Exact two-sided p: the permutation distribution of a's doubled rank sum,
 * counted over every choice of na of the N (mid-)ranks, so ties are exact
 * too (the conditional test [HWC 4.1]).  Counts reach C(50, 25) ~ 1.3e14,
 * exact in a double.  The distribution is symmetric (ranks r -> N+1-r), so
 * p = 2 x the smaller tail, at most 1, as R and SciPy report it.
 */
static int mw_exact(const unsigned *r2, size_t N, size_t na, unsigned long w2, double *p)
{
    size_t smax = N * (N + 1), row = smax + 1;
    double *c = calloc((na + 1) * row, sizeof *c);
    if (!c)
        return -ENOMEM;
    c[0] = 1.0; /* c[j * row + s]: ways to pick j ranks with doubled sum s */
    for (size_t t = 0; t < N; t++)
        for (size_t j = (t + 1 < na ? t + 1 : na); j >= 1; j--)
            for (size_t s = smax; s >= r2[t]; s--)
                c[j * row + s] += c[(j - 1) * row + s - r2[t]];
    double lower = 0, upper = 0, total = 0;
    for (size_t s = 0; s <= smax; s++) {
        double k = c[na * row + s];
        total += k;
        lower += s <= w2 ? k : 0;
        upper += s >= w2 ? k : 0;
    }
    free(c);
    *p = fmin(1.0, 2.0 * fmin(lower, upper) / total);
    return 0;
}

/* Normal approximation with the tie-corrected variance and a continuity
 * correction of 1/2 [HWC 4.1]; SciPy's asymptotic method computes the same. */
static void mw_normal(double u, size_t na, size_t nb, double ties, struct sb_mw *out)
{
    double m = (double)na, n = (double)nb, N = m + n;
    double var = m * n / 12.0 * ((N + 1.0) - ties / (N * (N - 1.0)));
    out->method = SB_MW_NORMAL;
    out->z = 0.0;
    out->p = 1.0;
    if (var <= 0.0) /* every value tied: no evidence either way */
        return;
    double z = (fabs(u - m * n / 2.0) - 0.5) / sqrt(var);
    out->z = z > 0.0 ? z : 0.0;
    out->p = fmin(1.0, 2.0 * gsl_cdf_ugaussian_Q(out->z));
}

int sb_mann_whitney(const double *a, size_t na, const double *b, size_t nb, struct sb_mw *out)
{
    int rc = check_sample(a, na, 1);
    if (!rc)
        rc = check_sample(b, nb, 1);
    if (rc || !out || na > UINT_MAX / 4 || nb > UINT_MAX / 4)
        return rc ? rc : -EINVAL;
    size_t N = na + nb;
    struct obs *o = malloc(N * sizeof *o);
    unsigned *r2 = malloc(N * sizeof *r2);
    rc = -ENOMEM;
    if (o && r2) {
        for (size_t i = 0; i < N; i++)
            o[i] = i < na ? (struct obs){ a[i], 1 } : (struct obs){ b[i - na], 0 };
        unsigned long w2;
        double ties;
        mid_ranks(o, N, r2, &w2, &ties);
        *out = (struct sb_mw){ .ties = ties > 0.0, .method = SB_MW_EXACT };
        out->u = (double)w2 / 2.0 - (double)na * ((double)na + 1.0) / 2.0;
        if (N <= SB_MW_EXACT_MAX)
            rc = mw_exact(r2, N, na, w2, &out->p);
        else {
            mw_normal(out->u, na, nb, ties, out);
            rc = 0;
        }
    }
    free(r2);
    free(o);
    return rc;
}

/* --- Holm-Bonferroni [Holm] ------------------------------------------- */

/*
 * Sorted ascending p(1) <= ... <= p(n), the adjusted value of p(i) is
 * max over j <= i of min(1, (n - j + 1) p(j)): rejecting where the adjusted
 * p < alpha is Holm's step-down test, which controls the family-wise error
 * rate at alpha with no assumption about how the tests depend on each
 * other.  Equal p-values get equal adjusted values whatever their order.
 */
int sb_holm(const double *p, size_t n, double *adj)
{
    if (!p || !adj || n == 0)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(p[i] >= 0.0 && p[i] <= 1.0))
            return -EINVAL;
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx)
        return -ENOMEM;
    gsl_sort_index(idx, p, 1, n);
    double running = 0.0;
    for (size_t i = 0; i < n; i++) {
        double v = fmin(1.0, (double)(n - i) * p[idx[i]]);
        running = fmax(running, v);
        adj[idx[i]] = running;
    }
    free(idx);
    return 0;
}
