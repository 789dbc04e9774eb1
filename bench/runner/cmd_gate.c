/* cmd_gate.c - `serbench gate`: run, compare, re-run what regressed (gate.h). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmp_cli.h"
#include "commands.h"
#include "gate.h"
#include "inject.h"
#include "units.h"

enum { OPT_BIN = 2000, OPT_BASE, OPT_INJECT, OPT_NO_RERUN };

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "serbench gate: %s%s (serbench help gate)\n", what, arg ? arg : "");
    return SB_EXIT_USAGE;
}

static int gate_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        SB_CMP_CLI_OPTIONS,
        {"baseline-bin", required_argument, NULL, OPT_BIN},
        {"baseline", required_argument, NULL, OPT_BASE},
        {"inject", required_argument, NULL, OPT_INJECT},
        {"no-rerun", no_argument, NULL, OPT_NO_RERUN},
        {"output", required_argument, NULL, 'o'},
        {"repeat", required_argument, NULL, 'r'},
        {"filter", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sb_cmp_cli cli;
    sb_cmp_cli_init(&cli);
    struct sb_gate_opts g = {0};
    struct sb_inject inj = {0};
    char inject_text[64] = "", base_dir[PATH_MAX];
    struct sb_err err = {0};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":o:r:f:qh", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_BIN: g.baseline_bin = optarg; break;
        case OPT_BASE:
            if (sb_cmp_resolve(optarg, base_dir, sizeof(base_dir), &err) < 0) {
                fprintf(stderr, "serbench gate: %s\n", err.msg);
                return SB_EXIT_USAGE;
            }
            g.baseline_dir = base_dir;
            break;
        case OPT_INJECT: {
            char why[200];
            if (sb_inject_parse(optarg, &inj, why, sizeof(why)) < 0)
                return usage_error(why, NULL);
            sb_inject_format(&inj, inject_text, sizeof(inject_text));
            g.inject = inject_text;
            break;
        }
        case OPT_NO_RERUN: g.no_rerun = 1; break;
        case 'o': g.outdir = optarg; break;
        case 'r': {
            uint64_t n;
            if (sb_parse_count(optarg, &n) < 0 || n < 1 || n > 1000)
                return usage_error("--repeat: expected a whole number from 1 to 1000, not ",
                                   optarg);
            g.repeat = (unsigned)n;
            break;
        }
        case 'f':
            if (g.nfilters == SB_MAX_FILTERS)
                return usage_error("more than 16 --filter options", NULL);
            if (sb_filter_check(optarg, &err) < 0) {
                fprintf(stderr, "serbench gate: %s\n", err.msg);
                return SB_EXIT_USAGE;
            }
            g.filters[g.nfilters++] = optarg;
            break;
        case 'q': g.quiet = 1; break;
        case 'h': printf("usage: %s\n\n%s", sb_cmd_gate.usage, sb_cmd_gate.help); return 0;
        default: {
            int rc = sb_cmp_cli_option(&cli, ch, optarg, argv[optind - 1], "gate");
            if (rc != 0)
                return rc < 0 ? usage_error("unknown option ", argv[optind - 1]) : rc;
        }
        }
    }
    if (!g.baseline_bin == !g.baseline_dir)
        return usage_error("give one of --baseline-bin OTHER_SERBENCH and --baseline "
                           "DIR|baseline:NAME", NULL);
    if (g.baseline_dir) {
        struct stat st;
        if (stat(g.baseline_dir, &st) < 0 || !S_ISDIR(st.st_mode))
            return usage_error("--baseline: not a result directory: ", g.baseline_dir);
    }
    if (optind >= argc)
        return usage_error("no scenario file given", NULL);
    g.scenarios = argv + optind;
    g.nsc = (size_t)(argc - optind);
    return sb_gate_run(&g, &cli);
}

const struct sb_command sb_cmd_gate = {
    .name = "gate",
    .usage = "serbench gate (--baseline-bin OTHER_SERBENCH | --baseline DIR|baseline:NAME) "
             "SCENARIO.ini... [-o DIR] [--repeat N] [--filter KEY=GLOB]... [--no-rerun] "
             "[compare options]",
    .summary = "run a scenario against a baseline, compare, re-run what regressed",
    .help =
        "--baseline-bin OTHER_SERBENCH: runs the scenario with both binaries interleaved,\n"
        "round by round (one serbench run --repeat 1 per side a round, the order\n"
        "alternating: A B, B A, ...), N rounds (--repeat, or the scenario's largest\n"
        "repeat).  Each side's rounds are joined into DIR/base and DIR/new, valid\n"
        "result directories.  --baseline DIR|baseline:NAME: runs the scenario once with\n"
        "this serbench into DIR/new and compares with the stored result.\n"
        "\n"
        "Then serbench compare (same rule, same options), and the cells that regressed\n"
        "are run again (DIR/rerun/) and compared again over those cells alone: a cell\n"
        "fails the gate only if it regresses both times; once is inconclusive.  The\n"
        "suites run with SERBENCH_NO_CALIBRATE=1 (no metric uses the pty ceilings).\n"
        "Writes DIR/gate.md and DIR/gate.json; prints the Markdown.\n"
        "\n"
        "  -o, --output DIR      a new directory for everything (default\n"
        "                        results/<stamp>-gate-<scenario>)\n"
        "  --repeat N            rounds (A/B) or repeats (stored)\n"
        "  --filter KEY=GLOB     as serbench run\n"
        "  --no-rerun            decide on the first comparison alone\n"
        "  --inject SPEC         NEW's runs only, as serbench run --inject: for validating\n"
        "                        the gate (scripts/gate-check), never a real result\n"
        "  -q, --quiet           no progress\n"
        "  compare options       --threshold, --alpha, --min-repeats, --keep-starved,\n"
        "                        --force, --json[=FILE], --bmf[=FILE], --markdown FILE\n"
        "                        (serbench help compare)\n"
        "\n"
        "Exit codes: those of serbench compare (0 no regression, 1 regression confirmed\n"
        "by the re-run, 2 bad input, 3 missing, 4 not comparable, 5 inconclusive), and\n"
        "a run's own 2, 3 or 130 when a side could not run.\n",
    .main = gate_main,
};
