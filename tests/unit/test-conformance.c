/*
 * test-conformance.c - the conformance suite (suites/conformance.c) over
 * every registered strategy, plain_ring (a strategy built from public
 * headers only, added at run time) included, and libsbuf's own global
 * cases: the registry, error strings, calls on a NULL buffer.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "plain_ring.h"
#include "sbt.h"
#include "sbt_suites.h"

#define MID 100

/* ---- global cases ------------------------------------------------------ */

static void registry_lookup(const struct sbuf_ops *unused)
{
    (void)unused;
    size_t n = sbuf_registry_count();
    SBT_CHECK(n > 0, "empty registry");
    SBT_CHECK(sbuf_registry_at(n) == NULL, "registry_at past the end");
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            SBT_CHECK(strcmp(sbuf_registry_at(i)->name, sbuf_registry_at(j)->name) != 0,
                      "strategy name %s registered twice", sbuf_registry_at(i)->name);
    SBT_CHECK(sbuf_registry_find("no_such_strategy") == NULL, "found a missing strategy");
    SBT_CHECK(sbuf_registry_find(NULL) == NULL, "find(NULL)");
    /* Strategies registered at run time follow the built-ins, and are run. */
    SBT_CHECK(sbuf_registry_find("plain_ring") == &sbt_plain_ring_ops &&
                  sbuf_registry_at(n - 1) == &sbt_plain_ring_ops,
              "plain_ring, registered by main, is not the last strategy");
    struct sbuf_config cfg = sbt_config(MID);
    struct sbuf *b = (struct sbuf *)&b;
    SBT_CHECK(sbuf_create("no_such_strategy", &cfg, &b) == SBUF_ENOENT && !b, "unknown name");
    b = (struct sbuf *)&b;
    SBT_CHECK(sbuf_create(NULL, &cfg, &b) == SBUF_EINVAL && !b, "NULL name");
    SBT_CHECK(sbuf_create_ops(NULL, &cfg, &b) == SBUF_EINVAL, "NULL ops");
    SBT_CHECK(sbuf_storage_size(NULL, &cfg) == 0, "storage size of NULL ops");
}

static void error_strings(const struct sbuf_ops *unused)
{
    (void)unused;
    const char *unknown = sbuf_strerror(1);
    SBT_CHECK(unknown && *unknown, "no text for an unknown code");
    SBT_CHECK(strcmp(sbuf_strerror(SBUF_ELAST - 1), unknown) == 0, "code past the last");
    SBT_CHECK(strcmp(sbuf_strerror(INT_MIN), unknown) == 0, "INT_MIN");
    for (int e = SBUF_OK; e >= SBUF_ELAST; e--) {
        const char *s = sbuf_strerror(e);
        SBT_CHECK(s && *s && strcmp(s, unknown) != 0, "code %d has no text", e);
        for (int f = e - 1; f >= SBUF_ELAST; f--)
            SBT_CHECK(strcmp(s, sbuf_strerror(f)) != 0, "codes %d and %d read the same", e, f);
    }
}

static void null_buffer(const struct sbuf_ops *unused)
{
    (void)unused;
    struct sbuf_span v[2];
    uint8_t d[4] = {0};
    size_t len = 1;
    struct sbuf_stats s;
    SBT_CHECK(sbuf_write_reserve(NULL, v) == 0 && sbuf_read_view(NULL, v) == 0, "core(NULL)");
    sbuf_write_commit(NULL, 1);
    sbuf_read_release(NULL, 1);
    SBT_CHECK(sbuf_write(NULL, d, 4) == 0 && sbuf_write_all(NULL, d, 4) == 0, "write(NULL)");
    SBT_CHECK(sbuf_read(NULL, d, 4) == 0 && sbuf_peek(NULL, d, 4) == 0, "read(NULL)");
    SBT_CHECK(sbuf_readline(NULL, d, 4, "\n", 1, &len) == SBUF_EINVAL && len == 0,
              "readline(NULL)");
    SBT_CHECK(sbuf_find(NULL, "\n", 1) == 0, "find(NULL)");
    sbuf_clear(NULL);
    SBT_CHECK(sbuf_used(NULL) == 0 && sbuf_capacity(NULL) == 0 && sbuf_space(NULL) == 0,
              "sizes of NULL");
    SBT_CHECK(!sbuf_full(NULL), "full(NULL)");
    SBT_CHECK(sbuf_stats(NULL, &s) == SBUF_EINVAL, "stats(NULL)");
    SBT_CHECK(sbuf_name(NULL) == NULL && sbuf_ops_of(NULL) == NULL, "name(NULL)");
    sbuf_destroy(NULL);
}

int main(void)
{
    /* A strategy built outside libsbuf from public headers, added at run
     * time: every case of the suite runs on it too. */
    sbt_plain_ring_register();
    static const struct sbt_case global[] = {
        SBT_CASE(registry_lookup),
        SBT_CASE(error_strings),
        SBT_CASE(null_buffer),
    };
    return sbt_run_suite(&sbt_conformance, global, sizeof(global) / sizeof(global[0]));
}
