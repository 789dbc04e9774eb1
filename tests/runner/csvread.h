/*
 * csvread.h - a strict RFC 4180 reader for the runner tests, written apart
 * from csv.c so that a test reads what serbench writes the way any CSV
 * consumer would.  Header-only: each test that includes it gets its copy.
 */
#ifndef SB_TEST_CSVREAD_H
#define SB_TEST_CSVREAD_H

#include <stdlib.h>
#include <string.h>

#define CSV_MAX_FIELDS 256

struct csv_record {
    char *field[CSV_MAX_FIELDS];
    size_t n;
};

/*
 * Parses one record from *p (advanced past it, and past its newline).
 * Fields are malloc'ed.  Returns 1 for a record, 0 at the end, -1 when the
 * text is not valid CSV (a stray quote, an unterminated field, or a record
 * without its final newline: a torn last line).
 */
static int csv_next(const char **p, struct csv_record *rec)
{
    const char *s = *p;
    rec->n = 0;
    if (!*s)
        return 0;
    for (;;) {
        size_t cap = 64, n = 0;
        char *f = malloc(cap);
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) {
                    free(f);
                    return -1;
                }
                if (*s == '"') {
                    if (s[1] == '"') {
                        s += 2;
                        f[n++] = '"';
                    } else {
                        s++;
                        break;
                    }
                } else {
                    f[n++] = *s++;
                }
                if (n + 1 >= cap)
                    f = realloc(f, cap *= 2);
            }
        } else {
            while (*s && *s != ',' && *s != '\n') {
                if (*s == '"' || *s == '\r') {
                    free(f);
                    return -1;
                }
                f[n++] = *s++;
                if (n + 1 >= cap)
                    f = realloc(f, cap *= 2);
            }
        }
        f[n] = '\0';
        if (rec->n == CSV_MAX_FIELDS) {
            free(f);
            return -1;
        }
        rec->field[rec->n++] = f;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\n') {
            *p = s + 1;
            return 1;
        }
        return -1; /* end of text inside a record, or junk after a quoted field */
    }
}

static void csv_free(struct csv_record *rec)
{
    for (size_t i = 0; i < rec->n; i++)
        free(rec->field[i]);
    rec->n = 0;
}

/* Index of the column named name in a header record, or -1. */
static int csv_col(const struct csv_record *hdr, const char *name)
{
    for (size_t i = 0; i < hdr->n; i++)
        if (strcmp(hdr->field[i], name) == 0)
            return (int)i;
    return -1;
}

#endif
