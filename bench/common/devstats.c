/*
 * devstats.c - control frames (see devstats.h): the runner's frame format,
 * sealed and checked by frame.c, with a flag set and the counters as the
 * payload.
 */
#include <string.h>

#include "devstats.h"

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

size_t sb_ctrl_encode_request(uint8_t *buf, size_t cap)
{
    return sb_frame_seal(buf, cap, SB_CTRL_FLAG, SB_CTRL_STATS_REQUEST, 0, 0);
}

size_t sb_ctrl_encode_reply(uint8_t *buf, size_t cap, const struct sb_dev_counters *c)
{
    uint32_t len = 4 + 8 * (uint32_t)SB_DEV_NCOUNTERS;
    if (!buf || !c || cap < sb_frame_size(len))
        return 0;
    uint64_t v[SB_DEV_NCOUNTERS];
    memcpy(v, c, sizeof(v));
    uint8_t *p = buf + SB_FRAME_HEADER;
    uint32_t count = (uint32_t)SB_DEV_NCOUNTERS;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(count >> (8 * i));
    for (size_t i = 0; i < SB_DEV_NCOUNTERS; i++)
        put_le64(p + 4 + 8 * i, v[i]);
    return sb_frame_seal(buf, cap, SB_CTRL_FLAG, SB_CTRL_STATS_REPLY, len, 0);
}

int sb_ctrl_decode(const uint8_t *frame, size_t n, unsigned *kind, struct sb_dev_counters *c)
{
    uint32_t len;
    unsigned flags;
    uint64_t seq;
    if (!frame || !kind || n < SB_FRAME_OVERHEAD || !sb_frame_peek(frame, &len, &flags) ||
        flags != SB_CTRL_FLAG || sb_frame_size(len) > SB_CTRL_MAX_FRAME ||
        !sb_frame_check(frame, sb_frame_size(len) <= n ? sb_frame_size(len) : n, &seq, NULL))
        return -1;
    *kind = (unsigned)seq;
    if (c)
        memset(c, 0, sizeof(*c));
    if (seq == SB_CTRL_STATS_REQUEST)
        return len == 0 ? 0 : -1;
    if (seq != SB_CTRL_STATS_REPLY || len < 4)
        return -1;
    const uint8_t *p = frame + SB_FRAME_HEADER;
    uint32_t count = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
    if (4 + 8 * (uint64_t)count > len)
        return -1;
    if (c) {
        uint64_t v[SB_DEV_NCOUNTERS] = {0};
        for (uint32_t i = 0; i < count && i < SB_DEV_NCOUNTERS; i++)
            v[i] = get_le64(p + 4 + 8 * i);
        memcpy(c, v, sizeof(v));
    }
    return 0;
}
