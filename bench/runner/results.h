/*
 * results.h - the output directory and the files in it besides runs.csv:
 * env.json (the machine and the software the results came from) and
 * summary.md (the table a person reads).
 */
#ifndef SB_RESULTS_H
#define SB_RESULTS_H

#include <stddef.h>
#include <stdio.h>

#include "csv.h"
#include "diag.h"
#include "scenario.h"

/*
 * Creates the directory for a suite's files: `given` (made if missing; it
 * must not already hold a runs.csv), or results/<UTC stamp>-<name> under
 * the current directory.  The path goes into out.
 */
int sb_outdir_create(const char *given, const char *name, char *out, size_t len,
                     struct sb_err *err);
/* Points results/latest at dir (a sibling in results/), atomically. */
int sb_outdir_link_latest(const char *dir, struct sb_err *err);
/* "2025-01-31T12:34:56Z" (iso != 0) or "20250131T123456Z". */
void sb_utc_stamp(char *buf, size_t len, int iso);

struct sb_env_opts {
    int argc;
    char **argv;                 /* the command line, recorded as run */
    struct sb_scenario *const *sc;
    size_t nsc;
    const char *inject;          /* serbench run --inject, as formatted; NULL or "" = none */
};

/* Writes env.json at path (through a temporary file and rename). */
int sb_env_write(const char *path, const struct sb_env_opts *o, struct sb_err *err);
/* Writes s as a JSON string literal, quotes included. */
void sb_json_string(FILE *out, const char *s);

/*
 * Writes summary.md at path (temporary file and rename) from the rows so
 * far; if also is not NULL the same text goes there too.
 */
int sb_summary_write(const char *path, const struct sb_row *rows, size_t n, size_t planned,
                     FILE *also, struct sb_err *err);
/* The summary text alone. */
void sb_summary_print(FILE *out, const struct sb_row *rows, size_t n, size_t planned);

#endif
