/*
 * test-plugin-load.c - the plugin loader (sbuf/plugin.h) in-process: every
 * kind of bad plugin refused with the right code and a message naming the
 * file and the problem; a good one registered, found, created, removed;
 * and the one allocation hook: a plugin linked against libsbuf.so
 * allocates through this process's hook, one carrying its own libsbuf.a
 * does not (which is what serbench's probe refuses).
 *
 * Needs SERBENCH_TEST_PLUGINS (the built test plugins, set by CTest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbt_alloc.h"
#include "sbuf/plugin.h"
#include "sbuf/registry.h"

static const char *dir;

static const char *plugin(const char *name)
{
    static char path[4][PATH_MAX];
    static int i;
    i = (i + 1) % 4;
    snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
    return path[i];
}

/* Opening path fails with rc, and the one-line message holds path and want. */
static void expect_refused(const char *path, int rc, const char *want)
{
    struct sbuf_plugin_handle *h = (struct sbuf_plugin_handle *)&h;
    char msg[1024];
    int got = sbuf_plugin_open(path, &h, msg, sizeof(msg));
    if (got != rc)
        fail_msg("%s: rc %d (%s), want %d; message: %s", path, got, sbuf_strerror(got), rc, msg);
    assert_null(h);
    if (!strstr(msg, path) || !strstr(msg, want) || strchr(msg, '\n'))
        fail_msg("message '%s' lacks '%s' or '%s', or is not one line", msg, path, want);
}

static void test_bad_plugins(void **state)
{
    (void)state;
    size_t before = sbuf_registry_count();
    expect_refused(plugin("nonexistent.so"), SBUF_ENOENT, "no such file");
    char text[PATH_MAX];
    snprintf(text, sizeof(text), "/tmp/sb-notso-%d.so", (int)getpid());
    FILE *f = fopen(text, "w");
    assert_non_null(f);
    fputs("this is not a shared object, whatever its name says\n", f);
    fclose(f);
    expect_refused(text, SBUF_EFORMAT, "not a shared object (no ELF header)");
    unlink(text);
    expect_refused("/proc/self/exe", SBUF_EFORMAT, "not a shared object");
    expect_refused(dir, SBUF_EFORMAT, "not a regular file");
    expect_refused(plugin("tp_noentry.so"), SBUF_EFORMAT, "no sbuf_plugin_entry");
    char both[64];
    snprintf(both, sizeof(both), "built for sbuf ABI %u, but this libsbuf is ABI %u",
             SBUF_ABI_VERSION + 1, SBUF_ABI_VERSION);
    expect_refused(plugin("tp_abi.so"), SBUF_EABI, both);
    setenv("TP_ABI", "ops", 1);
    /* The same file again: dlopen hands back the loaded object unless it was
     * closed, which the refusal did; the entry runs again either way. */
    expect_refused(plugin("tp_abi.so"), SBUF_EABI, both);
    unsetenv("TP_ABI");
    expect_refused(plugin("tp_needslib.so"), SBUF_ENOLIB, "needs libtp_gone.so");
    struct sbuf_plugin_handle *h;
    char msg[512];
    assert_int_equal(sbuf_plugin_open(NULL, &h, msg, sizeof(msg)), SBUF_EINVAL);
    assert_int_equal(sbuf_registry_count(), before); /* nothing registered on the way */
}

static void test_good_plugin(void **state)
{
    (void)state;
    size_t before = sbuf_registry_count();
    struct sbuf_plugin_handle *h;
    char msg[1024];
    int rc = sbuf_plugin_open(plugin("tp_good.so"), &h, msg, sizeof(msg));
    if (rc)
        fail_msg("%s", msg);
    assert_string_equal(sbuf_plugin_name(h), "tp_good");
    assert_int_equal(sbuf_plugin_path(h)[0], '/');
    assert_int_equal(sbuf_plugin_count(h), 2);
    assert_string_equal(sbuf_plugin_at(h, 0)->name, "plain_ring");
    assert_string_equal(sbuf_plugin_at(h, 1)->name, "plain_ring_b");
    assert_null(sbuf_plugin_at(h, 2));
    assert_ptr_equal(sbuf_plugin_find(h, "plain_ring_b"), sbuf_plugin_at(h, 1));
    assert_null(sbuf_registry_find("plain_ring_b")); /* opened, not registered */

    rc = sbuf_plugin_register(h, "nope", msg, sizeof(msg));
    assert_int_equal(rc, SBUF_ENOENT);
    assert_non_null(strstr(msg, "exports no strategy 'nope' (it exports: plain_ring, plain_ring_b)"));
    rc = sbuf_plugin_register(h, "plain_ring_b", msg, sizeof(msg));
    if (rc)
        fail_msg("%s", msg);
    assert_int_equal(sbuf_registry_count(), before + 1);
    assert_ptr_equal(sbuf_registry_find("plain_ring_b"), sbuf_plugin_at(h, 1));
    rc = sbuf_plugin_register(h, NULL, msg, sizeof(msg)); /* the rest; b again is fine */
    if (rc)
        fail_msg("%s", msg);
    assert_int_equal(sbuf_registry_count(), before + 2);

    /* Created by name through the registry, and through this process's hook. */
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbuf_config cfg = {.capacity = 1000};
    struct sbuf *b = NULL;
    assert_int_equal(sbuf_create("plain_ring_b", &cfg, &b), SBUF_OK);
    assert_string_equal(sbuf_name(b), "plain_ring_b");
    assert_int_equal(sbuf_capacity(b), 1000);
    assert_int_equal(sbuf_write(b, "hello", 5), 5);
    char out[8] = {0};
    assert_int_equal(sbuf_read(b, out, 8), 5);
    assert_string_equal(out, "hello");
    struct sbt_alloc_counts c = sbt_alloc_counts();
    if (c.allocs == 0)
        fail_msg("the plugin's create made no allocation through this process's hook");
    sbt_alloc_destroy_clean(b);
    assert_int_equal(sbt_alloc_counts().live, 0);

    sbuf_plugin_close(h);
    assert_int_equal(sbuf_registry_count(), before);
    assert_null(sbuf_registry_find("plain_ring_b"));
}

static void test_name_collision(void **state)
{
    (void)state;
    setenv("TP_GOOD_NAME", "ring_spsc", 1);
    struct sbuf_plugin_handle *h;
    char msg[1024];
    int rc = sbuf_plugin_open(plugin("tp_good.so"), &h, msg, sizeof(msg));
    unsetenv("TP_GOOD_NAME");
    if (rc)
        fail_msg("%s", msg);
    size_t before = sbuf_registry_count();
    rc = sbuf_plugin_register(h, NULL, msg, sizeof(msg));
    assert_int_equal(rc, SBUF_EEXIST);
    assert_non_null(strstr(msg, "strategy 'ring_spsc' is already registered"));
    assert_int_equal(sbuf_registry_count(), before); /* all or nothing: plain_ring not added */
    assert_int_equal(sbuf_plugin_register(h, "plain_ring", msg, sizeof(msg)), SBUF_OK);
    sbuf_plugin_close(h);
    assert_int_equal(sbuf_registry_count(), before);
}

/*
 * Why serbench's probe refuses a plugin linked with libsbuf.a: its
 * allocations bypass the host's hook (and its registry is another one).
 */
static void test_own_copy_bypasses_the_hook(void **state)
{
    (void)state;
    struct sbuf_plugin_handle *h;
    char msg[1024];
    int rc = sbuf_plugin_open(plugin("tp_ownlib.so"), &h, msg, sizeof(msg));
    if (rc)
        fail_msg("%s", msg);
    sbt_alloc_install(SBT_ALLOC_NEVER);
    struct sbuf_config cfg = {.capacity = 1000};
    struct sbuf *b = NULL;
    assert_int_equal(sbuf_create_ops(sbuf_plugin_at(h, 0), &cfg, &b), SBUF_OK);
    struct sbuf_stats st;
    sbuf_stats(b, &st);
    assert_int_equal(sbt_alloc_counts().allocs, 0);
    assert_true(st.allocations > 0);
    sbuf_destroy(b);
    sbt_alloc_remove();
    sbuf_plugin_close(h);
}

int main(void)
{
    dir = getenv("SERBENCH_TEST_PLUGINS");
    if (!dir) {
        fprintf(stderr, "SERBENCH_TEST_PLUGINS is not set (CTest sets it)\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_plugins),
        cmocka_unit_test(test_good_plugin),
        cmocka_unit_test(test_name_collision),
        cmocka_unit_test(test_own_copy_bypasses_the_hook),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
