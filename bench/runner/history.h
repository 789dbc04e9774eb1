/*
 * history.h - every suite kept: results/history.sqlite (libsqlite3).
 *
 * Each suite is appended in one transaction (BEGIN IMMEDIATE ... COMMIT) in
 * WAL mode, so a writer killed at any point leaves the file valid and
 * holding whole suites only: SQLite rolls the unfinished one back the next
 * time the file is opened.  Its runs are kept, every runs.csv column (so
 * statistics can be recomputed later), with its env.json, keyed by git
 * commit, branch, time, scenario hash and environment hash (resultdir.h).
 * A suite's uid is a hash of its runs.csv and env.json: importing the same
 * directory twice, from anywhere, adds it once.
 *
 * The schema (README.md "Plots, the page and the history" shows it, and
 * how the same tables serve a team from PostgreSQL) is versioned with
 * PRAGMA user_version and marked with PRAGMA application_id, so a foreign
 * SQLite file or a newer schema is refused, not written into.
 *
 * Bad input is one line and exit 2: not an SQLite file, damaged, another
 * application's database, a newer schema, a result directory of another
 * schema version, an unknown metric.  A database locked by another writer
 * is waited for (SERBENCH_HISTORY_TIMEOUT seconds, default 30), saying so
 * once; then exit 1.
 */
#ifndef SB_HISTORY_H
#define SB_HISTORY_H

#include <stddef.h>

#include "diag.h"
#include "runsread.h"

#define SB_HISTORY_SCHEMA 1
#define SB_HISTORY_APP_ID 0x53426873 /* "SBhs" */
#define SB_HISTORY_DEFAULT "results/history.sqlite"
#define SB_HISTORY_TIMEOUT_S 30

struct sb_history;

/*
 * The file to use: given (--history PATH), else $SERBENCH_HISTORY, else
 * SB_HISTORY_DEFAULT.  NULL when the choice is "off" (no history kept).
 */
const char *sb_history_path(const char *given);

enum sb_history_mode {
    SB_HISTORY_READ,  /* the file must exist */
    SB_HISTORY_WRITE, /* created with the schema when missing or empty */
};

/* -1 with err (exit 2 for bad files, 1 for I/O and a lock that did not clear). */
int sb_history_open(const char *path, enum sb_history_mode mode, struct sb_history **out,
                    struct sb_err *err);
void sb_history_close(struct sb_history *h);

/*
 * Appends the result directory dir (runs.csv, env.json, scenarios/) as one
 * suite.  1 when added, 0 when it was already there; *id gets its id
 * either way (may be NULL).  -1 with err, nothing written.
 */
int sb_history_add(struct sb_history *h, const char *dir, long long *id, struct sb_err *err);

/* A metric a trend follows. */
struct sb_hmetric {
    char name[64];
    const char *unit;   /* "MB/s", "ns", ... ("" when the column has none) */
    int better;         /* +1 higher is better, -1 lower, 0 not known */
    char expr[160];     /* its SQL over runs r */
};
/* The named metric: cells.csv's (mb_per_s, mb_per_cpu_s, ...) or any numeric runs.csv column. */
int sb_history_metric(const char *name, struct sb_hmetric *out, struct sb_err *err);
/* The cells.csv metrics' names, comma separated, for messages. */
const char *sb_history_metric_names(void);

/* Shell globs over the keys (NULL: any). */
struct sb_hfilter {
    const char *scenario, *job, *strategy, *allocator, *transport, *env, *branch;
};

/* One commit's runs of a cell in one environment. */
struct sb_hpoint {
    char commit[64];     /* the git commit ("unknown": one point a suite) */
    int dirty;           /* built from a tree with uncommitted changes */
    char branch[128];
    char when[32];       /* the commit's time, or its first suite's when unknown */
    size_t suites, runs; /* ok runs that were not starved */
    double median, lo, hi, coverage; /* order-statistic interval of the median (stats.h) */
    int change;          /* a change point starts here (changepoint.h) */
    double before, rel;  /* the level before it, and after / before - 1 */
};

/* A cell in one environment, over commits, oldest first. */
struct sb_hseries {
    char scenario[64], job[64], strategy[64], allocator[64], transport[32], peer[32];
    char env_hash[17];
    struct sb_hpoint *pts;
    size_t n;
};

int sb_history_trends(struct sb_history *h, const struct sb_hfilter *f,
                      const struct sb_hmetric *m, struct sb_hseries **out, size_t *n,
                      struct sb_err *err);
void sb_history_trends_free(struct sb_hseries *s, size_t n);

/* One suite, as `serbench history suites` lists it. */
struct sb_hsuite {
    long long id;
    char created_utc[32], commit[64], branch[128], scenario[256], env_hash[17], host[128];
    char source[512];
    long nruns;
};
int sb_history_suites(struct sb_history *h, const struct sb_hfilter *f, struct sb_hsuite **out,
                      size_t *n, struct sb_err *err);

/*
 * The baseline of `serbench compare history:N`: the runs of the last `last`
 * suites with this environment hash and scenario (the suite's name, as
 * resultdir.h reads it), newest first, leaving out the suite uid skip (the
 * new one itself, when it is already in the history; NULL for none).  Every
 * runs.csv column, this build's header, as sb_runs_read gives it.  The
 * suites used into *nsuites.  0 suites is not an error.
 */
int sb_history_baseline(struct sb_history *h, const char *env_hash, const char *scenario,
                        const char *skip, size_t last, struct sb_runs *out, size_t *nsuites,
                        struct sb_err *err);
/*
 * The same baseline for the result directory newdir, written as a result
 * directory outdir (runs.csv, env.json of the newest suite used,
 * baseline.txt naming the suites) that anything reading result directories
 * (cells, plots, compare) takes.  -1 with err when no suite matches.
 */
int sb_history_baseline_dir(struct sb_history *h, const char *newdir, size_t last,
                            const char *outdir, struct sb_err *err);

#endif
