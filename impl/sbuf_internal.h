/*
 * sbuf_internal.h - what strategy implementations share; not installed.
 * Public names are sbuf_*, internal ones sbuf__* (libuv's convention).
 */
#ifndef SBUF_INTERNAL_H
#define SBUF_INTERNAL_H

#include <stdalign.h>
#include <string.h>

#include "sbuf/pool.h"
#include "sbuf/sbuf.h"

#define SBUF__CACHE_LINE 64

/*
 * The header every strategy embeds as its first member.  Producer-side and
 * consumer-side counters sit on separate cache lines so that counting does
 * not make the two threads fight over one line (false sharing).
 */
struct sbuf {
    const struct sbuf_ops *ops;
    unsigned static_storage; /* created in caller memory: destroy frees nothing */
    struct {
        alignas(SBUF__CACHE_LINE) uint64_t bytes_in;
        uint64_t overflows;
        uint64_t peak_used;
        uint64_t resizes;
        uint64_t bytes_copied;
        uint64_t allocations;
        size_t reserved; /* what the open reservation returned: commit clamps to it */
    } prod;
    struct {
        alignas(SBUF__CACHE_LINE) uint64_t bytes_out;
        uint64_t underruns;
        uint64_t discarded;
        size_t viewed; /* what the open view returned: release clamps to it */
    } cons;
};

/* Zeroes the header and binds the ops table. */
static inline void sbuf__init(struct sbuf *b, const struct sbuf_ops *ops)
{
    memset(b, 0, sizeof(*b));
    b->ops = ops;
}

/*
 * Strategies call this from write_commit (and their fast write path) with
 * the fill level after the commit.  It must be exact or an upper bound that
 * the strategy refines before it raises the peak: see ring_spsc.c.
 */
static inline void sbuf__note_level(struct sbuf *b, size_t used)
{
    if (used > b->prod.peak_used)
        b->prod.peak_used = used;
}

/*
 * The one allocation hook of libsbuf.  owner, when not NULL, has its
 * allocation counter bumped; creators count their own header afterwards.
 * align must be a power of two; size is rounded up to it.
 */
void *sbuf__alloc(struct sbuf *owner, size_t size, size_t align);
void sbuf__free(void *p, size_t size);

/* p rounded up to a multiple of align (a power of two). */
static inline void *sbuf__align_up(void *p, size_t align)
{
    return (void *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
}

/*
 * A strategy made of a header and a data array (ring_spsc, bip, ring_locked,
 * adaptive).  cfg->storage reaches only SBUF_CAP_STATIC strategies: the
 * generic create refuses it for the others, so theirs always allocate.
 * sbuf__parts_storage_size: what cfg->storage must hold (slack to move the
 * header onto a cache line, then the data right after it).
 * sbuf__parts_create: carves both out of cfg->storage, or makes two hook
 * allocations; SBUF_OK or SBUF_ENOMEM with nothing held.  The strategy then
 * initialises its header (sbuf__init zeroes it) and calls
 * sbuf__parts_created, which records which of the two it was.
 * sbuf__parts_destroy frees what sbuf__parts_create allocated, if anything.
 */
static inline size_t sbuf__parts_storage_size(size_t hdr_size, size_t data_size)
{
    return hdr_size + SBUF__CACHE_LINE + data_size;
}
int sbuf__parts_create(const struct sbuf_config *cfg, size_t hdr_size, size_t data_size,
                       void **hdr, uint8_t **data);
void sbuf__parts_created(struct sbuf *b, const struct sbuf_config *cfg);
void sbuf__parts_destroy(struct sbuf *b, size_t hdr_size, void *data, size_t data_size);

/* Validates cfg and out for a create: SBUF_OK, SBUF_EINVAL or SBUF_ERANGE. */
int sbuf__check_create(const struct sbuf_config *cfg, struct sbuf **out);

/* Smallest power of two >= x (x >= 1, x <= SBUF_MAX_CAPACITY). */
static inline size_t sbuf__pow2_ceil(size_t x)
{
    size_t p = 1;
    while (p < x)
        p <<= 1;
    return p;
}

/* Copies n bytes from src into the spans, in order.  n <= their total. */
static inline void sbuf__copy_to_spans(const struct sbuf_span v[2], const uint8_t *src,
                                       size_t n)
{
    size_t a = n < v[0].n ? n : v[0].n;
    memcpy(v[0].p, src, a);
    if (n > a)
        memcpy(v[1].p, src + a, n - a);
}

/*
 * Splits n bytes starting at offset off (< size) of a circular array of size
 * bytes into at most two spans: up to the end of the array, then from its
 * start.  n <= size.  Returns n.
 */
static inline size_t sbuf__ring_spans(uint8_t *data, size_t size, size_t off, size_t n,
                                      struct sbuf_span v[2])
{
    size_t first = size - off;
    if (first > n)
        first = n;
    v[0].p = data + off;
    v[0].n = first;
    v[1].p = data;
    v[1].n = n - first;
    return n;
}

/* Copies n bytes out of the spans, in order.  n <= their total. */
static inline void sbuf__copy_from_spans(const struct sbuf_span v[2], uint8_t *dst,
                                         size_t n)
{
    size_t a = n < v[0].n ? n : v[0].n;
    memcpy(dst, v[0].p, a);
    if (n > a)
        memcpy(dst + a, v[1].p, n - a);
}

/*
 * A strategy's copying fast path, between its own reserve and commit (or
 * view and release): copies min(n, room) bytes of src into the spans, or
 * min(n, avail) bytes out of them into dst, and returns that count.
 */
static inline size_t sbuf__fill_spans(const struct sbuf_span v[2], size_t room,
                                      const void *src, size_t n)
{
    size_t k = n < room ? n : room;
    if (k)
        sbuf__copy_to_spans(v, (const uint8_t *)src, k);
    return k;
}

static inline size_t sbuf__drain_spans(const struct sbuf_span v[2], size_t avail, void *dst,
                                       size_t n)
{
    size_t k = n < avail ? n : avail;
    if (k)
        sbuf__copy_from_spans(v, (uint8_t *)dst, k);
    return k;
}

#endif

/* The header every pool embeds as its first member. */
struct sbuf_pool {
    const struct sbuf_pool_ops *ops;
    unsigned static_storage;
};
