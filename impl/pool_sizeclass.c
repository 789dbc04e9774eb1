/* pool_sizeclass.c - placeholder until the pool lands: every create fails. */
#include "sbuf_internal.h"

static int stub_create(const struct sbuf_pool_config *cfg, struct sbuf_pool **out)
{
    (void)cfg;
    (void)out;
    return SBUF_ENOTSUP;
}

const struct sbuf_pool_ops sbuf_pool_sizeclass_ops = {.name = "pool_sizeclass", .summary = "not yet implemented", .create = stub_create};
