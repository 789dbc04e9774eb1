/*
 * mmap_log_format.h - the on-disk layout of an mmap_log file; not installed.
 * Shared by mmap_log.c and the tests that corrupt files on purpose.
 *
 *   offset 0            header (this struct), padded to one page
 *   offset header_size  capacity bytes of ring data
 *
 * The file is native-endian and native page-sized: it is a crash/restart
 * log for one machine, not an interchange format.  A file written with
 * another byte order or page size fails the version or header_size check
 * and is refused with SBUF_EFORMAT.
 */
#ifndef SBUF_MMAP_LOG_FORMAT_H
#define SBUF_MMAP_LOG_FORMAT_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#define SBUF_MLOG_MAGIC "SBUFMLOG" /* 8 bytes, compared without the NUL */
#define SBUF_MLOG_VERSION 1u

struct sbuf_mlog_header {
    /* Written once at creation; covered by check. */
    uint8_t magic[8];
    uint32_t version;
    uint32_t header_size; /* bytes before the data: the creating system's page size */
    uint64_t capacity;    /* data bytes: a power of two, at least one page */
    uint64_t check;       /* sbuf__mlog_check() of the fields above */
    /*
     * Free-running byte counts, as in ring_spsc: head = bytes ever committed,
     * tail = bytes ever released; head - tail <= capacity in a valid file.
     * They change on every call, so the check does not cover them; open
     * checks their distance instead.  64 bits wrap after 584 years at 1 GB/s.
     * Each on its own cache line: producer and consumer store to different lines.
     */
    alignas(64) _Atomic uint64_t head;
    alignas(64) _Atomic uint64_t tail;
};

/*
 * FNV-1a (64-bit) over the fixed fields.  It detects a foreign or damaged
 * header; it is not a defence against someone forging one.
 */
static inline uint64_t sbuf__mlog_check(const struct sbuf_mlog_header *h)
{
    const uint8_t *p = (const uint8_t *)h;
    const uint8_t *end = (const uint8_t *)&h->check;
    uint64_t x = 0xcbf29ce484222325u;
    while (p < end) {
        x ^= *p++;
        x *= 0x100000001b3u;
    }
    return x;
}

#endif
