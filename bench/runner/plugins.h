/*
 * plugins.h - strategies from shared objects (strategies = plugin:PATH,
 * serbench check PATH): the probe that looks at a plugin in a short-lived
 * child before anything runs, and the loading a run's child does.
 *
 * The probe (`serbench __probe-plugin`, cmd_probe_plugin.c) opens the
 * plugin (sbuf_plugin_open: the file, its format, the entry point, the
 * ABI), registers the strategies asked for, creates a buffer of every size
 * asked for through a counting allocation hook, and prints what it found.
 * A plugin that crashes or hangs there takes the child down, not serbench.
 */
#ifndef SB_PLUGINS_H
#define SB_PLUGINS_H

#include <stddef.h>

#include "diag.h"
#include "run.h"
#include "sbuf/plugin.h"
#include "scenario.h"

/* How long the probe may take before it counts as a hang. */
#define SB_PROBE_TIMEOUT_NS (30ull * 1000000000ull)
/* Distinct buffer sizes one probe checks. */
#define SB_PROBE_MAX_SIZES 32

struct sb_probe_result {
    size_t n; /* the strategies probed (all the plugin exports, or the one asked for) */
    char names[SBUF_PLUGIN_MAX_STRATEGIES][SB_NAME_MAX];
    unsigned caps[SBUF_PLUGIN_MAX_STRATEGIES];
    /* capacity[i][s]: what strategy i's buffer really holds when sizes[s] is asked for */
    size_t capacity[SBUF_PLUGIN_MAX_STRATEGIES][SB_PROBE_MAX_SIZES];
};

/*
 * Probes path in a child (exe __probe-plugin; exe NULL = /proc/self/exe):
 * strategy name, or all when name is NULL, at each of sizes[nsizes].
 * Returns SB_EXIT_OK with *out filled, or the exit code the problem calls
 * for (SB_EXIT_USAGE: bad plugin; SB_EXIT_MISSING: a library it needs is
 * missing) with one line in msg that names the file and the problem.
 */
int sb_plugin_probe(const char *exe, const char *path, const char *name, const size_t *sizes,
                    size_t nsizes, struct sb_probe_result *out, char *msg, size_t len);

/*
 * Before the matrix is built: probes every plugin the scenarios name (each
 * file once per scenario, at every buffer size its jobs ask for), hashes
 * it, turns each plugin:PATH entry into the names it exports, fills the
 * jobs' strategy_capacity, and refuses a job where two strategies share a
 * name.  -1 with err (its code SB_EXIT_USAGE or SB_EXIT_MISSING) naming
 * the scenario line, the plugin and the problem.
 */
int sb_plugins_resolve(struct sb_scenario *const *sc, size_t nsc, const char *exe,
                       struct sb_err *err);

/*
 * In a run's child: loads p->plugin, checks that the file is still the one
 * the suite probed (its SHA-256), and registers p->strategy.  0 when there
 * is no plugin or all went well; otherwise the exit code the problem calls
 * for, with the reason in why.
 */
int sb_plugin_load_for_run(const struct sb_run_params *p, char *why, size_t len);

#endif
