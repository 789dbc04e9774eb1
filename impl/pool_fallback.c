/*
 * pool_fallback.c - blocks a pool serves from the allocation hook when it
 * misses (SBUF_EXHAUST_FALLBACK).  They are tracked in a block set rather
 * than tagged with a header, so that put can refuse a foreign pointer
 * exactly instead of reading memory in front of it and guessing.
 *
 * This is the pools' slow path: one lock around the set, which the getting
 * thread (adding) and the putting thread (taking) may both want.
 */
#include "pool_internal.h"

void sbuf__fallback_init(struct sbuf__fallback *f)
{
    sbuf__lock_init(&f->lock);
    sbuf__blockset_init(&f->set);
}

static void free_block(void *block, size_t size, void *ctx)
{
    (void)ctx;
    sbuf_mem_free(block, size);
}

void sbuf__fallback_fini(struct sbuf__fallback *f)
{
    sbuf__blockset_fini(&f->set, free_block, NULL);
    sbuf__lock_fini(&f->lock);
}

void *sbuf__fallback_get(struct sbuf__fallback *f, size_t size)
{
    /* Allocate outside the lock: a put of another fallback block need not wait for it. */
    void *block = sbuf_mem_alloc(NULL, size, SBUF__POOL_ALIGN);
    if (!block)
        return NULL;
    sbuf__lock(&f->lock);
    int rc = sbuf__blockset_add(&f->set, block, size);
    sbuf__unlock(&f->lock);
    if (rc) {
        /* Untracked, put would refuse it: give it back and report no block. */
        sbuf_mem_free(block, size);
        return NULL;
    }
    return block;
}

int sbuf__fallback_put(struct sbuf__fallback *f, void *block)
{
    size_t size = 0;
    sbuf__lock(&f->lock);
    int rc = sbuf__blockset_take(&f->set, block, &size);
    sbuf__unlock(&f->lock);
    if (rc == SBUF_OK)
        sbuf_mem_free(block, size);
    return rc;
}
