/*
 * scenario.h - scenario files: INI job files in the spirit of fio's.
 *
 * A file holds a [global] section and job sections.  Every key set in
 * [global] is inherited by the jobs that follow it; a job's own keys win.
 * scenarios/README.md documents every key (generated from the key table in
 * scenario_keys.c: `serbench help scenario`).
 */
#ifndef SB_SCENARIO_H
#define SB_SCENARIO_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "opt.h"
#include "run.h"
#include "sbuf/plugin.h"

#define SB_MAX_LIST 32 /* strategies or allocators in one job */
#define SB_MAX_KEYS 96 /* keys in the table (runner's, transports', peers') */
#define SB_MAX_SWEEP 24 /* rates of one rate = sweep:... */
#define SB_MAX_PLUGINS 16 /* plugin files in one scenario */

/*
 * A plugin a scenario names (strategies = plugin:PATH[:NAME]).  The parser
 * only records it; before the matrix is built the runner probes it in a
 * child process (plugins.h), which fills the rest.
 */
struct sb_plugin_ref {
    char path[PATH_MAX];       /* absolute: a relative PATH is relative to the file naming it */
    char where[PATH_MAX + 16]; /* "file:line" that first names it, for messages */
    int probed;
    char sha256[65];
    size_t nnames; /* the strategies it exports, in its order */
    char names[SBUF_PLUGIN_MAX_STRATEGIES][SB_NAME_MAX];
    unsigned caps[SBUF_PLUGIN_MAX_STRATEGIES];
};

struct sb_job {
    char name[SB_NAME_MAX];
    char file[PATH_MAX]; /* where its [section] header is */
    unsigned line;
    char description[256];

    /* Everything the run needs except the matrix coordinates (strategy,
     * allocator, repeat, seed), which matrix.c fills per cell. */
    struct sb_run_params base;
    char message_text[128]; /* the `message` value as written, for reports */

    char strategies[SB_MAX_LIST][SB_NAME_MAX];
    size_t nstrategies;
    /* strategies[i] comes from the scenario's plugins[strategy_plugin[i] - 1]
     * when that is not 0; its name is "" (every strategy the plugin exports)
     * until the probe has said what they are. */
    unsigned char strategy_plugin[SB_MAX_LIST];
    /* The capacity a buffer of strategies[i] really has at this job's
     * buffer size (after the strategy's rounding), when known: the probe
     * fills it for plugin strategies; 0 = not known here. */
    size_t strategy_capacity[SB_MAX_LIST];
    char allocators[SB_MAX_LIST][SB_NAME_MAX];
    size_t nallocators;
    unsigned repeat;
    uint64_t seed;
    /* rate = sweep:LO-HI:xF|+STEP: the job runs once at each of these rates
     * (messages/s), as jobs named "<name>@<rate>/s" (matrix.c); 0 = no sweep */
    double sweep[SB_MAX_SWEEP];
    size_t nsweep;
    uint64_t timeout_ns; /* the runner kills a run that takes longer */

    /* Every key set for this job (its [global] ones included), as the
     * parser saw it (includes and ${VAR} expanded), for the resolved copy
     * of the scenario in each result directory: key i's value is at
     * set_text + set_at[i] - 1 (0: not set; the table's default applies). */
    unsigned short set_at[SB_MAX_KEYS];
    char set_text[8192];
    size_t set_used;
};

struct sb_scenario {
    char name[SB_NAME_MAX]; /* file name without directory and .ini */
    char path[PATH_MAX];
    struct sb_job *jobs;
    size_t njobs;
    void **owned; /* replay size tables the jobs point into */
    size_t nowned;
    struct sb_plugin_ref *plugins; /* every plugin its jobs name */
    size_t nplugins;
};

/*
 * Writes sc as resolved: one section a job, every key of the table with
 * the value it ran with (set, inherited or the default), relative replay
 * paths made absolute.  Loading the result gives the same jobs.
 */
int sb_scenario_write_resolved(const struct sb_scenario *sc, FILE *out);

/* Loads and validates a scenario file.  -1 with err set (one line, file:line). */
int sb_scenario_load(const char *path, struct sb_scenario **out, struct sb_err *err);
void sb_scenario_free(struct sb_scenario *sc);

/* --- the key table (scenario_keys.c) ------------------------------------ */

/* What a key parser may need besides the value. */
struct sb_keyctx {
    const char *file;      /* the file the value is in (relative paths) */
    unsigned line;         /* its line */
    struct sb_scenario *sc;/* owner of allocations (replay tables) */
    char why[320];         /* a parser's reason for refusing, "" for none */
};

enum sb_key_flags {
    SB_KEY_LENGTH = 1u << 0, /* one of duration, bytes, messages */
};

struct sb_key {
    const char *name;
    const char *group;   /* matrix, length, traffic, buffer, transport, serial, run */
    const char *accepts; /* the accepted forms, shown in errors and docs */
    const char *dflt;    /* the default, as a scenario would write it */
    const char *doc;     /* what it does */
    unsigned flags;
    int (*parse)(struct sb_job *j, const char *value, struct sb_keyctx *k);
    const struct sb_opt *opt; /* a transport's or peer's key: parses into j->base.link */
};

/* Applies one key's value to a job (either kind of key); -1 with k->why. */
int sb_key_parse(const struct sb_key *key, struct sb_job *j, const char *value,
                 struct sb_keyctx *k);

size_t sb_scenario_key_count(void);
const struct sb_key *sb_scenario_key_at(size_t i);
const struct sb_key *sb_scenario_key_find(const char *name);
/* Fills a job with the defaults the key table documents. */
void sb_job_defaults(struct sb_job *j);
/*
 * Checks a job's keys against each other (after its section ends) and fills
 * derived values (the timeout).  -1 with why set.
 */
int sb_job_finish(struct sb_job *j, char *why, size_t len);

#endif
