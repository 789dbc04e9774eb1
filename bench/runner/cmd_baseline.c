/*
 * cmd_baseline.c - `serbench baseline save NAME DIR` and `baseline list`:
 * named results kept in results/baselines/NAME/ (in git), which compare
 * and gate read as baseline:NAME.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "compare.h"
#include "runsread.h"

#define BASELINES "results/baselines"

static int valid_name(const char *n)
{
    if (!*n || *n == '.' || strlen(n) > 64)
        return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return 0;
    return 1;
}

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    if (in >= 0)
        out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (in >= 0 && out >= 0) {
        char buf[65536];
        ssize_t n;
        rc = 0;
        while ((n = read(in, buf, sizeof(buf))) > 0)
            if (write(out, buf, (size_t)n) != n) {
                rc = -1;
                break;
            }
        if (n < 0 || fsync(out) < 0)
            rc = -1;
    }
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) < 0)
        rc = -1;
    return rc;
}

/* Copies the regular files and directories under from into to (created). */
static int copy_tree(const char *from, const char *to)
{
    if (mkdir(to, 0755) < 0)
        return -1;
    DIR *d = opendir(from);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char a[PATH_MAX], b[PATH_MAX];
        if ((size_t)snprintf(a, sizeof(a), "%s/%s", from, e->d_name) >= sizeof(a) ||
            (size_t)snprintf(b, sizeof(b), "%s/%s", to, e->d_name) >= sizeof(b)) {
            rc = -1;
            break;
        }
        struct stat st;
        if (lstat(a, &st) < 0)
            rc = -1;
        else if (S_ISDIR(st.st_mode))
            rc = copy_tree(a, b);
        else if (S_ISREG(st.st_mode))
            rc = copy_file(a, b);
        /* links and the rest are not part of a result */
    }
    closedir(d);
    return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int rm_tree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int fail(int code, const char *fmt, const char *a, const char *b)
{
    fputs("serbench baseline: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return code;
}

static int save(const char *name, const char *dir, int force)
{
    if (!valid_name(name))
        return fail(SB_EXIT_USAGE, "'%s': a baseline name is letters, digits, '-', '_' and '.'%s",
                    name, ", not starting with '.'");
    char runs[PATH_MAX];
    snprintf(runs, sizeof(runs), "%s/runs.csv", dir);
    struct sb_runs r;
    struct sb_err err = {0};
    if (sb_runs_read(runs, &r, &err) < 0)
        return fail(SB_EXIT_USAGE, "%s%s (not a result directory to keep)", err.msg, "");
    int ic = sb_runs_col(&r, "inject");
    int injected = 0;
    for (size_t i = 0; i < r.nrows && ic >= 0; i++)
        injected |= *sb_runs_get(&r, i, ic) != '\0';
    size_t rows = r.nrows;
    sb_runs_free(&r);
    if (injected)
        return fail(SB_EXIT_USAGE,
                    "%s was made with serbench run --inject (faults injected to validate a "
                    "gate): never a baseline%s",
                    dir, "");
    if (rows == 0)
        return fail(SB_EXIT_USAGE, "%s/runs.csv has no run%s", dir, "");
    char env[PATH_MAX];
    snprintf(env, sizeof(env), "%s/env.json", dir);
    if (access(env, R_OK) < 0)
        return fail(SB_EXIT_USAGE, "%s has no env.json: a baseline must say where it was made%s",
                    dir, "");
    char target[PATH_MAX], tmp[PATH_MAX], old[PATH_MAX];
    snprintf(target, sizeof(target), BASELINES "/%s", name);
    snprintf(tmp, sizeof(tmp), BASELINES "/.%s.new", name);
    snprintf(old, sizeof(old), BASELINES "/.%s.old", name);
    struct stat st;
    int exists = stat(target, &st) == 0;
    if (exists && !force)
        return fail(SB_EXIT_USAGE, "%s already exists (--force replaces it)%s", target, "");
    mkdir("results", 0755);
    mkdir(BASELINES, 0755);
    rm_tree(tmp);
    if (copy_tree(dir, tmp) < 0) {
        int e = errno;
        rm_tree(tmp);
        return fail(SB_EXIT_FAILED, "cannot copy into %s: %s", tmp, strerror(e));
    }
    /* the new one in place first, then the old one gone: never neither */
    rm_tree(old);
    if ((exists && rename(target, old) < 0) || rename(tmp, target) < 0) {
        int e = errno;
        rm_tree(tmp);
        return fail(SB_EXIT_FAILED, "cannot put %s in place: %s", target, strerror(e));
    }
    if (exists)
        rm_tree(old);
    fprintf(stderr, "serbench baseline: saved %s as %s (compare and gate read it as baseline:%s)\n",
            dir, target, name);
    return SB_EXIT_OK;
}

static int list(void)
{
    DIR *d = opendir(BASELINES);
    if (!d) {
        fprintf(stderr, "serbench baseline: no baselines (no %s/ here)\n", BASELINES);
        return SB_EXIT_OK;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            printf("%s\n", e->d_name);
    closedir(d);
    return SB_EXIT_OK;
}

static int baseline_main(int argc, char **argv)
{
    int force = 0, n = 0;
    const char *args[3] = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0)
            force = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s\n\n%s", sb_cmd_baseline.usage, sb_cmd_baseline.help);
            return SB_EXIT_OK;
        } else if (argv[i][0] == '-')
            return fail(SB_EXIT_USAGE, "unknown option '%s'%s (serbench help baseline)", argv[i], "");
        else if (n < 3)
            args[n++] = argv[i];
        else
            return fail(SB_EXIT_USAGE, "too many arguments%s%s (serbench help baseline)", "", "");
    }
    if (n == 1 && strcmp(args[0], "list") == 0)
        return list();
    if (n == 3 && strcmp(args[0], "save") == 0)
        return save(args[1], args[2], force);
    return fail(SB_EXIT_USAGE, "expected 'save NAME DIR' or 'list'%s%s (serbench help baseline)",
                "", "");
}

const struct sb_command sb_cmd_baseline = {
    .name = "baseline",
    .usage = "serbench baseline save NAME DIR [--force] | serbench baseline list",
    .summary = "keep a result as results/baselines/NAME (compare and gate read baseline:NAME)",
    .help =
        "save NAME DIR   copies the result directory DIR (runs.csv, env.json and the rest)\n"
        "                to results/baselines/NAME/, which is kept in git.  Refuses to\n"
        "                replace an existing baseline without --force, a directory that is\n"
        "                not a valid result (runs.csv read strictly, env.json present), and\n"
        "                a result made with serbench run --inject.\n"
        "list            the saved baselines.\n"
        "\n"
        "Refresh policy (README, Comparing and gating): CI saves a baseline from main on\n"
        "each merge, on the same runner kind it gates on; a baseline from another\n"
        "machine is refused by compare (env_hash).\n"
        "\n"
        "Exit codes: 0 saved; 1 could not write; 2 bad input (a bad name, an existing\n"
        "baseline without --force, an invalid or injected result).\n",
    .main = baseline_main,
};
