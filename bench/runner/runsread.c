/* runsread.c - runs.csv read back, strictly (runsread.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fileio.h"
#include "runsread.h"

/* One field at *s (RFC 4180: quoted with doubled quotes, or bare).  NULL on bad text. */
static char *field(const char **s)
{
    const char *p = *s;
    size_t cap = strlen(p) + 1, n = 0;
    char *f = malloc(cap);
    if (!f)
        return NULL;
    if (*p == '"') {
        for (p++;; p++) {
            if (!*p) {
                free(f);
                return NULL; /* unterminated */
            }
            if (*p == '"' && p[1] == '"')
                f[n++] = *p++;
            else if (*p == '"')
                break;
            else
                f[n++] = *p;
        }
        p++;
    } else {
        while (*p && *p != ',' && *p != '\n')
            f[n++] = *p++;
    }
    f[n] = '\0';
    *s = p;
    return f;
}

/* One record; its fields into *out (count in *n).  1, 0 at the end, -1 when bad or torn. */
static int record(const char **s, char ***out, size_t *n)
{
    size_t cap = 128;
    char **v = malloc(cap * sizeof(*v));
    *n = 0;
    if (!**s) {
        free(v);
        return 0;
    }
    for (;;) {
        char *f = v ? field(s) : NULL;
        if (!f)
            goto bad;
        if (*n == cap && !(v = realloc(v, (cap *= 2) * sizeof(*v))))
            goto bad;
        v[(*n)++] = f;
        if (**s == ',') {
            (*s)++;
            continue;
        }
        if (**s != '\n')
            goto bad; /* a torn last line has no newline */
        (*s)++;
        *out = v;
        return 1;
    }
bad:
    for (size_t i = 0; v && i < *n; i++)
        free(v[i]);
    free(v);
    return -1;
}

int sb_runs_read(const char *path, struct sb_runs *out, struct sb_err *err)
{
    memset(out, 0, sizeof(*out));
    char *text = sb_slurp(path, NULL);
    if (!text)
        return sb_errf(err, SB_EXIT_USAGE, "%s: %s", path, strerror(errno ? errno : ENOMEM));
    const char *s = text;
    int rc = record(&s, &out->name, &out->ncols);
    if (rc <= 0 || out->ncols == 0 || strcmp(out->name[0], "schema_version") != 0) {
        free(text);
        sb_runs_free(out);
        return sb_errf(err, SB_EXIT_USAGE, "%s:1: not a runs.csv header", path);
    }
    size_t cap = 64;
    out->cell = malloc(cap * sizeof(*out->cell));
    for (size_t line = 2; out->cell; line++) {
        char **row;
        size_t n;
        rc = record(&s, &row, &n);
        if (rc == 0)
            break;
        if (rc < 0 || n != out->ncols) {
            size_t ncols = out->ncols;
            if (rc > 0) {
                for (size_t i = 0; i < n; i++)
                    free(row[i]);
                free(row);
            }
            free(text);
            sb_runs_free(out);
            if (rc < 0)
                return sb_errf(err, SB_EXIT_USAGE, "%s:%zu: damaged or torn row", path, line);
            return sb_errf(err, SB_EXIT_USAGE, "%s:%zu: %zu fields, the header has %zu", path,
                           line, n, ncols);
        }
        if (strtol(row[0], NULL, 10) != SB_CSV_SCHEMA_VERSION) {
            char v[32];
            snprintf(v, sizeof(v), "%.31s", row[0]);
            for (size_t i = 0; i < n; i++)
                free(row[i]);
            free(row);
            free(text);
            sb_runs_free(out);
            return sb_errf(err, SB_EXIT_USAGE, "%s:%zu: schema_version %s, this serbench reads %d",
                           path, line, v, SB_CSV_SCHEMA_VERSION);
        }
        if (out->nrows == cap) {
            char ***more = realloc(out->cell, (cap *= 2) * sizeof(*out->cell));
            if (!more) {
                for (size_t i = 0; i < n; i++)
                    free(row[i]);
                free(row);
                break;
            }
            out->cell = more;
        }
        out->cell[out->nrows++] = row;
    }
    free(text);
    if (!out->cell) {
        sb_runs_free(out);
        return sb_errf(err, SB_EXIT_FAILED, "%s: out of memory", path);
    }
    return 0;
}

void sb_runs_free(struct sb_runs *r)
{
    for (size_t i = 0; i < r->ncols && r->name; i++)
        free(r->name[i]);
    for (size_t j = 0; j < r->nrows && r->cell; j++) {
        for (size_t i = 0; i < r->ncols; i++)
            free(r->cell[j][i]);
        free(r->cell[j]);
    }
    free(r->name);
    free(r->cell);
    memset(r, 0, sizeof(*r));
}

int sb_runs_col(const struct sb_runs *r, const char *name)
{
    for (size_t i = 0; i < r->ncols; i++)
        if (strcmp(r->name[i], name) == 0)
            return (int)i;
    return -1;
}

const char *sb_runs_get(const struct sb_runs *r, size_t i, int c)
{
    return c < 0 || i >= r->nrows ? "" : r->cell[i][c];
}
