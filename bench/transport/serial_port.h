/*
 * serial_port.h - what the serial transport knows about port names, shared
 * with `serbench ports`.
 */
#ifndef SB_SERIAL_PORT_H
#define SB_SERIAL_PORT_H

#include <stdio.h>

/* 1 when path is (or links to) a pseudo-terminal: not for transport = serial. */
int sb_serial_is_pty(const char *path);

/* "239a:8029" -> *vid, *pid and 0; -1 when s does not have that shape. */
int sb_serial_parse_vidpid(const char *s, int *vid, int *pid);

/*
 * The port table `serbench ports` prints: one line a port with its USB
 * VID:PID, manufacturer, product and serial number.  Returns how many ports
 * were listed (*usb_ports of them USB), or -1.
 */
int sb_ports_print(FILE *out, int *usb_ports);

#endif
