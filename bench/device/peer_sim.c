/*
 * peer_sim.c - peer = nrf52840-sim: the device emulator (device.h) on the
 * far end of the pty, configured from the scenario's link, device_* and
 * faults keys, which are this file's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "peer.h"
#include "units.h"

#define SIM_WINDOW_MAX (64u * 1024u) /* the emulator reads ahead up to twice this */
#define SIM_WINDOW_MIN 4096u         /* a Linux serial port's transmit buffer */

/*
 * The emulator's window: about 100 ms of the link, like the transmit queue
 * of a real serial driver, so that a slow link pushes back on the buffer
 * under test soon instead of queueing seconds of data in the pty.
 */
static size_t sim_window(const struct sb_dev_config *c)
{
    size_t rate = c->link == SB_DEV_CDC
                      ? SB_DEV_CDC_PACKET * SB_DEV_CDC_PACKETS_PER_FRAME * 1000u
                      : c->baud / 10u;
    size_t w = rate / 10u;
    return w < SIM_WINDOW_MIN ? SIM_WINDOW_MIN : w > SIM_WINDOW_MAX ? SIM_WINDOW_MAX : w;
}

static int sim_check(const struct sb_link_params *lp, char *why, size_t len)
{
    struct sb_dev_config c;
    struct sb_err err = {0};
    if (sb_dev_config_from_link(lp, "", 0, &c, &err) < 0) {
        snprintf(why, len, "%s", err.msg);
        return -1;
    }
    return 0;
}

static int sim_prepare(const struct sb_link_params *lp, uint64_t seed, struct sb_peer_launch *l,
                       struct sb_peer *peer, struct sb_err *err)
{
    /* Checked here, before the fork, so a refusal is a clean error. */
    if (sb_dev_config_from_link(lp, l->path, seed, &l->dev, err) < 0)
        return -1;
    l->dev.read_ahead = 2 * SIM_WINDOW_MAX;
    /* Shared with the child: it survives the fork, unlike the heap. */
    void *m = mmap(NULL, sizeof(*peer->lost), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (m == MAP_FAILED)
        return sb_errf(err, SB_EXIT_MISSING, "starting peer nrf52840-sim: %s", strerror(errno));
    peer->lost = l->lost = m;
    atomic_init(peer->lost, 0);
    /* Non-blocking on both sides: a full counter (never, in practice) must
     * not stop the emulator, and the host drains it without waiting. */
    peer->lost_fd = l->lost_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (peer->lost_fd < 0)
        return sb_errf(err, SB_EXIT_MISSING, "starting peer nrf52840-sim: eventfd: %s",
                       strerror(errno));
    peer->window = sim_window(&l->dev);
    return 0;
}

static int sim_main(const struct sb_peer_launch *l)
{
    struct sb_dev_loss loss = {l->lost, l->lost_fd};
    int rc = sb_device_run(&l->dev, NULL, NULL, &loss);
    return rc < 0 ? 1 : rc == 1 ? SB_PEER_EXIT_DISCONNECT : 0;
}

/* ---- its scenario keys ----------------------------------------------------- */

static int key_link(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    uint32_t baud;
    if (strcmp(v, "cdc") != 0) {
        if (strncmp(v, "uart:", 5) != 0)
            return -1;
        if (sb_opt_parse_baud(v + 5, &baud, why, len) < 0)
            return -1;
    }
    return sb_opt_set_str(lp->link, sizeof(lp->link), v, why, len);
}

/* A size up to 1 MiB (the chip has 256 KB of RAM). */
static int device_size(const char *v, size_t *out, char *why, size_t len)
{
    uint64_t n;
    if (sb_parse_size(v, &n) < 0)
        return -1;
    if (n > (1u << 20)) {
        snprintf(why, len, "out of range (the device has 256 KB of RAM)");
        return -1;
    }
    *out = (size_t)n;
    return 0;
}

static int key_device_rx_buffer(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    return device_size(v, &lp->device_rx_buffer, why, len);
}

static int key_device_ram(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    return device_size(v, &lp->device_ram, why, len);
}

static int key_device_byte_cost(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    (void)why, (void)len;
    return sb_parse_duration(v, &lp->device_byte_ns);
}

static int key_device_packet_cost(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    (void)why, (void)len;
    return sb_parse_duration(v, &lp->device_packet_ns);
}

/* Checks the fault kinds; their parameters are checked with the whole job (sim_check). */
static int key_faults(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    static const char *const kinds[] = {"drop", "corrupt", "delay", "stall", "disconnect"};
    char buf[256];
    if (strcmp(v, "none") == 0) {
        lp->faults[0] = '\0';
        return 0;
    }
    if (sb_opt_set_str(buf, sizeof(buf), v, why, len) < 0)
        return -1;
    char *save = NULL;
    for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        char *colon = strchr(t, ':');
        size_t i;
        if (!colon || !colon[1]) {
            snprintf(why, len, "'%s' is not KIND:PARAMETERS", t);
            return -1;
        }
        *colon = '\0';
        if (sb_opt_choose(t, kinds, 5, &i, why, len) < 0)
            return -1;
    }
    return sb_opt_set_str(lp->faults, sizeof(lp->faults), v, why, len);
}

static int key_flow(struct sb_link_params *lp, const char *v, char *why, size_t len)
{
    static const char *const names[] = {"none", "rtscts"};
    size_t i;
    if (sb_opt_choose(v, names, 2, &i, why, len) < 0)
        return -1;
    lp->flow_rtscts = i == 1;
    return 0;
}

const struct sb_opt sb_opt_flow = {"flow", "serial", "none or rtscts", "none",
                                   "serial and nrf52840-sim: flow control.", key_flow};

static const struct sb_opt opt_link = {
    "link", "serial", "uart:BAUD or cdc", "uart:115200",
    "nrf52840-sim: the link it models (UART at BAUD, or USB CDC full speed).", key_link};
static const struct sb_opt opt_rx = {
    "device_rx_buffer", "serial", "a size up to 1 MiB, 0 = the emulator's default", "0",
    "nrf52840-sim: bytes of the device's DMA receive ring.", key_device_rx_buffer};
static const struct sb_opt opt_ram = {
    "device_ram", "serial", "a size up to 1 MiB, 0 = the emulator's default", "0",
    "nrf52840-sim: the device's RAM budget, its buffers charged against it.", key_device_ram};
static const struct sb_opt opt_byte = {
    "device_byte_cost", "serial", "a duration, or 0: 200ns, 1us", "0",
    "nrf52840-sim: the device application's processing time per byte.", key_device_byte_cost};
static const struct sb_opt opt_packet = {
    "device_packet_cost", "serial", "a duration, or 0: 50us", "0",
    "nrf52840-sim: processing time per read (a UART chunk, a USB packet).",
    key_device_packet_cost};
static const struct sb_opt opt_faults = {
    "faults", "serial",
    "none, or space-separated drop:P corrupt:P delay:MS@P stall:MS@PERIOD disconnect:at=T", "none",
    "nrf52840-sim: faults to inject, seeded.", key_faults};

static const struct sb_opt *const sim_keys[] = {
    &sb_opt_flow, &opt_link, &opt_rx, &opt_ram, &opt_byte, &opt_packet, &opt_faults, NULL,
};

const struct sb_peer_kind sb_peer_nrf52840_sim = {
    .name = "nrf52840-sim",
    .summary = "the nRF52840 emulator: a modelled UART or USB CDC link, RAM budget, faults",
    .flags = SB_PEER_SPAWNED,
    .keys = sim_keys,
    .check = sim_check,
    .prepare = sim_prepare,
    .main = sim_main,
};
