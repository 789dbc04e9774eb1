/*
 * tp_ownlib.c - plain_ring in a plugin that links libsbuf.a, its symbols
 * hidden (-Wl,--exclude-libs,ALL): the plugin has its own registry and
 * allocation hook, so its allocations go past the host's hook.  The probe
 * must refuse it, and the conformance suite's allocation_hook case fail.
 */
#include "tp_wrap.h"

SBUF_PLUGIN("tp_ownlib", &sbt_plain_ring_ops);
