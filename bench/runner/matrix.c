/* matrix.c - expanding jobs into runs, filtering them, and seeding each. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "matrix.h"
#include "msgsize.h"
#include "suggest.h"
#include "units.h"
#include "workload.h"

_Static_assert(SB_MAX_LIST <= 64, "checked[] keeps one bit a strategy of a job");

const char *const sb_filter_keys[] = {"job", "strategy", "allocator", "transport", "scenario"};
const size_t sb_filter_nkeys = sizeof(sb_filter_keys) / sizeof(sb_filter_keys[0]);

/* splitmix64's finaliser: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/*
 * Not the strategy or the allocator: every strategy in one repeat gets the
 * same message sizes and timings, so their results differ by the buffer,
 * not by the traffic.  Repeats differ, so a lucky seed does not decide.
 */
uint64_t sb_run_seed(uint64_t seed, const char *job, unsigned repeat)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the job name */
    for (const unsigned char *p = (const unsigned char *)job; *p; p++)
        h = (h ^ *p) * 0x100000001b3ull;
    return mix64(mix64(seed ^ mix64(h)) + 0x9e3779b97f4a7c15ull * (repeat + 1ull));
}

static int filter_key(const char *f, size_t *idx)
{
    const char *eq = strchr(f, '=');
    if (!eq)
        return -1;
    for (size_t i = 0; i < sb_filter_nkeys; i++)
        if (strlen(sb_filter_keys[i]) == (size_t)(eq - f) &&
            strncmp(f, sb_filter_keys[i], (size_t)(eq - f)) == 0) {
            *idx = i;
            return 0;
        }
    return -1;
}

int sb_filter_check(const char *filter, struct sb_err *err)
{
    size_t k;
    char keys[128];
    sb_join(sb_filter_keys, sb_filter_nkeys, ", ", keys, sizeof(keys));
    if (!filter || !strchr(filter, '='))
        return sb_errf(err, SB_EXIT_USAGE, "--filter %s: expected KEY=GLOB with KEY one of: %s",
                       filter ? filter : "", keys);
    if (filter_key(filter, &k) < 0) {
        char key[64];
        snprintf(key, sizeof(key), "%.*s", (int)(strchr(filter, '=') - filter), filter);
        return sb_errf(err, SB_EXIT_USAGE,
                       "--filter %s: unknown key '%s' (did you mean '%s'? valid: %s)", filter, key,
                       sb_nearest(key, sb_filter_keys, sb_filter_nkeys), keys);
    }
    return 0;
}

static int passes(const struct sb_matrix_opts *o, const struct sb_cell *c)
{
    const char *val[] = {c->p.job, c->p.strategy, c->p.allocator, c->p.transport,
                         c->scenario->name};
    /* a sweep's run answers to its job's name too (job=lat as well as job=lat@*) */
    const char *base = c->job ? c->job->name : c->p.job;
    for (size_t k = 0; k < sb_filter_nkeys; k++) {
        int any = 0, hit = 0;
        for (size_t i = 0; i < o->nfilters; i++) {
            size_t fk;
            if (filter_key(o->filters[i], &fk) < 0 || fk != k)
                continue;
            any = 1;
            hit |= fnmatch(strchr(o->filters[i], '=') + 1, val[k], 0) == 0;
            if (k == 0)
                hit |= fnmatch(strchr(o->filters[i], '=') + 1, base, 0) == 0;
        }
        if (any && !hit)
            return 0;
    }
    return 1;
}

/*
 * A job whose largest frame can never fit its strategies' buffers
 * (overflow = block) would fail every one of its rows at run time: it is
 * refused here, before anything runs, with what each strategy really gives
 * (a buffer made through the registry, as the run makes it) and what to
 * change.  fit[] holds, for one job, the strategies left by the filters.
 */
struct misfit {
    const char *strategy;
    struct sb_fit f;
};

static int refuse(const struct sb_job *j, const struct sb_cell *c, const struct misfit *bad,
                  size_t nbad, struct sb_err *err)
{
    size_t frame = bad[0].f.frame, overhead = SB_FRAME_OVERHEAD, least = SIZE_MAX;
    int grows = 0, fixed = 0;
    char list[1024] = "", asked[32];
    size_t o = 0;
    sb_format_size(c->p.buffer, asked, sizeof(asked));
    for (size_t i = 0; i < nbad && o < sizeof(list); i++) {
        const struct sb_fit *f = &bad[i].f;
        grows |= f->grows;
        fixed |= !f->grows;
        least = f->limit < least ? f->limit : least;
        o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s %s %zu bytes", i ? ", " : "",
                              bad[i].strategy, f->grows ? "grows to at most" : "holds",
                              f->limit);
    }
    char change[128];
    snprintf(change, sizeof(change), "raise %s to %zu or more",
             fixed && grows ? "buffer and max_buffer" : fixed ? "buffer" : "max_buffer", frame);
    return sb_errf(err, SB_EXIT_USAGE,
                   "%s:%u: [%s]: frames up to %zu bytes (the message's largest, %zu, + %zu of "
                   "framing) never fit with overflow = block: with buffer = %s, %s (after "
                   "rounding); %s, lower the message's largest size to %zu, set overflow = drop, "
                   "or leave %s out of strategies",
                   j->file, j->line, j->name, frame, frame - overhead, overhead, asked, list,
                   change, least > overhead ? least - overhead : 0,
                   nbad == 1 ? bad[0].strategy : "those");
}

/*
 * The fit of a plugin's strategy: it is not in this process, so its probe
 * (a child, before the matrix) made a buffer of the job's size and kept the
 * capacity it got.  SBUF_OK when every frame fits or nothing is known.
 */
static int plugin_fit(const struct sb_cell *c, struct sb_fit *f)
{
    const struct sb_job *j = c->job;
    memset(f, 0, sizeof(*f));
    f->frame = sb_frame_size(sb_msg_spec_max(&c->p.message));
    for (size_t i = 0; i < j->nstrategies; i++) {
        if (strcmp(j->strategies[i], c->p.strategy) != 0 || !j->strategy_plugin[i])
            continue;
        const struct sb_plugin_ref *ref = &c->scenario->plugins[j->strategy_plugin[i] - 1];
        for (size_t k = 0; k < ref->nnames; k++)
            if (strcmp(ref->names[k], c->p.strategy) == 0)
                f->grows = (ref->caps[k] & SBUF_CAP_GROWS) != 0;
        f->capacity = j->strategy_capacity[i];
        f->limit = f->grows ? c->p.max_buffer : f->capacity;
    }
    int block = c->p.overflow == SB_OVERFLOW_BLOCK;
    return block && f->limit && f->frame > f->limit ? SBUF_ERANGE : SBUF_OK;
}

/* The job's buffer for each strategy in cells[0..n) of one job: -1 with err
 * (exit 2; 3 when a buffer could not be made for another reason). */
static int check_job(const struct sb_cell *const *cells, size_t n, struct sb_err *err)
{
    const struct sb_job *j = cells[0]->job;
    struct misfit bad[SB_MAX_LIST];
    size_t nbad = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sb_cell *c = cells[i];
        struct sb_fit f;
        if ((c->p.plugin[0] ? plugin_fit(c, &f) : sb_workload_fit(&c->p, &f)) == SBUF_OK)
            continue;
        if (f.rc) {
            char asked[32];
            int usage = f.rc == SBUF_ERANGE || f.rc == SBUF_EINVAL;
            sb_format_size(c->p.buffer, asked, sizeof(asked));
            return sb_errf(err, usage ? SB_EXIT_USAGE : SB_EXIT_MISSING,
                           "%s:%u: [%s]: strategy %s cannot make a buffer of buffer = %s%s: "
                           "%s%s",
                           j->file, j->line, j->name, c->p.strategy, asked,
                           c->p.max_buffer ? " (with max_buffer)" : "", sbuf_strerror(f.rc),
                           usage ? "; change buffer (or max_buffer), or leave the strategy out "
                                   "of strategies"
                                 : "");
        }
        bad[nbad].strategy = c->p.strategy;
        bad[nbad++].f = f;
    }
    return nbad ? refuse(j, cells[0], bad, nbad, err) : 0;
}

/* Every job x strategy in m, each once (whatever its allocators and repeats). */
static int check_fits(struct sb_scenario *const *sc, size_t nsc, const struct sb_matrix *m,
                      struct sb_err *err)
{
    for (size_t s = 0; s < nsc; s++)
        for (size_t jx = 0; jx < sc[s]->njobs; jx++) {
            const struct sb_job *j = &sc[s]->jobs[jx];
            const struct sb_cell *cells[SB_MAX_LIST];
            size_t n = 0;
            uint64_t seen = 0;
            for (size_t i = 0; i < m->n; i++) {
                const struct sb_cell *c = &m->cells[i];
                if (c->job != j)
                    continue;
                size_t st = 0;
                while (st < j->nstrategies && strcmp(j->strategies[st], c->p.strategy) != 0)
                    st++;
                if (st < j->nstrategies && !(seen & (1ull << st))) {
                    seen |= 1ull << st;
                    cells[n++] = c;
                }
            }
            if (n && check_job(cells, n, err) < 0)
                return -1;
        }
    return 0;
}

static int push(struct sb_matrix *m, size_t *cap, const struct sb_cell *c)
{
    if (m->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        struct sb_cell *nc = realloc(m->cells, ncap * sizeof(*nc));
        if (!nc)
            return -1;
        m->cells = nc;
        *cap = ncap;
    }
    m->cells[m->n++] = *c;
    return 0;
}

int sb_matrix_expand(struct sb_scenario *const *sc, size_t nsc, const struct sb_matrix_opts *o,
                     struct sb_matrix *m, struct sb_err *err)
{
    static const struct sb_matrix_opts none = {0};
    if (!m || (!sc && nsc))
        return sb_errf(err, SB_EXIT_USAGE, "matrix: invalid argument");
    if (!o)
        o = &none;
    m->cells = NULL;
    m->n = 0;
    for (size_t i = 0; i < o->nfilters; i++)
        if (sb_filter_check(o->filters[i], err) < 0)
            return -1;
    unsigned max_repeat = 0;
    for (size_t s = 0; s < nsc; s++)
        for (size_t j = 0; j < sc[s]->njobs; j++) {
            unsigned r = o->repeat ? o->repeat : sc[s]->jobs[j].repeat;
            max_repeat = r > max_repeat ? r : max_repeat;
        }
    size_t cap = 0;
    for (unsigned r = 0; r < max_repeat; r++)
        for (size_t s = 0; s < nsc; s++)
            for (size_t j = 0; j < sc[s]->njobs; j++) {
                const struct sb_job *job = &sc[s]->jobs[j];
                if (r >= (o->repeat ? o->repeat : job->repeat))
                    continue;
                size_t nrates = job->nsweep ? job->nsweep : 1;
                for (size_t ri = 0; ri < nrates; ri++)
                for (size_t st = 0; st < job->nstrategies; st++)
                    for (size_t a = 0; a < job->nallocators; a++) {
                        struct sb_cell c = {.p = job->base, .scenario = sc[s], .job = job,
                                            .timeout_ns = job->timeout_ns};
                        if (job->nsweep) {
                            c.p.rate = job->sweep[ri];
                            snprintf(c.p.job, sizeof(c.p.job), "%.40s@%.0f/s", job->name,
                                     job->sweep[ri]);
                        }
                        snprintf(c.p.strategy, sizeof(c.p.strategy), "%s", job->strategies[st]);
                        if (job->strategy_plugin[st]) {
                            /* plugins.h resolves plugin:PATH entries before this */
                            const struct sb_plugin_ref *pl =
                                &sc[s]->plugins[job->strategy_plugin[st] - 1];
                            if (!pl->probed || !job->strategies[st][0]) {
                                sb_matrix_free(m);
                                return sb_errf(err, SB_EXIT_USAGE,
                                               "%s: plugin %s was not probed before the matrix",
                                               pl->where, pl->path);
                            }
                            snprintf(c.p.plugin, sizeof(c.p.plugin), "%s", pl->path);
                            snprintf(c.p.plugin_sha256, sizeof(c.p.plugin_sha256), "%s",
                                     pl->sha256);
                        }
                        snprintf(c.p.allocator, sizeof(c.p.allocator), "%s", job->allocators[a]);
                        c.p.repeat = r;
                        c.p.seed = sb_run_seed(job->seed, job->name, r);
                        if (passes(o, &c) && push(m, &cap, &c) < 0) {
                            sb_matrix_free(m);
                            return sb_errf(err, SB_EXIT_USAGE, "matrix: out of memory");
                        }
                    }
            }
    if (m->n && check_fits(sc, nsc, m, err) < 0) {
        sb_matrix_free(m);
        return -1;
    }
    if (m->n == 0)
        return sb_errf(err, SB_EXIT_USAGE, "no run left to do%s",
                       o->nfilters ? " after --filter (serbench run --dry-run shows the matrix)"
                                   : "");
    return 0;
}

void sb_matrix_free(struct sb_matrix *m)
{
    if (!m)
        return;
    free(m->cells);
    m->cells = NULL;
    m->n = 0;
}
