/*
 * resultdir.h - a result directory read back as a whole: the facts of its
 * env.json and the keys that identify it in the history (history.h) and
 * its page (page.h): the environment hash, the scenario hash, the commit,
 * the branch.
 *
 * The environment hash is the gate's (serbench compare refuses results of
 * different environments): FNV-1a 64 over "key=value\n" for the keys of
 * sb_env_hashed_keys in that order, as env.json writes them (a missing or
 * empty value as null, a number as written), then "allocators.NAME=VERSION\n"
 * for each allocator's package_version.  A directory whose env.json carries
 * env_hash is taken at its word; for one written before env.json had it,
 * the same rule is applied to its fields here (sb_env_hash_json), so old
 * and new directories of one machine get one hash.
 */
#ifndef SB_RESULTDIR_H
#define SB_RESULTDIR_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "fileio.h"

#define SB_FNV_OFFSET 0xcbf29ce484222325ull

/* FNV-1a 64 of n bytes, continued from h. */
uint64_t sb_fnv1a(uint64_t h, const void *data, size_t n);
/* h folded with "key=value\n" (val NULL: "null"). */
uint64_t sb_env_hash_fold(uint64_t h, const char *key, const char *val);

/* The env.json keys the environment hash covers, in the order they are folded. */
extern const char *const sb_env_hashed_keys[];
extern const size_t sb_env_nhashed;

/*
 * The environment hash of an env.json's text, computed from its fields by
 * the rule above (its own env_hash is ignored): 16 hex digits into out[17].
 * -1 with err (exit 2) when the text is not a JSON object.
 */
int sb_env_hash_json(const char *json_text, char out[17], struct sb_err *err);

struct sb_dirinfo {
    char dir[4096];
    char *env_text;          /* env.json as read (malloc'ed) */
    char env_hash[17];       /* env.json's env_hash, or computed (env_hash_computed) */
    int env_hash_computed;
    int csv_schema_version;  /* env.json's; 0 when absent */
    char serbench_version[32];
    char git_commit[64];     /* "unknown" outside git */
    char git_branch[128];    /* "" when unknown */
    char git_commit_utc[32]; /* "" when unknown */
    int git_dirty;           /* 1, 0, or -1 unknown */
    char created_utc[32];
    char host[128];
    char cpu_model[128];
    char kernel[160];
    char compiler[128];
    long cores_online;       /* -1 unknown */
    char suite[256];         /* the scenarios' names joined with '+', as the directory's name */
    char scenario_hash[17];  /* FNV-1a 64 of DIR/scenarios/ (names and texts); "" if none */
    char uid[17];            /* FNV-1a 64 of runs.csv and env.json: the same suite, wherever it lies */
};

/*
 * Reads dir/env.json and what the keys need (dir/scenarios/, dir/runs.csv
 * for the uid).  -1 with err, exit 2: no such directory, no or a damaged
 * env.json, another csv_schema_version than this build's.
 */
int sb_dirinfo_read(const char *dir, struct sb_dirinfo *d, struct sb_err *err);
void sb_dirinfo_free(struct sb_dirinfo *d);


#endif
