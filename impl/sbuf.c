/*
 * sbuf.c - the generic layer: argument checks, stats accounting, and the
 * copying calls (write, write_all, read, peek, find, readline, clear) written
 * once over each strategy's zero-copy core.
 *
 * Accounting split: this file counts bytes in/out, overflows, underruns and
 * discards; strategies count what only they can see (peak level, resizes,
 * internal copies, allocations).
 */
#include "sbuf_internal.h"
#include "sbuf/registry.h"

int sbuf__check_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    if (!cfg || !out)
        return SBUF_EINVAL;
    *out = NULL;
    if (cfg->capacity == 0 || cfg->capacity > SBUF_MAX_CAPACITY)
        return SBUF_ERANGE;
    if (cfg->on_exhaust != SBUF_EXHAUST_FALLBACK && cfg->on_exhaust != SBUF_EXHAUST_REFUSE)
        return SBUF_EINVAL;
    if (cfg->storage && cfg->storage_size == 0)
        return SBUF_EINVAL;
    return SBUF_OK;
}

unsigned sbuf_abi_version(void)
{
    return SBUF_ABI_VERSION;
}

int sbuf_create_ops(const struct sbuf_ops *ops, const struct sbuf_config *cfg,
                    struct sbuf **out)
{
    if (out)
        *out = NULL;
    if (!ops)
        return SBUF_EINVAL;
    /*
     * abi is read before anything else: in a table built for another
     * version, no other member can be trusted to be where we look.  0 is
     * let through here, and only here: a table compiled against these
     * headers that never set the field (abi is the first member in every
     * version, so an older or newer table cannot read 0).  The registry,
     * where tables from other builds arrive, insists on the exact value.
     */
    if (ops->abi != SBUF_ABI_VERSION && ops->abi != 0)
        return SBUF_EABI;
    if (!ops->create)
        return SBUF_EINVAL;
    int rc = sbuf__check_create(cfg, out);
    if (rc)
        return rc;
    if (cfg->storage) {
        if (!(ops->caps & SBUF_CAP_STATIC))
            return SBUF_ENOTSUP;
        if (cfg->storage_size < ops->storage_size(cfg))
            return SBUF_ERANGE;
    }
    return ops->create(cfg, out);
}

int sbuf_create(const char *name, const struct sbuf_config *cfg, struct sbuf **out)
{
    if (out)
        *out = NULL;
    if (!name)
        return SBUF_EINVAL;
    const struct sbuf_ops *ops = sbuf_registry_find(name);
    if (!ops)
        return SBUF_ENOENT;
    return sbuf_create_ops(ops, cfg, out);
}

size_t sbuf_storage_size(const struct sbuf_ops *ops, const struct sbuf_config *cfg)
{
    if (!ops || !cfg || !(ops->caps & SBUF_CAP_STATIC) || !ops->storage_size)
        return 0;
    if (cfg->capacity == 0 || cfg->capacity > SBUF_MAX_CAPACITY)
        return 0;
    return ops->storage_size(cfg);
}

void sbuf_destroy(struct sbuf *b)
{
    if (b)
        b->ops->destroy(b);
}

const struct sbuf_ops *sbuf_ops_of(const struct sbuf *b)
{
    return b ? b->ops : NULL;
}

const char *sbuf_name(const struct sbuf *b)
{
    return b ? b->ops->name : NULL;
}

/* ---- the zero-copy core, with accounting ---------------------------- */

static inline void producer_lock(struct sbuf *b)
{
    if (b->ops->producer_lock)
        b->ops->producer_lock(b);
}

static inline void producer_unlock(struct sbuf *b)
{
    if (b->ops->producer_unlock)
        b->ops->producer_unlock(b);
}

size_t sbuf_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    if (!b || !v)
        return 0;
    producer_lock(b);
    v[1].p = NULL;
    v[1].n = 0;
    size_t n = b->ops->write_reserve(b, v);
    b->prod.reserved = n;
    return n;
}

void sbuf_write_commit(struct sbuf *b, size_t n)
{
    if (!b)
        return;
    if (n > b->prod.reserved)
        n = b->prod.reserved; /* never publish bytes that were not reserved */
    b->prod.reserved = 0;
    b->ops->write_commit(b, n);
    b->prod.bytes_in += n;
    producer_unlock(b);
}

size_t sbuf_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    if (!b || !v)
        return 0;
    v[1].p = NULL;
    v[1].n = 0;
    size_t n = b->ops->read_view(b, v);
    if (n == 0)
        b->cons.underruns++;
    b->cons.viewed = n;
    return n;
}

void sbuf_read_release(struct sbuf *b, size_t n)
{
    if (!b)
        return;
    if (n > b->cons.viewed)
        n = b->cons.viewed; /* never free bytes that were not viewed */
    b->cons.viewed = 0;
    b->ops->read_release(b, n);
    b->cons.bytes_out += n;
}

/*
 * The all-or-nothing reservation, producer lock held.  Returns the total
 * (>= n) or 0 with v zeroed and the strategy's reservation closed.
 */
static size_t reserve_min_locked(struct sbuf *b, size_t n, struct sbuf_span v[2])
{
    const struct sbuf_ops *ops = b->ops;
    size_t got;
    /* As sbuf_write_reserve: a strategy may fill in only the spans it uses. */
    v[0].p = v[1].p = NULL;
    v[0].n = v[1].n = 0;
    if (ops->write_reserve_min) {
        got = ops->write_reserve_min(b, n, v);
        if (got >= n)
            return got;
        /* The op's refusal leaves nothing open; only a short "success" (a
         * broken op) reaches here with got > 0, and commit 0 closes it. */
        if (got)
            ops->write_commit(b, 0);
    } else {
        got = ops->write_reserve(b, v);
        if (got >= n)
            return got;
        ops->write_commit(b, 0); /* abandon it: commit 0 changes nothing */
    }
    v[0].p = v[1].p = NULL;
    v[0].n = v[1].n = 0;
    return 0;
}

size_t sbuf_write_reserve_min(struct sbuf *b, size_t n, struct sbuf_span v[2])
{
    if (!v)
        return 0;
    v[0].p = v[1].p = NULL;
    v[0].n = v[1].n = 0;
    /* n == 0 would make 0 mean both "refused" and "an empty reservation". */
    if (!b || n == 0)
        return 0;
    producer_lock(b);
    size_t got = reserve_min_locked(b, n, v);
    if (got == 0) {
        producer_unlock(b); /* a refusal leaves nothing open, the lock included */
        return 0;
    }
    b->prod.reserved = got;
    return got;
}

/* ---- copying calls --------------------------------------------------- */

/* Copies as much of src as fits through reserve/commit; producer lock held. */
static size_t write_core(struct sbuf *b, const uint8_t *src, size_t n)
{
    const struct sbuf_ops *ops = b->ops;
    if (ops->write)
        return ops->write(b, src, n);
    size_t done = 0;
    while (done < n) {
        struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
        size_t room = ops->write_reserve(b, v);
        size_t k = room < n - done ? room : n - done;
        if (k)
            sbuf_spans_copy_in(v, src + done, k);
        ops->write_commit(b, k);
        done += k;
        if (k == 0)
            break;
    }
    return done;
}

static size_t space_locked(struct sbuf *b)
{
    if (b->ops->space)
        return b->ops->space(b);
    size_t cap = b->ops->capacity(b), used = b->ops->used(b);
    return used < cap ? cap - used : 0;
}

size_t sbuf_write(struct sbuf *b, const void *src, size_t n)
{
    if (!b || (!src && n))
        return 0;
    producer_lock(b);
    if (b->ops->make_room && space_locked(b) < n)
        b->ops->make_room(b, n);
    size_t done = write_core(b, src, n);
    b->prod.bytes_in += done;
    if (done < n)
        b->prod.overflows++;
    producer_unlock(b);
    return done;
}

size_t sbuf_write_all(struct sbuf *b, const void *src, size_t n)
{
    if (!b || (!src && n))
        return 0;
    producer_lock(b);
    size_t done = 0;
    struct sbuf_span v[2];
    /*
     * A strategy with write_reserve_min decides from what it already knows
     * (ring_spsc: its cached copy of the consumer's index), so the common
     * write that fits reads no line of the consumer's, where space() would
     * read one every call.  Without the op the generic reserve_min has no
     * such shortcut, so the space check stays the first step there.
     */
    if (n && b->ops->write_reserve_min && reserve_min_locked(b, n, v)) {
        if (b->ops->write) {
            /*
             * A strategy's own copying path stays the one every copying
             * write takes (a wrapper may have replaced it, as the runner's
             * sabotage tests do): the reservation only decided, and is
             * closed unused.  n fits: free space only grows for the producer.
             */
            b->ops->write_commit(b, 0);
            done = b->ops->write(b, src, n);
        } else {
            sbuf_spans_copy_in(v, src, n);
            b->ops->write_commit(b, n);
            done = n;
        }
    } else if (n) {
        /*
         * Refused, or no op: the write may still fit in two rounds (bip's
         * two free spans, chunks past two blocks) or after growing.  Space
         * seen by the producer only grows until it writes: the check holds.
         */
        size_t space = space_locked(b);
        if (space < n && b->ops->make_room)
            space = b->ops->make_room(b, n);
        if (space >= n)
            done = write_core(b, src, n);
    }
    b->prod.bytes_in += done;
    if (done < n)
        b->prod.overflows++;
    producer_unlock(b);
    return done;
}

size_t sbuf_read(struct sbuf *b, void *dst, size_t n)
{
    if (!b || (!dst && n))
        return 0;
    const struct sbuf_ops *ops = b->ops;
    size_t done;
    if (ops->read) {
        done = ops->read(b, dst, n);
    } else {
        done = 0;
        while (done < n) {
            struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
            size_t avail = ops->read_view(b, v);
            size_t k = avail < n - done ? avail : n - done;
            if (k)
                sbuf_spans_copy_out(v, (uint8_t *)dst + done, k);
            ops->read_release(b, k);
            done += k;
            if (k == 0)
                break;
        }
    }
    if (done == 0 && n)
        b->cons.underruns++;
    b->cons.bytes_out += done;
    return done;
}

/*
 * Walks readable data from offset on, two spans at a time.  Strategies
 * without view_at show everything in one read_view, so offset is applied to it.
 */
static size_t view_from(struct sbuf *b, size_t offset, struct sbuf_span v[2])
{
    v[0].p = v[1].p = NULL;
    v[0].n = v[1].n = 0;
    if (b->ops->view_at)
        return b->ops->view_at(b, offset, v);
    size_t n = b->ops->read_view(b, v);
    b->ops->read_release(b, 0);
    if (offset >= n)
        return 0;
    if (offset >= v[0].n) {
        offset -= v[0].n;
        v[0].p = v[1].p + offset;
        v[0].n = v[1].n - offset;
        v[1].p = NULL;
        v[1].n = 0;
    } else {
        v[0].p += offset;
        v[0].n -= offset;
    }
    return v[0].n + v[1].n;
}

size_t sbuf_peek(struct sbuf *b, void *dst, size_t n)
{
    if (!b || (!dst && n))
        return 0;
    size_t done = 0;
    while (done < n) {
        struct sbuf_span v[2];
        size_t avail = view_from(b, done, v);
        size_t k = avail < n - done ? avail : n - done;
        if (k == 0)
            break;
        sbuf_spans_copy_out(v, (uint8_t *)dst + done, k);
        done += k;
    }
    return done;
}

/*
 * Finds the delimiter in readable data.  Matching runs over a logical byte
 * stream assembled from successive views, so a delimiter split across the
 * wrap point (or across two chunks) is found.  Naive matching is fine:
 * delimiters are a few bytes, and a partial match restarts one byte later.
 */
size_t sbuf_find(struct sbuf *b, const void *delim, size_t dlen)
{
    if (!b || !delim || dlen == 0)
        return 0;
    const uint8_t *d = delim;
    size_t pos = 0; /* offset of the first byte of the current view */
    size_t start = 0; /* candidate match start */
    size_t matched = 0;
    for (;;) {
        struct sbuf_span v[2];
        size_t avail = view_from(b, pos, v);
        if (avail == 0)
            return 0;
        for (int s = 0; s < 2; s++) {
            const uint8_t *p = v[s].p;
            size_t n = v[s].n;
            size_t i = 0;
            while (i < n) {
                if (matched == 0) {
                    /* memchr is the fast scan for the delimiter's first byte */
                    const uint8_t *hit = memchr(p + i, d[0], n - i);
                    if (!hit)
                        break;
                    i = (size_t)(hit - p);
                    start = pos + i;
                    matched = 1;
                    i++;
                } else if (p[i] == d[matched]) {
                    matched++;
                    i++;
                } else {
                    /* restart one byte after the candidate: rescan from there */
                    size_t restart = start + 1;
                    matched = 0;
                    if (restart < pos) {
                        /* the restart point lies in an earlier view: go back */
                        pos = restart;
                        goto next_view;
                    }
                    i = restart - pos;
                }
                if (matched == dlen)
                    return start + dlen;
            }
            pos += n;
        }
        continue;
    next_view:;
    }
}

int sbuf_readline(struct sbuf *b, void *dst, size_t cap, const void *delim, size_t dlen,
                  size_t *len)
{
    if (len)
        *len = 0;
    if (!b || !delim || dlen == 0 || !len || (!dst && cap))
        return SBUF_EINVAL;
    size_t line = sbuf_find(b, delim, dlen);
    if (line == 0)
        return SBUF_EAGAIN;
    *len = line;
    if (line > cap)
        return SBUF_ERANGE;
    size_t got = sbuf_read(b, dst, line);
    return got == line ? SBUF_OK : SBUF_EIO;
}

void sbuf_clear(struct sbuf *b)
{
    if (!b)
        return;
    const struct sbuf_ops *ops = b->ops;
    if (ops->clear) {
        b->cons.discarded += ops->used(b);
        ops->clear(b);
        return;
    }
    for (;;) {
        struct sbuf_span v[2] = {{NULL, 0}, {NULL, 0}};
        size_t n = ops->read_view(b, v);
        ops->read_release(b, n);
        if (n == 0)
            break;
        b->cons.discarded += n;
    }
}

size_t sbuf_used(struct sbuf *b)
{
    return b ? b->ops->used(b) : 0;
}

size_t sbuf_capacity(struct sbuf *b)
{
    return b ? b->ops->capacity(b) : 0;
}

size_t sbuf_space(struct sbuf *b)
{
    return b ? space_locked(b) : 0;
}

int sbuf_empty(struct sbuf *b)
{
    return sbuf_used(b) == 0;
}

int sbuf_full(struct sbuf *b)
{
    return b ? sbuf_space(b) == 0 : 0;
}

int sbuf_stats(struct sbuf *b, struct sbuf_stats *out)
{
    if (!b || !out)
        return SBUF_EINVAL;
    memset(out, 0, sizeof(*out));
    out->capacity = b->ops->capacity(b);
    out->used = b->ops->used(b);
    out->peak_used = (size_t)b->prod.peak_used;
    out->bytes_in = b->prod.bytes_in;
    out->bytes_out = b->cons.bytes_out;
    out->bytes_discarded = b->cons.discarded;
    out->overflows = b->prod.overflows;
    out->underruns = b->cons.underruns;
    out->resizes = b->prod.resizes;
    out->bytes_copied = b->prod.bytes_copied;
    out->allocations = b->prod.allocations;
    return SBUF_OK;
}
