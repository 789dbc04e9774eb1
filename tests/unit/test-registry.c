/*
 * test-registry.c - strategies registered at run time (sbuf_registry_add):
 * what is accepted, what is refused and why, where an added strategy shows
 * up, and that it then works by name.  That a registered strategy is held
 * to the whole contract is test-conformance's part: it registers
 * plain_ring (tests/unit/plugin/, public headers only) before it walks the
 * registry.
 *
 * Every case leaves the registry as it found it, also when it fails: what
 * it adds is tracked and removed by the teardown.
 */
#include <stdio.h>
#include <string.h>

#include "plain_ring.h"
#include "sbt.h"
#include "sbuf/strategy.h"

static void unregister(void *ops)
{
    sbuf_registry_remove(ops);
}

static void destroy_buffer(void *b)
{
    sbuf_destroy(b);
}

/* sbuf_registry_add that must succeed; removed again after the test. */
static void add_ok(const struct sbuf_ops *ops)
{
    int rc = sbuf_registry_add(ops);
    char msg[256];
    sbuf_ops_check(ops, msg, sizeof(msg));
    SBT_CHECK(rc == SBUF_OK, "add %s: %d (%s) %s", ops->name, rc, sbuf_strerror(rc), msg);
    sbt_track((void *)ops, unregister);
}

/* Removes what add_ok added, now. */
static void remove_ok(const struct sbuf_ops *ops)
{
    sbt_untrack((void *)ops);
    int rc = sbuf_registry_remove(ops);
    SBT_CHECK(rc == SBUF_OK, "remove %s: %d (%s)", ops->name, rc, sbuf_strerror(rc));
}

/* A copy of plain_ring's table under another name, in test-lifetime memory. */
static struct sbuf_ops *copy_named(const char *name)
{
    struct sbuf_ops *o = sbt_scratch(sizeof(*o));
    *o = sbt_plain_ring_ops;
    o->name = name;
    return o;
}

/* sbuf_ops_check's verdict and message, both checked; the table must not be
 * added by the registry either. */
static void refused(const struct sbuf_ops *ops, int want, const char *says, const char *why)
{
    char msg[256];
    memset(msg, 'x', sizeof(msg));
    int rc = sbuf_ops_check(ops, msg, sizeof(msg));
    SBT_CHECK(rc == want, "%s: check gave %d (%s), expected %d", why, rc, sbuf_strerror(rc),
              want);
    SBT_CHECK(memchr(msg, '\0', sizeof(msg)) && strstr(msg, says),
              "%s: message \"%.255s\" does not say \"%s\"", why, msg, says);
    size_t before = sbuf_registry_count();
    rc = sbuf_registry_add(ops);
    if (rc == SBUF_OK)
        sbt_track((void *)ops, unregister);
    SBT_CHECK(rc == want, "%s: add gave %d (%s), expected %d", why, rc, sbuf_strerror(rc), want);
    SBT_CHECK(sbuf_registry_count() == before, "%s: the registry changed", why);
}

/* ---- cases ------------------------------------------------------------ */

static void builtins_pass_the_check(const struct sbuf_ops *unused)
{
    (void)unused;
    SBT_CHECK(sbuf_abi_version() == SBUF_ABI_VERSION, "library ABI %u, header %u",
              sbuf_abi_version(), (unsigned)SBUF_ABI_VERSION);
    for (size_t i = 0; i < sbuf_registry_count(); i++) {
        const struct sbuf_ops *ops = sbuf_registry_at(i);
        char msg[256];
        int rc = sbuf_ops_check(ops, msg, sizeof(msg));
        SBT_CHECK(rc == SBUF_OK && msg[0] == '\0', "%s: %d %s", ops->name, rc, msg);
        SBT_CHECK(ops->abi == SBUF_ABI_VERSION, "%s: abi %u", ops->name, ops->abi);
        /* Registered already: adding it again is a duplicate. */
        SBT_CHECK(sbuf_registry_add(ops) == SBUF_EEXIST, "%s added twice", ops->name);
        SBT_CHECK(sbuf_registry_remove(ops) == SBUF_EINVAL, "%s (built in) removed",
                  ops->name);
    }
    SBT_CHECK(sbuf_registry_find("plain_ring") == NULL, "plain_ring registered already");
}

static void added_after_the_builtins(const struct sbuf_ops *unused)
{
    (void)unused;
    size_t n = sbuf_registry_count();
    const struct sbuf_ops *last = sbuf_registry_at(n - 1);
    add_ok(&sbt_plain_ring_ops);
    SBT_CHECK(sbuf_registry_count() == n + 1, "count %zu after one add to %zu",
              sbuf_registry_count(), n);
    SBT_CHECK(sbuf_registry_at(n - 1) == last, "the built-ins moved");
    SBT_CHECK(sbuf_registry_at(n) == &sbt_plain_ring_ops, "not at the end");
    SBT_CHECK(sbuf_registry_at(n + 1) == NULL, "registry_at past the end");
    SBT_CHECK(sbuf_registry_find("plain_ring") == &sbt_plain_ring_ops, "find by name");

    /* By name, through the whole interface. */
    struct sbuf *b = NULL;
    struct sbuf_config cfg = sbt_config(100);
    int rc = sbuf_create("plain_ring", &cfg, &b);
    SBT_CHECK(rc == SBUF_OK && b, "create by name: %d (%s)", rc, sbuf_strerror(rc));
    sbt_track(b, destroy_buffer);
    SBT_CHECK(sbuf_ops_of(b) == &sbt_plain_ring_ops && strcmp(sbuf_name(b), "plain_ring") == 0,
              "the buffer's table");
    SBT_CHECK(sbuf_capacity(b) == 100, "capacity %zu", sbuf_capacity(b));
    char out[16];
    SBT_CHECK(sbuf_write_all(b, "hello, plugin\n", 14) == 14, "write_all");
    size_t len = 0;
    SBT_CHECK(sbuf_readline(b, out, sizeof(out), "\n", 1, &len) == SBUF_OK && len == 14 &&
                  memcmp(out, "hello, plugin\n", 14) == 0,
              "readline back");
    sbt_untrack(b);
    sbuf_destroy(b);

    /* Removed: gone by name, the count back, and gone only once. */
    remove_ok(&sbt_plain_ring_ops);
    SBT_CHECK(sbuf_registry_count() == n && sbuf_registry_find("plain_ring") == NULL,
              "still there after remove");
    b = (struct sbuf *)&b;
    SBT_CHECK(sbuf_create("plain_ring", &cfg, &b) == SBUF_ENOENT && !b, "create after remove");
    SBT_CHECK(sbuf_registry_remove(&sbt_plain_ring_ops) == SBUF_ENOENT, "removed twice");
    SBT_CHECK(sbuf_registry_remove(NULL) == SBUF_EINVAL, "remove(NULL)");
}

static void duplicates_refused(const struct sbuf_ops *unused)
{
    (void)unused;
    add_ok(&sbt_plain_ring_ops);
    size_t n = sbuf_registry_count();
    SBT_CHECK(sbuf_registry_add(&sbt_plain_ring_ops) == SBUF_EEXIST, "the same table twice");
    SBT_CHECK(sbuf_registry_add(copy_named("plain_ring")) == SBUF_EEXIST,
              "another table under an added name");
    SBT_CHECK(sbuf_registry_add(copy_named("ring_spsc")) == SBUF_EEXIST,
              "another table under a built-in's name");
    SBT_CHECK(sbuf_registry_count() == n, "a duplicate was added");
    SBT_CHECK(sbuf_registry_find("ring_spsc") != &sbt_plain_ring_ops, "a built-in shadowed");
    const char *s = sbuf_strerror(SBUF_EEXIST);
    SBT_CHECK(s && strstr(s, "already"), "strerror(EEXIST): %s", s ? s : "(null)");
}

static void abi_mismatch_refused(const struct sbuf_ops *unused)
{
    (void)unused;
    static const unsigned others[] = {SBUF_ABI_VERSION + 1, SBUF_ABI_VERSION + 41, 0};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        struct sbuf_ops *o = copy_named("from_elsewhere");
        o->abi = others[i];
        /* Both versions, each where it belongs. */
        char built[64], ours[64];
        snprintf(built, sizeof(built), "built for sbuf ABI %u,", others[i]);
        snprintf(ours, sizeof(ours), "this libsbuf is ABI %u", (unsigned)SBUF_ABI_VERSION);
        refused(o, SBUF_EABI, built, "foreign ABI");
        refused(o, SBUF_EABI, ours, "foreign ABI");
        SBT_CHECK(sbuf_registry_find("from_elsewhere") == NULL, "ABI %u found", others[i]);

        /* Nor can it be used directly, except that 0 (never set, and so
         * compiled against these very headers) is let through there. */
        struct sbuf_config cfg = sbt_config(64);
        struct sbuf *b = (struct sbuf *)&b;
        int rc = sbuf_create_ops(o, &cfg, &b);
        if (others[i] == 0) {
            SBT_CHECK(rc == SBUF_OK && b, "create_ops with abi 0: %d", rc);
            sbuf_destroy(b);
        } else {
            SBT_CHECK(rc == SBUF_EABI && !b, "create_ops with ABI %u: %d", others[i], rc);
        }
    }
    const char *s = sbuf_strerror(SBUF_EABI);
    SBT_CHECK(s && strstr(s, "ABI"), "strerror(EABI): %s", s ? s : "(null)");

    /* A short buffer gets a truncated message, terminated; none at all is fine. */
    struct sbuf_ops *o = copy_named("from_elsewhere");
    o->abi = SBUF_ABI_VERSION + 1;
    char tiny[8];
    memset(tiny, 'x', sizeof(tiny));
    SBT_CHECK(sbuf_ops_check(o, tiny, sizeof(tiny)) == SBUF_EABI && tiny[7] == '\0',
              "truncated message");
    SBT_CHECK(sbuf_ops_check(o, NULL, 0) == SBUF_EABI, "no message buffer");
    SBT_CHECK(sbuf_ops_check(o, tiny, 0) == SBUF_EABI && tiny[0] == 's', "len 0 wrote");
}

static size_t no_storage_size(const struct sbuf_config *cfg)
{
    (void)cfg;
    return 0;
}

static void lock_noop(struct sbuf *b)
{
    (void)b;
}

static void incomplete_tables_refused(const struct sbuf_ops *unused)
{
    (void)unused;
    refused(NULL, SBUF_EINVAL, "NULL", "NULL table");

    static const char *const bad_names[] = {"", "a/b", "a b", "a,b", "tab\t", "é"};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
        refused(copy_named(bad_names[i]), SBUF_EINVAL, "name", bad_names[i]);
    refused(copy_named(NULL), SBUF_EINVAL, "name", "NULL name");
    char *longest = sbt_scratch(SBUF_NAME_MAX + 1);
    memset(longest, 'n', SBUF_NAME_MAX);
    refused(copy_named(longest), SBUF_EINVAL, "name", "a name of SBUF_NAME_MAX characters");
    longest[SBUF_NAME_MAX - 1] = '\0';
    add_ok(copy_named(longest)); /* one shorter fits */
    add_ok(copy_named("Plain.ring-2_x"));

    struct sbuf_ops *o;
#define MISSING(member)                               \
    o = copy_named("incomplete");                     \
    o->member = NULL;                                 \
    refused(o, SBUF_EINVAL, #member, "no " #member);
    MISSING(summary)
    MISSING(create)
    MISSING(destroy)
    MISSING(write_reserve)
    MISSING(write_commit)
    MISSING(read_view)
    MISSING(read_release)
    MISSING(used)
    MISSING(capacity)
#undef MISSING
    o = copy_named("incomplete");
    o->summary = "";
    refused(o, SBUF_EINVAL, "summary", "empty summary");

    o = copy_named("incomplete");
    o->caps = 1u << 30;
    refused(o, SBUF_EINVAL, "caps", "unknown caps bit");
    o = copy_named("incomplete");
    o->caps = SBUF_CAP_STATIC;
    refused(o, SBUF_EINVAL, "storage_size", "static without storage_size");
    o->storage_size = no_storage_size;
    add_ok(o);
    o = copy_named("incomplete_mp");
    o->caps = SBUF_CAP_MULTI_PRODUCER;
    refused(o, SBUF_EINVAL, "producer_lock", "multi-producer without a lock");
    o->producer_lock = lock_noop;
    refused(o, SBUF_EINVAL, "producer_unlock", "a lock without an unlock");
    o->producer_unlock = lock_noop;
    add_ok(o);
}

static void table_full_and_order_kept(const struct sbuf_ops *unused)
{
    (void)unused;
    size_t n = sbuf_registry_count();
    static char names[SBUF_REGISTRY_MAX_ADDED][16];
    struct sbuf_ops *o[SBUF_REGISTRY_MAX_ADDED];
    for (int i = 0; i < SBUF_REGISTRY_MAX_ADDED; i++) {
        snprintf(names[i], sizeof(names[i]), "added_%d", i);
        o[i] = copy_named(names[i]);
        add_ok(o[i]);
    }
    SBT_CHECK(sbuf_registry_add(copy_named("one_too_many")) == SBUF_ENOMEM, "past the table");
    SBT_CHECK(sbuf_registry_count() == n + SBUF_REGISTRY_MAX_ADDED, "count");

    /* Removing from the middle keeps the order of the rest. */
    remove_ok(o[3]);
    remove_ok(o[0]);
    size_t at = n;
    for (int i = 0; i < SBUF_REGISTRY_MAX_ADDED; i++) {
        if (i == 0 || i == 3)
            continue;
        SBT_CHECK(sbuf_registry_at(at) == o[i], "added_%d not at %zu", i, at);
        at++;
    }
    SBT_CHECK(sbuf_registry_at(at) == NULL, "entry past the end");
    add_ok(copy_named("room_again")); /* the freed places are usable */
    SBT_CHECK(sbuf_registry_at(at) && strcmp(sbuf_registry_at(at)->name, "room_again") == 0,
              "appended at the end");
}

int main(void)
{
    static const struct sbt_case global[] = {
        SBT_CASE(builtins_pass_the_check),
        SBT_CASE(added_after_the_builtins),
        SBT_CASE(duplicates_refused),
        SBT_CASE(abi_mismatch_refused),
        SBT_CASE(incomplete_tables_refused),
        SBT_CASE(table_full_and_order_kept),
    };
    return sbt_run("registry", NULL, 0, global, sizeof(global) / sizeof(global[0]));
}
