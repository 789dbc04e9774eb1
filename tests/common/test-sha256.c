/*
 * test-sha256.c - SHA-256 against FIPS 180-4's examples and the million
 * 'a's, fed in every split, and a file hashed against sha256sum's answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"

static void hash_split(const char *msg, size_t split, char hex[SB_SHA256_HEX])
{
    struct sb_sha256 s;
    size_t n = strlen(msg);
    sb_sha256_init(&s);
    sb_sha256_update(&s, msg, split);
    sb_sha256_update(&s, msg + split, n - split);
    sb_sha256_hex(&s, hex);
}

static void test_known_answers(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *hex;
    } kat[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
         "lmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    for (size_t i = 0; i < sizeof(kat) / sizeof(kat[0]); i++)
        for (size_t split = 0; split <= strlen(kat[i].msg); split++) {
            char hex[SB_SHA256_HEX];
            hash_split(kat[i].msg, split, hex);
            if (strcmp(hex, kat[i].hex) != 0)
                fail_msg("'%s' split at %zu: %s, want %s", kat[i].msg, split, hex, kat[i].hex);
        }
}

static void test_million_a_and_file(void **state)
{
    (void)state;
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    char tmpl[] = "/tmp/sb-sha256-XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, a, 1000000), 1000000);
    close(fd);
    char hex[SB_SHA256_HEX];
    assert_int_equal(sb_sha256_file(tmpl, hex), 0);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    unlink(tmpl);
    free(a);
    assert_int_equal(sb_sha256_file("/nonexistent/file", hex), -1);
    assert_string_equal(hex, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_million_a_and_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
