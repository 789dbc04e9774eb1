/* histfiles.c - hist/<row>.hist, one a run (histfiles.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "histfiles.h"
#include "histogram.h"

int sb_histfiles_add(struct sb_results *res, struct sb_err *err)
{
    const struct sb_row *row = &res->rows[res->n - 1];
    if (!row->hists)
        return 0;
    char dir[PATH_MAX], path[PATH_MAX + 48], tmp[PATH_MAX + 48];
    snprintf(dir, sizeof(dir), "%s/hist", res->dir);
    snprintf(path, sizeof(path), "%s/%zu.hist", dir, res->n);
    snprintf(tmp, sizeof(tmp), "%s/.%zu.hist.tmp", dir, res->n);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", dir, strerror(errno));
    FILE *f = fopen(tmp, "w");
    if (!f)
        return sb_errf(err, SB_EXIT_FAILED, "%s: %s", tmp, strerror(errno));
    int bad = sb_hist_file_write(f, (unsigned long)res->n, row->hists) < 0 || fflush(f) != 0 ||
              fsync(fileno(f)) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return sb_errf(err, SB_EXIT_FAILED, "%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}
