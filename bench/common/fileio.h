/* fileio.h - opening the files a scenario names, and reading a file whole. */
#ifndef SB_FILEIO_H
#define SB_FILEIO_H

#include <stdio.h>

/*
 * fopen(path, "r") that accepts only a regular file: a scenario that
 * includes or replays /dev/zero or a FIFO would otherwise read forever.
 * On failure returns NULL and sets *why to a one-phrase reason.
 */
FILE *sb_fopen_regular(const char *path, const char **why);

/* A file's whole text (malloc'ed, NUL-terminated), its length in *len
 * (len may be NULL); NULL with errno. */
char *sb_slurp(const char *path, size_t *len);

#endif
