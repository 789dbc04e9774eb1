/*
 * blockset.c - an exact set of live block addresses: open addressing with
 * linear probing, keyed by address.
 *
 * Nothing is ever deleted in place.  take() marks a slot retired (the key's
 * low bit; blocks are at least 16-byte aligned), which keeps probe chains
 * intact and lets a second put of the same block be told apart from a
 * pointer the pool never saw.  Retired slots are dropped when the table is
 * rebuilt; an allocator that reuses the address revives the slot.  A rebuild
 * leaves the table at most a quarter full of live blocks, so it runs at most
 * once every cap/4 adds: O(1) amortised, memory O(peak live blocks).
 */
#include "pool_internal.h"

#define RETIRED ((uintptr_t)1)
#define MIN_SLOTS 16

void sbuf__blockset_init(struct sbuf__blockset *s)
{
    s->slots = NULL;
    s->cap = 0;
    s->live = 0;
    s->retired = 0;
}

void sbuf__blockset_fini(struct sbuf__blockset *s, void (*each)(void *block, size_t val, void *ctx),
                         void *ctx)
{
    for (size_t i = 0; each && i < s->cap; i++) {
        uintptr_t k = s->slots[i].key;
        if (k && !(k & RETIRED))
            each((void *)k, s->slots[i].val, ctx);
    }
    sbuf_mem_free(s->slots, s->cap * sizeof(*s->slots));
    sbuf__blockset_init(s);
}

/*
 * Fibonacci hashing: block addresses are aligned, so their low bits are
 * constant; multiplying by 2^w/phi and folding the high half down spreads
 * the bits that do vary over the whole index.
 */
static size_t home(uintptr_t addr, size_t mask)
{
#if UINTPTR_MAX > 0xffffffffu
    uintptr_t h = (addr >> 4) * (uintptr_t)0x9E3779B97F4A7C15u;
    h ^= h >> 32;
#else
    uintptr_t h = (addr >> 4) * (uintptr_t)0x9E3779B9u;
    h ^= h >> 16;
#endif
    return (size_t)h & mask;
}

/* The slot holding addr (live or retired), or the empty slot that ends its chain. */
static struct sbuf__blockset_slot *probe(const struct sbuf__blockset *s, uintptr_t addr)
{
    size_t mask = s->cap - 1;
    for (size_t i = home(addr, mask);; i = (i + 1) & mask) {
        uintptr_t k = s->slots[i].key;
        if (k == 0 || (k & ~RETIRED) == addr)
            return &s->slots[i];
    }
}

/* Rebuilds with the live blocks only, big enough to stay <= 1/4 full after one more. */
static int rebuild(struct sbuf__blockset *s)
{
    size_t cap = s->cap < MIN_SLOTS ? MIN_SLOTS : s->cap;
    while ((s->live + 1) > cap / 4)
        cap *= 2;
    struct sbuf__blockset_slot *slots = sbuf_mem_alloc(NULL, cap * sizeof(*slots), SBUF_CACHE_LINE);
    if (!slots)
        return SBUF_ENOMEM;
    memset(slots, 0, cap * sizeof(*slots));
    struct sbuf__blockset old = *s;
    s->slots = slots;
    s->cap = cap;
    s->retired = 0;
    for (size_t i = 0; i < old.cap; i++) {
        uintptr_t k = old.slots[i].key;
        if (k && !(k & RETIRED))
            *probe(s, k) = old.slots[i];
    }
    sbuf_mem_free(old.slots, old.cap * sizeof(*old.slots));
    return SBUF_OK;
}

int sbuf__blockset_add(struct sbuf__blockset *s, void *block, size_t val)
{
    uintptr_t addr = (uintptr_t)block;
    /* Linear probing stays short below half full; retired slots count too. */
    if ((s->live + s->retired + 1) * 2 > s->cap) {
        int rc = rebuild(s);
        if (rc)
            return rc;
    }
    struct sbuf__blockset_slot *slot = probe(s, addr);
    if (slot->key & RETIRED)
        s->retired--;
    else if (slot->key)
        s->live--; /* already live: the allocator handed it out twice; keep one */
    slot->key = addr;
    slot->val = val;
    s->live++;
    return SBUF_OK;
}

int sbuf__blockset_take(struct sbuf__blockset *s, void *block, size_t *val)
{
    uintptr_t addr = (uintptr_t)block;
    /* An unaligned pointer cannot be ours, and would alias a retired key. */
    if (s->cap == 0 || (addr & RETIRED))
        return SBUF_EFOREIGN;
    struct sbuf__blockset_slot *slot = probe(s, addr);
    if (slot->key == 0)
        return SBUF_EFOREIGN;
    if (slot->key & RETIRED)
        return SBUF_EDOUBLE;
    slot->key |= RETIRED;
    s->live--;
    s->retired++;
    *val = slot->val;
    return SBUF_OK;
}
