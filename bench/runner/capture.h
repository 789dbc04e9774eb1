/* capture.h - the first line a shell command prints, for version strings. */
#ifndef SB_CAPTURE_H
#define SB_CAPTURE_H

#include <stddef.h>

/*
 * Runs cmd through /bin/sh with stdin and stderr on /dev/null and copies
 * the first line of its stdout (without the newline) into buf.  Returns 0
 * if the command exited 0 and printed something, else -1 with buf "".
 */
int sb_capture(const char *cmd, char *buf, size_t len);

#endif
