/*
 * verdict.c - the decision rule (verdict.h).
 *
 * Sources:
 *   [HWC]  Hollander, Wolfe & Chicken, Nonparametric Statistical Methods,
 *          3rd ed., Wiley 2014: sec. 4.1 (Wilcoxon rank sum / Mann-Whitney
 *          test), sec. 4.3 (the distribution-free confidence interval for
 *          a shift, from the ordered pairwise differences: Moses).
 *   [MW]   Mann & Whitney, Ann. Math. Statist. 18 (1947) 50-60.
 *   [Holm] Holm, A simple sequentially rejective multiple test procedure,
 *          Scand. J. Statist. 6 (1979) 65-70.
 *   [A]    Andrews, The Theory of Partitions, 1976, thm. 3.1: the number of
 *          arrangements with U = u is the coefficient of q^u in the
 *          Gaussian binomial [m+n choose m]_q.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "verdict.h"

const char *sb_verdict_name(enum sb_verdict v)
{
    switch (v) {
    case SB_V_UNCHANGED: return "unchanged";
    case SB_V_IMPROVED: return "improved";
    case SB_V_INCONCLUSIVE: return "inconclusive";
    case SB_V_REGRESSED: return "regressed";
    }
    return "?";
}

/* ---- the Moses interval's k ------------------------------------------------ */

#define EXACT_MAX 200

size_t sb_moses_k(size_t m, size_t n, double alpha1)
{
    if (m == 0 || n == 0 || !(alpha1 > 0 && alpha1 < 1))
        return 0;
    size_t mn = m * n, k = 0;
    if (m + n > EXACT_MAX) {
        double sd = sqrt((double)mn * (double)(m + n + 1) / 12.0);
        double kk = floor((double)mn / 2.0 - gsl_cdf_ugaussian_Qinv(alpha1) * sd + 0.5);
        return kk < 0 ? 0 : (size_t)kk;
    }
    /* Coefficients of [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i) [A]:
     * after step i the array holds [n+i choose i]_q, non-negative integers;
     * a coefficient depends only on those below it, so the small tail that
     * matters here is computed without cancellation against the large
     * middle. */
    double *c = calloc(mn + 1, sizeof(*c));
    if (!c)
        return 0;
    c[0] = 1.0;
    for (size_t i = 1; i <= m; i++) {
        size_t a = n + i;
        for (size_t u = mn; u >= a; u--)
            c[u] -= c[u - a];
        for (size_t u = i; u <= mn; u++)
            c[u] += c[u - i];
    }
    double total = 0;
    for (size_t u = 0; u <= mn; u++)
        total += c[u];
    double cum = 0;
    for (size_t u = 0; u <= mn / 2; u++) {
        cum += c[u];
        if (cum / total > alpha1)
            break;
        k = u + 1; /* P(U <= k - 1) <= alpha1 */
    }
    free(c);
    return k;
}

/* ---- one test ------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void minmax(const double *x, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        *lo = fmin(*lo, x[i]);
        *hi = fmax(*hi, x[i]);
    }
}

static double pct(double worse)
{
    return (worse - 1.0) * 100.0;
}

static int too_few(struct sb_test *t, size_t need)
{
    if (t->nb >= need && t->nn >= need)
        return 0;
    t->verdict = SB_V_INCONCLUSIVE;
    size_t left = t->base_left_out + t->new_left_out;
    char extra[80] = "";
    if (left)
        snprintf(extra, sizeof(extra), "; %zu starved run%s left out", left, left == 1 ? "" : "s");
    snprintf(t->why, sizeof(t->why), "too few runs: BASE %zu, NEW %zu usable (%zu needed%s)",
             t->nb, t->nn, need, extra);
    return 1;
}

/* Medians, ratio, the test and the interval; the verdict waits for Holm. */
static int measure(struct sb_test *t, double alpha)
{
    const struct sb_rule *r = t->rule;
    for (size_t i = 0; i < t->nb + t->nn; i++) {
        double v = i < t->nb ? t->base[i] : t->new_[i - t->nb];
        if (!(v > 0) || !isfinite(v)) {
            t->verdict = SB_V_INCONCLUSIVE;
            snprintf(t->why, sizeof(t->why), "a value is not positive (%g): no ratio", v);
            return 0;
        }
    }
    int rc = sb_stats_median(t->base, t->nb, &t->base_median);
    if (!rc)
        rc = sb_stats_median(t->new_, t->nn, &t->new_median);
    struct sb_mw mw;
    if (!rc)
        rc = sb_mann_whitney(t->new_, t->nn, t->base, t->nb, &mw);
    if (rc)
        return rc;
    t->ratio = t->new_median / t->base_median;
    t->worse = r->better == SB_LOWER_BETTER ? t->ratio - 1.0 : 1.0 - t->ratio;
    t->p = mw.p;
    t->tested = 1;

    /* Moses: the k-th smallest and largest pairwise difference in log x, x
     * oriented so that larger is worse. */
    size_t N = t->nb * t->nn, k = sb_moses_k(t->nb, t->nn, alpha);
    double *d = malloc(N * sizeof(*d));
    if (!d)
        return -ENOMEM;
    double s = r->better == SB_LOWER_BETTER ? 1.0 : -1.0;
    for (size_t i = 0; i < t->nb; i++)
        for (size_t j = 0; j < t->nn; j++)
            d[i * t->nn + j] = s * (log(t->new_[j]) - log(t->base[i]));
    qsort(d, N, sizeof(*d), cmp_double);
    double wlo = k ? exp(d[k - 1]) : 0.0, whi = k ? exp(d[N - k]) : INFINITY;
    free(d);
    if (r->better == SB_LOWER_BETTER) {
        t->lo = wlo;
        t->hi = whi;
    } else {
        t->lo = whi > 0 ? 1.0 / whi : NAN;
        t->hi = wlo > 0 ? 1.0 / wlo : INFINITY;
    }
    return 0;
}

static void judge_measured(struct sb_test *t, double alpha)
{
    double th = t->rule->threshold, r = t->ratio;
    int lower = t->rule->better == SB_LOWER_BETTER;
    /* in the metric's own terms: time up by more than th, throughput down by more */
    int bad = lower ? r > 1.0 + th : r < 1.0 - th;
    int good = lower ? r < 1.0 - th : r > 1.0 + th;
    double bound = lower ? t->hi : t->lo; /* the worst end of the interval */
    int safe = lower ? bound < 1.0 + th : bound > 1.0 - th;
    int sig = t->p_holm < alpha;
    const char *up = lower ? "higher" : "lower", *down = lower ? "lower" : "higher";
    if (sig && bad) {
        t->verdict = SB_V_REGRESSED;
        snprintf(t->why, sizeof(t->why), "%.1f %% %s (threshold %.3g %%), p = %.2g after Holm",
                 fabs(pct(r)), up, th * 100, t->p_holm);
    } else if (sig && good) {
        t->verdict = SB_V_IMPROVED;
        snprintf(t->why, sizeof(t->why), "%.1f %% %s, p = %.2g after Holm", fabs(pct(r)), down,
                 t->p_holm);
    } else if (safe) {
        t->verdict = SB_V_UNCHANGED;
        snprintf(t->why, sizeof(t->why), "within %.3g %%: at worst %+.1f %% at 95 %%", th * 100,
                 pct(bound));
    } else {
        t->verdict = SB_V_INCONCLUSIVE;
        if (isfinite(bound) && bound > 0)
            snprintf(t->why, sizeof(t->why),
                     "cannot tell: %+.1f %%, but %+.1f %% at 95 %% is beyond the %.3g %% "
                     "threshold (p = %.2g after Holm)",
                     pct(r), pct(bound), th * 100, t->p_holm);
        else
            snprintf(t->why, sizeof(t->why), "cannot tell: too few runs for a 95 %% bound");
    }
}

static void judge_exact(struct sb_test *t)
{
    const struct sb_rule *r = t->rule;
    double bmin, bmax, nmin, nmax;
    minmax(t->base, t->nb, &bmin, &bmax);
    minmax(t->new_, t->nn, &nmin, &nmax);
    sb_stats_median(t->base, t->nb, &t->base_median);
    sb_stats_median(t->new_, t->nn, &t->new_median);
    t->ratio = t->base_median != 0 ? t->new_median / t->base_median
               : t->new_median == 0 ? 1.0 : INFINITY;
    t->worse = t->ratio - 1.0;
    t->lo = t->hi = t->p = t->p_holm = NAN;
    int tot_up = 1, tot_down = 1;
    if (t->base_tot && t->new_tot) {
        double tbmin, tbmax, tnmin, tnmax;
        minmax(t->base_tot, t->nb, &tbmin, &tbmax);
        minmax(t->new_tot, t->nn, &tnmin, &tnmax);
        tot_up = tnmin > tbmax;
        tot_down = tbmin > tnmax;
    }
    if (nmin > bmax * (1.0 + r->threshold) + r->abs_tol && tot_up) {
        t->verdict = SB_V_REGRESSED;
        snprintf(t->why, sizeof(t->why),
                 "every NEW run above every BASE run: %.6g vs at most %.6g (tolerance %.3g %% + %g)",
                 nmin, bmax, r->threshold * 100, r->abs_tol);
    } else if (bmin > nmax * (1.0 + r->threshold) + r->abs_tol && tot_down) {
        t->verdict = SB_V_IMPROVED;
        snprintf(t->why, sizeof(t->why), "every NEW run below every BASE run: %.6g vs %.6g",
                 nmax, bmin);
    } else {
        t->verdict = SB_V_UNCHANGED;
        snprintf(t->why, sizeof(t->why), "exact: NEW %.6g..%.6g, BASE %.6g..%.6g", nmin, nmax,
                 bmin, bmax);
    }
}

int sb_decide(struct sb_test *t, size_t n, const struct sb_rule_opts *o)
{
    if ((!t && n) || !o || !(o->alpha > 0 && o->alpha < 1))
        return -EINVAL;
    size_t ntested = 0;
    for (size_t i = 0; i < n; i++) {
        struct sb_test *x = &t[i];
        if (!x->rule || (x->nb && !x->base) || (x->nn && !x->new_))
            return -EINVAL;
        x->base_median = x->new_median = x->ratio = x->worse = NAN;
        x->lo = x->hi = x->p = x->p_holm = NAN;
        x->tested = 0;
        x->verdict = SB_V_INCONCLUSIVE;
        x->why[0] = '\0';
        if (x->rule->kind == SB_EXACT) {
            if (!too_few(x, 1))
                judge_exact(x);
            continue;
        }
        if (too_few(x, o->min_repeats > 2 ? o->min_repeats : 2))
            continue;
        int rc = measure(x, o->alpha);
        if (rc)
            return rc;
        ntested += x->tested;
    }
    if (ntested == 0)
        return 0;
    double *p = malloc(ntested * sizeof(*p)), *adj = malloc(ntested * sizeof(*adj));
    if (!p || !adj) {
        free(p);
        free(adj);
        return -ENOMEM;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].tested)
            p[j++] = t[i].p;
    int rc = sb_holm(p, ntested, adj);
    j = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (t[i].tested) {
            t[i].p_holm = adj[j++];
            judge_measured(&t[i], o->alpha);
        }
    free(p);
    free(adj);
    return rc;
}
