/* sbt_env.c - the environment knobs of the strategy test suites. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbt.h"

uint64_t sbt_env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    if (!s || !*s)
        return dflt;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || *s == '-') {
        fprintf(stderr, "%s=%s: not an unsigned number\n", name, s);
        exit(2);
    }
    return v;
}

int sbt_strategy_selected(const char *name)
{
    const char *list = getenv("SERBENCH_STRATEGY");
    if (!list || !*list)
        return 1;
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        p += n + (comma != NULL);
    }
    return 0;
}
