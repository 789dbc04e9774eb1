/*
 * cmp_cli.h - the options serbench compare and serbench gate share
 * (thresholds, alpha, repeats, starved runs, force, and where the reports
 * go), and writing those reports.
 */
#ifndef SB_CMP_CLI_H
#define SB_CMP_CLI_H

#include <getopt.h>

#include "compare.h"

enum {
    SB_OPT_THRESHOLD = 1000,
    SB_OPT_ALPHA,
    SB_OPT_MIN_REPEATS,
    SB_OPT_KEEP_STARVED,
    SB_OPT_FORCE,
    SB_OPT_JSON,
    SB_OPT_BMF,
    SB_OPT_MARKDOWN,
};

#define SB_CMP_CLI_OPTIONS                                              \
    {"threshold", required_argument, NULL, SB_OPT_THRESHOLD},           \
    {"alpha", required_argument, NULL, SB_OPT_ALPHA},                   \
    {"min-repeats", required_argument, NULL, SB_OPT_MIN_REPEATS},       \
    {"keep-starved", no_argument, NULL, SB_OPT_KEEP_STARVED},           \
    {"force", no_argument, NULL, SB_OPT_FORCE},                         \
    {"json", optional_argument, NULL, SB_OPT_JSON},                     \
    {"bmf", optional_argument, NULL, SB_OPT_BMF},                       \
    {"markdown", required_argument, NULL, SB_OPT_MARKDOWN}

struct sb_cmp_cli {
    struct sb_cmp_opts opts;
    int json, bmf;                  /* asked for */
    const char *json_file, *bmf_file, *markdown_file; /* NULL: stdout (json, bmf) */
};

void sb_cmp_cli_init(struct sb_cmp_cli *c);
/*
 * Handles one getopt result.  0 when it was one of ours and good, 2 (with
 * the message printed) when bad, -1 when ch is not one of ours.
 */
int sb_cmp_cli_option(struct sb_cmp_cli *c, int ch, const char *arg, const char *word,
                      const char *cmd);
/* Writes the reports asked for; returns the comparison's exit code (2 when
 * a report could not be written). */
int sb_cmp_cli_report(const struct sb_cmp_cli *c, const struct sb_cmp *cmp, const char *title);

#endif
