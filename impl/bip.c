/*
 * bip.c - bip-buffer: contiguous views and reservations without an MMU.
 *
 * Simon Cooke's bip-buffer keeps data in at most two regions of one array,
 * A (older, ending at a watermark) and B (newer, growing from offset 0), so
 * that every block handed out is a single contiguous span.  A protocol
 * parser or a DMA transfer gets a whole frame in one piece without the
 * second mapping that ring_mirror needs, which is why this one runs on the
 * nRF52840.  The price is memory: when the producer wraps early, the bytes
 * between the watermark and the end of the array stay unused until the
 * consumer has passed them.
 *
 * Lock-free SPSC form (the write/read/watermark scheme): three offsets into
 * an array of size (= capacity) bytes, each written by one side only.
 *   w    (producer) next byte to write, and the producer's lap bit.
 *   last (producer) end of region A while the buffer is "inverted".
 *   r    (consumer) next byte to read, and the consumer's lap bit.
 * The lap bit is the top bit of w and of r (offsets stay below 2^30): the
 * producer flips its own when it wraps w to 0, the consumer its own when it
 * wraps r to 0.  The buffer is inverted exactly when the two bits differ.
 * Not inverted: data is [r, w); free is [w, size) and [0, r).
 * Inverted: data is [r, last) then [0, w); free is [w, r).
 * Only the producer starts an inversion (by wrapping w to 0 at a commit) and
 * only the consumer ends one (by wrapping r to 0 when it reaches last), so
 * the bits differ by at most one lap and last is stable whenever either side
 * sees the buffer inverted.  The producer writes last before it publishes w
 * with a release store; the consumer loads w with acquire before it looks
 * at last.
 *
 * The lap bits tell a full buffer (inverted, w == r) from an empty one (not
 * inverted, w == r), so no byte has to stay free and the array is exactly
 * the capacity asked for.  An earlier form kept one byte free instead, in an
 * array of capacity + 1 bytes: with the usual power-of-two capacity that odd
 * size made every lap start one byte further into the page, and copy/4096
 * measured 7-10 % slower than over an array of 8192 (see README, Results).
 *
 * Contiguous reservations: write_reserve returns the single largest free
 * span, the one at w or the one at 0 (Cooke's rule).  So even an empty
 * buffer may offer less than its capacity in one piece (empty at offset
 * p > 0, it offers max(size - p, p)), and committing into the span at 0
 * abandons the tail until the consumer passes it: until then writes take
 * less than capacity - used.  The space op reports what a write can take,
 * so sbuf_space and sbuf_full tell the truth and sbuf_write_all never starts
 * a write it cannot finish.  Copies need no contiguity, so the copying write
 * here fills the span at w first and then wraps, using every free byte (the
 * generic write, looping reserve/commit, would also go on after the first
 * span, but could abandon the tail on the way).
 *
 * read_view shows region A only (one span); view_at shows both regions, so
 * peek, find and readline see all readable data and match across the wrap.
 *
 * Builds freestanding for the nRF52840: create in caller storage
 * (cfg->storage), no heap.
 */
#include <stdatomic.h>

#include "sbuf_internal.h"

struct bip {
    struct sbuf base;
    /* Read-only after create. */
    uint8_t *data;
    size_t size; /* bytes in data: the capacity */
    /* Producer's line. */
    struct {
        alignas(SBUF_CACHE_LINE) _Atomic size_t w;
        _Atomic size_t last;
        size_t cached_r; /* the consumer's r as last seen: free space only grows past it */
        size_t resv_at;  /* where the open reservation starts: w, or 0 for a wrap */
    } p;
    /* Consumer's line. */
    struct {
        alignas(SBUF_CACHE_LINE) _Atomic size_t r;
        size_t view_last; /* the open view ends at last: r wraps to 0 there */
        int view_wraps;
    } c;
};

#define BIP(b) ((struct bip *)(b))

extern const struct sbuf_ops sbuf_bip_ops;

static size_t bip_storage_size(const struct sbuf_config *cfg)
{
    return sbuf__parts_storage_size(sizeof(struct bip), cfg->capacity);
}

/* The lap bit, the top bit of w and r; offsets are far below it. */
#define LAP ((size_t)1 << (sizeof(size_t) * 8 - 1))

static inline size_t off(size_t x)
{
    return x & ~LAP;
}

/* x with its lap bit flipped and its offset set to o. */
static inline size_t next_lap(size_t x, size_t o)
{
    return ((x & LAP) ^ LAP) | o;
}

/* Region B follows region A: the producer is a lap ahead of the consumer. */
static inline int inverted(size_t w, size_t r)
{
    return ((w ^ r) & LAP) != 0;
}

static void bip_init(struct bip *q, uint8_t *data, size_t size)
{
    sbuf_header_init(&q->base, &sbuf_bip_ops);
    q->data = data;
    q->size = size;
    atomic_init(&q->p.w, 0);
    atomic_init(&q->p.last, size);
    q->p.cached_r = 0;
    q->p.resv_at = 0;
    atomic_init(&q->c.r, 0);
    q->c.view_last = 0;
    q->c.view_wraps = 0;
}

static int bip_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    size_t size = cfg->capacity;
    void *hdr;
    uint8_t *data;
    int rc = sbuf__parts_create(cfg, sizeof(struct bip), size, &hdr, &data);
    if (rc)
        return rc;
    struct bip *q = hdr;
    bip_init(q, data, size);
    sbuf__parts_created(&q->base, cfg);
    *out = &q->base;
    return SBUF_OK;
}

static void bip_destroy(struct sbuf *b)
{
    struct bip *q = BIP(b);
    sbuf__parts_destroy(b, sizeof(*q), q->data, q->size);
}

/* Readable bytes for a given (w, r, last). */
static inline size_t level(size_t w, size_t r, size_t last)
{
    return inverted(w, r) ? last - off(r) + off(w) : off(w) - off(r);
}

/* ---- producer --------------------------------------------------------- */

/* Reloads the consumer's index into the producer's cache. */
static inline size_t load_r(struct bip *q)
{
    /* Acquire pairs with the consumer's release of r: the bytes it released
     * are no longer being read when we overwrite them. */
    q->p.cached_r = atomic_load_explicit(&q->c.r, memory_order_acquire);
    return q->p.cached_r;
}

/*
 * The free span at w and the one at 0.  Inverted, w may run up to r (then
 * the buffer is full); not inverted, w may run to the end and a wrap up to
 * r.  With r stale (the producer's cached copy) both are under-estimates:
 * r only moves on, and a lap of r's that the copy missed ends an inversion,
 * which frees more.
 */
static inline void free_spans(const struct bip *q, size_t w, size_t r, size_t *at_w,
                              size_t *at_0)
{
    if (inverted(w, r)) {
        *at_w = off(r) - off(w);
        *at_0 = 0;
    } else {
        *at_w = q->size - off(w);
        *at_0 = off(r);
    }
}

/* Bytes bip_write would take now.  Any thread may ask (sbuf_space, sbuf_full),
 * so this leaves the producer's cached r alone. */
static size_t bip_space(struct sbuf *b)
{
    struct bip *q = BIP(b);
    /* Acquire both: exact on the producer's thread (w is its own), a snapshot
     * on any other. */
    size_t r = atomic_load_explicit(&q->c.r, memory_order_acquire);
    size_t w = atomic_load_explicit(&q->p.w, memory_order_acquire);
    size_t at_w, at_0;
    free_spans(q, w, r, &at_w, &at_0);
    return at_w + at_0;
}

static size_t bip_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    struct bip *q = BIP(b);
    size_t w = atomic_load_explicit(&q->p.w, memory_order_relaxed);
    size_t at_w, at_0;
    /* Always the real r: the choice of the largest span depends on it. */
    free_spans(q, w, load_r(q), &at_w, &at_0);
    size_t n = at_w;
    q->p.resv_at = off(w);
    if (at_0 > at_w) {
        n = at_0;
        q->p.resv_at = 0;
    }
    v[0].p = q->data + q->p.resv_at;
    v[0].n = n;
    v[1].p = NULL;
    v[1].n = 0;
    return n;
}

/*
 * Publishes a write that ends at new_w (offset and lap bit); wrapped_at is
 * where region A now ends if the write wrapped to offset 0, or 0 if it did
 * not.
 */
static inline void publish(struct bip *q, size_t new_w, size_t wrapped_at, int wrapped)
{
    if (wrapped) {
        /* Relaxed: the release store of w below publishes it, and the
         * consumer reads last only after its acquire load of w. */
        atomic_store_explicit(&q->p.last, wrapped_at, memory_order_relaxed);
    }
    /* Release: the bytes written (and last) are visible before the consumer
     * can see the new w. */
    atomic_store_explicit(&q->p.w, new_w, memory_order_release);
    /* level() with the cached r over-estimates (r only moves on, or wraps to 0
     * and ends the inversion, which shrinks the level further).  Reload r only when the estimate
     * would raise the peak, so the peak is exact but the usual commit does
     * not touch the consumer's line. */
    size_t last = atomic_load_explicit(&q->p.last, memory_order_relaxed);
    if (level(new_w, q->p.cached_r, last) > q->base.prod.peak_used)
        sbuf_note_level(&q->base, level(new_w, load_r(q), last));
}

static void bip_write_commit(struct sbuf *b, size_t n)
{
    struct bip *q = BIP(b);
    if (n == 0)
        return; /* an abandoned reservation changes nothing, not even last */
    size_t w = atomic_load_explicit(&q->p.w, memory_order_relaxed);
    if (q->p.resv_at != off(w))
        publish(q, next_lap(w, n), off(w), 1); /* region A ends where w was */
    else
        publish(q, w + n, 0, 0);
}

/* Copying write: contiguity does not matter here, so fill the span at w
 * first and then wrap, using every free byte.  At most two memcpys. */
static size_t bip_write(struct sbuf *b, const void *src, size_t n)
{
    struct bip *q = BIP(b);
    size_t w = atomic_load_explicit(&q->p.w, memory_order_relaxed);
    size_t at_w, at_0;
    free_spans(q, w, q->p.cached_r, &at_w, &at_0);
    if (at_w + at_0 < n) /* the cached r says it does not fit: look again */
        free_spans(q, w, load_r(q), &at_w, &at_0);
    size_t k1 = n < at_w ? n : at_w;
    size_t k2 = n - k1 < at_0 ? n - k1 : at_0;
    if (k1)
        memcpy(q->data + off(w), src, k1);
    if (k2) {
        /* k2 > 0 means the span at w was filled to the end of the array. */
        memcpy(q->data, (const uint8_t *)src + k1, k2);
        publish(q, next_lap(w, k2), off(w) + k1, 1);
    } else if (k1) {
        publish(q, w + k1, 0, 0);
    }
    return k1 + k2;
}

/* ---- consumer --------------------------------------------------------- */

/*
 * The consumer's picture: region A [r, a_end) and region B [0, b_end).
 * Ends an inversion whose region A is used up (r == last) by wrapping r to 0.
 * Returns whether the buffer is inverted (region B follows region A).
 */
static int snapshot(struct bip *q, size_t *r_out, size_t *a_end, size_t *b_end)
{
    size_t r = atomic_load_explicit(&q->c.r, memory_order_relaxed); /* own index */
    /* Acquire pairs with the producer's release of w: the bytes before w,
     * and last, are visible. */
    size_t w = atomic_load_explicit(&q->p.w, memory_order_acquire);
    if (!inverted(w, r)) {
        *r_out = off(r);
        *a_end = off(w);
        *b_end = 0;
        return 0;
    }
    /* Relaxed: ordered after the acquire above, and stable while inverted. */
    size_t last = atomic_load_explicit(&q->p.last, memory_order_relaxed);
    if (off(r) == last) {
        /* Release: reads of region A are done before the producer may reuse
         * it (the producer may take [w, size) once r has wrapped). */
        atomic_store_explicit(&q->c.r, next_lap(r, 0), memory_order_release);
        *r_out = 0;
        *a_end = off(w);
        *b_end = 0;
        return 0;
    }
    *r_out = off(r);
    *a_end = last;
    *b_end = off(w);
    return 1;
}

/* Consumes n bytes at r; crossing (or reaching) last wraps r into region B,
 * a lap on. */
static inline void consume(struct bip *q, size_t n, int wraps, size_t a_end)
{
    if (n == 0)
        return;
    size_t r = atomic_load_explicit(&q->c.r, memory_order_relaxed); /* own index */
    size_t o = off(r) + n;
    r = wraps && o >= a_end ? next_lap(r, o - a_end) : r + n;
    /* Release: our reads of the bytes finish before the producer reuses them. */
    atomic_store_explicit(&q->c.r, r, memory_order_release);
}

static size_t bip_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    struct bip *q = BIP(b);
    size_t r, a_end, b_end;
    q->c.view_wraps = snapshot(q, &r, &a_end, &b_end);
    q->c.view_last = a_end;
    v[0].p = q->data + r;
    v[0].n = a_end - r;
    v[1].p = NULL;
    v[1].n = 0;
    return v[0].n;
}

static void bip_read_release(struct sbuf *b, size_t n)
{
    struct bip *q = BIP(b);
    consume(q, n, q->c.view_wraps, q->c.view_last);
}

/* Both regions from offset on, as up to two spans (peek, find, readline). */
static size_t bip_view_at(struct sbuf *b, size_t offset, struct sbuf_span v[2])
{
    struct bip *q = BIP(b);
    size_t r, a_end, b_end;
    snapshot(q, &r, &a_end, &b_end);
    size_t a = a_end - r;
    v[1].p = NULL;
    v[1].n = 0;
    if (offset < a) {
        v[0].p = q->data + r + offset;
        v[0].n = a - offset;
        if (b_end) {
            v[1].p = q->data;
            v[1].n = b_end;
        }
    } else if (offset - a < b_end) {
        v[0].p = q->data + (offset - a);
        v[0].n = b_end - (offset - a);
    } else {
        v[0].p = NULL;
        v[0].n = 0;
    }
    return v[0].n + v[1].n;
}

/* Copying read: both regions, at most two memcpys, one release. */
static size_t bip_read(struct sbuf *b, void *dst, size_t n)
{
    struct bip *q = BIP(b);
    size_t r, a_end, b_end;
    int wraps = snapshot(q, &r, &a_end, &b_end);
    size_t a = a_end - r;
    size_t k1 = n < a ? n : a;
    size_t k2 = n - k1 < b_end ? n - k1 : b_end;
    if (k1)
        memcpy(dst, q->data + r, k1);
    if (k2)
        memcpy((uint8_t *)dst + k1, q->data, k2);
    consume(q, k1 + k2, wraps, a_end);
    return k1 + k2;
}

static size_t bip_used(struct sbuf *b)
{
    struct bip *q = BIP(b);
    /* Acquire: a snapshot from any thread; exact on either side's own thread,
     * because each side's own index is current and the other's is ordered by
     * the acquire (w before last, as the consumer does). */
    size_t r = atomic_load_explicit(&q->c.r, memory_order_acquire);
    size_t w = atomic_load_explicit(&q->p.w, memory_order_acquire);
    size_t last = atomic_load_explicit(&q->p.last, memory_order_acquire);
    size_t n = level(w, r, last);
    return n <= q->size ? n : q->size; /* a third thread's torn snapshot */
}

static size_t bip_capacity(struct sbuf *b)
{
    return BIP(b)->size;
}

const struct sbuf_ops sbuf_bip_ops = {
    .abi = SBUF_ABI_VERSION,
    .name = "bip",
    .summary = "bip-buffer: two regions, every view one span, no MMU (runs on the nRF52840)",
    .caps = SBUF_CAP_CONTIGUOUS | SBUF_CAP_STATIC,
    .create = bip_create,
    .destroy = bip_destroy,
    .storage_size = bip_storage_size,
    .write_reserve = bip_write_reserve,
    .write_commit = bip_write_commit,
    .read_view = bip_read_view,
    .read_release = bip_read_release,
    .used = bip_used,
    .capacity = bip_capacity,
    .space = bip_space,
    .view_at = bip_view_at,
    .write = bip_write,
    .read = bip_read,
};
