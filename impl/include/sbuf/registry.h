/*
 * registry.h - strategies and pools by name, as fio looks up its ioengines.
 * A strategy is registered by adding its ops table to registry.c; from then
 * on the conformance, model and stress tests and the benchmarks all run it.
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

size_t sbuf_pool_registry_count(void);
const struct sbuf_pool_ops *sbuf_pool_registry_at(size_t i);
const struct sbuf_pool_ops *sbuf_pool_registry_find(const char *name);

/* "contiguous,grows,..." for caps, into buf; returns buf. */
const char *sbuf_caps_string(unsigned caps, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
