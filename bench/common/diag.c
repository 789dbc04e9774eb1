/* diag.c - the first-error-wins slot and stderr messages. */
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

int sb_errf(struct sb_err *e, int code, const char *fmt, ...)
{
    if (!e || e->code)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    e->code = code ? code : SB_EXIT_USAGE;
    return -1;
}

void sb_warnf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("serbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
