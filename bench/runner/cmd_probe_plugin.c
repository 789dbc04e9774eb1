/*
 * cmd_probe_plugin.c - `serbench __probe-plugin PATH NAME|- SIZE...`: the
 * child side of the probe (plugins.h).  Loads the plugin, registers the
 * strategy NAME (or every one, for -), and creates a buffer of each SIZE
 * through a counting allocation hook.  Prints, on stdout,
 *
 *   strategy NAME CAPS          one line a strategy (caps in hex)
 *   capacity NAME SIZE REAL     one line a strategy and size
 *
 * and exits 0; or prints one line naming the file and the problem on
 * stderr and exits 2 (bad plugin) or 3 (a library it needs is missing).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "sbuf/plugin.h"
#include "sbuf/registry.h"
#include "units.h"

static atomic_ulong hook_allocs;

static void *count_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    atomic_fetch_add_explicit(&hook_allocs, 1, memory_order_relaxed);
    return aligned_alloc(align, size);
}

static void count_free(void *ctx, void *p, size_t size)
{
    (void)ctx;
    (void)size;
    free(p);
}

/* One buffer of size bytes: its real capacity, or an exit code. */
static int try_size(const char *path, const struct sbuf_ops *ops, size_t size, size_t *real)
{
    struct sbuf_config cfg = {.capacity = size};
    struct sbuf *b = NULL;
    char sz[32];
    sb_format_size(size, sz, sizeof(sz));
    unsigned long before = atomic_load(&hook_allocs);
    int rc = sbuf_create_ops(ops, &cfg, &b);
    if (rc != SBUF_OK || !b) {
        fprintf(stderr, "%s: strategy '%s': creating a buffer of %s failed: %s (%d)\n", path,
                ops->name, sz, sbuf_strerror(rc), rc);
        return SB_EXIT_USAGE;
    }
    struct sbuf_stats st;
    sbuf_stats(b, &st);
    unsigned long seen = atomic_load(&hook_allocs) - before;
    *real = sbuf_capacity(b);
    sbuf_destroy(b);
    /* The buffer counts allocations the hook never saw: they went through
     * another copy of libsbuf's hook, one linked into the plugin. */
    if (st.allocations > 0 && seen == 0) {
        fprintf(stderr,
                "%s: strategy '%s' made %llu allocations that serbench's allocation hook did "
                "not see: the plugin carries its own copy of libsbuf (link it against "
                "libsbuf.so: `pkg-config --libs sbuf`, or sbuf::sbuf from find_package(sbuf)), "
                "or allocates past sbuf_mem_alloc\n",
                path, ops->name, (unsigned long long)st.allocations);
        return SB_EXIT_USAGE;
    }
    return SB_EXIT_OK;
}

static int probe_main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s\n", sb_cmd_probe_plugin.usage);
        return SB_EXIT_USAGE;
    }
    const char *path = argv[1];
    const char *name = strcmp(argv[2], "-") == 0 ? NULL : argv[2];
    size_t sizes[64], nsizes = 0;
    for (int i = 3; i < argc && nsizes < 64; i++) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(argv[i], &end, 10);
        if (errno || *end || v == 0) {
            fprintf(stderr, "__probe-plugin: bad size '%s'\n", argv[i]);
            return SB_EXIT_USAGE;
        }
        sizes[nsizes++] = (size_t)v;
    }
    char msg[1024];
    struct sbuf_plugin_handle *h;
    int rc = sbuf_plugin_open(path, &h, msg, sizeof(msg));
    if (rc == SBUF_OK)
        rc = sbuf_plugin_register(h, name, msg, sizeof(msg));
    if (rc != SBUF_OK) {
        fprintf(stderr, "%s\n", msg);
        return rc == SBUF_ENOLIB ? SB_EXIT_MISSING : SB_EXIT_USAGE;
    }
    const struct sbuf_allocator counting = {count_alloc, count_free, NULL};
    sbuf_set_allocator(&counting);
    for (size_t i = 0; i < sbuf_plugin_count(h); i++) {
        const struct sbuf_ops *ops = sbuf_plugin_at(h, i);
        if (name && strcmp(ops->name, name) != 0)
            continue;
        printf("strategy %s %x\n", ops->name, ops->caps);
        for (size_t s = 0; s < nsizes; s++) {
            size_t real = 0;
            int code = try_size(path, ops, sizes[s], &real);
            if (code != SB_EXIT_OK)
                return code;
            printf("capacity %s %zu %zu\n", ops->name, sizes[s], real);
        }
    }
    sbuf_set_allocator(NULL);
    /* Not closed: a plugin's destructors are its own business, and exit is near. */
    return fflush(stdout) == 0 ? SB_EXIT_OK : SB_EXIT_FAILED;
}

const struct sb_command sb_cmd_probe_plugin = {
    .name = "__probe-plugin",
    .usage = "serbench __probe-plugin PATH NAME|- SIZE...",
    .summary = "internal: look at a plugin in a child process before it runs",
    .help = "Internal.  Loads the plugin, registers NAME (- for every strategy it exports),\n"
            "creates a buffer of each SIZE through a counting allocation hook, and prints\n"
            "what it found; a problem is one line on stderr and exit 2 (3: a library it\n"
            "needs is missing).\n",
    .hidden = 1,
    .main = probe_main,
};
