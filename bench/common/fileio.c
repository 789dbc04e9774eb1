/* fileio.c - opening the files a scenario names (see fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <stdlib.h>
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

char *sb_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 14, n = 0, got;
    char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n == cap - 1) {
            char *more = realloc(b, cap * 2);
            if (!more) {
                free(b);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            b = more;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (b && bad) {
        free(b);
        errno = EIO;
        return NULL;
    }
    if (b) {
        b[n] = '\0';
        if (len)
            *len = n;
    }
    return b;
}
