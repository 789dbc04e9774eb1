/*
 * test-crc.c - the frames' CRC-32 (crc.h) is zlib's, bit for bit: every
 * length 0..4096 at several alignments, in one call and continued from a
 * split point (the decoder continues across a buffer's two spans); and the
 * inline 8-byte CRC of the length check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <zlib.h>

#include "crc.h"

#define MAXLEN 4096

static void test_equals_zlib_every_length_and_alignment(void **state)
{
    (void)state;
    static uint8_t buf[MAXLEN + 64];
    uint32_t x = 0x12345678;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245u + 12345u; /* any bytes will do, as long as they vary */
        buf[i] = (uint8_t)(x >> 16);
    }
    static const size_t align[] = {0, 1, 3, 7, 8, 13, 31, 32};
    for (size_t a = 0; a < sizeof(align) / sizeof(align[0]); a++)
        for (size_t n = 0; n <= MAXLEN; n++) {
            const uint8_t *p = buf + align[a];
            uint32_t want = (uint32_t)crc32(0, p, (uInt)n);
            if (sb_crc32(0, p, n) != want)
                fail_msg("length %zu at offset %zu: %08x, zlib %08x", n, align[a],
                         sb_crc32(0, p, n), want);
            size_t cut = n / 3;
            if (sb_crc32(sb_crc32(0, p, cut), p + cut, n - cut) != want)
                fail_msg("length %zu at offset %zu split at %zu differs from zlib", n, align[a],
                         cut);
        }
}

/* The length check's inline 8-byte CRC (slicing by 8) is zlib's too. */
static void test_eight_bytes_equal_zlib(void **state)
{
    (void)state;
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 200000; i++) {
        uint8_t b[8];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t w = i < 256 ? (uint64_t)i << (8 * (i % 8)) : x; /* single bytes first */
        for (int k = 0; k < 8; k++)
            b[k] = (uint8_t)(w >> (8 * k));
        uint32_t want = (uint32_t)crc32(0, b, 8);
        if (sb_crc32_8(b) != want || sb_crc32_u64(w) != want)
            fail_msg("%016llx: %08x / %08x, zlib %08x", (unsigned long long)w, sb_crc32_8(b),
                     sb_crc32_u64(w), want);
    }
}

static void test_known_value(void **state)
{
    (void)state;
    /* The CRC-32 check value of "123456789" (the catalogue's "check"). */
    assert_int_equal(sb_crc32(0, "123456789", 9), 0xCBF43926u);
    print_message("  crc32 from %s\n", sb_crc32_impl());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals_zlib_every_length_and_alignment),
        cmocka_unit_test(test_eight_bytes_equal_zlib),
        cmocka_unit_test(test_known_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
