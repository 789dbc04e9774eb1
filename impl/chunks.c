/*
 * chunks.c - a queue of fixed-size blocks drawn from a pool (the reference
 * design's PooledSerialBuffer), with zero-copy views of the blocks.
 *
 * The byte stream is cut into blocks by position: stream bytes
 * [k * bs, (k + 1) * bs) live in block k, whose memory the producer takes
 * from the pool when it first writes there and the consumer gives back when
 * it has read past the block's end.  Block k's descriptor sits in slot
 * k & dmask of a fixed ring of descriptors.  Two free-running 64-bit stream
 * counters, head (bytes committed) and tail (bytes released), are the only
 * shared state that changes: as in ring_spsc, each side has its own cache
 * line and a cached copy of the other side's counter, and acquire/release
 * on head and tail orders everything else (see the comments at each access).
 * 64 bits wrap after 584 years at 1 GB/s.
 *
 * Views: read_view shows the readable bytes of up to two blocks; view_at
 * shows them from any offset, so peek, find and readline walk all the data.
 * write_reserve offers the free tail of the last block and, when there is
 * room for more, the next block.
 *
 * Capacity.  block_size defaults to 4 KiB and is capped at capacity;
 * capacity is rounded up to whole blocks (C).  The block being drained is
 * only partly free (its read bytes cannot be reused until all of it is
 * read), so the pool holds C / bs + 1 blocks: with that one spare block
 * every byte of capacity - used can always be written, whatever the read
 * position, and sbuf_space() and sbuf_write_all() keep their promises.
 * Proof: the bytes from the start of the block holding tail to the last
 * writable byte span tail % bs + capacity <= bs - 1 + capacity bytes, which
 * touch at most capacity / bs + 1 blocks.  The same bound sizes the
 * descriptor ring, so a slot is always free again before it is reused.
 *
 * Exhaustion.  When a write (sbuf_write, sbuf_write_all: the make_room op)
 * does not fit in the blocks the buffer holds, a miss is counted, and
 *  - SBUF_EXHAUST_FALLBACK (the reference design's behaviour) takes more
 *    blocks from the allocator (each counted in allocations) so the write
 *    fits, up to max_capacity (default 4 x C, rounded down to whole blocks
 *    and never below C).  Capacity grows by those blocks.  Unlike the
 *    reference design, which freed each fallback block after use, the
 *    buffer keeps them as spares for the next burst, and capacity never
 *    shrinks: that is what keeps space() a promise (a block freed while the
 *    consumer still held the block before it could leave used > capacity),
 *    and steady traffic then allocates nothing.  Memory is bounded by
 *    max_capacity + one block, plus the pool's per-block alignment.
 *  - SBUF_EXHAUST_REFUSE takes nothing: the write gets less room (an
 *    overflow).  max_capacity is ignored.
 * A reservation never allocates (it states no size); it offers what the
 * held blocks allow.  The pool is always asked first; fallback blocks serve
 * only what it cannot.
 *
 * Threading: one producer, one consumer.  The producer takes blocks from
 * the pool and the consumer puts them back (pool_fixed allows that
 * concurrently).  Fallback blocks never cross to the consumer for freeing:
 * the consumer leaves a read fallback block in its descriptor, and the
 * producer collects it from there (reclaim) once tail shows it read.  So
 * capacity, the spare list and the allocation counters have one writer.
 */
#include <stdatomic.h>

#include "sbuf/chunks.h"
#include "sbuf/registry.h"
#include "sbuf_internal.h"

#define DEFAULT_BLOCK 4096u
#define DEFAULT_GROWTH 4u
#define MAX_SLOTS ((size_t)1 << 20) /* 16 MiB of descriptors: block_size is absurd below that */

struct chunk_desc {
    uint8_t *data;
    unsigned fallback; /* from the allocator: the producer reclaims it, not the pool */
};

struct chunks {
    struct sbuf base;
    /* Read-only after create: shared by both sides without contention. */
    struct sbuf_pool *pool;
    void *pool_mem;
    size_t pool_mem_size;
    struct chunk_desc *desc;
    size_t nslots;
    size_t bs;       /* bytes per block */
    size_t fb_size;  /* bytes per fallback block: bs, and room for the spare-list link */
    size_t base_cap; /* what the pool covers: C */
    size_t max_cap;  /* C + fallback blocks never exceeds this */
    int refuse;
    /* Producer's line. */
    struct {
        alignas(SBUF_CACHE_LINE) _Atomic uint64_t head;
        _Atomic size_t cap;        /* only the producer stores it; others read a statistic */
        _Atomic uint64_t misses;   /* one writer: plain load + store */
        _Atomic uint64_t fallbacks;
        uint64_t cached_tail;
        uint64_t next_block; /* blocks below this have been acquired */
        uint64_t reclaimed;  /* blocks below this have had fallback memory collected */
        void *spare;         /* free fallback blocks, linked through their first word */
    } p;
    /* Consumer's line. */
    struct {
        alignas(SBUF_CACHE_LINE) _Atomic uint64_t tail;
        uint64_t cached_head;
    } c;
};

#define CHUNKS(b) ((struct chunks *)(b))

extern const struct sbuf_ops sbuf_chunks_ops;

/* A counter with a single writer: relaxed, it is a statistic. */
static inline void bump(_Atomic uint64_t *c)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static inline struct chunk_desc *slot(struct chunks *c, uint64_t k)
{
    return &c->desc[k & (c->nslots - 1)];
}

/* ---- create / destroy ------------------------------------------------- */

struct chunks_geometry {
    size_t bs, base_cap, max_cap, nslots;
};

static int chunks_geometry(const struct sbuf_config *cfg, struct chunks_geometry *g)
{
    size_t bs = cfg->block_size ? cfg->block_size : DEFAULT_BLOCK;
    if (bs > cfg->capacity)
        bs = cfg->capacity;
    size_t blocks = (cfg->capacity + bs - 1) / bs;
    if (blocks > SBUF_MAX_CAPACITY / bs)
        return SBUF_ERANGE;
    size_t base = blocks * bs;
    size_t max = base;
    if (cfg->on_exhaust == SBUF_EXHAUST_FALLBACK) {
        if (cfg->max_capacity) {
            if (cfg->max_capacity < cfg->capacity || cfg->max_capacity > SBUF_MAX_CAPACITY)
                return SBUF_ERANGE;
            max = cfg->max_capacity / bs * bs;
        } else {
            max = base > SBUF_MAX_CAPACITY / DEFAULT_GROWTH ? SBUF_MAX_CAPACITY / bs * bs
                                                            : base * DEFAULT_GROWTH;
        }
        if (max < base)
            max = base;
    }
    if (max / bs + 1 > MAX_SLOTS)
        return SBUF_ERANGE;
    g->bs = bs;
    g->base_cap = base;
    g->max_cap = max;
    g->nslots = sbuf__pow2_ceil(max / bs + 1);
    return SBUF_OK;
}

static void chunks_free_parts(struct chunks *c)
{
    if (c->pool)
        sbuf_pool_destroy(c->pool);
    if (c->pool_mem)
        sbuf_mem_free(c->pool_mem, c->pool_mem_size);
    if (c->desc)
        sbuf_mem_free(c->desc, c->nslots * sizeof(*c->desc));
    sbuf_mem_free(c, sizeof(*c));
}

static int chunks_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    struct chunks_geometry g;
    int rc = chunks_geometry(cfg, &g);
    if (rc)
        return rc;
    const struct sbuf_pool_ops *pool_ops = sbuf_pool_registry_find("pool_fixed");
    struct sbuf_pool_config pcfg = {
        .block_size = g.bs,
        .blocks = g.base_cap / g.bs + 1,
        .on_exhaust = SBUF_EXHAUST_REFUSE, /* fallback is ours: counted and bounded here */
    };
    size_t pool_size = sbuf_pool_storage_size(pool_ops, &pcfg);
    if (!pool_size)
        return SBUF_ERANGE;

    struct chunks *c = sbuf_mem_alloc(NULL, sizeof(*c), SBUF_CACHE_LINE);
    if (!c)
        return SBUF_ENOMEM;
    sbuf_header_init(&c->base, &sbuf_chunks_ops);
    memset((uint8_t *)c + sizeof(c->base), 0, sizeof(*c) - sizeof(c->base));
    c->bs = g.bs;
    c->fb_size = g.bs < sizeof(void *) ? sizeof(void *) : g.bs;
    c->base_cap = g.base_cap;
    c->max_cap = g.max_cap;
    c->nslots = g.nslots;
    c->refuse = cfg->on_exhaust == SBUF_EXHAUST_REFUSE;
    atomic_init(&c->p.head, 0);
    atomic_init(&c->p.cap, g.base_cap);
    atomic_init(&c->p.misses, 0);
    atomic_init(&c->p.fallbacks, 0);
    atomic_init(&c->c.tail, 0);

    /* The pool lives in memory we allocate, so its bytes are counted as ours. */
    c->desc = sbuf_mem_alloc(&c->base, c->nslots * sizeof(*c->desc), SBUF_CACHE_LINE);
    c->pool_mem = c->desc ? sbuf_mem_alloc(&c->base, pool_size, SBUF_CACHE_LINE) : NULL;
    if (!c->pool_mem) {
        chunks_free_parts(c);
        return SBUF_ENOMEM;
    }
    c->pool_mem_size = pool_size;
    pcfg.storage = c->pool_mem;
    pcfg.storage_size = pool_size;
    rc = sbuf_pool_create_ops(pool_ops, &pcfg, &c->pool);
    if (rc) {
        chunks_free_parts(c);
        return rc;
    }
    c->base.prod.allocations++; /* the header itself */
    *out = &c->base;
    return SBUF_OK;
}

static void chunks_destroy(struct sbuf *b)
{
    struct chunks *c = CHUNKS(b);
    /* Quiescent: fallback blocks are in the spare list or in descriptors not
     * yet reclaimed (read or not); pool blocks go with the pool's memory. */
    while (c->p.spare) {
        void *next = *(void **)c->p.spare;
        sbuf_mem_free(c->p.spare, c->fb_size);
        c->p.spare = next;
    }
    for (uint64_t k = c->p.reclaimed; k < c->p.next_block; k++)
        if (slot(c, k)->fallback)
            sbuf_mem_free(slot(c, k)->data, c->fb_size);
    chunks_free_parts(c);
}

/* ---- producer --------------------------------------------------------- */

/* Collects the fallback blocks of every block below `below` (all read). */
static void reclaim(struct chunks *c, uint64_t below)
{
    for (; c->p.reclaimed < below; c->p.reclaimed++) {
        struct chunk_desc *d = slot(c, c->p.reclaimed);
        if (d->fallback) {
            *(void **)d->data = c->p.spare;
            c->p.spare = d->data;
        }
    }
}

/*
 * Memory for block k, the next one in the stream: the pool's if it has one,
 * else a spare fallback block.  By the capacity proof one of them exists;
 * NULL only if that reasoning were broken, and then the write gets less room.
 */
static int acquire_block(struct chunks *c, uint64_t k)
{
    /*
     * Block k's slot last held block k - nslots, which is read (cached_tail
     * is past it, by the proof) but may still carry a fallback block: collect
     * it before the slot is overwritten.  cached_tail was loaded with
     * acquire, so the consumer's last reads of those blocks happened before.
     */
    reclaim(c, c->p.cached_tail / c->bs);
    struct chunk_desc *d = slot(c, k);
    d->data = sbuf_pool_get(c->pool, c->bs);
    d->fallback = 0;
    if (!d->data && c->p.spare) {
        d->data = c->p.spare;
        d->fallback = 1;
        c->p.spare = *(void **)d->data;
    }
    if (!d->data)
        return 0;
    /* Plain stores: the consumer reads this descriptor only after the
     * release of a head past k * bs, which orders these stores before it. */
    c->p.next_block = k + 1;
    return 1;
}

/*
 * Free bytes, with head's value in *head.  The consumer's tail is reloaded
 * only when the cached copy shows less than want bytes free (write_reserve:
 * none at all).
 */
static inline size_t free_room(struct chunks *c, size_t want, uint64_t *head)
{
    /* Own counters: only this thread stores them, relaxed is enough. */
    *head = atomic_load_explicit(&c->p.head, memory_order_relaxed);
    size_t cap = atomic_load_explicit(&c->p.cap, memory_order_relaxed);
    if (cap - (size_t)(*head - c->p.cached_tail) < want) {
        /* Too full by the cache: reload.  Acquire pairs with the consumer's
         * release of tail: its reads of the blocks it passed, and its puts of
         * them back to the pool, happen before we reuse them or their slots. */
        c->p.cached_tail = atomic_load_explicit(&c->c.tail, memory_order_acquire);
    }
    return cap - (size_t)(*head - c->p.cached_tail);
}

/* Most of room that two spans hold: the rest of head's block and one more. */
static inline size_t two_blocks(const struct chunks *c, uint64_t head, size_t room)
{
    size_t most = c->bs - (size_t)(head % c->bs) + c->bs;
    return room < most ? room : most;
}

/* room free bytes from head on, as spans over the blocks they lie in. */
static size_t spans_at(struct chunks *c, uint64_t head, size_t room, struct sbuf_span v[2])
{
    v[0].p = v[1].p = NULL;
    v[0].n = v[1].n = 0;
    if (room == 0)
        return 0;
    uint64_t k = head / c->bs;
    size_t off = (size_t)(head % c->bs);
    if (k == c->p.next_block && !acquire_block(c, k))
        return 0;
    size_t n0 = c->bs - off < room ? c->bs - off : room;
    v[0].p = slot(c, k)->data + off;
    v[0].n = n0;
    if (room > n0 && (k + 1 < c->p.next_block || acquire_block(c, k + 1))) {
        v[1].p = slot(c, k + 1)->data;
        v[1].n = room - n0 < c->bs ? room - n0 : c->bs;
    }
    return v[0].n + v[1].n;
}

static size_t chunks_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    struct chunks *c = CHUNKS(b);
    uint64_t head;
    size_t room = free_room(c, 1, &head);
    return spans_at(c, head, room, v);
}

/*
 * All or nothing.  Its own op for two reasons: the plain reservation's
 * stale cache may show less than n when n fits (the generic version would
 * refuse), and a reservation it cannot grant must not take blocks from the
 * pool, so the two-span limit is checked before any block is acquired.
 */
static size_t chunks_write_reserve_min(struct sbuf *b, size_t n, struct sbuf_span v[2])
{
    struct chunks *c = CHUNKS(b);
    uint64_t head;
    size_t room = free_room(c, n, &head);
    if (two_blocks(c, head, room) < n)
        return 0;
    size_t got = spans_at(c, head, room, v);
    return got >= n ? got : 0;
}

static void chunks_write_commit(struct sbuf *b, size_t n)
{
    struct chunks *c = CHUNKS(b);
    if (n == 0)
        return; /* nothing to publish: leave the consumer's view of our line alone */
    uint64_t head = atomic_load_explicit(&c->p.head, memory_order_relaxed) + n;
    /* Release: the bytes written into the spans, and the descriptors of the
     * blocks they lie in, are visible before the consumer sees the new head. */
    atomic_store_explicit(&c->p.head, head, memory_order_release);
    /* As ring_spsc: refresh the stale tail only when the over-estimate would
     * raise the peak, so the peak is exact without a reload per commit. */
    if (head - c->p.cached_tail > b->prod.peak_used) {
        /* Acquire: pairs with the consumer's release of tail. */
        c->p.cached_tail = atomic_load_explicit(&c->c.tail, memory_order_acquire);
        sbuf_note_level(b, (size_t)(head - c->p.cached_tail));
    }
}

static size_t chunks_make_room(struct sbuf *b, size_t want)
{
    struct chunks *c = CHUNKS(b);
    /* Acquire: as in reserve; a fresh tail so that only a real shortage counts. */
    c->p.cached_tail = atomic_load_explicit(&c->c.tail, memory_order_acquire);
    uint64_t head = atomic_load_explicit(&c->p.head, memory_order_relaxed);
    size_t cap = atomic_load_explicit(&c->p.cap, memory_order_relaxed);
    size_t space = cap - (size_t)(head - c->p.cached_tail);
    if (space >= want)
        return space;
    bump(&c->p.misses);
    if (c->refuse)
        return space;
    size_t added = 0;
    while (space + added < want && cap + added + c->bs <= c->max_cap) {
        void *blk = sbuf_mem_alloc(b, c->fb_size, SBUF_CACHE_LINE);
        if (!blk)
            break; /* the write gets what the buffer has */
        *(void **)blk = c->p.spare;
        c->p.spare = blk;
        bump(&c->p.fallbacks);
        added += c->bs;
    }
    if (added) {
        b->prod.resizes++;
        /* Relaxed: only this thread uses cap to hand out room; other
         * threads read it as a statistic. */
        atomic_store_explicit(&c->p.cap, cap + added, memory_order_relaxed);
    }
    return space + added;
}

/* ---- consumer --------------------------------------------------------- */

static size_t chunks_view_at(struct sbuf *b, size_t offset, struct sbuf_span v[2])
{
    struct chunks *c = CHUNKS(b);
    uint64_t tail = atomic_load_explicit(&c->c.tail, memory_order_relaxed);
    if (c->c.cached_head - tail <= offset) {
        /* Acquire pairs with the producer's release of head: the bytes it
         * committed, and the descriptors of their blocks, are visible. */
        c->c.cached_head = atomic_load_explicit(&c->p.head, memory_order_acquire);
    }
    size_t avail = (size_t)(c->c.cached_head - tail);
    v[0].p = v[1].p = NULL;
    v[0].n = v[1].n = 0;
    if (offset >= avail)
        return 0;
    avail -= offset;
    uint64_t pos = tail + offset;
    uint64_t k = pos / c->bs;
    size_t off = (size_t)(pos % c->bs);
    size_t n0 = c->bs - off < avail ? c->bs - off : avail;
    v[0].p = slot(c, k)->data + off;
    v[0].n = n0;
    if (avail > n0) {
        v[1].p = slot(c, k + 1)->data;
        v[1].n = avail - n0 < c->bs ? avail - n0 : c->bs;
    }
    return v[0].n + v[1].n;
}

static size_t chunks_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    return chunks_view_at(b, 0, v);
}

static void chunks_read_release(struct sbuf *b, size_t n)
{
    struct chunks *c = CHUNKS(b);
    uint64_t tail = atomic_load_explicit(&c->c.tail, memory_order_relaxed);
    uint64_t end = tail + n;
    /* Every block whose last byte is now read goes back: pool blocks to the
     * pool, fallback blocks stay in their slot for the producer's reclaim. */
    for (uint64_t k = tail / c->bs; k < end / c->bs; k++) {
        struct chunk_desc *d = slot(c, k);
        if (!d->fallback)
            sbuf_pool_put(c->pool, d->data);
    }
    /* Release: our reads of the released bytes and of the descriptors finish,
     * and the puts above are done, before the producer may reuse either. */
    atomic_store_explicit(&c->c.tail, end, memory_order_release);
}

/* ---- sizes and stats -------------------------------------------------- */

static size_t chunks_used(struct sbuf *b)
{
    struct chunks *c = CHUNKS(b);
    /* Tail first: head only grows, so the difference cannot go negative
     * (acquire keeps the second load after the first). */
    uint64_t tail = atomic_load_explicit(&c->c.tail, memory_order_acquire);
    uint64_t head = atomic_load_explicit(&c->p.head, memory_order_acquire);
    return (size_t)(head - tail);
}

static size_t chunks_capacity(struct sbuf *b)
{
    /* Relaxed: a statistic for every caller but the producer, which stores it. */
    return atomic_load_explicit(&CHUNKS(b)->p.cap, memory_order_relaxed);
}

int sbuf_chunks_stats(struct sbuf *b, struct sbuf_chunks_stats *out)
{
    if (!b || !out || b->ops != &sbuf_chunks_ops)
        return SBUF_EINVAL;
    struct chunks *c = CHUNKS(b);
    memset(out, 0, sizeof(*out));
    out->block_size = c->bs;
    out->misses = atomic_load_explicit(&c->p.misses, memory_order_relaxed);
    out->fallback_blocks = atomic_load_explicit(&c->p.fallbacks, memory_order_relaxed);
    return sbuf_pool_stats(c->pool, &out->pool);
}

const struct sbuf_ops sbuf_chunks_ops = {
    .abi = SBUF_ABI_VERSION,
    .name = "chunks",
    .summary = "queue of fixed pool blocks with zero-copy block views; allocator fallback",
    .caps = SBUF_CAP_GROWS,
    .create = chunks_create,
    .destroy = chunks_destroy,
    .write_reserve = chunks_write_reserve,
    .write_commit = chunks_write_commit,
    .write_reserve_min = chunks_write_reserve_min,
    .read_view = chunks_read_view,
    .read_release = chunks_read_release,
    .used = chunks_used,
    .capacity = chunks_capacity,
    .view_at = chunks_view_at,
    .make_room = chunks_make_room,
};
