/* cmd_run.c - `serbench run`: scenario files -> matrix -> runs -> results. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "again.h"
#include "commands.h"
#include "inject.h"
#include "matrix.h"
#include "plugins.h"
#include "progress.h"
#include "scenario.h"
#include "suite.h"
#include "units.h"

#define MAX_SCENARIOS 32

static void print_matrix(const struct sb_matrix *m)
{
    struct sb_progress pr;
    sb_progress_init(&pr, m, stdout, 1);
    printf("%-5s %-14s %-18s %-14s %-10s %-6s %-9s %-18s %s\n", "#", "scenario", "job",
           "strategy", "allocator", "repeat", "transport", "seed", "length");
    for (size_t i = 0; i < m->n; i++) {
        const struct sb_cell *c = &m->cells[i];
        char len[48], v[32];
        if (c->p.duration_ns) {
            sb_format_duration(c->p.duration_ns, v, sizeof(v));
            snprintf(len, sizeof(len), "duration %s", v);
        } else if (c->p.bytes) {
            sb_format_size(c->p.bytes, v, sizeof(v));
            snprintf(len, sizeof(len), "bytes %s", v);
        } else {
            snprintf(len, sizeof(len), "messages %llu", (unsigned long long)c->p.messages);
        }
        printf("%-5zu %-14s %-18s %-14s %-10s %-6u %-9s 0x%016llx %s\n", i + 1, c->scenario->name,
               c->p.job, c->p.strategy, c->p.allocator, c->p.repeat, c->p.transport,
               (unsigned long long)c->p.seed, len);
    }
    char eta[32];
    sb_format_hms(sb_progress_eta(&pr, 0), eta, sizeof(eta));
    printf("%zu runs, about %s\n", m->n, eta);
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("serbench run: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (serbench help run)\n", stderr);
    return SB_EXIT_USAGE;
}

static int parse_and_run(int argc, char **argv, char **typed);

/* --again DIR: DIR's command on DIR's resolved scenarios, into a new directory. */
static int run_again(const char *dir, const char *outdir, int dry, int quiet, int extra)
{
    if (extra > 0)
        return usage_error("--again %s takes no scenario files: it runs the ones it recorded",
                           dir);
    struct sb_again a;
    struct sb_err err = {0};
    if (sb_again_load(dir, &a, &err) < 0) {
        fprintf(stderr, "serbench run: %s\n", err.msg);
        return err.code;
    }
    char *argv[SB_AGAIN_MAX_ARGS + 4];
    int argc = 0;
    for (int i = 0; i < a.argc; i++)
        argv[argc++] = a.argv[i];
    if (outdir) {
        argv[argc++] = "-o";
        argv[argc++] = (char *)outdir;
    }
    int had_quiet = 0;
    for (int i = 1; i < a.argc; i++)
        had_quiet |= strcmp(a.argv[i], "--quiet") == 0 || strcmp(a.argv[i], "-q") == 0;
    if (dry)
        argv[argc++] = "--dry-run";
    if (quiet && !had_quiet)
        argv[argc++] = "--quiet";
    argv[argc] = NULL;
    char *typed[SB_AGAIN_MAX_ARGS + 4];
    memcpy(typed, argv, sizeof(argv));
    int code = parse_and_run(argc, argv, typed);
    sb_again_free(&a);
    return code;
}

static int run_main(int argc, char **argv)
{
    /* getopt reorders argv; env.json records the command as typed */
    char **typed = calloc((size_t)argc + 1, sizeof(*typed));
    if (!typed)
        return SB_EXIT_FAILED;
    memcpy(typed, argv, (size_t)argc * sizeof(*typed));
    int code = parse_and_run(argc, argv, typed);
    free(typed);
    return code;
}

static int parse_and_run(int argc, char **argv, char **typed)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"filter", required_argument, NULL, 'f'},
        {"repeat", required_argument, NULL, 'r'},
        {"dry-run", no_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"again", required_argument, NULL, 'a'},
        {"inject", required_argument, NULL, 'I'},
        {"history", required_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sb_matrix_opts mo = {0};
    struct sb_suite_opts so = {0};
    int dry = 0, ch;
    struct sb_err err = {0};
    struct sb_inject inject = {0};
    char inject_text[64] = "";
    optind = 1;
    opterr = 0; /* our own one-line messages */
    const char *again = NULL;
    while ((ch = getopt_long(argc, argv, ":o:f:r:nqhI:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'a': again = optarg; break;
        case 'H': so.history = optarg; break;
        case 'o': so.outdir = optarg; break;
        case 'f':
            if (mo.nfilters == SB_MAX_FILTERS)
                return usage_error("more than %s --filter options", "16");
            if (sb_filter_check(optarg, &err) < 0) {
                fprintf(stderr, "serbench run: %s\n", err.msg);
                return SB_EXIT_USAGE;
            }
            mo.filters[mo.nfilters++] = optarg;
            break;
        case 'r': {
            uint64_t n;
            if (sb_parse_count(optarg, &n) < 0 || n < 1 || n > 1000)
                return usage_error("--repeat %s: expected a whole number from 1 to 1000", optarg);
            mo.repeat = (unsigned)n;
            break;
        }
        case 'I': {
            char why[200];
            if (sb_inject_parse(optarg, &inject, why, sizeof(why)) < 0) {
                fprintf(stderr, "serbench run: %s (serbench help run)\n", why);
                return SB_EXIT_USAGE;
            }
            break;
        }
        case 'n': dry = 1; break;
        case 'q': so.quiet = 1; break;
        case 'h':
            printf("usage: %s\n\n%s", sb_cmd_run.usage, sb_cmd_run.help);
            return SB_EXIT_OK;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (again)
        return run_again(again, so.outdir, dry, so.quiet, argc - optind);
    int nsc = argc - optind;
    if (nsc <= 0)
        return usage_error("no scenario file given%s", "");
    if (nsc > MAX_SCENARIOS)
        return usage_error("more than %s scenario files", "32");

    struct sb_scenario *sc[MAX_SCENARIOS] = {0};
    int code = SB_EXIT_OK;
    for (int i = 0; i < nsc && code == SB_EXIT_OK; i++) {
        if (sb_scenario_load(argv[optind + i], &sc[i], &err) < 0) {
            fprintf(stderr, "serbench: %s\n", err.msg);
            code = err.code;
        }
    }
    for (int i = 0; i < nsc && code == SB_EXIT_OK; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(sc[i]->name, sc[j]->name) == 0) {
                fprintf(stderr, "serbench run: %s and %s have the same scenario name '%s'\n",
                        sc[j]->path, sc[i]->path, sc[i]->name);
                code = SB_EXIT_USAGE;
            }
    /* Plugins are looked at in a child before anything else runs. */
    if (code == SB_EXIT_OK && sb_plugins_resolve(sc, (size_t)nsc, so.exe, &err) < 0) {
        fprintf(stderr, "serbench: %s\n", err.msg);
        code = err.code;
    }
    struct sb_matrix m = {0};
    if (code == SB_EXIT_OK && sb_matrix_expand(sc, (size_t)nsc, &mo, &m, &err) < 0) {
        fprintf(stderr, "serbench run: %s\n", err.msg);
        code = err.code;
    }
    if (code == SB_EXIT_OK && sb_inject_any(&inject)) {
        /* every run of the suite, never through the scenario: job hashes stay */
        for (size_t i = 0; i < m.n; i++)
            m.cells[i].p.inject = inject;
        sb_inject_format(&inject, inject_text, sizeof(inject_text));
        so.inject = inject_text;
        sb_warnf("--inject %s: faults injected for validating a gate; this result is not a "
                 "measurement (runs.csv inject, env.json inject say so)", inject_text);
    }
    if (code == SB_EXIT_OK) {
        if (dry) {
            print_matrix(&m);
        } else {
            so.argc = argc;
            so.argv = typed;
            code = sb_suite_run(sc, (size_t)nsc, &m, &so);
        }
    }
    sb_matrix_free(&m);
    for (int i = 0; i < nsc; i++)
        sb_scenario_free(sc[i]);
    return code;
}

const struct sb_command sb_cmd_run = {
    .name = "run",
    .usage = "serbench run SCENARIO.ini... [-o DIR] [--filter KEY=GLOB]... [--repeat N] "
             "[--dry-run] [--quiet] [--inject SPEC] [--history PATH]\n       serbench run --again DIR [-o DIR2] [--dry-run] [--quiet]",
    .summary = "run scenario files: every job x strategy x allocator x repeat",
    .help =
        "Runs every job of the scenario files once per strategy x allocator x repeat,\n"
        "repeats interleaved (a b c a b c), each run in its own child process.  Writes\n"
        "results/<UTC stamp>-<scenario>/ with runs.csv (one row a run, written as it\n"
        "ends), env.json and summary.md, points results/latest at it, and prints the\n"
        "summary.  When the suite ends: cells.csv, plots/ (with gnuplot), index.html,\n"
        "and the suite appended to results/history.sqlite.  Progress goes to stderr.\n"
        "\n"
        "  -o, --output DIR       write the files into DIR instead (must not hold a runs.csv)\n"
        "  --filter KEY=GLOB      only runs whose KEY matches the shell glob; KEY is job,\n"
        "                         strategy, allocator, transport or scenario.  Repeatable:\n"
        "                         the same KEY twice is either, different KEYs are both\n"
        "  --repeat N             run every job N times, whatever its repeat key says\n"
        "  -n, --dry-run          print the expanded matrix and exit\n"
        "  -q, --quiet            no progress; print only the summary\n"
        "  --history PATH         append the suite to PATH instead of results/history.sqlite\n"
        "                         (also SERBENCH_HISTORY; off = keep no history)\n"
        "  --again DIR            run the result directory DIR again, into a new directory:\n"
        "                         DIR/scenarios/*.ini (the scenarios as resolved: includes\n"
        "                         and ${VAR} expanded, every default filled in) with the\n"
        "                         options of DIR/command.txt (its -o dropped)\n"
        "  --inject SPEC          only for validating a regression gate (scripts/gate-check):\n"
        "                         slowdown:P makes each half of every run spin P/(100-P) of\n"
        "                         its working time per message away (slowdown:10 = 10 % less\n"
        "                         throughput on mem); alloc:N makes the producer do N extra\n"
        "                         malloc+free a message (runs.csv harness_allocations).  Both:\n"
        "                         slowdown:10,alloc:1.  Recorded in runs.csv (inject) and\n"
        "                         env.json; not a scenario key, so job hashes do not change\n"
        "\n"
        "Exit codes: 0 every run passed; 1 a run failed its integrity check, crashed or\n"
        "timed out; 2 bad input; 3 something needed is missing (allocator library,\n"
        "transport, tool, port); 130 interrupted (the current run is recorded as aborted).\n"
        "\n"
        "Example: serbench run scenarios/smoke.ini --filter strategy='ring_*' --repeat 3\n",
    .main = run_main,
};
