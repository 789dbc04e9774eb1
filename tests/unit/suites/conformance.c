/*
 * conformance.c - the contract every registered strategy must keep: the
 * cases of the conformance suite (sbt_suites.h), run by test-conformance
 * over the registry and by `serbench check` over a plugin's strategies.
 *
 * Each case runs once per strategy, as the cmocka test "<strategy>/<case>",
 * so a strategy gets the whole suite by being registered and a failure
 * names it.  A strategy that cannot be created (a placeholder) fails: it is
 * not skipped.  SERBENCH_STRATEGY=a,b runs only those strategies.
 *
 * Expectations branch on capability flags only, never on names: a strategy
 * with SBUF_CAP_GROWS may take a write by growing where a fixed one must
 * refuse; SBUF_CAP_CONTIGUOUS promises one span per view and reservation;
 * SBUF_CAP_STATIC promises a create in caller storage.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sbt.h"
#include "sbt_alloc.h"
#include "sbt_io.h"
#include "sbt_rng.h"
#include "sbt_suites.h"

#define SMALL 16 /* wrap tests: every offset of it */
#define MID 100  /* not a power of two: strategies that round must say so */

static int grows(const struct sbuf_ops *ops)
{
    return (ops->caps & SBUF_CAP_GROWS) != 0;
}

static void open_io(struct sbt_io *io, const struct sbuf_ops *ops, size_t capacity)
{
    struct sbuf_config cfg = sbt_config(capacity);
    /* Generous scratch: rounding may make the real capacity larger. */
    sbt_io_open(io, ops, &cfg, 4 * capacity + 8192);
    size_t cap = sbuf_capacity(io->b);
    if (cap * 4 > io->tmplen) {
        io->tmp = sbt_scratch(cap * 4);
        io->tmplen = cap * 4;
    }
}

/* Writes exactly n bytes of text, which must fit. */
static void put(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    size_t k = sbuf_write(b, s, n);
    SBT_CHECK(k == n, "%s: write of %zu text bytes took %zu", sbuf_name(b), n, k);
}

/* readline must return rc and, for SBUF_OK, exactly the line want. */
#define expect_line(b, delim, cap, rc, want) expect_line_at(b, delim, cap, rc, want, __LINE__)
static void expect_line_at(struct sbuf *b, const char *delim, size_t cap, int rc,
                           const char *want, int line)
{
    char dst[256];
    size_t len = 12345;
    size_t dlen = strlen(delim);
    int got = sbuf_readline(b, dst, cap, delim, dlen, &len);
    SBT_CHECK(got == rc, "%s: line %d: readline returned %d (%s), expected %d (%s)",
              sbuf_name(b), line, got, sbuf_strerror(got), rc, sbuf_strerror(rc));
    if (rc == SBUF_OK || rc == SBUF_ERANGE) {
        size_t n = strlen(want);
        SBT_CHECK(len == n, "%s: line %d: readline length %zu, expected %zu", sbuf_name(b),
                  line, len, n);
        if (rc == SBUF_OK)
            SBT_CHECK(memcmp(dst, want, n) == 0, "%s: line %d: readline returned the wrong line",
                      sbuf_name(b), line);
    } else {
        SBT_CHECK(len == 0, "%s: line %d: readline set len %zu on %s", sbuf_name(b), line, len,
                  sbuf_strerror(rc));
    }
}

/*
 * Brings an empty ring's write position to offset o of its capacity by
 * streaming filler through it.  Strategies that are not rings (or reset
 * when empty) see a harmless write and read.
 */
static void move_to(struct sbt_io *io, size_t o)
{
    size_t cap = sbuf_capacity(io->b);
    size_t at = (size_t)(io->in % cap);
    size_t k = (o + cap - at) % cap;
    SBT_CHECK(sbt_io_level(io) == 0, "test bug: move_to on a non-empty buffer");
    if (k) {
        SBT_CHECK(sbt_io_write(io, k) == k, "%s: filler write refused", io->ops->name);
        sbt_io_read(io, k);
    }
}

/* ---- cases ------------------------------------------------------------ */

static void ops_table_and_create(const struct sbuf_ops *ops)
{
    const unsigned known = SBUF_CAP_CONTIGUOUS | SBUF_CAP_GROWS | SBUF_CAP_NEEDS_MMU |
                           SBUF_CAP_MULTI_PRODUCER | SBUF_CAP_PERSISTENT | SBUF_CAP_STATIC;
    SBT_CHECK(ops->name && *ops->name, "a strategy without a name");
    SBT_CHECK(ops->summary && *ops->summary, "%s: no summary", ops->name);
    SBT_CHECK(ops->create && ops->destroy, "%s: no create/destroy", ops->name);
    SBT_CHECK(ops->write_reserve && ops->write_commit && ops->read_view && ops->read_release,
              "%s: zero-copy core incomplete", ops->name);
    SBT_CHECK(ops->used && ops->capacity, "%s: no used/capacity", ops->name);
    SBT_CHECK((ops->caps & ~known) == 0, "%s: unknown caps bits 0x%x", ops->name, ops->caps);
    if (ops->caps & SBUF_CAP_STATIC)
        SBT_CHECK(ops->storage_size, "%s: static without storage_size", ops->name);
    if (ops->caps & SBUF_CAP_MULTI_PRODUCER)
        SBT_CHECK(ops->producer_lock && ops->producer_unlock,
                  "%s: multi-producer without a producer lock", ops->name);
    SBT_CHECK(sbuf_registry_find(ops->name) == ops, "%s: registry lookup by name", ops->name);

    struct sbuf *b = NULL;
    struct sbuf_config cfg = sbt_config(MID);
    int rc = sbuf_create(ops->name, &cfg, &b);
    SBT_CHECK(rc == SBUF_OK && b, "%s: sbuf_create by name: %s", ops->name, sbuf_strerror(rc));
    sbuf_destroy(b);

    struct sbt_io io;
    open_io(&io, ops, MID);
    SBT_CHECK(sbuf_ops_of(io.b) == ops, "%s: sbuf_ops_of", ops->name);
    SBT_CHECK(strcmp(sbuf_name(io.b), ops->name) == 0, "%s: sbuf_name", ops->name);
    SBT_CHECK(sbuf_empty(io.b) && !sbuf_full(io.b), "%s: a new buffer is not empty", ops->name);
    SBT_CHECK(sbuf_space(io.b) == sbuf_capacity(io.b), "%s: space of a new buffer", ops->name);
    struct sbuf_stats s;
    sbuf_stats(io.b, &s);
    SBT_CHECK(s.resizes == 0 && s.bytes_copied == 0, "%s: a new buffer has work counted",
              ops->name);
    SBT_CHECK(s.allocations > 0, "%s: a heap buffer counts no allocation", ops->name);
}

static void tiny_capacities(const struct sbuf_ops *ops)
{
    static const size_t caps[] = {1, 2, 3, 5, 7, 8, 9, 31, 100, 1000, 4097};
    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        struct sbt_io io;
        open_io(&io, ops, caps[i]);
        size_t cap = sbuf_capacity(io.b);
        SBT_CHECK(sbt_io_write(&io, cap) == cap, "%s: capacity %zu (asked %zu) does not hold",
                  ops->name, cap, caps[i]);
        SBT_CHECK(sbuf_full(io.b), "%s: not full at capacity %zu", ops->name, cap);
        sbt_io_write(&io, 1); /* a fixed strategy refuses, a growing one may grow */
        sbt_io_read(&io, 2 * cap + 1);
        sbt_destroy(io.b);
    }
}

static void write_accepts_what_fits(const struct sbuf_ops *ops)
{
    struct sbt_io io;
    open_io(&io, ops, MID);
    size_t cap = sbuf_capacity(io.b);
    SBT_CHECK(sbt_io_write(&io, 60) == 60, "%s: 60 of %zu", ops->name, cap);
    sbt_io_write(&io, cap); /* short for a fixed strategy: exactly cap - 60 */
    sbt_io_write(&io, 1);
    sbt_io_write(&io, 0);
    sbt_io_read(&io, 30);
    sbt_io_write(&io, 45);
    sbt_io_read(&io, sbt_io_level(&io));
    SBT_CHECK(sbt_io_level(&io) == 0, "%s: data left", ops->name);
}

static void read_and_peek_up_to_n(const struct sbuf_ops *ops)
{
    struct sbt_io io;
    open_io(&io, ops, MID);
    sbt_io_read(&io, 5); /* empty: 0, an underrun */
    sbt_io_peek(&io, 5);
    sbt_io_read(&io, 0);
    sbt_io_write(&io, 10);
    sbt_io_peek(&io, 4);
    sbt_io_peek(&io, 100);
    sbt_io_read(&io, 3);
    sbt_io_peek(&io, 7);
    sbt_io_read(&io, 100);
    sbt_io_read(&io, 1);
}

static void readline_one_byte(const struct sbuf_ops *ops)
{
    struct sbuf_config cfg = sbt_config(MID);
    struct sbuf *b = sbt_create(ops, &cfg);
    size_t cap = sbuf_capacity(b);
    expect_line(b, "\n", 64, SBUF_EAGAIN, NULL);
    put(b, "ab\ncd\n");
    expect_line(b, "\n", 64, SBUF_OK, "ab\n");
    expect_line(b, "\n", 64, SBUF_OK, "cd\n");
    put(b, "ef");
    expect_line(b, "\n", 64, SBUF_EAGAIN, NULL);
    SBT_CHECK(sbuf_used(b) == 2, "%s: EAGAIN consumed bytes", ops->name);
    put(b, "\n");
    expect_line(b, "\n", 64, SBUF_OK, "ef\n");

    /* Too small a destination: nothing consumed, the needed size reported. */
    put(b, "0123456789\nrest");
    SBT_CHECK(sbuf_find(b, "\n", 1) == 11, "%s: find", ops->name);
    expect_line(b, "\n", 4, SBUF_ERANGE, "0123456789\n");
    expect_line(b, "\n", 0, SBUF_ERANGE, "0123456789\n");
    size_t len = 0;
    SBT_CHECK(sbuf_readline(b, NULL, 0, "\n", 1, &len) == SBUF_ERANGE && len == 11,
              "%s: readline size query with a NULL destination", ops->name);
    char peek[16];
    SBT_CHECK(sbuf_used(b) == 15 && sbuf_peek(b, peek, 15) == 15 &&
                  memcmp(peek, "0123456789\nrest", 15) == 0,
              "%s: ERANGE consumed or changed bytes", ops->name);
    expect_line(b, "\n", 10, SBUF_ERANGE, "0123456789\n");
    expect_line(b, "\n", 11, SBUF_OK, "0123456789\n");
    expect_line(b, "\n", 64, SBUF_EAGAIN, NULL);
    sbuf_clear(b);

    /* A line that fills the whole buffer. */
    char *line = sbt_scratch(cap + 1);
    memset(line, 'x', cap - 1);
    line[cap - 1] = '\n';
    SBT_CHECK(sbuf_write(b, line, cap) == cap, "%s: full-size line refused", ops->name);
    char *dst = sbt_scratch(cap);
    len = 0;
    SBT_CHECK(sbuf_readline(b, dst, cap, "\n", 1, &len) == SBUF_OK && len == cap &&
                  memcmp(dst, line, cap) == 0,
              "%s: a line as long as the buffer", ops->name);
    SBT_CHECK(sbuf_empty(b), "%s: not empty after the last line", ops->name);
}

static void readline_multi_byte(const struct sbuf_ops *ops)
{
    struct sbuf_config cfg = sbt_config(MID);
    struct sbuf *b = sbt_create(ops, &cfg);
    put(b, "a\rb\r\r\nc\r\n");
    expect_line(b, "\r\n", 64, SBUF_OK, "a\rb\r\r\n");
    expect_line(b, "\r\n", 64, SBUF_OK, "c\r\n");
    put(b, "x\r");
    expect_line(b, "\r\n", 64, SBUF_EAGAIN, NULL); /* half a delimiter is not one */
    put(b, "\n");
    expect_line(b, "\r\n", 64, SBUF_OK, "x\r\n");
    /* A partial match that fails must restart one byte later, not after it. */
    put(b, "aaab");
    SBT_CHECK(sbuf_find(b, "aab", 3) == 4, "%s: find(\"aab\") in \"aaab\"", ops->name);
    expect_line(b, "aab", 64, SBUF_OK, "aaab");
    put(b, "1<EN<END>2");
    expect_line(b, "<END>", 64, SBUF_OK, "1<EN<END>");
    expect_line(b, "<END>", 64, SBUF_EAGAIN, NULL); /* delimiter longer than the data */
    expect_line(b, "2", 64, SBUF_OK, "2");
    int rc = sbuf_readline(b, (char[4]){0}, 4, "", 0, &(size_t){0});
    SBT_CHECK(rc == SBUF_EINVAL, "%s: empty delimiter gave %d", ops->name, rc);
}

/*
 * Every delimiter length 1..3 split at every point across the wrap, for
 * every starting offset of a small ring; the line is found, read whole, and
 * nothing after it is consumed.
 */
static void readline_across_wrap(const struct sbuf_ops *ops)
{
    static const char *const delims[] = {"\n", "\r\n", "\x01\x02\x03"};
    struct sbt_io io;
    open_io(&io, ops, SMALL);
    size_t cap = sbuf_capacity(io.b);
    char *line = sbt_scratch(cap + 1);
    char *dst = sbt_scratch(cap + 1);
    for (size_t o = 0; o < cap; o++) {
        for (size_t d = 0; d < 3; d++) {
            size_t dlen = strlen(delims[d]);
            for (size_t split = 0; split <= dlen; split++) {
                /* The delimiter starts split bytes before the wrap point. */
                size_t to_wrap = cap - o;
                if (to_wrap < split)
                    continue;
                size_t body = to_wrap - split, len = body + dlen;
                if (len > cap)
                    continue;
                size_t tail = cap - len < 2 ? cap - len : 2;
                move_to(&io, o);
                for (size_t i = 0; i < body; i++)
                    line[i] = (char)('a' + (o + i) % 26);
                memcpy(line + body, delims[d], dlen);
                memcpy(line + len, "zz", tail);
                size_t k = sbuf_write(io.b, line, len + tail);
                SBT_CHECK(k == len + tail, "%s: offset %zu: write took %zu", ops->name, o, k);
                size_t got = 0;
                int rc = sbuf_readline(io.b, dst, len - 1, delims[d], dlen, &got);
                SBT_CHECK(rc == SBUF_ERANGE && got == len,
                          "%s: offset %zu delim %zu split %zu: short dst gave %d, len %zu",
                          ops->name, o, dlen, split, rc, got);
                rc = sbuf_readline(io.b, dst, cap, delims[d], dlen, &got);
                SBT_CHECK(rc == SBUF_OK && got == len && memcmp(dst, line, len) == 0,
                          "%s: offset %zu delim %zu split %zu: readline gave %d, len %zu of %zu",
                          ops->name, o, dlen, split, rc, got, len);
                rc = sbuf_readline(io.b, dst, cap, delims[d], dlen, &got);
                SBT_CHECK(rc == SBUF_EAGAIN && sbuf_used(io.b) == tail,
                          "%s: offset %zu: after the line, %d with %zu left", ops->name, o, rc,
                          sbuf_used(io.b));
                SBT_CHECK(sbuf_read(io.b, dst, tail) == tail && memcmp(dst, "zz", tail) == 0,
                          "%s: offset %zu: bytes after the line", ops->name, o);
                /* The stream's own count follows what went through directly. */
                io.in += len + tail;
                io.out += len + tail;
                io.peak = io.peak > len + tail ? io.peak : len + tail;
            }
        }
    }
    sbt_io_check(&io);
}

/*
 * At every offset of a small ring: fill it completely through write and
 * drain it through view/peek/read, then fill it through reserve/commit and
 * drain it through view/release, so both paths cross the wrap everywhere.
 */
static void wrap_every_offset(const struct sbuf_ops *ops)
{
    struct sbt_io io;
    open_io(&io, ops, SMALL);
    size_t offsets = sbuf_capacity(io.b);
    for (size_t o = 0; o < offsets; o++) {
        /* A growing strategy may have grown on the full reservation below. */
        size_t cap = sbuf_capacity(io.b);
        move_to(&io, o);
        SBT_CHECK(sbt_io_write(&io, cap) == cap,
                  "%s: offset %zu: an empty buffer refused its capacity", ops->name, o);
        SBT_CHECK(sbuf_full(io.b), "%s: offset %zu: not full", ops->name, o);
        sbt_io_reserve_commit(&io, 1); /* full: a fixed strategy reserves nothing */
        sbt_io_view_release(&io, 0);
        sbt_io_peek(&io, sbt_io_level(&io));
        sbt_io_read(&io, (o * 5) % cap);
        sbt_io_read(&io, sbt_io_level(&io));

        /* Zero-copy fill: contiguous strategies may stop short of capacity
         * (a bip-buffer abandons its tail) but only once they say full. */
        move_to(&io, o);
        for (int guard = 0; sbt_io_level(&io) < cap; guard++) {
            SBT_CHECK(guard < 64, "%s: offset %zu: reserve/commit never filled it", ops->name,
                      o);
            if (sbt_io_reserve_commit(&io, cap - sbt_io_level(&io)) == 0)
                break;
        }
        if (sbt_io_level(&io) < cap)
            SBT_CHECK(sbuf_full(io.b), "%s: offset %zu: reserve gave nothing at %zu of %zu",
                      ops->name, o, sbt_io_level(&io), cap);
        for (int guard = 0; sbt_io_level(&io) > 0; guard++) {
            SBT_CHECK(guard < 64, "%s: offset %zu: view/release never drained it", ops->name,
                      o);
            sbt_io_view_release(&io, sbt_io_level(&io) / 2 + 1);
        }
    }
}

static void zero_copy_core(const struct sbuf_ops *ops)
{
    struct sbt_io io;
    open_io(&io, ops, MID);
    size_t cap = sbuf_capacity(io.b);
    sbt_io_view_release(&io, 5); /* empty: nothing viewed, an underrun */

    /* Partial commit, commit 0, partial release, release 0. */
    SBT_CHECK(sbt_io_reserve_commit(&io, 7) == 7, "%s: commit 7", ops->name);
    sbt_io_reserve_commit(&io, 0);
    sbt_io_reserve_commit(&io, 20);
    sbt_io_view_release(&io, 3);
    sbt_io_view_release(&io, 0);
    sbt_io_view_release(&io, 10);

    /* Commit and release past what was reserved or viewed are clamped. */
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t level = sbt_io_level(&io);
    size_t t = sbuf_write_reserve(io.b, v);
    sbt_pattern_fill_spans(v, io.seed, io.in, t);
    sbuf_write_commit(io.b, t + 5);
    io.in += t;
    io.peak = io.peak > level + t ? io.peak : level + t;
    sbt_io_check(&io);
    t = sbuf_read_view(io.b, v);
    sbuf_read_release(io.b, t + 5);
    io.out += t;
    sbt_io_check(&io);

    /* With data on both sides of the free space: views and reservations lie
     * apart, within capacity, and writing all of a reservation touches no
     * readable byte. */
    sbt_io_clear(&io);
    move_to(&io, cap / 2);
    sbt_io_write(&io, cap / 2 + cap / 4);
    sbt_io_read(&io, cap / 8);
    struct sbuf_span r[2] = {{NULL, 0}, {NULL, 0}}, w[2] = {{NULL, 0}, {NULL, 0}};
    size_t nr = sbuf_read_view(io.b, r);
    sbuf_read_release(io.b, 0);
    size_t nw = sbuf_write_reserve(io.b, w);
    if (w[0].n)
        memset(w[0].p, 0xEE, w[0].n);
    if (w[1].n)
        memset(w[1].p, 0xEE, w[1].n);
    sbuf_write_commit(io.b, 0);
    sbt_check_spans(ops, r, nr, "read_view");
    sbt_check_spans(ops, w, nw, "write_reserve");
    SBT_CHECK(nr + nw <= cap, "%s: %zu viewed + %zu reserved > capacity %zu", ops->name, nr,
              nw, cap);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            SBT_CHECK(!sbt_spans_overlap(&r[i], &w[j]),
                      "%s: read span %d overlaps write span %d", ops->name, i, j);
    while (sbt_io_level(&io))
        SBT_CHECK(sbt_io_view_release(&io, cap) > 0, "%s: could not drain", ops->name);
}

static void write_all_or_nothing(const struct sbuf_ops *ops)
{
    struct sbt_io io;
    open_io(&io, ops, MID);
    size_t cap = sbuf_capacity(io.b);
    sbt_io_write_all(&io, 0);
    sbt_io_write_all(&io, cap + 1); /* fixed: refused whole */
    sbt_io_clear(&io);
    SBT_CHECK(sbt_io_write_all(&io, cap - 3) == cap - 3, "%s: write_all that fits", ops->name);
    sbt_io_write_all(&io, 4);
    sbt_io_write_all(&io, 3);
    sbt_io_read(&io, 2 * cap);

    if (grows(ops)) {
        /* Bounded growth: what cannot fit even at the maximum is refused whole. */
        struct sbt_io g;
        struct sbuf_config cfg = sbt_config(128);
        cfg.max_capacity = 512;
        sbt_io_open(&g, ops, &cfg, 4096);
        SBT_CHECK(sbt_io_write_all(&g, 1024) == 0, "%s: write_all past max_capacity",
                  ops->name);
        SBT_CHECK(sbt_io_write_all(&g, 300) == 300, "%s: write_all that fits after growth",
                  ops->name);
        sbt_io_read(&g, 300);
    }
}

/*
 * The contract of sbuf_write_reserve_min (sbuf.h), on a buffer the consumer
 * leaves alone: every n up to R is granted, in spans totalling at least n,
 * and every n above R is refused with nothing changed.  R is sbuf_space(),
 * or with SBUF_CAP_CONTIGUOUS what one reservation offers (bip: the larger
 * of its two free spans), which sbuf_write_reserve shows.  (chunks offers
 * at most two blocks; at the capacities used here a block is the capacity.)
 */
static size_t reservable(struct sbt_io *io)
{
    if (!(io->ops->caps & SBUF_CAP_CONTIGUOUS))
        return sbuf_space(io->b);
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = sbuf_write_reserve(io->b, v);
    sbuf_write_commit(io->b, 0);
    return t;
}

/* reserve_min(n) refused: 0, spans cleared, not a counter or a byte moved,
 * and nothing left open (a held producer lock would hang the next write). */
static void expect_refused(struct sbt_io *io, size_t n, size_t o, const char *why)
{
    const char *name = io->ops->name;
    struct sbuf_stats before, after;
    sbuf_stats(io->b, &before);
    size_t space = sbuf_space(io->b);
    uint8_t junk;
    struct sbuf_span v[2] = {{&junk, 1}, {&junk, 1}};
    size_t t = sbuf_write_reserve_min(io->b, n, v);
    if (t)
        sbuf_write_commit(io->b, 0); /* close it before the check fails */
    SBT_CHECK(t == 0, "%s: offset %zu, level %zu: reserve_min(%zu) (%s) granted %zu", name, o,
              sbt_io_level(io), n, why, t);
    SBT_CHECK(!v[0].p && !v[0].n && !v[1].p && !v[1].n, "%s: a refusal left spans behind",
              name);
    sbuf_stats(io->b, &after);
    SBT_CHECK(memcmp(&before, &after, sizeof(before)) == 0,
              "%s: offset %zu: a refused reserve_min(%zu) changed the stats", name, o, n);
    SBT_CHECK(sbuf_space(io->b) == space, "%s: offset %zu: a refusal changed space %zu -> %zu",
              name, o, space, sbuf_space(io->b));
    sbt_io_check(io);
}

/* reserve_min(n) granted: at least n, within the free space, apart from the
 * readable bytes; commit bytes of the stream into it.  Returns the grant. */
static size_t expect_granted(struct sbt_io *io, size_t n, size_t commit, size_t o)
{
    const char *name = io->ops->name;
    size_t level = sbt_io_level(io), cap = sbuf_capacity(io->b);
    struct sbuf_span r[2] = {{NULL, 0}, {NULL, 0}}, w[2];
    size_t nr = 0;
    if (level) { /* a view of nothing would count an underrun */
        nr = sbuf_read_view(io->b, r);
        sbuf_read_release(io->b, 0);
    }
    size_t t = sbuf_write_reserve_min(io->b, n, w);
    int ok = t >= n && t <= cap - level && commit <= t;
    if (ok)
        sbt_pattern_fill_spans(w, io->seed, io->in, commit);
    if (t)
        sbuf_write_commit(io->b, ok ? commit : 0);
    SBT_CHECK(ok, "%s: offset %zu, level %zu of %zu: reserve_min(%zu) gave %zu", name, o, level,
              cap, n, t);
    sbt_check_spans(io->ops, w, t, "write_reserve_min");
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            SBT_CHECK(!sbt_spans_overlap(&r[i], &w[j]),
                      "%s: offset %zu: read span %d overlaps reserved span %d (%zu viewed)",
                      name, o, i, j, nr);
    io->in += commit;
    if (level + commit > io->peak)
        io->peak = level + commit;
    sbt_io_check(io);
    return t;
}

/*
 * At offsets all around a small ring (every one up to 64), with the
 * consumer having moved since the producer last looked (a cached index is
 * stale): exactly R fits, R + 1 is refused without side effects, in both
 * orders; grants that cross the wrap carry the stream intact.
 */
static void reserve_min_all_or_nothing(const struct sbuf_ops *ops)
{
    struct sbt_io io;
    open_io(&io, ops, SMALL);
    size_t cap = sbuf_capacity(io.b);

    /* Arguments: 0 bytes and NULLs are refused, and leave nothing open. */
    struct sbuf_span v[2];
    SBT_CHECK(sbuf_write_reserve_min(io.b, 0, v) == 0 && !v[0].n && !v[1].n,
              "%s: reserve_min(0)", ops->name);
    SBT_CHECK(sbuf_write_reserve_min(io.b, 1, NULL) == 0, "%s: reserve_min(spans NULL)",
              ops->name);
    SBT_CHECK(sbuf_write_reserve_min(NULL, 1, v) == 0, "%s: reserve_min(NULL)", ops->name);
    sbt_io_check(&io);
    expect_refused(&io, cap + 1, 0, "more than the capacity");
    expect_refused(&io, SIZE_MAX, 0, "SIZE_MAX");

    /* Every offset of a small ring; of a page-sized one (ring_mirror,
     * mmap_log), about 60 of them and the last. */
    size_t step = cap <= 64 ? 1 : cap / 61;
    for (size_t o = 0; o < cap; o = o + step < cap || o == cap - 1 ? o + step : cap - 1) {
        move_to(&io, o);
        sbt_io_write(&io, (o * 5 + 3) % (cap + 1));
        sbt_io_read(&io, sbt_io_level(&io) / 3 + (o & 1));
        size_t r = reservable(&io);
        if (o & 1) {
            if (r)
                expect_granted(&io, r, r, o);
            expect_refused(&io, reservable(&io) + 1, o, "after a grant of all of it");
        } else {
            expect_refused(&io, r + 1, o, "one byte more than fits");
            if (r)
                expect_granted(&io, r, r, o);
        }
        /* Smaller grants may commit less than they asked for, or nothing. */
        sbt_io_read(&io, sbt_io_level(&io) / 2 + 1);
        if (reservable(&io) >= 3) {
            expect_granted(&io, 3, 2, o);
            expect_granted(&io, 1, 0, o);
        }
        sbt_io_read(&io, sbt_io_level(&io)); /* every byte checked: the wrap carried them */
    }

    /* sbuf_write_all is all or nothing through the same path, at every offset. */
    for (size_t o = 0; o < cap; o += step) {
        move_to(&io, o);
        sbt_io_write(&io, (o * 3) % cap);
        sbt_io_read(&io, sbt_io_level(&io) / 2);
        size_t space = sbuf_space(io.b);
        if (space)
            sbt_io_write_all(&io, space / 2 + 1);
        sbt_io_write_all(&io, sbuf_space(io.b) + 1); /* a fixed strategy refuses it whole */
        sbt_io_write_all(&io, sbuf_space(io.b));
        sbt_io_read(&io, sbt_io_level(&io));
    }
}

/* Writes a quarter of the reachable capacity at a time until a write is short. */
static void fill_up(struct sbt_io *io, size_t limit)
{
    for (int guard = 0;; guard++) {
        SBT_CHECK(guard < 64, "%s: never full", io->ops->name);
        size_t n = limit / 4 + 1;
        if (sbt_io_write(io, n) < n)
            return;
    }
}

static void full_empty_space_clear(const struct sbuf_ops *ops)
{
    struct sbt_io io;
    struct sbuf_config cfg = sbt_config(MID);
    cfg.max_capacity = grows(ops) ? 4 * MID : 0;
    sbt_io_open(&io, ops, &cfg, 64 * MID);
    size_t limit = grows(ops) ? 4 * MID : sbuf_capacity(io.b);
    sbt_io_write(&io, 1);
    fill_up(&io, limit);
    size_t cap = sbuf_capacity(io.b);
    SBT_CHECK(sbuf_full(io.b) && sbuf_space(io.b) == 0 && sbuf_used(io.b) == cap,
              "%s: full() %d space %zu used %zu capacity %zu", ops->name, sbuf_full(io.b),
              sbuf_space(io.b), sbuf_used(io.b), cap);
    if (grows(ops))
        SBT_CHECK(cap <= 4 * MID, "%s: grew to %zu past max_capacity %d", ops->name, cap,
                  4 * MID);
    sbt_io_read(&io, 1);
    SBT_CHECK(!sbuf_full(io.b) && sbuf_space(io.b) == 1,
              "%s: one byte read from a full buffer: full() %d, space %zu", ops->name,
              sbuf_full(io.b), sbuf_space(io.b));
    sbt_io_clear(&io);
    SBT_CHECK(sbuf_empty(io.b), "%s: not empty after clear", ops->name);
    sbt_io_clear(&io); /* clearing an empty buffer discards nothing */
    /* Nothing stale comes back after a clear, also across the wrap. */
    size_t c2 = sbuf_capacity(io.b);
    move_to(&io, c2 - 3);
    sbt_io_write(&io, 10);
    sbt_io_clear(&io);
    sbt_io_write(&io, 5);
    sbt_io_read(&io, 10);
}

static void stats_counted(const struct sbuf_ops *ops)
{
    struct sbt_io io;
    struct sbuf_config cfg = sbt_config(MID);
    cfg.max_capacity = grows(ops) ? 4 * MID : 0;
    sbt_io_open(&io, ops, &cfg, 64 * MID);
    /* sbt_io checks capacity, used, peak, bytes in/out/discarded, overflows
     * and underruns after every call below. */
    sbt_io_read(&io, 5);
    sbt_io_view_release(&io, 5);
    sbt_io_read(&io, 0);
    sbt_io_write(&io, 10);
    sbt_io_read(&io, 4);
    sbt_io_write(&io, 3);
    size_t cap0 = sbuf_capacity(io.b);
    size_t n = (grows(ops) ? 4 * MID : cap0) / 4 + 1;
    for (int i = 0; i < 12; i++)
        sbt_io_write(&io, n); /* short once the buffer is full: each an overflow */
    sbt_io_write_all(&io, 1);
    sbt_io_read(&io, sbt_io_level(&io) / 2);
    sbt_io_clear(&io);
    sbt_io_reserve_commit(&io, 5);
    sbt_io_write(&io, 2);
    struct sbuf_stats s;
    sbuf_stats(io.b, &s);
    SBT_CHECK(io.overflows >= 1, "%s: the test never overflowed", ops->name);
    if (grows(ops))
        SBT_CHECK(s.capacity > cap0 && s.resizes > 0, "%s: grew %zu -> %zu with %llu resizes",
                  ops->name, cap0, s.capacity, (unsigned long long)s.resizes);
    SBT_CHECK(sbuf_stats(io.b, NULL) == SBUF_EINVAL, "%s: stats(NULL)", ops->name);
}

static void bad_arguments(const struct sbuf_ops *ops)
{
    struct sbuf *b = (struct sbuf *)&b; /* not NULL: create must clear it on error */
    struct sbuf_config cfg = sbt_config(MID);
    int rc;
    SBT_CHECK(sbuf_create_ops(ops, NULL, &b) == SBUF_EINVAL && !b, "%s: NULL config",
              ops->name);
    SBT_CHECK(sbuf_create_ops(ops, &cfg, NULL) == SBUF_EINVAL, "%s: NULL out", ops->name);
    static const size_t bad_caps[] = {0, SBUF_MAX_CAPACITY + 1, SIZE_MAX};
    for (size_t i = 0; i < 3; i++) {
        cfg.capacity = bad_caps[i];
        b = (struct sbuf *)&b;
        rc = sbuf_create_ops(ops, &cfg, &b);
        SBT_CHECK(rc == SBUF_ERANGE && !b, "%s: capacity %zu gave %d", ops->name, bad_caps[i],
                  rc);
        b = (struct sbuf *)&b;
        rc = sbuf_create(ops->name, &cfg, &b);
        SBT_CHECK(rc == SBUF_ERANGE && !b, "%s: by name, capacity %zu gave %d", ops->name,
                  bad_caps[i], rc);
    }
    cfg = sbt_config(MID);
    cfg.on_exhaust = 7;
    SBT_CHECK(sbuf_create_ops(ops, &cfg, &b) == SBUF_EINVAL && !b, "%s: on_exhaust 7",
              ops->name);
    cfg = sbt_config(MID);
    cfg.storage = &cfg;
    cfg.storage_size = 0;
    SBT_CHECK(sbuf_create_ops(ops, &cfg, &b) == SBUF_EINVAL && !b, "%s: storage of size 0",
              ops->name);

    /* NULL data and span arguments on a live buffer: refused, nothing moves. */
    struct sbt_io io;
    open_io(&io, ops, MID);
    sbt_io_write(&io, 10);
    SBT_CHECK(sbuf_write_reserve(io.b, NULL) == 0, "%s: reserve(NULL)", ops->name);
    SBT_CHECK(sbuf_read_view(io.b, NULL) == 0, "%s: view(NULL)", ops->name);
    SBT_CHECK(sbuf_write(io.b, NULL, 5) == 0, "%s: write(NULL, 5)", ops->name);
    SBT_CHECK(sbuf_write_all(io.b, NULL, 5) == 0, "%s: write_all(NULL, 5)", ops->name);
    SBT_CHECK(sbuf_read(io.b, NULL, 5) == 0, "%s: read(NULL, 5)", ops->name);
    SBT_CHECK(sbuf_peek(io.b, NULL, 5) == 0, "%s: peek(NULL, 5)", ops->name);
    SBT_CHECK(sbuf_find(io.b, NULL, 1) == 0, "%s: find(NULL)", ops->name);
    size_t len = 9;
    char dst[8];
    SBT_CHECK(sbuf_readline(io.b, dst, 8, NULL, 1, &len) == SBUF_EINVAL && len == 0,
              "%s: readline(delim NULL)", ops->name);
    SBT_CHECK(sbuf_readline(io.b, dst, 8, "\n", 0, &len) == SBUF_EINVAL,
              "%s: readline(dlen 0)", ops->name);
    SBT_CHECK(sbuf_readline(io.b, dst, 8, "\n", 1, NULL) == SBUF_EINVAL,
              "%s: readline(len NULL)", ops->name);
    SBT_CHECK(sbuf_readline(io.b, NULL, 8, "\n", 1, &len) == SBUF_EINVAL,
              "%s: readline(dst NULL, cap 8)", ops->name);
    sbt_io_check(&io); /* none of it counted or moved a byte */
    sbt_io_read(&io, 10);
}

static void static_storage(const struct sbuf_ops *ops)
{
    struct sbuf_config cfg = sbt_config(MID);
    size_t need = sbuf_storage_size(ops, &cfg);
    if (!(ops->caps & SBUF_CAP_STATIC)) {
        SBT_CHECK(need == 0, "%s: storage size %zu without SBUF_CAP_STATIC", ops->name, need);
        uint8_t storage[256];
        cfg.storage = storage;
        cfg.storage_size = sizeof(storage);
        struct sbuf *b = NULL;
        int rc = sbuf_create_ops(ops, &cfg, &b);
        SBT_CHECK(rc == SBUF_ENOTSUP && !b, "%s: static create gave %d", ops->name, rc);
        struct sbt_io io; /* and the strategy works at all */
        open_io(&io, ops, MID);
        return;
    }
    SBT_CHECK(need >= MID, "%s: storage size %zu for capacity %d", ops->name, need, MID);
    /* Misaligned on purpose, with guard bytes after it. */
    enum { GUARD = 64 };
    uint8_t *raw = sbt_scratch(need + GUARD + 1);
    uint8_t *storage = raw + 1;
    memset(storage + need, 0xA5, GUARD);
    cfg.storage = storage;
    cfg.storage_size = need - 1;
    struct sbuf *b = NULL;
    SBT_CHECK(sbuf_create_ops(ops, &cfg, &b) == SBUF_ERANGE && !b, "%s: storage one byte short",
              ops->name);

    cfg.storage_size = need;
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbt_io io;
    sbt_io_open(&io, ops, &cfg, 4 * need);
    size_t cap = sbuf_capacity(io.b);
    struct sbuf_stats s;
    sbuf_stats(io.b, &s);
    SBT_CHECK(s.allocations == 0 && sbt_alloc_counts().allocs == 0,
              "%s: static create allocated (%llu counted, %llu through the hook)", ops->name,
              (unsigned long long)s.allocations, (unsigned long long)sbt_alloc_counts().allocs);
    for (size_t o = 0; o < cap; o += 1 + cap / 37) {
        move_to(&io, o);
        sbt_io_write(&io, cap / 3);
        /* Every span lies inside the caller's storage. */
        struct sbuf_span r[2] = {{NULL, 0}, {NULL, 0}}, w[2] = {{NULL, 0}, {NULL, 0}};
        sbuf_read_view(io.b, r);
        sbuf_read_release(io.b, 0);
        sbuf_write_reserve(io.b, w);
        sbuf_write_commit(io.b, 0);
        struct sbuf_span all[4] = {r[0], r[1], w[0], w[1]};
        for (int i = 0; i < 4; i++)
            SBT_CHECK(all[i].n == 0 || (all[i].p >= storage && all[i].p + all[i].n <=
                                                                  storage + need),
                      "%s: offset %zu: span %d outside the caller's storage", ops->name, o, i);
        sbt_io_write(&io, cap);
        sbt_io_read(&io, cap);
    }
    sbt_destroy(io.b);
    SBT_CHECK(sbt_alloc_counts().frees == 0 && sbt_alloc_counts().bad_frees == 0,
              "%s: destroy of a static buffer freed memory", ops->name);
    sbt_alloc_remove();
    for (int i = 0; i < GUARD; i++)
        SBT_CHECK(storage[need + i] == 0xA5, "%s: wrote past its storage (guard byte %d)",
                  ops->name, i);
}

/*
 * Heap create through a counting hook: every allocation goes through it,
 * the buffer's allocation counter matches, destroy gives everything back
 * with the size it was taken with.
 */
static void allocation_hook(const struct sbuf_ops *ops)
{
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbt_io io;
    struct sbuf_config cfg = sbt_config(MID);
    sbt_io_open(&io, ops, &cfg, 64 * MID);
    struct sbuf_stats s;
    sbuf_stats(io.b, &s);
    struct sbt_alloc_counts c = sbt_alloc_counts();
    SBT_CHECK(c.allocs > 0, "%s: create made no allocation through the hook", ops->name);
    /* At least every hook call: a wrapped library's own mallocs may be counted too. */
    SBT_CHECK(s.allocations >= c.allocs, "%s: stats.allocations %llu, hook saw %llu",
              ops->name, (unsigned long long)s.allocations, (unsigned long long)c.allocs);
    uint64_t outside = s.allocations - c.allocs;
    /* Traffic (and growth, for a growing strategy) is counted the same way. */
    for (int i = 0; i < 8; i++) {
        sbt_io_write(&io, 4 * MID);
        sbt_io_read(&io, 3 * MID);
    }
    sbuf_stats(io.b, &s);
    c = sbt_alloc_counts();
    SBT_CHECK(s.allocations == c.allocs + outside,
              "%s: after traffic stats.allocations %llu, hook %llu", ops->name,
              (unsigned long long)s.allocations, (unsigned long long)c.allocs);
    sbt_destroy(io.b);
    c = sbt_alloc_counts();
    SBT_CHECK(c.live == 0, "%s: %zu blocks not freed by destroy", ops->name, c.live);
    SBT_CHECK(c.bad_frees == 0, "%s: %llu frees of an unknown block or with a wrong size",
              ops->name, (unsigned long long)c.bad_frees);
    sbt_alloc_remove();
}

/* Each allocation of create failing in turn: SBUF_ENOMEM, nothing leaked. */
static void allocation_failure(const struct sbuf_ops *ops)
{
    struct sbuf_config cfg = sbt_config(MID);
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbuf *b = sbt_create(ops, &cfg);
    uint64_t need = sbt_alloc_counts().allocs;
    sbt_destroy(b);
    for (uint64_t k = 0; k < need; k++) {
        sbt_alloc_install(k);
        b = (struct sbuf *)&b;
        int rc = sbuf_create_ops(ops, &cfg, &b);
        struct sbt_alloc_counts c = sbt_alloc_counts();
        sbt_alloc_remove();
        if (rc == SBUF_OK)
            sbuf_destroy(b);
        SBT_CHECK(rc == SBUF_ENOMEM && !b, "%s: allocation %llu of %llu failing gave %d (%s)",
                  ops->name, (unsigned long long)k, (unsigned long long)need, rc,
                  sbuf_strerror(rc));
        SBT_CHECK(c.live == 0 && c.bad_frees == 0,
                  "%s: allocation %llu failing leaked %zu blocks, %llu bad frees", ops->name,
                  (unsigned long long)k, c.live, (unsigned long long)c.bad_frees);
    }
    /* Allocations failing after create (growth, fallback blocks) only make
     * writes short; every byte accepted comes back. */
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbt_io io;
    sbt_io_open(&io, ops, &cfg, 64 * MID);
    sbt_alloc_fail_at(sbt_alloc_counts().allocs);
    for (int i = 0; i < 8; i++)
        sbt_io_write(&io, 4 * MID);
    sbt_io_read(&io, 64 * MID);
    sbt_destroy(io.b);
    struct sbt_alloc_counts c = sbt_alloc_counts();
    sbt_alloc_remove();
    SBT_CHECK(c.live == 0 && c.bad_frees == 0, "%s: %zu blocks leaked, %llu bad frees",
              ops->name, c.live, (unsigned long long)c.bad_frees);
}

static const struct sbt_case cases[] = {
    SBT_CASE(ops_table_and_create),
    SBT_CASE(tiny_capacities),
    SBT_CASE(write_accepts_what_fits),
    SBT_CASE(read_and_peek_up_to_n),
    SBT_CASE(readline_one_byte),
    SBT_CASE(readline_multi_byte),
    SBT_CASE(readline_across_wrap),
    SBT_CASE(wrap_every_offset),
    SBT_CASE(zero_copy_core),
    SBT_CASE(write_all_or_nothing),
    SBT_CASE(reserve_min_all_or_nothing),
    SBT_CASE(full_empty_space_clear),
    SBT_CASE(stats_counted),
    SBT_CASE(bad_arguments),
    SBT_CASE(static_storage),
    SBT_CASE(allocation_hook),
    SBT_CASE(allocation_failure),
};

const struct sbt_suite sbt_conformance = {"conformance", cases, sizeof(cases) / sizeof(cases[0]),
                                          NULL};
