/*
 * chunks.h - counters only the chunks strategy has: its block pool and what
 * happened when the pool ran out.  Everything else is in sbuf_stats.
 */
#ifndef SBUF_CHUNKS_H
#define SBUF_CHUNKS_H

#include <stdint.h>

#include "sbuf/pool.h"
#include "sbuf/sbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sbuf_chunks_stats {
    size_t block_size;
    /*
     * Writes (sbuf_write, sbuf_write_all) that found every block the buffer
     * holds in use: the pool's, and any fallback blocks kept from earlier
     * bursts.  SBUF_EXHAUST_FALLBACK then allocates blocks (up to
     * max_capacity); SBUF_EXHAUST_REFUSE gives the write less room.
     */
    uint64_t misses;
    /* Blocks taken from the allocator (each also counted in sbuf_stats.allocations). */
    uint64_t fallback_blocks;
    /* The private pool_fixed pool: capacity / block_size + 1 blocks. */
    struct sbuf_pool_stats pool;
};

/* SBUF_OK, or SBUF_EINVAL for NULL arguments or a buffer that is not chunks. */
int sbuf_chunks_stats(struct sbuf *b, struct sbuf_chunks_stats *out);

#ifdef __cplusplus
}
#endif
#endif
