/*
 * mkseeds.c - writes the hand-made seed inputs of tests/fuzz/corpus/sbuf-ops
 * and tests/fuzz/corpus/frame (the scenario seeds are plain .ini text).
 * Not part of the build: run it once after changing a target's input
 * layout, then check the files in.
 *
 *   cc -std=c11 -D_GNU_SOURCE -Iimpl/include -Ibench/common \
 *      tests/fuzz/mkseeds.c bench/common/frame.c bench/common/crc.c -lz -o /tmp/mkseeds
 *   /tmp/mkseeds tests/fuzz/corpus
 *
 * (The frame seeds were last written for frame version 2.)
 *
 * Each seed spells out its bytes with the layout comment of its target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

static uint8_t buf[1 << 16];
static size_t len;

static void b(unsigned v)
{
    if (len == sizeof(buf))
        abort();
    buf[len++] = (uint8_t)v;
}

static void u16(unsigned v)
{
    b(v & 0xff);
    b(v >> 8);
}

static void bytes(const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b(((const uint8_t *)p)[i]);
}

static void save(const char *dir, const char *sub, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    len = 0;
}

/* ---- sbuf-ops: see the layout in fuzz-sbuf-ops.c --------------------------- */

enum { RESERVE, VIEW, WRITE, WRITE_ALL, READ, PEEK, READLINE, FIND, CLEAR, VIEW_AT };

/* The data of a write: motif repeated, counter mixed in or not. */
static void data(const char *motif, int mixed)
{
    size_t n = strlen(motif);
    b((unsigned)(n - 1) | (mixed ? 0x80u : 0));
    bytes(motif, n);
}

static void op_write(int all, unsigned size, const char *motif, int mixed)
{
    b(all ? WRITE_ALL : WRITE);
    if (size <= 16) {
        b(size);
    } else {
        b(0xff);
        u16(size); /* scaled by the harness over 0 .. 2 x capacity + 1 */
    }
    data(motif, mixed);
}

static void op_reserve(unsigned how, const char *motif, unsigned arg)
{
    b(RESERVE);
    b(how);
    data(motif, 1);
    if (how == 2)
        u16(arg);
    if (how == 3)
        b(arg);
}

static void op_view(unsigned how, unsigned arg)
{
    b(VIEW);
    b(how);
    if (how == 2)
        u16(arg);
    if (how == 3)
        b(arg);
}

static void op_line(int find, const char *delim, unsigned capmode, unsigned arg)
{
    size_t n = strlen(delim);
    b(find ? FIND : READLINE);
    b((unsigned)(n - 1) | capmode << 2);
    bytes(delim, n);
    if (!find && capmode == 1)
        b(arg);
    if (!find && capmode == 2)
        u16(arg);
}

static void op_read(int peek, unsigned size)
{
    b(peek ? PEEK : READ);
    b(size <= 16 ? size : 0xff);
    if (size > 16)
        u16(size);
}

/* One program per strategy: fill past the wrap, lines split across it. */
static void sbuf_ops(const char *dir)
{
    static const unsigned caps[] = {7, 64, 100, 1};
    for (unsigned s = 0; s < 8; s++) {
        for (unsigned c = 0; c < 2; c++) {
            b(s);
            u16(caps[(s + c) % 4] - 1);
            b(c ? 0x0e : 0x01); /* REFUSE, or block/max/min sizes set */
            if (c) {
                u16(0x4000); /* block_size: a quarter of the capacity */
                b(0x03);     /* max_capacity: 4 x */
                u16(0x8000); /* min_capacity: half */
            }
            op_write(0, 5, "ab\n", 0);
            op_reserve(1, "xy\r\n", 0);
            op_view(2, 0x8000);
            op_line(0, "\n", 1, 8);
            op_line(1, "\r\n", 0, 0);
            op_write(1, 0xc000, "<END>", 1);
            op_write(0, 0xffff, "EE", 0);
            op_read(1, 9);
            b(VIEW_AT); u16(0x7000);
            op_line(0, "<END>", 2, 0x4000);
            op_line(0, "EE", 3, 0);
            op_read(0, 0x6000);
            op_reserve(3, "aab", 7);
            op_view(3, 2);
            op_write(0, 12, "aaab", 0);
            op_line(0, "aab", 0, 0);
            op_reserve(2, "\n\n", 0x9000);
            b(CLEAR);
            op_write(0, 16, "z", 1);
            op_view(1, 0);
            op_read(0, 16);
            char name[32];
            snprintf(name, sizeof(name), "s%u-%s", s, c ? "sized" : "refuse");
            save(dir, "sbuf-ops", name);
        }
    }
}

/* ---- frame: see the layout in fuzz-frame.c ---------------------------------- */

static void frame_bytes(uint64_t seq, uint32_t plen)
{
    static uint8_t f[SB_FRAME_OVERHEAD + 4096];
    size_t n = sb_frame_encode(f, sizeof(f), seq, plen, 1000000 + seq);
    if (!n)
        abort();
    bytes(f, n);
}

static void frames(const char *dir)
{
    /* raw: max_payload 4096; chunks of 5, 40, 7 bytes (splits, releases);
     * garbage, three frames, a damaged one, a half magic, the tail of one. */
    b(0x06);
    b(3);
    b(5); b(0x41);
    b(40); b(0x80);
    b(7); b(0x03);
    bytes("noise\xa5", 6);
    frame_bytes(0, 0);
    frame_bytes(1, 17);
    bytes("\xa5\xa5\xc3", 3);
    frame_bytes(2, 64);
    size_t at = len;
    frame_bytes(3, 9);
    buf[at + SB_FRAME_HEADER + 2] ^= 0x40; /* payload damaged: a frame CRC error */
    at = len;
    frame_bytes(4, 3);
    buf[at + 5] ^= 0x01; /* length damaged: a length-check error */
    frame_bytes(5, 100);
    len -= 50; /* the last frame cut short */
    save(dir, "frame", "raw-mixed");

    /* raw: max_payload 32 and a good frame above it (a bad header). */
    b(0x03);
    b(0);
    frame_bytes(7, 200);
    frame_bytes(8, 32);
    save(dir, "frame", "raw-too-long");

    /* raw: one frame split byte by byte. */
    b(0x04);
    b(32);
    for (int i = 0; i < 32; i++) {
        b(1);
        b((unsigned)(i * 8 + 1));
    }
    frame_bytes(9, 20);
    save(dir, "frame", "raw-bytewise");

    /* roundtrip: max_payload 1000; frames with garbage, one damaged. */
    b(0x85);
    b(4);
    b(10); b(0x21);
    b(0); b(0x01);
    b(250); b(0xfe);
    b(100); b(0x00);
    b(0x23); bytes("ab\xa5", 3); b(1); u16(7);             /* len 1, garbage 3 */
    b(0x60); u16(0x8000); b(1); u16(8);                    /* len ~ max/2 */
    b(0x40); b(2); u16(9);                                 /* len max */
    b(0x71); b(0x55); u16(0x4000); b(1); u16(10); u16(0x3000); b(0x80); /* damaged */
    b(0x05); bytes("\xc3\xc3\x01\x00\x00", 5); b(0); u16(11); /* len 0, same seq */
    save(dir, "frame", "roundtrip-mixed");

    /* roundtrip: max_payload 0: only empty frames, back to back. */
    b(0x80);
    b(1);
    b(33); b(0x7f);
    for (int i = 0; i < 6; i++) {
        b(0x00); b(1); u16((unsigned)i);
    }
    save(dir, "frame", "roundtrip-empty");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    sbuf_ops(argv[1]);
    frames(argv[1]);
    return 0;
}
