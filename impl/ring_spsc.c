/*
 * ring_spsc.c - lock-free single-producer/single-consumer byte ring.
 *
 * Free-running unsigned indices (head counts bytes ever committed, tail bytes
 * ever released); used = head - tail, correct across wrap-around of the
 * integers because the capacity is a power of two no larger than half their
 * range.  Positions are index & mask: no modulo on the hot path.
 *
 * Each side owns one cache line: its own index plus a cached copy of the
 * other side's index.  A side reloads the other's index (one cross-core cache
 * miss) only when its cached copy says the ring looks full (producer) or
 * empty (consumer).  Only acquire/release ordering is used.
 *
 * Builds freestanding for the nRF52840 (no heap: create in caller storage).
 */
#include <stdatomic.h>

#include "sbuf_internal.h"

struct ring_spsc {
    struct sbuf base;
    /* Read-only after create: shared by both sides without contention. */
    uint8_t *data;
    size_t mask;
    size_t size;
    /* Producer's line. */
    struct {
        alignas(SBUF__CACHE_LINE) _Atomic size_t head;
        size_t cached_tail;
    } p;
    /* Consumer's line. */
    struct {
        alignas(SBUF__CACHE_LINE) _Atomic size_t tail;
        size_t cached_head;
    } c;
};

#define RING(b) ((struct ring_spsc *)(b))

extern const struct sbuf_ops sbuf_ring_spsc_ops;

static size_t ring_capacity_for(const struct sbuf_config *cfg)
{
    return sbuf__pow2_ceil(cfg->capacity);
}

static size_t spsc_storage_size(const struct sbuf_config *cfg)
{
    /* header, then data, with slack to align the header to a cache line */
    return sizeof(struct ring_spsc) + SBUF__CACHE_LINE + ring_capacity_for(cfg);
}

static void ring_init(struct ring_spsc *r, uint8_t *data, size_t size)
{
    sbuf__init(&r->base, &sbuf_ring_spsc_ops);
    r->data = data;
    r->size = size;
    r->mask = size - 1;
    atomic_init(&r->p.head, 0);
    atomic_init(&r->c.tail, 0);
    r->p.cached_tail = 0;
    r->c.cached_head = 0;
}

static int spsc_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    size_t size = ring_capacity_for(cfg);
    if (cfg->storage) {
        uintptr_t at = ((uintptr_t)cfg->storage + SBUF__CACHE_LINE - 1) &
                       ~(uintptr_t)(SBUF__CACHE_LINE - 1);
        struct ring_spsc *r = (struct ring_spsc *)at;
        ring_init(r, (uint8_t *)(r + 1), size);
        r->base.static_storage = 1;
        *out = &r->base;
        return SBUF_OK;
    }
    struct ring_spsc *r = sbuf__alloc(NULL, sizeof(*r), SBUF__CACHE_LINE);
    if (!r)
        return SBUF_ENOMEM;
    uint8_t *data = sbuf__alloc(NULL, size, SBUF__CACHE_LINE);
    if (!data) {
        sbuf__free(r, sizeof(*r));
        return SBUF_ENOMEM;
    }
    ring_init(r, data, size);
    r->base.prod.allocations = 2;
    *out = &r->base;
    return SBUF_OK;
}

static void spsc_destroy(struct sbuf *b)
{
    struct ring_spsc *r = RING(b);
    if (r->base.static_storage)
        return;
    sbuf__free(r->data, r->size);
    sbuf__free(r, sizeof(*r));
}

/* Splits [pos, pos+n) of the ring into at most two spans. */
static inline size_t ring_spans(struct ring_spsc *r, size_t pos, size_t n,
                                struct sbuf_span v[2])
{
    return sbuf__ring_spans(r->data, r->size, pos & r->mask, n, v);
}

/* Reserves free space, reloading the consumer's index only if the cached
 * copy shows less than want bytes free. */
static inline size_t reserve_at_least(struct ring_spsc *r, size_t want, struct sbuf_span v[2])
{
    /* Own index: only this thread writes it, relaxed is enough. */
    size_t head = atomic_load_explicit(&r->p.head, memory_order_relaxed);
    size_t free_space = r->size - (head - r->p.cached_tail);
    if (free_space < want) {
        /* Acquire pairs with the consumer's release of tail: the bytes it
         * released are no longer being read when we overwrite them. */
        r->p.cached_tail = atomic_load_explicit(&r->c.tail, memory_order_acquire);
        free_space = r->size - (head - r->p.cached_tail);
    }
    return ring_spans(r, head, free_space, v);
}

static size_t spsc_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    return reserve_at_least(RING(b), 1, v);
}

static void spsc_write_commit(struct sbuf *b, size_t n)
{
    struct ring_spsc *r = RING(b);
    size_t head = atomic_load_explicit(&r->p.head, memory_order_relaxed) + n;
    /* Release: the bytes written into the spans are visible before the
     * consumer can see the new head. */
    atomic_store_explicit(&r->p.head, head, memory_order_release);
    /* head - cached_tail over-estimates the level (cached_tail is stale).
     * Refresh it only when that estimate would raise the peak, so the peak
     * is exact yet the common commit touches no consumer cache line. */
    if (head - r->p.cached_tail > r->base.prod.peak_used) {
        r->p.cached_tail = atomic_load_explicit(&r->c.tail, memory_order_acquire);
        sbuf__note_level(b, head - r->p.cached_tail);
    }
}

/* Views readable data, reloading the producer's index only if the cached
 * copy shows less than want bytes. */
static inline size_t view_at_least(struct ring_spsc *r, size_t want, struct sbuf_span v[2])
{
    size_t tail = atomic_load_explicit(&r->c.tail, memory_order_relaxed);
    size_t avail = r->c.cached_head - tail;
    if (avail < want) {
        /* Acquire pairs with the producer's release of head: the bytes it
         * committed are visible before we read them. */
        r->c.cached_head = atomic_load_explicit(&r->p.head, memory_order_acquire);
        avail = r->c.cached_head - tail;
    }
    return ring_spans(r, tail, avail, v);
}

static size_t spsc_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    return view_at_least(RING(b), 1, v);
}

/*
 * peek, find and readline walk the data from an offset.  Reload the
 * producer's index when the cached copy shows nothing past offset: a plain
 * read_view keeps showing the stale cached bytes, so a line completed after
 * the last reload would never be found and a reader polling readline would
 * spin forever.
 */
static size_t spsc_view_at(struct sbuf *b, size_t offset, struct sbuf_span v[2])
{
    struct ring_spsc *r = RING(b);
    size_t avail = view_at_least(r, offset + 1, v);
    if (avail <= offset) {
        v[0].n = v[1].n = 0;
        return 0;
    }
    /* Own index: only this thread writes it, relaxed is enough. */
    size_t tail = atomic_load_explicit(&r->c.tail, memory_order_relaxed);
    return ring_spans(r, tail + offset, avail - offset, v);
}

static void spsc_read_release(struct sbuf *b, size_t n)
{
    struct ring_spsc *r = RING(b);
    size_t tail = atomic_load_explicit(&r->c.tail, memory_order_relaxed);
    /* Release: our reads of the bytes finish before the producer may reuse them. */
    atomic_store_explicit(&r->c.tail, tail + n, memory_order_release);
}

static size_t spsc_used(struct sbuf *b)
{
    struct ring_spsc *r = RING(b);
    size_t tail = atomic_load_explicit(&r->c.tail, memory_order_acquire);
    size_t head = atomic_load_explicit(&r->p.head, memory_order_acquire);
    return head - tail;
}

static size_t spsc_capacity(struct sbuf *b)
{
    return RING(b)->size;
}

/* Fast paths: one index check, at most two memcpys, no loop. */
static size_t spsc_write(struct sbuf *b, const void *src, size_t n)
{
    struct sbuf_span v[2];
    size_t room = reserve_at_least(RING(b), n, v);
    size_t k = n < room ? n : room;
    if (k)
        sbuf__copy_to_spans(v, src, k);
    spsc_write_commit(b, k);
    return k;
}

static size_t spsc_read(struct sbuf *b, void *dst, size_t n)
{
    struct sbuf_span v[2];
    size_t avail = view_at_least(RING(b), n, v);
    size_t k = n < avail ? n : avail;
    if (k)
        sbuf__copy_from_spans(v, dst, k);
    spsc_read_release(b, k);
    return k;
}

const struct sbuf_ops sbuf_ring_spsc_ops = {
    .name = "ring_spsc",
    .summary = "lock-free SPSC ring: power-of-two mask, cached opposite index per cache line",
    .caps = SBUF_CAP_STATIC,
    .create = spsc_create,
    .destroy = spsc_destroy,
    .storage_size = spsc_storage_size,
    .write_reserve = spsc_write_reserve,
    .write_commit = spsc_write_commit,
    .read_view = spsc_read_view,
    .read_release = spsc_read_release,
    .used = spsc_used,
    .capacity = spsc_capacity,
    .view_at = spsc_view_at,
    .write = spsc_write,
    .read = spsc_read,
};
