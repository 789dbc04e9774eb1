/* cmd_compare.c - `serbench compare BASE NEW`: two results, cell by cell (compare.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp_cli.h"
#include "commands.h"

static int compare_main(int argc, char **argv)
{
    struct sb_cmp_cli cli;
    sb_cmp_cli_init(&cli);
    static const struct option longopts[] = {
        SB_CMP_CLI_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (ch == 'h') {
            printf("usage: %s\n\n%s", sb_cmd_compare.usage, sb_cmd_compare.help);
            return SB_EXIT_OK;
        }
        int rc = sb_cmp_cli_option(&cli, ch, optarg, argv[optind - 1], "compare");
        if (rc != 0)
            return rc;
    }
    if (argc - optind != 2) {
        fprintf(stderr, "serbench compare: expected BASE and NEW (serbench help compare)\n");
        return SB_EXIT_USAGE;
    }
    struct sb_err err = {0};
    struct sb_cmp *c;
    if (sb_compare(argv[optind], argv[optind + 1], &cli.opts, &c, &err) < 0) {
        fprintf(stderr, "serbench compare: %s\n", err.msg);
        return err.code;
    }
    int code = sb_cmp_cli_report(&cli, c, "serbench compare");
    sb_cmp_free(c);
    return code;
}

const struct sb_command sb_cmd_compare = {
    .name = "compare",
    .usage = "serbench compare BASE NEW [--threshold METRIC=PERCENT|off]... [--alpha A] "
             "[--min-repeats N] [--keep-starved] [--force] [--json[=FILE]] [--bmf[=FILE]] "
             "[--markdown FILE]",
    .summary = "compare two results cell by cell: regressed, inconclusive or not",
    .help =
        "BASE and NEW are result directories (runs.csv and env.json; baseline:NAME for\n"
        "results/baselines/NAME), or JSON files from serbench-micro or scripts/micro-instr.\n"
        "Cells (scenario, job, strategy, allocator, transport, peer) are matched by name\n"
        "and compared only where both sides have the same job_hash; cells on one side\n"
        "only, with another definition, or skipped are listed, not compared.  The\n"
        "environments must have the same env_hash (env.json) unless --force.\n"
        "\n"
        "A measured metric regresses only when it is worse by more than its threshold\n"
        "and the Mann-Whitney U test, Holm-corrected over every measured test of the\n"
        "comparison, is significant at --alpha; it is unchanged only when the 95 %\n"
        "bound of the change rules out the threshold; otherwise inconclusive (too few\n"
        "runs, starved runs, or noise).  Exact counters (allocations, bytes copied per\n"
        "message; instructions) regress when every NEW run is above every BASE run.\n"
        "A cell whose NEW runs failed or aborted where BASE's did not has regressed.\n"
        "\n"
        "  --threshold M=P     metric M's threshold in percent, or off (repeatable);\n"
        "                      metrics and defaults: serbench help metrics\n"
        "  --alpha A           family-wise false-alarm rate (default 0.05)\n"
        "  --min-repeats N     usable runs a side needs for a measured metric (default 5)\n"
        "  --keep-starved      use starved runs for measured metrics too (a machine that\n"
        "                      is always busy; the A/B interleaving then carries the load)\n"
        "  --force             compare different environments and definitions anyway\n"
        "  --json[=FILE]       every cell as JSON (to stdout instead of the table)\n"
        "  --bmf[=FILE]        NEW's medians in Bencher Metric Format\n"
        "  --markdown FILE     also append the table to FILE ($GITHUB_STEP_SUMMARY)\n"
        "\n"
        "Exit codes: 0 no regression; 1 a regression (a run that failed in NEW\n"
        "included); 2 bad input (a missing or damaged file, an unknown baseline); 3 a\n"
        "library or tool missing; 4 not comparable (different environment, or no cell\n"
        "in common); 5 inconclusive.  The worst wins: 2, 3, 4, 1, 5, 0; a comparison\n"
        "that compared nothing never exits 0.\n",
    .main = compare_main,
};
