/* sbt_io.c - the checked byte stream; see sbt_io.h. */
#include <string.h>

#include "sbt_io.h"
#include "sbt_rng.h"

static int grows(const struct sbt_io *io)
{
    return (io->ops->caps & SBUF_CAP_GROWS) != 0;
}

static void note_level(struct sbt_io *io)
{
    size_t level = sbt_io_level(io);
    if (level > io->peak)
        io->peak = level;
}

void sbt_io_open(struct sbt_io *io, const struct sbuf_ops *ops, const struct sbuf_config *cfg,
                 size_t tmplen)
{
    memset(io, 0, sizeof(*io));
    io->ops = ops;
    io->seed = 0x5B0F0000u + cfg->capacity;
    io->b = sbt_create(ops, cfg);
    io->tmp = sbt_scratch(tmplen);
    io->tmplen = tmplen;
    SBT_CHECK(sbuf_capacity(io->b) >= cfg->capacity, "%s: capacity %zu < requested %zu",
              ops->name, sbuf_capacity(io->b), cfg->capacity);
    sbt_io_check(io);
}

void sbt_io_check(struct sbt_io *io)
{
    const char *name = io->ops->name;
    struct sbuf_stats s;
    size_t level = sbt_io_level(io);
    SBT_CHECK(sbuf_stats(io->b, &s) == SBUF_OK, "%s: sbuf_stats failed", name);
    SBT_CHECK(sbuf_used(io->b) == level, "%s: used %zu, expected %zu", name,
              sbuf_used(io->b), level);
    SBT_CHECK(s.used == level, "%s: stats.used %zu, expected %zu", name, s.used, level);
    SBT_CHECK(s.capacity == sbuf_capacity(io->b), "%s: stats.capacity %zu != capacity %zu",
              name, s.capacity, sbuf_capacity(io->b));
    SBT_CHECK(s.used <= s.capacity, "%s: used %zu > capacity %zu", name, s.used, s.capacity);
    /* Some strategies cannot take all of capacity - used (bip skips a tail). */
    size_t space = sbuf_space(io->b);
    SBT_CHECK(space <= s.capacity - s.used, "%s: space %zu > %zu - %zu", name, space,
              s.capacity, s.used);
    SBT_CHECK(!sbuf_full(io->b) == (space != 0), "%s: full() %d with space %zu", name,
              sbuf_full(io->b), space);
    SBT_CHECK(!sbuf_empty(io->b) == (level != 0), "%s: empty() wrong at level %zu", name, level);
    SBT_CHECK(s.bytes_in == io->in, "%s: bytes_in %llu, expected %llu", name,
              (unsigned long long)s.bytes_in, (unsigned long long)io->in);
    SBT_CHECK(s.bytes_out == io->out - io->discarded, "%s: bytes_out %llu, expected %llu",
              name, (unsigned long long)s.bytes_out,
              (unsigned long long)(io->out - io->discarded));
    SBT_CHECK(s.bytes_discarded == io->discarded, "%s: bytes_discarded %llu, expected %llu",
              name, (unsigned long long)s.bytes_discarded, (unsigned long long)io->discarded);
    SBT_CHECK(s.bytes_in == s.bytes_out + s.used + s.bytes_discarded,
              "%s: bytes_in != bytes_out + used + bytes_discarded", name);
    SBT_CHECK(s.overflows == io->overflows, "%s: overflows %llu, expected %llu", name,
              (unsigned long long)s.overflows, (unsigned long long)io->overflows);
    SBT_CHECK(s.underruns == io->underruns, "%s: underruns %llu, expected %llu", name,
              (unsigned long long)s.underruns, (unsigned long long)io->underruns);
    SBT_CHECK(s.peak_used == io->peak, "%s: peak_used %zu, expected %zu", name, s.peak_used,
              io->peak);
    if (!grows(io))
        SBT_CHECK(s.resizes == 0, "%s: %llu resizes without SBUF_CAP_GROWS", name,
                  (unsigned long long)s.resizes);
}

/* Accounts a copying write of n bytes that took k, then checks the stats. */
static size_t wrote(struct sbt_io *io, size_t n, size_t k)
{
    io->in += k;
    if (k < n)
        io->overflows++;
    note_level(io);
    sbt_io_check(io);
    return k;
}

size_t sbt_io_write(struct sbt_io *io, size_t n)
{
    const char *name = io->ops->name;
    SBT_CHECK(n <= io->tmplen, "test bug: write of %zu > scratch %zu", n, io->tmplen);
    sbt_pattern_fill(io->tmp, io->seed, io->in, n);
    size_t space = sbuf_space(io->b);
    size_t fit = n < space ? n : space;
    size_t k = sbuf_write(io->b, io->tmp, n);
    if (grows(io)) {
        SBT_CHECK(k >= fit && k <= n, "%s: write(%zu) with %zu free returned %zu", name, n,
                  space, k);
        SBT_CHECK(k == n || sbuf_full(io->b),
                  "%s: write(%zu) took %zu yet the buffer is not full", name, n, k);
    } else {
        SBT_CHECK(k == fit, "%s: write(%zu) with %zu free returned %zu, expected %zu", name,
                  n, space, k, fit);
    }
    return wrote(io, n, k);
}

size_t sbt_io_write_all(struct sbt_io *io, size_t n)
{
    const char *name = io->ops->name;
    SBT_CHECK(n <= io->tmplen, "test bug: write_all of %zu > scratch %zu", n, io->tmplen);
    sbt_pattern_fill(io->tmp, io->seed, io->in, n);
    size_t space = sbuf_space(io->b);
    size_t k = sbuf_write_all(io->b, io->tmp, n);
    SBT_CHECK(k == 0 || k == n, "%s: write_all(%zu) tore the message: %zu", name, n, k);
    if (n <= space)
        SBT_CHECK(k == n, "%s: write_all(%zu) with %zu free refused", name, n, space);
    else if (!grows(io))
        SBT_CHECK(k == 0, "%s: write_all(%zu) with %zu free accepted", name, n, space);
    return wrote(io, n, k);
}

static void check_stream(struct sbt_io *io, const uint8_t *p, uint64_t pos, size_t n,
                         const char *what)
{
    size_t bad = sbt_pattern_check(p, io->seed, pos, n);
    SBT_CHECK(bad == n, "%s: %s: stream byte %llu is 0x%02x, expected 0x%02x", io->ops->name,
              what, (unsigned long long)(pos + bad), bad < n ? p[bad] : 0,
              sbt_pattern_byte(io->seed, pos + bad));
}

/*
 * sbuf_read or sbuf_peek (what names it) of up to n bytes into the scratch:
 * checks the count is min(n, level) and the bytes are the stream's next.
 */
static size_t copy_out(struct sbt_io *io, size_t n,
                       size_t (*fn)(struct sbuf *, void *, size_t), const char *what)
{
    SBT_CHECK(n <= io->tmplen, "test bug: %s of %zu > scratch %zu", what, n, io->tmplen);
    size_t level = sbt_io_level(io);
    size_t want = n < level ? n : level;
    memset(io->tmp, 0, n);
    size_t k = fn(io->b, io->tmp, n);
    SBT_CHECK(k == want, "%s: %s(%zu) with %zu readable returned %zu", io->ops->name, what, n,
              level, k);
    check_stream(io, io->tmp, io->out, k, what);
    return k;
}

size_t sbt_io_read(struct sbt_io *io, size_t n)
{
    size_t k = copy_out(io, n, sbuf_read, "read");
    io->out += k;
    if (k == 0 && n)
        io->underruns++;
    sbt_io_check(io);
    return k;
}

size_t sbt_io_peek(struct sbt_io *io, size_t n)
{
    size_t k = copy_out(io, n, sbuf_peek, "peek");
    sbt_io_check(io);
    return k;
}

void sbt_io_clear(struct sbt_io *io)
{
    sbuf_clear(io->b);
    io->discarded += sbt_io_level(io);
    io->out = io->in;
    sbt_io_check(io);
}

void sbt_copy_to_spans(const struct sbuf_span v[2], const void *src, size_t n)
{
    size_t a = n < v[0].n ? n : v[0].n;
    if (a)
        memcpy(v[0].p, src, a);
    if (n > a)
        memcpy(v[1].p, (const uint8_t *)src + a, n - a);
}

void sbt_copy_from_spans(const struct sbuf_span v[2], void *dst, size_t n)
{
    size_t a = n < v[0].n ? n : v[0].n;
    if (a)
        memcpy(dst, v[0].p, a);
    if (n > a)
        memcpy((uint8_t *)dst + a, v[1].p, n - a);
}

void sbt_pattern_fill_spans(const struct sbuf_span v[2], uint64_t seed, uint64_t pos, size_t n)
{
    size_t a = n < v[0].n ? n : v[0].n;
    sbt_pattern_fill(v[0].p, seed, pos, a);
    sbt_pattern_fill(v[1].p, seed, pos + a, n - a);
}

size_t sbt_pattern_check_spans(const struct sbuf_span v[2], uint64_t seed, uint64_t pos,
                               size_t n)
{
    size_t a = n < v[0].n ? n : v[0].n;
    size_t bad = sbt_pattern_check(v[0].p, seed, pos, a);
    if (bad < a)
        return bad;
    return a + sbt_pattern_check(v[1].p, seed, pos + a, n - a);
}

int sbt_spans_overlap(const struct sbuf_span *a, const struct sbuf_span *b)
{
    if (a->n == 0 || b->n == 0)
        return 0;
    uintptr_t a0 = (uintptr_t)a->p, b0 = (uintptr_t)b->p;
    return a0 < b0 + b->n && b0 < a0 + a->n;
}

void sbt_check_spans(const struct sbuf_ops *ops, const struct sbuf_span v[2], size_t total,
                     const char *what)
{
    const char *name = ops->name;
    SBT_CHECK(v[0].n + v[1].n == total, "%s: %s returned %zu but spans hold %zu + %zu", name,
              what, total, v[0].n, v[1].n);
    SBT_CHECK(v[0].n || !v[1].n, "%s: %s filled the second span only", name, what);
    SBT_CHECK(!v[0].n || v[0].p, "%s: %s: NULL first span", name, what);
    SBT_CHECK(!v[1].n || v[1].p, "%s: %s: NULL second span", name, what);
    SBT_CHECK(!sbt_spans_overlap(&v[0], &v[1]), "%s: %s: spans overlap", name, what);
    if (ops->caps & SBUF_CAP_CONTIGUOUS)
        SBT_CHECK(v[1].n == 0, "%s: %s: two spans (%zu + %zu) from a contiguous strategy",
                  name, what, v[0].n, v[1].n);
}

size_t sbt_io_reserve_commit(struct sbt_io *io, size_t n)
{
    const char *name = io->ops->name;
    /* Read space before reserving: a multi-producer strategy holds its lock
     * from reserve to commit, and nothing else may be called in between. */
    size_t space = sbuf_space(io->b);
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = sbuf_write_reserve(io->b, v);
    size_t k = n < t ? n : t;
    /* A growing strategy may grow to make a reservation: checked after commit. */
    int ok = (t <= space || grows(io)) && (space == 0 || t > 0);
    if (ok)
        sbt_pattern_fill_spans(v, io->seed, io->in, k);
    else
        k = 0;
    sbuf_write_commit(io->b, k);
    SBT_CHECK(ok, "%s: reserve returned %zu with %zu free", name, t, space);
    SBT_CHECK(t <= sbuf_capacity(io->b) - sbt_io_level(io), "%s: reserved %zu past capacity %zu",
              name, t, sbuf_capacity(io->b));
    sbt_check_spans(io->ops, v, t, "write_reserve");
    io->in += k;
    note_level(io);
    sbt_io_check(io);
    return k;
}

size_t sbt_io_view_release(struct sbt_io *io, size_t n)
{
    const char *name = io->ops->name;
    size_t level = sbt_io_level(io);
    struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
    size_t t = sbuf_read_view(io->b, v);
    SBT_CHECK(t <= level && (level == 0 || t > 0), "%s: view returned %zu with %zu readable",
              name, t, level);
    sbt_check_spans(io->ops, v, t, "read_view");
    size_t bad = sbt_pattern_check_spans(v, io->seed, io->out, t);
    SBT_CHECK(bad == t, "%s: view: stream byte %llu is wrong", name,
              (unsigned long long)(io->out + bad));
    size_t k = n < t ? n : t;
    sbuf_read_release(io->b, k);
    io->out += k;
    if (t == 0)
        io->underruns++;
    sbt_io_check(io);
    return k;
}
