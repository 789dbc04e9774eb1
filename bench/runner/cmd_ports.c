/*
 * cmd_ports.c - `serbench ports`: the serial ports libserialport sees.
 */
#include <stdio.h>
#include <string.h>

#include <libserialport.h>

#include "commands.h"
#include "diag.h"
#include "serial_port.h"

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

int sb_ports_print(FILE *out, int *usb_ports)
{
    *usb_ports = 0;
    struct sp_port **list = NULL;
    if (sp_list_ports(&list) != SP_OK) {
        sb_warnf("listing serial ports: %s", sp_last_error_message());
        return -1;
    }
    int n = 0;
    for (; list[n]; n++) {
        struct sp_port *p = list[n];
        enum sp_transport tr = sp_get_port_transport(p);
        int usb = tr == SP_TRANSPORT_USB;
        *usb_ports += usb;
        char vidpid[16] = "-";
        int vid, pid;
        if (usb && sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK)
            snprintf(vidpid, sizeof(vidpid), "%04x:%04x", vid & 0xffff, pid & 0xffff);
        if (n == 0)
            fprintf(out, "%-28s %-9s %-9s %-20s %-28s %s\n", "PORT", "KIND", "VID:PID",
                    "MANUFACTURER", "PRODUCT", "SERIAL");
        fprintf(out, "%-28s %-9s %-9s %-20s %-28s %s\n", sp_get_port_name(p),
                usb ? "usb" : tr == SP_TRANSPORT_BLUETOOTH ? "bluetooth" : "native", vidpid,
                or_dash(usb ? sp_get_port_usb_manufacturer(p) : NULL),
                or_dash(usb ? sp_get_port_usb_product(p) : sp_get_port_description(p)),
                or_dash(usb ? sp_get_port_usb_serial(p) : NULL));
    }
    sp_free_port_list(list);
    return n;
}

static int ports_main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        sb_warnf("ports takes no arguments (serbench help ports)");
        return SB_EXIT_USAGE;
    }
    int usb;
    int n = sb_ports_print(stdout, &usb);
    if (n < 0)
        return SB_EXIT_MISSING;
    /* The boards are USB devices: native ports (a VM's ttyS0) are not one. */
    if (n == 0)
        printf("no serial ports found: this machine has no serial hardware "
               "(transport = pty needs none)\n");
    else if (usb == 0)
        printf("no USB serial ports: no board is plugged in (port = auto finds none; "
               "transport = pty needs none)\n");
    return SB_EXIT_OK;
}

const struct sb_command sb_cmd_ports = {
    .name = "ports",
    .usage = "serbench ports",
    .summary = "list serial ports with their USB VID:PID, manufacturer, product and serial",
    .help = "Lists the serial ports libserialport sees, one a line.  A scenario names one\n"
            "with port = PATH, port = VID:PID, or port = auto (the first Adafruit 239a or\n"
            "SEGGER 1366 USB port).  Without serial hardware it says so and exits 0.\n",
    .main = ports_main,
};
