/* fileio.h - opening the files a scenario names. */
#ifndef SB_FILEIO_H
#define SB_FILEIO_H

#include <stdio.h>

/*
 * fopen(path, "r") that accepts only a regular file: a scenario that
 * includes or replays /dev/zero or a FIFO would otherwise read forever.
 * On failure returns NULL and sets *why to a one-phrase reason.
 */
FILE *sb_fopen_regular(const char *path, const char **why);

#endif
