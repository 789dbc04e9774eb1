/*
 * sbuf.h - the byte-stream buffer interface every strategy implements.
 *
 * A strategy provides a zero-copy core of four calls: write_reserve and
 * write_commit on the producer side, read_view and read_release on the
 * consumer side.  The copying calls (write, read, peek, readline, clear) are
 * written once, here, on top of that core; a strategy may supply a faster
 * path for some of them through its ops table.
 *
 * Threading: every strategy is safe for one producer thread and one consumer
 * thread at a time.  Strategies with SBUF_CAP_MULTI_PRODUCER are also safe
 * for several producers.  Producer calls: write_reserve, write_reserve_min,
 * write_commit, write, write_all.
 * Consumer calls: read_view, read_release, read, peek, readline, clear.
 * sbuf_stats and sbuf_used are exact when the buffer is quiescent; while both
 * sides run they are a snapshot that may be stale by one operation.
 *
 * Pairing rule: every write_reserve is closed by exactly one write_commit
 * (commit 0 bytes to abandon it), and every read_view by exactly one
 * read_release (release 0 to keep the data).  A multi-producer strategy holds
 * its producer lock between the two, and the spans are only valid between them.
 *
 * Errors: functions that can fail return SBUF_OK (0) or a negative SBUF_E*
 * code; sbuf_strerror() names it.  Calls that move bytes return a count.
 */
#ifndef SBUF_SBUF_H
#define SBUF_SBUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sbuf_error {
    SBUF_OK = 0,
    SBUF_EINVAL = -1,     /* a NULL or out-of-range argument */
    SBUF_ENOMEM = -2,     /* the allocation hook returned NULL */
    SBUF_ERANGE = -3,     /* a size the strategy cannot honour */
    SBUF_EIO = -4,        /* a system call failed; errno says which */
    SBUF_EFORMAT = -5,    /* a backing file that is truncated or not ours */
    SBUF_EDOUBLE = -6,    /* a pool block put back twice */
    SBUF_EFOREIGN = -7,   /* a block the pool does not own */
    SBUF_ENOTSUP = -8,    /* the strategy cannot do this (e.g. static storage) */
    SBUF_ENOENT = -9,     /* no strategy or pool by that name */
    SBUF_EEXHAUSTED = -10,/* a refusing pool is empty */
    SBUF_EAGAIN = -11,    /* readline: no complete line yet */
    SBUF_EABI = -12,      /* an ops table built for another SBUF_ABI_VERSION */
    SBUF_EEXIST = -13,    /* a strategy by that name is already registered */
    SBUF_ENOLIB = -14,    /* a plugin needs a shared library this system lacks */
};
/* The last code: sbuf_strerror knows every one from SBUF_OK down to it. */
#define SBUF_ELAST SBUF_ENOLIB

/* A short, stable description of an SBUF_E* code ("unknown error" otherwise). */
const char *sbuf_strerror(int err);

/* One contiguous piece of buffer memory. */
struct sbuf_span {
    uint8_t *p;
    size_t n;
};

/* Capability flags, as listed by the registry. */
enum sbuf_caps {
    SBUF_CAP_CONTIGUOUS = 1u << 0,     /* every view and reservation is one span */
    SBUF_CAP_GROWS = 1u << 1,          /* capacity changes at run time */
    SBUF_CAP_NEEDS_MMU = 1u << 2,      /* uses mmap: not for an MCU */
    SBUF_CAP_MULTI_PRODUCER = 1u << 3, /* several producer threads are safe */
    SBUF_CAP_PERSISTENT = 1u << 4,     /* contents survive close and reopen */
    SBUF_CAP_STATIC = 1u << 5,         /* can live in caller storage, no heap */
};

/* What chunks does when its block pool is empty. */
enum sbuf_exhaust {
    SBUF_EXHAUST_FALLBACK = 0, /* count a miss, take the block from the allocator */
    SBUF_EXHAUST_REFUSE = 1,   /* count a miss, accept no more bytes */
};

/*
 * Creation parameters.  Zero means "the strategy's default" for every field
 * but capacity.  A strategy that must round capacity (a power of two, whole
 * pages, whole blocks) rounds up and reports the real value in
 * sbuf_capacity() and sbuf_stats.capacity.
 */
struct sbuf_config {
    size_t capacity;      /* bytes; 1 .. SBUF_MAX_CAPACITY */
    size_t min_capacity;  /* adaptive: never shrink below (default min(capacity, 1 KiB)) */
    size_t max_capacity;  /* adaptive: never grow past (default 64 x capacity, capped) */
    size_t block_size;    /* chunks: bytes per block (default 4 KiB, capped to capacity) */
    int on_exhaust;       /* chunks: enum sbuf_exhaust */
    const char *path;     /* mmap_log: backing file; NULL = private file removed on destroy */
    void *storage;        /* SBUF_CAP_STATIC: caller memory for buffer and header, or NULL */
    size_t storage_size;  /* its size: at least sbuf_storage_size() */
};

#define SBUF_MAX_CAPACITY ((size_t)1 << 30) /* 1 GiB: anything larger is refused */

/* Counters every buffer keeps. */
struct sbuf_stats {
    size_t capacity;        /* current capacity in bytes */
    size_t used;            /* bytes readable now */
    size_t peak_used;       /* the most bytes ever readable at once */
    uint64_t bytes_in;      /* bytes committed by producers */
    uint64_t bytes_out;     /* bytes released by the consumer */
    uint64_t bytes_discarded; /* bytes dropped by sbuf_clear */
    uint64_t overflows;     /* writes that did not fully fit */
    uint64_t underruns;     /* reads and views that found the buffer empty */
    uint64_t resizes;       /* capacity changes (adaptive) */
    uint64_t bytes_copied;  /* bytes moved inside the buffer (resizes, linearising) */
    uint64_t allocations;   /* allocations made for this buffer: hook calls, plus a
                               packaged peer's own mallocs, which it counts itself */
};

struct sbuf;

/*
 * The version of the strategy ABI: the layout of struct sbuf_ops and of the
 * header a strategy embeds (struct sbuf, sbuf/strategy.h), and the contract
 * of their calls.  Bumped whenever any of those changes, so that a strategy
 * compiled against other headers (a plugin loaded with dlopen) is refused
 * with SBUF_EABI instead of being called through the wrong offsets.
 * sbuf_abi_version() is the value libsbuf itself was built with.
 */
#define SBUF_ABI_VERSION 1u
unsigned sbuf_abi_version(void);

/*
 * A strategy's ops table.  The registry holds one per strategy; a program may
 * also pass its own to sbuf_create_ops().  Optional members may be NULL.
 * Writing one: sbuf/strategy.h.
 */
struct sbuf_ops {
    /*
     * SBUF_ABI_VERSION as the table's author compiled it.  The first member
     * in every version, so that any libsbuf can read it before trusting the
     * rest of the layout.  Built-in tables set it with a designated
     * initializer (.abi = SBUF_ABI_VERSION); so must every other:
     * sbuf_registry_add refuses anything else with SBUF_EABI.
     * sbuf_create_ops refuses another version too, but lets 0 through: a
     * table compiled against these very headers that never set the field
     * (an older or newer table cannot read 0 here).
     */
    unsigned abi;
    const char *name;    /* registry key, e.g. "ring_spsc" */
    const char *summary; /* one line for `serbench list` */
    unsigned caps;       /* enum sbuf_caps */

    int (*create)(const struct sbuf_config *cfg, struct sbuf **out);
    void (*destroy)(struct sbuf *b);
    /* SBUF_CAP_STATIC only: bytes of caller storage cfg needs. */
    size_t (*storage_size)(const struct sbuf_config *cfg);

    size_t (*write_reserve)(struct sbuf *b, struct sbuf_span v[2]);
    void (*write_commit)(struct sbuf *b, size_t n);
    size_t (*read_view)(struct sbuf *b, struct sbuf_span v[2]);
    void (*read_release)(struct sbuf *b, size_t n);
    size_t (*used)(struct sbuf *b);
    size_t (*capacity)(struct sbuf *b);
    /*
     * Optional: bytes a write could take now, for strategies where that is
     * less than capacity - used (bip: the tail it skips, one byte kept free).
     * sbuf_space, sbuf_full and write_all use it; NULL means capacity - used.
     */
    size_t (*space)(struct sbuf *b);

    /* Multi-producer strategies: taken around reserve..commit and write. */
    void (*producer_lock)(struct sbuf *b);
    void (*producer_unlock)(struct sbuf *b);

    /*
     * Strategies whose read_view may show less than all readable data (chunks
     * shows two blocks) provide view_at: the readable bytes from offset on,
     * in up to two spans.  peek, find and readline walk the data with it.
     */
    size_t (*view_at)(struct sbuf *b, size_t offset, struct sbuf_span v[2]);
    /*
     * Growing strategies: try to make at least want bytes writable; returns
     * the space now.  Called by write and write_all when a write does not fit.
     */
    size_t (*make_room)(struct sbuf *b, size_t want);
    /*
     * Optional: write_reserve, but only if the spans can hold at least n
     * bytes (n >= 1): then it returns their total, >= n, and a write_commit
     * follows; otherwise it returns 0 with nothing reserved and nothing
     * changed, and no commit follows.  A strategy provides it when it can
     * decide more cheaply than a full reservation would (ring_spsc checks
     * its cached copy of the consumer's index first and reloads the real
     * one only when the cache says n does not fit).  NULL: the generic
     * version reserves and abandons the reservation when it is too small.
     * It never grows the buffer.  sbuf_write_all uses it, when present, to
     * decide, and then copies through the strategy's write if it has one.
     */
    size_t (*write_reserve_min)(struct sbuf *b, size_t n, struct sbuf_span v[2]);

    /* Optional faster paths; NULL uses the generic version over the core. */
    size_t (*write)(struct sbuf *b, const void *src, size_t n);
    size_t (*read)(struct sbuf *b, void *dst, size_t n);
    void (*clear)(struct sbuf *b);
};

/* Create by registry name (see registry.h) or by ops table; *out on success.
 * A table built for another SBUF_ABI_VERSION is SBUF_EABI (see abi above). */
int sbuf_create(const char *name, const struct sbuf_config *cfg, struct sbuf **out);
int sbuf_create_ops(const struct sbuf_ops *ops, const struct sbuf_config *cfg,
                    struct sbuf **out);
/* Bytes of caller storage a static create needs, or 0 if ops cannot do it. */
size_t sbuf_storage_size(const struct sbuf_ops *ops, const struct sbuf_config *cfg);
void sbuf_destroy(struct sbuf *b); /* NULL is a no-op */

const struct sbuf_ops *sbuf_ops_of(const struct sbuf *b);
const char *sbuf_name(const struct sbuf *b);

/* The zero-copy core.  Return the total bytes over the spans filled in. */
size_t sbuf_write_reserve(struct sbuf *b, struct sbuf_span v[2]);
void sbuf_write_commit(struct sbuf *b, size_t n);
size_t sbuf_read_view(struct sbuf *b, struct sbuf_span v[2]);
void sbuf_read_release(struct sbuf *b, size_t n);

/*
 * All or nothing, zero-copy: when at least n bytes (n >= 1) can be reserved,
 * fills the spans as sbuf_write_reserve does and returns their total (>= n),
 * and the reservation is closed by sbuf_write_commit as usual.  Otherwise
 * returns 0 with v zeroed and NOTHING open: no commit follows (for a
 * multi-producer strategy, the producer lock is not held), no counter moves
 * (a refusal is not an overflow), the buffer is not grown.  n == 0 or a NULL
 * argument returns 0 the same way.
 *
 * "Can be reserved" is about the total of the spans: on a buffer the
 * consumer leaves alone, every n <= sbuf_space() is accepted, unless one
 * reservation cannot hold all of the space: with SBUF_CAP_CONTIGUOUS the
 * reservation is one span, so n must fit the largest contiguous free span
 * (bip: the span at its write position or the one at offset 0, whichever is
 * larger, and bip may therefore refuse an n <= sbuf_space(); sbuf_write_all
 * then copies in two pieces); chunks offers the free tail of its current
 * block and one more block.  Every n above the space is refused.
 */
size_t sbuf_write_reserve_min(struct sbuf *b, size_t n, struct sbuf_span v[2]);

/* Copies n bytes in, or as many as fit; returns the count (overflow if short). */
size_t sbuf_write(struct sbuf *b, const void *src, size_t n);
/* All or nothing: copies all n bytes and returns n, or copies none and
 * returns 0 (an overflow).  Messages are never torn. */
size_t sbuf_write_all(struct sbuf *b, const void *src, size_t n);
/* Copies out up to n readable bytes and consumes them; returns the count. */
size_t sbuf_read(struct sbuf *b, void *dst, size_t n);
/* As sbuf_read, but leaves the bytes in the buffer. */
size_t sbuf_peek(struct sbuf *b, void *dst, size_t n);
/*
 * Reads one line ending with the delimiter (any length >= 1, found across the
 * wrap point), delimiter included.  SBUF_OK: *len bytes copied to dst and
 * consumed.  SBUF_EAGAIN: no complete line yet, nothing consumed.
 * SBUF_ERANGE: the line is longer than cap, nothing consumed, *len is the
 * size it needs.  SBUF_EINVAL: a NULL argument or an empty delimiter.
 */
int sbuf_readline(struct sbuf *b, void *dst, size_t cap, const void *delim,
                  size_t dlen, size_t *len);
/* Offset of the first delimiter's end (line length), or 0 if none yet. */
size_t sbuf_find(struct sbuf *b, const void *delim, size_t dlen);
/* Discards every readable byte (consumer side); counted as bytes_discarded. */
void sbuf_clear(struct sbuf *b);

size_t sbuf_used(struct sbuf *b);
size_t sbuf_capacity(struct sbuf *b);
size_t sbuf_space(struct sbuf *b);
int sbuf_empty(struct sbuf *b);
int sbuf_full(struct sbuf *b);
int sbuf_stats(struct sbuf *b, struct sbuf_stats *out);

/*
 * The allocation hook: every allocation inside libsbuf goes through it, so
 * it can be counted (the micro benchmarks report allocations per iteration).
 * NULL restores the default (aligned_alloc/free; none in a freestanding build).
 */
struct sbuf_allocator {
    void *(*alloc)(void *ctx, size_t size, size_t align);
    void (*free)(void *ctx, void *p, size_t size);
    void *ctx;
};
void sbuf_set_allocator(const struct sbuf_allocator *a);
/* Process-wide count of successful allocations made through the hook. */
uint64_t sbuf_allocation_count(void);

#ifdef __cplusplus
}
#endif
#endif
