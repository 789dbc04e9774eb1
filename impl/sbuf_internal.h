/*
 * sbuf_internal.h - what libsbuf's own strategies and pools share beyond
 * the public strategy interface (sbuf/strategy.h: the header, the level
 * note, the allocation hook, span helpers); not installed.  Public names
 * are sbuf_*, internal ones sbuf__* (libuv's convention).
 *
 * tests/runner and tests/integration still include this header for struct
 * sbuf; it includes strategy.h, so they keep compiling until they switch.
 */
#ifndef SBUF_INTERNAL_H
#define SBUF_INTERNAL_H

#include <stdalign.h>
#include <string.h>

#include "sbuf/pool.h"
#include "sbuf/sbuf.h"
#include "sbuf/strategy.h"

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
 * initialises its header (sbuf_header_init zeroes it) and calls
 * sbuf__parts_created, which records which of the two it was.
 * sbuf__parts_destroy frees what sbuf__parts_create allocated, if anything.
 */
static inline size_t sbuf__parts_storage_size(size_t hdr_size, size_t data_size)
{
    return hdr_size + SBUF_CACHE_LINE + data_size;
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
        sbuf_spans_copy_in(v, src, k);
    return k;
}

static inline size_t sbuf__drain_spans(const struct sbuf_span v[2], size_t avail, void *dst,
                                       size_t n)
{
    size_t k = n < avail ? n : avail;
    if (k)
        sbuf_spans_copy_out(v, dst, k);
    return k;
}

/* The header every pool embeds as its first member. */
struct sbuf_pool {
    const struct sbuf_pool_ops *ops;
    unsigned static_storage;
};

#endif
