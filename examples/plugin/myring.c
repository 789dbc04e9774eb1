/*
 * myring.c - a strategy written outside serbench's tree: a lock-free
 * single-producer single-consumer ring with the doubled-index trick.
 *
 * Each index runs over 0 .. 2 x capacity - 1, so a full ring (head - tail
 * = capacity) and an empty one (head = tail) are told apart without a
 * spare byte or a counter, for any capacity: nothing is rounded.  The
 * producer owns head, the consumer owns tail; each publishes its index
 * with a release store and reads the other's with an acquire load.
 *
 * All it needs is libsbuf's public headers: sbuf/strategy.h for the ops
 * table and the buffer header, sbuf/plugin.h for the entry point.  Build
 * it with CMakeLists.txt beside it (find_package(sbuf)), check it with
 * `serbench check ./libmyring.so`, and run it beside the built-in
 * strategies with `strategies = ring_spsc, plugin:./libmyring.so`.
 */
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sbuf/plugin.h"
#include "sbuf/strategy.h"

struct myring {
    struct sbuf base; /* first: libsbuf's header (stats, the ops pointer) */
    uint8_t *data;
    size_t cap;
    alignas(SBUF_CACHE_LINE) _Atomic size_t head; /* written by the producer only */
    alignas(SBUF_CACHE_LINE) _Atomic size_t tail; /* written by the consumer only */
};

static const struct sbuf_ops myring_ops;

#define RING(b) ((struct myring *)(b))

/* An index moved on by n, within 0 .. 2 x cap - 1. */
static size_t advance(const struct myring *r, size_t i, size_t n)
{
    i += n;
    return i >= 2 * r->cap ? i - 2 * r->cap : i;
}

static size_t distance(const struct myring *r, size_t head, size_t tail)
{
    return head >= tail ? head - tail : head + 2 * r->cap - tail;
}

static size_t offset(const struct myring *r, size_t i)
{
    return i < r->cap ? i : i - r->cap;
}

static int myring_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    /* libsbuf has checked the capacity (1 .. SBUF_MAX_CAPACITY).  Every
     * allocation goes through its hook, so serbench can count them. */
    struct myring *r = sbuf_mem_alloc(NULL, sizeof(*r), alignof(struct myring));
    if (!r)
        return SBUF_ENOMEM;
    uint8_t *data = sbuf_mem_alloc(NULL, cfg->capacity, 1);
    if (!data) {
        sbuf_mem_free(r, sizeof(*r));
        return SBUF_ENOMEM;
    }
    sbuf_header_init(&r->base, &myring_ops);
    r->base.prod.allocations = 2; /* counted after init, which zeroes the stats */
    r->data = data;
    r->cap = cfg->capacity;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    *out = &r->base;
    return SBUF_OK;
}

static void myring_destroy(struct sbuf *b)
{
    struct myring *r = RING(b);
    sbuf_mem_free(r->data, r->cap);
    sbuf_mem_free(r, sizeof(*r));
}

static size_t myring_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    struct myring *r = RING(b);
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    return sbuf_ring_spans(r->data, r->cap, offset(r, head), r->cap - distance(r, head, tail), v);
}

static void myring_write_commit(struct sbuf *b, size_t n)
{
    struct myring *r = RING(b);
    if (n == 0)
        return;
    size_t head = advance(r, atomic_load_explicit(&r->head, memory_order_relaxed), n);
    atomic_store_explicit(&r->head, head, memory_order_release);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    sbuf_note_level(b, distance(r, head, tail)); /* for peak_used */
}

static size_t myring_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    struct myring *r = RING(b);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return sbuf_ring_spans(r->data, r->cap, offset(r, tail), distance(r, head, tail), v);
}

static void myring_read_release(struct sbuf *b, size_t n)
{
    struct myring *r = RING(b);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, advance(r, tail, n), memory_order_release);
}

static size_t myring_used(struct sbuf *b)
{
    struct myring *r = RING(b);
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return distance(r, head, tail);
}

static size_t myring_capacity(struct sbuf *b)
{
    return RING(b)->cap;
}

static const struct sbuf_ops myring_ops = {
    .abi = SBUF_ABI_VERSION, /* checked when serbench loads it */
    .name = "myring",
    .summary = "example plugin: SPSC ring, doubled indices, exact capacity",
    .caps = 0, /* two spans at the wrap, fixed size, heap, one producer */
    .create = myring_create,
    .destroy = myring_destroy,
    .write_reserve = myring_write_reserve,
    .write_commit = myring_write_commit,
    .read_view = myring_read_view,
    .read_release = myring_read_release,
    .used = myring_used,
    .capacity = myring_capacity,
};

/* The entry point serbench looks for: the plugin's name and its strategies. */
SBUF_PLUGIN("myring", &myring_ops)
