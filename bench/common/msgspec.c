/* msgspec.c - parsing the `message` key, and reading replay files. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "msgsize.h"
#include "msgspec.h"
#include "fileio.h"
#include "units.h"

static int size_in_range(const char *s, uint32_t *out)
{
    uint64_t v;
    if (sb_parse_size(s, &v) < 0 || v == 0 || v > SB_FRAME_MAX_PAYLOAD)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_uniform(const char *a, struct sb_msg_spec *m, char *why, size_t len)
{
    char lo[64], hi[64];
    const char *dash = strchr(a, '-');
    if (!dash || (size_t)(dash - a) >= sizeof(lo) || strlen(dash + 1) >= sizeof(hi)) {
        snprintf(why, len, "uniform needs LO-HI");
        return -1;
    }
    snprintf(lo, sizeof(lo), "%.*s", (int)(dash - a), a);
    snprintf(hi, sizeof(hi), "%s", dash + 1);
    if (size_in_range(lo, &m->lo) < 0 || size_in_range(hi, &m->hi) < 0) {
        snprintf(why, len, "sizes must be 1 B to 16 MiB");
        return -1;
    }
    if (m->lo > m->hi) {
        snprintf(why, len, "LO %u is above HI %u", m->lo, m->hi);
        return -1;
    }
    m->kind = SB_MSG_UNIFORM;
    return 0;
}

static int parse_lognormal(const char *a, struct sb_msg_spec *m, char *why, size_t len)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", a);
    int have = 0;
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        uint64_t v;
        if (!eq) {
            snprintf(why, len, "'%s' is not NAME=VALUE", kv);
            return -1;
        }
        *eq++ = '\0';
        if (sb_parse_size(eq, &v) < 0 || v > SB_FRAME_MAX_PAYLOAD) {
            snprintf(why, len, "%s=%s is not a size up to 16 MiB", kv, eq);
            return -1;
        }
        if (strcmp(kv, "mean") == 0) { m->mean = (double)v; have |= 1; }
        else if (strcmp(kv, "sd") == 0) { m->sd = (double)v; have |= 2; }
        else if (strcmp(kv, "max") == 0) { m->max = (uint32_t)v; have |= 4; }
        else {
            snprintf(why, len, "unknown lognormal parameter '%s' (mean, sd, max)", kv);
            return -1;
        }
    }
    if (have != 7 || m->mean < 1 || m->max < 1) {
        snprintf(why, len, "lognormal needs mean, sd and max, mean and max at least 1");
        return -1;
    }
    if (m->mean > m->max) {
        snprintf(why, len, "mean %.0f is above max %u", m->mean, m->max);
        return -1;
    }
    m->kind = SB_MSG_LOGNORMAL;
    m->lo = 1;
    m->hi = m->max;
    return 0;
}

static int parse_replay(const char *file, const char *relto, struct sb_msg_spec *m,
                        uint32_t **owned, char *why, size_t len)
{
    char path[PATH_MAX];
    const char *slash = strrchr(relto ? relto : "", '/');
    if (file[0] == '/' || !slash)
        snprintf(path, sizeof(path), "%s", file);
    else
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - relto), relto, file);
    const char *reason;
    FILE *f = sb_fopen_regular(path, &reason);
    if (!f) {
        snprintf(why, len, "cannot read %s: %s", path, reason);
        return -1;
    }
    uint32_t *sizes = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    char *line = NULL;
    size_t lcap = 0;
    int rc = 0;
    while (getline(&line, &lcap, f) >= 0) {
        lineno++;
        char *s = line + strspn(line, " \t");
        s[strcspn(s, "#\r\n")] = '\0';
        size_t e = strlen(s);
        while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
            s[--e] = '\0';
        if (!*s)
            continue;
        uint32_t v;
        if (size_in_range(s, &v) < 0) {
            snprintf(why, len, "%s:%zu: '%s' is not a size from 1 B to 16 MiB", path, lineno, s);
            rc = -1;
            break;
        }
        if (n == SB_REPLAY_MAX) {
            snprintf(why, len, "%s: more than %u sizes", path, SB_REPLAY_MAX);
            rc = -1;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            uint32_t *ns = realloc(sizes, ncap * sizeof(*ns));
            if (!ns) {
                snprintf(why, len, "%s: out of memory", path);
                rc = -1;
                break;
            }
            sizes = ns;
            cap = ncap;
        }
        sizes[n++] = v;
    }
    free(line);
    fclose(f);
    if (rc == 0 && n == 0) {
        snprintf(why, len, "%s holds no sizes", path);
        rc = -1;
    }
    if (rc < 0) {
        free(sizes);
        return -1;
    }
    m->kind = SB_MSG_REPLAY;
    m->sizes = sizes;
    m->nsizes = n;
    m->lo = UINT32_MAX;
    m->hi = 0;
    for (size_t i = 0; i < n; i++) {
        m->lo = sizes[i] < m->lo ? sizes[i] : m->lo;
        m->hi = sizes[i] > m->hi ? sizes[i] : m->hi;
    }
    *owned = sizes;
    return 0;
}

int sb_msgspec_parse(const char *value, const char *relto, struct sb_msg_spec *out,
                     uint32_t **owned, char *why, size_t len)
{
    struct sb_msg_spec m = {0};
    const char *colon = strchr(value, ':');
    *owned = NULL;
    why[0] = '\0';
    if (!colon)
        return -1;
    size_t k = (size_t)(colon - value);
    const char *a = colon + 1;
    int rc;
    if (k == 5 && strncmp(value, "fixed", 5) == 0) {
        rc = size_in_range(a, &m.lo);
        if (rc < 0)
            snprintf(why, len, "the size must be 1 B to 16 MiB");
        m.hi = m.lo;
        m.kind = SB_MSG_FIXED;
    } else if (k == 7 && strncmp(value, "uniform", 7) == 0) {
        rc = parse_uniform(a, &m, why, len);
    } else if (k == 9 && strncmp(value, "lognormal", 9) == 0) {
        rc = parse_lognormal(a, &m, why, len);
    } else if (k == 6 && strncmp(value, "replay", 6) == 0) {
        rc = *a ? parse_replay(a, relto, &m, owned, why, len) : -1;
    } else {
        snprintf(why, len, "unknown distribution '%.*s'", (int)k, value);
        rc = -1;
    }
    /* the workload's own check has the last word on what it can run */
    if (rc == 0 && sb_msg_spec_check(&m) != SBUF_OK) {
        snprintf(why, len, "the workload refuses this distribution");
        rc = -1;
    }
    if (rc == 0)
        *out = m;
    else {
        free(*owned);
        *owned = NULL;
    }
    return rc;
}
