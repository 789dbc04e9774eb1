/*
 * commands.h - serbench's subcommands, looked up by name as fio looks up
 * its ioengines.  Adding a command is one line in SB_COMMANDS below plus
 * its file cmd_<name>.c defining `const struct sb_command sb_cmd_<name>`.
 */
#ifndef SB_COMMANDS_H
#define SB_COMMANDS_H

#include <stddef.h>

#include "diag.h"

struct sb_command {
    const char *name;
    const char *usage;   /* "serbench run SCENARIO.ini... [options]" */
    const char *summary; /* one line for `serbench --help` */
    const char *help;    /* the rest of `serbench help NAME` */
    int hidden;          /* internal: not listed */
    int (*main)(int argc, char **argv); /* argv[0] is the command name; returns enum sb_exit */
};

/* X(name) per command; the table and the declarations both come from this. */
#define SB_COMMANDS(X) \
    X(run)             \
    X(list)            \
    X(help)            \
    X(ports)           \
    X(device)          \
    X(calibrate)       \
    X(compare)         \
    X(gate)            \
    X(baseline)        \
    X(check)           \
    X(report)          \
    X(history)         \
    X(run_one)         \
    X(probe_plugin)    \
    X(man)

#define SB_DECLARE_COMMAND(n) extern const struct sb_command sb_cmd_##n;
SB_COMMANDS(SB_DECLARE_COMMAND)
#undef SB_DECLARE_COMMAND

size_t sb_command_count(void);
const struct sb_command *sb_command_at(size_t i);
/* By name; NULL if none (hidden ones included). */
const struct sb_command *sb_command_find(const char *name);
/* The nearest visible command name, for "did you mean". */
const char *sb_command_nearest(const char *name);

/* `serbench --help` text on out (a FILE *). */
void sb_usage(void *out);
/* "serbench 0.1.0". */
const char *sb_version(void);
/* The whole command line: dispatch to a command; returns the exit code. */
int sb_main(int argc, char **argv);

#endif
