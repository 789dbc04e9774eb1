/*
 * ring_locked.c - mutex ring, safe for several producers and one consumer.
 *
 * The reference design's CircularBuffer, done properly: a write accepts what
 * fits and returns the count (sbuf_write), read and peek take up to n bytes,
 * readline finds a delimiter across the wrap; used/space/full/empty/clear
 * come from the generic layer.  Unlike the reference it copies with at most
 * two memcpys per call instead of a byte loop, and the consumer never holds
 * the lock while it copies.
 *
 * Capacity is exactly what was asked (any size): positions are offsets in
 * [0, size) advanced with one compare-and-subtract, so no power of two and no
 * modulo are needed.  A separate fill count tells full from empty.
 *
 * Locking (one pthread mutex, `lock`):
 *  - Producers: the generic layer calls producer_lock/producer_unlock around
 *    write_reserve..write_commit and around write, so a reservation, its
 *    commit and a whole write are atomic with respect to other producers.
 *    Everything a producer touches (wr, rd, used, the free bytes) is read or
 *    written with the lock held.
 *  - The consumer takes the same lock only for an instant: read_view to
 *    snapshot (rd, used), read_release to advance them.  It reads the bytes
 *    with the lock dropped, so producers keep writing into the free space
 *    meanwhile.  That is safe because the viewed bytes are not free until
 *    read_release says so, and the mutex orders it all: a producer's bytes
 *    are written before the unlock that follows its commit, and the
 *    consumer's reads of released bytes finish before the lock it takes to
 *    release them.
 *  - used() reads the fill count without the lock (an atomic load), because
 *    sbuf_write_all calls it while the producer already holds the
 *    non-recursive mutex, and statistics may be read from any thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "sbuf_internal.h"

struct ring_locked {
    struct sbuf base;
    pthread_mutex_t lock;
    uint8_t *data;
    size_t size;
    size_t rd; /* offset of the oldest readable byte; changed under lock */
    size_t wr; /* offset of the next free byte; changed under lock */
    /* Readable bytes.  Changed only under lock; atomic so that used() may
     * read it without the lock. */
    _Atomic size_t used;
};

#define RING(b) ((struct ring_locked *)(b))

extern const struct sbuf_ops sbuf_ring_locked_ops;

static int locked_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    void *hdr;
    uint8_t *data;
    int rc = sbuf__parts_create(cfg, sizeof(struct ring_locked), cfg->capacity, &hdr, &data);
    if (rc)
        return rc;
    struct ring_locked *r = hdr;
    sbuf_header_init(&r->base, &sbuf_ring_locked_ops);
    int err = pthread_mutex_init(&r->lock, NULL);
    if (err) {
        sbuf__parts_destroy(&r->base, sizeof(*r), data, cfg->capacity);
        return err == ENOMEM ? SBUF_ENOMEM : SBUF_EIO;
    }
    r->data = data;
    r->size = cfg->capacity;
    r->rd = r->wr = 0;
    atomic_init(&r->used, 0);
    sbuf__parts_created(&r->base, cfg);
    *out = &r->base;
    return SBUF_OK;
}

static void locked_destroy(struct sbuf *b)
{
    struct ring_locked *r = RING(b);
    pthread_mutex_destroy(&r->lock);
    sbuf__parts_destroy(b, sizeof(*r), r->data, r->size);
}

static void locked_producer_lock(struct sbuf *b)
{
    pthread_mutex_lock(&RING(b)->lock);
}

static void locked_producer_unlock(struct sbuf *b)
{
    pthread_mutex_unlock(&RING(b)->lock);
}

/* pos + n, wrapped into [0, size); n <= size. */
static inline size_t advance(const struct ring_locked *r, size_t pos, size_t n)
{
    return n >= r->size - pos ? pos + n - r->size : pos + n;
}

/* Producer, lock held (by the generic layer). */
static size_t locked_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    struct ring_locked *r = RING(b);
    /* Relaxed: the lock orders every change of used. */
    size_t used = atomic_load_explicit(&r->used, memory_order_relaxed);
    return sbuf_ring_spans(r->data, r->size, r->wr, r->size - used, v);
}

/* Producer, lock held. */
static void locked_write_commit(struct sbuf *b, size_t n)
{
    struct ring_locked *r = RING(b);
    if (n == 0)
        return;
    r->wr = advance(r, r->wr, n);
    /* Relaxed: the unlock that ends this commit publishes the bytes and the
     * count together; used() readers only want a snapshot. */
    size_t used = atomic_load_explicit(&r->used, memory_order_relaxed) + n;
    atomic_store_explicit(&r->used, used, memory_order_relaxed);
    /* Exact: the consumer cannot release while we hold the lock. */
    sbuf_note_level(b, used);
}

/* Consumer: snapshot under the lock, then read without it. */
static size_t locked_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    struct ring_locked *r = RING(b);
    pthread_mutex_lock(&r->lock);
    size_t rd = r->rd;
    size_t used = atomic_load_explicit(&r->used, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
    return sbuf_ring_spans(r->data, r->size, rd, used, v);
}

/* Consumer: frees n viewed bytes. */
static void locked_read_release(struct sbuf *b, size_t n)
{
    struct ring_locked *r = RING(b);
    if (n == 0)
        return;
    pthread_mutex_lock(&r->lock);
    r->rd = advance(r, r->rd, n);
    size_t used = atomic_load_explicit(&r->used, memory_order_relaxed) - n;
    atomic_store_explicit(&r->used, used, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
}

static size_t locked_used(struct sbuf *b)
{
    /* Relaxed: a snapshot; exact for a lock holder, whose view cannot move. */
    return atomic_load_explicit(&RING(b)->used, memory_order_relaxed);
}

static size_t locked_capacity(struct sbuf *b)
{
    return RING(b)->size;
}

/* Fast write, lock held: one space check, at most two memcpys, no loop. */
static size_t locked_write(struct sbuf *b, const void *src, size_t n)
{
    struct sbuf_span v[2];
    size_t room = locked_write_reserve(b, v);
    size_t k = sbuf__fill_spans(v, room, src, n);
    locked_write_commit(b, k);
    return k;
}

/* Fast read: one snapshot, one copy, one release; the generic loop would
 * take the lock a third time to find the buffer empty after a short read. */
static size_t locked_read(struct sbuf *b, void *dst, size_t n)
{
    struct sbuf_span v[2];
    size_t avail = locked_read_view(b, v);
    size_t k = sbuf__drain_spans(v, avail, dst, n);
    locked_read_release(b, k);
    return k;
}

const struct sbuf_ops sbuf_ring_locked_ops = {
    .abi = SBUF_ABI_VERSION,
    .name = "ring_locked",
    .summary = "mutex ring for several producers, exact capacity (the CircularBuffer)",
    .caps = SBUF_CAP_MULTI_PRODUCER,
    .create = locked_create,
    .destroy = locked_destroy,
    .write_reserve = locked_write_reserve,
    .write_commit = locked_write_commit,
    .read_view = locked_read_view,
    .read_release = locked_read_release,
    .used = locked_used,
    .capacity = locked_capacity,
    .producer_lock = locked_producer_lock,
    .producer_unlock = locked_producer_unlock,
    .write = locked_write,
    .read = locked_read,
};
