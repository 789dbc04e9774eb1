/*
 * csv.h - runs.csv: one row a run, a header and nothing else.
 *
 * One table of column descriptors (csv.c) drives the header, every row, and
 * the schema documentation (`serbench help csv`, results/README.md).
 * Adding a column is one line in that table; bump SB_CSV_SCHEMA_VERSION
 * when a column changes meaning or goes away.
 */
#ifndef SB_CSV_H
#define SB_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "matrix.h"
#include "run.h"

#define SB_CSV_SCHEMA_VERSION 2

/* Everything one row is made of. */
struct sb_run_hists;
struct sb_row {
    const struct sb_cell *cell;
    const struct sb_run_result *r;
    char started_utc[32]; /* 2025-01-31T12:34:56Z */
    /* The run's latency histograms (histogram.h) while the writers take the
     * new row; NULL otherwise, and when the run sent none. */
    const struct sb_run_hists *hists;
};

struct sb_column {
    const char *name;
    const char *unit; /* "" when it has none */
    const char *doc;
    int type;         /* how to read it (csv.c) */
    int src;          /* from the params, the result or the row (csv.c) */
    size_t off;
    void (*fmt)(const struct sb_row *row, char *buf, size_t len); /* computed columns */
};

size_t sb_csv_column_count(void);
const struct sb_column *sb_csv_column_at(size_t i);

/* "ok", "failed", "aborted", "skipped". */
const char *sb_status_name(int status);

/*
 * Appends s to out (cap bytes, at *at) as one CSV field: quoted when it
 * holds a comma, quote, CR, LF or edge spaces, with quotes doubled.
 * -1 if it does not fit.
 */
int sb_csv_field(const char *s, char *out, size_t cap, size_t *at);
/* The header line or one row, with the trailing newline.  -1 if cap is too small. */
int sb_csv_header(char *out, size_t cap);
int sb_csv_row(const struct sb_row *row, char *out, size_t cap);

/*
 * A job's definition hash (runs.csv job_hash): FNV-1a 64 over every cfg_
 * column as this row formats it, the job's seed and a replay table; not the
 * strategy, allocator, repeat, or an injected fault.
 */
uint64_t sb_job_hash(const struct sb_cell *cell);

/* The schema as a Markdown table, for results/README.md. */
void sb_csv_schema_markdown(FILE *out);

struct sb_csv {
    int fd;
    char path[4096];
};

/* Creates path with the header; each row is then one write + fsync. */
int sb_csv_open(struct sb_csv *c, const char *path, struct sb_err *err);
int sb_csv_append(struct sb_csv *c, const struct sb_row *row, struct sb_err *err);
void sb_csv_close(struct sb_csv *c);

#endif
