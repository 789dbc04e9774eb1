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
