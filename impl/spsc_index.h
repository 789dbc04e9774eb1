/*
 * spsc_index.h - the index discipline of the single-producer/single-consumer
 * rings (ring_spsc, ring_mirror, mmap_log); not installed.
 *
 * Free-running unsigned indices: head counts bytes ever committed, tail bytes
 * ever released; used = head - tail, correct across wrap-around of the
 * integers because the capacity is a power of two no larger than half their
 * range.  Each side owns its index and keeps a cached copy of the other
 * side's.  A side reloads the other's index (one cross-core cache miss) only
 * when its cached copy shows less than it wants: the producer when the ring
 * looks too full, the consumer when it looks too empty.  Only acquire/release
 * ordering is used.
 *
 * The functions work on the ring's indices wherever they live (a strategy's
 * own cache lines, or a file mapping) through struct sbuf__spsc, built by
 * value at each call; they are static inline so that, once inlined into a
 * strategy, the pointers fold into fixed offsets and the compiler
 * specialises each ring as if the code were written there.  Mapping an
 * index to bytes (mask, spans, mirror) is the strategy's business.
 *
 * The index type is size_t unless the includer defines SBUF__SPSC_INDEX
 * first (mmap_log keeps 64-bit indices in its file on every host).
 */
#ifndef SBUF_SPSC_INDEX_H
#define SBUF_SPSC_INDEX_H

#include <stdatomic.h>

#include "sbuf_internal.h"

#ifndef SBUF__SPSC_INDEX
#define SBUF__SPSC_INDEX size_t
#endif
typedef SBUF__SPSC_INDEX sbuf__spsc_index;

/* Where one ring's indices and cached copies are. */
struct sbuf__spsc {
    _Atomic sbuf__spsc_index *head;  /* producer's: bytes ever committed */
    _Atomic sbuf__spsc_index *tail;  /* consumer's: bytes ever released */
    sbuf__spsc_index *cached_tail;   /* producer's last look at *tail */
    sbuf__spsc_index *cached_head;   /* consumer's last look at *head */
};

/* The indices in memory of the strategy's own: each side on its own line. */
struct sbuf__spsc_lines {
    struct {
        alignas(SBUF_CACHE_LINE) _Atomic sbuf__spsc_index head;
        sbuf__spsc_index cached_tail;
    } p;
    struct {
        alignas(SBUF_CACHE_LINE) _Atomic sbuf__spsc_index tail;
        sbuf__spsc_index cached_head;
    } c;
};

static inline void sbuf__spsc_lines_init(struct sbuf__spsc_lines *l)
{
    atomic_init(&l->p.head, 0);
    atomic_init(&l->c.tail, 0);
    l->p.cached_tail = 0;
    l->c.cached_head = 0;
}

static inline struct sbuf__spsc sbuf__spsc_of(struct sbuf__spsc_lines *l)
{
    return (struct sbuf__spsc){&l->p.head, &l->c.tail, &l->p.cached_tail, &l->c.cached_head};
}

/*
 * Producer: free bytes in a ring of size bytes, starting at index *at.
 * Reloads the consumer's index only if the cached copy shows less than want
 * bytes free (want SIZE_MAX: always).
 */
static inline size_t sbuf__spsc_room(struct sbuf__spsc x, size_t size, size_t want,
                                     sbuf__spsc_index *at)
{
    /* Own index: only this thread writes it, relaxed is enough. */
    sbuf__spsc_index head = atomic_load_explicit(x.head, memory_order_relaxed);
    size_t free_space = size - (size_t)(head - *x.cached_tail);
    if (free_space < want) {
        /* Acquire pairs with the consumer's release of tail: the bytes it
         * released are no longer being read when we overwrite them. */
        *x.cached_tail = atomic_load_explicit(x.tail, memory_order_acquire);
        free_space = size - (size_t)(head - *x.cached_tail);
    }
    *at = head;
    return free_space;
}

/*
 * Producer: publishes n more bytes and notes the fill level in b's peak.
 * Nothing is stored for n == 0 (a write into a full ring, a producer
 * polling): a store of the same head would still take the line back from
 * the consumer, which then misses on its next look at head.
 */
static inline void sbuf__spsc_commit(struct sbuf__spsc x, struct sbuf *b, size_t n)
{
    if (n == 0)
        return;
    sbuf__spsc_index head = atomic_load_explicit(x.head, memory_order_relaxed) + n;
    /* Release: the bytes written into the spans are visible before the
     * consumer (or a later opener of a file-backed ring) can see the new head. */
    atomic_store_explicit(x.head, head, memory_order_release);
    /* head - cached_tail over-estimates the level (cached_tail only lags).
     * Refresh it only when that estimate would raise the peak, so the peak
     * is exact yet the common commit touches no consumer cache line. */
    if (head - *x.cached_tail > b->prod.peak_used) {
        /* Acquire, as in sbuf__spsc_room. */
        *x.cached_tail = atomic_load_explicit(x.tail, memory_order_acquire);
        sbuf_note_level(b, (size_t)(head - *x.cached_tail));
    }
}

/*
 * Consumer: readable bytes, starting at index *at.  Reloads the producer's
 * index only if the cached copy shows less than want bytes (want SIZE_MAX:
 * always).
 */
static inline size_t sbuf__spsc_ready(struct sbuf__spsc x, size_t want, sbuf__spsc_index *at)
{
    /* Own index: only this thread writes it, relaxed is enough. */
    sbuf__spsc_index tail = atomic_load_explicit(x.tail, memory_order_relaxed);
    size_t avail = (size_t)(*x.cached_head - tail);
    if (avail < want) {
        /* Acquire pairs with the producer's release of head: the bytes it
         * committed are visible before we read them. */
        *x.cached_head = atomic_load_explicit(x.head, memory_order_acquire);
        avail = (size_t)(*x.cached_head - tail);
    }
    *at = tail;
    return avail;
}

/* Consumer: hands n bytes back to the producer; nothing for n == 0 (a read
 * of an empty ring, a consumer polling), as in sbuf__spsc_commit. */
static inline void sbuf__spsc_release(struct sbuf__spsc x, size_t n)
{
    if (n == 0)
        return;
    sbuf__spsc_index tail = atomic_load_explicit(x.tail, memory_order_relaxed);
    /* Release: our reads of the bytes finish before the producer may reuse them. */
    atomic_store_explicit(x.tail, tail + n, memory_order_release);
}

/* Fill level, from any thread. */
static inline size_t sbuf__spsc_used(struct sbuf__spsc x)
{
    /* Acquire both, tail first: head only grows past it, so the difference
     * can never go negative (acquire keeps the second load after the first). */
    sbuf__spsc_index tail = atomic_load_explicit(x.tail, memory_order_acquire);
    sbuf__spsc_index head = atomic_load_explicit(x.head, memory_order_acquire);
    return (size_t)(head - tail);
}

#endif
