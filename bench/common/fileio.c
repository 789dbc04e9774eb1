/* fileio.c - opening the files a scenario names (see fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

FILE *sb_fopen_regular(const char *path, const char **why)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        *why = strerror(errno);
        return NULL;
    }
    struct stat st;
    /* fstat the opened file, not the path: no window for a swap in between */
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        *why = "not a regular file";
        return NULL;
    }
    return f;
}
