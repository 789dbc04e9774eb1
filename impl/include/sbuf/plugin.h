/*
 * plugin.h - strategies in a shared object of their own, loaded at run time
 * (as fio loads an external ioengine).
 *
 * Writing one: implement the strategy against sbuf/strategy.h, link the
 * shared object against the installed libsbuf.so (pkg-config sbuf, or
 * find_package(sbuf) and sbuf::sbuf), and name its ops tables once:
 *
 *     #include "sbuf/plugin.h"
 *     SBUF_PLUGIN("myring", &my_ring_ops, &my_other_ops);
 *
 * That defines the one entry point, sbuf_plugin_entry(), exported even
 * when the object is built with -fvisibility=hidden.  A plugin must link
 * libsbuf.so, not libsbuf.a: the process that loads it (serbench,
 * serbench-micro) has one registry and one allocation hook, in the shared
 * libsbuf, and a plugin carrying a copy of its own would allocate past the
 * hook.  serbench checks that before it runs a plugin.
 *
 * Loading one: sbuf_plugin_open() below checks everything serbench refuses
 * as bad input (the file, its format, the entry point, the ABI of the
 * descriptor and of every ops table) and says what is wrong in one line;
 * sbuf_plugin_register() then adds its strategies to the registry, where
 * every suite and benchmark finds them.
 */
#ifndef SBUF_PLUGIN_H
#define SBUF_PLUGIN_H

#include <stddef.h>

#include "sbuf/sbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a plugin's entry point returns.  Covered by SBUF_ABI_VERSION. */
struct sbuf_plugin {
    /* SBUF_ABI_VERSION as the plugin was compiled: first, so that any
     * libsbuf can read it before it trusts the rest of the layout. */
    unsigned abi;
    const char *name;                         /* the plugin's own name, for messages */
    const struct sbuf_ops *const *strategies; /* its ops tables, NULL-terminated */
};

/* The entry point every plugin exports, and its name for dlsym. */
#define SBUF_PLUGIN_ENTRY_NAME "sbuf_plugin_entry"
typedef const struct sbuf_plugin *(*sbuf_plugin_entry_fn)(void);

#if defined(__GNUC__)
#define SBUF_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SBUF_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
#define SBUF_PLUGIN_EXTERN_C extern "C"
#else
#define SBUF_PLUGIN_EXTERN_C
#endif

/* Defines sbuf_plugin_entry() for the plugin named name_ exporting the ops
 * tables given (pointers to const struct sbuf_ops, at least one). */
#define SBUF_PLUGIN(name_, ...)                                                        \
    static const struct sbuf_ops *const sbuf_plugin_list_[] = {__VA_ARGS__, NULL};     \
    SBUF_PLUGIN_EXTERN_C SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void); \
    SBUF_PLUGIN_EXTERN_C SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void) \
    {                                                                                  \
        static const struct sbuf_plugin p = {SBUF_ABI_VERSION, name_, sbuf_plugin_list_}; \
        return &p;                                                                     \
    }

/* ---- loading ------------------------------------------------------------ */

/* A plugin opened by sbuf_plugin_open. */
struct sbuf_plugin_handle;

/* The most strategies one plugin may export. */
#define SBUF_PLUGIN_MAX_STRATEGIES 16

/*
 * Opens the shared object at path (dlopen, RTLD_NOW | RTLD_LOCAL) and
 * checks it: SBUF_OK and *out, or nothing loaded and
 *   SBUF_ENOENT   path does not exist (or cannot be read)
 *   SBUF_EFORMAT  not an ELF shared object for this machine, no
 *                 sbuf_plugin_entry, an entry that returns NULL or no
 *                 strategy, or more than SBUF_PLUGIN_MAX_STRATEGIES
 *   SBUF_ENOLIB   the object needs a shared library (or a symbol) that
 *                 this system does not provide
 *   SBUF_EABI     the descriptor or an ops table was built for another
 *                 SBUF_ABI_VERSION (the message names both versions)
 *   SBUF_EINVAL   an ops table is incomplete (sbuf_ops_check), two share
 *                 a name, or path is NULL
 *   SBUF_ENOMEM   out of memory
 * On failure msg (len bytes, when not NULL) gets one line that names the
 * file and the problem, without a trailing newline.
 */
int sbuf_plugin_open(const char *path, struct sbuf_plugin_handle **out, char *msg, size_t len);

/* Its strategies, in the order the plugin lists them; NULL past the end. */
size_t sbuf_plugin_count(const struct sbuf_plugin_handle *h);
const struct sbuf_ops *sbuf_plugin_at(const struct sbuf_plugin_handle *h, size_t i);
const struct sbuf_ops *sbuf_plugin_find(const struct sbuf_plugin_handle *h, const char *name);
/* The plugin's own name (its descriptor's), and the path it was opened from. */
const char *sbuf_plugin_name(const struct sbuf_plugin_handle *h);
const char *sbuf_plugin_path(const struct sbuf_plugin_handle *h);

/*
 * Adds the plugin's strategy called name, or all of them when name is
 * NULL, to the registry (sbuf_registry_add, same threading rule).  SBUF_OK,
 * or nothing added and SBUF_ENOENT (the plugin exports no such name: the
 * message lists those it does), SBUF_EEXIST (a strategy of that name is
 * registered already, built in or added) or SBUF_ENOMEM (the registry is
 * full); msg as for sbuf_plugin_open.
 */
int sbuf_plugin_register(struct sbuf_plugin_handle *h, const char *name, char *msg, size_t len);

/*
 * Takes the plugin's strategies out of the registry again and unloads it.
 * Every buffer made from them must be destroyed first.  NULL is ignored.
 */
void sbuf_plugin_close(struct sbuf_plugin_handle *h);

#ifdef __cplusplus
}
#endif
#endif
