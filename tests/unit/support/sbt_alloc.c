/*
 * sbt_alloc.c - the counting hook.  Blocks come from aligned_alloc, so a
 * block that outlives the hook (a test failed while it was installed) can
 * still be released by the default allocator's free().
 */
#include <pthread.h>
#include <stdlib.h>

#include "sbt.h"
#include "sbt_alloc.h"

#define SBT_ALLOC_SLOTS 4096

struct slot {
    void *p;
    size_t size;
    size_t align;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[SBT_ALLOC_SLOTS];
static struct sbt_alloc_counts counts;
static uint64_t fail_from;

static void *hook_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    /* Growing strategies may allocate from the producer thread. */
    pthread_mutex_lock(&lock);
    void *p = NULL;
    if (counts.allocs + counts.refused >= fail_from) {
        counts.refused++;
        goto out;
    }
    size_t i;
    for (i = 0; i < SBT_ALLOC_SLOTS && slots[i].p; i++)
        ;
    if (i == SBT_ALLOC_SLOTS)
        goto out; /* more live blocks than a test should ever make */
    p = aligned_alloc(align, size);
    if (p) {
        slots[i] = (struct slot){p, size, align};
        counts.allocs++;
        counts.live++;
    }
out:
    pthread_mutex_unlock(&lock);
    return p;
}

/* sbuf_mem_alloc rounds size up to align before calling the hook; free gets the
 * size the strategy asked for, so compare after the same rounding. */
static int same_size(const struct slot *s, size_t size)
{
    size_t rounded = (size + s->align - 1) & ~(s->align - 1);
    return rounded == s->size;
}

static void hook_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    pthread_mutex_lock(&lock);
    size_t i;
    for (i = 0; i < SBT_ALLOC_SLOTS && slots[i].p != p; i++)
        ;
    if (i == SBT_ALLOC_SLOTS) {
        counts.bad_frees++; /* not ours: leave it alone rather than corrupt the heap */
    } else {
        if (!same_size(&slots[i], size))
            counts.bad_frees++;
        slots[i].p = NULL;
        counts.frees++;
        counts.live--;
        free(p);
    }
    pthread_mutex_unlock(&lock);
}

void sbt_alloc_install(uint64_t fail_at)
{
    pthread_mutex_lock(&lock);
    counts = (struct sbt_alloc_counts){0};
    /* Blocks a failed test leaked are forgotten, not matched against later frees. */
    for (size_t i = 0; i < SBT_ALLOC_SLOTS; i++)
        slots[i].p = NULL;
    fail_from = fail_at;
    pthread_mutex_unlock(&lock);
    static const struct sbuf_allocator hook = {hook_alloc, hook_free, NULL};
    sbuf_set_allocator(&hook);
}

void sbt_alloc_fail_at(uint64_t fail_at)
{
    pthread_mutex_lock(&lock);
    fail_from = fail_at;
    pthread_mutex_unlock(&lock);
}

void sbt_alloc_remove(void)
{
    sbuf_set_allocator(NULL);
}

struct sbt_alloc_counts sbt_alloc_counts(void)
{
    pthread_mutex_lock(&lock);
    struct sbt_alloc_counts c = counts;
    pthread_mutex_unlock(&lock);
    return c;
}

void sbt_alloc_destroy_clean(struct sbuf *b)
{
    sbuf_destroy(b);
    assert_int_equal(sbt_alloc_counts().live, 0);
    assert_int_equal(sbt_alloc_counts().bad_frees, 0);
    sbt_alloc_remove();
}
