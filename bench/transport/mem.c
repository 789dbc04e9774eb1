/*
 * mem.c - transport = mem: no port.  The workload joins producer and
 * consumer with the one buffer under test, so a run measures the buffer's
 * own cost and nothing else.
 */
#include <stdlib.h>

#include "transport.h"

static int mem_open(const struct sb_link_params *lp, struct sb_transport **out,
                    struct sb_err *err)
{
    (void)lp;
    struct sb_transport *t = calloc(1, sizeof(*t));
    if (!t) {
        sb_errf(err, SB_EXIT_MISSING, "out of memory");
        return SBUF_ENOMEM;
    }
    t->ops = &sb_transport_mem_ops;
    t->fd = -1;
    t->name[0] = '\0';
    *out = t;
    return SBUF_OK;
}

static void mem_close(struct sb_transport *t)
{
    free(t);
}

const struct sb_transport_ops sb_transport_mem_ops = {
    .name = "mem",
    .summary = "producer thread -> buffer -> consumer thread in one process: the buffer's own cost",
    .open = mem_open,
    .close = mem_close,
};
