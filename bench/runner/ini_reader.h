/*
 * ini_reader.h - the line source handed to inih's ini_parse_stream.
 *
 * inih (Debian's libinih1) splits sections and key = value pairs but knows
 * neither includes, nor environment variables, nor which file a line came
 * from.  This reader feeds it one cleaned line at a time and does the rest:
 *   - `include FILE` splices FILE in (relative to the including file), with
 *     a depth limit and cycle detection;
 *   - `${VAR}` and `${VAR:-default}` are replaced from the environment;
 *   - `;` and `#` comments are removed (whole-line, or after whitespace);
 *   - leading whitespace is dropped, so an indented key is a key, never a
 *     continuation of the previous value;
 *   - anything that is not `[section]`, `key = value` or `include FILE` is
 *     an error naming file and line;
 *   - each `[section]` is reported through a callback, so even a section
 *     with no keys of its own (a job that only inherits) is seen.
 * inih processes each line before asking for the next, so the reader's
 * current file and line are those of the key being handled.
 */
#ifndef SB_INI_READER_H
#define SB_INI_READER_H

#include <limits.h>
#include <stdio.h>

#include "diag.h"

#define SB_INI_MAX_DEPTH 8
#define SB_INI_MAX_LINE 4096

struct sb_ini_file {
    FILE *f;
    char path[PATH_MAX];
    unsigned line;
};

typedef int (*sb_ini_section_fn)(void *ctx, const char *name);

struct sb_ini_reader {
    struct sb_ini_file stack[SB_INI_MAX_DEPTH];
    int depth; /* files open; 0 once everything is read */
    char *raw;
    size_t rawcap;
    sb_ini_section_fn on_section; /* returns 0, or -1 after setting *err */
    void *ctx;
    struct sb_err *err;
};

/* Opens path as the first file. -1 (err set, exit code 2) if it cannot be read. */
int sb_ini_reader_open(struct sb_ini_reader *r, const char *path, sb_ini_section_fn on_section,
                       void *ctx, struct sb_err *err);
void sb_ini_reader_close(struct sb_ini_reader *r);

/*
 * Parses everything: calls handler (inih's signature) per key.  Returns 0, or
 * -1 with *err set by the reader, the handler or the section callback.
 */
int sb_ini_reader_parse(struct sb_ini_reader *r,
                        int (*handler)(void *, const char *, const char *, const char *),
                        void *user);

/* Where the line being handled came from ("" and 0 when nothing is open). */
const char *sb_ini_reader_file(const struct sb_ini_reader *r);
unsigned sb_ini_reader_line(const struct sb_ini_reader *r);

#endif
