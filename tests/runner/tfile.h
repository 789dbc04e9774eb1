/*
 * tfile.h - test helper: write a small text file into a test's directory.
 * Shared by the runner and integration tests (a header: each test is its
 * own executable).
 */
#ifndef SB_TFILE_H
#define SB_TFILE_H

#include <stdio.h>

/* Writes text to dir/name, the path into path[len]; 0, or -1 if it could not. */
static inline int tfile_write(const char *dir, const char *name, const char *text, char *path,
                              size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) < 0;
    return (fclose(f) != 0 || bad) ? -1 : 0;
}

#endif
