/*
 * test-crc.c - the frames' CRC-32 (crc.h) is zlib's, bit for bit: every
 * length 0..4096 at several alignments, in one call and continued from a
 * split point (the decoder continues across a buffer's two spans).
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
        cmocka_unit_test(test_known_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
