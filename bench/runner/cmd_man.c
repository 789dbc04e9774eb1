/*
 * cmd_man.c - `serbench __man 1|5 [FILE]`: the manual pages serbench(1)
 * and serbench-scenario(5), in roff, from the same tables `serbench help`
 * prints: the command table (usage, summary, help text) and the scenario
 * key table.  The build runs it (bench/CMakeLists.txt) and installs the
 * result, so the pages and the program never disagree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "scenario.h"

#ifndef SERBENCH_VERSION
#define SERBENCH_VERSION "unknown"
#endif

/* Text as roff: backslashes and dashes escaped, no line starting a request. */
static void roff(FILE *out, const char *s)
{
    int bol = 1;
    for (; *s; s++) {
        if (bol && (*s == '.' || *s == '\''))
            fputs("\\&", out);
        bol = *s == '\n';
        switch (*s) {
        case '\\': fputs("\\e", out); break;
        case '-': fputs("\\-", out); break;
        default: fputc(*s, out);
        }
    }
}

/* Preformatted text (help texts keep their own columns). */
static void verbatim(FILE *out, const char *s)
{
    fputs(".nf\n", out);
    roff(out, s);
    if (*s && s[strlen(s) - 1] != '\n')
        fputc('\n', out);
    fputs(".fi\n", out);
}

static void page_serbench(FILE *out)
{
    fprintf(out, ".TH SERBENCH 1 \"\" \"serbench %s\" \"User Commands\"\n", SERBENCH_VERSION);
    fputs(".SH NAME\nserbench \\- benchmark and stress harness for serial\\-port buffer "
          "strategies\n.SH SYNOPSIS\n",
          out);
    for (size_t i = 0; i < sb_command_count(); i++) {
        const struct sb_command *c = sb_command_at(i);
        if (c->hidden)
            continue;
        verbatim(out, c->usage);
        fputs(".br\n", out);
    }
    fputs(".SH DESCRIPTION\n", out);
    char *usage = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&usage, &len);
    if (m) {
        sb_usage(m);
        fclose(m);
        verbatim(out, usage);
        free(usage);
    }
    fputs(".SH COMMANDS\n", out);
    for (size_t i = 0; i < sb_command_count(); i++) {
        const struct sb_command *c = sb_command_at(i);
        if (c->hidden)
            continue;
        fputs(".SS ", out);
        roff(out, c->name);
        fputs("\n", out);
        verbatim(out, c->usage);
        fputs(".PP\n", out);
        roff(out, c->summary);
        fputs("\n.PP\n", out);
        verbatim(out, c->help);
    }
    fputs(".SH FILES\n"
          ".TP\n.I results/<UTC stamp>\\-<scenario>/\n"
          "runs.csv (one row a run; serbench help csv), env.json, summary.md; results/latest\n"
          "points at the newest.\n"
          ".TP\n.I share/serbench/scenarios/\nthe scenario files shipped with serbench.\n"
          ".TP\n.I include/sbuf/plugin.h\n"
          "how to write a strategy outside serbench's tree (serbench check, strategies = "
          "plugin:PATH).\n"
          ".SH SEE ALSO\n.BR serbench\\-scenario (5)\n",
          out);
}

static void page_scenario(FILE *out)
{
    fprintf(out, ".TH SERBENCH\\-SCENARIO 5 \"\" \"serbench %s\" \"File Formats\"\n",
            SERBENCH_VERSION);
    fputs(".SH NAME\nserbench\\-scenario \\- the scenario files serbench run reads\n"
          ".SH DESCRIPTION\n"
          "A scenario file is an INI file of job sections.  Every key set in a\n"
          ".B [global]\n"
          "section is inherited by the jobs that follow it; a job's own keys win.  Each\n"
          "job runs once per strategy x allocator x repeat, repeats interleaved, each run\n"
          "in a process of its own.  Comments start with ; or #.\n"
          ".B include FILE\n"
          "inserts a file (relative to the one including it);\n"
          ".B ${VAR}\n"
          "and\n"
          ".B ${VAR:\\-default}\n"
          "are replaced by the environment.  Sizes take B, KiB, MiB, GiB (k, M, G are\n"
          "powers of 1024; kB, MB, GB of 1000), counts k, M, G, durations ns, us, ms, s,\n"
          "m, h, rates N/s.  An error names the file and line, and serbench run exits 2\n"
          "before anything runs.\n"
          ".SH KEYS\n"
          "The same table as\n"
          ".BR \"serbench help scenario\" .\n",
          out);
    const char *group = "";
    for (size_t i = 0; i < sb_scenario_key_count(); i++) {
        const struct sb_key *k = sb_scenario_key_at(i);
        if (strcmp(group, k->group) != 0) {
            group = k->group;
            fputs(".SS ", out);
            roff(out, group);
            fputs("\n", out);
        }
        fputs(".TP\n.B ", out);
        roff(out, k->name);
        fputs("\n", out);
        roff(out, k->doc);
        fputs("\n.br\nAccepted: ", out);
        roff(out, k->accepts);
        fputs(".\n.br\nDefault: ", out);
        roff(out, k->dflt);
        fputs("\n", out);
    }
    fputs(".SH EXAMPLE\n", out);
    verbatim(out, "[global]\n"
                  "strategies = ring_spsc, bip, plugin:./libmyring.so\n"
                  "allocators = glibc, jemalloc\n"
                  "duration = 2s\n"
                  "\n"
                  "[small]\n"
                  "message = fixed:64\n"
                  "\n"
                  "[bursty]\n"
                  "message = uniform:32-256\n"
                  "burst = 100@50ms\n"
                  "overflow = drop\n");
    fputs(".SH SEE ALSO\n.BR serbench (1)\n", out);
}

static int man_main(int argc, char **argv)
{
    if (argc < 2 || argc > 3 || (strcmp(argv[1], "1") != 0 && strcmp(argv[1], "5") != 0)) {
        fprintf(stderr, "usage: %s\n", sb_cmd_man.usage);
        return SB_EXIT_USAGE;
    }
    FILE *out = argc == 3 ? fopen(argv[2], "w") : stdout;
    if (!out) {
        perror(argv[2]);
        return SB_EXIT_USAGE;
    }
    if (argv[1][0] == '1')
        page_serbench(out);
    else
        page_scenario(out);
    int bad = ferror(out);
    if (out != stdout)
        bad |= fclose(out) != 0;
    return bad ? SB_EXIT_FAILED : SB_EXIT_OK;
}

const struct sb_command sb_cmd_man = {
    .name = "__man",
    .usage = "serbench __man 1|5 [FILE]",
    .summary = "internal: the manual pages, in roff, from the help tables",
    .help = "Internal.  Prints serbench(1) (section 1) or serbench-scenario(5) (section 5)\n"
            "in roff, from the command table and the scenario key table, into FILE or\n"
            "standard output.  The build runs it; the pages are installed.\n",
    .hidden = 1,
    .main = man_main,
};
