/*
 * scenario.c - loads a scenario file into jobs: sections, [global]
 * inheritance, per-key parsing through the key table, and errors that name
 * file and line.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini_reader.h"
#include "scenario.h"
#include "suggest.h"

struct parse {
    struct sb_scenario *sc;
    struct sb_ini_reader rd;
    struct sb_err *err;
    struct sb_job global; /* the defaults plus every [global] key so far */
    struct sb_job *cur;   /* the section being read: &global, a job, or NULL */
    /* the length key set in the current section, to refuse a second one */
    const char *length_key;
    unsigned length_line;
};

static int finish_job(struct parse *ps)
{
    if (!ps->cur || ps->cur == &ps->global)
        return 0;
    char why[320];
    if (sb_job_finish(ps->cur, why, sizeof(why)) < 0)
        return sb_errf(ps->err, SB_EXIT_USAGE, "%s:%u: [%s]: %s", ps->cur->file, ps->cur->line,
                       ps->cur->name, why);
    return 0;
}

static int on_section(void *ctx, const char *name)
{
    struct parse *ps = ctx;
    struct sb_scenario *sc = ps->sc;
    const char *file = sb_ini_reader_file(&ps->rd);
    unsigned line = sb_ini_reader_line(&ps->rd);
    if (finish_job(ps) < 0)
        return -1;
    ps->length_key = NULL;
    if (strcmp(name, "global") == 0) {
        ps->cur = &ps->global;
        return 0;
    }
    if (strlen(name) >= SB_NAME_MAX)
        return sb_errf(ps->err, SB_EXIT_USAGE, "%s:%u: job name '%s' is longer than %d characters",
                       file, line, name, SB_NAME_MAX - 1);
    for (size_t i = 0; i < sc->njobs; i++)
        if (strcmp(sc->jobs[i].name, name) == 0)
            return sb_errf(ps->err, SB_EXIT_USAGE, "%s:%u: job [%s] is already defined at %s:%u",
                           file, line, name, sc->jobs[i].file, sc->jobs[i].line);
    struct sb_job *jobs = realloc(sc->jobs, (sc->njobs + 1) * sizeof(*jobs));
    if (!jobs)
        return sb_errf(ps->err, SB_EXIT_USAGE, "%s:%u: out of memory", file, line);
    sc->jobs = jobs;
    struct sb_job *j = &jobs[sc->njobs++];
    *j = ps->global;
    snprintf(j->name, sizeof(j->name), "%s", name);
    snprintf(j->base.job, sizeof(j->base.job), "%s", name);
    snprintf(j->file, sizeof(j->file), "%s", file);
    j->line = line;
    ps->cur = j;
    return 0;
}

/* Keeps key = value for the resolved copy (scenario.h); -1 if it does not fit. */
static int remember(struct sb_job *j, const struct sb_key *key, const char *value)
{
    size_t idx = (size_t)(key - sb_scenario_key_at(0)), n = strlen(value) + 1;
    if (idx >= SB_MAX_KEYS || j->set_used + n > sizeof(j->set_text) || j->set_used + 1 > 65535)
        return -1;
    memcpy(j->set_text + j->set_used, value, n);
    j->set_at[idx] = (unsigned short)(j->set_used + 1);
    j->set_used += n;
    return 0;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse *ps = user;
    const char *file = sb_ini_reader_file(&ps->rd);
    unsigned line = sb_ini_reader_line(&ps->rd);
    (void)section; /* on_section already made it current */
    const struct sb_key *key = sb_scenario_key_find(name);
    if (!key) {
        const char *names[64];
        size_t n = 0;
        for (size_t i = 0; i < sb_scenario_key_count() && n < 64; i++)
            names[n++] = sb_scenario_key_at(i)->name;
        sb_errf(ps->err, SB_EXIT_USAGE,
                "%s:%u: unknown key '%s'; nearest valid key: '%s' (all keys: serbench help "
                "scenario)",
                file, line, name, sb_nearest(name, names, n));
        return 0;
    }
    if (!ps->cur) {
        sb_errf(ps->err, SB_EXIT_USAGE,
                "%s:%u: '%s' is outside any section; put it under [global] or a [job]", file, line,
                name);
        return 0;
    }
    if (key->flags & SB_KEY_LENGTH) {
        if (ps->length_key && strcmp(ps->length_key, key->name) != 0) {
            sb_errf(ps->err, SB_EXIT_USAGE,
                    "%s:%u: %s: this section already has %s (line %u); a job has exactly one "
                    "of duration, bytes, messages",
                    file, line, name, ps->length_key, ps->length_line);
            return 0;
        }
        ps->length_key = key->name;
        ps->length_line = line;
    }
    struct sb_keyctx k = {.file = file, .line = line, .sc = ps->sc};
    if (!*value) {
        sb_errf(ps->err, SB_EXIT_USAGE, "%s:%u: %s has no value; accepted: %s", file, line, name,
                key->accepts);
        return 0;
    }
    if (remember(ps->cur, key, value) < 0) {
        sb_errf(ps->err, SB_EXIT_USAGE, "%s:%u: the job's keys are too long to keep (8 KiB)",
                file, line);
        return 0;
    }
    if (sb_key_parse(key, ps->cur, value, &k) < 0) {
        if (k.why[0])
            sb_errf(ps->err, SB_EXIT_USAGE, "%s:%u: %s = %s: %s; accepted: %s", file, line, name,
                    value, k.why, key->accepts);
        else
            sb_errf(ps->err, SB_EXIT_USAGE, "%s:%u: %s = %s is not valid; accepted: %s", file,
                    line, name, value, key->accepts);
        return 0;
    }
    return 1;
}

static void scenario_name(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
        n -= 4;
    if (n >= len)
        n = len - 1;
    memcpy(out, base, n);
    out[n] = '\0';
}

int sb_scenario_load(const char *path, struct sb_scenario **out, struct sb_err *err)
{
    if (!path || !out || !err)
        return sb_errf(err, SB_EXIT_USAGE, "scenario: invalid argument");
    *out = NULL;
    struct sb_scenario *sc = calloc(1, sizeof(*sc));
    struct parse *ps = calloc(1, sizeof(*ps));
    if (!sc || !ps) {
        free(sc);
        free(ps);
        return sb_errf(err, SB_EXIT_USAGE, "%s: out of memory", path);
    }
    snprintf(sc->path, sizeof(sc->path), "%s", path);
    scenario_name(path, sc->name, sizeof(sc->name));
    ps->sc = sc;
    ps->err = err;
    sb_job_defaults(&ps->global);
    int rc = sb_ini_reader_open(&ps->rd, path, on_section, ps, err);
    if (rc == 0)
        rc = sb_ini_reader_parse(&ps->rd, on_key, ps);
    if (rc == 0)
        rc = finish_job(ps);
    if (rc == 0 && sc->njobs == 0)
        rc = sb_errf(err, SB_EXIT_USAGE,
                     "%s: no job sections; add one, e.g. [small] after [global]", path);
    sb_ini_reader_close(&ps->rd);
    free(ps);
    if (rc < 0) {
        sb_scenario_free(sc);
        return -1;
    }
    *out = sc;
    return 0;
}

void sb_scenario_free(struct sb_scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->nowned; i++)
        free(sc->owned[i]);
    free(sc->owned);
    free(sc->plugins);
    free(sc->jobs);
    free(sc);
}

/* A replay path relative to its scenario file, made absolute (the resolved
 * copy lives elsewhere). */
static void put_value(FILE *out, const struct sb_scenario *sc, const struct sb_job *j,
                      const char *name, const char *v)
{
    int plugins = 0;
    for (size_t i = 0; i < j->nstrategies; i++)
        plugins |= j->strategy_plugin[i] != 0;
    if (strcmp(name, "strategies") == 0 && plugins) {
        /* The list as it ran: plugin paths absolute, each plugin's names written out. */
        for (size_t i = 0; i < j->nstrategies; i++) {
            unsigned p = j->strategy_plugin[i];
            fprintf(out, "%s", i ? ", " : "");
            if (p)
                fprintf(out, "plugin:%s%s%s", sc->plugins[p - 1].path,
                        j->strategies[i][0] ? ":" : "", j->strategies[i]);
            else
                fprintf(out, "%s", j->strategies[i]);
        }
        fputc('\n', out);
        return;
    }
    if (strcmp(name, "message") == 0 && strncmp(v, "replay:", 7) == 0 && v[7] != '/') {
        const char *slash = strrchr(j->file, '/');
        char dir[PATH_MAX] = ".";
        if (slash)
            snprintf(dir, sizeof(dir), "%.*s", (int)(slash - j->file), j->file);
        char abs[PATH_MAX];
        if (realpath(dir, abs))
            fprintf(out, "replay:%s/%s\n", abs, v + 7);
        else
            fprintf(out, "%s\n", v);
        return;
    }
    fprintf(out, "%s\n", v);
}

/* The length key (duration, bytes, messages) the job runs by. */
static int active_length(const struct sb_job *j, const char *name)
{
    return (strcmp(name, "duration") == 0 && j->base.duration_ns) ||
           (strcmp(name, "bytes") == 0 && j->base.bytes) ||
           (strcmp(name, "messages") == 0 && j->base.messages);
}

int sb_scenario_write_resolved(const struct sb_scenario *sc, FILE *out)
{
    if (!sc || !out)
        return -1;
    fprintf(out, "# %s as it ran: includes and ${VAR} expanded, every key with its value\n"
                 "# (set, inherited from [global], or the default).  serbench run --again\n"
                 "# runs it again.\n", sc->path);
    for (size_t i = 0; i < sc->njobs; i++) {
        const struct sb_job *j = &sc->jobs[i];
        fprintf(out, "\n[%s]\n", j->name);
        for (size_t k = 0; k < sb_scenario_key_count(); k++) {
            const struct sb_key *key = sb_scenario_key_at(k);
            int set = k < SB_MAX_KEYS && j->set_at[k];
            const char *v = set ? j->set_text + j->set_at[k] - 1 : key->dflt;
            if (!set && strcmp(v, "-") == 0)
                continue; /* no default: unset means absent */
            if ((key->flags & SB_KEY_LENGTH) && !active_length(j, key->name))
                continue; /* a job has exactly one length */
            fprintf(out, "%s = ", key->name);
            put_value(out, sc, j, key->name, v);
        }
    }
    return ferror(out) ? -1 : 0;
}
