/* outdir.c - results/<stamp>-<name>/, and results/latest. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "results.h"

void sb_utc_stamp(char *buf, size_t len, int iso)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y%m%dT%H%M%SZ", &tm);
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int sb_outdir_create(const char *given, const char *name, char *out, size_t len,
                     struct sb_err *err)
{
    if (given) {
        char csv[PATH_MAX];
        if ((size_t)snprintf(out, len, "%s", given) >= len)
            return sb_errf(err, SB_EXIT_USAGE, "-o %s: path too long", given);
        if (make_dirs(given) < 0)
            return sb_errf(err, SB_EXIT_USAGE, "-o %s: %s", given, strerror(errno));
        snprintf(csv, sizeof(csv), "%s/runs.csv", given);
        if (access(csv, F_OK) == 0)
            return sb_errf(err, SB_EXIT_USAGE,
                           "-o %s: already holds a runs.csv; choose a new directory", given);
        return 0;
    }
    char stamp[32];
    sb_utc_stamp(stamp, sizeof(stamp), 0);
    if (make_dirs("results") < 0)
        return sb_errf(err, SB_EXIT_USAGE, "results/: %s", strerror(errno));
    /* Two suites started in the same second get -2, -3, ... */
    for (int i = 1; i < 1000; i++) {
        int n = i == 1 ? snprintf(out, len, "results/%s-%s", stamp, name)
                       : snprintf(out, len, "results/%s-%s-%d", stamp, name, i);
        if (n < 0 || (size_t)n >= len)
            return sb_errf(err, SB_EXIT_USAGE, "results directory name too long");
        if (mkdir(out, 0755) == 0)
            return 0;
        if (errno != EEXIST)
            return sb_errf(err, SB_EXIT_USAGE, "%s: %s", out, strerror(errno));
    }
    return sb_errf(err, SB_EXIT_USAGE, "results/%s-%s: too many suites in one second", stamp, name);
}

int sb_outdir_link_latest(const char *dir, struct sb_err *err)
{
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "results/.latest.%ld", (long)getpid());
    unlink(tmp);
    /* symlink + rename replaces the old link in one step: a reader never
     * finds results/latest missing */
    if (symlink(base, tmp) < 0 || rename(tmp, "results/latest") < 0) {
        unlink(tmp);
        return sb_errf(err, SB_EXIT_FAILED, "results/latest: %s", strerror(errno));
    }
    return 0;
}
