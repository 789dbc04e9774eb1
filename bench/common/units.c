/*
 * units.c - number + suffix parsing for scenario values.
 *
 * Numbers are scanned by hand rather than with strtod/strtoull because those
 * accept what a scenario should not ("inf", "0x1p3", leading signs and
 * spaces, "1e9"), and strtod would lose exactness on large byte counts.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

struct suffix {
    const char *s;
    double mult;
};

/*
 * [0-9]+(.[0-9]+)? at s: the integer part exactly in *ip, the value with its
 * fraction in *val.  Returns the first byte after the number, or NULL.
 */
static const char *scan_number(const char *s, uint64_t *ip, double *val, int *has_frac)
{
    const char *p = s;
    uint64_t v = 0;
    if (*p < '0' || *p > '9')
        return NULL;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return NULL;
        v = v * 10 + d;
    }
    double f = (double)v;
    *has_frac = 0;
    if (*p == '.') {
        double scale = 0.1;
        p++;
        if (*p < '0' || *p > '9')
            return NULL;
        for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
            f += (*p - '0') * scale;
        *has_frac = 1;
    }
    *ip = v;
    *val = f;
    return p;
}

static const struct suffix *find_suffix(const struct suffix *t, const char *s)
{
    for (; t->s; t++)
        if (strcmp(t->s, s) == 0)
            return t;
    return NULL;
}

/* number * suffix multiplier as an exact uint64 (fractions round to nearest). */
static int parse_scaled(const char *s, const struct suffix *t, uint64_t *out)
{
    uint64_t ip;
    double val;
    int frac;
    const char *end = s ? scan_number(s, &ip, &val, &frac) : NULL;
    if (!end)
        return -1;
    const struct suffix *sx = find_suffix(t, end);
    if (!sx)
        return -1;
    uint64_t m = (uint64_t)sx->mult;
    if (!frac) {
        if (m && ip > UINT64_MAX / m)
            return -1;
        *out = ip * m;
        return 0;
    }
    double r = nearbyint(val * sx->mult);
    if (!(r < 18446744073709551616.0))
        return -1;
    *out = (uint64_t)r;
    return 0;
}

int sb_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !out)
        return -1;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        uint64_t v = 0;
        const char *p = s + 2;
        if (!*p)
            return -1;
        for (; *p; p++) {
            unsigned d;
            if (*p >= '0' && *p <= '9') d = (unsigned)(*p - '0');
            else if (*p >= 'a' && *p <= 'f') d = (unsigned)(*p - 'a' + 10);
            else if (*p >= 'A' && *p <= 'F') d = (unsigned)(*p - 'A' + 10);
            else return -1;
            if (v >> 60)
                return -1;
            v = v << 4 | d;
        }
        *out = v;
        return 0;
    }
    static const struct suffix plain[] = {{"", 1}, {NULL, 0}};
    uint64_t ip;
    double val;
    int frac;
    const char *end = scan_number(s, &ip, &val, &frac);
    if (!end || frac || !find_suffix(plain, end))
        return -1;
    *out = ip;
    return 0;
}

int sb_parse_count(const char *s, uint64_t *out)
{
    static const struct suffix t[] = {
        {"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {NULL, 0}};
    return out ? parse_scaled(s, t, out) : -1;
}

int sb_parse_size(const char *s, uint64_t *out)
{
    static const struct suffix t[] = {
        {"", 1}, {"B", 1},
        {"k", 1024.0}, {"K", 1024.0}, {"KiB", 1024.0},
        {"M", 1048576.0}, {"MiB", 1048576.0},
        {"G", 1073741824.0}, {"GiB", 1073741824.0},
        {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9},
        {NULL, 0}};
    return out ? parse_scaled(s, t, out) : -1;
}

int sb_parse_duration(const char *s, uint64_t *ns)
{
    static const struct suffix t[] = {
        {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9},
        {"m", 60e9}, {"min", 60e9}, {"h", 3600e9}, {NULL, 0}};
    if (!ns || !s)
        return -1;
    if (strcmp(s, "0") == 0) {
        *ns = 0;
        return 0;
    }
    return parse_scaled(s, t, ns);
}

int sb_parse_rate(const char *s, double *per_s)
{
    static const struct suffix mult[] = {
        {"", 1}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {NULL, 0}};
    static const struct suffix per[] = {
        {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"min", 60}, {NULL, 0}};
    if (!s || !per_s)
        return -1;
    if (strcmp(s, "max") == 0) {
        *per_s = 0;
        return 0;
    }
    const char *slash = strchr(s, '/');
    if (!slash)
        return -1;
    const struct suffix *unit = find_suffix(per, slash + 1);
    if (!unit)
        return -1;
    char num[64];
    size_t n = (size_t)(slash - s);
    if (n >= sizeof(num))
        return -1;
    memcpy(num, s, n);
    num[n] = '\0';
    uint64_t ip;
    double val;
    int frac;
    const char *end = scan_number(num, &ip, &val, &frac);
    const struct suffix *m = end ? find_suffix(mult, end) : NULL;
    if (!m)
        return -1;
    double r = val * m->mult / unit->mult;
    if (!(r > 0) || !isfinite(r))
        return -1;
    *per_s = r;
    return 0;
}

void sb_format_duration(uint64_t ns, char *buf, size_t len)
{
    static const struct { const char *s; double v; } u[] = {
        {"h", 3600e9}, {"m", 60e9}, {"s", 1e9}, {"ms", 1e6}, {"us", 1e3}};
    for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
        if ((double)ns >= u[i].v) {
            snprintf(buf, len, "%.4g%s", (double)ns / u[i].v, u[i].s);
            return;
        }
    snprintf(buf, len, "%lluns", (unsigned long long)ns);
}

void sb_format_size(uint64_t bytes, char *buf, size_t len)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t i = 0;
    while (v >= 1024 && i + 1 < sizeof(u) / sizeof(u[0])) {
        v /= 1024;
        i++;
    }
    snprintf(buf, len, "%.4g%s", v, u[i]);
}

void sb_format_rate(double per_s, char *buf, size_t len)
{
    if (per_s <= 0)
        snprintf(buf, len, "max");
    else
        snprintf(buf, len, "%.6g/s", per_s);
}

void sb_format_ns(double ns, char *buf, size_t len)
{
    if (ns <= 0)
        snprintf(buf, len, "-");
    else if (ns < 1e3)
        snprintf(buf, len, "%.0f ns", ns);
    else if (ns < 1e6)
        snprintf(buf, len, "%.3g us", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, len, "%.3g ms", ns / 1e6);
    else
        snprintf(buf, len, "%.3g s", ns / 1e9);
}

void sb_format_hms(double s, char *buf, size_t len)
{
    unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, len, "%luh%02lum", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, len, "%lum%02lus", t / 60, t % 60);
    else
        snprintf(buf, len, "%lus", t);
}
