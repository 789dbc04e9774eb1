/* tp_createfail.c - a plugin whose create always fails (out of memory). */
#include "tp_wrap.h"

static int refuse(const struct sbuf_config *cfg, struct sbuf **out)
{
    (void)cfg;
    *out = NULL;
    return SBUF_ENOMEM;
}

TP_WRAPPER(broken)

static const struct sbuf_ops *const list[] = {&broken, NULL};

SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void);
SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void)
{
    static const struct sbuf_plugin p = {SBUF_ABI_VERSION, "tp_createfail", list};
    broken_init("never_ring", "a ring that cannot be created (test)");
    broken.create = refuse;
    return &p;
}
