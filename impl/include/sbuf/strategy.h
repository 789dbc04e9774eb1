/*
 * strategy.h - what it takes to implement a strategy (struct sbuf_ops),
 * inside libsbuf or outside it: a test double, a benchmark's wrapper, a
 * plugin loaded with dlopen.  A strategy built against this header and
 * sbuf.h alone can be registered at run time with sbuf_registry_add()
 * (registry.h), after which every test suite and benchmark that walks the
 * registry runs it.
 *
 * A strategy is a struct whose first member is struct sbuf (below), the
 * ops table's calls, and a const struct sbuf_ops with .abi set to
 * SBUF_ABI_VERSION.  Its create allocates through sbuf_mem_alloc, calls
 * sbuf_header_init, and hands back &self->base; its write_commit (and fast
 * write, if any) calls sbuf_note_level.  The generic layer (sbuf.c) counts
 * bytes in and out, overflows, underruns and discards itself, clamps
 * commits and releases to what was reserved or viewed, and takes the
 * producer lock, so a strategy does none of that.
 *
 * A wrapper (a strategy that decorates another, as the tests' sabotaged
 * rings do) copies the inner table, replaces some calls, and in its create
 * calls the inner create and points the new buffer's ops at its own table:
 * every sbuf_* call dispatches through that field.
 *
 * Everything here is part of the ABI that SBUF_ABI_VERSION names: a change
 * to struct sbuf, to struct sbuf_ops or to what these inline helpers assume
 * bumps it.  What libsbuf's own strategies share beyond this stays in
 * impl/sbuf_internal.h.
 */
#ifndef SBUF_STRATEGY_H
#define SBUF_STRATEGY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sbuf/sbuf.h"

#ifndef __cplusplus
#include <stdalign.h> /* alignas: a keyword in C++ */
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Producer-side and consumer-side state go on lines of this size, apart. */
#define SBUF_CACHE_LINE 64

/*
 * The header every strategy embeds as its first member.  Producer-side and
 * consumer-side counters sit on separate cache lines so that counting does
 * not make the two threads fight over one line (false sharing).
 *
 * Who writes what: sbuf_header_init zeroes it all.  The strategy owns
 * static_storage (for its own destroy), and on the producer's thread may
 * raise peak_used (through sbuf_note_level), resizes, bytes_copied and
 * allocations (sbuf_mem_alloc with the buffer as owner counts those).
 * Everything else belongs to the generic layer: reading it is fine,
 * writing it breaks the stats and the reserve/commit clamps.
 */
struct sbuf {
    const struct sbuf_ops *ops; /* every sbuf_* call dispatches through this */
    unsigned static_storage;    /* created in caller memory: destroy frees nothing */
    struct {
        alignas(SBUF_CACHE_LINE) uint64_t bytes_in;
        uint64_t overflows;
        uint64_t peak_used;
        uint64_t resizes;
        uint64_t bytes_copied;
        uint64_t allocations;
        size_t reserved; /* what the open reservation returned: commit clamps to it */
    } prod;
    struct {
        alignas(SBUF_CACHE_LINE) uint64_t bytes_out;
        uint64_t underruns;
        uint64_t discarded;
        size_t viewed; /* what the open view returned: release clamps to it */
    } cons;
};

/* Zeroes the header and binds the ops table: the first thing a create does. */
static inline void sbuf_header_init(struct sbuf *b, const struct sbuf_ops *ops)
{
    memset(b, 0, sizeof(*b));
    b->ops = ops;
}

/*
 * Strategies call this from write_commit (and their fast write path) with
 * the fill level after the commit, on the producer's thread.  The level
 * must be exact, or an upper bound that the strategy refines before it
 * raises the peak (ring_spsc.c reloads the consumer's index only then), or
 * peak_used stops being exact.
 */
static inline void sbuf_note_level(struct sbuf *b, size_t used)
{
    if (used > b->prod.peak_used)
        b->prod.peak_used = used;
}

/*
 * The allocation hook (sbuf_set_allocator): every allocation a strategy
 * makes goes through it, so benchmarks count allocations per operation and
 * a firmware can run with no heap.  owner, when not NULL, has its
 * allocation counter bumped (a create counts its own header afterwards,
 * since sbuf_header_init zeroes it).  align must be a power of two; size is
 * rounded up to it.  NULL when the hook has no memory (or, freestanding,
 * no hook is installed).  sbuf_mem_free takes the size that was asked for.
 */
void *sbuf_mem_alloc(struct sbuf *owner, size_t size, size_t align);
void sbuf_mem_free(void *p, size_t size);

/*
 * Spans over a circular array: n bytes starting at offset off (< size) of
 * data, split at the end of the array into at most two spans; n <= size.
 * Returns n, the total, as write_reserve and read_view do.
 */
static inline size_t sbuf_ring_spans(uint8_t *data, size_t size, size_t off, size_t n,
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

/* Copies n bytes from src into the spans, in order; n <= their total. */
static inline void sbuf_spans_copy_in(const struct sbuf_span v[2], const void *src, size_t n)
{
    size_t a = n < v[0].n ? n : v[0].n;
    /* Guarded: an empty span may carry a NULL pointer, which memcpy may not get. */
    if (a)
        memcpy(v[0].p, src, a);
    if (n > a)
        memcpy(v[1].p, (const uint8_t *)src + a, n - a);
}

/* Copies n bytes out of the spans into dst, in order; n <= their total. */
static inline void sbuf_spans_copy_out(const struct sbuf_span v[2], void *dst, size_t n)
{
    size_t a = n < v[0].n ? n : v[0].n;
    if (a)
        memcpy(dst, v[0].p, a);
    if (n > a)
        memcpy((uint8_t *)dst + a, v[1].p, n - a);
}

#ifdef __cplusplus
}
#endif
#endif
