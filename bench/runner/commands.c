/* commands.c - the command table, built from SB_COMMANDS. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "suggest.h"
#include "table.h"

#define SB_COMMAND_ENTRY(n) &sb_cmd_##n,
static const struct sb_command *const commands[] = {SB_COMMANDS(SB_COMMAND_ENTRY)};
#undef SB_COMMAND_ENTRY

SB_TABLE_LOOKUP(sb_command, struct sb_command, commands)

const char *sb_command_nearest(const char *name)
{
    const char *names[sizeof(commands) / sizeof(commands[0])];
    size_t n = 0;
    for (size_t i = 0; i < sb_command_count(); i++)
        if (!commands[i]->hidden)
            names[n++] = commands[i]->name;
    return sb_nearest(name, names, n);
}

void sb_usage(void *stream)
{
    FILE *out = stream;
    fprintf(out,
            "serbench - benchmark and stress harness for serial-port buffer strategies\n"
            "\n"
            "usage: serbench COMMAND [ARGS]\n"
            "       serbench --help | --version\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sb_command_count(); i++)
        if (!commands[i]->hidden)
            fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out,
            "\n"
            "serbench help COMMAND shows a command's options; serbench help scenario the\n"
            "scenario keys; serbench help csv the columns of runs.csv.\n"
            "\n"
            "exit codes: 0 every run passed (compare, gate: no regression); 1 a run failed\n"
            "its integrity check or crashed (compare, gate: a regression); 2 bad input or\n"
            "usage; 3 something needed is missing (library, tool, port); 4 not comparable;\n"
            "5 inconclusive; 130 interrupted.\n");
}

#ifndef SERBENCH_VERSION
#define SERBENCH_VERSION "unknown"
#endif

const char *sb_version(void)
{
    return "serbench " SERBENCH_VERSION;
}

int sb_main(int argc, char **argv)
{
    if (argc < 2) {
        sb_usage(stderr);
        return SB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        sb_usage(stdout);
        return SB_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("%s\n", sb_version());
        return SB_EXIT_OK;
    }
    const struct sb_command *c = sb_command_find(cmd);
    if (!c) {
        fprintf(stderr, "serbench: unknown command '%s'; did you mean '%s'? (serbench --help)\n",
                cmd, sb_command_nearest(cmd));
        return SB_EXIT_USAGE;
    }
    return c->main(argc - 1, argv + 1);
}
