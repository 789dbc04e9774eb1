/* ini_reader.c - includes, ${VAR}, comments and positions in front of inih. */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

#include "ini_reader.h"
#include "fileio.h"

const char *sb_ini_reader_file(const struct sb_ini_reader *r)
{
    return r->depth > 0 ? r->stack[r->depth - 1].path : "";
}

unsigned sb_ini_reader_line(const struct sb_ini_reader *r)
{
    return r->depth > 0 ? r->stack[r->depth - 1].line : 0;
}

#define AT(r) sb_ini_reader_file(r), sb_ini_reader_line(r)

static int push_file(struct sb_ini_reader *r, const char *path)
{
    if (r->depth == SB_INI_MAX_DEPTH)
        return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: include %s: nested more than %d deep",
                       AT(r), path, SB_INI_MAX_DEPTH);
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        if (r->depth == 0)
            return sb_errf(r->err, SB_EXIT_USAGE, "%s: %s", path, strerror(errno));
        return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: include %s: %s", AT(r), path,
                       strerror(errno));
    }
    for (int i = 0; i < r->depth; i++) {
        char other[PATH_MAX];
        if (realpath(r->stack[i].path, other) && strcmp(other, real) == 0)
            return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: include %s: includes itself (%s)",
                           AT(r), path, r->stack[i].path);
    }
    const char *why;
    FILE *f = sb_fopen_regular(path, &why);
    if (!f) {
        if (r->depth == 0)
            return sb_errf(r->err, SB_EXIT_USAGE, "%s: %s", path, why);
        return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: include %s: %s", AT(r), path, why);
    }
    struct sb_ini_file *top = &r->stack[r->depth++];
    top->f = f;
    snprintf(top->path, sizeof(top->path), "%s", path);
    top->line = 0;
    return 0;
}

int sb_ini_reader_open(struct sb_ini_reader *r, const char *path, sb_ini_section_fn on_section,
                       void *ctx, struct sb_err *err)
{
    memset(r, 0, sizeof(*r));
    r->on_section = on_section;
    r->ctx = ctx;
    r->err = err;
    return push_file(r, path);
}

void sb_ini_reader_close(struct sb_ini_reader *r)
{
    while (r->depth > 0)
        fclose(r->stack[--r->depth].f);
    free(r->raw);
    r->raw = NULL;
}

/* Cuts a `;` or `#` comment that starts the line or follows whitespace. */
static void strip_comment(char *s)
{
    for (char *p = s; *p; p++)
        if ((*p == ';' || *p == '#') && (p == s || isspace((unsigned char)p[-1]))) {
            *p = '\0';
            return;
        }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* ${VAR} and ${VAR:-default} from the environment, src -> dst (cap bytes). */
static int expand_vars(struct sb_ini_reader *r, const char *src, char *dst, size_t cap)
{
    size_t o = 0;
    char name[256]; /* outlives the branch: a default value points into it */
    for (const char *p = src; *p;) {
        const char *val = NULL;
        size_t vlen = 0;
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            if (!close)
                return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: '${' without a closing '}'", AT(r));
            size_t n = (size_t)(close - (p + 2));
            if (n >= sizeof(name))
                return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: variable name too long", AT(r));
            memcpy(name, p + 2, n);
            name[n] = '\0';
            char *dflt = strstr(name, ":-");
            if (dflt) {
                *dflt = '\0';
                dflt += 2;
            }
            if (!name[0] || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789_") != strlen(name))
                return sb_errf(r->err, SB_EXIT_USAGE,
                               "%s:%u: '${%s}' is not a variable name (letters, digits, _)",
                               AT(r), name);
            val = getenv(name);
            if (!val || (!*val && dflt))
                val = dflt;
            if (!val)
                return sb_errf(r->err, SB_EXIT_USAGE,
                               "%s:%u: ${%s} is not set in the environment "
                               "(set it, or write ${%s:-default})",
                               AT(r), name, name);
            vlen = strlen(val);
            p = close + 1;
        } else {
            val = p++;
            vlen = 1;
        }
        if (o + vlen >= cap)
            return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: line longer than %d characters",
                           AT(r), SB_INI_MAX_LINE - 3);
        memcpy(dst + o, val, vlen);
        o += vlen;
    }
    dst[o] = '\0';
    return 0;
}

static int valid_name(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.+-", s[i]))
            return 0;
    return 1;
}

/* "include" + whitespace + something, and not "include = ..." (a key). */
static const char *include_target(const char *s)
{
    if (strncmp(s, "include", 7) != 0 || !isspace((unsigned char)s[7]))
        return NULL;
    const char *t = s + 7;
    while (isspace((unsigned char)*t))
        t++;
    return (*t && *t != '=') ? t : NULL;
}

static int do_include(struct sb_ini_reader *r, const char *target)
{
    char path[PATH_MAX];
    const char *cur = sb_ini_reader_file(r);
    const char *slash = strrchr(cur, '/');
    if (target[0] == '/' || !slash)
        snprintf(path, sizeof(path), "%s", target);
    else
        snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - cur), cur, target);
    return push_file(r, path);
}

/*
 * One logical line into line (cap bytes), or -1 at the end or on error.
 * Blank and comment lines come back empty, which inih skips.
 */
static int next_line(struct sb_ini_reader *r, char *line, size_t cap)
{
    while (r->depth > 0 && !r->err->code) {
        struct sb_ini_file *top = &r->stack[r->depth - 1];
        ssize_t n = getline(&r->raw, &r->rawcap, top->f);
        if (n < 0) {
            fclose(top->f);
            r->depth--;
            continue;
        }
        top->line++;
        char *s = r->raw;
        if (top->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF)
            s += 3;
        if (strlen(s) != (size_t)n - (size_t)(s - r->raw))
            return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: NUL byte in the file", AT(r));
        strip_comment(s);
        s = trim(s);
        if (expand_vars(r, s, line, cap) < 0)
            return -1;
        /* a value from ${VAR} may itself end or start with spaces */
        char *t = trim(line);
        memmove(line, t, strlen(t) + 1);
        if (!line[0])
            return 0;
        if (line[0] == '[') {
            size_t len = strlen(line);
            if (line[len - 1] != ']')
                return sb_errf(r->err, SB_EXIT_USAGE,
                               "%s:%u: section header '%s' needs a closing ']'", AT(r), line);
            if (!valid_name(line + 1, len - 2))
                return sb_errf(r->err, SB_EXIT_USAGE,
                               "%s:%u: section name '%.*s': use letters, digits and _ . + -",
                               AT(r), (int)(len - 2), line + 1);
            char name[256];
            snprintf(name, sizeof(name), "%.*s", (int)(len - 2), line + 1);
            if (r->on_section && r->on_section(r->ctx, name) < 0)
                return -1;
            return 0;
        }
        const char *inc = include_target(line);
        if (inc) {
            if (do_include(r, inc) < 0)
                return -1;
            continue;
        }
        const char *eq = strchr(line, '=');
        size_t klen = eq ? (size_t)(eq - line) : 0;
        while (klen > 0 && isspace((unsigned char)line[klen - 1]))
            klen--;
        if (!eq || klen == 0 || strspn(line, "abcdefghijklmnopqrstuvwxyz"
                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != klen)
            return sb_errf(r->err, SB_EXIT_USAGE,
                           "%s:%u: expected 'key = value', '[section]' or 'include FILE', "
                           "not '%s'",
                           AT(r), line);
        return 0;
    }
    return -1;
}

static char *reader_cb(char *str, int num, void *stream)
{
    struct sb_ini_reader *r = stream;
    if (num < 2 || next_line(r, str, (size_t)num - 2) < 0)
        return NULL;
    /* inih strips the newline itself; appending one keeps it from taking a
     * line that exactly fills the buffer for a truncated one */
    strcat(str, "\n");
    return str;
}

int sb_ini_reader_parse(struct sb_ini_reader *r,
                        int (*handler)(void *, const char *, const char *, const char *),
                        void *user)
{
    /* Process-wide inih settings (a runtime API in Debian's build): the
     * reader already removed comments and continuation lines, and a heap
     * line buffer lets lines reach SB_INI_MAX_LINE. */
    ini_allow_multiline = false;
    ini_allow_inline_comments = false;
    ini_stop_on_first_error = true;
    ini_use_stack = false;
    ini_allow_realloc = false;
    ini_max_line = SB_INI_MAX_LINE;
    ini_initial_alloc = SB_INI_MAX_LINE;
    int rc = ini_parse_stream(reader_cb, r, handler, user);
    if (r->err->code)
        return -1;
    if (rc == -2)
        return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: out of memory while parsing", AT(r));
    if (rc != 0)
        return sb_errf(r->err, SB_EXIT_USAGE, "%s:%u: cannot parse this line", AT(r));
    return 0;
}
