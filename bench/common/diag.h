/*
 * diag.h - how serbench reports trouble: exit codes, and an error slot that
 * keeps the first message (the root cause) and the exit code it implies.
 */
#ifndef SB_DIAG_H
#define SB_DIAG_H

#include <stddef.h>

/* Exit codes of the serbench command, documented in README.md. */
enum sb_exit {
    SB_EXIT_OK = 0,           /* every run passed */
    SB_EXIT_FAILED = 1,       /* a run failed its integrity check or crashed; compare: a regression */
    SB_EXIT_USAGE = 2,        /* bad input: arguments or a scenario file */
    SB_EXIT_MISSING = 3,      /* a library, tool, port or transport is missing */
    SB_EXIT_NOT_COMPARABLE = 4,/* compare, gate: different environment, or no cell in common */
    SB_EXIT_INCONCLUSIVE = 5, /* compare, gate: no regression found, but not every cell could tell */
    SB_EXIT_INTERRUPTED = 130,/* SIGINT or SIGTERM */
};

#define SB_ERR_MAX 640

/* One error: a single line for stderr, and the exit code it calls for. */
struct sb_err {
    int code;                /* enum sb_exit; 0 while no error is set */
    char msg[SB_ERR_MAX];
};

/*
 * Sets the error unless one is already set: the first failure is the cause,
 * later ones are usually its consequences.  Returns -1 so callers can
 * `return sb_errf(...)`.
 */
int sb_errf(struct sb_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "serbench: " + message + newline on stderr. */
void sb_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
