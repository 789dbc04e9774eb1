/*
 * tp_needslib.c - a good plugin that needs a shared library (libtp_gone.so)
 * the system does not have at run time: the build does not put its
 * directory in the plugin's run path.
 */
#include "tp_wrap.h"

int tp_gone(void);

TP_WRAPPER(needy)

static const struct sbuf_ops *const list[] = {&needy, NULL};

SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void);
SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void)
{
    static const struct sbuf_plugin p = {SBUF_ABI_VERSION, "tp_needslib", list};
    needy_init(tp_gone() == 42 ? "needy" : "needy?", "a ring that needs libtp_gone (test)");
    return &p;
}
