/* tp_noentry.c - a shared object with a strategy but no sbuf_plugin_entry. */
#include "plain_ring.h"

__attribute__((visibility("default"))) const struct sbuf_ops *tp_noentry_ops(void);
const struct sbuf_ops *tp_noentry_ops(void)
{
    return &sbt_plain_ring_ops;
}
