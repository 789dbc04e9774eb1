/*
 * tp_liar.c - a plugin that breaks the contract quietly: "liar" loses one
 * byte in every 1000 releases (the consumer's index moves one further
 * than asked), as an off-by-one in a real ring would.
 */
#include <stdatomic.h>

#include "tp_wrap.h"

TP_WRAPPER(liar)

static _Atomic unsigned long releases;

static void liar_release(struct sbuf *b, size_t n)
{
    /* One byte more than released, when there is one to lose. */
    if (n > 0 && atomic_fetch_add(&releases, 1) % 1000 == 999 &&
        sbt_plain_ring_ops.used(b) > n)
        n++;
    sbt_plain_ring_ops.read_release(b, n);
}

static const struct sbuf_ops *const list[] = {&liar, NULL};

SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void);
SBUF_PLUGIN_EXPORT const struct sbuf_plugin *sbuf_plugin_entry(void)
{
    static const struct sbuf_plugin p = {SBUF_ABI_VERSION, "tp_liar", list};
    liar_init("liar", "a ring that loses a byte now and then (test)");
    liar.read_release = liar_release;
    return &p;
}
