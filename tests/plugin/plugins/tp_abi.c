/*
 * tp_abi.c - a plugin built for another sbuf ABI: its descriptor says
 * SBUF_ABI_VERSION + 1, or, with TP_ABI=ops, the descriptor is right and
 * one ops table is not.
 */
#include <stdlib.h>
#include <string.h>

#include "tp_wrap.h"

TP_WRAPPER(future)

static const struct sbuf_ops *const list[] = {&future, NULL};

SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void);
SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void)
{
    static struct sbuf_plugin p = {SBUF_ABI_VERSION + 1, "tp_abi", list};
    future_init("future_ring", "a ring from the future (test)");
    const char *mode = getenv("TP_ABI");
    if (mode && strcmp(mode, "ops") == 0) {
        p.abi = SBUF_ABI_VERSION;
        future.abi = SBUF_ABI_VERSION + 1;
    }
    return &p;
}
