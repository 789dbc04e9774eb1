/*
 * plugin.c - strategies from a shared object (sbuf/plugin.h).
 *
 * Everything a user can get wrong is checked before the object's code
 * runs, where that is possible, so the message can say what is wrong in
 * words: the file exists, it is an ELF shared object for this machine
 * (read from its header, not guessed from dlerror), its dependencies
 * load, it has the entry point, and the descriptor and every ops table
 * were built for this ABI.  Not in the freestanding (MCU) build.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbuf/plugin.h"
#include "sbuf/registry.h"

struct sbuf_plugin_handle {
    void *dl;
    char path[PATH_MAX];
    const struct sbuf_plugin *desc;
    const struct sbuf_ops *ops[SBUF_PLUGIN_MAX_STRATEGIES];
    unsigned char registered[SBUF_PLUGIN_MAX_STRATEGIES];
    size_t n;
};

/* "path: what" into msg; returns rc. */
static int say(int rc, char *msg, size_t len, const char *path, const char *fmt, ...)
{
    if (msg && len) {
        int k = snprintf(msg, len, "%s: ", path);
        if (k >= 0 && (size_t)k < len) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(msg + k, len - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return rc;
}

/* The first bytes of an ELF header: identification, type, machine. */
struct elf_head {
    unsigned char ident[EI_NIDENT];
    uint16_t type;
    uint16_t machine;
};

static int read_head(const char *path, struct elf_head *h)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    unsigned char b[EI_NIDENT + 4];
    ssize_t n = read(fd, b, sizeof(b));
    close(fd);
    if (n != (ssize_t)sizeof(b))
        return 0; /* too short to be ELF */
    memcpy(h->ident, b, EI_NIDENT);
    /* Host byte order is checked against EI_DATA before these are trusted. */
    memcpy(&h->type, b + EI_NIDENT, 2);
    memcpy(&h->machine, b + EI_NIDENT + 2, 2);
    return 1;
}

static const char *elf_type_name(unsigned t)
{
    switch (t) {
    case ET_REL: return "an ELF relocatable object (a .o: link it with -shared)";
    case ET_EXEC: return "an ELF executable";
    case ET_CORE: return "an ELF core dump";
    default: return "an ELF file of unknown type";
    }
}

/* The ELF header of the object this code is in (libsbuf), to compare machines. */
static int own_head(struct elf_head *h)
{
    Dl_info di;
    if (!dladdr((void *)sbuf_plugin_open, &di) || !di.dli_fname || !*di.dli_fname)
        return 0;
    /* The main program reports "" or its argv[0]; /proc/self/exe is exact. */
    return read_head(di.dli_fname, h) == 1 || read_head("/proc/self/exe", h) == 1;
}

/* Everything about the file that can be known without loading it. */
static int check_file(const char *path, char *msg, size_t len)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return say(errno == ENOENT || errno == ENOTDIR ? SBUF_ENOENT : SBUF_EFORMAT, msg, len,
                   path, "%s", errno == ENOENT ? "no such file" : strerror(errno));
    if (!S_ISREG(st.st_mode))
        return say(SBUF_EFORMAT, msg, len, path, "not a shared object (not a regular file)");
    struct elf_head h;
    int r = read_head(path, &h);
    if (r < 0)
        return say(SBUF_ENOENT, msg, len, path, "cannot read it: %s", strerror(errno));
    if (r == 0 || memcmp(h.ident, ELFMAG, SELFMAG) != 0)
        return say(SBUF_EFORMAT, msg, len, path, "not a shared object (no ELF header)");
    unsigned cls = sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
    if (h.ident[EI_CLASS] != cls)
        return say(SBUF_EFORMAT, msg, len, path,
                   "not a shared object for this machine (%u-bit ELF; this process is %u-bit)",
                   h.ident[EI_CLASS] == ELFCLASS64 ? 64u : 32u, (unsigned)(8 * sizeof(void *)));
    const uint16_t one = 1;
    unsigned data = *(const unsigned char *)&one ? ELFDATA2LSB : ELFDATA2MSB;
    if (h.ident[EI_DATA] != data)
        return say(SBUF_EFORMAT, msg, len, path,
                   "not a shared object for this machine (other byte order)");
    if (h.type != ET_DYN)
        return say(SBUF_EFORMAT, msg, len, path, "not a shared object (%s)",
                   elf_type_name(h.type));
    struct elf_head self;
    if (own_head(&self) && self.machine != h.machine)
        return say(SBUF_EFORMAT, msg, len, path,
                   "not a shared object for this machine (ELF machine %u; this process is %u)",
                   h.machine, self.machine);
    return SBUF_OK;
}

/* dlopen failed: say why, and whether the cause is a missing library. */
static int load_error(const char *path, const char *err, char *msg, size_t len)
{
    if (!err)
        err = "unknown dlopen error";
    const char *miss = strstr(err, ": cannot open shared object file");
    if (miss) {
        /* "libfoo.so.1: cannot open shared object file: No such file or directory" */
        const char *start = err;
        for (const char *p = err; p < miss; p++)
            if (p[0] == ':' && p[1] == ' ')
                start = p + 2;
        return say(SBUF_ENOLIB, msg, len, path,
                   "needs %.*s, which is not installed or not on the library path (%s)",
                   (int)(miss - start), start, err);
    }
    if (strstr(err, "position-independent executable"))
        return say(SBUF_EFORMAT, msg, len, path,
                   "not a shared object (a position-independent executable: link it with "
                   "-shared)");
    if (strstr(err, "undefined symbol"))
        return say(SBUF_ENOLIB, msg, len, path,
                   "needs a symbol that no loaded library provides (built against another "
                   "libsbuf, or a library missing from its link?): %s",
                   err);
    return say(SBUF_EFORMAT, msg, len, path, "cannot be loaded: %s", err);
}

/* Checks the descriptor and copies its tables into h. */
static int take_tables(struct sbuf_plugin_handle *h, char *msg, size_t len)
{
    const struct sbuf_plugin *d = h->desc;
    if (!d)
        return say(SBUF_EFORMAT, msg, len, h->path, SBUF_PLUGIN_ENTRY_NAME "() returned NULL");
    if (d->abi != SBUF_ABI_VERSION)
        return say(SBUF_EABI, msg, len, h->path,
                   "plugin built for sbuf ABI %u, but this libsbuf is ABI %u: rebuild it "
                   "against this libsbuf's headers",
                   d->abi, (unsigned)SBUF_ABI_VERSION);
    size_t n = 0;
    while (d->strategies && d->strategies[n])
        if (++n > SBUF_PLUGIN_MAX_STRATEGIES)
            return say(SBUF_EFORMAT, msg, len, h->path, "exports more than %d strategies",
                       SBUF_PLUGIN_MAX_STRATEGIES);
    if (n == 0)
        return say(SBUF_EFORMAT, msg, len, h->path, "exports no strategy");
    for (size_t i = 0; i < n; i++) {
        const struct sbuf_ops *ops = d->strategies[i];
        char why[256];
        int rc = sbuf_ops_check(ops, why, sizeof(why));
        if (rc != SBUF_OK)
            return say(rc, msg, len, h->path, "strategy %zu of %zu: %s", i + 1, n, why);
        for (size_t j = 0; j < i; j++)
            if (strcmp(h->ops[j]->name, ops->name) == 0)
                return say(SBUF_EINVAL, msg, len, h->path, "exports two strategies named '%s'",
                           ops->name);
        h->ops[i] = ops;
    }
    h->n = n;
    return SBUF_OK;
}

/*
 * Every open handle, so that a plugin a program keeps loaded to its end
 * (its ops stay in the registry, so it must) is still reachable, not a
 * leak to LeakSanitizer.  Opening is done from one thread, as registration.
 */
#define SBUF__PLUGINS_MAX 64
static struct sbuf_plugin_handle *open_handles[SBUF__PLUGINS_MAX];

static void remember_handle(struct sbuf_plugin_handle *h, int keep)
{
    for (size_t i = 0; i < SBUF__PLUGINS_MAX; i++)
        if (keep ? open_handles[i] == NULL : open_handles[i] == h) {
            open_handles[i] = keep ? h : NULL;
            return;
        }
}

int sbuf_plugin_open(const char *path, struct sbuf_plugin_handle **out, char *msg, size_t len)
{
    if (msg && len)
        msg[0] = '\0';
    if (out)
        *out = NULL;
    if (!path || !*path || !out)
        return say(SBUF_EINVAL, msg, len, path && *path ? path : "(no path)",
                   "no plugin path given");
    int rc = check_file(path, msg, len);
    if (rc != SBUF_OK)
        return rc;
    struct sbuf_plugin_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return say(SBUF_ENOMEM, msg, len, path, "out of memory");
    /* An absolute path: dlopen must not search the library path for it. */
    if (!realpath(path, h->path))
        snprintf(h->path, sizeof(h->path), "%s", path);
    dlerror();
    h->dl = dlopen(h->path, RTLD_NOW | RTLD_LOCAL);
    if (!h->dl) {
        rc = load_error(path, dlerror(), msg, len);
        free(h);
        return rc;
    }
    dlerror();
    /* POSIX: a function pointer through void *, as dlsym's own example does. */
    void *sym = dlsym(h->dl, SBUF_PLUGIN_ENTRY_NAME);
    if (!sym) {
        rc = say(SBUF_EFORMAT, msg, len, path,
                 "not an sbuf plugin: it has no " SBUF_PLUGIN_ENTRY_NAME
                 " (define one with SBUF_PLUGIN(...) from sbuf/plugin.h)");
    } else {
        sbuf_plugin_entry_fn entry;
        memcpy(&entry, &sym, sizeof(entry));
        h->desc = entry();
        rc = take_tables(h, msg, len);
    }
    if (rc != SBUF_OK) {
        /* The message names the path as given, which is what the user typed. */
        dlclose(h->dl);
        free(h);
        return rc;
    }
    remember_handle(h, 1);
    *out = h;
    return SBUF_OK;
}

size_t sbuf_plugin_count(const struct sbuf_plugin_handle *h)
{
    return h ? h->n : 0;
}

const struct sbuf_ops *sbuf_plugin_at(const struct sbuf_plugin_handle *h, size_t i)
{
    return h && i < h->n ? h->ops[i] : NULL;
}

const struct sbuf_ops *sbuf_plugin_find(const struct sbuf_plugin_handle *h, const char *name)
{
    for (size_t i = 0; h && name && i < h->n; i++)
        if (strcmp(h->ops[i]->name, name) == 0)
            return h->ops[i];
    return NULL;
}

const char *sbuf_plugin_name(const struct sbuf_plugin_handle *h)
{
    return h && h->desc && h->desc->name ? h->desc->name : "";
}

const char *sbuf_plugin_path(const struct sbuf_plugin_handle *h)
{
    return h ? h->path : "";
}

/* "a, b, c": the names the plugin exports. */
static void names_of(const struct sbuf_plugin_handle *h, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < h->n && at < len; i++) {
        int k = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", h->ops[i]->name);
        if (k < 0)
            break;
        at += (size_t)k;
    }
}

int sbuf_plugin_register(struct sbuf_plugin_handle *h, const char *name, char *msg, size_t len)
{
    if (msg && len)
        msg[0] = '\0';
    if (!h)
        return say(SBUF_EINVAL, msg, len, "(no plugin)", "not opened");
    size_t first = 0, last = h->n;
    if (name) {
        for (first = 0; first < h->n && strcmp(h->ops[first]->name, name) != 0; first++)
            ;
        if (first == h->n) {
            char names[SBUF_PLUGIN_MAX_STRATEGIES * SBUF_NAME_MAX];
            names_of(h, names, sizeof(names));
            return say(SBUF_ENOENT, msg, len, h->path,
                       "exports no strategy '%s' (it exports: %s)", name, names);
        }
        last = first + 1;
    }
    /* All or nothing: every name is free before any is added. */
    for (size_t i = first; i < last; i++) {
        const struct sbuf_ops *found = sbuf_registry_find(h->ops[i]->name);
        if (found && found != h->ops[i])
            return say(SBUF_EEXIST, msg, len, h->path,
                       "strategy '%s' is already registered (a built-in one, or one from "
                       "another plugin, has that name)",
                       h->ops[i]->name);
    }
    for (size_t i = first; i < last; i++) {
        if (h->registered[i])
            continue;
        int rc = sbuf_registry_add(h->ops[i]);
        if (rc != SBUF_OK) {
            for (size_t j = first; j < i; j++)
                if (h->registered[j]) {
                    sbuf_registry_remove(h->ops[j]);
                    h->registered[j] = 0;
                }
            return say(rc, msg, len, h->path, "cannot register strategy '%s': %s",
                       h->ops[i]->name, sbuf_strerror(rc));
        }
        h->registered[i] = 1;
    }
    return SBUF_OK;
}

void sbuf_plugin_close(struct sbuf_plugin_handle *h)
{
    if (!h)
        return;
    for (size_t i = 0; i < h->n; i++)
        if (h->registered[i])
            sbuf_registry_remove(h->ops[i]);
    remember_handle(h, 0);
    dlclose(h->dl);
    free(h);
}
