/*
 * alloc.c - the single allocation hook.  Every byte libsbuf allocates comes
 * through sbuf_mem_alloc, so benchmarks can count allocations per iteration and
 * a firmware build can run with no heap at all.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "sbuf_internal.h"

#ifndef SBUF_FREESTANDING
static void *default_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    /* aligned_alloc wants size to be a multiple of align: sbuf_mem_alloc rounds. */
    return aligned_alloc(align, size);
}

static void default_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

static const struct sbuf_allocator default_allocator = {default_alloc, default_free, NULL};
#else
/* Freestanding (MCU) build: no heap unless the firmware installs one. */
static const struct sbuf_allocator default_allocator = {NULL, NULL, NULL};
#endif

static struct sbuf_allocator current = {0};
static int current_set;
/* Relaxed: a statistic read after the fact, never used to order memory. */
static atomic_ulong allocation_count;

void sbuf_set_allocator(const struct sbuf_allocator *a)
{
    if (a && a->alloc && a->free) {
        current = *a;
        current_set = 1;
    } else {
        current_set = 0;
    }
}

uint64_t sbuf_allocation_count(void)
{
    return atomic_load_explicit(&allocation_count, memory_order_relaxed);
}

static const struct sbuf_allocator *active(void)
{
    return current_set ? &current : &default_allocator;
}

void *sbuf_mem_alloc(struct sbuf *owner, size_t size, size_t align)
{
    const struct sbuf_allocator *a = active();
    if (!a->alloc || size == 0 || align == 0 || (align & (align - 1)))
        return NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    size = (size + align - 1) & ~(align - 1);
    void *p = a->alloc(a->ctx, size, align);
    if (p) {
        atomic_fetch_add_explicit(&allocation_count, 1, memory_order_relaxed);
        if (owner)
            owner->prod.allocations++;
    }
    return p;
}

void sbuf_mem_free(void *p, size_t size)
{
    const struct sbuf_allocator *a = active();
    if (p && a->free)
        a->free(a->ctx, p, size);
}

int sbuf__parts_create(const struct sbuf_config *cfg, size_t hdr_size, size_t data_size,
                       void **hdr, uint8_t **data)
{
    if (cfg->storage) {
        *hdr = sbuf__align_up(cfg->storage, SBUF_CACHE_LINE);
        *data = (uint8_t *)*hdr + hdr_size;
        return SBUF_OK;
    }
    *hdr = sbuf_mem_alloc(NULL, hdr_size, SBUF_CACHE_LINE);
    if (!*hdr)
        return SBUF_ENOMEM;
    *data = sbuf_mem_alloc(NULL, data_size, SBUF_CACHE_LINE);
    if (!*data) {
        sbuf_mem_free(*hdr, hdr_size);
        return SBUF_ENOMEM;
    }
    return SBUF_OK;
}

void sbuf__parts_created(struct sbuf *b, const struct sbuf_config *cfg)
{
    if (cfg->storage)
        b->static_storage = 1;
    else
        b->prod.allocations = 2; /* counted after init, which zeroes them */
}

void sbuf__parts_destroy(struct sbuf *b, size_t hdr_size, void *data, size_t data_size)
{
    if (b->static_storage)
        return;
    sbuf_mem_free(data, data_size);
    sbuf_mem_free(b, hdr_size);
}
