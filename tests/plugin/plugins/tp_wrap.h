/*
 * tp_wrap.h - the test plugins' way of making a strategy: plain_ring
 * (tests/unit/plugin/, public headers only) under another name, with some
 * calls replaced, as a wrapper does it (sbuf/strategy.h).  Call
 * tp_wrap_init once (from the plugin's entry, before the table is used).
 */
#ifndef TP_WRAP_H
#define TP_WRAP_H

#include "plain_ring.h"
#include "sbuf/plugin.h"
#include "sbuf/strategy.h"

/* The wrapper's table; the create below points each buffer at it. */
#define TP_WRAPPER(var)                                                        \
    static struct sbuf_ops var;                                                \
    static int var##_create(const struct sbuf_config *cfg, struct sbuf **out)  \
    {                                                                          \
        int rc = sbt_plain_ring_ops.create(cfg, out);                          \
        if (rc == SBUF_OK)                                                     \
            (*out)->ops = &var;                                                \
        return rc;                                                             \
    }                                                                          \
    static void var##_init(const char *name, const char *summary)              \
    {                                                                          \
        var = sbt_plain_ring_ops;                                              \
        var.name = name;                                                       \
        var.summary = summary;                                                 \
        var.create = var##_create;                                             \
    }

#endif
