/* cmd_list.c - `serbench list`: what a scenario can name. */
#include <stdio.h>
#include <string.h>

#include "allocator.h"
#include "commands.h"
#include "sbuf/registry.h"
#include "suggest.h"
#include "peer.h"
#include "transport.h"

static void list_strategies(void)
{
    printf("strategies (scenario key: strategies)\n");
    for (size_t i = 0; i < sbuf_registry_count(); i++) {
        const struct sbuf_ops *ops = sbuf_registry_at(i);
        char caps[128];
        /* Creating one small buffer is the honest way to learn whether a
         * strategy works yet (placeholders refuse with ENOTSUP). */
        struct sbuf_config cfg = {.capacity = 4096};
        struct sbuf *b = NULL;
        int rc = sbuf_create_ops(ops, &cfg, &b);
        sbuf_destroy(b);
        printf("  %-12s %-22s %s%s\n", ops->name, sbuf_caps_string(ops->caps, caps, sizeof(caps)),
               ops->summary, rc == SBUF_ENOTSUP ? " [not implemented yet]" : "");
    }
}

static void list_pools(void)
{
    printf("pools (used inside strategies such as chunks)\n");
    for (size_t i = 0; i < sbuf_pool_registry_count(); i++) {
        const struct sbuf_pool_ops *p = sbuf_pool_registry_at(i);
        printf("  %-16s %s\n", p->name, p->summary);
    }
}

static void list_allocators(void)
{
    printf("allocators (scenario key: allocators)\n");
    for (size_t i = 0; i < sb_allocator_count(); i++) {
        const struct sb_allocator *a = sb_allocator_at(i);
        char lib[4096], state[4200];
        struct sb_err err = {0};
        if (sb_allocator_library(a, lib, sizeof(lib), &err) < 0)
            snprintf(state, sizeof(state), "missing: apt-get install %s", a->package);
        else
            snprintf(state, sizeof(state), "installed%s%s", lib[0] ? ": " : " (built in)", lib);
        printf("  %-10s %s\n  %-10s %s\n", a->name, a->summary, "", state);
    }
}

static void list_transports(void)
{
    printf("transports (scenario key: transport)\n");
    for (size_t i = 0; i < sb_transport_count(); i++) {
        const struct sb_transport_ops *t = sb_transport_at(i);
        char why[256];
        int ok = sb_transport_available(t->name, why, sizeof(why)) == 0;
        printf("  %-8s %s [%s]\n", t->name, t->summary, ok ? "available" : why);
    }
}

static void list_peers(void)
{
    printf("peers (scenario key: peer)\n");
    for (size_t i = 0; i < sb_peer_kind_count(); i++) {
        const struct sb_peer_kind *k = sb_peer_kind_at(i);
        printf("  %-13s %s\n", k->name, k->summary);
    }
}

static const struct {
    const char *name;
    void (*fn)(void);
} kinds[] = {
    {"strategies", list_strategies},
    {"pools", list_pools},
    {"allocators", list_allocators},
    {"transports", list_transports},
    {"peers", list_peers},
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static int list_main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "serbench list: one kind at most (serbench help list)\n");
        return SB_EXIT_USAGE;
    }
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: %s\n\n%s", sb_cmd_list.usage, sb_cmd_list.help);
        return SB_EXIT_OK;
    }
    for (size_t i = 0; i < NKINDS; i++)
        if (argc == 1 || strcmp(argv[1], kinds[i].name) == 0) {
            if (argc == 1 && i)
                putchar('\n');
            kinds[i].fn();
            if (argc == 2)
                return SB_EXIT_OK;
        }
    if (argc == 1)
        return SB_EXIT_OK;
    const char *names[NKINDS];
    char hint[320];
    for (size_t i = 0; i < NKINDS; i++)
        names[i] = kinds[i].name;
    fprintf(stderr, "serbench list: unknown kind '%s' (%s)\n", argv[1],
            sb_did_you_mean(argv[1], names, NKINDS, hint, sizeof(hint)));
    return SB_EXIT_USAGE;
}

const struct sb_command sb_cmd_list = {
    .name = "list",
    .usage = "serbench list [strategies|pools|allocators|transports|peers]",
    .summary = "what a scenario can name, with one-line summaries",
    .help = "Lists strategies (with capabilities), pools, allocators (and whether each\n"
            "library is installed) and transports (and whether each can run here).\n"
            "Without an argument, all four.\n",
    .main = list_main,
};
