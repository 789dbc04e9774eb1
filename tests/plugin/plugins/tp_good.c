/*
 * tp_good.c - a well-behaved plugin with two strategies: plain_ring itself
 * and plain_ring_b, a wrapper of it under another name (TP_GOOD_NAME
 * renames it, so a test can make it collide with a built-in).
 */
#include <stdlib.h>

#include "tp_wrap.h"

TP_WRAPPER(second)

static const struct sbuf_ops *const list[] = {&sbt_plain_ring_ops, &second, NULL};

SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void);
SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void)
{
    static const struct sbuf_plugin p = {SBUF_ABI_VERSION, "tp_good", list};
    const char *name = getenv("TP_GOOD_NAME");
    second_init(name && *name ? name : "plain_ring_b", "plain_ring under another name (test)");
    return &p;
}
