/* cmp_cli.c - the options and reports compare and gate share (cmp_cli.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp_cli.h"

void sb_cmp_cli_init(struct sb_cmp_cli *c)
{
    memset(c, 0, sizeof(*c));
    sb_cmp_opts_init(&c->opts);
}

static int bad(const char *cmd, const char *what, const char *arg)
{
    fprintf(stderr, "serbench %s: %s%s (serbench help %s)\n", cmd, what, arg ? arg : "", cmd);
    return SB_EXIT_USAGE;
}

int sb_cmp_cli_option(struct sb_cmp_cli *c, int ch, const char *arg, const char *word,
                      const char *cmd)
{
    struct sb_err err = {0};
    char *end;
    switch (ch) {
    case SB_OPT_THRESHOLD:
        if (sb_cmp_threshold_parse(&c->opts, arg, &err) < 0) {
            fprintf(stderr, "serbench %s: %s\n", cmd, err.msg);
            return SB_EXIT_USAGE;
        }
        return 0;
    case SB_OPT_ALPHA:
        c->opts.alpha = strtod(arg, &end);
        if (end == arg || *end || !(c->opts.alpha > 0 && c->opts.alpha < 0.5))
            return bad(cmd, "--alpha: expected a number between 0 and 0.5, not ", arg);
        return 0;
    case SB_OPT_MIN_REPEATS: {
        unsigned long v = strtoul(arg, &end, 10);
        if (end == arg || *end || v < 2 || v > 1000)
            return bad(cmd, "--min-repeats: expected a whole number from 2 to 1000, not ", arg);
        c->opts.min_repeats = v;
        return 0;
    }
    case SB_OPT_KEEP_STARVED: c->opts.keep_starved = 1; return 0;
    case SB_OPT_FORCE: c->opts.force = 1; return 0;
    case SB_OPT_JSON: c->json = 1; c->json_file = arg; return 0;
    case SB_OPT_BMF: c->bmf = 1; c->bmf_file = arg; return 0;
    case SB_OPT_MARKDOWN: c->markdown_file = arg; return 0;
    case ':': return bad(cmd, word, " needs a value");
    case '?': return bad(cmd, "unknown option ", word);
    default: return -1;
    }
}

/* Writes one report to path (mode "w" or "a"), or to stdout when path is NULL. */
static int to(const char *path, const char *mode, const struct sb_cmp *cmp, const char *title,
              int what)
{
    FILE *f = path ? fopen(path, mode) : stdout;
    if (!f) {
        fprintf(stderr, "serbench: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    if (what == 0)
        sb_cmp_markdown(cmp, f, title);
    else if (what == 1)
        rc = sb_cmp_json(cmp, f);
    else
        rc = sb_cmp_bmf(cmp, f);
    if (path && fclose(f) != 0)
        rc = -1;
    else if (!path)
        fflush(f);
    if (rc < 0)
        fprintf(stderr, "serbench: %s: cannot write\n", path ? path : "stdout");
    return rc;
}

int sb_cmp_cli_report(const struct sb_cmp_cli *c, const struct sb_cmp *cmp, const char *title)
{
    int rc = 0;
    int stdout_taken = (c->json && !c->json_file) || (c->bmf && !c->bmf_file);
    if (!stdout_taken)
        rc |= to(NULL, "w", cmp, title, 0);
    if (c->markdown_file)
        rc |= to(c->markdown_file, "a", cmp, title, 0);
    if (c->json)
        rc |= to(c->json_file, "w", cmp, title, 1);
    if (c->bmf)
        rc |= to(c->bmf_file, "w", cmp, title, 2);
    return rc ? SB_EXIT_USAGE : sb_cmp_exit(cmp);
}
