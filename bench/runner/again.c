/*
 * again.c - a result directory that can be run again: the scenarios as
 * resolved (scenarios/<name>.ini) and the command line (command.txt, one
 * argument a line) are written beside runs.csv; `serbench run --again DIR`
 * rebuilds the command from them, the scenario paths replaced by the
 * resolved copies.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "again.h"

int sb_again_write(const char *dir, struct sb_scenario *const *sc, size_t nsc, int argc,
                   char **argv, struct sb_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/scenarios", dir);
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", path, strerror(errno));
    for (size_t i = 0; i < nsc; i++) {
        snprintf(path, sizeof(path), "%s/scenarios/%s.ini", dir, sc[i]->name);
        FILE *f = fopen(path, "w");
        int bad = !f || sb_scenario_write_resolved(sc[i], f) < 0;
        if ((f && fclose(f) != 0) || bad)
            return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write", path);
    }
    snprintf(path, sizeof(path), "%s/command.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", path, strerror(errno));
    for (int i = 0; i < argc; i++)
        fprintf(f, "%s\n", argv[i]);
    return fclose(f) == 0 ? 0 : sb_errf(err, SB_EXIT_FAILED, "%s: cannot write", path);
}

/* Options of `serbench run` that take a value (the next argument). */
static int takes_value(const char *a)
{
    static const char *const with[] = {"-o", "--output", "-f", "--filter", "-r", "--repeat"};
    for (size_t i = 0; i < sizeof(with) / sizeof(with[0]); i++)
        if (strcmp(a, with[i]) == 0)
            return 1;
    return 0;
}

static int is_output(const char *a)
{
    return strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 || strncmp(a, "--output=", 9) == 0;
}

/* The scenario name of a path: its file name without .ini (as scenario.c). */
static void name_of(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
        n -= 4;
    snprintf(out, len, "%.*s", (int)n, base);
}

/* One argument of command.txt into the new command (scenario paths replaced). */
static int add_arg(struct sb_again *a, const char *dir, const char *arg, int positional)
{
    if (a->argc + 1 >= SB_AGAIN_MAX_ARGS)
        return -1;
    char name[PATH_MAX], path[PATH_MAX + 64];
    if (positional) {
        name_of(arg, name, sizeof(name));
        snprintf(path, sizeof(path), "%s/scenarios/%s.ini", dir, name);
        arg = path;
    }
    a->argv[a->argc] = strdup(arg);
    return a->argv[a->argc++] ? 0 : -1;
}

int sb_again_load(const char *dir, struct sb_again *a, struct sb_err *err)
{
    memset(a, 0, sizeof(*a));
    char path[PATH_MAX], line[4096];
    snprintf(path, sizeof(path), "%s/command.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return sb_errf(err, SB_EXIT_USAGE,
                       "--again %s: no command.txt there (not a result directory of this "
                       "serbench): %s", dir, strerror(errno));
    int skip = 0, value = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (a->argc == 0 && !skip) { /* argv[0]: the command's name */
            rc = add_arg(a, dir, line, 0);
            continue;
        }
        if (skip) { /* the value of -o: the new run goes elsewhere */
            skip = 0;
            continue;
        }
        if (is_output(line)) {
            skip = strchr(line, '=') == NULL;
            continue;
        }
        int positional = !value && line[0] != '-';
        value = !value && takes_value(line);
        rc = add_arg(a, dir, line, positional);
    }
    fclose(f);
    if (rc < 0 || a->argc < 2) {
        sb_again_free(a);
        return sb_errf(err, SB_EXIT_USAGE, "%s: damaged (no scenario in it)", path);
    }
    return 0;
}

void sb_again_free(struct sb_again *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
    memset(a, 0, sizeof(*a));
}
