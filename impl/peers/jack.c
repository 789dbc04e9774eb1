/* jack.c - placeholder until the strategy lands: every create fails. */
#include "../sbuf_internal.h"

static int stub_create(const struct sbuf_config *cfg, struct sbuf **out)
{
    (void)cfg;
    (void)out;
    return SBUF_ENOTSUP;
}

const struct sbuf_ops sbuf_jack_ops = {.name = "jack", .summary = "not yet implemented", .create = stub_create};
