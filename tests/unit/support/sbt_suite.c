/*
 * sbt_suite.c - turns a case list into cmocka tests over the registry, and
 * keeps the buffers a test made so that a failing test (cmocka longjmps out
 * of it) still destroys them: a failure must not show up as a leak too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbt.h"
#include "sbt_suites.h"

#define SBT_MAX_TRACKED 64

static struct {
    void *obj;
    void (*destroy)(void *);
} tracked[SBT_MAX_TRACKED];
static void *scratch[SBT_MAX_TRACKED];

struct sbt_entry {
    const struct sbuf_ops *ops;
    sbt_case_fn fn;
};

struct sbuf_config sbt_config(size_t capacity)
{
    struct sbuf_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.capacity = capacity;
    return cfg;
}

static void destroy_buffer(void *b)
{
    sbuf_destroy(b);
}

struct sbuf *sbt_create(const struct sbuf_ops *ops, const struct sbuf_config *cfg)
{
    struct sbuf *b = NULL;
    int rc = sbuf_create_ops(ops, cfg, &b);
    SBT_CHECK(rc == SBUF_OK && b, "%s: create(capacity %zu) failed: %d (%s)", ops->name,
              cfg->capacity, rc, sbuf_strerror(rc));
    return sbt_track(b, destroy_buffer);
}

void *sbt_track(void *obj, void (*destroy)(void *))
{
    for (size_t i = 0; i < SBT_MAX_TRACKED; i++) {
        if (!tracked[i].obj) {
            tracked[i].obj = obj;
            tracked[i].destroy = destroy;
            return obj;
        }
    }
    destroy(obj);
    fail_msg("more than %d live test objects", SBT_MAX_TRACKED);
    return NULL;
}

void sbt_untrack(void *obj)
{
    for (size_t i = 0; i < SBT_MAX_TRACKED; i++)
        if (tracked[i].obj == obj)
            tracked[i].obj = NULL;
}

void *sbt_scratch(size_t n)
{
    for (size_t i = 0; i < SBT_MAX_TRACKED; i++) {
        if (!scratch[i]) {
            /* +1: a zero-byte request still gets a pointer that is not NULL */
            scratch[i] = calloc(1, n + 1);
            SBT_CHECK(scratch[i], "out of memory for %zu scratch bytes", n);
            return scratch[i];
        }
    }
    fail_msg("more than %d scratch blocks", SBT_MAX_TRACKED);
    return NULL;
}

void sbt_destroy(struct sbuf *b)
{
    sbt_untrack(b);
    sbuf_destroy(b);
}

int sbt_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < SBT_MAX_TRACKED; i++) {
        if (tracked[i].obj) {
            tracked[i].destroy(tracked[i].obj);
            tracked[i].obj = NULL;
        }
    }
    for (size_t i = 0; i < SBT_MAX_TRACKED; i++) {
        free(scratch[i]);
        scratch[i] = NULL;
    }
    /* A test that failed while its allocator was installed leaves it behind. */
    sbuf_set_allocator(NULL);
    return 0;
}

static void run_entry(void **state)
{
    const struct sbt_entry *e = *state;
    e->fn(e->ops);
}

int sbt_run(const char *group, const struct sbt_case *per, size_t nper,
            const struct sbt_case *global, size_t nglobal)
{
    size_t nstrat = sbuf_registry_count();
    size_t max = nstrat * nper + nglobal, n = 0, nsel = 0;
    struct CMUnitTest *tests = calloc(max ? max : 1, sizeof(*tests));
    struct sbt_entry *entries = calloc(max ? max : 1, sizeof(*entries));
    if (!tests || !entries) {
        fprintf(stderr, "%s: out of memory\n", group);
        return 1;
    }
    for (size_t s = 0; s < nstrat; s++) {
        const struct sbuf_ops *ops = sbuf_registry_at(s);
        if (!sbt_strategy_selected(ops->name))
            continue;
        nsel++;
        for (size_t c = 0; c < nper; c++, n++) {
            char *name;
            if (asprintf(&name, "%s/%s", ops->name, per[c].name) < 0)
                return 1;
            entries[n] = (struct sbt_entry){ops, per[c].fn};
            tests[n] = (struct CMUnitTest){name, run_entry, NULL, sbt_teardown, &entries[n]};
        }
    }
    for (size_t c = 0; c < nglobal; c++, n++) {
        entries[n] = (struct sbt_entry){NULL, global[c].fn};
        tests[n] = (struct CMUnitTest){global[c].name, run_entry, NULL, sbt_teardown, &entries[n]};
    }
    if (nper && nsel == 0) {
        /* A SERBENCH_STRATEGY that matches nothing must not pass vacuously. */
        fprintf(stderr, "%s: no strategy selected (SERBENCH_STRATEGY=%s)\n", group,
                getenv("SERBENCH_STRATEGY"));
        return 1;
    }
    int failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        if (entries[i].ops)
            free((char *)tests[i].name);
    free(tests);
    free(entries);
    return failed;
}

int sbt_run_suite(const struct sbt_suite *s, const struct sbt_case *global, size_t nglobal)
{
    if (s->prepare)
        s->prepare();
    return sbt_run(s->name, s->cases, s->ncases, global, nglobal);
}

int sbt_run_case(const struct sbt_suite *s, size_t i, const struct sbuf_ops *ops)
{
    if (i >= s->ncases || !ops)
        return 1;
    char *name;
    if (asprintf(&name, "%s/%s", ops->name, s->cases[i].name) < 0)
        return 1;
    struct sbt_entry e = {ops, s->cases[i].fn};
    struct CMUnitTest t = {name, run_entry, NULL, sbt_teardown, &e};
    int failed = _cmocka_run_group_tests(s->name, &t, 1, NULL, NULL);
    free(name);
    return failed != 0;
}
