/*
 * transport.c - the table of transports with a port, lookup by name, the
 * runner's checks of a job's transport keys, and the termios setup shared
 * by every tty end serbench opens itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "device.h"
#include "proc.h"
#include "serial_port.h"
#include "transport.h"
#include "transport_hook.h"

static const struct sb_transport_ops *const transports[] = {
    &sb_transport_pty_ops,
    &sb_transport_serial_ops,
    NULL,
};

const struct sb_transport_ops *sb_transport_lookup(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; transports[i]; i++)
        if (strcmp(transports[i]->name, name) == 0)
            return transports[i];
    return NULL;
}

int sb_transport_open(const char *name, const struct sb_link_params *lp,
                      struct sb_transport **out, struct sb_err *err)
{
    if (!lp || !out) {
        sb_errf(err, SB_EXIT_USAGE, "transport: NULL argument");
        return SBUF_EINVAL;
    }
    *out = NULL;
    const struct sb_transport_ops *ops = sb_transport_lookup(name);
    if (!ops) {
        sb_errf(err, SB_EXIT_USAGE, "transport '%s' has no port to open (pty, serial)",
                name ? name : "(null)");
        return SBUF_EINVAL;
    }
    return ops->open(lp, out, err);
}

void sb_transport_close(struct sb_transport *t)
{
    if (t && t->ops && t->ops->close)
        t->ops->close(t);
}

int sb_tty_make_raw(int fd, int rtscts)
{
    struct termios tio;
    if (tcgetattr(fd, &tio) < 0)
        return -1;
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    if (rtscts)
        tio.c_cflag |= CRTSCTS;
    else
        tio.c_cflag &= ~(tcflag_t)CRTSCTS;
    /* Non-blocking reads return what is there: poll(2) decides when to read. */
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &tio);
}

/*
 * Replaces the runner's weak default (transport_hook.c): what a transport
 * needs before any run starts.  A serial port's presence is checked per run,
 * because `hardware = optional` turns its absence into a skipped row.
 */
int sb_transport_available(const char *name, char *why, size_t len)
{
    if (name && strcmp(name, "mem") == 0)
        return 0;
    const struct sb_transport_ops *ops = sb_transport_lookup(name);
    if (!ops) {
        snprintf(why, len, "unknown transport '%s' (mem, pty, serial)", name ? name : "(null)");
        return -1;
    }
    char path[PATH_MAX];
    if (ops == &sb_transport_pty_ops && sb_find_program("socat", path, sizeof(path)) < 0) {
        snprintf(why, len, "transport = pty needs socat, which is not on PATH: "
                           "apt-get install socat");
        return -1;
    }
    return 0;
}

int sb_link_check(const struct sb_run_params *p, char *why, size_t len)
{
    const struct sb_link_params *lp = &p->link;
    if (strcmp(p->transport, "pty") == 0) {
        const char *peer = lp->peer[0] ? lp->peer : "echo";
        if (strcmp(peer, "nrf52840-sim") == 0) {
            struct sb_dev_config c;
            struct sb_err err = {0};
            if (sb_dev_config_from_link(lp, "", 0, &c, &err) < 0) {
                snprintf(why, len, "%s", err.msg);
                return -1;
            }
        } else if (strcmp(peer, "echo") != 0) {
            snprintf(why, len, "peer = %s: transport = pty runs echo or nrf52840-sim", peer);
            return -1;
        }
    } else if (strcmp(p->transport, "serial") == 0) {
        if (lp->baud == 1200) {
            snprintf(why, len, "baud = 1200 resets nRF52840 boards into the bootloader");
            return -1;
        }
        if (sb_serial_is_pty(lp->port)) {
            snprintf(why, len, "port %s is a pseudo-terminal: libserialport cannot open PTYs; "
                     "use transport = pty, which starts socat itself", lp->port);
            return -1;
        }
    }
    return 0;
}
