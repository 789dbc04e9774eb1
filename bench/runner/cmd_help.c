/*
 * cmd_help.c - `serbench help [TOPIC]`: a command's usage, or the generated
 * references: the scenario keys (from the key table) and the runs.csv
 * columns (from the column table).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "compare.h"
#include "csv.h"
#include "scenario.h"
#include "suggest.h"

static void help_scenario(void)
{
    printf("| key | accepted values | default | meaning |\n| --- | --- | --- | --- |\n");
    const char *group = "";
    for (size_t i = 0; i < sb_scenario_key_count(); i++) {
        const struct sb_key *k = sb_scenario_key_at(i);
        if (strcmp(group, k->group) != 0) {
            group = k->group;
            printf("| **%s** | | | |\n", group);
        }
        printf("| `%s` | %s | `%s` | %s |\n", k->name, k->accepts, k->dflt, k->doc);
    }
}

static void help_csv(void)
{
    sb_csv_schema_markdown(stdout);
}

static void help_metrics(void)
{
    static const char *const src[] = {"", "runs.csv", "serbench-micro JSON", "micro-instr JSON"};
    printf("| metric | unit | from | kind | better | default threshold | meaning |\n"
           "| --- | --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < sb_cmp_metric_count(); i++) {
        const struct sb_cmp_metric *m = sb_cmp_metric_at(i);
        char th[48];
        if (m->rule.kind == SB_EXACT && m->rule.threshold == 0 && m->rule.abs_tol == 0)
            snprintf(th, sizeof(th), "any increase");
        else
            snprintf(th, sizeof(th), "%g %%", m->rule.threshold * 100);
        printf("| `%s` | %s | %s | %s | %s | %s | %s |\n", m->name, m->label, src[m->source],
               m->rule.kind == SB_EXACT ? "exact" : "measured",
               m->rule.better == SB_HIGHER_BETTER ? "higher" : "lower", th, m->doc);
    }
}

static const struct {
    const char *name;
    const char *summary;
    void (*fn)(void);
} topics[] = {
    {"scenario", "every scenario key (Markdown table)", help_scenario},
    {"csv", "every runs.csv column (Markdown table)", help_csv},
    {"metrics", "every metric serbench compare judges (Markdown table)", help_metrics},
};

#define NTOPICS (sizeof(topics) / sizeof(topics[0]))

static int help_main(int argc, char **argv)
{
    if (argc < 2) {
        sb_usage(stdout);
        return SB_EXIT_OK;
    }
    if (argc > 2) {
        fprintf(stderr, "serbench help: one topic at a time (serbench help)\n");
        return SB_EXIT_USAGE;
    }
    const struct sb_command *c = sb_command_find(argv[1]);
    if (c) {
        printf("usage: %s\n\n%s", c->usage, c->help);
        return SB_EXIT_OK;
    }
    for (size_t i = 0; i < NTOPICS; i++)
        if (strcmp(argv[1], topics[i].name) == 0) {
            topics[i].fn();
            return SB_EXIT_OK;
        }
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < sb_command_count() && n < 60; i++)
        if (!sb_command_at(i)->hidden)
            names[n++] = sb_command_at(i)->name;
    for (size_t i = 0; i < NTOPICS; i++)
        names[n++] = topics[i].name;
    char hint[320];
    fprintf(stderr, "serbench help: no topic '%s' (%s)\n", argv[1],
            sb_did_you_mean(argv[1], names, n, hint, sizeof(hint)));
    return SB_EXIT_USAGE;
}

const struct sb_command sb_cmd_help = {
    .name = "help",
    .usage = "serbench help [COMMAND | scenario | csv | metrics]",
    .summary = "a command's options; `help scenario` and `help csv` print the references",
    .help = "serbench help COMMAND   that command's usage and options\n"
            "serbench help scenario  every scenario key: accepted values, default, meaning\n"
            "serbench help csv       every runs.csv column: unit and meaning\n"
            "serbench help metrics   every metric compare judges: direction, default threshold\n",
    .main = help_main,
};
