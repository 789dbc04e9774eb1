/* transport_hook.c - the transport names, and the default availability check. */
#include <stdio.h>
#include <string.h>

#include "transport_hook.h"

static const struct sb_transport_info transports[] = {
    {"mem", "producer thread -> buffer -> consumer thread in one process: the buffer's own cost"},
    {"pty", "through a socat pseudo-terminal pair to a peer (echo or nrf52840-sim)"},
    {"serial", "a real serial port through libserialport (e.g. an nRF52840 board in loopback)"},
};

#define COUNT (sizeof(transports) / sizeof(transports[0]))

size_t sb_transport_count(void)
{
    return COUNT;
}

const struct sb_transport_info *sb_transport_at(size_t i)
{
    return i < COUNT ? &transports[i] : NULL;
}

const struct sb_transport_info *sb_transport_find(const char *name)
{
    for (size_t i = 0; name && i < COUNT; i++)
        if (strcmp(transports[i].name, name) == 0)
            return &transports[i];
    return NULL;
}

/* Until the transports land only mem, which the workload runs itself, works. */
__attribute__((weak)) int sb_transport_available(const char *name, char *why, size_t len)
{
    if (name && strcmp(name, "mem") == 0)
        return 0;
    snprintf(why, len, "transport %s not built yet", name ? name : "(none)");
    return -1;
}
