/*
 * pool_local.c - fixed-size blocks for one thread: pool_fixed's layout and
 * checks without a single atomic instruction.
 *
 * Threading: get and put from one thread, or from several that take turns
 * under the caller's own lock (SBUF_POOL_CAP_ONE_THREAD).  That is the
 * common case (a parser takes a frame buffer, works in it, gives it back)
 * and it is where glibc's per-thread cache beats pool_fixed, whose put must
 * stay correct against concurrent putters (locked instructions: about 5 ns
 * each here).
 *
 * Memory: as pool_fixed (one region: header, a state byte per block, the
 * slab of blocks each on its own cache line; from the allocation hook or
 * from cfg->storage with no heap).
 *
 * Free blocks: a LIFO stack linked through the free blocks, whose top is
 * kept unlinked in the header (top).  get takes top if there is one, else
 * pops the list; put links the old top into the list and makes the block the
 * new top.  The order is a plain LIFO's (the block just put is the next one
 * got, still warm in cache); what the split buys is a short dependency chain
 * in the get/put/get/put pattern: put stores the block's address into top
 * and the next get loads it back, one store-to-load forward per pair, where
 * a linked pop also loads top->next (two forwards), as glibc's tcache does.
 *
 * Checks, none of them atomic:
 *   foreign  i = (p - slab) / stride, computed as an exact division (a
 *            multiply by the inverse of stride's odd part and a rotate, so
 *            no divide instruction): i < blocks holds exactly when p is a
 *            block boundary inside the slab.  Anything else inside the slab
 *            is SBUF_EFOREIGN; outside it, the fallback set decides.
 *   double   a state byte per block, FREE or OUT.  A block in the list is
 *            FREE; top stays OUT until the next put links it into the list
 *            (so get from top writes nothing but top), and put refuses a
 *            block that is FREE or is top.  Bytes, not a bitmap: a bit would
 *            be read, modified and written by both get and put (its word a
 *            second chain through memory); a byte is only written with a
 *            constant and read for a branch the CPU predicts.
 * A refused put changes nothing but the errors counter.
 *
 * Counters are plain size_t, and the get/put/get/put path bumps one: put
 * counts tops (puts of pool blocks, each made top).  Every top is then
 * taken by a get, linked into the list untaken (unlinked), or still top,
 * so gets from top = tops - unlinked - (top set), and gets from the list
 * (pops) are counted on that slower path.  Blocks of the slab out = pops -
 * unlinked - (top set), exact; fallback blocks add fallbacks -
 * fallback_puts.  The peak is raised where a get is served with top empty
 * (local_get says why taking top cannot raise it).
 *
 * Builds freestanding for the nRF52840 (caller storage, no heap).
 */
#include "pool_internal.h"

/* Slow paths out of line: the fast get and put then need no callee-saved
 * register, so no push and pop around them. */
#if defined(__GNUC__)
#define SBUF__NOINLINE __attribute__((noinline))
#else
#define SBUF__NOINLINE
#endif

enum { BLOCK_FREE = 0, BLOCK_OUT = 1 };

struct local_node {
    struct local_node *next;
};

struct pool_local {
    struct sbuf_pool base;
    uint8_t *slab;
    uintptr_t inv;      /* inverse of stride's odd part, mod 2^N */
    unsigned shift;     /* stride = odd part << shift */
    size_t blocks;
    size_t block_size;
    size_t stride;
    size_t slab_bytes;
    unsigned char *state; /* one byte per block */
    struct local_node *top;  /* the most recently put block, OUT; or NULL */
    struct local_node *list; /* the other free blocks, FREE */
    /* Counters (see above); the other stats derive from them. */
    size_t pops;     /* gets served from the list */
    size_t tops;     /* puts of pool blocks: each made its block top */
    size_t unlinked; /* tops linked into the list before a get took them */
    size_t fallbacks, fallback_puts, misses, errors, peak;
    int on_exhaust;
    void *region; /* what create allocated (NULL in caller storage) */
    size_t region_size;
    struct sbuf__fallback fallback;
};

#define LOCAL(p) ((struct pool_local *)(p))

extern const struct sbuf_pool_ops sbuf_pool_local_ops;

static size_t align_up(size_t x, size_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Header and state bytes, then the slab on a cache line; 0 when cfg cannot
 * be honoured (as pool_fixed: the slab is at most SBUF_MAX_CAPACITY). */
static size_t local_layout(const struct sbuf_pool_config *cfg, size_t *stride, size_t *slab_off)
{
    if (cfg->block_size == 0 || cfg->block_size > SBUF_MAX_CAPACITY || cfg->blocks == 0)
        return 0;
    size_t st = align_up(cfg->block_size, SBUF__POOL_ALIGN);
    if (cfg->blocks > SBUF_MAX_CAPACITY / st)
        return 0;
    size_t off = align_up(sizeof(struct pool_local) + cfg->blocks, SBUF__POOL_ALIGN);
    if (stride)
        *stride = st;
    if (slab_off)
        *slab_off = off;
    return off + cfg->blocks * st;
}

static size_t local_storage_size(const struct sbuf_pool_config *cfg)
{
    size_t region = local_layout(cfg, NULL, NULL);
    /* slack to move an arbitrary caller pointer onto a cache line */
    return region ? region + SBUF__POOL_ALIGN - 1 : 0;
}

#define UINTPTR_BITS (sizeof(uintptr_t) * 8)

static inline uintptr_t rotr(uintptr_t x, unsigned k)
{
    /* k < UINTPTR_BITS; (-k) & (bits - 1) keeps the left shift defined at k = 0. */
    return (x >> k) | (x << ((0u - k) & (UINTPTR_BITS - 1)));
}

/*
 * Index of block p, or a value >= blocks when p is no block boundary of the
 * slab.  With stride = d << k, d odd, and inv = d^-1 mod 2^N: for x = j *
 * stride, x * inv = j << k and the rotate gives j; an x that is not a
 * multiple of 2^k keeps low bits that the rotate moves to the top; a
 * multiple of 2^k but not of d lands above (2^(N-k) - 1) / d, the largest
 * quotient (multiplying by inv maps the multiples of d onto 0..that bound,
 * one to one).  Both exceed blocks, since blocks * stride <=
 * SBUF_MAX_CAPACITY < 2^N - 2^k.  A multiple of stride past the slab gives
 * j >= blocks, and a pointer below the slab wraps to a huge x, caught the
 * same way.
 */
static inline uintptr_t block_index(const struct pool_local *l, const void *p)
{
    uintptr_t x = (uintptr_t)p - (uintptr_t)l->slab;
    return rotr(x * l->inv, l->shift);
}

static struct pool_local *local_init(uint8_t *region, const struct sbuf_pool_config *cfg,
                                     size_t stride, size_t slab_off)
{
    struct pool_local *l = (struct pool_local *)region;
    memset(l, 0, sizeof(*l));
    l->base.ops = &sbuf_pool_local_ops;
    l->slab = region + slab_off;
    l->stride = stride;
    l->block_size = cfg->block_size;
    l->blocks = cfg->blocks;
    l->slab_bytes = cfg->blocks * stride;
    l->on_exhaust = cfg->on_exhaust;
    unsigned k = 0;
    uintptr_t d = stride;
    while (!(d & 1)) {
        d >>= 1;
        k++;
    }
    /* Newton's iteration for d^-1 mod 2^N: d is right to 3 bits (d * d = 1
     * mod 8 for odd d), each step doubles the bits; 5 steps reach 96. */
    uintptr_t inv = d;
    for (int i = 0; i < 5; i++)
        inv *= 2 - d * inv;
    l->inv = inv;
    l->shift = k;
    l->state = region + sizeof(*l);
    /* Every block free, in the list in address order (a fresh pool hands
     * out ascending addresses, as pool_fixed does). */
    for (size_t i = 0; i < l->blocks; i++) {
        l->state[i] = BLOCK_FREE;
        struct local_node *n = (struct local_node *)(l->slab + i * stride);
        n->next = i + 1 < l->blocks ? (struct local_node *)(l->slab + (i + 1) * stride) : NULL;
    }
    l->list = (struct local_node *)l->slab;
    l->top = NULL;
    sbuf__fallback_init(&l->fallback);
    return l;
}

static int local_create(const struct sbuf_pool_config *cfg, struct sbuf_pool **out)
{
    size_t stride, slab_off;
    size_t region_size = local_layout(cfg, &stride, &slab_off);
    if (region_size == 0)
        return SBUF_ERANGE;
    if (cfg->storage) {
        uint8_t *at = sbuf__align_up(cfg->storage, SBUF__POOL_ALIGN);
        struct pool_local *l = local_init(at, cfg, stride, slab_off);
        l->base.static_storage = 1;
        *out = &l->base;
        return SBUF_OK;
    }
    uint8_t *region = sbuf_mem_alloc(NULL, region_size, SBUF__POOL_ALIGN);
    if (!region)
        return SBUF_ENOMEM;
    struct pool_local *l = local_init(region, cfg, stride, slab_off);
    l->region = region;
    l->region_size = region_size;
    *out = &l->base;
    return SBUF_OK;
}

static void local_destroy(struct sbuf_pool *p)
{
    struct pool_local *l = LOCAL(p);
    sbuf__fallback_fini(&l->fallback);
    if (!l->base.static_storage)
        sbuf_mem_free(l->region, l->region_size);
}

/* Blocks out now, fallback blocks included.  Exact: see the counters. */
static inline size_t local_in_use(const struct pool_local *l)
{
    return l->pops - l->unlinked - (l->top != NULL) + l->fallbacks - l->fallback_puts;
}

/* After a get served with top empty (from the list, or a fallback). */
static inline void note_level(struct pool_local *l)
{
    size_t in_use = local_in_use(l);
    if (in_use > l->peak)
        l->peak = in_use;
}

/* The top block joins the list, untaken, and becomes FREE. */
static inline void link_top(struct pool_local *l)
{
    struct local_node *old = l->top;
    old->next = l->list;
    l->list = old;
    l->state[block_index(l, old)] = BLOCK_FREE;
    l->unlinked++;
}

/* A get the blocks cannot serve: too large, or none free. */
static SBUF__NOINLINE void *local_miss(struct pool_local *l, size_t size)
{
    l->misses++;
    void *b = NULL;
    if (l->on_exhaust == SBUF_EXHAUST_FALLBACK)
        b = sbuf__fallback_get(&l->fallback, size);
    if (b) {
        /* in_use rises without top being taken: unlink top, so that the
         * next get from top comes right after a put (see local_get). */
        if (l->top) {
            link_top(l);
            l->top = NULL;
        }
        l->fallbacks++;
        note_level(l);
    }
    return b;
}

/* A get from the list: top is empty. */
static SBUF__NOINLINE void *local_pop(struct pool_local *l, size_t size)
{
    struct local_node *n = l->list;
    if (!n)
        return local_miss(l, size);
    l->list = n->next;
    l->state[block_index(l, n)] = BLOCK_OUT;
    l->pops++;
    note_level(l);
    return n;
}

/*
 * The fast path writes top and nothing else: no counter (a get from top is
 * counted as tops - unlinked - (top != NULL)) and no peak check.  top is
 * set only by a put, and the next served get takes it or (a fallback)
 * unlinks it, so in_use after taking top equals in_use before that put,
 * which never exceeds the peak (in_use rises only at gets, which check).
 */
static void *local_get(struct sbuf_pool *p, size_t size)
{
    struct pool_local *l = LOCAL(p);
    struct local_node *n = l->top;
    if (size > l->block_size)
        return local_miss(l, size);
    if (!n)
        return local_pop(l, size);
    l->top = NULL; /* already OUT: see the state bytes above */
    return n;
}

static SBUF__NOINLINE int local_refuse(struct pool_local *l, int rc)
{
    l->errors++;
    return rc;
}

/* A put of no block of the slab: off a boundary inside it, or outside it
 * (a fallback block, or foreign). */
static SBUF__NOINLINE int local_put_other(struct pool_local *l, void *block)
{
    if ((uintptr_t)block - (uintptr_t)l->slab < l->slab_bytes)
        return local_refuse(l, SBUF_EFOREIGN);
    int rc = sbuf__fallback_put(&l->fallback, block);
    if (rc)
        return local_refuse(l, rc);
    l->fallback_puts++;
    return SBUF_OK;
}

/* A put while top is taken: the old top joins the list. */
static SBUF__NOINLINE int local_put_link(struct pool_local *l, struct local_node *n)
{
    link_top(l);
    l->top = n;
    l->tops++;
    return SBUF_OK;
}

static int local_put(struct sbuf_pool *p, void *block)
{
    struct pool_local *l = LOCAL(p);
    uintptr_t i = block_index(l, block);
    if (i >= l->blocks)
        return local_put_other(l, block);
    struct local_node *n = block, *old = l->top;
    if (l->state[i] != BLOCK_OUT || n == old)
        return local_refuse(l, SBUF_EDOUBLE);
    if (old)
        return local_put_link(l, n);
    l->top = n;
    l->tops++;
    return SBUF_OK;
}

static void local_stats(struct sbuf_pool *p, struct sbuf_pool_stats *out)
{
    struct pool_local *l = LOCAL(p);
    size_t top_gets = l->tops - l->unlinked - (l->top != NULL);
    size_t pooled_out = l->pops - l->unlinked - (l->top != NULL);
    out->block_size = l->block_size;
    out->blocks_total = l->blocks;
    out->blocks_free = l->blocks - pooled_out;
    out->in_use = local_in_use(l);
    out->peak_in_use = l->peak;
    out->hits = l->pops + top_gets;
    out->misses = l->misses;
    out->fallbacks = l->fallbacks;
    out->errors = l->errors;
}

const struct sbuf_pool_ops sbuf_pool_local_ops = {
    .name = "pool_local",
    .summary = "pool_fixed for one thread: no atomics, double and foreign puts still caught",
    .caps = SBUF_CAP_STATIC | SBUF_POOL_CAP_ONE_THREAD,
    .create = local_create,
    .destroy = local_destroy,
    .storage_size = local_storage_size,
    .get = local_get,
    .put = local_put,
    .stats = local_stats,
};
