/*
 * runsread.h - runs.csv read back: what `serbench run` wrote, checked
 * (its header against this build's columns, its schema_version, no ragged
 * or torn row), so that reports derived from it (cells.csv, later compare
 * and history) work from any result directory, not only the suite that
 * made it.
 */
#ifndef SB_RUNSREAD_H
#define SB_RUNSREAD_H

#include <stddef.h>

#include "diag.h"

struct sb_runs {
    size_t ncols, nrows;
    char **name;   /* ncols column names */
    char ***cell;  /* nrows rows of ncols strings */
};

/* Reads path.  -1 with err (exit 2: "runs.csv:7: 95 fields, the header has 96"). */
int sb_runs_read(const char *path, struct sb_runs *out, struct sb_err *err);
void sb_runs_free(struct sb_runs *r);
/* The column named name, or -1. */
int sb_runs_col(const struct sb_runs *r, const char *name);
/* Row i's value in column c ("" when c < 0). */
const char *sb_runs_get(const struct sb_runs *r, size_t i, int c);

#endif
