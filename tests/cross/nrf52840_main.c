/*
 * nrf52840_main.c - what a firmware does with libsbuf on the nRF52840: a
 * ring_spsc, a bip buffer, a pool_fixed and a pool_local, each in static
 * storage, no heap.
 * build.sh compiles and links it for the Cortex-M4F and checks that malloc
 * did not come along; it is not run (there is no board in CI).
 *
 * Strategies are created through their ops tables, not by name: the
 * registry lists every strategy, most of which need an MMU or a host.
 */
#include <stdalign.h>
#include <string.h>

#include "sbuf/pool.h"
#include "sbuf/sbuf.h"

extern const struct sbuf_ops sbuf_ring_spsc_ops;
extern const struct sbuf_ops sbuf_bip_ops;
extern const struct sbuf_pool_ops sbuf_pool_fixed_ops;
extern const struct sbuf_pool_ops sbuf_pool_local_ops;

#define BUF_BYTES 1024
#define POOL_BLOCK 128
#define POOL_BLOCKS 8

/* Room for each object's header as well; main checks it is enough. */
static alignas(64) unsigned char spsc_mem[BUF_BYTES + 1024];
static alignas(64) unsigned char bip_mem[BUF_BYTES + 1024];
static alignas(64) unsigned char pool_mem[POOL_BLOCKS * POOL_BLOCK + 1024];

/* A line through a buffer: written in, read back by readline. */
static int line_through(const struct sbuf_ops *ops, void *mem, size_t mem_size)
{
    struct sbuf_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.capacity = BUF_BYTES;
    if (sbuf_storage_size(ops, &cfg) > mem_size)
        return 1;
    cfg.storage = mem;
    cfg.storage_size = mem_size;
    struct sbuf *b;
    if (sbuf_create_ops(ops, &cfg, &b) != SBUF_OK)
        return 2;
    static const char msg[] = "AT+PING\r\n";
    char line[16];
    size_t len = 0;
    int rc = 0;
    if (sbuf_write_all(b, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
        rc = 3;
    else if (sbuf_readline(b, line, sizeof(line), "\r\n", 2, &len) != SBUF_OK ||
             len != sizeof(msg) - 1 || memcmp(line, msg, len) != 0)
        rc = 4;
    sbuf_destroy(b);
    return rc;
}

static int pool_round_trip(const struct sbuf_pool_ops *ops)
{
    struct sbuf_pool_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.block_size = POOL_BLOCK;
    cfg.blocks = POOL_BLOCKS;
    cfg.on_exhaust = SBUF_EXHAUST_REFUSE;
    if (sbuf_pool_storage_size(ops, &cfg) > sizeof(pool_mem))
        return 11;
    cfg.storage = pool_mem;
    cfg.storage_size = sizeof(pool_mem);
    struct sbuf_pool *p;
    if (sbuf_pool_create_ops(ops, &cfg, &p) != SBUF_OK)
        return 12;
    int rc = 0;
    void *blk = sbuf_pool_get(p, POOL_BLOCK);
    if (!blk || sbuf_pool_put(p, blk) != SBUF_OK || sbuf_pool_put(p, blk) != SBUF_EDOUBLE)
        rc = 13;
    sbuf_pool_destroy(p);
    return rc;
}

int main(void)
{
    int rc = line_through(&sbuf_ring_spsc_ops, spsc_mem, sizeof(spsc_mem));
    if (!rc)
        rc = line_through(&sbuf_bip_ops, bip_mem, sizeof(bip_mem));
    if (!rc)
        rc = pool_round_trip(&sbuf_pool_fixed_ops);
    if (!rc)
        rc = pool_round_trip(&sbuf_pool_local_ops);
    return rc;
}
