/*
 * histogram.c - percentiles, merge and summary over the buckets that
 * histogram.h's inline sb_hist_record fills; the .hist file.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "crc.h"
#include "histogram.h"

void sb_hist_reset(struct sb_hist *h)
{
    if (!h)
        return;
    memset(h, 0, sizeof(*h));
    h->min = UINT64_MAX;
}

uint64_t sb_hist_bucket_low(unsigned i)
{
    if (i < SB_HIST_SUB)
        return i;
    unsigned shift = i / SB_HIST_SUB - 1;
    return (uint64_t)(SB_HIST_SUB + i % SB_HIST_SUB) << shift;
}

uint64_t sb_hist_bucket_width(unsigned i)
{
    if (i < SB_HIST_SUB)
        return 1;
    return (uint64_t)1 << (i / SB_HIST_SUB - 1);
}

/*
 * The rank (1-based) of percentile q among count values: ceil(q% of count).
 * The relative nudge keeps a product such as 99.9 / 100 * 1000, which
 * floating point makes 999.0000000000001, at rank 999 and not 1000.
 */
static uint64_t rank_of(double q, uint64_t count)
{
    double x = q / 100.0 * (double)count;
    x -= x * 1e-12;
    uint64_t r = (uint64_t)ceil(x);
    if (r < 1)
        r = 1;
    if (r > count)
        r = count;
    return r;
}

uint64_t sb_hist_percentile(const struct sb_hist *h, double q)
{
    if (!h || h->count == 0 || !(q > 0))
        return 0;
    if (q >= 100)
        return h->max;
    uint64_t rank = rank_of(q, h->count);
    uint64_t seen = 0;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t v = sb_hist_bucket_low(i) + (sb_hist_bucket_width(i) - 1) / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max; /* unreachable while count matches the buckets */
}

double sb_hist_mean(const struct sb_hist *h)
{
    if (!h || h->count == 0)
        return 0;
    return h->sum / (double)h->count;
}

void sb_hist_merge(struct sb_hist *dst, const struct sb_hist *src)
{
    if (!dst || !src)
        return;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->saturated += src->saturated;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

void sb_hist_summary(const struct sb_hist *h, struct sb_latency *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    if (!h)
        return;
    out->count = h->count;
    out->mean_ns = sb_hist_mean(h);
    out->p50_ns = sb_hist_percentile(h, 50);
    out->p90_ns = sb_hist_percentile(h, 90);
    out->p99_ns = sb_hist_percentile(h, 99);
    out->p999_ns = sb_hist_percentile(h, 99.9);
    out->max_ns = sb_hist_percentile(h, 100);
}

/* ---- the .hist file ---------------------------------------------------------
 *
 *   serbench-hist 1
 *   layout sub_bits=7 max_bits=40
 *   run 12
 *   kind send count=C min=A max=B saturated=S sum=X buckets=K
 *   LOW COUNT                  K lines, LOW increasing: each non-empty bucket
 *   kind intended count=... buckets=K
 *   LOW COUNT
 *   end crc32=xxxxxxxx         CRC-32 (zlib's) of every byte before this line
 *
 * Unsigned decimals; sum as %.17g (a double read back exactly); min and max
 * 0 in an empty histogram.  Lines end with one LF.
 */

struct hw {
    FILE *f;
    uint32_t crc;
    int err;
};

__attribute__((format(printf, 2, 3))) static void hw_line(struct hw *w, const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        w->err = 1;
        return;
    }
    w->crc = sb_crc32(w->crc, line, (size_t)n);
    if (fwrite(line, 1, (size_t)n, w->f) != (size_t)n)
        w->err = 1;
}

static void hw_hist(struct hw *w, const char *kind, const struct sb_hist *h)
{
    unsigned nb = 0;
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++)
        nb += h->buckets[i] != 0;
    int empty = h->count == 0;
    hw_line(w, "kind %s count=%llu min=%llu max=%llu saturated=%llu sum=%.17g buckets=%u\n",
            kind, (unsigned long long)h->count, empty ? 0ull : (unsigned long long)h->min,
            empty ? 0ull : (unsigned long long)h->max, (unsigned long long)h->saturated,
            h->sum, nb);
    for (unsigned i = 0; i < SB_HIST_BUCKETS; i++)
        if (h->buckets[i])
            hw_line(w, "%llu %llu\n", (unsigned long long)sb_hist_bucket_low(i),
                    (unsigned long long)h->buckets[i]);
}

int sb_hist_file_write(FILE *f, unsigned long run, const struct sb_run_hists *h)
{
    if (!f || !h)
        return -1;
    struct hw w = {f, 0, 0};
    hw_line(&w, "serbench-hist %d\n", SB_HIST_FILE_VERSION);
    hw_line(&w, "layout sub_bits=%d max_bits=%d\n", SB_HIST_SUB_BITS, SB_HIST_MAX_BITS);
    hw_line(&w, "run %lu\n", run);
    hw_hist(&w, "send", &h->send);
    hw_hist(&w, "intended", &h->intended);
    if (fprintf(f, "end crc32=%08x\n", (unsigned)w.crc) < 0)
        w.err = 1;
    return w.err || ferror(f) ? -1 : 0;
}

/* The parser: a cursor over the text, the line it is on, and the error. */
struct hp {
    const char *p, *end; /* end: the start of the end line */
    unsigned line;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int hp_fail(struct hp *c, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        int n = snprintf(c->err, c->errlen, "line %u: ", c->line);
        if (n >= 0 && (size_t)n < c->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* Consumes the literal s. */
static int hp_lit(struct hp *c, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

/* An unsigned decimal without sign or overflow, at least one digit. */
static int hp_u64(struct hp *c, uint64_t *out)
{
    uint64_t v = 0;
    const char *s = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        c->p++;
    }
    if (c->p == s || c->p - s > 20)
        return -1;
    *out = v;
    return 0;
}

/* A finite, non-negative double as %.17g writes it. */
static int hp_double(struct hp *c, double *out)
{
    char tok[64];
    size_t n = 0;
    while (c->p + n < c->end && n < sizeof(tok) - 1 && c->p[n] &&
           strchr("0123456789.e+-", c->p[n]))
        n++;
    if (n == 0 || n == sizeof(tok) - 1)
        return -1;
    memcpy(tok, c->p, n);
    tok[n] = '\0';
    char *stop;
    double v = strtod(tok, &stop);
    if (stop != tok + n || !isfinite(v) || v < 0)
        return -1;
    c->p += n;
    *out = v;
    return 0;
}

/* The line's end: one LF, then the next line. */
static int hp_eol(struct hp *c)
{
    if (hp_lit(c, "\n") < 0)
        return -1;
    c->line++;
    return 0;
}

static int hp_hist(struct hp *c, const char *kind, struct sb_hist *h)
{
    sb_hist_reset(h);
    uint64_t count, min, max, sat, nb;
    double sum;
    char head[32];
    snprintf(head, sizeof(head), "kind %s count=", kind);
    if (hp_lit(c, head) < 0 || hp_u64(c, &count) < 0 || hp_lit(c, " min=") < 0 ||
        hp_u64(c, &min) < 0 || hp_lit(c, " max=") < 0 || hp_u64(c, &max) < 0 ||
        hp_lit(c, " saturated=") < 0 || hp_u64(c, &sat) < 0 || hp_lit(c, " sum=") < 0 ||
        hp_double(c, &sum) < 0 || hp_lit(c, " buckets=") < 0 || hp_u64(c, &nb) < 0 ||
        hp_eol(c) < 0)
        return hp_fail(c, "expected \"kind %s count=N min=N max=N saturated=N sum=X buckets=N\"",
                       kind);
    if (nb > SB_HIST_BUCKETS || (count == 0) != (nb == 0) || sat > count)
        return hp_fail(c, "%s: %llu buckets for %llu values (%llu saturated)", kind,
                       (unsigned long long)nb, (unsigned long long)count,
                       (unsigned long long)sat);
    uint64_t total = 0;
    int prev = -1, first = -1;
    for (uint64_t k = 0; k < nb; k++) {
        uint64_t low, n;
        if (hp_u64(c, &low) < 0 || hp_lit(c, " ") < 0 || hp_u64(c, &n) < 0 || hp_eol(c) < 0)
            return hp_fail(c, "%s: expected \"LOW COUNT\" (bucket %llu of %llu)", kind,
                           (unsigned long long)k + 1, (unsigned long long)nb);
        c->line--; /* report the bucket's own line below */
        if (low > SB_HIST_MAX || sb_hist_bucket_low(sb_hist_index(low)) != low)
            return hp_fail(c, "%s: %llu is not the low end of a bucket", kind,
                           (unsigned long long)low);
        int i = (int)sb_hist_index(low);
        if (i <= prev)
            return hp_fail(c, "%s: buckets out of order", kind);
        if (n == 0 || n > count - total)
            return hp_fail(c, "%s: bucket %llu holds %llu of %llu values", kind,
                           (unsigned long long)low, (unsigned long long)n,
                           (unsigned long long)count);
        c->line++;
        if (first < 0)
            first = i;
        prev = i;
        h->buckets[i] = n;
        total += n;
    }
    if (total != count)
        return hp_fail(c, "%s: buckets hold %llu values, count says %llu", kind,
                       (unsigned long long)total, (unsigned long long)count);
    if (count) {
        if (min > max || max > SB_HIST_MAX || (int)sb_hist_index(min) != first ||
            (int)sb_hist_index(max) != prev || (sat && max != SB_HIST_MAX))
            return hp_fail(c, "%s: min %llu or max %llu outside the first and last buckets",
                           kind, (unsigned long long)min, (unsigned long long)max);
        double lo = (double)min * (double)count, hi = (double)max * (double)count;
        if (sum < lo * (1 - 1e-9) || sum > hi * (1 + 1e-9))
            return hp_fail(c, "%s: sum %.17g is not %llu values in [%llu, %llu]", kind, sum,
                           (unsigned long long)count, (unsigned long long)min,
                           (unsigned long long)max);
        h->min = min;
        h->max = max;
    } else if (min || max || sum != 0) {
        return hp_fail(c, "%s: an empty histogram with min, max or sum", kind);
    }
    h->count = count;
    h->saturated = sat;
    h->sum = sum;
    return 0;
}

int sb_hist_file_parse(const char *text, size_t n, unsigned long *run, struct sb_run_hists *h,
                       char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    struct hp c = {text, text + n, 1, err, errlen};
    if (!text || !h || !run)
        return hp_fail(&c, "nothing to read");
    /* The check first: the last line, alone, covering everything before it. */
    static const char tail[] = "end crc32=";
    const size_t tail_len = sizeof(tail) - 1 + 8 + 1;
    const char *end = text + n - (n >= tail_len ? tail_len : n);
    if (n < tail_len || memcmp(end, tail, sizeof(tail) - 1) != 0 || text[n - 1] != '\n' ||
        (end > text && end[-1] != '\n'))
        return hp_fail(&c, "no \"end crc32=\" line at the end: truncated or not a .hist file");
    uint32_t want = 0;
    for (size_t i = sizeof(tail) - 1; i < tail_len - 1; i++) {
        char ch = end[i];
        unsigned d = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0')
                     : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a' + 10) : 16u;
        if (d > 15)
            return hp_fail(&c, "the end line's crc32 is not 8 lowercase hex digits");
        want = want << 4 | d;
    }
    uint32_t got = sb_crc32(0, text, (size_t)(end - text));
    if (got != want)
        return hp_fail(&c, "crc32 %08x of the file, %08x in its end line: damaged", (unsigned)got,
                       (unsigned)want);
    c.end = end;

    uint64_t ver, sub, maxb, r;
    if (hp_lit(&c, "serbench-hist ") < 0 || hp_u64(&c, &ver) < 0 || hp_eol(&c) < 0)
        return hp_fail(&c, "not a serbench .hist file");
    if (ver != SB_HIST_FILE_VERSION)
        return hp_fail(&c, "version %llu; this build reads version %d", (unsigned long long)ver,
                       SB_HIST_FILE_VERSION);
    if (hp_lit(&c, "layout sub_bits=") < 0 || hp_u64(&c, &sub) < 0 ||
        hp_lit(&c, " max_bits=") < 0 || hp_u64(&c, &maxb) < 0 || hp_eol(&c) < 0)
        return hp_fail(&c, "expected \"layout sub_bits=N max_bits=N\"");
    if (sub != SB_HIST_SUB_BITS || maxb != SB_HIST_MAX_BITS)
        return hp_fail(&c, "layout sub_bits=%llu max_bits=%llu; this build's is %d and %d",
                       (unsigned long long)sub, (unsigned long long)maxb, SB_HIST_SUB_BITS,
                       SB_HIST_MAX_BITS);
    if (hp_lit(&c, "run ") < 0 || hp_u64(&c, &r) < 0 || hp_eol(&c) < 0 || r > ULONG_MAX)
        return hp_fail(&c, "expected \"run N\"");
    if (hp_hist(&c, "send", &h->send) < 0 || hp_hist(&c, "intended", &h->intended) < 0)
        return -1;
    if (c.p != c.end)
        return hp_fail(&c, "unexpected text before the end line");
    *run = (unsigned long)r;
    return 0;
}

int sb_hist_file_read(const char *path, unsigned long *run, struct sb_run_hists *h, char *err,
                      size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(SB_HIST_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, SB_HIST_FILE_MAX + 1, f) : 0;
    int rc = -1;
    if (!buf)
        snprintf(err, errlen, "%s: out of memory", path);
    else if (ferror(f))
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    else if (n > SB_HIST_FILE_MAX)
        snprintf(err, errlen, "%s: larger than %u bytes: not a .hist file", path,
                 SB_HIST_FILE_MAX);
    else {
        char why[200];
        rc = sb_hist_file_parse(buf, n, run, h, why, sizeof(why));
        if (rc < 0)
            snprintf(err, errlen, "%s: %s", path, why);
    }
    free(buf);
    fclose(f);
    return rc;
}
