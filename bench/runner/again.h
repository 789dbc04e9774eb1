/*
 * again.h - running a result directory again (`serbench run --again DIR`):
 * what a suite writes for it, and the command rebuilt from it.
 */
#ifndef SB_AGAIN_H
#define SB_AGAIN_H

#include "diag.h"
#include "scenario.h"

#define SB_AGAIN_MAX_ARGS 128

/* DIR/scenarios/<name>.ini (resolved) and DIR/command.txt (argv, one a line). */
int sb_again_write(const char *dir, struct sb_scenario *const *sc, size_t nsc, int argc,
                   char **argv, struct sb_err *err);

/* The command of DIR, scenario paths pointing at DIR's resolved copies, -o dropped. */
struct sb_again {
    int argc;
    char *argv[SB_AGAIN_MAX_ARGS];
};
int sb_again_load(const char *dir, struct sb_again *a, struct sb_err *err);
void sb_again_free(struct sb_again *a);

#endif
