/*
 * jack.c - the packaged peer: JACK's lock-free ring buffer (libjack-jackd2-dev,
 * <jack/ringbuffer.h>) behind the sbuf interface.
 *
 * JACK's ring is a widely deployed SPSC byte ring (every JACK client uses it
 * to move audio and MIDI between threads), so measuring it in the same runs
 * as ours tells whether our rings are competitive with what people already
 * use.  It is wrapped, not reimplemented: every index operation is JACK's own.
 *
 * The mapping is direct: get_write_vector/write_advance are the reservation
 * and its commit, get_read_vector/read_advance the view and its release,
 * each up to two spans.  The copying write and read stay on the generic
 * layer over those calls instead of jack_ringbuffer_write/read: the copy
 * work is identical (two memcpys), and only the vector form lets the
 * ThreadSanitizer annotations below sit between the copy and the index update.
 * jack_ringbuffer_reset is not used for clear: it moves both indices and is
 * not safe while a producer runs; the generic clear releases what it views.
 *
 * Capacity: JACK rounds the size it is given up to a power of two (at least
 * 2) and keeps one byte empty to tell full from empty.  We ask for
 * capacity + 1, so the usable capacity is at least what was asked, and report
 * the real usable size (size - 1): 4096 asked gives 8191.  JACK computes the
 * power of two in an int, so a size above 2^30 would overflow inside it;
 * capacities of 2^30 and up are refused with SBUF_ERANGE.
 *
 * Allocations: the wrapper header comes from the allocation hook.  JACK's
 * create calls malloc itself, twice (its struct and its data array); those
 * bypass the hook (they are not in sbuf_allocation_count) but are counted in
 * this buffer's stats.allocations, so it compares with our strategies.
 *
 * Memory ordering is JACK's: its indices are volatile size_t with no fences
 * in the Debian build (1.9.21), which is correct on x86's total store order
 * but not guaranteed on weaker CPUs.  We measure it as shipped.
 */
#include <jack/ringbuffer.h>

#include "../sbuf_internal.h"

/*
 * ThreadSanitizer cannot see the synchronisation inside libjack (it is not
 * instrumented), yet it does see the memcpys into and out of the ring, and
 * would report every one as a race.  The annotations state the same
 * happens-before edges JACK's index updates provide: release before the
 * index moves, acquire after the other side's index is read.
 */
#if defined(__SANITIZE_THREAD__)
#define JACK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define JACK_TSAN 1
#endif
#endif
#ifdef JACK_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define tsan_acquire(p) __tsan_acquire((void *)(p))
#define tsan_release(p) __tsan_release((void *)(p))
#else
#define tsan_acquire(p) ((void)(p))
#define tsan_release(p) ((void)(p))
#endif

/* JACK's create computes 1 << n in an int: sizes past 2^30 overflow it. */
#define JACK_MAX_CAPACITY (((size_t)1 << 30) - 1)

struct jack_buf {
    struct sbuf base;
    jack_ringbuffer_t *rb;
};

#define JBUF(b) ((struct jack_buf *)(b))

extern const struct sbuf_ops sbuf_jack_ops;

static int jack_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    if (cfg->capacity > JACK_MAX_CAPACITY)
        return SBUF_ERANGE;
    struct jack_buf *j = sbuf_mem_alloc(NULL, sizeof(*j), SBUF_CACHE_LINE);
    if (!j)
        return SBUF_ENOMEM;
    jack_ringbuffer_t *rb = jack_ringbuffer_create(cfg->capacity + 1);
    if (!rb) {
        sbuf_mem_free(j, sizeof(*j));
        return SBUF_ENOMEM;
    }
    sbuf_header_init(&j->base, &sbuf_jack_ops);
    j->rb = rb;
    /* Our header through the hook, plus JACK's own two mallocs. */
    j->base.prod.allocations = 3;
    *out = &j->base;
    return SBUF_OK;
}

static void jack_destroy(struct sbuf *b)
{
    struct jack_buf *j = JBUF(b);
    jack_ringbuffer_free(j->rb);
    sbuf_mem_free(j, sizeof(*j));
}

static size_t vector_spans(const jack_ringbuffer_data_t d[2], struct sbuf_span v[2])
{
    for (int i = 0; i < 2; i++) {
        v[i].p = d[i].len ? (uint8_t *)d[i].buf : NULL;
        v[i].n = d[i].len;
    }
    return v[0].n + v[1].n;
}

static size_t jack_write_reserve(struct sbuf *b, struct sbuf_span v[2])
{
    jack_ringbuffer_t *rb = JBUF(b)->rb;
    jack_ringbuffer_data_t d[2];
    jack_ringbuffer_get_write_vector(rb, d);
    /* The consumer's reads of the space we were just given are done. */
    tsan_acquire(&rb->read_ptr);
    return vector_spans(d, v);
}

static void jack_write_commit(struct sbuf *b, size_t n)
{
    jack_ringbuffer_t *rb = JBUF(b)->rb;
    if (n == 0)
        return;
    /* Our bytes are written before the index that publishes them moves. */
    tsan_release(&rb->write_ptr);
    jack_ringbuffer_write_advance(rb, n);
    /* The consumer can only lower the level meanwhile: exact or a bound it
     * has already passed, as in ring_spsc. */
    sbuf_note_level(b, jack_ringbuffer_read_space(rb));
}

static size_t jack_read_view(struct sbuf *b, struct sbuf_span v[2])
{
    jack_ringbuffer_t *rb = JBUF(b)->rb;
    jack_ringbuffer_data_t d[2];
    jack_ringbuffer_get_read_vector(rb, d);
    /* The producer's bytes in the view are visible to us. */
    tsan_acquire(&rb->write_ptr);
    return vector_spans(d, v);
}

static void jack_read_release(struct sbuf *b, size_t n)
{
    jack_ringbuffer_t *rb = JBUF(b)->rb;
    if (n == 0)
        return;
    /* Our reads are done before the producer may reuse the bytes. */
    tsan_release(&rb->read_ptr);
    jack_ringbuffer_read_advance(rb, n);
}

static size_t jack_used(struct sbuf *b)
{
    return jack_ringbuffer_read_space(JBUF(b)->rb);
}

static size_t jack_capacity(struct sbuf *b)
{
    return JBUF(b)->rb->size - 1; /* JACK keeps one byte empty */
}

const struct sbuf_ops sbuf_jack_ops = {
    .abi = SBUF_ABI_VERSION,
    .name = "jack",
    .summary = "packaged peer: JACK's lock-free SPSC ring (libjack-jackd2), wrapped",
    .caps = 0,
    .create = jack_create,
    .destroy = jack_destroy,
    .write_reserve = jack_write_reserve,
    .write_commit = jack_write_commit,
    .read_view = jack_read_view,
    .read_release = jack_read_release,
    .used = jack_used,
    .capacity = jack_capacity,
};
