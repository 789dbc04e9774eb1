/*
 * fwproto.c - serbench's frames on the bare-metal firmware's wire (see
 * fwproto.h).  No heap, no hardware; the answer is built in p->reply.
 */
#include <string.h>

#include "fwproto.h"

#define MAGIC0 0xA5u
#define MAGIC1 0xC3u
#define VERSION 2u

/* zlib's CRC-32, four bits at a time: a 64-byte table, fast enough for a
 * length check per frame and one answer per run. */
uint32_t fw_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t t[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
    };
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        crc = (crc >> 4) ^ t[crc & 15u];
        crc = (crc >> 4) ^ t[crc & 15u];
    }
    return ~crc;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void reset_counters(struct fw_proto *p)
{
    memset(p->c, 0, sizeof(p->c));
}

void fw_proto_init(struct fw_proto *p, const struct fw_mem *mem)
{
    memset(p, 0, sizeof(*p));
    p->mem = *mem;
}

void fw_proto_hw_overrun(struct fw_proto *p)
{
    p->c[FW_C_OVERRUN_EVENTS]++;
}

static int try_answer(struct fw_proto *p, const struct fw_io *io)
{
    if (p->pending && io->answer(io->ctx, p->reply, FW_REPLY_SIZE) == 0)
        p->pending = 0;
    return p->pending ? -1 : 0;
}

/* Echoes n bytes that are not a control frame's; counts what was lost. */
static void pass(struct fw_proto *p, const uint8_t *b, size_t n, int data, const struct fw_io *io)
{
    size_t took = try_answer(p, io) == 0 ? io->echo(io->ctx, b, n) : 0;
    p->c[FW_C_BYTES_IN] += n;
    p->c[FW_C_BYTES_OUT] += took;
    if (took < n) {
        p->c[FW_C_OVERRUN_BYTES] += n - took;
        p->c[FW_C_OVERRUN_EVENTS] += !p->losing;
        p->losing = 1;
        p->lost |= (uint8_t)data;
    } else if (n) {
        p->losing = 0;
    }
}

static void data_frame_end(struct fw_proto *p)
{
    p->c[FW_C_FRAMES_IN]++;
    if (p->lost) {
        p->c[FW_C_OVERRUN_FRAMES]++;
        p->c[FW_C_DAMAGED_FRAMES]++;
    } else {
        p->c[FW_C_FRAMES_OUT]++;
    }
    p->lost = 0;
}

static void seal(uint8_t *f, unsigned kind, uint32_t len)
{
    f[0] = MAGIC0;
    f[1] = MAGIC1;
    f[2] = VERSION;
    f[3] = FW_CTRL_FLAG;
    put32(f + 4, len);
    put32(f + 8, fw_crc32(0, f, 8));
    put64(f + 12, kind);
    put64(f + 20, 0); /* send time */
    put64(f + 28, 0); /* intended time */
    put32(f + FW_FRAME_HEADER + len, fw_crc32(0, f, FW_FRAME_HEADER + len));
}

static void answer(struct fw_proto *p, uint64_t now_ns, const struct fw_io *io)
{
    if (p->pending)
        return; /* still sending the last one: the host asked twice at once */
    uint64_t *c = p->c;
    c[FW_C_RAM_BUDGET] = p->mem.ram_budget;
    c[FW_C_RAM_FREE] = p->mem.ram_free;
    c[FW_C_UPTIME_NS] = now_ns;
    c[FW_C_HEAP_FREE] = p->mem.heap_free;
    c[FW_C_HEAP_ALLOC] = p->mem.heap_alloc;
    c[FW_C_STATIC_RAM] = p->mem.static_ram;
    c[FW_C_STACK_RESERVE] = p->mem.stack_reserve;
    c[FW_C_DEVICE_KIND] = FW_KIND_BAREMETAL;
    uint8_t *f = p->reply;
    put32(f + FW_FRAME_HEADER, FW_NCOUNT);
    for (unsigned i = 0; i < FW_NCOUNT; i++)
        put64(f + FW_FRAME_HEADER + 4 + 8 * i, c[i]);
    seal(f, FW_STATS_REPLY, FW_REPLY_LEN);
    reset_counters(p);
    p->pending = 1;
    try_answer(p, io);
}

/* A whole control frame of clen bytes, its first FW_FRAME_OVERHEAD in hdr. */
static void control_end(struct fw_proto *p, uint64_t now_ns, const struct fw_io *io)
{
    const uint8_t *h = p->hdr;
    uint32_t kind_hi = get32(h + 16);
    if (p->clen == FW_FRAME_OVERHEAD && get32(h + 12) == FW_STATS_REQUEST && kind_hi == 0 &&
        get32(h + FW_FRAME_HEADER) == fw_crc32(0, h, FW_FRAME_HEADER))
        answer(p, now_ns, io);
    p->clen = 0;
    p->hn = 0;
}

enum { NEED_MORE, NOT_A_HEADER, DATA_HEADER, CONTROL_HEADER };

/* What the hn bytes gathered in hdr are. */
static int verdict(const struct fw_proto *p)
{
    const uint8_t *h = p->hdr;
    switch (p->hn) {
    case 1: return h[0] == MAGIC0 ? NEED_MORE : NOT_A_HEADER;
    case 2: return h[1] == MAGIC1 ? NEED_MORE : NOT_A_HEADER;
    case 3: return h[2] == VERSION ? NEED_MORE : NOT_A_HEADER;
    case 4: return h[3] == 0 || h[3] == FW_CTRL_FLAG ? NEED_MORE : NOT_A_HEADER;
    case FW_LENGTH_END: break;
    default: return NEED_MORE;
    }
    uint32_t len = get32(h + 4);
    if (get32(h + 8) != fw_crc32(0, h, 8))
        return NOT_A_HEADER;
    if (h[3] == 0 && len <= FW_MAX_PAYLOAD)
        return DATA_HEADER;
    if (h[3] == FW_CTRL_FLAG && len <= FW_CTRL_MAX_FRAME - FW_FRAME_OVERHEAD)
        return CONTROL_HEADER;
    return NOT_A_HEADER;
}

static void feed(struct fw_proto *p, const uint8_t *b, size_t n, uint64_t now_ns,
                 const struct fw_io *io);

/* The gathered bytes are not a header: the first is garbage, and the
 * search starts again at the second. */
static void give_up_header(struct fw_proto *p, uint64_t now_ns, const struct fw_io *io)
{
    uint8_t rest[FW_LENGTH_END];
    size_t m = p->hn - 1;
    memcpy(rest, p->hdr + 1, m);
    p->hn = 0;
    p->waiting = 0;
    p->c[FW_C_GARBAGE_BYTES]++;
    pass(p, p->hdr, 1, 0, io);
    feed(p, rest, m, now_ns, io); /* at most 11 deep, one byte fewer each time */
}

static void feed(struct fw_proto *p, const uint8_t *b, size_t n, uint64_t now_ns,
                 const struct fw_io *io)
{
    while (n) {
        if (p->left) {
            /* Inside a data frame: it passes whole. */
            size_t k = n < p->left ? n : p->left;
            pass(p, b, k, 1, io);
            b += k;
            n -= k;
            p->left -= (uint32_t)k;
            if (!p->left)
                data_frame_end(p);
            continue;
        }
        if (p->clen) {
            /* Inside a control frame: kept (its first FW_FRAME_OVERHEAD bytes), never echoed. */
            size_t k = p->clen - p->hn;
            if (k > n)
                k = n;
            if (p->hn < sizeof(p->hdr)) {
                size_t keep = sizeof(p->hdr) - p->hn;
                memcpy(p->hdr + p->hn, b, k < keep ? k : keep);
            }
            p->hn += (uint32_t)k;
            b += k;
            n -= k;
            if (p->hn == p->clen)
                control_end(p, now_ns, io);
            continue;
        }
        if (p->hn == 0 && *b != MAGIC0) {
            /* Garbage, up to the next byte that may start a header. */
            const uint8_t *next = memchr(b, MAGIC0, n);
            size_t k = next ? (size_t)(next - b) : n;
            p->c[FW_C_GARBAGE_BYTES] += k;
            pass(p, b, k, 0, io);
            b += k;
            n -= k;
            continue;
        }
        p->hdr[p->hn++] = *b++;
        n--;
        switch (verdict(p)) {
        case NEED_MORE:
            break;
        case NOT_A_HEADER:
            give_up_header(p, now_ns, io);
            break;
        case DATA_HEADER:
            p->waiting = 0;
            p->hn = 0;
            p->lost = 0;
            p->left = get32(p->hdr + 4) + FW_FRAME_OVERHEAD - FW_LENGTH_END;
            pass(p, p->hdr, FW_LENGTH_END, 1, io);
            break;
        case CONTROL_HEADER:
            p->waiting = 0;
            p->clen = get32(p->hdr + 4) + FW_FRAME_OVERHEAD;
            break;
        }
    }
}

void fw_proto_feed(struct fw_proto *p, const uint8_t *b, size_t n, uint64_t now_ns,
                   const struct fw_io *io)
{
    feed(p, b, n, now_ns, io);
    if (p->hn && !p->clen && !p->waiting) {
        p->waiting = 1;
        p->wait_since = now_ns;
    }
}

void fw_proto_idle(struct fw_proto *p, uint64_t now_ns, const struct fw_io *io)
{
    try_answer(p, io);
    while (p->waiting && p->hn && !p->clen && now_ns - p->wait_since >= FW_HOLD_NS) {
        give_up_header(p, now_ns, io);
        /* What was fed again may be waiting itself: from now on. */
        if (p->hn && !p->clen) {
            p->waiting = 1;
            p->wait_since = now_ns;
        }
    }
}
