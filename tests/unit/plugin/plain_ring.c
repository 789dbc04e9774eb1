/*
 * plain_ring.c - see plain_ring.h.  Deliberately simple: free-running
 * 64-bit indices, position = index % capacity (any capacity, no rounding;
 * the indices would wrap after 2^64 bytes, which no test reaches), and each
 * side loads the other's index fresh every call, so the generic
 * write_reserve_min and write_all (no cached index to shortcut) are the
 * ones exercised.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "plain_ring.h"
#include "sbuf/registry.h"
#include "sbuf/strategy.h"

struct plain_ring {
    struct sbuf base;
    uint8_t *data;
    size_t size;
    /* Each index on its own line: the producer's head, the consumer's tail. */
    alignas(SBUF_CACHE_LINE) _Atomic uint64_t head;
    alignas(SBUF_CACHE_LINE) _Atomic uint64_t tail;
};

#define PLAIN(b) ((struct plain_ring *)(b))

static int plain_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    struct plain_ring *r = sbuf_mem_alloc(NULL, sizeof(*r), SBUF_CACHE_LINE);
    if (!r)
        return SBUF_ENOMEM;
    uint8_t *data = sbuf_mem_alloc(NULL, cfg->capacity, 1);
    if (!data) {
        sbuf_mem_free(r, sizeof(*r));
        return SBUF_ENOMEM;
    }
    sbuf_header_init(&r->base, &sbt_plain_ring_ops);
    r->base.prod.allocations = 2; /* after init, which zeroes the counters */
    r->data = data;
    r->size = cfg->capacity;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    *out = &r->base;
    return SBUF_OK;
}

static void plain_destroy(struct sbuf *b)
{
    struct plain_ring *r = PLAIN(b);
    sbuf_mem_free(r->data, r->size);
    sbuf_mem_free(r, sizeof(*r));
}

static size_t plain_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    struct plain_ring *r = PLAIN(b);
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    /* Acquire: the consumer's reads of the bytes it released are done. */
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t free_space = r->size - (size_t)(head - tail);
    return sbuf_ring_spans(r->data, r->size, (size_t)(head % r->size), free_space, v);
}

static void plain_write_commit(struct sbuf *b, size_t n)
{
    struct plain_ring *r = PLAIN(b);
    if (n == 0)
        return;
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed) + n;
    /* Release: the bytes are written before the consumer sees them counted. */
    atomic_store_explicit(&r->head, head, memory_order_release);
    /* The consumer can only lower the level meanwhile: exact, or a level
     * already passed, so the peak stays exact. */
    sbuf_note_level(b, (size_t)(head - atomic_load_explicit(&r->tail, memory_order_acquire)));
}

static size_t plain_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    struct plain_ring *r = PLAIN(b);
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* Acquire: pairs with the producer's release of head. */
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return sbuf_ring_spans(r->data, r->size, (size_t)(tail % r->size), (size_t)(head - tail),
                           v);
}

static void plain_read_release(struct sbuf *b, size_t n)
{
    struct plain_ring *r = PLAIN(b);
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* Release: our reads finish before the producer may reuse the bytes. */
    atomic_store_explicit(&r->tail, tail + n, memory_order_release);
}

static size_t plain_used(struct sbuf *b)
{
    struct plain_ring *r = PLAIN(b);
    /* Tail first: head only moves on, so the difference never goes negative. */
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return (size_t)(head - tail);
}

static size_t plain_capacity(struct sbuf *b)
{
    return PLAIN(b)->size;
}

const struct sbuf_ops sbt_plain_ring_ops = {
    .abi = SBUF_ABI_VERSION,
    .name = "plain_ring",
    .summary = "test strategy from public headers only: SPSC ring, exact capacity",
    .caps = 0,
    .create = plain_create,
    .destroy = plain_destroy,
    .write_reserve = plain_write_reserve,
    .write_commit = plain_write_commit,
    .read_view = plain_read_view,
    .read_release = plain_read_release,
    .used = plain_used,
    .capacity = plain_capacity,
};

void sbt_plain_ring_register(void)
{
    int rc = sbuf_registry_add(&sbt_plain_ring_ops);
    if (rc) {
        char msg[256];
        sbuf_ops_check(&sbt_plain_ring_ops, msg, sizeof(msg));
        fprintf(stderr, "plain_ring: sbuf_registry_add: %s %s\n", sbuf_strerror(rc), msg);
        exit(2);
    }
}
