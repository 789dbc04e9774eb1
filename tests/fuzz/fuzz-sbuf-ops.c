/*
 * fuzz-sbuf-ops.c - differential fuzzing of every registered strategy
 * against a plain byte deque (tests/unit/support/sbt_deque.c).
 *
 * The input is a program.  Its first bytes pick the strategy (any entry of
 * the registry) and a small configuration; every later group of bytes is
 * one operation: reserve/commit and view/release (whole, partial, zero, or
 * past the reservation), write, write_all, read, peek, readline and find
 * with a 1..4-byte delimiter taken from the input, clear, and the
 * strategy's view_at where it has one.  After each operation the bytes
 * returned, the counts, used, space and every stats counter are compared
 * with the model; any difference aborts.  So a crash here is either a
 * memory error (ASan), undefined behaviour (UBSan) or a wrong answer.
 *
 * The test-model unit test does the same from a PRNG; this target lets
 * coverage steer the sequence, and the data itself comes from the input,
 * so delimiters with repeated prefixes ("aab" in "aaab") and bytes equal to
 * the delimiter at the wrap point are found rather than hoped for.
 *
 * Each input creates its own buffer and destroys it, so every input
 * replays alone.  mmap_log then creates a temporary file per input (about
 * 60-140 us here); run.sh points TMPDIR at /dev/shm to keep that off the disk.
 *
 * Input layout (all reads past the end give zeros):
 *   u8   strategy index (mod the registry's size)
 *   u16  capacity - 1 (mod 4096): 1 .. 4096 bytes
 *   u8   config bits: 1 on_exhaust=REFUSE, 2 block_size (u16 follows,
 *        scaled over 1 .. capacity), 4 max_capacity (u8: 1..8 x capacity),
 *        8 min_capacity (u16, scaled like block_size)
 *   then operations: u8 opcode, then the operation's own bytes.
 */
#include <string.h>

#include "fuzz.h"
#include "sbt_deque.h"
#include "sbuf/registry.h"

struct run {
    const struct sbuf_ops *ops;
    struct sbuf *b;
    struct fz_in in;
    struct sbt_deque m;
    size_t cap0;
    int grows;
    uint8_t counter; /* mixed into written data: makes order visible */
    uint64_t bytes_in, bytes_out, discarded, overflows, underruns;
    size_t peak;
    uint8_t *tmp; /* the operation's buffer */
};

/* A fresh buffer of exactly n bytes, so ASan sees a call that writes
 * (sbuf_read, peek, readline) or reads (write) one byte more than asked. */
static uint8_t *scratch(struct run *r, size_t n)
{
    free(r->tmp);
    r->tmp = malloc(n);
    FZ_CHECK(r->tmp || n == 0, "out of memory");
    return r->tmp;
}

/*
 * Fills n bytes of data: a motif of 1..16 input bytes repeated, either as
 * is (periodic: the fuzzer lines delimiters up with the wrap point) or with
 * a running counter xored in (so a byte out of order shows).
 */
static void fill(struct run *r, uint8_t *p, size_t n)
{
    uint8_t head = fz_u8(&r->in);
    uint8_t motif[16] = {0};
    size_t len = fz_take(&r->in, motif, 1 + (head & 15u));
    if (len == 0)
        len = 1;
    int mixed = (head & 0x80) != 0;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(motif[i % len] ^ (mixed ? r->counter++ : 0));
}

/* An operation size: small ones often, up to about twice the first capacity. */
static size_t op_size(struct run *r)
{
    uint8_t s = fz_u8(&r->in);
    if (s < 96)
        return s % 17u;
    return fz_scale(&r->in, 2 * r->cap0 + 1);
}

static void pushed(struct run *r, const uint8_t *p, size_t n)
{
    sbt_deque_push(&r->m, p, n);
    r->bytes_in += n;
    if (r->m.len > r->peak)
        r->peak = r->m.len;
}

static void popped(struct run *r, size_t n)
{
    sbt_deque_pop(&r->m, n);
    r->bytes_out += n;
}

/* p[0..n) must be the model's bytes from offset off. */
static void check_bytes(struct run *r, const uint8_t *p, size_t off, size_t n, const char *what)
{
    FZ_CHECK(off + n <= r->m.len, "%s: %zu bytes at %zu, model holds %zu", what, n, off,
             r->m.len);
    if (n == 0 || memcmp(p, sbt_deque_ptr(&r->m, off), n) == 0)
        return;
    size_t i = 0;
    while (p[i] == sbt_deque_at(&r->m, off + i))
        i++;
    FZ_CHECK(0, "%s (%s): byte %zu is 0x%02x, model 0x%02x", r->ops->name, what, off + i, p[i],
             sbt_deque_at(&r->m, off + i));
}

static void check_spans(struct run *r, const struct sbuf_span v[2], size_t total,
                        const char *what)
{
    FZ_CHECK(v[0].n + v[1].n == total, "%s %s: spans %zu + %zu, returned %zu", r->ops->name,
             what, v[0].n, v[1].n, total);
    FZ_CHECK(v[0].n || !v[1].n, "%s %s: only the second span filled", r->ops->name, what);
    /* view_at is the walker behind peek and find, not a view: bip's shows
     * both regions (see bip.c), so contiguity is not asked of it. */
    FZ_CHECK(!(r->ops->caps & SBUF_CAP_CONTIGUOUS) || v[1].n == 0 || strcmp(what, "view_at") == 0,
             "%s %s: a contiguous strategy gave two spans", r->ops->name, what);
}

/* The state every operation must leave: used and every counter as modelled. */
static void check_state(struct run *r, const char *what)
{
    struct sbuf_stats s;
    FZ_CHECK(sbuf_stats(r->b, &s) == SBUF_OK, "stats");
    const char *n = r->ops->name;
    FZ_CHECK(s.used == r->m.len && sbuf_used(r->b) == r->m.len, "%s after %s: used %zu, model %zu",
             n, what, s.used, r->m.len);
    FZ_CHECK(s.used <= s.capacity, "%s after %s: used %zu > capacity %zu", n, what, s.used,
             s.capacity);
    size_t space = sbuf_space(r->b);
    FZ_CHECK(space <= s.capacity - s.used, "%s after %s: space %zu > free %zu", n, what, space,
             s.capacity - s.used);
    FZ_CHECK(s.bytes_in == r->bytes_in && s.bytes_out == r->bytes_out &&
                 s.bytes_discarded == r->discarded,
             "%s after %s: in/out/discarded %llu/%llu/%llu, model %llu/%llu/%llu", n, what,
             (unsigned long long)s.bytes_in, (unsigned long long)s.bytes_out,
             (unsigned long long)s.bytes_discarded, (unsigned long long)r->bytes_in,
             (unsigned long long)r->bytes_out, (unsigned long long)r->discarded);
    FZ_CHECK(s.overflows == r->overflows && s.underruns == r->underruns,
             "%s after %s: overflows/underruns %llu/%llu, model %llu/%llu", n, what,
             (unsigned long long)s.overflows, (unsigned long long)s.underruns,
             (unsigned long long)r->overflows, (unsigned long long)r->underruns);
    FZ_CHECK(s.peak_used == r->peak, "%s after %s: peak %zu, model %zu", n, what, s.peak_used,
             r->peak);
    FZ_CHECK(r->grows || (s.capacity == r->cap0 && s.resizes == 0),
             "%s after %s: capacity %zu -> %zu without SBUF_CAP_GROWS", n, what, r->cap0,
             s.capacity);
}

/* ---- operations ---------------------------------------------------------- */

static void op_write(struct run *r, int all)
{
    size_t n = op_size(r);
    uint8_t *p = scratch(r, n);
    fill(r, p, n);
    size_t space = sbuf_space(r->b);
    size_t fit = n < space ? n : space;
    size_t k = all ? sbuf_write_all(r->b, p, n) : sbuf_write(r->b, p, n);
    const char *name = r->ops->name;
    if (all) {
        FZ_CHECK(k == 0 || k == n, "%s write_all: torn, %zu of %zu", name, k, n);
        FZ_CHECK(n > space || k == n, "%s write_all: refused %zu with space %zu", name, n, space);
        FZ_CHECK(r->grows || k == (n <= space ? n : 0), "%s write_all: %zu of %zu, space %zu",
                 name, k, n, space);
    } else {
        FZ_CHECK(k <= n && k >= fit, "%s write: %zu of %zu, space %zu", name, k, n, space);
        FZ_CHECK(r->grows || k == fit, "%s write: %zu of %zu, space %zu", name, k, n, space);
    }
    pushed(r, p, k);
    if (k < n)
        r->overflows++;
}

static void op_reserve(struct run *r)
{
    uint8_t how = fz_u8(&r->in);
    size_t space = sbuf_space(r->b);
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = sbuf_write_reserve(r->b, v);
    check_spans(r, v, t, "reserve");
    FZ_CHECK(t <= space || r->grows, "%s reserve: %zu with space %zu", r->ops->name, t, space);
    FZ_CHECK(space == 0 || t > 0, "%s reserve: nothing with space %zu", r->ops->name, space);
    /* Write every reserved byte, committed or not: ASan sees a span that
     * reaches past the buffer's memory. */
    uint8_t *p = scratch(r, t);
    fill(r, p, t);
    if (v[0].n)
        memcpy(v[0].p, p, v[0].n);
    if (v[1].n)
        memcpy(v[1].p, p + v[0].n, v[1].n);
    size_t commit;
    switch (how & 3u) {
    case 0: commit = 0; break;
    case 1: commit = t; break;
    case 2: commit = fz_scale(&r->in, t); break;
    default: commit = t + 1 + fz_u8(&r->in); break; /* clamped to the reservation */
    }
    sbuf_write_commit(r->b, commit);
    pushed(r, p, commit < t ? commit : t);
}

static void op_view(struct run *r)
{
    uint8_t how = fz_u8(&r->in);
    size_t level = r->m.len;
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = sbuf_read_view(r->b, v);
    check_spans(r, v, t, "view");
    FZ_CHECK(t <= level, "%s view: %zu of %zu readable", r->ops->name, t, level);
    FZ_CHECK(level == 0 || t > 0, "%s view: nothing with %zu readable", r->ops->name, level);
    check_bytes(r, v[0].p, 0, v[0].n, "view span 0");
    check_bytes(r, v[1].p, v[0].n, v[1].n, "view span 1");
    size_t release;
    switch (how & 3u) {
    case 0: release = 0; break;
    case 1: release = t; break;
    case 2: release = fz_scale(&r->in, t); break;
    default: release = t + 1 + fz_u8(&r->in); break; /* clamped to the view */
    }
    sbuf_read_release(r->b, release);
    if (t == 0)
        r->underruns++;
    popped(r, release < t ? release : t);
}

static void op_read(struct run *r, int peek)
{
    size_t n = op_size(r);
    uint8_t *p = scratch(r, n);
    size_t want = n < r->m.len ? n : r->m.len;
    size_t k = peek ? sbuf_peek(r->b, p, n) : sbuf_read(r->b, p, n);
    FZ_CHECK(k == want, "%s %s: %zu of %zu with %zu readable", r->ops->name,
             peek ? "peek" : "read", k, n, r->m.len);
    check_bytes(r, p, 0, k, peek ? "peek" : "read");
    if (!peek) {
        popped(r, k);
        if (k == 0 && n)
            r->underruns++;
    }
}

static void op_line(struct run *r, int find_only)
{
    uint8_t how = fz_u8(&r->in);
    uint8_t d[4] = {0};
    size_t dlen = 1 + (how & 3u);
    fz_take(&r->in, d, dlen); /* zeros past the input's end: still a delimiter */
    size_t want = sbt_deque_find(&r->m, d, dlen);
    if (find_only) {
        size_t got = sbuf_find(r->b, d, dlen);
        FZ_CHECK(got == want, "%s find (%zu-byte delimiter): %zu, model %zu", r->ops->name,
                 dlen, got, want);
        return;
    }
    size_t cap;
    switch ((how >> 2) & 3u) {
    case 0: cap = want; break;
    case 1: cap = want + 1 + fz_u8(&r->in); break;
    case 2: cap = want ? fz_scale(&r->in, want - 1) : 0; break; /* too small */
    default: cap = 0; break; /* no destination at all: NULL, 0 */
    }
    uint8_t *p = cap ? scratch(r, cap) : NULL;
    size_t len = 12345;
    int rc = sbuf_readline(r->b, p, cap, d, dlen, &len);
    const char *name = r->ops->name;
    if (want == 0) {
        FZ_CHECK(rc == SBUF_EAGAIN && len == 0, "%s readline: %d len %zu, expected EAGAIN", name,
                 rc, len);
    } else if (want > cap) {
        FZ_CHECK(rc == SBUF_ERANGE && len == want, "%s readline cap %zu: %d len %zu, line %zu",
                 name, cap, rc, len, want);
    } else {
        FZ_CHECK(rc == SBUF_OK && len == want, "%s readline: %d len %zu, line %zu", name, rc, len,
                 want);
        check_bytes(r, p, 0, len, "readline");
        popped(r, len);
    }
}

static void op_clear(struct run *r)
{
    sbuf_clear(r->b);
    r->discarded += r->m.len;
    sbt_deque_clear(&r->m);
}

/* The strategy's own view_at, called as peek and find call it. */
static void op_view_at(struct run *r)
{
    size_t off = fz_scale(&r->in, r->m.len + 2);
    if (!r->ops->view_at)
        return;
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = r->ops->view_at(r->b, off, v);
    check_spans(r, v, t, "view_at");
    if (off >= r->m.len) {
        FZ_CHECK(t == 0, "%s view_at %zu: %zu bytes past the end", r->ops->name, off, t);
        return;
    }
    FZ_CHECK(t > 0, "%s view_at %zu: nothing, %zu readable", r->ops->name, off, r->m.len);
    check_bytes(r, v[0].p, off, v[0].n, "view_at span 0");
    check_bytes(r, v[1].p, off + v[0].n, v[1].n, "view_at span 1");
}

/* ---- one input ----------------------------------------------------------- */

static void configure(struct run *r, struct sbuf_config *c)
{
    memset(c, 0, sizeof(*c));
    c->capacity = 1 + fz_u16(&r->in) % 4096u;
    uint8_t bits = fz_u8(&r->in);
    c->on_exhaust = (bits & 1) ? SBUF_EXHAUST_REFUSE : SBUF_EXHAUST_FALLBACK;
    if (bits & 2)
        c->block_size = 1 + fz_scale(&r->in, c->capacity - 1);
    if (bits & 4)
        c->max_capacity = c->capacity * (1 + fz_u8(&r->in) % 8u);
    if (bits & 8)
        c->min_capacity = 1 + fz_scale(&r->in, c->capacity - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct run run = {0};
    struct run *r = &run;
    r->in.p = data;
    r->in.n = size;

    r->ops = sbuf_registry_at(fz_u8(&r->in) % sbuf_registry_count());
    r->grows = (r->ops->caps & SBUF_CAP_GROWS) != 0;
    struct sbuf_config cfg;
    configure(r, &cfg);
    int rc = sbuf_create_ops(r->ops, &cfg, &r->b);
    if (rc == SBUF_ENOTSUP)
        return 0; /* a placeholder strategy */
    FZ_CHECK(rc == SBUF_OK, "%s: create(capacity %zu) failed: %s", r->ops->name, cfg.capacity,
             sbuf_strerror(rc));
    r->cap0 = sbuf_capacity(r->b);
    FZ_CHECK(r->cap0 >= cfg.capacity, "%s: capacity %zu below the %zu asked", r->ops->name,
             r->cap0, cfg.capacity);
    sbt_deque_init(&r->m);
    check_state(r, "create");

    static const char *const names[] = {"reserve", "view", "write", "write_all", "read",
                                        "peek",    "readline", "find", "clear", "view_at"};
    while (r->in.n > 0) {
        unsigned op = fz_u8(&r->in) % 10u;
        switch (op) {
        case 0: op_reserve(r); break;
        case 1: op_view(r); break;
        case 2: op_write(r, 0); break;
        case 3: op_write(r, 1); break;
        case 4: op_read(r, 0); break;
        case 5: op_read(r, 1); break;
        case 6: op_line(r, 0); break;
        case 7: op_line(r, 1); break;
        case 8: op_clear(r); break;
        default: op_view_at(r); break;
        }
        check_state(r, names[op]);
    }

    /* Everything the model holds must still come out, in order. */
    size_t left = r->m.len;
    uint8_t *p = scratch(r, left);
    FZ_CHECK(sbuf_read(r->b, p, left) == left, "%s: drain short", r->ops->name);
    check_bytes(r, p, 0, left, "drain");
    popped(r, left);
    check_state(r, "drain");
    sbuf_destroy(r->b);
    sbt_deque_free(&r->m);
    free(r->tmp);
    return 0;
}
