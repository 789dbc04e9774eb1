/*
 * adaptive.c - a ring that resizes itself (the reference design's
 * AdaptiveBuffer, without its byte loops).
 *
 * Growth: when a write does not fit (sbuf_write and sbuf_write_all call
 * make_room), the capacity doubles, as many times as the write needs, up to
 * max_capacity (default 64 x capacity, at most SBUF_MAX_CAPACITY); the last
 * step stops at max_capacity itself.  A reservation never grows the ring: it
 * states no size, and a full ring reserves nothing, as every strategy does.
 *
 * Shrink: an "operation" is a write_commit or a read_release that moves at
 * least one byte; zero-byte ones (a poll of an empty ring, an abandoned
 * reservation) are not traffic and are not sampled.  Each operation samples
 * utilisation = used / capacity just after it, into a sliding window of the
 * last 50 samples.  At every write_commit, when the window holds 50 samples
 * and their mean is below 25 %, the capacity halves, but never below
 * min_capacity (default min(capacity, 1 KiB)) and never below what is
 * stored: a halving that would not hold the data waits.  Every resize
 * empties the window, so the next halving needs 50 operations at the new
 * capacity.  Capacity is not rounded: any value in range is used as given.
 *
 * A resize keeps every byte: the readable data is copied, in order, to the
 * start of a new array (counted in bytes_copied; each resize is one
 * allocation, counted in resizes and allocations).
 *
 * Threading.  One mutex guards the ring's state (array, start, fill level,
 * window) and is held only for the few instructions of each call, never
 * between reserve and commit or between view and release, so the producer's
 * copy into its spans and the consumer's copy out of its spans run in
 * parallel, as in a lock-free ring.  This is safe because:
 *  - the producer's spans cover only free space, and the consumer only ever
 *    makes more space free;
 *  - the consumer's spans cover only readable data, and the producer only
 *    ever appends;
 *  - resizes run only on the producer thread (make_room, write_commit),
 *    never with a reservation of its own open, so no producer
 *    span points into an old array.  Resizing on one thread also keeps the
 *    producer-side counters (resizes, bytes_copied, allocations) single-writer;
 *  - the consumer may still be reading an old array through its spans.  It
 *    holds at most two sets of spans: those of its open read_view (valid
 *    until read_release) and those the last view_at gave (sbuf.c's peek and
 *    find use them only until their next view_at, within one call, so any
 *    other consumer call also ends them).  The arrays they point into are
 *    "seen"; a resize frees the old array at once unless it is seen, and
 *    then retires it.  The consumer frees a retired array itself at its next
 *    call that stops seeing it.  The bytes it reads there are the same bytes
 *    the resize copied, and its release advances the new array's start.
 * So at most two arrays are retired at a time, and a resize that follows
 * another before the consumer moves on frees the intermediate array at once
 * (the consumer never saw it).  Nothing ever waits for the other side, so a
 * single thread may also interleave both roles freely.
 */
#include <pthread.h>

#include "sbuf_internal.h"

#define WINDOW 50
#define UTIL_ONE 65536u            /* a sample of 100 % */
#define UTIL_LOW (UTIL_ONE / 4)    /* halve below a mean of 25 % */
#define DEFAULT_MIN 1024u
#define DEFAULT_GROWTH 64u

struct adaptive {
    struct sbuf base;
    pthread_mutex_t mu;
    /* Guarded by mu. */
    uint8_t *data;
    size_t size;
    size_t start; /* offset of the first readable byte */
    size_t used;
    uint8_t *seen_view; /* the array of the open read_view, or NULL */
    uint8_t *seen_at;   /* the array of the last view_at's spans, or NULL */
    struct {
        uint8_t *p; /* an old array the consumer may still be reading, or NULL */
        size_t size;
    } retired[2];
    struct {
        uint32_t sample[WINDOW];
        unsigned pos;
        unsigned n;
        uint64_t sum;
    } win;
    /* Read-only after create. */
    size_t min_cap;
    size_t max_cap;
};

#define ADAPT(b) ((struct adaptive *)(b))

extern const struct sbuf_ops sbuf_adaptive_ops;

static int adaptive_limits(const struct sbuf_config *cfg, size_t *min_cap, size_t *max_cap)
{
    size_t cap = cfg->capacity;
    size_t lo = cfg->min_capacity;
    size_t hi = cfg->max_capacity;
    if (lo == 0)
        lo = cap < DEFAULT_MIN ? cap : DEFAULT_MIN;
    if (hi == 0)
        hi = cap > SBUF_MAX_CAPACITY / DEFAULT_GROWTH ? SBUF_MAX_CAPACITY : cap * DEFAULT_GROWTH;
    if (lo > cap || hi < cap || hi > SBUF_MAX_CAPACITY)
        return SBUF_ERANGE;
    *min_cap = lo;
    *max_cap = hi;
    return SBUF_OK;
}

static int adaptive_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    size_t lo, hi;
    int rc = adaptive_limits(cfg, &lo, &hi);
    if (rc)
        return rc;
    void *hdr;
    uint8_t *data;
    rc = sbuf__parts_create(cfg, sizeof(struct adaptive), cfg->capacity, &hdr, &data);
    if (rc)
        return rc;
    struct adaptive *a = hdr;
    sbuf_header_init(&a->base, &sbuf_adaptive_ops);
    memset((uint8_t *)a + sizeof(a->base), 0, sizeof(*a) - sizeof(a->base));
    if (pthread_mutex_init(&a->mu, NULL) != 0) {
        sbuf__parts_destroy(&a->base, sizeof(*a), data, cfg->capacity);
        return SBUF_ENOMEM;
    }
    a->data = data;
    a->size = cfg->capacity;
    a->min_cap = lo;
    a->max_cap = hi;
    sbuf__parts_created(&a->base, cfg);
    *out = &a->base;
    return SBUF_OK;
}

static void adaptive_destroy(struct sbuf *b)
{
    struct adaptive *a = ADAPT(b);
    for (int i = 0; i < 2; i++)
        if (a->retired[i].p)
            sbuf_mem_free(a->retired[i].p, a->retired[i].size);
    sbuf_mem_free(a->data, a->size);
    pthread_mutex_destroy(&a->mu);
    sbuf_mem_free(a, sizeof(*a));
}

/* ---- resizing (producer thread, mu held) ----------------------------- */

static void window_reset(struct adaptive *a)
{
    a->win.pos = 0;
    a->win.n = 0;
    a->win.sum = 0;
}

static void window_add(struct adaptive *a)
{
    uint32_t s = (uint32_t)(((uint64_t)a->used * UTIL_ONE) / a->size);
    if (a->win.n == WINDOW)
        a->win.sum -= a->win.sample[a->win.pos];
    else
        a->win.n++;
    a->win.sample[a->win.pos] = s;
    a->win.sum += s;
    a->win.pos = (a->win.pos + 1) % WINDOW;
}

static int consumer_sees(const struct adaptive *a, const uint8_t *p)
{
    return p == a->seen_view || p == a->seen_at;
}

/* Moves the data to a new array of newsize bytes; on ENOMEM nothing changes. */
static int resize_locked(struct adaptive *a, size_t newsize)
{
    uint8_t *fresh = sbuf_mem_alloc(&a->base, newsize, SBUF_CACHE_LINE);
    if (!fresh)
        return SBUF_ENOMEM;
    struct sbuf_span v[2];
    sbuf_ring_spans(a->data, a->size, a->start, a->used, v);
    sbuf_spans_copy_out(v, fresh, a->used);
    a->base.prod.bytes_copied += a->used;
    a->base.prod.resizes++;
    if (consumer_sees(a, a->data)) {
        /* The consumer may be reading it: it frees it when done (see top).
         * A slot is free: a retired array is seen and is not the current
         * one, so with the current one seen, at most one other is retired. */
        int i = a->retired[0].p ? 1 : 0;
        a->retired[i].p = a->data;
        a->retired[i].size = a->size;
    } else {
        sbuf_mem_free(a->data, a->size);
    }
    a->data = fresh;
    a->size = newsize;
    a->start = 0;
    window_reset(a);
    return SBUF_OK;
}

/* Doubles until want bytes fit or max_capacity is reached; returns the space. */
static size_t grow_locked(struct adaptive *a, size_t want)
{
    size_t target = a->size;
    while (target - a->used < want && target < a->max_cap)
        target = target > a->max_cap / 2 ? a->max_cap : target * 2;
    if (target != a->size)
        resize_locked(a, target); /* on ENOMEM the write simply gets less room */
    return a->size - a->used;
}

static void maybe_shrink_locked(struct adaptive *a)
{
    if (a->win.n < WINDOW || a->win.sum >= (uint64_t)WINDOW * UTIL_LOW)
        return;
    size_t target = a->size / 2;
    if (target < a->min_cap)
        target = a->min_cap;
    if (target < a->size && target >= a->used)
        resize_locked(a, target);
}

/* ---- the zero-copy core ---------------------------------------------- */

/* Position of byte offset `at` of the readable data, without a modulo. */
static inline size_t pos_of(const struct adaptive *a, size_t at)
{
    size_t p = a->start + at;
    return p >= a->size ? p - a->size : p;
}

static size_t adaptive_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    struct adaptive *a = ADAPT(b);
    pthread_mutex_lock(&a->mu);
    size_t n = sbuf_ring_spans(a->data, a->size, pos_of(a, a->used), a->size - a->used, v);
    pthread_mutex_unlock(&a->mu);
    return n;
}

static void adaptive_write_commit(struct sbuf *b, size_t n)
{
    struct adaptive *a = ADAPT(b);
    pthread_mutex_lock(&a->mu);
    if (n) {
        a->used += n;
        sbuf_note_level(b, a->used);
        window_add(a);
        maybe_shrink_locked(a);
    }
    pthread_mutex_unlock(&a->mu);
}

/* Consumer, after it changed what it sees: frees retired arrays it left. */
static void drop_unseen_locked(struct adaptive *a)
{
    for (int i = 0; i < 2; i++) {
        if (a->retired[i].p && !consumer_sees(a, a->retired[i].p)) {
            sbuf_mem_free(a->retired[i].p, a->retired[i].size);
            a->retired[i].p = NULL;
        }
    }
}

static size_t view_locked(struct adaptive *a, size_t offset, struct sbuf_span v[2])
{
    size_t n = offset < a->used ? a->used - offset : 0;
    /* n == 0 still fills the spans: empty, and in bounds. */
    return sbuf_ring_spans(a->data, a->size, n ? pos_of(a, offset) : 0, n, v);
}

static size_t adaptive_view_at(struct sbuf *b, size_t offset, struct sbuf_span v[2])
{
    struct adaptive *a = ADAPT(b);
    pthread_mutex_lock(&a->mu);
    /* The last view_at's spans are dead: its caller asks for new ones. */
    a->seen_at = a->data;
    drop_unseen_locked(a);
    size_t n = view_locked(a, offset, v);
    pthread_mutex_unlock(&a->mu);
    return n;
}

static size_t adaptive_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    struct adaptive *a = ADAPT(b);
    pthread_mutex_lock(&a->mu);
    /* By the pairing rule no other read_view is open; no peek or find is
     * running either (see top), so view_at's spans are dead too. */
    a->seen_view = a->data;
    a->seen_at = NULL;
    drop_unseen_locked(a);
    size_t n = view_locked(a, 0, v);
    pthread_mutex_unlock(&a->mu);
    return n;
}

static void adaptive_read_release(struct sbuf *b, size_t n)
{
    struct adaptive *a = ADAPT(b);
    pthread_mutex_lock(&a->mu);
    if (n) {
        a->start = pos_of(a, n);
        a->used -= n;
        window_add(a);
    }
    /* The view is closed: its array may be freed or replaced from now on. */
    a->seen_view = NULL;
    a->seen_at = NULL;
    drop_unseen_locked(a);
    pthread_mutex_unlock(&a->mu);
}

static size_t adaptive_make_room(struct sbuf *b, size_t want)
{
    struct adaptive *a = ADAPT(b);
    pthread_mutex_lock(&a->mu);
    size_t space = grow_locked(a, want);
    pthread_mutex_unlock(&a->mu);
    return space;
}

static size_t adaptive_used(struct sbuf *b)
{
    struct adaptive *a = ADAPT(b);
    pthread_mutex_lock(&a->mu);
    size_t n = a->used;
    pthread_mutex_unlock(&a->mu);
    return n;
}

static size_t adaptive_capacity(struct sbuf *b)
{
    struct adaptive *a = ADAPT(b);
    pthread_mutex_lock(&a->mu);
    size_t n = a->size;
    pthread_mutex_unlock(&a->mu);
    return n;
}

const struct sbuf_ops sbuf_adaptive_ops = {
    .abi = SBUF_ABI_VERSION,
    .name = "adaptive",
    .summary = "ring that doubles when a write does not fit and halves when mean use < 25 %",
    .caps = SBUF_CAP_GROWS,
    .create = adaptive_create,
    .destroy = adaptive_destroy,
    .write_reserve = adaptive_write_reserve,
    .write_commit = adaptive_write_commit,
    .read_view = adaptive_read_view,
    .read_release = adaptive_read_release,
    .used = adaptive_used,
    .capacity = adaptive_capacity,
    .view_at = adaptive_view_at,
    .make_room = adaptive_make_room,
};
