/*
 * allocator.c - the allocator table, where each library is, and the
 * in-process check of which allocator serves malloc.
 *
 * The check asks each allocator about a block malloc just returned, through
 * an API only that allocator has, instead of trusting that a symbol merely
 * exists: jemalloc's per-thread allocated-bytes counter must grow,
 * mimalloc must find the block in its heap, tcmalloc must claim ownership.
 */
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator.h"
#include "capture.h"

static const struct sb_allocator allocators[] = {
    {"glibc", "libc6", NULL, NULL, "the C library's malloc (ptmalloc2); no preload"},
    {"jemalloc", "libjemalloc2", "libjemalloc.so.2", "SERBENCH_ALLOCATOR_LIB_JEMALLOC",
     "jemalloc: arenas per CPU, size classes, low fragmentation"},
    {"mimalloc", "libmimalloc2.0", "libmimalloc.so.2", "SERBENCH_ALLOCATOR_LIB_MIMALLOC",
     "mimalloc: free-list sharding per page, small and fast"},
    {"tcmalloc", "libgoogle-perftools4", "libtcmalloc.so.4", "SERBENCH_ALLOCATOR_LIB_TCMALLOC",
     "tcmalloc (gperftools): per-thread caches over a central heap"},
};

#define COUNT (sizeof(allocators) / sizeof(allocators[0]))

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SB_SANITIZER_BUILD 1
#else
#define SB_SANITIZER_BUILD 0
#endif

size_t sb_allocator_count(void)
{
    return COUNT;
}

const struct sb_allocator *sb_allocator_at(size_t i)
{
    return i < COUNT ? &allocators[i] : NULL;
}

const struct sb_allocator *sb_allocator_find(const char *name)
{
    for (size_t i = 0; name && i < COUNT; i++)
        if (strcmp(allocators[i].name, name) == 0)
            return &allocators[i];
    return NULL;
}

/* Directories the dynamic linker's default search would cover: the one libc
 * came from (the multiarch directory, whatever the architecture), its /usr
 * twin, and the generic ones. */
static size_t search_dirs(char dirs[][PATH_MAX], size_t max)
{
    size_t n = 0;
    Dl_info di;
    void *sym = dlsym(RTLD_DEFAULT, "gnu_get_libc_version");
    if (sym && dladdr(sym, &di) && di.dli_fname && strrchr(di.dli_fname, '/')) {
        const char *f = di.dli_fname;
        snprintf(dirs[n++], PATH_MAX, "%.*s", (int)(strrchr(f, '/') - f), f);
        if (strncmp(f, "/lib", 4) == 0)
            snprintf(dirs[n++], PATH_MAX, "/usr%.*s", (int)(strrchr(f, '/') - f), f);
    }
    static const char *const generic[] = {"/usr/lib", "/usr/local/lib", "/lib"};
    for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]) && n < max; i++)
        snprintf(dirs[n++], PATH_MAX, "%s", generic[i]);
    return n;
}

int sb_allocator_library(const struct sb_allocator *a, char *path, size_t len,
                         struct sb_err *err)
{
    if (!a || !path || len == 0)
        return sb_errf(err, SB_EXIT_USAGE, "allocator: invalid argument");
    path[0] = '\0';
    if (!a->soname)
        return 0;
    if (SB_SANITIZER_BUILD)
        return sb_errf(err, SB_EXIT_MISSING,
                       "allocator %s: this is a sanitizer build, whose malloc is the "
                       "sanitizer's; measure allocators with a normal build",
                       a->name);
    const char *over = getenv(a->env);
    if (over && *over) {
        if (access(over, R_OK) == 0) {
            snprintf(path, len, "%s", over);
            return 0;
        }
        return sb_errf(err, SB_EXIT_MISSING,
                       "allocator %s: %s (from %s) not found; the library comes with "
                       "apt-get install %s",
                       a->name, over, a->env, a->package);
    }
    char dirs[8][PATH_MAX];
    size_t n = search_dirs(dirs, 8);
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(path, len, "%s/%s", dirs[i], a->soname);
        if (w > 0 && (size_t)w < len && access(path, R_OK) == 0)
            return 0;
    }
    path[0] = '\0';
    return sb_errf(err, SB_EXIT_MISSING, "allocator %s: %s not installed; apt-get install %s",
                   a->name, a->soname, a->package);
}

void sb_allocator_package_version(const struct sb_allocator *a, char *buf, size_t len)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "dpkg-query -W -f='${Version}' %s", a->package);
    if (sb_capture(cmd, buf, len) < 0)
        buf[0] = '\0';
}

typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);

static int is_jemalloc(char *ver, size_t len)
{
    mallctl_fn mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
    if (!mallctl)
        return 0;
    uint64_t before = 0, after = 0;
    size_t sz = sizeof(before);
    if (mallctl("thread.allocated", &before, &sz, NULL, 0) != 0)
        return 0;
    void *volatile p = malloc(4000);
    sz = sizeof(after);
    int rc = mallctl("thread.allocated", &after, &sz, NULL, 0);
    free(p);
    if (rc != 0 || after - before < 4000)
        return 0;
    const char *v = NULL;
    sz = sizeof(v);
    if (mallctl("version", &v, &sz, NULL, 0) != 0 || !v)
        v = "?";
    snprintf(ver, len, "jemalloc %s", v);
    return 1;
}

static int is_mimalloc(char *ver, size_t len)
{
    int (*version)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "mi_version");
    _Bool (*in_heap)(const void *) =
        (_Bool (*)(const void *))dlsym(RTLD_DEFAULT, "mi_is_in_heap_region");
    if (!version || !in_heap)
        return 0;
    void *volatile p = malloc(4000);
    int mine = in_heap(p);
    free(p);
    if (!mine)
        return 0;
    int v = version(); /* 209 is 2.0.9 */
    snprintf(ver, len, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
    return 1;
}

static int is_tcmalloc(char *ver, size_t len)
{
    int (*owned)(const void *) =
        (int (*)(const void *))dlsym(RTLD_DEFAULT, "MallocExtension_GetOwnership");
    const char *(*version)(int *, int *, const char **) =
        (const char *(*)(int *, int *, const char **))dlsym(RTLD_DEFAULT, "tc_version");
    if (!owned)
        return 0;
    void *volatile p = malloc(4000);
    int mine = owned(p) == 1; /* MallocExtension::kOwned */
    free(p);
    if (!mine)
        return 0;
    int major = 0, minor = 0;
    const char *patch = NULL;
    const char *v = version ? version(&major, &minor, &patch) : NULL;
    snprintf(ver, len, "tcmalloc %s", v ? v : "?");
    return 1;
}

void sb_allocator_detect(char *seen, size_t len)
{
    if (is_jemalloc(seen, len) || is_mimalloc(seen, len) || is_tcmalloc(seen, len))
        return;
    Dl_info di;
    void *m = dlsym(RTLD_DEFAULT, "malloc");
    const char *from = (m && dladdr(m, &di) && di.dli_fname) ? di.dli_fname : "?";
    const char *base = strrchr(from, '/') ? strrchr(from, '/') + 1 : from;
    if (strncmp(base, "libc.so", 7) == 0)
        snprintf(seen, len, "glibc %s", gnu_get_libc_version());
    else if (SB_SANITIZER_BUILD)
        snprintf(seen, len, "sanitizer (malloc from %s)", base);
    else
        snprintf(seen, len, "unknown (malloc from %s)", base);
}

int sb_allocator_verify(const char *want, char *seen, size_t len, struct sb_err *err)
{
    sb_allocator_detect(seen, len);
    size_t n = strlen(want ? want : "");
    if (n && strncmp(seen, want, n) == 0 && seen[n] == ' ')
        return 0;
    /* A sanitizer build has the sanitizer's malloc in place of glibc's;
     * allocator_seen says so, and no other allocator can run there. */
    if (SB_SANITIZER_BUILD && want && strcmp(want, "glibc") == 0 &&
        strncmp(seen, "sanitizer", 9) == 0)
        return 0;
    const char *pre = getenv("LD_PRELOAD");
    return sb_errf(err, SB_EXIT_MISSING,
                   "allocator %s was requested but malloc is served by %s (LD_PRELOAD=%s)",
                   want ? want : "(none)", seen, pre ? pre : "");
}
