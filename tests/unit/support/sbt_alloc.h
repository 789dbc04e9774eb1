/*
 * sbt_alloc.h - a counting, checking, optionally failing allocation hook.
 * It records every live block so a test can see that a buffer allocates
 * through the hook, frees everything it took (with the size it asked for),
 * and cleans up when an allocation fails.
 */
#ifndef SBT_ALLOC_H
#define SBT_ALLOC_H

#include <stddef.h>
#include <stdint.h>

struct sbt_alloc_counts {
    uint64_t allocs;    /* successful allocations */
    uint64_t refused;   /* allocations made to fail */
    uint64_t frees;     /* frees of a live block */
    uint64_t bad_frees; /* frees of a pointer that is not live, or with another size */
    size_t live;        /* blocks allocated and not freed */
};

/*
 * Installs the hook with fresh counts.  Allocation number fail_at (0-based)
 * and every later one fail; pass SBT_ALLOC_NEVER for none.
 */
#define SBT_ALLOC_NEVER UINT64_MAX
void sbt_alloc_install(uint64_t fail_at);
/* Moves the failure point (counted from the install) without resetting. */
void sbt_alloc_fail_at(uint64_t fail_at);
/* Restores libsbuf's default allocator; the counts stay readable. */
void sbt_alloc_remove(void);
struct sbt_alloc_counts sbt_alloc_counts(void);

struct sbuf;
/*
 * Destroys b, checks that it freed every block it took through the hook,
 * each with the size it asked for, and removes the hook.
 */
void sbt_alloc_destroy_clean(struct sbuf *b);

#endif
