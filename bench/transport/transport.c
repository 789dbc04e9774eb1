/*
 * transport.c - the transport table, lookup by name, the checks the runner
 * makes before a suite starts, and the keys several transports share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"
#include "table.h"
#include "transport.h"
#include "units.h"

static const struct sb_transport_ops *const transports[] = {
    &sb_transport_mem_ops,
    &sb_transport_pty_ops,
    &sb_transport_serial_ops,
};

SB_TABLE_LOOKUP(sb_transport, struct sb_transport_ops, transports)

/* "mem, pty, serial" for messages. */
static const char *transport_names(char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sb_transport_count() && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "", transports[i]->name);
    return buf;
}

int sb_transport_available(const char *name, char *why, size_t len)
{
    const struct sb_transport_ops *t = sb_transport_find(name);
    if (!t) {
        char names[128];
        snprintf(why, len, "unknown transport '%s' (%s)", name ? name : "(null)",
                 transport_names(names, sizeof(names)));
        return -1;
    }
    return t->available ? t->available(why, len) : 0;
}

int sb_link_check(const struct sb_run_params *p, char *why, size_t len)
{
    const struct sb_transport_ops *t = sb_transport_find(p->transport);
    if (!t) {
        char names[128];
        snprintf(why, len, "unknown transport '%s' (%s)", p->transport,
                 transport_names(names, sizeof(names)));
        return -1;
    }
    return t->check ? t->check(p, why, len) : 0;
}

int sb_transport_open(const char *name, const struct sb_link_params *lp,
                      struct sb_transport **out, struct sb_err *err)
{
    if (!lp || !out) {
        sb_errf(err, SB_EXIT_USAGE, "transport: NULL argument");
        return SBUF_EINVAL;
    }
    *out = NULL;
    const struct sb_transport_ops *t = sb_transport_find(name);
    if (!t) {
        char names[128];
        sb_errf(err, SB_EXIT_USAGE, "unknown transport '%s' (%s)", name ? name : "(null)",
                transport_names(names, sizeof(names)));
        return SBUF_EINVAL;
    }
    return t->open(lp, out, err);
}

void sb_transport_close(struct sb_transport *t)
{
    if (t && t->ops && t->ops->close)
        t->ops->close(t);
}

/* ---- keys pty and serial share ------------------------------------------- */

static int key_peer(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    const char *names[16];
    size_t n = 0, i;
    for (const struct sb_peer_kind *k; n < 16 && (k = sb_peer_kind_at(n)) != NULL;)
        names[n++] = k->name;
    if (sb_opt_choose(v, names, n, &i, why, len) < 0)
        return -1;
    return sb_opt_set_str(lp->peer, sizeof(lp->peer), v, why, len);
}

static int key_write_size(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    uint64_t n;
    if (sb_parse_size(v, &n) < 0)
        return -1;
    if (n > (16u << 20)) {
        snprintf(why, len, "out of range");
        return -1;
    }
    lp->write_size = (size_t)n;
    return 0;
}

static int key_on_disconnect(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    static const char *const names[] = {"next", "stop"};
    size_t i;
    if (sb_opt_choose(v, names, 2, &i, why, len) < 0)
        return -1;
    lp->on_disconnect_stop = i == 1;
    return 0;
}

const struct sb_opt sb_opt_peer = {"peer", "serial", "echo, nrf52840-sim or board", "echo",
                                   "pty and serial: what is on the far end of the port.",
                                   key_peer};
const struct sb_opt sb_opt_write_size = {
    "write_size", "serial", "a size up to 16 MiB, 0 = whatever is buffered", "0",
    "pty and serial: bytes per write(2) on the transmit side.", key_write_size};
const struct sb_opt sb_opt_on_disconnect = {
    "on_disconnect", "serial", "next or stop", "next",
    "When the peer goes away: record the run as aborted and go on with the next run, or stop "
    "the suite.", key_on_disconnect};
