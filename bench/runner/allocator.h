/*
 * allocator.h - the allocators a run can be measured under, and proof of
 * which one is really serving malloc.
 *
 * glibc is the process's own malloc.  The others are Debian's shared
 * libraries, put in front of glibc with LD_PRELOAD in the run's child
 * process.  The child then checks, through the allocator's own API, that
 * malloc really is served by it (a preload that failed to load, or a
 * library that is not an allocator, would otherwise leave glibc measured
 * under another name).
 */
#ifndef SB_ALLOCATOR_H
#define SB_ALLOCATOR_H

#include <stddef.h>

#include "diag.h"

struct sb_allocator {
    const char *name;    /* glibc, jemalloc, mimalloc, tcmalloc */
    const char *package; /* the Debian package with the library */
    const char *soname;  /* what LD_PRELOAD loads; NULL for glibc */
    const char *env;     /* overrides the library path (tests use it) */
    const char *summary;
};

size_t sb_allocator_count(void);
const struct sb_allocator *sb_allocator_at(size_t i);
const struct sb_allocator *sb_allocator_find(const char *name);

/*
 * The library to preload for a: its full path in path, or "" for glibc.
 * -1 with err (exit code 3, naming the Debian package) when it is missing.
 */
int sb_allocator_library(const struct sb_allocator *a, char *path, size_t len,
                         struct sb_err *err);

/* The Debian package's version ("5.3.0-1"), or "" if dpkg does not know it. */
void sb_allocator_package_version(const struct sb_allocator *a, char *buf, size_t len);

/*
 * In this process: which allocator serves malloc, and its version as the
 * allocator reports it ("jemalloc 5.3.0-0-g54eaed1d", "glibc 2.36").
 */
void sb_allocator_detect(char *seen, size_t len);

/*
 * In this process: 0 if `want` serves malloc, with what was seen in seen;
 * -1 with err (exit code 3) otherwise.
 */
int sb_allocator_verify(const char *want, char *seen, size_t len, struct sb_err *err);

#endif
