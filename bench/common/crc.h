/*
 * crc.h - CRC-32 (the zlib/gzip polynomial, reflected: the same values as
 * zlib's crc32()) for the wire frames.
 *
 * Intel ISA-L's crc32_gzip_refl folds with PCLMULQDQ: 17.7 ns for 96 bytes
 * against zlib's 129.7 ns on the 2-vCPU machine, 57 ns against 983 ns for
 * 4 KiB.  The CRC was most of the harness's per-message cost, so it is
 * ISA-L where it is installed (SB_HAVE_ISAL, set by the build) and zlib
 * otherwise; env.json records which (sb_crc32_impl).  The values are the
 * same either way (tests/runner/test-crc.c checks every length 0..4096 at
 * several alignments against zlib).
 */
#ifndef SB_CRC_H
#define SB_CRC_H

#include <stddef.h>
#include <stdint.h>

#ifdef SB_HAVE_ISAL
#include <isa-l/crc.h>
#else
#include <zlib.h>
#endif

/* The CRC of p[0..n) continuing from crc (0 to start), as zlib's crc32(). */
static inline uint32_t sb_crc32(uint32_t crc, const void *p, size_t n)
{
#ifdef SB_HAVE_ISAL
    return crc32_gzip_refl(crc, (const unsigned char *)p, (uint64_t)n);
#else
    /* n <= a frame's size, far below zlib's uInt limit */
    return (uint32_t)crc32(crc, (const Bytef *)p, (uInt)n);
#endif
}

/*
 * The CRC of exactly 8 bytes from 0 (a frame's length check): the same value
 * as sb_crc32(0, p, 8), inline, slicing by 8 over sb_crc32_tab (crc.c).  A
 * library call costs about 20 ns for 8 bytes here, mostly fixed overhead
 * (dispatch, alignment and length handling); this is 8 table loads that
 * run in parallel, and the encoder and the decoder each need one a frame.
 */
extern uint32_t sb_crc32_tab[8][256];

/* The same, of the 8 bytes whose little-endian value is w (no reload of
 * bytes just stored: the encoder builds them in a register). */
static inline uint32_t sb_crc32_u64(uint64_t w)
{
    w ^= 0xffffffffu;
    uint32_t c = sb_crc32_tab[7][w & 0xff] ^ sb_crc32_tab[6][(w >> 8) & 0xff] ^
                 sb_crc32_tab[5][(w >> 16) & 0xff] ^ sb_crc32_tab[4][(w >> 24) & 0xff] ^
                 sb_crc32_tab[3][(w >> 32) & 0xff] ^ sb_crc32_tab[2][(w >> 40) & 0xff] ^
                 sb_crc32_tab[1][(w >> 48) & 0xff] ^ sb_crc32_tab[0][w >> 56];
    return ~c;
}

static inline uint32_t sb_crc32_8(const void *p)
{
    uint64_t w;
    __builtin_memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return sb_crc32_u64(w);
}

/* "isa-l" or "zlib": which library computes it, for env.json. */
static inline const char *sb_crc32_impl(void)
{
#ifdef SB_HAVE_ISAL
    return "isa-l";
#else
    return "zlib";
#endif
}

#endif
