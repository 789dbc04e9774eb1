/*
 * model.c - the model-based randomized suite (sbt_suites.h): a strategy
 * against a plain byte deque (support/sbt_deque.c), run by test-model over
 * every registered strategy and by `serbench check` over a plugin's.
 *
 * Per strategy, at least SERBENCH_MODEL_OPS (default 100,000) random
 * operations: reserve/commit (partial, zero, past the reservation),
 * reserve_min/commit (granted, or refused only when no reservation could
 * hold the size),
 * view/release (likewise), write, write_all, read, peek, readline with
 * delimiters of 1..5 bytes, find, clear.  Each is checked against the model:
 * the bytes returned, the counts, used, and every stats counter.  Buffers
 * are recreated every few thousand operations with a random capacity, small
 * ones more often so that the wrap point is crossed all the time.
 *
 * Seeded: SERBENCH_SEED overrides the fixed default.  A failure prints the
 * seed, the strategy and the operation index; each strategy's run depends
 * only on the seed, so
 *   SERBENCH_SEED=<seed> SERBENCH_STRATEGY=<name> ./test-model
 * replays it exactly.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbt.h"
#include "sbt_deque.h"
#include "sbt_io.h"
#include "sbt_rng.h"
#include "sbt_suites.h"

#define DEFAULT_SEED 20240611u
#define DEFAULT_OPS 100000u

static uint64_t seed;
static uint64_t total_ops;

static const char *const delims[] = {"\n", "\r\n", "<END>", "EE", "\r\r\n"};
static const char *const delim_names[] = {"\\n", "\\r\\n", "<END>", "EE", "\\r\\r\\n"};
#define NDELIMS (sizeof(delims) / sizeof(delims[0]))

struct run {
    const struct sbuf_ops *ops;
    struct sbuf *b;
    struct sbuf_config cfg;
    struct sbt_deque m;
    struct sbt_rng rng;
    uint64_t op;      /* index of the operation being checked */
    const char *what; /* its name, for the failure message */
    uint64_t in, out, discarded, overflows, underruns;
    size_t peak;
    size_t cap0; /* capacity after create */
    uint8_t *tmp;
    size_t tmplen;
};

/* Static, so that a failed run's memory is reclaimed by the next run. */
static struct run the_run;
static struct run *const current = &the_run; /* for the failure message */

#define MCHECK(cond, ...)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            print_error("%s: op %" PRIu64 " (%s), capacity %zu (asked %zu), level %zu: ",  \
                        current->ops->name, current->op, current->what,                    \
                        sbuf_capacity(current->b), current->cfg.capacity, current->m.len); \
            print_error(__VA_ARGS__);                                                      \
            fail_msg("replay: SERBENCH_SEED=%" PRIu64 " SERBENCH_STRATEGY=%s test-model", \
                     seed, current->ops->name);                                            \
        }                                                                                  \
    } while (0)

static int grows(const struct run *r)
{
    return (r->ops->caps & SBUF_CAP_GROWS) != 0;
}

static uint8_t *scratch(struct run *r, size_t n)
{
    if (n > r->tmplen) {
        free(r->tmp);
        r->tmplen = n * 2;
        r->tmp = malloc(r->tmplen);
        MCHECK(r->tmp, "out of memory");
    }
    return r->tmp;
}

/* Random bytes rich in delimiter material, so readline finds lines: half of
 * them from the delimiters' alphabet.  16 bits of randomness a byte. */
static void random_bytes(struct sbt_rng *rng, uint8_t *p, size_t n)
{
    static const char alphabet[8] = "\n\r<END>E";
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++, x >>= 16) {
        if ((i & 3) == 0)
            x = sbt_rng_next(rng);
        /* Branch-free: a coin flip per byte would mispredict half the time. */
        uint8_t pick = (uint8_t)-(uint8_t)(x & 1);
        p[i] = (uint8_t)((alphabet[(x >> 1) & 7] & pick) | ((uint8_t)(x >> 8) & ~pick));
    }
}

/* An operation size: mostly small, sometimes around or past the capacity. */
static size_t random_size(struct run *r)
{
    /* Relative to the capacity, but not to a grown one: sizes that chase
     * growth would only make a growing strategy's run slow. */
    size_t cap = sbuf_capacity(r->b);
    if (cap > 4 * r->cap0)
        cap = 4 * r->cap0;
    switch (sbt_rng_below(&r->rng, 10)) {
    case 0: return 0;
    case 1: case 2: case 3: case 4: return (size_t)sbt_rng_range(&r->rng, 1, 16);
    case 5: case 6: case 7: return (size_t)sbt_rng_range(&r->rng, 0, cap);
    default: return (size_t)sbt_rng_range(&r->rng, 0, 2 * cap + 1);
    }
}

static void pushed(struct run *r, const uint8_t *p, size_t n)
{
    sbt_deque_push(&r->m, p, n);
    r->in += n;
    if (r->m.len > r->peak)
        r->peak = r->m.len;
}

static void popped(struct run *r, size_t n)
{
    sbt_deque_pop(&r->m, n);
    r->out += n;
}

static void check_bytes(struct run *r, const uint8_t *p, size_t off, size_t n, const char *where)
{
    if (n && memcmp(p, sbt_deque_ptr(&r->m, off), n) != 0) {
        size_t i = 0;
        while (p[i] == sbt_deque_at(&r->m, off + i))
            i++;
        MCHECK(0, "%s: byte %zu is 0x%02x, the model has 0x%02x\n", where, off + i, p[i],
               sbt_deque_at(&r->m, off + i));
    }
}

static void check_spans(struct run *r, const struct sbuf_span v[2], size_t total)
{
    MCHECK(v[0].n + v[1].n == total, "spans %zu + %zu, returned %zu\n", v[0].n, v[1].n, total);
    MCHECK(v[0].n || !v[1].n, "only the second span filled\n");
    if (r->ops->caps & SBUF_CAP_CONTIGUOUS)
        MCHECK(v[1].n == 0, "contiguous strategy gave two spans\n");
}

/* The state every operation must leave: used and all counters as modelled. */
static void check_state(struct run *r)
{
    struct sbuf_stats s;
    MCHECK(sbuf_stats(r->b, &s) == SBUF_OK, "stats failed\n");
    MCHECK(sbuf_used(r->b) == r->m.len && s.used == r->m.len, "used %zu, model %zu\n",
           sbuf_used(r->b), r->m.len);
    MCHECK(s.used <= s.capacity, "used %zu > capacity %zu\n", s.used, s.capacity);
    MCHECK(sbuf_space(r->b) <= s.capacity - s.used, "space %zu > free %zu\n", sbuf_space(r->b),
           s.capacity - s.used);
    MCHECK(s.bytes_in == r->in && s.bytes_out == r->out && s.bytes_discarded == r->discarded,
           "in/out/discarded %" PRIu64 "/%" PRIu64 "/%" PRIu64 ", model %" PRIu64 "/%" PRIu64
           "/%" PRIu64 "\n",
           s.bytes_in, s.bytes_out, s.bytes_discarded, r->in, r->out, r->discarded);
    MCHECK(s.overflows == r->overflows, "overflows %" PRIu64 ", model %" PRIu64 "\n",
           s.overflows, r->overflows);
    MCHECK(s.underruns == r->underruns, "underruns %" PRIu64 ", model %" PRIu64 "\n",
           s.underruns, r->underruns);
    MCHECK(s.peak_used == r->peak, "peak_used %zu, model %zu\n", s.peak_used, r->peak);
    if (!grows(r))
        MCHECK(s.capacity == r->cap0 && s.resizes == 0,
               "capacity %zu -> %zu without SBUF_CAP_GROWS\n", r->cap0, s.capacity);
}

/* ---- operations -------------------------------------------------------- */

static void op_write(struct run *r, int all)
{
    r->what = all ? "write_all" : "write";
    size_t n = random_size(r);
    uint8_t *p = scratch(r, n + 1);
    random_bytes(&r->rng, p, n);
    size_t space = sbuf_space(r->b);
    size_t fit = n < space ? n : space;
    size_t k = all ? sbuf_write_all(r->b, p, n) : sbuf_write(r->b, p, n);
    if (all) {
        MCHECK(k == 0 || k == n, "torn: %zu of %zu\n", k, n);
        MCHECK(n > space || k == n, "refused %zu with %zu free\n", n, space);
    } else {
        MCHECK(k <= n && k >= fit, "%zu of %zu taken with %zu free\n", k, n, space);
    }
    if (!grows(r))
        MCHECK(k == (all ? (n <= space ? n : 0) : fit), "%zu of %zu taken with %zu free\n", k,
               n, space);
    pushed(r, p, k);
    if (k < n)
        r->overflows++;
}

static void op_reserve(struct run *r)
{
    r->what = "reserve/commit";
    size_t space = sbuf_space(r->b);
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = sbuf_write_reserve(r->b, v);
    int sane = v[0].n + v[1].n == t && (t <= space || grows(r));
    /* A grown reservation can be huge: fill at most a few initial capacities. */
    size_t most = t < 4 * r->cap0 + 16 ? t : 4 * r->cap0 + 16;
    size_t k, commit;
    switch (sbt_rng_below(&r->rng, 10)) {
    case 0: k = 0; break;
    case 1: case 2: case 3: case 4: k = most; break;
    default: k = (size_t)sbt_rng_range(&r->rng, 0, most); break;
    }
    commit = k;
    /* Now and then commit past the reservation: it must be clamped to it. */
    if (k == t && sbt_rng_below(&r->rng, 4) == 0)
        commit = t + 1 + (size_t)sbt_rng_below(&r->rng, 100);
    uint8_t *p = scratch(r, k + 1);
    random_bytes(&r->rng, p, k);
    if (sane)
        sbt_copy_to_spans(v, p, k);
    /* Close the reservation before any check can fail: a multi-producer
     * strategy holds its lock until the commit. */
    sbuf_write_commit(r->b, sane ? commit : 0);
    MCHECK(sane, "reserve returned %zu, spans %zu + %zu, %zu free\n", t, v[0].n, v[1].n, space);
    MCHECK(space == 0 || t > 0, "reserve gave nothing with %zu free\n", space);
    check_spans(r, v, t);
    pushed(r, p, k);
}

/*
 * sbuf_write_reserve_min of a random size: granted (at least n, within the
 * free space) with a commit of some of it, or refused with nothing open and
 * nothing counted (check_state sees to that).  A refusal is justified only
 * if one reservation could not hold n: above the space, or (bip, chunks)
 * beyond what a plain reservation offers.
 */
static void op_reserve_min(struct run *r)
{
    r->what = "reserve_min/commit";
    size_t n = random_size(r);
    size_t space = sbuf_space(r->b), cap = sbuf_capacity(r->b);
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = sbuf_write_reserve_min(r->b, n, v);
    if (t == 0) {
        MCHECK(!v[0].n && !v[1].n, "refused, yet spans %zu + %zu\n", v[0].n, v[1].n);
        struct sbuf_span w[2] = {{NULL, 0}, {NULL, 0}};
        size_t plain = sbuf_write_reserve(r->b, w);
        sbuf_write_commit(r->b, 0);
        MCHECK(n == 0 || plain < n, "refused %zu, yet write_reserve offers %zu (%zu free)\n", n,
               plain, space);
        return;
    }
    int sane = n > 0 && t >= n && v[0].n + v[1].n == t && t <= cap - r->m.len;
    size_t most = t < 4 * r->cap0 + 16 ? t : 4 * r->cap0 + 16;
    size_t k = sbt_rng_below(&r->rng, 4) ? n : (size_t)sbt_rng_range(&r->rng, 0, most);
    uint8_t *p = scratch(r, k + 1);
    random_bytes(&r->rng, p, k);
    if (sane)
        sbt_copy_to_spans(v, p, k);
    sbuf_write_commit(r->b, sane ? k : 0); /* closed before any check can fail */
    MCHECK(sane, "reserve_min(%zu) granted %zu, spans %zu + %zu, %zu free\n", n, t, v[0].n,
           v[1].n, cap - r->m.len);
    MCHECK(n <= space, "reserve_min(%zu) granted with only %zu free\n", n, space);
    check_spans(r, v, t);
    pushed(r, p, k);
}

static void op_view(struct run *r)
{
    r->what = "view/release";
    size_t level = r->m.len;
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = sbuf_read_view(r->b, v);
    int sane = t <= level && v[0].n + v[1].n == t;
    size_t k;
    switch (sbt_rng_below(&r->rng, 8)) {
    case 0: k = 0; break;
    case 1: case 2: case 3: k = t; break;
    default: k = (size_t)sbt_rng_range(&r->rng, 0, t); break;
    }
    size_t release = sbt_rng_below(&r->rng, 20) == 0 ? t + 1 + k : k;
    if (sane) {
        check_bytes(r, v[0].p, 0, v[0].n, "view span 0");
        check_bytes(r, v[1].p, v[0].n, v[1].n, "view span 1");
    }
    sbuf_read_release(r->b, sane ? release : 0);
    MCHECK(sane, "view returned %zu, spans %zu + %zu, %zu readable\n", t, v[0].n, v[1].n,
           level);
    MCHECK(level == 0 || t > 0, "view showed nothing with %zu readable\n", level);
    check_spans(r, v, t);
    if (t == 0)
        r->underruns++;
    popped(r, release < t ? release : t);
}

static void op_read(struct run *r, int peek)
{
    r->what = peek ? "peek" : "read";
    size_t n = random_size(r);
    uint8_t *p = scratch(r, n + 1);
    size_t want = n < r->m.len ? n : r->m.len;
    size_t k = peek ? sbuf_peek(r->b, p, n) : sbuf_read(r->b, p, n);
    MCHECK(k == want, "returned %zu of %zu with %zu readable\n", k, n, r->m.len);
    check_bytes(r, p, 0, k, r->what);
    if (!peek) {
        popped(r, k);
        if (k == 0 && n)
            r->underruns++;
    }
}

static void op_readline(struct run *r, int find_only)
{
    r->what = find_only ? "find" : "readline";
    size_t di = (size_t)sbt_rng_below(&r->rng, NDELIMS);
    const char *d = delims[di], *dn = delim_names[di];
    size_t dlen = strlen(d);
    size_t want = sbt_deque_find(&r->m, (const uint8_t *)d, dlen);
    if (find_only) {
        size_t got = sbuf_find(r->b, d, dlen);
        MCHECK(got == want, "find(\"%s\") %zu, model %zu\n", dn, got, want);
        return;
    }
    /* Sometimes a destination too small for the line. */
    size_t cap = want && sbt_rng_below(&r->rng, 4) == 0 ? (size_t)sbt_rng_below(&r->rng, want)
                                                         : want + 8;
    uint8_t *p = scratch(r, cap + 1);
    size_t len = 12345;
    int rc = sbuf_readline(r->b, p, cap, d, dlen, &len);
    if (want == 0) {
        MCHECK(rc == SBUF_EAGAIN && len == 0, "readline \"%s\": %d len %zu, expected EAGAIN\n",
               dn, rc, len);
    } else if (want > cap) {
        MCHECK(rc == SBUF_ERANGE && len == want, "readline \"%s\" cap %zu: %d len %zu, line %zu\n",
               dn, cap, rc, len, want);
    } else {
        MCHECK(rc == SBUF_OK && len == want, "readline \"%s\": %d len %zu, line %zu\n", dn, rc,
               len, want);
        check_bytes(r, p, 0, len, "readline");
        popped(r, len);
    }
}

static void op_clear(struct run *r)
{
    r->what = "clear";
    sbuf_clear(r->b);
    r->discarded += r->m.len;
    sbt_deque_clear(&r->m);
}

static void step(struct run *r)
{
    unsigned x = (unsigned)sbt_rng_below(&r->rng, 100);
    if (x < 16)
        op_write(r, 0);
    else if (x < 24)
        op_write(r, 1);
    else if (x < 33)
        op_reserve(r);
    else if (x < 40)
        op_reserve_min(r);
    else if (x < 56)
        op_view(r);
    else if (x < 72)
        op_read(r, 0);
    else if (x < 79)
        op_read(r, 1);
    else if (x < 92)
        op_readline(r, 0);
    else if (x < 99)
        op_readline(r, 1);
    else
        op_clear(r);
    check_state(r);
}

/* A capacity from 1 to 64 KiB, log-uniform: small ones are as likely as big. */
static size_t random_capacity(struct sbt_rng *rng)
{
    unsigned bits = (unsigned)sbt_rng_below(rng, 17);
    return (size_t)sbt_rng_range(rng, (1u << bits) / 2 + 1, 1u << bits);
}

static void random_config(struct run *r)
{
    struct sbuf_config *c = &r->cfg;
    memset(c, 0, sizeof(*c));
    c->capacity = random_capacity(&r->rng);
    if (sbt_rng_below(&r->rng, 2))
        c->on_exhaust = SBUF_EXHAUST_REFUSE;
    if (sbt_rng_below(&r->rng, 2))
        c->block_size = (size_t)sbt_rng_range(&r->rng, 1, c->capacity);
    if (sbt_rng_below(&r->rng, 2))
        c->max_capacity = c->capacity * (size_t)sbt_rng_range(&r->rng, 1, 8);
    if (sbt_rng_below(&r->rng, 2))
        c->min_capacity = (size_t)sbt_rng_range(&r->rng, 1, c->capacity);
}

static void random_ops(const struct sbuf_ops *ops)
{
    struct run *r = current;
    sbt_deque_free(&r->m);
    free(r->tmp);
    memset(r, 0, sizeof(*r));
    r->ops = ops;
    sbt_rng_seed(&r->rng, seed);
    r->what = "create";
    while (r->op < total_ops) {
        random_config(r);
        r->b = sbt_create(ops, &r->cfg);
        r->cap0 = sbuf_capacity(r->b);
        r->in = r->out = r->discarded = r->overflows = r->underruns = 0;
        r->peak = 0;
        sbt_deque_clear(&r->m);
        check_state(r);
        uint64_t n = sbt_rng_range(&r->rng, 500, 5000);
        for (uint64_t i = 0; i < n && r->op < total_ops; i++, r->op++)
            step(r);
        /* Drain: everything the model holds must still come out, in order. */
        r->what = "drain";
        size_t left = r->m.len;
        uint8_t *p = scratch(r, left + 1);
        MCHECK(sbuf_read(r->b, p, left) == left, "drain short\n");
        check_bytes(r, p, 0, left, "drain");
        popped(r, left);
        check_state(r);
        sbt_destroy(r->b);
        r->b = NULL;
    }
    sbt_deque_free(&r->m);
    free(r->tmp);
    r->tmp = NULL;
    r->tmplen = 0;
}

/* The knobs, read once before the first case (SERBENCH_SEED, SERBENCH_MODEL_OPS). */
static void prepare(void)
{
    seed = sbt_env_u64("SERBENCH_SEED", DEFAULT_SEED);
    total_ops = sbt_env_u64("SERBENCH_MODEL_OPS", DEFAULT_OPS);
    print_message("model test: seed %" PRIu64 " (SERBENCH_SEED replays), %" PRIu64
                  " operations per strategy\n",
                  seed, total_ops);
}

static const struct sbt_case cases[] = {SBT_CASE(random_ops)};

const struct sbt_suite sbt_model = {"model", cases, 1, prepare};
