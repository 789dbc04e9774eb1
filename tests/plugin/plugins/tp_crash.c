/*
 * tp_crash.c - a plugin that crashes: "crashy" segfaults once it has
 * committed TP_CRASH_AFTER bytes (default 1 MiB), or in create when
 * TP_CRASH=create (so the probe itself crashes).
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tp_wrap.h"

TP_WRAPPER(crashy)

static _Atomic unsigned long long committed;
static unsigned long long limit;

static void crash(void)
{
    /* A real fault, not abort(): what a bad pointer in a strategy does. */
    raise(SIGSEGV);
}

static void crashy_commit(struct sbuf *b, size_t n)
{
    if (atomic_fetch_add(&committed, n) + n > limit)
        crash();
    sbt_plain_ring_ops.write_commit(b, n);
}

static int crashy_create_or_crash(const struct sbuf_config *cfg, struct sbuf **out)
{
    const char *mode = getenv("TP_CRASH");
    if (mode && strcmp(mode, "create") == 0)
        crash();
    return crashy_create(cfg, out);
}

static const struct sbuf_ops *const list[] = {&crashy, NULL};

SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void);
SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void)
{
    static const struct sbuf_plugin p = {SBUF_ABI_VERSION, "tp_crash", list};
    crashy_init("crashy", "a ring that segfaults after a while (test)");
    crashy.create = crashy_create_or_crash;
    crashy.write_commit = crashy_commit;
    const char *after = getenv("TP_CRASH_AFTER");
    limit = after && *after ? strtoull(after, NULL, 0) : 1u << 20;
    return &p;
}
