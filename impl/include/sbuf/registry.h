/*
 * registry.h - strategies and pools by name, as fio looks up its ioengines.
 *
 * One registry per process: libsbuf's built-in strategies (the table in
 * registry.c), then those added at run time with sbuf_registry_add, in the
 * order they were added.  Every test suite and benchmark walks it with
 * sbuf_registry_count/at, so a strategy added before they start is run by
 * all of them.
 */
#ifndef SBUF_REGISTRY_H
#define SBUF_REGISTRY_H

#include <stddef.h>

#include "sbuf/pool.h"
#include "sbuf/sbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

size_t sbuf_registry_count(void);
const struct sbuf_ops *sbuf_registry_at(size_t i); /* NULL past the end */
const struct sbuf_ops *sbuf_registry_find(const char *name);

/* Longest strategy name, NUL included (the runner's SB_NAME_MAX). */
#define SBUF_NAME_MAX 64
/* How many strategies sbuf_registry_add can hold besides the built-ins. */
#define SBUF_REGISTRY_MAX_ADDED 32

/*
 * Adds a strategy after the built-ins and those added before it.  The
 * registry keeps the pointer, not a copy: ops must stay valid until
 * sbuf_registry_remove (and as long as any buffer made from it lives).
 * SBUF_OK, or nothing added and:
 *   SBUF_EINVAL  ops NULL or incomplete (see sbuf_ops_check)
 *   SBUF_EABI    ops->abi is not this libsbuf's SBUF_ABI_VERSION
 *   SBUF_EEXIST  a strategy of that name is registered (built-in or added)
 *   SBUF_ENOMEM  SBUF_REGISTRY_MAX_ADDED are added already
 * sbuf_ops_check(ops, msg, len) says why in words.
 *
 * Not thread-safe: add (and remove) from one thread before any other
 * thread creates a buffer or walks the registry, as a program loads its
 * plugins at start-up.  (An add is published with a release store, so a
 * lookup racing with it sees the registry either before or after it, but
 * two adds, or an add and a remove, must never overlap.)
 */
int sbuf_registry_add(const struct sbuf_ops *ops);

/*
 * Removes a strategy added with sbuf_registry_add; those after it move up
 * one place.  SBUF_OK, SBUF_EINVAL (NULL, or a built-in: those stay),
 * SBUF_ENOENT (not registered).  Buffers made from it are not touched:
 * destroy them before ops goes away.  Same threading rule as add.
 */
int sbuf_registry_remove(const struct sbuf_ops *ops);

/*
 * Checks what sbuf_registry_add checks, except uniqueness: SBUF_OK,
 * SBUF_EINVAL or SBUF_EABI.  On failure writes one line into msg (when msg
 * is not NULL and len > 0; truncated to fit) saying what is wrong; an ABI
 * mismatch names both versions: "strategy ops table built for sbuf ABI 2,
 * but this libsbuf is ABI 1".  The checks: abi == SBUF_ABI_VERSION (read
 * first: the rest of a foreign table's layout cannot be trusted); a name of
 * 1 to SBUF_NAME_MAX - 1 characters from [A-Za-z0-9_.-] (names end up in
 * CSV columns, scenario lists and test names); a non-empty summary;
 * create, destroy, the four core calls, used and capacity; only known caps
 * bits; storage_size with SBUF_CAP_STATIC; producer_lock and
 * producer_unlock both or neither, and both with SBUF_CAP_MULTI_PRODUCER.
 */
int sbuf_ops_check(const struct sbuf_ops *ops, char *msg, size_t len);

size_t sbuf_pool_registry_count(void);
const struct sbuf_pool_ops *sbuf_pool_registry_at(size_t i);
const struct sbuf_pool_ops *sbuf_pool_registry_find(const char *name);

/* "contiguous,grows,..." for caps, into buf; returns buf. */
const char *sbuf_caps_string(unsigned caps, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
