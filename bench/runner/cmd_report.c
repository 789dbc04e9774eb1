/*
 * cmd_report.c - `serbench report DIR...`: cells.csv, plots/ and
 * index.html made again for any result directory, from its runs.csv and the
 * files beside it (what `serbench run` makes when a suite ends).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cells.h"
#include "commands.h"
#include "hgrm.h"
#include "page.h"
#include "plots.h"
#include "resultdir.h"

static int report_one(const char *dir, int quiet)
{
    struct sb_err err = {0};
    struct sb_dirinfo d;
    if (sb_dirinfo_read(dir, &d, &err) < 0) { /* refuse a foreign directory before writing */
        sb_warnf("report: %s", err.msg);
        return err.code;
    }
    sb_dirinfo_free(&d);
    struct sb_plots_made made;
    size_t nh = 0;
    if (sb_cells_write(dir, &err) < 0 || sb_hgrm_dir(dir, &nh, &err) < 0 ||
        sb_plots_make(dir, &made, &err) < 0 ||
        sb_page_write(dir, &err) < 0) {
        sb_warnf("report: %s", err.msg);
        return err.code ? err.code : SB_EXIT_FAILED;
    }
    if (made.no_gnuplot)
        sb_warnf("report: %s: no plots: %s", dir, made.why);
    if (!quiet)
        fprintf(stderr,
                "serbench: %s/: cells.csv, %zu .hgrm files in hgrm/, %zu plots in plots/ (PNG and "
                "SVG), index.html\n",
                dir, nh, made.n);
    return made.no_gnuplot ? SB_EXIT_MISSING : SB_EXIT_OK;
}

static int report_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int quiet = 0, opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        if (opt == 'q') {
            quiet = 1;
        } else if (opt == 'h') {
            printf("usage: %s\n\n%s", sb_cmd_report.usage, sb_cmd_report.help);
            return SB_EXIT_OK;
        } else {
            sb_warnf("report: unknown option '%s' (serbench help report)", argv[optind - 1]);
            return SB_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        sb_warnf("report: no result directory given (serbench help report)");
        return SB_EXIT_USAGE;
    }
    int code = SB_EXIT_OK;
    for (int i = optind; i < argc; i++) {
        int c = report_one(argv[i], quiet);
        if (c != SB_EXIT_OK && (code == SB_EXIT_OK || c == SB_EXIT_USAGE))
            code = c;
    }
    return code;
}

const struct sb_command sb_cmd_report = {
    .name = "report",
    .usage = "serbench report DIR... [--quiet]",
    .summary = "make a result directory's cells.csv, plots/ and index.html again",
    .help =
        "For each result directory: cells.csv again from runs.csv, hgrm/ (each cell's\n"
        "latency percentiles in HdrHistogram's format, from the runs' hist/ files),\n"
        "plots/ with gnuplot\n"
        "(PNG and SVG a plot, its script <stem>.gp and plots/index.tsv), and index.html,\n"
        "the page that shows the summary, the plots, the memory report and env.json.\n"
        "serbench run does the same when a suite ends; this remakes them for any\n"
        "directory, one copied from elsewhere included.\n"
        "\n"
        "Exit codes: 0 done; 2 not a result directory, or one of another schema version;\n"
        "3 gnuplot is missing (the page is made, without plots); 1 a file could not be\n"
        "written or gnuplot failed.\n",
    .main = report_main,
};
