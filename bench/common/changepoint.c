/* changepoint.c - penalised L1 step fit of a series (changepoint.h). */
#include "changepoint.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(const double *y, size_t n, double *scratch)
{
    memcpy(scratch, y, n * sizeof(*y));
    qsort(scratch, n, sizeof(*scratch), cmp_double);
    return n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
}

double sb_cp_noise(const double *y, size_t n)
{
    if (!y || n < 2)
        return 0;
    double *d = malloc((n - 1) * sizeof(*d));
    double *s = malloc((n - 1) * sizeof(*s));
    double sigma = 0;
    if (d && s) {
        for (size_t i = 0; i + 1 < n; i++)
            d[i] = fabs(y[i + 1] - y[i]);
        sigma = 1.4826 * median_of(d, n - 1, s) / sqrt(2.0);
    }
    free(d);
    free(s);
    return sigma;
}

/*
 * Inserts v into the sorted s[0..len) (room for one more).  Afterwards the
 * L1 cost of the segment about its (lower) median is
 *   (sum of the upper part - cnt_hi x m) + (cnt_lo x m - sum of the lower part).
 */
static void insert_sorted(double *s, size_t len, double v)
{
    size_t lo = 0, hi = len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(s + lo + 1, s + lo, (len - lo) * sizeof(*s));
    s[lo] = v;
}

static double l1_cost(const double *s, size_t len)
{
    double m = s[(len - 1) / 2], c = 0;
    for (size_t i = 0; i < len; i++)
        c += fabs(s[i] - m);
    return c;
}

int sb_changepoints(const double *y, size_t n, struct sb_cp *out, size_t cap, size_t *nout)
{
    if (!y || !nout || (cap && !out))
        return -EINVAL;
    *nout = 0;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return -EINVAL;
    size_t skip = n > SB_CP_MAX_POINTS ? n - SB_CP_MAX_POINTS : 0;
    y += skip;
    n -= skip;
    if (n < SB_CP_MIN_POINTS)
        return 0;

    double *scratch = malloc(n * sizeof(*scratch));
    double *best = malloc((n + 1) * sizeof(*best));
    size_t *from = malloc((n + 1) * sizeof(*from));
    /* cost[j][i]: segment y[j..i), computed row by row as j grows it */
    double *cost = malloc((n * (n + 1) / 2) * sizeof(*cost));
    size_t *bound = malloc((n + 1) * sizeof(*bound));
    if (!scratch || !best || !from || !cost || !bound) {
        free(scratch), free(best), free(from), free(cost), free(bound);
        return -ENOMEM;
    }
    double sigma = sb_cp_noise(y, n);
    double floor_ = SB_CP_NOISE_FLOOR * fabs(median_of(y, n, scratch));
    if (sigma < floor_)
        sigma = floor_;
    double gamma = SB_CP_PENALTY * sigma * log((double)n);

    /* Triangular table: segment [j, i) with 0 <= j < i <= n at
     * row(j) + (i - j - 1), row(j) = j*n - j*(j-1)/2. */
#define ROW(j) ((j) * n - (j) * ((j) - 1) / 2)
    for (size_t j = 0; j < n; j++) {
        size_t len = 0;
        for (size_t i = j + 1; i <= n; i++) {
            insert_sorted(scratch, len++, y[i - 1]);
            cost[ROW(j) + (i - j - 1)] = l1_cost(scratch, len);
        }
    }
    best[0] = -gamma;
    for (size_t i = 1; i <= n; i++) {
        best[i] = INFINITY;
        for (size_t j = 0; j < i; j++) {
            if (i - j < 2 && i < n)
                continue; /* one point alone is a level only at the newest end */
            if (j > 0 && j < 2)
                continue; /* nor at the oldest */
            double c = best[j] + cost[ROW(j) + (i - j - 1)] + gamma;
            if (c < best[i]) {
                best[i] = c;
                from[i] = j;
            }
        }
    }
#undef ROW
    /* The boundaries, newest first, then each judged against its neighbours. */
    size_t nb = 0;
    for (size_t i = n; i > 0; i = from[i])
        bound[nb++] = from[i]; /* segment starts, newest first; the last is 0 */
    /* bound[nb-1] = 0, ..., bound[0] = start of the last segment */
    for (size_t b = nb - 1; b-- > 0;) {
        size_t start = bound[b], prev = bound[b + 1];
        size_t end = b ? bound[b - 1] : n;
        double before = median_of(y + prev, start - prev, scratch);
        double after = median_of(y + start, end - start, scratch);
        double rel = before != 0 ? after / before - 1 : NAN;
        int big = before != 0 ? fabs(rel) >= SB_CP_MIN_STEP : after != 0;
        if (!big)
            continue;
        if (*nout < cap)
            out[(*nout)++] = (struct sb_cp){.at = start + skip, .before = before,
                                            .after = after, .rel = rel};
    }
    free(scratch), free(best), free(from), free(cost), free(bound);
    return 0;
}
