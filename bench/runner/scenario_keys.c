/*
 * scenario_keys.c - every scenario key: its parser, its default and its
 * documentation, in one table.  The parser (scenario.c), `serbench help
 * scenario` and scenarios/README.md all come from this table.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator.h"
#include "frame.h"
#include "msgsize.h"
#include "msgspec.h"
#include "placement.h"
#include "scenario.h"
#include "sbuf/registry.h"
#include "suggest.h"
#include "transport.h"
#include "peer.h"
#include "units.h"

#define WHY(k, ...) (snprintf((k)->why, sizeof((k)->why), __VA_ARGS__), -1)

/* Copies s into a fixed char array, refusing what does not fit. */
static int set_str(char *dst, size_t cap, const char *s, struct sb_keyctx *k)
{
    return sb_opt_set_str(dst, cap, s, k->why, sizeof(k->why));
}

/* One of names[] (n of them) -> index in *idx. */
static int choose(const char *v, const char *const *names, size_t n, size_t *idx,
                  struct sb_keyctx *k)
{
    return sb_opt_choose(v, names, n, idx, k->why, sizeof(k->why));
}

/*
 * A list of names separated by commas and/or spaces, each one of valid[],
 * or the single word `all` for all of them, into out (deduplicated).
 */
static int parse_names(const char *v, const char *what, const char *const *valid, size_t nvalid,
                       char out[][SB_NAME_MAX], size_t *nout, struct sb_keyctx *k)
{
    char buf[1024];
    size_t n = 0;
    if (strlen(v) >= sizeof(buf))
        return WHY(k, "list too long");
    snprintf(buf, sizeof(buf), "%s", v);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        if (strcmp(t, "all") == 0) {
            if (n > 0 || strtok_r(NULL, ", \t", &save))
                return WHY(k, "'all' stands alone");
            for (size_t i = 0; i < nvalid && i < SB_MAX_LIST; i++)
                snprintf(out[i], SB_NAME_MAX, "%s", valid[i]);
            *nout = nvalid < SB_MAX_LIST ? nvalid : SB_MAX_LIST;
            return 0;
        }
        size_t i;
        for (i = 0; i < nvalid && strcmp(t, valid[i]) != 0; i++)
            ;
        if (i == nvalid) {
            char all[512];
            return WHY(k, "unknown %s '%s' (did you mean '%s'? valid: all, %s)", what, t,
                       sb_nearest(t, valid, nvalid),
                       sb_join(valid, nvalid, ", ", all, sizeof(all)));
        }
        size_t j;
        for (j = 0; j < n && strcmp(out[j], t) != 0; j++)
            ;
        if (j < n)
            continue;
        if (n == SB_MAX_LIST)
            return WHY(k, "more than %d names", SB_MAX_LIST);
        snprintf(out[n++], SB_NAME_MAX, "%s", t);
    }
    if (n == 0)
        return WHY(k, "empty list");
    *nout = n;
    return 0;
}

/* Appends one strategy to the job unless it is there already (same name, same plugin). */
static int add_strategy(struct sb_job *j, const char *name, unsigned plugin, struct sb_keyctx *k)
{
    for (size_t i = 0; i < j->nstrategies; i++)
        if (j->strategy_plugin[i] == plugin && strcmp(j->strategies[i], name) == 0)
            return 0;
    if (j->nstrategies == SB_MAX_LIST)
        return WHY(k, "more than %d strategies", SB_MAX_LIST);
    snprintf(j->strategies[j->nstrategies], SB_NAME_MAX, "%s", name);
    j->strategy_plugin[j->nstrategies] = (unsigned char)plugin;
    j->strategy_capacity[j->nstrategies] = 0;
    j->nstrategies++;
    return 0;
}

/* What a strategy name may hold (sbuf_ops_check's rule). */
static int strategy_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SB_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
            return 0;
    return 1;
}

/*
 * plugin:PATH or plugin:PATH:NAME.  PATH (no ':' in it) is relative to the
 * file that names it; the parser only records it (scenario.h), the runner
 * probes it before anything runs.
 */
static int add_plugin_strategy(struct sb_job *j, const char *t, struct sb_keyctx *k)
{
    const char *spec = t + strlen("plugin:");
    const char *colon = strchr(spec, ':');
    size_t plen = colon ? (size_t)(colon - spec) : strlen(spec);
    const char *name = colon ? colon + 1 : "";
    if (plen == 0)
        return WHY(k, "'%s': no path (plugin:PATH or plugin:PATH:NAME)", t);
    if (colon && !strategy_name_ok(name))
        return WHY(k, "'%s': '%s' is not a strategy name (1 to %d of A-Z a-z 0-9 _ . -)", t, name,
                   SB_NAME_MAX - 1);
    char joined[PATH_MAX], abs[PATH_MAX];
    const char *slash = k->file ? strrchr(k->file, '/') : NULL;
    int w;
    if (spec[0] == '/' || !slash)
        w = snprintf(joined, sizeof(joined), "%.*s", (int)plen, spec);
    else
        w = snprintf(joined, sizeof(joined), "%.*s/%.*s", (int)(slash - k->file), k->file,
                     (int)plen, spec);
    if (w < 0 || (size_t)w >= sizeof(joined))
        return WHY(k, "'%s': path too long", t);
    /* A file that does not exist keeps its spelling: the probe says so. */
    if (!realpath(joined, abs)) {
        char cwd[PATH_MAX];
        if (joined[0] == '/' || !getcwd(cwd, sizeof(cwd)))
            snprintf(abs, sizeof(abs), "%s", joined);
        else if ((size_t)snprintf(abs, sizeof(abs), "%s/%s", cwd, joined) >= sizeof(abs))
            return WHY(k, "'%s': path too long", t);
    }
    struct sb_scenario *sc = k->sc;
    size_t p;
    for (p = 0; p < sc->nplugins && strcmp(sc->plugins[p].path, abs) != 0; p++)
        ;
    if (p == sc->nplugins) {
        if (sc->nplugins == SB_MAX_PLUGINS)
            return WHY(k, "more than %d plugins in one scenario", SB_MAX_PLUGINS);
        struct sb_plugin_ref *np = realloc(sc->plugins, (sc->nplugins + 1) * sizeof(*np));
        if (!np)
            return WHY(k, "out of memory");
        sc->plugins = np;
        memset(&np[p], 0, sizeof(np[p]));
        snprintf(np[p].path, sizeof(np[p].path), "%s", abs);
        snprintf(np[p].where, sizeof(np[p].where), "%s:%u", k->file ? k->file : "?", k->line);
        sc->nplugins++;
    }
    return add_strategy(j, name, (unsigned)p + 1, k);
}

static int key_strategies(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    const char *names[SB_MAX_LIST];
    size_t n = 0;
    for (size_t i = 0; i < sbuf_registry_count() && n < SB_MAX_LIST; i++)
        names[n++] = sbuf_registry_at(i)->name;
    char buf[4096];
    if (strlen(v) >= sizeof(buf))
        return WHY(k, "list too long");
    snprintf(buf, sizeof(buf), "%s", v);
    /* A job's own list replaces the one it inherited. */
    j->nstrategies = 0;
    size_t builtin = 0, all = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
        if (strncmp(t, "plugin:", 7) == 0) {
            if (add_plugin_strategy(j, t, k) < 0)
                return -1;
            continue;
        }
        builtin++;
        all += strcmp(t, "all") == 0;
        if (all && builtin > 1)
            return WHY(k, "'all' stands alone among the built-in names (plugin: entries may go "
                          "with it)");
        char one[SB_MAX_LIST][SB_NAME_MAX];
        size_t none = 0;
        if (parse_names(t, "strategy", names, n, one, &none, k) < 0)
            return -1;
        for (size_t i = 0; i < none; i++)
            if (add_strategy(j, one[i], 0, k) < 0)
                return -1;
    }
    if (j->nstrategies == 0)
        return WHY(k, "empty list");
    return 0;
}

static int key_allocators(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    const char *names[SB_MAX_LIST];
    size_t n = 0;
    for (size_t i = 0; i < sb_allocator_count() && n < SB_MAX_LIST; i++)
        names[n++] = sb_allocator_at(i)->name;
    return parse_names(v, "allocator", names, n, j->allocators, &j->nallocators, k);
}

static int key_repeat(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    uint64_t n;
    (void)k;
    if (sb_parse_count(v, &n) < 0 || n < 1 || n > 1000)
        return -1;
    j->repeat = (unsigned)n;
    return 0;
}

static int key_seed(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    (void)k;
    return sb_parse_u64(v, &j->seed);
}

/* The three length keys replace one another: a job inherits duration from
 * [global] and says messages = 1000 instead. */
static void clear_length(struct sb_job *j)
{
    j->base.duration_ns = j->base.bytes = j->base.messages = 0;
}

static int key_duration(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    uint64_t ns;
    if (sb_parse_duration(v, &ns) < 0)
        return -1;
    if (ns == 0)
        return WHY(k, "must be more than 0");
    clear_length(j);
    j->base.duration_ns = ns;
    return 0;
}

static int key_bytes(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    uint64_t n;
    if (sb_parse_size(v, &n) < 0)
        return -1;
    if (n == 0)
        return WHY(k, "must be more than 0");
    clear_length(j);
    j->base.bytes = n;
    return 0;
}

static int key_messages(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    uint64_t n;
    if (sb_parse_count(v, &n) < 0)
        return -1;
    if (n == 0)
        return WHY(k, "must be more than 0");
    clear_length(j);
    j->base.messages = n;
    return 0;
}

static int key_warmup(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    (void)k;
    return sb_parse_duration(v, &j->base.warmup_ns);
}

static int key_timeout(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    if (strcmp(v, "auto") == 0) {
        j->timeout_ns = 0;
        return 0;
    }
    if (sb_parse_duration(v, &j->timeout_ns) < 0)
        return -1;
    if (j->timeout_ns == 0)
        return WHY(k, "must be more than 0");
    return 0;
}

static int key_message(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    uint32_t *owned = NULL;
    struct sb_msg_spec m;
    if (sb_msgspec_parse(v, k->file, &m, &owned, k->why, sizeof(k->why)) < 0)
        return -1;
    if (owned) {
        void **no = realloc(k->sc->owned, (k->sc->nowned + 1) * sizeof(*no));
        if (!no) {
            free(owned);
            return WHY(k, "out of memory");
        }
        k->sc->owned = no;
        no[k->sc->nowned++] = owned;
    }
    if (set_str(j->message_text, sizeof(j->message_text), v, k) < 0)
        return -1;
    j->base.message = m;
    return 0;
}

/*
 * sweep:LO-HI:xF (LO, LO x F, ... up to HI) or sweep:LO-HI:+STEP (LO,
 * LO + STEP, ...), rates as the key takes them; HI is included when the
 * series reaches it.  At most SB_MAX_SWEEP rates.
 */
static int parse_sweep(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    char lo_s[64], hi_s[64], step_s[64];
    const char *dash = strchr(v, '-'), *colon = dash ? strchr(dash, ':') : NULL;
    if (!dash || !colon || (size_t)(dash - v) >= sizeof(lo_s) ||
        (size_t)(colon - dash - 1) >= sizeof(hi_s) || strlen(colon + 1) >= sizeof(step_s))
        goto bad;
    snprintf(lo_s, sizeof(lo_s), "%.*s", (int)(dash - v), v);
    snprintf(hi_s, sizeof(hi_s), "%.*s", (int)(colon - dash - 1), dash + 1);
    snprintf(step_s, sizeof(step_s), "%s", colon + 1);
    double lo, hi, step = 0, factor = 0;
    if (sb_parse_rate(lo_s, &lo) < 0 || sb_parse_rate(hi_s, &hi) < 0 || lo <= 0 || hi < lo)
        goto bad;
    if (step_s[0] == 'x') {
        char *end;
        factor = strtod(step_s + 1, &end);
        if (*end || !(factor > 1.0001) || factor > 1000)
            goto bad;
    } else if (step_s[0] == '+') {
        if (sb_parse_rate(step_s + 1, &step) < 0 || step <= 0)
            goto bad;
    } else {
        goto bad;
    }
    j->nsweep = 0;
    for (double r = lo; r <= hi * (1 + 1e-9); r = factor ? r * factor : r + step) {
        if (j->nsweep == SB_MAX_SWEEP) {
            snprintf(k->why, sizeof(k->why), "the sweep has more than %d rates; take a larger step",
                     SB_MAX_SWEEP);
            return -1;
        }
        j->sweep[j->nsweep++] = r;
    }
    j->base.rate = lo; /* what the checks of the job see */
    return 0;
bad:
    snprintf(k->why, sizeof(k->why),
             "expected sweep:LO-HI:xFACTOR or sweep:LO-HI:+STEP with rates as 1000/s "
             "(e.g. sweep:1000/s-100000/s:x2)");
    return -1;
}

static int key_rate(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    j->nsweep = 0;
    if (strncmp(v, "sweep:", 6) == 0)
        return parse_sweep(j, v + 6, k);
    return sb_parse_rate(v, &j->base.rate);
}

/* "A@B" into its two halves. */
static int split_at(const char *v, char *a, char *b, size_t cap)
{
    const char *at = strchr(v, '@');
    if (!at || (size_t)(at - v) >= cap || strlen(at + 1) >= cap)
        return -1;
    snprintf(a, cap, "%.*s", (int)(at - v), v);
    snprintf(b, cap, "%s", at + 1);
    return 0;
}

static int key_burst(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    char a[64], b[64];
    (void)k;
    uint64_t n, period;
    if (strcmp(v, "none") == 0) {
        j->base.burst_count = 0;
        j->base.burst_period_ns = 0;
        return 0;
    }
    if (split_at(v, a, b, sizeof(a)) < 0 || sb_parse_count(a, &n) < 0 || n == 0 ||
        n > UINT32_MAX || sb_parse_duration(b, &period) < 0 || period == 0)
        return -1;
    j->base.burst_count = (uint32_t)n;
    j->base.burst_period_ns = period;
    return 0;
}

static int key_stall(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    char a[64], b[64];
    uint64_t len, period;
    if (strcmp(v, "none") == 0) {
        j->base.stall_ns = 0;
        j->base.stall_period_ns = 0;
        return 0;
    }
    if (split_at(v, a, b, sizeof(a)) < 0 || sb_parse_duration(a, &len) < 0 || len == 0 ||
        sb_parse_duration(b, &period) < 0 || period == 0)
        return -1;
    if (len >= period)
        return WHY(k, "the stall (%s) must be shorter than its period (%s)", a, b);
    j->base.stall_ns = len;
    j->base.stall_period_ns = period;
    return 0;
}

static int parse_capacity(const char *v, size_t *out, struct sb_keyctx *k)
{
    uint64_t n;
    if (sb_parse_size(v, &n) < 0)
        return -1;
    if (n == 0 || n > SBUF_MAX_CAPACITY)
        return WHY(k, "out of range");
    *out = (size_t)n;
    return 0;
}

static int key_buffer(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    return parse_capacity(v, &j->base.buffer, k);
}

static int key_max_buffer(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    if (strcmp(v, "0") == 0 || strcmp(v, "auto") == 0) {
        j->base.max_buffer = 0;
        return 0;
    }
    return parse_capacity(v, &j->base.max_buffer, k);
}

static int key_overflow(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    static const char *const names[] = {"block", "drop"};
    size_t i;
    if (choose(v, names, 2, &i, k) < 0)
        return -1;
    j->base.overflow = i == 0 ? SB_OVERFLOW_BLOCK : SB_OVERFLOW_DROP;
    return 0;
}

static int key_placement(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    static const char *const names[] = {"spread", "same", "none"};
    size_t i;
    if (choose(v, names, 3, &i, k) < 0)
        return -1;
    j->base.placement = i == 0 ? SB_PLACE_SPREAD : i == 1 ? SB_PLACE_SAME : SB_PLACE_NONE;
    return 0;
}

static int key_transport(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    const char *names[16];
    size_t n = 0, i;
    for (size_t t = 0; t < sb_transport_count() && n < 16; t++)
        names[n++] = sb_transport_at(t)->name;
    if (choose(v, names, n, &i, k) < 0)
        return -1;
    return set_str(j->base.transport, sizeof(j->base.transport), v, k);
}

static int key_description(struct sb_job *j, const char *v, struct sb_keyctx *k)
{
    return set_str(j->description, sizeof(j->description), v, k);
}

static const struct sb_key keys[] = {
    /* matrix */
    {"strategies", "matrix",
     "all, or strategy names (serbench list strategies), and plugin:PATH or plugin:PATH:NAME, "
     "separated by commas", "all",
     "The buffer strategies each job runs under; one run per strategy.  plugin:PATH runs every "
     "strategy the shared object PATH exports beside the built-in ones (plugin:PATH:NAME only "
     "NAME); a relative PATH is relative to this file, and it may not hold ':' or spaces.  "
     "Each plugin is probed in a child process before anything runs (bad input is exit 2, a "
     "library it needs missing exit 3) and loaded in each run's own process, so a crash fails "
     "its row; `serbench check PATH` holds it to the tests first.", 0, key_strategies, NULL},
    {"allocators", "matrix", "all, or names from: glibc, jemalloc, mimalloc, tcmalloc",
     "glibc", "The allocators each job runs under.  Each run is a child process; all but "
     "glibc are loaded with LD_PRELOAD and verified to serve malloc.", 0, key_allocators, NULL},
    {"repeat", "matrix", "a whole number from 1 to 1000", "1",
     "Runs per job x strategy x allocator.  Repeats are interleaved (a b c a b c), so slow "
     "drift of the machine spreads over every strategy.", 0, key_repeat, NULL},
    {"seed", "matrix", "a whole number (decimal or 0x hex)", "1",
     "Seeds the message sizes, payloads and timings.  Each run's seed is derived from this, "
     "the job name and the repeat index, so every strategy and allocator in the same repeat "
     "sees the same traffic.", 0, key_seed, NULL},
    /* length */
    {"duration", "length", "a duration: 500ms, 10s, 2m", "5s",
     "Length of the measured phase by time.  A job has exactly one of duration, bytes, "
     "messages; setting one replaces one inherited from [global].", SB_KEY_LENGTH, key_duration, NULL},
    {"bytes", "length", "a size: 64MiB, 1GiB", "-",
     "Length of the measured phase by payload bytes offered.", SB_KEY_LENGTH, key_bytes, NULL},
    {"messages", "length", "a count: 100000, 100k, 1M", "-",
     "Length of the measured phase by messages offered.", SB_KEY_LENGTH, key_messages, NULL},
    {"warmup", "length", "a duration, or 0", "0",
     "Traffic before the measured phase starts; not counted in any result.", 0, key_warmup, NULL},
    {"timeout", "length", "auto, or a duration", "auto",
     "A run still going after this long is killed and recorded as failed.  auto: twice "
     "duration + warmup, plus 30 s; 10 min for bytes and messages jobs.", 0, key_timeout, NULL},
    /* traffic */
    {"message", "traffic",
     "fixed:N, uniform:LO-HI, lognormal:mean=M,sd=S,max=X, replay:FILE (sizes in bytes, "
     "1 B to 16 MiB)",
     "fixed:64",
     "Payload size of each message.  replay:FILE reads one size a line (# comments), relative "
     "to the scenario file, and cycles through them.", 0, key_message, NULL},
    {"rate", "traffic",
     "max, or messages per time: 2000/s, 2k/s, 5/ms, 600/min; or sweep:LO-HI:xFACTOR or "
     "sweep:LO-HI:+STEP",
     "max",
     "Offered load: max sends as fast as the buffer takes them.  Paced with absolute "
     "deadlines, so the rate does not drift.  A sweep (sweep:1000/s-64000/s:x2) runs the job "
     "once at each rate of the series, as jobs named NAME@RATE/s (1000/s, 2000/s, ... 64000/s; "
     "HI when the series reaches it), with the same traffic seed; serbench report plots their "
     "latency against the offered rate (plots/NAME-load).", 0, key_rate, NULL},
    {"burst", "traffic", "none, or COUNT@PERIOD: 50@100ms", "none",
     "COUNT messages back to back every PERIOD, instead of a steady rate (so rate must be "
     "max).", 0, key_burst, NULL},
    {"stall", "traffic", "none, or PAUSE@PERIOD: 5ms@1s", "none",
     "The consumer stops reading for PAUSE every PERIOD: a slow consumer.", 0, key_stall, NULL},
    /* buffer */
    {"buffer", "buffer", "a size from 1 B to 1 GiB: 4KiB, 64k, 1MiB", "64KiB",
     "Capacity of the strategy under test (strategies may round it up; runs.csv reports the "
     "real capacity).", 0, key_buffer, NULL},
    {"max_buffer", "buffer", "auto, or a size from 1 B to 1 GiB", "auto",
     "Growing strategies (adaptive): the most they may grow to.  auto: the strategy's default.",
     0, key_max_buffer, NULL},
    {"overflow", "buffer", "block or drop", "block",
     "What the producer does when a message does not fit: block waits for room (nothing is "
     "lost); drop refuses the whole message and counts it.", 0, key_overflow, NULL},
    {"placement", "buffer", "spread, same or none", "spread",
     "Where the producer and consumer threads run: spread pins them to two different "
     "physical cores that share the last-level cache (chosen from the allowed CPUs); same "
     "pins both to one CPU; none leaves it to the scheduler.  runs.csv records the CPUs.",
     0, key_placement, NULL},
    /* transport */
    {"transport", "transport", "mem, pty or serial (serbench list transports)", "mem",
     "The data path.  mem: producer thread -> buffer -> consumer thread in one process; pty: "
     "through a socat pair to a peer; serial: a real port.", 0, key_transport, NULL},
    /* report */
    {"description", "report", "free text", "-", "One line shown in summary.md above the job's "
     "table.", 0, key_description, NULL},
};

#define NCORE (sizeof(keys) / sizeof(keys[0]))

/*
 * The whole table: the runner's keys, with every key the transport and
 * peer tables name inserted after `transport`, each once (a key several
 * plug-ins share is one object).  Built on first use, from the main thread.
 */
static struct sb_key all[SB_MAX_KEYS];
static size_t nall;

static void add_opt(const struct sb_opt *o)
{
    for (size_t i = 0; i < nall; i++)
        if (all[i].opt == o)
            return;
    if (nall == SB_MAX_KEYS)
        abort(); /* a table larger than the runner expects: raise SB_MAX_KEYS */
    all[nall++] = (struct sb_key){o->name, o->group, o->accepts, o->dflt, o->doc, 0, NULL, o};
}

static void add_opts(const struct sb_opt *const *keys)
{
    for (size_t i = 0; keys && keys[i]; i++)
        add_opt(keys[i]);
}

static void build_table(void)
{
    if (nall)
        return;
    for (size_t i = 0; i < NCORE; i++) {
        all[nall++] = keys[i];
        if (strcmp(keys[i].name, "transport") != 0)
            continue;
        for (size_t t = 0; t < sb_transport_count(); t++)
            add_opts(sb_transport_at(t)->keys);
        for (size_t pk = 0; pk < sb_peer_kind_count(); pk++)
            add_opts(sb_peer_kind_at(pk)->keys);
    }
}

size_t sb_scenario_key_count(void)
{
    build_table();
    return nall;
}

const struct sb_key *sb_scenario_key_at(size_t i)
{
    build_table();
    return i < nall ? &all[i] : NULL;
}

const struct sb_key *sb_scenario_key_find(const char *name)
{
    build_table();
    for (size_t i = 0; name && i < nall; i++)
        if (strcmp(all[i].name, name) == 0)
            return &all[i];
    return NULL;
}

int sb_key_parse(const struct sb_key *key, struct sb_job *j, const char *value,
                 struct sb_keyctx *k)
{
    if (key->opt)
        return key->opt->parse(&j->base.link, value, k->why, sizeof(k->why));
    return key->parse(j, value, k);
}

void sb_job_defaults(struct sb_job *j)
{
    memset(j, 0, sizeof(*j));
    struct sb_keyctx k = {0};
    /* The documented defaults are parsed, so the docs cannot drift from the
     * behaviour; "-" marks keys without one. */
    build_table();
    for (size_t i = 0; i < nall; i++)
        if (strcmp(all[i].dflt, "-") != 0 && sb_key_parse(&all[i], j, all[i].dflt, &k) < 0)
            abort(); /* a default in the table that its own parser refuses */
}

int sb_job_finish(struct sb_job *j, char *why, size_t len)
{
    const struct sb_run_params *p = &j->base;
    size_t frame = sb_frame_size(sb_msg_spec_max(&p->message));
    size_t room = p->max_buffer > p->buffer ? p->max_buffer : p->buffer;
    char a[32], b[32];
    if (sb_link_check(p, why, len) < 0)
        return -1;
    /* The producer follows one schedule: bursts, or the rate (pace.h). */
    if (p->burst_count && p->rate > 0) {
        snprintf(why, len, "rate and burst are both set, but a burst sets the schedule by "
                 "itself (COUNT messages every PERIOD); write rate = max or burst = none");
        return -1;
    }
    if (p->max_buffer && p->max_buffer < p->buffer) {
        sb_format_size(p->max_buffer, a, sizeof(a));
        sb_format_size(p->buffer, b, sizeof(b));
        snprintf(why, len, "max_buffer %s is smaller than buffer %s", a, b);
        return -1;
    }
    /* With overflow = block a frame that can never fit would wait forever
     * (frames carry SB_FRAME_OVERHEAD bytes besides the message). */
    if (p->overflow == SB_OVERFLOW_BLOCK && frame > room) {
        sb_format_size(frame, a, sizeof(a));
        sb_format_size(room, b, sizeof(b));
        snprintf(why, len,
                 "frames up to %s (message + %u bytes of framing) never fit a buffer of %s "
                 "with overflow = block; raise buffer (or max_buffer) or lower message",
                 a, (unsigned)SB_FRAME_OVERHEAD, b);
        return -1;
    }
    if (j->timeout_ns == 0) {
        if (p->duration_ns)
            j->timeout_ns = 2 * (p->duration_ns + p->warmup_ns) + 30000000000ull;
        else
            j->timeout_ns = 2 * p->warmup_ns + 600000000000ull;
    }
    return 0;
}
