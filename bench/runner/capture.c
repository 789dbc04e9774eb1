/* capture.c - popen a command and keep its first line. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "capture.h"

int sb_capture(const char *cmd, char *buf, size_t len)
{
    char full[1024];
    if (len == 0)
        return -1;
    buf[0] = '\0';
    snprintf(full, sizeof(full), "(%s) </dev/null 2>/dev/null", cmd);
    /* "e": the pipe is close-on-exec, so run children never inherit it */
    FILE *p = popen(full, "re");
    if (!p)
        return -1;
    if (!fgets(buf, (int)len, p))
        buf[0] = '\0';
    char sink[256];
    while (fgets(sink, sizeof(sink), p)) /* drain so the command is not killed by SIGPIPE */
        ;
    int st = pclose(p);
    buf[strcspn(buf, "\r\n")] = '\0';
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || !buf[0]) {
        buf[0] = '\0';
        return -1;
    }
    return 0;
}
